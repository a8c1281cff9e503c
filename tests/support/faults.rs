//! Helpers shared by the fault tests (`tests/faults.rs`, `tests/faults_during.rs`):
//! the figures each test records, a small tmpfs, packets checked by qpdf.

use super::*;
use std::path::Path;
use std::process::{Command, Output};

pub const PATIENT: &str = "[patient]\nname = \"Ana Ruiz\"\ndate_of_birth = 1970-01-01\n";

/// Records what one test tried: faults caused, packets checked correct, files lost.
pub fn tally(test: &str, faults: usize, packets_correct: usize, files_lost: usize) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults");
    std::fs::create_dir_all(&dir).expect("tally folder");
    std::fs::write(
        dir.join(format!("{test}.txt")),
        format!("{faults} {packets_correct} {files_lost}\n"),
    )
    .expect("tally");
}

pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `qpdf --check` accepts the file (Ok when qpdf is missing and not required).
pub fn qpdf_ok(path: &Path) -> Result<(), String> {
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

/// A small tmpfs mounted for one test, unmounted when dropped.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (mount(8) syntax), or says why it cannot.
    pub fn mount(size: &str) -> Result<SmallDisk, String> {
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

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn remount(&self, opts: &str) {
        let o = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(self.path())
            .output()
            .expect("mount");
        assert!(o.status.success(), "remount {opts}: {}", text(&o));
    }

    pub fn names(&self) -> Vec<String> {
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

/// A records folder of `n` distinct one-page reports.
pub fn many_reports(dir: &Path, n: usize) {
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
