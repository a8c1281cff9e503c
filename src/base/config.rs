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
    /// `[[holders]]`: who holds which records (for `medpacket request`).
    #[serde(default)]
    pub holders: Vec<Holder>,
    /// `[[requests]]`: the records requests written so far, and where they stand.
    #[serde(default)]
    pub requests: Vec<TrackedRequest>,
    /// The line of each `[[holders]]` header, in order (for messages).
    #[serde(skip)]
    pub holder_lines: Vec<usize>,
    /// The line of each `[[requests]]` header, in order (for messages).
    #[serde(skip)]
    pub request_lines: Vec<usize>,
}

/// What a records holder can be asked for: a kind of document, the pathology slides or
/// blocks, or the imaging studies themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Held {
    Record(Kind),
    /// Glass slides or tissue blocks of the pathology specimens.
    Slides,
    /// The images of the studies (DICOM), not only their reports.
    Imaging,
}

impl Held {
    /// The name used in packet.toml and JSON (`pathology-report`, `slides`, `imaging`).
    pub fn as_str(self) -> &'static str {
        match self {
            Held::Record(k) => k.as_str(),
            Held::Slides => "slides",
            Held::Imaging => "imaging",
        }
    }
}

impl std::str::FromStr for Held {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "slides" => Ok(Held::Slides),
            "imaging" => Ok(Held::Imaging),
            other => other.parse::<Kind>().map(Held::Record).map_err(|_| {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "\"{other}\" is not a kind of record — use {}, \"slides\" or \"imaging\"",
                    kinds.join(", ")
                )
            }),
        }
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Held {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The department a records request goes to when `[[holders]]` names none.
pub const DEFAULT_DEPARTMENT: &str = "Health Information Management";

fn default_department() -> String {
    DEFAULT_DEPARTMENT.to_string()
}

/// A `[[holders]]` entry: a hospital, lab or imaging centre holding some of the records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holder {
    pub name: String,
    #[serde(default = "default_department")]
    pub department: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    /// The patient's medical record number there.
    pub mrn: Option<String>,
    /// What it holds: document kinds, `slides`, `imaging`.
    #[serde(default, deserialize_with = "held")]
    pub kinds: Vec<Held>,
}

impl Holder {
    /// True when a letter can reach it: it has an address, a fax number or an e-mail.
    pub fn can_receive(&self) -> bool {
        [&self.address, &self.fax, &self.email]
            .into_iter()
            .any(|v| nonempty(v).is_some())
    }

    /// The holder as a contact (name and department), for a fax cover.
    pub fn contact(&self) -> Contact {
        Contact {
            name: Some(self.name.clone()),
            facility: nonempty(&Some(self.department.clone())).map(str::to_string),
            address: self.address.clone(),
            phone: self.phone.clone(),
            fax: self.fax.clone(),
            email: self.email.clone(),
        }
    }
}

/// How many days a holder has to answer a request for access (45 CFR 164.524(b)(2)).
pub const ANSWER_DAYS: i64 = 30;

/// A `[[requests]]` entry: one letter written to a holder, and where it stands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackedRequest {
    pub holder: String,
    #[serde(default, deserialize_with = "held")]
    pub kinds: Vec<Held>,
    #[serde(deserialize_with = "date")]
    pub written: NaiveDate,
    #[serde(default, deserialize_with = "opt_date")]
    pub sent: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_date")]
    pub due: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_date")]
    pub received: Option<NaiveDate>,
}

