use std::ffi::OsStr;
use std::time::Duration;

use sysbridge_windows::codes;
use sysbridge_windows::process::{create_process, get_exit_code_process, STILL_ACTIVE};
use sysbridge_windows::wait::{wait_for_single_object, WaitStatus};

#[test]
fn child_exit_code_is_read_back() {
    let child = create_process(None, OsStr::new("cmd.exe /c exit 7")).unwrap();
    assert_ne!(child.process_id, std::process::id());
    assert_ne!(child.process_id, 0);
    assert_eq!(
        child.wait(Some(Duration::from_secs(60))),
        Ok(WaitStatus::Signaled)
    );
    assert_eq!(child.exit_code(), Ok(7));
    // The program given by full path, so that nothing is searched for.
    let system = std::env::var_os("SystemRoot").expect("SystemRoot is set");
    let cmd = std::path::Path::new(&system)
        .join("system32")
        .join("cmd.exe");
    let child = create_process(Some(cmd.as_os_str()), OsStr::new("cmd /c exit 3")).unwrap();
    assert_eq!(child.wait(None), Ok(WaitStatus::Signaled));
    assert_eq!(child.exit_code(), Ok(3));
    // The handle stays signaled.
    assert_eq!(
        wait_for_single_object(&child.process, Some(Duration::ZERO)),
        Ok(WaitStatus::Signaled)
    );
}

/// Run as a child by `running_child_is_still_active_then_exits`, never on its own.
#[test]
#[ignore = "a helper run as a child process by running_child_is_still_active_then_exits"]
fn child_helper_sleeps() {
    std::thread::sleep(Duration::from_secs(2));
    std::process::exit(42);
}

#[test]
fn running_child_is_still_active_then_exits() {
    // cmd runs the helper with its output discarded and exits with the helper's code.
    let exe = std::env::current_exe().unwrap();
    let command = format!(
        "cmd.exe /c \"\"{}\" --ignored --exact process::child_helper_sleeps >NUL 2>&1\"",
        exe.display()
    );
    let child = create_process(None, OsStr::new(&command)).unwrap();
    assert_eq!(
        child.wait(Some(Duration::from_millis(300))),
        Ok(WaitStatus::TimedOut)
    );
    assert_eq!(get_exit_code_process(&child.process), Ok(STILL_ACTIVE));
    assert_eq!(child.wait(None), Ok(WaitStatus::Signaled));
    assert_eq!(child.exit_code(), Ok(42));
}

#[test]
fn missing_program_is_error_file_not_found() {
    let err = create_process(None, OsStr::new("sysbridge-no-such-program.exe")).unwrap_err();
    assert_eq!(err, codes::ERROR_FILE_NOT_FOUND);
    let err = create_process(None, OsStr::new("cmd.exe\0/c exit 1")).unwrap_err();
    assert_eq!(err, codes::ERROR_INVALID_PARAMETER);
}
