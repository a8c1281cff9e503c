//! medpacket turns a folder of medical records into one indexed, stamped PDF packet
//! for a second-opinion doctor.
//!
//! The work is one pipeline, one module per stage:
//! `scan -> classify -> plan -> render -> assemble (+ stamp) -> emit`.
//! See ARCHITECTURE.md for what each stage turns into what. The binary (`src/main.rs`,
//! `src/cli.rs`) only parses arguments and calls [`build`] and [`scan_folder`]; `serve`
//! puts the same calls behind a local web page.

pub mod base;
pub mod check;
pub mod classify;
pub mod init;
pub mod plan;
pub mod read;
pub mod render;
pub mod report;
pub mod serve;
pub mod write;

// The crate's public paths for the stages' entry points and the shared leaves.
pub use base::{clock, config, error, fonts, kind, layout};
pub use read::{images, ingest, ocr, sanitize, scan, zipin};
pub use write::{assemble, bundle, emit, pdfwrite, stamp};

pub use config::PacketConfig;
pub use error::{Error, Problem, Result};
pub use kind::Kind;
pub use layout::Paper;
pub use read::ocr::OcrMode;
pub use report::{BuildReport, ScanReport};
pub use scan::ScanOptions;

use std::path::{Path, PathBuf};

/// Reports how far long work has come (a progress bar on a terminal; nothing otherwise).
/// Called from several threads while files are read.
pub trait Progress: Sync {
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
    /// Also write the ZIP bundle (packet, cover letter, originals, manifest) here.
    pub zip: Option<PathBuf>,
    /// Protect the packet (and the bundle's members) with AES-256 and this password.
    pub password: Option<String>,
    /// How the records are read (cache, OCR).
    pub scan: ScanOptions,
    /// The language of the generated pages; None: `[request] language`, else English.
    pub lang: Option<base::i18n::Lang>,
    /// Ready to fax: Letter portrait pages, images in grey, a fax cover page first.
    pub fax: bool,
    /// How the packet travels: a size limit, one file per document.
    pub send: write::deliver::SendOptions,
    /// Take the packet's SHA-256 for the report (`--json` prints it). When false, and no
    /// bundle (whose manifest holds it) is asked for, the report's `sha256` is empty: a
    /// packet of pictures is then written without being read back to hash it.
    pub packet_sha256: bool,
}

/// A packet or letter cannot carry the placeholder name `init` writes.
fn refuse_placeholder(config: &PacketConfig, dir: &Path) -> Result<()> {
    if config.patient.is_placeholder() {
        return Err(Error::Config {
            path: dir.join(config::CONFIG_NAME),
            message: "[patient] name is still the placeholder medpacket init wrote — write the patient's full name".into(),
        });
    }
    Ok(())
}

/// The pipeline's typing hook for the scan (`read::typing`): `classify` decides each file's
/// kind, date and title, and `render` lays out the documents set in type, so their page
/// counts and identifiers are those of the pages the doctor sees.
///
/// The built-in classification rules are read when a file is first classified: a scan
/// that finds every file as an earlier scan left it (a rebuild) does not read them.
#[derive(Default)]
pub struct Typist {
    rules: std::sync::OnceLock<std::result::Result<classify::Rules, String>>,
}

impl Typist {
    fn rules(&self) -> Option<&classify::Rules> {
        self.rules
            .get_or_init(|| classify::Rules::builtin().map_err(|e| e.to_string()))
            .as_ref()
            .ok()
    }

    /// The error to stop with when the rules were needed and could not be read (only if
    /// the shipped templates/classify.toml is broken: a unit test makes sure it is not).
    pub fn failure(&self) -> Option<Error> {
        match self.rules.get() {
            Some(Err(e)) => Some(Error::Internal(format!("templates/classify.toml: {e}"))),
            _ => None,
        }
    }

    /// Scans `dir` (see [`scan::scan`]) with these rules; an error if they were needed and
    /// could not be read.
    fn scan(
        &self,
        dir: &Path,
        config: Option<&PacketConfig>,
        opts: &ScanOptions,
        progress: &dyn Progress,
    ) -> Result<scan::Inventory> {
        let inv = scan::scan(dir, config, self, opts, progress)?;
        match self.failure() {
            Some(e) => Err(e),
            None => Ok(inv),
        }
    }
}

