//! packet.toml edits: a value, a `[[requests]]` entry or a request's sent date turn into
//! the file's new text through toml_edit, so the patient's comments and layout stay.
//! The web page's Details form and `medpacket request` both edit through here.

use crate::base::config::ANSWER_DAYS;
use chrono::NaiveDate;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

/// Parses packet.toml's text for editing; the message says nothing was saved.
pub fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse().map_err(|e: toml_edit::TomlError| {
        format!(
            "packet.toml cannot be read ({}). Nothing was saved: correct it in a text editor, then try again.",
            e.message().trim()
        )
    })
}

/// `[table] key`, when the document has it.
pub fn current<'a>(doc: &'a DocumentMut, table: &str, key: &str) -> Option<&'a Item> {
    doc.get(table)?.as_table_like()?.get(key)
}

/// The table `name`, created (at the end) when missing.
pub fn table_mut<'a>(
    doc: &'a mut DocumentMut,
    name: &str,
) -> Result<&'a mut dyn TableLike, String> {
    if doc.get(name).is_none() {
        doc.insert(name, Item::Table(Table::new()));
    }
    doc.get_mut(name)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| {
            format!("[{name}] in packet.toml is not a table — correct it in a text editor.")
        })
}

/// Sets `[table] key` to a text, removes it when the text is empty, leaves it untouched
/// when it already says that.
pub fn put(doc: &mut DocumentMut, table: &str, key: &str, text: &str) -> Result<(), String> {
    let text = text.trim();
    let now = current(doc, table, key);
    if now.and_then(Item::as_str) == Some(text) || (now.is_none() && text.is_empty()) {
        return Ok(());
    }
    if text.is_empty() {
        table_mut(doc, table)?.remove(key);
        return Ok(());
    }
    put_value(doc, table, key, Value::from(text))
}

/// Like [`put`] for a date, kept as a TOML date when it was one.
pub fn put_date(doc: &mut DocumentMut, table: &str, key: &str, date: &str) -> Result<(), String> {
    let now = current(doc, table, key);
    if let Some(dt) = now.and_then(Item::as_datetime) {
        if dt.to_string() == date {
            return Ok(());
        }
        if let Ok(parsed) = date.parse::<toml_edit::Datetime>() {
            return put_value(doc, table, key, Value::from(parsed));
        }
    }
    put(doc, table, key, date)
}

/// Replaces a value, keeping the comment after it on its line.
pub fn put_value(
    doc: &mut DocumentMut,
    table: &str,
    key: &str,
    mut v: Value,
) -> Result<(), String> {
    let t = table_mut(doc, table)?;
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            *v.decor_mut() = old.decor().clone();
            *old = v;
        }
        _ => {
            t.insert(key, Item::Value(v));
        }
    }
    Ok(())
}

/// A date as a TOML date value (`2026-03-14`).
fn date_value(d: NaiveDate) -> Value {
    match d.to_string().parse::<toml_edit::Datetime>() {
        Ok(dt) => Value::from(dt),
        Err(_) => Value::from(d.to_string()),
    }
}

/// The `[[name]]` list, created at the end when missing.
fn list_mut<'a>(doc: &'a mut DocumentMut, name: &str) -> Result<&'a mut ArrayOfTables, String> {
    if doc.get(name).is_none() {
        doc.insert(name, Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc.get_mut(name)
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| {
            format!("packet.toml lists its {name} in a form medpacket cannot change — write each as a [[{name}]] table in a text editor.")
        })
}

