//! `medpacket serve` under load: twenty uploads at once (some of the same bytes, some of
//! the same name), uploads cut off midway or over the limit, and a build asked for twice
//! at once. The folder's final contents are checked exactly. Counts what it tried into
//! `target/tmp/faults/` like `tests/faults.rs`.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::{medpacket, require_tool, sha256_hex, simple_pdf};

/// A running `medpacket serve DIR --no-open --port 0 --max-upload-mb 1`.
struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = medpacket()
            .arg("serve")
            .arg(dir)
            .args(["--no-open", "--port", "0", "--max-upload-mb", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("url");
        let rest = first
            .trim()
            .strip_prefix("http://127.0.0.1:")
            .expect("url")
            .to_string();
        let (port, token) = rest.split_once("/?token=").expect("token");
        Server {
            port: port.parse().expect("port"),
            token: token.to_string(),
            child,
        }
    }

    /// The head of a request that passes the guard (cookie, Host, Origin).
    fn head(&self, method: &str, path: &str, ctype: &str, len: usize) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nCookie: medpacket-{p}={t}\r\nOrigin: http://127.0.0.1:{p}\r\nConnection: close\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n\r\n",
            p = self.port,
            t = self.token
        )
    }

    /// One request on its own connection; the status code and the body.
    fn send(&self, method: &str, path: &str, ctype: &str, body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(120))).ok();
        s.write_all(self.head(method, path, ctype, body.len()).as_bytes())
            .expect("head");
        s.write_all(body).expect("body");
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    fn upload(&self, name: &str, bytes: &[u8]) -> u16 {
        let (body, ctype) = multipart(name, bytes);
        self.send("POST", "/upload", &ctype, &body).0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BOUNDARY: &str = "----medpacket-load-51c2";

fn multipart(name: &str, bytes: &[u8]) -> (Vec<u8>, String) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={BOUNDARY}"))
}

/// Every file of `dir` (not in subfolders) by name, with its SHA-256.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                sha256_hex(&std::fs::read(e.path()).expect("read")),
            )
        })
        .collect()
}

/// A report of its own bytes, about `kb` kilobytes (so uploads overlap in time): a PDF
/// followed by comment lines, which readers pass over.
fn report(tag: &str, kb: usize) -> Vec<u8> {
    let mut pdf = simple_pdf(
        &format!("LABORATORY REPORT {tag}"),
        &["Collected: 01/15/2025"],
    );
    let mut i = 0;
    while pdf.len() < kb * 1024 {
        pdf.extend_from_slice(format!("% {tag} padding line {i}\n").as_bytes());
        i += 1;
    }
    pdf
}

