//! `medpacket serve` offers what the commands do: the build's choices (language, fax and
//! its sends, size limit and parts, one file per document, the ZIP bundle) reach the files
//! written and every one of them is offered for download; removing a file takes its
//! packet.toml entry too; imaging studies, identifier warnings and the to-do list show;
//! the page appears while scans are read, with their progress. Spoken to over plain HTTP
//! (the browser's part is in tests/serve_browser.rs).

#[path = "support/scans.rs"]
mod scans;
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::server::Server;
use support::{dicom, require_tool, sha256_hex, simple_pdf, write_files};

const CONFIG: &str = "[patient]\nname = \"Ada Quist\"\ndate_of_birth = 1964-02-11\n\n[recipient]\nname = \"Dr. Lena Ortiz\"\nfax = \"(206) 555-0191\"\n";

/// Three one-page reports and packet.toml.
fn three_reports(dir: &Path) {
    write_files(
        dir,
        &[
            ("packet.toml", CONFIG.as_bytes().to_vec()),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Patient: Ada Quist", "Date of Procedure: 03/14/2025"],
                ),
            ),
            (
                "discharge.pdf",
                simple_pdf(
                    "DISCHARGE SUMMARY",
                    &["Patient: Ada Quist", "Discharge Date: 04/02/2025"],
                ),
            ),
            (
                "labs.pdf",
                simple_pdf(
                    "LABORATORY REPORT",
                    &["Patient: Ada Quist", "Collected: 01/15/2025"],
                ),
            ),
        ],
    );
}

