//! The PDF reader: a PDF's bytes turn into a checked, measured source (page count, the
//! text of its first pages, the identifiers on every page, active content, the room at
//! its pages' edges, its scanned pages) or a [`Problem`] with the fix. Its helpers beside
//! it: sanitize (active content), complete (pages of a repaired file that came back
//! whole), extent (what a page's content covers), pagetext (a page's text), scanpage.

use crate::base::error::Problem;
use crate::base::pdf::Lookup;
pub mod complete;
pub mod extent;
pub mod ops;
pub mod pagetext;
pub mod sanitize;
pub mod scanpage;

use crate::read::pdf::extent::Source;
use crate::read::reader::{Input, Reader, Readers};
use lopdf::{Document, LoadOptions};

use crate::read::reader::{Format, Probe};

/// PDF documents.
pub struct PdfReader;
impl Reader for PdfReader {
    fn format(&self) -> Format {
        Format::Pdf
    }
    fn sniff(&self, bytes: &[u8], _ext: &str) -> bool {
        bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        probe_pdf(input.rel, input.bytes, input.password)
    }
}

/// How many leading pages of a PDF are read for classification.
pub const TEXT_PAGES: u32 = 2;
/// Upper bound on the text kept for classification.
const TEXT_LIMIT: usize = 64 * 1024;
fn damaged_pdf(rel: &str, detail: &str) -> Problem {
    Problem::new(
        rel,
        format!("damaged PDF that cannot be read ({detail})"),
        "download or scan the document again; if it opens in a PDF viewer, use Print > Save as PDF to make a clean copy",
    )
}

/// A PDF that stops before its end: the reason says so (with how many pages came back
/// incomplete, when the file could be opened), and the fix is a new copy.
fn cut_off(rel: &str, c: Option<crate::read::pdf::complete::Completeness>) -> Problem {
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
    let ends_early = crate::read::pdf::complete::ends_early(bytes);
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
        let c = crate::read::pdf::complete::check(&doc);
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
    let reachable = reachable_from_pages(&doc, pages.values().copied());
    let content_ids: std::collections::HashSet<lopdf::ObjectId> = pages
        .values()
        .flat_map(|&id| doc.get_page_contents(id))
        .collect();
    let inflated = damaged_streams(&doc, &reachable, &content_ids)
        .map_err(|damage| damaged_pdf(rel, &damage))?;
    let own_output = info_string(&doc, b"Creator").is_some_and(|c| c.starts_with("medpacket"));
    let active = crate::read::pdf::sanitize::active_content(&doc, &reachable);
    let mut scanned = Vec::new();
    let n = pages.len() as u32;
    let mut edges = Vec::with_capacity(pages.len());
    let mut open_saves = Vec::with_capacity(pages.len());
    // Every page's text is read once, here: the first pages' text is kept for
    // classification; of the others only the identifiers found on them.
    let mut text = String::new();
    let mut identifiers = Vec::new();
    let mut decoders = crate::read::pdf::pagetext::Decoders::default();
    for (&page, &id) in &pages {
        let Ok(dict) = doc.get_dictionary(id) else {
            continue;
        };
        // The page's content, with the streams the damage check already inflated; its
        // operations are parsed once, for the footer's room and for the text.
        let known = |c| inflated.get(&c).map(Vec::as_slice);
        let joined = crate::read::pdf::extent::page_content(&doc, dict, &known);
        let content = match &joined {
            Some(c) => std::borrow::Cow::Borrowed(c.as_slice()),
            None => std::borrow::Cow::Owned(
                doc.get_page_content_with_limit(id, STREAM_CHECK_LIMIT as usize)
                    .unwrap_or_default(),
            ),
        };
        // One pass over the operators: text, images, and saved states left open.
        let page_ops = crate::read::pdf::scanpage::operators(&content);
        if crate::read::pdf::scanpage::page_is_scanned(&doc, id, &page_ops) {
            scanned.push(page);
        }
        open_saves.push(page_ops.open_saves.min(u32::MAX as usize) as u32);
        // A page without a text object (a scan) has no text to read.
        let has_text = memchr::memmem::find(&content, b"BT").is_some();
        // The footer's room, found by a walk of the operators that also tells whether
        // they parse to their end; the text is read from them only when they do.
        let extent = crate::read::pdf::extent::page_edges_parsing(
            &doc,
            dict,
            joined.as_deref().map(Source::Bytes),
        );
        let parsed = joined
            .as_deref()
            .filter(|c| extent.parses && c.len() <= PARSED_CONTENT);
        let boxes = extent.boxes;
        edges.push(
            boxes
                .iter()
                .map(crate::read::pdf::extent::to_bits)
                .collect(),
        );
        if !has_text {
            continue;
        }
        let chunks = match parsed {
            Some(c) => crate::read::pdf::pagetext::chunks_with(&doc, id, c, &mut decoders),
            None => doc.extract_text_chunks(&[page]),
        };
        let mut page_text = String::new();
        for chunk in chunks.into_iter().flatten() {
            page_text.push_str(&chunk);
            if page_text.len() > TEXT_LIMIT {
                break;
            }
        }
        identifiers.extend(crate::base::identifiers::find(page, &page_text));
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
        wrapper: None,
        scanned,
        identifiers,
        dicom: None,
    })
}

