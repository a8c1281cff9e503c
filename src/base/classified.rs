//! Typed: what classification decides about one document — its kind, clinical date and
//! title with the evidence behind each, and the packet.toml overrides that win over it.
//! The data lives here, below the stages, so that reading can carry a decision it does
//! not make (`classify` makes it).

use crate::base::kind::Kind;
use chrono::NaiveDate;

/// Where a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    PacketToml,
    Text,
    /// Text read from a scanned page by OCR.
    Ocr,
    FileName,
    Default,
    /// The header of an HL7 clinical document (its LOINC code and dates).
    Cda,
}

/// One piece of evidence behind a decision, shown by `scan --json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evidence {
    /// "kind", "date" or "title".
    pub field: &'static str,
    pub source: Source,
    /// The rule that fired, e.g. `title keyword "surgical pathology"`.
    pub rule: String,
    /// The text (line or file name) that matched, trimmed, at most 120 characters.
    pub matched: String,
    /// The score this evidence contributed (1.0 for overrides; negative for evidence
    /// that was set aside).
    pub score: f32,
}

/// What packet.toml says about one document; each field wins over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub kind: Option<Kind>,
    pub date: Option<NaiveDate>,
    pub title: Option<String>,
}

/// The kind, date and title of one document, with the evidence behind them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Classified {
    pub kind: Kind,
    /// `None`: undated.
    pub date: Option<NaiveDate>,
    pub title: String,
    /// Total score of the winning kind (0 when from an override or the default).
    pub kind_score: f32,
    pub evidence: Vec<Evidence>,
    /// The language of the text ("eng", "spa", …; [`UNKNOWN_LANGUAGE`] with too little text).
    pub language: String,
}

/// What a document with too little text, or text the detector cannot place, is marked.
pub const UNKNOWN_LANGUAGE: &str = "unknown";
