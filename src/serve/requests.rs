//! "Request missing records": a click turns into the request letter to one holder (the
//! library's `write_requests`, into `<DIR>-requests`), the letters written for download —
//! only those — a request marked as sent, and a new `[[holders]]` entry in packet.toml.

use super::state::{back_to, blocking, lock, App, Letter, Notice, Shared};
use crate::base::config::{Held, PacketConfig, CONFIG_NAME};
use crate::base::edit::NewHolder;
use crate::base::kind::Kind;
use crate::read::scan::Inventory;
use crate::write::request::SendTo;
use axum::extract::{Form, Path as UrlPath};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

/// One holder as the page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct HolderView {
    pub name: String,
    pub department: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub mrn: String,
    pub kinds: Vec<String>,
    /// What a letter would ask it for now.
    pub asks: Vec<String>,
    pub can_receive: bool,
}

/// A letter as the page links it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct LetterView {
    pub holder: String,
    pub name: String,
    pub url: String,
}

/// Every kind a holder may hold, for the form's check boxes.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct HeldOption {
    pub value: &'static str,
    pub label: String,
}

pub(crate) fn held_options(words: &crate::base::i18n::Messages) -> Vec<HeldOption> {
    Kind::ALL
        .iter()
        .map(|k| HeldOption {
            value: k.as_str(),
            label: words.kind_label(*k).to_string(),
        })
        .chain([
            HeldOption {
                value: "slides",
                label: words.t("web.holder.slides").to_string(),
            },
            HeldOption {
                value: "imaging",
                label: words.t("web.holder.imaging").to_string(),
            },
        ])
        .collect()
}

/// The holders of packet.toml with what each would be asked for now.
pub(crate) fn holders(
    config: &PacketConfig,
    inv: &Inventory,
    check: &crate::check::CheckReport,
) -> Vec<HolderView> {
    let wanted = check.wanted();
    config
        .holders
        .iter()
        .map(|h| HolderView {
            name: h.name.trim().to_string(),
            department: h.department.trim().to_string(),
            address: h.address.clone().unwrap_or_default(),
            phone: h.phone.clone().unwrap_or_default(),
            fax: h.fax.clone().unwrap_or_default(),
            email: h.email.clone().unwrap_or_default(),
            mrn: h.mrn.clone().unwrap_or_default(),
            kinds: h.kinds.iter().map(|k| k.as_str().to_string()).collect(),
            asks: crate::check::requests::asks_for(h, &wanted, inv)
                .iter()
                .map(|a| a.held.as_str().to_string())
                .collect(),
            can_receive: h.can_receive(),
        })
        .collect()
}

