//! Assemble: the plan, the rendered pages and the source files turn into the packet PDF,
//! written front to back: generated pages and every source page in plan order, each page
//! stamped as it is copied, then the page tree, outline, document info and trailer.
//! Source documents are read, copied and dropped one at a time.

use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::pdf::Lookup;
use crate::plan::{Body, Plan};
use crate::read::images;
use crate::read::ocr::PageText;
use crate::read::sanitize;
use crate::read::scan::{sha256_hex, Inventory};
use crate::write::fax::{turn_left, FAX_PAGE};
use crate::write::importer::{Importer, Paused};
use crate::write::paint::Painter;
use crate::write::pdfwrite::PdfWriter;
use crate::write::pictures;
use crate::write::prepare::{prepare_page, Prepared};
use crate::write::readahead::{
    internal_error_in, read_ahead, reader_count, Closer, Gate, Ready, Shelf,
};
use crate::write::stamp::{self, PageGeometry, StampFont, STAMP_FONT};
use crate::write::textlayer;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::HashSet;
use std::io::Write;

/// Margin around scanned images on their page.
const IMAGE_MARGIN: f32 = 36.0;

struct Out<'p, W: Write> {
    w: PdfWriter<W>,
    plan: &'p Plan,
    m: &'static Metrics,
    page_ids: Vec<ObjectId>,
    pages_root: ObjectId,
    q_stream: ObjectId,
    stamp_font: ObjectId,
    stamps: StampFont,
}

fn io(path: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Source {
        path: path.to_string(),
        message: format!("could not write the packet ({e})"),
    }
}

