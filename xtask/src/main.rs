//! `cargo xtask gen` writes the generated tables; `cargo xtask check` fails if the
//! checked-in ones are stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    let check = match cmd.as_str() {
        "gen" => false,
        "check" => true,
        _ => {
            eprintln!("usage: cargo xtask gen|check");
            return ExitCode::from(2);
        }
    };
    let outputs = match xtask::render_all() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
    let root = xtask::workspace_root();
    let mut stale = false;
    for out in outputs {
        let path = root.join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == out.text {
            continue;
        }
        if check {
            eprintln!("xtask: {} is stale: run `cargo xtask gen`", out.path);
            stale = true;
        } else if let Err(e) = std::fs::write(&path, &out.text) {
            eprintln!("xtask: {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", out.path);
        }
    }
    if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
