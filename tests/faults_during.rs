//! Faults while a build runs, caused for real: cache entries cut short, damaged or from
//! another build, a cache folder that cannot be written, two builds at once sharing cache
//! and records, and a records folder that changes during a build. Each test counts what
//! it tried into `target/tmp/faults/` (see `scripts/faults.sh`).

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::faults::*;
use support::*;

// ---------------------------------------------------------------------------------------------
// The cache: damaged entries, a cache folder that cannot be written, two builds at once
// ---------------------------------------------------------------------------------------------

/// Builds `recs` into `out` with the cache in `cache` (None: `--no-cache`).
fn build_with_cache(recs: &Path, out: &Path, cache: Option<&Path>) -> Command {
    let mut cmd = medpacket();
    cmd.args(["build", "--json", "--force", "-o"])
        .arg(out)
        .arg(recs);
    match cache {
        Some(c) => {
            cmd.env("MEDPACKET_CACHE_DIR", c);
        }
        None => {
            cmd.arg("--no-cache");
        }
    }
    cmd
}

/// Every pack of cache entries under `dir`.
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for kind in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for e in std::fs::read_dir(kind.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "pack") {
                v.push(e.path());
            }
        }
    }
    v.sort();
    v
}

/// The cache warnings of a build's JSON report.
fn cache_warnings(o: &Output) -> Vec<String> {
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    r["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| w["what"].as_str().unwrap_or("").to_string())
        .filter(|w| w.contains("cache folder"))
        .collect()
}

#[test]
fn damaged_entries_an_unwritable_cache_and_two_builds_at_once_give_the_same_packet() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    copy_tree(&sample_records_dir(), &recs);
    let before = sha256_tree(&recs);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    let mut failures = Vec::new();
    let mut tried = 0;
    let mut correct = 0;

    // The packet as built without any cache is the one every other build must match.
    let reference = out.join("reference.pdf");
    let o = build_with_cache(&recs, &reference, None)
        .output()
        .expect("build");
    assert!(o.status.success(), "{}", text(&o));
    qpdf_ok(&reference).expect("reference packet");
    let want = std::fs::read(&reference).expect("packet");
    let mut same = |name: &str, o: &Output, failures: &mut Vec<String>| {
        let got = std::fs::read(out.join(name)).unwrap_or_default();
        if o.status.success() && got == want && qpdf_ok(&out.join(name)).is_ok() {
            correct += 1;
        } else {
            failures.push(format!("{name}: not the reference packet\n{}", text(o)));
        }
    };

    let cache = tmp.path().join("cache");
    let o = build_with_cache(&recs, &out.join("cold.pdf"), Some(&cache))
        .output()
        .expect("build");
    same("cold.pdf", &o, &mut failures);
    let filled = entries(&cache);
    let originals: Vec<Vec<u8>> = filled
        .iter()
        .map(|p| std::fs::read(p).expect("pack"))
        .collect();
    // The kind and key of every whole entry (one line each: header, tab, value).
    let keys = |packs: &[Vec<u8>]| -> std::collections::BTreeSet<(String, String)> {
        packs
            .iter()
            .flat_map(|b| b.split(|&c| c == b'\n'))
            .filter_map(|line| {
                let at = line.iter().position(|&c| c == b'\t')?;
                let head: serde_json::Value = serde_json::from_slice(&line[..at]).ok()?;
                let whole = head["xxh3"] == medpacket::base::digest::quick_sum(&line[at + 1..])
                    && head["medpacket"]
                        .as_str()?
                        .starts_with(env!("CARGO_PKG_VERSION"));
                whole.then(|| (head["kind"].to_string(), head["key"].to_string()))
            })
            .collect()
    };
    let wanted = keys(&originals);
    assert!(wanted.len() > 10, "the cache holds entries: {filled:?}");

    // Each kind of damage to every pack at once: ignored, the packet the same, the
    // entries written again whole.
    type Damage = fn(&[u8]) -> Vec<u8>;
    let damages: [(&str, Damage); 4] = [
        ("cut short", |b| b[..b.len() / 2].to_vec()),
        ("a byte changed", |b| {
            let mut d = b.to_vec();
            let at = d.len() * 3 / 4;
            d[at] = if d[at] == b'1' { b'2' } else { b'1' };
            d
        }),
        ("another version's", |b| {
            String::from_utf8_lossy(b)
                .replace(env!("CARGO_PKG_VERSION"), "0.0.1-older")
                .into_bytes()
        }),
        ("empty", |_| Vec::new()),
    ];
    for (what, damage) in damages {
        for p in entries(&cache) {
            let _ = std::fs::remove_file(p);
        }
        // Every entry of every pack damaged, the packs' lines kept apart.
        for (p, b) in filled.iter().zip(&originals) {
            let damaged: Vec<u8> = b
                .split_inclusive(|&c| c == b'\n')
                .flat_map(|line| {
                    let mut d = damage(line.strip_suffix(b"\n").unwrap_or(line));
                    if !d.is_empty() {
                        d.push(b'\n');
                    }
                    d
                })
                .collect();
            std::fs::write(p, damaged).expect("damage");
        }
        let left: Vec<Vec<u8>> = filled
            .iter()
            .map(|p| std::fs::read(p).expect("pack"))
            .collect();
        assert!(
            keys(&left).intersection(&wanted).next().is_none(),
            "{what}: whole entries left"
        );
        tried += wanted.len();
        let name = format!("{}.pdf", what.replace(' ', "-").replace('\'', ""));
        let o = build_with_cache(&recs, &out.join(&name), Some(&cache))
            .output()
            .expect("build");
        same(&name, &o, &mut failures);
        let now: Vec<Vec<u8>> = entries(&cache)
            .iter()
            .map(|p| std::fs::read(p).unwrap_or_default())
            .collect();
        let rewritten = keys(&now).intersection(&wanted).count();
        if rewritten != wanted.len() {
            failures.push(format!(
                "{what}: {rewritten} of {} entries written again whole",
                wanted.len()
            ));
        }
    }

    // A cache folder on a read-only disk, and on a full one: one warning, same packet.
    match SmallDisk::mount("64k") {
        Err(why) => println!("skipped the read-only and full cache folders: {why}"),
        Ok(disk) => {
            let c = disk.path().join("cache");
            disk.remount("ro");
            let o = build_with_cache(&recs, &out.join("ro-cache.pdf"), Some(&c))
                .output()
                .expect("build");
            tried += 1;
            same("ro-cache.pdf", &o, &mut failures);
            let w = cache_warnings(&o);
            if w.len() != 1 || !w[0].contains("cannot be written") {
                failures.push(format!("read-only cache folder: warnings {w:?}"));
            }
            disk.remount("rw");
            std::fs::create_dir_all(&c).expect("cache");
            let fill = disk.path().join("filler");
            let mut f = std::fs::File::create(&fill).expect("filler");
            let _ = std::io::Write::write_all(&mut f, &vec![0u8; 128 * 1024]);
            drop(f);
            let o = build_with_cache(&recs, &out.join("full-cache.pdf"), Some(&c))
                .output()
                .expect("build");
            tried += 1;
            same("full-cache.pdf", &o, &mut failures);
            let w = cache_warnings(&o);
            if w.len() != 1 {
                failures.push(format!("full cache folder: warnings {w:?}"));
            }
            let stray: Vec<_> = std::fs::read_dir(&c)
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|k| std::fs::read_dir(k.path()).into_iter().flatten().flatten())
                .filter(|e| e.file_name().to_string_lossy().starts_with(".entry-"))
                .collect();
            if !stray.is_empty() {
                failures.push(format!(
                    "full cache folder: {} temporary entries left",
                    stray.len()
                ));
            }
        }
    }

    // Two builds at once sharing the records folder and the cache: cold, then warm.
    for round in ["cold", "warm", "cold again", "warm again"] {
        let shared = tmp.path().join("shared");
        if round.starts_with("cold") {
            let _ = std::fs::remove_dir_all(&shared);
        }
        let names = [format!("{round}-a.pdf"), format!("{round}-b.pdf")];
        let children: Vec<_> = names
            .iter()
            .map(|n| {
                build_with_cache(&recs, &out.join(n), Some(&shared))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("build")
            })
            .collect();
        for (n, c) in names.iter().zip(children) {
            let o = c.wait_with_output().expect("wait");
            tried += 1;
            same(n, &o, &mut failures);
        }
    }
    let lost = before.len()
        - sha256_tree(&recs)
            .iter()
            .filter(|(p, s)| before.get(*p) == Some(*s))
            .count();
    if lost > 0 {
        failures.push(format!("{lost} records changed"));
    }
    tally("cache", tried, correct, lost);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// The records folder changing during a build
