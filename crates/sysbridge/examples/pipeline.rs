//! The seed program "a pipe between two spawned processes": `ls -l DIR | wc -l`,
//! plumbed by hand with `pipe2` and `Spawn`'s descriptor mapping.
//!
//! Run: `cargo run --example pipeline -- [DIR]`

use std::os::fd::AsFd;
use std::process::ExitCode;

use sysbridge::Errno;
use sysbridge::fd::{self, PipeFlags};
use sysbridge::process::Spawn;

fn run(dir: &str) -> Result<bool, Errno> {
    // Close-on-exec on both ends: each child gets its end as a standard stream only.
    let (reader, writer) = fd::pipe2(PipeFlags::CLOEXEC)?;
    let mut ls = Spawn::new("ls")
        .args(["-l", dir])
        .stdout(writer.as_fd())
        .spawn()?;
    let mut wc = Spawn::new("wc").arg("-l").stdin(reader.as_fd()).spawn()?;
    // Our copies must go, or `wc` would never see the end of its input.
    drop((reader, writer));
    let (ls, wc) = (ls.wait()?, wc.wait()?);
    eprintln!("pipeline: ls {ls:?}, wc {wc:?}");
    Ok(ls.success() && wc.success())
}

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/".to_string());
    match run(&dir) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pipeline: {e}");
            ExitCode::FAILURE
        }
    }
}
