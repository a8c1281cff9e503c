//! Emit: finished output bytes turn into files — written to a temporary file beside the
//! target (`.medpacket-<pid>-*.part`, readable by the owner only), then renamed into place,
//! never over an existing file without `--force`, and never inside the records folder. A
//! full disk is named with the space the file needs; no temporary file outlives a failed
//! write, and those left by a killed run are removed by the next one into that folder.

use crate::base::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

mod hashing;
pub use hashing::HashingWriter;
use hashing::{failure, hand_over_to, hash_behind, leave, BLOCK};

/// How many bytes are written between two requests to put the file on disk. Small enough
/// that the final sync of a packet of a few megabytes has little left to wait for (4 ms
/// for a 5 MB packet when it was 16 MB, under 1 ms now); requests made while the disk is
/// still busy with the last one are merged into the next.
const FLUSH_EVERY: u64 = 2 * 1024 * 1024;

/// What the writes into one temporary file met: how many bytes were written, and whether
/// one failed for want of room (a full disk, a quota, a file-size limit). Once the disk is
/// full, later writes only count their bytes: the file is given up, but it is finished in
/// the count, so the error can say exactly how large it would have been.
#[derive(Default)]
struct Watch {
    written: std::sync::atomic::AtomicU64,
    full: std::sync::atomic::AtomicBool,
    /// The writer got to the end (so `written` is the whole file's size).
    finished: std::sync::atomic::AtomicBool,
}

impl Watch {
    fn saw<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if no_room(e) {
                self.full.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        r
    }

    fn is_full(&self) -> bool {
        self.full.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes `buf` into `file`, or once the disk is full only counts it.
    fn write(&self, file: &mut std::fs::File, buf: &[u8]) -> std::io::Result<usize> {
        let n = if self.is_full() {
            buf.len()
        } else {
            match file.write(buf) {
                Err(e) if no_room(&e) => {
                    self.saw(Err::<(), _>(e)).ok();
                    buf.len()
                }
                r => r?,
            }
        };
        self.written
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether an error means the file system has no room for more bytes.
fn no_room(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    matches!(e.kind(), StorageFull | QuotaExceeded | FileTooLarge)
}

/// A file being written that asks a second thread to put it on disk every
/// [`FLUSH_EVERY`] bytes, so the disk writes while the packet is still being made and the
/// final sync (before the file is renamed into place) has only the tail left to wait for.
struct Flushing<'w> {
    file: std::fs::File,
    since: u64,
    wake: std::sync::mpsc::SyncSender<()>,
    /// Told after every write when a thread reads the file back to hash it
    /// ([`Hashing::Trailing`]); it reads on to the end once this is dropped.
    written: Option<std::sync::mpsc::SyncSender<()>>,
    watch: &'w Watch,
}

impl Write for Flushing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.watch.write(&mut self.file, buf)?;
        self.since += n as u64;
        if self.since >= FLUSH_EVERY {
            self.since = 0;
            // A request already waiting covers this one too.
            let _ = self.wake.try_send(());
        }
        if let Some(written) = &self.written {
            let _ = written.try_send(());
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.watch.saw(self.file.flush())
    }
}

/// The temporary file a seekable writer (a ZIP archive) fills, watched like [`Flushing`];
/// once the disk is full its position and end are only counted.
pub struct Watched {
    file: std::fs::File,
    watch: std::sync::Arc<Watch>,
    pos: u64,
    end: u64,
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.watch.write(&mut self.file, buf)?;
        self.pos += n as u64;
        self.end = self.end.max(self.pos);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.watch.is_full() {
            return Ok(());
        }
        self.watch.saw(self.file.flush())
    }
}

impl std::io::Seek for Watched {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        use std::io::SeekFrom;
        if !self.watch.is_full() {
            self.pos = self.file.seek(to)?;
            return Ok(self.pos);
        }
        let base = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.end.checked_add_signed(d),
        };
        self.pos = base.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

