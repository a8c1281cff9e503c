//! Dates: a date written in any of the forms records use — ISO, US month-first and
//! day-first numbers, month names in English, French and Spanish, two-digit years when a
//! reading allows them — turns into a calendar date. `config` parses packet.toml dates
//! with it and `classify` reads dates in documents with it.

use chrono::NaiveDate;
use serde::Deserialize;
use std::ops::{Range, RangeInclusive};

/// Years outside this range are not read as clinical dates.
pub const YEARS: RangeInclusive<i32> = 1900..=2100;

/// How to read an all-numeric date such as `03/04/2025`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// Month first (US): 03/04/2025 is 4 March.
    #[default]
    Mdy,
    /// Day first: 03/04/2025 is 3 April.
    Dmy,
}

/// How to read a date: the order of an all-numeric date, and whether two-digit years
/// (`12/14/00`) are read, with their century pivot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    pub order: DateOrder,
    pub pivot: Option<u32>,
}

impl Reading {
    /// Four-digit years, month first: `parse_date` and `find_date`.
    pub const STRICT: Reading = Reading {
        order: DateOrder::Mdy,
        pivot: None,
    };
}

// ---------------------------------------------------------------------------
// Date parsing

/// Parse one date in the forms users write: ISO `2025-03-14`, US `03/14/2025` and
/// `3/14/2025` (month first), `March 14, 2025`, `Mar 14, 2025`, `14 March 2025`,
/// `14-MAR-2025`. Returns None for anything else or an impossible date (02/30/2025).
/// Leading/trailing text around the date is NOT allowed here (this parses a whole
/// field value after trimming).
///
/// Also accepted, as small variations of those forms: `03-14-2025`, `Mar. 14 2025`,
/// `Aug 9,2022`, `March 14th, 2025`, `31 Oct, 2022`, and French and Spanish month names
/// (`14 mars 2025`, `5 de febrero de 2025`). Years must be 1900–2100 and have four
/// digits here; two-digit years (`12/14/00`) are read only after a date label in a
/// document's text.
#[must_use]
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    match date_prefix(s, Reading::STRICT)? {
        (date, len) if len == s.len() => Some(date),
        _ => None,
    }
}

/// Why a date a person typed (in packet.toml, on the web page) was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unclear {
    /// It is not a date in any form [`parse_date`] reads.
    NotADate,
    /// Figures whose first two parts are both 12 or less and differ (`12/04/1968`): read
    /// month first and day first, they are two different dates (here in that order), and
    /// which was meant cannot be told.
    Ambiguous(NaiveDate, NaiveDate),
}

/// A date a person typed: as [`parse_date`], except that a date in figures that reads as
/// two different dates, month first or day first (`12/04/1968`), is not guessed at.
/// Guessing wrong would put a wrong date of birth on every page of a packet.
pub fn parse_entered_date(s: &str) -> Result<NaiveDate, Unclear> {
    let s = s.trim();
    let sep = s.bytes().find(|b| matches!(b, b'/' | b'-' | b'.'));
    if let Some(sep) = sep {
        let parts: Vec<&str> = s.split(char::from(sep)).collect();
        let figures = |p: &str, n: RangeInclusive<usize>| {
            n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
        };
        if let [a, b, y] = parts[..] {
            if figures(a, 1..=2) && figures(b, 1..=2) && figures(y, 4..=4) {
                let num = |p: &str| p.parse::<u32>().unwrap_or(0);
                let (a, b, y) = (num(a), num(b), num(y) as i32);
                let month_first = NaiveDate::from_ymd_opt(y, a, b);
                let day_first = NaiveDate::from_ymd_opt(y, b, a);
                if let (Some(m), Some(d)) = (month_first, day_first) {
                    if m != d {
                        return Err(Unclear::Ambiguous(m, d));
                    }
                }
            }
        }
    }
    parse_date(s).ok_or(Unclear::NotADate)
}

/// Find the first date (any of the forms above) inside a longer string, returning it and the
/// byte range it occupied.
#[must_use]
pub fn find_date(s: &str) -> Option<(NaiveDate, Range<usize>)> {
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let word_start = c.is_alphanumeric() && !prev.is_some_and(char::is_alphanumeric);
        prev = Some(c);
        if !word_start {
            continue;
        }
        if let Some((date, len)) = s
            .get(i..)
            .and_then(|rest| date_prefix(rest, Reading::STRICT))
        {
            return Some((date, i..i + len));
        }
    }
    None
}

