//! Images: JPEG, PNG and TIFF sources turn into PDF image XObjects (JPEG bytes passed
//! through untouched, others decoded and stored losslessly) and the placement that fits
//! them on a page with margins, upright as their EXIF orientation says.

use crate::base::pdf::{deflate, num};
use crate::read::reader::ImageInfo;
use lopdf::{Dictionary, Object, Stream};
use std::io::Cursor;

/// Refuse images with more pixels than this (a 100-megapixel scan is already absurd).
pub const MAX_PIXELS: u64 = 100_000_000;

/// Colour model of decoded pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Gray,
    Rgb,
    Cmyk,
}

/// Decoded pixels, 8 bits per component, or 1 bit for bilevel gray (rows padded to bytes).
#[derive(Debug, Clone)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub color: Color,
    pub bits: u8,
    pub data: Vec<u8>,
}

fn check_pixels(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err("zero-sized image".into());
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "{w} × {h} pixels is larger than the {} megapixel limit",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// Decodes every page of a TIFF (a multi-page fax has one page per image directory).
/// Holds all pages at once: for small images and tests; see [`tiff_each_page`].
pub fn tiff_pages(bytes: &[u8]) -> Result<Vec<Raster>, String> {
    let mut pages = Vec::new();
    tiff_each_page(bytes, &mut |r| {
        pages.push(r);
        Ok(())
    })?;
    Ok(pages)
}

/// Decodes the pages of a TIFF one at a time, handing each to `each` before the next
/// is decoded, so memory holds one page however many the fax has. Returns the count.
pub fn tiff_each_page(
    bytes: &[u8],
    each: &mut dyn FnMut(Raster) -> Result<(), String>,
) -> Result<u32, String> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::ColorType;
    let mut dec = Decoder::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut count = 0u32;
    loop {
        let (w, h) = dec.dimensions().map_err(|e| e.to_string())?;
        check_pixels(w, h)?;
        let ct = dec.colortype().map_err(|e| e.to_string())?;
        let data = dec.read_image().map_err(|e| e.to_string())?;
        let to8 = |v: Vec<u16>| v.into_iter().map(|x| (x >> 8) as u8).collect::<Vec<u8>>();
        let (color, bits, channels, data) = match (ct, data) {
            (ColorType::Gray(1), DecodingResult::U8(d)) => (Color::Gray, 1, 1, d),
            (ColorType::Gray(8), DecodingResult::U8(d)) => (Color::Gray, 8, 1, d),
            (ColorType::Gray(16), DecodingResult::U16(d)) => (Color::Gray, 8, 1, to8(d)),
            (ColorType::GrayA(8), DecodingResult::U8(d)) => (Color::Gray, 8, 2, d),
            (ColorType::RGB(8), DecodingResult::U8(d)) => (Color::Rgb, 8, 3, d),
            (ColorType::RGB(16), DecodingResult::U16(d)) => (Color::Rgb, 8, 3, to8(d)),
            (ColorType::RGBA(8), DecodingResult::U8(d)) => (Color::Rgb, 8, 4, d),
            (ColorType::RGBA(16), DecodingResult::U16(d)) => (Color::Rgb, 8, 4, to8(d)),
            (ColorType::CMYK(8), DecodingResult::U8(d)) => (Color::Cmyk, 8, 4, d),
            (other, _) => return Err(format!("unsupported TIFF colour format {other:?}")),
        };
        let data = match (color, channels) {
            (Color::Gray, 2) => flatten_alpha(&data, 1),
            (Color::Rgb, 4) => flatten_alpha(&data, 3),
            _ => data,
        };
        let row = if bits == 1 {
            (w as usize).div_ceil(8)
        } else {
            w as usize * components(color)
        };
        if data.len() < row * h as usize {
            return Err("image data is shorter than its size says".into());
        }
        each(Raster {
            width: w,
            height: h,
            color,
            bits,
            data,
        })?;
        count += 1;
        if !dec.more_images() {
            break;
        }
        dec.next_image().map_err(|e| e.to_string())?;
    }
    Ok(count)
}

