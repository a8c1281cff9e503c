//! HL7 XML helpers: a parsed CDA tree's nodes turn into the child elements, paths and
//! flattened text the header, narrative and medication readers walk, in the HL7
//! version 3 namespace.

use roxmltree::Node;

/// The HL7 version 3 namespace of a CDA document's elements.
pub const NS: &str = "urn:hl7-org:v3";

/// A child element in the HL7 namespace.
pub(crate) fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(*c, name))
}

/// Every child element of that name in the HL7 namespace.
pub(crate) fn children<'a, 'i: 'a>(
    n: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is(*c, name))
}

/// The element at a path of child names.
pub(crate) fn path<'a, 'i>(n: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

/// True for an element of that local name in the HL7 namespace.
pub(crate) fn is(n: Node<'_, '_>, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(NS)
}

/// All text under a node, whitespace runs as one space, trimmed.
pub(crate) fn flat_text(n: Node<'_, '_>) -> String {
    let mut s = String::new();
    for d in n.descendants().filter(|d| d.is_text()) {
        s.push_str(d.text().unwrap_or(""));
        s.push(' ');
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
