//! Prepare: a source page made ready to be copied into the packet — its dictionary given
//! its own attributes and cleaned, its form fields drawn, the footer placed clear of its
//! content, the stamp's and text layer's content made. That is all the work on a page that
//! does not depend on the packet's object numbers, so a PDF's pages are prepared on the
//! reading thread while the writer copies the pages before them.

use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::pdf::Lookup;
use crate::plan::{Item, Plan};
use crate::read::extent;
use crate::read::ocr::PageText;
use crate::read::sanitize;
use crate::read::scan::SourceFile;
use crate::write::fax::{fax_matrix, fax_prefix, FAX_PAGE};
use crate::write::flatten;
use crate::write::importer::deref;
use crate::write::stamp::{self, PageGeometry, StampFont};
use crate::write::textlayer;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// A source page ready to be copied: what the writer adds to it is object numbers.
pub(super) struct Prepared {
    /// The source page it was prepared from.
    pub source: ObjectId,
    /// The page's dictionary, its references still to the source document's objects;
    /// without its content.
    pub dict: Object,
    /// The page's own content streams (source objects), in order.
    pub contents: Vec<Object>,
    /// The drawn form fields' appearances, by resource name (source objects).
    pub xobjects: Vec<(String, Object)>,
    /// On a fax page, the matrix its annotations' rectangles go through.
    pub annot_matrix: Option<[f32; 6]>,
    /// The content that opens a shrunk page (`q` and the shrinking matrix); a page that
    /// is not shrunk opens with the packet's shared `q`.
    pub shrink: Option<Vec<u8>>,
    /// On a fax page, the matrix and clip its content is drawn through.
    pub fax_prefix: Option<Vec<u8>>,
    /// The stamp's content (with the drawn form fields).
    pub stamp: Vec<u8>,
    /// The invisible words of a page OCR read.
    pub layer: Option<Vec<u8>>,
    /// The stamp font's glyphs this page draws, each with the first character drawn
    /// with it here.
    pub glyphs: StampFont,
}

/// Every page of a source PDF prepared (`src_pages`, its pages in order), as packet pages
/// `item.first_page` on.
pub(super) fn prepare_document(
    doc: &Document,
    src_pages: &[ObjectId],
    f: &SourceFile,
    item: &Item,
    plan: &Plan,
    metrics: &Metrics,
) -> Result<Vec<Prepared>> {
    let mut out = Vec::with_capacity(src_pages.len());
    for (i, sp) in src_pages.iter().enumerate() {
        let open = f.open_saves.get(i).copied().unwrap_or(0) as usize;
        let read = f.ocr.as_ref().and_then(|r| r.page(i as u32 + 1));
        // Measured at scan; read here only if the scan could not.
        let measured;
        let edges = match f.edges.get(i) {
            Some(e) if f.edges.len() == src_pages.len() => e.as_slice(),
            _ => {
                measured = doc
                    .get_dictionary(*sp)
                    .map(|d| {
                        let content = extent::page_content(doc, d, &|_| None);
                        let content = content.as_deref().map(extent::Source::Bytes);
                        extent::page_edges(doc, d, content)
                    })
                    .unwrap_or_default();
                measured.as_slice()
            }
        };
        out.push(prepare_page(
            doc,
            *sp,
            item.first_page + i as u32,
            open,
            Some(edges),
            &f.rel,
            read,
            plan,
            metrics,
            plan.fax,
        )?);
    }
    Ok(out)
}

