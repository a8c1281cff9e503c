//! Progress for the page: the library's progress calls (a stage, its steps) turn into
//! numbers the page's script reads while a scan or a build runs.

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
