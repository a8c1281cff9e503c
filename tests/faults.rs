//! Faults caused for real: closed pipes, cut-off downloads, a full or read-only disk,
//! temporary files left by a killed build, a damaged or shared cache, a records folder
//! that changes during a build. Each test counts what it tried into `target/tmp/faults/`;
//! `faults_summary` (run last, or `scripts/faults.sh`) adds the figures up.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::*;

const PATIENT: &str = "[patient]\nname = \"Ana Ruiz\"\ndate_of_birth = 1970-01-01\n";

/// Records what one test tried: faults caused, packets checked correct, files lost.
fn tally(test: &str, faults: usize, packets_correct: usize, files_lost: usize) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults");
    std::fs::create_dir_all(&dir).expect("tally folder");
    std::fs::write(
        dir.join(format!("{test}.txt")),
        format!("{faults} {packets_correct} {files_lost}\n"),
    )
    .expect("tally");
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

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

/// `qpdf --check` accepts the file (Ok when qpdf is missing and not required).
fn qpdf_ok(path: &Path) -> Result<(), String> {
    if !path.is_file() {
        return Err(format!("{} was not written", path.display()));
    }
    if !require_tool("qpdf") {
        return Ok(());
    }
    let o = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "qpdf --check {}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stdout)
        ))
    }
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

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (mount(8) syntax), or says why it cannot.
    fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount could not run: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "mount -t tmpfs is not allowed here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, opts: &str) {
        let o = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(self.path())
            .output()
            .expect("mount");
        assert!(o.status.success(), "remount {opts}: {}", text(&o));
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).output();
    }
}

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

/// A records folder of `n` distinct one-page reports.
fn many_reports(dir: &Path, n: usize) {
    let files: Vec<(String, Vec<u8>)> =
        std::iter::once(("packet.toml".to_string(), PATIENT.into()))
            .chain((0..n).map(|i| {
                (
                    format!("lab-{i:03}.pdf"),
                    simple_pdf(
                        "LABORATORY REPORT",
                        &[
                            &format!("Collected: 01/{:02}/2025", i % 28 + 1),
                            &format!("Sample {i}"),
                        ],
                    ),
                )
            }))
            .collect();
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_files(dir, &refs);
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

// ---------------------------------------------------------------------------------------------
// The cache: damaged entries, a cache folder that cannot be written, two builds at once
// ---------------------------------------------------------------------------------------------

/// Builds `recs` into `out` with the cache in `cache` (None: `--no-cache`).
fn build_with_cache(recs: &Path, out: &Path, cache: Option<&Path>) -> Command {
    let mut cmd = medpacket();
    cmd.args(["build", "--json", "--force", "-o"])
        .arg(out)
        .arg(recs);
    match cache {
        Some(c) => {
            cmd.env("MEDPACKET_CACHE_DIR", c);
        }
        None => {
            cmd.arg("--no-cache");
        }
    }
    cmd
}

/// Every cache entry file under `dir`.
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for kind in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for e in std::fs::read_dir(kind.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "json") {
                v.push(e.path());
            }
        }
    }
    v.sort();
    v
}

