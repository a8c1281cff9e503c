//! Classify: a file name and its extracted text (plus packet.toml overrides) turn into a
//! kind, a clinical date and a title, with the evidence behind each.
//!
//! Precedence is packet.toml overrides, then the document's own text, then the file
//! name; a file's modification time is never used. The keyword and date-label rules
//! are data in `templates/classify.toml`, so a clinic can add a language without code.
//!
//! The kind is scored, not taken from the first keyword: a keyword counts most in a
//! title line, less as a section header near the top, least in the body. Evidence can
//! also count against a kind: a negative phrase in the title ("pre-op instructions"
//! is not an operative report), and sections that are a normal part of the titled
//! kind (the medication section of a consultation note). Below a minimum score the
//! kind is `other`, with a hint to confirm it.
//!
//! The date is the labelled clinical date the kind calls for (specimen, exam, service,
//! surgery date; the discharge date of a discharge summary), never a birth, print or
//! sign date. Numeric dates read month first unless the document's locale or language
//! reads them day first.
//!
//! Text matching works on a folded form of each line: lower case, accents removed,
//! every run of punctuation or spaces turned into one space, abbreviations written
//! out, so that phrases match whole words only.

use crate::base::kind::Kind;
use chrono::NaiveDate;
use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Range, RangeInclusive};

/// The rules shipped with medpacket.
const BUILTIN_RULES: &str = include_str!("../../templates/classify.toml");
/// Longest [`Evidence::matched`], in characters.
const MAX_MATCHED_CHARS: usize = 120;
/// Longest title taken from a text line, in characters.
const MAX_TITLE_CHARS: usize = 80;
/// How many keywords of the winning kind are kept as evidence.
const MAX_KIND_EVIDENCE: usize = 5;
/// How many "set aside" notes (evidence that did not count) are kept as evidence.
const MAX_SET_ASIDE_EVIDENCE: usize = 3;
/// A body keyword is a section header when its column holds at most this many other words.
const HEADER_EXTRA_WORDS: usize = 2;
/// How many lines under a table header are searched for a date in the label's column.
const COLUMN_ROWS: usize = 3;
/// How far (in characters) a date may start from its column header's start.
const COLUMN_SLACK: usize = 2;
/// Years outside this range are not read as clinical dates.
const YEARS: RangeInclusive<i32> = 1900..=2100;

/// Where a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    PacketToml,
    Text,
    FileName,
    Default,
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
}

/// A problem in a rules file; the message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("classify rules are not valid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("classify rules: {place}: {problem}")]
    Invalid { place: String, problem: String },
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid {
        place: place.into(),
        problem: problem.into(),
    }
}

/// Parsed `templates/classify.toml`.
#[derive(Debug, Clone)]
pub struct Rules {
    title_lines: usize,
    title_extra_words: usize,
    header_lines: usize,
    title_multiplier: f32,
    header_multiplier: f32,
    body_multiplier: f32,
    header_cap: f32,
    body_cap: f32,
    min_score: f32,
    folder_weight: f32,
    keep_upper: Vec<String>,
    carriers: Vec<Phrase>,
    /// The first is the default language.
    languages: Vec<Language>,
    /// Folded word → folded full form.
    abbreviations: BTreeMap<String, String>,
    /// Sorted by kind, so ties go to the earlier section.
    kinds: Vec<KindRules>,
    kind_bonus: f32,
    century_pivot: u32,
    birth: Vec<Phrase>,
    ignore: Vec<Phrase>,
    locales: Vec<Locale>,
    labels: Vec<DateLabel>,
    /// Every title and body keyword of every kind in one automaton, so a line is read
    /// once rather than once per keyword.
    keyword_matcher: aho_corasick::AhoCorasick,
    /// For each pattern of `keyword_matcher`: (kind index, list, keyword index).
    keyword_ids: Vec<(usize, List, usize)>,
}

/// A phrase as written in the rules and in folded form.
#[derive(Debug, Clone)]
struct Phrase {
    text: String,
    /// Folded words joined by single spaces, e.g. `surgical pathology`.
    norm: String,
    /// `norm` between spaces, to find whole words in a folded line.
    pattern: String,
    /// A prepared searcher for `pattern` (built once, used on every line).
    finder: memchr::memmem::Finder<'static>,
}

#[derive(Debug, Clone)]
struct Keyword {
    phrase: Phrase,
    weight: f32,
    /// Index into [`Rules::languages`].
    lang: usize,
}

#[derive(Debug, Clone)]
struct KindRules {
    kind: Kind,
    title: Vec<Keyword>,
    body: Vec<Keyword>,
    file: Vec<Phrase>,
    /// In a title line, these show the title is not this kind.
    not: Vec<Phrase>,
    /// Kinds whose sections are a normal part of this kind.
    includes: Vec<Kind>,
}

#[derive(Debug, Clone)]
struct Language {
    code: String,
    order: DateOrder,
}

/// Markers that set how numeric dates read, whatever the document's language.
#[derive(Debug, Clone)]
struct Locale {
    name: String,
    order: DateOrder,
    min_score: f32,
    markers: Vec<(Phrase, f32)>,
}

#[derive(Debug, Clone)]
struct DateLabel {
    phrase: Phrase,
    priority: f32,
    kinds: Vec<Kind>,
    /// Fixed by the rules; else the label's language or the document decides.
    order: Option<DateOrder>,
    /// Index into [`Rules::languages`].
    lang: Option<usize>,
}

/// How to read an all-numeric date such as `03/04/2025`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DateOrder {
    /// Month first (US): 03/04/2025 is 4 March.
    #[default]
    Mdy,
    /// Day first: 03/04/2025 is 3 April.
    Dmy,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    scoring: RawScoring,
    #[serde(default)]
    title: RawTitle,
    #[serde(rename = "language", default)]
    languages: Vec<RawLanguage>,
    #[serde(default)]
    abbreviations: BTreeMap<String, String>,
    #[serde(rename = "kind")]
    kinds: Vec<RawKind>,
    dates: RawDates,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    title_lines: usize,
    title_extra_words: usize,
    header_lines: usize,
    title_multiplier: f32,
    header_multiplier: f32,
    body_multiplier: f32,
    header_cap: f32,
    body_cap: f32,
    min_score: f32,
    folder_weight: f32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTitle {
    #[serde(default)]
    keep_upper: Vec<String>,
    #[serde(default)]
    carriers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    code: String,
    order: DateOrder,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    name: Kind,
    /// Language code → keywords.
    #[serde(default)]
    title: BTreeMap<String, Vec<RawKeyword>>,
    #[serde(default)]
    body: BTreeMap<String, Vec<RawKeyword>>,
    #[serde(default)]
    file: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
    #[serde(default)]
    includes: Vec<Kind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyword {
    phrase: String,
    weight: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDates {
    kind_bonus: f32,
    #[serde(default = "default_century_pivot")]
    century_pivot: u32,
    #[serde(default)]
    birth: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(rename = "locale", default)]
    locales: Vec<RawLocale>,
    #[serde(rename = "label", default)]
    labels: Vec<RawLabel>,
}

fn default_century_pivot() -> u32 {
    69
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocale {
    name: String,
    order: DateOrder,
    min_score: f32,
    markers: Vec<RawKeyword>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    label: String,
    priority: f32,
    #[serde(default)]
    kinds: Vec<Kind>,
    #[serde(default)]
    order: Option<DateOrder>,
    #[serde(default)]
    lang: Option<String>,
}

impl Rules {
    /// The rules shipped in templates/classify.toml.
    ///
    /// # Errors
    /// Only if the shipped file is broken; a unit test makes sure it is not.
    pub fn builtin() -> Result<Rules, RulesError> {
        Rules::from_toml(BUILTIN_RULES)
    }

    /// Parse rules from TOML text (for tests and user-supplied rules later).
    ///
    /// # Errors
    /// [`RulesError::Toml`] when the text is not TOML or does not fit the schema
    /// (unknown field, unknown kind name), [`RulesError::Invalid`] for an empty
    /// phrase, a weight that is not > 0, an unknown language, a kind, keyword or date
    /// label listed twice.
    pub fn from_toml(text: &str) -> Result<Rules, RulesError> {
        let raw: RawRules = toml::from_str(text)?;
        let s = &raw.scoring;
        if s.title_lines == 0 {
            return Err(invalid("[scoring] title_lines", "must be at least 1"));
        }
        for (name, value) in [
            ("title_multiplier", s.title_multiplier),
            ("header_multiplier", s.header_multiplier),
            ("body_multiplier", s.body_multiplier),
            ("header_cap", s.header_cap),
            ("body_cap", s.body_cap),
            ("min_score", s.min_score),
            ("folder_weight", s.folder_weight),
        ] {
            non_negative(&format!("[scoring] {name}"), value)?;
        }
        non_negative("[dates] kind_bonus", raw.dates.kind_bonus)?;
        if raw.dates.century_pivot > 100 {
            return Err(invalid(
                "[dates] century_pivot",
                format!("must be 0-100, not {}", raw.dates.century_pivot),
            ));
        }

        let mut languages: Vec<Language> = Vec::new();
        for rl in raw.languages {
            let place = format!("[[language]] \"{}\"", rl.code);
            if rl.code.trim().is_empty() {
                return Err(invalid(place, "the language code is empty"));
            }
            if languages.iter().any(|l| l.code == rl.code) {
                return Err(invalid(place, "this language is listed twice"));
            }
            languages.push(Language {
                code: rl.code,
                order: rl.order,
            });
        }
        if languages.is_empty() {
            languages.push(Language {
                code: "en".to_string(),
                order: DateOrder::Mdy,
            });
        }
        let lang_index = |code: &str, place: &str| {
            languages
                .iter()
                .position(|l| l.code == code)
                .ok_or_else(|| {
                    invalid(
                        place,
                        format!("unknown language \"{code}\" (list it as a [[language]])"),
                    )
                })
        };

        let mut abbreviations = BTreeMap::new();
        for (word, full) in &raw.abbreviations {
            let place = format!("[abbreviations] {word}");
            let short = fold(word).text.trim().to_string();
            if short.is_empty() || short.contains(' ') {
                return Err(invalid(place, "an abbreviation must be one word"));
            }
            let long = fold(full).text.trim().to_string();
            if long.is_empty() {
                return Err(invalid(place, "the full form has no letters or digits"));
            }
            abbreviations.insert(short, long);
        }
        let phrase = |text: &str, place: &str| Phrase::new(text, place, &abbreviations);

        let mut kinds: Vec<KindRules> = Vec::new();
        for rk in raw.kinds {
            let place = format!("[[kind]] \"{}\"", rk.name);
            if kinds.iter().any(|k| k.kind == rk.name) {
                return Err(invalid(place, "this kind is listed twice"));
            }
            let mut lists: [Vec<Keyword>; 2] = [Vec::new(), Vec::new()];
            for (slot, (list, by_lang)) in lists
                .iter_mut()
                .zip([("title", &rk.title), ("body", &rk.body)])
            {
                for code in by_lang.keys() {
                    lang_index(code, &format!("{place} {list}.{code}"))?;
                }
                // In the order the languages are listed.
                for (li, language) in languages.iter().enumerate() {
                    let Some(raw_keywords) = by_lang.get(&language.code) else {
                        continue;
                    };
                    let here = format!("{place} {list}.{}", language.code);
                    for k in raw_keywords {
                        let kw = keyword(&here, k, li, &abbreviations)?;
                        if slot.iter().any(|o| o.phrase.norm == kw.phrase.norm) {
                            return Err(invalid(
                                format!("{here} \"{}\"", k.phrase),
                                format!("this phrase is listed twice in {list}"),
                            ));
                        }
                        slot.push(kw);
                    }
                }
            }
            let [title, body] = lists;
            if let Some(both) = body
                .iter()
                .find(|b| title.iter().any(|t| t.phrase.norm == b.phrase.norm))
            {
                return Err(invalid(
                    format!("{place} \"{}\"", both.phrase.text),
                    "this phrase is listed in both title and body",
                ));
            }
            let file = rk
                .file
                .iter()
                .map(|f| phrase(f, &format!("{place} file \"{f}\"")))
                .collect::<Result<Vec<_>, _>>()?;
            let not = rk
                .not
                .iter()
                .map(|f| phrase(f, &format!("{place} not \"{f}\"")))
                .collect::<Result<Vec<_>, _>>()?;
            if rk.includes.contains(&rk.name) {
                return Err(invalid(place, "a kind cannot include itself"));
            }
            kinds.push(KindRules {
                kind: rk.name,
                title,
                body,
                file,
                not,
                includes: rk.includes,
            });
        }
        kinds.sort_by_key(|k| k.kind);

        let phrases = |list: &[String], name: &str| {
            list.iter()
                .map(|p| phrase(p, &format!("{name} \"{p}\"")))
                .collect::<Result<Vec<_>, _>>()
        };
        let carriers = phrases(&raw.title.carriers, "[title] carriers")?;
        let birth = phrases(&raw.dates.birth, "[dates] birth")?;
        let ignore = phrases(&raw.dates.ignore, "[dates] ignore")?;

        let mut locales = Vec::new();
        for rl in raw.dates.locales {
            let place = format!("[[dates.locale]] \"{}\"", rl.name);
            non_negative(&format!("{place} min_score"), rl.min_score)?;
            let markers = rl
                .markers
                .iter()
                .map(|k| keyword(&place, k, 0, &abbreviations).map(|kw| (kw.phrase, kw.weight)))
                .collect::<Result<Vec<_>, _>>()?;
            locales.push(Locale {
                name: rl.name,
                order: rl.order,
                min_score: rl.min_score,
                markers,
            });
        }

        let mut labels: Vec<DateLabel> = Vec::new();
        for rl in raw.dates.labels {
            let place = format!("[[dates.label]] \"{}\"", rl.label);
            if !rl.priority.is_finite() {
                return Err(invalid(place, "priority must be a finite number"));
            }
            let label_phrase = phrase(&rl.label, &place)?;
            if labels.iter().any(|l| l.phrase.norm == label_phrase.norm) {
                return Err(invalid(place, "this label is listed twice"));
            }
            let lang = match &rl.lang {
                Some(code) => Some(lang_index(code, &place)?),
                None => None,
            };
            labels.push(DateLabel {
                phrase: label_phrase,
                priority: rl.priority,
                kinds: rl.kinds,
                order: rl.order,
                lang,
            });
        }

        let mut keyword_ids = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        for (ki, kr) in kinds.iter().enumerate() {
            for (list, keywords) in [(List::Title, &kr.title), (List::Body, &kr.body)] {
                for (wi, kw) in keywords.iter().enumerate() {
                    keyword_ids.push((ki, list, wi));
                    patterns.push(kw.phrase.pattern.as_str());
                }
            }
        }
        let keyword_matcher = aho_corasick::AhoCorasick::new(&patterns)
            .map_err(|e| invalid("[[kind]]", format!("keywords cannot be compiled: {e}")))?;
        Ok(Rules {
            keyword_matcher,
            keyword_ids,
            title_lines: s.title_lines,
            title_extra_words: s.title_extra_words,
            header_lines: s.header_lines,
            title_multiplier: s.title_multiplier,
            header_multiplier: s.header_multiplier,
            body_multiplier: s.body_multiplier,
            header_cap: s.header_cap,
            body_cap: s.body_cap,
            min_score: s.min_score,
            folder_weight: s.folder_weight,
            keep_upper: raw
                .title
                .keep_upper
                .iter()
                .map(|w| w.to_uppercase())
                .collect(),
            carriers,
            languages,
            abbreviations,
            kinds,
            kind_bonus: raw.dates.kind_bonus,
            century_pivot: raw.dates.century_pivot,
            birth,
            ignore,
            locales,
            labels,
        })
    }
}

fn non_negative(place: &str, value: f32) -> Result<(), RulesError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(
            place,
            format!("must be a number >= 0, not {value}"),
        ))
    }
}

