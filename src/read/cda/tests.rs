//! Unit tests of the CDA reader: limits, hostile XML, header facts, narrative and
//! medications, on small synthetic documents. (The kind and date a header gives, and the
//! typeset pages of a document, are tested in tests/cda_typing.rs.)

use super::*;
use crate::base::kind::Kind;

fn doc(header: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{header}<component><structuredBody>{body}</structuredBody></component></ClinicalDocument>"
    )
}

fn sections_of(body: &str) -> Vec<Section> {
    match read("t.xml", doc("", body).as_bytes())
        .expect("reads")
        .cda
        .body
    {
        Body::Sections(s) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn builtin_rules_parse_and_name_every_code_of_the_spec() {
    let r = CdaRules::from_toml(include_str!("../../../templates/cda.toml")).expect("parses");
    let table = [
        ("11526-1", Kind::PathologyReport),
        ("11504-8", Kind::OperativeReport),
        ("28570-0", Kind::OperativeReport),
        ("18842-5", Kind::DischargeSummary),
        ("18761-7", Kind::DischargeSummary),
        ("18776-5", Kind::TreatmentPlan),
        ("52521-2", Kind::TreatmentPlan),
        ("11488-4", Kind::ConsultationNote),
        ("34117-2", Kind::ConsultationNote),
        ("11506-3", Kind::ConsultationNote),
        ("18748-4", Kind::ImagingReport),
        ("11502-2", Kind::LabResults),
        ("10160-0", Kind::MedicationList),
        ("34133-9", Kind::Other),
        ("57133-1", Kind::Other),
    ];
    for (code, kind) in table {
        assert_eq!(r.kind(code), kind, "{code}");
    }
    assert_eq!(r.medication_sections, vec!["10160-0".to_string()]);
}

#[test]
fn time_stamps_keep_the_written_date_and_ignore_the_offset() {
    let cases = [
        ("20250314", Some("2025-03-14"), false, "2025-03-14"),
        (
            "20250314233000-0800",
            Some("2025-03-14"),
            false,
            "2025-03-14 23:30",
        ),
        (
            "20250314003000+1400",
            Some("2025-03-14"),
            false,
            "2025-03-14 00:30",
        ),
        ("202503", Some("2025-03-01"), true, "2025-03"),
        ("2025", None, false, "2025"),
    ];
    for (raw, date, month_only, shown) in cases {
        let t = Ts::parse(raw).expect(raw);
        assert_eq!(t.date.map(|d| d.to_string()).as_deref(), date, "{raw}");
        assert_eq!(t.month_only, month_only, "{raw}");
        assert_eq!(t.shown, shown, "{raw}");
    }
    for bad in ["", "UNK", "20251340", "99991231", "2025-03-14"] {
        let t = Ts::parse(bad);
        assert!(t.as_ref().is_none_or(|t| t.date.is_none()), "{bad}: {t:?}");
    }
}

#[test]
fn hostile_xml_is_refused_with_a_reason() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&c;</title></ClinicalDocument>";
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&x;</title></ClinicalDocument>";
    let deep = format!(
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">{}{}</ClinicalDocument>",
        "<a>".repeat(MAX_DEPTH + 5),
        "</a>".repeat(MAX_DEPTH + 5)
    );
    let undeclared =
        "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&nbsp;</title></ClinicalDocument>";
    let cases: [(&str, &[u8], &str); 5] = [
        ("laughs", laughs.as_bytes(), "document type declaration"),
        ("xxe", xxe.as_bytes(), "document type declaration"),
        ("deep", deep.as_bytes(), "nested more than"),
        ("undeclared", undeclared.as_bytes(), "damaged"),
        (
            "latin1",
            b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Caf\xE9</title></ClinicalDocument>",
            "not UTF-8",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = read(name, bytes)
            .err()
            .unwrap_or_else(|| panic!("{name} refused"));
        assert!(p.reason.contains(want), "{name}: {}", p.reason);
        assert!(!p.hint.is_empty());
    }
    // Latin-1 or its Windows form, declared so, is read as declared.
    for (encoding, bytes, want) in [
        ("ISO-8859-1", &b"Caf\xE9 \xA9"[..], "Café ©"),
        (
            "windows-1252",
            &b"Caf\xE9 \x93ok\x94 \x80"[..],
            "Café “ok” €",
        ),
    ] {
        let mut xml = format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>").into_bytes();
        xml.extend_from_slice(bytes);
        xml.extend_from_slice(b"</title></ClinicalDocument>");
        let text = as_text(encoding, &xml).expect("read as declared");
        assert!(
            text.contains(&format!("<title>{want}</title>")),
            "{encoding}: {text}"
        );
    }
    let huge = vec![b' '; MAX_XML + 1];
    let p = read("huge.xml", &huge).err().expect("huge refused");
    assert!(p.reason.contains("larger than"), "{}", p.reason);
}

#[test]
fn recognised_by_content_with_any_prefix_and_not_otherwise() {
    assert!(looks_like_cda(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- export -->\n<?xml-stylesheet href=\"cda.xsl\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"));
    assert!(looks_like_cda(
        b"<v3:ClinicalDocument xmlns:v3=\"urn:hl7-org:v3\">"
    ));
    assert!(!looks_like_cda(
        b"<?xml version=\"1.0\"?><SubmitObjectsRequest/>"
    ));
    assert!(!looks_like_cda(b"<html>ClinicalDocument</html>"));
    // UTF-16 with its byte-order mark (little and big endian) reads too.
    let x = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Zoë</title><component><structuredBody/></component></ClinicalDocument>";
    for big in [false, true] {
        let mut bytes: Vec<u8> = if big {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in x.encode_utf16() {
            bytes.extend(if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        assert!(looks_like_cda(&bytes), "big endian: {big}");
        let title = read("u16.xml", &bytes).expect("reads").cda.header.title;
        assert_eq!(title.as_deref(), Some("Zoë"));
    }
    // A prefixed root in the right namespace reads.
    let x = "<v3:ClinicalDocument xmlns:v3=\"urn:hl7-org:v3\"><v3:title>T</v3:title><v3:component><v3:structuredBody/></v3:component></v3:ClinicalDocument>";
    assert_eq!(
        read("p.xml", x.as_bytes())
            .expect("reads")
            .cda
            .header
            .title
            .as_deref(),
        Some("T")
    );
}

#[test]
fn narrative_keeps_tables_lists_breaks_and_footnotes() {
    let s = sections_of(
        "<component><section><code code=\"1\"/><title>Results</title><text>Intro <content>inline</content> text<br/>next line<footnote>See lab manual.</footnote>\
         <table><caption>Labs</caption><thead><tr><th>Test</th><th>Value</th></tr></thead><tbody>\
         <tr><td colspan=\"2\">Panel A</td></tr><tr><td>Na</td><td><paragraph>140</paragraph><paragraph>mmol/L</paragraph></td></tr></tbody></table>\
         <list listType=\"ordered\"><caption>Plan</caption><item>First</item><item><paragraph>Second</paragraph><list><item>Nested</item></list></item></list></text>\
         <component><section><title>Sub</title><text>Child text</text></section></component>\
         <component><section nullFlavor=\"NI\"><title>Nothing</title></section></component></section></component>",
    );
    let top = &s[0];
    assert_eq!(top.title.as_deref(), Some("Results"));
    assert_eq!(
        top.blocks[0],
        Block::Paragraph("Intro inline text\nnext line[1]".into())
    );
    assert_eq!(top.footnotes, vec!["See lab manual.".to_string()]);
    let Block::Table(t) = &top.blocks[1] else {
        panic!("{:?}", top.blocks[1]);
    };
    assert_eq!(t.caption.as_deref(), Some("Labs"));
    assert_eq!(t.header, vec!["Test", "Value"]);
    assert_eq!(
        t.rows,
        vec![
            vec!["Panel A".to_string(), String::new()],
            vec!["Na".into(), "140\nmmol/L".into()]
        ]
    );
    let Block::List {
        ordered,
        caption,
        items,
    } = &top.blocks[2]
    else {
        panic!("{:?}", top.blocks[2]);
    };
    assert!(*ordered);
    assert_eq!(caption.as_deref(), Some("Plan"));
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].len(), 2, "a paragraph and a nested list");
    assert_eq!(top.children.len(), 2);
    assert!(!top.children[0].no_information);
    assert!(top.children[1].no_information);
}

#[test]
fn medication_entries_become_rows_and_the_list_has_each_once() {
    let body = "<component><section><code code=\"10160-0\"/><title>Medications</title><text><content ID=\"m1\">Metformin 500 mg tablet</content></text>\
        <entry><substanceAdministration classCode=\"SBADM\" moodCode=\"EVN\"><statusCode code=\"active\"/>\
        <effectiveTime xsi:type=\"IVL_TS\"><low value=\"20240105\"/><high value=\"202502\"/></effectiveTime>\
        <effectiveTime xsi:type=\"PIVL_TS\" institutionSpecified=\"true\"><period value=\"8\" unit=\"h\"/></effectiveTime>\
        <routeCode displayName=\"Oral\"/><doseQuantity value=\"1\"/><precondition/>\
        <consumable><manufacturedProduct><manufacturedMaterial><code code=\"860975\" codeSystem=\"2.16.840.1.113883.6.88\"><originalText><reference value=\"#m1\"/></originalText></code></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>\
        <entry><substanceAdministration negationInd=\"true\"><consumable><manufacturedProduct><manufacturedMaterial><code displayName=\"Warfarin\"/></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>\
        </section></component>";
    let r = read("m.xml", doc("", body).as_bytes()).expect("reads");
    let m = &r.cda.medications;
    assert_eq!(m.len(), 1, "a negated entry is not a medication: {m:?}");
    assert_eq!(m[0].name, "Metformin 500 mg tablet");
    assert_eq!(m[0].rxnorm.as_deref(), Some("860975"));
    assert_eq!(m[0].dose.as_deref(), Some("1"));
    assert_eq!(m[0].frequency.as_deref(), Some("3 times a day, as needed"));
    assert_eq!(m[0].start.as_deref(), Some("2024-01-05"));
    assert_eq!(m[0].stop.as_deref(), Some("2025-02"));
    assert_eq!(m[0].route.as_deref(), Some("Oral"));
    let a = r.cda;
    let mut b = a.clone();
    b.medications[0].name = "METFORMIN 500 MG TABLET (generic)".into();
    let mut c = a.clone();
    c.other_patient = Some("names someone else".into());
    c.medications[0].rxnorm = Some("999".into());
    c.medications[0].name = "Other".into();
    let d1 = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
    let d2 = chrono::NaiveDate::from_ymd_opt(2025, 1, 1);
    let list = medication_list([("a.xml", d1, &a), ("b.xml", d2, &b), ("c.xml", d2, &c)]);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0].name, "METFORMIN 500 MG TABLET (generic)",
        "the latest document's row"
    );
    assert_eq!(list[0].source.as_deref(), Some("a.xml; b.xml"));
}

#[test]
fn xdm_parts_are_named_and_readmes_elsewhere_are_not() {
    assert!(xdm_part("IHE_XDM/SUBSET01/METADATA.XML", false).is_some());
    assert!(xdm_part("x/CDA.xsl", false).is_some());
    assert!(xdm_part("INDEX.HTM", true).is_some());
    assert!(xdm_part("README.TXT", true).is_some());
    assert!(xdm_part("README.TXT", false).is_none());
    assert!(xdm_part("DOC0001.XML", true).is_none());
}
