//! One FHIR document (a DocumentReference, DiagnosticReport or Composition with what it
//! refers to contained, as [`super::export`] writes it) turns into the clinical document
//! model: header facts (LOINC code, dates, patient, author), and either its attachment
//! (a PDF or picture to pack, or text and HTML set in type) or sections set in type — a
//! Composition's narrative, a report's text, results table and conclusion.

use super::export::{decode, media_of};
use super::html;
use super::json::refused;
use crate::base::clinical::{
    Block, Body, Cda, CdaMedication, Header, PersonName, Section, Span, Table, Ts,
};
use crate::base::error::Problem;
use crate::base::kind::Kind;
use crate::read::cda::CdaRules;
use serde_json::Value;

/// What reading a document yields: the model, and for a PDF or picture its media type
/// and bytes.
pub struct Read {
    pub cda: Cda,
    pub embedded: Option<(String, Vec<u8>)>,
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A FHIR date or dateTime (`2025-03-14T09:30:00-05:00`) as a time stamp; the offset is
/// dropped, never applied.
pub fn ts(raw: &str) -> Option<Ts> {
    let head: String = raw.trim().chars().take(16).collect();
    let digits: String = head.chars().filter(char::is_ascii_digit).collect();
    let mut t = Ts::parse(&digits)?;
    t.raw = raw.trim().to_string();
    Some(t)
}

/// The resource a reference names inside the document (`#id` among the contained).
fn target<'a>(doc: &'a Value, r: &Value) -> Option<&'a Value> {
    let id = s(r, "reference")?.strip_prefix('#')?;
    list(doc, "contained")
        .iter()
        .find(|c| s(c, "id") == Some(id))
}

/// A name part without the digits synthetic data appends (`Amy722` → `Amy`).
fn undigit(part: &str) -> String {
    let t: String = part.chars().filter(|c| !c.is_ascii_digit()).collect();
    if t.trim().is_empty() {
        part.to_string()
    } else {
        t.trim().to_string()
    }
}

/// A HumanName list's official name (else the first) as a [`PersonName`].
pub fn person(names: &[Value]) -> Option<PersonName> {
    let n = names
        .iter()
        .find(|n| s(n, "use") == Some("official"))
        .or_else(|| names.first())?;
    let strs = |k: &str| -> Vec<String> {
        match n.get(k) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(undigit).collect(),
            Some(Value::String(x)) => vec![undigit(x)],
            _ => Vec::new(),
        }
    };
    let p = PersonName {
        prefix: strs("prefix"),
        given: strs("given"),
        family: strs("family"),
        suffix: strs("suffix"),
        text: None,
    };
    if p.given.is_empty() && p.family.is_empty() {
        return s(n, "text").map(|t| PersonName {
            text: Some(undigit(t)),
            ..PersonName::default()
        });
    }
    Some(p)
}

/// Who or what a reference names: a person's full name, an organisation's name, or the
/// reference's own `display` when it does not resolve.
fn who(doc: &Value, r: &Value) -> Option<String> {
    if let Some(t) = target(doc, r) {
        if let Some(p) = person(list(t, "name")) {
            let full = p.full();
            if !full.trim().is_empty() {
                return Some(full);
            }
        }
        if let Some(n) = s(t, "name") {
            return Some(n.to_string());
        }
    }
    s(r, "display").map(str::to_string)
}

/// The codes of a CodeableConcept (or a list of them), LOINC first.
fn codes(v: Option<&Value>) -> Vec<(String, Option<String>)> {
    let concepts: Vec<&Value> = match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(c) => vec![c],
        None => Vec::new(),
    };
    let mut out: Vec<(bool, String, Option<String>)> = Vec::new();
    for c in concepts {
        for coding in list(c, "coding") {
            if let Some(code) = s(coding, "code") {
                let loinc = s(coding, "system").is_some_and(|x| x.contains("loinc"));
                out.push((
                    !loinc,
                    code.to_string(),
                    s(coding, "display").map(str::to_string),
                ));
            }
        }
    }
    out.sort_by_key(|(not_loinc, _, _)| *not_loinc);
    out.into_iter().map(|(_, c, d)| (c, d)).collect()
}

/// The text of a CodeableConcept: its `text`, else its first coding's display or code.
fn concept_text(c: &Value) -> Option<String> {
    s(c, "text").map(str::to_string).or_else(|| {
        list(c, "coding")
            .iter()
            .find_map(|x| s(x, "display").or_else(|| s(x, "code")))
            .map(str::to_string)
    })
}

