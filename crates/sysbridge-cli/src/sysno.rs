//! `sysbridge sysno`: x86_64 system-call names and numbers.

use std::io::{self, Write};

use sysbridge::Sysno;

use crate::lookup::Table;

/// The x86_64 system calls, as [`Sysno`] knows them.
#[derive(Debug)]
pub(crate) struct SystemCalls;

impl Table for SystemCalls {
    type Entry = Sysno;
    const TOOL: &'static str = "sysno";
    const WHAT: &'static str = "system call";
    const SEARCHED: &'static str = "name";
    const KEYS: &'static str = "System-call names (openat) or numbers (257, 0x101)";
    const NOTES: &'static str = "\
Each line reads NAME NUMBER (openat 257): the name first, as in `sysbridge errno`, in all
three modes, so that a line of --list is what looking up its name prints. Names match in
any letter case; numbers are decimal or 0x-prefixed hexadecimal. The table is x86_64's
(64-bit ABI), from the kernel headers sysbridge was generated from: it may name calls the
running kernel does not have, and the kernel leaves gaps in the numbers (336 to 423).";

    fn by_name(name: &str) -> Option<Sysno> {
        // Every name is lower case.
        Sysno::from_name(&name.to_ascii_lowercase())
    }

    fn by_number(number: i64) -> Option<Sysno> {
        Sysno::from_raw(u32::try_from(number).ok()?)
    }

    fn all() -> impl Iterator<Item = Sysno> {
        Sysno::all()
    }

    fn searched(entry: &Sysno) -> String {
        entry.name().to_owned()
    }

    fn write_line(entry: &Sysno, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{} {}", entry.name(), entry.raw())
    }
}
