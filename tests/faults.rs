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
