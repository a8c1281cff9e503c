//! Identifiers: the text of one page turns into the identifiers on it that a patient may
//! not want to send — US Social Security numbers and labelled insurance member IDs
//! (Medicare's MBI form with or without a label) — each kept only masked to its last
//! four characters. The labels are data in `templates/identifiers.toml`.

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::sync::OnceLock;

const IDENTIFIERS_TOML: &str = include_str!("../../templates/identifiers.toml");

/// What an identifier is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum IdKind {
    Ssn,
    Medicare,
    MemberId,
}

/// One identifier found on a page, masked: the full number is never kept (nor cached).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// 1-based page of the file.
    pub page: u32,
    pub kind: IdKind,
    /// The last four characters.
    pub last4: String,
}

impl Finding {
    /// What was found, for a warning: "US Social Security number ***-**-6789".
    pub fn what(&self) -> String {
        match self.kind {
            IdKind::Ssn => format!("US Social Security number ***-**-{}", self.last4),
            IdKind::Medicare => format!("Medicare number (MBI) ****{}", self.last4),
            IdKind::MemberId => format!("insurance member ID ****{}", self.last4),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelsFile {
    ssn_labels: Vec<String>,
    other_labels: Vec<String>,
    member_labels: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Ssn,
    Other,
    Member,
}

struct Labels {
    ac: AhoCorasick,
    what: Vec<Label>,
}

/// The labels of `templates/identifiers.toml` as written, each with its kind.
fn label_list() -> Option<Vec<(String, Label)>> {
    let f: LabelsFile = toml::from_str(IDENTIFIERS_TOML).ok()?;
    Some(
        [
            (f.ssn_labels, Label::Ssn),
            (f.other_labels, Label::Other),
            (f.member_labels, Label::Member),
        ]
        .into_iter()
        .flat_map(|(list, l)| list.into_iter().map(move |p| (p, l)))
        .collect(),
    )
}

fn labels() -> Option<&'static Labels> {
    static L: OnceLock<Option<Labels>> = OnceLock::new();
    L.get_or_init(|| {
        // Matched against text with its ASCII letters lowered (see `label_hits`).
        let (pats, what): (Vec<String>, Vec<Label>) = label_list()?
            .into_iter()
            .map(|(p, l)| (p.to_ascii_lowercase(), l))
            .unzip();
        let ac = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&pats)
            .ok()?;
        Some(Labels { ac, what })
    })
    .as_ref()
}

/// A label found in the text: its kind and where it ends.
struct Hit {
    label: Label,
    end: usize,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Labels standing as whole words (not "tel" inside "hotel"), matched without regard to
/// the case of ASCII letters. The automaton is case-sensitive and reads a copy of the text
/// with its ASCII letters lowered (the same length, so the same places): it finds what a
/// case-insensitive automaton finds in the text itself, faster (0.3 to 0.8 ns a byte on
/// synthetic and real report text, against 1.6).
fn label_hits(text: &str) -> Vec<Hit> {
    let Some(l) = labels() else {
        return Vec::new();
    };
    let lowered = text.as_bytes().to_ascii_lowercase();
    l.ac.find_iter(&lowered)
        .filter(|m| whole_word(text, m.start(), m.end()))
        .map(|m| Hit {
            label: l.what[m.pattern().as_usize()],
            end: m.end(),
        })
        .collect()
}

/// Whether `text[start..end]` stands as a whole word: nothing word-like glued before it,
/// nor after it when it ends in a letter or digit.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let last = text[..end].chars().next_back();
    let after = text[end..].chars().next();
    let glued_before = before.is_some_and(is_word);
    let glued_after = last.is_some_and(is_word) && after.is_some_and(is_word);
    !glued_before && !glued_after
}

/// How far before a number its label may stand (bytes).
const LABEL_REACH: usize = 40;

/// The label nearest before byte `at`, within reach.
fn label_before(hits: &[Hit], at: usize) -> Option<Label> {
    hits.iter()
        .filter(|h| h.end <= at && at - h.end <= LABEL_REACH)
        .max_by_key(|h| h.end)
        .map(|h| h.label)
}

/// True for an area, group and serial the Social Security Administration can issue.
pub fn valid_ssn(area: u32, group: u32, serial: u32) -> bool {
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Does a number end at `end` (no digit, and no "-digit" or "/digit" continuing it)?
fn ends_clean(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        Some(c) if c.is_ascii_alphanumeric() => false,
        Some(b'-' | b'/' | b'.') => !b.get(end + 1).is_some_and(u8::is_ascii_digit),
        _ => true,
    }
}

/// Does a number start cleanly at `at` (not inside a longer number, phone or date)?
fn starts_clean(b: &[u8], at: usize) -> bool {
    if at == 0 {
        return true;
    }
    let prev = b[at - 1];
    if prev.is_ascii_alphanumeric() || prev == b'+' {
        return false;
    }
    if matches!(prev, b'-' | b'/' | b'.') {
        return !(at >= 2 && b[at - 2].is_ascii_digit());
    }
    true
}

/// The place of the first ASCII digit in `b` at or after `at` (`b.len()` when there is
/// none), eight bytes at a time: most of a page's text is not digits.
fn next_digit(b: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(eight) = b.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        // Digits are the bytes that become 0 to 9 here; some byte of a word is below 10
        // exactly when this has a high bit set (in a word with none, no subtraction borrows).
        let t = u64::from_le_bytes(word) ^ (ONES * u64::from(b'0'));
        if t.wrapping_sub(ONES * 10) & !t & HIGH != 0 {
            break;
        }
        at += 8;
    }
    while at < b.len() && !b[at].is_ascii_digit() {
        at += 1;
    }
    at
}

