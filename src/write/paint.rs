//! Paint: the plan's laid-out generated pages (cover, index, questions, medication list,
//! typeset text files) turn into PDF pages as the packet is written, in plan order, a
//! batch at a time; the index is checked to come out as long as the plan reserved.

use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::layout::{Link, PageLayout, Shape};
use crate::base::pdf::Lookup;
use crate::plan::{Body, Plan};
use crate::render::index;
use lopdf::{Object, ObjectId, Stream};
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix, TextRenderingMode,
};
use std::collections::{BTreeMap, HashMap};

/// The resource name of the embedded font in generated pages.
pub const FONT_ID: &str = "MPF";

/// Generated pages painted ahead of the writer at most: a batch shares one pass through
/// printpdf, and no more of them are held at a time.
pub const BATCH: usize = 4;

/// Where a generated page's layout is: the plan holds the generated parts' and typeset
/// documents' pages; the index is laid out here, once page numbers are known.
#[derive(Clone, Copy)]
enum Source {
    Part(usize, usize),
    Index(usize),
    Item(usize, usize),
}

/// The generated pages (cover, index, questions, medication list, typeset documents),
/// painted as the packet is written, a batch at a time, so that a packet with thousands
/// of index rows never holds all its painted pages.
///
/// The pages share one embedded font whose width table and character map cover every
/// glyph any generated page draws: those are worked out from the layouts before any page
/// is painted, and the font's objects (with one page to copy from) are in [`Painter::doc`]
/// from the start. Each page, when its turn comes, is placed in that document as a page
/// object of its own ([`Painter::place`]) and taken out again once copied
/// ([`Painter::remove`]). The painting itself can go on a thread of its own
/// ([`Painter::paint_ahead`]).
pub struct Painter<'p> {
    /// Where each packet page is in the painting order.
    at: HashMap<u32, usize>,
    /// Painted pages waiting to be placed: content stream and link areas.
    ready: HashMap<u32, (Stream, Vec<Link>)>,
    /// Where painted batches come from.
    batches: Batches<'p>,
    /// The font's objects and one page whose dictionary every placed page copies.
    pub doc: lopdf::Document,
    template: ObjectId,
    /// Object numbers for placed pages are never used twice (the importer remembers the
    /// numbers it has seen).
    next_id: u32,
}

/// A batch of painted pages: packet page, content stream, link areas.
type Batch = Vec<(u32, Stream, Vec<Link>)>;

enum Batches<'p> {
    /// Painted here, when a page is asked for.
    Here(Box<Brush<'p>>),
    /// Painted on other threads, each a batch ahead: batch `k` comes from receiver
    /// `k % len`; `next` is the next batch to take.
    Ahead {
        painted: Vec<std::sync::mpsc::Receiver<Result<Batch>>>,
        next: usize,
    },
}

/// What paints the generated pages: their layouts and printpdf's document for the font.
struct Brush<'p> {
    plan: &'p Plan,
    /// The index's laid-out pages, each taken when painted.
    index: Vec<Option<PageLayout>>,
    /// Every generated page in painting order: its packet page number and its layout.
    order: Vec<(u32, Source)>,
    /// printpdf's document for the font, its pages set for each batch.
    pdf: PdfDocument,
    /// One of each character the generated pages draw (a glyph each).
    glyphs: String,
    /// Whether each page of `order` draws a glyph of the font. A batch none of whose
    /// pages does gets a page drawing `glyphs` at its end: without a glyph printpdf
    /// would leave the font out and encode the batch's text another way than it did with
    /// all pages at once.
    draws: Vec<bool>,
    font_id: FontId,
}

