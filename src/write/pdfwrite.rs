//! PDF writer: objects turn into a PDF file written front to back — header, each object as
//! soon as it is ready, then the cross-reference table and trailer — so a packet of
//! thousands of pages never has to be held in memory whole.

use lopdf::{Dictionary, Object, ObjectId, Writer};
use std::io::{self, Write};

/// AES-256 encryption (PDF 2.0, revision 6) for `password`, with a random file key.
pub fn aes256(password: &str) -> io::Result<lopdf::EncryptionState> {
    use lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| io::Error::other(format!("no randomness for the encryption key: {e}")))?;
    let filter: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let version = lopdf::EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
        file_encryption_key: &key,
        stream_filter: b"StdCF".to_vec(),
        string_filter: b"StdCF".to_vec(),
        owner_password: password,
        user_password: password,
        permissions: lopdf::Permissions::all(),
    };
    lopdf::EncryptionState::try_from(version)
        .map_err(|e| io::Error::other(format!("encryption setup: {e}")))
}

/// Counts the bytes written through it.
struct Counting<W: Write> {
    inner: W,
    pos: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a PDF one object at a time. Object numbers can be reserved before the object is
/// written, so pages can be linked to before they exist.
pub struct PdfWriter<W: Write> {
    out: Counting<W>,
    /// Byte offset of every object, by object number (index 0 unused); 0 for an object
    /// not written yet (the header comes first, so no object starts at 0). Eight bytes
    /// an object: a packet of 16,000 pages has some 60,000.
    offsets: Vec<u64>,
    /// When set, every object is encrypted as it is written.
    encryption: Option<(lopdf::EncryptionState, ObjectId)>,
    /// The object being written, serialized.
    scratch: Vec<u8>,
}

/// The largest serialization buffer kept from one object to the next.
const SCRATCH_KEPT: usize = 1024 * 1024;

impl<W: Write> PdfWriter<W> {
    pub fn new(inner: W) -> io::Result<Self> {
        let mut out = Counting { inner, pos: 0 };
        out.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(PdfWriter {
            out,
            offsets: vec![0],
            encryption: None,
            scratch: Vec::new(),
        })
    }

    /// Encrypts everything written from now on with `state` (AES-256 for the packet).
    pub fn encrypt_with(&mut self, state: lopdf::EncryptionState) {
        let id = self.reserve();
        self.encryption = Some((state, id));
    }

    /// Reserves the next object number.
    pub fn reserve(&mut self) -> ObjectId {
        self.offsets.push(0);
        ((self.offsets.len() - 1) as u32, 0)
    }

    /// Notes that object `id` (reserved earlier, not written yet) starts here.
    fn start(&mut self, id: ObjectId) -> io::Result<()> {
        let slot = self
            .offsets
            .get_mut(id.0 as usize)
            .ok_or_else(|| io::Error::other(format!("object {} was never reserved", id.0)))?;
        if *slot != 0 {
            return Err(io::Error::other(format!("object {} written twice", id.0)));
        }
        *slot = self.out.pos;
        Ok(())
    }

    /// Writes the page tree's one node as object `id`: `kids` in order, and `count`.
    /// The same bytes as [`PdfWriter::write`] of the dictionary, serialized straight from
    /// the numbers (a list of every page as objects took 120 bytes a page).
    pub fn write_page_tree(
        &mut self,
        id: ObjectId,
        kids: &[ObjectId],
        count: i64,
    ) -> io::Result<()> {
        if self.encryption.is_some() {
            // Encryption works on objects (though a page tree holds no string to encrypt).
            return self.write(id, &Object::Dictionary(page_tree_dict(kids, count)));
        }
        self.start(id)?;
        let buf = &mut self.scratch;
        object_head(buf, id);
        crate::write::serialize::page_tree(buf, kids, count);
        object_tail(buf, &mut self.out)
    }

    /// Writes object `id` (reserved earlier). Stream lengths are set from their content.
    pub fn write(&mut self, id: ObjectId, object: &Object) -> io::Result<()> {
        self.start(id)?;
        let encrypted;
        let object = match &self.encryption {
            Some((state, _)) => {
                let mut o = object.clone();
                lopdf::encryption::encrypt_object(state, id, &mut o).map_err(|e| {
                    io::Error::other(format!("could not encrypt object {}: {e}", id.0))
                })?;
                encrypted = o;
                &encrypted
            }
            None => object,
        };
        // The object is serialized into memory and written in one piece (a stream's
        // content straight from the stream); a stream's length is set from its content.
        let buf = &mut self.scratch;
        object_head(buf, id);
        match object {
            Object::Stream(s) => {
                crate::write::serialize::stream_head(buf, s);
                self.out.write_all(buf)?;
                self.out.write_all(&s.content)?;
                buf.clear();
                buf.extend_from_slice(b"\nendstream");
            }
            other => crate::write::serialize::object(buf, other),
        }
        object_tail(buf, &mut self.out)
    }

    /// Reserves a number for `object` and writes it.
    pub fn add(&mut self, object: &Object) -> io::Result<ObjectId> {
        let id = self.reserve();
        self.write(id, object)?;
        Ok(id)
    }

