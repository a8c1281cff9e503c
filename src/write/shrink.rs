//! Shrink: the pictures on a written packet's scanned pages turn into smaller ones that
//! read the same — resampled to 200 pixels per inch where they are drawn finer, grey where
//! they hold no colour, one bit per pixel where they are text scans sharp enough for that
//! (the fax's judgement, `read::gray::bilevel`). Pages made of text and drawings (born
//! digital, or generated) are never touched, nor any picture they share.

use crate::base::pdf::Lookup;
use crate::plan::{Body, Plan};
use crate::read::gray;
use crate::read::scan::Inventory;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Pictures are kept at this many pixels per inch of the page they are drawn on.
pub const TARGET_PPI: f32 = 200.0;
/// A picture within this share of the target is left at its size.
const SLACK: f32 = 1.05;
/// A pixel whose colour channels differ by more than this counts as coloured.
const COLOUR_SPREAD: u8 = 24;
/// Share of coloured pixels below which a picture counts as colourless.
const COLOURLESS_SHARE: f64 = 0.002;
/// Largest decoded picture (bytes) that is resampled.
const DECODE_LIMIT: usize = 256 * 1024 * 1024;
/// JPEG quality of re-encoded photographs.
const JPEG_QUALITY: u8 = 85;

/// What shrinking did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shrunk {
    /// Pictures replaced by smaller ones.
    pub pictures: usize,
    /// Their bytes before and after.
    pub before: u64,
    pub after: u64,
}

/// The packet pages (1-based) that show scans: every page of a picture file, and the PDF
/// pages the scan found without a text layer.
pub fn scanned_pages(plan: &Plan, inv: &Inventory) -> HashSet<u32> {
    let mut out = HashSet::new();
    for item in &plan.items {
        match item.body {
            Body::Jpeg | Body::Png | Body::Tiff => {
                out.extend(item.first_page..=item.last_page);
            }
            Body::Pdf => {
                if let Some(f) = inv.files.get(item.file) {
                    out.extend(
                        f.scanned
                            .iter()
                            .filter(|&&p| p >= 1 && p <= item.source_pages)
                            .map(|p| item.first_page + p - 1),
                    );
                }
            }
            Body::Text(_) | Body::Cda(_) => {}
        }
    }
    out
}

/// Replaces the pictures of the scanned pages (`scanned`, packet pages; `pages[i]` is
/// packet page i + 1) by smaller ones where that costs no legibility.
pub fn shrink(doc: &mut Document, pages: &[ObjectId], scanned: &HashSet<u32>) -> Shrunk {
    // Pictures a page of text and drawings uses stay as they are.
    let mut keep: HashSet<ObjectId> = HashSet::new();
    // The largest size (points, along the picture's width and height) each picture of a
    // scanned page is drawn at.
    let mut drawn: HashMap<ObjectId, (f32, f32)> = HashMap::new();
    for (i, &pid) in pages.iter().enumerate() {
        let names = xobject_names(doc, pid);
        if !scanned.contains(&(i as u32 + 1)) {
            keep.extend(names.values());
            continue;
        }
        for (id, size) in draws(doc, pid, &names) {
            let e = drawn.entry(id).or_insert((0.0, 0.0));
            e.0 = e.0.max(size.0);
            e.1 = e.1.max(size.1);
        }
    }
    let work: Vec<(ObjectId, (f32, f32))> = drawn
        .into_iter()
        .filter(|(id, _)| !keep.contains(id))
        .collect();
    let doc_ref: &Document = doc;
    let mut replaced: Vec<(ObjectId, Stream, u64)> = work
        .par_iter()
        .filter_map(|&(id, size)| {
            let s = doc_ref.get_object(id).ok()?.as_stream().ok()?;
            let new = reencode(doc_ref, s, size)?;
            Some((id, new, s.content.len() as u64))
        })
        .collect();
    replaced.sort_by_key(|r| r.0);
    let mut out = Shrunk::default();
    for (id, new, before) in replaced {
        out.pictures += 1;
        out.before += before;
        out.after += new.content.len() as u64;
        doc.objects.insert(id, Object::Stream(new));
    }
    out
}

