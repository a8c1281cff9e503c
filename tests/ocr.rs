//! Scanned records read with Tesseract: scans generated here (a clean 300 dpi page, a
//! noisy skewed one, pages turned 90° and 180°, a 2-page G4 fax, an image-only PDF, a phone
//! photo with EXIF orientation 6, a Spanish report) are typed and dated from their text,
//! carry a searchable text layer where their words show, are shown upright, and are read
//! once: a rebuild runs no engine. One packet is built and shared by the assertions.
//!
//! Needs `tesseract` (eng + spa), `pdftoppm` and `pdftotext`: without them the tests print
//! SKIPPED, and fail under MEDPACKET_REQUIRE_TOOLS=1.

#[path = "support/scans.rs"]
mod scans;
mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use support::medpacket;

/// What the shared build produced.
struct Shared {
    _records: tempfile::TempDir,
    out: tempfile::TempDir,
    records: PathBuf,
    build: Value,
    rebuild: Value,
    scan: Value,
    check: Value,
    /// Engine runs (page readings) after the cold build, the rebuild, and scan + check.
    runs: [usize; 3],
    /// Per file: the words drawn on each page (in the image as stored) and the pixels.
    drawn: HashMap<&'static str, Vec<scans::Scan>>,
}

const PACKET_TOML: &str = "[patient]\nname = \"Rosa Delgado-Whitfield\"\ndate_of_birth = 1971-06-30\n\n[history]\nhad_surgery = true\nhospitalized = true\n\n[request]\nprofile = \"oncology\"\n\n[ocr]\nlanguages = [\"eng\", \"spa\"]\n";

/// (file, report stem, how it is made)
const FILES: [(&str, &str); 8] = [
    ("scans/pathology-fax.tif", "fax-pathology"),
    ("clean.png", "consult"),
    ("crooked.png", "operative"),
    ("sideways.png", "discharge"),
    ("upside-down.png", "imaging"),
    ("office-scan.pdf", "labs"),
    ("phone.jpg", "plan"),
    ("informe.png", "informe-patologia"),
];

fn report(stem: &str) -> (&'static str, &'static str, Vec<&'static str>) {
    scans::reports()
        .into_iter()
        .find(|r| r.0 == stem)
        .map(|(_, k, d, l)| (k, d, l))
        .expect("a known report")
}

