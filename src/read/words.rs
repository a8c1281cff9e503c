//! What OCR reads, as data: the words of a scanned page with their boxes, the page's
//! text and upright turn, a file's pages — and whether scanned pages are read at all.
//! Types only, shared by the OCR engine, the inventory and the packet's text layer.

use serde::{Deserialize, Serialize};

/// A page that reads fewer words than this keeps the orientation it was stored in.
const MIN_WORDS_TO_TURN: usize = 3;

/// Whether scanned pages are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OcrMode {
    /// Read them when Tesseract is installed; otherwise say once what was not read.
    #[default]
    Auto,
    /// Read them; without Tesseract the command stops.
    Always,
    /// Never read them.
    Never,
}

/// One word read, in pixels of the upright page (origin top-left, y down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// Top and bottom of the word's line (the words of a line share a height).
    pub line_top: f32,
    pub line_bottom: f32,
}

/// What the engine read on one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// Width and height in pixels of the page once turned upright.
    pub width: u32,
    pub height: u32,
    /// Degrees clockwise the page image as stored must turn to be upright.
    pub rotate: u16,
    pub words: Vec<Word>,
    /// The words, one line of text per line read.
    pub text: String,
}

impl PageText {
    /// The clockwise turn that shows the page upright, when the engine read enough words
    /// to tell (otherwise the page keeps the orientation it was stored in).
    pub fn confident_turn(&self) -> Option<u16> {
        (self.words.len() >= MIN_WORDS_TO_TURN).then_some(self.rotate)
    }
}

/// What was read in one file: the engine, and each page's text (None: not a scanned page,
/// or not read).
#[derive(Debug, Clone, PartialEq)]
pub struct FileOcr {
    /// e.g. "tesseract 5.3.0".
    pub engine: String,
    pub pages: Vec<Option<PageText>>,
}

impl FileOcr {
    /// Page `n` (1-based), when it was read.
    pub fn page(&self, n: u32) -> Option<&PageText> {
        self.pages
            .get((n as usize).checked_sub(1)?)
            .and_then(Option::as_ref)
    }

    /// The text read on the first `n` pages.
    pub fn leading_text(&self, n: u32) -> String {
        (1..=n)
            .filter_map(|p| self.page(p))
            .map(|p| p.text.as_str())
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}
