//! Stamp: every packet page gets its footer (`<patient> · DOB <date> · Page i of N`) drawn
//! upright as the page is displayed (respecting /Rotate and the crop box); the packet gets
//! its outline (bookmarks) and document info.

use crate::base::fonts::Metrics;
use crate::base::pdf::{num, push_num};
use crate::plan::Plan;
use crate::read::extent::{self, Matrix, Rect};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

/// Resource name of the stamp font inside each page's /Font dictionary.
pub const STAMP_FONT: &str = "MPStampF0";
const SIZE: f32 = 7.5;
/// Distance of the stamp's baseline from the bottom edge of the displayed page.
const BASELINE: f32 = 16.0;

/// The footer text of packet page `page`, in the packet's language.
pub fn stamp_text(plan: &Plan, page: u32) -> String {
    // Every page's stamp shows the same date of birth: it is written once per thread for
    // the same language and date.
    type Written = (crate::base::i18n::Lang, Option<chrono::NaiveDate>, String);
    thread_local! {
        static DOB: std::cell::RefCell<Option<Written>> = const { std::cell::RefCell::new(None) };
    }
    let t = plan.lang.messages();
    DOB.with_borrow_mut(|dob| {
        let key = (plan.lang, plan.date_of_birth);
        let written = match dob {
            Some((lang, date, text)) if (*lang, *date) == key => text,
            _ => {
                let text = plan
                    .date_of_birth
                    .map(|d| t.date_short(d))
                    .unwrap_or_else(|| t.t("stamp.no_dob").to_string());
                &mut dob.insert((key.0, key.1, text)).2
            }
        };
        t.f(
            "stamp.text",
            &[
                ("name", &plan.patient_name),
                ("dob", written),
                ("i", itoa::Buffer::new().format(page)),
                ("n", itoa::Buffer::new().format(plan.total_pages)),
            ],
        )
    })
}

/// The glyphs the stamps use, so the font written at the end covers them all.
#[derive(Default)]
pub struct StampFont {
    /// Each glyph used, in glyph order, with the first character drawn with it (a sorted
    /// list: a page's stamp uses a few dozen glyphs, looked up for every character).
    used: Vec<(u16, char)>,
    /// The ASCII characters encoded so far (bit `c`): their glyphs are in `used`, so a
    /// character seen again is not looked for there.
    ascii: u128,
}

impl StampFont {
    /// Hex string of glyph ids for `text`, remembering which glyphs were used.
    pub fn encode(&mut self, m: &Metrics, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4);
        self.encode_into(m, text, &mut hex);
        hex
    }

    /// [`StampFont::encode`], appended to `out`.
    pub fn encode_into(&mut self, m: &Metrics, text: &str, out: &mut String) {
        // Each character as `Metrics::drawable` has it, looked up once.
        for c in text.chars() {
            let (c, gid) = m.drawn(c);
            if c.is_ascii() {
                let bit = 1u128 << (c as u32);
                if self.ascii & bit == 0 {
                    self.ascii |= bit;
                    self.note(gid, c);
                }
            } else {
                self.note(gid, c);
            }
            crate::base::pdf::push_glyph(out, gid);
        }
    }

    /// Adds the glyphs `other` used; a glyph already used keeps its character.
    pub fn absorb(&mut self, other: &StampFont) {
        for &(gid, c) in &other.used {
            self.note(gid, c);
        }
    }

    /// Records that glyph `gid` is drawn for `c`, unless it already was (for any
    /// character).
    fn note(&mut self, gid: u16, c: char) {
        if let Err(at) = self.used.binary_search_by_key(&gid, |&(g, _)| g) {
            self.used.insert(at, (gid, c));
        }
    }

    /// The Type0 font dictionary (and its parts) for the stamps, sharing the embedded
    /// font program described by `descriptor`.
    pub fn objects(&self, m: &Metrics, descriptor: ObjectId) -> (Dictionary, Dictionary, Stream) {
        let mut widths = Vec::new();
        for &(gid, _) in &self.used {
            widths.push(Object::Integer(i64::from(gid)));
            widths.push(Object::Array(vec![Object::Real(
                m.glyph_width_milli(gid).round(),
            )]));
        }
        let mut sysinfo = Dictionary::new();
        sysinfo.set("Registry", Object::string_literal("Adobe"));
        sysinfo.set("Ordering", Object::string_literal("Identity"));
        sysinfo.set("Supplement", 0);
        let mut cid = Dictionary::new();
        cid.set("Type", Object::Name(b"Font".to_vec()));
        cid.set("Subtype", Object::Name(b"CIDFontType2".to_vec()));
        cid.set("BaseFont", Object::Name(b"DejaVuSans".to_vec()));
        cid.set("CIDSystemInfo", Object::Dictionary(sysinfo));
        cid.set("FontDescriptor", Object::Reference(descriptor));
        cid.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
        cid.set("W", Object::Array(widths));
        let mut font = Dictionary::new();
        font.set("Type", Object::Name(b"Font".to_vec()));
        font.set("Subtype", Object::Name(b"Type0".to_vec()));
        font.set("BaseFont", Object::Name(b"DejaVuSans".to_vec()));
        font.set("Encoding", Object::Name(b"Identity-H".to_vec()));
        (
            font,
            cid,
            Stream::new(Dictionary::new(), self.to_unicode().into_bytes()),
        )
    }

    fn to_unicode(&self) -> String {
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /MPStamp-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        for chunk in self.used.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (gid, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                s.push_str(&format!("<{gid:04X}> <{hex}>\n"));
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s
    }
}

