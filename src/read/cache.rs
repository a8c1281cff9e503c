//! Cache: what medpacket learned about a file's bytes (facts from reading it, OCR results)
//! turns into small JSON entries stored by content — the file's SHA-256 plus whatever else
//! the answer depends on, and medpacket's version and build — in the user's cache folder, so a
//! rebuild reads nothing twice.
//!
//! The folder is `MEDPACKET_CACHE_DIR`, else `$XDG_CACHE_HOME/medpacket`, else
//! `~/.cache/medpacket`; never inside the records folder. Entries are kept in packs, one
//! folder per kind: a run collects the entries it learns and writes them as one new pack
//! (a temporary file renamed into place, owner-only), so two runs sharing the cache never
//! see half a pack and never write over each other's. A run that learns much writes a pack
//! per megabyte. The packs of a kind are listed once, at its first look-up (where each
//! entry's line is, newer packs winning), and an entry is read and checked when it is
//! looked up, so no run holds the whole cache in memory. Each entry is one line: a header
//! naming medpacket's build, its kind and key and a checksum of the value (XXH3-128: it
//! finds a value cut short or damaged on disk at a tenth of a SHA-256's cost), a tab, the
//! value. An entry that is cut short, damaged, from another build or for another key is
//! ignored and learnt again; a pack holding such entries, or one pack too many, is merged
//! into the new pack with the run's entries and removed. The cache is an optimisation:
//! when it cannot be written (a read-only or full disk) work goes on without it, and the
//! scan says so once.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where entries live, or nothing when caching is off.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    state: Arc<State>,
}

/// The packs read and the entries learnt in this run, by kind; written when the last
/// handle on the cache goes (or at [`Cache::flush`]).
#[derive(Debug, Default)]
struct State {
    dir: Option<PathBuf>,
    kinds: Mutex<HashMap<String, Kind>>,
}

/// One kind's entries: where each is (read only when looked up), the packs read, and the
/// entries learnt in this run not yet written.
#[derive(Debug, Default)]
struct Kind {
    /// Where each entry's line is, by key (a later line for a key wins).
    index: HashMap<String, Loc>,
    /// The packs read or written (oldest first).
    packs: Vec<Arc<std::fs::File>>,
    /// Their paths, to remove them when they are merged.
    paths: Vec<PathBuf>,
    /// A pack read holds a line that is not a whole entry: the packs are merged at the
    /// next write.
    damaged: bool,
    /// Lines learnt in this run, not yet written, and their entries' keys.
    pending: Vec<u8>,
    pending_names: Vec<(String, Loc)>,
}

/// Where an entry's line is: in pack `pack` (or, for `PENDING`, in the lines not yet
/// written), `len` bytes from `at`, its newline included.
#[derive(Debug, Clone, Copy)]
struct Loc {
    pack: usize,
    at: u64,
    len: usize,
}

const PENDING: usize = usize::MAX;

/// More packs of one kind than this are merged into one when the next pack is written.
const MERGE_AT: usize = 16;