/// Writes the whole packet to `out`; returns `out` once the file is complete.
pub fn assemble<W: Write>(
    plan: &Plan,
    inv: &Inventory,
    out: W,
    password: Option<&str>,
    progress: &dyn crate::Progress,
) -> Result<W> {
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let here = "packet";
    let mut w = PdfWriter::new(out).map_err(io(here))?;
    if let Some(pw) = password {
        w.encrypt_with(crate::write::pdfwrite::aes256(pw).map_err(io(here))?);
    }
    let catalog = w.reserve();
    let pages_root = w.reserve();
    let info = w.reserve();
    let page_ids: Vec<ObjectId> = (0..plan.total_pages).map(|_| w.reserve()).collect();
    let stamp_font = w.reserve();
    let q_stream = w
        .add(&Object::Stream(Stream::new(
            Dictionary::new(),
            b"q\n".to_vec(),
        )))
        .map_err(io(here))?;
    let mut o = Out {
        w,
        plan,
        m,
        page_ids,
        pages_root,
        q_stream,
        stamp_font,
        stamps: StampFont::default(),
    };

    let mut written: HashSet<u32> = HashSet::new();
    let gate = Gate::default();
    let readers = reader_count(plan, inv);
    let shelf = Shelf::new(readers);
    let descriptor = std::thread::scope(|scope| -> Result<ObjectId> {
        // The documents are read, checked and parsed on other threads, a bounded amount
        // ahead (see `read_ahead`): from the start, so the first are ready while the
        // generated pages are set up, painted and written, then while this one writes.
        // What the writer is done with goes back to the reader that made it, to be freed
        // there (a thread freeing another's memory contends for its allocator).
        // However this closure ends, the readers stop: told so by the gate, where a
        // reader waits (the scope then waits for them). Made before they start, so a
        // reader already started stops too if the next cannot be started.
        let _close = Closer(&gate);
        let mut spent = Vec::with_capacity(readers);
        for me in 0..readers {
            let (tx, rx) = std::sync::mpsc::channel::<Ready>();
            spent.push(tx);
            let (gate, shelf) = (&gate, &shelf);
            scope.spawn(move || read_ahead(plan, inv, gate, shelf, me, rx));
        }
        // Generated pages are painted as they are written, on other threads, a batch
        // ahead of this one, starting while their font is set up here; the font program
        // is shared with the stamps. However this closure ends, the painters stop: their
        // receivers go with `generated`, dropped here, before the scope waits for them.
        let mut generated = Generated {
            state: None,
            painter: Painter::new(plan, m)?,
        };
        generated.painter.paint_ahead(scope);
        generated.painter.embed_font()?;
        let descriptor = find_font_descriptor(&generated.painter.doc)
            .ok_or_else(|| Error::Internal("generated pages carry no embedded font".into()))?;
        let mut first = Importer::new(&generated.painter.doc);
        let descriptor = first.map_ref(&mut o.w, descriptor);
        generated.state = Some(first.pause());
        for part in &plan.parts {
            for p in part.first_page..part.first_page + part.count {
                o.copy_generated(&mut generated, p, true, "generated page")?;
                written.insert(p);
            }
        }
        progress.start("Writing the packet", plan.items.len() as u64);
        for (place, item) in plan.items.iter().enumerate() {
            progress.advance();
            let f = inv.files.get(item.file).ok_or_else(|| {
                Error::Internal(format!("{}: missing from the inventory", item.rel))
            })?;
            let (maker, ready) = shelf
                .take(place)
                .ok_or_else(|| Error::Internal(format!("{}: the readers stopped", item.rel)))?;
            let ready = ready?;
            // A panic while copying one document becomes an error naming it.
            let copied =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<()> {
                    match (&item.body, ready) {
                        (Body::Text(_) | Body::Cda(_), _) => {
                            for p in item.first_page..=item.last_page {
                                o.copy_generated(&mut generated, p, false, &item.rel)?;
                            }
                        }
                        (Body::Pdf, Ready::Pdf(doc, prepared)) => {
                            // The source pages, as the reader found them: as many as
                            // the plan gave the document.
                            if prepared.len() as u32 != item.source_pages {
                                return Err(Error::Internal(format!(
                                    "{}: {} of {} pages prepared",
                                    f.rel,
                                    prepared.len(),
                                    item.source_pages
                                )));
                            }
                            let mut imp = Importer::new(&doc);
                            imp.fax = plan.fax;
                            for (i, prep) in prepared.iter().enumerate() {
                                imp.page_ids
                                    .insert(prep.source, o.page_id(item.first_page + i as u32)?);
                            }
                            for (i, prep) in prepared.iter().enumerate() {
                                o.copy_page(
                                    &mut imp,
                                    prep,
                                    item.first_page + i as u32,
                                    Vec::new(),
                                    &f.rel,
                                )?;
                            }
                            drop(imp);
                            // The reader may have stopped; the document is then freed here.
                            if let Some(back) = spent.get(maker) {
                                let _ = back.send(Ready::Pdf(doc, prepared));
                            }
                        }
                        (
                            Body::Jpeg | Body::Png,
                            Ready::Image {
                                xobj,
                                stored,
                                orientation,
                            },
                        ) => {
                            let read = f.ocr.as_ref().and_then(|r| r.page(1));
                            let xobj = o.image_page(
                                xobj,
                                stored,
                                orientation,
                                read,
                                item.first_page,
                                &f.rel,
                            )?;
                            // Freed by the reader that read it, as a PDF is.
                            if let Some(back) = spent.get(maker) {
                                let _ = back.send(Ready::Image {
                                    xobj,
                                    stored,
                                    orientation,
                                });
                            }
                        }
                        (Body::Tiff, Ready::Bytes(bytes)) => {
                            // Its pages are written from the bytes here; the bytes go back
                            // to the reader that read them, to be freed there.
                            let written = write_tiff(&mut o, f, item, inv, &bytes);
                            if let Some(back) = spent.get(maker) {
                                let _ = back.send(Ready::Bytes(bytes));
                            }
                            written?;
                        }
                        _ => {
                            return Err(Error::Internal(format!(
                                "{}: read ahead as the wrong kind of document",
                                f.rel
                            )))
                        }
                    }
                    Ok(())
                }));
            gate.release(f.size);
            match copied {
                Ok(result) => result?,
                Err(_) => return Err(internal_error_in(&f.rel)),
            }
            for p in item.first_page..=item.last_page {
                written.insert(p);
            }
        }
        Ok(descriptor)
    })?;
    if written.len() as u32 != plan.total_pages {
        return Err(Error::Internal(format!(
            "wrote {} of {} planned pages",
            written.len(),
            plan.total_pages
        )));
    }

    // The stamp font, now that every glyph the stamps use is known.
    let (font, cid, tounicode) = o.stamps.objects(m, descriptor);
    let tu = o.w.add(&Object::Stream(tounicode)).map_err(io(here))?;
    let cid_id = o.w.add(&Object::Dictionary(cid)).map_err(io(here))?;
    let mut font = font;
    font.set(
        "DescendantFonts",
        Object::Array(vec![Object::Reference(cid_id)]),
    );
    font.set("ToUnicode", Object::Reference(tu));
    o.w.write(o.stamp_font, &Object::Dictionary(font))
        .map_err(io(here))?;

    o.w.write_page_tree(pages_root, &o.page_ids, i64::from(plan.total_pages))
        .map_err(io(here))?;

    let outlines = write_outline(&mut o)?;
    let mut cat = Dictionary::new();
    cat.set("Type", Object::Name(b"Catalog".to_vec()));
    cat.set("Pages", Object::Reference(pages_root));
    cat.set("Outlines", Object::Reference(outlines));
    cat.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    o.w.write(catalog, &Object::Dictionary(cat))
        .map_err(io(here))?;
    o.w.write(info, &Object::Dictionary(stamp::info(plan)))
        .map_err(io(here))?;
    let mut id = [0u8; 16];
    let digest =
        sha256_hex(format!("{}{}", plan.packet_id, plan.generated_at.timestamp()).as_bytes());
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(digest.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    o.w.finish(catalog, info, id).map_err(io(here))
}

