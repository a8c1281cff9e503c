//! Records in and out of the folder: an upload streams into a temporary file in the
//! records folder and is renamed under its base name (never over another file; the same
//! bytes are not saved twice); "Remove" moves a file into `removed/`, never deletes it.

use super::state::{back_to, blocking, lock, App, Notice, Shared};
use crate::base::config::normalize_rel;
use crate::write::emit::numbered;
use axum::extract::{Form, Multipart};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use crate::read::scan::REMOVED_FOLDER as REMOVED;

/// POST /upload: every file of the form, one after another.
pub(crate) async fn receive(state: Shared, mut form: Multipart) -> Response {
    let app = state.0;
    let mut by_script = false;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                app.notify(Notice::new(
                    "error",
                    "records",
                    app.words()
                        .f("web.notice.upload_stopped", &[("why", &e.to_string())]),
                ));
                break;
            }
        };
        if field.name() == Some("via") {
            by_script = field.text().await.is_ok_and(|t| t == "script");
            continue;
        }
        let Some(raw) = field.file_name().map(str::to_string) else {
            continue;
        };
        if raw.is_empty() {
            // The form was sent without choosing a file.
            continue;
        }
        let name = match base_name(&raw) {
            Ok(n) => n,
            Err(why) => {
                app.notify(Notice::new("error", "records", why));
                continue;
            }
        };
        match save_field(&app, &mut field, &name).await {
            Ok(n) => app.notify(n),
            Err(n) => app.notify(n),
        }
    }
    if by_script {
        StatusCode::NO_CONTENT.into_response()
    } else {
        back_to("records")
    }
}

/// Streams one file into a temporary file in the records folder, then puts it in place.
async fn save_field(
    app: &Arc<App>,
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
) -> Result<Notice, Notice> {
    let words = app.words();
    let failed = |what: String| {
        Notice::new(
            "error",
            "records",
            words.f(
                "web.notice.not_written",
                &[
                    ("name", name),
                    ("why", &what),
                    ("folder", &app.dir.display().to_string()),
                ],
            ),
        )
    };
    // Named like emit's temporary files, so those a stopped server left are removed by
    // the next upload (or build) into the folder, and never read as records.
    crate::write::emit::remove_leftovers(&app.dir);
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".medpacket-{}-upload-", std::process::id()))
        .suffix(".part")
        .tempfile_in(&app.dir)
        .map_err(|e| failed(e.to_string()))?;
    let tmp_path = tmp.path().to_path_buf();
    lock(&app.temps).insert(tmp_path.clone());
    let result = stream_into(app, field, &tmp, name).await;
    let placed = match result {
        Ok(sha) => {
            let dir = app.dir.clone();
            let name = name.to_string();
            blocking(move || place(tmp, &dir, &name, &sha))
                .await
                .map_err(|_| failed("the server stopped".into()))
                .and_then(|r| r.map_err(|e| failed(e.to_string())))
        }
        Err(n) => {
            drop(tmp);
            Err(n)
        }
    };
    lock(&app.temps).remove(&tmp_path);
    let words = app.words();
    match placed? {
        Placed::Saved(saved) if saved == name => Ok(Notice::new(
            "ok",
            "records",
            words.f("web.notice.added", &[("name", &saved)]),
        )),
        Placed::Saved(saved) => Ok(Notice::new(
            "ok",
            "records",
            words.f("web.notice.added_as", &[("name", name), ("saved", &saved)]),
        )),
        Placed::AlreadyThere(existing) => Ok(Notice::new(
            "info",
            "records",
            words.f(
                "web.notice.already_there",
                &[("name", name), ("existing", &existing)],
            ),
        )),
    }
}

