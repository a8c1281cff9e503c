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