/// Largest decoded size checked for one stream.
const STREAM_CHECK_LIMIT: u64 = 512 * 1024 * 1024;

/// Every object `pages`, a document's pages, use (following references, not page-tree
/// parents).
pub fn reachable_from_pages(
    doc: &Document,
    pages: impl IntoIterator<Item = lopdf::ObjectId>,
) -> Vec<lopdf::ObjectId> {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<lopdf::ObjectId> = pages.into_iter().collect();
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
const PARSED_CONTENT: usize = crate::read::pdf::extent::MAX_PARSED;

/// Checks that every Flate-compressed stream the pages use inflates cleanly (a damaged
/// stream would show as a blank or broken page); says which one does not. Returns the
/// inflated bytes of the page content streams among `keep` that are small enough to hold,
/// so they need not be inflated again.
fn damaged_streams(
    doc: &Document,
    reachable: &[lopdf::ObjectId],
    keep: &std::collections::HashSet<lopdf::ObjectId>,
) -> Result<std::collections::HashMap<lopdf::ObjectId, Vec<u8>>, String> {
    let mut kept = std::collections::HashMap::new();
    let mut decoders = Decoders::default();
    for &id in reachable {
        let Ok(lopdf::Object::Stream(s)) = doc.get_object(id) else {
            continue;
        };
        let flate_only = match s.dict.lookup(b"Filter") {
            Some(lopdf::Object::Name(n)) => n.as_slice() == b"FlateDecode",
            Some(lopdf::Object::Array(a)) => {
                a.len() == 1 && a.first().and_then(|f| f.as_name().ok()) == Some(b"FlateDecode")
            }
            _ => false,
        };
        if !flate_only {
            continue;
        }
        match check_stream(&s.content, keep.contains(&id), &mut decoders) {
            Ok(Some(held)) => {
                kept.insert(id, held);
            }
            Ok(None) => {}
            Err(Damage::Broken(e)) => {
                return Err(format!(
                    "compressed data in object {} is damaged: {e}",
                    id.0
                ))
            }
            Err(Damage::TooLarge) => {
                return Err(format!(
                "object {} expands to more than {} MB — refused as a possible decompression bomb",
                id.0,
                STREAM_CHECK_LIMIT / (1024 * 1024)
            ))
            }
        }
    }
    Ok(kept)
}

/// Why a Flate stream failed the check.
#[derive(Debug, PartialEq)]
enum Damage {
    /// It does not inflate: the decoder's reason.
    Broken(String),
    /// It inflates to more than [`STREAM_CHECK_LIMIT`].
    TooLarge,
}

/// The decoders of [`check_stream`], made once and reset for each stream (a new one costs
/// more to set up than a small page's content costs to inflate).
#[derive(Default)]
struct Decoders<'a> {
    /// Inflates a stream to hold straight into memory.
    held: Option<Box<miniz_oxide::inflate::core::DecompressorOxide>>,
    /// Streams any other through a 32 KB window.
    streaming: Option<flate2::read::ZlibDecoder<&'a [u8]>>,
}

/// Checks that one zlib stream inflates cleanly, its checksum included (that is what
/// reveals damage inside the data). With `hold`, returns its inflated bytes when there
/// are no more than [`KEEP_CONTENT`].
///
/// A stream to hold (a page's content) is first inflated straight into memory. That
/// spares the streaming decoder's reset for each stream (it clears its 32 KB window) and
/// the copies through it, which for a text PDF's many small content streams came to a
/// few percent of a cold build. Only a stream that inflates cleanly there is taken from
/// it; anything else (larger than held, or failing) is judged by the streaming check, as
/// every other stream is, so the verdict is always that check's.
fn check_stream<'a>(
    data: &'a [u8],
    hold: bool,
    decoders: &mut Decoders<'a>,
) -> Result<Option<Vec<u8>>, Damage> {
    use std::io::Read;
    if hold {
        let d = decoders.held.get_or_insert_with(Default::default);
        if let Some(bytes) = inflate_held(d, data) {
            return Ok(Some(bytes));
        }
    }
    let fresh = match decoders.streaming.as_mut() {
        Some(d) => {
            d.reset(data);
            d
        }
        None => decoders
            .streaming
            .insert(flate2::read::ZlibDecoder::new(data)),
    };
    let mut zlib = fresh.take(STREAM_CHECK_LIMIT + 1);
    let mut held = Vec::new();
    let copied = if hold {
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
        Err(e) => Err(Damage::Broken(e.to_string())),
        Ok(n) if n > STREAM_CHECK_LIMIT => Err(Damage::TooLarge),
        Ok(n) => Ok((hold && n <= KEEP_CONTENT).then_some(held)),
    }
}

