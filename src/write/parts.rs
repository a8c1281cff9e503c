//! Parts: a written packet (parsed back) and a run of its pages turn into a standalone
//! PDF — the stamped pages copied with every object they use, optional opening pages of
//! its own before them (a part's "Part k of n" page, a fax send's cover: neither stamped
//! nor counted), bookmarks and links that stay inside the file — and a packet too large
//! for a size limit into parts cut between documents, each measured once written.

use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::layout::PageLayout;
use crate::base::pdf::Lookup;
use crate::plan::Plan;
use crate::render::index::IndexRow;
use crate::render::part::{self, PartPlace};
use crate::write::paint;
use crate::write::pdfwrite::{aes256, PdfWriter};
use crate::write::stamp::{self, OutlineEntry};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// The packet as written, parsed: its objects and its pages in order.
pub struct Whole {
    pub doc: Document,
    /// `pages[i]` is packet page i + 1.
    pub pages: Vec<ObjectId>,
}

impl Whole {
    /// Parses the packet just written.
    pub fn parse(bytes: &[u8]) -> Result<Whole> {
        let doc = Document::load_mem(bytes)
            .map_err(|e| Error::Internal(format!("the written packet does not parse: {e}")))?;
        let pages = doc.get_pages().into_values().collect();
        Ok(Whole { doc, pages })
    }
}

/// One file cut from the packet: packet pages `first..=last`, after `lead` pages of its own.
#[derive(Debug, Clone, Default)]
pub struct Piece {
    pub first: u32,
    pub last: u32,
    /// Opening pages, not stamped and not counted in the packet's pages.
    pub lead: Vec<PageLayout>,
    /// The bookmark of the opening pages.
    pub lead_title: Option<String>,
    /// Added to the document title ("— part 2 of 3").
    pub title_suffix: Option<String>,
}

/// Copies objects of one document into a piece, each once, with new numbers.
struct Copier<'d> {
    doc: &'d Document,
    map: HashMap<ObjectId, ObjectId>,
    /// Pages of the piece, by their new numbers.
    pages: HashMap<ObjectId, ObjectId>,
    /// Objects replaced by an object of the piece (the opening pages' font program).
    substitute: HashMap<ObjectId, ObjectId>,
    queue: Vec<ObjectId>,
}

impl<'d> Copier<'d> {
    fn new(doc: &'d Document) -> Self {
        Copier {
            doc,
            map: HashMap::new(),
            pages: HashMap::new(),
            substitute: HashMap::new(),
            queue: Vec::new(),
        }
    }

    fn map_ref<W: Write>(&mut self, w: &mut PdfWriter<W>, id: ObjectId) -> ObjectId {
        if let Some(p) = self.pages.get(&id).or(self.substitute.get(&id)) {
            return *p;
        }
        if let Some(m) = self.map.get(&id) {
            return *m;
        }
        let new = w.reserve();
        self.map.insert(id, new);
        self.queue.push(id);
        new
    }

    fn is_page_node(&self, id: ObjectId) -> bool {
        matches!(self.doc.get_object(id), Ok(Object::Dictionary(d)) if d.is_type(b"Page") || d.is_type(b"Pages"))
    }

    fn convert<W: Write>(&mut self, w: &mut PdfWriter<W>, o: &Object) -> Object {
        match o {
            Object::Reference(id) => {
                if !self.pages.contains_key(id)
                    && !self.substitute.contains_key(id)
                    && self.is_page_node(*id)
                {
                    Object::Null
                } else {
                    Object::Reference(self.map_ref(w, *id))
                }
            }
            Object::Array(a) => Object::Array(a.iter().map(|x| self.convert(w, x)).collect()),
            Object::Dictionary(d) => Object::Dictionary(self.convert_dict(w, d)),
            Object::Stream(s) => {
                let mut s2 = Stream::new(self.convert_dict(w, &s.dict), s.content.clone());
                s2.allows_compression = false;
                Object::Stream(s2)
            }
            other => other.clone(),
        }
    }

    fn convert_dict<W: Write>(&mut self, w: &mut PdfWriter<W>, d: &Dictionary) -> Dictionary {
        let mut out = Dictionary::new();
        for (k, v) in d.iter() {
            out.set(k.clone(), self.convert(w, v));
        }
        out
    }

