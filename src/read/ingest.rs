//! Ingest: the bytes of one file turn into a checked, measured source (its format, page
//! count, the text of its first pages, the identifiers on every page, image geometry) or a [`Problem`] with the fix.

use crate::base::error::Problem;
use crate::read::extent::Source;
use lopdf::{Document, LoadOptions};
use std::io::Cursor;

/// How many leading pages of a PDF are read for classification.
pub const TEXT_PAGES: u32 = 2;
/// Upper bound on the text kept for classification.
const TEXT_LIMIT: usize = 64 * 1024;
/// A text file larger than this is refused (it is not a clinical document).
const TEXT_FILE_LIMIT: usize = 2 * 1024 * 1024;

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

/// What ingest learned about one file (stored in the cache by the file's checksum).
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
    /// [`crate::read::extent::Rect`]), for the footer's placement.
    pub edges: Vec<Vec<[u32; 4]>>,
    /// The clinical document (CDA) this file is, also when it carries an embedded PDF or
    /// image (then `format` is that file's). Never cached: such files are read anew.
    #[serde(skip)]
    pub cda: Option<Box<crate::read::cda::Cda>>,
    /// PDF pages (1-based) without a text layer that show an image: scans to read.
    pub scanned: Vec<u32>,
    /// Identifiers found in the file's text (masked), by page.
    pub identifiers: Vec<crate::classify::identifiers::Finding>,
    /// The PDF as the scan parsed it, for the build to copy from without parsing it again
    /// (kept only for small files, within the scan's budget). Never cached.
    #[serde(skip)]
    pub parsed: Option<Parsed>,
}

/// A parsed PDF shared between the scan and the build.
#[derive(Clone)]
pub struct Parsed {
    pub doc: std::sync::Arc<Document>,
    /// The file's signature ([`crate::read::identity::signature`]) when it was read: the
    /// build uses the parse only while the file is unchanged.
    pub stat: Option<String>,
}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parsed(..)")
    }
}

impl PartialEq for Parsed {
    fn eq(&self, other: &Parsed) -> bool {
        std::sync::Arc::ptr_eq(&self.doc, &other.doc)
    }
}

/// Sniffs the format from the first bytes and the extension.
pub fn sniff(bytes: &[u8], ext: &str) -> Format {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Format::Jpeg;
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Format::Png;
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return Format::Tiff;
    }
    if crate::read::cda::looks_like_cda(bytes) {
        return Format::Cda;
    }
    match ext {
        "txt" | "md" | "text" | "markdown" => Format::Text,
        _ => Format::Other,
    }
}

/// Reads one file's bytes into a [`Probe`], or says what is wrong with it.
pub fn probe(rel: &str, bytes: &[u8], password: Option<&str>) -> Result<Probe, Problem> {
    let ext = extension(rel);
    if bytes.is_empty() {
        return Err(Problem::new(
            rel,
            "empty file (0 bytes)",
            "the download or copy did not finish — get the document again, or delete this file",
        ));
    }
    let format = sniff(bytes, &ext);
    let probe = match format {
        Format::Pdf => probe_pdf(rel, bytes, password),
        Format::Jpeg => probe_jpeg(rel, bytes),
        Format::Png => probe_png(rel, bytes),
        Format::Tiff => probe_tiff(rel, bytes),
        Format::Text => probe_text(rel, bytes),
        Format::Cda => return probe_cda(rel, bytes),
        Format::Other => Err(unsupported(rel, &ext, bytes)),
    }?;
    Ok(Probe {
        format: Some(format),
        ..probe
    })
}

