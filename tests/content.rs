//! Never lose or hide a record's content: PDFs made here with lopdf (a download cut off
//! halfway, filled-in forms, pages whose own text sits where the footer goes, open actions)
//! turn into packets that are checked with pdftotext (-bbox), qpdf --check and the JSON
//! reports.
//!
//! Each test checks several fixtures and lists every one that came out wrong before it
//! fails, so the number of fixtures a change fixes can be counted.

mod support;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};
use std::path::Path;
use std::process::{Command, Output};
use support::*;

const PATIENT: &str = "[patient]\nname = \"Ana Ruiz\"\ndate_of_birth = 1970-01-01\n";

// ---------------------------------------------------------------------------------------------
// Building PDFs
// ---------------------------------------------------------------------------------------------

/// A PDF under construction: catalog and page tree first (so a cut-off copy keeps them),
/// Helvetica as /F1 on every page.
struct Pdf {
    doc: Document,
    catalog: ObjectId,
    pages: ObjectId,
    font: ObjectId,
    kids: Vec<Object>,
}

impl Pdf {
    fn new() -> Pdf {
        let mut doc = Document::with_version("1.4");
        doc.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
        let catalog = doc.new_object_id();
        let pages = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        Pdf {
            doc,
            catalog,
            pages,
            font,
            kids: Vec::new(),
        }
    }

    /// Adds a page drawing `content` (compressed), with `extra` entries and `xobjects`.
    fn page(&mut self, media: [f32; 4], content: &[u8], extra: Dictionary) -> ObjectId {
        let id = self.doc.new_object_id();
        self.page_at(id, media, content, extra)
    }

    /// [`Pdf::page`] with an object number reserved earlier.
    fn page_at(
        &mut self,
        id: ObjectId,
        media: [f32; 4],
        content: &[u8],
        extra: Dictionary,
    ) -> ObjectId {
        let mut s = Stream::new(dictionary! {}, content.to_vec());
        s.compress().expect("compress");
        let c = self.doc.add_object(s);
        let mut d = dictionary! {
            "Type" => "Page",
            "Parent" => self.pages,
            "MediaBox" => media.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
            "Contents" => c,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => self.font } },
        };
        for (k, v) in extra.iter() {
            d.set(k.clone(), v.clone());
        }
        self.doc.objects.insert(id, Object::Dictionary(d));
        self.kids.push(id.into());
        id
    }

    fn finish(mut self, catalog: Dictionary) -> Vec<u8> {
        let count = self.kids.len() as i64;
        self.doc.objects.insert(
            self.pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => self.kids, "Count" => count },
            ),
        );
        let mut cat = dictionary! { "Type" => "Catalog", "Pages" => self.pages };
        for (k, v) in catalog.iter() {
            cat.set(k.clone(), v.clone());
        }
        self.doc
            .objects
            .insert(self.catalog, Object::Dictionary(cat));
        self.doc.trailer.set("Root", self.catalog);
        let mut out = Vec::new();
        self.doc.save_to(&mut out).expect("save");
        out
    }
}

fn text_op(x: f32, y: f32, size: f32, text: &str) -> String {
    format!("BT /F1 {size} Tf {x} {y} Td ({text}) Tj ET\n")
}

// ---------------------------------------------------------------------------------------------
// Running medpacket
// ---------------------------------------------------------------------------------------------

