//! `sysbridge errno`: error names, numbers and messages, as moreutils' `errno` shows them.

use std::borrow::Cow;
use std::io::{self, Write};

use sysbridge::Errno;

use crate::lookup::Table;

/// The error numbers, as [`Errno`] knows them.
#[derive(Debug)]
pub(crate) struct Errors;

/// An error number under one of its names.
pub(crate) struct Named {
    /// The kernel's name, or the alias it was looked up by.
    name: Cow<'static, str>,
    /// The number.
    errno: Errno,
}

impl Named {
    /// `errno` under its kernel name, if it has one.
    fn canonical(errno: Errno) -> Option<Named> {
        errno.name().map(|name| Named {
            name: Cow::Borrowed(name),
            errno,
        })
    }
}

impl Table for Errors {
    type Entry = Named;
    const TOOL: &'static str = "errno";
    const WHAT: &'static str = "error";
    const SEARCHED: &'static str = "message";
    const KEYS: &'static str = "Error names (ENOENT, ewouldblock) or numbers (2, 0x2)";
    const NOTES: &'static str = "\
Each line reads NAME NUMBER MESSAGE, as moreutils' errno(1) prints it; MESSAGE is glibc's
strerror text, in English. Names match in any letter case and include the aliases
EWOULDBLOCK, EDEADLOCK and ENOTSUP, printed under the name given. Numbers are decimal or
0x-prefixed hexadecimal.

--list shows every name, aliases included, in the order of the kernel's errno.h (glibc's
own alias ENOTSUP last), exactly as moreutils lists them.

Differences from moreutils' errno:
  - A number with no name (0, 41, 600) is reported on stderr; moreutils is silent.
  - 2abc is not read as 2 but reported; hexadecimal 0x2 is read.
  - A search that matches nothing exits with 1 (moreutils: 0); it needs a WORD.
  - No arguments, or --list with arguments, is a usage error (moreutils ignores them).
  - No -S/--search-all-locales: the messages are not translated.";

    fn by_name(name: &str) -> Option<Named> {
        // Every name is upper case; an alias (EWOULDBLOCK) stays the name printed.
        let name = name.to_ascii_uppercase();
        Errno::from_name(&name).map(|errno| Named {
            name: Cow::Owned(name),
            errno,
        })
    }

    fn by_number(number: i64) -> Option<Named> {
        Named::canonical(Errno::from_raw(i32::try_from(number).ok()?))
    }

    fn all() -> impl Iterator<Item = Named> {
        Errno::names().map(|(name, errno)| Named {
            name: Cow::Borrowed(name),
            errno,
        })
    }

    fn searched(entry: &Named) -> String {
        entry.errno.message().to_string()
    }

    fn write_line(entry: &Named, out: &mut dyn Write) -> io::Result<()> {
        let Named { name, errno } = entry;
        writeln!(out, "{name} {} {}", errno.raw(), errno.message())
    }
}