/// Lines held before they are written as a pack of their own (a run that learns much
/// writes a few packs, not all it learnt at its end).
const PENDING_MAX: usize = 1024 * 1024;

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
        Cache::default()
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
        Cache {
            dir: Some(dir.clone()),
            state: Arc::new(State {
                dir: Some(dir),
                kinds: Mutex::default(),
            }),
        }
    }

    /// Reads the packs of each of `kinds` now (they are otherwise read on the first
    /// [`Cache::get`] of their kind, by whichever thread asks first while the others wait).
    pub fn preload(&self, kinds: &[&str]) {
        let Some(dir) = self.dir.as_ref() else {
            return;
        };
        for kind in kinds {
            let Ok(mut loaded) = self.state.kinds.lock() else {
                return;
            };
            kind_in(&mut loaded, dir, kind);
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The stored value, or None when there is none or it is not whole, not this build's,
    /// or not this key's.
    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<T> {
        let dir = self.dir.as_ref()?;
        let name = key;
        // The entry's place is found under the lock; its line is read outside it.
        let (file, loc) = {
            let mut kinds = self.state.kinds.lock().ok()?;
            let k = kind_in(&mut kinds, dir, kind)?;
            let loc = *k.index.get(name)?;
            if loc.pack == PENDING {
                let line = k.pending.get(loc.at as usize..loc.at as usize + loc.len)?;
                let at = whole_entry(kind, line).filter(|(n, _)| *n == name)?.1;
                return serde_json::from_slice(&line[at..line.len() - 1]).ok();
            }
            (k.packs.get(loc.pack)?.clone(), loc)
        };
        let line = read_at(&file, loc.at, loc.len)?;
        match whole_entry(kind, &line).filter(|(n, _)| *n == name) {
            Some((_, at)) => serde_json::from_slice(&line[at..line.len() - 1]).ok(),
            None => {
                // Damaged: learnt again, and the packs merged at the next write.
                if let Ok(mut kinds) = self.state.kinds.lock() {
                    if let Some(k) = kinds.get_mut(kind) {
                        k.damaged = true;
                    }
                }
                None
            }
        }
    }

    /// Stores a value (written with the run's other entries). A failure costs only speed:
    /// the first one is kept for [`trouble`], which the scan turns into one warning.
    pub fn put<T: Serialize>(&self, kind: &str, key: &str, value: &T) {
        let Some(dir) = self.dir.as_ref() else {
            return;
        };
        let Ok(body) = serde_json::to_vec(value) else {
            return;
        };
        let head = Header::new(kind, key, crate::base::digest::quick_sum(&body));
        let Ok(mut line) = serde_json::to_vec(&head) else {
            return;
        };
        line.push(b'\t');
        line.extend_from_slice(&body);
        line.push(b'\n');
        let Ok(mut kinds) = self.state.kinds.lock() else {
            return;
        };
        let Some(k) = kind_in(&mut kinds, dir, kind) else {
            return;
        };
        let name = key.to_string();
        let loc = Loc {
            pack: PENDING,
            at: k.pending.len() as u64,
            len: line.len(),
        };
        k.pending.extend_from_slice(&line);
        k.index.insert(name.clone(), loc);
        k.pending_names.push((name, loc));
        if k.pending.len() >= PENDING_MAX {
            write_kind(dir, kind, k);
        }
    }

    /// Writes the entries learnt so far (one pack per kind).
    pub fn flush(&self) {
        self.state.flush();
    }
}

impl State {
    fn flush(&self) {
        let Some(dir) = self.dir.as_ref() else {
            return;
        };
        let Ok(mut kinds) = self.kinds.lock() else {
            return;
        };
        for (kind, k) in kinds.iter_mut() {
            write_kind(dir, kind, k);
        }
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Writes one kind's pending lines as a new pack, or, when its packs hold damaged lines
/// or are too many, every whole entry as one pack that replaces them. A failure is kept
/// for [`trouble`].
fn write_kind(dir: &Path, kind: &str, k: &mut Kind) {
    if k.pending.is_empty() {
        return;
    }
    let merge = k.damaged || k.packs.len() >= MERGE_AT;
    let result = if merge {
        write_merged(dir, kind, k)
    } else {
        write_pending(dir, kind, k)
    };
    if let Err(e) = result {
        // The lines are dropped: the cache only costs speed.
        k.pending.clear();
        k.pending_names.clear();
        k.index.retain(|_, l| l.pack != PENDING);
        let _ = TROUBLE.set(format!(
            "the cache folder {} cannot be written ({e}) — medpacket works without it, only more slowly; make room there, set MEDPACKET_CACHE_DIR to a folder you may write in, or add --no-cache",
            dir.display()
        ));
    }
}

/// An entry's line from a pack.
fn read_at(file: &std::fs::File, at: u64, len: usize) -> Option<Vec<u8>> {
    let mut line = vec![0; len];
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut line, at).ok()?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek};
        let mut f = file.try_clone().ok()?;
        f.seek(std::io::SeekFrom::Start(at)).ok()?;
        f.read_exact(&mut line).ok()?;
    }
    Some(line)
}

/// The first failure to write the cache in this run, as a warning for the user.
static TROUBLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Why the cache could not be written, if it could not (one message per run).
pub fn trouble() -> Option<String> {
    TROUBLE.get().cloned()
}

/// The first part of an entry: what it is and the checksum of the value after it
/// ([`crate::base::digest::quick_sum`]).
#[derive(Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Header {
    medpacket: String,
    kind: String,
    key: String,
    xxh3: String,
}

