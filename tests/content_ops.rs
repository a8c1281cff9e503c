//! The content-stream scanner (read::pdf::ops) reads every stream as lopdf's
//! `Content::decode` reads it: hand-made streams with every token of the syntax and its
//! flaws, random streams, the pages of the sample records and of the PDFs the test support
//! makes. And the page text read through it is lopdf's own text extraction.

mod support;

use lopdf::content::{Content, Operation};
use medpacket::read::pdf::ops::{parses, to_object, Flaw, Operand, Ops};
use support::*;

/// The operations [`Ops`] yields before it ends or stops, and the flaw it stopped at.
fn walk(c: &[u8]) -> (Vec<Operation>, Option<Flaw>) {
    let mut out = Vec::new();
    let mut ops = Ops::new(c);
    while let Some(r) = ops.next() {
        match r {
            Ok(op) => out.push(Operation::new(
                &String::from_utf8_lossy(op.operator),
                op.operands.iter().map(to_object).collect(),
            )),
            Err(f) => return (out, Some(f)),
        }
    }
    (out, None)
}

fn same(a: &[Operation], b: &[Operation]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.operator == y.operator && x.operands == y.operands)
}

/// [`Ops`] reads `c` exactly as lopdf's strict and lenient decoders read it.
fn agrees_with_lopdf(c: &[u8]) -> Result<(), String> {
    let (ours, flaw) = walk(c);
    let shown = || String::from_utf8_lossy(&c[..c.len().min(300)]).into_owned();
    match Content::decode_strict(c) {
        Ok(theirs) if flaw.is_none() && same(&ours, &theirs.operations) => {}
        Ok(theirs) => {
            return Err(format!(
                "strict: {:?} then {flaw:?}, lopdf {:?}: {}",
                ours,
                theirs.operations,
                shown()
            ))
        }
        Err(_) if flaw.is_some() => {}
        Err(_) => return Err(format!("lopdf refuses, we read {ours:?}: {}", shown())),
    }
    if parses(c) != flaw.is_none() {
        return Err(format!("parses disagrees: {}", shown()));
    }
    match Content::decode(c) {
        Ok(theirs) if !flaw.is_some_and(|f| f.hard) && same(&ours, &theirs.operations) => Ok(()),
        Ok(theirs) => Err(format!(
            "lenient: {ours:?} then {flaw:?}, lopdf {:?}: {}",
            theirs.operations,
            shown()
        )),
        Err(_) if flaw.is_some_and(|f| f.hard) => Ok(()),
        Err(_) => Err(format!("lopdf refuses, we stop softly: {}", shown())),
    }
}

