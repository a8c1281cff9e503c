//! The page: a scan and check of the records folder, packet.toml's details and the build's
//! state turn into HTML through the minijinja template templates/web/page.html (the
//! stylesheet and the small script beside it are served as they are).

use super::details::read_details;
use super::meter::stage_words;
use super::state::State as JobState;
use super::state::{blocking, lang_of, lock, App, Details, Draft, Notice, Shared, Templates};
use crate::base::config::PacketConfig;
use crate::base::i18n::{Lang, Messages};
use crate::base::kind::Kind;
use crate::read::scan::{Inventory, Status};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

pub(crate) const STYLE: &str = include_str!("../../templates/web/style.css");
pub(crate) const SCRIPT: &str = include_str!("../../templates/web/app.js");

impl Templates {
    fn render(&self, view: &View) -> std::result::Result<String, minijinja::Error> {
        self.0
            .get_template("page.html")?
            .render(minijinja::Value::from(minijinja::value::Serde(view)))
    }
}

/// Everything the template shows.
#[derive(Debug, serde::Serialize)]
struct View {
    /// The page's language: packet.toml's `[request] language` (English when it has none
    /// or cannot be read). The template's `t(...)` words follow it.
    lang: &'static str,
    folder: String,
    packets_folder: String,
    /// packet.toml cannot be read: the message (records are then shown without it).
    config_error: Option<String>,
    /// The folder cannot be scanned at all.
    scan_error: Option<String>,
    has_config: bool,
    files: Vec<FileRow>,
    ignored: usize,
    warnings: Vec<String>,
    kinds: Vec<KindOption>,
    /// What a kind or held record is called in the page's language, by its code
    /// ("lab-results" -> "Resultados de laboratorio").
    kind_labels: std::collections::BTreeMap<&'static str, String>,
    profiles: Vec<String>,
    details: Details,
    check: Option<crate::check::CheckReport>,
    check_error: Option<String>,
    build: BuildView,
    notices: Vec<Notice>,
    max_upload_mb: u64,
    requests_folder: String,
    /// packet.toml's `[[holders]]`, with what each would be asked for now.
    holders: Vec<super::requests::HolderView>,
    /// The request letters this server wrote.
    letters: Vec<super::requests::LetterView>,
    /// What a holder may hold, for the "Add a holder" form.
    held_options: Vec<super::requests::HeldOption>,
    /// The studies of the folder's imaging discs.
    imaging: Vec<StudyView>,
    /// The folder is still being read (scans take a while): how far it is.
    reading: Option<ReadingView>,
}

/// How far the reading of the folder is, in the page's words.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ReadingView {
    /// "reading" or "ready".
    state: &'static str,
    text: String,
    done: u64,
    total: u64,
}

/// The reading's progress as a sentence in the page's language: "Reading scanned pages:
/// 2 of 5 pages" while the OCR stage (`read::ocr`'s "Reading scans") runs, else the
/// files read so far.
fn reading_view(st: &super::reading::ReadingStatus, lang: Lang) -> ReadingView {
    let key = match st.stage.as_str() {
        "Reading scans" => "web.progress.scans",
        _ if st.total > 0 => "web.progress.records",
        _ => "web.progress.starting",
    };
    let words = lang.messages();
    let text = words.word(key).unwrap_or(key);
    let (done, total) = (st.done.to_string(), st.total.to_string());
    ReadingView {
        state: st.state,
        text: crate::base::i18n::fill(text, &[("done", &done), ("total", &total)]),
        done: st.done,
        total: st.total,
    }
}

/// GET /records/status: how far the reading of the folder is, as JSON, for the page's
/// script.
pub(crate) async fn reading_status(state: Shared) -> Response {
    let app = state.0;
    let a2 = app.clone();
    let lang = match blocking(move || lang_of(PacketConfig::load(&a2.dir).ok().flatten().as_ref()))
        .await
    {
        Ok(l) => l,
        Err(r) => return r,
    };
    let body = serde_json::to_string(&reading_view(&app.reading.status(), lang))
        .unwrap_or_else(|_| "{}".into());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// One imaging study as the page lists it.
#[derive(Debug, serde::Serialize)]
struct StudyView {
    folder: String,
    date: String,
    modalities: String,
    description: String,
    body_part: String,
    series: usize,
    images: usize,
    institution: String,
    /// Why the study's patient is not the packet's (the page says it in its words, from
    /// the two fields below).
    other_patient: Option<String>,
    /// The disc's patient name, as people write it.
    patient: String,
    birth_date: String,
    /// Reports taken out of the disc and packed as documents.
    reports: Vec<String>,
    structured_report: bool,
}

#[derive(Debug, serde::Serialize)]
struct KindOption {
    value: &'static str,
    label: String,
}

/// One row of the records table.
#[derive(Debug, serde::Serialize)]
struct FileRow {
    path: String,
    kind: String,
    date: String,
    /// What the page showed before any unsaved draft (for "changed?" on save).
    shown_kind: String,
    shown_date: String,
    title: String,
    pages: String,
    status: &'static str,
    status_text: String,
    problem: Option<crate::Problem>,
    /// A file of its own (not a member of a portal ZIP): it can be moved to removed/.
    removable: bool,
    notes: Vec<String>,
}

#[derive(Debug, Default, serde::Serialize)]
struct BuildView {
    state: &'static str,
    stage: String,
    done: u64,
    total: u64,
    error: Option<String>,
    report: Option<crate::BuildReport>,
    file_name: String,
    download_url: String,
    view_url: String,
    seconds: String,
    /// Every file the build wrote: the packet (or its parts or fax sends), the bundle,
    /// the per-document files.
    files: Vec<super::choices::FileView>,
    /// The Build form's values: the last build's choices, else packet.toml's.
    choices: super::choices::FormView,
}

/// GET /: the whole page.
pub(crate) async fn show(state: Shared) -> Response {
    let app = state.0;
    let a2 = app.clone();
    let view = match blocking(move || view(&a2)).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match app.templates.render(&view) {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("The page could not be shown: {e}\n"),
        )
            .into_response(),
    }
}

