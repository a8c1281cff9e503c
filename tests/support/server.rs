//! `medpacket serve` for the tests: the real binary on a free port, and a plain HTTP/1.1
//! client that speaks to it with the page's key, Host and Origin.

use super::medpacket;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running `medpacket serve DIR --no-open --port 0`.
pub struct Server {
    child: Child,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with(dir, extra, &[])
    }

    /// As [`Server::start`], with environment variables set for the server.
    pub fn start_with(dir: &Path, extra: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Server {
        let mut child = medpacket()
            .envs(env.iter().copied())
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

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn cookie(&self) -> String {
        format!("medpacket-{}={}", self.port, self.token)
    }

    /// A request with our Host; `headers` are added as given.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let host = self.host();
        let mut all: Vec<(&str, &str)> = vec![("Host", host.as_str())];
        all.extend_from_slice(headers);
        http(self.port, method, path, &all, body)
    }

    /// GET with the cookie.
    pub fn get(&self, path: &str) -> Resp {
        let c = self.cookie();
        self.request("GET", path, &[("Cookie", &c)], b"")
    }

    /// The page's HTML once the folder has been read (while scans are read the page
    /// shows their progress first), with the character references the template writes
    /// decoded.
    pub fn page(&self) -> String {
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
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
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
    pub fn upload(&self, files: &[(&str, &[u8])]) -> Resp {
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
    pub fn terminate(&mut self) -> (Duration, ExitStatus) {
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

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on its own connection, read to the end.
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
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

pub fn parse_response(raw: &[u8]) -> Resp {
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

pub fn urlencode(s: &str) -> String {
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

pub const BOUNDARY: &str = "----medpacket-test-7d3f";

/// A multipart/form-data body with one `files` part per file, as a browser sends it.
pub fn multipart(files: &[(&str, &[u8])]) -> (Vec<u8>, String) {
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
