//! Patient guidance end to end: the to-do list of `check`, warnings about identifiers in
//! the records (never printed in full), Spanish packets, fax packets, shell completions
//! and the manual page.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::*;

fn run(args: &[&str], dir: &Path) -> Output {
    medpacket()
        .args(args)
        .arg(dir)
        .output()
        .expect("run medpacket")
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("no JSON on stdout: {}", String::from_utf8_lossy(&o.stderr)))
}

const ONCOLOGY: &str = "[patient]\nname = \"Ana Ruiz\"\ndate_of_birth = 1970-05-02\n\n[history]\nhad_surgery = true\n\n[request]\nprofile = \"oncology\"\n\n[recipient]\nname = \"Dr. Omar Haddad\"\nfax = \"(555) 010-0142\"\n\n[primary_doctor]\nname = \"Dr. Lena Ortiz\"\n";

#[test]
fn check_json_lists_the_todo_items_for_the_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", ONCOLOGY.as_bytes().to_vec()),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Date of Procedure: 03/14/2025"],
                ),
            ),
        ],
    );
    let o = run(&["check", "--json"], &recs);
    let v = stdout_json(&o);
    let todo = v["todo"].as_array().expect("todo is a list");
    let ids: Vec<&str> = todo.iter().filter_map(|t| t["id"].as_str()).collect();
    for id in [
        "insurance",
        "send-ahead",
        "pathology-slides",
        "surgery-slides",
        "imaging",
        "keep-copies",
        "opinion-to-primary",
    ] {
        assert!(ids.contains(&id), "no {id} in {ids:?}");
    }
    assert!(!ids.contains(&"hospital-stays"), "{ids:?}");
    let primary = todo
        .iter()
        .find(|t| t["id"] == "opinion-to-primary")
        .and_then(|t| t["text"].as_str())
        .unwrap_or_default();
    assert!(primary.contains("Dr. Lena Ortiz"), "{primary}");
    // The text report ends with the same list, after the verdict.
    let text = String::from_utf8_lossy(&run(&["check"], &recs).stdout).into_owned();
    let verdict = text
        .find("Not ready")
        .or_else(|| text.find("Ready to send"));
    let heading = text.find("To do before the visit");
    assert!(
        matches!((verdict, heading), (Some(a), Some(b)) if a < b),
        "{text}"
    );
    assert!(text.contains("Dr. Lena Ortiz"), "{text}");
}

/// A folder whose records carry a Social Security number and member IDs: on page 1 of a
/// PDF, on page 4 of a longer PDF (beyond the pages read for classification), in a text
/// file and in a clinical document (C-CDA).
fn identifier_folder(dir: &Path) {
    let mut long_pages: Vec<PageSpec> = (1..=3)
        .map(|i| {
            PageSpec::letter([
                format!("LAB RESULTS page {i}"),
                "Collected: 2025-01-02".into(),
            ])
        })
        .collect();
    long_pages.push(PageSpec::letter([
        "Insurance".to_string(),
        "Member ID: XJH48213377".to_string(),
    ]));
    write_files(
        dir,
        &[
            ("packet.toml", ONCOLOGY.as_bytes().to_vec()),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &[
                        "Date of Procedure: 03/14/2025",
                        "SSN: 512-48-3391",
                        "Phone: 555-123-4567   MRN: 448-21-9930",
                    ],
                ),
            ),
            ("labs.pdf", text_pdf(&long_pages)),
            (
                "progress.xml",
                support::cda::CdaDoc::new("11506-3", "Progress note", "Progress Note")
                    .section(support::cda::Sec::new(
                        "10164-2",
                        "Coverage",
                        "<paragraph>Subscriber ID: QRT77120045</paragraph>",
                    ))
                    .xml()
                    .into_bytes(),
            ),
            (
                "note.txt",
                b"CONSULTATION NOTE\nDate of Service: 2025-02-01\nSoc Sec #: 512483391\nMedicare: 1EG4-TE5-MK73\n"
                    .to_vec(),
            ),
        ],
    );
}

