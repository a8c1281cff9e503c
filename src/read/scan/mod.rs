//! Scan: a records folder turns into an [`Inventory`]: every file with its checksum,
//! format, pages, kind, date and status (included, excluded, duplicate, ignored, or a
//! problem with its fix), sorted by path. Reads the folder; never writes to it.

use crate::base::classified::{Classified, Overrides};
use crate::base::config::{PacketConfig, CONFIG_NAME};
pub use crate::base::digest::{hex, sha256_hex};
use crate::base::error::{Error, Problem, Result, Warning};
use crate::base::identifiers;
use crate::read::cache::Cache;
use crate::read::identity::{self, FILE_IDENTITY};
pub use crate::read::inventory::{Ignored, Inventory, ScanOptions, SourceFile, Status};
use crate::read::ocr;
use crate::read::pdf::TEXT_PAGES;
use crate::read::portal::ZipLocation;
use crate::read::reader::{extension, Format, Probe};
use crate::read::reader::{Input, Member, Readers};
use crate::read::typing::{Typeset, Typing};
#[cfg(test)]
use listing::ignore_reason;
pub use listing::REMOVED_FOLDER;
use listing::{list_folder, Listing};
use std::path::{Path, PathBuf};
use stored::StoredClassified;

mod listing;
mod stored;

/// The readers, one per format, in the order they sniff a file's bytes: the one place that
/// lists the formats (adding one is a reader and a line here). A container comes first:
/// a portal export is opened whatever its members are.
pub static READERS: Readers = Readers(&[
    &crate::read::portal::ZipReader,
    &crate::read::fhir::FhirExportReader,
    &crate::read::dicom::DicomReader,
    &crate::read::pdf::PdfReader,
    &crate::read::image::JpegReader,
    &crate::read::image::PngReader,
    &crate::read::image::TiffReader,
    &crate::read::cda::CdaReader,
    &crate::read::fhir::FhirReader,
    &crate::read::text::TextReader,
]);

/// The cache kind of what medpacket learned about a file's bytes.
pub const FILE_FACTS: &str = "file";

/// Gathers the files of a scan, one at a time (from the folder or from an archive).
struct Collector<'a> {
    config: Option<&'a PacketConfig>,
    typing: &'a dyn Typing,
    files: Vec<SourceFile>,
    ignored: Vec<Ignored>,
    /// Hash -> index in `files` of the first included file with those bytes.
    first_by_hash: std::collections::HashMap<String, usize>,
    /// Whether the evidence behind each kind and date is kept (see
    /// [`ScanOptions::without_evidence`]).
    evidence: bool,
}

/// How many entries of the folder may be read, or wait to be kept, past the next one kept.
const SCAN_WINDOW: usize = 64;

/// One file read, hashed and probed (the part of the scan that runs in parallel).
struct Prepared {
    rel: String,
    abs: PathBuf,
    zip: Option<ZipLocation>,
    /// The file's identity on disk, when the next scan may know it by that alone.
    identity: Option<String>,
    /// See [`SourceFile::hashed_as`].
    hashed_as: Option<String>,
    /// See [`SourceFile::quick_sum`].
    quick_sum: Option<String>,
    size: u64,
    sha: String,
    probe: std::result::Result<Probe, Problem>,
    /// Kind, date and title, decided while the file's text is at hand.
    classified: Option<Classified>,
}

/// What the scan shares between the files it reads.
#[derive(Clone, Copy)]
struct Context<'a> {
    config: Option<&'a PacketConfig>,
    typing: &'a dyn Typing,
    cache: &'a Cache,
    /// Checksums of the folder's files by their identity, as the last scan saw them.
    known: &'a identity::Identities,
}

/// The cache key of a file's facts: its checksum, and the password it is opened with
/// (as a checksum), since what a PDF shows depends on it.
fn facts_key(sha: &str, password: Option<&str>) -> String {
    match password {
        None => sha.to_string(),
        Some(pw) => format!("{sha}:{}", sha256_hex(pw.as_bytes())),
    }
}