fn keyword(
    place: &str,
    k: &RawKeyword,
    lang: usize,
    abbreviations: &BTreeMap<String, String>,
) -> Result<Keyword, RulesError> {
    let here = format!("{place} \"{}\"", k.phrase);
    if !(k.weight.is_finite() && k.weight > 0.0) {
        return Err(invalid(
            here,
            format!("weight must be a number > 0, not {}", k.weight),
        ));
    }
    Ok(Keyword {
        phrase: Phrase::new(&k.phrase, &here, abbreviations)?,
        weight: k.weight,
        lang,
    })
}

impl Phrase {
    fn new(
        text: &str,
        place: &str,
        abbreviations: &BTreeMap<String, String>,
    ) -> Result<Phrase, RulesError> {
        let norm = expand(fold(text), abbreviations).text.trim().to_string();
        if norm.is_empty() {
            return Err(invalid(place, "the phrase has no letters or digits"));
        }
        let pattern = format!(" {norm} ");
        Ok(Phrase {
            text: text.trim().to_string(),
            finder: memchr::memmem::Finder::new(pattern.as_bytes()).into_owned(),
            pattern,
            norm,
        })
    }
}

// ---------------------------------------------------------------------------
// Folding and whole-word matching

/// A string in folded form, with the way back to the original's byte offsets.
struct Folded {
    /// Lower case, accents removed, separators collapsed to one space, with a
    /// space at both ends.
    text: String,
    /// For each byte of `text`, the byte offset in the original of the char it came from.
    map: Vec<usize>,
    /// Length of the original.
    len: usize,
}

impl Folded {
    /// Byte offset in the original of folded byte `i`; the original's end past the end.
    fn orig(&self, i: usize) -> usize {
        self.map.get(i).copied().unwrap_or(self.len)
    }
}

fn fold(s: &str) -> Folded {
    let mut text = String::with_capacity(s.len() + 2);
    let mut map = Vec::with_capacity(s.len() + 2);
    text.push(' ');
    map.push(0);
    for (i, c) in s.char_indices() {
        for lc in c.to_lowercase() {
            if ('\u{300}'..='\u{36f}').contains(&lc) {
                // A combining accent (decomposed text): drop it, keep the letter.
                continue;
            }
            if let Some(base) = base_letter(lc) {
                text.push_str(base);
                map.extend(std::iter::repeat_n(i, base.len()));
            } else if lc.is_alphanumeric() {
                text.push(lc);
                map.extend(std::iter::repeat_n(i, lc.len_utf8()));
            } else if !text.ends_with(' ') {
                text.push(' ');
                map.push(i);
            }
        }
    }
    if !text.ends_with(' ') {
        text.push(' ');
        map.push(s.len());
    }
    Folded {
        text,
        map,
        len: s.len(),
    }
}

/// The unaccented spelling of a lower-case Latin letter with an accent.
fn base_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'š' => "s",
        'ž' => "z",
        'ß' => "ss",
        _ => return None,
    })
}

/// Every whole-word occurrence of `phrase` in a folded text, as folded byte ranges.
fn find_all(folded: &str, phrase: &Phrase) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = folded
        .as_bytes()
        .get(from..)
        .and_then(|h| phrase.finder.find(h))
    {
        let start = from + at + 1;
        found.push(start..start + phrase.norm.len());
        from = start;
    }
    found
}

/// A folded string with its abbreviations written out ("exm date" → "exam date"); every
/// byte of a full form maps back to the start of the abbreviation.
fn expand(f: Folded, abbreviations: &BTreeMap<String, String>) -> Folded {
    if abbreviations.is_empty() {
        return f;
    }
    let mut text = String::with_capacity(f.text.len() + 8);
    let mut map = Vec::with_capacity(f.map.len() + 8);
    text.push(' ');
    map.push(f.orig(0));
    let mut at = 1;
    for word in f.text.split(' ').filter(|w| !w.is_empty()) {
        let end = at + word.len();
        match abbreviations.get(word) {
            Some(full) => {
                text.push_str(full);
                map.extend(std::iter::repeat_n(f.orig(at), full.len()));
            }
            None => {
                text.push_str(word);
                map.extend((at..end).map(|i| f.orig(i)));
            }
        }
        text.push(' ');
        map.push(f.orig(end));
        at = end + 1;
    }
    Folded {
        text,
        map,
        len: f.len,
    }
}

/// One non-empty line of the text.
struct Line<'a> {
    raw: &'a str,
    folded: Folded,
    /// Position among the non-empty lines.
    index: usize,
    /// One of the first `title_lines` non-empty lines that do not only name a carrier.
    title: bool,
}

fn lines_of<'a>(rules: &Rules, text: &'a str) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    let mut title_count = 0;
    for raw in text.lines() {
        let folded = expand(fold(raw), &rules.abbreviations);
        if folded.text.trim().is_empty() {
            continue;
        }
        let title = title_count < rules.title_lines && !carrier_line(rules, raw, &folded);
        if title {
            title_count += 1;
        }
        lines.push(Line {
            raw,
            folded,
            index: lines.len(),
            title,
        });
    }
    lines
}

/// True for a line that names a carrier (a letter, an addendum, a page header) the way
/// a title is written, and no document kind: it is not the document's title.
fn carrier_line(rules: &Rules, raw: &str, folded: &Folded) -> bool {
    let names_carrier = rules.carriers.iter().any(|c| {
        find_all(&folded.text, c)
            .iter()
            .any(|r| written_as_title(raw, folded, r, rules.title_extra_words))
    });
    names_carrier
        && !rules
            .kinds
            .iter()
            .flat_map(|k| &k.title)
            .any(|kw| folded.text.contains(&kw.phrase.pattern))
}

/// True when the phrase at folded `range` of a line is written as a title: see [`shape`].
fn written_as_title(raw: &str, folded: &Folded, range: &Range<usize>, extra_words: usize) -> bool {
    shape(raw, folded, range).is_some_and(|(_, extra)| extra <= extra_words)
}

/// How the phrase at folded `range` of a line is written: None when it starts in lower
/// case on a line that has capitals; else its column (after any "Label:", see
/// [`segment_range`]) and how many other words that column holds.
fn shape(raw: &str, folded: &Folded, range: &Range<usize>) -> Option<(Range<usize>, usize)> {
    let at = folded.orig(range.start);
    let end = folded.orig(range.end).max(at);
    let capital = raw
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_uppercase);
    if !capital && raw.chars().any(char::is_uppercase) {
        return None;
    }
    let segment = segment_range(raw, at)?;
    let extra = word_count(raw, segment.clone()).saturating_sub(word_count(raw, at..end));
    Some((segment, extra))
}

/// The number of words in bytes `range` of `raw`.
fn word_count(raw: &str, range: Range<usize>) -> usize {
    raw.get(range)
        .map_or(0, |s| fold(s).text.split_whitespace().count())
}

/// Whitespace collapsed and cut to [`MAX_MATCHED_CHARS`], for [`Evidence::matched`].
fn clip(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(MAX_MATCHED_CHARS).collect()
}

// ---------------------------------------------------------------------------
// Kind from text

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Title,
    Body,
}

/// Where a keyword stands in the text, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// In a sentence, a table row, or below the top of the text.
    Body,
    /// A section header near the top ("GROSS DESCRIPTION", "Specimen:").
    Header,
    /// A title keyword written as the title, in a title line.
    Title,
}

/// One whole-word occurrence of a keyword in a line.
struct Occurrence {
    kind: usize,
    list: List,
    keyword: usize,
    line: usize,
    range: Range<usize>,
    level: Level,
}

/// What one keyword added to a kind's score.
struct Hit {
    rule: String,
    line: usize,
    /// Folded byte offset of the keyword in its line.
    start: usize,
    score: f32,
}

struct KindScore {
    kind: Kind,
    total: f32,
    /// Title keywords written as titles, uncapped.
    title_hits: Vec<Hit>,
    /// Section headers, after `header_cap`.
    header_hits: Vec<Hit>,
    /// Body words (and title keywords found only in the body), after `body_cap`.
    body_hits: Vec<Hit>,
}

impl KindScore {
    fn title_total(&self) -> f32 {
        self.title_hits.iter().map(|h| h.score).sum()
    }

    /// The first line holding one of its title keywords.
    fn first_title_line(&self) -> Option<usize> {
        self.title_hits.iter().map(|h| h.line).min()
    }

    /// Stronger evidence first: the total, then the title evidence, then the kind named
    /// first in the text.
    fn compare(&self, other: &KindScore) -> Ordering {
        self.total
            .total_cmp(&other.total)
            .then(self.title_total().total_cmp(&other.title_total()))
            .then(earlier(self.first_title_line(), other.first_title_line()))
    }

    /// The title keyword hit that names the document: the highest, then the earliest
    /// in the text.
    fn title_hit(&self) -> Option<&Hit> {
        self.title_hits
            .iter()
            .fold(None, |best: Option<&Hit>, h| match best {
                Some(b)
                    if h.score
                        .total_cmp(&b.score)
                        .then((b.line, b.start).cmp(&(h.line, h.start)))
                        != Ordering::Greater =>
                {
                    Some(b)
                }
                _ => Some(h),
            })
    }
}

/// Evidence for a kind that did not count, and why.
struct SetAside {
    kind: Kind,
    score: f32,
    why: String,
    line: usize,
}

struct Scoring {
    scores: Vec<KindScore>,
    set_aside: Vec<SetAside>,
    /// Summed weight of the keywords found, per language of [`Rules::languages`].
    lang_weights: Vec<f32>,
}

