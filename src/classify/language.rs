//! Language: a document's text turns into the language it is written in, as an ISO 639-3
//! code ("eng", "spa"), or "unknown" when there is too little text to tell or the
//! detector (whatlang) is not sure.

pub use crate::base::classified::UNKNOWN_LANGUAGE as UNKNOWN;

/// Fewer letters than this tell nothing reliable about a language.
const MIN_LETTERS: usize = 40;

/// A longer text is told by [`WINDOWS`] windows of it, spread from its start to its end,
/// of this many bytes in all: two thousand characters tell a language as surely as a
/// whole record does (on the real reports of the measuring set, 2,048 bytes tell every
/// one as 4,096 do), and the detector's time grows with what it reads.
const SAMPLE: usize = 2048;

/// How many windows of a long text are read (so a record in two languages — a cover page
/// in one, the report in another — is told by the language most of it is in).
const WINDOWS: usize = 4;

/// The language of `text` ("eng", "spa", …, or [`UNKNOWN`]).
pub fn detect(text: &str) -> String {
    let letters = text
        .chars()
        .filter(|c| c.is_alphabetic())
        .take(MIN_LETTERS)
        .count();
    if letters < MIN_LETTERS {
        return UNKNOWN.to_string();
    }
    match whatlang::detect(&sample(text)) {
        Some(info) if info.is_reliable() => info.lang().code().to_string(),
        _ => UNKNOWN.to_string(),
    }
}

/// `text` itself when short; else [`WINDOWS`] windows of it, evenly spread, one per line.
/// A window is cut at whitespace inside it on both sides (no word is split), or at its
/// ends where it holds none (text written without spaces, as Chinese is).
fn sample(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= SAMPLE {
        return std::borrow::Cow::Borrowed(text);
    }
    let width = SAMPLE / WINDOWS;
    let mut out = String::with_capacity(SAMPLE + WINDOWS);
    for w in 0..WINDOWS {
        // Window w starts w/(WINDOWS - 1) of the way to the last start: the first at the
        // text's start, the last ending at its end.
        let start = (text.len() - width) * w / (WINDOWS - 1);
        let (lo, hi) = (
            ceil_boundary(text, start),
            floor_boundary(text, start + width),
        );
        let window = &text[lo..hi.max(lo)];
        let from = if lo == 0 {
            0
        } else {
            window.find(char::is_whitespace).unwrap_or(0)
        };
        let to = if hi >= text.len() {
            window.len()
        } else {
            window.rfind(char::is_whitespace).unwrap_or(window.len())
        };
        out.push_str(if from < to { &window[from..to] } else { window });
        out.push('\n');
    }
    std::borrow::Cow::Owned(out)
}

/// `at`, or the next character boundary after it (the text's end at most).
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// `at`, or the character boundary before it (the text's end at most).
fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The ISO 639-3 code of a packet language ("en" → "eng", "es" → "spa").
pub fn packet_code(lang: crate::base::i18n::Lang) -> &'static str {
    match lang {
        crate::base::i18n::Lang::En => "eng",
        crate::base::i18n::Lang::Es => "spa",
    }
}

/// The English name of a language code ("spa" → "Spanish"), or the code itself.
pub fn name(code: &str) -> String {
    whatlang::Lang::from_code(code)
        .map(|l| l.eng_name().to_string())
        .unwrap_or_else(|| code.to_string())
}

/// True when a document in `code` is not in the packet's language `packet` (a document
/// whose language could not be told never is).
pub fn foreign(code: &str, packet: crate::base::i18n::Lang) -> bool {
    code != UNKNOWN && !code.is_empty() && code != packet_code(packet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_in_english_and_spanish_and_too_little_text() {
        let en = "SURGICAL PATHOLOGY REPORT. The specimen was received in formalin and \
                  shows invasive ductal carcinoma of the left breast; the margins are free \
                  of tumour and two sentinel lymph nodes are negative.";
        let es = "INFORME DE PATOLOGÍA QUIRÚRGICA. La muestra se recibió en formol y muestra \
                  un carcinoma ductal invasivo de la mama izquierda; los márgenes están libres \
                  de tumor y los dos ganglios centinela son negativos.";
        assert_eq!(detect(en), "eng");
        assert_eq!(detect(es), "spa");
        assert_eq!(detect("CBC 03/14/2025 WBC 6.1"), UNKNOWN);
        assert_eq!(detect(""), UNKNOWN);
        use crate::base::i18n::Lang;
        assert!(foreign("spa", Lang::En));
        assert!(!foreign("spa", Lang::Es));
        assert!(!foreign(UNKNOWN, Lang::En));
        assert_eq!(name("spa"), "Spanish");
    }

    #[test]
    fn a_long_record_is_told_by_windows_spread_over_it() {
        let en = "The specimen was received in formalin and shows invasive ductal carcinoma \
                  of the left breast; the margins are free of tumour. ";
        let es = "La muestra se recibió en formol y muestra un carcinoma ductal invasivo de \
                  la mama izquierda; los márgenes están libres de tumor. ";
        // Short texts are read whole.
        assert!(matches!(sample(en), std::borrow::Cow::Borrowed(_)));
        // A long Spanish report with an English cover page is Spanish, as read whole.
        let mixed = format!("{}{}", en.repeat(8), es.repeat(120));
        assert!(mixed.len() > 4 * SAMPLE);
        assert_eq!(detect(&mixed), "spa");
        assert_eq!(
            whatlang::detect(&mixed).map(|i| i.lang().code()),
            Some("spa")
        );
        let s = sample(&mixed);
        assert!(s.len() <= SAMPLE + WINDOWS, "{} bytes", s.len());
        // Each window is whole words of the text, cut at whitespace (accents not split).
        let words: std::collections::HashSet<&str> = mixed.split_whitespace().collect();
        for line in s.lines() {
            assert!(line.len() > SAMPLE / WINDOWS / 2, "{line:?}");
            assert!(mixed.contains(line), "{line:?}");
            assert!(
                line.split_whitespace().all(|w| words.contains(w)),
                "{line:?}"
            );
        }
        // The first window is the start, the last the end.
        assert!(mixed.starts_with(s.lines().next().unwrap_or("")));
        assert!(mixed
            .trim_end()
            .ends_with(s.lines().last().unwrap_or("").trim_end()));
        // Text without spaces (Chinese) is cut on character boundaries (three bytes each,
        // so most cuts fall inside a character) and told as it is read whole.
        let zh = "病理报告显示左侧乳腺浸润性导管癌，切缘阴性，两枚前哨淋巴结未见转移。".repeat(120);
        assert!(zh.len() > 2 * SAMPLE && !zh.contains(char::is_whitespace));
        let s = sample(&zh);
        assert_eq!(s.lines().count(), WINDOWS);
        for line in s.lines() {
            assert!(line.len() >= SAMPLE / WINDOWS - 4, "{} bytes", line.len());
            assert!(zh.contains(line));
        }
        assert_eq!(
            detect(&zh),
            whatlang::detect(&zh)
                .filter(|i| i.is_reliable())
                .map_or(UNKNOWN, |i| i.lang().code())
        );
        assert_ne!(detect(&zh), UNKNOWN);
        // Long stretches without spaces between spaced ones keep every window's text.
        let mixed_zh = format!("{zh} {zh}");
        assert!(sample(&mixed_zh)
            .lines()
            .all(|l| l.len() > SAMPLE / WINDOWS / 2));
    }
}
