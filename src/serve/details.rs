//! The Details form and the per-file kinds and dates turn into edits of packet.toml made
//! with toml_edit, so the patient's comments and layout stay; packet.toml's values turn
//! back into the form's fields.

use super::state::{back_to, blocking, lock, Details, Draft, Notice, Shared};
use crate::base::config::{normalize_rel, PacketConfig, CONFIG_NAME};
use crate::base::dates::{parse_entered_date, Unclear};
use crate::base::edit::{current, put, put_date, put_value, table_mut};
use crate::base::i18n::Messages;
use crate::base::kind::Kind;
use axum::extract::Form;
use axum::response::Response;
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

/// One file's kind and date as the form sends them, with the values it showed.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileEdit {
    pub path: String,
    pub kind: String,
    pub date: String,
    pub shown_kind: String,
    pub shown_date: String,
}

/// The fields (Details and per file) that a form sent.
fn read_form(pairs: Vec<(String, String)>) -> (Details, Vec<FileEdit>) {
    let mut d = Details::default();
    let mut files: BTreeMap<usize, FileEdit> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some((field, i)) = k.split_once('.') {
            let Ok(i) = i.parse::<usize>() else { continue };
            let f = files.entry(i).or_default();
            match field {
                "doc" => f.path = v,
                "kind" => f.kind = v,
                "date" => f.date = v,
                "kind0" => f.shown_kind = v,
                "date0" => f.shown_date = v,
                _ => {}
            }
            continue;
        }
        let slot = match k.as_str() {
            "name" => &mut d.name,
            "dob" => &mut d.dob,
            "diagnosis" => &mut d.diagnosis,
            "reason" => &mut d.reason,
            "profile" => &mut d.profile,
            "referring_name" => &mut d.referring_name,
            "referring_facility" => &mut d.referring_facility,
            "recipient_name" => &mut d.recipient_name,
            "recipient_facility" => &mut d.recipient_facility,
            "recipient_fax" => &mut d.recipient_fax,
            "primary_name" => &mut d.primary_name,
            "questions" => &mut d.questions,
            "had_surgery" => {
                d.had_surgery = true;
                continue;
            }
            "hospitalized" => {
                d.hospitalized = true;
                continue;
            }
            _ => continue,
        };
        *slot = v.trim().to_string();
    }
    let files = files.into_values().filter(|f| !f.path.is_empty()).collect();
    (d, files)
}

/// POST /details: validates, then writes packet.toml (or shows what to correct).
pub(crate) async fn save(state: Shared, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let app = state.0;
    let (details, files) = read_form(pairs);
    let dir = app.dir.clone();
    let d2 = details.clone();
    let f2 = files.clone();
    let words = app.words();
    let outcome = match blocking(move || save_to(&dir, &d2, &f2, words)).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match outcome {
        Ok(true) => app.notify(Notice::new(
            "ok",
            "details",
            app.words().t("web.notice.saved"),
        )),
        Ok(false) => app.notify(Notice::new(
            "info",
            "details",
            app.words().t("web.notice.unchanged"),
        )),
        Err(reasons) => {
            for r in reasons {
                app.notify(Notice::new("error", "details", r));
            }
            *lock(&app.draft) = Some(Draft {
                details,
                files: files
                    .into_iter()
                    .map(|f| (f.path, (f.kind, f.date)))
                    .collect(),
            });
        }
    }
    back_to("details")
}

