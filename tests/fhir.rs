//! FHIR R4 JSON exports end to end: an IPS-like document Bundle, a searchset with
//! relative references and contained resources, DiagnosticReports carrying a PDF or only
//! results, notes exported twice, attachments only linked by URL, ndjson, and damaged or
//! hostile files. Fixtures are synthetic bundles built here; nothing is fetched.

mod support;

use base64::Engine;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;
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

fn problem<'a>(scan: &'a Value, path: &str) -> &'a Value {
    scan["problems"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["path"] == path))
        .unwrap_or_else(|| panic!("no problem for {path}: {scan:#}"))
}

/// Base64 in lines of 76 characters, as many exports write it.
fn b64_lines(bytes: &[u8]) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(bytes);
    b.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn patient(family: &str, given: &str, birth: &str) -> Value {
    json!({"resourceType": "Patient", "id": "pat1",
        "name": [{"use": "nickname", "given": ["Mo"]},
                 {"use": "official", "family": family, "given": [given]}],
        "birthDate": birth})
}

/// A records folder (`rec/` in a scratch folder, so the packet is written beside it).
struct Records {
    tmp: tempfile::TempDir,
}

impl Records {
    fn path(&self) -> std::path::PathBuf {
        self.tmp.path().join("rec")
    }
}

fn folder(files: &[(&str, Vec<u8>)]) -> Records {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("rec");
    std::fs::create_dir(&dir).expect("mkdir");
    let mut all = vec![("packet.toml", PATIENT.as_bytes().to_vec())];
    all.extend(files.iter().cloned());
    write_files(&dir, &all);
    Records { tmp }
}

fn build(dir: &Path, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.parent().expect("scratch folder").join("out.pdf");
    let mut args = vec!["build", "-o"];
    let out_s = out.to_str().expect("utf-8 path").to_string();
    args.push(&out_s);
    args.extend_from_slice(extra);
    let o = run(&args, dir);
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&out)
            .output()
            .expect("qpdf");
        assert!(q.status.success(), "qpdf --check: {q:?}");
    }
    out
}

