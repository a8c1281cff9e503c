//! Language: a document's text turns into the language it is written in, as an ISO 639-3
//! code ("eng", "spa"), or "unknown" when there is too little text to tell or the
//! detector (whatlang) is not sure.

pub use crate::base::classified::UNKNOWN_LANGUAGE as UNKNOWN;

/// Fewer letters than this tell nothing reliable about a language.
const MIN_LETTERS: usize = 40;

/// The language of `text` ("eng", "spa", …, or [`UNKNOWN`]).
pub fn detect(text: &str) -> String {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < MIN_LETTERS {
        return UNKNOWN.to_string();
    }
    match whatlang::detect(text) {
        Some(info) if info.is_reliable() => info.lang().code().to_string(),
        _ => UNKNOWN.to_string(),
    }
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
}
