//! Ops: a page's content stream walked operator by operator, without building an object
//! for each operand. Operands point into the stream's bytes (a string's escapes, a name's
//! `#xx` and an array's items are read only when asked for), and one list of operands is
//! reused from operator to operator, so a page costs no allocation per operator.
//!
//! It reads the content-stream grammar of lopdf's `Content::decode` exactly: the same
//! operations with the same operands, the same streams refused (`parses` is true exactly
//! when `Content::decode_strict` succeeds), and where `Content::decode` keeps the
//! operations before a flaw, [`Ops`] yields them and then says the flaw is soft. Every
//! step moves forward through the bytes, so garbage ends the walk, never loops it.

use std::borrow::Cow;

/// How deep arrays and dictionaries may nest, as lopdf allows.
const MAX_NESTING: usize = 100;
/// How deep parentheses may nest inside a literal string, as lopdf allows.
const MAX_BRACKET: usize = 100;

/// One operand, as written in the stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Real(f32),
    /// A name after its `/`, its `#xx` escapes as written ([`Operand::name`] decodes).
    Name(&'a [u8]),
    /// A literal string between its parentheses, escapes as written.
    Str(&'a [u8]),
    /// A hexadecimal string between `<` and `>`.
    Hex(&'a [u8]),
    /// An array between `[` and `]` ([`Operand::items`] reads its items).
    Array(&'a [u8]),
    /// A dictionary between `<<` and `>>` ([`entries`] reads it).
    Dict(&'a [u8]),
    /// `n g R` (inside an array or a dictionary only).
    Ref(u32, u16),
    /// An inline image (`BI` … `ID` data `EI`): its dictionary's entries and its data.
    Image {
        dict: &'a [u8],
        data: &'a [u8],
    },
}

impl<'a> Operand<'a> {
    /// A number's value (integers as reals), when finite.
    pub fn number(&self) -> Option<f32> {
        match *self {
            Operand::Int(i) => Some(i as f32),
            Operand::Real(r) => Some(r),
            _ => None,
        }
        .filter(|v| v.is_finite())
    }

    /// A name's bytes, its `#xx` escapes decoded.
    pub fn name(&self) -> Option<Cow<'a, [u8]>> {
        match *self {
            Operand::Name(raw) => Some(decode_name(raw)),
            _ => None,
        }
    }

    /// A string's bytes (literal or hexadecimal), its escapes decoded.
    pub fn string(&self) -> Option<Cow<'a, [u8]>> {
        match *self {
            Operand::Str(raw) => Some(decode_literal(raw)),
            Operand::Hex(raw) => Some(Cow::Owned(decode_hex(raw))),
            _ => None,
        }
    }

    /// An array's items, in order (nothing for any other operand).
    pub fn items(&self) -> Items<'a> {
        match *self {
            Operand::Array(inner) => Items {
                c: inner,
                pos: space(inner, 0),
            },
            _ => Items { c: b"", pos: 0 },
        }
    }
}

/// The items of an array.
pub struct Items<'a> {
    c: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = Operand<'a>;
    fn next(&mut self) -> Option<Operand<'a>> {
        // The array was read whole when it was found: reading it again cannot fail.
        let (end, o) = direct_object(self.c, self.pos, MAX_NESTING).ok()?;
        self.pos = end;
        Some(o)
    }
}

/// A dictionary's entries (its key decoded, its value), in the order written; a key
/// written twice keeps its last value, as lopdf keeps it.
pub fn entries(inner: &[u8]) -> Vec<(Cow<'_, [u8]>, Operand<'_>)> {
    let mut out: Vec<(Cow<'_, [u8]>, Operand<'_>)> = Vec::new();
    let mut pos = space(inner, 0);
    while let Some((after_key, raw)) = name(inner, pos) {
        let at = space(inner, after_key);
        let Ok((end, value)) = direct_object(inner, at, MAX_NESTING) else {
            break;
        };
        let key = decode_name(raw);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
        pos = end;
    }
    out
}