/// Streams that exercise every token of the syntax, and flaws in each.
fn tricky() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        &b""[..],
        b"   \n",
        b"q 1 0 0 1 72 720 cm Q",
        b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET",
        b"BT/F1 12Tf(no)Tj(spaces)'ET",
        b"1 0 0 1 0 0cm 0.5g .5 G -.5 +3 -0 +.25 w",
        b"1.5.3 4..5 x",
        b"0.00-4142502 0.-5 -1.5- 1- d",
        b"9223372036854775807 x -9223372036854775808 y",
        b"9223372036854775808 x",
        b"99999999999999999999.5 x",
        b"1e5 x",
        b"(a\\(b\\)c (nested (deeper)) \\n\\r\\t\\b\\f\\\\ \\101\\7\\777\\0101 \\q) Tj",
        b"(line\r\nbreaks\rand\\\r\ncontinued\\\nhere) Tj",
        b"(unbalanced Tj",
        b"(trailing backslash\\",
        b"<48656C6C6F> Tj <48 65 6c\n6C 6F 7> Tj <> Tj < > Tj",
        b"<48656G> Tj",
        b"/Name /A#42C /#20x /Bad#4 /Bad#zz /Empty/ /F#31#32 Tf",
        b"/Sl/ash x",
        b"[(a) -120 (b) 3.5 [1 2] <41>] TJ",
        b"[ % a comment in an array\n 1 2 ] x",
        b"[1 0 R 2 0 R 3 R 99999999999 0 R 1 70000 R] x",
        b"[null true false /n] x [nx] y",
        b"[ ] x [] y [[[]]] z",
        b"<< /A 1 /B [2 3] /C << /D (e) >> /A 4 >> BDC EMC",
        b"/P <</MCID 0>> BDC (x) Tj EMC",
        b"<< /A >> x",
        b"<</A 1 % c\n/B 2>> x",
        b"% comment\nq % trailing\nQ\n% last\n",
        b"% comment without its end",
        b"q % not at the end of the stream",
        b"q 1 % between operands\n 2 re",
        b"{ } x",
        b"q ) Q",
        b"nullify truely falsehood null true false x",
        b"BI /W 2 /H 2 /BPC 8 /CS /G ID \x00\x01\x02\x03 EI Q",
        b"BI /W 2 /H 2 /BPC 8 /CS /RGB ID\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\nEI q",
        b"BI /W 4 /H 1 /IM true ID \xff EI Q",
        b"BI /W 1 /H 1 /BPC 8 /CS [/I /RGB 1 <000000ffffff>] ID \x01 EI Q",
        b"BI /W 1 /H 1 /BPC 8 /CS /CS0 ID \x01\x02 EI Q",
        b"BI /W 2 /H 2 /BPC 8 /CS /G /F /AHx ID 00010203> EI Q",
        b"BI /W 9 /H 9 /BPC 8 /CS /G ID short EI",
        b"BI /W 2 /H 1 /BPC 8 /CS /G ID \x00\x01 XX EI",
        b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00",
        b"BI /W -1 /H 1 /BPC 8 /CS /G ID x EI Q",
        b"BI /W 1 0 R /H 1 /BPC 8 /CS /G ID x EI Q",
        b"BI ID EI",
        b"BIG 1 2",
        b"1 BI /W 1",
        b"BI /W 1 /H 1 /BPC 8 /CS /Pattern ID\nx\nEI\n",
        b"0 0 612 792 re W n /Im1 Do /Fm0 Do sh d0 d1",
        b"1 2 3 4 5 6 c 1 2 3 4 v 1 2 3 4 y h f* B* b* W* n",
        b"\x00\x0c q \x00 Q",
        b"q\x80Q",
        b"123",
        b"/A",
        b"]",
        b"<<",
        b"<< /A [1 2 >> x",
        b"'\" T* x'y\"z",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    // Nesting at and past the limits.
    for n in [99, 100, 101, 150] {
        let mut a = "[".repeat(n).into_bytes();
        a.extend("]".repeat(n).bytes());
        a.extend(b" x");
        v.push(a);
        let mut s = b"(".to_vec();
        s.extend("(".repeat(n).bytes());
        s.extend(")".repeat(n + 1).bytes());
        s.extend(b" Tj");
        v.push(s);
        let mut d = Vec::new();
        for _ in 0..n {
            d.extend(b"<</K ");
        }
        d.extend(b"1");
        for _ in 0..n {
            d.extend(b">>");
        }
        d.extend(b" x");
        v.push(d);
    }
    v
}

#[test]
fn reads_every_token_as_lopdf_reads_it() {
    let cases = tricky();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| agrees_with_lopdf(c).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The cases do reach both ends: streams read whole, and refused ones.
    assert!(cases.iter().filter(|c| parses(c)).count() > 20);
    assert!(cases.iter().filter(|c| !parses(c)).count() > 20);
}

#[test]
fn operands_point_into_the_stream_and_decode_on_demand() {
    let c = b"/F#31 12 Tf [(a\\)b) -250 <4142>] TJ";
    let mut ops = Ops::new(c);
    let op = ops.next().expect("one").expect("parses");
    assert_eq!(op.operator, b"Tf");
    assert_eq!(op.operands[0].name().as_deref(), Some(&b"F1"[..]));
    assert_eq!(op.operands[1].number(), Some(12.0));
    let op = ops.next().expect("two").expect("parses");
    let items: Vec<Operand<'_>> = op.operands[0].items().collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].string().as_deref(), Some(&b"a)b"[..]));
    assert_eq!(items[1], Operand::Int(-250));
    assert_eq!(items[2].string().as_deref(), Some(&b"AB"[..]));
    assert!(ops.next().is_none());
}

