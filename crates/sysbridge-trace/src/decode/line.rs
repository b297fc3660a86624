//! The decoded arguments of one call, built once for two formats: strace's text, and,
//! with `--json`, a JSON value per argument. Decoders only say what they print (an
//! argument, a number, a string, a structure field…); separators, quoting and the JSON
//! shape follow from that.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::quote::quote;
use crate::options::HexStrings;

/// A table of named values (strace's "xlat"): flag bits or an enumeration.
#[derive(Debug)]
pub(crate) struct Xlat {
    /// Values and names, in printing order.
    pub(crate) entries: &'static [(u64, &'static str)],
    /// The comment after a value no entry names (`O_???`), if any.
    pub(crate) unknown: Option<&'static str>,
}

impl Xlat {
    /// The name of exactly `value`, if an entry has it.
    pub(crate) fn name(&self, value: u64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, n)| *n)
    }
}

/// An open JSON container.
enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, Option<String>),
    /// A value that changed (` => `): what it was, waiting for what it became.
    Changed(Value),
}

/// The arguments of one call being printed.
pub(crate) struct Line {
    /// The text printed in the current phase (entry or exit), for the printer to take.
    pub(crate) text: String,
    /// Per nesting level (the argument list first): whether an item was written, so the
    /// next one needs a separator.
    written: Vec<bool>,
    /// The JSON being built, when asked for.
    json: Option<Vec<Frame>>,
}

impl Line {
    /// A line for one call; `json` says whether to build the JSON too.
    pub(crate) fn new(json: bool) -> Line {
        Line {
            text: String::with_capacity(256),
            written: vec![false],
            json: json.then(|| vec![Frame::Array(Vec::new())]),
        }
    }

    /// Starts again for the next call (keeps the allocations).
    pub(crate) fn reset(&mut self) {
        self.text.clear();
        self.written.clear();
        self.written.push(false);
        if let Some(stack) = &mut self.json {
            stack.clear();
            stack.push(Frame::Array(Vec::new()));
        }
    }

    /// Ends the entry phase of a call whose decoder prints more arguments at exit: the
    /// text ends with the separator, as strace's `read(3, ` does, and the next argument
    /// will not write another.
    pub(crate) fn end_entry_phase(&mut self) {
        if self.written.len() == 1 && self.written[0] {
            self.text.push_str(", ");
            self.written[0] = false;
        }
    }

    /// The JSON arguments built so far (an array), when JSON was asked for.
    pub(crate) fn take_json(&mut self) -> Option<Value> {
        let stack = self.json.as_mut()?;
        match stack.first_mut() {
            Some(Frame::Array(items)) => Some(Value::Array(std::mem::take(items))),
            _ => None,
        }
    }

    fn separate(&mut self) {
        let last = self.written.last_mut().expect("the argument level");
        if *last {
            self.text.push_str(", ");
        }
        *last = true;
    }

    /// Starts the next argument.
    pub(crate) fn arg(&mut self) {
        debug_assert_eq!(self.written.len(), 1, "arg() inside a structure");
        self.separate();
    }

    /// Starts the next element of an array.
    pub(crate) fn elem(&mut self) {
        self.separate();
    }

    /// Starts structure field `name`: `name=`.
    pub(crate) fn field(&mut self, name: &str) {
        self.separate();
        self.text.push_str(name);
        self.text.push('=');
        if let Some(Frame::Object(_, key)) = self.json.as_mut().and_then(|s| s.last_mut()) {
            *key = Some(name.to_string());
        }
    }

    /// Opens a structure: `{`.
    pub(crate) fn struct_begin(&mut self) {
        self.text.push('{');
        self.written.push(false);
        if let Some(stack) = &mut self.json {
            stack.push(Frame::Object(Map::new(), None));
        }
    }

    /// Closes a structure: `}`.
    pub(crate) fn struct_end(&mut self) {
        self.text.push('}');
        self.close();
    }

    /// Opens an array: `[`.
    pub(crate) fn array_begin(&mut self) {
        self.text.push('[');
        self.written.push(false);
        if let Some(stack) = &mut self.json {
            stack.push(Frame::Array(Vec::new()));
        }
    }

    /// Closes an array: `]`.
    pub(crate) fn array_end(&mut self) {
        self.text.push(']');
        self.close();
    }

    fn close(&mut self) {
        self.written.pop();
        if let Some(stack) = &mut self.json {
            let value = loop {
                match stack.pop() {
                    Some(Frame::Array(items)) => break Value::Array(items),
                    Some(Frame::Object(map, _)) => break Value::Object(map),
                    // ` => ` with nothing after it: the value stays as it was.
                    Some(Frame::Changed(before)) => Self::put(stack, before),
                    None => return,
                }
            };
            Self::put(stack, value);
        }
    }

