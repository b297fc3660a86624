//! Reading a tracee's memory: `process_vm_readv(2)` by default, `/proc/PID/mem` where
//! that is refused (some kernels and security modules forbid it while ptrace works).
//! Every read is checked: an unreadable address is an error for the decoder to print
//! as an address, never a fault or a panic.

use std::collections::HashMap;
use std::io::IoSliceMut;
use std::os::fd::OwnedFd;

use sysbridge::fs::{self, Mode, OFlags};
use sysbridge::process::{self, Pid, RemoteIoVec};
use sysbridge::{Errno, io};

const PAGE: u64 = 4096;

/// The reader of tracees' memory.
#[derive(Default)]
pub(crate) struct Mem {
    /// Set once `process_vm_readv` is refused outright: use `/proc/PID/mem` from then on.
    use_proc: bool,
    /// Open `/proc/PID/mem` files, by tid.
    proc_files: HashMap<i32, OwnedFd>,
}

impl Mem {
    /// Copies `buf.len()` bytes from `addr` in `tid`'s memory; fails unless all of
    /// them could be read.
    pub(crate) fn read(&mut self, tid: i32, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        let n = self.read_some(tid, addr, buf)?;
        if n == buf.len() {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }

    /// Copies up to `buf.len()` bytes, stopping early at an unmapped page; fails when
    /// not even the first byte can be read.
    fn read_some(&mut self, tid: i32, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.use_proc {
            let remote = [RemoteIoVec {
                base: addr,
                len: buf.len(),
            }];
            match process::process_vm_readv(
                Pid::from_raw(tid),
                &mut [IoSliceMut::new(buf)],
                &remote,
            ) {
                Ok(0) => return Err(Errno::EFAULT),
                Ok(n) => return Ok(n),
                Err(e) if e == Errno::ENOSYS || e == Errno::EPERM => self.use_proc = true,
                Err(e) => return Err(e),
            }
        }
        let file = match self.proc_files.get(&tid) {
            Some(f) => f,
            None => {
                let path = format!("/proc/{tid}/mem");
                let f = fs::open(
                    path.as_str(),
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                self.proc_files.entry(tid).or_insert(f)
            }
        };
        match io::pread(file, buf, addr)? {
            0 => Err(Errno::EFAULT),
            n => Ok(n),
        }
    }

    /// Reads a NUL-terminated string of at most `max` bytes (the NUL not counted) into
    /// `out`, a page at a time so that a string ending just before an unmapped page is
    /// still read. Returns whether the NUL was seen within `max + 1` bytes.
    pub(crate) fn read_cstr(
        &mut self,
        tid: i32,
        addr: u64,
        max: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, Errno> {
        out.clear();
        let limit = max + 1;
        let mut at = addr;
        while out.len() < limit {
            let to_page_end = (PAGE - at % PAGE) as usize;
            let want = to_page_end.min(limit - out.len());
            let start = out.len();
            out.resize(start + want, 0);
            let n = match self.read_some(tid, at, &mut out[start..]) {
                Ok(n) => n,
                Err(e) => {
                    out.truncate(start);
                    return Err(e);
                }
            };
            out.truncate(start + n);
            if let Some(nul) = out[start..].iter().position(|&b| b == 0) {
                out.truncate(start + nul);
                return Ok(true);
            }
            if n < want {
                return Err(Errno::EFAULT);
            }
            at += n as u64;
        }
        out.truncate(max);
        Ok(false)
    }

    /// Forgets what was opened for `tid` (it exited).
    pub(crate) fn forget(&mut self, tid: i32) {
        self.proc_files.remove(&tid);
    }
}

/// Little-endian integer fields of a structure read from a tracee, by byte offset.
pub(crate) trait Fields {
    /// The `u16` at `off`.
    fn u16_at(&self, off: usize) -> u16;
    /// The `u32` at `off`.
    fn u32_at(&self, off: usize) -> u32;
    /// The `i32` at `off`.
    fn i32_at(&self, off: usize) -> i32 {
        self.u32_at(off) as i32
    }
    /// The `u64` at `off`.
    fn u64_at(&self, off: usize) -> u64;
    /// The `i64` at `off`.
    fn i64_at(&self, off: usize) -> i64 {
        self.u64_at(off) as i64
    }
}

impl Fields for [u8] {
    fn u16_at(&self, off: usize) -> u16 {
        u16::from_ne_bytes([self[off], self[off + 1]])
    }
    fn u32_at(&self, off: usize) -> u32 {
        u32::from_ne_bytes(self[off..off + 4].try_into().expect("4 bytes"))
    }
    fn u64_at(&self, off: usize) -> u64 {
        u64::from_ne_bytes(self[off..off + 8].try_into().expect("8 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_strings_across_pages() {
        let mut mem = Mem::default();
        let me = sysbridge::process::getpid().as_raw();
        let text = b"hello\0world";
        let mut out = Vec::new();
        assert_eq!(
            mem.read_cstr(me, text.as_ptr() as u64, 32, &mut out),
            Ok(true)
        );
        assert_eq!(out, b"hello");
        assert_eq!(
            mem.read_cstr(me, text.as_ptr() as u64, 3, &mut out),
            Ok(false)
        );
        assert_eq!(out, b"hel");
        // A string that runs up to the end of a mapping, then unmapped memory.
        let map = sysbridge::mm::mmap_anonymous(8192, sysbridge::mm::MapFlags::PRIVATE).unwrap();
        let mut map = map;
        map.fill(b'x');
        map[8191] = 0;
        let addr = map.as_ptr() as u64;
        assert_eq!(mem.read_cstr(me, addr + 100, 10_000, &mut out), Ok(true));
        assert_eq!(out.len(), 8091);
        assert_eq!(mem.read_cstr(me, 8, 10, &mut out), Err(Errno::EFAULT));
        let mut buf = [0u8; 4];
        assert!(mem.read(me, 8, &mut buf).is_err());
    }
}