/// Builds the packet of `dir` (`build --json --force`). With `CONTENT_FIXTURES_DIR` set,
/// the records folder is also copied there, for a look by hand.
fn build(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    if let Some(keep) = std::env::var_os("CONTENT_FIXTURES_DIR") {
        let name = std::thread::current()
            .name()
            .unwrap_or("records")
            .replace("::", "-");
        copy_tree(dir, &Path::new(&keep).join(name));
    }
    medpacket()
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .arg("--force")
        .arg("--json")
        .args(extra)
        .output()
        .expect("run medpacket")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn qpdf_ok(pdf: &Path) -> Result<(), String> {
    if !require_tool("qpdf") {
        return Ok(());
    }
    let q = Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .expect("qpdf");
    if q.status.success() {
        Ok(())
    } else {
        Err(format!(
            "qpdf --check: {}",
            String::from_utf8_lossy(&q.stdout)
        ))
    }
}

/// The packet pages where a document starts and ends, from `build --json`.
fn pages_of(report: &serde_json::Value, path: &str) -> Option<(u32, u32)> {
    report["documents"].as_array()?.iter().find_map(|d| {
        (d["path"] == path).then(|| {
            (
                d["first_page"].as_u64().unwrap_or(0) as u32,
                d["last_page"].as_u64().unwrap_or(0) as u32,
            )
        })
    })
}

/// Fails the test with every fixture that came out wrong, one per line.
fn report_failures(what: &str, failures: &[String]) {
    for f in failures {
        eprintln!("FIXTURE WRONG: {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of the {what} fixtures came out wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Cut-off downloads
// ---------------------------------------------------------------------------------------------

/// Three pages, each with its text and a picture (12 KB of image data): the page tree and
/// the pages first in the file, their content and pictures after, so a copy cut off
/// halfway still has every page but not everything they draw.
fn three_page_report() -> Vec<u8> {
    let mut pdf = Pdf::new();
    let ids: Vec<ObjectId> = (0..3).map(|_| pdf.doc.new_object_id()).collect();
    for (n, &id) in (1..=3).zip(&ids) {
        let img = pdf.doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 64, "Height" => 64,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            },
            (0..64 * 64 * 3).map(|i| (i * 7 % 251) as u8).collect(),
        ));
        let content = format!(
            "{}{}q 200 0 0 200 200 300 cm /Im0 Do Q\n",
            text_op(72.0, 720.0, 14.0, "RADIOLOGY REPORT"),
            text_op(
                72.0,
                690.0,
                11.0,
                &format!("Findings continue on page {n} of 3")
            ),
        );
        let page = pdf.page_at(
            id,
            [0.0, 0.0, 612.0, 792.0],
            content.as_bytes(),
            dictionary! {},
        );
        if let Ok(Object::Dictionary(d)) = pdf.doc.get_object_mut(page) {
            d.set(
                "Resources",
                dictionary! {
                    "Font" => dictionary! { "F1" => pdf.font },
                    "XObject" => dictionary! { "Im0" => img },
                },
            );
        }
    }
    pdf.finish(dictionary! {})
}

#[test]
fn cut_off_downloads_are_problems_and_complete_repairs_are_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let whole = three_page_report();
    let mut cut = whole.clone();
    cut.truncate(whole.len() * 55 / 100);
    // The same file with a wrong cross-reference offset: rebuilt, nothing missing.
    let mut repaired = whole.clone();
    let at = repaired
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("startxref");
    repaired.truncate(at);
    repaired.extend_from_slice(b"startxref\n99999\n%%EOF\n");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("cut-off.pdf", cut),
            ("repaired.pdf", repaired),
        ],
    );
    let mut failures = Vec::new();

    let scan = medpacket()
        .arg("scan")
        .arg(&recs)
        .arg("--json")
        .output()
        .expect("scan");
    let scan = json(&scan);
    let file = |p: &str| {
        scan["files"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["path"] == p))
            .cloned()
            .unwrap_or_default()
    };
    let cut = file("cut-off.pdf");
    let reason = cut["problem"]["reason"].as_str().unwrap_or("");
    if !(cut["status"] == "problem"
        && reason.starts_with("damaged PDF: cut off (the file ends early) — ")
        && reason.ends_with(" of 3 pages are incomplete")
        && cut["problem"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("download it again")))
    {
        failures.push(format!("cut-off.pdf: scan shows {cut}"));
    }
    let rep = file("repaired.pdf");
    if !(rep["status"] == "included"
        && rep["pages"] == 3
        && rep["notes"].to_string().contains("rebuilt"))
    {
        failures.push(format!("repaired.pdf: scan shows {rep}"));
    }

    // Without --skip-unreadable the build refuses, naming the cut-off file.
    let out = tmp.path().join("p.pdf");
    let refused = build(&recs, &out, &[]);
    let err = String::from_utf8_lossy(&refused.stderr);
    if refused.status.code() != Some(2)
        || !err.contains("cut-off.pdf: damaged PDF: cut off (the file ends early)")
    {
        failures.push(format!(
            "cut-off.pdf: build without --skip-unreadable: {err}"
        ));
    }
    // With it, the repaired file is in the packet whole and the cut-off one is listed.
    let o = build(&recs, &out, &["--skip-unreadable"]);
    if !o.status.success() {
        failures.push(format!(
            "repaired.pdf: build failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    } else {
        let r = json(&o);
        let skipped = r["skipped"].to_string();
        if !skipped.contains("cut-off.pdf") || pages_of(&r, "cut-off.pdf").is_some() {
            failures.push(format!("cut-off.pdf: not skipped: {skipped}"));
        }
        match pages_of(&r, "repaired.pdf") {
            Some((first, last)) if last == first + 2 => {
                for p in first..=last {
                    let text = pdftotext_page(&out, p).unwrap_or_else(|| "on page".into());
                    if !text.contains(&format!("on page {} of 3", p - first + 1)) {
                        failures.push(format!("repaired.pdf: page {p} lost its text: {text}"));
                    }
                }
            }
            other => failures.push(format!("repaired.pdf: pages {other:?}")),
        }
        if !r["notes"].to_string().contains("rebuilt") {
            failures.push("repaired.pdf: the repair note is gone".into());
        }
        if let Err(e) = qpdf_ok(&out) {
            failures.push(format!("packet with repaired.pdf: {e}"));
        }
    }
    report_failures("cut-off", &failures);
}

#[test]
fn when_every_file_is_unreadable_the_error_lists_each_with_its_fix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let mut cut = three_page_report();
    cut.truncate(cut.len() * 55 / 100);
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("cut-off.pdf", cut),
            ("portal.pdf", html_error_page()),
            ("notes.docx", fake_docx()),
        ],
    );
    let o = build(&recs, &tmp.path().join("p.pdf"), &["--skip-unreadable"]);
    let err = String::from_utf8_lossy(&o.stderr);
    let mut failures = Vec::new();
    for want in [
        "cut-off.pdf: damaged PDF: cut off (the file ends early)",
        "download it again",
        "portal.pdf: not a PDF: it is a web page",
        "sign in again",
        "notes.docx: unsupported file type (.docx)",
        "Save as PDF",
    ] {
        if !err.contains(want) {
            failures.push(format!(
                "all-unreadable folder: {want:?} missing from: {err}"
            ));
        }
    }
    if o.status.code() != Some(2) || tmp.path().join("p.pdf").exists() {
        failures.push(format!(
            "all-unreadable folder: exit {:?}, or a packet was written",
            o.status.code()
        ));
    }
    report_failures("all-unreadable", &failures);
}

