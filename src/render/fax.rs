//! Fax cover: the date, the sender (the patient) and the recipient with their phone and
//! fax numbers, the total page count and a confidentiality notice turn into the one page
//! that goes first when the packet is faxed.

use crate::base::config::{Contact, PacketConfig};
use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{Flow, PageLayout, Paper, BODY, HEADING, SMALL};
use chrono::NaiveDate;

/// The fax cover is always one page.
pub const PAGES: u32 = 1;

pub struct FaxInfo<'a> {
    pub config: &'a PacketConfig,
    pub date: NaiveDate,
    /// Pages of the whole fax, this cover included.
    pub total_pages: u32,
    /// When the packet goes in several sends: this send's place, "2 of 3 — pages 99–196
    /// of 250".
    pub send: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Laid out on Letter paper, the fax machine's paper: to the second-opinion doctor
/// (`[recipient]`), about the patient's records.
pub fn layout(m: &Metrics, t: &Messages, info: &FaxInfo<'_>) -> Vec<PageLayout> {
    let p = &info.config.patient;
    let re = match p.date_of_birth {
        Some(d) => t.f(
            "fax.re_value",
            &[("name", p.name.trim()), ("dob", &t.date_short(d))],
        ),
        None => t.f("fax.re_value_no_dob", &[("name", p.name.trim())]),
    };
    let to = info.config.recipient.clone().unwrap_or_default();
    layout_to(m, t, info, &to, &re)
}

/// The fax cover to any addressee (a records holder, say) with its own subject line.
pub fn layout_to(
    m: &Metrics,
    t: &Messages,
    info: &FaxInfo<'_>,
    to: &Contact,
    re: &str,
) -> Vec<PageLayout> {
    let cfg = info.config;
    let p = &cfg.patient;
    let missing = t.t("fax.not_given");
    let mut f = Flow::new(m, Paper::Letter);
    f.text_line(
        crate::base::layout::MARGIN,
        t.t("fax.title"),
        28.0,
        true,
        0.0,
    );
    f.space(8.0);
    f.field(t.t("fax.date"), &t.date_long(info.date));
    f.field(
        t.t("fax.pages"),
        &t.f("fax.pages_value", &[("n", &info.total_pages.to_string())]),
    );
    if let Some(send) = &info.send {
        f.field(t.t("fax.send"), send);
    }
    f.field(t.t("fax.re"), re);

    f.heading(t.t("fax.to"));
    let headline = Contact::headline(to).unwrap_or_else(|| missing.to_string());
    f.field(t.t("cover.name"), &headline);
    f.field(t.t("fax.fax"), nonempty(&to.fax).unwrap_or(missing));
    f.field(t.t("fax.phone"), nonempty(&to.phone).unwrap_or(missing));

    f.heading(t.t("fax.from"));
    f.field(t.t("cover.name"), p.name.trim());
    f.field(t.t("fax.phone"), nonempty(&p.phone).unwrap_or(missing));
    if let Some(e) = nonempty(&p.email) {
        f.field(t.t("contact.email"), e);
    }
    if let Some(a) = nonempty(&p.address) {
        f.field(t.t("cover.address"), a);
    }

    f.space(14.0);
    f.text_line(
        crate::base::layout::MARGIN,
        t.t("fax.notice_title"),
        HEADING,
        true,
        0.0,
    );
    f.paragraph(t.t("fax.notice"), BODY, false, 0.0);
    f.space(4.0);
    f.paragraph(t.t("cover.kicker"), SMALL, false, 0.0);
    f.finish()
}
