//! CDA narrative: a `structuredBody`'s sections and their narrative blocks (`<text>`)
//! turn into a model the packet can set in type — paragraphs, lists, tables (header rows
//! and cells), footnotes, nested sections — keeping every word of the narrative.
//!
//! Called only on trees whose depth [`super::MAX_DEPTH`] has bounded, so it may recurse.

use super::xml::{child, children, flat_text, is, NS};
use crate::base::clinical::{Block, Section, Table};
use roxmltree::{Document, Node};
use std::collections::HashMap;

/// Every element with an `ID` attribute, by that ID (for `<reference value="#id"/>`).
pub fn ids<'a, 'i>(doc: &'a Document<'i>) -> HashMap<&'a str, Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element())
        .filter_map(|n| n.attribute("ID").map(|id| (id, n)))
        .collect()
}

/// The sections of a `structuredBody`, in document order.
pub fn sections(body: Node<'_, '_>) -> Vec<Section> {
    children(body, "component")
        .filter_map(|c| child(c, "section"))
        .map(section)
        .collect()
}

fn section(n: Node<'_, '_>) -> Section {
    let mut ctx = Ctx::default();
    let blocks = child(n, "text")
        .map(|t| blocks(t, &mut ctx))
        .unwrap_or_default();
    let sub: Vec<Section> = children(n, "component")
        .filter_map(|c| child(c, "section"))
        .map(section)
        .collect();
    let title = child(n, "title")
        .map(|t| inline_text(t, &mut ctx))
        .map(|t| clean(&t))
        .filter(|t| !t.is_empty());
    Section {
        title,
        code: child(n, "code")
            .and_then(|c| c.attribute("code"))
            .map(|s| s.trim().to_string()),
        no_information: n.attribute("nullFlavor").is_some()
            || (blocks.is_empty() && sub.is_empty()),
        blocks,
        footnotes: ctx.footnotes,
        children: sub,
    }
}

/// State while one section's narrative is read.
#[derive(Default)]
struct Ctx {
    footnotes: Vec<String>,
    /// Footnote IDs and their numbers, for `footnoteRef`.
    numbers: HashMap<String, usize>,
}

