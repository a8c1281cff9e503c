//! Fuzz target: the readers alone (format sniffing, PDF, JPEG, PNG, TIFF, text and ZIP
//! reading, active-content and damage checks) and classification, without rendering a
//! packet, so many more inputs are tried per second than by `ingest`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static RULES: OnceLock<medpacket::classify::Rules> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(|| medpacket::classify::Rules::builtin().expect("rules"));
    for name in ["doc.pdf", "doc.txt"] {
        if let Ok(p) = medpacket::scan::READERS.probe(medpacket::read::reader::Input {
            rel: name,
            bytes: data,
            password: None,
        }) {
            let c = medpacket::classify::classify(
                rules,
                name,
                p.text.as_deref(),
                &medpacket::classify::Overrides::default(),
            );
            std::hint::black_box(c);
        }
    }
    medpacket::zipin::read_members("doc.zip", data, &mut |_| {});
    let _ = medpacket::images::tiff_pages(data);
    let _ = medpacket::images::png_raster(data);
    std::hint::black_box(medpacket::classify::find_date(&String::from_utf8_lossy(data)));
});