/// Removes the `[[documents]]` entries of `rel` (a file moved out of the folder): the
/// other entries, values and comments stay; a comment above a removed entry moves onto
/// the entry after it. None: packet.toml has no entry for that file.
pub fn drop_document(text: &str, rel: &str) -> Result<Option<String>, String> {
    let mut doc = parse(text)?;
    let want = crate::base::config::normalize_rel(rel);
    let Some(list) = doc
        .get_mut("documents")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Ok(None);
    };
    let mut removed = false;
    let mut carried = String::new();
    let mut i = 0;
    while i < list.len() {
        let matches = list.get(i).is_some_and(|t| {
            t.get("path")
                .and_then(Item::as_str)
                .map(crate::base::config::normalize_rel)
                == Some(want.clone())
        });
        if matches {
            if let Some(t) = list.get(i) {
                let prefix = t
                    .decor()
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or_default();
                if prefix.contains('#') {
                    carried.push_str(prefix);
                }
            }
            list.remove(i);
            removed = true;
            continue;
        }
        if !carried.is_empty() {
            if let Some(t) = list.get_mut(i) {
                let own = t
                    .decor()
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or_default()
                    .to_string();
                t.decor_mut().set_prefix(format!("{carried}{own}"));
                carried.clear();
            }
        }
        i += 1;
    }
    if !removed {
        return Ok(None);
    }
    if list.is_empty() {
        doc.remove("documents");
    }
    let mut out = doc.to_string();
    if !carried.is_empty() {
        // The last entry went: its comment stays, at the end of the file.
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(carried.trim_start_matches('\n'));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(Some(out))
}

/// Adds a `[[requests]]` entry: the holder, the kinds asked for and the day the letter was
/// written (sent, due and received are set later).
pub fn add_request(
    text: &str,
    holder: &str,
    kinds: &[&str],
    written: NaiveDate,
) -> Result<String, String> {
    let mut doc = parse(text)?;
    let list = list_mut(&mut doc, "requests")?;
    let mut t = Table::new();
    if list.is_empty() {
        t.decor_mut().set_prefix(
            "\n# Records requests `medpacket request` wrote. Set sent = YYYY-MM-DD when you send one\n# (or run `medpacket request DIR --mark-sent \"HOLDER\"`); due is 30 days later.\n# Set received = YYYY-MM-DD when the records come.\n",
        );
    } else {
        t.decor_mut().set_prefix("\n");
    }
    t.insert("holder", Item::Value(Value::from(holder)));
    let mut a = Array::new();
    for k in kinds {
        a.push(*k);
    }
    t.insert("kinds", Item::Value(Value::Array(a)));
    t.insert("written", Item::Value(date_value(written)));
    list.push(t);
    Ok(doc.to_string())
}

/// Marks the latest unsent `[[requests]]` entry of `holder` as sent on `day`, due 30 days
/// later. Returns the new text and the due date.
pub fn mark_sent(text: &str, holder: &str, day: NaiveDate) -> Result<(String, NaiveDate), String> {
    let mut doc = parse(text)?;
    let want = holder.trim().to_lowercase();
    let list = match doc.get_mut("requests").and_then(Item::as_array_of_tables_mut) {
        Some(l) => l,
        None => {
            return Err(format!(
                "packet.toml has no [[requests]] entry — write a letter first with `medpacket request DIR --holder \"{holder}\"`"
            ))
        }
    };
    let mut of_holder = 0;
    let mut found = None;
    for (i, t) in list.iter().enumerate() {
        let name = t.get("holder").and_then(Item::as_str).unwrap_or("");
        if name.trim().to_lowercase() == want {
            of_holder += 1;
            if !t.contains_key("sent") {
                found = Some(i);
            }
        }
    }
    let Some(i) = found else {
        return Err(if of_holder == 0 {
            format!("no [[requests]] entry names \"{holder}\" — check the spelling, or write a letter first with `medpacket request DIR --holder \"{holder}\"`")
        } else {
            format!("every request to \"{holder}\" is already marked as sent — change its sent date in packet.toml if it is wrong")
        });
    };
    let due = day + chrono::Duration::days(ANSWER_DAYS);
    if let Some(t) = list.get_mut(i) {
        t.insert("sent", Item::Value(date_value(day)));
        t.insert("due", Item::Value(date_value(due)));
    }
    Ok((doc.to_string(), due))
}

/// A new `[[holders]]` entry as the web page's form gives it (empty values are left out).
#[derive(Debug, Clone, Default)]
pub struct NewHolder {
    pub name: String,
    pub department: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub mrn: String,
    pub kinds: Vec<String>,
}