impl std::io::Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.pos += n as u64;
        Ok(n)
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
                "is inside the records folder {} — medpacket never writes there; choose a place outside it, e.g. in the folder above it",
                records.display()
            ),
        });
    }
    // A folder is never replaced, forced or not: that is said first.
    if full.is_dir() {
        return Err(Error::Config {
            path: target.to_path_buf(),
            message: "is a folder — give a file name".into(),
        });
    }
    if full.exists() && !force {
        return Err(Error::OutputExists(target.to_path_buf()));
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
    write_atomic_expecting(target, force, 0, Hashing::Inline, write)
}

/// Where the SHA-256 of a file being written is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hashing {
    /// By the thread writing it, as the bytes pass: for small files.
    Inline,
    /// On a second thread, which hashes and writes the blocks `write` hands over while it
    /// makes the next ones: for a packet whose making is most of the work (PDF pages).
    HandOver,
    /// On a second thread, which reads the file back (from the system's cache) behind the
    /// writer: for a packet that is mostly large blocks copied as they are (pictures),
    /// where hashing costs more than writing and handing blocks over would copy them
    /// once more.
    Trailing,
    /// Not taken (the checksum returned is empty): for a packet whose checksum nobody
    /// reads, where taking it would cost more than writing the file (pictures).
    Off,
}