/// Follows references (a few hops) to the object itself.
fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..8 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// The page's XObject resources: name → object.
fn xobject_names(doc: &Document, pid: ObjectId) -> HashMap<Vec<u8>, ObjectId> {
    let mut out = HashMap::new();
    let Ok(page) = doc.get_dictionary(pid) else {
        return out;
    };
    let xobjects = page
        .lookup(b"Resources")
        .and_then(|r| resolve(doc, r))
        .and_then(|r| r.as_dict().ok())
        .and_then(|r| r.lookup(b"XObject"))
        .and_then(|x| resolve(doc, x))
        .and_then(|x| x.as_dict().ok());
    if let Some(x) = xobjects {
        for (name, v) in x.iter() {
            if let Object::Reference(id) = v {
                out.insert(name.clone(), *id);
            }
        }
    }
    out
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// Every image the page's content draws directly, with the length (points) of the image's
/// width and height on the page.
fn draws(
    doc: &Document,
    pid: ObjectId,
    names: &HashMap<Vec<u8>, ObjectId>,
) -> Vec<(ObjectId, (f32, f32))> {
    let mut out = Vec::new();
    let content = doc.get_page_content(pid);
    let Ok(ops) = lopdf::content::Content::decode(&content) else {
        return out;
    };
    let mut ctm = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut stack = Vec::new();
    for op in ops.operations {
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
            "cm" => {
                let m: Vec<f32> = op.operands.iter().filter_map(number).collect();
                if let [a, b, c, d, e, f] = m[..] {
                    ctm = crate::write::fax::then([a, b, c, d, e, f], ctm);
                }
            }
            "Do" => {
                let Some(Ok(name)) = op.operands.first().map(|n| n.as_name()) else {
                    continue;
                };
                let Some(&id) = names.get(name) else { continue };
                let is_image = doc
                    .get_object(id)
                    .ok()
                    .and_then(|o| o.as_stream().ok())
                    .and_then(|s| s.dict.lookup(b"Subtype"))
                    .and_then(|s| s.as_name().ok())
                    == Some(b"Image");
                if is_image {
                    let w = ctm[0].hypot(ctm[1]);
                    let h = ctm[2].hypot(ctm[3]);
                    out.push((id, (w, h)));
                }
            }
            _ => {}
        }
    }
    out
}

/// A picture's pixels, when it is in a form this module re-encodes: 8-bit grey or RGB,
/// stored as JPEG, deflated or raw, with no mask, decode array or predictor.
fn decode(doc: &Document, s: &Stream) -> Option<(image::DynamicImage, bool)> {
    let d = &s.dict;
    let flag = |k: &[u8]| d.lookup(k).and_then(|v| v.as_bool().ok()).unwrap_or(false);
    if flag(b"ImageMask")
        || d.has(b"Decode")
        || d.has(b"SMask")
        || d.has(b"Mask")
        || d.has(b"DecodeParms")
    {
        return None;
    }
    let int = |k: &[u8]| {
        d.lookup(k)
            .and_then(|v| resolve(doc, v))
            .and_then(|v| v.as_i64().ok())
    };
    if int(b"BitsPerComponent") != Some(8) {
        return None;
    }
    let (w, h) = (
        u32::try_from(int(b"Width")?).ok()?,
        u32::try_from(int(b"Height")?).ok()?,
    );
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > crate::read::images::MAX_PIXELS {
        return None;
    }
    let channels = match resolve(doc, d.lookup(b"ColorSpace")?)? {
        Object::Name(n) if n.as_slice() == b"DeviceRGB" => 3,
        Object::Name(n) if n.as_slice() == b"DeviceGray" => 1,
        Object::Array(a) if a.first().and_then(|f| f.as_name().ok()) == Some(b"ICCBased") => {
            let icc = resolve(doc, a.get(1)?)?.as_stream().ok()?;
            match icc.dict.lookup(b"N")?.as_i64().ok()? {
                1 => 1,
                3 => 3,
                _ => return None,
            }
        }
        _ => return None,
    };
    let filters: Vec<&[u8]> = match d.lookup(b"Filter").and_then(|f| resolve(doc, f)) {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(|f| f.as_name().ok()).collect(),
        Some(_) => return None,
    };
    let (img, jpeg) = match filters.as_slice() {
        [b"DCTDecode"] => {
            let img =
                image::load_from_memory_with_format(&s.content, image::ImageFormat::Jpeg).ok()?;
            (img, true)
        }
        [] | [b"FlateDecode"] => {
            let raw = if filters.is_empty() {
                s.content.clone()
            } else {
                s.decompressed_content_with_limit(DECODE_LIMIT).ok()?
            };
            let want = w as usize * h as usize * channels;
            if raw.len() < want {
                return None;
            }
            let raw = raw[..want].to_vec();
            let img = if channels == 1 {
                image::DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, raw)?)
            } else {
                image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, raw)?)
            };
            (img, false)
        }
        _ => return None,
    };
    (img.width() == w && img.height() == h).then_some((img, jpeg))
}

/// True when hardly any pixel of the picture has colour.
fn colourless(img: &image::DynamicImage) -> bool {
    let image::DynamicImage::ImageRgb8(rgb) = img else {
        return !img.color().has_color();
    };
    let total = u64::from(rgb.width()) * u64::from(rgb.height());
    let coloured = rgb
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0;
            r.max(g).max(b) - r.min(g).min(b) > COLOUR_SPREAD
        })
        .count() as u64;
    (coloured as f64) < COLOURLESS_SHARE * total as f64
}

