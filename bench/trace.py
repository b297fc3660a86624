#!/usr/bin/env python3
"""sysbridge trace against strace, in the same run, on a syscall-heavy command.

Every run, traced or not, is pinned to one CPU (taskset -c 0): unpinned ptrace timings
on a 2-vCPU machine swing several-fold from run to run. Configurations are interleaved
round by round (each round runs each configuration once, in a rotating order), and the
report gives the median wall time of each and the median of the per-round ratios.

When a C compiler is present, bench/ptrace_floor.c (a tracer that only stops and
resumes) is timed too: what the kernel's ptrace round trip alone costs here.

The tracer's peak resident set (VmHWM of the tracer process itself, not the tracee's)
is sampled from /proc while it runs.

Usage: bench/trace.py [--rounds N] [--count N] [--tracer PATH]
(build first: cargo build --release -p sysbridge-cli)
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time


def peak_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run(cmd):
    """Wall time of `cmd` (seconds) and the peak RSS of its first process (KB).

    The wall time is taken around wait() alone; a separate thread samples the RSS, so
    sampling does not round the time up.
    """
    peak = [0]
    done = threading.Event()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def sample():
        while not done.is_set():
            rss = peak_rss_kb(proc.pid)
            if rss:
                peak[0] = max(peak[0], rss)
            done.wait(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc.wait()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit("failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    return wall, peak[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--count", type=int, default=200000, help="dd's count (bs=1: two calls each)")
    ap.add_argument("--tracer", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "sysbridge"))
    args = ap.parse_args()
    pin = ["taskset", "-c", "0"]
    work = ["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=%d" % args.count]
    ours = [args.tracer, "trace"]
    configs_floor = []
    floor = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "ptrace_floor")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ptrace_floor.c")
    if subprocess.call(["cc", "-O2", "-o", floor, src], stderr=subprocess.DEVNULL) == 0:
        configs_floor = [
            ("floor: wait4 + PTRACE_SYSCALL", pin + [floor, "wait"] + work),
            ("floor: + PTRACE_GET_SYSCALL_INFO", pin + [floor, "info"] + work),
        ]
    else:
        print("no C compiler: the ptrace floor is not measured", file=sys.stderr)
    configs = configs_floor + [
        ("untraced", pin + work),
        ("strace -f", pin + ["strace", "-f", "-o", "/dev/null"] + work),
        ("ours -f", pin + ours + ["-f", "-o", "/dev/null"] + work),
        ("strace -f -c", pin + ["strace", "-f", "-c", "-o", "/dev/null"] + work),
        ("ours -f -c", pin + ours + ["-f", "-c", "-o", "/dev/null"] + work),
        ("strace --seccomp-bpf -f -e trace=openat", pin + ["strace", "--seccomp-bpf", "-f", "-e", "trace=openat", "-o", "/dev/null"] + work),
        ("ours -f -e trace=openat", pin + ours + ["-f", "-e", "trace=openat", "-o", "/dev/null"] + work),
    ]
    walls = {name: [] for name, _ in configs}
    rss = {name: [] for name, _ in configs}
    ratios = {k: [] for k in ("full", "count", "openat_vs_untraced", "openat_vs_strace")}
    for r in range(args.rounds):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        this = {}
        for name, cmd in order:
            wall, peak = run(cmd)
            this[name] = wall
            walls[name].append(wall)
            rss[name].append(peak)
        ratios["full"].append(this["ours -f"] / this["strace -f"])
        ratios["count"].append(this["ours -f -c"] / this["strace -f -c"])
        ratios["openat_vs_untraced"].append(this["ours -f -e trace=openat"] / this["untraced"])
        ratios["openat_vs_strace"].append(this["ours -f -e trace=openat"] / this["strace --seccomp-bpf -f -e trace=openat"])
        print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)
    print("dd bs=1 count=%d, pinned to CPU 0, %d interleaved rounds" % (args.count, args.rounds))
    print("%-42s %10s %12s" % ("configuration", "median s", "tracer RSS"))
    for name, _ in configs:
        peak = max(rss[name]) if name != "untraced" else 0
        print("%-42s %10.3f %9s KB" % (name, statistics.median(walls[name]), peak or "-"))
    print()
    for name, _ in configs_floor:
        print("%-52s %.3fx" % (name + " / strace -f:", statistics.median(walls[name]) / statistics.median(walls["strace -f"])))
    print("ours -f -o /dev/null / strace -f -o /dev/null:        %.3fx (target <= 0.8)" % statistics.median(ratios["full"]))
    print("ours -f -c / strace -f -c:                            %.3fx (target <= 0.8)" % statistics.median(ratios["count"]))
    print("ours -f -e trace=openat / untraced:                   %.3fx (target <= 1.15)" % statistics.median(ratios["openat_vs_untraced"]))
    print("ours -f -e trace=openat / strace --seccomp-bpf same:  %.3fx" % statistics.median(ratios["openat_vs_strace"]))
    print("tracer peak RSS, ours / strace (full tracing):        %.3fx (target <= 1.0)" % (max(rss["ours -f"]) / max(rss["strace -f"])))


if __name__ == "__main__":
    main()