/// One operation: its operator and its operands.
pub struct Op<'s, 'a> {
    pub operator: &'a [u8],
    pub operands: &'s [Operand<'a>],
}

/// Where and how a stream stopped parsing. A soft flaw ends the operations lopdf's
/// `Content::decode` keeps (it ignores the rest); a hard one makes it refuse the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flaw {
    pub at: usize,
    pub hard: bool,
}

/// A content stream's operations, one at a time.
pub struct Ops<'a> {
    c: &'a [u8],
    pos: usize,
    operands: Vec<Operand<'a>>,
    done: bool,
}

impl<'a> Ops<'a> {
    pub fn new(c: &'a [u8]) -> Ops<'a> {
        Ops {
            c,
            pos: content_space(c, 0),
            operands: Vec::new(),
            done: false,
        }
    }

    /// The next operation; None at the end of a stream that parsed to its end; the flaw
    /// where it stopped parsing (once, then None).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Op<'_, 'a>, Flaw>> {
        if self.done {
            return None;
        }
        self.operands.clear();
        match operation(self.c, self.pos, &mut self.operands) {
            Ok((end, operator)) => {
                self.pos = end;
                Some(Ok(Op {
                    operator,
                    operands: &self.operands,
                }))
            }
            Err(Fail::Hard) => {
                self.done = true;
                Some(Err(Flaw {
                    at: self.pos,
                    hard: true,
                }))
            }
            Err(Fail::Soft) => {
                self.done = true;
                // What follows the last operation may only be comments.
                let mut at = self.pos;
                while let Some(end) = comment(self.c, at) {
                    at = content_space(self.c, end);
                }
                if at == self.c.len() {
                    None
                } else {
                    Some(Err(Flaw { at, hard: false }))
                }
            }
        }
    }
}

/// Whether the whole stream parses (as `Content::decode_strict` would have it).
pub fn parses(c: &[u8]) -> bool {
    let mut ops = Ops::new(c);
    loop {
        match ops.next() {
            None => return true,
            Some(Err(_)) => return false,
            Some(Ok(_)) => {}
        }
    }
}

/// A parser's failure: soft (another alternative may match; a repetition ends) or hard
/// (the whole stream is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Soft,
    Hard,
}

type Parsed<'a> = Result<(usize, Operand<'a>), Fail>;

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C')
}

fn is_delimiter(b: u8) -> bool {
    b"()<>[]{}/%".contains(&b)
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|v| v as u8)
}

/// White space only (between operands and after operators).
fn content_space(c: &[u8], mut i: usize) -> usize {
    while c.get(i).is_some_and(|&b| is_white(b)) {
        i += 1;
    }
    i
}

/// White space and comments (inside arrays and dictionaries).
fn space(c: &[u8], mut i: usize) -> usize {
    loop {
        let j = content_space(c, i);
        match comment(c, j) {
            Some(end) => i = end,
            None => return j,
        }
    }
}

fn eol(c: &[u8], i: usize) -> Option<usize> {
    match c.get(i..).unwrap_or(b"") {
        [b'\r', b'\n', ..] => Some(i + 2),
        [b'\n' | b'\r', ..] => Some(i + 1),
        _ => None,
    }
}

/// A comment runs to its end of line, which it needs.
fn comment(c: &[u8], i: usize) -> Option<usize> {
    if c.get(i) != Some(&b'%') {
        return None;
    }
    let mut j = i + 1;
    while c.get(j).is_some_and(|&b| b != b'\r' && b != b'\n') {
        j += 1;
    }
    eol(c, j)
}

fn starts(c: &[u8], i: usize, tag: &[u8]) -> bool {
    c.get(i..).is_some_and(|s| s.starts_with(tag))
}