/// Checks the values, applies them to packet.toml's text and writes it when it changed.
/// Returns whether it was written, or every reason it was not (in the page's language,
/// `words`).
fn save_to(
    dir: &Path,
    d: &Details,
    files: &[FileEdit],
    words: &Messages,
) -> Result<bool, Vec<String>> {
    let mut errors = Vec::new();
    if !d.name.chars().any(char::is_alphanumeric) {
        errors.push(words.t("web.notice.no_name").to_string());
    }
    // Dates as YYYY-MM-DD sort as they read.
    let today = crate::base::clock::now().date_naive().to_string();
    let dob = match date_field(&d.dob) {
        Ok(v) if v > today => {
            errors.push(words.f("web.notice.future_dob", &[("value", &d.dob)]));
            String::new()
        }
        Ok(v) => v,
        Err(why) => {
            errors.push(date_problem(
                words,
                why,
                ["web.notice.bad_dob", "web.notice.two_dob"],
                &[("value", &d.dob)],
            ));
            String::new()
        }
    };
    let mut edits = Vec::new();
    for f in files {
        let kind = if f.kind.parse::<Kind>().is_ok() {
            f.kind.clone()
        } else {
            errors.push(words.f(
                "web.notice.bad_kind",
                &[("path", &f.path), ("value", &f.kind)],
            ));
            continue;
        };
        match date_field(&f.date) {
            Ok(date) => edits.push(FileEdit {
                kind,
                date,
                ..f.clone()
            }),
            Err(why) => errors.push(date_problem(
                words,
                why,
                ["web.notice.bad_date", "web.notice.two_date"],
                &[("path", &f.path), ("value", &f.date)],
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let path = dir.join(CONFIG_NAME);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(vec![format!("{}: {e}", path.display())]),
    };
    let new = apply(&old, &Details { dob, ..d.clone() }, &edits).map_err(|e| vec![e])?;
    if new == old {
        return Ok(false);
    }
    PacketConfig::parse(&new, &path).map_err(|e| {
        vec![format!(
            "{e}. Nothing was saved: correct packet.toml in a text editor, then reload this page."
        )]
    })?;
    crate::emit::rewrite_users_file(&path, &new).map_err(|e| vec![e.to_string()])?;
    Ok(true)
}

/// An empty date stays empty; any other must be a date (any form people write, but not
/// figures that read as two dates, month or day first), given back as YYYY-MM-DD.
fn date_field(s: &str) -> Result<String, Unclear> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    parse_entered_date(s).map(|d| d.to_string())
}

/// The page's message for a date not taken: `bad` (not a date) or `two` (two readings),
/// with the value and, for `two`, both readings as YYYY-MM-DD.
fn date_problem(words: &Messages, why: Unclear, keys: [&str; 2], args: &[(&str, &str)]) -> String {
    match why {
        Unclear::NotADate => words.f(keys[0], args),
        Unclear::Ambiguous(month_first, day_first) => {
            let (m, d) = (month_first.to_string(), day_first.to_string());
            let mut all = args.to_vec();
            all.extend([("first", m.as_str()), ("second", d.as_str())]);
            words.f(keys[1], &all)
        }
    }
}

const NEW_FILE_HEADER: &str = "# packet.toml — what medpacket cannot read from the records themselves.\n# Written by medpacket's page; you may also edit it in a text editor (comments are kept).\n";

/// Applies the form to packet.toml's text, changing only what differs.
pub(crate) fn apply(old: &str, d: &Details, files: &[FileEdit]) -> Result<String, String> {
    let mut doc: DocumentMut = crate::base::edit::parse(old)?;
    if old.trim().is_empty() {
        doc.decor_mut().set_prefix(NEW_FILE_HEADER);
    }
    put(&mut doc, "patient", "name", &d.name)?;
    put_date(&mut doc, "patient", "date_of_birth", &d.dob)?;
    put(&mut doc, "diagnosis", "summary", &d.diagnosis)?;
    let had = current(&doc, "history", "had_surgery").and_then(|i| i.as_bool());
    if had.unwrap_or(false) != d.had_surgery {
        put_value(
            &mut doc,
            "history",
            "had_surgery",
            Value::from(d.had_surgery),
        )?;
    }
    let hosp = current(&doc, "history", "hospitalized").and_then(|i| i.as_bool());
    if hosp.unwrap_or(false) != d.hospitalized {
        put_value(
            &mut doc,
            "history",
            "hospitalized",
            Value::from(d.hospitalized),
        )?;
    }
    put(&mut doc, "referring_doctor", "name", &d.referring_name)?;
    put(
        &mut doc,
        "referring_doctor",
        "facility",
        &d.referring_facility,
    )?;
    put(&mut doc, "recipient", "name", &d.recipient_name)?;
    put(&mut doc, "recipient", "facility", &d.recipient_facility)?;
    put(&mut doc, "recipient", "fax", &d.recipient_fax)?;
    put(&mut doc, "primary_doctor", "name", &d.primary_name)?;
    let profile = current(&doc, "request", "profile").and_then(|i| i.as_str());
    if !(profile.is_none() && (d.profile.is_empty() || d.profile == "general")) {
        put(&mut doc, "request", "profile", &d.profile)?;
    }
    put(&mut doc, "request", "reason", &d.reason)?;
    put_questions(&mut doc, &d.questions)?;
    for f in files {
        put_document(&mut doc, f)?;
    }
    Ok(doc.to_string())
}

/// `[request] questions`, one per line of the text box; a list written over several
/// lines when there is more than one.
fn put_questions(doc: &mut DocumentMut, text: &str) -> Result<(), String> {
    let want: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let now: Vec<&str> = current(doc, "request", "questions")
        .and_then(Item::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if now == want {
        return Ok(());
    }
    if want.is_empty() {
        table_mut(doc, "request")?.remove("questions");
        return Ok(());
    }
    let mut a = Array::new();
    for q in &want {
        let mut v = Value::from(*q);
        v.decor_mut().set_prefix("\n  ");
        a.push_formatted(v);
    }
    a.set_trailing_comma(true);
    a.set_trailing("\n");
    put_value(doc, "request", "questions", Value::Array(a))
}

/// A file's kind and date: changed in its `[[documents]]` entry when it has that key, or
/// added (with a new entry when needed) when the value differs from what was shown.
fn put_document(doc: &mut DocumentMut, f: &FileEdit) -> Result<(), String> {
    let rel = normalize_rel(&f.path);
    if doc.get("documents").is_none() {
        if f.kind == f.shown_kind && f.date == f.shown_date {
            return Ok(());
        }
        doc.insert("documents", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let list = doc
        .get_mut("documents")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| {
            "packet.toml lists its documents in a form this page cannot change — write each as a [[documents]] table in a text editor.".to_string()
        })?;
    let found = list
        .iter()
        .position(|t| t.get("path").and_then(Item::as_str).map(normalize_rel) == Some(rel.clone()));
    let has = |key: &str| {
        found
            .and_then(|i| list.get(i))
            .is_some_and(|t| t.contains_key(key))
    };
    let set_kind = has("kind") || f.kind != f.shown_kind;
    let set_date = has("date") || f.date != f.shown_date;
    if !set_kind && !set_date {
        return Ok(());
    }
    let i = match found {
        Some(i) => i,
        None => {
            let mut t = Table::new();
            t.insert("path", Item::Value(Value::from(f.path.as_str())));
            list.push(t);
            list.len() - 1
        }
    };
    let Some(entry) = list.get_mut(i) else {
        return Ok(());
    };
    for (key, value, wanted) in [("kind", &f.kind, set_kind), ("date", &f.date, set_date)] {
        if !wanted {
            continue;
        }
        let same = entry.get(key).and_then(Item::as_str) == Some(value.as_str());
        if same {
            continue;
        }
        if value.is_empty() {
            entry.remove(key);
            continue;
        }
        let mut v = Value::from(value.as_str());
        if let Some(Item::Value(old)) = entry.get_mut(key) {
            *v.decor_mut() = old.decor().clone();
            *old = v;
        } else {
            entry.insert(key, Item::Value(v));
        }
    }
    Ok(())
}

/// packet.toml's values as the form shows them (empty when it has none or cannot be read).
pub(crate) fn read_details(text: &str) -> Details {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return Details::default();
    };
    let s = |table: &str, key: &str| {
        current(&doc, table, key)
            .and_then(|i| {
                i.as_str()
                    .map(str::to_string)
                    .or_else(|| i.as_datetime().map(|d| d.to_string()))
            })
            .unwrap_or_default()
    };
    let b = |table: &str, key: &str| {
        current(&doc, table, key)
            .and_then(Item::as_bool)
            .unwrap_or(false)
    };
    let questions = current(&doc, "request", "questions")
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let profile = s("request", "profile");
    Details {
        name: s("patient", "name"),
        dob: s("patient", "date_of_birth"),
        diagnosis: s("diagnosis", "summary"),
        reason: s("request", "reason"),
        profile: if profile.is_empty() {
            "general".into()
        } else {
            profile
        },
        had_surgery: b("history", "had_surgery"),
        hospitalized: b("history", "hospitalized"),
        referring_name: s("referring_doctor", "name"),
        referring_facility: s("referring_doctor", "facility"),
        recipient_name: s("recipient", "name"),
        recipient_facility: s("recipient", "facility"),
        recipient_fax: s("recipient", "fax"),
        primary_name: s("primary_doctor", "name"),
        questions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = "# my notes\n[patient]\nname = \"Ana Ruiz\"  # as on my card\ndate_of_birth = 1970-01-02\n\n[history]\nhad_surgery = true    # the operation\n\n# overrides\n[[documents]]\npath = \"a.pdf\"\nkind = \"other\" # unsure\n";

    #[test]
    fn dates_that_read_two_ways_and_a_birth_in_the_future_are_refused_and_nothing_is_saved() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(CONFIG_NAME);
        std::fs::write(&path, COMMENTED).expect("write");
        let words = crate::base::i18n::Lang::En.messages();
        let mut d = read_details(COMMENTED);
        d.dob = "12/04/1968".into();
        let files = [FileEdit {
            path: "a.pdf".into(),
            kind: "other".into(),
            date: "03/04/2025".into(),
            shown_kind: "other".into(),
            shown_date: String::new(),
        }];
        let errors = save_to(dir.path(), &d, &files, words).expect_err("refused");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("\"12/04/1968\" reads as two dates, 1968-12-04 (month first) or 1968-04-12 (day first)"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("a.pdf")
                && errors[1].contains("2025-03-04 (month first) or 2025-04-03 (day first)"),
            "{errors:?}"
        );
        d.dob = "2090-01-01".into();
        let errors = save_to(dir.path(), &d, &files[..0], words).expect_err("refused");
        assert!(errors[0].contains("is in the future"), "{errors:?}");
        // One reading only: saved as YYYY-MM-DD.
        d.dob = "12/31/1968".into();
        assert_eq!(save_to(dir.path(), &d, &files[..0], words), Ok(true));
        let saved = std::fs::read_to_string(&path).expect("read");
        assert!(saved.contains("date_of_birth = 1968-12-31"), "{saved}");
    }

    #[test]
    fn unchanged_form_leaves_the_text_alone() {
        let d = read_details(COMMENTED);
        let files = [FileEdit {
            path: "a.pdf".into(),
            kind: "other".into(),
            date: String::new(),
            shown_kind: "other".into(),
            shown_date: String::new(),
        }];
        assert_eq!(apply(COMMENTED, &d, &files).expect("applies"), COMMENTED);
    }

    #[test]
    fn changes_keep_comments_and_add_what_is_new() {
        let mut d = read_details(COMMENTED);
        d.name = "Ana María Ruiz".into();
        d.dob = "1970-01-03".into();
        d.diagnosis = "Myasthenia gravis".into();
        d.had_surgery = false;
        d.questions = "First?\n\nSecond?".into();
        let files = [
            FileEdit {
                path: "a.pdf".into(),
                kind: "lab-results".into(),
                date: "2025-03-14".into(),
                shown_kind: "other".into(),
                shown_date: String::new(),
            },
            FileEdit {
                path: "sub/b.pdf".into(),
                kind: "imaging-report".into(),
                date: String::new(),
                shown_kind: "other".into(),
                shown_date: String::new(),
            },
        ];
        let out = apply(COMMENTED, &d, &files).expect("applies");
        for kept in [
            "# my notes",
            "# as on my card",
            "# the operation",
            "# overrides",
            "# unsure",
        ] {
            assert!(out.contains(kept), "{kept} lost:\n{out}");
        }
        assert!(
            out.contains("name = \"Ana María Ruiz\"  # as on my card"),
            "{out}"
        );
        assert!(out.contains("date_of_birth = 1970-01-03\n"), "{out}");
        assert!(
            out.contains("had_surgery = false    # the operation"),
            "{out}"
        );
        assert!(out.contains("kind = \"lab-results\" # unsure"), "{out}");
        let cfg = PacketConfig::parse(&out, Path::new("packet.toml")).expect("valid");
        assert_eq!(cfg.diagnosis.summary.as_deref(), Some("Myasthenia gravis"));
        assert_eq!(cfg.request.questions, ["First?", "Second?"]);
        let b = cfg.document("sub/b.pdf").expect("new entry");
        assert_eq!(b.kind, Some(Kind::ImagingReport));
        assert_eq!(b.date, None);
        assert_eq!(
            cfg.document("a.pdf")
                .and_then(|a| a.date)
                .map(|d| d.to_string()),
            Some("2025-03-14".into())
        );
        assert_eq!(read_details(&out).questions, "First?\nSecond?");
    }

    #[test]
    fn a_new_file_starts_with_a_comment() {
        let d = Details {
            name: "Ana Ruiz".into(),
            ..Details::default()
        };
        let out = apply("", &d, &[]).expect("applies");
        assert!(out.starts_with("# packet.toml"), "{out}");
        assert!(out.contains("[patient]\nname = \"Ana Ruiz\"\n"), "{out}");
        assert!(!out.contains("[request]"), "no empty tables: {out}");
    }
}