/// What the cache remembers of one file's bytes: what reading them showed, and the last
/// classification made of them (which also depends on the file's name and packet.toml).
#[derive(serde::Serialize, serde::Deserialize)]
struct FileFacts {
    probe: Probe,
    decision: Option<Decision>,
    /// The bytes' quick checksum (see [`SourceFile::quick_sum`]).
    #[serde(default)]
    quick_sum: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Decision {
    /// The file's name and its packet.toml overrides, as the decision was made for them.
    inputs: String,
    classified: StoredClassified,
}

/// Probes one file's bytes; a panic in a reader becomes a problem.
fn probe_guarded(
    rel: &str,
    bytes: &[u8],
    password: Option<&str>,
) -> std::result::Result<Probe, Problem> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        READERS.probe(Input {
            rel,
            bytes,
            password,
        })
    }))
    .unwrap_or_else(|_| {
        Err(Problem::new(
            rel,
            "could not be read (medpacket hit an internal error on this file)",
            "remove it from the folder or save it again as PDF, and please report the problem",
        ))
    })
}

/// Hashes, probes and classifies one file's bytes, or takes what an earlier run learned
/// from the same bytes from the cache. Sound files are cached; problems are found again
/// each time, so their messages always name the file as it is now; text files are read
/// directly (their text is the whole file). Only a text file keeps its text (to be
/// typeset); a PDF's is dropped here.
fn prepare(
    cx: Context<'_>,
    rel: String,
    abs: PathBuf,
    zip: Option<ZipLocation>,
    seen: Seen,
) -> Prepared {
    let Context {
        config,
        typing,
        cache,
        ..
    } = cx;
    let entry = config.and_then(|c| c.document(&rel));
    let password = entry.and_then(|e| e.password.clone());
    let overrides = Overrides {
        kind: entry.and_then(|e| e.kind),
        date: entry.and_then(|e| e.date),
        title: entry.and_then(|e| e.title.clone()),
    };
    let (size, sha, quick, cacheable, remembered, bytes) = match seen {
        Seen::Read(bytes) => {
            let sha = sha256_hex(&bytes);
            let cacheable = cache.is_enabled()
                && !bytes.is_empty()
                && READERS
                    .sniff(&bytes, &extension(&rel))
                    .is_none_or(|r| r.cached());
            let remembered = cacheable
                .then(|| cache.get::<FileFacts>(FILE_FACTS, &facts_key(&sha, password.as_deref())))
                .flatten();
            // Only a file the cache may know again is checked by its quick sum later.
            let quick = cacheable.then(|| crate::base::digest::quick_sum(&bytes));
            (bytes.len() as u64, sha, quick, cacheable, remembered, bytes)
        }
        Seen::Recalled { sha, size, facts } => {
            let quick = facts.quick_sum.clone();
            (size, sha, quick, true, Some(*facts), Vec::new())
        }
    };
    let key = facts_key(&sha, password.as_deref());
    let inputs = format!("{rel}\0{overrides:?}");
    let (mut probe, decision) = match remembered {
        Some(facts) => (Ok(facts.probe), facts.decision),
        None => (probe_guarded(&rel, &bytes, password.as_deref()), None),
    };
    drop(bytes);
    let classified = probe.as_mut().ok().map(|p| {
        let known = decision
            .filter(|d| d.inputs == inputs)
            .and_then(|d| d.classified.restore());
        let mut c = match known {
            Some(c) => c,
            None => {
                let c = match &p.cda {
                    Some(cda) => typing.classify_clinical(&cda.header, &overrides),
                    None => typing.classify(&rel, p.text.as_deref(), &overrides),
                };
                // A clinical document's model is not stored (a DICOM file may wrap one).
                if cacheable && p.cda.is_none() && typing.sound() {
                    let facts = FileFacts {
                        quick_sum: quick.clone(),
                        probe: p.clone(),
                        decision: Some(Decision {
                            inputs: inputs.clone(),
                            classified: StoredClassified::from(&c),
                        }),
                    };
                    cache.put(FILE_FACTS, &key, &facts);
                }
                c
            }
        };
        // What medpacket prints of a record's text never shows an identifier in full.
        c.title = identifiers::mask(&c.title);
        for e in &mut c.evidence {
            e.matched = identifiers::mask(&e.matched);
        }
        if let Some(cda) = p.cda.as_mut() {
            // A record of someone else (a family member's, in the same portal export).
            if let Some(cfg) = config {
                cda.other_patient =
                    typing.other_patient(&cda.header, &cfg.patient.name, cfg.patient.date_of_birth);
            }
            // Set in type from the XML: its page count on Letter paper (the plan lays it
            // out again on the packet's paper).
            if p.format == Some(Format::Cda) {
                let title = if c.title.trim().is_empty() {
                    c.kind.label()
                } else {
                    &c.title
                };
                if let Some(pages) = typing.typeset(&rel, title, Typeset::Clinical(cda)) {
                    p.pages = Some(pages.len() as u32);
                    p.identifiers.extend(typeset_identifiers(&pages));
                    // Every letter the model holds (its debug form prints them as they
                    // are; its own field names are plain ASCII).
                    p.notes.extend(unprintable(&format!("{cda:?}")));
                }
            }
            p.text = None;
        } else if p.format == Some(Format::Text) {
            // A text file's page count is its typeset length on Letter paper (the plan
            // lays it out again on the paper chosen for the packet).
            let text = p.text.as_deref().unwrap_or("");
            if let Some(pages) = typing.typeset(&rel, "", Typeset::Text(text)) {
                p.pages = Some(pages.len() as u32);
                p.identifiers.extend(typeset_identifiers(&pages));
                p.notes.extend(unprintable(text));
            }
        } else if !p.scanned.iter().any(|&n| n <= TEXT_PAGES) {
            // A PDF whose first pages are scans keeps its text until OCR adds theirs.
            p.text = None;
        }
        c
    });
    Prepared {
        rel,
        abs,
        zip,
        identity: None,
        hashed_as: None,
        quick_sum: quick,
        size,
        sha,
        probe,
        classified,
    }
}

