//! Messages with control data: `sendmsg(2)` and `recvmsg(2)`, descriptors passed with
//! `SCM_RIGHTS` and credentials with `SCM_CREDENTIALS` (`unix(7)`, `cmsg(3)`).
//!
//! Received descriptors are owned from the moment the call returns: they live in the
//! [`ControlBuffer`] until taken out as [`OwnedFd`]s through
//! [`ControlBuffer::messages`], and the buffer closes whatever was not taken when it is
//! cleared, reused or dropped. That holds with `MSG_CTRUNC` too: the kernel installs
//! only the descriptors that fit (and says how many in the message's length), closes
//! the rest itself, and the buffer owns the ones it installed.
//!
//! ```
//! use std::io::{IoSlice, IoSliceMut};
//! use sysbridge::net::{self, AddressFamily, ControlBuffer, ControlMessage, MsgFlags, Protocol,
//!                      SendControl, SockFlags, SocketType};
//! use std::os::fd::AsFd;
//!
//! let (a, b) = net::socketpair(AddressFamily::UNIX, SocketType::STREAM, SockFlags::CLOEXEC,
//!                              Protocol::DEFAULT).unwrap();
//! let file = std::fs::File::open("/dev/null").unwrap();
//! let fds = [file.as_fd()];
//! net::sendmsg(&a, None, &[IoSlice::new(b"x")], &[SendControl::Rights(&fds)],
//!              MsgFlags::empty()).unwrap();
//!
//! let mut control = ControlBuffer::for_fds(1);
//! let mut byte = [0u8];
//! let got = net::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], &mut control,
//!                        MsgFlags::empty()).unwrap();
//! assert_eq!(got.len, 1);
//! let mut received = Vec::new();
//! for message in control.messages() {
//!     if let ControlMessage::Rights(fds) = message {
//!         received.extend(fds);
//!     }
//! }
//! assert_eq!(received.len(), 1);
//! ```

use core::mem::{offset_of, size_of};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use linux_raw_sys::net::{
    MSG_CMSG_CLOEXEC, SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET, cmsghdr, msghdr, ucred,
};

use super::addr::RawAddr;
use super::{MsgFlags, SocketAddrAny};
use crate::{Errno, Sysno, args, raw};

/// Bytes of `struct cmsghdr`, already a multiple of the alignment.
const HEADER: usize = size_of::<cmsghdr>();
/// Bytes of one descriptor in `SCM_RIGHTS` data.
const FD_BYTES: usize = size_of::<i32>();

/// `CMSG_ALIGN`: control messages start on multiples of `size_t`.
const fn cmsg_align(len: usize) -> usize {
    (len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// `CMSG_SPACE(data_len)`: the bytes a control message with `data_len` bytes of data
/// takes in a control buffer, padding included. Sizes a [`ControlBuffer`].
///
/// ```
/// use sysbridge::net::cmsg_space;
/// assert_eq!(cmsg_space(4), 24); // one descriptor: 16-byte header, 4 bytes, padding
/// ```
pub const fn cmsg_space(data_len: usize) -> usize {
    HEADER + cmsg_align(data_len)
}

/// Process credentials (`struct ucred`): sent with `SCM_CREDENTIALS`, read with
/// [`sockopt::peercred`](super::sockopt::peercred).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ucred {
    /// The process id.
    pub pid: i32,
    /// The user id.
    pub uid: u32,
    /// The group id.
    pub gid: u32,
}

impl Ucred {
    /// The data bytes of an `SCM_CREDENTIALS` message.
    fn to_bytes(self) -> [u8; size_of::<ucred>()] {
        let mut out = [0; size_of::<ucred>()];
        out[offset_of!(ucred, pid)..][..4].copy_from_slice(&self.pid.to_ne_bytes());
        out[offset_of!(ucred, uid)..][..4].copy_from_slice(&self.uid.to_ne_bytes());
        out[offset_of!(ucred, gid)..][..4].copy_from_slice(&self.gid.to_ne_bytes());
        out
    }

    fn from_bytes(data: &[u8]) -> Option<Ucred> {
        let field = |at: usize| -> Option<[u8; 4]> { data.get(at..at + 4)?.try_into().ok() };
        Some(Ucred {
            pid: i32::from_ne_bytes(field(offset_of!(ucred, pid))?),
            uid: u32::from_ne_bytes(field(offset_of!(ucred, uid))?),
            gid: u32::from_ne_bytes(field(offset_of!(ucred, gid))?),
        })
    }
}

/// A control message to send with [`sendmsg`].
#[derive(Clone, Copy, Debug)]
pub enum SendControl<'a> {
    /// `SCM_RIGHTS`: these descriptors, duplicated into the receiving process (unix
    /// sockets; at most 253 per message).
    Rights(&'a [BorrowedFd<'a>]),
    /// `SCM_CREDENTIALS`: credentials the kernel checks (your own, unless privileged;
    /// the receiver needs [`SO_PASSCRED`](super::sockopt::set_passcred)).
    Credentials(Ucred),
}

