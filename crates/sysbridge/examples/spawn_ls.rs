//! The seed program "fork + exec `ls -l`": `Spawn` starts `ls -l` (found along `PATH`)
//! with our standard streams, and we wait for it.
//!
//! Run: `cargo run --example spawn_ls -- [DIR...]`

use std::process::ExitCode;

use sysbridge::process::Spawn;

fn main() -> ExitCode {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let mut child = match Spawn::new("ls").arg("-l").args(&dirs).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("spawn_ls: ls: {e}");
            return ExitCode::from(127);
        }
    };
    eprintln!("spawn_ls: started ls as process {}", child.pid());
    match child.wait() {
        Ok(state) => {
            eprintln!("spawn_ls: ls ended: {state:?}");
            ExitCode::from(state.shell_code().unwrap_or(1) as u8)
        }
        Err(e) => {
            eprintln!("spawn_ls: wait: {e}");
            ExitCode::FAILURE
        }
    }
}
