//! Tests of classification by kind tables: titles over headers over body words, carriers
//! and addenda, evidence against a kind, date labels and readings.

use super::rules::{List, Phrase, Set};
use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
}

fn rules() -> Rules {
    Rules::builtin().expect("the built-in rules parse")
}

/// One document of the kind tables below: its text, the kind and title expected, and
/// a piece of evidence the decision must show.
struct KindCase {
    name: &'static str,
    text: &'static str,
    kind: Kind,
    title: &'static str,
    /// A `kind` evidence rule must contain this.
    evidence: &'static str,
}

fn check_kind_cases(cases: &[KindCase]) {
    let rules = rules();
    for c in cases {
        let got = classify(&rules, "doc.pdf", Some(c.text), &Overrides::default());
        assert_eq!(
            got.kind, c.kind,
            "{}: kind; evidence {:#?}",
            c.name, got.evidence
        );
        assert_eq!(got.title, c.title, "{}: title", c.name);
        assert!(
            got.evidence
                .iter()
                .any(|e| e.field == "kind" && e.rule.contains(c.evidence)),
            "{}: no kind evidence with {:?} in {:#?}",
            c.name,
            c.evidence,
            got.evidence
        );
    }
}

#[test]
fn titles_outweigh_section_headers_and_headers_outweigh_body_words() {
    check_kind_cases(&[
        KindCase {
            name: "a title keyword written as a section label is not the title",
            text: "LOCAL TITLE: NEUROLOGY CONSULT\nActive Medications:\n\
                   1) Zorvatin 10 mg tablet by mouth daily\n\
                   2) Quellox 5 mg tablet by mouth twice daily as needed",
            kind: Kind::ConsultationNote,
            title: "Neurology consult",
            evidence: "title keyword \"consult\"",
        },
        KindCase {
            name: "section headers near the top decide when there is no title",
            text: "Accession: XP-00-1234\nReceived: 01/02/2003\n\
                   GROSS DESCRIPTION:\nTwo tan fragments, 3 mm.\n\
                   FINAL DIAGNOSIS:\nBenign fibrous tissue.",
            kind: Kind::PathologyReport,
            title: "Pathology report",
            evidence: "section header \"gross description\"",
        },
        KindCase {
            name: "a title keyword in a sentence of the body is a weak mention",
            text: "Clinic visit for knee pain.\n\
                   We talked about the basic metabolic panel from last spring and will repeat it.",
            kind: Kind::Other,
            title: "Other record",
            evidence: "confirm the kind in packet.toml",
        },
        KindCase {
            name: "a kind named only in a sentence is below the minimum score",
            text: "Dear Mr. Tamsin,\nYour discharge paperwork is ready at the front desk.",
            kind: Kind::Other,
            title: "Other record",
            evidence: "no kind rule reached the minimum score",
        },
        KindCase {
            name: "plain-film views name an imaging exam",
            text: "ANKLE 3 OR MORE VIEWS\nExam Date: 01/05/2019\nImpression: no fracture.",
            kind: Kind::ImagingReport,
            title: "Ankle 3 or more views",
            evidence: "title keyword \"views\"",
        },
        KindCase {
            name: "nuclear medicine is imaging",
            text:
                "MYOCARDIAL PERFUSION (SPECT)\nImg Loc: NUCLEAR MEDICINE\nImpression: no ischemia.",
            kind: Kind::ImagingReport,
            title: "Myocardial perfusion (SPECT)",
            evidence: "title keyword \"spect\"",
        },
        KindCase {
            name: "a laboratory discipline names lab results",
            text: "Collection sample: STOOL\n* PARASITOLOGY FINAL REPORT\nNO OVA OR PARASITES SEEN",
            kind: Kind::LabResults,
            title: "Parasitology final report",
            evidence: "title keyword \"parasitology\"",
        },
        KindCase {
            name: "British spelling of a laboratory discipline",
            text: "HAEMATOLOGY\nHaemoglobin 131 g/L",
            kind: Kind::LabResults,
            title: "Haematology",
            evidence: "title keyword \"haematology\"",
        },
        KindCase {
            name: "a specimen section and a pathologist make a pathology report",
            text: "Date Spec taken: Feb 03, 2002     Pathologist: ADA QUINT MD\nSpecimen:\n\
                   SKIN, LEFT ARM",
            kind: Kind::PathologyReport,
            title: "Pathology report",
            evidence: "section header \"specimen\"",
        },
        KindCase {
            name: "a visit note is other, whatever its sections",
            text: "STANDARD TITLE: PRIMARY CARE OUTPATIENT NOTE\nMEDICATIONS:\n\
                   Active Medications\n1) Drug A 5 mg tablet by mouth daily\nLabs:\n\
                   No CBC in the past year",
            kind: Kind::Other,
            title: "Primary care outpatient note",
            evidence: "title keyword \"outpatient note\"",
        },
        KindCase {
            name: "a treatment agreement is other, not a medication list",
            text: "TREATMENT AGREEMENT FOR USE OF SLEEP MEDICATIONS\n\
                   I agree to take the medicine only as prescribed.",
            kind: Kind::Other,
            title: "Treatment agreement for use of sleep medications",
            evidence: "title keyword \"treatment agreement\"",
        },
        KindCase {
            name: "a disability examination is other",
            text: "COMPENSATION AND PENSION EXAMINATION\nMEDICAL HISTORY\nReview of records.",
            kind: Kind::Other,
            title: "Compensation and pension examination",
            evidence: "title keyword \"compensation and pension\"",
        },
        KindCase {
            name: "French consultation title",
            text: "COMPTE RENDU DE CONSULTATION\nMotif de consultation : douleur thoracique",
            kind: Kind::ConsultationNote,
            title: "Compte rendu de consultation",
            evidence: "title keyword \"compte rendu de consultation\"",
        },
        KindCase {
            name: "Spanish progress note is other",
            text: "NOTA DE EVOLUCIÓN\nPaciente estable.",
            kind: Kind::Other,
            title: "Nota de evolución",
            evidence: "title keyword \"nota de evolución\"",
        },
    ]);
}