fn digits(c: &[u8], mut i: usize) -> usize {
    while c.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn digits_value(d: &[u8]) -> Option<u64> {
    d.iter().try_fold(0u64, |v, &b| {
        v.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

fn sign(c: &[u8], i: usize) -> (usize, bool) {
    match c.get(i) {
        Some(b'+') => (i + 1, false),
        Some(b'-') => (i + 1, true),
        _ => (i, false),
    }
}

fn integer(c: &[u8], i: usize) -> Option<(usize, i64)> {
    let (j, negative) = sign(c, i);
    let end = digits(c, j);
    if end == j {
        return None;
    }
    let magnitude = digits_value(&c[j..end])?;
    let value = if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }?;
    Some((end, value))
}

fn real(c: &[u8], i: usize) -> Option<(usize, f32)> {
    let (j, _) = sign(c, i);
    let whole = digits(c, j);
    let mut k = if whole > j && c.get(whole) == Some(&b'.') {
        digits(c, whole + 1)
    } else if whole == j && c.get(j) == Some(&b'.') && digits(c, j + 1) > j + 1 {
        digits(c, j + 1)
    } else {
        return None;
    };
    // A minus sign inside the fraction (`0.00-4142502`) is ignored, as lopdf ignores it.
    let mut minus = false;
    while let Some(&b) = c.get(k).filter(|&&b| b == b'-' || b.is_ascii_digit()) {
        minus |= b == b'-';
        k += 1;
    }
    let text = &c[i..k];
    if !minus {
        if let Some(v) = short_decimal(text) {
            return Some((k, v));
        }
    }
    let value = if minus {
        let mut kept = Vec::with_capacity(text.len());
        kept.push(text[0]);
        kept.extend(text[1..].iter().filter(|&&b| b != b'-'));
        parse_f32(&kept)
    } else {
        parse_f32(text)
    }?;
    Some((k, value))
}

/// The value of a decimal of at most seven digits (`-12.5`, `.25`, `0.0123`), as
/// `parse_f32` reads it, without parsing text: its digits as a whole number below 2^24
/// and the power of ten (at most 10^7) are both exact as f32, so their quotient is the
/// correctly rounded value. None for any other number.
fn short_decimal(text: &[u8]) -> Option<f32> {
    const TENS: [f32; 8] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
    let (negative, body) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    let mut whole: u32 = 0;
    let mut count = 0;
    let mut after: Option<usize> = None;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                whole = whole * 10 + u32::from(b - b'0');
                count += 1;
                if count > 7 {
                    return None;
                }
                if let Some(a) = after.as_mut() {
                    *a += 1;
                }
            }
            b'.' if after.is_none() => after = Some(0),
            _ => return None,
        }
    }
    let value = whole as f32 / *TENS.get(after.unwrap_or(0))?;
    Some(if negative { -value } else { value })
}

fn parse_f32(text: &[u8]) -> Option<f32> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// A name: its raw bytes after the `/` and where it ends. A `#` without two hex digits
/// after it ends the name.
fn name(c: &[u8], i: usize) -> Option<(usize, &[u8])> {
    if c.get(i) != Some(&b'/') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    loop {
        while c.get(j).is_some_and(|&b| b != b'#' && is_regular(b)) {
            j += 1;
        }
        let escaped = c.get(j) == Some(&b'#')
            && c.get(j + 1).and_then(|&b| hex_value(b)).is_some()
            && c.get(j + 2).and_then(|&b| hex_value(b)).is_some();
        if !escaped {
            return Some((j, &c[start..j]));
        }
        j += 3;
    }
}

