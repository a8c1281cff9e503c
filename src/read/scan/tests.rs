//! Scan's unit tests: which names are passed over, checksums, and how the list of readers
//! sniffs and probes bytes.

use super::*;

#[test]
fn junk_is_ignored_but_never_a_record_by_its_name_alone() {
    for name in [
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        "~$letter.docx",
        ".hidden.pdf",
        "packet.toml",
    ] {
        assert!(ignore_reason(name).is_some(), "{name}");
    }
    // Earlier packets are recognised by their content (Creator), not by a name a
    // real record could also have.
    for name in [
        "scan0001.pdf",
        "IMG_2291.jpg",
        "desktop.pdf",
        "second-opinion-packet-mayo-report.pdf",
    ] {
        assert!(ignore_reason(name).is_none(), "{name}");
    }
}

#[test]
fn sniff_by_content_not_name() {
    let cases: [(&[u8], &str, Format); 7] = [
        (b"%PDF-1.7\n...", "txt", Format::Pdf),
        (b"\xFF\xD8\xFF\xE0....", "pdf", Format::Jpeg),
        (b"\x89PNG\r\n\x1a\n....", "jpg", Format::Png),
        (b"II*\0....", "tif", Format::Tiff),
        (b"hello", "md", Format::Text),
        (b"<html>expired</html>", "pdf", Format::Other),
        (b"PK\x03\x04", "docx", Format::Other),
    ];
    for (bytes, ext, want) in cases {
        assert_eq!(READERS.format_of(bytes, ext), want, "{ext}");
    }
}

#[test]
fn problems_name_reason_and_fix() {
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.pdf", b"", "empty file"),
        (
            "portal.pdf",
            b"<!DOCTYPE html><html>Session expired</html>",
            "web page",
        ),
        (
            "notes.docx",
            b"PK\x03\x04xx",
            "unsupported file type (.docx)",
        ),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "damaged PDF"),
        ("latin1.txt", b"Caf\xE9", "not UTF-8"),
    ];
    for (rel, bytes, want) in cases {
        let p = READERS
            .probe(Input {
                rel,
                bytes,
                password: None,
            })
            .expect_err(rel);
        assert_eq!(p.path, rel);
        assert!(p.reason.contains(want), "{rel}: {}", p.reason);
        assert!(!p.hint.is_empty());
    }
}

#[test]
fn sha256_is_hex_of_the_bytes() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

use crate::base::clinical::Header;
use crate::read::typing::Typeset;

/// The built-in typing, counting the files it classifies, and unsound when told.
struct Counting {
    inner: crate::Typist,
    classified: std::sync::atomic::AtomicUsize,
    sound: bool,
}

impl Typing for Counting {
    fn classify(&self, rel: &str, text: Option<&str>, overrides: &Overrides) -> Classified {
        self.classified
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.classify(rel, text, overrides)
    }
    fn classify_clinical(&self, header: &Header, overrides: &Overrides) -> Classified {
        self.inner.classify_clinical(header, overrides)
    }
    fn other_patient(
        &self,
        header: &Header,
        name: &str,
        date_of_birth: Option<chrono::NaiveDate>,
    ) -> Option<String> {
        self.inner.other_patient(header, name, date_of_birth)
    }
    fn typeset(&self, rel: &str, title: &str, doc: Typeset<'_>) -> Option<Vec<String>> {
        self.inner.typeset(rel, title, doc)
    }
    fn sound(&self) -> bool {
        self.sound
    }
}

#[test]
fn a_classification_not_made_for_real_is_not_remembered() {
    let records = tempfile::tempdir().expect("records");
    let cache = tempfile::tempdir().expect("cache");
    use lopdf::dictionary;
    // A one-page PDF (what a scan remembers; a text file it reads again every time).
    let mut doc = lopdf::Document::with_version("1.5");
    let pages = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content = doc.add_object(lopdf::Stream::new(
        dictionary! {},
        b"BT /F1 11 Tf 72 700 Td (SURGICAL PATHOLOGY REPORT) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages,
        lopdf::Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    doc.save(records.path().join("path.pdf")).expect("write");
    // How many files a scan classifies, the cache filled by the scans before it.
    let classified = |sound: bool| {
        let t = Counting {
            inner: crate::Typist::default(),
            classified: Default::default(),
            sound,
        };
        let inv = scan_in(
            records.path(),
            None,
            &t,
            &ScanOptions::default(),
            &crate::Quiet,
            Some(cache.path().to_path_buf()),
        )
        .expect("scan");
        assert_eq!(inv.files.len(), 1);
        t.classified.into_inner()
    };
    // Classified without its rules: classified again next time.
    assert_eq!(classified(false), 1);
    assert_eq!(classified(false), 1);
    // Classified for real: remembered.
    assert_eq!(classified(true), 1);
    assert_eq!(classified(true), 0);
}
