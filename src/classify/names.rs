//! Names: a file's path turns into the kind and date its name and folders suggest.

use super::folding::{fold, Folded};
use super::rules::Rules;
use super::text::clip;
use crate::base::classified::{Evidence, Source};
use crate::base::dates::{byte_at, make_date};
use crate::base::kind::Kind;
use chrono::NaiveDate;

// ---------------------------------------------------------------------------
// File name

/// The file's own name and the folders above it, nearest last.
pub(super) fn split_path(file_name: &str) -> (&str, Vec<&str>) {
    let mut parts: Vec<&str> = file_name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty())
        .collect();
    let base = parts.pop().unwrap_or("");
    (base, parts)
}

/// The name without its extension (".pdf"); a last part without letters is kept,
/// so `report_2025.03.14` keeps its date.
pub(super) fn stem(base: &str) -> &str {
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

pub(super) struct FileKind {
    pub(super) kind: Kind,
    pub(super) score: f32,
    pub(super) evidence: Vec<Evidence>,
}

pub(super) fn file_kind(rules: &Rules, file_name: &str) -> Option<FileKind> {
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
pub(super) fn file_date(file_name: &str) -> Option<NaiveDate> {
    let (base, dirs) = split_path(file_name);
    std::iter::once(base)
        .chain(dirs.into_iter().rev())
        .find_map(name_date)
}

pub(super) fn name_date(s: &str) -> Option<NaiveDate> {
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
