//! Records requests, for `check` and `request`: the verdict, the to-do list and
//! `[[holders]]` turn into what each holder is asked for (kinds, date range, the
//! specimens and studies meant), and the `[[requests]]` entries with the folder and a
//! day turn into where each request stands (not sent, open, overdue, answered).

use crate::base::config::{Held, Holder, PacketConfig, TrackedRequest};
use crate::base::kind::Kind;
use crate::read::scan::Inventory;
use crate::write::request::Ask;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The to-do items that make slides and imaging worth asking for.
const SLIDES_TODO: &str = "pathology-slides";
const IMAGING_TODO: &str = "imaging";

/// What the folder still wants from records holders: the missing required and recommended
/// kinds, and the slides and imaging when the to-do list asks for them.
pub fn wanted(missing: &[Kind], todo_ids: &[&str]) -> Vec<Held> {
    let mut out: Vec<Held> = missing.iter().map(|k| Held::Record(*k)).collect();
    let todo = |id: &str| todo_ids.contains(&id);
    if todo(SLIDES_TODO) {
        out.push(Held::Slides);
    }
    if todo(IMAGING_TODO) {
        out.push(Held::Imaging);
    }
    out.sort();
    out.dedup();
    out
}

/// The first day a letter asks for: 1 January of the year of the oldest dated record in
/// the folder (the illness began around then); None (all dates) when nothing is dated.
pub fn since(inv: &Inventory) -> Option<NaiveDate> {
    inv.included()
        .filter_map(|f| f.classified.date)
        .min()
        .and_then(|d| NaiveDate::from_ymd_opt(d.year(), 1, 1))
}

/// The records in the folder of one kind, as (date, title), oldest first.
fn named(inv: &Inventory, kind: Kind) -> Vec<(Option<NaiveDate>, String)> {
    let mut out: Vec<(Option<NaiveDate>, String)> = inv
        .included()
        .filter(|f| f.classified.kind == kind)
        .map(|f| {
            let title = if f.classified.title.trim().is_empty() {
                f.rel.clone()
            } else {
                f.classified.title.trim().to_string()
            };
            (f.classified.date, title)
        })
        .collect();
    out.sort();
    out
}

/// What to ask one holder for: what it holds of what the folder wants.
pub fn asks_for(holder: &Holder, wanted: &[Held], inv: &Inventory) -> Vec<Ask> {
    let since = since(inv);
    let mut held: Vec<Held> = holder
        .kinds
        .iter()
        .copied()
        .filter(|h| wanted.contains(h))
        .collect();
    held.sort();
    held.into_iter()
        .map(|h| Ask {
            held: h,
            since,
            named: match h {
                Held::Slides => named(inv, Kind::PathologyReport),
                Held::Imaging => named(inv, Kind::ImagingReport),
                Held::Record(_) => Vec::new(),
            },
        })
        .collect()
}

/// Where one request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestState {
    /// Written but not marked as sent.
    NotSent,
    /// Sent, and the holder still has time.
    Open,
    /// Sent, and the due date has passed.
    Overdue,
    /// The records came (`received`, or a later record of each kind asked for).
    Answered,
}

/// One `[[requests]]` entry as `check` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestStatus {
    pub holder: String,
    pub kinds: Vec<Held>,
    pub written: NaiveDate,
    pub sent: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub received: Option<NaiveDate>,
    pub state: RequestState,
    /// The holder's phone number, to chase an open request.
    pub phone: Option<String>,
    /// The records in the folder, dated after the letter, that answer it.
    pub answered_by: Vec<String>,
    /// Of an answered request, the slides or imaging asked for that cannot be seen in the
    /// folder: set `received` when they come.
    pub waiting_for: Vec<Held>,
}

/// Where each `[[requests]]` entry stands on `today`. A request is answered when
/// `received` is set, or when every kind of document it asks for is in the folder with a
/// date after the letter's. Slides and imaging never arrive as files: a request only for
/// them is answered by `received`, and one that also asked for documents says it still
/// waits for them.
pub fn track(
    config: Option<&PacketConfig>,
    inv: &Inventory,
    today: NaiveDate,
) -> Vec<RequestStatus> {
    let Some(cfg) = config else {
        return Vec::new();
    };
    cfg.requests
        .iter()
        .map(|r| status(cfg, r, inv, today))
        .collect()
}

fn status(
    cfg: &PacketConfig,
    r: &TrackedRequest,
    inv: &Inventory,
    today: NaiveDate,
) -> RequestStatus {
    let docs: Vec<Kind> = r
        .kinds
        .iter()
        .filter_map(|h| match h {
            Held::Record(k) => Some(*k),
            _ => None,
        })
        .collect();
    let mut answered_by = Vec::new();
    let mut every_kind = !docs.is_empty();
    for k in &docs {
        let later: Vec<String> = inv
            .included()
            .filter(|f| f.classified.kind == *k && f.classified.date.is_some_and(|d| d > r.written))
            .map(|f| f.rel.clone())
            .collect();
        if later.is_empty() {
            every_kind = false;
        }
        answered_by.extend(later);
    }
    let waiting_for: Vec<Held> = if r.received.is_none() && every_kind {
        r.kinds
            .iter()
            .copied()
            .filter(|h| !matches!(h, Held::Record(_)))
            .collect()
    } else {
        Vec::new()
    };
    let due = r.due_date();
    let state = if r.received.is_some() || every_kind {
        RequestState::Answered
    } else if r.sent.is_none() {
        RequestState::NotSent
    } else if due.is_some_and(|d| today > d) {
        RequestState::Overdue
    } else {
        RequestState::Open
    };
    let phone = cfg
        .holder(&r.holder)
        .and_then(|h| h.phone.as_deref())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    RequestStatus {
        holder: r.holder.trim().to_string(),
        kinds: r.kinds.clone(),
        written: r.written,
        sent: r.sent,
        due,
        received: r.received,
        state,
        phone,
        answered_by,
        waiting_for,
    }
}

