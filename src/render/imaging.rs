//! Imaging studies: the studies of the imaging discs in the records folder turn into the
//! "Imaging studies" page at the head of the imaging section — for each study its date,
//! modalities, description, body part, series and images, accession number, institution,
//! referring doctor and the patient as the disc has them; a study of another patient is
//! marked. The images themselves are never in the packet: the disc goes separately.

use crate::base::fonts::Metrics;
use crate::base::i18n::Messages;
use crate::base::layout::{Column, Flow, PageLayout, Paper, BODY, SMALL};

/// One study as the page shows it (text as the disc has it, decoded).
#[derive(Debug, Clone, Default)]
pub struct StudyRow {
    pub folder: String,
    pub date: String,
    pub modalities: String,
    pub description: String,
    pub body_part: String,
    pub series: usize,
    pub images: usize,
    pub accession: String,
    pub institution: String,
    pub referring: String,
    pub patient: String,
    /// Why the study's patient is not the packet's, when they differ.
    pub other_patient: Option<String>,
    pub structured_report: bool,
    /// Reports taken out of the disc and packed as documents.
    pub reports: Vec<String>,
}

pub fn layout(m: &Metrics, paper: Paper, studies: &[StudyRow], t: &Messages) -> Vec<PageLayout> {
    let mut f = Flow::new(m, paper);
    let title = t.t("imaging.title");
    f.set_continued(&t.f("flow.continued", &[("heading", title)]));
    f.title(title);
    f.paragraph(t.t("imaging.intro"), SMALL, false, 0.0);
    f.space(4.0);
    let columns = [
        Column {
            header: t.t("imaging.col_field"),
            width: 130.0,
        },
        Column {
            header: t.t("imaging.col_value"),
            width: 330.0,
        },
    ];
    for s in studies {
        let date = if s.date.is_empty() {
            t.t("imaging.undated")
        } else {
            &s.date
        };
        let description = if s.description.is_empty() {
            t.t("imaging.no_description")
        } else {
            &s.description
        };
        f.heading(&format!("{date} — {} — {description}", s.modalities));
        if let Some(why) = &s.other_patient {
            f.paragraph(
                &t.f("imaging.other_patient", &[("why", why)]),
                BODY,
                true,
                0.0,
            );
        }
        let mut rows = vec![
            (t.t("imaging.modality"), s.modalities.clone()),
            (t.t("imaging.body_part"), s.body_part.clone()),
            (
                t.t("imaging.series_images"),
                t.f(
                    "imaging.counts",
                    &[
                        ("series", &s.series.to_string()),
                        ("images", &s.images.to_string()),
                    ],
                ),
            ),
            (t.t("imaging.accession"), s.accession.clone()),
            (t.t("imaging.institution"), s.institution.clone()),
            (t.t("imaging.referring"), s.referring.clone()),
            (t.t("imaging.patient"), s.patient.clone()),
            (t.t("imaging.folder"), s.folder.clone()),
        ];
        if s.structured_report {
            rows.push((
                t.t("imaging.reports"),
                t.t("imaging.structured_report").to_string(),
            ));
        }
        for r in &s.reports {
            rows.push((
                t.t("imaging.reports"),
                t.f("imaging.report_packed", &[("path", r)]),
            ));
        }
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| vec![k.to_string(), v])
            .collect();
        f.table(&columns, &rows, BODY - 1.0);
        f.space(6.0);
    }
    f.finish()
}
