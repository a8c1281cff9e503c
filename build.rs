//! Compresses the embedded font once, at build time, so packets do not spend time on it.

use std::io::Write;

fn main() {
    let src = "fonts/DejaVuSans.ttf";
    println!("cargo:rerun-if-changed={src}");
    let font = std::fs::read(src).expect("fonts/DejaVuSans.ttf is part of the source tree");
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&font).expect("compress font");
    let packed = enc.finish().expect("compress font");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::write(out.join("DejaVuSans.ttf.zlib"), packed).expect("write compressed font");
}
