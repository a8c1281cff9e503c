//! Medication list: `[[medications]]` from packet.toml, or the medications read from the
//! patient's clinical documents, turn into a table of names, doses, how they are taken,
//! how often, and when each was started and stopped (or its status), with the document
//! each came from.

use crate::base::config::Medication;
use crate::base::fonts::Metrics;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, SMALL};

/// Where the list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// packet.toml's `[[medications]]`.
    Patient,
    /// The medications sections of the patient's clinical documents (C-CDA).
    Documents,
}

pub fn layout(m: &Metrics, paper: Paper, meds: &[Medication], origin: Origin) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    f.set_continued("Medication list");
    f.title("Medication list");
    let intro = match origin {
        Origin::Patient => {
            "All medications, with doses and when they were taken, as listed by the patient."
        }
        Origin::Documents => {
            "Medications recorded in the patient's clinical documents (C-CDA), each listed once, with the document it came from. The patient has not confirmed this list."
        }
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
    let mut cols: Vec<(&str, f32, Cell)> = vec![
        ("Medication", 120.0, |md| md.name.clone()),
        ("Dose", 70.0, |md| md.dose.clone().unwrap_or_default()),
    ];
    if show_route {
        cols.push(("Route", 50.0, |md| md.route.clone().unwrap_or_default()));
    }
    cols.push(("How often", 80.0, |md| {
        md.frequency.clone().unwrap_or_default()
    }));
    cols.push(("Started", 60.0, |md| md.start.clone().unwrap_or_default()));
    if show_status {
        cols.push(("Stopped / status", 65.0, |md| {
            match (&md.stop, &md.status) {
                (Some(s), Some(st)) => format!("{s} ({st})"),
                (Some(s), None) => s.clone(),
                (None, Some(st)) => st.clone(),
                (None, None) => String::new(),
            }
        }));
    } else {
        cols.push(("Stopped", 60.0, |md| {
            md.stop.clone().unwrap_or_else(|| "still taking".into())
        }));
    }
    if show_notes {
        cols.push(("Notes", 110.0, |md| md.notes.clone().unwrap_or_default()));
    }
    if show_source {
        cols.push(("From", 90.0, |md| md.source.clone().unwrap_or_default()));
    }
    let columns: Vec<Column<'_>> = cols
        .iter()
        .map(|(h, w, _)| Column {
            header: h,
            width: *w,
        })
        .collect();
    let rows: Vec<Vec<String>> = meds
        .iter()
        .map(|md| cols.iter().map(|(_, _, cell)| cell(md)).collect())
        .collect();
    let size = if cols.len() > 6 { SMALL } else { BODY - 1.0 };
    f.table(&columns, &rows, size);
    f.finish()
}