fn all_text(pdf: &Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// An IPS-like document Bundle: a Composition whose subject and author are `urn:uuid:`
/// full URLs, with two sections of narrative.
fn ips_bundle(family: &str) -> Value {
    json!({"resourceType": "Bundle", "type": "document", "entry": [
        {"fullUrl": "urn:uuid:0c3a-comp", "resource": {
            "resourceType": "Composition", "id": "ips1", "status": "final",
            "type": {"coding": [{"system": "http://loinc.org", "code": "18842-5",
                                 "display": "Discharge summary"}]},
            "subject": {"reference": "urn:uuid:0c3a-pat"},
            "author": [{"reference": "urn:uuid:0c3a-doc"}],
            "date": "2025-03-14T09:30:00-05:00",
            "title": "Discharge Summary Riverside",
            "section": [
                {"title": "Hospital course", "text": {"status": "generated",
                    "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Admitted for observation after syncope.</p><script>alert(1)</script></div>"}},
                {"title": "Discharge medications", "text": {"status": "generated",
                    "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul><li>Lisinopril 10 mg daily</li><li>Atorvastatin 20 mg nightly</li></ul></div>"}}
            ]}},
        {"fullUrl": "urn:uuid:0c3a-pat", "resource": patient(family, "Maren", "1968-04-12")},
        {"fullUrl": "urn:uuid:0c3a-doc", "resource": {"resourceType": "Practitioner", "id": "d9",
            "name": [{"family": "Lindqvist", "given": ["Eva"], "prefix": ["Dr."]}]}}
    ]})
}

#[test]
fn ips_document_bundle_with_urn_uuid_references_is_set_in_type_with_its_sections() {
    // Synthetic data appends digits to names: "Okafor55" is still the packet's patient.
    let bundle = ips_bundle("Okafor55");
    let dir = folder(&[(
        "ips.json",
        serde_json::to_vec_pretty(&bundle).expect("test input"),
    )]);
    let scan = scan_json(&dir.path());
    let f = file(&scan, "ips.json/Composition/ips1");
    assert_eq!(f["status"], "included", "{f:#}");
    assert_eq!(f["kind"], "discharge-summary");
    assert_eq!(f["date"], "2025-03-14");
    assert_eq!(f["title"], "Discharge Summary Riverside");
    assert_eq!(
        scan["warnings"].as_array().map(Vec::len),
        Some(0),
        "{scan:#}"
    );
    let pdf = build(&dir.path(), &[]);
    let text = all_text(&pdf);
    for want in [
        "Hospital course",
        "Admitted for observation after syncope.",
        "Lisinopril 10 mg daily",
        "Atorvastatin 20 mg nightly",
        "Dr. Eva Lindqvist",
        "Maren Okafor",
        "Clinical record from a FHIR export, ips.json/Composition/ips1",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    assert!(!text.contains("alert(1)"), "a script survived:\n{text}");
    // Sections in document order.
    let course = text.find("Hospital course").expect("test input");
    let meds = text.find("Discharge medications").expect("test input");
    assert!(course < meds);
}

#[test]
fn a_composition_of_another_patient_warns() {
    let bundle = ips_bundle("Halvorsen");
    let dir = folder(&[("ips.json", serde_json::to_vec(&bundle).expect("test input"))]);
    let scan = scan_json(&dir.path());
    let warnings = scan["warnings"].to_string();
    assert!(warnings.contains("Halvorsen"), "{scan:#}");
}

/// A searchset whose DiagnosticReport names its results relatively (`Observation/o1`,
/// against the entry's base), as a contained resource (`#c1`) and by a reference
/// outside the file (falls back to its display).
fn searchset() -> Value {
    let base = "https://fhir.example.org/r4/";
    json!({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"fullUrl": format!("{base}DiagnosticReport/lab7"), "resource": {
            "resourceType": "DiagnosticReport", "id": "lab7", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}],
            "code": {"text": "Basic metabolic panel"},
            "subject": {"reference": "Patient/pat1"},
            "effectiveDateTime": "2025-01-09T07:15:00Z",
            "issued": "2025-01-10T12:00:00Z",
            "contained": [{"resourceType": "Observation", "id": "c1", "status": "final",
                "code": {"text": "Potassium"},
                "valueQuantity": {"value": 5.9, "unit": "mmol/L"},
                "interpretation": [{"coding": [{"code": "H"}]}],
                "referenceRange": [{"low": {"value": 3.5}, "high": {"value": 5.1, "unit": "mmol/L"}}]}],
            "result": [
                {"reference": "Observation/o1"},
                {"reference": "#c1"},
                {"reference": "https://elsewhere.example.org/Observation/zz", "display": "Glucose (reported separately)"}
            ],
            "conclusion": "Mild hyperkalaemia; repeat in one week."}},
        {"fullUrl": format!("{base}Observation/o1"), "resource": {
            "resourceType": "Observation", "id": "o1", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2951-2", "display": "Sodium"}]},
            "valueQuantity": {"value": 139, "unit": "mmol/L"},
            "referenceRange": [{"text": "135-145 mmol/L"}]}},
        {"fullUrl": format!("{base}Patient/pat1"), "resource": patient("Okafor", "Maren", "1968-04-12")},
        {"fullUrl": format!("{base}Claim/cl1"), "resource": {"resourceType": "Claim", "id": "cl1"}}
    ]})
}