impl TrackedRequest {
    /// When the answer is due: `due` as written, else 30 days after it was sent.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due
            .or_else(|| self.sent.map(|s| s + chrono::Duration::days(ANSWER_DAYS)))
    }
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
        let mut cfg = cfg;
        cfg.holder_lines = entry_lines(text, "holders");
        cfg.request_lines = entry_lines(text, "requests");
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
        if let Some(born) = self.patient.date_of_birth {
            if born > crate::base::clock::now().date_naive() {
                let at = line_of_key(text, "patient", "date_of_birth")
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "{at}[patient] date_of_birth {born} is in the future — write the patient's date of birth as YYYY-MM-DD"
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
        let at = |lines: &[usize], i: usize| {
            lines
                .get(i)
                .map(|l| format!("line {l}: "))
                .unwrap_or_default()
        };
        let mut names = std::collections::BTreeSet::new();
        for (i, h) in self.holders.iter().enumerate() {
            if !h.name.chars().any(char::is_alphanumeric) {
                return Err(bad(format!(
                    "{}a [[holders]] entry has an empty name — write the hospital's, lab's or imaging centre's name, e.g. name = \"Riverside Hospital\"",
                    at(&self.holder_lines, i)
                )));
            }
            if !names.insert(h.name.trim().to_lowercase()) {
                return Err(bad(format!(
                    "{}two [[holders]] entries are named \"{}\" — merge them into one, or tell them apart by name",
                    at(&self.holder_lines, i),
                    h.name.trim()
                )));
            }
        }
        for (i, r) in self.requests.iter().enumerate() {
            if r.holder.trim().is_empty() {
                return Err(bad(format!(
                    "{}a [[requests]] entry has an empty holder — write the name of the [[holders]] entry it was sent to",
                    at(&self.request_lines, i)
                )));
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

/// The 1-based line of each `[[table]]` header, in order.
fn entry_lines(text: &str, table: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.trim()
                .strip_prefix("[[")
                .and_then(|r| r.split("]]").next())
                .is_some_and(|n| n.trim() == table)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

impl PacketConfig {
    /// The `[[holders]]` entry of this name (case and spaces aside).
    pub fn holder(&self, name: &str) -> Option<&Holder> {
        let want = name.trim().to_lowercase();
        self.holders
            .iter()
            .find(|h| h.name.trim().to_lowercase() == want)
    }

    /// "line N: " for the `i`-th `[[holders]]` entry, when its line is known.
    pub fn holder_at(&self, i: usize) -> String {
        self.holder_lines
            .get(i)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default()
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
    use crate::base::dates::{parse_entered_date, Unclear};
    match parse_entered_date(&s) {
        Ok(date) => Ok(Some(date)),
        Err(Unclear::Ambiguous(month_first, day_first)) => Err(serde::de::Error::custom(format!(
            "\"{s}\" reads as two dates, {month_first} (month first) or {day_first} (day first) — write the one meant as YYYY-MM-DD"
        ))),
        Err(Unclear::NotADate) => Err(serde::de::Error::custom(format!(
            "\"{s}\" is not a date — write it as YYYY-MM-DD, e.g. 2025-03-14"
        ))),
    }
}

/// Free text that users may also write as a TOML date (medication start/stop).
/// A required date field.
fn date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    opt_date(d)?
        .ok_or_else(|| serde::de::Error::custom("the date is empty — write it as YYYY-MM-DD"))
}

/// What a holder holds or a request asks for: kinds, `slides`, `imaging`.
fn held<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Held>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    let mut out: Vec<Held> = Vec::new();
    for n in &names {
        let h = n.parse::<Held>().map_err(serde::de::Error::custom)?;
        if !out.contains(&h) {
            out.push(h);
        }
    }
    Ok(out)
}

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
    fn holders_and_requests_parse_and_bad_ones_name_the_line() {
        let c = parse(
            "[patient]\nname = \"A\"\n[[holders]]\nname = \"Riverside Hospital\"\nfax = \"555-0199\"\nkinds = [\"pathology-report\", \"slides\", \"slides\"]\n[[holders]]\nname = \"Valley Imaging\"\ndepartment = \"Film Library\"\n[[requests]]\nholder = \"Riverside Hospital\"\nkinds = [\"pathology-report\"]\nwritten = 2026-03-02\nsent = \"2026-03-04\"\n",
        )
        .expect("parses");
        assert_eq!(c.holders[0].department, DEFAULT_DEPARTMENT);
        assert_eq!(
            c.holders[0].kinds,
            [Held::Record(Kind::PathologyReport), Held::Slides]
        );
        assert!(c.holders[0].can_receive() && !c.holders[1].can_receive());
        assert_eq!(c.holders[1].department, "Film Library");
        assert_eq!(c.holder_lines, [3, 7]);
        assert_eq!(
            c.requests[0].due_date(),
            NaiveDate::from_ymd_opt(2026, 4, 3)
        );
        assert!(c.holder("riverside hospital ").is_some());
        for (text, want) in [
            (
                "[patient]\nname = \"A\"\n\n[[holders]]\nname = \"Lab\"\nkinds = [\"xrays\"]\n",
                "line 6",
            ),
            (
                "[patient]\nname = \"A\"\n[[holders]]\nname = \"Lab\"\n[[holders]]\nname = \" \"\n",
                "line 5",
            ),
            (
                "[patient]\nname = \"A\"\n[[holders]]\nname = \"Lab\"\n[[holders]]\nname = \"lab\"\n",
                "line 5",
            ),
            (
                "[patient]\nname = \"A\"\n[[requests]]\nholder = \"Lab\"\nwritten = \"soon\"\n",
                "line 5",
            ),
            (
                "[patient]\nname = \"A\"\n[[holders]]\nname = \"Lab\"\nfacsimile = \"1\"\n",
                "line 5",
            ),
        ] {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        let err =
            parse("[patient]\nname = \"A\"\n[[holders]]\nname = \"Lab\"\nkinds = [\"xrays\"]\n")
                .expect_err("unknown kind")
                .to_string();
        assert!(
            err.contains("\"xrays\" is not a kind of record") && err.contains("\"slides\""),
            "{err}"
        );
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
    fn a_date_in_figures_that_reads_two_ways_and_a_birth_in_the_future_are_refused() {
        let dob = |v: &str| parse(&format!("[patient]\nname = \"A\"\ndate_of_birth = {v}\n"));
        // 12 April or 4 December: never guessed (it would be stamped on every page).
        for v in [
            "\"12/04/1968\"",
            "\"12-04-1968\"",
            "\"12.04.1968\"",
            "\"4/12/1968\"",
        ] {
            let err = dob(v).expect_err(v).to_string();
            let (a, b) = if v.starts_with("\"4") {
                ("1968-04-12", "1968-12-04")
            } else {
                ("1968-12-04", "1968-04-12")
            };
            assert!(
                err.contains("line 3")
                    && err.contains(&format!("{a} (month first) or {b} (day first)"))
                    && err.contains("YYYY-MM-DD"),
                "{v}: {err}"
            );
        }
        // One reading only: taken as before.
        for (v, want) in [
            ("\"04/04/1968\"", (1968, 4, 4)),
            ("\"12/31/1968\"", (1968, 12, 31)),
            ("\"December 4, 1968\"", (1968, 12, 4)),
            ("1968-12-04", (1968, 12, 4)),
        ] {
            let c = dob(v).expect(v);
            let (y, m, d) = want;
            assert_eq!(
                c.patient.date_of_birth,
                NaiveDate::from_ymd_opt(y, m, d),
                "{v}"
            );
        }
        let err = dob("\"31/12/1968\"").expect_err("day first").to_string();
        assert!(err.contains("is not a date"), "{err}");
        // A document's date is read the same way.
        let err = parse(
            "[patient]\nname = \"A\"\n[[documents]]\npath = \"a.pdf\"\ndate = \"03/04/2025\"\n",
        )
        .expect_err("two readings")
        .to_string();
        assert!(
            err.contains("line 5") && err.contains("2025-03-04 (month first)"),
            "{err}"
        );
        // Born after the packet is made (the clock reads SOURCE_DATE_EPOCH when set).
        let err = dob("2090-01-01").expect_err("future").to_string();
        assert!(
            err.contains("line 3") && err.contains("date_of_birth 2090-01-01 is in the future"),
            "{err}"
        );
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
