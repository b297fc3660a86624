//! strace's way of writing bytes as a C string literal.

use std::fmt::Write as _;

use crate::options::HexStrings;

/// Appends `bytes` as strace quotes them: `"..."` with `\"`, `\\`, `\f`, `\n`, `\r`,
/// `\t`, `\v` escaped, other unprintable bytes in octal (`\0`, `\177`; three digits when
/// an octal digit follows), or wholly in hex (`\x41`) under `-xx`, or under `-x` when a
/// byte is neither printable ASCII nor whitespace.
pub(crate) fn quote(out: &mut String, bytes: &[u8], hex: HexStrings) {
    out.push('"');
    quote_bare(out, bytes, hex, b"");
    out.push('"');
}

/// Appends `bytes` quoted as [`quote`] does but without the double quotes around
/// them, the bytes in `escape` written as escapes too (strace's `<path>` after a
/// descriptor with `-y` escapes `<` and `>`).
pub(crate) fn quote_bare(out: &mut String, bytes: &[u8], hex: HexStrings, escape: &[u8]) {
    let all_hex = match hex {
        HexStrings::All => true,
        HexStrings::NonAscii => bytes
            .iter()
            .any(|&c| c > 0x7e || (c < b' ' && !(9..=13).contains(&c))),
        HexStrings::Escaped => false,
    };
    if all_hex {
        for &c in bytes {
            let _ = write!(out, "\\x{c:02x}");
        }
        return;
    }
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            b' '..=b'~' if !escape.contains(&c) => out.push(c as char),
            _ => {
                let next_is_octal_digit =
                    bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                if next_is_octal_digit {
                    let _ = write!(out, "\\{c:03o}");
                } else {
                    let _ = write!(out, "\\{c:o}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(bytes: &[u8], hex: HexStrings) -> String {
        let mut s = String::new();
        quote(&mut s, bytes, hex);
        s
    }

    #[test]
    fn quotes_like_strace() {
        assert_eq!(
            q(b"\x7fELF\x02\x01\x01\x00\x00", HexStrings::Escaped),
            r#""\177ELF\2\1\1\0\0""#
        );
        assert_eq!(q(b"a\"b\\c\n\t", HexStrings::Escaped), r#""a\"b\\c\n\t""#);
        // An octal digit after an escape forces three digits.
        assert_eq!(q(b"\x001", HexStrings::Escaped), r#""\0001""#);
        assert_eq!(q(b"\x008", HexStrings::Escaped), r#""\08""#);
        assert_eq!(q(b"hi\n", HexStrings::NonAscii), r#""hi\n""#);
        assert_eq!(q(b"hi\x01", HexStrings::NonAscii), r#""\x68\x69\x01""#);
        assert_eq!(q(b"AB", HexStrings::All), r#""\x41\x42""#);
    }

    #[test]
    fn bare_quoting_escapes_the_delimiters_asked_for() {
        let mut s = String::new();
        quote_bare(&mut s, b"/tmp/a<b>\"c", HexStrings::Escaped, b"<>");
        assert_eq!(s, r#"/tmp/a\74b\76\"c"#);
    }
}