/// The cache warnings of a build's JSON report.
fn cache_warnings(o: &Output) -> Vec<String> {
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    r["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| w["what"].as_str().unwrap_or("").to_string())
        .filter(|w| w.contains("cache folder"))
        .collect()
}

#[test]
fn damaged_entries_an_unwritable_cache_and_two_builds_at_once_give_the_same_packet() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    copy_tree(&sample_records_dir(), &recs);
    let before = sha256_tree(&recs);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let mut failures = Vec::new();
    let mut tried = 0;
    let mut correct = 0;

    // The packet as built without any cache is the one every other build must match.
    let reference = out.join("reference.pdf");
    let o = build_with_cache(&recs, &reference, None)
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", text(&o));
    qpdf_ok(&reference).expect("reference packet");
    let want = std::fs::read(&reference).expect("packet");
    let mut same = |name: &str, o: &Output, failures: &mut Vec<String>| {
        let got = std::fs::read(out.join(name)).unwrap_or_default();
        if o.status.success() && got == want && qpdf_ok(&out.join(name)).is_ok() {
            correct += 1;
        } else {
            failures.push(format!("{name}: not the reference packet\n{}", text(o)));
        }
    };

    let cache = tmp.path().join("cache");
    let o = build_with_cache(&recs, &out.join("cold.pdf"), Some(&cache))
        .output()
        .expect("build");
    same("cold.pdf", &o, &mut failures);
    let filled = entries(&cache);
    assert!(filled.len() > 10, "the cache holds entries: {filled:?}");
    let originals: Vec<Vec<u8>> = filled
        .iter()
        .map(|p| std::fs::read(p).expect("entry"))
        .collect();

    // Each kind of damage to every entry at once: ignored, the packet the same, the
    // entries written again whole.
    type Damage = fn(&[u8]) -> Vec<u8>;
    let damages: [(&str, Damage); 4] = [
        ("cut short", |b| b[..b.len() / 2].to_vec()),
        ("a byte changed", |b| {
            let mut d = b.to_vec();
            let at = d.len() * 3 / 4;
            d[at] = if d[at] == b'1' { b'2' } else { b'1' };
            d
        }),
        ("another version's", |b| {
            String::from_utf8_lossy(b)
                .replacen(env!("CARGO_PKG_VERSION"), "0.0.1-older", 1)
                .into_bytes()
        }),
        ("empty", |_| Vec::new()),
    ];
    for (what, damage) in damages {
        for (p, b) in filled.iter().zip(&originals) {
            std::fs::write(p, damage(b)).expect("damage");
        }
        tried += filled.len();
        let name = format!("{}.pdf", what.replace(' ', "-").replace('\'', ""));
        let o = build_with_cache(&recs, &out.join(&name), Some(&cache))
            .output()
            .expect("build");
        same(&name, &o, &mut failures);
        let rewritten = filled
            .iter()
            .zip(&originals)
            .filter(|(p, b)| std::fs::read(p).ok().as_ref() == Some(*b))
            .count();
        // Identity entries hold file times, which a fresh copy of the records does not
        // change, so every entry comes back byte for byte.
        if rewritten != filled.len() {
            failures.push(format!(
                "{what}: {rewritten} of {} entries written again whole",
                filled.len()
            ));
        }
    }

    // A cache folder on a read-only disk, and on a full one: one warning, same packet.
    match SmallDisk::mount("64k") {
        Err(why) => println!("skipped the read-only and full cache folders: {why}"),
        Ok(disk) => {
            let c = disk.path().join("cache");
            disk.remount("ro");
            let o = build_with_cache(&recs, &out.join("ro-cache.pdf"), Some(&c))
                .output()
                .expect("build");
            tried += 1;
            same("ro-cache.pdf", &o, &mut failures);
            let w = cache_warnings(&o);
            if w.len() != 1 || !w[0].contains("cannot be written") {
                failures.push(format!("read-only cache folder: warnings {w:?}"));
            }
            disk.remount("rw");
            std::fs::create_dir_all(&c).expect("cache");
            let fill = disk.path().join("filler");
            let mut f = std::fs::File::create(&fill).expect("filler");
            let _ = std::io::Write::write_all(&mut f, &vec![0u8; 128 * 1024]);
            drop(f);
            let o = build_with_cache(&recs, &out.join("full-cache.pdf"), Some(&c))
                .output()
                .expect("build");
            tried += 1;
            same("full-cache.pdf", &o, &mut failures);
            let w = cache_warnings(&o);
            if w.len() != 1 {
                failures.push(format!("full cache folder: warnings {w:?}"));
            }
            let stray: Vec<_> = std::fs::read_dir(&c)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|k| std::fs::read_dir(k.path()).into_iter().flatten().flatten())
                .filter(|e| e.file_name().to_string_lossy().starts_with(".entry-"))
                .collect();
            if !stray.is_empty() {
                failures.push(format!(
                    "full cache folder: {} temporary entries left",
                    stray.len()
                ));
            }
        }
    }

    // Two builds at once sharing the records folder and the cache: cold, then warm.
    for round in ["cold", "warm", "cold again", "warm again"] {
        let shared = tmp.path().join("shared");
        if round.starts_with("cold") {
            let _ = std::fs::remove_dir_all(&shared);
        }
        let names = [format!("{round}-a.pdf"), format!("{round}-b.pdf")];
        let children: Vec<_> = names
            .iter()
            .map(|n| {
                build_with_cache(&recs, &out.join(n), Some(&shared))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("build")
            })
            .collect();
        for (n, c) in names.iter().zip(children) {
            let o = c.wait_with_output().expect("wait");
            tried += 1;
            same(n, &o, &mut failures);
        }
    }
    let lost = before.len()
        - sha256_tree(&recs)
            .iter()
            .filter(|(p, s)| before.get(*p) == Some(*s))
            .count();
    if lost > 0 {
        failures.push(format!("{lost} records changed"));
    }
    tally("cache", tried, correct, lost);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// The records folder changing during a build
// ---------------------------------------------------------------------------------------------

