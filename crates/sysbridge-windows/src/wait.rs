//! Waiting on a kernel object: `WaitForSingleObject`.

use std::time::Duration;

use crate::handle::{AsHandle, AsRawHandle};
use crate::{sys, Win32Error};

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// The object is signaled (`WAIT_OBJECT_0`): a process or thread ended, an event is
    /// set, a mutex is now owned by the caller.
    Signaled,
    /// A mutex was acquired whose owner ended without releasing it (`WAIT_ABANDONED`).
    Abandoned,
    /// The timeout elapsed first (`WAIT_TIMEOUT`).
    TimedOut,
}

/// Waits until `handle` is signaled or `timeout` passes (`None`: forever)
/// (`WaitForSingleObject`).
pub fn wait_for_single_object(
    handle: impl AsHandle,
    timeout: Option<Duration>,
) -> Result<WaitStatus, Win32Error> {
    let raw = handle.as_handle().as_raw_handle();
    // SAFETY: `raw` is open for the duration of the borrow.
    match unsafe { sys::WaitForSingleObject(raw, timeout_ms(timeout)) } {
        sys::WAIT_OBJECT_0 => Ok(WaitStatus::Signaled),
        sys::WAIT_ABANDONED => Ok(WaitStatus::Abandoned),
        sys::WAIT_TIMEOUT => Ok(WaitStatus::TimedOut),
        sys::WAIT_FAILED => Err(Win32Error::last()),
        other => Err(Win32Error::new(other)),
    }
}

/// A timeout in the milliseconds Win32 takes: `None` is `INFINITE`; a fraction of a
/// millisecond rounds up (so a short wait never becomes a poll); anything longer than
/// `INFINITE - 1` ms is clamped to it.
pub(crate) fn timeout_ms(timeout: Option<Duration>) -> u32 {
    match timeout {
        None => sys::INFINITE,
        Some(d) => {
            let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
            ms.min(u128::from(sys::INFINITE - 1)) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_and_clamp() {
        assert_eq!(timeout_ms(None), sys::INFINITE);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_millis(1500))), 1500);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1500))), 2);
        assert_eq!(
            timeout_ms(Some(Duration::from_secs(u64::MAX))),
            sys::INFINITE - 1
        );
    }
}
