//! The seed program "an O_DIRECT write": ask `statx` for the file's direct-I/O
//! alignments, allocate an [`AlignedBuf`] to match, write it past the page cache, and
//! read it back the same way.
//!
//! Run: `cargo run --example direct_io [DIR]` (default: the current directory; tmpfs
//! may refuse `O_DIRECT`, so the system's temporary directory is a poor choice).

use sysbridge::fs::{self, AlignedBuf, AtFlags, CWD, FALLBACK_DIO_ALIGN, Mode, OFlags, StatxMask};
use sysbridge::{Errno, io};

fn main() -> Result<(), Errno> {
    let dir = std::env::args_os().nth(1).unwrap_or_else(|| ".".into());
    let path = std::path::Path::new(&dir).join(format!("sysbridge-direct-{}", std::process::id()));

    let flags = OFlags::RDWR | OFlags::CREAT | OFlags::EXCL | OFlags::DIRECT | OFlags::CLOEXEC;
    let file = match fs::open(&path, flags, Mode::RUSR | Mode::WUSR) {
        Err(Errno::EINVAL) => {
            eprintln!("the file system under {} refuses O_DIRECT", path.display());
            return Err(Errno::EINVAL);
        }
        other => other?,
    };
    let result = round_trip(&file);
    fs::unlinkat(CWD, &path, AtFlags::empty())?;
    result
}

fn round_trip(file: &std::os::fd::OwnedFd) -> Result<(), Errno> {
    let st = fs::statx(file, "", AtFlags::EMPTY_PATH, StatxMask::DIOALIGN)?;
    let (mem, offset) = match st.dio_alignment() {
        Some(align) => (align.mem, align.offset),
        None => {
            println!("statx gave no STATX_DIOALIGN: falling back to {FALLBACK_DIO_ALIGN}");
            (FALLBACK_DIO_ALIGN, FALLBACK_DIO_ALIGN)
        }
    };
    println!("O_DIRECT alignment: buffers {mem} bytes, offsets and lengths {offset} bytes");

    // Lengths and offsets must be multiples of `offset`; the buffer address of `mem`.
    let len = (64 * 1024usize).next_multiple_of(offset);
    let mut out = AlignedBuf::new(len, mem)?;
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (i % 251) as u8;
    }
    let written = io::pwrite(file, &out, 0)?;
    fs::fdatasync(file)?;
    println!(
        "wrote {written} bytes with O_DIRECT from a buffer at {:p}",
        out.as_ptr()
    );

    let mut back = AlignedBuf::new(len, mem)?;
    let read = io::pread(file, &mut back, 0)?;
    assert_eq!(
        (read, &back[..]),
        (written, &out[..]),
        "read back what was written"
    );
    println!("read them back with O_DIRECT: identical");
    Ok(())
}