    /// `...` as the last item of an abbreviated structure or array.
    pub(crate) fn more(&mut self) {
        self.separate();
        self.text.push_str("...");
    }

    fn put(stack: &mut Vec<Frame>, value: Value) {
        match stack.last_mut() {
            Some(Frame::Array(items)) => items.push(value),
            Some(Frame::Object(map, key)) => {
                let key = key.take().unwrap_or_else(|| map.len().to_string());
                map.insert(key, value);
            }
            Some(Frame::Changed(_)) => {
                let Some(Frame::Changed(before)) = stack.pop() else {
                    unreachable!("the top frame was just matched");
                };
                let mut pair = Map::new();
                pair.insert("entry".into(), before);
                pair.insert("exit".into(), value);
                Self::put(stack, Value::Object(pair));
            }
            None => {}
        }
    }

    /// strace's ` => ` between what a value was at entry and what it is at exit
    /// (`[0] => [100]`, `[128 => 16]`); in JSON the two become
    /// `{"entry": ..., "exit": ...}`.
    pub(crate) fn changed(&mut self) {
        self.text.push_str(" => ");
        if let Some(stack) = &mut self.json
            && let Some(Frame::Array(items)) = stack.last_mut()
            && let Some(before) = items.pop()
        {
            stack.push(Frame::Changed(before));
        }
    }

    fn json(&mut self, value: impl FnOnce() -> Value) {
        if let Some(stack) = &mut self.json {
            Self::put(stack, value());
        }
    }

    /// A signed decimal number.
    pub(crate) fn dec(&mut self, v: i64) {
        let _ = write!(self.text, "{v}");
        self.json(|| Value::from(v));
    }

    /// An unsigned decimal number.
    pub(crate) fn udec(&mut self, v: u64) {
        let _ = write!(self.text, "{v}");
        self.json(|| Value::from(v));
    }

    /// A number in hex, as C's `%#x` writes it (`0` for zero).
    pub(crate) fn hex(&mut self, v: u64) {
        write_hex(&mut self.text, v);
        self.json(|| Value::from(v));
    }

    /// An address: `NULL`, or hex.
    pub(crate) fn ptr(&mut self, v: u64) {
        if v == 0 {
            self.text.push_str("NULL");
            self.json(|| Value::Null);
        } else {
            self.hex(v);
        }
    }

    /// A symbol or other text that stands as it is (`AT_FDCWD`, `~[RTMIN]`).
    pub(crate) fn sym(&mut self, s: &str) {
        self.text.push_str(s);
        self.json(|| Value::from(s));
    }

    /// Text written as it is, from a formatted value.
    pub(crate) fn text_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let start = self.text.len();
        let _ = self.text.write_fmt(args);
        if self.json.is_some() {
            let s = self.text[start..].to_string();
            self.json(|| Value::from(s));
        }
    }

    /// A quoted string, with `...` after it when it was cut short.
    pub(crate) fn string(&mut self, bytes: &[u8], cut: bool, hex: HexStrings) {
        quote(&mut self.text, bytes, hex);
        if cut {
            self.text.push_str("...");
        }
        self.json(|| Value::from(String::from_utf8_lossy(bytes).into_owned()));
    }

    /// A comment after the value just written: ` /* text */` (text only).
    pub(crate) fn comment(&mut self, s: &str) {
        self.text.push_str(" /* ");
        self.text.push_str(s);
        self.text.push_str(" */");
    }

    /// Flag bits by name, as strace's `printflags` does: the names of every entry whose
    /// bits are all set, joined by `|`, then what no entry covers in hex; `0` for no
    /// bits (or the name of a zero-valued entry); a value no entry names at all is
    /// printed in hex with the table's unknown comment.
    pub(crate) fn flags(&mut self, table: &Xlat, v: u64) {
        let start = self.text.len();
        write_flags(&mut self.text, table, v);
        if self.json.is_some() {
            let s = self.text[start..].to_string();
            self.json(|| Value::from(s));
        }
    }

    /// An enumerated value by name (strace's `printxval`): the entry's name, else hex
    /// and the table's unknown comment.
    pub(crate) fn xval(&mut self, table: &Xlat, v: u64) {
        match table.name(v) {
            Some(name) => self.sym(name),
            None => {
                self.hex(v);
                if let Some(unknown) = table.unknown {
                    self.comment(unknown);
                }
            }
        }
    }

    /// Like [`Line::xval`], with a decimal fallback (for values that are counts or
    /// numbers when unnamed, as strace's `printxval_d`).
    pub(crate) fn xval_dec(&mut self, table: &Xlat, v: i64) {
        match table.name(v as u64) {
            Some(name) => self.sym(name),
            None => {
                self.dec(v);
                if let Some(unknown) = table.unknown {
                    self.comment(unknown);
                }
            }
        }
    }
}

