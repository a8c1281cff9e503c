//! `medpacket build` end to end: the real binary on the sample folder and on folders made
//! inside the tests, with the packet checked by lopdf and by qpdf, pdfinfo and pdftotext.

mod support;

use lopdf::{Document, Object, ObjectId};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::*;

const PATIENT: &str = "[patient]\nname = \"Zoë Ñúñez-Łukasz\"\ndate_of_birth = 1971-09-30\n";

fn run_build(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    medpacket()
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .arg("--json")
        .args(extra)
        .output()
        .expect("run medpacket")
}

/// `medpacket scan` of the sample folder: its report as JSON, or (`json` false) as text.
fn scan_sample(json: bool) -> Output {
    let mut cmd = medpacket();
    cmd.arg("scan").arg(sample_records_dir());
    if json {
        cmd.arg("--json");
    }
    cmd.output().expect("run medpacket scan")
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "medpacket failed ({:?}): {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON object")
}

/// Text of every page, by pdftotext (None when it is not installed).
fn pages_text(pdf: &Path) -> Option<Vec<String>> {
    if !require_tool("pdftotext") {
        return None;
    }
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Page object id -> 1-based page number.
fn page_numbers(doc: &Document) -> BTreeMap<ObjectId, u32> {
    doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect()
}

fn dest_page(doc: &Document, dest: &Object) -> Option<ObjectId> {
    let arr = match dest {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_array().ok()?,
        other => other.as_array().ok()?,
    };
    arr.first()?.as_reference().ok()
}

/// (title, page) of every outline entry, depth first.
fn outline(doc: &Document) -> Vec<(String, u32, usize)> {
    let numbers = page_numbers(doc);
    let mut out = Vec::new();
    let cat = doc.catalog().expect("catalog");
    let root = cat
        .get(b"Outlines")
        .and_then(Object::as_reference)
        .expect("outline root");
    let first = doc
        .get_dictionary(root)
        .expect("outlines")
        .get(b"First")
        .and_then(Object::as_reference)
        .ok();
    fn walk(
        doc: &Document,
        numbers: &BTreeMap<ObjectId, u32>,
        mut cur: Option<ObjectId>,
        depth: usize,
        out: &mut Vec<(String, u32, usize)>,
    ) {
        while let Some(id) = cur {
            let d = doc.get_dictionary(id).expect("outline item");
            let title = lopdf::decode_text_string(d.get(b"Title").expect("title")).expect("text");
            let page = dest_page(doc, d.get(b"Dest").expect("dest"))
                .and_then(|p| numbers.get(&p).copied())
                .expect("dest names a page object of this file");
            out.push((title, page, depth));
            let child = d.get(b"First").and_then(Object::as_reference).ok();
            walk(doc, numbers, child, depth + 1, out);
            cur = d.get(b"Next").and_then(Object::as_reference).ok();
        }
    }
    walk(doc, &numbers, first, 0, &mut out);
    out
}

fn build_sample(tmp: &Path) -> (PathBuf, Value) {
    let out = tmp.join("packet.pdf");
    let report = json(&run_build(&sample_records_dir(), &out, &[]));
    (out, report)
}

#[test]
fn sample_packet_pages_index_bookmarks_and_stamps_agree() {
    let tmp = tempfile::tempdir().expect("tmp");
    let before = sha256_tree(&sample_records_dir());
    let (pdf, report) = build_sample(tmp.path());
    assert_eq!(
        sha256_tree(&sample_records_dir()),
        before,
        "the records folder must not change"
    );

    let doc = Document::load(&pdf).expect("packet loads with lopdf");
    let n = doc.get_pages().len() as u32;
    assert_eq!(report["pages"].as_u64(), Some(u64::from(n)));
    assert_eq!(report["sha256"].as_str(), Some(sha256_file(&pdf).as_str()));
    let docs = report["documents"].as_array().expect("documents");
    // Exactly the files scan calls included are in the packet: none dropped, none added.
    let scan = json(&scan_sample(true));
    let mut included: Vec<&str> = scan["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["status"] == "included")
        .filter_map(|f| f["path"].as_str())
        .collect();
    let mut packed: Vec<&str> = docs.iter().filter_map(|d| d["path"].as_str()).collect();
    included.sort();
    packed.sort();
    assert_eq!(packed, included);
    assert!(
        packed.len() >= 12,
        "the sample has a document of every kind"
    );

    // Every document starts where the report says, in one contiguous run, in SPEC order.
    let kinds = [
        "pathology-report",
        "operative-report",
        "discharge-summary",
        "treatment-plan",
        "medication-list",
        "consultation-note",
        "imaging-report",
        "lab-results",
        "other",
    ];
    let mut prev: Option<(usize, Option<String>, u64)> = None;
    for d in docs {
        let first = d["first_page"].as_u64().expect("first");
        let last = d["last_page"].as_u64().expect("last");
        assert_eq!(last - first + 1, d["source_pages"].as_u64().expect("pages"));
        let k = kinds
            .iter()
            .position(|k| *k == d["kind"].as_str().expect("kind"))
            .expect("known kind");
        let date = d["date"].as_str().map(str::to_string);
        if let Some((pk, pdate, plast)) = &prev {
            assert_eq!(first, plast + 1, "documents follow each other without gaps");
            assert!(k >= *pk, "sections in SPEC order");
            if k == *pk {
                match (pdate, &date) {
                    (Some(a), Some(b)) => assert!(a <= b, "oldest first within a section"),
                    (None, Some(_)) => panic!("undated documents go last"),
                    _ => {}
                }
            }
        }
        prev = Some((k, date, last));
    }
    assert_eq!(
        prev.map(|p| p.2),
        Some(u64::from(n)),
        "the last document ends on the last page"
    );

    // The duplicate is reported, the junk is not in the packet.
    let dups = report["duplicates"].as_array().expect("duplicates");
    assert_eq!(dups.len(), 1);
    assert!(docs
        .iter()
        .all(|d| !d["path"].as_str().unwrap_or("").contains(".DS_Store")));

    // Bookmarks: Cover, Index, Questions, then one per section with one child per document.
    let ol = outline(&doc);
    assert_eq!(ol[0], ("Cover".to_string(), 1, 0));
    assert_eq!(ol[1].0, "Index");
    assert_eq!(ol[2].0, "Questions");
    for d in docs {
        let first = d["first_page"].as_u64().expect("first") as u32;
        let title = d["title"].as_str().expect("title");
        let date = d["date"].as_str().unwrap_or("undated");
        let want = format!("{date} — {title}");
        assert!(
            ol.iter()
                .any(|(t, p, depth)| *t == want && *p == first && *depth == 1),
            "no bookmark {want:?} -> page {first} in {ol:?}"
        );
    }

    // Index links: a GoTo to the page object of each document's first page.
    let numbers = page_numbers(&doc);
    let index_page = ol[1].1;
    let pages = doc.get_pages();
    let annots = doc
        .get_page_annotations(pages[&index_page])
        .expect("annots");
    let mut targets: Vec<u32> = annots
        .iter()
        .filter_map(|a| {
            let action = a.get(b"A").ok()?.as_dict().ok()?;
            assert_eq!(action.get(b"S").ok()?.as_name().ok()?, b"GoTo");
            let p = dest_page(&doc, action.get(b"D").ok()?)?;
            numbers.get(&p).copied()
        })
        .collect();
    targets.sort();
    let mut firsts: Vec<u32> = docs
        .iter()
        .map(|d| d["first_page"].as_u64().expect("f") as u32)
        .collect();
    firsts.sort();
    assert_eq!(
        targets, firsts,
        "one index link per document, to its first page"
    );

    // Document info.
    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .expect("info");
    let info = doc.get_dictionary(info_id).expect("info dict");
    let creator = lopdf::decode_text_string(info.get(b"Creator").expect("creator")).expect("text");
    assert_eq!(creator, format!("medpacket {}", env!("CARGO_PKG_VERSION")));
    let author = lopdf::decode_text_string(info.get(b"Author").expect("author")).expect("text");
    assert_eq!(author, "Ingrid Sørensen-Łukasiewicz");

    // Independent readers.
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .expect("qpdf");
        assert!(
            q.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&q.stdout)
        );
    }
    if require_tool("pdfinfo") {
        let i = std::process::Command::new("pdfinfo")
            .arg(&pdf)
            .output()
            .expect("pdfinfo");
        let s = String::from_utf8_lossy(&i.stdout);
        assert!(s.contains(&format!("Pages:           {n}")), "{s}");
        assert!(s.contains("Ingrid Sørensen-Łukasiewicz"), "{s}");
    }
    let Some(text) = pages_text(&pdf) else { return };
    assert_eq!(text.len() as u32, n);
    for (i, t) in text.iter().enumerate() {
        let want = format!(
            "Ingrid Sørensen-Łukasiewicz · DOB 1968-04-12 · Page {} of {n}",
            i + 1
        );
        assert!(
            squash(t).contains(&want),
            "page {} lacks its stamp {want:?}:\n{t}",
            i + 1
        );
    }
    // The index shows each document's number, and its page range on the same row.
    let index_text = text[index_page as usize - 1].clone();
    for (i, d) in docs.iter().enumerate() {
        let (f, l) = (
            d["first_page"].as_u64().expect("f"),
            d["last_page"].as_u64().expect("l"),
        );
        let range = if f == l {
            f.to_string()
        } else {
            format!("{f}–{l}")
        };
        let row = index_text
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{}. ", i + 1)))
            .unwrap_or_else(|| panic!("no index row {}:\n{index_text}", i + 1));
        assert!(
            row.trim_end().ends_with(&range),
            "row {row:?} should end with {range}"
        );
    }
    // The text of each document's first packet page is that document.
    for d in docs {
        let rel = d["path"].as_str().expect("path");
        let first = d["first_page"].as_u64().expect("f") as usize;
        let page = squash(&text[first - 1]);
        let src = sample_records_dir().join(rel);
        if rel.ends_with(".pdf") {
            let src_text = pdftotext_page(&src, 1).expect("pdftotext");
            let first_line = src_text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .expect("source has text");
            assert!(
                page.contains(&squash(first_line)),
                "{rel}: packet page {first} does not start it ({first_line:?}):\n{page}"
            );
        } else if rel.ends_with(".txt") {
            let src_text = std::fs::read_to_string(&src).expect("read");
            let first_line = src_text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .expect("text");
            assert!(page.contains(&squash(first_line)), "{rel}: {page}");
            assert!(page.contains(rel), "a typeset text file names its source");
        } else {
            // Images: the page holds exactly one image.
            let pid = pages[&(first as u32)];
            let imgs = doc.get_page_images(pid).expect("images");
            assert_eq!(imgs.len(), 1, "{rel}: one image on page {first}");
        }
    }
}