/// The identifiers on typeset pages (a text file or clinical document laid out on Letter
/// paper), by page: the pages the doctor would see.
fn typeset_identifiers(pages: &[String]) -> Vec<identifiers::Finding> {
    let mut out = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        out.extend(identifiers::find(i as u32 + 1, page));
    }
    out
}

/// What the scan has of a file: its bytes, or — for a file the cache knows unchanged by
/// its place and times — its checksum and what an earlier run learned from those bytes.
enum Seen {
    Read(Vec<u8>),
    Recalled {
        sha: String,
        size: u64,
        facts: Box<FileFacts>,
    },
}

/// A file the cache knows by its identity: its checksum and remembered facts, without
/// reading it.
fn recall(cx: Context<'_>, rel: &str, (identity, size): &(String, u64)) -> Option<Seen> {
    let sha = cx.known.get(identity)?.clone();
    let password = cx
        .config
        .and_then(|c| c.document(rel))
        .and_then(|e| e.password.as_deref());
    let facts: FileFacts = cx.cache.get(FILE_FACTS, &facts_key(&sha, password))?;
    Some(Seen::Recalled {
        sha,
        size: *size,
        facts: Box::new(facts),
    })
}

/// Reads one entry of the folder: a file, or every member of a portal export.
fn load_entry(cx: Context<'_>, rel: String, abs: PathBuf) -> Vec<Loaded> {
    // A container (a portal export) is known by its name, before it is read.
    let container = READERS.container(&extension(&rel));
    // The file as it is before it is read: its identity, when settled, may recall it.
    let looked = container.is_none().then(|| identity::look(&abs)).flatten();
    let before = looked
        .as_ref()
        .filter(|l| l.settled && cx.cache.is_enabled())
        .map(|l| (l.key.clone(), l.size));
    if let Some(seen) = before.as_ref().and_then(|id| recall(cx, &rel, id)) {
        let mut prepared = prepare(cx, rel, abs, None, seen);
        prepared.identity = before.map(|(id, _)| id);
        return vec![Loaded::File(prepared)];
    }
    // A container read as a stream from its file (an ndjson export), if its reader can.
    if let Some(c) = container {
        let mut out = Vec::new();
        if c.stream_members(&rel, &abs, &mut |m| out.push(loaded(cx, &abs, m))) {
            return out;
        }
    }
    let bytes = match std::fs::read(&abs) {
        Ok(b) => b,
        Err(e) => {
            let p = Problem::new(
                &rel,
                format!("cannot be read ({e})"),
                "check that the file is readable (permissions) and not open in another program",
            );
            return vec![Loaded::Problem(problem_file(rel, abs, 0, String::new(), p))];
        }
    };
    let Some(container) = container else {
        let mut prepared = prepare(cx, rel, abs, None, Seen::Read(bytes));
        // Did the file stay as it was while it was read?
        let after = looked
            .as_ref()
            .and_then(|_| identity::signature(&prepared.abs));
        let unchanged = looked.filter(|l| after.as_ref() == Some(&l.key));
        // Known by identity from now on, if the file did not change while it was read and
        // its facts are cached.
        let cached = prepared.probe.as_ref().is_ok_and(|p| {
            p.cda.is_none()
                && p.format
                    .and_then(|f| READERS.of(f))
                    .is_some_and(|r| r.cached())
        });
        prepared.hashed_as = before
            .as_ref()
            .filter(|_| unchanged.is_some())
            .map(|(id, _)| id.clone());
        prepared.identity = before
            .filter(|_| cached && unchanged.is_some())
            .map(|(id, _)| id);
        return vec![Loaded::File(prepared)];
    };
    // A portal export: its members are read like the files of a subfolder.
    let mut out = Vec::new();
    container.members(&rel, &bytes, &mut |m| out.push(loaded(cx, &abs, m)));
    out
}