/// Writes `v` as C's `%#x` does.
pub(crate) fn write_hex(out: &mut String, v: u64) {
    if v == 0 {
        out.push('0');
    } else {
        let _ = write!(out, "{v:#x}");
    }
}

/// Writes `v` in octal as C's `%#03o` does: a leading `0`, at least three digits.
pub(crate) fn write_oct(out: &mut String, v: u64) {
    let digits = format!("0{v:o}");
    for _ in digits.len()..3 {
        out.push('0');
    }
    out.push_str(&digits);
}

/// A number in octal as strace writes modes and masks (`%#03o`: `000`, `022`,
/// `0644`).
pub(crate) fn octal(v: u64) -> String {
    let mut s = String::new();
    write_oct(&mut s, v);
    s
}

/// Flag names as strace writes them into the text after a return value or inside a
/// larger value (`sprintflags`): like [`write_flags`], with no comment for unknown
/// bits.
pub(crate) fn flags_text(table: &Xlat, v: u64) -> String {
    let bare = Xlat {
        entries: table.entries,
        unknown: None,
    };
    let mut s = String::new();
    write_flags(&mut s, &bare, v);
    s
}

/// Writes flag bits as [`Line::flags`] describes.
pub(crate) fn write_flags(out: &mut String, table: &Xlat, mut v: u64) {
    let mut n = 0;
    for &(bits, name) in table.entries {
        if v == bits || (bits != 0 && v & bits == bits) {
            if n > 0 {
                out.push('|');
            }
            out.push_str(name);
            n += 1;
            v &= !bits;
        }
        if v == 0 {
            break;
        }
    }
    if n > 0 {
        if v != 0 {
            out.push('|');
            write_hex(out, v);
        }
    } else if v != 0 {
        write_hex(out, v);
        if let Some(unknown) = table.unknown {
            out.push_str(" /* ");
            out.push_str(unknown);
            out.push_str(" */");
        }
    } else {
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static PROT: Xlat = Xlat {
        entries: &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")],
        unknown: Some("PROT_???"),
    };
    static WITH_ZERO: Xlat = Xlat {
        entries: &[(0, "PROT_NONE"), (1, "PROT_READ")],
        unknown: None,
    };

    fn flags(t: &Xlat, v: u64) -> String {
        let mut s = String::new();
        write_flags(&mut s, t, v);
        s
    }

    #[test]
    fn flags_print_like_strace() {
        assert_eq!(flags(&PROT, 3), "PROT_READ|PROT_WRITE");
        assert_eq!(flags(&PROT, 0x11), "PROT_READ|0x10");
        assert_eq!(flags(&PROT, 0x10), "0x10 /* PROT_??? */");
        assert_eq!(flags(&PROT, 0), "0");
        assert_eq!(flags(&WITH_ZERO, 0), "PROT_NONE");
        assert_eq!(flags(&WITH_ZERO, 1), "PROT_READ");
    }

    #[test]
    fn separators_and_structures() {
        let mut l = Line::new(true);
        l.arg();
        l.dec(3);
        l.arg();
        l.struct_begin();
        l.field("st_mode");
        l.sym("S_IFREG|0644");
        l.field("st_size");
        l.udec(10);
        l.more();
        l.struct_end();
        l.arg();
        l.ptr(0);
        assert_eq!(l.text, "3, {st_mode=S_IFREG|0644, st_size=10, ...}, NULL");
        let json = l.take_json().unwrap();
        assert_eq!(
            json,
            serde_json::json!([3, {"st_mode": "S_IFREG|0644", "st_size": 10}, null])
        );
    }

    #[test]
    fn an_entry_phase_ends_with_the_separator() {
        let mut l = Line::new(false);
        l.arg();
        l.dec(3);
        l.end_entry_phase();
        assert_eq!(l.text, "3, ");
        l.text.clear();
        l.arg();
        l.string(b"abc", true, HexStrings::Escaped);
        l.arg();
        l.udec(832);
        assert_eq!(l.text, "\"abc\"..., 832");
    }
}