/// A clinical document: set in type from its XML, or its embedded PDF, image or text
/// read by the reader of that format.
fn probe_cda(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    let read = crate::read::cda::read(rel, bytes)?;
    let cda = Box::new(read.cda);
    let Some(payload) = read.embedded else {
        return Ok(Probe {
            format: Some(Format::Cda),
            cda: Some(cda),
            ..Probe::default()
        });
    };
    let inner = match sniff(&payload, "") {
        f @ (Format::Pdf | Format::Jpeg | Format::Png | Format::Tiff) => f,
        _ => {
            let media = match &cda.body {
                crate::read::cda::Body::Embedded { media_type } => media_type.clone(),
                _ => String::new(),
            };
            return Err(Problem::new(
                rel,
                format!("clinical document whose embedded file is not the {media} it claims to be"),
                "download the record from the patient portal again, or ask for it as PDF",
            ));
        }
    };
    // The embedded file is checked like a file of its own; its problems name this file.
    let probe = probe(rel, &payload, None).map_err(|p| Problem {
        reason: format!("embedded in a clinical document: {}", p.reason),
        ..p
    })?;
    let mut notes = probe.notes.clone();
    notes.insert(
        0,
        format!(
            "a clinical document (HL7 CDA) carrying a {} file, which is packed as the document",
            match inner {
                Format::Pdf => "PDF",
                Format::Jpeg => "JPEG",
                Format::Png => "PNG",
                _ => "TIFF",
            }
        ),
    );
    Ok(Probe {
        format: Some(inner),
        cda: Some(cda),
        notes,
        ..probe
    })
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

fn damaged_pdf(rel: &str, detail: &str) -> Problem {
    Problem::new(
        rel,
        format!("damaged PDF that cannot be read ({detail})"),
        "download or scan the document again; if it opens in a PDF viewer, use Print > Save as PDF to make a clean copy",
    )
}

/// A PDF that stops before its end: the reason says so (with how many pages came back
/// incomplete, when the file could be opened), and the fix is a new copy.
fn cut_off(rel: &str, c: Option<crate::read::complete::Completeness>) -> Problem {
    let mut reason = "damaged PDF: cut off (the file ends early)".to_string();
    if let Some(c) = c.filter(|c| c.incomplete > 0) {
        reason.push_str(&format!(
            " — {} of {} pages are incomplete",
            c.incomplete, c.total
        ));
    }
    Problem::new(
        rel,
        reason,
        "download it again (or ask the sender for a new copy), then replace this file",
    )
}

fn probe_pdf(rel: &str, bytes: &[u8], password: Option<&str>) -> Result<Probe, Problem> {
    // A download that stopped early is named so, whatever else fails to read in it.
    let ends_early = crate::read::complete::ends_early(bytes);
    let doc = load_pdf(bytes, password).map_err(|e| {
        if ends_early {
            cut_off(rel, None)
        } else {
            pdf_load_problem(rel, &e, password)
        }
    })?;
    let pages = doc.get_pages();
    // A rebuilt file may be a download cut off halfway: its pages must have come back
    // whole, or the document is not put in the packet as blank pages.
    if doc.xref_recovery.is_some() {
        let c = crate::read::complete::check(&doc);
        if c.incomplete > 0 {
            return Err(cut_off(rel, Some(c)));
        }
    }
    if ends_early {
        return Err(cut_off(rel, None));
    }
    if pages.is_empty() {
        return Err(damaged_pdf(rel, "it has no pages"));
    }
    // Every page must be there: a page the page tree names but the file lacks would stop
    // the build later.
    for (n, id) in &pages {
        if doc.get_dictionary(*id).is_err() {
            return Err(damaged_pdf(
                rel,
                &format!("page {n} is missing from the file"),
            ));
        }
    }
    let mut notes = Vec::new();
    if doc.was_encrypted() && password.is_none() {
        notes.push("protected by an owner password only; opened without it".to_string());
    }
    if doc.xref_recovery.is_some() {
        notes.push("its cross-reference table was damaged and has been rebuilt".to_string());
    }
    let reachable = reachable_from_pages(&doc);
    let content_ids: std::collections::HashSet<lopdf::ObjectId> = pages
        .values()
        .flat_map(|&id| doc.get_page_contents(id))
        .collect();
    let inflated = damaged_streams(&doc, &reachable, &content_ids)
        .map_err(|damage| damaged_pdf(rel, &damage))?;
    let own_output = info_string(&doc, b"Creator").is_some_and(|c| c.starts_with("medpacket"));
    let active = crate::read::sanitize::active_content(&doc, &reachable);
    let mut scanned = Vec::new();
    let n = pages.len() as u32;
    let mut edges = Vec::with_capacity(pages.len());
    let mut open_saves = Vec::with_capacity(pages.len());
    // Every page's text is read once, here: the first pages' text is kept for
    // classification; of the others only the identifiers found on them.
    let mut text = String::new();
    let mut identifiers = Vec::new();
    for (&page, &id) in &pages {
        let Ok(dict) = doc.get_dictionary(id) else {
            continue;
        };
        // The page's content, with the streams the damage check already inflated; its
        // operations are parsed once, for the footer's room and for the text.
        let known = |c| inflated.get(&c).map(Vec::as_slice);
        let joined = crate::read::extent::page_content(&doc, dict, &known);
        let content = match &joined {
            Some(c) => std::borrow::Cow::Borrowed(c.as_slice()),
            None => std::borrow::Cow::Owned(
                doc.get_page_content_with_limit(id, STREAM_CHECK_LIMIT as usize)
                    .unwrap_or_default(),
            ),
        };
        if crate::read::ocr::pages::page_is_scanned(&doc, id, &content) {
            scanned.push(page);
        }
        open_saves.push(crate::base::pdf::unclosed_saves(&content).min(u32::MAX as usize) as u32);
        // A page without a text object (a scan) has no text to read.
        let has_text = memchr::memmem::find(&content, b"BT").is_some();
        let ops = joined
            .as_deref()
            .filter(|c| c.len() <= PARSED_CONTENT)
            .and_then(|c| lopdf::content::Content::decode_strict(c).ok());
        let source = match (&ops, &joined) {
            (Some(ops), _) => Some(Source::Parsed(&ops.operations)),
            (None, Some(c)) => Some(Source::Bytes(c)),
            (None, None) => None,
        };
        let boxes = crate::read::extent::page_edges(&doc, dict, source);
        edges.push(boxes.iter().map(crate::read::extent::to_bits).collect());
        if !has_text {
            continue;
        }
        let chunks = match &ops {
            Some(ops) => crate::read::pagetext::chunks(&doc, id, &ops.operations),
            None => doc.extract_text_chunks(&[page]),
        };
        let mut page_text = String::new();
        for chunk in chunks.into_iter().flatten() {
            page_text.push_str(&chunk);
            if page_text.len() > TEXT_LIMIT {
                break;
            }
        }
        identifiers.extend(crate::classify::identifiers::find(page, &page_text));
        if page <= TEXT_PAGES && text.len() <= TEXT_LIMIT {
            text.push_str(&page_text);
        }
    }
    let text = (!text.trim().is_empty()).then(|| truncate_at_char(text, TEXT_LIMIT));
    Ok(Probe {
        format: Some(Format::Pdf),
        pages: Some(n),
        text,
        image: None,
        own_output,
        notes,
        active,
        open_saves,
        edges,
        cda: None,
        scanned,
        identifiers,
        parsed: Some(Parsed {
            doc: std::sync::Arc::new(doc),
            stat: None,
        }),
    })
}

/// Largest decoded size checked for one stream.
const STREAM_CHECK_LIMIT: u64 = 512 * 1024 * 1024;

/// Every object a document's pages use (following references, not page-tree parents).
pub fn reachable_from_pages(doc: &Document) -> Vec<lopdf::ObjectId> {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Ok(obj) = doc.get_object(id) else {
            continue;
        };
        out.push(id);
        let mut pending: Vec<&lopdf::Object> = vec![obj];
        while let Some(o) = pending.pop() {
            match o {
                lopdf::Object::Reference(r) => stack.push(*r),
                lopdf::Object::Array(a) => pending.extend(a.iter()),
                lopdf::Object::Dictionary(d) => pending.extend(
                    d.iter()
                        .filter(|(k, _)| k.as_slice() != b"Parent")
                        .map(|(_, v)| v),
                ),
                lopdf::Object::Stream(st) => pending.extend(
                    st.dict
                        .iter()
                        .filter(|(k, _)| k.as_slice() != b"Parent")
                        .map(|(_, v)| v),
                ),
                _ => {}
            }
        }
    }
    out
}

