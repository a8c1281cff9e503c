//! Extent: a page's content streams turn into the boxes (in the page's user space) that its
//! text, paths, images and shadings may cover — a conservative interpreter that follows the
//! current transformation, the text state and the clip through Form XObjects. Where it
//! cannot tell, it counts the whole clip as covered, so the stamp never lands on content.

use crate::base::pdf::Lookup;
use crate::read::pdf::ops::{self, Operand, Ops};
use lopdf::{Dictionary, Document, Object};
use std::rc::Rc;

/// A box: x0, y0, x1, y1.
pub type Rect = [f32; 4];

/// A matrix [a b c d e f] as PDF writes it (row vectors: p' = p × M).
pub type Matrix = [f32; 6];

pub const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b`: the matrix of applying `a` first, then `b`.
pub fn mul(a: Matrix, b: Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// The inverse of `m`, if it has one.
pub fn invert(m: Matrix) -> Option<Matrix> {
    let det = m[0] * m[3] - m[1] * m[2];
    if det.abs() < 1e-9 || !det.is_finite() {
        return None;
    }
    let a = m[3] / det;
    let b = -m[1] / det;
    let c = -m[2] / det;
    let d = m[0] / det;
    Some([a, b, c, d, -(m[4] * a + m[5] * c), -(m[4] * b + m[5] * d)])
}

/// The point (x, y) moved by `m`.
pub fn apply(m: Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// The axis-aligned box around `r` moved by `m`.
pub fn transform_rect(m: Matrix, r: Rect) -> Rect {
    let pts = [
        apply(m, r[0], r[1]),
        apply(m, r[2], r[1]),
        apply(m, r[0], r[3]),
        apply(m, r[2], r[3]),
    ];
    let mut out = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for (x, y) in pts {
        out[0] = out[0].min(x);
        out[1] = out[1].min(y);
        out[2] = out[2].max(x);
        out[3] = out[3].max(y);
    }
    out
}

fn intersect(a: Rect, b: Rect) -> Option<Rect> {
    let r = [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    ];
    (r[0] <= r[2] && r[1] <= r[3]).then_some(r)
}

/// Helvetica-Bold advance widths (1/1000 em) of the printable ASCII characters: a generous
/// stand-in for a standard font that gives no /Widths.
const ASCII_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 278, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// How a font's codes turn into advance widths.
#[derive(Clone)]
struct FontWidths {
    /// Bytes per character code (1 for simple fonts, 2 for composite ones).
    bytes: usize,
    first: u32,
    widths: Vec<f32>,
    /// Composite fonts: (first code, last code, width).
    ranges: Vec<(u32, u32, f32)>,
    default: f32,
    /// Courier and the like: every glyph as wide.
    fixed: Option<f32>,
    /// Glyph space to text space (Type 3 fonts), horizontally.
    scale: f32,
    /// Glyph height above the baseline and depth below it, in text space units of 1 em.
    ascent: f32,
    descent: f32,
    /// No widths known: the ASCII table stands in.
    guess: bool,
    /// A one-byte font's width of every code ([`FontWidths::width`], looked up once: a
    /// page's text is measured a character at a time); empty otherwise.
    table: Vec<f32>,
}

impl FontWidths {
    fn unknown() -> Self {
        FontWidths {
            bytes: 1,
            first: 0,
            widths: Vec::new(),
            ranges: Vec::new(),
            default: 1000.0,
            fixed: None,
            scale: 0.001,
            ascent: 1.0,
            descent: 0.3,
            guess: true,
            table: Vec::new(),
        }
    }

    /// These widths with [`FontWidths::table`] filled in, for a one-byte font.
    fn with_table(mut self) -> Self {
        self.table = if self.bytes == 1 {
            (0..=255u32).map(|c| self.width(c)).collect()
        } else {
            Vec::new()
        };
        self
    }

    fn width(&self, code: u32) -> f32 {
        let w = if let Some(f) = self.fixed {
            f
        } else if self.bytes == 2 {
            self.ranges
                .iter()
                .find(|(a, b, _)| (*a..=*b).contains(&code))
                .map(|r| r.2)
                .unwrap_or(self.default)
        } else if self.guess {
            match code {
                32..=126 => f32::from(ASCII_WIDTHS[(code - 32) as usize]),
                _ => 1000.0,
            }
        } else {
            code.checked_sub(self.first)
                .and_then(|i| self.widths.get(i as usize).copied())
                .unwrap_or(self.default)
        };
        w * self.scale
    }
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

/// Follows references (a bounded number of hops) to the object itself.
pub fn deref<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => o = doc.objects.get(id)?,
            other => return Some(other),
        }
    }
    None
}

fn dict_of<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, o)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn font_widths(doc: &Document, font: &Dictionary) -> FontWidths {
    let mut fw = FontWidths::unknown();
    let name = |k: &[u8]| font.lookup(k).and_then(|o| o.as_name().ok());
    let subtype = name(b"Subtype").unwrap_or(b"");
    if subtype == b"Type0" {
        fw.bytes = 2;
        fw.guess = false;
        let desc = font
            .lookup(b"DescendantFonts")
            .and_then(|d| deref(doc, d))
            .and_then(|d| d.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|d| dict_of(doc, d));
        if let Some(desc) = desc {
            if let Some(dw) = desc.lookup(b"DW").and_then(num) {
                fw.default = dw;
            }
            if let Some(Object::Array(w)) = desc.lookup(b"W").and_then(|w| deref(doc, w)) {
                let mut i = 0;
                while i < w.len() {
                    let Some(first) = w.get(i).and_then(num) else {
                        break;
                    };
                    match w.get(i + 1).and_then(|o| deref(doc, o)) {
                        Some(Object::Array(list)) => {
                            for (k, v) in list.iter().enumerate() {
                                if let Some(v) = num(v) {
                                    let c = first as u32 + k as u32;
                                    fw.ranges.push((c, c, v));
                                }
                            }
                            i += 2;
                        }
                        Some(last) => {
                            let (Some(last), Some(v)) = (num(last), w.get(i + 2).and_then(num))
                            else {
                                break;
                            };
                            fw.ranges.push((first as u32, last as u32, v));
                            i += 3;
                        }
                        None => break,
                    }
                    if fw.ranges.len() > 100_000 {
                        break;
                    }
                }
            }
        }
        return fw;
    }
    if let Some(Object::Array(w)) = font.lookup(b"Widths").and_then(|w| deref(doc, w)) {
        fw.guess = false;
        fw.widths = w.iter().map(|v| num(v).unwrap_or(1000.0)).collect();
        fw.first = font
            .lookup(b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0)
            .max(0.0) as u32;
        fw.default = font
            .lookup(b"FontDescriptor")
            .and_then(|d| dict_of(doc, d))
            .and_then(|d| d.lookup(b"MissingWidth"))
            .and_then(num)
            .unwrap_or(1000.0);
    } else if name(b"BaseFont").is_some_and(|b| b.starts_with(b"Courier")) {
        fw.fixed = Some(600.0);
    }
    if subtype == b"Type3" {
        let m = font
            .lookup(b"FontMatrix")
            .and_then(|m| deref(doc, m))
            .and_then(|m| m.as_array().ok())
            .map(|a| a.iter().filter_map(num).collect::<Vec<f32>>())
            .filter(|a| a.len() == 6);
        if let Some(m) = m {
            fw.scale = m[0].abs().max(m[2].abs());
            // The glyphs' height in text space, from the font's box when it has one.
            let bbox = font
                .lookup(b"FontBBox")
                .and_then(|b| deref(doc, b))
                .and_then(|b| b.as_array().ok())
                .map(|a| a.iter().filter_map(num).collect::<Vec<f32>>())
                .filter(|a| a.len() == 4);
            let sy = m[1].abs().max(m[3].abs());
            match bbox {
                Some(b) if sy > 0.0 => {
                    fw.ascent = (b[1].max(b[3]) * sy).max(1.0);
                    fw.descent = (-(b[1].min(b[3])) * sy).max(0.3);
                }
                _ => {
                    fw.ascent = 2.0;
                    fw.descent = 1.0;
                }
            }
        }
    }
    fw
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    clip: Rect,
    line_width: f32,
    fill_white: bool,
    stroke_white: bool,
    font: Option<Rc<FontWidths>>,
    size: f32,
    char_space: f32,
    word_space: f32,
    hscale: f32,
    leading: f32,
    rise: f32,
}

/// What [`covered`] found.
#[derive(Debug, Default)]
pub struct Extent {
    /// Boxes in page space that may hold visible content, among those in the region asked.
    pub boxes: Vec<Rect>,
    /// The content was read whole: it parses to its end ([`ops::parses`]) and is no larger
    /// than [`MAX_PARSED`]. Always true for [`Source::Parsed`]; false without content.
    pub parses: bool,
}

/// Most boxes kept; past this the whole region counts as covered.
const MAX_BOXES: usize = 200_000;
/// Most operators interpreted for one page (forms included).
const MAX_OPS: usize = 5_000_000;
/// Deepest nesting of forms followed.
const MAX_DEPTH: usize = 12;
/// Largest content (one stream, or a form's) parsed; larger counts as covering its clip.
pub(crate) const MAX_PARSED: usize = 32 * 1024 * 1024;
/// Largest decoded content stream read.
const MAX_CONTENT: usize = 256 * 1024 * 1024;

struct Interp<'d> {
    doc: &'d Document,
    region: Rect,
    out: Vec<Rect>,
    /// Operators interpreted, counted against [`MAX_OPS`] (those of content found flawed
    /// are taken back, as that content counts as never interpreted).
    ops: usize,
    full: bool,
    /// Operators read by every walk, taken back or not: the work done.
    walked: usize,
}

impl<'d> Interp<'d> {
    fn new(doc: &'d Document, region: Rect) -> Self {
        Interp {
            doc,
            region,
            out: Vec::new(),
            ops: 0,
            full: false,
            walked: 0,
        }
    }
}

impl GState {
    /// The state a page's content starts in, clipped to `page_box`.
    fn initial(page_box: Rect) -> Self {
        GState {
            ctm: IDENTITY,
            clip: page_box,
            line_width: 1.0,
            fill_white: false,
            stroke_white: false,
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            hscale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// The boxes (page space) within `region` that the page's content may cover. `page_box`
/// is the media box (the first clip). `content` is the page's content, its streams joined.
pub fn covered(
    doc: &Document,
    resources: Option<&Dictionary>,
    content: &[u8],
    page_box: Rect,
    region: Rect,
) -> Extent {
    covered_by(doc, resources, Source::Bytes(content), page_box, region)
}

/// A page's content as the interpreter takes it: its bytes, or its bytes already found to
/// parse to their end ([`ops::parses`]), so they are not checked again.
#[derive(Clone, Copy)]
pub enum Source<'c> {
    Bytes(&'c [u8]),
    Parsed(&'c [u8]),
}

/// [`covered`], for content given as bytes or as its parsed operations.
pub fn covered_by(
    doc: &Document,
    resources: Option<&Dictionary>,
    content: Source<'_>,
    page_box: Rect,
    region: Rect,
) -> Extent {
    let mut it = Interp::new(doc, region);
    let gs = GState::initial(page_box);
    let parses = match content {
        Source::Bytes(b) => it.run(b, resources, gs, 0),
        Source::Parsed(ops) => {
            it.run_ops(ops, resources, gs, 0);
            true
        }
    };
    if it.full {
        // Unsure: the whole region counts as covered.
        return Extent {
            boxes: vec![region],
            parses,
        };
    }
    Extent {
        boxes: it.out,
        parses,
    }
}

/// How a walk of content by [`Interp::run_ops`] ended.
enum Walk {
    /// At the content's end: it parses whole.
    Ended,
    /// At a flaw: it does not parse (what it draws is unknown).
    Flawed,
    /// Before the end, at the limit of operators or boxes: the rest was not read.
    Stopped,
}

impl Interp<'_> {
    fn add(&mut self, gs: &GState, r: Rect) {
        if !r.iter().all(|v| v.is_finite()) {
            self.add_clip(gs);
            return;
        }
        if let Some(r) = intersect(r, gs.clip).and_then(|r| intersect(r, self.region)) {
            if self.out.len() >= MAX_BOXES {
                self.full = true;
            } else {
                self.out.push(r);
            }
        }
    }

    /// Everything the clip lets through counts as covered.
    fn add_clip(&mut self, gs: &GState) {
        let clip = gs.clip;
        self.add(
            &GState {
                clip: self.region,
                ..gs.clone()
            },
            clip,
        );
    }

    /// Interprets content whose parsing is not known yet; says whether it parses to its
    /// end. Content that does not, or too much to read, covers its clip: what it draws is
    /// unknown. A page's own content (depth 0) is read once: the walk that interprets it
    /// also finds whether it parses, and when it meets a flaw, what the operations before
    /// it added is taken back (the same as never interpreting it). A form's is checked
    /// first, as every content once was.
    fn run(&mut self, content: &[u8], res: Option<&Dictionary>, gs: GState, depth: usize) -> bool {
        if content.len() > MAX_PARSED {
            self.add_clip(&gs);
            return false;
        }
        if depth > 0 {
            // A form's content is checked before it is interpreted. Walked first, a
            // flawed form's walk would be taken back, and with it the operators counted
            // against MAX_OPS: forms drawn by flawed forms would be walked again at every
            // level, work growing as their number to the power of the depth.
            if !ops::parses(content) {
                self.add_clip(&gs);
                return false;
            }
            self.run_ops(content, res, gs, depth);
            return true;
        }
        let (boxes, ops, full) = (self.out.len(), self.ops, self.full);
        let parses = match self.run_ops(content, res, gs.clone(), depth) {
            Walk::Ended => true,
            Walk::Flawed => false,
            Walk::Stopped => ops::parses(content),
        };
        if !parses {
            self.out.truncate(boxes);
            self.ops = ops;
            self.full = full;
            self.add_clip(&gs);
        }
        parses
    }

    /// Interprets content up to its end or its first flaw (all of it, for content known
    /// to parse); says where the walk ended.
    fn run_ops(
        &mut self,
        content: &[u8],
        res: Option<&Dictionary>,
        mut gs: GState,
        depth: usize,
    ) -> Walk {
        let doc = self.doc;
        let lookup = |kind: &[u8], name: &[u8]| -> Option<&Object> {
            let cat = res?.lookup(kind).and_then(|c| dict_of(doc, c))?;
            cat.lookup(name).and_then(|o| deref(doc, o))
        };
        let mut stack: Vec<GState> = Vec::new();
        let mut path: Option<Rect> = None;
        let mut pending_clip = false;
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut fonts: std::collections::HashMap<Vec<u8>, Rc<FontWidths>> =
            std::collections::HashMap::new();
        let extend = |path: &mut Option<Rect>, ctm: Matrix, x: f32, y: f32| {
            let (px, py) = apply(ctm, x, y);
            let p = path.get_or_insert([px, py, px, py]);
            p[0] = p[0].min(px);
            p[1] = p[1].min(py);
            p[2] = p[2].max(px);
            p[3] = p[3].max(py);
        };
        let mut ops = Ops::new(content);
        loop {
            let op = match ops.next() {
                None => return Walk::Ended,
                Some(Err(_)) => return Walk::Flawed,
                Some(Ok(op)) => op,
            };
            let (operator, operands) = (op.operator, op.operands);
            self.walked += 1;
            self.ops += 1;
            if self.ops > MAX_OPS || self.full {
                self.full = true;
                return Walk::Stopped;
            }
            let n = |i: usize| operands.get(i).and_then(Operand::number).unwrap_or(0.0);
            match operator {
                b"q" if stack.len() < 4096 => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                b"cm" => {
                    let m = [n(0), n(1), n(2), n(3), n(4), n(5)];
                    gs.ctm = mul(m, gs.ctm);
                }
                b"w" => gs.line_width = n(0).abs(),
                b"g" => gs.fill_white = n(0) >= 1.0,
                b"G" => gs.stroke_white = n(0) >= 1.0,
                b"rg" => gs.fill_white = n(0) >= 1.0 && n(1) >= 1.0 && n(2) >= 1.0,
                b"RG" => gs.stroke_white = n(0) >= 1.0 && n(1) >= 1.0 && n(2) >= 1.0,
                b"k" => gs.fill_white = (0..4).all(|i| n(i) <= 0.0),
                b"K" => gs.stroke_white = (0..4).all(|i| n(i) <= 0.0),
                b"cs" | b"sc" | b"scn" => gs.fill_white = false,
                b"CS" | b"SC" | b"SCN" => gs.stroke_white = false,
                b"m" | b"l" => extend(&mut path, gs.ctm, n(0), n(1)),
                b"c" => {
                    for i in 0..3 {
                        extend(&mut path, gs.ctm, n(2 * i), n(2 * i + 1));
                    }
                }
                b"v" | b"y" => {
                    extend(&mut path, gs.ctm, n(0), n(1));
                    extend(&mut path, gs.ctm, n(2), n(3));
                }
                b"re" => {
                    let (x, y, w, h) = (n(0), n(1), n(2), n(3));
                    for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                        extend(&mut path, gs.ctm, px, py);
                    }
                }
                b"W" | b"W*" => pending_clip = true,
                b"S" | b"s" | b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" | b"n" => {
                    let stroke = matches!(operator, b"S" | b"s" | b"B" | b"B*" | b"b" | b"b*");
                    let fill =
                        matches!(operator, b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*");
                    if let Some(p) = path {
                        let visible = (stroke && !gs.stroke_white) || (fill && !gs.fill_white);
                        if visible {
                            // Half the line width, in page space, around the path.
                            let lw = if stroke {
                                let s = (gs.ctm[0].abs() + gs.ctm[1].abs())
                                    .max(gs.ctm[2].abs() + gs.ctm[3].abs());
                                gs.line_width.max(1.0) * s / 2.0 + 0.5
                            } else {
                                0.5
                            };
                            self.add(&gs, [p[0] - lw, p[1] - lw, p[2] + lw, p[3] + lw]);
                        }
                        if pending_clip {
                            gs.clip = intersect(gs.clip, p).unwrap_or([0.0, 0.0, 0.0, 0.0]);
                        }
                    }
                    pending_clip = false;
                    path = None;
                }
                b"sh" => self.add_clip(&gs),
                b"BI" => self.add(&gs, transform_rect(gs.ctm, [0.0, 0.0, 1.0, 1.0])),
                b"Do" => {
                    let Some(name) = operands.first().and_then(Operand::name) else {
                        continue;
                    };
                    // A missing XObject draws nothing.
                    if let Some(Object::Stream(s)) = lookup(b"XObject", &name) {
                        let sub = s.dict.lookup(b"Subtype").and_then(|t| t.as_name().ok());
                        if sub == Some(b"Form") {
                            self.form(s, res, &gs, depth);
                        } else if sub == Some(b"Image") {
                            self.add(&gs, transform_rect(gs.ctm, [0.0, 0.0, 1.0, 1.0]));
                        }
                    }
                }
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"Tf" => {
                    gs.size = n(1);
                    let name = operands.first().and_then(Operand::name).unwrap_or_default();
                    let fw = match fonts.get(name.as_ref()) {
                        Some(fw) => fw.clone(),
                        None => {
                            let fw = Rc::new(
                                match lookup(b"Font", &name) {
                                    Some(Object::Dictionary(d)) => font_widths(doc, d),
                                    _ => FontWidths::unknown(),
                                }
                                .with_table(),
                            );
                            fonts.insert(name.into_owned(), fw.clone());
                            fw
                        }
                    };
                    gs.font = Some(fw);
                }
                b"Tc" => gs.char_space = n(0),
                b"Tw" => gs.word_space = n(0),
                b"Tz" => gs.hscale = n(0) / 100.0,
                b"TL" => gs.leading = n(0),
                b"Ts" => gs.rise = n(0),
                b"Td" => {
                    tlm = mul([1.0, 0.0, 0.0, 1.0, n(0), n(1)], tlm);
                    tm = tlm;
                }
                b"TD" => {
                    gs.leading = -n(1);
                    tlm = mul([1.0, 0.0, 0.0, 1.0, n(0), n(1)], tlm);
                    tm = tlm;
                }
                b"Tm" => {
                    tlm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                    tm = tlm;
                }
                b"T*" => {
                    tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if operator == b"'" || operator == b"\"" {
                        if operator == b"\"" {
                            gs.word_space = n(0);
                            gs.char_space = n(1);
                        }
                        tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], tlm);
                        tm = tlm;
                    }
                    let last = operands.last().copied();
                    let array = operator == b"TJ" && matches!(last, Some(Operand::Array(_)));
                    let items = last
                        .filter(|_| !array)
                        .into_iter()
                        .chain(last.filter(|_| array).into_iter().flat_map(|a| a.items()));
                    let unknown;
                    let fw = match &gs.font {
                        Some(f) => f.as_ref(),
                        None => {
                            unknown = FontWidths::unknown();
                            &unknown
                        }
                    };
                    let start = tm;
                    let mut advance = 0.0f32;
                    for item in items {
                        match item.string() {
                            Some(bytes) if fw.table.len() == 256 => {
                                // As below, a code a byte, its width from the table.
                                for &b in bytes.iter() {
                                    let mut w = fw.table[usize::from(b)] * gs.size + gs.char_space;
                                    if b == 32 {
                                        w += gs.word_space;
                                    }
                                    advance += w * gs.hscale;
                                }
                            }
                            Some(bytes) => {
                                for code in bytes.chunks(fw.bytes) {
                                    let c = code.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
                                    let mut w = fw.width(c) * gs.size + gs.char_space;
                                    if fw.bytes == 1 && c == 32 {
                                        w += gs.word_space;
                                    }
                                    advance += w * gs.hscale;
                                }
                            }
                            None => {
                                if let Some(v) = item.number() {
                                    advance -= v / 1000.0 * gs.size * gs.hscale;
                                }
                            }
                        }
                    }
                    let size = gs.size.abs();
                    let (lo, hi) = (gs.rise - fw.descent * size, gs.rise + fw.ascent * size);
                    let (x0, x1) = (advance.min(0.0), advance.max(0.0));
                    let trm = mul(start, gs.ctm);
                    self.add(&gs, transform_rect(trm, [x0, lo, x1, hi]));
                    tm = mul([1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
                }
                _ => {}
            }
        }
    }

    fn form(&mut self, s: &lopdf::Stream, parent: Option<&Dictionary>, gs: &GState, depth: usize) {
        if depth >= MAX_DEPTH {
            self.add_clip(gs);
            return;
        }
        let doc = self.doc;
        let matrix = s
            .dict
            .lookup(b"Matrix")
            .and_then(|m| deref(doc, m))
            .and_then(|m| m.as_array().ok())
            .map(|a| a.iter().filter_map(num).collect::<Vec<f32>>())
            .filter(|a| a.len() == 6)
            .map(|a| [a[0], a[1], a[2], a[3], a[4], a[5]])
            .unwrap_or(IDENTITY);
        let mut inner = gs.clone();
        inner.ctm = mul(matrix, gs.ctm);
        let bbox = s
            .dict
            .lookup(b"BBox")
            .and_then(|b| deref(doc, b))
            .and_then(read_box);
        if let Some(b) = bbox {
            inner.clip = intersect(inner.clip, transform_rect(inner.ctm, b)).unwrap_or([0.0; 4]);
        }
        let res = s
            .dict
            .lookup(b"Resources")
            .and_then(|r| dict_of(doc, r))
            .or(parent);
        match s.decompressed_content_with_limit(MAX_CONTENT) {
            Ok(content) => {
                self.run(&content, res, inner, depth + 1);
            }
            Err(_) if s.dict.lookup(b"Filter").is_none() => {
                self.run(&s.content, res, inner, depth + 1);
            }
            Err(_) => self.add_clip(&inner),
        }
    }
}

/// How near (points) to an edge of the visible box a covered box must come to matter for
/// the footer: the footer and the band it may move to lie within this of the displayed
/// bottom and top edges, whichever way the page is turned (`write::stamp` checks this).
pub const EDGE: f32 = 32.0;

/// Largest decoded page content looked at for the footer's room.
const EXTENT_CONTENT: usize = 256 * 1024 * 1024;

/// A page's content: its streams, each decoded and followed by a newline (a content
/// stream may only be divided between tokens); None when one cannot be decoded.
/// `decoded` gives the streams the damage check already inflated (plain Flate, no
/// parameters), so they are not inflated twice.
pub fn page_content<'a>(
    doc: &'a Document,
    page: &'a Dictionary,
    decoded: &dyn Fn(lopdf::ObjectId) -> Option<&'a [u8]>,
) -> Option<Vec<u8>> {
    let parts: Vec<&Object> = match page.lookup(b"Contents").map(|o| (o, deref(doc, o))) {
        Some((_, Some(Object::Array(a)))) => a.iter().collect(),
        Some((r @ Object::Reference(_), Some(Object::Stream(_)))) => vec![r],
        _ => Vec::new(),
    };
    let mut content = Vec::new();
    for c in parts {
        let Some(Object::Stream(s)) = deref(doc, c) else {
            continue;
        };
        let plain_flate = s.dict.lookup(b"DecodeParms").is_none()
            && match s.dict.lookup(b"Filter") {
                Some(Object::Name(n)) => n.as_slice() == b"FlateDecode",
                Some(Object::Array(a)) => {
                    a.len() == 1 && a[0].as_name().ok() == Some(b"FlateDecode")
                }
                _ => false,
            };
        let known = match c {
            Object::Reference(id) if plain_flate => decoded(*id),
            _ => None,
        };
        match known {
            Some(d) => content.extend_from_slice(d),
            None if s.dict.lookup(b"Filter").is_none() => content.extend_from_slice(&s.content),
            None => {
                content.extend_from_slice(&s.decompressed_content_with_limit(EXTENT_CONTENT).ok()?)
            }
        }
        content.push(b'\n');
    }
    Some(content)
}

/// The boxes (page space) a source page's content may cover that come within [`EDGE`] of
/// an edge of its visible box: all the footer's placement needs, small enough to keep
/// with the file's other facts so a rebuild does not read the content again. `content`
/// is the page's content ([`page_content`]), as bytes or already parsed; the whole
/// visible box counts as covered when it could not be read (None).
pub fn page_edges(doc: &Document, page: &Dictionary, content: Option<Source<'_>>) -> Vec<Rect> {
    page_edges_parsing(doc, page, content).boxes
}

/// [`page_edges`], and whether the content parsed to its end (false when there was none):
/// the scan reads the page's text from the content only when it does, and learns it here
/// rather than by reading the content once more.
pub fn page_edges_parsing(
    doc: &Document,
    page: &Dictionary,
    content: Option<Source<'_>>,
) -> Extent {
    // A page's own attribute, else its ancestors' (as the writer moves them onto it).
    let attr = |key: &[u8]| match page.lookup(key) {
        Some(o) => deref(doc, o),
        None => inherited(doc, page, key),
    };
    let boxed = |key: &[u8]| attr(key).and_then(read_box);
    let media = boxed(b"MediaBox").unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let visible = visible_box(media, boxed(b"CropBox"));
    let Some(content) = content else {
        return Extent {
            boxes: vec![visible],
            parses: false,
        };
    };
    let res = attr(b"Resources").and_then(|o| o.as_dict().ok());
    let mut extent = covered_by(doc, res, content, media, visible);
    extent.boxes.retain(|b| near_edge(visible, b));
    extent
}

/// Does box `b` come within [`EDGE`] of an edge of `visible`?
pub fn near_edge(visible: Rect, b: &Rect) -> bool {
    b[0] < visible[0] + EDGE
        || b[1] < visible[1] + EDGE
        || b[2] > visible[2] - EDGE
        || b[3] > visible[3] - EDGE
}

/// A page attribute the page takes from its ancestors in the page tree (MediaBox,
/// CropBox, Rotate, Resources), when it does not set it itself.
pub fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page
        .lookup(b"Parent")
        .and_then(|p| deref(doc, p))
        .and_then(|p| p.as_dict().ok());
    for _ in 0..64 {
        let n = node?;
        if let Some(v) = n.lookup(key) {
            return deref(doc, v);
        }
        node = n
            .lookup(b"Parent")
            .and_then(|p| deref(doc, p))
            .and_then(|p| p.as_dict().ok());
    }
    None
}

/// A box kept with the file's facts, as the bits of its numbers (exact through JSON).
pub fn to_bits(r: &Rect) -> [u32; 4] {
    r.map(f32::to_bits)
}

/// A box from [`to_bits`].
pub fn from_bits(b: &[u32; 4]) -> Rect {
    b.map(f32::from_bits)
}

/// Reads a box array [x0 y0 x1 y1], normalised so x0 < x1 and y0 < y1.
pub fn read_box(obj: &Object) -> Option<[f32; 4]> {
    let a = obj.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut v = [0.0f32; 4];
    for (i, o) in a.iter().enumerate() {
        v[i] = o.as_float().ok()?;
        if !v[i].is_finite() {
            return None;
        }
    }
    let b = [
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ];
    (b[2] - b[0] > 1.0 && b[3] - b[1] > 1.0).then_some(b)
}

/// The visible box from a media box and an optional crop box.
pub fn visible_box(media: [f32; 4], crop: Option<[f32; 4]>) -> [f32; 4] {
    match crop {
        Some(c) => {
            let b = [
                c[0].max(media[0]),
                c[1].max(media[1]),
                c[2].min(media[2]),
                c[3].min(media[3]),
            ];
            if b[2] - b[0] > 1.0 && b[3] - b[1] > 1.0 {
                b
            } else {
                media
            }
        }
        None => media,
    }
}

#[cfg(test)]
mod tests;
