//! Imaging CDs end to end: a copied disc's DICOM files are found by content, read by
//! their headers only, grouped into studies for `scan --json`, its viewer and extras
//! passed over, an encapsulated PDF report packed, and broken discs reported. Discs are
//! synthetic, written by `support::dicom`.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::dicom::*;
use support::*;

const PATIENT: &str = "[patient]\nname = \"Jane Doe\"\ndate_of_birth = 1970-01-02\n";

fn run(args: &[&str], dir: &Path) -> Output {
    medpacket()
        .args(args)
        .arg(dir)
        .output()
        .expect("run medpacket")
}

fn scan_json(dir: &Path) -> Value {
    let o = run(&["scan", "--json", "--no-cache"], dir);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "scan --json: {e}\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn img<'a>(patient: &'a str, study: &'a str, series: &'a str, modality: &'a str) -> Image<'a> {
    Image {
        patient,
        patient_id: "PID-0042",
        birth: "19700102",
        study_uid: study,
        series_uid: series,
        date: "20250314",
        modality,
        description: "CHEST W/O CONTRAST",
        body_part: "CHEST",
        charset: "",
    }
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("test input")).expect("test input");
    std::fs::write(p, bytes).expect("test input");
}

fn study<'a>(json: &'a Value, uid: &str) -> &'a Value {
    json["imaging"]
        .as_array()
        .expect("imaging")
        .iter()
        .find(|s| s["study_uid"] == uid)
        .unwrap_or_else(|| panic!("no study {uid} in {}", json["imaging"]))
}

fn problem_of<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    json["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["path"] == path)
}

/// Two patients, three modalities, extension-less names, `.dcm`, `;1` suffixes and an
/// implicit VR file without the preamble that the DICOMDIR references.
fn two_patient_disc(dir: &Path) {
    let jane_ct = img("Doe^Jane", "2.25.100", "2.25.101", "CT");
    let jane_mr = Image {
        modality: "MR",
        series_uid: "2.25.102",
        ..img("Doe^Jane", "2.25.100", "2.25.102", "MR")
    };
    let mut jane_us = img("DOE^JANE", "2.25.200", "2.25.201", "US");
    jane_us.date = "20240105";
    jane_us.description = "ABDOMEN";
    jane_us.body_part = "ABDOMEN";
    let mut john = img("Roe^John", "2.25.300", "2.25.301", "CT");
    john.birth = "19550505";
    write(dir, "disc/DICOM/ST1/IM000001", &image(&jane_ct, 64));
    write(dir, "disc/DICOM/ST1/IM000002", &image(&jane_ct, 66));
    write(dir, "disc/DICOM/ST1/im000003.dcm", &image(&jane_mr, 64));
    write(
        dir,
        "disc/DICOM/ST2/IM000001;1",
        &implicit_image(&jane_us, 64),
    );
    write(dir, "disc/DICOM/ST3/IM000001", &image(&john, 64));
    write(
        dir,
        "disc/DICOMDIR",
        &dicomdir(&[
            "DICOM/ST1/IM000001",
            "DICOM/ST1/IM000002",
            "DICOM/ST1/IM000003.DCM",
            "DICOM/ST2/IM000001",
            "DICOM/ST3/IM000001",
        ]),
    );
    write(dir, "packet.toml", PATIENT.as_bytes());
    write(
        dir,
        "referral.pdf",
        &simple_pdf("Referral letter", &["Please see."]),
    );
}

