//! Read-ahead: the plan's source documents turn into `Ready` documents — bytes re-checked
//! against the scan's checksum, PDFs parsed, pictures prepared (or recalled, encoded,
//! from the cache by the checked bytes' checksum) — on reading threads, a bounded number
//! and size ahead of the writer in `assemble`, so memory stays flat. Each reader takes
//! the next document in plan order; the writer takes them from the `Shelf` in that order.

use crate::base::error::{Error, Result};
use crate::plan::{Body, Plan};
use crate::read::images;
use crate::read::ingest;
use crate::read::scan::Inventory;
use crate::write::pictures;
use crate::write::prepare::{prepare_document, Prepared};
use lopdf::{Document, Stream};

/// How many documents may wait, read ahead, for the writer: enough that the writer never
/// waits for a reader, few enough that what waits stays in memory already touched. A
/// prepared document holds its parse and its pages' new dictionaries, many times its
/// bytes; with 64 waiting, a warm build of 400 small PDFs touched 1,400 more pages of
/// fresh memory (each one zeroed by the kernel) and took 3 % longer than with 16.
pub(super) const LOOKAHEAD_ITEMS: usize = 16;
/// How many bytes of source files may be read ahead of the writer (at least one document
/// always is, however large), so memory stays flat whatever the packet's length.
pub(super) const LOOKAHEAD_BYTES: u64 = 8 * 1024 * 1024;

/// A source document read ahead of the writer: its bytes re-checked against the scan's
/// checksum and, as far as can be done without the writer, turned into PDF objects.
pub(super) enum Ready {
    /// A text file or clinical document: its pages are already rendered.
    Nothing,
    /// A PDF, parsed here, and its pages prepared.
    Pdf(Box<Document>, Vec<Prepared>),
    Image {
        xobj: Stream,
        /// The picture's stored size (before its orientation is applied).
        stored: (u32, u32),
        orientation: u8,
    },
    /// A TIFF, decoded page by page as it is written.
    Bytes(Vec<u8>),
}

/// Documents and bytes read ahead and not yet written, shared by the reader and the
/// writer.
///
/// A reader held back waits until the writer has taken half of what was waiting, so the
/// two threads wake each other once per few documents rather than once per document.
#[derive(Default)]
pub(super) struct Gate {
    state: std::sync::Mutex<GateState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct GateState {
    /// Bytes of the documents read ahead and not yet written.
    bytes: u64,
    /// Documents read ahead and not yet written.
    items: usize,
    /// The writer has stopped.
    stopped: bool,
    /// The reader waits until no more than these documents and bytes wait for the writer.
    until: Option<(usize, u64)>,
}

impl Gate {
    /// Waits until a document of `size` bytes may be read ahead; false once the writer has
    /// stopped. At least one document may always wait, however large.
    pub(super) fn admit(&self, size: u64) -> bool {
        let Ok(mut st) = self.state.lock() else {
            return false;
        };
        if !st.stopped
            && st.items > 0
            && (st.items >= LOOKAHEAD_ITEMS || st.bytes.saturating_add(size) > LOOKAHEAD_BYTES)
        {
            let bytes = LOOKAHEAD_BYTES
                .saturating_sub(size)
                .min(LOOKAHEAD_BYTES / 2);
            st.until = Some((LOOKAHEAD_ITEMS / 2, bytes));
            st = match self
                .changed
                .wait_while(st, |st| !st.stopped && st.until.is_some())
            {
                Ok(s) => s,
                Err(_) => return false,
            };
        }
        st.until = None;
        st.items += 1;
        st.bytes = st.bytes.saturating_add(size);
        !st.stopped
    }

    /// The writer is done with a document of `size` bytes.
    pub(super) fn release(&self, size: u64) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        st.items = st.items.saturating_sub(1);
        st.bytes = st.bytes.saturating_sub(size);
        let (items, bytes) = (st.items, st.bytes);
        if st.until.is_some_and(|(i, b)| items <= i && bytes <= b) {
            st.until = None;
            drop(st);
            self.changed.notify_all();
        }
    }
}

/// Tells the reader to stop when the writer's loop ends, however it ends.
pub(super) struct Closer<'g>(pub(super) &'g Gate);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        if let Ok(mut st) = self.0.state.lock() {
            st.stopped = true;
        }
        self.0.changed.notify_all();
    }
}