/// One member of a container (the file at `abs`), read like a file.
fn loaded(cx: Context<'_>, abs: &Path, m: Member) -> Loaded {
    match m {
        Member::File {
            rel: mrel,
            location,
            bytes,
        } => Loaded::File(prepare(
            cx,
            mrel,
            abs.to_path_buf(),
            Some(location),
            Seen::Read(bytes),
        )),
        Member::Problem(p) => {
            let rel = p.path.clone();
            Loaded::Problem(problem_file(rel, abs.to_path_buf(), 0, String::new(), p))
        }
        Member::Ignored { rel, why } => Loaded::Ignored(Ignored {
            path: rel,
            why: why.into(),
        }),
    }
}

/// A note for a document set in type whose `text` holds letters the packet's font lacks
/// (Chinese, say): they would be printed as "?", and the patient must be told so.
fn unprintable(text: &str) -> Option<String> {
    let m = crate::base::fonts::Metrics::get()?;
    let missing = m.missing([text]);
    if missing.is_empty() {
        return None;
    }
    let shown: String = missing.iter().take(12).collect();
    let more = if missing.len() > 12 {
        " and others"
    } else {
        ""
    };
    Some(format!(
        "the packet's font has no letters for {shown}{more}, so they are printed as \"?\" where this document is set in type — keep a PDF of the document in the folder instead (a portal's Save or Print as PDF keeps its letters)"
    ))
}

/// What reading one entry yields.
enum Loaded {
    File(Prepared),
    Problem(SourceFile),
    Ignored(Ignored),
}

