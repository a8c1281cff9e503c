//! Sanitize: the parts of an incoming PDF that could act inside the doctor's PDF viewer —
//! scripts, actions run on opening or on events, launch and form-submission actions,
//! links to outside targets, embedded files and attachments, XFA forms — are named here,
//! so that scan can report them and assemble can leave them out. Visible page content is
//! never touched.

use crate::base::pdf::Lookup;
use lopdf::{Dictionary, Document, Object};
use std::collections::BTreeSet;

/// Actions that run code, open other files or send data.
const DANGEROUS_ACTIONS: [(&[u8], &str); 10] = [
    (b"JavaScript", "JavaScript"),
    (b"Launch", "an action that launches a program or file"),
    (b"SubmitForm", "a form-submission action"),
    (b"ImportData", "a data-import action"),
    (b"GoToR", "a link to another PDF file"),
    (b"GoToE", "a link into an embedded file"),
    (b"URI", "a link to a web address"),
    (b"Rendition", "a multimedia action"),
    (b"Sound", "a sound action"),
    (b"Movie", "a movie action"),
];

/// Annotations that carry files or active media.
const DANGEROUS_ANNOTS: [(&[u8], &str); 6] = [
    (b"FileAttachment", "a file attachment"),
    (b"RichMedia", "rich media (Flash or video)"),
    (b"Movie", "a movie"),
    (b"Sound", "a sound"),
    (b"Screen", "a media screen"),
    (b"3D", "a 3D model"),
];

fn name_of<'a>(d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    d.lookup(key).and_then(|o| o.as_name().ok())
}

/// What a dictionary is, if it is an action medpacket removes.
pub fn dangerous_action(d: &Dictionary) -> Option<&'static str> {
    let s = name_of(d, b"S")?;
    DANGEROUS_ACTIONS
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, what)| *what)
}

/// What an annotation is, if medpacket removes it whole.
pub fn dangerous_annotation(d: &Dictionary) -> Option<&'static str> {
    let sub = name_of(d, b"Subtype")?;
    DANGEROUS_ANNOTS
        .iter()
        .find(|(n, _)| *n == sub)
        .map(|(_, what)| *what)
}

/// Keys that are always left out: additional actions, scripts, associated and embedded
/// files.
pub fn is_dropped_key(key: &[u8]) -> bool {
    matches!(key, b"AA" | b"JS" | b"AF" | b"EF" | b"RichMediaContent")
}

/// True when a dictionary is something the packet never carries: a dangerous action, an
/// attachment or media annotation, or an embedded file.
pub fn is_active(d: &Dictionary) -> bool {
    // One pass over the keys rather than three hashed lookups: every dictionary copied
    // into the packet is asked, and most hold a handful of keys.
    let (mut action, mut annot, mut kind) = (None, None, None);
    for (k, v) in d.iter() {
        match k.as_slice() {
            b"S" => action = v.as_name().ok(),
            b"Subtype" => annot = v.as_name().ok(),
            b"Type" => kind = v.as_name().ok(),
            _ => {}
        }
    }
    action.is_some_and(|s| DANGEROUS_ACTIONS.iter().any(|(n, _)| *n == s))
        || annot.is_some_and(|s| DANGEROUS_ANNOTS.iter().any(|(n, _)| *n == s))
        || kind == Some(b"EmbeddedFile")
}

/// Whether anything active is left in an object about to be written (its own
/// dictionaries and arrays; references are checked when their objects are written).
pub fn still_active(o: &Object) -> bool {
    match o {
        Object::Dictionary(d) => dict_still_active(d),
        Object::Stream(s) => dict_still_active(&s.dict),
        Object::Array(a) => a.iter().any(still_active),
        _ => false,
    }
}

/// [`still_active`] for a dictionary.
pub fn dict_still_active(d: &Dictionary) -> bool {
    is_active(d) || d.iter().any(|(k, v)| is_dropped_key(k) || still_active(v))
}

/// True for dictionary keys whose values are actions (followed to check them).
pub fn is_action_key(key: &[u8]) -> bool {
    matches!(key, b"A" | b"Next" | b"OpenAction" | b"PA")
}

fn deref<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..32 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}

/// Whether a document's /OpenAction could do anything beyond showing a page: a
/// destination (an array, a name or a string) or a GoTo action only shows a page or a view
/// and is harmless; any other action, or a GoTo whose /Next chain holds one, could act.
/// What cannot be read is treated as acting.
pub fn open_action_acts(doc: &Document, open: &Object) -> bool {
    let mut pending = vec![(open, 0usize)];
    let mut seen = 0usize;
    while let Some((o, depth)) = pending.pop() {
        seen += 1;
        if depth > 32 || seen > 1000 {
            return true;
        }
        let Some(o) = deref(doc, o) else {
            // A dangling reference: nothing runs.
            continue;
        };
        let d = match o {
            Object::Array(_) | Object::Name(_) | Object::String(..) | Object::Null => continue,
            Object::Dictionary(d) => d,
            _ => return true,
        };
        if name_of(d, b"S") != Some(b"GoTo") || d.has(b"AA") || d.has(b"JS") {
            return true;
        }
        match d.lookup(b"Next").and_then(|n| deref(doc, n)) {
            Some(Object::Array(a)) => pending.extend(a.iter().map(|x| (x, depth + 1))),
            Some(next @ Object::Dictionary(_)) => pending.push((next, depth + 1)),
            _ => {}
        }
    }
    false
}

