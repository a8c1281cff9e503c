//! `build --zip`, `verify`, and portal ZIP exports as input, end to end. Bundles are read
//! back with Python's zipfile (an independent reader) as well as with the zip crate.

mod support;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};
use support::*;

fn build(dir: &Path, pdf: &Path, zip: &Path, extra: &[&str]) -> Value {
    let o = medpacket()
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(pdf)
        .arg("--zip")
        .arg(zip)
        .arg("--json")
        .args(extra)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn verify(args: &[&Path]) -> Output {
    let mut c = medpacket();
    c.arg("verify");
    for a in args {
        c.arg(a);
    }
    c.output().expect("run verify")
}

/// Member names and contents, read by Python's zipfile.
fn python_members(zip: &Path) -> Option<Vec<(String, String)>> {
    if !require_tool("python3") {
        return None;
    }
    let script = "import sys, zipfile, hashlib\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist():\n    print(i.filename + '\\t' + hashlib.sha256(z.read(i)).hexdigest())\n";
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(zip)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    )
}

/// Rewrites a ZIP, letting `edit` change, drop or add members.
fn rewrite(
    zip: &Path,
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    add: Option<(&str, &[u8])>,
) {
    let bytes = std::fs::read(zip).expect("read");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("member");
        let name = f.name().expect("name").to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read member");
        if let Some(data) = edit(&name, data) {
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            out.write_all(&data).expect("write");
        }
    }
    if let Some((name, data)) = add {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(data).expect("write");
    }
    let bytes = out.finish().expect("finish").into_inner();
    std::fs::write(zip, bytes).expect("write zip");
}