impl Collector<'_> {
    /// Adds a file to the inventory as a copy made on this thread. The reading threads'
    /// memory then holds only what they are still working on, and is reused batch after
    /// batch instead of keeping every file's facts between the leftovers of its reading.
    fn keep(&mut self, mut f: SourceFile) {
        if !self.evidence {
            f.classified.evidence = Vec::new();
        }
        self.files.push(f.clone());
    }

    /// Decides what happens to one prepared file (in path order) and classifies it.
    fn admit(&mut self, p: Prepared) {
        let Prepared {
            rel,
            abs,
            zip,
            size,
            sha,
            probe,
            classified,
            identity: _,
            hashed_as,
            quick_sum,
        } = p;
        let entry = self.config.and_then(|c| c.document(&rel));
        let excluded = entry.is_some_and(|e| e.exclude);
        // A copy of a file already included is a duplicate, whatever else is true of it
        // (its password may be set on the first copy only), unless this one is the copy to
        // keep: packet.toml names it (its kind, date or title are the patient's word) or
        // only the first is named as a copy ("report (1).pdf" before "report.pdf"). Then
        // this one is kept and the first becomes its duplicate, where nothing in
        // packet.toml names the first and this one reads.
        let first = self.first_by_hash.get(&sha).copied().filter(|_| !excluded);
        if let Some(i) = first.filter(|&i| {
            probe.is_ok()
                && self.files.get(i).is_some_and(|f| {
                    (entry.is_some()
                        || listing::named_as_copy(&f.rel) && !listing::named_as_copy(&rel))
                        && self.config.and_then(|c| c.document(&f.rel)).is_none()
                })
        }) {
            if let Some(f) = self.files.get_mut(i) {
                f.status = Status::Duplicate {
                    same_as: rel.clone(),
                };
                f.text = None;
                f.notes = Vec::new();
                f.identifiers = Vec::new();
            }
            self.first_by_hash.remove(&sha);
        } else if let Some(first) = first.and_then(|i| self.files.get(i)) {
            let dup = SourceFile {
                rel,
                abs,
                zip,
                size,
                sha256: sha,
                status: Status::Duplicate {
                    same_as: first.rel.clone(),
                },
                text: None,
                notes: Vec::new(),
                identifiers: Vec::new(),
                hashed_as,
                quick_sum,
                ..first.clone()
            };
            self.keep(dup);
            return;
        }
        let password = entry.and_then(|e| e.password.clone());
        let probe = match probe {
            Ok(p) => p,
            // A file the patient excluded is left out, readable or not.
            Err(_) if excluded => {
                let mut f = problem_file(rel, abs, size, sha, Problem::new("", "", ""));
                f.zip = zip;
                f.status = Status::Excluded;
                if let Some(e) = entry {
                    f.classified.kind = e.kind.unwrap_or(f.classified.kind);
                    f.classified.date = e.date;
                }
                self.keep(f);
                return;
            }
            Err(problem) => {
                self.keep(SourceFile {
                    zip,
                    ..problem_file(rel, abs, size, sha, problem)
                });
                return;
            }
        };
        if probe.own_output {
            self.ignored.push(Ignored {
                path: rel,
                why: "a packet medpacket wrote earlier".into(),
            });
            return;
        }
        let classified =
            classified.unwrap_or_else(|| self.typing.classify(&rel, None, &Overrides::default()));
        let pages = probe.pages;
        let status = if excluded {
            Status::Excluded
        } else {
            self.first_by_hash.insert(sha.clone(), self.files.len());
            Status::Included
        };
        self.keep(SourceFile {
            rel,
            abs,
            zip,
            size,
            sha256: sha,
            hashed_as,
            quick_sum,
            format: probe.format,
            pages,
            image: probe.image,
            text: probe.text,
            password,
            status,
            classified,
            notes: probe.notes,
            active: probe.active,
            open_saves: probe.open_saves,
            edges: probe
                .edges
                .iter()
                .map(|p| p.iter().map(crate::read::pdf::extent::from_bits).collect())
                .collect(),
            cda: probe.cda,
            wrapper: probe.wrapper,
            scanned: probe.scanned,
            ocr: None,
            identifiers: probe.identifiers,
            dicom: probe.dicom,
        });
    }
}

/// Reads a source's bytes again (from the folder, or from its archive) and checks they are
/// still the bytes the scan saw: for a file this scan read and hashed itself
/// (`hashed_as`), by its signature being unchanged since; else by the quick checksum of
/// the bytes its SHA-256 was taken of (`quick_sum`), or by the SHA-256 where that is not
/// known.
pub fn read_source(f: &SourceFile) -> Result<Vec<u8>> {
    let bytes = std::fs::read(&f.abs).map_err(|e| Error::Source {
        path: f.rel.clone(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "was removed while the packet was being built — nothing was written; run the command again once the folder holds what you want to send".to_string()
        } else {
            format!("could not be read again ({e}) — check that it is readable, then run the command again")
        },
    })?;
    let bytes = match &f.zip {
        Some(loc) => container_of(&f.rel)
            .ok_or_else(|| "not an archive".to_string())
            .and_then(|r| r.member(&bytes, loc))
            .map_err(|e| Error::Source {
                path: f.rel.clone(),
                message: format!("could not be read again from its archive ({e})"),
            })?,
        None => bytes,
    };
    // Hashed once per build: a file this scan read and hashed is not hashed again while
    // its signature, taken after this read, is still the one it had then.
    // Other files are checked by their quick sum where it is known: the same bytes as
    // the SHA-256 described, at a fraction of its cost (a warm build's files are recalled
    // by their identity, so this is their only check).
    let unchanged =
        f.zip.is_none() && f.hashed_as.is_some() && identity::signature(&f.abs) == f.hashed_as;
    let same = unchanged
        || match &f.quick_sum {
            Some(quick) => crate::base::digest::quick_sum(&bytes) == *quick,
            None => sha256_hex(&bytes) == f.sha256,
        };
    if !same {
        return Err(Error::ChangedDuringBuild(f.rel.clone()));
    }
    Ok(bytes)
}

