//! The generated tables are what gen/tables.rs makes of the installed headers.

use std::path::PathBuf;

use crate::tables;

/// mingw-w64's headers as Wine sees them (drive Z: is the Unix root), or
/// `SYSBRIDGE_MINGW_INCLUDE`.
fn mingw_include() -> PathBuf {
    std::env::var_os("SYSBRIDGE_MINGW_INCLUDE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(r"Z:\usr\share\mingw-w64\include"))
}

/// The header's text; `None` (the test then skips, loudly) when it is absent, unless
/// `SYSBRIDGE_REQUIRE_HEADERS` is set, as CI sets it.
fn header(name: &str) -> Option<String> {
    let path = mingw_include().join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) if std::env::var_os("SYSBRIDGE_REQUIRE_HEADERS").is_none() => {
            eprintln!(
                "SKIPPED: {}: {} (apt-get install mingw-w64-x86-64-dev)",
                path.display(),
                err
            );
            None
        }
        Err(err) => panic!("{}: {}", path.display(), err),
    }
}

#[test]
fn win32_codes_are_fresh() {
    if let Some(winerror_h) = header("winerror.h") {
        let fresh = tables::codes_rs(&winerror_h, tables::WINERROR_EXTRA_H);
        assert!(
            fresh == include_str!("../../src/codes_generated.rs"),
            "src/codes_generated.rs is stale: run gen/regen"
        );
    }
}

#[test]
fn errno_values_are_fresh() {
    if let Some(errno_h) = header("errno.h") {
        let fresh = tables::errno_rs(&errno_h);
        assert!(
            fresh == include_str!("../../src/errno_generated.rs"),
            "src/errno_generated.rs is stale: run gen/regen"
        );
    }
}

#[test]
fn the_generator_reads_both_spellings_and_skips_aliases() {
    let header = "#define ERROR_A __MSABI_LONG(5)\n\
                  #define WSABASEERR 10000\n\
                  #define WSAEX (WSABASEERR + 4)\n\
                  #define ERROR_ALIAS ERROR_A\n\
                  #define FACILITY_X 7\n\
                  #  define ERROR_B __MSABI_LONG(6)\n";
    let codes = tables::win32_codes(header, "#define ERROR_C __MSABI_LONG(336)\n");
    let expected = [
        ("ERROR_A", 5),
        ("WSAEX", 10004),
        ("ERROR_B", 6),
        ("ERROR_C", 336),
    ];
    let expected: Vec<(String, u32)> = expected.iter().map(|&(n, c)| (n.to_string(), c)).collect();
    assert_eq!(codes, expected);
    let errno = tables::errno_values("#define EPERM 1\n#define EX EPERM\n#define E_NOT 3\n");
    assert_eq!(errno, vec![("EPERM".to_string(), 1), ("EX".to_string(), 1)]);
}
