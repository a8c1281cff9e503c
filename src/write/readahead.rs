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
use lopdf::{Document, Stream};

/// How many documents may wait, read ahead, for the writer.
pub(super) const LOOKAHEAD_ITEMS: usize = 8;
/// How many bytes of source files may be read ahead of the writer (at least one document
/// always is, however large), so memory stays flat whatever the packet's length.
pub(super) const LOOKAHEAD_BYTES: u64 = 32 * 1024 * 1024;

/// A source document read ahead of the writer: its bytes re-checked against the scan's
/// checksum and, as far as can be done without the writer, turned into PDF objects.
pub(super) enum Ready {
    /// A text file or clinical document: its pages are already rendered.
    Nothing,
    /// A PDF, parsed here or kept from the scan.
    Pdf(std::sync::Arc<Document>),
    Image {
        xobj: Stream,
        /// The picture's stored size (before its orientation is applied).
        stored: (u32, u32),
        orientation: u8,
    },
    /// A TIFF, decoded page by page as it is written.
    Bytes(Vec<u8>),
}

/// Bytes read ahead and not yet written, shared by the reader and the writer.
#[derive(Default)]
pub(super) struct Gate {
    state: std::sync::Mutex<(u64, bool)>,
    changed: std::sync::Condvar,
}

impl Gate {
    /// Waits until `size` more bytes may be read ahead; false once the writer has stopped.
    pub(super) fn admit(&self, size: u64) -> bool {
        let Ok(mut st) = self.state.lock() else {
            return false;
        };
        while !st.1 && st.0 > 0 && st.0 + size > LOOKAHEAD_BYTES {
            st = match self.changed.wait(st) {
                Ok(s) => s,
                Err(_) => return false,
            };
        }
        st.0 += size;
        !st.1
    }

    /// The writer is done with `size` bytes.
    pub(super) fn release(&self, size: u64) {
        if let Ok(mut st) = self.state.lock() {
            st.0 = st.0.saturating_sub(size);
        }
        self.changed.notify_all();
    }
}

/// Tells the reader to stop when the writer's loop ends, however it ends.
pub(super) struct Closer<'g>(pub(super) &'g Gate);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        if let Ok(mut st) = self.0.state.lock() {
            st.1 = true;
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
/// each (or what went wrong with it) down `tx`.
pub(super) fn read_ahead(
    plan: &Plan,
    inv: &Inventory,
    gate: &Gate,
    tx: std::sync::mpsc::SyncSender<Result<Ready>>,
) {
    for item in &plan.items {
        let size = inv.files.get(item.file).map_or(0, |f| f.size);
        if !gate.admit(size) {
            return;
        }
        let ready = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_one(item, inv, plan.fax)
        }))
        .unwrap_or_else(|_| Err(internal_error_in(&item.rel)));
        if tx.send(ready).is_err() {
            return;
        }
    }
}

/// One document's bytes, re-checked and prepared for the writer.
/// With `fax`, pictures are turned grey.
pub(super) fn read_one(item: &crate::plan::Item, inv: &Inventory, fax: bool) -> Result<Ready> {
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
            Ready::Pdf(doc)
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
            Ready::Pdf(std::sync::Arc::new(doc))
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
