//! Score: a document's folded lines turn into a score per kind — keywords weighed by where
//! they stand (title, section header, body), capped, with evidence against a kind and
//! evidence set aside — and the best kind.

use super::limits::HEADER_EXTRA_WORDS;
use super::rules::{List, Rules, Set};
use super::text::{shape, Line};
use crate::base::kind::Kind;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

// ---------------------------------------------------------------------------
// Kind from text

/// Where a keyword stands in the text, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    /// In a sentence, a table row, or below the top of the text.
    Body,
    /// A section header near the top ("GROSS DESCRIPTION", "Specimen:").
    Header,
    /// A title keyword written as the title, in a title line.
    Title,
}

/// One whole-word occurrence of a keyword in a line.
pub(super) struct Occurrence {
    pub(super) kind: usize,
    pub(super) list: List,
    pub(super) keyword: usize,
    pub(super) line: usize,
    pub(super) range: Range<usize>,
    pub(super) level: Level,
}

/// What one keyword added to a kind's score.
pub(super) struct Hit {
    pub(super) rule: String,
    pub(super) line: usize,
    /// Folded byte offset of the keyword in its line.
    pub(super) start: usize,
    pub(super) score: f32,
}

pub(super) struct KindScore {
    pub(super) kind: Kind,
    pub(super) total: f32,
    /// Title keywords written as titles, uncapped.
    pub(super) title_hits: Vec<Hit>,
    /// Section headers, after `header_cap`.
    pub(super) header_hits: Vec<Hit>,
    /// Body words (and title keywords found only in the body), after `body_cap`.
    pub(super) body_hits: Vec<Hit>,
}

impl KindScore {
    pub(super) fn title_total(&self) -> f32 {
        self.title_hits.iter().map(|h| h.score).sum()
    }

    /// The first line holding one of its title keywords.
    pub(super) fn first_title_line(&self) -> Option<usize> {
        self.title_hits.iter().map(|h| h.line).min()
    }

    /// Stronger evidence first: the total, then the title evidence, then the kind named
    /// first in the text.
    pub(super) fn compare(&self, other: &KindScore) -> Ordering {
        self.total
            .total_cmp(&other.total)
            .then(self.title_total().total_cmp(&other.title_total()))
            .then(earlier(self.first_title_line(), other.first_title_line()))
    }

    /// The title keyword hit that names the document: the highest, then the earliest
    /// in the text.
    pub(super) fn title_hit(&self) -> Option<&Hit> {
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
pub(super) struct SetAside {
    pub(super) kind: Kind,
    pub(super) score: f32,
    pub(super) why: String,
    pub(super) line: usize,
}

pub(super) struct Scoring {
    pub(super) scores: Vec<KindScore>,
    pub(super) set_aside: Vec<SetAside>,
    /// Summed weight of the keywords found, per language of [`Rules::languages`].
    pub(super) lang_weights: Vec<f32>,
}

pub(super) fn score_kinds(rules: &Rules, lines: &[Line<'_>]) -> Scoring {
    // Every occurrence, minus those inside a longer phrase on the same line (so
    // "pathology" does not count again inside "surgical pathology report", and
    // "medications" not inside "discharge medications").
    let mut occurrences: Vec<Occurrence> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let mut here: Vec<Occurrence> = Vec::new();
        for m in line.matches.iter().filter(|m| m.set == Set::Keyword) {
            let Some(&(ki, list, wi)) = rules.keyword_ids.get(m.index as usize) else {
                continue;
            };
            let Some(kw) = rules.kinds.get(ki).and_then(|kr| match list {
                List::Title => kr.title.get(wi),
                List::Body => kr.body.get(wi),
            }) else {
                continue;
            };
            let start = m.start as usize;
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

    // A keyword's best occurrence: the strongest level, then the first.
    let mut best_of: HashMap<(usize, List, usize), &Occurrence> = HashMap::new();
    for o in &occurrences {
        best_of
            .entry((o.kind, o.list, o.keyword))
            .and_modify(|b| {
                if o.level > b.level {
                    *b = o;
                }
            })
            .or_insert(o);
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
                let Some(o) = best_of.get(&(ki, list, wi)) else {
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
pub(super) fn cap(mut hits: Vec<Hit>, limit: f32) -> Vec<Hit> {
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
pub(super) fn level_of(rules: &Rules, line: &Line<'_>, range: &Range<usize>, list: List) -> Level {
    // Below the header lines, only a title keyword in a title line can be more than body.
    if line.index >= rules.header_lines && !(list == List::Title && line.title) {
        return Level::Body;
    }
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
pub(super) fn best_kind(scores: &[KindScore]) -> Option<&KindScore> {
    scores
        .iter()
        .fold(None, |best: Option<&KindScore>, s| match best {
            Some(b) if s.compare(b) != Ordering::Greater => Some(b),
            _ => Some(s),
        })
}

/// `Greater` when `a` is an earlier line than `b` (a line beats no line).
pub(super) fn earlier(a: Option<usize>, b: Option<usize>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}
