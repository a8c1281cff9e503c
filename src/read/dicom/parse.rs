//! DICOM header parsing: a file's bytes turn into its top-level header elements (and the
//! items of the sequences it needs), stopping before pixel data and other bulk data,
//! whose bytes are never looked at beyond their declared length.

/// A data element's tag: (group, element).
pub type Tag = (u16, u16);

pub const TRANSFER_SYNTAX: Tag = (0x0002, 0x0010);
pub const CHARSET: Tag = (0x0008, 0x0005);
pub const SOP_CLASS: Tag = (0x0008, 0x0016);
pub const STUDY_DATE: Tag = (0x0008, 0x0020);
pub const ACCESSION: Tag = (0x0008, 0x0050);
pub const MODALITY: Tag = (0x0008, 0x0060);
pub const INSTITUTION: Tag = (0x0008, 0x0080);
pub const REFERRING: Tag = (0x0008, 0x0090);
pub const STUDY_DESCRIPTION: Tag = (0x0008, 0x1030);
pub const PATIENT_NAME: Tag = (0x0010, 0x0010);
pub const PATIENT_ID: Tag = (0x0010, 0x0020);
pub const BIRTH_DATE: Tag = (0x0010, 0x0030);
pub const BODY_PART: Tag = (0x0018, 0x0015);
pub const STUDY_UID: Tag = (0x0020, 0x000D);
pub const SERIES_UID: Tag = (0x0020, 0x000E);
pub const RECORD_SEQUENCE: Tag = (0x0004, 0x1220);
pub const RECORD_TYPE: Tag = (0x0004, 0x1430);
pub const REFERENCED_FILE: Tag = (0x0004, 0x1500);
pub const DOCUMENT: Tag = (0x0042, 0x0011);
pub const DOCUMENT_MIME: Tag = (0x0042, 0x0012);
pub const PIXEL_DATA: Tag = (0x7FE0, 0x0010);

const ITEM: Tag = (0xFFFE, 0xE000);
const ITEM_END: Tag = (0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = (0xFFFE, 0xE0DD);
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Implicit VR little endian, the default transfer syntax (old discs write it).
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";

/// Whether reading stops at this tag: pixel data and the bulk data that comes with or
/// after it (multi-frame functional groups, waveforms, overlays, trailing padding).
pub fn is_bulk(tag: Tag) -> bool {
    tag.0 >= 0x5200
}

/// One element's value: its bytes (a range of the file) or a sequence's items.
#[derive(Debug, Clone)]
pub enum Value {
    Bytes(std::ops::Range<usize>),
    Items(Vec<Vec<Element>>),
}

#[derive(Debug, Clone)]
pub struct Element {
    pub tag: Tag,
    pub value: Value,
}

/// A file's header as parsed.
#[derive(Debug, Default)]
pub struct Header {
    /// Whether the file has the 128-byte preamble and `DICM`.
    pub preamble: bool,
    pub transfer_syntax: Option<String>,
    /// The Media Storage SOP Class UID of the file meta information (0002,0002).
    pub media_class: Option<String>,
    pub elements: Vec<Element>,
    /// The declared length of the pixel data, when the header reaches it.
    pub pixel_length: Option<u32>,
    /// Whether reading stopped at bulk data (rather than at the end of the bytes).
    pub reached_bulk: bool,
}

/// Why a file is not a readable DICOM header.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    explicit: bool,
}

