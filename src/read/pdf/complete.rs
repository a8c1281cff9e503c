//! Completeness: a PDF whose cross-reference table had to be rebuilt turns into a count of
//! its pages that came back whole — every content stream, and every font, image and form
//! the page uses, present and decodable — so a download cut off halfway becomes a problem
//! instead of blank pages.

use crate::base::pdf::Lookup;
use lopdf::{Document, Object, ObjectId};
use std::collections::HashSet;
use std::io::Read;

/// Pages of a document that are not whole, out of how many it says it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completeness {
    pub incomplete: usize,
    pub total: usize,
}

/// Resource categories whose entries a page's drawing names.
const RESOURCE_KINDS: [&[u8]; 7] = [
    b"Font",
    b"XObject",
    b"ExtGState",
    b"ColorSpace",
    b"Pattern",
    b"Shading",
    b"Properties",
];

/// Largest decoded size checked for one stream (larger ones are left to the damage check).
const DECODE_LIMIT: u64 = 512 * 1024 * 1024;

/// Counts the pages of `doc` that are incomplete: missing from the file although the page
/// tree counts them, or using a content stream, font, image or form that is missing or
/// does not decode.
pub fn check(doc: &Document) -> Completeness {
    let pages = doc.get_pages();
    let counted = doc
        .catalog()
        .ok()
        .and_then(|c| c.lookup(b"Pages"))
        .and_then(|p| deref(doc, p))
        .and_then(|p| p.as_dict().ok())
        .and_then(|p| p.lookup(b"Count"))
        .and_then(|c| c.as_i64().ok())
        .filter(|&c| c > 0 && c <= 1_000_000)
        .unwrap_or(0) as usize;
    let total = pages.len().max(counted);
    let mut checker = Checker {
        doc,
        good: HashSet::new(),
    };
    let whole = pages.values().filter(|&&id| checker.page_whole(id)).count();
    Completeness {
        incomplete: total - whole,
        total,
    }
}

fn deref<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => o = doc.objects.get(id)?,
            other => return Some(other),
        }
    }
    None
}

struct Checker<'d> {
    doc: &'d Document,
    /// Objects already found whole (shared fonts and images are checked once).
    good: HashSet<ObjectId>,
}