#[test]
fn rotated_and_landscape_pages_keep_geometry_and_get_an_upright_stamp() {
    if !require_tool("pdftotext") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (
                "scan.pdf",
                text_pdf(&[
                    PageSpec::letter([
                        "RADIOLOGY REPORT",
                        "Exam date: 01/02/2025",
                        "portrait page",
                    ]),
                    PageSpec::letter(["rotated page text"]).rotated(90),
                    PageSpec::landscape(["landscape page text"]),
                    PageSpec::a4(["a4 page text"]).rotated(270),
                ]),
            ),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let report = json(&run_build(&recs, &out, &[]));
    let first = report["documents"][0]["first_page"]
        .as_u64()
        .expect("first") as u32;
    let doc = Document::load(&out).expect("load");
    let pages = doc.get_pages();
    let rot = |p: u32| {
        doc.get_dictionary(pages[&p])
            .expect("page")
            .get(b"Rotate")
            .and_then(Object::as_i64)
            .unwrap_or(0)
    };
    assert_eq!(rot(first + 1), 90);
    assert_eq!(rot(first + 3), 270);
    assert_stamps_placed(&out);
}

#[test]
fn each_problem_is_named_and_blocks_the_build_unless_skipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (
                "good.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Date of Procedure: 03/14/2025"],
                ),
            ),
            ("empty.pdf", Vec::new()),
            ("portal/expired.pdf", html_error_page()),
            ("broken.pdf", truncated_pdf()),
            (
                "locked.pdf",
                encrypted_pdf("s3cret", "owner", &["LOCKED REPORT"]),
            ),
            ("notes.docx", fake_docx()),
        ],
    );
    let before = sha256_tree(&recs);
    let out = tmp.path().join("p.pdf");
    let o = run_build(&recs, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists(), "no packet is written while problems remain");
    let err = String::from_utf8_lossy(&o.stderr);
    for (file, reason) in [
        ("empty.pdf", "empty file"),
        ("portal/expired.pdf", "web page"),
        ("broken.pdf", "damaged PDF"),
        ("locked.pdf", "password-protected"),
        ("notes.docx", "unsupported file type"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with(&format!("{file}: ")) && l.contains(reason)),
            "{file} / {reason} missing in:\n{err}"
        );
    }
    assert!(
        err.contains("add password = \"…\" to its [[documents]] entry in packet.toml"),
        "{err}"
    );
    assert!(err.contains("--skip-unreadable"), "{err}");

    let report = json(&run_build(&recs, &out, &["--skip-unreadable"]));
    assert_eq!(report["documents"].as_array().map(Vec::len), Some(1));
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "broken.pdf",
            "empty.pdf",
            "locked.pdf",
            "notes.docx",
            "portal/expired.pdf"
        ]
    );
    assert_eq!(
        sha256_tree(&recs),
        before,
        "the records folder must not change"
    );
    if let Some(text) = pages_text(&out) {
        let index = squash(&text[1]);
        assert!(index.contains("Not included"), "{index}");
        for s in &skipped {
            assert!(
                index.contains(s),
                "{s} missing from the index's Not included list:\n{index}"
            );
        }
    }
}