// ---------------------------------------------------------------------------------------------
// 2. Filled-in forms
// ---------------------------------------------------------------------------------------------

/// How a form fixture carries its fields' looks.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Looks {
    /// Every widget has its normal appearance.
    Drawn,
    /// No widget has one: the viewer must draw the values.
    None,
    /// Appearances are out of date and the form asks for new ones (/NeedAppearances).
    Stale,
}

fn appearance(doc: &mut Document, w: f32, h: f32, body: &str) -> ObjectId {
    let zadb = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ZapfDingbats",
    });
    let helv = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(w), Object::Real(h)],
            "Resources" => dictionary! { "Font" => dictionary! { "Helv" => helv, "ZaDb" => zadb } },
        },
        format!("/Tx BMC q 0 g 0.5 w 0 0 {w} {h} re S {body} Q EMC").into_bytes(),
    ))
}

fn text_look(doc: &mut Document, w: f32, h: f32, text: &str) -> ObjectId {
    appearance(
        doc,
        w,
        h,
        &format!("BT /Helv 11 Tf 2 {} Td ({text}) Tj ET", h / 2.0 - 4.0),
    )
}

/// One page of a filled-in intake form: two text fields, a ticked and an unticked check
/// box, a radio group, a combo box (export value -> shown name) and a list box.
fn form_pdf(looks: Looks) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let page_id = pdf.doc.new_object_id();
    let drawn = looks != Looks::None;
    let d = &mut pdf.doc;
    let mut fields = Vec::new();
    let mut annots = Vec::new();
    let rect = |x: f32, y: f32, w: f32, h: f32| {
        vec![
            Object::Real(x),
            Object::Real(y),
            Object::Real(x + w),
            Object::Real(y + h),
        ]
    };
    let mut widget = |d: &mut Document, mut w: Dictionary, top: bool| {
        w.set("Type", "Annot");
        w.set("Subtype", "Widget");
        w.set("P", page_id);
        w.set("F", 4);
        let id = d.add_object(w);
        annots.push(Object::Reference(id));
        if top {
            fields.push(Object::Reference(id));
        }
        id
    };
    // Text fields.
    let mut name = dictionary! {
        "FT" => "Tx", "T" => Object::string_literal("patient"),
        "V" => Object::string_literal("Alice"), "DA" => Object::string_literal("/Helv 0 Tf 0 g"),
        "Rect" => rect(200.0, 650.0, 200.0, 22.0),
    };
    if drawn {
        let old = if looks == Looks::Stale {
            "Alise"
        } else {
            "Alice"
        };
        let ap = text_look(d, 200.0, 22.0, old);
        name.set("AP", dictionary! { "N" => ap });
    }
    widget(d, name, true);
    let mut doctor = dictionary! {
        "FT" => "Tx", "T" => Object::string_literal("doctor"),
        "V" => Object::string_literal("Bob"), "DA" => Object::string_literal("/Helv 11 Tf 0 g"),
        "Rect" => rect(200.0, 610.0, 200.0, 22.0),
    };
    if drawn {
        let ap = text_look(d, 200.0, 22.0, "Bob");
        doctor.set("AP", dictionary! { "N" => ap });
    }
    widget(d, doctor, true);
    // Check boxes: one ticked, one not.
    for (t, on, y) in [("smoker", true, 570.0), ("diabetic", false, 540.0)] {
        let state = if on { "Yes" } else { "Off" };
        let mut cb = dictionary! {
            "FT" => "Btn", "T" => Object::string_literal(t), "V" => state, "AS" => state,
            "Rect" => rect(200.0, y, 16.0, 16.0),
        };
        if drawn {
            let yes = appearance(d, 16.0, 16.0, "BT /ZaDb 12 Tf 2 3 Td (4) Tj ET");
            let off = appearance(d, 16.0, 16.0, "");
            cb.set(
                "AP",
                dictionary! { "N" => dictionary! { "Yes" => yes, "Off" => off } },
            );
        }
        widget(d, cb, true);
    }
    // A radio group whose second button is chosen.
    let group = d.new_object_id();
    let mut kids = Vec::new();
    for (i, (state, x)) in [("F", 200.0), ("M", 240.0)].into_iter().enumerate() {
        let on = i == 1;
        let mut b = dictionary! {
            "Parent" => group, "AS" => if on { state } else { "Off" },
            "Rect" => rect(x, 500.0, 16.0, 16.0),
        };
        if drawn {
            let dot = appearance(d, 16.0, 16.0, "BT /ZaDb 12 Tf 2 3 Td (l) Tj ET");
            let off = appearance(d, 16.0, 16.0, "");
            b.set(
                "AP",
                dictionary! { "N" => Dictionary::from_iter(vec![(state, Object::Reference(dot)), ("Off", Object::Reference(off))]) },
            );
        }
        kids.push(Object::Reference(widget(d, b, false)));
    }
    d.objects.insert(
        group,
        Object::Dictionary(dictionary! {
            "FT" => "Btn", "Ff" => 1 << 15, "T" => Object::string_literal("sex"), "V" => "M",
            "Kids" => kids,
        }),
    );
    // A combo box showing the name of the chosen export value, and a list box.
    let opts = vec![
        Object::Array(vec![
            Object::string_literal("met"),
            Object::string_literal("Metformin 500 mg"),
        ]),
        Object::Array(vec![
            Object::string_literal("lis"),
            Object::string_literal("Lisinopril 10 mg"),
        ]),
    ];
    let mut combo = dictionary! {
        "FT" => "Ch", "Ff" => 1 << 17, "T" => Object::string_literal("drug"),
        "Opt" => opts, "V" => Object::string_literal("lis"),
        "DA" => Object::string_literal("/Helv 10 Tf 0 g"),
        "Rect" => rect(200.0, 460.0, 200.0, 22.0),
    };
    if drawn {
        let ap = text_look(d, 200.0, 22.0, "Lisinopril 10 mg");
        combo.set("AP", dictionary! { "N" => ap });
    }
    widget(d, combo, true);
    let mut list = dictionary! {
        "FT" => "Ch", "Ff" => 1 << 21, "T" => Object::string_literal("allergies"),
        "Opt" => vec![Object::string_literal("Latex"), Object::string_literal("Penicillin"), Object::string_literal("None")],
        "V" => vec![Object::string_literal("Latex"), Object::string_literal("Penicillin")],
        "DA" => Object::string_literal("/Helv 10 Tf 0 g"),
        "Rect" => rect(200.0, 400.0, 200.0, 40.0),
    };
    if drawn {
        let ap = appearance(
            d,
            200.0,
            40.0,
            "BT /Helv 10 Tf 2 26 Td (Latex) Tj 0 -12 Td (Penicillin) Tj ET",
        );
        list.set("AP", dictionary! { "N" => ap });
    }
    widget(d, list, true);
    fields.push(group.into());

    let labels = [
        (650.0, "Patient name"),
        (610.0, "Referring doctor"),
        (570.0, "Smoker"),
        (540.0, "Diabetic"),
        (500.0, "Sex F / M"),
        (460.0, "Medication"),
        (420.0, "Allergies"),
    ];
    let mut content = text_op(72.0, 720.0, 16.0, "INTAKE FORM");
    for (y, l) in labels {
        content.push_str(&text_op(72.0, y + 6.0, 10.0, l));
    }
    let c = {
        let mut s = Stream::new(dictionary! {}, content.into_bytes());
        s.compress().expect("compress");
        d.add_object(s)
    };
    d.objects.insert(
        page_id,
        Object::Dictionary(dictionary! {
            "Type" => "Page", "Parent" => pdf.pages,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => c,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => pdf.font } },
            "Annots" => annots,
        }),
    );
    pdf.kids.push(page_id.into());
    let mut form = dictionary! {
        "Fields" => fields,
        "DA" => Object::string_literal("/Helv 0 Tf 0 g"),
    };
    if looks == Looks::Stale {
        form.set("NeedAppearances", true);
    }
    pdf.finish(dictionary! { "AcroForm" => form })
}