impl Checker<'_> {
    fn page_whole(&mut self, id: ObjectId) -> bool {
        let Ok(page) = self.doc.get_dictionary(id) else {
            return false;
        };
        if let Some(contents) = page.lookup(b"Contents") {
            let parts: Vec<&Object> = match contents {
                Object::Reference(r) => match self.doc.objects.get(r) {
                    Some(Object::Array(a)) => a.iter().collect(),
                    Some(_) => vec![contents],
                    None => return false,
                },
                Object::Array(a) => a.iter().collect(),
                _ => return false,
            };
            for part in parts {
                if !self.stream_whole(part) {
                    return false;
                }
            }
        }
        match inherited_resources(self.doc, page) {
            Some(res) => self.resources_whole(res, 0),
            None => true,
        }
    }

    /// A reference (or direct object) that must be a stream that decodes.
    fn stream_whole(&mut self, o: &Object) -> bool {
        let id = match o {
            Object::Reference(id) => *id,
            Object::Stream(s) => return decodes(s),
            _ => return false,
        };
        if self.good.contains(&id) {
            return true;
        }
        let ok = matches!(self.doc.objects.get(&id), Some(Object::Stream(s)) if decodes(s));
        if ok {
            self.good.insert(id);
        }
        ok
    }

    fn resources_whole(&mut self, res: &Object, depth: usize) -> bool {
        if depth > 16 {
            return true;
        }
        let Some(res) = deref(self.doc, res) else {
            return false;
        };
        let Ok(res) = res.as_dict() else {
            return true;
        };
        for kind in RESOURCE_KINDS {
            let Some(entries) = res.lookup(kind) else {
                continue;
            };
            let Some(entries) = deref(self.doc, entries) else {
                return false;
            };
            let Ok(entries) = entries.as_dict() else {
                continue;
            };
            for (_, v) in entries.iter() {
                if !self.resource_whole(kind, v, depth) {
                    return false;
                }
            }
        }
        true
    }

    fn resource_whole(&mut self, kind: &[u8], v: &Object, depth: usize) -> bool {
        let id = match v {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if id.is_some_and(|id| self.good.contains(&id)) {
            return true;
        }
        let Some(obj) = deref(self.doc, v) else {
            return false;
        };
        let ok = match (kind, obj) {
            (b"XObject", Object::Stream(s)) => {
                let form =
                    s.dict.lookup(b"Subtype").and_then(|t| t.as_name().ok()) == Some(b"Form");
                // Mark a form good before descending, so a form that draws itself ends.
                if let Some(id) = id {
                    self.good.insert(id);
                }
                let ok = decodes(s)
                    && (!form
                        || s.dict
                            .lookup(b"Resources")
                            .map(|r| self.resources_whole(r, depth + 1))
                            .unwrap_or(true))
                    && s.dict
                        .lookup(b"SMask")
                        .map(|m| self.stream_whole(m))
                        .unwrap_or(true);
                if let (false, Some(id)) = (ok, id) {
                    self.good.remove(&id);
                }
                ok
            }
            (b"XObject", _) => false,
            (b"Font", Object::Dictionary(d)) => self.font_whole(d, depth),
            (b"Font", _) => false,
            _ => true,
        };
        if let (true, Some(id)) = (ok, id) {
            self.good.insert(id);
        }
        ok
    }

    fn font_whole(&mut self, font: &lopdf::Dictionary, depth: usize) -> bool {
        let doc = self.doc;
        // A composite font's glyphs live in its descendant.
        if let Some(desc) = font.lookup(b"DescendantFonts") {
            let Some(Object::Array(a)) = deref(doc, desc) else {
                return false;
            };
            for d in a {
                match deref(doc, d) {
                    Some(Object::Dictionary(d)) => {
                        if !self.font_whole(d, depth) {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
        }
        if let Some(fd) = font.lookup(b"FontDescriptor") {
            let Some(Object::Dictionary(fd)) = deref(doc, fd) else {
                return false;
            };
            for key in [&b"FontFile"[..], b"FontFile2", b"FontFile3"] {
                if let Some(file) = fd.lookup(key) {
                    if !self.stream_whole(file) {
                        return false;
                    }
                }
            }
        }
        // Type 3 glyphs are content streams with resources of their own.
        if let Some(procs) = font.lookup(b"CharProcs") {
            let Some(Object::Dictionary(procs)) = deref(doc, procs) else {
                return false;
            };
            for (_, p) in procs.iter() {
                if !self.stream_whole(p) {
                    return false;
                }
            }
            if let Some(res) = font.lookup(b"Resources") {
                if !self.resources_whole(res, depth + 1) {
                    return false;
                }
            }
        }
        true
    }
}

/// A page's /Resources, its own or inherited from the page tree.
fn inherited_resources<'a>(doc: &'a Document, page: &'a lopdf::Dictionary) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..64 {
        if let Some(r) = node.lookup(b"Resources") {
            return Some(r);
        }
        node = node
            .lookup(b"Parent")
            .and_then(|p| deref(doc, p))
            .and_then(|p| p.as_dict().ok())?;
    }
    None
}

/// Whether a stream's data decodes: Flate to its end (checksum included), JPEG to its
/// end-of-image marker.
fn decodes(s: &lopdf::Stream) -> bool {
    let filters: Vec<&[u8]> = match s.dict.lookup(b"Filter") {
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(|f| f.as_name().ok()).collect(),
        _ => Vec::new(),
    };
    match filters.as_slice() {
        [b"FlateDecode"] => {
            let mut z = flate2::read::ZlibDecoder::new(s.content.as_slice()).take(DECODE_LIMIT);
            std::io::copy(&mut z, &mut std::io::sink()).is_ok()
        }
        [b"DCTDecode"] => crate::read::image::jpeg::has_scan_and_end(&s.content),
        // Unfiltered data that was cut would not have parsed as a stream at all; other
        // filters are taken as they are.
        _ => true,
    }
}

/// Whether a PDF's bytes stop before the document does (a download or copy cut off): no
/// end-of-file marker (`%%EOF`) anywhere; objects after the last marker (a later revision
/// that never got its own, as when a download stops inside an update or after a
/// linearized file's first page); or a linearized file shorter than the length its first
/// object declares. Not an early end: bytes after the last marker that hold no object
/// (padding, a web server's page), or a wrong cross-reference offset before a marker.
pub fn ends_early(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let Some(start) = memchr::memmem::find(head, b"%PDF-") else {
        return false;
    };
    if linearized_length(head).is_some_and(|l| (bytes.len() as u64) < l) {
        return true;
    }
    match memchr::memmem::rfind(&bytes[start..], b"%%EOF") {
        None => true,
        Some(at) => holds_an_object(&bytes[start + at + 5..]),
    }
}

/// The file length (`/L`) a linearization dictionary in the file's first bytes declares.
fn linearized_length(head: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(head, b"/Linearized")?;
    let dict = &head[at..];
    let end = memchr::memmem::find(dict, b">>").unwrap_or(dict.len());
    let dict = &dict[..end];
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&dict[from..], b"/L") {
        let rest = &dict[from + i + 2..];
        let digits = rest.trim_ascii_start();
        if rest.len() > digits.len() || rest.first().is_some_and(u8::is_ascii_digit) {
            let n: Vec<u8> = digits
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            if !n.is_empty() {
                return std::str::from_utf8(&n).ok()?.parse().ok();
            }
        }
        from += i + 2;
    }
    None
}

/// Whether `bytes` hold the start of a PDF object (`12 0 obj`) or its end (`endobj`).
fn holds_an_object(bytes: &[u8]) -> bool {
    if memchr::memmem::find(bytes, b"endobj").is_some() {
        return true;
    }
    memchr::memmem::find_iter(bytes, b"obj").any(|at| {
        let before = bytes[..at].trim_ascii_end();
        if before.len() == at {
            return false;
        }
        let gen = before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
        let num_end = before[..gen].trim_ascii_end();
        gen < before.len() && num_end.len() < gen && num_end.last().is_some_and(u8::is_ascii_digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A one-page document; `None` for a part leaves a reference to a missing object.
    fn one_page(content: Option<Stream>, image: Option<Option<Stream>>) -> Document {
        let mut doc = Document::with_version("1.5");
        let pages = doc.new_object_id();
        let add = |doc: &mut Document, s: Option<Stream>| match s {
            Some(s) => Object::Reference(doc.add_object(s)),
            None => Object::Reference((999, 0)),
        };
        let content = add(&mut doc, content);
        let mut res = dictionary! {};
        if let Some(img) = image {
            let img = add(&mut doc, img);
            res.set("XObject", dictionary! { "Im0" => img });
        }
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content, "Resources" => res,
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", cat);
        doc
    }

    #[test]
    fn missing_or_undecodable_parts_make_a_page_incomplete() {
        let mut good = Stream::new(dictionary! {}, b"BT /F1 12 Tf (text) Tj ET\n".repeat(20));
        good.compress().expect("compress");
        assert!(
            good.dict.has(b"Filter"),
            "the test needs a compressed stream"
        );
        let mut cut = good.clone();
        cut.content.truncate(cut.content.len() / 2);
        let jpeg_cut = Stream::new(
            dictionary! { "Subtype" => "Image", "Filter" => "DCTDecode" },
            vec![0xFF, 0xD8, 0xFF, 0xDB, 0, 4, 0, 0],
        );
        let cases = [
            ("whole", one_page(Some(good.clone()), None), 0),
            ("content missing", one_page(None, None), 1),
            ("content cut", one_page(Some(cut), None), 1),
            ("image missing", one_page(Some(good.clone()), Some(None)), 1),
            ("image cut", one_page(Some(good), Some(Some(jpeg_cut))), 1),
        ];
        for (name, doc, want) in cases {
            assert_eq!(
                check(&doc),
                Completeness {
                    incomplete: want,
                    total: 1
                },
                "{name}"
            );
        }
    }

    #[test]
    fn a_file_that_stops_early_is_told_from_one_with_odd_endings() {
        let mut doc = one_page(
            Some(Stream::new(dictionary! {}, b"BT (text) Tj ET\n".to_vec())),
            None,
        );
        let mut whole = Vec::new();
        doc.save_to(&mut whole).expect("save");
        assert!(!ends_early(&whole), "whole");
        for cut in (1..10).map(|tenth| whole.len() * tenth / 10) {
            assert!(ends_early(&whole[..cut]), "cut at {cut} of {}", whole.len());
        }
        let mut padded = whole.clone();
        padded.extend_from_slice(&[0; 300]);
        padded.extend_from_slice(b"<html><body>502 Bad Gateway</body></html>\r\n");
        assert!(!ends_early(&padded), "padding and a web page after the end");
        let mut updated = whole.clone();
        updated.extend_from_slice(b"\n9 0 obj\n<< /Type /Annot >>\nendobj\n");
        assert!(ends_early(&updated), "an update without its own end marker");
        updated.extend_from_slice(
            b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< >>\nstartxref\n0\n%%EOF\n",
        );
        assert!(!ends_early(&updated), "a whole update");
        let linear = b"%PDF-1.7\n1 0 obj\n<< /Linearized 1 /L 90000 /O 3 /E 500 /N 2 /T 800 >>\nendobj\ntrailer\n<< >>\nstartxref\n0\n%%EOF\n";
        assert!(ends_early(linear), "a linearized file shorter than its /L");
        assert!(!ends_early(b"<!DOCTYPE html>"), "not a PDF at all");
    }
}
