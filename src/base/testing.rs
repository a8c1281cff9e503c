//! For unit tests: a small deterministic random source (xorshift32), so tests that try
//! many generated inputs see the same ones on every run.

/// The xorshift32 sequence from `seed` (which must not be 0).
pub fn xorshift(mut seed: u32) -> impl FnMut() -> u32 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    }
}

/// A random run of `pieces` (fewer than `most` of them) drawn with `next`, each followed by
/// a space about half the time: the content streams the operator walks are tried on.
pub fn joined_pieces(next: &mut impl FnMut() -> u32, pieces: &[&[u8]], most: u32) -> Vec<u8> {
    let mut c = Vec::new();
    for _ in 0..next() % most {
        let r = next();
        c.extend_from_slice(pieces[r as usize % pieces.len()]);
        if r & 0x100 != 0 {
            c.push(b' ');
        }
    }
    c
}