#[test]
fn filled_in_forms_keep_their_answers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let cases = [
        ("form-drawn.pdf", Looks::Drawn),
        ("form-bare.pdf", Looks::None),
        ("form-stale.pdf", Looks::Stale),
    ];
    let mut files = vec![("packet.toml", PATIENT.as_bytes().to_vec())];
    files.extend(cases.iter().map(|(n, l)| (*n, form_pdf(*l))));
    write_files(&recs, &files);
    let out = tmp.path().join("p.pdf");
    let o = build(&recs, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    let mut failures = Vec::new();
    if let Err(e) = qpdf_ok(&out) {
        failures.push(format!("forms packet: {e}"));
    }
    for (name, looks) in cases {
        let Some((page, _)) = pages_of(&r, name) else {
            failures.push(format!("{name}: not in the packet"));
            continue;
        };
        let Some(text) = pdftotext_page(&out, page) else {
            continue;
        };
        let mut want = vec![
            "INTAKE FORM",
            "Alice",
            "Bob",
            "Lisinopril 10 mg",
            "Penicillin",
        ];
        // A ticked box and the chosen radio button show a mark: the form's own (a
        // ZapfDingbats check and dot) or, without appearances, the packet font's.
        let (tick, dot) = if looks == Looks::None {
            ("✓", "●")
        } else {
            ("✔", "●")
        };
        want.push(tick);
        want.push(dot);
        for w in want {
            if !text.contains(w) {
                failures.push(format!("{name}: {w:?} missing from page {page}:\n{text}"));
            }
        }
        if text.matches(tick).count() != 1 || text.matches(dot).count() != 1 {
            failures.push(format!(
                "{name}: the unticked box or the other radio button shows a mark:\n{text}"
            ));
        }
        if text.contains("Alise") || text.contains("Metformin") {
            failures.push(format!("{name}: an out-of-date or unchosen value shows"));
        }
    }
    // The interactive form is not carried over: no AcroForm, no widgets.
    let packet = Document::load(&out).expect("packet loads");
    let cat = packet.catalog().expect("catalog");
    let widgets = packet
        .objects
        .values()
        .filter(|o| match o {
            Object::Dictionary(d) => {
                d.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Widget")
            }
            _ => false,
        })
        .count();
    if cat.has(b"AcroForm") || widgets > 0 {
        failures.push(format!("forms packet: {widgets} widget(s) carried over"));
    }
    report_failures("form", &failures);
}

