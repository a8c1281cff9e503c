//! Read: a records folder turns into an `Inventory` — the walk, portal ZIPs, format
//! sniffing, the PDF, image and clinical-document (CDA) readers, OCR of scanned pages
//! (and the pictures' grey form for fax), and the damage and active-content checks.
//! Each file is classified as it is read, so no document's text is held afterwards.

pub mod cache;
pub mod cda;
pub mod complete;
pub mod extent;
pub mod fhir;
pub mod gray;
pub mod identity;
pub mod images;
pub mod ingest;
pub mod jpeg;
pub mod ocr;
pub mod pagetext;
pub mod reader;
pub mod sanitize;
pub mod scan;
pub mod zipin;