impl<'p> Painter<'p> {
    /// Lays out the index (checked to come out as long as the plan reserved), and sets up
    /// the shared font for every generated page of the plan.
    pub fn new(plan: &'p Plan, m: &Metrics) -> Result<Painter<'p>> {
        let index = index::layout(m, plan.paper, &plan.index_rows(), plan.lang.messages());
        if index.len() != plan.index.count as usize {
            return Err(Error::Internal(format!(
                "the index needed {} page(s) but the plan reserved {}",
                index.len(),
                plan.index.count
            )));
        }
        // Every generated page once, with as many laid-out pages as the plan numbered.
        let inconsistent = |what: &str| Error::Internal(format!("the plan's {what}"));
        let mut order = Vec::new();
        let mut index_taken = false;
        for (pi, part) in plan.parts.iter().enumerate() {
            let laid_out = if part.is_index {
                if index_taken {
                    return Err(inconsistent("index appears twice"));
                }
                index_taken = true;
                order.extend(
                    (0..index.len()).map(|k| (part.first_page + k as u32, Source::Index(k))),
                );
                index.len()
            } else {
                order.extend(
                    (0..part.pages.len())
                        .map(|k| (part.first_page + k as u32, Source::Part(pi, k))),
                );
                part.pages.len()
            };
            if laid_out != part.count as usize {
                return Err(inconsistent(&format!(
                    "part \"{}\" has {laid_out} page(s) laid out for {} numbered",
                    part.name, part.count
                )));
            }
        }
        for (ii, item) in plan.items.iter().enumerate() {
            if let Body::Text(layouts) | Body::Cda(layouts) = &item.body {
                let numbered = (item.last_page + 1).saturating_sub(item.first_page) as usize;
                if layouts.len() != numbered {
                    return Err(inconsistent(&format!(
                        "document {} has {} page(s) laid out for {numbered} numbered",
                        item.rel,
                        layouts.len()
                    )));
                }
                order.extend(
                    (0..layouts.len()).map(|k| (item.first_page + k as u32, Source::Item(ii, k))),
                );
            }
        }
        let mut at = HashMap::new();
        for (i, (p, _)) in order.iter().enumerate() {
            if at.insert(*p, i).is_some() {
                return Err(inconsistent(&format!("page {p} is generated twice")));
            }
        }
        let index = index.into_iter().map(Some).collect();
        let font_id = FontId(FONT_ID.to_string());
        // The batches' documents are read for their pages' content only: their font
        // goes without its program (printpdf copies it into every document it makes).
        let mut bare = m.parsed().clone();
        bare.original_bytes = Vec::new();
        let mut pdf = PdfDocument::new("medpacket generated pages");
        pdf.resources
            .fonts
            .map
            .insert(font_id.clone(), printpdf::PdfFont::new(bare));
        let mut brush = Brush {
            plan,
            index,
            order,
            pdf,
            glyphs: String::new(),
            draws: Vec::new(),
            font_id,
        };
        let (doc, template) = brush.set_up_font(m)?;
        Ok(Painter {
            at,
            ready: HashMap::new(),
            batches: Batches::Here(Box::new(brush)),
            next_id: doc.max_id + 1,
            doc,
            template,
        })
    }

    /// The packet page numbers of the generated pages, in the order they are painted.
    pub fn pages(&self) -> Vec<u32> {
        let mut pages: Vec<(usize, u32)> = self.at.iter().map(|(&p, &i)| (i, p)).collect();
        pages.sort_unstable();
        pages.into_iter().map(|(_, p)| p).collect()
    }

    /// How many painted pages wait to be placed (never more than one batch).
    pub fn waiting(&self) -> usize {
        self.ready.len()
    }

    /// Paints the pages on threads of `scope` from now on (one, or two taking turns by
    /// batch), in the order of [`Painter::pages`], each a batch ahead (so at most two
    /// batches per painter and the one being placed are held). Pages must then be placed
    /// in that order.
    pub fn paint_ahead<'s>(&mut self, scope: &'s std::thread::Scope<'s, '_>)
    where
        'p: 's,
    {
        let ahead = Batches::Ahead {
            painted: Vec::new(),
            next: 0,
        };
        let first = match std::mem::replace(&mut self.batches, ahead) {
            Batches::Here(brush) => brush,
            // Painted ahead already: those threads keep the pages coming.
            ahead => {
                self.batches = ahead;
                return;
            }
        };
        // Two painters (on two processors or more, for two batches or more), taking
        // turns: batch k is painted by painter k % 2. While the index of a long packet is
        // painted, the readers have read as far ahead as they may and wait.
        let processors = std::thread::available_parallelism().map_or(1, |n| n.get());
        let painters = if processors >= 2 && first.order.len() > BATCH {
            2
        } else {
            1
        };
        let mut brushes = vec![first];
        for turn in 1..painters {
            let second = brushes[0].share(turn, painters);
            brushes.push(second);
        }
        let mut painted = Vec::with_capacity(painters);
        for (turn, mut brush) in brushes.into_iter().enumerate() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch>>(1);
            painted.push(rx);
            scope.spawn(move || {
                let mut start = turn * BATCH;
                while start < brush.order.len() {
                    let batch = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        brush.paint_batch(start)
                    }))
                    .unwrap_or_else(|_| {
                        Err(Error::Internal(
                            "painting the generated pages stopped".into(),
                        ))
                    });
                    let failed = batch.is_err();
                    // Nobody waits for the pages any more once the receiver is gone.
                    if tx.send(batch).is_err() || failed {
                        return;
                    }
                    start += BATCH * painters;
                }
            });
        }
        self.batches = Batches::Ahead { painted, next: 0 };
    }

    /// Puts packet page `page`'s generated page into [`Painter::doc`] as a page of its
    /// own; returns its object number and its link areas.
    pub fn place(&mut self, page: u32) -> Result<(ObjectId, Vec<Link>)> {
        if !self.ready.contains_key(&page) {
            let batch = match &mut self.batches {
                Batches::Here(brush) => {
                    let start = *self.at.get(&page).ok_or_else(|| {
                        Error::Internal(format!("no rendered page for packet page {page}"))
                    })?;
                    brush.paint_batch(start)?
                }
                Batches::Ahead { painted, next } => {
                    let turn = *next % painted.len().max(1);
                    *next += 1;
                    painted
                        .get(turn)
                        .and_then(|rx| rx.recv().ok())
                        .ok_or_else(|| {
                            Error::Internal("painting the generated pages stopped".into())
                        })??
                }
            };
            for (p, stream, links) in batch {
                self.ready.insert(p, (stream, links));
            }
        }
        let (content, links) = self
            .ready
            .remove(&page)
            .ok_or_else(|| Error::Internal(format!("no rendered page for packet page {page}")))?;
        let mut dict = self
            .doc
            .get_dictionary(self.template)
            .map_err(|e| Error::Internal(format!("generated pages: {e}")))?
            .clone();
        let content_id = (self.next_id, 0);
        let page_id = (self.next_id + 1, 0);
        self.next_id += 2;
        self.doc.objects.insert(content_id, Object::Stream(content));
        dict.set("Contents", Object::Reference(content_id));
        self.doc.objects.insert(page_id, Object::Dictionary(dict));
        Ok((page_id, links))
    }

    /// Takes a placed page (and its content) out of [`Painter::doc`] once it is copied.
    pub fn remove(&mut self, page_id: ObjectId) {
        if let Some(Object::Dictionary(d)) = self.doc.objects.remove(&page_id) {
            if let Some(Object::Reference(c)) = d.lookup(b"Contents") {
                self.doc.objects.remove(c);
            }
        }
    }
}

