//! Identity: a file on disk turns into the key a warm scan knows it by — its path,
//! device, inode, size and modification and change times — so an unchanged file is
//! recalled from the cache without being read; and into a signature the build compares
//! before it takes a file read again as the bytes the scan hashed.

use crate::read::cache::Cache;
use crate::read::inventory::ScanOptions;
use std::path::Path;

/// Cache kind: for one records folder, each file's checksum by its identity. Writing to
/// a file moves its change time, which no program can set back, so an unchanged identity
/// means unchanged bytes; the build still checks the bytes of every file it reads against
/// this checksum (by a quick checksum of the same bytes, where the cache has one) as it
/// copies them, and forgets the folder's identities when one differs.
/// One entry per folder, written once per scan.
pub const FILE_IDENTITY: &str = "identity";

/// Checksums by identity (see [`FILE_IDENTITY`]).
pub type Identities = std::collections::BTreeMap<String, String>;

/// How long a file must have been left alone before it is known by its identity: file
/// times are only as fine as the file system keeps them (2 s on a FAT memory stick), and
/// two writes within one tick leave the same times.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// A file's place, size and times as one string, and its size; none when it cannot be
/// read or is not a regular file.
#[cfg(unix)]
fn stat(abs: &Path) -> Option<(String, u64, std::fs::Metadata)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(abs).ok()?;
    if !m.is_file() {
        return None;
    }
    let key = format!(
        "{}\0{}:{}:{}:{}.{}:{}.{}",
        abs.display(),
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    );
    Some((key, m.size(), m))
}

#[cfg(not(unix))]
fn stat(_abs: &Path) -> Option<(String, u64, std::fs::Metadata)> {
    None
}

/// A file on disk as it is now: its signature (place, size and times), its size, and
/// whether it has been left alone long enough ([`SETTLED`]) to be known by it.
pub struct Look {
    pub key: String,
    pub size: u64,
    pub settled: bool,
}

/// Looks at a file once. Its key is its identity in the cache only when settled: a file
/// changed within the last [`SETTLED`] is read, as if it were new.
pub fn look(abs: &Path) -> Option<Look> {
    let (key, size, m) = stat(abs)?;
    let now = std::time::SystemTime::now();
    let settled = |t: Option<std::time::SystemTime>| {
        t.and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= SETTLED)
    };
    let settled = settled(m.modified().ok()) && settled(changed(&m));
    Some(Look { key, size, settled })
}

/// The signature of a file as it is now (its identity, however recently it changed).
pub fn signature(abs: &Path) -> Option<String> {
    stat(abs).map(|(key, _, _)| key)
}

/// When a file's status (its bytes, name or permissions) last changed.
#[cfg(unix)]
fn changed(m: &std::fs::Metadata) -> Option<std::time::SystemTime> {
    use std::os::unix::fs::MetadataExt;
    let secs = u64::try_from(m.ctime()).ok()?;
    let nanos = u32::try_from(m.ctime_nsec()).ok()?.min(999_999_999);
    Some(std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
}

#[cfg(not(unix))]
fn changed(_m: &std::fs::Metadata) -> Option<std::time::SystemTime> {
    None
}

/// Forgets the identities of the files in records folder `dir`, so the next scan reads
/// every file (after a file turned out not to hold the bytes its identity promised).
pub fn forget(dir: &Path, opts: &ScanOptions) {
    if let Ok(root) = dir.canonicalize() {
        Cache::open(&root, opts.no_cache).put(
            FILE_IDENTITY,
            &root.display().to_string(),
            &Identities::new(),
        );
    }
}
