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
