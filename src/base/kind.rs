//! Document kinds: the packet's sections, in the order the packet shows them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a document is. The declaration order is the packet's section order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    PathologyReport,
    OperativeReport,
    DischargeSummary,
    TreatmentPlan,
    MedicationList,
    ConsultationNote,
    ImagingReport,
    LabResults,
    Other,
}

impl Kind {
    /// Every kind, in section order.
    pub const ALL: [Kind; 9] = [
        Kind::PathologyReport,
        Kind::OperativeReport,
        Kind::DischargeSummary,
        Kind::TreatmentPlan,
        Kind::MedicationList,
        Kind::ConsultationNote,
        Kind::ImagingReport,
        Kind::LabResults,
        Kind::Other,
    ];

    /// The name used in packet.toml and JSON reports, e.g. `pathology-report`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PathologyReport => "pathology-report",
            Kind::OperativeReport => "operative-report",
            Kind::DischargeSummary => "discharge-summary",
            Kind::TreatmentPlan => "treatment-plan",
            Kind::MedicationList => "medication-list",
            Kind::ConsultationNote => "consultation-note",
            Kind::ImagingReport => "imaging-report",
            Kind::LabResults => "lab-results",
            Kind::Other => "other",
        }
    }

    /// A human label for one document of this kind, e.g. "Pathology report".
    pub fn label(self) -> &'static str {
        match self {
            Kind::PathologyReport => "Pathology report",
            Kind::OperativeReport => "Operative report",
            Kind::DischargeSummary => "Discharge summary",
            Kind::TreatmentPlan => "Treatment plan",
            Kind::MedicationList => "Medication list",
            Kind::ConsultationNote => "Consultation note",
            Kind::ImagingReport => "Imaging report",
            Kind::LabResults => "Lab results",
            Kind::Other => "Other record",
        }
    }

    /// The heading of this kind's section in the packet, e.g. "Pathology reports".
    pub fn section_title(self) -> &'static str {
        match self {
            Kind::PathologyReport => "Pathology reports",
            Kind::OperativeReport => "Operative reports",
            Kind::DischargeSummary => "Discharge summaries",
            Kind::TreatmentPlan => "Treatment plans",
            Kind::MedicationList => "Medication lists",
            Kind::ConsultationNote => "Consultation notes",
            Kind::ImagingReport => "Imaging reports",
            Kind::LabResults => "Lab results",
            Kind::Other => "Other records",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a kind name that is not one of [`Kind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        write!(
            f,
            "unknown kind \"{}\" (expected one of: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownKind {}

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_section_order() {
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(*k));
            if i > 0 {
                assert!(Kind::ALL[i - 1] < *k);
            }
        }
        assert!("pathology".parse::<Kind>().is_err());
    }
}
