//! The cache of what medpacket learned about each file: a rebuild from the cache writes
//! the same bytes as a fresh one, the cache is really read, corrupt entries are ignored
//! and rewritten, and `--no-cache` neither reads nor writes it.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::*;

fn run(cache: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let o = medpacket()
        .env("MEDPACKET_CACHE_DIR", cache)
        .args(args)
        .output()
        .expect("run medpacket");
    assert!(
        o.status.success(),
        "medpacket {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// One cache entry: a line of a pack.
#[derive(Debug, Clone)]
struct Entry {
    pack: PathBuf,
    line: usize,
}

fn pack_lines(pack: &Path) -> Vec<Vec<u8>> {
    std::fs::read(pack)
        .unwrap_or_default()
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn line_of(e: &Entry) -> Vec<u8> {
    pack_lines(&e.pack).swap_remove(e.line)
}

/// An entry line's header and value, split at the tab.
fn split(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = line.strip_suffix(b"\n")?;
    let at = line.iter().position(|&b| b == b'\t')?;
    Some((&line[..at], &line[at + 1..]))
}

/// The value of a cache entry (the JSON after its header and tab).
fn read_entry<T: serde::de::DeserializeOwned>(e: &Entry) -> T {
    let line = line_of(e);
    let (_, body) = split(&line).expect("an entry is a header, a tab and a value");
    serde_json::from_slice(body).expect("the entry's value is JSON")
}

/// An entry line's key, when it is whole: its header names the checksum of the value
/// after it.
fn whole_key(line: &[u8]) -> Option<String> {
    let (head, body) = split(line)?;
    let head: serde_json::Value = serde_json::from_slice(head).ok()?;
    (head["xxh3"] == medpacket::base::digest::quick_sum(body)
        && serde_json::from_slice::<serde_json::Value>(body).is_ok())
    .then(|| head["key"].as_str().unwrap_or_default().to_string())
}

/// Replaces an entry's value, with a header that vouches for it (as medpacket would
/// write it), so the next run trusts the edited value.
fn write_entry<T: serde::Serialize>(e: &Entry, value: &T) {
    let mut lines = pack_lines(&e.pack);
    let (head, _) = split(&lines[e.line]).expect("entry");
    let mut head: serde_json::Value = serde_json::from_slice(head).expect("header");
    let body = serde_json::to_vec(value).expect("json");
    head["xxh3"] = medpacket::base::digest::quick_sum(&body).into();
    let mut out = serde_json::to_vec(&head).expect("json");
    out.push(b'\t');
    out.extend_from_slice(&body);
    out.push(b'\n');
    lines[e.line] = out;
    std::fs::write(&e.pack, lines.concat()).expect("write");
}

/// The packs of one kind, oldest first.
fn packs(cache: &Path, kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache.join(kind))
        .map(|l| l.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "pack"));
    v.sort();
    v
}

/// Every entry of one kind (whole or not), oldest pack first.
fn kind_lines(cache: &Path, kind: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for pack in packs(cache, kind) {
        for line in 0..pack_lines(&pack).len() {
            out.push(Entry {
                pack: pack.clone(),
                line,
            });
        }
    }
    out
}

/// The keys of the whole entries of one kind.
fn whole_keys(cache: &Path, kind: &str) -> std::collections::BTreeSet<String> {
    kind_lines(cache, kind)
        .iter()
        .filter_map(|e| whole_key(&line_of(e)))
        .collect()
}

/// Builds `records` into `out` with the cache at `cache`; returns the packet's bytes.
fn build(cache: &Path, records: &Path, out: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        records.as_os_str(),
        std::ffi::OsStr::new("-o"),
        out.as_os_str(),
        std::ffi::OsStr::new("--force"),
    ];
    args.insert(0, std::ffi::OsStr::new("build"));
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(cache, &args);
    std::fs::read(out).expect("packet")
}

fn scan_json(cache: &Path, records: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        std::ffi::OsStr::new("scan"),
        records.as_os_str(),
        std::ffi::OsStr::new("--json"),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    serde_json::from_slice(&run(cache, &args).stdout).expect("scan --json")
}

/// Every entry of the cache's file facts.
fn entries(cache: &Path) -> Vec<Entry> {
    kind_lines(cache, "file")
}