    /// The page a link annotation jumps to, when it jumps to a page of this document.
    fn link_target(&self, annot: &Object) -> Option<ObjectId> {
        let a = resolve(self.doc, annot)?.as_dict().ok()?;
        let dest = match a.lookup(b"Dest") {
            Some(d) => d,
            None => {
                let action = resolve(self.doc, a.lookup(b"A")?)?.as_dict().ok()?;
                action.lookup(b"D")?
            }
        };
        match resolve(self.doc, dest)?.as_array().ok()?.first()? {
            Object::Reference(id) if self.is_page_node(*id) => Some(*id),
            _ => None,
        }
    }

    /// Page `src` of the document as a page of the piece under `parent`: its links to
    /// pages outside the piece are left out (their text stays, as plain text), and
    /// `extra` annotations added.
    fn page<W: Write>(
        &mut self,
        w: &mut PdfWriter<W>,
        src: ObjectId,
        parent: ObjectId,
        extra: Vec<Object>,
    ) -> Result<Dictionary> {
        let doc = self.doc;
        let dict = doc
            .get_dictionary(src)
            .map_err(|e| Error::Internal(format!("a packet page cannot be read: {e}")))?;
        let mut out = Dictionary::new();
        for (k, v) in dict.iter() {
            match k.as_slice() {
                b"Parent" | b"Annots" => {}
                _ => out.set(k.clone(), self.convert(w, v)),
            }
        }
        let mut annots: Vec<Object> = Vec::new();
        if let Some(Object::Array(list)) = dict.lookup(b"Annots").and_then(|a| resolve(doc, a)) {
            for a in list {
                let outside = self
                    .link_target(a)
                    .is_some_and(|t| !self.pages.contains_key(&t));
                if !outside {
                    annots.push(self.convert(w, a));
                }
            }
        }
        annots.extend(extra);
        if !annots.is_empty() {
            out.set("Annots", Object::Array(annots));
        }
        out.set("Parent", Object::Reference(parent));
        Ok(out)
    }

    /// Writes every object reached so far.
    fn flush<W: Write>(&mut self, w: &mut PdfWriter<W>) -> std::io::Result<()> {
        while let Some(src) = self.queue.pop() {
            let Some(&dst) = self.map.get(&src) else {
                continue;
            };
            let converted = match self.doc.get_object(src) {
                Ok(o) => self.convert(w, o),
                Err(_) => Object::Null,
            };
            w.write(dst, &converted)?;
        }
        Ok(())
    }
}

/// Follows references (a few hops) to the object itself.
fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..8 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// The embedded font program's descriptor used by the first of `pages` that has one:
/// (descriptor, its /FontName).
fn font_descriptor(doc: &Document, pages: &[ObjectId]) -> Option<(ObjectId, Vec<u8>)> {
    for &pid in pages {
        let Ok(fonts) = doc.get_page_fonts(pid) else {
            continue;
        };
        for font in fonts.values() {
            let Some(first) = font
                .lookup(b"DescendantFonts")
                .and_then(|d| resolve(doc, d))
                .and_then(|d| d.as_array().ok())
                .and_then(|d| d.first())
            else {
                continue;
            };
            let Some(cid) = resolve(doc, first).and_then(|c| c.as_dict().ok()) else {
                continue;
            };
            if let Some(Object::Reference(r)) = cid.lookup(b"FontDescriptor") {
                let desc = doc.get_dictionary(*r).ok()?;
                if desc.has(b"FontFile2") {
                    let name = desc
                        .lookup(b"FontName")
                        .and_then(|o| o.as_name().ok())
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default();
                    return Some((*r, name));
                }
            }
        }
    }
    None
}

/// A link annotation over `rect` to page object `target`.
fn link(rect: [f32; 4], target: ObjectId) -> Object {
    let mut action = Dictionary::new();
    action.set("S", Object::Name(b"GoTo".to_vec()));
    action.set(
        "D",
        Object::Array(vec![
            Object::Reference(target),
            Object::Name(b"Fit".to_vec()),
        ]),
    );
    let mut a = Dictionary::new();
    a.set("Type", Object::Name(b"Annot".to_vec()));
    a.set("Subtype", Object::Name(b"Link".to_vec()));
    a.set(
        "Rect",
        Object::Array(rect.iter().map(|&v| Object::Real(v)).collect()),
    );
    a.set("Border", Object::Array(vec![0.into(), 0.into(), 0.into()]));
    a.set("A", Object::Dictionary(action));
    Object::Dictionary(a)
}

