//! The seed program "an anonymous page": map one page, write to it, read it back,
//! unmap it. C's `mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS,
//! -1, 0)` … `munmap`, in Rust, with the unmapping done by `Drop`.
//!
//! Run: `cargo run --example mmap_page`

use sysbridge::mm::{MapFlags, mmap_anonymous};

/// One page on x86_64.
const PAGE: usize = 4096;

fn main() -> Result<(), sysbridge::Errno> {
    let mut page = mmap_anonymous(PAGE, MapFlags::PRIVATE)?;
    let addr = page.as_ptr() as usize;
    println!(
        "mapped {PAGE} bytes at {addr:#x}, all zero: {}",
        page.iter().all(|&b| b == 0)
    );

    let message = b"hello from an anonymous page";
    page[..message.len()].copy_from_slice(message);
    let back = String::from_utf8_lossy(&page[..message.len()]);
    println!("read back: {back:?}");

    let page = page.into_read_only().map_err(sysbridge::Errno::from)?;
    println!(
        "now read-only, still reads: {:?}",
        String::from_utf8_lossy(&page[..5])
    );

    drop(page); // munmap(2)
    println!("unmapped {addr:#x}");
    Ok(())
}
