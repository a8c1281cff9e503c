//! The packet's bytes stay the same for the same inputs and clock (`SOURCE_DATE_EPOCH`):
//! the checked-in sample records and small synthetic folders of text files and JPEG photos
//! are built and each packet's SHA-256 is compared with a pinned value. A cold build (an
//! empty cache) and a warm one (the cache filled by it) give the same bytes, for scanned
//! pages read by Tesseract too (their pictures then come from the cache, encoded).
//!
//! When a change to the packet is intended — a deliberate change to what the doctor
//! receives, made on purpose and said so in its commit — run
//! `MEDPACKET_SHOW_PACKET_SHA=1 cargo test --test packet_bytes -- --nocapture`, check the
//! new packets by eye, and copy the printed values into the table below. A speed-up,
//! refactor or dependency update must never need that: it is a change to every packet
//! already sent, and this test is there to catch it.

#[path = "support/scans.rs"]
mod scans;
mod support;

use std::path::Path;
use support::*;

/// The pinned SHA-256 of each packet built here, by case.
const PINNED: &[(&str, &str)] = &[
    (
        "sample-records",
        "3e42c6f91f0574b5cdcf71c96936b7ab57277a34d0fca15d5c3cda810f4447e2",
    ),
    (
        "text-folder",
        "dcae88db2ab9ab84f24173c609fc2f3d91ed90719cbdc024afa91a43c2c9b69f",
    ),
    (
        "many-documents-es-a4",
        "89dd0f33cea6de67d86cc3ed90d2315a668c37099ae81256ecb9a8a5e47405fc",
    ),
    (
        "many-documents-fax",
        "593f5b155876cb239df5e1b70366c5ccea35bcc9770f3a3ca8fc93f9b73db126",
    ),
    (
        "jpeg-folder",
        "3e8c16b19db69854f8823c75d7efe65f2dabb077f523adc017fdb9af0676cffc",
    ),
];

/// The packet.toml of the synthetic folders (a fictional patient).
const PACKET_TOML: &str =
    "[patient]\nname = \"Tobias Lindqvist-Arroyo\"\ndate_of_birth = \"1959-11-02\"\n";

fn pinned(case: &str) -> &'static str {
    PINNED
        .iter()
        .find(|(c, _)| *c == case)
        .map(|(_, sha)| *sha)
        .unwrap_or_else(|| panic!("no pinned SHA-256 for {case}"))
}

/// Builds `dir` into `out` with the cache in `cache` (OCR never runs: Tesseract's version
/// must not move the bytes); returns the packet's SHA-256.
fn build(dir: &Path, out: &Path, cache: &Path, args: &[&str]) -> String {
    let o = medpacket()
        .env("MEDPACKET_CACHE_DIR", cache)
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .args(["--force", "--ocr", "never"])
        .args(args)
        .output()
        .expect("run medpacket build");
    assert!(
        o.status.success(),
        "build of {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    sha256_file(out)
}

/// Builds `dir` cold and then warm, checks both give the same bytes and that they are the
/// pinned ones.
fn check(case: &str, dir: &Path) {
    check_with(case, dir, &[]);
}

/// [`check`], with further `build` options.
fn check_with(case: &str, dir: &Path, args: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cache = tmp.path().join("cache");
    let cold = build(dir, &tmp.path().join("cold.pdf"), &cache, args);
    let warm = build(dir, &tmp.path().join("warm.pdf"), &cache, args);
    assert_eq!(
        cold, warm,
        "{case}: a warm build (cache filled) gave other bytes than the cold build"
    );
    if std::env::var_os("MEDPACKET_SHOW_PACKET_SHA").is_some() {
        println!("    (\"{case}\", \"{cold}\"),");
        return;
    }
    assert_eq!(
        cold,
        pinned(case),
        "{case}: the packet's bytes changed for the same inputs. If this change to the \
         packet is intended (a deliberate change to what the doctor receives, never a side \
         effect of a speed-up or refactor), run `MEDPACKET_SHOW_PACKET_SHA=1 cargo test \
         --test packet_bytes -- --nocapture`, check the new packets and update PINNED in \
         tests/packet_bytes.rs, saying so in the commit message"
    );
}

/// Waits until files just written are old enough to be known by their identity, so the
/// warm build takes the path a real rebuild takes (files recalled, not read, at scan).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(2100));
}