#[test]
fn a_copied_disc_lists_its_studies_by_study_and_series() {
    let dir = tempfile::tempdir().expect("temporary folder");
    two_patient_disc(dir.path());
    let json = scan_json(dir.path());
    assert_eq!(
        json["imaging"].as_array().expect("test input").len(),
        3,
        "{}",
        json["imaging"]
    );
    let ct = study(&json, "2.25.100");
    assert_eq!(ct["folder"], "disc/DICOM/ST1");
    assert_eq!(ct["modalities"], serde_json::json!(["CT", "MR"]));
    assert_eq!(ct["series"], 2);
    assert_eq!(ct["images"], 3);
    assert_eq!(ct["date"], "2025-03-14");
    assert_eq!(ct["description"], "CHEST W/O CONTRAST");
    assert_eq!(ct["body_part"], "CHEST");
    assert_eq!(ct["accession"], "ACC-1001");
    assert_eq!(ct["institution"], "Example Imaging Centre");
    assert_eq!(ct["referring"], "Ada Ray");
    assert_eq!(ct["patient_name"], "Doe^Jane");
    assert_eq!(ct["patient_id"], "PID-0042");
    assert_eq!(ct["birth_date"], "1970-01-02");
    // The implicit VR file without a preamble, under its ISO 9660 name.
    let us = study(&json, "2.25.200");
    assert_eq!(us["modalities"], serde_json::json!(["US"]));
    assert_eq!(us["images"], 1);
    // No DICOM file is a problem; all are included.
    assert_eq!(
        json["problems"].as_array().expect("test input").len(),
        0,
        "{}",
        json["problems"]
    );
    let files = json["files"].as_array().expect("test input");
    let dicom: Vec<&Value> = files.iter().filter(|f| f["format"] == "dicom").collect();
    assert_eq!(dicom.len(), 6, "{files:?}");
    assert!(dicom.iter().all(|f| f["status"] == "included"));
}

#[test]
fn a_study_of_another_patient_is_warned_about() {
    let dir = tempfile::tempdir().expect("temporary folder");
    two_patient_disc(dir.path());
    let json = scan_json(dir.path());
    let warnings = json["warnings"].to_string();
    assert!(warnings.contains("John Roe"), "{warnings}");
    assert!(warnings.contains("1955-05-05"), "{warnings}");
    // Jane's studies (names in any case) are not warned about.
    assert!(!warnings.contains("names Jane Doe"), "{warnings}");
    assert!(!warnings.contains("names JANE DOE"), "{warnings}");
}

#[test]
fn the_discs_viewer_and_extras_are_ignored_not_problems() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(d, "cd/DICOMDIR", &dicomdir(&["DICOM/IM1"]));
    write(
        d,
        "cd/DICOM/IM1",
        &image(&img("Doe^Jane", "2.25.1", "2.25.2", "CT"), 32),
    );
    write(d, "cd/AUTORUN.INF", b"[autorun]\r\nopen=viewer.exe\r\n");
    write(d, "cd/VIEWER.EXE", b"MZ\x90\x00not really a program");
    write(d, "cd/Viewer/lib/core.dll", b"MZ\x90\x00");
    write(d, "cd/README.TXT", b"Insert the disc and run the viewer.");
    write(d, "cd/IHE_PDI/INDEX.HTM", b"<html>index</html>");
    write(d, "cd/IHE_PDI/IMAGES/PREVIEW1.JPG", &jpeg(40, 30));
    let json = scan_json(d);
    assert_eq!(
        json["problems"].as_array().expect("test input").len(),
        0,
        "{}",
        json["problems"]
    );
    let ignored = json["ignored"].as_array().expect("test input");
    for p in [
        "cd/AUTORUN.INF",
        "cd/VIEWER.EXE",
        "cd/Viewer/lib/core.dll",
        "cd/README.TXT",
        "cd/IHE_PDI/INDEX.HTM",
        "cd/IHE_PDI/IMAGES/PREVIEW1.JPG",
    ] {
        let i = ignored
            .iter()
            .find(|i| i["path"] == p)
            .unwrap_or_else(|| panic!("{p} not ignored: {ignored:?}"));
        assert!(
            i["why"]
                .as_str()
                .expect("test input")
                .contains("imaging CD"),
            "{i}"
        );
    }
}

