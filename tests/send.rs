//! Packets that get through: `build --max-size` (smaller pictures, then parts under the
//! limit) and `build --per-document`, run on folders of generated scans and checked with
//! qpdf, pdfinfo and pdftotext as well as lopdf.

#[path = "support/scans.rs"]
mod scans;
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::*;

const CONFIG: &str = "[patient]\nname = \"Ada Quist\"\ndate_of_birth = 1964-02-11\n";

/// A colour phone photo (landscape), 2250 pixels across: 300 ppi where the packet draws
/// it, 7.5 in wide; noisy as phone photos are, so it stays large as a JPEG.
fn colour_photo(seed: u32) -> Vec<u8> {
    let (w, h) = (2250u32, 1500u32);
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let n = ((state >> 16) % 48) as i32 - 24;
        let base = |v: u32| (v % 200) as i32 + 30;
        let px = |v: i32| (v + n).clamp(0, 255) as u8;
        image::Rgb([px(base(x / 9)), px(base(y / 11)), px(base((x + y) / 13))])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("JPEG encodes");
    out
}

/// A 210 dpi grey scan of a typed report, as a JPEG (how phones and copiers save them).
fn text_scan(title: &str, date: &str) -> Vec<u8> {
    let lines = [
        title,
        &format!("Date of Service: {date}"),
        "Patient: Ada Quist",
        "Findings: the sample shows no change since the last visit.",
        "Impression: stable; follow up in three months.",
    ];
    scans::jpeg(&scans::render(&lines, 210, 12.0), 1)
}

/// A records folder whose packet is several megabytes: born-digital reports, colour
/// photos and grey text scans.
fn make_records(dir: &Path) {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("packet.toml".into(), CONFIG.as_bytes().to_vec()),
        (
            "path.pdf".into(),
            simple_pdf(
                "SURGICAL PATHOLOGY REPORT",
                &["Date of Procedure: 03/14/2025", "Diagnosis: benign."],
            ),
        ),
        (
            "discharge.pdf".into(),
            simple_pdf(
                "DISCHARGE SUMMARY",
                &["Discharge Date: 04/02/2025", "Stable at discharge."],
            ),
        ),
        (
            "scan-labs.jpg".into(),
            text_scan("LABORATORY RESULTS", "05/06/2025"),
        ),
    ];
    for i in 0..2 {
        files.push((format!("photo-{i}.jpg"), colour_photo(i + 1)));
    }
    let borrowed: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_files(dir, &borrowed);
}

fn build(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    medpacket()
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .args(["--json", "--ocr", "never"])
        .args(extra)
        .output()
        .expect("run medpacket")
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "medpacket failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("build --json prints JSON")
}

fn qpdf_ok(pdf: &Path) {
    let o = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .expect("qpdf runs");
    assert!(
        o.status.success(),
        "qpdf --check {}: {}{}",
        pdf.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn pdfinfo_pages(pdf: &Path) -> u32 {
    let o = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    assert!(o.status.success(), "pdfinfo {}", pdf.display());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages")
}

/// The text of pages `first..=last` of `pdf`, page by page.
fn page_texts(pdf: &Path, first: u32, last: u32) -> Vec<String> {
    (first..=last)
        .map(|p| pdftotext_page(pdf, p).expect("pdftotext"))
        .collect()
}

struct Setup {
    records: PathBuf,
    /// The packet built without a limit.
    whole: PathBuf,
    whole_bytes: u64,
    pages: u32,
}

/// The records folder and its packet built without a limit, made once for all the tests
/// here (generating and packing the pictures is the slow part).
fn setup() -> &'static Setup {
    static SETUP: std::sync::OnceLock<(tempfile::TempDir, Setup)> = std::sync::OnceLock::new();
    &SETUP
        .get_or_init(|| {
            let tmp = tempfile::Builder::new()
                .prefix("send-")
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .expect("tmp");
            let records = tmp.path().join("records");
            std::fs::create_dir(&records).expect("mkdir");
            make_records(&records);
            let whole = tmp.path().join("whole.pdf");
            let report = json(&build(&records, &whole, &[]));
            let pages = report["pages"].as_u64().expect("pages") as u32;
            let whole_bytes = std::fs::metadata(&whole).expect("whole").len();
            let setup = Setup {
                records,
                whole,
                whole_bytes,
                pages,
            };
            (tmp, setup)
        })
        .1
}

/// An empty output folder of a test's own.
fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tmp")
}

