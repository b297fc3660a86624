//! Overlapped I/O completed through an I/O completion port, Windows' counterpart of the
//! readiness loop (`CreateIoCompletionPort`, `ReadFile` with an `OVERLAPPED`,
//! `GetQueuedCompletionStatus`, `PostQueuedCompletionStatus`, `CancelIoEx`,
//! `GetOverlappedResult`).
//!
//! The kernel writes into an overlapped read's buffer and `OVERLAPPED` after `ReadFile`
//! returns, so both belong to a [`ReadOp`], on the heap, until the operation is over:
//! [`ReadOp::finish`] waits for that and hands the bytes back, and dropping an unfinished
//! [`ReadOp`] cancels it and waits for the cancellation before freeing anything. A
//! [`ReadOp`] borrows its [`OverlappedFile`], which therefore stays open meanwhile.
//!
//! A typical round: open an [`OverlappedFile`], [`CompletionPort::associate`] it with a
//! key, [`ReadOp::start`] reads, take [`Completion`]s from [`CompletionPort::get`]
//! (matched to operations by [`ReadOp::id`]), then [`ReadOp::finish`] them.

use std::ffi::OsStr;
use std::ptr::NonNull;
use std::time::Duration;

use crate::error::check;
use crate::fs::{
    clamp_len, create_file_raw, CreationDisposition, FileAccess, FileFlags, FileShare,
};
use crate::handle::{owned_or_null, AsHandle, AsRawHandle, OwnedHandle};
use crate::wait::timeout_ms;
use crate::{codes, sys, Win32Error};

/// `OVERLAPPED.Internal` while an operation is in flight.
const STATUS_PENDING: usize = 0x103;

/// An I/O completion port (`CreateIoCompletionPort`).
#[derive(Debug)]
pub struct CompletionPort {
    handle: OwnedHandle,
}

/// One packet taken from a [`CompletionPort`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The key the file was associated with, or the one given to
    /// [`CompletionPort::post`].
    pub key: usize,
    /// Bytes transferred.
    pub bytes: u32,
    /// The operation's [`ReadOp::id`]; 0 for a posted packet. Ids are unique among the
    /// operations alive at one time; a finished operation's id may be reused.
    pub id: usize,
    /// The operation's outcome (`ERROR_HANDLE_EOF` for a read at or past the end,
    /// `ERROR_OPERATION_ABORTED` for a cancelled one).
    pub result: Result<(), Win32Error>,
}

impl CompletionPort {
    /// A new port letting at most `concurrent_threads` threads run its completions at
    /// once (0: as many as there are processors).
    pub fn new(concurrent_threads: u32) -> Result<CompletionPort, Win32Error> {
        // SAFETY: INVALID_HANDLE_VALUE with no existing port creates a fresh port; the
        // result goes straight to owned_or_null.
        let handle = unsafe {
            owned_or_null(sys::CreateIoCompletionPort(
                sys::INVALID_HANDLE_VALUE,
                std::ptr::null_mut(),
                0,
                concurrent_threads,
            ))
        }?;
        Ok(CompletionPort { handle })
    }

    /// Sends `file`'s completions to this port, tagged with `key`
    /// (`CreateIoCompletionPort(file, port, key, 0)`). A file joins one port for good.
    pub fn associate(&self, file: &OverlappedFile, key: usize) -> Result<(), Win32Error> {
        // SAFETY: both handles are open for the borrows. On success the call returns the
        // port's own handle, which stays owned by self: nothing new to own.
        let port = unsafe {
            sys::CreateIoCompletionPort(
                file.handle.as_raw_handle(),
                self.handle.as_raw_handle(),
                key,
                0,
            )
        };
        if port.is_null() {
            Err(Win32Error::last())
        } else {
            Ok(())
        }
    }

