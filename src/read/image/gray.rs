//! Grey for fax: colour pictures — JPEG files, decoded PNG and TIFF pages, and the image
//! XObjects inside PDF records — turn into grey image XObjects, 1-bit where the picture
//! is a text scan sharp enough to stay legible, so a fax machine gets clean pages.

use crate::base::pdf::deflate;
use crate::base::pdf::Lookup;
use crate::read::image::convert::{Color, Raster};
use lopdf::{Dictionary, Document, Object, Stream};

/// A scan whose longer side has at least this many pixels keeps its text legible at one
/// bit per pixel (about 150 dots per inch on Letter paper).
const BILEVEL_MIN_LONG_SIDE: u32 = 1500;
/// Share of pixels that must be near black or near white for a picture to count as a
/// text scan rather than a photograph.
const TEXT_SCAN_SHARE: f64 = 0.92;
/// Largest decoded image (bytes) converted inside a PDF record.
const DECODE_LIMIT: usize = 256 * 1024 * 1024;

/// The luminance of RGB or CMYK samples (ITU-R BT.601 weights).
pub fn to_gray(color: Color, data: &[u8], pixels: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels);
    match color {
        Color::Gray => out.extend_from_slice(&data[..pixels.min(data.len())]),
        Color::Rgb => {
            for px in data.chunks_exact(3).take(pixels) {
                let y = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
                out.push((y / 1000) as u8);
            }
        }
        Color::Cmyk => {
            for px in data.chunks_exact(4).take(pixels) {
                let k = 255 - u32::from(px[3]);
                let ch = |c: u8| (255 - u32::from(c)) * k / 255;
                let y = 299 * ch(px[0]) + 587 * ch(px[1]) + 114 * ch(px[2]);
                out.push((y / 1000) as u8);
            }
        }
    }
    out
}

