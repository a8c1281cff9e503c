//! Object serialization: PDF objects turn into their bytes, byte for byte as lopdf's
//! `Writer::write_object` writes them in its default (compact) layout, but into one
//! buffer in memory rather than through a writer a few bytes at a time. The packet's
//! writer serializes each object here and hands the writer one slice per object.

use crate::base::pdf::HEX_DIGITS as HEX;
use lopdf::{Dictionary, Object, Stream, StringFormat};
use std::io::Write;

/// Appends `o` to `out`, as it stands (a stream with the `/Length` its dictionary has:
/// see [`stream_head`]).
pub fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(true) => out.extend_from_slice(b"true"),
        Object::Boolean(false) => out.extend_from_slice(b"false"),
        Object::Integer(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Object::Real(r) => real(out, *r),
        Object::Name(n) => name(out, n),
        Object::String(s, StringFormat::Literal) => literal(out, s),
        Object::String(s, StringFormat::Hexadecimal) => hex(out, s),
        Object::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 && needs_space(item) {
                    out.push(b' ');
                }
                object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d, None),
        Object::Stream(s) => {
            dictionary(out, &s.dict, None);
            out.extend_from_slice(b"stream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((n, g)) => {
            let mut b = itoa::Buffer::new();
            out.extend_from_slice(b.format(*n).as_bytes());
            out.push(b' ');
            out.extend_from_slice(b.format(*g).as_bytes());
            out.extend_from_slice(b" R");
        }
    }
}

/// Appends a stream's dictionary (its `/Length` the content's length) and the `stream`
/// keyword line: everything before the content.
pub fn stream_head(out: &mut Vec<u8>, s: &Stream) {
    dictionary(out, &s.dict, Some(s.content.len() as i64));
    out.extend_from_slice(b"stream\n");
}

/// Appends the dictionary `<</Type/Pages/Kids[kids]/Count count>>`, as [`object`] writes
/// it, from the kids' numbers.
pub fn page_tree(out: &mut Vec<u8>, kids: &[lopdf::ObjectId], count: i64) {
    out.extend_from_slice(b"<</Type/Pages/Kids[");
    for (i, &kid) in kids.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        object(out, &Object::Reference(kid));
    }
    out.extend_from_slice(b"]/Count ");
    out.extend_from_slice(itoa::Buffer::new().format(count).as_bytes());
    out.extend_from_slice(b">>");
}

/// Does a space have to come before `o` when it follows another token? (As lopdf has it:
/// numbers, references, booleans and null.)
fn needs_space(o: &Object) -> bool {
    matches!(
        o,
        Object::Null
            | Object::Boolean(_)
            | Object::Integer(_)
            | Object::Real(_)
            | Object::Reference(_)
    )
}

/// A dictionary; with `length`, its `/Length` entry is that number (in the entry's place,
/// or last when it has none).
fn dictionary(out: &mut Vec<u8>, d: &Dictionary, length: Option<i64>) {
    out.extend_from_slice(b"<<");
    let mut had_length = false;
    for (key, value) in d {
        name(out, key);
        match length {
            Some(len) if key.as_slice() == b"Length" => {
                had_length = true;
                out.push(b' ');
                out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
            }
            _ => {
                if needs_space(value) {
                    out.push(b' ');
                }
                object(out, value);
            }
        }
    }
    if let (Some(len), false) = (length, had_length) {
        out.extend_from_slice(b"/Length ");
        out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    }
    out.extend_from_slice(b">>");
}

/// A real number: every digit, never an exponent, and a point even in a whole number
/// (`0.0`, which would otherwise read back as an integer).
fn real(out: &mut Vec<u8>, r: f32) {
    let start = out.len();
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{r}");
    if r.is_finite() && !out[start..].contains(&b'.') {
        out.extend_from_slice(b".0");
    }
}

/// A name: `/` and its bytes, a byte outside `!`..`~` or a delimiter written `#XX`.
fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if b" \t\n\r\x0C()<>[]{}/%#".contains(&b) || !(33..=126).contains(&b) {
            out.push(b'#');
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        } else {
            out.push(b);
        }
    }
}

