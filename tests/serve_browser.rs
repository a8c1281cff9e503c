//! `medpacket serve` in headless Chromium over WebDriver, for what only a browser shows:
//! the page appears and stays usable while a slow scan is read, with its progress (and
//! without losing what the patient typed); the build's choices sent by the page's script
//! reach the files (Spanish fax sends); the ZIP bundle downloads with checksums that hold;
//! the Remove button takes the file's packet.toml entry.
//!
//! With `MEDPACKET_SCREENSHOTS=DIR` it also saves screenshots (1280 px wide) of each new
//! part of the page into DIR, to look at.

#[path = "support/scans.rs"]
mod scans;
mod support;

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use support::server::Server;
use support::{dicom, require_tool, sha256_hex, simple_pdf, write_files};

const CONFIG: &str = "[patient]\nname = \"Ada Quist\"\ndate_of_birth = 1964-02-11\n\n[recipient]\nname = \"Dr. Lena Ortiz\"\nfax = \"(206) 555-0191\"\n\n# fixed by hand\n[[documents]]\npath = \"labs.pdf\" # January\nkind = \"lab-results\"\n";

fn records(dir: &Path) {
    let scan = scans::png(&scans::render(
        &[
            "LABORATORY REPORT",
            "Patient: Ada Quist",
            "Collected: 02/20/2025",
        ],
        150,
        12.0,
    ));
    let study = dicom::image(
        &dicom::Image {
            patient: "Quist^Ada",
            patient_id: "MRN-77",
            birth: "19640211",
            study_uid: "2.25.1",
            series_uid: "2.25.1.1",
            date: "20250210",
            modality: "CT",
            description: "CT CHEST W CONTRAST",
            body_part: "CHEST",
            charset: "",
        },
        64,
    );
    write_files(
        dir,
        &[
            ("packet.toml", CONFIG.as_bytes().to_vec()),
            (
                "path.pdf",
                simple_pdf(
                    "SURGICAL PATHOLOGY REPORT",
                    &["Patient: Ada Quist", "Date of Procedure: 03/14/2025"],
                ),
            ),
            (
                "labs.pdf",
                simple_pdf(
                    "LABORATORY REPORT",
                    &[
                        "Patient: Ada Quist",
                        "Collected: 01/15/2025",
                        "SSN: 123-45-6789",
                    ],
                ),
            ),
            ("scan-1.png", scan),
            ("disc/IMAGES/IM1", study),
        ],
    );
}

