//! Writes a synthetic records folder of N HL7 clinical documents (C-CDA) for the CDA
//! benchmark: discharge summaries with long lab tables, consultation and operative notes
//! with nested sections and medication entries, plus a packet.toml for a fictional patient.
//!
//! `cargo run --release --example cda_records -- DIR N`

#[path = "../tests/support/cda.rs"]
mod cda;

use cda::{discharge_summary, med_entry, CdaDoc, Sec};

fn document(i: usize) -> CdaDoc {
    let day = format!("2025{:02}{:02}", 1 + i % 12, 1 + i % 28);
    match i % 3 {
        0 => discharge_summary(20 + i % 40),
        1 => CdaDoc {
            service: Some((Some(day), None)),
            ..CdaDoc::new("11488-4", "Consultation note", &format!("Consultation {i}"))
        }
        .section(Sec {
            children: vec![Sec::new(
                "8716-3",
                "Vital Signs",
                "<list><item>Temperature 37.1 C</item><item>Pulse 78 per minute</item></list>",
            )],
            ..Sec::new(
                "29545-1",
                "Physical Examination",
                &"<paragraph>Chest clear on both sides; abdomen soft and not tender; no swelling of the legs.</paragraph>".repeat(6),
            )
        })
        .section(Sec {
            entries: med_entry("197361", "Amlodipine 5 MG Oral Tablet", ("5", "mg"), "Oral", 24, "20230105", "active"),
            ..Sec::new("10160-0", "Medications", "<paragraph>Amlodipine daily.</paragraph>")
        }),
        _ => CdaDoc {
            service: Some((Some(day), None)),
            ..CdaDoc::new("11504-8", "Surgical operation note", &format!("Operative Note {i}"))
        }
        .section(Sec::new(
            "10219-4",
            "Procedure Description",
            &"<paragraph>The abdomen was entered through a small incision and the gallbladder removed without complication.</paragraph>".repeat(10),
        )),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: cda_records DIR N");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(2);
    }
    let write = |name: &str, text: &str| {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            eprintln!("cannot write {name}: {e}");
            std::process::exit(2);
        }
    };
    for i in 0..n {
        write(&format!("DOC{:04}.XML", i + 1), &document(i).xml());
    }
    write(
        "packet.toml",
        "[patient]\nname = \"Maren Okafor\"\ndate_of_birth = 1968-04-12\n",
    );
}
