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
use std::fmt::Write as _;

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
/// once [`Painter::embed_font`] has made them (while the first pages are painted ahead,
/// when they are). Each page, when its turn comes, is placed in that document as a page
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
    /// What the font's objects are made from: the metrics, the paper of the page to copy
    /// from, and one of each character the generated pages draw (a glyph each).
    m: &'p Metrics,
    paper: crate::base::layout::Paper,
    glyphs: String,
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
    /// The font's metrics: the glyph each character is drawn with.
    m: &'p Metrics,
}

impl<'p> Painter<'p> {
    /// Lays out the index (checked to come out as long as the plan reserved), and finds
    /// the characters the generated pages draw (see [`Painter::embed_font`]).
    pub fn new(plan: &'p Plan, m: &'p Metrics) -> Result<Painter<'p>> {
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
        let brush = Brush {
            plan,
            index,
            order,
            m,
        };
        let glyphs = brush.glyphs();
        Ok(Painter {
            at,
            ready: HashMap::new(),
            batches: Batches::Here(Box::new(brush)),
            doc: lopdf::Document::new(),
            template: (0, 0),
            next_id: 1,
            m,
            paper: plan.paper,
            glyphs,
        })
    }

    /// Makes the shared font's objects and the page every generated page copies, in
    /// [`Painter::doc`]; before any page is placed.
    pub fn embed_font(&mut self) -> Result<()> {
        let (doc, template) = font_document(self.m, self.paper, &self.glyphs)?;
        self.next_id = doc.max_id + 1;
        self.doc = doc;
        self.template = template;
        Ok(())
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
        if self.template == (0, 0) {
            return Err(Error::Internal(
                "a generated page was placed before its font was set up".into(),
            ));
        }
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
            m: self.m,
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

    /// One of each character the pages draw, in the order of their glyphs, each the last
    /// character drawn with its glyph (as printpdf records them).
    fn glyphs(&self) -> String {
        let mut used: BTreeMap<u16, char> = BTreeMap::new();
        for &(_, s) in &self.order {
            for r in self
                .layout(s)
                .map(|l| l.runs.as_slice())
                .unwrap_or_default()
            {
                for c in r.text.chars() {
                    if let Some(g) = self.m.glyph_of(c) {
                        used.insert(g, c);
                    }
                }
            }
        }
        used.into_values().collect()
    }

    /// Paints the batch of pages that starts at `start` in the painting order.
    fn paint_batch(&mut self, start: usize) -> Result<Batch> {
        let end = (start + BATCH).min(self.order.len());
        // A fax machine prints grey as dots: every line and letter in black.
        let fax = self.plan.fax;
        let mut batch = Vec::with_capacity(end.saturating_sub(start));
        for i in start..end {
            let (p, s) = self.order[i];
            // The index's pages are painted once: their layouts move.
            let taken = match s {
                Source::Index(k) => self.index.get_mut(k).and_then(Option::take),
                _ => None,
            };
            let l = taken
                .as_ref()
                .or_else(|| self.layout(s))
                .ok_or_else(|| Error::Internal(format!("no rendered page for packet page {p}")))?;
            let mut stream = Stream::new(lopdf::Dictionary::new(), content_of(l, self.m, fax));
            crate::base::fonts::compress_stream(&mut stream);
            batch.push((p, stream, l.links.clone()));
        }
        Ok(batch)
    }
}

