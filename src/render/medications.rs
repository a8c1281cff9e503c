//! Medication list: `[[medications]]` from packet.toml turn into a table of names, doses,
//! how often, and when each was started and stopped.

use crate::base::config::Medication;
use crate::base::fonts::Metrics;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, SMALL};

pub fn layout(m: &Metrics, paper: Paper, meds: &[Medication]) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    f.set_continued("Medication list");
    f.title("Medication list");
    f.paragraph(
        "All medications, with doses and when they were taken, as listed by the patient.",
        SMALL,
        false,
        0.0,
    );
    f.space(4.0);
    let cols = [
        Column {
            header: "Medication",
            width: 120.0,
        },
        Column {
            header: "Dose",
            width: 70.0,
        },
        Column {
            header: "How often",
            width: 80.0,
        },
        Column {
            header: "Started",
            width: 60.0,
        },
        Column {
            header: "Stopped",
            width: 60.0,
        },
        Column {
            header: "Notes",
            width: 110.0,
        },
    ];
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<Vec<String>> = meds
        .iter()
        .map(|md| {
            vec![
                md.name.clone(),
                opt(&md.dose),
                opt(&md.frequency),
                opt(&md.start),
                md.stop.clone().unwrap_or_else(|| "still taking".into()),
                opt(&md.notes),
            ]
        })
        .collect();
    f.table(&cols, &rows, BODY - 1.0);
    f.finish()
}