/// This build of medpacket, as its cache entries name it.
const THIS_BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("MEDPACKET_BUILD_ID"));

/// The entries of `kind` known to this run (its packs listed at the first need of it).
fn kind_in<'k>(
    kinds: &'k mut HashMap<String, Kind>,
    dir: &Path,
    kind: &str,
) -> Option<&'k mut Kind> {
    if !kinds.contains_key(kind) {
        kinds.insert(kind.to_string(), read_packs(dir, kind));
    }
    kinds.get_mut(kind)
}

impl Header {
    fn new(kind: &str, key: &str, xxh3: String) -> Header {
        Header {
            medpacket: THIS_BUILD.to_string(),
            kind: kind.to_string(),
            key: key.to_string(),
            xxh3,
        }
    }
}

/// The start of this build's pack names (other builds' packs are not read).
fn pack_prefix() -> String {
    crate::base::digest::hex(&Sha256::digest(THIS_BUILD.as_bytes()))[..16].to_string()
}

/// This build's packs of `kind` in `dir`, oldest first (their names start with the time
/// they were written), listed: where each entry's line is (its value is read and checked
/// when it is looked up).
fn read_packs(dir: &Path, kind: &str) -> Kind {
    use std::io::BufRead;
    let mut k = Kind::default();
    let prefix = format!("{}-", pack_prefix());
    let Ok(list) = std::fs::read_dir(dir.join(kind)) else {
        return k;
    };
    let mut paths: Vec<PathBuf> = list
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with(&prefix) && n.ends_with(".pack")
        })
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut line = Vec::new();
    for p in paths {
        // A pack removed by another run since the folder was listed: its entries are in
        // the pack that run wrote.
        let Ok(file) = std::fs::File::open(&p) else {
            continue;
        };
        let file = Arc::new(file);
        let pack = k.packs.len();
        let mut r = std::io::BufReader::new(&*file);
        let mut at = 0u64;
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(len) => {
                    match entry_header(kind, &line) {
                        Some(name) => {
                            k.index.insert(name, Loc { pack, at, len });
                        }
                        None => k.damaged = true,
                    }
                    at += len as u64;
                }
                Err(_) => {
                    k.damaged = true;
                    break;
                }
            }
        }
        k.packs.push(file);
        k.paths.push(p);
    }
    k
}

/// An entry line's key, when its header is this build's and of this kind and the line
/// is not cut short (its value is checked when it is read: [`whole_entry`]).
fn entry_header(kind: &str, line: &[u8]) -> Option<String> {
    let line = line.strip_suffix(b"\n")?;
    let at = memchr::memchr(b'\t', line)?;
    let head: Header = serde_json::from_slice(&line[..at]).ok()?;
    (head.medpacket == THIS_BUILD && head.kind == kind).then_some(head.key)
}

/// An entry line's key and where its value starts, when it is whole, this build's and
/// of this kind.
fn whole_entry(kind: &str, line: &[u8]) -> Option<(String, usize)> {
    let line = line.strip_suffix(b"\n")?;
    let at = memchr::memchr(b'\t', line)?;
    let (head, body) = (&line[..at], &line[at + 1..]);
    let head: Header = serde_json::from_slice(head).ok()?;
    let whole = head.medpacket == THIS_BUILD
        && head.kind == kind
        && head.xxh3 == crate::base::digest::quick_sum(body);
    whole.then_some((head.key, at + 1))
}

/// Writes a new pack of `kind` with what `lines` writes; returns its path and the file.
fn write_pack(
    dir: &Path,
    kind: &str,
    lines: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<(PathBuf, std::fs::File)> {
    let folder = dir.join(kind);
    let temp = || {
        tempfile::Builder::new()
            .prefix(".entry-")
            .tempfile_in(&folder)
    };
    // The folder is made on first need only.
    let tmp = match temp() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_private_dirs(&folder)?;
            temp()?
        }
        other => other?,
    };
    let mut w = std::io::BufWriter::new(tmp);
    lines(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let unique = tmp
        .path()
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_start_matches(".entry-")
                .to_string()
        })
        .unwrap_or_default();
    let path = folder.join(format!("{}-{now:020}-{unique}.pack", pack_prefix()));
    let file = tmp.persist_noclobber(&path).map_err(|e| e.error)?;
    Ok((path, file))
}