/// Like [`write_atomic`], for a file expected to be about `expected` bytes: when the disk
/// fills, the error says how much room the file needs and how much there was. `hashing`
/// says where the file's SHA-256 is taken (or that it is not: [`Hashing::Off`] returns
/// an empty one).
pub fn write_atomic_expecting<F>(
    target: &Path,
    force: bool,
    expected: u64,
    hashing: Hashing,
    write: F,
) -> Result<(String, u64)>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let free = free_space(&dir_of(target));
    let tmp = temp_beside(target)?;
    let watch = Watch::default();
    // `tmp` itself goes to be renamed into place at the end: its name (for errors opening
    // it) and, for a hash taken behind the writer, a second handle to read it back are
    // taken first.
    let tmp_path = tmp.path().to_path_buf();
    let back = match hashing {
        Hashing::Trailing => Some(tmp.reopen().map_err(|e| Error::io(&tmp_path, e))?),
        _ => None,
    };
    let written = (|| {
        let file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(&tmp_path, e))?;
        let syncer = file.try_clone().map_err(|e| Error::io(&tmp_path, e))?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let watch = &watch;
        // What stopped the thread that hashes and writes the packet's bytes, if anything.
        let failed: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);
        std::thread::scope(|s| {
            // Puts what was written so far on disk when asked; ends with the writing. An
            // error it meets is the packet's error: the system reports a failed write to
            // disk once, so the final sync may not see it again.
            let synced = s.spawn(move || -> std::io::Result<()> {
                for () in woken {
                    if !watch.is_full() {
                        watch.saw(syncer.sync_data())?;
                    }
                }
                Ok(())
            });
            let mut flushing = Flushing {
                file,
                since: 0,
                wake,
                written: None,
                watch,
            };
            let (wrote, taken) = match (hashing, back) {
                (Hashing::HandOver, _) => {
                    // The bytes are hashed and written on another thread, in blocks, while
                    // this one makes the next block.
                    let (mut handover, taker) = hand_over_to(s, flushing, &failed);
                    let wrote = write(&mut handover)
                        .and_then(|()| handover.flush().map_err(|e| Error::io(target, e)));
                    // The other thread ends once the last block is handed over.
                    drop(handover);
                    // None when the other thread failed (its error is in `failed`) or panicked.
                    let taken = taker.join().ok().flatten();
                    (wrote, taken.map(|(f, sha, len)| (f, Sum::Known(sha, len))))
                }
                (Hashing::Trailing, Some(back)) => {
                    let (told, news) = std::sync::mpsc::sync_channel::<()>(1);
                    flushing.written = Some(told);
                    let failed = &failed;
                    let trailer =
                        s.spawn(move || hash_behind(back, || watch.is_full(), news, failed));
                    // Large writes (a picture's stream) go straight through. The hashing
                    // thread reads on to the end once told no more is coming (below), while
                    // this one puts the file on disk and in place.
                    let (wrote, flushing) = buffered(flushing, write, failed);
                    (wrote, flushing.map(|f| (f, Sum::Behind(trailer))))
                }
                (Hashing::Off, _) => {
                    let (wrote, flushing) = buffered(flushing, write, &failed);
                    let written = watch.written.load(std::sync::atomic::Ordering::Relaxed);
                    (
                        wrote,
                        flushing.map(|f| (f, Sum::Known(String::new(), written))),
                    )
                }
                (Hashing::Inline, _) | (Hashing::Trailing, None) => {
                    // Buffered before hashing, so the hash takes large blocks however small
                    // the writes (a larger write goes straight through, uncopied).
                    let (wrote, hw) = buffered(HashingWriter::new(flushing), write, &failed);
                    let taken = hw.map(HashingWriter::finish);
                    (wrote, taken.map(|(f, sha, len)| (f, Sum::Known(sha, len))))
                }
            };
            if let Err(e) = wrote {
                // The syncer ends once the file being written (and its channel) is gone.
                drop(taken);
                let _ = synced.join();
                return Err(e);
            }
            let Some((flushing, sum)) = taken else {
                let _ = synced.join();
                return Err(Error::io(target, failure(&failed)));
            };
            watch
                .finished
                .store(true, std::sync::atomic::Ordering::Relaxed);
            // Dropping the channels tells the syncer (and a hashing thread behind the
            // writer) that the writing is done.
            let Flushing {
                file,
                wake,
                written,
                ..
            } = flushing;
            drop((wake, written));
            synced
                .join()
                .map_err(|_| Error::Internal("the packet's disk writer stopped".into()))?
                .map_err(|e| Error::io(target, e))?;
            if !watch.is_full() {
                watch
                    .saw(file.sync_all())
                    .map_err(|e| Error::io(target, e))?;
            }
            if watch.is_full() {
                return Err(Error::io(target, std::io::ErrorKind::StorageFull.into()));
            }
            // On disk in full: renamed into place while a hashing thread behind the writer
            // may still be reading it (renaming over an earlier packet of pictures takes
            // as long as a quarter of its hash, for the system to drop the old file's
            // pages).
            let replacing = matches!(sum, Sum::Behind(_)) && target.exists();
            persist(tmp, target, force)?;
            match sum {
                Sum::Known(sha, len) => Ok((sha, len)),
                Sum::Behind(trailer) => {
                    let written = watch.written.load(std::sync::atomic::Ordering::Relaxed);
                    match trailer.join().ok().flatten() {
                        Some((sha, len)) if len == written => Ok((sha, len)),
                        _ => hash_again(file, target, written, replacing),
                    }
                }
            }
        })
    })();
    written.map_err(|e| explain(e, target, &watch, expected, free))
}

/// The SHA-256 of a file written, where it was taken.
enum Sum<'scope> {
    /// Taken as the bytes passed (or not at all, and empty: [`Hashing::Off`]).
    Known(String, u64),
    /// Still being taken, by a thread reading the file back behind its writer.
    Behind(std::thread::ScopedJoinHandle<'scope, Option<(String, u64)>>),
}