pub(super) fn internal_error_in(rel: &str) -> Error {
    Error::Source {
        path: rel.to_string(),
        message: "medpacket hit an internal error while copying this file — remove it or save it again as PDF, and please report the problem".into(),
    }
}

/// Whether most of the bytes `plan` reads are PDFs' (rather than pictures'). Reading a
/// PDF (parsing it and preparing its pages) costs about twice what writing it does, and
/// writing it is mostly making objects; a picture is only checked and copied.
pub(crate) fn mostly_pdf(plan: &Plan, inv: &Inventory) -> bool {
    let (mut pdf, mut all) = (0u64, 0u64);
    for item in &plan.items {
        let size = inv.files.get(item.file).map_or(0, |f| f.size);
        all = all.saturating_add(size);
        if matches!(item.body, Body::Pdf) {
            pdf = pdf.saturating_add(size);
        }
    }
    pdf >= all / 2
}

/// How many threads read ahead for `plan`: two (on a machine with two processors or
/// more) when most of its bytes are PDFs', where one reader alone leaves the writer
/// waiting; else one, as for pictures a second reader takes the writer's processor time
/// (and contends for memory) without reading any faster.
pub(super) fn reader_count(plan: &Plan, inv: &Inventory) -> usize {
    let processors = std::thread::available_parallelism().map_or(1, |n| n.get());
    if processors >= 2 && mostly_pdf(plan, inv) {
        2
    } else {
        1
    }
}

/// Documents read ahead and not yet taken by the writer, by their place in the plan.
pub(super) struct Shelf {
    state: std::sync::Mutex<ShelfState>,
    filled: std::sync::Condvar,
    /// The place in the plan of the next document to read.
    next: std::sync::Mutex<usize>,
}

struct ShelfState {
    /// Each document read, with the reader that made it (and frees it).
    ready: std::collections::HashMap<usize, (usize, Result<Ready>)>,
    /// Readers still reading.
    readers: usize,
}

impl Shelf {
    pub(super) fn new(readers: usize) -> Self {
        Shelf {
            state: std::sync::Mutex::new(ShelfState {
                ready: std::collections::HashMap::new(),
                readers,
            }),
            filled: std::sync::Condvar::new(),
            next: std::sync::Mutex::new(0),
        }
    }

    /// Waits for the document at `place` in the plan; with the reader that made it. None
    /// once every reader has stopped without it.
    pub(super) fn take(&self, place: usize) -> Option<(usize, Result<Ready>)> {
        let st = self.state.lock().ok()?;
        let mut st = self
            .filled
            .wait_while(st, |st| st.readers > 0 && !st.ready.contains_key(&place))
            .ok()?;
        st.ready.remove(&place)
    }

    /// The place of the next document to read, of `count`, once the gate admits its
    /// `size`; None when there is none left or the writer has stopped. Places are admitted
    /// in order, so the documents waiting for the writer are always the next it takes.
    fn claim(&self, count: usize, size: impl Fn(usize) -> u64, gate: &Gate) -> Option<usize> {
        let mut next = self.next.lock().ok()?;
        let place = *next;
        if place >= count || !gate.admit(size(place)) {
            return None;
        }
        *next += 1;
        Some(place)
    }

    fn put(&self, place: usize, reader: usize, ready: Result<Ready>) {
        if let Ok(mut st) = self.state.lock() {
            st.ready.insert(place, (reader, ready));
        }
        self.filled.notify_all();
    }
}

/// A reader that has stopped, however it stopped: the writer stops waiting for it.
struct Stopped<'s>(&'s Shelf);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        if let Ok(mut st) = self.0.state.lock() {
            st.readers = st.readers.saturating_sub(1);
        }
        self.0.filled.notify_all();
    }
}

/// Reader `me`: takes the plan's next document (in order, once the gate admits it: the
/// documents waiting are always the ones the writer takes next), reads it and puts it on
/// the shelf; frees what comes back on `spent`, the documents it made.
pub(super) fn read_ahead(
    plan: &Plan,
    inv: &Inventory,
    gate: &Gate,
    shelf: &Shelf,
    me: usize,
    spent: std::sync::mpsc::Receiver<Ready>,
) {
    let _stopped = Stopped(shelf);
    let size = |place: usize| {
        plan.items
            .get(place)
            .and_then(|item| inv.files.get(item.file))
            .map_or(0, |f| f.size)
    };
    loop {
        let Some(place) = shelf.claim(plan.items.len(), size, gate) else {
            // What came back is freed as `spent` goes, here.
            return;
        };
        // Freed here, where it was made: all that came back, also while the gate held
        // this reader, before the next is read (a large picture is then not kept beside
        // the next one).
        while let Ok(done) = spent.try_recv() {
            drop(done);
        }
        let Some(item) = plan.items.get(place) else {
            return;
        };
        let ready =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_one(item, inv, plan)))
                .unwrap_or_else(|_| Err(internal_error_in(&item.rel)));
        shelf.put(place, me, ready);
    }
}

