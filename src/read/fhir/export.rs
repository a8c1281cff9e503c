//! One FHIR export (a Bundle of any type, one resource, or ndjson) turns into its list of
//! documents: each DocumentReference or DiagnosticReport attachment, each text-only
//! DiagnosticReport and each Composition becomes a resource of its own with what it refers
//! to resolved (`urn:uuid:` full URLs, `Type/id` against the entry's base, `#id`) and
//! contained, its attachment inline. The list is the same each time it is made, so one
//! document is found again by its place in it.

use super::json::{parse, refused, too_large, MAX_ATTACHMENT, MAX_FILE, MAX_RESOURCES};
use crate::base::error::Problem;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What an export yields, in order.
pub enum Out {
    /// A document: its entry name and the bytes of its resolved resource (JSON).
    Doc {
        name: String,
        bytes: Vec<u8>,
    },
    Problem(Problem),
    Skipped {
        rel: String,
        why: &'static str,
    },
}

/// Resources about payment, not care: skipped.
const BILLING: &[&str] = &[
    "Claim",
    "ClaimResponse",
    "ExplanationOfBenefit",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "PaymentNotice",
    "PaymentReconciliation",
    "Invoice",
    "ChargeItem",
    "Account",
    "EnrollmentRequest",
    "EnrollmentResponse",
];

/// Resources a document may refer to (the rest of an ndjson export is not kept).
const KEPT: &[&str] = &[
    "DocumentReference",
    "DiagnosticReport",
    "Composition",
    "Binary",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Observation",
    "Encounter",
    "MedicationRequest",
    "MedicationStatement",
    "Medication",
];

/// One resource of the export, with the full URL its entry gives.
struct Entry {
    full_url: Option<String>,
    resource: Value,
}

fn kind_of(v: &Value) -> &str {
    v.get("resourceType").and_then(Value::as_str).unwrap_or("")
}

/// Reads the export's resources: a Bundle's entries, one resource, or ndjson lines.
/// What an export holds: the resources kept, the kinds of billing records skipped, and
/// the lines of an ndjson export that are not FHIR resources (each its own problem).
type Found = (Vec<Entry>, Vec<&'static str>, Vec<Problem>);

fn entries(rel: &str, bytes: &[u8]) -> Result<Found, Problem> {
    if bytes.len() > MAX_FILE {
        return Err(too_large(rel));
    }
    let mut skipped: Vec<&'static str> = Vec::new();
    let mut count = 0usize;
    let mut out = Vec::new();
    let mut keep = |v: Value, full_url: Option<String>, count: &mut usize| -> Result<(), Problem> {
        *count += 1 + v
            .get("contained")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if *count > MAX_RESOURCES {
            return Err(too_many(rel));
        }
        let t = kind_of(&v);
        if let Some(b) = BILLING.iter().find(|b| **b == t) {
            if !skipped.contains(b) {
                skipped.push(b);
            }
        } else if KEPT.contains(&t) {
            out.push(Entry {
                full_url,
                resource: v,
            });
        }
        Ok(())
    };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let one_object = !is_ndjson(body);
    if one_object {
        let v = parse(rel, body, 0)?;
        if !v.is_object() || v.get("resourceType").and_then(Value::as_str).is_none() {
            return Err(not_fhir(rel));
        }
        if kind_of(&v) == "Bundle" {
            let Value::Object(mut bundle) = v else {
                return Err(not_fhir(rel));
            };
            let list = match bundle.remove("entry") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            for e in list {
                let Value::Object(mut e) = e else { continue };
                let full_url = e.get("fullUrl").and_then(Value::as_str).map(str::to_string);
                if let Some(r) = e.remove("resource") {
                    keep(r, full_url, &mut count)?;
                }
            }
        } else {
            keep(v, None, &mut count)?;
        }
    } else {
        // ndjson held in memory reads the way a file does: what the documents need.
        let open = || -> std::io::Result<Box<dyn std::io::BufRead + '_>> { Ok(Box::new(body)) };
        return two_passes(rel, body.len() as u64, &open);
    }
    Ok((out, skipped, Vec::new()))
}

/// True when the first line holds a whole JSON value and more follows: ndjson (one
/// resource a line), not one pretty-printed or one-line JSON text.
fn is_ndjson(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = &body[start..];
    let Some(end) = rest.iter().position(|b| *b == b'\n') else {
        return false;
    };
    let (mut d, mut in_str, mut esc) = (0i64, false, false);
    for &b in &rest[..end] {
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
            b'{' | b'[' => d += 1,
            b'}' | b']' => d -= 1,
            _ => {}
        }
    }
    d == 0 && !in_str && rest[end..].iter().any(|b| !b.is_ascii_whitespace())
}

