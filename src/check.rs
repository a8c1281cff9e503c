//! Check: an inventory, packet.toml and a requirement profile (templates/profiles.toml)
//! turn into a verdict — which required and recommended records are present (and in which
//! files) or missing (with where to get them), which files need their kind confirmed, and
//! which problems remain — and into the patient's to-do list (templates/todo.toml) and the
//! identifiers found in the records that the patient may not want to send.

use crate::base::config::PacketConfig;
use crate::base::error::{Error, Problem, Result, Warning};
use crate::base::i18n::Lang;
use crate::base::kind::Kind;
use crate::base::profiles::{profiles, todo_items, Condition, Fact, RequirementDef};
use crate::classify::Source;
use crate::read::scan::Inventory;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub mod requests;

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
    /// The language of the to-do list (`[request] language`).
    pub language: Lang,
    pub requirements: Vec<Requirement>,
    pub not_required: Vec<NotApplicable>,
    /// Included files whose kind nothing could tell: confirm it in packet.toml.
    pub unclassified: Vec<String>,
    pub problems: Vec<Problem>,
    /// Things to know: packet.toml entries that match no file, and identifiers (Social
    /// Security numbers, member IDs) in the records, by file and page, masked.
    pub warnings: Vec<Warning>,
    /// What the patient should do besides gathering records.
    pub todo: Vec<TodoItem>,
    /// The records requests of packet.toml's `[[requests]]` and where each stands.
    pub requests: Vec<requests::RequestStatus>,
}

impl CheckReport {
    /// What the folder still wants from records holders: the missing required and
    /// recommended kinds, and the slides and imaging when the to-do list asks for them.
    pub fn wanted(&self) -> Vec<crate::base::config::Held> {
        let missing: Vec<Kind> = self
            .requirements
            .iter()
            .filter(|r| !r.present)
            .map(|r| r.kind)
            .collect();
        let todo: Vec<&str> = self.todo.iter().map(|t| t.id.as_str()).collect();
        requests::wanted(&missing, &todo)
    }
}

/// One thing the patient should do before the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodoItem {
    /// Stable name, from templates/todo.toml.
    pub id: String,
    pub text: String,
}

/// What the to-do list's conditions are judged on.
#[derive(Debug, Clone, Default)]
pub struct Situation<'a> {
    pub config: Option<&'a PacketConfig>,
    /// The profile in use ("general" when packet.toml names none).
    pub profile: &'a str,
    /// The kinds of record the folder holds.
    pub present: BTreeSet<Kind>,
}

impl Situation<'_> {
    fn holds(&self, fact: &Fact) -> bool {
        let history = self.config.map(|c| &c.history);
        match fact {
            Fact::Profile(p) => p == self.profile,
            Fact::Has(k) => self.present.contains(k),
            Fact::Missing(k) => !self.present.contains(k),
            Fact::HadSurgery => history.is_some_and(|h| h.had_surgery == Some(true)),
            Fact::Hospitalized => history.is_some_and(|h| h.hospitalized == Some(true)),
            Fact::PrimaryDoctor => self
                .config
                .and_then(|c| c.primary_doctor.as_ref())
                .and_then(|d| d.headline())
                .is_some(),
            Fact::Recipient => self
                .config
                .and_then(|c| c.recipient.as_ref())
                .and_then(|d| d.headline())
                .is_some(),
            Fact::Not(inner) => !self.holds(inner),
        }
    }
}

/// The patient's to-do list for this situation, in `lang`: the items of
/// templates/todo.toml whose conditions hold, with the doctors' names filled in.
/// The web page shows the same list.
pub fn todo(situation: &Situation<'_>, lang: Lang) -> Result<Vec<TodoItem>> {
    let t = lang.messages();
    let cfg = situation.config;
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    // The recipient by name (else facility); the primary doctor by name and facility.
    let recipient = cfg
        .and_then(|c| c.recipient.as_ref())
        .and_then(|r| nonempty(&r.name).or_else(|| nonempty(&r.facility)))
        .unwrap_or_else(|| t.t("todo.recipient_unknown").to_string());
    let recipient_fax = cfg
        .and_then(|c| c.recipient.as_ref())
        .and_then(|r| r.fax.as_deref())
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|fax| t.f("todo.by_fax", &[("fax", fax)]))
        .unwrap_or_default();
    let primary_doctor = cfg.and_then(|c| c.primary_doctor.as_ref());
    let primary_name =
        primary_doctor.and_then(|p| match (nonempty(&p.name), nonempty(&p.facility)) {
            (Some(n), Some(f)) => Some(format!("{n} ({f})")),
            (n, f) => n.or(f),
        });
    let primary = match primary_name {
        Some(name) => t.f("todo.primary_named", &[("name", &name)]),
        None => t.t("todo.primary_unnamed").to_string(),
    };
    let mut out = Vec::new();
    for item in todo_items()? {
        let applies = item.when.iter().all(|f| situation.holds(f))
            && (item.when_any.is_empty() || item.when_any.iter().any(|f| situation.holds(f)));
        if !applies {
            continue;
        }
        let text = item.text.get(lang.code()).ok_or_else(|| {
            Error::Internal(format!(
                "templates/todo.toml: item \"{}\" has no text.{}",
                item.id,
                lang.code()
            ))
        })?;
        out.push(TodoItem {
            id: item.id.clone(),
            text: crate::base::i18n::fill(
                text,
                &[
                    ("recipient", &recipient),
                    ("recipient_fax", &recipient_fax),
                    ("primary_doctor", &primary),
                ],
            ),
        });
    }
    Ok(out)
}

