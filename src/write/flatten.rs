//! Flatten: a page's filled-in form fields (its widget annotations) turn into page content
//! — each widget's normal appearance drawn at its rectangle, or, where there is none (or the
//! form asks viewers to make new ones), its value typeset in the packet's font — so the
//! answers stay visible once the interactive form is left out of the packet.

use crate::base::fonts::Metrics;
use crate::base::pdf::num;
use crate::base::pdf::Lookup;
use crate::read::extent::{deref, read_box, transform_rect, Rect};
use crate::write::stamp::{self, PageGeometry, StampFont, STAMP_FONT};
use lopdf::{Dictionary, Document, Object};

/// What flattening a page's form fields gives.
#[derive(Debug, Default)]
pub struct Flattened {
    /// Content (in page space, graphics state saved and restored) that draws the widgets.
    pub content: Vec<u8>,
    /// Appearance streams the content draws, by resource name: source objects to copy.
    pub xobjects: Vec<(String, Object)>,
    /// Where (page space) the drawn widgets lie.
    pub boxes: Vec<Rect>,
}

/// Resource-name prefix of the drawn appearances.
const PREFIX: &str = "MPField";
/// Widget flags that keep it off the screen: Hidden, NoView.
const HIDDEN: i64 = 2 | 32;
/// Field flags.
const MULTILINE: i64 = 1 << 12;
const RADIO: i64 = 1 << 15;
const PUSHBUTTON: i64 = 1 << 16;

/// A field attribute, from the widget or the fields above it.
fn inherited<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = d;
    for _ in 0..32 {
        if let Some(v) = node.lookup(key) {
            return deref(doc, v);
        }
        node = node
            .lookup(b"Parent")
            .and_then(|p| deref(doc, p))
            .and_then(|p| p.as_dict().ok())?;
    }
    None
}

