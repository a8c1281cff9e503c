//! medpacket turns a folder of medical records into one indexed, stamped PDF packet
//! for a second-opinion doctor.
//!
//! The work is one pipeline, one module per stage:
//! `scan -> classify -> plan -> render -> assemble (+ stamp) -> emit`.
//! See ARCHITECTURE.md for what each stage turns into what. The binary (`src/main.rs`,
//! `src/cli.rs`) only parses arguments and calls [`build`] and [`scan_folder`].

pub mod assemble;
pub mod classify;
pub mod clock;
pub mod config;
pub mod emit;
pub mod error;
pub mod fonts;
pub mod images;
pub mod ingest;
pub mod kind;
pub mod layout;
pub mod pdfwrite;
pub mod plan;
pub mod render;
pub mod report;
pub mod scan;
pub mod stamp;

pub use config::PacketConfig;
pub use error::{Error, Problem, Result};
pub use kind::Kind;
pub use layout::Paper;
pub use report::{BuildReport, ScanReport};

use std::path::{Path, PathBuf};

/// Reports how far long work has come (a progress bar on a terminal; nothing otherwise).
pub trait Progress {
    /// A stage with `total` steps begins.
    fn start(&self, _stage: &str, _total: u64) {}
    /// One step of the current stage is done.
    fn advance(&self) {}
}

/// Progress that shows nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// What `build` needs to know, validated.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub dir: PathBuf,
    /// None: the default name in the current directory.
    pub output: Option<PathBuf>,
    pub skip_unreadable: bool,
    pub force: bool,
    pub paper: Paper,
}

/// Scans a records folder (packet.toml is read when present).
pub fn scan_folder(
    dir: &Path,
    progress: &dyn Progress,
) -> Result<(scan::Inventory, Option<PacketConfig>)> {
    if !dir.exists() {
        return Err(Error::NoSuchFolder(dir.to_path_buf()));
    }
    let config = PacketConfig::load(dir)?;
    let rules = classify::Rules::builtin()
        .map_err(|e| Error::Internal(format!("templates/classify.toml: {e}")))?;
    let inv = scan::scan(dir, config.as_ref(), &rules, progress)?;
    Ok((inv, config))
}

/// The default packet file name: `second-opinion-packet-<patient>-<YYYY-MM-DD>.pdf`.
pub fn default_output_name(patient: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut slug = String::new();
    for c in patient.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "patient" } else { slug };
    format!("second-opinion-packet-{slug}-{}.pdf", at.format("%Y-%m-%d"))
}

/// Builds the packet: scan, classify, plan, render, assemble and stamp, emit.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport> {
    let (inv, config) = scan_folder(&opts.dir, progress)?;
    let config = config.ok_or_else(|| Error::MissingConfig(opts.dir.clone()))?;
    let generated_at = clock::now();
    let target = opts
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_output_name(&config.patient.name, generated_at)));
    let full_target = emit::check_target(&target, &inv.root, opts.force)?;
    let plan = plan::plan(
        &inv,
        &config,
        opts.paper,
        generated_at,
        opts.skip_unreadable,
    )?;
    let m = fonts::Metrics::get()
        .ok_or_else(|| Error::Internal("the embedded font did not load".into()))?;
    let rendered = render::render(&plan, m)?;
    let (sha256, _) = emit::write_atomic(&full_target, opts.force, |w| {
        assemble::assemble(&plan, &inv, &rendered, w, progress).map(|_| ())
    })?;

    let documents = plan
        .items
        .iter()
        .map(|i| report::DocumentReport {
            path: i.rel.clone(),
            kind: i.kind,
            date: i.date.map(|d| d.to_string()),
            title: i.title.clone(),
            sha256: i.sha256.clone(),
            source_pages: i.source_pages,
            first_page: i.first_page,
            last_page: i.last_page,
        })
        .collect();
    let duplicates = inv
        .files
        .iter()
        .filter_map(|f| match &f.status {
            scan::Status::Duplicate { same_as } => Some(report::Duplicate {
                path: f.rel.clone(),
                same_as: same_as.clone(),
            }),
            _ => None,
        })
        .collect();
    Ok(BuildReport {
        output: target.display().to_string(),
        pages: plan.total_pages,
        sha256,
        generated_at: generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        packet_id: plan.packet_id.clone(),
        documents,
        skipped: plan
            .skipped
            .iter()
            .map(|p| report::Skipped {
                path: p.path.clone(),
                reason: format!("{} — {}", p.reason, p.hint),
            })
            .collect(),
        duplicates,
        removed_active_content: Vec::new(),
        warnings: inv.warnings.iter().chain(&plan.warnings).cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_name_is_a_safe_slug() {
        let at = chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("time");
        assert_eq!(
            default_output_name("Ingrid Sørensen-Łukasiewicz", at),
            "second-opinion-packet-ingrid-sørensen-łukasiewicz-2026-01-01.pdf"
        );
        assert_eq!(
            default_output_name(" ../ ", at),
            "second-opinion-packet-patient-2026-01-01.pdf"
        );
    }
}