// ---------------------------------------------------------------------------------------------
// 3. The stamp never covers the record
// ---------------------------------------------------------------------------------------------

/// One stamp fixture page: paper, rotation, crop box, and whether its record text sits at
/// the bottom edge.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    label: &'static str,
    media: [f32; 4],
    rotate: i64,
    crop: Option<[f32; 4]>,
    low: bool,
}

const LETTER: [f32; 4] = [0.0, 0.0, 612.0, 792.0];
const A4: [f32; 4] = [0.0, 0.0, 595.0, 842.0];

fn geometries() -> Vec<Geometry> {
    let mut g = Vec::new();
    for (paper, media) in [("Letter", LETTER), ("A4", A4)] {
        for rotate in [0, 90, 180, 270] {
            g.push(Geometry {
                label: Box::leak(format!("{paper} /Rotate {rotate}").into_boxed_str()),
                media,
                rotate,
                crop: None,
                low: true,
            });
        }
    }
    g.push(Geometry {
        label: "Letter with a crop box",
        media: LETTER,
        rotate: 0,
        crop: Some([36.0, 48.0, 576.0, 756.0]),
        low: true,
    });
    g.push(Geometry {
        label: "Letter /Rotate 90 with a crop box",
        media: LETTER,
        rotate: 90,
        crop: Some([30.0, 40.0, 590.0, 760.0]),
        low: true,
    });
    g.push(Geometry {
        label: "Letter with room at the bottom",
        media: LETTER,
        rotate: 0,
        crop: None,
        low: false,
    });
    g
}

/// Displayed coordinates to user space, for a visible box and a rotation.
fn display_matrix(b: [f32; 4], rotate: i64) -> [f32; 6] {
    match rotate {
        90 => [0.0, 1.0, -1.0, 0.0, b[2], b[1]],
        180 => [-1.0, 0.0, 0.0, -1.0, b[2], b[3]],
        270 => [0.0, -1.0, 1.0, 0.0, b[0], b[3]],
        _ => [1.0, 0.0, 0.0, 1.0, b[0], b[1]],
    }
}