/// Largest inflated page content kept from the damage check for counting its saves.
const KEEP_CONTENT: u64 = 1024 * 1024;

/// Largest page content parsed once for both the footer's room and the text (the
/// interpreter's own limit); larger pages are read by each on its own terms.
const PARSED_CONTENT: usize = 32 * 1024 * 1024;

/// Checks that every Flate-compressed stream the pages use inflates cleanly (a damaged
/// stream would show as a blank or broken page); says which one does not. Returns the
/// inflated bytes of the page content streams among `keep` that are small enough to hold,
/// so they need not be inflated again.
fn damaged_streams(
    doc: &Document,
    reachable: &[lopdf::ObjectId],
    keep: &std::collections::HashSet<lopdf::ObjectId>,
) -> Result<std::collections::HashMap<lopdf::ObjectId, Vec<u8>>, String> {
    use std::io::Read;
    let mut kept = std::collections::HashMap::new();
    for &id in reachable {
        let Ok(lopdf::Object::Stream(s)) = doc.get_object(id) else {
            continue;
        };
        let flate_only = match s.dict.get(b"Filter") {
            Ok(lopdf::Object::Name(n)) => n.as_slice() == b"FlateDecode",
            Ok(lopdf::Object::Array(a)) => {
                a.len() == 1 && a.first().and_then(|f| f.as_name().ok()) == Some(b"FlateDecode")
            }
            _ => false,
        };
        if !flate_only {
            continue;
        }
        // The zlib checksum is checked too: it is what reveals damage inside the data.
        let mut zlib =
            flate2::read::ZlibDecoder::new(s.content.as_slice()).take(STREAM_CHECK_LIMIT + 1);
        let mut held = Vec::new();
        let copied = if keep.contains(&id) {
            // Read the start into memory; the rest (if any) streams past.
            (&mut zlib)
                .take(KEEP_CONTENT + 1)
                .read_to_end(&mut held)
                .and_then(|n| {
                    std::io::copy(&mut zlib, &mut std::io::sink()).map(|rest| n as u64 + rest)
                })
        } else {
            std::io::copy(&mut zlib, &mut std::io::sink())
        };
        match copied {
            Err(e) => {
                return Err(format!(
                    "compressed data in object {} is damaged: {e}",
                    id.0
                ))
            }
            Ok(n) if n > STREAM_CHECK_LIMIT => {
                return Err(format!(
                "object {} expands to more than {} MB — refused as a possible decompression bomb",
                id.0,
                STREAM_CHECK_LIMIT / (1024 * 1024)
            ))
            }
            Ok(n) => {
                if keep.contains(&id) && n <= KEEP_CONTENT {
                    kept.insert(id, held);
                }
            }
        }
    }
    Ok(kept)
}

