//! Synthetic scans for the OCR tests and the OCR benchmark: report text turns into page
//! images (rendered with the embedded DejaVu Sans), with where each word was drawn, and
//! those images into the files patients hold — PNG scans, sideways and upside-down pages,
//! a noisy skewed copy, a 1-bit CCITT G4 TIFF fax, an image-only PDF, a phone JPEG with
//! EXIF orientation 6.
//!
//! Include with `#[path = "support/scans.rs"] mod scans;`. All text is synthetic.
#![allow(dead_code)]

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{GrayImage, Luma};

/// The font the packet embeds.
pub const FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// A word drawn on a page: its text and its box in pixels (x0, y0, x1, y1; origin top-left).
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub text: String,
    pub rect: [f32; 4],
}

/// A page image and the words drawn on it.
#[derive(Debug, Clone)]
pub struct Scan {
    pub image: GrayImage,
    pub words: Vec<Drawn>,
    pub dpi: u32,
}

/// Renders `lines` onto a US Letter page at `dpi`, in `points`-sized text, one-inch
/// margins, black on white.
pub fn render(lines: &[&str], dpi: u32, points: f32) -> Scan {
    let font = FontRef::try_from_slice(FONT).expect("the embedded font parses");
    let (w, h) = ((8.5 * dpi as f32) as u32, (11.0 * dpi as f32) as u32);
    let mut image = GrayImage::from_pixel(w, h, Luma([255]));
    let px = points * dpi as f32 / 72.0;
    let scaled = font.as_scaled(PxScale::from(px));
    let margin = dpi as f32;
    let line_h = px * 1.5;
    let space = scaled.h_advance(font.glyph_id(' '));
    let mut words = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let baseline = margin + scaled.ascent() + i as f32 * line_h;
        let mut x = margin;
        for word in line.split_whitespace() {
            let start = x;
            for c in word.chars() {
                let id = font.glyph_id(c);
                let glyph = id.with_scale_and_position(px, ab_glyph::point(x, baseline));
                if let Some(outlined) = font.outline_glyph(glyph) {
                    let b = outlined.px_bounds();
                    outlined.draw(|gx, gy, cov| {
                        let (ix, iy) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                        if ix >= 0 && iy >= 0 && (ix as u32) < w && (iy as u32) < h {
                            let p = image.get_pixel_mut(ix as u32, iy as u32);
                            let v = (255.0 * (1.0 - cov.min(1.0))) as u8;
                            p.0[0] = p.0[0].min(v);
                        }
                    });
                }
                x += scaled.h_advance(id);
            }
            words.push(Drawn {
                text: word.to_string(),
                rect: [
                    start,
                    baseline - scaled.ascent(),
                    x,
                    baseline - scaled.descent(),
                ],
            });
            x += space;
        }
    }
    Scan { image, words, dpi }
}

/// Turns a scan `quarters` quarter turns clockwise (the page as a sideways scanner sees it).
pub fn turned(s: &Scan, quarters: u32) -> Scan {
    let (w, h) = (s.image.width() as f32, s.image.height() as f32);
    let q = quarters % 4;
    let image = match q {
        1 => image::imageops::rotate90(&s.image),
        2 => image::imageops::rotate180(&s.image),
        3 => image::imageops::rotate270(&s.image),
        _ => s.image.clone(),
    };
    let map = |x: f32, y: f32| match q {
        1 => (h - y, x),
        2 => (w - x, h - y),
        3 => (y, w - x),
        _ => (x, y),
    };
    let words = s
        .words
        .iter()
        .map(|d| {
            let (a, b) = (map(d.rect[0], d.rect[1]), map(d.rect[2], d.rect[3]));
            Drawn {
                text: d.text.clone(),
                rect: [a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)],
            }
        })
        .collect();
    Scan {
        image,
        words,
        dpi: s.dpi,
    }
}

