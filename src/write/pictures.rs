//! Pictures: the encoded picture of a scanned page (a PNG or TIFF page's pixels,
//! Flate-compressed into a PDF image) turns into a cache entry kept by the content of the
//! file it came from, and back, so a rebuild copies the encoded stream instead of decoding
//! and compressing millions of pixels again.
//!
//! The entry is keyed by the source's SHA-256 (checked against the file's bytes as they
//! are read for the build, before the entry is looked up), the page and whether the packet
//! is a fax (pictures turned grey). The cache's header carries a checksum of the value,
//! so a damaged entry is never used: it is ignored, the picture encoded again and the
//! entry written anew. Only dictionaries of names, numbers and arrays of them are kept;
//! any other picture is encoded each time.

use crate::base::pdf::Lookup;
use crate::read::cache::Cache;
use base64::Engine;
use lopdf::{Dictionary, Object, Stream};
use serde::{Deserialize, Serialize};

/// Cache kind of encoded pictures.
pub const PICTURE: &str = "picture";

/// One value of an image dictionary.
#[derive(Serialize, Deserialize)]
enum Value {
    Name(String),
    Int(i64),
    Ints(Vec<i64>),
}

/// An encoded picture as stored: its size as stored, its dictionary (in order) and its
/// stream's bytes (base64, as the cache holds JSON).
#[derive(Serialize, Deserialize)]
struct Stored {
    width: u32,
    height: u32,
    dict: Vec<(String, Value)>,
    compress: bool,
    data: String,
}

/// The key of page `page` (1-based) of the file whose checked bytes have SHA-256 `sha`.
pub fn key(sha: &str, page: u32, fax: bool) -> String {
    format!("{sha}:{page}:{}", if fax { "fax" } else { "colour" })
}

/// The picture kept under `key`: its stream and its stored size.
pub fn recall(cache: &Cache, key: &str) -> Option<(Stream, (u32, u32))> {
    let s: Stored = cache.get(PICTURE, key)?;
    let mut dict = Dictionary::new();
    for (k, v) in s.dict {
        let v = match v {
            Value::Name(n) => Object::Name(n.into_bytes()),
            Value::Int(i) => Object::Integer(i),
            Value::Ints(a) => Object::Array(a.into_iter().map(Object::Integer).collect()),
        };
        dict.set(k.into_bytes(), v);
    }
    let content = base64::engine::general_purpose::STANDARD
        .decode(s.data)
        .ok()?;
    // A value that does not describe its own bytes is not used.
    if dict.lookup(b"Length").and_then(|o| o.as_i64().ok()) != Some(content.len() as i64) {
        return None;
    }
    Some((
        Stream {
            dict,
            content,
            allows_compression: s.compress,
            start_position: None,
        },
        (s.width, s.height),
    ))
}

/// Keeps an encoded picture under `key` (when its dictionary is one this module stores).
/// However small the stream, reading it back costs less than decoding and compressing the
/// pixels it came from.
pub fn keep(cache: &Cache, key: &str, xobj: &Stream, stored: (u32, u32)) {
    if !cache.is_enabled() {
        return;
    }
    let mut dict = Vec::new();
    for (k, v) in xobj.dict.iter() {
        let v = match v {
            Object::Name(n) => match String::from_utf8(n.clone()) {
                Ok(n) => Value::Name(n),
                Err(_) => return,
            },
            Object::Integer(i) => Value::Int(*i),
            Object::Array(a) => {
                let mut ints = Vec::new();
                for o in a {
                    match o {
                        Object::Integer(i) => ints.push(*i),
                        _ => return,
                    }
                }
                Value::Ints(ints)
            }
            _ => return,
        };
        match String::from_utf8(k.clone()) {
            Ok(k) => dict.push((k, v)),
            Err(_) => return,
        }
    }
    let stored = Stored {
        width: stored.0,
        height: stored.1,
        dict,
        compress: xobj.allows_compression,
        data: base64::engine::general_purpose::STANDARD.encode(&xobj.content),
    };
    cache.put(PICTURE, key, &stored);
}

/// The picture under `key`, or the one `encode` makes (then kept for the next build).
pub fn recall_or<E>(
    cache: &Cache,
    key: &str,
    encode: impl FnOnce() -> Result<(Stream, (u32, u32)), E>,
) -> Result<(Stream, (u32, u32)), E> {
    if let Some(found) = recall(cache, key) {
        return Ok(found);
    }
    let made = encode()?;
    keep(cache, key, &made.0, made.1);
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Stream {
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"XObject".to_vec()));
        d.set("Width", 300);
        d.set("Decode", Object::Array(vec![1.into(), 0.into()]));
        d.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let content: Vec<u8> = (0..70_000u32).map(|i| (i * 7) as u8).collect();
        Stream::new(d, content)
    }

    #[test]
    fn a_kept_picture_comes_back_the_same() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::at(dir.path().join("cache"), &dir.path().join("records"));
        let p = picture();
        keep(&cache, "k", &p, (300, 200));
        let (back, stored) = recall(&cache, "k").expect("kept");
        assert_eq!(stored, (300, 200));
        assert_eq!(back.content, p.content);
        assert_eq!(back.allows_compression, p.allows_compression);
        let keys = |d: &Dictionary| {
            d.iter()
                .map(|(k, v)| (k.clone(), format!("{v:?}")))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&back.dict), keys(&p.dict));
    }

    #[test]
    fn a_damaged_entry_is_encoded_again() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::at(dir.path().join("cache"), &dir.path().join("records"));
        let p = picture();
        keep(&cache, "k", &p, (300, 200));
        // The run ends: its entries go to disk as a pack.
        cache.flush();
        drop(cache);
        let entry = walkdir::WalkDir::new(dir.path().join("cache"))
            .into_iter()
            .flatten()
            .find(|e| e.file_type().is_file())
            .expect("an entry was written");
        let mut bytes = std::fs::read(entry.path()).expect("read entry");
        // One character of the stored picture changed (a bit flipped on disk).
        let at = bytes.len() - 40;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(entry.path(), &bytes).expect("write entry");
        // The next run finds the damaged entry.
        let cache = Cache::at(dir.path().join("cache"), &dir.path().join("records"));
        assert!(
            recall(&cache, "k").is_none(),
            "a damaged entry must not be used"
        );
        let mut encoded = 0;
        let (again, _) = recall_or(&cache, "k", || {
            encoded += 1;
            Ok::<_, ()>((picture(), (300, 200)))
        })
        .expect("encoded");
        assert_eq!(encoded, 1, "the picture is encoded again");
        assert_eq!(again.content, p.content);
        cache.flush();
        drop(cache);
        let cache = Cache::at(dir.path().join("cache"), &dir.path().join("records"));
        assert!(recall(&cache, "k").is_some(), "and its entry written anew");
    }

    #[test]
    fn other_dictionaries_are_not_kept() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::at(dir.path().join("cache"), &dir.path().join("records"));
        let mut p = picture();
        p.dict
            .set("DecodeParms", Object::Dictionary(Dictionary::new()));
        keep(&cache, "k", &p, (300, 200));
        assert!(recall(&cache, "k").is_none());
    }
}
