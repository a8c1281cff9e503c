//! PDF helpers shared by the readers and the writers: numbers written into content
//! streams, zlib compression of stream data, and the count of graphics states a content
//! stream leaves open.

use std::io::Write;

/// A number for a content stream: short, and never in exponent form.
pub fn num(v: f32) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    let s = format!("{r:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Zlib-compresses `data` at a level that balances size and speed.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    if enc.write_all(data).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

/// Calls `f` with every operator of a content stream, in order. Strings, comments and
/// inline image data (`ID` up to a whitespace-delimited `EI`) are skipped, so only real
/// operators are seen; operands are passed over too (names, numbers and the like are seen
/// as words, which callers ignore).
pub fn for_each_operator(c: &[u8], mut f: impl FnMut(&[u8])) {
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
