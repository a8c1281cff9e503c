//! Portal exports: a ZIP archive in the records folder turns into its members, read like
//! the files of a subfolder (named `archive.zip/inner/path.pdf`), without extracting
//! anything to disk. Unsafe member names, encrypted members and archive bombs are refused
//! as problems; nested archives are read one level deep.

use crate::base::error::Problem;
use crate::read::reader::{Format, Input, Location, Member, Probe, Reader, Readers};
use std::io::{Cursor, Read};

/// Portal exports (`.zip`, by name): containers whose members are entries of their own.
pub struct ZipReader;
impl Reader for ZipReader {
    fn format(&self) -> Format {
        Format::Other
    }
    fn sniff(&self, _bytes: &[u8], ext: &str) -> bool {
        ext == "zip"
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        Err(bad_archive(
            input.rel,
            "an archive is opened, not read as a document",
        ))
    }
    fn is_container(&self) -> bool {
        true
    }
    fn members(&self, rel: &str, bytes: &[u8], each: &mut dyn FnMut(Member)) {
        read_members(rel, bytes, each)
    }
    fn member(&self, container: &[u8], location: &Location) -> Result<Vec<u8>, String> {
        read_member(container, location)
    }
}
use std::path::Component;

/// Largest uncompressed member read from an archive.
pub const MAX_MEMBER: u64 = 512 * 1024 * 1024;
/// Largest total of uncompressed members read from one archive.
pub const MAX_TOTAL: u64 = 2 * 1024 * 1024 * 1024;
/// Most members read from one archive.
pub const MAX_MEMBERS: usize = 10_000;
/// Highest compression ratio accepted for members over [`RATIO_FLOOR`] bytes (so many
/// small members cannot add up to a bomb either; nested archives share one budget).
pub const MAX_RATIO: u64 = 100;
const RATIO_FLOOR: u64 = 64 * 1024;

/// Where a member lives in its archive (see [`Location`]).
pub type ZipLocation = Location;

/// What one archive in the folder may unpack to, shared by its nested archives.
struct Budget {
    total: u64,
    members: usize,
}

/// The entry count an archive's end record declares (None for ZIP64 or when absent).
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    let from = bytes.len().saturating_sub(65_557);
    let tail = bytes.get(from..)?;
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let n = u16::from_le_bytes([*tail.get(at + 10)?, *tail.get(at + 11)?]);
    (n != 0xFFFF).then_some(u64::from(n))
}

fn bad_archive(rel: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        rel,
        format!("damaged ZIP archive that cannot be read ({detail})"),
        "download the export from the patient portal again",
    )
}

/// True when a member name is a plain relative path with no `..`, root or drive part.
fn safe_name(name: &str) -> bool {
    if name.is_empty() || name.contains('\0') || name.contains('\\') || name.starts_with('/') {
        return false;
    }
    std::path::Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn junk(name: &str) -> Option<&'static str> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let os_junk = name.starts_with("__MACOSX/")
        || name.contains("/__MACOSX/")
        || base.eq_ignore_ascii_case(".DS_Store")
        || base.eq_ignore_ascii_case("Thumbs.db")
        || base.eq_ignore_ascii_case("desktop.ini");
    if os_junk {
        Some("operating-system file")
    } else if base.starts_with("~$") {
        Some("temporary file of an office program")
    } else if base.starts_with('.') {
        Some("hidden file")
    } else {
        None
    }
}

/// Reads every member of the archive `bytes` (named `rel` in reports) and hands each to
/// `each`. `depth` 0 is an archive in the folder; its archives are read at depth 1, and
/// archives inside those are refused.
pub fn read_members(rel: &str, bytes: &[u8], each: &mut dyn FnMut(Member)) {
    let mut budget = Budget {
        total: 0,
        members: 0,
    };
    read_level(rel, bytes, None, &mut budget, each);
}

