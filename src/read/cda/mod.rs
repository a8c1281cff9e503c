//! Clinical documents: the bytes of an HL7 CDA file (the C-CDA XML a patient portal
//! exports) turn into a checked document model — header, sections with their narrative,
//! structured medications — or into the embedded PDF, image or text of a `nonXMLBody`;
//! damaged or hostile XML turns into a [`Problem`] with its reason and fix.
//!
//! The XML is parsed by `roxmltree`, which loads nothing from outside the file. A
//! document type declaration (DTD) is refused outright: a CDA document never needs one,
//! and it is where entity-expansion bombs and external entities live. The file's size,
//! its number of nodes and its depth of nesting are limited before anything recursive
//! walks the tree.

pub mod header;
pub mod meds;
pub mod narrative;
mod xml;

pub use crate::base::cdarules::CdaRules;
pub use crate::base::clinical::{
    Block, Body, Cda, CdaMedication, Header, PersonName, Section, Span, Table, Ts,
};
pub use meds::medication_list;
pub use xml::NS;
use xml::{child, path};

use crate::base::error::Problem;
use crate::read::reader::{Format, Input, Probe, Reader, Readers};
use base64::Engine;
use roxmltree::{Document, Node, ParsingOptions};

/// Largest CDA file read (an embedded PDF of about 45 MB fits in base64).
pub const MAX_XML: usize = 64 * 1024 * 1024;
/// Most XML nodes (elements, text, comments) in one document.
pub const MAX_NODES: u32 = 2_000_000;
/// Deepest nesting of elements accepted (real documents stay below 40).
pub const MAX_DEPTH: usize = 200;
/// Largest embedded document (a `nonXMLBody`) once decoded.
pub const MAX_EMBEDDED: usize = 48 * 1024 * 1024;

/// True when the bytes begin like an XML document whose first element is a
/// `ClinicalDocument` (any namespace prefix); [`read`] checks the namespace.
pub fn looks_like_cda(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let text = match utf16(head) {
        Some(t) => std::borrow::Cow::Owned(t),
        None => String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)),
    };
    let mut rest = text.trim_start();
    // Skip the XML declaration, processing instructions (a style sheet link) and comments.
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            match r.find("?>") {
                Some(end) => rest = r[end + 2..].trim_start(),
                None => return false,
            }
        } else if let Some(r) = rest.strip_prefix("<!--") {
            match r.find("-->") {
                Some(end) => rest = r[end + 3..].trim_start(),
                None => return false,
            }
        } else if rest.starts_with("<!DOCTYPE") {
            // A DTD before a ClinicalDocument: read (and refused) as a CDA, so the user
            // hears why.
            return rest.contains("ClinicalDocument");
        } else {
            break;
        }
    }
    let Some(tag) = rest.strip_prefix('<') else {
        return false;
    };
    let name: String = tag
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    name.rsplit(':').next() == Some("ClinicalDocument")
}

/// Why one of the other parts of an IHE XDM export ("Download my record") is not a
/// record, or None. `beside_ihe_xdm`: an `IHE_XDM` folder is next to the file.
pub fn xdm_part(name: &str, beside_ihe_xdm: bool) -> Option<&'static str> {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if base == "metadata.xml" {
        return Some("the index of a portal's clinical-document export (IHE XDM), not a record");
    }
    if base.ends_with(".xsl") || base.ends_with(".xslt") {
        return Some("a style sheet for viewing clinical documents in a browser, not a record");
    }
    if beside_ihe_xdm && (base == "index.htm" || base == "index.html" || base == "readme.txt") {
        return Some(
            "the portal's description of its clinical-document export (IHE XDM), not a record",
        );
    }
    None
}

/// A damaged or refused CDA file: the reason, with the usual fix.
fn refused(rel: &str, reason: impl Into<String>) -> Problem {
    Problem::new(
        rel,
        reason,
        "download the record from the patient portal again (\"Download my record\"), or ask the portal for it as PDF",
    )
}

/// Parses the XML with the limits above; the tree borrows `text`.
fn parse<'a>(rel: &str, text: &'a str) -> Result<Document<'a>, Problem> {
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => refused(
            rel,
            "clinical document (XML) with a document type declaration (DTD), which can hide entity bombs or pull in outside files — refused",
        ),
        roxmltree::Error::NodesLimitReached => refused(
            rel,
            format!("clinical document (XML) with more than {MAX_NODES} parts — refused as too large to read safely"),
        ),
        roxmltree::Error::EntityReferenceLoop(_) => {
            refused(rel, "clinical document (XML) whose entities expand without end — refused")
        }
        other => refused(rel, format!("damaged clinical document (XML that cannot be read: {other})")),
    })?;
    // The depth is measured without recursion (nodes come in document order, each after
    // its parent); everything after this may recurse.
    let mut depths: Vec<u16> = vec![0; doc.descendants().count() + 1];
    for n in doc.descendants() {
        let d = n
            .parent()
            .and_then(|p| depths.get(p.id().get() as usize).copied())
            .unwrap_or(0)
            .saturating_add(1);
        if usize::from(d) > MAX_DEPTH {
            return Err(refused(
                rel,
                format!("clinical document (XML) nested more than {MAX_DEPTH} levels deep — refused as damaged or hostile"),
            ));
        }
        if let Some(slot) = depths.get_mut(n.id().get() as usize) {
            *slot = d;
        }
    }
    Ok(doc)
}