fn decode_name(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'#') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let pair = (b == b'#')
            .then(|| Some(hex_value(*raw.get(i + 1)?)? << 4 | hex_value(*raw.get(i + 2)?)?))
            .flatten();
        match pair {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// A literal string: where it ends (after its closing parenthesis).
fn literal(c: &[u8], i: usize) -> Option<usize> {
    if c.get(i) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut j = i + 1;
    loop {
        // Only parentheses and backslashes matter inside a string.
        j += memchr::memchr3(b'(', b')', b'\\', c.get(j..)?)?;
        match c[j] {
            b'\\' => j = escape(c, j + 1)?,
            b'(' => {
                depth += 1;
                if depth > MAX_BRACKET {
                    return None;
                }
                j += 1;
            }
            b')' if depth == 0 => return Some(j + 1),
            b')' => {
                depth -= 1;
                j += 1;
            }
            _ => j += 1,
        }
    }
}

/// After a backslash: where its escape ends.
fn escape(c: &[u8], i: usize) -> Option<usize> {
    let octal = |b: &u8| (b'0'..=b'7').contains(b);
    if c.get(i).is_some_and(octal) {
        let mut j = i + 1;
        while j < i + 3 && c.get(j).is_some_and(octal) {
            j += 1;
        }
        return Some(j);
    }
    eol(c, i).or((i < c.len()).then_some(i + 1))
}

fn decode_literal(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr2(b'\\', b'\r', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match b {
            b'\\' => {
                let j = i + 1;
                let Some(&e) = raw.get(j) else { break };
                if (b'0'..=b'7').contains(&e) {
                    let end = escape(raw, j).unwrap_or(j + 1);
                    let v = raw[j..end]
                        .iter()
                        .fold(0u16, |v, &d| v * 8 + u16::from(d - b'0'));
                    out.push(v as u8);
                    i = end;
                } else if let Some(end) = eol(raw, j) {
                    i = end;
                } else {
                    out.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'f' => 0x0C,
                        other => other,
                    });
                    i = j + 1;
                }
            }
            b'\r' => {
                out.push(b'\n');
                i = eol(raw, i).unwrap_or(i + 1);
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// A hexadecimal string: where it ends (after its `>`).
fn hex(c: &[u8], i: usize) -> Option<usize> {
    if c.get(i) != Some(&b'<') {
        return None;
    }
    let mut j = i + 1;
    while c
        .get(j)
        .is_some_and(|&b| is_white(b) || hex_value(b).is_some())
    {
        j += 1;
    }
    (c.get(j) == Some(&b'>')).then_some(j + 1)
}

fn decode_hex(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 2 + 1);
    let mut high = true;
    for v in raw.iter().filter_map(|&b| hex_value(b)) {
        if high {
            out.push(v << 4);
        } else if let Some(last) = out.last_mut() {
            *last |= v;
        }
        high = !high;
    }
    out
}

/// An array: where it ends and its inside.
fn array(c: &[u8], i: usize, depth: usize) -> Result<(usize, &[u8]), Fail> {
    if c.get(i) != Some(&b'[') {
        return Err(Fail::Soft);
    }
    let inner = i + 1;
    let mut j = space(c, inner);
    loop {
        match direct_object(c, j, depth) {
            Ok((end, _)) => j = end,
            Err(Fail::Soft) => break,
            Err(Fail::Hard) => return Err(Fail::Hard),
        }
    }
    if c.get(j) != Some(&b']') {
        return Err(Fail::Soft);
    }
    Ok((j + 1, &c[inner..j]))
}

/// A dictionary: where it ends and its inside.
fn dictionary(c: &[u8], i: usize, depth: usize) -> Result<(usize, &[u8]), Fail> {
    if !starts(c, i, b"<<") {
        return Err(Fail::Soft);
    }
    let inner = i + 2;
    let j = dictionary_entries(c, space(c, inner), depth)?;
    if !starts(c, j, b">>") {
        return Err(Fail::Soft);
    }
    Ok((j + 2, &c[inner..j]))
}

/// Entries `/key value` from `i`: where they end.
fn dictionary_entries(c: &[u8], mut i: usize, depth: usize) -> Result<usize, Fail> {
    while let Some((after, _)) = name(c, i) {
        match direct_object(c, space(c, after), depth) {
            Ok((end, _)) => i = end,
            Err(Fail::Soft) => break,
            Err(Fail::Hard) => return Err(Fail::Hard),
        }
    }
    Ok(i)
}

fn unsigned<T: TryFrom<u64>>(c: &[u8], i: usize) -> Option<(usize, T)> {
    let end = digits(c, i);
    if end == i {
        return None;
    }
    Some((end, T::try_from(digits_value(&c[i..end])?).ok()?))
}

fn reference(c: &[u8], i: usize) -> Option<(usize, Operand<'_>)> {
    let (j, num) = unsigned::<u32>(c, i)?;
    let (k, gen) = unsigned::<u16>(c, space(c, j))?;
    let r = space(c, k);
    (c.get(r) == Some(&b'R')).then_some((r + 1, Operand::Ref(num, gen)))
}

/// An object inside an array or a dictionary, and the space after it.
fn direct_object(c: &[u8], i: usize, depth: usize) -> Parsed<'_> {
    if depth == 0 {
        return Err(Fail::Hard);
    }
    let (end, o) = direct_object_bare(c, i, depth - 1)?;
    Ok((space(c, end), o))
}

fn direct_object_bare(c: &[u8], i: usize, depth: usize) -> Parsed<'_> {
    let number = |c: &[u8], i: usize| {
        real(c, i)
            .map(|(e, v)| (e, Operand::Real(v)))
            .or_else(|| integer(c, i).map(|(e, v)| (e, Operand::Int(v))))
    };
    let found = match c.get(i) {
        Some(b'n') => starts(c, i, b"null").then_some((i + 4, Operand::Null)),
        Some(b't' | b'f') => boolean(c, i),
        Some(b'0'..=b'9') => reference(c, i).or_else(|| number(c, i)),
        Some(b'+' | b'-' | b'.') => number(c, i),
        Some(b'/') => name(c, i).map(|(e, raw)| (e, Operand::Name(raw))),
        Some(b'(') => literal(c, i).map(|e| (e, Operand::Str(&c[i + 1..e - 1]))),
        Some(b'<') => match hex(c, i) {
            Some(e) => Some((e, Operand::Hex(&c[i + 1..e - 1]))),
            None => return dictionary(c, i, depth).map(|(e, d)| (e, Operand::Dict(d))),
        },
        Some(b'[') => return array(c, i, depth).map(|(e, a)| (e, Operand::Array(a))),
        _ => None,
    };
    found.ok_or(Fail::Soft)
}

