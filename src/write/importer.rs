//! Importer: the objects of one source document turn into objects of the packet, each
//! copied once with a new number — active content left out, named destinations
//! resolved, pages' parents dropped, and (for a fax) annotations moved with their page.

use crate::base::pdf::Lookup;
use crate::read::extent;
use crate::read::sanitize;
use crate::write::pdfwrite::PdfWriter;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::HashMap;
use std::io::Write;

/// Follows references (a bounded number of hops) to the object itself.
pub(crate) fn deref<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// Copies objects of one source document into the packet, each once, with new numbers.
pub(crate) struct Importer<'d> {
    pub(crate) doc: &'d Document,
    pub(crate) map: HashMap<ObjectId, ObjectId>,
    /// Source pages that are packet pages, by their packet object number.
    pub(crate) page_ids: HashMap<ObjectId, ObjectId>,
    pub(crate) queue: Vec<ObjectId>,
    /// The document's named destinations, read on first need.
    pub(crate) names: Option<HashMap<Vec<u8>, Object>>,
    /// A record being faxed: its pages become Letter portrait, its images grey.
    pub(crate) fax: bool,
    /// Where the page being copied moved (fax): its annotations' rectangles move too.
    pub(crate) annot_matrix: Option<[f32; 6]>,
}

/// An importer's work so far, kept while its document changes (generated pages are put
/// into their document one at a time): the numbers given, and the objects not yet written.
#[derive(Default)]
pub(crate) struct Paused {
    map: HashMap<ObjectId, ObjectId>,
    page_ids: HashMap<ObjectId, ObjectId>,
    queue: Vec<ObjectId>,
    names: Option<HashMap<Vec<u8>, Object>>,
    fax: bool,
    annot_matrix: Option<[f32; 6]>,
}

impl<'d> Importer<'d> {
    pub(crate) fn new(doc: &'d Document) -> Self {
        Importer::resume(doc, Paused::default())
    }

    /// Goes on importing from `doc` where an importer paused. Objects it numbered must be
    /// in `doc` under the same numbers, and no number of an object taken out may come back.
    pub(crate) fn resume(doc: &'d Document, p: Paused) -> Self {
        Importer {
            doc,
            map: p.map,
            page_ids: p.page_ids,
            queue: p.queue,
            names: p.names,
            fax: p.fax,
            annot_matrix: p.annot_matrix,
        }
    }

    /// Lets go of the document, keeping what was done.
    pub(crate) fn pause(self) -> Paused {
        Paused {
            map: self.map,
            page_ids: self.page_ids,
            queue: self.queue,
            names: self.names,
            fax: self.fax,
            annot_matrix: self.annot_matrix,
        }
    }

