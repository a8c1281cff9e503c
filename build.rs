//! Compresses the embedded font once, at build time, so packets do not spend time on it;
//! and turns the sources and templates into a build fingerprint (`MEDPACKET_BUILD_ID`), so
//! cached facts from another build of medpacket are never taken for this one's.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=templates");
    let mut files = Vec::new();
    for dir in ["src", "templates"] {
        collect(Path::new(dir), &mut files);
    }
    files.sort();
    // A fixed-key SipHash: the same sources give the same fingerprint on every machine.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    for f in &files {
        f.hash(&mut h);
        std::fs::read(f).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=MEDPACKET_BUILD_ID={:016x}", h.finish());

    let src = "fonts/DejaVuSans.ttf";
    println!("cargo:rerun-if-changed={src}");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let target = out.join("DejaVuSans.ttf.zlib");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if matches!((modified(&target), modified(Path::new(src))), (Some(t), Some(s)) if t >= s) {
        return;
    }
    let font = std::fs::read(src).expect("fonts/DejaVuSans.ttf is part of the source tree");
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&font).expect("compress font");
    let packed = enc.finish().expect("compress font");
    std::fs::write(target, packed).expect("write compressed font");
}

/// Every file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
