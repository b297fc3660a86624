//! Where trace text goes: a descriptor written in large blocks through our own
//! `write(2)` wrapper.

use std::os::fd::OwnedFd;

use sysbridge::{Errno, io};

/// Bytes kept before a write; a file sees writes of this size.
const BLOCK: usize = 64 * 1024;

/// Standard error, or a file.
enum Target {
    Stderr,
    File(OwnedFd),
}

/// A buffered output descriptor that remembers its first error.
pub(crate) struct Sink {
    target: Target,
    buf: Vec<u8>,
    /// Flush at every line end (for standard error, which the tracee may share).
    line_flush: bool,
    /// The first write error; after it, output is dropped.
    pub(crate) error: Option<Errno>,
}

impl Sink {
    /// Standard error, flushed at each line end.
    pub(crate) fn stderr() -> Sink {
        Sink {
            target: Target::Stderr,
            buf: Vec::with_capacity(4096),
            line_flush: true,
            error: None,
        }
    }

    /// A file, written in large blocks.
    pub(crate) fn file(fd: OwnedFd) -> Sink {
        Sink {
            target: Target::File(fd),
            buf: Vec::with_capacity(BLOCK),
            line_flush: false,
            error: None,
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        match &self.target {
            Target::Stderr => io::write(std::io::stderr(), bytes),
            Target::File(fd) => io::write(fd, bytes),
        }
    }

    /// Appends text.
    pub(crate) fn push(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Ends a line.
    pub(crate) fn newline(&mut self) {
        self.buf.push(b'\n');
        if self.line_flush || self.buf.len() >= BLOCK {
            self.flush();
        }
    }

    /// Writes out what is buffered, retrying short writes and interruptions.
    pub(crate) fn flush(&mut self) {
        let mut done = 0;
        while done < self.buf.len() && self.error.is_none() {
            match self.write(&self.buf[done..]) {
                Ok(n) => done += n,
                Err(Errno::EINTR) => {}
                Err(e) => self.error = Some(e),
            }
        }
        self.buf.clear();
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.flush();
    }
}
