//! Index: the packet's documents, with their packet page ranges, and the files that were not
//! included turn into index pages with a fixed number of rows per page, each document row a
//! link to the document's first page.

use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::kind::Kind;
use crate::base::layout::{Link, PageLayout, Paper, Run, Shape, BOTTOM, MARGIN, TITLE};
use chrono::NaiveDate;

/// One row of the index, with everything it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexRow {
    /// A section heading.
    Section(Kind),
    /// A document, linked to its first page.
    Document(IndexDocument),
    /// The heading of the files that could not be read, with their count.
    NotIncludedHeading(usize),
    /// A file that could not be read, and why.
    NotIncluded {
        path: String,
        reason: String,
    },
    RemovedHeading,
    /// Active content left out of a file, and what it was.
    Removed {
        path: String,
        what: String,
    },
}

/// A document's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDocument {
    /// Which document of the packet (the link's target).
    pub item: usize,
    /// 1-based number shown in the index.
    pub number: usize,
    pub title: String,
    pub kind: Kind,
    pub date: Option<NaiveDate>,
    /// Where the record came from: `[[documents]] source` when given, else its path.
    pub source: String,
    pub first_page: u32,
    pub last_page: u32,
}

const ROW: f32 = 15.0;
const SIZE: f32 = 8.5;
/// Title line plus column headers at the top of every index page.
const HEADER: f32 = TITLE * 1.35 + 8.0 + ROW + 6.0;

/// How many index rows fit on one page of `paper`. Fixed, so `plan` knows the index's
/// length before any page number is known.
pub fn rows_per_page(paper: Paper) -> usize {
    let (_, h) = paper.size();
    (((h - MARGIN - HEADER - BOTTOM) / ROW).floor() as usize).max(1)
}

/// Index pages needed for `rows` rows.
pub fn pages_for(rows: usize, paper: Paper) -> usize {
    rows.div_ceil(rows_per_page(paper)).max(1)
}

/// Column x offsets (from MARGIN) and widths: No, Title, Kind, Date, Source, Pages.
fn columns(paper: Paper) -> [(f32, f32); 6] {
    let w = paper.size().0 - 2.0 * MARGIN;
    let fr = [0.05, 0.31, 0.19, 0.12, 0.22, 0.11];
    let mut out = [(0.0, 0.0); 6];
    let mut x = 0.0;
    for (i, f) in fr.iter().enumerate() {
        out[i] = (x, w * f);
        x += w * f;
    }
    out
}

fn run(x: f32, y: f32, size: f32, bold: bool, gray: f32, text: String) -> Run {
    Run {
        x,
        y,
        size,
        bold,
        gray,
        text,
    }
}

/// A row naming a file (under Title and Kind) and why (from the Date column on).
fn path_and_reason(
    page: &mut PageLayout,
    m: &Metrics,
    cols: &[(f32, f32); 6],
    pw: f32,
    y: f32,
    path: &str,
    why: &str,
) {
    let path_w = cols[1].1 + cols[2].1 - 4.0;
    page.runs.push(run(
        MARGIN + cols[1].0,
        y,
        SIZE,
        false,
        0.0,
        m.truncate(&m.drawable(path), SIZE, path_w),
    ));
    let why_w = pw - MARGIN - (MARGIN + cols[3].0) - 4.0;
    page.runs.push(run(
        MARGIN + cols[3].0,
        y,
        SIZE,
        false,
        0.2,
        m.truncate(&m.drawable(why), SIZE, why_w),
    ));
}

/// Lays out `rows` on index pages of `paper`, `rows_per_page` rows a page.
pub fn layout(m: &Metrics, paper: Paper, rows: &[IndexRow], t: &Messages) -> Vec<PageLayout> {
    let (pw, ph) = paper.size();
    let per_page = rows_per_page(paper);
    let cols = columns(paper);
    let headers = [
        "index.col_no",
        "index.col_title",
        "index.col_kind",
        "index.col_date",
        "index.col_source",
        "index.col_pages",
    ]
    .map(|k| t.t(k));
    let mut pages = Vec::new();
    let chunks: Vec<&[IndexRow]> = if rows.is_empty() {
        vec![&[]]
    } else {
        rows.chunks(per_page).collect()
    };
    for (pi, chunk) in chunks.into_iter().enumerate() {
        let mut page = PageLayout::default();
        let title = if pi == 0 {
            t.t("index.title").to_string()
        } else {
            t.t("index.continued").to_string()
        };
        let mut y = ph - MARGIN - TITLE;
        page.runs.push(run(MARGIN, y, TITLE, true, 0.0, title));
        y -= 8.0 + ROW;
        for (i, h) in headers.iter().enumerate() {
            page.runs.push(run(
                MARGIN + cols[i].0,
                y,
                SIZE,
                true,
                0.3,
                (*h).to_string(),
            ));
        }
        page.shapes.push(Shape::Line {
            x1: MARGIN,
            y1: y - 4.0,
            x2: pw - MARGIN,
            y2: y - 4.0,
            width: 0.75,
        });
        y -= 6.0;
        for row in chunk {
            y -= ROW;
            let cell = |i: usize, text: &str| -> String {
                m.truncate(&m.drawable(text), SIZE, cols[i].1 - 4.0)
            };
            match row {
                IndexRow::Section(kind) => {
                    page.runs.push(run(
                        MARGIN,
                        y,
                        SIZE + 1.0,
                        true,
                        0.0,
                        m.drawable(t.section_title(*kind)),
                    ));
                }
                IndexRow::Document(item) => {
                    let date = item
                        .date
                        .map(|d| t.date_short(d))
                        .unwrap_or_else(|| t.t("index.undated").into());
                    let pages_txt = if item.first_page == item.last_page {
                        item.first_page.to_string()
                    } else {
                        format!("{}–{}", item.first_page, item.last_page)
                    };
                    let cells = [
                        format!("{}.", item.number),
                        cell(1, &item.title),
                        cell(2, t.kind_label(item.kind)),
                        date,
                        cell(4, &item.source),
                        pages_txt,
                    ];
                    for (ci, text) in cells.into_iter().enumerate() {
                        page.runs
                            .push(run(MARGIN + cols[ci].0, y, SIZE, false, 0.0, text));
                    }
                    page.links.push(Link {
                        rect: [MARGIN, y - 4.0, pw - MARGIN, y + ROW - 4.0],
                        target: item.item,
                    });
                }
                IndexRow::NotIncludedHeading(count) => {
                    page.runs.push(run(
                        MARGIN,
                        y,
                        SIZE + 1.0,
                        true,
                        0.0,
                        t.f("index.not_included", &[("n", &count.to_string())]),
                    ));
                }
                IndexRow::RemovedHeading => {
                    page.runs.push(run(
                        MARGIN,
                        y,
                        SIZE + 1.0,
                        true,
                        0.0,
                        t.t("index.removed").to_string(),
                    ));
                }
                IndexRow::Removed { path, what } => {
                    path_and_reason(&mut page, m, &cols, pw, y, path, what);
                }
                IndexRow::NotIncluded { path, reason } => {
                    path_and_reason(&mut page, m, &cols, pw, y, path, reason);
                }
            }
        }
        pages.push(page);
    }
    pages
}
