//! Fax pages: a record page's geometry (visible box, /Rotate) turns into the matrix that
//! fits it, upright and uncropped, on a Letter portrait page above the stamp's band, and
//! into the content that applies that matrix.

use crate::base::pdf::num;
use crate::write::stamp::PageGeometry;

/// Fax pages: US Letter portrait.
pub const FAX_PAGE: (f32, f32) = (612.0, 792.0);
/// Fax pages: the band at the bottom kept free for the stamp (records are fitted above it).
pub const FAX_FOOTER: f32 = 26.0;

/// The matrix that applies `a`, then `b` (PDF `cm` order: `a` is concatenated after `b`).
pub fn then(a: [f32; 6], b: [f32; 6]) -> [f32; 6] {
    [
        b[0] * a[0] + b[2] * a[1],
        b[1] * a[0] + b[3] * a[1],
        b[0] * a[2] + b[2] * a[3],
        b[1] * a[2] + b[3] * a[3],
        b[0] * a[4] + b[2] * a[5] + b[4],
        b[1] * a[4] + b[3] * a[5] + b[5],
    ]
}

pub fn invert(m: [f32; 6]) -> [f32; 6] {
    let det = m[0] * m[3] - m[1] * m[2];
    let det = if det.abs() < f32::EPSILON { 1.0 } else { det };
    [
        m[3] / det,
        -m[1] / det,
        -m[2] / det,
        m[0] / det,
        (m[2] * m[5] - m[3] * m[4]) / det,
        (m[1] * m[4] - m[0] * m[5]) / det,
    ]
}

pub fn apply(m: [f32; 6], x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// The content that draws a page's own space onto its fax page: the matrix, and a clip
/// to the box the page showed.
pub fn fax_prefix(m: [f32; 6], b: [f32; 4]) -> String {
    format!(
        "{} {} {} {} {} {} cm {} {} {} {} re W n\n",
        num(m[0]),
        num(m[1]),
        num(m[2]),
        num(m[3]),
        num(m[4]),
        num(m[5]),
        num(b[0]),
        num(b[1]),
        num(b[2] - b[0]),
        num(b[3] - b[1]),
    )
}

/// For a fax: the matrix from a page's own user space onto a Letter portrait page, the
/// page as displayed (crop box, /Rotate) turned upright-portrait when it is landscape,
/// scaled to fit above the stamp's band, centred, never cropped.
pub fn fax_matrix(geo: &PageGeometry) -> [f32; 6] {
    let (sw, sh) = geo.shown();
    let to_shown = invert(geo.display_matrix());
    let turn = sw > sh;
    let (w, h) = if turn { (sh, sw) } else { (sw, sh) };
    // Landscape turns a quarter to the left: its top edge goes to the left side.
    let turned = if turn {
        [0.0, 1.0, -1.0, 0.0, sh, 0.0]
    } else {
        [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    };
    let (pw, ph) = FAX_PAGE;
    let avail = ph - FAX_FOOTER;
    let s = (pw / w.max(1.0)).min(avail / h.max(1.0));
    let fit = [
        s,
        0.0,
        0.0,
        s,
        (pw - w * s) / 2.0,
        FAX_FOOTER + (avail - h * s) / 2.0,
    ];
    then(then(to_shown, turned), fit)
}

/// Content drawn on a landscape Letter page, turned a quarter to the left onto the
/// portrait fax page (its top edge to the left side).
pub fn turn_left(draw: Vec<u8>) -> Vec<u8> {
    let mut d = format!("q 0 1 -1 0 {} 0 cm ", num(FAX_PAGE.0)).into_bytes();
    d.extend(draw);
    d.extend(b"Q\n");
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fax_pages_fit_letter_portrait_uncropped_and_upright() {
        // (visible box, /Rotate): every corner of what the page showed must land on the
        // Letter page, above the stamp's band, and a landscape page must be turned.
        let cases: [([f32; 4], i64, bool); 6] = [
            ([0.0, 0.0, 612.0, 792.0], 0, false),
            ([0.0, 0.0, 595.28, 841.89], 0, false),
            ([0.0, 0.0, 792.0, 612.0], 0, true),
            ([0.0, 0.0, 612.0, 792.0], 90, true),
            ([0.0, 0.0, 842.0, 595.0], 270, false),
            ([50.0, 60.0, 1250.0, 960.0], 180, true),
        ];
        for (bbox, rotate, turned) in cases {
            let geo = PageGeometry { bbox, rotate };
            let m = fax_matrix(&geo);
            let corners = [
                apply(m, bbox[0], bbox[1]),
                apply(m, bbox[2], bbox[1]),
                apply(m, bbox[0], bbox[3]),
                apply(m, bbox[2], bbox[3]),
            ];
            for (x, y) in corners {
                assert!((-0.01..=612.01).contains(&x), "{bbox:?} {rotate}: x {x}");
                assert!(
                    (FAX_FOOTER - 0.01..=792.01).contains(&y),
                    "{bbox:?} {rotate}: y {y}"
                );
            }
            // It fills the page one way or the other (scaled to fit, not shrunk more).
            let xs = corners.map(|c| c.0);
            let ys = corners.map(|c| c.1);
            let span = |v: [f32; 4]| {
                v.iter().cloned().fold(f32::MIN, f32::max)
                    - v.iter().cloned().fold(f32::MAX, f32::min)
            };
            assert!(
                span(xs) > 611.0 || span(ys) > 792.0 - FAX_FOOTER - 1.0,
                "{bbox:?} {rotate}"
            );
            // The displayed top edge: up when the page was portrait, to the left when it
            // was turned.
            let d = geo.display_matrix();
            let (w, h) = geo.shown();
            let top = apply(m, apply(d, w / 2.0, h).0, apply(d, w / 2.0, h).1);
            let centre = apply(
                m,
                apply(d, w / 2.0, h / 2.0).0,
                apply(d, w / 2.0, h / 2.0).1,
            );
            if turned {
                assert!(top.0 < centre.0 - 1.0, "{bbox:?} {rotate}: top {top:?}");
            } else {
                assert!(top.1 > centre.1 + 1.0, "{bbox:?} {rotate}: top {top:?}");
            }
        }
    }
}
