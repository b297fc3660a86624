//! Helpers shared by the integration tests that look at other processes.

use sysbridge::process::Pid;

/// A `Key:\tvalue` line of `/proc/<pid>/status`.
pub(crate) fn status_field(pid: Pid, key: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("{key}"));
    line[key.len()..].trim().to_string()
}
