//! "Build packet": a click turns into one build at a time on a blocking thread (as
//! `build --skip-unreadable`, into `<DIR>-packets` under build's default name), its
//! progress for the page, and the written packets for download — only those.

use super::choices::{beside, free_packet_name, outputs, BuildForm, Choices, DOCUMENTS_SUFFIX};
use super::state::{back_to, blocking, lock, App, Notice, Shared, State, Written};
use crate::base::config::PacketConfig;
use crate::base::error::Error;
use crate::report::BuildReport;
use crate::{BuildOptions, Paper, Progress};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path as UrlPath};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// POST /build: starts a build with the form's choices unless one is running.
pub(crate) async fn start(state: Shared, form: Result<Form<BuildForm>, FormRejection>) -> Response {
    let app = state.0;
    let choices = match form.map(|Form(f)| f.choices()) {
        Ok(Ok(c)) => c,
        Ok(Err(errors)) => {
            for e in errors {
                app.notify(Notice::new(
                    "error",
                    "build",
                    format!("The packet was not built. {e}"),
                ));
            }
            return back_to("build");
        }
        Err(e) => {
            app.notify(Notice::new(
                "error",
                "build",
                format!("The packet was not built: the form did not arrive whole ({e}). Reload the page and press “Build packet” again."),
            ));
            return back_to("build");
        }
    };
    {
        let mut s = lock(&app.job.state);
        if matches!(*s, State::Running { .. }) {
            app.notify(Notice::new(
                "info",
                "build",
                app.words().t("web.notice.already_building"),
            ));
            return back_to("build");
        }
        *s = State::Running {
            since: Instant::now(),
            started: SystemTime::now(),
        };
    }
    *lock(&app.job.choices) = Some(choices.clone());
    app.job.progress.start("Starting", 0);
    let worker = app.clone();
    tokio::task::spawn_blocking(move || {
        let since = match *lock(&worker.job.state) {
            State::Running { since, .. } => since,
            _ => Instant::now(),
        };
        let result = build(&worker, &choices);
        let next = match result {
            Ok((report, target, bundle)) => {
                let mut written = lock(&worker.job.written);
                let mut files = Vec::new();
                for o in outputs(&report, &target, bundle.as_deref()) {
                    let name = o
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_else(|| "packet.pdf".into());
                    written.push(Written {
                        path: o.path,
                        name,
                        role: o.role,
                        pages: o.pages,
                        bytes: o.bytes,
                    });
                    files.push(written.len() - 1);
                }
                State::Done {
                    report: Box::new(report),
                    id: files.first().copied().unwrap_or_default(),
                    files,
                    seconds: since.elapsed().as_secs_f64(),
                }
            }
            Err(Error::MissingConfig(_)) => State::Failed(
                "the folder has no details yet — write the patient's name under Details, press “Save details”, then build again".into(),
            ),
            Err(e) => State::Failed(e.to_string()),
        };
        *lock(&worker.job.state) = next;
    });
    back_to("build")
}

/// The build itself: the library's `build`, as `build --skip-unreadable` with the
/// page's choices, into `<DIR>-packets` under the default name (with " (2)" and so on
/// when that, its parts, bundle or documents folder is taken). Returns the report, the
/// packet's path and the bundle's.
fn build(app: &App, choices: &Choices) -> crate::Result<(BuildReport, PathBuf, Option<PathBuf>)> {
    let config =
        PacketConfig::load(&app.dir)?.ok_or_else(|| Error::MissingConfig(app.dir.clone()))?;
    super::state::create_private_dir(&app.packets_dir)?;
    let name = crate::default_output_name(&config.patient.name, crate::clock::now());
    let target = free_packet_name(&app.packets_dir, &name);
    let bundle = choices.bundle.then(|| beside(&target, ".zip"));
    let documents = choices
        .per_document
        .then(|| beside(&target, DOCUMENTS_SUFFIX));
    let opts = BuildOptions {
        dir: app.dir.clone(),
        output: Some(target.clone()),
        skip_unreadable: true,
        force: false,
        paper: Paper::Letter,
        zip: bundle.clone(),
        password: None,
        scan: crate::ScanOptions::default(),
        lang: choices.lang,
        fax: choices.fax,
        send: choices.send(documents),
        // The page shows no checksum (a bundle's manifest takes it anyway).
        packet_sha256: false,
    };
    let report = crate::build(&opts, &app.job.progress)?;
    Ok((report, target, bundle))
}