/// Everything active in a document that the packet will not carry, by description.
/// `reachable` are the objects the pages use (see `super::reachable_from_pages`).
pub fn active_content(doc: &Document, reachable: &[lopdf::ObjectId]) -> Vec<String> {
    let mut found = BTreeSet::new();
    if let Ok(cat) = doc.catalog() {
        if let Some(open) = cat.lookup(b"OpenAction") {
            if open_action_acts(doc, open) {
                found.insert("an action run when the document opens".to_string());
            }
        }
        if cat.has(b"AA") {
            found.insert("document-level actions (AA)".to_string());
        }
        let names = cat
            .lookup(b"Names")
            .and_then(|n| deref(doc, n))
            .and_then(|n| n.as_dict().ok());
        if names.is_some_and(|n| n.has(b"JavaScript")) {
            found.insert("JavaScript".to_string());
        }
        if names.is_some_and(|n| n.has(b"EmbeddedFiles")) {
            found.insert("embedded files".to_string());
        }
        let form = cat
            .lookup(b"AcroForm")
            .and_then(|n| deref(doc, n))
            .and_then(|n| n.as_dict().ok());
        if form.is_some_and(|f| f.has(b"XFA")) {
            found.insert("an XFA form".to_string());
        }
    }
    for &id in reachable {
        let d = match doc.get_object(id) {
            Ok(Object::Dictionary(d)) => d,
            Ok(Object::Stream(s)) => &s.dict,
            _ => continue,
        };
        scan_dict(d, &mut found, 0);
    }
    found.into_iter().collect()
}

fn scan_dict(d: &Dictionary, found: &mut BTreeSet<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    if d.has(b"AA") {
        found.insert("actions run on page or form events (AA)".to_string());
    }
    if let Some(what) = dangerous_action(d) {
        found.insert(what.to_string());
    }
    if let Some(what) = dangerous_annotation(d) {
        found.insert(what.to_string());
    }
    if name_of(d, b"Type") == Some(b"EmbeddedFile") {
        found.insert("an embedded file".to_string());
    }
    // Direct (not referenced) dictionaries inside this one, e.g. an inline /A action.
    for (_, v) in d.iter() {
        match v {
            Object::Dictionary(inner) => scan_dict(inner, found, depth + 1),
            Object::Array(a) => {
                for o in a {
                    if let Object::Dictionary(inner) = o {
                        scan_dict(inner, found, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn actions_and_annotations_are_named() {
        let cases: [(Dictionary, Option<&str>); 5] = [
            (
                dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") },
                Some("JavaScript"),
            ),
            (
                dictionary! { "S" => "Launch" },
                Some("an action that launches a program or file"),
            ),
            (
                dictionary! { "S" => "URI", "URI" => Object::string_literal("https://example.org") },
                Some("a link to a web address"),
            ),
            (
                dictionary! { "S" => "GoTo", "D" => vec![Object::Integer(0)] },
                None,
            ),
            (dictionary! { "Type" => "Annot", "Subtype" => "Link" }, None),
        ];
        for (d, want) in cases {
            assert_eq!(dangerous_action(&d), want);
        }
        let att = dictionary! { "Type" => "Annot", "Subtype" => "FileAttachment" };
        assert_eq!(dangerous_annotation(&att), Some("a file attachment"));
        assert!(is_action_key(b"OpenAction") && !is_action_key(b"Dest"));
    }

    #[test]
    fn view_only_open_actions_do_not_act() {
        let doc = Document::with_version("1.5");
        let dest = Object::Array(vec![Object::Integer(0), Object::Name(b"Fit".to_vec())]);
        let goto = Object::Dictionary(dictionary! { "S" => "GoTo", "D" => dest.clone() });
        let js =
            dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") };
        let chained = Object::Dictionary(
            dictionary! { "S" => "GoTo", "D" => dest.clone(), "Next" => js.clone() },
        );
        let named = Object::Dictionary(dictionary! { "S" => "Named", "N" => "Print" });
        let cases = [
            (dest, false),
            (goto, false),
            (Object::string_literal("chapter1"), false),
            (Object::Dictionary(js), true),
            (chained, true),
            (named, true),
        ];
        for (o, want) in cases {
            assert_eq!(open_action_acts(&doc, &o), want, "{o:?}");
        }
    }
}
