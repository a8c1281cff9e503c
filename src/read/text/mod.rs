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
    // UTF-16 with its byte-order mark is what Windows Notepad saves as "Unicode".
    let decoded;
    let text = match crate::base::utf16::units(bytes) {
        Some((units, odd)) => {
            decoded = (!odd)
                .then(|| String::from_utf16(&units).ok())
                .flatten()
                .ok_or_else(|| {
                    Problem::new(
                        rel,
                        "text file is marked as UTF-16 but is not valid UTF-16",
                        "open it in a text editor and save it again with UTF-8 encoding",
                    )
                })?;
            decoded.as_str()
        }
        None => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(bytes).map_err(|_| {
                Problem::new(
                    rel,
                    "text file is not UTF-8",
                    "open it in a text editor and save it with UTF-8 encoding",
                )
            })?
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_its_mark_is_read_and_other_encodings_are_named() {
        let words = "MEDICATION LIST\r\nAspirin 81 mg — daily\r\nÑandú";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(words.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(words.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [&le, &be] {
            let p = probe_text("meds.txt", bytes).expect("read");
            assert_eq!(
                p.text.as_deref(),
                Some("MEDICATION LIST\nAspirin 81 mg — daily\nÑandú")
            );
        }
        // Cut in the middle of a unit, or a lone surrogate: named, not guessed at.
        let odd = &le[..le.len() - 1];
        let lone = [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00];
        for bytes in [odd, &lone[..]] {
            let e = probe_text("meds.txt", bytes).expect_err("not UTF-16");
            assert!(e.to_string().contains("not valid UTF-16"), "{e}");
        }
        // Latin-1 without a mark is still refused with the fix.
        let e = probe_text("meds.txt", b"Aspirin \xe9t\xe9").expect_err("latin-1");
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }
}
