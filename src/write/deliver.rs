//! Deliver: the assembled packet turns into the files that travel — one file, or, under a
//! size limit, first the same packet with smaller pictures and then parts each under the
//! limit; one stamped file per document beside a cover-and-index file; fax sends of a
//! bounded number of pages, each with its own cover — and what was written, for the report.

use crate::base::config::PacketConfig;
use crate::base::error::{Error, Result};
use crate::base::size::human;
use crate::plan::Plan;
use crate::read::scan::Inventory;
use crate::write::emit;
use crate::write::faxsend;
use crate::write::parts::{self, Piece, SplitError, Whole};
use crate::write::shrink;
use std::path::{Path, PathBuf};

/// How the packet must travel.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// No file may be larger than this many bytes (`--max-size`, `[send] max_size`).
    pub max_size: Option<u64>,
    /// Also write each document as its own file into this folder (`--per-document`).
    pub per_document: Option<PathBuf>,
    /// The most pages one fax send may hold, its cover included (`--fax-pages`, 100).
    pub fax_pages: Option<u32>,
    /// Set by `build` once the plan shows the fax needs more than one send.
    pub fax_sends: bool,
    /// Use `[send] max_size` of packet.toml when `max_size` is not given (the command
    /// does; the local web page, which hands out one packet file, does not).
    pub honour_config: bool,
}

impl SendOptions {
    /// True when the packet is more than the one file `assemble` writes.
    pub fn needed(&self) -> bool {
        self.max_size.is_some() || self.per_document.is_some() || self.fax_sends
    }
}

/// One file written, with the packet pages it holds.
#[derive(Debug, Clone)]
pub struct FileWritten {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub first_page: u32,
    pub last_page: u32,
}

/// Everything written.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    /// The packet in one file, when it is one.
    pub single: Option<FileWritten>,
    /// The parts, when the packet had to be cut.
    pub parts: Vec<FileWritten>,
    /// The fax sends, when the fax needs several.
    pub sends: Vec<FileWritten>,
    /// The cover-and-index file and one file per document.
    pub per_document: Vec<FileWritten>,
    /// Pictures made smaller to meet the limit.
    pub shrunk: Option<shrink::Shrunk>,
}

/// `<stem>-part-<k>-of-<n>.pdf` beside `target`.
pub fn part_path(target: &Path, k: usize, n: usize) -> PathBuf {
    numbered(target, "part", k, n)
}

/// `<stem>-<what>-<k>-of-<n>.pdf` beside `target`.
fn numbered(target: &Path, what: &str, k: usize, n: usize) -> PathBuf {
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "packet".into());
    target.with_file_name(format!("{stem}-{what}-{k}-of-{n}.pdf"))
}

/// The file name of document `number` (1-based, packet order): `03-pathology-report-2025-03-14.pdf`,
/// `07-lab-results-undated.pdf`; numbers are as wide as the largest needs (at least two
/// digits), so the names sort in packet order.
pub fn document_name(
    number: usize,
    of: usize,
    kind: &str,
    date: Option<chrono::NaiveDate>,
) -> String {
    let width = of.to_string().len().max(2);
    let date = date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "undated".into());
    // Kind names are lower-case letters and hyphens already; anything else becomes a
    // hyphen, so the name is safe on every system.
    let kind: String = kind
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{number:0width$}-{kind}-{date}.pdf")
}

/// The name of the file that holds the cover, index and questions beside the documents.
pub fn front_name(of: usize) -> String {
    let width = of.to_string().len().max(2);
    format!("{:0width$}-cover-and-index.pdf", 0)
}

fn write_file(path: &Path, records: &Path, force: bool, bytes: &[u8]) -> Result<(PathBuf, String)> {
    let full = emit::check_target(path, records, force)?;
    let (sha, _) = emit::write_atomic(&full, force, |w| {
        w.write_all(bytes).map_err(|e| Error::io(&full, e))
    })?;
    Ok((full, sha))
}

/// The smallest limit, as the message shows it, under which the packet can be cut, or
/// None when none near its largest page was found. Tried from the packet's costliest
/// page upward, in steps of a twentieth, so the limit the message offers is one that
/// works (a part also holds its own catalog, outline and opening page, and the cut is
/// made again tighter when a part comes out over).
fn least_limit(whole: &parts::Whole, plan: &Plan, password: Option<&str>) -> Option<u64> {
    let largest = parts::PageCosts::measure(whole).largest_page();
    let mut limit = shown_up(largest + largest / 20 + 32 * 1024);
    for _ in 0..8 {
        if parts::split(whole, plan, limit, password).is_ok() {
            return Some(limit);
        }
        limit = shown_up(limit + limit / 20);
    }
    None
}

/// `bytes` rounded up to what [`human`] shows (whole KB, a tenth of a MB, a hundredth of
/// a GB), so a limit given as shown is not less than the one meant.
fn shown_up(bytes: u64) -> u64 {
    let step = match bytes {
        0..1_000_000 => 1_000,
        1_000_000..1_000_000_000 => 100_000,
        _ => 10_000_000,
    };
    bytes.div_ceil(step) * step
}

/// A page too large for the limit, said for the user: which page, from which file, and
/// `least`, the smallest limit that does (when one was found).
fn too_large(plan: &Plan, limit: u64, page: u32, bytes: u64, least: Option<u64>) -> Error {
    let from = plan
        .items
        .iter()
        .find(|i| (i.first_page..=i.last_page).contains(&page))
        .map(|i| format!("from {}", i.rel))
        .unwrap_or_else(|| "the cover and index".into());
    Error::Limit(format!(
        "--max-size {}: page {page} of the packet ({from}) takes {} on its own, even with its pictures made smaller — a part cannot be smaller than one page; {}",
        human(limit),
        human(bytes),
        match least {
            Some(least) => format!("give a limit of at least {}", human(least)),
            None => "give a larger limit".to_string(),
        }
    ))
}

