//! The system: uname, sysinfo.
