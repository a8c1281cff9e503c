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
