//! Bundle: the written packet, the cover letter and the original files turn into one ZIP
//! archive with a manifest of every member's size and SHA-256 — deterministic for the
//! same inputs and clock — and a bundle turns back into a verdict: each member ok,
//! changed, missing or unexpected.

use crate::base::error::{Error, Result};
use crate::read::ingest::Format;
use crate::read::scan::Inventory;
use crate::report::DocumentReport;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The name of the manifest inside the bundle.
pub const MANIFEST: &str = "manifest.json";
pub const PACKET: &str = "packet.pdf";
pub const LETTER: &str = "cover-letter.pdf";

/// One member of the bundle, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestMember {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// `manifest.json`: what the bundle holds, to be checked by `verify`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub generated_at: String,
    pub patient: String,
    pub packet_id: String,
    pub members: Vec<ManifestMember>,
    /// The packet's documents and their page ranges (as `build --json` reports them).
    pub documents: Vec<DocumentReport>,
}

/// The ZIP timestamp for the generation time (ZIP dates run from 1980 to 2107).
fn zip_time(at: chrono::DateTime<chrono::Utc>) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let year = at.year().clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default()
}

struct Builder<'p, W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    time: zip::DateTime,
    members: Vec<ManifestMember>,
    password: Option<&'p str>,
}

impl<'p, W: Write + Seek> Builder<'p, W> {
    fn options(&self, compress: bool, size: u64) -> zip::write::FileOptions<'p, 'static, ()> {
        let method = if compress {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.time)
            .unix_permissions(0o600)
            .large_file(size >= u64::from(u32::MAX));
        match self.password {
            Some(pw) => opts.with_aes_encryption(zip::AesMode::Aes256, pw),
            None => opts,
        }
    }

    /// Adds a member from a reader, hashing it on the way.
    fn add(&mut self, name: &str, compress: bool, size: u64, mut data: impl Read) -> Result<()> {
        let opts = self.options(compress, size);
        self.zip
            .start_file(name, opts)
            .map_err(|e| add_error(name, &e))?;
        let mut hw = crate::write::emit::HashingWriter::new(&mut self.zip);
        std::io::copy(&mut data, &mut hw).map_err(|e| add_error(name, &e))?;
        let (_, sha, len) = hw.finish();
        self.members.push(ManifestMember {
            path: name.to_string(),
            size: len,
            sha256: sha,
        });
        Ok(())
    }

    /// Adds a member from a reader whose bytes' SHA-256 is already known: a file this
    /// build wrote, hashed as it was written.
    fn add_known(
        &mut self,
        name: &str,
        compress: bool,
        size: u64,
        mut data: impl Read,
        sha256: &str,
    ) -> Result<()> {
        let opts = self.options(compress, size);
        self.zip
            .start_file(name, opts)
            .map_err(|e| add_error(name, &e))?;
        let len = std::io::copy(&mut data, &mut self.zip).map_err(|e| add_error(name, &e))?;
        self.members.push(ManifestMember {
            path: name.to_string(),
            size: len,
            sha256: sha256.to_string(),
        });
        Ok(())
    }

    /// Adds a file this build wrote: with the SHA-256 taken as it was written, when
    /// `written` has it, else hashed as it is added.
    fn add_file(&mut self, name: &str, path: &Path, written: &[(PathBuf, String)]) -> Result<()> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let data = std::io::BufReader::with_capacity(256 * 1024, file);
        match written.iter().find(|(p, _)| p == path) {
            Some((_, sha)) => self.add_known(name, true, size, data, sha),
            None => self.add(name, true, size, data),
        }
    }

    /// Adds a member whose SHA-256 is already known: an original, whose bytes were just
    /// checked against the scan's checksum as they were read ([`read_source`]), so they
    /// are not hashed a second time.
    ///
    /// [`read_source`]: crate::read::scan::read_source
    fn add_checked(
        &mut self,
        name: &str,
        compress: bool,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<()> {
        let opts = self.options(compress, bytes.len() as u64);
        self.zip
            .start_file(name, opts)
            .map_err(|e| add_error(name, &e))?;
        self.zip.write_all(bytes).map_err(|e| add_error(name, &e))?;
        self.members.push(ManifestMember {
            path: name.to_string(),
            size: bytes.len() as u64,
            sha256: sha256.to_string(),
        });
        Ok(())
    }
}

