//! Progress for the page: the library's progress calls (a stage, its steps) turn into
//! numbers the page's script reads while a scan or a build runs.

use crate::base::i18n::Lang;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Progress of a running scan or build.
#[derive(Default)]
pub(crate) struct Meter {
    stage: Mutex<String>,
    done: AtomicU64,
    total: AtomicU64,
}

impl crate::Progress for Meter {
    fn start(&self, stage: &str, total: u64) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = stage.to_string();
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }
    fn advance(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Meter {
    /// The stage, the steps done and the steps of the stage.
    pub fn snapshot(&self) -> (String, u64, u64) {
        (
            self.stage.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// A stage of the library's progress (its own English name) in the page's language;
/// a stage the page has no words for is shown as the library names it.
pub(crate) fn stage_words(stage: &str, lang: Lang) -> String {
    let key = match stage {
        "Starting" => "web.stage.starting",
        "Reading records" => "web.stage.records",
        "Reading scans" => "web.stage.scans",
        "Writing the packet" => "web.stage.writing",
        _ => return stage.to_string(),
    };
    lang.messages().word(key).unwrap_or(stage).to_string()
}

#[cfg(test)]
mod tests {
    use crate::base::i18n::Lang;

    /// Every stage the library reports its progress in has words on the Spanish page.
    #[test]
    fn every_progress_stage_is_shown_in_the_page_language() {
        let mut stages = Vec::new();
        for src in [
            include_str!("../read/scan/mod.rs"),
            include_str!("../read/ocr/mod.rs"),
            include_str!("../write/assemble.rs"),
            include_str!("job.rs"),
        ] {
            for (i, _) in src.match_indices(".start(\"") {
                let rest = &src[i + 8..];
                if let Some(end) = rest.find('"') {
                    stages.push(rest[..end].to_string());
                }
            }
        }
        assert!(stages.len() >= 4, "stages found: {stages:?}");
        for stage in &stages {
            let es = super::stage_words(stage, Lang::Es);
            assert_ne!(&es, stage, "the stage \"{stage}\" has no Spanish words");
            assert!(!super::stage_words(stage, Lang::En).is_empty());
        }
        assert_eq!(
            super::stage_words("Writing the packet", Lang::Es),
            "Escribiendo el paquete"
        );
        assert_eq!(
            super::stage_words("Some new stage", Lang::Es),
            "Some new stage"
        );
    }
}
