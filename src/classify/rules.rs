//! Rules: `templates/classify.toml` turns into checked classification rules — keywords per
//! kind and language with their levels and weights, negative phrases, carriers, date labels,
//! locales and abbreviations.

use super::folding::{expand, fold, Abbreviations};
use super::limits::BUILTIN_RULES;
use crate::base::dates::DateOrder;
use crate::base::kind::Kind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;

/// A problem in a rules file; the message says what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("classify rules are not valid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("classify rules: {place}: {problem}")]
    Invalid { place: String, problem: String },
}

pub(super) fn invalid(place: impl Into<String>, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid {
        place: place.into(),
        problem: problem.into(),
    }
}

/// Parsed `templates/classify.toml`.
#[derive(Debug, Clone)]
pub struct Rules {
    pub(super) title_lines: usize,
    pub(super) title_extra_words: usize,
    pub(super) header_lines: usize,
    pub(super) title_multiplier: f32,
    pub(super) header_multiplier: f32,
    pub(super) body_multiplier: f32,
    pub(super) header_cap: f32,
    pub(super) body_cap: f32,
    pub(super) min_score: f32,
    pub(super) folder_weight: f32,
    pub(super) keep_upper: Vec<String>,
    pub(super) carriers: PhraseSet,
    /// The first is the default language.
    pub(super) languages: Vec<Language>,
    /// Folded word → folded full form.
    pub(super) abbreviations: Abbreviations,
    /// Sorted by kind, so ties go to the earlier section.
    pub(super) kinds: Vec<KindRules>,
    pub(super) kind_bonus: f32,
    pub(super) century_pivot: u32,
    pub(super) birth: PhraseSet,
    /// The phrases that keep a date label next to them from dating the document: the
    /// ignored phrases (`[dates] ignore`), then the birth phrases.
    pub(super) blockers: PhraseSet,
    pub(super) locales: Vec<Locale>,
    /// Every locale's markers, locale by locale, each locale's in its listed order.
    pub(super) markers: PhraseSet,
    pub(super) labels: Vec<DateLabel>,
    /// The phrases of `labels`, in the same order.
    pub(super) label_phrases: PhraseSet,
    /// For each keyword: (kind index, list, keyword index).
    pub(super) keyword_ids: Vec<(usize, List, usize)>,
    /// Every title and body keyword of every kind, and the phrases of `birth`, `markers`,
    /// `label_phrases` and `blockers`, in one automaton: a line is read once, rather
    /// than once per list (six times).
    line_matcher: aho_corasick::AhoCorasick,
    /// For each pattern of `line_matcher`: the list it is from and its index there (for
    /// keywords, the index into `keyword_ids`).
    line_ids: Vec<(Set, u32)>,
}

/// The lists of phrases a line is searched for at once (see [`Rules::line_matches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Set {
    Keyword,
    Birth,
    Marker,
    Label,
    Blocker,
}

/// One occurrence of a phrase of a [`Set`] in a folded line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineMatch {
    pub(super) set: Set,
    /// The phrase's index in its list (for keywords, into `keyword_ids`).
    pub(super) index: u32,
    /// Folded byte where the phrase starts (after the space its pattern starts with).
    pub(super) start: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum List {
    Title,
    Body,
}

/// A phrase as written in the rules and in folded form.
#[derive(Debug, Clone)]
pub(super) struct Phrase {
    pub(super) text: String,
    /// Folded words joined by single spaces, e.g. `surgical pathology`.
    pub(super) norm: String,
    /// `norm` between spaces, to find whole words in a folded line.
    pub(super) pattern: String,
}

/// A list of phrases searched together: one automaton reads a folded line once and finds
/// every whole-word occurrence of each phrase, overlapping ones included — the same
/// occurrences as one search per phrase.
#[derive(Debug, Clone)]
pub(super) struct PhraseSet {
    /// The phrases; an occurrence names one by its index here.
    pub(super) phrases: Vec<Phrase>,
    /// The phrases' `pattern`s, with standard (every match) semantics.
    matcher: aho_corasick::AhoCorasick,
}

impl PhraseSet {
    /// The automaton for `phrases`, built once when the rules are read; `place` names
    /// the list in the error, should it not compile.
    pub(super) fn new(phrases: Vec<Phrase>, place: &str) -> Result<PhraseSet, RulesError> {
        let matcher = aho_corasick::AhoCorasick::new(phrases.iter().map(|p| p.pattern.as_str()))
            .map_err(|e| invalid(place, format!("phrases cannot be compiled: {e}")))?;
        Ok(PhraseSet { phrases, matcher })
    }

    /// Every whole-word occurrence of any of the phrases in a folded text, as (index of
    /// the phrase in the list, folded byte range), in no particular order.
    pub(super) fn find_all<'t>(
        &'t self,
        folded: &'t str,
    ) -> impl Iterator<Item = (usize, Range<usize>)> + 't {
        self.matcher.find_overlapping_iter(folded).filter_map(|m| {
            let index = m.pattern().as_usize();
            // Patterns are " phrase ": the match starts at the space before the phrase.
            let start = m.start() + 1;
            let phrase = self.phrases.get(index)?;
            Some((index, start..start + phrase.norm.len()))
        })
    }

    /// True when one of the phrases occurs in a folded text.
    pub(super) fn any_in(&self, folded: &str) -> bool {
        self.matcher.is_match(folded)
    }
}