/// Copies the field into the temporary file, hashing as it goes; stops at the size limit.
async fn stream_into(
    app: &App,
    field: &mut axum::extract::multipart::Field<'_>,
    tmp: &tempfile::NamedTempFile,
    name: &str,
) -> Result<String, Notice> {
    let words = app.words();
    let io = |e: std::io::Error| {
        Notice::new(
            "error",
            "records",
            words.f(
                "web.notice.disk",
                &[("name", name), ("why", &e.to_string())],
            ),
        )
    };
    let std_file = tmp.as_file().try_clone().map_err(io)?;
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                return Err(Notice::new(
                    "error",
                    "records",
                    words.f(
                        "web.notice.file_stopped",
                        &[("name", name), ("why", &e.to_string())],
                    ),
                ))
            }
        };
        size += chunk.len() as u64;
        if size > app.max_upload {
            return Err(Notice::new(
                "error",
                "records",
                words.f(
                    "web.notice.too_big",
                    &[
                        ("name", name),
                        ("mb", &app.max_upload.div_ceil(1024 * 1024).to_string()),
                    ],
                ),
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    file.sync_all().await.map_err(io)?;
    Ok(crate::read::scan::hex(&hasher.finalize()))
}

/// Where an upload went.
enum Placed {
    Saved(String),
    /// A file with the same name (or its numbered variant) holds the same bytes.
    AlreadyThere(String),
}

/// Renames the finished upload to `name`, or `name (2).ext`, `name (3).ext`… — never
/// over an existing file; not at all when one of those holds the same bytes.
fn place(
    mut tmp: tempfile::NamedTempFile,
    dir: &Path,
    name: &str,
    sha: &str,
) -> std::io::Result<Placed> {
    for n in 1..=1000u32 {
        let candidate = numbered(name, n);
        let path = dir.join(&candidate);
        // Twice at most: when another upload takes the name between the look and the
        // rename, what it saved there is looked at (it may be these very bytes).
        for _ in 0..2 {
            match std::fs::symlink_metadata(&path) {
                Ok(m) => {
                    if m.is_file() && file_sha(&path)? == sha {
                        return Ok(Placed::AlreadyThere(candidate));
                    }
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    match tmp.persist_noclobber(&path) {
                        Ok(_) => return Ok(Placed::Saved(candidate)),
                        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                            tmp = e.file;
                        }
                        Err(e) => return Err(e.error),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
    Err(std::io::Error::other(
        "a thousand files of that name are already there — rename it",
    ))
}

fn file_sha(path: &Path) -> std::io::Result<String> {
    crate::base::digest::sha256_read(std::fs::File::open(path)?).map(|(sha, _)| sha)
}

/// The last part of an uploaded file's name; folders and anything the scan would pass
/// over are refused with a reason.
pub(crate) fn base_name(raw: &str) -> Result<String, String> {
    let unified = raw.replace('\\', "/");
    let last = unified.rsplit('/').next().unwrap_or("");
    let name: String = last.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim().to_string();
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!(
            "\"{raw}\" is not a file name, so it was not added. Choose the file itself."
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "{name} was not added: its name starts with a dot, which hides it. Rename it without the dot and add it again."
        ));
    }
    if name.eq_ignore_ascii_case(crate::base::config::CONFIG_NAME) {
        return Err(format!(
            "{name} was not added: the folder's details are edited in the Details section of this page."
        ));
    }
    if name.len() > 200 {
        return Err(format!(
            "{}… was not added: its name is too long. Give it a shorter name and add it again.",
            name.chars().take(40).collect::<String>()
        ));
    }
    Ok(name)
}

#[derive(serde::Deserialize)]
pub(crate) struct RemoveForm {
    path: String,
}

/// POST /remove: moves one file of the records folder into `removed/`.
pub(crate) async fn remove(state: Shared, Form(form): Form<RemoveForm>) -> Response {
    let app = state.0;
    let dir = app.dir.clone();
    let rel = normalize_rel(&form.path);
    let outcome = blocking(move || {
        move_to_removed(&dir, &rel).map(|(rel, to)| {
            let entry = forget_entry(&dir, &rel);
            (rel, to, entry)
        })
    })
    .await;
    let notice = match outcome {
        Ok(Ok((rel, to, entry))) => {
            let words = app.words();
            let mut text = words.f("web.notice.moved", &[("path", &rel), ("to", &to)]);
            let level = if entry.is_err() { "info" } else { "ok" };
            match entry {
                Ok(true) => {
                    text.push(' ');
                    text.push_str(words.t("web.notice.entry_removed"));
                }
                Ok(false) => {}
                Err(why) => {
                    text.push(' ');
                    text.push_str(
                        &words.f("web.notice.entry_kept", &[("why", &why), ("path", &rel)]),
                    );
                }
            }
            Notice::new(level, "records", text)
        }
        Ok(Err(why)) => Notice::new("error", "records", why),
        Err(r) => return r,
    };
    app.notify(notice);
    back_to("records")
}

/// Takes the `[[documents]]` entry of a file just moved to removed/ out of packet.toml,
/// keeping the rest of the file as it was. True when there was one.
fn forget_entry(dir: &Path, rel: &str) -> Result<bool, String> {
    let path = dir.join(crate::config::CONFIG_NAME);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let Some(new) = crate::base::edit::drop_document(&old, rel)? else {
        return Ok(false);
    };
    crate::emit::rewrite_users_file(&path, &new).map_err(|e| e.to_string())?;
    Ok(true)
}

fn move_to_removed(dir: &Path, rel: &str) -> Result<(String, String), String> {
    let refuse =
        || format!("{rel} cannot be removed from here: it is not a file in the records folder.");
    let parts: Vec<&str> = rel.split('/').collect();
    if rel.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
        || parts[0] == REMOVED
    {
        return Err(refuse());
    }
    let src = dir.join(rel);
    let meta = std::fs::symlink_metadata(&src).map_err(|_| refuse())?;
    if !(meta.is_file() || meta.file_type().is_symlink()) {
        return Err(refuse());
    }
    let inside = src
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .is_some_and(|p| p.starts_with(dir));
    if !inside {
        return Err(refuse());
    }
    let dest_rel = format!("{REMOVED}/{rel}");
    let dest = dir.join(&dest_rel);
    let parent = dest.parent().unwrap_or(dir);
    super::state::create_private_dir(parent).map_err(|e| e.to_string())?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    for n in 1..=1000u32 {
        let target = parent.join(numbered(&name, n));
        // A hard link never replaces a file; the original name then goes.
        match std::fs::hard_link(&src, &target) {
            Ok(()) => {
                std::fs::remove_file(&src).map_err(|e| format!("{rel}: {e}"))?;
                let shown = format!(
                    "{REMOVED}/{}",
                    target
                        .strip_prefix(dir.join(REMOVED))
                        .unwrap_or(&target)
                        .to_string_lossy()
                );
                return Ok((rel.to_string(), shown));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) if std::fs::symlink_metadata(&target).is_err() => {
                // No hard links here (some shared drives): a rename, after checking.
                std::fs::rename(&src, &target).map_err(|e| format!("{rel}: {e}"))?;
                return Ok((rel.to_string(), dest_rel));
            }
            Err(e) => return Err(format!("{rel}: {e}")),
        }
    }
    Err(format!("{rel}: too many removed files of that name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_keep_only_the_last_part() {
        assert_eq!(base_name("../../etc/passwd").as_deref(), Ok("passwd"));
        assert_eq!(
            base_name("C:\\Users\\a\\scan 1.pdf").as_deref(),
            Ok("scan 1.pdf")
        );
        assert_eq!(
            base_name("a/b/report\u{0}.pdf").as_deref(),
            Ok("report.pdf")
        );
        for bad in [
            "..",
            "a/..",
            "",
            "x/.bashrc",
            "packet.toml",
            "PACKET.TOML",
            "dir/",
        ] {
            assert!(base_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbered_names_go_before_the_extension() {
        assert_eq!(numbered("report.pdf", 1), "report.pdf");
        assert_eq!(numbered("report.pdf", 2), "report (2).pdf");
        assert_eq!(numbered("README", 3), "README (3)");
        assert_eq!(numbered("a.tar.gz", 2), "a.tar (2).gz");
    }

    #[test]
    fn removing_moves_into_removed_and_never_replaces() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().canonicalize().expect("canon");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("sub/a.pdf"), b"one").expect("write");
        let (_, to) = move_to_removed(&root, "sub/a.pdf").expect("moved");
        assert_eq!(to, "removed/sub/a.pdf");
        std::fs::write(root.join("sub/a.pdf"), b"two").expect("write");
        let (_, to) = move_to_removed(&root, "sub/a.pdf").expect("moved");
        assert_eq!(to, "removed/sub/a (2).pdf");
        assert_eq!(
            std::fs::read(root.join("removed/sub/a.pdf")).expect("r"),
            b"one"
        );
        assert_eq!(
            std::fs::read(root.join("removed/sub/a (2).pdf")).expect("r"),
            b"two"
        );
        for bad in [
            "../x",
            "removed/sub/a.pdf",
            "sub",
            "nope.pdf",
            "/etc/passwd",
        ] {
            assert!(
                move_to_removed(&root, &normalize_rel(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
