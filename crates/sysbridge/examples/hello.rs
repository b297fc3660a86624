//! The seed program `write(2, "hello world\n")`: one `write(2)` to standard error,
//! through the typed wrapper.
//!
//! Run: `cargo run --example hello`

use std::process::ExitCode;

fn main() -> ExitCode {
    match sysbridge::io::write(std::io::stderr(), b"hello world\n") {
        Ok(12) => ExitCode::SUCCESS,
        Ok(n) => {
            eprintln!("hello: short write of {n} bytes");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("hello: write: {e}");
            ExitCode::FAILURE
        }
    }
}
