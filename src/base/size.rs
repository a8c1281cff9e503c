//! Sizes: a size as people write it ("18MB", "10 MB", "750KB", "2.5MiB") turns into a
//! number of bytes, and a number of bytes into a short text for messages.

/// Bytes in `text`: a number (decimals allowed) and a unit — B, KB, MB, GB (powers of
/// 1000, as e-mail and portal limits are given) or KiB, MiB, GiB (powers of 1024); a bare
/// number is bytes. Err says what was wrong, in a sentence.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("\"{text}\" is not a size — write a number and a unit, e.g. 18MB or 10MB")
    })?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "\"{text}\": unknown unit \"{other}\" — use KB, MB or GB (e.g. 18MB)"
            ))
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || !(1.0..=1e15).contains(&bytes) {
        return Err(format!(
            "\"{text}\" is not a usable size — give a limit such as 18MB or 10MB"
        ));
    }
    Ok(bytes.floor() as u64)
}

/// A size for people: "812 KB", "9.6 MB".
pub fn human(bytes: u64) -> String {
    if bytes < 1_000 {
        format!("{bytes} bytes")
    } else if bytes < 1_000_000 {
        format!("{:.0} KB", bytes as f64 / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.2} GB", bytes as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_people_write_them() {
        assert_eq!(parse_size("18MB"), Ok(18_000_000));
        assert_eq!(parse_size("10 mb"), Ok(10_000_000));
        assert_eq!(parse_size("750KB"), Ok(750_000));
        assert_eq!(parse_size("2.5MB"), Ok(2_500_000));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("0MB").is_err());
        assert_eq!(human(9_600_000), "9.6 MB");
        assert_eq!(human(812_000), "812 KB");
    }
}
