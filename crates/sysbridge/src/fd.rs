//! The descriptor table: close, dup, dup3, fcntl, pipe2.