/// Loads a PDF leniently, with the user's password when one is given.
pub fn load_pdf(bytes: &[u8], password: Option<&str>) -> Result<Document, PdfLoadError> {
    let options = LoadOptions {
        password: password.map(str::to_string),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| PdfLoadError::Damaged(e.to_string()))?;
    if doc.trailer.has(b"Encrypt") && !doc.was_encrypted() {
        return Err(PdfLoadError::NeedsPassword);
    }
    Ok(doc)
}

/// Why a PDF did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfLoadError {
    NeedsPassword,
    Damaged(String),
}

impl std::fmt::Display for PdfLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfLoadError::NeedsPassword => f.write_str("it needs a password"),
            PdfLoadError::Damaged(d) => write!(f, "it is damaged: {d}"),
        }
    }
}

fn pdf_load_problem(rel: &str, e: &PdfLoadError, password: Option<&str>) -> Problem {
    match (e, password) {
        (PdfLoadError::NeedsPassword, None) => Problem::new(
            rel,
            "password-protected",
            format!(
                "add password = \"…\" to its [[documents]] entry in packet.toml (path = \"{rel}\")"
            ),
        ),
        (PdfLoadError::NeedsPassword, Some(_)) => Problem::new(
            rel,
            "password-protected, and the password in packet.toml does not open it",
            format!("check the password in the [[documents]] entry for \"{rel}\" in packet.toml"),
        ),
        (PdfLoadError::Damaged(detail), _) => {
            let lower = detail.to_ascii_lowercase();
            if lower.contains("password") || lower.contains("decrypt") {
                pdf_load_problem(rel, &PdfLoadError::NeedsPassword, password)
            } else {
                damaged_pdf(rel, detail)
            }
        }
    }
}

