//! Faults caused for real: closed pipes, cut-off downloads, a full or read-only disk,
//! temporary files left by a killed build (`tests/faults_during.rs` has the cache and a
//! folder changing during a build; `tests/serve_load.rs` the web page under load). Each
//! test counts what it tried into `target/tmp/faults/`; `scripts/faults.sh` adds the
//! figures up.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::faults::*;
use support::*;

// ---------------------------------------------------------------------------------------------
// Closed pipes
// ---------------------------------------------------------------------------------------------

/// Which of the program's outputs is a pipe whose reader has already gone.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Stdout,
    Stderr,
    Both,
}

/// Runs `cmd` with the chosen outputs connected to a pipe whose read end is closed before
/// the program starts, so its first write there fails with EPIPE. The other output is
/// captured.
fn run_into_closed_pipe(mut cmd: Command, closed: Closed) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    match closed {
        Closed::Stdout => {
            cmd.stdout(Stdio::from(writer)).stderr(Stdio::piped());
        }
        Closed::Stderr => {
            cmd.stdout(Stdio::piped()).stderr(Stdio::from(writer));
        }
        Closed::Both => {
            let again = writer.try_clone().expect("clone");
            cmd.stdout(Stdio::from(writer)).stderr(Stdio::from(again));
        }
    }
    cmd.stdin(Stdio::null())
        .spawn()
        .expect("run")
        .wait_with_output()
        .expect("wait")
}

