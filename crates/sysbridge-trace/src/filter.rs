//! The sets behind `-e trace=`, `-e signal=`, `-e status=` (and `abbrev=`, `verbose=`,
//! `raw=`), parsed from strace's syntax: comma-separated values, a leading `!` negating
//! the whole set, `?` before a value tolerating one that does not exist, `all` and
//! `none`, and for system calls `%class` names and `/regex` patterns.

use sysbridge::signal::Signal;
use sysbridge::{Sysno, SysnoSet};

use crate::sysent::ROWS;

bitflags::bitflags! {
    /// The classes a system call belongs to, as `-e trace=%name` selects them.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Class: u32 {
        /// `%desc`: takes or returns a file descriptor.
        const DESC = 1 << 0;
        /// `%file`: takes a file name.
        const FILE = 1 << 1;
        /// `%ipc`: System V IPC.
        const IPC = 1 << 2;
        /// `%network` (`%net`): sockets.
        const NETWORK = 1 << 3;
        /// `%process`: process life cycle.
        const PROCESS = 1 << 4;
        /// `%signal`: signals.
        const SIGNAL = 1 << 5;
        /// `%memory`: memory mapping.
        const MEMORY = 1 << 6;
        /// `%stat`: the stat variants.
        const STAT = 1 << 7;
        /// `%lstat`: the lstat variants.
        const LSTAT = 1 << 8;
        /// `%fstat`: the fstat variants.
        const FSTAT = 1 << 9;
        /// `%%stat`: every stat-like call.
        const STAT_LIKE = 1 << 10;
        /// `%statfs`: the statfs variants.
        const STATFS = 1 << 11;
        /// `%fstatfs`: the fstatfs variants.
        const FSTATFS = 1 << 12;
        /// `%%statfs`: every statfs-like call.
        const STATFS_LIKE = 1 << 13;
        /// `%pure`: getters with no arguments that always succeed.
        const PURE = 1 << 14;
        /// `%creds`: user and group identities and capabilities.
        const CREDS = 1 << 15;
        /// `%clock`: reading or changing clocks.
        const CLOCK = 1 << 16;
        /// Not a selectable class: the call never fails.
        const NEVER_FAILS = 1 << 17;
        /// Not a selectable class: the call changes memory mappings.
        const MAPPING_CHANGE = 1 << 18;
        /// Not a selectable class: `--seccomp-bpf` always stops it (it changes the
        /// process tree or the program, which the tracer must see).
        const SECCOMP_DEFAULT = 1 << 19;
        /// Not a selectable class: the call may change the process's name.
        const COMM_CHANGE = 1 << 20;
    }
}

/// The class named `name` (without its `%`).
fn class_named(name: &str) -> Option<Class> {
    Some(match name {
        "desc" => Class::DESC,
        "file" => Class::FILE,
        "ipc" => Class::IPC,
        "network" | "net" => Class::NETWORK,
        "process" => Class::PROCESS,
        "signal" => Class::SIGNAL,
        "memory" => Class::MEMORY,
        "stat" => Class::STAT,
        "lstat" => Class::LSTAT,
        "fstat" => Class::FSTAT,
        "%stat" => Class::STAT_LIKE,
        "statfs" => Class::STATFS,
        "fstatfs" => Class::FSTATFS,
        "%statfs" => Class::STATFS_LIKE,
        "pure" => Class::PURE,
        "creds" => Class::CREDS,
        "clock" => Class::CLOCK,
        _ => return None,
    })
}

/// A set of system calls. Numbers the table does not know (calls newer than it, or
/// no call at all) are in the set exactly when `unknown` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallSet {
    known: SysnoSet,
    unknown: bool,
}

impl SyscallSet {
    /// Every call.
    pub fn all() -> SyscallSet {
        SyscallSet {
            known: SysnoSet::all(),
            unknown: true,
        }
    }

    /// No call.
    pub fn none() -> SyscallSet {
        SyscallSet {
            known: SysnoSet::new(),
            unknown: false,
        }
    }

