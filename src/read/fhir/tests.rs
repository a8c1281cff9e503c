//! Unit tests of the FHIR reader: the depth scanner, ndjson detection, the attachment
//! limit, names and dates, and the table of codes.

use super::export::{decode, documents, Out};
use super::*;
use crate::base::kind::Kind;
use crate::read::cda::CdaRules;

#[test]
fn depth_skips_brackets_inside_strings_and_escaped_quotes() {
    assert_eq!(depth(br#"{"a":"[[[{{{\"[[","b":[1,[2]]}"#, 500), 3);
    assert_eq!(
        depth(b"[[[]]]", 2),
        3,
        "stops as soon as it passes the limit"
    );
}

#[test]
fn malformed_json_names_the_line_and_column_of_an_ndjson_line() {
    let text =
        b"{\"resourceType\":\"Patient\",\"id\":\"p\"}\n{\"resourceType\":\"DiagnosticReport\",,}\n";
    let out = documents("x.ndjson", text);
    let p = out
        .iter()
        .find_map(|o| match o {
            Out::Problem(p) if p.path == "x.ndjson/line 2" => Some(p),
            _ => None,
        })
        .expect("the line's own problem");
    assert!(p.reason.contains("line 2, column 36"), "{}", p.reason);
    // The other lines are still read: a document on line 3 is handed on, and a line
    // without resourceType is named too.
    let text = b"{\"resourceType\":\"Patient\",\"id\":\"p\"}\n{\"resourceType\":\"DiagnosticReport\",,}\n{\"resourceType\":\"DiagnosticReport\",\"id\":\"r\",\"conclusion\":\"Normal.\"}\n{\"foo\":1}\n";
    let out = documents("y.ndjson", text);
    let docs: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Out::Doc { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(docs, ["y.ndjson/DiagnosticReport/r"]);
    let problems: Vec<(&str, &str)> = out
        .iter()
        .filter_map(|o| match o {
            Out::Problem(p) => Some((p.path.as_str(), p.reason.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, "y.ndjson/line 2");
    assert_eq!(problems[1].0, "y.ndjson/line 4");
    assert!(problems[1].1.contains("no resourceType"), "{problems:?}");
    // A file of nothing but such lines is one problem, the file's own.
    let out = documents("z.ndjson", b"{\"foo\":1}\n{\"bar\":2}\n");
    assert!(
        matches!(&out[..], [Out::Problem(p)] if p.path == "z.ndjson" && p.reason.contains("line 1")),
        "{}",
        out.len()
    );
}

#[test]
fn an_attachment_over_64_mb_decoded_is_refused_before_decoding() {
    let over = "A".repeat((MAX_ATTACHMENT / 3 + 2) * 4);
    let p = decode("big.json/DocumentReference/a", &over).expect_err("too large");
    assert!(p.reason.contains("64 MB"), "{}", p.reason);
    let within = "QUJD\n QUJD";
    assert_eq!(decode("a", within).expect("whitespace allowed"), b"ABCABC");
}

#[test]
fn official_name_comes_first_and_appended_digits_are_dropped() {
    let names = serde_json::json!([
        {"use": "usual", "given": ["Mo"], "family": "O"},
        {"use": "official", "given": ["Maren482"], "family": "Okafor61", "prefix": ["Ms."]}
    ]);
    let p = doc::person(names.as_array().expect("test input")).expect("test input");
    assert_eq!(p.given_family(), "Maren Okafor");
}

#[test]
fn fhir_date_times_keep_the_local_date_and_time() {
    let t = doc::ts("2025-03-14T23:30:00-05:00").expect("test input");
    assert_eq!(t.shown, "2025-03-14 23:30");
    assert_eq!(doc::ts("2025-03").expect("test input").shown, "2025-03");
    assert!(doc::ts("soon").is_none());
}

#[test]
fn the_shared_code_table_parses_and_names_the_codes_of_the_spec() {
    let r = CdaRules::builtin();
    for (code, kind) in [
        ("11526-1", Kind::PathologyReport),
        ("60567-5", Kind::PathologyReport),
        ("11504-8", Kind::OperativeReport),
        ("18842-5", Kind::DischargeSummary),
        ("28655-9", Kind::DischargeSummary),
        ("11488-4", Kind::ConsultationNote),
        ("18748-4", Kind::ImagingReport),
        ("11502-2", Kind::LabResults),
        ("10160-0", Kind::MedicationList),
        ("LP7839-6", Kind::PathologyReport),
        ("LP29684-5", Kind::ImagingReport),
        ("PAT", Kind::PathologyReport),
        ("SP", Kind::PathologyReport),
        ("RAD", Kind::ImagingReport),
        ("LAB", Kind::LabResults),
    ] {
        assert_eq!(r.kind(code), kind, "{code}");
    }
}

#[test]
fn a_pretty_printed_bundle_is_one_json_text_not_ndjson() {
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "DiagnosticReport", "id": "r", "conclusion": "Benign."}}]});
    for text in [
        serde_json::to_vec_pretty(&bundle).expect("test input"),
        serde_json::to_vec(&bundle).expect("test input"),
    ] {
        let out = documents("b.json", &text);
        assert!(
            matches!(out.as_slice(), [Out::Doc { name, .. }] if name == "b.json/DiagnosticReport/r"),
            "{}",
            out.len()
        );
    }
}

#[test]
fn a_linked_pdf_beside_an_inline_html_form_of_the_same_note_gives_the_html() {
    let bundle = serde_json::json!({"resourceType": "DocumentReference", "id": "n",
    "content": [
        {"attachment": {"contentType": "application/pdf", "url": "https://portal.example.org/n.pdf"}},
        {"attachment": {"contentType": "text/html", "data": "PHA+Tm90ZSBib2R5LjwvcD4="}}
    ]});
    let out = documents("n.json", &serde_json::to_vec(&bundle).expect("test input"));
    let [Out::Doc { bytes, .. }] = out.as_slice() else {
        panic!("one document, no problem")
    };
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("test input");
    let read = doc::read("n.json/DocumentReference/n", &v).expect("test input");
    assert_eq!(
        read.cda.body,
        crate::base::clinical::Body::Text("Note body.".into())
    );
}

#[test]
fn a_relative_reference_resolves_against_its_own_entrys_base_before_any_other_server() {
    let obs = |base: &str, value: &str| {
        serde_json::json!({"fullUrl": format!("{base}Observation/o1"), "resource": {
            "resourceType": "Observation", "id": "o1", "code": {"text": "Sodium"},
            "valueString": value}})
    };
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "searchset", "entry": [
        obs("https://other.example.org/fhir/", "from the other server"),
        {"fullUrl": "https://lab.example.org/r4/DiagnosticReport/d", "resource": {
            "resourceType": "DiagnosticReport", "id": "d", "code": {"text": "Panel"},
            "result": [{"reference": "Observation/o1"}]}},
        obs("https://lab.example.org/r4/", "from the lab's own server"),
    ]});
    let out = documents("s.json", &serde_json::to_vec(&bundle).expect("test input"));
    let [Out::Doc { bytes, .. }] = out.as_slice() else {
        panic!("one document")
    };
    let text = String::from_utf8_lossy(bytes);
    assert!(text.contains("from the lab's own server"), "{text}");
    assert!(!text.contains("from the other server"), "{text}");
}
