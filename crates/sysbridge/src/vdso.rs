//! The vDSO: found through the auxiliary vector, its ELF symbols resolved into function slots that fall back to system calls.
