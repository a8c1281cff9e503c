//! Part page: one part of a packet cut to a size limit (its number, the packet pages it
//! holds, and the index rows of its documents) turns into the short page that opens it.
//! The page is neither stamped nor counted in the packet's pages.

use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{PageLayout, Paper};
use crate::render::index::{self, IndexRow};

/// Where a part sits in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlace {
    /// 1-based number of the part, and how many there are.
    pub k: usize,
    pub n: usize,
    /// The packet pages it holds.
    pub first: u32,
    pub last: u32,
}

/// The heading: "Part 2 of 3 — pages 41–88".
pub fn heading(t: &Messages, place: PartPlace) -> String {
    t.f(
        "part.title",
        &[
            ("k", &place.k.to_string()),
            ("n", &place.n.to_string()),
            ("a", &place.first.to_string()),
            ("b", &place.last.to_string()),
        ],
    )
}

/// The part's opening page(s): the heading, then the index rows of its documents (each a
/// link to the document's first page), laid out as the packet's index is.
pub fn layout(
    m: &Metrics,
    paper: Paper,
    t: &Messages,
    place: PartPlace,
    rows: &[IndexRow],
) -> Vec<PageLayout> {
    let mut pages = index::layout(m, paper, rows, t);
    let title = t.t("index.title");
    if let Some(run) = pages
        .first_mut()
        .and_then(|p| p.runs.iter_mut().find(|r| r.text == title))
    {
        run.text = m.drawable(&heading(t, place));
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::i18n::Lang;
    use crate::base::kind::Kind;

    #[test]
    fn the_part_page_names_its_part_and_lists_its_documents() {
        let m = Metrics::get().expect("font");
        let t = Lang::En.messages();
        let rows = vec![
            IndexRow::Section(Kind::LabResults),
            IndexRow::Document(index::IndexDocument {
                item: 4,
                number: 5,
                title: "Complete blood count".into(),
                kind: Kind::LabResults,
                date: None,
                source: "labs/cbc.pdf".into(),
                first_page: 57,
                last_page: 60,
            }),
        ];
        let place = PartPlace {
            k: 2,
            n: 3,
            first: 41,
            last: 88,
        };
        let pages = layout(m, Paper::Letter, t, place, &rows);
        assert_eq!(pages.len(), 1);
        let texts: Vec<&str> = pages[0].runs.iter().map(|r| r.text.as_str()).collect();
        assert!(texts.contains(&"Part 2 of 3 — pages 41–88"), "{texts:?}");
        assert!(texts.contains(&"57–60"), "{texts:?}");
        assert_eq!(pages[0].links.len(), 1);
        assert_eq!(pages[0].links[0].target, 4);
    }
}