#[test]
fn searchset_with_relative_and_contained_references_sets_results_as_a_table() {
    let dir = folder(&[(
        "labs.json",
        serde_json::to_vec(&searchset()).expect("test input"),
    )]);
    let scan = scan_json(&dir.path());
    let f = file(&scan, "labs.json/DiagnosticReport/lab7");
    assert_eq!(f["status"], "included", "{f:#}");
    assert_eq!(f["kind"], "lab-results");
    assert_eq!(f["date"], "2025-01-09");
    // Claims are skipped, and the scan says so.
    assert!(
        scan["ignored"].to_string().contains("labs.json/Claim"),
        "{scan:#}"
    );
    let pdf = build(&dir.path(), &[]);
    let text = all_text(&pdf);
    for want in [
        "Sodium",
        "139",
        "135-145 mmol/L",
        "Potassium",
        "5.9",
        "3.5–5.1 mmol/L",
        "Glucose (reported separately)",
        "Mild hyperkalaemia; repeat in one week.",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    // Typed by its category, which is not a LOINC code.
    let typed = text
        .lines()
        .find(|l| l.contains("Document type"))
        .expect("a document type line");
    assert!(
        typed.contains("(LAB)") && !typed.contains("LOINC"),
        "{typed}"
    );
    // The relative reference resolved: the sodium row holds its value on its line.
    let row = text
        .lines()
        .find(|l| l.contains("Sodium"))
        .expect("test input");
    assert!(row.contains("139") && row.contains("mmol/L"), "{row}");
}

#[test]
fn diagnostic_report_with_a_base64_pdf_packs_its_pages_and_a_second_export_is_a_duplicate() {
    let pdf = simple_pdf(
        "SURGICAL PATHOLOGY REPORT",
        &[
            "Specimen: left breast core biopsy",
            "Diagnosis: fibroadenoma",
        ],
    );
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:r1", "resource": {"resourceType": "DiagnosticReport", "id": "path1",
            "status": "final",
            "category": [{"coding": [{"system": "http://loinc.org", "code": "LP7839-6"}]}],
            "code": {"text": "Surgical pathology"},
            "effectiveDateTime": "2025-02-20", "issued": "2025-02-22T10:00:00Z",
            "presentedForm": [{"contentType": "application/pdf; charset=binary",
                               "data": b64_lines(&pdf), "title": "Pathology report"}]}},
        {"fullUrl": "urn:uuid:r2", "resource": {"resourceType": "DocumentReference", "id": "note1",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11526-1"}]},
            "date": "2025-02-22",
            "content": [{"attachment": {"contentType": "application/pdf", "url": "urn:uuid:bin1"}}]}},
        {"fullUrl": "urn:uuid:bin1", "resource": {"resourceType": "Binary", "id": "bin1",
            "contentType": "application/pdf",
            "data": base64::engine::general_purpose::STANDARD.encode(&pdf)}}
    ]});
    let dir = folder(&[(
        "export.json",
        serde_json::to_vec(&bundle).expect("test input"),
    )]);
    let scan = scan_json(&dir.path());
    let first = file(&scan, "export.json/DiagnosticReport/path1");
    assert_eq!(first["status"], "included", "{first:#}");
    assert_eq!(first["format"], "pdf");
    assert_eq!(first["kind"], "pathology-report");
    assert_eq!(first["date"], "2025-02-20");
    let second = file(&scan, "export.json/DocumentReference/note1");
    assert_eq!(second["status"], "duplicate", "{second:#}");
    let out = build(&dir.path(), &[]);
    let text = all_text(&out);
    assert_eq!(
        text.matches("Diagnosis: fibroadenoma").count(),
        1,
        "the note must go in once:\n{text}"
    );
}

#[test]
fn an_attachment_only_linked_by_url_is_never_fetched_and_listed_as_not_included() {
    let bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "DocumentReference", "id": "mri",
            "description": "MRI brain report",
            "content": [{"attachment": {"contentType": "application/pdf",
                "url": "https://portal.example.org/documents/77", "title": "MRI brain"}}]}},
        {"resource": {"resourceType": "DocumentReference", "id": "txt",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
            "date": "2025-04-02",
            "content": [{"attachment": {"contentType": "text/html; charset=utf-8",
                "data": base64::engine::general_purpose::STANDARD.encode(
                    "<html><head><style>p{}</style></head><body><p>Consultation for <a href=\"https://x.example.org\">neuropathy</a>.</p></body></html>")}}]}}
    ]});
    let dir = folder(&[(
        "export.json",
        serde_json::to_vec(&bundle).expect("test input"),
    )]);
    let scan = scan_json(&dir.path());
    let p = problem(&scan, "export.json/DocumentReference/mri");
    let reason = p["reason"].as_str().expect("test input");
    assert!(
        reason.contains("MRI brain") && reason.contains("https://portal.example.org/documents/77"),
        "{p:#}"
    );
    assert_eq!(
        file(&scan, "export.json/DocumentReference/txt")["kind"],
        "consultation-note"
    );
    // It does not stop the build: it is listed under "Not included" with its title and
    // the start of its address (the index row has one line; scan gives the whole URL).
    let out = build(&dir.path(), &[]);
    let text = all_text(&out);
    assert!(text.contains("Not included"), "{text}");
    assert!(text.contains("\"MRI brain\" at https://"), "{text}");
    assert!(text.contains("Consultation for neuropathy."), "{text}");
    assert!(
        !text.contains("x.example.org") && !text.contains("p{}"),
        "{text}"
    );
}

