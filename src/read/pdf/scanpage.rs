//! Scanned PDF pages: a page's content turns into whether it is a scan — no text of its
//! own (no text operators in its content or in the forms it draws) but an image drawn.
//! The PDF reader marks such pages, and OCR reads them.

use crate::base::pdf::Lookup;
use lopdf::{Document, Object, ObjectId};

/// True when a PDF page shows no text of its own (no text operators in its content or in
/// the forms it draws) but draws an image: a scan. `ops` is what [`operators`] found in
/// the page's content.
pub fn page_is_scanned(doc: &Document, page: ObjectId, ops: &Ops) -> bool {
    if ops.text {
        return false;
    }
    let mut image = ops.inline_image;
    let resources = page_resources(doc, page);
    let xobjects = resources
        .as_ref()
        .and_then(|r| r.lookup(b"XObject"))
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok());
    if let Some(xobjects) = xobjects {
        for (_, x) in xobjects.iter() {
            let Some(Object::Stream(s)) = deref(doc, x) else {
                continue;
            };
            match s.dict.lookup(b"Subtype").and_then(|o| o.as_name().ok()) {
                Some(b"Image") => image = true,
                Some(b"Form") => {
                    let fonts = s
                        .dict
                        .lookup(b"Resources")
                        .and_then(|o| deref(doc, o))
                        .and_then(|o| o.as_dict().ok())
                        .and_then(|r| r.lookup(b"Font"))
                        .and_then(|o| deref(doc, o))
                        .and_then(|o| o.as_dict().ok())
                        .is_some_and(|f| !f.is_empty());
                    let form = s
                        .decompressed_content()
                        .unwrap_or_else(|_| s.content.clone());
                    let form_ops = operators(&form);
                    if fonts || form_ops.text {
                        return false;
                    }
                    image |= form_ops.inline_image || form_ops.draws_xobject;
                }
                _ => {}
            }
        }
    }
    ops.inline_image || (image && ops.draws_xobject)
}

/// The page's resources, inherited from the page tree when the page has none.
fn page_resources(doc: &Document, page: ObjectId) -> Option<lopdf::Dictionary> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Some(r) = node
            .lookup(b"Resources")
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
        {
            return Some(r.clone());
        }
        node = node
            .lookup(b"Parent")
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())?;
    }
    None
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

/// What a content stream does, as far as telling scans apart and closing its saved
/// graphics states are concerned.
#[derive(Debug, Default, PartialEq)]
pub struct Ops {
    /// Shows text (Tj, TJ, ', ").
    text: bool,
    /// Draws an XObject (Do).
    draws_xobject: bool,
    /// Holds an inline image (BI … ID … EI).
    inline_image: bool,
    /// How many `q` (save) operators it leaves open at its end (as
    /// [`crate::base::pdf::unclosed_saves`] counts them).
    pub open_saves: usize,
}

/// Finds the operators that matter in a content stream (strings, comments and inline
/// image data skipped), in one pass.
pub fn operators(c: &[u8]) -> Ops {
    let mut ops = Ops::default();
    crate::base::pdf::for_each_operator(c, |op| match op {
        b"Tj" | b"TJ" | b"'" | b"\"" => ops.text = true,
        b"Do" => ops.draws_xobject = true,
        b"ID" => ops.inline_image = true,
        b"q" => ops.open_saves += 1,
        b"Q" => ops.open_saves = ops.open_saves.saturating_sub(1),
        _ => {}
    });
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_operators_are_found_outside_strings_and_images() {
        let cases: [(&[u8], Ops); 5] = [
            (
                b"q 612 0 0 792 0 0 cm /Im0 Do Q",
                Ops {
                    text: false,
                    draws_xobject: true,
                    inline_image: false,
                    open_saves: 0,
                },
            ),
            (
                b"BT /F1 12 Tf (Do) Tj ET",
                Ops {
                    text: true,
                    draws_xobject: false,
                    inline_image: false,
                    open_saves: 0,
                },
            ),
            (
                b"% Tj\nBI /W 2 /H 1 /BPC 8 /CS /G ID Tj\x00 EI",
                Ops {
                    text: false,
                    draws_xobject: false,
                    inline_image: true,
                    open_saves: 0,
                },
            ),
            (
                b"BT [(a) 10 (b)] TJ ET",
                Ops {
                    text: true,
                    draws_xobject: false,
                    inline_image: false,
                    open_saves: 0,
                },
            ),
            (b"(Tj) <546A>", Ops::default()),
        ];
        for (c, want) in cases {
            assert_eq!(operators(c), want, "{}", String::from_utf8_lossy(c));
        }
    }

    /// The one pass counts open saved states as `unclosed_saves` does, on hand-made and
    /// random streams (q and Q inside strings, comments and inline images included).
    #[test]
    fn open_saves_are_counted_as_unclosed_saves_counts_them() {
        let made: [&[u8]; 6] = [
            b"q q 1 0 0 1 0 0 cm Q",
            b"Q Q q",
            b"BT (q) Tj ET q % Q\n",
            b"q BI /W 1 /H 1 ID Q\x00 EI q",
            b"<51> q [(Q)] TJ",
            b"qQ q\tQ\nq",
        ];
        for c in made {
            assert_eq!(
                operators(c).open_saves,
                crate::base::pdf::unclosed_saves(c),
                "{}",
                String::from_utf8_lossy(c)
            );
        }
        let words: [&[u8]; 12] = [
            b"q", b"Q", b"(", b")", b"%", b"\n", b"ID", b"EI", b" ", b"<", b">", b"Tj",
        ];
        let mut next = crate::base::testing::xorshift(0x2545_f491_u32);
        let mut left_open = 0;
        for _ in 0..20_000 {
            let c = crate::base::testing::joined_pieces(&mut next, &words, 24);
            let open = operators(&c).open_saves;
            left_open += usize::from(open > 0);
            assert_eq!(
                open,
                crate::base::pdf::unclosed_saves(&c),
                "{}",
                String::from_utf8_lossy(&c)
            );
        }
        assert!(
            left_open > 1000,
            "{left_open} random streams leave a save open"
        );
    }
}