/// Where a page shows: its visible box and how it is turned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// The visible box (crop box within the media box): x0, y0, x1, y1.
    pub bbox: [f32; 4],
    /// /Rotate normalised to 0, 90, 180 or 270.
    pub rotate: i64,
}

impl PageGeometry {
    /// Width and height as displayed.
    pub fn shown(&self) -> (f32, f32) {
        let (w, h) = (self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1]);
        if self.rotate % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// The matrix from displayed coordinates (origin bottom-left of the page as shown,
    /// x right, y up) to the page's own user space.
    pub fn display_matrix(&self) -> [f32; 6] {
        let [x0, y0, x1, y1] = self.bbox;
        match self.rotate {
            90 => [0.0, 1.0, -1.0, 0.0, x1, y0],
            180 => [-1.0, 0.0, 0.0, -1.0, x1, y1],
            270 => [0.0, -1.0, 1.0, 0.0, x0, y1],
            _ => [1.0, 0.0, 0.0, 1.0, x0, y0],
        }
    }
}

/// Normalises a /Rotate value to 0, 90, 180 or 270.
pub fn normalize_rotate(r: i64) -> i64 {
    let r = r.rem_euclid(360);
    (r / 90) * 90
}

/// Smallest font size a stamp shrinks to before the name is shortened.
const MIN_SIZE: f32 = 5.0;

/// The stamp text and font size that fit `avail` points, and the text's width at that
/// size: first the font shrinks, then the patient's name is shortened with "…"; "Page i
/// of N" is never cut.
pub fn fitted_stamp(plan: &Plan, page: u32, avail: f32, m: &Metrics) -> (String, f32, f32) {
    let full = m.drawable(&stamp_text(plan, page));
    let tw = m.width(&full, SIZE);
    if tw <= avail {
        return (full, SIZE, tw);
    }
    let size = (SIZE * avail / tw).max(MIN_SIZE);
    let shrunk = m.width(&full, size);
    if shrunk <= avail {
        return (full, size, shrunk);
    }
    let name = m.drawable(&plan.patient_name);
    let rest = full.get(name.len()..).unwrap_or("");
    let room = (avail - m.width(rest, size)).max(0.0);
    let text = format!("{}{rest}", m.truncate(&name, size, room));
    let width = m.width(&text, size);
    if width <= avail {
        return (text, size, width);
    }
    // A page narrower than the date of birth and page number at the smallest size (a
    // label or a receipt): smaller still, down to TINY_SIZE, so "Page i of N" stays on it.
    let size = (size * avail / width).max(TINY_SIZE);
    let width = m.width(&text, size);
    (text, size, width)
}

