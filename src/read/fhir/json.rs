//! JSON: the bytes of a FHIR file turn into a parsed value within the limits (size,
//! nesting, resources, attachments), or a problem naming the line and column.

use crate::base::error::Problem;
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