    /// Takes the next packet, waiting at most `timeout` (`None`: forever)
    /// (`GetQueuedCompletionStatus`). `Err(WAIT_TIMEOUT)` when none came in time; a
    /// failed operation is `Ok` with its error in [`Completion::result`].
    pub fn get(&self, timeout: Option<Duration>) -> Result<Completion, Win32Error> {
        let mut bytes = 0u32;
        let mut key = 0usize;
        let mut overlapped: *mut sys::OVERLAPPED = std::ptr::null_mut();
        // SAFETY: the port is open for the borrow; the three out-parameters are valid.
        // The OVERLAPPED pointer is only turned into an id, never dereferenced.
        let ok = unsafe {
            sys::GetQueuedCompletionStatus(
                self.handle.as_raw_handle(),
                &mut bytes,
                &mut key,
                &mut overlapped,
                timeout_ms(timeout),
            )
        };
        let result = check(ok);
        match (result, overlapped.is_null()) {
            (Err(err), true) => Err(err),
            (result, _) => Ok(Completion {
                key,
                bytes,
                id: overlapped as usize,
                result,
            }),
        }
    }

    /// Queues a packet of its own (`PostQueuedCompletionStatus`), with [`Completion::id`]
    /// 0: a way to wake a thread blocked in [`get`](CompletionPort::get).
    pub fn post(&self, bytes: u32, key: usize) -> Result<(), Win32Error> {
        // SAFETY: the port is open for the borrow; a null OVERLAPPED is allowed and is
        // handed back as is.
        check(unsafe {
            sys::PostQueuedCompletionStatus(
                self.handle.as_raw_handle(),
                bytes,
                key,
                std::ptr::null_mut(),
            )
        })
    }
}

impl AsHandle for CompletionPort {
    fn as_handle(&self) -> crate::handle::BorrowedHandle<'_> {
        self.handle.as_handle()
    }
}

/// A file opened for overlapped I/O (`CreateFileW` with `FILE_FLAG_OVERLAPPED`).
///
/// It deliberately neither implements [`AsHandle`] nor gives its handle away: the
/// synchronous wrappers of [`fs`](crate::fs) must not be given an overlapped handle
/// (while a read started here may still be in flight, in particular). It is closed
/// when dropped.
#[derive(Debug)]
pub struct OverlappedFile {
    handle: OwnedHandle,
}

impl OverlappedFile {
    /// Opens or creates `path` for overlapped I/O; the arguments are those of
    /// [`create_file`](crate::fs::create_file).
    pub fn open<P: AsRef<OsStr>>(
        path: P,
        access: FileAccess,
        share: FileShare,
        disposition: CreationDisposition,
        flags: FileFlags,
    ) -> Result<OverlappedFile, Win32Error> {
        let flags = flags.bits() | sys::FILE_FLAG_OVERLAPPED;
        let handle = create_file_raw(path.as_ref(), access, share, disposition, flags)?;
        Ok(OverlappedFile { handle })
    }
}

/// An overlapped read in flight: its buffer, its `OVERLAPPED` and the event
/// `GetOverlappedResult` waits on, all owned until the kernel is done with them.
#[derive(Debug)]
pub struct ReadOp<'file> {
    file: &'file OverlappedFile,
    overlapped: NonNull<sys::OVERLAPPED>,
    buffer: NonNull<[u8]>,
    /// Set in the `OVERLAPPED`; kept open here until the read is over.
    _event: OwnedHandle,
}

