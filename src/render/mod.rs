//! Render: the packet's generated parts turn into laid-out pages (`PageLayout`s) — one
//! file per page kind: fax cover, cover, index, questions, medication list, typeset text
//! files, clinical documents (CDA).
//! Pure functions of their data; `plan` calls them to know each part's page count, and
//! `write::paint` paints the result.

pub mod cda;
pub mod cover;
pub mod fax;
pub mod imaging;
pub mod index;
pub mod medications;
pub mod part;
pub mod questions;
pub mod text;

#[cfg(test)]
mod tests {
    use crate::base::config::PacketConfig;
    use crate::base::i18n::Lang;
    use crate::base::layout::{PageLayout, Paper};

    const FULL: &str = "[patient]\nname = \"Ana Ruiz\"\ndate_of_birth = 1970-05-02\nphone = \"555-0100\"\nemail = \"a@example.org\"\naddress = \"1 Main St\"\nmrn = \"X1\"\n[diagnosis]\nsummary = \"d\"\n[request]\nreason = \"r\"\n[recipient]\nname = \"Dr. A\"\nfax = \"1\"\nphone = \"2\"\n[referring_doctor]\nname = \"Dr. B\"\n[primary_doctor]\nname = \"Dr. C\"\n[[medications]]\nname = \"m\"\n";

    fn texts(pages: &[PageLayout]) -> Vec<String> {
        pages
            .iter()
            .flat_map(|p| p.runs.iter().map(|r| r.text.clone()))
            .collect()
    }

    /// Every generated part, in every language, shows words: never a message key (which
    /// is what a mistyped or missing key would print).
    #[test]
    fn generated_pages_show_no_message_keys_in_any_language() {
        let m = crate::base::fonts::Metrics::get().expect("font");
        let cfg = PacketConfig::parse(FULL, std::path::Path::new("packet.toml")).expect("parses");
        let at = chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("time");
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 14);
        for lang in Lang::ALL {
            let t = lang.messages();
            let summary = [super::cover::KindSummary {
                kind: crate::base::kind::Kind::LabResults,
                documents: 1,
                pages: 2,
            }];
            let info = super::cover::CoverInfo {
                config: &cfg,
                generated_at: at,
                packet_id: "MP-1",
                summary: &summary,
                not_included: 1,
                t,
            };
            let rows = vec![
                super::index::IndexRow::Section(crate::base::kind::Kind::LabResults),
                super::index::IndexRow::Document(super::index::IndexDocument {
                    item: 0,
                    number: 1,
                    title: "x".into(),
                    kind: crate::base::kind::Kind::LabResults,
                    date: d,
                    source: "a.pdf".into(),
                    first_page: 5,
                    last_page: 6,
                }),
                super::index::IndexRow::NotIncludedHeading(1),
                super::index::IndexRow::RemovedHeading,
            ];
            let qs: Vec<String> = (0..30).map(|i| format!("q{i}")).collect();
            let long: String = (0..200).map(|i| format!("line {i}\n")).collect();
            let mut all = Vec::new();
            all.extend(texts(&super::cover::layout(m, Paper::Letter, &info)));
            all.extend(texts(&super::index::layout(m, Paper::A4, &rows, t)));
            all.extend(texts(&super::questions::layout(m, Paper::Letter, &qs, t)));
            for origin in [
                super::medications::Origin::Patient,
                super::medications::Origin::Documents,
            ] {
                all.extend(texts(&super::medications::layout(
                    m,
                    Paper::Letter,
                    &cfg.medications,
                    origin,
                    t,
                )));
            }
            all.extend(texts(&super::text::layout(
                m,
                Paper::Letter,
                "n.txt",
                &long,
                t,
            )));
            all.extend(texts(&super::fax::layout(
                m,
                t,
                &super::fax::FaxInfo {
                    config: &cfg,
                    date: at.date_naive(),
                    total_pages: 9,
                    send: Some("2 of 3".into()),
                },
            )));
            let prefixes = [
                "cover.",
                "index.",
                "questions.",
                "medications.",
                "text.",
                "flow.",
                "fax.",
                "kind.",
                "contact.",
                "date.",
                "stamp.",
                "outline.",
                "info.",
            ];
            // A key is one word: a known prefix followed by more of the key.
            let is_key = |w: &str| {
                prefixes.iter().any(|p| {
                    w.strip_prefix(p)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                })
            };
            for s in &all {
                assert!(
                    !s.split_whitespace().any(is_key),
                    "{}: a key shows on a page: {s}",
                    lang.code()
                );
            }
            assert!(all.len() > 50, "{}", all.len());
        }
    }
}