/// Hashes the file just put in place at `target` once more, through `file` (a handle to
/// it, so another run's file put there since is neither hashed nor removed), when the
/// thread reading it back behind its writer could not, or read other than the `written`
/// bytes. A file that cannot be read back as written is removed, not left to be taken for
/// the packet; `replacing` says an earlier file by that name was already replaced by it.
fn hash_again(
    mut file: std::fs::File,
    target: &Path,
    written: u64,
    replacing: bool,
) -> Result<(String, u64)> {
    use std::io::Seek;
    let hashed = file
        .rewind()
        .and_then(|()| crate::base::digest::sha256_read(&file));
    let why = match hashed {
        Ok((sha, len)) if len == written => return Ok((sha, len)),
        Ok((_, len)) => format!("it holds {len} bytes, not the {written} written"),
        Err(e) => e.to_string(),
    };
    if is_the_file_at(&file, target) {
        let _ = std::fs::remove_file(target);
    }
    let earlier = if replacing {
        " (the earlier file by this name had already been replaced by it)"
    } else {
        ""
    };
    Err(Error::Output {
        path: target.to_path_buf(),
        message: format!(
            "the file written could not be read back as written to take its checksum ({why}), so it was removed{earlier}. The records folder is untouched; check the disk and run the command again"
        ),
    })
}

/// Whether `target` names the file `file` is open on (where that cannot be told: yes).
fn is_the_file_at(file: &std::fs::File, target: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(target)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        target.exists()
    }
}

/// Runs `write` into `inner` through a buffer of one block (a larger write goes straight
/// through). Returns what `write` returned, and `inner` once the buffer is emptied into
/// it; None when that failed, its error left in `failed`.
fn buffered<W: Write, F>(
    inner: W,
    write: F,
    failed: &std::sync::Mutex<Option<std::io::Error>>,
) -> (Result<()>, Option<W>)
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let mut buf = BufWriter::with_capacity(BLOCK, inner);
    let wrote = write(&mut buf);
    match buf.into_inner() {
        Ok(inner) => (wrote, Some(inner)),
        Err(e) => {
            leave(failed, e.into_error());
            (wrote, None)
        }
    }
}

/// Replaces a file of the user's own that medpacket edits (packet.toml) with `text`,
/// atomically and as the user keeps it: through a symbolic link, the file it points at
/// is replaced (not the link), and an existing file keeps its permissions (a new one is
/// the owner's only, as medpacket's outputs are).
pub fn rewrite_users_file(path: &Path, text: &str) -> Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?
        }
        _ => path.to_path_buf(),
    };
    let kept = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let tmp = temp_beside(&target)?;
    let mut file = tmp.as_file();
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&target, e))?;
    if let Some(p) = kept {
        std::fs::set_permissions(tmp.path(), p).map_err(|e| Error::io(tmp.path(), e))?;
    }
    persist(tmp, &target, true)
}