/// Social Security numbers: `123-45-6789` anywhere (unless labelled as something else);
/// `123 45 6789` and `123456789` only after an SSN label.
fn find_ssns(text: &str, hits: &[Hit], out: &mut Vec<Raw>) {
    let b = text.as_bytes();
    let mut i = next_digit(b, 0);
    while i < b.len() {
        if !starts_clean(b, i) {
            i = next_digit(b, i + 1);
            continue;
        }
        // The label before the number, looked for only once the number has an SSN's shape.
        let mut label = None;
        let mut label = || *label.get_or_insert_with(|| label_before(hits, i));
        let mut found = None;
        if let (Some(area), Some(sep)) = (digits(b, i, 3), b.get(i + 3).copied()) {
            if matches!(sep, b'-' | b' ') && b.get(i + 6) == Some(&sep) {
                if let (Some(group), Some(serial)) = (digits(b, i + 4, 2), digits(b, i + 7, 4)) {
                    if ends_clean(b, i + 11) && valid_ssn(area, group, serial) {
                        let labelled_ok = match (sep, label()) {
                            (b'-', l) => l != Some(Label::Other) && l != Some(Label::Member),
                            (_, l) => l == Some(Label::Ssn),
                        };
                        if labelled_ok {
                            found = Some((i + 11, serial));
                        }
                    }
                }
            }
        }
        if found.is_none() {
            if let (Some(area), Some(group), Some(serial)) =
                (digits(b, i, 3), digits(b, i + 3, 2), digits(b, i + 5, 4))
            {
                if ends_clean(b, i + 9)
                    && valid_ssn(area, group, serial)
                    && label() == Some(Label::Ssn)
                {
                    found = Some((i + 9, serial));
                }
            }
        }
        match found {
            Some((end, serial)) => {
                out.push((IdKind::Ssn, format!("{serial:04}"), i..end));
                i = end;
            }
            None => {
                // Skip the rest of this run of digits.
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
        i = next_digit(b, i);
    }
}

/// True for a Medicare Beneficiary Identifier: 11 characters, digits and letters in
/// fixed places, never the letters S, L, O, I, B or Z.
pub fn is_mbi(s: &str) -> bool {
    // The characters without dashes, read as bytes: anything not ASCII fails the pattern.
    let mut c = [0u8; 11];
    let mut n = 0;
    for b in s.bytes().filter(|&b| b != b'-') {
        if n == c.len() {
            return false;
        }
        c[n] = b;
        n += 1;
    }
    if n != c.len() {
        return false;
    }
    let letter = |ch: u8| ch.is_ascii_uppercase() && !b"SLOIBZ".contains(&ch);
    let num = |ch: u8| ch.is_ascii_digit();
    let either = |ch: u8| letter(ch) || num(ch);
    let pattern: [&dyn Fn(u8) -> bool; 11] = [
        &|ch| ch.is_ascii_digit() && ch != b'0',
        &letter,
        &either,
        &num,
        &letter,
        &either,
        &num,
        &letter,
        &letter,
        &num,
        &num,
    ];
    c.iter().zip(pattern.iter()).all(|(&ch, f)| f(ch))
}

/// For each byte, whether it is part of a token: an ASCII letter, digit or dash (any
/// other byte, a byte of a character beyond ASCII included, separates tokens).
static TOKEN_PART: [bool; 256] = {
    let mut part = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        part[i] = c.is_ascii_alphanumeric() || c == b'-';
        i += 1;
    }
    part
};

/// The tokens of `text` of `min` bytes or more, in order: runs of [`TOKEN_PART`] bytes
/// that hold a letter or a digit. Most of the text is not read: a run of `min` bytes or
/// more that starts at or after `i` and no later than `i + min - 1` covers byte
/// `i + min - 1`, so when that byte separates, the search moves on past it; when it is
/// part of a run, only that run is read.
fn long_tokens(text: &str, min: usize) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let min = min.max(1);
    let part = |at: usize| TOKEN_PART[usize::from(b[at])];
    // No run that started before `i` goes on at `i`.
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let probe = i + min - 1;
        if probe >= b.len() {
            return None;
        }
        if !part(probe) {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && part(start - 1) {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < b.len() && part(end) {
            end += 1;
        }
        i = end;
        // An ASCII run, so it starts and ends between characters of `text`.
        if end - start >= min && b[start..end].iter().any(|&c| c != b'-') {
            return text.get(start..end);
        }
    })
}

