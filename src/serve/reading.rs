//! Reading the folder for the page: a page load turns into a scan on a thread of its
//! own (one at a time, run again when asked for during one), its progress for the page,
//! and the scan's result for the page that waits for it — or, when reading scans takes
//! longer than a moment, for the page after it, which the page's script loads.

use super::meter::Meter;
use crate::base::config::PacketConfig;
use crate::base::error::Error;
use crate::read::scan::Inventory;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a result no page has shown yet stays good for the next page load (the one
/// the script makes when the reading ends), unless the page changed something since.
const FRESH: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long a page load waits for the scan before it shows the page with the scan's
/// progress instead: long enough for a folder whose files are all known (the cache),
/// short enough that the page appears at once.
pub(crate) const PAGE_WAIT: Duration = Duration::from_millis(700);

/// One scan of the folder, as the page uses it.
pub(crate) struct Scanned {
    /// The records (read without packet.toml when it has a mistake), and packet.toml.
    pub found: Option<(Inventory, Option<PacketConfig>)>,
    /// packet.toml cannot be read: the message.
    pub config_error: Option<String>,
    /// The folder cannot be scanned at all: the message.
    pub scan_error: Option<String>,
}

#[derive(Default)]
struct Slot {
    /// The result was shown on a page.
    claimed: bool,
    /// When the result was ready, and the count of changes then.
    finished_at: Option<Instant>,
    result_changes: u64,
    /// Runs started, and the run every page load so far asked for.
    started: u64,
    wanted: u64,
    /// The last run finished, and its result.
    finished: u64,
    result: Option<Arc<Scanned>>,
    running: bool,
}

/// The page's scans.
#[derive(Default)]
pub(crate) struct Reading {
    pub meter: Meter,
    /// Changes made through the page (every POST): a result read before one is stale.
    changes: AtomicU64,
    slot: Mutex<Slot>,
    changed: Condvar,
}

/// Where the reading is, for the page's script.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct ReadingStatus {
    /// "reading" or "ready".
    pub state: &'static str,
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

impl Reading {
    /// Something was changed through the page: scans read before are stale.
    pub fn touch(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    /// A result read since the last change that no page has shown yet (the reading the
    /// previous page showed the progress of); else asks for a scan that starts now or
    /// later (never one already under way, which may have missed a change) and returns
    /// the ticket to wait for.
    pub fn request(self: &Arc<Self>, dir: &Path) -> Result<Arc<Scanned>, u64> {
        let mut s = lock(&self.slot);
        let fresh = !s.running
            && !s.claimed
            && s.result_changes == self.changes.load(Ordering::SeqCst)
            && s.finished_at.is_some_and(|t| t.elapsed() < FRESH);
        if let (true, Some(r)) = (fresh, s.result.clone()) {
            s.claimed = true;
            return Ok(r);
        }
        let ticket = s.started + 1;
        s.wanted = s.wanted.max(ticket);
        if !s.running {
            s.running = true;
            s.started += 1;
            let me = self.clone();
            let dir = dir.to_path_buf();
            drop(s);
            std::thread::spawn(move || me.work(&dir));
        }
        Err(ticket)
    }

    /// The result of the run `ticket` (or a later one), when it ends within `wait`.
    pub fn wait(&self, ticket: u64, wait: Duration) -> Option<Arc<Scanned>> {
        let s = lock(&self.slot);
        let (mut s, _) = self
            .changed
            .wait_timeout_while(s, wait, |s| s.finished < ticket)
            .unwrap_or_else(|e| e.into_inner());
        if s.finished < ticket {
            return None;
        }
        s.claimed = true;
        s.result.clone()
    }

    pub fn status(&self) -> ReadingStatus {
        let running = lock(&self.slot).running;
        let (stage, done, total) = self.meter.snapshot();
        ReadingStatus {
            state: if running { "reading" } else { "ready" },
            stage,
            done,
            total,
        }
    }

    fn work(&self, dir: &Path) {
        loop {
            crate::Progress::start(&self.meter, "Reading records", 0);
            let changes = self.changes.load(Ordering::SeqCst);
            let result = Arc::new(scan(dir, &self.meter));
            let mut s = lock(&self.slot);
            s.finished = s.started;
            s.result = Some(result);
            s.result_changes = changes;
            s.finished_at = Some(Instant::now());
            s.claimed = false;
            self.changed.notify_all();
            if s.wanted > s.started {
                s.started += 1;
                continue;
            }
            s.running = false;
            return;
        }
    }
}

/// The library's scan, with packet.toml; without it when it has a mistake.
fn scan(dir: &Path, meter: &Meter) -> Scanned {
    let mut out = Scanned {
        found: None,
        config_error: None,
        scan_error: None,
    };
    match crate::scan_folder(dir, &crate::ScanOptions::default(), meter) {
        Ok(s) => out.found = Some(s),
        Err(e @ Error::Config { .. }) => {
            out.config_error = Some(e.to_string());
            out.found = scan_without_config(dir, meter).map(|inv| (inv, None));
        }
        Err(e) => out.scan_error = Some(e.to_string()),
    }
    out
}

/// When packet.toml has an error the records are still listed, as scan reads them
/// without it.
fn scan_without_config(dir: &Path, meter: &Meter) -> Option<Inventory> {
    let typist = crate::Typist::default();
    crate::read::scan::scan(dir, None, &typist, &crate::ScanOptions::default(), meter)
        .ok()
        .filter(|_| typist.failure().is_none())
}
