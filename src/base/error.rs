//! Errors: what went wrong, with which file, and what to do about it.
//!
//! Two families: [`Problem`] is a per-file diagnostic collected during the scan (one bad
//! file never stops the scan), and [`Error`] is what stops a command.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// A file that cannot go into the packet as it is: the reason and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file's path relative to the records folder.
    pub path: String,
    /// What is wrong, in a few words ("password-protected").
    pub reason: String,
    /// What the user can do about it.
    pub hint: String,
}

/// How a document only linked from an export (never fetched) starts its reason: it is
/// listed under "Not included" without stopping the build, as nothing in the folder can
/// be read again to bring it in.
pub const NOT_FETCHED: &str = "only linked, never fetched";

impl Problem {
    /// A document only linked from an export, at an address outside the folder.
    pub fn is_not_fetched(&self) -> bool {
        self.reason.starts_with(NOT_FETCHED)
    }

    pub fn new(
        path: impl Into<String>,
        reason: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.into(),
            reason: reason.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} — {}", self.path, self.reason, self.hint)
    }
}

/// Something the user should know that does not stop a command: a `[[documents]]` entry
/// that matches no file, a name the font cannot draw, an identifier found in a record.
/// `page` is the file's own page (1-based) when the warning concerns one; `path` is
/// empty for a warning about no file in particular (OCR not installed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub path: String,
    pub page: Option<u32>,
    pub what: String,
}

impl Warning {
    pub fn new(path: impl Into<String>, page: Option<u32>, what: impl Into<String>) -> Self {
        Warning {
            path: path.into(),
            page,
            what: what.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.page {
            _ if self.path.is_empty() => f.write_str(&self.what),
            Some(p) => write!(f, "{}, page {p}: {}", self.path, self.what),
            None => write!(f, "{}: {}", self.path, self.what),
        }
    }
}

/// An error that stops a command. Every variant names the file or folder it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such folder — check the path and try again", .0.display())]
    NoSuchFolder(PathBuf),

    #[error("{}: is not a folder — give the folder that holds the records", .0.display())]
    NotAFolder(PathBuf),

    #[error(
        "{}: no packet.toml — create {}/packet.toml with at least these two lines:\n  [patient]\n  name = \"the patient's full name\"",
        .0.display(), .0.display()
    )]
    MissingConfig(PathBuf),

    #[error("{}: {message}", .path.display())]
    Config { path: PathBuf, message: String },

    #[error("{}: {source} — check that the path exists and that you may read and write there", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: already exists — medpacket init never replaces it; edit it, or move it away to start again", .0.display())]
    ConfigExists(PathBuf),

    /// An output that cannot be written where it was asked for (full or read-only disk).
    #[error("{}: {message}", .path.display())]
    Output { path: PathBuf, message: String },

    #[error("{}: already exists — add --force to replace it, or choose another name with -o", .0.display())]
    OutputExists(PathBuf),

    #[error("{count} file(s) cannot go into the packet:\n{list}\nFix them, or build with --skip-unreadable to leave them out (they will be listed under \"Not included\" in the index).", count = .0.len(), list = list_problems(.0))]
    Problems(Vec<Problem>),

    #[error("{}: changed while the packet was being built (its checksum no longer matches the scan) — run the command again", .0)]
    ChangedDuringBuild(String),

    /// Records replaced, changed or removed between the scan and the end of assembly.
    #[error("the records folder changed while the packet was being built: {0} — nothing was written; wait until the files are in place, then run the command again")]
    FolderChanged(String),

    #[error("{path}: {message}")]
    Source { path: String, message: String },

    #[error("{}: the folder has no documents to put in a packet — add the records (PDF, JPEG, PNG, TIFF or text files) and try again", .0.display())]
    NothingToPack(PathBuf),

    #[error("nothing is left to put in a packet: {count} file(s) cannot be read, and --skip-unreadable left them all out:\n{list}\nFix them and build again.", count = .0.len(), list = list_problems(.0))]
    NothingReadable(Vec<Problem>),

    /// Scanned pages must be read (`--ocr always`) but cannot be.
    #[error("{0}")]
    Ocr(String),

    /// A size limit or page count that cannot be met (the message says which and why).
    #[error("{0}")]
    Limit(String),

    #[error("internal error: {0} — please report this")]
    Internal(String),
}

fn list_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
