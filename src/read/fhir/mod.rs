//! FHIR R4 JSON exports (patient-access apps, portals, International Patient Summary
//! documents): a `.json` Bundle or resource, or an `.ndjson` of resources, turns into its
//! documents — each an entry of its own, named `export.json/DocumentReference/abc` — and
//! each document turns into the PDF, picture or text it carries, or into the clinical
//! document model the C-CDA pages are set from. Oversized, too deep, malformed or XML
//! exports turn into a [`Problem`] naming the file, the reason and the fix.

pub mod doc;
pub mod export;
pub mod html;

use crate::base::error::Problem;
use crate::read::reader::{Format, Input, Location, Member, Probe, Reader, Readers};
use serde_json::Value;

/// Largest FHIR file read.
pub const MAX_FILE: usize = 256 * 1024 * 1024;
/// Deepest nesting of JSON objects and arrays accepted.
pub const MAX_DEPTH: usize = 200;
/// Most resources (entries and contained resources) in one file.
pub const MAX_RESOURCES: usize = 2_000_000;
/// Largest attachment once decoded.
pub const MAX_ATTACHMENT: usize = 64 * 1024 * 1024;

/// A damaged or refused FHIR export: the reason, with the usual fix.
pub(crate) fn refused(rel: &str, reason: impl Into<String>) -> Problem {
    Problem::new(
        rel,
        reason,
        "export the record from the patient-access app or portal again (as FHIR JSON), or ask for the documents as PDF",
    )
}

/// True when the bytes (after a byte-order mark and white space) open a JSON object
/// with a `resourceType` near its start.
pub fn looks_like_json_resource(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    matches!(start.and_then(|i| head.get(i)), Some(b'{'))
        && head.windows(14).any(|w| w == b"\"resourceType\"")
}

/// True for FHIR in XML (a root element in the `http://hl7.org/fhir` namespace).
pub fn looks_like_fhir_xml(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && head.contains("xmlns=\"http://hl7.org/fhir\"")
}

