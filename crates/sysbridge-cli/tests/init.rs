//! `sysbridge init` and tini, run through the same scenarios: most as process 1 of a
//! new PID namespace (`unshare --pid --fork --mount-proc`), where orphans come to init
//! and `/proc` shows only the namespace; a few as a plain process (`-s`, `-w`, `-p`).
//!
//! tini (Debian's `tini`) is the reference: every scenario of the issue runs against
//! both, and both must pass; when tini is missing its half is skipped, saying so.
//! Where `sysbridge init` goes beyond tini (`-a`, `--kill-orphans`, signals tini does
//! not forward, options after the command, a terminal it does not own), tini's
//! behaviour is checked to be the documented difference, or the test runs ours alone.
//! Without root or with `unshare` refused, the namespace tests print `SKIPPED: why`.
//!
//! The programs init runs are `sh` and Python scripts; a Python child reports what it
//! saw through marker files in a temporary directory, and says it is ready (its
//! handlers installed, so init's own set-up is done too) with a `NAME.ready` file.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use sysbridge::process::Pid;
use sysbridge::signal::{self, Signal};

const BIN: &str = env!("CARGO_BIN_EXE_sysbridge");

/// The two inits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Init {
    Ours,
    Tini,
}

impl Init {
    /// The command line up to the options.
    fn argv(self) -> Vec<String> {
        match self {
            Init::Ours => vec![BIN.into(), "init".into()],
            Init::Tini => vec!["tini".into()],
        }
    }
}

/// Whether tini is installed; says so loudly once when it is not.
fn tini_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let ok = Command::new("tini")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "SKIPPED (tini half of every scenario): tini is not installed \
                 (apt-get install tini)"
            );
        }
        ok
    })
}

/// The inits to test: ours, and tini when installed.
fn inits() -> Vec<Init> {
    let mut all = vec![Init::Ours];
    if tini_available() {
        all.push(Init::Tini);
    } else {
        eprintln!("SKIPPED: the tini half of this scenario (tini is not installed)");
    }
    all
}

