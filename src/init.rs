//! Init: a scanned folder turns into the text of a commented packet.toml that lists every
//! detected document with its detected kind, date and title, for the patient to correct.

use crate::base::config::PLACEHOLDER_NAME;
use crate::base::kind::Kind;
use crate::classify::Source;
use crate::read::scan::{Inventory, Status};

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One comment line: line breaks folded, other control characters written as \u{…}
/// (TOML allows no control characters in comments).
fn comment(s: &str) -> String {
    let mut out = String::from("# ");
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// `[[medications]]` entries for the medications the clinical documents (C-CDA) record,
/// for the patient to confirm; empty when they record none.
fn document_medications(inv: &Inventory) -> String {
    let meds = crate::read::cda::medication_list(
        crate::plan::packet_order(inv)
            .into_iter()
            .filter_map(|i| inv.files.get(i))
            .filter_map(|f| Some((f.rel.as_str(), f.classified.date, f.cda.as_deref()?))),
    );
    if meds.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "# Medications found in your clinical documents (C-CDA or FHIR), each once. Check them against\n\
         # what you take now: correct them, delete what you no longer take, add what is missing.\n",
    );
    for m in meds {
        s.push_str("[[medications]]\n");
        s.push_str(&format!("name = {}\n", quote(&m.name)));
        let fields = [
            ("dose", &m.dose),
            ("route", &m.route),
            ("frequency", &m.frequency),
            ("start", &m.start),
            ("stop", &m.stop),
            ("status", &m.status),
            ("source", &m.source),
        ];
        for (key, value) in fields {
            if let Some(v) = value {
                s.push_str(&format!("{key} = {}\n", quote(v)));
            }
        }
        s.push('\n');
    }
    s
}

/// The commented `[[holders]]` example: who holds which records, for `medpacket request`.
const HOLDERS_EXAMPLE: &str = "# Who holds the records that are still missing, for `medpacket request`, which writes\n\
# each one a request letter. One [[holders]] entry per hospital, lab or imaging centre:\n\
# [[holders]]\n\
# name = \"Riverside Hospital\"\n\
# department = \"Health Information Management\"   # the default; e.g. \"Pathology\", \"Film Library\"\n\
# address = \"400 River Rd, Springfield, IL 62702\"\n\
# phone = \"\"\n\
# fax = \"\"     # a fax cover is added to the letter\n\
# email = \"\"\n\
# mrn = \"\"     # your medical record number there\n\
# kinds = [\"pathology-report\", \"slides\"]   # document kinds, \"slides\" and \"imaging\" (the images themselves)\n\n";

