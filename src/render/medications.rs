//! Medication list: `[[medications]]` from packet.toml, or the medications read from the
//! patient's clinical documents, turn into a table of names, doses, how they are taken,
//! how often, and when each was started and stopped (or its status), with the document
//! each came from.

use crate::base::config::Medication;
use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, SMALL};

/// Where the list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// packet.toml's `[[medications]]`.
    Patient,
    /// The medications sections of the patient's clinical documents (C-CDA).
    Documents,
}

pub fn layout(
    m: &Metrics,
    paper: Paper,
    meds: &[Medication],
    origin: Origin,
    t: &Messages,
) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    let title = t.t("medications.title");
    f.set_continued(&t.f("flow.continued", &[("heading", title)]));
    f.title(title);
    let intro = match origin {
        Origin::Patient => t.t("medications.intro"),
        Origin::Documents => t.t("medications.intro_documents"),
    };
    f.paragraph(intro, SMALL, false, 0.0);
    f.space(4.0);
    let any = |get: fn(&Medication) -> &Option<String>| meds.iter().any(|md| get(md).is_some());
    let show_route = any(|md| &md.route);
    let show_status = any(|md| &md.status);
    let show_source = any(|md| &md.source);
    let show_notes = any(|md| &md.notes) || !(show_route || show_status || show_source);
    // (header, width, cell)
    type Cell = fn(&Medication) -> String;
    // Headers are message keys.
    let mut cols: Vec<(&'static str, f32, Cell)> = vec![
        ("medications.col_medication", 120.0, |md| md.name.clone()),
        ("medications.col_dose", 70.0, |md| {
            md.dose.clone().unwrap_or_default()
        }),
    ];
    if show_route {
        cols.push(("medications.col_route", 50.0, |md| {
            md.route.clone().unwrap_or_default()
        }));
    }
    cols.push(("medications.col_frequency", 80.0, |md| {
        md.frequency.clone().unwrap_or_default()
    }));
    cols.push(("medications.col_started", 60.0, |md| {
        md.start.clone().unwrap_or_default()
    }));
    if show_status {
        cols.push(("medications.col_stopped_status", 65.0, |md| {
            match (&md.stop, &md.status) {
                (Some(s), Some(st)) => format!("{s} ({st})"),
                (Some(s), None) => s.clone(),
                (None, Some(st)) => st.clone(),
                (None, None) => String::new(),
            }
        }));
    } else {
        // Empty when not stopped; shown as "still taking" below.
        cols.push(("medications.col_stopped", 60.0, |md| {
            md.stop.clone().unwrap_or_default()
        }));
    }
    if show_notes {
        cols.push(("medications.col_notes", 110.0, |md| {
            md.notes.clone().unwrap_or_default()
        }));
    }
    if show_source {
        cols.push(("medications.col_from", 90.0, |md| {
            md.source.clone().unwrap_or_default()
        }));
    }
    let columns: Vec<Column<'_>> = cols
        .iter()
        .map(|(h, w, _)| Column {
            header: t.t(h),
            width: *w,
        })
        .collect();
    let still_taking = t.t("medications.still_taking");
    let rows: Vec<Vec<String>> = meds
        .iter()
        .map(|md| {
            cols.iter()
                .map(|(h, _, cell)| match cell(md) {
                    s if s.is_empty() && *h == "medications.col_stopped" => {
                        still_taking.to_string()
                    }
                    s => s,
                })
                .collect()
        })
        .collect();
    let size = if cols.len() > 6 { SMALL } else { BODY - 1.0 };
    f.table(&columns, &rows, size);
    f.finish()
}
