//! CDA medications: the structured entries (`substanceAdministration`) of a document's
//! medications sections turn into medication rows — name, RxNorm code, dose, route,
//! frequency, start, stop, status — and the rows of all the patient's documents turn
//! into one packet medication list, each medication once.

use super::xml::{child, children, flat_text, is, path};
use crate::base::clinical::{Cda, CdaMedication, Ts};
use crate::base::config::Medication;
use roxmltree::Node;
use std::collections::HashMap;

/// The RxNorm code system.
const RXNORM: &str = "2.16.840.1.113883.6.88";

/// The medication entries of every section (at any depth) whose code is listed.
pub fn entries(
    body: Node<'_, '_>,
    section_codes: &[String],
    ids: &HashMap<&str, Node<'_, '_>>,
) -> Vec<CdaMedication> {
    let mut out = Vec::new();
    for s in body.descendants().filter(|n| is(*n, "section")) {
        let code = child(s, "code").and_then(|c| c.attribute("code"));
        if !code.is_some_and(|c| section_codes.iter().any(|x| x == c.trim())) {
            continue;
        }
        for e in children(s, "entry") {
            for sa in children(e, "substanceAdministration") {
                if let Some(m) = medication(sa, ids) {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// Text of an element, or of the narrative it points at (`<reference value="#id"/>`).
fn text_or_reference(n: Node<'_, '_>, ids: &HashMap<&str, Node<'_, '_>>) -> Option<String> {
    if let Some(r) = child(n, "reference").and_then(|r| r.attribute("value")) {
        if let Some(target) = ids.get(r.trim().trim_start_matches('#')) {
            let t = flat_text(*target);
            if !t.is_empty() {
                return Some(t);
            }
        }
    }
    let t = flat_text(n);
    (!t.is_empty()).then_some(t)
}

fn medication(sa: Node<'_, '_>, ids: &HashMap<&str, Node<'_, '_>>) -> Option<CdaMedication> {
    if sa.attribute("negationInd") == Some("true") {
        return None;
    }
    let material = path(
        sa,
        &["consumable", "manufacturedProduct", "manufacturedMaterial"],
    )?;
    let code = child(material, "code");
    let rxnorm = code.and_then(|c| {
        std::iter::once(c)
            .chain(children(c, "translation"))
            .find(|c| c.attribute("codeSystem") == Some(RXNORM))
            .and_then(|c| c.attribute("code"))
            .map(|s| s.trim().to_string())
    });
    let name = code
        .and_then(|c| c.attribute("displayName"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            code.and_then(|c| child(c, "originalText"))
                .and_then(|o| text_or_reference(o, ids))
        })
        .or_else(|| {
            child(material, "name")
                .map(flat_text)
                .filter(|s| !s.is_empty())
        })
        .or_else(|| child(sa, "text").and_then(|t| text_or_reference(t, ids)))?;
    let mut start = None;
    let mut stop = None;
    let mut frequency = None;
    for et in children(sa, "effectiveTime") {
        let xsi = et
            .attributes()
            .find(|a| a.name() == "type")
            .map(|a| a.value().rsplit(':').next().unwrap_or("").to_string())
            .unwrap_or_default();
        match xsi.as_str() {
            "PIVL_TS" => frequency = period(et),
            "EIVL_TS" => {
                frequency = child(et, "event")
                    .and_then(|e| e.attribute("code"))
                    .map(event)
            }
            _ => {
                let ts = |n: Option<Node<'_, '_>>| {
                    n.and_then(|n| n.attribute("value"))
                        .and_then(Ts::parse)
                        .map(|t| t.shown)
                };
                if et.attribute("value").is_some() {
                    start = ts(Some(et));
                } else {
                    start = ts(child(et, "low"));
                    stop = ts(child(et, "high"));
                }
            }
        }
    }
    if frequency.is_some() && children(sa, "precondition").next().is_some() {
        frequency = frequency.map(|f| format!("{f}, as needed"));
    } else if children(sa, "precondition").next().is_some() {
        frequency = Some("as needed".into());
    }
    let dose = child(sa, "doseQuantity").and_then(|d| {
        let q = |n: Node<'_, '_>| {
            let v = n.attribute("value")?.trim().to_string();
            let unit = n
                .attribute("unit")
                .map(str::trim)
                .filter(|u| *u != "1" && !u.is_empty());
            Some(match unit {
                Some(u) => format!("{v} {u}"),
                None => v,
            })
        };
        q(d).or_else(|| {
            let lo = child(d, "low").and_then(q)?;
            let hi = child(d, "high").and_then(q);
            Some(match hi {
                Some(h) => format!("{lo} – {h}"),
                None => lo,
            })
        })
    });
    let route = child(sa, "routeCode").and_then(|r| {
        r.attribute("displayName")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| child(r, "originalText").and_then(|o| text_or_reference(o, ids)))
    });
    let status = child(sa, "statusCode")
        .and_then(|s| s.attribute("code"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Some(CdaMedication {
        name,
        rxnorm,
        dose,
        route,
        frequency,
        start,
        stop,
        status,
    })
}

/// A `PIVL_TS` period as words: "every 12 hours", "twice a day".
fn period(et: Node<'_, '_>) -> Option<String> {
    let p = child(et, "period")?;
    let v: f64 = p.attribute("value")?.trim().parse().ok()?;
    let unit = p.attribute("unit").unwrap_or("").trim();
    let per_day = match unit {
        "h" if v > 0.0 && (24.0 / v).fract() == 0.0 => Some(24.0 / v),
        "d" if v == 1.0 => Some(1.0),
        _ => None,
    };
    let n = |v: f64| {
        if v.fract() == 0.0 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    };
    Some(match (per_day, unit) {
        (Some(1.0), _) => "once a day".into(),
        (Some(2.0), _) => "twice a day".into(),
        (Some(k), _) if et.attribute("institutionSpecified") == Some("true") => {
            format!("{} times a day", n(k))
        }
        (_, "h") => format!("every {} hours", n(v)),
        (_, "min") => format!("every {} minutes", n(v)),
        (_, "d") => format!("every {} days", n(v)),
        (_, "wk") if v == 1.0 => "once a week".into(),
        (_, "wk") => format!("every {} weeks", n(v)),
        (_, "mo") if v == 1.0 => "once a month".into(),
        (_, "mo") => format!("every {} months", n(v)),
        (_, u) => format!("every {} {u}", n(v)),
    })
}

/// An `EIVL_TS` event code (HL7 TimingEvent) as words.
fn event(code: &str) -> String {
    match code {
        "HS" => "at bedtime",
        "WAKE" => "on waking",
        "AC" => "before meals",
        "PC" => "after meals",
        "ACM" => "before breakfast",
        "ACD" => "before lunch",
        "ACV" => "before dinner",
        "PCM" => "after breakfast",
        "PCD" => "after lunch",
        "PCV" => "after dinner",
        "C" => "with meals",
        other => return format!("event {other}"),
    }
    .to_string()
}

/// The packet's medication list from the clinical documents given (in packet order):
/// each medication once — by RxNorm code, else by name — with the documents it came
/// from; the row of the latest-dated document wins.
pub fn medication_list<'a>(
    docs: impl IntoIterator<Item = (&'a str, Option<chrono::NaiveDate>, &'a Cda)>,
) -> Vec<Medication> {
    struct Row {
        med: CdaMedication,
        date: Option<chrono::NaiveDate>,
        sources: Vec<String>,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (rel, date, cda) in docs {
        if cda.other_patient.is_some() {
            continue;
        }
        for m in &cda.medications {
            let key = match &m.rxnorm {
                Some(code) => format!("rxnorm:{code}"),
                None => format!(
                    "name:{}",
                    m.name
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase()
                ),
            };
            // A name seen before with a code counts as the same medication too.
            let name_key = format!(
                "name:{}",
                m.name
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            );
            let found = by_key.get(&key).or_else(|| by_key.get(&name_key)).copied();
            match found.and_then(|i| rows.get_mut(i)) {
                Some(row) => {
                    if !row.sources.iter().any(|s| s == rel) {
                        row.sources.push(rel.to_string());
                    }
                    if date > row.date {
                        row.med = m.clone();
                        row.date = date;
                    }
                }
                None => {
                    by_key.insert(key, rows.len());
                    by_key.insert(name_key, rows.len());
                    rows.push(Row {
                        med: m.clone(),
                        date,
                        sources: vec![rel.to_string()],
                    });
                }
            }
        }
    }
    rows.into_iter()
        .map(|r| Medication {
            name: r.med.name,
            dose: r.med.dose,
            frequency: r.med.frequency,
            start: r.med.start,
            stop: r.med.stop,
            notes: None,
            route: r.med.route,
            status: r.med.status,
            source: Some(r.sources.join("; ")),
        })
        .collect()
}
