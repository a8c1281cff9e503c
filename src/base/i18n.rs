//! Languages: `templates/messages/<lang>.toml` turn into the words of every generated text
//! (headings, labels, kind names, the footer stamp, dates as each language writes them),
//! and a language name into the per-language templates (questions, cover letter, to-do
//! list). Every stage that writes for a reader takes its words from here.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A language the packet, letter and to-do list can be written in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The code used on the command line, in packet.toml and in template names.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// This language's words.
    pub fn messages(self) -> &'static Messages {
        Messages::get(self)
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .iter()
            .copied()
            .find(|l| l.code() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown language \"{s}\" — use en or es"))
    }
}

const EN: &str = include_str!("../../templates/messages/en.toml");
const ES: &str = include_str!("../../templates/messages/es.toml");

/// One language's words, by dotted key (`cover.patient`, `kind.label.lab-results`).
#[derive(Debug)]
pub struct Messages {
    lang: Lang,
    words: BTreeMap<String, String>,
    months: Vec<String>,
}

/// Flattens nested TOML tables into dotted keys.
fn flatten(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        _ => {}
    }
}

/// Parses a messages file; `Err` says what is wrong with it.
pub fn parse(lang: Lang, text: &str) -> Result<Messages, String> {
    let v: toml::Value = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let months: Vec<String> = v
        .get("date")
        .and_then(|d| d.get("months"))
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if months.len() != 12 {
        return Err("[date] months must list the twelve month names".into());
    }
    let mut words = BTreeMap::new();
    flatten("", &v, &mut words);
    Ok(Messages {
        lang,
        words,
        months,
    })
}

impl Messages {
    /// The words of `lang`, read once. A messages file is part of the program: one that
    /// does not parse is caught by the tests, and falls back to an empty table here.
    pub fn get(lang: Lang) -> &'static Messages {
        static EN_M: OnceLock<Messages> = OnceLock::new();
        static ES_M: OnceLock<Messages> = OnceLock::new();
        let (cell, text) = match lang {
            Lang::En => (&EN_M, EN),
            Lang::Es => (&ES_M, ES),
        };
        cell.get_or_init(|| {
            parse(lang, text).unwrap_or_else(|_| Messages {
                lang,
                words: BTreeMap::new(),
                months: Vec::new(),
            })
        })
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text for `key` in this language, else in English.
    fn lookup(&self, key: &str) -> Option<&str> {
        match self.words.get(key) {
            Some(s) => Some(s),
            None if self.lang != Lang::En => Messages::get(Lang::En).lookup(key),
            None => None,
        }
    }

    /// The text for `key`; English when this language lacks it; the key itself when no
    /// language has it, so a mistyped key shows on the page (the tests look for such keys
    /// in every generated page, and check every language has every English key).
    pub fn t<'k>(&'k self, key: &'k str) -> &'k str {
        self.lookup(key).unwrap_or(key)
    }

    /// The text for `key` when some language has it (this one, else English), or None: for
    /// callers that must fail on a mistyped key rather than show it.
    pub fn word(&self, key: &str) -> Option<&str> {
        self.lookup(key)
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// Every key this language defines.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.words.keys().map(String::as_str)
    }

    /// A date in the short form of the index, cover and stamp (`2025-03-14`, `14/03/2025`).
    pub fn date_short(&self, d: NaiveDate) -> String {
        self.date_with("date.short", d)
    }

    /// A date as the language writes it in a sentence (`March 14, 2025`, `14 de marzo de
    /// 2025`).
    pub fn date_long(&self, d: NaiveDate) -> String {
        self.date_with("date.long", d)
    }

    /// A moment, in the date's short form with hours and minutes (UTC).
    pub fn time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        use chrono::Timelike;
        fill(
            self.t("date.time"),
            &[
                ("date", &self.date_short(t.date_naive())),
                ("hh", &format!("{:02}", t.hour())),
                ("mi", &format!("{:02}", t.minute())),
            ],
        )
    }

    fn date_with(&self, key: &'static str, d: NaiveDate) -> String {
        let month = self
            .months
            .get(d.month0() as usize)
            .cloned()
            .unwrap_or_else(|| d.month().to_string());
        fill(
            self.t(key),
            &[
                ("year", &format!("{:04}", d.year())),
                ("month", &month),
                ("mm", &format!("{:02}", d.month())),
                ("day", &d.day().to_string()),
                ("dd", &format!("{:02}", d.day())),
            ],
        )
    }

    /// The label of one document of `kind` ("Pathology report", "Informe de patología").
    pub fn kind_label(&self, kind: crate::base::kind::Kind) -> &str {
        self.lookup(&format!("kind.label.{}", kind.as_str()))
            .unwrap_or(kind.as_str())
    }

    /// The heading of `kind`'s section ("Pathology reports").
    pub fn section_title(&self, kind: crate::base::kind::Kind) -> &str {
        self.lookup(&format!("kind.section.{}", kind.as_str()))
            .unwrap_or(kind.as_str())
    }
}

/// Replaces each `{name}` in `template` with its value; other braces stay.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (close, *v))
        }) {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses_and_has_every_english_key() {
        let en = parse(Lang::En, EN).expect("en.toml parses");
        for lang in Lang::ALL {
            let text = match lang {
                Lang::En => EN,
                Lang::Es => ES,
            };
            let m = parse(lang, text).unwrap_or_else(|e| panic!("{}: {e}", lang.code()));
            for k in en.keys() {
                assert!(m.words.contains_key(k), "{} lacks {k}", lang.code());
            }
            for k in m.keys() {
                assert!(
                    en.words.contains_key(k),
                    "{} has unknown key {k}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 4).expect("date");
        let cases = [
            (Lang::En, "2025-03-04", "March 4, 2025"),
            (Lang::Es, "04/03/2025", "4 de marzo de 2025"),
        ];
        for (lang, short, long) in cases {
            assert_eq!(lang.messages().date_short(d), short);
            assert_eq!(lang.messages().date_long(d), long);
        }
    }

    #[test]
    fn placeholders_are_filled_and_unknown_braces_kept() {
        assert_eq!(
            fill("Page {i} of {n}", &[("i", "2"), ("n", "9")]),
            "Page 2 of 9"
        );
        assert_eq!(fill("{x} {y}", &[("x", "1")]), "1 {y}");
        assert_eq!("ES".parse::<Lang>(), Ok(Lang::Es));
        assert!("fr".parse::<Lang>().is_err());
    }
}
