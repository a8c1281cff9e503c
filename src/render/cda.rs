//! Clinical documents: a CDA document model turns into typeset pages — a header block
//! (patient, date of birth, author, organisation, encounter and document dates), then
//! every section's title and narrative (paragraphs, lists, tables with a repeated header
//! row), nested sections indented under their parent.

use crate::base::clinical::{Block, Body, Cda, Section, Table};
use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, HEADING, MARGIN, SMALL};

/// Indent of each level of nested sections, and the deepest level indented.
const NEST: f32 = 14.0;
const MAX_NEST: usize = 4;
/// Indent of a list item's text, right of its bullet.
const ITEM: f32 = 12.0;
/// The deepest indent of lists nested in lists, so text keeps most of the page's width.
const MAX_INDENT: f32 = 150.0;

/// Lays out one clinical document; `title` is the title the packet gives it.
pub fn layout(
    m: &Metrics,
    paper: Paper,
    rel: &str,
    title: &str,
    cda: &Cda,
    t: &Messages,
) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    f.set_continued(&t.f("flow.continued", &[("heading", title)]));
    f.text_line(
        MARGIN,
        // A document of a FHIR export is named `export.json/Type/id`.
        &t.f(
            if rel.contains(".json/") || rel.contains(".ndjson/") {
                "cda.header_fhir"
            } else {
                "cda.header"
            },
            &[("path", rel)],
        ),
        SMALL,
        false,
        0.4,
    );
    f.space(6.0);
    f.paragraph(title, HEADING + 3.0, true, 0.0);
    f.space(4.0);
    header_block(&mut f, cda, t);
    if let Some(why) = &cda.other_patient {
        f.space(4.0);
        f.paragraph(&t.f("cda.other_patient", &[("why", why)]), BODY, true, 0.0);
    }
    f.space(6.0);
    match &cda.body {
        Body::Sections(sections) => {
            for s in sections {
                section(&mut f, s, 0, t);
            }
        }
        Body::Text(text) => {
            for line in text.lines() {
                if line.trim().is_empty() {
                    f.space(BODY * 0.8);
                } else {
                    f.paragraph(line.trim_end(), BODY, false, 0.0);
                }
            }
        }
        Body::Embedded { media_type } => {
            f.paragraph(
                &t.f("cda.embedded", &[("media_type", media_type)]),
                BODY,
                false,
                0.0,
            );
        }
    }
    f.finish()
}

/// True for a LOINC code (`11502-2`) or LOINC part (`LP7839-6`).
fn is_loinc(code: &str) -> bool {
    let c = code.strip_prefix("LP").unwrap_or(code);
    c.contains('-') && c.chars().all(|ch| ch.is_ascii_digit() || ch == '-')
}

fn header_block(f: &mut Flow<'_>, cda: &Cda, t: &Messages) {
    let h = &cda.header;
    let kind = match (&h.code_name, &h.code) {
        // A FHIR report may be typed by its category (HL7 v2-0074 `LAB`), not by LOINC.
        (Some(n), Some(c)) if !is_loinc(c) => Some(format!("{n} ({c})")),
        (None, Some(c)) if !is_loinc(c) => Some(c.clone()),
        (Some(n), Some(c)) => Some(format!("{n} (LOINC {c})")),
        (None, Some(c)) => Some(format!("LOINC {c}")),
        (Some(n), None) => Some(n.clone()),
        (None, None) => None,
    };
    let fields: [(&str, Option<String>); 7] = [
        (t.t("cda.document_type"), kind),
        (
            t.t("cda.patient"),
            h.patient.as_ref().map(|p| p.given_family()),
        ),
        (
            t.t("cda.date_of_birth"),
            h.birth.as_ref().map(|b| b.shown.clone()),
        ),
        (t.t("cda.author"), h.author.clone()),
        (t.t("cda.organisation"), h.organisation.clone()),
        (t.t("cda.encounter"), h.encounter.shown()),
        (
            t.t("cda.document_date"),
            h.effective.as_ref().map(|e| e.shown.clone()),
        ),
    ];
    for (label, value) in fields {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            f.field(label, &v);
        }
    }
    if let Some(service) = h.service.shown() {
        if h.encounter.shown().is_none() {
            f.field(t.t("cda.care_period"), &service);
        }
    }
}

fn section(f: &mut Flow<'_>, s: &Section, depth: usize, t: &Messages) {
    let indent = NEST * depth.min(MAX_NEST) as f32;
    let title = s.title.as_deref().unwrap_or(t.t("cda.untitled"));
    if depth == 0 {
        f.heading(title);
    } else {
        f.ensure(BODY * 1.35 * 3.0);
        f.space(4.0);
        f.paragraph(title, BODY + 1.5, true, indent);
        f.space(2.0);
    }
    if s.no_information {
        f.paragraph(t.t("cda.no_information"), BODY, false, indent);
    }
    blocks(f, &s.blocks, indent);
    for (i, note) in s.footnotes.iter().enumerate() {
        f.paragraph(&format!("[{}] {note}", i + 1), SMALL, false, indent);
    }
    for c in &s.children {
        section(f, c, depth + 1, t);
    }
    f.space(4.0);
}