#[test]
fn max_size_cuts_a_packet_of_photos_into_parts_under_the_limit() {
    if !(require_tool("qpdf") && require_tool("pdftotext") && require_tool("pdfinfo")) {
        return;
    }
    let s = setup();
    assert!(s.whole_bytes > 2_000_000, "the test packet is large");
    let limit = 1_500_000u64;
    let out = out_dir();
    let target = out.path().join("packet.pdf");
    let report = json(&build(&s.records, &target, &["--max-size", "1.5MB"]));
    assert!(
        !target.exists(),
        "a packet in parts is not also written whole"
    );
    let parts = report["parts"].as_array().expect("parts in --json");
    assert!(parts.len() >= 2, "{report}");
    let n = parts.len();
    let mut next_page = 1u32;
    let mut texts = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let file = PathBuf::from(part["file"].as_str().expect("file"));
        assert_eq!(
            file.file_name().and_then(|f| f.to_str()),
            Some(format!("packet-part-{}-of-{n}.pdf", i + 1).as_str())
        );
        let bytes = std::fs::metadata(&file).expect("part written").len();
        assert_eq!(part["bytes"].as_u64(), Some(bytes));
        assert_eq!(part["sha256"].as_str(), Some(sha256_file(&file).as_str()));
        assert!(bytes <= limit, "part {} is {bytes} bytes", i + 1);
        qpdf_ok(&file);
        lopdf::Document::load(&file).expect("lopdf opens the part");
        let (first, last) = (
            part["first_page"].as_u64().expect("first") as u32,
            part["last_page"].as_u64().expect("last") as u32,
        );
        assert_eq!(first, next_page, "parts follow each other");
        next_page = last + 1;
        // Later parts open with their own, unstamped page.
        let lead = u32::from(i > 0);
        assert_eq!(pdfinfo_pages(&file), last - first + 1 + lead);
        if i > 0 {
            let opening = pdftotext_page(&file, 1).expect("pdftotext");
            let heading = if first == last {
                format!("Part {} of {n} — page {first}", i + 1)
            } else {
                format!("Part {} of {n} — pages {first}–{last}", i + 1)
            };
            assert!(opening.contains(&heading), "{opening}");
            assert!(
                opening.contains(&format!("{} pages in all", s.pages)),
                "{opening}"
            );
            assert!(
                !opening.contains("· Page"),
                "the opening page is not stamped"
            );
        } else {
            let cover = pdftotext_page(&file, 1).expect("pdftotext");
            assert!(cover.contains("Ada Quist"));
        }
        // Every packet page keeps its stamp with the whole packet's numbers.
        for (k, text) in page_texts(&file, 1 + lead, last - first + 1 + lead)
            .into_iter()
            .enumerate()
        {
            let page = first + k as u32;
            assert!(
                text.contains(&format!("Page {page} of {}", s.pages)),
                "part {} page for packet page {page}: {text}",
                i + 1
            );
            texts.push(text);
        }
    }
    assert_eq!(next_page - 1, s.pages, "the parts hold every page");
    // The union of the parts' text is the whole packet's text.
    let whole_texts = page_texts(&s.whole, 1, s.pages);
    assert_eq!(texts, whole_texts);
}