fn not_fhir(rel: &str) -> Problem {
    Problem::new(
        rel,
        "JSON file that is not a FHIR record (no resourceType)",
        "save or print the record as PDF, or remove the file from the folder",
    )
}

/// Where each resource is found: by full URL and by `Type/id`.
struct Index<'a> {
    entries: &'a [Entry],
    by_url: HashMap<String, usize>,
    by_path: HashMap<String, usize>,
}

impl<'a> Index<'a> {
    fn new(entries: &'a [Entry]) -> Index<'a> {
        let mut by_url = HashMap::new();
        let mut by_path = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(u) = &e.full_url {
                by_url.entry(u.clone()).or_insert(i);
            }
            if let Some(id) = e.resource.get("id").and_then(Value::as_str) {
                by_path
                    .entry(format!("{}/{id}", kind_of(&e.resource)))
                    .or_insert(i);
            }
        }
        Index {
            entries,
            by_url,
            by_path,
        }
    }

    /// The resource a reference names, from the entry `from`: a full URL as written, a
    /// relative `Type/id` against the base of the entry's own full URL, else any
    /// resource of that `Type/id` in the file.
    fn resolve(&self, reference: &str, from: usize) -> Option<&'a Value> {
        let r = reference.trim();
        if r.is_empty() || r.starts_with('#') {
            return None;
        }
        let found = self.by_url.get(r).or_else(|| {
            let own = self.entries.get(from)?;
            let base = own.full_url.as_deref()?;
            let own_path = format!(
                "{}/{}",
                kind_of(&own.resource),
                own.resource.get("id")?.as_str()?
            );
            let base = base.strip_suffix(&own_path)?;
            self.by_url.get(&format!("{base}{r}"))
        });
        let found = found.or_else(|| {
            // The last `Type/id` of the reference (history suffixes dropped).
            let r = r.split("/_history/").next().unwrap_or(r);
            let mut parts = r.rsplit('/');
            let id = parts.next()?;
            let t = parts.next()?;
            self.by_path.get(&format!("{t}/{id}"))
        });
        found
            .and_then(|&i| self.entries.get(i))
            .map(|e| &e.resource)
    }
}

/// Reads the export and lists its documents, their problems and what was skipped.
pub fn documents(rel: &str, bytes: &[u8]) -> Vec<Out> {
    match entries(rel, bytes) {
        Ok((list, skipped, bad)) => with_bad_lines(from_entries(rel, &list, &skipped), bad),
        Err(p) => vec![Out::Problem(p)],
    }
}

/// Reads an ndjson export from its file in two streaming passes, line by line: the
/// first keeps the documents (and active medications) and notes what they refer to, the
/// second keeps only those resources. Memory holds what the documents need, never the
/// whole file.
pub fn documents_streamed(rel: &str, path: &std::path::Path) -> Vec<Out> {
    match streamed(rel, path) {
        Ok((list, skipped, bad)) => with_bad_lines(from_entries(rel, &list, &skipped), bad),
        Err(p) => vec![Out::Problem(p)],
    }
}

/// The documents of an export, then a problem for each of its lines that could not be
/// read (named by the line), so one bad line does not cost the others.
fn with_bad_lines(mut out: Vec<Out>, bad: Vec<Problem>) -> Vec<Out> {
    out.extend(bad.into_iter().map(Out::Problem));
    out
}

/// Lines of an ndjson export named one by one when they cannot be read; past this many
/// the last one says how many more there are.
const BAD_LINES_NAMED: usize = 20;

fn streamed(rel: &str, path: &std::path::Path) -> Result<Found, Problem> {
    let size = std::fs::metadata(path)
        .map_err(|e| unreadable(rel, e))?
        .len();
    let open = || -> std::io::Result<Box<dyn std::io::BufRead>> {
        let file = std::fs::File::open(path)?;
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
    };
    two_passes(rel, size, &open)
}

fn unreadable(rel: &str, e: std::io::Error) -> Problem {
    Problem::new(
        rel,
        format!("cannot be read ({e})"),
        "check that the file is readable (permissions) and not open in another program",
    )
}

