//! Plan: an inventory and the folder's packet.toml turn into the packet's exact shape —
//! parts and documents in order, sections by kind, oldest first and undated last, and the
//! packet page range of everything, computed once, before anything is rendered.

use crate::base::config::PacketConfig;
use crate::base::error::{Error, Problem, Result};
use crate::base::fonts::Metrics;
use crate::base::i18n::Lang;
use crate::base::kind::Kind;
use crate::base::layout::{PageLayout, Paper};
use crate::read::ingest::Format;
use crate::read::scan::{Inventory, SourceFile};
use crate::render::{cda, cover, fax, imaging, index, medications, questions, text};
use chrono::{DateTime, NaiveDate, Utc};

/// How a document's pages are made.
#[derive(Debug, Clone)]
pub enum Body {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    /// A text file, already laid out.
    Text(Vec<PageLayout>),
    /// A clinical document (CDA) set in type from its XML, already laid out.
    Cda(Vec<PageLayout>),
}

/// One document of the packet.
#[derive(Debug, Clone)]
pub struct Item {
    /// 1-based number in the index.
    pub number: usize,
    /// Index into `Inventory::files`.
    pub file: usize,
    pub rel: String,
    pub sha256: String,
    pub kind: Kind,
    pub date: Option<NaiveDate>,
    pub title: String,
    /// `[[documents]] source` (where the record came from), when packet.toml gives one.
    pub source: Option<String>,
    pub source_pages: u32,
    pub first_page: u32,
    pub last_page: u32,
    pub body: Body,
}

/// A generated part (fax cover, cover, index, questions, medication list).
#[derive(Debug, Clone)]
pub struct Part {
    /// Which part ("Fax cover", "Cover", "Index", "Questions", "Medication list").
    pub name: &'static str,
    /// Its bookmark title, in the packet's language.
    pub title: String,
    pub first_page: u32,
    pub count: u32,
    pub is_index: bool,
    /// Laid-out pages; empty for the index, which is laid out once numbers are known.
    pub pages: Vec<PageLayout>,
}

/// One row of the index, by reference into the plan (resolved by [`Plan::index_rows`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSlot {
    Section(Kind),
    Document(usize),
    NotIncludedHeading,
    NotIncluded(usize),
    RemovedHeading,
    Removed(usize),
}

/// The whole packet, page by page.
#[derive(Debug, Clone)]
pub struct Plan {
    pub paper: Paper,
    /// The language of every generated text.
    pub lang: Lang,
    /// Ready to fax: a fax cover page first, every page Letter portrait, images in grey.
    pub fax: bool,
    pub patient_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub generated_at: DateTime<Utc>,
    pub packet_id: String,
    pub parts: Vec<Part>,
    pub index: Part,
    pub items: Vec<Item>,
    pub skipped: Vec<Problem>,
    /// Active content left out of the packet: (file, what), one row each in the index.
    pub removed: Vec<(String, String)>,
    pub index_slots: Vec<IndexSlot>,
    pub total_pages: u32,
    /// Things the user should know that do not stop the build.
    pub warnings: Vec<crate::base::error::Warning>,
}

impl Plan {
    /// The index's rows with everything they show (page ranges included).
    pub fn index_rows(&self) -> Vec<index::IndexRow> {
        use index::IndexRow;
        self.index_slots
            .iter()
            .filter_map(|slot| match slot {
                IndexSlot::Section(kind) => Some(IndexRow::Section(*kind)),
                IndexSlot::Document(i) => self.items.get(*i).map(|item| {
                    IndexRow::Document(index::IndexDocument {
                        item: *i,
                        number: item.number,
                        title: item.title.clone(),
                        kind: item.kind,
                        date: item.date,
                        source: item.source.clone().unwrap_or_else(|| item.rel.clone()),
                        first_page: item.first_page,
                        last_page: item.last_page,
                    })
                }),
                IndexSlot::NotIncludedHeading => {
                    Some(IndexRow::NotIncludedHeading(self.skipped.len()))
                }
                IndexSlot::NotIncluded(i) => self.skipped.get(*i).map(|p| IndexRow::NotIncluded {
                    path: p.path.clone(),
                    reason: p.reason.clone(),
                }),
                IndexSlot::RemovedHeading => Some(IndexRow::RemovedHeading),
                IndexSlot::Removed(i) => {
                    self.removed.get(*i).map(|(path, what)| IndexRow::Removed {
                        path: path.clone(),
                        what: what.clone(),
                    })
                }
            })
            .collect()
    }

