//! The DICOM reader: files of a copied imaging CD (a DICOMDIR, or `DICM` at byte 128, or
//! implicit VR files without the preamble) turn into their header facts — patient, study,
//! series — read up to the pixel data and never past it, and the disc's studies turn into
//! the list the packet shows. An encapsulated PDF report is handed over as a PDF to pack.
//!
//! The header is read by a small parser of its own ([`parse`]) rather than dicom-rs: see
//! ARCHITECTURE.md ("Imaging CDs").

pub mod parse;
pub mod text;

use crate::base::error::{Problem, Warning};
use crate::read::reader::{Format, Input, Probe, Reader, Readers};
use parse::{bytes_of, find, Element, Header, Malformed, Value};
use text::Charset;

pub use crate::read::imaging::{
    Instance, Study, DIRECTORY, ENCAPSULATED_CDA, ENCAPSULATED_PDF, STRUCTURED_REPORT,
};

/// The reader of DICOM files.
pub struct DicomReader;

impl Reader for DicomReader {
    fn format(&self) -> Format {
        Format::Dicom
    }

    fn sniff(&self, bytes: &[u8], ext: &str) -> bool {
        parse::has_preamble(bytes)
            || (matches!(ext, "" | "dcm" | "dicom" | "dic") || ext.ends_with(";1"))
                && parse::looks_implicit(bytes)
    }

    fn probe(&self, input: Input<'_>, readers: &Readers) -> Result<Probe, Problem> {
        let rel = input.rel;
        let header = parse::header(input.bytes).map_err(|Malformed(why)| malformed(rel, &why))?;
        let instance = instance(input.bytes, &header);
        if instance.is_directory() {
            if let Some(bad) = instance.references.iter().find(|r| leaves(r)) {
                return Err(Problem::new(
                    rel,
                    format!("the DICOMDIR references \"{bad}\", which leaves the disc's folder"),
                    "copy the whole disc again into one folder; a DICOMDIR only names files inside its own folder",
                ));
            }
        } else if instance.study_uid.is_empty() {
            let why = if header.pixel_length.is_none() && !header.reached_bulk {
                format!(
                    "truncated or incomplete: the header ends at byte {} without a Study Instance UID (0020,000D)",
                    input.bytes.len()
                )
            } else {
                "not conformant: the header has no Study Instance UID (0020,000D)".to_string()
            };
            return Err(malformed(rel, &why));
        }
        let mut probe = Probe {
            format: Some(Format::Dicom),
            pages: Some(0),
            ..Probe::default()
        };
        if instance.sop_class == ENCAPSULATED_PDF || instance.sop_class == ENCAPSULATED_CDA {
            let payload = document(input.bytes, &header).map_err(|why| malformed(rel, &why))?;
            // The report it carries must be what it is said to be, or the file is named
            // for what it is (not as an image file that cannot go into a packet).
            let (said, expected) = if instance.sop_class == ENCAPSULATED_PDF {
                ("PDF", Format::Pdf)
            } else {
                ("clinical document (CDA)", Format::Cda)
            };
            if readers.format_of(&payload, "") != expected {
                return Err(Problem::new(
                    rel,
                    format!("DICOM file that should hold a {said} report holds something else — the report in it cannot be read"),
                    "ask the imaging centre for the written report as a PDF, or copy the file from the disc again",
                ));
            }
            let inner = readers.probe(Input {
                rel,
                bytes: &payload,
                password: input.password,
            })?;
            probe = Probe {
                wrapper: Some(Format::Dicom),
                ..inner
            };
        }
        probe.dicom = Some(Box::new(instance));
        Ok(probe)
    }

