//! Check: an inventory, packet.toml and a requirement profile (templates/profiles.toml)
//! turn into a verdict — which required and recommended records are present (and in which
//! files) or missing (with where to get them), which files need their kind confirmed, and
//! which problems remain.

use crate::base::config::PacketConfig;
use crate::base::error::{Error, Problem, Result};
use crate::base::kind::Kind;
use crate::base::profiles::{profiles, Condition, RequirementDef};
use crate::classify::Source;
use crate::read::scan::Inventory;
use serde::Serialize;
use std::collections::BTreeMap;

/// How much a record matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Required,
    Recommended,
}

/// One requirement and whether the folder meets it.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub kind: Kind,
    pub level: Level,
    pub present: bool,
    /// The files (or packet.toml entries) that satisfy it.
    pub files: Vec<String>,
    /// Where to get the record, when it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A requirement of the profile that does not apply to this patient, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotApplicable {
    pub kind: Kind,
    pub because: String,
}

/// The verdict of `medpacket check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ready: bool,
    pub profile: String,
    pub profile_description: String,
    pub requirements: Vec<Requirement>,
    pub not_required: Vec<NotApplicable>,
    /// Included files whose kind nothing could tell: confirm it in packet.toml.
    pub unclassified: Vec<String>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

/// A file is unclassified when no rule, override or file name gave its kind.
fn unclassified(f: &crate::read::scan::SourceFile) -> bool {
    let ev = &f.classified.evidence;
    !ev.iter()
        .any(|e| e.field == "kind" && e.source != Source::Default)
}