#[test]
fn a_truncated_dicom_file_is_a_problem_naming_it() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let mut cut = image(&img("Doe^Jane", "2.25.1", "2.25.2", "CT"), 4096);
    cut.truncate(cut.len() - 1000);
    write(d, "disc/IM000009", &cut);
    let mut header_cut = image(&img("Doe^Jane", "2.25.1", "2.25.2", "CT"), 16);
    header_cut.truncate(300);
    write(d, "disc/IM000010", &header_cut);
    write(d, "x.pdf", &simple_pdf("Note", &["text"]));
    let json = scan_json(d);
    for path in ["disc/IM000009", "disc/IM000010"] {
        let p = problem_of(&json, path).unwrap_or_else(|| panic!("{path}: {}", json["problems"]));
        let reason = p["reason"].as_str().expect("test input");
        assert!(reason.contains("truncated"), "{reason}");
        assert!(!p["hint"].as_str().expect("test input").is_empty());
    }
}

#[test]
fn a_dicomdir_reference_leaving_the_folder_is_a_problem() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(
        d,
        "disc/DICOMDIR",
        &dicomdir(&["../../etc/passwd", "DICOM/IM1"]),
    );
    write(
        d,
        "disc/DICOM/IM1",
        &image(&img("Doe^Jane", "2.25.1", "2.25.2", "CT"), 32),
    );
    let json = scan_json(d);
    let p = problem_of(&json, "disc/DICOMDIR").expect("DICOMDIR problem");
    assert!(
        p["reason"]
            .as_str()
            .expect("test input")
            .contains("leaves the disc"),
        "{p}"
    );
}

#[test]
fn a_dicomdir_naming_missing_files_is_a_warning_listing_them() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(
        d,
        "disc/DICOMDIR",
        &dicomdir(&["DICOM/IM1", "DICOM/IM2", "DICOM/IM3"]),
    );
    write(
        d,
        "disc/DICOM/IM1",
        &image(&img("Doe^Jane", "2.25.1", "2.25.2", "CT"), 32),
    );
    let json = scan_json(d);
    let w = json["warnings"].to_string();
    assert!(w.contains("DICOM/IM2") && w.contains("DICOM/IM3"), "{w}");
    assert!(!w.contains("DICOM/IM1,"), "{w}");
}

#[test]
fn names_in_latin1_and_utf8_read_without_control_characters() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let mut a = img("M\u{fc}ller^J\u{fc}rgen", "2.25.1", "2.25.2", "CT");
    a.charset = "ISO_IR 192";
    write(d, "disc/A", &image(&a, 16));
    // Latin-1 bytes: build the header by hand from the UTF-8 one.
    let mut b = img("PLACEHOLDER", "2.25.5", "2.25.6", "MR");
    b.charset = "ISO_IR 100";
    b.description = "KNEE\u{7}";
    let bytes = image(&b, 16);
    let at = bytes
        .windows(11)
        .position(|w| w == b"PLACEHOLDER")
        .expect("test input");
    let mut latin = bytes.clone();
    latin.splice(at..at + 11, b"N\xfa\xf1ez^Zo\xeb  ".iter().copied());
    write(d, "disc/B", &latin);
    let json = scan_json(d);
    assert_eq!(study(&json, "2.25.1")["patient_name"], "Müller^Jürgen");
    assert_eq!(study(&json, "2.25.5")["patient_name"], "Núñez^Zoë");
    assert_eq!(study(&json, "2.25.5")["description"], "KNEE");
}