#[test]
fn ndjson_export_reads_one_resource_a_line() {
    let lines = [
        json!({"resourceType": "Patient", "id": "pat1", "name": [{"family": "Okafor", "given": ["Maren"]}]}),
        json!({"resourceType": "Observation", "id": "o1", "code": {"text": "Hemoglobin"},
               "valueQuantity": {"value": 13.2, "unit": "g/dL"}}),
        json!({"resourceType": "DiagnosticReport", "id": "cbc", "code": {"text": "CBC"},
               "category": [{"coding": [{"code": "LAB"}]}], "effectiveDateTime": "2024-11-05",
               "subject": {"reference": "Patient/pat1"}, "result": [{"reference": "Observation/o1"}]}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let dir = folder(&[("DiagnosticReport.ndjson", body.into_bytes())]);
    let scan = scan_json(&dir.path());
    let f = file(&scan, "DiagnosticReport.ndjson/DiagnosticReport/cbc");
    assert_eq!(f["kind"], "lab-results", "{f:#}");
    assert_eq!(f["date"], "2024-11-05");
    let text = all_text(&build(&dir.path(), &[]));
    assert!(
        text.contains("Hemoglobin") && text.contains("13.2"),
        "{text}"
    );
}

#[test]
fn damaged_deep_xml_and_foreign_json_files_are_problems_naming_the_file() {
    let deep = format!(
        "{{\"resourceType\":\"Bundle\",\"x\":{}{}}}",
        "[".repeat(250),
        "]".repeat(250)
    );
    let records = before_after(&[
        ("broken.json", b"{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n    {,}\n  ]\n}\n".to_vec()),
        ("deep.json", deep.into_bytes()),
        ("fhir.xml", b"<?xml version=\"1.0\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"document\"/></Bundle>".to_vec()),
        ("settings.json", b"{\"theme\": \"dark\"}".to_vec()),
    ]);
    let scan = &records.0;
    let broken = problem(scan, "broken.json")["reason"]
        .as_str()
        .expect("test input")
        .to_string();
    assert!(broken.contains("line 4, column 6"), "{broken}");
    let deep = problem(scan, "deep.json")["reason"]
        .as_str()
        .expect("test input")
        .to_string();
    assert!(deep.contains("200 levels"), "{deep}");
    let xml = problem(scan, "fhir.xml");
    assert!(
        xml["hint"].as_str().expect("test input").contains("JSON"),
        "{xml:#}"
    );
    let foreign = problem(scan, "settings.json")["reason"]
        .as_str()
        .expect("test input")
        .to_string();
    assert!(foreign.contains("not a FHIR record"), "{foreign}");
    assert!(records.1, "the records folder changed");
}

/// Scans a folder of these files; the scan, and whether the folder is unchanged after.
fn before_after(files: &[(&str, Vec<u8>)]) -> (Value, bool) {
    let dir = folder(files);
    let before = sha256_tree(&dir.path());
    let scan = scan_json(&dir.path());
    (scan, before == sha256_tree(&dir.path()))
}

#[test]
fn nesting_of_exactly_200_levels_is_read() {
    // 200 levels: the root object, the array of entries, and 198 more inside a resource.
    let inner = format!("{}1{}", "[".repeat(196), "]".repeat(196));
    let text = format!(
        "{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{{\"resourceType\":\"DiagnosticReport\",\"id\":\"d\",\"code\":{{\"text\":\"Deep\"}},\"conclusion\":\"Nested fine.\",\"extension\":{inner}}}}}]}}"
    );
    let dir = folder(&[("deep.json", text.into_bytes())]);
    let scan = scan_json(&dir.path());
    assert_eq!(
        file(&scan, "deep.json/DiagnosticReport/d")["status"],
        "included",
        "{scan:#}"
    );
}

#[test]
fn active_medication_requests_and_statements_fill_the_medication_list_once_with_their_source() {
    let rx = |id: &str, status: &str, name: &str, code: &str| {
        json!({"resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
            "medicationCodeableConcept": {"text": name, "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code, "display": name}]},
            "authoredOn": "2025-01-15",
            "dosageInstruction": [{"text": "take by mouth",
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 500, "unit": "mg"}}]}]})
    };
    let bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": patient("Okafor", "Maren", "1968-04-12")},
        {"resource": rx("m1", "active", "Metformin 500 MG Oral Tablet", "860975")},
        {"resource": rx("m2", "stopped", "Warfarin 5 MG Oral Tablet", "855332")},
        {"resource": rx("m3", "active", "Metformin 500 MG Oral Tablet", "860975")},
        {"fullUrl": "https://fhir.example.org/Medication/lev", "resource": {"resourceType": "Medication", "id": "lev",
            "code": {"text": "Levothyroxine 50 MCG Oral Tablet"}}},
        {"resource": {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
            "medicationReference": {"reference": "Medication/lev"},
            "effectivePeriod": {"start": "2023-06-01"}}},
        {"resource": {"resourceType": "DocumentReference", "id": "n1",
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]}, "date": "2025-02-01",
            "content": [{"attachment": {"contentType": "text/plain",
                "data": base64::engine::general_purpose::STANDARD.encode("Consult note text.")}}]}}
    ]});
    let dir = folder(&[(
        "meds.json",
        serde_json::to_vec(&bundle).expect("test input"),
    )]);
    let scan = scan_json(&dir.path());
    assert_eq!(
        file(&scan, "meds.json/MedicationList")["kind"],
        "medication-list",
        "{scan:#}"
    );
    let text = all_text(&build(&dir.path(), &[]));
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = squashed
        .find("Medications recorded")
        .expect("a medication list page");
    let front = &squashed[at..];
    let list = &front[..front
        .find("Active medications in the FHIR export")
        .unwrap_or(front.len())];
    assert_eq!(list.matches("Metformin").count(), 1, "{list}");
    for want in [
        "Levothyroxine",
        "500 mg",
        "2 times a day",
        "meds.json/MedicationList",
    ] {
        assert!(list.contains(want), "{want} missing: {list}");
    }
    assert!(
        !squashed.contains("Warfarin"),
        "a stopped medication is listed: {squashed}"
    );
}

