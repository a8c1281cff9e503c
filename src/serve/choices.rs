//! The build's choices: the Build form's fields (language, fax and its pages per send,
//! size limit, one file per document, the ZIP bundle) turn into the library's
//! `BuildOptions`, and the files one build wrote into the list the page offers for
//! download.

use crate::base::i18n::Lang;
use crate::report::BuildReport;
use crate::write::deliver::SendOptions;
use std::path::{Path, PathBuf};

/// The Build form as sent: every field text, so a wrong value is named, not dropped.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub(crate) struct BuildForm {
    /// "", "en" or "es": "" keeps packet.toml's `[request] language`.
    pub lang: String,
    /// "on" when ticked.
    pub fax: String,
    pub fax_pages: String,
    /// "18MB"; "" for no limit.
    pub max_size: String,
    pub per_document: String,
    pub bundle: String,
}

/// The choices, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Choices {
    pub lang: Option<Lang>,
    pub fax: bool,
    pub fax_pages: Option<u32>,
    pub max_size: Option<u64>,
    pub per_document: bool,
    pub bundle: bool,
}

impl BuildForm {
    /// The choices, or every reason they cannot be used (each says what to write).
    pub fn choices(&self) -> Result<Choices, Vec<String>> {
        let mut errors = Vec::new();
        let ticked = |v: &str| !v.is_empty() && v != "off";
        let lang = match self.lang.trim() {
            "" => None,
            code => match code.parse::<Lang>() {
                Ok(l) => Some(l),
                Err(e) => {
                    errors.push(format!("Language: {e}."));
                    None
                }
            },
        };
        let fax = ticked(&self.fax);
        let fax_pages = match self.fax_pages.trim() {
            "" => None,
            _ if !fax => None,
            n => match n.parse::<u32>() {
                Ok(p) if p >= 2 => Some(p),
                _ => {
                    errors.push(format!(
                        "Pages per fax send: \"{n}\" is not a number of pages — give 2 or more (fax services commonly take 100), or leave it empty."
                    ));
                    None
                }
            },
        };
        let max_size = match self.max_size.trim() {
            "" => None,
            s => match crate::base::size::parse_size(s) {
                Ok(b) => Some(b),
                Err(e) => {
                    errors.push(format!(
                        "Largest file: {e}, or leave it empty for one file."
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Choices {
            lang,
            fax,
            fax_pages,
            max_size,
            per_document: ticked(&self.per_document),
            bundle: ticked(&self.bundle),
        })
    }
}

impl Choices {
    /// How the packet travels. The page's own field is the size limit: packet.toml's
    /// `[send] max_size` fills it in, and an emptied field means one file.
    pub fn send(&self, per_document: Option<PathBuf>) -> SendOptions {
        SendOptions {
            max_size: self.max_size,
            per_document,
            fax_pages: self.fax_pages,
            fax_sends: false,
            honour_config: false,
        }
    }
}

/// The packet's name in `dir` with nothing of that name there yet: not the packet, nor
/// its parts or fax sends (`<stem>-part-…`, `<stem>-send-…`), its bundle or its folder of
/// documents. `second-opinion-packet-x-2026-01-01.pdf`, else `… (2).pdf` and so on.
pub(crate) fn free_packet_name(dir: &Path, name: &str) -> PathBuf {
    let stem = name.strip_suffix(".pdf").unwrap_or(name);
    let taken: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    for n in 1..=1000u32 {
        let base = if n == 1 {
            stem.to_string()
        } else {
            format!("{stem} ({n})")
        };
        let used = taken.iter().any(|t| {
            t.strip_prefix(&base).is_some_and(|rest| {
                rest.starts_with('.')
                    || rest.starts_with("-part-")
                    || rest.starts_with("-send-")
                    || rest == DOCUMENTS_SUFFIX
            })
        });
        if !used {
            return dir.join(format!("{base}.pdf"));
        }
    }
    dir.join(name)
}

/// The folder of one-file-per-document copies: `<packet stem>-documents`.
pub(crate) const DOCUMENTS_SUFFIX: &str = "-documents";

/// `<stem><ending>` beside the packet `target`.
pub(crate) fn beside(target: &Path, ending: &str) -> PathBuf {
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "packet".into());
    target.with_file_name(format!("{stem}{ending}"))
}

/// One file a build wrote, as the page offers it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Output {
    pub path: PathBuf,
    /// "packet", "part", "send", "document" or "bundle".
    pub role: &'static str,
    /// The packet pages it holds (none for the bundle).
    pub pages: Option<(u32, u32)>,
    pub bytes: u64,
}

/// The files a build wrote, in the order the page lists them: the packet (or its parts,
/// or its fax sends), the bundle, then the per-document files.
pub(crate) fn outputs(report: &BuildReport, target: &Path, bundle: Option<&Path>) -> Vec<Output> {
    let file = |f: &crate::report::FileOut, role| Output {
        path: PathBuf::from(&f.file),
        role,
        pages: Some((f.first_page, f.last_page)),
        bytes: f.bytes,
    };
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut out: Vec<Output> = if !report.parts.is_empty() {
        report.parts.iter().map(|f| file(f, "part")).collect()
    } else if !report.sends.is_empty() {
        report.sends.iter().map(|f| file(f, "send")).collect()
    } else {
        vec![Output {
            path: target.to_path_buf(),
            role: "packet",
            pages: Some((1, report.pages)),
            bytes: size(target),
        }]
    };
    if let Some(b) = bundle.filter(|_| report.bundle.is_some()) {
        out.push(Output {
            path: b.to_path_buf(),
            role: "bundle",
            pages: None,
            bytes: size(b),
        });
    }
    out.extend(report.per_document.iter().map(|f| file(f, "document")));
    out
}

/// One file of the last build, as the page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct FileView {
    pub name: String,
    pub role: &'static str,
    pub url: String,
    /// Shown in the browser (PDFs only).
    pub view_url: Option<String>,
    pub first_page: u32,
    pub last_page: u32,
    /// "1.2 MB".
    pub size: String,
}

/// The row of file `id` (its place among the files the server wrote).
pub(crate) fn file_view(id: usize, name: &str, o: &Output) -> FileView {
    let (first_page, last_page) = o.pages.unwrap_or((0, 0));
    FileView {
        name: name.to_string(),
        role: o.role,
        url: format!("/download/{id}"),
        view_url: (o.role != "bundle").then(|| format!("/view/{id}")),
        first_page,
        last_page,
        size: shown_size(o.bytes),
    }
}

/// A size as people read it: "840 KB", "12.4 MB".
pub(crate) fn shown_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{} KB", (b / 1e3).ceil().max(1.0))
    }
}

