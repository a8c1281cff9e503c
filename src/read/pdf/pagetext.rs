//! Page text: a page's content operations turn into its text, in chunks (a new chunk at
//! each font change), read the way lopdf's `Document::extract_text_chunks` reads them —
//! so the scan reads a page's content once, for the footer's room and the text.

use crate::read::pdf::ops::{Operand, Ops};
use lopdf::{Dictionary, Document, Encoding, ObjectId};
use std::collections::{BTreeMap, HashMap};

/// The text of page `page` from its content (which parses: [`super::ops::parses`]): one
/// chunk per run of text in one font, and an error for what could not be decoded (a
/// font's encoding, a string).
pub fn chunks(doc: &Document, page: ObjectId, content: &[u8]) -> Vec<lopdf::Result<String>> {
    chunks_with(doc, page, content, &mut Decoders::default())
}

/// The decoders of a document's fonts, each made once and shared by the pages using its
/// font (a font's encoding is read, and its table filled, once per document).
#[derive(Default)]
pub struct Decoders<'a> {
    /// By the address of the font's dictionary, which the document holds unchanged while
    /// it is borrowed.
    made: HashMap<*const Dictionary, Decoder<'a>>,
}

/// [`chunks`], with the decoders of fonts earlier pages of `doc` used kept in `decoders`.
pub fn chunks_with<'a>(
    doc: &'a Document,
    page: ObjectId,
    content: &[u8],
    decoders: &mut Decoders<'a>,
) -> Vec<lopdf::Result<String>> {
    let mut out: Vec<lopdf::Result<String>> = Vec::new();
    let fonts = match doc.get_page_fonts(page) {
        Ok(f) => f,
        Err(e) => return vec![Err(e)],
    };
    let mut names: BTreeMap<Vec<u8>, *const Dictionary> = BTreeMap::new();
    for (name, font) in fonts {
        let key: *const Dictionary = font;
        if let std::collections::hash_map::Entry::Vacant(slot) = decoders.made.entry(key) {
            match font.get_font_encoding_with_limit(doc, lopdf::DEFAULT_MAX_DECOMPRESSED_SIZE) {
                Ok(e) => {
                    slot.insert(Decoder::new(e));
                }
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            }
        }
        names.insert(name, key);
    }
    let made = &decoders.made;
    let mut current: Option<&Decoder> = None;
    let mut text = String::new();
    let mut ops = Ops::new(content);
    while let Some(Ok(op)) = ops.next() {
        let operands = op.operands;
        match op.operator {
            b"Tf" => {
                let Some(font) = operands.first() else {
                    // A font change without its font: the page has no text to give.
                    return vec![Err(lopdf::Error::Syntax("missing font operand".into()))];
                };
                current = match font.name() {
                    Some(name) => names.get(name.as_ref()).and_then(|k| made.get(k)),
                    None => {
                        out.push(Err(not_a_name(font)));
                        None
                    }
                };
                if !text.is_empty() {
                    out.push(Ok(std::mem::take(&mut text)));
                }
            }
            b"Tj" | b"TJ" => shown(&mut out, &mut text, current, operands),
            // `'` is `T*` then `Tj`; `"` sets spacing, then `'` with its third operand.
            b"'" | b"\"" if current.is_some() => {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                let string = if op.operator == b"'" {
                    operands
                } else {
                    operands.get(2..3).unwrap_or(&[])
                };
                shown(&mut out, &mut text, current, string);
            }
            b"T*" | b"ET" if !text.ends_with('\n') => text.push('\n'),
            _ => {}
        }
    }
    if !text.is_empty() {
        out.push(Ok(text));
    }
    out
}

/// The error lopdf gives for an operand that is not a name.
fn not_a_name(o: &Operand<'_>) -> lopdf::Error {
    match super::ops::to_object(o).as_name() {
        Err(e) => e,
        Ok(_) => lopdf::Error::Syntax("not a name".into()),
    }
}