fn read_level(
    rel: &str,
    bytes: &[u8],
    nested: Option<usize>,
    budget: &mut Budget,
    each: &mut dyn FnMut(Member),
) {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            each(Member::Problem(bad_archive(rel, e)));
            return;
        }
    };
    if declared_entries(bytes).is_some_and(|n| n != archive.len() as u64) {
        each(Member::Problem(Problem::new(
            rel,
            "two or more members of the archive have the same name, so one would hide another",
            "extract the archive by hand, check the files, and put them in the folder",
        )));
        return;
    }
    // An archive of nothing (or of folders only) is named, not passed over in silence:
    // a portal's export that came out empty is a record still to be fetched.
    let holds_files =
        (0..archive.len()).any(|i| archive.by_index_raw(i).map_or(true, |f| !f.is_dir()));
    if !holds_files {
        each(Member::Problem(Problem::new(
            rel,
            "empty ZIP archive: it holds no files",
            "download the export from the patient portal again, or remove the archive from the folder",
        )));
        return;
    }
    budget.members += archive.len();
    if budget.members > MAX_MEMBERS {
        each(Member::Problem(Problem::new(
            rel,
            format!(
                "archive has {} members, more than the {MAX_MEMBERS} medpacket reads",
                archive.len()
            ),
            "extract the records you need into the folder instead",
        )));
        return;
    }
    // Folders of the archive that hold an IHE_XDM folder (a portal's CDA export).
    let xdm_parents: std::collections::HashSet<String> = archive
        .file_names()
        .filter_map(|n| {
            let lower = n.ok()?.to_ascii_lowercase();
            let at = lower.find("ihe_xdm/")?;
            (at == 0 || lower[..at].ends_with('/')).then(|| lower[..at].to_string())
        })
        .collect();
    // Folders of the archive that hold a DICOMDIR (a copied imaging disc): their viewer
    // and extras are passed over as they are in a folder.
    let disc_dirs: Vec<String> = archive
        .file_names()
        .filter_map(|n| {
            let n = n.ok()?;
            let (dir, base) = n.rsplit_once('/').unwrap_or(("", &n));
            let base = base.to_ascii_lowercase();
            (base.trim_end_matches(";1") == "dicomdir").then(|| {
                if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                }
            })
        })
        .collect();
    for i in 0..archive.len() {
        // The entry's directory record first (no decryption, no decompression).
        let file = match archive.by_index_raw(i) {
            Ok(f) => f,
            Err(e) => {
                each(Member::Problem(bad_archive(rel, e)));
                continue;
            }
        };
        // The name as the archive's own encoding says (UTF-8 or the old DOS code page).
        let raw_name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(file.name_raw()).into_owned());
        let member_rel = format!("{rel}/{raw_name}");
        if file.is_dir() {
            continue;
        }
        if !safe_name(&raw_name) || file.enclosed_name().is_none() {
            each(Member::Problem(Problem::new(
                member_rel,
                "unsafe member name in the archive (it points outside the archive); refused and not extracted",
                "ask the portal for a fresh export; do not extract this archive by hand",
            )));
            continue;
        }
        let parent = raw_name
            .rsplit_once('/')
            .map(|(p, _)| format!("{}/", p.to_ascii_lowercase()))
            .unwrap_or_default();
        let cda_part = crate::read::cda::xdm_part(&raw_name, xdm_parents.contains(&parent));
        let disc_part = disc_dirs
            .iter()
            .filter_map(|d| raw_name.strip_prefix(d.as_str()))
            .find_map(crate::read::dicom::disc_extra);
        if let Some(why) = junk(&raw_name).or(cda_part).or(disc_part) {
            each(Member::Ignored {
                rel: member_rel,
                why,
            });
            continue;
        }
        if file.encrypted() {
            each(Member::Problem(Problem::new(
                member_rel,
                "encrypted member of a ZIP archive",
                "extract the archive with its password (your computer's archive tool asks for it), then put the extracted files in the folder",
            )));
            continue;
        }
        let size = file.size();
        let packed = file.compressed_size().max(1);
        if size > MAX_MEMBER || budget.total.saturating_add(size) > MAX_TOTAL {
            each(Member::Problem(Problem::new(
                member_rel,
                format!("member too large ({size} bytes unpacked; limits {MAX_MEMBER} per member, {MAX_TOTAL} per archive)"),
                "extract the records you need into the folder instead",
            )));
            continue;
        }
        if size > RATIO_FLOOR && size / packed > MAX_RATIO {
            each(Member::Problem(Problem::new(
                member_rel,
                format!(
                    "suspicious compression ratio ({}:1) — refused as a possible archive bomb",
                    size / packed
                ),
                "if this is a real record, extract it by hand and put the file in the folder",
            )));
            continue;
        }
        drop(file);
        let mut file = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                each(Member::Problem(bad_archive(&member_rel, e)));
                continue;
            }
        };
        let mut data = Vec::with_capacity(size.min(64 * 1024 * 1024) as usize);
        let read = (&mut file)
            .take(size.saturating_add(1))
            .read_to_end(&mut data);
        match read {
            Ok(n) if n as u64 == size => {}
            Ok(_) => {
                each(Member::Problem(bad_archive(
                    &member_rel,
                    "the member's size does not match the archive's directory",
                )));
                continue;
            }
            Err(e) => {
                each(Member::Problem(bad_archive(&member_rel, e)));
                continue;
            }
        }
        budget.total += size;
        let is_zip = raw_name.to_ascii_lowercase().ends_with(".zip");
        if is_zip {
            if nested.is_some() {
                each(Member::Problem(Problem::new(
                    member_rel,
                    "archive nested more than one level deep",
                    "extract the outer archives, then put the inner one in the folder",
                )));
                continue;
            }
            drop(file);
            read_level(&member_rel, &data, Some(i), budget, each);
            continue;
        }
        let location = ZipLocation { nested, index: i };
        each(Member::File {
            rel: member_rel,
            location,
            bytes: data,
        });
    }
}

/// Reads one member's bytes again (for assembly and the bundle).
pub fn read_member(archive: &[u8], location: &ZipLocation) -> Result<Vec<u8>, String> {
    let inner;
    let archive = match location.nested {
        Some(outer) => {
            inner = read_one(archive, outer)?;
            inner.as_slice()
        }
        None => archive,
    };
    read_one(archive, location.index)
}

fn read_one(archive: &[u8], index: usize) -> Result<Vec<u8>, String> {
    let mut a = zip::ZipArchive::new(Cursor::new(archive)).map_err(|e| e.to_string())?;
    let mut f = a.by_index(index).map_err(|e| e.to_string())?;
    let size = f.size();
    if size > MAX_MEMBER {
        return Err("member too large".into());
    }
    let mut data = Vec::with_capacity(size as usize);
    (&mut f)
        .take(size.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 != size {
        return Err("the member's size does not match the archive's directory".into());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_member_names_are_safe() {
        for ok in ["a.pdf", "dir/b.pdf", "./c.pdf", "Ünïcode/ä.pdf"] {
            assert!(safe_name(ok), "{ok}");
        }
        for bad in [
            "../evil.pdf",
            "a/../../evil.pdf",
            "a/../b.pdf",
            "/etc/passwd",
            "C:\\x.pdf",
            "a\\..\\b",
            "",
            "nul\0.pdf",
        ] {
            assert!(!safe_name(bad), "{bad}");
        }
    }
}