#[test]
fn bundle_holds_letter_packet_originals_and_manifest_and_verifies() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pdf, zip) = (tmp.path().join("p.pdf"), tmp.path().join("p.zip"));
    let report = build(&sample_records_dir(), &pdf, &zip, &[]);
    assert_eq!(
        report["bundle"]["sha256"].as_str(),
        Some(sha256_file(&zip).as_str())
    );

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("open")).expect("zip");
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names[0], "cover-letter.pdf", "the cover letter comes first");
    assert_eq!(names[1], "packet.pdf");
    assert_eq!(names.last().map(String::as_str), Some("manifest.json"));
    let mut manifest_bytes = Vec::new();
    archive
        .by_name("manifest.json")
        .expect("manifest")
        .read_to_end(&mut manifest_bytes)
        .expect("read");
    let manifest: Value = serde_json::from_slice(&manifest_bytes).expect("manifest parses");
    assert_eq!(manifest["patient"], "Ingrid Sørensen-Łukasiewicz");
    assert_eq!(
        manifest["tool"],
        format!("medpacket {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        manifest["documents"], report["documents"],
        "page ranges as in build --json"
    );

    // Every included file is there byte for byte under originals/, and nothing else.
    let docs = report["documents"].as_array().expect("docs");
    let mut originals: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_prefix("originals/"))
        .collect();
    originals.sort();
    let mut included: Vec<&str> = docs.iter().filter_map(|d| d["path"].as_str()).collect();
    included.sort();
    assert_eq!(originals, included);
    for rel in &included {
        let mut data = Vec::new();
        archive
            .by_name(&format!("originals/{rel}"))
            .expect("member")
            .read_to_end(&mut data)
            .expect("read");
        assert_eq!(
            data,
            std::fs::read(sample_records_dir().join(rel)).expect("original"),
            "{rel}"
        );
    }
    let mut packet = Vec::new();
    archive
        .by_name("packet.pdf")
        .expect("packet")
        .read_to_end(&mut packet)
        .expect("read");
    assert_eq!(packet, std::fs::read(&pdf).expect("pdf"));

    // An independent reader agrees with the manifest's checksums.
    if let Some(members) = python_members(&zip) {
        let listed = manifest["members"].as_array().expect("members");
        for m in listed {
            let path = m["path"].as_str().expect("path");
            let sha = members
                .iter()
                .find(|(n, _)| n == path)
                .map(|(_, s)| s.as_str());
            assert_eq!(sha, m["sha256"].as_str(), "{path}");
        }
        assert_eq!(
            members.len(),
            listed.len() + 1,
            "members are the listed ones plus the manifest"
        );
    }

    let o = verify(&[&zip]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("Intact"));

    // The packet PDF against the manifest.
    let m = tmp.path().join("manifest.json");
    std::fs::write(&m, &manifest_bytes).expect("write");
    let o = medpacket()
        .arg("verify")
        .arg(&pdf)
        .arg("--manifest")
        .arg(&m)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    let mut bad = std::fs::read(&pdf).expect("pdf");
    let last = bad.len() - 10;
    bad[last] ^= 1;
    std::fs::write(&pdf, bad).expect("write");
    let o = medpacket()
        .arg("verify")
        .arg(&pdf)
        .arg("--manifest")
        .arg(&m)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn verify_names_changed_missing_and_unexpected_members() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pdf, zip) = (tmp.path().join("p.pdf"), tmp.path().join("p.zip"));
    build(&sample_records_dir(), &pdf, &zip, &[]);

    let changed = tmp.path().join("changed.zip");
    std::fs::copy(&zip, &changed).expect("copy");
    rewrite(
        &changed,
        |name, mut data| {
            if name == "originals/scan0001.pdf" {
                data[100] ^= 0x20;
            }
            Some(data)
        },
        None,
    );
    let o = verify(&[&changed]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("CHANGED    originals/scan0001.pdf"), "{out}");
    assert!(out.contains("NOT intact: originals/scan0001.pdf"), "{out}");

    let missing = tmp.path().join("missing.zip");
    std::fs::copy(&zip, &missing).expect("copy");
    rewrite(
        &missing,
        |name, data| (name != "cover-letter.pdf").then_some(data),
        None,
    );
    let o = medpacket()
        .arg("verify")
        .arg(&missing)
        .arg("--json")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let bad: Vec<(&str, &str)> = v["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|m| m["status"] != "ok")
        .map(|m| {
            (
                m["path"].as_str().unwrap_or(""),
                m["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(bad, [("cover-letter.pdf", "missing")]);

    let extra = tmp.path().join("extra.zip");
    std::fs::copy(&zip, &extra).expect("copy");
    rewrite(
        &extra,
        |_, data| Some(data),
        Some(("originals/slipped-in.pdf", b"%PDF-1.4 not ours")),
    );
    let o = verify(&[&extra]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("UNEXPECTED originals/slipped-in.pdf"));

    // Not a bundle at all: exit 2.
    let not = tmp.path().join("not.zip");
    std::fs::write(&not, b"hello").expect("write");
    assert_eq!(verify(&[&not]).status.code(), Some(2));
    let no_manifest = tmp.path().join("nomanifest.zip");
    std::fs::copy(&zip, &no_manifest).expect("copy");
    rewrite(
        &no_manifest,
        |name, data| (name != "manifest.json").then_some(data),
        None,
    );
    let o = verify(&[&no_manifest]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no manifest.json"));
}

#[test]
fn bundles_are_deterministic_and_never_overwritten_without_force() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pdf, zip) = (tmp.path().join("p.pdf"), tmp.path().join("p.zip"));
    build(&sample_records_dir(), &pdf, &zip, &[]);
    let first = std::fs::read(&zip).expect("zip");
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("q.pdf"))
        .arg("--zip")
        .arg(&zip)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert!(
        !tmp.path().join("q.pdf").exists(),
        "nothing is written when the bundle cannot be"
    );
    build(&sample_records_dir(), &pdf, &zip, &["--force"]);
    assert_eq!(
        std::fs::read(&zip).expect("zip"),
        first,
        "same inputs and clock, same bytes"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&zip).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
}

/// A ZIP built by hand, so member names can be anything (including unsafe ones).
fn portal_zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[test]
fn portal_exports_are_read_like_folders_and_unsafe_members_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("records");
    let inner = portal_zip(&[(
        "labs/cbc.pdf",
        simple_pdf("LABORATORY RESULTS", &["Collected: 2025-03-27"]),
    )]);
    let export = portal_zip(&[
        (
            "MyChart/path.pdf",
            simple_pdf(
                "SURGICAL PATHOLOGY REPORT",
                &["Date of Procedure: 03/14/2025"],
            ),
        ),
        (
            "MyChart/notes.txt",
            b"CONSULTATION NOTE\nDate of Service: 2025-03-20\nSynthetic text.\n".to_vec(),
        ),
        (
            "../evil.pdf",
            simple_pdf("OPERATIVE REPORT", &["should never be read"]),
        ),
        (
            "/abs/evil2.pdf",
            simple_pdf("OPERATIVE REPORT", &["should never be read"]),
        ),
        ("__MACOSX/._path.pdf", b"junk".to_vec()),
        ("nested.zip", inner),
    ]);
    write_files(
        &recs,
        &[
            ("packet.toml", b"[patient]\nname = \"Ana Ruiz\"\n".to_vec()),
            ("export.zip", export),
        ],
    );
    let before_parent: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();

    let scan = medpacket()
        .arg("scan")
        .arg(&recs)
        .arg("--json")
        .output()
        .expect("scan");
    let v: Value = serde_json::from_slice(&scan.stdout).expect("json");
    let files = v["files"].as_array().expect("files");
    let get = |p: &str| {
        files
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p} not in {files:?}"))
    };
    assert_eq!(
        get("export.zip/MyChart/path.pdf")["kind"],
        "pathology-report"
    );
    assert_eq!(
        get("export.zip/MyChart/notes.txt")["kind"],
        "consultation-note"
    );
    assert_eq!(
        get("export.zip/nested.zip/labs/cbc.pdf")["kind"],
        "lab-results"
    );
    for evil in ["export.zip/../evil.pdf", "export.zip//abs/evil2.pdf"] {
        let f = get(evil);
        assert_eq!(f["status"], "problem");
        assert!(
            f["problem"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("unsafe member name")),
            "{f}"
        );
    }
    assert!(v["ignored"].to_string().contains("__MACOSX"));

    let (pdf, zip) = (tmp.path().join("p.pdf"), tmp.path().join("p.zip"));
    let report = build(&recs, &pdf, &zip, &["--skip-unreadable"]);
    let paths: Vec<&str> = report["documents"]
        .as_array()
        .expect("docs")
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    let skipped = report["skipped"].to_string();
    assert!(skipped.contains("../evil.pdf") && skipped.contains("/abs/evil2.pdf"));
    // The members are in the bundle, under their archive path; nothing escaped anywhere.
    assert_eq!(verify(&[&zip]).status.code(), Some(0));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("open")).expect("zip");
    assert!(archive
        .by_name("originals/export.zip/nested.zip/labs/cbc.pdf")
        .is_ok());
    let mut after_parent: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    after_parent.retain(|n| n != "p.pdf" && n != "p.zip");
    assert_eq!(
        after_parent.len(),
        before_parent.len(),
        "nothing else written next to the records"
    );
    assert_eq!(
        std::fs::read_dir(&recs).expect("ls").count(),
        2,
        "nothing written into the records folder"
    );
}

