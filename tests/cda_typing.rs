//! A clinical document read from its XML turns into the kind and date its header and
//! `templates/cda.toml` give (classify), a verdict on whether its patient is the packet's,
//! and typeset pages that keep every word inside the margins (render).

use medpacket::base::cdarules::CdaRules;
use medpacket::base::clinical::Header;
use medpacket::classify::{classify_cda, patient_mismatch, Overrides};
use medpacket::read::cda::read;

fn doc(header: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{header}<component><structuredBody>{body}</structuredBody></component></ClinicalDocument>"
    )
}

#[test]
fn header_rules_pick_the_date_of_the_kind() {
    let h = |code: &str, extra: &str| {
        let x = doc(
            &format!("<code code=\"{code}\" displayName=\"X\"/><title>T</title><effectiveTime value=\"20250320\"/><recordTarget><patientRole><patient><name><given>Ada</given><given>M</given><family>Quill</family></name><birthTime value=\"19700101\"/></patient></patientRole></recordTarget>{extra}"),
            "",
        );
        read("h.xml", x.as_bytes()).expect("reads").cda.header
    };
    let rules = CdaRules::builtin();
    let none = Overrides::default();
    let date = |hd: &Header| classify_cda(hd, rules, &none).date.map(|d| d.to_string());
    let enc = "<componentOf><encompassingEncounter><effectiveTime><low value=\"20250310\"/><high value=\"20250314\"/></effectiveTime></encompassingEncounter></componentOf>";
    let svc = "<documentationOf><serviceEvent><effectiveTime><low value=\"20250311\"/><high value=\"20250313\"/></effectiveTime></serviceEvent></documentationOf>";
    let both = format!("{svc}{enc}");
    assert_eq!(date(&h("18842-5", &both)).as_deref(), Some("2025-03-14"));
    assert_eq!(date(&h("18842-5", svc)).as_deref(), Some("2025-03-13"));
    assert_eq!(date(&h("11504-8", &both)).as_deref(), Some("2025-03-11"));
    assert_eq!(date(&h("11504-8", enc)).as_deref(), Some("2025-03-10"));
    assert_eq!(date(&h("18776-5", &both)).as_deref(), Some("2025-03-20"));
    assert_eq!(date(&h("11504-8", "")).as_deref(), Some("2025-03-20"));
    let birth_svc = "<documentationOf><serviceEvent><effectiveTime><low value=\"19700101\"/></effectiveTime></serviceEvent></documentationOf>";
    assert_eq!(
        date(&h("11502-2", birth_svc)).as_deref(),
        Some("2025-03-20")
    );
    // The patient: given family, compared with [patient].
    let hd = h("18842-5", "");
    assert_eq!(
        hd.patient.as_ref().map(|p| p.given_family()).as_deref(),
        Some("Ada M Quill")
    );
    let born = chrono::NaiveDate::from_ymd_opt(1970, 1, 1);
    assert_eq!(patient_mismatch(&hd, "Ada Quill", born), None);
    assert_eq!(patient_mismatch(&hd, "A. Quill", born), None);
    assert_eq!(patient_mismatch(&hd, "Ada M. Quill", None), None);
    assert_eq!(
        patient_mismatch(&hd, "ÁDA QUÍLL", born),
        None,
        "accents and case"
    );
    assert!(patient_mismatch(&hd, "Ben Quill", born).is_some_and(|w| w.contains("Ada M Quill")));
    assert!(patient_mismatch(
        &hd,
        "Ada Quill",
        chrono::NaiveDate::from_ymd_opt(1971, 1, 1)
    )
    .is_some_and(|w| w.contains("1970-01-01")));
}

#[test]
fn deeply_nested_lists_and_wide_tables_stay_on_the_page_with_every_word() {
    use medpacket::base::fonts::Metrics;
    use medpacket::base::layout::{Paper, MARGIN};
    let m = Metrics::get().expect("font");
    let mut text = String::new();
    for i in 0..60 {
        text.push_str(&format!("<list><item>level{i} "));
    }
    text.push_str(&"</item></list>".repeat(60));
    let cols = 12;
    let row = |tag: &str, w: &str| {
        (0..cols)
            .map(|c| format!("<{tag}>{w}{c}</{tag}>"))
            .collect::<String>()
    };
    text.push_str(&format!(
        "<table><thead><tr>{}</tr></thead><tbody><tr>{}</tr></tbody></table>",
        row("th", "Heading"),
        row("td", "cellvalue")
    ));
    let body =
        format!("<component><section><title>Deep</title><text>{text}</text></section></component>");
    let cda = read("deep.xml", doc("", &body).as_bytes())
        .expect("reads")
        .cda;
    let pages = medpacket::render::cda::layout(
        m,
        Paper::Letter,
        "deep.xml",
        "Deep",
        &cda,
        medpacket::base::i18n::Lang::En.messages(),
    );
    let (w, _) = Paper::Letter.size();
    let all: Vec<&medpacket::base::layout::Run> = pages.iter().flat_map(|p| &p.runs).collect();
    for r in &all {
        assert!(
            r.x < w - MARGIN,
            "run starts inside the page: {} at {}",
            r.text,
            r.x
        );
        assert!(
            r.x + m.width(&r.text, r.size) <= w - MARGIN + 1.0,
            "run ends inside the right margin: {:?}",
            r.text
        );
    }
    let joined: String = all
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    for i in 0..60 {
        assert!(joined.contains(&format!("level{i}")), "level{i}");
    }
    for c in 0..cols {
        assert!(
            joined.contains(&format!("Heading{c}")) && joined.contains(&format!("cellvalue{c}")),
            "column {c}"
        );
    }
}
