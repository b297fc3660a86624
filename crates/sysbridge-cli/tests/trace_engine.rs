//! The tracer's engine against strace and the kernel: what ends up in the trace
//! (process tree, signals, exits, summaries), and what happens to the tracer and
//! tracees (exit statuses, detaching).

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{assert_identical, compare_summary, python, strace_available, sysbridge};

/// Calls whose lines need no decoder: no arguments, or plain numbers.
const PLAIN: &str = "trace=getpid,getppid,getuid,geteuid,getgid,getegid,exit_group";

#[test]
fn plain_calls_and_exits_match_strace() {
    if !strace_available() {
        return;
    }
    assert_identical(&["-e", PLAIN], &["sh", "-c", "id -u >/dev/null; exit 3"]);
}

#[test]
fn a_process_tree_matches_strace_with_f() {
    if !strace_available() {
        return;
    }
    let tree = "for i in 1 2 3; do (sh -c 'exit 5'); done; (exit 2); true";
    assert_identical(&["-f", "-e", PLAIN], &["sh", "-c", tree]);
}

#[test]
fn signals_and_deaths_match_strace() {
    if !strace_available() {
        return;
    }
    // A child killed by a signal, a signal delivered to the parent, and its death.
    let script = "sh -c 'kill -TERM $$'; trap 'exit 4' USR1; kill -USR1 $$; sleep 1";
    assert_identical(&["-f", "-e", "trace=none"], &["sh", "-c", script]);
    assert_identical(&["-e", "trace=none"], &["sh", "-c", "kill -KILL $$"]);
}

#[test]
fn the_command_inherits_sigpipe_s_disposition_not_rust_s() {
    if !strace_available() {
        return;
    }
    // Rust's runtime ignores SIGPIPE in the tracer; an ignored signal survives execve,
    // so unless the tracer restores it `yes` would get EPIPE instead of dying of it.
    let dir = tempfile::tempdir().unwrap();
    let ours_bin = sysbridge();
    let cmd = ["sh", "-c", "yes | head -1 >/dev/null"];
    let opts = ["-f", "-e", "trace=none"];
    for (tracer, name) in [
        (&["strace"][..], "s"),
        (&[ours_bin.to_str().unwrap(), "trace"], "t"),
    ] {
        let lines = support::trace_lines(tracer, &opts, &cmd, dir.path(), name);
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("+++ killed by SIGPIPE +++")),
            "{tracer:?}: {lines:?}"
        );
    }
}

#[test]
fn summary_counts_match_strace() {
    if !strace_available() {
        return;
    }
    for cmd in [
        &["ls", "-la", "/"][..],
        &["sh", "-c", "for i in 1 2 3; do (true); done"],
    ] {
        let differ = compare_summary(&["-f"], cmd);
        assert!(
            differ.is_empty(),
            "{cmd:?}: calls/errors differ: {differ:?}"
        );
    }
}

#[test]
fn exit_status_and_death_are_the_command_s() {
    let run = |script: &str| {
        Command::new(sysbridge())
            .args(["trace", "-o", "/dev/null", "--", "sh", "-c", script])
            .status()
            .unwrap()
    };
    assert_eq!(run("exit 3").code(), Some(3));
    assert_eq!(run("exit 0").code(), Some(0));
    let killed = run("kill -KILL $$");
    assert_eq!(killed.signal(), Some(libc::SIGKILL), "{killed:?}");
    let terminated = run("kill -TERM $$");
    assert_eq!(terminated.signal(), Some(libc::SIGTERM), "{terminated:?}");
}

#[test]
fn a_missing_command_is_a_clear_error() {
    let out = Command::new(sysbridge())
        .args(["trace", "--", "no-such-command-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "sysbridge: trace: Can't stat 'no-such-command-here': ENOENT (No such file or directory)\n"
    );
    let out = Command::new(sysbridge()).args(["trace"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must have PROG [ARGS] or -p PID"));
}

#[test]
fn output_separately_writes_one_file_per_process() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("trace");
    let status = Command::new(sysbridge())
        .args(["trace", "-ff", "-e", PLAIN, "-o"])
        .arg(&base)
        .args(["--", "sh", "-c", "(exit 7); true"])
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.starts_with("trace.")));
    let contents: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
        .collect();
    assert!(
        contents
            .iter()
            .any(|c| c.ends_with("+++ exited with 7 +++\n")),
        "{contents:?}"
    );
    assert!(
        contents
            .iter()
            .any(|c| c.ends_with("+++ exited with 0 +++\n")),
        "{contents:?}"
    );
    // No pid prefix in per-process files.
    assert!(
        contents
            .iter()
            .all(|c| c.lines().all(|l| !l.starts_with(char::is_numeric)))
    );
}