/// The byte range of `part`, a slice of `text`, within `text`.
fn range_in(text: &str, part: &str) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    start..start + part.len()
}

/// An identifier found: its kind, last four characters and where it stands.
type Raw = (IdKind, String, std::ops::Range<usize>);

fn last4(s: &str) -> String {
    let alnum: Vec<char> = s.chars().filter(char::is_ascii_alphanumeric).collect();
    alnum[alnum.len().saturating_sub(4)..].iter().collect()
}

/// Member IDs after a member label, and MBIs anywhere.
fn find_member_ids(text: &str, hits: &[Hit], out: &mut Vec<Raw>) {
    // Only a token of 11 characters or more can be an MBI once its dashes are trimmed.
    for tok in long_tokens(text, 11) {
        let tok = tok.trim_matches('-');
        if (tok.len() == 11 || tok.len() == 13) && is_mbi(tok) {
            out.push((IdKind::Medicare, last4(tok), range_in(text, tok)));
        }
    }
    for h in hits.iter().filter(|h| h.label == Label::Member) {
        // The ID follows the label after separators ("Member ID: ", "Policy # ", "No.").
        let rest = &text[h.end..];
        let rest = rest.trim_start_matches([' ', '\t', ':', '#', '.']);
        let rest = rest
            .strip_prefix("No.")
            .or_else(|| rest.strip_prefix("no."))
            .unwrap_or(rest)
            .trim_start_matches([' ', '\t', ':', '#']);
        let id: &str = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .next()
            .unwrap_or("")
            .trim_matches('-');
        let alnum = id.chars().filter(char::is_ascii_alphanumeric).count();
        let nums = id.chars().filter(char::is_ascii_digit).count();
        if (5..=20).contains(&alnum) && nums >= 3 {
            let kind = if is_mbi(id) {
                IdKind::Medicare
            } else {
                IdKind::MemberId
            };
            out.push((kind, last4(id), range_in(text, id)));
        }
    }
}

