//! CDA header: a `ClinicalDocument`'s header elements turn into the facts the packet
//! shows and sorts by — document code, title, dates (as written, time-zone offsets
//! ignored), patient, author and organisation. (`classify::cda` turns those facts into
//! the document's kind, date and title.)

use super::xml::{child, children, flat_text, path};
use crate::base::clinical::{Header, PersonName, Span, Ts};
use roxmltree::Node;

/// The stamp of an element with a `value` attribute.
fn ts_of(n: Option<Node<'_, '_>>) -> Option<Ts> {
    Ts::parse(n?.attribute("value")?)
}

fn span_of(effective: Option<Node<'_, '_>>) -> Span {
    let Some(e) = effective else {
        return Span::default();
    };
    match ts_of(Some(e)) {
        Some(single) => Span {
            low: Some(single),
            high: None,
        },
        None => Span {
            low: ts_of(child(e, "low")),
            high: ts_of(child(e, "high")),
        },
    }
}

fn name_of(n: Node<'_, '_>) -> Option<PersonName> {
    let parts = |name: &str| -> Vec<String> {
        children(n, name)
            .map(flat_text)
            .filter(|s| !s.is_empty())
            .collect()
    };
    let p = PersonName {
        prefix: parts("prefix"),
        given: parts("given"),
        family: parts("family"),
        suffix: parts("suffix"),
        text: None,
    };
    if p.given.is_empty() && p.family.is_empty() {
        let text = flat_text(n);
        return (!text.is_empty()).then_some(PersonName {
            text: Some(text),
            ..PersonName::default()
        });
    }
    Some(p)
}

/// Reads the header of a `ClinicalDocument` element.
pub fn header(root: Node<'_, '_>) -> Header {
    let code = child(root, "code");
    let patient = path(root, &["recordTarget", "patientRole", "patient"]);
    let author = children(root, "author").find_map(|a| child(a, "assignedAuthor"));
    let author_name = author
        .and_then(|a| {
            child(a, "assignedPerson")
                .and_then(|p| child(p, "name"))
                .and_then(name_of)
                .map(|n| n.full())
                .or_else(|| path(a, &["assignedAuthoringDevice", "softwareName"]).map(flat_text))
        })
        .filter(|s| !s.is_empty());
    let organisation = author
        .and_then(|a| path(a, &["representedOrganization", "name"]))
        .map(flat_text)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            path(
                root,
                &[
                    "custodian",
                    "assignedCustodian",
                    "representedCustodianOrganization",
                    "name",
                ],
            )
            .map(flat_text)
            .filter(|s| !s.is_empty())
        });
    let service = children(root, "documentationOf")
        .filter_map(|d| child(d, "serviceEvent"))
        .map(|s| span_of(child(s, "effectiveTime")))
        .find(|s| s.low.is_some() || s.high.is_some())
        .unwrap_or_default();
    Header {
        code: code
            .and_then(|c| c.attribute("code"))
            .map(|s| s.trim().to_string()),
        code_name: code
            .and_then(|c| c.attribute("displayName"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        title: child(root, "title")
            .map(flat_text)
            .filter(|s| !s.is_empty()),
        effective: ts_of(child(root, "effectiveTime")),
        patient: patient.and_then(|p| child(p, "name")).and_then(name_of),
        birth: ts_of(patient.and_then(|p| child(p, "birthTime"))),
        author: author_name,
        organisation,
        encounter: span_of(path(
            root,
            &["componentOf", "encompassingEncounter", "effectiveTime"],
        )),
        service,
    }
}
