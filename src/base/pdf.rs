//! PDF helpers shared by the readers and the writers: dictionary lookups that cost nothing
//! when the key is missing, numbers written into content streams, zlib compression of
//! stream data, and the count of graphics states a content stream leaves open.

use std::io::Write;

/// Dictionary lookups that answer `None` for a missing key. lopdf's `get` and `get_mut`
/// make an error holding the key as a new string on every miss, and the readers and the
/// copy path ask every dictionary they meet about keys it mostly lacks (an action's /S,
/// an annotation's /Subtype, a /Type, a page's inherited attributes).
pub trait Lookup {
    /// The value under `key`.
    fn lookup(&self, key: &[u8]) -> Option<&lopdf::Object>;
    /// The value under `key`, to change.
    fn lookup_mut(&mut self, key: &[u8]) -> Option<&mut lopdf::Object>;
    /// Whether /Type is the name `t` (lopdf's `has_type`).
    fn is_type(&self, t: &[u8]) -> bool;
}

impl Lookup for lopdf::Dictionary {
    fn lookup(&self, key: &[u8]) -> Option<&lopdf::Object> {
        self.as_hashmap().get(key)
    }

    fn lookup_mut(&mut self, key: &[u8]) -> Option<&mut lopdf::Object> {
        self.as_hashmap_mut().get_mut(key)
    }

    fn is_type(&self, t: &[u8]) -> bool {
        self.lookup(b"Type").and_then(|o| o.as_name().ok()) == Some(t)
    }
}

/// A number for a content stream: short, and never in exponent form.
pub fn num(v: f32) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

/// Hexadecimal digits as PDF writers put them in strings (upper case).
pub const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// A two-byte glyph code (Identity-H) as four hexadecimal digits, appended to `out`.
pub fn push_glyph(out: &mut String, gid: u16) {
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX_DIGITS[usize::from((gid >> shift) & 0xF)]));
    }
}

/// [`num`], appended to `out` without a new string for every number (a page's stamp
/// writes a dozen).
pub fn push_num(out: &mut String, v: f32) {
    use std::fmt::Write as _;
    let k = (v * 1000.0).round();
    // Below 8192 an f32 holds thousandths apart (its spacing is under 0.001), so the
    // rounded value written to three places is k thousandths exactly: written from the
    // integer. Other values take the general way.
    if k.abs() < 8_192_000.0 {
        let k = k as i32;
        if k < 0 {
            out.push('-');
        }
        let (whole, frac) = (k.unsigned_abs() / 1000, k.unsigned_abs() % 1000);
        let _ = write!(out, "{whole}");
        if frac != 0 {
            out.push('.');
            let mut digits = [frac / 100, frac / 10 % 10, frac % 10];
            let mut len = 3;
            while digits[len - 1] == 0 {
                len -= 1;
            }
            for d in &mut digits[..len] {
                out.push(char::from(b'0' + *d as u8));
            }
        }
        return;
    }
    out.push_str(&num_general(v));
}

fn num_general(v: f32) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    let s = format!("{r:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A page box `[0 0 w h]` (a page's /MediaBox of `w` by `h` points).
pub fn page_box(w: f32, h: f32) -> lopdf::Object {
    use lopdf::Object;
    Object::Array(vec![0.into(), 0.into(), Object::Real(w), Object::Real(h)])
}

/// Zlib-compresses `data` at a level that balances size and speed.
///
/// Each thread keeps one compressor and resets it between streams: a new one sets up
/// about 300 KB of tables, which on the generated pages' many small streams cost more
/// than compressing them (each in memory the kernel must first zero). A reset compressor
/// starts as a new one does, so the bytes are the same.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    type Encoder = flate2::write::ZlibEncoder<Vec<u8>>;
    thread_local! {
        static ENCODER: std::cell::RefCell<Option<Encoder>> = const { std::cell::RefCell::new(None) };
    }
    ENCODER.with(|cell| {
        // Never called again while compressing; were it, that call would use a compressor
        // of its own.
        let mut kept = cell.try_borrow_mut().ok();
        let mut own = None;
        let slot = kept.as_deref_mut().unwrap_or(&mut own);
        let enc = slot.get_or_insert_with(|| Encoder::new(Vec::new(), flate2::Compression::new(6)));
        // Writing into a Vec cannot fail; should it, the compressor is dropped, not reused.
        let packed = enc
            .write_all(data)
            .and_then(|()| enc.try_finish())
            .and_then(|()| enc.reset(Vec::new()));
        packed.unwrap_or_else(|_| {
            *slot = None;
            Vec::new()
        })
    })
}