#[test]
fn passwords_owner_only_opens_and_packet_toml_password_unlocks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let toml = format!("{PATIENT}\n[[documents]]\npath = \"locked.pdf\"\npassword = \"s3cret\"\n");
    write_files(
        &recs,
        &[
            ("packet.toml", toml.into_bytes()),
            (
                "owner-only.pdf",
                encrypted_pdf(
                    "",
                    "owner-pw",
                    &["DISCHARGE SUMMARY", "Discharge Date: 2025-02-03"],
                ),
            ),
            (
                "locked.pdf",
                encrypted_pdf(
                    "s3cret",
                    "owner-pw",
                    &["OPERATIVE REPORT", "Date of Surgery: 2025-01-20"],
                ),
            ),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let report = json(&run_build(&recs, &out, &[]));
    let kinds: Vec<&str> = report["documents"]
        .as_array()
        .expect("docs")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["operative-report", "discharge-summary"]);
    if let Some(text) = pages_text(&out) {
        let all = squash(&text.join(" "));
        assert!(all.contains("OPERATIVE REPORT") && all.contains("DISCHARGE SUMMARY"));
    }
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&out)
            .output()
            .expect("qpdf");
        assert!(q.status.success());
    }

    // A wrong password is a problem that says so.
    let toml = format!("{PATIENT}\n[[documents]]\npath = \"locked.pdf\"\npassword = \"wrong\"\n");
    std::fs::write(recs.join("packet.toml"), toml).expect("write");
    let o = run_build(&recs, &tmp.path().join("q.pdf"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("password in packet.toml does not open it"));
}