const FULL_NUMBERS: [&str; 8] = [
    "QRT77120045",
    "QRT771",
    "512-48-3391",
    "512483391",
    "XJH48213377",
    "XJH482",
    "1EG4-TE5-MK73",
    "1EG4TE5MK73",
];

#[test]
fn identifiers_are_warned_about_by_file_and_page_and_never_printed_in_full() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    identifier_folder(&recs);
    let out = tmp.path().join("p.pdf");
    let runs: Vec<(Vec<String>, Output)> = [
        vec!["scan".to_string(), "--json".to_string()],
        vec!["check".to_string()],
        vec!["check".to_string(), "--json".to_string()],
        vec!["build".into(), "-o".into(), out.display().to_string()],
        vec![
            "build".into(),
            "-o".into(),
            out.display().to_string(),
            "--force".into(),
            "--json".into(),
        ],
    ]
    .into_iter()
    .map(|args| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&refs, &recs);
        (args, o)
    })
    .collect();
    for (args, o) in &runs {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for n in FULL_NUMBERS {
            assert!(!all.contains(n), "{args:?} printed {n}:\n{all}");
        }
        assert!(
            all.contains("3391") && all.contains("3377") && all.contains("MK73"),
            "{args:?}:\n{all}"
        );
    }
    for (args, o) in runs
        .iter()
        .filter(|(a, _)| a[0] != "scan" && a.iter().any(|x| x == "--json"))
    {
        let v = stdout_json(o);
        let w = v["warnings"].as_array().expect("warnings");
        let at = |path: &str, page: u64, tail: &str| {
            w.iter().any(|x| {
                x["path"] == path
                    && x["page"].as_u64() == Some(page)
                    && x["what"].as_str().is_some_and(|s| s.contains(tail))
            })
        };
        assert!(at("path.pdf", 1, "***-**-3391"), "{args:?}: {w:?}");
        assert!(at("labs.pdf", 4, "3377"), "{args:?}: {w:?}");
        assert!(at("note.txt", 1, "***-**-3391"), "{args:?}: {w:?}");
        assert!(at("note.txt", 1, "MK73"), "{args:?}: {w:?}");
        assert!(at("progress.xml", 1, "0045"), "{args:?}: {w:?}");
        // The phone number and the record number are not identifiers to warn about.
        assert!(
            !w.iter().any(|x| x["what"]
                .as_str()
                .is_some_and(|s| s.contains("9930") || s.contains("4567"))),
            "{w:?}"
        );
    }
}

#[test]
fn completion_scripts_and_the_manual_page_parse() {
    let tmp = tempfile::tempdir().expect("tmp");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = medpacket()
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(
            o.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let script = String::from_utf8(o.stdout).expect("utf8");
        for word in ["build", "check", "fax", "lang", "powershell"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        let file = tmp.path().join(format!("medpacket.{shell}"));
        std::fs::write(&file, &script).expect("write");
        // Each shell that is installed checks the syntax of its own script.
        let checker: Option<(&str, Vec<&str>)> = match shell {
            "bash" => Some(("bash", vec!["-n"])),
            "zsh" => Some(("zsh", vec!["-n"])),
            "fish" => Some(("fish", vec!["--no-execute"])),
            _ => None,
        };
        if let Some((prog, args)) = checker {
            let available = if prog == "bash" {
                require_tool("bash")
            } else {
                tool_available(prog)
            };
            if available {
                let c = std::process::Command::new(prog)
                    .args(args)
                    .arg(&file)
                    .output()
                    .expect("run the shell");
                assert!(
                    c.status.success(),
                    "{prog} rejects the script: {}",
                    String::from_utf8_lossy(&c.stderr)
                );
            }
        }
    }
    let o = medpacket().arg("man").output().expect("run");
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).expect("utf8");
    assert!(page.starts_with(".TH"), "{}", &page[..page.len().min(80)]);
    for word in [".SH COMMANDS", "medpacket build", "\\-\\-fax", "Examples:"] {
        assert!(page.contains(word), "the manual lacks {word}");
    }
    // groff, when installed, formats it without a warning.
    if tool_available("groff") {
        let file = tmp.path().join("medpacket.1");
        std::fs::write(&file, &page).expect("write");
        let g = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&file)
            .output()
            .expect("run groff");
        assert!(
            g.status.success() && g.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&g.stderr)
        );
    }
    // Every command's help shows examples.
    for cmd in [
        "scan",
        "check",
        "init",
        "letter",
        "build",
        "verify",
        "completions",
        "man",
    ] {
        let o = medpacket().args([cmd, "--help"]).output().expect("run");
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(
            help.contains("Examples:") && help.contains(&format!("medpacket {cmd}")),
            "{cmd}: {help}"
        );
    }
}

