//! Emit: finished output bytes turn into files — written to a temporary file beside the
//! target (readable by the owner only), then renamed into place, never over an existing
//! file without `--force`, and never inside the records folder.

use crate::base::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A writer that hashes what passes through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }
    /// Hex SHA-256 and length of everything written.
    pub fn finish(self) -> (W, String, u64) {
        let digest = self.hasher.finalize();
        (self.inner, crate::read::scan::hex(&digest), self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// How many bytes are written between two requests to put the file on disk.
const FLUSH_EVERY: u64 = 16 * 1024 * 1024;

/// A file being written that asks a second thread to put it on disk every
/// [`FLUSH_EVERY`] bytes, so the disk writes while the packet is still being made and the
/// final sync (before the file is renamed into place) has only the tail left to wait for.
struct Flushing {
    file: std::fs::File,
    since: u64,
    wake: std::sync::mpsc::SyncSender<()>,
}

impl Write for Flushing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since += n as u64;
        if self.since >= FLUSH_EVERY {
            self.since = 0;
            // A request already waiting covers this one too.
            let _ = self.wake.try_send(());
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Refuses an output path inside the records folder, or an existing one without `force`.
pub fn check_target(target: &Path, records: &Path, force: bool) -> Result<PathBuf> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = parent.canonicalize().map_err(|e| Error::io(&parent, e))?;
    let name = target.file_name().ok_or_else(|| Error::Config {
        path: target.to_path_buf(),
        message: "is not a file name — give a file name such as packet.pdf".into(),
    })?;
    let full = parent.join(name);
    let records = records
        .canonicalize()
        .unwrap_or_else(|_| records.to_path_buf());
    if full.starts_with(&records) {
        return Err(Error::Config {
            path: target.to_path_buf(),
            message: format!(
                "is inside the records folder {} — medpacket never writes there; choose an output outside it, e.g. -o ../packet.pdf",
                records.display()
            ),
        });
    }
    if full.exists() && !force {
        return Err(Error::OutputExists(target.to_path_buf()));
    }
    if full.is_dir() {
        return Err(Error::Config {
            path: target.to_path_buf(),
            message: "is a folder — give a file name".into(),
        });
    }
    Ok(full)
}

/// Creates the output folder `dir` (owner-only) when missing; refuses one inside the
/// records folder.
pub fn create_folder(dir: &Path, records: &Path) -> Result<()> {
    let records = records
        .canonicalize()
        .unwrap_or_else(|_| records.to_path_buf());
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(dir, e))?
            .join(dir)
    };
    let existing = absolute.canonicalize().unwrap_or(absolute);
    if existing.starts_with(&records) {
        return Err(Error::Config {
            path: dir.to_path_buf(),
            message: format!(
                "is inside the records folder {} — medpacket never writes there; choose a folder outside it",
                records.display()
            ),
        });
    }
    if existing.exists() && !existing.is_dir() {
        return Err(Error::Config {
            path: dir.to_path_buf(),
            message: "is a file — give a folder for the documents".into(),
        });
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

/// Writes a file atomically: `write` fills a temporary file beside `target`, which is
/// then renamed to `target`. Returns the SHA-256 and size of what was written.
pub fn write_atomic<F>(target: &Path, force: bool, write: F) -> Result<(String, u64)>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let tmp = temp_beside(target)?;
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| Error::io(tmp.path(), e))?;
    let syncer = file.try_clone().map_err(|e| Error::io(tmp.path(), e))?;
    let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
    let (file, sha, len) = std::thread::scope(|s| {
        // Puts what was written so far on disk when asked; ends with the writing. An
        // error it meets is the packet's error: the system reports a failed write to disk
        // once, so the final sync may not see it again.
        let synced = s.spawn(move || -> std::io::Result<()> {
            for () in woken {
                syncer.sync_data()?;
            }
            Ok(())
        });
        let flushing = Flushing {
            file,
            since: 0,
            wake,
        };
        // Buffered before hashing, so the hash takes large blocks however small the writes.
        let mut buf = BufWriter::with_capacity(256 * 1024, HashingWriter::new(flushing));
        write(&mut buf)?;
        let hw = buf
            .into_inner()
            .map_err(|e| Error::io(target, e.into_error()))?;
        let (flushing, sha, len) = hw.finish();
        let Flushing { file, wake, .. } = flushing;
        drop(wake);
        synced
            .join()
            .map_err(|_| Error::Internal("the packet's disk writer stopped".into()))?
            .map_err(|e| Error::io(target, e))?;
        Ok::<_, Error>((file, sha, len))
    })?;
    file.sync_all().map_err(|e| Error::io(target, e))?;
    persist(tmp, target, force)?;
    Ok((sha, len))
}