/// Reads ndjson of `size` bytes, opened afresh by `open` for each of two passes.
fn two_passes<'a>(
    rel: &str,
    size: u64,
    open: &dyn Fn() -> std::io::Result<Box<dyn std::io::BufRead + 'a>>,
) -> Result<Found, Problem> {
    if size > MAX_FILE as u64 {
        return Err(too_large(rel));
    }
    // The lines that are not FHIR resources (found by the first pass), and how many.
    let (mut bad, mut count_bad) = (Vec::<Problem>::new(), 0usize);
    // Calls `each` with every resource of the file and its line number.
    let mut pass = |first: bool, each: &mut dyn FnMut(Value, usize) -> Result<(), Problem>| {
        let mut reader = open().map_err(|e| unreadable(rel, e))?;
        let mut line = Vec::new();
        let mut n = 0;
        loop {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .map_err(|e| unreadable(rel, e))?
                == 0
            {
                return Ok::<(), Problem>(());
            }
            n += 1;
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let read = parse(rel, &line, n).and_then(|v| {
                if v.get("resourceType").and_then(Value::as_str).is_some() {
                    Ok(v)
                } else {
                    Err(Problem::new(
                        rel,
                        format!("line {n} is JSON but not a FHIR record (no resourceType)"),
                        "the export's other lines are read; ask for a fresh export if this one should hold a record",
                    ))
                }
            });
            match read {
                Ok(v) => each(v, n)?,
                Err(p) if first => {
                    count_bad += 1;
                    if bad.len() < BAD_LINES_NAMED {
                        bad.push(Problem {
                            path: format!("{rel}/line {n}"),
                            ..p
                        });
                    }
                }
                Err(_) => {}
            }
        }
    };
    let mut wanted: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut skipped: Vec<&'static str> = Vec::new();
    let mut out = Vec::new();
    let mut count = 0usize;
    pass(true, &mut |v, _| {
        count += 1 + v
            .get("contained")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if count > MAX_RESOURCES {
            return Err(too_many(rel));
        }
        let t = kind_of(&v);
        if let Some(b) = BILLING.iter().find(|b| **b == t) {
            if !skipped.contains(b) {
                skipped.push(b);
            }
            return Ok(());
        }
        let keep = matches!(
            t,
            "DocumentReference" | "DiagnosticReport" | "Composition" | "Patient"
        ) || (matches!(t, "MedicationRequest" | "MedicationStatement")
            && v.get("status").and_then(Value::as_str) == Some("active"));
        if keep {
            references(&v, &mut wanted);
            out.push(Entry {
                full_url: None,
                resource: v,
            });
        }
        Ok(())
    })?;
    let mut found: std::collections::HashSet<String> = out
        .iter()
        .filter_map(|e| {
            Some(format!(
                "{}/{}",
                kind_of(&e.resource),
                e.resource.get("id")?.as_str()?
            ))
        })
        .collect();
    if wanted.iter().any(|w| !found.contains(w)) {
        pass(false, &mut |v, _| {
            let Some(id) = v.get("id").and_then(Value::as_str) else {
                return Ok(());
            };
            let key = format!("{}/{id}", kind_of(&v));
            if wanted.contains(&key) && found.insert(key) {
                out.push(Entry {
                    full_url: None,
                    resource: v,
                });
            }
            Ok(())
        })?;
    }
    // Nothing but lines that are not FHIR: the file is not an export, said once.
    if out.is_empty() && skipped.is_empty() && !bad.is_empty() {
        let first = bad.swap_remove(0);
        return Err(Problem {
            path: rel.to_string(),
            ..first
        });
    }
    let more = count_bad - bad.len();
    if more > 0 {
        if let Some(last) = bad.last_mut() {
            last.reason = format!("{} (and {more} more lines like it)", last.reason);
        }
    }
    Ok((out, skipped, bad))
}

/// Every `Type/id` a resource refers to (the last two parts of each reference and
/// attachment URL), into `into`.
fn references(v: &Value, into: &mut std::collections::HashSet<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("reference" | "url", Value::String(r)) => {
                            let r = r.split("/_history/").next().unwrap_or(r);
                            let mut parts = r.rsplit('/');
                            if let (Some(id), Some(t)) = (parts.next(), parts.next()) {
                                into.insert(format!("{t}/{id}"));
                            }
                        }
                        _ => stack.push(x),
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
}