    /// The packet object number for source object `id`, reserving one on first sight.
    /// Pages and page-tree nodes that are not part of the packet become null.
    pub(crate) fn map_ref<W: Write>(&mut self, w: &mut PdfWriter<W>, id: ObjectId) -> ObjectId {
        if let Some(p) = self.page_ids.get(&id) {
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

    /// Objects that become null in the packet: pages and page-tree nodes that are not
    /// packet pages, and attachment or media annotations.
    pub(crate) fn becomes_null(&self, id: ObjectId) -> bool {
        if self.page_ids.contains_key(&id) {
            return false;
        }
        match self.doc.get_object(id) {
            Ok(Object::Dictionary(d)) => {
                d.is_type(b"Page") || d.is_type(b"Pages") || sanitize::is_active(d)
            }
            Ok(Object::Stream(s)) => sanitize::is_active(&s.dict),
            _ => false,
        }
    }

    /// True when `o` (inline, or through a reference) is active content to leave out.
    pub(crate) fn is_left_out(&self, o: &Object) -> bool {
        let target = match o {
            // Numbered already: it was looked at then, and kept.
            Object::Reference(id) if self.map.contains_key(id) => return false,
            Object::Reference(id) => match self.doc.get_object(*id) {
                Ok(t) => t,
                Err(_) => return false,
            },
            other => other,
        };
        match target {
            Object::Dictionary(d) => sanitize::is_active(d),
            Object::Stream(s) => sanitize::is_active(&s.dict),
            _ => false,
        }
    }

    pub(crate) fn convert<W: Write>(&mut self, w: &mut PdfWriter<W>, o: &Object) -> Object {
        match o {
            Object::Reference(id) => {
                // Numbered already (kept when first seen).
                if let Some(m) = self.map.get(id) {
                    return Object::Reference(*m);
                }
                if self.becomes_null(*id) {
                    Object::Null
                } else {
                    Object::Reference(self.map_ref(w, *id))
                }
            }
            // Active elements (e.g. in an action's /Next list) are left out of arrays.
            Object::Array(a) => {
                let kept: Vec<&Object> = a.iter().filter(|x| !self.is_left_out(x)).collect();
                Object::Array(kept.into_iter().map(|x| self.convert(w, x)).collect())
            }
            Object::Dictionary(d) if sanitize::is_active(d) => Object::Null,
            Object::Dictionary(d) => Object::Dictionary(self.convert_dict(w, d)),
            Object::Stream(s) => {
                let mut s2 = Stream::new(self.convert_dict(w, &s.dict), s.content.clone());
                s2.allows_compression = false;
                Object::Stream(s2)
            }
            other => other.clone(),
        }
    }

    /// The explicit destination a named destination stands for, in this document.
    pub(crate) fn named_dest(&mut self, name: &[u8]) -> Option<Object> {
        let doc = self.doc;
        let names = self.names.get_or_insert_with(|| named_destinations(doc));
        let dest = names.get(name)?;
        match deref(doc, dest)? {
            Object::Array(a) => Some(Object::Array(a.clone())),
            Object::Dictionary(d) => d.lookup(b"D").and_then(|d| deref(doc, d)).cloned(),
            _ => None,
        }
    }

    pub(crate) fn convert_dict<W: Write>(
        &mut self,
        w: &mut PdfWriter<W>,
        d: &Dictionary,
    ) -> Dictionary {
        let mut out = Dictionary::new();
        for (k, v) in d.iter() {
            // Active content stays out of the packet (scan reported it).
            if sanitize::is_dropped_key(k) || self.is_left_out(v) {
                continue;
            }
            // Named destinations are resolved to explicit ones: the packet has no name
            // tree. A name that resolves to nothing leaves the link inert.
            if k == b"Dest" {
                if let Some(name) = dest_name(v) {
                    if let Some(dest) = self.named_dest(&name) {
                        out.set(k.clone(), self.convert(w, &dest));
                    }
                    continue;
                }
            }
            if k == b"A" {
                let goto = deref(self.doc, v)
                    .and_then(|a| a.as_dict().ok())
                    .filter(|a| a.lookup(b"S").and_then(|s| s.as_name().ok()) == Some(b"GoTo"))
                    .and_then(|a| Some((a.clone(), dest_name(a.lookup(b"D")?)?)));
                if let Some((mut action, name)) = goto {
                    if let Some(dest) = self.named_dest(&name) {
                        action.set("D", dest);
                        out.set(k.clone(), self.convert(w, &Object::Dictionary(action)));
                    }
                    continue;
                }
            }
            // A copied annotation's /P (its page) and /Parent are fixed up or dropped.
            if k == b"Parent" && (d.is_type(b"Page") || d.is_type(b"Pages")) {
                continue;
            }
            // An annotation on a page moved for the fax moves with it.
            if let (b"Rect", Some(m), true) = (k.as_slice(), self.annot_matrix, d.has(b"Subtype")) {
                if let Some(r) = deref(self.doc, v).and_then(extent::read_box) {
                    let moved = extent::transform_rect(m, r);
                    out.set(
                        "Rect",
                        Object::Array(moved.iter().map(|&v| Object::Real(v)).collect()),
                    );
                    continue;
                }
            }
            out.set(k.clone(), self.convert(w, v));
        }
        out
    }

    /// Writes every object reached so far.
    pub(crate) fn flush<W: Write>(&mut self, w: &mut PdfWriter<W>) -> std::io::Result<()> {
        while let Some(src) = self.queue.pop() {
            let Some(&dst) = self.map.get(&src) else {
                continue;
            };
            let doc = self.doc;
            let converted = match doc.get_object(src) {
                Ok(o) => {
                    let gray = match o {
                        Object::Stream(s) if self.fax => crate::read::gray::gray_pdf_image(doc, s),
                        _ => None,
                    };
                    match gray {
                        Some(g) => self.convert(w, &Object::Stream(g)),
                        None => self.convert(w, o),
                    }
                }
                Err(_) => Object::Null,
            };
            // A last check: nothing active may reach the packet.
            if sanitize::still_active(&converted) {
                return Err(std::io::Error::other(format!(
                    "object {} still carries active content after cleaning",
                    src.0
                )));
            }
            w.write(dst, &converted)?;
        }
        Ok(())
    }
}

/// The name of a named destination (a string or a name), if `o` is one.
fn dest_name(o: &Object) -> Option<Vec<u8>> {
    match o {
        Object::String(s, _) => Some(s.clone()),
        Object::Name(n) => Some(n.clone()),
        _ => None,
    }
}

/// Every named destination of a document: the catalog's /Dests dictionary and the
/// /Names /Dests name tree.
fn named_destinations(doc: &Document) -> HashMap<Vec<u8>, Object> {
    let mut out = HashMap::new();
    let Ok(cat) = doc.catalog() else { return out };
    if let Some(Object::Dictionary(d)) = cat.lookup(b"Dests").and_then(|o| deref(doc, o)) {
        for (k, v) in d.iter() {
            out.insert(k.clone(), v.clone());
        }
    }
    let tree = cat
        .lookup(b"Names")
        .and_then(|o| deref(doc, o))
        .and_then(|n| n.as_dict().ok())
        .and_then(|n| n.lookup(b"Dests"))
        .and_then(|o| deref(doc, o));
    let mut stack: Vec<(&Object, usize)> = tree.into_iter().map(|t| (t, 0)).collect();
    let mut visited = 0usize;
    while let Some((node, depth)) = stack.pop() {
        visited += 1;
        if depth > 32 || visited > 100_000 {
            break;
        }
        let Ok(node) = node.as_dict() else { continue };
        if let Some(Object::Array(pairs)) = node.lookup(b"Names").and_then(|o| deref(doc, o)) {
            for pair in pairs.chunks(2) {
                if let [key, value] = pair {
                    if let Some(key) = deref(doc, key).and_then(dest_name) {
                        out.insert(key, value.clone());
                    }
                }
            }
        }
        if let Some(Object::Array(kids)) = node.lookup(b"Kids").and_then(|o| deref(doc, o)) {
            for kid in kids {
                if let Some(k) = deref(doc, kid) {
                    stack.push((k, depth + 1));
                }
            }
        }
    }
    out
}