#[test]
fn twenty_uploads_at_once_cut_off_and_oversized_uploads_and_a_double_build_leave_the_right_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    let server = std::sync::Arc::new(Server::start(&dir));
    // What a server killed during an upload leaves (its process is gone): removed by the
    // next upload, and never a record.
    let leftover = dir.join(".medpacket-4194999-upload-k1ll3d.part");
    std::fs::write(&leftover, b"%PDF-1.7 half an upload").expect("leftover");
    let mut failures = Vec::new();

    // Twenty uploads at once: 8 files of their own; "same.pdf" 4 times with the same
    // bytes; "clash.pdf" 4 times with other bytes each; "twin.pdf" twice with bytes P and
    // twice with bytes Q.
    let same = report("SAME", 200);
    let (p, q) = (report("P", 150), report("Q", 150));
    let mut uploads: Vec<(String, Vec<u8>)> = (0..8)
        .map(|i| {
            (
                format!("lab-{i}.pdf"),
                report(&format!("L{i}"), 100 + i * 30),
            )
        })
        .collect();
    uploads.extend((0..4).map(|_| ("same.pdf".to_string(), same.clone())));
    uploads.extend((0..4).map(|i| ("clash.pdf".to_string(), report(&format!("C{i}"), 120))));
    uploads
        .extend([p.clone(), q.clone(), p.clone(), q.clone()].map(|b| ("twin.pdf".to_string(), b)));
    assert_eq!(uploads.len(), 20);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(uploads.len()));
    let threads: Vec<_> = uploads
        .iter()
        .cloned()
        .map(|(name, bytes)| {
            let (s, b) = (server.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                s.upload(&name, &bytes)
            })
        })
        .collect();
    for t in threads {
        let status = t.join().expect("upload thread");
        if status != 303 {
            failures.push(format!("an upload answered {status}"));
        }
    }
    let got = contents(&dir);
    let mut want: BTreeMap<String, String> = uploads[..8]
        .iter()
        .map(|(n, b)| (n.clone(), sha256_hex(b)))
        .collect();
    want.insert("same.pdf".into(), sha256_hex(&same));
    // Which of the clashing (or twin) uploads got the plain name depends on timing; each
    // one's bytes are there exactly once, under the name or its numbered variants.
    let group = |stem: &str, n: usize| -> Vec<String> {
        let mut names = vec![format!("{stem}.pdf")];
        names.extend((2..=n).map(|k| format!("{stem} ({k}).pdf")));
        names
    };
    let clash_names = group("clash", 4);
    let twin_names = group("twin", 2);
    let mut clash_got: Vec<String> = clash_names
        .iter()
        .filter_map(|n| got.get(n).cloned())
        .collect();
    let mut clash_want: Vec<String> = uploads[12..16].iter().map(|(_, b)| sha256_hex(b)).collect();
    clash_got.sort();
    clash_want.sort();
    let mut twin_got: Vec<String> = twin_names
        .iter()
        .filter_map(|n| got.get(n).cloned())
        .collect();
    let mut twin_want = vec![sha256_hex(&p), sha256_hex(&q)];
    twin_got.sort();
    twin_want.sort();
    let plain: BTreeMap<String, String> = got
        .iter()
        .filter(|(n, _)| !clash_names.contains(n) && !twin_names.contains(n))
        .map(|(n, s)| (n.clone(), s.clone()))
        .collect();
    if plain != want || clash_got != clash_want || twin_got != twin_want {
        failures.push(format!(
            "after 20 uploads at once the folder holds {:#?}",
            got.keys()
        ));
    }
    let saved_right = usize::from(plain == want) * 9
        + usize::from(clash_got == clash_want) * 4
        + usize::from(twin_got == twin_want) * 2;

    // Uploads cut off midway: the connection closes partway through the body.
    let before = contents(&dir);
    for (i, cut) in [1_000usize, 60_000, 400_000].into_iter().enumerate() {
        let bytes = report(&format!("CUT{i}"), 600);
        let (body, ctype) = multipart(&format!("half-{i}.pdf"), &bytes);
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        s.write_all(
            server
                .head("POST", "/upload", &ctype, body.len())
                .as_bytes(),
        )
        .expect("head");
        s.write_all(&body[..cut.min(body.len() - 10)])
            .expect("part");
        std::thread::sleep(Duration::from_millis(200));
        drop(s);
    }
    // Over the limit (1 MB here).
    let big = vec![b'%'; 1024 * 1024 + 4096];
    let over = server.upload("too-big.pdf", &big);
    // The server drops each cut-off upload's temporary file once it notices.
    let t = Instant::now();
    while contents(&dir) != before && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let hidden: Vec<String> = std::fs::read_dir(&dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') || n.ends_with(".part"))
        .collect();
    if contents(&dir) != before || !hidden.is_empty() || over != 303 {
        failures.push(format!(
            "cut-off and oversized uploads left {:?} (hidden {hidden:?}; over-limit answered {over})",
            contents(&dir).keys().filter(|k| !before.contains_key(*k)).collect::<Vec<_>>()
        ));
    }

    // A build asked for twice at once runs once.
    std::fs::write(
        dir.join("packet.toml"),
        "[patient]\nname = \"Load Test\"\ndate_of_birth = 1970-01-01\n",
    )
    .expect("details");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let clicks: Vec<_> = (0..2)
        .map(|_| {
            let (s, b) = (server.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                s.send("POST", "/build", "application/x-www-form-urlencoded", b"")
                    .0
            })
        })
        .collect();
    for c in clicks {
        let status = c.join().expect("click");
        if status != 303 {
            failures.push(format!("POST /build answered {status}"));
        }
    }
    let t = Instant::now();
    let mut state = String::new();
    while t.elapsed() < Duration::from_secs(120) {
        let (_, text) = server.send("GET", "/build/status", "text/plain", b"");
        state = text;
        if !state.contains("\"running\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let packets_dir = tmp.path().join("records-packets");
    let packets: Vec<_> = std::fs::read_dir(&packets_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    let mut correct = 0;
    if !state.contains("\"done\"") || packets.len() != 1 {
        failures.push(format!("double build: {state}; packets {packets:?}"));
    } else if require_tool("qpdf") {
        let o = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&packets[0])
            .output()
            .expect("qpdf");
        if o.status.success() {
            correct += 1;
        } else {
            failures.push(format!(
                "the packet: {}",
                String::from_utf8_lossy(&o.stdout)
            ));
        }
    } else {
        correct += 1;
    }
    // The records are all still there, byte for byte.
    let after = contents(&dir);
    let lost = before
        .iter()
        .filter(|(n, s)| after.get(*n) != Some(*s))
        .count();
    if lost > 0 {
        failures.push(format!("{lost} records changed or went missing"));
    }
    println!("uploads saved right: {saved_right} of 15 distinct (20 sent)");
    let tallies = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults");
    std::fs::create_dir_all(&tallies).expect("tally folder");
    // 20 concurrent uploads, 3 cut off, 1 over the limit, 1 double build.
    std::fs::write(
        tallies.join("serve_load.txt"),
        format!("25 {correct} {lost}\n"),
    )
    .expect("tally");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