fn too_many(rel: &str) -> Problem {
    refused(
        rel,
        format!("FHIR export with more than {MAX_RESOURCES} resources — refused as too large to read safely"),
    )
}

/// The documents of the resources read.
fn from_entries(rel: &str, list: &[Entry], skipped: &[&'static str]) -> Vec<Out> {
    let skipped = skipped.iter().copied();
    let index = Index::new(list);
    let mut out = Vec::new();
    // The first document of each attachment's bytes: its name and resource.
    let mut seen: HashMap<Vec<u8>, (String, Vec<u8>)> = HashMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, e) in list.iter().enumerate() {
        let t = kind_of(&e.resource);
        if !matches!(t, "DocumentReference" | "DiagnosticReport" | "Composition") {
            continue;
        }
        let id = e
            .resource
            .get("id")
            .and_then(Value::as_str)
            .map(safe_id)
            .unwrap_or_else(|| format!("entry-{}", i + 1));
        let mut name = format!("{rel}/{t}/{id}");
        let n = names.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name = format!("{name}-{n}");
        }
        let forms = match t {
            "DocumentReference" => e
                .resource
                .get("content")
                .and_then(Value::as_array)
                .map(|c| c.iter().filter_map(|c| c.get("attachment")).collect())
                .unwrap_or_default(),
            "DiagnosticReport" => e
                .resource
                .get("presentedForm")
                .and_then(Value::as_array)
                .map(|c| c.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut resolved = inline(&e.resource, &index, i);
        if forms.is_empty() {
            if t == "DocumentReference" {
                out.push(Out::Problem(Problem::new(
                    &name,
                    "FHIR document reference without any attachment",
                    "download the document itself from the portal, as PDF, and add it to the folder",
                )));
                continue;
            }
            let has_text = t == "Composition"
                || e.resource.get("conclusion").is_some()
                || e.resource.get("text").is_some()
                || e.resource.get("result").is_some();
            if has_text {
                out.push(Out::Doc {
                    name,
                    bytes: resource_bytes(resolved),
                });
            }
            continue;
        }
        // The best form that is in the file; the best form's problem when none is.
        let mut found = None;
        let mut first_problem = None;
        for att in ranked(&forms) {
            match attachment(&name, att, &e.resource, &index, i) {
                Ok(x) => {
                    found = Some((att, x));
                    break;
                }
                Err(p) => {
                    first_problem.get_or_insert(p);
                }
            }
        }
        let Some((att, (media, payload))) = found else {
            if let Some(p) = first_problem {
                out.push(Out::Problem(p));
            }
            continue;
        };
        let digest = Sha256::digest(&payload).to_vec();
        if let Some((_, first)) = seen.get(&digest) {
            // The same content exported twice: the same document again, which the scan
            // reports as a duplicate of the first.
            out.push(Out::Doc {
                name,
                bytes: first.clone(),
            });
            continue;
        }
        let mut a = Map::new();
        a.insert("contentType".into(), Value::String(media));
        a.insert(
            "data".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(&payload)),
        );
        if let Some(title) = att.get("title") {
            a.insert("title".into(), title.clone());
        }
        if let Value::Object(m) = &mut resolved {
            m.remove("presentedForm");
            m.remove("content");
            m.insert("attachment".into(), Value::Object(a));
        }
        let bytes = resource_bytes(resolved);
        seen.insert(digest, (name.clone(), bytes.clone()));
        out.push(Out::Doc { name, bytes });
    }
    if let Some(list) = medication_list(list, &index) {
        out.push(Out::Doc {
            name: format!("{rel}/MedicationList"),
            bytes: resource_bytes(list),
        });
    }
    for s in skipped {
        out.push(Out::Skipped {
            rel: format!("{rel}/{s}"),
            why: "claims and billing records, not clinical documents",
        });
    }
    if out.is_empty() {
        out.push(Out::Problem(Problem::new(
            rel,
            "FHIR export without any document (no DocumentReference, DiagnosticReport or Composition)",
            "export the documents (clinical notes, reports) from the app or portal, or ask for them as PDF",
        )));
    }
    out
}

