use super::*;

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

#[test]
fn text_far_from_the_edges_left_unmeasured_changes_no_edge_box() {
    use lopdf::{dictionary, Object};
    // Fonts: a standard one (no widths: the stand-in table), one with its own widths,
    // a composite one (two bytes a code) and a name no font answers to.
    let widths: Vec<Object> = (32..127)
        .map(|c| Object::Integer(200 + (c * 37) % 900))
        .collect();
    let mut doc = Document::with_version("1.5");
    let helvetica = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let own = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "FirstChar" => 32, "LastChar" => 126,
        "Widths" => widths,
    });
    let composite = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0",
        "DescendantFonts" => vec![dictionary! { "DW" => 500 }.into()],
    });
    let fonts = dictionary! { "F1" => helvetica, "F2" => own, "F3" => composite };
    let res = dictionary! { "Font" => fonts };
    let media: Rect = [0.0, 0.0, 612.0, 792.0];

    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut left_out = 0;
    for _ in 0..400 {
        let mut c = String::new();
        for _ in 0..next(40) + 1 {
            // Mostly lines as a page sets them (from x = 72, inside the margins),
            // some anywhere, on or off the page.
            let (x, y) = if next(3) > 0 {
                (72, next(700) as i64 + 40)
            } else {
                (next(760) as i64 - 60, next(900) as i64 - 50)
            };
            // Letters, spaces and escapes (which shrink a string as it is read).
            let text: String = (0..next(90))
                .map(|_| match next(16) {
                    0 => "\\(".to_string(),
                    1 => "\\)".to_string(),
                    2 => "\\101".to_string(),
                    3 => "\\\\".to_string(),
                    4..=6 => " ".to_string(),
                    _ => char::from(b'A' + next(58) as u8)
                        .to_string()
                        .replace(['\\', '(', ')'], "w"),
                })
                .collect();
            let op = match next(17) {
                0 => "BT".to_string(),
                1 => "ET".to_string(),
                2 => format!("/F{} {} Tf", next(4) + 1, next(24) as i64 - 2),
                3 | 4 => format!("{x} {y} Td"),
                5 => format!("{} 0 0 {} {x} {y} Tm", next(3) as i64 - 1, next(3) + 1),
                6 => "T*".to_string(),
                7 => format!("{} TL", next(40) as i64 - 20),
                8 | 9 => format!("({text}) Tj"),
                10 => format!("[({text}) {} ({text})] TJ", next(4000) as i64 - 2000),
                11 => format!("({text}) '"),
                12 => format!("{} {} ({text}) \"", next(5), next(3)),
                13 => format!("{} Tc {} Tw {} Tz", next(3) as i64 - 1, next(5), next(200)),
                14 => "q".to_string(),
                15 => "Q".to_string(),
                _ => format!("<{}> Tj", "41204243".repeat(next(30) as usize)),
            };
            c.push_str(&op);
            c.push('\n');
        }
        let content = c.into_bytes();
        // Every text measured, its box kept if near an edge (as a page's edges were
        // found before texts far from them were left out).
        let every = covered_by(
            &doc,
            Some(&res),
            Source::Bytes(&content),
            media,
            media,
            None,
        );
        assert_eq!(every.unmeasured, 0);
        let mut near = every.boxes;
        near.retain(|b| near_edge(media, b));
        let edges = covered_by(
            &doc,
            Some(&res),
            Source::Bytes(&content),
            media,
            media,
            Some(media),
        );
        let mut kept = edges.boxes;
        kept.retain(|b| near_edge(media, b));
        assert_eq!(
            kept.iter().map(to_bits).collect::<Vec<_>>(),
            near.iter().map(to_bits).collect::<Vec<_>>(),
            "{}",
            String::from_utf8_lossy(&content)
        );
        if edges.unmeasured > 0 {
            left_out += 1;
        }
    }
    // Most pages held text far from the edges, left unmeasured.
    assert!(left_out > 250, "{left_out}");
}
