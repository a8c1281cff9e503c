//! Builders of synthetic HL7 C-CDA documents (fictional patients, made-up values) for
//! tests and the CDA benchmark: a header, sections with narrative and medication entries,
//! or a nonXMLBody, written as the XML a patient portal exports.
#![allow(dead_code)]

/// One section: its LOINC code, title, narrative (`<text>` content, as XML), entries (as
/// XML) and nested sections.
#[derive(Debug, Clone, Default)]
pub struct Sec {
    pub code: String,
    pub title: String,
    pub text: String,
    pub entries: String,
    pub null_flavor: bool,
    pub children: Vec<Sec>,
}

impl Sec {
    pub fn new(code: &str, title: &str, text: &str) -> Self {
        Sec {
            code: code.into(),
            title: title.into(),
            text: text.into(),
            ..Sec::default()
        }
    }
}

/// A clinical document. Times are CDA time stamps as written (`20250314093000-0500`).
#[derive(Debug, Clone)]
pub struct CdaDoc {
    pub code: String,
    pub code_name: String,
    pub title: Option<String>,
    pub effective: Option<String>,
    pub given: String,
    pub family: String,
    pub birth: Option<String>,
    pub author: Option<(String, String)>,
    pub organisation: Option<String>,
    pub custodian: Option<String>,
    pub encounter: Option<(Option<String>, Option<String>)>,
    pub service: Option<(Option<String>, Option<String>)>,
    pub sections: Vec<Sec>,
    /// (mediaType, representation, content) of a nonXMLBody.
    pub non_xml: Option<(String, String, String)>,
}

impl CdaDoc {
    /// A document of the fictional patient Maren Okafor (born 1968-04-12).
    pub fn new(code: &str, code_name: &str, title: &str) -> Self {
        CdaDoc {
            code: code.into(),
            code_name: code_name.into(),
            title: Some(title.into()),
            effective: Some("20250320101500-0500".into()),
            given: "Maren".into(),
            family: "Okafor".into(),
            birth: Some("19680412".into()),
            author: Some(("Tobias".into(), "Lindqvist".into())),
            organisation: Some("Riverbend Community Hospital".into()),
            custodian: Some("Riverbend Health Records".into()),
            encounter: None,
            service: None,
            sections: Vec::new(),
            non_xml: None,
        }
    }

    pub fn section(mut self, s: Sec) -> Self {
        self.sections.push(s);
        self
    }

