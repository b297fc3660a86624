//! [`Sysno`]'s look-ups: names, numbers, iteration. The enum and its tables are in
//! `sysno_generated.rs`.

use core::fmt;

use crate::Sysno;
use crate::sysno_generated::{self as generated, ALL, BY_NAME};

impl Sysno {
    /// The system call with this number, or `None` where the kernel assigns none.
    #[inline]
    pub const fn from_raw(nr: u32) -> Option<Sysno> {
        generated::from_raw(nr)
    }

    /// The system call whose kernel name is `name` (`"openat"`), matched exactly.
    pub fn from_name(name: &str) -> Option<Sysno> {
        BY_NAME
            .binary_search_by(|(n, _)| n.cmp(&name))
            .ok()
            .map(|i| BY_NAME[i].1)
    }

    /// The number the kernel expects in `rax`.
    #[inline(always)]
    pub const fn raw(self) -> u32 {
        self as u32
    }

    /// The kernel's name: `"openat"`.
    #[inline]
    pub const fn name(self) -> &'static str {
        generated::name(self)
    }

    /// Every system call this table knows, in number order.
    ///
    /// ```
    /// let first = sysbridge::Sysno::all().next().unwrap();
    /// assert_eq!(first.name(), "read");
    /// ```
    pub fn all() -> impl ExactSizeIterator<Item = Sysno> + DoubleEndedIterator {
        ALL.iter().copied()
    }

    /// How many system calls the table knows.
    pub const COUNT: usize = ALL.len();
}

/// The kernel's name: `openat`.
impl fmt::Debug for Sysno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kernel's name: `openat`.
impl fmt::Display for Sysno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in Sysno::all() {
            assert_eq!(Sysno::from_raw(s.raw()), Some(s));
            assert_eq!(Sysno::from_name(s.name()), Some(s));
        }
        assert_eq!(Sysno::all().len(), Sysno::COUNT);
    }

    #[test]
    fn gaps_and_unknowns() {
        assert_eq!(Sysno::from_raw(335), Some(Sysno::uretprobe));
        assert_eq!(Sysno::from_raw(336), None);
        assert_eq!(Sysno::from_raw(u32::MAX), None);
        assert_eq!(Sysno::from_name("no_such_call"), None);
        assert_eq!(Sysno::from_raw(424), Some(Sysno::pidfd_send_signal));
    }
}
