use std::collections::HashSet;
use std::io;

use sysbridge_windows::errno_map::{ERRNO_TABLE, ERRNO_WITHOUT_WIN32};
use sysbridge_windows::{codes, errno, Win32Error};

#[test]
fn names_and_codes() {
    assert_eq!(codes::ERROR_ACCESS_DENIED.code(), 5);
    assert_eq!(Win32Error::new(5).name(), Some("ERROR_ACCESS_DENIED"));
    assert_eq!(Win32Error::new(0).name(), Some("ERROR_SUCCESS")); // not NO_ERROR
    assert_eq!(Win32Error::new(10061).name(), Some("WSAECONNREFUSED"));
    assert_eq!(
        Win32Error::new(336).name(),
        Some("ERROR_DIRECTORY_NOT_SUPPORTED")
    );
    assert_eq!(Win32Error::new(0xDEAD_BEEF).name(), None);
    assert_eq!(
        Win32Error::from_name("ERROR_HANDLE_EOF"),
        Some(codes::ERROR_HANDLE_EOF)
    );
    assert_eq!(Win32Error::from_name("ERROR_NOT_A_NAME"), None);
    assert_eq!(
        format!("{:?}", codes::ERROR_HANDLE_EOF),
        "ERROR_HANDLE_EOF(38)"
    );
    assert_eq!(
        format!("{:?}", Win32Error::new(0xDEAD_BEEF)),
        "Win32Error(3735928559)"
    );
}

#[test]
fn messages_come_from_the_system() {
    let message = codes::ERROR_FILE_NOT_FOUND.message();
    assert!(
        !message.is_empty() && !message.starts_with("Win32 error"),
        "{:?}",
        message
    );
    assert!(!message.ends_with('\n') && !message.ends_with('\r'));
    assert!(message.to_lowercase().contains("file"), "{:?}", message);
    assert_eq!(
        Win32Error::new(0xDEAD_BEEF).message(),
        "Win32 error 3735928559"
    );
    let shown = codes::ERROR_FILE_NOT_FOUND.to_string();
    assert_eq!(shown, format!("ERROR_FILE_NOT_FOUND (2): {}", message));
}

#[test]
fn io_error_keeps_the_raw_code() {
    for (err, kind) in [
        (codes::ERROR_FILE_NOT_FOUND, io::ErrorKind::NotFound),
        (codes::ERROR_ACCESS_DENIED, io::ErrorKind::PermissionDenied),
        (codes::ERROR_ALREADY_EXISTS, io::ErrorKind::AlreadyExists),
        (codes::ERROR_BROKEN_PIPE, io::ErrorKind::BrokenPipe),
    ] {
        let io = io::Error::from(err);
        assert_eq!(io.raw_os_error(), Some(err.code() as i32));
        assert_eq!(io.kind(), kind, "{:?}", err);
        assert_eq!(Win32Error::from_io_error(&io), Some(err));
    }
    let std_err = std::fs::File::open("C:\\sysbridge\\no\\such\\file").unwrap_err();
    assert_eq!(
        Win32Error::from_io_error(&std_err),
        Some(codes::ERROR_PATH_NOT_FOUND)
    );
    assert_eq!(
        Win32Error::from_io_error(&io::Error::new(io::ErrorKind::Other, "x")),
        None
    );
}

#[test]
fn ntstatus_maps_through_rtl_nt_status_to_dos_error() {
    for (status, expected) in [
        (0x0000_0000u32, codes::ERROR_SUCCESS),
        (0xC000_0005, codes::ERROR_NOACCESS), // STATUS_ACCESS_VIOLATION
        (0xC000_0017, codes::ERROR_NOT_ENOUGH_MEMORY), // STATUS_NO_MEMORY
        (0xC000_0022, codes::ERROR_ACCESS_DENIED), // STATUS_ACCESS_DENIED
        (0xC000_0034, codes::ERROR_FILE_NOT_FOUND), // STATUS_OBJECT_NAME_NOT_FOUND
        (0xC000_003A, codes::ERROR_PATH_NOT_FOUND), // STATUS_OBJECT_PATH_NOT_FOUND
        (0xC000_0035, codes::ERROR_ALREADY_EXISTS), // STATUS_OBJECT_NAME_COLLISION
        (0xC000_0008, codes::ERROR_INVALID_HANDLE), // STATUS_INVALID_HANDLE
        (0xC000_0011, codes::ERROR_HANDLE_EOF), // STATUS_END_OF_FILE
    ] {
        assert_eq!(
            Win32Error::from_ntstatus(status as i32),
            expected,
            "{:#x}",
            status
        );
    }
    // A status with no Win32 counterpart.
    assert_eq!(
        Win32Error::from_ntstatus(0x1234_5678),
        codes::ERROR_MR_MID_NOT_FOUND
    );
}

