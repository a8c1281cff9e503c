//! Text saved as UTF-16 with its byte-order mark (what Windows calls "Unicode"): its
//! code units, for the readers of text files and clinical documents to decode.

/// The code units of `bytes` when they start with a UTF-16 byte-order mark (either byte
/// order), and whether an odd last byte was left over; None without a mark.
pub fn units(bytes: &[u8]) -> Option<(Vec<u16>, bool)> {
    let (rest, big_endian) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, false),
        [0xFE, 0xFF, rest @ ..] => (rest, true),
        _ => return None,
    };
    let pairs = rest.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    let unit = |c: &[u8]| match big_endian {
        true => u16::from_be_bytes([c[0], c[1]]),
        false => u16::from_le_bytes([c[0], c[1]]),
    };
    Some((pairs.map(unit).collect(), odd))
}

#[cfg(test)]
mod tests {
    #[test]
    fn either_byte_order_and_an_odd_byte_left_over() {
        assert_eq!(
            super::units(b"\xFF\xFEA\x00\xE9\x00"),
            Some((vec![0x41, 0xE9], false))
        );
        assert_eq!(super::units(b"\xFE\xFF\x00A\x00"), Some((vec![0x41], true)));
        assert_eq!(super::units(b"A\x00"), None);
    }
}
