//! HL7 clinical documents (C-CDA) end to end: kinds, dates and titles from the header,
//! typeset pages holding every narrative word, the medication list, a portal's XDM
//! export, hostile XML, embedded PDFs and text, and a family member's record. Fixtures are
//! synthetic, written by `support::cda`.

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Output;
use support::cda::{discharge_summary, med_entry, CdaDoc, Sec};
use support::*;

const PATIENT: &str = "[patient]\nname = \"Maren Okafor\"\ndate_of_birth = 1968-04-12\n";

fn run(args: &[&str], dir: &Path) -> Output {
    medpacket()
        .args(args)
        .arg(dir)
        .output()
        .expect("run medpacket")
}

fn scan_json(dir: &Path) -> Value {
    let o = run(&["scan", "--json"], dir);
    assert!(
        o.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("scan --json prints JSON")
}

fn file<'a>(scan: &'a Value, path: &str) -> &'a Value {
    scan["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["path"] == path))
        .unwrap_or_else(|| panic!("{path} not in the scan: {scan:#}"))
}

/// A note document of a kind, with a short section.
fn note(code: &str, name: &str, title: &str) -> CdaDoc {
    CdaDoc::new(code, name, title).section(Sec::new(
        "29545-1",
        "Findings",
        "<paragraph>Findings recorded for this synthetic note.</paragraph>",
    ))
}

