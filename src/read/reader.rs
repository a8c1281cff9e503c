//! The reader interface: one file's bytes turn into what scan and assembly need, by the
//! reader of the file's format. Each format (PDF, JPEG, PNG, TIFF, text, HL7 C-CDA, portal
//! ZIP) is a [`Reader`]; `read::scan` holds the one list of them ([`Readers`]) and asks it
//! to sniff, probe, open containers and hand over the bytes assembly packs.
//!
//! A reader answers four questions, all about bytes it is given (it reads no files):
//! - [`Reader::sniff`]: are these bytes mine? (by content; the name only breaks ties)
//! - [`Reader::probe`]: what are they? A [`Probe`] — format, pages, the text of the first
//!   pages for typing, image geometry, notes — or a [`Problem`] naming the reason and fix.
//!   A wrapper (a CDA `nonXMLBody`) hands its payload to the other readers through the
//!   [`Readers`] it is given, and sets [`Probe::wrapper`] to its own format.
//! - [`Reader::content`]: the bytes assembly packs — the file's own, or a wrapper's payload
//!   decoded again from the checked file.
//! - [`Reader::members`]: a container (a portal ZIP) hands each member on as an entry of
//!   its own, which the scan reads like a file of a subfolder.
//!
//! Facts about a set of files rather than one (the studies of an imaging disc) belong in
//! [`Reader::gather`], which the scan calls once every file is read.

use crate::base::error::{Problem, Warning};

/// The format of a source file, decided by its content (its name only breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Text,
    /// An HL7 clinical document (C-CDA) set in type from its XML.
    Cda,
    /// A DICOM file of an imaging disc: listed on the studies page, never packed as pages.
    Dicom,
    /// A document of a FHIR R4 JSON export (wrapping a PDF or picture it carries).
    Fhir,
    Other,
}

/// Geometry of a raster image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    /// JPEG colour components (1 gray, 3 RGB, 4 CMYK); 0 for decoded formats.
    pub components: u8,
    /// EXIF orientation 1..=8 (1 = as stored).
    pub orientation: u8,
    /// JPEG written by Adobe software (inverted CMYK).
    pub adobe: bool,
}

/// What a reader learned about one file (stored in the cache by the file's checksum).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Probe {
    pub format: Option<Format>,
    pub pages: Option<u32>,
    /// Text of the first pages (PDF) or the whole file (text files).
    pub text: Option<String>,
    pub image: Option<ImageInfo>,
    /// A PDF written by medpacket itself: skipped, never packed again.
    pub own_output: bool,
    /// Things worth telling the user that are not problems (e.g. owner password removed).
    pub notes: Vec<String>,
    /// Active content the packet leaves out (scripts, attachments, outside links…).
    pub active: Vec<String>,
    /// Per PDF page: how many graphics states its content leaves saved (for the stamp).
    pub open_saves: Vec<u32>,
    /// Per PDF page: the boxes its content may cover near the page's edges (bits of
    /// [`crate::read::pdf::extent::Rect`]), for the footer's placement.
    pub edges: Vec<Vec<[u32; 4]>>,
    /// The clinical document (CDA) this file is, also when it carries an embedded PDF or
    /// image (then `format` is that file's). Never cached: such files are read anew.
    #[serde(skip)]
    pub cda: Option<Box<crate::base::clinical::Cda>>,
    /// PDF pages (1-based) without a text layer that show an image: scans to read.
    pub scanned: Vec<u32>,
    /// Identifiers found in the file's text (masked), by page.
    pub identifiers: Vec<crate::base::identifiers::Finding>,
    /// The format of the file that wraps this one (a clinical document carrying a PDF or
    /// picture), whose reader hands over the bytes to pack ([`Reader::content`]).
    #[serde(default)]
    pub wrapper: Option<Format>,
    /// A DICOM file's header facts (also when it wraps a PDF report).
    #[serde(default)]
    pub dicom: Option<Box<crate::read::imaging::Instance>>,
}

/// Where a container's member lives: its index in the container, inside an optional
/// nested container. Indices, not names: a name in an old code page may not survive being
/// decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The index of the outer container's member that is itself a container, if any.
    pub nested: Option<usize>,
    /// The member's index in the innermost container.
    pub index: usize,
}

/// What opening a container yields, member by member.
pub enum Member {
    /// A member to treat like a file: its report path, location and bytes.
    File {
        rel: String,
        location: Location,
        bytes: Vec<u8>,
    },
    /// A member that cannot be used.
    Problem(Problem),
    /// A member passed over on purpose (folders' junk, hidden files).
    Ignored { rel: String, why: &'static str },
}

/// One file as a reader is given it.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// The path in the records folder, with `/` separators (`export.zip/inner.pdf` for a
    /// container's member): problems name it.
    pub rel: &'a str,
    pub bytes: &'a [u8],
    /// The password packet.toml gives for the file.
    pub password: Option<&'a str>,
}

/// The reader of one format.
pub trait Reader: Sync {
    /// The format this reader reads (what reports call the file).
    fn format(&self) -> Format;

    /// Whether the bytes are this format. `ext` is the name's lower-case extension (no
    /// dot; empty for an embedded payload): it only breaks ties between formats the
    /// content does not tell apart.
    fn sniff(&self, bytes: &[u8], ext: &str) -> bool;

