//! The text reader: a plain-text file's bytes (UTF-8, by name: text has no signature)
//! turn into its text, to be set in type, or a [`Problem`] with the fix.

use crate::base::error::Problem;
use crate::read::reader::{Format, Input, Probe, Reader, Readers};

/// A text file larger than this is refused (it is not a clinical document).
const TEXT_FILE_LIMIT: usize = 2 * 1024 * 1024;

/// Plain-text documents (by name: text has no signature), set in type.
pub struct TextReader;
impl Reader for TextReader {
    fn format(&self) -> Format {
        Format::Text
    }
    fn sniff(&self, _bytes: &[u8], ext: &str) -> bool {
        matches!(ext, "txt" | "md" | "text" | "markdown")
    }
    fn probe(&self, input: Input<'_>, _: &Readers) -> Result<Probe, Problem> {
        probe_text(input.rel, input.bytes)
    }
    fn cached(&self) -> bool {
        false
    }
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