/// Writes a kind's pending lines as a new pack (a key learnt twice, once), which its
/// entries then point into.
fn write_pending(dir: &Path, kind: &str, k: &mut Kind) -> std::io::Result<()> {
    let pack = k.packs.len();
    let mut moved = Vec::new();
    let mut at = 0u64;
    let (path, file) = write_pack(dir, kind, &mut |w| {
        for (name, loc) in &k.pending_names {
            let latest = k
                .index
                .get(name)
                .is_some_and(|l| l.pack == PENDING && l.at == loc.at);
            let line = k.pending.get(loc.at as usize..loc.at as usize + loc.len);
            if let Some(line) = line.filter(|_| latest) {
                w.write_all(line)?;
                moved.push((
                    name.clone(),
                    Loc {
                        pack,
                        at,
                        len: loc.len,
                    },
                ));
                at += loc.len as u64;
            }
        }
        Ok(())
    })?;
    k.index.extend(moved);
    k.pending_names.clear();
    k.pending.clear();
    k.packs.push(Arc::new(file));
    k.paths.push(path);
    Ok(())
}

/// Writes every whole entry of a kind (the packs' and this run's) as one new pack, then
/// removes the packs it replaces.
fn write_merged(dir: &Path, kind: &str, k: &mut Kind) -> std::io::Result<()> {
    let mut names: Vec<&String> = k.index.keys().collect();
    names.sort();
    let mut index = HashMap::new();
    let mut at = 0u64;
    let (path, file) = write_pack(dir, kind, &mut |w| {
        for &name in &names {
            let loc = k.index[name];
            let line = if loc.pack == PENDING {
                k.pending
                    .get(loc.at as usize..loc.at as usize + loc.len)
                    .map(<[u8]>::to_vec)
            } else {
                k.packs
                    .get(loc.pack)
                    .and_then(|f| read_at(f, loc.at, loc.len))
            };
            // Only whole entries are carried over.
            let Some(line) = line.filter(|l| whole_entry(kind, l).is_some()) else {
                continue;
            };
            w.write_all(&line)?;
            index.insert(
                name.clone(),
                Loc {
                    pack: 0,
                    at,
                    len: line.len(),
                },
            );
            at += line.len() as u64;
        }
        Ok(())
    })?;
    for old in std::mem::take(&mut k.paths) {
        let _ = std::fs::remove_file(old);
    }
    k.packs = vec![Arc::new(file)];
    k.paths = vec![path];
    k.index = index;
    k.pending.clear();
    k.pending_names.clear();
    k.damaged = false;
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

    /// The packs of a kind, oldest first.
    fn packs(dir: &Path, kind: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(kind))
            .map(|l| l.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|x| x == "pack"));
        v.sort();
        v
    }

    #[test]
    fn stores_reads_back_and_ignores_damaged_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = tempfile::tempdir().expect("temp dir");
        let c = dir.path().join("c");
        let open = || Cache::at(c.clone(), records.path());
        let cache = open();
        assert!(cache.get::<Vec<u32>>("file", "abc").is_none());
        cache.put("file", "abc", &vec![1u32, 2, 3]);
        cache.put("file", "def", &vec![5u32]);
        assert_eq!(cache.get::<Vec<u32>>("file", "abc"), Some(vec![1, 2, 3]));
        assert!(
            packs(&c, "file").is_empty(),
            "written with the run's others"
        );
        drop(cache);
        // One pack for the run's entries, read back by the next run.
        let written = packs(&c, "file");
        assert_eq!(written.len(), 1);
        let cache = open();
        assert_eq!(cache.get::<Vec<u32>>("file", "abc"), Some(vec![1, 2, 3]));
        assert_eq!(cache.get::<Vec<u32>>("file", "def"), Some(vec![5]));
        assert!(
            cache.get::<Vec<u32>>("ocr", "abc").is_none(),
            "kinds are apart"
        );
        drop(cache);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&written[0])
                .expect("pack")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "packs are owner-only");
        }
        let whole = std::fs::read(&written[0]).expect("pack");
        let lines: Vec<&[u8]> = whole.split_inclusive(|&b| b == b'\n').collect();
        assert_eq!(lines.len(), 2, "one line per entry");
        let (abc, def) = if lines[0].windows(3).any(|w| w == b"abc") {
            (lines[0], lines[1])
        } else {
            (lines[1], lines[0])
        };
        let tab = abc
            .iter()
            .position(|&b| b == b'\t')
            .expect("header, tab, value");
        let damaged: Vec<(&str, Vec<u8>)> = vec![
            ("cut short", abc[..abc.len() - 3].to_vec()),
            ("a digit changed", {
                let mut d = abc.to_vec();
                let last = d.len() - 3;
                d[last] = b'9';
                d
            }),
            ("another build", {
                let text = String::from_utf8(abc.to_vec()).expect("utf-8");
                text.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1)
                    .into_bytes()
            }),
            ("the value alone", abc[tab + 1..].to_vec()),
            ("not JSON", b"{not json\n".to_vec()),
        ];
        for (what, bytes) in damaged {
            // A whole entry, then the damaged one (where a pack cut short ends).
            let mut pack = def.to_vec();
            pack.extend_from_slice(&bytes);
            std::fs::write(&written[0], &pack).expect("damage");
            let cache = open();
            assert!(cache.get::<Vec<u32>>("file", "abc").is_none(), "{what}");
            assert_eq!(
                cache.get::<Vec<u32>>("file", "def"),
                Some(vec![5]),
                "{what}"
            );
            // Learnt again: the damaged pack is merged into the new one and removed.
            cache.put("file", "abc", &vec![7u32, 8]);
            drop(cache);
            let now = packs(&c, "file");
            assert_eq!(now.len(), 1, "{what}: {now:?}");
            let cache = open();
            assert_eq!(
                cache.get::<Vec<u32>>("file", "abc"),
                Some(vec![7, 8]),
                "{what}"
            );
            assert_eq!(
                cache.get::<Vec<u32>>("file", "def"),
                Some(vec![5]),
                "{what}"
            );
            drop(cache);
            let _ = std::fs::remove_file(&now[0]);
            std::fs::write(&written[0], &whole).expect("restore");
        }
        // A newer pack's entry wins over an older one's.
        let cache = open();
        cache.put("file", "abc", &vec![4u32]);
        drop(cache);
        assert_eq!(packs(&c, "file").len(), 2);
        assert_eq!(open().get::<Vec<u32>>("file", "abc"), Some(vec![4]));
    }

    #[test]
    fn many_packs_are_merged_into_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = tempfile::tempdir().expect("temp dir");
        let c = dir.path().join("c");
        for i in 0..MERGE_AT + 3 {
            let cache = Cache::at(c.clone(), records.path());
            cache.put("file", &format!("k{i}"), &i);
            cache.flush();
            // Flushed entries are not written twice.
            drop(cache);
        }
        let n = packs(&c, "file").len();
        assert!(n <= MERGE_AT, "{n} packs");
        let cache = Cache::at(c.clone(), records.path());
        for i in 0..MERGE_AT + 3 {
            assert_eq!(cache.get::<usize>("file", &format!("k{i}")), Some(i));
        }
    }

    #[test]
    fn a_run_that_learns_much_writes_packs_as_it_goes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let records = tempfile::tempdir().expect("temp dir");
        let c = dir.path().join("c");
        let cache = Cache::at(c.clone(), records.path());
        let value = "x".repeat(100_000);
        for i in 0..25 {
            cache.put("file", &format!("k{i}"), &value);
        }
        // Written before the run ends, and still read back from where they went.
        assert!(!packs(&c, "file").is_empty());
        for i in 0..25 {
            assert_eq!(
                cache.get::<String>("file", &format!("k{i}")).as_ref(),
                Some(&value)
            );
        }
        drop(cache);
        assert_eq!(packs(&c, "file").len(), 3);
        let cache = Cache::at(c.clone(), records.path());
        assert_eq!(cache.get::<String>("file", "k24"), Some(value));
    }

    #[test]
    fn never_inside_the_records_folder() {
        let records = tempfile::tempdir().expect("temp dir");
        let cache = Cache::at(records.path().join(".cache"), records.path());
        assert!(!cache.is_enabled());
        cache.put("file", "k", &1u8);
        drop(cache);
        assert!(!records.path().join(".cache").exists());
    }
}
