//! State: what one running server knows (the records folder, the messages to show, the
//! build, the letters written, the compiled page) turns into the shared app every handler
//! takes, with the small helpers they all use.

pub(crate) use super::meter::Meter;
use crate::base::error::{Error, Result};
use crate::base::i18n::Lang;
use crate::report::BuildReport;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

/// The page's language: packet.toml's `[request] language`, else English.
pub(crate) fn lang_of(config: Option<&crate::base::config::PacketConfig>) -> Lang {
    config.and_then(|c| c.request.language).unwrap_or_default()
}

/// The default for [`ServeOptions::max_upload`](super::ServeOptions::max_upload): 200 MB.
pub const DEFAULT_MAX_UPLOAD: u64 = 200 * 1024 * 1024;

/// A message shown once, on the next page, in the section it concerns.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Notice {
    /// "ok", "info" or "error".
    pub level: &'static str,
    /// "records", "details" or "build".
    pub section: &'static str,
    pub text: String,
}

impl Notice {
    pub fn new(level: &'static str, section: &'static str, text: impl Into<String>) -> Self {
        Notice {
            level,
            section,
            text: text.into(),
        }
    }
}

/// What one running server knows.
pub(crate) struct App {
    /// The records folder, canonical.
    pub dir: PathBuf,
    /// `<DIR>-packets` beside it, where packets go.
    pub packets_dir: PathBuf,
    /// `<DIR>-requests` beside it, where request letters go.
    pub requests_dir: PathBuf,
    /// The request letters this server wrote (the only ones it hands out).
    pub letters: Mutex<Vec<Letter>>,
    pub token: String,
    pub port: u16,
    pub max_upload: u64,
    pub notices: Mutex<Vec<Notice>>,
    /// A Details form that could not be saved, shown again once.
    pub draft: Mutex<Option<Draft>>,
    pub job: Jobs,
    /// The page's scans of the folder.
    pub reading: Arc<super::reading::Reading>,
    /// Upload files being written right now (removed at shutdown if still there).
    pub temps: Mutex<BTreeSet<PathBuf>>,
    pub templates: Templates,
}

impl App {
    pub fn notify(&self, n: Notice) {
        lock(&self.notices).push(n);
    }
    /// The words of the page's language, as packet.toml says now (English when it names
    /// none or cannot be read), for the notices handlers write.
    pub fn words(&self) -> &'static crate::base::i18n::Messages {
        crate::base::config::PacketConfig::load(&self.dir)
            .ok()
            .flatten()
            .and_then(|c| c.request.language)
            .unwrap_or_default()
            .messages()
    }
    pub(super) fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut *lock(&self.notices))
    }
}

/// Locks a mutex; a thread that panicked while holding it leaves data that is still
/// usable here (lists of messages and file names).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A letter this server wrote: the only files `/letter/{id}` hands out.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    pub holder: String,
    pub path: PathBuf,
    pub name: String,
}

/// The fields of the Details form, as the page shows them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub(crate) struct Details {
    pub name: String,
    pub dob: String,
    pub diagnosis: String,
    pub reason: String,
    pub profile: String,
    pub had_surgery: bool,
    pub hospitalized: bool,
    pub referring_name: String,
    pub referring_facility: String,
    pub recipient_name: String,
    pub recipient_facility: String,
    pub recipient_fax: String,
    pub primary_name: String,
    /// One question per line.
    pub questions: String,
}

/// What a form sent that could not be saved, shown again with the reasons.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub details: Details,
    /// Path -> (kind, date) as entered.
    pub files: BTreeMap<String, (String, String)>,
}

const PAGE: &str = include_str!("../../templates/web/page.html");

/// The compiled page template.
pub(crate) struct Templates(pub(super) minijinja::Environment<'static>);

impl Templates {
    pub fn new() -> Result<Self> {
        let mut env = minijinja::Environment::new();
        env.add_function("t", page_word);
        env.add_filter("breakable", breakable);
        env.add_template("page.html", PAGE)
            .map_err(|e| Error::Internal(format!("templates/web/page.html: {e}")))?;
        Ok(Templates(env))
    }
}

/// `{{ f.path | breakable }}` in the page: the text, escaped, with a place to break the
/// line after each `/`, `\`, `_` and `-`, so that a long path in a narrow column wraps
/// between its parts (`hospital/` `discharge_` `summary.pdf`) rather than mid-word.
fn breakable(text: &str) -> minijinja::Value {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
        if matches!(c, '/' | '\\' | '_' | '-') {
            out.push_str("<wbr>");
        }
    }
    minijinja::Value::from_safe_string(out)
}

