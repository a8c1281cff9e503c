//! Cover sheet: patient, diagnosis, reason, doctors and a summary table turn into the
//! packet's first page(s).

use crate::base::config::{Contact, PacketConfig};
use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
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
    /// The words of the packet's language.
    pub t: &'a Messages,
}

pub fn layout(m: &Metrics, paper: Paper, info: &CoverInfo<'_>) -> Vec<PageLayout> {
    let cfg = info.config;
    let t = info.t;
    let p = &cfg.patient;
    let mut f = Flow::new(m, paper);
    f.text_line(
        crate::base::layout::MARGIN,
        t.t("cover.kicker"),
        BODY,
        false,
        0.35,
    );
    f.title(&p.name);
    f.heading(t.t("cover.patient"));
    f.field(t.t("cover.name"), &p.name);
    if let Some(d) = p.date_of_birth {
        f.field(t.t("cover.date_of_birth"), &t.date_short(d));
    }
    for (label, v) in [
        (t.t("cover.record_number"), &p.mrn),
        (t.t("cover.phone"), &p.phone),
        (t.t("cover.email"), &p.email),
        (t.t("cover.address"), &p.address),
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
        f.heading(t.t("cover.diagnosis"));
        f.paragraph(s, BODY, false, 0.0);
    }
    if let Some(r) = cfg
        .request
        .reason
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        f.heading(t.t("cover.reason"));
        f.paragraph(r, BODY, false, 0.0);
    }
    let doctors: [(&str, &Option<Contact>); 3] = [
        (t.t("cover.second_opinion"), &cfg.recipient),
        (t.t("cover.referring"), &cfg.referring_doctor),
        (t.t("cover.primary"), &cfg.primary_doctor),
    ];
    if doctors.iter().any(|(_, c)| c.is_some()) {
        f.heading(t.t("cover.doctors"));
        for (label, c) in doctors {
            if let Some(c) = c {
                let mut lines = Vec::new();
                if let Some(h) = c.headline() {
                    lines.push(h);
                }
                lines.extend(c.details_in(t));
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
            f.paragraph(t.t("cover.primary_note"), SMALL, false, 0.0);
        }
    }
    f.heading(t.t("cover.holds"));
    let mut rows: Vec<Vec<String>> = info
        .summary
        .iter()
        .map(|s| {
            vec![
                t.section_title(s.kind).to_string(),
                s.documents.to_string(),
                s.pages.to_string(),
            ]
        })
        .collect();
    let docs: usize = info.summary.iter().map(|s| s.documents).sum();
    let pages: u32 = info.summary.iter().map(|s| s.pages).sum();
    rows.push(vec![
        t.t("cover.all_records").into(),
        docs.to_string(),
        pages.to_string(),
    ]);
    let cols = [
        Column {
            header: t.t("cover.col_records"),
            width: 300.0,
        },
        Column {
            header: t.t("cover.col_documents"),
            width: 100.0,
        },
        Column {
            header: t.t("cover.col_pages"),
            width: 100.0,
        },
    ];
    f.table(&cols, &rows, SMALL);
    if info.not_included > 0 {
        f.paragraph(
            &t.f(
                "cover.not_included",
                &[("n", &info.not_included.to_string())],
            ),
            SMALL,
            false,
            0.0,
        );
    }
    f.space(10.0);
    f.paragraph(
        &t.f(
            "cover.generated",
            &[
                ("time", &t.time(info.generated_at)),
                ("version", env!("CARGO_PKG_VERSION")),
                ("id", info.packet_id),
            ],
        ),
        SMALL,
        false,
        0.0,
    );
    f.finish()
}