impl Cursor<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads an element's tag, VR (explicit) and length; the cursor moves to the value.
    fn head(&mut self) -> Result<(Tag, [u8; 2], u32), Malformed> {
        let at = self.pos;
        let truncated = || {
            Malformed(format!(
                "truncated: the file ends inside the element header at byte {at}"
            ))
        };
        let tag = (
            self.u16(at).ok_or_else(truncated)?,
            self.u16(at + 2).ok_or_else(truncated)?,
        );
        if tag.0 == 0xFFFE || !self.explicit {
            let len = self.u32(at + 4).ok_or_else(truncated)?;
            self.pos = at + 8;
            return Ok((tag, *b"  ", len));
        }
        let vr = self.bytes.get(at + 4..at + 6).ok_or_else(truncated)?;
        let vr = [vr[0], vr[1]];
        if !vr.iter().all(u8::is_ascii_uppercase) {
            return Err(Malformed(format!(
                "not conformant: element ({:04X},{:04X}) at byte {at} has no value representation",
                tag.0, tag.1
            )));
        }
        let long = matches!(
            &vr,
            b"OB"
                | b"OW"
                | b"OF"
                | b"OD"
                | b"OL"
                | b"OV"
                | b"SQ"
                | b"UC"
                | b"UN"
                | b"UR"
                | b"UT"
                | b"SV"
                | b"UV"
        );
        if long {
            let len = self.u32(at + 8).ok_or_else(truncated)?;
            self.pos = at + 12;
            Ok((tag, vr, len))
        } else {
            let len = self.u16(at + 6).ok_or_else(truncated)? as u32;
            self.pos = at + 8;
            Ok((tag, vr, len))
        }
    }

    /// Elements until `end` (a byte offset) or, with `until_delimiter`, the item end.
    /// Stops before bulk data at the top level (`top`).
    fn elements(
        &mut self,
        end: usize,
        top: bool,
        pixel: &mut Option<u32>,
        depth: u32,
    ) -> Result<Vec<Element>, Malformed> {
        if depth > 16 {
            return Err(Malformed(
                "not conformant: sequences nested too deeply".into(),
            ));
        }
        let mut out = Vec::new();
        while self.pos < end {
            let at = self.pos;
            let (tag, vr, len) = self.head()?;
            if tag == ITEM_END {
                break;
            }
            if top && is_bulk(tag) {
                if tag == PIXEL_DATA && len != UNDEFINED {
                    *pixel = Some(len);
                    let left = self.bytes.len() - self.pos;
                    if (len as usize) > left {
                        return Err(Malformed(format!(
                            "truncated: the pixel data declares {len} bytes but only {left} follow"
                        )));
                    }
                }
                self.pos = at;
                break;
            }
            let sequence =
                &vr == b"SQ" || (tag == RECORD_SEQUENCE) || (!self.explicit && len == UNDEFINED);
            if sequence {
                let items = self.items(len, pixel, depth)?;
                out.push(Element {
                    tag,
                    value: Value::Items(items),
                });
                continue;
            }
            if len == UNDEFINED {
                // Encapsulated bulk data (fragments) outside the pixel data: skipped.
                self.skip_fragments()?;
                continue;
            }
            let stop = self.pos + len as usize;
            if stop > self.bytes.len() {
                return Err(Malformed(format!(
                    "truncated: element ({:04X},{:04X}) at byte {at} declares {len} bytes but only {} follow",
                    tag.0,
                    tag.1,
                    self.bytes.len() - self.pos
                )));
            }
            out.push(Element {
                tag,
                value: Value::Bytes(self.pos..stop),
            });
            self.pos = stop;
        }
        Ok(out)
    }

    fn items(
        &mut self,
        len: u32,
        pixel: &mut Option<u32>,
        depth: u32,
    ) -> Result<Vec<Vec<Element>>, Malformed> {
        let end = if len == UNDEFINED {
            self.bytes.len()
        } else {
            let e = self.pos + len as usize;
            if e > self.bytes.len() {
                return Err(Malformed(format!(
                    "truncated: a sequence at byte {} declares {len} bytes but the file ends sooner",
                    self.pos
                )));
            }
            e
        };
        let mut items = Vec::new();
        while self.pos < end {
            let (tag, _, ilen) = self.head()?;
            if tag == SEQUENCE_END {
                break;
            }
            if tag != ITEM {
                return Err(Malformed(format!(
                    "not conformant: a sequence holds ({:04X},{:04X}) where an item belongs",
                    tag.0, tag.1
                )));
            }
            let iend = if ilen == UNDEFINED {
                end
            } else {
                self.pos + ilen as usize
            };
            if iend > self.bytes.len() {
                return Err(Malformed(
                    "truncated: the file ends inside a sequence item".into(),
                ));
            }
            items.push(self.elements(iend, false, pixel, depth + 1)?);
        }
        Ok(items)
    }

    fn skip_fragments(&mut self) -> Result<(), Malformed> {
        loop {
            let (tag, _, len) = self.head()?;
            if tag == SEQUENCE_END {
                return Ok(());
            }
            let stop = self.pos + len as usize;
            if len == UNDEFINED || stop > self.bytes.len() {
                return Err(Malformed(
                    "truncated: the file ends inside encapsulated data".into(),
                ));
            }
            self.pos = stop;
        }
    }
}