/// Scans and checks the folder (the library's own calls) and gathers the page's values.
fn view(app: &Arc<App>) -> View {
    let draft: Option<Draft> = lock(&app.draft).take();
    let notices = app.take_notices();
    let toml_text = std::fs::read_to_string(app.dir.join(crate::config::CONFIG_NAME));
    let has_config = toml_text.is_ok();
    let mut details = toml_text
        .as_deref()
        .map(read_details)
        .unwrap_or_else(|_| Details {
            profile: "general".into(),
            ..Details::default()
        });
    // The folder is read on a thread of its own; a page load waits a moment for it, then
    // shows the page with the reading's progress (the script loads the page again).
    let result = match app.reading.request(&app.dir) {
        Ok(r) => Some(r),
        Err(ticket) => app.reading.wait(ticket, super::reading::PAGE_WAIT),
    };
    let scanned = result.as_ref().and_then(|r| r.found.as_ref());
    let config_error = result.as_ref().and_then(|r| r.config_error.clone());
    let scan_error = result.as_ref().and_then(|r| r.scan_error.clone());
    // While the folder is read, the language and the Build form come from packet.toml.
    let quick_config = match scanned {
        None => PacketConfig::load(&app.dir).ok().flatten(),
        Some(_) => None,
    };
    let config_now = scanned
        .and_then(|(_, c)| c.as_ref())
        .or(quick_config.as_ref());
    let reading = result
        .is_none()
        .then(|| reading_view(&app.reading.status(), lang_of(config_now)));
    let mut check = None;
    let mut check_error = None;
    let mut files = Vec::new();
    let mut ignored = 0;
    let mut warnings = Vec::new();
    let mut holders = Vec::new();
    if let Some((inv, config)) = scanned {
        match crate::check::check(inv, config.as_ref()) {
            Ok(c) => {
                if let Some(cfg) = config {
                    holders = super::requests::holders(cfg, inv, &c);
                }
                check = Some(c)
            }
            Err(e) => check_error = Some(e.to_string()),
        }
        files = rows(inv, lang_of(config.as_ref()).messages());
        ignored = inv.ignored.len();
        warnings = inv.warnings.iter().map(ToString::to_string).collect();
    }
    if let Some(d) = draft {
        details = d.details;
        for f in &mut files {
            if let Some((k, date)) = d.files.get(&f.path) {
                f.kind = k.clone();
                f.date = date.clone();
            }
        }
    }
    let imaging = scanned
        .map(|(inv, _)| inv.imaging.iter().map(study_view).collect())
        .unwrap_or_default();
    let lang = lang_of(config_now);
    let words = lang.messages();
    let held_options = super::requests::held_options(words);
    View {
        lang: lang.code(),
        folder: app.dir.display().to_string(),
        packets_folder: app.packets_dir.display().to_string(),
        config_error,
        scan_error,
        has_config,
        files,
        ignored,
        warnings,
        kinds: Kind::ALL
            .iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: words.kind_label(*k).to_string(),
            })
            .collect(),
        kind_labels: held_options
            .iter()
            .map(|o| (o.value, o.label.clone()))
            .collect(),
        profiles: crate::base::profiles::profile_names(),
        details,
        check,
        check_error,
        build: build_view(app, config_now),
        notices,
        max_upload_mb: app.max_upload.div_ceil(1024 * 1024),
        requests_folder: app.requests_dir.display().to_string(),
        holders,
        letters: super::requests::letters(app),
        held_options,
        imaging,
        reading,
    }
}