/// Smallest font size of all, for a page too narrow for the shortened stamp at
/// [`MIN_SIZE`] (readable when the page is zoomed, as such a page must be anyway).
const TINY_SIZE: f32 = 2.0;

/// Where and how a page's footer is drawn, and how the page's content is shrunk to keep
/// it clear of the footer.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub text: String,
    pub size: f32,
    /// Start of the text, in displayed coordinates.
    pub x: f32,
    pub baseline: f32,
    /// The factor the page's content is shrunk by toward its top, when it had to be.
    pub scale: Option<f32>,
    /// The stamp's grey (`g` operand): grey on paper, black on a fax (a fax machine prints
    /// grey as scattered dots).
    pub gray: &'static str,
}

// The scan keeps only the covered boxes within `EDGE` of an edge of the page
// (read::extent::page_edges): the footer at its usual place (its top at most
// BASELINE + SIZE + 1 above the bottom) and the top band it may move to (from
// BASELINE + 3 below the top) must lie within that.
const _: () = assert!(BASELINE + SIZE + 1.0 < crate::read::extent::EDGE);
const _: () = assert!(BASELINE + 3.0 < crate::read::extent::EDGE);

/// Smallest factor a page's content is shrunk by to keep it from under the stamp.
pub const MIN_SCALE: f32 = 0.94;

impl Placement {
    /// The footer's usual place on page `page`: centred, near the bottom edge.
    pub fn new(plan: &Plan, page: u32, geo: &PageGeometry, m: &Metrics) -> Placement {
        let (w, _) = geo.shown();
        let (text, size, tw) = fitted_stamp(plan, page, w - 16.0, m);
        Placement {
            x: ((w - tw) / 2.0).max(4.0),
            text,
            size,
            baseline: BASELINE,
            scale: None,
            gray: if plan.fax { "0" } else { "0.3" },
        }
    }

    /// The box the footer's glyphs take, in displayed coordinates, with a little air.
    pub fn rect(&self, m: &Metrics) -> Rect {
        let tw = m.width(&self.text, self.size);
        [
            self.x - 2.0,
            self.baseline - 0.3 * self.size - 1.0,
            self.x + tw + 2.0,
            self.baseline + 1.0 * self.size + 1.0,
        ]
    }

    /// The matrix (page space) that shrinks the page's content toward the top of the
    /// displayed page, when it is shrunk.
    pub fn shrink_matrix(&self, geo: &PageGeometry) -> Option<Matrix> {
        let s = self.scale?;
        let (w, h) = geo.shown();
        let d = geo.display_matrix();
        let inv = extent::invert(d)?;
        let scale = [s, 0.0, 0.0, s, (1.0 - s) * w / 2.0, (1.0 - s) * h];
        Some(extent::mul(extent::mul(inv, scale), d))
    }

    /// Keeps the footer off the page's own content. `covered` are the boxes (page space)
    /// the content may cover. When the footer would lie on any of them, the content is
    /// shrunk toward the top just enough (never below [`MIN_SCALE`]); on a page too short
    /// for that, the footer moves to a free band at the top, or else into the room the
    /// smallest shrink leaves.
    pub fn avoid(&mut self, geo: &PageGeometry, covered: &[Rect], m: &Metrics) {
        let Some(to_display) = extent::invert(geo.display_matrix()) else {
            return;
        };
        let shown: Vec<Rect> = covered
            .iter()
            .map(|&b| extent::transform_rect(to_display, b))
            .collect();
        let hits = |r: Rect, boxes: &[Rect]| {
            boxes
                .iter()
                .any(|b| b[0] < r[2] && r[0] < b[2] && b[1] < r[3] && r[1] < b[3])
        };
        let r = self.rect(m);
        if !hits(r, &shown) {
            return;
        }
        let (w, h) = geo.shown();
        // Content moves toward the top centre as it shrinks: a box constrains the factor
        // when, anywhere between its place now and at the smallest factor, it could be
        // beside the footer while reaching down to it.
        let mut scale = 1.0f32;
        for b in &shown {
            if b[1] >= r[3] {
                continue;
            }
            let lo = b[0].min(MIN_SCALE * b[0] + (1.0 - MIN_SCALE) * w / 2.0);
            let hi = b[2].max(MIN_SCALE * b[2] + (1.0 - MIN_SCALE) * w / 2.0);
            if hi <= r[0] || lo >= r[2] {
                continue;
            }
            // s * b.y0 + (1 - s) * h >= r.y1
            let s = (h - r[3]) / (h - b[1]).max(1e-3);
            scale = scale.min(s);
        }
        let scale = (scale * 1000.0).floor() / 1000.0;
        if scale >= MIN_SCALE {
            self.scale = Some(scale);
            return;
        }
        // Too short a page: a free band at the top, if there is one.
        let top = h - BASELINE + 0.3 * self.size - 2.0;
        let moved = Placement {
            baseline: top,
            ..self.clone()
        };
        if top > r[3] && !hits(moved.rect(m), &shown) {
            *self = moved;
            return;
        }
        // Else the smallest shrink, and the footer in the room it leaves at the bottom.
        let room = (1.0 - MIN_SCALE) * h;
        let size = self.size.min(room * 0.6).max(2.0);
        let tw = m.width(&self.text, size);
        self.scale = Some(MIN_SCALE);
        self.size = size;
        self.x = ((w - tw) / 2.0).max(1.0);
        self.baseline = (room - size) / 2.0 + 0.3 * size;
    }
}

