//! Regression tests, each named after what broke: inputs found by review and fuzzing that
//! once dropped a record, stopped a build late, or slipped past a limit.

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Output;
use support::*;

const PATIENT: &str = "[patient]\nname = \"Ana Ruiz\"\n";

fn run(args: &[&str], dir: &Path) -> Output {
    medpacket().args(args).arg(dir).output().expect("run")
}

fn scan(dir: &Path) -> Value {
    let o = run(&["scan", "--json"], dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn file<'a>(v: &'a Value, path: &str) -> &'a Value {
    v["files"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["path"] == path))
        .unwrap_or_else(|| panic!("{path} not in {v}"))
}

fn zip_of(members: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, method) in members {
        let opts = zip::write::SimpleFileOptions::default().compression_method(*method);
        out.start_file(*name, opts).expect("start");
        out.write_all(data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[test]
fn excluded_unreadable_file_no_longer_blocks_check_or_build() {
    let tmp = tempfile::tempdir().expect("tmp");
    let toml = format!("{PATIENT}[[documents]]\npath = \"broken.pdf\"\nexclude = true\n");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", toml.into_bytes()),
            ("broken.pdf", truncated_pdf()),
            (
                "meds.txt",
                b"MEDICATION LIST\nAspirin 81 mg daily\n".to_vec(),
            ),
        ],
    );
    assert_eq!(file(&scan(tmp.path()), "broken.pdf")["status"], "excluded");
    assert_eq!(run(&["check"], tmp.path()).status.code(), Some(0));
    let out = tempfile::tempdir().expect("out");
    let o = medpacket()
        .arg("build")
        .arg(tmp.path())
        .arg("-o")
        .arg(out.path().join("p.pdf"))
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn pdf_with_a_missing_page_object_is_a_problem_at_scan_not_a_late_build_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    // A page tree that names a page the file does not contain.
    let mut doc = lopdf::Document::load_mem(&simple_pdf("LAB RESULTS", &["Collected: 2025-01-02"]))
        .expect("load");
    let root = doc
        .catalog()
        .expect("catalog")
        .get(b"Pages")
        .and_then(lopdf::Object::as_reference)
        .expect("pages");
    let pages = doc.get_dictionary_mut(root).expect("pages");
    if let Ok(lopdf::Object::Array(kids)) = pages.get_mut(b"Kids") {
        kids.push(lopdf::Object::Reference((999, 0)));
    }
    pages.set("Count", 2);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("miss.pdf", bytes),
        ],
    );
    let v = scan(tmp.path());
    let miss = file(&v, "miss.pdf");
    assert_eq!(miss["status"], "problem", "{miss}");
    assert!(
        miss["problem"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("missing from the file")),
        "{miss}"
    );
    assert_eq!(
        run(&["check"], tmp.path()).status.code(),
        Some(1),
        "check is not ready when build would fail"
    );
}

#[test]
fn pdf_decompression_bomb_is_refused_and_said_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    if !require_tool("python3") {
        return;
    }
    // A page whose content stream inflates to 600 MB of spaces (compressed by Python's
    // zlib, which is quick about it).
    let script = "import sys, zlib\nc = zlib.compressobj(9)\nout = sys.stdout.buffer\nchunk = b' ' * (1 << 20)\nfor _ in range(600):\n    out.write(c.compress(chunk))\nout.write(c.flush())\n";
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3");
    assert!(o.status.success());
    let packed = o.stdout;
    let mut doc = lopdf::Document::load_mem(&simple_pdf("LAB RESULTS", &[])).expect("load");
    let page = *doc.get_pages().values().next().expect("page");
    let mut dict = lopdf::Dictionary::new();
    dict.set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
    let bomb = doc.add_object(lopdf::Stream::new(dict, packed));
    doc.get_dictionary_mut(page)
        .expect("page")
        .set("Contents", lopdf::Object::Reference(bomb));
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("bomb.pdf", bytes),
        ],
    );
    let v = scan(tmp.path());
    let reason = file(&v, "bomb.pdf")["problem"]["reason"].to_string();
    assert!(reason.contains("decompression bomb"), "{reason}");
}