#[test]
fn an_encapsulated_pdf_report_is_packed_as_a_document() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let mut pdf = simple_pdf("Radiology report", &["CT chest: no acute findings."]);
    if pdf.len().is_multiple_of(2) {
        pdf.push(b'\n');
    }
    let i = img("Doe^Jane", "2.25.1", "2.25.2", "CT");
    write(d, "disc/DICOMDIR", &dicomdir(&["DICOM/IM1", "DICOM/SR1"]));
    write(d, "disc/DICOM/IM1", &image(&i, 200_000));
    write(
        d,
        "disc/DICOM/SR1",
        &pdf_report(
            &Image {
                series_uid: "2.25.9",
                ..i
            },
            &pdf,
        ),
    );
    write(d, "packet.toml", PATIENT.as_bytes());
    let json = scan_json(d);
    let f = json["files"]
        .as_array()
        .expect("test input")
        .iter()
        .find(|f| f["path"] == "disc/DICOM/SR1")
        .expect("report file");
    assert_eq!(f["format"], "pdf", "{f}");
    assert_eq!(f["pages"], 1);
    let s = study(&json, "2.25.1");
    assert_eq!(s["images"], 1);
    assert_eq!(s["series"], 2);

    let build = |d: &Path, name: &str| {
        let packet = out.path().join(name);
        let o = medpacket()
            .arg("build")
            .arg(d)
            .arg("-o")
            .arg(&packet)
            .arg("--no-cache")
            .output()
            .expect("build");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        packet
    };
    let packet = build(d, "packet.pdf");
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&packet)
            .output()
            .expect("test input");
        assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout));
    }
    let n = lopdf::Document::load(&packet)
        .expect("test input")
        .get_pages()
        .len() as u32;
    let all: String = (1..=n).filter_map(|p| pdftotext_page(&packet, p)).collect();
    if require_tool("pdftotext") {
        assert!(all.contains("no acute findings"), "{all}");
    }
    // The 200 kB of pixel data never enter the packet: it grows by the studies page only.
    let bytes = std::fs::read(&packet).expect("test input");
    assert!(!bytes.windows(64).any(|w| w.iter().all(|&b| b == 0x5A)));
    std::fs::remove_file(d.join("disc/DICOM/IM1")).expect("test input");
    let without = build(d, "without.pdf");
    let grown = bytes.len() as i64 - std::fs::metadata(&without).expect("test input").len() as i64;
    assert!(
        grown < 40_000,
        "the image added {grown} bytes to the packet"
    );
}

/// Text of every page of a PDF, by pdftotext.
fn pages_text(pdf: &Path) -> Vec<String> {
    let n = lopdf::Document::load(pdf)
        .expect("test input")
        .get_pages()
        .len() as u32;
    (1..=n).filter_map(|p| pdftotext_page(pdf, p)).collect()
}

#[test]
fn the_packet_lists_the_studies_on_a_page_of_its_own() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = tempfile::tempdir().expect("temporary folder");
    two_patient_disc(dir.path());
    write(
        dir.path(),
        "ct-report.pdf",
        &simple_pdf(
            "CT report",
            &["Radiology report: CT chest, findings normal."],
        ),
    );
    let packet = out.path().join("packet.pdf");
    let o = medpacket()
        .arg("build")
        .arg(dir.path())
        .arg("-o")
        .arg(&packet)
        .arg("--json")
        .arg("--no-cache")
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::copy(&packet, "/tmp/dicom-packet.pdf").ok();
    if !require_tool("pdftotext") {
        return;
    }
    let pages = pages_text(&packet);
    let studies = pages
        .iter()
        .position(|p| p.contains("Imaging studies") && p.contains("Accession number"))
        .unwrap_or_else(|| panic!("no studies page in {pages:#?}"));
    let page = &pages[studies];
    for want in [
        "2025-03-14",
        "CT, MR",
        "CHEST W/O CONTRAST",
        "2 series, 3 images",
        "ACC-1001",
        "Example Imaging Centre",
        "Ada Ray",
        "Jane Doe, PID-0042, 1970-01-02",
        "Not the patient of this packet",
    ] {
        assert!(page.contains(want), "{want:?} missing from {page}");
    }
    // The index names the page with its page number.
    let index = pages
        .iter()
        .find(|p| p.contains("Index"))
        .expect("index page");
    assert!(index.contains("Imaging studies"), "{index}");
    // A bookmark leads to it.
    let doc = lopdf::Document::load(&packet).expect("test input");
    let outline = format!("{:?}", doc.get_toc().map(|t| t.toc).unwrap_or_default());
    assert!(outline.contains("Imaging studies"), "{outline}");
    // It heads the imaging section: before the CT report's pages.
    let report = pages
        .iter()
        .position(|p| p.contains("findings normal"))
        .expect("test input");
    assert!(studies < report, "studies page {studies}, report {report}");
}

