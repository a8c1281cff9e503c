//! Clinical document model: what the packet needs of an HL7 CDA document (header facts,
//! sections and their narrative, medication entries) as plain data. `read::cda` fills it
//! from the XML; `render::cda` lays it out; the plan and `init` read its medications.

use chrono::NaiveDate;

/// One clinical document, as the packet needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cda {
    pub header: Header,
    pub body: Body,
    /// Entries of the medications sections.
    pub medications: Vec<CdaMedication>,
    /// Why the header's patient is not the packet's patient (the document is packed, but
    /// adds no medications), or None.
    pub other_patient: Option<String>,
}

/// What a clinical document's body holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A `structuredBody`: sections in document order.
    Sections(Vec<Section>),
    /// A `nonXMLBody` of plain text.
    Text(String),
    /// A `nonXMLBody` holding a PDF or an image, packed as the document itself.
    Embedded { media_type: String },
}

impl Cda {
    /// True when the packet shows the embedded file rather than pages set from the XML.
    pub fn is_embedded(&self) -> bool {
        matches!(self.body, Body::Embedded { .. })
    }
}

/// A CDA time stamp (`YYYYMMDD[HHMM[SS]][+-ZZZZ]`), kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ts {
    /// The attribute's value, trimmed.
    pub raw: String,
    /// The calendar date; a year-month stamp stands for the 1st of its month.
    pub date: Option<NaiveDate>,
    /// True when the stamp gives only a year and a month.
    pub month_only: bool,
    /// For people: `2025-03-14 09:30`, `2025-03` or `2025`, without any offset.
    pub shown: String,
}

impl Ts {
    /// Reads a time stamp; the offset after `+` or `-` is dropped, never applied.
    pub fn parse(raw: &str) -> Option<Ts> {
        let raw = raw.trim();
        let digits: String = raw.chars().take_while(char::is_ascii_digit).collect();
        let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u32>().ok());
        let year = num(0..4)? as i32;
        if !(1800..=2200).contains(&year) {
            return None;
        }
        let (date, month_only, mut shown) = match digits.len() {
            4 | 5 => (None, false, format!("{year:04}")),
            6 | 7 => {
                let m = num(4..6)?;
                let d = NaiveDate::from_ymd_opt(year, m, 1)?;
                (Some(d), true, format!("{year:04}-{m:02}"))
            }
            _ => {
                let d = NaiveDate::from_ymd_opt(year, num(4..6)?, num(6..8)?)?;
                (Some(d), false, d.to_string())
            }
        };
        if let (Some(h), Some(mi)) = (num(8..10), num(10..12)) {
            if h < 24 && mi < 60 {
                shown.push_str(&format!(" {h:02}:{mi:02}"));
            }
        }
        Some(Ts {
            raw: raw.to_string(),
            date,
            month_only,
            shown,
        })
    }
}

/// A span of time (`effectiveTime` with `low` and `high`, or a single `value`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub low: Option<Ts>,
    pub high: Option<Ts>,
}

impl Span {
    /// `2025-03-10 – 2025-03-14`, one end alone, or None.
    pub fn shown(&self) -> Option<String> {
        match (&self.low, &self.high) {
            (Some(l), Some(h)) if l.shown == h.shown => Some(l.shown.clone()),
            (Some(l), Some(h)) => Some(format!("{} – {}", l.shown, h.shown)),
            (Some(l), None) => Some(format!("from {}", l.shown)),
            (None, Some(h)) => Some(format!("until {}", h.shown)),
            (None, None) => None,
        }
    }
}

/// A person's name as the document gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonName {
    pub prefix: Vec<String>,
    pub given: Vec<String>,
    pub family: Vec<String>,
    pub suffix: Vec<String>,
    /// A name written as plain text, without parts.
    pub text: Option<String>,
}

impl PersonName {
    /// `given family` (how the packet names the patient).
    pub fn given_family(&self) -> String {
        match &self.text {
            Some(t) => t.clone(),
            None => self
                .given
                .iter()
                .chain(&self.family)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// `Dr. given family, MD` (how the packet names an author).
    pub fn full(&self) -> String {
        let mut s = self
            .prefix
            .iter()
            .chain(&self.given)
            .chain(&self.family)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if s.is_empty() {
            s = self.text.clone().unwrap_or_default();
        }
        if !self.suffix.is_empty() {
            s.push_str(", ");
            s.push_str(&self.suffix.join(" "));
        }
        s
    }
}

/// The header facts of one clinical document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The LOINC document code and its display name.
    pub code: Option<String>,
    pub code_name: Option<String>,
    pub title: Option<String>,
    /// The document's own `effectiveTime` (when it was written).
    pub effective: Option<Ts>,
    pub patient: Option<PersonName>,
    pub birth: Option<Ts>,
    pub author: Option<String>,
    /// The author's organisation, else the custodian.
    pub organisation: Option<String>,
    pub encounter: Span,
    pub service: Span,
}

/// One section of a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub title: Option<String>,
    /// The section's LOINC code.
    pub code: Option<String>,
    /// Marked as holding no information (`nullFlavor`), or with no narrative at all.
    pub no_information: bool,
    pub blocks: Vec<Block>,
    /// Footnotes, numbered in order of appearance (the text shows `[n]`).
    pub footnotes: Vec<String>,
    pub children: Vec<Section>,
}

/// A block of narrative.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph; `\n` marks a line break.
    Paragraph(String),
    List {
        ordered: bool,
        caption: Option<String>,
        items: Vec<Vec<Block>>,
    },
    Table(Table),
}

/// A narrative table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub caption: Option<String>,
    /// The header row (empty when the table has none).
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The number of columns: the widest row (spanned cells count for their span).
    pub fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.header.len()))
            .max()
            .unwrap_or(0)
    }
}

/// One medication entry of a clinical document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdaMedication {
    pub name: String,
    pub rxnorm: Option<String>,
    pub dose: Option<String>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    pub start: Option<String>,
    pub stop: Option<String>,
    pub status: Option<String>,
}
