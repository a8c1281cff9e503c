//! JPEG structure: a JPEG file's bytes turn into a verdict on its structure — markers,
//! segment lengths, quantisation and Huffman tables, frame and scan headers, entropy-coded
//! data that ends in a marker, restart markers in sequence and in the number the frame
//! needs, and the end-of-image marker — read once, at the speed of the bytes, without
//! decoding the picture. What the structure alone cannot judge (arithmetic or lossless
//! coding, missing Huffman tables, a height given after the scan) is left undecided, for
//! the strict decoder.

/// What the frame header says about the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    /// Colour components (1 gray, 3 RGB/YCbCr, 4 CMYK).
    pub components: u8,
    /// An Adobe APP14 segment is present (CMYK written inverted).
    pub adobe: bool,
}

/// The structure check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every structural part is present and consistent.
    Sound(Header),
    /// Damaged: what is wrong, in words for the user.
    Damaged(String),
    /// The structure is intact as far as it goes, but only decoding can tell (with why).
    Undecided(&'static str),
}

/// One component of the frame.
#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    h: u8,
    v: u8,
}

/// What the frame header holds.
#[derive(Debug, Clone)]
struct Frame {
    header: Header,
    /// Huffman sequential (SOF0/SOF1) or progressive (SOF2).
    progressive: bool,
    components: Vec<Component>,
}

const CUT_OFF: &str = "the picture data is cut off";

fn damaged(what: impl Into<String>) -> Verdict {
    Verdict::Damaged(what.into())
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

/// True when a JPEG has scan data and an end-of-image marker after it (a download that
/// stopped half-way lacks them) — the quick test for pictures inside a repaired PDF, whose
/// every other byte the full [`check`] would judge.
pub fn has_scan_and_end(bytes: &[u8]) -> bool {
    let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]);
    let eoi = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    match (sos, eoi) {
        (Some(s), Some(e)) => e > s + 2,
        _ => false,
    }
}

/// Checks a JPEG's structure from start to end-of-image.
pub fn check(bytes: &[u8]) -> Verdict {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return damaged("it does not start like a JPEG");
    }
    let mut adobe = false;
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0usize;
    // Tables defined so far: bit i of `dc`/`ac` for Huffman table i.
    let (mut dc, mut ac) = (0u8, 0u8);
    let mut scans = 0usize;
    let mut pos = 2usize;
    loop {
        // Between segments: fill bytes (0xFF) before a marker; anything else is skipped,
        // as decoders do.
        let Some(ff) = memchr::memchr(0xFF, bytes.get(pos..).unwrap_or_default()) else {
            return damaged(CUT_OFF);
        };
        pos += ff;
        while bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos + 1) else {
            return damaged(CUT_OFF);
        };
        pos += 2;
        match marker {
            // A stray start-of-image, restart or TEM marker carries no segment; a stuffed
            // zero is stray picture data, skipped as decoders skip it.
            0xD8 | 0xD0..=0xD7 | 0x01 | 0x00 => continue,
            0xD9 => {
                return match &frame {
                    Some(f) if scans > 0 => Verdict::Sound(Header { adobe, ..f.header }),
                    _ => damaged("it ends before the picture data"),
                };
            }
            0x02..=0xBF => {
                return damaged(format!(
                    "an unknown marker 0x{marker:02X} at byte {}",
                    pos - 2
                ))
            }
            _ => {}
        }
        let Some(len) = be16(bytes, pos) else {
            return damaged(CUT_OFF);
        };
        if len < 2 {
            return damaged(format!("a header segment at byte {} is too short", pos - 2));
        }
        let Some(seg) = bytes.get(pos + 2..pos + len) else {
            return damaged(CUT_OFF);
        };
        pos += len;
        match marker {
            0xDB => {
                if let Err(e) = check_dqt(seg) {
                    return damaged(e);
                }
            }
            0xC4 => match check_dht(seg) {
                Ok((d, a)) => {
                    dc |= d;
                    ac |= a;
                }
                Err(e) => return damaged(e),
            },
            0xDD => {
                let Some(ri) = be16(seg, 0).filter(|_| seg.len() == 2) else {
                    return damaged("the restart interval segment has the wrong length");
                };
                restart_interval = ri;
            }
            0xEE if seg.starts_with(b"Adobe") => adobe = true,
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return damaged("it has two frame headers");
                }
                match parse_frame(seg, marker == 0xC2) {
                    Ok(f) => frame = Some(f),
                    Err(v) => return v,
                }
            }
            // Lossless, hierarchical and arithmetic coding: only a decoder can judge.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Verdict::Undecided("coding other than Huffman sequential or progressive")
            }
            0xDC => return Verdict::Undecided("the height is given after the picture data"),
            0xDA => {
                let Some(f) = &frame else {
                    return damaged("the picture data comes before the frame header");
                };
                let scan = match parse_scan(seg, f, dc, ac) {
                    Ok(s) => s,
                    Err(v) => return v,
                };
                let rsts = match entropy_data(bytes, &mut pos, restart_interval) {
                    Ok(n) => n,
                    Err(v) => return v,
                };
                if restart_interval > 0 {
                    let mcus = mcu_count(f, &scan);
                    let want = mcus.div_ceil(restart_interval).saturating_sub(1);
                    if rsts < want {
                        return damaged(format!(
                            "the picture data is incomplete ({} of {} restart intervals)",
                            rsts + 1,
                            want + 1
                        ));
                    }
                    if rsts > want + 1 {
                        return Verdict::Undecided("more restart markers than the frame needs");
                    }
                }
                scans += 1;
            }
            // APPn, COM, JPG extensions: skipped.
            _ => {}
        }
    }
}

