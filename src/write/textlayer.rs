//! Text layer: the words OCR read on a scanned page turn into invisible text (render mode
//! 3) in the packet's embedded font, each word set on its box and stretched to its width,
//! so viewers and `pdftotext` find, select and copy the scan's words where they show.

use crate::base::fonts::Metrics;
use crate::base::pdf::num;
use crate::read::ocr::Word;
use crate::write::stamp::{StampFont, STAMP_FONT};

/// The embedded font's ascent and descent, in em (DejaVu Sans: 1901 and 483 of 2048).
const ASCENT: f32 = 1901.0 / 2048.0;
const DESCENT: f32 = 483.0 / 2048.0;

/// Where the upright page image lies: upright pixel (x, y) shows at
/// (`left + x * scale`, `top - y * scale`) in the coordinates the layer is drawn in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub left: f32,
    pub top: f32,
    pub scale: f32,
}

/// The content stream of the layer (balanced: it saves and restores the graphics
/// state). Words the font cannot measure are left out.
pub fn content(words: &[Word], frame: &Frame, font: &mut StampFont, m: &Metrics) -> Vec<u8> {
    let mut s = format!("q BT 3 Tr /{STAMP_FONT} 1 Tf\n");
    for w in words {
        let text = w.text.trim();
        if text.is_empty() {
            continue;
        }
        let line_h = (w.line_bottom - w.line_top).max(w.y1 - w.y0) * frame.scale;
        let size = line_h / (ASCENT + DESCENT);
        let natural = m.width(&m.drawable(text), size);
        let box_w = (w.x1 - w.x0) * frame.scale;
        if !(size > 0.0 && natural > 0.0 && box_w > 0.0) {
            continue;
        }
        let stretch = box_w / natural;
        let x = frame.left + w.x0 * frame.scale;
        let baseline = frame.top - w.line_bottom.max(w.y1) * frame.scale + DESCENT * size;
        let hex = font.encode(m, text);
        s.push_str(&format!(
            "{} 0 0 {} {} {} Tm <{hex}> Tj\n",
            num(size * stretch),
            num(size),
            num(x),
            num(baseline)
        ));
    }
    s.push_str("ET Q\n");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_sits_on_its_box_and_is_stretched_to_its_width() {
        let m = Metrics::get().expect("font");
        let words = vec![Word {
            text: "Biopsy".into(),
            x0: 300.0,
            y0: 600.0,
            x1: 600.0,
            y1: 660.0,
            line_top: 590.0,
            line_bottom: 680.0,
        }];
        let frame = Frame {
            left: 36.0,
            top: 756.0,
            scale: 0.24,
        };
        let mut font = StampFont::default();
        let c = String::from_utf8(content(&words, &frame, &mut font, m)).expect("utf8");
        assert!(c.starts_with("q BT 3 Tr /MPStampF0 1 Tf\n"), "{c}");
        assert!(c.ends_with("ET Q\n"), "{c}");
        let tm: Vec<f32> = c
            .lines()
            .find(|l| l.ends_with("Tj"))
            .expect("a word")
            .split_whitespace()
            .take(6)
            .map(|v| v.parse().expect("number"))
            .collect();
        let size = 90.0 * 0.24 / (ASCENT + DESCENT);
        assert!((tm[3] - size).abs() < 0.01, "{tm:?}");
        // Set at its width: the stretched advance spans the box.
        let advance = m.width("Biopsy", 1.0) * tm[0];
        assert!((advance - 300.0 * 0.24).abs() < 0.05, "{advance}");
        assert!((tm[4] - (36.0 + 300.0 * 0.24)).abs() < 0.01);
        // The descent below the baseline reaches the line's bottom.
        assert!((tm[5] - DESCENT * size - (756.0 - 680.0 * 0.24)).abs() < 0.01);
    }
}