/// The outline entries whose pages are in `first..=last`; a section whose first document
/// lies elsewhere points at its first document here.
fn outline_within(entries: &[OutlineEntry], first: u32, last: u32) -> Vec<OutlineEntry> {
    entries
        .iter()
        .filter_map(|e| {
            let children = outline_within(&e.children, first, last);
            if (first..=last).contains(&e.page) {
                Some(OutlineEntry {
                    children,
                    ..e.clone()
                })
            } else {
                let page = children.first()?.page;
                Some(OutlineEntry {
                    title: e.title.clone(),
                    page,
                    children,
                })
            }
        })
        .collect()
}

/// Writes the outline entries under `parent`; returns (visible count, first and last ids).
fn write_entries<W: Write>(
    w: &mut PdfWriter<W>,
    entries: &[(OutlineEntry, ObjectId)],
    parent: ObjectId,
    page_of: &dyn Fn(u32) -> Option<ObjectId>,
) -> Result<(usize, Option<(ObjectId, ObjectId)>)> {
    let bad = |e: std::io::Error| Error::Internal(format!("outline: {e}"));
    let ids: Vec<ObjectId> = entries.iter().map(|_| w.reserve()).collect();
    let mut visible = entries.len();
    for (i, (e, target)) in entries.iter().enumerate() {
        let mut d = Dictionary::new();
        d.set("Title", stamp::text(&e.title));
        d.set("Parent", Object::Reference(parent));
        if i > 0 {
            d.set("Prev", Object::Reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            d.set("Next", Object::Reference(*next));
        }
        d.set(
            "Dest",
            Object::Array(vec![
                Object::Reference(*target),
                Object::Name(b"Fit".to_vec()),
            ]),
        );
        let children: Vec<(OutlineEntry, ObjectId)> = e
            .children
            .iter()
            .filter_map(|c| Some((c.clone(), page_of(c.page)?)))
            .collect();
        if !children.is_empty() {
            let (n, fl) = write_entries(w, &children, ids[i], page_of)?;
            if let Some((first, last)) = fl {
                d.set("First", Object::Reference(first));
                d.set("Last", Object::Reference(last));
            }
            d.set("Count", n as i64);
            visible += n;
        }
        w.write(ids[i], &Object::Dictionary(d)).map_err(bad)?;
    }
    Ok((visible, ids.first().copied().zip(ids.last().copied())))
}

/// Writes `piece` of the packet as a standalone PDF into `out`, encrypted with
/// `password` when given; returns `out`.
pub fn write_piece<W: Write>(
    whole: &Whole,
    plan: &Plan,
    piece: &Piece,
    out: W,
    password: Option<&str>,
) -> Result<W> {
    let bad = |e: std::io::Error| Error::Internal(format!("could not write a part: {e}"));
    if piece.first == 0 || piece.last < piece.first || piece.last as usize > whole.pages.len() {
        return Err(Error::Internal(format!(
            "pages {}–{} are not in the packet",
            piece.first, piece.last
        )));
    }
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let mut w = PdfWriter::new(out).map_err(bad)?;
    if let Some(pw) = password {
        w.encrypt_with(aes256(pw).map_err(bad)?);
    }
    let catalog = w.reserve();
    let pages_root = w.reserve();
    let info = w.reserve();

    let lead_doc = if piece.lead.is_empty() {
        None
    } else {
        let bytes = paint::pdf_from_layouts(m, plan.paper, &piece.lead, Dictionary::new())?;
        Some(
            Document::load_mem(&bytes)
                .map_err(|e| Error::Internal(format!("a part's opening page: {e}")))?,
        )
    };
    let lead_src: Vec<ObjectId> = lead_doc
        .as_ref()
        .map(|d| d.get_pages().into_values().collect())
        .unwrap_or_default();
    let lead_ids: Vec<ObjectId> = lead_src.iter().map(|_| w.reserve()).collect();

    let mut main = Copier::new(&whole.doc);
    let mut page_ids = Vec::new();
    for p in piece.first..=piece.last {
        let new = w.reserve();
        main.pages.insert(whole.pages[p as usize - 1], new);
        page_ids.push(new);
    }
    let (first, last) = (piece.first, piece.last);
    let page_of = |p: u32| -> Option<ObjectId> {
        (first..=last)
            .contains(&p)
            .then(|| page_ids[(p - first) as usize])
    };

    if let Some(ld) = &lead_doc {
        let mut lc = Copier::new(ld);
        // The opening pages use the packet's own font program rather than a second copy.
        let own = font_descriptor(&whole.doc, &whole.pages[first as usize - 1..last as usize]);
        if let (Some((lead_desc, lead_name)), Some((desc, name))) =
            (font_descriptor(ld, &lead_src), own)
        {
            if lead_name == name {
                let mapped = main.map_ref(&mut w, desc);
                lc.substitute.insert(lead_desc, mapped);
            }
        }
        for (i, (&src, &dst)) in lead_src.iter().zip(&lead_ids).enumerate() {
            let links: Vec<Object> = piece.lead[i]
                .links
                .iter()
                .filter_map(|l| {
                    let item = plan.items.get(l.target)?;
                    Some(link(l.rect, page_of(item.first_page)?))
                })
                .collect();
            let dict = lc.page(&mut w, src, pages_root, links)?;
            w.write(dst, &Object::Dictionary(dict)).map_err(bad)?;
            lc.flush(&mut w).map_err(bad)?;
        }
    }
    for (p, &new) in (first..=last).zip(&page_ids) {
        let dict = main.page(&mut w, whole.pages[p as usize - 1], pages_root, Vec::new())?;
        w.write(new, &Object::Dictionary(dict)).map_err(bad)?;
        main.flush(&mut w).map_err(bad)?;
    }

    let mut kids: Vec<Object> = lead_ids.iter().map(|&id| Object::Reference(id)).collect();
    kids.extend(page_ids.iter().map(|&id| Object::Reference(id)));
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set("Count", kids.len() as i64);
    pages.set("Kids", Object::Array(kids));
    w.write(pages_root, &Object::Dictionary(pages))
        .map_err(bad)?;

    let mut entries: Vec<(OutlineEntry, ObjectId)> = Vec::new();
    if let (Some(title), Some(&lead)) = (&piece.lead_title, lead_ids.first()) {
        entries.push((
            OutlineEntry {
                title: title.clone(),
                page: 0,
                children: Vec::new(),
            },
            lead,
        ));
    }
    for e in outline_within(&stamp::outline(plan), first, last) {
        if let Some(target) = page_of(e.page) {
            entries.push((e, target));
        }
    }
    let outlines = w.reserve();
    let (count, ends) = write_entries(&mut w, &entries, outlines, &page_of)?;
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"Outlines".to_vec()));
    if let Some((f, l)) = ends {
        root.set("First", Object::Reference(f));
        root.set("Last", Object::Reference(l));
    }
    root.set("Count", count as i64);
    w.write(outlines, &Object::Dictionary(root)).map_err(bad)?;

    let mut cat = Dictionary::new();
    cat.set("Type", Object::Name(b"Catalog".to_vec()));
    cat.set("Pages", Object::Reference(pages_root));
    cat.set("Outlines", Object::Reference(outlines));
    cat.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    w.write(catalog, &Object::Dictionary(cat)).map_err(bad)?;
    let mut d = stamp::info(plan);
    if let Some(suffix) = &piece.title_suffix {
        let t = plan.lang.messages();
        let title = t.f("info.title", &[("name", &plan.patient_name)]);
        d.set("Title", stamp::text(&format!("{title} — {suffix}")));
    }
    w.write(info, &Object::Dictionary(d)).map_err(bad)?;
    let digest = crate::read::scan::sha256_hex(
        format!(
            "{}{}{first}-{last}",
            plan.packet_id,
            plan.generated_at.timestamp()
        )
        .as_bytes(),
    );
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(digest.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    w.finish(catalog, info, id).map_err(bad)
}

