//! Cache: what medpacket learned about a file's bytes (facts from reading it, OCR results)
//! turns into small JSON entries stored by content — the file's SHA-256 plus whatever else
//! the answer depends on, and medpacket's version and build — in the user's cache folder, so a
//! rebuild reads nothing twice.
//!
//! The folder is `MEDPACKET_CACHE_DIR`, else `$XDG_CACHE_HOME/medpacket`, else
//! `~/.cache/medpacket`; never inside the records folder. Entries are written to a
//! temporary file and renamed (owner-only), so two runs sharing the cache never see half
//! an entry. Each entry opens with a header line naming medpacket's build, its kind and
//! key and the SHA-256 of the value that follows; an entry that is cut short, damaged,
//! from another build or for another key is ignored and written again. The cache is an
//! optimisation: when it cannot be written (a read-only or full disk) work goes on
//! without it, and the scan says so once.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where entries live, or nothing when caching is off.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
}

/// The user's cache folder for medpacket, from the environment (None when no home is known).
pub fn default_dir() -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env("MEDPACKET_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = from_env("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("medpacket"));
    }
    from_env("HOME").map(|home| home.join(".cache").join("medpacket"))
}

impl Cache {
    /// A cache that stores nothing (`--no-cache`).
    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    /// The user's cache for work on `records`; off when `no_cache` is set, when no cache
    /// folder is known, or when the cache folder would lie inside the records folder.
    pub fn open(records: &Path, no_cache: bool) -> Cache {
        if no_cache {
            return Cache::disabled();
        }
        let Some(dir) = default_dir() else {
            return Cache::disabled();
        };
        Cache::at(dir, records)
    }

    /// A cache in `dir` (off when `dir` lies inside `records`).
    pub fn at(dir: PathBuf, records: &Path) -> Cache {
        let abs = |p: &Path| {
            std::path::absolute(p)
                .map(|a| a.canonicalize().unwrap_or(a))
                .unwrap_or_else(|_| p.to_path_buf())
        };
        if abs(&dir).starts_with(abs(records)) {
            return Cache::disabled();
        }
        Cache { dir: Some(dir) }
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The file of the entry `key` of the given kind ("file", "ocr", …).
    fn entry_path(&self, kind: &str, key: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update([0]);
        // Another build of the same version (sources or templates changed) learns anew.
        h.update(env!("MEDPACKET_BUILD_ID").as_bytes());
        h.update([0]);
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(key.as_bytes());
        let name = crate::base::digest::hex(&h.finalize());
        // One folder per kind: a new folder costs the file system far more than a file.
        Some(dir.join(kind).join(format!("{name}.json")))
    }

    /// The stored value, or None when there is none or it is not whole, not this build's,
    /// or not this key's.
    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<T> {
        let path = self.entry_path(kind, key)?;
        let bytes = std::fs::read(path).ok()?;
        let at = memchr::memchr(b'\n', &bytes)?;
        let (head, body) = (&bytes[..at], &bytes[at + 1..]);
        let head: Header = serde_json::from_slice(head).ok()?;
        let body_sha = crate::base::digest::hex(&Sha256::digest(body));
        if head != Header::new(kind, key, body_sha) {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// Stores a value. A failure costs only speed: the first one is kept for
    /// [`trouble`], which the scan turns into one warning.
    pub fn put<T: Serialize>(&self, kind: &str, key: &str, value: &T) {
        let Some(path) = self.entry_path(kind, key) else {
            return;
        };
        if let Err(e) = write_entry(&path, kind, key, value) {
            let dir = self.dir.as_deref().unwrap_or(Path::new("."));
            let _ = TROUBLE.set(format!(
                "the cache folder {} cannot be written ({e}) — medpacket works without it, only more slowly; make room there, set MEDPACKET_CACHE_DIR to a folder you may write in, or add --no-cache",
                dir.display()
            ));
        }
    }
}

/// The first failure to write the cache in this run, as a warning for the user.
static TROUBLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Why the cache could not be written, if it could not (one message per run).
pub fn trouble() -> Option<String> {
    TROUBLE.get().cloned()
}

/// The first line of an entry: what it is and the checksum of the value after it.
#[derive(Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Header {
    medpacket: String,
    kind: String,
    key: String,
    sha256: String,
}

impl Header {
    fn new(kind: &str, key: &str, sha256: String) -> Header {
        Header {
            medpacket: format!(
                "{}+{}",
                env!("CARGO_PKG_VERSION"),
                env!("MEDPACKET_BUILD_ID")
            ),
            kind: kind.to_string(),
            key: key.to_string(),
            sha256,
        }
    }
}

fn write_entry<T: Serialize>(path: &Path, kind: &str, key: &str, value: &T) -> std::io::Result<()> {
    let parent = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache entry has no folder"))?;
    let body = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    let head = Header::new(kind, key, crate::base::digest::hex(&Sha256::digest(&body)));
    let mut bytes = serde_json::to_vec(&head).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    bytes.extend_from_slice(&body);
    let temp = || {
        tempfile::Builder::new()
            .prefix(".entry-")
            .tempfile_in(parent)
    };
    // The folder is made on first need only.
    let mut tmp = match temp() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private_dirs(parent)?;
            temp()?
        }
        other => other?,
    };
    tmp.write_all(&bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_reads_back_and_ignores_corrupt_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = tempfile::tempdir().expect("temp dir");
        let cache = Cache::at(dir.path().join("c"), records.path());
        assert!(cache.get::<Vec<u32>>("file", "abc").is_none());
        cache.put("file", "abc", &vec![1u32, 2, 3]);
        assert_eq!(cache.get::<Vec<u32>>("file", "abc"), Some(vec![1, 2, 3]));
        assert!(
            cache.get::<Vec<u32>>("ocr", "abc").is_none(),
            "kinds are apart"
        );
        let path = cache.entry_path("file", "abc").expect("enabled");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("entry")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "entries are owner-only");
        }
        std::fs::write(&path, b"{not json").expect("corrupt it");
        assert!(cache.get::<Vec<u32>>("file", "abc").is_none());
        cache.put("file", "abc", &vec![7u32, 8]);
        let whole = std::fs::read(&path).expect("entry");
        let nl = whole.iter().position(|&b| b == b'\n').expect("header line");
        let damaged: Vec<(&str, Vec<u8>)> = vec![
            ("cut short", whole[..whole.len() - 2].to_vec()),
            ("a digit changed", {
                let mut d = whole.clone();
                let last = d.len() - 2;
                d[last] = b'9';
                d
            }),
            ("another build", {
                let text = String::from_utf8(whole.clone()).expect("utf-8");
                text.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1)
                    .into_bytes()
            }),
            (
                "the value alone, as older builds wrote it",
                whole[nl + 1..].to_vec(),
            ),
        ];
        for (what, bytes) in damaged {
            std::fs::write(&path, &bytes).expect("damage");
            assert!(cache.get::<Vec<u32>>("file", "abc").is_none(), "{what}");
        }
        std::fs::write(&path, &whole).expect("restore");
        assert_eq!(cache.get::<Vec<u32>>("file", "abc"), Some(vec![7, 8]));
        cache.put("file", "abc", &vec![4u32]);
        assert_eq!(cache.get::<Vec<u32>>("file", "abc"), Some(vec![4]));
    }

    #[test]
    fn never_inside_the_records_folder() {
        let records = tempfile::tempdir().expect("temp dir");
        let cache = Cache::at(records.path().join(".cache"), records.path());
        assert!(!cache.is_enabled());
        cache.put("file", "k", &1u8);
        assert!(!records.path().join(".cache").exists());
    }
}