#[derive(Debug, Clone)]
pub(super) struct Keyword {
    pub(super) phrase: Phrase,
    pub(super) weight: f32,
    /// Index into [`Rules::languages`].
    pub(super) lang: usize,
}

#[derive(Debug, Clone)]
pub(super) struct KindRules {
    pub(super) kind: Kind,
    pub(super) title: Vec<Keyword>,
    pub(super) body: Vec<Keyword>,
    pub(super) file: Vec<Phrase>,
    /// In a title line, these show the title is not this kind.
    pub(super) not: Vec<Phrase>,
    /// Kinds whose sections are a normal part of this kind.
    pub(super) includes: Vec<Kind>,
}

#[derive(Debug, Clone)]
pub(super) struct Language {
    pub(super) code: String,
    pub(super) order: DateOrder,
}

/// Markers that set how numeric dates read, whatever the document's language.
#[derive(Debug, Clone)]
pub(super) struct Locale {
    pub(super) name: String,
    pub(super) order: DateOrder,
    pub(super) min_score: f32,
    pub(super) markers: Vec<(Phrase, f32)>,
}

#[derive(Debug, Clone)]
pub(super) struct DateLabel {
    pub(super) phrase: Phrase,
    pub(super) priority: f32,
    pub(super) kinds: Vec<Kind>,
    /// The label dates only documents of its `kinds` ("As of" on a medication list).
    pub(super) only: bool,
    /// Fixed by the rules; else the label's language or the document decides.
    pub(super) order: Option<DateOrder>,
    /// Index into [`Rules::languages`].
    pub(super) lang: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRules {
    pub(super) scoring: RawScoring,
    #[serde(default)]
    pub(super) title: RawTitle,
    #[serde(rename = "language", default)]
    pub(super) languages: Vec<RawLanguage>,
    #[serde(default)]
    pub(super) abbreviations: BTreeMap<String, String>,
    #[serde(rename = "kind")]
    pub(super) kinds: Vec<RawKind>,
    pub(super) dates: RawDates,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScoring {
    pub(super) title_lines: usize,
    pub(super) title_extra_words: usize,
    pub(super) header_lines: usize,
    pub(super) title_multiplier: f32,
    pub(super) header_multiplier: f32,
    pub(super) body_multiplier: f32,
    pub(super) header_cap: f32,
    pub(super) body_cap: f32,
    pub(super) min_score: f32,
    pub(super) folder_weight: f32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTitle {
    #[serde(default)]
    pub(super) keep_upper: Vec<String>,
    #[serde(default)]
    pub(super) carriers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLanguage {
    pub(super) code: String,
    pub(super) order: DateOrder,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKind {
    pub(super) name: Kind,
    /// Language code → keywords.
    #[serde(default)]
    pub(super) title: BTreeMap<String, Vec<RawKeyword>>,
    #[serde(default)]
    pub(super) body: BTreeMap<String, Vec<RawKeyword>>,
    #[serde(default)]
    pub(super) file: Vec<String>,
    #[serde(default)]
    pub(super) not: Vec<String>,
    #[serde(default)]
    pub(super) includes: Vec<Kind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKeyword {
    pub(super) phrase: String,
    pub(super) weight: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDates {
    pub(super) kind_bonus: f32,
    #[serde(default = "default_century_pivot")]
    pub(super) century_pivot: u32,
    #[serde(default)]
    pub(super) birth: Vec<String>,
    #[serde(default)]
    pub(super) ignore: Vec<String>,
    #[serde(rename = "locale", default)]
    pub(super) locales: Vec<RawLocale>,
    #[serde(rename = "label", default)]
    pub(super) labels: Vec<RawLabel>,
}

pub(super) fn default_century_pivot() -> u32 {
    69
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLocale {
    pub(super) name: String,
    pub(super) order: DateOrder,
    pub(super) min_score: f32,
    pub(super) markers: Vec<RawKeyword>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLabel {
    pub(super) label: String,
    pub(super) priority: f32,
    #[serde(default)]
    pub(super) kinds: Vec<Kind>,
    #[serde(default)]
    pub(super) only: bool,
    #[serde(default)]
    pub(super) order: Option<DateOrder>,
    #[serde(default)]
    pub(super) lang: Option<String>,
}

impl Rules {
    /// Every occurrence in folded line `folded` of a keyword or a phrase of `birth`,
    /// `markers`, `label_phrases` or `blockers` (the occurrences each list's own search
    /// finds, overlapping ones included), in no particular order.
    pub(super) fn line_matches(&self, folded: &str) -> Vec<LineMatch> {
        self.line_matcher
            .find_overlapping_iter(folded)
            .filter_map(|m| {
                let &(set, index) = self.line_ids.get(m.pattern().as_usize())?;
                Some(LineMatch {
                    set,
                    index,
                    // Patterns are " phrase ": the match starts at the space before it.
                    start: u32::try_from(m.start() + 1).ok()?,
                })
            })
            .collect()
    }

    /// The phrase list of `set` (None for keywords, which live with their kinds).
    fn phrase_set(&self, set: Set) -> Option<&PhraseSet> {
        match set {
            Set::Keyword => None,
            Set::Birth => Some(&self.birth),
            Set::Marker => Some(&self.markers),
            Set::Label => Some(&self.label_phrases),
            Set::Blocker => Some(&self.blockers),
        }
    }

    /// The occurrences in `matches` (one line's) of the phrases of `set`, as (index of
    /// the phrase in its list, folded byte range): what `find_all` of that list gives.
    pub(super) fn found<'m>(
        &'m self,
        matches: &'m [LineMatch],
        set: Set,
    ) -> impl Iterator<Item = (usize, Range<usize>)> + 'm {
        let phrases = self.phrase_set(set);
        matches
            .iter()
            .filter(move |m| m.set == set)
            .filter_map(move |m| {
                let index = m.index as usize;
                let phrase = phrases?.phrases.get(index)?;
                let start = m.start as usize;
                Some((index, start..start + phrase.norm.len()))
            })
    }

    /// For each phrase of `set`, whether it occurs in one of the lines.
    pub(super) fn shown<'l>(
        &self,
        lines: impl IntoIterator<Item = &'l [LineMatch]>,
        set: Set,
    ) -> Vec<bool> {
        let mut shown = vec![false; self.phrase_set(set).map_or(0, |p| p.phrases.len())];
        for m in lines.into_iter().flatten().filter(|m| m.set == set) {
            if let Some(s) = shown.get_mut(m.index as usize) {
                *s = true;
            }
        }
        shown
    }

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
        let abbreviations = Abbreviations::new(abbreviations);
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
        let carriers = PhraseSet::new(
            phrases(&raw.title.carriers, "[title] carriers")?,
            "[title] carriers",
        )?;
        let birth = phrases(&raw.dates.birth, "[dates] birth")?;
        let mut blockers = phrases(&raw.dates.ignore, "[dates] ignore")?;
        blockers.extend(birth.iter().cloned());
        let blockers = PhraseSet::new(blockers, "[dates] ignore")?;
        let birth = PhraseSet::new(birth, "[dates] birth")?;

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
            if rl.only && rl.kinds.is_empty() {
                return Err(invalid(place, "only = true needs the kinds it is for"));
            }
            labels.push(DateLabel {
                phrase: label_phrase,
                priority: rl.priority,
                kinds: rl.kinds,
                only: rl.only,
                order: rl.order,
                lang,
            });
        }

        let label_phrases = PhraseSet::new(
            labels.iter().map(|l| l.phrase.clone()).collect(),
            "[[dates.label]]",
        )?;
        let markers = PhraseSet::new(
            locales
                .iter()
                .flat_map(|l| l.markers.iter().map(|(p, _)| p.clone()))
                .collect(),
            "[[dates.locale]] markers",
        )?;

        let mut keyword_ids = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut line_ids: Vec<(Set, u32)> = Vec::new();
        for (ki, kr) in kinds.iter().enumerate() {
            for (list, keywords) in [(List::Title, &kr.title), (List::Body, &kr.body)] {
                for (wi, kw) in keywords.iter().enumerate() {
                    line_ids.push((Set::Keyword, keyword_ids.len() as u32));
                    keyword_ids.push((ki, list, wi));
                    patterns.push(kw.phrase.pattern.as_str());
                }
            }
        }
        for (set, phrases) in [
            (Set::Birth, &birth),
            (Set::Marker, &markers),
            (Set::Label, &label_phrases),
            (Set::Blocker, &blockers),
        ] {
            for (i, p) in phrases.phrases.iter().enumerate() {
                line_ids.push((set, i as u32));
                patterns.push(p.pattern.as_str());
            }
        }
        let line_matcher = aho_corasick::AhoCorasick::new(&patterns).map_err(|e| {
            invalid(
                "[[kind]] and [dates]",
                format!("keywords and date phrases cannot be compiled: {e}"),
            )
        })?;
        Ok(Rules {
            keyword_ids,
            line_matcher,
            line_ids,
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
            blockers,
            locales,
            markers,
            labels,
            label_phrases,
        })
    }
}

pub(super) fn non_negative(place: &str, value: f32) -> Result<(), RulesError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(
            place,
            format!("must be a number >= 0, not {value}"),
        ))
    }
}

pub(super) fn keyword(
    place: &str,
    k: &RawKeyword,
    lang: usize,
    abbreviations: &Abbreviations,
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
    pub(super) fn new(
        text: &str,
        place: &str,
        abbreviations: &Abbreviations,
    ) -> Result<Phrase, RulesError> {
        let norm = expand(fold(text), abbreviations).text.trim().to_string();
        if norm.is_empty() {
            return Err(invalid(place, "the phrase has no letters or digits"));
        }
        let pattern = format!(" {norm} ");
        Ok(Phrase {
            text: text.trim().to_string(),
            pattern,
            norm,
        })
    }
}