impl read::typing::Typing for Typist {
    fn sound(&self) -> bool {
        self.failure().is_none()
    }

    fn classify(
        &self,
        rel: &str,
        text: Option<&str>,
        overrides: &classify::Overrides,
    ) -> classify::Classified {
        match self.rules() {
            Some(rules) => classify::classify(rules, rel, text, overrides),
            // Never kept: the scan ends with the rules' error (`Typist::scan`).
            None => classify::Classified {
                kind: base::kind::Kind::Other,
                date: None,
                title: rel.to_string(),
                kind_score: 0.0,
                evidence: Vec::new(),
                language: classify::language::UNKNOWN.to_string(),
            },
        }
    }

    fn classify_clinical(
        &self,
        header: &base::clinical::Header,
        overrides: &classify::Overrides,
    ) -> classify::Classified {
        classify::classify_cda(header, base::cdarules::CdaRules::builtin(), overrides)
    }

    fn other_patient(
        &self,
        header: &base::clinical::Header,
        name: &str,
        date_of_birth: Option<chrono::NaiveDate>,
    ) -> Option<String> {
        classify::patient_mismatch(header, name, date_of_birth)
    }

    fn typeset(
        &self,
        rel: &str,
        title: &str,
        doc: read::typing::Typeset<'_>,
    ) -> Option<Vec<String>> {
        let m = fonts::Metrics::get()?;
        let words = base::i18n::Lang::En.messages();
        let layouts = match doc {
            read::typing::Typeset::Text(text) => {
                render::text::layout(m, Paper::Letter, rel, text, words)
            }
            read::typing::Typeset::Clinical(cda) => {
                render::cda::layout(m, Paper::Letter, rel, title, cda, words)
            }
        };
        Some(
            layouts
                .iter()
                .map(|page| {
                    let runs: Vec<&str> = page.runs.iter().map(|r| r.text.as_str()).collect();
                    runs.join("\n")
                })
                .collect(),
        )
    }
}