impl SendControl<'_> {
    fn data_len(&self) -> usize {
        match self {
            SendControl::Rights(fds) => fds.len() * FD_BYTES,
            SendControl::Credentials(_) => size_of::<ucred>(),
        }
    }
}

/// Writes `messages` into `buf` (zeroed, `cmsg_space` of each long).
fn encode_control(messages: &[SendControl<'_>], buf: &mut [u8]) {
    let mut at = 0;
    for message in messages {
        let data_len = message.data_len();
        let (ty, data) = buf[at..].split_at_mut(HEADER);
        ty[offset_of!(cmsghdr, cmsg_len)..][..size_of::<usize>()]
            .copy_from_slice(&(HEADER + data_len).to_ne_bytes());
        ty[offset_of!(cmsghdr, cmsg_level)..][..4].copy_from_slice(&SOL_SOCKET.to_ne_bytes());
        let kind = match message {
            SendControl::Rights(fds) => {
                for (slot, fd) in data.chunks_exact_mut(FD_BYTES).zip(fds.iter()) {
                    slot.copy_from_slice(&fd.as_raw_fd().to_ne_bytes());
                }
                SCM_RIGHTS
            }
            SendControl::Credentials(cred) => {
                data[..size_of::<ucred>()].copy_from_slice(&cred.to_bytes());
                SCM_CREDENTIALS
            }
        };
        ty[offset_of!(cmsghdr, cmsg_type)..][..4].copy_from_slice(&kind.to_ne_bytes());
        at += cmsg_space(data_len);
    }
}

/// A `msghdr` over these parts; pointers stay valid as long as the borrows do.
pub(super) fn header(
    name: Option<&mut RawAddr>,
    iov: *mut u8,
    iovlen: usize,
    control: &mut [u8],
) -> msghdr {
    let (msg_name, msg_namelen) = match name {
        Some(addr) => (addr.bytes.as_mut_ptr().cast(), addr.len as i32),
        None => (core::ptr::null_mut(), 0),
    };
    msghdr {
        msg_name,
        msg_namelen,
        msg_iov: iov.cast(),
        msg_iovlen: iovlen,
        msg_control: if control.is_empty() {
            core::ptr::null_mut()
        } else {
            control.as_mut_ptr().cast()
        },
        msg_controllen: control.len(),
        msg_flags: 0,
    }
}

/// Sends the buffers of `iov` as one message, with `control` messages, to `addr` (or
/// the connected peer). Issues `sendmsg(2)`; blocking (hooks run).
///
/// The control data is built on the stack when it takes at most 256 bytes (up to 58
/// descriptors) and on the heap otherwise.
pub fn sendmsg(
    fd: impl AsFd,
    addr: Option<SocketAddrAny>,
    iov: &[IoSlice<'_>],
    control: &[SendControl<'_>],
    flags: MsgFlags,
) -> Result<usize, Errno> {
    let space: usize = control.iter().map(|m| cmsg_space(m.data_len())).sum();
    let mut stack = [0u8; 256];
    let mut heap = Vec::new();
    let buf = if space <= stack.len() {
        &mut stack[..space]
    } else {
        heap.resize(space, 0);
        &mut heap[..]
    };
    encode_control(control, buf);
    let mut name = addr.map(|a| a.encode());
    let msg = header(
        name.as_mut(),
        iov.as_ptr().cast_mut().cast(),
        iov.len(),
        buf,
    );
    // SAFETY: the kernel reads the msghdr and what it points to: the encoded address,
    // the iovecs (`IoSlice` is ABI-compatible with `struct iovec`) and their buffers,
    // and the control bytes, all borrowed for the call. It writes no user memory.
    unsafe {
        raw::syscall3_readonly(
            Sysno::sendmsg,
            args::fd(fd.as_fd()),
            args::ptr(&msg),
            flags.bits() as usize,
        )
    }
}

/// What [`recvmsg`] received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvMsg {
    /// Bytes received (the datagram's length with [`MsgFlags::TRUNC`]).
    pub len: usize,
    /// The flags the kernel reported: [`MsgFlags::TRUNC`], [`MsgFlags::CTRUNC`],
    /// [`MsgFlags::EOR`], [`MsgFlags::OOB`], [`MsgFlags::ERRQUEUE`].
    pub flags: MsgFlags,
    /// The sender, when the protocol reports one.
    pub addr: Option<SocketAddrAny>,
}

/// Receives one message into the buffers of `iov`, and its control messages into
/// `control`. Issues `recvmsg(2)` with `MSG_CMSG_CLOEXEC` added to `flags`; blocking
/// (hooks run).
///
/// Descriptors received with `SCM_RIGHTS` therefore have `FD_CLOEXEC` set (clear it
/// with [`fcntl_setfd`](crate::fd::fcntl_setfd) to pass one on through `execve`).
/// Before the call, `control` closes the descriptors of its previous message that were
/// not taken. If the control data did not fit, [`RecvMsg::flags`] has
/// [`MsgFlags::CTRUNC`] and `control` holds what did.
pub fn recvmsg(
    fd: impl AsFd,
    iov: &mut [IoSliceMut<'_>],
    control: &mut ControlBuffer,
    flags: MsgFlags,
) -> Result<RecvMsg, Errno> {
    control.clear();
    let mut name = RawAddr::buffer();
    let mut msg = header(
        Some(&mut name),
        iov.as_mut_ptr().cast(),
        iov.len(),
        &mut control.buf,
    );
    // SAFETY: the kernel writes through the msghdr into what it points to, within the
    // lengths given: the address buffer, the iovecs' buffers (`IoSliceMut` is
    // ABI-compatible with `struct iovec`, each borrowing its buffer mutably) and the
    // control buffer; and updates the msghdr itself. All are borrowed mutably.
    let len = unsafe {
        raw::syscall3(
            Sysno::recvmsg,
            args::fd(fd.as_fd()),
            args::mut_ptr(&mut msg),
            (flags.bits() | MSG_CMSG_CLOEXEC) as usize,
        )
    }?;
    control.len = msg.msg_controllen.min(control.buf.len());
    name.len = msg.msg_namelen as u32;
    Ok(RecvMsg {
        len,
        // The kernel echoes the MSG_CMSG_CLOEXEC we added; the caller did not ask.
        flags: MsgFlags::from_bits_retain(msg.msg_flags & !MSG_CMSG_CLOEXEC),
        addr: SocketAddrAny::decode(&name),
    })
}

/// Room for the control messages [`recvmsg`] receives, and the owner of the
/// descriptors they carry until they are taken.
///
/// ```
/// use sysbridge::net::{cmsg_space, ControlBuffer};
/// let buf = ControlBuffer::with_capacity(cmsg_space(4 * 8) + cmsg_space(12));
/// assert_eq!(buf.capacity(), 48 + 32);
/// ```
#[derive(Debug, Default)]
pub struct ControlBuffer {
    buf: Vec<u8>,
    /// Bytes the last [`recvmsg`] filled; zero once cleared.
    len: usize,
}

impl ControlBuffer {
    /// A buffer of `bytes` bytes (see [`cmsg_space`]).
    pub fn with_capacity(bytes: usize) -> ControlBuffer {
        ControlBuffer {
            buf: vec![0; bytes],
            len: 0,
        }
    }

    /// A buffer with room for one `SCM_RIGHTS` message of `fds` descriptors.
    pub fn for_fds(fds: usize) -> ControlBuffer {
        ControlBuffer::with_capacity(cmsg_space(fds.saturating_mul(FD_BYTES)))
    }

    /// Its size in bytes.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The control messages of the last [`recvmsg`]. A descriptor taken from
    /// [`ControlMessage::Rights`] is the caller's; the others stay with the buffer.
    /// A malformed or truncated message ends the iteration.
    pub fn messages(&mut self) -> ControlMessages<'_> {
        ControlMessages {
            rest: &mut self.buf[..self.len],
        }
    }

    /// Closes the descriptors not taken and forgets the messages (no system call but
    /// the `close` of each such descriptor).
    pub fn clear(&mut self) {
        for message in self.messages() {
            if let ControlMessage::Rights(fds) = message {
                fds.for_each(drop);
            }
        }
        self.len = 0;
    }
}

impl Drop for ControlBuffer {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Splits the next control message off `rest`: its level, type and data. `None` at
/// the end or at a header that does not fit or lies about its length.
fn next_message<'a>(rest: &mut &'a mut [u8]) -> Option<(u32, u32, &'a mut [u8])> {
    let buf = core::mem::take(rest);
    let word = |at: usize| buf.get(at..at + 4).and_then(|b| b.try_into().ok());
    let len_at = offset_of!(cmsghdr, cmsg_len);
    let len = usize::from_ne_bytes(
        buf.get(len_at..len_at + size_of::<usize>())?
            .try_into()
            .ok()?,
    );
    let level = u32::from_ne_bytes(word(offset_of!(cmsghdr, cmsg_level))?);
    let ty = u32::from_ne_bytes(word(offset_of!(cmsghdr, cmsg_type))?);
    if len < HEADER || len > buf.len() {
        return None;
    }
    let (this, after) = buf.split_at_mut(cmsg_align(len).min(buf.len()));
    *rest = after;
    Some((level, ty, &mut this[HEADER..len]))
}

/// The control messages of a [`ControlBuffer`], from [`ControlBuffer::messages`].
#[derive(Debug)]
pub struct ControlMessages<'a> {
    rest: &'a mut [u8],
}

impl<'a> Iterator for ControlMessages<'a> {
    type Item = ControlMessage<'a>;

    fn next(&mut self) -> Option<ControlMessage<'a>> {
        let (level, ty, data) = next_message(&mut self.rest)?;
        Some(match (level, ty) {
            (SOL_SOCKET, SCM_RIGHTS) => ControlMessage::Rights(Rights {
                slots: data.chunks_exact_mut(FD_BYTES),
            }),
            (SOL_SOCKET, SCM_CREDENTIALS) => match Ucred::from_bytes(data) {
                Some(cred) => ControlMessage::Credentials(cred),
                None => ControlMessage::Other { level, ty, data },
            },
            _ => ControlMessage::Other { level, ty, data },
        })
    }
}