    /// Documents grouped by kind, in section order.
    pub fn sections(&self) -> Vec<(Kind, Vec<usize>)> {
        let mut out: Vec<(Kind, Vec<usize>)> = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            match out.last_mut() {
                Some((k, v)) if *k == item.kind => v.push(i),
                _ => out.push((item.kind, vec![i])),
            }
        }
        out
    }

    /// The part with this name ("Cover", "Index", "Questions", "Medication list").
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }
}

/// Packet order: section by kind, then oldest first, undated last, then title and path.
fn order_key(f: &SourceFile) -> (Kind, bool, Option<NaiveDate>, String, String) {
    let c = &f.classified;
    (
        c.kind,
        c.date.is_none(),
        c.date,
        c.title.to_lowercase(),
        f.rel.clone(),
    )
}

/// The included files (indices into `Inventory::files`) in packet order.
pub fn packet_order(inv: &Inventory) -> Vec<usize> {
    let mut order: Vec<usize> = inv
        .files
        .iter()
        .enumerate()
        // A DICOM file's pages are its study's line on the studies page.
        .filter(|(_, f)| f.is_included() && f.format != Some(Format::Dicom))
        .map(|(i, _)| i)
        .collect();
    order.sort_by_key(|&i| order_key(&inv.files[i]));
    order
}

/// The "Imaging studies" page, at the head of the imaging section (documents after it
/// numbered again): one set-in-type document standing for the discs' DICOM files.
fn studies_item(
    items: &mut Vec<Item>,
    inv: &Inventory,
    m: &Metrics,
    paper: Paper,
    t: &crate::base::i18n::Messages,
) {
    if inv.imaging.is_empty() {
        return;
    }
    // The item stands for the first DICOM file of the discs (never read for the page).
    let Some(file) = inv
        .files
        .iter()
        .position(|f| f.is_included() && f.format == Some(Format::Dicom))
    else {
        return;
    };
    let rows: Vec<imaging::StudyRow> = inv
        .imaging
        .iter()
        .map(|s| imaging::StudyRow {
            folder: s.folder.clone(),
            date: s.date.clone(),
            modalities: s.modalities.join(", "),
            description: s.description.clone(),
            body_part: s.body_part.clone(),
            series: s.series,
            images: s.images,
            accession: s.accession.clone(),
            institution: s.institution.clone(),
            referring: s.referring.clone(),
            patient: [
                crate::read::dicom::text::person(&s.patient_name),
                s.patient_id.clone(),
                s.birth_date.clone(),
            ]
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
            other_patient: s.other_patient.clone(),
            structured_report: s.structured_report,
            reports: s.reports.clone(),
        })
        .collect();
    let layouts = imaging::layout(m, paper, &rows, t);
    let folders: std::collections::BTreeSet<&str> =
        inv.imaging.iter().map(|s| s.folder.as_str()).collect();
    // Named by that file (so the bundle's manifest finds its original), shown by the discs'
    // folders.
    let item = Item {
        number: 0,
        file,
        rel: inv.files[file].rel.clone(),
        sha256: inv.files[file].sha256.clone(),
        kind: Kind::ImagingReport,
        date: None,
        title: t.t("imaging.title").to_string(),
        source: Some(folders.into_iter().collect::<Vec<_>>().join(", ")),
        source_pages: layouts.len() as u32,
        first_page: 0,
        last_page: 0,
        body: Body::Text(layouts),
    };
    let at = items
        .iter()
        .position(|i| i.kind >= Kind::ImagingReport)
        .unwrap_or(items.len());
    items.insert(at, item);
    for (n, i) in items.iter_mut().enumerate() {
        i.number = n + 1;
    }
}

