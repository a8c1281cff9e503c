//! Hashing while writing: the SHA-256 of a file being written, taken as its bytes pass
//! ([`HashingWriter`]), on a second thread that also writes the blocks handed over to it
//! ([`Handover`]), or on a second thread reading the file back behind its writer
//! ([`hash_behind`]). [`super::Hashing`] says which is used where.

use sha2::{Digest, Sha256};
use std::io::Write;

/// A writer that hashes what passes through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }
    /// Hex SHA-256 and length of everything written.
    pub fn finish(self) -> (W, String, u64) {
        let digest = self.hasher.finalize();
        (self.inner, crate::read::scan::hex(&digest), self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The size of the blocks the packet's writer hands over to be hashed and written.
pub(super) const BLOCK: usize = 256 * 1024;

/// A writer that gathers bytes into blocks and hands each full block to another thread,
/// which hashes and writes it (see `write_atomic_expecting`): the thread making the file
/// goes on with the next block meanwhile. Emptied blocks come back to be filled again.
pub(super) struct Handover<'w> {
    block: Vec<u8>,
    full: std::sync::mpsc::SyncSender<Vec<u8>>,
    empty: std::sync::mpsc::Receiver<Vec<u8>>,
    /// The error that stopped the other thread, taken by the next hand-over.
    failed: &'w std::sync::Mutex<Option<std::io::Error>>,
}

/// The error that stopped the thread taking the blocks over (or, if it left none, that
/// it stopped).
pub(super) fn failure(failed: &std::sync::Mutex<Option<std::io::Error>>) -> std::io::Error {
    failed
        .lock()
        .ok()
        .and_then(|mut f| f.take())
        .unwrap_or_else(|| std::io::Error::other("the packet's disk writer stopped"))
}

/// Leaves `e` in `failed`, for the writer to report as what stopped the file.
pub(super) fn leave(failed: &std::sync::Mutex<Option<std::io::Error>>, e: std::io::Error) {
    if let Ok(mut f) = failed.lock() {
        *f = Some(e);
    }
}

/// What the thread taking the blocks over ends with: the writer it wrote into, with the
/// SHA-256 and length of all it wrote; None when it failed.
pub(super) type Taken<W> = Option<(W, String, u64)>;

/// A [`Handover`] whose blocks a thread of `s` hashes and writes into `out` (see
/// [`take_over`]); that thread's result comes with the handle, once the hand-over is
/// dropped.
pub(super) fn hand_over_to<'s, W: Write + Send + 's>(
    s: &'s std::thread::Scope<'s, '_>,
    out: W,
    failed: &'s std::sync::Mutex<Option<std::io::Error>>,
) -> (Handover<'s>, std::thread::ScopedJoinHandle<'s, Taken<W>>) {
    let (full, full_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
    let (empty_tx, empty) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let taker = s.spawn(move || take_over(out, full_rx, empty_tx, failed));
    let handover = Handover {
        block: Vec::with_capacity(BLOCK),
        full,
        empty,
        failed,
    };
    (handover, taker)
}

impl Handover<'_> {
    fn hand_over(&mut self) -> std::io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
        let block = std::mem::replace(&mut self.block, next);
        self.full.send(block).map_err(|_| failure(self.failed))
    }
}

impl Write for Handover<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Blocks stay one size, however large the write (a picture's stream).
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() >= BLOCK {
            self.hand_over()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        self.hand_over()
    }
}

/// Hashes and writes the blocks handed over until the writer is done; returns the file
/// with the SHA-256 and length of all that was written. An error is left in `failed` for
/// the writer's next hand-over (which then fails: this end of the channel is gone).
fn take_over<W: Write>(
    out: W,
    full: std::sync::mpsc::Receiver<Vec<u8>>,
    empty: std::sync::mpsc::SyncSender<Vec<u8>>,
    failed: &std::sync::Mutex<Option<std::io::Error>>,
) -> Taken<W> {
    let mut hw = HashingWriter::new(out);
    for mut block in full {
        if let Err(e) = hw.write_all(&block) {
            leave(failed, e);
            return None;
        }
        block.clear();
        let _ = empty.try_send(block);
    }
    Some(hw.finish())
}

/// Reads back and hashes the file `back` as it is written (see
/// [`super::Hashing::Trailing`]): up to the bytes written so far, then again each time
/// the writer says it wrote more, and to its end once the writer is done. Returns the
/// SHA-256 and length of what the file holds; None once `given_up` (the disk is full: the
/// file is given up) or on an error, which is left in `failed`.
pub(super) fn hash_behind(
    mut back: std::fs::File,
    given_up: impl Fn() -> bool,
    news: std::sync::mpsc::Receiver<()>,
    failed: &std::sync::Mutex<Option<std::io::Error>>,
) -> Option<(String, u64)> {
    use std::io::Read;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 4 * BLOCK];
    let mut read = 0u64;
    loop {
        // The writer's last word, taken before reading: what was written before it is
        // read below.
        let writing = news.recv().is_ok();
        loop {
            if given_up() {
                return None;
            }
            match back.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    read += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    leave(failed, e);
                    return None;
                }
            }
        }
        if !writing {
            break;
        }
    }
    let digest = hasher.finalize();
    Some((crate::read::scan::hex(&digest), read))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `data` through a [`Handover`] in pieces of the given sizes, to a thread
    /// hashing into `out`; returns what the writer saw and what the thread returned.
    fn hand_over_all<W: Write + Send>(
        data: &[u8],
        pieces: &[usize],
        out: W,
    ) -> (std::io::Result<()>, Option<(W, String, u64)>) {
        let failed = std::sync::Mutex::new(None);
        std::thread::scope(|s| {
            let (mut h, taker) = hand_over_to(s, out, &failed);
            let mut at = 0;
            let mut wrote = Ok(());
            for &n in pieces.iter().cycle() {
                if at >= data.len() {
                    break;
                }
                let end = (at + n).min(data.len());
                if let Err(e) = h.write_all(&data[at..end]) {
                    wrote = Err(e);
                    break;
                }
                at = end;
            }
            let wrote = wrote.and_then(|()| h.flush());
            drop(h);
            (wrote, taker.join().expect("no panic"))
        })
    }

    #[test]
    fn handed_over_blocks_are_written_whole_and_in_order_with_their_checksum() {
        let data: Vec<u8> = (0..3 * BLOCK + 12_345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        // Small writes, one exactly a block, one larger than a block.
        let (wrote, taken) = hand_over_all(&data, &[1, 17, BLOCK, 1000, BLOCK + 3], Vec::new());
        wrote.expect("written");
        let (out, sha, len) = taken.expect("taken over");
        assert_eq!(out, data);
        assert_eq!(len, data.len() as u64);
        assert_eq!(sha, crate::base::digest::sha256_hex(&data));
    }

    #[test]
    fn a_write_that_fails_on_the_other_thread_fails_the_writer_with_its_error() {
        /// Takes 300 KB, then fails the way a failing disk does.
        struct Failing(usize);
        impl Write for Failing {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0 + buf.len() > 300 * 1024 {
                    return Err(std::io::Error::other("sector 7 could not be written"));
                }
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let data = vec![b'x'; 8 * BLOCK];
        let (wrote, taken) = hand_over_all(&data, &[4096], Failing(0));
        let e = wrote.expect_err("the failure reaches the writer");
        assert!(e.to_string().contains("sector 7"), "{e}");
        assert!(taken.is_none());
    }
}
