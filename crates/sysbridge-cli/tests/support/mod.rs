//! Comparing `sysbridge trace` with strace on the same command, line by line.
//!
//! Both tracers run the command under `setarch -R` (no address randomisation), with
//! the same options and `-o FILE`. Lines are grouped per process, processes named by
//! their place in the process tree (`P`, `P.1` for P's first child, …) so that labels
//! do not depend on pid numbers; a call split into `<unfinished ...>` and
//! `<... NAME resumed>` is joined back; the padding before ` = ` is folded; the first
//! line's pointer to the environment (an address in the tracer's own memory) is
//! masked. strace runs three times: a line the runs disagree on (random bytes, times,
//! races of the program itself) is unstable and left out of the score. The score is
//! the share of stable strace lines that ours prints identically, aligned by a diff.

#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use regex::Regex;

/// The `sysbridge` binary under test.
pub(crate) fn sysbridge() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sysbridge"))
}

/// Whether strace and setarch can run here; says why not on stderr.
pub(crate) fn strace_available() -> bool {
    let ok = |p: &str| {
        Command::new(p)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    let setarch = Command::new("setarch")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !ok("strace") || !setarch {
        eprintln!(
            "SKIPPED: strace or setarch is not installed (apt-get install strace util-linux)"
        );
        return false;
    }
    true
}

/// The Python interpreter itself (`python3` on PATH may be a wrapper script, whose
/// own calls would swell every trace); `None`, said on stderr, when there is none.
pub(crate) fn python() -> Option<&'static str> {
    static PYTHON: OnceLock<Option<String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let out = Command::new("python3")
                .args(["-c", "import ctypes, sys; print(sys.executable)"])
                .output()
                .ok()
                .filter(|o| o.status.success());
            let path = out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
            if path.is_none() {
                eprintln!(
                    "SKIPPED: python3 with ctypes is not installed (apt-get install python3)"
                );
            }
            path
        })
        .as_deref()
}

/// Runs `tracer opts -o FILE -- cmd` under `setarch -R` and returns the trace lines.
pub(crate) fn trace_lines(
    tracer: &[&str],
    opts: &[&str],
    cmd: &[&str],
    dir: &Path,
    name: &str,
) -> Vec<String> {
    let out = dir.join(name);
    let mut command = Command::new("setarch");
    command
        .args(["x86_64", "-R"])
        .args(tracer)
        .args(opts)
        .arg("-o")
        .arg(&out)
        .arg("--")
        .args(cmd);
    read_trace(command, &out, || format!("{tracer:?} {opts:?} -- {cmd:?}"))
}

/// Like [`trace_lines`], with the tracer itself started on a pseudo-terminal by
/// `script(1)`, so that the command's terminal is a real one while script, untraced,
/// adds no lines (and no races between its child's end and its own wake-ups).
pub(crate) fn trace_lines_on_terminal(
    tracer: &[&str],
    opts: &[&str],
    cmd: &[&str],
    dir: &Path,
    name: &str,
) -> Vec<String> {
    let out = dir.join(name);
    let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
    let out_text = out.to_str().expect("a UTF-8 temporary path");
    let inner: Vec<String> = tracer
        .iter()
        .chain(opts)
        .chain(&["-o", out_text, "--"])
        .chain(cmd)
        .map(|w| quote(w))
        .collect();
    let mut command = Command::new("setarch");
    command
        .args(["x86_64", "-R", "script", "-qec"])
        .arg(inner.join(" "))
        .arg("/dev/null");
    read_trace(command, &out, || {
        format!("script: {tracer:?} {opts:?} -- {cmd:?}")
    })
}

