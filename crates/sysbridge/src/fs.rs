//! Files and directories by path and descriptor: openat, openat2, stat, sync, allocation, links, directory entries, O_DIRECT.