fn find_raw(text: &str) -> Vec<Raw> {
    if next_digit(text.as_bytes(), 0) == text.len() {
        return Vec::new();
    }
    let hits = label_hits(text);
    let mut raw = Vec::new();
    find_ssns(text, &hits, &mut raw);
    find_member_ids(text, &hits, &mut raw);
    raw
}

/// `text` with every identifier in it masked but for its last four characters
/// (`***-**-6789`), for anything medpacket prints that quotes a record (evidence, titles).
pub fn mask(text: &str) -> String {
    let mut raw = find_raw(text);
    if raw.is_empty() {
        return text.to_string();
    }
    raw.sort_by_key(|r| r.2.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (_, _, range) in raw {
        if range.start < at || range.end > text.len() {
            continue;
        }
        out.push_str(&text[at..range.start]);
        let part = &text[range.clone()];
        let keep_from = part
            .char_indices()
            .filter(|(_, c)| c.is_ascii_alphanumeric())
            .map(|(i, _)| i)
            .rev()
            .nth(3)
            .unwrap_or(0);
        for (i, c) in part.char_indices() {
            out.push(if i < keep_from && c.is_ascii_alphanumeric() {
                '*'
            } else {
                c
            });
        }
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The identifiers on one page of text (page numbers are 1-based), each once. OCR calls
/// this for the text it reads, as the scan does for a PDF page's text layer.
pub fn find(page: u32, text: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for (kind, last4, _) in find_raw(text) {
        // One finding per number: a member ID that is also an MBI or SSN is one number.
        if let Some(f) = out.iter_mut().find(|f| f.last4 == last4) {
            f.kind = f.kind.min(kind);
            continue;
        }
        out.push(Finding { page, kind, last4 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens of letters, digits and dashes (ASCII: any other character, a byte of a
    /// character beyond ASCII included, separates them), read byte by byte: what
    /// `long_tokens` must give, longer ones kept.
    fn tokens(text: &str) -> impl Iterator<Item = &str> {
        let b = text.as_bytes();
        let is_part = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
        let mut i = 0;
        std::iter::from_fn(move || loop {
            while i < b.len() && !is_part(b[i]) {
                i += 1;
            }
            if i == b.len() {
                return None;
            }
            let start = i;
            while i < b.len() && is_part(b[i]) {
                i += 1;
            }
            // An ASCII run, so it starts and ends between characters of `text`.
            if b[start..i].iter().any(|&c| c != b'-') {
                return text.get(start..i);
            }
        })
    }

    #[test]
    fn long_tokens_are_the_tokens_of_that_length() {
        let pieces: [&[u8]; 12] = [
            b"1EG4-TE5-MK73",
            b"123456789",
            b"ab",
            b"-",
            b"--",
            b"\n",
            b"\t",
            b":",
            "é".as_bytes(),
            b"#",
            b"Member",
            b"00",
        ];
        let mut next = crate::base::testing::xorshift(0x05ee_d1d5);
        for _ in 0..2000 {
            let bytes = crate::base::testing::joined_pieces(&mut next, &pieces, 24);
            let text = String::from_utf8(bytes).expect("whole pieces are UTF-8");
            for min in 1..=14 {
                let at = |t: &str| range_in(&text, t);
                let want: Vec<_> = tokens(&text).filter(|t| t.len() >= min).map(at).collect();
                let got: Vec<_> = long_tokens(&text, min).map(at).collect();
                assert_eq!(got, want, "{text:?}, {min} bytes or more");
            }
        }
    }

    fn kinds(text: &str) -> Vec<(IdKind, String)> {
        find(1, text)
            .into_iter()
            .map(|f| (f.kind, f.last4))
            .collect()
    }

    #[test]
    fn ssn_ranges_follow_the_issuing_rules() {
        let cases = [
            ((512, 48, 3391), true),
            ((1, 1, 1), true),
            ((899, 99, 9999), true),
            ((0, 48, 3391), false),
            ((666, 48, 3391), false),
            ((900, 48, 3391), false),
            ((987, 65, 4321), false),
            ((512, 0, 3391), false),
            ((512, 48, 0), false),
        ];
        for ((a, g, s), want) in cases {
            assert_eq!(valid_ssn(a, g, s), want, "{a:03}-{g:02}-{s:04}");
        }
    }

    #[test]
    fn ssns_are_found_in_their_written_forms_and_not_in_other_numbers() {
        let ssn = |l: &str| vec![(IdKind::Ssn, l.to_string())];
        let none: Vec<(IdKind, String)> = Vec::new();
        let cases: Vec<(&str, Vec<(IdKind, String)>)> = vec![
            // Dashed: found with or without a label.
            ("SSN: 512-48-3391", ssn("3391")),
            ("Patient 512-48-3391 seen today", ssn("3391")),
            ("Social Security No. 512-48-3391.", ssn("3391")),
            // Spaces or none: only after an SSN label.
            ("SSN 512 48 3391", ssn("3391")),
            ("Soc Sec #: 512483391", ssn("3391")),
            ("Seguro Social: 512-48-3391", ssn("3391")),
            ("Total 512 48 3391", none.clone()),
            ("Ref 512483391", none.clone()),
            // Invalid ranges.
            ("SSN: 000-48-3391", none.clone()),
            ("SSN: 666-48-3391", none.clone()),
            ("SSN: 912-48-3391", none.clone()),
            ("SSN: 512-00-3391", none.clone()),
            ("SSN: 512-48-0000", none.clone()),
            // Dates, phone numbers and record numbers.
            ("Date of Service: 03-14-2025", none.clone()),
            ("Collected 2025-03-14", none.clone()),
            ("Phone: 555-123-4567", none.clone()),
            ("Call (555) 123-4567 or +1-512-48-3391", none.clone()),
            ("MRN: 512-48-3391", none.clone()),
            ("Medical record number 512483391", none.clone()),
            ("Account 512-48-3391", none.clone()),
            ("Order 1512-48-33910", none.clone()),
            ("Lot 512-48-33911", none.clone()),
            ("12/512-48-3391", none.clone()),
            ("Fax: 512 484 3391", none.clone()),
            // A label far from the number does not reach it.
            (
                "SSN on file. The patient reported the following results: 512 48 3391",
                none.clone(),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(kinds(text), want, "{text}");
        }
    }

    #[test]
    fn member_ids_need_a_label_and_mbis_are_recognised_by_form() {
        let cases: Vec<(&str, Vec<(IdKind, &str)>)> = vec![
            ("Member ID: XJH48213377", vec![(IdKind::MemberId, "3377")]),
            ("Subscriber ID W123456789", vec![(IdKind::MemberId, "6789")]),
            ("Policy # 88-4410-2291", vec![(IdKind::MemberId, "2291")]),
            ("Policy No. ABC778812", vec![(IdKind::MemberId, "8812")]),
            (
                "Número de afiliado: 77120044",
                vec![(IdKind::MemberId, "0044")],
            ),
            ("Medicare: 1EG4-TE5-MK73", vec![(IdKind::Medicare, "MK73")]),
            ("Member ID 1EG4TE5MK73", vec![(IdKind::Medicare, "MK73")]),
            // Not an ID: no label, too short, no digits, or an MBI with a forbidden letter.
            ("Specimen XJH48213377", vec![]),
            ("Member ID: pending", vec![]),
            ("Member ID: 12", vec![]),
            ("1SG4-TE5-MK73", vec![]),
            ("Remember identification 123456", vec![]),
        ];
        for (text, want) in cases {
            let want: Vec<(IdKind, String)> =
                want.into_iter().map(|(k, l)| (k, l.to_string())).collect();
            assert_eq!(kinds(text), want, "{text}");
        }
    }

    #[test]
    fn masking_keeps_the_text_and_the_last_four() {
        let cases = [
            ("SSN: 512-48-3391 on file", "SSN: ***-**-3391 on file"),
            ("Member ID: XJH48213377.", "Member ID: *******3377."),
            ("Medicare 1EG4-TE5-MK73", "Medicare ****-***-MK73"),
            ("Phone: 555-123-4567", "Phone: 555-123-4567"),
            ("no numbers", "no numbers"),
        ];
        for (text, want) in cases {
            assert_eq!(mask(text), want);
        }
    }

    #[test]
    fn findings_never_hold_the_full_number() {
        let text = "SSN: 512-48-3391\nMember ID: XJH48213377";
        for f in find(3, text) {
            assert_eq!(f.page, 3);
            let what = f.what();
            assert!(
                !what.contains("512-48") && !what.contains("XJH4821"),
                "{what}"
            );
            assert!(what.ends_with(&f.last4), "{what}");
        }
    }

    /// The labels as the search finds them: kind and end, in order.
    fn hits(text: &str) -> Vec<(u8, usize)> {
        label_hits(text)
            .iter()
            .map(|h| (h.label as u8, h.end))
            .collect()
    }

    #[test]
    fn labels_are_found_as_a_case_insensitive_search_finds_them() {
        // The reference: an automaton that ignores ASCII case itself, over the text as it
        // is, with the same whole-word rule.
        let (pats, what): (Vec<String>, Vec<Label>) =
            label_list().expect("labels").into_iter().unzip();
        let reference = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&pats)
            .expect("automaton");
        let expected = |text: &str| -> Vec<(u8, usize)> {
            reference
                .find_iter(text)
                .filter(|m| whole_word(text, m.start(), m.end()))
                .map(|m| (what[m.pattern().as_usize()] as u8, m.end()))
                .collect()
        };
        // Texts made of pieces of labels, words, digits and separators, in mixed case
        // (accented capitals included: only ASCII letters are matched either way).
        let pieces = [
            "ssn",
            "SS #",
            "s.s.n",
            "Social Security",
            "soc. sec",
            "MRN",
            "medical record",
            "record no",
            "Record Number",
            "tel",
            "hotel",
            "Phone",
            "member",
            "Member ID",
            "member #",
            "Policy No",
            "MBI",
            "mbix",
            "Medicare Number",
            "HISTORIA CLÍNICA",
            "historia clínica",
            "Número de afiliado",
            "NÚMERO DE PÓLIZA",
            "id de miembro",
            "xmedical record no",
            "ss no",
            "ssn/tin",
            " ",
            ": ",
            "#",
            "-",
            ".",
            "\n",
            "/",
            "123-45-6789",
            "A1B2C3D4",
            "é",
            "naïve",
            "Teléfono",
            "TELÉFONO",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut found = 0;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(12) + 1 {
                let piece = pieces[next(pieces.len())];
                // Flip the case of some ASCII letters.
                for c in piece.chars() {
                    text.push(if c.is_ascii_alphabetic() && next(3) == 0 {
                        if c.is_ascii_lowercase() {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    } else {
                        c
                    });
                }
            }
            let want = expected(&text);
            found += want.len();
            assert_eq!(hits(&text), want, "{text:?}");
        }
        // The texts held labels to find.
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn the_next_digit_is_found_eight_bytes_at_a_time() {
        let naive = |b: &[u8], at: usize| {
            (at..b.len())
                .find(|&i| b[i].is_ascii_digit())
                .unwrap_or(b.len())
        };
        // Every byte value, digits and their neighbours ('/' and ':') among them, at
        // every place of a word.
        let mut seed: u64 = 0x1234_5678_9abc_def1;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..5000 {
            let len = next(40) as usize;
            let b: Vec<u8> = (0..len)
                .map(|_| match next(4) {
                    0 => next(256) as u8,
                    1 => b"/:09"[next(4) as usize],
                    _ => b"ab \xc3\xa9\xff\x80"[next(7) as usize],
                })
                .collect();
            for at in 0..=len {
                assert_eq!(next_digit(&b, at), naive(&b, at), "{b:?} from {at}");
            }
        }
        assert_eq!(next_digit(b"no digits here, none at all", 0), 27);
        assert_eq!(next_digit(b"page 12 of 40", 6), 6);
    }
}
