//! Part page: one part of a packet cut to a size limit (its number, the packet pages it
//! holds, and the index rows of its documents) turns into the short page that opens it.
//! The page is neither stamped nor counted in the packet's pages.

use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{wrap, PageLayout, Paper, Run, MARGIN, SMALL};
use crate::render::index::{self, IndexRow};

/// Where a part sits in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlace<'a> {
    /// The patient, the packet's ID and its page count, for the note at the foot.
    pub patient: &'a str,
    pub packet_id: &'a str,
    pub total: u32,
    /// 1-based number of the part, and how many there are.
    pub k: usize,
    pub n: usize,
    /// The packet pages it holds.
    pub first: u32,
    pub last: u32,
}

/// The heading: "Part 2 of 3 — pages 41–88" ("— page 41" for one page).
pub fn heading(t: &Messages, place: PartPlace<'_>) -> String {
    let key = if place.first == place.last {
        "part.title_one"
    } else {
        "part.title"
    };
    t.f(
        key,
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
    place: PartPlace<'_>,
    rows: &[IndexRow],
) -> Vec<PageLayout> {
    let mut pages = index::layout(m, paper, rows, t);
    let title = t.t("index.title");
    if let Some(first) = pages.first_mut() {
        if let Some(run) = first.runs.iter_mut().find(|r| r.text == title) {
            run.text = m.drawable(&heading(t, place));
        }
        // The page carries no stamp: its foot says whose packet this is.
        let note = t.f(
            "part.note",
            &[
                ("name", place.patient),
                ("id", place.packet_id),
                ("total", &place.total.to_string()),
            ],
        );
        let width = paper.size().0 - 2.0 * MARGIN;
        for (i, line) in wrap(m, &m.drawable(&note), SMALL, width)
            .into_iter()
            .enumerate()
        {
            first.runs.push(Run {
                x: MARGIN,
                y: 40.0 - i as f32 * (SMALL * 1.3),
                size: SMALL,
                bold: false,
                gray: 0.3,
                text: line,
            });
        }
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
            patient: "Ada Quist",
            packet_id: "MP-0000-0000-0000",
            total: 212,
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
        assert!(
            texts.iter().any(|t| t.contains("212 pages in all")),
            "{texts:?}"
        );
        assert_eq!(pages[0].links.len(), 1);
        assert_eq!(pages[0].links[0].target, 4);
    }
}
