//! OCR: the scanned pages of the inventory (image files, every page of a TIFF fax, PDF
//! pages without a text layer) turn into their words, each with its box, and the turn
//! that shows the page upright — read by Tesseract, one process per page, pages in
//! parallel, and cached by content so a rebuild reads no scan twice.

pub mod engine;
pub mod pages;

use crate::base::config::CONFIG_NAME;
use crate::base::error::{Error, Result};
use crate::read::cache::Cache;
use crate::read::inventory::SourceFile;
use crate::read::reader::Format;
pub use crate::read::words::{FileOcr, OcrMode, PageText, Word};
use engine::Engine;
use pages::PageImage;
use std::path::{Path, PathBuf};

/// The languages read when packet.toml names none.
pub const DEFAULT_LANGUAGES: &[&str] = &["eng"];

/// How results are produced; part of every cache key, so a change here reads pages again.
const METHOD: &str = "tsv-psm1-osd-300dpi-1";

/// What reading the scans gave: per file (by index in the inventory's list) its result
/// and notes, and warnings for the whole folder.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<(usize, FileOcr, Vec<String>)>,
    pub warnings: Vec<String>,
}

/// The command that installs the engine and the language data.
pub fn install_command(languages: &[String]) -> String {
    let mut cmd = "sudo apt-get install tesseract-ocr".to_string();
    let mut langs: Vec<&str> = languages.iter().map(String::as_str).collect();
    if langs.is_empty() {
        langs.extend(DEFAULT_LANGUAGES);
    }
    for l in langs {
        cmd.push_str(&format!(" tesseract-ocr-{}", debian_name(l)));
    }
    cmd
}

/// Debian's package suffix for a Tesseract language code (`chi_sim` -> `chi-sim`).
fn debian_name(lang: &str) -> String {
    lang.to_ascii_lowercase().replace('_', "-")
}

/// The scanned pages of a file (1-based): every page of an image file, the pages without
/// a text layer of a PDF (not those embedded in a clinical document).
pub fn scanned_pages(f: &SourceFile) -> Vec<u32> {
    // A clinical document's embedded picture or PDF lives inside its XML, not on disk.
    if !f.is_included() || f.cda.is_some() {
        return Vec::new();
    }
    if pages::is_image(f.format) {
        (1..=f.pages.unwrap_or(1)).collect()
    } else if f.format == Some(Format::Pdf) {
        f.scanned.clone()
    } else {
        Vec::new()
    }
}

/// A source's bytes again, checked against the scan's checksum (the scan's
/// `read_source`, which knows the readers of containers).
pub type ReadSource = dyn Fn(&SourceFile) -> Result<Vec<u8>> + Sync;

