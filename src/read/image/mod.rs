//! The picture readers: the bytes of a JPEG, PNG or TIFF turn into a checked picture
//! (its size, colour components, EXIF orientation, TIFF pages) or a [`Problem`] with the
//! fix. Beside them: jpeg (a JPEG's structure checked without decoding), convert
//! (pictures into PDF image objects and pages), gray (pictures in grey for a fax).

pub mod convert;
pub mod gray;
pub mod jpeg;

use crate::base::error::Problem;
use crate::read::reader::{Format, ImageInfo, Input, Probe, Reader, Readers};
use std::io::Cursor;

/// JPEG pictures.
pub struct JpegReader;
impl Reader for JpegReader {
    fn format(&self) -> Format {
        Format::Jpeg
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        bytes.starts_with(&[0xFF, 0xD8, 0xFF])
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        probe_jpeg(input.rel, input.bytes)
    }
}

/// PNG pictures.
pub struct PngReader;
impl Reader for PngReader {
    fn format(&self) -> Format {
        Format::Png
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        bytes.starts_with(b"\x89PNG\r\n\x1a\n")
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        probe_png(input.rel, input.bytes)
    }
}

/// TIFF pictures (faxes), one page per image.
pub struct TiffReader;
impl Reader for TiffReader {
    fn format(&self) -> Format {
        Format::Tiff
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*")
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        probe_tiff(input.rel, input.bytes)
    }
}

fn damaged_image(rel: &str, kind: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        rel,
        format!("damaged {kind} image that cannot be read ({detail})"),
        "copy or export the picture again from the phone or scanner",
    )
}

fn probe_jpeg(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    use crate::read::image::jpeg::{self, Verdict};
    use image::ImageDecoder;
    // The structure is checked byte by byte; only what it cannot judge is decoded.
    let decode = match jpeg::check(bytes) {
        Verdict::Damaged(why) => return Err(damaged_image(rel, "JPEG", why)),
        Verdict::Sound(_) => false,
        Verdict::Undecided(_) => true,
    };
    let (width, height, components, adobe) = crate::read::image::jpeg::jpeg_header(bytes)
        .ok_or_else(|| damaged_image(rel, "JPEG", "no frame header"))?;
    if width == 0 || height == 0 || !matches!(components, 1 | 3 | 4) {
        return Err(damaged_image(
            rel,
            "JPEG",
            "impossible size or colour format",
        ));
    }
    if u64::from(width) * u64::from(height) > crate::read::image::convert::MAX_PIXELS {
        return Err(damaged_image(
            rel,
            "JPEG",
            format!(
                "{width} × {height} pixels is larger than the {} megapixel limit",
                crate::read::image::convert::MAX_PIXELS / 1_000_000
            ),
        ));
    }
    if decode {
        // Decoded once, strictly, to find damage inside the picture data; the packet
        // still carries the file's own bytes.
        let opts = zune_jpeg::zune_core::options::DecoderOptions::default()
            .set_strict_mode(true)
            .set_max_width(width as usize)
            .set_max_height(height as usize);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
            zune_jpeg::zune_core::bytestream::ZCursor::new(bytes),
            opts,
        );
        if let Err(e) = decoder.decode() {
            return Err(damaged_image(
                rel,
                "JPEG",
                format!("the picture data is corrupt: {e}"),
            ));
        }
    }
    let orientation = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes))
        .and_then(|mut d| d.orientation())
        .map(|o| o.to_exif())
        .unwrap_or(1);
    Ok(Probe {
        format: Some(Format::Jpeg),
        pages: Some(1),
        image: Some(ImageInfo {
            width,
            height,
            components,
            orientation,
            adobe,
        }),
        ..Probe::default()
    })
}

fn probe_png(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .map_err(|e| damaged_image(rel, "PNG", e))?;
    Ok(Probe {
        format: Some(Format::Png),
        pages: Some(1),
        image: Some(ImageInfo {
            width: img.width(),
            height: img.height(),
            components: 0,
            orientation: 1,
            adobe: false,
        }),
        ..Probe::default()
    })
}

fn probe_tiff(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    // Every page is decoded to find damage, one at a time; only the count is kept.
    let mut first: Option<(u32, u32)> = None;
    let pages = crate::read::image::convert::tiff_each_page(bytes, &mut |r| {
        first.get_or_insert((r.width, r.height));
        Ok(())
    })
    .map_err(|e| damaged_image(rel, "TIFF", e))?;
    let (width, height) = first.ok_or_else(|| damaged_image(rel, "TIFF", "no pages"))?;
    Ok(Probe {
        format: Some(Format::Tiff),
        pages: Some(pages),
        image: Some(ImageInfo {
            width,
            height,
            components: 0,
            orientation: 1,
            adobe: false,
        }),
        ..Probe::default()
    })
}