/// POST /build with `fields`, then waits for the build to end; returns the page.
fn build(s: &Server, fields: &[(&str, &str)]) -> String {
    assert_eq!(s.post_form("/build", fields).status, 303);
    let t = Instant::now();
    loop {
        let st = s.get("/build/status").text();
        if !st.contains("\"running\"") {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(180),
            "the build never ends"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    s.page()
}

/// The `/download/N` links of the page, in order.
fn download_links(page: &str) -> Vec<String> {
    page.split("href=\"/download/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|id| format!("/download/{id}"))
        .collect()
}

fn packets(tmp: &Path) -> PathBuf {
    tmp.join("records-packets")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|e| {
            e.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn pdftotext(pdf: &Path) -> Option<String> {
    if !require_tool("pdftotext") {
        return None;
    }
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(o.status.success(), "pdftotext {}", pdf.display());
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn spanish_fax_in_sends_with_a_bundle_reaches_the_files_and_each_is_offered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    let s = Server::start(&dir, &[]);
    let page = s.page();
    for id in [
        "build-lang",
        "build-fax",
        "build-fax-pages",
        "build-max-size",
        "build-per-document",
        "build-bundle",
    ] {
        assert!(
            page.contains(&format!("<label for=\"{id}\">")),
            "{id} has its label"
        );
    }
    let page = build(
        &s,
        &[
            ("lang", "es"),
            ("fax", "on"),
            ("fax_pages", "3"),
            ("bundle", "on"),
        ],
    );
    let out = packets(tmp.path());
    let names = names_in(&out);
    let sends: Vec<&String> = names.iter().filter(|n| n.contains("-send-")).collect();
    assert!(
        sends.len() >= 2,
        "a fax of at most 3 pages per send: {names:?}"
    );
    assert!(
        names.iter().all(|n| !n.ends_with("2026-01-01.pdf")),
        "no whole packet beside its sends: {names:?}"
    );
    let zip_name = "second-opinion-packet-ada-quist-2026-01-01.zip";
    assert!(names.iter().any(|n| n == zip_name), "{names:?}");

    // Every file written is on the page, once, and downloads as written.
    let links = download_links(&page);
    assert_eq!(links.len(), sends.len() + 1, "{page}");
    for (link, name) in links
        .iter()
        .zip(sends.iter().map(|s| s.as_str()).chain([zip_name]))
    {
        let d = s.get(link);
        assert_eq!(d.status, 200, "{link}");
        assert_eq!(
            d.body,
            std::fs::read(out.join(name)).expect("file"),
            "{link}"
        );
        assert!(
            d.header("content-disposition")
                .is_some_and(|v| v.starts_with("attachment") && v.contains("filename=")),
            "{link}"
        );
        let zip = name.ends_with(".zip");
        assert_eq!(
            d.header("content-type"),
            Some(if zip {
                "application/zip"
            } else {
                "application/pdf"
            })
        );
    }
    assert!(
        page.contains("One fax send") && page.contains("ZIP bundle"),
        "{page}"
    );
    // The bundle is only ever a download, never shown in the browser.
    let bundle_view = s.get(&links[links.len() - 1].replace("/download/", "/view/"));
    assert!(bundle_view
        .header("content-disposition")
        .is_some_and(|v| v.starts_with("attachment")));

    // The fax sends are in Spanish, with the fax cover.
    if let Some(text) = pdftotext(&out.join(sends[0])) {
        assert!(text.contains("Envío") && text.contains("Páginas"), "{text}");
    }
    let all: String = sends
        .iter()
        .filter_map(|n| pdftotext(&out.join(n)))
        .collect();
    if !all.is_empty() {
        assert!(all.contains("Índice"), "{all}");
    }

    // The bundle's manifest lists every member with its checksum, and they agree.
    let bytes = std::fs::read(out.join(zip_name)).expect("zip");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut manifest = Vec::new();
    z.by_name("manifest.json")
        .expect("manifest.json")
        .read_to_end(&mut manifest)
        .expect("read");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).expect("JSON");
    let members = manifest["members"].as_array().expect("members");
    assert!(members.len() >= sends.len() + 3, "{manifest}");
    for m in members {
        let path = m["path"].as_str().expect("path");
        let mut data = Vec::new();
        z.by_name(path)
            .unwrap_or_else(|_| panic!("{path} is in the ZIP"))
            .read_to_end(&mut data)
            .expect("read member");
        assert_eq!(
            m["sha256"].as_str(),
            Some(sha256_hex(&data).as_str()),
            "{path}"
        );
    }
    for send in &sends {
        assert!(
            members
                .iter()
                .any(|m| m["path"].as_str() == Some(send.as_str())),
            "{send} is in the bundle"
        );
    }

    // The Build form shows the choices made.
    assert!(
        page.contains("<option value=\"es\" lang=\"es\" selected>Español</option>"),
        "{page}"
    );
    assert!(
        page.contains("id=\"build-fax\" name=\"fax\" aria-describedby=\"build-fax-hint\" checked")
    );

    // A second build does not overwrite or mix with the first one's files.
    build(&s, &[("lang", "es"), ("fax", "on"), ("fax_pages", "3")]);
    let again = names_in(&out);
    assert!(
        again.iter().any(|n| n.contains("(2)-send-1-of-")),
        "{again:?}"
    );
    for n in &names {
        assert!(again.contains(n), "{n} is still there");
    }
}

/// A colour photo that stays large as a JPEG (noise, 2250 × 1500).
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

#[test]
fn a_size_limit_cuts_parts_and_one_file_per_document_is_offered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    write_files(
        &dir,
        &[
            ("photo-1.jpg", colour_photo(1)),
            ("photo-2.jpg", colour_photo(2)),
        ],
    );
    // packet.toml's limit fills in the field.
    let toml = format!("{CONFIG}\n[send]\nmax_size = \"1.5MB\"\n");
    std::fs::write(dir.join("packet.toml"), toml).expect("toml");
    let s = Server::start(&dir, &[]);
    let page = s.page();
    assert!(
        page.contains("name=\"max_size\" value=\"1500KB\""),
        "{page}"
    );
    assert!(page.contains("Your packet.toml says 1500KB."));

    // A wrong limit is named, and nothing is built.
    let refused = build(&s, &[("max_size", "big")]);
    assert!(
        refused.contains(
            "role=\"alert\" tabindex=\"-1\"><p>The packet was not built. Largest file: \"big\""
        ),
        "{refused}"
    );
    assert!(names_in(&packets(tmp.path())).is_empty());

    let page = build(&s, &[("max_size", "1.5MB"), ("per_document", "on")]);
    let out = packets(tmp.path());
    let names = names_in(&out);
    let parts: Vec<&String> = names.iter().filter(|n| n.contains("-part-")).collect();
    assert!(parts.len() >= 2, "{names:?}\n{page}");
    for p in &parts {
        let len = std::fs::metadata(out.join(p)).expect("part").len();
        assert!(len <= 1_500_000, "{p}: {len} bytes");
    }
    let docs_dir = out.join("second-opinion-packet-ada-quist-2026-01-01-documents");
    let docs = names_in(&docs_dir);
    assert!(
        docs.contains(&"00-cover-and-index.pdf".to_string()),
        "{docs:?}"
    );
    assert_eq!(
        docs.len(),
        6,
        "cover and index, then the five records: {docs:?}"
    );
    let links = download_links(&page);
    assert_eq!(links.len(), parts.len() + docs.len(), "{page}");
    assert!(page.contains("Part of the packet") && page.contains("One document"));
    assert!(page.contains("send them all, in order"), "{page}");
    let last = s.get(&links[links.len() - 1]);
    assert_eq!(last.status, 200);
    assert_eq!(last.header("content-type"), Some("application/pdf"));
    assert!(docs
        .iter()
        .any(|d| std::fs::read(docs_dir.join(d)).ok() == Some(last.body.clone())));

    // Emptying the field builds one file, whatever packet.toml says.
    let page = build(&s, &[("max_size", "")]);
    assert!(page.contains(">Download packet</a>"), "{page}");
    assert!(out
        .join("second-opinion-packet-ada-quist-2026-01-01 (2).pdf")
        .is_file());
}

#[test]
fn wrong_choices_are_named_and_build_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    let s = Server::start(&dir, &[]);
    let page = build(&s, &[("lang", "fr"), ("fax", "on"), ("fax_pages", "1")]);
    assert!(page.contains("Language: unknown language \"fr\""), "{page}");
    assert!(page.contains("Pages per fax send: \"1\""), "{page}");
    assert!(names_in(&packets(tmp.path())).is_empty());
    // Without a Content-Type the form is not read, and that is said too.
    let (c, o) = (s.cookie(), s.origin());
    let r = s.request("POST", "/build", &[("Cookie", &c), ("Origin", &o)], b"x");
    assert_eq!(r.status, 303);
    assert!(s.page().contains("the form did not arrive whole"));
}

#[test]
fn removing_a_file_takes_its_packet_toml_entry_and_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    let toml = format!(
        "{CONFIG}\n# corrected by hand\n[[documents]]\npath = \"labs.pdf\" # the January draw\nkind = \"lab-results\"\ndate = 2025-01-15\n\n# the surgery\n[[documents]]\npath = \"path.pdf\"\ntitle = \"Mastectomy pathology\"\n"
    );
    std::fs::write(dir.join("packet.toml"), &toml).expect("toml");
    let s = Server::start(&dir, &[]);
    assert_eq!(s.post_form("/remove", &[("path", "labs.pdf")]).status, 303);
    let page = s.page();
    assert!(
        page.contains("Moved labs.pdf into removed/labs.pdf.")
            && page.contains("Its entry in packet.toml (its kind, date or title) was removed too"),
        "{page}"
    );
    assert!(dir.join("removed/labs.pdf").is_file());
    let now = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(
        !now.contains("labs.pdf") && !now.contains("the January draw"),
        "{now}"
    );
    assert!(
        now.contains("# corrected by hand") && now.contains("# the surgery"),
        "{now}"
    );
    assert!(now.contains("title = \"Mastectomy pathology\""), "{now}");
    assert!(now.starts_with(CONFIG), "{now}");
    // No warning about an entry that matches no file.
    assert!(!page.contains("matches no file"), "{page}");

    // A file without an entry: the notice says nothing about packet.toml.
    assert_eq!(
        s.post_form("/remove", &[("path", "discharge.pdf")]).status,
        303
    );
    let page = s.page();
    assert!(page.contains("Moved discharge.pdf into removed/discharge.pdf."));
    assert!(!page.contains("Its entry in packet.toml"), "{page}");
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        now
    );

    // packet.toml that cannot be read: the file still moves, packet.toml is left as it
    // is, and the notice says what to delete by hand.
    let broken = format!("{now}\n[[documents]\n");
    std::fs::write(dir.join("packet.toml"), &broken).expect("toml");
    assert_eq!(s.post_form("/remove", &[("path", "path.pdf")]).status, 303);
    let page = s.page();
    assert!(
        page.contains("Its entry in packet.toml is still there (packet.toml cannot be read")
            && page.contains("delete the [[documents]] entry with path = \"path.pdf\""),
        "{page}"
    );
    assert!(dir.join("removed/path.pdf").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        broken
    );
}

