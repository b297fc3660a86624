use sysbridge_windows::wide::WideCString;
use sysbridge_windows::{codes, time, Dll, LazyDll, LazyProc, MAX_ARGS};

use crate::{temp_path, KERNEL32};

static GET_TICK_COUNT: LazyProc = KERNEL32.proc("GetTickCount");
static GET_CURRENT_PROCESS_ID: LazyProc = LazyProc::new(&KERNEL32, "GetCurrentProcessId");
static NO_SUCH_PROC: LazyProc = KERNEL32.proc("NoSuchProcedureInKernel32");
static NO_SUCH_DLL: LazyDll = LazyDll::new("sysbridge-no-such.dll");
static IN_NO_SUCH_DLL: LazyProc = NO_SUCH_DLL.proc("Anything");
static LOAD_LIBRARY_EX: LazyProc = KERNEL32.proc("LoadLibraryExW");
static FREE_LIBRARY: LazyProc = KERNEL32.proc("FreeLibrary");

#[test]
fn get_tick_count_through_load_find_call() {
    let dll = Dll::load("kernel32.dll").unwrap();
    assert_eq!(dll.name(), "kernel32.dll");
    let proc = dll.proc("GetTickCount").unwrap();
    assert_eq!(proc.name(), "GetTickCount");
    let before = time::get_tick_count64() as u32;
    // SAFETY: GetTickCount takes no arguments.
    let (ticks, _, _) = unsafe { proc.call(&[]) };
    let after = time::get_tick_count64() as u32;
    // GetTickCount is the low 32 bits of GetTickCount64.
    assert!(before.wrapping_sub(ticks as u32) as i32 <= 0);
    assert!(after.wrapping_sub(ticks as u32) as i32 >= 0);
    dll.release().unwrap();
}

#[test]
fn missing_dll_is_error_mod_not_found() {
    let err = Dll::load("sysbridge-no-such.dll").unwrap_err();
    assert_eq!(err, codes::ERROR_MOD_NOT_FOUND);
    assert_eq!(err.name(), Some("ERROR_MOD_NOT_FOUND"));
    assert_eq!(NO_SUCH_DLL.load(), Err(codes::ERROR_MOD_NOT_FOUND));
    assert_eq!(
        IN_NO_SUCH_DLL.find().unwrap_err(),
        codes::ERROR_MOD_NOT_FOUND
    );
    assert_eq!(
        Dll::load("kernel32\0.dll").unwrap_err(),
        codes::ERROR_INVALID_PARAMETER
    );
}

#[test]
fn only_system32_is_searched() {
    // Plant a copy of a real DLL, under a new name, beside the test program: the
    // default search order (LoadLibraryExW with no flags) finds it there, Dll::load
    // does not.
    let system = std::env::var_os("SystemRoot").expect("SystemRoot is set");
    let source = std::path::Path::new(&system)
        .join("system32")
        .join("version.dll");
    let name = format!("sysbridge-planted-{}.dll", std::process::id());
    let exe = std::env::current_exe().unwrap();
    let planted = exe.parent().unwrap().join(&name);
    std::fs::copy(&source, &planted).unwrap();

    let restricted = Dll::load(&name).map(|_| ());
    let wide = WideCString::new(&name).unwrap();
    // SAFETY: LoadLibraryExW(LPCWSTR name, HANDLE reserved (null), DWORD flags (0)).
    let (module, _, err) = unsafe { LOAD_LIBRARY_EX.call(&[wide.as_ptr() as usize, 0, 0]) };
    if module != 0 {
        // SAFETY: FreeLibrary(HMODULE) of the reference just taken.
        unsafe { FREE_LIBRARY.call(&[module]) };
    }
    std::fs::remove_file(&planted).unwrap();
    assert_ne!(
        module, 0,
        "the default search should find the planted DLL: {}",
        err
    );
    assert_eq!(restricted, Err(codes::ERROR_MOD_NOT_FOUND));
}

#[test]
fn missing_proc_is_error_proc_not_found() {
    let dll = Dll::load("kernel32.dll").unwrap();
    let err = dll.proc("NoSuchProcedureInKernel32").unwrap_err();
    assert_eq!(err, codes::ERROR_PROC_NOT_FOUND);
    assert_eq!(err.name(), Some("ERROR_PROC_NOT_FOUND"));
    assert_eq!(
        NO_SUCH_PROC.find().unwrap_err(),
        codes::ERROR_PROC_NOT_FOUND
    );
    // Not cached: asking again asks the loader again, with the same answer.
    assert_eq!(NO_SUCH_PROC.addr(), Err(codes::ERROR_PROC_NOT_FOUND));
    assert_eq!(
        dll.proc("Get\0TickCount").unwrap_err(),
        codes::ERROR_INVALID_PARAMETER
    );
}

#[test]
#[should_panic(expected = "NoSuchProcedureInKernel32 in kernel32.dll")]
fn lazy_call_of_a_missing_proc_panics_as_go_does() {
    // SAFETY: never called: the procedure does not exist.
    unsafe { NO_SUCH_PROC.call(&[]) };
}

