//! The page (`medpacket serve`) for everyone: WCAG 2.1 AA as axe-core checks it in each
//! state of the page, the whole flow by keyboard alone with the focus always visible, text
//! at 200 % (a 640 px wide view) and a phone (390 × 844) without sideways scrolling, the
//! kind of a record never cut off, and the page in Spanish.
//!
//! One browser session and one server per language serve every check, so the suite stays
//! fast. axe-core comes from npm: `npm ci` in tests/browser (CI does it). Set
//! MEDPACKET_SCREENSHOTS=DIR to keep screenshots of the page at each width.

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{browser_tools, Driver, Page};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{dicom, simple_pdf};

/// axe-core's own script, or None (SKIPPED; a failure under MEDPACKET_REQUIRE_TOOLS=1).
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            if std::env::var("MEDPACKET_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
                panic!(
                    "axe-core is not installed ({}: {e}), and MEDPACKET_REQUIRE_TOOLS=1 forbids skipping the accessibility checks; run `npm ci` in tests/browser",
                    path.display()
                );
            }
            eprintln!("SKIPPED: axe-core not installed (run `npm ci` in tests/browser)");
            None
        }
    }
}

/// The records a patient adds: two readable reports and one file that cannot be read.
fn records(into: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(into).expect("records source");
    let files: [(&str, Vec<u8>); 3] = [
        (
            "pathology.pdf",
            simple_pdf(
                "SURGICAL PATHOLOGY REPORT",
                &[
                    "Specimen: left breast, core biopsy",
                    "Date of procedure: 2025-02-03",
                    "Final diagnosis: invasive ductal carcinoma",
                ],
            ),
        ),
        (
            "discharge.pdf",
            simple_pdf(
                "DISCHARGE SUMMARY",
                &[
                    "Admitted 2025-03-13, discharged 2025-03-16",
                    "Hospital course",
                ],
            ),
        ),
        ("broken.pdf", b"%PDF-1.7\nnot really a PDF at all".to_vec()),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let p = into.join(name);
            std::fs::write(&p, bytes).expect("write a record");
            p
        })
        .collect()
}

#[test]
fn the_page_meets_wcag_2_1_aa_by_keyboard_zoomed_on_a_phone_and_in_spanish() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let english = tmp.path().join("records");
    let source = records(&tmp.path().join("from-the-portal"));
    // The Spanish patient's records are in Spanish: what the page shows of them (their
    // titles) is then Spanish too, and any English left is the page's own.
    let spanish = tmp.path().join("registros");
    std::fs::create_dir_all(&spanish).expect("registros");
    std::fs::write(
        spanish.join("informe-alta.pdf"),
        simple_pdf(
            "INFORME DE ALTA HOSPITALARIA",
            &["Ingreso 2025-03-13, alta 2025-03-16"],
        ),
    )
    .expect("informe");
    std::fs::write(
        spanish.join("patologia.pdf"),
        simple_pdf(
            "INFORME DE ANATOMÍA PATOLÓGICA",
            &["Biopsia de mama izquierda, 2025-02-03"],
        ),
    )
    .expect("informe");
    std::fs::write(spanish.join("roto.pdf"), b"%PDF-1.7\nno es un PDF").expect("roto");
    // An imaging disc copied in, one study of the patient and one of somebody else: the
    // imaging table, with its "another patient" row, is checked too.
    let disc = spanish.join("CD/DICOM");
    std::fs::create_dir_all(&disc).expect("disc");
    for (name, patient, birth, uid, description) in [
        (
            "IM000001",
            "FERNANDEZ ORTEGA^LUCIA",
            "19710930",
            "1.2.826.0.1.7701",
            "TC TORAX",
        ),
        (
            "IM000002",
            "GARCIA^PEDRO",
            "19500101",
            "1.2.826.0.1.7702",
            "RM CRANEO",
        ),
    ] {
        let image = dicom::image(
            &dicom::Image {
                patient,
                patient_id: "HC-4411",
                birth,
                study_uid: uid,
                series_uid: &format!("{uid}.1"),
                date: "20250301",
                modality: "CT",
                description,
                body_part: "CHEST",
                charset: "",
            },
            64,
        );
        std::fs::write(disc.join(name), image).expect("image");
    }
    let nota = tmp.path().join("nota-consulta.pdf");
    std::fs::write(
        &nota,
        simple_pdf("NOTA DE CONSULTA", &["Oncología médica, 2025-04-02"]),
    )
    .expect("nota");
    std::fs::write(
        spanish.join("packet.toml"),
        "[patient]\nname = \"Lucía Fernández Ortega\"\ndate_of_birth = \"1971-09-30\"\n\n[request]\nlanguage = \"es\"\n",
    )
    .expect("packet.toml");
    let en_page = Page::start(&english);
    let es_page = Page::start(&spanish);
    let shots = std::env::var_os("MEDPACKET_SCREENSHOTS").map(PathBuf::from);
    let driver = Driver::start(&chromium, &chromedriver);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let c = driver
            .session(&tmp.path().join("profile"), &downloads, (1280, 900))
            .await;
        let b = Browser {
            c,
            axe,
            shots: shots.as_deref(),
        };
        b.c.goto(&en_page.url).await.expect("open the page");
        b.keyboard_flow(&source, &downloads).await;
        b.layouts("en").await;
        b.c.goto(&es_page.url).await.expect("open the Spanish page");
        b.in_spanish(&nota).await;
        b.c.close().await.expect("close the browser");
    });
    drop(driver);
}

