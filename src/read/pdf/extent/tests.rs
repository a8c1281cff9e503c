//! Tests of the footer-room interpreter (`read::pdf::extent`).

use super::*;

/// A form drawn by a flawed form is never walked: a form's content is checked before it
/// is interpreted. Walked first and taken back at its flaw, a form drawing itself twice
/// would be walked 2^12 times down to the deepest form followed (a crafted file drawing
/// itself more often would hold the scan up for hours).
#[test]
fn forms_inside_a_flawed_form_are_not_walked() {
    use lopdf::{dictionary, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let form = doc.new_object_id();
    let res = dictionary! { "XObject" => dictionary! { "A" => Object::Reference(form) } };
    let stream = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
            "Resources" => res.clone(),
        },
        b"/A Do /A Do (unended".to_vec(),
    );
    doc.objects.insert(form, Object::Stream(stream));
    let page = [0.0, 0.0, 612.0, 792.0];
    let mut it = Interp::new(&doc, page);
    assert!(it.run(b"/A Do", Some(&res), GState::initial(page), 0));
    // The page's one operator was walked; the form was checked, found flawed and counts
    // as covering its box.
    assert_eq!(it.walked, 1);
    assert_eq!(it.out, vec![[0.0, 0.0, 100.0, 100.0]]);
}

/// Content is read once: the walk that interprets it also finds whether it parses.
/// Content with a flaw anywhere covers its clip, whatever the operations before the
/// flaw drew (as when it was checked first and never interpreted), past the limit of
/// boxes too; content without one gives what interpreting it whole gives.
#[test]
fn content_with_a_flaw_covers_its_clip_whatever_came_before_it() {
    let doc = Document::with_version("1.5");
    // The page box inside the region asked, so its clip and the whole region differ.
    let (page, region) = ([0.0, 0.0, 300.0, 300.0], [0.0, 0.0, 612.0, 792.0]);
    let many: Vec<u8> = b"0 0 1 1 re f\n".repeat(MAX_BOXES + 2);
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (
            b"10 10 5 5 re f BT /F1 9 Tf 20 20 Td (A) Tj ET".to_vec(),
            true,
        ),
        (
            b"10 10 5 5 re f BT /F1 9 Tf 20 20 Td (unended".to_vec(),
            false,
        ),
        (
            b"10 10 5 5 re f q 2 0 0 2 0 0 cm 1 1 2 2 re S Q << /A".to_vec(),
            false,
        ),
        (b"q 0 0 50 50 re W n 10 10 5 5 re f ] Q".to_vec(), false),
        (many.clone(), true),
        ([many.as_slice(), b"(unended"].concat(), false),
    ];
    for (content, parses) in &cases {
        assert_eq!(ops::parses(content), *parses);
        let e = covered_by(&doc, None, Source::Bytes(content), page, region);
        assert_eq!(e.parses, *parses);
        let expected = if *parses {
            covered_by(&doc, None, Source::Parsed(content), page, region).boxes
        } else {
            vec![page]
        };
        assert_eq!(e.boxes, expected);
    }
    // Past the limit of boxes, content that parses covers the whole region.
    let e = covered_by(&doc, None, Source::Bytes(&many), page, region);
    assert_eq!(e.boxes, vec![region]);
}

fn boxes(content: &[u8]) -> Vec<Rect> {
    let doc = Document::with_version("1.5");
    covered(
        &doc,
        None,
        content,
        [0.0, 0.0, 612.0, 792.0],
        [0.0, 0.0, 612.0, 40.0],
    )
    .boxes
}

#[test]
fn text_paths_and_images_near_the_bottom_are_found() {
    // Text at y = 20 in an unknown font: found, starting at x = 72.
    let b = boxes(b"BT /F1 11 Tf 72 20 Td (Name: Foo Bar) Tj ET");
    assert_eq!(b.len(), 1);
    assert!(b[0][0] >= 71.0 && b[0][0] <= 73.0 && b[0][1] < 20.0 && b[0][3] > 28.0);
    // The same text moved up by a matrix is outside the band.
    assert!(boxes(b"1 0 0 1 0 100 cm BT /F1 11 Tf 72 20 Td (x) Tj ET").is_empty());
    // A line and an image near the bottom.
    assert_eq!(boxes(b"0 g 10 10 m 600 10 l S").len(), 1);
    assert_eq!(
        boxes(b"q 100 0 0 30 50 5 cm /Im0 Do Q").len(),
        0,
        "unknown XObject"
    );
    assert_eq!(
        boxes(b"q 100 0 0 30 50 5 cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q").len(),
        1
    );
    // A white background is not content; a clipped-away drawing neither.
    assert!(boxes(b"1 g 0 0 612 792 re f").is_empty());
    assert!(boxes(b"0 0 612 792 re W n 0 100 612 692 re W n 0 g 0 0 612 792 re f").is_empty());
    assert!(boxes(b"0 100 612 692 re W n 0 g 0 0 612 792 re f").is_empty());
    // Unreadable content counts as covering everything.
    assert_eq!(boxes(b"BT (unterminated Tj ET").len(), 1);
}

