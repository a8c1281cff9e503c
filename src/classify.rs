//! Classify: a file name and its extracted text (plus packet.toml overrides) turn into a
//! kind, a clinical date and a title, with the evidence behind each.
//!
//! Precedence is packet.toml overrides, then the document's own text, then the file
//! name; a file's modification time is never used. The keyword and date-label rules
//! are data in `templates/classify.toml`, so a clinic can add a language without code.
//!
//! Text matching works on a folded form of each line: lower case, accents removed,
//! every run of punctuation or spaces turned into one space, so that phrases match
//! whole words only.

use crate::kind::Kind;
use chrono::NaiveDate;
use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::{Range, RangeInclusive};

/// The rules shipped with medpacket.
const BUILTIN_RULES: &str = include_str!("../templates/classify.toml");
/// Longest [`Evidence::matched`], in characters.
const MAX_MATCHED_CHARS: usize = 120;
/// Longest title taken from a text line, in characters.
const MAX_TITLE_CHARS: usize = 80;
/// How many keywords of the winning kind are kept as evidence.
const MAX_KIND_EVIDENCE: usize = 5;
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
    /// The score this evidence contributed (1.0 for overrides).
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
    title_multiplier: f32,
    body_multiplier: f32,
    body_cap: f32,
    min_score: f32,
    folder_weight: f32,
    keep_upper: Vec<String>,
    /// Sorted by kind, so ties go to the earlier section.
    kinds: Vec<KindRules>,
    kind_bonus: f32,
    birth: Vec<Phrase>,
    ignore: Vec<Phrase>,
    labels: Vec<DateLabel>,
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
}

#[derive(Debug, Clone)]
struct KindRules {
    kind: Kind,
    title: Vec<Keyword>,
    body: Vec<Keyword>,
    file: Vec<Phrase>,
}