    /// Reads the bytes into a [`Probe`], or says what is wrong with them. `readers` reads
    /// a payload this format wraps.
    fn probe(&self, input: Input<'_>, readers: &Readers) -> Result<Probe, Problem>;

    /// Whether what [`Reader::probe`] learned is kept in the cache by the bytes'
    /// checksum. A document set in type from a model (text, CDA) is read anew each time:
    /// the model is not stored.
    fn cached(&self) -> bool {
        true
    }

    /// The bytes the packet shows for a file this reader read: its own, or (for a
    /// wrapper) the payload decoded again from the checked bytes.
    fn content(&self, _rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Problem> {
        Ok(bytes)
    }

    /// True for a container, whose members become entries of their own.
    fn is_container(&self) -> bool {
        false
    }

    /// A container's members, each handed to `each` as it is read.
    fn members(&self, _rel: &str, _bytes: &[u8], _each: &mut dyn FnMut(Member)) {}

    /// A container read from its file as a stream (too large to hold in memory), each
    /// member handed to `each` as it is read; false when this reader reads containers
    /// only from their bytes ([`Reader::members`]).
    fn stream_members(
        &self,
        _rel: &str,
        _path: &std::path::Path,
        _each: &mut dyn FnMut(Member),
    ) -> bool {
        false
    }

    /// One member's bytes again, from the container's bytes (for assembly and the bundle).
    fn member(&self, _container: &[u8], _location: &Location) -> Result<Vec<u8>, String> {
        Err("not a container".into())
    }

    /// Facts about the set of files read (all of them, sorted by path), once every file is
    /// read: warnings to show. No format needs one yet.
    fn gather(&self, _files: &[Gathered<'_>]) -> Vec<Warning> {
        Vec::new()
    }
}

/// One read file as [`Reader::gather`] sees it.
pub struct Gathered<'a> {
    pub rel: &'a str,
    pub format: Option<Format>,
    pub pages: Option<u32>,
}

/// The readers, in the order they sniff (the first that claims the bytes reads them).
pub struct Readers(pub &'static [&'static dyn Reader]);

impl Readers {
    /// The reader of these bytes, if any.
    pub fn sniff(&self, bytes: &[u8], ext: &str) -> Option<&'static dyn Reader> {
        self.0.iter().copied().find(|r| r.sniff(bytes, ext))
    }

    /// The format of these bytes ([`Format::Other`] when no reader claims them).
    pub fn format_of(&self, bytes: &[u8], ext: &str) -> Format {
        self.sniff(bytes, ext).map_or(Format::Other, |r| r.format())
    }

    /// The container reader of a file with this extension: a container (a portal export)
    /// is known by its name, before its bytes are read.
    pub fn container(&self, ext: &str) -> Option<&'static dyn Reader> {
        self.0
            .iter()
            .copied()
            .find(|r| r.is_container() && r.sniff(&[], ext))
    }

    /// The reader of a format.
    pub fn of(&self, format: Format) -> Option<&'static dyn Reader> {
        self.0
            .iter()
            .copied()
            .find(|r| !r.is_container() && r.format() == format)
    }

    /// Reads one file's bytes into a [`Probe`] by the reader of their format, or says what
    /// is wrong with them.
    pub fn probe(&self, input: Input<'_>) -> Result<Probe, Problem> {
        let rel = input.rel;
        let ext = extension(rel);
        if input.bytes.is_empty() {
            return Err(Problem::new(
                rel,
                "empty file (0 bytes)",
                "the download or copy did not finish — get the document again, or delete this file",
            ));
        }
        // A container's members are entries of their own; a container met here (inside a
        // wrapper) is not a document.
        let reader = self
            .0
            .iter()
            .copied()
            .filter(|r| !r.is_container())
            .find(|r| r.sniff(input.bytes, &ext))
            .ok_or_else(|| unsupported(rel, &ext, input.bytes))?;
        let probe = reader.probe(input, self)?;
        Ok(Probe {
            format: probe.format.or(Some(reader.format())),
            ..probe
        })
    }
}

/// The lower-case extension of a path, without the dot.
pub fn extension(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn unsupported(rel: &str, ext: &str, bytes: &[u8]) -> Problem {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let looks_html = head.contains("<html") || head.contains("<!doctype html");
    if ext == "pdf" {
        if looks_html {
            return Problem::new(
                rel,
                "not a PDF: it is a web page (HTML) saved with a .pdf name",
                "the portal sent an error or login page instead of the document — sign in again and download the document with the portal's Download or Save as PDF button",
            );
        }
        return Problem::new(
            rel,
            "not a PDF: the file has a .pdf name but does not contain PDF data",
            "download or scan the document again",
        );
    }
    let hint = match ext {
        "doc" | "docx" | "odt" | "rtf" | "pages" => {
            "open it and use File > Save as PDF (or Print > Save as PDF), then put the PDF in the folder"
        }
        "heic" | "heif" | "webp" | "bmp" | "gif" => {
            "convert the picture to JPEG or PNG (most photo apps can export it), then put that in the folder"
        }
        "zip" => "extract the archive into the folder",
        "xml" => "only HL7 clinical documents (C-CDA, from a portal's \"Download my record\") are read as XML — save this file as PDF, or remove it from the folder",
        "dcm" | "dicom" => {
            "DICOM images cannot go into a PDF packet — ask the imaging centre for the written radiology report, and send the images on the disc they provide"
        }
        _ => "save or print it as PDF, or remove it from the folder",
    };
    let what = if ext.is_empty() {
        "unsupported file type (no extension)".to_string()
    } else {
        format!("unsupported file type (.{ext})")
    };
    Problem::new(rel, what, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_is_lowercase_and_ignores_dotfiles() {
        assert_eq!(extension("a/b/Scan.PDF"), "pdf");
        assert_eq!(extension("noext"), "");
        assert_eq!(extension("dir.v2/noext"), "");
    }
}