/// Quantisation tables: each a precision/id byte and 64 or 128 values, filling the segment.
fn check_dqt(seg: &[u8]) -> Result<(), String> {
    let mut i = 0;
    while i < seg.len() {
        let pq = seg[i] >> 4;
        let tq = seg[i] & 15;
        if pq > 1 || tq > 3 {
            return Err("a quantisation table header is invalid".into());
        }
        i += 1 + 64 * (usize::from(pq) + 1);
    }
    if i != seg.len() {
        return Err("a quantisation table segment has the wrong length".into());
    }
    Ok(())
}

/// Huffman tables: each a class/id byte, 16 counts and that many symbols, filling the
/// segment. Returns the DC and AC table ids defined, as bit sets.
fn check_dht(seg: &[u8]) -> Result<(u8, u8), String> {
    let (mut dc, mut ac) = (0u8, 0u8);
    let mut i = 0;
    while i < seg.len() {
        let tc = seg[i] >> 4;
        let th = seg[i] & 15;
        if tc > 1 || th > 3 {
            return Err("a Huffman table header is invalid".into());
        }
        let Some(counts) = seg.get(i + 1..i + 17) else {
            return Err("a Huffman table segment has the wrong length".into());
        };
        let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
        // A code of each length can have at most 2^length values; 256 symbols at most.
        let mut room = 1usize;
        for &c in counts {
            room *= 2;
            if usize::from(c) > room {
                return Err("a Huffman table holds more codes than fit".into());
            }
            room -= usize::from(c);
        }
        if n > 256 {
            return Err("a Huffman table holds more than 256 values".into());
        }
        i += 17 + n;
        if tc == 0 {
            dc |= 1 << th;
        } else {
            ac |= 1 << th;
        }
    }
    if i != seg.len() {
        return Err("a Huffman table segment has the wrong length".into());
    }
    Ok((dc, ac))
}

fn parse_frame(seg: &[u8], progressive: bool) -> Result<Frame, Verdict> {
    let (Some(&precision), Some(height), Some(width), Some(&n)) =
        (seg.first(), be16(seg, 1), be16(seg, 3), seg.get(5))
    else {
        return Err(damaged("the frame header is too short"));
    };
    if precision != 8 {
        return Err(Verdict::Undecided("samples of other than 8 bits"));
    }
    if height == 0 {
        return Err(Verdict::Undecided(
            "the height is given after the picture data",
        ));
    }
    if seg.len() != 6 + 3 * usize::from(n) {
        return Err(damaged("the frame header has the wrong length"));
    }
    let mut components = Vec::with_capacity(usize::from(n));
    for c in seg[6..].chunks_exact(3) {
        let (h, v) = (c[1] >> 4, c[1] & 15);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
            return Err(damaged(
                "the frame header names impossible sampling or tables",
            ));
        }
        if components.iter().any(|k: &Component| k.id == c[0]) {
            return Err(damaged("the frame header names one component twice"));
        }
        components.push(Component { id: c[0], h, v });
    }
    Ok(Frame {
        header: Header {
            width: width as u32,
            height: height as u32,
            components: n,
            adobe: false,
        },
        progressive,
        components,
    })
}