#[test]
fn sample_records_packet_keeps_its_bytes() {
    check("sample-records", &sample_records_dir());
}

#[test]
fn text_folder_packet_keeps_its_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("records");
    let mut files = Vec::new();
    for i in 0..12u32 {
        let body: String = (0..40)
            .map(|l| {
                format!(
                    "Visit note {i}, line {l}: blood pressure 12{l}/8{} mmHg.\n",
                    l % 10
                )
            })
            .collect();
        files.push((
            format!("notes/2025-0{}-1{}-visit-{i}.txt", 1 + i % 9, i % 10),
            format!(
                "Clinic visit note\nDate of service: 2025-03-{:02}\n\n{body}",
                1 + i
            )
            .into_bytes(),
        ));
    }
    files.push((
        "labs/lab-results.pdf".to_string(),
        simple_pdf(
            "Laboratory results",
            &["Collected 2025-02-03", "Hemoglobin 13.1 g/dL", "WBC 6.2"],
        ),
    ));
    let mut files: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    files.push(("packet.toml", PACKET_TOML.as_bytes().to_vec()));
    write_files(&dir, &files);
    settle();
    check("text-folder", &dir);
}

/// Many documents: an index of several pages, and text files typeset over many pages, so
/// the generated pages are painted in several batches as the packet is written — in
/// Spanish on A4, and ready to fax (the generated pages in black).
#[test]
fn many_documents_packet_keeps_its_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("records");
    let mut files: Vec<(String, Vec<u8>)> = (0..150u32)
        .map(|i| {
            (
                format!(
                    "labs/2024-{:02}-{:02}-result-{i:03}.pdf",
                    1 + i % 12,
                    1 + i % 28
                ),
                simple_pdf(
                    &format!("Laboratory result {i}"),
                    &[
                        &format!("Collected 2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                        &format!(
                            "Sodium 1{} mmol/L, potassium 4.{} mmol/L",
                            30 + i % 9,
                            i % 10
                        ),
                    ],
                ),
            )
        })
        .collect();
    for k in 0..2u32 {
        let body: String = (0..260)
            .map(|l| {
                format!(
                    "Día {l}: tensión 12{}/8{} mmHg — ±{} µg/mL, naïve “café” ≥ {k}.\n",
                    l % 10,
                    (l + k) % 10,
                    l % 7
                )
            })
            .collect();
        files.push((
            format!("notes/2025-02-1{k}-diario-{k}.txt"),
            format!("Diario de síntomas {k}\nFecha: 2025-02-1{k}\n\n{body}").into_bytes(),
        ));
    }
    let mut files: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    files.push(("packet.toml", PACKET_TOML.as_bytes().to_vec()));
    write_files(&dir, &files);
    settle();
    check_with(
        "many-documents-es-a4",
        &dir,
        &["--lang", "es", "--paper", "a4"],
    );
    check_with("many-documents-fax", &dir, &["--fax", "--fax-pages", "500"]);
}

