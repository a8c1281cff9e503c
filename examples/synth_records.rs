//! Writes a synthetic records folder for benchmarks: N text PDFs of P pages each (and,
//! with `--jpeg K`, K JPEG "scans" of about 1 MB), plus a packet.toml for a fictional
//! patient.
//!
//! `cargo run --release --example synth_records -- DIR N P [--jpeg K]`
//!
//! With `--jpeg K`, each JPEG is also written wrapped in a one-page PDF into `DIR.pdfs/`,
//! so plain PDF mergers can be timed on the same pictures.

use lopdf::{dictionary, Document, Object, Stream};

#[path = "../tests/support/pdf.rs"]
mod pdf;
use std::path::Path;

const KINDS: [(&str, &str); 6] = [
    ("SURGICAL PATHOLOGY REPORT", "Date of Procedure"),
    ("OPERATIVE REPORT", "Date of Surgery"),
    ("CONSULTATION NOTE", "Date of Service"),
    ("RADIOLOGY REPORT", "Exam date"),
    ("LABORATORY RESULTS", "Collected"),
    ("DISCHARGE SUMMARY", "Discharge Date"),
];

fn pdf(doc_no: usize, pages: usize) -> Vec<u8> {
    let (title, label) = KINDS[doc_no % KINDS.len()];
    let day = 1 + doc_no % 28;
    let month = 1 + (doc_no / 28) % 12;
    let specs: Vec<pdf::PageSpec> = (0..pages)
        .map(|p| {
            let mut lines = vec![
                format!("{title}  (document {doc_no}, page {})", p + 1),
                format!("Patient: BENCH, SYNTHETIC   {label}: {month:02}/{day:02}/2024"),
            ];
            lines.extend((0..40).map(|k| {
                format!(
                    "Line {k}: synthetic finding {doc_no}-{p}-{k}, values within the made-up reference range."
                )
            }));
            pdf::PageSpec::letter(lines)
        })
        .collect();
    pdf::text_pdf(&specs)
}

/// A noisy RGB JPEG of about 1 MB (noise does not compress).
fn jpeg(seed: u32) -> Vec<u8> {
    let (w, h) = (1700u32, 2200u32);
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state & 0x3f) as u8;
        let base = if (y / 40) % 3 == 0 && x > 150 && x < 1550 {
            60
        } else {
            200
        };
        image::Rgb([base + n / 2, base + n / 3, base + n / 4])
    });
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 92)
        .encode_image(&img)
        .expect("encode");
    buf
}

/// A one-page PDF showing `jpeg` (DCTDecode, bytes unchanged), for the plain mergers.
fn jpeg_pdf(jpeg: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let img = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        },
        jpeg.to_vec(),
    ));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"q 540 0 0 698.8 36 46.6 cm /Im0 Do Q".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img } },
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![Object::Reference(page)], "Count" => 1 }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save to memory");
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: synth_records DIR N P [--jpeg K]");
        std::process::exit(2);
    }
    let dir = Path::new(&args[1]);
    let n: usize = args[2].parse().expect("N");
    let p: usize = args[3].parse().expect("P");
    let jpegs: usize = match args.get(4).map(String::as_str) {
        Some("--jpeg") => args.get(5).and_then(|k| k.parse().ok()).expect("K"),
        _ => 0,
    };
    std::fs::create_dir_all(dir).expect("create dir");
    std::fs::write(
        dir.join("packet.toml"),
        "[patient]\nname = \"Synthetic Bench Patient\"\ndate_of_birth = 1970-01-01\n",
    )
    .expect("packet.toml");
    for i in 0..n {
        std::fs::write(dir.join(format!("doc{i:05}.pdf")), pdf(i, p)).expect("write pdf");
    }
    let pdfs = dir.with_extension("pdfs");
    if jpegs > 0 {
        std::fs::create_dir_all(&pdfs).expect("create pdf dir");
    }
    for k in 0..jpegs {
        let j = jpeg(k as u32);
        std::fs::write(dir.join(format!("scan{k:05}.jpg")), &j).expect("write jpeg");
        std::fs::write(
            pdfs.join(format!("scan{k:05}.pdf")),
            jpeg_pdf(&j, 1700, 2200),
        )
        .expect("write pdf");
    }
    if jpegs > 0 {
        let mut toml = String::new();
        for k in 0..jpegs {
            toml.push_str(&format!(
                "\n[[documents]]\npath = \"scan{k:05}.jpg\"\nkind = \"imaging-report\"\n"
            ));
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join("packet.toml"))
            .expect("open");
        std::io::Write::write_all(&mut f, toml.as_bytes()).expect("append");
    }
}