#[test]
fn zip_member_named_in_the_old_dos_code_page_is_packed_not_lost() {
    let tmp = tempfile::tempdir().expect("tmp");
    // A member name stored in CP437 (0x81 is ü) without the UTF-8 flag.
    let mut z = zip_of(&[(
        "Befund_MXller.pdf",
        &simple_pdf(
            "SURGICAL PATHOLOGY REPORT",
            &["Date of Procedure: 03/14/2025"],
        ),
        zip::CompressionMethod::Deflated,
    )]);
    let needle = b"Befund_MXller.pdf";
    let mut at = 0;
    while let Some(i) = z[at..].windows(needle.len()).position(|w| w == needle) {
        z[at + i + 8] = 0x81;
        at += i + 1;
    }
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("export.zip", z),
        ],
    );
    let out = tempfile::tempdir().expect("out");
    let o = medpacket()
        .arg("build")
        .arg(tmp.path())
        .arg("-o")
        .arg(out.path().join("p.pdf"))
        .arg("--zip")
        .arg(out.path().join("p.zip"))
        .arg("--json")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["documents"][0]["path"], "export.zip/Befund_Müller.pdf");
    assert_eq!(
        medpacket()
            .arg("verify")
            .arg(out.path().join("p.zip"))
            .output()
            .expect("run")
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn zip_with_two_members_of_one_name_is_a_problem_not_a_silent_drop() {
    if !require_tool("python3") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("a.pdf", simple_pdf("SURGICAL PATHOLOGY REPORT", &[])),
            ("b.pdf", simple_pdf("LAB RESULTS", &[])),
        ],
    );
    // Python's zipfile writes a second member of the same name (with a warning).
    let script = "import sys, zipfile, warnings\nwarnings.simplefilter('ignore')\nd = sys.argv[1]\nwith zipfile.ZipFile(d + '/export.zip', 'w') as z:\n    z.write(d + '/a.pdf', 'dup.pdf')\n    z.write(d + '/b.pdf', 'dup.pdf')\n";
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(tmp.path())
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(tmp.path().join("a.pdf")).expect("rm");
    std::fs::remove_file(tmp.path().join("b.pdf")).expect("rm");
    let v = scan(tmp.path());
    let z = file(&v, "export.zip");
    assert_eq!(z["status"], "problem", "{z}");
    assert!(
        z["problem"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("same name")),
        "{z}"
    );
}

#[test]
fn many_small_highly_compressed_members_cannot_add_up_to_a_bomb() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zeros = vec![0u8; 512 * 1024];
    let members: Vec<(String, &[u8], zip::CompressionMethod)> = (0..40)
        .map(|i| {
            (
                format!("part{i}.txt"),
                zeros.as_slice(),
                zip::CompressionMethod::Deflated,
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8], zip::CompressionMethod)> = members
        .iter()
        .map(|(n, d, m)| (n.as_str(), *d, *m))
        .collect();
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("many.zip", zip_of(&refs)),
        ],
    );
    let v = scan(tmp.path());
    let p = file(&v, "many.zip/part0.txt");
    assert!(
        p["problem"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("compression ratio")),
        "{p}"
    );
}

#[test]
fn a_record_named_like_a_packet_is_still_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (
                "second-opinion-packet-from-another-clinic.pdf",
                simple_pdf("SURGICAL PATHOLOGY REPORT", &[]),
            ),
        ],
    );
    let v = scan(tmp.path());
    assert_eq!(
        file(&v, "second-opinion-packet-from-another-clinic.pdf")["status"],
        "included"
    );
}

#[test]
fn init_with_control_characters_in_file_names_still_parses() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_files(
        tmp.path(),
        &[
            ("empty\u{7f}.pdf", Vec::new()),
            ("lab copy\u{1b}.pdf", simple_pdf("LAB RESULTS", &[])),
        ],
    );
    assert!(run(&["init"], tmp.path()).status.success());
    let text = std::fs::read_to_string(tmp.path().join("packet.toml")).expect("read");
    toml::from_str::<toml::Table>(&text).expect("packet.toml from init parses");
    assert_eq!(
        run(&["check"], tmp.path()).status.code(),
        Some(1),
        "runs (not ready: placeholder name, problem)"
    );
}

#[test]
fn bundle_and_packet_cannot_be_the_same_file_however_spelled() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(tmp.path().join("out")).expect("mkdir");
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("out/y.pdf"))
        .arg("--zip")
        .arg(tmp.path().join("out/../out/y.pdf"))
        .arg("--force")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("also the packet's name"));
}

#[test]
fn verify_notices_a_manifest_whose_documents_disagree_with_their_originals() {
    let tmp = tempfile::tempdir().expect("tmp");
    let zip_path = tmp.path().join("b.zip");
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("p.pdf"))
        .arg("--zip")
        .arg(&zip_path)
        .output()
        .expect("run");
    assert!(o.status.success());
    // Rewrite the archive with one document's checksum changed in the manifest only.
    let bytes = std::fs::read(&zip_path).expect("read");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("member");
        let name = f.name().expect("name").to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).expect("read");
        if name == "manifest.json" {
            let mut m: Value = serde_json::from_slice(&data).expect("manifest");
            m["documents"][0]["sha256"] = Value::String("0".repeat(64));
            data = serde_json::to_vec(&m).expect("json");
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write");
    }
    std::fs::write(&zip_path, out.finish().expect("finish").into_inner()).expect("write");
    let o = medpacket()
        .arg("verify")
        .arg(&zip_path)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("manifest.json (document"));
}