/// The packet.toml `medpacket init` writes for this inventory.
pub fn packet_toml(inv: &Inventory, profiles: &[String], today: chrono::NaiveDate) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# packet.toml — started by medpacket init on {today}.\n\
         # Correct what is wrong and fill in what is missing, then run\n\
         #   medpacket check <folder>   to see whether the folder is ready to send, and\n\
         #   medpacket build <folder>   to write the packet.\n\
         # Lines starting with # are comments. Every table except [patient] may be left out.\n\n"
    ));
    s.push_str("[patient]\n");
    s.push_str(&format!("name = {}\n", quote(PLACEHOLDER_NAME)));
    s.push_str(
        "# date_of_birth = 1970-01-31\n# phone = \"\"\n# email = \"\"\n# address = \"\"\n# mrn = \"\"   # the hospital's record number\n\n",
    );
    s.push_str("[diagnosis]\n# summary = \"the diagnosis in one or two sentences\"\n\n");
    s.push_str(
        "[history]\n# had_surgery = true    # then the operative report is required\n# hospitalized = true   # then the discharge summary is required\n\n",
    );
    for (table, what) in [
        ("referring_doctor", "the doctor who referred you"),
        ("recipient", "the doctor giving the second opinion"),
        (
            "primary_doctor",
            "the doctor who manages your care and should receive the report",
        ),
    ] {
        s.push_str(&format!(
            "# [{table}]   # {what}\n# name = \"\"\n# facility = \"\"\n# address = \"\"\n# phone = \"\"\n# fax = \"\"\n\n"
        ));
    }
    s.push_str(&format!(
        "[request]\nprofile = \"general\"   # one of: {}\n# reason = \"why you want a second opinion\"\n# questions = [\"your own question\", \"another one\"]\n# default_questions = true   # false leaves out medpacket's standard questions\n# required = []   # further kinds this folder must hold\n# language = \"en\"   # or \"es\": the language of the packet, the letter and the to-do list\n\n",
        profiles.join(", ")
    ));
    s.push_str(
        "# Each medicine you take (or took), for the packet's medication list:\n# [[medications]]\n# name = \"\"\n# dose = \"\"\n# frequency = \"\"\n# start = 2025-01-31\n# stop = 2025-06-30\n# notes = \"\"\n\n",
    );
    s.push_str(&document_medications(inv));
    s.push_str(HOLDERS_EXAMPLE);
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    s.push_str("# The documents medpacket found, with the kind, date and title it detected.\n");
    s.push_str(&comment(&format!("Kinds: {}.", kinds.join(", "))));
    s.push_str("# Correct a wrong kind, date (YYYY-MM-DD) or title; add password = \"…\" for a locked PDF;\n# exclude = true leaves a file out of the packet.\n");
    for f in &inv.files {
        match &f.status {
            Status::Included | Status::Excluded => {
                let c = &f.classified;
                s.push_str("\n[[documents]]\n");
                s.push_str(&format!("path = {}\n", quote(&f.rel)));
                let guessed = |field: &str| {
                    !c.evidence
                        .iter()
                        .any(|e| e.field == field && e.source != Source::Default)
                };
                if guessed("kind") {
                    s.push_str(&format!(
                        "# kind = {}   (medpacket could not tell: write the right kind)\n",
                        quote(c.kind.as_str())
                    ));
                } else {
                    s.push_str(&format!("kind = {}\n", quote(c.kind.as_str())));
                }
                if let Some(d) = c.date {
                    s.push_str(&format!("date = {d}\n"));
                } else {
                    s.push_str("# date = YYYY-MM-DD   (medpacket found no date)\n");
                }
                if !c.title.trim().is_empty() && !guessed("title") {
                    s.push_str(&format!("title = {}\n", quote(&c.title)));
                }
                if f.status == Status::Excluded {
                    s.push_str("exclude = true\n");
                }
                let why: Vec<String> = c
                    .evidence
                    .iter()
                    .filter(|e| e.field != "title")
                    .map(|e| match e.source {
                        Source::Default => format!("{}: nothing found", e.field),
                        _ => format!("{}: {}", e.field, e.rule),
                    })
                    .collect();
                if !why.is_empty() {
                    s.push_str(&comment(&format!("evidence — {}", why.join("; "))));
                }
            }
            Status::Duplicate { same_as } => {
                s.push('\n');
                s.push_str(&comment(&format!(
                    "{}: the same file as {same_as}; it goes into the packet once",
                    f.rel
                )));
            }
            Status::Problem(p) => {
                s.push('\n');
                s.push_str(&comment(&format!(
                    "PROBLEM {}: {} — {}",
                    p.path, p.reason, p.hint
                )));
                if p.reason.starts_with("password-protected") {
                    s.push_str(&format!(
                        "# [[documents]]\n# path = {}\n# password = \"…\"\n",
                        quote(&f.rel)
                    ));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holders_example_parses_once_uncommented() {
        let from = HOLDERS_EXAMPLE.find("# [[holders]]").expect("example");
        let example: String = HOLDERS_EXAMPLE[from..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!("[patient]\nname = \"Ana Ruiz\"\n\n{example}\n");
        let cfg =
            crate::base::config::PacketConfig::parse(&text, std::path::Path::new("packet.toml"))
                .expect("the uncommented example is valid");
        assert_eq!(cfg.holders.len(), 1);
        let h = &cfg.holders[0];
        assert_eq!(h.department, "Health Information Management");
        assert_eq!(
            h.kinds,
            [
                crate::base::config::Held::Record(Kind::PathologyReport),
                crate::base::config::Held::Slides
            ]
        );
    }

    #[test]
    fn comments_with_control_characters_stay_valid_toml() {
        let doc = format!(
            "{}v = 1\n",
            comment("PROBLEM empty\u{7f}.pdf: lab \u{1b}copy\nnext")
        );
        let v: toml::Table = toml::from_str(&doc).expect("parses");
        assert_eq!(v["v"].as_integer(), Some(1));
    }

    #[test]
    fn quoting_round_trips_through_toml() {
        for s in [
            "plain",
            "with \"quotes\" and \\ slash",
            "tab\tnew\nline",
            "Łódź · 王",
            "\u{7}bell",
        ] {
            let doc = format!("v = {}", quote(s));
            let v: toml::Table = toml::from_str(&doc).expect("parses");
            assert_eq!(v["v"].as_str(), Some(s));
        }
    }
}