    /// Whether call number `nr` is in the set.
    #[inline]
    pub fn contains_raw(&self, nr: u64) -> bool {
        match Sysno::from_raw(u32::try_from(nr).unwrap_or(u32::MAX)) {
            Some(s) => self.known.contains(s),
            None => self.unknown,
        }
    }

    /// Whether `nr` is in the set.
    pub fn contains(&self, nr: Sysno) -> bool {
        self.known.contains(nr)
    }

    /// The known calls in the set.
    pub fn known(&self) -> &SysnoSet {
        &self.known
    }

    /// Whether every known call is in the set (numbers it does not know aside).
    pub fn is_all_known(&self) -> bool {
        self.known.len() == Sysno::COUNT
    }

    /// Parses strace's syntax (`open,close`, `!%file`, `/^stat`, `?nosuch,read`).
    pub fn parse(spec: &str) -> Result<SyscallSet, String> {
        let (negate, body) = match spec.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, spec),
        };
        let mut set = SyscallSet::none();
        for item in body.split(',') {
            let (optional, item) = match item.strip_prefix('?') {
                Some(rest) => (true, rest),
                None => (false, item),
            };
            match select_syscalls(item, &mut set) {
                Ok(()) => {}
                Err(_) if optional => {}
                Err(e) => return Err(e),
            }
        }
        if negate {
            set = SyscallSet {
                known: set.known.complement(),
                unknown: !set.unknown,
            };
        }
        Ok(set)
    }
}

/// Adds the calls `item` names to `set`, or says what is wrong with it.
fn select_syscalls(item: &str, set: &mut SyscallSet) -> Result<(), String> {
    if item == "all" {
        *set = SyscallSet::all();
        return Ok(());
    }
    if item == "none" {
        return Ok(());
    }
    if let Some(class) = item.strip_prefix('%') {
        let class = class_named(class).ok_or_else(|| format!("invalid system call '{item}'"))?;
        set.known.extend(
            ROWS.iter()
                .filter(|r| r.classes.intersects(class))
                .map(|r| r.nr),
        );
        return Ok(());
    }
    if let Some(pattern) = item.strip_prefix('/') {
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("invalid regular expression '{pattern}': {e}"))?;
        let before = set.known.len();
        set.known
            .extend(Sysno::all().filter(|s| re.is_match(s.name())));
        return if set.known.len() > before || Sysno::all().any(|s| re.is_match(s.name())) {
            Ok(())
        } else {
            Err(format!("invalid system call '{item}'"))
        };
    }
    let nr = match item.parse::<u32>() {
        Ok(n) => Sysno::from_raw(n),
        Err(_) => Sysno::from_name(item),
    };
    let nr = nr.ok_or_else(|| format!("invalid system call '{item}'"))?;
    set.known.insert(nr);
    Ok(())
}

/// A set of signals (`-e signal=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalSet(u64);

impl SignalSet {
    /// Every signal.
    pub fn all() -> SignalSet {
        SignalSet(u64::MAX)
    }

    /// Whether `sig` is in the set.
    pub fn contains(self, sig: Signal) -> bool {
        sig.is_valid() && self.0 & (1 << (sig.raw() - 1)) != 0
    }

    /// Parses `SIGIO,USR1,15`, `!SIGCHLD`, `all`, `none`.
    pub fn parse(spec: &str) -> Result<SignalSet, String> {
        let (negate, body) = match spec.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, spec),
        };
        let mut bits = 0u64;
        for item in body.split(',') {
            match item {
                "all" => bits = u64::MAX,
                "none" => {}
                _ => {
                    let upper = item.to_ascii_uppercase();
                    let sig = match item.parse::<i32>() {
                        Ok(n) => Some(Signal::from_raw(n)),
                        Err(_) => Signal::from_name(&upper)
                            .or_else(|| Signal::from_name(&format!("SIG{upper}"))),
                    };
                    match sig.filter(|s| s.is_valid()) {
                        Some(s) => bits |= 1 << (s.raw() - 1),
                        None => return Err(format!("invalid signal '{item}'")),
                    }
                }
            }
        }
        Ok(SignalSet(if negate { !bits } else { bits }))
    }
}

