//! The generated tables against independent oracles: the C headers installed on this
//! machine (Debian's linux-libc-dev) and glibc itself.

use std::ffi::CStr;

use sysbridge::{Errno, Sysno};

/// `#define PREFIXNAME NUMBER` lines of a C header.
fn header_defines(path: &str, prefix: &str) -> Option<Vec<(String, u32)>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                (words.next()? == "#define").then_some(())?;
                let name = words.next()?.strip_prefix(prefix)?;
                let value = words.next()?.parse().ok()?;
                Some((name.to_string(), value))
            })
            .collect(),
    )
}

#[test]
fn sysno_agrees_with_installed_unistd_64_h() {
    let candidates = [
        "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
        "/usr/include/asm/unistd_64.h",
    ];
    let Some(defines) = candidates.iter().find_map(|p| header_defines(p, "__NR_")) else {
        eprintln!("SKIPPED: no asm/unistd_64.h installed (apt-get install linux-libc-dev)");
        return;
    };
    assert!(
        defines.len() > 300,
        "parsed only {} syscalls",
        defines.len()
    );
    for (name, nr) in defines {
        let s = Sysno::from_name(&name).unwrap_or_else(|| panic!("{name} missing from Sysno"));
        assert_eq!(s.raw(), nr, "{name}");
    }
}

#[test]
fn errno_agrees_with_installed_errno_h() {
    let mut all = Vec::new();
    for p in [
        "/usr/include/asm-generic/errno-base.h",
        "/usr/include/asm-generic/errno.h",
    ] {
        match header_defines(p, "") {
            Some(d) => all.extend(d),
            None => {
                eprintln!("SKIPPED: {p} not installed (apt-get install linux-libc-dev)");
                return;
            }
        }
    }
    assert!(all.len() > 120);
    for (name, nr) in all {
        assert_eq!(
            Errno::from_name(&name).map(Errno::raw),
            Some(nr as i32),
            "{name}"
        );
    }
}

/// glibc's own `strerror` for `n`.
fn glibc_strerror(n: i32) -> String {
    // SAFETY: strerror returns a pointer to a NUL-terminated string that stays valid
    // until the next strerror call on this thread; it is copied at once.
    unsafe { CStr::from_ptr(libc::strerror(n)) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn messages_match_glibc_strerror() {
    for n in -10..=600 {
        assert_eq!(
            Errno::from_raw(n).message().to_string(),
            glibc_strerror(n),
            "errno {n}"
        );
    }
    for n in [i32::MIN, i32::MAX, 4095, 4096, 65536] {
        assert_eq!(
            Errno::from_raw(n).message().to_string(),
            glibc_strerror(n),
            "errno {n}"
        );
    }
}

#[test]
fn every_value_1_to_133_is_named() {
    let unnamed: Vec<i32> = (1..=133)
        .filter(|&n| Errno::from_raw(n).name().is_none())
        .collect();
    // 41 and 58 are the two numbers the kernel leaves unused.
    assert_eq!(unnamed, [41, 58]);
    assert_eq!(Errno::all().count(), 131);
}
