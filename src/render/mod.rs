//! Render: the packet's generated parts turn into laid-out pages (`PageLayout`s) — one
//! file per page kind: cover, index, questions, medication list, typeset text files,
//! clinical documents (CDA).
//! Pure functions of their data; `plan` calls them to know each part's page count, and
//! `write::paint` paints the result.

pub mod cda;
pub mod cover;
pub mod index;
pub mod medications;
pub mod questions;
pub mod text;