/// The content stream that draws page `page`'s footer in its usual place.
pub fn stamp_content(
    plan: &Plan,
    page: u32,
    geo: &PageGeometry,
    open: usize,
    font: &mut StampFont,
    m: &Metrics,
) -> Vec<u8> {
    let p = Placement::new(plan, page, geo, m);
    stamp_content_at(&p, geo, open, b"", font, m)
}

/// The content stream that ends a page: it first closes what the page's own content left
/// open (`open` saves, plus the `q` medpacket put before it), so the original content
/// cannot move, scale or hide the stamp; then draws `drawn` (flattened form fields, in
/// page space, shrunk with the page's content); then the footer as placed.
pub fn stamp_content_at(
    p: &Placement,
    geo: &PageGeometry,
    open: usize,
    drawn: &[u8],
    font: &mut StampFont,
    m: &Metrics,
) -> Vec<u8> {
    let c = geo.display_matrix();
    let restores = open.min(10_000) + 1;
    let mut out = Vec::with_capacity(2 * restores + drawn.len() + 128 + 4 * p.text.len());
    for _ in 0..restores {
        out.extend_from_slice(b"Q\n");
    }
    if !drawn.is_empty() {
        out.extend_from_slice(b"q\n");
        if let Some(s) = p.shrink_matrix(geo) {
            out.extend(matrix_op(s).into_bytes());
        }
        out.extend_from_slice(drawn);
        out.extend_from_slice(b"Q\n");
    }
    // q a b c d e f cm BT /font size Tf grey g x y Td <glyphs> Tj ET Q
    let mut s = String::with_capacity(128 + 4 * p.text.len());
    s.push_str("q ");
    for (i, v) in c.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        push_num(&mut s, *v);
    }
    s.push_str(" cm BT /");
    s.push_str(STAMP_FONT);
    s.push(' ');
    push_num(&mut s, p.size);
    s.push_str(" Tf ");
    s.push_str(p.gray);
    s.push_str(" g ");
    push_num(&mut s, p.x);
    s.push(' ');
    push_num(&mut s, p.baseline);
    s.push_str(" Td <");
    font.encode_into(m, &p.text, &mut s);
    s.push_str("> Tj ET Q\n");
    out.extend_from_slice(s.as_bytes());
    out
}

/// The six numbers of a matrix as content-stream operands: `a b c d e f`.
pub fn matrix_words(c: Matrix) -> String {
    c.map(num).join(" ")
}

/// `a b c d e f cm` and a line end.
pub fn matrix_op(c: Matrix) -> String {
    format!("{} cm\n", matrix_words(c))
}

/// A PDF text string (UTF-16 when needed).
pub fn text(s: &str) -> Object {
    lopdf::text_string(s)
}

