//! The mapping between Win32 errors and POSIX errno values:
//! [`Win32Error::to_errno`] and [`Win32Error::from_errno`], both read from one table,
//! [`ERRNO_TABLE`].
//!
//! The errno values are those of the C runtime on Windows ([`errno`](crate::errno),
//! generated from mingw-w64's `errno.h`; the UCRT uses the same numbers), because that
//! is what `errno` holds in a Windows process and what the `libc` crate's `E*` constants
//! are there. They differ from Linux's above `ENOTEMPTY` (Linux `ENOSYS` is 38, the
//! CRT's 40); code bridging to Linux numbers should go by name
//! ([`errno::name`](crate::errno::name)), which both sides share.
//!
//! How the table was drawn up:
//! - One row per errno value. Its first Win32 error is the one [`from_errno`]
//!   returns (the code a Win32 function would set for that condition); every Win32
//!   error of the row maps to that errno ([`to_errno`]). A Win32 error appears in at
//!   most one row, so both directions are functions and every row round-trips.
//! - A Win32 error is listed where it means the same condition as the errno, by the
//!   Win32 documentation's text, the C runtime's own `_dosmaperr` choices (for example
//!   `ERROR_SHARING_VIOLATION` is `EACCES`) and std's `io::ErrorKind` decoding. The
//!   socket errnos take the matching Winsock codes (`WSAECONNREFUSED` …) first, then
//!   their Win32 twins (`ERROR_CONNECTION_REFUSED`).
//! - The errno values with no Windows counterpart are listed, with the reason, in
//!   [`ERRNO_WITHOUT_WIN32`]; a test checks that every errno value of the header is in
//!   exactly one of the two tables. Win32 errors not in the table have no errno
//!   (`to_errno` returns `None`), unlike Go, which invents `E*` values on Windows.
//!
//! [`from_errno`]: Win32Error::from_errno
//! [`to_errno`]: Win32Error::to_errno

use crate::codes::*;
use crate::errno::*;
use crate::Win32Error;