/// Reads the scanned pages of `files` (those included). `root` is the records folder
/// (for messages and to keep the cache out of it); `source` reads a file's bytes again.
pub fn read_scans(
    files: &[SourceFile],
    source: &ReadSource,
    root: &Path,
    languages: &[String],
    opts: &crate::read::inventory::ScanOptions,
    progress: &dyn crate::Progress,
) -> Result<Outcome> {
    let mode = opts.ocr;
    let wanted: Vec<(usize, Vec<u32>)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (i, scanned_pages(f)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let mut out = Outcome::default();
    if wanted.is_empty() || mode == OcrMode::Never {
        return Ok(out);
    }
    let total: usize = wanted.iter().map(|(_, p)| p.len()).sum();
    let engine = match Engine::find() {
        Ok(e) => e,
        Err(reason) => {
            let names: Vec<&str> = wanted
                .iter()
                .filter_map(|(i, _)| files.get(*i))
                .map(|f| f.rel.as_str())
                .collect();
            let mut list = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            if names.len() > 5 {
                list.push_str(&format!(" and {} more", names.len() - 5));
            }
            let install = install_command(languages);
            if mode == OcrMode::Always {
                return Err(Error::Ocr(format!(
                    "{total} scanned page(s) need reading ({list}), but {reason} — install it with: {install} (or build with --ocr auto to pack them unread)"
                )));
            }
            out.warnings.push(format!(
                "{total} scanned page(s) were not read ({list}): {reason} — install it with: {install}"
            ));
            return Ok(out);
        }
    };
    for lang in languages {
        if !engine.languages.iter().any(|l| l == lang) {
            return Err(Error::Config {
                path: root.join(CONFIG_NAME),
                message: format!(
                    "[ocr] languages: the Tesseract data for \"{lang}\" is not installed — install it with: sudo apt-get install tesseract-ocr-{} (installed: {})",
                    debian_name(lang),
                    if engine.languages.is_empty() { "none".to_string() } else { engine.languages.join(", ") }
                ),
            });
        }
    }
    let label = engine.label();
    let cache = Cache::open(root, opts.no_cache);
    let key = |sha: &str, page: u32| {
        format!(
            "{sha}:{page}:{}:{}:{METHOD}",
            engine.version,
            languages.join("+")
        )
    };

    // Cached pages first; what is left is read.
    let mut results: Vec<(usize, FileOcr, Vec<String>)> = Vec::new();
    let mut misses: Vec<(usize, Vec<u32>)> = Vec::new();
    for (i, pages) in &wanted {
        let Some(f) = files.get(*i) else { continue };
        let mut ocr = FileOcr {
            engine: label.clone(),
            pages: vec![None; f.pages.unwrap_or(1) as usize],
        };
        let mut missing = Vec::new();
        for &p in pages {
            match cache.get::<PageText>("ocr", &key(&f.sha256, p)) {
                Some(t) => {
                    if let Some(slot) = ocr.pages.get_mut(p as usize - 1) {
                        *slot = Some(t);
                    }
                }
                None => missing.push(p),
            }
        }
        if !missing.is_empty() {
            misses.push((*i, missing));
        }
        results.push((*i, ocr, Vec::new()));
    }
    let to_read: usize = misses.iter().map(|(_, p)| p.len()).sum();
    if to_read > 0 {
        progress.start("Reading scans", to_read as u64);
        let read = read_pages(files, source, &misses, &engine, languages, progress);
        for (i, page, result) in read {
            let Some(entry) = results.iter_mut().find(|(j, _, _)| *j == i) else {
                continue;
            };
            let single = files.get(i).and_then(|f| f.pages) == Some(1);
            match result {
                Ok(text) => {
                    if let Some(f) = files.get(i) {
                        cache.put("ocr", &key(&f.sha256, page), &text);
                    }
                    if let Some(slot) = entry.1.pages.get_mut(page as usize - 1) {
                        *slot = Some(text);
                    }
                }
                Err(reason) => entry.2.push(if single {
                    format!("not read by OCR ({reason}); packed as an image without searchable text")
                } else {
                    format!("page {page} not read by OCR ({reason}); packed as an image without searchable text")
                }),
            }
        }
    }
    out.files = results;
    Ok(out)
}

/// A page to read, once its image is ready (or why it cannot be).
struct Task<'a> {
    file: usize,
    page: u32,
    source: std::result::Result<Source<'a>, String>,
    work: PathBuf,
}

/// Where a page's image comes from.
enum Source<'a> {
    /// An image file the engine reads as it is (its stored pixels).
    Image(PageImage),
    /// A PDF page to render first.
    Pdf { pdf: PathBuf, pdftoppm: &'a Path },
}

