//! DICOM text values turn into readable strings: the character set a file declares
//! (Specific Character Set: default ASCII, ISO_IR 100 Latin-1, ISO_IR 192 UTF-8, ISO 2022
//! code extensions with escapes) is decoded, and control characters are removed.

/// How a file's text is written, from its Specific Character Set (0008,0005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// The default repertoire (ASCII); bytes above it are read as Latin-1, as discs that
    /// leave the set out usually mean.
    #[default]
    Default,
    Latin1,
    Utf8,
    /// ISO 2022 code extensions: escape sequences switch sets (Latin-1 G1 supported).
    Iso2022,
    /// A set medpacket does not decode: characters outside ASCII show as `?`.
    Other,
}

impl Charset {
    /// The set named by a Specific Character Set value (possibly multi-valued).
    pub fn named(value: &str) -> Charset {
        let terms: Vec<&str> = value.split('\\').map(str::trim).collect();
        let first = terms.iter().find(|t| !t.is_empty()).copied().unwrap_or("");
        if terms.iter().any(|t| t.starts_with("ISO 2022")) {
            if terms
                .iter()
                .all(|t| t.is_empty() || *t == "ISO 2022 IR 6" || *t == "ISO 2022 IR 100")
            {
                return Charset::Iso2022;
            }
            return Charset::Other;
        }
        match first {
            "" | "ISO_IR 6" => Charset::Default,
            "ISO_IR 100" => Charset::Latin1,
            "ISO_IR 192" => Charset::Utf8,
            _ => Charset::Other,
        }
    }

    /// Decodes a text value: character set, escapes and control characters handled,
    /// padding trimmed.
    pub fn decode(self, bytes: &[u8]) -> String {
        let raw: String = match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Default | Charset::Latin1 => bytes.iter().map(|&b| b as char).collect(),
            Charset::Iso2022 => iso2022(bytes),
            Charset::Other => bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { '?' })
                .collect(),
        };
        clean(&raw)
    }
}

/// ISO 2022 with G0 ASCII and G1 Latin-1: escapes are removed; a set this reader does
/// not decode (after `ESC $`) shows as `?` until ASCII comes back.
fn iso2022(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut foreign = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x1B {
            // ESC, intermediate bytes 0x20..=0x2F, a final byte.
            let mut j = i + 1;
            while j < bytes.len() && (0x20..=0x2F).contains(&bytes[j]) {
                j += 1;
            }
            let seq = &bytes[i + 1..j.min(bytes.len())];
            foreign = match seq {
                [b'(', ..] | [b'-', ..] => false,
                [b'$', ..] => true,
                _ => foreign,
            };
            i = (j + 1).min(bytes.len());
            continue;
        }
        if b == b'\r' || b == b'\n' || b == b'\t' || b == b'^' || b == b'=' || b == b'\\' {
            // Delimiters bring back the initial sets.
            foreign = false;
        }
        if foreign {
            if !out.ends_with('?') {
                out.push('?');
            }
        } else {
            out.push(b as char);
        }
        i += 1;
    }
    out
}

/// Removes control characters (tabs and line ends become spaces) and trims padding.
pub fn clean(s: &str) -> String {
    let spaced: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' | '\r' | '\n' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    spaced.trim_matches([' ', '\0']).to_string()
}

/// A person name (`Family^Given^Middle^Prefix^Suffix`, alphabetic group first) as people
/// write it: "Given Middle Family".
pub fn person(name: &str) -> String {
    let alphabetic = name.split('=').next().unwrap_or("");
    let parts: Vec<&str> = alphabetic.split('^').map(str::trim).collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or("");
    let words = [get(3), get(1), get(2), get(0), get(4)];
    words
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_names_read_as_written() {
        let c = Charset::named("ISO_IR 100");
        assert_eq!(c.decode(b"M\xfcller^J\xfcrgen "), "Müller^Jürgen");
    }

    #[test]
    fn utf8_names_read_as_written() {
        let c = Charset::named("ISO_IR 192");
        assert_eq!(c.decode("Núñez^Zoë\0".as_bytes()), "Núñez^Zoë");
    }

    #[test]
    fn iso2022_escapes_leave_no_control_characters() {
        let c = Charset::named("ISO 2022 IR 6\\ISO 2022 IR 100");
        assert_eq!(c, Charset::Iso2022);
        let v = c.decode(b"\x1b-AM\xfcller^\x1b(BAnna");
        assert_eq!(v, "Müller^Anna");
        let j = Charset::named("\\ISO 2022 IR 87");
        assert_eq!(j, Charset::Other);
        let s = Charset::Iso2022.decode(b"Yamada^Taro=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B");
        assert!(!s.chars().any(char::is_control), "{s:?}");
        assert!(s.starts_with("Yamada^Taro="), "{s:?}");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            Charset::Default.decode(b"CT\x07 CHEST\r\nW/O"),
            "CT CHEST  W/O"
        );
    }

    #[test]
    fn person_names_read_given_first() {
        assert_eq!(person("Doe^Jane^Q"), "Jane Q Doe");
        assert_eq!(person("Doe^Jane=ideo"), "Jane Doe");
    }
}