// ---------------------------------------------------------------------------------------------

/// Runs a build of `recs` and, as soon as it starts writing the packet (its temporary
/// file appears), lets `change` alter the folder from this thread while the build goes on.
fn build_while(recs: &Path, packet: &Path, change: impl FnOnce()) -> (Output, bool) {
    let dir = packet.parent().expect("folder");
    let writing = || {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".part"))
    };
    let mut child = medpacket()
        .args(["build", "--json", "-o"])
        .arg(packet)
        .arg(recs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("build");
    let start = std::time::Instant::now();
    let mut raced = false;
    while start.elapsed().as_secs() < 120 {
        if writing() {
            change();
            raced = true;
            break;
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    (child.wait_with_output().expect("wait"), raced)
}

#[test]
fn a_record_replaced_removed_or_added_during_the_build_is_named_and_never_mixed_in() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut failures = Vec::new();
    let mut tried = 0;
    let mut correct = 0;
    let mut lost = 0;
    let replaced = simple_pdf(
        "OPERATIVE REPORT",
        &["REPLACED VERSION", "Date of Surgery: 02/02/2025"],
    );
    let cases: [(&str, &str); 6] = [
        ("replace", "lab-250.pdf"),
        ("replace", "lab-000.pdf"),
        ("remove", "lab-250.pdf"),
        ("remove", "lab-000.pdf"),
        ("add", "new-report.pdf"),
        ("touch", "lab-120.pdf"),
    ];
    for (n, (what, name)) in cases.iter().enumerate() {
        let recs = tmp.path().join(format!("recs-{n}"));
        many_reports(&recs, 300);
        let out = tmp.path().join(format!("out-{n}"));
        std::fs::create_dir_all(&out).expect("out");
        let packet = out.join("p.pdf");
        let target = recs.join(name);
        let (o, raced) = build_while(&recs, &packet, || match *what {
            "replace" => {
                // A new file renamed over the old one, as a download manager does.
                let part = recs.join("incoming.tmp.pdf.download");
                std::fs::write(&part, &replaced).expect("write");
                std::fs::rename(&part, &target).expect("rename");
            }
            "remove" => std::fs::remove_file(&target).expect("remove"),
            "add" => std::fs::write(&target, &replaced).expect("add"),
            _ => {
                // The same bytes written again in place.
                let bytes = std::fs::read(&target).expect("read");
                std::fs::write(&target, bytes).expect("write");
            }
        });
        tried += 1;
        let case = format!("{what} {name}");
        if !raced {
            failures.push(format!(
                "{case}: the build ended before the change: {}",
                text(&o)
            ));
            continue;
        }
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        if *what == "add" {
            // The packet is whole as scanned; the new file is named as not in it.
            let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
            let warned = r["warnings"].as_array().into_iter().flatten().any(|w| {
                w["path"] == *name && w["what"].to_string().contains("not in this packet")
            });
            let packed = r["documents"].as_array().map_or(0, Vec::len);
            if o.status.success() && warned && packed == 300 && qpdf_ok(&packet).is_ok() {
                correct += 1;
            } else {
                failures.push(format!("{case}: {}", text(&o)));
            }
        } else if o.status.code() != Some(2)
            || !err.contains(name)
            || !err.contains("run the command again")
            || packet.exists()
            || !leftovers.is_empty()
            || err.contains("panicked")
        {
            failures.push(format!("{case}: {} left {leftovers:?}", text(&o)));
        }
        // Nothing in the folder was touched by medpacket: every record but the one this
        // test changed is as it was written.
        let now = sha256_tree(&recs);
        let expected = if *what == "remove" { 299 } else { 300 };
        let records = now
            .keys()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .count();
        let changed_here = usize::from(*what == "add");
        if records != expected + changed_here {
            lost += 1;
            failures.push(format!("{case}: {records} records in the folder"));
        }
        // Built again once the folder is still, the packet holds the new state whole.
        if *what != "add" {
            let again = medpacket()
                .args(["build", "--json", "-o"])
                .arg(&packet)
                .arg(&recs)
                .output()
                .expect("build");
            let ok = again.status.success() && qpdf_ok(&packet).is_ok();
            let shows_new = *what != "replace"
                || Command::new("pdftotext")
                    .arg(&packet)
                    .arg("-")
                    .output()
                    .is_ok_and(|t| String::from_utf8_lossy(&t.stdout).contains("REPLACED VERSION"));
            if ok && shows_new {
                correct += 1;
            } else {
                failures.push(format!("{case}: the build after it: {}", text(&again)));
            }
        }
    }
    tally("folder_changes", tried, correct, lost);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