fn boolean(c: &[u8], i: usize) -> Option<(usize, Operand<'_>)> {
    if starts(c, i, b"true") {
        Some((i + 4, Operand::Bool(true)))
    } else if starts(c, i, b"false") {
        Some((i + 5, Operand::Bool(false)))
    } else {
        None
    }
}

/// An operand of an operation, and the white space after it. Its first byte tells which
/// kind it can be (the kinds start with different bytes): null, a boolean, a number (a
/// real, else an integer), a name, a literal string, a hexadecimal string (else a
/// dictionary), an array.
fn operand(c: &[u8], i: usize) -> Parsed<'_> {
    let found = match c.get(i) {
        Some(b'n') => starts(c, i, b"null").then_some((i + 4, Operand::Null)),
        Some(b't' | b'f') => boolean(c, i),
        Some(b'+' | b'-' | b'.' | b'0'..=b'9') => match real(c, i) {
            Some((e, v)) => Some((e, Operand::Real(v))),
            None => integer(c, i).map(|(e, v)| (e, Operand::Int(v))),
        },
        Some(b'/') => name(c, i).map(|(e, raw)| (e, Operand::Name(raw))),
        Some(b'(') => literal(c, i).map(|e| (e, Operand::Str(&c[i + 1..e - 1]))),
        Some(b'<') => match hex(c, i) {
            Some(e) => Some((e, Operand::Hex(&c[i + 1..e - 1]))),
            None => {
                let (e, d) = dictionary(c, i, MAX_NESTING)?;
                Some((e, Operand::Dict(d)))
            }
        },
        Some(b'[') => {
            let (e, a) = array(c, i, MAX_NESTING)?;
            Some((e, Operand::Array(a)))
        }
        _ => None,
    };
    let (end, o) = found.ok_or(Fail::Soft)?;
    Ok((content_space(c, end), o))
}

fn operator(c: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while c
        .get(j)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b"*'\"".contains(&b))
    {
        j += 1;
    }
    (j > i && !c[i].is_ascii_digit()).then_some(j)
}