    /// The document as XML.
    pub fn xml(&self) -> String {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"CDA.xsl\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:sdtc=\"urn:hl7-org:sdtc\">\n  <realmCode code=\"US\"/>\n  <typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>\n  <templateId root=\"2.16.840.1.113883.10.20.22.1.1\" extension=\"2015-08-01\"/>\n  <id root=\"2.16.840.1.113883.19.5.99999.1\" extension=\"TEST-0001\"/>\n",
        );
        x.push_str(&format!(
            "  <code code=\"{}\" codeSystem=\"2.16.840.1.113883.6.1\" codeSystemName=\"LOINC\" displayName=\"{}\"/>\n",
            self.code, self.code_name
        ));
        if let Some(t) = &self.title {
            x.push_str(&format!("  <title>{t}</title>\n"));
        }
        match &self.effective {
            Some(e) => x.push_str(&format!("  <effectiveTime value=\"{e}\"/>\n")),
            None => x.push_str("  <effectiveTime nullFlavor=\"UNK\"/>\n"),
        }
        x.push_str("  <confidentialityCode code=\"N\" codeSystem=\"2.16.840.1.113883.5.25\"/>\n  <languageCode code=\"en-US\"/>\n");
        x.push_str(&format!(
            "  <recordTarget>\n    <patientRole>\n      <id extension=\"MRN-55501\" root=\"2.16.840.1.113883.19.5\"/>\n      <addr use=\"HP\"><streetAddressLine>12 Quarry Lane</streetAddressLine><city>Millbrook</city><state>OR</state><postalCode>97000</postalCode></addr>\n      <patient>\n        <name use=\"L\"><given>{}</given><family>{}</family></name>\n        <administrativeGenderCode code=\"F\" codeSystem=\"2.16.840.1.113883.5.1\"/>\n{}      </patient>\n    </patientRole>\n  </recordTarget>\n",
            self.given,
            self.family,
            self.birth
                .as_ref()
                .map(|b| format!("        <birthTime value=\"{b}\"/>\n"))
                .unwrap_or_default()
        ));
        if let Some((g, f)) = &self.author {
            x.push_str(&format!(
                "  <author>\n    <time value=\"20250320\"/>\n    <assignedAuthor>\n      <id root=\"2.16.840.1.113883.4.6\" extension=\"9990001\"/>\n      <assignedPerson><name><prefix>Dr.</prefix><given>{g}</given><family>{f}</family><suffix>MD</suffix></name></assignedPerson>\n{}    </assignedAuthor>\n  </author>\n",
                self.organisation
                    .as_ref()
                    .map(|o| format!("      <representedOrganization><name>{o}</name></representedOrganization>\n"))
                    .unwrap_or_default()
            ));
        }
        if let Some(c) = &self.custodian {
            x.push_str(&format!(
                "  <custodian><assignedCustodian><representedCustodianOrganization><id root=\"2.16.840.1.113883.19.5\"/><name>{c}</name></representedCustodianOrganization></assignedCustodian></custodian>\n"
            ));
        }
        let span = |(lo, hi): &(Option<String>, Option<String>)| {
            let mut s = String::from("<effectiveTime>");
            if let Some(l) = lo {
                s.push_str(&format!("<low value=\"{l}\"/>"));
            }
            if let Some(h) = hi {
                s.push_str(&format!("<high value=\"{h}\"/>"));
            }
            s.push_str("</effectiveTime>");
            s
        };
        if let Some(sv) = &self.service {
            x.push_str(&format!(
                "  <documentationOf>\n    <serviceEvent classCode=\"PCPR\">{}</serviceEvent>\n  </documentationOf>\n",
                span(sv)
            ));
        }
        if let Some(e) = &self.encounter {
            x.push_str(&format!(
                "  <componentOf>\n    <encompassingEncounter>\n      <id root=\"2.16.840.1.113883.19\" extension=\"ENC-1\"/>\n      {}\n    </encompassingEncounter>\n  </componentOf>\n",
                span(e)
            ));
        }
        match &self.non_xml {
            Some((media, repr, content)) => x.push_str(&format!(
                "  <component>\n    <nonXMLBody>\n      <text mediaType=\"{media}\" representation=\"{repr}\">{content}</text>\n    </nonXMLBody>\n  </component>\n"
            )),
            None => {
                x.push_str("  <component>\n    <structuredBody>\n");
                for s in &self.sections {
                    section_xml(&mut x, s, 3);
                }
                x.push_str("    </structuredBody>\n  </component>\n");
            }
        }
        x.push_str("</ClinicalDocument>\n");
        x
    }

    /// Every word of every section's narrative, as a reader sees it (tags and entity
    /// references resolved).
    pub fn narrative_words(&self) -> Vec<String> {
        fn walk(s: &Sec, out: &mut Vec<String>) {
            out.extend(words_of_xml(&s.text));
            for c in &s.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(s, &mut out);
        }
        out
    }

    /// Every section title, nested ones too.
    pub fn section_titles(&self) -> Vec<String> {
        fn walk(s: &Sec, out: &mut Vec<String>) {
            out.push(s.title.clone());
            for c in &s.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(s, &mut out);
        }
        out
    }
}

fn section_xml(x: &mut String, s: &Sec, depth: usize) {
    let pad = "  ".repeat(depth);
    x.push_str(&format!("{pad}<component>\n"));
    if s.null_flavor {
        x.push_str(&format!("{pad}  <section nullFlavor=\"NI\">\n"));
    } else {
        x.push_str(&format!("{pad}  <section>\n"));
    }
    x.push_str(&format!(
        "{pad}    <code code=\"{}\" codeSystem=\"2.16.840.1.113883.6.1\"/>\n{pad}    <title>{}</title>\n",
        s.code, s.title
    ));
    if !s.text.is_empty() {
        x.push_str(&format!("{pad}    <text>{}</text>\n", s.text));
    }
    x.push_str(&s.entries);
    for c in &s.children {
        section_xml(x, c, depth + 2);
    }
    x.push_str(&format!("{pad}  </section>\n{pad}</component>\n"));
}