fn score_kinds(rules: &Rules, lines: &[Line<'_>]) -> Scoring {
    // Every occurrence, minus those inside a longer phrase on the same line (so
    // "pathology" does not count again inside "surgical pathology report", and
    // "medications" not inside "discharge medications").
    let mut occurrences: Vec<Occurrence> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let mut here: Vec<Occurrence> = Vec::new();
        for m in rules
            .keyword_matcher
            .find_overlapping_iter(line.folded.text.as_str())
        {
            let Some(&(ki, list, wi)) = rules.keyword_ids.get(m.pattern().as_usize()) else {
                continue;
            };
            let Some(kw) = rules.kinds.get(ki).and_then(|kr| match list {
                List::Title => kr.title.get(wi),
                List::Body => kr.body.get(wi),
            }) else {
                continue;
            };
            // Patterns are " phrase ": the match starts at the space before the phrase.
            let start = m.start() + 1;
            let range = start..start + kw.phrase.norm.len();
            let level = level_of(rules, line, &range, list);
            here.push(Occurrence {
                kind: ki,
                list,
                keyword: wi,
                line: li,
                range,
                level,
            });
        }
        // The order the rules list them in, as one search per keyword would give.
        here.sort_by_key(|o| (o.kind, o.list == List::Body, o.keyword, o.range.start));
        let inside_longer = |a: &Occurrence| {
            here.iter().any(|b| {
                b.range.len() > a.range.len()
                    && b.range.start <= a.range.start
                    && a.range.end <= b.range.end
            })
        };
        let kept: Vec<bool> = here.iter().map(|a| !inside_longer(a)).collect();
        occurrences.extend(
            here.into_iter()
                .zip(kept)
                .filter_map(|(o, keep)| keep.then_some(o)),
        );
    }

    let mut lang_weights = vec![0.0; rules.languages.len()];
    let mut set_aside = Vec::new();
    // Per kind: title, header and body hits, before the caps.
    let mut found: Vec<[Vec<Hit>; 3]> = Vec::new();
    for (ki, kr) in rules.kinds.iter().enumerate() {
        // A negative phrase in a title line: this kind's title keywords are not titles.
        let negative = lines.iter().filter(|l| l.title).find_map(|l| {
            kr.not
                .iter()
                .find(|p| l.folded.text.contains(&p.pattern))
                .map(|p| (p.text.as_str(), l.index))
        });
        let mut hits: [Vec<Hit>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for (list, keywords) in [(List::Title, &kr.title), (List::Body, &kr.body)] {
            for (wi, kw) in keywords.iter().enumerate() {
                // A keyword's best occurrence: the strongest level, then the first.
                let best = occurrences
                    .iter()
                    .filter(|o| o.kind == ki && o.list == list && o.keyword == wi)
                    .fold(None, |best: Option<&Occurrence>, o| match best {
                        Some(b) if o.level <= b.level => Some(b),
                        _ => Some(o),
                    });
                let Some(o) = best else {
                    continue;
                };
                if let Some(w) = lang_weights.get_mut(kw.lang) {
                    *w += kw.weight;
                }
                let text = &kw.phrase.text;
                let mut level = o.level;
                if let (Level::Title, Some((not, line))) = (level, negative) {
                    level = Level::Header;
                    set_aside.push(SetAside {
                        kind: kr.kind,
                        score: kw.weight * (rules.title_multiplier - rules.header_multiplier),
                        why: format!("title keyword \"{text}\" is not a title here (\"{not}\")"),
                        line,
                    });
                }
                let (slot, score, rule) = match (list, level) {
                    (_, Level::Title) => (
                        0,
                        kw.weight * rules.title_multiplier,
                        format!("title keyword \"{text}\""),
                    ),
                    (List::Title, Level::Header) => (
                        1,
                        kw.weight * rules.header_multiplier,
                        format!("title keyword \"{text}\" as a section header"),
                    ),
                    (List::Body, Level::Header) => (
                        1,
                        kw.weight * rules.header_multiplier,
                        format!("section header \"{text}\""),
                    ),
                    (List::Title, Level::Body) => (
                        2,
                        kw.weight * rules.body_multiplier,
                        format!("title keyword \"{text}\" in body"),
                    ),
                    (List::Body, Level::Body) => (2, kw.weight, format!("body keyword \"{text}\"")),
                };
                if let Some(list) = hits.get_mut(slot) {
                    list.push(Hit {
                        rule,
                        line: o.line,
                        start: o.range.start,
                        score,
                    });
                }
            }
        }
        found.push(hits);
    }

    // The kind the title names (the strongest title evidence, then the first in the
    // text); the kinds it includes compete by their titles only.
    let title_kind = found
        .iter()
        .enumerate()
        .map(|(ki, [title, _, _])| {
            let total = title.iter().map(|h| h.score).sum::<f32>();
            (ki, total, title.iter().map(|h| h.line).min())
        })
        .filter(|(_, total, _)| *total > 0.0)
        .fold(
            None,
            |best: Option<(usize, f32, Option<usize>)>, t| match best {
                Some(b) if t.1.total_cmp(&b.1).then(earlier(t.2, b.2)) != Ordering::Greater => {
                    Some(b)
                }
                _ => Some(t),
            },
        )
        .and_then(|(ki, _, _)| rules.kinds.get(ki));

    let scores = rules
        .kinds
        .iter()
        .zip(found)
        .map(|(kr, [title_hits, header_hits, body_hits])| {
            let mut header_hits = cap(header_hits, rules.header_cap);
            let mut body_hits = cap(body_hits, rules.body_cap);
            if let Some(tk) = title_kind.filter(|tk| tk.includes.contains(&kr.kind)) {
                let score: f32 = header_hits.iter().chain(&body_hits).map(|h| h.score).sum();
                if let Some(first) = header_hits.iter().chain(&body_hits).min_by_key(|h| h.line) {
                    set_aside.push(SetAside {
                        kind: kr.kind,
                        score,
                        why: format!(
                            "its section headers and body words are part of the {} the title names",
                            tk.kind
                        ),
                        line: first.line,
                    });
                }
                header_hits.clear();
                body_hits.clear();
            }
            let total = title_hits
                .iter()
                .chain(&header_hits)
                .chain(&body_hits)
                .map(|h| h.score)
                .sum();
            KindScore {
                kind: kr.kind,
                total,
                title_hits,
                header_hits,
                body_hits,
            }
        })
        .collect();
    Scoring {
        scores,
        set_aside,
        lang_weights,
    }
}

/// The hits, strongest first, adding at most `limit` together.
fn cap(mut hits: Vec<Hit>, limit: f32) -> Vec<Hit> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut room = limit;
    for hit in &mut hits {
        hit.score = hit.score.min(room);
        room -= hit.score;
    }
    hits.retain(|h| h.score > 0.0);
    hits
}

/// Where the keyword at `range` of a line stands. It must start with a capital unless
/// the line has none. A title keyword is a title in a title line when its column
/// (after any "Label:") holds at most `title_extra_words` other words and it is not
/// itself a label ("Active medications:"). Near the top, a keyword is a section header
/// when it starts its column as a label ("Specimen:"), when its column holds at most
/// [`HEADER_EXTRA_WORDS`] other words, or, for a title keyword, when its column is
/// short enough for a title.
fn level_of(rules: &Rules, line: &Line<'_>, range: &Range<usize>, list: List) -> Level {
    let Some((segment, extra)) = shape(line.raw, &line.folded, range) else {
        return Level::Body;
    };
    let at = line.folded.orig(range.start);
    let end = line.folded.orig(range.end);
    let label = line
        .raw
        .get(end..)
        .is_some_and(|rest| rest.trim_start_matches([' ', '\t']).starts_with(':'));
    if list == List::Title && line.title && extra <= rules.title_extra_words && !label {
        return Level::Title;
    }
    if line.index >= rules.header_lines {
        return Level::Body;
    }
    let starts_column = line
        .raw
        .get(segment.start..at)
        .is_some_and(|before| !before.chars().any(char::is_alphanumeric));
    let header = (starts_column && label)
        || extra <= HEADER_EXTRA_WORDS
        || (list == List::Title && extra <= rules.title_extra_words);
    if header {
        Level::Header
    } else {
        Level::Body
    }
}

/// The highest total; ties go to more title evidence, then to the kind whose title comes
/// first in the text, then to the earlier kind.
fn best_kind(scores: &[KindScore]) -> Option<&KindScore> {
    scores
        .iter()
        .fold(None, |best: Option<&KindScore>, s| match best {
            Some(b) if s.compare(b) != Ordering::Greater => Some(b),
            _ => Some(s),
        })
}

/// `Greater` when `a` is an earlier line than `b` (a line beats no line).
fn earlier(a: Option<usize>, b: Option<usize>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

// ---------------------------------------------------------------------------
// Date from text

/// How to read a date: the order of an all-numeric date, and whether two-digit years
/// (`12/14/00`) are read, with their century pivot.
#[derive(Debug, Clone, Copy)]
struct Reading {
    order: DateOrder,
    pivot: Option<u32>,
}

impl Reading {
    /// Four-digit years, month first: `parse_date` and `find_date`.
    const STRICT: Reading = Reading {
        order: DateOrder::Mdy,
        pivot: None,
    };
}

/// How numeric dates read in one document, and why.
struct DocOrder {
    order: DateOrder,
    why: String,
}

/// A locale whose markers the text shows decides; else the language whose keywords
/// and date labels the text matches most; else the first language.
fn document_order(rules: &Rules, lines: &[Line<'_>], lang_weights: &[f32]) -> DocOrder {
    let shows = |p: &Phrase| lines.iter().any(|l| l.folded.text.contains(&p.pattern));
    for locale in &rules.locales {
        let score: f32 = locale
            .markers
            .iter()
            .filter(|(p, _)| shows(p))
            .map(|(_, w)| w)
            .sum();
        if score > 0.0 && score >= locale.min_score {
            return DocOrder {
                order: locale.order,
                why: locale.name.clone(),
            };
        }
    }
    let mut weights = lang_weights.to_vec();
    for label in &rules.labels {
        if let Some(w) = label.lang.and_then(|li| weights.get_mut(li)) {
            if shows(&label.phrase) {
                *w += 1.0;
            }
        }
    }
    let best = weights
        .iter()
        .enumerate()
        .fold((0, 0.0_f32), |b, (i, w)| if *w > b.1 { (i, *w) } else { b })
        .0;
    match rules.languages.get(best) {
        Some(lang) => DocOrder {
            order: lang.order,
            why: format!("language {}", lang.code),
        },
        None => DocOrder {
            order: DateOrder::Mdy,
            why: String::new(),
        },
    }
}

/// What follows a date label on its line.
enum After {
    Date(NaiveDate),
    /// Nothing: the label ends the line.
    Nothing,
    /// Something that is not a date.
    Other,
}

/// Reads the date right after a label that ends at byte `from` of `raw`, skipping
/// ":", spaces and similar separators (and a "/Time" suffix of the label).
fn date_after(raw: &str, from: usize, reading: Reading) -> After {
    let Some(mut rest) = raw.get(from..) else {
        return After::Other;
    };
    loop {
        rest = rest.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | '=' | '#' | '.' | ',' | '(')
        });
        let time = rest
            .get(..5)
            .is_some_and(|head| head.eq_ignore_ascii_case("/time"));
        match rest.get(5..) {
            Some(tail) if time => rest = tail,
            _ => break,
        }
    }
    if rest.is_empty() {
        return After::Nothing;
    }
    match date_prefix(rest, reading) {
        Some((date, _)) => After::Date(date),
        None => After::Other,
    }
}