/// Otsu's threshold of a grey picture: the level that best splits dark from light.
fn otsu(hist: &[u64; 256], total: u64) -> u8 {
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut sum_b, mut w_b, mut best, mut best_t) = (0.0f64, 0u64, -1.0f64, 128u8);
    for (t, &n) in hist.iter().enumerate() {
        w_b += n;
        if w_b == 0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0 {
            break;
        }
        sum_b += t as f64 * n as f64;
        let m_b = sum_b / w_b as f64;
        let m_f = (sum - sum_b) / w_f as f64;
        let between = w_b as f64 * w_f as f64 * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// The 1-bit form of a grey picture (rows padded to bytes, 1 = white) when it is a text
/// scan large enough to stay legible; None for photographs and small pictures.
pub fn bilevel(width: u32, height: u32, gray: &[u8]) -> Option<Vec<u8>> {
    if width.max(height) < BILEVEL_MIN_LONG_SIDE {
        return None;
    }
    let total = u64::from(width) * u64::from(height);
    if gray.len() as u64 != total {
        return None;
    }
    let mut hist = [0u64; 256];
    for &v in gray {
        hist[usize::from(v)] += 1;
    }
    let extreme: u64 = hist[..80].iter().sum::<u64>() + hist[176..].iter().sum::<u64>();
    if (extreme as f64) < TEXT_SCAN_SHARE * total as f64 {
        return None;
    }
    let t = otsu(&hist, total);
    let row = (width as usize).div_ceil(8);
    let mut out = vec![0u8; row * height as usize];
    for (y, line) in gray.chunks_exact(width as usize).enumerate() {
        for (x, &v) in line.iter().enumerate() {
            if v > t {
                out[y * row + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    Some(out)
}

fn image_dict(width: u32, height: u32, bits: u8, filter: &str) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"XObject".to_vec()));
    d.set("Subtype", Object::Name(b"Image".to_vec()));
    d.set("Width", i64::from(width));
    d.set("Height", i64::from(height));
    d.set("ColorSpace", Object::Name(b"DeviceGray".to_vec()));
    d.set("BitsPerComponent", i64::from(bits));
    d.set("Filter", Object::Name(filter.as_bytes().to_vec()));
    d
}

/// Grey pixels as an image XObject: 1-bit for a legible text scan, else 8-bit grey —
/// JPEG-compressed when the source was a JPEG (a photograph stays small), else lossless.
pub fn gray_xobject(width: u32, height: u32, gray: &[u8], jpeg: bool) -> Stream {
    if let Some(bits) = bilevel(width, height, gray) {
        return Stream::new(image_dict(width, height, 1, "FlateDecode"), deflate(&bits));
    }
    if jpeg {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        if image::ImageEncoder::write_image(enc, gray, width, height, image::ExtendedColorType::L8)
            .is_ok()
        {
            return Stream::new(image_dict(width, height, 8, "DCTDecode"), out)
                .with_compression(false);
        }
    }
    Stream::new(image_dict(width, height, 8, "FlateDecode"), deflate(gray))
}

/// A decoded raster (PNG, TIFF page) in grey; a 1-bit page stays as it is.
pub fn gray_raster(r: &Raster) -> Stream {
    if r.bits == 1
        || (r.color == Color::Gray && r.bits == 8 && bilevel(r.width, r.height, &r.data).is_none())
    {
        return crate::read::image::convert::raster_xobject(r);
    }
    let pixels = r.width as usize * r.height as usize;
    let gray = to_gray(r.color, &r.data, pixels);
    gray_xobject(r.width, r.height, &gray, false)
}

/// A JPEG file's picture in grey.
pub fn gray_jpeg(bytes: &[u8]) -> Result<Stream, String> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map_err(|e| e.to_string())?;
    let luma = img.to_luma8();
    let (w, h) = (luma.width(), luma.height());
    Ok(gray_xobject(w, h, luma.as_raw(), true))
}

/// Follows a reference (a few hops) to the object itself.
fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..8 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// The colour model of an image's /ColorSpace, when it is one this module converts.
fn color_of(doc: &Document, cs: &Object) -> Option<Color> {
    match resolve(doc, cs)? {
        Object::Name(n) => match n.as_slice() {
            b"DeviceRGB" | b"CalRGB" => Some(Color::Rgb),
            b"DeviceCMYK" => Some(Color::Cmyk),
            b"DeviceGray" | b"CalGray" => Some(Color::Gray),
            _ => None,
        },
        Object::Array(a) => {
            let family = a.first().and_then(|f| f.as_name().ok())?;
            match family {
                b"ICCBased" => {
                    let s = resolve(doc, a.get(1)?)?.as_stream().ok()?;
                    match s.dict.lookup(b"N")?.as_i64().ok()? {
                        1 => Some(Color::Gray),
                        3 => Some(Color::Rgb),
                        4 => Some(Color::Cmyk),
                        _ => None,
                    }
                }
                b"CalRGB" => Some(Color::Rgb),
                b"CalGray" => Some(Color::Gray),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An image XObject of a PDF record in grey, or None when it already is grey or is in a
/// form this module leaves as it is (masks, indexed colours, JPEG 2000, CCITT, JBIG2,
/// explicit /Decode arrays). The dictionary's other entries (a soft mask…) are kept.
pub fn gray_pdf_image(doc: &Document, s: &Stream) -> Option<Stream> {
    let d = &s.dict;
    if d.lookup(b"Subtype")?.as_name().ok()? != b"Image"
        || d.lookup(b"ImageMask")
            .and_then(|v| v.as_bool().ok())
            .unwrap_or(false)
        || d.has(b"Decode")
    {
        return None;
    }
    let color = color_of(doc, d.lookup(b"ColorSpace")?)?;
    if color == Color::Gray {
        return None;
    }
    let int = |k: &[u8]| {
        d.lookup(k)
            .and_then(|v| resolve(doc, v))
            .and_then(|v| v.as_i64().ok())
    };
    let (w, h) = (
        u32::try_from(int(b"Width")?).ok()?,
        u32::try_from(int(b"Height")?).ok()?,
    );
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > crate::read::image::convert::MAX_PIXELS {
        return None;
    }
    if int(b"BitsPerComponent") != Some(8) {
        return None;
    }
    let filters: Vec<Vec<u8>> = match d.lookup(b"Filter").and_then(|f| resolve(doc, f)) {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|f| f.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        Some(_) => return None,
    };
    let pixels = w as usize * h as usize;
    let (gray, jpeg) = match filters.as_slice() {
        [f] if f.as_slice() == b"DCTDecode" => {
            let img =
                image::load_from_memory_with_format(&s.content, image::ImageFormat::Jpeg).ok()?;
            let luma = img.to_luma8();
            if luma.width() != w || luma.height() != h {
                return None;
            }
            (luma.into_raw(), true)
        }
        [] => (to_gray(color, &s.content, pixels), false),
        [f] if f.as_slice() == b"FlateDecode" => {
            let raw = s.decompressed_content_with_limit(DECODE_LIMIT).ok()?;
            (to_gray(color, &raw, pixels), false)
        }
        _ => return None,
    };
    if gray.len() != pixels {
        return None;
    }
    let new = gray_xobject(w, h, &gray, jpeg);
    let mut dict = d.clone();
    for k in [
        &b"ColorSpace"[..],
        b"BitsPerComponent",
        b"Filter",
        b"DecodeParms",
        b"Length",
    ] {
        dict.remove(k);
    }
    for (k, v) in new.dict.iter() {
        dict.set(k.clone(), v.clone());
    }
    Some(Stream::new(dict, new.content).with_compression(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_scans_become_one_bit_and_photos_stay_grey() {
        // A large page of black strokes on white: a text scan.
        let (w, h) = (1600u32, 2000u32);
        let mut page = vec![250u8; (w * h) as usize];
        for y in (100..1900).step_by(40) {
            for x in 100..1500 {
                page[(y * w + x) as usize] = 10;
            }
        }
        let bits = bilevel(w, h, &page).expect("a text scan is bilevel");
        assert_eq!(bits.len(), (w as usize).div_ceil(8) * h as usize);
        // White stays white (1), black stays black (0).
        assert_eq!(bits[0] & 0x80, 0x80);
        let row = (w as usize).div_ceil(8);
        assert_eq!(bits[100 * row + 100 / 8] & (0x80 >> (100 % 8)), 0);
        // A smooth gradient (a photograph) is not.
        let photo: Vec<u8> = (0..w * h).map(|i| (i % 256) as u8).collect();
        assert!(bilevel(w, h, &photo).is_none());
        // Too small to stay legible at one bit.
        assert!(bilevel(200, 300, &vec![255u8; 200 * 300]).is_none());
    }

    #[test]
    fn colours_turn_into_their_luminance() {
        assert_eq!(
            to_gray(Color::Rgb, &[255, 255, 255, 0, 0, 0], 2),
            vec![255, 0]
        );
        assert_eq!(to_gray(Color::Rgb, &[255, 0, 0], 1), vec![76]);
        assert_eq!(
            to_gray(Color::Cmyk, &[0, 0, 0, 0, 0, 0, 0, 255], 2),
            vec![255, 0]
        );
    }
}