/// Streams made of random pieces of the syntax, and random bytes: never a panic or a
/// loop, and always lopdf's reading.
#[test]
fn random_streams_read_as_lopdf_reads_them() {
    let pieces: [&[u8]; 40] = [
        b" ",
        b"\n",
        b"\r",
        b"%c\n",
        b"%",
        b"(",
        b")",
        b"\\",
        b"<",
        b">",
        b"<<",
        b">>",
        b"[",
        b"]",
        b"/",
        b"#",
        b"#4",
        b"1",
        b"-",
        b".",
        b"0.5",
        b"12",
        b"R",
        b"0 R",
        b"Tj",
        b"TJ",
        b"q",
        b"Q",
        b"BI",
        b"ID",
        b"EI",
        b" EI ",
        b"/W 1 /H 1 /BPC 8 /CS /G ",
        b"null",
        b"true",
        b"f",
        b"\x00",
        b"\xff",
        b"'",
        b"\"",
    ];
    let mut seed = 0x2545_f491_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..20_000 {
        let mut c = Vec::new();
        let len = next() % 24;
        for _ in 0..len {
            if round % 4 == 0 {
                c.push((next() % 256) as u8);
            } else {
                c.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
        }
        if let Err(e) = agrees_with_lopdf(&c) {
            panic!("{e}");
        }
    }
}

/// Every PDF under `dir` (not inside ZIP files), by path.
fn pdfs_under(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    let mut list: Vec<_> = list.flatten().map(|e| e.path()).collect();
    list.sort();
    for p in list {
        if p.is_dir() {
            pdfs_under(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")) {
            out.push((p.display().to_string(), std::fs::read(&p).expect("read")));
        }
    }
}

/// PDFs to read pages from: the sample records' and the test support's.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    pdfs_under(&sample_records_dir(), &mut out);
    let lines: Vec<String> = (0..40)
        .map(|i| format!("Line {i}: (parentheses) \\ back\\slash, caf\u{e9} 5 mg/dL"))
        .collect();
    out.push((
        "simple".into(),
        simple_pdf("LABORATORY RESULTS", &["Collected: 2025-01-02"]),
    ));
    out.push((
        "text".into(),
        text_pdf(&[PageSpec::letter(&lines), PageSpec::a4(["A4"]).rotated(90)]),
    ));
    out.push((
        "modern".into(),
        text_pdf_modern(&[PageSpec::landscape(&lines)]),
    ));
    let many: Vec<PageSpec> = (0..8)
        .map(|p| PageSpec::letter(lines.iter().map(|l| format!("Page {p}. {l}"))))
        .collect();
    out.push(("pages".into(), text_pdf(&many)));
    out.push((
        "styled".into(),
        text_pdf_styled(&[PageSpec::letter(&lines)], TextStyle::DEFAULT),
    ));
    out
}

#[test]
fn the_corpus_pages_read_as_lopdf_reads_them_and_give_lopdfs_text() {
    let mut pages = 0;
    let mut with_text = 0;
    for (name, bytes) in corpus() {
        let Ok(doc) = lopdf::Document::load_mem(&bytes) else {
            continue;
        };
        for (n, id) in doc.get_pages() {
            let content = doc.get_page_content(id);
            if let Err(e) = agrees_with_lopdf(&content) {
                panic!("{name} page {n}: {e}");
            }
            pages += 1;
            if !parses(&content) {
                continue;
            }
            let ours: Vec<String> = medpacket::read::pagetext::chunks(&doc, id, &content)
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| format!("error: {e}")))
                .collect();
            let theirs: Vec<String> = doc
                .extract_text_chunks(&[n])
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| format!("error: {e}")))
                .collect();
            assert_eq!(ours, theirs, "{name} page {n}");
            with_text += usize::from(ours.iter().any(|c| !c.trim().is_empty()));
        }
    }
    assert!(pages >= 20, "only {pages} pages read");
    assert!(with_text >= 10, "only {with_text} pages with text");
}