/// Like [`write_atomic`], for writers that need to seek (a ZIP archive): `write` gets the
/// temporary file itself. Returns the SHA-256 and size of the finished file.
pub fn write_atomic_seekable<F>(target: &Path, force: bool, write: F) -> Result<(String, u64)>
where
    F: FnOnce(Watched) -> Result<Watched>,
{
    write_atomic_seekable_expecting(target, force, 0, write)
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

/// Like [`write_atomic_seekable`], for a file expected to be about `expected` bytes.
pub fn write_atomic_seekable_expecting<F>(
    target: &Path,
    force: bool,
    expected: u64,
    write: F,
) -> Result<(String, u64)>
where
    F: FnOnce(Watched) -> Result<Watched>,
{
    use std::io::Seek;
    let free = free_space(&dir_of(target));
    let tmp = temp_beside(target)?;
    let watch = std::sync::Arc::new(Watch::default());
    let written = (|| {
        let file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(tmp.path(), e))?;
        let done = write(Watched {
            file,
            watch: watch.clone(),
            pos: 0,
            end: 0,
        });
        if watch.is_full() {
            // Counted to the end: the file's size is what it would have been.
            if let Ok(w) = &done {
                watch
                    .written
                    .store(w.end, std::sync::atomic::Ordering::Relaxed);
                watch
                    .finished
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return Err(Error::io(target, std::io::ErrorKind::StorageFull.into()));
        }
        let mut file = done?.file;
        watch
            .saw(file.sync_all())
            .map_err(|e| Error::io(target, e))?;
        file.rewind().map_err(|e| Error::io(target, e))?;
        let mut hw = HashingWriter::new(std::io::sink());
        std::io::copy(&mut file, &mut hw).map_err(|e| Error::io(target, e))?;
        let (_, sha, len) = hw.finish();
        Ok((sha, len))
    })();
    let written = written.map_err(|e| explain(e, target, &watch, expected, free))?;
    persist(tmp, target, force)?;
    Ok(written)
}

/// The error of a failed write, said plainly when the disk was full: which file, how much
/// room it needs, how much there was. The temporary file is removed by the caller.
fn explain(e: Error, target: &Path, watch: &Watch, expected: u64, free: Option<u64>) -> Error {
    if !watch.full.load(std::sync::atomic::Ordering::Relaxed) {
        return e;
    }
    // The whole file was counted when its writer could finish; otherwise at least what it
    // wrote, or the estimate when that is larger.
    let written = watch.written.load(std::sync::atomic::Ordering::Relaxed);
    let finished = watch.finished.load(std::sync::atomic::Ordering::Relaxed);
    let needed = if finished {
        written
    } else {
        expected.max(written)
    };
    let free = match free {
        Some(f) => format!("{} were free there", size_text(f)),
        None => "the free space there could not be read".to_string(),
    };
    Error::Output {
        path: target.to_path_buf(),
        message: format!(
            "the disk is full — this file needs about {} and {free}; make room in {} (or write it elsewhere with -o) and run the command again. Nothing was left behind: no partial file, and the records folder is untouched",
            size_text(needed),
            dir_of(target).display()
        ),
    }
}

/// A size as people read it: 340 KB, 12.5 MB, 1.2 GB.
fn size_text(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB * KB {
        format!("{} KB", (b / KB).ceil() as u64)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else {
        format!("{:.1} GB", b / (KB * KB * KB))
    }
}

/// Bytes an unprivileged program may still write in `dir` (None where it cannot be read).
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(dir).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}

/// The folder a file is written in.
fn dir_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// How temporary files are named: `.medpacket-<pid>-<random>.part`, so the next run can
/// tell one a killed run left (its process gone) from one a running build is writing.
const TEMP_PREFIX: &str = ".medpacket-";
const TEMP_SUFFIX: &str = ".part";

/// A temporary file beside `target`, readable by the owner only. Temporary files that
/// earlier, killed runs left in that folder are removed first.
fn temp_beside(target: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = dir_of(target);
    remove_leftovers(&dir);
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(&dir)
        .map_err(|e| cannot_write(target, &dir, e))?;
    set_owner_only(tmp.path())?;
    Ok(tmp)
}

/// Why no file can be made in `dir`, said for the output it was meant for.
fn cannot_write(target: &Path, dir: &Path, e: std::io::Error) -> Error {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    let why = match e.kind() {
        ReadOnlyFilesystem => "its folder is on a read-only disk",
        PermissionDenied => "you may not write in its folder",
        _ if no_room(&e) => "the disk is full",
        _ => return Error::io(dir, e),
    };
    Error::Output {
        path: target.to_path_buf(),
        message: format!(
            "cannot be written: {why} ({}) — choose another place with -o, or make room there, and run the command again; nothing was written and the records folder is untouched",
            dir.display()
        ),
    }
}

/// Removes the `.medpacket-<pid>-*.part` files in `dir` whose process has ended (a build
/// killed while writing), and those older than a day whatever their process. A file a
/// running build is writing is kept. Best effort: what cannot be removed stays.
pub fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_leftover(name, &e) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether `name` is a temporary file of medpacket's that no running program will finish.
fn is_leftover(name: &str, entry: &std::fs::DirEntry) -> bool {
    let Some(middle) = name
        .strip_prefix(TEMP_PREFIX)
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
    else {
        return false;
    };
    if !entry.file_type().is_ok_and(|t| t.is_file()) {
        return false;
    }
    let age = entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default();
    if age > std::time::Duration::from_secs(24 * 3600) {
        return true;
    }
    let pid = middle
        .split_once('-')
        .and_then(|(pid, _)| pid.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) => !process_runs(pid),
        // An older run's name without its process: gone once it has not grown for a while.
        None => age > std::time::Duration::from_secs(600),
    }
}

