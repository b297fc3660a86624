//! The machine layer: the `syscall` instruction and nothing else.
//!
//! Every line of inline assembly in the crate lives in one file per architecture, so
//! that porting to the next architecture means writing one file. Everything above this
//! module deals in `usize` arguments and the kernel's raw return value.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use self::x86_64::Regs;
#[cfg(target_arch = "x86_64")]
pub(crate) use self::x86_64::*;

#[cfg(not(target_arch = "x86_64"))]
compile_error!("sysbridge supports Linux on x86_64 only: add src/arch/<arch>.rs for another one");