/// One document of the export as the JSON its reader is given: `resourceType` first, as
/// FHIR writes it, since readers are told apart by a file's first few kilobytes (the
/// JSON map sorts its keys, which put a document's attachment, of any size, before it).
fn resource_bytes(v: Value) -> Vec<u8> {
    let Value::Object(mut rest) = v else {
        return serde_json::to_vec(&v).unwrap_or_default();
    };
    let Some(kind) = rest.remove("resourceType") else {
        return serde_json::to_vec(&rest).unwrap_or_default();
    };
    let mut out = b"{\"resourceType\":".to_vec();
    out.extend(serde_json::to_vec(&kind).unwrap_or_default());
    let tail = serde_json::to_vec(&rest).unwrap_or_default();
    // `tail` is "{...}": its fields follow, after a comma when there are any.
    match tail.get(1..) {
        Some(b"}") | None => out.push(b'}'),
        Some(fields) => {
            out.push(b',');
            out.extend_from_slice(fields);
        }
    }
    out
}

/// A resource id as part of an entry name (letters, digits, `-`, `.`, `_`).
fn safe_id(id: &str) -> String {
    id.chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The forms of one document a resource gives, in the order the packet prefers them:
/// PDF first, then pictures, HTML and text.
fn ranked<'a>(forms: &[&'a Value]) -> Vec<&'a Value> {
    let rank = |a: &Value| {
        let m = media_of(a);
        match m.as_str() {
            "application/pdf" => 0,
            "image/jpeg" | "image/jpg" | "image/png" | "image/tiff" => 1,
            "text/html" | "application/xhtml+xml" => 2,
            "text/plain" => 3,
            _ => 4,
        }
    };
    let mut forms = forms.to_vec();
    forms.sort_by_key(|a| rank(a));
    forms
}