/// Whether we may make PID namespaces; says why not.
fn namespaces() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let ok = *AVAILABLE.get_or_init(|| {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return false;
        }
        Command::new("unshare")
            .args(["--pid", "--fork", "--mount-proc", "--kill-child", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !ok {
        eprintln!(
            "SKIPPED: cannot make a PID namespace (needs root and util-linux's \
             `unshare --pid --fork --mount-proc`)"
        );
    }
    ok
}

/// The Python interpreter, or `None` (said on stderr).
fn python() -> Option<&'static str> {
    support::python()
}

/// Where a scenario runs: one temporary directory, and how init is started.
struct Scene {
    dir: tempfile::TempDir,
    init: Init,
    /// As process 1 of a new PID namespace, or as a plain child of the test.
    namespace: bool,
}

/// A running init.
struct Running {
    /// `unshare` (namespace) or init itself.
    process: Child,
    /// Whether `process` is `unshare`, whose child is init.
    namespace: bool,
    started: Instant,
    stderr: PathBuf,
}

/// How a run ended.
#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

impl Scene {
    fn new(init: Init, namespace: bool) -> Scene {
        Scene {
            dir: tempfile::tempdir().unwrap(),
            init,
            namespace,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn path_str(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// Starts `init OPTIONS -- COMMAND`.
    fn start(&self, options: &[&str], command: &[&str]) -> Running {
        let mut argv = self.init.argv();
        argv.extend(options.iter().map(|s| s.to_string()));
        argv.push("--".into());
        argv.extend(command.iter().map(|s| s.to_string()));
        let mut cmd = if self.namespace {
            let mut c = Command::new("unshare");
            c.args(["--pid", "--fork", "--mount-proc", "--kill-child", "--"]);
            c.args(&argv);
            c
        } else {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        };
        let stderr = self.path(&format!(
            "stderr.{}",
            self.dir.path().read_dir().unwrap().count()
        ));
        let process = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("init starts");
        Running {
            process,
            namespace: self.namespace,
            started: Instant::now(),
            stderr,
        }
    }

    /// Runs `init OPTIONS -- COMMAND` to its end.
    fn run(&self, options: &[&str], command: &[&str]) -> Finished {
        self.start(options, command).wait(Duration::from_secs(60))
    }

    /// Waits (up to 10 s) for the file `name` to appear, while `running` runs.
    fn wait_for(&self, name: &str, running: &mut Running) {
        let path = self.path(name);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !path.exists() {
            if let Some(status) = running.process.try_wait().unwrap() {
                panic!(
                    "{} ended ({status}) before {name} appeared; stderr: {}",
                    self.init_name(),
                    fs::read_to_string(&running.stderr).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {name} after 10 s",
                self.init_name()
            );
            sleep(Duration::from_millis(10));
        }
    }

    fn init_name(&self) -> &'static str {
        match self.init {
            Init::Ours => "sysbridge init",
            Init::Tini => "tini",
        }
    }
}

impl Running {
    /// Waits for the end, killing everything and failing after `timeout`.
    fn wait(mut self, timeout: Duration) -> Finished {
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                return Finished {
                    code: status.code(),
                    stderr: fs::read_to_string(&self.stderr).unwrap_or_default(),
                    elapsed: self.started.elapsed(),
                };
            }
            if self.started.elapsed() > timeout {
                let _ = self.process.kill();
                let _ = self.process.wait();
                panic!(
                    "init did not end within {timeout:?}; stderr: {}",
                    fs::read_to_string(&self.stderr).unwrap_or_default()
                );
            }
            sleep(Duration::from_millis(10));
        }
    }

    /// Init's process id, as we see it.
    fn init(&self) -> i32 {
        if self.namespace {
            only_child(self.process.id() as i32)
        } else {
            self.process.id() as i32
        }
    }

    /// Sends `sig` to init.
    fn signal(&self, sig: Signal) {
        signal::kill(Pid::from_raw(self.init()), sig).unwrap();
    }
}

/// The one child of `pid` (unshare's: init), once it has one.
fn only_child(pid: i32) -> i32 {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let text = fs::read_to_string(&path).unwrap_or_default();
        if let Some(child) = text.split_whitespace().next() {
            return child.parse().unwrap();
        }
        sleep(Duration::from_millis(5));
    }
    panic!("process {pid} started no child");
}

/// A Python child that records each signal it gets (one name or number per line in
/// `NAME`), says it is ready in `NAME.ready`, and exits 0 on `last`.
const RECORDER: &str = r#"
import os, signal, sys
marker, last = sys.argv[1], int(sys.argv[2])
catch = [int(s) for s in sys.argv[3:]]
def record(sig, frame):
    with open(marker, 'a') as f:
        f.write(f"{sig}\n")
    if sig == last:
        sys.exit(0)
for sig in catch:
    signal.signal(sig, record)
open(marker + '.ready', 'w').close()
while True:
    signal.pause()
"#;

/// Sends each of `signals` to init in turn, waiting for the child to record it; the
/// last one ends the child (exit 0), and with it init.
fn forwards(scene: &Scene, options: &[&str], signals: &[Signal]) {
    let Some(py) = python() else { return };
    let marker = scene.path_str("got");
    let mut command = vec![py.to_string(), "-c".into(), RECORDER.into(), marker.clone()];
    command.push(signals.last().unwrap().raw().to_string());
    command.extend(signals.iter().map(|s| s.raw().to_string()));
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    let mut running = scene.start(options, &command);
    scene.wait_for("got.ready", &mut running);
    for (i, &sig) in signals.iter().enumerate() {
        running.signal(sig);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = fs::read_to_string(&marker).unwrap_or_default();
            if got.lines().count() > i {
                assert_eq!(
                    got.lines().nth(i),
                    Some(sig.raw().to_string().as_str()),
                    "{}: {sig} forwarded as such",
                    scene.init_name()
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{}: {sig} was not forwarded",
                scene.init_name()
            );
            sleep(Duration::from_millis(5));
        }
    }
    let end = running.wait(Duration::from_secs(20));
    assert_eq!(end.code, Some(0), "{}: {end:?}", scene.init_name());
}

/// A child that double-forks 1000 orphans (half of them end before their parent, so
/// that they reach init as zombies; half after, as living orphans), then waits until
/// `/proc` shows no process but init and itself, and reports any zombie left.
const ORPHANS: &str = r#"
import os, sys, time
for i in range(1000):
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            if i % 2:
                time.sleep(0.005)
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
me = os.getpid()
deadline = time.time() + 30
while True:
    others = {}
    for name in os.listdir('/proc'):
        if name.isdigit() and int(name) not in (1, me):
            try:
                with open(f'/proc/{name}/stat') as f:
                    stat = f.read()
                others[int(name)] = stat[stat.rindex(')') + 2]
            except OSError:
                pass
    if not others or time.time() > deadline:
        break
    time.sleep(0.02)
zombies = sum(1 for s in others.values() if s == 'Z')
print(f"zombies={zombies} others={len(others)}", file=sys.stderr)
sys.exit(0 if not others else 1)
"#;

#[test]
fn a_thousand_orphans_leave_no_zombie() {
    if !namespaces() {
        return;
    }
    let Some(py) = python() else { return };
    for init in inits() {
        let scene = Scene::new(init, true);
        let end = scene.run(&[], &[py, "-c", ORPHANS]);
        assert_eq!(end.code, Some(0), "{init:?}: {end:?}");
        assert!(
            end.stderr.contains("zombies=0 others=0"),
            "{init:?}: {end:?}"
        );
    }
}

#[test]
fn sigterm_and_sigint_are_forwarded() {
    if !namespaces() {
        return;
    }
    for init in inits() {
        for sig in [Signal::SIGTERM, Signal::SIGINT] {
            forwards(&Scene::new(init, true), &[], &[sig]);
        }
    }
}

/// Every catchable signal both forward: job control, timers, real-time signals…
#[test]
fn catchable_signals_are_forwarded() {
    if !namespaces() {
        return;
    }
    // glibc's SIGRTMIN (34): it keeps the kernel's first two for itself.
    let rt = libc::SIGRTMIN();
    let signals = [
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGQUIT,
        Signal::SIGALRM,
        Signal::SIGCONT,
        Signal::SIGTSTP,
        Signal::SIGURG,
        Signal::SIGWINCH,
        Signal::SIGXCPU,
        Signal::SIGVTALRM,
        Signal::SIGPROF,
        Signal::SIGPWR,
        Signal::from_raw(rt),
        Signal::from_raw(rt + 5),
        Signal::SIGRTMAX,
        Signal::SIGHUP,
    ];
    for init in inits() {
        forwards(&Scene::new(init, true), &[], &signals);
    }
}

/// Beyond tini, which leaves them to itself: the fault signals sent with `kill`, and
/// SIGTTIN/SIGTTOU, are forwarded too.
#[test]
fn ours_forwards_fault_and_terminal_signals_too() {
    if !namespaces() {
        return;
    }
    let signals = [
        Signal::SIGTTIN,
        Signal::SIGTTOU,
        Signal::SIGSEGV,
        Signal::SIGBUS,
        Signal::SIGFPE,
        Signal::SIGILL,
        Signal::SIGTRAP,
        Signal::SIGABRT,
        Signal::SIGSYS,
        Signal::SIGHUP,
    ];
    forwards(&Scene::new(Init::Ours, true), &[], &signals);
}

#[test]
fn exit_codes_are_propagated() {
    if !namespaces() {
        return;
    }
    let cases = [
        ("exit 0", 0),
        ("exit 3", 3),
        ("kill -KILL $$", 137),
        ("kill -TERM $$", 143),
    ];
    for init in inits() {
        for (script, code) in cases {
            let end = Scene::new(init, true).run(&[], &["sh", "-c", script]);
            assert_eq!(end.code, Some(code), "{init:?} {script}: {end:?}");
        }
    }
}

/// SIGTERM to init, forwarded to a child with no handler for it: the child ends by
/// it, and init exits 128 + 15.
#[test]
fn sigterm_ends_a_child_without_a_handler_with_143() {
    if !namespaces() {
        return;
    }
    for init in inits() {
        let scene = Scene::new(init, true);
        let ready = scene.path_str("ready");
        let mut running = scene.start(&[], &["sh", "-c", "touch \"$0\"; exec sleep 1000", &ready]);
        scene.wait_for("ready", &mut running);
        running.signal(Signal::SIGTERM);
        let end = running.wait(Duration::from_secs(20));
        assert_eq!(end.code, Some(143), "{init:?}: {end:?}");
    }
}

/// A child with a grandchild in its process group: SIGUSR1 to init reaches the
/// grandchild with `-g` (it records it and exits 7, which its parent passes on), and
/// only the child without (which gives up after 1 s and exits 1).
const GROUP: &str = r#"
import os, signal, sys
marker = sys.argv[1]
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    def grandchild(sig, frame):
        open(marker, 'w').write('grandchild')
        os._exit(7)
    signal.signal(signal.SIGUSR1, grandchild)
    os.write(w, b'x')
    while True:
        signal.pause()
os.read(r, 1)
def give_up(sig, frame):
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit(1)
def child(sig, frame):
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(1)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
signal.signal(signal.SIGUSR1, child)
open(marker + '.ready', 'w').close()
while True:
    signal.pause()
"#;

#[test]
fn group_signals_reach_a_grandchild() {
    if !namespaces() {
        return;
    }
    let Some(py) = python() else { return };
    for init in inits() {
        for (options, code) in [(&["-g"][..], 7), (&[][..], 1)] {
            let scene = Scene::new(init, true);
            let marker = scene.path_str("got");
            let mut running = scene.start(options, &[py, "-c", GROUP, &marker]);
            scene.wait_for("got.ready", &mut running);
            running.signal(Signal::SIGUSR1);
            let end = running.wait(Duration::from_secs(20));
            assert_eq!(end.code, Some(code), "{init:?} {options:?}: {end:?}");
            assert_eq!(
                scene.path("got").exists(),
                code == 7,
                "{init:?} {options:?}"
            );
        }
    }
}

#[test]
fn exit_codes_are_remapped() {
    if !namespaces() {
        return;
    }
    let cases: [(&[&str], &str, i32); 4] = [
        (&["-e", "3"], "exit 3", 0),
        (&["-e", "3"], "exit 4", 4),
        (&["-e", "4", "-e", "3"], "exit 3", 0),
        (&["-e", "143"], "kill -TERM $$", 0),
    ];
    for init in inits() {
        for (options, script, code) in cases {
            let end = Scene::new(init, true).run(options, &["sh", "-c", script]);
            assert_eq!(
                end.code,
                Some(code),
                "{init:?} {options:?} {script}: {end:?}"
            );
        }
    }
}

/// A program that is not there gives 127, one that is not executable 126, each
/// with one line naming it.
#[test]
fn unrunnable_programs_give_127_and_126() {
    if !namespaces() {
        return;
    }
    for init in inits() {
        let scene = Scene::new(init, true);
        let data = scene.path_str("data.txt");
        fs::write(&data, "not a program\n").unwrap();
        fs::set_permissions(&data, fs::Permissions::from_mode(0o644)).unwrap();
        let missing = scene.path_str("no-such-program");
        for (program, code) in [(missing.as_str(), 127), (data.as_str(), 126)] {
            let end = scene.run(&[], &[program]);
            assert_eq!(end.code, Some(code), "{init:?} {program}: {end:?}");
            assert_eq!(end.stderr.lines().count(), 1, "{init:?}: {end:?}");
            assert!(end.stderr.contains(program), "{init:?}: {end:?}");
        }
        let end = scene.run(&[], &["no-such-program-in-path"]);
        assert_eq!(end.code, Some(127), "{init:?}: {end:?}");
        assert!(
            end.stderr.contains("no-such-program-in-path"),
            "{init:?}: {end:?}"
        );
    }
}

/// An orphan that outlives the main child: without `-a` init ends with the child (and,
/// as process 1, the kernel kills the orphan), as tini does; with `-a` it waits.
#[test]
fn wait_all_waits_for_an_orphan_that_outlives_the_child() {
    if !namespaces() {
        return;
    }
    let script = "(sleep 1; echo done > \"$0\") & exit 5";
    for init in inits() {
        let scene = Scene::new(init, true);
        let marker = scene.path_str("done");
        let end = scene.run(&[], &["sh", "-c", script, &marker]);
        assert_eq!(end.code, Some(5), "{init:?}: {end:?}");
        assert!(
            end.elapsed < Duration::from_millis(900),
            "{init:?}: {end:?}"
        );
        sleep(Duration::from_millis(1300));
        assert!(
            !scene.path("done").exists(),
            "{init:?}: the orphan was killed"
        );
    }
    for options in [&["-a"][..], &["--wait-all"][..]] {
        let scene = Scene::new(Init::Ours, true);
        let marker = scene.path_str("done");
        let end = scene.run(options, &["sh", "-c", script, &marker]);
        assert_eq!(end.code, Some(5), "{end:?}");
        assert!(end.elapsed >= Duration::from_millis(900), "{end:?}");
        assert_eq!(fs::read_to_string(scene.path("done")).unwrap(), "done\n");
    }
    // Not process 1: -a makes init a subreaper, so the orphan still comes to it.
    let scene = Scene::new(Init::Ours, false);
    let marker = scene.path_str("done");
    let end = scene.run(&["-a"], &["sh", "-c", script, &marker]);
    assert_eq!(end.code, Some(5), "{end:?}");
    assert_eq!(fs::read_to_string(scene.path("done")).unwrap(), "done\n");
}

/// `--kill-orphans`: once the child has gone, an orphan that handles SIGTERM ends at
/// once; one that ignores it gets SIGKILL after the grace period. As process 1 and as
/// a subreaper (where descendants are found in /proc).
#[test]
fn kill_orphans_terminates_then_kills() {
    if !namespaces() {
        return;
    }
    let handles = "(trap 'echo term > \"$0\"; exit 0' TERM; sleep 30 & wait) & sleep 0.3; exit 6";
    let ignores = "(trap '' TERM; exec sleep 30) & sleep 0.3; exit 6";
    for namespace in [true, false] {
        let scene = Scene::new(Init::Ours, namespace);
        let marker = scene.path_str("term");
        let end = scene.run(
            &["--kill-orphans", "--grace", "20"],
            &["sh", "-c", handles, &marker],
        );
        assert_eq!(end.code, Some(6), "{end:?}");
        assert!(end.elapsed < Duration::from_secs(10), "{end:?}");
        assert_eq!(fs::read_to_string(scene.path("term")).unwrap(), "term\n");

        let end = scene.run(&["-v", "--grace", "1"], &["sh", "-c", ignores]);
        assert_eq!(end.code, Some(6), "{end:?}");
        assert!(
            end.elapsed >= Duration::from_millis(1200) && end.elapsed < Duration::from_secs(10),
            "{end:?}"
        );
        assert!(end.stderr.contains("sent SIGKILL"), "{end:?}");
    }
}

/// CPU time (utime + stime, in clock ticks) and context switches of `pid`.
fn cpu_and_switches(pid: i32) -> (u64, u64) {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // Fields 14 and 15 of stat(5), counted from the state (field 3).
    let cpu = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let switches = status
        .lines()
        .filter(|l| l.contains("ctxt_switches:"))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    (cpu, switches)
}

/// Idle, init uses no CPU: 2 s with nothing to do cost it 0 ticks. Ours is not even
/// woken (0 context switches); tini wakes once a second (its `sigtimedwait` timeout).
#[test]
fn idle_init_uses_no_cpu() {
    if !namespaces() {
        return;
    }
    for init in inits() {
        let scene = Scene::new(init, true);
        let ready = scene.path_str("ready");
        let mut running = scene.start(&[], &["sh", "-c", "touch \"$0\"; exec sleep 1000", &ready]);
        scene.wait_for("ready", &mut running);
        sleep(Duration::from_millis(300));
        let pid = running.init();
        let (cpu0, switches0) = cpu_and_switches(pid);
        sleep(Duration::from_secs(2));
        let (cpu1, switches1) = cpu_and_switches(pid);
        eprintln!(
            "{}: idle 2 s: {} CPU ticks, {} context switches",
            scene.init_name(),
            cpu1 - cpu0,
            switches1 - switches0
        );
        assert_eq!(cpu1 - cpu0, 0, "{init:?} used CPU while idle");
        if init == Init::Ours {
            assert_eq!(switches1 - switches0, 0, "woken while idle");
        }
        running.signal(Signal::SIGTERM);
        let end = running.wait(Duration::from_secs(20));
        assert_eq!(end.code, Some(143), "{init:?}: {end:?}");
    }
}

/// `-s` when not process 1: an orphan is reparented to init, and reaped by it once it
/// ends (the child checks both and exits 0).
const SUBREAPER: &str = r#"
import os, sys, time
r, w = os.pipe()
middle = os.fork()
if middle == 0:
    middle = os.getpid()
    if os.fork() == 0:
        os.close(r)
        while os.getppid() == middle:
            time.sleep(0.005)
        os.write(w, f"{os.getppid()} {os.getpid()}".encode())
        os._exit(0)
    os._exit(0)
os.close(w)
os.waitpid(middle, 0)
parent, orphan = map(int, os.read(r, 100).split())
if parent != os.getppid():
    print(f"orphan adopted by {parent}, not by init {os.getppid()}", file=sys.stderr)
    sys.exit(1)
deadline = time.time() + 10
while os.path.exists(f"/proc/{orphan}") and time.time() < deadline:
    time.sleep(0.01)
sys.exit(0 if not os.path.exists(f"/proc/{orphan}") else 2)
"#;

#[test]
fn subreaper_adopts_and_reaps_orphans() {
    let Some(py) = python() else { return };
    for init in inits() {
        let end = Scene::new(init, false).run(&["-s"], &[py, "-c", SUBREAPER]);
        assert_eq!(end.code, Some(0), "{init:?}: {end:?}");
    }
}

/// `-w`: a warning when init is neither process 1 nor a subreaper (tini gives it even
/// without `-w`), none with `-s`; with `-w` each orphan reaped is reported, as tini's
/// `-w` does.
#[test]
fn warns_when_not_a_reaper() {
    for init in inits() {
        let end = Scene::new(init, false).run(&["-w"], &["true"]);
        assert_eq!(end.code, Some(0), "{init:?}: {end:?}");
        assert!(end.stderr.contains("subreaper"), "{init:?}: {end:?}");
        let end = Scene::new(init, false).run(&["-w", "-s"], &["true"]);
        assert_eq!((end.code, end.stderr.as_str()), (Some(0), ""), "{init:?}");
        let end = Scene::new(init, false).run(&[], &["true"]);
        assert_eq!(end.code, Some(0), "{init:?}: {end:?}");
        if init == Init::Ours {
            assert_eq!(end.stderr, "", "silent without -w");
        }
    }
    if !namespaces() {
        return;
    }
    for init in inits() {
        let script = "(true &); sleep 0.3";
        let end = Scene::new(init, true).run(&["-w"], &["sh", "-c", script]);
        assert_eq!(end.code, Some(0), "{init:?}: {end:?}");
        assert!(
            end.stderr.to_lowercase().contains("reaped zombie process"),
            "{init:?}: {end:?}"
        );
    }
}

/// `-p SIGUSR1`: when init's parent dies, init gets SIGUSR1 and forwards it.
#[test]
fn parent_death_signal_is_forwarded() {
    let Some(py) = python() else { return };
    let intermediate =
        "import subprocess, sys, time; subprocess.Popen(sys.argv[1:]); time.sleep(1000)";
    for init in inits() {
        let scene = Scene::new(init, false);
        let marker = scene.path_str("got");
        let usr1 = Signal::SIGUSR1.raw().to_string();
        let mut command = vec![py.to_string(), "-c".into(), intermediate.into()];
        command.extend(init.argv());
        command.extend(["-s", "-p", "SIGUSR1", "--", py, "-c", RECORDER].map(String::from));
        command.extend([marker.clone(), usr1.clone(), usr1.clone()]);
        let stderr = scene.path("stderr");
        let parent = Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::null())
            .stderr(fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut running = Running {
            process: parent,
            namespace: false,
            started: Instant::now(),
            stderr,
        };
        scene.wait_for("got.ready", &mut running);
        running.process.kill().unwrap();
        running.process.wait().unwrap();
        assert_eq!(scene.wait_for_line("got"), usr1, "{init:?}");
    }
}

impl Scene {
    /// Waits for the file `name` to hold a whole line; that line.
    fn wait_for_line(&self, name: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let text = fs::read_to_string(self.path(name)).unwrap_or_default();
            if let Some(line) = text.lines().next().filter(|_| text.ends_with('\n')) {
                return line.to_string();
            }
            sleep(Duration::from_millis(10));
        }
        panic!("{}: no line in {name} after 10 s", self.init_name());
    }
}