/// Scans a records folder (packet.toml is read when present), as `opts` says (cache, OCR).
pub fn scan_folder(
    dir: &Path,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<(scan::Inventory, Option<PacketConfig>)> {
    if !dir.exists() {
        return Err(Error::NoSuchFolder(dir.to_path_buf()));
    }
    if !dir.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    let config = PacketConfig::load(dir)?;
    let inv = Typist::default().scan(dir, config.as_ref(), opts, progress)?;
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
    let built = build_packet(opts, progress);
    if let Err(Error::ChangedDuringBuild(_) | Error::FolderChanged(_)) = &built {
        // Files the scan knew by their place and times are read again next time: one of
        // them did not hold what it was remembered to hold.
        read::identity::forget(&opts.dir, &opts.scan);
    }
    built
}

fn build_packet(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport> {
    // Records touched from here on were not seen as the scan saw them.
    let since = std::time::SystemTime::now();
    // The embedded font is parsed while the folder is scanned (the painter and the
    // stamps need it once the scan is done).
    std::thread::spawn(|| {
        let _ = fonts::Metrics::get();
    });
    // The evidence behind each kind and date is for `scan`; a build holds no more than it
    // needs while it writes, so the scan does not keep it.
    let scan_opts = ScanOptions {
        without_evidence: true,
        ..opts.scan.clone()
    };
    let (inv, config) = scan_folder(&opts.dir, &scan_opts, progress)?;
    let config = config.ok_or_else(|| Error::MissingConfig(opts.dir.clone()))?;
    refuse_placeholder(&config, &opts.dir)?;
    let generated_at = clock::now();
    let target = opts
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_output_name(&config.patient.name, generated_at)));
    let full_target = emit::check_target(&target, &inv.root, opts.force)?;
    let full_zip = match &opts.zip {
        Some(z) => {
            let full = emit::check_target(z, &inv.root, opts.force)?;
            if full == full_target {
                return Err(Error::Config {
                    path: z.clone(),
                    message:
                        "is also the packet's name — give the bundle its own name, e.g. packet.zip"
                            .into(),
                });
            }
            Some(full)
        }
        None => None,
    };
    let lang = opts.lang.or(config.request.language).unwrap_or_default();
    let mut plan_opts = plan::PlanOptions {
        paper: opts.paper,
        skip_unreadable: opts.skip_unreadable,
        lang,
        fax: opts.fax,
        fax_sends: false,
    };
    let mut plan = plan::plan(&inv, &config, plan_opts, generated_at)?;
    let fax_pages = opts
        .send
        .fax_pages
        .unwrap_or(write::faxsend::DEFAULT_FAX_PAGES);
    let fax_sends = opts.fax && plan.total_pages > fax_pages;
    if fax_sends {
        // Several sends, each with its own cover: the packet itself has none.
        plan_opts.fax_sends = true;
        plan = plan::plan(&inv, &config, plan_opts, generated_at)?;
    }
    let mut added = Vec::new();
    // A bundle's manifest holds the packet's checksum.
    let wants_sha = opts.packet_sha256 || full_zip.is_some();
    // The packet is about as large as the records it copies (named if the disk fills).
    let sources: u64 = inv.included().map(|f| f.size).sum();
    let send = write::deliver::SendOptions {
        // A fax goes by page count, not by size.
        max_size: if fax_sends {
            None
        } else {
            opts.send
                .max_size
                .or(config.send.max_size.filter(|_| opts.send.honour_config))
        },
        per_document: opts.send.per_document.clone(),
        fax_pages: Some(fax_pages),
        fax_sends,
        honour_config: opts.send.honour_config,
    };
    let delivered = if send.needed() {
        let bytes = assemble::assemble(&plan, &inv, Vec::new(), None, progress)?;
        // The folder must still be what the packet shows before the packet is kept.
        let changes = write::recheck::changes(&inv, since);
        write::recheck::refuse(&changes)?;
        added = write::recheck::added_warnings(&changes);
        write::deliver::deliver(
            &plan,
            &config,
            &inv,
            bytes,
            &full_target,
            opts.force,
            opts.password.as_deref(),
            &send,
        )?
    } else {
        // Hashed on a thread of its own: with the writing where making the packet is most
        // of the work, behind it where copying pictures is (see `emit::Hashing`).
        let hashing = if write::readahead::mostly_pdf(&plan, &inv) {
            emit::Hashing::HandOver
        } else if wants_sha {
            emit::Hashing::Trailing
        } else {
            emit::Hashing::Off
        };
        let (sha256, bytes) =
            emit::write_atomic_expecting(&full_target, opts.force, sources, hashing, |w| {
                assemble::assemble(&plan, &inv, w, opts.password.as_deref(), progress)?;
                // The folder must still be what the packet shows before the packet is kept.
                let changes = write::recheck::changes(&inv, since);
                write::recheck::refuse(&changes)?;
                added = write::recheck::added_warnings(&changes);
                Ok(())
            })?;
        write::deliver::Delivered {
            single: Some(write::deliver::FileWritten {
                path: full_target.clone(),
                sha256,
                bytes,
                first_page: 1,
                last_page: plan.total_pages,
            }),
            ..Default::default()
        }
    };
    let packet_len: u64 = delivered
        .single
        .iter()
        .chain(&delivered.parts)
        .chain(&delivered.sends)
        .map(|f| f.bytes)
        .sum();
    // Empty when not asked for (whether or not it was taken on the way), so a caller
    // sees one rule.
    let sha256 = delivered
        .single
        .as_ref()
        .or(delivered.parts.first())
        .or(delivered.sends.first())
        .filter(|_| wants_sha)
        .map(|f| f.sha256.clone())
        .unwrap_or_default();
    // Parts are named after the packet, beside it, as the user gave its name.
    let shown = |f: &write::deliver::FileWritten| match (f.path.file_name(), target.parent()) {
        (Some(name), Some(dir)) => dir.join(name).display().to_string(),
        _ => f.path.display().to_string(),
    };
    let file_report = |f: &write::deliver::FileWritten, name: String| report::FileOut {
        file: name,
        bytes: f.bytes,
        sha256: f.sha256.clone(),
        first_page: f.first_page,
        last_page: f.last_page,
    };
    let parts: Vec<report::FileOut> = delivered
        .parts
        .iter()
        .map(|f| file_report(f, shown(f)))
        .collect();
    let sends: Vec<report::FileOut> = delivered
        .sends
        .iter()
        .map(|f| file_report(f, shown(f)))
        .collect();
    let per_document: Vec<report::FileOut> = delivered
        .per_document
        .iter()
        .map(|f| file_report(f, f.path.display().to_string()))
        .collect();

    let documents: Vec<report::DocumentReport> = plan
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
    let mut bundle = None;
    if let Some(zip_path) = &full_zip {
        let text =
            write::letter::letter_text(&inv, &config, generated_at.date_naive(), None, lang)?;
        let letter =
            write::letter::letter_pdf(&text, plan.paper, &config.patient.name, generated_at, lang)?;
        let mut more: Vec<(String, PathBuf)> = delivered
            .parts
            .iter()
            .chain(&delivered.sends)
            .filter_map(|f| {
                Some((
                    f.path.file_name()?.to_string_lossy().into_owned(),
                    f.path.clone(),
                ))
            })
            .collect();
        more.extend(delivered.per_document.iter().filter_map(|f| {
            Some((
                format!("documents/{}", f.path.file_name()?.to_string_lossy()),
                f.path.clone(),
            ))
        }));
        let written: Vec<(PathBuf, String)> = delivered
            .single
            .iter()
            .chain(&delivered.parts)
            .chain(&delivered.sends)
            .chain(&delivered.per_document)
            // A checksum not taken is taken as the file is added.
            .filter(|f| !f.sha256.is_empty())
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect();
        let input = bundle::BundleInput {
            packet: &full_target,
            more: &more,
            parts_only: delivered.single.is_none(),
            written: &written,
            letter_pdf: &letter,
            inv: &inv,
            patient: config.patient.name.trim(),
            packet_id: &plan.packet_id,
            generated_at,
            documents: &documents,
            password: opts.password.as_deref(),
        };
        let expected = packet_len + letter.len() as u64 + sources;
        let written =
            emit::write_atomic_seekable_expecting(zip_path, opts.force, expected, |file| {
                bundle::write_bundle(file, &input).map(|(f, _)| f)
            });
        let (sha, _) = match written {
            Ok(w) => w,
            Err(e) => {
                // A build that fails leaves none of its outputs: the packet goes too.
                let _ = std::fs::remove_file(&full_target);
                return Err(e);
            }
        };
        bundle = Some(report::BundleReport {
            path: opts
                .zip
                .as_ref()
                .map(|z| z.display().to_string())
                .unwrap_or_default(),
            sha256: sha,
        });
    }
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
    let report = BuildReport {
        output: parts
            .first()
            .or(sends.first())
            .map(|p| p.file.clone())
            .unwrap_or_else(|| target.display().to_string()),
        parts,
        sends,
        per_document,
        shrunk: delivered.shrunk.map(|s| report::Shrunk {
            pictures: s.pictures,
            bytes_before: s.before,
            bytes_after: s.after,
        }),
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
        removed_active_content: plan
            .removed
            .iter()
            .map(|(path, what)| report::ActiveContent {
                path: path.clone(),
                what: what.clone(),
            })
            .collect(),
        bundle,
        notes: inv
            .included()
            .flat_map(|f| {
                f.notes.iter().map(|n| report::Note {
                    path: f.rel.clone(),
                    note: n.clone(),
                })
            })
            .collect(),
        warnings: inv
            .all_warnings()
            .into_iter()
            .chain(plan.warnings.iter().cloned())
            .chain(added)
            .collect(),
    };
    // The cache keeps what the build learnt now, not when the inventory goes.
    inv.cache.flush();
    free_aside((inv, plan));
    Ok(report)
}