/// GET /build/status: the progress as JSON, for the page's script.
pub(crate) async fn status(state: Shared) -> Response {
    let app = state.0;
    let dir = app.dir.clone();
    // The stage in the page's language (packet.toml's [request] language).
    let lang = match blocking(move || {
        super::state::lang_of(PacketConfig::load(&dir).ok().flatten().as_ref())
    })
    .await
    {
        Ok(l) => l,
        Err(r) => return r,
    };
    let mut st = app.job.status();
    st.stage = super::meter::stage_words(&st.stage, lang);
    let body = serde_json::to_string(&st).unwrap_or_else(|_| "{}".into());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// GET /download/{id}: a packet this server wrote, as a download.
pub(crate) async fn download(state: Shared, UrlPath(id): UrlPath<String>) -> Response {
    send(&state.0, &id, "attachment").await
}

/// GET /view/{id}: the same packet, shown in the browser's own PDF viewer.
pub(crate) async fn view(state: Shared, UrlPath(id): UrlPath<String>) -> Response {
    send(&state.0, &id, "inline").await
}

async fn send(app: &Arc<App>, id: &str, disposition: &str) -> Response {
    let found = id
        .parse::<usize>()
        .ok()
        .and_then(|i| lock(&app.job.written).get(i).cloned());
    let Some(w) = found else {
        return (
            StatusCode::NOT_FOUND,
            "No such packet — build it again on the page.\n",
        )
            .into_response();
    };
    let bytes = match blocking(move || std::fs::read(&w.path).map(|b| (b, w))).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            return (
                StatusCode::NOT_FOUND,
                format!("The packet cannot be read any more ({e}) — build it again.\n"),
            )
                .into_response()
        }
        Err(r) => return r,
    };
    let (bytes, w) = bytes;
    let zip = w.role == "bundle";
    let ctype = if zip {
        "application/zip"
    } else {
        "application/pdf"
    };
    // A bundle is never shown in the browser, only saved.
    let disposition = if zip { "attachment" } else { disposition };
    let mut resp = ([(header::CONTENT_TYPE, ctype)], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&content_disposition(disposition, &w.name)) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `attachment; filename="…"; filename*=UTF-8''…` with a plain-ASCII fallback name.
pub(crate) fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.() ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::State as AxState;

    #[test]
    fn a_second_click_while_building_starts_no_second_build() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("records");
        std::fs::create_dir(&dir).expect("mkdir");
        let app = crate::serve::state::test_app(&dir);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let since = Instant::now();
        *lock(&app.job.state) = State::Running {
            since,
            started: SystemTime::now(),
        };
        let r = rt.block_on(start(AxState(app.clone()), Ok(Form(BuildForm::default()))));
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            matches!(*lock(&app.job.state), State::Running { since: s, .. } if s == since),
            "the running build is left alone"
        );
        let notices = app.take_notices();
        assert!(notices
            .iter()
            .any(|n| n.text.contains("already being built")));

        // Idle: one click runs one build (here it fails: the folder has no packet.toml).
        *lock(&app.job.state) = State::Idle;
        rt.block_on(start(AxState(app.clone()), Ok(Form(BuildForm::default()))));
        let t = Instant::now();
        while matches!(*lock(&app.job.state), State::Running { .. }) {
            assert!(t.elapsed().as_secs() < 30, "the build never ended");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        match &*lock(&app.job.state) {
            State::Failed(e) => {
                assert!(e.contains("write the patient's name under Details"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(lock(&app.job.written).is_empty());
    }

    #[test]
    fn download_names_survive_any_letters() {
        assert_eq!(
            content_disposition("attachment", "p-ł \"x\".pdf"),
            "attachment; filename=\"p-_ _x_.pdf\"; filename*=UTF-8''p-%C5%82%20%22x%22.pdf"
        );
    }
}
