//! What `errno` and `sysno` share: a table of numbers the kernel names, looked up by
//! name or by number, listed whole, or searched with words.
//!
//! The tables themselves live in the library; this module only reads arguments and
//! prints lines.

use std::io::{self, Write};
use std::marker::PhantomData;

/// The arguments of a look-up subcommand over table `T`; the help is worded from `T`.
#[derive(Debug, clap::Args)]
#[command(
    override_usage = format!(
        "sysbridge {tool} NAME|NUMBER...\n       \
         sysbridge {tool} -l\n       \
         sysbridge {tool} -s WORD...",
        tool = T::TOOL
    ),
    after_long_help = format!("{}\n\n{EXIT_STATUS}", T::NOTES),
)]
pub(crate) struct Args<T: Table> {
    /// List every entry, in number order
    #[arg(
        short,
        long,
        conflicts_with_all = ["search", "keys"],
        help = format!("List every {}, in number order", T::WHAT),
    )]
    list: bool,

    /// The entries whose text contains all WORDs, in any letter case
    #[arg(
        short,
        long,
        value_name = "WORD",
        num_args = 1..,
        conflicts_with = "keys",
        help = format!("The {}s whose {} contains all WORDs, in any case", T::WHAT, T::SEARCHED),
    )]
    search: Option<Vec<String>>,

    /// Names or numbers (decimal or 0x-prefixed hexadecimal)
    #[arg(
        value_name = "NAME|NUMBER",
        required_unless_present_any = ["list", "search"],
        allow_negative_numbers = true,
        help = T::KEYS,
    )]
    keys: Vec<String>,

    /// The table looked into.
    #[arg(skip)]
    table: PhantomData<T>,
}

impl<T: Table> Args<T> {
    /// What the options ask for: `--list`, else `--search WORD...`, else look-ups.
    fn mode(&self) -> Mode<'_> {
        match &self.search {
            _ if self.list => Mode::List,
            Some(words) => Mode::Search(words),
            None => Mode::Lookup(&self.keys),
        }
    }
}

/// A table of named numbers, and the words a subcommand shows it with.
pub(crate) trait Table {
    /// One row of the table: what one output line shows.
    type Entry;

    /// The subcommand: `errno`.
    const TOOL: &'static str;

    /// What one row is: `error`, `system call`.
    const WHAT: &'static str;

    /// What `--search` looks into, for the help: `message`, `name`.
    const SEARCHED: &'static str;

    /// The help of the arguments: which names and numbers, with examples.
    const KEYS: &'static str;

    /// The notes that end `--help`: the output format and such.
    const NOTES: &'static str;

    /// The row named `name`, in any letter case.
    fn by_name(name: &str) -> Option<Self::Entry>;

    /// The row with this number.
    fn by_number(number: i64) -> Option<Self::Entry>;

    /// Every row, in number order.
    fn all() -> impl Iterator<Item = Self::Entry>;

    /// The text `--search` looks into.
    fn searched(entry: &Self::Entry) -> String;

    /// Writes `entry` as one line, newline included.
    fn write_line(entry: &Self::Entry, out: &mut dyn Write) -> io::Result<()>;
}

/// What a look-up subcommand was asked to do.
#[derive(Debug, Clone, Copy)]
enum Mode<'a> {
    /// Print the row of each argument, a name or a number.
    Lookup(&'a [String]),
    /// Print every row.
    List,
    /// Print the rows whose searched text contains every word, in any letter case.
    Search(&'a [String]),
}

/// The exit statuses of a look-up subcommand, for its `--help`.
const EXIT_STATUS: &str = "\
Exit status: 0 when every argument was found (with --search: when something matched);
1 when an argument names nothing (each one is reported in one line on stderr, the others
are still printed) or a search matches nothing (silently, like grep); 2 for a usage error.
When the reader of the output goes away (`... -l | head -1`), the command stops quietly
with status 0.";

/// How a subcommand ended, when writing its output did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything asked for was found: exit status 0.
    Found,
    /// An argument named nothing, or a search matched nothing: exit status 1.
    NotFound,
}

/// Runs a look-up subcommand over table `T`: rows go to `out`, one line per argument
/// not found goes to `diagnostics`. An error is returned only when writing to `out`
/// fails.
pub(crate) fn run<T: Table>(
    args: &Args<T>,
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    match args.mode() {
        Mode::Lookup(args) => lookup::<T>(args, out, diagnostics),
        Mode::List => {
            for entry in T::all() {
                T::write_line(&entry, out)?;
            }
            Ok(Outcome::Found)
        }
        Mode::Search(words) => search::<T>(words, out),
    }
}

