use std::ffi::OsString;
use std::os::windows::ffi::OsStringExt;
use std::path::Path;

use sysbridge_windows::wide::{from_wide, WideCString};
use sysbridge_windows::{codes, Win32Error};

#[test]
fn round_trips_beyond_the_basic_plane() {
    let s = "héllo, 世界 🦀";
    let w = WideCString::new(s).unwrap();
    assert_eq!(
        w.as_units(),
        s.encode_utf16().collect::<Vec<_>>().as_slice()
    );
    assert_eq!(w.as_units_with_nul().last(), Some(&0));
    assert_eq!(w.as_units_with_nul().len(), w.as_units().len() + 1);
    assert_eq!(w.to_os_string(), OsString::from(s));
    assert_eq!(from_wide(w.as_units_with_nul()), OsString::from(s));
}

#[test]
fn accepts_paths_and_os_strings() {
    let p = Path::new(r"C:\dir\file.txt");
    assert_eq!(WideCString::new(p).unwrap().to_os_string(), p.as_os_str());
    let lone = OsString::from_wide(&[0x61, 0xD800, 0x62]); // an unpaired surrogate
    let w = WideCString::new(&lone).unwrap();
    assert_eq!(w.as_units(), &[0x61, 0xD800, 0x62]);
    assert_eq!(w.to_os_string(), lone);
}

#[test]
fn interior_nul_is_an_error_not_a_truncation() {
    let err = WideCString::new("abc\0def").unwrap_err();
    assert_eq!(err.position(), 3);
    assert_eq!(Win32Error::from(err), codes::ERROR_INVALID_PARAMETER);
    assert_eq!(WideCString::new("\0").unwrap_err().position(), 0);
    assert!(WideCString::new("").unwrap().as_units().is_empty());
}

#[test]
fn from_wide_stops_at_the_first_nul() {
    let units: Vec<u16> = "abc\0def".encode_utf16().collect();
    assert_eq!(from_wide(&units), OsString::from("abc"));
    assert_eq!(from_wide(&units[..2]), OsString::from("ab"));
}
