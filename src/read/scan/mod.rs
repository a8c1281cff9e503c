//! Scan: a records folder turns into an [`Inventory`]: every file with its checksum,
//! format, pages, kind, date and status (included, excluded, duplicate, ignored, or a
//! problem with its fix), sorted by path. Reads the folder; never writes to it.

use crate::base::config::{PacketConfig, CONFIG_NAME};
use crate::base::error::{Error, Problem, Result, Warning};
use crate::classify::{self, Classified, Overrides, Rules};
use crate::read::cache::Cache;
use crate::read::identity::{self, FILE_IDENTITY};
use crate::read::ingest::{self, Format, ImageInfo};
use crate::read::ocr::{self, OcrMode};
use crate::read::reader::{Input, Member, Readers};
use crate::read::zipin::ZipLocation;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// How to scan, validated (the commands' shared options).
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Neither read nor write the cache of what medpacket learned about each file (its
    /// facts, classification and OCR results).
    pub no_cache: bool,
    /// Whether scanned pages are read.
    pub ocr: OcrMode,
}

/// The readers, one per format, in the order they sniff a file's bytes: the one place that
/// lists the formats (adding one is a reader and a line here). A container comes first:
/// a portal export is opened whatever its members are.
pub static READERS: Readers = Readers(&[
    &crate::read::zipin::ZipReader,
    &crate::read::fhir::FhirExportReader,
    &crate::read::ingest::PdfReader,
    &crate::read::ingest::JpegReader,
    &crate::read::ingest::PngReader,
    &crate::read::ingest::TiffReader,
    &crate::read::cda::CdaReader,
    &crate::read::fhir::FhirReader,
    &crate::read::ingest::TextReader,
]);

/// The cache kind of what medpacket learned about a file's bytes.
pub const FILE_FACTS: &str = "file";

/// A [`Classified`] as the cache stores it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredClassified {
    kind: crate::base::kind::Kind,
    date: Option<chrono::NaiveDate>,
    title: String,
    kind_score: f32,
    evidence: Vec<StoredEvidence>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredEvidence {
    field: String,
    source: classify::Source,
    rule: String,
    matched: String,
    score: f32,
}

impl From<&Classified> for StoredClassified {
    fn from(c: &Classified) -> Self {
        StoredClassified {
            kind: c.kind,
            date: c.date,
            title: c.title.clone(),
            kind_score: c.kind_score,
            evidence: c
                .evidence
                .iter()
                .map(|e| StoredEvidence {
                    field: e.field.to_string(),
                    source: e.source,
                    rule: e.rule.clone(),
                    matched: e.matched.clone(),
                    score: e.score,
                })
                .collect(),
        }
    }
}

impl StoredClassified {
    /// The classification again, or None when the entry names an unknown field.
    fn restore(self) -> Option<Classified> {
        let evidence = self
            .evidence
            .into_iter()
            .map(|e| {
                let field = ["kind", "date", "title"]
                    .into_iter()
                    .find(|f| *f == e.field)?;
                Some(classify::Evidence {
                    field,
                    source: e.source,
                    rule: e.rule,
                    matched: e.matched,
                    score: e.score,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Classified {
            kind: self.kind,
            date: self.date,
            title: self.title,
            kind_score: self.kind_score,
            evidence,
        })
    }
}

/// What happens to a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Included,
    /// `exclude = true` in packet.toml.
    Excluded,
    /// Byte-identical to an earlier file (by path order), which is included instead.
    Duplicate {
        same_as: String,
    },
    Problem(Problem),
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Included => "included",
            Status::Excluded => "excluded",
            Status::Duplicate { .. } => "duplicate",
            Status::Problem(_) => "problem",
        }
    }
}

