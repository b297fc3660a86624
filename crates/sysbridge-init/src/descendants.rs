//! Finding and signalling a subreaper's descendants through `/proc`.
//!
//! Process 1 reaches every process of its namespace with `kill(-1)`; a subreaper
//! cannot (that would be every process of the system it may signal), so it reads each
//! `/proc/PID/stat` for the parent's id and follows the tree down from itself. The
//! scan is not atomic: a process may fork after it was read, or a number may be
//! reused between the scan and the signal. The second is ruled out by opening each
//! process as a pidfd and checking, through `/proc` again, that the process holding
//! the number now still descends from us before signalling it through that pidfd; the
//! first by the caller, which scans again later.

use std::collections::{BTreeMap, BTreeSet};

use sysbridge::process::{self, Pid, PidfdFlags};
use sysbridge::signal::{self, Signal};

/// A process's parent id and state letter, from `/proc/PID/stat`: the fields after
/// the command name, which is in parentheses and may itself hold spaces and
/// parentheses (so the last `)` ends it).
fn parent_and_state(pid: i32) -> Option<(i32, u8)> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    let end = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(stat.get(end + 1..)?).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let parent = fields.next()?.parse().ok()?;
    Some((parent, state))
}

/// The living (not yet ended) descendants of `root` (us), as `/proc` shows them now;
/// none when `/proc` is not of our PID namespace (its numbers would name others).
fn living_descendants(root: Pid) -> Vec<i32> {
    let ours = std::fs::read_link("/proc/self")
        .ok()
        .and_then(|link| link.to_str()?.parse::<i32>().ok());
    if ours != Some(root.as_raw()) {
        return Vec::new();
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: BTreeMap<i32, Vec<(i32, u8)>> = BTreeMap::new();
    for entry in dir.flatten() {
        let pid = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok());
        if let Some((pid, (parent, state))) = pid.and_then(|p| Some((p, parent_and_state(p)?))) {
            children.entry(parent).or_default().push((pid, state));
        }
    }
    let mut found = Vec::new();
    let mut next = vec![root.as_raw()];
    let mut seen = BTreeSet::new();
    while let Some(parent) = next.pop() {
        for &(pid, state) in children.get(&parent).into_iter().flatten() {
            if seen.insert(pid) {
                next.push(pid);
                // Zombies (Z) and the dead (X) need no signal; their children may.
                if state != b'Z' && state != b'X' {
                    found.push(pid);
                }
            }
        }
    }
    found
}

/// Sends `sig` to every living descendant of `root` (us); returns how many were
/// signalled.
pub(crate) fn signal_all(root: Pid, sig: Signal) -> usize {
    let found = living_descendants(root);
    let ours: BTreeSet<i32> = found.iter().copied().chain([root.as_raw()]).collect();
    let mut signalled = 0;
    for pid in found {
        let Ok(pidfd) = process::pidfd_open(Pid::from_raw(pid), PidfdFlags::empty()) else {
            continue; // ended since the scan
        };
        // The pidfd pins whatever process holds the number now: is it still ours?
        match parent_and_state(pid) {
            Some((parent, _)) if ours.contains(&parent) => {}
            _ => continue,
        }
        if signal::pidfd_send_signal(&pidfd, sig).is_ok() {
            signalled += 1;
        }
    }
    signalled
}
