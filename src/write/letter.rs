//! Cover letter: the inventory and packet.toml turn into a letter from the patient to the
//! second-opinion doctor, written from a minijinja template (templates/cover_letter.txt,
//! templates/<lang>/cover_letter.txt, or the user's own), as plain UTF-8 text or as a PDF
//! in the packet's font.

use crate::base::config::{Contact, PacketConfig};
use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::i18n::Lang;
use crate::base::kind::Kind;
use crate::base::layout::{Flow, PageLayout, Paper, BODY};
use crate::read::scan::Inventory;
use serde::Serialize;
use std::path::Path;

/// The letter template shipped with medpacket (English).
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/cover_letter.txt");
const TEMPLATE_ES: &str = include_str!("../../templates/es/cover_letter.txt");

/// The shipped letter template of a language, and its path for messages.
pub fn default_template(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => (DEFAULT_TEMPLATE, "templates/cover_letter.txt"),
        Lang::Es => (TEMPLATE_ES, "templates/es/cover_letter.txt"),
    }
}

#[derive(Serialize, Default)]
struct ContactCtx {
    name: Option<String>,
    facility: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    email: Option<String>,
    headline: Option<String>,
}

impl From<&Contact> for ContactCtx {
    fn from(c: &Contact) -> Self {
        ContactCtx {
            name: c.name.clone(),
            facility: c.facility.clone(),
            address: c.address.clone(),
            phone: c.phone.clone(),
            fax: c.fax.clone(),
            email: c.email.clone(),
            headline: c.headline(),
        }
    }
}

#[derive(Serialize)]
struct PatientCtx {
    name: String,
    date_of_birth: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    mrn: Option<String>,
}

#[derive(Serialize, Clone)]
struct RecordCtx {
    kind: Kind,
    kind_label: String,
    date: Option<String>,
    title: String,
    path: String,
}

#[derive(Serialize)]
struct SectionCtx {
    title: String,
    records: Vec<RecordCtx>,
}

#[derive(Serialize)]
struct LetterCtx {
    date: String,
    patient: PatientCtx,
    recipient: Option<ContactCtx>,
    referring_doctor: Option<ContactCtx>,
    primary_doctor: Option<ContactCtx>,
    diagnosis: Option<String>,
    reason: Option<String>,
    records: Vec<RecordCtx>,
    sections: Vec<SectionCtx>,
    questions: Vec<String>,
    contact: Vec<String>,
    /// The studies of the folder's imaging discs, whose images go separately.
    imaging: Vec<StudyCtx>,
}