/// The date after a label ending at byte `from` of line `li`: on the same line, or
/// at the start of the next non-empty line when the label ends its line.
fn labelled_date(
    lines: &[Line<'_>],
    li: usize,
    from: usize,
    reading: Reading,
) -> Option<NaiveDate> {
    let line = lines.get(li)?;
    match date_after(line.raw, from, reading) {
        After::Date(date) => Some(date),
        After::Nothing => {
            let next = lines.get(li + 1)?;
            date_prefix(next.raw.trim_start(), reading).map(|(date, _)| date)
        }
        After::Other => None,
    }
}

/// The date under a label that heads a table column ("Test  Result  Date drawn  Units"):
/// the label spans bytes `start..end` of line `li` and is followed by the end of the
/// line or by a gap of two or more spaces and another heading (not a "Label:"). The
/// date must start in the label's column (give or take [`COLUMN_SLACK`] characters) on
/// one of the next [`COLUMN_ROWS`] lines. Returns the date and the line it is on.
fn column_date(
    lines: &[Line<'_>],
    li: usize,
    start: usize,
    end: usize,
    reading: Reading,
) -> Option<(NaiveDate, usize)> {
    let line = lines.get(li)?;
    let rest = line.raw.get(end..)?;
    let after_gap = rest.trim_start_matches([' ', '\t']);
    let gap = rest.get(..rest.len() - after_gap.len()).unwrap_or("");
    let next_heading = after_gap.split_whitespace().next().unwrap_or("");
    let heads_column = after_gap.is_empty()
        || ((gap.len() >= 2 || gap.contains('\t')) && !next_heading.contains(':'));
    if !heads_column {
        return None;
    }
    let column = line.raw.get(..start)?.chars().count();
    for (ri, row) in lines.iter().enumerate().skip(li + 1).take(COLUMN_ROWS) {
        let chars: Vec<(usize, char)> = row.raw.char_indices().collect();
        for c in column.saturating_sub(COLUMN_SLACK)..=column + COLUMN_SLACK {
            let Some(&(byte, ch)) = chars.get(c) else {
                continue;
            };
            let glued = c
                .checked_sub(1)
                .and_then(|p| chars.get(p))
                .is_some_and(|(_, p)| p.is_alphanumeric());
            if !ch.is_alphanumeric() || glued {
                continue;
            }
            if let Some((date, _)) = row.raw.get(byte..).and_then(|s| date_prefix(s, reading)) {
                return Some((date, ri));
            }
        }
    }
    None
}

/// Dates that follow a birth label anywhere in the text, read both ways round.
fn birth_dates(rules: &Rules, lines: &[Line<'_>]) -> BTreeSet<NaiveDate> {
    let mut dates = BTreeSet::new();
    for (li, line) in lines.iter().enumerate() {
        for phrase in &rules.birth {
            for range in find_all(&line.folded.text, phrase) {
                let from = line.folded.orig(range.end);
                for order in [DateOrder::Mdy, DateOrder::Dmy] {
                    let reading = Reading {
                        order,
                        pivot: Some(rules.century_pivot),
                    };
                    dates.extend(labelled_date(lines, li, from, reading));
                }
            }
        }
    }
    dates
}

/// A date chosen from the text, with its evidence.
struct DateFound {
    date: NaiveDate,
    rule: String,
    line: usize,
    score: f32,
}

/// The best labelled date: labels that belong to `kind` first, then by priority,
/// then the earliest. Birth dates and labels after an ignored phrase never count.
fn text_date(
    rules: &Rules,
    lines: &[Line<'_>],
    kind: Kind,
    births: &BTreeSet<NaiveDate>,
    doc: &DocOrder,
) -> Option<DateFound> {
    let mut best: Option<DateFound> = None;
    for (li, line) in lines.iter().enumerate() {
        let text = &line.folded.text;
        let mut found: Vec<(&DateLabel, Range<usize>)> = rules
            .labels
            .iter()
            .flat_map(|label| {
                find_all(text, &label.phrase)
                    .into_iter()
                    .map(move |r| (label, r))
            })
            .collect();
        // "Discharge Date" is one label, not also "Date".
        let kept: Vec<bool> = found
            .iter()
            .map(|(_, a)| {
                !found
                    .iter()
                    .any(|(_, b)| b.len() > a.len() && b.start <= a.start && a.end <= b.end)
            })
            .collect();
        let mut kept_iter = kept.into_iter();
        found.retain(|_| kept_iter.next().unwrap_or(false));
        found.sort_by_key(|(_, r)| r.start);

        let blockers: Vec<Range<usize>> = rules
            .ignore
            .iter()
            .chain(&rules.birth)
            .flat_map(|p| find_all(text, p))
            .collect();
        for (label, range) in found {
            let blocked = blockers
                .iter()
                .any(|b| (b.start < range.end && range.start < b.end) || b.end + 1 == range.start);
            if blocked {
                continue;
            }
            let (order, why) = match label.order {
                Some(order) => (order, "the label's rule".to_string()),
                None if doc.order == DateOrder::Dmy => (DateOrder::Dmy, doc.why.clone()),
                None => match label.lang.and_then(|li| rules.languages.get(li)) {
                    Some(lang) => (lang.order, format!("label in {}", lang.code)),
                    None => (doc.order, doc.why.clone()),
                },
            };
            let reading = Reading {
                order,
                pivot: Some(rules.century_pivot),
            };
            let from = line.folded.orig(range.end);
            let at = line.folded.orig(range.start);
            let (date, date_line, column) = match labelled_date(lines, li, from, reading) {
                Some(date) => (date, li, false),
                None => match column_date(lines, li, at, from, reading) {
                    Some((date, row)) => (date, row, true),
                    None => continue,
                },
            };
            if births.contains(&date) {
                continue;
            }
            let bonus = if label.kinds.contains(&kind) {
                rules.kind_bonus
            } else {
                0.0
            };
            let score = label.priority + bonus;
            if best.as_ref().is_none_or(|b| score > b.score) {
                let mut rule = format!("date label \"{}\"", label.phrase.text);
                if column {
                    rule.push_str(" (table column)");
                }
                if order == DateOrder::Dmy {
                    rule.push_str(&format!(", numeric dates day first ({why})"));
                }
                best = Some(DateFound {
                    date,
                    rule,
                    line: date_line,
                    score,
                });
            }
        }
    }
    best
}

/// A date written in the title line itself ("OPERATIVE REPORT - March 3, 2025").
fn title_line_date(
    rules: &Rules,
    lines: &[Line<'_>],
    title_line: usize,
    births: &BTreeSet<NaiveDate>,
) -> Option<DateFound> {
    let line = lines.get(title_line)?;
    let labelled_other = rules
        .birth
        .iter()
        .chain(&rules.ignore)
        .any(|p| line.folded.text.contains(&p.pattern));
    if labelled_other {
        return None;
    }
    let (date, _) = find_date(line.raw)?;
    if births.contains(&date) {
        return None;
    }
    Some(DateFound {
        date,
        rule: "date in title line".to_string(),
        line: title_line,
        score: 1.0,
    })
}

// ---------------------------------------------------------------------------
// Date parsing

/// Parse one date in the forms users write: ISO `2025-03-14`, US `03/14/2025` and
/// `3/14/2025` (month first), `March 14, 2025`, `Mar 14, 2025`, `14 March 2025`,
/// `14-MAR-2025`. Returns None for anything else or an impossible date (02/30/2025).
/// Leading/trailing text around the date is NOT allowed here (this parses a whole
/// field value after trimming).
///
/// Also accepted, as small variations of those forms: `03-14-2025`, `Mar. 14 2025`,
/// `Aug 9,2022`, `March 14th, 2025`, `31 Oct, 2022`, and French and Spanish month names
/// (`14 mars 2025`, `5 de febrero de 2025`). Years must be 1900–2100 and have four
/// digits here; two-digit years (`12/14/00`) are read only after a date label in a
/// document's text.
#[must_use]
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    match date_prefix(s, Reading::STRICT)? {
        (date, len) if len == s.len() => Some(date),
        _ => None,
    }
}

/// Find the first date (any of the forms above) inside a longer string, returning it and the
/// byte range it occupied.
#[must_use]
pub fn find_date(s: &str) -> Option<(NaiveDate, Range<usize>)> {
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let word_start = c.is_alphanumeric() && !prev.is_some_and(char::is_alphanumeric);
        prev = Some(c);
        if !word_start {
            continue;
        }
        if let Some((date, len)) = s
            .get(i..)
            .and_then(|rest| date_prefix(rest, Reading::STRICT))
        {
            return Some((date, i..i + len));
        }
    }
    None
}

/// A date at the very start of `s`, and the number of bytes it took. The date must
/// end at a word boundary.
fn date_prefix(s: &str, reading: Reading) -> Option<(NaiveDate, usize)> {
    let first = s.chars().next()?;
    if first.is_ascii_digit() {
        numeric_first(s, reading)
    } else if first.is_alphabetic() {
        month_first(s)
    } else {
        None
    }
}

fn make_date(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    let year = i32::try_from(year).ok()?;
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A run of ASCII digits starting at `at` whose length is within `len`, and where it ends.
fn digits(s: &str, at: usize, len: RangeInclusive<usize>) -> Option<(u32, usize)> {
    let run = s.get(at..)?.bytes().take_while(u8::is_ascii_digit).count();
    if !len.contains(&run) {
        return None;
    }
    let value = s.get(at..at + run)?.parse().ok()?;
    Some((value, at + run))
}

fn byte_at(s: &str, at: usize) -> Option<u8> {
    s.as_bytes().get(at).copied()
}

/// True when the date ending at `end` is not glued to a following letter or digit.
fn ends_word(s: &str, end: usize) -> bool {
    s.get(end..)
        .and_then(|rest| rest.chars().next())
        .is_none_or(|c| !c.is_alphanumeric())
}

/// A year of four digits at `at`, or of two when `reading` allows them (`00` to
/// `pivot - 1` are 2000s, the others 1900s), and where it ends.
fn year_at(s: &str, at: usize, reading: Reading) -> Option<(u32, usize)> {
    let run = s.get(at..)?.bytes().take_while(u8::is_ascii_digit).count();
    match (run, reading.pivot) {
        (4, _) => digits(s, at, 4..=4),
        (2, Some(pivot)) => {
            let (yy, end) = digits(s, at, 2..=2)?;
            let century = if yy < pivot { 2000 } else { 1900 };
            Some((century + yy, end))
        }
        _ => None,
    }
}

/// `2025-03-14`, `03/14/2025`, `03-14-2025`, `14-MAR-2025`, `14 March 2025`,
/// `31 Oct, 2022`, `5 de febrero de 2025`, and for day-first readings `14.03.2025`;
/// with two-digit years allowed, also `12/14/00` and `14-MAR-00`.
fn numeric_first(s: &str, reading: Reading) -> Option<(NaiveDate, usize)> {
    let order = reading.order;
    let (a, p) = digits(s, 0, 1..=4)?;
    if p == 4 {
        // ISO: year-month-day, optionally followed by a time ("T10:30").
        if byte_at(s, p) != Some(b'-') {
            return None;
        }
        let (m, p) = digits(s, p + 1, 1..=2)?;
        if byte_at(s, p) != Some(b'-') {
            return None;
        }
        let (d, end) = digits(s, p + 1, 1..=2)?;
        let time_follows = byte_at(s, end) == Some(b'T')
            && byte_at(s, end + 1).is_some_and(|b| b.is_ascii_digit());
        if !ends_word(s, end) && !time_follows {
            return None;
        }
        return make_date(a, m, d).map(|date| (date, end));
    }
    if p > 2 {
        return None;
    }
    let sep = byte_at(s, p)?;
    match sep {
        b'/' | b'-' | b'.' if byte_at(s, p + 1).is_some_and(|b| b.is_ascii_digit()) => {
            if sep == b'.' && order == DateOrder::Mdy {
                return None;
            }
            let (b, q) = digits(s, p + 1, 1..=2)?;
            if byte_at(s, q) != Some(sep) {
                return None;
            }
            let (year, end) = year_at(s, q + 1, reading)?;
            if !ends_word(s, end) {
                return None;
            }
            let (month, day) = match order {
                DateOrder::Mdy => (a, b),
                DateOrder::Dmy => (b, a),
            };
            make_date(year, month, day).map(|date| (date, end))
        }
        b'-' => {
            // 14-MAR-2025
            let (month, q) = month_word(s, p + 1)?;
            if byte_at(s, q) != Some(b'-') {
                return None;
            }
            let (year, end) = year_at(s, q + 1, reading)?;
            if !ends_word(s, end) {
                return None;
            }
            make_date(year, month, a).map(|date| (date, end))
        }
        b' ' | b'\t' => {
            // 14 March 2025, 31 Oct, 2022, 14 mars 2025, 5 de febrero de 2025
            let q = skip_spaces(s, p);
            let q = skip_de(s, q);
            let (month, q) = month_word(s, q)?;
            let q = if byte_at(s, q) == Some(b',') {
                q + 1
            } else {
                q
            };
            let r = skip_spaces(s, q);
            if r == q {
                return None;
            }
            let r = skip_de(s, r);
            let (year, end) = digits(s, r, 4..=4)?;
            if !ends_word(s, end) {
                return None;
            }
            make_date(year, month, a).map(|date| (date, end))
        }
        _ => None,
    }
}

/// `March 14, 2025`, `Mar. 14 2025`, `Aug 9,2022`, `March 14th, 2025`.
fn month_first(s: &str) -> Option<(NaiveDate, usize)> {
    let (month, p) = month_word(s, 0)?;
    let q = skip_spaces(s, p);
    if q == p {
        return None;
    }
    let (day, mut q) = digits(s, q, 1..=2)?;
    if let Some(suffix) = s.get(q..q + 2) {
        if ["st", "nd", "rd", "th"]
            .iter()
            .any(|o| suffix.eq_ignore_ascii_case(o))
        {
            q += 2;
        }
    }
    let mut r = skip_spaces(s, q);
    if byte_at(s, r) == Some(b',') {
        r = skip_spaces(s, r + 1);
    }
    if r == q {
        return None;
    }
    let (year, end) = digits(s, r, 4..=4)?;
    if !ends_word(s, end) {
        return None;
    }
    make_date(year, month, day).map(|date| (date, end))
}

fn skip_spaces(s: &str, at: usize) -> usize {
    at + s.get(at..).map_or(0, |rest| {
        rest.bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count()
    })
}

/// Skips a Spanish "de " ("5 de febrero de 2025").
fn skip_de(s: &str, at: usize) -> usize {
    match s.get(at..at + 3) {
        Some(de) if de.eq_ignore_ascii_case("de ") => skip_spaces(s, at + 3),
        _ => at,
    }
}

/// A month name or abbreviation starting at `at` (an optional "." after it is
/// taken too), and where it ends.
fn month_word(s: &str, at: usize) -> Option<(u32, usize)> {
    let rest = s.get(at..)?;
    let len: usize = rest
        .chars()
        .take_while(|c| c.is_alphabetic())
        .map(char::len_utf8)
        .sum();
    let word = rest.get(..len)?;
    let month = month_number(fold(word).text.trim())?;
    let mut end = at + len;
    if byte_at(s, end) == Some(b'.') {
        end += 1;
    }
    Some((month, end))
}

/// Month names (English, French, Spanish) in folded form.
fn month_number(word: &str) -> Option<u32> {
    Some(match word {
        "january" | "jan" | "janvier" | "janv" | "enero" | "ene" => 1,
        "february" | "feb" | "fevrier" | "fevr" | "fev" | "febrero" => 2,
        "march" | "mar" | "mars" | "marzo" => 3,
        "april" | "apr" | "avril" | "avr" | "abril" | "abr" => 4,
        "may" | "mai" | "mayo" => 5,
        "june" | "jun" | "juin" | "junio" => 6,
        "july" | "jul" | "juillet" | "juil" | "julio" => 7,
        "august" | "aug" | "aout" | "agosto" | "ago" => 8,
        "september" | "sep" | "sept" | "septembre" | "septiembre" | "setiembre" => 9,
        "october" | "oct" | "octobre" | "octubre" => 10,
        "november" | "nov" | "novembre" | "noviembre" => 11,
        "december" | "dec" | "decembre" | "diciembre" | "dic" => 12,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// File name

/// The file's own name and the folders above it, nearest last.
fn split_path(file_name: &str) -> (&str, Vec<&str>) {
    let mut parts: Vec<&str> = file_name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty())
        .collect();
    let base = parts.pop().unwrap_or("");
    (base, parts)
}

/// The name without its extension (".pdf"); a last part without letters is kept,
/// so `report_2025.03.14` keeps its date.
fn stem(base: &str) -> &str {
    match base.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic()) =>
        {
            stem
        }
        _ => base,
    }
}

struct FileKind {
    kind: Kind,
    score: f32,
    evidence: Vec<Evidence>,
}

fn file_kind(rules: &Rules, file_name: &str) -> Option<FileKind> {
    let (base, dirs) = split_path(file_name);
    let base = fold(stem(base));
    let dirs: Vec<Folded> = dirs.iter().map(|d| fold(d)).collect();
    let mut best: Option<FileKind> = None;
    for kr in &rules.kinds {
        let mut score = 0.0;
        let mut evidence = Vec::new();
        for phrase in &kr.file {
            let weight = if base.text.contains(&phrase.pattern) {
                1.0
            } else if dirs.iter().any(|d| d.text.contains(&phrase.pattern)) {
                rules.folder_weight
            } else {
                continue;
            };
            if weight > 0.0 {
                score += weight;
                evidence.push(Evidence {
                    field: "kind",
                    source: Source::FileName,
                    rule: format!("file-name keyword \"{}\"", phrase.text),
                    matched: clip(file_name),
                    score: weight,
                });
            }
        }
        if score > 0.0 && best.as_ref().is_none_or(|b| score > b.score) {
            best = Some(FileKind {
                kind: kr.kind,
                score,
                evidence,
            });
        }
    }
    best
}

/// A date in the file name (`2025-03-14`, `20250314`, `2025_03_14`), else in the
/// nearest folder name.
fn file_date(file_name: &str) -> Option<NaiveDate> {
    let (base, dirs) = split_path(file_name);
    std::iter::once(base)
        .chain(dirs.into_iter().rev())
        .find_map(name_date)
}

fn name_date(s: &str) -> Option<NaiveDate> {
    let digit_at = |i: usize| byte_at(s, i).is_some_and(|b| b.is_ascii_digit());
    let number = |at: usize, len: usize| -> Option<u32> { s.get(at..at + len)?.parse().ok() };
    let mut i = 0;
    while i < s.len() {
        if !digit_at(i) {
            i += 1;
            continue;
        }
        let run = s.get(i..).map_or(0, |rest| {
            rest.bytes().take_while(u8::is_ascii_digit).count()
        });
        let date = match run {
            8 => make_date(number(i, 4)?, number(i + 4, 2)?, number(i + 6, 2)?),
            4 => {
                let sep = byte_at(s, i + 4);
                let shaped = matches!(sep, Some(b'-' | b'_' | b'.'))
                    && digit_at(i + 5)
                    && digit_at(i + 6)
                    && byte_at(s, i + 7) == sep
                    && digit_at(i + 8)
                    && digit_at(i + 9)
                    && !digit_at(i + 10);
                if shaped {
                    make_date(number(i, 4)?, number(i + 5, 2)?, number(i + 8, 2)?)
                } else {
                    None
                }
            }
            _ => None,
        };
        if date.is_some() {
            return date;
        }
        i += run;
    }
    None
}

// ---------------------------------------------------------------------------
// Title

/// The title a line gives: its [`title_segment`], put in sentence case when
/// written in capitals, at most [`MAX_TITLE_CHARS`].
fn title_from_line(raw: &str, keyword_at: usize, keep_upper: &[String]) -> Option<String> {
    let value = title_segment(raw, keyword_at)?
        .trim_matches(|c: char| c.is_whitespace() || "*=-_#|:.•>".contains(c))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if value.is_empty() {
        return None;
    }
    let value = if value.chars().any(char::is_lowercase) {
        value
    } else {
        sentence_case(&value, keep_upper)
    };
    Some(cut_words(&value, MAX_TITLE_CHARS))
}

/// The part of a line that holds the keyword at byte `keyword_at`: its column
/// (columns are separated by a tab or 3+ spaces), after a "Label:" before the keyword.
fn title_segment(raw: &str, keyword_at: usize) -> Option<&str> {
    raw.get(segment_range(raw, keyword_at)?)
}

/// The byte range of [`title_segment`].
fn segment_range(raw: &str, keyword_at: usize) -> Option<Range<usize>> {
    let gaps = column_gaps(raw);
    let start = gaps
        .iter()
        .filter(|g| g.end <= keyword_at)
        .map(|g| g.end)
        .max()
        .unwrap_or(0);
    let end = gaps
        .iter()
        .filter(|g| g.start >= keyword_at)
        .map(|g| g.start)
        .min()
        .unwrap_or(raw.len());
    let before = raw.get(start..keyword_at)?;
    raw.get(start..end)?;
    match before.rfind(':') {
        Some(colon) => Some(start + colon + 1..end),
        None => Some(start..end),
    }
}

/// Byte ranges of tabs and runs of 3+ whitespace characters.
fn column_gaps(raw: &str) -> Vec<Range<usize>> {
    let mut gaps = Vec::new();
    let mut run: Option<(usize, usize, bool)> = None; // start, count, has tab
    for (i, c) in raw.char_indices().chain(std::iter::once((raw.len(), 'x'))) {
        if c.is_whitespace() {
            let (start, count, tab) = run.unwrap_or((i, 0, false));
            run = Some((start, count + 1, tab || c == '\t'));
        } else if let Some((start, count, tab)) = run.take() {
            if count >= 3 || tab {
                gaps.push(start..i);
            }
        }
    }
    gaps
}

/// "SURGICAL PATHOLOGY REPORT" → "Surgical pathology report"; words in
/// `keep_upper` ("CT") stay in capitals.
fn sentence_case(s: &str, keep_upper: &[String]) -> String {
    fn flush(word: &mut String, out: &mut String, first: &mut bool, keep_upper: &[String]) {
        if word.is_empty() {
            return;
        }
        let upper = word.to_uppercase();
        if keep_upper.contains(&upper) {
            out.push_str(&upper);
        } else if *first {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(&chars.as_str().to_lowercase());
            }
        } else {
            out.push_str(&word.to_lowercase());
        }
        *first = false;
        word.clear();
    }
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let mut first = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut first, keep_upper);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut first, keep_upper);
    out
}

/// At most `max` characters, cut at a space when one is near the end.
fn cut_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(space)
            if cut
                .get(..space)
                .is_some_and(|h| h.chars().count() >= max / 2) =>
        {
            cut.get(..space).unwrap_or(&cut).trim_end().to_string()
        }
        _ => cut,
    }
}

