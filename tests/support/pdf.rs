//! Text PDFs for tests, examples and benchmarks: pages of lines turn into a small, valid PDF
//! (Helvetica, WinAnsi) that lopdf and poppler read back line for line.
//!
//! `tests/support/mod.rs` re-exports it; examples include it with
//! `#[path = "../tests/support/pdf.rs"] mod pdf;`. It depends on lopdf only.
#![allow(dead_code)]

use lopdf::content::{Content, Operation};
use lopdf::xref::XrefType;
use lopdf::{dictionary, Document, Object, SaveOptions, Stream};

/// Font size of the text drawn by [`text_pdf`], in points.
pub const FONT_SIZE: f32 = 11.0;
/// Distance between two baselines drawn by [`text_pdf`], in points.
pub const LINE_HEIGHT: f32 = 14.0;
/// Left margin, and distance from the top edge to the first baseline, in points.
pub const MARGIN: f32 = 72.0;

// ---------------------------------------------------------------------------------------------
// Text PDFs
// ---------------------------------------------------------------------------------------------

/// How [`text_pdf_styled`] sets text: Helvetica at `font_size`, `leading` between baselines,
/// `margin` from the left and top edges to the first baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub font_size: f32,
    pub leading: f32,
    pub margin: f32,
}

impl TextStyle {
    /// The style of [`text_pdf`].
    pub const DEFAULT: TextStyle = TextStyle {
        font_size: FONT_SIZE,
        leading: LINE_HEIGHT,
        margin: MARGIN,
    };
}

/// One page of a [`text_pdf`]: lines of text drawn top-down, a media box and a /Rotate.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSpec {
    pub lines: Vec<String>,
    /// Media box width in points.
    pub width: f32,
    /// Media box height in points.
    pub height: f32,
    /// The page's /Rotate (0, 90, 180 or 270); 0 writes no /Rotate entry.
    pub rotate: i64,
}

impl PageSpec {
    /// A page of any size.
    pub fn new<I>(lines: I, width: f32, height: f32) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        PageSpec {
            lines: lines
                .into_iter()
                .map(|line| line.as_ref().to_string())
                .collect(),
            width,
            height,
            rotate: 0,
        }
    }

    /// US Letter portrait, 612 × 792 pt (46 lines fit between the margins).
    pub fn letter<I>(lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::new(lines, 612.0, 792.0)
    }

    /// A4 portrait, 595 × 842 pt.
    pub fn a4<I>(lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::new(lines, 595.0, 842.0)
    }

    /// US Letter landscape, 792 × 612 pt (a wider media box, not a /Rotate).
    pub fn landscape<I>(lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::new(lines, 792.0, 612.0)
    }

    /// The same page with /Rotate set to `degrees` (the text is drawn unrotated, so a viewer
    /// shows it turned, as with a scan fed in sideways).
    pub fn rotated(mut self, degrees: i64) -> Self {
        self.rotate = degrees;
        self
    }
}

/// A valid PDF 1.4 (classic cross-reference table) with one page per [`PageSpec`].
///
/// Each line is one `Tj` in Helvetica (Type1, /WinAnsiEncoding) at 11 pt, the first baseline
/// 72 pt below the top edge and 14 pt between baselines, so `lopdf`'s `extract_text` and
/// poppler's `pdftotext` both give the lines back. Characters outside WinAnsi become `?`
/// (see [`win_ansi`]). Lines are neither wrapped nor paginated: keep them under about 75
/// characters and 46 lines on a Letter page.
///
/// When all pages have the same size, the page tree root carries /MediaBox and /Resources and
/// the pages inherit them; otherwise every page has its own.
pub fn text_pdf(pages: &[PageSpec]) -> Vec<u8> {
    let mut doc = text_document(pages);
    save(&mut doc)
}

/// Like [`text_pdf`], with the text set in `style` (font size, leading, margin).
pub fn text_pdf_styled(pages: &[PageSpec], style: TextStyle) -> Vec<u8> {
    let mut doc = text_document_styled(pages, style);
    save(&mut doc)
}

/// Like [`text_pdf`], but written as PDF 1.5 with object streams and a cross-reference stream
/// (as many portals and scanners do): a reader has to unpack the object streams to find the
/// pages.
pub fn text_pdf_modern(pages: &[PageSpec]) -> Vec<u8> {
    let mut doc = text_document(pages);
    doc.version = "1.5".to_string();
    let mut out = Vec::new();
    doc.save_modern(&mut out)
        .expect("writing a PDF to memory cannot fail");
    out
}

