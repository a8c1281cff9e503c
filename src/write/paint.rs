//! Paint: the plan's laid-out generated pages (cover, index, questions, medication list,
//! typeset text files) turn into one printpdf document, one page per laid-out page, in
//! plan order; the index is checked to come out as long as the plan reserved.

use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::layout::{PageLayout, Shape};
use crate::plan::Plan;
use crate::render::index;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix, TextRenderingMode,
};

/// The resource name of the embedded font in generated pages.
pub const FONT_ID: &str = "MPF";

/// The generated pages as a PDF, and, per generated page, its 1-based packet page number.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub packet_pages: Vec<u32>,
    /// Link areas per generated page (same order as `packet_pages`).
    pub links: Vec<Vec<crate::base::layout::Link>>,
}

/// Paints every generated page of the plan; checks the index came out as long as planned.
pub fn render(plan: &Plan, m: &Metrics) -> Result<Rendered> {
    let index_pages = index::layout(m, plan.paper, &plan.index_rows(), plan.lang.messages());
    if index_pages.len() != plan.index.count as usize {
        return Err(Error::Internal(format!(
            "the index needed {} page(s) but the plan reserved {}",
            index_pages.len(),
            plan.index.count
        )));
    }
    let mut doc = PdfDocument::new("medpacket generated pages");
    let font_id = FontId(FONT_ID.to_string());
    doc.resources
        .fonts
        .map
        .insert(font_id.clone(), printpdf::PdfFont::new(m.parsed().clone()));
    let mut pages = Vec::new();
    let mut packet_pages = Vec::new();
    let mut links = Vec::new();
    // Pages are painted from owned layouts, so their text moves rather than copies
    // (the index of a large packet holds thousands of rows).
    let fax = plan.fax;
    let mut push = |layouts: Vec<PageLayout>, first: u32, size: (f32, f32)| {
        for (i, mut l) in layouts.into_iter().enumerate() {
            links.push(std::mem::take(&mut l.links));
            if fax {
                // A fax machine prints grey text as dots: every line and letter in black.
                for r in &mut l.runs {
                    r.gray = 0.0;
                }
            }
            pages.push(paint(l, size, &font_id, fax));
            packet_pages.push(first + i as u32);
        }
    };
    let size = plan.paper.size();
    let mut index_pages = Some(index_pages);
    for part in &plan.parts {
        if part.is_index {
            push(
                index_pages.take().unwrap_or_default(),
                part.first_page,
                size,
            );
        } else {
            push(part.pages.clone(), part.first_page, size);
        }
    }
    for item in &plan.items {
        if let crate::plan::Body::Text(layouts) | crate::plan::Body::Cda(layouts) = &item.body {
            push(layouts.clone(), item.first_page, size);
        }
    }
    doc.with_pages(pages);
    let pdf = save(&doc);
    Ok(Rendered {
        pdf,
        packet_pages,
        links,
    })
}

fn save(doc: &PdfDocument) -> Vec<u8> {
    // Not compressed here: `fonts::compress_generated` does it, with the font compressed
    // at build time.
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    doc.save(&opts, &mut warnings)
}

/// A standalone PDF of laid-out pages (the cover letter), in the embedded font, with
/// `info` as its document information (printpdf's own metadata is replaced).
pub fn pdf_from_layouts(
    m: &Metrics,
    paper: crate::base::layout::Paper,
    layouts: &[PageLayout],
    info: lopdf::Dictionary,
) -> Result<Vec<u8>> {
    let mut doc = PdfDocument::new("medpacket");
    let font_id = FontId(FONT_ID.to_string());
    doc.resources
        .fonts
        .map
        .insert(font_id.clone(), printpdf::PdfFont::new(m.parsed().clone()));
    let size = paper.size();
    let pages = layouts
        .iter()
        .map(|l| paint(l.clone(), size, &font_id, false))
        .collect();
    doc.with_pages(pages);
    let bytes = save(&doc);
    let bad = |e: lopdf::Error| Error::Internal(format!("generated PDF: {e}"));
    let mut pdf = lopdf::Document::load_mem(&bytes).map_err(bad)?;
    let info_id = pdf.add_object(lopdf::Object::Dictionary(info));
    pdf.trailer.set("Info", lopdf::Object::Reference(info_id));
    if let Ok(cat) = pdf.catalog_mut() {
        cat.remove(b"Metadata");
        cat.remove(b"OutputIntents");
    }
    pdf.prune_objects();
    crate::base::fonts::compress_generated(&mut pdf);
    let mut out = Vec::new();
    pdf.save_to(&mut out)
        .map_err(|e| Error::Internal(format!("generated PDF: {e}")))?;
    Ok(out)
}

fn pt_to_mm(v: f32) -> Mm {
    Mm(v * 25.4 / 72.0)
}

fn gray(v: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: v,
        icc_profile: None,
    })
}

/// Paints one laid-out page; `black` draws lines in black rather than grey (for fax).
fn paint(l: PageLayout, size: (f32, f32), font: &FontId, black: bool) -> PdfPage {
    let mut ops = Vec::new();
    let line_gray = if black { 0.0 } else { 0.55 };
    for s in &l.shapes {
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetOutlineColor {
            col: gray(line_gray),
        });
        match s {
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                width,
            } => {
                ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![
                            LinePoint {
                                p: Point {
                                    x: Pt(*x1),
                                    y: Pt(*y1),
                                },
                                bezier: false,
                            },
                            LinePoint {
                                p: Point {
                                    x: Pt(*x2),
                                    y: Pt(*y2),
                                },
                                bezier: false,
                            },
                        ],
                        is_closed: false,
                    },
                });
            }
            Shape::Box { x, y, w, h } => {
                ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(*x),
                        y: Pt(*y),
                        width: Pt(*w),
                        height: Pt(*h),
                        mode: Some(PaintMode::Stroke),
                        winding_order: None,
                    },
                });
            }
        }
        ops.push(Op::RestoreGraphicsState);
    }
    // One text section per page; font, colour and mode are set only when they change.
    if !l.runs.is_empty() {
        ops.push(Op::StartTextSection);
        let mut state: Option<(f32, bool, f32)> = None;
        for r in l.runs {
            let want = (r.size, r.bold, r.gray);
            if state != Some(want) {
                if state.map(|s| s.0) != Some(r.size) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(font.clone()),
                        size: Pt(r.size),
                    });
                }
                ops.push(Op::SetFillColor { col: gray(r.gray) });
                if r.bold {
                    ops.push(Op::SetOutlineColor { col: gray(r.gray) });
                    ops.push(Op::SetOutlineThickness {
                        pt: Pt(r.size * 0.035),
                    });
                    ops.push(Op::SetTextRenderingMode {
                        mode: TextRenderingMode::FillStroke,
                    });
                } else {
                    ops.push(Op::SetTextRenderingMode {
                        mode: TextRenderingMode::Fill,
                    });
                }
                state = Some(want);
            }
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(r.x), Pt(r.y)),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(r.text)],
            });
        }
        ops.push(Op::EndTextSection);
    }
    // Every generated page is held until all are saved: no room to spare in each.
    ops.shrink_to_fit();
    PdfPage::new(pt_to_mm(size.0), pt_to_mm(size.1), ops)
}