/// Titles of every outline (bookmark) entry of a PDF.
fn outline_titles(pdf: &Path) -> Vec<String> {
    let doc = lopdf::Document::load(pdf).expect("the packet loads");
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"Parent") && d.has(b"Dest"))
        .filter_map(|d| d.get(b"Title").ok())
        .filter_map(|t| lopdf::decode_text_string(t).ok())
        .collect()
}

fn pdftotext_all(pdf: &Path) -> Option<String> {
    if !require_tool("pdftotext") {
        return None;
    }
    let o = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(o.status.success());
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn a_spanish_packet_and_letter_leave_no_english_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    let toml = "[patient]\nname = \"Lucía Ramos\"\ndate_of_birth = 1961-03-14\nphone = \"555-0100\"\n\n[diagnosis]\nsummary = \"Carcinoma ductal infiltrante de mama izquierda\"\n\n[history]\nhad_surgery = true\n\n[request]\nprofile = \"oncology\"\nlanguage = \"es\"\nreason = \"Quiero saber si necesito quimioterapia.\"\n\n[recipient]\nname = \"Dra. Elena Soto\"\nfax = \"555-0199\"\n\n[primary_doctor]\nname = \"Dr. Pablo Gil\"\n\n[[medications]]\nname = \"Tamoxifeno\"\ndose = \"20 mg\"\nfrequency = \"una vez al día\"\nstart = \"2025-04-01\"\n";
    let long_note: Vec<String> = (1..=60)
        .map(|i| format!("Línea {i} de la nota de evolución."))
        .collect();
    write_files(
        &recs,
        &[
            ("packet.toml", toml.as_bytes().to_vec()),
            (
                "patologia.pdf",
                simple_pdf(
                    "INFORME DE PATOLOGÍA",
                    &["Fecha de toma: 14/03/2025", "Carcinoma ductal infiltrante."],
                ),
            ),
            (
                "cirugia.pdf",
                simple_pdf(
                    "INFORME QUIRÚRGICO",
                    &["Fecha de la cirugía: 20/03/2025", "Mastectomía izquierda."],
                ),
            ),
            ("nota.txt", long_note.join("\n").into_bytes()),
            ("vacio.pdf", Vec::new()),
        ],
    );
    let out = tmp.path().join("paquete.pdf");
    let o = medpacket()
        .arg("build")
        .arg(&recs)
        .arg("-o")
        .arg(&out)
        .args(["--skip-unreadable", "--json"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = stdout_json(&o);
    let pages = report["pages"].as_u64().expect("pages");
    let titles = outline_titles(&out);
    for want in [
        "Portada",
        "Índice",
        "Preguntas",
        "Lista de medicamentos",
        "Informes de patología",
    ] {
        assert!(
            titles.iter().any(|t| t == want),
            "no bookmark {want}: {titles:?}"
        );
    }
    for english in [
        "Cover",
        "Index",
        "Questions",
        "Medication list",
        "Pathology reports",
    ] {
        assert!(
            !titles.iter().any(|t| t == english),
            "bookmark {english}: {titles:?}"
        );
    }
    let Some(text) = pdftotext_all(&out) else {
        return;
    };
    for want in [
        "Historia clínica para una segunda opinión",
        "Fecha de nacimiento",
        "14/03/1961",
        "Índice",
        "Informes de patología",
        "Informe quirúrgico",
        "No incluidos",
        "Preguntas para el médico",
        "(continuación)",
        "Lista de medicamentos",
        "lo sigue",
        "Médico de cabecera",
        &format!("Página 1 de {pages}"),
        &format!("Página {pages} de {pages}"),
        "F. nac. 14/03/1961",
    ] {
        assert!(text.contains(want), "the packet lacks {want:?}");
    }
    for english in [
        "Page ",
        "Index",
        "Questions",
        "Not included",
        "Date of birth",
        "DOB",
        "Medication list",
        "Pathology report",
        "undated",
        "continued",
        "Generated",
        "Patient",
        "Doctors",
        "still taking",
        "Primary doctor",
    ] {
        assert!(
            !text.contains(english),
            "English {english:?} left in the packet:\n{text}"
        );
    }
    // The letter, in Spanish from the command line, with the date as Spanish writes it.
    let letter = tmp.path().join("carta.txt");
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(&letter)
        .args(["--lang", "es"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&letter).expect("letter");
    assert!(text.starts_with("1 de enero de 2026"), "{text}");
    for want in [
        "Asunto: Solicitud de una segunda opinión — Lucía Ramos",
        "Informes de patología",
        "Dr. Pablo Gil",
        "Atentamente",
    ] {
        assert!(text.contains(want), "the letter lacks {want:?}:\n{text}");
    }
    for english in ["Dear", "Sincerely", "Re:", "undated", "Pathology"] {
        assert!(
            !text.contains(english),
            "English {english:?} in the letter:\n{text}"
        );
    }
    // And the to-do list of check follows [request] language.
    let v = stdout_json(&run(&["check", "--json"], &recs));
    let todo = v["todo"].to_string();
    assert!(
        todo.contains("laminillas") && todo.contains("Dr. Pablo Gil"),
        "{todo}"
    );
}

/// One Letter page whose content draws a colour image XObject: raw RGB samples, or a
/// JPEG's bytes (DCTDecode).
fn pdf_with_colour_image(title: &str, jpeg_bytes: Option<Vec<u8>>) -> Vec<u8> {
    use lopdf::{dictionary, Object, Stream};
    let mut doc = lopdf::Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let image = match jpeg_bytes {
        Some(bytes) => Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 300, "Height" => 200,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            bytes,
        ),
        None => {
            let mut px = Vec::new();
            for y in 0..30u32 {
                for x in 0..40u32 {
                    px.extend_from_slice(&[(x * 6) as u8, (y * 8) as u8, 180]);
                }
            }
            Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => 40, "Height" => 30,
                    "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
                },
                px,
            )
        }
    };
    let image_id = doc.add_object(image);
    let content =
        format!("BT /F1 14 Tf 72 720 Td ({title}) Tj ET q 300 200 0 0 72 400 cm /Im0 Do Q");
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Contents" => content_id,
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im0" => image_id },
        },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