/// `(errno, [Win32 errors])`: the Win32 errors that mean `errno`, the one
/// [`Win32Error::from_errno`] gives first.
pub static ERRNO_TABLE: &[(i32, &[Win32Error])] = &[
    (EPERM, &[ERROR_PRIVILEGE_NOT_HELD, ERROR_NOT_OWNER]),
    (
        ENOENT,
        &[
            ERROR_FILE_NOT_FOUND,
            ERROR_PATH_NOT_FOUND,
            ERROR_INVALID_DRIVE,
            ERROR_NO_MORE_FILES,
            ERROR_BAD_NETPATH,
            ERROR_BAD_NET_NAME,
            ERROR_BAD_PATHNAME,
            ERROR_MOD_NOT_FOUND,
        ],
    ),
    (EINTR, &[WSAEINTR]),
    (
        EIO,
        &[
            ERROR_IO_DEVICE,
            ERROR_CRC,
            ERROR_SECTOR_NOT_FOUND,
            ERROR_WRITE_FAULT,
            ERROR_READ_FAULT,
            ERROR_GEN_FAILURE,
        ],
    ),
    (ENXIO, &[ERROR_DEVICE_NOT_CONNECTED, ERROR_NOT_READY]),
    (E2BIG, &[ERROR_BAD_ENVIRONMENT]),
    (
        ENOEXEC,
        &[
            ERROR_BAD_EXE_FORMAT,
            ERROR_BAD_FORMAT,
            ERROR_INVALID_EXE_SIGNATURE,
            ERROR_EXE_MARKED_INVALID,
        ],
    ),
    (
        EBADF,
        &[
            ERROR_INVALID_HANDLE,
            ERROR_INVALID_TARGET_HANDLE,
            ERROR_DIRECT_ACCESS_HANDLE,
            WSAEBADF,
        ],
    ),
    (ECHILD, &[ERROR_WAIT_NO_CHILDREN, ERROR_CHILD_NOT_COMPLETE]),
    (
        EAGAIN,
        &[
            ERROR_RETRY,
            ERROR_NO_PROC_SLOTS,
            ERROR_MAX_THRDS_REACHED,
            ERROR_NESTING_NOT_ALLOWED,
        ],
    ),
    (
        ENOMEM,
        &[
            ERROR_NOT_ENOUGH_MEMORY,
            ERROR_OUTOFMEMORY,
            ERROR_ARENA_TRASHED,
            ERROR_INVALID_BLOCK,
            ERROR_NOT_ENOUGH_QUOTA,
            ERROR_COMMITMENT_LIMIT,
            ERROR_NO_SYSTEM_RESOURCES,
        ],
    ),
    (
        EACCES,
        &[
            ERROR_ACCESS_DENIED,
            ERROR_SHARING_VIOLATION,
            ERROR_LOCK_VIOLATION,
            ERROR_INVALID_ACCESS,
            ERROR_CURRENT_DIRECTORY,
            ERROR_NETWORK_ACCESS_DENIED,
            ERROR_CANNOT_MAKE,
            ERROR_FAIL_I24,
            ERROR_DRIVE_LOCKED,
            WSAEACCES,
        ],
    ),
    (EFAULT, &[ERROR_NOACCESS, ERROR_INVALID_ADDRESS, WSAEFAULT]),
    (
        EBUSY,
        &[
            ERROR_BUSY,
            ERROR_PATH_BUSY,
            ERROR_BUSY_DRIVE,
            ERROR_PIPE_BUSY,
            ERROR_DEVICE_IN_USE,
        ],
    ),
    (EEXIST, &[ERROR_ALREADY_EXISTS, ERROR_FILE_EXISTS]),
    (EXDEV, &[ERROR_NOT_SAME_DEVICE]),
    (
        ENODEV,
        &[ERROR_BAD_UNIT, ERROR_DEV_NOT_EXIST, ERROR_BAD_DEVICE],
    ),
    (ENOTDIR, &[ERROR_DIRECTORY]),
    (EISDIR, &[ERROR_DIRECTORY_NOT_SUPPORTED]),
    (
        EINVAL,
        &[
            ERROR_INVALID_PARAMETER,
            ERROR_INVALID_FUNCTION,
            ERROR_INVALID_DATA,
            ERROR_NEGATIVE_SEEK,
            ERROR_INVALID_FLAGS,
            ERROR_BAD_ARGUMENTS,
            ERROR_INVALID_NAME,
            WSAEINVAL,
        ],
    ),
    (EMFILE, &[ERROR_TOO_MANY_OPEN_FILES, WSAEMFILE]),
    (EFBIG, &[ERROR_FILE_TOO_LARGE]),
    (ENOSPC, &[ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL]),
    (ESPIPE, &[ERROR_SEEK_ON_DEVICE]),
    (EROFS, &[ERROR_WRITE_PROTECT]),
    (EMLINK, &[ERROR_TOO_MANY_LINKS]),
    (EPIPE, &[ERROR_BROKEN_PIPE, ERROR_NO_DATA]),
    (EDEADLK, &[ERROR_POSSIBLE_DEADLOCK]),
    (ENAMETOOLONG, &[ERROR_FILENAME_EXCED_RANGE, WSAENAMETOOLONG]),
    (ENOLCK, &[ERROR_SHARING_BUFFER_EXCEEDED, ERROR_LOCK_FAILED]),
    (ENOSYS, &[ERROR_CALL_NOT_IMPLEMENTED]),
    (ENOTEMPTY, &[ERROR_DIR_NOT_EMPTY, WSAENOTEMPTY]),
    (ERANGE, &[ERROR_INSUFFICIENT_BUFFER]),
    (EILSEQ, &[ERROR_NO_UNICODE_TRANSLATION]),
    (EADDRINUSE, &[WSAEADDRINUSE]),
    (EADDRNOTAVAIL, &[WSAEADDRNOTAVAIL]),
    (EAFNOSUPPORT, &[WSAEAFNOSUPPORT]),
    (EALREADY, &[WSAEALREADY]),
    (
        ECANCELED,
        &[ERROR_OPERATION_ABORTED, ERROR_CANCELLED, WSAECANCELLED],
    ),
    (ECONNABORTED, &[WSAECONNABORTED, ERROR_CONNECTION_ABORTED]),
    (ECONNREFUSED, &[WSAECONNREFUSED, ERROR_CONNECTION_REFUSED]),
    (ECONNRESET, &[WSAECONNRESET, ERROR_NETNAME_DELETED]),
    (EDESTADDRREQ, &[WSAEDESTADDRREQ]),
    (EHOSTUNREACH, &[WSAEHOSTUNREACH, ERROR_HOST_UNREACHABLE]),
    (EINPROGRESS, &[WSAEINPROGRESS, ERROR_IO_PENDING]),
    (EISCONN, &[WSAEISCONN]),
    (ELOOP, &[ERROR_CANT_RESOLVE_FILENAME, WSAELOOP]),
    (EMSGSIZE, &[WSAEMSGSIZE]),
    (ENETDOWN, &[WSAENETDOWN]),
    (ENETRESET, &[WSAENETRESET]),
    (ENETUNREACH, &[WSAENETUNREACH, ERROR_NETWORK_UNREACHABLE]),
    (ENOBUFS, &[WSAENOBUFS]),
    (ENOPROTOOPT, &[WSAENOPROTOOPT]),
    (ENOTCONN, &[WSAENOTCONN]),
    (ENOTSOCK, &[WSAENOTSOCK]),
    (ENOTSUP, &[ERROR_NOT_SUPPORTED]),
    (EOPNOTSUPP, &[WSAEOPNOTSUPP]),
    (EOVERFLOW, &[ERROR_ARITHMETIC_OVERFLOW]),
    (EOWNERDEAD, &[ERROR_ABANDONED_WAIT_0]),
    (EPROTONOSUPPORT, &[WSAEPROTONOSUPPORT]),
    (EPROTOTYPE, &[WSAEPROTOTYPE]),
    (
        ETIMEDOUT,
        &[ERROR_TIMEOUT, WAIT_TIMEOUT, ERROR_SEM_TIMEOUT, WSAETIMEDOUT],
    ),
    (EWOULDBLOCK, &[WSAEWOULDBLOCK]),
];

