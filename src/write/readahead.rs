//! Read-ahead: the plan's source documents turn into `Ready` documents — bytes re-checked
//! against the scan's checksum (or, for a small PDF unchanged since the scan, the scan's
//! own parse of them), PDFs parsed, pictures prepared (or recalled, encoded, from the
//! cache by the checked bytes' checksum) — on a second thread, a
//! bounded number and size ahead of the writer in `assemble`, so memory stays flat.

use crate::base::error::{Error, Result};
use crate::plan::{Body, Plan};
use crate::read::images;
use crate::read::ingest;
use crate::read::scan::Inventory;
use crate::write::pictures;
use crate::write::prepare::{prepare_document, Prepared};
use lopdf::{Document, Stream};

/// How many documents may wait, read ahead, for the writer. Enough small documents that
/// the reader, started with the writer, stays busy while the front matter (the index of
/// a long packet runs to dozens of pages) is painted and written.
pub(super) const LOOKAHEAD_ITEMS: usize = 64;
/// How many bytes of source files may be read ahead of the writer (at least one document
/// always is, however large), so memory stays flat whatever the packet's length.
pub(super) const LOOKAHEAD_BYTES: u64 = 8 * 1024 * 1024;

/// A source document read ahead of the writer: its bytes re-checked against the scan's
/// checksum and, as far as can be done without the writer, turned into PDF objects.
pub(super) enum Ready {
    /// A text file or clinical document: its pages are already rendered.
    Nothing,
    /// A PDF, parsed here or kept from the scan, and its pages prepared.
    Pdf(std::sync::Arc<Document>, Vec<Prepared>),
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

/// Reads the plan's documents in order, a bounded amount ahead of the writer, and sends
/// each (or what went wrong with it) down `tx`; frees what comes back on `spent`.
pub(super) fn read_ahead(
    plan: &Plan,
    inv: &Inventory,
    gate: &Gate,
    tx: std::sync::mpsc::SyncSender<Result<Ready>>,
    spent: std::sync::mpsc::Receiver<Ready>,
) {
    for item in &plan.items {
        // Freed here, where it was made.
        while let Ok(done) = spent.try_recv() {
            drop(done);
        }
        let size = inv.files.get(item.file).map_or(0, |f| f.size);
        if !gate.admit(size) {
            return;
        }
        let ready =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_one(item, inv, plan)))
                .unwrap_or_else(|_| Err(internal_error_in(&item.rel)));
        if tx.send(ready).is_err() {
            return;
        }
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
        // The scan's parse, of exactly the bytes it checked and classified, while the
        // file is as the scan read it (else it is read and checked again below).
        Body::Pdf
            if f.parsed.as_ref().is_some_and(|p| {
                p.stat.is_some() && crate::read::identity::signature(&f.abs) == p.stat
            }) =>
        {
            let doc = f
                .parsed
                .as_ref()
                .map(|p| p.doc.clone())
                .ok_or_else(|| Error::Internal(format!("{}: no parse", f.rel)))?;
            if doc.get_pages().len() as u32 != item.source_pages {
                return Err(Error::ChangedDuringBuild(f.rel.clone()));
            }
            prepared(doc, f, item, plan)?
        }
        Body::Pdf => {
            let bytes = crate::read::scan::read_content(f)?;
            let doc =
                ingest::load_pdf(&bytes, f.password.as_deref()).map_err(|e| Error::Source {
                    path: f.rel.clone(),
                    message: format!("could not be read again while building ({e})"),
                })?;
            drop(bytes);
            if doc.get_pages().len() as u32 != item.source_pages {
                return Err(Error::ChangedDuringBuild(f.rel.clone()));
            }
            prepared(std::sync::Arc::new(doc), f, item, plan)?
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

/// A PDF read ahead, with its pages prepared for the writer.
fn prepared(
    doc: std::sync::Arc<Document>,
    f: &crate::read::scan::SourceFile,
    item: &crate::plan::Item,
    plan: &Plan,
) -> Result<Ready> {
    let metrics = crate::base::fonts::Metrics::get()
        .ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let pages = prepare_document(&doc, f, item, plan, metrics)?;
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