#[test]
fn letter_refuses_the_init_placeholder_and_check_names_a_file_that_is_no_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_files(tmp.path(), &[("a.pdf", simple_pdf("LAB RESULTS", &[]))]);
    assert!(run(&["init"], tmp.path()).status.success());
    let o = medpacket()
        .arg("letter")
        .arg(tmp.path())
        .arg("-o")
        .arg(tmp.path().join("../l.txt"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("placeholder"));
    let o = run(&["check"], &tmp.path().join("a.pdf"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a folder"));
}

#[test]
fn index_source_column_showed_the_path_even_when_packet_toml_named_the_source() {
    let tmp = tempfile::tempdir().expect("tmp");
    let toml = format!(
        "{PATIENT}[[documents]]\npath = \"scan0001.pdf\"\nsource = \"Lakeside Pathology Lab\"\n"
    );
    write_files(
        tmp.path(),
        &[
            ("packet.toml", toml.into_bytes()),
            (
                "scan0001.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Date of Procedure: 03/14/2025"],
                ),
            ),
            (
                "labs-0002.pdf",
                simple_pdf("LABORATORY RESULTS", &["Collected: 03/20/2025"]),
            ),
        ],
    );
    let out = tempfile::tempdir().expect("out");
    let pdf = out.path().join("p.pdf");
    let o = medpacket()
        .arg("build")
        .arg(tmp.path())
        .arg("-o")
        .arg(&pdf)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = lopdf::Document::load(&pdf).expect("packet");
    // The index is page 2; its rows name the source when given, else the file's path.
    let index = doc.extract_text(&[2]).expect("index text");
    assert!(index.contains("Lakeside Pathology Lab"), "{index}");
    assert!(!index.contains("scan0001.pdf"), "{index}");
    assert!(index.contains("labs-0002.pdf"), "{index}");
    if let Some(text) = pdftotext_page(&pdf, 2) {
        assert!(text.contains("Lakeside Pathology Lab"), "{text}");
    }
}