/// The smaller picture for `s`, drawn at `drawn` points, or None when it would not be
/// smaller (or is in a form this module leaves alone).
fn reencode(doc: &Document, s: &Stream, drawn: (f32, f32)) -> Option<Stream> {
    let (img, jpeg) = decode(doc, s)?;
    let (w, h) = (img.width(), img.height());
    // Pixels per inch along each side, as drawn; the finer side decides the scale so that
    // neither side falls below the target.
    let ppi = |px: u32, pts: f32| px as f32 * 72.0 / pts.max(1.0);
    let (px, py) = (ppi(w, drawn.0), ppi(h, drawn.1));
    let scale = (TARGET_PPI / px).max(TARGET_PPI / py);
    let img = if scale * SLACK < 1.0 {
        let nw = ((w as f32 * scale).round() as u32).max(1);
        let nh = ((h as f32 * scale).round() as u32).max(1);
        // Area averaging: every source pixel counts, so fine strokes do not drop out.
        img.thumbnail_exact(nw, nh)
    } else {
        img
    };
    let (nw, nh) = (img.width(), img.height());
    let new = if colourless(&img) {
        let luma = img.to_luma8();
        gray::gray_xobject(nw, nh, luma.as_raw(), jpeg)
    } else {
        let rgb = img.to_rgb8();
        colour_xobject(nw, nh, rgb.as_raw(), jpeg)?
    };
    if new.content.len() as f64 > s.content.len() as f64 * 0.95 {
        return None;
    }
    let mut dict: Dictionary = s.dict.clone();
    for k in [
        &b"ColorSpace"[..],
        b"BitsPerComponent",
        b"Filter",
        b"DecodeParms",
        b"Length",
        b"Width",
        b"Height",
    ] {
        dict.remove(k);
    }
    for (k, v) in new.dict.iter() {
        dict.set(k.clone(), v.clone());
    }
    Some(Stream::new(dict, new.content).with_compression(false))
}

/// RGB pixels as an image XObject: JPEG for a photograph that was one, else deflated.
fn colour_xobject(w: u32, h: u32, rgb: &[u8], jpeg: bool) -> Option<Stream> {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"XObject".to_vec()));
    d.set("Subtype", Object::Name(b"Image".to_vec()));
    d.set("Width", i64::from(w));
    d.set("Height", i64::from(h));
    d.set("ColorSpace", Object::Name(b"DeviceRGB".to_vec()));
    d.set("BitsPerComponent", 8);
    if jpeg {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
        image::ImageEncoder::write_image(enc, rgb, w, h, image::ExtendedColorType::Rgb8).ok()?;
        d.set("Filter", Object::Name(b"DCTDecode".to_vec()));
        Some(Stream::new(d, out).with_compression(false))
    } else {
        d.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        Some(Stream::new(d, crate::base::pdf::deflate(rgb)).with_compression(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(w: u32, h: u32, colour: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let v = ((x * 7 + y * 3) % 200 + 20) as u8;
            if colour {
                image::Rgb([v, 255 - v, (x % 256) as u8])
            } else {
                image::Rgb([v, v, v])
            }
        });
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
        image::ImageEncoder::write_image(enc, img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    fn jpeg_stream(bytes: Vec<u8>, w: u32, h: u32) -> Stream {
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"XObject".to_vec()));
        d.set("Subtype", Object::Name(b"Image".to_vec()));
        d.set("Width", i64::from(w));
        d.set("Height", i64::from(h));
        d.set("ColorSpace", Object::Name(b"DeviceRGB".to_vec()));
        d.set("BitsPerComponent", 8);
        d.set("Filter", Object::Name(b"DCTDecode".to_vec()));
        Stream::new(d, bytes).with_compression(false)
    }

    #[test]
    fn a_fine_colour_photo_is_resampled_to_200_ppi_and_keeps_its_colour() {
        let doc = Document::new();
        // 1800 px across 432 pt (6 in): 300 ppi.
        let s = jpeg_stream(photo(1800, 1200, true), 1800, 1200);
        let new = reencode(&doc, &s, (432.0, 288.0)).expect("smaller");
        assert_eq!(
            new.dict.lookup(b"Width").and_then(|v| v.as_i64().ok()),
            Some(1200)
        );
        assert_eq!(
            new.dict.lookup(b"Height").and_then(|v| v.as_i64().ok()),
            Some(800)
        );
        assert_eq!(
            new.dict
                .lookup(b"ColorSpace")
                .and_then(|v| v.as_name().ok()),
            Some(&b"DeviceRGB"[..])
        );
    }

    #[test]
    fn a_colourless_photo_turns_grey_and_a_coarse_one_keeps_its_pixels() {
        let doc = Document::new();
        let s = jpeg_stream(photo(900, 600, false), 900, 600);
        // 900 px across 432 pt: 150 ppi, below the target: same pixels, but grey.
        let new = reencode(&doc, &s, (432.0, 288.0)).expect("grey is smaller");
        assert_eq!(
            new.dict.lookup(b"Width").and_then(|v| v.as_i64().ok()),
            Some(900)
        );
        assert_eq!(
            new.dict
                .lookup(b"ColorSpace")
                .and_then(|v| v.as_name().ok()),
            Some(&b"DeviceGray"[..])
        );
    }

    #[test]
    fn a_masked_picture_is_left_alone() {
        let doc = Document::new();
        let mut s = jpeg_stream(photo(1800, 1200, true), 1800, 1200);
        s.dict.set("SMask", Object::Reference((9, 0)));
        assert!(reencode(&doc, &s, (432.0, 288.0)).is_none());
    }
}
