//! Checksums: bytes turn into their SHA-256 in lower-case hex.

use sha2::{Digest, Sha256};

/// Lower-case hex of bytes (for checksums).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
