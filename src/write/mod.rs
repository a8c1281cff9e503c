//! Write: the plan, the generated pages and the source files turn into the packet —
//! pages copied and stamped (with the text layer of scanned pages, or fitted to Letter
//! portrait for a fax; their encoded pictures kept in the cache by content), the outline, the PDF writer and its encryption, the cover
//! letter, the ZIP bundle — and `emit`, the only code that writes files.

pub mod assemble;
pub mod bundle;
pub mod deliver;
pub mod emit;
pub mod fax;
pub mod faxsend;
pub mod flatten;
mod importer;
pub mod letter;
pub mod paint;
pub mod parts;
pub mod pdfwrite;
pub mod pictures;
mod prepare;
pub mod readahead;
pub mod recheck;
pub mod request;
mod serialize;
pub mod shrink;
pub mod stamp;
pub mod textlayer;
