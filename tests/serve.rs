//! `medpacket serve`: the real binary on a free port, spoken to over plain HTTP (every
//! security rule, the forms, uploads, removal, downloads, shutdown) and driven in headless
//! Chromium over WebDriver (upload, details, checklist, build, download).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::{medpacket, require_tool, simple_pdf, write_files};
#[path = "support/browser.rs"]
mod browser;
use browser::{browser_tools, Driver};

// ---------------------------------------------------------------------------------------------
// The server and a plain HTTP client
// ---------------------------------------------------------------------------------------------

/// A running `medpacket serve DIR --no-open --port 0`.
struct Server {
    child: Child,
    url: String,
    port: u16,
    token: String,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = medpacket()
            .arg("serve")
            .arg(dir)
            .args(["--no-open", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("medpacket serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the first line of stdout");
        let url = first.trim_end().to_string();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is the URL on 127.0.0.1: {url:?}"));
        let (port, token) = rest.split_once("/?token=").expect("URL carries ?token=");
        assert!(
            token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()),
            "a long random token: {token}"
        );
        Server {
            child,
            port: port.parse().expect("port"),
            token: token.to_string(),
            url,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    fn cookie(&self) -> String {
        format!("medpacket-{}={}", self.port, self.token)
    }

    /// A request with our Host; `headers` are added as given.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let host = self.host();
        let mut all: Vec<(&str, &str)> = vec![("Host", host.as_str())];
        all.extend_from_slice(headers);
        http(self.port, method, path, &all, body)
    }

    /// GET with the cookie.
    fn get(&self, path: &str) -> Resp {
        let c = self.cookie();
        self.request("GET", path, &[("Cookie", &c)], b"")
    }

    /// The page's HTML once the folder has been read (while scans are read the page
    /// shows their progress first), with the character references the template writes
    /// decoded.
    fn page(&self) -> String {
        let mut r = self.get("/");
        let t = Instant::now();
        while r.status == 200 && r.text().contains("<div id=\"reading\"") {
            assert!(
                t.elapsed() < Duration::from_secs(180),
                "the folder is never read"
            );
            std::thread::sleep(Duration::from_millis(100));
            if self.get("/records/status").text().contains("\"ready\"") {
                r = self.get("/");
            }
        }
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
            .replace("<wbr>", "")
            .replace("&#x2f;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    /// POST of a url-encoded form with the cookie and our Origin.
    fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let (c, o) = (self.cookie(), self.origin());
        self.request(
            "POST",
            path,
            &[
                ("Cookie", &c),
                ("Origin", &o),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
    }

    /// POST /upload of `(file name, bytes)` as the page's form sends them.
    fn upload(&self, files: &[(&str, &[u8])]) -> Resp {
        let (body, ctype) = multipart(files);
        let (c, o) = (self.cookie(), self.origin());
        self.request(
            "POST",
            "/upload",
            &[("Cookie", &c), ("Origin", &o), ("Content-Type", &ctype)],
            &body,
        )
    }

    /// Sends SIGTERM; returns how long the server took to exit, and how it exited.
    fn terminate(&mut self) -> (Duration, ExitStatus) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return (t.elapsed(), s);
            }
            if t.elapsed() > Duration::from_secs(10) {
                panic!("medpacket serve did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on its own connection, read to the end.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).expect("send head");
    s.write_all(body).expect("send body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..eol])
                    .split(';')
                    .next()
                    .unwrap_or("0")
                    .trim(),
                16,
            )
            .expect("hex chunk size");
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const BOUNDARY: &str = "----medpacket-test-7d3f";

/// A multipart/form-data body with one `files` part per file, as a browser sends it.
fn multipart(files: &[(&str, &[u8])]) -> (Vec<u8>, String) {
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={BOUNDARY}"))
}

/// Files whose names show an unfinished upload or packet.
fn temp_files(dir: &Path) -> Vec<String> {
    walkdir(dir)
        .into_iter()
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            n.ends_with(".part") || n.starts_with(".medpacket-") || n.starts_with(".tmp")
        })
        .map(|p| p.display().to_string())
        .collect()
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walkdir(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn assert_security_headers(r: &Resp, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    let default_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("default-src"))
        .unwrap_or_else(|| panic!("{what}: CSP without default-src: {csp}"));
    assert_eq!(default_src, "default-src 'self'", "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
}

fn one_record(dir: &Path) {
    write_files(
        dir,
        &[(
            "labs/cbc.pdf",
            simple_pdf(
                "LABORATORY REPORT",
                &["Patient: Test, Serve", "Collected: 01/15/2025"],
            ),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Security rules
// ---------------------------------------------------------------------------------------------

#[test]
fn the_token_is_needed_once_in_the_url_then_in_an_http_only_cookie() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("not yet there").join("records");
    let s = Server::start(&dir, &[]);
    assert!(dir.is_dir(), "DIR is created when missing");

    let no_token = s.request("GET", "/", &[], b"");
    assert_eq!(no_token.status, 403);
    assert!(no_token.text().contains("?token="), "{}", no_token.text());
    assert_security_headers(&no_token, "403");
    let wrong = s.request("GET", "/?token=00112233", &[], b"");
    assert_eq!(wrong.status, 403);
    let wrong_cookie = format!("medpacket-{}=abc", s.port);
    assert_eq!(
        s.request("GET", "/", &[("Cookie", &wrong_cookie)], b"")
            .status,
        403
    );
    for path in [
        "/static/style.css",
        "/static/app.js",
        "/build/status",
        "/records/status",
        "/download/0",
    ] {
        assert_eq!(s.request("GET", path, &[], b"").status, 403, "{path}");
    }

    let first = s.request("GET", &format!("/?token={}", s.token), &[], b"");
    assert_eq!(first.status, 303);
    assert_eq!(
        first.header("location"),
        Some("/"),
        "the token leaves the address bar"
    );
    let set = first.header("set-cookie").expect("a cookie");
    assert!(set.starts_with(&s.cookie()), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert_security_headers(&first, "303");

    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert_security_headers(&page, "page");
    let html = page.text();
    for name in [
        ">Add records</label>",
        ">Patient name</label>",
        ">Date of birth <span class=\"hint\">(YYYY-MM-DD)</span></label>",
        ">Diagnosis</label>",
        ">Reason for the second opinion</label>",
        ">Save details</button>",
        ">Checklist</h2>",
        ">Build packet</button>",
    ] {
        assert!(html.contains(name), "control {name} missing");
    }
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    for path in ["/static/style.css", "/static/app.js", "/no/such/page"] {
        assert_security_headers(&s.get(path), path);
    }
    assert_eq!(
        s.get("/static/app.js").header("content-type"),
        Some("text/javascript; charset=utf-8")
    );

    // A second start makes a new token; the old cookie does not open it.
    let other = Server::start(&dir, &[]);
    assert_ne!(other.token, s.token);
    let old = format!("medpacket-{}={}", other.port, s.token);
    assert_eq!(
        other.request("GET", "/", &[("Cookie", &old)], b"").status,
        403
    );
}

#[test]
fn a_host_other_than_ours_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let s = Server::start(tmp.path(), &[]);
    let c = s.cookie();
    let url_token = format!("/?token={}", s.token);
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{}", s.port),
        format!("127.0.0.1:{}", s.port + 1),
        format!("[::1]:{}", s.port),
        "127.0.0.1".to_string(),
    ] {
        let r = http(s.port, "GET", "/", &[("Host", &host), ("Cookie", &c)], b"");
        assert_eq!(r.status, 403, "Host {host}");
        assert_security_headers(&r, "wrong host");
        let r = http(s.port, "GET", &url_token, &[("Host", &host)], b"");
        assert_eq!(r.status, 403, "Host {host} with the token");
    }
    assert!(
        TcpStream::connect(("::1", s.port)).is_err(),
        "listens on 127.0.0.1 only, not ::1"
    );
    let local = format!("localhost:{}", s.port);
    assert_eq!(
        http(s.port, "GET", "/", &[("Host", &local), ("Cookie", &c)], b"").status,
        200
    );
}

#[test]
fn changes_need_a_post_from_the_pages_own_origin() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    one_record(&dir);
    let s = Server::start(&dir, &[]);
    let c = s.cookie();
    let form = b"name=Mallory&dob=&diagnosis=&reason=&profile=general";
    let ct = ("Content-Type", "application/x-www-form-urlencoded");
    let port = s.port;
    let other_port = format!("http://127.0.0.1:{}", port + 1);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no Origin", vec![("Cookie", &c), ct]),
        (
            "foreign Origin",
            vec![("Cookie", &c), ("Origin", "http://evil.example"), ct],
        ),
        ("null Origin", vec![("Cookie", &c), ("Origin", "null"), ct]),
        (
            "other port",
            vec![("Cookie", &c), ("Origin", &other_port), ct],
        ),
        ("no cookie", vec![("Origin", "http://127.0.0.1"), ct]),
    ];
    for (what, headers) in &cases {
        for path in [
            "/details",
            "/build",
            "/remove",
            "/upload",
            "/requests/write",
        ] {
            let r = s.request("POST", path, headers, form);
            assert_eq!(r.status, 403, "{what} {path}");
            assert_security_headers(&r, what);
        }
    }
    let o = s.origin();
    let put = s.request(
        "PUT",
        "/details",
        &[("Cookie", &c), ("Origin", &o), ct],
        form,
    );
    assert_eq!(put.status, 403, "only POST changes anything");
    assert!(!dir.join("packet.toml").exists(), "nothing was written");
    assert!(dir.join("labs/cbc.pdf").exists());
    assert!(
        !tmp.path().join("records-packets").exists(),
        "nothing was built"
    );

    let ok = s.request(
        "POST",
        "/details",
        &[("Cookie", &c), ("Origin", &o), ct],
        form,
    );
    assert_eq!(ok.status, 303);
    let text = std::fs::read_to_string(dir.join("packet.toml")).expect("written");
    assert!(text.contains("name = \"Mallory\""), "{text}");
}

#[test]
fn uploads_keep_base_names_never_replace_and_are_owner_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    let s = Server::start(&dir, &[]);
    let one = simple_pdf("PATHOLOGY REPORT", &["Date of Procedure: 2025-03-14"]);
    let two = simple_pdf("RADIOLOGY REPORT", &["Exam date: 2025-02-18"]);
    let r = s.upload(&[
        ("../../escape.pdf", &one),
        ("..\\..\\windows.pdf", &two),
        ("/etc/passwd", b"root:x:0:0"),
        ("..", b"x"),
        (".bashrc", b"echo hi"),
        ("packet.toml", b"[patient]\nname = \"X\"\n"),
    ]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/#records"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["escape.pdf", "passwd", "windows.pdf"]);
    assert!(!tmp.path().join("escape.pdf").exists() && !Path::new("/escape.pdf").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("escape.pdf"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }
    let page = s.page();
    assert!(
        page.contains("Added escape.pdf."),
        "the page says what happened"
    );
    assert!(page.contains("its name starts with a dot"), "{page}");
    assert!(
        page.contains("edited in the Details section"),
        "packet.toml is not uploaded"
    );

    // Same name, other bytes: a numbered copy. Same bytes: not saved again.
    s.upload(&[("escape.pdf", &two)]);
    assert_eq!(
        std::fs::read(dir.join("escape (2).pdf")).expect("copy"),
        two
    );
    assert_eq!(std::fs::read(dir.join("escape.pdf")).expect("kept"), one);
    s.upload(&[("escape.pdf", &one), ("escape.pdf", &two)]);
    let page = s.page();
    assert!(
        page.contains("escape.pdf is already there (as escape.pdf)"),
        "{page}"
    );
    assert!(
        page.contains("escape.pdf is already there (as escape (2).pdf)"),
        "{page}"
    );
    assert!(!dir.join("escape (3).pdf").exists());
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
}

#[test]
fn an_oversized_upload_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    let s = Server::start(&dir, &["--max-upload-mb", "1"]);
    let big = vec![b'%'; 1024 * 1024 + 10];
    let small = simple_pdf("LABORATORY REPORT", &["Collected: 01/15/2025"]);
    let r = s.upload(&[("huge scan.pdf", &big), ("labs.pdf", &small)]);
    assert_eq!(r.status, 303);
    assert!(!dir.join("huge scan.pdf").exists());
    assert!(
        dir.join("labs.pdf").exists(),
        "the other file of the form is saved"
    );
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    let page = s.page();
    assert!(
        page.contains("huge scan.pdf was not saved: it is larger than 1 MB"),
        "{page}"
    );
}

#[test]
fn downloads_are_only_of_packets_medpacket_wrote() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    one_record(&dir);
    std::fs::write(
        dir.join("packet.toml"),
        "[patient]\nname = \"Serve Test\"\n",
    )
    .expect("toml");
    std::fs::write(tmp.path().join("secret.txt"), "do not hand out").expect("secret");
    let s = Server::start(&dir, &[]);
    let probes = [
        "/download/0",
        "/view/0",
        "/download/../packet.toml",
        "/download/..%2Fpacket.toml",
        "/download/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/view/..%2F..%2Fsecret.txt",
        "/download/-1",
        "/download/0/../../secret.txt",
        "/static/../packet.toml",
        "/static/..%2F..%2Fsecret.txt",
    ];
    for p in probes {
        let r = s.get(p);
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
        let t = r.text();
        assert!(
            !t.contains("do not hand out") && !t.contains("Serve Test"),
            "{p}: {t}"
        );
    }

    assert_eq!(s.post_form("/build", &[]).status, 303);
    let t = Instant::now();
    loop {
        let st = s.get("/build/status").text();
        if !st.contains("\"running\"") {
            assert!(st.contains("\"done\""), "{st}\n{}", s.page());
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "build takes too long"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let page = s.page();
    assert!(page.contains(">Download packet</a>"), "{page}");
    let packet = tmp
        .path()
        .join("records-packets")
        .join("second-opinion-packet-serve-test-2026-01-01.pdf");
    assert!(
        packet.is_file(),
        "built into <DIR>-packets under the default name"
    );
    let d = s.get("/download/0");
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("application/pdf"));
    assert!(d
        .header("content-disposition")
        .is_some_and(|v| v.starts_with("attachment")));
    assert_security_headers(&d, "download");
    assert_eq!(d.body, std::fs::read(&packet).expect("packet"));
    let v = s.get("/view/0");
    assert!(v
        .header("content-disposition")
        .is_some_and(|v| v.starts_with("inline")));
    for p in probes.iter().skip(2) {
        assert!(!s.get(p).text().contains("do not hand out"), "{p}");
    }
    assert_eq!(s.get("/download/1").status, 404);
    assert!(temp_files(&tmp.path().join("records-packets")).is_empty());
}

#[test]
fn request_letters_are_written_downloaded_and_marked_sent_only_from_the_page() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    one_record(&dir);
    let toml = "# mine\n[patient]\nname = \"Ana Ruiz\"\naddress = \"12 Elm St, Springfield\"\n\n[request]\nprofile = \"oncology\"\n\n[[holders]]\nname = \"Riverside Hospital\"  # the biopsy\naddress = \"400 River Rd, Springfield\"\nphone = \"555-0198\"\nkinds = [\"pathology-report\", \"slides\"]\n";
    std::fs::write(dir.join("packet.toml"), toml).expect("toml");
    let s = Server::start(&dir, &[]);
    let page = s.page();
    assert!(page.contains("Request missing records"), "{page}");
    assert!(
        page.contains("Write the letter for Riverside Hospital")
            && page.contains("It will ask for: Pathology report, Pathology slides or blocks."),
        "{page}"
    );

    // The same security rules as every change.
    let c = s.cookie();
    for path in ["/requests/write", "/requests/sent", "/holders"] {
        let r = s.request(
            "POST",
            path,
            &[
                ("Cookie", &c),
                ("Origin", "http://evil.example"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            b"holder=Riverside+Hospital&name=X&email=x%40x&kinds=imaging",
        );
        assert_eq!(r.status, 403, "{path}");
    }
    assert!(!tmp.path().join("records-requests").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        toml
    );

    // A holder without an address, fax or e-mail is refused with the fix; one with an
    // e-mail is added to packet.toml, comments kept.
    let r = s.post_form(
        "/holders",
        &[("name", "Valley Imaging"), ("kinds", "imaging")],
    );
    assert_eq!(r.status, 303);
    assert!(
        s.page()
            .contains("Valley Imaging was not added: give its address, fax number or e-mail"),
        "{}",
        s.page()
    );
    let r = s.post_form(
        "/holders",
        &[
            ("name", "Valley Imaging"),
            ("department", "Film Library"),
            ("email", "records@valley.example"),
            ("kinds", "imaging-report"),
            ("kinds", "imaging"),
            ("kinds", "astrology"),
        ],
    );
    assert_eq!(r.status, 303);
    let text = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(text.starts_with(toml), "{text}");
    assert!(
        text.contains("name = \"Valley Imaging\"\ndepartment = \"Film Library\"\nemail = \"records@valley.example\"\nkinds = [\"imaging-report\", \"imaging\"]"),
        "{text}"
    );

    // Write one letter; it is handed out from <DIR>-requests, and nothing else is.
    let r = s.post_form(
        "/requests/write",
        &[("holder", "Riverside Hospital"), ("send_to", "me")],
    );
    assert_eq!(r.status, 303);
    let page = s.page();
    assert!(
        page.contains(">Download letter for Riverside Hospital</a>"),
        "{page}"
    );
    let letter = tmp
        .path()
        .join("records-requests")
        .join("records-request-riverside-hospital-2026-01-01.pdf");
    assert!(letter.is_file(), "{page}");
    let d = s.get("/letter/0");
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("application/pdf"));
    assert!(d
        .header("content-disposition")
        .is_some_and(|v| v.starts_with("attachment")));
    assert_security_headers(&d, "letter");
    assert_eq!(d.body, std::fs::read(&letter).expect("letter"));
    for p in [
        "/letter/1",
        "/letter/-1",
        "/letter/..%2Fpacket.toml",
        "/letter/0/../../records/packet.toml",
    ] {
        let r = s.get(p);
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
        assert!(!r.text().contains("Ana Ruiz"), "{p}");
    }

    // The request is listed, not sent; "Mark as sent" makes it due in 30 days.
    assert!(
        page.contains("Not sent yet") && page.contains(">Mark as sent</button>"),
        "{page}"
    );
    let r = s.post_form("/requests/sent", &[("holder", "Riverside Hospital")]);
    assert_eq!(r.status, 303);
    let page = s.page();
    assert!(
        page.contains("Waiting — due 2026-01-31; their phone: 555-0198"),
        "{page}"
    );
    let text = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(
        text.contains("sent = 2026-01-01\ndue = 2026-01-31"),
        "{text}"
    );
    assert!(text.contains("# the biopsy"), "{text}");

    // A holder's details are changed in place, its comments kept.
    assert!(
        page.contains(">Save the changes to Riverside Hospital</button>"),
        "{page}"
    );
    let r = s.post_form(
        "/holders",
        &[
            ("original", "Riverside Hospital"),
            ("name", "Riverside Hospital"),
            ("department", "Health Information Management"),
            ("address", "400 River Rd, Springfield"),
            ("phone", "555-0198"),
            ("fax", "555-0199"),
            ("kinds", "pathology-report"),
            ("kinds", "slides"),
        ],
    );
    assert_eq!(r.status, 303);
    assert!(s.page().contains("Saved the changes to Riverside Hospital"));
    let text = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(
        text.contains("name = \"Riverside Hospital\"  # the biopsy\naddress = \"400 River Rd, Springfield\"\nphone = \"555-0198\"\nkinds = [\"pathology-report\", \"slides\"]\nfax = \"555-0199\"\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------

const COMMENTED_TOML: &str = "# My packet — notes to myself stay here.\n[patient]\nname = \"Ana Ruiz\"   # as on my insurance card\ndate_of_birth = \"1970-01-02\"\n\n[history]\nhad_surgery = true  # gallbladder, 2019\n\n# Overrides\n[[documents]]\npath = \"labs/cbc.pdf\"\ntitle = \"Blood count\"  # my own title\n";

#[test]
fn save_details_writes_packet_toml_keeping_comments() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    one_record(&dir);
    write_files(&dir, &[("photo.jpg", support::jpeg(60, 80))]);
    std::fs::write(dir.join("packet.toml"), COMMENTED_TOML).expect("toml");
    let s = Server::start(&dir, &[]);
    let page = s.page();
    // The table shows each file with its named controls.
    for name in [
        "Kind of labs/cbc.pdf",
        "Date of labs/cbc.pdf",
        "Kind of photo.jpg",
        "Date of photo.jpg",
    ] {
        assert!(page.contains(&format!(">{name}</label>")), "{name}");
    }
    let fields = |dob: &str, photo_date: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = [
            ("name", "Ana María Ruiz"),
            ("dob", dob),
            ("diagnosis", "Myasthenia gravis, generalized"),
            ("reason", "Confirm the diagnosis before thymectomy"),
            ("profile", "neurology"),
            ("had_surgery", "on"),
            ("questions", "Is thymectomy right for me?\nWhat about IVIG?"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // As the page sends them: path, kind, date, and the values it showed.
        for (i, (path, kind, date, kind0, date0)) in [
            (
                "labs/cbc.pdf",
                "lab-results",
                "2025-01-15",
                "lab-results",
                "2025-01-15",
            ),
            ("photo.jpg", "imaging-report", photo_date, "other", ""),
        ]
        .iter()
        .enumerate()
        {
            for (k, v) in [
                ("doc", path),
                ("kind", kind),
                ("date", date),
                ("kind0", kind0),
                ("date0", date0),
            ] {
                f.push((format!("{k}.{i}"), v.to_string()));
            }
        }
        f
    };

    // A wrong date: nothing written, the page says why and keeps what was typed.
    let bad = fields("12th of May", "2025-02-01");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(s.post_form("/details", &bad).status, 303);
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        COMMENTED_TOML
    );
    let page = s.page();
    assert!(
        page.contains("Date of birth \"12th of May\" is not a date"),
        "{page}"
    );
    assert!(
        page.contains("value=\"Ana María Ruiz\""),
        "what was typed is kept"
    );

    // A date as people write it is saved as YYYY-MM-DD (figures that read two ways, such
    // as 02/01/2025, are refused: serve::details' own test).
    let good = fields("1970-01-03", "Feb 1, 2025");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = s.post_form("/details", &good);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/#details"));
    let text = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    for kept in [
        "# My packet — notes to myself stay here.\n",
        "name = \"Ana María Ruiz\"   # as on my insurance card\n",
        "date_of_birth = \"1970-01-03\"\n",
        "had_surgery = true  # gallbladder, 2019\n",
        "# Overrides\n[[documents]]\npath = \"labs/cbc.pdf\"\ntitle = \"Blood count\"  # my own title\n",
    ] {
        assert!(text.contains(kept), "{kept:?} not in:\n{text}");
    }
    assert!(
        !text.contains("lab-results"),
        "an unchanged detected kind is not written:\n{text}"
    );
    let check = medpacket()
        .args(["check", "--json"])
        .arg(&dir)
        .output()
        .expect("check");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    assert_eq!(report["profile"], "neurology", "{text}");
    let scan = medpacket()
        .args(["scan", "--json"])
        .arg(&dir)
        .output()
        .expect("scan");
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("json");
    let photo = scan["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "photo.jpg")
        .expect("photo listed");
    assert_eq!(photo["kind"], "imaging-report");
    assert_eq!(
        photo["date"], "2025-02-01",
        "dates are written as YYYY-MM-DD"
    );

    // After a reload the page shows what was saved.
    let page = s.page();
    assert!(page.contains("Saved your details"), "{page}");
    for shown in [
        "value=\"Ana María Ruiz\"",
        "value=\"1970-01-03\"",
        "Myasthenia gravis, generalized</textarea>",
        "Is thymectomy right for me?\nWhat about IVIG?</textarea>",
        "<option value=\"neurology\" selected>",
        "value=\"2025-02-01\"",
    ] {
        assert!(page.contains(shown), "{shown} not on the page");
    }
    // Saving the same again changes nothing in the file.
    s.post_form("/details", &good);
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        text
    );
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
}

#[test]
fn remove_moves_a_file_into_removed_which_scan_ignores() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    one_record(&dir);
    write_files(
        &dir,
        &[("old/duplicate scan.pdf", simple_pdf("OTHER", &["x"]))],
    );
    std::fs::write(tmp.path().join("outside.txt"), "keep me").expect("outside");
    let s = Server::start(&dir, &[]);
    assert!(s
        .page()
        .contains("aria-label=\"Remove old/duplicate scan.pdf\""));
    for bad in [
        "../outside.txt",
        "/etc/passwd",
        "old",
        "removed/x.pdf",
        "old/../../outside.txt",
    ] {
        assert_eq!(s.post_form("/remove", &[("path", bad)]).status, 303);
    }
    assert!(tmp.path().join("outside.txt").exists());
    assert!(s.page().contains("cannot be removed from here"));

    let r = s.post_form("/remove", &[("path", "old/duplicate scan.pdf")]);
    assert_eq!(r.status, 303);
    assert!(!dir.join("old/duplicate scan.pdf").exists());
    assert!(
        dir.join("removed/old/duplicate scan.pdf").is_file(),
        "moved, not deleted"
    );
    let page = s.page();
    assert!(page.contains("Moved old/duplicate scan.pdf into removed/old/duplicate scan.pdf"));
    assert!(
        !page.contains("Kind of removed/"),
        "the page no longer lists it"
    );
    let scan = medpacket()
        .args(["scan", "--json"])
        .arg(&dir)
        .output()
        .expect("scan");
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("json");
    let paths: Vec<&str> = scan["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["labs/cbc.pdf"], "scan ignores removed/");
    assert!(scan["ignored"].to_string().contains("removed/"));
}

// ---------------------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------------------

#[test]
fn sigterm_stops_within_a_second_with_a_tab_open_and_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    let mut s = Server::start(&dir, &[]);
    // An open tab: a kept-alive connection after a page load.
    let mut tab = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    let head = format!(
        "GET /static/style.css HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\r\n",
        s.host(),
        s.cookie()
    );
    tab.write_all(head.as_bytes()).expect("send");
    let mut buf = [0u8; 512];
    assert!(tab.read(&mut buf).expect("response") > 0);
    // An upload cut off halfway: its temporary file is in the folder.
    let mut upload = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    let head = format!(
        "POST /upload HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nOrigin: {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 10000000\r\n\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"half.pdf\"\r\n\r\n",
        s.host(),
        s.cookie(),
        s.origin()
    );
    upload.write_all(head.as_bytes()).expect("send");
    upload.write_all(&vec![b'x'; 200_000]).expect("send part");
    let t = Instant::now();
    while temp_files(&dir).is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the upload never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (took, status) = s.terminate();
    assert!(took < Duration::from_secs(1), "stopped after {took:?}");
    assert!(status.success(), "{status:?}");
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    assert!(!dir.join("half.pdf").exists(), "no partial file");
    drop((tab, upload));
}

// ---------------------------------------------------------------------------------------------
// A real browser
// ---------------------------------------------------------------------------------------------

/// The records a patient has: every file of the sample folder but packet.toml and junk.
fn sample_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir(&support::sample_records_dir())
        .into_iter()
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            !n.starts_with('.')
                && !n.starts_with("~$")
                && n != "packet.toml"
                && n != "desktop.ini"
                && n != "Thumbs.db"
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_patient_builds_the_packet_in_a_real_browser() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let s = Server::start(&dir, &[]);
    let driver = Driver::start(&chromium, &chromedriver);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = driver
            .session(&tmp.path().join("profile"), &downloads, (1280, 900))
            .await;
        drive(&s, c, &downloads, &dir).await
    });
    drop(driver);
}

async fn drive(s: &Server, c: fantoccini::Client, downloads: &Path, dir: &Path) {
    use fantoccini::Locator;
    let wait = |secs: u64| {
        c.wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
    };
    c.goto(&s.url).await.expect("open the page");
    let here = c.current_url().await.expect("url");
    assert_eq!(
        here.query(),
        None,
        "the token leaves the address bar: {here}"
    );

    // Your records: choosing files uploads them (no other click).
    let files = sample_files();
    let list = files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    by_label(&c, "Add records")
        .await
        .send_keys(&list)
        .await
        .expect("choose files");
    wait(60)
        .for_element(Locator::XPath(
            "//label[normalize-space()='Kind of scan0001.pdf']",
        ))
        .await
        .expect("the uploaded files are listed");
    let rows = c
        .find_all(Locator::Css("table.files tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), files.len(), "every file is listed once");

    // Details, and a kind and date changed in the table.
    by_label(&c, "Patient name")
        .await
        .send_keys("Ingrid Sørensen-Łukasiewicz")
        .await
        .expect("name");
    by_label(&c, "Date of birth (YYYY-MM-DD)")
        .await
        .send_keys("1968-04-12")
        .await
        .expect("dob");
    by_label(&c, "Diagnosis")
        .await
        .send_keys("Invasive ductal carcinoma, left breast")
        .await
        .expect("dx");
    by_label(&c, "Reason for the second opinion")
        .await
        .send_keys("Whether I need chemotherapy")
        .await
        .expect("reason");
    by_label(&c, "Checklist to use")
        .await
        .select_by_value("oncology")
        .await
        .expect("profile");
    by_label(&c, "I had surgery for this")
        .await
        .click()
        .await
        .expect("surgery");
    by_label(&c, "Kind of IMG_4410.jpg")
        .await
        .select_by_value("pathology-report")
        .await
        .expect("kind");
    let date = by_label(&c, "Date of IMG_4410.jpg").await;
    date.clear().await.expect("clear");
    date.send_keys("2025-02-21").await.expect("date");
    c.find(Locator::XPath("//button[normalize-space()='Save details']"))
        .await
        .expect("Save details")
        .click()
        .await
        .expect("save");
    let notice = wait(30)
        .for_element(Locator::XPath(
            "//section[@id='details']//div[contains(@class, 'notice')]",
        ))
        .await
        .expect("a message after saving");
    let said = notice.text().await.expect("text");
    assert!(said.contains("Saved your details"), "{said}");
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("packet.toml written");
    assert!(
        toml.contains("name = \"Ingrid Sørensen-Łukasiewicz\""),
        "{toml}"
    );
    assert!(
        toml.contains(
            "path = \"IMG_4410.jpg\"\nkind = \"pathology-report\"\ndate = \"2025-02-21\""
        ),
        "{toml}"
    );
    // The reloaded page shows what was saved.
    let kind = by_label(&c, "Kind of IMG_4410.jpg")
        .await
        .prop("value")
        .await
        .expect("v");
    assert_eq!(kind.as_deref(), Some("pathology-report"));
    let name = by_label(&c, "Patient name")
        .await
        .prop("value")
        .await
        .expect("v");
    assert_eq!(name.as_deref(), Some("Ingrid Sørensen-Łukasiewicz"));

    // Checklist: the same verdict and record names as `medpacket check`.
    let region = c
        .find(Locator::XPath(
            "//section[@aria-labelledby=//h2[normalize-space()='Checklist']/@id]",
        ))
        .await
        .expect("a region headed Checklist");
    let text = region.text().await.expect("text");
    let check = medpacket()
        .args(["check", "--json"])
        .arg(dir)
        .output()
        .expect("check");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    let verdict = if report["ready"] == true {
        "Ready to send"
    } else {
        "Not ready"
    };
    assert!(text.contains(verdict), "{verdict} in {text}");
    for r in report["requirements"].as_array().expect("requirements") {
        // The page names a kind as a patient would ("Pathology report").
        let code = r["kind"].as_str().expect("kind");
        let kind = format!(
            "{}{}",
            code[..1].to_uppercase(),
            code[1..].replace('-', " ")
        );
        assert!(text.contains(&kind), "{kind} in {text}");
    }
    for p in report["problems"].as_array().expect("problems") {
        let reason = p["reason"].as_str().expect("reason");
        assert!(text.contains(reason), "{reason} in {text}");
    }
    // The patient's to-do list, item for item as `check` gives it.
    let todo = report["todo"].as_array().expect("todo");
    assert!(!todo.is_empty(), "check gives a to-do list");
    for t in todo {
        let item = t["text"].as_str().expect("text");
        assert!(text.contains(item), "to-do {item:?} in {text}");
    }

    // Build, then download.
    c.find(Locator::XPath("//button[normalize-space()='Build packet']"))
        .await
        .expect("Build packet")
        .click()
        .await
        .expect("build");
    let link = wait(180)
        .for_element(Locator::LinkText("Download packet"))
        .await
        .expect("the Download packet link appears");
    let packets = dir.with_file_name("records-packets");
    let written = packets.join("second-opinion-packet-ingrid-sørensen-łukasiewicz-2026-01-01.pdf");
    assert!(written.is_file(), "{:?}", walkdir(&packets));
    let pages = pdf_pages(&written);
    let build_text = c
        .find(Locator::Id("build"))
        .await
        .expect("build section")
        .text()
        .await
        .expect("text");
    assert!(
        build_text.contains(&format!("{pages} pages")),
        "{build_text}"
    );
    let view = c
        .find(Locator::LinkText("Open the packet in your browser"))
        .await
        .expect("view link");
    assert_eq!(
        view.attr("href").await.expect("href").as_deref(),
        Some("/view/0")
    );
    link.click().await.expect("download");
    let t = Instant::now();
    let got = loop {
        let done: Vec<PathBuf> = walkdir(downloads)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        if let Some(p) = done.first() {
            break p.clone();
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no download in {}",
            downloads.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    request_records(&c, dir, downloads).await;
    c.close().await.expect("close the browser");
    let bytes = std::fs::read(&got).expect("downloaded");
    assert_eq!(
        bytes,
        std::fs::read(&written).expect("written"),
        "the download is the packet"
    );
    if require_tool("qpdf") {
        let q = Command::new("qpdf")
            .arg("--check")
            .arg(&got)
            .output()
            .expect("qpdf");
        assert!(
            q.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&q.stdout)
        );
    }
    if let Some(cover) = support::pdftotext_page(&got, 1) {
        assert!(cover.contains("Sørensen-Łukasiewicz"), "{cover}");
        assert!(cover.contains("Invasive ductal carcinoma"), "{cover}");
    }
    if require_tool("pdftotext") {
        let all = Command::new("pdftotext")
            .arg(&got)
            .arg("-")
            .output()
            .expect("pdftotext");
        let all = String::from_utf8_lossy(&all.stdout);
        assert!(
            all.contains("SURGICAL PATHOLOGY REPORT"),
            "the records are in the packet"
        );
        assert!(all.contains(&format!("Page {pages} of {pages}")), "stamped");
    }
}

/// Request missing records: add a holder, write its letter, download it, mark it sent.
async fn request_records(c: &fantoccini::Client, dir: &Path, downloads: &Path) {
    use fantoccini::Locator;
    let wait = |secs: u64| {
        c.wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
    };
    let click = |xpath: String| async move {
        c.find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|_| panic!("{xpath}"))
            .click()
            .await
            .unwrap_or_else(|_| panic!("click {xpath}"));
    };
    // The form is open while there is no holder yet.
    let add = c
        .find(Locator::XPath(
            "//details[summary[normalize-space()='Add a hospital, lab or imaging centre']]",
        ))
        .await
        .expect("the add-a-holder form");
    if add.prop("open").await.expect("open").as_deref() != Some("true") {
        click("//summary[normalize-space()='Add a hospital, lab or imaging centre']".into()).await;
    }
    by_label(c, "Name")
        .await
        .send_keys("Riverside Hospital")
        .await
        .expect("name");
    by_label(c, "Address")
        .await
        .send_keys("400 River Rd, Springfield")
        .await
        .expect("address");
    by_label(c, "Fax")
        .await
        .send_keys("555-0199")
        .await
        .expect("fax");
    by_label(c, "Pathology slides or blocks")
        .await
        .click()
        .await
        .expect("slides");
    click("//button[normalize-space()='Add it']".into()).await;
    wait(30)
        .for_element(Locator::XPath(
            "//section[@id='requests']//p[contains(., 'Added Riverside Hospital')]",
        ))
        .await
        .expect("the holder is added");
    click("//button[normalize-space()='Write the letter for Riverside Hospital']".into()).await;
    let link = wait(60)
        .for_element(Locator::LinkText("Download letter for Riverside Hospital"))
        .await
        .expect("the letter's link appears");
    link.click().await.expect("download the letter");
    let written = dir
        .with_file_name("records-requests")
        .join("records-request-riverside-hospital-2026-01-01.pdf");
    let t = Instant::now();
    let got = loop {
        let done: Vec<PathBuf> = walkdir(downloads)
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("records-request-"))
                    && p.extension().is_some_and(|e| e == "pdf")
            })
            .collect();
        if let Some(p) = done.first() {
            break p.clone();
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no letter downloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        std::fs::read(&got).expect("downloaded"),
        std::fs::read(&written).expect("written"),
        "the download is the letter"
    );
    click("//button[normalize-space()='Mark as sent']".into()).await;
    let row = wait(30)
        .for_element(Locator::XPath("//tr[contains(@class, 'request-open')]"))
        .await
        .expect("the request is open once sent");
    let text = row.text().await.expect("text");
    assert!(text.contains("Waiting — due 2026-01-31"), "{text}");
}

/// A control by its accessible name: the text of the `<label for>` that names it.
async fn by_label(c: &fantoccini::Client, name: &str) -> fantoccini::elements::Element {
    use fantoccini::Locator;
    let xpath = format!("//label[normalize-space()={}]", xpath_literal(name));
    let label = c
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|_| panic!("label {name:?}"));
    let id = label
        .attr("for")
        .await
        .expect("for")
        .expect("label has for=");
    c.find(Locator::Id(&id))
        .await
        .expect("the labelled control")
}

/// Page count by lopdf.
fn pdf_pages(path: &Path) -> usize {
    lopdf::Document::load(path)
        .expect("a PDF")
        .get_pages()
        .len()
}

/// An XPath string literal for any text.
fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else {
        format!("\"{s}\"")
    }
}