fn info_string(doc: &Document, key: &[u8]) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let value = info.as_dict().ok()?.get(key).ok()?;
    let (_, value) = doc.dereference(value).ok()?;
    let bytes = value.as_str().ok()?;
    Some(
        lopdf::decode_text_string(&lopdf::Object::String(
            bytes.to_vec(),
            lopdf::StringFormat::Literal,
        ))
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
    )
}

fn damaged_image(rel: &str, kind: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        rel,
        format!("damaged {kind} image that cannot be read ({detail})"),
        "copy or export the picture again from the phone or scanner",
    )
}

/// Reads the size and colour components from a JPEG's frame header, without decoding.
pub fn jpeg_header(bytes: &[u8]) -> Option<(u32, u32, u8, bool)> {
    let mut i = 2usize;
    let mut adobe = false;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let seg = bytes.get(i + 4..i + 2 + len)?;
        if marker == 0xEE && seg.starts_with(b"Adobe") {
            adobe = true;
        }
        let is_sof = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof {
            let h = u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]));
            let w = u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]));
            let c = *seg.get(5)?;
            return Some((w, h, c, adobe));
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

fn probe_jpeg(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    use crate::read::jpeg::{self, Verdict};
    use image::ImageDecoder;
    // The structure is checked byte by byte; only what it cannot judge is decoded.
    let decode = match jpeg::check(bytes) {
        Verdict::Damaged(why) => return Err(damaged_image(rel, "JPEG", why)),
        Verdict::Sound(_) => false,
        Verdict::Undecided(_) => true,
    };
    let (width, height, components, adobe) =
        jpeg_header(bytes).ok_or_else(|| damaged_image(rel, "JPEG", "no frame header"))?;
    if width == 0 || height == 0 || !matches!(components, 1 | 3 | 4) {
        return Err(damaged_image(
            rel,
            "JPEG",
            "impossible size or colour format",
        ));
    }
    if u64::from(width) * u64::from(height) > crate::read::images::MAX_PIXELS {
        return Err(damaged_image(
            rel,
            "JPEG",
            format!(
                "{width} × {height} pixels is larger than the {} megapixel limit",
                crate::read::images::MAX_PIXELS / 1_000_000
            ),
        ));
    }
    if decode {
        // Decoded once, strictly, to find damage inside the picture data; the packet
        // still carries the file's own bytes.
        let opts = zune_jpeg::zune_core::options::DecoderOptions::default()
            .set_strict_mode(true)
            .set_max_width(width as usize)
            .set_max_height(height as usize);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
            zune_jpeg::zune_core::bytestream::ZCursor::new(bytes),
            opts,
        );
        if let Err(e) = decoder.decode() {
            return Err(damaged_image(
                rel,
                "JPEG",
                format!("the picture data is corrupt: {e}"),
            ));
        }
    }
    let orientation = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes))
        .and_then(|mut d| d.orientation())
        .map(|o| o.to_exif())
        .unwrap_or(1);
    Ok(Probe {
        format: Some(Format::Jpeg),
        pages: Some(1),
        image: Some(ImageInfo {
            width,
            height,
            components,
            orientation,
            adobe,
        }),
        ..Probe::default()
    })
}