#[test]
fn max_size_first_makes_pictures_smaller_and_leaves_born_digital_pages_alone() {
    if !(require_tool("qpdf") && require_tool("pdftotext")) {
        return;
    }
    let s = setup();
    let out = out_dir();
    let target = out.path().join("small.pdf");
    // Below the packet's size, above what smaller pictures make of it.
    let limit = s.whole_bytes * 3 / 4;
    let report = json(&build(
        &s.records,
        &target,
        &["--max-size", &limit.to_string()],
    ));
    assert!(report.get("parts").is_none(), "{report}");
    let shrunk = &report["shrunk"];
    assert!(shrunk["pictures"].as_u64().unwrap_or(0) >= 3, "{report}");
    let bytes = std::fs::metadata(&target).expect("written").len();
    assert!(bytes <= limit, "{bytes} > {limit}");
    qpdf_ok(&target);
    let whole = lopdf::Document::load(&s.whole).expect("whole");
    let small = lopdf::Document::load(&target).expect("small");
    let docs = report["documents"].as_array().expect("documents");
    let pages_whole = whole.get_pages();
    let pages_small = small.get_pages();
    for d in docs {
        let (first, path) = (
            d["first_page"].as_u64().expect("first") as u32,
            d["path"].as_str().expect("path"),
        );
        if path.ends_with(".pdf") {
            // Text and drawings exactly as they were.
            assert_eq!(
                whole.get_page_content(pages_whole[&first]),
                small.get_page_content(pages_small[&first]),
                "{path}"
            );
        } else {
            let before = whole.get_page_images(pages_whole[&first]).expect("images");
            let after = small.get_page_images(pages_small[&first]).expect("images");
            assert_eq!(before.len(), 1, "{path}");
            assert!(after[0].width < before[0].width, "{path} resampled");
            // 200 pixels per inch across the width the picture is drawn at: the Letter
            // scan 7.5 in on a portrait page, the wide photo 10 in on a landscape one.
            let inches = if path.starts_with("photo") { 10.0 } else { 7.5 };
            let ppi = after[0].width as f64 / inches;
            assert!((195.0..=205.0).contains(&ppi), "{path}: {ppi} ppi");
            let colour = after[0]
                .color_space
                .as_deref()
                .unwrap_or_default()
                .to_string();
            if path.starts_with("photo") {
                assert_eq!(colour, "DeviceRGB", "{path} keeps its colour");
            } else {
                assert_eq!(colour, "DeviceGray", "{path} has no colour");
                assert_eq!(
                    after[0].bits_per_component,
                    Some(1),
                    "{path}: a text scan, 1-bit"
                );
            }
        }
    }
    // Same text, page for page.
    assert_eq!(
        page_texts(&s.whole, 1, s.pages),
        page_texts(&target, 1, s.pages)
    );
}