/// Whether a process with this id runs (on systems without /proc: assumed to).
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
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
    fn a_file_hashed_behind_its_writer_has_the_checksum_of_every_byte_it_holds() {
        let data: Vec<u8> = (0..9 * BLOCK + 4_321)
            .map(|i| (i * 13 % 241) as u8)
            .collect();
        let dir = tempfile::tempdir().expect("tmp");
        for (n, pieces) in [
            // One byte at a time for a while, then a picture's stream larger than the
            // writer's buffer (which goes straight through), then the rest.
            vec![1; 300]
                .into_iter()
                .chain([5 * BLOCK + 7])
                .collect::<Vec<_>>(),
            // Nothing but small writes, and one single write of it all.
            vec![4096],
            vec![data.len()],
        ]
        .into_iter()
        .enumerate()
        {
            let target = dir.path().join(format!("packet-{n}.pdf"));
            let (sha, len) = write_atomic_expecting(&target, false, 0, Hashing::Trailing, |w| {
                let mut at = 0;
                for size in pieces.iter().cycle() {
                    if at == data.len() {
                        break;
                    }
                    let end = (at + size).min(data.len());
                    w.write_all(&data[at..end])
                        .map_err(|e| Error::io(&target, e))?;
                    at = end;
                }
                Ok(())
            })
            .expect("written");
            assert_eq!(std::fs::read(&target).expect("read"), data, "{pieces:?}");
            assert_eq!(len, data.len() as u64);
            assert_eq!(sha, crate::base::digest::sha256_hex(&data), "{pieces:?}");
        }
        // A writer that fails half-way leaves no file, whatever was hashed by then.
        let target = dir.path().join("failed.pdf");
        let r = write_atomic_expecting(&target, false, 0, Hashing::Trailing, |w| {
            w.write_all(&data[..3 * BLOCK])
                .map_err(|e| Error::io(&target, e))?;
            Err(Error::Internal("boom".into()))
        });
        assert!(matches!(r, Err(Error::Internal(_))), "{r:?}");
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 3);
    }

    #[test]
    fn a_file_written_without_its_checksum_is_whole_with_its_size_and_replaces_only_when_forced() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("packet.pdf");
        std::fs::write(&target, b"the earlier packet").expect("earlier");
        let data: Vec<u8> = (0..5 * BLOCK + 17).map(|i| (i * 7 % 251) as u8).collect();
        // Small writes, then a picture's stream larger than the buffer.
        let write = |w: &mut dyn Write| {
            for b in &data[..1000] {
                w.write_all(std::slice::from_ref(b))
                    .map_err(|e| Error::io("x", e))?;
            }
            w.write_all(&data[1000..]).map_err(|e| Error::io("x", e))
        };
        let r = write_atomic_expecting(&target, false, 0, Hashing::Off, write);
        assert!(matches!(r, Err(Error::OutputExists(_))), "{r:?}");
        assert_eq!(std::fs::read(&target).expect("read"), b"the earlier packet");
        let (sha, len) =
            write_atomic_expecting(&target, true, 0, Hashing::Off, write).expect("forced");
        assert_eq!(std::fs::read(&target).expect("read"), data);
        assert_eq!((sha.as_str(), len), ("", data.len() as u64));
        // A writer that fails leaves the file it was to replace as it was, and nothing else.
        let r = write_atomic_expecting(&target, true, 0, Hashing::Off, |w| {
            w.write_all(&data[..2 * BLOCK])
                .map_err(|e| Error::io("x", e))?;
            Err(Error::Internal("boom".into()))
        });
        assert!(matches!(r, Err(Error::Internal(_))), "{r:?}");
        assert_eq!(std::fs::read(&target).expect("read"), data);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_users_file_is_rewritten_in_place_a_new_one_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        let new = dir.path().join("new.toml");
        rewrite_users_file(&new, "a = 1\n").expect("new");
        assert_eq!(
            (std::fs::read_to_string(&new).expect("read"), mode(&new)),
            ("a = 1\n".into(), 0o600)
        );
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        rewrite_users_file(&new, "a = 2\n").expect("again");
        assert_eq!(
            (std::fs::read_to_string(&new).expect("read"), mode(&new)),
            ("a = 2\n".into(), 0o640)
        );
        // A link to nowhere is named, and nothing is made where it points.
        let dangling = dir.path().join("dangling.toml");
        std::os::unix::fs::symlink(dir.path().join("gone/x.toml"), &dangling).expect("link");
        let err = rewrite_users_file(&dangling, "a = 3\n").expect_err("dangling");
        assert!(err.to_string().contains("dangling.toml"), "{err}");
        assert!(!dir.path().join("gone").exists());
    }

    #[test]
    fn a_file_hashed_behind_its_writer_replaces_an_earlier_one_only_when_forced() {
        // The file is put in place while the hashing thread may still be reading it.
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("packet.pdf");
        std::fs::write(&target, b"the earlier packet").expect("earlier");
        let data: Vec<u8> = (0..6 * BLOCK + 99).map(|i| (i * 31 % 253) as u8).collect();
        let write = |w: &mut dyn Write| w.write_all(&data).map_err(|e| Error::io("x", e));
        let r = write_atomic_expecting(&target, false, 0, Hashing::Trailing, write);
        assert!(matches!(r, Err(Error::OutputExists(_))), "{r:?}");
        assert_eq!(std::fs::read(&target).expect("read"), b"the earlier packet");
        let (sha, len) =
            write_atomic_expecting(&target, true, 0, Hashing::Trailing, write).expect("forced");
        assert_eq!(std::fs::read(&target).expect("read"), data);
        assert_eq!(
            (sha, len),
            (crate::base::digest::sha256_hex(&data), data.len() as u64)
        );
        // Neither left a temporary file behind.
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn a_file_that_cannot_be_read_back_whole_is_hashed_again_or_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("packet.pdf");
        std::fs::write(&target, b"ten bytes!").expect("write");
        let ours = || std::fs::File::open(&target).expect("open");
        let (sha, len) = hash_again(ours(), &target, 10, false).expect("read back whole");
        assert_eq!(
            (sha, len),
            (crate::base::digest::sha256_hex(b"ten bytes!"), 10)
        );
        // Another file put at the name since: ours is hashed, and the other is left alone
        // when ours falls short.
        let held = ours();
        let other = dir.path().join("other.pdf");
        std::fs::write(&other, b"another run's packet").expect("write");
        std::fs::rename(&other, &target).expect("replace");
        let (sha, _) =
            hash_again(held.try_clone().expect("dup"), &target, 10, true).expect("ours read back");
        assert_eq!(sha, crate::base::digest::sha256_hex(b"ten bytes!"));
        assert!(hash_again(held, &target, 11, true).is_err());
        assert_eq!(
            std::fs::read(&target).expect("read"),
            b"another run's packet"
        );
        // Fewer bytes than were written: not left to be taken for the packet, and the
        // message says what was replaced.
        std::fs::write(&target, b"ten bytes!").expect("write");
        let e = hash_again(ours(), &target, 11, true)
            .expect_err("short")
            .to_string();
        assert!(
            e.contains("packet.pdf")
                && e.contains("10 bytes, not the 11 written")
                && e.contains("removed (the earlier file by this name had already been replaced")
                && e.contains("run the command again"),
            "{e}"
        );
        assert!(!target.exists());
    }

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