fn probe_png(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .map_err(|e| damaged_image(rel, "PNG", e))?;
    Ok(Probe {
        format: Some(Format::Png),
        pages: Some(1),
        image: Some(ImageInfo {
            width: img.width(),
            height: img.height(),
            components: 0,
            orientation: 1,
            adobe: false,
        }),
        ..Probe::default()
    })
}

fn probe_tiff(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    // Every page is decoded to find damage, one at a time; only the count is kept.
    let mut first: Option<(u32, u32)> = None;
    let pages = crate::read::images::tiff_each_page(bytes, &mut |r| {
        first.get_or_insert((r.width, r.height));
        Ok(())
    })
    .map_err(|e| damaged_image(rel, "TIFF", e))?;
    let (width, height) = first.ok_or_else(|| damaged_image(rel, "TIFF", "no pages"))?;
    Ok(Probe {
        format: Some(Format::Tiff),
        pages: Some(pages),
        image: Some(ImageInfo {
            width,
            height,
            components: 0,
            orientation: 1,
            adobe: false,
        }),
        ..Probe::default()
    })
}

fn probe_text(rel: &str, bytes: &[u8]) -> Result<Probe, Problem> {
    if bytes.len() > TEXT_FILE_LIMIT {
        return Err(Problem::new(
            rel,
            "text file too large to typeset (over 2 MB)",
            "keep only the clinical document in the folder, or save it as PDF",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Problem::new(
            rel,
            "text file is not UTF-8",
            "open it in a text editor and save it with UTF-8 encoding",
        )
    })?;
    if text.trim().is_empty() {
        return Err(Problem::new(
            rel,
            "text file has no text",
            "delete it, or paste the document's text into it",
        ));
    }
    Ok(Probe {
        format: Some(Format::Text),
        pages: None,
        text: Some(text.replace("\r\n", "\n").replace('\r', "\n")),
        ..Probe::default()
    })
}

fn truncate_at_char(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_by_content_not_name() {
        let cases: [(&[u8], &str, Format); 7] = [
            (b"%PDF-1.7\n...", "txt", Format::Pdf),
            (b"\xFF\xD8\xFF\xE0....", "pdf", Format::Jpeg),
            (b"\x89PNG\r\n\x1a\n....", "jpg", Format::Png),
            (b"II*\0....", "tif", Format::Tiff),
            (b"hello", "md", Format::Text),
            (b"<html>expired</html>", "pdf", Format::Other),
            (b"PK\x03\x04", "docx", Format::Other),
        ];
        for (bytes, ext, want) in cases {
            assert_eq!(sniff(bytes, ext), want, "{ext}");
        }
    }

    #[test]
    fn problems_name_reason_and_fix() {
        let cases: [(&str, &[u8], &str); 5] = [
            ("empty.pdf", b"", "empty file"),
            (
                "portal.pdf",
                b"<!DOCTYPE html><html>Session expired</html>",
                "web page",
            ),
            (
                "notes.docx",
                b"PK\x03\x04xx",
                "unsupported file type (.docx)",
            ),
            ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "damaged PDF"),
            ("latin1.txt", b"Caf\xE9", "not UTF-8"),
        ];
        for (rel, bytes, want) in cases {
            let p = probe(rel, bytes, None).expect_err(rel);
            assert_eq!(p.path, rel);
            assert!(p.reason.contains(want), "{rel}: {}", p.reason);
            assert!(!p.hint.is_empty());
        }
    }

    #[test]
    fn extension_is_lowercase_and_ignores_dotfiles() {
        assert_eq!(extension("a/b/Scan.PDF"), "pdf");
        assert_eq!(extension("noext"), "");
        assert_eq!(extension("dir.v2/noext"), "");
    }
}