/// Writes `piece` into memory.
pub fn piece_bytes(
    whole: &Whole,
    plan: &Plan,
    piece: &Piece,
    password: Option<&str>,
) -> Result<Vec<u8>> {
    write_piece(whole, plan, piece, Vec::new(), password)
}

/// What each packet page costs in bytes: the objects it uses (shared ones counted once
/// per part) and their written sizes.
pub struct PageCosts {
    /// Per packet page (index 0 = page 1): the objects it reaches, the page included.
    reach: Vec<Vec<ObjectId>>,
    size: HashMap<ObjectId, u64>,
}

/// Bytes a written object takes beyond its own serialisation (number, `obj`, `endobj`,
/// cross-reference entry).
const OBJECT_OVERHEAD: u64 = 40;

/// Counts bytes written through it.
struct Count(u64);
impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn object_size(o: &Object) -> u64 {
    let mut c = Count(0);
    let measured = match o {
        Object::Stream(s) => {
            lopdf::Writer::write_object(&mut c, &Object::Dictionary(s.dict.clone()))
                .map(|_| s.content.len() as u64 + 20)
        }
        other => lopdf::Writer::write_object(&mut c, other).map(|_| 0),
    };
    c.0 + measured.unwrap_or(0) + OBJECT_OVERHEAD
}