/// Checks whether the folder is ready to send. `config` is None when the folder has no
/// packet.toml (then the folder is not ready, and the general profile is used).
pub fn check(inv: &Inventory, config: Option<&PacketConfig>) -> Result<CheckReport> {
    let all = profiles()?;
    let name = config
        .and_then(|c| c.request.profile.clone())
        .unwrap_or_else(|| "general".to_string());
    let profile = all.profiles.get(&name).ok_or_else(|| Error::Config {
        path: inv.root.join(crate::base::config::CONFIG_NAME),
        message: format!(
            "[request] profile \"{name}\" is unknown — use one of: {}",
            all.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    })?;
    let history = config.map(|c| c.history.clone()).unwrap_or_default();
    let mut problems: Vec<Problem> = inv.problems().into_iter().cloned().collect();
    match config {
        None => problems.insert(
            0,
            Problem::new(
                crate::base::config::CONFIG_NAME,
                "missing",
                "run `medpacket init DIR` to start one, then fill in [patient] and [history]",
            ),
        ),
        Some(c) if c.patient.is_placeholder() => problems.insert(
            0,
            Problem::new(
                crate::base::config::CONFIG_NAME,
                "[patient] name is still the placeholder",
                "write the patient's full name in packet.toml",
            ),
        ),
        Some(_) => {}
    }

    // Which files (and packet.toml entries) hold each kind.
    let mut by_kind: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for f in inv.included() {
        by_kind
            .entry(f.classified.kind)
            .or_default()
            .push(f.rel.clone());
    }
    if config.is_some_and(|c| !c.medications.is_empty()) {
        by_kind
            .entry(Kind::MedicationList)
            .or_default()
            .push("packet.toml [[medications]]".to_string());
    }

    let mut requirements = Vec::new();
    let mut not_required = Vec::new();
    let extra: Vec<RequirementDef> = config
        .map(|c| c.request.required.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|kind| RequirementDef { kind, when: None })
        .collect();
    let lists = [
        (
            Level::Required,
            profile
                .required
                .iter()
                .chain(extra.iter())
                .collect::<Vec<_>>(),
        ),
        (Level::Recommended, profile.recommended.iter().collect()),
    ];
    for (level, defs) in lists {
        for def in defs {
            if requirements
                .iter()
                .any(|r: &Requirement| r.kind == def.kind)
            {
                continue;
            }
            let applies = match def.when {
                None => true,
                Some(Condition::HadSurgery) => history.had_surgery == Some(true),
                Some(Condition::Hospitalized) => history.hospitalized == Some(true),
            };
            if !applies {
                let because = match def.when {
                    Some(Condition::HadSurgery) => {
                        "[history] does not say had_surgery = true".to_string()
                    }
                    _ => "[history] does not say hospitalized = true".to_string(),
                };
                not_required.push(NotApplicable {
                    kind: def.kind,
                    because,
                });
                continue;
            }
            let files = by_kind.get(&def.kind).cloned().unwrap_or_default();
            let present = !files.is_empty();
            requirements.push(Requirement {
                kind: def.kind,
                level,
                present,
                files,
                hint: (!present)
                    .then(|| all.hints.get(def.kind.as_str()).cloned())
                    .flatten(),
            });
        }
    }
    let unclassified: Vec<String> = inv
        .included()
        .filter(|f| unclassified(f))
        .map(|f| f.rel.clone())
        .collect();
    let ready = problems.is_empty()
        && requirements
            .iter()
            .all(|r| r.present || r.level == Level::Recommended);
    Ok(CheckReport {
        ready,
        profile_description: profile.description.clone(),
        profile: name,
        requirements,
        not_required,
        unclassified,
        problems,
        warnings: inv.warnings.clone(),
    })
}

/// The report as text for a person.
pub fn report_text(r: &CheckReport) -> String {
    let mut s = format!("Profile: {} ({})\n", r.profile, r.profile_description);
    for level in [Level::Required, Level::Recommended] {
        let reqs: Vec<&Requirement> = r.requirements.iter().filter(|q| q.level == level).collect();
        if reqs.is_empty() {
            continue;
        }
        s.push_str(match level {
            Level::Required => "\nRequired records\n",
            Level::Recommended => "\nRecommended records\n",
        });
        for q in reqs {
            if q.present {
                s.push_str(&format!(
                    "  ok       {:<18} {}\n",
                    q.kind.as_str(),
                    q.files.join(", ")
                ));
            } else {
                s.push_str(&format!(
                    "  MISSING  {:<18} {}\n",
                    q.kind.as_str(),
                    q.hint.clone().unwrap_or_default()
                ));
            }
        }
    }
    for n in &r.not_required {
        s.push_str(&format!(
            "  (not required: {} — {})\n",
            n.kind.label().to_lowercase(),
            n.because
        ));
    }
    if !r.unclassified.is_empty() {
        s.push_str("\nFiles whose kind medpacket could not tell — confirm their kind in packet.toml\n(add a [[documents]] entry with path = \"…\" and kind = \"…\"):\n");
        for f in &r.unclassified {
            s.push_str(&format!("  {f}\n"));
        }
    }
    if !r.problems.is_empty() {
        s.push_str("\nProblems\n");
        for p in &r.problems {
            s.push_str(&format!("  {p}\n"));
        }
    }
    for w in &r.warnings {
        s.push_str(&format!("\nwarning: {w}\n"));
    }
    let missing = r
        .requirements
        .iter()
        .filter(|q| q.level == Level::Required && !q.present)
        .count();
    if r.ready {
        s.push_str("\nReady to send.\n");
    } else {
        s.push_str(&format!(
            "\nNot ready: {missing} required record(s) missing, {} problem(s).\n",
            r.problems.len()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_every_kind_has_a_hint() {
        let p = profiles().expect("templates/profiles.toml parses");
        for name in ["general", "oncology", "neurology"] {
            assert!(p.profiles.contains_key(name), "{name}");
        }
        for k in Kind::ALL {
            assert!(p.hints.contains_key(k.as_str()), "no hint for {k}");
        }
        let onc = &p.profiles["oncology"];
        let req: Vec<Kind> = onc
            .required
            .iter()
            .filter(|r| r.when.is_none())
            .map(|r| r.kind)
            .collect();
        assert_eq!(
            req,
            [
                Kind::PathologyReport,
                Kind::TreatmentPlan,
                Kind::MedicationList
            ]
        );
    }
}