/// How the packet is to be made.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Paper of the generated pages (Letter whenever `fax` is set).
    pub paper: Paper,
    /// Leave out unreadable files (listed under "Not included") instead of stopping.
    pub skip_unreadable: bool,
    pub lang: Lang,
    /// Ready to fax: a fax cover page first, every page Letter portrait, images in grey.
    pub fax: bool,
    /// The fax goes in several sends, each with a cover of its own: none in the packet.
    pub fax_sends: bool,
}

/// Builds the plan. `opts.skip_unreadable` decides whether problems block the packet.
pub fn plan(
    inv: &Inventory,
    cfg: &PacketConfig,
    opts: PlanOptions,
    generated_at: DateTime<Utc>,
) -> Result<Plan> {
    let PlanOptions {
        skip_unreadable,
        lang,
        fax,
        ..
    } = opts;
    let paper = if fax { Paper::Letter } else { opts.paper };
    let t = lang.messages();
    let m =
        Metrics::get().ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let problems: Vec<Problem> = inv.problems().into_iter().cloned().collect();
    // A document only linked from an export cannot be brought in by reading again: it is
    // listed under "Not included" and does not stop the packet.
    if problems.iter().any(|p| !p.is_not_fetched()) && !skip_unreadable {
        return Err(Error::Problems(problems));
    }
    let order = packet_order(inv);
    if order.is_empty() && inv.imaging.is_empty() {
        // Every file was left out as unreadable: say which and why, not just "nothing".
        if !problems.is_empty() {
            return Err(Error::NothingReadable(problems));
        }
        return Err(Error::NothingToPack(inv.root.clone()));
    }

    // Documents: bodies and page counts (text files are laid out now to count them).
    let mut items = Vec::new();
    for (n, &fi) in order.iter().enumerate() {
        let f = &inv.files[fi];
        let (body, pages) = match f.format {
            Some(Format::Cda) => match &f.cda {
                Some(doc) => {
                    let title = if f.classified.title.trim().is_empty()
                        || f.classified.title == f.classified.kind.label()
                    {
                        t.kind_label(f.classified.kind)
                    } else {
                        &f.classified.title
                    };
                    let layouts = cda::layout(m, paper, &f.rel, title, doc, t);
                    let n = layouts.len() as u32;
                    (Body::Cda(layouts), n)
                }
                None => {
                    return Err(Error::Internal(format!(
                        "{}: a clinical document without its content",
                        f.rel
                    )))
                }
            },
            Some(Format::Pdf) => (Body::Pdf, f.pages.unwrap_or(0)),
            Some(Format::Jpeg) => (Body::Jpeg, 1),
            Some(Format::Png) => (Body::Png, 1),
            Some(Format::Tiff) => (Body::Tiff, f.pages.unwrap_or(0)),
            Some(Format::Text) => {
                let layouts = text::layout(m, paper, &f.rel, f.text.as_deref().unwrap_or(""), t);
                let n = layouts.len() as u32;
                (Body::Text(layouts), n)
            }
            _ => {
                return Err(Error::Internal(format!(
                    "{}: included without a known format",
                    f.rel
                )))
            }
        };
        if pages == 0 {
            return Err(Error::Internal(format!(
                "{}: included with no pages",
                f.rel
            )));
        }
        items.push(Item {
            number: n + 1,
            file: fi,
            rel: f.rel.clone(),
            sha256: f.sha256.clone(),
            kind: f.classified.kind,
            date: f.classified.date,
            // A document without a title of its own is named by its kind, in the
            // packet's language.
            title: if f.classified.title.trim().is_empty()
                || f.classified.title == f.classified.kind.label()
            {
                t.kind_label(f.classified.kind).to_string()
            } else {
                f.classified.title.clone()
            },
            source: cfg
                .document(&f.rel)
                .and_then(|d| d.source.clone())
                .filter(|s| !s.trim().is_empty()),
            source_pages: pages,
            first_page: 0,
            last_page: 0,
            body,
        });
    }

    studies_item(&mut items, inv, m, paper, t);

    let summary: Vec<cover::KindSummary> = Kind::ALL
        .iter()
        .filter_map(|&k| {
            let of_kind: Vec<&Item> = items.iter().filter(|i| i.kind == k).collect();
            (!of_kind.is_empty()).then(|| cover::KindSummary {
                kind: k,
                documents: of_kind.len(),
                pages: of_kind.iter().map(|i| i.source_pages).sum(),
            })
        })
        .collect();
    let packet_id = packet_id(cfg, &items, generated_at);
    let cover_pages = cover::layout(
        m,
        paper,
        &cover::CoverInfo {
            config: cfg,
            generated_at,
            packet_id: &packet_id,
            summary: &summary,
            not_included: problems.len(),
            t,
        },
    );

    let mut qs = Vec::new();
    if cfg.request.default_questions {
        qs.extend(questions::default_questions(
            cfg.request.profile.as_deref(),
            lang,
        ));
    }
    qs.extend(
        cfg.request
            .questions
            .iter()
            .filter(|q| !q.trim().is_empty())
            .cloned(),
    );
    let question_pages = questions::layout(m, paper, &qs, t);
    // The patient's own list wins; else the medications of their clinical documents.
    let med_pages = if cfg.medications.is_empty() {
        let from_documents = crate::read::cda::medication_list(items.iter().filter_map(|i| {
            let f = inv.files.get(i.file)?;
            Some((f.rel.as_str(), f.classified.date, f.cda.as_deref()?))
        }));
        (!from_documents.is_empty()).then(|| {
            medications::layout(m, paper, &from_documents, medications::Origin::Documents, t)
        })
    } else {
        Some(medications::layout(
            m,
            paper,
            &cfg.medications,
            medications::Origin::Patient,
            t,
        ))
    };

    // Index rows: a heading per section, a row per document, then what was left out.
    let mut index_slots = Vec::new();
    let mut last_kind = None;
    for (i, item) in items.iter().enumerate() {
        if last_kind != Some(item.kind) {
            index_slots.push(IndexSlot::Section(item.kind));
            last_kind = Some(item.kind);
        }
        index_slots.push(IndexSlot::Document(i));
    }
    if !problems.is_empty() {
        index_slots.push(IndexSlot::NotIncludedHeading);
        index_slots.extend((0..problems.len()).map(IndexSlot::NotIncluded));
    }
    let removed: Vec<(String, String)> = items
        .iter()
        .filter_map(|i| inv.files.get(i.file))
        .flat_map(|f| {
            f.active
                .iter()
                .map(move |what| (f.rel.clone(), what.clone()))
        })
        .collect();
    if !removed.is_empty() {
        index_slots.push(IndexSlot::RemovedHeading);
        index_slots.extend((0..removed.len()).map(IndexSlot::Removed));
    }
    let index_count = index::pages_for(index_slots.len(), paper) as u32;

    let mut next = 1u32;
    let mut part = |name: &'static str, pages: Vec<PageLayout>, count: u32, is_index: bool| {
        let key = match name {
            "Fax cover" => "outline.fax-cover",
            "Cover" => "outline.cover",
            "Index" => "outline.index",
            "Questions" => "outline.questions",
            _ => "outline.medications",
        };
        let p = Part {
            name,
            title: t.t(key).to_string(),
            first_page: next,
            count,
            is_index,
            pages,
        };
        next += count;
        p
    };
    let mut parts = Vec::new();
    // The fax cover is one page, laid out once the total is known (it names it).
    if fax && !opts.fax_sends {
        parts.push(part("Fax cover", Vec::new(), fax::PAGES, false));
    }
    parts.push(part(
        "Cover",
        cover_pages.clone(),
        cover_pages.len() as u32,
        false,
    ));
    let index_part = part("Index", Vec::new(), index_count, true);
    parts.push(index_part.clone());
    parts.push(part(
        "Questions",
        question_pages.clone(),
        question_pages.len() as u32,
        false,
    ));
    if let Some(mp) = med_pages {
        let n = mp.len() as u32;
        parts.push(part("Medication list", mp, n, false));
    }
    for item in &mut items {
        item.first_page = next;
        item.last_page = next + item.source_pages - 1;
        next += item.source_pages;
    }
    let mut warnings = Vec::new();
    let missing = undrawable(m, cfg);
    if !missing.is_empty() {
        warnings.push(crate::base::error::Warning::new(
            crate::base::config::CONFIG_NAME,
            None,
            format!(
                "the packet's font has no letters for {}; they are printed as \"?\" — write those names in Latin letters too, e.g. in brackets",
                missing.iter().collect::<String>()
            ),
        ));
    }
    let total_pages = next - 1;
    if fax {
        let pages = fax::layout(
            m,
            t,
            &fax::FaxInfo {
                config: cfg,
                date: generated_at.date_naive(),
                total_pages,
                send: None,
            },
        );
        if !opts.fax_sends && pages.len() as u32 != fax::PAGES {
            return Err(Error::Internal(format!(
                "the fax cover needed {} pages but the plan reserved {}",
                pages.len(),
                fax::PAGES
            )));
        }
        if let Some(p) = parts.iter_mut().find(|p| p.name == "Fax cover") {
            p.pages = pages;
        }
        let recipient_fax = cfg
            .recipient
            .as_ref()
            .and_then(|r| r.fax.as_deref())
            .is_some_and(|f| !f.trim().is_empty());
        if !recipient_fax {
            warnings.push(crate::base::error::Warning::new(
                crate::base::config::CONFIG_NAME,
                None,
                "the fax cover has no fax number for the recipient — add fax = \"…\" under [recipient]",
            ));
        }
    }
    Ok(Plan {
        warnings,
        paper,
        lang,
        fax,
        patient_name: cfg.patient.name.trim().to_string(),
        date_of_birth: cfg.patient.date_of_birth,
        generated_at,
        packet_id,
        parts,
        index: index_part,
        items,
        skipped: problems,
        removed,
        index_slots,
        total_pages,
    })
}

/// Characters in packet.toml's texts that the embedded font cannot draw.
fn undrawable(m: &Metrics, cfg: &PacketConfig) -> Vec<char> {
    let mut texts: Vec<&str> = vec![cfg.patient.name.as_str()];
    texts.extend(cfg.diagnosis.summary.as_deref());
    texts.extend(cfg.request.reason.as_deref());
    texts.extend(cfg.request.questions.iter().map(String::as_str));
    for c in [&cfg.recipient, &cfg.referring_doctor, &cfg.primary_doctor]
        .into_iter()
        .flatten()
    {
        texts.extend(c.name.as_deref());
        texts.extend(c.facility.as_deref());
    }
    m.missing(texts)
}

/// A short identifier derived from the patient, the documents and the time: the same
/// inputs give the same ID.
fn packet_id(cfg: &PacketConfig, items: &[Item], at: DateTime<Utc>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(cfg.patient.name.as_bytes());
    h.update(at.timestamp().to_be_bytes());
    for i in items {
        h.update(i.sha256.as_bytes());
    }
    let d = h.finalize();
    let hex: String = d.iter().take(6).map(|b| format!("{b:02X}")).collect();
    format!("MP-{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12])
}