/// The generated pages are painted as the packet is written, not held to the end: while
/// a packet with a long index is copied page by page, at most one batch of painted pages
/// waits, and each page leaves the painter's document once copied.
#[test]
fn generated_pages_are_painted_a_batch_at_a_time() {
    use medpacket::write::paint::Painter;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("records");
    let mut files: Vec<(String, Vec<u8>)> = (0..120u32)
        .map(|i| {
            (
                format!("labs/result-{i:03}.pdf"),
                simple_pdf(&format!("Laboratory result {i}"), &["Collected 2024-05-06"]),
            )
        })
        .collect();
    // A long text file: typeset, it is generated pages too.
    let diary: String = (0..1500)
        .map(|l| {
            format!(
                "Day {l}: headache score {}, slept {} hours.\n",
                l % 10,
                5 + l % 4
            )
        })
        .collect();
    files.push(("notes/symptom-diary.txt".into(), diary.into_bytes()));
    files.push(("packet.toml".into(), PACKET_TOML.as_bytes().to_vec()));
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    write_files(&dir, &files);
    let opts = medpacket::ScanOptions {
        no_cache: true,
        ocr: medpacket::OcrMode::Never,
        without_evidence: false,
    };
    struct Quiet;
    impl medpacket::Progress for Quiet {}
    let (inv, config) = medpacket::scan_folder(&dir, &opts, &Quiet).expect("scan");
    let plan_opts = medpacket::plan::PlanOptions {
        paper: medpacket::Paper::Letter,
        skip_unreadable: true,
        lang: Default::default(),
        fax: false,
        fax_sends: false,
    };
    let at = chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("time");
    let plan =
        medpacket::plan::plan(&inv, &config.expect("packet.toml"), plan_opts, at).expect("plan");
    assert!(plan.index.count >= 3, "the index should take several pages");
    let m = medpacket::fonts::Metrics::get().expect("font");
    let mut painter = Painter::new(&plan, m).expect("painter");
    // Nothing is placed before the font is set up.
    let first = painter.pages()[0];
    assert!(painter.place(first).is_err());
    painter.embed_font().expect("font");
    let objects = painter.doc.objects.len();
    let pages = painter.pages();
    assert!(pages.len() > 30, "{pages:?}");
    for p in pages {
        let (id, _) = painter.place(p).expect("place");
        assert!(painter.doc.get_dictionary(id).is_ok());
        assert!(
            painter.waiting() < medpacket::write::paint::BATCH,
            "{} painted pages wait at page {p}",
            painter.waiting()
        );
        painter.remove(id);
        assert_eq!(painter.doc.objects.len(), objects, "page {p} stayed behind");
    }
}

#[test]
fn jpeg_folder_packet_keeps_its_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("records");
    let files: Vec<(String, Vec<u8>)> = (0..6u32)
        .map(|i| {
            let (w, h) = if i % 2 == 0 { (612, 792) } else { (800, 600) };
            (format!("phone/IMG_{:04}.jpg", 100 + i), jpeg(w, h))
        })
        .collect();
    let mut files: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    files.push(("packet.toml", PACKET_TOML.as_bytes().to_vec()));
    write_files(&dir, &files);
    settle();
    check("jpeg-folder", &dir);
}

/// Scanned pages read by Tesseract (not pinned: another Tesseract may read other words):
/// the warm build takes each page's encoded picture from the cache instead of encoding it
/// again, and gives the same bytes as the cold build.
#[test]
fn scanned_pages_give_the_same_bytes_warm_and_cold() {
    if !require_tool("tesseract") {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("records");
    let page = scans::render(
        &[
            "PATHOLOGY REPORT",
            "Date of procedure: 2025-03-14",
            "Left breast, core biopsy: invasive ductal carcinoma.",
        ],
        200,
        12.0,
    );
    let second = scans::render(
        &["OPERATIVE REPORT", "Date of surgery: 2025-04-02"],
        200,
        12.0,
    );
    write_files(
        &dir,
        &[
            ("scans/pathology.png", scans::png(&page)),
            ("scans/operative-fax.tif", scans::g4_tiff(&[&second, &page])),
            ("packet.toml", PACKET_TOML.as_bytes().to_vec()),
        ],
    );
    settle();
    let cache = tmp.path().join("cache");
    let build = |out: &Path| {
        let o = medpacket()
            .env("MEDPACKET_CACHE_DIR", &cache)
            .arg("build")
            .arg(&dir)
            .arg("-o")
            .arg(out)
            .arg("--force")
            .output()
            .expect("run medpacket build");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        sha256_file(out)
    };
    let cold = build(&tmp.path().join("cold.pdf"));
    // Entries are kept in packs, one line each: count the lines of the picture packs.
    let pictures: usize = std::fs::read_dir(cache.join("picture"))
        .map(|d| {
            d.flatten()
                .map(|e| {
                    std::fs::read(e.path())
                        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
                        .unwrap_or(0)
                })
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(
        pictures, 3,
        "the cold build keeps the encoded picture of each scanned page (1 PNG + 2 TIFF pages)"
    );
    let warm = build(&tmp.path().join("warm.pdf"));
    assert_eq!(
        cold, warm,
        "a warm build (pictures from the cache) gave other bytes than the cold build"
    );
    if require_tool("pdftotext") {
        let text = std::process::Command::new("pdftotext")
            .arg(tmp.path().join("warm.pdf"))
            .arg("-")
            .output()
            .expect("run pdftotext");
        assert!(
            String::from_utf8_lossy(&text.stdout).contains("ductal"),
            "the warm packet keeps the scanned page's text layer"
        );
    }
}
