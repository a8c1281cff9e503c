//! Listing: a records folder turns into the files a scan reads, in file-name order, the
//! entries that are problems before they are read (links leading out, pipes, unreadable
//! folders), and what is passed over and why (system and hidden files, the folder of
//! removed files, parts of an imaging disc or an IHE_XDM export read another way).

use crate::base::config::CONFIG_NAME;
use crate::base::error::Problem;
use crate::read::inventory::{rel_path, Ignored};
use std::path::{Path, PathBuf};

/// The folder at the top of the records folder where medpacket's page puts the files the
/// patient removes; scan passes over it.
pub const REMOVED_FOLDER: &str = "removed";

fn is_removed_folder(e: &walkdir::DirEntry) -> bool {
    e.depth() == 1 && e.file_type().is_dir() && e.file_name() == REMOVED_FOLDER
}

/// Why a name is passed over, or None when it should be read.
pub(super) fn ignore_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if name.starts_with("~$") {
        Some("temporary file of an office program")
    } else if lower == ".ds_store"
        || lower == "thumbs.db"
        || lower == "desktop.ini"
        || lower == "ehthumbs.db"
    {
        Some("operating-system file")
    } else if name.starts_with(".medpacket-") && name.ends_with(".part") {
        Some("unfinished file medpacket was writing (removed by its next write into this folder)")
    } else if name.starts_with('.') {
        Some("hidden file")
    } else if name == CONFIG_NAME {
        Some("medpacket's settings for this folder")
    } else {
        None
    }
}

/// Whether a file's name reads as a copy of another file's: "IMG_2291 (1).pdf",
/// "discharge-copy.pdf", "report - Copy.pdf", "report copy 2.pdf", "Copy of report.pdf".
/// Of two files with the same bytes, the one not named so is kept.
pub(super) fn named_as_copy(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    let stem = stem.trim_end().to_lowercase();
    if stem.starts_with("copy of ") {
        return true;
    }
    // A number in brackets at the end, as browsers and file managers add.
    if let Some(inner) = stem.strip_suffix(')') {
        if let Some(open) = inner.rfind('(') {
            let number = &inner[open + 1..];
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                return true;
            }
        }
    }
    // "copy" as the last word, perhaps with a number after it.
    let rest = stem
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches([' ', '-', '_']);
    match rest.strip_suffix("copy") {
        Some(before) => before.is_empty() || before.ends_with([' ', '-', '_']),
        None => false,
    }
}

/// What listing a records folder finds: the files to read (each by its path in the folder
/// and where it is read from), the entries that are problems before they are read, and
/// what is left out.
pub(super) struct Listing {
    pub(super) entries: Vec<(String, PathBuf)>,
    pub(super) early_problems: Vec<(String, PathBuf, Problem)>,
    pub(super) ignored: Vec<Ignored>,
}

/// Lists records folder `root` (its canonical path), in file-name order.
pub(super) fn list_folder(root: &Path) -> Listing {
    let mut ignored = Vec::new();
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    let mut early_problems: Vec<(String, PathBuf, Problem)> = Vec::new();
    // Folders known to hold (or not) a DICOMDIR: the tops of copied imaging discs.
    let mut discs: std::collections::HashMap<PathBuf, bool> = std::collections::HashMap::new();

    let walker = walkdir::WalkDir::new(root)
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
    // Whether the folder a file is in holds an IHE_XDM folder: asked once per folder.
    let mut xdm_beside: Option<(PathBuf, bool)> = None;
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let rel = rel_path(root, &path);
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
        let rel = rel_path(root, &path);
        let name = entry.file_name().to_string_lossy().to_string();
        let beside_xdm = entry.file_type().is_file()
            && path.parent().is_some_and(|p| match &xdm_beside {
                Some((folder, beside)) if folder == p => *beside,
                _ => {
                    let beside = p.join("IHE_XDM").is_dir() || p.join("ihe_xdm").is_dir();
                    xdm_beside = Some((p.to_path_buf(), beside));
                    beside
                }
            });
        if let Some(why) = ignore_reason(&name)
            .or_else(|| {
                entry
                    .file_type()
                    .is_file()
                    .then(|| crate::read::cda::xdm_part(&name, beside_xdm))
                    .flatten()
            })
            .or_else(|| crate::read::dicom::disc_extra_below(root, &path, &mut discs))
        {
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
                Ok(target) if target.starts_with(root) && target.is_file() => {
                    entries.push((rel, target));
                }
                Ok(target) if target.starts_with(root) => {
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
    Listing {
        entries,
        early_problems,
        ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::named_as_copy;

    #[test]
    fn names_of_copies_are_told_from_other_names() {
        for copy in [
            "IMG_2291 (1).pdf",
            "portal/download (3).pdf",
            "hospital/discharge-copy.pdf",
            "report - Copy.pdf",
            "report - Copy (2).pdf",
            "report copy 2.pdf",
            "report_copy.PDF",
            "Copy of report.pdf",
            "copy.pdf",
        ] {
            assert!(named_as_copy(copy), "{copy}");
        }
        for original in [
            "IMG_2291.pdf",
            "hospital/discharge_summary.pdf",
            "scan0001.pdf",
            "photocopy.pdf",
            "copy of/report.pdf",
            "report (final).pdf",
            "report ().pdf",
            "(1).pdf.txt",
            "copyright notice.pdf",
            "",
        ] {
            assert!(!named_as_copy(original), "{original}");
        }
    }
}
