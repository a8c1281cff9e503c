//! The inventory: what the scan turns a records folder into, as data — every file with its
//! checksum, format, pages, facts, classification and status, the files passed over,
//! and the options a scan runs with.

use crate::base::classified::Classified;
use crate::base::error::{Problem, Warning};
use crate::base::identifiers;
use crate::read::reader::{Format, ImageInfo, Location};
use crate::read::words::OcrMode;
use std::path::PathBuf;

/// Where a member lives in its portal export.
pub type ZipLocation = Location;

/// How to scan, validated (the commands' shared options).
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Neither read nor write the cache of what medpacket learned about each file (its
    /// facts, classification and OCR results).
    pub no_cache: bool,
    /// Whether scanned pages are read.
    pub ocr: OcrMode,
    /// The evidence behind each file's kind and date is not kept: a build shows none, and
    /// for a folder of thousands of files it is the largest part of what the scan holds.
    pub without_evidence: bool,
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
    pub edges: Vec<Vec<crate::read::pdf::extent::Rect>>,
    /// The clinical document (CDA) this file is: its header, sections and medications.
    pub cda: Option<Box<crate::base::clinical::Cda>>,
    /// The format of the file that wraps the packed one (see [`crate::read::reader::Probe::wrapper`]).
    pub wrapper: Option<Format>,
    /// PDF pages (1-based) without a text layer: scans to read.
    pub scanned: Vec<u32>,
    /// What OCR read on the file's scanned pages.
    pub ocr: Option<std::sync::Arc<crate::read::words::FileOcr>>,
    /// Identifiers (Social Security numbers, member IDs) in the file's text, masked.
    pub identifiers: Vec<identifiers::Finding>,
    /// A DICOM file's header facts.
    pub dicom: Option<Box<crate::read::imaging::Instance>>,
    /// The file's signature (place, size, times) when this scan read and hashed it — only
    /// when its times were settled and it did not change while it was read. While the
    /// signature is still this one no write has touched the file since (every write moves
    /// its change time), so the build reads it without hashing it a second time. None for
    /// a file recalled by its identity from an earlier run (the build checks those).
    pub hashed_as: Option<String>,
    /// A fast checksum of the same bytes as `sha256` ([`quick_sum`]), taken when they were
    /// hashed. The build checks the bytes of a file recalled by its identity against it
    /// as it reads them, instead of taking their SHA-256 a second time; None when it is
    /// not known (the build then compares SHA-256s).
    ///
    /// [`quick_sum`]: crate::base::digest::quick_sum
    pub quick_sum: Option<String>,
}

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
    /// The studies of the imaging discs in the folder.
    pub imaging: Vec<crate::read::imaging::Study>,
    /// The cache the scan used (off with `--no-cache`): the build keeps what it encodes
    /// there too.
    pub cache: crate::read::cache::Cache,
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

/// `path` relative to `root`, with `/` separators.
pub fn rel_path(root: &std::path::Path, path: &std::path::Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