/// Adds a `[[holders]]` entry at the end of the holders (or of the file).
pub fn add_holder(text: &str, h: &NewHolder) -> Result<String, String> {
    let mut doc = parse(text)?;
    let list = list_mut(&mut doc, "holders")?;
    let mut t = Table::new();
    t.decor_mut().set_prefix(if list.is_empty() {
        "\n# Who holds which records, for `medpacket request`.\n"
    } else {
        "\n"
    });
    for (key, v) in [
        ("name", &h.name),
        ("department", &h.department),
        ("address", &h.address),
        ("phone", &h.phone),
        ("fax", &h.fax),
        ("email", &h.email),
        ("mrn", &h.mrn),
    ] {
        let v = v.trim();
        if !v.is_empty() {
            t.insert(key, Item::Value(Value::from(v)));
        }
    }
    let mut a = Array::new();
    for k in &h.kinds {
        a.push(k.as_str());
    }
    t.insert("kinds", Item::Value(Value::Array(a)));
    list.push(t);
    Ok(doc.to_string())
}

/// Changes the `[[holders]]` entry named `original` to what the form gives: values set
/// in place (their comments kept), emptied ones removed, the department left out while it
/// is the default and was not written.
pub fn update_holder(text: &str, original: &str, h: &NewHolder) -> Result<String, String> {
    let mut doc = parse(text)?;
    let want = original.trim().to_lowercase();
    let list = doc
        .get_mut("holders")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| format!("packet.toml has no [[holders]] entry named \"{original}\" any more — reload the page"))?;
    let entry = list
        .iter_mut()
        .find(|t| {
            t.get("name")
                .and_then(Item::as_str)
                .is_some_and(|n| n.trim().to_lowercase() == want)
        })
        .ok_or_else(|| format!("packet.toml has no [[holders]] entry named \"{original}\" any more — reload the page"))?;
    let set = |entry: &mut Table, key: &str, v: Value| {
        if let Some(Item::Value(old)) = entry.get_mut(key) {
            let mut v = v;
            *v.decor_mut() = old.decor().clone();
            *old = v;
        } else {
            entry.insert(key, Item::Value(v));
        }
    };
    for (key, v) in [
        ("name", &h.name),
        ("department", &h.department),
        ("address", &h.address),
        ("phone", &h.phone),
        ("fax", &h.fax),
        ("email", &h.email),
        ("mrn", &h.mrn),
    ] {
        let v = v.trim();
        if entry.get(key).and_then(Item::as_str) == Some(v) {
            continue;
        }
        let default_department = key == "department"
            && v == crate::base::config::DEFAULT_DEPARTMENT
            && !entry.contains_key(key);
        if v.is_empty() || default_department {
            if key != "name" {
                entry.remove(key);
            }
            continue;
        }
        set(entry, key, Value::from(v));
    }
    let now: Vec<&str> = entry
        .get("kinds")
        .and_then(Item::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if now != h.kinds.iter().map(String::as_str).collect::<Vec<_>>() {
        let mut a = Array::new();
        for k in &h.kinds {
            a.push(k.as_str());
        }
        set(entry, "kinds", Value::Array(a));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_removed_files_entry_goes_and_the_comments_stay() {
        let text = "# mine\n[patient]\nname = \"Ana Ruiz\"\n\n# the biopsy\n[[documents]]\npath = \"./path.pdf\" # from Riverside\nkind = \"pathology-report\"\n\n[[documents]]\npath = \"ct.pdf\"\ndate = 2025-01-02 # the scan day\n";
        let out = drop_document(text, "path.pdf")
            .expect("edits")
            .expect("an entry");
        assert!(!out.contains("path.pdf"), "{out}");
        assert!(
            out.contains("# mine") && out.contains("# the biopsy"),
            "{out}"
        );
        assert!(out.contains("date = 2025-01-02 # the scan day"), "{out}");
        let cfg =
            crate::base::config::PacketConfig::parse(&out, std::path::Path::new("packet.toml"))
                .expect("still valid");
        assert_eq!(cfg.documents.len(), 1);
        assert_eq!(drop_document(&out, "path.pdf").expect("reads"), None);
        let last = drop_document(&out, "ct.pdf")
            .expect("edits")
            .expect("an entry");
        assert!(
            !last.contains("[[documents]]") && last.contains("# the biopsy"),
            "{last}"
        );
        crate::base::config::PacketConfig::parse(&last, std::path::Path::new("packet.toml"))
            .expect("still valid");
        assert!(drop_document("[patient\n", "a.pdf").is_err());
    }

    #[test]
    fn requests_are_added_and_marked_sent_keeping_comments() {
        let text = "# mine\n[patient]\nname = \"Ana Ruiz\" # as on my card\n";
        let once = add_request(
            text,
            "Riverside Hospital",
            &["pathology-report", "slides"],
            day("2026-03-02"),
        )
        .expect("added");
        let twice =
            add_request(&once, "Valley Imaging", &["imaging"], day("2026-03-02")).expect("added");
        assert!(twice.starts_with(text), "{twice}");
        let cfg =
            crate::base::config::PacketConfig::parse(&twice, std::path::Path::new("packet.toml"))
                .expect("valid");
        assert_eq!(cfg.requests.len(), 2);

        let commented = "[patient]\nname = \"A\"\n[[holders]]\nname = \"Lab\"  # the lab\nphone = \"1\"  # main desk\nfax = \"2\"\nkinds = [\"slides\"]\n";
        let same = NewHolder {
            name: "Lab".into(),
            department: "Health Information Management".into(),
            phone: "1".into(),
            fax: "2".into(),
            kinds: vec!["slides".into()],
            ..NewHolder::default()
        };
        assert_eq!(
            update_holder(commented, "lab", &same).expect("same"),
            commented
        );
        let changed = NewHolder {
            phone: "3".into(),
            fax: String::new(),
            email: "lab@example.org".into(),
            kinds: vec!["slides".into(), "pathology-report".into()],
            ..same
        };
        let out = update_holder(commented, "Lab", &changed).expect("changed");
        assert!(
            out.contains("name = \"Lab\"  # the lab\nphone = \"3\"  # main desk\n"),
            "{out}"
        );
        assert!(!out.contains("fax") && !out.contains("department"), "{out}");
        assert!(
            out.contains("kinds = [\"slides\", \"pathology-report\"]"),
            "{out}"
        );
        assert!(out.contains("email = \"lab@example.org\""), "{out}");
        assert!(update_holder(commented, "Other", &changed).is_err());
        assert_eq!(cfg.requests[0].kinds.len(), 2);
        assert_eq!(cfg.requests[0].sent, None);
        let (sent, due) =
            mark_sent(&twice, "riverside hospital", day("2026-03-05")).expect("marked");
        assert_eq!(due, day("2026-04-04"));
        let cfg =
            crate::base::config::PacketConfig::parse(&sent, std::path::Path::new("packet.toml"))
                .expect("valid");
        assert_eq!(cfg.requests[0].sent, Some(day("2026-03-05")));
        assert_eq!(cfg.requests[0].due_date(), Some(day("2026-04-04")));
        assert_eq!(cfg.requests[1].sent, None);
        assert!(sent.contains("# as on my card"));
        let again =
            mark_sent(&sent, "Riverside Hospital", day("2026-03-06")).expect_err("all sent");
        assert!(again.contains("already marked as sent"), "{again}");
        let none = mark_sent(&sent, "Nowhere Clinic", day("2026-03-06")).expect_err("no such");
        let with_holder = add_holder(
            &sent,
            &NewHolder {
                name: "Valley Imaging".into(),
                email: "r@valley.example".into(),
                kinds: vec!["imaging".into()],
                ..NewHolder::default()
            },
        )
        .expect("holder added");
        let cfg = crate::base::config::PacketConfig::parse(
            &with_holder,
            std::path::Path::new("packet.toml"),
        )
        .expect("valid");
        assert_eq!(cfg.holders.len(), 1);
        assert_eq!(cfg.holders[0].department, "Health Information Management");
        assert!(cfg.holders[0].fax.is_none());
        assert_eq!(cfg.requests.len(), 2);
        assert!(none.contains("no [[requests]] entry names"), "{none}");
    }
}
