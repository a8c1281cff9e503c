//! CDA header: a `ClinicalDocument`'s header elements turn into the facts the packet
//! shows and sorts by — document code, title, dates (as written, time-zone offsets
//! ignored), patient, author and organisation — and those facts turn into the
//! document's kind, date and title by the rules of `templates/cda.toml`.

use super::rules::{CdaRules, DateSource};
use super::{child, children, flat_text, path};
use crate::base::clinical::{Header, PersonName, Span, Ts};
use crate::base::kind::Kind;
use crate::classify::{Classified, Evidence, Overrides, Source};
use chrono::NaiveDate;
use roxmltree::Node;

/// The stamp of an element with a `value` attribute.
fn ts_of(n: Option<Node<'_, '_>>) -> Option<Ts> {
    Ts::parse(n?.attribute("value")?)
}

fn span_of(effective: Option<Node<'_, '_>>) -> Span {
    let Some(e) = effective else {
        return Span::default();
    };
    match ts_of(Some(e)) {
        Some(single) => Span {
            low: Some(single),
            high: None,
        },
        None => Span {
            low: ts_of(child(e, "low")),
            high: ts_of(child(e, "high")),
        },
    }
}

fn name_of(n: Node<'_, '_>) -> Option<PersonName> {
    let parts = |name: &str| -> Vec<String> {
        children(n, name)
            .map(flat_text)
            .filter(|s| !s.is_empty())
            .collect()
    };
    let p = PersonName {
        prefix: parts("prefix"),
        given: parts("given"),
        family: parts("family"),
        suffix: parts("suffix"),
        text: None,
    };
    if p.given.is_empty() && p.family.is_empty() {
        let text = flat_text(n);
        return (!text.is_empty()).then_some(PersonName {
            text: Some(text),
            ..PersonName::default()
        });
    }
    Some(p)
}