fn study(patient: &str, birth: &str, uid: &str, date: &str, description: &str) -> Vec<u8> {
    dicom::image(
        &dicom::Image {
            patient,
            patient_id: "MRN-77",
            birth,
            study_uid: uid,
            series_uid: &format!("{uid}.1"),
            date,
            modality: "CT",
            description,
            body_part: "CHEST",
            charset: "",
        },
        64,
    )
}

#[test]
fn imaging_studies_identifier_warnings_and_the_todo_list_show() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    write_files(
        &dir,
        &[
            (
                "disc/IMAGES/IM1",
                study(
                    "Quist^Ada",
                    "19640211",
                    "2.25.1",
                    "20250210",
                    "CT CHEST W CONTRAST",
                ),
            ),
            (
                "disc/IMAGES/IM2",
                study(
                    "Quist^Ada",
                    "19640211",
                    "2.25.1",
                    "20250210",
                    "CT CHEST W CONTRAST",
                ),
            ),
            (
                "disc2/IMAGES/IM1",
                study("Vance^Rolf", "19500101", "2.25.2", "20240105", "CT HEAD"),
            ),
            (
                "insurance.pdf",
                simple_pdf(
                    "INSURANCE CARD",
                    &["Patient: Ada Quist", "SSN: 123-45-6789"],
                ),
            ),
        ],
    );
    let s = Server::start(&dir, &[]);
    let page = s.page();
    let table = page
        .split("<table class=\"files studies\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_else(|| panic!("a studies table: {page}"));
    assert!(table.contains("Imaging studies: 2"), "{table}");
    let ours = table
        .split("<tr class=")
        .find(|r| r.contains("CT CHEST W CONTRAST"))
        .expect("the patient's study");
    for cell in [
        ">2025-02-10<",
        ">CT<",
        "CT CHEST W CONTRAST (CHEST)",
        "<td class=\"num\">1</td>\n        <td class=\"num\">1</td>",
        ">None<",
    ] {
        assert!(ours.contains(cell), "{cell} in {ours}");
    }
    let other = table
        .split("<tr class=")
        .find(|r| r.contains("CT HEAD"))
        .expect("the other study");
    assert!(
        other.contains("Another patient")
            && other.contains(
                "The disc is for Rolf Vance (born 1950-01-01), not the patient in your details"
            ),
        "{other}"
    );
    assert!(table.contains("<th scope=\"col\">Problems</th>"));

    // Identifiers, masked, under their own heading in the checklist.
    let checklist = page.split("id=\"checklist\"").nth(1).expect("checklist");
    assert!(
        checklist.contains("Check these before you send it"),
        "{checklist}"
    );
    assert!(checklist.contains("***-**-6789") && !page.contains("123-45-6789"));
    // The to-do list `check` prints.
    assert!(
        checklist.contains("<ul class=\"todo\" id=\"todo\">"),
        "{checklist}"
    );

    // In Spanish, the page's new words are Spanish.
    let es = format!("{CONFIG}\n[request]\nlanguage = \"es\"\n");
    std::fs::write(dir.join("packet.toml"), es).expect("toml");
    let page = s.page();
    assert!(
        page.contains("Discos de imagen") && page.contains("Otro paciente"),
        "{page}"
    );
    assert!(page.contains("Opciones de este paquete"));
}