fn text_of(o: &Object) -> Option<String> {
    match o {
        Object::String(..) => lopdf::decode_text_string(o).ok(),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// True when a widget annotation is a form field's widget.
pub fn is_widget(d: &Dictionary) -> bool {
    d.lookup(b"Subtype").and_then(|s| s.as_name().ok()) == Some(b"Widget")
}

/// Flattens the widgets of `page` (rotated by `rotate`), drawing generated values with the
/// stamp font.
pub fn flatten(
    doc: &Document,
    page: &Dictionary,
    rotate: i64,
    font: &mut StampFont,
    m: &Metrics,
) -> Flattened {
    let mut out = Flattened::default();
    let Some(Object::Array(annots)) = page.lookup(b"Annots").and_then(|a| deref(doc, a)) else {
        return out;
    };
    let form = doc
        .catalog()
        .ok()
        .and_then(|c| c.lookup(b"AcroForm"))
        .and_then(|f| deref(doc, f))
        .and_then(|f| f.as_dict().ok());
    let need_appearances = form
        .and_then(|f| f.lookup(b"NeedAppearances"))
        .and_then(|n| n.as_bool().ok())
        .unwrap_or(false);
    let default_resources = form
        .and_then(|f| f.lookup(b"DR"))
        .and_then(|r| deref(doc, r))
        .and_then(|r| r.as_dict().ok());
    let default_da = form
        .and_then(|f| f.lookup(b"DA"))
        .and_then(|d| deref(doc, d))
        .and_then(text_of);
    for a in annots.iter().take(10_000) {
        let Some(Object::Dictionary(w)) = deref(doc, a) else {
            continue;
        };
        if !is_widget(w) {
            continue;
        }
        let flags = w.lookup(b"F").and_then(|f| f.as_i64().ok()).unwrap_or(0);
        if flags & HIDDEN != 0 {
            continue;
        }
        let Some(rect) = w
            .lookup(b"Rect")
            .and_then(|r| deref(doc, r))
            .and_then(read_box)
        else {
            continue;
        };
        let ft = inherited(doc, w, b"FT").and_then(|f| f.as_name().ok());
        let ff = inherited(doc, w, b"Ff")
            .and_then(|f| f.as_i64().ok())
            .unwrap_or(0);
        let appearance = normal_appearance(doc, w);
        let textual = matches!(ft, Some(b"Tx") | Some(b"Ch"));
        let before = out.content.len();
        match appearance {
            Some(ap) if !(textual && need_appearances) => {
                draw_appearance(doc, &mut out, ap, rect, default_resources)
            }
            _ if textual => {
                let value = field_value(doc, w, ft == Some(b"Ch"));
                let da = inherited(doc, w, b"DA")
                    .and_then(text_of)
                    .or_else(|| default_da.clone());
                let quad = inherited(doc, w, b"Q")
                    .and_then(|q| q.as_i64().ok())
                    .unwrap_or(0);
                let turn = widget_rotation(doc, w).unwrap_or(rotate);
                let text = TextField {
                    value: &value,
                    size: da.as_deref().and_then(da_size).unwrap_or(0.0),
                    multiline: ff & MULTILINE != 0 && ft == Some(b"Tx"),
                    align: quad,
                };
                out.content
                    .extend(text.draw(rect, turn, font, m).into_bytes());
            }
            _ if ft == Some(b"Btn") && ff & PUSHBUTTON == 0 && button_on(doc, w) => {
                let mark = if ff & RADIO != 0 { '●' } else { '✓' };
                let mark = if m.has_glyph(mark) { mark } else { 'X' };
                let turn = widget_rotation(doc, w).unwrap_or(rotate);
                out.content
                    .extend(draw_mark(mark, rect, turn, font, m).into_bytes());
            }
            _ => {}
        }
        if out.content.len() > before {
            out.boxes.push(rect);
        }
    }
    out
}

/// The widget's normal appearance stream for its current state.
fn normal_appearance<'a>(doc: &'a Document, w: &'a Dictionary) -> Option<&'a Object> {
    let ap = w
        .lookup(b"AP")
        .and_then(|a| deref(doc, a))?
        .as_dict()
        .ok()?;
    let n = ap.lookup(b"N")?;
    match deref(doc, n)? {
        Object::Stream(_) => Some(n),
        Object::Dictionary(states) => {
            let state = w.lookup(b"AS").and_then(|s| s.as_name().ok())?;
            let s = states.lookup(state)?;
            matches!(deref(doc, s)?, Object::Stream(_)).then_some(s)
        }
        _ => None,
    }
}

fn draw_appearance(
    doc: &Document,
    out: &mut Flattened,
    ap: &Object,
    rect: Rect,
    default_resources: Option<&Dictionary>,
) {
    let Some(Object::Stream(s)) = deref(doc, ap) else {
        return;
    };
    let Some(bbox) = s
        .dict
        .lookup(b"BBox")
        .and_then(|b| deref(doc, b))
        .and_then(read_box)
    else {
        return;
    };
    let matrix = s
        .dict
        .lookup(b"Matrix")
        .and_then(|m| deref(doc, m))
        .and_then(|m| m.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_float().ok())
                .collect::<Vec<f32>>()
        })
        .filter(|a| a.len() == 6 && a.iter().all(|v| v.is_finite()))
        .map(|a| [a[0], a[1], a[2], a[3], a[4], a[5]])
        .unwrap_or(crate::read::extent::IDENTITY);
    // The appearance's box, as its matrix turns it, is fitted to the widget's rectangle
    // (PDF 32000-1, 12.5.5).
    let t = transform_rect(matrix, bbox);
    let (tw, th) = (t[2] - t[0], t[3] - t[1]);
    if tw <= 0.0 || th <= 0.0 {
        return;
    }
    let sx = (rect[2] - rect[0]) / tw;
    let sy = (rect[3] - rect[1]) / th;
    let name = format!("{PREFIX}{}", out.xobjects.len());
    // A stream without the entries of a form XObject (or without resources, which then
    // come from the form's defaults) is copied with them; otherwise it is shared.
    let is_form = s.dict.lookup(b"Subtype").and_then(|t| t.as_name().ok()) == Some(b"Form");
    let lacks_resources = !s.dict.has(b"Resources") && default_resources.is_some();
    let obj = if is_form && !lacks_resources && matches!(ap, Object::Reference(_)) {
        ap.clone()
    } else {
        let mut c = s.clone();
        c.dict.set("Type", Object::Name(b"XObject".to_vec()));
        c.dict.set("Subtype", Object::Name(b"Form".to_vec()));
        if let (false, Some(dr)) = (c.dict.has(b"Resources"), default_resources) {
            c.dict.set("Resources", Object::Dictionary(dr.clone()));
        }
        Object::Stream(c)
    };
    out.content.extend(
        format!(
            "q {} 0 0 {} {} {} cm /{name} Do Q\n",
            num(sx),
            num(sy),
            num(rect[0] - t[0] * sx),
            num(rect[1] - t[1] * sy)
        )
        .into_bytes(),
    );
    out.xobjects.push((name, obj));
}

