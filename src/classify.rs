//! Classify: a file name and its extracted text (plus packet.toml overrides) turn into a
//! kind, a clinical date and a title, with the evidence behind each.
