//! Fuzz target: one arbitrary file in a records folder goes through the whole ingest path
//! (format sniffing, PDF/image/text/ZIP reading, classification, planning, rendering and
//! assembly into an in-memory packet). Any panic is a bug; errors are expected.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("temp dir");
        std::fs::write(d.path().join("packet.toml"), "[patient]\nname = \"Fuzz Test\"\n")
            .expect("packet.toml");
        d
    });
    // The name follows the content's first byte, so every reader is reached.
    let ext = match data.first() {
        Some(b'%') => "pdf",
        Some(0xFF) => "jpg",
        Some(0x89) => "png",
        Some(b'I') | Some(b'M') => "tif",
        Some(b'P') => "zip",
        _ => "txt",
    };
    for old in ["pdf", "jpg", "png", "tif", "zip", "txt"] {
        let _ = std::fs::remove_file(dir.path().join(format!("doc.{old}")));
    }
    if std::fs::write(dir.path().join(format!("doc.{ext}")), data).is_ok() {
        let _ = medpacket::build_to_vec(dir.path());
    }
});
