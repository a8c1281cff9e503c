//! The C-CDA rules of `templates/cda.toml` turn into lookup tables: LOINC document code
//! to packet kind, kind to where its clinical date comes from, and the codes of the
//! medications sections.

use crate::base::kind::Kind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../templates/cda.toml");
/// The document codes FHIR exports add to the C-CDA table (shared by both readers).
const LOINC: &str = include_str!("../../templates/loinc.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Extra {
    kinds: BTreeMap<String, Kind>,
}

/// Where a document's clinical date may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    EncounterEnd,
    ServiceEnd,
    ServiceStart,
    EncounterStart,
}

impl DateSource {
    /// The element path, as the evidence names it.
    pub fn path(self) -> &'static str {
        match self {
            DateSource::EncounterEnd => "componentOf/encompassingEncounter/effectiveTime/high",
            DateSource::ServiceEnd => "documentationOf/serviceEvent/effectiveTime/high",
            DateSource::ServiceStart => "documentationOf/serviceEvent/effectiveTime/low",
            DateSource::EncounterStart => "componentOf/encompassingEncounter/effectiveTime/low",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    kinds: BTreeMap<String, Kind>,
    #[serde(default)]
    dates: BTreeMap<String, Vec<DateSource>>,
    medications: Medications,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Medications {
    sections: Vec<String>,
}

/// The rules, ready to look up.
#[derive(Debug, Clone, Default)]
pub struct CdaRules {
    pub kinds: BTreeMap<String, Kind>,
    pub dates: BTreeMap<Kind, Vec<DateSource>>,
    pub medication_sections: Vec<String>,
}

impl CdaRules {
    /// Parses a rules file.
    pub fn from_toml(text: &str) -> Result<CdaRules, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut dates = BTreeMap::new();
        for (k, v) in f.dates {
            let kind: Kind = k
                .parse()
                .map_err(|_| format!("[dates]: \"{k}\" is not a document kind"))?;
            dates.insert(kind, v);
        }
        Ok(CdaRules {
            kinds: f.kinds,
            dates,
            medication_sections: f.medications.sections,
        })
    }

    /// The rules shipped with medpacket (checked by a unit test; empty tables if broken).
    pub fn builtin() -> &'static CdaRules {
        static RULES: OnceLock<CdaRules> = OnceLock::new();
        RULES.get_or_init(|| {
            let mut rules = CdaRules::from_toml(BUILTIN).unwrap_or_default();
            if let Ok(extra) = toml::from_str::<Extra>(LOINC) {
                for (code, kind) in extra.kinds {
                    rules.kinds.entry(code).or_insert(kind);
                }
            }
            rules
        })
    }

    /// The packet kind of a LOINC document code (`other` when not listed).
    pub fn kind(&self, loinc: &str) -> Kind {
        self.kinds.get(loinc.trim()).copied().unwrap_or(Kind::Other)
    }

    /// Where the clinical date of a kind comes from, in order of preference.
    pub fn date_sources(&self, kind: Kind) -> &[DateSource] {
        self.dates.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }
}