fn add_error(name: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Source {
        path: name.to_string(),
        message: format!("could not be added to the bundle ({e})"),
    }
}

/// Everything the bundle is made of.
pub struct BundleInput<'a> {
    pub packet: &'a Path,
    /// More files of the packet, by member name: its parts (which then stand for the
    /// packet itself) and its per-document files (`documents/…`).
    pub more: &'a [(String, PathBuf)],
    /// True when the packet travels as parts only (`packet` is not written).
    pub parts_only: bool,
    /// The SHA-256 of the files this build wrote (the packet, its parts), by path, taken
    /// as they were written: the manifest takes them from there.
    pub written: &'a [(PathBuf, String)],
    pub letter_pdf: &'a [u8],
    pub inv: &'a Inventory,
    pub patient: &'a str,
    pub packet_id: &'a str,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub documents: &'a [DocumentReport],
    /// Encrypt every member with AES-256 and this password.
    pub password: Option<&'a str>,
}

/// Writes the bundle into `out`: the cover letter, the packet, every included original
/// (re-checked against its scanned checksum), then the manifest.
pub fn write_bundle<W: Write + Seek>(out: W, input: &BundleInput<'_>) -> Result<(W, Manifest)> {
    let mut b = Builder {
        zip: zip::ZipWriter::new(out),
        time: zip_time(input.generated_at),
        members: Vec::new(),
        password: input.password,
    };
    b.add(
        LETTER,
        true,
        input.letter_pdf.len() as u64,
        input.letter_pdf,
    )?;
    if !input.parts_only {
        b.add_file(PACKET, input.packet, input.written)?;
    }
    for (name, path) in input.more {
        b.add_file(name, path, input.written)?;
    }
    let mut originals: Vec<&crate::read::scan::SourceFile> = input.inv.included().collect();
    originals.sort_by(|a, c| a.rel.cmp(&c.rel));
    for f in originals {
        // Checked against the scan's checksum as it is read: that checksum is the member's.
        let bytes = crate::read::scan::read_source(f)?;
        let compress = !matches!(f.format, Some(Format::Jpeg) | Some(Format::Png));
        b.add_checked(&format!("originals/{}", f.rel), compress, &bytes, &f.sha256)?;
    }
    let manifest = Manifest {
        tool: format!("medpacket {}", env!("CARGO_PKG_VERSION")),
        generated_at: input
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        patient: input.patient.to_string(),
        packet_id: input.packet_id.to_string(),
        members: b.members.clone(),
        documents: input.documents.to_vec(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    b.add(MANIFEST, true, json.len() as u64, json.as_slice())?;
    let out = b
        .zip
        .finish()
        .map_err(|e| Error::Internal(format!("could not finish the bundle: {e}")))?;
    Ok((out, manifest))
}

/// What `verify` found for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Changed,
    Missing,
    Unexpected,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberCheck {
    pub path: String,
    pub status: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_sha256: Option<String>,
}

/// The verdict of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub intact: bool,
    pub members: Vec<MemberCheck>,
}

impl VerifyReport {
    fn new(members: Vec<MemberCheck>) -> Self {
        VerifyReport {
            intact: members.iter().all(|m| m.status == Verdict::Ok),
            members,
        }
    }
}

fn not_a_bundle(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        message: format!("is not a readable medpacket bundle ({why}) — give the .zip that medpacket build --zip wrote"),
    }
}

fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut hw = crate::write::emit::HashingWriter::new(std::io::sink());
    std::io::copy(&mut r, &mut hw)?;
    let (_, sha, len) = hw.finish();
    Ok((sha, len))
}

fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest> {
    serde_json::from_slice(bytes)
        .map_err(|e| not_a_bundle(path, format!("its manifest does not parse: {e}")))
}

/// Re-checks every member of a bundle against its manifest.
/// Opens member `i`, with the password when it is encrypted. A missing or wrong password
/// is an error for the whole bundle; any other failure is the member's own.
fn open_member<'z, R: Read + Seek>(
    zip: &'z mut zip::ZipArchive<R>,
    path: &Path,
    i: usize,
    password: Option<&str>,
) -> Result<zip::result::ZipResult<zip::read::ZipFile<'z, R>>> {
    let encrypted = zip.by_index_raw(i).map(|f| f.encrypted()).unwrap_or(false);
    let file = match (encrypted, password) {
        (false, _) => zip.by_index(i),
        (true, Some(pw)) => zip.by_index_decrypt(i, pw.as_bytes()),
        (true, None) => {
            return Err(Error::Config {
                path: path.to_path_buf(),
                message: "is encrypted — give its password with --password-file FILE or the MEDPACKET_PASSWORD environment variable".into(),
            })
        }
    };
    match file {
        Err(zip::result::ZipError::InvalidPassword) => Err(Error::Config {
            path: path.to_path_buf(),
            message: "the password does not open this bundle — check it and try again".into(),
        }),
        other => Ok(other),
    }
}

/// The SHA-256 and size of member `name`, or None when the bundle has no such member.
fn member_hash<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &Path,
    name: &str,
    password: Option<&str>,
) -> Result<Option<std::io::Result<(String, u64)>>> {
    let Some(i) = zip.index_for_name(name) else {
        return Ok(None);
    };
    Ok(Some(match open_member(zip, path, i, password)? {
        Ok(f) => hash_reader(f),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    }))
}

pub fn verify_zip(path: &Path, password: Option<&str>) -> Result<VerifyReport> {
    if path.is_dir() {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: "is a folder — give the bundle (.zip) that medpacket build --zip wrote".into(),
        });
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 5];
    if (&file).read_exact(&mut head).is_ok() && &head == b"%PDF-" {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: "is a PDF, not a bundle — to check a packet on its own, give its bundle's manifest too: medpacket verify PACKET.pdf --manifest manifest.json".into(),
        });
    }
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| not_a_bundle(path, e))?;
    let manifest = {
        let Some(i) = zip.index_for_name(MANIFEST) else {
            return Err(not_a_bundle(path, "it has no manifest.json"));
        };
        let mut m = open_member(&mut zip, path, i, password)?.map_err(|e| not_a_bundle(path, e))?;
        let mut bytes = Vec::new();
        (&mut m)
            .take(64 * 1024 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|e| not_a_bundle(path, e))?;
        parse_manifest(path, &bytes)?
    };
    let mut checks = Vec::new();
    for m in &manifest.members {
        let check = match member_hash(&mut zip, path, &m.path, password)? {
            Some(actual) => {
                let actual = actual.ok();
                let status = match &actual {
                    Some((sha, len)) if *sha == m.sha256 && *len == m.size => Verdict::Ok,
                    _ => Verdict::Changed,
                };
                MemberCheck {
                    path: m.path.clone(),
                    status,
                    expected_sha256: Some(m.sha256.clone()),
                    actual_sha256: actual.map(|a| a.0),
                }
            }
            None => MemberCheck {
                path: m.path.clone(),
                status: Verdict::Missing,
                expected_sha256: Some(m.sha256.clone()),
                actual_sha256: None,
            },
        };
        checks.push(check);
    }
    // The manifest's own records must agree: each document's checksum is its original's.
    for d in &manifest.documents {
        let name = format!("originals/{}", d.path);
        let member = manifest.members.iter().find(|m| m.path == name);
        if member.is_some_and(|m| m.sha256 != d.sha256) || member.is_none() {
            checks.push(MemberCheck {
                path: format!("manifest.json (document {})", d.path),
                status: Verdict::Changed,
                expected_sha256: Some(d.sha256.clone()),
                actual_sha256: member.map(|m| m.sha256.clone()),
            });
        }
    }
    let listed: std::collections::HashSet<&str> =
        manifest.members.iter().map(|m| m.path.as_str()).collect();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| {
            n.map(|n| n.into_owned())
                .unwrap_or_else(|_| "(unreadable name)".to_string())
        })
        .collect();
    for name in names {
        let empty_folder = name.ends_with('/')
            && zip
                .index_for_name(&name)
                .and_then(|i| zip.by_index_raw(i).ok().map(|f| f.size() == 0))
                .unwrap_or(false);
        if name == MANIFEST || empty_folder || listed.contains(name.as_str()) {
            continue;
        }
        checks.push(MemberCheck {
            path: name,
            status: Verdict::Unexpected,
            expected_sha256: None,
            actual_sha256: None,
        });
    }
    Ok(VerifyReport::new(checks))
}

