//! The embedded font: DejaVu Sans bytes, parsed once, turned into glyph ids and text widths
//! for layout, stamps and the generated pages.

use crate::base::pdf::Lookup;
use printpdf::ParsedFont;
use std::sync::OnceLock;

/// DejaVu Sans (Bitstream Vera licence, see fonts/DejaVu-LICENSE.txt).
pub const FONT_BYTES: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// The same font, zlib-compressed at build time (see build.rs).
pub const FONT_ZLIB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/DejaVuSans.ttf.zlib"));

/// Replaces every uncompressed copy of the embedded font program in `doc` with the copy
/// compressed at build time, and compresses the document's other uncompressed streams.
/// printpdf is asked not to compress (it would compress the 750 KB font on every run).
pub fn compress_generated(doc: &mut lopdf::Document) {
    for obj in doc.objects.values_mut() {
        if let lopdf::Object::Stream(s) = obj {
            compress_stream(s);
        }
    }
}

/// Compresses one uncompressed stream of a generated page (the embedded font program:
/// with the copy compressed at build time).
pub fn compress_stream(s: &mut lopdf::Stream) {
    use lopdf::Object;
    if s.dict.lookup(b"Filter").is_some() {
        return;
    }
    if s.content.as_slice() == FONT_BYTES {
        put_program(s);
    } else if s.content.len() > 64 {
        let packed = crate::base::pdf::deflate(&s.content);
        if !packed.is_empty() && packed.len() < s.content.len() {
            s.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            s.set_content(packed);
        }
    }
}

/// Puts the embedded font program, compressed at build time, in a font program stream.
fn put_program(s: &mut lopdf::Stream) {
    s.dict
        .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
    s.dict.set("Length1", FONT_BYTES.len() as i64);
    s.set_content(FONT_ZLIB.to_vec());
}

/// What printpdf is given as the font's program when only the font's objects are wanted
/// of it (the first four bytes of a TrueType file, which it reads to name the font's
/// kind): printpdf then writes those objects without copying and writing the 750 KB
/// program, whose place [`fill_stand_in`] fills afterwards.
const PROGRAM_STAND_IN: &[u8] = &[0, 1, 0, 0];

/// The embedded font, parsed, with [`PROGRAM_STAND_IN`] as its program.
pub fn with_stand_in(m: &Metrics) -> ParsedFont {
    m.parsed().clone()
}

/// Puts the embedded font program (compressed at build time) where printpdf wrote
/// [`PROGRAM_STAND_IN`] in `doc`; returns how many places it filled. A font program in
/// `doc` that is neither the stand-in nor the embedded font itself is an error (its
/// length named): the document would carry a font no reader can draw with.
pub fn fill_stand_in(doc: &mut lopdf::Document) -> Result<usize, String> {
    let mut filled = 0;
    for obj in doc.objects.values_mut() {
        let lopdf::Object::Stream(s) = obj else {
            continue;
        };
        if s.dict.lookup(b"Length1").is_none() {
            continue;
        }
        if s.content.as_slice() == PROGRAM_STAND_IN && s.dict.lookup(b"Filter").is_none() {
            put_program(s);
            filled += 1;
        } else if s.content.as_slice() != FONT_BYTES {
            return Err(format!(
                "a font program of {} bytes that is not the embedded font",
                s.content.len()
            ));
        }
    }
    Ok(filled)
}

/// Font metrics and glyph lookup for the embedded font.
pub struct Metrics {
    /// The font's tables, its program replaced by [`PROGRAM_STAND_IN`] once they are
    /// read: every set of generated pages starts from a copy of them, and the glyph
    /// lookups do not read the program.
    parsed: ParsedFont,
    units_per_em: f32,
    fallback_gid: u16,
    /// Advance widths (1/1000 em) of the first 256 characters, looked up once: stamps and
    /// index rows measure text on every page.
    latin: [f32; 256],
    /// Glyph ids of the first 256 characters (None: the font lacks it).
    latin_gid: [Option<u16>; 256],
}

static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();

