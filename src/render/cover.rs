//! Cover sheet: patient, diagnosis, reason, doctors and a summary table turn into the
//! packet's first page(s).

use crate::base::config::{Contact, PacketConfig};
use crate::base::fonts::Metrics;
use crate::base::kind::Kind;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, SMALL};
use chrono::{DateTime, Utc};

/// Documents and pages of one kind, for the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSummary {
    pub kind: Kind,
    pub documents: usize,
    pub pages: u32,
}

pub struct CoverInfo<'a> {
    pub config: &'a PacketConfig,
    pub generated_at: DateTime<Utc>,
    pub packet_id: &'a str,
    pub summary: &'a [KindSummary],
    pub not_included: usize,
}

pub fn layout(m: &Metrics, paper: Paper, info: &CoverInfo<'_>) -> Vec<PageLayout> {
    let cfg = info.config;
    let p = &cfg.patient;
    let mut f = Flow::new(m, paper);
    f.text_line(
        crate::base::layout::MARGIN,
        "Medical records for a second opinion",
        BODY,
        false,
        0.35,
    );
    f.title(&p.name);
    f.heading("Patient");
    f.field("Name", &p.name);
    if let Some(d) = p.date_of_birth {
        f.field("Date of birth", &d.format("%Y-%m-%d").to_string());
    }
    for (label, v) in [
        ("Record number", &p.mrn),
        ("Phone", &p.phone),
        ("E-mail", &p.email),
        ("Address", &p.address),
    ] {
        if let Some(v) = v.as_deref().filter(|s| !s.trim().is_empty()) {
            f.field(label, v);
        }
    }
    if let Some(s) = cfg
        .diagnosis
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        f.heading("Diagnosis");
        f.paragraph(s, BODY, false, 0.0);
    }
    if let Some(r) = cfg
        .request
        .reason
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        f.heading("Reason for the second opinion");
        f.paragraph(r, BODY, false, 0.0);
    }
    let doctors: [(&str, &Option<Contact>); 3] = [
        ("Second opinion", &cfg.recipient),
        ("Referring doctor", &cfg.referring_doctor),
        ("Primary doctor", &cfg.primary_doctor),
    ];
    if doctors.iter().any(|(_, c)| c.is_some()) {
        f.heading("Doctors");
        for (label, c) in doctors {
            if let Some(c) = c {
                let mut lines = Vec::new();
                if let Some(h) = c.headline() {
                    lines.push(h);
                }
                lines.extend(c.details());
                f.field(label, &lines.join("\n"));
                f.space(3.0);
            }
        }
        if cfg
            .primary_doctor
            .as_ref()
            .and_then(Contact::headline)
            .is_some()
        {
            f.paragraph(
                "Please send your written opinion to the primary doctor named above, who manages all of the patient's care.",
                SMALL,
                false,
                0.0,
            );
        }
    }
    f.heading("What this packet holds");
    let mut rows: Vec<Vec<String>> = info
        .summary
        .iter()
        .map(|s| {
            vec![
                s.kind.section_title().to_string(),
                s.documents.to_string(),
                s.pages.to_string(),
            ]
        })
        .collect();
    let docs: usize = info.summary.iter().map(|s| s.documents).sum();
    let pages: u32 = info.summary.iter().map(|s| s.pages).sum();
    rows.push(vec![
        "All records".into(),
        docs.to_string(),
        pages.to_string(),
    ]);
    let cols = [
        Column {
            header: "Records",
            width: 300.0,
        },
        Column {
            header: "Documents",
            width: 100.0,
        },
        Column {
            header: "Pages",
            width: 100.0,
        },
    ];
    f.table(&cols, &rows, SMALL);
    if info.not_included > 0 {
        f.paragraph(
            &format!(
                "{} file(s) from the patient's folder could not be included; the index lists them under \"Not included\".",
                info.not_included
            ),
            SMALL,
            false,
            0.0,
        );
    }
    f.space(10.0);
    f.paragraph(
        &format!(
            "Generated {} by medpacket {} · Packet ID {}",
            info.generated_at.format("%Y-%m-%d %H:%M UTC"),
            env!("CARGO_PKG_VERSION"),
            info.packet_id
        ),
        SMALL,
        false,
        0.0,
    );
    f.finish()
}
