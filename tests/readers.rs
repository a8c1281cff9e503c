//! The readers behind `read::scan::READERS` read the sample folder as they always have:
//! each file's format, page count, status and kind (the typing hook) are the sample's
//! known facts, and the packet built from them has the same pages, passes qpdf, and comes
//! out byte for byte the same from a cold and a warm cache.

mod support;

use serde_json::Value;
use std::path::Path;
use support::*;

/// (path, format, pages, status, kind) of every file of fixtures/sample-records.
const SAMPLE: [(&str, &str, u64, &str, &str); 13] = [
    ("IMG_2291.pdf", "pdf", 1, "included", "operative-report"),
    ("fax/fax_2025-03-05.tif", "tiff", 2, "included", "other"),
    (
        "hospital/discharge-copy.pdf",
        "pdf",
        1,
        "duplicate",
        "discharge-summary",
    ),
    (
        "hospital/discharge_summary.pdf",
        "pdf",
        1,
        "included",
        "discharge-summary",
    ),
    ("medications.txt", "text", 1, "included", "medication-list"),
    (
        "oncology/treatment-plan.pdf",
        "pdf",
        1,
        "included",
        "treatment-plan",
    ),
    (
        "phone/IMG_4410.jpg",
        "jpeg",
        1,
        "included",
        "pathology-report",
    ),
    (
        "phone/Screenshot lab.png",
        "png",
        1,
        "included",
        "lab-results",
    ),
    (
        "portal/Consultation note.pdf",
        "pdf",
        1,
        "included",
        "consultation-note",
    ),
    (
        "portal/download (3).pdf",
        "pdf",
        2,
        "included",
        "lab-results",
    ),
    (
        "portal/download (4).pdf",
        "pdf",
        2,
        "included",
        "imaging-report",
    ),
    (
        "portal/message-2025-04-10.pdf",
        "pdf",
        1,
        "included",
        "other",
    ),
    ("scan0001.pdf", "pdf", 2, "included", "pathology-report"),
];

fn run(cache: &Path, args: &[&str]) -> std::process::Output {
    let out = medpacket()
        .env("MEDPACKET_CACHE_DIR", cache)
        .args(args)
        .output()
        .expect("run medpacket");
    assert!(
        out.status.success(),
        "medpacket {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_sample_folder_reads_and_packs_the_same_through_the_list_of_readers() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cache = tmp.path().join("cache");
    let dir = sample_records_dir();
    let dir = dir.to_str().expect("UTF-8 path");
    let mut packets = Vec::new();
    for round in ["cold", "warm"] {
        let scan = run(&cache, &["scan", dir, "--json", "--ocr", "never"]);
        let scan: Value = serde_json::from_slice(&scan.stdout).expect("scan JSON");
        let files: Vec<(String, String, u64, String, String)> = scan["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                (
                    s("path"),
                    s("format"),
                    f["pages"].as_u64().unwrap_or(0),
                    s("status"),
                    s("kind"),
                )
            })
            .collect();
        let want: Vec<(String, String, u64, String, String)> = SAMPLE
            .iter()
            .map(|(p, f, n, s, k)| {
                (
                    p.to_string(),
                    f.to_string(),
                    *n,
                    s.to_string(),
                    k.to_string(),
                )
            })
            .collect();
        assert_eq!(files, want, "{round} scan");

        let packet = tmp.path().join(format!("{round}.pdf"));
        let p = packet.to_str().expect("UTF-8 path");
        run(&cache, &["build", dir, "-o", p, "--ocr", "never"]);
        if require_tool("pdfinfo") {
            let info = std::process::Command::new("pdfinfo")
                .arg(&packet)
                .output()
                .expect("pdfinfo");
            let text = String::from_utf8_lossy(&info.stdout);
            assert!(
                text.lines()
                    .any(|l| l.starts_with("Pages:") && l.ends_with(" 21")),
                "{round} packet pages: {text}"
            );
        }
        if require_tool("qpdf") {
            let check = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(&packet)
                .output()
                .expect("qpdf");
            assert!(
                check.status.success(),
                "{round}: {}",
                String::from_utf8_lossy(&check.stdout)
            );
        }
        packets.push(std::fs::read(&packet).expect("packet"));
    }
    assert!(
        packets[0] == packets[1],
        "a warm cache packs other bytes than a cold one"
    );
}