#[test]
fn every_command_writing_into_a_closed_pipe_ends_quietly_with_its_own_exit_code() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    copy_tree(&sample_records_dir(), &recs);
    let bare = tmp.path().join("bare");
    write_files(
        &bare,
        &[(
            "report.pdf",
            simple_pdf("LABORATORY REPORT", &["Collected: 01/15/2025"]),
        )],
    );
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let zip = out.join("p.zip");
    let prep = medpacket()
        .arg("build")
        .arg(&recs)
        .arg("-o")
        .arg(out.join("first.pdf"))
        .arg("--zip")
        .arg(&zip)
        .output()
        .expect("build");
    assert!(prep.status.success(), "{}", text(&prep));

    let recs_s = recs.to_string_lossy().to_string();
    let o = |name: &str| out.join(name).to_string_lossy().to_string();
    let commands: Vec<(&str, Vec<String>)> = vec![
        ("scan", vec!["scan".into(), recs_s.clone()]),
        (
            "scan --json",
            vec!["scan".into(), recs_s.clone(), "--json".into()],
        ),
        ("check", vec!["check".into(), recs_s.clone()]),
        (
            "check --json",
            vec!["check".into(), recs_s.clone(), "--json".into()],
        ),
        (
            "build",
            vec![
                "build".into(),
                recs_s.clone(),
                "-o".into(),
                o("b.pdf"),
                "--force".into(),
            ],
        ),
        (
            "build --json",
            vec![
                "build".into(),
                recs_s.clone(),
                "-o".into(),
                o("j.pdf"),
                "--force".into(),
                "--json".into(),
            ],
        ),
        (
            "verify",
            vec!["verify".into(), zip.to_string_lossy().to_string()],
        ),
        (
            "verify --json",
            vec![
                "verify".into(),
                zip.to_string_lossy().to_string(),
                "--json".into(),
            ],
        ),
        (
            "letter",
            vec![
                "letter".into(),
                recs_s.clone(),
                "-o".into(),
                o("l.pdf"),
                "--force".into(),
            ],
        ),
        ("man", vec!["man".into()]),
        ("completions", vec!["completions".into(), "bash".into()]),
        ("--help", vec!["--help".into()]),
        ("build --help", vec!["build".into(), "--help".into()]),
        ("--version", vec!["--version".into()]),
        (
            "error: no folder",
            vec!["scan".into(), "/nonexistent-records".into()],
        ),
        ("error: no command", vec!["frobnicate".into()]),
        (
            "error: refused overwrite",
            vec!["build".into(), recs_s.clone(), "-o".into(), o("first.pdf")],
        ),
    ];
    let mut failures = Vec::new();
    let mut tried = 0;
    for (name, args) in &commands {
        // The exit code with both outputs read to the end is the one to keep.
        let mut plain = medpacket();
        plain.args(args);
        let expected = plain.output().expect("run");
        for closed in [Closed::Stdout, Closed::Stderr, Closed::Both] {
            let mut cmd = medpacket();
            cmd.args(args);
            let got = run_into_closed_pipe(cmd, closed);
            tried += 1;
            let stderr = String::from_utf8_lossy(&got.stderr);
            if got.status.code() != expected.status.code()
                || stderr.contains("panicked")
                || stderr.contains("Broken pipe")
            {
                failures.push(format!(
                    "{name} with {closed:?} closed: {} (expected exit {:?})",
                    text(&got),
                    expected.status.code()
                ));
            }
        }
    }
    // `init` writes packet.toml once; run it into closed pipes on fresh copies.
    for closed in [Closed::Stdout, Closed::Stderr, Closed::Both] {
        let dir = tmp.path().join(format!("init-{closed:?}"));
        copy_tree(&bare, &dir);
        let mut cmd = medpacket();
        cmd.arg("init").arg(&dir);
        let got = run_into_closed_pipe(cmd, closed);
        tried += 1;
        if !got.status.success() || !dir.join("packet.toml").is_file() {
            failures.push(format!("init with {closed:?} closed: {}", text(&got)));
        }
    }
    // The packets written while nobody listened are whole.
    let mut correct = 0;
    for name in ["b.pdf", "j.pdf"] {
        match qpdf_ok(&out.join(name)) {
            Ok(()) => correct += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    tally("closed_pipes", tried, correct, 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// Cut-off downloads
// ---------------------------------------------------------------------------------------------

/// A report of 12 pages of 40 lines, each with a specimen code that does not compress:
/// over 15 KB, so a cut in the first kilobytes is early.
fn long_report() -> Vec<PageSpec> {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    (1..=12)
        .map(|p| {
            let lines: Vec<String> = (1..=40)
                .map(|l| {
                    let code: String = (0..4)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            format!("{:012x}", seed & 0xFFFF_FFFF_FFFF)
                        })
                        .collect();
                    format!("Page {p} line {l}: specimen {code}")
                })
                .collect();
            PageSpec::letter(lines)
        })
        .collect()
}

/// `whole` with an incremental update appended: a new document-info object, its own
/// cross-reference section and a trailer pointing back at the first one (as a viewer that
/// saves an annotation writes it).
fn with_update(whole: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(whole).expect("load");
    let size = doc.max_id + 1;
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(lopdf::Object::as_reference)
        .expect("root");
    let prev = whole
        .windows(9)
        .rposition(|w| w == b"startxref")
        .map(|at| {
            let digits: String = whole[at + 9..]
                .iter()
                .map(|&b| b as char)
                .skip_while(|c| c.is_whitespace())
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<usize>().expect("offset")
        })
        .expect("startxref");
    let mut out = whole.to_vec();
    let at = out.len() + 1;
    out.extend_from_slice(
        format!("\n{size} 0 obj\n<< /Producer (Viewer that saved a note) >>\nendobj\n").as_bytes(),
    );
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{size} 1\n{at:010} 00000 n \ntrailer\n<< /Size {} /Root {} {} R /Info {size} 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
            size + 1,
            root.0,
            root.1
        )
        .as_bytes(),
    );
    out
}

/// `whole` as qpdf rewrites it with `args` (None when qpdf is missing and not required).
fn qpdf_rewrite(whole: &[u8], args: &[&str]) -> Option<Vec<u8>> {
    if !require_tool("qpdf") {
        return None;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let (input, output) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&input, whole).expect("write");
    let o = Command::new("qpdf")
        .args(args)
        .arg(&input)
        .arg(&output)
        .output()
        .expect("qpdf");
    assert!(o.status.success(), "qpdf {args:?}: {}", text(&o));
    Some(std::fs::read(&output).expect("read"))
}