#[test]
fn every_mapping_entry_round_trips() {
    for &(e, errors) in ERRNO_TABLE {
        let canonical = Win32Error::from_errno(e).unwrap();
        assert_eq!(canonical, errors[0], "{}", errno::name(e).unwrap());
        assert_eq!(canonical.to_errno(), Some(e), "{:?}", canonical);
        for &err in errors {
            assert_eq!(err.to_errno(), Some(e), "{:?}", err);
            assert_eq!(
                Win32Error::from_errno(e).and_then(Win32Error::to_errno),
                Some(e)
            );
        }
    }
}

#[test]
fn mapping_is_a_function_both_ways_over_named_values() {
    let mut errnos = HashSet::new();
    let mut win32 = HashSet::new();
    for &(e, errors) in ERRNO_TABLE {
        assert!(errnos.insert(e), "errno {} has two rows", e);
        assert!(!errors.is_empty());
        assert!(errno::name(e).is_some(), "errno {} is not in errno.h", e);
        for &err in errors {
            assert!(win32.insert(err), "{:?} is in two rows", err);
            assert!(err.name().is_some(), "{} is not in winerror.h", err.code());
        }
    }
}

#[test]
fn every_errno_value_is_mapped_or_explained() {
    let mapped: HashSet<i32> = ERRNO_TABLE.iter().map(|&(e, _)| e).collect();
    let unmapped: HashSet<i32> = ERRNO_WITHOUT_WIN32.iter().map(|&(e, _)| e).collect();
    assert!(mapped.is_disjoint(&unmapped));
    let all = (0..200).filter(|&v| errno::name(v).is_some());
    for value in all {
        let name = errno::name(value).unwrap();
        assert!(
            mapped.contains(&value) || unmapped.contains(&value),
            "{} ({}) is neither mapped nor explained",
            name,
            value
        );
    }
    for &(e, reason) in ERRNO_WITHOUT_WIN32 {
        assert_eq!(Win32Error::from_errno(e), None);
        assert!(!reason.is_empty());
    }
}

#[test]
fn well_known_pairs() {
    for (err, e) in [
        (codes::ERROR_FILE_NOT_FOUND, errno::ENOENT),
        (codes::ERROR_PATH_NOT_FOUND, errno::ENOENT),
        (codes::ERROR_ACCESS_DENIED, errno::EACCES),
        (codes::ERROR_INVALID_HANDLE, errno::EBADF),
        (codes::ERROR_NOT_ENOUGH_MEMORY, errno::ENOMEM),
        (codes::ERROR_INVALID_PARAMETER, errno::EINVAL),
        (codes::ERROR_BROKEN_PIPE, errno::EPIPE),
        (codes::WSAEWOULDBLOCK, errno::EWOULDBLOCK),
        (codes::WSAECONNREFUSED, errno::ECONNREFUSED),
        (codes::ERROR_DIRECTORY_NOT_SUPPORTED, errno::EISDIR),
    ] {
        assert_eq!(err.to_errno(), Some(e), "{:?}", err);
    }
    assert_eq!(
        Win32Error::from_errno(errno::ENOENT),
        Some(codes::ERROR_FILE_NOT_FOUND)
    );
    assert_eq!(codes::ERROR_PROC_NOT_FOUND.to_errno(), None);
    assert_eq!(Win32Error::from_errno(errno::ESRCH), None);
    assert_eq!(Win32Error::from_errno(12345), None);
    // The C runtime's numbering, not Linux's.
    assert_eq!(
        (errno::ENOSYS, errno::ENOTEMPTY, errno::EWOULDBLOCK),
        (40, 41, 140)
    );
}