/// The reader of the container a member's path names (`export.zip/inner/a.pdf`): the
/// first folder of the path that is a container by its name, as the scan opened it.
fn container_of(rel: &str) -> Option<&'static dyn crate::read::reader::Reader> {
    rel.match_indices('/')
        .find_map(|(at, _)| READERS.container(&extension(&rel[..at])))
}

/// The bytes the packet shows for a source: the file's own, or for a file wrapped in
/// another format (a clinical document carrying a PDF or image), the payload the
/// wrapper's reader hands over (decoded again from the checked bytes).
pub fn read_content(f: &SourceFile) -> Result<Vec<u8>> {
    let bytes = read_source(f)?;
    match f.wrapper.and_then(|w| READERS.of(w)) {
        Some(reader) => reader.content(&f.rel, bytes).map_err(|p| Error::Source {
            path: f.rel.clone(),
            message: format!("could not be read again ({})", p.reason),
        }),
        None => Ok(bytes),
    }
}

/// Scans `dir`: walks it, reads and checks every file, classifies what can be included,
/// and reads scanned pages as `opts.ocr` says.
pub fn scan(
    dir: &Path,
    config: Option<&PacketConfig>,
    typing: &dyn Typing,
    opts: &ScanOptions,
    progress: &dyn crate::Progress,
) -> Result<Inventory> {
    scan_in(dir, config, typing, opts, progress, None)
}