#[test]
fn existing_output_is_kept_without_force_and_builds_are_byte_identical() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pdf, _) = build_sample(tmp.path());
    let first = std::fs::read(&pdf).expect("read");
    let again = run_build(&sample_records_dir(), &pdf, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&pdf).expect("read"), first, "not overwritten");
    json(&run_build(&sample_records_dir(), &pdf, &["--force"]));
    assert_eq!(
        std::fs::read(&pdf).expect("read"),
        first,
        "same inputs and clock give the same bytes"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pdf).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
}

#[test]
fn images_are_embedded_without_bloat_and_every_tiff_page_is_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let jpg = jpeg(1200, 1600);
    let toml = format!(
        "{PATIENT}\n[[documents]]\npath = \"photo.jpg\"\nkind = \"pathology-report\"\ndate = \"2025-01-05\"\n\n[[documents]]\npath = \"wide.png\"\nkind = \"imaging-report\"\n"
    );
    write_files(
        &recs,
        &[
            ("packet.toml", toml.into_bytes()),
            ("photo.jpg", jpg.clone()),
            ("wide.png", png(800, 300, true)),
            ("fax.tif", tiff_pages(&[(400, 500), (400, 500), (400, 500)])),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let report = json(&run_build(&recs, &out, &["--paper", "a4"]));
    let docs = report["documents"].as_array().expect("docs");
    let by_path = |p: &str| {
        docs.iter()
            .find(|d| d["path"] == p)
            .unwrap_or_else(|| panic!("{p} missing"))
    };
    assert_eq!(by_path("fax.tif")["source_pages"], 3);
    let doc = Document::load(&out).expect("load");
    let pages = doc.get_pages();
    // The JPEG is passed through byte for byte.
    let jp = by_path("photo.jpg")["first_page"].as_u64().expect("p") as u32;
    let imgs = doc.get_page_images(pages[&jp]).expect("images");
    assert_eq!(imgs.len(), 1);
    assert_eq!(
        imgs[0].filters.as_deref(),
        Some(&["DCTDecode".to_string()][..])
    );
    assert_eq!(
        imgs[0].content,
        jpg.as_slice(),
        "JPEG bytes are copied unchanged"
    );
    let size = std::fs::metadata(&out).expect("meta").len() as usize;
    assert!(
        size < jpg.len() + 1_500_000,
        "packet is {size} bytes for a {} byte JPEG",
        jpg.len()
    );
    // The wide PNG gets a landscape page; the generated pages are A4.
    let wp = by_path("wide.png")["first_page"].as_u64().expect("p") as u32;
    let mb = doc
        .get_dictionary(pages[&wp])
        .expect("page")
        .get(b"MediaBox")
        .and_then(Object::as_array)
        .expect("mb")
        .clone();
    let w = mb[2].as_float().expect("w");
    let h = mb[3].as_float().expect("h");
    assert!(w > h, "wide image on a landscape page");
    // The PNG is stored losslessly and drawn with its aspect ratio, inside the margins.
    let imgs = doc.get_page_images(pages[&wp]).expect("images");
    assert_eq!(
        imgs[0].filters.as_deref(),
        Some(&["FlateDecode".to_string()][..])
    );
    let (sx, sy, tx, ty) = image_placement(&doc, pages[&wp]);
    assert!(
        (sx / sy - 800.0 / 300.0).abs() < 0.01,
        "aspect kept: {sx} x {sy}"
    );
    assert!(
        tx >= 30.0 && ty >= 30.0 && tx + sx <= w - 30.0 && ty + sy <= h - 30.0,
        "margins kept"
    );
    // Every TIFF page is its own image: the three pages differ.
    let fp = by_path("fax.tif")["first_page"].as_u64().expect("p") as u32;
    let contents: Vec<Vec<u8>> = (fp..fp + 3)
        .map(|p| {
            doc.get_page_images(pages[&p]).expect("images")[0]
                .content
                .to_vec()
        })
        .collect();
    assert!(contents[0] != contents[1] && contents[1] != contents[2] && contents[0] != contents[2]);
    let cover = doc
        .get_dictionary(pages[&1])
        .expect("cover")
        .get(b"MediaBox")
        .and_then(Object::as_array)
        .expect("mb")
        .clone();
    assert!(
        (cover[2].as_float().expect("w") - 595.276).abs() < 1.0,
        "A4 cover"
    );
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&out)
            .output()
            .expect("qpdf");
        assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout));
    }
}

