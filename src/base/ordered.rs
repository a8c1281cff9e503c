//! Ordered work: a list of items is worked on by a few threads at once, and each result is
//! handed to the caller's thread in the items' order as soon as it and every result before
//! it are done. The threads never run more than a set number of items ahead of the one
//! the caller waits for, so what waits to be taken stays bounded however long the list.
//! (A batch at a time would wait, at the end of every batch, for its slowest item.)

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

/// The items not yet claimed, and how far the caller has taken the results.
struct Queue<I> {
    items: I,
    /// Items claimed by the workers so far.
    claimed: usize,
    /// Results taken by the caller so far.
    taken: usize,
    /// Set when a worker or the caller has stopped early (a panic): the others stop too.
    stopped: bool,
}

struct Shared<I> {
    queue: Mutex<Queue<I>>,
    moved: Condvar,
}

impl<T, I: Iterator<Item = T>> Queue<I> {
    fn full(&self, window: usize) -> bool {
        self.claimed >= self.taken + window
    }

    /// The next item and its place; `Err(true)` when the window is full, `Err(false)` when
    /// there are none left or the work has stopped.
    fn next_item(&mut self, window: usize) -> Result<(usize, T), bool> {
        if self.stopped {
            return Err(false);
        }
        if self.full(window) {
            return Err(true);
        }
        let item = self.items.next().ok_or(false)?;
        self.claimed += 1;
        Ok((self.claimed - 1, item))
    }
}

impl<T, I: Iterator<Item = T>> Shared<I> {
    /// The next item and its place, once it is no more than `window` places past the last
    /// result taken; None when there are none left or the work has stopped.
    fn claim(&self, window: usize) -> Option<(usize, T)> {
        let q = self.queue.lock().ok()?;
        let mut q = self
            .moved
            .wait_while(q, |q| !q.stopped && q.full(window))
            .ok()?;
        q.next_item(window).ok()
    }

    /// Like [`Shared::claim`], without waiting: `Err(true)` when the window is full.
    fn try_claim(&self, window: usize) -> Result<(usize, T), bool> {
        self.queue.lock().map_err(|_| false)?.next_item(window)
    }

    /// The caller has taken `taken` results; the workers held back by the window are woken
    /// (only when it was full: a wake costs a system call).
    fn taken(&self, taken: usize, window: usize) {
        let Ok(mut q) = self.queue.lock() else {
            return;
        };
        let held = q.full(window);
        q.taken = taken;
        drop(q);
        if held {
            self.moved.notify_all();
        }
    }
}

/// Stops the other threads when the one holding it ends by a panic (else, when `always`).
struct Stop<'s, I> {
    shared: &'s Shared<I>,
    always: bool,
}

impl<I> Drop for Stop<'_, I> {
    fn drop(&mut self) {
        if self.always || std::thread::panicking() {
            if let Ok(mut q) = self.shared.queue.lock() {
                q.stopped = true;
            }
            self.shared.moved.notify_all();
        }
    }
}

/// Runs `work` on every item of `items` on `workers` threads (one at least), and `take`
/// on every result, on the caller's thread, in the items' order. At most `window` items
/// (one at least) are worked on or wait to be taken past the last result taken. A panic in
/// `work` or `take` stops the other threads and then goes on in the caller.
pub fn for_each_ordered<T, R>(
    items: Vec<T>,
    workers: usize,
    window: usize,
    work: impl Fn(T) -> R + Sync,
    mut take: impl FnMut(R),
) where
    T: Send,
    R: Send,
{
    let workers = workers.clamp(1, items.len().max(1));
    let window = window.max(1);
    let shared = Shared {
        queue: Mutex::new(Queue {
            items: items.into_iter(),
            claimed: 0,
            taken: 0,
            stopped: false,
        }),
        moved: Condvar::new(),
    };
    let (shared, work) = (&shared, &work);
    std::thread::scope(|scope| {
        // However this thread leaves the scope, the workers are told to stop, so none is
        // left waiting for a result to be taken (the scope waits for them all).
        let _stop = Stop {
            shared,
            always: true,
        };
        let (tx, rx) = std::sync::mpsc::channel::<(usize, R)>();
        // The caller's thread is one of the workers: it takes what is done, then works on
        // the next item when the window allows, else waits for the next result.
        for _ in 1..workers {
            let tx = tx.clone();
            scope.spawn(move || {
                let _stop = Stop {
                    shared,
                    always: false,
                };
                while let Some((place, item)) = shared.claim(window) {
                    if tx.send((place, work(item))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut next = 0;
        let mut more = true;
        loop {
            while let Ok((place, result)) = rx.try_recv() {
                waiting.insert(place, result);
            }
            let before = next;
            while let Some(r) = waiting.remove(&next) {
                take(r);
                next += 1;
            }
            if next != before {
                shared.taken(next, window);
            }
            if more {
                match shared.try_claim(window) {
                    Ok((place, item)) => {
                        waiting.insert(place, work(item));
                        continue;
                    }
                    Err(full) => more = full,
                }
            }
            // Nothing to work on here: wait for the next result (none once every other
            // worker has stopped).
            match rx.recv() {
                Ok((place, result)) => {
                    waiting.insert(place, result);
                }
                // Every other worker has stopped, and every result they sent was taken above
                // (unless one panicked, and the scope passes the panic on).
                Err(_) => break,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Results come in the items' order, every one once, however unevenly long the items
    /// take; and no item is started more than `window` places past the last result taken.
    #[test]
    fn results_are_taken_in_order_within_the_window() {
        let taken = AtomicUsize::new(0);
        let furthest_ahead = AtomicUsize::new(0);
        let mut out = Vec::new();
        let items: Vec<usize> = (0..300).collect();
        for_each_ordered(
            items,
            3,
            8,
            |i| {
                let ahead = i + 1 - taken.load(Ordering::SeqCst).min(i + 1);
                furthest_ahead.fetch_max(ahead, Ordering::SeqCst);
                // Every seventh item is slow, so later ones finish before it.
                if i % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                i * 2
            },
            |r| {
                out.push(r);
                taken.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(out, (0..300).map(|i| i * 2).collect::<Vec<_>>());
        let ahead = furthest_ahead.load(Ordering::SeqCst);
        assert!(
            ahead <= 8,
            "an item started {ahead} places past the last taken"
        );
    }

    #[test]
    fn no_items_and_one_worker_are_fine() {
        let mut out: Vec<u8> = Vec::new();
        for_each_ordered(Vec::<u8>::new(), 4, 4, |i| i, |r| out.push(r));
        assert!(out.is_empty());
        for_each_ordered(vec![3u8, 1, 2], 1, 1, |i| i + 1, |r| out.push(r));
        assert_eq!(out, [4, 2, 3]);
    }

    /// A panic in a worker reaches the caller rather than leaving it (or the other
    /// workers, held back by the window) waiting for ever.
    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| {
            for_each_ordered(
                (0..100).collect::<Vec<u32>>(),
                2,
                4,
                |i| {
                    if i == 1 {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        panic!("item 1 fails");
                    }
                    i
                },
                |_| {},
            )
        });
        assert!(outcome.is_err());
    }

    /// A panic while a result is taken stops the workers too (held back by the window,
    /// they would otherwise wait for ever).
    #[test]
    fn a_panic_in_the_taker_stops_the_workers() {
        let outcome = std::panic::catch_unwind(|| {
            for_each_ordered(
                (0..100).collect::<Vec<u32>>(),
                2,
                2,
                |i| i,
                |r| {
                    if r == 3 {
                        panic!("result 3 is refused");
                    }
                },
            )
        });
        assert!(outcome.is_err());
    }
}