/// Frees `value` on a thread of its own. What a build holds at its end (every file's
/// facts, OCR'd words and page boxes, and the plan) takes time to free, and `medpacket
/// build` ends without waiting for that; a long-running `medpacket serve` frees it while
/// it goes on. Nothing in `value` may need its drop to run (the cache is flushed first).
fn free_aside<T: Send + 'static>(value: T) {
    // Should no thread start, `value` is freed here, as it would have been.
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

/// Builds the packet of `dir` in memory, leaving out unreadable files, with the clock
/// read once; returns the PDF bytes. Every file is read afresh (no cache) and scanned pages
/// are packed without reading them (no engine runs). For fuzzing and embedding; `build` is
/// the command.
pub fn build_to_vec(dir: &Path) -> Result<Vec<u8>> {
    let opts = ScanOptions {
        no_cache: true,
        ocr: OcrMode::Never,
        without_evidence: true,
    };
    let (inv, config) = scan_folder(dir, &opts, &Quiet)?;
    let config = config.ok_or_else(|| Error::MissingConfig(dir.to_path_buf()))?;
    let opts = plan::PlanOptions {
        paper: Paper::Letter,
        skip_unreadable: true,
        lang: config.request.language.unwrap_or_default(),
        fax: false,
        fax_sends: false,
    };
    let plan = plan::plan(&inv, &config, opts, clock::now())?;
    assemble::assemble(&plan, &inv, Vec::new(), None, &Quiet)
}