#[test]
fn carriers_and_addenda_are_typed_by_what_they_carry() {
    check_kind_cases(&[
        KindCase {
            name: "a results letter carrying a pathology report, its title below the letter head",
            text: "PATIENT LETTER\nPage 1 of 2\nCONFIDENTIAL\nDear Mr. Fenwick,\n\
                   Thank you for coming in.\nYour results are below.\n\
                   Please call us with any questions.\nSincerely, your care team\n\
                   SURGICAL PATHOLOGY REPORT\nPREOPERATIVE DIAGNOSIS: colon polyp\n\
                   POSTOPERATIVE DIAGNOSIS: same\nGross description: two fragments.\n\
                   DIAGNOSIS: tubular adenoma.",
            kind: Kind::PathologyReport,
            title: "Surgical pathology report",
            evidence: "not operative-report: its section headers and body words are part of the pathology-report",
        },
        KindCase {
            name: "a letter carrying a lab table is lab results",
            text: "RESULTS LETTER\nDear Ms. Orrin,\nThis is to inform you of your results:\n\
                   Test        Result    Date drawn   Units       Reference Range\n\
                   SODIUM        139     3/02/21      mmol/L      135 - 145\n\
                   GLUCOSE        92     3/02/21      mg/dL        70 - 99",
            kind: Kind::LabResults,
            title: "Lab results",
            evidence: "section header \"reference range\"",
        },
        KindCase {
            name: "an ADDENDUM line above the title keeps the report's kind and title",
            text: "ADDENDUM\nSURGICAL PATHOLOGY REPORT\nCollected: 04/02/2024\n\
                   Addendum: HER2 by FISH is not amplified.",
            kind: Kind::PathologyReport,
            title: "Surgical pathology report",
            evidence: "title keyword \"surgical pathology report\"",
        },
        KindCase {
            name: "an addendum that mentions pathology keeps the operative report",
            text: "OPERATIVE REPORT\nDate of Surgery: 05/04/2024\nSurgeon: Dr. Pell\n\
                   Estimated blood loss: 10 mL\n\
                   ADDENDUM 05/06/2024: the pathology report shows benign tissue.",
            kind: Kind::OperativeReport,
            title: "Operative report",
            evidence: "title keyword \"operative report\"",
        },
    ]);
}