/// One operation from `i`, its operands pushed onto `operands`: where it ends (after the
/// white space that follows it) and its operator.
fn operation<'a>(
    c: &'a [u8],
    mut i: usize,
    operands: &mut Vec<Operand<'a>>,
) -> Result<(usize, &'a [u8]), Fail> {
    while let Some(end) = comment(c, i) {
        i = content_space(c, end);
    }
    if starts(c, i, b"BI") {
        // Past `BI`, a flaw refuses the whole stream.
        return inline_image(c, content_space(c, i + 2), operands)
            .map(|end| (end, &c[i..i + 2]))
            .map_err(|_| Fail::Hard);
    }
    loop {
        match operand(c, i) {
            Ok((end, o)) => {
                operands.push(o);
                i = end;
            }
            Err(Fail::Soft) => break,
            Err(Fail::Hard) => return Err(Fail::Hard),
        }
    }
    let end = operator(c, i).ok_or(Fail::Soft)?;
    Ok((content_space(c, end), &c[i..end]))
}

/// An inline image after its `BI`: where it ends (after `EI` and white space). Data whose
/// length cannot be told from its dictionary is skipped to the first `EI` between white
/// space, with no operand, as lopdf skips it.
fn inline_image<'a>(c: &'a [u8], i: usize, operands: &mut Vec<Operand<'a>>) -> Result<usize, Fail> {
    let end = dictionary_entries(c, i, MAX_NESTING)?;
    let dict = &c[i..end];
    if !starts(c, end, b"ID") {
        return Err(Fail::Hard);
    }
    let mut data = end + 2;
    // The one white-space character (CR LF counting as one) before the data.
    data = eol(c, data)
        .unwrap_or_else(|| data + usize::from(c.get(data).is_some_and(|&b| is_white(b))));
    match image_length(dict).filter(|n| c.len().saturating_sub(data) >= *n) {
        Some(n) => {
            let after = content_space(c, data + n);
            if !starts(c, after, b"EI") {
                return Err(Fail::Hard);
            }
            operands.push(Operand::Image {
                dict,
                data: &c[data..data + n],
            });
            Ok(content_space(c, after + 2))
        }
        None => {
            let at = first_ei(&c[data..]).ok_or(Fail::Hard)?;
            Ok(content_space(c, data + at + 3))
        }
    }
}

/// The first white space, `EI`, then white space or the end, in `rest`.
fn first_ei(rest: &[u8]) -> Option<usize> {
    rest.windows(3).enumerate().find_map(|(i, w)| {
        (is_white(w[0]) && &w[1..] == b"EI" && rest.get(i + 3).is_none_or(|&b| is_white(b)))
            .then_some(i)
    })
}

/// The length of an inline image's data, as lopdf tells it from the dictionary (None when
/// it cannot: a filter, an unknown colour space, a missing or odd size).
fn image_length(dict: &[u8]) -> Option<usize> {
    let entries = entries(dict);
    let get = |abbr: &[u8], full: &[u8]| {
        entries
            .iter()
            .find(|(k, _)| k.as_ref() == abbr)
            .or_else(|| entries.iter().find(|(k, _)| k.as_ref() == full))
            .map(|(_, v)| *v)
    };
    // A size: present, an integer, and not negative. Err(true) when absent.
    let size = |abbr: &[u8], full: &[u8]| -> Result<usize, bool> {
        match get(abbr, full) {
            None => Err(true),
            Some(Operand::Int(i)) => usize::try_from(i).map_err(|_| false),
            Some(_) => Err(false),
        }
    };
    let width = size(b"W", b"Width").ok()?;
    let height = size(b"H", b"Height").ok()?;
    let mask = matches!(get(b"IM", b"ImageMask"), Some(Operand::Bool(true)));
    let bpc = match size(b"BPC", b"BitsPerComponent") {
        Err(true) if mask => 1,
        other => other.ok()?,
    };
    let colors = if mask {
        1
    } else {
        match get(b"CS", b"ColorSpace")? {
            a @ Operand::Array(_)
                if matches!(
                    a.items().next().and_then(|f| f.name()).as_deref(),
                    Some(b"Indexed" | b"I")
                ) =>
            {
                1
            }
            n @ Operand::Name(_) => match n.name()?.as_ref() {
                b"DeviceGray" | b"G" | b"Gray" => 1,
                b"DeviceRGB" | b"RGB" => 3,
                b"DeviceRGBA" | b"RGBA" | b"DeviceCMYK" | b"CMYK" => 4,
                _ => return None,
            },
            _ => return None,
        }
    };
    if get(b"F", b"Filter").is_some() {
        return None;
    }
    bpc.checked_mul(colors)
        .and_then(|bits| width.checked_mul(bits))
        .and_then(|row| row.div_ceil(8).checked_mul(height))
}