/// Prepares source page `src` as packet page `page`. `open` is how many graphics states
/// the page's own content leaves saved. A `record` page (from a source PDF) has its form
/// fields flattened and its content kept clear of the stamp; a `fax_page` becomes Letter
/// portrait.
#[allow(clippy::too_many_arguments)]
pub(super) fn prepare_page(
    doc: &Document,
    src: ObjectId,
    page: u32,
    open: usize,
    record: Option<&[extent::Rect]>,
    rel: &str,
    read: Option<&PageText>,
    plan: &Plan,
    metrics: &Metrics,
    fax_page: bool,
) -> Result<Prepared> {
    let mut glyphs = StampFont::default();
    let err = |message: String| Error::Source {
        path: rel.to_string(),
        message,
    };
    let mut dict = doc
        .get_dictionary(src)
        .map_err(|e| err(format!("page {} cannot be read ({e})", page)))?
        .clone();
    // Inherited attributes move onto the page itself: it gets a new parent.
    for key in [&b"MediaBox"[..], b"CropBox", b"Rotate", b"Resources"] {
        if !dict.has(key) {
            if let Some(v) = extent::inherited(doc, &dict, key).cloned() {
                dict.set(key, v);
            }
        }
    }
    for key in [
        &b"Parent"[..],
        b"B",
        b"Thumb",
        b"PieceInfo",
        b"StructParents",
        b"Metadata",
    ] {
        dict.remove(key);
    }
    let media = dict
        .lookup(b"MediaBox")
        .and_then(|o| deref(doc, o))
        .and_then(extent::read_box)
        .unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let crop = dict
        .lookup(b"CropBox")
        .and_then(|o| deref(doc, o))
        .and_then(extent::read_box);
    let rotate = dict
        .lookup(b"Rotate")
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0);
    let mut geo = PageGeometry {
        bbox: extent::visible_box(media, crop),
        rotate: stamp::normalize_rotate(rotate),
    };
    // A scan OCR found turned is shown upright; its words are laid over it as shown.
    let mut layer = None;
    if let Some(t) = read.filter(|t| !t.words.is_empty()) {
        let turn = t.confident_turn().unwrap_or(0);
        if turn == t.rotate {
            geo.rotate = (geo.rotate + i64::from(turn)) % 360;
            layer = Some(t);
        }
    }
    // For a fax the page becomes Letter portrait: its content is drawn through a
    // matrix (and clipped to what it showed), annotations moved with it.
    let src_geo = geo;
    let fax = fax_page.then(|| (fax_matrix(&geo), geo.bbox));
    let annot_matrix = fax.map(|(m, _)| m);
    if fax.is_some() {
        for key in [
            &b"CropBox"[..],
            b"Rotate",
            b"TrimBox",
            b"BleedBox",
            b"ArtBox",
        ] {
            dict.remove(key);
        }
        dict.set(
            "MediaBox",
            crate::base::pdf::page_box(FAX_PAGE.0, FAX_PAGE.1),
        );
        geo = PageGeometry {
            bbox: [0.0, 0.0, FAX_PAGE.0, FAX_PAGE.1],
            rotate: 0,
        };
    } else {
        dict.set(
            "MediaBox",
            Object::Array(media.iter().map(|&v| Object::Real(v)).collect()),
        );
        if rotate != 0 || geo.rotate != 0 {
            dict.set("Rotate", geo.rotate);
        }
    }

    // Resources become a direct dictionary with a direct /Font dictionary, so the stamp
    // font can be added without touching what other pages share.
    let mut res = take_direct_dict(doc, &mut dict, b"Resources");
    let fonts = take_direct_dict(doc, &mut res, b"Font");
    res.set("Font", Object::Dictionary(fonts));
    dict.set("Resources", Object::Dictionary(res));

    // The original content, flattened to a list of streams.
    let contents: Vec<Object> = match dict.lookup(b"Contents").map(|o| (o, deref(doc, o))) {
        Some((_, Some(Object::Array(a)))) => a.clone(),
        Some((r @ Object::Reference(_), Some(Object::Stream(_)))) => vec![r.clone()],
        _ => Vec::new(),
    };
    dict.remove(b"Contents");
    // Form fields become page content; the footer keeps clear of the page's content.
    let mut placement = stamp::Placement::new(plan, page, &geo, metrics);
    let flat = if let Some(edges) = record {
        let flat = flatten::flatten(doc, &dict, src_geo.rotate, &mut glyphs, metrics);
        // A fax page is already fitted above the stamp's band.
        if fax.is_none() {
            let mut boxes = edges.to_vec();
            boxes.extend(flat.boxes.iter().copied());
            placement.avoid(&geo, &boxes, metrics);
        }
        flat
    } else {
        flatten::Flattened::default()
    };
    if !flat.xobjects.is_empty() {
        // A direct /XObject dictionary, so the drawn fields can be added to it alone.
        if let Ok(Object::Dictionary(res)) = dict.get_mut(b"Resources") {
            let xobjects = take_direct_dict(doc, res, b"XObject");
            res.set("XObject", Object::Dictionary(xobjects));
        }
    }
    if let Some(existing) = dict.lookup(b"Annots") {
        let mut all: Vec<Object> = deref(doc, existing)
            .and_then(|o| o.as_array().ok())
            .cloned()
            .unwrap_or_default();
        // Attachments and media annotations are left out whole; form fields were
        // drawn into the page (the interactive form is not carried over).
        all.retain(|a| match deref(doc, a) {
            Some(Object::Dictionary(d)) => {
                sanitize::dangerous_annotation(d).is_none() && !flatten::is_widget(d)
            }
            Some(_) => true,
            None => false,
        });
        // On a shrunk page, links move with the content they sit on.
        if let Some(shrink) = placement.shrink_matrix(&geo) {
            for a in all.iter_mut() {
                if let Some(Object::Dictionary(d)) = deref(doc, a) {
                    let link = d.lookup(b"Subtype").and_then(|s| s.as_name().ok()) == Some(b"Link");
                    let rect = d
                        .lookup(b"Rect")
                        .and_then(|r| deref(doc, r))
                        .and_then(extent::read_box);
                    if let (true, Some(r)) = (link, rect) {
                        let mut moved = d.clone();
                        let r = extent::transform_rect(shrink, r);
                        moved.set(
                            "Rect",
                            Object::Array(r.iter().map(|&v| Object::Real(v)).collect()),
                        );
                        moved.remove(b"QuadPoints");
                        *a = Object::Dictionary(moved);
                    }
                }
            }
        }
        dict.set("Annots", Object::Array(all));
    }

    // Flattened form fields sit in the page's own space: on a fax page they go through
    // the same matrix as its content.
    let drawn = match fax {
        Some((m, b)) if !flat.content.is_empty() => {
            let mut d = fax_prefix(m, b).into_bytes();
            d.extend_from_slice(&flat.content);
            d
        }
        _ => flat.content,
    };
    let stamp = stamp::stamp_content_at(&placement, &geo, open, &drawn, &mut glyphs, metrics);
    // A page with room keeps its content exactly; one whose content reaches under the
    // footer is shrunk toward its top first.
    let shrink = placement
        .shrink_matrix(&geo)
        .map(|s| format!("q\n{}", stamp::matrix_op(s)).into_bytes());
    // No `q` of its own: the stamp's closing `Q`s undo it with the page's.
    let fax_prefix = fax.map(|(m, b)| fax_prefix(m, b).into_bytes());
    let layer = layer.map(|t| {
        // The rendered page filled the displayed page: pixels map onto it directly. On a
        // fax page that is the record's own page, fitted like its content.
        let shown_geo = if fax.is_some() { src_geo } else { geo };
        let (w, h) = shown_geo.shown();
        let frame = textlayer::Frame {
            left: 0.0,
            top: h,
            scale: w / t.width.max(1) as f32,
        };
        // Over a shrunk page, the words shrink with the scan they lie on.
        let mut bytes = b"q\n".to_vec();
        if let Some((m, _)) = fax {
            bytes.extend(stamp::matrix_op(m).into_bytes());
        } else if let Some(shrink) = placement.shrink_matrix(&geo) {
            bytes.extend(stamp::matrix_op(shrink).into_bytes());
        }
        bytes.extend(stamp::matrix_op(shown_geo.display_matrix()).into_bytes());
        bytes.extend(textlayer::content(&t.words, &frame, &mut glyphs, metrics));
        bytes.extend_from_slice(b"Q\n");
        bytes
    });
    Ok(Prepared {
        source: src,
        dict: Object::Dictionary(dict),
        contents,
        xobjects: flat.xobjects,
        annot_matrix,
        shrink,
        fax_prefix,
        stamp,
        layer,
        glyphs,
    })
}

/// The dictionary `dict` holds under `key` (taken out of it, an empty one left in its
/// place for the caller to set again), or a copy of the one it points to; empty when
/// there is none.
fn take_direct_dict(doc: &Document, dict: &mut Dictionary, key: &[u8]) -> Dictionary {
    match dict.lookup_mut(key) {
        // Taken, not copied: the caller sets the key again, in the same place.
        Some(Object::Dictionary(d)) => std::mem::take(d),
        Some(o) => deref(doc, o)
            .and_then(|o| o.as_dict().ok())
            .cloned()
            .unwrap_or_default(),
        None => Dictionary::new(),
    }
}