/// Whether the bytes start like a DICOM file: `DICM` after the 128-byte preamble.
pub fn has_preamble(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM")
}

/// Whether bytes without the preamble look like an implicit VR little endian data set (as
/// old discs write them): a first element of group 0008 with a short, fitting length, and
/// a second element of a higher tag.
pub fn looks_implicit(bytes: &[u8]) -> bool {
    let c = Cursor {
        bytes,
        pos: 0,
        explicit: false,
    };
    let (Some(g), Some(e), Some(len)) = (c.u16(0), c.u16(2), c.u32(4)) else {
        return false;
    };
    if g != 0x0008 || len > 1024 || 8 + len as usize + 8 > bytes.len() {
        return false;
    }
    let next = 8 + len as usize;
    match (c.u16(next), c.u16(next + 2)) {
        (Some(g2), Some(e2)) => (g2, e2) > (g, e) && g2 <= 0x0010 + 0x0100,
        _ => false,
    }
}

/// Parses the header: the file meta group (explicit VR little endian) after the preamble,
/// then the data set in its transfer syntax, up to the first bulk data.
pub fn header(bytes: &[u8]) -> Result<Header, Malformed> {
    let mut h = Header::default();
    let mut pos = 0;
    if has_preamble(bytes) {
        h.preamble = true;
        pos = 132;
        let mut meta = Cursor {
            bytes,
            pos,
            explicit: true,
        };
        while meta.u16(meta.pos) == Some(0x0002) {
            let at = meta.pos;
            let (tag, _, len) = meta.head()?;
            let stop = meta.pos + len as usize;
            if len == UNDEFINED || stop > bytes.len() {
                return Err(Malformed(format!(
                    "truncated: the file meta information ends at byte {at}"
                )));
            }
            if tag == TRANSFER_SYNTAX {
                h.transfer_syntax = Some(ascii(&bytes[meta.pos..stop]));
            } else if tag == (0x0002, 0x0002) {
                h.media_class = Some(ascii(&bytes[meta.pos..stop]));
            }
            meta.pos = stop;
        }
        pos = meta.pos;
    }
    let explicit = match h.transfer_syntax.as_deref() {
        None => bytes
            .get(pos + 4..pos + 6)
            .is_some_and(|vr| vr.iter().all(u8::is_ascii_uppercase)),
        Some(IMPLICIT_LE) => false,
        Some("1.2.840.10008.1.2.2") => {
            return Err(Malformed(
                "not supported: explicit VR big endian (a retired transfer syntax)".into(),
            ))
        }
        Some("1.2.840.10008.1.2.1.99") => {
            return Err(Malformed("not supported: a deflated data set".into()))
        }
        Some(_) => true,
    };
    let mut c = Cursor {
        bytes,
        pos,
        explicit,
    };
    let mut pixel = None;
    h.elements = c.elements(bytes.len(), true, &mut pixel, 0)?;
    h.pixel_length = pixel;
    h.reached_bulk = c.pos < bytes.len();
    Ok(h)
}

/// A value's bytes as ASCII text, trailing padding (space, NUL) removed.
pub fn ascii(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches(['\0', ' '])
        .trim_start()
        .to_string()
}

impl Header {
    pub fn get(&self, tag: Tag) -> Option<&Element> {
        find(&self.elements, tag)
    }
}