/// A tesseract that waits `seconds` before each page (its queries answer at once).
fn slow_engine(dir: &Path, seconds: u32) -> PathBuf {
    let p = dir.join("slow-tesseract");
    std::fs::write(
        &p,
        format!("#!/bin/sh\ncase \"$*\" in *--version*|*--list-langs*) exec tesseract \"$@\";; esac\nsleep {seconds}\nexec tesseract \"$@\"\n"),
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

/// A scanned page of a lab report, for the engine to read.
fn scanned_report() -> Vec<u8> {
    scans::png(&scans::render(
        &[
            "LABORATORY REPORT",
            "Patient: Ada Quist",
            "Collected: 01/15/2025",
        ],
        150,
        12.0,
    ))
}

#[test]
fn the_page_appears_while_scans_are_read_and_shows_their_progress() {
    if !require_tool("tesseract") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    write_files(&dir, &[("scan-1.jpg", scanned_report())]);
    let engine = slow_engine(tmp.path(), 4);
    let cache = tmp.path().join("cache");
    let s = Server::start_with(
        &dir,
        &[],
        &[
            ("MEDPACKET_TESSERACT", engine.as_os_str()),
            ("MEDPACKET_CACHE_DIR", cache.as_os_str()),
        ],
    );
    // The page answers while the engine still works, with the reading's progress; the
    // rest of the page is there and usable.
    let page = s
        .get("/")
        .text()
        .replace("<wbr>", "")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"");
    assert!(page.contains("<div id=\"reading\""), "{page}");
    assert!(page.contains("<h3 id=\"reading-h\">Reading your records</h3>"));
    assert!(page.contains("role=\"status\" aria-live=\"polite\""));
    assert!(page.contains("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>"));
    assert!(page.contains("id=\"details-form\"") && page.contains("id=\"build-form\""));
    assert!(
        !page.contains("No records yet"),
        "not called empty while read"
    );
    let st = s.get("/records/status");
    assert_eq!(st.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&st.body).expect("JSON");
    assert_eq!(v["state"], "reading", "{v}");
    assert!(
        v["text"].as_str().is_some_and(|t| t.starts_with("Reading")),
        "{v}"
    );

    // Details can be saved meanwhile.
    let saved = s.post_form(
        "/details",
        &[
            ("name", "Ada Quist"),
            ("dob", "1964-02-11"),
            ("profile", "general"),
        ],
    );
    assert_eq!(saved.status, 303);

    let t = Instant::now();
    loop {
        let v: serde_json::Value =
            serde_json::from_slice(&s.get("/records/status").body).expect("JSON");
        if v["state"] == "ready" {
            assert_eq!(v["done"], v["total"], "{v}");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the reading never ends"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Once read, the records are listed (the scan's reading is kept: no second wait).
    let page = s.page();
    assert!(!page.contains("<div id=\"reading\""), "{page}");
    assert!(page.contains(">scan-1.jpg</th>"), "{page}");
}

#[test]
fn the_new_routes_keep_the_pages_rules() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    let s = Server::start(&dir, &[]);
    // No key: refused.
    let r = s.request("GET", "/records/status", &[], b"");
    assert_eq!(r.status, 403);
    // Another Host: refused.
    let c = s.cookie();
    let evil = format!("evil.example:{}", s.port);
    let r = support::server::http(
        s.port,
        "GET",
        "/records/status",
        &[("Host", &evil), ("Cookie", &c)],
        b"",
    );
    assert_eq!(r.status, 403);
    // A build with choices from another origin, or without one: refused, nothing built.
    for origin in [Some("http://evil.example"), None] {
        let mut h = vec![
            ("Cookie", c.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        if let Some(o) = origin {
            h.push(("Origin", o));
        }
        let r = s.request("POST", "/build", &h, b"bundle=on&lang=es");
        assert_eq!(r.status, 403, "{origin:?}");
    }
    assert!(names_in(&packets(tmp.path())).is_empty());
    let ok = s.get("/records/status");
    assert_eq!(ok.status, 200);
    let csp = ok.header("content-security-policy").expect("CSP");
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
}

#[test]
fn every_holders_letter_is_written_at_once_and_requests_are_tracked_to_overdue() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    three_reports(&dir);
    let toml = format!(
        "{CONFIG}\n[request]\nprofile = \"oncology\"\n\n[[holders]]\nname = \"Riverside Hospital\"\naddress = \"400 River Rd, Springfield\"\nkinds = [\"consultation-note\"]\n\n[[holders]]\nname = \"Valley Imaging\"\nfax = \"555-0100\"\nkinds = [\"imaging-report\"]\n\n[[requests]]\nholder = \"Old Clinic\"\nkinds = [\"treatment-plan\"]\nwritten = 2025-10-01\nsent = 2025-10-02\n"
    );
    std::fs::write(dir.join("packet.toml"), toml).expect("toml");
    let s = Server::start(&dir, &[]);
    let page = s.page();
    assert!(page.contains("Write all 2 letters"), "{page}");
    assert!(page.contains("<label for=\"send-to-all\">Records to go to</label>"));
    // A request sent 30 days ago and more is overdue, with what to do.
    assert!(
        page.contains("<strong>Overdue</strong> since 2025-11-01"),
        "{page}"
    );

    let r = s.post_form("/requests/write", &[("holder", ""), ("send_to", "me")]);
    assert_eq!(r.status, 303);
    let letters = names_in(&tmp.path().join("records-requests"));
    assert_eq!(letters.len(), 2, "one letter per holder: {letters:?}");
    let page = s.page();
    for h in ["Riverside Hospital", "Valley Imaging"] {
        assert!(
            page.contains(&format!("Download letter for {h}")),
            "{h}: {page}"
        );
    }
    assert_eq!(page.matches("Not sent yet").count(), 2, "{page}");
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert_eq!(toml.matches("[[requests]]").count(), 3, "{toml}");

    // Marked sent: waiting, due 30 days on.
    let r = s.post_form("/requests/sent", &[("holder", "Valley Imaging")]);
    assert_eq!(r.status, 303);
    let page = s.page();
    assert!(page.contains("Waiting — due 2026-01-31"), "{page}");
    assert_eq!(page.matches("Not sent yet").count(), 1);
}
