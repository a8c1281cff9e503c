//! One hash per file per build: a record the scan read and hashed itself is read again for
//! the packet without a second hash while nothing has written to it since — and a record
//! changed after the scan, even to the same size, is still caught when it is read again.
//! A record the scan recalled by its identity from an earlier run is checked as it is read
//! by a quick checksum of the bytes its SHA-256 was taken of (by that SHA-256 when the
//! quick one is not known).

mod support;

use medpacket::base::error::Error;
use medpacket::read::inventory::ScanOptions;
use medpacket::read::scan::read_source;
use medpacket::read::words::OcrMode;
use support::*;

#[test]
fn a_record_changed_after_the_scan_hashed_it_is_caught_when_read_again() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // This test binary runs this one test: the variable is set before anything reads it.
    std::env::set_var("MEDPACKET_CACHE_DIR", tmp.path().join("cache"));
    let dir = tmp.path().join("records");
    let bytes = simple_pdf(
        "OPERATIVE REPORT",
        &["Date of Surgery: 03/14/2025", "Left total mastectomy."],
    );
    write_files(
        &dir,
        &[
            ("report.pdf", bytes.clone()),
            ("packet.toml", b"[patient]\nname = \"Ada Quill\"\n".to_vec()),
        ],
    );
    // Old enough to be known by its signature (file times are coarse).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let opts = ScanOptions {
        no_cache: false,
        ocr: OcrMode::Never,
        without_evidence: false,
    };
    let scan = || {
        let (inv, _) = medpacket::scan_folder(&dir, &opts, &medpacket::Quiet).expect("scan");
        inv
    };

    let inv = scan();
    let f = inv
        .files
        .iter()
        .find(|f| f.rel == "report.pdf")
        .expect("scanned");
    assert!(
        f.hashed_as.is_some(),
        "the scan read and hashed the settled file itself"
    );
    assert_eq!(read_source(f).expect("unchanged"), bytes);

    // A later scan recalls the file by its identity without reading it: the build hashes it.
    let again = scan();
    let recalled = again
        .files
        .iter()
        .find(|f| f.rel == "report.pdf")
        .expect("scanned again");
    assert_eq!(recalled.sha256, f.sha256);
    assert!(
        recalled.hashed_as.is_none(),
        "a file recalled by identity is checked when the build reads it"
    );
    assert_eq!(
        recalled.quick_sum.as_deref(),
        Some(medpacket::base::digest::quick_sum(&bytes).as_str()),
        "the cache remembers the quick checksum of the bytes it hashed"
    );
    assert_eq!(read_source(recalled).expect("unchanged"), bytes);
    // Without a quick checksum (only a damaged cache entry lacks one) the SHA-256 decides.
    let mut by_sha = recalled.clone();
    by_sha.quick_sum = None;
    assert_eq!(read_source(&by_sha).expect("unchanged"), bytes);

    // One byte changed in place, the size kept (an editor saving over the file).
    let mut changed = bytes.clone();
    let at = changed.len() / 2;
    changed[at] = changed[at].wrapping_add(1);
    std::fs::write(dir.join("report.pdf"), &changed).expect("write");
    for (which, file) in [
        ("hashed by this scan", f),
        ("recalled", recalled),
        ("recalled, checked by SHA-256", &by_sha),
    ] {
        match read_source(file) {
            Err(Error::ChangedDuringBuild(path)) => assert_eq!(path, "report.pdf"),
            other => panic!(
                "{which}: a record changed after the scan must be caught, got {:?}",
                other.map(|b| b.len())
            ),
        }
    }
}