/// A size limit as the form shows it (`parse_size` reads it back): "18MB", "750KB".
fn limit_text(bytes: u64) -> String {
    if bytes.is_multiple_of(1_000_000) {
        format!("{}MB", bytes / 1_000_000)
    } else if bytes.is_multiple_of(1_000) {
        format!("{}KB", bytes / 1_000)
    } else {
        bytes.to_string()
    }
}

/// The Build form's values.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct FormView {
    /// "en" or "es".
    pub lang: &'static str,
    pub fax: bool,
    pub fax_pages: String,
    pub max_size: String,
    pub per_document: bool,
    pub bundle: bool,
    /// packet.toml's `[send] max_size`, when it has one.
    pub config_max_size: String,
}

/// The last build's choices, else packet.toml's language and size limit.
pub(crate) fn form_view(
    last: Option<&Choices>,
    config: Option<&crate::base::config::PacketConfig>,
) -> FormView {
    let config_lang = config.and_then(|c| c.request.language);
    let config_max = config.and_then(|c| c.send.max_size);
    let c = last.cloned().unwrap_or(Choices {
        lang: config_lang,
        max_size: config_max,
        ..Choices::default()
    });
    FormView {
        lang: c.lang.or(config_lang).unwrap_or_default().code(),
        fax: c.fax,
        fax_pages: c.fax_pages.map(|p| p.to_string()).unwrap_or_default(),
        max_size: c.max_size.map(limit_text).unwrap_or_default(),
        per_document: c.per_document,
        bundle: c.bundle,
        config_max_size: config_max.map(limit_text).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BuildForm {
        let mut f = BuildForm::default();
        for (k, v) in pairs {
            let v = v.to_string();
            match *k {
                "lang" => f.lang = v,
                "fax" => f.fax = v,
                "fax_pages" => f.fax_pages = v,
                "max_size" => f.max_size = v,
                "per_document" => f.per_document = v,
                "bundle" => f.bundle = v,
                _ => panic!("{k}"),
            }
        }
        f
    }

    #[test]
    fn limits_read_back_as_written() {
        for text in ["18MB", "750KB", "1234"] {
            let b = crate::base::size::parse_size(text).expect("size");
            assert_eq!(limit_text(b), text);
        }
        assert_eq!(shown_size(12_400_000), "12.4 MB");
        assert_eq!(shown_size(1), "1 KB");
    }

    #[test]
    fn an_empty_form_builds_as_before() {
        assert_eq!(form(&[]).choices(), Ok(Choices::default()));
    }

    #[test]
    fn choices_are_read_and_wrong_values_named() {
        let c = form(&[
            ("lang", "es"),
            ("fax", "on"),
            ("fax_pages", "40"),
            ("max_size", "10MB"),
            ("per_document", "on"),
            ("bundle", "on"),
        ])
        .choices()
        .expect("valid");
        assert_eq!(c.lang, Some(Lang::Es));
        assert!(c.fax && c.per_document && c.bundle);
        assert_eq!(c.fax_pages, Some(40));
        assert_eq!(c.max_size, Some(10_000_000));
        // Pages per send mean nothing without the fax.
        assert_eq!(
            form(&[("fax_pages", "40")])
                .choices()
                .expect("ok")
                .fax_pages,
            None
        );
        let errors = form(&[
            ("lang", "fr"),
            ("fax", "on"),
            ("fax_pages", "1"),
            ("max_size", "big"),
        ])
        .choices()
        .expect_err("three mistakes");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("use en or es"), "{errors:?}");
        assert!(errors[1].contains("give 2 or more"), "{errors:?}");
        assert!(errors[2].contains("\"big\""), "{errors:?}");
    }

    #[test]
    fn a_packet_name_is_free_of_earlier_parts_bundles_and_folders() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        assert_eq!(free_packet_name(d, "p-x.pdf"), d.join("p-x.pdf"));
        std::fs::write(d.join("p-x-part-1-of-2.pdf"), "").expect("write");
        assert_eq!(free_packet_name(d, "p-x.pdf"), d.join("p-x (2).pdf"));
        std::fs::create_dir(d.join("p-x (2)-documents")).expect("mkdir");
        std::fs::write(d.join("p-x (3).zip"), "").expect("write");
        assert_eq!(free_packet_name(d, "p-x.pdf"), d.join("p-x (4).pdf"));
        // Another patient's name that starts the same is not in the way.
        assert_eq!(free_packet_name(d, "p.pdf"), d.join("p.pdf"));
        assert_eq!(
            beside(&d.join("p-x (4).pdf"), ".zip"),
            d.join("p-x (4).zip")
        );
    }
}
