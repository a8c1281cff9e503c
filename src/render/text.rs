//! Text documents: a `.txt` or `.md` file's text turns into typeset pages, headed by a
//! note naming the file it came from.

use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{Flow, PageLayout, Paper, BODY, HEADING, SMALL};

pub fn layout(m: &Metrics, paper: Paper, rel: &str, text: &str, t: &Messages) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    let heading = t.f("text.continued", &[("path", rel)]);
    f.set_continued(&t.f("flow.continued", &[("heading", &heading)]));
    f.text_line(
        crate::base::layout::MARGIN,
        &t.f("text.header", &[("path", rel)]),
        SMALL,
        false,
        0.4,
    );
    f.space(6.0);
    let markdown = rel.to_ascii_lowercase().ends_with(".md");
    for line in text.lines() {
        let expanded = line.replace('\t', "    ");
        if expanded.trim().is_empty() {
            f.space(BODY * 0.8);
            continue;
        }
        if markdown {
            let t = expanded.trim_start();
            if let Some(h) = t.strip_prefix('#') {
                f.space(4.0);
                f.paragraph(h.trim_start_matches('#').trim(), HEADING, true, 0.0);
                continue;
            }
        }
        let indent_chars = expanded.len() - expanded.trim_start().len();
        let indent = (indent_chars as f32 * m.width(" ", BODY)).min(120.0);
        f.paragraph(expanded.trim_start(), BODY, false, indent);
    }
    f.finish()
}