/// Whitespace runs become one space; `\n` (from `<br/>`) is kept; lines are trimmed and
/// empty lines dropped.
fn clean(s: &str) -> String {
    s.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The local name of an element in the HL7 namespace (narrative elements), else "".
fn local<'a>(n: &Node<'a, '_>) -> &'a str {
    if n.is_element() && n.tag_name().namespace() == Some(NS) {
        n.tag_name().name()
    } else {
        ""
    }
}

/// The blocks of a narrative element (`<text>`, an `<item>`, a `<td>`…): block elements
/// become blocks; the text and inline elements between them become paragraphs.
fn blocks(n: Node<'_, '_>, ctx: &mut Ctx) -> Vec<Block> {
    let mut out = Vec::new();
    let mut inline = String::new();
    let flush = |inline: &mut String, out: &mut Vec<Block>| {
        let t = clean(inline);
        if !t.is_empty() {
            out.push(Block::Paragraph(t));
        }
        inline.clear();
    };
    for c in n.children() {
        if c.is_text() {
            inline.push_str(c.text().unwrap_or(""));
            continue;
        }
        if !c.is_element() {
            continue;
        }
        match local(&c) {
            "paragraph" => {
                flush(&mut inline, &mut out);
                // A paragraph may itself hold lists or tables (not allowed, but seen).
                out.extend(blocks(c, ctx));
            }
            "list" => {
                flush(&mut inline, &mut out);
                out.push(list(c, ctx));
            }
            "table" => {
                flush(&mut inline, &mut out);
                out.push(Block::Table(table(c, ctx)));
            }
            "caption" => {
                flush(&mut inline, &mut out);
                let t = clean(&inline_text(c, ctx));
                if !t.is_empty() {
                    out.push(Block::Paragraph(t));
                }
            }
            _ => inline.push_str(&inline_text(c, ctx)),
        }
    }
    flush(&mut inline, &mut out);
    out
}

/// The text of an inline element: `<br/>` is a line break, a footnote leaves its
/// number, a picture its caption.
fn inline_text(n: Node<'_, '_>, ctx: &mut Ctx) -> String {
    match local(&n) {
        "br" => return "\n".into(),
        "footnote" => {
            let text = clean(&children_text(n, ctx)).replace('\n', " ");
            ctx.footnotes.push(text);
            let k = ctx.footnotes.len();
            if let Some(id) = n.attribute("ID") {
                ctx.numbers.insert(id.to_string(), k);
            }
            return format!("[{k}]");
        }
        "footnoteRef" => {
            let id = n.attribute("IDREF").unwrap_or("");
            return match ctx.numbers.get(id) {
                Some(k) => format!("[{k}]"),
                None => String::new(),
            };
        }
        "renderMultiMedia" => {
            let caption = child(n, "caption").map(flat_text).unwrap_or_default();
            return if caption.is_empty() {
                " [picture not shown] ".into()
            } else {
                format!(" [picture not shown: {caption}] ")
            };
        }
        "list" | "table" | "paragraph" => {
            // Block content inside an inline element: its text, one block per line.
            let bs = blocks(n, ctx);
            return format!("\n{}\n", blocks_text(&bs));
        }
        _ => {}
    }
    children_text(n, ctx)
}

fn children_text(n: Node<'_, '_>, ctx: &mut Ctx) -> String {
    let mut s = String::new();
    for c in n.children() {
        if c.is_text() {
            s.push_str(c.text().unwrap_or(""));
        } else if c.is_element() {
            s.push_str(&inline_text(c, ctx));
        }
    }
    s
}

/// Blocks flattened to lines of text (for a table cell).
fn blocks_text(bs: &[Block]) -> String {
    let mut lines = Vec::new();
    for b in bs {
        match b {
            Block::Paragraph(t) => lines.push(t.clone()),
            Block::List {
                ordered,
                caption,
                items,
            } => {
                lines.extend(caption.clone());
                for (i, item) in items.iter().enumerate() {
                    let mark = if *ordered {
                        format!("{}.", i + 1)
                    } else {
                        "•".to_string()
                    };
                    lines.push(format!("{mark} {}", blocks_text(item)));
                }
            }
            Block::Table(t) => {
                lines.extend(t.caption.clone());
                if !t.header.is_empty() {
                    lines.push(t.header.join(" | "));
                }
                for r in &t.rows {
                    lines.push(r.join(" | "));
                }
            }
        }
    }
    lines.join("\n")
}

fn list(n: Node<'_, '_>, ctx: &mut Ctx) -> Block {
    let caption = child(n, "caption")
        .map(|c| clean(&inline_text(c, ctx)))
        .filter(|c| !c.is_empty());
    let items = children(n, "item")
        .map(|i| blocks(i, ctx))
        .filter(|b| !b.is_empty())
        .collect();
    Block::List {
        ordered: n.attribute("listType") == Some("ordered"),
        caption,
        items,
    }
}

/// A cell's text, repeated as empty cells for the rest of its `colspan`.
fn cells(tr: Node<'_, '_>, ctx: &mut Ctx) -> (Vec<String>, bool) {
    let mut row = Vec::new();
    let mut all_th = true;
    for c in tr.children().filter(|c| is(*c, "td") || is(*c, "th")) {
        all_th &= is(c, "th");
        row.push(clean(&blocks_text(&blocks(c, ctx))));
        let span: usize = c
            .attribute("colspan")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        for _ in 1..span.clamp(1, 20) {
            row.push(String::new());
        }
    }
    let any = !row.is_empty();
    (row, all_th && any)
}

fn table(n: Node<'_, '_>, ctx: &mut Ctx) -> Table {
    let caption = child(n, "caption")
        .map(|c| clean(&inline_text(c, ctx)))
        .filter(|c| !c.is_empty());
    let mut header: Vec<Vec<String>> = Vec::new();
    let mut rows = Vec::new();
    let mut foot = Vec::new();
    for part in n.children().filter(|c| c.is_element()) {
        let name = local(&part);
        let trs: Vec<Node<'_, '_>> = if name == "tr" {
            vec![part]
        } else if matches!(name, "thead" | "tbody" | "tfoot") {
            children(part, "tr").collect()
        } else {
            continue;
        };
        for tr in trs {
            let (row, all_th) = cells(tr, ctx);
            if row.iter().all(String::is_empty) {
                continue;
            }
            if name == "thead" || (all_th && rows.is_empty() && name != "tfoot") {
                header.push(row);
            } else if name == "tfoot" {
                foot.push(row);
            } else {
                rows.push(row);
            }
        }
    }
    rows.extend(foot);
    // Several header rows are set as one, each column's lines one under another.
    let width = header.iter().map(Vec::len).max().unwrap_or(0);
    let header = (0..width)
        .map(|i| {
            header
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    Table {
        caption,
        header,
        rows,
    }
}