/// The FontDescriptor of the first Type0 font on the generated pages.
fn find_font_descriptor(doc: &Document) -> Option<ObjectId> {
    for (_, pid) in doc.get_pages() {
        let fonts = doc.get_page_fonts(pid).ok()?;
        for (_, font) in fonts {
            let desc = font.lookup(b"DescendantFonts")?;
            let (_, desc) = doc.dereference(desc).ok()?;
            let first = desc.as_array().ok()?.first()?;
            let (_, cid) = doc.dereference(first).ok()?;
            if let Some(Object::Reference(r)) = cid.as_dict().ok()?.lookup(b"FontDescriptor") {
                return Some(*r);
            }
        }
    }
    None
}

fn link_annotations<W: Write>(o: &Out<'_, W>, links: &[crate::base::layout::Link]) -> Vec<Object> {
    links
        .iter()
        .filter_map(|l| {
            let item = o.plan.items.get(l.target)?;
            let target = o.page_id(item.first_page).ok()?;
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
                Object::Array(l.rect.iter().map(|&v| Object::Real(v)).collect()),
            );
            a.set("Border", Object::Array(vec![0.into(), 0.into(), 0.into()]));
            a.set("A", Object::Dictionary(action));
            Some(Object::Dictionary(a))
        })
        .collect()
}

/// The generated pages being written: the painter, and the importer's work between pages.
struct Generated<'p> {
    painter: Painter<'p>,
    state: Option<Paused>,
}