/// Re-checks a packet PDF against the `packet.pdf` entry of a manifest.
pub fn verify_pdf(pdf: &Path, manifest_path: &Path) -> Result<VerifyReport> {
    let bytes = std::fs::read(manifest_path).map_err(|e| Error::io(manifest_path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::Config {
        path: manifest_path.to_path_buf(),
        message: format!("is not a medpacket manifest ({e}) — give the manifest.json taken from the bundle that medpacket build --zip wrote"),
    })?;
    let entry = manifest
        .members
        .iter()
        .find(|m| m.path == PACKET)
        .ok_or_else(|| not_a_bundle(manifest_path, "its manifest lists no packet.pdf"))?;
    let file = std::fs::File::open(pdf).map_err(|e| Error::io(pdf, e))?;
    let (sha, len) = hash_reader(std::io::BufReader::new(file)).map_err(|e| Error::io(pdf, e))?;
    let status = if sha == entry.sha256 && len == entry.size {
        Verdict::Ok
    } else {
        Verdict::Changed
    };
    Ok(VerifyReport::new(vec![MemberCheck {
        path: pdf.display().to_string(),
        status,
        expected_sha256: Some(entry.sha256.clone()),
        actual_sha256: Some(sha),
    }]))
}

/// The verdict as text for a person.
pub fn verify_text(r: &VerifyReport) -> String {
    let mut s = String::new();
    for m in &r.members {
        let label = match m.status {
            Verdict::Ok => "ok        ",
            Verdict::Changed => "CHANGED   ",
            Verdict::Missing => "MISSING   ",
            Verdict::Unexpected => "UNEXPECTED",
        };
        s.push_str(&format!("  {label} {}\n", m.path));
    }
    if r.intact {
        s.push_str(&format!(
            "Intact: all {} member(s) match the manifest.\n",
            r.members.len()
        ));
    } else {
        let bad: Vec<&str> = r
            .members
            .iter()
            .filter(|m| m.status != Verdict::Ok)
            .map(|m| m.path.as_str())
            .collect();
        s.push_str(&format!(
            "NOT intact: {} — do not rely on this copy; build the bundle again from the records folder.\n",
            bad.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_times_are_clamped_to_the_zip_range() {
        let early = chrono::DateTime::from_timestamp(0, 0).expect("epoch");
        assert_eq!(zip_time(early).year(), 1980);
        let t = chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("2026");
        assert_eq!(
            (zip_time(t).year(), zip_time(t).month(), zip_time(t).day()),
            (2026, 1, 1)
        );
    }

    #[test]
    fn hashing_matches_sha256_of_the_bytes() {
        use crate::read::scan::sha256_hex;
        let (sha, len) = hash_reader(&b"abc"[..]).expect("hash");
        assert_eq!(len, 3);
        assert_eq!(sha, sha256_hex(b"abc"));
    }
}