/// [`scan`], with the cache in `cache_dir` when given (else where the environment says).
fn scan_in(
    dir: &Path,
    config: Option<&PacketConfig>,
    typing: &dyn Typing,
    opts: &ScanOptions,
    progress: &dyn crate::Progress,
    cache_dir: Option<PathBuf>,
) -> Result<Inventory> {
    let meta = std::fs::metadata(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NoSuchFolder(dir.to_path_buf()),
        _ => Error::io(dir, e),
    })?;
    if !meta.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let cache = match cache_dir {
        Some(d) => Cache::at(d, &root),
        None => Cache::open(&root, opts.no_cache),
    };
    // The cache's packs are read while the folder is listed (the listing waits on the
    // disk, one file at a time, and the first readers of the files would wait on them).
    let Listing {
        ignored,
        mut entries,
        early_problems,
    } = std::thread::scope(|scope| {
        scope.spawn(|| cache.preload(&[FILE_IDENTITY, FILE_FACTS]));
        list_folder(&root)
    });

    let mut c = Collector {
        config,
        typing,
        // One entry is one file, but for portal exports (their members are added).
        files: Vec::with_capacity(entries.len() + early_problems.len()),
        ignored,
        first_by_hash: std::collections::HashMap::new(),
        evidence: !opts.without_evidence,
    };
    for (rel, abs, problem) in early_problems {
        c.files
            .push(problem_file(rel, abs, 0, String::new(), problem));
    }
    progress.start("Reading records", entries.len() as u64);
    // Path order decides which of two identical files is kept (a name that reads as a
    // copy gives way; see `Collector::admit`).
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    // Reading, hashing and probing run in parallel (each file is read once); deciding
    // duplicates and classifying then go in path order.
    let folder_key = root.display().to_string();
    let known: identity::Identities = cache.get(FILE_IDENTITY, &folder_key).unwrap_or_default();
    let cx = Context {
        config,
        typing,
        cache: &cache,
        known: &known,
    };
    let mut seen = identity::Identities::new();
    // The readers run at most a window of files ahead of the one kept next, so what they
    // hand over never piles up for the whole folder, and what the inventory keeps is made
    // on this thread, in path order (see `Collector::keep`).
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get());
    crate::base::ordered::for_each_ordered(
        entries,
        readers,
        SCAN_WINDOW,
        |(rel, abs)| {
            let out = load_entry(cx, rel, abs);
            progress.advance();
            out
        },
        |loaded| {
            for item in loaded {
                match item {
                    Loaded::File(mut p) => {
                        if let Some(id) = p.identity.take() {
                            seen.insert(id, p.sha.clone());
                        }
                        c.admit(p)
                    }
                    Loaded::Problem(f) => c.keep(f),
                    Loaded::Ignored(i) => c.ignored.push(i),
                }
            }
        },
    );
    // The folder's files as they are now (only these: removed files drop out).
    if seen != known {
        cache.put(FILE_IDENTITY, &folder_key, &seen);
    }
    // The entries learnt in this scan, written together (before its warnings are told).
    cache.flush();
    let Collector {
        mut files,
        mut ignored,
        ..
    } = c;
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    ignored.sort_by(|a, b| a.path.cmp(&b.path));

    let mut warnings = Vec::new();
    // Facts about the set of files rather than one (no reader has any yet).
    let gathered: Vec<crate::read::reader::Gathered<'_>> = files
        .iter()
        .map(|f| crate::read::reader::Gathered {
            rel: &f.rel,
            format: f.format,
            pages: f.pages,
        })
        .collect();
    for reader in READERS.0 {
        warnings.extend(reader.gather(&gathered));
    }
    drop(gathered);
    let languages = config
        .map(|c| c.ocr.languages.clone())
        .unwrap_or_else(crate::base::config::default_languages);
    let read = ocr::read_scans(&files, &read_source, &root, &languages, opts, progress)?;
    warnings.extend(read.warnings.into_iter().map(|w| Warning::new("", None, w)));
    warnings.extend(crate::read::cache::trouble().map(|w| Warning::new("", None, w)));
    for (i, result, notes) in read.files {
        if let Some(f) = files.get_mut(i) {
            f.notes.extend(notes);
            reclassify::reclassify(f, config, typing, result);
        }
    }
    for f in &mut files {
        if f.format == Some(Format::Pdf) {
            f.text = None;
        }
    }
    if let Some(cfg) = config {
        for f in files.iter().filter(|f| f.status == Status::Included) {
            if let Some(why) = f.cda.as_ref().and_then(|c| c.other_patient.as_ref()) {
                warnings.push(Warning::new(
                    f.rel.clone(),
                    None,
                    format!(
                        "this clinical document {why}, which is not the patient in packet.toml — it is packed anyway, but its medications are left out of the list; if it is a family member's record, remove it or set exclude = true in its [[documents]] entry"
                    ),
                ));
            }
        }
        let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        for d in cfg.unmatched_documents(&rels) {
            warnings.push(Warning::new(
                CONFIG_NAME,
                None,
                format!(
                    "[[documents]] entry \"{}\" matches no file in the folder — check the path (it is relative to the folder, with / between folders)",
                    d.path
                ),
            ));
        }
    }
    let (imaging, imaging_warnings) = crate::read::dicom::inventory_studies(&files, config);
    warnings.extend(imaging_warnings);
    Ok(Inventory {
        root,
        files,
        ignored,
        warnings,
        imaging,
        cache,
    })
}

fn problem_file(rel: String, abs: PathBuf, size: u64, sha: String, problem: Problem) -> SourceFile {
    SourceFile {
        rel,
        abs,
        zip: None,
        size,
        sha256: sha,
        format: None,
        pages: None,
        image: None,
        text: None,
        password: None,
        status: Status::Problem(problem),
        classified: Classified {
            kind: crate::base::kind::Kind::Other,
            date: None,
            title: String::new(),
            kind_score: 0.0,
            evidence: Vec::new(),
            language: crate::base::classified::UNKNOWN_LANGUAGE.to_string(),
        },
        notes: Vec::new(),
        active: Vec::new(),
        open_saves: Vec::new(),
        edges: Vec::new(),
        cda: None,
        wrapper: None,
        scanned: Vec::new(),
        ocr: None,
        hashed_as: None,
        quick_sum: None,
        identifiers: Vec::new(),
        dicom: None,
    }
}

mod reclassify;
#[cfg(test)]
mod tests;