#[test]
fn encrypted_deep_and_bomb_archives_are_refused_with_bounded_memory() {
    if !require_tool("python3") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("records");
    std::fs::create_dir_all(&recs).expect("mkdir");
    std::fs::write(recs.join("packet.toml"), "[patient]\nname = \"Ana Ruiz\"\n").expect("write");
    // Made by Python: a 300 MB member of zeros (ratio ~1000:1), a member whose directory
    // lies about its size, a member flagged as encrypted, and a zip in a zip in a zip.
    let script = r#"
import sys, zipfile, io, struct
d = sys.argv[1]
with zipfile.ZipFile(d + '/bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('zeros.pdf', b'\0' * (300 * 1024 * 1024))
    z.writestr('fine.txt', b'LAB RESULTS\nCollected: 2025-01-02\n')
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('liar.txt', b'A' * (50 * 1024 * 1024))
data = bytearray(buf.getvalue())
for sig, off in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
    i = data.find(sig)
    data[i + off:i + off + 4] = struct.pack('<I', 1000)
    if sig == b'PK\x01\x02':
        data[i + 20:i + 24] = struct.pack('<I', 1000)
    else:
        data[i + 18:i + 22] = struct.pack('<I', 1000)
open(d + '/liar.zip', 'wb').write(bytes(data))
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w') as z:
    z.writestr('secret.pdf', b'%PDF-1.4')
data = bytearray(buf.getvalue())
for sig, off in ((b'PK\x03\x04', 6), (b'PK\x01\x02', 8)):
    i = data.find(sig)
    data[i + off] |= 1
open(d + '/locked.zip', 'wb').write(bytes(data))
def z(name, inner):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as zz:
        zz.writestr(name, inner)
    return b.getvalue()
open(d + '/deep.zip', 'wb').write(z('a.zip', z('b.zip', z('c.txt', b'deep'))))
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&recs)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::metadata(recs.join("bomb.zip"))
            .expect("bomb")
            .len()
            < 2_000_000
    );

    // Run scan under Python to read the child's peak memory.
    let runner = "import sys, subprocess, resource\nr = subprocess.run(sys.argv[1:], capture_output=True)\nsys.stdout.buffer.write(r.stdout)\nprint('MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n";
    let o = Command::new("python3")
        .arg("-c")
        .arg(runner)
        .arg(env!("CARGO_BIN_EXE_medpacket"))
        .arg("scan")
        .arg(&recs)
        .arg("--json")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    let rss: u64 = err
        .split("MAXRSS_KB ")
        .nth(1)
        .and_then(|s| s.trim().parse().ok())
        .expect("rss");
    assert!(
        rss < 200 * 1024,
        "peak memory {rss} KB while refusing a 300 MB bomb"
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let problem = |p: &str| -> String {
        v["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == p)
            .map(|f| f["problem"]["reason"].to_string())
            .unwrap_or_else(|| panic!("{p} missing"))
    };
    assert!(problem("bomb.zip/zeros.pdf").contains("compression ratio"));
    let liar = problem("liar.zip/liar.txt");
    assert!(
        liar.contains("damaged ZIP") && liar.contains("size"),
        "{liar}"
    );
    assert!(problem("locked.zip/secret.pdf").contains("encrypted"));
    assert!(problem("deep.zip/a.zip/b.zip").contains("nested more than one level"));
    let fine = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "bomb.zip/fine.txt")
        .expect("fine");
    assert_eq!(fine["status"], "included");
}