/// How a widget's content is turned on the page (its /MK /R), if it says.
fn widget_rotation(doc: &Document, w: &Dictionary) -> Option<i64> {
    let mk = w
        .lookup(b"MK")
        .and_then(|m| deref(doc, m))?
        .as_dict()
        .ok()?;
    let r = mk.lookup(b"R")?.as_i64().ok()?;
    Some(crate::write::stamp::normalize_rotate(r))
}

/// Whether a check box or radio button is on.
fn button_on(doc: &Document, w: &Dictionary) -> bool {
    let state = w
        .lookup(b"AS")
        .and_then(|s| s.as_name().ok())
        .or_else(|| inherited(doc, w, b"V").and_then(|v| v.as_name().ok()));
    state.is_some_and(|s| s != b"Off")
}

/// The text a field shows: its value, or for a list its chosen options' shown names.
fn field_value(doc: &Document, w: &Dictionary, choice: bool) -> String {
    let Some(v) = inherited(doc, w, b"V") else {
        return String::new();
    };
    let chosen: Vec<String> = match v {
        Object::Array(a) => a
            .iter()
            .filter_map(|x| deref(doc, x))
            .filter_map(text_of)
            .collect(),
        other => text_of(other).into_iter().collect(),
    };
    if !choice {
        return chosen.join("");
    }
    // An option may be [export value, shown name]: show the name.
    let opts: Vec<(String, String)> = inherited(doc, w, b"Opt")
        .and_then(|o| o.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|o| match deref(doc, o)? {
                    Object::Array(pair) => {
                        let e = pair.first().and_then(|x| deref(doc, x)).and_then(text_of)?;
                        let d = pair.get(1).and_then(|x| deref(doc, x)).and_then(text_of)?;
                        Some((e, d))
                    }
                    other => text_of(other).map(|t| (t.clone(), t)),
                })
                .collect()
        })
        .unwrap_or_default();
    chosen
        .into_iter()
        .map(|c| {
            opts.iter()
                .find(|(e, _)| *e == c)
                .map(|(_, d)| d.clone())
                .unwrap_or(c)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The font size a default-appearance string sets (`/Helv 12 Tf 0 g`); 0 means "fit".
fn da_size(da: &str) -> Option<f32> {
    let tokens: Vec<&str> = da.split_whitespace().collect();
    let at = tokens.iter().rposition(|t| *t == "Tf")?;
    tokens.get(at.checked_sub(1)?)?.parse::<f32>().ok()
}

struct TextField<'a> {
    value: &'a str,
    size: f32,
    multiline: bool,
    align: i64,
}

/// Smallest size a field's value is set in before it may run past its box.
const MIN_SIZE: f32 = 4.0;

impl TextField<'_> {
    /// Content drawing the value inside `rect`, upright when the page is turned by `turn`.
    fn draw(&self, rect: Rect, turn: i64, font: &mut StampFont, m: &Metrics) -> String {
        let value = m.drawable(self.value.trim_end());
        if value.trim().is_empty() {
            return String::new();
        }
        let geo = PageGeometry {
            bbox: rect,
            rotate: turn,
        };
        let (w, h) = geo.shown();
        let pad = 2.0f32.min(w / 4.0);
        let room = (w - 2.0 * pad).max(1.0);
        let mut size = if self.size > 0.0 {
            self.size
        } else if self.multiline {
            10.0
        } else {
            (h * 0.7).clamp(MIN_SIZE, 12.0)
        };
        let lines = loop {
            let lines = if self.multiline {
                wrap(&value, size, room, m)
            } else {
                vec![value.replace(['\n', '\r'], " ")]
            };
            let widest = lines.iter().map(|l| m.width(l, size)).fold(0.0, f32::max);
            let tall = lines.len() as f32 * size * 1.15;
            if (widest <= room && tall <= h) || size <= MIN_SIZE {
                break lines;
            }
            size = (size - 0.5).max(MIN_SIZE);
        };
        let c = geo.display_matrix();
        let mut s = format!(
            "q {} cm BT /{STAMP_FONT} {} Tf 0 g",
            stamp::matrix_words(c),
            num(size)
        );
        let lead = size * 1.15;
        // One line sits in the middle of the box; several start at its top.
        let first = if lines.len() == 1 && !self.multiline {
            (h - size * 0.72) / 2.0
        } else {
            h - pad - size * 0.93
        };
        for (i, line) in lines.iter().enumerate() {
            let lw = m.width(line, size);
            let x = match self.align {
                1 => (w - lw) / 2.0,
                2 => w - pad - lw,
                _ => pad,
            }
            .max(0.0);
            let y = first - i as f32 * lead;
            s.push_str(&format!(
                " 1 0 0 1 {} {} Tm <{}> Tj",
                num(x),
                num(y),
                font.encode(m, line)
            ));
        }
        s.push_str(" ET Q\n");
        s
    }
}