/// Runs a build of `recs` and, as soon as it starts writing the packet (its temporary
/// file appears), lets `change` alter the folder from this thread while the build goes on.
fn build_while(recs: &Path, packet: &Path, change: impl FnOnce()) -> (Output, bool) {
    let dir = packet.parent().expect("folder");
    let writing = || {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".part"))
    };
    let mut child = medpacket()
        .args(["build", "--json", "-o"])
        .arg(packet)
        .arg(recs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("build");
    let start = std::time::Instant::now();
    let mut raced = false;
    while start.elapsed().as_secs() < 120 {
        if writing() {
            change();
            raced = true;
            break;
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    (child.wait_with_output().expect("wait"), raced)
}

#[test]
fn a_record_replaced_removed_or_added_during_the_build_is_named_and_never_mixed_in() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut failures = Vec::new();
    let mut tried = 0;
    let mut correct = 0;
    let mut lost = 0;
    let replaced = simple_pdf(
        "OPERATIVE REPORT",
        &["REPLACED VERSION", "Date of Surgery: 02/02/2025"],
    );
    let cases: [(&str, &str); 6] = [
        ("replace", "lab-250.pdf"),
        ("replace", "lab-000.pdf"),
        ("remove", "lab-250.pdf"),
        ("remove", "lab-000.pdf"),
        ("add", "new-report.pdf"),
        ("touch", "lab-120.pdf"),
    ];
    for (n, (what, name)) in cases.iter().enumerate() {
        let recs = tmp.path().join(format!("recs-{n}"));
        many_reports(&recs, 300);
        let out = tmp.path().join(format!("out-{n}"));
        std::fs::create_dir_all(&out).expect("out");
        let packet = out.join("p.pdf");
        let target = recs.join(name);
        let (o, raced) = build_while(&recs, &packet, || match *what {
            "replace" => {
                // A new file renamed over the old one, as a download manager does.
                let part = recs.join("incoming.tmp.pdf.download");
                std::fs::write(&part, &replaced).expect("write");
                std::fs::rename(&part, &target).expect("rename");
            }
            "remove" => std::fs::remove_file(&target).expect("remove"),
            "add" => std::fs::write(&target, &replaced).expect("add"),
            _ => {
                // The same bytes written again in place.
                let bytes = std::fs::read(&target).expect("read");
                std::fs::write(&target, bytes).expect("write");
            }
        });
        tried += 1;
        let case = format!("{what} {name}");
        if !raced {
            failures.push(format!(
                "{case}: the build ended before the change: {}",
                text(&o)
            ));
            continue;
        }
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        if *what == "add" {
            // The packet is whole as scanned; the new file is named as not in it.
            let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
            let warned = r["warnings"].as_array().into_iter().flatten().any(|w| {
                w["path"] == *name && w["what"].to_string().contains("not in this packet")
            });
            let packed = r["documents"].as_array().map_or(0, Vec::len);
            if o.status.success() && warned && packed == 300 && qpdf_ok(&packet).is_ok() {
                correct += 1;
            } else {
                failures.push(format!("{case}: {}", text(&o)));
            }
        } else if o.status.code() != Some(2)
            || !err.contains(name)
            || !err.contains("run the command again")
            || packet.exists()
            || !leftovers.is_empty()
            || err.contains("panicked")
        {
            failures.push(format!("{case}: {} left {leftovers:?}", text(&o)));
        }
        // Nothing in the folder was touched by medpacket: every record but the one this
        // test changed is as it was written.
        let now = sha256_tree(&recs);
        let expected = if *what == "remove" { 299 } else { 300 };
        let records = now
            .keys()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .count();
        let changed_here = usize::from(*what == "add");
        if records != expected + changed_here {
            lost += 1;
            failures.push(format!("{case}: {records} records in the folder"));
        }
        // Built again once the folder is still, the packet holds the new state whole.
        if *what != "add" {
            let again = medpacket()
                .args(["build", "--json", "-o"])
                .arg(&packet)
                .arg(&recs)
                .output()
                .expect("build");
            let ok = again.status.success() && qpdf_ok(&packet).is_ok();
            let shows_new = *what != "replace"
                || Command::new("pdftotext")
                    .arg(&packet)
                    .arg("-")
                    .output()
                    .is_ok_and(|t| String::from_utf8_lossy(&t.stdout).contains("REPLACED VERSION"));
            if ok && shows_new {
                correct += 1;
            } else {
                failures.push(format!("{case}: the build after it: {}", text(&again)));
            }
        }
    }
    tally("folder_changes", tried, correct, lost);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
