//! Layout: headings, paragraphs, tables and answer boxes turn into positioned text runs
//! on pages of a given paper size. Pure and deterministic, so `plan` can count the pages
//! of every generated part before anything is drawn.

use crate::base::fonts::Metrics;

/// Paper size in PDF points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    Letter,
    A4,
}

impl Paper {
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.276, 841.89),
        }
    }
}

/// Left/right/top margin of generated pages.
pub const MARGIN: f32 = 54.0;
/// Bottom margin: leaves room for the footer stamp under the content.
pub const BOTTOM: f32 = 60.0;

pub const BODY: f32 = 10.0;
pub const SMALL: f32 = 8.5;
pub const HEADING: f32 = 13.0;
pub const TITLE: f32 = 20.0;

/// One run of text on one line. `y` is the baseline, from the page's bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub bold: bool,
    pub gray: f32,
    pub text: String,
}

/// A straight line or an unfilled rectangle.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Box {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// A clickable area that should jump to the first page of plan item `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub rect: [f32; 4],
    pub target: usize,
}

/// Everything drawn on one generated page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageLayout {
    pub runs: Vec<Run>,
    pub shapes: Vec<Shape>,
    pub links: Vec<Link>,
}

/// A column of a table: header text, share of the width, and whether cells wrap.
pub struct Column<'a> {
    pub header: &'a str,
    pub width: f32,
}

/// A top-to-bottom flow of blocks onto pages.
pub struct Flow<'m> {
    pub m: &'m Metrics,
    pub paper: Paper,
    pages: Vec<PageLayout>,
    y: f32,
    continued: Option<String>,
}

impl<'m> Flow<'m> {
    pub fn new(m: &'m Metrics, paper: Paper) -> Self {
        let (_, h) = paper.size();
        Flow {
            m,
            paper,
            pages: vec![PageLayout::default()],
            y: h - MARGIN,
            continued: None,
        }
    }

    /// A line repeated at the top of every later page (the part's heading followed by
    /// "(continued)" in the packet's language).
    pub fn set_continued(&mut self, text: &str) {
        self.continued = Some(text.to_string());
    }

    pub fn width(&self) -> f32 {
        self.paper.size().0 - 2.0 * MARGIN
    }

    fn page(&mut self) -> &mut PageLayout {
        if self.pages.is_empty() {
            self.pages.push(PageLayout::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(PageLayout::default());
        self.y = self.paper.size().1 - MARGIN;
        if let Some(c) = self.continued.clone() {
            self.text_line(MARGIN, &c, SMALL, false, 0.35);
            self.space(6.0);
        }
    }

    /// Makes sure `needed` points remain on this page, else moves to the next.
    pub fn ensure(&mut self, needed: f32) {
        if self.y - needed < BOTTOM {
            self.new_page();
        }
    }

    /// A horizontal line across the text width at height `y`.
    fn rule(&mut self, y: f32, width: f32) {
        self.rule_from(0.0, y, width);
    }

    /// A horizontal line from `MARGIN + indent` to the right margin at height `y`.
    fn rule_from(&mut self, indent: f32, y: f32, width: f32) {
        let (x1, x2) = (MARGIN + indent, MARGIN + self.width());
        self.page().shapes.push(Shape::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
        });
    }

    pub fn space(&mut self, pts: f32) {
        self.y -= pts;
    }

    /// Remaining vertical space on the current page.
    pub fn remaining(&self) -> f32 {
        self.y - BOTTOM
    }

    fn line_height(size: f32) -> f32 {
        size * 1.35
    }

    /// One line of text at `x`, moving down one line.
    pub fn text_line(&mut self, x: f32, text: &str, size: f32, bold: bool, gray: f32) {
        self.ensure(Self::line_height(size));
        let y = self.y - size;
        let text = self.m.drawable(text);
        self.page().runs.push(Run {
            x,
            y,
            size,
            bold,
            gray,
            text,
        });
        self.y -= Self::line_height(size);
    }

    pub fn title(&mut self, text: &str) {
        self.text_line(MARGIN, text, TITLE, true, 0.0);
        self.space(6.0);
    }

    pub fn heading(&mut self, text: &str) {
        // keep the heading with at least two lines of what follows
        self.ensure(Self::line_height(HEADING) + 2.0 * Self::line_height(BODY) + 6.0);
        self.space(4.0);
        self.text_line(MARGIN, text, HEADING, true, 0.0);
        let y = self.y + 2.0;
        self.rule(y, 0.5);
        self.space(4.0);
    }

    /// Splits `text` into lines no wider than `max` at `size`.
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        wrap(self.m, text, size, max)
    }