#[test]
fn check_and_letter_name_the_studies_and_the_bundle_carries_the_disc() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    two_patient_disc(d);
    // check: the imaging to-do item names the studies; no DICOM file is unclassified.
    let o = run(&["check", "--json"], d);
    let check: Value = serde_json::from_slice(&o.stdout).expect("check json");
    let todo = check["todo"].as_array().expect("todo");
    let imaging = todo
        .iter()
        .find(|i| i["id"] == "imaging")
        .unwrap_or_else(|| panic!("no imaging item: {todo:?}"));
    let text = imaging["text"].as_str().expect("test input");
    assert!(
        text.contains("Imaging CD present: 3 studies (2024-01-05, 2025-03-14)")
            && text.contains("send the disc or a share link too"),
        "{text}"
    );
    let unclassified = check["unclassified"].to_string();
    assert!(!unclassified.contains("IM0000"), "{unclassified}");
    // The letter names the studies as sent separately.
    let letter = out.path().join("letter.txt");
    let o = medpacket()
        .arg("letter")
        .arg(d)
        .arg("-o")
        .arg(&letter)
        .output()
        .expect("letter");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let letter = std::fs::read_to_string(&letter).expect("test input");
    assert!(letter.contains("sent separately"), "{letter}");
    assert!(
        letter.contains("2025-03-14, CT, MR, CHEST W/O CONTRAST"),
        "{letter}"
    );
    // build --zip: the DICOM files under originals/, and the bundle verifies.
    let pdf = out.path().join("p.pdf");
    let zip = out.path().join("p.zip");
    let o = medpacket()
        .arg("build")
        .arg(d)
        .arg("-o")
        .arg(&pdf)
        .arg("--zip")
        .arg(&zip)
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&zip).expect("test input")).expect("test input");
    for rel in [
        "disc/DICOMDIR",
        "disc/DICOM/ST1/IM000001",
        "disc/DICOM/ST2/IM000001;1",
    ] {
        let mut data = Vec::new();
        std::io::Read::read_to_end(
            &mut archive.by_name(&format!("originals/{rel}")).expect(rel),
            &mut data,
        )
        .expect("test input");
        assert_eq!(
            data,
            std::fs::read(d.join(rel)).expect("test input"),
            "{rel}"
        );
    }
    let o = medpacket()
        .arg("verify")
        .arg(&zip)
        .output()
        .expect("verify");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_structured_report_is_listed_and_an_encapsulated_cda_read_as_cda() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    let i = img("Doe^Jane", "2.25.1", "2.25.2", "CT");
    write(d, "disc/DICOMDIR", &dicomdir(&["A/IM1", "A/SR1", "A/CDA1"]));
    write(d, "disc/A/IM1", &image(&i, 64));
    write(
        d,
        "disc/A/SR1",
        &structured_report(&Image {
            series_uid: "2.25.8",
            ..i
        }),
    );
    let xml = support::cda::discharge_summary(3).xml();
    write(
        d,
        "disc/A/CDA1",
        &cda_report(
            &Image {
                series_uid: "2.25.9",
                ..i
            },
            xml.as_bytes(),
        ),
    );
    write(d, "packet.toml", PATIENT.as_bytes());
    let json = scan_json(d);
    let f = json["files"]
        .as_array()
        .expect("test input")
        .iter()
        .find(|f| f["path"] == "disc/A/CDA1")
        .expect("cda file");
    assert_eq!(f["format"], "cda", "{f}");
    assert_eq!(study(&json, "2.25.1")["images"], 1);
    let packet = out.path().join("p.pdf");
    for round in 0..2 {
        // The second build reads the disc from medpacket's cache.
        let o = medpacket()
            .arg("build")
            .arg(d)
            .arg("-o")
            .arg(&packet)
            .arg("--force")
            .output()
            .expect("build");
        assert!(
            o.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if !require_tool("pdftotext") {
        return;
    }
    let all = pages_text(&packet).join("\n");
    assert!(all.contains("structured report present"), "{all}");
    assert!(all.contains("Discharge"), "{all}");
}

#[test]
fn a_study_at_the_top_of_the_folder_is_named_by_its_file_and_a_false_date_is_no_date() {
    // Another patient's image straight in the records folder: the warning named an empty
    // path. An image whose study date is no day (20251399) was listed under it as written.
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(d, "packet.toml", PATIENT.as_bytes());
    let mut other = img("Smith^John", "2.25.900", "2.25.901", "CT");
    other.birth = "19900101";
    write(d, "OTHER;1", &image(&other, 64));
    let mut odd = img("Doe^Jane", "2.25.910", "2.25.911", "MR");
    odd.date = "20251399";
    write(d, "disc/IM1", &image(&odd, 64));
    let mut old_form = img("Doe^Jane", "2.25.920", "2.25.921", "US");
    old_form.date = "2024.01.05";
    write(d, "disc/IM2", &image(&old_form, 64));
    let json = scan_json(d);
    let warning = json["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .find(|w| w["what"].as_str().is_some_and(|t| t.contains("John Smith")))
        .unwrap_or_else(|| panic!("no warning about John Smith: {}", json["warnings"]));
    assert_eq!(warning["path"], "OTHER;1", "{warning}");
    assert_eq!(study(&json, "2.25.910")["date"], "", "{json}");
    assert_eq!(study(&json, "2.25.920")["date"], "2024-01-05", "{json}");
}

#[test]
fn a_disc_copied_into_a_zip_passes_over_its_viewer_and_extras_as_a_folder_does() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(d, "packet.toml", PATIENT.as_bytes());
    let ct = img("Doe^Jane", "2.25.930", "2.25.931", "CT");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("CD/DICOMDIR", dicomdir(&["DICOM\\I1"])),
        ("CD/DICOM/I1", image(&ct, 64)),
        ("CD/AUTORUN.INF", b"[autorun]\nopen=viewer.exe\n".to_vec()),
        ("CD/VIEWER/viewer.exe", b"MZ not really a program".to_vec()),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("member");
        zip.write_all(&bytes).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    write(d, "disc.zip", &bytes);
    let json = scan_json(d);
    assert_eq!(json["problems"].as_array().map(Vec::len), Some(0), "{json}");
    let ignored = json["ignored"].to_string();
    for name in ["disc.zip/CD/AUTORUN.INF", "disc.zip/CD/VIEWER/viewer.exe"] {
        assert!(ignored.contains(name), "{name}: {ignored}");
    }
    assert!(ignored.contains("part of an imaging CD"), "{ignored}");
    study(&json, "2.25.930");
}

#[test]
fn an_encapsulated_report_that_is_not_a_pdf_is_named_as_such() {
    // A PDF report's DICOM file whose document is not a PDF: a problem saying so, not
    // "DICOM images cannot go into a PDF packet".
    let dir = tempfile::tempdir().expect("temporary folder");
    let d = dir.path();
    write(d, "packet.toml", PATIENT.as_bytes());
    let i = img("Doe^Jane", "2.25.940", "2.25.941", "CT");
    write(d, "badpdf.dcm", &pdf_report(&i, b"not a pdf at all"));
    let json = scan_json(d);
    let p = problem_of(&json, "badpdf.dcm").unwrap_or_else(|| panic!("no problem: {json}"));
    let reason = p["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("should hold a PDF report holds something else"),
        "{p}"
    );
    assert!(
        p["hint"]
            .as_str()
            .is_some_and(|h| h.contains("report as a PDF")),
        "{p}"
    );
}