fn components(c: Color) -> usize {
    match c {
        Color::Gray => 1,
        Color::Rgb => 3,
        Color::Cmyk => 4,
    }
}

/// Composites pixels with an alpha channel onto white.
fn flatten_alpha(data: &[u8], color_channels: usize) -> Vec<u8> {
    let stride = color_channels + 1;
    let mut out = Vec::with_capacity(data.len() / stride * color_channels);
    for px in data.chunks_exact(stride) {
        let a = u16::from(px[color_channels]);
        for &c in &px[..color_channels] {
            out.push(((u16::from(c) * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    out
}

/// Decodes a PNG into gray or RGB pixels on white.
pub fn png_raster(bytes: &[u8]) -> Result<Raster, String> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    let (w, h) = (img.width(), img.height());
    check_pixels(w, h)?;
    let color = img.color();
    let (c, data) = if color.has_color() {
        let rgba = img.to_rgba8();
        (Color::Rgb, flatten_alpha(rgba.as_raw(), 3))
    } else {
        let la = img.to_luma_alpha8();
        (Color::Gray, flatten_alpha(la.as_raw(), 1))
    };
    Ok(Raster {
        width: w,
        height: h,
        color: c,
        bits: 8,
        data,
    })
}

fn color_name(c: Color) -> &'static str {
    match c {
        Color::Gray => "DeviceGray",
        Color::Rgb => "DeviceRGB",
        Color::Cmyk => "DeviceCMYK",
    }
}

/// The dictionary of an image XObject.
fn image_dict(width: u32, height: u32, color: Color, bits: u8, filter: &str) -> Dictionary {
    let name = |n: &str| Object::Name(n.as_bytes().to_vec());
    let mut dict = Dictionary::new();
    dict.set("Type", name("XObject"));
    dict.set("Subtype", name("Image"));
    dict.set("Width", i64::from(width));
    dict.set("Height", i64::from(height));
    dict.set("ColorSpace", name(color_name(color)));
    dict.set("BitsPerComponent", i64::from(bits));
    dict.set("Filter", name(filter));
    dict
}

/// An image XObject holding decoded pixels, Flate-compressed (lossless).
pub fn raster_xobject(r: &Raster) -> Stream {
    let dict = image_dict(r.width, r.height, r.color, r.bits, "FlateDecode");
    Stream::new(dict, deflate(&r.data))
}

/// An image XObject that carries a JPEG file's bytes unchanged (DCTDecode).
pub fn jpeg_xobject(bytes: Vec<u8>, info: &ImageInfo) -> Stream {
    let color = match info.components {
        1 => Color::Gray,
        4 => Color::Cmyk,
        _ => Color::Rgb,
    };
    let mut dict = image_dict(info.width, info.height, color, 8, "DCTDecode");
    if color == Color::Cmyk && info.adobe {
        // Adobe writes CMYK JPEGs inverted.
        dict.set(
            "Decode",
            Object::Array(
                [1, 0, 1, 0, 1, 0, 1, 0]
                    .iter()
                    .map(|&v| Object::Integer(v))
                    .collect(),
            ),
        );
    }
    Stream::new(dict, bytes).with_compression(false)
}

/// The page size for an image: the paper, turned to landscape for wide images.
pub fn page_for(paper: (f32, f32), shown_w: u32, shown_h: u32) -> (f32, f32) {
    let (pw, ph) = paper;
    if shown_w > shown_h {
        (ph, pw)
    } else {
        (pw, ph)
    }
}

/// The width and height an image shows at once its EXIF orientation is applied.
pub fn shown_size(w: u32, h: u32, orientation: u8) -> (u32, u32) {
    if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    }
}

/// Where an image of `shown` size goes on a page: scaled to fit inside `margin`, centred,
/// aspect kept. Returns x, y (bottom-left), width and height in points.
pub fn fit(page: (f32, f32), shown: (u32, u32), margin: f32) -> [f32; 4] {
    let (pw, ph) = page;
    let (sw, sh) = (shown.0.max(1) as f32, shown.1.max(1) as f32);
    let avail_w = (pw - 2.0 * margin).max(1.0);
    let avail_h = (ph - 2.0 * margin).max(1.0);
    let scale = (avail_w / sw).min(avail_h / sh);
    let (dw, dh) = (sw * scale, sh * scale);
    [(pw - dw) / 2.0, (ph - dh) / 2.0, dw, dh]
}

/// The EXIF orientation that shows an image turned `degrees` clockwise.
pub fn orientation_for_turn(degrees: u16) -> u8 {
    match degrees % 360 {
        90 => 6,
        180 => 3,
        270 => 8,
        _ => 1,
    }
}

/// Content stream that draws XObject `/name` scaled to fit the page inside `margin`,
/// centred, aspect kept, and turned upright per its EXIF `orientation`.
pub fn placement(
    page: (f32, f32),
    shown: (u32, u32),
    orientation: u8,
    margin: f32,
    name: &str,
) -> Vec<u8> {
    let [x, y, dw, dh] = fit(page, shown, margin);
    // Matrices mapping the image's unit square onto the display rectangle (x, y, dw, dh).
    let m: [f32; 6] = match orientation {
        2 => [-dw, 0.0, 0.0, dh, x + dw, y],
        3 => [-dw, 0.0, 0.0, -dh, x + dw, y + dh],
        4 => [dw, 0.0, 0.0, -dh, x, y + dh],
        5 => [0.0, -dh, -dw, 0.0, x + dw, y + dh],
        6 => [0.0, -dh, dw, 0.0, x, y + dh],
        7 => [0.0, dh, dw, 0.0, x, y],
        8 => [0.0, dh, -dw, 0.0, x + dw, y],
        _ => [dw, 0.0, 0.0, dh, x, y],
    };
    format!(
        "q {} {} {} {} {} {} cm /{name} Do Q\n",
        num(m[0]),
        num(m[1]),
        num(m[2]),
        num(m[3]),
        num(m[4]),
        num(m[5])
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_keeps_aspect_and_margins() {
        // a 1000 x 500 image on a landscape letter page
        let page = page_for((612.0, 792.0), 1000, 500);
        assert_eq!(page, (792.0, 612.0));
        let s = String::from_utf8(placement(page, (1000, 500), 1, 36.0, "Im0")).expect("utf8");
        // scale = min(720/1000, 540/500) = 0.72 -> 720 x 360, centred
        assert_eq!(s, "q 720 0 0 360 36 126 cm /Im0 Do Q\n");
    }

    #[test]
    fn exif_rotation_swaps_the_shown_size() {
        assert_eq!(shown_size(400, 300, 6), (300, 400));
        assert_eq!(shown_size(400, 300, 3), (400, 300));
        let s =
            String::from_utf8(placement((612.0, 792.0), (300, 400), 6, 36.0, "I")).expect("utf8");
        assert!(s.starts_with("q 0 -"), "{s}");
    }

    #[test]
    fn numbers_are_short_and_plain() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(12345.678), "12345.678");
    }

    #[test]
    fn jpeg_header_reads_size_and_components() {
        let mut img = image::RgbImage::new(37, 21);
        img.put_pixel(3, 3, image::Rgb([200, 10, 10]));
        let mut buf = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 80)
            .encode_image(&img)
            .expect("encode");
        assert_eq!(
            crate::read::image::jpeg::jpeg_header(&buf),
            Some((37, 21, 3, false))
        );
        assert_eq!(crate::read::image::jpeg::jpeg_header(&buf[..20]), None);
    }

    #[test]
    fn alpha_is_composited_on_white() {
        assert_eq!(flatten_alpha(&[0, 0, 0, 0], 3), vec![255, 255, 255]);
        assert_eq!(flatten_alpha(&[10, 20, 30, 255], 3), vec![10, 20, 30]);
    }
}