    /// A wrapped paragraph starting at `MARGIN + indent`.
    pub fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let max = self.width() - indent;
        for line in self.wrap(text, size, max) {
            self.text_line(MARGIN + indent, &line, size, bold, 0.0);
        }
    }

    /// "Label   value" with the value wrapped in its own column.
    pub fn field(&mut self, label: &str, value: &str) {
        let label_w = 120.0;
        let lines = self.wrap(value, BODY, self.width() - label_w);
        self.ensure(Self::line_height(BODY) * lines.len().min(3) as f32);
        let y0 = self.y;
        self.text_line(MARGIN, label, BODY, true, 0.3);
        self.y = y0;
        for line in lines {
            self.text_line(MARGIN + label_w, &line, BODY, false, 0.0);
        }
    }

    /// An empty box of `height` points for handwritten answers.
    pub fn answer_box(&mut self, height: f32) {
        self.ensure(height + 4.0);
        let (x, w) = (MARGIN, self.width());
        let y = self.y - height;
        self.page().shapes.push(Shape::Box { x, y, w, h: height });
        self.y -= height + 4.0;
    }

    /// A table whose cells wrap; the header row repeats on every page it spans.
    pub fn table(&mut self, cols: &[Column<'_>], rows: &[Vec<String>], size: f32) {
        self.table_at(0.0, cols, rows, size);
    }

    /// A table starting `indent` points right of the margin; cells and headers wrap, and
    /// the header row repeats on every page the table spans.
    pub fn table_at(&mut self, indent: f32, cols: &[Column<'_>], rows: &[Vec<String>], size: f32) {
        let total: f32 = cols.iter().map(|c| c.width).sum();
        let scale = if total > 0.0 {
            (self.width() - indent) / total
        } else {
            1.0
        };
        let widths: Vec<f32> = cols.iter().map(|c| c.width * scale).collect();
        let lh = Self::line_height(size);
        self.ensure(3.0 * lh);
        self.table_header(indent, cols, &widths, size);
        for row in rows {
            let cells: Vec<Vec<String>> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let t = row.get(i).map(String::as_str).unwrap_or("");
                    self.wrap(t, size, w - 6.0)
                })
                .collect();
            let nlines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = nlines as f32 * lh;
            // Keep a row on one page when it fits on one; a taller row continues line by
            // line, every column together, under a repeated header.
            let page_room = self.paper.size().1 - MARGIN - BOTTOM - 3.0 * lh;
            if self.y - height - 3.0 < BOTTOM && height <= page_room {
                self.new_page();
                self.table_header(indent, cols, &widths, size);
            }
            for k in 0..nlines {
                if self.y - lh < BOTTOM {
                    self.new_page();
                    self.table_header(indent, cols, &widths, size);
                }
                let top = self.y;
                let mut x = MARGIN + indent;
                for (i, lines) in cells.iter().enumerate() {
                    if let Some(line) = lines.get(k) {
                        self.y = top;
                        self.text_line(x, line, size, false, 0.0);
                    }
                    x += widths.get(i).copied().unwrap_or(0.0);
                }
                self.y = top - lh;
            }
            let top = self.y + height;
            self.y = top - height - 2.0;
            let y = self.y + 1.0;
            self.rule_from(indent, y, 0.25);
        }
    }

    fn table_header(&mut self, indent: f32, cols: &[Column<'_>], widths: &[f32], size: f32) {
        if cols.iter().all(|c| c.header.trim().is_empty()) {
            // A table without a header row: only the line above the first row.
            let y = self.y;
            self.rule_from(indent, y, 0.75);
            self.space(3.0);
            return;
        }
        // Header cells wrap like any cell: a long header loses no word.
        let cells: Vec<Vec<String>> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| self.wrap(c.header, size, w - 6.0))
            .collect();
        let nlines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        self.ensure(nlines as f32 * Self::line_height(size));
        let top = self.y;
        let mut bottom = top;
        let mut x = MARGIN + indent;
        for (lines, w) in cells.iter().zip(widths) {
            self.y = top;
            for line in lines {
                self.text_line(x, line, size, true, 0.3);
            }
            bottom = bottom.min(self.y);
            x += w;
        }
        self.y = bottom;
        let y = self.y;
        self.rule_from(indent, y, 0.75);
        self.space(3.0);
    }

    pub fn finish(self) -> Vec<PageLayout> {
        self.pages
    }
}

