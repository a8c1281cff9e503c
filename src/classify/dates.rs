//! Dates in text: a document's lines turn into its clinical date — the labelled date its
//! kind calls for, read in the document's own date order, never a birth, print or sign date.

use super::limits::{COLUMN_ROWS, COLUMN_SLACK};
use super::rules::{Rules, Set};
use super::text::Line;
use crate::base::dates::{date_prefix, find_date, DateOrder, Reading};
use crate::base::kind::Kind;
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::ops::Range;

// ---------------------------------------------------------------------------
// Date from text

/// How numeric dates read in one document, and why.
pub(super) struct DocOrder {
    pub(super) order: DateOrder,
    pub(super) why: String,
}

/// A locale whose markers the text shows decides; else the language whose keywords
/// and date labels the text matches most; else the first language.
pub(super) fn document_order(rules: &Rules, lines: &[Line<'_>], lang_weights: &[f32]) -> DocOrder {
    let matches = || lines.iter().map(|l| l.matches.as_slice());
    let marker_shown = rules.shown(matches(), Set::Marker);
    // The set holds the markers locale by locale: each locale's start where the
    // previous ones end.
    let mut first = 0;
    for locale in &rules.locales {
        let shown = marker_shown.get(first..).unwrap_or_default();
        first += locale.markers.len();
        let score: f32 = locale
            .markers
            .iter()
            .zip(shown)
            .filter(|(_, shows)| **shows)
            .map(|((_, w), _)| w)
            .sum();
        if score > 0.0 && score >= locale.min_score {
            return DocOrder {
                order: locale.order,
                why: locale.name.clone(),
            };
        }
    }
    let mut weights = lang_weights.to_vec();
    let label_shown = rules.shown(matches(), Set::Label);
    for (label, shows) in rules.labels.iter().zip(label_shown) {
        if let Some(w) = label.lang.and_then(|li| weights.get_mut(li)) {
            if shows {
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
pub(super) enum After {
    Date(NaiveDate),
    /// Nothing: the label ends the line.
    Nothing,
    /// Something that is not a date.
    Other,
}

/// Reads the date right after a label that ends at byte `from` of `raw`, skipping
/// ":", spaces and similar separators (and a "/Time" suffix of the label).
pub(super) fn date_after(raw: &str, from: usize, reading: Reading) -> After {
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
pub(super) fn labelled_date(
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
pub(super) fn column_date(
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
pub(super) fn birth_dates(rules: &Rules, lines: &[Line<'_>]) -> BTreeSet<NaiveDate> {
    let mut dates = BTreeSet::new();
    for (li, line) in lines.iter().enumerate() {
        for (_, range) in rules.found(&line.matches, Set::Birth) {
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
    dates
}

/// A date chosen from the text, with its evidence.
pub(super) struct DateFound {
    pub(super) date: NaiveDate,
    pub(super) rule: String,
    pub(super) line: usize,
    pub(super) score: f32,
}

/// The best labelled date: labels that belong to `kind` first, then by priority,
/// then the earliest. Birth dates and labels after an ignored phrase never count.
pub(super) fn text_date(
    rules: &Rules,
    lines: &[Line<'_>],
    kind: Kind,
    births: &BTreeSet<NaiveDate>,
    doc: &DocOrder,
) -> Option<DateFound> {
    let mut best: Option<DateFound> = None;
    for (li, line) in lines.iter().enumerate() {
        // (index into the labels, folded range) of every label occurrence.
        let mut found: Vec<(usize, Range<usize>)> =
            rules.found(&line.matches, Set::Label).collect();
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
        // In the text's order; at one start, in the order the rules list the labels.
        found.sort_by_key(|(index, r)| (r.start, *index));

        let blockers: Vec<Range<usize>> = rules
            .found(&line.matches, Set::Blocker)
            .map(|(_, r)| r)
            .collect();
        for (index, range) in found {
            let Some(label) = rules.labels.get(index) else {
                continue;
            };
            if label.only && !label.kinds.contains(&kind) {
                continue;
            }
            // An ignored phrase that is part of the label itself ("Last reviewed" holds
            // "reviewed") does not block it: the label was written to include it.
            let blocked = blockers.iter().any(|b| {
                let inside = range.start <= b.start && b.end <= range.end;
                !inside
                    && ((b.start < range.end && range.start < b.end) || b.end + 1 == range.start)
            });
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
pub(super) fn title_line_date(
    rules: &Rules,
    lines: &[Line<'_>],
    title_line: usize,
    births: &BTreeSet<NaiveDate>,
) -> Option<DateFound> {
    let line = lines.get(title_line)?;
    if rules.blockers.any_in(&line.folded.text) {
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