/// The deepest nesting of objects and arrays in JSON text (strings skipped), stopping as
/// soon as it passes `limit`. Never recursive.
pub fn depth(bytes: &[u8], limit: usize) -> usize {
    let (mut d, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                d += 1;
                if d > max {
                    max = d;
                    if max > limit {
                        return max;
                    }
                }
            }
            b'}' | b']' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses one JSON text of a FHIR file within the depth limit. `line0` is the line the
/// text starts on (ndjson), for the message.
pub fn parse(rel: &str, bytes: &[u8], line0: usize) -> Result<Value, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if depth(bytes, MAX_DEPTH) > MAX_DEPTH {
        return Err(refused(
            rel,
            format!(
                "FHIR JSON nested more than {MAX_DEPTH} levels deep{} — refused as damaged or hostile",
                if line0 > 0 {
                    format!(" (line {line0})")
                } else {
                    String::new()
                }
            ),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // The depth was checked above: serde_json's own limit (128) would refuse real depth.
    de.disable_recursion_limit();
    let parsed = serde::Deserialize::deserialize(&mut de).and_then(|v: Value| {
        de.end()?;
        Ok(v)
    });
    parsed.map_err(|e| {
        Problem::new(
            rel,
            format!(
                "malformed JSON at line {}, column {} ({})",
                e.line() + line0.saturating_sub(1),
                e.column(),
                plain_error(&e)
            ),
            "the export is damaged or was cut short — export it from the app or portal again",
        )
    })
}

/// serde_json's message without its own position suffix.
fn plain_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(at) => s[..at].to_string(),
        None => s,
    }
}

/// FHIR exports (`.json`, `.ndjson`, by name): containers whose documents are entries of
/// their own.
pub struct FhirExportReader;
impl Reader for FhirExportReader {
    fn format(&self) -> Format {
        Format::Fhir
    }
    fn sniff(&self, _bytes: &[u8], ext: &str) -> bool {
        matches!(ext, "json" | "ndjson")
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        Err(refused(
            input.rel,
            "a FHIR export is opened, not read as a document",
        ))
    }
    fn is_container(&self) -> bool {
        true
    }
    fn members(&self, rel: &str, bytes: &[u8], each: &mut dyn FnMut(Member)) {
        hand_on(export::documents(rel, bytes), each)
    }
    fn stream_members(
        &self,
        rel: &str,
        path: &std::path::Path,
        each: &mut dyn FnMut(Member),
    ) -> bool {
        if crate::read::reader::extension(rel) != "ndjson" {
            return false;
        }
        hand_on(export::documents_streamed(rel, path), each);
        true
    }
    fn member(&self, container: &[u8], location: &Location) -> Result<Vec<u8>, String> {
        documents_of(container)
            .get(location.index)
            .cloned()
            .ok_or_else(|| "the document is no longer in the FHIR export".to_string())
    }
}

/// The documents of an export, for assembly and the bundle, which ask for them one by
/// one: the last export read is kept, so one export is read once, not once a document.
/// (Each document's bytes are checked against the scan's checksum by the caller.)
fn documents_of(container: &[u8]) -> std::sync::Arc<Vec<Vec<u8>>> {
    type Last = Option<(Vec<u8>, std::sync::Arc<Vec<Vec<u8>>>)>;
    static LAST: std::sync::Mutex<Last> = std::sync::Mutex::new(None);
    let key = fingerprint(container);
    if let Ok(last) = LAST.lock() {
        if let Some((_, docs)) = last.as_ref().filter(|(k, _)| *k == key) {
            return docs.clone();
        }
    }
    let docs: Vec<Vec<u8>> = export::documents("", container)
        .into_iter()
        .filter_map(|o| match o {
            export::Out::Doc { bytes, .. } => Some(bytes),
            _ => None,
        })
        .collect();
    let docs = std::sync::Arc::new(docs);
    if let Ok(mut last) = LAST.lock() {
        *last = Some((key, docs.clone()));
    }
    docs
}

/// A quick fingerprint of an export's bytes: its length and a checksum of its first and
/// last megabyte and of 4 KB every 1/64 of the way.
fn fingerprint(bytes: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    const MB: usize = 1 << 20;
    let mut h = Sha256::new();
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(&bytes[..bytes.len().min(MB)]);
    h.update(&bytes[bytes.len().saturating_sub(MB)..]);
    for i in 1..64 {
        let at = bytes.len() / 64 * i;
        h.update(&bytes[at..bytes.len().min(at + 4096)]);
    }
    h.finalize().to_vec()
}

/// Hands an export's documents on as members, numbered in order.
fn hand_on(outs: Vec<export::Out>, each: &mut dyn FnMut(Member)) {
    let mut index = 0;
    for out in outs {
        each(match out {
            export::Out::Doc { name, bytes } => {
                index += 1;
                Member::File {
                    rel: name,
                    location: Location {
                        nested: None,
                        index: index - 1,
                    },
                    bytes,
                }
            }
            export::Out::Problem(p) => Member::Problem(p),
            export::Out::Skipped { rel, why } => Member::Ignored { rel, why },
        })
    }
}

/// One document of a FHIR export (a resource with what it refers to contained): set in
/// type from its model, or a wrapper whose PDF or picture the other readers read. FHIR in
/// XML is recognised only to be refused with the fix.
pub struct FhirReader;
impl Reader for FhirReader {
    fn format(&self) -> Format {
        Format::Fhir
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        looks_like_json_resource(bytes) || looks_like_fhir_xml(bytes)
    }
    fn probe(&self, input: Input<'_>, readers: &Readers) -> Result<Probe, Problem> {
        probe_document(input.rel, input.bytes, readers)
    }
    fn cached(&self) -> bool {
        false
    }
    fn content(&self, rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Problem> {
        let v = parse(rel, &bytes, 0)?;
        match doc::read(rel, &v)?.embedded {
            Some((_, payload)) => Ok(payload),
            None => Err(refused(rel, "FHIR document without an attachment")),
        }
    }
}

fn probe_document(rel: &str, bytes: &[u8], readers: &Readers) -> Result<Probe, Problem> {
    if !looks_like_json_resource(bytes) {
        return Err(Problem::new(
            rel,
            "FHIR record in XML, which medpacket does not read",
            "export the record as FHIR JSON instead (apps and portals offer JSON), or ask for the documents as PDF",
        ));
    }
    if bytes.len() > MAX_FILE {
        return Err(too_large(rel));
    }
    let v = parse(rel, bytes, 0)?;
    if v.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
        return Err(Problem::new(
            rel,
            "FHIR export (a Bundle) inside an archive, which medpacket reads only from the folder",
            "extract the archive into the records folder",
        ));
    }
    let read = doc::read(rel, &v)?;
    let cda = Box::new(read.cda);
    let Some((media, payload)) = read.embedded else {
        return Ok(Probe {
            format: Some(Format::Cda),
            cda: Some(cda),
            ..Probe::default()
        });
    };
    let inner = match readers.format_of(&payload, "") {
        f @ (Format::Pdf | Format::Jpeg | Format::Png | Format::Tiff) => f,
        _ => {
            return Err(refused(
                rel,
                format!("FHIR document whose attachment is not the {media} it claims to be"),
            ))
        }
    };
    let probe = readers
        .probe(Input {
            rel,
            bytes: &payload,
            password: None,
        })
        .map_err(|p| Problem {
            reason: format!("attached to a FHIR record: {}", p.reason),
            ..p
        })?;
    let mut notes = probe.notes.clone();
    notes.insert(
        0,
        format!(
            "a FHIR {} carrying a {} file, which is packed as the document",
            v.get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or("record"),
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
        wrapper: Some(Format::Fhir),
        ..probe
    })
}

pub(crate) fn too_large(rel: &str) -> Problem {
    Problem::new(
        rel,
        format!(
            "FHIR export larger than {} MB — refused",
            MAX_FILE / (1024 * 1024)
        ),
        "export a shorter period or fewer record types from the app or portal, or ask for the documents as PDF",
    )
}

#[cfg(test)]
mod tests;
