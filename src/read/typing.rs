//! The typing hook: what the pipeline does with a file while the scan holds its text —
//! its kind, date and title decided (by `classify`) and, for a document set in type, its
//! pages laid out (by `render`) — turned into a trait the scan calls, so that reading
//! names neither stage. `lib.rs` implements it.
//!
//! The scan calls it inside its parallel pass, once per file, while the file's text is
//! at hand: no document's text is held after its file is read, and the decision is cached
//! with what was read (see ARCHITECTURE.md for why this is a hook and not a stage after
//! the scan).

use crate::base::classified::{Classified, Overrides};
use crate::base::clinical::{Cda, Header};
use chrono::NaiveDate;

/// A document the packet sets in type.
#[derive(Clone, Copy)]
pub enum Typeset<'a> {
    /// A text file's text.
    Text(&'a str),
    /// A clinical document's model.
    Clinical(&'a Cda),
}

/// Typing and typesetting, as the scan asks for them.
pub trait Typing: Sync {
    /// The kind, date and title of a file from its path, the text of its first pages (or
    /// None) and its packet.toml overrides.
    fn classify(&self, rel: &str, text: Option<&str>, overrides: &Overrides) -> Classified;

    /// The kind, date and title of a clinical document from its header and overrides.
    fn classify_clinical(&self, header: &Header, overrides: &Overrides) -> Classified;

    /// Why a clinical document's patient is not the packet's (`name`, `date_of_birth`),
    /// or None when they agree.
    fn other_patient(
        &self,
        header: &Header,
        name: &str,
        date_of_birth: Option<NaiveDate>,
    ) -> Option<String>;

    /// The text of each page of a document set in type on Letter paper under `title`
    /// (the plan lays it out again on the packet's paper), or None when it cannot be laid
    /// out.
    fn typeset(&self, rel: &str, title: &str, doc: Typeset<'_>) -> Option<Vec<String>>;

    /// False once a classification could not be made for real (its rules could not be
    /// read): what was classified then is not remembered for the next scan.
    fn sound(&self) -> bool {
        true
    }
}