/// A copy skewed by `degrees` (about the centre), on grey paper with speckles: a page fed
/// crookedly through an old scanner. Deterministic for a given `seed`.
pub fn noisy_skewed(s: &Scan, degrees: f32, seed: u64) -> Scan {
    let (w, h) = s.image.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let mut rng = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 33) as u32
    };
    let mut out = GrayImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            // The source pixel that lands here (inverse rotation).
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
            let v = if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
                s.image.get_pixel(sx as u32, sy as u32).0[0]
            } else {
                255
            };
            let paper = (f32::from(v) * 0.88) as u8 + 10;
            let r = next() % 1000;
            let v = if r < 6 {
                (next() % 90) as u8
            } else if r < 12 {
                255
            } else {
                paper
            };
            out.put_pixel(x, y, Luma([v]));
        }
    }
    let fwd = |x: f32, y: f32| {
        let (dx, dy) = (x - cx, y - cy);
        (cos * dx - sin * dy + cx, sin * dx + cos * dy + cy)
    };
    let words = s
        .words
        .iter()
        .map(|d| {
            let pts = [
                fwd(d.rect[0], d.rect[1]),
                fwd(d.rect[2], d.rect[1]),
                fwd(d.rect[0], d.rect[3]),
                fwd(d.rect[2], d.rect[3]),
            ];
            Drawn {
                text: d.text.clone(),
                rect: [
                    pts.iter().map(|p| p.0).fold(f32::MAX, f32::min),
                    pts.iter().map(|p| p.1).fold(f32::MAX, f32::min),
                    pts.iter().map(|p| p.0).fold(f32::MIN, f32::max),
                    pts.iter().map(|p| p.1).fold(f32::MIN, f32::max),
                ],
            }
        })
        .collect();
    Scan {
        image: out,
        words,
        dpi: s.dpi,
    }
}

/// PNG bytes of a scan.
pub fn png(s: &Scan) -> Vec<u8> {
    let mut out = Vec::new();
    s.image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("PNG encodes");
    out
}