/// One document's bytes, re-checked and prepared for the writer.
/// With `fax`, pictures are turned grey.
pub(super) fn read_one(item: &crate::plan::Item, inv: &Inventory, plan: &Plan) -> Result<Ready> {
    let fax = plan.fax;
    let f = inv
        .files
        .get(item.file)
        .ok_or_else(|| Error::Internal(format!("{}: missing from the inventory", item.rel)))?;
    let ready = match &item.body {
        Body::Text(_) | Body::Cda(_) => Ready::Nothing,
        Body::Pdf => {
            let bytes = crate::read::scan::read_content(f)?;
            let doc =
                ingest::load_pdf(&bytes, f.password.as_deref()).map_err(|e| Error::Source {
                    path: f.rel.clone(),
                    message: format!("could not be read again while building ({e})"),
                })?;
            drop(bytes);
            prepared(Box::new(doc), f, item, plan)?
        }
        Body::Jpeg => {
            let bytes = crate::read::scan::read_content(f)?;
            let info = f
                .image
                .ok_or_else(|| Error::Internal(format!("{}: no image size", f.rel)))?;
            Ready::Image {
                stored: (info.width, info.height),
                orientation: info.orientation,
                xobj: if fax && info.components != 1 {
                    crate::read::gray::gray_jpeg(&bytes).map_err(|e| Error::Source {
                        path: f.rel.clone(),
                        message: format!("could not be turned grey for the fax ({e})"),
                    })?
                } else {
                    images::jpeg_xobject(bytes, &info)
                },
            }
        }
        Body::Png => {
            // Checked against the scan's checksum, which then keys its encoded picture.
            let bytes = crate::read::scan::read_content(f)?;
            let key = pictures::key(&f.sha256, 1, fax);
            let (xobj, stored) = pictures::recall_or(&inv.cache, &key, || {
                let r = images::png_raster(&bytes).map_err(|e| Error::Source {
                    path: f.rel.clone(),
                    message: e,
                })?;
                let xobj = if fax {
                    crate::read::gray::gray_raster(&r)
                } else {
                    images::raster_xobject(&r)
                };
                Ok::<_, Error>((xobj, (r.width, r.height)))
            })?;
            Ready::Image {
                stored,
                orientation: 1,
                xobj,
            }
        }
        Body::Tiff => Ready::Bytes(crate::read::scan::read_content(f)?),
    };
    Ok(ready)
}

