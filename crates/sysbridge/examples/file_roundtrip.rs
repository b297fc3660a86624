//! The seed program "open, write, fsync, read a file" with sysbridge's own system calls
//! and no libc on the way: `openat`, `write`, `fsync`, `lseek`, `read`, `fstat`,
//! `close`, `unlinkat`.
//!
//! Run: `cargo run --example file_roundtrip [PATH]` (default: a file in the system's
//! temporary directory). Trace it to see one system call per step:
//! `strace -e trace=%file,%desc cargo run --example file_roundtrip`.

use sysbridge::fs::{self, AtFlags, CWD, Mode, OFlags};
use sysbridge::{Errno, fd, io};

fn main() -> Result<(), Errno> {
    let path = std::env::args_os().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("sysbridge-roundtrip-{}", std::process::id())),
        std::path::PathBuf::from,
    );
    let message = b"hello from sysbridge: openat, write, fsync, lseek, read\n";

    let flags = OFlags::RDWR | OFlags::CREAT | OFlags::TRUNC | OFlags::CLOEXEC;
    let file = fs::open(&path, flags, Mode::RUSR | Mode::WUSR)?;
    let written = io::write(&file, message)?;
    fs::fsync(&file)?;
    println!(
        "wrote {written} bytes to {} and synced them",
        path.display()
    );

    io::lseek(&file, io::SeekFrom::Start(0))?;
    let mut buf = vec![0u8; message.len() + 16];
    let read = io::read(&file, &mut buf)?;
    assert_eq!(&buf[..read], message, "read back what was written");
    print!(
        "read back {read} bytes: {}",
        String::from_utf8_lossy(&buf[..read])
    );

    let st = fs::fstat(&file)?;
    println!(
        "fstat: inode {}, size {}, mode {:o}, type {:?}",
        st.st_ino,
        st.st_size,
        st.permissions().bits(),
        st.file_type()
    );

    // Closing explicitly reports a late write error that dropping would ignore.
    fd::close(file)?;
    fs::unlinkat(CWD, &path, AtFlags::empty())?;
    Ok(())
}