/// UTF-16 text with its byte-order mark (as some Windows exports write XML), decoded; a
/// broken pair becomes U+FFFD and an odd last byte is dropped. None without a UTF-16 mark.
fn utf16(bytes: &[u8]) -> Option<String> {
    let (units, _odd) = crate::base::utf16::units(bytes)?;
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// The file as text: UTF-8 (a byte-order mark is dropped) or UTF-16 with its mark, within
/// the size limit.
fn as_text<'a>(rel: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, str>, Problem> {
    if bytes.len() > MAX_XML {
        return Err(Problem::new(
            rel,
            format!(
                "clinical document (XML) larger than {} MB — refused",
                MAX_XML / (1024 * 1024)
            ),
            "ask the portal for the document as PDF, or for a smaller export",
        ));
    }
    if let Some(text) = utf16(bytes) {
        return Ok(std::borrow::Cow::Owned(text));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(text) = declared_latin(bytes) {
        return Ok(std::borrow::Cow::Owned(text));
    }
    std::str::from_utf8(bytes)
        .map(std::borrow::Cow::Borrowed)
        .map_err(|_| {
            Problem::new(
                rel,
                "clinical document (XML) that is not UTF-8 text",
                "ask the portal for a fresh export (portals write UTF-8), or for the document as PDF",
            )
        })
}

/// The text of a document whose XML declaration names ISO-8859-1 (Latin-1) or its
/// Windows variant, as older systems write them; None for any other (UTF-8 is read as
/// such, and a document without a declaration is never guessed to be Latin-1).
fn declared_latin(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(200))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let encoding = decl
        .split("encoding")
        .nth(1)?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = encoding.chars().next().filter(|&q| q == '"' || q == '\'')?;
    let name = encoding[1..].split(quote).next()?;
    // Windows-1252's letters for 0x80 to 0x9F, where Latin-1 has control characters
    // (the five it leaves unassigned are kept as those).
    const CP1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    let windows = match name {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" => false,
        "windows-1252" | "cp1252" => true,
        _ => return None,
    };
    Some(
        bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F if windows => CP1252[usize::from(b - 0x80)],
                b => char::from(b),
            })
            .collect(),
    )
}

/// The `ClinicalDocument` root, checked to be in the HL7 v3 namespace.
fn root<'a, 'i>(rel: &str, doc: &'a Document<'i>) -> Result<Node<'a, 'i>, Problem> {
    let root = doc.root_element();
    if root.tag_name().name() != "ClinicalDocument" || root.tag_name().namespace() != Some(NS) {
        return Err(Problem::new(
            rel,
            format!(
                "XML file whose root is not an HL7 ClinicalDocument in the {NS} namespace (found {})",
                root.tag_name().name()
            ),
            "if it came from a patient portal, download the record again; otherwise save it as PDF, or remove it from the folder",
        ));
    }
    Ok(root)
}

/// The `nonXMLBody/text` element of a document, if it has one.
fn non_xml_text<'a, 'i>(root: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    path(root, &["component", "nonXMLBody", "text"])
}

/// The decoded content of a `nonXMLBody`: its media type and bytes.
fn decode_embedded(rel: &str, text: Node<'_, '_>) -> Result<(String, Vec<u8>), Problem> {
    let media = text
        .attribute("mediaType")
        .unwrap_or("text/plain")
        .trim()
        .to_ascii_lowercase();
    if let Some(r) = child(text, "reference") {
        return Err(Problem::new(
            rel,
            format!(
                "clinical document whose content is a separate file ({}) that was not exported with it — medpacket never fetches it",
                r.attribute("value").unwrap_or("no name")
            ),
            "ask the portal for the document itself, as PDF",
        ));
    }
    let raw: String = text
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    let representation = text.attribute("representation").unwrap_or("TXT");
    let mut bytes = if representation.eq_ignore_ascii_case("B64") {
        let cleaned: Vec<u8> = raw.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if cleaned.len() / 4 * 3 > MAX_EMBEDDED + 3 {
            return Err(too_big(rel));
        }
        base64::engine::general_purpose::STANDARD
            .decode(&cleaned)
            .map_err(|e| {
                refused(
                    rel,
                    format!("clinical document whose embedded file is damaged (base64: {e})"),
                )
            })?
    } else {
        raw.into_bytes()
    };
    if let Some(c) = text.attribute("compression") {
        if c != "DF" {
            return Err(refused(
                rel,
                format!("clinical document whose embedded file is compressed as \"{c}\", which medpacket cannot unpack"),
            ));
        }
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(bytes.as_slice())
            .take(MAX_EMBEDDED as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| {
                refused(
                    rel,
                    format!("clinical document whose embedded file is damaged ({e})"),
                )
            })?;
        bytes = out;
    }
    if bytes.len() > MAX_EMBEDDED {
        return Err(too_big(rel));
    }
    Ok((media, bytes))
}