/// A tesseract that waits `seconds` before each page (its queries answer at once).
fn slow_engine(dir: &Path, seconds: u32) -> PathBuf {
    let p = dir.join("slow-tesseract");
    std::fs::write(
        &p,
        format!("#!/bin/sh\ncase \"$*\" in *--version*|*--list-langs*) exec tesseract \"$@\";; esac\nsleep {seconds}\nexec tesseract \"$@\"\n"),
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

fn browser_tools() -> Option<(String, String)> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| support::tool_available(c));
    let driver = support::tool_available("chromedriver");
    match (chromium, driver) {
        (Some(c), true) => Some((c.to_string(), "chromedriver".to_string())),
        _ => {
            require_tool("chromium");
            require_tool("chromedriver");
            None
        }
    }
}

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_page_stays_usable_while_scans_are_read_and_its_choices_reach_the_packet() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    if !require_tool("tesseract") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("records");
    records(&dir);
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let engine = slow_engine(tmp.path(), 6);
    let cache = tmp.path().join("cache");
    let s = Server::start_with(
        &dir,
        &[],
        &[
            ("MEDPACKET_TESSERACT", engine.as_os_str()),
            ("MEDPACKET_CACHE_DIR", cache.as_os_str()),
        ],
    );
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let chromium_path = Command::new("sh")
        .args(["-c", &format!("command -v {chromium}")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .expect("chromium path");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(drive(
        &s,
        port,
        &chromium_path,
        tmp.path(),
        &downloads,
        &dir,
    ));
    drop(driver);
}

async fn screenshot(c: &Client, id: &str, name: &str) {
    let Some(out) = std::env::var_os("MEDPACKET_SCREENSHOTS") else {
        return;
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).expect("screenshot folder");
    // A tall window, so the whole part shows.
    c.set_window_size(1280, 4000).await.expect("resize");
    let el = c.find(Locator::Id(id)).await.expect("the part to show");
    let png = el.screenshot().await.expect("screenshot");
    c.set_window_size(1280, 900).await.expect("resize");
    std::fs::write(out.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn drive(s: &Server, port: u16, chromium: &str, tmp: &Path, downloads: &Path, dir: &Path) {
    use fantoccini::ClientBuilder;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", tmp.join("profile").display()),
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
            },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in headless Chromium");
    let wait = |secs: u64| {
        c.wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
    };

    // The page is there while the scan is read: its progress shows and is announced.
    c.goto(&s.url).await.expect("open the page");
    let reading = c
        .find(Locator::Id("reading"))
        .await
        .expect("the reading's progress shows");
    assert!(reading.is_displayed().await.expect("displayed"));
    let live = c
        .find(Locator::Id("reading-live"))
        .await
        .expect("live region");
    assert_eq!(
        live.attr("role").await.expect("role").as_deref(),
        Some("status")
    );
    let t = Instant::now();
    while live.text().await.expect("text").is_empty() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the progress is never announced"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let said = live.text().await.expect("text");
    assert!(said.starts_with("Reading"), "{said}");
    screenshot(&c, "records", "reading").await;

    // Meanwhile the patient types; the reading's end does not throw that away.
    let dx = c.find(Locator::Id("diagnosis")).await.expect("diagnosis");
    dx.send_keys("Invasive ductal carcinoma")
        .await
        .expect("type");
    let show = wait(120)
        .for_element(Locator::Id("reading-show"))
        .await
        .expect("the button");
    let t = Instant::now();
    while !show.is_displayed().await.expect("displayed") {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the reading never ends"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        dx.prop("value").await.expect("value").as_deref(),
        Some("Invasive ductal carcinoma"),
        "what was typed is still there"
    );
    assert_eq!(
        live.text().await.expect("text"),
        "Your records have been read."
    );
    show.click().await.expect("show the records");
    wait(30)
        .for_element(Locator::XPath("//th[normalize-space()='scan-1.png']"))
        .await
        .expect("the records, the scan among them");
    assert!(c.find(Locator::Id("reading")).await.is_err());
    screenshot(&c, "records", "records-imaging").await;
    screenshot(&c, "checklist", "checklist").await;

    // The build's choices, as the page's script sends them.
    let lang = c.find(Locator::Id("build-lang")).await.expect("language");
    lang.select_by_value("es").await.expect("Spanish");
    c.find(Locator::Id("build-fax"))
        .await
        .expect("fax")
        .click()
        .await
        .expect("tick");
    c.find(Locator::Id("build-fax-pages"))
        .await
        .expect("pages")
        .send_keys("3")
        .await
        .expect("3");
    c.find(Locator::Id("build-bundle"))
        .await
        .expect("bundle")
        .click()
        .await
        .expect("tick");
    screenshot(&c, "build", "build-choices").await;
    c.find(Locator::Id("build-button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("build");
    let table = wait(180)
        .for_element(Locator::Id("build-files"))
        .await
        .expect("the files written");
    let text = table.text().await.expect("text");
    assert!(
        text.contains("One fax send") && text.contains("ZIP bundle"),
        "{text}"
    );
    screenshot(&c, "build", "build-files").await;

    let out = dir.with_file_name("records-packets");
    let sends: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("packets")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("-send-"))
        .collect();
    assert!(sends.len() >= 2, "{sends:?}");
    if require_tool("pdftotext") {
        let first = sends
            .iter()
            .find(|p| p.to_string_lossy().contains("-send-1-of-"))
            .expect("send 1");
        let o = Command::new("pdftotext")
            .arg(first)
            .arg("-")
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Envío") && text.contains("Índice"), "{text}");
    }

    // The bundle downloads from its link, and its checksums hold.
    let zip_name = "second-opinion-packet-ada-quist-2026-01-01.zip";
    c.find(Locator::Css(&format!(
        "a[aria-label='Download {zip_name}']"
    )))
    .await
    .expect("the bundle's link")
    .click()
    .await
    .expect("download");
    let got = downloads.join(zip_name);
    let t = Instant::now();
    while !got.is_file() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no bundle downloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bytes = std::fs::read(&got).expect("zip");
    assert_eq!(bytes, std::fs::read(out.join(zip_name)).expect("written"));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut manifest = Vec::new();
    z.by_name("manifest.json")
        .expect("manifest")
        .read_to_end(&mut manifest)
        .expect("read");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).expect("JSON");
    let members = manifest["members"].as_array().expect("members");
    assert!(!members.is_empty());
    for m in members {
        let path = m["path"].as_str().expect("path");
        let mut data = Vec::new();
        z.by_name(path)
            .expect("member")
            .read_to_end(&mut data)
            .expect("read");
        assert_eq!(
            m["sha256"].as_str(),
            Some(sha256_hex(&data).as_str()),
            "{path}"
        );
    }

    // Remove: the file goes to removed/, its packet.toml entry goes, and the page says so.
    c.find(Locator::Css("button[aria-label='Remove labs.pdf']"))
        .await
        .expect("Remove labs.pdf")
        .click()
        .await
        .expect("remove");
    let notice = wait(30)
        .for_element(Locator::XPath(
            "//div[@role='status']/p[starts-with(normalize-space(), 'Moved labs.pdf')]",
        ))
        .await
        .expect("the notice");
    let said = notice.text().await.expect("text");
    assert!(said.contains("Its entry in packet.toml"), "{said}");
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(
        !toml.contains("labs.pdf") && toml.contains("# fixed by hand"),
        "{toml}"
    );
    assert!(dir.join("removed/labs.pdf").is_file());
    c.close().await.expect("close the browser");
}
