//! Checksums: bytes turn into their SHA-256 in lower-case hex.

use sha2::{Digest, Sha256};

/// Lower-case hex of bytes (for checksums).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    s
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hex SHA-256 and length of everything `r` reads, to its end.
pub fn sha256_read(mut r: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((hex(&hasher.finalize()), len))
}

/// A fast checksum of bytes (XXH3, 128 bits, in hex), several times quicker than SHA-256:
/// it tells bytes read again from the ones first read, by chance alone one time in 2^128.
/// Not a defence against a file made to deceive (the SHA-256 is the packet's record).
pub fn quick_sum(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), expected);
        assert_eq!(hex(&[]), "");
        assert_eq!(
            sha256_read(&b"abc"[..]).expect("read"),
            (sha256_hex(b"abc"), 3)
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn quick_sums_tell_bytes_apart_and_repeat_for_the_same_bytes() {
        let a = quick_sum(b"page one");
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(a, quick_sum(b"page one"));
        assert_ne!(a, quick_sum(b"page onf"));
        assert_ne!(quick_sum(b""), quick_sum(b"\0"));
    }
}