#[test]
fn evidence_against_a_kind() {
    check_kind_cases(&[
        KindCase {
            name: "pre-op instructions filed under an operative-note title",
            text: "SURG PREP - PRE-OP INSTRUCTIONS\nSURGERY OPERATIVE NOTE\n\
                   Nothing to eat after midnight. Arrive at 6 am.",
            kind: Kind::Other,
            title: "Surg prep - pre-op instructions",
            evidence: "not operative-report: title keyword \"operative note\" is not a title here (\"pre op instructions\")",
        },
        KindCase {
            name: "a consent form is not an operative report",
            text: "CONSENT FORM\nOperative Report to follow\nRisks were explained.",
            kind: Kind::Other,
            title: "Consent form",
            evidence: "title keyword \"consent form\"",
        },
        KindCase {
            name: "a discharge summary's medication list does not make it a medication list",
            text: "DISCHARGE SUMMARY\nDischarge Date: 06/09/2023\nDISCHARGE MEDICATIONS:\n\
                   Active Medications\n1) Drug A 5 mg tablet by mouth daily\n\
                   2) Drug B 10 mg capsule by mouth twice daily as needed\n\
                   3) Drug C 1 tablet by mouth at bedtime, refills 3",
            kind: Kind::DischargeSummary,
            title: "Discharge summary",
            evidence: "not medication-list",
        },
        KindCase {
            name: "a consultation's plan section does not make it a treatment plan",
            text: "ONCOLOGY CONSULT\nTREATMENT PLAN:\nGoal: cure\nRegimen: 4 cycles, adjuvant intent",
            kind: Kind::ConsultationNote,
            title: "Oncology consult",
            evidence: "not treatment-plan",
        },
        KindCase {
            name: "a care-plan section outweighs a bare procedure-note title",
            text: "PROCEDURE NOTE\nTREATMENT PLAN:\nProblem: low mood\nGoal: sleep through the night\n\
                   Objective: walk daily\nIntervention: weekly therapy\nTarget Date: 09/30/2024",
            kind: Kind::TreatmentPlan,
            title: "Treatment plan",
            evidence: "title keyword \"treatment plan\" as a section header",
        },
    ]);
}

#[test]
fn set_aside_evidence_only_explains_a_text_decision() {
    let rules = rules();
    let got = classify(
        &rules,
        "doc.pdf",
        Some("NEUROLOGY CONSULT\nActive Medications:\n1) Drug A 5 mg tablet by mouth daily"),
        &Overrides::default(),
    );
    let aside: Vec<&Evidence> = got
        .evidence
        .iter()
        .filter(|e| e.rule.starts_with("not "))
        .collect();
    assert_eq!(aside.len(), 1, "{:#?}", got.evidence);
    assert!(aside
        .iter()
        .all(|e| e.score < 0.0 && e.source == Source::Text));
    assert_eq!(
        aside.first().map(|e| e.matched.as_str()),
        Some("Active Medications:")
    );
    assert!(got.kind_score > 0.0);

    // Below the minimum score: only the default evidence, so `check` still lists the
    // file as unclassified.
    let got = classify(
        &rules,
        "doc.pdf",
        Some("Thank you.\nMedications: none"),
        &Overrides::default(),
    );
    assert_eq!(got.kind, Kind::Other);
    let kind: Vec<&Evidence> = got.evidence.iter().filter(|e| e.field == "kind").collect();
    assert_eq!(kind.len(), 1);
    assert!(kind.iter().all(|e| e.source == Source::Default));
}