/// The header of a document resource.
fn header(doc: &Value) -> Header {
    let t = s(doc, "resourceType").unwrap_or("");
    let rules = CdaRules::builtin();
    let (own, cats) = match t {
        "DiagnosticReport" => (doc.get("code"), doc.get("category")),
        _ => (doc.get("type"), doc.get("category")),
    };
    let own_codes = codes(own);
    let cat_codes = codes(cats);
    // The document's own code when the table knows it, else its category's.
    let chosen = own_codes
        .iter()
        .chain(&cat_codes)
        .find(|(c, _)| rules.kind(c) != Kind::Other)
        .or_else(|| own_codes.first())
        .cloned();
    // A category without a display is named by the kind it means.
    let chosen = chosen.map(|(c, d)| {
        let d = d.or_else(|| {
            cat_codes
                .iter()
                .any(|(x, _)| *x == c)
                .then(|| rules.kind(&c).label().to_string())
        });
        (c, d)
    });
    let title = s(doc, "title")
        .or_else(|| s(doc, "description"))
        .map(str::to_string)
        .or_else(|| {
            doc.get("attachment")
                .and_then(|a| s(a, "title"))
                .map(str::to_string)
        })
        .or_else(|| own.and_then(concept_text));
    let subject = doc.get("subject").or_else(|| doc.get("patient"));
    let patient_res = subject.and_then(|r| target(doc, r));
    let patient = match patient_res {
        Some(p) => person(list(p, "name")),
        None => subject.and_then(|r| s(r, "display")).map(|d| PersonName {
            text: Some(undigit(d)),
            ..PersonName::default()
        }),
    };
    let birth = patient_res.and_then(|p| s(p, "birthDate")).and_then(ts);
    let first = |k: &str| list(doc, k).first().and_then(|r| who(doc, r));
    let author = first("author")
        .or_else(|| first("resultsInterpreter"))
        .or_else(|| first("performer"));
    let organisation = doc.get("custodian").and_then(|r| who(doc, r)).or_else(|| {
        list(doc, "performer")
            .iter()
            .filter(|r| {
                target(doc, r).is_some_and(|t| s(t, "resourceType") == Some("Organization"))
            })
            .find_map(|r| who(doc, r))
    });
    // When it was written, and the clinical date (of the service it reports).
    let (written, service) = match t {
        "DiagnosticReport" => (
            s(doc, "issued"),
            s(doc, "effectiveDateTime")
                .or_else(|| doc.get("effectivePeriod").and_then(|p| s(p, "start"))),
        ),
        "DocumentReference" => (
            s(doc, "date"),
            doc.get("context")
                .and_then(|c| c.get("period"))
                .and_then(|p| s(p, "start")),
        ),
        _ => (s(doc, "date"), None),
    };
    Header {
        code: chosen.as_ref().map(|(c, _)| c.clone()),
        code_name: chosen.and_then(|(_, d)| d),
        title,
        effective: written.or(service).and_then(ts),
        patient,
        birth,
        author,
        organisation,
        encounter: Span::default(),
        service: Span {
            low: service.and_then(ts),
            high: None,
        },
    }
}

/// A narrative `div` as paragraphs.
fn narrative(v: Option<&Value>) -> Vec<Block> {
    let div = v.and_then(|t| s(t, "div")).unwrap_or("");
    html::paragraphs(&html::to_text(div))
        .into_iter()
        .map(Block::Paragraph)
        .collect()
}

/// A Composition's sections, in order, with their subsections.
fn sections(list_of: &[Value]) -> Vec<Section> {
    list_of
        .iter()
        .map(|sec| {
            let blocks = narrative(sec.get("text"));
            let children = sections(list(sec, "section"));
            Section {
                title: s(sec, "title")
                    .map(str::to_string)
                    .or_else(|| sec.get("code").and_then(concept_text)),
                code: codes(sec.get("code")).first().map(|(c, _)| c.clone()),
                no_information: blocks.is_empty() && children.is_empty(),
                blocks,
                footnotes: Vec::new(),
                children,
            }
        })
        .collect()
}

/// A quantity as `value unit`.
fn quantity(q: &Value) -> (String, String) {
    let value = match q.get("value") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(x)) => x.clone(),
        _ => String::new(),
    };
    let cmp = s(q, "comparator").unwrap_or("");
    let unit = s(q, "unit").or_else(|| s(q, "code")).unwrap_or("");
    (format!("{cmp}{value}"), unit.to_string())
}

