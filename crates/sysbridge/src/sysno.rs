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

/// A set of system calls: one bit per number, so membership is one load and a mask.
///
/// ```
/// use sysbridge::{Sysno, SysnoSet};
/// let mut set = SysnoSet::new();
/// set.insert(Sysno::openat);
/// assert!(set.contains(Sysno::openat) && !set.contains(Sysno::read));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Sysno::openat]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SysnoSet([u64; SET_WORDS]);

/// Words of a [`SysnoSet`]: room for every number below 512.
const SET_WORDS: usize = 8;
const _: () = assert!(ALL[ALL.len() - 1] as usize / 64 < SET_WORDS);

impl SysnoSet {
    /// The empty set.
    pub const fn new() -> SysnoSet {
        SysnoSet([0; SET_WORDS])
    }

    /// Every system call the table knows.
    pub fn all() -> SysnoSet {
        Sysno::all().collect()
    }

    /// Adds `nr`; true if it was not there.
    pub fn insert(&mut self, nr: Sysno) -> bool {
        let (w, b) = Self::slot(nr);
        let new = self.0[w] & b == 0;
        self.0[w] |= b;
        new
    }

    /// Removes `nr`; true if it was there.
    pub fn remove(&mut self, nr: Sysno) -> bool {
        let (w, b) = Self::slot(nr);
        let had = self.0[w] & b != 0;
        self.0[w] &= !b;
        had
    }

    /// Whether `nr` is in the set.
    #[inline]
    pub const fn contains(&self, nr: Sysno) -> bool {
        let (w, b) = Self::slot(nr);
        self.0[w] & b != 0
    }

    /// Whether the raw number `nr` is in the set (false for numbers no `Sysno` has).
    #[inline]
    pub fn contains_raw(&self, nr: u64) -> bool {
        nr < (SET_WORDS * 64) as u64 && self.0[nr as usize / 64] & (1 << (nr % 64)) != 0
    }

    /// The calls not in the set (among those the table knows).
    #[must_use]
    pub fn complement(&self) -> SysnoSet {
        let mut out = SysnoSet::all();
        for (o, s) in out.0.iter_mut().zip(self.0) {
            *o &= !s;
        }
        out
    }

    /// How many calls the set holds.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The calls in the set, in number order.
    pub fn iter(&self) -> impl Iterator<Item = Sysno> + '_ {
        Sysno::all().filter(|&s| self.contains(s))
    }

    const fn slot(nr: Sysno) -> (usize, u64) {
        let n = nr.raw() as usize;
        (n / 64, 1 << (n % 64))
    }
}

impl FromIterator<Sysno> for SysnoSet {
    fn from_iter<I: IntoIterator<Item = Sysno>>(iter: I) -> SysnoSet {
        let mut set = SysnoSet::new();
        for nr in iter {
            set.insert(nr);
        }
        set
    }
}

impl Extend<Sysno> for SysnoSet {
    fn extend<I: IntoIterator<Item = Sysno>>(&mut self, iter: I) {
        for nr in iter {
            self.insert(nr);
        }
    }
}

impl fmt::Debug for SysnoSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
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
    fn sets_hold_exactly_what_was_put_in() {
        let mut set = SysnoSet::new();
        assert!(set.insert(Sysno::file_setattr) && !set.insert(Sysno::file_setattr));
        assert!(set.insert(Sysno::read));
        assert_eq!(set.len(), 2);
        assert!(set.contains_raw(0) && set.contains_raw(469) && !set.contains_raw(1));
        assert!(!set.contains_raw(u64::MAX));
        assert_eq!(set.complement().len(), Sysno::COUNT - 2);
        assert!(set.remove(Sysno::read) && !set.remove(Sysno::read));
        assert_eq!(SysnoSet::all().len(), Sysno::COUNT);
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