impl<W: Write> Out<'_, W> {
    /// Copies generated page `page` (painted now), with its links when `links` is set.
    fn copy_generated(
        &mut self,
        g: &mut Generated<'_>,
        page: u32,
        links: bool,
        rel: &str,
    ) -> Result<()> {
        let (pid, areas) = g.painter.place(page)?;
        let annots = if links {
            link_annotations(self, &areas)
        } else {
            Vec::new()
        };
        let state = g.state.take().ok_or_else(|| {
            Error::Internal("the generated pages' importer was lost after an error".into())
        })?;
        let mut imp = Importer::resume(&g.painter.doc, state);
        let copied = prepare_page(
            imp.doc, pid, page, 0, None, rel, None, self.plan, self.m, imp.fax,
        )
        .and_then(|prep| self.copy_page(&mut imp, &prep, page, annots, rel));
        g.state = Some(imp.pause());
        g.painter.remove(pid);
        copied
    }

    fn page_id(&self, page: u32) -> Result<ObjectId> {
        self.page_ids
            .get((page as usize).wrapping_sub(1))
            .copied()
            .ok_or_else(|| Error::Internal(format!("page {page} is outside the plan")))
    }

    /// Copies prepared page `prep` (with everything it uses, from `imp`'s document) as
    /// packet page `page`, with `annots` added to its annotations.
    fn copy_page(
        &mut self,
        imp: &mut Importer<'_>,
        prep: &Prepared,
        page: u32,
        annots: Vec<Object>,
        rel: &str,
    ) -> Result<()> {
        let err = |message: String| Error::Source {
            path: rel.to_string(),
            message,
        };
        // The stamp font covers this page's glyphs, each with the first character drawn
        // with it in the packet (pages come here in order).
        self.stamps.absorb(&prep.glyphs);
        imp.annot_matrix = prep.annot_matrix;
        let mut converted = match imp.convert(&mut self.w, &prep.dict) {
            Object::Dictionary(d) => d,
            _ => return Err(Error::Internal("page dictionary changed type".into())),
        };
        let contents: Vec<Object> = prep
            .contents
            .iter()
            .map(|c| imp.convert(&mut self.w, c))
            .collect();
        for (name, obj) in &prep.xobjects {
            let drawn = match imp.convert(&mut self.w, obj) {
                s @ Object::Stream(_) => Object::Reference(
                    self.w
                        .add(&s)
                        .map_err(|e| err(format!("could not be written ({e})")))?,
                ),
                other => other,
            };
            if let Ok(Object::Dictionary(res)) = converted.get_mut(b"Resources") {
                if let Ok(Object::Dictionary(xobjects)) = res.get_mut(b"XObject") {
                    xobjects.set(name.as_bytes().to_vec(), drawn);
                }
            }
        }
        imp.flush(&mut self.w)
            .map_err(|e| err(format!("could not be copied ({e})")))?;
        let mut add = |bytes: Vec<u8>| {
            self.w
                .add(&Object::Stream(Stream::new(Dictionary::new(), bytes)))
                .map_err(|e| err(format!("could not be written ({e})")))
        };
        let stamp_id = add(prep.stamp.clone())?;
        let first = match &prep.shrink {
            Some(bytes) => add(bytes.clone())?,
            None => self.q_stream,
        };
        let mut all_contents = vec![Object::Reference(first)];
        if let Some(bytes) = &prep.fax_prefix {
            all_contents.push(Object::Reference(add(bytes.clone())?));
        }
        all_contents.extend(contents);
        all_contents.push(Object::Reference(stamp_id));
        if let Some(bytes) = &prep.layer {
            all_contents.push(Object::Reference(add(bytes.clone())?));
        }
        converted.set("Contents", Object::Array(all_contents));
        if let Ok(Object::Dictionary(res)) = converted.get_mut(b"Resources") {
            if let Ok(Object::Dictionary(fonts)) = res.get_mut(b"Font") {
                fonts.set(STAMP_FONT, Object::Reference(self.stamp_font));
            }
        }
        if !annots.is_empty() {
            let mut list = match converted.lookup(b"Annots") {
                Some(Object::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            list.extend(annots);
            converted.set("Annots", Object::Array(list));
        }
        if sanitize::dict_still_active(&converted) {
            return Err(err(
                "still carries active content after cleaning — please report this".into(),
            ));
        }
        converted.set("Parent", Object::Reference(self.pages_root));
        let id = self.page_id(page)?;
        self.w
            .write(id, &Object::Dictionary(converted))
            .map_err(|e| err(format!("could not be written ({e})")))
    }

    /// Writes a page holding one image, scaled to fit with margins, stamped. `stored` is
    /// the image's size as stored and `exif` its EXIF orientation; a page OCR `read` is
    /// shown as the engine found it upright (a mirrored photo keeps its EXIF orientation),
    /// with its words as an invisible text layer. Gives the picture back, written, for
    /// its reader to free.
    #[allow(clippy::too_many_arguments)]
    fn image_page(
        &mut self,
        xobj: Stream,
        stored: (u32, u32),
        exif: u8,
        read: Option<&PageText>,
        page: u32,
        rel: &str,
    ) -> Result<Stream> {
        let err = |e: std::io::Error| Error::Source {
            path: rel.to_string(),
            message: format!("could not be written ({e})"),
        };
        let mirrored = matches!(exif, 2 | 4 | 5 | 7);
        let turned = read
            .filter(|_| !mirrored)
            .and_then(|t| t.confident_turn())
            .map(images::orientation_for_turn);
        let orientation = turned.unwrap_or(exif);
        // The words are laid over the image only when it shows as the engine read it.
        let layer = read.filter(|t| {
            !t.words.is_empty()
                && !mirrored
                && images::orientation_for_turn(t.rotate) == orientation
        });
        let shown = images::shown_size(stored.0, stored.1, orientation);
        // On a fax a wide picture is laid out on the page turned to landscape, then turned
        // a quarter to the left with the page (words and all).
        let fax_turn = self.plan.fax && shown.0 > shown.1;
        let size = if fax_turn {
            (FAX_PAGE.1, FAX_PAGE.0)
        } else if self.plan.fax {
            FAX_PAGE
        } else {
            images::page_for(self.plan.paper.size(), shown.0, shown.1)
        };
        let xobj = Object::Stream(xobj);
        let img = self.w.add(&xobj).map_err(err)?;
        let mut draw = images::placement(size, shown, orientation, IMAGE_MARGIN, "Im0");
        if let Some(t) = layer {
            let [x, y, dw, dh] = images::fit(size, shown, IMAGE_MARGIN);
            let frame = textlayer::Frame {
                left: x,
                top: y + dh,
                scale: dw / t.width.max(1) as f32,
            };
            draw.extend(textlayer::content(
                &t.words,
                &frame,
                &mut self.stamps,
                self.m,
            ));
        }
        let (size, draw) = if fax_turn {
            (FAX_PAGE, turn_left(draw))
        } else {
            (size, draw)
        };
        let content = self
            .w
            .add(&Object::Stream(Stream::new(Dictionary::new(), draw)))
            .map_err(err)?;
        let geo = PageGeometry {
            bbox: [0.0, 0.0, size.0, size.1],
            rotate: 0,
        };
        let stamp_bytes = stamp::stamp_content(self.plan, page, &geo, 0, &mut self.stamps, self.m);
        let stamp_id = self
            .w
            .add(&Object::Stream(Stream::new(Dictionary::new(), stamp_bytes)))
            .map_err(err)?;
        let mut xobjects = Dictionary::new();
        xobjects.set("Im0", Object::Reference(img));
        let mut fonts = Dictionary::new();
        fonts.set(STAMP_FONT, Object::Reference(self.stamp_font));
        let mut res = Dictionary::new();
        res.set("XObject", Object::Dictionary(xobjects));
        res.set("Font", Object::Dictionary(fonts));
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"Page".to_vec()));
        d.set("Parent", Object::Reference(self.pages_root));
        d.set("MediaBox", crate::base::pdf::page_box(size.0, size.1));
        d.set("Resources", Object::Dictionary(res));
        d.set(
            "Contents",
            Object::Array(vec![
                Object::Reference(self.q_stream),
                Object::Reference(content),
                Object::Reference(stamp_id),
            ]),
        );
        let id = self.page_id(page)?;
        self.w.write(id, &Object::Dictionary(d)).map_err(err)?;
        match xobj {
            Object::Stream(s) => Ok(s),
            _ => Err(Error::Internal(format!(
                "{rel}: the picture is not a stream"
            ))),
        }
    }
}