/// The letters written so far, with their download addresses.
pub(crate) fn letters(app: &App) -> Vec<LetterView> {
    lock(&app.letters)
        .iter()
        .enumerate()
        .map(|(i, l)| LetterView {
            holder: l.holder.clone(),
            name: l.name.clone(),
            url: format!("/letter/{i}"),
        })
        .collect()
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct WriteForm {
    /// Empty: a letter to every holder with something to ask for (as `medpacket request`).
    #[serde(default)]
    holder: String,
    #[serde(default)]
    send_to: String,
}

/// POST /requests/write: the letter to one holder, or to every holder.
pub(crate) async fn write(state: Shared, Form(f): Form<WriteForm>) -> Response {
    let app = state.0;
    let worker = app.clone();
    let outcome = match blocking(move || {
        let opts = crate::RequestOptions {
            dir: worker.dir.clone(),
            holder: Some(f.holder.trim().to_string()).filter(|h| !h.is_empty()),
            output_dir: Some(worker.requests_dir.clone()),
            lang: None,
            send_to: if f.send_to == "doctor" {
                SendTo::Doctor
            } else {
                SendTo::Me
            },
            scan: crate::ScanOptions::default(),
        };
        crate::write_requests(&opts)
    })
    .await
    {
        Ok(o) => o,
        Err(r) => return r,
    };
    match outcome {
        Ok(report) => {
            if let Some(n) = report.nothing {
                app.notify(Notice::new("info", "requests", capital(&n)));
            }
            for l in report.letters {
                let path = PathBuf::from(&l.file);
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                app.notify(Notice::new(
                    "ok",
                    "requests",
                    app.words().f(
                        "web.notice.letter_written",
                        &[("holder", &l.holder), ("file", &name)],
                    ),
                ));
                lock(&app.letters).push(Letter {
                    holder: l.holder,
                    path,
                    name,
                });
            }
        }
        Err(e) => app.notify(Notice::new("error", "requests", e.to_string())),
    }
    back_to("requests")
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SentForm {
    holder: String,
}

/// POST /requests/sent: the latest letter to a holder went out today.
pub(crate) async fn sent(state: Shared, Form(f): Form<SentForm>) -> Response {
    let app = state.0;
    let dir = app.dir.clone();
    let holder = f.holder.clone();
    let outcome = match blocking(move || crate::mark_request_sent(&dir, &holder)).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match outcome {
        Ok(due) => app.notify(Notice::new(
            "ok",
            "requests",
            app.words().f(
                "web.notice.marked_sent",
                &[("holder", &f.holder), ("due", &due.to_string())],
            ),
        )),
        Err(e) => app.notify(Notice::new("error", "requests", e.to_string())),
    }
    back_to("requests")
}

/// POST /holders: a new `[[holders]]` entry in packet.toml, or (with `original`, the
/// name it had) a change to one.
pub(crate) async fn add(state: Shared, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let app = state.0;
    let mut h = NewHolder::default();
    let mut original = None;
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "original" => {
                original = Some(v);
                continue;
            }
            "name" => &mut h.name,
            "department" => &mut h.department,
            "address" => &mut h.address,
            "phone" => &mut h.phone,
            "fax" => &mut h.fax,
            "email" => &mut h.email,
            "mrn" => &mut h.mrn,
            "kinds" => {
                if v.parse::<Held>().is_ok() && !h.kinds.contains(&v) {
                    h.kinds.push(v);
                }
                continue;
            }
            _ => continue,
        };
        *slot = v.trim().to_string();
    }
    let dir = app.dir.clone();
    let changing = original.is_some();
    let outcome = match blocking(move || add_to(&dir, &h, original.as_deref())).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match outcome {
        Ok(name) => app.notify(Notice::new(
            "ok",
            "requests",
            app.words().f(
                if changing {
                    "web.notice.holder_saved"
                } else {
                    "web.notice.holder_added"
                },
                &[("name", &name)],
            ),
        )),
        Err(e) => app.notify(Notice::new("error", "requests", e)),
    }
    back_to("requests")
}

/// Adds the holder to packet.toml (or changes the one named `original`), refusing what
/// `request` could not use.
fn add_to(dir: &std::path::Path, h: &NewHolder, original: Option<&str>) -> Result<String, String> {
    if !h.name.chars().any(char::is_alphanumeric) {
        return Err(
            "The holder's name is empty — write the hospital's, lab's or imaging centre's name."
                .into(),
        );
    }
    if [&h.address, &h.fax, &h.email].iter().all(|v| v.is_empty()) {
        return Err(format!(
            "{} was not {}: give its address, fax number or e-mail, so a letter can reach it.",
            h.name,
            if original.is_some() {
                "changed"
            } else {
                "added"
            }
        ));
    }
    if h.kinds.is_empty() {
        return Err(format!(
            "{} was not {}: tick the records it holds.",
            h.name,
            if original.is_some() {
                "changed"
            } else {
                "added"
            }
        ));
    }
    let path = dir.join(CONFIG_NAME);
    let old = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} — save your details first, so packet.toml exists",
            path.display()
        )
    })?;
    let new = match original {
        Some(o) => crate::base::edit::update_holder(&old, o, h)?,
        None => crate::base::edit::add_holder(&old, h)?,
    };
    if new == old {
        return Ok(h.name.clone());
    }
    PacketConfig::parse(&new, &path).map_err(|e| {
        format!(
            "{e}. Nothing was saved: correct packet.toml in a text editor, then reload this page."
        )
    })?;
    crate::emit::rewrite_users_file(&path, &new).map_err(|e| e.to_string())?;
    Ok(h.name.clone())
}

/// GET /letter/{id}: a letter this server wrote into `<DIR>-requests`, as a download.
pub(crate) async fn download(state: Shared, UrlPath(id): UrlPath<String>) -> Response {
    let app = state.0;
    let found = id
        .parse::<usize>()
        .ok()
        .and_then(|i| lock(&app.letters).get(i).cloned())
        .filter(|l| l.path.parent() == Some(app.requests_dir.as_path()));
    let Some(l) = found else {
        return (
            StatusCode::NOT_FOUND,
            "No such letter — write it again on the page.\n",
        )
            .into_response();
    };
    let name = l.name.clone();
    let bytes = match blocking(move || std::fs::read(&l.path)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            return (
                StatusCode::NOT_FOUND,
                format!("The letter cannot be read any more ({e}) — write it again.\n"),
            )
                .into_response()
        }
        Err(r) => return r,
    };
    let mut resp = ([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&super::job::content_disposition("attachment", &name)) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