#[test]
fn unicode_names_render_in_generated_pages() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            (
                "packet.toml",
                format!("{PATIENT}[diagnosis]\nsummary = \"Миастения гравис — Łódź clinic\"\n")
                    .into_bytes(),
            ),
            (
                "a.txt",
                "MEDICATION LIST\nPyridostigmine 60 mg — three times daily\nŻółć test line\n"
                    .as_bytes()
                    .to_vec(),
            ),
        ],
    );
    let out = tmp.path().join("p.pdf");
    json(&run_build(&recs, &out, &[]));
    let Some(text) = pages_text(&out) else { return };
    let all = text.join("\n");
    assert!(
        all.contains("Zoë Ñúñez-Łukasz"),
        "name on the cover and stamps"
    );
    assert!(all.contains("Миастения гравис"), "Cyrillic diagnosis");
    assert!(all.contains("Żółć test line"), "typeset text file");
    assert!(!all.contains("Zo? "), "no characters replaced");
}

#[test]
fn missing_folder_config_and_empty_folder_exit_2_with_a_fix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("p.pdf");
    let o = run_build(&tmp.path().join("nope"), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such folder"));

    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[(
            "a.pdf",
            simple_pdf("LAB RESULTS", &["Collected: 2025-01-01"]),
        )],
    );
    let o = run_build(&recs, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no packet.toml") && err.contains("[patient]"),
        "{err}"
    );

    write_files(
        &recs,
        &[(
            "packet.toml",
            b"[patient]\nname = \"A\"\nnmae = \"typo\"\n".to_vec(),
        )],
    );
    let o = run_build(&recs, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 3") && err.contains("nmae"), "{err}");

    let empty = tmp.path().join("empty");
    write_files(
        &empty,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (".DS_Store", vec![0; 8]),
        ],
    );
    let o = run_build(&empty, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no documents"));
    assert!(!out.exists());
}

#[test]
fn output_inside_the_records_folder_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("a.pdf", simple_pdf("LAB RESULTS", &[])),
        ],
    );
    let before = sha256_tree(&recs);
    std::fs::create_dir_all(recs.join("sub")).expect("mkdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&recs, tmp.path().join("link")).expect("symlink");
    for target in [recs.join("sub/../p.pdf"), tmp.path().join("link/p.pdf")] {
        let o = run_build(&recs, &target, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", target.display());
        assert!(String::from_utf8_lossy(&o.stderr).contains("inside the records folder"));
    }
    std::fs::remove_dir(recs.join("sub")).expect("rmdir");
    let o = run_build(&recs, &recs.join("packet.pdf"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside the records folder"));
    assert_eq!(sha256_tree(&recs), before);
}

#[test]
fn scan_json_lists_kind_date_pages_status_and_evidence() {
    let v = json(&scan_sample(true));
    let files = v["files"].as_array().expect("files");
    let get = |p: &str| {
        files
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p}"))
    };
    let path = get("scan0001.pdf");
    assert_eq!(path["kind"], "pathology-report");
    assert_eq!(path["date"], "2025-03-14");
    assert_eq!(path["pages"], 2);
    assert_eq!(path["status"], "included");
    assert!(!path["evidence"].as_array().expect("evidence").is_empty());
    // Of the two identical discharge summaries, the one named as a copy is left out, though
    // its name comes first.
    assert_eq!(get("hospital/discharge-copy.pdf")["status"], "duplicate");
    assert_eq!(
        get("hospital/discharge-copy.pdf")["same_as"],
        "hospital/discharge_summary.pdf"
    );
    assert_eq!(get("hospital/discharge_summary.pdf")["status"], "included");
    let ignored: Vec<&str> = v["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .filter_map(|i| i["path"].as_str())
        .collect();
    assert!(
        ignored.contains(&".DS_Store") && ignored.contains(&"desktop.ini"),
        "{ignored:?}"
    );
}

#[test]
fn scan_text_counts_the_files_it_ignores_by_their_reason() {
    // The reasons as `scan --json` gives them, file by file.
    let v = json(&scan_sample(true));
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for i in v["ignored"].as_array().expect("ignored") {
        *counts
            .entry(i["why"].as_str().expect("why").to_string())
            .or_default() += 1;
    }
    // The sample folder holds settings, hidden, system and temporary files: more than one
    // reason, one of them for several files.
    assert!(
        counts.len() >= 3 && counts.values().any(|&n| n > 1),
        "{counts:?}"
    );
    let o = scan_sample(false);
    let text = String::from_utf8_lossy(&o.stdout);
    let total: usize = counts.values().sum();
    assert!(
        text.contains(&format!("{total} file(s) ignored:")),
        "{text}"
    );
    for (why, n) in &counts {
        assert!(
            text.contains(&format!("    {n} × {why}\n")),
            "{why}: {text}"
        );
    }
}

#[test]
fn piped_build_prints_nothing_extra() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("p.pdf"))
        .output()
        .expect("run");
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "no progress output when not on a terminal: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("Wrote ") && out.contains("duplicate left out"),
        "{out}"
    );
}