/// `{{ t("records.heading", n=3) }}` in the page: the word `web.records.heading` of
/// templates/messages/<lang>.toml in the page's language (the view's `lang`), with
/// `{n}` filled in. A key no language has is an error, so a mistyped key fails the page
/// (and its tests) instead of showing.
fn page_word(
    state: &minijinja::State,
    key: &str,
    args: minijinja::value::Kwargs,
) -> std::result::Result<String, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<Lang>().ok()))
        .unwrap_or_default();
    let full = format!("web.{key}");
    let Some(text) = lang.messages().word(&full) else {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            format!("templates/messages/{}.toml has no key {full}", lang.code()),
        ));
    };
    let mut values = Vec::new();
    for name in args.args() {
        let v: minijinja::Value = args.get(name)?;
        values.push((name, v.to_string()));
    }
    args.assert_all_used()?;
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(crate::base::i18n::fill(text, &pairs))
}

/// Where the build is.
#[derive(Debug, Clone, Default)]
pub(crate) enum State {
    #[default]
    Idle,
    Running {
        since: Instant,
        started: SystemTime,
    },
    Done {
        report: Box<BuildReport>,
        /// The first file written (the packet, or its first part or send).
        id: usize,
        /// Every file written, as indexes into `Jobs::written`.
        files: Vec<usize>,
        seconds: f64,
    },
    Failed(String),
}

/// A packet this server wrote: the only files it hands out.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub path: PathBuf,
    pub name: String,
    /// "packet", "part", "send", "document" or "bundle".
    pub role: &'static str,
    /// The packet pages it holds (none for the bundle).
    pub pages: Option<(u32, u32)>,
    pub bytes: u64,
}

/// The build's state, its progress and the packets written.
#[derive(Default)]
pub(crate) struct Jobs {
    pub state: Mutex<State>,
    pub progress: Meter,
    pub written: Mutex<Vec<Written>>,
    /// The choices of the build running or last run, shown again in the Build form.
    pub choices: Mutex<Option<super::choices::Choices>>,
}

/// The progress as the page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Status {
    pub state: &'static str,
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

impl Jobs {
    pub fn status(&self) -> Status {
        let (stage, done, total) = self.progress.snapshot();
        let state = match *lock(&self.state) {
            State::Idle => "idle",
            State::Running { .. } => "running",
            State::Done { .. } => "done",
            State::Failed(_) => "failed",
        };
        Status {
            state,
            stage,
            done,
            total,
        }
    }

    /// Removes the temporary file of a build cut short by shutdown (emit writes
    /// `.medpacket-*.part` beside the packet and renames it when done).
    pub fn cleanup(&self, packets_dir: &Path) {
        let State::Running { started, .. } = *lock(&self.state) else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(packets_dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let fresh = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= started);
            if name.starts_with(".medpacket-") && name.ends_with(".part") && fresh {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// `<DIR>-packets` beside the records folder.
pub(super) fn packets_dir_of(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "records".into());
    dir.parent().unwrap_or(dir).join(format!("{name}-packets"))
}

/// Creates a folder readable by the owner only (when it is new).
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    crate::write::emit::create_private_dir(dir)
}

/// After a form: back to the page, at the section the form belongs to.
pub(crate) fn back_to(section: &str) -> Response {
    Redirect::to(&format!("/#{section}")).into_response()
}

/// Runs library work on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> std::result::Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("medpacket stopped while working: {e}"),
        )
            .into_response()
    })
}

/// The state handle every handler takes.
pub(crate) type Shared = axum::extract::State<Arc<App>>;

#[cfg(test)]
/// A server's state for a records folder, as `run` makes it (without the port).
pub(crate) fn test_app(dir: &Path) -> Arc<App> {
    Arc::new(App {
        dir: dir.to_path_buf(),
        packets_dir: packets_dir_of(dir),
        requests_dir: crate::requests_dir_of(dir),
        letters: Mutex::new(Vec::new()),
        token: "t".into(),
        port: 1,
        max_upload: DEFAULT_MAX_UPLOAD,
        notices: Mutex::new(Vec::new()),
        draft: Mutex::new(None),
        job: Jobs::default(),
        reading: Default::default(),
        temps: Mutex::new(BTreeSet::new()),
        templates: Templates::new().expect("the page template compiles"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_path_may_break_after_its_separators_and_stays_escaped() {
        let t = Templates::new().expect("templates");
        let shown =
            t.0.render_str(
                "{{ 'hospital/discharge_summary-copy <2025> & \"A\".pdf' | breakable }}",
                (),
            )
            .expect("rendered");
        assert_eq!(
            shown,
            "hospital/<wbr>discharge_<wbr>summary-<wbr>copy &lt;2025&gt; &amp; &quot;A&quot;.pdf"
        );
    }
}