/// The words of an XML fragment: tags become spaces, entity references are resolved.
pub fn words_of_xml(fragment: &str) -> Vec<String> {
    let mut text = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// One medication entry (`substanceAdministration`) of a medications section.
pub fn med_entry(
    rxnorm: &str,
    name: &str,
    (dose, unit): (&str, &str),
    route: &str,
    period_hours: u32,
    start: &str,
    status: &str,
) -> String {
    format!(
        "<entry typeCode=\"DRIV\"><substanceAdministration classCode=\"SBADM\" moodCode=\"INT\"><templateId root=\"2.16.840.1.113883.10.20.22.4.16\" extension=\"2014-06-09\"/><id root=\"cdbd33f0-6cde-11db-9fe1-0800200c9a66\"/><statusCode code=\"{status}\"/><effectiveTime xsi:type=\"IVL_TS\"><low value=\"{start}\"/></effectiveTime><effectiveTime xsi:type=\"PIVL_TS\" institutionSpecified=\"true\" operator=\"A\"><period value=\"{period_hours}\" unit=\"h\"/></effectiveTime><routeCode code=\"C38288\" codeSystem=\"2.16.840.1.113883.3.26.1.1\" displayName=\"{route}\"/><doseQuantity value=\"{dose}\" unit=\"{unit}\"/><consumable><manufacturedProduct classCode=\"MANU\"><templateId root=\"2.16.840.1.113883.10.20.22.4.23\"/><manufacturedMaterial><code code=\"{rxnorm}\" codeSystem=\"2.16.840.1.113883.6.88\" displayName=\"{name}\"/></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>\n"
    )
}

/// A discharge summary of several pages: hospital course paragraphs, a list with line
/// breaks and a footnote, a long lab table, a nested section, an empty section and a
/// medications section with structured entries.
pub fn discharge_summary(table_rows: usize) -> CdaDoc {
    let mut rows = String::new();
    for i in 0..table_rows {
        rows.push_str(&format!(
            "<tr><td>2025-03-{:02}</td><td>Hemoglobin panel draw {i}</td><td>{}.{} g/dL</td><td>Stable; reviewed by ward team{}</td></tr>",
            10 + i % 5,
            11 + i % 4,
            i % 10,
            if i % 7 == 0 { " &amp; flagged for follow-up" } else { "" }
        ));
    }
    let table = format!(
        "<table border=\"1\"><caption>Serial laboratory values</caption><thead><tr><th>Collected</th><th>Test</th><th>Result</th><th>Comment</th></tr></thead><tbody>{rows}</tbody></table>"
    );
    CdaDoc {
        encounter: Some((Some("20250310".into()), Some("20250314160000-0500".into()))),
        service: Some((Some("20250310".into()), Some("20250314".into()))),
        ..CdaDoc::new("18842-5", "Discharge summary", "Discharge Summary — Riverbend Community Hospital")
    }
    .section(Sec::new(
        "46241-6",
        "Hospital Admission Diagnosis",
        "<paragraph>Admitted with <content styleCode=\"Bold\">community-acquired pneumonia</content> of the right lower lobe.</paragraph>",
    ))
    .section(Sec {
        children: vec![Sec::new(
            "8648-8",
            "Respiratory Course",
            "<paragraph>Oxygen weaned from two litres to room air by day three.<br/>Incentive spirometry taught and practised.</paragraph>",
        )],
        ..Sec::new(
            "8648-8",
            "Hospital Course",
            "<paragraph>Treated with intravenous ceftriaxone, switched to oral therapy on hospital day three<footnote ID=\"fn1\">Switch criteria per ward protocol PN-4.</footnote>.</paragraph><list listType=\"ordered\"><item>Blood cultures negative at forty-eight hours.</item><item>Chest radiograph improved before discharge.</item></list>",
        )
    })
    .section(Sec::new("30954-2", "Relevant Diagnostic Tests", &table))
    .section(Sec {
        null_flavor: true,
        ..Sec::new("11369-6", "Immunizations", "")
    })
    .section(Sec {
        entries: [
            med_entry("308191", "Amoxicillin 875 MG / Clavulanate 125 MG Oral Tablet", ("1", "1"), "Oral", 12, "20250313", "active"),
            med_entry("197361", "Amlodipine 5 MG Oral Tablet", ("5", "mg"), "Oral", 24, "20230105", "active"),
        ]
        .concat(),
        ..Sec::new(
            "10160-0",
            "Medications",
            "<table><thead><tr><th>Medication</th><th>Directions</th><th>Status</th></tr></thead><tbody><tr><td ID=\"med1\">Amoxicillin-clavulanate 875/125 mg tablet</td><td>One tablet by mouth twice daily for five more days</td><td>Active</td></tr><tr><td ID=\"med2\">Amlodipine 5 mg tablet</td><td>Once daily</td><td>Active</td></tr></tbody></table>",
        )
    })
}