/// The frame components a scan codes, by index.
struct Scan {
    components: Vec<usize>,
}

fn parse_scan(seg: &[u8], f: &Frame, dc: u8, ac: u8) -> Result<Scan, Verdict> {
    let Some(&n) = seg.first() else {
        return Err(damaged("a scan header is empty"));
    };
    let n = usize::from(n);
    if !(1..=4).contains(&n) || seg.len() != 4 + 2 * n {
        return Err(damaged("a scan header has the wrong length"));
    }
    let (ss, se, ah, al) = (
        seg[1 + 2 * n],
        seg[2 + 2 * n],
        seg[3 + 2 * n] >> 4,
        seg[3 + 2 * n] & 15,
    );
    let mut components = Vec::with_capacity(n);
    let (mut need_dc, mut need_ac) = (0u8, 0u8);
    for c in seg[1..1 + 2 * n].chunks_exact(2) {
        let Some(i) = f.components.iter().position(|k| k.id == c[0]) else {
            return Err(damaged("a scan names a component the frame does not have"));
        };
        if components.contains(&i) {
            return Err(damaged("a scan names one component twice"));
        }
        components.push(i);
        let (td, ta) = (c[1] >> 4, c[1] & 15);
        if td > 3 || ta > 3 {
            return Err(damaged("a scan names an impossible Huffman table"));
        }
        need_dc |= 1 << td;
        need_ac |= 1 << ta;
    }
    if f.progressive {
        let valid = se <= 63 && ss <= se && ah <= 13 && al <= 13 && (ss > 0 || se == 0);
        if !valid || (ss > 0 && n != 1) {
            return Err(damaged("a progressive scan header is invalid"));
        }
        // Refinement of DC needs no table; AC scans use only the AC table.
        let missing = if ss == 0 {
            ah == 0 && need_dc & !dc != 0
        } else {
            need_ac & !ac != 0
        };
        if missing {
            return Err(Verdict::Undecided(
                "a Huffman table the scan uses is not in the file",
            ));
        }
    } else {
        if (ss, se, ah, al) != (0, 63, 0, 0) {
            return Err(Verdict::Undecided(
                "a sequential scan with unusual parameters",
            ));
        }
        if need_dc & !dc != 0 || need_ac & !ac != 0 {
            return Err(Verdict::Undecided(
                "a Huffman table the scan uses is not in the file",
            ));
        }
    }
    Ok(Scan { components })
}

/// Minimum coded units in a scan: interleaved scans cover the frame in units of the
/// largest sampling factors; a one-component scan covers that component in 8×8 blocks.
fn mcu_count(f: &Frame, scan: &Scan) -> usize {
    let hmax = f.components.iter().map(|c| c.h).max().unwrap_or(1) as usize;
    let vmax = f.components.iter().map(|c| c.v).max().unwrap_or(1) as usize;
    let (w, h) = (f.header.width as usize, f.header.height as usize);
    match scan.components.as_slice() {
        [one] => {
            let c = f
                .components
                .get(*one)
                .copied()
                .unwrap_or(Component { id: 0, h: 1, v: 1 });
            let cw = (w * usize::from(c.h)).div_ceil(hmax);
            let ch = (h * usize::from(c.v)).div_ceil(vmax);
            cw.div_ceil(8) * ch.div_ceil(8)
        }
        _ => w.div_ceil(8 * hmax) * h.div_ceil(8 * vmax),
    }
}