/// The font as printpdf embeds it for pages drawing `glyphs` (see [`Brush::glyphs`]):
/// its width table and character map list every glyph drawn. A one-page document drawing
/// exactly those characters gets the same font objects as all the pages together, and
/// its page's dictionary is the one every generated page has: that document and page are
/// returned.
fn font_document(
    m: &Metrics,
    paper: crate::base::layout::Paper,
    glyphs: &str,
) -> Result<(lopdf::Document, ObjectId)> {
    let font_id = FontId(FONT_ID.to_string());
    let mut pdf = PdfDocument::new("medpacket generated pages");
    pdf.resources.fonts.map.insert(
        font_id.clone(),
        printpdf::PdfFont::new(crate::base::fonts::with_stand_in(m)),
    );
    pdf.pages = vec![glyph_page(paper, glyphs, &font_id)];
    let bytes = save(&pdf);
    drop(pdf);
    let mut doc = lopdf::Document::load_mem(&bytes)
        .map_err(|e| Error::Internal(format!("generated pages do not parse: {e}")))?;
    drop(bytes);
    match crate::base::fonts::fill_stand_in(&mut doc) {
        Ok(0) => {
            return Err(Error::Internal(
                "generated pages: no place for the font program".into(),
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(Error::Internal(format!("generated pages: {e}"))),
    }
    crate::base::fonts::compress_generated(&mut doc);
    let template = doc
        .get_pages()
        .into_values()
        .next()
        .ok_or_else(|| Error::Internal("generated pages: no page to copy from".into()))?;
    Ok((doc, template))
}

/// A page that draws `glyphs` (nothing when there are none).
fn glyph_page(paper: crate::base::layout::Paper, glyphs: &str, font_id: &FontId) -> PdfPage {
    let size = paper.size();
    let mut ops = Vec::new();
    if !glyphs.is_empty() {
        ops = vec![
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font_id.clone()),
                size: Pt(10.0),
            },
            Op::ShowText {
                items: vec![TextItem::Text(glyphs.to_string())],
            },
            Op::EndTextSection,
        ];
    }
    PdfPage::new(pt_to_mm(size.0), pt_to_mm(size.1), ops)
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
    doc.resources.fonts.map.insert(
        font_id.clone(),
        printpdf::PdfFont::new(crate::base::fonts::with_stand_in(m)),
    );
    let size = paper.size();
    let pages = layouts
        .iter()
        .map(|l| paint(l.clone(), size, &font_id, false))
        .collect();
    doc.with_pages(pages);
    let bytes = save(&doc);
    let bad = |e: lopdf::Error| Error::Internal(format!("generated PDF: {e}"));
    let mut pdf = lopdf::Document::load_mem(&bytes).map_err(bad)?;
    // A document drawing no letter may carry no font program.
    crate::base::fonts::fill_stand_in(&mut pdf)
        .map_err(|e| Error::Internal(format!("generated PDF: {e}")))?;
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

/// The content stream of one laid-out page: the operators printpdf writes for the
/// operations [`paint`] makes of it (the same operators, numbers and glyph codes, checked
/// byte for byte by the tests below), written directly rather than through a printpdf
/// document per batch. `black` draws lines and letters in black (for fax).
fn content_of(l: &PageLayout, m: &Metrics, black: bool) -> Vec<u8> {
    let mut c = Content::default();
    let line_gray = if black { 0.0 } else { 0.55 };
    for s in &l.shapes {
        c.op(&[], "q");
        c.op(&[line_gray], "G");
        match *s {
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                width,
            } => {
                c.op(&[width], "w");
                c.op(&[x1, y1], "m");
                c.op(&[x2, y2], "l");
            }
            Shape::Box { x, y, w, h } => {
                c.op(&[0.5], "w");
                c.op(&[x, y, w, h], "re");
            }
        }
        c.op(&[], "S");
        c.op(&[], "Q");
    }
    // One text section per page; font, colour and mode are set only when they change.
    if !l.runs.is_empty() {
        c.op(&[], "BT");
        let mut state: Option<(f32, bool, f32)> = None;
        for r in &l.runs {
            let gray = if black { 0.0 } else { r.gray };
            let want = (r.size, r.bold, gray);
            if state != Some(want) {
                if state.map(|s| s.0) != Some(r.size) {
                    c.start();
                    c.out.push('/');
                    c.out.push_str(FONT_ID);
                    c.out.push(' ');
                    c.operands(&[r.size]);
                    c.out.push_str("Tf");
                }
                c.op(&[gray], "g");
                if r.bold {
                    c.op(&[gray], "G");
                    c.op(&[r.size * 0.035], "w");
                    c.op(&[], "2 Tr");
                } else {
                    c.op(&[], "0 Tr");
                }
                state = Some(want);
            }
            c.op(&[1.0, 0.0, 0.0, 1.0, r.x, r.y], "Tm");
            c.start();
            c.out.push('<');
            for ch in r.text.chars() {
                // A character without a glyph is drawn as glyph 0, as printpdf does.
                crate::base::pdf::push_glyph(&mut c.out, m.glyph_of(ch).unwrap_or(0));
            }
            c.out.push_str("> Tj");
        }
        c.op(&[], "ET");
    }
    c.out.into_bytes()
}

/// A content stream being written as lopdf writes one: operators one per line, each
/// operand followed by a space, real numbers as Rust prints an `f32`.
#[derive(Default)]
struct Content {
    out: String,
}

impl Content {
    /// Starts an operator (a line of its own after the first).
    fn start(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn operands(&mut self, numbers: &[f32]) {
        for &v in numbers {
            // A whole number below 2^24 prints as its digits (the shortest decimal that
            // reads back as it); integer formatting is the cheaper way there. Minus zero
            // prints as "-0".
            if v.fract() == 0.0 && v.abs() < 16_777_216.0 && !(v == 0.0 && v.is_sign_negative()) {
                let _ = write!(self.out, "{} ", v as i32);
            } else {
                let _ = write!(self.out, "{v} ");
            }
        }
    }

    fn op(&mut self, numbers: &[f32], operator: &str) {
        self.start();
        self.operands(numbers);
        self.out.push_str(operator);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::layout::Run;

    /// The content stream printpdf writes for `l` (what generated pages were made with
    /// before they were written directly): a one-page document in the same font.
    fn printpdf_content(l: &PageLayout, m: &Metrics, black: bool) -> Vec<u8> {
        let mut l = l.clone();
        if black {
            for r in &mut l.runs {
                r.gray = 0.0;
            }
        }
        let font_id = FontId(FONT_ID.to_string());
        let mut pdf = PdfDocument::new("oracle");
        pdf.resources
            .fonts
            .map
            .insert(font_id.clone(), printpdf::PdfFont::new(m.parsed().clone()));
        pdf.pages = vec![paint(l, (612.0, 792.0), &font_id, black)];
        let mut warnings = Vec::new();
        let lo = printpdf::serialize::to_lopdf_doc(&pdf, &save_options(), &mut warnings);
        let page = lo.get_pages().into_values().next().expect("one page");
        let contents = lo
            .get_dictionary(page)
            .and_then(|d| d.get(b"Contents"))
            .and_then(|c| c.as_reference())
            .expect("page contents");
        lo.get_object(contents)
            .and_then(|o| o.as_stream())
            .expect("content stream")
            .content
            .clone()
    }

    fn run(x: f32, y: f32, size: f32, bold: bool, gray: f32, text: &str) -> Run {
        Run {
            x,
            y,
            size,
            bold,
            gray,
            text: text.to_string(),
        }
    }

    /// The font program streams of a PDF, inflated.
    fn font_programs(bytes: &[u8]) -> Vec<Vec<u8>> {
        let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
        doc.objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| s.dict.has(b"Length1"))
            .map(|s| s.decompressed_content().expect("the program inflates"))
            .collect()
    }

    #[test]
    fn standalone_pdfs_carry_the_whole_font_program() {
        let m = Metrics::get().expect("the embedded font");
        let paper = crate::base::layout::Paper::Letter;
        let text = PageLayout {
            runs: vec![run(72.0, 700.0, 11.0, false, 0.0, "Dear Dr. Example,")],
            ..PageLayout::default()
        };
        let pdf = pdf_from_layouts(m, paper, &[text], lopdf::Dictionary::new()).expect("pdf");
        let programs = font_programs(&pdf);
        assert_eq!(programs.len(), 1);
        assert!(programs[0] == crate::base::fonts::FONT_BYTES);
        // A page drawing no letter is written too.
        let lines = PageLayout {
            shapes: vec![Shape::Box {
                x: 10.0,
                y: 10.0,
                w: 20.0,
                h: 20.0,
            }],
            ..PageLayout::default()
        };
        let pdf = pdf_from_layouts(m, paper, &[lines], lopdf::Dictionary::new()).expect("pdf");
        assert!(font_programs(&pdf)
            .iter()
            .all(|p| p == crate::base::fonts::FONT_BYTES));
        // The generated pages' font document carries it as well, compressed.
        let (doc, _) = font_document(m, paper, "Index").expect("font document");
        let mut out = Vec::new();
        let mut doc = doc;
        doc.save_to(&mut out).expect("saved");
        assert!(font_programs(&out) == vec![crate::base::fonts::FONT_BYTES.to_vec()]);
    }

    #[test]
    fn pages_are_written_as_printpdf_writes_them() {
        let m = Metrics::get().expect("the embedded font");
        let mut pages = vec![
            PageLayout::default(),
            PageLayout {
                runs: vec![
                    run(
                        54.0,
                        728.0,
                        10.0,
                        false,
                        0.35,
                        "Prepared for a second opinion",
                    ),
                    run(54.0, 704.5, 20.0, true, 0.0, "Synthetic Patient"),
                    // The same size, bold changing; the same state twice; an empty run.
                    run(54.0, 680.25, 20.0, false, 0.0, "Name"),
                    run(174.0, 680.25, 20.0, false, 0.0, "Ñoño Pérez — “café” ½ €"),
                    run(174.0, 660.125, 8.5, true, 0.3, ""),
                    // Characters the font has no glyph for are drawn as glyph 0.
                    run(0.0, -3.5, 7.25, false, 1.0, "病理 ☃ \u{1F600} tab\tend"),
                ],
                shapes: vec![
                    Shape::Line {
                        x1: 54.0,
                        y1: 671.95,
                        x2: 558.0,
                        y2: 671.95,
                        width: 0.25,
                    },
                    Shape::Box {
                        x: 50.5,
                        y: 100.0,
                        w: 511.0,
                        h: 0.001,
                    },
                ],
                links: vec![Link {
                    rect: [0.0, 0.0, 10.0, 10.0],
                    target: 0,
                }],
            },
        ];
        // Many numbers, as a long index prints them.
        let mut seed: u32 = 12345;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / 65536.0
        };
        let mut long = PageLayout::default();
        for k in 0..200 {
            let (x, y, w) = (next() * 2.0, next() * 3.0, next() / 100.0);
            long.runs.push(run(
                x,
                y,
                6.0 + (k % 5) as f32 * 0.7,
                k % 3 == 0,
                (k % 4) as f32 * 0.15,
                &format!("Row {k}: {x} {y} 03/14/2025 WBC 6.1 ×10⁹/L"),
            ));
            long.shapes.push(Shape::Line {
                x1: x,
                y1: y,
                x2: x + 500.0,
                y2: y,
                width: w,
            });
        }
        pages.push(long);
        // Whole numbers at the edges of exact representation, minus zero, and others.
        let edges = [
            -0.0f32,
            0.0,
            1.0,
            -1.0,
            16_777_215.0,
            16_777_216.0,
            16_777_218.0,
            123_456_790.0,
            1e10,
            -3e9,
            0.1 + 0.2,
            1e-7,
            f32::MIN_POSITIVE,
        ];
        pages.push(PageLayout {
            runs: edges
                .iter()
                .map(|&v| run(v, -v, 10.0 + (v.abs() % 3.0), false, 0.0, "x"))
                .collect(),
            shapes: edges
                .iter()
                .map(|&v| Shape::Box {
                    x: v,
                    y: v / 3.0,
                    w: -v,
                    h: v * 2.0,
                })
                .collect(),
            links: Vec::new(),
        });
        for l in &pages {
            for black in [false, true] {
                let ours = content_of(l, m, black);
                let theirs = printpdf_content(l, m, black);
                assert!(
                    ours == theirs,
                    "black {black}:\nours:\n{}\nprintpdf:\n{}",
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&theirs)
                );
            }
        }
        // Fax pages draw in black only.
        let fax = String::from_utf8(content_of(&pages[1], m, true)).expect("ASCII");
        assert!(!fax.contains("0.35 g") && !fax.contains("0.55 G"), "{fax}");
        assert!(fax.contains("0 g") && fax.contains("0 G"), "{fax}");
    }
}