/// One result row: test, value, unit, reference range, flag.
fn result_row(doc: &Value, r: &Value) -> Vec<String> {
    let Some(o) = target(doc, r) else {
        return vec![
            s(r, "display")
                .unwrap_or("(result not in the export)")
                .to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
    };
    let test = o.get("code").and_then(concept_text).unwrap_or_default();
    let (value, unit) = if let Some(q) = o.get("valueQuantity") {
        quantity(q)
    } else if let Some(c) = o.get("valueCodeableConcept") {
        (concept_text(c).unwrap_or_default(), String::new())
    } else if let Some(x) = s(o, "valueString") {
        (x.to_string(), String::new())
    } else if let Some(b) = o.get("valueBoolean").and_then(Value::as_bool) {
        (if b { "yes" } else { "no" }.to_string(), String::new())
    } else if let Some(i) = o.get("valueInteger") {
        (i.to_string(), String::new())
    } else {
        (
            o.get("dataAbsentReason")
                .and_then(concept_text)
                .unwrap_or_default(),
            String::new(),
        )
    };
    let range = list(o, "referenceRange")
        .first()
        .map(|rr| {
            if let Some(t) = s(rr, "text") {
                return t.to_string();
            }
            let low = rr.get("low").map(quantity);
            let high = rr.get("high").map(quantity);
            match (low, high) {
                (Some(l), Some(h)) => format!("{}–{} {}", l.0, h.0, h.1).trim().to_string(),
                (Some(l), None) => format!("≥ {} {}", l.0, l.1).trim().to_string(),
                (None, Some(h)) => format!("≤ {} {}", h.0, h.1).trim().to_string(),
                (None, None) => String::new(),
            }
        })
        .unwrap_or_default();
    let flag = list(o, "interpretation")
        .first()
        .and_then(|c| {
            list(c, "coding")
                .first()
                .and_then(|x| s(x, "code"))
                .map(str::to_string)
                .or_else(|| concept_text(c))
        })
        .unwrap_or_default();
    vec![test, value, unit, range, flag]
}

/// A DiagnosticReport without an attachment: its text, its results as a table and its
/// conclusion.
fn report_sections(doc: &Value) -> Vec<Section> {
    let mut out = Vec::new();
    let text = narrative(doc.get("text"));
    if !text.is_empty() {
        out.push(Section {
            title: Some("Report".into()),
            blocks: text,
            ..Section::default()
        });
    }
    let rows: Vec<Vec<String>> = list(doc, "result")
        .iter()
        .map(|r| result_row(doc, r))
        .collect();
    if !rows.is_empty() {
        out.push(Section {
            title: Some("Results".into()),
            blocks: vec![Block::Table(Table {
                caption: None,
                header: ["Test", "Result", "Unit", "Reference range", "Flag"]
                    .map(String::from)
                    .to_vec(),
                rows,
            })],
            ..Section::default()
        });
    }
    let mut conclusion: Vec<Block> = s(doc, "conclusion")
        .map(|c| {
            html::paragraphs(c)
                .into_iter()
                .map(Block::Paragraph)
                .collect()
        })
        .unwrap_or_default();
    let coded: Vec<String> = list(doc, "conclusionCode")
        .iter()
        .filter_map(concept_text)
        .collect();
    if !coded.is_empty() {
        conclusion.push(Block::Paragraph(coded.join("; ")));
    }
    if !conclusion.is_empty() {
        out.push(Section {
            title: Some("Conclusion".into()),
            blocks: conclusion,
            ..Section::default()
        });
    }
    out
}

/// Text bytes as a string: UTF-8, else Latin-1.
fn text_of(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Reads one document resource into the model.
pub fn read(rel: &str, doc: &Value) -> Result<Read, Problem> {
    let t = s(doc, "resourceType").unwrap_or("");
    if !matches!(t, "DocumentReference" | "DiagnosticReport" | "Composition") {
        return Err(Problem::new(
            rel,
            format!("FHIR {t} resource, which is not a document"),
            "export the documents (DocumentReference, DiagnosticReport, Composition), or remove the file from the folder",
        ));
    }
    let header = header(doc);
    let cda = |body| Cda {
        header: header.clone(),
        body,
        medications: Vec::new(),
        other_patient: None,
    };
    if let Some(att) = doc.get("attachment") {
        let media = media_of(att);
        let data = s(att, "data").unwrap_or("");
        let bytes = decode(rel, data)?;
        return match media.as_str() {
            "text/plain" => {
                let t = text_of(&bytes).replace("\r\n", "\n").replace('\r', "\n");
                if t.trim().is_empty() {
                    return Err(refused(rel, "FHIR document whose text is empty"));
                }
                Ok(Read { cda: cda(Body::Text(t)), embedded: None })
            }
            "text/html" | "application/xhtml+xml" => {
                let t = html::to_text(&text_of(&bytes));
                if t.trim().is_empty() {
                    return Err(refused(rel, "FHIR document whose HTML holds no text"));
                }
                Ok(Read { cda: cda(Body::Text(t)), embedded: None })
            }
            "application/pdf" | "image/jpeg" | "image/jpg" | "image/png" | "image/tiff" | "" => Ok(Read {
                cda: cda(Body::Embedded {
                    media_type: if media.is_empty() { "application/octet-stream".into() } else { media.clone() },
                }),
                embedded: Some((media, bytes)),
            }),
            other => Err(Problem::new(
                rel,
                format!("FHIR document holding a file of type {other}, which cannot go into a PDF packet"),
                "open the document in the portal and save or print it as PDF, then put the PDF in the folder",
            )),
        };
    }
    let medications = medications(doc);
    let mut body = if t == "Composition" {
        sections(list(doc, "section"))
    } else {
        report_sections(doc)
    };
    if body.is_empty() && !medications.is_empty() {
        body.push(Section {
            title: Some("Medications".into()),
            blocks: vec![Block::Table(Table {
                caption: None,
                header: ["Medication", "Dose", "Frequency", "Start", "Status"]
                    .map(String::from)
                    .to_vec(),
                rows: medications
                    .iter()
                    .map(|m| {
                        vec![
                            m.name.clone(),
                            m.dose.clone().unwrap_or_default(),
                            m.frequency.clone().unwrap_or_default(),
                            m.start.clone().unwrap_or_default(),
                            m.status.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            })],
            ..Section::default()
        });
    }
    if body.is_empty() {
        return Err(refused(
            rel,
            format!("FHIR {t} without any text, results or sections"),
        ));
    }
    Ok(Read {
        cda: Cda {
            medications,
            ..cda(Body::Sections(body))
        },
        embedded: None,
    })
}

/// The active MedicationRequests and MedicationStatements a document contains, as
/// medication entries (name, RxNorm code, dose, route, frequency, start, stop).
fn medications(doc: &Value) -> Vec<CdaMedication> {
    list(doc, "contained")
        .iter()
        .filter(|m| {
            matches!(
                s(m, "resourceType"),
                Some("MedicationRequest" | "MedicationStatement")
            ) && s(m, "status") == Some("active")
        })
        .filter_map(|m| {
            let concept = m.get("medicationCodeableConcept");
            let name = concept.and_then(concept_text).or_else(|| {
                m.get("medicationReference")
                    .and_then(|r| s(r, "display"))
                    .map(str::to_string)
            })?;
            let rxnorm = concept.and_then(|c| {
                list(c, "coding")
                    .iter()
                    .find(|x| s(x, "system").is_some_and(|y| y.contains("rxnorm")))
                    .and_then(|x| s(x, "code"))
                    .map(str::to_string)
            });
            let dosage = list(m, "dosageInstruction")
                .first()
                .or_else(|| list(m, "dosage").first());
            let dose = dosage
                .and_then(|d| list(d, "doseAndRate").first())
                .and_then(|r| r.get("doseQuantity"))
                .map(quantity)
                .map(|(v, u)| format!("{v} {u}").trim().to_string());
            let frequency = dosage
                .and_then(|d| {
                    let timing = d.get("timing")?;
                    if let Some(t) = timing.get("code").and_then(concept_text) {
                        return Some(t);
                    }
                    let r = timing.get("repeat")?;
                    let n = r.get("frequency").and_then(Value::as_u64).unwrap_or(1);
                    let period = r.get("period").and_then(Value::as_f64)?;
                    let unit = match s(r, "periodUnit").unwrap_or("d") {
                        "h" => "hour",
                        "d" => "day",
                        "wk" => "week",
                        "mo" => "month",
                        other => other,
                    };
                    Some(if period == 1.0 {
                        format!("{n} times a {unit}")
                    } else {
                        format!("{n} times every {period} {unit}s")
                    })
                })
                .or_else(|| dosage.and_then(|d| s(d, "text")).map(str::to_string));
            let route = dosage.and_then(|d| d.get("route")).and_then(concept_text);
            let start = s(m, "authoredOn")
                .or_else(|| s(m, "effectiveDateTime"))
                .or_else(|| m.get("effectivePeriod").and_then(|p| s(p, "start")))
                .and_then(ts)
                .map(|t| t.shown);
            let stop = m
                .get("effectivePeriod")
                .and_then(|p| s(p, "end"))
                .and_then(ts)
                .map(|t| t.shown);
            Some(CdaMedication {
                name,
                rxnorm,
                dose,
                route,
                frequency,
                start,
                stop,
                status: Some("active".into()),
            })
        })
        .collect()
}
