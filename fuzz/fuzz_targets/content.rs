//! Fuzz target: the content-stream scanner (read::pdf::ops) on arbitrary bytes. It must
//! never panic or hang, must read exactly what lopdf's `Content::decode` and
//! `decode_strict` read, and the footer's extent and the page text read through it must
//! not panic either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lopdf::content::{Content, Operation};
use medpacket::read::pdf::ops::{parses, to_object, Ops};

fuzz_target!(|data: &[u8]| {
    let mut ours: Vec<Operation> = Vec::new();
    let mut flaw = None;
    let mut ops = Ops::new(data);
    while let Some(r) = ops.next() {
        match r {
            Ok(op) => {
                // Every operand decodes without a panic.
                for o in op.operands {
                    std::hint::black_box((o.name(), o.string(), o.number(), o.items().count()));
                }
                ours.push(Operation::new(
                    &String::from_utf8_lossy(op.operator),
                    op.operands.iter().map(to_object).collect(),
                ))
            }
            Err(f) => {
                flaw = Some(f);
                break;
            }
        }
    }
    let same = |theirs: &[Operation]| {
        ours.len() == theirs.len()
            && ours
                .iter()
                .zip(theirs)
                .all(|(a, b)| a.operator == b.operator && a.operands == b.operands)
    };
    match Content::decode_strict(data) {
        Ok(c) => assert!(
            flaw.is_none() && same(&c.operations),
            "strict: {ours:?} {flaw:?}"
        ),
        Err(_) => assert!(flaw.is_some(), "lopdf refuses what we read whole"),
    }
    assert_eq!(parses(data), flaw.is_none());
    match Content::decode(data) {
        Ok(c) => assert!(
            !flaw.is_some_and(|f| f.hard) && same(&c.operations),
            "lenient: {ours:?} {flaw:?}"
        ),
        Err(_) => assert!(
            flaw.is_some_and(|f| f.hard),
            "lopdf refuses, we stop softly"
        ),
    }
    // The footer's extent over the stream as a page of its own.
    let doc = lopdf::Document::with_version("1.5");
    let page = [0.0, 0.0, 612.0, 792.0];
    let e = medpacket::read::extent::covered(&doc, None, data, page, page);
    std::hint::black_box(e.boxes.len());
});
