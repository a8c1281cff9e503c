//! Scanned pages: which pages of a source have no text layer, and each such page turned
//! into an image file the engine can read (the image file itself, one page of a TIFF, or
//! a PDF page rendered by poppler's `pdftoppm`).

use crate::read::image::convert::{self as images, Color, Raster};
use crate::read::reader::Format;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Resolution at which PDF pages are rendered for the engine.
pub const RENDER_DPI: u32 = 300;
/// Time rendering one PDF page may take.
const RENDER_TIMEOUT: Duration = Duration::from_secs(120);

/// One page image ready for the engine.
pub struct PageImage {
    pub path: PathBuf,
    /// Resolution, when medpacket rendered the page (image files carry their own).
    pub dpi: Option<u32>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Writes a decoded page as a PNM file (PBM for bilevel pages, PGM for gray, PPM for
/// colour), which the engine reads without a decoder of its own.
pub fn write_pnm(r: &Raster, path: &Path) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (w, h) = (r.width as usize, r.height as usize);
    match (r.color, r.bits) {
        (Color::Gray, 1) => {
            // PDF's 1-bit gray has 1 for white; PBM has 1 for black.
            write!(f, "P4\n{w} {h}\n")?;
            let row = w.div_ceil(8);
            let inverted: Vec<u8> = r.data.iter().take(row * h).map(|b| !b).collect();
            f.write_all(&inverted)?;
        }
        (Color::Gray, _) => {
            write!(f, "P5\n{w} {h}\n255\n")?;
            f.write_all(r.data.get(..w * h).unwrap_or(&r.data))?;
        }
        (Color::Rgb, _) => {
            write!(f, "P6\n{w} {h}\n255\n")?;
            f.write_all(r.data.get(..w * h * 3).unwrap_or(&r.data))?;
        }
        (Color::Cmyk, _) => {
            write!(f, "P6\n{w} {h}\n255\n")?;
            let rgb: Vec<u8> = r
                .data
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
                })
                .collect();
            f.write_all(&rgb)?;
        }
    }
    f.flush()
}

/// Writes the pages of a TIFF that are to be read into `work`, one PNM file each.
/// `wanted` holds 1-based page numbers.
pub fn tiff_pages(
    bytes: &[u8],
    wanted: &[u32],
    work: &Path,
) -> Result<Vec<(u32, PageImage)>, String> {
    let mut out = Vec::new();
    let mut n = 0u32;
    images::tiff_each_page(bytes, &mut |r| {
        n += 1;
        if wanted.contains(&n) {
            let path = work.join(format!("page-{n}.pnm"));
            write_pnm(&r, &path).map_err(|e| format!("cannot write a page image ({e})"))?;
            out.push((
                n,
                PageImage {
                    path,
                    dpi: None,
                    size: (r.width, r.height),
                },
            ));
        }
        Ok(())
    })?;
    Ok(out)
}

/// Renders page `page` (1-based) of the PDF at `pdf` into `work` with poppler's
/// `pdftoppm`, as the page is displayed (crop box and /Rotate applied), in gray.
pub fn render_pdf_page(
    pdftoppm: &Path,
    pdf: &Path,
    page: u32,
    work: &Path,
) -> Result<PageImage, String> {
    let base = work.join(format!("render-{page}"));
    let n = page.to_string();
    let mut cmd = std::process::Command::new(pdftoppm);
    cmd.args([
        "-r",
        &RENDER_DPI.to_string(),
        "-gray",
        "-f",
        &n,
        "-l",
        &n,
        "-singlefile",
    ])
    .arg(pdf)
    .arg(&base)
    .stdout(std::process::Stdio::null());
    let log = work.join(format!("render-{page}.log"));
    let status = super::engine::run_with_timeout(&mut cmd, &log, RENDER_TIMEOUT)
        .map_err(|e| format!("pdftoppm: {e}"))?;
    let path = base.with_extension("pgm");
    if !status.success() || !path.is_file() {
        let detail = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!(
            "pdftoppm could not render it ({status}{})",
            detail
                .lines()
                .next()
                .map(|l| format!(": {}", l.trim()))
                .unwrap_or_default()
        ));
    }
    let size = pnm_size(&path).ok_or_else(|| "pdftoppm wrote an unreadable image".to_string())?;
    Ok(PageImage {
        path,
        dpi: Some(RENDER_DPI),
        size,
    })
}

/// Width and height from a PNM header.
fn pnm_size(path: &Path) -> Option<(u32, u32)> {
    use std::io::Read;
    let mut head = [0u8; 64];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    let text = String::from_utf8_lossy(head.get(..n)?);
    let mut fields = text
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|s| !s.is_empty());
    fields.next()?;
    let w = fields.next()?.parse().ok()?;
    let h = fields.next()?.parse().ok()?;
    Some((w, h))
}

/// Whether a source of this format is read page by page as images.
pub fn is_image(format: Option<Format>) -> bool {
    matches!(format, Some(Format::Jpeg | Format::Png | Format::Tiff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilevel_pages_become_pbm_with_black_as_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let r = Raster {
            width: 8,
            height: 1,
            color: Color::Gray,
            bits: 1,
            data: vec![0b1111_0000],
        };
        let p = dir.path().join("p.pnm");
        write_pnm(&r, &p).expect("written");
        assert_eq!(std::fs::read(&p).expect("read"), b"P4\n8 1\n\x0f");
        assert_eq!(pnm_size(&p), Some((8, 1)));
    }
}