/// A large scan of a typed page (black text lines on white), as a PNG.
fn text_scan_png(width: u32, height: u32) -> Vec<u8> {
    let mut img = image::RgbImage::from_pixel(width, height, image::Rgb([250, 250, 245]));
    for y in (150..height - 150).step_by(48) {
        for x in 150..width - 200 {
            for dy in 0..14 {
                img.put_pixel(x, y + dy, image::Rgb([20, 20, 30]));
            }
        }
    }
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        img.as_raw(),
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )
    .expect("png");
    out
}

fn tool_lines(tool: &str, args: &[&str], pdf: &Path) -> Vec<String> {
    let o = std::process::Command::new(tool)
        .args(args)
        .arg(pdf)
        .output()
        .expect("run tool");
    assert!(
        o.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_fax_packet_is_letter_portrait_and_grey_with_its_cover_counted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            ("packet.toml", ONCOLOGY.as_bytes().to_vec()),
            (
                "a4.pdf",
                text_pdf(&[PageSpec::a4([
                    "SURGICAL PATHOLOGY REPORT",
                    "Date of Procedure: 03/14/2025",
                    "A4 page",
                ])]),
            ),
            (
                "wide.pdf",
                text_pdf(&[PageSpec::landscape([
                    "LAB RESULTS",
                    "Collected: 2025-01-02",
                    "Landscape page",
                ])]),
            ),
            (
                "turned.pdf",
                text_pdf(&[PageSpec::letter([
                    "OPERATIVE REPORT",
                    "Date of Surgery: 03/14/2025",
                    "Rotated page",
                ])
                .rotated(90)]),
            ),
            ("photo.jpg", jpeg(900, 600)),
            ("colour.png", png(300, 400, false)),
            ("scan.png", text_scan_png(1300, 1700)),
            (
                "embedded.pdf",
                pdf_with_colour_image("TREATMENT PLAN", None),
            ),
            (
                "embedded-jpeg.pdf",
                pdf_with_colour_image("IMAGING REPORT", Some(jpeg(300, 200))),
            ),
        ],
    );
    let out = tmp.path().join("fax.pdf");
    let o = medpacket()
        .arg("build")
        .arg(&recs)
        .arg("-o")
        .arg(&out)
        .args(["--fax", "--json"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = stdout_json(&o);
    let pages = report["pages"].as_u64().expect("pages") as u32;
    // Page numbers count the cover: the documents come after it, the cover, index and
    // questions, and the last document ends on the last page.
    let docs = report["documents"].as_array().expect("documents");
    let last = docs.iter().filter_map(|d| d["last_page"].as_u64()).max();
    assert_eq!(last, Some(u64::from(pages)));
    if !require_tool("pdfinfo") || !require_tool("pdfimages") {
        return;
    }
    let n = pages.to_string();
    let info = tool_lines("pdfinfo", &["-f", "1", "-l", &n], &out);
    let sizes: Vec<&String> = info
        .iter()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .collect();
    assert_eq!(sizes.len(), pages as usize, "{info:?}");
    for l in &sizes {
        assert!(l.contains("612 x 792"), "{l}");
    }
    for l in info.iter().filter(|l| l.contains(" rot:")) {
        assert!(l.trim_end().ends_with(" 0"), "{l}");
    }
    let images = tool_lines("pdfimages", &["-list"], &out);
    let rows: Vec<Vec<&str>> = images
        .iter()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // photo, colour, scan, and the two embedded images.
    assert_eq!(rows.len(), 5, "{images:?}");
    for r in &rows {
        assert_eq!(r.get(5), Some(&"gray"), "{r:?}");
    }
    // The text scan went to one bit per pixel.
    assert!(rows.iter().any(|r| r.get(7) == Some(&"1")), "{images:?}");
    // The fax cover names the total, the recipient's fax and the confidentiality notice;
    // every document's first page carries its own text and the stamp of that page.
    if let Some(cover) = pdftotext_page(&out, 1) {
        for want in [
            format!("{pages}, including this cover page"),
            "(555) 010-0142".into(),
            "Dr. Omar Haddad".into(),
            "Ana Ruiz".into(),
            "Confidential".into(),
            format!("Page 1 of {pages}"),
        ] {
            assert!(
                cover.contains(&want),
                "the fax cover lacks {want:?}:\n{cover}"
            );
        }
        let index = pdftotext_page(&out, 3).unwrap_or_default();
        assert!(index.contains("Index"), "{index}");
        for d in docs {
            let first = d["first_page"].as_u64().expect("first") as u32;
            let page = pdftotext_page(&out, first).unwrap_or_default();
            assert!(page.contains(&format!("Page {first} of {pages}")), "{page}");
            let marker = match d["path"].as_str() {
                Some("a4.pdf") => "A4 page",
                Some("wide.pdf") => "Landscape page",
                Some("turned.pdf") => "Rotated page",
                Some("embedded.pdf") => "TREATMENT PLAN",
                _ => continue,
            };
            assert!(
                page.contains(marker),
                "page {first} lacks {marker}:\n{page}"
            );
        }
    }
}