/// A zlib stream inflated into memory, its checksum checked, when it inflates cleanly to
/// no more than [`KEEP_CONTENT`] bytes; None otherwise. The output grows as needed, from
/// twice the input (as miniz_oxide's own `decompress_to_vec_zlib_with_limit` does, with a
/// decoder made for each call).
fn inflate_held(
    d: &mut miniz_oxide::inflate::core::DecompressorOxide,
    mut input: &[u8],
) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::core::inflate_flags as flags;
    use miniz_oxide::inflate::TINFLStatus;
    let limit = KEEP_CONTENT as usize;
    d.init();
    let mut out = vec![0u8; input.len().saturating_mul(2).clamp(64, limit)];
    let mut at = 0;
    loop {
        let (status, used, made) = miniz_oxide::inflate::core::decompress(
            d,
            input,
            &mut out,
            at,
            flags::TINFL_FLAG_PARSE_ZLIB_HEADER | flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        at += made;
        match status {
            TINFLStatus::Done => {
                out.truncate(at);
                return Some(out);
            }
            TINFLStatus::HasMoreOutput if out.len() < limit => {
                input = input.get(used..)?;
                out.resize(out.len().saturating_mul(2).min(limit), 0);
            }
            _ => return None,
        }
    }
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
    let info = doc.trailer.lookup(b"Info")?;
    let (_, info) = doc.dereference(info).ok()?;
    let value = info.as_dict().ok()?.lookup(key)?;
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
    use lopdf::{dictionary, Document, Object, Stream};

    fn zlib(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    /// A page's content is inflated straight into memory first, but the verdict is always
    /// the streaming check's: every cut of a compressed content stream, a bit flipped at
    /// every place, and data after its end are judged alike held and not held (the same
    /// reason when refused), and what is held is all of what the stream inflates to.
    #[test]
    fn a_held_stream_is_judged_as_the_streaming_check_judges_it() {
        use std::io::Read;
        let content: Vec<u8> = (0..60)
            .flat_map(|i| {
                format!(
                    "BT /F1 11 Tf 72 {} Td (Line {i} of a made-up report) Tj ET\n",
                    700 - i
                )
                .into_bytes()
            })
            .collect();
        let z = zlib(&content);
        let mut cases = vec![z.clone(), [z.as_slice(), b"trailing bytes"].concat()];
        cases.extend((0..z.len()).map(|cut| z[..cut].to_vec()));
        for at in 0..z.len() {
            for bit in [0x01, 0x10, 0x80] {
                let mut c = z.clone();
                c[at] ^= bit;
                cases.push(c);
            }
        }
        let (mut held_decoder, mut decoder) =
            (super::Decoders::default(), super::Decoders::default());
        let (mut held, mut refused) = (0, 0);
        for c in &cases {
            match (
                super::check_stream(c, true, &mut held_decoder),
                super::check_stream(c, false, &mut decoder),
            ) {
                (Ok(Some(bytes)), Ok(None)) => {
                    let mut whole = Vec::new();
                    flate2::read::ZlibDecoder::new(c.as_slice())
                        .read_to_end(&mut whole)
                        .expect("the streaming check passed it");
                    assert_eq!(bytes, whole);
                    held += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a, b);
                    refused += 1;
                }
                other => panic!("held and streamed disagree: {other:?}"),
            }
        }
        // Both verdicts came up, the clean stream held whole.
        assert!(
            held >= 2 && refused > z.len(),
            "{held} held, {refused} refused"
        );
        assert_eq!(
            super::check_stream(&z, true, &mut held_decoder),
            Ok(Some(content))
        );
        // Larger than is held: checked, not kept.
        let big = zlib(&vec![b' '; super::KEEP_CONTENT as usize + 1]);
        assert_eq!(super::check_stream(&big, true, &mut held_decoder), Ok(None));
    }

    /// The probe keeps, per page, how many saved graphics states its content leaves
    /// open (the stamp closes them before it draws).
    #[test]
    fn each_page_keeps_the_saved_states_it_leaves_open() {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let contents: [&[u8]; 3] = [
            b"q q 0.5 0 0 0.5 0 0 cm 0 0 10 10 re f Q",
            b"q 1 0 0 1 5 5 cm Q",
            b"q q q (Q) Tj % Q\n",
        ];
        let kids: Vec<Object> = contents
            .iter()
            .map(|c| {
                let content = doc.add_object(Stream::new(dictionary! {}, c.to_vec()));
                Object::Reference(doc.add_object(dictionary! {
                    "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                    "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
                }))
            })
            .collect();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 3 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("save");
        let probe = super::probe_pdf("states.pdf", &bytes, None).expect("probe");
        assert_eq!(probe.open_saves, [1, 0, 3]);
    }
}
