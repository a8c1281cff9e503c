//! Records requests: a holder of records, what to ask it for and the patient's details
//! turn into a request letter (minijinja, templates/request_letter.txt and
//! templates/<lang>/request_letter.txt) and that letter into a PDF, with a fax cover first
//! when the holder has a fax number.

use crate::base::config::{Contact, Held, Holder, PacketConfig};
use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::base::i18n::Lang;
use crate::base::layout::Paper;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;

const TEMPLATE_EN: &str = include_str!("../../templates/request_letter.txt");
const TEMPLATE_ES: &str = include_str!("../../templates/es/request_letter.txt");

/// How long a request stays valid: the letter says it expires this many days after its date.
pub const VALID_DAYS: i64 = 180;

/// One thing a letter asks a holder for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub held: Held,
    /// The first day of the period asked for; None: all dates.
    pub since: Option<NaiveDate>,
    /// The records in the folder that name what is meant (for slides, the pathology
    /// reports of the specimens; for imaging, the reports of the studies): date and title.
    pub named: Vec<(Option<NaiveDate>, String)>,
}

/// Where the holder is asked to send the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendTo {
    /// To the patient.
    #[default]
    Me,
    /// Straight to the second-opinion doctor of `[recipient]`.
    Doctor,
}

/// Everything one request letter says.
pub struct RequestLetter<'a> {
    pub config: &'a PacketConfig,
    pub holder: &'a Holder,
    pub asks: &'a [Ask],
    /// The letter's date.
    pub date: NaiveDate,
    pub send_to: SendTo,
    pub lang: Lang,
}

#[derive(Serialize)]
struct PersonCtx {
    name: String,
    date_of_birth: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

#[derive(Serialize)]
struct HolderCtx {
    name: String,
    department: String,
    address: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    email: Option<String>,
}

#[derive(Serialize)]
struct AskCtx {
    /// `slides`, `imaging` or a document kind.
    what: &'static str,
    /// The kind's plural heading in the letter's language ("Pathology reports").
    label: String,
    since: Option<String>,
    named: Vec<String>,
}

#[derive(Serialize)]
struct DeliverCtx {
    /// "me" or "doctor".
    who: &'static str,
    headline: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    email: Option<String>,
}

#[derive(Serialize)]
struct Ctx {
    date: String,
    expires: String,
    valid_days: i64,
    patient: PersonCtx,
    mrn: Option<String>,
    holder: HolderCtx,
    records: Vec<AskCtx>,
    deliver: DeliverCtx,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The shipped template of a language, and its path for messages.
fn template(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => (TEMPLATE_EN, "templates/request_letter.txt"),
        Lang::Es => (TEMPLATE_ES, "templates/es/request_letter.txt"),
    }
}

/// The letter's text.
pub fn request_text(r: &RequestLetter<'_>) -> Result<String> {
    let t = r.lang.messages();
    let cfg = r.config;
    let p = &cfg.patient;
    let h = r.holder;
    let deliver = match r.send_to {
        SendTo::Me => DeliverCtx {
            who: "me",
            headline: Some(p.name.trim().to_string()),
            address: nonempty(&p.address),
            phone: nonempty(&p.phone),
            fax: None,
            email: nonempty(&p.email),
        },
        SendTo::Doctor => {
            let d: &Contact = cfg
                .recipient
                .as_ref()
                .filter(|c| c.headline().is_some())
                .ok_or_else(|| Error::Config {
                    path: Path::new(crate::base::config::CONFIG_NAME).to_path_buf(),
                    message: "--send-to doctor needs the second-opinion doctor: add [recipient] with name, address and fax to packet.toml, or use --send-to me".into(),
                })?;
            DeliverCtx {
                who: "doctor",
                headline: d.headline(),
                address: nonempty(&d.address),
                phone: nonempty(&d.phone),
                fax: nonempty(&d.fax),
                email: nonempty(&d.email),
            }
        }
    };
    let records = r
        .asks
        .iter()
        .map(|a| AskCtx {
            what: match a.held {
                Held::Record(k) => k.as_str(),
                Held::Slides => "slides",
                Held::Imaging => "imaging",
            },
            label: match a.held {
                Held::Record(k) => t.section_title(k).to_string(),
                Held::Slides | Held::Imaging => String::new(),
            },
            since: a.since.map(|d| t.date_long(d)),
            named: a
                .named
                .iter()
                .map(|(d, title)| match d {
                    Some(d) => format!("{title}, {}", t.date_long(*d)),
                    None => title.clone(),
                })
                .collect(),
        })
        .collect();
    let ctx = Ctx {
        date: t.date_long(r.date),
        expires: t.date_long(r.date + chrono::Duration::days(VALID_DAYS)),
        valid_days: VALID_DAYS,
        patient: PersonCtx {
            name: p.name.trim().to_string(),
            date_of_birth: p.date_of_birth.map(|d| t.date_long(d)),
            address: nonempty(&p.address),
            phone: nonempty(&p.phone),
            email: nonempty(&p.email),
        },
        mrn: nonempty(&h.mrn),
        holder: HolderCtx {
            name: h.name.trim().to_string(),
            department: h.department.trim().to_string(),
            address: nonempty(&h.address),
            phone: nonempty(&h.phone),
            fax: nonempty(&h.fax),
            email: nonempty(&h.email),
        },
        records,
        deliver,
    };
    let (source, path) = template(r.lang);
    crate::write::letter::render_template(source, Path::new(path), &ctx, &[])
}

/// The letter as a PDF on Letter paper, after a fax cover when the holder has a fax.
pub fn request_pdf(
    r: &RequestLetter<'_>,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>> {
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let t = r.lang.messages();
    let letter = crate::write::letter::layout(m, Paper::Letter, text, r.lang);
    let mut pages = Vec::new();
    if nonempty(&r.holder.fax).is_some() {
        let p = &r.config.patient;
        let re = match p.date_of_birth {
            Some(d) => t.f(
                "request.fax_re",
                &[("name", p.name.trim()), ("dob", &t.date_short(d))],
            ),
            None => t.f("request.fax_re_no_dob", &[("name", p.name.trim())]),
        };
        let info = crate::render::fax::FaxInfo {
            config: r.config,
            date: r.date,
            total_pages: letter.len() as u32 + crate::render::fax::PAGES,
            send: None,
        };
        pages.extend(crate::render::fax::layout_to(
            m,
            t,
            &info,
            &r.holder.contact(),
            &re,
        ));
    }
    pages.extend(letter);
    let title = t.f(
        "request.title",
        &[
            ("name", r.config.patient.name.trim()),
            ("holder", r.holder.name.trim()),
        ],
    );
    crate::write::letter::pages_pdf(
        m,
        Paper::Letter,
        &pages,
        &title,
        r.config.patient.name.trim(),
        at,
    )
}

/// The letter's file name: `records-request-<holder>-<YYYY-MM-DD>.pdf`.
pub fn file_name(holder: &str, date: NaiveDate) -> String {
    let mut slug = String::new();
    for c in holder.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "holder" } else { slug };
    format!("records-request-{slug}-{date}.pdf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_slugs() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        assert_eq!(
            file_name("St. Mary's / Pathology ", d),
            "records-request-st-mary-s-pathology-2026-03-02.pdf"
        );
        assert_eq!(file_name("../", d), "records-request-holder-2026-03-02.pdf");
    }
}