#[test]
fn lazy_procs_resolve_once_to_the_loaders_address() {
    let dll = Dll::load("kernel32.dll").unwrap();
    let direct = dll.proc("GetCurrentProcessId").unwrap().addr();
    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| GET_CURRENT_PROCESS_ID.addr().unwrap()))
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), direct);
    }
    // SAFETY: GetCurrentProcessId takes no arguments.
    let (pid, _, _) = unsafe { GET_CURRENT_PROCESS_ID.call(&[]) };
    assert_eq!(pid as u32, std::process::id());
    assert_eq!(KERNEL32.handle().unwrap().as_ptr(), dll.handle());
    // SAFETY: GetTickCount takes no arguments.
    let (ticks, _, _) = unsafe { GET_TICK_COUNT.call(&[]) };
    assert_ne!(ticks, 0);
}

#[test]
fn last_error_is_returned_and_cleared_before_the_call() {
    let dll = Dll::load("kernel32.dll").unwrap();
    let delete = dll.proc("DeleteFileW").unwrap();
    let path = WideCString::new(temp_path("not-there")).unwrap();
    // SAFETY: DeleteFileW takes one NUL-terminated UTF-16 path, alive across the call.
    let (ok, _, err) = unsafe { delete.call(&[path.as_ptr() as usize]) };
    assert_eq!(ok, 0);
    assert_eq!(err, codes::ERROR_FILE_NOT_FOUND);

    let set_last_error = dll.proc("SetLastError").unwrap();
    let get_pid = dll.proc("GetCurrentProcessId").unwrap();
    // SAFETY: SetLastError takes one DWORD.
    unsafe { set_last_error.call(&[5]) };
    // SAFETY: GetCurrentProcessId takes no arguments and does not set the last error.
    let (_, _, err) = unsafe { get_pid.call(&[]) };
    assert_eq!(err, codes::ERROR_SUCCESS);
}

#[test]
fn floating_point_arguments_and_results() {
    let msvcrt = Dll::load("msvcrt.dll").unwrap();
    let sqrt = msvcrt.proc("sqrt").unwrap();
    // SAFETY: double sqrt(double).
    let (_, r2, _) = unsafe { sqrt.call(&[2.0f64.to_bits() as usize]) };
    assert_eq!(f64::from_bits(r2 as u64), 2.0f64.sqrt());
    let pow = msvcrt.proc("pow").unwrap();
    // Varying exponents, so that a value left over in XMM1 cannot pass for the argument
    // (an unused third slot, so that the copy of the arguments does not leave it there).
    for exponent in 0..20 {
        let exponent_bits = f64::from(exponent).to_bits() as usize;
        let args = [1.5f64.to_bits() as usize, exponent_bits, 0];
        // SAFETY: double pow(double, double): the second argument travels in XMM1.
        let (_, r2, _) = unsafe { pow.call(&args) };
        assert_eq!(
            f64::from_bits(r2 as u64),
            1.5f64.powi(exponent),
            "1.5^{}",
            exponent
        );
    }
}

#[test]
fn a_double_third_argument_reaches_xmm2() {
    let msvcrt = Dll::load("msvcrt.dll").unwrap();
    let ecvt_s = msvcrt.proc("_ecvt_s").unwrap();
    for (value, digits, point) in [(3.25, "325", 1), (-271.828, "272", 3), (0.0625, "625", -1)] {
        let mut buf = [0u8; 32];
        let (mut dec, mut sign) = (0i32, 0i32);
        let args = [
            buf.as_mut_ptr() as usize,
            buf.len(),
            f64::to_bits(value) as usize,
            3,
            &mut dec as *mut i32 as usize,
            &mut sign as *mut i32 as usize,
        ];
        // SAFETY: errno_t _ecvt_s(char *buf, size_t size, double value, int count,
        // int *dec, int *sign): the buffer holds `size` bytes, the pointers are valid.
        let (status, _, _) = unsafe { ecvt_s.call(&args) };
        assert_eq!(status, 0, "{}", value);
        assert_eq!(
            (c_text(&buf).as_str(), dec, sign != 0),
            (digits, point, value < 0.0)
        );
    }
}

#[test]
fn fifteen_arguments_reach_the_callee_in_order() {
    let msvcrt = Dll::load("msvcrt.dll").unwrap();
    let snprintf = msvcrt.proc("_snprintf").unwrap();
    let mut buf = [0u8; 128];
    let format = b"%d %d %d %d %d %d %d %d %d %d %d %d\0";
    let mut args = vec![
        buf.as_mut_ptr() as usize,
        buf.len() - 1,
        format.as_ptr() as usize,
    ];
    args.extend(1..=12usize);
    assert_eq!(args.len(), MAX_ARGS);
    // SAFETY: int _snprintf(char *buf, size_t n, const char *fmt, ...): the buffer
    // holds n + 1 bytes, the format is NUL-terminated, and it takes twelve ints.
    let (written, _, _) = unsafe { snprintf.call(&args) };
    let text = c_text(&buf);
    assert_eq!(text, "1 2 3 4 5 6 7 8 9 10 11 12");
    assert_eq!(written, text.len());
}

#[test]
#[should_panic(expected = "at most 15 arguments, got 16")]
fn more_than_fifteen_arguments_panic() {
    let dll = Dll::load("kernel32.dll").unwrap();
    let proc = dll.proc("GetTickCount").unwrap();
    // SAFETY: never called: the argument count is refused first.
    unsafe { proc.call(&[0; 16]) };
}

#[test]
fn errors_print_name_and_message() {
    let text = codes::ERROR_PROC_NOT_FOUND.to_string();
    assert!(text.starts_with("ERROR_PROC_NOT_FOUND (127): "), "{}", text);
}

/// The text before the first NUL (`CStr::from_bytes_until_nul` is newer than Rust 1.63).
fn c_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8(bytes[..end].to_vec()).unwrap()
}