impl Metrics {
    /// The embedded font's metrics, parsed on first use.
    pub fn get() -> Option<&'static Metrics> {
        METRICS
            .get_or_init(|| {
                let mut warnings = Vec::new();
                let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings)?;
                let units_per_em = f32::from(parsed.units_per_em.max(1));
                let fallback_gid = parsed.lookup_glyph_index('?' as u32).unwrap_or(0);
                let mut m = Metrics {
                    parsed,
                    units_per_em,
                    fallback_gid,
                    latin: [0.0; 256],
                    latin_gid: [None; 256],
                };
                for (i, at) in (0u8..=255).zip(0..256) {
                    let gid = m.parsed.lookup_glyph_index(u32::from(i));
                    m.latin_gid[at] = gid;
                    m.latin[at] = m.glyph_width_milli(gid.unwrap_or(m.fallback_gid));
                }
                m.parsed.original_bytes = PROGRAM_STAND_IN.to_vec();
                Some(m)
            })
            .as_ref()
    }

    /// The parsed font, with [`PROGRAM_STAND_IN`] as its program, for printpdf.
    pub fn parsed(&self) -> &ParsedFont {
        &self.parsed
    }

    /// True when the font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.lookup(c).is_some()
    }

    /// The letters of `texts` the font has no glyph for (each once, in order of first
    /// appearance; spaces and control characters aside): they are printed as "?".
    pub fn missing<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<char> {
        // A document all in a script the font lacks has thousands of distinct letters:
        // they are told apart by a set, not by searching the list for each.
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<char> = Vec::new();
        for c in texts.into_iter().flat_map(str::chars) {
            if !c.is_whitespace() && !c.is_control() && !self.has_glyph(c) && seen.insert(c) {
                out.push(c);
            }
        }
        out
    }

    /// The font's own glyph for `c`, if it has one (as printpdf looks it up).
    pub fn glyph_of(&self, c: char) -> Option<u16> {
        self.lookup(c)
    }

    fn lookup(&self, c: char) -> Option<u16> {
        match self.latin_gid.get(c as usize) {
            Some(&gid) => gid,
            None => self.parsed.lookup_glyph_index(c as u32),
        }
    }

    /// The glyph id drawn for `c` (a visible fallback for characters the font lacks).
    pub fn glyph(&self, c: char) -> u16 {
        self.lookup(c).unwrap_or(self.fallback_gid)
    }

    /// Advance width of the glyph drawn for `c`, in 1/1000 em.
    pub fn char_width_milli(&self, c: char) -> f32 {
        match self.latin.get(c as usize) {
            Some(&w) => w,
            None => self.glyph_width_milli(self.glyph(c)),
        }
    }

    /// Advance width of a glyph, in 1/1000 em (the unit of a PDF /W array).
    pub fn glyph_width_milli(&self, gid: u16) -> f32 {
        let w = self.parsed.get_glyph_width(gid).unwrap_or(0);
        f32::from(w) * 1000.0 / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width_milli(c)).sum::<f32>() * size / 1000.0
    }

    /// `text` cut to fit `max` points at `size`, ending in "…" when cut.
    pub fn truncate(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let ell = self.width("…", size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.char_width_milli(c) * size / 1000.0;
            if w + cw + ell > max {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.trim_end().to_string() + "…"
    }

    /// Replaces characters the font cannot draw, so no text silently becomes boxes.
    pub fn drawable(&self, text: &str) -> String {
        text.chars().map(|c| self.drawn(c).0).collect()
    }

    /// The character drawn for `c` (a space for a tab or control character, '?' for one
    /// the font lacks, as [`Metrics::drawable`] has it) and its glyph, looked up once.
    pub fn drawn(&self, c: char) -> (char, u16) {
        match c {
            '\t' => (' ', self.glyph(' ')),
            c if c.is_control() => (' ', self.glyph(' ')),
            c => match self.lookup(c) {
                Some(gid) => (c, gid),
                None => ('?', self.glyph('?')),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_covers_names_in_many_scripts() {
        let m = Metrics::get().expect("embedded font parses");
        for name in [
            "Ingrid Sørensen",
            "Łukasz Żółć",
            "Zoë Ñúñez",
            "Дмитрий",
            "Νίκη",
            "·—…",
        ] {
            for c in name.chars() {
                assert!(m.has_glyph(c), "no glyph for {c:?} in {name}");
            }
        }
    }

    #[test]
    fn widths_and_truncation() {
        let m = Metrics::get().expect("font");
        let w = m.width("Page 1 of 10", 10.0);
        assert!(w > 40.0 && w < 80.0, "{w}");
        let t = m.truncate(
            "A very long title that does not fit in the column",
            9.0,
            80.0,
        );
        assert!(t.ends_with('…'));
        assert!(m.width(&t, 9.0) <= 80.0);
        assert_eq!(m.truncate("Short", 9.0, 80.0), "Short");
    }
}