/// `(errno, reason)`: the C runtime's errno values that no Win32 error stands for.
pub static ERRNO_WITHOUT_WIN32: &[(i32, &str)] = &[
    (
        ESRCH,
        "no process or thread lookup reports a missing one distinctly: OpenProcess with an unknown id gives ERROR_INVALID_PARAMETER",
    ),
    (
        ENFILE,
        "Windows has no system-wide open-file table whose exhaustion is reported as such",
    ),
    (ENOTTY, "Windows has no terminal ioctls to be inappropriate for"),
    (EDOM, "a math-library error; no Win32 function reports it"),
    (
        STRUNCATE,
        "a C runtime convention for truncating string functions (strncpy_s), not an OS error",
    ),
    (EBADMSG, "a STREAMS/message-queue error; Windows has neither"),
    (EIDRM, "System V IPC (identifier removed); Windows has none"),
    (ENODATA, "a STREAMS error; Windows has no STREAMS"),
    (ENOLINK, "a STREAMS/remote-link error; Windows has no STREAMS"),
    (ENOMSG, "System V message queues; Windows has none"),
    (ENOSR, "a STREAMS error; Windows has no STREAMS"),
    (ENOSTR, "a STREAMS error; Windows has no STREAMS"),
    (
        ENOTRECOVERABLE,
        "robust POSIX mutexes; a Windows mutex whose owner died is reported once, as abandoned (EOWNERDEAD), and stays usable",
    ),
    (
        EPROTO,
        "a generic protocol error; Winsock reports the specific failure instead",
    ),
    (ETIME, "a STREAMS ioctl timer; Windows has no STREAMS"),
    (
        ETXTBSY,
        "Windows refuses writes to a running executable with the generic ERROR_SHARING_VIOLATION (EACCES)",
    ),
];

impl Win32Error {
    /// The POSIX errno value (the C runtime's numbering, [`errno`](crate::errno)) this
    /// error means, from [`ERRNO_TABLE`]; `None` for a Win32 error with no POSIX
    /// counterpart. `ERROR_FILE_NOT_FOUND` and `ERROR_PATH_NOT_FOUND` both give `ENOENT`.
    pub fn to_errno(self) -> Option<i32> {
        ERRNO_TABLE
            .iter()
            .find(|(_, errors)| errors.contains(&self))
            .map(|&(errno, _)| errno)
    }

    /// The Win32 error that stands for the errno value `errno` (the first of its row in
    /// [`ERRNO_TABLE`]); `None` for an errno listed in [`ERRNO_WITHOUT_WIN32`] or
    /// unknown. `ENOENT` gives `ERROR_FILE_NOT_FOUND`.
    pub fn from_errno(errno: i32) -> Option<Win32Error> {
        ERRNO_TABLE
            .iter()
            .find(|&&(e, _)| e == errno)
            .and_then(|(_, errors)| errors.first().copied())
    }
}
