//! Memory: mmap as an owned mapping, mprotect, madvise, mremap, mlock, memfd_create.
