//! Text: a document's text turns into folded lines (lower case, no accents, one space
//! between words, abbreviations written out) where phrases match whole words, with the way
//! back to the original letters.

use super::folding::{expand, fold, Folded};
use super::limits::MAX_MATCHED_CHARS;
use super::rules::{LineMatch, Rules};
use super::titles::segment_range;
use std::ops::Range;

// ---------------------------------------------------------------------------
// Lines

/// One non-empty line of the text.
pub(super) struct Line<'a> {
    pub(super) raw: &'a str,
    pub(super) folded: Folded,
    /// Position among the non-empty lines.
    pub(super) index: usize,
    /// One of the first `title_lines` non-empty lines that do not only name a carrier.
    pub(super) title: bool,
    /// The keywords and date phrases in `folded`, found in one reading of it.
    pub(super) matches: Vec<LineMatch>,
}

pub(super) fn lines_of<'a>(rules: &Rules, text: &'a str) -> Vec<Line<'a>> {
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
        let matches = rules.line_matches(&folded.text);
        lines.push(Line {
            raw,
            folded,
            index: lines.len(),
            title,
            matches,
        });
    }
    lines
}

/// True for a line that names a carrier (a letter, an addendum, a page header) the way
/// a title is written, and no document kind: it is not the document's title.
pub(super) fn carrier_line(rules: &Rules, raw: &str, folded: &Folded) -> bool {
    let names_carrier = rules
        .carriers
        .find_all(&folded.text)
        .any(|(_, r)| written_as_title(raw, folded, &r, rules.title_extra_words));
    names_carrier
        && !rules
            .kinds
            .iter()
            .flat_map(|k| &k.title)
            .any(|kw| folded.text.contains(&kw.phrase.pattern))
}

/// True when the phrase at folded `range` of a line is written as a title: see [`shape`].
pub(super) fn written_as_title(
    raw: &str,
    folded: &Folded,
    range: &Range<usize>,
    extra_words: usize,
) -> bool {
    shape(raw, folded, range).is_some_and(|(_, extra)| extra <= extra_words)
}

/// How the phrase at folded `range` of a line is written: None when it starts in lower
/// case on a line that has capitals; else its column (after any "Label:", see
/// [`segment_range`]) and how many other words that column holds.
pub(super) fn shape(
    raw: &str,
    folded: &Folded,
    range: &Range<usize>,
) -> Option<(Range<usize>, usize)> {
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
pub(super) fn word_count(raw: &str, range: Range<usize>) -> usize {
    raw.get(range)
        .map_or(0, |s| fold(s).text.split_whitespace().count())
}

/// Whitespace collapsed and cut to [`MAX_MATCHED_CHARS`], for [`Evidence::matched`].
pub(super) fn clip(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(MAX_MATCHED_CHARS).collect()
}
