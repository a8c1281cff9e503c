//! Reports: the results of `scan` and `build` turn into the JSON objects of SPEC.md and the
//! plain-text summaries printed for people.

use crate::base::error::{Problem, Warning};
use crate::base::kind::Kind;
use crate::classify::Evidence;
use crate::read::scan::{Inventory, Status};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct DocumentReport {
    pub path: String,
    pub kind: Kind,
    pub date: Option<String>,
    pub title: String,
    pub sha256: String,
    pub source_pages: u32,
    pub first_page: u32,
    pub last_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Duplicate {
    pub path: String,
    pub same_as: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActiveContent {
    pub path: String,
    pub what: String,
}

/// Something worth knowing about an included file (e.g. a repaired cross-reference table).
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub path: String,
    pub note: String,
}

/// The ZIP bundle `build --zip` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    pub path: String,
    pub sha256: String,
}

/// One file of a packet that travels as several: a part, or a per-document file.
#[derive(Debug, Clone, Serialize)]
pub struct FileOut {
    pub file: String,
    pub bytes: u64,
    /// The file's SHA-256, so each part or document file can be checked where it arrives.
    pub sha256: String,
    /// The packet pages it holds (1-based, as stamped).
    pub first_page: u32,
    pub last_page: u32,
}

/// Pictures made smaller to meet a size limit.
#[derive(Debug, Clone, Serialize)]
pub struct Shrunk {
    pub pictures: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// What `build` did, as printed by `build --json`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The packet, or its first part when it was cut into parts.
    pub output: String,
    /// The parts, when the packet was cut to a size limit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<FileOut>,
    /// The cover-and-index file and one file per document (`--per-document`).
    /// The fax sends, when the fax needs more than one (`--fax-pages`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<FileOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_document: Vec<FileOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<Shrunk>,
    pub pages: u32,
    pub sha256: String,
    pub generated_at: String,
    pub packet_id: String,
    pub documents: Vec<DocumentReport>,
    pub skipped: Vec<Skipped>,
    pub duplicates: Vec<Duplicate>,
    pub removed_active_content: Vec<ActiveContent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleReport>,
    /// Repairs and other remarks about included files.
    pub notes: Vec<Note>,
    /// Things to know, among them identifiers found in the records (masked).
    pub warnings: Vec<Warning>,
}

/// One file, as printed by `scan --json`.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub status: &'static str,
    pub format: Option<crate::read::ingest::Format>,
    pub size: u64,
    pub sha256: String,
    pub kind: Option<Kind>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub pages: Option<u32>,
    pub kind_score: Option<f32>,
    /// The language of the text ("eng", "spa", …, "unknown").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub evidence: Vec<EvidenceReport>,
    /// Scanned pages read by OCR, and by which engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_content: Vec<String>,
}

/// One piece of evidence; evidence read by OCR names the engine and its version.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    #[serde(flatten)]
    pub evidence: Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

/// The pages of a file that OCR read.
#[derive(Debug, Clone, Serialize)]
pub struct OcrReport {
    /// e.g. "tesseract 5.3.0".
    pub engine: String,
    /// 1-based pages whose text was read.
    pub pages: Vec<u32>,
}

/// What `scan` found, as printed by `scan --json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub folder: String,
    pub files: Vec<FileReport>,
    pub ignored: Vec<crate::read::scan::Ignored>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    /// The studies of the folder's imaging discs.
    pub imaging: Vec<crate::read::dicom::Study>,
}