/// Writes the pages of a TIFF (`bytes`, checked against the scan's checksum as they were
/// read) as packet pages `item.first_page` on.
fn write_tiff<W: Write>(
    o: &mut Out<'_, W>,
    f: &crate::read::scan::SourceFile,
    item: &crate::plan::Item,
    inv: &Inventory,
    bytes: &[u8],
) -> Result<()> {
    let plan = o.plan;
    // The pages encoded by an earlier build of the same bytes, in order, as long as the
    // cache holds them.
    let key = |n: u32| pictures::key(&f.sha256, n, plan.fax);
    let mut recalled = 0u32;
    while recalled < item.source_pages {
        let Some((xobj, stored)) = pictures::recall(&inv.cache, &key(recalled + 1)) else {
            break;
        };
        let read = f.ocr.as_ref().and_then(|o| o.page(recalled + 1));
        let page = item.first_page + recalled;
        o.image_page(xobj, stored, 1, read, page, &f.rel)?;
        recalled += 1;
    }
    if recalled == item.source_pages {
        return Ok(());
    }
    // The rest: one page decoded, written and dropped at a time.
    let mut written_pages = 0u32;
    let mut failure: Option<Error> = None;
    let counted = images::tiff_each_page(bytes, &mut |r| {
        if written_pages >= item.source_pages {
            return Err("the file has more pages than when it was scanned".into());
        }
        let stored = (r.width, r.height);
        let page = item.first_page + written_pages;
        written_pages += 1;
        if written_pages <= recalled {
            return Ok(());
        }
        let read = f.ocr.as_ref().and_then(|o| o.page(written_pages));
        let xobj = if plan.fax {
            crate::read::gray::gray_raster(&r)
        } else {
            images::raster_xobject(&r)
        };
        pictures::keep(&inv.cache, &key(written_pages), &xobj, stored);
        o.image_page(xobj, stored, 1, read, page, &f.rel)
            .map(drop)
            .map_err(|e| {
                let text = e.to_string();
                failure = Some(e);
                text
            })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let counted = counted.map_err(|e| Error::Source {
        path: f.rel.clone(),
        message: e,
    })?;
    if counted != item.source_pages {
        return Err(Error::ChangedDuringBuild(f.rel.clone()));
    }
    Ok(())
}

fn write_outline<W: Write>(o: &mut Out<'_, W>) -> Result<ObjectId> {
    let entries = stamp::outline(o.plan);
    let root = o.w.reserve();
    let count = write_entries(o, &entries, root)?;
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"Outlines".to_vec()));
    if let Some((first, last)) = count.1 {
        d.set("First", Object::Reference(first));
        d.set("Last", Object::Reference(last));
    }
    d.set("Count", count.0 as i64);
    o.w.write(root, &Object::Dictionary(d))
        .map_err(|e| Error::Internal(format!("outline: {e}")))?;
    Ok(root)
}

