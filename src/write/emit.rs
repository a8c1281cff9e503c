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
mod tests;
