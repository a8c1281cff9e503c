//! Shared leaves: small modules every stage may use and that use no stage — document
//! kinds, errors, the clock, packet.toml, the embedded font, page layout, date forms,
//! requirement profiles and the to-do list, languages, PDF object helpers, the data of
//! a classification, the C-CDA rules, the identifiers found on a page, and the code units
//! of UTF-16 text.

pub mod cdarules;
pub mod classified;
pub mod clinical;
pub mod clock;
pub mod config;
pub mod dates;
pub mod digest;
pub mod edit;
pub mod error;
pub mod fonts;
pub mod i18n;
pub mod identifiers;
pub mod kind;
pub mod layout;
pub mod ordered;
pub mod pdf;
pub mod profiles;
pub mod size;
#[cfg(test)]
pub mod testing;
pub mod utf16;