/// A program that counts its page readings in `count` and runs the real engine.
fn counting_engine(dir: &Path, count: &Path) -> PathBuf {
    let real = std::env::split_paths(&std::env::var_os("PATH").expect("PATH"))
        .map(|d| d.join("tesseract"))
        .find(|p| p.is_file())
        .expect("tesseract on PATH");
    let script = dir.join("tesseract-counting");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in --version|--list-langs) ;; *) echo run >> '{}' ;; esac\nexec '{}' \"$@\"\n",
            count.display(),
            real.display()
        ),
    )
    .expect("write the wrapper");
    make_executable(&script);
    script
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn runs(count: &Path) -> usize {
    std::fs::read_to_string(count)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn json(o: &Output, what: &str) -> Value {
    assert!(
        o.status.success() || o.status.code() == Some(1),
        "{what} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// Makes the scans, in parallel.
/// The files of the records folder, and the pages drawn in each.
type Made = (
    Vec<(&'static str, Vec<u8>)>,
    HashMap<&'static str, Vec<scans::Scan>>,
);

fn make_scans() -> Made {
    let made: Vec<(&'static str, Vec<u8>, Vec<scans::Scan>)> = std::thread::scope(|s| {
        let handles: Vec<_> = FILES
            .iter()
            .map(|&(file, stem)| {
                s.spawn(move || {
                    let (_, _, lines) = report(stem);
                    match file {
                        "scans/pathology-fax.tif" => {
                            let p1 = scans::render(&lines, 200, 12.0);
                            let p2 = scans::render(
                                &[
                                    "SURGICAL PATHOLOGY REPORT (continued)",
                                    "Comment: Results discussed with the ordering physician",
                                    "Electronically signed by Dr. Imani Okafor, pathologist",
                                ],
                                200,
                                12.0,
                            );
                            let bytes = scans::g4_tiff(&[&p1, &p2]);
                            (file, bytes, vec![p1, p2])
                        }
                        "clean.png" => {
                            let p = scans::render(&lines, 300, 12.0);
                            (file, scans::png(&p), vec![p])
                        }
                        "informe.png" => {
                            let p = scans::render(&lines, 200, 12.0);
                            (file, scans::png(&p), vec![p])
                        }
                        "crooked.png" => {
                            let p = scans::noisy_skewed(&scans::render(&lines, 200, 12.0), 1.5, 7);
                            (file, scans::png(&p), vec![p])
                        }
                        "sideways.png" => {
                            let p = scans::turned(&scans::render(&lines, 200, 12.0), 1);
                            (file, scans::png(&p), vec![p])
                        }
                        "upside-down.png" => {
                            let p = scans::turned(&scans::render(&lines, 200, 12.0), 2);
                            (file, scans::png(&p), vec![p])
                        }
                        "office-scan.pdf" => {
                            // Fed in sideways: the page is landscape, its text turned.
                            let p = scans::turned(&scans::render(&lines, 200, 12.0), 1);
                            (file, scans::image_pdf(&p), vec![p])
                        }
                        "phone.jpg" => {
                            // Stored a quarter turn anticlockwise; EXIF 6 shows it upright.
                            let p = scans::turned(&scans::render(&lines, 200, 12.0), 3);
                            (file, scans::jpeg(&p, 6), vec![p])
                        }
                        other => panic!("no recipe for {other}"),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("scan made"))
            .collect()
    });
    let mut files = Vec::new();
    let mut drawn = HashMap::new();
    for (file, bytes, pages) in made {
        files.push((file, bytes));
        drawn.insert(file, pages);
    }
    (files, drawn)
}

fn tools_present() -> bool {
    support::require_tool("tesseract")
        && support::require_tool("pdftoppm")
        && support::require_tool("pdftotext")
}

fn shared() -> Option<&'static Shared> {
    static SHARED: OnceLock<Option<Shared>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            if !tools_present() {
                return None;
            }
            let records_dir = tempfile::tempdir().expect("temp dir");
            let records = records_dir.path().join("records");
            let out = tempfile::tempdir().expect("temp dir");
            let t0 = std::time::Instant::now();
            let (files, drawn) = make_scans();
            eprintln!(
                "ocr tests: scans made in {:.1} s",
                t0.elapsed().as_secs_f64()
            );
            let mut all: Vec<(&str, Vec<u8>)> = files;
            all.push(("packet.toml", PACKET_TOML.as_bytes().to_vec()));
            support::write_files(&records, &all);
            let count = out.path().join("runs.txt");
            let engine = counting_engine(out.path(), &count);
            let cache = out.path().join("cache");
            let run = |args: &[&str], engine: &Path| -> Output {
                medpacket()
                    .args(args)
                    .env("MEDPACKET_TESSERACT", engine)
                    .env("MEDPACKET_CACHE_DIR", &cache)
                    .output()
                    .expect("medpacket runs")
            };
            let o = |name: &str| out.path().join(name).display().to_string();
            let dir = records.display().to_string();
            let cold = run(&["build", &dir, "-o", &o("packet.pdf"), "--json"], &engine);
            eprintln!(
                "ocr tests: builds done at {:.1} s",
                t0.elapsed().as_secs_f64()
            );
            let build = json(&cold, "build");
            let after_cold = runs(&count);
            // packet.toml edited: the rebuild reads no scan again.
            let edited = format!(
                "{PACKET_TOML}\n[diagnosis]\nsummary = \"Left breast invasive ductal carcinoma\"\n"
            );
            std::fs::write(records.join("packet.toml"), edited).expect("edit packet.toml");
            let rebuild = json(
                &run(&["build", &dir, "-o", &o("rebuilt.pdf"), "--json"], &engine),
                "rebuild",
            );
            let after_rebuild = runs(&count);
            let (scan, check) = std::thread::scope(|s| {
                let scan = s.spawn(|| run(&["scan", &dir, "--json"], &engine));
                let check = s.spawn(|| run(&["check", &dir, "--json"], &engine));
                (
                    json(&scan.join().expect("scan"), "scan"),
                    json(&check.join().expect("check"), "check"),
                )
            });
            eprintln!("ocr tests: all done at {:.1} s", t0.elapsed().as_secs_f64());
            Some(Shared {
                _records: records_dir,
                runs: [after_cold, after_rebuild, runs(&count)],
                records,
                out,
                build,
                rebuild,
                scan,
                check,
                drawn,
            })
        })
        .as_ref()
}

fn file_json<'a>(scan: &'a Value, path: &str) -> &'a Value {
    scan["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the scan: {scan}"))
}

fn first_page(build: &Value, path: &str) -> u32 {
    build["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["path"] == path)
        .and_then(|d| d["first_page"].as_u64())
        .unwrap_or_else(|| panic!("{path} not in the packet: {build}")) as u32
}

#[test]
fn faxed_pathology_report_is_typed_and_dated_from_its_text_so_check_counts_it() {
    let Some(s) = shared() else { return };
    let fax = file_json(&s.scan, "scans/pathology-fax.tif");
    assert_eq!(fax["kind"], "pathology-report", "{fax}");
    assert_eq!(fax["date"], "2025-03-14", "{fax}");
    assert_eq!(fax["pages"], 2);
    let ocr: Vec<&Value> = fax["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["source"] == "ocr")
        .collect();
    assert!(
        ocr.iter().any(|e| e["field"] == "kind") && ocr.iter().any(|e| e["field"] == "date"),
        "{fax}"
    );
    for e in ocr {
        assert!(
            e["engine"]
                .as_str()
                .is_some_and(|v| v.starts_with("tesseract 5") || v.starts_with("tesseract 4")),
            "{e}"
        );
    }
    assert_eq!(fax["ocr"]["pages"], serde_json::json!([1, 2]), "{fax}");
    let path = s.check["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["kind"] == "pathology-report")
        .expect("oncology requires pathology");
    assert_eq!(path["present"], true, "{}", s.check);
    assert!(
        path["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f == "scans/pathology-fax.tif"),
        "{path}"
    );
}

#[test]
fn every_scan_is_typed_and_dated_from_the_words_read() {
    let Some(s) = shared() else { return };
    let mut wrong = Vec::new();
    for (file, stem) in FILES {
        let (kind, date, _) = report(stem);
        let f = file_json(&s.scan, file);
        if f["kind"] != kind || f["date"] != date {
            wrong.push(format!(
                "{file}: {} {} (want {kind} {date}); evidence {}",
                f["kind"], f["date"], f["evidence"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Text of packet page `page` as pdftotext reads it.
fn page_words(pdf: &Path, page: u32) -> Vec<String> {
    let text = support::pdftotext_page(pdf, page).expect("pdftotext present");
    scans::words_of(&text)
}

#[test]
fn the_text_layer_holds_the_words_of_each_scanned_page() {
    let Some(s) = shared() else { return };
    let pdf = s.out.path().join("packet.pdf");
    let mut low = Vec::new();
    for (file, stem) in FILES {
        let first = first_page(&s.build, file);
        let pages = s.drawn.get(file).expect("drawn");
        for (i, p) in pages.iter().enumerate() {
            let expected: Vec<String> = p
                .words
                .iter()
                .flat_map(|d| scans::words_of(&d.text))
                .collect();
            let found = page_words(&pdf, first + i as u32);
            let r = scans::recall(&expected, &found);
            // The clean page must read (almost) whole; the others most of their words.
            let want = if file == "clean.png" { 0.95 } else { 0.8 };
            eprintln!("{file} page {}: recall {r:.3}", i + 1);
            if r < want {
                low.push(format!(
                    "{file} ({stem}) page {}: recall {r:.2} < {want}: {found:?}",
                    i + 1
                ));
            }
        }
    }
    assert!(low.is_empty(), "{}", low.join("\n"));
}

#[test]
fn searched_words_are_found_where_the_scan_shows_them() {
    let Some(s) = shared() else { return };
    let pdf = s.out.path().join("packet.pdf");
    let page = first_page(&s.build, "clean.png");
    let Some(found) = support::pdftotext_words(&pdf, page) else {
        return;
    };
    let scan = &s.drawn["clean.png"][0];
    // The image is fitted inside 36 pt margins on a Letter page, centred.
    let (w, h) = (scan.image.width() as f32, scan.image.height() as f32);
    let scale = (540.0 / w).min(720.0 / h);
    let (left, top) = ((612.0 - w * scale) / 2.0, (792.0 - h * scale) / 2.0);
    let slack = 2.0;
    let mut placed = 0;
    let mut misplaced = Vec::new();
    for d in &scan.words {
        let want = scans::words_of(&d.text).join(" ");
        let r = [
            left + d.rect[0] * scale - slack,
            top + d.rect[1] * scale - slack,
            left + d.rect[2] * scale + slack,
            top + d.rect[3] * scale + slack,
        ];
        let hit = found.iter().any(|w| {
            let b = w.b;
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            scans::words_of(&w.text).join(" ") == want
                && cx >= r[0]
                && cx <= r[2]
                && cy >= r[1]
                && cy <= r[3]
        });
        if hit {
            placed += 1;
        } else {
            misplaced.push(format!("{} at {r:?}", d.text));
        }
    }
    let share = placed as f64 / scan.words.len() as f64;
    assert!(
        share >= 0.9,
        "{share:.2} of the words sit on their drawn boxes; not: {misplaced:?}"
    );
}

/// The image matrix (`cm` before `Do`) and the media box of a packet page.
fn image_placement(pdf: &Path, page: u32) -> ([f32; 6], [f32; 4], i64) {
    let doc = lopdf::Document::load(pdf).expect("packet parses");
    let id = *doc.get_pages().get(&page).expect("page");
    let content =
        lopdf::content::Content::decode(&doc.get_page_content(id)).expect("content parses");
    let mut last_cm = None;
    let mut matrix = None;
    for op in &content.operations {
        match op.operator.as_str() {
            "cm" => {
                let v: Vec<f32> = op
                    .operands
                    .iter()
                    .map(|o| o.as_float().expect("number"))
                    .collect();
                last_cm = Some([v[0], v[1], v[2], v[3], v[4], v[5]]);
            }
            "Do" if matrix.is_none() => matrix = last_cm,
            _ => {}
        }
    }
    let dict = doc.get_dictionary(id).expect("page dict");
    let media: Vec<f32> = dict
        .get(b"MediaBox")
        .and_then(|m| m.as_array())
        .expect("media box")
        .iter()
        .map(|v| v.as_float().expect("number"))
        .collect();
    let rotate = dict.get(b"Rotate").and_then(|r| r.as_i64()).unwrap_or(0);
    (
        matrix.expect("the page draws its image"),
        [media[0], media[1], media[2], media[3]],
        rotate,
    )
}

#[test]
fn sideways_upside_down_and_phone_pages_are_shown_upright() {
    let Some(s) = shared() else { return };
    let pdf = s.out.path().join("packet.pdf");
    // (file, signs of the matrix a, b, c, d): the turn that shows the stored image upright.
    let cases = [
        ("clean.png", [1, 0, 0, 1]),
        // Stored a quarter turn clockwise: turned back a quarter anticlockwise.
        ("sideways.png", [0, 1, -1, 0]),
        ("upside-down.png", [-1, 0, 0, -1]),
        // EXIF 6 (and the words) say: a quarter turn clockwise.
        ("phone.jpg", [0, -1, 1, 0]),
    ];
    for (file, signs) in cases {
        let page = first_page(&s.build, file);
        let (m, media, rotate) = image_placement(&pdf, page);
        let got =
            [m[0], m[1], m[2], m[3]].map(|v| if v.abs() < 1e-3 { 0 } else { v.signum() as i32 });
        assert_eq!(got, signs, "{file}: matrix {m:?}");
        assert_eq!(rotate, 0, "{file}");
        assert!(
            media[2] - media[0] < media[3] - media[1],
            "{file}: portrait page {media:?}"
        );
    }
    // The words of the sideways page read in order, as a person reads the page.
    let page = first_page(&s.build, "sideways.png");
    let text = support::pdftotext_page(&pdf, page).expect("pdftotext");
    assert!(text.contains("Discharge Date: 04/04/2025"), "{text}");
    // A PDF page scanned sideways is turned by /Rotate; its words read in order too.
    let page = first_page(&s.build, "office-scan.pdf");
    let doc = lopdf::Document::load(&pdf).expect("packet parses");
    let dict = doc
        .get_dictionary(*doc.get_pages().get(&page).expect("page"))
        .expect("page dict");
    assert_eq!(dict.get(b"Rotate").and_then(|r| r.as_i64()).ok(), Some(270));
    let text = support::pdftotext_page(&pdf, page).expect("pdftotext");
    assert!(text.contains("Collected: 03/01/2025"), "{text}");
}

#[test]
fn a_rebuild_after_editing_packet_toml_reads_no_scan_twice() {
    let Some(s) = shared() else { return };
    let pages: usize = s.drawn.values().map(Vec::len).sum();
    assert_eq!(s.runs[0], pages, "one engine run per scanned page");
    assert_eq!(s.runs[1], pages, "the rebuild ran the engine");
    assert_eq!(s.runs[2], pages, "scan or check ran the engine");
    // The rebuilt packet is the same packet, with the same text.
    assert_eq!(s.rebuild["pages"], s.build["pages"]);
    let page = first_page(&s.rebuild, "clean.png");
    let a = support::pdftotext_page(&s.out.path().join("packet.pdf"), page);
    let b = support::pdftotext_page(&s.out.path().join("rebuilt.pdf"), page);
    assert_eq!(a, b);
    assert!(!s.records.join(".cache").exists());
}

#[test]
fn ocr_never_packs_scans_as_before_and_a_missing_engine_says_how_to_install_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("records");
    one_scan(&records, "[patient]\nname = \"Ana Ruiz\"\n");
    let count = dir.path().join("runs.txt");
    let engine = support::tool_available("tesseract").then(|| counting_engine(dir.path(), &count));
    let build = |name: &str, ocr: &str, engine: Option<&Path>| -> Output {
        medpacket()
            .args([
                "build",
                &records.display().to_string(),
                "--json",
                "--ocr",
                ocr,
                "-o",
            ])
            .arg(dir.path().join(name))
            .env(
                "MEDPACKET_TESSERACT",
                engine.unwrap_or(Path::new("/nonexistent/tesseract")),
            )
            .env("MEDPACKET_CACHE_DIR", dir.path().join("cache"))
            .output()
            .expect("runs")
    };
    let (never, missing, auto) = std::thread::scope(|s| {
        let never = s.spawn(|| build("never.pdf", "never", engine.as_deref()));
        let missing = s.spawn(|| build("missing.pdf", "auto", None));
        let auto = s.spawn(|| {
            engine
                .as_deref()
                .map(|e| build("auto.pdf", "auto", Some(e)))
        });
        (
            json(&never.join().expect("never"), "never"),
            json(&missing.join().expect("missing"), "missing"),
            auto.join().expect("auto"),
        )
    });
    let bytes = |name: &str| std::fs::read(dir.path().join(name)).expect("packet written");
    assert!(
        bytes("never.pdf") == bytes("missing.pdf"),
        "--ocr never and no engine pack the same bytes"
    );
    assert!(
        !never["warnings"].to_string().contains("not read"),
        "--ocr never is silent: {never}"
    );
    // Warnings are objects {path, page, what}; this one concerns no file in particular.
    let warnings: Vec<&str> = missing["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w["what"].as_str())
        .filter(|w| w.contains("not read"))
        .collect();
    assert_eq!(
        warnings,
        ["1 scanned page(s) were not read (op.png): MEDPACKET_TESSERACT names /nonexistent/tesseract, which is not a program — install it with: sudo apt-get install tesseract-ocr tesseract-ocr-eng"],
        "{missing}"
    );
    let page = first_page(&never, "op.png");
    if let Some(text) = support::pdftotext_page(&dir.path().join("never.pdf"), page) {
        assert!(
            !text.contains("OPERATIVE"),
            "no text layer without OCR: {text}"
        );
    }
    // With the engine, the same page reads; --ocr never ran it not once.
    if let Some(auto) = auto {
        let auto = json(&auto, "auto");
        assert_eq!(runs(&count), 1);
        assert_eq!(first_page(&auto, "op.png"), page);
        if let Some(text) = support::pdftotext_page(&dir.path().join("auto.pdf"), page) {
            assert!(text.contains("OPERATIVE REPORT"), "{text}");
        }
    } else {
        assert!(!support::require_tool("tesseract"));
    }
}

/// A records folder with one small scan, for the quick tests.
fn one_scan(dir: &Path, toml: &str) {
    let p = scans::render(
        &["OPERATIVE REPORT", "Date of Surgery: 04/02/2025"],
        150,
        12.0,
    );
    support::write_files(
        dir,
        &[
            ("op.png", scans::png(&p)),
            ("packet.toml", toml.as_bytes().to_vec()),
        ],
    );
}

#[test]
fn ocr_always_without_the_engine_stops_with_the_install_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    one_scan(dir.path(), "[patient]\nname = \"Ana Ruiz\"\n");
    for cmd in ["scan", "check", "build"] {
        let o = medpacket()
            .args([cmd, &dir.path().display().to_string(), "--ocr", "always"])
            .current_dir(dir.path())
            .env("MEDPACKET_TESSERACT", "/nonexistent/tesseract")
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("1 scanned page(s) need reading (op.png)")
                && err.contains("sudo apt-get install tesseract-ocr tesseract-ocr-eng"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn a_language_without_its_data_names_the_debian_package() {
    if !support::require_tool("tesseract") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    one_scan(
        dir.path(),
        "[patient]\nname = \"Ana Ruiz\"\n[ocr]\nlanguages = [\"eng\", \"zzz_nodata\"]\n",
    );
    let o = medpacket()
        .args(["scan", &dir.path().display().to_string()])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("packet.toml")
            && err.contains("sudo apt-get install tesseract-ocr-zzz-nodata"),
        "{err}"
    );
}

#[test]
fn a_hung_engine_is_stopped_and_its_page_packed_unread() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tools = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("records");
    one_scan(&records, "[patient]\nname = \"Ana Ruiz\"\n");
    let engine = tools.path().join("tesseract");
    std::fs::write(
        &engine,
        "#!/bin/sh\ncase \"$1\" in\n--version) echo 'tesseract 5.9.9' ;;\n--list-langs) printf 'List of available languages in \"/x/\" (1):\\neng\\n' ;;\n*) exec sleep 30 ;;\nesac\n",
    )
    .expect("write");
    make_executable(&engine);
    let started = std::time::Instant::now();
    let o = medpacket()
        .args(["build", &records.display().to_string(), "-o"])
        .arg(dir.path().join("p.pdf"))
        .arg("--json")
        .env("MEDPACKET_TESSERACT", &engine)
        .env("MEDPACKET_OCR_TIMEOUT", "1")
        .env("MEDPACKET_CACHE_DIR", tools.path().join("cache"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("op.png") && notes.contains("not read by OCR") && notes.contains("1 s"),
        "{v}"
    );
    assert_eq!(v["documents"][0]["path"], "op.png");
}