/// A PDF date string, e.g. `D:20260101000000Z`.
pub fn pdf_date(t: chrono::DateTime<chrono::Utc>) -> Object {
    Object::String(
        t.format("D:%Y%m%d%H%M%SZ").to_string().into_bytes(),
        StringFormat::Literal,
    )
}

/// The document information dictionary.
pub fn info(plan: &Plan) -> Dictionary {
    let t = plan.lang.messages();
    let version = format!("medpacket {}", env!("CARGO_PKG_VERSION"));
    let mut d = Dictionary::new();
    d.set(
        "Title",
        text(&t.f("info.title", &[("name", &plan.patient_name)])),
    );
    d.set("Author", text(&plan.patient_name));
    d.set(
        "Subject",
        text(&t.f("info.subject", &[("id", &plan.packet_id)])),
    );
    d.set("Creator", text(&version));
    d.set("Producer", text(&version));
    d.set("CreationDate", pdf_date(plan.generated_at));
    d.set("ModDate", pdf_date(plan.generated_at));
    d
}

/// One outline entry: its title, target page and children.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    pub title: String,
    /// 1-based packet page.
    pub page: u32,
    pub children: Vec<OutlineEntry>,
}

/// The outline: Cover, Index, Questions (and medication list), then one entry per
/// section with one child per document.
pub fn outline(plan: &Plan) -> Vec<OutlineEntry> {
    let t = plan.lang.messages();
    let mut out: Vec<OutlineEntry> = plan
        .parts
        .iter()
        .map(|p| OutlineEntry {
            title: p.title.clone(),
            page: p.first_page,
            children: Vec::new(),
        })
        .collect();
    for (kind, items) in plan.sections() {
        let children: Vec<OutlineEntry> = items
            .iter()
            .filter_map(|&i| plan.items.get(i))
            .map(|it| OutlineEntry {
                title: t.f(
                    "outline.document",
                    &[
                        (
                            "date",
                            &it.date
                                .map(|d| t.date_short(d))
                                .unwrap_or_else(|| t.t("index.undated").into()),
                        ),
                        ("title", &it.title),
                    ],
                ),
                page: it.first_page,
                children: Vec::new(),
            })
            .collect();
        let page = children.first().map(|c| c.page).unwrap_or(1);
        out.push(OutlineEntry {
            title: t.section_title(kind).to_string(),
            page,
            children,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::pdf::unclosed_saves;
    use crate::read::extent::{near_edge, read_box, visible_box};

    fn apply(m: [f32; 6], u: f32, v: f32) -> (f32, f32) {
        (m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5])
    }

    #[test]
    fn stamp_text_is_encoded_as_drawn_with_each_glyph_noted_once() {
        let m = Metrics::get().expect("embedded font parses");
        // Latin-1, beyond it, a tab, a control character, and characters the font lacks.
        let text = "Zoë Łukasz\tŻółć\u{1}·—… \u{1F600}\u{E000} Дмитрий ?";
        let mut font = StampFont::default();
        let hex = font.encode(m, text);
        let drawn = m.drawable(text);
        let expected: String = drawn
            .chars()
            .map(|c| format!("{:04X}", m.glyph(c)))
            .collect();
        assert_eq!(hex, expected);
        assert!(drawn.contains('?') && !drawn.contains('\t'));
        // Each glyph once, in glyph order, with the first character drawn with it.
        let mut first: Vec<(u16, char)> = Vec::new();
        for c in drawn.chars() {
            let gid = m.glyph(c);
            if !first.iter().any(|&(g, _)| g == gid) {
                first.push((gid, c));
            }
        }
        first.sort_by_key(|&(g, _)| g);
        assert_eq!(font.used, first);
    }

    #[test]
    fn display_matrix_puts_the_footer_at_the_shown_bottom() {
        // A portrait letter page with each rotation: the displayed bottom-left and the
        // displayed "rightwards" direction must land on the right edge of the page.
        let cases = [
            (0, (0.0, 0.0), (1.0, 0.0)),
            (90, (612.0, 0.0), (612.0, 1.0)),
            (180, (612.0, 792.0), (611.0, 792.0)),
            (270, (0.0, 792.0), (0.0, 791.0)),
        ];
        for (rot, origin, unit_u) in cases {
            let g = PageGeometry {
                bbox: [0.0, 0.0, 612.0, 792.0],
                rotate: rot,
            };
            let m = g.display_matrix();
            assert_eq!(apply(m, 0.0, 0.0), origin, "rotate {rot}");
            assert_eq!(apply(m, 1.0, 0.0), unit_u, "rotate {rot}");
        }
        let g = PageGeometry {
            bbox: [0.0, 0.0, 612.0, 792.0],
            rotate: 90,
        };
        assert_eq!(g.shown(), (792.0, 612.0));
    }

    #[test]
    fn footer_placement_needs_only_the_boxes_near_the_page_edges() {
        // The scan keeps only the covered boxes near an edge of the visible box
        // (read::extent::page_edges); wherever the footer goes, the rest cannot matter.
        let m = Metrics::get().expect("the packet font");
        let mut seed = crate::base::testing::xorshift(0x2545_f491);
        let mut next = |n: f32| (seed() % 10_000) as f32 / 10_000.0 * n;
        let (mut moved, mut shrunk) = (0, 0);
        for case in 0..4000 {
            let bbox = [
                next(40.0),
                next(40.0),
                300.0 + next(400.0),
                200.0 + next(700.0),
            ];
            let geo = PageGeometry {
                bbox,
                rotate: [0, 90, 180, 270][case % 4],
            };
            let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
            let boxes: Vec<Rect> = (0..1 + case % 5)
                .map(|_| {
                    let (x, y) = (bbox[0] + next(w), bbox[1] + next(h));
                    [x, y, x + next(w / 2.0), y + next(h / 3.0)]
                })
                .collect();
            let near: Vec<Rect> = boxes
                .iter()
                .copied()
                .filter(|b| near_edge(bbox, b))
                .collect();
            let text = "Jane Q. Example · DOB 1960-01-01 · Page 12 of 340".to_string();
            let size = if case % 3 == 0 { MIN_SIZE } else { SIZE };
            let start = Placement {
                x: ((geo.shown().0 - m.width(&text, size)) / 2.0).max(4.0),
                text,
                size,
                baseline: BASELINE,
                scale: None,
                gray: "0.3",
            };
            let (mut all, mut kept) = (start.clone(), start.clone());
            all.avoid(&geo, &boxes, m);
            kept.avoid(&geo, &near, m);
            assert_eq!(all, kept, "case {case}: {geo:?} {boxes:?}");
            moved += usize::from(all.baseline != BASELINE && all.scale.is_none());
            shrunk += usize::from(all.scale.is_some());
        }
        // The cases reach every way of placing the footer.
        assert!(moved > 0 && shrunk > 0, "moved {moved}, shrunk {shrunk}");
    }

    #[test]
    fn open_saves_are_counted_outside_strings_and_images() {
        let cases: [(&[u8], usize); 7] = [
            (b"q 1 0 0 1 0 0 cm Q", 0),
            (b"0.5 0 0 0.5 0 0 cm q BT (x) Tj ET", 1),
            (b"q q Q", 1),
            (b"BT (q \\) q) Tj ET q", 1),
            (b"% q q q\nq", 1),
            (b"BI /W 1 /H 1 ID q q q EI q", 1),
            (b"Q Q q", 1),
        ];
        for (content, want) in cases {
            assert_eq!(
                unclosed_saves(content),
                want,
                "{}",
                String::from_utf8_lossy(content)
            );
        }
    }

    #[test]
    fn boxes_and_rotation_are_normalised() {
        assert_eq!(normalize_rotate(-90), 270);
        assert_eq!(normalize_rotate(450), 90);
        assert_eq!(normalize_rotate(45), 0);
        let media = [0.0, 0.0, 612.0, 792.0];
        assert_eq!(
            visible_box(media, Some([10.0, 10.0, 600.0, 780.0])),
            [10.0, 10.0, 600.0, 780.0]
        );
        assert_eq!(
            visible_box(media, Some([700.0, 800.0, 900.0, 900.0])),
            media
        );
        let flipped = Object::Array(vec![612.into(), 792.into(), 0.into(), 0.into()]);
        assert_eq!(read_box(&flipped), Some(media));
    }
}