/// Runs `command` (a tracer writing to `out`) in the C locale and returns the lines
/// of `out`; `what` names the run when it wrote nothing.
fn read_trace(mut command: Command, out: &Path, what: impl Fn() -> String) -> Vec<String> {
    let status = command
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("setarch runs");
    let text = std::fs::read(out).unwrap_or_else(|_| {
        panic!(
            "{} wrote no trace: {}",
            what(),
            String::from_utf8_lossy(&status.stderr)
        )
    });
    String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Lines grouped by process, each labelled by its place in the process tree.
pub(crate) type Groups = Vec<(String, Vec<String>)>;

/// Normalises and groups trace lines as the module documentation says.
pub(crate) fn group(lines: &[String]) -> Groups {
    let pid_prefix = Regex::new(r"^(?:\[pid\s+(\d+)\]\s|(\d+)\s+)").unwrap();
    let duration = Regex::new(r"\s<\d+\.\d+>$").unwrap();
    let align = Regex::new(r"\s{2,}= ([-\w?])").unwrap();
    let unfinished = Regex::new(r"\s*<unfinished \.\.\.>$").unwrap();
    let resumed = Regex::new(r"^<\.\.\. (\w+) resumed>").unwrap();
    let child = Regex::new(r"^(?:clone|clone3|fork|vfork)\(.*\) = (\d+)$").unwrap();
    // The started command's environment array lives in each tracer's own memory (its
    // stack for strace, its heap for ours), so the first line's pointer to it differs.
    let first_envp =
        Regex::new(r"^((?:\d+ +)?execve\(.*, )0x[0-9a-f]+( /\* \d+ vars? \*/)").unwrap();
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut pending: HashMap<String, String> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let line = &if i == 0 {
            first_envp.replace(line, "${1}ENVP$2").into_owned()
        } else {
            line.clone()
        };
        let (pid, body) = match pid_prefix.captures(line) {
            Some(c) => {
                let pid = c.get(1).or(c.get(2)).unwrap().as_str().to_string();
                (pid, line[c.get(0).unwrap().end()..].to_string())
            }
            None => ("main".to_string(), line.clone()),
        };
        if !groups.contains_key(&pid) {
            order.push(pid.clone());
            groups.insert(pid.clone(), Vec::new());
        }
        let body = duration.replace(&body, "").to_string();
        let body = align.replace(&body, " = $1").to_string();
        if unfinished.is_match(&body) {
            let head = unfinished.replace(&body, "").to_string();
            let head = if head.ends_with(',') {
                head + " "
            } else {
                head
            };
            pending.insert(pid, head);
            continue;
        }
        let body = match (resumed.find(&body), pending.remove(&pid)) {
            (Some(m), Some(head)) => head + &body[m.end()..],
            (_, Some(head)) => {
                groups
                    .get_mut(&pid)
                    .unwrap()
                    .push(head + " <unfinished ...>");
                body
            }
            _ => body,
        };
        groups.get_mut(&pid).unwrap().push(body);
    }
    for (pid, head) in pending {
        groups
            .get_mut(&pid)
            .unwrap()
            .push(head + " <unfinished ...>");
    }
    // Label processes by their place in the tree, from the first one seen.
    let mut names: HashMap<String, String> = HashMap::new();
    if let Some(first) = order.first() {
        let mut todo = vec![(first.clone(), "P".to_string())];
        while let Some((pid, name)) = todo.pop() {
            if names.contains_key(&pid) {
                continue;
            }
            names.insert(pid.clone(), name.clone());
            let mut k = 0;
            // A child that is not traced (no -f) has no lines, but its pid is named.
            for body in groups.get(&pid).into_iter().flatten() {
                if let Some(c) = child.captures(body) {
                    k += 1;
                    todo.push((c[1].to_string(), format!("{name}.{k}")));
                }
            }
        }
    }
    for pid in &order {
        let n = names.len() + 1;
        names.entry(pid.clone()).or_insert_with(|| format!("X{n}"));
    }
    // Every number that is a pid seen (a tracee, or a child named by a clone result)
    // becomes its label.
    let number = Regex::new(r"\b\d+\b").unwrap();
    let mut out: Groups = order
        .iter()
        .map(|pid| {
            let lines = groups[pid]
                .iter()
                .map(|body| rename(&number, &names, body))
                .collect();
            (names[pid].clone(), lines)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `line` with every match of `pattern` that `names` maps replaced by its name.
fn rename(pattern: &Regex, names: &HashMap<String, String>, line: &str) -> String {
    pattern
        .replace_all(line, |c: &regex::Captures<'_>| {
            names
                .get(&c[0])
                .cloned()
                .unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// The result of one comparison.
#[derive(Debug, Default)]
pub(crate) struct Parity {
    /// Stable strace lines ours prints identically.
    pub(crate) same: usize,
    /// Stable strace lines.
    pub(crate) total: usize,
    /// Blocks that differ: strace's lines and ours.
    pub(crate) diffs: Vec<(Vec<String>, Vec<String>)>,
}

impl Parity {
    /// The share of identical stable lines, in percent.
    pub(crate) fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.same as f64 / self.total as f64
        }
    }

    /// The differing blocks, for a failure message.
    pub(crate) fn show(&self, max: usize) -> String {
        let mut s = String::new();
        for (theirs, ours) in self.diffs.iter().take(max) {
            for l in theirs.iter().take(6) {
                s.push_str(&format!("  - {l}\n"));
            }
            for l in ours.iter().take(6) {
                s.push_str(&format!("  + {l}\n"));
            }
            s.push('\n');
        }
        s
    }
}

/// Positions of lines of `a` that stand unchanged in `b`, per group.
fn equal_positions(a: &Groups, b: &Groups) -> std::collections::HashSet<(String, usize)> {
    let mut keep = std::collections::HashSet::new();
    let bmap: HashMap<&String, &Vec<String>> = b.iter().map(|(l, v)| (l, v)).collect();
    let empty = Vec::new();
    for (label, lines) in a {
        let other = bmap.get(label).copied().unwrap_or(&empty);
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, lines, other) {
            if let similar::DiffOp::Equal { old_index, len, .. } = op {
                keep.extend((old_index..old_index + len).map(|i| (label.clone(), i)));
            }
        }
    }
    keep
}

/// Renames the processes of `other` that have no place in the tree (labels `X1`,
/// `X2`…, given in order of appearance, which races) after those of `reference` they
/// resemble most: the pairs with the most lines in common (labels masked) first.
/// Unpaired ones become `Y1`, `Y2`….
pub(crate) fn align_unplaced(reference: &Groups, other: Groups) -> Groups {
    let label = Regex::new(r"\bX\d+\b").unwrap();
    let masked = |lines: &[String]| -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for l in lines {
            *counts
                .entry(label.replace_all(l, "X").into_owned())
                .or_insert(0) += 1;
        }
        counts
    };
    let unplaced = |g: &Groups| -> Vec<(String, HashMap<String, usize>)> {
        g.iter()
            .filter(|(l, _)| l.starts_with('X'))
            .map(|(l, v)| (l.clone(), masked(v)))
            .collect()
    };
    let (theirs, ours) = (unplaced(reference), unplaced(&other));
    let mut pairs: Vec<(usize, &String, &String)> = Vec::new();
    for (a, ma) in &ours {
        for (b, mb) in &theirs {
            let common = ma
                .iter()
                .map(|(k, n)| (*n).min(*mb.get(k).unwrap_or(&0)))
                .sum();
            pairs.push((common, a, b));
        }
    }
    pairs.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)).then(x.2.cmp(y.2)));
    let mut new_names: HashMap<String, String> = HashMap::new();
    let mut taken = std::collections::HashSet::new();
    for (_, a, b) in pairs {
        if !new_names.contains_key(a) && !taken.contains(b) {
            new_names.insert(a.clone(), b.clone());
            taken.insert(b.clone());
        }
    }
    for (n, (a, _)) in ours.iter().enumerate() {
        new_names
            .entry(a.clone())
            .or_insert_with(|| format!("Y{}", n + 1));
    }
    let mut out: Groups = other
        .into_iter()
        .map(|(l, lines)| {
            let lines = lines
                .iter()
                .map(|line| rename(&label, &new_names, line))
                .collect();
            (new_names.get(&l).cloned().unwrap_or(l), lines)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Runs strace three times and `sysbridge trace` once on `cmd` with `opts`, and
/// compares. Each strace run serves in turn as the reference, its stable lines being
/// those both other runs print identically; the best score counts (a program's own
/// races, a signal arriving before or after a call, can follow either run).
pub(crate) fn compare(opts: &[&str], cmd: &[&str]) -> Parity {
    compare_runs(opts, cmd, trace_lines)
}

/// [`compare`], each tracer run on a pseudo-terminal ([`trace_lines_on_terminal`]).
pub(crate) fn compare_on_terminal(opts: &[&str], cmd: &[&str]) -> Parity {
    compare_runs(opts, cmd, trace_lines_on_terminal)
}

/// The signature of [`trace_lines`] and [`trace_lines_on_terminal`].
type Runner = fn(&[&str], &[&str], &[&str], &Path, &str) -> Vec<String>;

/// [`compare`] with the tracers run by `run`.
fn compare_runs(opts: &[&str], cmd: &[&str], run: Runner) -> Parity {
    let dir = tempfile::tempdir().unwrap();
    let ours_bin = sysbridge();
    let ours_tracer = [ours_bin.to_str().unwrap(), "trace"];
    let runs: Vec<Groups> = (0..3)
        .map(|i| group(&run(&["strace"], opts, cmd, dir.path(), &format!("s{i}"))))
        .collect();
    let ours = group(&run(&ours_tracer, opts, cmd, dir.path(), "t"));
    (0..runs.len())
        .map(|r| {
            let reference = &runs[r];
            let others: Vec<Groups> = (0..runs.len())
                .filter(|&o| o != r)
                .map(|o| align_unplaced(reference, runs[o].clone()))
                .collect();
            let stable = others
                .iter()
                .map(|o| equal_positions(reference, o))
                .reduce(|a, b| a.intersection(&b).cloned().collect())
                .unwrap_or_default();
            score(reference, &stable, &align_unplaced(reference, ours.clone()))
        })
        .max_by(|a, b| a.percent().total_cmp(&b.percent()))
        .expect("three runs")
}

/// How many of the `stable` lines of `reference` `ours` prints identically.
fn score(
    reference: &Groups,
    stable: &std::collections::HashSet<(String, usize)>,
    ours: &Groups,
) -> Parity {
    let ours_map: HashMap<&String, &Vec<String>> = ours.iter().map(|(l, v)| (l, v)).collect();
    let empty = Vec::new();
    let mut parity = Parity::default();
    for (label, lines) in reference {
        let other = ours_map.get(label).copied().unwrap_or(&empty);
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, lines, other) {
            let (old, new) = (op.old_range(), op.new_range());
            let is_equal = matches!(op, similar::DiffOp::Equal { .. });
            for i in old.clone() {
                if stable.contains(&(label.clone(), i)) {
                    parity.total += 1;
                    parity.same += usize::from(is_equal);
                }
            }
            if !is_equal {
                parity
                    .diffs
                    .push((lines[old].to_vec(), other[new].to_vec()));
            }
        }
    }
    parity
}

/// The `-c` table of `tracer` (strace, or ours) for `cmd`: calls and errors per call.
pub(crate) fn summary_counts(tracer: &[&str], opts: &[&str], cmd: &[&str]) -> Counts {
    let dir = tempfile::tempdir().unwrap();
    let mut with_c: Vec<&str> = opts.to_vec();
    with_c.push("-c");
    let row = Regex::new(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+)?\s*(\w+)$").unwrap();
    trace_lines(tracer, &with_c, cmd, dir.path(), "summary")
        .iter()
        .filter_map(|l| row.captures(l))
        .filter(|c| &c[3] != "total")
        .map(|c| {
            (
                c[3].to_string(),
                (
                    c[1].parse().unwrap(),
                    c.get(2).map_or(0, |e| e.as_str().parse().unwrap()),
                ),
            )
        })
        .collect()
}

/// A `-c` table: (calls, errors) by call name.
pub(crate) type Counts = HashMap<String, (u64, u64)>;

/// One call whose `-c` counts differ: its name, then (calls, errors) of strace and of
/// ours, `None` where a table has no row for it.
pub(crate) type SummaryDiff = (String, Option<(u64, u64)>, Option<(u64, u64)>);

/// `-c` tables of both tracers: for every call whose counts all strace runs agree on,
/// (calls, errors) of strace and of ours' last run where no run of ours has them.
///
/// Some counts follow the program's own races, under either tracer: a threaded
/// program's futex calls follow contention, and a shell whose untraced children exit
/// close together runs fewer `SIGCHLD` handlers (one `rt_sigreturn` each) when the
/// kernel merges a pending signal with the next, which happens more or less often with
/// the traced parent's speed. Two strace runs can agree on such a count by chance and
/// ours can keep missing it. So the tables are compared in rounds (at most
/// [`SUMMARY_ROUNDS`]), each adding a run of ours and then, if a count still differs, a
/// run of strace: a count passes once some run of ours matches strace's, and is left
/// out once strace's own runs disagree on it, since then strace has no one answer. A
/// real miscount, of a count strace gives the same every time, differs in every round.
pub(crate) fn compare_summary(opts: &[&str], cmd: &[&str]) -> Vec<SummaryDiff> {
    let ours_bin = sysbridge();
    let ours_bin = ours_bin.to_str().unwrap();
    let run = |tracer: &[&str]| summary_counts(tracer, opts, cmd);
    let mut theirs = vec![run(&["strace"]), run(&["strace"])];
    let mut ours = Vec::new();
    loop {
        ours.push(run(&[ours_bin, "trace"]));
        let diffs = summary_diffs(&theirs, &ours);
        if diffs.is_empty() || ours.len() == SUMMARY_ROUNDS {
            return diffs;
        }
        theirs.push(run(&["strace"]));
    }
}

/// How many runs of ours [`compare_summary`] makes at most.
const SUMMARY_ROUNDS: usize = 4;

/// The counts where no table of `ours` matches those of `theirs`, leaving out the counts
/// the tables of `theirs` disagree on.
fn summary_diffs(theirs: &[Counts], ours: &[Counts]) -> Vec<SummaryDiff> {
    let mut names: Vec<&String> = theirs.iter().chain(ours).flat_map(|t| t.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| {
            let reference = theirs[0].get(n);
            let agreed = theirs.iter().all(|t| t.get(n) == reference);
            let matched = ours.iter().any(|t| t.get(n) == reference);
            (agreed && !matched).then(|| {
                (
                    n.clone(),
                    reference.copied(),
                    ours.last().and_then(|t| t.get(n)).copied(),
                )
            })
        })
        .collect()
}

/// Asserts that ours prints every stable line of strace's trace of `cmd` identically.
///
/// What the three strace runs agree on by chance (a number the kernel happened to
/// hand out again, an inode reused, a signal landing at the same point) can come out
/// otherwise in ours; so a comparison that fails is made again, from scratch, up to
/// three times in all. A decoder's or the engine's mistake shows every time.
pub(crate) fn assert_identical(opts: &[&str], cmd: &[&str]) {
    let mut p = compare(opts, cmd);
    for _ in 1..3 {
        if p.same == p.total {
            return;
        }
        p = compare(opts, cmd);
    }
    assert!(
        p.same == p.total,
        "{opts:?} -- {cmd:?}: {:.1}% ({}/{} lines identical, three tries)\n{}",
        p.percent(),
        p.same,
        p.total,
        p.show(8)
    );
}
