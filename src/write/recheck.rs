//! Recheck: the records folder as it is once the packet is assembled, against the scan it
//! was built from, turns into the records replaced, changed or removed since the scan
//! began (the packet would not match the folder: the build stops, naming them) and the
//! files added since (named in a warning: they are not in this packet).
//!
//! Assembly already checks every file's bytes against the scan's checksum as it copies
//! them, so no page mixes old and new content; this catches what changes after a file was
//! copied, or in a file the build did not need to read again. A change is seen by the
//! file's change time (ctime), which every write moves and no program can set back.

use crate::base::error::{Error, Result};
use crate::read::scan::{Inventory, REMOVED_FOLDER};
use std::path::Path;
use std::time::SystemTime;

/// What happened to one record since the scan began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Removed(String),
    Changed(String),
    Added(String),
}

/// When a file's status last changed (its bytes, name or permissions), or None when it
/// is gone or cannot be read.
fn touched(abs: &Path) -> Option<SystemTime> {
    let m = std::fs::symlink_metadata(abs).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let secs = u64::try_from(m.ctime()).ok()?;
        let nanos = u32::try_from(m.ctime_nsec()).ok()?.min(999_999_999);
        Some(std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
    }
    #[cfg(not(unix))]
    {
        m.modified().ok()
    }
}

/// The records replaced, changed, removed or added in `inv`'s folder since `since` (taken
/// before the scan began), in path order.
pub fn changes(inv: &Inventory, since: SystemTime) -> Vec<Change> {
    let mut out = Vec::new();
    let mut known = std::collections::HashSet::new();
    for f in &inv.files {
        known.insert(f.abs.clone());
        if !f.is_included() {
            continue;
        }
        // The members of a portal export stand or fall with their archive.
        let rel = match &f.zip {
            Some(_) => rel_of(&inv.root, &f.abs),
            None => f.rel.clone(),
        };
        let change = match touched(&f.abs) {
            None => Change::Removed(rel),
            Some(t) if t >= since => Change::Changed(rel),
            Some(_) => continue,
        };
        if !out.contains(&change) {
            out.push(change);
        }
    }
    let walker = walkdir::WalkDir::new(&inv.root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.')
                    || name.starts_with("~$")
                    || (e.depth() == 1 && e.file_type().is_dir() && name == REMOVED_FOLDER))
        });
    for e in walker.flatten() {
        if !e.file_type().is_file()
            || known.contains(e.path())
            || e.file_name() == crate::base::config::CONFIG_NAME
        {
            continue;
        }
        if touched(e.path()).is_some_and(|t| t >= since) {
            out.push(Change::Added(rel_of(&inv.root, e.path())));
        }
    }
    out
}

fn rel_of(root: &Path, abs: &Path) -> String {
    abs.strip_prefix(root)
        .unwrap_or(abs)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The error for the first replaced, changed or removed record, if any.
pub fn refuse(changes: &[Change]) -> Result<()> {
    let named: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Removed(rel) => Some(format!("{rel} was removed")),
            Change::Changed(rel) => Some(format!("{rel} was replaced or changed")),
            Change::Added(_) => None,
        })
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    Err(Error::FolderChanged(named.join("; ")))
}

/// The warnings for records added since the scan began.
pub fn added_warnings(changes: &[Change]) -> Vec<crate::base::error::Warning> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Added(rel) => Some(crate::base::error::Warning::new(
                rel.clone(),
                None,
                "was added to the folder while the packet was being built, so it is not in this packet — build again to include it",
            )),
            _ => None,
        })
        .collect()
}