/// Calls `f` with every operator of a content stream, in order. Strings, comments and
/// inline image data (`ID` up to a whitespace-delimited `EI`) are skipped, so only real
/// operators are seen; operands are passed over too (names, numbers and the like are seen
/// as words, which callers ignore).
pub fn for_each_operator(c: &[u8], mut f: impl FnMut(&[u8])) {
    let delim = |b: u8| ENDS_WORD[usize::from(b)];
    let mut i = 0usize;
    while let Some(&b) = c.get(i) {
        match b {
            b'%' => {
                // To the end of the line (or of the stream).
                i = c
                    .get(i..)
                    .and_then(|s| memchr::memchr2(b'\n', b'\r', s))
                    .map_or(c.len(), |k| i + k);
            }
            b'(' => {
                // Only parentheses and backslashes matter inside a string; a backslash
                // takes the byte after it. An unclosed string runs to the end.
                let mut nest = 0usize;
                loop {
                    let Some(k) = c
                        .get(i..)
                        .and_then(|s| memchr::memchr3(b'\\', b'(', b')', s))
                    else {
                        i = c.len();
                        break;
                    };
                    i += k;
                    match c[i] {
                        b'\\' => i += 2,
                        b'(' => {
                            nest += 1;
                            i += 1;
                        }
                        _ => {
                            nest = nest.saturating_sub(1);
                            if nest == 0 {
                                break;
                            }
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            b'<' if c.get(i + 1) != Some(&b'<') => {
                i = c
                    .get(i..)
                    .and_then(|s| memchr::memchr(b'>', s))
                    .map_or(c.len(), |k| i + k);
                i += 1;
            }
            b if delim(b) => i += 1,
            _ => {
                let start = i;
                while c.get(i).is_some_and(|&b| !delim(b)) {
                    i += 1;
                }
                let word = c.get(start..i).unwrap_or(b"");
                f(word);
                if word == b"ID" {
                    // Inline image data runs to a whitespace-delimited EI.
                    i += 1;
                    while i < c.len() {
                        let ei = c.get(i..i + 2) == Some(&b"EI"[..])
                            && c.get(i.wrapping_sub(1))
                                .is_some_and(u8::is_ascii_whitespace)
                            && c.get(i + 2).is_none_or(|&b| delim(b));
                        if ei {
                            i += 2;
                            break;
                        }
                        i += 1;
                    }
                }
            }
        }
    }
}

/// The bytes that end a word of a content stream, for [`for_each_operator`]: the
/// delimiters `()<>[]{}/%`, ASCII white space (space, tab, line feed, form feed, carriage
/// return) and NUL.
const ENDS_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let ends = b"()<>[]{}/% \t\n\x0C\r\0";
    let mut k = 0;
    while k < ends.len() {
        t[ends[k] as usize] = true;
        k += 1;
    }
    t
};

/// How many `q` (save) operators a content stream leaves open at its end.
pub fn unclosed_saves(c: &[u8]) -> usize {
    let mut depth = 0usize;
    for_each_operator(c, |op| match op {
        b"q" => depth += 1,
        b"Q" => depth = depth.saturating_sub(1),
        _ => {}
    });
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_compressor_gives_what_a_new_one_gives() {
        use std::io::Read;
        // A long stream (several blocks, a full window), a short one, an empty one, then
        // the long one again: had the reset kept any of the last stream's state (its
        // window, its tables, the stream's end), the bytes would differ.
        let long: Vec<u8> = (0..300_000u32)
            .flat_map(|i| {
                format!(
                    "BT /F1 9 Tf {} {} Td (line {}) Tj ET\n",
                    i % 97,
                    i % 13,
                    i % 1_000
                )
                .into_bytes()
            })
            .take(300_000)
            .collect();
        let short = b"q 1 0 0 1 36 24 cm 0.5 g 0 0 540 12 re f Q".to_vec();
        for data in [&long, &short, &Vec::new(), &long, &short] {
            let mut fresh =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            fresh.write_all(data).expect("compressed");
            let expected = fresh.finish().expect("compressed");
            let packed = deflate(data);
            assert_eq!(packed, expected, "{} bytes", data.len());
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&packed[..])
                .read_to_end(&mut back)
                .expect("inflated");
            assert_eq!(&back, data);
        }
    }

    /// [`for_each_operator`] as first written, a byte at a time: the oracle the faster
    /// walk is checked against.
    fn operators_bytewise(c: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let delim = |b: u8| b"()<>[]{}/%".contains(&b) || b.is_ascii_whitespace() || b == 0;
        let mut i = 0usize;
        while let Some(&b) = c.get(i) {
            match b {
                b'%' => {
                    while c.get(i).is_some_and(|&b| b != b'\n' && b != b'\r') {
                        i += 1;
                    }
                }
                b'(' => {
                    let mut nest = 0usize;
                    while let Some(&b) = c.get(i) {
                        match b {
                            b'\\' => i += 1,
                            b'(' => nest += 1,
                            b')' => {
                                nest = nest.saturating_sub(1);
                                if nest == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                }
                b'<' if c.get(i + 1) != Some(&b'<') => {
                    while c.get(i).is_some_and(|&b| b != b'>') {
                        i += 1;
                    }
                    i += 1;
                }
                b if delim(b) => i += 1,
                _ => {
                    let start = i;
                    while c.get(i).is_some_and(|&b| !delim(b)) {
                        i += 1;
                    }
                    let word = c.get(start..i).unwrap_or(b"");
                    out.push(word.to_vec());
                    if word == b"ID" {
                        i += 1;
                        while i < c.len() {
                            let ei = c.get(i..i + 2) == Some(&b"EI"[..])
                                && c.get(i.wrapping_sub(1))
                                    .is_some_and(u8::is_ascii_whitespace)
                                && c.get(i + 2).is_none_or(|&b| delim(b));
                            if ei {
                                i += 2;
                                break;
                            }
                            i += 1;
                        }
                    }
                }
            }
        }
        out
    }

    /// The walk finds the same words as the byte-at-a-time walk, on random streams of
    /// strings (nested, escaped, unclosed), hex strings, comments and inline images.
    #[test]
    fn operators_are_found_as_the_bytewise_walk_finds_them() {
        let pieces: [&[u8]; 22] = [
            b"(", b")", b"\\", b"<", b">", b"<<", b">>", b"%", b"\n", b"\r", b" ", b"\t", b"\x0C",
            b"\0", b"ID", b"EI", b"q", b"Q", b"Tj", b"/F1", b"[", b"12.5",
        ];
        let mut next = crate::base::testing::xorshift(0x1234_5678_u32);
        let mut words = 0;
        for _ in 0..30_000 {
            let c = crate::base::testing::joined_pieces(&mut next, &pieces, 32);
            let mut ours = Vec::new();
            for_each_operator(&c, |w| ours.push(w.to_vec()));
            words += ours.len();
            assert_eq!(
                ours,
                operators_bytewise(&c),
                "{}",
                String::from_utf8_lossy(&c)
            );
        }
        assert!(words > 40_000, "only {words} words seen");
    }

    #[test]
    fn numbers_are_written_as_the_general_way_writes_them() {
        let mut next = crate::base::testing::xorshift(0x9e37_79b9_u32);
        let mut values: Vec<f32> = vec![
            0.0,
            -0.0,
            0.0004,
            -0.0004,
            0.0005,
            -0.0005,
            1.0,
            -1.0,
            0.5,
            612.0,
            791.999_94,
            8191.999,
            8192.0,
            -8192.0,
            14400.0,
            f32::NAN,
            f32::INFINITY,
            f32::MIN,
        ];
        // Any bit pattern, and numbers of page size with few decimals.
        values.extend((0..100_000).map(|_| f32::from_bits(next())));
        values.extend((0..100_000).map(|_| (next() % 20_000_000) as f32 / 1000.0 - 10_000.0));
        values.extend((0..50_000).map(|_| (next() % 2_000_000) as f32 / 997.0 - 1000.0));
        for v in values {
            assert_eq!(num(v), num_general(v), "{v:e} ({:#x})", v.to_bits());
        }
    }
}