/// The media type of an attachment without its parameters, lower case.
pub fn media_of(a: &Value) -> String {
    a.get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Decodes base64 that may hold white space, within the attachment limit.
pub fn decode(rel: &str, data: &str) -> Result<Vec<u8>, Problem> {
    let cleaned: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if cleaned.len() / 4 * 3 > MAX_ATTACHMENT + 3 {
        return Err(Problem::new(
            rel,
            format!(
                "FHIR attachment larger than {} MB once decoded — refused",
                MAX_ATTACHMENT / (1024 * 1024)
            ),
            "ask the portal for the document as a PDF file of its own",
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| {
            refused(
                rel,
                format!("FHIR attachment that is damaged (base64: {e})"),
            )
        })
}

/// An attachment's media type and bytes: inline, or a Binary of the same file. One only
/// linked to outside the file is never fetched: a problem listing its title and URL.
fn attachment(
    name: &str,
    att: &Value,
    resource: &Value,
    index: &Index<'_>,
    from: usize,
) -> Result<(String, Vec<u8>), Problem> {
    let media = att
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(data) = att.get("data").and_then(Value::as_str) {
        return Ok((media, decode(name, data)?));
    }
    let url = att.get("url").and_then(Value::as_str).unwrap_or("").trim();
    let binary = if let Some(id) = url.strip_prefix('#') {
        resource
            .get("contained")
            .and_then(Value::as_array)
            .and_then(|c| {
                c.iter()
                    .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
            })
    } else {
        index.resolve(url, from)
    };
    if let Some(b) = binary.filter(|b| kind_of(b) == "Binary") {
        let data = b.get("data").and_then(Value::as_str).unwrap_or("");
        let media = b
            .get("contentType")
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|_| media.is_empty())
            .unwrap_or(media);
        return Ok((media, decode(name, data)?));
    }
    let title = att
        .get("title")
        .and_then(Value::as_str)
        .or_else(|| resource.get("description").and_then(Value::as_str))
        .unwrap_or("untitled document");
    if url.is_empty() {
        return Err(refused(
            name,
            format!("FHIR attachment \"{title}\" with neither content nor a link"),
        ));
    }
    Err(Problem::new(
        name,
        format!(
            "{}: \"{title}\" at {url} (medpacket does not go online)",
            crate::base::error::NOT_FETCHED
        ),
        "download that document from the portal (as PDF) and add it to the folder",
    ))
}

/// The resource with what its top-level references name resolved and contained (ids
/// `mp1`, `mp2`…), so the document reads on its own.
fn inline(resource: &Value, index: &Index<'_>, from: usize) -> Value {
    let mut out = resource.clone();
    let Value::Object(map) = &mut out else {
        return out;
    };
    let mut contained: Vec<Value> = match map.remove("contained") {
        Some(Value::Array(c)) => c,
        _ => Vec::new(),
    };
    let mut done: HashMap<String, String> = HashMap::new();
    for (key, value) in map.iter_mut() {
        if matches!(
            key.as_str(),
            "text" | "section" | "content" | "presentedForm" | "resourceType" | "id"
        ) {
            continue;
        }
        let slots: Vec<&mut Value> = match value {
            Value::Array(a) => a.iter_mut().collect(),
            v => vec![v],
        };
        for slot in slots {
            let Some(r) = slot.get("reference").and_then(Value::as_str) else {
                continue;
            };
            let r = r.to_string();
            let id = match done.get(&r) {
                Some(id) => id.clone(),
                None => {
                    let Some(target) = index.resolve(&r, from) else {
                        continue;
                    };
                    let id = format!("mp{}", done.len() + 1);
                    let mut t = target.clone();
                    if let Value::Object(m) = &mut t {
                        m.remove("contained");
                        m.remove("text");
                        m.insert("id".into(), Value::String(id.clone()));
                    }
                    contained.push(t);
                    done.insert(r.clone(), id.clone());
                    id
                }
            };
            if let Value::Object(m) = slot {
                m.insert("reference".into(), Value::String(format!("#{id}")));
            }
        }
    }
    if !contained.is_empty() {
        map.insert("contained".into(), Value::Array(contained));
    }
    out
}

/// The export's active MedicationRequests and MedicationStatements as one medication
/// list document (a Composition coded 10160-0 containing them and the patient), or None.
fn medication_list(list: &[Entry], index: &Index<'_>) -> Option<Value> {
    let mut meds = Vec::new();
    let mut latest: Option<String> = None;
    for (i, e) in list.iter().enumerate() {
        let t = kind_of(&e.resource);
        if !matches!(t, "MedicationRequest" | "MedicationStatement")
            || e.resource.get("status").and_then(Value::as_str) != Some("active")
        {
            continue;
        }
        let mut m = e.resource.clone();
        if let Value::Object(map) = &mut m {
            // A Medication named by reference: its code stands in.
            let code = map
                .get("medicationReference")
                .and_then(|r| r.get("reference"))
                .and_then(Value::as_str)
                .and_then(|r| index.resolve(r, i))
                .and_then(|med| med.get("code"))
                .cloned();
            if let Some(code) = code {
                map.insert("medicationCodeableConcept".into(), code);
            }
            map.remove("contained");
            map.remove("text");
            map.insert("id".into(), Value::String(format!("med{}", meds.len() + 1)));
        }
        let when = ["authoredOn", "effectiveDateTime", "dateAsserted"]
            .iter()
            .find_map(|k| e.resource.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        if when > latest {
            latest = when;
        }
        meds.push(m);
    }
    if meds.is_empty() {
        return None;
    }
    let patients: Vec<&Value> = list
        .iter()
        .map(|e| &e.resource)
        .filter(|r| kind_of(r) == "Patient")
        .collect();
    let mut contained = meds;
    let mut doc = serde_json::json!({
        "resourceType": "Composition",
        "id": "medications",
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "10160-0",
                             "display": "History of medication use"}]},
        "title": "Active medications in the FHIR export",
    });
    if let [p] = patients.as_slice() {
        let mut p = (*p).clone();
        if let Value::Object(m) = &mut p {
            m.insert("id".into(), Value::String("patient".into()));
            m.remove("text");
        }
        contained.push(p);
        doc["subject"] = serde_json::json!({"reference": "#patient"});
    }
    if let Some(d) = latest {
        doc["date"] = Value::String(d);
    }
    doc["contained"] = Value::Array(contained);
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_handed_on_with_its_resource_type_first_and_nothing_lost() {
        let big = "A".repeat(10_000);
        for v in [
            serde_json::json!({"resourceType": "DocumentReference", "id": "x",
                "attachment": {"contentType": "text/plain", "data": big}}),
            serde_json::json!({"resourceType": "Composition"}),
            serde_json::json!({"id": "no-type"}),
        ] {
            let bytes = resource_bytes(v.clone());
            let back: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(back, v);
            if v.get("resourceType").is_some() {
                assert!(
                    bytes.starts_with(b"{\"resourceType\":"),
                    "{}",
                    String::from_utf8_lossy(&bytes[..40.min(bytes.len())])
                );
                assert!(super::super::json::looks_like_json_resource(&bytes));
            }
        }
    }
}
