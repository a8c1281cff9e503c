//! Folding: a piece of text turns into its folded form (lower case, no accents, one space
//! between words, abbreviations written out) where phrases match whole words, with the way
//! back to the original letters.

use crate::base::dates::base_letter;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// Folding and whole-word matching

/// The text with each accented letter written as one character: decomposed letters
/// ("e" + U+0301) composed (NFC), and a spacing accent set before its letter, as TeX's
/// older fonts draw it ("op´eratoire", sometimes "op ´eratoire"), joined to it. Titles
/// then keep the document's own letters, and keywords match.
pub(super) fn compose(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let joined = spacing_accent(c).and_then(|mark| {
            let at = if chars.get(i + 1) == Some(&' ') {
                i + 2
            } else {
                i + 1
            };
            let letter = *chars.get(at)?;
            if !"aeiouyAEIOUYnNcC".contains(letter) {
                return None;
            }
            let pair: String = [letter, mark].iter().collect();
            let mut one = pair.nfc();
            let composed = one.next()?;
            one.next().is_none().then_some((composed, at))
        });
        match joined {
            Some((composed, at)) => {
                // A gap the text extractor left between the word and its accent goes.
                let word_before = i >= 2 && chars.get(i - 2).is_some_and(|p| p.is_alphabetic());
                if word_before && out.ends_with(' ') {
                    out.pop();
                }
                out.push(composed);
                i = at + 1;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(out.nfc().collect())
}

/// The combining mark a spacing accent stands for.
fn spacing_accent(c: char) -> Option<char> {
    Some(match c {
        '\u{B4}' => '\u{301}',  // acute
        '`' => '\u{300}',       // grave
        '\u{2C6}' => '\u{302}', // circumflex
        '\u{A8}' => '\u{308}',  // dieresis
        '\u{2DC}' => '\u{303}', // tilde
        _ => return None,
    })
}

/// A string in folded form, with the way back to the original's byte offsets.
pub(super) struct Folded {
    /// Lower case, accents removed, separators collapsed to one space, with a
    /// space at both ends.
    pub(super) text: String,
    /// For each byte of `text`, the byte offset in the original of the char it came from.
    pub(super) map: Vec<usize>,
    /// Length of the original.
    pub(super) len: usize,
}

impl Folded {
    /// Byte offset in the original of folded byte `i`; the original's end past the end.
    pub(super) fn orig(&self, i: usize) -> usize {
        self.map.get(i).copied().unwrap_or(self.len)
    }
}

pub(super) fn fold(s: &str) -> Folded {
    let mut text = String::with_capacity(s.len() + 2);
    let mut map = Vec::with_capacity(s.len() + 2);
    text.push(' ');
    map.push(0);
    for (i, c) in s.char_indices() {
        if c.is_ascii() {
            // What the general case below does to an ASCII character, without it.
            if c.is_ascii_alphanumeric() {
                text.push(c.to_ascii_lowercase());
                map.push(i);
            } else if !text.ends_with(' ') {
                text.push(' ');
                map.push(i);
            }
            continue;
        }
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

/// The words of a text in the folded form classification matches on: lower case, accents
/// removed, punctuation dropped ("Sørensen-Łukasiewicz" → "sorensen", "lukasiewicz").
pub fn folded_words(s: &str) -> Vec<String> {
    fold(s)
        .text
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The abbreviations of the rules: folded word → folded full form, with one automaton
/// that tells whether a folded text holds any of the words at all (most lines hold none,
/// and are then left as they are without being split into words).
#[derive(Debug, Clone)]
pub(super) struct Abbreviations {
    full: BTreeMap<String, String>,
    /// The words as whole words of a folded text (" word "); None when there are none.
    finder: Option<aho_corasick::AhoCorasick>,
}

impl Abbreviations {
    /// `full` maps folded one-word abbreviations to their folded full forms.
    pub(super) fn new(full: BTreeMap<String, String>) -> Abbreviations {
        let finder = (!full.is_empty())
            .then(|| {
                // Without a prefilter: every pattern starts with a space, which a
                // prefilter would stop at in every word (measured: is_match on a line
                // takes two thirds of the time without it).
                aho_corasick::AhoCorasick::builder()
                    .prefilter(false)
                    .build(full.keys().map(|k| format!(" {k} ")))
                    .ok()
            })
            .flatten();
        Abbreviations { full, finder }
    }

    fn get(&self, word: &str) -> Option<&String> {
        self.full.get(word)
    }

    /// Whether folded `text` may hold one of the words: false only when it holds none.
    fn may_be_in(&self, text: &str) -> bool {
        match &self.finder {
            Some(f) => f.is_match(text),
            // No automaton (none could be built, or no words): ask the words themselves.
            None => !self.full.is_empty(),
        }
    }
}

/// A folded string with its abbreviations written out ("exm date" → "exam date"); every
/// byte of a full form maps back to the start of the abbreviation.
pub(super) fn expand(f: Folded, abbreviations: &Abbreviations) -> Folded {
    let words = || f.text.split(' ').filter(|w| !w.is_empty());
    // A folded text is its words between single spaces, with a space at both ends, so a
    // word of it is an abbreviation only if " word " occurs in it.
    if !abbreviations.may_be_in(&f.text) || !words().any(|w| abbreviations.get(w).is_some()) {
        // Nothing to write out: rebuilt, the text and its map would be the same.
        return f;
    }
    let mut text = String::with_capacity(f.text.len() + 8);
    let mut map = Vec::with_capacity(f.map.len() + 8);
    text.push(' ');
    map.push(f.orig(0));
    let mut at = 1;
    for word in words() {
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
