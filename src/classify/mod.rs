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

mod cda;
mod dates;
mod folding;
pub mod language;
mod limits;
mod names;
mod rules;
mod score;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_kinds;
mod text;
mod titles;

// What the tests in tests.rs and tests_kinds.rs take through `use super::*`.
#[cfg(test)]
use crate::base::dates::*;
#[cfg(test)]
use chrono::NaiveDate;
#[cfg(test)]
use std::ops::Range;

pub use crate::base::classified::{Classified, Evidence, Overrides, Source};
pub use crate::base::dates::{find_date, parse_date};
pub use crate::base::identifiers;
pub use cda::{classify_cda, patient_mismatch};
use dates::*;
pub use folding::folded_words;
use folding::*;
use limits::*;
use names::*;
pub use rules::{Rules, RulesError};
use score::*;
use text::*;
use titles::*;

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
    let text = text.map(compose);
    let lines = text
        .as_deref()
        .map(|t| lines_of(rules, t))
        .unwrap_or_default();
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
        language: text
            .as_deref()
            .map(language::detect)
            .unwrap_or_else(|| language::UNKNOWN.to_string()),
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
