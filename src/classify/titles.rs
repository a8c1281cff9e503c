//! Titles: the line that gave a document its kind turns into a short title in the
//! document's own words.

use super::limits::MAX_TITLE_CHARS;
use std::ops::Range;

// ---------------------------------------------------------------------------
// Title

/// The title a line gives: its [`title_segment`], put in sentence case when
/// written in capitals, at most [`MAX_TITLE_CHARS`].
pub(super) fn title_from_line(
    raw: &str,
    keyword_at: usize,
    keep_upper: &[String],
) -> Option<String> {
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
pub(super) fn title_segment(raw: &str, keyword_at: usize) -> Option<&str> {
    raw.get(segment_range(raw, keyword_at)?)
}

/// The byte range of [`title_segment`].
pub(super) fn segment_range(raw: &str, keyword_at: usize) -> Option<Range<usize>> {
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
pub(super) fn column_gaps(raw: &str) -> Vec<Range<usize>> {
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
pub(super) fn sentence_case(s: &str, keep_upper: &[String]) -> String {
    pub(super) fn flush(
        word: &mut String,
        out: &mut String,
        first: &mut bool,
        keep_upper: &[String],
    ) {
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
pub(super) fn cut_words(s: &str, max: usize) -> String {
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