/// Re-checks a bundle (`FILE.zip`), or a packet PDF against a manifest.
pub fn verify(
    path: &Path,
    manifest: Option<&Path>,
    password: Option<&str>,
) -> Result<bundle::VerifyReport> {
    match manifest {
        Some(m) => bundle::verify_pdf(path, m),
        None => bundle::verify_zip(path, password),
    }
}

/// Checks whether a folder is ready to send.
pub fn check_folder(
    dir: &Path,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<check::CheckReport> {
    let (inv, config) = scan_folder(dir, opts, progress)?;
    check::check(&inv, config.as_ref())
}

/// What `init` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    pub path: String,
    pub documents: usize,
    pub problems: usize,
}

/// Writes `DIR/packet.toml` listing the detected documents; never replaces one.
pub fn init_folder(dir: &Path, opts: &ScanOptions, progress: &dyn Progress) -> Result<InitReport> {
    let target = dir.join(config::CONFIG_NAME);
    if dir.exists() && !dir.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    if !dir.is_dir() {
        return Err(Error::NoSuchFolder(dir.to_path_buf()));
    }
    if target.exists() {
        return Err(Error::ConfigExists(target));
    }
    let inv = Typist::default().scan(dir, None, opts, progress)?;
    let today = clock::now().date_naive();
    let text = init::packet_toml(&inv, &base::profiles::profile_names(), today);
    emit::write_atomic(&target, false, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| Error::io(&target, e))
    })
    .map_err(|e| match e {
        Error::OutputExists(p) => Error::ConfigExists(p),
        other => other,
    })?;
    Ok(InitReport {
        path: target.display().to_string(),
        documents: inv
            .files
            .iter()
            .filter(|f| matches!(f.status, scan::Status::Included | scan::Status::Excluded))
            .count(),
        problems: inv.problems().len(),
    })
}

/// What `letter` needs to know.
#[derive(Debug, Clone)]
pub struct LetterOptions {
    pub dir: PathBuf,
    /// `.pdf` or `.txt`; None: `cover-letter-<patient>-<date>.pdf` here.
    pub output: Option<PathBuf>,
    pub template: Option<PathBuf>,
    pub force: bool,
    pub paper: Paper,
    /// The letter's language; None: `[request] language`, else English.
    pub lang: Option<base::i18n::Lang>,
}