// ---------------------------------------------------------------------------
// The decision

/// `file_name` is the file's relative path or name (e.g. "scans/path_report_2025-03-14.pdf").
/// `text` is the extracted text of the first pages, or None (images, unreadable text).
#[must_use]
pub fn classify(
    rules: &Rules,
    file_name: &str,
    text: Option<&str>,
    overrides: &Overrides,
) -> Classified {
    let lines = text.map(|t| lines_of(rules, t)).unwrap_or_default();
    let scoring = score_kinds(rules, &lines);
    let scores = &scoring.scores;
    let text_winner = best_kind(scores).filter(|s| s.total > 0.0 && s.total >= rules.min_score);
    let title_hit = text_winner.and_then(KindScore::title_hit);
    let line_text = |li: usize| lines.get(li).map_or(String::new(), |l| clip(l.raw));
    let mut evidence = Vec::new();

    // Kind.
    let (kind, kind_score) = if let Some(kind) = overrides.kind {
        evidence.push(override_evidence("kind", kind.as_str()));
        (kind, 0.0)
    } else if let Some(winner) = text_winner {
        let mut hits: Vec<&Hit> = winner
            .title_hits
            .iter()
            .chain(&winner.header_hits)
            .chain(&winner.body_hits)
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        evidence.extend(hits.into_iter().take(MAX_KIND_EVIDENCE).map(|h| Evidence {
            field: "kind",
            source: Source::Text,
            rule: h.rule.clone(),
            matched: line_text(h.line),
            score: h.score,
        }));
        // Evidence for other kinds that did not count, strongest first.
        let mut set_aside: Vec<&SetAside> = scoring
            .set_aside
            .iter()
            .filter(|s| s.kind != winner.kind && s.score > 0.0)
            .collect();
        set_aside.sort_by(|a, b| b.score.total_cmp(&a.score));
        evidence.extend(
            set_aside
                .into_iter()
                .take(MAX_SET_ASIDE_EVIDENCE)
                .map(|s| Evidence {
                    field: "kind",
                    source: Source::Text,
                    rule: format!("not {}: {}", s.kind, s.why),
                    matched: line_text(s.line),
                    score: -s.score,
                }),
        );
        (winner.kind, winner.total)
    } else if let Some(found) = file_kind(rules, file_name) {
        evidence.extend(found.evidence);
        (found.kind, found.score)
    } else {
        let best = best_kind(scores).filter(|s| s.total > 0.0);
        let rule = match best {
            Some(s) => format!(
                "no kind rule reached the minimum score {} (best: {} with {}): \
                 confirm the kind in packet.toml",
                rules.min_score, s.kind, s.total
            ),
            None => "no kind keyword in the text or the file name: \
                     confirm the kind in packet.toml"
                .to_string(),
        };
        evidence.push(Evidence {
            field: "kind",
            source: Source::Default,
            rule,
            matched: clip(file_name),
            score: 0.0,
        });
        (Kind::Other, 0.0)
    };

    // Date.
    let births = birth_dates(rules, &lines);
    let doc_order = document_order(rules, &lines, &scoring.lang_weights);
    let date = if let Some(date) = overrides.date {
        evidence.push(override_evidence("date", &date.to_string()));
        Some(date)
    } else if let Some(found) = text_date(rules, &lines, kind, &births, &doc_order)
        .or_else(|| title_hit.and_then(|h| title_line_date(rules, &lines, h.line, &births)))
    {
        evidence.push(Evidence {
            field: "date",
            source: Source::Text,
            rule: found.rule,
            matched: line_text(found.line),
            score: found.score,
        });
        Some(found.date)
    } else if let Some(date) = file_date(file_name) {
        evidence.push(Evidence {
            field: "date",
            source: Source::FileName,
            rule: "date in file name".to_string(),
            matched: clip(file_name),
            score: 1.0,
        });
        Some(date)
    } else {
        evidence.push(Evidence {
            field: "date",
            source: Source::Default,
            rule: "no labelled date in the text and no date in the file name: undated".to_string(),
            matched: String::new(),
            score: 0.0,
        });
        None
    };

    // Title.
    let override_title = overrides
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let text_title = title_hit.and_then(|h| {
        let line = lines.get(h.line)?;
        let title = title_from_line(line.raw, line.folded.orig(h.start), &rules.keep_upper)?;
        Some((title, h))
    });
    let title = if let Some(title) = override_title {
        evidence.push(override_evidence("title", title));
        title.to_string()
    } else if let Some((title, hit)) = text_title {
        evidence.push(Evidence {
            field: "title",
            source: Source::Text,
            rule: "title line".to_string(),
            matched: line_text(hit.line),
            score: hit.score,
        });
        title
    } else {
        evidence.push(Evidence {
            field: "title",
            source: Source::Default,
            rule: "label of the kind".to_string(),
            matched: kind.label().to_string(),
            score: 0.0,
        });
        kind.label().to_string()
    };

    Classified {
        kind,
        date,
        title,
        kind_score,
        evidence,
    }
}

