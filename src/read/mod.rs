//! Read: a records folder turns into an `Inventory` — the walk and the one list of
//! readers (scan), the reader interface, one folder per format (pdf, image, text, cda,
//! portal ZIPs), OCR of scanned pages, and the cache of what was learned about each
//! file. Each file is typed through the pipeline's hook while its text is at hand, so
//! no document's text is held afterwards; reading itself names no later stage.

pub mod cache;
pub mod cda;
pub mod dicom;
pub mod fhir;
pub mod identity;
pub mod image;
pub mod imaging;
pub mod inventory;
pub mod ocr;
pub mod pdf;
pub mod portal;
pub mod reader;
pub mod scan;
pub mod text;
pub mod typing;
pub mod words;

// The paths the later stages name (the modules live in their format's folder).
pub use image::{convert as images, gray, jpeg};
pub use pdf::{complete, extent, pagetext, sanitize};
pub use portal as zipin;

/// What a file was read into, by the paths the later stages name.
pub mod ingest {
    pub use super::pdf::{load_pdf, reachable_from_pages, PdfLoadError, TEXT_PAGES};
    pub use super::reader::{extension, Format, ImageInfo, Probe};
}
