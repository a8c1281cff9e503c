//! A real browser for the page's tests: headless Chromium driven over WebDriver
//! (chromedriver) with the fantoccini crate, and `medpacket serve` started on a free port.
//!
//! Include with `#[path = "support/browser.rs"] mod browser;` beside `mod support;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium and chromedriver, or None (SKIPPED, or a failure under
/// MEDPACKET_REQUIRE_TOOLS=1).
pub fn browser_tools() -> Option<(String, String)> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| super::support::tool_available(c));
    let driver = super::support::tool_available("chromedriver");
    match (chromium, driver) {
        (Some(c), true) => Some((c.to_string(), "chromedriver".to_string())),
        _ => {
            // Names the missing one (fails under MEDPACKET_REQUIRE_TOOLS=1).
            super::support::require_tool("chromium");
            super::support::require_tool("chromedriver");
            None
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running chromedriver, killed when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// The Chromium binary's full path, for the session's capabilities.
    pub chromium: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it listens.
    pub fn start(chromium: &str, chromedriver: &str) -> Driver {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            port,
            chromium: Command::new("sh")
                .args(["-c", &format!("command -v {chromium}")])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .expect("chromium path"),
        };
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A WebDriver session in headless Chromium, `width` × `height` px, downloading into
    /// `downloads` without asking.
    pub async fn session(
        &self,
        profile: &Path,
        downloads: &Path,
        (width, height): (u32, u32),
    ) -> fantoccini::Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": self.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session in headless Chromium")
    }
}

/// A running `medpacket serve DIR --no-open --port 0`, stopped when dropped.
pub struct Page {
    child: Child,
    /// The address it printed, with the token.
    pub url: String,
}

impl Page {
    pub fn start(dir: &Path) -> Page {
        let mut child = super::support::medpacket()
            .arg("serve")
            .arg(dir)
            .args(["--no-open", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("medpacket serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the first line of stdout");
        Page {
            child,
            url: first.trim_end().to_string(),
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
