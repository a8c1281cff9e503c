//! packet.toml: the records folder's own description (patient, doctors, request,
//! medications, per-document overrides) parsed and validated into [`PacketConfig`].

use crate::base::error::{Error, Result};
use crate::base::kind::Kind;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use std::path::Path;

/// The file name medpacket reads in the records folder.
pub const CONFIG_NAME: &str = "packet.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketConfig {
    pub patient: Patient,
    #[serde(default)]
    pub diagnosis: Diagnosis,
    #[serde(default)]
    pub history: History,
    #[serde(default)]
    pub referring_doctor: Option<Contact>,
    #[serde(default)]
    pub recipient: Option<Contact>,
    #[serde(default)]
    pub primary_doctor: Option<Contact>,
    #[serde(default)]
    pub request: Request,
    #[serde(default)]
    pub medications: Vec<Medication>,
    #[serde(default)]
    pub documents: Vec<DocumentEntry>,
    #[serde(default)]
    pub ocr: Ocr,
    #[serde(default)]
    pub send: Send,
}

/// `[send]`: how the packet travels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    /// The largest file the packet may be ("18MB"): `build --max-size` when not given.
    #[serde(default, deserialize_with = "opt_size")]
    pub max_size: Option<u64>,
}

fn opt_size<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    crate::base::size::parse_size(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `[ocr]`: how scanned pages are read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ocr {
    /// Tesseract language codes, e.g. ["eng", "spa"].
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
}

impl Default for Ocr {
    fn default() -> Self {
        Ocr {
            languages: default_languages(),
        }
    }
}

/// The languages read when packet.toml names none.
pub fn default_languages() -> Vec<String> {
    vec!["eng".to_string()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    pub name: String,
    #[serde(default, deserialize_with = "opt_date")]
    pub date_of_birth: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub mrn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub had_surgery: Option<bool>,
    pub hospitalized: Option<bool>,
}

/// A doctor or facility: the referring doctor, the recipient, the primary doctor.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: Option<String>,
    pub facility: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
}

/// The name `medpacket init` writes until the patient fills in theirs.
pub const PLACEHOLDER_NAME: &str = "(write the patient's full name here)";

impl Patient {
    /// True while the name is still the placeholder `medpacket init` wrote.
    pub fn is_placeholder(&self) -> bool {
        self.name.trim() == PLACEHOLDER_NAME
    }
}

impl Contact {
    /// Name and facility on one line, e.g. "Dr. Ada Park, Riverside Oncology".
    pub fn headline(&self) -> Option<String> {
        let parts: Vec<&str> = [self.name.as_deref(), self.facility.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Address, phone, fax and e-mail, each labelled in English, for a contact block.
    pub fn details(&self) -> Vec<String> {
        self.details_in(crate::base::i18n::Lang::En.messages())
    }

    /// Address, phone, fax and e-mail, each labelled in the language of `m`.
    pub fn details_in(&self, m: &crate::base::i18n::Messages) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(a) = nonempty(&self.address) {
            out.push(a.to_string());
        }
        for (label, v) in [
            (m.t("contact.phone"), &self.phone),
            (m.t("contact.fax"), &self.fax),
            (m.t("contact.email"), &self.email),
        ] {
            if let Some(v) = nonempty(v) {
                out.push(format!("{label}: {v}"));
            }
        }
        out
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub profile: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default = "yes")]
    pub default_questions: bool,
    /// Kinds this folder requires beyond its profile's.
    #[serde(default, deserialize_with = "kinds")]
    pub required: Vec<Kind>,
    /// The language of the packet, letter and to-do list (`--lang` overrides it).
    #[serde(default, deserialize_with = "opt_lang")]
    pub language: Option<crate::base::i18n::Lang>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            profile: None,
            reason: None,
            questions: Vec::new(),
            default_questions: true,
            required: Vec::new(),
            language: None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub name: String,
    pub dose: Option<String>,
    pub frequency: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub start: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub stop: Option<String>,
    pub notes: Option<String>,
    /// How it is taken ("Oral", "Subcutaneous"…).
    pub route: Option<String>,
    /// "active", "completed"… as a clinical document records it.
    pub status: Option<String>,
    /// The clinical document it was read from (`init` writes it for the patient to check).
    pub source: Option<String>,
}

/// A `[[documents]]` entry: overrides for one file, matched by its relative path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentEntry {
    pub path: String,
    #[serde(default, deserialize_with = "opt_kind")]
    pub kind: Option<Kind>,
    #[serde(default, deserialize_with = "opt_date")]
    pub date: Option<NaiveDate>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub exclude: bool,
}