/// Greedy word wrap; words longer than a line are broken between characters.
pub fn wrap(m: &Metrics, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if m.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if m.width(word, size) <= max {
                line = word.to_string();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if m.width(&next, size) > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_keeps_every_word() {
        let m = Metrics::get().expect("font");
        let text = "Please review the enclosed pathology and imaging reports before our appointment on Friday; supercalifragilisticexpialidocious-long-token";
        for max in [60.0, 120.0, 300.0] {
            let lines = wrap(m, text, 10.0, max);
            for l in &lines {
                assert!(m.width(l, 10.0) <= max + 0.01, "{l} wider than {max}");
            }
            let joined: String = lines.concat().split_whitespace().collect();
            let orig: String = text.split_whitespace().collect();
            assert_eq!(joined, orig);
        }
    }

    #[test]
    fn a_row_taller_than_a_page_keeps_its_columns_together() {
        let m = Metrics::get().expect("font");
        let mut f = Flow::new(m, Paper::Letter);
        let cols = [
            Column {
                header: "Name",
                width: 100.0,
            },
            Column {
                header: "Dose",
                width: 300.0,
            },
        ];
        let long = "very long dose text ".repeat(400);
        f.table(&cols, &[vec!["Aspirin".into(), long]], BODY);
        let pages = f.finish();
        assert!(pages.len() >= 3, "the row spans pages");
        // The name is on the first page, next to the first line of the dose.
        let first = &pages[0];
        let name = first
            .runs
            .iter()
            .find(|r| r.text == "Aspirin")
            .expect("name on page 1");
        assert!(first
            .runs
            .iter()
            .any(|r| r.text.starts_with("very long") && (r.y - name.y).abs() < 0.01));
        for p in &pages {
            assert!(
                p.runs.iter().any(|r| r.text == "Dose"),
                "header repeats on every page"
            );
            for r in &p.runs {
                assert!(r.y >= BOTTOM - 1.0);
            }
        }
    }

    #[test]
    fn long_content_flows_onto_more_pages() {
        let m = Metrics::get().expect("font");
        let mut short = Flow::new(m, Paper::Letter);
        short.paragraph("one line", BODY, false, 0.0);
        assert_eq!(short.finish().len(), 1);
        let mut long = Flow::new(m, Paper::Letter);
        for i in 0..200 {
            long.paragraph(&format!("line {i}"), BODY, false, 0.0);
        }
        let pages = long.finish();
        assert!(pages.len() >= 3);
        for p in &pages {
            for r in &p.runs {
                assert!(r.y >= BOTTOM - 1.0, "run below bottom margin: {}", r.y);
            }
        }
    }
}