/// A string (or array) shown in the current font, added to the page's text.
fn shown(
    out: &mut Vec<lopdf::Result<String>>,
    text: &mut String,
    enc: Option<&Decoder>,
    operands: &[Operand<'_>],
) {
    if let Some(enc) = enc {
        if let Err(e) = collect(text, enc, operands.iter().copied()) {
            out.push(Err(e));
        }
    }
}

/// The text of a string, or of an array of strings and spacings (a large negative
/// spacing reads as a space; an array ends with one).
fn collect<'a>(
    text: &mut String,
    enc: &Decoder,
    operands: impl Iterator<Item = Operand<'a>>,
) -> lopdf::Result<()> {
    for o in operands {
        match o {
            Operand::Str(_) | Operand::Hex(_) => {
                enc.decode(&o.string().unwrap_or_default(), text)?
            }
            Operand::Array(_) => {
                collect(text, enc, o.items())?;
                text.push(' ');
            }
            Operand::Int(i) if i < -100 => text.push(' '),
            _ => {}
        }
    }
    Ok(())
}

/// A font's encoding, ready to decode strings. A one-byte encoding (a standard table, or
/// one with differences) turns each byte into the same character (or none) wherever it
/// stands, so each byte is asked of lopdf once, and strings are decoded by looking bytes
/// up.
enum Decoder<'a> {
    Bytes(Encoding<'a>, Box<Table>),
    Other(Encoding<'a>),
}

/// What each byte of a one-byte encoding decodes to.
struct Table {
    /// Each byte's character, or [`NOTHING`], or [`FAILS`].
    chars: [u32; 256],
    /// The ASCII bytes that decode to themselves: a run of them is copied whole.
    same: [bool; 256],
}

/// A byte that decodes to no text.
const NOTHING: u32 = 0x11_0000;
/// A byte lopdf cannot decode alone: decoded by lopdf, for its error.
const FAILS: u32 = 0x11_0001;

impl<'a> Decoder<'a> {
    fn new(enc: Encoding<'a>) -> Decoder<'a> {
        if !matches!(enc, Encoding::OneByteEncoding(_) | Encoding::Differences(_)) {
            return Decoder::Other(enc);
        }
        let mut table = [NOTHING; 256];
        let mut text = String::new();
        for (b, slot) in (0..=255u8).zip(table.iter_mut()) {
            text.clear();
            if enc.write_to_string(&[b], &mut text).is_err() {
                *slot = FAILS;
                continue;
            }
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (None, _) => {}
                (Some(c), None) => *slot = u32::from(c),
                // More than one character for a byte: decoded by lopdf throughout.
                (Some(_), Some(_)) => return Decoder::Other(enc),
            }
        }
        let mut same = [false; 256];
        for (b, s) in same.iter_mut().enumerate().take(0x80) {
            *s = table[b] == b as u32;
        }
        Decoder::Bytes(enc, Box::new(Table { chars: table, same }))
    }

    /// Appends the text of `bytes` to `out`, as lopdf's `Encoding::write_to_string` does
    /// (up to a byte it cannot decode, then its error).
    fn decode(&self, bytes: &[u8], out: &mut String) -> lopdf::Result<()> {
        match self {
            Decoder::Other(enc) => enc.write_to_string(bytes, out),
            Decoder::Bytes(enc, t) => {
                let mut rest = bytes;
                while let Some((&b, after)) = rest.split_first() {
                    let run = rest
                        .iter()
                        .position(|&c| !t.same[usize::from(c)])
                        .unwrap_or(rest.len());
                    if run > 0 {
                        // ASCII, so valid UTF-8.
                        if let Ok(text) = std::str::from_utf8(&rest[..run]) {
                            out.push_str(text);
                        }
                        rest = &rest[run..];
                        continue;
                    }
                    match t.chars[usize::from(b)] {
                        NOTHING => {}
                        FAILS => enc.write_to_string(&[b], out)?,
                        c => out.extend(char::from_u32(c)),
                    }
                    rest = after;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Object, Stream};

    /// A one-page document with fonts /F1 (WinAnsi) and /F2 (standard encoding).
    fn page(content: &[u8]) -> (Document, ObjectId) {
        let mut doc = Document::with_version("1.5");
        let pages = doc.new_object_id();
        let f1 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let f2 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        });
        let f3 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Times-Roman",
            "Encoding" => "MacRomanEncoding",
        });
        let f4 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => dictionary! {
                "Type" => "Encoding",
                "BaseEncoding" => "WinAnsiEncoding",
                "Differences" => vec![
                    65.into(), Object::Name(b"Omega".to_vec()), Object::Name(b"bullet".to_vec()),
                    200.into(), Object::Name(b"fi".to_vec()), Object::Name(b"fl".to_vec()),
                ],
            },
        });
        // Differences over a base lopdf cannot decode: the bytes outside the differences
        // are errors.
        let f5 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => dictionary! {
                "BaseEncoding" => "NoSuchEncoding",
                "Differences" => vec![65.into(), Object::Name(b"Omega".to_vec())],
            },
        });
        let c = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => c,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Resources" => dictionary! { "Font" => dictionary! {
                "F1" => f1, "F2" => f2, "F3" => f3, "F4" => f4, "F5" => f5,
            } },
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        (doc, page)
    }

    #[test]
    fn reads_a_page_as_lopdf_reads_it() {
        // Every byte, in every font: the one-byte encodings decode from a table.
        let mut every = Vec::new();
        for font in ["F1", "F2", "F3", "F4", "F5"] {
            every.extend_from_slice(format!("BT /{font} 10 Tf <").as_bytes());
            for b in 0..=255u8 {
                every.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            every.extend_from_slice(b"> Tj [(AB\\310\\311) -200 <C8C9FF>] TJ ET\n");
        }
        let cases: [&[u8]; 8] = [
            &every,
            b"BT /F1 11 Tf 72 700 Td (Operative report) Tj ET",
            b"BT /F1 11 Tf (Caf\xe9) Tj T* [(Dr.) -300 (Smith) 50 (Jones)] TJ ET BT /F2 9 Tf (second font) Tj ET",
            b"BT /F1 11 Tf 14 TL (one) Tj (two) ' 1 2 (three) \" ET",
            b"BT /F9 11 Tf (unknown font) Tj /F1 11 Tf (known) Tj ET",
            b"BT (no font yet) Tj /F1 11 Tf (then) Tj ET",
            b"BT /F1 11 Tf (before) Tj Tf (after) Tj ET",
            b"q 1 0 0 1 0 0 cm Q",
        ];
        for content in cases {
            let (doc, id) = page(content);
            assert!(crate::read::pdf::ops::parses(content));
            let ours: Vec<String> = chunks(&doc, id, content)
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| format!("error: {e}")))
                .collect();
            let theirs: Vec<String> = doc
                .extract_text_chunks(&[1])
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| format!("error: {e}")))
                .collect();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(content));
        }
        // The fonts with differences are decoded from a table (F5's failing bytes by
        // lopdf): the cases above compared them.
        let (doc, id) = page(b"");
        for (name, font) in doc.get_page_fonts(id).expect("fonts") {
            let enc = font
                .get_font_encoding_with_limit(&doc, lopdf::DEFAULT_MAX_DECOMPRESSED_SIZE)
                .expect("encoding");
            let differences = matches!(enc, Encoding::Differences(_));
            assert_eq!(differences, name == b"F4" || name == b"F5", "{name:?}");
            let fails = match Decoder::new(enc) {
                Decoder::Bytes(_, t) => t.chars.iter().filter(|&&c| c == FAILS).count(),
                Decoder::Other(_) => panic!("{name:?} is a one-byte encoding"),
            };
            assert_eq!(fails, if name == b"F5" { 255 } else { 0 }, "{name:?}");
        }
        let (doc, id) = page(cases[2]);
        let text: String = chunks(&doc, id, cases[2]).into_iter().flatten().collect();
        // A wide gap reads as a space, a small one not; a font change starts a chunk.
        assert_eq!(text, "Café\nDr. SmithJones \nsecond font\n");
    }
}