/// A one-page document whose page tree sets `tree` (MediaBox, CropBox, Resources are
/// inherited) and whose page has one content stream.
fn page_doc(tree: lopdf::Dictionary, content: lopdf::Stream) -> (Document, lopdf::ObjectId) {
    use lopdf::dictionary;
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let c = doc.add_object(content);
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => c,
    });
    let mut node = dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 };
    node.extend(&tree);
    doc.objects.insert(pages, Object::Dictionary(node));
    (doc, page)
}

/// A page's edge boxes from its content as bytes, checked against the same content
/// parsed first (as the scan passes it).
fn edges_of<'a>(
    doc: &'a Document,
    page: &'a lopdf::Dictionary,
    known: &dyn Fn(lopdf::ObjectId) -> Option<&'a [u8]>,
) -> Vec<Rect> {
    let content = page_content(doc, page, known);
    let from_bytes = page_edges(doc, page, content.as_deref().map(Source::Bytes));
    if let Some(c) = content.as_deref().filter(|c| ops::parses(c)) {
        let parsed = page_edges(doc, page, Some(Source::Parsed(c)));
        assert_eq!(parsed, from_bytes);
    }
    from_bytes
}

#[test]
fn page_edges_keeps_what_lies_near_an_edge_of_the_inherited_boxes() {
    use lopdf::{dictionary, Stream};
    // Lines of text near the top, in the middle and near the bottom of a Letter page.
    let text = b"BT /F1 11 Tf 72 760 Td (Top line) Tj ET \
        BT /F1 11 Tf 72 400 Td (Middle line) Tj ET \
        BT /F1 11 Tf 72 20 Td (Bottom line) Tj ET"
        .to_vec();
    let letter = || dictionary! { "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] };
    let (doc, id) = page_doc(letter(), Stream::new(dictionary! {}, text.clone()));
    let page = doc.get_dictionary(id).expect("the page");
    let edges = edges_of(&doc, page, &|_| None);
    assert_eq!(edges.len(), 2, "{edges:?}");
    assert!(edges.iter().any(|b| b[1] < 20.0) && edges.iter().any(|b| b[3] > 760.0));
    // The whole interpreter finds three; the middle one cannot matter for the footer.
    assert_eq!(
        covered(
            &doc,
            None,
            &text,
            [0.0, 0.0, 612.0, 792.0],
            [0.0, 0.0, 612.0, 792.0]
        )
        .boxes
        .len(),
        3
    );

    // A crop box inherited from the tree: the middle line is now near its top.
    let mut cropped = letter();
    cropped.set("CropBox", vec![0.into(), 0.into(), 612.into(), 420.into()]);
    let (doc, id) = page_doc(cropped, Stream::new(dictionary! {}, text.clone()));
    let edges = edges_of(&doc, doc.get_dictionary(id).expect("the page"), &|_| None);
    assert_eq!(edges.len(), 2, "{edges:?}");
    assert!(edges.iter().all(|b| b[3] < 420.0 + 30.0));

    // Content the damage check already inflated is used as given (here: nothing near
    // an edge), not inflated again.
    let mut packed = Stream::new(dictionary! {}, text.clone());
    packed.compress().expect("compressed");
    let (doc, id) = page_doc(letter(), packed);
    let c = doc.get_page_contents(id)[0];
    let middle = b"BT /F1 11 Tf 72 400 Td (Middle line) Tj ET".to_vec();
    let known = |o| (o == c).then_some(middle.as_slice());
    assert!(edges_of(&doc, doc.get_dictionary(id).expect("the page"), &known).is_empty());
    assert_eq!(
        edges_of(&doc, doc.get_dictionary(id).expect("the page"), &|_| None).len(),
        2
    );

    // A content stream that cannot be decoded: the whole visible box counts as covered.
    let broken = Stream::new(
        dictionary! { "Filter" => "NoSuchDecode" },
        b"not decodable".to_vec(),
    );
    let (doc, id) = page_doc(letter(), broken);
    let edges = edges_of(&doc, doc.get_dictionary(id).expect("the page"), &|_| None);
    assert_eq!(edges, vec![[0.0, 0.0, 612.0, 792.0]]);

    // Boxes survive the cache exactly.
    let odd: Rect = [0.1, 1.0 / 3.0, 611.999_9, f32::MAX];
    assert_eq!(from_bits(&to_bits(&odd)), odd);
}
