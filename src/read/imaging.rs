//! Imaging: what a DICOM file's header says and the studies of an imaging disc, as data
//! (read by `read::dicom`, listed in the inventory, shown by `scan --json` and the studies
//! page).

/// SOP class of an encapsulated PDF.
pub const ENCAPSULATED_PDF: &str = "1.2.840.10008.5.1.4.1.1.104.1";
/// SOP class of an encapsulated CDA.
pub const ENCAPSULATED_CDA: &str = "1.2.840.10008.5.1.4.1.1.104.2";
/// SOP classes of structured reports start with this.
pub const STRUCTURED_REPORT: &str = "1.2.840.10008.5.1.4.1.1.88.";
/// SOP class of a DICOMDIR (media storage directory).
pub const DIRECTORY: &str = "1.2.840.10008.1.3.10";

/// What one DICOM file's header says (kept in the cache with the file's facts).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    pub sop_class: String,
    pub study_uid: String,
    pub series_uid: String,
    /// Study date, `YYYY-MM-DD` when the disc writes a valid date.
    pub date: String,
    pub modality: String,
    pub description: String,
    pub body_part: String,
    pub accession: String,
    pub institution: String,
    pub referring: String,
    /// As the disc has it (`Family^Given`).
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    /// For a DICOMDIR: the files it references, as `/`-separated paths from its folder.
    pub references: Vec<String>,
}

impl Instance {
    pub fn is_directory(&self) -> bool {
        self.sop_class == DIRECTORY || !self.references.is_empty()
    }
}

/// One study of an imaging disc, as `scan --json` prints it and the studies page shows it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Study {
    pub folder: String,
    pub study_uid: String,
    pub date: String,
    pub modalities: Vec<String>,
    pub description: String,
    pub body_part: String,
    pub series: usize,
    pub images: usize,
    pub accession: String,
    pub institution: String,
    pub referring: String,
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    /// Why the study's patient is not the packet's, when they differ.
    #[serde(skip)]
    pub other_patient: Option<String>,
    /// A structured report is among the study's files.
    #[serde(skip)]
    pub structured_report: bool,
    /// Reports taken out of the disc and packed as documents (their paths).
    #[serde(skip)]
    pub reports: Vec<String>,
}