#[test]
fn max_size_below_one_page_is_refused_with_the_smallest_limit_that_would_do() {
    let s = setup();
    let out = out_dir();
    let target = out.path().join("tiny.pdf");
    let o = build(&s.records, &target, &["--max-size", "20KB"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("a part cannot be smaller than one page"),
        "{err}"
    );
    assert!(err.contains("give a limit of at least"), "{err}");
    assert!(std::fs::read_dir(out.path()).expect("ls").all(|e| !e
        .expect("entry")
        .file_name()
        .to_string_lossy()
        .starts_with("tiny")));
    // The limit it offers works, as written there ("466 KB"), and every part keeps to it.
    let least = err
        .split("give a limit of at least ")
        .nth(1)
        .and_then(|rest| {
            rest.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join("")
                .into()
        })
        .unwrap_or_default();
    let report = json(&build(&s.records, &target, &["--max-size", &least]));
    let limit = medpacket::base::size::parse_size(&least).expect("a size");
    let parts = report["parts"].as_array().expect("parts");
    assert!(!parts.is_empty(), "{report}");
    for p in parts {
        assert!(
            p["bytes"].as_u64().is_some_and(|b| b <= limit),
            "{least}: {p}"
        );
    }
}

#[test]
fn per_document_writes_one_stamped_file_per_document_and_the_bundle_carries_them() {
    if !(require_tool("qpdf") && require_tool("pdftotext")) {
        return;
    }
    let s = setup();
    let out = out_dir();
    let target = out.path().join("packet.pdf");
    let docs_dir = out.path().join("upload");
    let zip = out.path().join("packet.zip");
    let report = json(&build(
        &s.records,
        &target,
        &[
            "--per-document",
            docs_dir.to_str().expect("utf-8"),
            "--zip",
            zip.to_str().expect("utf-8"),
        ],
    ));
    assert!(target.exists(), "the packet itself is written too");
    let files = report["per_document"].as_array().expect("per_document");
    let docs = report["documents"].as_array().expect("documents");
    assert_eq!(files.len(), docs.len() + 1);
    let mut names: Vec<String> = std::fs::read_dir(&docs_dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names[0], "00-cover-and-index.pdf");
    assert!(
        names.contains(&"01-pathology-report-2025-03-14.pdf".to_string()),
        "{names:?}"
    );
    for (f, d) in files[1..].iter().zip(docs) {
        let file = PathBuf::from(f["file"].as_str().expect("file"));
        qpdf_ok(&file);
        let (first, last) = (
            d["first_page"].as_u64().expect("first") as u32,
            d["last_page"].as_u64().expect("last") as u32,
        );
        for (k, text) in page_texts(&file, 1, last - first + 1)
            .into_iter()
            .enumerate()
        {
            assert!(
                text.contains(&format!("Page {} of {}", first + k as u32, s.pages)),
                "{}: {text}",
                file.display()
            );
        }
    }
    let bundle = std::fs::File::open(&zip).expect("zip");
    let mut archive = zip::ZipArchive::new(bundle).expect("zip opens");
    for name in &names {
        assert!(
            archive.by_name(&format!("documents/{name}")).is_ok(),
            "documents/{name} in the bundle"
        );
    }
    assert!(archive.by_name("packet.pdf").is_ok());
}

#[test]
fn a_long_fax_goes_in_sends_each_with_its_own_cover_and_at_most_n_pages() {
    if !(require_tool("qpdf") && require_tool("pdftotext") && require_tool("pdfinfo")) {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let records = tmp.path().join("records");
    copy_tree(&sample_records_dir(), &records);
    // The same fax in one send: the reference for pages and text.
    let one = tmp.path().join("one.pdf");
    let single = json(&build(&records, &one, &["--fax"]));
    assert!(single.get("sends").is_none(), "{single}");
    let total = single["pages"].as_u64().expect("pages") as u32;
    let target = tmp.path().join("fax.pdf");
    let report = json(&build(&records, &target, &["--fax", "--fax-pages", "8"]));
    assert!(!target.exists());
    let sends = report["sends"].as_array().expect("sends in --json");
    let n = sends.len();
    assert!(n >= 3, "{report}");
    // Without a cover of its own in the packet, the page count is one less.
    let pages = report["pages"].as_u64().expect("pages") as u32;
    assert_eq!(pages, total - 1);
    let mut next = 1u32;
    let mut texts = Vec::new();
    for (i, send) in sends.iter().enumerate() {
        let file = PathBuf::from(send["file"].as_str().expect("file"));
        assert!(file
            .to_string_lossy()
            .ends_with(&format!("fax-send-{}-of-{n}.pdf", i + 1)));
        qpdf_ok(&file);
        let (first, last) = (
            send["first_page"].as_u64().expect("first") as u32,
            send["last_page"].as_u64().expect("last") as u32,
        );
        assert_eq!(first, next);
        next = last + 1;
        let count = pdfinfo_pages(&file);
        assert!(count <= 8, "send {} has {count} pages", i + 1);
        assert_eq!(count, last - first + 2, "the records and one cover");
        let cover = pdftotext_page(&file, 1).expect("pdftotext");
        assert!(
            cover.contains(&format!(
                "{} of {n} — pages {first}–{last} of {pages}",
                i + 1
            )),
            "{cover}"
        );
        assert!(
            cover.contains(&format!("{count}, including this cover page")),
            "{cover}"
        );
        for (k, text) in page_texts(&file, 2, count).into_iter().enumerate() {
            assert!(
                text.contains(&format!("Page {} of {pages}", first + k as u32)),
                "{text}"
            );
            texts.push(text);
        }
    }
    assert_eq!(next - 1, pages);
    // The sends' pages are the single fax's pages after its cover, renumbered for the
    // packet without it.
    let reference: Vec<String> = page_texts(&one, 2, total)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            t.replace(
                &format!("Page {} of {total}", i + 2),
                &format!("Page {} of {pages}", i + 1),
            )
        })
        .collect();
    assert_eq!(texts.len(), reference.len());
    // The records' pages read the same (the cover and index name other page numbers).
    let first_doc = report["documents"][0]["first_page"]
        .as_u64()
        .expect("first") as usize;
    // Words compared, not columns: the centred stamp moves with its number's width.
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    for (i, (got, want)) in texts.iter().zip(&reference).enumerate().skip(first_doc - 1) {
        assert_eq!(words(got), words(want), "packet page {}", i + 1);
    }
}

