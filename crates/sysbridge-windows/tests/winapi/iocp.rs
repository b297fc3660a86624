use std::time::Duration;

use sysbridge_windows::codes;
use sysbridge_windows::fs::{CreationDisposition, FileAccess, FileFlags, FileShare};
use sysbridge_windows::iocp::{CompletionPort, OverlappedFile, ReadOp};

use crate::temp_path;

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