    /// Writes the cross-reference table and trailer. Every reserved object must be written.
    pub fn finish(mut self, root: ObjectId, info: ObjectId, file_id: [u8; 16]) -> io::Result<W> {
        // The encryption dictionary itself is written in the clear.
        let encrypt_ref = match self.encryption.take() {
            Some((state, id)) => {
                let dict = state
                    .encode()
                    .map_err(|e| io::Error::other(format!("encryption dictionary: {e}")))?;
                self.write(id, &Object::Dictionary(dict))?;
                Some(id)
            }
            None => None,
        };
        if let Some(missing) = self.offsets.iter().skip(1).position(|&o| o == 0) {
            return Err(io::Error::other(format!(
                "object {} was reserved but never written",
                missing + 1
            )));
        }
        let xref_at = self.out.pos;
        let size = self.offsets.len();
        write!(self.out, "xref\n0 {size}\n0000000000 65535 f\r\n")?;
        let mut table = Vec::with_capacity(size * 20);
        for off in self.offsets.iter().skip(1) {
            write!(table, "{off:010} 00000 n\r\n")?;
        }
        self.out.write_all(&table)?;
        let mut trailer = Dictionary::new();
        trailer.set("Size", size as i64);
        trailer.set("Root", Object::Reference(root));
        trailer.set("Info", Object::Reference(info));
        if let Some(e) = encrypt_ref {
            trailer.set("Encrypt", Object::Reference(e));
        }
        let ids = Object::String(file_id.to_vec(), lopdf::StringFormat::Hexadecimal);
        trailer.set("ID", Object::Array(vec![ids.clone(), ids]));
        self.out.write_all(b"trailer\n")?;
        Writer::write_object(&mut self.out, &Object::Dictionary(trailer))?;
        write!(self.out, "\nstartxref\n{xref_at}\n%%EOF\n")?;
        self.out.flush()?;
        Ok(self.out.inner)
    }
}

/// Starts `buf` afresh with the header of object `id` (`N 0 obj`).
fn object_head(buf: &mut Vec<u8>, id: ObjectId) {
    buf.clear();
    buf.extend_from_slice(itoa::Buffer::new().format(id.0).as_bytes());
    buf.extend_from_slice(b" 0 obj\n");
}

/// Ends the object in `buf` (`endobj`) and writes it out; a large object's buffer is not
/// kept.
fn object_tail<W: Write>(buf: &mut Vec<u8>, out: &mut Counting<W>) -> io::Result<()> {
    buf.extend_from_slice(b"\nendobj\n");
    out.write_all(buf)?;
    if buf.capacity() > SCRATCH_KEPT {
        *buf = Vec::new();
    }
    Ok(())
}

/// The page tree's node as a dictionary: `/Type /Pages`, `/Kids` and `/Count`.
fn page_tree_dict(kids: &[ObjectId], count: i64) -> Dictionary {
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set(
        "Kids",
        Object::Array(kids.iter().map(|&k| Object::Reference(k)).collect()),
    );
    pages.set("Count", count);
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_file_loads_back_with_lopdf() {
        let mut w = PdfWriter::new(Vec::new()).expect("header");
        let root = w.reserve();
        let pages = w.reserve();
        let info = w.reserve();
        let page = w.reserve();
        let mut p = Dictionary::new();
        p.set("Type", Object::Name(b"Page".to_vec()));
        p.set("Parent", Object::Reference(pages));
        p.set(
            "MediaBox",
            Object::Array(vec![0.into(), 0.into(), 200.into(), 100.into()]),
        );
        let content = w
            .add(&Object::Stream(lopdf::Stream::new(
                Dictionary::new(),
                b"0 0 m 10 10 l S".to_vec(),
            )))
            .expect("content");
        p.set("Contents", Object::Reference(content));
        w.write(page, &Object::Dictionary(p)).expect("page");
        let mut ps = Dictionary::new();
        ps.set("Type", Object::Name(b"Pages".to_vec()));
        ps.set("Kids", Object::Array(vec![Object::Reference(page)]));
        ps.set("Count", 1);
        w.write(pages, &Object::Dictionary(ps)).expect("pages");
        let mut cat = Dictionary::new();
        cat.set("Type", Object::Name(b"Catalog".to_vec()));
        cat.set("Pages", Object::Reference(pages));
        w.write(root, &Object::Dictionary(cat)).expect("catalog");
        w.write(info, &Object::Dictionary(Dictionary::new()))
            .expect("info");
        let bytes = w.finish(root, info, [7; 16]).expect("finish");
        let doc = lopdf::Document::load_mem(&bytes).expect("loads");
        assert_eq!(doc.get_pages().len(), 1);
        assert!(doc.xref_recovery.is_none(), "xref table must be exact");
    }

    #[test]
    fn page_tree_written_from_numbers_is_the_dictionary_written_as_an_object() {
        for n in [0usize, 1, 2, 17] {
            let kids: Vec<ObjectId> = (0..n as u32).map(|i| (3 + 7 * i, 0)).collect();
            let mut direct = PdfWriter::new(Vec::new()).expect("header");
            let mut via_object = PdfWriter::new(Vec::new()).expect("header");
            let (a, b) = (direct.reserve(), via_object.reserve());
            direct
                .write_page_tree(a, &kids, n as i64 * 2)
                .expect("direct");
            via_object
                .write(b, &Object::Dictionary(page_tree_dict(&kids, n as i64 * 2)))
                .expect("object");
            assert_eq!(direct.out.inner, via_object.out.inner, "{n} kids");
            assert_eq!(direct.offsets, via_object.offsets);
            assert!(
                direct.write_page_tree(a, &kids, 1).is_err(),
                "written twice"
            );
        }
    }

    #[test]
    fn unwritten_reservation_is_an_error() {
        let mut w = PdfWriter::new(Vec::new()).expect("header");
        let root = w.reserve();
        assert!(w.finish(root, root, [0; 16]).is_err());
    }
}