pub fn scan_report(inv: &Inventory) -> ScanReport {
    let files = inv
        .files
        .iter()
        .map(|f| {
            let ok = !matches!(f.status, Status::Problem(_));
            FileReport {
                path: f.rel.clone(),
                status: f.status.label(),
                format: f.format,
                size: f.size,
                sha256: f.sha256.clone(),
                kind: ok.then_some(f.classified.kind),
                date: if ok {
                    f.classified.date.map(|d| d.to_string())
                } else {
                    None
                },
                title: ok.then(|| f.classified.title.clone()),
                pages: f.pages,
                kind_score: ok.then_some(f.classified.kind_score),
                language: ok.then(|| f.classified.language.clone()),
                evidence: f
                    .classified
                    .evidence
                    .iter()
                    .map(|e| EvidenceReport {
                        engine: (e.source == crate::classify::Source::Ocr)
                            .then(|| f.ocr.as_ref().map(|o| o.engine.clone()))
                            .flatten(),
                        evidence: e.clone(),
                    })
                    .collect(),
                ocr: f.ocr.as_ref().map(|o| OcrReport {
                    engine: o.engine.clone(),
                    pages: (1..=o.pages.len() as u32)
                        .filter(|&p| o.page(p).is_some())
                        .collect(),
                }),
                same_as: match &f.status {
                    Status::Duplicate { same_as } => Some(same_as.clone()),
                    _ => None,
                },
                problem: match &f.status {
                    Status::Problem(p) => Some(p.clone()),
                    _ => None,
                },
                notes: f.notes.clone(),
                active_content: f.active.clone(),
            }
        })
        .collect();
    ScanReport {
        folder: inv.root.display().to_string(),
        files,
        ignored: inv.ignored.clone(),
        problems: inv.problems().into_iter().cloned().collect(),
        warnings: inv.all_warnings(),
        imaging: inv.imaging.clone(),
    }
}

/// The scan as a table for people.
pub fn scan_text(r: &ScanReport) -> String {
    let mut s = format!("{}\n\n", r.folder);
    for f in &r.files {
        let date = f.date.clone().unwrap_or_else(|| "undated".into());
        match (&f.problem, &f.same_as) {
            (Some(p), _) => s.push_str(&format!(
                "  PROBLEM   {}: {} — {}\n",
                f.path, p.reason, p.hint
            )),
            (None, Some(first)) => s.push_str(&format!(
                "  duplicate {} (same bytes as {})\n",
                f.path, first
            )),
            _ => {
                let kind = f.kind.map(|k| k.as_str()).unwrap_or("?");
                let pages = f
                    .pages
                    .map(|p| format!("{p} p."))
                    .unwrap_or_else(|| "text".into());
                let status = if f.status == "excluded" {
                    "excluded "
                } else {
                    ""
                };
                s.push_str(&format!(
                    "  {status}{:<18} {:<10} {:>7}  {}  ({})\n",
                    kind,
                    date,
                    pages,
                    f.path,
                    f.title.clone().unwrap_or_default()
                ));
            }
        }
    }
    // Parts of a portal's clinical-document export are named, so nobody wonders where
    // they went; the rest is counted by reason (an imaging disc's viewer alone can be
    // hundreds of files).
    let (named, junk): (Vec<_>, Vec<_>) = r
        .ignored
        .iter()
        .partition(|i| i.why.contains("not a record"));
    if !named.is_empty() {
        s.push('\n');
        for i in &named {
            s.push_str(&format!("  ignored   {}: {}\n", i.path, i.why));
        }
    }
    if !junk.is_empty() {
        let mut by_why: std::collections::BTreeMap<&str, usize> = Default::default();
        for i in &junk {
            *by_why.entry(i.why.as_str()).or_default() += 1;
        }
        let mut by_why: Vec<(&str, usize)> = by_why.into_iter().collect();
        // The commonest reason first; reasons alike in number keep their order by name.
        by_why.sort_by_key(|w| std::cmp::Reverse(w.1));
        s.push_str(&format!("\n  {} file(s) ignored:\n", junk.len()));
        for (why, n) in by_why {
            s.push_str(&format!("    {n} × {why}\n"));
        }
    }
    for w in &r.warnings {
        s.push_str(&format!("\n  warning: {w}\n"));
    }
    if !r.problems.is_empty() {
        s.push_str(&format!(
            "\n{} problem(s): fix them, or build with --skip-unreadable to leave those files out.\n",
            r.problems.len()
        ));
    }
    s
}
