//! The scan reads a folder's files a batch at a time: the inventory still lists every
//! file in path order, and two identical files are found whichever batches they fall in.
//! A build's scan keeps no evidence, and types and dates every file as `scan` does.

mod support;

use medpacket::read::inventory::{ScanOptions, Status};
use medpacket::read::words::OcrMode;
use support::*;

/// 200 reports, enough for several batches; three pairs of identical files: close
/// together, on either side of a likely batch edge, and far apart.
fn folder(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut expect = Vec::new();
    let copies = [(10, 11), (63, 64), (5, 190)];
    for i in 0..200u32 {
        let name = format!("r{i:03}.pdf");
        let original = copies.iter().find(|(_, b)| *b == i).map(|(a, _)| *a);
        let n = original.unwrap_or(i);
        let bytes = simple_pdf(
            "PATHOLOGY REPORT",
            &[
                &format!("Date of Procedure: 03/{:02}/2025", n % 28 + 1),
                &format!("Specimen {n}: benign fibroadipose tissue."),
            ],
        );
        files.push((name.clone(), bytes));
        expect.push((name, original.map(|o| format!("r{o:03}.pdf"))));
    }
    files.push((
        "packet.toml".into(),
        b"[patient]\nname = \"Ada Quill\"\n".to_vec(),
    ));
    let borrowed: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_files(dir, &borrowed);
    expect
}

fn scan(dir: &std::path::Path, without_evidence: bool) -> medpacket::read::inventory::Inventory {
    let opts = ScanOptions {
        no_cache: true,
        ocr: OcrMode::Never,
        without_evidence,
    };
    medpacket::scan_folder(dir, &opts, &medpacket::Quiet)
        .expect("scan")
        .0
}

#[test]
fn files_keep_path_order_and_duplicates_are_found_across_batches() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let expect = folder(tmp.path());
    let inv = scan(tmp.path(), false);
    let got: Vec<(String, Option<String>)> = inv
        .files
        .iter()
        .map(|f| {
            let dup = match &f.status {
                Status::Duplicate { same_as } => Some(same_as.clone()),
                Status::Included => None,
                other => panic!("{}: unexpected status {other:?}", f.rel),
            };
            (f.rel.clone(), dup)
        })
        .collect();
    assert_eq!(got, expect);
    assert!(
        inv.files.iter().all(|f| !f.classified.evidence.is_empty()),
        "scan keeps the evidence of every file"
    );
}

#[test]
fn a_build_scan_keeps_no_evidence_and_types_the_same() {
    let tmp = tempfile::tempdir().expect("temp dir");
    folder(tmp.path());
    let with = scan(tmp.path(), false);
    let without = scan(tmp.path(), true);
    assert_eq!(with.files.len(), without.files.len());
    for (a, b) in with.files.iter().zip(&without.files) {
        assert_eq!(a.rel, b.rel);
        assert_eq!(a.classified.kind, b.classified.kind, "{}", a.rel);
        assert_eq!(a.classified.date, b.classified.date, "{}", a.rel);
        assert_eq!(a.status, b.status, "{}", a.rel);
        assert!(b.classified.evidence.is_empty(), "{}: evidence kept", b.rel);
    }
}