impl PageCosts {
    pub fn measure(whole: &Whole) -> PageCosts {
        let doc = &whole.doc;
        let page_set: HashSet<ObjectId> = whole.pages.iter().copied().collect();
        let mut size: HashMap<ObjectId, u64> = HashMap::new();
        let mut reach = Vec::with_capacity(whole.pages.len());
        for &pid in &whole.pages {
            let mut seen: HashSet<ObjectId> = HashSet::from([pid]);
            let mut stack = vec![pid];
            while let Some(id) = stack.pop() {
                let Ok(o) = doc.get_object(id) else { continue };
                size.entry(id).or_insert_with(|| object_size(o));
                let mut refs = Vec::new();
                collect_refs(o, id == pid, &mut refs);
                for r in refs {
                    if !page_set.contains(&r) && seen.insert(r) {
                        stack.push(r);
                    }
                }
            }
            let mut objs: Vec<ObjectId> = seen.into_iter().collect();
            objs.sort();
            reach.push(objs);
        }
        PageCosts { reach, size }
    }

    /// Bytes the pages `first..=last` add to a part that already holds `have`.
    fn added(&self, first: u32, last: u32, have: &HashSet<ObjectId>) -> u64 {
        let mut new: HashSet<ObjectId> = HashSet::new();
        for p in first..=last {
            for id in &self.reach[p as usize - 1] {
                if !have.contains(id) {
                    new.insert(*id);
                }
            }
        }
        new.iter()
            .map(|id| self.size.get(id).copied().unwrap_or(0))
            .sum()
    }

    /// The bytes of the costliest page on its own.
    pub fn largest_page(&self) -> u64 {
        (1..=self.reach.len() as u32)
            .map(|p| self.added(p, p, &HashSet::new()))
            .max()
            .unwrap_or(0)
    }

    fn take(&self, first: u32, last: u32, have: &mut HashSet<ObjectId>) {
        for p in first..=last {
            have.extend(self.reach[p as usize - 1].iter().copied());
        }
    }
}

/// References an object holds; a page's /Parent is not followed.
fn collect_refs(o: &Object, is_page: bool, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|x| collect_refs(x, false, out)),
        Object::Dictionary(d) => {
            for (k, v) in d.iter() {
                if !(is_page && k.as_slice() == b"Parent") {
                    collect_refs(v, false, out);
                }
            }
        }
        Object::Stream(s) => collect_refs(&Object::Dictionary(s.dict.clone()), false, out),
        _ => {}
    }
}

/// The packet's units that a cut never splits unless one alone is too large: the opening
/// pages (fax cover, cover, index, questions, medication list), then each document.
pub fn units(plan: &Plan) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let first_doc = plan
        .items
        .first()
        .map(|i| i.first_page)
        .unwrap_or(plan.total_pages + 1);
    if first_doc > 1 {
        out.push((1, first_doc - 1));
    }
    out.extend(plan.items.iter().map(|i| (i.first_page, i.last_page)));
    out
}

/// A page too large for the budget on its own: (packet page, its bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageTooLarge {
    pub page: u32,
    pub bytes: u64,
}