impl<'file> ReadOp<'file> {
    /// Starts reading `len` bytes of `file` at byte `offset` (`ReadFile` with an
    /// `OVERLAPPED`; at most `u32::MAX` bytes). If the file is associated with a port, a
    /// [`Completion`] with this operation's [`id`](ReadOp::id) arrives there, also when
    /// the read completed at once. An error here (`ERROR_HANDLE_EOF` for a read at the
    /// end, say) means nothing was started and no completion will come.
    pub fn start(
        file: &'file OverlappedFile,
        offset: u64,
        len: usize,
    ) -> Result<ReadOp<'file>, Win32Error> {
        // SAFETY: a manual-reset, initially clear, unnamed event with default security;
        // the result goes straight to owned_or_null.
        let event = unsafe {
            owned_or_null(sys::CreateEventW(
                std::ptr::null_mut(),
                sys::TRUE,
                sys::FALSE,
                std::ptr::null(),
            ))
        }?;
        // The status starts as STATUS_PENDING (as ReadFile would set it too): from here
        // until the kernel stores the outcome, the blocks are treated as in flight.
        let overlapped = Box::new(sys::OVERLAPPED {
            Internal: STATUS_PENDING,
            InternalHigh: 0,
            Offset: offset as u32,
            OffsetHigh: (offset >> 32) as u32,
            hEvent: event.as_raw_handle(),
        });
        let len = clamp_len(len);
        let op = ReadOp {
            file,
            overlapped: NonNull::from(Box::leak(overlapped)),
            buffer: NonNull::from(Box::leak(vec![0u8; len as usize].into_boxed_slice())),
            _event: event,
        };
        // SAFETY: the buffer (len bytes) and the OVERLAPPED are heap blocks owned by
        // `op` and freed only once the operation is over (finish, or drop after
        // cancelling and waiting); the file is open for 'file. `read` may be null with
        // an OVERLAPPED.
        let ok = unsafe {
            sys::ReadFile(
                file.handle.as_raw_handle(),
                op.buffer.as_ptr().cast::<u8>(),
                len,
                std::ptr::null_mut(),
                op.overlapped.as_ptr(),
            )
        };
        match check(ok) {
            Ok(()) => Ok(op),
            Err(err) if err == codes::ERROR_IO_PENDING => Ok(op),
            Err(err) => {
                // Nothing is in flight, but the status may still read STATUS_PENDING
                // (an immediate failure need not store one): clear it so that dropping
                // `op` frees the blocks at once instead of waiting.
                // SAFETY: the OVERLAPPED is alive and, the read having failed to start,
                // no longer shared with the kernel.
                unsafe { (*op.overlapped.as_ptr()).Internal = 0 };
                Err(err)
            }
        }
    }

    /// The identifier its [`Completion`] carries (the `OVERLAPPED`'s address).
    pub fn id(&self) -> usize {
        self.overlapped.as_ptr() as usize
    }

    /// Waits for the read to be over (`GetOverlappedResult`, waiting) and returns the
    /// bytes read; `ERROR_HANDLE_EOF` for a read at or past the end of the file.
    pub fn finish(self) -> Result<Vec<u8>, Win32Error> {
        let bytes = self.wait()?;
        if self.in_flight() {
            // Cannot happen after a successful wait; dropping keeps this sound anyway.
            return Err(codes::ERROR_IO_INCOMPLETE);
        }
        let len = (bytes as usize).min(self.buffer.len());
        // SAFETY: the read is over, so the kernel no longer writes the buffer, whose
        // first `len` bytes are initialised (it was zero-filled).
        let data = unsafe { std::slice::from_raw_parts(self.buffer.as_ptr().cast::<u8>(), len) };
        Ok(data.to_vec())
    }

    /// `GetOverlappedResult(file, overlapped, &bytes, TRUE)`: blocks until the
    /// operation is over.
    fn wait(&self) -> Result<u32, Win32Error> {
        let mut bytes = 0u32;
        // SAFETY: the file is open; the OVERLAPPED is the one the read was started
        // with, alive until drop; its event makes the wait specific to this read.
        check(unsafe {
            sys::GetOverlappedResult(
                self.file.handle.as_raw_handle(),
                self.overlapped.as_ptr(),
                &mut bytes,
                sys::TRUE,
            )
        })?;
        Ok(bytes)
    }

    /// Whether the kernel may still write the blocks: the `OVERLAPPED`'s status is
    /// `STATUS_PENDING` (Win32's `HasOverlappedIoCompleted`, negated).
    fn in_flight(&self) -> bool {
        let overlapped = self.overlapped.as_ptr();
        // SAFETY: the OVERLAPPED is alive until drop; the kernel may store its status at
        // any time, hence a volatile read of the whole word, through no reference.
        let status = unsafe { std::ptr::addr_of!((*overlapped).Internal).read_volatile() };
        status == STATUS_PENDING
    }
}

impl Drop for ReadOp<'_> {
    fn drop(&mut self) {
        if self.in_flight() {
            // SAFETY: the file is open and the OVERLAPPED is this read's; cancelling a
            // read that completes meanwhile is harmless (ERROR_NOT_FOUND).
            unsafe { sys::CancelIoEx(self.file.handle.as_raw_handle(), self.overlapped.as_ptr()) };
            let _ = self.wait();
        }
        if self.in_flight() {
            return; // the wait failed: leaking the blocks is the sound choice
        }
        // SAFETY: the read is over, so the kernel no longer uses the blocks, which came
        // from Box::leak in start and are freed only here.
        unsafe {
            drop(Box::from_raw(self.overlapped.as_ptr()));
            drop(Box::from_raw(self.buffer.as_ptr()));
        }
    }
}
