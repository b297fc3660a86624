//! The `--json` records: one JSON object per line, each with a `"type"` saying what
//! happened (`syscall`, `signal`, `stopped`, `exited`, `killed`, `superseded`) and the
//! `"pid"` it happened to. The README documents the schema.

use serde_json::{Value, json};
use sysbridge::Errno;
use sysbridge::signal::Signal;
use sysbridge::time::Timespec;

use super::report;

/// Seconds as a JSON number.
fn seconds(t: Timespec) -> Value {
    Value::from(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
}

/// A system call, as it ended.
pub(super) struct Call<'a> {
    pub(super) pid: i32,
    pub(super) name: &'a str,
    pub(super) nr: u64,
    /// The decoded arguments (an array), `null` when not decoded.
    pub(super) args: Value,
    pub(super) raw_args: &'a [u64],
    /// Wall-clock time of the call's entry.
    pub(super) time: Timespec,
    /// `None` for a call that never returned (its process exited inside it).
    pub(super) end: Option<End>,
}

/// How a call returned.
pub(super) struct End {
    pub(super) rval: i64,
    pub(super) error: Option<Errno>,
    pub(super) duration: Timespec,
}

impl Call<'_> {
    /// The record's text.
    pub(super) fn to_line(&self) -> String {
        let raw: Vec<String> = self.raw_args.iter().map(|a| format!("{a:#x}")).collect();
        let mut obj = json!({
            "type": "syscall",
            "pid": self.pid,
            "name": self.name,
            "nr": self.nr,
            "args": self.args,
            "raw_args": raw,
            "time": seconds(self.time),
        });
        match &self.end {
            Some(end) => {
                obj["return"] = match end.error {
                    Some(_) => Value::from(-1),
                    None => Value::from(end.rval),
                };
                obj["errno"] = end
                    .error
                    .map_or(Value::Null, |e| Value::from(errno_name(e)));
                obj["error"] = end
                    .error
                    .map_or(Value::Null, |e| Value::from(report::errno_message(e)));
                obj["duration"] = seconds(end.duration);
            }
            None => {
                obj["return"] = Value::Null;
                obj["unfinished"] = Value::Bool(true);
            }
        }
        obj.to_string()
    }
}

/// An errno's name as strace prints it (kernel-internal ones included), else its
/// number.
fn errno_name(e: Errno) -> String {
    report::errno_name(e).map_or_else(|| e.raw().to_string(), str::to_string)
}

/// A signal delivered to `pid`, with its decoded `siginfo` (`null` if unreadable).
pub(super) fn signal(pid: i32, sig: Signal, siginfo: Option<Value>) -> String {
    json!({ "type": "signal", "pid": pid, "signal": sig.to_string(), "siginfo": siginfo })
        .to_string()
}

/// `pid` stopped by `sig` (a group-stop).
pub(super) fn stopped(pid: i32, sig: Signal) -> String {
    json!({ "type": "stopped", "pid": pid, "signal": sig.to_string() }).to_string()
}

/// `pid` exited with `status`.
pub(super) fn exited(pid: i32, status: i32) -> String {
    json!({ "type": "exited", "pid": pid, "status": status }).to_string()
}

/// `pid` was killed by `sig`.
pub(super) fn killed(pid: i32, sig: Signal, core_dumped: bool) -> String {
    json!({ "type": "killed", "pid": pid, "signal": sig.to_string(), "core_dumped": core_dumped })
        .to_string()
}

/// Thread `former` ran `execve` and became process `pid`.
pub(super) fn superseded(pid: i32, former: i32) -> String {
    json!({ "type": "superseded", "pid": pid, "former": former }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call_names_its_errno_and_message() {
        let call = Call {
            pid: 7,
            name: "openat",
            nr: 257,
            args: json!(["AT_FDCWD", "/nonexistent", "O_RDONLY"]),
            raw_args: &[0xffff_ff9c, 0x1000, 0],
            time: Timespec {
                tv_sec: 1,
                tv_nsec: 500_000_000,
            },
            end: Some(End {
                rval: -2,
                error: Some(Errno::ENOENT),
                duration: Timespec {
                    tv_sec: 0,
                    tv_nsec: 2000,
                },
            }),
        };
        let v: Value = serde_json::from_str(&call.to_line()).unwrap();
        assert_eq!(v["type"], "syscall");
        assert_eq!(v["return"], -1);
        assert_eq!(v["errno"], "ENOENT");
        assert_eq!(v["error"], "No such file or directory");
        assert_eq!(v["raw_args"][0], "0xffffff9c");
        assert_eq!(v["time"], 1.5);
        assert_eq!(v["duration"], 2e-6);
    }

    #[test]
    fn an_unfinished_call_has_no_return() {
        let call = Call {
            pid: 7,
            name: "exit_group",
            nr: 231,
            args: json!([0]),
            raw_args: &[0],
            time: Timespec::default(),
            end: None,
        };
        let v: Value = serde_json::from_str(&call.to_line()).unwrap();
        assert_eq!(v["return"], Value::Null);
        assert_eq!(v["unfinished"], true);
        assert!(v.get("duration").is_none());
    }
}