/// JPEG bytes of a scan, with an EXIF orientation tag when `orientation` is not 1.
pub fn jpeg(s: &Scan, orientation: u16) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85)
        .encode_image(&s.image)
        .expect("JPEG encodes");
    if orientation == 1 {
        return plain;
    }
    // An APP1 Exif segment holding one IFD with the Orientation tag (big-endian TIFF).
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A multi-page 1-bit TIFF fax, each page CCITT Group 4 compressed (white is zero, as fax
/// machines write it); pixels darker than mid-grey are black.
pub fn g4_tiff(pages: &[&Scan]) -> Vec<u8> {
    let mut out = b"II\x2a\x00\x00\x00\x00\x00".to_vec();
    let mut prev_next_offset = 4usize;
    for s in pages {
        let (w, h) = s.image.dimensions();
        let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
        for y in 0..h {
            let row = (0..w).map(|x| {
                if s.image.get_pixel(x, y).0[0] < 128 {
                    fax::Color::Black
                } else {
                    fax::Color::White
                }
            });
            enc.encode_line(row, w as u16).expect("G4 encodes");
        }
        let data = enc.finish().expect("G4 finishes").finish();
        let data_offset = out.len();
        out.extend_from_slice(&data);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let res_offset = out.len();
        for _ in 0..2 {
            out.extend_from_slice(&s.dpi.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        let ifd_offset = out.len();
        out[prev_next_offset..prev_next_offset + 4]
            .copy_from_slice(&(ifd_offset as u32).to_le_bytes());
        // (tag, type, count, value): type 3 SHORT, 4 LONG, 5 RATIONAL.
        let entries: [(u16, u16, u32, u32); 11] = [
            (256, 4, 1, w),
            (257, 4, 1, h),
            (258, 3, 1, 1),
            (259, 3, 1, 4),
            (262, 3, 1, 0),
            (273, 4, 1, data_offset as u32),
            (278, 4, 1, h),
            (279, 4, 1, data.len() as u32),
            (282, 5, 1, res_offset as u32),
            (283, 5, 1, res_offset as u32 + 8),
            (296, 3, 1, 2),
        ];
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, ty, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if ty == 3 {
                out.extend_from_slice(&(value as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        prev_next_offset = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    out
}

/// A one-page PDF showing a scan as its only content (a JPEG image XObject filling a page
/// of the scan's size at its resolution): what an office scanner writes. No text layer.
pub fn image_pdf(s: &Scan) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let (w, h) = s.image.dimensions();
    let mut jpeg_bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg_bytes, 85)
        .encode_image(&s.image)
        .expect("JPEG encodes");
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64,
            "Height" => h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        jpeg_bytes,
    ));
    let (pw, ph) = (
        w as f32 * 72.0 / s.dpi as f32,
        h as f32 * 72.0 / s.dpi as f32,
    );
    let content = doc.add_object(Stream::new(
        dictionary! {},
        format!("q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q").into_bytes(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), pw.into(), ph.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img } },
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("PDF saves");
    out
}

/// Lower-case words of a text without punctuation at their ends (for recall).
pub fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The share of `expected` words (with repeats) that `found` holds.
pub fn recall(expected: &[String], found: &[String]) -> f64 {
    let mut pool: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for w in found {
        *pool.entry(w.as_str()).or_default() += 1;
    }
    let mut hit = 0usize;
    for w in expected {
        if let Some(n) = pool.get_mut(w.as_str()).filter(|n| **n > 0) {
            *n -= 1;
            hit += 1;
        }
    }
    if expected.is_empty() {
        1.0
    } else {
        hit as f64 / expected.len() as f64
    }
}

/// The synthetic reports of the OCR tests and benchmark: (file stem, kind, date, lines).
pub fn reports() -> Vec<(&'static str, &'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "fax-pathology",
            "pathology-report",
            "2025-03-14",
            vec![
                "SURGICAL PATHOLOGY REPORT",
                "Patient: Rosa Delgado-Whitfield    MRN: 00481516",
                "Date of Procedure: 03/14/2025",
                "Ordering physician: Dr. Imani Okafor",
                "Specimen: Left breast, core needle biopsy at 2 o'clock",
                "Final diagnosis: Invasive ductal carcinoma, grade 2",
                "Tumor size: 1.8 cm in greatest dimension",
                "Estrogen receptor: positive in 90 percent of tumor cells",
                "Progesterone receptor: positive in 40 percent of cells",
                "HER2 by immunohistochemistry: equivocal, score 2+",
            ],
        ),
        (
            "operative",
            "operative-report",
            "2025-04-02",
            vec![
                "OPERATIVE REPORT",
                "Patient: Rosa Delgado-Whitfield",
                "Date of Surgery: 04/02/2025",
                "Surgeon: Dr. Tomasz Lindqvist",
                "Procedure: Left breast lumpectomy with sentinel node biopsy",
                "Anesthesia: General endotracheal",
                "Estimated blood loss: 25 mL",
                "Findings: Palpable mass excised with clear margins",
            ],
        ),
        (
            "discharge",
            "discharge-summary",
            "2025-04-04",
            vec![
                "DISCHARGE SUMMARY",
                "Patient: Rosa Delgado-Whitfield",
                "Admission Date: 04/02/2025",
                "Discharge Date: 04/04/2025",
                "Hospital course: Uneventful recovery after lumpectomy",
                "Discharge medications: acetaminophen 500 mg as needed",
                "Follow up with surgical oncology in two weeks",
            ],
        ),
        (
            "imaging",
            "imaging-report",
            "2025-02-20",
            vec![
                "RADIOLOGY REPORT",
                "Exam: Bilateral diagnostic mammogram",
                "Exam date: 02/20/2025",
                "Findings: Irregular mass in the left breast upper outer quadrant",
                "Impression: Highly suggestive of malignancy, BI-RADS 5",
                "Recommendation: Ultrasound guided core biopsy",
            ],
        ),
        (
            "labs",
            "lab-results",
            "2025-03-01",
            vec![
                "LABORATORY RESULTS",
                "Patient: Rosa Delgado-Whitfield",
                "Collected: 03/01/2025",
                "Hemoglobin 13.2 g/dL  reference 12.0 to 15.5",
                "White blood cells 6.4 thousand per microliter",
                "Platelets 251 thousand per microliter",
                "Creatinine 0.8 mg/dL",
            ],
        ),
        (
            "consult",
            "consultation-note",
            "2025-03-20",
            vec![
                "CONSULTATION NOTE",
                "Medical Oncology",
                "Date of Service: 03/20/2025",
                "Reason for consultation: newly diagnosed left breast cancer",
                "Assessment: Stage IA hormone receptor positive disease",
                "Plan: Surgery first, then discuss adjuvant endocrine therapy",
            ],
        ),
        (
            "plan",
            "treatment-plan",
            "2025-04-20",
            vec![
                "TREATMENT PLAN",
                "Medical Oncology",
                "Date of Service: 04/20/2025",
                "Adjuvant endocrine therapy with letrozole 2.5 mg daily",
                "Radiation therapy to the left breast in 16 fractions",
                "Review in clinic every three months",
            ],
        ),
        (
            "informe-patologia",
            "pathology-report",
            "2025-03-14",
            vec![
                "INFORME DE ANATOMÍA PATOLÓGICA",
                "Paciente: Rosa Delgado-Whitfield",
                "Fecha de toma: 14/03/2025",
                "Muestra: biopsia con aguja gruesa de mama izquierda",
                "Diagnóstico: carcinoma ductal infiltrante, grado 2",
                "Receptores de estrógeno: positivos en el 90 por ciento",
            ],
        ),
    ]
}