/// A `Key:` field of `/proc/PID/status`.
fn status_field(pid: u32, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_string())
}

#[test]
fn interrupting_an_attached_trace_leaves_the_process_running_untraced() {
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = sleeper.id();
    let tracer = Command::new(sysbridge())
        .args(["trace", "-p", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while status_field(pid, "TracerPid:").as_deref() != Some(&tracer.id().to_string()) {
        assert!(Instant::now() < deadline, "the tracer never attached");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child has no memory effects.
    unsafe { libc::kill(tracer.id() as i32, libc::SIGINT) };
    let out = tracer.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Process {pid} attached")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Process {pid} detached")),
        "{stderr}"
    );
    assert_eq!(status_field(pid, "TracerPid:").as_deref(), Some("0"));
    let state = status_field(pid, "State:").unwrap();
    assert!(
        state.starts_with('S'),
        "the process should sleep on, untraced: {state}"
    );
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
}

#[test]
fn attaching_to_a_missing_or_foreign_process_is_a_clear_error() {
    let out = Command::new(sysbridge())
        .args(["trace", "-p", "999999999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("sysbridge: trace: attach: ptrace(PTRACE_SEIZE, 999999999): ESRCH"),
        "{stderr}"
    );
    let out = Command::new(sysbridge())
        .args(["trace", "-p", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_seccomp_filter_over_nearly_every_call_loses_none() {
    if !strace_available() {
        return;
    }
    // `trace=!write` leaves one call out: the filter (installed by default with -f)
    // holds every other one, and each must still stop.
    let differ = compare_summary(
        &["-f", "-e", "trace=!write"],
        &["sh", "-c", "ls -la / >/dev/null; (true)"],
    );
    assert!(differ.is_empty(), "calls/errors differ: {differ:?}");
}

/// Counts of the calls whose number is fixed by the program, from strace and from ours.
fn fixed_counts(
    opts: &[&str],
    cmd: &[&str],
    calls: &[&str],
) -> Vec<(String, Option<u64>, Option<u64>)> {
    let ours_bin = sysbridge();
    let theirs = support::summary_counts(&["strace"], opts, cmd);
    let ours = support::summary_counts(&[ours_bin.to_str().unwrap(), "trace"], opts, cmd);
    calls
        .iter()
        .map(|c| {
            (
                c.to_string(),
                theirs.get(*c).map(|x| x.0),
                ours.get(*c).map(|x| x.0),
            )
        })
        .collect()
}

#[test]
fn no_call_is_lost_on_four_threads_making_100k_calls() {
    if !strace_available() {
        return;
    }
    let program = "import os, threading\n\
                   def work():\n    for _ in range(25000): os.getppid()\n\
                   ts = [threading.Thread(target=work) for _ in range(4)]\n\
                   [t.start() for t in ts]; [t.join() for t in ts]";
    for (call, theirs, ours) in fixed_counts(
        &["-f"],
        &["python3", "-c", program],
        &["getppid", "exit_group"],
    ) {
        assert_eq!(
            theirs, ours,
            "{call}: strace counted {theirs:?}, we counted {ours:?}"
        );
        if call == "getppid" {
            // The program's 100,000, and the interpreter's own few.
            assert!(ours >= Some(100_000), "{ours:?}");
        }
    }
}

#[test]
fn no_call_is_lost_on_a_tree_of_200_processes() {
    if !strace_available() {
        return;
    }
    // Counted in full traces, not with -c: exit_group never returns, so -c (which
    // counts at exit) leaves it out, and strace's own count of the shell's clones
    // varies between runs (forks interrupted by SIGCHLD restart).
    let tree = "for i in $(seq 200); do (exit 0) & done; wait";
    let dir = tempfile::tempdir().unwrap();
    let ours_bin = sysbridge();
    let ours = [ours_bin.to_str().unwrap(), "trace"];
    let counts = |tracer: &[&str]| {
        let lines = support::trace_lines(tracer, &["-f"], &["sh", "-c", tree], dir.path(), "t");
        let count = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
        (count("exit_group("), count("+++ exited with 0 +++"))
    };
    let theirs = counts(&["strace"]);
    // The 200 subshells, the shell, and the process running `seq`.
    assert!(theirs.0 >= 201, "{theirs:?}");
    assert_eq!(
        counts(&ours),
        theirs,
        "exit_group and exit lines: ours against strace's"
    );
}

#[test]
fn a_thread_running_execve_matches_strace() {
    if !strace_available() {
        return;
    }
    // A second thread runs execve while the leader sleeps: the thread takes the
    // leader's pid (`<pid changed to ...>`, `+++ superseded by execve ... +++`).
    let program = "import os, threading, time\n\
                   threading.Thread(target=lambda: os.execv('/bin/true', ['true'])).start()\n\
                   time.sleep(5)";
    let Some(python) = python() else {
        return;
    };
    for opts in [
        &["-f", "-e", "trace=execve,exit_group,exit"][..],
        &["-f", "-e", "trace=execve,exit_group,exit,clock_nanosleep"],
    ] {
        assert_identical(opts, &[python, "-c", program]);
    }
}

#[test]
fn json_records_carry_what_strace_prints() {
    if !strace_available() {
        return;
    }
    // Each call strace prints, as (name, return value or errno name), against the
    // JSON records' fields.
    let cmd = [
        "sh",
        "-c",
        "id -u >/dev/null; cat /nonexistent 2>/dev/null; exit 3",
    ];
    let opts = ["-e", "trace=getuid,geteuid,openat,exit_group"];
    let dir = tempfile::tempdir().unwrap();
    let line = regex::Regex::new(r"^(\w+)\(.*\)\s+= (-1 (\w+)|\?|\S+)").unwrap();
    let theirs: Vec<(String, String)> =
        support::trace_lines(&["strace"], &opts, &cmd, dir.path(), "s")
            .iter()
            .filter_map(|l| line.captures(l))
            .map(|c| {
                let ret = c.get(3).or(c.get(2)).unwrap().as_str();
                (c[1].to_string(), ret.to_string())
            })
            .collect();
    let ours_bin = sysbridge();
    let mut json_opts = opts.to_vec();
    json_opts.push("--json");
    let ours: Vec<(String, String)> = support::trace_lines(
        &[ours_bin.to_str().unwrap(), "trace"],
        &json_opts,
        &cmd,
        dir.path(),
        "j",
    )
    .iter()
    .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("each line is JSON"))
    .filter(|v| v["type"] == "syscall")
    .map(|v| {
        let ret = match (&v["errno"], &v["return"]) {
            (serde_json::Value::String(e), _) => e.clone(),
            (_, serde_json::Value::Null) => "?".to_string(),
            (_, r) => r.to_string(),
        };
        (v["name"].as_str().unwrap().to_string(), ret)
    })
    .collect();
    assert!(theirs.iter().any(|(_, r)| r == "ENOENT"), "{theirs:?}");
    assert_eq!(ours, theirs);
}

#[test]
fn yy_names_sockets_by_protocol_and_address() {
    let Some(py) = python() else {
        return;
    };
    // The program says what its sockets are (inodes from fstat, ports from
    // getsockname); the trace of their close(2) must say the same, as strace writes it.
    let program = r#"import os, socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
c = socket.create_connection(t.getsockname()); d, _ = t.accept()
a, b = socket.socketpair()
ino = lambda s: os.fstat(s.fileno()).st_ino
print(f"{t.fileno()}<TCP:[127.0.0.1:{t.getsockname()[1]}]>")
print(f"{c.fileno()}<TCP:[127.0.0.1:{c.getsockname()[1]}->127.0.0.1:{t.getsockname()[1]}]>")
print(f"{a.fileno()}<UNIX-STREAM:[{ino(a)}->{ino(b)}]>")
for s in (t, c, d, a, b): s.close()
"#;
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let out = Command::new(sysbridge())
        .args(["trace", "-yy", "-e", "trace=close", "-o"])
        .arg(&trace)
        .args([py, "-c", program])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&trace).unwrap();
    for want in String::from_utf8(out.stdout).unwrap().lines() {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("close({want})"))),
            "no close({want}) in:\n{text}"
        );
    }
}

#[test]
fn numbers_pointers_and_environment_edits_match_strace() {
    if !strace_available() {
        return;
    }
    // -n and -i before every line (calls, a signal, the death), -E on the command's
    // environment (the value reaches a write; a removed variable prints empty).
    let script = "echo \"$FOO:$HOME\" >/dev/null; kill -USR1 $$";
    for opts in [
        &[
            "-n",
            "-i",
            "-e",
            "trace=write,exit_group",
            "-E",
            "FOO=bar",
            "-E",
            "HOME",
        ][..],
        &["-f", "-n", "-i", "-e", "trace=write,kill", "-E", "FOO=bar"],
    ] {
        assert_identical(opts, &["sh", "-c", script]);
    }
}

#[test]
fn append_keeps_what_the_file_held() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace");
    for append in [false, true, true] {
        let mut cmd = Command::new(sysbridge());
        cmd.args(["trace", "-e", "trace=exit_group", "-o"])
            .arg(&file);
        if append {
            cmd.arg("-A");
        }
        assert!(cmd.arg("true").status().unwrap().success());
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("exit_group(0)").count(), 3, "{text}");
}
