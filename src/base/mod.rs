//! Shared leaves: small modules every stage may use and that use no stage — document
//! kinds, errors, the clock, packet.toml, the embedded font, page layout, date forms,
//! requirement profiles and the to-do list, languages, and PDF object helpers.

pub mod clinical;
pub mod clock;
pub mod config;
pub mod dates;
pub mod edit;
pub mod error;
pub mod fonts;
pub mod i18n;
pub mod kind;
pub mod layout;
pub mod pdf;
pub mod profiles;
pub mod size;
