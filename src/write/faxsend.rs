//! Fax sends: a packet longer than a fax service takes in one send turns into sends of at
//! most N pages each, cut between documents where they fit, each opened by a fax cover of
//! its own ("send k of n, pages a–b of N") that counts among its N pages.

use crate::base::config::PacketConfig;
use crate::base::error::{Error, Result};
use crate::base::fonts::Metrics;
use crate::plan::Plan;
use crate::render::fax;
use crate::write::parts::{units, Piece};

/// Pages a fax send may hold when `--fax-pages` is not given (common fax services).
pub const DEFAULT_FAX_PAGES: u32 = 100;

/// Runs of at most `cap` pages: whole units where they fit, a unit longer than `cap`
/// between its pages.
pub fn cut_pages(units: &[(u32, u32)], cap: u32) -> Vec<(u32, u32)> {
    let cap = cap.max(1);
    let mut runs = Vec::new();
    let mut cur: Option<(u32, u32)> = None;
    for &(a, b) in units {
        let len = b - a + 1;
        if let Some((s, e)) = cur {
            if e - s + 1 + len <= cap {
                cur = Some((s, b));
                continue;
            }
            runs.push((s, e));
            cur = None;
        }
        if len <= cap {
            cur = Some((a, b));
            continue;
        }
        let mut p = a;
        while p <= b {
            let e = b.min(p + cap - 1);
            if e - p + 1 == cap {
                runs.push((p, e));
            } else {
                cur = Some((p, e));
            }
            p = e + 1;
        }
    }
    runs.extend(cur);
    runs
}

/// The sends of a packet planned without a fax cover of its own (`fax_sends`), each at
/// most `max_pages` pages with its cover.
pub fn send_pieces(plan: &Plan, cfg: &PacketConfig, max_pages: u32) -> Result<Vec<Piece>> {
    if max_pages < 2 {
        return Err(Error::Limit(format!(
            "--fax-pages {max_pages}: a send holds its fax cover and at least one page — give 2 or more (fax services commonly take 100)"
        )));
    }
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let t = plan.lang.messages();
    let runs = cut_pages(&units(plan), max_pages - fax::PAGES);
    let n = runs.len();
    Ok(runs
        .iter()
        .enumerate()
        .map(|(i, &(first, last))| {
            let k = (i + 1).to_string();
            let send = t.f(
                "fax.send_value",
                &[
                    ("k", &k),
                    ("n", &n.to_string()),
                    ("a", &first.to_string()),
                    ("b", &last.to_string()),
                    ("total", &plan.total_pages.to_string()),
                ],
            );
            let mut lead = fax::layout(
                m,
                t,
                &fax::FaxInfo {
                    config: cfg,
                    date: plan.generated_at.date_naive(),
                    total_pages: last - first + 1 + fax::PAGES,
                    send: Some(send.clone()),
                },
            );
            // A fax machine prints grey text as dots: every letter in black.
            for run in lead.iter_mut().flat_map(|p| p.runs.iter_mut()) {
                run.gray = 0.0;
            }
            Piece {
                first,
                last,
                lead,
                lead_title: Some(t.t("outline.fax-cover").to_string()),
                title_suffix: Some(format!("{} {send}", t.t("fax.send"))),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_are_cut_between_documents_and_a_long_one_between_its_pages() {
        // Opening pages 1–4, documents of 3, 5 and 12 pages; 6 record pages a send.
        let units = [(1, 4), (5, 7), (8, 12), (13, 24)];
        assert_eq!(
            cut_pages(&units, 6),
            vec![(1, 4), (5, 7), (8, 12), (13, 18), (19, 24)]
        );
        assert_eq!(cut_pages(&units, 100), vec![(1, 24)]);
        assert_eq!(
            cut_pages(&[(1, 3), (4, 4), (5, 6)], 4),
            vec![(1, 4), (5, 6)]
        );
    }
}
