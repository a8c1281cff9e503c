//! Reclassify: a file classified again with the text OCR read from its scanned pages.

use crate::base::classified::{Overrides, Source};
use crate::base::config::PacketConfig;
use crate::base::identifiers;
use crate::read::inventory::SourceFile;
use crate::read::ocr;
use crate::read::pdf::TEXT_PAGES;
use crate::read::typing::Typing;

/// Classifies a file again with the text OCR read on its first pages, and keeps what was
/// read for the packet. Evidence found in that text is marked as coming from OCR.
pub(super) fn reclassify(
    f: &mut SourceFile,
    config: Option<&PacketConfig>,
    typing: &dyn Typing,
    result: ocr::FileOcr,
) {
    let read = result.leading_text(TEXT_PAGES);
    if !read.trim().is_empty() {
        let own = f.text.take().filter(|t| !t.trim().is_empty());
        let text = match &own {
            Some(t) => format!("{t}\n\n{read}"),
            None => read.clone(),
        };
        let entry = config.and_then(|c| c.document(&f.rel));
        let overrides = Overrides {
            kind: entry.and_then(|e| e.kind),
            date: entry.and_then(|e| e.date),
            title: entry.and_then(|e| e.title.clone()),
        };
        let mut c = typing.classify(&f.rel, Some(&text), &overrides);
        for e in &mut c.evidence {
            if e.source != Source::Text {
                continue;
            }
            let probe: String = e.matched.chars().take(40).collect();
            let in_own = own.as_deref().is_some_and(|t| {
                t.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(&probe)
            });
            if !in_own {
                e.source = Source::Ocr;
            }
        }
        c.title = identifiers::mask(&c.title);
        for e in &mut c.evidence {
            e.matched = identifiers::mask(&e.matched);
        }
        f.classified = c;
    }
    // Identifiers in the text read from scans, by page, as in a text layer.
    for (i, page) in result.pages.iter().enumerate() {
        if let Some(page) = page {
            f.identifiers
                .extend(identifiers::find(i as u32 + 1, &page.text));
        }
    }
    f.ocr = Some(std::sync::Arc::new(result));
}
