//! Stored: a file's classification turns into the form the cache keeps, and back.

use crate::base::classified::{Classified, Evidence, Source};

/// A [`Classified`] as the cache stores it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct StoredClassified {
    kind: crate::base::kind::Kind,
    date: Option<chrono::NaiveDate>,
    title: String,
    kind_score: f32,
    evidence: Vec<StoredEvidence>,
    #[serde(default)]
    language: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredEvidence {
    field: String,
    source: Source,
    rule: String,
    matched: String,
    score: f32,
}

impl From<&Classified> for StoredClassified {
    fn from(c: &Classified) -> Self {
        StoredClassified {
            kind: c.kind,
            date: c.date,
            title: c.title.clone(),
            kind_score: c.kind_score,
            language: c.language.clone(),
            evidence: c
                .evidence
                .iter()
                .map(|e| StoredEvidence {
                    field: e.field.to_string(),
                    source: e.source,
                    rule: e.rule.clone(),
                    matched: e.matched.clone(),
                    score: e.score,
                })
                .collect(),
        }
    }
}

impl StoredClassified {
    /// The classification again, or None when the entry names an unknown field.
    pub(super) fn restore(self) -> Option<Classified> {
        let evidence = self
            .evidence
            .into_iter()
            .map(|e| {
                let field = ["kind", "date", "title"]
                    .into_iter()
                    .find(|f| *f == e.field)?;
                Some(Evidence {
                    field,
                    source: e.source,
                    rule: e.rule,
                    matched: e.matched,
                    score: e.score,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Classified {
            kind: self.kind,
            date: self.date,
            title: self.title,
            kind_score: self.kind_score,
            evidence,
            language: self.language,
        })
    }
}