/// One file of the records folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the records folder, with `/` separators (`archive.zip/member`
    /// for a member of a portal export).
    pub rel: String,
    /// The file on disk (the archive, for a member of one).
    pub abs: PathBuf,
    /// Where in the archive at `abs` the bytes are, for a member of a portal export.
    pub zip: Option<ZipLocation>,
    pub size: u64,
    pub sha256: String,
    pub format: Option<Format>,
    pub pages: Option<u32>,
    pub image: Option<ImageInfo>,
    /// Text of the first pages (PDF) or the whole text (text files).
    pub text: Option<String>,
    pub password: Option<String>,
    pub status: Status,
    pub classified: Classified,
    pub notes: Vec<String>,
    /// Active content found in the file, which the packet leaves out.
    pub active: Vec<String>,
    /// Per PDF page: graphics states its content leaves saved (measured at scan, so the
    /// build does not decompress the pages again).
    pub open_saves: Vec<u32>,
    /// Per PDF page: the boxes its content may cover near the page's edges, for the
    /// footer's placement (measured at scan and kept in the cache, so a rebuild does not
    /// read the pages' content again).
    pub edges: Vec<Vec<crate::read::extent::Rect>>,
    /// The clinical document (CDA) this file is: its header, sections and medications.
    pub cda: Option<Box<crate::read::cda::Cda>>,
    /// The format of the file that wraps the packed one (see [`ingest::Probe::wrapper`]).
    pub wrapper: Option<Format>,
    /// PDF pages (1-based) without a text layer: scans to read.
    pub scanned: Vec<u32>,
    /// What OCR read on the file's scanned pages.
    pub ocr: Option<std::sync::Arc<crate::read::ocr::FileOcr>>,
    /// Identifiers (Social Security numbers, member IDs) in the file's text, masked.
    pub identifiers: Vec<crate::classify::identifiers::Finding>,
    /// The PDF as the scan parsed it, when small enough to keep (see [`KEEP_PARSED`]).
    pub parsed: Option<ingest::Parsed>,
}

/// The scan keeps its parse of a PDF up to this size, and of all PDFs together up to
/// [`KEEP_PARSED_TOTAL`] bytes of source, so the build copies them without parsing them
/// again while memory stays bounded however many files there are.
pub const KEEP_PARSED: u64 = 512 * 1024;
/// See [`KEEP_PARSED`].
pub const KEEP_PARSED_TOTAL: u64 = 1024 * 1024;

impl SourceFile {
    pub fn is_included(&self) -> bool {
        self.status == Status::Included
    }
}

/// A file the scan passed over on purpose (OS junk, hidden files, earlier packets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    pub path: String,
    pub why: String,
}

/// Everything found in a records folder.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub ignored: Vec<Ignored>,
    /// `[[documents]]` entries that match no file (likely typos), as warnings.
    pub warnings: Vec<Warning>,
}