#[test]
fn every_loinc_kind_gets_its_kind_date_and_title_and_packet_toml_still_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_service = |d: CdaDoc, lo: &str| CdaDoc {
        service: Some((Some(lo.into()), None)),
        ..d
    };
    // (file, document, expected kind, expected date)
    let cases: Vec<(&str, CdaDoc, &str, Option<&str>)> = vec![
        (
            "path.xml",
            with_service(
                note("11526-1", "Pathology study", "Surgical Pathology"),
                "20250302",
            ),
            "pathology-report",
            Some("2025-03-02"),
        ),
        (
            "op.xml",
            with_service(
                note("11504-8", "Surgical operation note", "Operative Note"),
                "20250301083000-0500",
            ),
            "operative-report",
            Some("2025-03-01"),
        ),
        (
            "proc.xml",
            with_service(
                note("28570-0", "Procedure note", "Procedure Note"),
                "20250303",
            ),
            "operative-report",
            Some("2025-03-03"),
        ),
        // Discharge: the end of the stay, not the document date, nor the service event.
        (
            "dc.xml",
            CdaDoc {
                encounter: Some((Some("20250310".into()), Some("20250314235900-0800".into()))),
                service: Some((Some("20250310".into()), Some("20250313".into()))),
                ..note("18842-5", "Discharge summary", "Discharge Summary")
            },
            "discharge-summary",
            Some("2025-03-14"),
        ),
        // Transfer: no encounter, so the service event's end.
        (
            "transfer.xml",
            CdaDoc {
                service: Some((Some("20250305".into()), Some("20250306".into()))),
                ..note("18761-7", "Transfer summary note", "Transfer Summary")
            },
            "discharge-summary",
            Some("2025-03-06"),
        ),
        (
            "plan.xml",
            note("18776-5", "Plan of care note", "Care Plan"),
            "treatment-plan",
            Some("2025-03-20"),
        ),
        (
            "plan2.xml",
            note("52521-2", "Overall plan of care", "Plan of Treatment"),
            "treatment-plan",
            Some("2025-03-20"),
        ),
        // Consultation without a service event: the encounter's start.
        (
            "consult.xml",
            CdaDoc {
                encounter: Some((Some("20250304".into()), Some("20250305".into()))),
                ..note("11488-4", "Consultation note", "Oncology Consultation")
            },
            "consultation-note",
            Some("2025-03-04"),
        ),
        (
            "hp.xml",
            with_service(
                note(
                    "34117-2",
                    "History and physical note",
                    "History and Physical",
                ),
                "20250207",
            ),
            "consultation-note",
            Some("2025-02-07"),
        ),
        (
            "progress.xml",
            with_service(
                note("11506-3", "Progress note", "Progress Note"),
                "20250208",
            ),
            "consultation-note",
            Some("2025-02-08"),
        ),
        (
            "imaging.xml",
            with_service(
                note("18748-4", "Diagnostic imaging study", "CT Chest"),
                "20250209",
            ),
            "imaging-report",
            Some("2025-02-09"),
        ),
        (
            "lab.xml",
            with_service(
                note("11502-2", "Laboratory report", "Laboratory Results"),
                "20250210",
            ),
            "lab-results",
            Some("2025-02-10"),
        ),
        (
            "meds.xml",
            note("10160-0", "History of medication use", "Medication History"),
            "medication-list",
            Some("2025-03-20"),
        ),
        // A CCD: its service event starts at birth, which is no clinical date.
        (
            "ccd.xml",
            CdaDoc {
                service: Some((Some("19680412".into()), Some("20250319".into()))),
                ..note(
                    "34133-9",
                    "Summarization of episode note",
                    "Continuity of Care Document",
                )
            },
            "other",
            Some("2025-03-20"),
        ),
        (
            "referral.xml",
            note("57133-1", "Referral note", "Referral"),
            "other",
            Some("2025-03-20"),
        ),
        // A pathology report whose service event is missing: the document date.
        (
            "path-nodate.xml",
            note("11526-1", "Pathology study", "Pathology Addendum"),
            "pathology-report",
            Some("2025-03-20"),
        ),
        // Odd effective times: date only, year-month, missing.
        (
            "date-only.xml",
            CdaDoc {
                effective: Some("20240611".into()),
                ..note("57133-1", "Referral note", "Referral A")
            },
            "other",
            Some("2024-06-11"),
        ),
        (
            "year-month.xml",
            CdaDoc {
                effective: Some("202406".into()),
                ..note("57133-1", "Referral note", "Referral B")
            },
            "other",
            Some("2024-06-01"),
        ),
        (
            "late-evening.xml",
            CdaDoc {
                effective: Some("20240611233000-1000".into()),
                ..note("57133-1", "Referral note", "Referral C")
            },
            "other",
            Some("2024-06-11"),
        ),
        (
            "undated.xml",
            CdaDoc {
                effective: None,
                ..note("57133-1", "Referral note", "Referral D")
            },
            "other",
            None,
        ),
        (
            "year-only.xml",
            CdaDoc {
                effective: Some("2024".into()),
                ..note("57133-1", "Referral note", "Referral E")
            },
            "other",
            None,
        ),
        (
            "override.xml",
            note("11506-3", "Progress note", "Progress Note Two"),
            "lab-results",
            Some("2024-01-02"),
        ),
    ];
    let mut files: Vec<(&str, Vec<u8>)> = cases
        .iter()
        .map(|(name, doc, _, _)| (*name, doc.xml().into_bytes()))
        .collect();
    // A title-less document takes the code's display name.
    let mut untitled = note("11488-4", "Consultation note", "");
    untitled.title = None;
    files.push(("untitled.xml", untitled.xml().into_bytes()));
    files.push((
        "packet.toml",
        format!("{PATIENT}[[documents]]\npath = \"override.xml\"\nkind = \"lab-results\"\ndate = 2024-01-02\ntitle = \"Chosen title\"\n").into_bytes(),
    ));
    write_files(dir.path(), &files);
    let scan = scan_json(dir.path());
    for (name, doc, kind, date) in &cases {
        let f = file(&scan, name);
        assert_eq!(f["status"], "included", "{name}: {f:#}");
        assert_eq!(f["format"], "cda", "{name}");
        assert_eq!(f["kind"], *kind, "{name}: {f:#}");
        assert_eq!(f["date"].as_str(), *date, "{name}: {f:#}");
        let ev = f["evidence"].as_array().expect("evidence");
        if *name == "override.xml" {
            assert_eq!(f["title"], "Chosen title");
            assert!(
                ev.iter().all(|e| e["source"] == "packet-toml"),
                "{name}: {f:#}"
            );
            continue;
        }
        assert_eq!(f["title"].as_str(), doc.title.as_deref(), "{name}");
        let kind_ev = ev
            .iter()
            .find(|e| e["field"] == "kind")
            .expect("kind evidence");
        assert_eq!(kind_ev["source"], "cda", "{name}");
        assert!(
            kind_ev["rule"].as_str().unwrap_or("").contains(&doc.code),
            "{name}: the evidence names the LOINC code: {kind_ev}"
        );
    }
    let ym = file(&scan, "year-month.xml")["evidence"].to_string();
    assert!(ym.contains("year and month only"), "{ym}");
    let ccd = file(&scan, "ccd.xml")["evidence"].to_string();
    assert!(!ccd.contains("1968-04-12"), "{ccd}");
    assert_eq!(file(&scan, "untitled.xml")["title"], "Consultation note");
}