/// The record's words at the bottom of a page, upright as shown: text from 10 to 30 pt
/// above the displayed bottom edge, across the middle where the footer goes, and a rule.
fn low_content(g: &Geometry) -> String {
    let b = g.crop.unwrap_or(g.media);
    let w = if g.rotate % 180 == 90 {
        b[3] - b[1]
    } else {
        b[2] - b[0]
    };
    let h = if g.rotate % 180 == 90 {
        b[2] - b[0]
    } else {
        b[3] - b[1]
    };
    let m = display_matrix(b, g.rotate);
    let mut s = format!(
        "q {} {} {} {} {} {} cm\n",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
    s.push_str(&text_op(72.0, h - 72.0, 14.0, "CONSENT FOR SURGERY"));
    s.push_str(&text_op(
        72.0,
        h - 96.0,
        11.0,
        "Procedure: laparoscopic cholecystectomy",
    ));
    if g.low {
        s.push_str(&text_op(w / 2.0 - 120.0, 20.0, 11.0, "Name: Foo Bar"));
        s.push_str(&text_op(w / 2.0 + 20.0, 10.0, 9.0, "Witness: Kim Lee"));
        s.push_str(&format!(
            "0 g 0.8 w {} 30 m {} 30 l S\n",
            w / 2.0 - 150.0,
            w / 2.0 + 150.0
        ));
    } else {
        s.push_str(&text_op(72.0, 120.0, 11.0, "Name: Foo Bar"));
    }
    s.push_str("Q\n");
    s
}

/// The factor a packet page's content is shrunk by (1 when its content is copied as is).
fn content_scale(packet: &Document, page: u32) -> Option<(f32, Vec<u8>)> {
    let id = *packet.get_pages().get(&page)?;
    let contents = packet.get_page_contents(id);
    let first = packet
        .get_object(*contents.first()?)
        .ok()?
        .as_stream()
        .ok()?;
    let text = String::from_utf8_lossy(&first.content).into_owned();
    let second = packet
        .get_object(*contents.get(1)?)
        .ok()?
        .as_stream()
        .ok()?
        .content
        .clone();
    if text == "q\n" {
        return Some((1.0, second));
    }
    let nums: Vec<f32> = text
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    let (a, b) = (nums.first()?, nums.get(1)?);
    Some(((a * a + b * b).sqrt(), second))
}

#[test]
fn the_stamp_never_covers_the_record() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let gs = geometries();
    let mut pdf = Pdf::new();
    let mut originals = Vec::new();
    for g in &gs {
        let content = low_content(g);
        let mut extra = dictionary! {};
        if g.rotate != 0 {
            extra.set("Rotate", g.rotate);
        }
        if let Some(c) = g.crop {
            extra.set(
                "CropBox",
                c.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
            );
        }
        let id = pdf.page(g.media, content.as_bytes(), extra);
        originals.push(id);
    }
    // A link over "Name: Foo Bar" on the first page, which must move with the text.
    let first_page = originals[0];
    let link = pdf.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Link", "Border" => vec![0.into(), 0.into(), 0.into()],
        "Rect" => vec![Object::Real(186.0), Object::Real(17.0), Object::Real(262.0), Object::Real(29.0)],
        "Dest" => vec![first_page.into(), Object::Name(b"Fit".to_vec())],
    });
    if let Ok(Object::Dictionary(d)) = pdf.doc.get_object_mut(first_page) {
        d.set("Annots", vec![Object::Reference(link)]);
    }
    let source = pdf.finish(dictionary! {});
    let src_doc = Document::load_mem(&source).expect("source parses");
    let src_content: Vec<Vec<u8>> = src_doc
        .get_pages()
        .values()
        .map(|&p| {
            let c = src_doc.get_page_contents(p);
            src_doc
                .get_object(c[0])
                .and_then(|o| o.as_stream().map(|s| s.content.clone()))
                .expect("content")
        })
        .collect();
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("consent.pdf", source),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let o = build(&recs, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    let (first, _) = pages_of(&r, "consent.pdf").expect("consent.pdf in the packet");
    let total = r["pages"].as_u64().expect("pages") as u32;
    let packet = Document::load(&out).expect("packet loads");
    let mut failures = Vec::new();
    if let Err(e) = qpdf_ok(&out) {
        failures.push(format!("stamp packet: {e}"));
    }
    let record_words = [
        "CONSENT",
        "SURGERY",
        "Procedure:",
        "Name:",
        "Foo",
        "Bar",
        "Witness:",
        "Kim",
        "Lee",
    ];
    for (i, g) in gs.iter().enumerate() {
        let page = first + i as u32;
        match content_scale(&packet, page) {
            Some((s, bytes)) if !g.low => {
                // A page with room is copied exactly, not scaled.
                if s != 1.0 || bytes != src_content[i] {
                    failures.push(format!(
                        "{}: a page with room was changed (scale {s})",
                        g.label
                    ));
                }
            }
            Some((s, _)) => {
                if !(0.94..=1.0).contains(&s) {
                    failures.push(format!("{}: content scaled by {s}", g.label));
                }
            }
            None => failures.push(format!("{}: packet page {page} has no content", g.label)),
        }
        let Some(ws) = pdftotext_words(&out, page) else {
            continue;
        };
        let stamp_words = ["Ana", "Ruiz", "DOB", "1970-01-01", "Page", "of"];
        let (stamp, record): (Vec<&Word>, Vec<&Word>) =
            ws.iter().filter(|w| w.text != "·").partition(|w| {
                stamp_words.contains(&w.text.as_str())
                    || w.text == page.to_string()
                    || w.text == total.to_string()
            });
        let expected = if g.low {
            &record_words[..]
        } else {
            &record_words[..6]
        };
        for &want in expected {
            if !record.iter().any(|w| w.text == want) {
                let all: Vec<&str> = ws.iter().map(|w| w.text.as_str()).collect();
                failures.push(format!(
                    "{}: record word {want:?} not found in {all:?}",
                    g.label
                ));
            }
        }
        if stamp.len() < 7 {
            failures.push(format!("{}: the stamp is incomplete", g.label));
        }
        for rw in &record {
            for sw in &stamp {
                let (a, b) = (rw.b, sw.b);
                if a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3] {
                    failures.push(format!(
                        "{}: the stamp's {:?} covers the record's {:?}",
                        g.label, sw.text, rw.text
                    ));
                }
            }
        }
    }
    // The link moved with the shrunk text: it still covers "Name: Foo Bar".
    let link_rect = packet
        .get_pages()
        .get(&first)
        .and_then(|&p| packet.get_dictionary(p).ok())
        .and_then(|d| d.get(b"Annots").ok())
        .and_then(|a| a.as_array().ok())
        .and_then(|a| a.first())
        .and_then(|l| match l {
            Object::Reference(r) => packet.get_dictionary(*r).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .and_then(|d| d.get(b"Rect").ok())
        .and_then(|r| r.as_array().ok())
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_float().ok())
                .collect::<Vec<f32>>()
        });
    let words_first = pdftotext_words(&out, first).unwrap_or_default();
    let name = words_first.iter().find(|w| w.text == "Foo");
    match (link_rect, name) {
        (Some(r), Some(foo)) if r.len() == 4 => {
            // pdftotext measures from the top edge.
            let (y0, y1) = (792.0 - foo.b[3], 792.0 - foo.b[1]);
            let (cx, cy) = ((foo.b[0] + foo.b[2]) / 2.0, (y0 + y1) / 2.0);
            if !(r[0] <= cx && cx <= r[2] && r[1] <= cy && cy <= r[3]) {
                failures.push(format!(
                    "Letter /Rotate 0: the link {r:?} no longer covers the text at ({cx}, {cy})"
                ));
            }
        }
        (r, _) if require_tool("pdftotext") => failures.push(format!(
            "Letter /Rotate 0: link rectangle {r:?} or the text is missing"
        )),
        _ => {}
    }
    report_failures("stamp", &failures);
}