impl PacketConfig {
    /// Parse packet.toml text. Errors name the line and the key.
    pub fn parse(text: &str, path: &Path) -> Result<PacketConfig> {
        let cfg: PacketConfig = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        cfg.validate(text, path)?;
        Ok(cfg)
    }

    /// Read `DIR/packet.toml`; `Ok(None)` when the folder has none.
    pub fn load(dir: &Path) -> Result<Option<PacketConfig>> {
        let path = dir.join(CONFIG_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| Error::Config {
                    path: path.clone(),
                    message: "is not UTF-8 text — save it as UTF-8 in your text editor".into(),
                })?;
                PacketConfig::parse(&text, &path).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn validate(&self, text: &str, path: &Path) -> Result<()> {
        let bad = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        if !self.patient.name.chars().any(char::is_alphanumeric) {
            let at = line_of_key(text, "patient", "name")
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            return Err(bad(format!(
                "{at}[patient] name is empty — write the patient's full name, e.g. name = \"Ana Ruiz\""
            )));
        }
        if let Some(p) = &self.request.profile {
            let known = crate::base::profiles::profile_names();
            if !known.iter().any(|k| k == p) {
                let at = line_of_key(text, "request", "profile")
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "{at}[request] profile \"{p}\" is unknown — use one of: {}",
                    known.join(", ")
                )));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &self.documents {
            let p = normalize_rel(&d.path);
            if p.is_empty() {
                return Err(bad("a [[documents]] entry has an empty path — give the file's path relative to the folder".into()));
            }
            if !seen.insert(p.clone()) {
                return Err(bad(format!(
                    "two [[documents]] entries name \"{}\" — merge them into one",
                    d.path
                )));
            }
        }
        let langs_at = || {
            line_of_key(text, "ocr", "languages")
                .map(|l| format!("line {l}: "))
                .unwrap_or_default()
        };
        if self.ocr.languages.is_empty() {
            return Err(bad(format!(
                "{}[ocr] languages is empty — name at least one, e.g. languages = [\"eng\"]",
                langs_at()
            )));
        }
        for l in &self.ocr.languages {
            let ok = !l.is_empty()
                && l.len() <= 32
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(bad(format!(
                    "{}[ocr] languages: \"{l}\" is not a Tesseract language code — use codes such as \"eng\", \"spa\" or \"chi_sim\"",
                    langs_at()
                )));
            }
        }
        for m in &self.medications {
            if m.name.trim().is_empty() {
                return Err(bad("a [[medications]] entry has an empty name".into()));
            }
        }
        Ok(())
    }

    /// The `[[documents]]` entry for a file, by its relative path.
    pub fn document(&self, rel: &str) -> Option<&DocumentEntry> {
        let rel = normalize_rel(rel);
        self.documents
            .iter()
            .find(|d| normalize_rel(&d.path) == rel)
    }

    /// `[[documents]]` entries that name no file in the folder: likely typos.
    pub fn unmatched_documents<'a>(&'a self, rels: &[&str]) -> Vec<&'a DocumentEntry> {
        let known: std::collections::BTreeSet<String> =
            rels.iter().map(|r| normalize_rel(r)).collect();
        self.documents
            .iter()
            .filter(|d| !known.contains(&normalize_rel(&d.path)))
            .collect()
    }
}

/// A relative path as written by a user: forward slashes, no leading `./`.
pub fn normalize_rel(p: &str) -> String {
    let p = p.trim().replace('\\', "/");
    let mut s = p.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.trim_start_matches('/').to_string()
}

/// The 1-based line of `key = …` inside table `[table]`, if the text has one.
fn line_of_key(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = name.trim_matches(['[', ' ']).to_string();
            continue;
        }
        if current == table && t.split('=').next().map(str::trim) == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

/// Turns toml's error into one message that names the line and what to do.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let mut msg = e.message().trim().to_string();
    if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
        .map(str::to_string)
    {
        msg = if field == "patient" {
            "the [patient] table is missing — add the lines [patient] and name = \"the patient's full name\"".to_string()
        } else {
            format!("{msg} — add {field} = \"…\" to this table")
        };
    }
    match e.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let line = text.get(..start).unwrap_or("").matches('\n').count() + 1;
            let src = text.lines().nth(line - 1).unwrap_or("").trim();
            if src.is_empty() {
                format!("line {line}: {msg}")
            } else {
                format!("line {line}: {msg} (in `{src}`)")
            }
        }
        None => msg,
    }
}

/// A date field: a TOML date (`1968-04-12`) or a string in a form people write.
fn opt_date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<NaiveDate>, D::Error> {
    let v = toml::Value::deserialize(d)?;
    let s = match &v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a date like 2025-03-14, found {}",
                other.type_str()
            )))
        }
    };
    if s.trim().is_empty() {
        return Ok(None);
    }
    crate::base::dates::parse_date(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "\"{s}\" is not a date — write it as YYYY-MM-DD, e.g. 2025-03-14"
        ))
    })
}