#[test]
fn a_warm_rebuild_writes_the_same_bytes_and_corrupt_entries_are_ignored() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let records = sample_records_dir();
    let before = sha256_tree(&records);

    let cold = build(&cache, &records, &tmp.path().join("cold.pdf"), &[]);
    let facts = entries(&cache);
    // The sample folder has PDFs, a JPEG, a PNG, a TIFF and ZIP members to remember.
    assert!(
        facts.len() >= 5,
        "only {} file-facts entries after a cold build",
        facts.len()
    );
    for e in &facts {
        let v: serde_json::Value = read_entry(e);
        let probe = &v["probe"];
        assert!(
            probe["format"].is_string() && probe["pages"].is_u64(),
            "{v}"
        );
        assert!(v["decision"]["classified"]["kind"].is_string(), "{v}");
        // A PDF's facts hold what the footer's placement needs of each page, so a rebuild
        // reads no page content.
        if probe["format"] == "pdf" {
            assert_eq!(
                probe["edges"].as_array().map(Vec::len),
                probe["pages"].as_u64().map(|n| n as usize),
                "{v}"
            );
        }
    }
    let warm = build(&cache, &records, &tmp.path().join("warm.pdf"), &[]);
    assert!(cold == warm, "a rebuild from the cache changed the packet");
    let fresh = build(
        &tmp.path().join("unused"),
        &records,
        &tmp.path().join("fresh.pdf"),
        &["--no-cache"],
    );
    assert!(cold == fresh, "the cache changed the packet");
    assert!(
        !tmp.path().join("unused").exists(),
        "--no-cache wrote a cache"
    );

    // Corrupt every entry: the build reads each file afresh and writes the entries again.
    let keys = whole_keys(&cache, "file");
    assert_eq!(keys.len(), facts.len(), "one entry per key");
    for pack in packs(&cache, "file") {
        let lines = pack_lines(&pack);
        let cut = b"{\"probe\": {\"format\": \"pdf\", \"pag\n".repeat(lines.len());
        std::fs::write(&pack, cut).expect("corrupt");
    }
    assert!(whole_keys(&cache, "file").is_empty());
    let repaired = build(&cache, &records, &tmp.path().join("repaired.pdf"), &[]);
    assert!(cold == repaired, "corrupt cache entries changed the packet");
    assert_eq!(
        whole_keys(&cache, "file"),
        keys,
        "the entries were not written again"
    );
    assert_eq!(sha256_tree(&records), before, "the records folder changed");
}

#[test]
fn scan_reads_what_the_cache_remembers_unless_told_not_to() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let records = tmp.path().join("records");
    write_files(
        &records,
        &[
            (
                "lab.pdf",
                simple_pdf("LABORATORY RESULTS", &["Collected: 2025-01-02"]),
            ),
            ("photo.jpg", jpeg(120, 90)),
        ],
    );
    let cold = scan_json(&cache, &records, &[]);
    let warm = scan_json(&cache, &records, &[]);
    assert_eq!(cold, warm, "scan --json differs when read from the cache");
    let lab = |v: &serde_json::Value| {
        v["files"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["path"] == "lab.pdf"))
            .map(|f| f["kind"].clone())
            .expect("lab.pdf in the scan")
    };
    assert_eq!(lab(&cold), "lab-results");

    let facts = entries(&cache);
    assert_eq!(facts.len(), 2, "one entry per file");
    // Rewrite the remembered kind of the PDF: a scan that uses the cache shows it.
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut changed = 0;
        for e in &facts {
            let mut v: serde_json::Value = read_entry(e);
            if v["probe"]["format"] == "pdf" {
                f(&mut v);
                write_entry(e, &v);
                changed += 1;
            }
        }
        assert_eq!(changed, 1);
    };
    edit(&|v| v["decision"]["classified"]["kind"] = "operative-report".into());
    assert_eq!(lab(&scan_json(&cache, &records, &[])), "operative-report");

    // Without the decision, the remembered text is classified again.
    edit(&|v| {
        v["decision"] = serde_json::Value::Null;
        v["probe"]["text"] =
            "SURGICAL PATHOLOGY REPORT\nDate of Procedure: 03/14/2025\nFinal diagnosis: benign."
                .into();
    });
    assert_eq!(lab(&scan_json(&cache, &records, &[])), "pathology-report");
    assert_eq!(
        scan_json(&cache, &records, &["--no-cache"]),
        cold,
        "--no-cache must read the files themselves"
    );
}

/// The newest whole entry for each key of one kind in the cache.
fn newest_entries(cache: &Path, kind: &str) -> Vec<Entry> {
    let mut by_key = std::collections::BTreeMap::new();
    for e in kind_lines(cache, kind) {
        if let Some(key) = whole_key(&line_of(&e)) {
            by_key.insert(key, e);
        }
    }
    by_key.into_values().collect()
}

/// The value of the newest whole entry for each key of one kind in the cache.
fn kind_entries(cache: &Path, kind: &str) -> Vec<serde_json::Value> {
    newest_entries(cache, kind).iter().map(read_entry).collect()
}