// ---------------------------------------------------------------------------------------------
// 4. Open actions
// ---------------------------------------------------------------------------------------------

fn with_open_action(kind: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let page = pdf.page(
        LETTER,
        text_op(72.0, 720.0, 12.0, "DISCHARGE SUMMARY").as_bytes(),
        dictionary! {},
    );
    let dest = Object::Array(vec![page.into(), Object::Name(b"Fit".to_vec())]);
    let open = match kind {
        "destination" => dest,
        "goto" => Object::Dictionary(dictionary! { "S" => "GoTo", "D" => dest }),
        _ => Object::Dictionary(dictionary! {
            "S" => "JavaScript", "JS" => Object::string_literal("app.alert('hi')"),
        }),
    };
    pdf.finish(dictionary! { "OpenAction" => open })
}

#[test]
fn only_open_actions_that_could_act_are_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("open-destination.pdf", with_open_action("destination")),
            ("open-goto.pdf", with_open_action("goto")),
            ("open-script.pdf", with_open_action("script")),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let o = build(&recs, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    let removed: Vec<(String, String)> = r["removed_active_content"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap_or("").to_string(),
                x["what"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut failures = Vec::new();
    for quiet in ["open-destination.pdf", "open-goto.pdf"] {
        if removed.iter().any(|(p, _)| p == quiet) {
            failures.push(format!(
                "{quiet}: reported as removed for safety: {removed:?}"
            ));
        }
    }
    if !removed
        .iter()
        .any(|(p, w)| p == "open-script.pdf" && w == "an action run when the document opens")
    {
        failures.push(format!(
            "open-script.pdf: its script is not reported: {removed:?}"
        ));
    }
    // The open action itself never reaches the packet.
    let packet = Document::load(&out).expect("packet");
    if packet.catalog().is_ok_and(|c| c.has(b"OpenAction")) {
        failures.push("packet: carries an open action".into());
    }
    if let Err(e) = qpdf_ok(&out) {
        failures.push(format!("open-action packet: {e}"));
    }
    report_failures("open-action", &failures);
}

// ---------------------------------------------------------------------------------------------
// 6 and 7. Accented titles; a medication list's "As of" date
// ---------------------------------------------------------------------------------------------

/// An operative report whose text comes out decomposed ("E" + U+0301): a Type0 font whose
/// /ToUnicode maps the É and é glyphs to two characters each, as some producers write it.
fn decomposed_accent_pdf() -> Vec<u8> {
    let mut pdf = Pdf::new();
    let cmap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
        /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
        /CMapName /Decomposed def /CMapType 2 def\n\
        1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
        2 beginbfchar <00C9> <00450301> <00E9> <00650301> endbfchar\n\
        3 beginbfrange <0000> <00C8> <0000> <00CA> <00E8> <00CA> <00EA> <00FF> <00EA> endbfrange\n\
        endcmap CMapName currentdict /CMap defineresource pop end end";
    let to_unicode = pdf
        .doc
        .add_object(Stream::new(dictionary! {}, cmap.as_bytes().to_vec()));
    let descriptor = pdf.doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "Arial", "Flags" => 32,
        "FontBBox" => vec![0.into(), Object::Integer(-200), 1000.into(), 900.into()],
        "ItalicAngle" => 0, "Ascent" => 900, "Descent" => -200, "CapHeight" => 700, "StemV" => 80,
    });
    let cid = pdf.doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Arial",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0,
        },
        "FontDescriptor" => descriptor, "DW" => 600,
    });
    let font = pdf.doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Arial",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()],
        "ToUnicode" => to_unicode,
    });
    let hex = |s: &str| -> String { s.chars().map(|c| format!("{:04X}", c as u32)).collect() };
    let content = format!(
        "BT /F2 16 Tf 72 720 Td <{}> Tj ET BT /F2 11 Tf 72 690 Td <{}> Tj ET",
        hex("COMPTE RENDU OPÉRATOIRE"),
        hex("Date de l'intervention : 14/03/2025"),
    );
    let page = pdf.page(LETTER, content.as_bytes(), dictionary! {});
    if let Ok(Object::Dictionary(d)) = pdf.doc.get_object_mut(page) {
        d.set(
            "Resources",
            dictionary! { "Font" => dictionary! { "F2" => font } },
        );
    }
    pdf.finish(dictionary! {})
}