#[derive(Serialize)]
struct StudyCtx {
    date: String,
    modalities: String,
    description: String,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The letter's text. `template` is the user's template text (None: the shipped one);
/// `template_path` names it in error messages.
pub fn letter_text(
    inv: &Inventory,
    cfg: &PacketConfig,
    today: chrono::NaiveDate,
    template: Option<(&str, &Path)>,
    lang: Lang,
) -> Result<String> {
    let t = lang.messages();
    let records: Vec<RecordCtx> = crate::plan::packet_order(inv)
        .into_iter()
        .filter_map(|i| inv.files.get(i))
        .map(|f| RecordCtx {
            kind: f.classified.kind,
            kind_label: t.kind_label(f.classified.kind).to_string(),
            date: f.classified.date.map(|d| t.date_short(d)),
            title: if f.classified.title.trim().is_empty()
                || f.classified.title == f.classified.kind.label()
            {
                t.kind_label(f.classified.kind).to_string()
            } else {
                f.classified.title.clone()
            },
            path: f.rel.clone(),
        })
        .collect();
    let sections = Kind::ALL
        .iter()
        .filter_map(|&k| {
            let rs: Vec<RecordCtx> = records.iter().filter(|r| r.kind == k).cloned().collect();
            (!rs.is_empty()).then_some(SectionCtx {
                title: t.section_title(k).to_string(),
                records: rs,
            })
        })
        .collect();
    let p = &cfg.patient;
    let mut contact = Vec::new();
    if let Some(v) = nonempty(&p.phone) {
        contact.push(t.f("letter.by_phone", &[("v", &v)]));
    }
    if let Some(v) = nonempty(&p.email) {
        contact.push(t.f("letter.by_email", &[("v", &v)]));
    }
    if let Some(v) = nonempty(&p.address) {
        contact.push(t.f("letter.by_post", &[("v", &v)]));
    }
    let ctx = LetterCtx {
        date: t.date_long(today),
        patient: PatientCtx {
            name: p.name.trim().to_string(),
            date_of_birth: p.date_of_birth.map(|d| t.date_short(d)),
            phone: nonempty(&p.phone),
            email: nonempty(&p.email),
            address: nonempty(&p.address),
            mrn: nonempty(&p.mrn),
        },
        recipient: cfg.recipient.as_ref().map(ContactCtx::from),
        referring_doctor: cfg.referring_doctor.as_ref().map(ContactCtx::from),
        primary_doctor: cfg.primary_doctor.as_ref().map(ContactCtx::from),
        diagnosis: nonempty(&cfg.diagnosis.summary),
        reason: nonempty(&cfg.request.reason),
        records,
        sections,
        questions: cfg
            .request
            .questions
            .iter()
            .filter(|q| !q.trim().is_empty())
            .cloned()
            .collect(),
        contact,
        imaging: inv
            .imaging
            .iter()
            .map(|s| StudyCtx {
                date: s.date.clone(),
                modalities: s.modalities.join(", "),
                description: s.description.clone(),
            })
            .collect(),
    };
    let (source, path) = match template {
        Some((t, p)) => (t, p.to_path_buf()),
        None => {
            let (text, name) = default_template(lang);
            (text, Path::new(name).to_path_buf())
        }
    };
    // A doctor packet.toml does not name is none, but a template may still ask for
    // their fields (inside `{% if recipient %}`).
    let contact = serde_json::to_value(ContactCtx::default()).unwrap_or_default();
    let shapes = ["recipient", "referring_doctor", "primary_doctor"].map(|k| (k, contact.clone()));
    render_template(source, &path, &ctx, &shapes)
}

/// A letter template (minijinja, blocks trimmed) filled from `ctx`, with at most one
/// blank line in a row and a final newline. Errors name `path` and the template's line.
/// A name the template uses that `ctx` does not have (a misspelt `{{ patient.nmae }}`)
/// is an error, not a blank in the letter; `shapes` give the fields of those of `ctx`'s
/// values that may be absent (a doctor packet.toml does not name).
pub fn render_template<C: Serialize>(
    source: &str,
    path: &Path,
    ctx: &C,
    shapes: &[(&str, serde_json::Value)],
) -> Result<String> {
    let mut env = minijinja::Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| Error::Internal(format!("template syntax: {e}")))?;
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    let describe = |e: minijinja::Error| Error::Config {
        path: path.to_path_buf(),
        message: match e.line() {
            Some(l) => format!("line {l}: {e} — fix the template"),
            None => format!("{e} — fix the template"),
        },
    };
    env.add_template("letter", source).map_err(describe)?;
    let tmpl = env.get_template("letter").map_err(describe)?;
    let known = serde_json::to_value(ctx).map_err(|e| Error::Internal(format!("letter: {e}")))?;
    let globals: Vec<&str> = env.globals().map(|(name, _)| name).collect();
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(true)
        .into_iter()
        .filter(|name| !globals.contains(&name.split('.').next().unwrap_or("")))
        .filter(|name| !names_a_field(&known, shapes, name))
        .collect();
    unknown.sort();
    if let Some(name) = unknown.first() {
        let at = source
            .lines()
            .position(|l| l.contains(name.as_str()))
            .map(|i| format!("line {}: ", i + 1))
            .unwrap_or_default();
        let mut fields: Vec<String> = Vec::new();
        if let serde_json::Value::Object(top) = &known {
            for (k, v) in top {
                match shape_of(k, v, shapes) {
                    Some(serde_json::Value::Object(inner)) => {
                        fields.extend(inner.keys().map(|f| format!("{k}.{f}")))
                    }
                    _ => fields.push(k.clone()),
                }
            }
        }
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: format!(
                "{at}{{{{ {name} }}}} names nothing the letter knows (a misspelling?) — use one of: {}",
                fields.join(", ")
            ),
        });
    }
    let text = tmpl
        .render(minijinja::value::Value::from(minijinja::value::Serde(ctx)))
        .map_err(describe)?;
    // At most one blank line in a row, and a final newline.
    let mut out = String::new();
    let mut blank = 0;
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Whether `name` ("patient.name", "records") is a value of `known` (a context as JSON),
/// where an absent value's fields are those `shapes` gives. Only the first two parts are
/// checked: a loop's item or a list's element is the template's own.
fn names_a_field(
    known: &serde_json::Value,
    shapes: &[(&str, serde_json::Value)],
    name: &str,
) -> bool {
    let mut parts = name.split('.');
    let top = parts.next().unwrap_or("");
    let Some(value) = known.get(top) else {
        return false;
    };
    let Some(field) = parts.next() else {
        return true;
    };
    match shape_of(top, value, shapes) {
        Some(serde_json::Value::Object(fields)) => fields.contains_key(field),
        // An absent value of no known shape, or a list's or a text's own attributes
        // (records.length): for minijinja to say.
        _ => true,
    }
}