fn too_big(rel: &str) -> Problem {
    Problem::new(
        rel,
        format!(
            "clinical document whose embedded file is larger than {} MB — refused",
            MAX_EMBEDDED / (1024 * 1024)
        ),
        "ask the portal for the document as a PDF file of its own",
    )
}

/// The media types a `nonXMLBody` may hold, and the name of the format in messages.
fn packable(media: &str) -> Option<&'static str> {
    match media.split(';').next().unwrap_or("").trim() {
        "application/pdf" => Some("PDF"),
        "image/jpeg" | "image/jpg" => Some("JPEG"),
        "image/png" => Some("PNG"),
        "image/tiff" => Some("TIFF"),
        "text/plain" => Some("text"),
        _ => None,
    }
}

/// What reading a CDA file yields: the model, and for an embedded PDF or image its bytes
/// (to be probed by the reader of that format).
pub struct Read {
    pub cda: Cda,
    pub embedded: Option<Vec<u8>>,
}

/// Reads a CDA file: checks it, and turns it into the document model.
pub fn read(rel: &str, bytes: &[u8]) -> Result<Read, Problem> {
    let text = as_text(rel, bytes)?;
    let doc = parse(rel, &text)?;
    let root = root(rel, &doc)?;
    let rules = CdaRules::builtin();
    let header = header::header(root);
    if let Some(t) = non_xml_text(root) {
        let (media, payload) = decode_embedded(rel, t)?;
        let Some(format) = packable(&media) else {
            return Err(Problem::new(
                rel,
                format!("clinical document holding a file of type {media}, which cannot go into a PDF packet"),
                "open the document in the portal and save or print it as PDF, then put the PDF in the folder",
            ));
        };
        if format == "text" {
            let s = String::from_utf8(payload)
                .map_err(|_| refused(rel, "clinical document whose embedded text is not UTF-8"))?;
            if s.trim().is_empty() {
                return Err(refused(rel, "clinical document with an empty body"));
            }
            return Ok(Read {
                cda: Cda {
                    header,
                    body: Body::Text(s.replace("\r\n", "\n").replace('\r', "\n")),
                    medications: Vec::new(),
                    other_patient: None,
                },
                embedded: None,
            });
        }
        return Ok(Read {
            cda: Cda {
                header,
                body: Body::Embedded { media_type: media },
                medications: Vec::new(),
                other_patient: None,
            },
            embedded: Some(payload),
        });
    }
    let Some(body) = path(root, &["component", "structuredBody"]) else {
        return Err(refused(
            rel,
            "clinical document without a body (neither structuredBody nor nonXMLBody)",
        ));
    };
    let ids = narrative::ids(&doc);
    let sections = narrative::sections(body);
    let medications = meds::entries(body, &rules.medication_sections, &ids);
    Ok(Read {
        cda: Cda {
            header,
            body: Body::Sections(sections),
            medications,
            other_patient: None,
        },
        embedded: None,
    })
}

/// The embedded file of a `nonXMLBody` CDA document, decoded again (for assembly).
pub fn embedded_payload(rel: &str, bytes: &[u8]) -> Result<Vec<u8>, Problem> {
    let text = as_text(rel, bytes)?;
    let doc = parse(rel, &text)?;
    let root = root(rel, &doc)?;
    let t = non_xml_text(root)
        .ok_or_else(|| refused(rel, "clinical document without an embedded file"))?;
    decode_embedded(rel, t).map(|(_, b)| b)
}

/// HL7 clinical documents (C-CDA): set in type from their model, or (a `nonXMLBody`) a
/// wrapper whose PDF or picture the other readers read.
pub struct CdaReader;
impl Reader for CdaReader {
    fn format(&self) -> Format {
        Format::Cda
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        looks_like_cda(bytes)
    }
    fn probe(&self, input: Input<'_>, readers: &Readers) -> Result<Probe, Problem> {
        probe_cda(input.rel, input.bytes, readers)
    }
    fn cached(&self) -> bool {
        false
    }
    fn content(&self, rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Problem> {
        embedded_payload(rel, &bytes)
    }
}

/// A clinical document: set in type from its XML, or its embedded PDF, image or text
/// read by the reader of that format.
fn probe_cda(rel: &str, bytes: &[u8], readers: &Readers) -> Result<Probe, Problem> {
    let read = read(rel, bytes)?;
    let cda = Box::new(read.cda);
    let Some(payload) = read.embedded else {
        return Ok(Probe {
            format: Some(Format::Cda),
            cda: Some(cda),
            ..Probe::default()
        });
    };
    let inner = match readers.format_of(&payload, "") {
        f @ (Format::Pdf | Format::Jpeg | Format::Png | Format::Tiff) => f,
        _ => {
            let media = match &cda.body {
                Body::Embedded { media_type } => media_type.clone(),
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
    let probe = readers
        .probe(Input {
            rel,
            bytes: &payload,
            password: None,
        })
        .map_err(|p| Problem {
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
        wrapper: Some(Format::Cda),
        ..probe
    })
}

#[cfg(test)]
mod tests;