/// One received control message.
#[derive(Debug)]
pub enum ControlMessage<'a> {
    /// `SCM_RIGHTS`: the descriptors, to be taken.
    Rights(Rights<'a>),
    /// `SCM_CREDENTIALS`: the sender's credentials, checked by the kernel.
    Credentials(Ucred),
    /// Any other message (or a credentials message too short to decode): its level,
    /// type and data.
    Other {
        /// `cmsg_level`.
        level: u32,
        /// `cmsg_type`.
        ty: u32,
        /// The data, without padding.
        data: &'a [u8],
    },
}

/// The descriptors of an `SCM_RIGHTS` message: each one taken becomes the caller's
/// [`OwnedFd`]; those not taken stay with the [`ControlBuffer`], which closes them.
#[derive(Debug)]
pub struct Rights<'a> {
    slots: core::slice::ChunksExactMut<'a, u8>,
}

impl Iterator for Rights<'_> {
    type Item = OwnedFd;

    fn next(&mut self) -> Option<OwnedFd> {
        for slot in self.slots.by_ref() {
            let fd = i32::from_ne_bytes(slot.try_into().ok()?);
            if fd >= 0 {
                // Taken: the buffer must neither hand it out again nor close it.
                slot.copy_from_slice(&(-1i32).to_ne_bytes());
                // SAFETY: the kernel wrote this number into our private buffer as a
                // descriptor it had just installed in this process for us, and the slot
                // was not marked taken, so nothing else owns it.
                return Some(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks any bytes as control messages: never panics, never reads past the end.
    fn walk(mut bytes: &mut [u8]) -> usize {
        let mut n = 0;
        while let Some((_, _, data)) = next_message(&mut bytes) {
            n += data.len();
        }
        n
    }

    #[test]
    fn encoded_messages_parse_back() {
        let cred = Ucred {
            pid: 1,
            uid: 2,
            gid: 3,
        };
        let msgs = [
            SendControl::Credentials(cred),
            SendControl::Credentials(cred),
        ];
        let mut buf = vec![0u8; 2 * cmsg_space(12)];
        encode_control(&msgs, &mut buf);
        let mut rest = &mut buf[..];
        for _ in 0..2 {
            let (level, ty, data) = next_message(&mut rest).unwrap();
            assert_eq!((level, ty), (SOL_SOCKET, SCM_CREDENTIALS));
            assert_eq!(Ucred::from_bytes(data), Some(cred));
        }
        assert!(next_message(&mut rest).is_none());
    }

    #[test]
    fn lying_lengths_end_the_walk() {
        let mut buf = [0u8; 40];
        buf[..8].copy_from_slice(&1000usize.to_ne_bytes());
        assert_eq!(walk(&mut buf), 0);
        buf[..8].copy_from_slice(&3usize.to_ne_bytes());
        assert_eq!(walk(&mut buf), 0);
        buf[..8].copy_from_slice(&40usize.to_ne_bytes());
        assert_eq!(walk(&mut buf), 24);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_walk_safely(mut bytes in proptest::collection::vec(0u8..=255, 0..200)) {
            let total = bytes.len();
            proptest::prop_assert!(walk(&mut bytes) <= total);
        }
    }
}