#[test]
fn dates_follow_the_label_rules() {
    let rules = rules();
    // (name, text, date, a piece of the date evidence rule)
    let table: [(&str, &str, Option<NaiveDate>, &str); 24] = [
        (
            "two-digit year after a label",
            "ECG REPORT\nPROCEDURE DATE/TIME: 12/14/00 11:35",
            Some(date(2000, 12, 14)),
            "date label \"Procedure Date\"",
        ),
        (
            "two-digit year at or above the pivot is 19xx",
            "CONSULTATION NOTE\nDate of Service: 3/4/85",
            Some(date(1985, 3, 4)),
            "Date of Service",
        ),
        (
            "month-name date with a comma",
            "RADIOLOGY REPORT\nExam Date: Sep 24, 1999",
            Some(date(1999, 9, 24)),
            "Exam Date",
        ),
        (
            "day-month-year with a month abbreviation",
            "LAB REPORT\nCollected: 24-SEP-1999",
            Some(date(1999, 9, 24)),
            "Collected",
        ),
        (
            "day-month-year with a two-digit year",
            "LAB REPORT\nCollected: 24-SEP-99",
            Some(date(1999, 9, 24)),
            "Collected",
        ),
        (
            "day, month abbreviation and comma",
            "CONSULT NOTE\nVisit Date: 31 Oct, 2022 @ 02:31PM",
            Some(date(2022, 10, 31)),
            "Visit Date",
        ),
        (
            "abbreviated exam label with a time glued on",
            "CHEST 2 VIEWS\nExm Date: FEB 02, 2020@10:00\nDate Reported: FEB 04, 2020",
            Some(date(2020, 2, 2)),
            "Exam Date",
        ),
        (
            "the specimen date, not the report date",
            "SURGICAL PATHOLOGY REPORT\nDate Reported: 03/10/2023\nDate Spec taken: 03/06/2023",
            Some(date(2023, 3, 6)),
            "Date Specimen Taken",
        ),
        (
            "the procedure date, not the note date",
            "PROCEDURE NOTE\nDate of Note: 05/05/2021\nDate of Procedure: 05/04/2021",
            Some(date(2021, 5, 4)),
            "Date of Procedure",
        ),
        (
            "the discharge date, not the admission or dictation date",
            "DISCHARGE SUMMARY\nDICT DATE: JAN 10, 2022\nDATE OF ADMISSION: Jan 3,2022\n\
             DATE OF DISCHARGE: Jan 9,2022",
            Some(date(2022, 1, 9)),
            "Date of Discharge",
        ),
        (
            "a page header's print date is not a label",
            "Pg. 1      09/12/22 10:11\nECG REPORT\nPrinted: 09/12/2022\n\
             DATE OF NOTE: OCT 01, 2021@10:01  ENTRY DATE: OCT 02, 2021@08:00",
            Some(date(2021, 10, 1)),
            "Date of Note",
        ),
        (
            "a two-digit date of birth is never the date",
            "CONSULTATION NOTE\nDOB: 04/05/61\nDate of Service: 04/05/61",
            None,
            "undated",
        ),
        (
            "sign dates are not clinical dates",
            "OPERATIVE REPORT\nSigned: 02/03/2024",
            None,
            "undated",
        ),
        (
            "target and renewal dates are in the future",
            "TREATMENT PLAN\nProjected Target Date: 11/01/2024\nRenewal Date: 04/29/2025\n\
             Date of Note: 10/31/2023",
            Some(date(2023, 10, 31)),
            "Date of Note",
        ),
        (
            "a date under its column header",
            "LAB RESULTS\nTest       Result    Date drawn   Units\nSODIUM     139       2/27/20      mmol/L",
            Some(date(2020, 2, 27)),
            "date label \"Date Drawn\" (table column)",
        ),
        (
            "a label followed by a value is not a column header",
            "LAB RESULTS\nDate drawn: pending\nSODIUM  139  2/27/20",
            None,
            "undated",
        ),
        (
            "a label followed by another label is not a column header",
            "LAB RESULTS\nDate  drawn:  see below\n2/27/2020",
            None,
            "undated",
        ),
        (
            "French document: a generic label reads day first",
            "COMPTE RENDU DE CONSULTATION\nDate : 05/11/2019\nMotif de consultation : douleur",
            Some(date(2019, 11, 5)),
            "day first (language fr)",
        ),
        (
            "Spanish document: day first",
            "INFORME RADIOLÓGICO\nHallazgos: sin alteraciones.\nFecha del estudio: 03/04/2020",
            Some(date(2020, 4, 3)),
            "day first",
        ),
        (
            "British report: day first",
            "RADIOLOGY REPORT\nNHS Number: 943 476 5919\nExam Date: 05/11/2019\nImpression: no oedema.",
            Some(date(2019, 11, 5)),
            "day first (day-first English",
        ),
        (
            "British spellings alone: day first",
            "HAEMATOLOGY\nCollected: 03/02/2021\nHaemoglobin 131 g/L",
            Some(date(2021, 2, 3)),
            "day first",
        ),
        (
            "one British spelling is not enough",
            "RADIOLOGY REPORT\nExam Date: 05/11/2019\nImpression: no tumour.",
            Some(date(2019, 5, 11)),
            "Exam Date",
        ),
        (
            "American report: month first",
            "RADIOLOGY REPORT\nExam Date: 05/11/2019\nImpression: no tumor.",
            Some(date(2019, 5, 11)),
            "Exam Date",
        ),
        (
            "the note date when nothing better is labelled",
            "PROGRESS NOTE\nDATE OF NOTE: AUG 12, 2022@12:50:56  ENTRY DATE: AUG 13, 2022@09:00",
            Some(date(2022, 8, 12)),
            "Date of Note",
        ),
    ];
    for (name, text, want, rule) in table {
        let got = classify(&rules, "doc.pdf", Some(text), &Overrides::default());
        assert_eq!(got.date, want, "{name}: evidence {:#?}", got.evidence);
        let ev = got
            .evidence
            .iter()
            .find(|e| e.field == "date")
            .expect("date evidence");
        assert!(ev.rule.contains(rule), "{name}: {:?}", ev.rule);
        if rule == "undated" {
            assert_eq!(ev.source, Source::Default, "{name}");
        }
    }
    assert!(
        !rules.labels.is_empty() && rules.labels.iter().any(|l| l.order.is_none()),
        "most labels leave the order to the document"
    );
}