/// A hexadecimal string, upper-case digits.
fn hex(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(2 * s.len() + 2);
    out.push(b'<');
    for &b in s {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out.push(b'>');
}

/// A literal string. A backslash, a carriage return (as `\r`) and a parenthesis without
/// its partner are escaped; balanced parentheses and every other byte are written as they
/// are.
fn literal(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    if !s.iter().any(|b| matches!(b, b'(' | b')' | b'\\' | b'\r')) {
        out.extend_from_slice(s);
        out.push(b')');
        return;
    }
    // Which bytes are escaped: found as lopdf finds them, then written in one pass.
    let mut escaped = vec![false; s.len()];
    let mut open = Vec::new();
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'(' => open.push(i),
            b')' => escaped[i] = open.pop().is_none(),
            b'\\' | b'\r' => escaped[i] = true,
            _ => {}
        }
    }
    for i in open {
        escaped[i] = true;
    }
    for (&b, esc) in s.iter().zip(escaped) {
        if esc {
            out.push(b'\\');
            out.push(if b == b'\r' { b'r' } else { b });
        } else {
            out.push(b);
        }
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    /// lopdf's bytes for `o`.
    fn theirs(o: &Object) -> Vec<u8> {
        let mut v = Vec::new();
        lopdf::Writer::write_object(&mut v, o).expect("writes");
        v
    }

    fn ours(o: &Object) -> Vec<u8> {
        let mut v = Vec::new();
        object(&mut v, o);
        v
    }

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self) -> Vec<u8> {
            // Mostly the bytes that need care: delimiters, escapes, controls, high bytes.
            const TRICKY: &[u8] = b"()\\\r\n\t #/%<>[]{}\x00\x7f\x80\xffaZ09.-";
            let n = self.below(12) as usize;
            (0..n)
                .map(|_| {
                    if self.below(3) == 0 {
                        self.below(256) as u8
                    } else {
                        TRICKY[self.below(TRICKY.len() as u64) as usize]
                    }
                })
                .collect()
        }
        fn real(&mut self) -> f32 {
            const SPECIAL: [f32; 10] = [
                0.0,
                -0.0,
                1.0,
                -2.5,
                0.1,
                1e20,
                -3.4e38,
                1e-7,
                f32::NAN,
                f32::INFINITY,
            ];
            match self.below(3) {
                0 => SPECIAL[self.below(SPECIAL.len() as u64) as usize],
                1 => (self.below(200_000) as f32 - 100_000.0) / 100.0,
                _ => f32::from_bits(self.next() as u32),
            }
        }
        fn object(&mut self, depth: u32) -> Object {
            let kinds = if depth >= 3 { 8 } else { 11 };
            match self.below(kinds) {
                0 => Object::Null,
                1 => Object::Boolean(self.below(2) == 0),
                2 => Object::Integer(self.next() as i64 >> self.below(64)),
                3 => Object::Real(self.real()),
                4 => Object::Name(self.bytes()),
                5 => Object::String(self.bytes(), StringFormat::Literal),
                6 => Object::String(self.bytes(), StringFormat::Hexadecimal),
                7 => Object::Reference((self.next() as u32, self.below(3) as u16)),
                8 => Object::Array((0..self.below(5)).map(|_| self.object(depth + 1)).collect()),
                9 => Object::Dictionary(self.dict(depth)),
                _ => {
                    let mut dict = self.dict(depth);
                    match self.below(3) {
                        0 => dict.set("Length", 999),
                        1 => dict.set("Length", Object::Reference((4, 0))),
                        _ => {}
                    }
                    Object::Stream(Stream::new(dict, self.bytes()))
                }
            }
        }
        fn dict(&mut self, depth: u32) -> Dictionary {
            let mut d = Dictionary::new();
            for _ in 0..self.below(5) {
                let key = self.bytes();
                d.set(key, self.object(depth + 1));
            }
            d
        }
    }

    #[test]
    fn objects_are_written_byte_for_byte_as_lopdf_writes_them() {
        let fixed = [
            Object::Real(0.0),
            Object::Real(-0.0),
            Object::Real(612.0),
            Object::Real(0.3),
            Object::Real(f32::NAN),
            Object::Real(f32::NEG_INFINITY),
            Object::Integer(i64::MIN),
            Object::String(b"a(b)c".to_vec(), StringFormat::Literal),
            Object::String(b")(".to_vec(), StringFormat::Literal),
            Object::String(b"((\\\r\n)".to_vec(), StringFormat::Literal),
            Object::Name(b"A B#/\x80".to_vec()),
            Object::Array(vec![
                Object::Name(b"X".to_vec()),
                1.into(),
                Object::Reference((3, 0)),
                Object::Array(vec![]),
                Object::Null,
            ]),
            Object::Dictionary(dictionary! { "Type" => "Page", "Count" => 3, "Kids" => vec![] }),
            Object::Stream(Stream::new(
                dictionary! { "Filter" => "FlateDecode" },
                b"x".to_vec(),
            )),
        ];
        for o in &fixed {
            assert_eq!(ours(o), theirs(o), "{o:?}");
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..20_000 {
            let o = rng.object(0);
            assert_eq!(
                String::from_utf8_lossy(&ours(&o)),
                String::from_utf8_lossy(&theirs(&o)),
                "object {i}: {o:?}"
            );
            // A stream's head with its length set, as lopdf writes the stream once its
            // dictionary has that length.
            if let Object::Stream(s) = &o {
                let mut head = Vec::new();
                stream_head(&mut head, s);
                head.extend_from_slice(&s.content);
                head.extend_from_slice(b"\nendstream");
                let mut s = s.clone();
                s.dict.set("Length", s.content.len() as i64);
                assert_eq!(head, theirs(&Object::Stream(s)), "stream {i}");
            }
        }
    }
}
