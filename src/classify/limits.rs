//! Limits: the fixed sizes classification keeps to (evidence and title lengths, how many
//! notes are kept, how far a table column reaches) turn into constants its files share.

/// The rules shipped with medpacket.
pub(super) const BUILTIN_RULES: &str = include_str!("../../templates/classify.toml");
/// Longest [`Evidence::matched`](crate::base::classified::Evidence::matched), in characters.
pub(super) const MAX_MATCHED_CHARS: usize = 120;
/// Longest title taken from a text line, in characters.
pub(super) const MAX_TITLE_CHARS: usize = 80;
/// How many keywords of the winning kind are kept as evidence.
pub(super) const MAX_KIND_EVIDENCE: usize = 5;
/// How many "set aside" notes (evidence that did not count) are kept as evidence.
pub(super) const MAX_SET_ASIDE_EVIDENCE: usize = 3;
/// A body keyword is a section header when its column holds at most this many other words.
pub(super) const HEADER_EXTRA_WORDS: usize = 2;
/// How many lines under a table header are searched for a date in the label's column.
pub(super) const COLUMN_ROWS: usize = 3;
/// How far (in characters) a date may start from its column header's start.
pub(super) const COLUMN_SLACK: usize = 2;