/// The scale and offset of the one image drawn on a page (from its `cm` before `Do`).
fn image_placement(doc: &Document, page: ObjectId) -> (f32, f32, f32, f32) {
    let content = doc.get_page_content(page);
    let ops = lopdf::content::Content::decode(&content)
        .expect("content")
        .operations;
    let at = ops.iter().position(|o| o.operator == "Do").expect("Do");
    let cm = ops[..at]
        .iter()
        .rev()
        .find(|o| o.operator == "cm")
        .expect("cm");
    let v: Vec<f32> = cm
        .operands
        .iter()
        .map(|o| o.as_float().expect("number"))
        .collect();
    (v[0], v[3], v[4], v[5])
}

/// A PDF made by hand for the cases the simple builders do not cover: a /Rotate
/// inherited from the page tree, a crop box with /Rotate 180, content that leaves a
/// scaled graphics state open, and a link to a named destination.
fn tricky_pdf() -> Vec<u8> {
    use lopdf::{dictionary, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let res = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let text = |t: &str| format!("BT /F1 12 Tf 72 700 Td ({t}) Tj ET").into_bytes();
    let mut kids = Vec::new();
    let mut add = |doc: &mut Document, content: Vec<u8>, extra: lopdf::Dictionary| {
        let c = doc.add_object(Stream::new(dictionary! {}, content));
        let mut page = dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => c };
        page.extend(&extra);
        let id = doc.add_object(page);
        kids.push(Object::Reference(id));
        id
    };
    add(
        &mut doc,
        text("IMAGING REPORT inherited rotation"),
        dictionary! {},
    );
    add(
        &mut doc,
        text("cropped and upside down"),
        dictionary! { "Rotate" => 180, "CropBox" => vec![50.into(), 250.into(), 450.into(), 750.into()] },
    );
    let third = add(
        &mut doc,
        b"0.5 0 0 0.5 0 0 cm q BT /F1 12 Tf 72 700 Td (unbalanced state) Tj ET".to_vec(),
        dictionary! { "Rotate" => 0 },
    );
    let link = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![72.into(), 690.into(), 300.into(), 720.into()],
        "Dest" => Object::string_literal("third"),
    });
    add(
        &mut doc,
        text("page with a named link"),
        dictionary! { "Rotate" => 0, "Annots" => vec![Object::Reference(link)] },
    );
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Rotate" => 90, "Resources" => res,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let dests = doc.add_object(dictionary! {
        "Names" => vec![Object::string_literal("third"), Object::Array(vec![Object::Reference(third), "Fit".into()])],
    });
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Names" => dictionary! { "Dests" => dests },
    });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

/// Numbers of a `<word>` or `<page>` element of `pdftotext -bbox`.
fn attr(s: &str, key: &str) -> f32 {
    let at = s.find(&format!("{key}=\"")).expect(key) + key.len() + 2;
    s[at..]
        .split('"')
        .next()
        .expect("value")
        .parse()
        .expect("number")
}

