//! The packet's own SHA-256: taken when something shows it (`build --json`, a bundle's
//! manifest) and then equal to the file's; a plain build of a folder of pictures, which
//! prints no checksum, skips reading the packet back to take it, and writes the same bytes.

mod support;

use serde_json::Value;
use std::io::Read;
use std::path::Path;
use support::*;

fn build(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let o = medpacket()
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .args(["--ocr", "never"])
        .args(extra)
        .output()
        .expect("run medpacket");
    assert!(
        o.status.success(),
        "medpacket build {extra:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A records folder of JPEG scans of these sizes under `root`, and its packet.toml:
/// pictures only, so the packet is written the way a packet of scans is.
fn pictures(root: &Path, sizes: &[(u32, u32)]) -> std::path::PathBuf {
    let recs = root.join("recs");
    let mut files = vec![(
        "packet.toml".to_string(),
        b"[patient]\nname = \"Ada Quill\"\ndate_of_birth = 1960-02-03\n".to_vec(),
    )];
    for (i, &(w, h)) in sizes.iter().enumerate() {
        files.push((format!("scan{}.jpg", i + 1), jpeg(w, h)));
    }
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_files(&recs, &files);
    recs
}

#[test]
fn a_packet_of_pictures_has_its_checksum_where_it_is_shown_and_the_same_bytes_without() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = pictures(tmp.path(), &[(900, 1200), (1200, 900), (640, 800)]);

    let shown = tmp.path().join("shown.pdf");
    let report: Value =
        serde_json::from_slice(&build(&recs, &shown, &["--json"]).stdout).expect("json");
    assert_eq!(
        report["sha256"].as_str(),
        Some(sha256_file(&shown).as_str())
    );

    // The plain build prints no checksum; its packet is the same, byte for byte.
    let plain = tmp.path().join("plain.pdf");
    let o = build(&recs, &plain, &[]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("Wrote"), "{said}");
    assert!(!said.contains(&sha256_file(&plain)), "{said}");
    assert_eq!(
        std::fs::read(&plain).expect("plain"),
        std::fs::read(&shown).expect("shown")
    );
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&plain)
            .output()
            .expect("qpdf");
        assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout));
    }

    // A plain build with a bundle: the manifest holds the packet's checksum, and verify
    // agrees with it.
    let (bundled, zip) = (tmp.path().join("b.pdf"), tmp.path().join("b.zip"));
    build(
        &recs,
        &bundled,
        &["--zip", zip.to_str().expect("utf-8 path")],
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("zip");
    let mut manifest = Vec::new();
    archive
        .by_name("manifest.json")
        .expect("manifest")
        .read_to_end(&mut manifest)
        .expect("read");
    let manifest: Value = serde_json::from_slice(&manifest).expect("manifest");
    let packet = manifest["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["path"] == "packet.pdf")
        .expect("packet.pdf in the manifest");
    assert_eq!(
        packet["sha256"].as_str(),
        Some(sha256_file(&bundled).as_str())
    );
    let v = medpacket()
        .arg("verify")
        .arg(&zip)
        .output()
        .expect("verify");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn the_library_reports_the_checksum_only_when_asked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = pictures(tmp.path(), &[(700, 900), (700, 900)]);
    let opts = |out: &str, packet_sha256: bool| medpacket::BuildOptions {
        dir: recs.clone(),
        output: Some(tmp.path().join(out)),
        skip_unreadable: false,
        force: false,
        paper: Default::default(),
        zip: None,
        password: None,
        // Nothing read from or left in a cache.
        scan: medpacket::ScanOptions {
            no_cache: true,
            ocr: medpacket::read::words::OcrMode::Never,
            without_evidence: false,
        },
        lang: None,
        fax: false,
        send: Default::default(),
        packet_sha256,
    };
    let asked = medpacket::build(&opts("asked.pdf", true), &medpacket::Quiet).expect("build");
    assert_eq!(asked.sha256, sha256_file(&tmp.path().join("asked.pdf")));
    let not = medpacket::build(&opts("not.pdf", false), &medpacket::Quiet).expect("build");
    assert_eq!(not.sha256, "");
    assert_eq!(not.pages, asked.pages);
}
