//! Clinical documents typed: an HL7 document's header (its LOINC code and dates) and the
//! packet.toml overrides turn into the document's kind, date and title by the rules of
//! `templates/cda.toml`; and the header's patient, compared with the packet's, into a
//! reason the document may be someone else's.

use crate::base::cdarules::{CdaRules, DateSource};
use crate::base::classified::{Classified, Evidence, Overrides, Source};
use crate::base::clinical::{Header, Ts};
use crate::base::kind::Kind;
use chrono::NaiveDate;

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
pub fn classify_cda(h: &Header, rules: &CdaRules, overrides: &Overrides) -> Classified {
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
        language: super::language::UNKNOWN.to_string(),
        evidence: ev,
    }
}

/// Folds a name for comparison: lower case, accents removed, one word per part.
fn words(s: &str) -> Vec<String> {
    super::folding::folded_words(s)
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
