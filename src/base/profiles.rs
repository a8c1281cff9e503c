//! Profiles: `templates/profiles.toml` turns into the requirement profiles — which kinds
//! of record a second opinion of each kind needs or recommends, under which conditions —
//! and the hints that say where to get each kind. `config` validates profile names with
//! it and `check` judges a folder against it.

use crate::base::error::{Error, Result};
use crate::base::kind::Kind;
use serde::Deserialize;
use std::collections::BTreeMap;

const PROFILES_TOML: &str = include_str!("../../templates/profiles.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilesFile {
    pub hints: BTreeMap<String, String>,
    pub profiles: BTreeMap<String, ProfileDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDef {
    pub description: String,
    pub required: Vec<RequirementDef>,
    #[serde(default)]
    pub recommended: Vec<RequirementDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDef {
    pub kind: Kind,
    #[serde(default)]
    pub when: Option<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    HadSurgery,
    Hospitalized,
}

pub fn profiles() -> Result<ProfilesFile> {
    toml::from_str(PROFILES_TOML)
        .map_err(|e| Error::Internal(format!("templates/profiles.toml: {}", e.message())))
}

/// The names of the requirement profiles.
pub fn profile_names() -> Vec<String> {
    profiles()
        .map(|p| p.profiles.into_keys().collect())
        .unwrap_or_default()
}

const TODO_TOML: &str = include_str!("../../templates/todo.toml");

/// One condition of a to-do item (see templates/todo.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// `[request] profile` is this one.
    Profile(String),
    /// The folder holds a record of this kind.
    Has(Kind),
    /// The folder holds no record of this kind.
    Missing(Kind),
    HadSurgery,
    Hospitalized,
    /// packet.toml names a primary doctor.
    PrimaryDoctor,
    /// packet.toml names the second-opinion doctor.
    Recipient,
    /// The opposite of the inner condition.
    Not(Box<Fact>),
}

impl Fact {
    /// Reads one condition as written in templates/todo.toml.
    pub fn parse(s: &str, profiles: &[String]) -> std::result::Result<Fact, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("not:") {
            return Ok(Fact::Not(Box::new(Fact::parse(rest, profiles)?)));
        }
        if let Some(k) = s.strip_prefix("has:") {
            return k.parse().map(Fact::Has).map_err(|e| e.to_string());
        }
        if let Some(k) = s.strip_prefix("missing:") {
            return k.parse().map(Fact::Missing).map_err(|e| e.to_string());
        }
        match s {
            "had_surgery" => Ok(Fact::HadSurgery),
            "hospitalized" => Ok(Fact::Hospitalized),
            "primary_doctor" => Ok(Fact::PrimaryDoctor),
            "recipient" => Ok(Fact::Recipient),
            p if profiles.iter().any(|n| n == p) => Ok(Fact::Profile(p.to_string())),
            other => Err(format!(
                "unknown condition \"{other}\" — use a profile name ({}), has:<kind>, missing:<kind>, had_surgery, hospitalized, primary_doctor or recipient",
                profiles.join(", ")
            )),
        }
    }
}

/// One or several conditions as written (`when = "x"` or `when = ["x", "y"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TodoRaw {
    id: String,
    #[serde(default)]
    when: Option<OneOrMany>,
    #[serde(default)]
    when_any: Option<OneOrMany>,
    text: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TodoFile {
    item: Vec<TodoRaw>,
}

/// One item of the to-do list, with its conditions read.
#[derive(Debug, Clone)]
pub struct TodoDef {
    pub id: String,
    /// Every one must hold.
    pub when: Vec<Fact>,
    /// At least one must hold (when not empty).
    pub when_any: Vec<Fact>,
    /// The text by language code.
    pub text: BTreeMap<String, String>,
}

/// The to-do items of templates/todo.toml, in order.
pub fn todo_items() -> Result<Vec<TodoDef>> {
    parse_todo(TODO_TOML)
}

/// Reads a to-do file; errors name the item and what is wrong.
pub fn parse_todo(text: &str) -> Result<Vec<TodoDef>> {
    let bad = |m: String| Error::Internal(format!("templates/todo.toml: {m}"));
    let file: TodoFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
    let names = profile_names();
    let mut out: Vec<TodoDef> = Vec::new();
    for raw in file.item {
        if out.iter().any(|d| d.id == raw.id) {
            return Err(bad(format!("two items have the id \"{}\"", raw.id)));
        }
        for lang in crate::base::i18n::Lang::ALL {
            if !raw.text.contains_key(lang.code()) {
                return Err(bad(format!(
                    "item \"{}\" has no text.{}",
                    raw.id,
                    lang.code()
                )));
            }
        }
        let read = |v: Option<OneOrMany>| -> Result<Vec<Fact>> {
            v.map(OneOrMany::into_vec)
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    Fact::parse(s, &names).map_err(|e| bad(format!("item \"{}\": {e}", raw.id)))
                })
                .collect()
        };
        out.push(TodoDef {
            when: read(raw.when.clone())?,
            when_any: read(raw.when_any.clone())?,
            id: raw.id,
            text: raw.text,
        });
    }
    Ok(out)
}