/// Free text that users may also write as a TOML date (medication start/stop).
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let v = toml::Value::deserialize(d)?;
    match v {
        toml::Value::String(s) => Ok(Some(s)),
        toml::Value::Datetime(dt) => Ok(Some(dt.to_string())),
        other => Err(serde::de::Error::custom(format!(
            "expected text or a date, found {}",
            other.type_str()
        ))),
    }
}

fn opt_lang<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<crate::base::i18n::Lang>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(serde::de::Error::custom)
}

fn kinds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Kind>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|s| s.parse::<Kind>().map_err(serde::de::Error::custom))
        .collect()
}

fn opt_kind<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Kind>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse::<Kind>()
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<PacketConfig> {
        PacketConfig::parse(t, Path::new("packet.toml"))
    }

    #[test]
    fn minimal_config_needs_only_patient_name() {
        let c = parse("[patient]\nname = \"Ana Ruiz\"\n").expect("parses");
        assert_eq!(c.patient.name, "Ana Ruiz");
        assert!(c.request.default_questions);
        assert!(c.documents.is_empty());
    }

    #[test]
    fn malformed_values_name_the_line() {
        let cases = [
            ("[patient]\nname = \"A\"\ncolour = \"red\"\n", "line 3"),
            (
                "[patient]\nname = \"A\"\ndate_of_birth = \"yesterday\"\n",
                "line 3",
            ),
            (
                "[patient]\nname = \"A\"\n\n[[documents]]\npath = \"a.pdf\"\nkind = \"xray\"\n",
                "line 6",
            ),
            (
                "[patient]\nname = \"A\"\n[history]\nhad_surgery = \"yes\"\n",
                "line 4",
            ),
            ("[patient\nname = \"A\"\n", "line 1"),
            (
                "[patient]\nname = \"A\"\n[request]\nlanguage = \"fr\"\n",
                "line 4",
            ),
        ];
        for (text, want) in cases {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.starts_with("packet.toml: "), "{err}");
        }
    }

    #[test]
    fn ocr_languages_default_to_english_and_are_checked() {
        let c = parse("[patient]\nname = \"A\"\n").expect("parses");
        assert_eq!(c.ocr.languages, vec!["eng".to_string()]);
        let c = parse("[patient]\nname = \"A\"\n[ocr]\nlanguages = [\"eng\", \"spa\"]\n")
            .expect("parses");
        assert_eq!(c.ocr.languages, vec!["eng".to_string(), "spa".to_string()]);
        for (text, want) in [
            (
                "[patient]\nname = \"A\"\n[ocr]\nlanguage = [\"eng\"]\n",
                "line 4",
            ),
            (
                "[patient]\nname = \"A\"\n[ocr]\nlanguages = [\"-l eng\"]\n",
                "line 4",
            ),
            ("[patient]\nname = \"A\"\n[ocr]\nlanguages = []\n", "line 4"),
        ] {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn dates_accept_toml_dates_and_strings() {
        let c = parse(
            "[patient]\nname = \"A\"\ndate_of_birth = 1968-04-12\n[[documents]]\npath = \"./x/a.pdf\"\ndate = \"2025-03-14\"\nkind = \"lab-results\"\n",
        )
        .expect("parses");
        assert_eq!(
            c.patient.date_of_birth,
            NaiveDate::from_ymd_opt(1968, 4, 12)
        );
        let d = c.document("x/a.pdf").expect("matched by normalized path");
        assert_eq!(d.kind, Some(Kind::LabResults));
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2025, 3, 14));
    }

    #[test]
    fn empty_name_and_duplicate_entries_are_refused() {
        for name in ["  ", "\u{200B}", "..."] {
            let err = parse(&format!("# c\n[patient]\nname = \"{name}\"\n"))
                .expect_err(name)
                .to_string();
            assert!(
                err.contains("line 3") && err.contains("name is empty"),
                "{err}"
            );
        }
        let err = parse("").expect_err("empty").to_string();
        assert!(err.contains("[patient] table is missing"), "{err}");
        let err = parse("[patient]\nphone = \"1\"\n")
            .expect_err("no name")
            .to_string();
        assert!(err.contains("add name = "), "{err}");
        assert!(parse("[patient]\nname = \"  \"\n").is_err());
        let dup = "[patient]\nname = \"A\"\n[[documents]]\npath = \"a.pdf\"\n[[documents]]\npath = \"./a.pdf\"\n";
        assert!(parse(dup)
            .expect_err("dup")
            .to_string()
            .contains("two [[documents]]"));
    }
}
