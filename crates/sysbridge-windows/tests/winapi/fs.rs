use std::io::{Read, SeekFrom};

use sysbridge_windows::fs::{
    create_directory, create_file, delete_file, flush_file_buffers, get_file_size, read_file,
    remove_directory, set_file_pointer, write_file, CreationDisposition, FileAccess, FileFlags,
    FileShare,
};
use sysbridge_windows::handle::close_handle;
use sysbridge_windows::{codes, errno, Win32Error};

use crate::temp_path;

const RW: FileAccess = FileAccess::GENERIC_READ.union(FileAccess::GENERIC_WRITE);

#[test]
fn file_created_written_read_back_sized_and_deleted() {
    let path = temp_path("file.bin");
    let file = create_file(
        &path,
        RW,
        FileShare::READ,
        CreationDisposition::CreateNew,
        FileFlags::ATTRIBUTE_NORMAL,
    )
    .unwrap();
    assert_eq!(get_file_size(&file).unwrap(), 0);
    assert_eq!(write_file(&file, b"hello, ").unwrap(), 7);
    assert_eq!(write_file(&file, b"windows").unwrap(), 7);
    flush_file_buffers(&file).unwrap();
    assert_eq!(get_file_size(&file).unwrap(), 14);

    // The file pointer is at the end: nothing left to read.
    let mut buf = [0u8; 32];
    assert_eq!(read_file(&file, &mut buf).unwrap(), 0);
    assert_eq!(set_file_pointer(&file, SeekFrom::Start(0)).unwrap(), 0);
    let n = read_file(&file, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello, windows");
    assert_eq!(set_file_pointer(&file, SeekFrom::End(-7)).unwrap(), 7);
    assert_eq!(set_file_pointer(&file, SeekFrom::Current(2)).unwrap(), 9);
    let n = read_file(&file, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"ndows");
    assert_eq!(
        set_file_pointer(&file, SeekFrom::Current(-100)),
        Err(codes::ERROR_NEGATIVE_SEEK)
    );

    // std sees the same bytes through its own handle (share mode READ allows it).
    assert_eq!(std::fs::read(&path).unwrap(), b"hello, windows");
    close_handle(file).unwrap();

    delete_file(&path).unwrap();
    assert!(!path.exists());
    assert_eq!(delete_file(&path), Err(codes::ERROR_FILE_NOT_FOUND));
}

#[test]
fn missing_file_is_error_file_not_found_which_is_enoent() {
    let path = temp_path("missing");
    let err = create_file(
        &path,
        FileAccess::GENERIC_READ,
        FileShare::READ,
        CreationDisposition::OpenExisting,
        FileFlags::empty(),
    )
    .unwrap_err();
    assert_eq!(err, codes::ERROR_FILE_NOT_FOUND);
    assert_eq!(err.code(), 2);
    assert_eq!(err.name(), Some("ERROR_FILE_NOT_FOUND"));
    assert_eq!(err.to_errno(), Some(errno::ENOENT));
    let io = std::io::Error::from(err);
    assert_eq!(io.raw_os_error(), Some(2));
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);

    // A missing directory on the way is ERROR_PATH_NOT_FOUND, also ENOENT.
    let err = create_file(
        path.join("below"),
        FileAccess::GENERIC_READ,
        FileShare::READ,
        CreationDisposition::OpenExisting,
        FileFlags::empty(),
    )
    .unwrap_err();
    assert_eq!(err, codes::ERROR_PATH_NOT_FOUND);
    assert_eq!(err.to_errno(), Some(errno::ENOENT));
}

#[test]
fn create_new_refuses_an_existing_file_and_share_modes_are_enforced() {
    let path = temp_path("exclusive");
    let open = |disposition, share| {
        create_file(
            &path,
            RW,
            share,
            disposition,
            FileFlags::ATTRIBUTE_TEMPORARY,
        )
    };
    let first = open(CreationDisposition::CreateNew, FileShare::empty()).unwrap();
    let again = open(CreationDisposition::CreateNew, FileShare::empty()).unwrap_err();
    assert_eq!(again, codes::ERROR_FILE_EXISTS);
    assert_eq!(again.to_errno(), Some(errno::EEXIST));
    // Opened without sharing: a second open is a sharing violation.
    let shared = open(CreationDisposition::OpenExisting, FileShare::READ).unwrap_err();
    assert_eq!(shared, codes::ERROR_SHARING_VIOLATION);
    assert_eq!(shared.to_errno(), Some(errno::EACCES));
    drop(first);
    let reopened = open(CreationDisposition::TruncateExisting, FileShare::empty()).unwrap();
    assert_eq!(get_file_size(&reopened).unwrap(), 0);
    drop(reopened);
    delete_file(&path).unwrap();
}

#[test]
fn delete_on_close_and_std_interop() {
    let path = temp_path("delete-on-close");
    let handle = create_file(
        &path,
        RW,
        FileShare::READ | FileShare::DELETE,
        CreationDisposition::CreateAlways,
        FileFlags::FLAG_DELETE_ON_CLOSE,
    )
    .unwrap();
    write_file(&handle, b"through std").unwrap();
    // An OwnedHandle is a std File's handle: std reads what the wrapper wrote.
    let mut file = std::fs::File::from(handle);
    set_file_pointer(&file, SeekFrom::Start(8)).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    assert_eq!(text, "std");
    assert!(path.exists());
    drop(file);
    assert!(!path.exists());
}

#[test]
fn overlapped_flag_and_nul_are_refused() {
    let path = temp_path("refused");
    let overlapped = FileFlags::from_bits_retain(0x4000_0000);
    let err = create_file(
        &path,
        RW,
        FileShare::READ,
        CreationDisposition::CreateNew,
        overlapped,
    );
    assert_eq!(err.unwrap_err(), codes::ERROR_INVALID_PARAMETER);
    assert!(!path.exists());
    let err = create_file(
        "C:\\a\0b",
        RW,
        FileShare::READ,
        CreationDisposition::CreateNew,
        FileFlags::empty(),
    );
    assert_eq!(err.unwrap_err(), codes::ERROR_INVALID_PARAMETER);
    assert_eq!(delete_file("x\0y"), Err(codes::ERROR_INVALID_PARAMETER));
}

#[test]
fn directories_created_and_removed() {
    let dir = temp_path("dir");
    create_directory(&dir).unwrap();
    assert!(dir.is_dir());
    let again = create_directory(&dir).unwrap_err();
    assert_eq!(again, codes::ERROR_ALREADY_EXISTS);
    assert_eq!(again.to_errno(), Some(errno::EEXIST));

    let inner = dir.join("f");
    std::fs::write(&inner, b"x").unwrap();
    let not_empty = remove_directory(&dir).unwrap_err();
    assert_eq!(not_empty, codes::ERROR_DIR_NOT_EMPTY);
    assert_eq!(not_empty.to_errno(), Some(errno::ENOTEMPTY));
    delete_file(&inner).unwrap();
    remove_directory(&dir).unwrap();
    assert!(!dir.exists());
    assert_eq!(
        remove_directory(&dir).map_err(Win32Error::to_errno),
        Err(Some(errno::ENOENT))
    );
}