struct Browser<'a> {
    c: Client,
    axe: String,
    shots: Option<&'a Path>,
}

impl Browser<'_> {
    async fn js(&self, script: &str) -> Value {
        self.c
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// axe-core, injected over WebDriver (the page's Content-Security-Policy does not
    /// apply to it, and stays as strict as users get it), run against WCAG 2.0 and 2.1,
    /// levels A and AA. Fails listing every violation.
    async fn axe(&self, state: &str) {
        if self.js("return typeof window.axe").await != "object" {
            // The page's own policy still holds: a script put into the page does not run.
            let blocked = self
                .c
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     const s = document.createElement('script');
                     s.textContent = 'window.injected = true;';
                     document.head.appendChild(s);
                     setTimeout(() => done(window.injected !== true), 100);",
                    vec![],
                )
                .await
                .expect("script");
            assert_eq!(
                blocked, true,
                "the page's CSP blocks inline scripts ({state})"
            );
            self.js(&self.axe).await;
        }
        let out = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                       targets: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' '))})),
                       passes: r.passes.length}))
                   .catch(e => done({error: String(e)}));",
                vec![],
            )
            .await
            .expect("axe runs");
        assert!(out.get("error").is_none(), "axe failed on {state}: {out}");
        let violations = out["violations"].as_array().expect("violations");
        let listed: Vec<String> = violations
            .iter()
            .map(|v| {
                format!(
                    "{} ({}): {}\n    {}",
                    v["id"].as_str().unwrap_or(""),
                    v["impact"].as_str().unwrap_or(""),
                    v["help"].as_str().unwrap_or(""),
                    v["targets"]
                        .as_array()
                        .map(|t| t
                            .iter()
                            .map(|x| x.as_str().unwrap_or("").to_string())
                            .collect::<Vec<_>>()
                            .join("\n    "))
                        .unwrap_or_default()
                )
            })
            .collect();
        assert!(
            listed.is_empty(),
            "WCAG 2.1 AA violations on the page ({state}):\n{}",
            listed.join("\n")
        );
        assert!(
            out["passes"].as_u64().unwrap_or(0) > 10,
            "axe checked the page ({state}): {out}"
        );
    }

    async fn keys(&self, keys: &[char]) {
        let mut seq = KeyActions::new("keyboard".to_string());
        for &k in keys {
            seq = seq
                .then(KeyAction::Down { value: k })
                .then(KeyAction::Up { value: k });
        }
        self.c.perform_actions(seq).await.expect("keys");
    }

    async fn press(&self, key: Key) {
        self.keys(&[char::from(key)]).await;
    }

    async fn type_text(&self, text: &str) {
        self.keys(&text.chars().collect::<Vec<_>>()).await;
    }

    /// Selects the focused field's text (Ctrl+A), so typing replaces it.
    async fn select_all(&self) {
        let ctrl = char::from(Key::Control);
        let seq = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: ctrl })
            .then(KeyAction::Down { value: 'a' })
            .then(KeyAction::Up { value: 'a' })
            .then(KeyAction::Up { value: ctrl });
        self.c.perform_actions(seq).await.expect("ctrl+a");
    }

    /// The focused element, described, and whether its focus can be seen: an outline of
    /// 2 px or more, or a box-shadow.
    async fn focused(&self) -> (String, bool) {
        let v = self
            .js("const e = document.activeElement;
                 if (!e || e === document.body) return ['body', true];
                 const s = getComputedStyle(e);
                 const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
                 const shadow = s.boxShadow && s.boxShadow !== 'none';
                 return [e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                         + ' \"' + (e.textContent || e.value || '').trim().slice(0, 40) + '\"', outline || shadow];")
            .await;
        (
            v[0].as_str().unwrap_or("").to_string(),
            v[1].as_bool().unwrap_or(false),
        )
    }

    async fn focus_matches(&self, css: &str) -> bool {
        self.js(&format!(
            "return !!document.activeElement && document.activeElement.matches({css:?});"
        ))
        .await
            == true
    }

    /// Whether the focus comes to `css` (the page's script moves it once the page loads).
    async fn focus_comes_to(&self, css: &str) -> bool {
        let t = std::time::Instant::now();
        while t.elapsed() < Duration::from_secs(5) {
            if self.focus_matches(css).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Presses Tab until the focus is on `css`, checking at every stop that the focus can
    /// be seen.
    async fn tab_to(&self, css: &str) {
        for _ in 0..150 {
            self.press(Key::Tab).await;
            let (what, visible) = self.focused().await;
            assert!(visible, "the focus on {what} cannot be seen");
            if self.focus_matches(css).await {
                return;
            }
        }
        panic!("Tab never reached {css}");
    }

    async fn wait_for(&self, css: &str, secs: u64) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    /// Waits for a new page load (the old `<html>` goes), then for `css` on the new one.
    async fn after_reload(&self, css: &str, secs: u64) {
        self.c
            .wait()
            .at_most(Duration::from_secs(secs))
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(&format!("html:not([data-old]) {css}")))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared on a new page: {e}"));
        self.js("return document.readyState").await;
    }

    async fn mark_page(&self) {
        self.js("document.documentElement.setAttribute('data-old', '1');")
            .await;
    }

    async fn screenshot(&self, name: &str) {
        if let Some(dir) = self.shots {
            std::fs::create_dir_all(dir).expect("screenshot folder");
            // The whole page, one screenful at a time.
            let screens = self
                .js("return Math.ceil(document.documentElement.scrollHeight / innerHeight)")
                .await
                .as_u64()
                .unwrap_or(1)
                .min(20);
            for i in 0..screens {
                self.js(&format!("scrollTo(0, {i} * innerHeight)")).await;
                let png = self.c.screenshot().await.expect("screenshot");
                std::fs::write(dir.join(format!("{name}-{i:02}.png")), png)
                    .expect("write screenshot");
            }
            self.js("scrollTo(0, 0)").await;
        }
    }

    /// The viewport's width becomes `width` (the window is sized until it is).
    async fn viewport(&self, width: u32, height: u32) {
        let (mut w, mut h) = (width, height);
        for _ in 0..6 {
            self.c.set_window_size(w, h).await.expect("window size");
            // The page learns its new size a moment later: wait until it holds still.
            let mut last = Value::Null;
            let mut v = self.js("return [innerWidth, innerHeight]").await;
            for _ in 0..40 {
                if v == last && v[0] != Value::Null {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                last = v;
                v = self.js("return [innerWidth, innerHeight]").await;
            }
            let (iw, ih) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
            if iw == u64::from(width) && ih == u64::from(height) {
                return;
            }
            w = (w as i64 + i64::from(width) - iw as i64) as u32;
            h = (h as i64 + i64::from(height) - ih as i64) as u32;
        }
        panic!("the viewport could not be made {width} × {height}");
    }

    /// Patient flow by keyboard alone: Tab, Enter and typing; files are given to the
    /// focused file input (what choosing them in the system's dialog does).
    async fn keyboard_flow(&self, source: &[PathBuf], downloads: &Path) {
        self.axe("an empty records folder").await;

        // The first Tab reaches the skip link, shown where it can be seen; Enter skips to the
        // records.
        self.press(Key::Tab).await;
        assert!(
            self.focus_matches("a.skip").await,
            "{:?}",
            self.focused().await
        );
        let skip = self
            .js("const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.width > 0;")
            .await;
        assert_eq!(skip, true, "the skip link shows when focused");
        self.press(Key::Enter).await;
        assert!(self.c.current_url().await.expect("url").fragment() == Some("records"));
        self.press(Key::Tab).await;
        assert!(
            self.focus_matches("#files").await,
            "after the skip link, the next Tab is in the records: {:?}",
            self.focused().await
        );
        let list = source
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        self.mark_page().await;
        self.c
            .active_element()
            .await
            .expect("the file input")
            .send_keys(&list)
            .await
            .expect("choose files");
        self.after_reload("table.files tbody tr.row-problem", 60)
            .await;
        let rows = self
            .js("return document.querySelectorAll('table.files tbody tr').length")
            .await;
        assert_eq!(rows, source.len(), "every file is listed");
        self.focus_on_notice("records", "status").await;
        let missing = self
            .js("return !!document.querySelector('.verdict.not-ready')")
            .await;
        assert_eq!(missing, true, "required records are missing");
        self.axe("files added, an unreadable file and missing records shown")
            .await;

        // Details with a mistake: the error is announced and takes the focus.
        self.tab_to("#name").await;
        self.type_text("Ingrid Sørensen").await;
        self.tab_to("#dob").await;
        self.type_text("1968-02-31").await;
        self.tab_to("#details-form button[type=submit]").await;
        self.mark_page().await;
        self.press(Key::Enter).await;
        self.after_reload("#details .notice.error", 20).await;
        self.focus_on_notice("details", "alert").await;
        self.axe("details saved with an error").await;

        // Corrected, and saved.
        self.tab_to("#dob").await;
        self.select_all().await;
        self.type_text("1968-04-12").await;
        self.tab_to("#had_surgery").await;
        self.type_text(" ").await;
        self.tab_to("#details-form button[type=submit]").await;
        self.mark_page().await;
        self.press(Key::Enter).await;
        self.after_reload("#details .notice.ok", 20).await;
        self.focus_on_notice("details", "status").await;
        assert_eq!(
            self.js("return [document.getElementById('dob').value, document.getElementById('had_surgery').checked]")
                .await,
            serde_json::json!(["1968-04-12", true]),
            "the date typed and the box ticked with Space were saved"
        );

        // Build, then download, by keyboard.
        self.tab_to("#build-button").await;
        self.mark_page().await;
        self.press(Key::Enter).await;
        self.after_reload("#build .result", 120).await;
        assert!(
            self.focus_comes_to("#build .result").await,
            "the result takes the focus after the build: {:?}",
            self.focused().await
        );
        let live = self
            .js("return document.querySelector('#build .result').getAttribute('role')")
            .await;
        assert_eq!(live, "status", "the result is announced");
        self.axe("the packet built").await;
        self.tab_to("#build a[download]").await;
        self.press(Key::Enter).await;
        let t = std::time::Instant::now();
        let pdf = loop {
            let done: Vec<PathBuf> = std::fs::read_dir(downloads)
                .expect("downloads")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect();
            if let Some(p) = done.into_iter().next() {
                break p;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "no download");
            std::thread::sleep(Duration::from_millis(100));
        };
        let bytes = std::fs::read(&pdf).expect("the downloaded packet");
        assert!(bytes.starts_with(b"%PDF-"), "a PDF was downloaded");

        // Every notice and error in the page's markup is announced.
        let silent = self
            .js("return [...document.querySelectorAll('.notice.error, .notice.ok, .notice.status')]
                   .filter(n => !(n.getAttribute('role') === 'alert' || n.getAttribute('role') === 'status' || n.getAttribute('aria-live')))
                   .map(n => n.outerHTML.slice(0, 120))")
            .await;
        assert_eq!(silent, serde_json::json!([]), "notices not announced");
    }

    /// The notice of `section` was announced (`role`) and took the focus, visibly.
    async fn focus_on_notice(&self, section: &str, role: &str) {
        let css = format!("#{section} .notice[role={role}]");
        assert!(
            self.focus_comes_to(&css).await,
            "focus goes to the notice {css}, not {:?} (at {}: {})",
            self.focused().await,
            self.js("return location.href").await,
            self.js("return [...document.querySelectorAll('.notice')].map(n => n.outerHTML).join('\\n')").await
        );
        let (what, visible) = self.focused().await;
        assert!(visible, "the focus on {what} cannot be seen");
    }

    /// The page at 1280 px, at 200 % text (640 px wide) and on a phone (390 × 844).
    async fn layouts(&self, lang: &str) {
        self.viewport(1280, 900).await;
        self.kinds_fit(lang).await;
        self.screenshot(&format!("{lang}-1280")).await;
        // The browser's text size doubled (a patient's "very large" setting), the window
        // as it was: the page's sizes follow it, and nothing is cut off or overlaps.
        let base = self
            .js(
                "const b = parseFloat(getComputedStyle(document.documentElement).fontSize);
                 document.documentElement.style.fontSize = '225%';
                 return [b, parseFloat(getComputedStyle(document.documentElement).fontSize)];",
            )
            .await;
        assert_eq!(
            base,
            serde_json::json!([18, 36]),
            "text doubles with the browser's size"
        );
        self.screenshot(&format!("{lang}-1280-text200")).await;
        self.reflows(&format!("text at 200 %, {lang}")).await;
        self.js("document.documentElement.style.fontSize = ''; return null;")
            .await;
        for (w, h, what) in [(640, 900, "200 % zoom"), (390, 844, "a phone")] {
            self.viewport(w, h).await;
            self.screenshot(&format!("{lang}-{w}")).await;
            self.reflows(&format!("{what}, {lang}")).await;
        }
        self.viewport(1280, 900).await;
    }

    /// No sideways scrolling of the page, no text cut off, no controls over each other, and
    /// every control can be scrolled into view and seen.
    async fn reflows(&self, what: &str) {
        let out = self
            .js("document.querySelectorAll('details').forEach(d => d.open = true);
                 const bad = [];
                 const W = innerWidth;
                 if (document.documentElement.scrollWidth > W)
                   bad.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + W);
                 const shown = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
                   return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0; };
                 const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' \"' + (e.textContent || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 40) + '\"';
                 for (const e of document.body.querySelectorAll('*')) {
                   if (!shown(e) || e.closest('.sr-only, .skip, .table-wrap')) continue;
                   const s = getComputedStyle(e);
                   const r = e.getBoundingClientRect();
                   if (r.right > W + 1 || r.left < -1) bad.push(name(e) + ' goes beyond the page: ' + Math.round(r.left) + '..' + Math.round(r.right));
                   if ((s.overflowX === 'hidden' || s.overflowX === 'clip' || s.textOverflow === 'ellipsis') && e.scrollWidth > e.clientWidth + 1)
                     bad.push(name(e) + ' cuts off its text');
                 }
                 const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
                   .filter(e => !e.closest('[hidden]') && !e.closest('.skip'));
                 for (const e of controls) {
                   e.scrollIntoView({block: 'center', inline: 'center'});
                   const r = e.getBoundingClientRect();
                   if (!shown(e)) { bad.push(name(e) + ' cannot be seen'); continue; }
                   if (r.left < -1 || r.right > W + 1) bad.push(name(e) + ' is out of view: ' + Math.round(r.left) + '..' + Math.round(r.right));
                 }
                 const rects = controls.filter(shown).map(e => [e, e.getBoundingClientRect()]);
                 const labels = [...document.querySelectorAll('label, legend, h1, h2, h3, p')].filter(shown).map(e => [e, e.getBoundingClientRect()]);
                 const all = rects.concat(labels);
                 for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
                   const [a, ra] = all[i], [b, rb] = all[j];
                   if (a.contains(b) || b.contains(a)) continue;
                   const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                   const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                   if (x > 2 && y > 2) bad.push(name(a) + ' overlaps ' + name(b));
                 }
                 document.querySelectorAll('details').forEach(d => d.open = false);
                 scrollTo(0, 0);
                 return bad;")
            .await;
        assert_eq!(out, serde_json::json!([]), "the page at {what}");
    }

    /// Every kind selector is at least as wide as the browser makes one that fits its
    /// longest option ("Discharge summary", "Resultados de laboratorio").
    async fn kinds_fit(&self, lang: &str) {
        let out = self
            .js("const bad = [];
                 const sels = [...document.querySelectorAll('table.files select')];
                 for (const s of sels) {
                   const probe = s.cloneNode(true);
                   probe.removeAttribute('id');
                   probe.style.width = 'auto';
                   probe.style.minWidth = '0';
                   probe.style.maxWidth = 'none';
                   probe.style.position = 'absolute';
                   probe.style.visibility = 'hidden';
                   s.parentNode.appendChild(probe);
                   const needed = probe.offsetWidth;
                   probe.remove();
                   const longest = [...s.options].map(o => o.text).sort((a, b) => b.length - a.length)[0];
                   if (s.offsetWidth + 0.5 < needed) bad.push(s.id + ' is ' + s.offsetWidth + ' px wide, ' + needed + ' px needed for \"' + longest + '\"');
                 }
                 return [sels.length, bad];")
            .await;
        assert!(
            out[0].as_u64().unwrap_or(0) >= 2,
            "kind selectors on the page ({lang}): {out}"
        );
        assert_eq!(
            out[1],
            serde_json::json!([]),
            "kinds cut off at 1280 px ({lang})"
        );
    }

    /// The page in Spanish: `lang="es"`, no English left in what it shows or reads out, and
    /// WCAG 2.1 AA met; then built, and checked again.
    async fn in_spanish(&self, nota: &Path) {
        self.wait_for("table.files tbody tr.row-problem", 30).await;
        // A record added: the notice is Spanish.
        self.mark_page().await;
        self.c
            .find(Locator::Css("#files"))
            .await
            .expect("file input")
            .send_keys(&nota.display().to_string())
            .await
            .expect("choose a file");
        self.after_reload("#records .notice.ok[role=status]", 30)
            .await;
        let said = self
            .js("return document.querySelector('#records .notice.ok').textContent")
            .await;
        assert!(
            said.as_str()
                .is_some_and(|t| t.contains("Se añadió nota-consulta.pdf")),
            "the notice in Spanish: {said}"
        );
        assert_eq!(self.js("return document.documentElement.lang").await, "es");
        self.no_english("the records listed").await;
        let labels = self
            .js("return [...document.querySelectorAll('table.files select')[0].options].map(o => o.text)")
            .await;
        assert!(
            labels
                .as_array()
                .is_some_and(|a| a.iter().any(|l| l == "Resultados de laboratorio")),
            "kinds in Spanish: {labels}"
        );
        self.axe("in Spanish, with an unreadable file and missing records")
            .await;
        // A mistake in the details, told in Spanish.
        let dob = self.c.find(Locator::Css("#dob")).await.expect("dob");
        dob.clear().await.expect("clear");
        dob.send_keys("31/02/1971").await.expect("dob");
        self.mark_page().await;
        self.c
            .find(Locator::Css("#details-form button[type=submit]"))
            .await
            .expect("save")
            .click()
            .await
            .expect("save");
        self.after_reload("#details .notice.error[role=alert]", 20)
            .await;
        let said = self
            .js("return document.querySelector('#details .notice.error').textContent")
            .await;
        assert!(
            said.as_str().is_some_and(|t| t.contains("no es una fecha")),
            "the error in Spanish: {said}"
        );
        self.no_english("details saved with an error").await;
        self.axe("in Spanish, details saved with an error").await;
        assert!(
            self.c
                .find(Locator::Css("table.studies tr.row-problem"))
                .await
                .is_ok(),
            "the imaging studies, another patient's marked"
        );
        self.layouts("es").await;
        // One file per document and the bundle: the page lists every file the build wrote.
        for id in ["#build-per-document", "#build-bundle"] {
            self.c
                .find(Locator::Css(id))
                .await
                .expect("build choice")
                .click()
                .await
                .expect("tick");
        }
        self.mark_page().await;
        self.c
            .find(Locator::Css("#build-button"))
            .await
            .expect("build button")
            .click()
            .await
            .expect("build");
        self.after_reload("#build .result #build-files", 120).await;
        self.no_english("the packet built").await;
        self.axe("in Spanish, the packet built").await;
    }

    async fn no_english(&self, state: &str) {
        let text = self
            .js("const t = [document.body.innerText, document.title];
                 document.querySelectorAll('[aria-label], [placeholder], [title]').forEach(e =>
                   t.push(e.getAttribute('aria-label') || '', e.getAttribute('placeholder') || '', e.getAttribute('title') || ''));
                 return t.join('\\n');")
            .await;
        let text = text.as_str().unwrap_or("");
        let english = [
            "Your records",
            "Upload",
            "Build",
            "Details",
            "Checklist",
            "Skip to",
            "Add records",
            "Patient name",
            "Save details",
            "Remove",
            "In the packet",
            "Cannot be read",
            "What to do",
            "Required records",
            "Not ready",
            "Missing",
            "Download",
            "Records folder",
            "Kind",
            "Status",
            "Pages",
            "Discharge summary",
            "Pathology report",
            "Doctors",
            "Questions",
            "Your packet is ready",
        ];
        let left: Vec<&str> = english
            .iter()
            .copied()
            .filter(|w| text.contains(w))
            .collect();
        assert!(
            left.is_empty(),
            "English left on the Spanish page ({state}): {left:?}\n{text}"
        );
    }
}