/// Writes the cover letter; returns the path written.
pub fn write_letter(opts: &LetterOptions) -> Result<PathBuf> {
    let (inv, config) = scan_folder(&opts.dir, &ScanOptions::default(), &Quiet)?;
    let config = config.ok_or_else(|| Error::MissingConfig(opts.dir.clone()))?;
    refuse_placeholder(&config, &opts.dir)?;
    let now = clock::now();
    let target = opts.output.clone().unwrap_or_else(|| {
        let name = default_output_name(&config.patient.name, now);
        PathBuf::from(name.replacen("second-opinion-packet-", "cover-letter-", 1))
    });
    let ext = ingest::extension(&target.to_string_lossy());
    if ext != "pdf" && ext != "txt" {
        return Err(Error::Config {
            path: target,
            message: "the letter is written as .pdf or .txt — name the output file accordingly"
                .into(),
        });
    }
    let template = match &opts.template {
        Some(p) => Some((
            std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
            p.clone(),
        )),
        None => None,
    };
    let lang = opts.lang.or(config.request.language).unwrap_or_default();
    let text = write::letter::letter_text(
        &inv,
        &config,
        now.date_naive(),
        template.as_ref().map(|(t, p)| (t.as_str(), p.as_path())),
        lang,
    )?;
    let full = emit::check_target(&target, &inv.root, opts.force)?;
    let bytes = if ext == "pdf" {
        write::letter::letter_pdf(&text, opts.paper, &config.patient.name, now, lang)?
    } else {
        text.into_bytes()
    };
    emit::write_atomic(&full, opts.force, |w| {
        w.write_all(&bytes).map_err(|e| Error::io(&full, e))
    })?;
    Ok(target)
}

/// What `request` needs to know.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    pub dir: PathBuf,
    /// Only this `[[holders]]` entry (by name); None: every holder of a missing record.
    pub holder: Option<String>,
    /// Where the letters go; None: `<DIR>-requests` beside DIR.
    pub output_dir: Option<PathBuf>,
    /// The letters' language; None: `[request] language`, else English.
    pub lang: Option<base::i18n::Lang>,
    pub send_to: write::request::SendTo,
    pub scan: ScanOptions,
}

/// One request letter `request` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LetterReport {
    pub holder: String,
    pub file: String,
    pub kinds: Vec<config::Held>,
    pub pages: u32,
    /// A fax cover goes first (the holder has a fax number).
    pub fax_cover: bool,
}

/// What `request` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestReport {
    pub letters: Vec<LetterReport>,
    /// What the folder still wants from holders.
    pub wanted: Vec<config::Held>,
    /// Why no letter was written, when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nothing: Option<String>,
}

/// `<DIR>-requests` beside the records folder.
pub fn requests_dir_of(dir: &Path) -> PathBuf {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "records".into());
    dir.parent()
        .unwrap_or(&dir)
        .join(format!("{name}-requests"))
}