#[test]
fn stamps_stay_upright_readable_and_inside_on_tricky_pages() {
    if !require_tool("pdftotext") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let long_name = "Maximiliane Theodora Wilhelmina Friederike Alexandrina von Hohenstein-Sigmaringen-Löwenberg";
    write_files(
        &recs,
        &[
            (
                "packet.toml",
                format!("[patient]\nname = \"{long_name}\"\ndate_of_birth = 1950-02-03\n")
                    .into_bytes(),
            ),
            ("tricky.pdf", tricky_pdf()),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let report = json(&run_build(&recs, &out, &[]));
    let first = report["documents"][0]["first_page"]
        .as_u64()
        .expect("first") as u32;
    let doc = Document::load(&out).expect("load");
    let pages = doc.get_pages();
    let dict = |p: u32| doc.get_dictionary(pages[&p]).expect("page");
    assert_eq!(
        dict(first).get(b"Rotate").and_then(Object::as_i64).ok(),
        Some(90),
        "inherited /Rotate kept"
    );
    assert_eq!(
        dict(first + 1).get(b"Rotate").and_then(Object::as_i64).ok(),
        Some(180)
    );
    assert!(dict(first + 1).has(b"CropBox"), "crop box kept");

    // The named link now points at the packet page holding the third source page.
    let annots = doc
        .get_page_annotations(pages[&(first + 3)])
        .expect("annots");
    let dest = annots[0]
        .get(b"Dest")
        .and_then(Object::as_array)
        .expect("explicit destination");
    assert_eq!(dest[0].as_reference().ok(), Some(pages[&(first + 2)]));

    assert_stamps_placed(&out);
}

#[test]
fn a_copy_of_a_locked_pdf_is_a_duplicate_not_a_problem() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let locked = encrypted_pdf(
        "s3cret",
        "owner",
        &["OPERATIVE REPORT", "Date of Surgery: 2025-01-20"],
    );
    let toml =
        format!("{PATIENT}\n[[documents]]\npath = \"a/locked.pdf\"\npassword = \"s3cret\"\n");
    write_files(
        &recs,
        &[
            ("packet.toml", toml.into_bytes()),
            ("a/locked.pdf", locked.clone()),
            ("b.pdf", locked),
        ],
    );
    let report = json(&run_build(&recs, &tmp.path().join("p.pdf"), &[]));
    assert_eq!(report["documents"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["duplicates"][0]["path"], "b.pdf");
    assert_eq!(
        report["duplicates"][0]["same_as"], "a/locked.pdf",
        "path order decides which copy is kept"
    );
}

#[test]
fn a_file_named_as_a_copy_gives_way_to_its_original_unless_packet_toml_names_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let report = simple_pdf("OPERATIVE REPORT", &["Date of Surgery: 2025-01-20"]);
    let plan = simple_pdf("ONCOLOGY TREATMENT PLAN", &["Date of Service: 2025-02-03"]);
    // "IMG_2291 (1).pdf" sorts before "IMG_2291.pdf" (a space before a dot), and
    // "plan-copy.pdf" before "plan_final.pdf".
    let build = |name: &str, toml: &str| {
        let recs = tmp.path().join(name);
        write_files(
            &recs,
            &[
                ("packet.toml", format!("{PATIENT}\n{toml}").into_bytes()),
                ("IMG_2291 (1).pdf", report.clone()),
                ("IMG_2291.pdf", report.clone()),
                ("plan-copy.pdf", plan.clone()),
                ("plan_final.pdf", plan.clone()),
            ],
        );
        let report = json(&run_build(
            &recs,
            &tmp.path().join(format!("{name}.pdf")),
            &[],
        ));
        let mut dups: Vec<(String, String)> = report["duplicates"]
            .as_array()
            .expect("duplicates")
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap_or("").to_string(),
                    d["same_as"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        dups.sort();
        (report["documents"].as_array().map(Vec::len), dups)
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        build("plain", ""),
        (
            Some(2),
            vec![
                pair("IMG_2291 (1).pdf", "IMG_2291.pdf"),
                pair("plan-copy.pdf", "plan_final.pdf"),
            ]
        )
    );
    // A copy packet.toml names (here to give its date) is kept, as path order says.
    assert_eq!(
        build(
            "named",
            "[[documents]]\npath = \"plan-copy.pdf\"\ndate = \"2025-02-04\"\n"
        ),
        (
            Some(2),
            vec![
                pair("IMG_2291 (1).pdf", "IMG_2291.pdf"),
                pair("plan_final.pdf", "plan-copy.pdf"),
            ]
        )
    );
}

#[test]
fn a_page_the_size_of_a_label_still_carries_its_whole_stamp() {
    if !require_tool("pdftotext") {
        return;
    }
    // One inch square (a specimen label), and a small card: "Page i of N" on each, on
    // the page.
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (
                "label.pdf",
                text_pdf(&[
                    PageSpec::new(["Label"], 72.0, 72.0),
                    PageSpec::new(["Card"], 144.0, 100.0),
                ]),
            ),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let report = json(&run_build(&recs, &out, &[]));
    let n = report["pages"].as_u64().expect("pages");
    let first = report["documents"][0]["first_page"]
        .as_u64()
        .expect("first");
    let html = bbox_html(&out);
    for (i, chunk) in html.split("<page ").skip(1).enumerate() {
        let p = i as u64 + 1;
        if p < first {
            continue;
        }
        let (w, h) = (attr(chunk, "width"), attr(chunk, "height"));
        let words: Vec<&str> = chunk.split("<word ").skip(1).collect();
        // "Page", "i", "of", "N", in order, all on the page.
        let at = words
            .iter()
            .rposition(|wd| wd.contains(">Page<"))
            .unwrap_or_else(|| panic!("no stamp on page {p}"));
        let tail: Vec<&str> = words.iter().skip(at).take(4).copied().collect();
        let said: Vec<String> = tail
            .iter()
            .map(|wd| {
                wd.split('>')
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches("</word")
                    .to_string()
            })
            .collect();
        assert_eq!(
            said,
            ["Page", &p.to_string(), "of", &n.to_string()],
            "page {p}"
        );
        for wd in &tail {
            assert!(
                attr(wd, "xMin") >= 0.0
                    && attr(wd, "xMax") <= w + 0.5
                    && attr(wd, "yMin") >= 0.0
                    && attr(wd, "yMax") <= h + 0.5,
                "page {p} ({w} x {h}): a word of the stamp is off the page: {wd}"
            );
        }
    }
}

#[test]
fn a_cut_off_jpeg_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let mut jpg = jpeg(300, 200);
    jpg.truncate(jpg.len() / 2);
    jpg.resize(jpg.len() + 1000, 0);
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("photo.jpg", jpg),
        ],
    );
    let o = run_build(&recs, &tmp.path().join("p.pdf"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("photo.jpg: damaged JPEG") && err.contains("cut off"),
        "{err}"
    );
}

