//! The table of traced threads, by thread id, looked up several times per stop.
//!
//! Thread ids are small, distinct integers chosen by the kernel, not input an attacker
//! shapes to collide, so they need no SipHash: a Fibonacci multiplication spreads them
//! over the table at a fraction of the cost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for one `i32` key.
#[derive(Default)]
pub(super) struct TidHasher(u64);

impl Hasher for TidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_i32(&mut self, v: i32) {
        self.0 = u64::from(v as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map from thread id.
pub(super) type TidMap<V> = HashMap<i32, V, BuildHasherDefault<TidHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_tids_spread() {
        let hash = |t: i32| {
            let mut h = TidHasher::default();
            h.write_i32(t);
            h.finish() >> 57
        };
        // Consecutive ids land in different top-bit buckets, which hashbrown uses.
        let buckets: std::collections::HashSet<u64> = (1000..1016).map(hash).collect();
        assert!(buckets.len() > 8, "{buckets:?}");
    }
}
