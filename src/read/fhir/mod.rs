//! FHIR R4 JSON exports (patient-access apps, portals, International Patient Summary
//! documents): a `.json` Bundle or resource, or an `.ndjson` of resources, turns into its
//! documents — each an entry of its own, named `export.json/DocumentReference/abc` — and
//! each document turns into the PDF, picture or text it carries, or into the clinical
//! document model the C-CDA pages are set from. Oversized, too deep, malformed or XML
//! exports turn into a [`Problem`] naming the file, the reason and the fix.

pub mod doc;
pub mod export;
pub mod html;
pub mod json;

use crate::base::error::Problem;
use crate::read::reader::{Format, Input, Location, Member, Probe, Reader, Readers};
use serde_json::Value;

pub use json::{
    depth, looks_like_fhir_xml, looks_like_json_resource, parse, MAX_ATTACHMENT, MAX_DEPTH,
    MAX_FILE, MAX_RESOURCES,
};
use json::{refused, too_large};

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

#[cfg(test)]
mod tests;