/// `text` in WinAnsiEncoding (Windows-1252); characters it lacks become `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => c as u32 as u8,
            _ => match c {
                '€' => 0x80,
                '‚' => 0x82,
                'ƒ' => 0x83,
                '„' => 0x84,
                '…' => 0x85,
                '†' => 0x86,
                '‡' => 0x87,
                'ˆ' => 0x88,
                '‰' => 0x89,
                'Š' => 0x8A,
                '‹' => 0x8B,
                'Œ' => 0x8C,
                'Ž' => 0x8E,
                '‘' => 0x91,
                '’' => 0x92,
                '“' => 0x93,
                '”' => 0x94,
                '•' => 0x95,
                '–' => 0x96,
                '—' => 0x97,
                '˜' => 0x98,
                '™' => 0x99,
                'š' => 0x9A,
                '›' => 0x9B,
                'œ' => 0x9C,
                'ž' => 0x9E,
                'Ÿ' => 0x9F,
                _ => b'?',
            },
        })
        .collect()
}

/// The unsaved document behind [`text_pdf`] and [`encrypted_pdf`].
pub fn text_document(pages: &[PageSpec]) -> Document {
    text_document_styled(pages, TextStyle::DEFAULT)
}

/// [`text_document`] with the text set in `style`.
pub fn text_document_styled(pages: &[PageSpec], style: TextStyle) -> Document {
    let mut doc = Document::with_version("1.4");
    // lopdf 0.47 defaults to a cross-reference *stream* (and silently bumps the version to
    // 1.5 on save); write the classic table most PDFs in the wild have.
    doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;

    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
        "ProcSet" => vec![Object::Name(b"PDF".to_vec()), Object::Name(b"Text".to_vec())],
    });

    let shared_size = match pages.first() {
        Some(first)
            if pages
                .iter()
                .all(|p| p.width == first.width && p.height == first.height) =>
        {
            Some((first.width, first.height))
        }
        _ => None,
    };

    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let mut content = Stream::new(dictionary! {}, page_content(page, style));
        content
            .compress()
            .expect("compressing a content stream in memory cannot fail");
        let content_id = doc.add_object(content);
        let mut page_dict = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        };
        if shared_size.is_none() {
            page_dict.set("MediaBox", media_box(page.width, page.height));
            page_dict.set("Resources", resources_id);
        }
        if page.rotate != 0 {
            page_dict.set("Rotate", page.rotate);
        }
        kids.push(Object::Reference(doc.add_object(page_dict)));
    }

    let count = kids.len() as i64;
    let mut pages_dict = dictionary! {
        "Type" => "Pages",
        "Kids" => kids,
        "Count" => count,
    };
    if let Some((width, height)) = shared_size {
        pages_dict.set("MediaBox", media_box(width, height));
        pages_dict.set("Resources", resources_id);
    }
    doc.objects.insert(pages_id, Object::Dictionary(pages_dict));

    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    doc
}

/// The content stream of one page: a single text object, one `Tj` per line.
fn page_content(page: &PageSpec, style: TextStyle) -> Vec<u8> {
    let mut operations = vec![
        Operation::new("BT", vec![]),
        Operation::new(
            "Tf",
            vec![Object::Name(b"F1".to_vec()), number(style.font_size)],
        ),
        Operation::new("TL", vec![number(style.leading)]),
        Operation::new(
            "Td",
            vec![number(style.margin), number(page.height - style.margin)],
        ),
    ];
    for (i, line) in page.lines.iter().enumerate() {
        if i > 0 {
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new(
            "Tj",
            vec![Object::string_literal(win_ansi(line))],
        ));
    }
    operations.push(Operation::new("ET", vec![]));
    Content { operations }
        .encode()
        .expect("encoding a content stream in memory cannot fail")
}

fn media_box(width: f32, height: f32) -> Object {
    Object::Array(vec![0.into(), 0.into(), number(width), number(height)])
}

/// A whole number as an Integer, anything else as a Real.
fn number(value: f32) -> Object {
    if value.fract() == 0.0 && value.abs() < 1e9 {
        Object::Integer(value as i64)
    } else {
        Object::Real(value)
    }
}

pub fn save(doc: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_with_options(&mut out, SaveOptions::default())
        .expect("writing a PDF to memory cannot fail");
    out
}