#[test]
fn titles_keep_accents_and_list_dates_date_a_medication_list() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", PATIENT.as_bytes().to_vec()),
            ("cr-operatoire.pdf", decomposed_accent_pdf()),
            (
                "medications.txt",
                b"MEDICATION LIST\nAs of: 05/01/2025\n\nTamoxifen 20 mg tablet, once daily\n"
                    .to_vec(),
            ),
        ],
    );
    let out = tmp.path().join("p.pdf");
    let o = build(&recs, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    let doc = |p: &str| {
        r["documents"]
            .as_array()
            .and_then(|a| a.iter().find(|d| d["path"] == p))
            .cloned()
            .unwrap_or_default()
    };
    let mut failures = Vec::new();
    let cr = doc("cr-operatoire.pdf");
    if cr["title"] != "Compte rendu op\u{e9}ratoire" || cr["kind"] != "operative-report" {
        failures.push(format!(
            "cr-operatoire.pdf: title {:?}, kind {}",
            cr["title"]
                .as_str()
                .unwrap_or("")
                .chars()
                .collect::<Vec<_>>(),
            cr["kind"]
        ));
    }
    // The index shows the title with its accent.
    if let Some(index) = pdftotext_page(&out, 2) {
        if !index.contains("Compte rendu op\u{e9}ratoire") {
            failures.push(format!("cr-operatoire.pdf: index shows\n{index}"));
        }
    }
    let meds = doc("medications.txt");
    if meds["kind"] != "medication-list" || meds["date"] != "2025-05-01" {
        failures.push(format!(
            "medications.txt: kind {}, date {}",
            meds["kind"], meds["date"]
        ));
    }
    report_failures("title and date", &failures);
}