/// Splits `text` into lines no wider than `room` at `size` (a word longer than the line
/// is cut between characters).
fn wrap(text: &str, size: f32, room: f32, m: &Metrics) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split(['\n', '\r']) {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if m.width(&candidate, size) <= room || line.is_empty() && m.width(word, size) <= room {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for ch in word.chars() {
                if !line.is_empty() && m.width(&format!("{line}{ch}"), size) > room {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(ch);
            }
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Content drawing a check mark (or radio dot) in the middle of `rect`.
fn draw_mark(mark: char, rect: Rect, turn: i64, font: &mut StampFont, m: &Metrics) -> String {
    let geo = PageGeometry {
        bbox: rect,
        rotate: turn,
    };
    let (w, h) = geo.shown();
    let text = mark.to_string();
    let size = (w.min(h) * 0.8).max(MIN_SIZE);
    let x = (w - m.width(&text, size)) / 2.0;
    let y = (h - size * 0.72) / 2.0;
    let c = geo.display_matrix();
    format!(
        "q {} cm BT /{STAMP_FONT} {} Tf 0 g {} {} Td <{}> Tj ET Q\n",
        stamp::matrix_words(c),
        num(size),
        num(x),
        num(y),
        font.encode(m, &text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_appearance_sizes_are_read() {
        assert_eq!(da_size("/Helv 12 Tf 0 g"), Some(12.0));
        assert_eq!(da_size("0 g /F1 0 Tf"), Some(0.0));
        assert_eq!(da_size("0 g"), None);
    }

    #[test]
    fn long_values_wrap_inside_the_box() {
        let m = Metrics::get().expect("font");
        let lines = wrap(
            "Take one tablet by mouth every morning with food",
            10.0,
            100.0,
            m,
        );
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 100.0), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "Take one tablet by mouth every morning with food"
        );
    }
}