/// Cuts `units` into runs of pages whose measured bytes stay within `budget`: between
/// units where possible, between the pages of a unit larger than the budget.
pub fn cut(
    costs: &PageCosts,
    units: &[(u32, u32)],
    budget: u64,
) -> std::result::Result<Vec<(u32, u32)>, PageTooLarge> {
    let mut parts = Vec::new();
    let mut cur: Option<(u32, u32)> = None;
    let mut have: HashSet<ObjectId> = HashSet::new();
    let mut size = 0u64;
    let mut place = |first: u32,
                     last: u32,
                     cur: &mut Option<(u32, u32)>,
                     have: &mut HashSet<ObjectId>,
                     size: &mut u64|
     -> bool {
        let mut add = costs.added(first, last, have);
        if cur.is_some() && *size + add > budget {
            parts.extend(cur.take());
            have.clear();
            *size = 0;
            add = costs.added(first, last, have);
        }
        if add > budget {
            return false;
        }
        *cur = Some(match *cur {
            Some((a, _)) => (a, last),
            None => (first, last),
        });
        costs.take(first, last, have);
        *size += add;
        true
    };
    for &(first, last) in units {
        if place(first, last, &mut cur, &mut have, &mut size) {
            continue;
        }
        for p in first..=last {
            if !place(p, p, &mut cur, &mut have, &mut size) {
                return Err(PageTooLarge {
                    page: p,
                    bytes: costs.added(p, p, &HashSet::new()),
                });
            }
        }
    }
    parts.extend(cur);
    Ok(parts)
}

/// One part as written.
pub struct WrittenPart {
    pub first: u32,
    pub last: u32,
    pub bytes: Vec<u8>,
}

/// The index rows of the documents within `first..=last`, each under its section's
/// heading.
fn rows_within(plan: &Plan, first: u32, last: u32) -> Vec<IndexRow> {
    let mut out = Vec::new();
    let mut heading = None;
    for row in plan.index_rows() {
        match row {
            IndexRow::Section(_) => heading = Some(row),
            IndexRow::Document(ref d) if d.first_page <= last && d.last_page >= first => {
                out.extend(heading.take());
                out.push(row);
            }
            _ => {}
        }
    }
    out
}

/// The pieces for runs of pages: the first as it is (it holds the cover and the full
/// index), every later one opened by its "Part k of n" page.
pub fn part_pieces(plan: &Plan, runs: &[(u32, u32)]) -> Result<Vec<Piece>> {
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let t = plan.lang.messages();
    let n = runs.len();
    Ok(runs
        .iter()
        .enumerate()
        .map(|(i, &(first, last))| {
            let place = PartPlace {
                patient: &plan.patient_name,
                packet_id: &plan.packet_id,
                total: plan.total_pages,
                k: i + 1,
                n,
                first,
                last,
            };
            let outline = t.f(
                "part.outline",
                &[("k", &place.k.to_string()), ("n", &n.to_string())],
            );
            let lead = if i == 0 {
                Vec::new()
            } else {
                part::layout(m, plan.paper, t, place, &rows_within(plan, first, last))
            };
            Piece {
                first,
                last,
                lead_title: (i > 0).then(|| part::heading(t, place)),
                title_suffix: (n > 1).then_some(outline),
                lead,
            }
        })
        .collect())
}

/// Cuts the packet into parts each at most `limit` bytes, written into memory: the cut
/// is made on measured sizes, then every part is written and weighed, and the cut made
/// again tighter while one is over.
pub fn split(
    whole: &Whole,
    plan: &Plan,
    limit: u64,
    password: Option<&str>,
) -> std::result::Result<Vec<WrittenPart>, SplitError> {
    let costs = PageCosts::measure(whole);
    let units = units(plan);
    // Room for what every part has besides its pages: catalog, page tree, outline,
    // information, cross-reference table, and a later part's opening page.
    let mut budget = limit.saturating_sub(limit / 50 + 16 * 1024);
    for _ in 0..8 {
        let runs = cut(&costs, &units, budget).map_err(SplitError::PageTooLarge)?;
        let pieces = part_pieces(plan, &runs).map_err(SplitError::Other)?;
        let mut written = Vec::new();
        let mut over = 0u64;
        for piece in &pieces {
            let bytes = piece_bytes(whole, plan, piece, password).map_err(SplitError::Other)?;
            over = over.max((bytes.len() as u64).saturating_sub(limit));
            written.push(WrittenPart {
                first: piece.first,
                last: piece.last,
                bytes,
            });
        }
        if over == 0 {
            return Ok(written);
        }
        budget = budget.saturating_sub(over + limit / 50);
        if budget == 0 {
            break;
        }
    }
    Err(SplitError::Other(Error::Limit(format!(
        "the packet could not be cut into parts under {} — give a larger limit",
        crate::base::size::human(limit)
    ))))
}

/// Why a packet could not be cut.
#[derive(Debug)]
pub enum SplitError {
    /// One page alone is larger than the limit allows.
    PageTooLarge(PageTooLarge),
    Other(Error),
}