#[test]
fn output_into_a_pipe_closed_early_made_medpacket_panic() {
    // `medpacket scan DIR | head -1`: the reader goes away before medpacket writes.
    let mut child = medpacket()
        .args(["scan", "--json"])
        .arg(sample_records_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

#[test]
fn a_copy_packet_toml_names_was_left_out_as_a_duplicate_with_what_it_said() {
    // Two byte-identical files, the later one named in packet.toml with its kind and
    // title: the named one is kept, with them, and the other is its duplicate.
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("recs");
    let pdf = simple_pdf("Message", &["Please see the attached notes."]);
    let toml = format!(
        "{PATIENT}[[documents]]\npath = \"z.pdf\"\nkind = \"consultation-note\"\ntitle = \"Neurology consult\"\ndate = \"2025-02-03\"\n"
    );
    write_files(
        &dir,
        &[
            ("packet.toml", toml.into_bytes()),
            ("a.pdf", pdf.clone()),
            ("z.pdf", pdf),
        ],
    );
    let v = scan(&dir);
    let z = file(&v, "z.pdf");
    assert_eq!(z["status"], "included", "{v}");
    assert_eq!(z["kind"], "consultation-note", "{v}");
    assert_eq!(z["title"], "Neurology consult", "{v}");
    assert_eq!(file(&v, "a.pdf")["status"], "duplicate", "{v}");
    // check finds the consultation note the patient named.
    let o = run(&["check", "--json"], &dir);
    let check: Value = serde_json::from_slice(&o.stdout).expect("check json");
    let missing = check["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter(|r| r["present"] == false)
        .map(|r| r["kind"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>();
    assert!(!missing.iter().any(|k| k == "consultation-note"), "{check}");
}

#[test]
fn an_empty_zip_was_listed_nowhere() {
    // An archive with no members, and one with a folder only: each is a problem that
    // names it, so the patient knows an export came out empty.
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("recs");
    let mut folders_only = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    folders_only
        .add_directory("labs/", zip::write::SimpleFileOptions::default())
        .expect("folder");
    let folders_only = folders_only.finish().expect("zip").into_inner();
    write_files(
        &dir,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("report.pdf", simple_pdf("Note", &["Seen today."])),
            ("portal.zip", zip_of(&[])),
            ("folders.zip", folders_only),
        ],
    );
    let v = scan(&dir);
    for name in ["portal.zip", "folders.zip"] {
        let z = file(&v, name);
        assert_eq!(z["status"], "problem", "{z}");
        let (reason, fix) = (&z["problem"]["reason"], &z["problem"]["hint"]);
        assert!(
            reason
                .as_str()
                .is_some_and(|r| r.contains("empty ZIP archive"))
                && fix
                    .as_str()
                    .is_some_and(|f| f.contains("download the export")),
            "{z}"
        );
    }
    assert_eq!(file(&v, "report.pdf")["status"], "included");
}

#[test]
fn messages_named_the_wrong_thing_for_a_folder_a_pdf_or_a_bad_manifest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("recs");
    let pdf = simple_pdf("OPERATIVE REPORT", &["Date of Surgery: 03/14/2025"]);
    write_files(
        &dir,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("op.pdf", pdf.clone()),
        ],
    );
    let said = |args: &[&std::ffi::OsStr]| {
        let o = medpacket().args(args).output().expect("run");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let (folder, file) = (tmp.path().join("a-folder"), dir.join("op.pdf"));
    std::fs::create_dir(&folder).expect("mkdir");

    // verify: a folder, a PDF without its manifest, a manifest that is not one.
    let err = said(&[&os("verify"), folder.as_os_str()]);
    assert!(err.contains("is a folder") && err.contains(".zip"), "{err}");
    let err = said(&[&os("verify"), file.as_os_str()]);
    assert!(
        err.contains("is a PDF") && err.contains("--manifest"),
        "{err}"
    );
    let bad = tmp.path().join("manifest.json");
    std::fs::write(&bad, b"{ not json").expect("write");
    let err = said(&[
        &os("verify"),
        file.as_os_str(),
        &os("--manifest"),
        bad.as_os_str(),
    ]);
    assert!(
        err.contains("manifest.json")
            && err.contains("is not a medpacket manifest")
            && !err.contains("bundle ("),
        "{err}"
    );
    // init on a file: not a folder (it exists).
    let err = said(&[&os("init"), file.as_os_str()]);
    assert!(err.contains("is not a folder"), "{err}");
    // build -o a folder: "is a folder", with or without --force.
    for force in [false, true] {
        let mut args = vec![
            os("build"),
            dir.clone().into_os_string(),
            os("-o"),
            folder.clone().into_os_string(),
        ];
        if force {
            args.push(os("--force"));
        }
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let err = said(&refs);
        assert!(
            err.contains("is a folder") && !err.contains("--force"),
            "{err}"
        );
    }
    // A bundle inside the records folder: no advice about -o for it.
    let inside = dir.join("p.zip");
    let out = tmp.path().join("p.pdf");
    let err = said(&[
        &os("build"),
        dir.as_os_str(),
        &os("-o"),
        out.as_os_str(),
        &os("--zip"),
        inside.as_os_str(),
    ]);
    assert!(
        err.contains("is inside the records folder") && !err.contains("-o ../"),
        "{err}"
    );
    assert!(!inside.exists() && !out.exists());
    // A folder with nothing to pack is named.
    let empty = tmp.path().join("empty");
    write_files(&empty, &[("packet.toml", PATIENT.as_bytes().to_vec())]);
    let err = said(&[&os("build"), empty.as_os_str(), &os("-o"), out.as_os_str()]);
    assert!(
        err.contains(&empty.display().to_string()) && err.contains("no documents"),
        "{err}"
    );
}

#[test]
fn letters_the_font_lacks_were_printed_as_question_marks_without_a_word() {
    // A text file and a clinical document with Chinese in them: the packet's font has no
    // such letters, so each file gets a note saying they are printed as "?".
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("recs");
    let cda = support::cda::CdaDoc::new("11488-4", "Consult note", "Consultation")
        .section(support::cda::Sec::new(
            "10164-2",
            "History",
            "<paragraph>Referred from 東京 clinic.</paragraph>",
        ))
        .xml();
    write_files(
        &dir,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            (
                "note.txt",
                "CONSULTATION NOTE\nDate of Service: 2025-03-01\n患者 stable.\n"
                    .as_bytes()
                    .to_vec(),
            ),
            ("consult.xml", cda.into_bytes()),
            ("plain.txt", b"MEDICATION LIST\nAspirin 81 mg\n".to_vec()),
        ],
    );
    let v = scan(&dir);
    for (path, letters) in [("note.txt", "患者"), ("consult.xml", "東京")] {
        let notes = file(&v, path)["notes"].clone();
        let said = notes
            .as_array()
            .and_then(|n| n.iter().find_map(|x| x.as_str()))
            .unwrap_or("");
        assert!(
            said.contains(&format!("no letters for {letters}"))
                && said.contains("printed as \"?\""),
            "{path}: {notes}"
        );
    }
    assert!(file(&v, "plain.txt").get("notes").is_none(), "{v}");
}