fn lookup<T: Table>(
    args: &[String],
    out: &mut dyn Write,
    diagnostics: &mut dyn Write,
) -> io::Result<Outcome> {
    let mut outcome = Outcome::Found;
    for arg in args {
        let found = match Key::parse(arg) {
            Key::Name(name) => {
                T::by_name(name).ok_or_else(|| format!("no {} named '{arg}'", T::WHAT))
            }
            // `None`: too many digits for any table, so no row has that number either.
            Key::Number(number) => number
                .and_then(T::by_number)
                .ok_or_else(|| format!("no {} has number {arg}", T::WHAT)),
            Key::Malformed => Err(format!("'{arg}' is not a number")),
        };
        match found {
            Ok(entry) => T::write_line(&entry, out)?,
            Err(problem) => {
                outcome = Outcome::NotFound;
                // A failing stderr leaves nowhere to say so; the exit status still does.
                let _ = writeln!(diagnostics, "sysbridge: {}: {problem}", T::TOOL);
            }
        }
    }
    Ok(outcome)
}

fn search<T: Table>(words: &[String], out: &mut dyn Write) -> io::Result<Outcome> {
    let words: Vec<String> = words.iter().map(|word| word.to_lowercase()).collect();
    let mut outcome = Outcome::NotFound;
    for entry in T::all() {
        let text = T::searched(&entry).to_lowercase();
        if words.iter().all(|word| text.contains(word.as_str())) {
            T::write_line(&entry, out)?;
            outcome = Outcome::Found;
        }
    }
    Ok(outcome)
}

/// One command-line argument of a look-up, read as a name or as a number.
#[derive(Debug, PartialEq, Eq)]
enum Key<'a> {
    /// Anything that does not start like a number (a digit, after an optional sign).
    Name(&'a str),
    /// A decimal or `0x` hexadecimal number with an optional sign; `None` when it does
    /// not fit an `i64`.
    Number(Option<i64>),
    /// Starts like a number but is not one: `2abc`, `0x`, `1_000`.
    Malformed,
}

impl<'a> Key<'a> {
    fn parse(arg: &'a str) -> Key<'a> {
        let (negative, unsigned) = match arg.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, arg.strip_prefix('+').unwrap_or(arg)),
        };
        if !unsigned.starts_with(|c: char| c.is_ascii_digit()) {
            return Key::Name(arg);
        }
        let (digits, radix) = match unsigned
            .strip_prefix("0x")
            .or_else(|| unsigned.strip_prefix("0X"))
        {
            Some(hex) => (hex, 16),
            None => (unsigned, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return Key::Malformed;
        }
        let magnitude = u64::from_str_radix(digits, radix).ok();
        Key::Number(magnitude.and_then(|m| {
            if negative {
                0i64.checked_sub_unsigned(m)
            } else {
                i64::try_from(m).ok()
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(Key::parse("ENOENT"), Key::Name("ENOENT"));
        assert_eq!(Key::parse("enoent"), Key::Name("enoent"));
        assert_eq!(Key::parse(""), Key::Name(""));
        assert_eq!(Key::parse("2"), Key::Number(Some(2)));
        assert_eq!(Key::parse("02"), Key::Number(Some(2)));
        assert_eq!(Key::parse("+2"), Key::Number(Some(2)));
        assert_eq!(Key::parse("-2"), Key::Number(Some(-2)));
        assert_eq!(Key::parse("0x101"), Key::Number(Some(257)));
        assert_eq!(Key::parse("0XfF"), Key::Number(Some(255)));
        assert_eq!(Key::parse("-0x1"), Key::Number(Some(-1)));
        assert_eq!(
            Key::parse("-9223372036854775808"),
            Key::Number(Some(i64::MIN))
        );
        assert_eq!(Key::parse("9223372036854775808"), Key::Number(None));
        assert_eq!(Key::parse("99999999999999999999999"), Key::Number(None));
        for name in ["-", "+", "--2", "-x", " 2", "E2BIG"] {
            assert_eq!(Key::parse(name), Key::Name(name), "{name:?}");
        }
        for malformed in ["2abc", "0x", "0xg", "1_000", "2 ", "-0x", "0x-1", "2E"] {
            assert_eq!(Key::parse(malformed), Key::Malformed, "{malformed:?}");
        }
    }
}