/// The shared packet of the build test: documents, and the built packet's JSON.
struct Built {
    _dir: tempfile::TempDir,
    pdf: std::path::PathBuf,
    json: Value,
    docs: Vec<(&'static str, CdaDoc)>,
}

fn text_of(pdf: &Path, first: u32, last: u32) -> String {
    let o = std::process::Command::new("pdftotext")
        .args(["-layout", "-f", &first.to_string(), "-l", &last.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn clinical_documents_become_readable_pages_with_every_word_and_a_medication_list() {
    if !require_tool("pdftotext") || !require_tool("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let consult = CdaDoc {
        service: Some((Some("20250225".into()), None)),
        ..CdaDoc::new("11488-4", "Consultation note", "Pulmonology Consultation")
    }
    .section(Sec {
        children: vec![Sec {
            children: vec![Sec::new(
                "10210-3",
                "General Appearance",
                "<paragraph>Alert, conversant, no distress.</paragraph>",
            )],
            ..Sec::new(
                "8716-3",
                "Vital Signs",
                "<list><item>Temperature 37.9 C</item><item>Saturation 93 percent on air</item></list>",
            )
        }],
        ..Sec::new(
            "29545-1",
            "Physical Examination",
            "<paragraph>Crackles at the <content styleCode=\"Italics\">right base</content>; otherwise clear.</paragraph>",
        )
    })
    .section(Sec {
        entries: [
            // The same amlodipine as in the discharge summary (same RxNorm code).
            med_entry("197361", "Amlodipine 5 MG Oral Tablet", ("5", "mg"), "Oral", 24, "20230105", "active"),
            med_entry("310965", "Ibuprofen 200 MG Oral Tablet", ("400", "mg"), "Oral", 8, "20250220", "completed"),
        ]
        .concat(),
        ..Sec::new("10160-0", "Medications", "<paragraph>Amlodipine daily; ibuprofen as needed for pain.</paragraph>")
    });
    // A family member's record in the same export: packed, warned, no medications.
    let daughter = CdaDoc {
        given: "Lena".into(),
        birth: Some("20090301".into()),
        ..CdaDoc::new("11506-3", "Progress note", "Pediatric Progress Note")
    }
    .section(Sec {
        entries: med_entry(
            "1049621",
            "Oxycodone 5 MG Oral Tablet",
            ("5", "mg"),
            "Oral",
            6,
            "20250101",
            "active",
        ),
        ..Sec::new(
            "10160-0",
            "Medications",
            "<paragraph>Pediatric medication entry.</paragraph>",
        )
    });
    let pdf_note = CdaDoc {
        non_xml: Some((
            "application/pdf".into(),
            "B64".into(),
            base64_of(&simple_pdf(
                "OPERATIVE REPORT",
                &["Embedded operative report body text"],
            )),
        )),
        service: Some((Some("20250115".into()), None)),
        ..CdaDoc::new(
            "11504-8",
            "Surgical operation note",
            "Operative Note (scanned)",
        )
    };
    let text_note = CdaDoc {
        non_xml: Some((
            "text/plain".into(),
            "TXT".into(),
            "Plain narrative of a follow-up visit.\nSecond line &amp; more text.".into(),
        )),
        ..CdaDoc::new("11506-3", "Progress note", "Follow-up Visit")
    };
    let picture_note = CdaDoc {
        non_xml: Some((
            "image/png".into(),
            "B64".into(),
            base64_of(&png(120, 80, false)),
        )),
        ..CdaDoc::new(
            "18748-4",
            "Diagnostic imaging study",
            "Scanned Imaging Report",
        )
    };
    let docs: Vec<(&'static str, CdaDoc)> = vec![
        ("imaging-scan.xml", picture_note),
        ("discharge.xml", discharge_summary(70)),
        ("consult.xml", consult),
        ("daughter.xml", daughter),
        ("op-pdf.xml", pdf_note),
        ("followup.xml", text_note),
    ];
    let mut files: Vec<(&str, Vec<u8>)> = docs
        .iter()
        .map(|(n, d)| (*n, d.xml().into_bytes()))
        .collect();
    files.push(("packet.toml", PATIENT.as_bytes().to_vec()));
    write_files(dir.path(), &files);
    let pdf = out.path().join("packet.pdf");
    let o = medpacket()
        .arg("build")
        .arg(dir.path())
        .arg("-o")
        .arg(&pdf)
        .arg("--json")
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: Value = serde_json::from_slice(&o.stdout).expect("json");
    let built = Built {
        _dir: dir,
        pdf,
        json,
        docs,
    };

    let qpdf = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&built.pdf)
        .output()
        .expect("qpdf");
    assert!(
        qpdf.status.success(),
        "{}",
        String::from_utf8_lossy(&qpdf.stdout)
    );

    let documents = built.json["documents"].as_array().expect("documents");
    let range = |path: &str| {
        let d = documents
            .iter()
            .find(|d| d["path"] == path)
            .unwrap_or_else(|| panic!("{path} in the packet"));
        (
            d["first_page"].as_u64().expect("first") as u32,
            d["last_page"].as_u64().expect("last") as u32,
        )
    };
    // Every word of every narrative, and every section title, on the document's pages.
    for (name, doc) in &built.docs {
        if doc.non_xml.is_some() {
            continue;
        }
        let (first, last) = range(name);
        let text = squash(&text_of(&built.pdf, first, last));
        for t in doc.section_titles() {
            assert!(
                text.contains(&squash(&t)),
                "{name}: section title {t:?} missing"
            );
        }
        let words = doc.narrative_words();
        let missing: Vec<&String> = words
            .iter()
            .filter(|w| !text.contains(w.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: {} of {} narrative words missing: {missing:?}",
            missing.len(),
            words.len()
        );
        assert!(
            text.contains("Maren Okafor") || *name == "daughter.xml",
            "{name}: header names the patient"
        );
    }
    // The header block.
    let (dc_first, dc_last) = range("discharge.xml");
    assert!(dc_last > dc_first, "the 70-row table spans pages");
    let head = text_of(&built.pdf, dc_first, dc_first);
    for want in [
        "Maren Okafor",
        "1968-04-12",
        "Dr. Tobias Lindqvist, MD",
        "Riverbend Community Hospital",
        "2025-03-10 – 2025-03-14 16:00",
        "2025-03-20 10:15",
        "Discharge summary (LOINC 18842-5)",
    ] {
        assert!(head.contains(want), "header lacks {want:?}:\n{head}");
    }
    // The table's header row repeats on every page the table continues on.
    let mut table_pages = 0;
    for p in dc_first..=dc_last {
        let t = text_of(&built.pdf, p, p);
        if t.contains("Hemoglobin panel draw") {
            table_pages += 1;
            assert!(
                t.contains("Collected") && t.contains("Comment"),
                "page {p} repeats the header:\n{t}"
            );
        }
    }
    assert!(table_pages >= 2, "the table spans {table_pages} page(s)");
    let whole = text_of(
        &built.pdf,
        1,
        built.json["pages"].as_u64().expect("pages") as u32,
    );
    assert!(whole.contains("No information recorded in this section."));
    // The embedded PDF is the document's pages; the embedded text is set in type.
    let (op_first, op_last) = range("op-pdf.xml");
    assert_eq!(op_first, op_last);
    assert!(text_of(&built.pdf, op_first, op_last).contains("Embedded operative report body text"));
    let (fu_first, fu_last) = range("followup.xml");
    let fu = squash(&text_of(&built.pdf, fu_first, fu_last));
    assert!(
        fu.contains("Plain narrative of a follow-up visit.")
            && fu.contains("Second line & more text."),
        "{fu}"
    );
    let kinds: Vec<(&str, &str)> = documents
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or(""),
                d["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("op-pdf.xml", "operative-report")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("imaging-scan.xml", "imaging-report")),
        "{kinds:?}"
    );
    let notes = built.json["notes"].to_string();
    assert!(
        notes.contains("op-pdf.xml") && notes.contains("carrying a PDF file"),
        "{notes}"
    );
    let (img_first, img_last) = range("imaging-scan.xml");
    assert_eq!(img_first, img_last, "the embedded picture is one page");
    // The family member's record: a warning naming the file; packed anyway.
    let warnings = built.json["warnings"].to_string();
    assert!(
        warnings.contains("daughter.xml") && warnings.contains("Lena Okafor"),
        "{warnings}"
    );
    assert!(!warnings.contains("consult.xml"), "{warnings}");
    let (d_first, d_last) = range("daughter.xml");
    let d_text = squash(&text_of(&built.pdf, d_first, d_last));
    assert!(
        d_text.contains("which is not the patient of this packet"),
        "the doctor sees it too: {d_text}"
    );
    // The medication list: from the documents, each medication once, with its source.
    let first_doc = documents
        .iter()
        .filter_map(|d| d["first_page"].as_u64())
        .min()
        .expect("documents") as u32;
    let front = squash(&text_of(&built.pdf, 1, first_doc - 1));
    let meds = &front[front
        .find("Medication list Medications recorded")
        .expect("a medication list")..];
    assert_eq!(meds.matches("Amlodipine").count(), 1, "{meds}");
    for want in [
        "Amoxicillin 875 MG",
        "Ibuprofen 200 MG",
        "400 mg",
        "Oral",
        "3 times a day",
        "once a day",
        "completed",
        "discharge.xml;",
        "consult.xml",
    ] {
        assert!(
            meds.contains(want),
            "medication list lacks {want:?}: {meds}"
        );
    }
    assert!(
        !meds.contains("Oxycodone"),
        "the family member's medication stays out: {meds}"
    );
    // Measures for the report.
    let mut total_words = 0;
    for (name, doc) in &built.docs {
        let (f, l) = range(name);
        total_words += doc.narrative_words().len();
        eprintln!("MEASURE {name}: {} page(s)", l - f + 1);
    }
    eprintln!("MEASURE narrative words checked: {total_words}, all present");
}

fn base64_of(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                s.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
        if i % 19 == 18 {
            s.push('\n');
        }
    }
    s
}

fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip member");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

#[test]
fn an_xdm_export_is_read_its_other_parts_ignored_and_check_counts_the_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let op = CdaDoc {
        service: Some((Some("20250115".into()), None)),
        ..CdaDoc::new("11504-8", "Surgical operation note", "Operative Note")
    }
    .section(Sec::new(
        "10219-4",
        "Procedure Description",
        "<paragraph>Laparoscopic cholecystectomy without complication.</paragraph>",
    ));
    let dc = discharge_summary(3);
    let zip = zip_of(&[
        ("IHE_XDM/SUBSET01/DOC0001.XML", op.xml().into_bytes()),
        ("IHE_XDM/SUBSET01/DOC0002.XML", dc.xml().into_bytes()),
        ("IHE_XDM/SUBSET01/METADATA.XML", b"<?xml version=\"1.0\"?><SubmitObjectsRequest xmlns=\"urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0\"/>".to_vec()),
        ("IHE_XDM/SUBSET01/CDA.XSL", b"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"/>".to_vec()),
        ("INDEX.HTM", b"<html><body>Export index</body></html>".to_vec()),
        ("README.TXT", b"This export was created by a patient portal.".to_vec()),
    ]);
    // The same export extracted into a folder too.
    write_files(
        dir.path(),
        &[
            ("portal-export.zip", zip),
            (
                "extracted/IHE_XDM/SUBSET01/DOC0001.XML",
                CdaDoc {
                    effective: Some("20250116".into()),
                    ..op.clone()
                }
                .xml()
                .into_bytes(),
            ),
            ("extracted/IHE_XDM/SUBSET01/METADATA.XML", b"<x/>".to_vec()),
            ("extracted/INDEX.HTM", b"<html></html>".to_vec()),
            ("extracted/README.TXT", b"About this export.".to_vec()),
            (
                "notes/README.TXT",
                b"My own notes: questions about the surgery.".to_vec(),
            ),
            (
                "packet.toml",
                format!("{PATIENT}[history]\nhad_surgery = true\nhospitalized = true\n")
                    .into_bytes(),
            ),
        ],
    );
    let scan = scan_json(dir.path());
    assert!(
        scan["problems"].as_array().is_some_and(Vec::is_empty),
        "{scan:#}"
    );
    let op_f = file(&scan, "portal-export.zip/IHE_XDM/SUBSET01/DOC0001.XML");
    assert_eq!(op_f["kind"], "operative-report");
    assert_eq!(op_f["date"], "2025-01-15");
    assert_eq!(
        file(&scan, "portal-export.zip/IHE_XDM/SUBSET01/DOC0002.XML")["kind"],
        "discharge-summary"
    );
    let ignored: Vec<(String, String)> = scan["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap_or("").to_string(),
                i["why"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for want in [
        "portal-export.zip/IHE_XDM/SUBSET01/METADATA.XML",
        "portal-export.zip/IHE_XDM/SUBSET01/CDA.XSL",
        "portal-export.zip/INDEX.HTM",
        "portal-export.zip/README.TXT",
        "extracted/IHE_XDM/SUBSET01/METADATA.XML",
        "extracted/INDEX.HTM",
        "extracted/README.TXT",
    ] {
        let hit = ignored.iter().find(|(p, _)| p == want);
        assert!(
            hit.is_some_and(|(_, why)| why.contains("not a record")),
            "{want} ignored with a note: {ignored:?}"
        );
    }
    // A README.TXT that is not beside an IHE_XDM folder is the patient's own text file.
    assert_eq!(file(&scan, "notes/README.TXT")["status"], "included");
    let text = run(&["scan"], dir.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("ignored   portal-export.zip/IHE_XDM/SUBSET01/METADATA.XML"),
        "{text}"
    );

    let o = run(&["check", "--json"], dir.path());
    let check: Value = serde_json::from_slice(&o.stdout).expect("check json");
    let reqs = check["requirements"].as_array().expect("requirements");
    let present = |kind: &str| {
        reqs.iter().find(|r| r["kind"] == kind).map(|r| {
            (
                r["present"].as_bool().unwrap_or(false),
                r["files"].to_string(),
            )
        })
    };
    let (op_ok, op_files) =
        present("operative-report").expect("operative report required after surgery");
    assert!(op_ok && op_files.contains("DOC0001.XML"), "{check:#}");
    let (dc_ok, _) = present("discharge-summary").expect("discharge summary required after a stay");
    assert!(dc_ok, "{check:#}");
}

#[test]
fn damaged_and_hostile_xml_are_problems_with_a_reason_never_a_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "<?xml version=\"1.0\"?>\n";
    let laughs = format!(
        "{head}<!DOCTYPE ClinicalDocument [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&lol3;</title></ClinicalDocument>"
    );
    let external = format!(
        "{head}<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM \"http://127.0.0.1:9/secret\"><!ENTITY local SYSTEM \"file:///etc/passwd\">]>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&xxe;&local;</title></ClinicalDocument>"
    );
    let deep = format!(
        "{head}<ClinicalDocument xmlns=\"urn:hl7-org:v3\">{}{}</ClinicalDocument>",
        "<x>".repeat(100_000),
        "</x>".repeat(100_000)
    );
    let good = discharge_summary(2).xml();
    let cut = good[..good.len() / 2].to_string();
    let wrong_ns = good.replace("urn:hl7-org:v3", "urn:example:not-hl7");
    let rtf = CdaDoc {
        non_xml: Some(("text/rtf".into(), "TXT".into(), "{\\rtf1 hello}".into())),
        ..CdaDoc::new("11506-3", "Progress note", "RTF note")
    }
    .xml();
    let bad_b64 = CdaDoc {
        non_xml: Some((
            "application/pdf".into(),
            "B64".into(),
            "%%%not base64%%%".into(),
        )),
        ..CdaDoc::new("11506-3", "Progress note", "Broken")
    }
    .xml();
    let fake_pdf = CdaDoc {
        non_xml: Some((
            "application/pdf".into(),
            "B64".into(),
            base64_of(b"this is not a pdf at all"),
        )),
        ..CdaDoc::new("11506-3", "Progress note", "Fake")
    }
    .xml();
    let outside = good.replace(
        "<structuredBody>",
        "<nonXMLBody><text mediaType=\"application/pdf\"><reference value=\"http://127.0.0.1:9/doc.pdf\"/></text></nonXMLBody><structuredBody>",
    );
    let outside = {
        // Only the nonXMLBody: drop the structured body.
        let start = outside.find("<structuredBody>").expect("body");
        let end = outside.find("</structuredBody>").expect("body end") + "</structuredBody>".len();
        format!("{}{}", &outside[..start], &outside[end..])
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("laughs.xml", laughs, "document type declaration"),
        ("external.xml", external, "document type declaration"),
        ("deep.xml", deep, "nested more than"),
        ("cut.xml", cut, "damaged clinical document"),
        ("wrong-ns.xml", wrong_ns, "not an HL7 ClinicalDocument"),
        ("rtf.xml", rtf, "text/rtf"),
        ("bad-b64.xml", bad_b64, "base64"),
        ("fake-pdf.xml", fake_pdf, "not the application/pdf"),
        ("outside.xml", outside, "never fetches"),
        (
            "other.xml",
            "<?xml version=\"1.0\"?><catalog><book/></catalog>".into(),
            "unsupported file type (.xml)",
        ),
    ];
    let files: Vec<(&str, Vec<u8>)> = cases
        .iter()
        .map(|(n, x, _)| (*n, x.clone().into_bytes()))
        .chain(std::iter::once((
            "packet.toml",
            PATIENT.as_bytes().to_vec(),
        )))
        .collect();
    write_files(dir.path(), &files);
    let started = std::time::Instant::now();
    let scan = scan_json(dir.path());
    for (name, _, reason) in &cases {
        let f = file(&scan, name);
        assert_eq!(f["status"], "problem", "{name}: {f:#}");
        let p = &f["problem"];
        assert!(
            p["reason"].as_str().unwrap_or("").contains(reason),
            "{name}: {p}"
        );
        assert!(
            !p["hint"].as_str().unwrap_or("").is_empty(),
            "{name}: a fix"
        );
    }
    // Bounded work, not a timing test: a billion-laughs expansion would take minutes.
    assert!(started.elapsed().as_secs() < 60);
    // build refuses while they remain, naming each.
    let out = tempfile::tempdir().expect("tempdir");
    let o = medpacket()
        .arg("build")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path().join("p.pdf"))
        .output()
        .expect("build");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("laughs.xml") && err.contains("deep.xml"),
        "{err}"
    );
}

#[test]
fn init_writes_the_documents_medications_for_the_patient_to_confirm() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(
        dir.path(),
        &[("dc.xml", discharge_summary(2).xml().into_bytes())],
    );
    let o = run(&["init"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let toml_text = std::fs::read_to_string(dir.path().join("packet.toml")).expect("packet.toml");
    let v: toml::Value = toml::from_str(&toml_text).expect("valid TOML");
    let meds = v["medications"]
        .as_array()
        .expect("[[medications]] written");
    assert_eq!(meds.len(), 2, "{toml_text}");
    let amox = &meds[0];
    assert_eq!(
        amox["name"].as_str(),
        Some("Amoxicillin 875 MG / Clavulanate 125 MG Oral Tablet")
    );
    assert_eq!(amox["route"].as_str(), Some("Oral"));
    assert_eq!(amox["frequency"].as_str(), Some("twice a day"));
    assert_eq!(amox["start"].as_str(), Some("2025-03-13"));
    assert_eq!(amox["status"].as_str(), Some("active"));
    assert_eq!(amox["source"].as_str(), Some("dc.xml"));
    assert_eq!(meds[1]["dose"].as_str(), Some("5 mg"));
    // The written file is accepted as it is (after the patient's name is filled in).
    let filled = toml_text.replacen(
        &format!(
            "name = {}",
            toml::Value::String(v["patient"]["name"].as_str().unwrap_or("").into())
        ),
        "name = \"Maren Okafor\"",
        1,
    );
    std::fs::write(dir.path().join("packet.toml"), filled).expect("write");
    let o = run(&["check", "--json"], dir.path());
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