#[test]
fn date_readings_with_two_digit_years_and_day_first_order() {
    let two = |order| Reading {
        order,
        pivot: Some(69),
    };
    let table: [(&str, Reading, Option<NaiveDate>); 14] = [
        ("12/14/00", two(DateOrder::Mdy), Some(date(2000, 12, 14))),
        ("2/27/20 ", two(DateOrder::Mdy), Some(date(2020, 2, 27))),
        ("1/2/68", two(DateOrder::Mdy), Some(date(2068, 1, 2))),
        ("1/2/69", two(DateOrder::Mdy), Some(date(1969, 1, 2))),
        ("8-9-00", two(DateOrder::Mdy), Some(date(2000, 8, 9))),
        ("05/11/19", two(DateOrder::Dmy), Some(date(2019, 11, 5))),
        ("05.11.2019", two(DateOrder::Dmy), Some(date(2019, 11, 5))),
        ("24-SEP-99", two(DateOrder::Mdy), Some(date(1999, 9, 24))),
        ("24-SEP-99", Reading::STRICT, None),
        ("12/14/00", Reading::STRICT, None),
        ("12/14/2000", two(DateOrder::Dmy), None),
        ("12/14/0", two(DateOrder::Mdy), None),
        ("12/14/000", two(DateOrder::Mdy), None),
        ("31 Oct, 2022", Reading::STRICT, Some(date(2022, 10, 31))),
    ];
    for (input, reading, want) in table {
        assert_eq!(
            date_prefix(input, reading).map(|(d, _)| d),
            want,
            "{input:?} {reading:?}"
        );
    }
    // The packet.toml parser stays strict: four-digit years only.
    assert_eq!(parse_date("12/14/00"), None);
    assert_eq!(parse_date("31 Oct, 2022"), Some(date(2022, 10, 31)));
}

#[test]
fn abbreviations_are_written_out_and_map_back_to_the_text() {
    let rules = rules();
    let raw = "Exm Date: SEP 24, 2004";
    let folded = expand(fold(raw), &rules.abbreviations);
    assert_eq!(folded.text, " exam date sep 24 2004 ");
    let label = rules
        .labels
        .iter()
        .find(|l| l.phrase.text == "Exam Date")
        .expect("the Exam Date label");
    let range = find_all(&folded.text, &label.phrase)
        .into_iter()
        .next()
        .expect("the abbreviation matches the label");
    assert_eq!(folded.orig(range.start), 0);
    assert_eq!(raw.get(folded.orig(range.end)..), Some(": SEP 24, 2004"));
    let table = [
        ("Date Spec taken", " date specimen taken "),
        ("COLL DATE", " collection date "),
        ("Final Dx:", " final diagnosis "),
        ("specimen", " specimen "),
        ("inspect", " inspect "),
    ];
    for (input, want) in table {
        assert_eq!(
            expand(fold(input), &rules.abbreviations).text,
            want,
            "{input:?}"
        );
    }
}

#[test]
fn carrier_lines_do_not_use_up_title_lines() {
    let rules = rules();
    let mut text = String::from("PATIENT LETTER\nAddendum\nPage 2\n");
    for i in 0..rules.title_lines - 1 {
        text.push_str(&format!("Sentence {i} about the visit, in your letter.\n"));
    }
    text.push_str("CT CHEST\nImpression: clear.");
    let lines = lines_of(&rules, &text);
    let titles: Vec<&str> = lines.iter().filter(|l| l.title).map(|l| l.raw).collect();
    assert_eq!(titles.len(), rules.title_lines);
    assert_eq!(titles.last(), Some(&"CT CHEST"));
    assert!(!titles.contains(&"PATIENT LETTER"));
    // A line that names a carrier and a kind is a title line.
    let lines = lines_of(&rules, "LAB RESULTS LETTER\nSodium 139");
    assert!(lines.first().is_some_and(|l| l.title));
}