pub fn find(elements: &[Element], tag: Tag) -> Option<&Element> {
    elements.iter().find(|e| e.tag == tag)
}

/// The bytes of an element's value (none for a sequence).
pub fn bytes_of<'a>(bytes: &'a [u8], e: Option<&Element>) -> Option<&'a [u8]> {
    match e.map(|e| &e.value) {
        Some(Value::Bytes(r)) => bytes.get(r.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One explicit VR little endian element with a short length.
    fn short(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&tag.0.to_le_bytes());
        v.extend_from_slice(&tag.1.to_le_bytes());
        v.extend_from_slice(vr);
        v.extend_from_slice(&(value.len() as u16).to_le_bytes());
        v.extend_from_slice(value);
        v
    }

    #[test]
    fn reading_stops_at_50_mb_of_pixel_data_without_looking_at_it() {
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM");
        bytes.extend(short(TRANSFER_SYNTAX, b"UI", b"1.2.840.10008.1.2.1\0"));
        bytes.extend(short(STUDY_UID, b"UI", b"2.25.1"));
        let pixels = 50 * 1024 * 1024;
        bytes.extend_from_slice(&PIXEL_DATA.0.to_le_bytes());
        bytes.extend_from_slice(&PIXEL_DATA.1.to_le_bytes());
        bytes.extend_from_slice(b"OW\0\0");
        bytes.extend_from_slice(&(pixels as u32).to_le_bytes());
        let header_end = bytes.len();
        // Bytes that are no data elements at all: parsed, they would be an error.
        bytes.resize(header_end + pixels, 0xFF);
        let h = header(&bytes).expect("header");
        assert_eq!(h.pixel_length, Some(pixels as u32));
        assert!(h.reached_bulk);
        assert_eq!(h.elements.len(), 1);
        assert!(h
            .elements
            .iter()
            .all(|e| matches!(&e.value, Value::Bytes(r) if r.end <= header_end)));
    }

    #[test]
    fn pixel_data_cut_short_is_truncated() {
        let mut bytes = short(STUDY_UID, b"UI", b"2.25.1");
        bytes.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        bytes.extend_from_slice(b"OW\0\0");
        bytes.extend_from_slice(&1000u32.to_le_bytes());
        bytes.extend_from_slice(&[0; 10]);
        let err = header(&bytes).expect_err("truncated");
        assert!(err.0.contains("truncated"), "{}", err.0);
    }

    #[test]
    fn implicit_sequences_of_undefined_length_hold_their_items() {
        let mut bytes = Vec::new();
        let el = |tag: Tag, value: &[u8]| {
            let mut v = Vec::new();
            v.extend_from_slice(&tag.0.to_le_bytes());
            v.extend_from_slice(&tag.1.to_le_bytes());
            v.extend_from_slice(&(value.len() as u32).to_le_bytes());
            v.extend_from_slice(value);
            v
        };
        bytes.extend_from_slice(&[0x04, 0x00, 0x20, 0x12, 0xFF, 0xFF, 0xFF, 0xFF]);
        for name in [&b"A\\IM1 "[..], &b"A\\IM2 "[..]] {
            bytes.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
            bytes.extend(el(REFERENCED_FILE, name));
            bytes.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        }
        bytes.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        bytes.extend(el((0x0008, 0x0016), b"1.2.840.10008.1.3.10"));
        bytes.extend(el(STUDY_UID, b"2.25.7"));
        let h = header(&bytes).expect("header");
        let Some(Element {
            value: Value::Items(items),
            ..
        }) = h.get(RECORD_SEQUENCE)
        else {
            panic!("no record sequence: {:?}", h.elements);
        };
        assert_eq!(items.len(), 2);
        let second = bytes_of(&bytes, find(&items[1], REFERENCED_FILE)).expect("file id");
        assert_eq!(ascii(second), "A\\IM2");
        // The element after the sequence is read too.
        assert!(h.get(STUDY_UID).is_some());
    }
}