/// Writes sibling entries under `parent`; returns (visible count, first and last ids).
fn write_entries<W: Write>(
    o: &mut Out<'_, W>,
    entries: &[stamp::OutlineEntry],
    parent: ObjectId,
) -> Result<(usize, Option<(ObjectId, ObjectId)>)> {
    let ids: Vec<ObjectId> = entries.iter().map(|_| o.w.reserve()).collect();
    let mut visible = entries.len();
    for (i, e) in entries.iter().enumerate() {
        let mut d = Dictionary::new();
        d.set("Title", stamp::text(&e.title));
        d.set("Parent", Object::Reference(parent));
        if i > 0 {
            d.set("Prev", Object::Reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            d.set("Next", Object::Reference(*next));
        }
        let target = o.page_id(e.page)?;
        d.set(
            "Dest",
            Object::Array(vec![
                Object::Reference(target),
                Object::Name(b"Fit".to_vec()),
            ]),
        );
        if !e.children.is_empty() {
            let (n, fl) = write_entries(o, &e.children, ids[i])?;
            if let Some((first, last)) = fl {
                d.set("First", Object::Reference(first));
                d.set("Last", Object::Reference(last));
            }
            d.set("Count", n as i64);
            visible += n;
        }
        o.w.write(ids[i], &Object::Dictionary(d))
            .map_err(|e| Error::Internal(format!("outline: {e}")))?;
    }
    Ok((visible, ids.first().copied().zip(ids.last().copied())))
}