fn rows(inv: &Inventory, words: &Messages) -> Vec<FileRow> {
    inv.files
        .iter()
        .map(|f| {
            let kind = f.classified.kind.as_str().to_string();
            let date = f.classified.date.map(|d| d.to_string()).unwrap_or_default();
            let (status_text, problem) = match &f.status {
                Status::Included => (words.t("web.status.included").to_string(), None),
                Status::Excluded => (words.t("web.status.excluded").to_string(), None),
                Status::Duplicate { same_as } => {
                    (words.f("web.status.duplicate", &[("path", same_as)]), None)
                }
                Status::Problem(p) => (words.t("web.status.problem").to_string(), Some(p.clone())),
            };
            FileRow {
                path: f.rel.clone(),
                shown_kind: kind.clone(),
                shown_date: date.clone(),
                kind,
                date,
                title: f.classified.title.clone(),
                pages: match f.pages {
                    Some(p) => p.to_string(),
                    None if problem.is_none() => "text".into(),
                    None => String::new(),
                },
                status: f.status.label(),
                status_text,
                problem,
                removable: f.zip.is_none(),
                notes: f.notes.clone(),
            }
        })
        .collect()
}

fn study_view(s: &crate::read::imaging::Study) -> StudyView {
    StudyView {
        folder: s.folder.clone(),
        date: s.date.clone(),
        modalities: s.modalities.join(", "),
        description: s.description.clone(),
        body_part: s.body_part.clone(),
        series: s.series,
        images: s.images,
        institution: s.institution.clone(),
        other_patient: s.other_patient.clone(),
        patient: s
            .patient_name
            .split('=')
            .next()
            .unwrap_or_default()
            .split('^')
            .filter(|p| !p.trim().is_empty())
            .rev()
            .collect::<Vec<_>>()
            .join(" "),
        birth_date: s.birth_date.clone(),
        reports: s.reports.clone(),
        structured_report: s.structured_report,
    }
}

fn build_view(app: &App, config: Option<&crate::base::config::PacketConfig>) -> BuildView {
    let st = app.job.status();
    let mut v = BuildView {
        state: st.state,
        stage: stage_words(&st.stage, lang_of(config)),
        done: st.done,
        total: st.total,
        choices: super::choices::form_view(lock(&app.job.choices).as_ref(), config),
        ..BuildView::default()
    };
    match &*lock(&app.job.state) {
        JobState::Done {
            report,
            id,
            files,
            seconds,
        } => {
            let written = lock(&app.job.written);
            v.files = files
                .iter()
                .filter_map(|i| {
                    written.get(*i).map(|w| {
                        let o = super::choices::Output {
                            path: w.path.clone(),
                            role: w.role,
                            pages: w.pages,
                            bytes: w.bytes,
                        };
                        super::choices::file_view(*i, &w.name, &o)
                    })
                })
                .collect();
            drop(written);
            v.report = Some((**report).clone());
            v.file_name = lock(&app.job.written)
                .get(*id)
                .map(|w| w.name.clone())
                .unwrap_or_default();
            v.download_url = format!("/download/{id}");
            v.view_url = format!("/view/{id}");
            v.seconds = format!("{seconds:.1}");
        }
        JobState::Failed(e) => v.error = Some(e.clone()),
        JobState::Idle | JobState::Running { .. } => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use crate::base::i18n::Lang;

    /// Every key that `open` starts in `text`, as `web.` + the key: the template's
    /// `t("…")`, the handlers' `"web.…"`.
    fn keys_in(text: &str, open: &str) -> Vec<String> {
        text.match_indices(open)
            .filter_map(|(i, _)| {
                let rest = &text[i + open.len()..];
                let key = &rest[..rest.find('"')?];
                let word = |c: char| c.is_ascii_lowercase() || c == '.' || c == '_';
                (!key.is_empty() && key.chars().all(word)).then(|| format!("web.{key}"))
            })
            .collect()
    }

    #[test]
    fn every_page_word_is_in_every_language() {
        // The template fails on a missing key only when the branch that asks for it
        // shows, and a handler's missing notice would show its key: both are caught here.
        let page = include_str!("../../templates/web/page.html");
        let mut keys = keys_in(page, "t(\"");
        // t("table.caption_one" if … else "table.caption_many"): the second key.
        keys.extend(
            keys_in(page, "else \"")
                .into_iter()
                .filter(|k| k.contains("_")),
        );
        for h in [
            include_str!("page.rs"),
            include_str!("details.rs"),
            include_str!("upload.rs"),
            include_str!("requests.rs"),
            include_str!("job.rs"),
            include_str!("state.rs"),
            include_str!("choices.rs"),
            include_str!("reading.rs"),
            include_str!("meter.rs"),
        ] {
            keys.extend(keys_in(h, "\"web."));
        }
        assert!(
            keys.len() > 150,
            "the page's words were found: {}",
            keys.len()
        );
        for lang in Lang::ALL {
            let have: Vec<&str> = lang.messages().keys().collect();
            // t("build.role_" ~ f.role): a key ending in "_" is a prefix some keys must have.
            let missing: Vec<&String> = keys
                .iter()
                .filter(|k| match k.strip_suffix('_') {
                    Some(_) => !have.iter().any(|h| h.starts_with(k.as_str())),
                    None => !have.contains(&k.as_str()),
                })
                .collect();
            assert!(
                missing.is_empty(),
                "templates/messages/{}.toml lacks {missing:?}",
                lang.code()
            );
        }
    }
}
