//! Randomness: `getrandom(2)`.

use crate::{Errno, Sysno, args, raw};

bitflags::bitflags! {
    /// Flags for [`getrandom`]: the `GRND_*` flags.
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct GetRandomFlags: u32 {
        /// `GRND_NONBLOCK`: fail with `EAGAIN` instead of waiting for the pool to be
        /// initialised (or, with `GRND_RANDOM`, to have enough entropy).
        const NONBLOCK = linux_raw_sys::general::GRND_NONBLOCK;
        /// `GRND_RANDOM`: draw from the blocking pool (`/dev/random`); since Linux 5.6
        /// the same source, with at most 512 bytes per call.
        const RANDOM = linux_raw_sys::general::GRND_RANDOM;
        /// `GRND_INSECURE` (Linux 5.6): never wait, even before the pool is
        /// initialised; not for keys. Cannot be combined with `GRND_RANDOM`.
        const INSECURE = linux_raw_sys::general::GRND_INSECURE;
    }
}

/// Fills up to `buf.len()` bytes of `buf` with random bytes and returns how many.
/// Issues `getrandom(2)`; blocking (it waits for the entropy pool to be initialised,
/// early in boot, unless [`GetRandomFlags::NONBLOCK`] or
/// [`GetRandomFlags::INSECURE`] is set).
///
/// Once the pool is initialised, a request of up to 256 bytes is filled whole and is
/// not interrupted by signals; a larger one may return fewer bytes, or `EINTR`.
/// Unknown flags, and `GRND_RANDOM | GRND_INSECURE`, are [`Errno::EINVAL`].
///
/// ```
/// use sysbridge::rand::{getrandom, GetRandomFlags};
/// let mut key = [0u8; 32];
/// assert_eq!(getrandom(&mut key, GetRandomFlags::empty()), Ok(32));
/// ```
#[inline]
pub fn getrandom(buf: &mut [u8], flags: GetRandomFlags) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which is borrowed
    // mutably for the call.
    unsafe {
        raw::syscall3(
            Sysno::getrandom,
            args::mut_ptr(buf.as_mut_ptr()),
            buf.len(),
            flags.bits() as usize,
        )
    }
}

/// Fills all of `buf` with random bytes. Issues `getrandom(2)` with no flags as many
/// times as it takes: again after a short count or `EINTR` (one call for up to 256
/// bytes); blocking, like [`getrandom`].
///
/// ```
/// let mut nonce = [0u8; 1000];
/// sysbridge::rand::fill(&mut nonce).unwrap();
/// assert!(nonce.iter().any(|&b| b != 0));
/// ```
pub fn fill(mut buf: &mut [u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match getrandom(buf, GetRandomFlags::empty()) {
            Ok(n) => buf = &mut buf[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_buffer() {
        // A zero byte has probability 1/256: 64 of 64 is beyond chance.
        let mut buf = [0u8; 64];
        assert_eq!(getrandom(&mut buf, GetRandomFlags::empty()), Ok(64));
        assert!(buf.iter().filter(|&&b| b != 0).count() > 32);
    }

    #[test]
    fn two_calls_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        getrandom(&mut a, GetRandomFlags::empty()).unwrap();
        getrandom(&mut b, GetRandomFlags::empty()).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn nonblocking_and_insecure_succeed_once_booted() {
        for flags in [
            GetRandomFlags::NONBLOCK,
            GetRandomFlags::INSECURE,
            GetRandomFlags::RANDOM | GetRandomFlags::NONBLOCK,
        ] {
            let mut buf = [0u8; 16];
            assert_eq!(getrandom(&mut buf, flags), Ok(16), "{flags:?}");
            assert_ne!(buf, [0; 16], "{flags:?}");
        }
    }

    #[test]
    fn empty_buffer_is_zero_bytes() {
        assert_eq!(getrandom(&mut [], GetRandomFlags::empty()), Ok(0));
        fill(&mut []).unwrap();
    }

    #[test]
    fn invalid_flags_are_einval() {
        let mut buf = [0u8; 8];
        let unknown = GetRandomFlags::from_bits_retain(0x80);
        assert_eq!(getrandom(&mut buf, unknown), Err(Errno::EINVAL));
        let both = GetRandomFlags::RANDOM | GetRandomFlags::INSECURE;
        assert_eq!(getrandom(&mut buf, both), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_pointer_through_the_raw_layer_is_efault() {
        // SAFETY: address 8 lies below mmap_min_addr, so nothing is mapped there: the
        // kernel writes nothing and fails.
        let ret = unsafe { raw::syscall3(Sysno::getrandom, 8, 16, 0) };
        assert_eq!(ret, Err(Errno::EFAULT));
    }

    #[test]
    fn fill_fills_a_large_buffer() {
        // Past 256 bytes a signal may cut getrandom short; whether or not one does,
        // every byte must end up written (a zero tail would show one left behind).
        let mut big = vec![0u8; 4 << 20];
        fill(&mut big).unwrap();
        for chunk in big.chunks(4096) {
            assert!(chunk.iter().filter(|&&b| b != 0).count() > 3000);
        }
    }
}