fn blocks(f: &mut Flow<'_>, bs: &[Block], indent: f32) {
    let indent = indent.min(MAX_INDENT);
    for b in bs {
        match b {
            Block::Paragraph(t) => {
                f.paragraph(t, BODY, false, indent);
                f.space(3.0);
            }
            Block::List {
                ordered,
                caption,
                items,
            } => {
                if let Some(c) = caption {
                    f.paragraph(c, BODY, true, indent);
                }
                for (i, item) in items.iter().enumerate() {
                    let mark = if *ordered {
                        format!("{}.", i + 1)
                    } else {
                        "•".to_string()
                    };
                    item_blocks(f, &mark, item, indent);
                }
                f.space(3.0);
            }
            Block::Table(t) => {
                table(f, t, indent);
                f.space(6.0);
            }
        }
    }
}

/// A list item: its mark, then its blocks indented beside it.
fn item_blocks(f: &mut Flow<'_>, mark: &str, item: &[Block], indent: f32) {
    let indent = indent.min(MAX_INDENT);
    match item.split_first() {
        Some((Block::Paragraph(first), rest)) => {
            let mut lines = first.splitn(2, '\n');
            let head = lines.next().unwrap_or("");
            f.paragraph(&format!("{mark} {head}"), BODY, false, indent);
            if let Some(more) = lines.next() {
                f.paragraph(more, BODY, false, indent + ITEM);
            }
            blocks(f, rest, indent + ITEM);
        }
        _ => {
            f.paragraph(mark, BODY, false, indent);
            blocks(f, item, indent + ITEM);
        }
    }
}

/// The smallest type a table is set in.
const MIN_TABLE_SIZE: f32 = 5.5;
/// Space between a cell's text and the next column.
const CELL_PAD: f32 = 6.0;
/// The narrowest column.
const MIN_COLUMN: f32 = 24.0;

/// The width a table needs for every column to hold its longest word at `size`.
fn min_width(m: &Metrics, t: &Table, size: f32) -> f32 {
    let n = t.columns();
    let mut min = vec![0.0f32; n];
    for row in std::iter::once(&t.header).chain(&t.rows) {
        for (i, cell) in row.iter().enumerate().take(n) {
            for w in cell.split_whitespace() {
                min[i] = min[i].max(m.width(w, size) + CELL_PAD);
            }
        }
    }
    min.iter().map(|w| w.max(MIN_COLUMN)).sum()
}

/// Column widths for a table: every column at least as wide as its longest word (when
/// the columns fit), the rest shared by how much text each holds.
fn widths(m: &Metrics, t: &Table, size: f32, avail: f32) -> Vec<f32> {
    let n = t.columns().max(1);
    let pad = CELL_PAD;
    let mut min = vec![0.0f32; n];
    let mut natural = vec![0.0f32; n];
    let rows = std::iter::once(&t.header).chain(&t.rows);
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(n) {
            for line in cell.lines() {
                natural[i] = natural[i].max(m.width(line, size) + pad);
                for w in line.split_whitespace() {
                    min[i] = min[i].max(m.width(w, size) + pad);
                }
            }
        }
    }
    for v in min.iter_mut().chain(natural.iter_mut()) {
        *v = v.max(MIN_COLUMN);
    }
    let total_natural: f32 = natural.iter().sum();
    if total_natural <= avail {
        return natural.iter().map(|w| w * avail / total_natural).collect();
    }
    let total_min: f32 = min.iter().sum();
    if total_min >= avail {
        return min.iter().map(|w| w * avail / total_min).collect();
    }
    let spare = avail - total_min;
    let extra: Vec<f32> = natural.iter().zip(&min).map(|(a, b)| a - b).collect();
    let total_extra: f32 = extra.iter().sum::<f32>().max(1.0);
    min.iter()
        .zip(&extra)
        .map(|(w, e)| w + spare * e / total_extra)
        .collect()
}

fn table(f: &mut Flow<'_>, t: &Table, indent: f32) {
    if let Some(c) = &t.caption {
        f.paragraph(c, BODY, true, indent);
        f.space(2.0);
    }
    let n = t.columns();
    if n == 0 {
        return;
    }
    let avail = f.width() - indent;
    // A wide table is set smaller until each column holds its longest word (down to a
    // size still readable on paper); past that, long words break between letters.
    let start = if n > 5 { SMALL } else { BODY - 1.0 };
    let size = [start, 7.5, 6.5, 6.0, MIN_TABLE_SIZE]
        .into_iter()
        .filter(|s| *s <= start)
        .find(|s| min_width(f.m, t, *s) <= avail)
        .unwrap_or(MIN_TABLE_SIZE);
    let w = widths(f.m, t, size, avail);
    let headers: Vec<String> = (0..n)
        .map(|i| t.header.get(i).cloned().unwrap_or_default())
        .collect();
    let cols: Vec<Column<'_>> = headers
        .iter()
        .zip(&w)
        .map(|(h, w)| Column {
            header: h,
            width: *w,
        })
        .collect();
    f.table_at(indent, &cols, &t.rows, size);
}