/// Every whole-word occurrence of `phrase` in a folded text, as folded byte ranges: one
/// phrase searched on its own, what a `PhraseSet` must find for each of its phrases.
fn find_all(folded: &str, phrase: &Phrase) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = folded.get(from..).and_then(|h| h.find(&phrase.pattern)) {
        let start = from + at + 1;
        found.push(start..start + phrase.norm.len());
        from = start;
    }
    found
}

#[test]
fn phrase_sets_find_what_one_search_per_phrase_finds() {
    let rules = rules();
    let norms = |phrases: &[Phrase]| phrases.iter().map(|p| p.norm.clone()).collect::<Vec<_>>();
    let labels: Vec<Phrase> = rules.labels.iter().map(|l| l.phrase.clone()).collect();
    assert_eq!(norms(&rules.label_phrases.phrases), norms(&labels));
    let markers: Vec<Phrase> = rules
        .locales
        .iter()
        .flat_map(|l| l.markers.iter().map(|(p, _)| p.clone()))
        .collect();
    assert_eq!(norms(&rules.markers.phrases), norms(&markers));
    let blockers = norms(&rules.blockers.phrases);
    assert!(blockers.ends_with(&norms(&rules.birth.phrases)));
    // Each list with the name it has in the one automaton a line is read by (carriers
    // are searched on their own).
    let sets = [
        (&rules.label_phrases, Some(Set::Label)),
        (&rules.birth, Some(Set::Birth)),
        (&rules.blockers, Some(Set::Blocker)),
        (&rules.carriers, None),
        (&rules.markers, Some(Set::Marker)),
    ];
    // Every phrase next to every other, overlapping ("date date"), inside longer ones,
    // abbreviated, and the lines of the rules file itself.
    let keywords: Vec<&Phrase> = rules
        .keyword_ids
        .iter()
        .filter_map(|&(ki, list, wi)| {
            let kr = rules.kinds.get(ki)?;
            match list {
                List::Title => kr.title.get(wi),
                List::Body => kr.body.get(wi),
            }
            .map(|kw| &kw.phrase)
        })
        .collect();
    assert_eq!(keywords.len(), rules.keyword_ids.len());
    let every: Vec<&str> = sets
        .iter()
        .flat_map(|(set, _)| set.phrases.iter().map(|p| p.text.as_str()))
        .chain(keywords.iter().map(|p| p.text.as_str()))
        .collect();
    let mut lines = vec![
        every.join(" "),
        every.join(": "),
        every.join("  12/03/2024  "),
        "date date date of date of birth date".to_string(),
        "Exm Date: Spec Collected / Coll Date DOB D.O.B.".to_string(),
        "Signed electronically signed signed Date Signed".to_string(),
    ];
    lines.extend(BUILTIN_RULES.lines().map(str::to_string));
    for line in &lines {
        let folded = expand(fold(line), &rules.abbreviations);
        let matches = rules.line_matches(&folded.text);
        for (set, name) in sets {
            let mut got: Vec<(usize, Range<usize>)> = set.find_all(&folded.text).collect();
            got.sort_by_key(|(i, r)| (*i, r.start));
            let want: Vec<(usize, Range<usize>)> = set
                .phrases
                .iter()
                .enumerate()
                .flat_map(|(i, p)| find_all(&folded.text, p).into_iter().map(move |r| (i, r)))
                .collect();
            assert_eq!(got, want, "{line:?}");
            let want_shown: Vec<bool> = set
                .phrases
                .iter()
                .map(|p| folded.text.contains(&p.pattern))
                .collect();
            assert_eq!(set.any_in(&folded.text), want_shown.contains(&true));
            // The line's one reading finds the same, and shows the same phrases.
            if let Some(name) = name {
                let mut got: Vec<(usize, Range<usize>)> = rules.found(&matches, name).collect();
                got.sort_by_key(|(i, r)| (*i, r.start));
                assert_eq!(got, want, "{name:?} in {line:?}");
                assert_eq!(
                    rules.shown([matches.as_slice()], name),
                    want_shown,
                    "{name:?} in {line:?}"
                );
            }
        }
        // And every keyword where one search for it finds it.
        let mut got: Vec<(usize, usize)> = matches
            .iter()
            .filter(|m| m.set == Set::Keyword)
            .map(|m| (m.index as usize, m.start as usize))
            .collect();
        got.sort_unstable();
        let want: Vec<(usize, usize)> = keywords
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                find_all(&folded.text, p)
                    .into_iter()
                    .map(move |r| (i, r.start))
            })
            .collect();
        assert_eq!(got, want, "keywords in {line:?}");
    }
}