/// A DICOM file of an imaging disc (an encapsulated report is a document like any).
fn is_image_file(f: &crate::read::scan::SourceFile) -> bool {
    f.format == Some(crate::read::ingest::Format::Dicom)
}

/// With an imaging disc in the folder, the imaging to-do item names its studies and asks
/// for the disc (or a share link) to go too.
fn imaging_cd_todo(todo: &mut [TodoItem], inv: &Inventory, lang: Lang) {
    if inv.imaging.is_empty() {
        return;
    }
    let mut dates: Vec<&str> = inv
        .imaging
        .iter()
        .map(|s| s.date.as_str())
        .filter(|d| !d.is_empty())
        .collect();
    dates.dedup();
    let t = lang.messages();
    let text = t.f(
        "todo.imaging_cd",
        &[
            ("n", &inv.imaging.len().to_string()),
            ("dates", &dates.join(", ")),
        ],
    );
    for item in todo.iter_mut().filter(|i| i.id == "imaging") {
        item.text = format!("{text} {}", item.text);
    }
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
    // A disc's DICOM files are images, not records of a kind: its studies page stands for
    // them (and for the imaging to-do item below).
    for f in inv.included().filter(|f| !is_image_file(f)) {
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
        .filter(|f| unclassified(f) && !is_image_file(f))
        .map(|f| f.rel.clone())
        .collect();
    let mut present: BTreeSet<Kind> = by_kind.keys().copied().collect();
    if !inv.imaging.is_empty() {
        present.insert(Kind::ImagingReport);
    }
    let situation = Situation {
        config,
        profile: &name,
        present,
    };
    let lang = config.and_then(|c| c.request.language).unwrap_or_default();
    let mut todo = todo(&situation, lang)?;
    imaging_cd_todo(&mut todo, inv, lang);
    let mut warnings = inv.all_warnings();
    // Records in another language than the packet's: reviewers may ask for a translation.
    let foreign: Vec<&crate::read::scan::SourceFile> = inv
        .included()
        .filter(|f| crate::classify::language::foreign(&f.classified.language, lang))
        .collect();
    for f in &foreign {
        warnings.push(Warning::new(
            f.rel.clone(),
            None,
            format!(
                "written in {}, not in the packet's language ({}) — reviewers may ask for a translation",
                crate::classify::language::name(&f.classified.language),
                crate::classify::language::name(crate::classify::language::packet_code(lang))
            ),
        ));
    }
    if !foreign.is_empty() {
        let files: Vec<&str> = foreign.iter().map(|f| f.rel.as_str()).collect();
        todo.push(TodoItem {
            id: "translation".into(),
            text: lang
                .messages()
                .f("todo.translation", &[("files", &files.join(", "))]),
        });
    }
    let ready = problems.is_empty()
        && requirements
            .iter()
            .all(|r| r.present || r.level == Level::Recommended);
    Ok(CheckReport {
        ready,
        profile_description: profile.description.clone(),
        language: lang,
        profile: name,
        requirements,
        not_required,
        unclassified,
        problems,
        warnings,
        todo,
        requests: requests::track(config, inv, crate::base::clock::now().date_naive()),
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
    s.push_str(&requests::text(&r.requests));
    if r.ready {
        s.push_str("\nReady to send.\n");
    } else {
        s.push_str(&format!(
            "\nNot ready: {missing} required record(s) missing, {} problem(s).\n",
            r.problems.len()
        ));
    }
    if !r.todo.is_empty() {
        let lang = r.language;
        s.push_str(&format!("\n{}\n", lang.messages().t("todo.heading")));
        for (i, item) in r.todo.iter().enumerate() {
            s.push_str(&format!("  {}. {}\n", i + 1, item.text));
        }
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

    fn ids(config: &str, present: &[Kind], lang: Lang) -> Vec<String> {
        let cfg = PacketConfig::parse(config, std::path::Path::new("packet.toml"))
            .expect("test config parses");
        let profile = cfg
            .request
            .profile
            .clone()
            .unwrap_or_else(|| "general".into());
        let s = Situation {
            config: Some(&cfg),
            profile: &profile,
            present: present.iter().copied().collect(),
        };
        todo(&s, lang)
            .expect("todo.toml parses")
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    #[test]
    fn todo_items_follow_profile_records_and_history() {
        let base = "[patient]\nname = \"Ana Ruiz\"\n";
        let always = [
            "insurance",
            "send-ahead",
            "keep-copies",
            "opinion-to-primary",
        ];
        type Case<'a> = (&'a str, &'a [Kind], &'a [&'a str], &'a [&'a str]);
        let cases: [Case; 7] = [
            // (packet.toml tail, kinds present, expected extra ids, ids that must be absent)
            (
                "",
                &[],
                &[],
                &[
                    "pathology-slides",
                    "imaging",
                    "surgery-slides",
                    "hospital-stays",
                ],
            ),
            (
                "[request]\nprofile = \"oncology\"\n",
                &[],
                &["pathology-slides", "imaging"],
                &["surgery-slides", "hospital-stays"],
            ),
            (
                "[history]\nhad_surgery = true\n[request]\nprofile = \"oncology\"\n",
                &[],
                &["pathology-slides", "surgery-slides", "imaging"],
                &["hospital-stays"],
            ),
            (
                "[history]\nhad_surgery = true\n",
                &[],
                &[],
                &["surgery-slides", "pathology-slides"],
            ),
            (
                "",
                &[Kind::PathologyReport],
                &["pathology-slides"],
                &["imaging"],
            ),
            (
                "",
                &[Kind::ImagingReport],
                &["imaging"],
                &["pathology-slides"],
            ),
            (
                "[history]\nhospitalized = true\n[request]\nprofile = \"neurology\"\n",
                &[],
                &["imaging", "hospital-stays"],
                &["pathology-slides"],
            ),
        ];
        for (tail, present, want, absent) in cases {
            let got = ids(&format!("{base}{tail}"), present, Lang::En);
            for id in always.iter().chain(want) {
                assert!(
                    got.iter().any(|g| g == id),
                    "{tail:?} {present:?}: no {id} in {got:?}"
                );
            }
            for id in absent {
                assert!(
                    !got.iter().any(|g| g == id),
                    "{tail:?} {present:?}: {id} in {got:?}"
                );
            }
            // The same items in every language.
            assert_eq!(ids(&format!("{base}{tail}"), present, Lang::Es), got);
        }
    }

    #[test]
    fn todo_names_the_doctors_when_packet_toml_does() {
        let text = "[patient]\nname = \"Ana Ruiz\"\n[recipient]\nname = \"Dr. Omar Haddad\"\nfax = \"555-0142\"\n[primary_doctor]\nname = \"Dr. Lena Ortiz\"\n";
        let cfg = PacketConfig::parse(text, std::path::Path::new("packet.toml")).expect("parses");
        let s = Situation {
            config: Some(&cfg),
            profile: "general",
            present: BTreeSet::new(),
        };
        let items = todo(&s, Lang::En).expect("todo");
        let find = |id: &str| {
            items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.text.clone())
                .unwrap_or_default()
        };
        assert!(find("opinion-to-primary").contains("your primary doctor, Dr. Lena Ortiz"));
        assert!(find("send-ahead").contains("Dr. Omar Haddad (their fax: 555-0142)"));
        let none = Situation {
            config: None,
            profile: "general",
            present: BTreeSet::new(),
        };
        let items = todo(&none, Lang::Es).expect("todo");
        let primary = items
            .iter()
            .find(|i| i.id == "opinion-to-primary")
            .expect("item");
        assert!(
            primary
                .text
                .contains("a su médico de cabecera, que coordina")
                && !primary.text.contains("Dr."),
            "{}",
            primary.text
        );
        assert!(items.iter().all(|i| !i.text.contains('{')), "{items:?}");
    }

    #[test]
    fn bad_todo_conditions_are_named() {
        let bad = "[[item]]\nid = \"x\"\nwhen = \"astrology\"\ntext.en = \"a\"\ntext.es = \"b\"\n";
        let e = crate::base::profiles::parse_todo(bad)
            .expect_err("unknown condition")
            .to_string();
        assert!(e.contains("astrology") && e.contains("has:<kind>"), "{e}");
        let no_es = "[[item]]\nid = \"x\"\ntext.en = \"a\"\n";
        let e = crate::base::profiles::parse_todo(no_es)
            .expect_err("no es")
            .to_string();
        assert!(e.contains("text.es"), "{e}");
    }
}
