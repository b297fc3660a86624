//! Links the `sysbridge` binary as a position-dependent executable.
//!
//! The tracer's decoders carry tables of several thousand named values (ioctl
//! requests, flags); as a position-independent executable each of their string
//! pointers needs a run-time relocation, which costs about 480 KiB of relocation
//! records read at every start and 400 KiB of table pages made private and dirty,
//! nearly 0.8 MiB of resident memory before any work. Linked at a fixed address the
//! tables stay clean, shared file pages touched only when used: the tracer's peak
//! resident size drops from about 4.3 MiB to 3.5 MiB, below strace's 3.8 MiB
//! (`bench/trace.py`). The cost is address randomisation of the binary itself; its
//! stack, heap and libraries are still randomised.

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