impl Inventory {
    pub fn problems(&self) -> Vec<&Problem> {
        self.files
            .iter()
            .filter_map(|f| match &f.status {
                Status::Problem(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    pub fn included(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.is_included())
    }

    /// The scan's warnings, then one per identifier found in an included file (masked to
    /// its last four characters), by path and page.
    pub fn all_warnings(&self) -> Vec<Warning> {
        let mut out = self.warnings.clone();
        for f in self.included() {
            for id in &f.identifiers {
                out.push(Warning::new(
                    f.rel.clone(),
                    Some(id.page),
                    format!(
                        "{} — you may not want to send it; black it out on the record before sending, or leave the page out",
                        id.what()
                    ),
                ));
            }
        }
        out
    }
}

/// The folder at the top of the records folder where medpacket's page puts the files the
/// patient removes; scan passes over it.
pub const REMOVED_FOLDER: &str = "removed";

fn is_removed_folder(e: &walkdir::DirEntry) -> bool {
    e.depth() == 1 && e.file_type().is_dir() && e.file_name() == REMOVED_FOLDER
}

/// Why a name is passed over, or None when it should be read.
fn ignore_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if name.starts_with("~$") {
        Some("temporary file of an office program")
    } else if lower == ".ds_store"
        || lower == "thumbs.db"
        || lower == "desktop.ini"
        || lower == "ehthumbs.db"
    {
        Some("operating-system file")
    } else if name.starts_with('.') {
        Some("hidden file")
    } else if name == CONFIG_NAME {
        Some("medpacket's settings for this folder")
    } else {
        None
    }
}

/// Gathers the files of a scan, one at a time (from the folder or from an archive).
struct Collector<'a> {
    config: Option<&'a PacketConfig>,
    rules: &'a Rules,
    files: Vec<SourceFile>,
    ignored: Vec<Ignored>,
    /// Hash -> index in `files` of the first included file with those bytes.
    first_by_hash: std::collections::HashMap<String, usize>,
}

/// One file read, hashed and probed (the part of the scan that runs in parallel).
struct Prepared {
    rel: String,
    abs: PathBuf,
    zip: Option<ZipLocation>,
    /// The file's identity on disk, when the next scan may know it by that alone.
    identity: Option<String>,
    size: u64,
    sha: String,
    probe: std::result::Result<ingest::Probe, Problem>,
    /// Kind, date and title, decided while the file's text is at hand.
    classified: Option<Classified>,
}

/// What the scan shares between the files it reads.
#[derive(Clone, Copy)]
struct Context<'a> {
    config: Option<&'a PacketConfig>,
    rules: &'a Rules,
    cache: &'a Cache,
    /// Checksums of the folder's files by their identity, as the last scan saw them.
    known: &'a identity::Identities,
    /// Source bytes of the PDFs whose parse is kept so far.
    kept: &'a std::sync::atomic::AtomicU64,
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
    probe: ingest::Probe,
    decision: Option<Decision>,
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
) -> std::result::Result<ingest::Probe, Problem> {
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
        rules,
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
    let (size, sha, cacheable, remembered, bytes) = match seen {
        Seen::Read(bytes) => {
            let sha = sha256_hex(&bytes);
            let cacheable = cache.is_enabled()
                && !bytes.is_empty()
                && READERS
                    .sniff(&bytes, &ingest::extension(&rel))
                    .is_none_or(|r| r.cached());
            let remembered = cacheable
                .then(|| cache.get::<FileFacts>(FILE_FACTS, &facts_key(&sha, password.as_deref())))
                .flatten();
            (bytes.len() as u64, sha, cacheable, remembered, bytes)
        }
        Seen::Recalled { sha, size, facts } => (size, sha, true, Some(*facts), Vec::new()),
    };
    let key = facts_key(&sha, password.as_deref());
    let inputs = format!("{rel}\0{overrides:?}");
    let (mut probe, decision) = match remembered {
        Some(facts) => (Ok(facts.probe), facts.decision),
        None => (probe_guarded(&rel, &bytes, password.as_deref()), None),
    };
    drop(bytes);
    // The parse of a small PDF is kept for the build, within the scan's budget.
    if let Ok(p) = probe.as_mut() {
        let keep = p.parsed.is_some()
            && p.cda.is_none()
            && zip.is_none()
            && size <= KEEP_PARSED
            && cx
                .kept
                .fetch_update(
                    std::sync::atomic::Ordering::Relaxed,
                    std::sync::atomic::Ordering::Relaxed,
                    |total| (total + size <= KEEP_PARSED_TOTAL).then_some(total + size),
                )
                .is_ok();
        if !keep {
            p.parsed = None;
        }
    }
    let classified = probe.as_mut().ok().map(|p| {
        let known = decision
            .filter(|d| d.inputs == inputs)
            .and_then(|d| d.classified.restore());
        let mut c = match known {
            Some(c) => c,
            None => {
                let c = match &p.cda {
                    Some(cda) => crate::read::cda::header::classify(
                        &cda.header,
                        crate::read::cda::CdaRules::builtin(),
                        &overrides,
                    ),
                    None => classify::classify(rules, &rel, p.text.as_deref(), &overrides),
                };
                if cacheable {
                    let facts = FileFacts {
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
        c.title = crate::classify::identifiers::mask(&c.title);
        for e in &mut c.evidence {
            e.matched = crate::classify::identifiers::mask(&e.matched);
        }
        if let Some(cda) = p.cda.as_mut() {
            // A record of someone else (a family member's, in the same portal export).
            if let Some(cfg) = config {
                cda.other_patient = crate::read::cda::header::patient_mismatch(
                    &cda.header,
                    &cfg.patient.name,
                    cfg.patient.date_of_birth,
                );
            }
            // Set in type from the XML: its page count on Letter paper (the plan lays it
            // out again on the packet's paper).
            if p.format == Some(Format::Cda) {
                if let Some(m) = crate::base::fonts::Metrics::get() {
                    let title = if c.title.trim().is_empty() {
                        c.kind.label()
                    } else {
                        &c.title
                    };
                    let layouts = crate::render::cda::layout(
                        m,
                        crate::base::layout::Paper::Letter,
                        &rel,
                        title,
                        cda,
                        crate::base::i18n::Lang::En.messages(),
                    );
                    p.pages = Some(layouts.len() as u32);
                    p.identifiers.extend(typeset_identifiers(&layouts));
                }
            }
            p.text = None;
        } else if p.format == Some(Format::Text) {
            // A text file's page count is its typeset length on Letter paper (the plan
            // lays it out again on the paper chosen for the packet).
            if let Some(m) = crate::base::fonts::Metrics::get() {
                let text = p.text.as_deref().unwrap_or("");
                let layouts = crate::render::text::layout(
                    m,
                    crate::base::layout::Paper::Letter,
                    &rel,
                    text,
                    crate::base::i18n::Lang::En.messages(),
                );
                p.pages = Some(layouts.len() as u32);
                p.identifiers.extend(typeset_identifiers(&layouts));
            }
        } else if !p.scanned.iter().any(|&n| n <= ingest::TEXT_PAGES) {
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
        size,
        sha,
        probe,
        classified,
    }
}

/// The identifiers on typeset pages (a text file or clinical document laid out on Letter
/// paper), by page: the pages the doctor would see.
fn typeset_identifiers(
    layouts: &[crate::base::layout::PageLayout],
) -> Vec<crate::classify::identifiers::Finding> {
    let mut out = Vec::new();
    for (i, page) in layouts.iter().enumerate() {
        let joined: Vec<&str> = page.runs.iter().map(|r| r.text.as_str()).collect();
        out.extend(crate::classify::identifiers::find(
            i as u32 + 1,
            &joined.join("\n"),
        ));
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
    let container = READERS.container(&ingest::extension(&rel));
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
        // A parse kept for the build is of the file as it was read, and used only while
        // the file is unchanged.
        if let Ok(p) = prepared.probe.as_mut() {
            match (p.parsed.as_mut(), &unchanged) {
                (Some(parsed), Some(l)) => parsed.stat = Some(l.key.clone()),
                _ => p.parsed = None,
            }
        }
        // Known by identity from now on, if the file did not change while it was read and
        // its facts are cached.
        let cached = prepared.probe.as_ref().is_ok_and(|p| {
            p.cda.is_none()
                && p.format
                    .and_then(|f| READERS.of(f))
                    .is_some_and(|r| r.cached())
        });
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

/// What reading one entry yields.
enum Loaded {
    File(Prepared),
    Problem(SourceFile),
    Ignored(Ignored),
}

impl Collector<'_> {
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
        } = p;
        let entry = self.config.and_then(|c| c.document(&rel));
        let excluded = entry.is_some_and(|e| e.exclude);
        // A copy of a file already included is a duplicate, whatever else is true of it
        // (its password may be set on the first copy only).
        if let Some(first) = self
            .first_by_hash
            .get(&sha)
            .and_then(|&i| self.files.get(i))
            .filter(|_| !excluded)
        {
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
                ..first.clone()
            };
            self.files.push(dup);
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
                self.files.push(f);
                return;
            }
            Err(problem) => {
                self.files.push(SourceFile {
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
        let classified = classified
            .unwrap_or_else(|| classify::classify(self.rules, &rel, None, &Overrides::default()));
        let pages = probe.pages;
        let status = if excluded {
            Status::Excluded
        } else {
            self.first_by_hash.insert(sha.clone(), self.files.len());
            Status::Included
        };
        self.files.push(SourceFile {
            rel,
            abs,
            zip,
            size,
            sha256: sha,
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
                .map(|p| p.iter().map(crate::read::extent::from_bits).collect())
                .collect(),
            cda: probe.cda,
            wrapper: probe.wrapper,
            scanned: probe.scanned,
            ocr: None,
            identifiers: probe.identifiers,
            parsed: probe.parsed,
        });
    }
}

/// Reads a source's bytes again (from the folder, or from its archive) and checks they are
/// still the bytes the scan saw.
pub fn read_source(f: &SourceFile) -> Result<Vec<u8>> {
    let bytes = std::fs::read(&f.abs).map_err(|e| Error::Source {
        path: f.rel.clone(),
        message: format!("could not be read again ({e})"),
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
    if sha256_hex(&bytes) != f.sha256 {
        return Err(Error::ChangedDuringBuild(f.rel.clone()));
    }
    Ok(bytes)
}

/// The reader of the container a member's path names (`export.zip/inner/a.pdf`): the
/// first folder of the path that is a container by its name, as the scan opened it.
fn container_of(rel: &str) -> Option<&'static dyn crate::read::reader::Reader> {
    rel.match_indices('/')
        .find_map(|(at, _)| READERS.container(&ingest::extension(&rel[..at])))
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

/// Lower-case hex of bytes (for checksums).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Scans `dir`: walks it, reads and checks every file, classifies what can be included,
/// and reads scanned pages as `opts.ocr` says.
pub fn scan(
    dir: &Path,
    config: Option<&PacketConfig>,
    rules: &Rules,
    opts: &ScanOptions,
    progress: &dyn crate::Progress,
) -> Result<Inventory> {
    let meta = std::fs::metadata(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NoSuchFolder(dir.to_path_buf()),
        _ => Error::io(dir, e),
    })?;
    if !meta.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let mut ignored = Vec::new();
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    let mut early_problems: Vec<(String, PathBuf, Problem)> = Vec::new();

    let walker = walkdir::WalkDir::new(&root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || (!e.file_name().to_string_lossy().starts_with('.') || e.file_type().is_file())
                    && !is_removed_folder(e)
        });
    if root.join(REMOVED_FOLDER).is_dir() {
        ignored.push(Ignored {
            path: format!("{REMOVED_FOLDER}/"),
            why: "files removed on medpacket's page — move one back out of this folder to include it again".into(),
        });
    }
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.clone());
                let rel = rel_path(&root, &path);
                early_problems.push((
                    rel.clone(),
                    path,
                    Problem::new(
                        rel,
                        format!("cannot be read ({e})"),
                        "check that you have permission to read it",
                    ),
                ));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path().to_path_buf();
        let rel = rel_path(&root, &path);
        let name = entry.file_name().to_string_lossy().to_string();
        let beside_xdm = entry.file_type().is_file()
            && path
                .parent()
                .is_some_and(|p| p.join("IHE_XDM").is_dir() || p.join("ihe_xdm").is_dir());
        if let Some(why) = ignore_reason(&name).or_else(|| {
            entry
                .file_type()
                .is_file()
                .then(|| crate::read::cda::xdm_part(&name, beside_xdm))
                .flatten()
        }) {
            if !entry.file_type().is_dir() {
                ignored.push(Ignored {
                    path: rel,
                    why: why.into(),
                });
            }
            continue;
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            match std::fs::canonicalize(&path) {
                Ok(target) if target.starts_with(&root) && target.is_file() => {
                    entries.push((rel, target));
                }
                Ok(target) if target.starts_with(&root) => {
                    ignored.push(Ignored {
                        path: rel,
                        why:
                            "link to a folder inside the records folder (its files are read there)"
                                .into(),
                    });
                }
                Ok(_) => early_problems.push((
                    rel.clone(),
                    path,
                    Problem::new(
                        rel,
                        "link to something outside the records folder (not followed)",
                        "copy the file itself into the folder instead of linking to it",
                    ),
                )),
                Err(_) => early_problems.push((
                    rel.clone(),
                    path,
                    Problem::new(
                        rel,
                        "broken or looping link",
                        "replace the link with the file it should point to",
                    ),
                )),
            }
            continue;
        }
        if ft.is_file() {
            entries.push((rel, path));
        } else {
            // A pipe, socket or device: never read (reading a pipe could wait forever).
            early_problems.push((
                rel.clone(),
                path,
                Problem::new(
                    rel,
                    "not a regular file (a pipe, socket or device)",
                    "remove it from the records folder",
                ),
            ));
        }
    }

    let mut c = Collector {
        config,
        rules,
        // One entry is one file, but for portal exports (their members are added).
        files: Vec::with_capacity(entries.len() + early_problems.len()),
        ignored,
        first_by_hash: std::collections::HashMap::new(),
    };
    for (rel, abs, problem) in early_problems {
        c.files
            .push(problem_file(rel, abs, 0, String::new(), problem));
    }
    progress.start("Reading records", entries.len() as u64);
    // Path order decides which of two identical files is kept.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    // Reading, hashing and probing run in parallel (each file is read once); deciding
    // duplicates and classifying then go in path order.
    use rayon::prelude::*;
    let cache = Cache::open(&root, opts.no_cache);
    let folder_key = root.display().to_string();
    let known: identity::Identities = cache.get(FILE_IDENTITY, &folder_key).unwrap_or_default();
    let kept = std::sync::atomic::AtomicU64::new(0);
    let cx = Context {
        config,
        rules,
        cache: &cache,
        known: &known,
        kept: &kept,
    };
    let loaded: Vec<Vec<Loaded>> = entries
        .into_par_iter()
        .map(|(rel, abs)| {
            let out = load_entry(cx, rel, abs);
            progress.advance();
            out
        })
        .collect();
    let mut seen = identity::Identities::new();
    for item in loaded.into_iter().flatten() {
        match item {
            Loaded::File(mut p) => {
                if let Some(id) = p.identity.take() {
                    seen.insert(id, p.sha.clone());
                }
                c.admit(p)
            }
            Loaded::Problem(f) => c.files.push(f),
            Loaded::Ignored(i) => c.ignored.push(i),
        }
    }
    // The folder's files as they are now (only these: removed files drop out).
    if seen != known {
        cache.put(FILE_IDENTITY, &folder_key, &seen);
    }
    let Collector {
        mut files,
        mut ignored,
        ..
    } = c;
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    ignored.sort_by(|a, b| a.path.cmp(&b.path));

    let mut warnings = Vec::new();
    let languages = config
        .map(|c| c.ocr.languages.clone())
        .unwrap_or_else(crate::base::config::default_languages);
    let read = ocr::read_scans(&files, &root, &languages, opts, progress)?;
    warnings.extend(read.warnings.into_iter().map(|w| Warning::new("", None, w)));
    for (i, result, notes) in read.files {
        if let Some(f) = files.get_mut(i) {
            f.notes.extend(notes);
            reclassify(f, config, rules, result);
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
    Ok(Inventory {
        root,
        files,
        ignored,
        warnings,
    })
}

/// Classifies a file again with the text OCR read on its first pages, and keeps what was
/// read for the packet. Evidence found in that text is marked as coming from OCR.
fn reclassify(
    f: &mut SourceFile,
    config: Option<&PacketConfig>,
    rules: &Rules,
    result: ocr::FileOcr,
) {
    let read = result.leading_text(ingest::TEXT_PAGES);
    if !read.trim().is_empty() {
        let own = f.text.take().filter(|t| !t.trim().is_empty());
        let text = match &own {
            Some(t) => format!("{t}\n\n{read}"),
            None => read.clone(),
        };
        let entry = config.and_then(|c| c.document(&f.rel));
        let overrides = Overrides {
            kind: entry.and_then(|e| e.kind),
            date: entry.and_then(|e| e.date),
            title: entry.and_then(|e| e.title.clone()),
        };
        let mut c = classify::classify(rules, &f.rel, Some(&text), &overrides);
        for e in &mut c.evidence {
            if e.source != classify::Source::Text {
                continue;
            }
            let probe: String = e.matched.chars().take(40).collect();
            let in_own = own.as_deref().is_some_and(|t| {
                t.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(&probe)
            });
            if !in_own {
                e.source = classify::Source::Ocr;
            }
        }
        c.title = crate::classify::identifiers::mask(&c.title);
        for e in &mut c.evidence {
            e.matched = crate::classify::identifiers::mask(&e.matched);
        }
        f.classified = c;
    }
    // Identifiers in the text read from scans, by page, as in a text layer.
    for (i, page) in result.pages.iter().enumerate() {
        if let Some(page) = page {
            f.identifiers
                .extend(crate::classify::identifiers::find(i as u32 + 1, &page.text));
        }
    }
    f.ocr = Some(std::sync::Arc::new(result));
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
        },
        notes: Vec::new(),
        active: Vec::new(),
        open_saves: Vec::new(),
        edges: Vec::new(),
        cda: None,
        wrapper: None,
        scanned: Vec::new(),
        ocr: None,
        identifiers: Vec::new(),
        parsed: None,
    }
}

/// `path` relative to `root`, with `/` separators.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests;