/// Like [`write_atomic`], for writers that need to seek (a ZIP archive): `write` gets the
/// temporary file itself. Returns the SHA-256 and size of the finished file.
pub fn write_atomic_seekable<F>(target: &Path, force: bool, write: F) -> Result<(String, u64)>
where
    F: FnOnce(std::fs::File) -> Result<std::fs::File>,
{
    use std::io::Seek;
    let tmp = temp_beside(target)?;
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| Error::io(tmp.path(), e))?;
    let mut file = write(file)?;
    file.sync_all().map_err(|e| Error::io(target, e))?;
    file.rewind().map_err(|e| Error::io(target, e))?;
    let mut hw = HashingWriter::new(std::io::sink());
    std::io::copy(&mut file, &mut hw).map_err(|e| Error::io(target, e))?;
    let (_, sha, len) = hw.finish();
    persist(tmp, target, force)?;
    Ok((sha, len))
}

/// `name` for n = 1, else `stem (n).ext`.
pub fn numbered(name: &str, n: u32) -> String {
    if n <= 1 {
        return name.to_string();
    }
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{} ({n}){}", &name[..dot], &name[dot..]),
        _ => format!("{name} ({n})"),
    }
}

/// A free path for `name` in `dir`: `name`, else `stem (2).ext` and so on.
pub fn free_name(dir: &Path, name: &str) -> PathBuf {
    (1..=1000u32)
        .map(|n| dir.join(numbered(name, n)))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .unwrap_or_else(|| dir.join(name))
}

/// Writes `bytes` as a new file in `dir` under `name`, or under the first free numbered
/// variant of it (`name (2).pdf`…): never over an existing file. Returns the path.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    for _ in 0..8 {
        let target = free_name(dir, name);
        match write_atomic(&target, false, |w| {
            w.write_all(bytes).map_err(|e| Error::io(&target, e))
        }) {
            // Taken between the look and the rename: look again.
            Err(Error::OutputExists(_)) => continue,
            Err(e) => return Err(e),
            Ok(_) => return Ok(target),
        }
    }
    Err(Error::OutputExists(dir.join(name)))
}

/// Creates a folder (and its parents) readable by the owner only, when it is new.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

/// A temporary file beside `target`, readable by the owner only.
fn temp_beside(target: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".medpacket-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    set_owner_only(tmp.path())?;
    Ok(tmp)
}

/// Renames the finished temporary file to `target` (never over a file without `force`).
fn persist(tmp: tempfile::NamedTempFile, target: &Path, force: bool) -> Result<()> {
    let result = if force {
        tmp.persist(target).map(|_| ())
    } else {
        tmp.persist_noclobber(target).map(|_| ())
    };
    result.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists(target.to_path_buf())
        } else {
            Error::io(target, e.error)
        }
    })
}

#[cfg(unix)]
fn set_owner_only(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).map_err(|e| Error::io(p, e))
}

#[cfg(not(unix))]
fn set_owner_only(_p: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_never_clobbers_without_force() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("out.pdf");
        let (sha, len) = write_atomic(&target, false, |w| {
            w.write_all(b"first").map_err(|e| Error::io("x", e))
        })
        .expect("first write");
        assert_eq!(len, 5);
        assert_eq!(sha, crate::read::scan::sha256_hex(b"first"));
        let again = write_atomic(&target, false, |w| {
            w.write_all(b"second").map_err(|e| Error::io("x", e))
        });
        assert!(matches!(again, Err(Error::OutputExists(_))));
        assert_eq!(std::fs::read(&target).expect("read"), b"first");
        write_atomic(&target, true, |w| {
            w.write_all(b"second").map_err(|e| Error::io("x", e))
        })
        .expect("forced");
        assert_eq!(std::fs::read(&target).expect("read"), b"second");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("out.pdf");
        let r = write_atomic(&target, false, |_| Err(Error::Internal("boom".into())));
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    }

    #[test]
    fn new_files_get_new_names() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = write_new(dir.path(), "letter.pdf", b"one").expect("first");
        let b = write_new(dir.path(), "letter.pdf", b"two").expect("second");
        assert_eq!(a, dir.path().join("letter.pdf"));
        assert_eq!(b, dir.path().join("letter (2).pdf"));
        assert_eq!(std::fs::read(&a).expect("read"), b"one");
        assert_eq!(std::fs::read(&b).expect("read"), b"two");
    }

    #[test]
    fn output_inside_the_records_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = check_target(&dir.path().join("p.pdf"), dir.path(), true).expect_err("inside");
        assert!(err.to_string().contains("inside the records folder"));
    }
}
