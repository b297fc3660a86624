//! Buffers for `O_DIRECT`: heap memory at a chosen power-of-two alignment.

use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use std::alloc::{self, Layout};

use crate::Errno;

/// The alignment to use for `O_DIRECT` when [`statx`](super::statx) does not give one
/// (kernels before 6.1, or file systems that do not report it): 4096 bytes, the page
/// size, which satisfies the logical block size of nearly every device.
pub const FALLBACK_DIO_ALIGN: usize = 4096;

/// An owned, zeroed heap buffer whose address is a multiple of a chosen power of two:
/// the memory that `read` and `write` on a descriptor opened with
/// [`OFlags::DIRECT`](super::OFlags::DIRECT) need. It dereferences to `[u8]`.
///
/// `O_DIRECT` needs three alignments: the buffer's address (`stx_dio_mem_align`), and
/// the file offset and the transfer length (`stx_dio_offset_align`). Ask
/// [`statx`](super::statx) for [`StatxMask::DIOALIGN`](super::StatxMask::DIOALIGN) on
/// the file (Linux 6.1 and later; [`Statx::dio_alignment`](super::Statx::dio_alignment)
/// reads both), and fall back to [`FALLBACK_DIO_ALIGN`] when it has no answer. A
/// misaligned transfer fails with `EINVAL`; so does `O_DIRECT` itself on file systems
/// without it (tmpfs on older kernels).
///
/// ```
/// use sysbridge::fs::{statx, AlignedBuf, AtFlags, StatxMask, FALLBACK_DIO_ALIGN, CWD};
/// let st = statx(CWD, ".", AtFlags::empty(), StatxMask::DIOALIGN).unwrap();
/// let (mem, offset) = st
///     .dio_alignment()
///     .map_or((FALLBACK_DIO_ALIGN, FALLBACK_DIO_ALIGN), |a| (a.mem, a.offset));
/// let len = 10_000usize.next_multiple_of(offset);
/// let buf = AlignedBuf::new(len, mem).unwrap();
/// assert_eq!(buf.as_ptr() as usize % mem, 0);
/// assert!(buf.iter().all(|&b| b == 0));
/// ```
pub struct AlignedBuf {
    ptr: NonNull<u8>,
    len: usize,
    /// The allocation: `len` bytes, or one byte for an empty buffer.
    layout: Layout,
}

// SAFETY: `AlignedBuf` owns its memory exclusively, like a `Box<[u8]>`; nothing in it
// is tied to a thread.
unsafe impl Send for AlignedBuf {}
// SAFETY: shared access only reads the bytes, like a `&[u8]`.
unsafe impl Sync for AlignedBuf {}

impl AlignedBuf {
    /// `len` zero bytes at an address that is a multiple of `align`.
    ///
    /// `EINVAL` when `align` is zero or not a power of two, or when `len` rounded up to
    /// `align` exceeds `isize::MAX`; `ENOMEM` when the allocator has no memory. It
    /// never panics or aborts.
    ///
    /// ```
    /// use sysbridge::{fs::AlignedBuf, Errno};
    /// assert_eq!(AlignedBuf::new(512, 0).unwrap_err(), Errno::EINVAL);
    /// assert_eq!(AlignedBuf::new(512, 3000).unwrap_err(), Errno::EINVAL);
    /// assert_eq!(AlignedBuf::new(512, 512).unwrap().len(), 512);
    /// ```
    pub fn new(len: usize, align: usize) -> Result<AlignedBuf, Errno> {
        // Zero-sized allocations are not allowed: an empty buffer still takes a byte.
        let layout = Layout::from_size_align(len.max(1), align).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).ok_or(Errno::ENOMEM)?;
        Ok(AlignedBuf { ptr, len, layout })
    }

    /// The alignment the buffer was made with.
    #[inline]
    pub fn align(&self) -> usize {
        self.layout.align()
    }
}

impl Deref for AlignedBuf {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` points to an allocation of at least `len` initialized (zeroed,
        // then written only through `&mut [u8]`) bytes, owned by `self` and borrowed
        // shared here.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedBuf {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `self` is borrowed mutably, so the slice is the
        // only reference to the bytes.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: `ptr` was returned by `alloc_zeroed(self.layout)` and is freed only
        // here, once.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

impl fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlignedBuf")
            .field("len", &self.len)
            .field("align", &self.align())
            .finish_non_exhaustive()
    }
}
