//! The seed program: CreateFile through the typed wrapper. Creates a file (the path
//! given, or one in the temporary directory), writes to it, reads it back, prints its
//! size, deletes it; then shows what opening a missing file gives.
//!
//! `cargo run --example createfile --target x86_64-pc-windows-gnu [PATH]`

use std::io::SeekFrom;

use sysbridge_windows::fs::{
    create_file, delete_file, get_file_size, read_file, set_file_pointer, write_file,
    CreationDisposition, FileAccess, FileFlags, FileShare,
};
use sysbridge_windows::{errno, Win32Error};

fn main() -> Result<(), Win32Error> {
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("sysbridge-createfile.txt"));

    let file = create_file(
        &path,
        FileAccess::GENERIC_READ | FileAccess::GENERIC_WRITE,
        FileShare::READ,
        CreationDisposition::CreateAlways,
        FileFlags::ATTRIBUTE_NORMAL,
    )?;
    let written = write_file(&file, b"Hello from CreateFileW\r\n")?;
    set_file_pointer(&file, SeekFrom::Start(0))?;
    let mut buf = [0u8; 64];
    let read = read_file(&file, &mut buf)?;
    println!(
        "{}: wrote {} bytes, read back {:?}",
        path.display(),
        written,
        String::from_utf8_lossy(&buf[..read])
    );
    println!("GetFileSizeEx: {} bytes", get_file_size(&file)?);
    drop(file);
    delete_file(&path)?;

    let missing = create_file(
        &path,
        FileAccess::GENERIC_READ,
        FileShare::READ,
        CreationDisposition::OpenExisting,
        FileFlags::empty(),
    );
    if let Err(err) = missing {
        let errno = err.to_errno().and_then(errno::name).unwrap_or("no errno");
        println!("after DeleteFileW, opening it again: {} -> {}", err, errno);
    }
    Ok(())
}