fn override_evidence(field: &'static str, value: &str) -> Evidence {
    Evidence {
        field,
        source: Source::PacketToml,
        rule: format!("packet.toml {field}"),
        matched: clip(value),
        score: 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn rules() -> Rules {
        Rules::builtin().expect("the built-in rules parse")
    }

    #[test]
    fn builtin_rules_parse_and_cover_every_kind() {
        let rules = rules();
        for kind in Kind::ALL {
            let kr = rules.kinds.iter().find(|k| k.kind == kind);
            assert!(
                kr.is_some_and(|k| !k.title.is_empty()),
                "{kind} has title keywords"
            );
        }
        assert!(rules.labels.len() > 20);
    }

    #[test]
    fn parse_date_accepts_every_documented_form() {
        let table = [
            ("2025-03-14", date(2025, 3, 14)),
            ("  2025-03-14  ", date(2025, 3, 14)),
            ("03/14/2025", date(2025, 3, 14)),
            ("3/14/2025", date(2025, 3, 14)),
            ("3/4/2025", date(2025, 3, 4)),
            ("03-14-2025", date(2025, 3, 14)),
            ("March 14, 2025", date(2025, 3, 14)),
            ("march 14 2025", date(2025, 3, 14)),
            ("Mar 14, 2025", date(2025, 3, 14)),
            ("Mar. 14, 2025", date(2025, 3, 14)),
            ("MAR 14, 2025", date(2025, 3, 14)),
            ("Aug 9,2022", date(2022, 8, 9)),
            ("Sept 3, 2024", date(2024, 9, 3)),
            ("April 2nd, 2025", date(2025, 4, 2)),
            ("14 March 2025", date(2025, 3, 14)),
            ("14 Mar 2025", date(2025, 3, 14)),
            ("14-MAR-2025", date(2025, 3, 14)),
            ("14-Mar-2025", date(2025, 3, 14)),
            ("2024-02-29", date(2024, 2, 29)),
            ("14 mars 2025", date(2025, 3, 14)),
            ("3 février 2025", date(2025, 2, 3)),
            ("5 de febrero de 2025", date(2025, 2, 5)),
            ("12 diciembre 2024", date(2024, 12, 12)),
        ];
        for (input, want) in table {
            assert_eq!(parse_date(input), Some(want), "{input:?}");
        }
    }

    #[test]
    fn parse_date_rejects_impossible_dates_and_garbage() {
        let table = [
            "02/30/2025",
            "2025-02-29",
            "13/01/2025",
            "2025-13-01",
            "2025-00-10",
            "14/03/2025",
            "February 30, 2025",
            "31-APR-2025",
            "12/14/00",
            "3/14/25",
            "2025",
            "March 2025",
            "14 Marchy 2025",
            "Smarch 14, 2025",
            "03.14.2025",
            "2025/03/14",
            "20250314",
            "1850-01-01",
            "on 03/14/2025",
            "03/14/2025 at noon",
            "2025-03-14T10:00",
            "03/14/20251",
            "",
            "   ",
            "date",
            "ÉÉÉ 14, 2025",
            "١٢/١٤/٢٠٢٥",
        ];
        for input in table {
            assert_eq!(parse_date(input), None, "{input:?}");
        }
    }

    #[test]
    fn find_date_returns_the_first_date_and_its_byte_range() {
        let table: [(&str, Option<(NaiveDate, &str)>); 8] = [
            (
                "Seen on 03/14/2025 for pain",
                Some((date(2025, 3, 14), "03/14/2025")),
            ),
            (
                "Exam: SEP 24, 2004@11:25",
                Some((date(2004, 9, 24), "SEP 24, 2004")),
            ),
            (
                "Opéré le 2 avril 2025.",
                Some((date(2025, 4, 2), "2 avril 2025")),
            ),
            (
                "éé 2025-03-14T08:00",
                Some((date(2025, 3, 14), "2025-03-14")),
            ),
            (
                "Room 12/14/00 and 3/4/2025",
                Some((date(2025, 3, 4), "3/4/2025")),
            ),
            ("ID 5503/14/2025", None),
            ("no date here", None),
            ("", None),
        ];
        for (input, want) in table {
            let got = find_date(input);
            match want {
                Some((d, text)) => {
                    let (found, range) = got.expect("a date is found");
                    assert_eq!(found, d, "{input:?}");
                    assert_eq!(input.get(range), Some(text), "{input:?}");
                }
                None => assert_eq!(got, None, "{input:?}"),
            }
        }
    }

    struct Case {
        name: &'static str,
        file: &'static str,
        text: Option<&'static str>,
        overrides: Overrides,
        kind: Kind,
        date: Option<NaiveDate>,
        title: &'static str,
    }

    fn case(
        name: &'static str,
        file: &'static str,
        text: Option<&'static str>,
        kind: Kind,
        date: Option<NaiveDate>,
        title: &'static str,
    ) -> Case {
        Case {
            name,
            file,
            text,
            overrides: Overrides::default(),
            kind,
            date,
            title,
        }
    }

    #[test]
    fn classify_table() {
        let rules = rules();
        let cases = [
            case(
                "pathology title line",
                "doc1.pdf",
                Some(
                    "Lakeside Regional Laboratory\nSURGICAL PATHOLOGY REPORT\n\
                     Patient: Ada Quill    DOB: 04/12/1961\n\
                     Collected: 02/03/2025   Received: 02/04/2025\n\
                     Specimen: left breast core biopsy\nFINAL DIAGNOSIS: invasive ductal carcinoma",
                ),
                Kind::PathologyReport,
                Some(date(2025, 2, 3)),
                "Surgical pathology report",
            ),
            case(
                "operative report takes the date of surgery",
                "doc2.pdf",
                Some(
                    "OPERATIVE REPORT\nPatient: Bo Finch\nDate of Admission: 01/09/2025\n\
                     Date of Surgery: 01/10/2025\nReport Date: 01/12/2025\n\
                     PREOPERATIVE DIAGNOSIS: left breast cancer\nESTIMATED BLOOD LOSS: 20 mL",
                ),
                Kind::OperativeReport,
                Some(date(2025, 1, 10)),
                "Operative report",
            ),
            case(
                "discharge summary takes the discharge date, not the admission date",
                "doc3.pdf",
                Some(
                    "DISCHARGE SUMMARY\nAdmission Date: 03/01/2025\nDischarge Date: 03/05/2025\n\
                     HOSPITAL COURSE: uneventful recovery.",
                ),
                Kind::DischargeSummary,
                Some(date(2025, 3, 5)),
                "Discharge summary",
            ),
            case(
                "pathology mentioned only in the body of a discharge summary",
                "doc4.pdf",
                Some(
                    "Mercy Vale Hospital\nDischarge Summary\nPatient: Cy Marlow\n\
                     Date of Discharge: April 2, 2025\n\
                     Hospital course: biopsy taken; the pathology report showed a benign lesion.\n\
                     Final diagnosis per pathology: fibroadenoma. Specimen sent for review.",
                ),
                Kind::DischargeSummary,
                Some(date(2025, 4, 2)),
                "Discharge Summary",
            ),
            case(
                "treatment plan title",
                "doc5.pdf",
                Some("CHEMOTHERAPY TREATMENT PLAN\nPlan Date: 2025-05-06\nRegimen: AC-T, 8 cycles"),
                Kind::TreatmentPlan,
                Some(date(2025, 5, 6)),
                "Chemotherapy treatment plan",
            ),
            case(
                "medication list title",
                "doc6.pdf",
                Some("Medication List\nDate: 06/01/2025\nTamoxifen 20 mg tablet, by mouth daily"),
                Kind::MedicationList,
                Some(date(2025, 6, 1)),
                "Medication List",
            ),
            case(
                "consultation note with a date in the title line",
                "doc7.pdf",
                Some(
                    "Oncology Consultation Note - March 3, 2025\n\
                     Reason for consultation: new diagnosis.\nSeen again 03/20/2025.",
                ),
                Kind::ConsultationNote,
                Some(date(2025, 3, 3)),
                "Oncology Consultation Note - March 3, 2025",
            ),
            case(
                "imaging report keeps CT in capitals",
                "doc8.pdf",
                Some(
                    "Northfield Imaging\tExam: CT CHEST WITH CONTRAST\nExam Date: 14-JAN-2025\n\
                     TECHNIQUE: axial images.\nIMPRESSION: no metastatic disease.",
                ),
                Kind::ImagingReport,
                Some(date(2025, 1, 14)),
                "CT chest with contrast",
            ),
            case(
                "lab results take the collection date",
                "doc9.pdf",
                Some(
                    "LABORATORY RESULTS\nReport Date: 2025-02-10\nCollected: 2025-02-08 07:40\n\
                     Test  Result  Units  Reference Range\nHemoglobin 12.1 g/dL 12.0-16.0",
                ),
                Kind::LabResults,
                Some(date(2025, 2, 8)),
                "Laboratory results",
            ),
            case(
                "low-evidence text is other and undated",
                "letter.pdf",
                Some("Dear Ms. Quill,\nPlease bring your insurance card on 03/14/2025.\nThank you."),
                Kind::Other,
                None,
                "Other record",
            ),
            case(
                "a date of birth is never the document date",
                "doc10.pdf",
                Some("PATHOLOGY REPORT\nPatient: Dee Rowan\nDate of Birth: 07/08/1959\nDOB 07/08/1959"),
                Kind::PathologyReport,
                None,
                "Pathology report",
            ),
            case(
                "birth date label is not the generic date label",
                "doc11.pdf",
                Some("CONSULTATION NOTE\nBirth Date: 07/08/1959\nPrinted Date: 05/05/2025"),
                Kind::ConsultationNote,
                None,
                "Consultation note",
            ),
            case(
                "an unlabelled date in the body is not taken",
                "doc12.pdf",
                Some("OPERATIVE NOTE\nSurgeon: Dr. Ames\nThe patient was last seen 02/02/2025."),
                Kind::OperativeReport,
                None,
                "Operative note",
            ),
            case(
                "file name only: kind and ISO date",
                "scans/path_report_2025-03-14.pdf",
                None,
                Kind::PathologyReport,
                Some(date(2025, 3, 14)),
                "Pathology report",
            ),
            case(
                "file name only: compact date",
                "ct_chest_20240102.pdf",
                None,
                Kind::ImagingReport,
                Some(date(2024, 1, 2)),
                "Imaging report",
            ),
            case(
                "file name only: underscored date and a folder keyword",
                "labs/2025_01_15 results.pdf",
                None,
                Kind::LabResults,
                Some(date(2025, 1, 15)),
                "Lab results",
            ),
            case(
                "file name used when the text is too weak",
                "mri_brain_2024-11-02.pdf",
                Some("Page 1 of 2"),
                Kind::ImagingReport,
                Some(date(2024, 11, 2)),
                "Imaging report",
            ),
            case(
                "the text beats the file name",
                "discharge_2020-01-01.pdf",
                Some("SURGICAL PATHOLOGY REPORT\nDate Collected: 05/06/2025"),
                Kind::PathologyReport,
                Some(date(2025, 5, 6)),
                "Surgical pathology report",
            ),
            case(
                "contract is not ct",
                "contract_scan.pdf",
                None,
                Kind::Other,
                None,
                "Other record",
            ),
            case(
                "label ending its line takes the date on the next line",
                "doc13.pdf",
                Some("OPERATIVE REPORT\nDATE OF PROCEDURE:\n09/09/2024\nSurgeon: Dr. Ames"),
                Kind::OperativeReport,
                Some(date(2024, 9, 9)),
                "Operative report",
            ),
            case(
                "French operative report reads numeric dates day first",
                "cr.pdf",
                Some(
                    "Clinique des Tilleuls\nCOMPTE RENDU OPÉRATOIRE\n\
                     Date de l'intervention : 03/04/2025\nChirurgien : Dr Morel",
                ),
                Kind::OperativeReport,
                Some(date(2025, 4, 3)),
                "Compte rendu opératoire",
            ),
            case(
                "French title without accents",
                "cr2.pdf",
                Some("COMPTE RENDU OPERATOIRE\nChirurgien : Dr Morel"),
                Kind::OperativeReport,
                None,
                "Compte rendu operatoire",
            ),
            case(
                "French pathology report",
                "ap.pdf",
                Some(
                    "COMPTE RENDU ANATOMOPATHOLOGIQUE\nDate du prélèvement : 12 mars 2025\n\
                     Macroscopie : fragment de 2 cm.\nMicroscopie : carcinome.",
                ),
                Kind::PathologyReport,
                Some(date(2025, 3, 12)),
                "Compte rendu anatomopathologique",
            ),
            case(
                "French discharge letter",
                "sortie.pdf",
                Some("LETTRE DE SORTIE\nDate d'entrée : 01/03/2025\nDate de sortie : 08/03/2025"),
                Kind::DischargeSummary,
                Some(date(2025, 3, 8)),
                "Lettre de sortie",
            ),
            case(
                "Spanish pathology report",
                "ap_es.pdf",
                Some(
                    "INFORME DE ANATOMÍA PATOLÓGICA\nFecha de toma: 05/02/2025\n\
                     Descripción macroscópica: cilindro de 1 cm.",
                ),
                Kind::PathologyReport,
                Some(date(2025, 2, 5)),
                "Informe de anatomía patológica",
            ),
            case(
                "Spanish operative report",
                "iq.pdf",
                Some("INFORME QUIRÚRGICO\nFecha de la cirugía: 5 de febrero de 2025\nCirujano: Dra. Vidal"),
                Kind::OperativeReport,
                Some(date(2025, 2, 5)),
                "Informe quirúrgico",
            ),
            case(
                "Spanish discharge report",
                "alta.pdf",
                Some("Hospital del Sur\nINFORME DE ALTA\nFecha de ingreso: 01/02/2025\nFecha de alta: 10/02/2025"),
                Kind::DischargeSummary,
                Some(date(2025, 2, 10)),
                "Informe de alta",
            ),
            case(
                "a progress note is other, even with body keywords of other kinds",
                "note.pdf",
                Some("PROGRESS NOTE\nDate of Service: 07/07/2025\nFindings: stable.\nContinue tamoxifen 20 mg daily."),
                Kind::Other,
                Some(date(2025, 7, 7)),
                "Progress note",
            ),
        ];
        for c in cases {
            let got = classify(&rules, c.file, c.text, &c.overrides);
            assert_eq!(
                got.kind, c.kind,
                "{}: kind; evidence {:#?}",
                c.name, got.evidence
            );
            assert_eq!(
                got.date, c.date,
                "{}: date; evidence {:#?}",
                c.name, got.evidence
            );
            assert_eq!(got.title, c.title, "{}: title", c.name);
        }
    }

    #[test]
    fn overrides_beat_text_and_file_name() {
        let rules = rules();
        let overrides = Overrides {
            kind: Some(Kind::ConsultationNote),
            date: Some(date(2024, 12, 24)),
            title: Some("  Second opinion, Dr. Hale  ".to_string()),
        };
        let got = classify(
            &rules,
            "path_report_2025-03-14.pdf",
            Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025"),
            &overrides,
        );
        assert_eq!(got.kind, Kind::ConsultationNote);
        assert_eq!(got.date, Some(date(2024, 12, 24)));
        assert_eq!(got.title, "Second opinion, Dr. Hale");
        assert_eq!(got.kind_score, 0.0);
        let from_toml: Vec<&Evidence> = got
            .evidence
            .iter()
            .filter(|e| e.source == Source::PacketToml)
            .collect();
        assert_eq!(from_toml.len(), 3);
        assert!(from_toml.iter().all(|e| e.score == 1.0));

        // Only the kind overridden: the date and title still come from the text.
        let kind_only = Overrides {
            kind: Some(Kind::OperativeReport),
            ..Overrides::default()
        };
        let got = classify(
            &rules,
            "x.pdf",
            Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025\nDate of Surgery: 01/20/2025"),
            &kind_only,
        );
        assert_eq!(got.kind, Kind::OperativeReport);
        assert_eq!(
            got.date,
            Some(date(2025, 1, 20)),
            "the label of the decided kind wins"
        );
        assert_eq!(got.title, "Surgical pathology report");
    }

    #[test]
    fn evidence_names_the_keywords_and_the_date_label() {
        let rules = rules();
        let got = classify(
            &rules,
            "a.pdf",
            Some("SURGICAL PATHOLOGY REPORT\nCollected: 02/03/2025\nGross description: 2 cores."),
            &Overrides::default(),
        );
        let kind: Vec<&Evidence> = got.evidence.iter().filter(|e| e.field == "kind").collect();
        assert_eq!(
            kind.first().map(|e| e.rule.as_str()),
            Some("title keyword \"surgical pathology report\"")
        );
        assert_eq!(kind.first().map(|e| e.score), Some(12.0));
        assert!(kind.iter().all(|e| e.source == Source::Text));
        assert!(
            kind.iter()
                .all(|e| e.rule != "title keyword \"pathology\" in body"),
            "a keyword inside a longer one does not count again"
        );
        assert!(got.kind_score >= 12.0 + 1.5);
        let date = got
            .evidence
            .iter()
            .find(|e| e.field == "date")
            .expect("date evidence");
        assert_eq!(date.rule, "date label \"Collected\"");
        assert_eq!(date.matched, "Collected: 02/03/2025");
        assert_eq!(date.source, Source::Text);

        let undated = classify(&rules, "notes.txt", Some("hello"), &Overrides::default());
        assert!(undated
            .evidence
            .iter()
            .any(|e| e.field == "date" && e.source == Source::Default));
    }

    #[test]
    fn body_keywords_alone_can_decide_but_are_capped() {
        let rules = rules();
        // Body words in a sentence: capped at body_cap.
        let text = "The preoperative diagnosis was a mass, and the postoperative diagnosis \
                    the same; the procedure performed was an excision with estimated blood \
                    loss minimal, under general anesthesia, by the surgeon, through a \
                    curvilinear incision.";
        let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
        assert_eq!(got.kind, Kind::OperativeReport);
        assert!(got.kind_score <= rules.body_cap + f32::EPSILON);
        assert_eq!(got.title, "Operative report");

        // Section headers: each counts header_multiplier times its weight, together at
        // most header_cap.
        let text = "Preoperative diagnosis: mass\nPostoperative diagnosis: same\n\
                    Procedure performed: excision\nEstimated blood loss: minimal\n\
                    Anesthesia: general\nSurgeon: Dr. Ames\nIncision: curvilinear";
        let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
        assert_eq!(got.kind, Kind::OperativeReport);
        assert!((got.kind_score - rules.header_cap).abs() < f32::EPSILON);
        let first = got.evidence.first().expect("kind evidence");
        assert_eq!(first.rule, "section header \"preoperative diagnosis\"");
        assert_eq!(first.score, 1.5 * rules.header_multiplier);
        assert_eq!(got.title, "Operative report");
    }

    #[test]
    fn rules_errors_say_what_is_wrong() {
        let base = |kind_block: &str| {
            format!(
                "[scoring]\ntitle_lines = 8\ntitle_extra_words = 6\nheader_lines = 60\n\
                 title_multiplier = 3\nheader_multiplier = 1.5\nbody_multiplier = 1\n\
                 header_cap = 9\nbody_cap = 6\nmin_score = 3\nfolder_weight = 0.5\n\n\
                 [[language]]\ncode = \"en\"\norder = \"mdy\"\n\
                 [[language]]\ncode = \"fr\"\norder = \"dmy\"\n\n{kind_block}\n\
                 [dates]\nkind_bonus = 50\n[[dates.label]]\nlabel = \"Date\"\npriority = 10\n"
            )
        };
        let ok = base(
            "[[kind]]\nname = \"lab-results\"\ntitle.en = [{ phrase = \"lab results\", weight = 4 }]\n\
             title.fr = [{ phrase = \"résultats d analyses\", weight = 4 }]\n",
        );
        let rules = Rules::from_toml(&ok).expect("valid rules");
        assert_eq!(rules.languages.len(), 2);
        assert_eq!(rules.kinds.first().map(|k| k.title.len()), Some(2));
        assert_eq!(rules.century_pivot, 69, "the default pivot");

        let table = [
            ("[[kind]]\nname = \"pathology\"\n", "pathology"),
            (
                "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \" -- \", weight = 1 }]\n",
                "no letters",
            ),
            (
                "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"x\", weight = -1 }]\n",
                "weight",
            ),
            (
                "[[kind]]\nname = \"other\"\n[[kind]]\nname = \"other\"\n",
                "twice",
            ),
            ("[[kind]]\nname = \"other\"\nbogus = 1\n", "bogus"),
            (
                "[[kind]]\nname = \"other\"\ntitle.de = [{ phrase = \"befund\", weight = 3 }]\n",
                "unknown language \"de\"",
            ),
            (
                "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"Note\", weight = 3 }]\n\
                 title.fr = [{ phrase = \"note\", weight = 3 }]\n",
                "listed twice in title",
            ),
            (
                "[[kind]]\nname = \"other\"\ntitle.en = [{ phrase = \"views\", weight = 2 }]\n\
                 body.fr = [{ phrase = \"Views\", weight = 1 }]\n",
                "both title and body",
            ),
            (
                "[[kind]]\nname = \"other\"\nincludes = [\"other\"]\n",
                "cannot include itself",
            ),
            (
                "[abbreviations]\n\"spec taken\" = \"specimen taken\"\n[[kind]]\nname = \"other\"\n",
                "one word",
            ),
            (
                "[[kind]]\nname = \"other\"\n[dates]\nkind_bonus = 1\ncentury_pivot = 150\n",
                "century_pivot",
            ),
            (
                "[[kind]]\nname = \"other\"\n[dates]\nkind_bonus = 1\n[[dates.label]]\n\
                 label = \"Fecha\"\npriority = 10\nlang = \"es\"\n",
                "unknown language \"es\"",
            ),
        ];
        for (block, needle) in table {
            // A block with its own [dates] replaces the base one.
            let text = match block.split_once("[dates]") {
                Some((kinds, dates)) => base(kinds)
                    .split_once("[dates]")
                    .map(|(head, _)| format!("{head}[dates]{dates}"))
                    .unwrap_or_default(),
                None => base(block),
            };
            let err = Rules::from_toml(&text).expect_err(block).to_string();
            assert!(err.contains(needle), "{block:?}: {err}");
        }
        assert!(Rules::from_toml("not = [toml").is_err());
    }

    #[test]
    fn odd_text_does_not_panic_and_titles_stay_short() {
        let rules = rules();
        let long = format!("SURGICAL PATHOLOGY REPORT {}", "É".repeat(100));
        let texts = [
            long.as_str(),
            "İSTANBUL İÇİN PATHOLOGY REPORT\u{301}",
            "e\u{301}chographie du sein\nDate: 2025-01-01",
            "Date:",
            "Date: \u{200b}",
            "DOB:\n",
            "Collected: 02/30/2025\n",
            "ﬁnal diagnosis ✓ 🩺 specimen",
            "\u{0}\u{1}\t\t\t:::",
        ];
        for text in texts {
            let got = classify(&rules, "ü/é—ß.pdf", Some(text), &Overrides::default());
            assert!(got.title.chars().count() <= MAX_TITLE_CHARS, "{text:?}");
            for e in &got.evidence {
                assert!(e.matched.chars().count() <= MAX_MATCHED_CHARS);
            }
            for (i, _) in text.char_indices() {
                let _ = text.get(i..).map(find_date);
            }
        }
        let got = classify(&rules, "x.pdf", Some(&long), &Overrides::default());
        assert_eq!(got.kind, Kind::PathologyReport);
        assert!(
            got.title.starts_with("Surgical pathology report é"),
            "{}",
            got.title
        );
        assert_eq!(got.title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(cut_words("one two three four five", 12), "one two");
    }

    #[test]
    fn decomposed_accents_match_like_composed_ones() {
        let rules = rules();
        let got = classify(
            &rules,
            "x.pdf",
            Some("COMPTE RENDU OPE\u{301}RATOIRE\nChirurgien : Dr Morel"),
            &Overrides::default(),
        );
        assert_eq!(got.kind, Kind::OperativeReport);
    }

    /// One document of the kind tables below: its text, the kind and title expected, and
    /// a piece of evidence the decision must show.
    struct KindCase {
        name: &'static str,
        text: &'static str,
        kind: Kind,
        title: &'static str,
        /// A `kind` evidence rule must contain this.
        evidence: &'static str,
    }

    fn check_kind_cases(cases: &[KindCase]) {
        let rules = rules();
        for c in cases {
            let got = classify(&rules, "doc.pdf", Some(c.text), &Overrides::default());
            assert_eq!(
                got.kind, c.kind,
                "{}: kind; evidence {:#?}",
                c.name, got.evidence
            );
            assert_eq!(got.title, c.title, "{}: title", c.name);
            assert!(
                got.evidence
                    .iter()
                    .any(|e| e.field == "kind" && e.rule.contains(c.evidence)),
                "{}: no kind evidence with {:?} in {:#?}",
                c.name,
                c.evidence,
                got.evidence
            );
        }
    }

    #[test]
    fn titles_outweigh_section_headers_and_headers_outweigh_body_words() {
        check_kind_cases(&[
            KindCase {
                name: "a title keyword written as a section label is not the title",
                text: "LOCAL TITLE: NEUROLOGY CONSULT\nActive Medications:\n\
                       1) Zorvatin 10 mg tablet by mouth daily\n\
                       2) Quellox 5 mg tablet by mouth twice daily as needed",
                kind: Kind::ConsultationNote,
                title: "Neurology consult",
                evidence: "title keyword \"consult\"",
            },
            KindCase {
                name: "section headers near the top decide when there is no title",
                text: "Accession: XP-00-1234\nReceived: 01/02/2003\n\
                       GROSS DESCRIPTION:\nTwo tan fragments, 3 mm.\n\
                       FINAL DIAGNOSIS:\nBenign fibrous tissue.",
                kind: Kind::PathologyReport,
                title: "Pathology report",
                evidence: "section header \"gross description\"",
            },
            KindCase {
                name: "a title keyword in a sentence of the body is a weak mention",
                text: "Clinic visit for knee pain.\n\
                       We talked about the basic metabolic panel from last spring and will repeat it.",
                kind: Kind::Other,
                title: "Other record",
                evidence: "confirm the kind in packet.toml",
            },
            KindCase {
                name: "a kind named only in a sentence is below the minimum score",
                text: "Dear Mr. Tamsin,\nYour discharge paperwork is ready at the front desk.",
                kind: Kind::Other,
                title: "Other record",
                evidence: "no kind rule reached the minimum score",
            },
            KindCase {
                name: "plain-film views name an imaging exam",
                text: "ANKLE 3 OR MORE VIEWS\nExam Date: 01/05/2019\nImpression: no fracture.",
                kind: Kind::ImagingReport,
                title: "Ankle 3 or more views",
                evidence: "title keyword \"views\"",
            },
            KindCase {
                name: "nuclear medicine is imaging",
                text: "MYOCARDIAL PERFUSION (SPECT)\nImg Loc: NUCLEAR MEDICINE\nImpression: no ischemia.",
                kind: Kind::ImagingReport,
                title: "Myocardial perfusion (SPECT)",
                evidence: "title keyword \"spect\"",
            },
            KindCase {
                name: "a laboratory discipline names lab results",
                text: "Collection sample: STOOL\n* PARASITOLOGY FINAL REPORT\nNO OVA OR PARASITES SEEN",
                kind: Kind::LabResults,
                title: "Parasitology final report",
                evidence: "title keyword \"parasitology\"",
            },
            KindCase {
                name: "British spelling of a laboratory discipline",
                text: "HAEMATOLOGY\nHaemoglobin 131 g/L",
                kind: Kind::LabResults,
                title: "Haematology",
                evidence: "title keyword \"haematology\"",
            },
            KindCase {
                name: "a specimen section and a pathologist make a pathology report",
                text: "Date Spec taken: Feb 03, 2002     Pathologist: ADA QUINT MD\nSpecimen:\n\
                       SKIN, LEFT ARM",
                kind: Kind::PathologyReport,
                title: "Pathology report",
                evidence: "section header \"specimen\"",
            },
            KindCase {
                name: "a visit note is other, whatever its sections",
                text: "STANDARD TITLE: PRIMARY CARE OUTPATIENT NOTE\nMEDICATIONS:\n\
                       Active Medications\n1) Drug A 5 mg tablet by mouth daily\nLabs:\n\
                       No CBC in the past year",
                kind: Kind::Other,
                title: "Primary care outpatient note",
                evidence: "title keyword \"outpatient note\"",
            },
            KindCase {
                name: "a treatment agreement is other, not a medication list",
                text: "TREATMENT AGREEMENT FOR USE OF SLEEP MEDICATIONS\n\
                       I agree to take the medicine only as prescribed.",
                kind: Kind::Other,
                title: "Treatment agreement for use of sleep medications",
                evidence: "title keyword \"treatment agreement\"",
            },
            KindCase {
                name: "a disability examination is other",
                text: "COMPENSATION AND PENSION EXAMINATION\nMEDICAL HISTORY\nReview of records.",
                kind: Kind::Other,
                title: "Compensation and pension examination",
                evidence: "title keyword \"compensation and pension\"",
            },
            KindCase {
                name: "French consultation title",
                text: "COMPTE RENDU DE CONSULTATION\nMotif de consultation : douleur thoracique",
                kind: Kind::ConsultationNote,
                title: "Compte rendu de consultation",
                evidence: "title keyword \"compte rendu de consultation\"",
            },
            KindCase {
                name: "Spanish progress note is other",
                text: "NOTA DE EVOLUCIÓN\nPaciente estable.",
                kind: Kind::Other,
                title: "Nota de evolución",
                evidence: "title keyword \"nota de evolución\"",
            },
        ]);
    }

    #[test]
    fn carriers_and_addenda_are_typed_by_what_they_carry() {
        check_kind_cases(&[
            KindCase {
                name: "a results letter carrying a pathology report, its title below the letter head",
                text: "PATIENT LETTER\nPage 1 of 2\nCONFIDENTIAL\nDear Mr. Fenwick,\n\
                       Thank you for coming in.\nYour results are below.\n\
                       Please call us with any questions.\nSincerely, your care team\n\
                       SURGICAL PATHOLOGY REPORT\nPREOPERATIVE DIAGNOSIS: colon polyp\n\
                       POSTOPERATIVE DIAGNOSIS: same\nGross description: two fragments.\n\
                       DIAGNOSIS: tubular adenoma.",
                kind: Kind::PathologyReport,
                title: "Surgical pathology report",
                evidence: "not operative-report: its section headers and body words are part of the pathology-report",
            },
            KindCase {
                name: "a letter carrying a lab table is lab results",
                text: "RESULTS LETTER\nDear Ms. Orrin,\nThis is to inform you of your results:\n\
                       Test        Result    Date drawn   Units       Reference Range\n\
                       SODIUM        139     3/02/21      mmol/L      135 - 145\n\
                       GLUCOSE        92     3/02/21      mg/dL        70 - 99",
                kind: Kind::LabResults,
                title: "Lab results",
                evidence: "section header \"reference range\"",
            },
            KindCase {
                name: "an ADDENDUM line above the title keeps the report's kind and title",
                text: "ADDENDUM\nSURGICAL PATHOLOGY REPORT\nCollected: 04/02/2024\n\
                       Addendum: HER2 by FISH is not amplified.",
                kind: Kind::PathologyReport,
                title: "Surgical pathology report",
                evidence: "title keyword \"surgical pathology report\"",
            },
            KindCase {
                name: "an addendum that mentions pathology keeps the operative report",
                text: "OPERATIVE REPORT\nDate of Surgery: 05/04/2024\nSurgeon: Dr. Pell\n\
                       Estimated blood loss: 10 mL\n\
                       ADDENDUM 05/06/2024: the pathology report shows benign tissue.",
                kind: Kind::OperativeReport,
                title: "Operative report",
                evidence: "title keyword \"operative report\"",
            },
        ]);
    }

    #[test]
    fn evidence_against_a_kind() {
        check_kind_cases(&[
            KindCase {
                name: "pre-op instructions filed under an operative-note title",
                text: "SURG PREP - PRE-OP INSTRUCTIONS\nSURGERY OPERATIVE NOTE\n\
                       Nothing to eat after midnight. Arrive at 6 am.",
                kind: Kind::Other,
                title: "Surg prep - pre-op instructions",
                evidence: "not operative-report: title keyword \"operative note\" is not a title here (\"pre op instructions\")",
            },
            KindCase {
                name: "a consent form is not an operative report",
                text: "CONSENT FORM\nOperative Report to follow\nRisks were explained.",
                kind: Kind::Other,
                title: "Consent form",
                evidence: "title keyword \"consent form\"",
            },
            KindCase {
                name: "a discharge summary's medication list does not make it a medication list",
                text: "DISCHARGE SUMMARY\nDischarge Date: 06/09/2023\nDISCHARGE MEDICATIONS:\n\
                       Active Medications\n1) Drug A 5 mg tablet by mouth daily\n\
                       2) Drug B 10 mg capsule by mouth twice daily as needed\n\
                       3) Drug C 1 tablet by mouth at bedtime, refills 3",
                kind: Kind::DischargeSummary,
                title: "Discharge summary",
                evidence: "not medication-list",
            },
            KindCase {
                name: "a consultation's plan section does not make it a treatment plan",
                text: "ONCOLOGY CONSULT\nTREATMENT PLAN:\nGoal: cure\nRegimen: 4 cycles, adjuvant intent",
                kind: Kind::ConsultationNote,
                title: "Oncology consult",
                evidence: "not treatment-plan",
            },
            KindCase {
                name: "a care-plan section outweighs a bare procedure-note title",
                text: "PROCEDURE NOTE\nTREATMENT PLAN:\nProblem: low mood\nGoal: sleep through the night\n\
                       Objective: walk daily\nIntervention: weekly therapy\nTarget Date: 09/30/2024",
                kind: Kind::TreatmentPlan,
                title: "Treatment plan",
                evidence: "title keyword \"treatment plan\" as a section header",
            },
        ]);
    }

    #[test]
    fn set_aside_evidence_only_explains_a_text_decision() {
        let rules = rules();
        let got = classify(
            &rules,
            "doc.pdf",
            Some("NEUROLOGY CONSULT\nActive Medications:\n1) Drug A 5 mg tablet by mouth daily"),
            &Overrides::default(),
        );
        let aside: Vec<&Evidence> = got
            .evidence
            .iter()
            .filter(|e| e.rule.starts_with("not "))
            .collect();
        assert_eq!(aside.len(), 1, "{:#?}", got.evidence);
        assert!(aside
            .iter()
            .all(|e| e.score < 0.0 && e.source == Source::Text));
        assert_eq!(
            aside.first().map(|e| e.matched.as_str()),
            Some("Active Medications:")
        );
        assert!(got.kind_score > 0.0);

        // Below the minimum score: only the default evidence, so `check` still lists the
        // file as unclassified.
        let got = classify(
            &rules,
            "doc.pdf",
            Some("Thank you.\nMedications: none"),
            &Overrides::default(),
        );
        assert_eq!(got.kind, Kind::Other);
        let kind: Vec<&Evidence> = got.evidence.iter().filter(|e| e.field == "kind").collect();
        assert_eq!(kind.len(), 1);
        assert!(kind.iter().all(|e| e.source == Source::Default));
    }

    #[test]
    fn dates_follow_the_label_rules() {
        let rules = rules();
        // (name, text, date, a piece of the date evidence rule)
        let table: [(&str, &str, Option<NaiveDate>, &str); 24] = [
            (
                "two-digit year after a label",
                "ECG REPORT\nPROCEDURE DATE/TIME: 12/14/00 11:35",
                Some(date(2000, 12, 14)),
                "date label \"Procedure Date\"",
            ),
            (
                "two-digit year at or above the pivot is 19xx",
                "CONSULTATION NOTE\nDate of Service: 3/4/85",
                Some(date(1985, 3, 4)),
                "Date of Service",
            ),
            (
                "month-name date with a comma",
                "RADIOLOGY REPORT\nExam Date: Sep 24, 1999",
                Some(date(1999, 9, 24)),
                "Exam Date",
            ),
            (
                "day-month-year with a month abbreviation",
                "LAB REPORT\nCollected: 24-SEP-1999",
                Some(date(1999, 9, 24)),
                "Collected",
            ),
            (
                "day-month-year with a two-digit year",
                "LAB REPORT\nCollected: 24-SEP-99",
                Some(date(1999, 9, 24)),
                "Collected",
            ),
            (
                "day, month abbreviation and comma",
                "CONSULT NOTE\nVisit Date: 31 Oct, 2022 @ 02:31PM",
                Some(date(2022, 10, 31)),
                "Visit Date",
            ),
            (
                "abbreviated exam label with a time glued on",
                "CHEST 2 VIEWS\nExm Date: FEB 02, 2020@10:00\nDate Reported: FEB 04, 2020",
                Some(date(2020, 2, 2)),
                "Exam Date",
            ),
            (
                "the specimen date, not the report date",
                "SURGICAL PATHOLOGY REPORT\nDate Reported: 03/10/2023\nDate Spec taken: 03/06/2023",
                Some(date(2023, 3, 6)),
                "Date Specimen Taken",
            ),
            (
                "the procedure date, not the note date",
                "PROCEDURE NOTE\nDate of Note: 05/05/2021\nDate of Procedure: 05/04/2021",
                Some(date(2021, 5, 4)),
                "Date of Procedure",
            ),
            (
                "the discharge date, not the admission or dictation date",
                "DISCHARGE SUMMARY\nDICT DATE: JAN 10, 2022\nDATE OF ADMISSION: Jan 3,2022\n\
                 DATE OF DISCHARGE: Jan 9,2022",
                Some(date(2022, 1, 9)),
                "Date of Discharge",
            ),
            (
                "a page header's print date is not a label",
                "Pg. 1      09/12/22 10:11\nECG REPORT\nPrinted: 09/12/2022\n\
                 DATE OF NOTE: OCT 01, 2021@10:01  ENTRY DATE: OCT 02, 2021@08:00",
                Some(date(2021, 10, 1)),
                "Date of Note",
            ),
            (
                "a two-digit date of birth is never the date",
                "CONSULTATION NOTE\nDOB: 04/05/61\nDate of Service: 04/05/61",
                None,
                "undated",
            ),
            (
                "sign dates are not clinical dates",
                "OPERATIVE REPORT\nSigned: 02/03/2024",
                None,
                "undated",
            ),
            (
                "target and renewal dates are in the future",
                "TREATMENT PLAN\nProjected Target Date: 11/01/2024\nRenewal Date: 04/29/2025\n\
                 Date of Note: 10/31/2023",
                Some(date(2023, 10, 31)),
                "Date of Note",
            ),
            (
                "a date under its column header",
                "LAB RESULTS\nTest       Result    Date drawn   Units\nSODIUM     139       2/27/20      mmol/L",
                Some(date(2020, 2, 27)),
                "date label \"Date Drawn\" (table column)",
            ),
            (
                "a label followed by a value is not a column header",
                "LAB RESULTS\nDate drawn: pending\nSODIUM  139  2/27/20",
                None,
                "undated",
            ),
            (
                "a label followed by another label is not a column header",
                "LAB RESULTS\nDate  drawn:  see below\n2/27/2020",
                None,
                "undated",
            ),
            (
                "French document: a generic label reads day first",
                "COMPTE RENDU DE CONSULTATION\nDate : 05/11/2019\nMotif de consultation : douleur",
                Some(date(2019, 11, 5)),
                "day first (language fr)",
            ),
            (
                "Spanish document: day first",
                "INFORME RADIOLÓGICO\nHallazgos: sin alteraciones.\nFecha del estudio: 03/04/2020",
                Some(date(2020, 4, 3)),
                "day first",
            ),
            (
                "British report: day first",
                "RADIOLOGY REPORT\nNHS Number: 943 476 5919\nExam Date: 05/11/2019\nImpression: no oedema.",
                Some(date(2019, 11, 5)),
                "day first (day-first English",
            ),
            (
                "British spellings alone: day first",
                "HAEMATOLOGY\nCollected: 03/02/2021\nHaemoglobin 131 g/L",
                Some(date(2021, 2, 3)),
                "day first",
            ),
            (
                "one British spelling is not enough",
                "RADIOLOGY REPORT\nExam Date: 05/11/2019\nImpression: no tumour.",
                Some(date(2019, 5, 11)),
                "Exam Date",
            ),
            (
                "American report: month first",
                "RADIOLOGY REPORT\nExam Date: 05/11/2019\nImpression: no tumor.",
                Some(date(2019, 5, 11)),
                "Exam Date",
            ),
            (
                "the note date when nothing better is labelled",
                "PROGRESS NOTE\nDATE OF NOTE: AUG 12, 2022@12:50:56  ENTRY DATE: AUG 13, 2022@09:00",
                Some(date(2022, 8, 12)),
                "Date of Note",
            ),
        ];
        for (name, text, want, rule) in table {
            let got = classify(&rules, "doc.pdf", Some(text), &Overrides::default());
            assert_eq!(got.date, want, "{name}: evidence {:#?}", got.evidence);
            let ev = got
                .evidence
                .iter()
                .find(|e| e.field == "date")
                .expect("date evidence");
            assert!(ev.rule.contains(rule), "{name}: {:?}", ev.rule);
            if rule == "undated" {
                assert_eq!(ev.source, Source::Default, "{name}");
            }
        }
        assert!(
            !rules.labels.is_empty() && rules.labels.iter().any(|l| l.order.is_none()),
            "most labels leave the order to the document"
        );
    }

    #[test]
    fn date_readings_with_two_digit_years_and_day_first_order() {
        let two = |order| Reading {
            order,
            pivot: Some(69),
        };
        let table: [(&str, Reading, Option<NaiveDate>); 14] = [
            ("12/14/00", two(DateOrder::Mdy), Some(date(2000, 12, 14))),
            ("2/27/20 ", two(DateOrder::Mdy), Some(date(2020, 2, 27))),
            ("1/2/68", two(DateOrder::Mdy), Some(date(2068, 1, 2))),
            ("1/2/69", two(DateOrder::Mdy), Some(date(1969, 1, 2))),
            ("8-9-00", two(DateOrder::Mdy), Some(date(2000, 8, 9))),
            ("05/11/19", two(DateOrder::Dmy), Some(date(2019, 11, 5))),
            ("05.11.2019", two(DateOrder::Dmy), Some(date(2019, 11, 5))),
            ("24-SEP-99", two(DateOrder::Mdy), Some(date(1999, 9, 24))),
            ("24-SEP-99", Reading::STRICT, None),
            ("12/14/00", Reading::STRICT, None),
            ("12/14/2000", two(DateOrder::Dmy), None),
            ("12/14/0", two(DateOrder::Mdy), None),
            ("12/14/000", two(DateOrder::Mdy), None),
            ("31 Oct, 2022", Reading::STRICT, Some(date(2022, 10, 31))),
        ];
        for (input, reading, want) in table {
            assert_eq!(
                date_prefix(input, reading).map(|(d, _)| d),
                want,
                "{input:?} {reading:?}"
            );
        }
        // The packet.toml parser stays strict: four-digit years only.
        assert_eq!(parse_date("12/14/00"), None);
        assert_eq!(parse_date("31 Oct, 2022"), Some(date(2022, 10, 31)));
    }

    #[test]
    fn abbreviations_are_written_out_and_map_back_to_the_text() {
        let rules = rules();
        let raw = "Exm Date: SEP 24, 2004";
        let folded = expand(fold(raw), &rules.abbreviations);
        assert_eq!(folded.text, " exam date sep 24 2004 ");
        let label = rules
            .labels
            .iter()
            .find(|l| l.phrase.text == "Exam Date")
            .expect("the Exam Date label");
        let range = find_all(&folded.text, &label.phrase)
            .into_iter()
            .next()
            .expect("the abbreviation matches the label");
        assert_eq!(folded.orig(range.start), 0);
        assert_eq!(raw.get(folded.orig(range.end)..), Some(": SEP 24, 2004"));
        let table = [
            ("Date Spec taken", " date specimen taken "),
            ("COLL DATE", " collection date "),
            ("Final Dx:", " final diagnosis "),
            ("specimen", " specimen "),
            ("inspect", " inspect "),
        ];
        for (input, want) in table {
            assert_eq!(
                expand(fold(input), &rules.abbreviations).text,
                want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn carrier_lines_do_not_use_up_title_lines() {
        let rules = rules();
        let mut text = String::from("PATIENT LETTER\nAddendum\nPage 2\n");
        for i in 0..rules.title_lines - 1 {
            text.push_str(&format!("Sentence {i} about the visit, in your letter.\n"));
        }
        text.push_str("CT CHEST\nImpression: clear.");
        let lines = lines_of(&rules, &text);
        let titles: Vec<&str> = lines.iter().filter(|l| l.title).map(|l| l.raw).collect();
        assert_eq!(titles.len(), rules.title_lines);
        assert_eq!(titles.last(), Some(&"CT CHEST"));
        assert!(!titles.contains(&"PATIENT LETTER"));
        // A line that names a carrier and a kind is a title line.
        let lines = lines_of(&rules, "LAB RESULTS LETTER\nSodium 139");
        assert!(lines.first().is_some_and(|l| l.title));
    }
}