#[derive(Debug, Clone)]
struct DateLabel {
    phrase: Phrase,
    priority: f32,
    kinds: Vec<Kind>,
    order: DateOrder,
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
    #[serde(rename = "kind")]
    kinds: Vec<RawKind>,
    dates: RawDates,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    title_lines: usize,
    title_extra_words: usize,
    title_multiplier: f32,
    body_multiplier: f32,
    body_cap: f32,
    min_score: f32,
    folder_weight: f32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTitle {
    #[serde(default)]
    keep_upper: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    name: Kind,
    #[serde(default)]
    title: Vec<RawKeyword>,
    #[serde(default)]
    body: Vec<RawKeyword>,
    #[serde(default)]
    file: Vec<String>,
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
    #[serde(default)]
    birth: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(rename = "label", default)]
    labels: Vec<RawLabel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    label: String,
    priority: f32,
    #[serde(default)]
    kinds: Vec<Kind>,
    #[serde(default)]
    order: DateOrder,
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
    /// phrase, a weight that is not > 0, a kind or date label listed twice.
    pub fn from_toml(text: &str) -> Result<Rules, RulesError> {
        let raw: RawRules = toml::from_str(text)?;
        let s = &raw.scoring;
        if s.title_lines == 0 {
            return Err(invalid("[scoring] title_lines", "must be at least 1"));
        }
        for (name, value) in [
            ("title_multiplier", s.title_multiplier),
            ("body_multiplier", s.body_multiplier),
            ("body_cap", s.body_cap),
            ("min_score", s.min_score),
            ("folder_weight", s.folder_weight),
        ] {
            non_negative(&format!("[scoring] {name}"), value)?;
        }
        non_negative("[dates] kind_bonus", raw.dates.kind_bonus)?;

        let mut kinds: Vec<KindRules> = Vec::new();
        for rk in raw.kinds {
            let place = format!("[[kind]] \"{}\"", rk.name);
            if kinds.iter().any(|k| k.kind == rk.name) {
                return Err(invalid(place, "this kind is listed twice"));
            }
            let title = keywords(&place, "title", rk.title)?;
            let body = keywords(&place, "body", rk.body)?;
            let file = rk
                .file
                .iter()
                .map(|f| Phrase::new(f, &format!("{place} file \"{f}\"")))
                .collect::<Result<Vec<_>, _>>()?;
            kinds.push(KindRules {
                kind: rk.name,
                title,
                body,
                file,
            });
        }
        kinds.sort_by_key(|k| k.kind);

        let phrases = |list: &[String], name: &str| {
            list.iter()
                .map(|p| Phrase::new(p, &format!("[dates] {name} \"{p}\"")))
                .collect::<Result<Vec<_>, _>>()
        };
        let birth = phrases(&raw.dates.birth, "birth")?;
        let ignore = phrases(&raw.dates.ignore, "ignore")?;

        let mut labels: Vec<DateLabel> = Vec::new();
        for rl in raw.dates.labels {
            let place = format!("[[dates.label]] \"{}\"", rl.label);
            if !rl.priority.is_finite() {
                return Err(invalid(place, "priority must be a finite number"));
            }
            let phrase = Phrase::new(&rl.label, &place)?;
            if labels.iter().any(|l| l.phrase.norm == phrase.norm) {
                return Err(invalid(place, "this label is listed twice"));
            }
            labels.push(DateLabel {
                phrase,
                priority: rl.priority,
                kinds: rl.kinds,
                order: rl.order,
            });
        }

        Ok(Rules {
            title_lines: s.title_lines,
            title_extra_words: s.title_extra_words,
            title_multiplier: s.title_multiplier,
            body_multiplier: s.body_multiplier,
            body_cap: s.body_cap,
            min_score: s.min_score,
            folder_weight: s.folder_weight,
            keep_upper: raw
                .title
                .keep_upper
                .iter()
                .map(|w| w.to_uppercase())
                .collect(),
            kinds,
            kind_bonus: raw.dates.kind_bonus,
            birth,
            ignore,
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

fn keywords(place: &str, list: &str, raw: Vec<RawKeyword>) -> Result<Vec<Keyword>, RulesError> {
    raw.into_iter()
        .map(|k| {
            let here = format!("{place} {list} \"{}\"", k.phrase);
            if !(k.weight.is_finite() && k.weight > 0.0) {
                return Err(invalid(
                    here,
                    format!("weight must be a number > 0, not {}", k.weight),
                ));
            }
            Ok(Keyword {
                phrase: Phrase::new(&k.phrase, &here)?,
                weight: k.weight,
            })
        })
        .collect()
}

impl Phrase {
    fn new(text: &str, place: &str) -> Result<Phrase, RulesError> {
        let norm = fold(text).text.trim().to_string();
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

/// One non-empty line of the text.
struct Line<'a> {
    raw: &'a str,
    folded: Folded,
    /// One of the first `title_lines` non-empty lines.
    title: bool,
}

fn lines_of(text: &str, title_lines: usize) -> Vec<Line<'_>> {
    let mut lines: Vec<Line<'_>> = Vec::new();
    for raw in text.lines() {
        let folded = fold(raw);
        if folded.text.trim().is_empty() {
            continue;
        }
        let title = lines.len() < title_lines;
        lines.push(Line { raw, folded, title });
    }
    lines
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

/// One whole-word occurrence of a keyword in a line.
struct Occurrence {
    kind: usize,
    list: List,
    keyword: usize,
    line: usize,
    range: Range<usize>,
    /// A title keyword written as a title: see [`reads_as_title`].
    as_title: bool,
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
    /// Hits of title keywords in title lines, uncapped.
    title_hits: Vec<Hit>,
    /// Body keywords and title keywords found only in the body, after the cap.
    body_hits: Vec<Hit>,
}

impl KindScore {
    fn title_total(&self) -> f32 {
        self.title_hits.iter().map(|h| h.score).sum()
    }

    /// The title keyword hit that names the document: the highest, then the earliest.
    fn title_hit(&self) -> Option<&Hit> {
        self.title_hits
            .iter()
            .fold(None, |best: Option<&Hit>, h| match best {
                Some(b) if h.score.total_cmp(&b.score) != Ordering::Greater => Some(b),
                _ => Some(h),
            })
    }
}

fn score_kinds(rules: &Rules, lines: &[Line<'_>]) -> Vec<KindScore> {
    // Every occurrence, minus those inside a longer phrase on the same line (so
    // "pathology" does not count again inside "surgical pathology report", and
    // "medications" not inside "discharge medications").
    let mut occurrences: Vec<Occurrence> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let mut here: Vec<Occurrence> = Vec::new();
        for (ki, kr) in rules.kinds.iter().enumerate() {
            for (list, keywords) in [(List::Title, &kr.title), (List::Body, &kr.body)] {
                for (wi, kw) in keywords.iter().enumerate() {
                    for range in find_all(&line.folded.text, &kw.phrase) {
                        let as_title = list == List::Title
                            && line.title
                            && reads_as_title(rules, line, &range, &kw.phrase);
                        here.push(Occurrence {
                            kind: ki,
                            list,
                            keyword: wi,
                            line: li,
                            range,
                            as_title,
                        });
                    }
                }
            }
        }
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

    rules
        .kinds
        .iter()
        .enumerate()
        .map(|(ki, kr)| {
            // A keyword's best occurrence: the first one written as a title,
            // else the first one.
            let mine = |list: List, wi: usize| {
                occurrences
                    .iter()
                    .filter(move |o| o.kind == ki && o.list == list && o.keyword == wi)
            };
            let mut title_hits = Vec::new();
            let mut body_hits = Vec::new();
            for (wi, kw) in kr.title.iter().enumerate() {
                let best = mine(List::Title, wi)
                    .find(|o| o.as_title)
                    .or_else(|| mine(List::Title, wi).next());
                let Some(o) = best else {
                    continue;
                };
                if o.as_title {
                    title_hits.push(Hit {
                        rule: format!("title keyword \"{}\"", kw.phrase.text),
                        line: o.line,
                        start: o.range.start,
                        score: kw.weight * rules.title_multiplier,
                    });
                } else {
                    body_hits.push(Hit {
                        rule: format!("title keyword \"{}\" in body", kw.phrase.text),
                        line: o.line,
                        start: o.range.start,
                        score: kw.weight * rules.body_multiplier,
                    });
                }
            }
            for (wi, kw) in kr.body.iter().enumerate() {
                if let Some(o) = mine(List::Body, wi).next() {
                    body_hits.push(Hit {
                        rule: format!("body keyword \"{}\"", kw.phrase.text),
                        line: o.line,
                        start: o.range.start,
                        score: kw.weight,
                    });
                }
            }
            // The body adds at most body_cap: the strongest hits first.
            body_hits.sort_by(|a, b| b.score.total_cmp(&a.score));
            let mut room = rules.body_cap;
            for hit in &mut body_hits {
                hit.score = hit.score.min(room);
                room -= hit.score;
            }
            body_hits.retain(|h| h.score > 0.0);
            let total = title_hits.iter().map(|h| h.score).sum::<f32>()
                + body_hits.iter().map(|h| h.score).sum::<f32>();
            KindScore {
                kind: kr.kind,
                total,
                title_hits,
                body_hits,
            }
        })
        .collect()
}

/// True when a title keyword in a title line is written as a title, not inside a
/// sentence: its column (after any "Label:") holds at most `title_extra_words`
/// other words, and it starts with a capital unless the line has none.
fn reads_as_title(rules: &Rules, line: &Line<'_>, range: &Range<usize>, phrase: &Phrase) -> bool {
    let at = line.folded.orig(range.start);
    let capital = line
        .raw
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_uppercase);
    if !capital && line.raw.chars().any(char::is_uppercase) {
        return false;
    }
    let Some(segment) = title_segment(line.raw, at) else {
        return false;
    };
    let words = fold(segment).text.split_whitespace().count();
    let own = phrase.norm.split(' ').count();
    words.saturating_sub(own) <= rules.title_extra_words
}

/// The highest total; ties go to more title evidence, then to the earlier kind.
fn best_kind(scores: &[KindScore]) -> Option<&KindScore> {
    scores
        .iter()
        .fold(None, |best: Option<&KindScore>, s| match best {
            Some(b)
                if s.total
                    .total_cmp(&b.total)
                    .then(s.title_total().total_cmp(&b.title_total()))
                    != Ordering::Greater =>
            {
                Some(b)
            }
            _ => Some(s),
        })
}

// ---------------------------------------------------------------------------
// Date from text

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
fn date_after(raw: &str, from: usize, order: DateOrder) -> After {
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
    match date_prefix(rest, order) {
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
    order: DateOrder,
) -> Option<NaiveDate> {
    let line = lines.get(li)?;
    match date_after(line.raw, from, order) {
        After::Date(date) => Some(date),
        After::Nothing => {
            let next = lines.get(li + 1)?;
            date_prefix(next.raw.trim_start(), order).map(|(date, _)| date)
        }
        After::Other => None,
    }
}

/// Dates that follow a birth label anywhere in the text, read both ways round.
fn birth_dates(rules: &Rules, lines: &[Line<'_>]) -> BTreeSet<NaiveDate> {
    let mut dates = BTreeSet::new();
    for (li, line) in lines.iter().enumerate() {
        for phrase in &rules.birth {
            for range in find_all(&line.folded.text, phrase) {
                let from = line.folded.orig(range.end);
                for order in [DateOrder::Mdy, DateOrder::Dmy] {
                    dates.extend(labelled_date(lines, li, from, order));
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
            let from = line.folded.orig(range.end);
            let Some(date) = labelled_date(lines, li, from, label.order) else {
                continue;
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
                best = Some(DateFound {
                    date,
                    rule: format!("date label \"{}\"", label.phrase.text),
                    line: li,
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
/// `Aug 9,2022`, `March 14th, 2025`, and French and Spanish month names
/// (`14 mars 2025`, `5 de febrero de 2025`). Years must be 1900–2100.
#[must_use]
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    match date_prefix(s, DateOrder::Mdy)? {
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
            .and_then(|rest| date_prefix(rest, DateOrder::Mdy))
        {
            return Some((date, i..i + len));
        }
    }
    None
}

/// A date at the very start of `s`, and the number of bytes it took. The date must
/// end at a word boundary.
fn date_prefix(s: &str, order: DateOrder) -> Option<(NaiveDate, usize)> {
    let first = s.chars().next()?;
    if first.is_ascii_digit() {
        numeric_first(s, order)
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

/// `2025-03-14`, `03/14/2025`, `03-14-2025`, `14-MAR-2025`, `14 March 2025`,
/// `5 de febrero de 2025`, and for day-first labels `14.03.2025`.
fn numeric_first(s: &str, order: DateOrder) -> Option<(NaiveDate, usize)> {
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
            let (year, end) = digits(s, q + 1, 4..=4)?;
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
            let (year, end) = digits(s, q + 1, 4..=4)?;
            if !ends_word(s, end) {
                return None;
            }
            make_date(year, month, a).map(|date| (date, end))
        }
        b' ' | b'\t' => {
            // 14 March 2025, 14 mars 2025, 5 de febrero de 2025
            let q = skip_spaces(s, p);
            let q = skip_de(s, q);
            let (month, q) = month_word(s, q)?;
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
    let column = raw.get(start..end)?;
    let before = column.get(..keyword_at.checked_sub(start)?)?;
    match before.rfind(':') {
        Some(colon) => column.get(colon + 1..),
        None => Some(column),
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
    let lines = text
        .map(|t| lines_of(t, rules.title_lines))
        .unwrap_or_default();
    let scores = score_kinds(rules, &lines);
    let text_winner = best_kind(&scores).filter(|s| s.total > 0.0 && s.total >= rules.min_score);
    let title_hit = text_winner.and_then(KindScore::title_hit);
    let line_text = |li: usize| lines.get(li).map_or(String::new(), |l| clip(l.raw));
    let mut evidence = Vec::new();

    // Kind.
    let (kind, kind_score) = if let Some(kind) = overrides.kind {
        evidence.push(override_evidence("kind", kind.as_str()));
        (kind, 0.0)
    } else if let Some(winner) = text_winner {
        let mut hits: Vec<&Hit> = winner.title_hits.iter().chain(&winner.body_hits).collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        evidence.extend(hits.into_iter().take(MAX_KIND_EVIDENCE).map(|h| Evidence {
            field: "kind",
            source: Source::Text,
            rule: h.rule.clone(),
            matched: line_text(h.line),
            score: h.score,
        }));
        (winner.kind, winner.total)
    } else if let Some(found) = file_kind(rules, file_name) {
        evidence.extend(found.evidence);
        (found.kind, found.score)
    } else {
        let best = best_kind(&scores).filter(|s| s.total > 0.0);
        let rule = match best {
            Some(s) => format!(
                "no kind rule reached the minimum score {} (best: {} with {})",
                rules.min_score, s.kind, s.total
            ),
            None => "no kind keyword in the text or the file name".to_string(),
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
    let date = if let Some(date) = overrides.date {
        evidence.push(override_evidence("date", &date.to_string()));
        Some(date)
    } else if let Some(found) = text_date(rules, &lines, kind, &births)
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
        let text = "Preoperative diagnosis: mass\nPostoperative diagnosis: same\n\
                    Procedure performed: excision\nEstimated blood loss: minimal\n\
                    Anesthesia: general\nSurgeon: Dr. Ames\nIncision: curvilinear";
        let got = classify(&rules, "x.pdf", Some(text), &Overrides::default());
        assert_eq!(got.kind, Kind::OperativeReport);
        assert!(got.kind_score <= rules.body_cap + f32::EPSILON);
        assert_eq!(got.title, "Operative report");
    }

    #[test]
    fn rules_errors_say_what_is_wrong() {
        let base = |kind_block: &str| {
            format!(
                "[scoring]\ntitle_lines = 8\ntitle_extra_words = 6\ntitle_multiplier = 3\nbody_multiplier = 1\n\
                 body_cap = 6\nmin_score = 3\nfolder_weight = 0.5\n\n{kind_block}\n\
                 [dates]\nkind_bonus = 50\n[[dates.label]]\nlabel = \"Date\"\npriority = 10\n"
            )
        };
        let ok = base("[[kind]]\nname = \"lab-results\"\ntitle = [{ phrase = \"lab results\", weight = 4 }]\n");
        assert!(Rules::from_toml(&ok).is_ok());

        let table = [
            ("[[kind]]\nname = \"pathology\"\n", "pathology"),
            (
                "[[kind]]\nname = \"other\"\ntitle = [{ phrase = \" -- \", weight = 1 }]\n",
                "no letters",
            ),
            (
                "[[kind]]\nname = \"other\"\ntitle = [{ phrase = \"x\", weight = -1 }]\n",
                "weight",
            ),
            (
                "[[kind]]\nname = \"other\"\n[[kind]]\nname = \"other\"\n",
                "twice",
            ),
            ("[[kind]]\nname = \"other\"\nbogus = 1\n", "bogus"),
        ];
        for (block, needle) in table {
            let err = Rules::from_toml(&base(block)).expect_err(block).to_string();
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
}