/// A PDF read ahead, with its pages prepared for the writer; an error when it no longer has
/// the pages the plan counted.
fn prepared(
    doc: Box<Document>,
    f: &crate::read::scan::SourceFile,
    item: &crate::plan::Item,
    plan: &Plan,
) -> Result<Ready> {
    let src_pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    if src_pages.len() as u32 != item.source_pages {
        return Err(Error::ChangedDuringBuild(f.rel.clone()));
    }
    let metrics = crate::base::fonts::Metrics::get()
        .ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let pages = prepare_document(&doc, &src_pages, f, item, plan, metrics)?;
    Ok(Ready::Pdf(doc, pages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Admits documents of `size` bytes on another thread until `n` are in, counting them.
    fn reader(gate: &Gate, admitted: &AtomicUsize, n: usize, size: u64) {
        for _ in 0..n {
            if !gate.admit(size) {
                return;
            }
            admitted.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Waits (briefly) for `admitted` to reach `want`; returns what it reached.
    fn settle(admitted: &AtomicUsize, want: usize) -> usize {
        for _ in 0..200 {
            if admitted.load(Ordering::SeqCst) >= want {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        admitted.load(Ordering::SeqCst)
    }

    #[test]
    fn a_held_reader_resumes_once_half_the_waiting_documents_are_written() {
        let gate = Gate::default();
        let admitted = AtomicUsize::new(0);
        std::thread::scope(|s| {
            // However the test ends, the reader is let go (else the scope waits for it).
            let _close = Closer(&gate);
            s.spawn(|| reader(&gate, &admitted, LOOKAHEAD_ITEMS * 2, 1000));
            assert_eq!(settle(&admitted, LOOKAHEAD_ITEMS), LOOKAHEAD_ITEMS);
            // Written one short of half: the reader stays held.
            for _ in 1..LOOKAHEAD_ITEMS / 2 {
                gate.release(1000);
            }
            assert_eq!(settle(&admitted, LOOKAHEAD_ITEMS + 1), LOOKAHEAD_ITEMS);
            gate.release(1000);
            // Half written: the reader fills up to the limit again.
            assert_eq!(
                settle(&admitted, LOOKAHEAD_ITEMS * 3 / 2),
                LOOKAHEAD_ITEMS * 3 / 2
            );
        });
    }

    #[test]
    fn a_document_larger_than_the_limit_waits_for_the_writer_to_empty_then_goes_alone() {
        let gate = Gate::default();
        let admitted = AtomicUsize::new(0);
        assert!(gate.admit(10));
        std::thread::scope(|s| {
            let _close = Closer(&gate);
            s.spawn(|| reader(&gate, &admitted, 2, LOOKAHEAD_BYTES * 2));
            assert_eq!(settle(&admitted, 1), 0, "waits while a document waits");
            gate.release(10);
            assert_eq!(settle(&admitted, 1), 1, "goes alone");
            assert_eq!(settle(&admitted, 2), 1, "the next waits for it");
            gate.release(LOOKAHEAD_BYTES * 2);
            assert_eq!(settle(&admitted, 2), 2);
        });
    }

    #[test]
    fn readers_out_of_order_hand_the_writer_every_document_in_plan_order() {
        // Documents of uneven sizes (some over the byte bound), read by two readers at
        // uneven speeds; the writer takes each in turn and lets it go.
        const COUNT: usize = LOOKAHEAD_ITEMS * 5;
        let size = |place: usize| match place % 7 {
            0 => LOOKAHEAD_BYTES + 1,
            3 => LOOKAHEAD_BYTES / 3,
            _ => 1000 + place as u64,
        };
        let gate = Gate::default();
        let shelf = Shelf::new(2);
        let taken = std::thread::scope(|s| {
            for me in 0..2 {
                let (gate, shelf) = (&gate, &shelf);
                s.spawn(move || {
                    let _stopped = Stopped(shelf);
                    while let Some(place) = shelf.claim(COUNT, size, gate) {
                        if (place + me) % 5 == 0 {
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                        let ready = if place % 11 == 0 {
                            Err(internal_error_in(&format!("doc{place}")))
                        } else {
                            Ok(Ready::Bytes(place.to_le_bytes().to_vec()))
                        };
                        shelf.put(place, me, ready);
                    }
                });
            }
            let _close = Closer(&gate);
            let mut taken = Vec::new();
            for place in 0..COUNT {
                let (maker, ready) = shelf.take(place).expect("every document arrives");
                assert!(maker < 2);
                match ready {
                    Ok(Ready::Bytes(b)) => assert_eq!(b, place.to_le_bytes().to_vec()),
                    Err(e) => assert!(e.to_string().contains(&format!("doc{place}")), "{e}"),
                    _ => panic!("document {place} came back as another kind"),
                }
                taken.push(place);
                gate.release(size(place));
            }
            taken
        });
        assert_eq!(taken, (0..COUNT).collect::<Vec<_>>());
    }

    #[test]
    fn the_writer_stops_waiting_once_every_reader_has_stopped() {
        let shelf = Shelf::new(2);
        shelf.put(1, 0, Ok(Ready::Nothing));
        drop(Stopped(&shelf));
        drop(Stopped(&shelf));
        assert!(shelf.take(0).is_none(), "no reader is left to read it");
        assert!(matches!(shelf.take(1), Some((0, Ok(Ready::Nothing)))));
        let gate = Gate::default();
        drop(Closer(&gate));
        assert_eq!(shelf.claim(10, |_| 1, &gate), None, "the writer stopped");
    }

    #[test]
    fn a_held_reader_stops_when_the_writer_stops() {
        let gate = Gate::default();
        let admitted = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let r = s.spawn(|| reader(&gate, &admitted, 100, 1));
            assert_eq!(settle(&admitted, LOOKAHEAD_ITEMS), LOOKAHEAD_ITEMS);
            drop(Closer(&gate));
            r.join().expect("reader ends");
        });
        assert_eq!(admitted.load(Ordering::SeqCst), LOOKAHEAD_ITEMS);
    }
}