#[test]
fn names_the_font_cannot_draw_are_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            (
                "packet.toml",
                "[patient]\nname = \"王小明 (Wang Xiaoming)\"\n"
                    .as_bytes()
                    .to_vec(),
            ),
            (
                "a.pdf",
                simple_pdf("LAB RESULTS", &["Collected: 2025-01-01"]),
            ),
        ],
    );
    let report = json(&run_build(&recs, &tmp.path().join("p.pdf"), &[]));
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("王小明") && warnings.contains("Latin letters"),
        "{warnings}"
    );
}

/// The words of every page of `pdf` with their boxes, as pdftotext sees each page
/// displayed (crop box): its `-bbox` HTML.
fn bbox_html(pdf: &Path) -> String {
    let bbox = std::process::Command::new("pdftotext")
        .args(["-bbox", "-cropbox"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("bbox");
    String::from_utf8_lossy(&bbox.stdout).into_owned()
}

/// Every page's stamp, as pdftotext sees the page displayed (crop box, /Rotate): flat,
/// full size, centred, at the bottom, and ending inside the page.
fn assert_stamps_placed(out: &Path) {
    let doc = Document::load(out).expect("load");
    let pages = doc.get_pages();
    let dict = |p: u32| doc.get_dictionary(pages[&p]).expect("page");
    let html = bbox_html(out);
    let total = pages.len();
    for (i, chunk) in html.split("<page ").skip(1).enumerate() {
        let p = i as u32 + 1;
        let rot = dict(p).get(b"Rotate").and_then(Object::as_i64).unwrap_or(0);
        let (w, h) = (attr(chunk, "width"), attr(chunk, "height"));
        let (shown_w, shown_h) = if rot % 180 == 90 { (h, w) } else { (w, h) };
        let words: Vec<&str> = chunk.split("<word ").skip(1).collect();
        let page_word = words
            .iter()
            .rev()
            .find(|wd| wd.contains(">Page<"))
            .unwrap_or_else(|| panic!("no stamp on page {p}"));
        let last_word = words
            .iter()
            .rev()
            .find(|wd| wd.contains(&format!(">{total}<")))
            .expect("N of the stamp");
        let (x0, y0, x1, y1) = (
            attr(page_word, "xMin"),
            attr(page_word, "yMin"),
            attr(page_word, "xMax"),
            attr(page_word, "yMax"),
        );
        assert!(
            x1 - x0 > y1 - y0,
            "page {p}: stamp is not horizontal as displayed"
        );
        assert!(
            y1 - y0 > 6.0,
            "page {p}: stamp text was shrunk by the page's own content"
        );
        assert!(
            attr(last_word, "xMax") > shown_w * 0.6,
            "page {p}: stamp is not centred across the page"
        );
        assert!(
            y1 > shown_h - 30.0 && y1 <= shown_h + 0.5,
            "page {p}: stamp not at the displayed bottom ({y1} of {shown_h})"
        );
        assert!(
            attr(last_word, "xMax") <= shown_w + 0.5,
            "page {p}: \"of N\" runs off the page"
        );
    }
}