/// The requests as text for `check`: one line each, what to do next.
pub fn text(requests: &[RequestStatus]) -> String {
    if requests.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nRecords requests\n");
    for r in requests {
        let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
        let call = r
            .phone
            .as_deref()
            .map(|p| format!(" — call {p}"))
            .unwrap_or_default();
        let line = match r.state {
            RequestState::NotSent => format!(
                "  NOT SENT {} ({}), written {} — send it, then run `medpacket request DIR --mark-sent \"{}\"`",
                r.holder,
                kinds.join(", "),
                r.written,
                r.holder
            ),
            RequestState::Open => format!(
                "  open     {} ({}), sent {}, due {}{}",
                r.holder,
                kinds.join(", "),
                r.sent.map(|d| d.to_string()).unwrap_or_default(),
                r.due.map(|d| d.to_string()).unwrap_or_default(),
                r.phone
                    .as_deref()
                    .map(|p| format!(" (phone {p})"))
                    .unwrap_or_default()
            ),
            RequestState::Overdue => format!(
                "  OVERDUE  {} ({}), sent {}, was due {}{} and ask when the records will come",
                r.holder,
                kinds.join(", "),
                r.sent.map(|d| d.to_string()).unwrap_or_default(),
                r.due.map(|d| d.to_string()).unwrap_or_default(),
                if call.is_empty() { " — call them".to_string() } else { call }
            ),
            RequestState::Answered => match r.received {
                Some(d) => format!("  answered {} ({}), received {d}", r.holder, kinds.join(", ")),
                None => {
                    let mut line = format!(
                        "  answered {} ({}): {} is now in the folder, dated after the letter of {}",
                        r.holder,
                        kinds.join(", "),
                        r.answered_by.join(", "),
                        r.written
                    );
                    if !r.waiting_for.is_empty() {
                        let w: Vec<&str> = r.waiting_for.iter().map(|k| k.as_str()).collect();
                        line.push_str(&format!(
                            "; {} do not come as files — set received = YYYY-MM-DD in its [[requests]] entry when they arrive",
                            w.join(" and ")
                        ));
                    }
                    line
                }
            },
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_and_imaging_are_wanted_only_when_the_todo_list_asks() {
        type Case<'a> = (&'a [Kind], &'a [&'a str], &'a [Held]);
        let cases: [Case; 3] = [
            (
                &[Kind::PathologyReport],
                &["insurance"],
                &[Held::Record(Kind::PathologyReport)],
            ),
            (
                &[Kind::ImagingReport, Kind::PathologyReport],
                &["pathology-slides", "imaging"],
                &[
                    Held::Record(Kind::PathologyReport),
                    Held::Record(Kind::ImagingReport),
                    Held::Slides,
                    Held::Imaging,
                ],
            ),
            (&[], &["imaging"], &[Held::Imaging]),
        ];
        for (missing, todo, want) in cases {
            assert_eq!(wanted(missing, todo), want, "{missing:?} {todo:?}");
        }
    }

    fn status(state: RequestState) -> RequestStatus {
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        RequestStatus {
            holder: "Riverside Hospital".into(),
            kinds: vec![Held::Record(Kind::PathologyReport), Held::Slides],
            written: day("2026-03-02"),
            sent: (state != RequestState::NotSent).then(|| day("2026-03-03")),
            due: (state != RequestState::NotSent).then(|| day("2026-04-02")),
            received: None,
            state,
            phone: Some("555-0198".into()),
            answered_by: if state == RequestState::Answered {
                vec!["path.pdf".into()]
            } else {
                Vec::new()
            },
            waiting_for: if state == RequestState::Answered {
                vec![Held::Slides]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn each_state_says_what_to_do_next() {
        for (state, want) in [
            (RequestState::NotSent, "--mark-sent \"Riverside Hospital\""),
            (RequestState::Open, "due 2026-04-02 (phone 555-0198)"),
            (RequestState::Overdue, "OVERDUE  Riverside Hospital (pathology-report, slides), sent 2026-03-03, was due 2026-04-02 — call 555-0198"),
            (RequestState::Answered, "path.pdf is now in the folder, dated after the letter of 2026-03-02; slides do not come as files"),
        ] {
            let t = text(&[status(state)]);
            assert!(t.starts_with("\nRecords requests\n"), "{t}");
            assert!(t.contains(want), "{state:?}: {t}");
        }
        assert_eq!(text(&[]), "");
    }
}