#[test]
fn a_pdf_cut_off_anywhere_is_called_cut_off_and_odd_but_whole_pdfs_are_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let classic = text_pdf(&long_report());
    let mut sources = vec![
        ("classic", classic.clone()),
        ("object-streams", text_pdf_modern(&long_report())),
        ("updated", with_update(&classic)),
    ];
    if let Some(linear) = qpdf_rewrite(&classic, &["--linearize"]) {
        sources.push(("linearized", linear));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![("packet.toml".into(), PATIENT.into())];
    let mut whole_names = Vec::new();
    for (name, whole) in &sources {
        assert!(whole.len() > 15_000, "{name} is {} bytes", whole.len());
        let mut padded = whole.clone();
        padded.extend_from_slice(&[0u8; 512]);
        padded.extend_from_slice(b"\r\n<html><body>Download complete</body></html>\r\n");
        for (kind, bytes) in [("whole", whole.clone()), ("padded", padded)] {
            let n = format!("{kind}-{name}.pdf");
            whole_names.push(n.clone());
            files.push((n, bytes));
        }
        let cuts = (1..10)
            .map(|tenth| whole.len() * tenth / 10)
            .chain([1024, 2048, 3000, 4096]);
        for at in cuts {
            files.push((format!("cut-{name}-{at}.pdf"), whole[..at].to_vec()));
        }
    }
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_files(&recs, &refs);

    let scan = medpacket()
        .args(["scan", "--json", "--no-cache"])
        .arg(&recs)
        .output()
        .expect("scan");
    assert!(scan.status.success(), "{}", text(&scan));
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("json");
    let mut failures = Vec::new();
    let mut tried = 0;
    for f in report["files"].as_array().expect("files") {
        let path = f["path"].as_str().unwrap_or("");
        if path.starts_with("cut-") {
            tried += 1;
            let reason = f["problem"]["reason"].as_str().unwrap_or("");
            let hint = f["problem"]["hint"].as_str().unwrap_or("");
            if f["status"] != "problem"
                || !reason.contains("cut off (the file ends early)")
                || !hint.starts_with("download it again")
            {
                failures.push(format!("{path}: {f}"));
            }
        } else if whole_names.iter().any(|n| n == path) {
            tried += 1;
            if f["status"] != "included" || f["pages"] != 12 {
                failures.push(format!("{path} is whole: {f}"));
            }
        }
    }
    assert_eq!(tried, files.len() - 1, "every file was scanned");

    // The build leaves the cut-off files out, names each, and packs the whole ones intact.
    let out = tmp.path().join("p.pdf");
    let b = medpacket()
        .args(["build", "--json", "--skip-unreadable", "--no-cache", "-o"])
        .arg(&out)
        .arg(&recs)
        .output()
        .expect("build");
    let mut correct = 0;
    if b.status.success() {
        let r: serde_json::Value = serde_json::from_slice(&b.stdout).expect("json");
        let skipped = r["skipped"].as_array().map_or(0, Vec::len);
        let packed = r["documents"].as_array().map_or(0, Vec::len);
        // Byte-identical whole copies are packed once (the padded ones differ).
        if skipped != tried - whole_names.len() || packed != whole_names.len() {
            failures.push(format!("build: {packed} packed, {skipped} skipped"));
        }
        match qpdf_ok(&out) {
            Ok(()) => correct += 1,
            Err(e) => failures.push(e),
        }
    } else {
        failures.push(format!("build: {}", text(&b)));
    }
    tally("cut_off_downloads", tried, correct, 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// A full or read-only disk; temporary files left by a killed build
// ---------------------------------------------------------------------------------------------

#[test]
fn a_full_or_read_only_disk_stops_the_build_naming_the_output_and_the_room_it_needs() {
    let disk = match SmallDisk::mount("1m") {
        Ok(d) => d,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    copy_tree(&sample_records_dir(), &recs);
    let before = sha256_tree(&recs);
    let mut failures = Vec::new();
    let mut tried = 0;
    let mut correct = 0;
    let build = |args: &[&str]| {
        medpacket()
            .arg("build")
            .arg(&recs)
            .args(args)
            .output()
            .expect("build")
    };
    let packet = disk.path().join("packet.pdf");
    let bundle = disk.path().join("packet.zip");
    let p = packet.to_string_lossy().to_string();
    let z = bundle.to_string_lossy().to_string();

    // The packet itself does not fit: 800 KB of the 1 MB are taken.
    std::fs::write(disk.path().join("filler"), vec![0u8; 800 * 1024]).expect("filler");
    let full = build(&["-o", &p]);
    tried += 1;
    let err = String::from_utf8_lossy(&full.stderr).to_string();
    if full.status.code() != Some(2)
        || !err.contains(&format!("{p}: the disk is full"))
        || !err.contains("this file needs about ")
        || !err.contains(" were free there")
        || disk.names() != ["filler"]
    {
        failures.push(format!(
            "packet on a full disk: {} left {:?}",
            text(&full),
            disk.names()
        ));
    }
    // The size it names is the packet's: the same build elsewhere writes that many bytes.
    let elsewhere = tmp.path().join("elsewhere.pdf");
    let ok = build(&["-o", &elsewhere.to_string_lossy()]);
    assert!(ok.status.success(), "{}", text(&ok));
    let kb = std::fs::metadata(&elsewhere)
        .expect("packet")
        .len()
        .div_ceil(1024);
    if !err.contains(&format!("needs about {kb} KB")) {
        failures.push(format!("the packet is {kb} KB; the message says: {err}"));
    }

    // The packet fits, its bundle does not: neither is left.
    std::fs::remove_file(disk.path().join("filler")).expect("rm");
    let zip_full = build(&["-o", &p, "--zip", &z]);
    tried += 1;
    let err = String::from_utf8_lossy(&zip_full.stderr).to_string();
    if zip_full.status.code() != Some(2)
        || !err.contains(&format!("{z}: the disk is full"))
        || !disk.names().is_empty()
        || err.contains("ZipWriter")
    {
        failures.push(format!(
            "bundle on a full disk: {} left {:?}",
            text(&zip_full),
            disk.names()
        ));
    }

    // A read-only disk.
    disk.remount("ro");
    let ro = build(&["-o", &p]);
    tried += 1;
    let err = String::from_utf8_lossy(&ro.stderr).to_string();
    if ro.status.code() != Some(2)
        || !err.contains(&format!(
            "{p}: cannot be written: its folder is on a read-only disk"
        ))
        || !disk.names().is_empty()
    {
        failures.push(format!("read-only disk: {}", text(&ro)));
    }
    disk.remount("rw");

    // With room again the same command writes a whole packet.
    let fine = build(&["-o", &p]);
    if fine.status.success() && qpdf_ok(&packet).is_ok() && disk.names() == ["packet.pdf"] {
        correct += 1;
    } else {
        failures.push(format!(
            "after making room: {} left {:?}",
            text(&fine),
            disk.names()
        ));
    }
    let lost = before
        .iter()
        .filter(|(path, sha)| sha256_tree(&recs).get(*path) != Some(sha))
        .count();
    if sha256_tree(&recs) != before {
        failures.push("the records folder changed".into());
    }
    tally("full_disk", tried, correct, lost);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn temporary_files_of_a_killed_build_are_removed_by_the_next_build_and_never_read_as_records() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    many_reports(&recs, 300);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let packet = out.join("p.pdf");
    let parts = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("ls")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".medpacket-") && n.ends_with(".part"))
            .collect()
    };
    // A build killed while it writes the packet leaves its temporary file.
    let mut killed = 0;
    for _ in 0..5 {
        let mut child = medpacket()
            .args(["build", "--no-cache", "-o"])
            .arg(&packet)
            .arg(&recs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("build");
        let start = std::time::Instant::now();
        while parts(&out).is_empty() && start.elapsed().as_secs() < 60 {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let _ = child.kill();
        let _ = child.wait();
        if !parts(&out).is_empty() && !packet.exists() {
            killed += 1;
            break;
        }
        let _ = std::fs::remove_file(&packet);
    }
    assert_eq!(killed, 1, "a build was killed while writing");
    let left = parts(&out);
    assert_eq!(left.len(), 1, "{left:?}");
    // A temporary file of a build still running (this test's own process) is kept.
    let running = format!(".medpacket-{}-running.part", std::process::id());
    std::fs::write(out.join(&running), b"%PDF-1.7 being written").expect("write");
    // The same names inside the records folder are passed over, never read as records.
    std::fs::write(recs.join(&left[0]), simple_pdf("OPERATIVE REPORT", &["x"])).expect("write");
    let scan = medpacket()
        .args(["scan", "--json"])
        .arg(&recs)
        .output()
        .expect("scan");
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("json");
    let entry = report.to_string();
    let mut failures = Vec::new();
    if report["files"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["path"] == left[0].as_str()))
        || !entry.contains("unfinished file medpacket was writing")
    {
        failures.push(format!(
            "scan lists the temporary file as a record: {entry}"
        ));
    }
    let next = medpacket()
        .args(["build", "-o"])
        .arg(&packet)
        .arg(&recs)
        .output()
        .expect("build");
    let now = parts(&out);
    if !next.status.success() || now != [running.clone()] {
        failures.push(format!("after the next build: {now:?}\n{}", text(&next)));
    }
    let mut correct = 0;
    match qpdf_ok(&packet) {
        Ok(()) => correct += 1,
        Err(e) => failures.push(e),
    }
    tally("killed_build", 1, correct, 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