/// A date at the very start of `s`, and the number of bytes it took. The date must
/// end at a word boundary.
pub(crate) fn date_prefix(s: &str, reading: Reading) -> Option<(NaiveDate, usize)> {
    let first = s.chars().next()?;
    if first.is_ascii_digit() {
        numeric_first(s, reading)
    } else if first.is_alphabetic() {
        month_first(s)
    } else {
        None
    }
}

pub(crate) fn make_date(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    let year = i32::try_from(year).ok()?;
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A run of ASCII digits starting at `at` whose length is within `len`, and where it ends.
pub(crate) fn digits(s: &str, at: usize, len: RangeInclusive<usize>) -> Option<(u32, usize)> {
    let run = s.get(at..)?.bytes().take_while(u8::is_ascii_digit).count();
    if !len.contains(&run) {
        return None;
    }
    let value = s.get(at..at + run)?.parse().ok()?;
    Some((value, at + run))
}

pub(crate) fn byte_at(s: &str, at: usize) -> Option<u8> {
    s.as_bytes().get(at).copied()
}

/// True when the date ending at `end` is not glued to a following letter or digit.
pub(crate) fn ends_word(s: &str, end: usize) -> bool {
    s.get(end..)
        .and_then(|rest| rest.chars().next())
        .is_none_or(|c| !c.is_alphanumeric())
}

/// A year of four digits at `at`, or of two when `reading` allows them (`00` to
/// `pivot - 1` are 2000s, the others 1900s), and where it ends.
pub(crate) fn year_at(s: &str, at: usize, reading: Reading) -> Option<(u32, usize)> {
    let run = s.get(at..)?.bytes().take_while(u8::is_ascii_digit).count();
    match (run, reading.pivot) {
        (4, _) => digits(s, at, 4..=4),
        (2, Some(pivot)) => {
            let (yy, end) = digits(s, at, 2..=2)?;
            let century = if yy < pivot { 2000 } else { 1900 };
            Some((century + yy, end))
        }
        _ => None,
    }
}

/// `2025-03-14`, `03/14/2025`, `03-14-2025`, `14-MAR-2025`, `14 March 2025`,
/// `31 Oct, 2022`, `5 de febrero de 2025`, and for day-first readings `14.03.2025`;
/// with two-digit years allowed, also `12/14/00` and `14-MAR-00`.
pub(crate) fn numeric_first(s: &str, reading: Reading) -> Option<(NaiveDate, usize)> {
    let order = reading.order;
    let (a, p) = digits(s, 0, 1..=4)?;
    if p == 4 {
        // ISO: year-month-day, optionally followed by a time ("T10:30").
        if byte_at(s, p) != Some(b'-') {
            return None;
        }
        let (m, p) = digits(s, p + 1, 1..=2)?;
        if byte_at(s, p) != Some(b'-') {
            return None;
        }
        let (d, end) = digits(s, p + 1, 1..=2)?;
        let time_follows = byte_at(s, end) == Some(b'T')
            && byte_at(s, end + 1).is_some_and(|b| b.is_ascii_digit());
        if !ends_word(s, end) && !time_follows {
            return None;
        }
        return make_date(a, m, d).map(|date| (date, end));
    }
    if p > 2 {
        return None;
    }
    let sep = byte_at(s, p)?;
    match sep {
        b'/' | b'-' | b'.' if byte_at(s, p + 1).is_some_and(|b| b.is_ascii_digit()) => {
            if sep == b'.' && order == DateOrder::Mdy {
                return None;
            }
            let (b, q) = digits(s, p + 1, 1..=2)?;
            if byte_at(s, q) != Some(sep) {
                return None;
            }
            let (year, end) = year_at(s, q + 1, reading)?;
            if !ends_word(s, end) {
                return None;
            }
            let (month, day) = match order {
                DateOrder::Mdy => (a, b),
                DateOrder::Dmy => (b, a),
            };
            make_date(year, month, day).map(|date| (date, end))
        }
        b'-' => {
            // 14-MAR-2025
            let (month, q) = month_word(s, p + 1)?;
            if byte_at(s, q) != Some(b'-') {
                return None;
            }
            let (year, end) = year_at(s, q + 1, reading)?;
            if !ends_word(s, end) {
                return None;
            }
            make_date(year, month, a).map(|date| (date, end))
        }
        b' ' | b'\t' => {
            // 14 March 2025, 31 Oct, 2022, 14 mars 2025, 5 de febrero de 2025
            let q = skip_spaces(s, p);
            let q = skip_de(s, q);
            let (month, q) = month_word(s, q)?;
            let q = if byte_at(s, q) == Some(b',') {
                q + 1
            } else {
                q
            };
            let r = skip_spaces(s, q);
            if r == q {
                return None;
            }
            let r = skip_de(s, r);
            let (year, end) = digits(s, r, 4..=4)?;
            if !ends_word(s, end) {
                return None;
            }
            make_date(year, month, a).map(|date| (date, end))
        }
        _ => None,
    }
}

/// `March 14, 2025`, `Mar. 14 2025`, `Aug 9,2022`, `March 14th, 2025`.
pub(crate) fn month_first(s: &str) -> Option<(NaiveDate, usize)> {
    let (month, p) = month_word(s, 0)?;
    let q = skip_spaces(s, p);
    if q == p {
        return None;
    }
    let (day, mut q) = digits(s, q, 1..=2)?;
    if let Some(suffix) = s.get(q..q + 2) {
        if ["st", "nd", "rd", "th"]
            .iter()
            .any(|o| suffix.eq_ignore_ascii_case(o))
        {
            q += 2;
        }
    }
    let mut r = skip_spaces(s, q);
    if byte_at(s, r) == Some(b',') {
        r = skip_spaces(s, r + 1);
    }
    if r == q {
        return None;
    }
    let (year, end) = digits(s, r, 4..=4)?;
    if !ends_word(s, end) {
        return None;
    }
    make_date(year, month, day).map(|date| (date, end))
}

pub(crate) fn skip_spaces(s: &str, at: usize) -> usize {
    at + s.get(at..).map_or(0, |rest| {
        rest.bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count()
    })
}

/// Skips a Spanish "de " ("5 de febrero de 2025").
pub(crate) fn skip_de(s: &str, at: usize) -> usize {
    match s.get(at..at + 3) {
        Some(de) if de.eq_ignore_ascii_case("de ") => skip_spaces(s, at + 3),
        _ => at,
    }
}

/// A month name or abbreviation starting at `at` (an optional "." after it is
/// taken too), and where it ends.
pub(crate) fn month_word(s: &str, at: usize) -> Option<(u32, usize)> {
    let rest = s.get(at..)?;
    let len: usize = rest
        .chars()
        .take_while(|c| c.is_alphabetic())
        .map(char::len_utf8)
        .sum();
    let word = rest.get(..len)?;
    let folded: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| base_letter(c).map_or_else(|| c.to_string(), str::to_string))
        .collect();
    let month = month_number(&folded)?;
    let mut end = at + len;
    if byte_at(s, end) == Some(b'.') {
        end += 1;
    }
    Some((month, end))
}