/// Writes a request letter to each holder of a missing record (or to `--holder`), into
/// `<DIR>-requests` under new names, and records each in packet.toml's `[[requests]]`.
pub fn write_requests(opts: &RequestOptions) -> Result<RequestReport> {
    let (inv, config) = scan_folder(&opts.dir, &opts.scan, &Quiet)?;
    let config = config.ok_or_else(|| Error::MissingConfig(opts.dir.clone()))?;
    refuse_placeholder(&config, &opts.dir)?;
    let toml_path = opts.dir.join(config::CONFIG_NAME);
    let bad = |message: String| Error::Config {
        path: toml_path.clone(),
        message,
    };
    if config.holders.is_empty() {
        return Err(bad("has no [[holders]] entry — add one for each hospital, lab or imaging centre that holds your records (name, address or fax or e-mail, kinds = [\"pathology-report\", …]); `medpacket init` shows an example".into()));
    }
    let verdict = check::check(&inv, Some(&config))?;
    let wanted = verdict.wanted();
    let chosen: Vec<(usize, &config::Holder)> = match &opts.holder {
        Some(name) => {
            let i = config
                .holders
                .iter()
                .position(|h| h.name.trim().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    bad(format!(
                        "has no [[holders]] entry named \"{name}\" — use one of: {}",
                        config
                            .holders
                            .iter()
                            .map(|h| format!("\"{}\"", h.name.trim()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            vec![(i, &config.holders[i])]
        }
        None => config.holders.iter().enumerate().collect(),
    };
    let mut letters = Vec::new();
    let mut unreachable = Vec::new();
    for (i, h) in chosen {
        let asks = check::requests::asks_for(h, &wanted, &inv);
        if asks.is_empty() {
            continue;
        }
        if !h.can_receive() {
            unreachable.push(format!(
                "{}[[holders]] \"{}\" has no address, fax or e-mail, so a letter cannot reach it — add address = \"…\", fax = \"…\" or email = \"…\" (ask its {} by phone{})",
                config.holder_at(i),
                h.name.trim(),
                h.department.trim(),
                h.phone
                    .as_deref()
                    .map(|p| format!(": {}", p.trim()))
                    .unwrap_or_default()
            ));
            continue;
        }
        letters.push((h, asks));
    }
    if !unreachable.is_empty() {
        return Err(bad(unreachable.join("\n  ")));
    }
    if letters.is_empty() {
        let what: Vec<&str> = wanted.iter().map(|w| w.as_str()).collect();
        let nothing = if wanted.is_empty() {
            "no letter is needed: nothing the profile asks for is missing".to_string()
        } else {
            format!(
                "no letter written: no [[holders]] entry{} holds what is missing ({}) — add those kinds to the kinds of the holder that has them",
                opts.holder.as_ref().map(|h| format!(" named \"{h}\"")).unwrap_or_default(),
                what.join(", ")
            )
        };
        return Ok(RequestReport {
            letters: Vec::new(),
            wanted,
            nothing: Some(nothing),
        });
    }
    let out_dir = opts
        .output_dir
        .clone()
        .unwrap_or_else(|| requests_dir_of(&opts.dir));
    let records = inv.root.canonicalize().unwrap_or_else(|_| inv.root.clone());
    emit::create_private_dir(&out_dir)?;
    let out_full = out_dir.canonicalize().map_err(|e| Error::io(&out_dir, e))?;
    if out_full.starts_with(&records) {
        return Err(Error::Config {
            path: out_dir.clone(),
            message: format!(
                "is inside the records folder {} — medpacket never writes there; choose a folder outside it, e.g. -o ../requests",
                records.display()
            ),
        });
    }
    let now = clock::now();
    let today = now.date_naive();
    let lang = opts.lang.or(config.request.language).unwrap_or_default();
    // packet.toml's new text first, so a mistake in it stops before any letter is written.
    let mut toml_text =
        std::fs::read_to_string(&toml_path).map_err(|e| Error::io(&toml_path, e))?;
    let mut made = Vec::new();
    for (h, asks) in &letters {
        let r = write::request::RequestLetter {
            config: &config,
            holder: h,
            asks,
            date: today,
            send_to: opts.send_to,
            lang,
        };
        let text = write::request::request_text(&r)?;
        let pdf = write::request::request_pdf(&r, &text, now)?;
        let kinds: Vec<config::Held> = asks.iter().map(|a| a.held).collect();
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        toml_text =
            base::edit::add_request(&toml_text, h.name.trim(), &names, today).map_err(&bad)?;
        made.push((h, kinds, pdf));
    }
    PacketConfig::parse(&toml_text, &toml_path)?;
    let mut letters_out = Vec::new();
    for (h, kinds, pdf) in made {
        let name = write::request::file_name(&h.name, today);
        let path = emit::write_new(&out_full, &name, &pdf)?;
        let pages = lopdf::Document::load_mem(&pdf)
            .map(|d| d.get_pages().len() as u32)
            .unwrap_or(0);
        let fax_cover = h.fax.as_deref().is_some_and(|f| !f.trim().is_empty());
        letters_out.push(LetterReport {
            holder: h.name.trim().to_string(),
            file: path.display().to_string(),
            kinds,
            pages,
            fax_cover,
        });
    }
    emit::rewrite_users_file(&toml_path, &toml_text)?;
    Ok(RequestReport {
        letters: letters_out,
        wanted,
        nothing: None,
    })
}

/// Marks the latest unsent request to `holder` as sent on the clock's day; returns the
/// due date (30 days later).
pub fn mark_request_sent(dir: &Path, holder: &str) -> Result<chrono::NaiveDate> {
    let path = dir.join(config::CONFIG_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingConfig(dir.to_path_buf()))
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    PacketConfig::parse(&text, &path)?;
    let (new, due) =
        base::edit::mark_sent(&text, holder, clock::now().date_naive()).map_err(|message| {
            Error::Config {
                path: path.clone(),
                message,
            }
        })?;
    PacketConfig::parse(&new, &path)?;
    emit::rewrite_users_file(&path, &new)?;
    Ok(due)
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