/// Writes the packet as `send` asks: `bytes` is the whole packet as assembled (not
/// encrypted), `target` where the one-file packet goes.
#[allow(clippy::too_many_arguments)]
pub fn deliver(
    plan: &Plan,
    cfg: &PacketConfig,
    inv: &Inventory,
    bytes: Vec<u8>,
    target: &Path,
    force: bool,
    password: Option<&str>,
    send: &SendOptions,
) -> Result<Delivered> {
    let records = inv.root.as_path();
    let mut whole = Whole::parse(&bytes)?;
    let all = Piece {
        first: 1,
        last: plan.total_pages,
        ..Piece::default()
    };
    let mut out = Delivered::default();
    let mut single = match password {
        Some(pw) => parts::piece_bytes(&whole, plan, &all, Some(pw))?,
        None => bytes,
    };
    let mut parts_written = Vec::new();
    if send.fax_sends {
        let max_pages = send.fax_pages.unwrap_or(faxsend::DEFAULT_FAX_PAGES);
        let pieces = faxsend::send_pieces(plan, cfg, max_pages)?;
        let n = pieces.len();
        for (i, piece) in pieces.iter().enumerate() {
            let bytes = parts::piece_bytes(&whole, plan, piece, password)?;
            let path = numbered(target, "send", i + 1, n);
            let (path, sha) = write_file(&path, records, force, &bytes)?;
            out.sends.push(FileWritten {
                path,
                sha256: sha,
                bytes: bytes.len() as u64,
                first_page: piece.first,
                last_page: piece.last,
            });
        }
    } else if let Some(limit) = send.max_size {
        if single.len() as u64 > limit {
            let scanned = shrink::scanned_pages(plan, inv);
            let done = shrink::shrink(&mut whole.doc, &whole.pages, &scanned);
            if done.pictures > 0 {
                out.shrunk = Some(done);
                single = parts::piece_bytes(&whole, plan, &all, password)?;
            }
        }
        if single.len() as u64 > limit {
            parts_written = parts::split(&whole, plan, limit, password).map_err(|e| match e {
                SplitError::PageTooLarge(p) => {
                    let least = least_limit(&whole, plan, password);
                    too_large(plan, limit, p.page, p.bytes, least)
                }
                SplitError::Other(e) => e,
            })?;
        }
    }
    if !out.sends.is_empty() {
        drop(single);
    } else if parts_written.is_empty() {
        let (path, sha) = write_file(target, records, force, &single)?;
        out.single = Some(FileWritten {
            path,
            sha256: sha,
            bytes: single.len() as u64,
            first_page: 1,
            last_page: plan.total_pages,
        });
    } else {
        drop(single);
        let n = parts_written.len();
        for (i, p) in parts_written.into_iter().enumerate() {
            let path = part_path(target, i + 1, n);
            let (path, sha) = write_file(&path, records, force, &p.bytes)?;
            out.parts.push(FileWritten {
                path,
                sha256: sha,
                bytes: p.bytes.len() as u64,
                first_page: p.first,
                last_page: p.last,
            });
        }
    }
    if let Some(dir) = &send.per_document {
        out.per_document = per_document(&whole, plan, dir, records, force, password)?;
    }
    Ok(out)
}

/// Writes the cover-and-index file and one stamped file per document into `dir`.
fn per_document(
    whole: &Whole,
    plan: &Plan,
    dir: &Path,
    records: &Path,
    force: bool,
    password: Option<&str>,
) -> Result<Vec<FileWritten>> {
    emit::create_folder(dir, records)?;
    let of = plan.items.len();
    let mut files = Vec::new();
    let first_doc = plan.items.first().map(|i| i.first_page).unwrap_or(1);
    let mut pieces: Vec<(String, Piece)> = Vec::new();
    if first_doc > 1 {
        pieces.push((
            front_name(of),
            Piece {
                first: 1,
                last: first_doc - 1,
                ..Piece::default()
            },
        ));
    }
    for item in &plan.items {
        pieces.push((
            document_name(item.number, of, item.kind.as_str(), item.date),
            Piece {
                first: item.first_page,
                last: item.last_page,
                title_suffix: Some(item.title.clone()),
                ..Piece::default()
            },
        ));
    }
    for (name, piece) in pieces {
        let bytes = parts::piece_bytes(whole, plan, &piece, password)?;
        let (path, sha) = write_file(&dir.join(&name), records, force, &bytes)?;
        files.push(FileWritten {
            path,
            sha256: sha,
            bytes: bytes.len() as u64,
            first_page: piece.first,
            last_page: piece.last,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_sort_in_packet_order_and_say_undated() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 14);
        assert_eq!(
            document_name(3, 12, "pathology-report", d),
            "03-pathology-report-2025-03-14.pdf"
        );
        assert_eq!(
            document_name(7, 12, "lab-results", None),
            "07-lab-results-undated.pdf"
        );
        assert_eq!(
            document_name(7, 120, "other", None),
            "007-other-undated.pdf"
        );
        assert_eq!(front_name(12), "00-cover-and-index.pdf");
        assert_eq!(
            part_path(Path::new("/out/packet.pdf"), 2, 3),
            PathBuf::from("/out/packet-part-2-of-3.pdf")
        );
    }
}