#[test]
fn an_ndjson_export_over_256_mb_is_a_problem_before_it_is_read() {
    let dir = folder(&[]);
    // A sparse file: its size is over the limit, no disk is used.
    let f = std::fs::File::create(dir.path().join("huge.ndjson")).expect("create");
    f.set_len(257 * 1024 * 1024).expect("set_len");
    drop(f);
    let scan = scan_json(&dir.path());
    let p = problem(&scan, "huge.ndjson");
    assert!(
        p["reason"].as_str().expect("reason").contains("256 MB"),
        "{p:#}"
    );
}

#[test]
fn attachments_larger_than_a_few_kilobytes_were_refused_as_files_of_no_type() {
    // A document's JSON was handed on with its keys sorted, the attachment before
    // resourceType, so a document whose attachment passed 4 KB was not told as FHIR.
    let pages: Vec<PageSpec> = (0..40)
        .map(|p| {
            PageSpec::letter((0..40).map(|i| {
                format!(
                    "Line {}: value {}",
                    p * 40 + i,
                    (p * 40 + i) * 7919 % 100_003
                )
            }))
        })
        .collect();
    let pdf = text_pdf(&pages);
    assert!(pdf.len() > 16 * 1024, "{}", pdf.len());
    let note = "Patient seen for follow up. Stable on current treatment.\n".repeat(120);
    let photo = jpeg(900, 1200);
    let doc = |id: &str, code: &str, media: &str, data: &[u8]| {
        json!({"resourceType": "DocumentReference", "id": id,
            "type": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "date": "2025-03-01",
            "content": [{"attachment": {"contentType": media,
                "data": base64::engine::general_purpose::STANDARD.encode(data)}}]})
    };
    let ndjson = [
        doc("big-pdf", "11526-1", "application/pdf", &pdf),
        doc("long-note", "11506-3", "text/plain", note.as_bytes()),
        doc("photo", "11526-1", "image/jpeg", &photo),
    ]
    .iter()
    .map(|d| d.to_string() + "\n")
    .collect::<String>();
    let dir = folder(&[("export.ndjson", ndjson.into_bytes())]);
    let scan = scan_json(&dir.path());
    for (id, format) in [("big-pdf", "pdf"), ("long-note", "cda"), ("photo", "jpeg")] {
        let f = file(&scan, &format!("export.ndjson/DocumentReference/{id}"));
        assert_eq!(f["status"], "included", "{f:#}");
        assert_eq!(f["format"], format, "{f:#}");
    }
    let text = all_text(&build(&dir.path(), &[]));
    assert!(text.contains("Line 1599: value"), "{text}");
    assert!(text.contains("Stable on current treatment"), "{text}");
}