/// What the context's value `key` holds: the value itself, or for an absent one (null)
/// the shape `shapes` gives it, if any.
fn shape_of<'v>(
    key: &str,
    value: &'v serde_json::Value,
    shapes: &'v [(&str, serde_json::Value)],
) -> Option<&'v serde_json::Value> {
    match value {
        serde_json::Value::Null => shapes.iter().find(|(k, _)| *k == key).map(|(_, s)| s),
        v => Some(v),
    }
}

/// The letter's pages: each line of the text, wrapped, with its leading spaces kept; the
/// subject line (after the language's "Re: ") in bold.
pub fn layout(m: &Metrics, paper: Paper, text: &str, lang: Lang) -> Vec<PageLayout> {
    let subject = lang.messages().t("letter.subject_prefix");
    let mut f = Flow::new(m, paper);
    for line in text.lines() {
        if line.trim().is_empty() {
            f.space(BODY * 0.9);
            continue;
        }
        let indent_chars = line.len() - line.trim_start().len();
        let indent = (indent_chars as f32 * m.width(" ", BODY)).min(120.0);
        let bold = line.starts_with(subject);
        f.paragraph(line.trim_start(), BODY + 0.5, bold, indent);
    }
    f.finish()
}

/// The letter as a PDF in the packet's embedded font.
pub fn letter_pdf(
    text: &str,
    paper: Paper,
    patient: &str,
    at: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> Result<Vec<u8>> {
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let pages = layout(m, paper, text, lang);
    let title = lang.messages().f("info.letter_title", &[("name", patient)]);
    pages_pdf(m, paper, &pages, &title, patient, at)
}

/// Laid-out pages as a PDF whose document info names its title and author.
pub fn pages_pdf(
    m: &Metrics,
    paper: Paper,
    pages: &[PageLayout],
    title: &str,
    author: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>> {
    let version = format!("medpacket {}", env!("CARGO_PKG_VERSION"));
    let mut info = lopdf::Dictionary::new();
    info.set("Title", crate::write::stamp::text(title));
    info.set("Author", crate::write::stamp::text(author));
    info.set("Creator", crate::write::stamp::text(&version));
    info.set("Producer", crate::write::stamp::text(&version));
    info.set("CreationDate", crate::write::stamp::pdf_date(at));
    info.set("ModDate", crate::write::stamp::pdf_date(at));
    crate::write::paint::pdf_from_layouts(m, paper, pages, info)
}