impl<'p> Brush<'p> {
    /// A brush for painter `turn` of `painters` taking turns by batch: the same font and
    /// pages, and the index layouts of its own batches (taken from this one).
    fn share(&mut self, turn: usize, painters: usize) -> Box<Brush<'p>> {
        let mut index: Vec<Option<PageLayout>> = (0..self.index.len()).map(|_| None).collect();
        for (batch, pages) in self.order.chunks(BATCH).enumerate() {
            if batch % painters != turn {
                continue;
            }
            for &(_, s) in pages {
                if let Source::Index(k) = s {
                    if let (Some(mine), Some(theirs)) = (index.get_mut(k), self.index.get_mut(k)) {
                        *mine = theirs.take();
                    }
                }
            }
        }
        Box::new(Brush {
            plan: self.plan,
            index,
            order: self.order.clone(),
            pdf: self.pdf.clone(),
            glyphs: self.glyphs.clone(),
            draws: self.draws.clone(),
            font_id: self.font_id.clone(),
        })
    }

    fn layout(&self, s: Source) -> Option<&PageLayout> {
        match s {
            Source::Part(p, k) => self.plan.parts.get(p)?.pages.get(k),
            Source::Index(k) => self.index.get(k)?.as_ref(),
            Source::Item(i, k) => match &self.plan.items.get(i)?.body {
                Body::Text(l) | Body::Cda(l) => l.get(k),
                _ => None,
            },
        }
    }

    /// The font as printpdf embeds it for these pages: its width table and character map
    /// list every glyph drawn on them, each with the last character drawn with it (as
    /// printpdf records them). A one-page document drawing exactly those characters gets
    /// the same font objects as all the pages together, and its page's dictionary is the
    /// one every generated page has: that document and page are returned.
    fn set_up_font(&mut self, m: &Metrics) -> Result<(lopdf::Document, ObjectId)> {
        let mut used: BTreeMap<u16, char> = BTreeMap::new();
        let mut draws = Vec::with_capacity(self.order.len());
        for &(_, s) in &self.order {
            let mut any = false;
            for r in self
                .layout(s)
                .map(|l| l.runs.as_slice())
                .unwrap_or_default()
            {
                for c in r.text.chars() {
                    if let Some(g) = m.glyph_of(c) {
                        used.insert(g, c);
                        any = true;
                    }
                }
            }
            draws.push(any);
        }
        self.draws = draws;
        self.glyphs = used.into_values().collect();
        let mut pdf = PdfDocument::new("medpacket generated pages");
        pdf.resources.fonts.map.insert(
            self.font_id.clone(),
            printpdf::PdfFont::new(m.parsed().clone()),
        );
        pdf.pages = vec![self.glyph_page()];
        let bytes = save(&pdf);
        drop(pdf);
        let mut doc = lopdf::Document::load_mem(&bytes)
            .map_err(|e| Error::Internal(format!("generated pages do not parse: {e}")))?;
        drop(bytes);
        crate::base::fonts::compress_generated(&mut doc);
        let template = doc
            .get_pages()
            .into_values()
            .next()
            .ok_or_else(|| Error::Internal("generated pages: no page to copy from".into()))?;
        Ok((doc, template))
    }

    /// A page that draws [`Brush::glyphs`] (nothing when the pages draw no glyph).
    fn glyph_page(&self) -> PdfPage {
        let size = self.plan.paper.size();
        let mut ops = Vec::new();
        if !self.glyphs.is_empty() {
            ops = vec![
                Op::StartTextSection,
                Op::SetFont {
                    font: PdfFontHandle::External(self.font_id.clone()),
                    size: Pt(10.0),
                },
                Op::ShowText {
                    items: vec![TextItem::Text(self.glyphs.clone())],
                },
                Op::EndTextSection,
            ];
        }
        PdfPage::new(pt_to_mm(size.0), pt_to_mm(size.1), ops)
    }

    /// Paints the batch of pages that starts at `start` in the painting order.
    fn paint_batch(&mut self, start: usize) -> Result<Batch> {
        let end = (start + BATCH).min(self.order.len());
        let size = self.plan.paper.size();
        let fax = self.plan.fax;
        let mut numbers = Vec::new();
        let mut links = Vec::new();
        let mut pages = Vec::new();
        for i in start..end {
            let (p, s) = self.order[i];
            let mut l = match s {
                // The index's pages are painted once: their layouts move.
                Source::Index(k) => self.index.get_mut(k).and_then(Option::take),
                _ => self.layout(s).cloned(),
            }
            .ok_or_else(|| Error::Internal(format!("no rendered page for packet page {p}")))?;
            links.push(std::mem::take(&mut l.links));
            if fax {
                // A fax machine prints grey text as dots: every line and letter in black.
                for r in &mut l.runs {
                    r.gray = 0.0;
                }
            }
            pages.push(paint(l, size, &self.font_id, fax));
            numbers.push(p);
        }
        // A batch that draws no glyph gets the glyph page last (see `draws`).
        let glyph_page = !self
            .draws
            .get(start..end)
            .is_some_and(|d| d.contains(&true));
        if glyph_page {
            pages.push(self.glyph_page());
        }
        self.pdf.pages = pages;
        let mut warnings = Vec::new();
        let lo = printpdf::serialize::to_lopdf_doc(&self.pdf, &save_options(), &mut warnings);
        self.pdf.pages = Vec::new();
        let mut page_ids: Vec<_> = lo.get_pages().into_values().collect();
        if glyph_page {
            page_ids.pop();
        }
        if page_ids.len() != numbers.len() {
            return Err(Error::Internal(
                "rendered page count differs from the plan".into(),
            ));
        }
        let mut batch = Vec::with_capacity(numbers.len());
        for ((p, pid), links) in numbers.into_iter().zip(page_ids).zip(links) {
            let content = lo
                .get_dictionary(pid)
                .ok()
                .and_then(|d| d.get(b"Contents").ok())
                .and_then(|c| c.as_reference().ok())
                .and_then(|id| lo.get_object(id).ok())
                .and_then(|o| o.as_stream().ok())
                .map(|s| s.content.clone())
                .ok_or_else(|| {
                    Error::Internal(format!("generated page {p} came out without content"))
                })?;
            let mut stream = Stream::new(lopdf::Dictionary::new(), content);
            crate::base::fonts::compress_stream(&mut stream);
            batch.push((p, stream, links));
        }
        Ok(batch)
    }
}

fn save_options() -> PdfSaveOptions {
    // Not compressed here: `fonts::compress_generated` does it, with the font compressed
    // at build time.
    PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    }
}

fn save(doc: &PdfDocument) -> Vec<u8> {
    let mut warnings = Vec::new();
    doc.save(&save_options(), &mut warnings)
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
    PdfPage::new(pt_to_mm(size.0), pt_to_mm(size.1), ops)
}
