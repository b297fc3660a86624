//! The tracer's named-value tables ("xlat"), generated from a spec over the kernel's
//! UAPI headers.
//!
//! The files `crates/sysbridge-trace/xlat/*.in` (one per family, read in name order)
//! list each table: a header `[name] flags|enum
//! [UNKNOWN_COMMENT]`, then one constant name per line, in the order the tracer prints
//! them (flags are matched in that order). A name's value comes from the headers as
//! `linux-raw-sys` carries them (every x86_64 module); a name the headers lack is
//! written `NAME=VALUE` and says why in a comment.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::Error;

/// Every `pub const NAME: T = VALUE;` of the bindgen sources, by name.
pub fn constants(sources: &[String]) -> HashMap<String, i128> {
    let mut map = HashMap::new();
    for src in sources {
        for line in src.lines() {
            let Some(rest) = line.trim().strip_prefix("pub const ") else {
                continue;
            };
            let Some((name, rest)) = rest.split_once(':') else {
                continue;
            };
            let Some((_, value)) = rest.split_once(" = ") else {
                continue;
            };
            if let Ok(v) = value.trim_end_matches(';').trim().parse::<i128>() {
                map.entry(name.trim().to_string()).or_insert(v);
            }
        }
    }
    map
}

/// Parses a literal value of the spec: decimal, `0x` hex or `0` octal, maybe negative.
fn literal(text: &str) -> Option<i128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

struct Table {
    name: String,
    flags: bool,
    unknown: Option<String>,
    entries: Vec<(i128, String)>,
}

/// Renders the spec files `specs` (name and text) with values from `consts` as Rust
/// source.
pub fn render(
    specs: &[(String, String)],
    consts: &HashMap<String, i128>,
    header: &str,
) -> Result<String, Error> {
    let mut tables: Vec<Table> = Vec::new();
    for (file, spec) in specs {
        parse(file, spec, consts, &mut tables)?;
    }
    emit(&tables, header)
}

/// Adds the tables of one spec file to `tables`.
fn parse(
    file: &str,
    spec: &str,
    consts: &HashMap<String, i128>,
    tables: &mut Vec<Table>,
) -> Result<(), Error> {
    let first = tables.len();
    for (n, raw) in spec.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("{file}:{}", n + 1);
        if let Some(head) = line.strip_prefix('[') {
            let (name, rest) = head
                .split_once(']')
                .ok_or_else(|| format!("{}: bad header", at()))?;
            let mut words = rest.split_whitespace();
            let flags = match words.next() {
                Some("flags") => true,
                Some("enum") => false,
                other => {
                    return Err(format!(
                        "{}: kind must be flags or enum, not {other:?}",
                        at()
                    ));
                }
            };
            tables.push(Table {
                name: name.to_string(),
                flags,
                unknown: words.next().map(str::to_string),
                entries: Vec::new(),
            });
            continue;
        }
        if tables.len() == first {
            return Err(format!("{}: an entry before any table", at()));
        }
        let table = tables.last_mut().expect("checked above");
        let (name, value) = match line.split_once('=') {
            Some((name, v)) => (
                name.trim(),
                literal(v.trim()).ok_or_else(|| format!("{}: bad value", at()))?,
            ),
            None => (
                line,
                *consts
                    .get(line)
                    .ok_or_else(|| format!("{}: {line} is not in the headers", at()))?,
            ),
        };
        table.entries.push((value, name.to_string()));
    }
    Ok(())
}

fn emit(tables: &[Table], header: &str) -> Result<String, Error> {
    let mut o = String::new();
    o.push_str(header);
    o.push_str("use super::line::Xlat;\n\n");
    for t in tables {
        let kind = if t.flags { "flags" } else { "enumeration" };
        writeln!(o, "/// `{}` ({kind}).", t.name).unwrap();
        writeln!(
            o,
            "pub(crate) static {}: Xlat = Xlat {{",
            t.name.to_uppercase()
        )
        .unwrap();
        o.push_str("    entries: &[\n");
        for (v, name) in &t.entries {
            // Values are stored sign-extended to 64 bits.
            let bits = *v as i64 as u64;
            writeln!(o, "        ({bits:#x}, \"{name}\"),").unwrap();
        }
        o.push_str("    ],\n");
        match &t.unknown {
            Some(u) => writeln!(o, "    unknown: Some(\"{u}\"),").unwrap(),
            None => o.push_str("    unknown: None,\n"),
        }
        o.push_str("};\n\n");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_tables_in_spec_order() {
        let consts = constants(&[
            "pub const PROT_READ: u32 = 1;\npub const SI_QUEUE: i32 = -1;\n".to_string(),
        ]);
        let spec = "[prot] flags PROT_???\nPROT_READ\nPROT_X=0x10 # not in the headers\n[si] enum\nSI_QUEUE\n";
        let out = render(&[("t.in".into(), spec.into())], &consts, "").unwrap();
        assert!(
            out.contains("(0x1, \"PROT_READ\"),\n        (0x10, \"PROT_X\")"),
            "{out}"
        );
        assert!(out.contains("unknown: Some(\"PROT_???\")"));
        assert!(out.contains("(0xffffffffffffffff, \"SI_QUEUE\")"));
        let err = render(&[("t.in".into(), "[t] enum\nNOPE\n".into())], &consts, "").unwrap_err();
        assert!(err.contains("t.in:2"), "{err}");
        assert_eq!(literal("0755"), Some(0o755));
        assert_eq!(literal("-60"), Some(-60));
    }
}
