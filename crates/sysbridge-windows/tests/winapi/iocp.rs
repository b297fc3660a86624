use std::os::windows::io::{FromRawHandle, RawHandle};
use std::time::Duration;

use sysbridge_windows::fs::{write_file, CreationDisposition, FileAccess, FileFlags, FileShare};
use sysbridge_windows::iocp::{CompletionPort, OverlappedFile, ReadOp};
use sysbridge_windows::wide::WideCString;
use sysbridge_windows::{codes, LazyProc, OwnedHandle};

use crate::{temp_path, KERNEL32};

const DATA: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const LONG: Option<Duration> = Some(Duration::from_secs(30));

fn open(tag: &str) -> (std::path::PathBuf, OverlappedFile) {
    let path = temp_path(tag);
    std::fs::write(&path, DATA).unwrap();
    let file = OverlappedFile::open(
        &path,
        FileAccess::GENERIC_READ,
        FileShare::READ | FileShare::DELETE,
        CreationDisposition::OpenExisting,
        FileFlags::empty(),
    )
    .unwrap();
    (path, file)
}

#[test]
fn overlapped_reads_complete_through_the_port() {
    let (path, file) = open("iocp");
    let port = CompletionPort::new(0).unwrap();
    port.associate(&file, 7).unwrap();

    // Two reads in flight at once, at different offsets.
    let first = ReadOp::start(&file, 3, 10).unwrap();
    let second = ReadOp::start(&file, 30, 100).unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let c = port.get(LONG).unwrap();
        assert_eq!(c.key, 7);
        assert_eq!(c.result, Ok(()));
        seen.push((c.id, c.bytes));
    }
    seen.sort_unstable();
    let mut expected = vec![(first.id(), 10), (second.id(), 6)];
    expected.sort_unstable();
    assert_eq!(seen, expected);
    assert_eq!(first.finish().unwrap(), b"3456789abc");
    assert_eq!(second.finish().unwrap(), b"uvwxyz");

    // Nothing else is queued.
    let idle = port.get(Some(Duration::from_millis(10))).unwrap_err();
    assert_eq!(idle, codes::WAIT_TIMEOUT);
    drop(file);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_read_at_the_end_reports_eof() {
    let (path, file) = open("iocp-eof");
    let port = CompletionPort::new(1).unwrap();
    port.associate(&file, 1).unwrap();
    // Either ReadFile fails at once, or the failure arrives as a completion.
    match ReadOp::start(&file, DATA.len() as u64 + 5, 8) {
        Err(err) => assert_eq!(err, codes::ERROR_HANDLE_EOF),
        Ok(op) => {
            let c = port.get(LONG).unwrap();
            assert_eq!((c.id, c.bytes), (op.id(), 0));
            assert_eq!(c.result, Err(codes::ERROR_HANDLE_EOF));
            assert_eq!(op.finish(), Err(codes::ERROR_HANDLE_EOF));
        }
    }
    drop(file);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn posted_packets_and_unfinished_reads() {
    let (path, file) = open("iocp-post");
    let port = CompletionPort::new(0).unwrap();
    port.associate(&file, 3).unwrap();
    port.post(5, 99).unwrap();
    let c = port.get(LONG).unwrap();
    assert_eq!((c.key, c.bytes, c.id, c.result), (99, 5, 0, Ok(())));

    // Dropping a read that was never finished cancels or waits for it: its completion
    // still arrives, and the memory it pointed to is no longer used.
    let op = ReadOp::start(&file, 0, 4).unwrap();
    let id = op.id();
    drop(op);
    let c = port.get(LONG).unwrap();
    assert_eq!((c.key, c.id), (3, id));
    drop(file);
    std::fs::remove_file(&path).unwrap();
}

static CREATE_NAMED_PIPE: LazyProc = KERNEL32.proc("CreateNamedPipeW");

/// The server end of a new outbound byte pipe (`CreateNamedPipeW`, synchronous).
fn pipe_server(name: &str) -> OwnedHandle {
    let wide = WideCString::new(name).unwrap();
    let (pipe_access_outbound, one_instance, size) = (2, 1, 4096);
    // SAFETY: CreateNamedPipeW(LPCWSTR name, DWORD open mode, DWORD pipe mode (byte,
    // blocking: 0), DWORD max instances, DWORD out size, DWORD in size, DWORD timeout,
    // LPSECURITY_ATTRIBUTES (null)); the name is NUL-terminated and alive.
    let (handle, _, err) = unsafe {
        CREATE_NAMED_PIPE.call(&[
            wide.as_ptr() as usize,
            pipe_access_outbound,
            0,
            one_instance,
            size,
            size,
            0,
            0,
        ])
    };
    assert!(
        handle != 0 && handle != usize::MAX,
        "CreateNamedPipeW: {}",
        err
    );
    // SAFETY: a fresh handle that nothing else owns.
    unsafe { OwnedHandle::from_raw_handle(handle as RawHandle) }
}

#[test]
fn a_pending_read_completes_when_data_arrives_or_is_cancelled() {
    let unique = temp_path("pipe");
    let name = format!(
        r"\\.\pipe\{}",
        unique.file_name().unwrap().to_string_lossy()
    );
    let server = pipe_server(&name);
    let client = OverlappedFile::open(
        &name,
        FileAccess::GENERIC_READ,
        FileShare::empty(),
        CreationDisposition::OpenExisting,
        FileFlags::empty(),
    )
    .unwrap();
    let port = CompletionPort::new(0).unwrap();
    port.associate(&client, 11).unwrap();

    // Nothing written yet: the read stays pending and no packet comes.
    let op = ReadOp::start(&client, 0, 16).unwrap();
    let idle = port.get(Some(Duration::from_millis(100))).unwrap_err();
    assert_eq!(idle, codes::WAIT_TIMEOUT);
    assert_eq!(write_file(&server, b"ping").unwrap(), 4);
    let c = port.get(LONG).unwrap();
    assert_eq!((c.key, c.id, c.bytes, c.result), (11, op.id(), 4, Ok(())));
    assert_eq!(op.finish().unwrap(), b"ping");

    // Dropped while pending: cancelled (CancelIoEx), and the packet says so.
    let op = ReadOp::start(&client, 0, 16).unwrap();
    let id = op.id();
    drop(op);
    let c = port.get(LONG).unwrap();
    assert_eq!((c.id, c.bytes), (id, 0));
    assert_eq!(c.result, Err(codes::ERROR_OPERATION_ABORTED));
}