#[test]
fn a_file_rewritten_in_place_with_its_old_size_and_time_is_read_again() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let records = tmp.path().join("records");
    // Two reports of exactly the same length: the second can replace the first in place.
    let lab = simple_pdf("LABORATORY RESULTS", &["Collected: 2025-01-02"]);
    let mut path = simple_pdf(
        "SURGICAL PATHOLOGY REPORT",
        &["Date of Procedure: 03/14/2025"],
    );
    let mut lab_padded = lab.clone();
    let pad = |v: &mut Vec<u8>, to: usize| v.extend(std::iter::repeat_n(b' ', to - v.len()));
    let len = lab.len().max(path.len());
    pad(&mut lab_padded, len);
    pad(&mut path, len);
    write_files(
        &records,
        &[
            ("report.pdf", lab_padded.clone()),
            ("photo.jpg", jpeg(120, 90)),
        ],
    );
    // Files are known by their identity once left alone for two seconds (file times are
    // only as fine as the file system keeps them).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let kind = |v: &serde_json::Value| {
        let f = v["files"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["path"] == "report.pdf"))
            .expect("report.pdf in the scan");
        (f["kind"].clone(), f["sha256"].clone())
    };
    let cold = scan_json(&cache, &records, &[]);
    assert_eq!(kind(&cold).0, "lab-results");
    // Each file is known by its identity from now on (one entry for the folder): a
    // rebuild need not read it to find its checksum.
    let known = kind_entries(&cache, "identity");
    assert_eq!(known.len(), 1, "{known:?}");
    let checksums: Vec<&serde_json::Value> =
        known[0].as_object().expect("a map").values().collect();
    assert_eq!(checksums.len(), 2, "{known:?}");
    assert!(checksums.contains(&&kind(&cold).1), "{known:?}");
    assert_eq!(scan_json(&cache, &records, &[]), cold);

    // The same name, size and modification time, other bytes, left alone long enough to
    // be known by identity again: the change time tells it apart, so it is read again,
    // never given the remembered kind.
    let file = records.join("report.pdf");
    let rewrite = |bytes: &[u8]| {
        let modified = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::fs::write(&file, bytes).expect("rewrite");
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(modified))
            .expect("set mtime back");
        assert_eq!(std::fs::metadata(&file).expect("meta").len() as usize, len);
    };
    rewrite(&path);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let after = scan_json(&cache, &records, &[]);
    assert_eq!(kind(&after).0, "pathology-report");
    assert_ne!(kind(&after).1, kind(&cold).1);

    // Changed a moment ago, a file is read and not yet known by its identity: a second
    // write in the same tick of the file system's clock could leave the same times.
    rewrite(&lab_padded);
    let again = scan_json(&cache, &records, &[]);
    assert_eq!(kind(&again).0, "lab-results");
    let known = kind_entries(&cache, "identity");
    let checksums: Vec<&serde_json::Value> =
        known[0].as_object().expect("a map").values().collect();
    assert!(!checksums.contains(&&kind(&again).1), "{known:?}");
    assert_eq!(checksums.len(), 1, "{known:?}");
}

#[test]
fn a_build_that_finds_a_file_unlike_its_identity_forgets_the_identities() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let records = tmp.path().join("records");
    write_files(
        &records,
        &[
            (
                "lab.pdf",
                simple_pdf("LABORATORY RESULTS", &["Collected: 2025-01-02"]),
            ),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Date of Procedure: 03/14/2025"],
                ),
            ),
            (
                "packet.toml",
                b"[patient]\nname = \"Test Patient\"\ndate_of_birth = 1970-01-01\n".to_vec(),
            ),
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let good = build(
        &cache,
        &records,
        &tmp.path().join("a.pdf"),
        &["--ocr", "never"],
    );
    // A file that no longer holds what its identity promised (as when a file system does
    // not move the change time on a write): here, the two files' checksums swapped.
    let entry = newest_entries(&cache, "identity").pop().expect("one entry");
    let mut map: serde_json::Map<String, serde_json::Value> = read_entry(&entry);
    let keys: Vec<String> = map.keys().cloned().collect();
    assert_eq!(keys.len(), 2, "{map:?}");
    let (a, b) = (map[&keys[0]].clone(), map[&keys[1]].clone());
    map.insert(keys[0].clone(), b);
    map.insert(keys[1].clone(), a);
    write_entry(&entry, &map);

    // The build notices (it checks every file's bytes as it copies them) and stops...
    let out = medpacket()
        .env("MEDPACKET_CACHE_DIR", &cache)
        .args(["build", "--ocr", "never", "--force", "-o"])
        .arg(tmp.path().join("b.pdf"))
        .arg(&records)
        .output()
        .expect("run medpacket");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // ...and the next build reads every file again and makes the right packet.
    let again = build(
        &cache,
        &records,
        &tmp.path().join("c.pdf"),
        &["--ocr", "never"],
    );
    assert!(good == again, "the packet after forgetting differs");
}