/// Walks entropy-coded data from `pos` to the marker that ends it (left at `pos`),
/// checking that restart markers come in sequence; returns how many there were.
fn entropy_data(bytes: &[u8], pos: &mut usize, restart_interval: usize) -> Result<usize, Verdict> {
    let start = *pos;
    let mut rsts = 0usize;
    loop {
        let Some(ff) = memchr::memchr(0xFF, bytes.get(*pos..).unwrap_or_default()) else {
            return Err(damaged(CUT_OFF));
        };
        *pos += ff;
        let Some(&next) = bytes.get(*pos + 1) else {
            return Err(damaged(CUT_OFF));
        };
        match next {
            0x00 => *pos += 2,
            0xFF => *pos += 1,
            0xD0..=0xD7 => {
                if restart_interval == 0 {
                    return Err(Verdict::Undecided(
                        "restart markers without a restart interval",
                    ));
                }
                if usize::from(next - 0xD0) != rsts % 8 {
                    return Err(damaged(format!(
                        "restart markers are out of order at byte {}",
                        *pos
                    )));
                }
                rsts += 1;
                *pos += 2;
            }
            _ => {
                if *pos == start {
                    return Err(damaged("a scan has no picture data"));
                }
                return Ok(rsts);
            }
        }
    }
}

/// Reads the size and colour components from a JPEG's frame header, without decoding.
pub fn jpeg_header(bytes: &[u8]) -> Option<(u32, u32, u8, bool)> {
    let mut i = 2usize;
    let mut adobe = false;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let seg = bytes.get(i + 4..i + 2 + len)?;
        if marker == 0xEE && seg.starts_with(b"Adobe") {
            adobe = true;
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            let h = u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]));
            let w = u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]));
            let c = *seg.get(5)?;
            return Some((w, h, c, adobe));
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A baseline JPEG from the image crate's encoder.
    fn encoded(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8])
        });
        let mut buf = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 85)
            .encode_image(&img)
            .expect("encode");
        buf
    }

    /// Offset of the first `FF <marker>` in `b`.
    fn find(b: &[u8], marker: u8) -> usize {
        b.windows(2)
            .position(|w| w == [0xFF, marker])
            .expect("marker")
    }

    /// A hand-made grey 16×16 JPEG with a restart interval of one MCU (four 8×8 blocks,
    /// so three restart markers) whose entropy data is placeholder bytes: enough for the
    /// structure, not for a decoder.
    fn with_restarts(rst: &[u8]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xDB, 0, 67, 0]);
        b.extend([1u8; 64]);
        b.extend([0xFF, 0xC4, 0, 20, 0x00, 1]);
        b.extend([0u8; 15]);
        b.push(0);
        b.extend([0xFF, 0xC4, 0, 20, 0x10, 1]);
        b.extend([0u8; 15]);
        b.push(0);
        b.extend([0xFF, 0xDD, 0, 4, 0, 1]);
        b.extend([0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        b.extend([0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
        b.extend([0x12, 0x34]);
        for &r in rst {
            b.extend([0xFF, r, 0x56]);
        }
        b.extend([0xFF, 0xD9]);
        b
    }

    #[test]
    fn structure_verdicts() {
        let good = encoded(40, 24);
        let sos = find(&good, 0xDA);
        let sof = find(&good, 0xC0);
        let dht = find(&good, 0xC4);
        let eoi = good.len() - 2;
        let edit = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            b
        };
        // (case, bytes, expected: "sound", "undecided", or words of the damage)
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("intact baseline", good.clone(), "sound"),
            (
                "bytes after the end",
                edit(&|b| b.extend(b"trailing junk")),
                "sound",
            ),
            (
                "stray bytes and a stuffed zero between segments",
                edit(&|b| {
                    b.splice(sof..sof, [0x12, 0xFF, 0x00, 0x34]);
                }),
                "sound",
            ),
            (
                "cut in the picture data",
                good[..sos + 30].to_vec(),
                "cut off",
            ),
            (
                "cut, then padded with zeros",
                edit(&|b| {
                    b.truncate(sos + 30);
                    b.resize(b.len() + 500, 0);
                }),
                "cut off",
            ),
            ("cut inside a header", good[..sof + 5].to_vec(), "cut off"),
            ("no end-of-image marker", good[..eoi].to_vec(), "cut off"),
            (
                "not a JPEG at all",
                b"\xFF\xD9hello".to_vec(),
                "does not start",
            ),
            (
                "ends before any scan",
                edit(&|b| b.truncate(sos))
                    .into_iter()
                    .chain([0xFF, 0xD9])
                    .collect(),
                "ends before",
            ),
            (
                "segment length past the end",
                edit(&|b| {
                    b[sof + 2] = 0xFF;
                    b[sof + 3] = 0xF0;
                }),
                "cut off",
            ),
            (
                "segment length below two",
                edit(&|b| {
                    b[sof + 2] = 0;
                    b[sof + 3] = 1;
                }),
                "too short",
            ),
            (
                "unknown marker in the picture data",
                edit(&|b| {
                    b[sos + 40] = 0xFF;
                    b[sos + 41] = 0x12;
                }),
                "unknown marker",
            ),
            (
                "scan names a missing component",
                edit(&|b| b[sos + 5] = 0x77),
                "component",
            ),
            (
                "two components with one id",
                edit(&|b| b[sof + 13] = b[sof + 10]),
                "twice",
            ),
            (
                "impossible sampling factor",
                edit(&|b| b[sof + 11] = 0x51),
                "sampling",
            ),
            (
                "Huffman table overfull",
                edit(&|b| b[dht + 5] = 3),
                "more codes",
            ),
            (
                "picture data before the frame",
                {
                    let mut b = good[..sof].to_vec();
                    b.extend(&good[sos..]);
                    b
                },
                "before the frame",
            ),
            (
                "arithmetic coding",
                edit(&|b| b[sof + 1] = 0xC9),
                "undecided",
            ),
            (
                "twelve-bit samples",
                edit(&|b| b[sof + 4] = 12),
                "undecided",
            ),
            (
                "restarts in order",
                with_restarts(&[0xD0, 0xD1, 0xD2]),
                "sound",
            ),
            (
                "restarts out of order",
                with_restarts(&[0xD0, 0xD2, 0xD1]),
                "out of order",
            ),
            (
                "restart intervals missing",
                with_restarts(&[0xD0]),
                "incomplete (2 of 4",
            ),
            (
                "a trailing restart marker",
                with_restarts(&[0xD0, 0xD1, 0xD2, 0xD3]),
                "sound",
            ),
        ];
        for (name, bytes, want) in cases {
            let got = check(&bytes);
            let ok = match (&got, want) {
                (Verdict::Sound(h), "sound") => h.components >= 1,
                (Verdict::Undecided(_), "undecided") => true,
                (Verdict::Damaged(d), w) => d.contains(w),
                _ => false,
            };
            assert!(ok, "{name}: {got:?}, wanted {want}");
        }
    }

    #[test]
    fn header_reads_size_and_components() {
        match check(&encoded(37, 21)) {
            Verdict::Sound(h) => assert_eq!(
                h,
                Header {
                    width: 37,
                    height: 21,
                    components: 3,
                    adobe: false
                }
            ),
            other => panic!("{other:?}"),
        }
    }

    /// Whatever truncation the strict decoder refuses, the structure check refuses too.
    #[test]
    fn every_truncation_the_decoder_refuses_is_damaged() {
        let good = encoded(64, 48);
        let strict = |b: &[u8]| {
            let opts =
                zune_jpeg::zune_core::options::DecoderOptions::default().set_strict_mode(true);
            zune_jpeg::JpegDecoder::new_with_options(
                zune_jpeg::zune_core::bytestream::ZCursor::new(b),
                opts,
            )
            .decode()
            .is_err()
        };
        let mut refused = 0;
        for cut in (2..good.len()).step_by(7) {
            let b = &good[..cut];
            if strict(b) {
                refused += 1;
                assert!(
                    matches!(check(b), Verdict::Damaged(_)),
                    "cut at {cut} of {}: {:?}",
                    good.len(),
                    check(b)
                );
            }
        }
        assert!(refused > 10, "the decoder refused {refused} truncations");
    }
}