#[test]
fn fax_pages_below_two_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let records = tmp.path().join("records");
    copy_tree(&sample_records_dir(), &records);
    let o = build(
        &records,
        &tmp.path().join("fax.pdf"),
        &["--fax", "--fax-pages", "1"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--fax-pages 1"), "{err}");
}

#[test]
fn check_warns_about_a_record_not_in_the_packets_language_and_the_todo_list_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("packet.toml", CONFIG.as_bytes().to_vec()),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &[
                        "Date of Procedure: 03/14/2025",
                        "The specimen was received in formalin and shows invasive ductal",
                        "carcinoma of the left breast; the margins are free of tumour and",
                        "both sentinel lymph nodes are negative for metastatic disease.",
                    ],
                ),
            ),
            (
                "informe.pdf",
                simple_pdf(
                    "INFORME DE ALTA HOSPITALARIA",
                    &[
                        "Fecha de alta: 04/02/2025",
                        "La paciente ingresa para cirugia programada y evoluciona de forma",
                        "favorable durante su estancia; se va a casa con las indicaciones",
                        "de control en la consulta de cirugia dentro de una semana.",
                    ],
                ),
            ),
        ],
    );
    let scan = medpacket()
        .args(["scan", "--json", "--ocr", "never"])
        .arg(dir)
        .output()
        .expect("scan");
    let scan: Value = serde_json::from_slice(&scan.stdout).expect("scan --json");
    let lang = |path: &str| {
        scan["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == path)
            .and_then(|f| f["language"].as_str())
            .map(str::to_string)
    };
    assert_eq!(lang("path.pdf").as_deref(), Some("eng"));
    assert_eq!(lang("informe.pdf").as_deref(), Some("spa"));
    let check = |dir: &Path| -> Value {
        let o = medpacket()
            .args(["check", "--json", "--ocr", "never"])
            .arg(dir)
            .output()
            .expect("check");
        serde_json::from_slice(&o.stdout).expect("check --json")
    };
    let r = check(dir);
    let warned: Vec<&str> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["what"].as_str().unwrap_or("").contains("translation"))
        .filter_map(|w| w["path"].as_str())
        .collect();
    assert_eq!(warned, ["informe.pdf"], "{r}");
    let todo = r["todo"].as_array().expect("todo");
    let item = todo
        .iter()
        .find(|t| t["id"] == "translation")
        .expect("a translation item on the to-do list");
    assert!(item["text"].as_str().unwrap_or("").contains("informe.pdf"));
    // A Spanish packet: now the English record is the one to translate.
    std::fs::write(
        dir.join("packet.toml"),
        format!("{CONFIG}[request]\nlanguage = \"es\"\n"),
    )
    .expect("write");
    let r = check(dir);
    let warned: Vec<&str> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["what"].as_str().unwrap_or("").contains("translation"))
        .filter_map(|w| w["path"].as_str())
        .collect();
    assert_eq!(warned, ["path.pdf"], "{r}");
}

#[test]
fn max_size_in_packet_toml_cuts_the_packet_like_the_flag() {
    let s = setup();
    let tmp = tempfile::tempdir().expect("tmp");
    let records = tmp.path().join("records");
    copy_tree(&s.records, &records);
    std::fs::write(
        records.join("packet.toml"),
        format!("{CONFIG}[send]\nmax_size = \"1.5MB\"\n"),
    )
    .expect("write");
    let report = json(&build(&records, &tmp.path().join("p.pdf"), &[]));
    let parts = report["parts"].as_array().expect("parts");
    assert!(parts.len() >= 2, "{report}");
    assert!(parts
        .iter()
        .all(|p| p["bytes"].as_u64().unwrap_or(u64::MAX) <= 1_500_000));
    // A value that is not a size names the line.
    std::fs::write(
        records.join("packet.toml"),
        format!("{CONFIG}[send]\nmax_size = \"big\"\n"),
    )
    .expect("write");
    let o = build(&records, &tmp.path().join("q.pdf"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a size"), "{err}");
}