/// Month names (English, French, Spanish) in folded form.
pub(crate) fn month_number(word: &str) -> Option<u32> {
    Some(match word {
        "january" | "jan" | "janvier" | "janv" | "enero" | "ene" => 1,
        "february" | "feb" | "fevrier" | "fevr" | "fev" | "febrero" => 2,
        "march" | "mar" | "mars" | "marzo" => 3,
        "april" | "apr" | "avril" | "avr" | "abril" | "abr" => 4,
        "may" | "mai" | "mayo" => 5,
        "june" | "jun" | "juin" | "junio" => 6,
        "july" | "jul" | "juillet" | "juil" | "julio" => 7,
        "august" | "aug" | "aout" | "agosto" | "ago" => 8,
        "september" | "sep" | "sept" | "septembre" | "septiembre" | "setiembre" => 9,
        "october" | "oct" | "octobre" | "octubre" => 10,
        "november" | "nov" | "novembre" | "noviembre" => 11,
        "december" | "dec" | "decembre" | "diciembre" | "dic" => 12,
        _ => return None,
    })
}

/// The unaccented spelling of a lower-case Latin letter with an accent (month names here,
/// and the folded text `classify` matches keywords in).
pub(crate) fn base_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'š' => "s",
        'ž' => "z",
        'ß' => "ss",
        _ => return None,
    })
}