/// Reads the header of a `ClinicalDocument` element.
pub fn header(root: Node<'_, '_>) -> Header {
    let code = child(root, "code");
    let patient = path(root, &["recordTarget", "patientRole", "patient"]);
    let author = children(root, "author").find_map(|a| child(a, "assignedAuthor"));
    let author_name = author
        .and_then(|a| {
            child(a, "assignedPerson")
                .and_then(|p| child(p, "name"))
                .and_then(name_of)
                .map(|n| n.full())
                .or_else(|| path(a, &["assignedAuthoringDevice", "softwareName"]).map(flat_text))
        })
        .filter(|s| !s.is_empty());
    let organisation = author
        .and_then(|a| path(a, &["representedOrganization", "name"]))
        .map(flat_text)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            path(
                root,
                &[
                    "custodian",
                    "assignedCustodian",
                    "representedCustodianOrganization",
                    "name",
                ],
            )
            .map(flat_text)
            .filter(|s| !s.is_empty())
        });
    let service = children(root, "documentationOf")
        .filter_map(|d| child(d, "serviceEvent"))
        .map(|s| span_of(child(s, "effectiveTime")))
        .find(|s| s.low.is_some() || s.high.is_some())
        .unwrap_or_default();
    Header {
        code: code
            .and_then(|c| c.attribute("code"))
            .map(|s| s.trim().to_string()),
        code_name: code
            .and_then(|c| c.attribute("displayName"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        title: child(root, "title")
            .map(flat_text)
            .filter(|s| !s.is_empty()),
        effective: ts_of(child(root, "effectiveTime")),
        patient: patient.and_then(|p| child(p, "name")).and_then(name_of),
        birth: ts_of(patient.and_then(|p| child(p, "birthTime"))),
        author: author_name,
        organisation,
        encounter: span_of(path(
            root,
            &["componentOf", "encompassingEncounter", "effectiveTime"],
        )),
        service,
    }
}

impl Header {
    fn source(&self, s: DateSource) -> Option<&Ts> {
        match s {
            DateSource::EncounterEnd => self.encounter.high.as_ref(),
            DateSource::ServiceEnd => self.service.high.as_ref(),
            DateSource::ServiceStart => self.service.low.as_ref(),
            DateSource::EncounterStart => self.encounter.low.as_ref(),
        }
    }

    /// A stamp on the patient's birth date is never a clinical date (a CCD's service
    /// event often starts at birth).
    fn is_birth(&self, ts: &Ts) -> bool {
        self.birth
            .as_ref()
            .is_some_and(|b| b.date.is_some() && !b.month_only && b.date == ts.date)
    }
}

fn evidence(field: &'static str, rule: String, matched: String) -> Evidence {
    Evidence {
        field,
        source: Source::Cda,
        rule,
        matched,
        score: 1.0,
    }
}

fn override_evidence(field: &'static str, value: &str) -> Evidence {
    Evidence {
        field,
        source: Source::PacketToml,
        rule: format!("packet.toml {field}"),
        matched: value.to_string(),
        score: 1.0,
    }
}

/// The kind, date and title of a clinical document: packet.toml first, then the header.
pub fn classify(h: &Header, rules: &CdaRules, overrides: &Overrides) -> Classified {
    let mut ev = Vec::new();
    let code_kind = h.code.as_deref().map(|c| rules.kind(c));
    let kind = if let Some(k) = overrides.kind {
        ev.push(override_evidence("kind", k.as_str()));
        k
    } else {
        let k = code_kind.unwrap_or(Kind::Other);
        let (rule, matched) = match &h.code {
            Some(c) => (
                format!(
                    "LOINC document code {c}{}",
                    if k == Kind::Other {
                        " (not in the table of kinds: other)"
                    } else {
                        ""
                    }
                ),
                format!("{c} {}", h.code_name.as_deref().unwrap_or(""))
                    .trim()
                    .to_string(),
            ),
            None => (
                "no document code in the header: other".to_string(),
                String::new(),
            ),
        };
        ev.push(evidence("kind", rule, matched));
        k
    };

    let date = if let Some(d) = overrides.date {
        ev.push(override_evidence("date", &d.to_string()));
        Some(d)
    } else {
        let mut found = None;
        for s in rules.date_sources(kind) {
            match h.source(*s) {
                Some(ts) if ts.date.is_some() && h.is_birth(ts) => ev.push(Evidence {
                    score: -1.0,
                    ..evidence(
                        "date",
                        format!("{} is the date of birth: not a clinical date", s.path()),
                        ts.raw.clone(),
                    )
                }),
                Some(ts) if ts.date.is_some() => {
                    found = Some((ts, s.path()));
                    break;
                }
                _ => {}
            }
        }
        if found.is_none() {
            found = h
                .effective
                .as_ref()
                .filter(|t| t.date.is_some())
                .map(|t| (t, "effectiveTime (the document's date)"));
        }
        match found {
            Some((ts, path)) => {
                let note = if ts.month_only {
                    " — year and month only: sorted as the 1st of the month"
                } else {
                    ""
                };
                ev.push(evidence("date", format!("{path}{note}"), ts.raw.clone()));
                ts.date
            }
            None => {
                ev.push(Evidence {
                    score: 0.0,
                    ..evidence(
                        "date",
                        "no usable effectiveTime in the header: undated".to_string(),
                        String::new(),
                    )
                });
                None
            }
        }
    };

    let override_title = overrides
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let title = if let Some(t) = override_title {
        ev.push(override_evidence("title", t));
        t.to_string()
    } else if let Some(t) = &h.title {
        ev.push(evidence("title", "document <title>".into(), t.clone()));
        t.clone()
    } else if let Some(n) = &h.code_name {
        ev.push(evidence(
            "title",
            "display name of the document code".into(),
            n.clone(),
        ));
        n.clone()
    } else {
        ev.push(Evidence {
            source: Source::Default,
            score: 0.0,
            ..evidence("title", "label of the kind".into(), kind.label().into())
        });
        kind.label().to_string()
    };
    Classified {
        kind,
        date,
        title,
        kind_score: if overrides.kind.is_some() { 0.0 } else { 1.0 },
        evidence: ev,
        language: crate::classify::language::UNKNOWN.to_string(),
    }
}

/// Folds a name for comparison: lower case, accents removed, one word per part.
fn words(s: &str) -> Vec<String> {
    crate::classify::folded_words(s)
}

/// Why the header's patient is not the packet's patient, or None when they agree (or
/// the header names no one). Names agree when every family name and the first given
/// name of the header are words of `[patient] name` (a given name may be an initial).
pub fn patient_mismatch(
    h: &Header,
    name: &str,
    date_of_birth: Option<NaiveDate>,
) -> Option<String> {
    let mut why = Vec::new();
    if let Some(p) = &h.patient {
        let ours = words(name);
        let (family, given): (Vec<String>, Vec<String>) = match &p.text {
            Some(t) => (words(t), Vec::new()),
            None => (
                p.family.iter().flat_map(|f| words(f)).collect(),
                p.given.first().map(|g| words(g)).unwrap_or_default(),
            ),
        };
        let family_ok = family.iter().all(|f| ours.contains(f));
        let given_ok = given.iter().all(|g| {
            ours.iter().any(|o| {
                o == g
                    || (o.chars().count() == 1 && g.starts_with(o.as_str()))
                    || (g.chars().count() == 1 && o.starts_with(g.as_str()))
            })
        });
        let named = !(family.is_empty() && given.is_empty());
        if named && !(family_ok && given_ok) {
            why.push(format!("names {}", p.given_family()));
        }
    }
    if let (Some(b), Some(ours)) = (&h.birth, date_of_birth) {
        if let Some(d) = b.date.filter(|_| !b.month_only) {
            if d != ours {
                why.push(format!("gives the date of birth {d}"));
            }
        }
    }
    (!why.is_empty()).then(|| why.join(" and "))
}
