//! Writes a synthetic set of scanned records for the OCR benchmark: every report of
//! `tests/support/scans.rs` as a clean 300 dpi PNG page, plus a 2-page G4 TIFF fax, a
//! sideways page, an upside-down page, a noisy skewed page, a phone JPEG with EXIF
//! orientation 6 and an image-only PDF — with a packet.toml, and `answers.json` beside the
//! folder holding each file's kind, date and the words of each page. Every page is also
//! written as an image into `DIR.pages/` so other tools can be run on the same pages.
//!
//! `cargo run --release --example ocr_scans -- DIR`

#[path = "../tests/support/scans.rs"]
mod scans;

use std::path::Path;

/// One file of the set: its name, kind, date, pages (with their words) and bytes.
type Made = (
    String,
    &'static str,
    &'static str,
    Vec<scans::Scan>,
    Vec<u8>,
);

fn main() {
    let dir = std::env::args().nth(1).expect("usage: ocr_scans DIR");
    let dir = Path::new(&dir);
    let pages_dir = dir.with_extension("pages");
    std::fs::create_dir_all(dir).expect("create DIR");
    std::fs::create_dir_all(&pages_dir).expect("create DIR.pages");
    let reports = scans::reports();
    let find = |stem: &str| {
        reports
            .iter()
            .find(|r| r.0 == stem)
            .expect("known report")
            .clone()
    };
    let mut made: Vec<Made> = Vec::new();
    for (stem, kind, date, lines) in &reports {
        let p = scans::render(lines, 300, 12.0);
        let bytes = scans::png(&p);
        made.push((format!("{stem}.png"), kind, date, vec![p], bytes));
    }
    let (_, kind, date, lines) = find("fax-pathology");
    let p1 = scans::render(&lines, 200, 12.0);
    let p2 = scans::render(
        &[
            "SURGICAL PATHOLOGY REPORT (continued)",
            "Comment: Results discussed with the ordering physician",
            "Electronically signed by Dr. Imani Okafor, pathologist",
        ],
        200,
        12.0,
    );
    let fax = scans::g4_tiff(&[&p1, &p2]);
    made.push(("fax.tif".into(), kind, date, vec![p1, p2], fax));
    let variants: [(&str, &str, u32); 3] = [
        ("sideways.png", "discharge", 1),
        ("upside-down.png", "imaging", 2),
        ("crooked.png", "operative", 0),
    ];
    for (file, stem, quarters) in variants {
        let (_, kind, date, lines) = find(stem);
        let base = scans::render(&lines, 300, 12.0);
        let p = if quarters == 0 {
            scans::noisy_skewed(&base, 1.5, 11)
        } else {
            scans::turned(&base, quarters)
        };
        let bytes = scans::png(&p);
        made.push((file.into(), kind, date, vec![p], bytes));
    }
    let (_, kind, date, lines) = find("plan");
    let p = scans::turned(&scans::render(&lines, 300, 12.0), 3);
    let bytes = scans::jpeg(&p, 6);
    made.push(("phone.jpg".into(), kind, date, vec![p], bytes));
    let (_, kind, date, lines) = find("labs");
    let p = scans::render(&lines, 300, 12.0);
    let bytes = scans::image_pdf(&p);
    made.push(("office-scan.pdf".into(), kind, date, vec![p], bytes));

    let mut answers = Vec::new();
    for (file, kind, date, pages, bytes) in &made {
        std::fs::write(dir.join(file), bytes).expect("write scan");
        // The same pages as images for other tools (the TIFF and the JPEG as they are).
        let twin = match file.rsplit_once('.') {
            Some((stem, "pdf")) => {
                let twin = format!("{stem}.png");
                std::fs::write(pages_dir.join(&twin), scans::png(&pages[0])).expect("write");
                twin
            }
            _ => {
                std::fs::write(pages_dir.join(file), bytes).expect("write");
                file.clone()
            }
        };
        let words: Vec<Vec<String>> = pages
            .iter()
            .map(|p| p.words.iter().map(|w| w.text.clone()).collect())
            .collect();
        answers.push(serde_json::json!({
            "path": file, "image": twin, "kind": kind, "date": date, "pages": words,
        }));
    }
    std::fs::write(
        dir.join("packet.toml"),
        "[patient]\nname = \"Rosa Delgado-Whitfield\"\ndate_of_birth = 1971-06-30\n\n[ocr]\nlanguages = [\"eng\", \"spa\"]\n",
    )
    .expect("write packet.toml");
    std::fs::write(
        dir.with_extension("answers.json"),
        serde_json::to_string_pretty(&answers).expect("json"),
    )
    .expect("write answers");
    let pages: usize = made.iter().map(|m| m.3.len()).sum();
    println!("{} files, {pages} pages in {}", made.len(), dir.display());
}