/// An operand as the lopdf object `Content::decode` makes of it.
pub fn to_object(o: &Operand<'_>) -> lopdf::Object {
    use lopdf::{Object, StringFormat};
    match *o {
        Operand::Null => Object::Null,
        Operand::Bool(b) => Object::Boolean(b),
        Operand::Int(i) => Object::Integer(i),
        Operand::Real(r) => Object::Real(r),
        Operand::Name(_) => Object::Name(o.name().unwrap_or_default().into_owned()),
        Operand::Str(_) => Object::String(
            o.string().unwrap_or_default().into_owned(),
            StringFormat::Literal,
        ),
        Operand::Hex(_) => Object::String(
            o.string().unwrap_or_default().into_owned(),
            StringFormat::Hexadecimal,
        ),
        Operand::Array(_) => Object::Array(o.items().map(|i| to_object(&i)).collect()),
        Operand::Dict(d) => Object::Dictionary(to_dictionary(d)),
        Operand::Ref(n, g) => Object::Reference((n, g)),
        Operand::Image { dict, data } => {
            Object::Stream(lopdf::Stream::new(to_dictionary(dict), data.to_vec()))
        }
    }
}

fn to_dictionary(inner: &[u8]) -> lopdf::Dictionary {
    let mut d = lopdf::Dictionary::new();
    for (k, v) in entries(inner) {
        d.set(k.into_owned(), to_object(&v));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short decimals take the same value as the text parser gives them, signs, zeros,
    /// leading and trailing points and the edges of the fast path included.
    #[test]
    fn short_decimals_read_as_the_parser_reads_them() {
        let mut next = crate::base::testing::xorshift(0x9e37_79b9_u32);
        let mut fast = 0;
        let mut cases: Vec<String> = [
            "0.",
            ".0",
            "-0.0",
            "+.5",
            "9999999.",
            ".9999999",
            "0.0000001",
            "16777215.",
            "1677721.6",
            "-1234567",
            "12345678.",
            "0.1",
            "-.3",
            "5.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..200_000 {
            let digits = 1 + next() % 9;
            let mut t = String::new();
            match next() % 3 {
                0 => t.push('-'),
                1 => t.push('+'),
                _ => {}
            }
            let point = next() % (digits + 1);
            for d in 0..digits {
                if d == point {
                    t.push('.');
                }
                t.push(char::from(b'0' + (next() % 10) as u8));
            }
            if point == digits {
                t.push('.');
            }
            cases.push(t);
        }
        for t in &cases {
            let parsed = parse_f32(t.as_bytes());
            if let Some(v) = short_decimal(t.as_bytes()) {
                fast += 1;
                assert_eq!(Some(v.to_bits()), parsed.map(f32::to_bits), "{t}");
            }
            // A real has a point; the operand reader reads it whole, with that value.
            if t.contains('.') {
                let (end, v) = real(t.as_bytes(), 0).expect(t);
                assert_eq!(end, t.len(), "{t}");
                assert_eq!(Some(v.to_bits()), parsed.map(f32::to_bits), "{t}");
            }
        }
        assert!(fast > 100_000, "only {fast} decimals took the fast path");
    }
}