    fn content(&self, rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Problem> {
        let header = parse::header(&bytes).map_err(|Malformed(why)| malformed(rel, &why))?;
        document(&bytes, &header).map_err(|why| malformed(rel, &why))
    }
}

fn malformed(rel: &str, why: &str) -> Problem {
    Problem::new(
        rel,
        format!("DICOM file cannot be read: {why}"),
        "copy the file from the imaging disc again (the copy may not have finished), or ask the imaging centre for a new disc",
    )
}

/// Whether a DICOMDIR reference leaves the folder it is in.
fn leaves(reference: &str) -> bool {
    reference.starts_with('/')
        || reference.split('/').any(|p| p == "..")
        || reference.as_bytes().get(1) == Some(&b':')
}

/// An encapsulated document's bytes: the Encapsulated Document element, its pad byte
/// removed (the length from the header, when the file gives one).
fn document(bytes: &[u8], header: &Header) -> Result<Vec<u8>, String> {
    let doc = bytes_of(bytes, header.get(parse::DOCUMENT))
        .ok_or("the encapsulated document element (0042,0011) is missing")?;
    let mut len = doc.len();
    // Encapsulated Document Length (0042,0015), UL, when present.
    if let Some(b) = bytes_of(bytes, header.get((0x0042, 0x0015))) {
        if b.len() == 4 {
            let declared = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            if declared <= len {
                len = declared;
            }
        }
    } else if len % 2 == 0 && len > 0 && doc[len - 1] == 0 {
        // The value is padded to even length with a NUL.
        len -= 1;
    }
    Ok(doc[..len].to_vec())
}

/// The facts of a parsed header, text decoded in the file's character set.
fn instance(bytes: &[u8], h: &Header) -> Instance {
    let charset = bytes_of(bytes, h.get(parse::CHARSET))
        .map(|b| Charset::named(&parse::ascii(b)))
        .unwrap_or_default();
    let text = |els: &[Element], tag| {
        bytes_of(bytes, find(els, tag))
            .map(|b| charset.decode(b))
            .unwrap_or_default()
    };
    let els = &h.elements;
    let mut references = Vec::new();
    if let Some(Element {
        value: Value::Items(records),
        ..
    }) = h.get(parse::RECORD_SEQUENCE)
    {
        for r in records {
            let file = text(r, parse::REFERENCED_FILE);
            if !file.is_empty() {
                references.push(
                    file.split('\\')
                        .map(str::trim)
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut sop_class = uid(&text(els, parse::SOP_CLASS));
    if sop_class.is_empty() {
        sop_class = uid(h.media_class.as_deref().unwrap_or(""));
    }
    Instance {
        sop_class,
        study_uid: uid(&text(els, parse::STUDY_UID)),
        series_uid: uid(&text(els, parse::SERIES_UID)),
        date: date(&text(els, parse::STUDY_DATE)),
        modality: text(els, parse::MODALITY),
        description: text(els, parse::STUDY_DESCRIPTION),
        body_part: text(els, parse::BODY_PART),
        accession: text(els, parse::ACCESSION),
        institution: text(els, parse::INSTITUTION),
        referring: text(els, parse::REFERRING),
        patient_name: text(els, parse::PATIENT_NAME),
        patient_id: text(els, parse::PATIENT_ID),
        birth_date: date(&text(els, parse::BIRTH_DATE)),
        references,
    }
}

fn uid(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).to_string()
}

/// A DA value (`YYYYMMDD`) as `YYYY-MM-DD`; anything else as written.
fn date(s: &str) -> String {
    // YYYYMMDD, or the older YYYY.MM.DD; anything else, or a day that does not exist
    // (20251399), is no date at all rather than shown as if it were one.
    let d: String = s.trim().chars().filter(|&c| c != '.' && c != '-').collect();
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        let iso = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
        if chrono::NaiveDate::parse_from_str(&iso, "%Y-%m-%d").is_ok() {
            return iso;
        }
    }
    String::new()
}

/// Why a name on a disc's copy is passed over as part of the disc (its viewer and extras),
/// or None. `rel` is the path below the disc's folder (the folder of its DICOMDIR).
pub fn disc_extra(rel_in_disc: &str) -> Option<&'static str> {
    const WHY: &str = "part of an imaging CD (its viewer or extras)";
    let lower = rel_in_disc.to_ascii_lowercase();
    let lower = lower.trim_end_matches(";1");
    let parts: Vec<&str> = lower.split('/').collect();
    let name = parts.last().copied().unwrap_or("");
    let folders = &parts[..parts.len().saturating_sub(1)];
    if folders.iter().any(|f| {
        *f == "ihe_pdi" || f.contains("viewer") || *f == "bin" || *f == "lib" || *f == "jre"
    }) {
        return Some(WHY);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if name == "autorun.inf"
        || name.starts_with("readme")
        || matches!(
            ext,
            "exe"
                | "dll"
                | "inf"
                | "ini"
                | "bat"
                | "cmd"
                | "sys"
                | "ico"
                | "jar"
                | "so"
                | "dylib"
                | "htm"
                | "html"
                | "css"
                | "js"
                | "cfg"
        )
    {
        return Some(WHY);
    }
    None
}

/// Whether a folder holds a DICOMDIR (the top of a copied disc).
pub fn has_dicomdir(dir: &std::path::Path) -> bool {
    ["DICOMDIR", "dicomdir", "DICOMDIR;1", "dicomdir;1"]
        .iter()
        .any(|n| dir.join(n).is_file())
}

/// Why a file of a copied imaging disc (below a folder with a DICOMDIR) is passed over:
/// the disc's viewer and extras. Folders are looked at once each.
pub fn disc_extra_below(
    root: &std::path::Path,
    path: &std::path::Path,
    discs: &mut std::collections::HashMap<std::path::PathBuf, bool>,
) -> Option<&'static str> {
    for dir in path.ancestors().skip(1) {
        if !dir.starts_with(root) {
            break;
        }
        let is_disc = *discs
            .entry(dir.to_path_buf())
            .or_insert_with(|| has_dicomdir(dir));
        if is_disc {
            let below = crate::read::inventory::rel_path(dir, path);
            return disc_extra(&below);
        }
    }
    None
}

/// The studies of the folder's imaging discs, from the DICOM files read (included ones,
/// and the DICOMDIRs whatever their status).
pub fn inventory_studies(
    files: &[crate::read::inventory::SourceFile],
    config: Option<&crate::base::config::PacketConfig>,
) -> (Vec<Study>, Vec<Warning>) {
    let seen: Vec<Seen<'_>> = files
        .iter()
        .filter(|f| f.is_included())
        .filter_map(|f| {
            f.dicom.as_deref().map(|instance| Seen {
                rel: &f.rel,
                instance,
                packed: f.format != Some(Format::Dicom),
            })
        })
        .collect();
    if seen.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    studies(
        &seen,
        &rels,
        config.map(|c| (c.patient.name.as_str(), c.patient.date_of_birth)),
    )
}

/// A file of the scan as the study list needs it.
pub struct Seen<'a> {
    pub rel: &'a str,
    pub instance: &'a Instance,
    /// Packed as a document (an encapsulated PDF or CDA).
    pub packed: bool,
}

/// The studies of the folder's DICOM files (by study and series UID), and warnings: a
/// DICOMDIR's references to files that are not there, a study of another patient.
pub fn studies(
    files: &[Seen<'_>],
    all_rels: &[&str],
    patient: Option<(&str, Option<chrono::NaiveDate>)>,
) -> (Vec<Study>, Vec<Warning>) {
    use std::collections::{BTreeMap, BTreeSet};
    let mut warnings = Vec::new();
    let norm = |p: &str| p.to_ascii_lowercase().replace(";1", "");
    let present: BTreeSet<String> = all_rels.iter().map(|r| norm(r)).collect();
    for f in files.iter().filter(|f| f.instance.is_directory()) {
        let folder = f.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let missing: Vec<&str> = f
            .instance
            .references
            .iter()
            .filter(|r| {
                let full = if folder.is_empty() {
                    r.to_string()
                } else {
                    format!("{folder}/{r}")
                };
                !present.contains(&norm(&full))
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(10).copied().collect();
            let more = if missing.len() > 10 {
                format!(" and {} more", missing.len() - 10)
            } else {
                String::new()
            };
            warnings.push(Warning::new(
                f.rel,
                None,
                format!(
                    "the DICOMDIR references {} file(s) that are not in the folder: {}{more} — copy the whole disc again",
                    missing.len(),
                    shown.join(", ")
                ),
            ));
        }
    }
    struct Acc<'a> {
        first: &'a Instance,
        /// The study's first file, named where its folder is the records folder itself.
        first_rel: &'a str,
        folders: Vec<&'a str>,
        series: BTreeSet<&'a str>,
        modalities: BTreeSet<&'a str>,
        images: usize,
        sr: bool,
        reports: Vec<String>,
    }
    let mut by_study: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for f in files.iter().filter(|f| !f.instance.is_directory()) {
        let i = f.instance;
        let a = by_study.entry(&i.study_uid).or_insert_with(|| Acc {
            first: i,
            first_rel: f.rel,
            folders: Vec::new(),
            series: BTreeSet::new(),
            modalities: BTreeSet::new(),
            images: 0,
            sr: false,
            reports: Vec::new(),
        });
        a.folders
            .push(f.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or(""));
        a.series.insert(&i.series_uid);
        if !i.modality.is_empty() {
            a.modalities.insert(&i.modality);
        }
        if i.sop_class.starts_with(STRUCTURED_REPORT) {
            a.sr = true;
        } else if f.packed {
            a.reports.push(f.rel.to_string());
        } else {
            a.images += 1;
        }
    }
    let mut out: Vec<(Study, &str)> = by_study
        .into_values()
        .map(|a| {
            let i = a.first;
            let study = Study {
                folder: common_folder(&a.folders),
                study_uid: i.study_uid.clone(),
                date: i.date.clone(),
                modalities: a.modalities.iter().map(|m| m.to_string()).collect(),
                description: i.description.clone(),
                body_part: i.body_part.clone(),
                series: a.series.len(),
                images: a.images,
                accession: i.accession.clone(),
                institution: i.institution.clone(),
                referring: text::person(&i.referring),
                patient_name: i.patient_name.clone(),
                patient_id: i.patient_id.clone(),
                birth_date: i.birth_date.clone(),
                other_patient: patient.and_then(|(n, b)| mismatch(i, n, b)),
                structured_report: a.sr,
                reports: a.reports,
            };
            (study, a.first_rel)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| (&a.date, &a.study_uid).cmp(&(&b.date, &b.study_uid)));
    for (s, first_rel) in &out {
        if let Some(why) = &s.other_patient {
            // Named by its folder, or by its first file where that is the records folder.
            let path = if s.folder.is_empty() {
                first_rel.to_string()
            } else {
                s.folder.clone()
            };
            warnings.push(Warning::new(
                path,
                None,
                format!(
                    "the imaging study of {} ({}) {why}, which is not the patient in packet.toml — it is listed anyway and marked; if the disc is a family member's, remove it from the folder",
                    if s.date.is_empty() { "no date" } else { &s.date },
                    if s.description.is_empty() { "no description" } else { &s.description },
                ),
            ));
        }
    }
    (out.into_iter().map(|(s, _)| s).collect(), warnings)
}

fn common_folder(folders: &[&str]) -> String {
    let Some(first) = folders.first() else {
        return String::new();
    };
    let mut common: Vec<&str> = first.split('/').collect();
    for f in &folders[1..] {
        let parts: Vec<&str> = f.split('/').collect();
        let n = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(n);
    }
    common.join("/")
}

/// Lower-case words without accents, for comparing names.
fn folded(s: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let plain: String = s
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Why a study's patient is not the packet's: a family or first given name that is not a
/// word of `[patient] name`, or another birth date.
fn mismatch(i: &Instance, name: &str, birth: Option<chrono::NaiveDate>) -> Option<String> {
    let mut why = Vec::new();
    let ours = folded(name);
    let alphabetic = i.patient_name.split('=').next().unwrap_or("");
    let mut parts = alphabetic.split('^');
    let family = folded(parts.next().unwrap_or(""));
    let given = folded(parts.next().unwrap_or(""));
    let family_ok = family.iter().all(|f| ours.contains(f));
    let given_ok = given.first().is_none_or(|g| {
        ours.iter().any(|o| {
            o == g
                || (o.chars().count() == 1 && g.starts_with(o.as_str()))
                || (g.chars().count() == 1 && o.starts_with(g.as_str()))
        })
    });
    let named = !(family.is_empty() && given.is_empty());
    if named && !(family_ok && given_ok) {
        why.push(format!("names {}", text::person(&i.patient_name)));
    }
    if let (Ok(d), Some(ours)) = (
        chrono::NaiveDate::parse_from_str(&i.birth_date, "%Y-%m-%d"),
        birth,
    ) {
        if d != ours {
            why.push(format!("gives the date of birth {d}"));
        }
    }
    (!why.is_empty()).then(|| why.join(" and "))
}