/// Options end at the first non-option: the command's own options need no `--`
/// (tini's getopt would take `-c` as its own, and refuse it).
#[test]
fn options_end_at_the_first_non_option() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("init")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&[
        "-e",
        "4",
        "sh",
        "-c",
        "echo \"$@\"; exit 4",
        "sh",
        "-e",
        "--",
        "-s",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "-e -- -s\n");
    let out = run(&["--", "sh", "-c", "exit 9"]);
    assert_eq!(out.status.code(), Some(9));
    // An unknown option before the command is a usage error (status 2), not a command.
    let out = run(&["-x", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    if tini_available() {
        let tini = Command::new("tini")
            .args(["-s", "sh", "-c", "exit 4"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .unwrap();
        assert_ne!(tini.status.code(), Some(4), "tini needs `--` here");
    }
}

/// The child's process group is its own, and the terminal's foreground group when
/// init has the terminal (run under `script`, which gives it one). Neither init takes
/// the terminal from a foreground job it is not part of... except tini, which does
/// (its `TODO`): ours leaves it alone.
#[test]
fn the_child_gets_the_terminal_when_init_has_it() {
    let script_ok = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !script_ok {
        eprintln!("SKIPPED: util-linux's script is not installed");
        return;
    }
    // "pgrp tpgid" of the child, as /proc/self/stat says (fields 5 and 8).
    let show = "cut -d' ' -f5,8 /proc/self/stat > \"$0\"";
    for init in inits() {
        for background in [false, true] {
            let scene = Scene::new(init, false);
            let out = scene.path_str("groups");
            let mut line: Vec<String> = init.argv();
            line.extend(["-s", "--", "sh", "-c", show, &out].map(shell_quote));
            let mut command = line.join(" ");
            if background {
                // A shell with job control: the job runs in a group of its own, in
                // the background, and the shell keeps the terminal.
                command = format!(
                    "sh -c {}",
                    shell_quote(&format!("set -m; {command} & wait"))
                );
            }
            let status = Command::new("script")
                .args(["-qec", &command, "/dev/null"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "{init:?}");
            let groups = fs::read_to_string(scene.path("groups")).unwrap();
            let (pgrp, tpgid) = groups.trim().split_once(' ').unwrap();
            let foreground = pgrp == tpgid;
            match (init, background) {
                (_, false) => assert!(foreground, "{init:?}: {groups}"),
                (Init::Ours, true) => assert!(!foreground, "ours took the terminal: {groups}"),
                (Init::Tini, true) => {
                    eprintln!("tini, started in the background, took the terminal: {foreground}")
                }
            }
        }
    }
}

/// `text` quoted for `sh`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