/// Reads the pages listed in `misses`, in parallel; one result per page.
fn read_pages(
    files: &[SourceFile],
    source: &ReadSource,
    misses: &[(usize, Vec<u32>)],
    engine: &Engine,
    languages: &[String],
    progress: &dyn crate::Progress,
) -> Vec<(usize, u32, std::result::Result<PageText, String>)> {
    use rayon::prelude::*;
    let pdftoppm = engine::on_path("pdftoppm");
    // Each file's images are made ready (a TIFF decoded, a member of an archive written
    // out) in a temporary folder that lives until its pages are read.
    let prepared: Vec<(Option<tempfile::TempDir>, Vec<Task<'_>>)> = misses
        .par_iter()
        .map(|(i, pages)| {
            let Some(f) = files.get(*i) else {
                return (None, Vec::new());
            };
            let dir = match tempfile::Builder::new().prefix("medpacket-ocr-").tempdir() {
                Ok(d) => d,
                Err(e) => {
                    let why = format!("no temporary folder ({e})");
                    let tasks = pages
                        .iter()
                        .map(|&p| Task {
                            file: *i,
                            page: p,
                            source: Err(why.clone()),
                            work: PathBuf::new(),
                        })
                        .collect();
                    return (None, tasks);
                }
            };
            let tasks = prepare_file(f, source, *i, pages, dir.path(), pdftoppm.as_deref());
            (Some(dir), tasks)
        })
        .collect();
    let tasks: Vec<&Task<'_>> = prepared.iter().flat_map(|(_, t)| t.iter()).collect();
    tasks
        .into_par_iter()
        .map(|t| {
            let result = t.source.as_ref().map_err(Clone::clone).and_then(|s| {
                std::fs::create_dir_all(&t.work)
                    .map_err(|e| format!("no temporary folder ({e})"))?;
                let rendered;
                let image = match s {
                    Source::Image(img) => img,
                    Source::Pdf { pdf, pdftoppm } => {
                        rendered = pages::render_pdf_page(pdftoppm, pdf, t.page, &t.work)?;
                        &rendered
                    }
                };
                let r = engine.read_page(&image.path, image.dpi, languages, &t.work, image.size);
                let _ = std::fs::remove_dir_all(&t.work);
                r
            });
            progress.advance();
            (t.file, t.page, result)
        })
        .collect()
}

/// Gets the images of one file's pages ready in `dir`.
fn prepare_file<'a>(
    f: &SourceFile,
    source: &ReadSource,
    index: usize,
    pages: &[u32],
    dir: &Path,
    pdftoppm: Option<&'a Path>,
) -> Vec<Task<'a>> {
    let task = |page: u32, source| Task {
        file: index,
        page,
        source,
        work: dir.join(format!("p{page}")),
    };
    let all_fail = |why: String| -> Vec<Task<'a>> {
        pages.iter().map(|&p| task(p, Err(why.clone()))).collect()
    };
    // The bytes, written out only when the file is not itself on disk as it was scanned.
    let on_disk = |ext: &str| -> std::result::Result<PathBuf, String> {
        if f.zip.is_none() && f.password.is_none() {
            return Ok(f.abs.clone());
        }
        let bytes = source(f).map_err(|e| e.to_string())?;
        let bytes = if f.password.is_some() {
            decrypted(&bytes, f.password.as_deref())?
        } else {
            bytes
        };
        let path = dir.join(format!("source.{ext}"));
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write a temporary copy ({e})"))?;
        Ok(path)
    };
    match f.format {
        Some(Format::Jpeg | Format::Png) => {
            let ext = if f.format == Some(Format::Jpeg) {
                "jpg"
            } else {
                "png"
            };
            let size = f.image.map(|i| (i.width, i.height)).unwrap_or((0, 0));
            match on_disk(ext) {
                Ok(path) => pages
                    .iter()
                    .map(|&p| {
                        task(
                            p,
                            Ok(Source::Image(PageImage {
                                path: path.clone(),
                                dpi: None,
                                size,
                            })),
                        )
                    })
                    .collect(),
                Err(why) => all_fail(why),
            }
        }
        Some(Format::Tiff) => {
            let bytes = match source(f) {
                Ok(b) => b,
                Err(e) => return all_fail(e.to_string()),
            };
            match pages::tiff_pages(&bytes, pages, dir) {
                Ok(images) => images
                    .into_iter()
                    .map(|(p, img)| task(p, Ok(Source::Image(img))))
                    .collect(),
                Err(why) => all_fail(why),
            }
        }
        Some(Format::Pdf) => {
            let Some(pdftoppm) = pdftoppm else {
                return all_fail(
                    "PDF pages are rendered with poppler's pdftoppm, which is not installed — install it with: sudo apt-get install poppler-utils".into(),
                );
            };
            match on_disk("pdf") {
                Ok(pdf) => pages
                    .iter()
                    .map(|&p| {
                        task(
                            p,
                            Ok(Source::Pdf {
                                pdf: pdf.clone(),
                                pdftoppm,
                            }),
                        )
                    })
                    .collect(),
                Err(why) => all_fail(why),
            }
        }
        _ => Vec::new(),
    }
}

/// A copy of a password-protected PDF without its protection, for the renderer.
fn decrypted(bytes: &[u8], password: Option<&str>) -> std::result::Result<Vec<u8>, String> {
    let mut doc = crate::read::pdf::load_pdf(bytes, password).map_err(|e| e.to_string())?;
    doc.trailer.remove(b"Encrypt");
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| format!("cannot prepare the page for reading ({e})"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_command_names_every_language_package() {
        assert_eq!(
            install_command(&[]),
            "sudo apt-get install tesseract-ocr tesseract-ocr-eng"
        );
        assert_eq!(
            install_command(&["eng".into(), "chi_sim".into()]),
            "sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim"
        );
    }

    #[test]
    fn few_words_keep_the_page_as_stored() {
        let w = |t: &str| Word {
            text: t.into(),
            x0: 0.0,
            y0: 0.0,
            x1: 1.0,
            y1: 1.0,
            line_top: 0.0,
            line_bottom: 1.0,
        };
        let mut p = PageText {
            width: 10,
            height: 10,
            rotate: 180,
            words: vec![w("a"), w("b")],
            text: "a b".into(),
        };
        assert_eq!(p.confident_turn(), None);
        p.words.push(w("c"));
        assert_eq!(p.confident_turn(), Some(180));
    }
}