/// The outcomes of a system call that `-e status=` selects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Status {
    /// Returned without error.
    Successful = 1,
    /// Returned an error.
    Failed = 2,
    /// Never returned: the tracee exited or was killed during the call.
    Unfinished = 4,
    /// Its result could not be fetched.
    Unavailable = 8,
    /// The tracer detached during the call.
    Detached = 16,
}

/// A set of [`Status`]es.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StatusSet(u8);

impl StatusSet {
    /// Every outcome.
    pub fn all() -> StatusSet {
        StatusSet(31)
    }

    /// Whether every outcome is in the set (then nothing needs to be held back).
    pub fn is_all(self) -> bool {
        self.0 == 31
    }

    /// Only `status`.
    pub fn only(status: Status) -> StatusSet {
        StatusSet(status as u8)
    }

    /// Whether `status` is in the set.
    pub fn contains(self, status: Status) -> bool {
        self.0 & status as u8 != 0
    }

    /// Parses `successful,failed`, `!unfinished`, `all`, `none`.
    pub fn parse(spec: &str) -> Result<StatusSet, String> {
        let (negate, body) = match spec.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, spec),
        };
        let mut bits = 0u8;
        for item in body.split(',') {
            bits |= match item {
                "all" => 31,
                "none" => 0,
                "successful" => Status::Successful as u8,
                "failed" => Status::Failed as u8,
                "unfinished" => Status::Unfinished as u8,
                "unavailable" => Status::Unavailable as u8,
                "detached" => Status::Detached as u8,
                _ => return Err(format!("invalid status '{item}'")),
            };
        }
        Ok(StatusSet(if negate { !bits & 31 } else { bits }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_sets_parse_like_strace() {
        let set = SyscallSet::parse("openat,close").unwrap();
        assert!(set.contains(Sysno::openat) && set.contains(Sysno::close));
        assert!(!set.contains(Sysno::read) && !set.contains_raw(999));
        let set = SyscallSet::parse("!openat").unwrap();
        assert!(!set.contains(Sysno::openat) && set.contains(Sysno::read) && set.contains_raw(999));
        let set = SyscallSet::parse("%file").unwrap();
        assert!(
            set.contains(Sysno::openat)
                && set.contains(Sysno::execve)
                && !set.contains(Sysno::read)
        );
        let set = SyscallSet::parse("%net").unwrap();
        assert!(set.contains(Sysno::connect) && !set.contains(Sysno::openat));
        let set = SyscallSet::parse("/^stat").unwrap();
        assert!(
            set.contains(Sysno::stat) && set.contains(Sysno::statx) && !set.contains(Sysno::fstat)
        );
        assert!(SyscallSet::parse("nosuchcall").is_err());
        let set = SyscallSet::parse("?nosuchcall,read").unwrap();
        assert!(set.contains(Sysno::read));
        assert_eq!(SyscallSet::parse("all").unwrap(), SyscallSet::all());
        assert_eq!(SyscallSet::parse("none").unwrap(), SyscallSet::none());
        assert!(SyscallSet::parse("%nosuchclass").is_err());
    }

    #[test]
    fn signal_and_status_sets() {
        let set = SignalSet::parse("SIGCHLD,usr1,15").unwrap();
        assert!(
            set.contains(Signal::SIGCHLD)
                && set.contains(Signal::SIGUSR1)
                && set.contains(Signal::SIGTERM)
        );
        assert!(!set.contains(Signal::SIGINT));
        assert!(
            !SignalSet::parse("!SIGCHLD")
                .unwrap()
                .contains(Signal::SIGCHLD)
        );
        assert!(SignalSet::parse("SIGNOPE").is_err());
        let st = StatusSet::parse("failed").unwrap();
        assert!(st.contains(Status::Failed) && !st.contains(Status::Successful));
        assert!(
            StatusSet::parse("!failed")
                .unwrap()
                .contains(Status::Unfinished)
        );
        assert!(StatusSet::parse("bogus").is_err());
    }
}
