//! Memory: mappings, protections, advice, locking, barriers, protection keys, NUMA
//! policies.

use sysbridge::Sysno;

use super::line::{Xlat, write_flags, write_hex};

use super::{Ctx, Decoder, Ret, Step};
use crate::decode::xlat_generated as x;
use crate::mem::Fields;

/// The decoder this family has for `nr`, if any.
pub(super) fn lookup(nr: Sysno) -> Option<Decoder> {
    Some(match nr {
        Sysno::brk => brk,
        Sysno::mmap => mmap,
        Sysno::munmap | Sysno::mlock | Sysno::munlock => addr_len,
        Sysno::mprotect => mprotect,
        Sysno::pkey_mprotect => pkey_mprotect,
        Sysno::mremap => mremap,
        Sysno::madvise => madvise,
        Sysno::mlockall => mlockall,
        Sysno::mlock2 => mlock2,
        Sysno::msync => msync,
        Sysno::mincore => mincore,
        Sysno::remap_file_pages => remap_file_pages,
        Sysno::membarrier => membarrier,
        Sysno::pkey_alloc => pkey_alloc,
        Sysno::pkey_free => pkey_free,
        Sysno::mbind => mbind,
        Sysno::set_mempolicy => set_mempolicy,
        Sysno::get_mempolicy => get_mempolicy,
        Sysno::migrate_pages => migrate_pages,
        Sysno::set_mempolicy_home_node => set_mempolicy_home_node,
        Sysno::process_mrelease => process_mrelease,
        Sysno::process_madvise => process_madvise,
        Sysno::move_pages => move_pages,
        _ => return None,
    })
}

/// The page size of x86_64.
const PAGE_SIZE: u64 = 4096;

/// `brk(addr)`: returns the new break, in hex.
fn brk(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    Step::Done(Ret::Hex)
}

/// The map type (the low four bits of mmap's flags).
const MAP_TYPE: u64 = 0xf;
/// Where the huge page size sits in mmap's flags, and its mask there.
const MAP_HUGE_SHIFT: u32 = 26;
const MAP_HUGE_MASK: u64 = 0x3f << MAP_HUGE_SHIFT;

/// Writes mmap's flags as strace does: the map type by name, then the other flags,
/// then the huge page size as `N<<MAP_HUGE_SHIFT`:
/// `MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT`.
fn mmap_flags_text(flags: u64) -> String {
    let mut out = String::new();
    let kind = flags & MAP_TYPE;
    match x::MMAP_FLAGS.name(kind) {
        Some(name) => out.push_str(name),
        None => {
            write_hex(&mut out, kind);
            out.push_str(" /* MAP_??? */");
        }
    }
    // Only the low 32 bits count past the type (strace masks with an unsigned int).
    let rest = flags & !MAP_TYPE & 0xffff_ffff;
    let huge = rest & MAP_HUGE_MASK;
    let rest = rest & !MAP_HUGE_MASK;
    if rest != 0 {
        out.push('|');
        let names = Xlat {
            entries: x::MMAP_FLAGS.entries,
            unknown: None,
        };
        write_flags(&mut out, &names, rest);
    }
    if huge != 0 {
        out.push('|');
        out.push_str(&format!("{}<<MAP_HUGE_SHIFT", huge >> MAP_HUGE_SHIFT));
    }
    out
}

/// `mmap(addr, length, prot, flags, fd, offset)`: returns the mapping, in hex.
fn mmap(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    ctx.arg_ulong(1);
    ctx.arg_flags64(2, &x::MMAP_PROT);
    ctx.line.arg();
    let flags = mmap_flags_text(ctx.args[3]);
    ctx.line.sym(&flags);
    ctx.arg_fd(4);
    ctx.arg_hex(5);
    Step::Done(Ret::Hex)
}

/// `munmap(addr, length)`, `mlock(addr, len)`, `munlock(addr, len)`.
fn addr_len(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    ctx.arg_ulong(1);
    Step::Done(Ret::Dec)
}

/// `mprotect(addr, len, prot)`.
fn mprotect(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_flags64(2, &x::MMAP_PROT);
    Step::Done(Ret::Dec)
}

/// `pkey_mprotect(addr, len, prot, pkey)`.
fn pkey_mprotect(ctx: &mut Ctx<'_>) -> Step {
    mprotect(ctx);
    ctx.arg_int(3);
    Step::Done(Ret::Dec)
}

/// `mremap(old_address, old_size, new_size, flags[, new_address])`: the new address
/// only with both `MREMAP_MAYMOVE` and `MREMAP_FIXED`.
fn mremap(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_ptr(0);
    ctx.arg_ulong(1);
    ctx.arg_ulong(2);
    ctx.arg_flags64(3, &x::MREMAP_FLAGS);
    const MAYMOVE_FIXED: u64 = 3;
    if ctx.args[3] & MAYMOVE_FIXED == MAYMOVE_FIXED {
        ctx.arg_ptr(4);
    }
    Step::Done(Ret::Hex)
}

/// `madvise(addr, length, advice)`.
fn madvise(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_xval(2, &x::MADVISE_CMDS);
    Step::Done(Ret::Dec)
}

/// `mlockall(flags)`.
fn mlockall(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_flags(0, &x::MLOCKALL_FLAGS);
    Step::Done(Ret::Dec)
}

/// `mlock2(addr, len, flags)`.
fn mlock2(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_flags(2, &x::MLOCK_FLAGS);
    Step::Done(Ret::Dec)
}

/// `msync(addr, length, flags)`.
fn msync(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_flags(2, &x::MSYNC_FLAGS);
    Step::Done(Ret::Dec)
}

/// `mincore(addr, length, vec)`: one byte per page, its residency bit, at exit.
fn mincore(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        addr_len(ctx);
        return Step::Exit;
    }
    let len = ctx.args[1];
    let pages = len / PAGE_SIZE + u64::from(len % PAGE_SIZE != 0);
    ctx.line.arg();
    ctx.array(ctx.args[2], pages, 1, |ctx, b| {
        ctx.line.udec(u64::from(b[0] & 1));
        true
    });
    Step::Done(Ret::Dec)
}

/// `remap_file_pages(addr, size, prot, pgoff, flags)`.
fn remap_file_pages(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_flags64(2, &x::MMAP_PROT);
    ctx.arg_ulong(3);
    ctx.line.arg();
    let flags = mmap_flags_text(ctx.args[4]);
    ctx.line.sym(&flags);
    Step::Done(Ret::Dec)
}

/// `membarrier(cmd, flags[, cpu_id])`. `MEMBARRIER_CMD_QUERY` returns the supported
/// commands, named after the value.
fn membarrier(ctx: &mut Ctx<'_>) -> Step {
    const FLAG_CPU: u32 = 1;
    let cmd = ctx.int(0);
    let flags = ctx.args[1] as u32;
    if ctx.entering() {
        ctx.line.arg();
        ctx.line.xval(&x::MEMBARRIER_CMDS, u64::from(cmd as u32));
        ctx.line.arg();
        ctx.line.flags(&x::MEMBARRIER_FLAGS, u64::from(flags));
        if flags & FLAG_CPU != 0 {
            ctx.arg_int(2);
        }
        // The query's result is named at exit.
        return if cmd == 0 {
            Step::Result
        } else {
            Step::Done(Ret::Dec)
        };
    }
    if ctx.failed() || ctx.rval == 0 {
        return Step::Done(Ret::Dec);
    }
    let mut names = String::new();
    write_flags(&mut names, &x::MEMBARRIER_CMDS, ctx.rval as u64);
    Step::Done(Ret::HexWith(names))
}

/// `pkey_alloc(flags, access_rights)`.
fn pkey_alloc(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_hex(0);
    ctx.arg_flags64(1, &x::PKEY_ACCESS);
    Step::Done(Ret::Dec)
}

/// `pkey_free(pkey)`.
fn pkey_free(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    Step::Done(Ret::Dec)
}

/// The mode flags of a memory policy.
const MPOL_MODE_FLAGS: u64 = 0x8000 | 0x4000 | 0x2000;

/// A memory policy mode with its flags: `MPOL_BIND|MPOL_F_STATIC_NODES`.
fn mpol_mode(ctx: &mut Ctx<'_>, arg: u64) {
    let mode = arg & !MPOL_MODE_FLAGS;
    let flags = arg & MPOL_MODE_FLAGS;
    if flags == 0 {
        ctx.line.xval(&x::MPOL_MODES, mode);
        return;
    }
    match x::MPOL_MODES.name(mode) {
        None => ctx.line.flags(&x::MPOL_MODE_FLAGS, arg),
        Some(name) => {
            let mut text = format!("{name}|");
            let names = Xlat {
                entries: x::MPOL_MODE_FLAGS.entries,
                unknown: None,
            };
            write_flags(&mut text, &names, flags);
            ctx.line.sym(&text);
        }
    }
}

/// A node mask of `maxnodes` bits at `addr`: `[0x1, 0]`, as an array of longs.
fn nodemask(ctx: &mut Ctx<'_>, addr: u64, maxnodes: u64) {
    const BITS: u64 = 64;
    let count = maxnodes.wrapping_add(BITS - 2) / BITS;
    if count < maxnodes / BITS || (maxnodes != 0 && count == 0) {
        ctx.line.ptr(addr);
        return;
    }
    ctx.array(addr, count, 8, |ctx, b| {
        let v = b.u64_at(0);
        // C's `%#016lx`: the `0x` counts in the width, and zero has no `0x`.
        let text = if v == 0 {
            "0".repeat(16)
        } else {
            format!("{v:#016x}")
        };
        ctx.line.sym(&text);
        true
    });
}

/// `mbind(addr, len, mode, nodemask, maxnode, flags)`.
fn mbind(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.line.arg();
    mpol_mode(ctx, ctx.args[2]);
    ctx.line.arg();
    nodemask(ctx, ctx.args[3], ctx.args[4]);
    ctx.arg_ulong(4);
    ctx.arg_flags(5, &x::MBIND_FLAGS);
    Step::Done(Ret::Dec)
}

/// `set_mempolicy(mode, nodemask, maxnode)`.
fn set_mempolicy(ctx: &mut Ctx<'_>) -> Step {
    ctx.line.arg();
    mpol_mode(ctx, u64::from(ctx.args[0] as u32));
    ctx.line.arg();
    nodemask(ctx, ctx.args[1], ctx.args[2]);
    ctx.arg_ulong(2);
    Step::Done(Ret::Dec)
}

/// `get_mempolicy(mode, nodemask, maxnode, addr, flags)`: everything at exit.
fn get_mempolicy(ctx: &mut Ctx<'_>) -> Step {
    if ctx.entering() {
        return Step::Exit;
    }
    ctx.line.arg();
    let mut b = [0u8; 4];
    if ctx.fetch_or_addr(ctx.args[0], &mut b) {
        ctx.line.array_begin();
        ctx.line.elem();
        ctx.line.xval(&x::MPOL_MODES, u64::from(b.u32_at(0)));
        ctx.line.array_end();
    }
    ctx.line.arg();
    nodemask(ctx, ctx.args[1], ctx.args[2]);
    ctx.arg_ulong(2);
    ctx.arg_ptr(3);
    ctx.arg_flags64(4, &x::GET_MEMPOLICY_FLAGS);
    Step::Done(Ret::Dec)
}

/// `migrate_pages(pid, maxnode, old_nodes, new_nodes)`.
fn migrate_pages(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_int(0);
    ctx.arg_ulong(1);
    ctx.line.arg();
    nodemask(ctx, ctx.args[2], ctx.args[1]);
    ctx.line.arg();
    nodemask(ctx, ctx.args[3], ctx.args[1]);
    Step::Done(Ret::Dec)
}

/// `set_mempolicy_home_node(start, len, home_node, flags)`.
fn set_mempolicy_home_node(ctx: &mut Ctx<'_>) -> Step {
    addr_len(ctx);
    ctx.arg_ulong(2);
    ctx.arg_hex(3);
    Step::Done(Ret::Dec)
}

/// `process_mrelease(pidfd, flags)`.
fn process_mrelease(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.line.arg();
    ctx.line.hex(u64::from(ctx.args[1] as u32));
    Step::Done(Ret::Dec)
}

/// `process_madvise(pidfd, iovec, vlen, advice, flags)`: the ranges as addresses.
fn process_madvise(ctx: &mut Ctx<'_>) -> Step {
    ctx.arg_fd(0);
    ctx.line.arg();
    ctx.array(ctx.args[1], ctx.args[2], 16, |ctx, iov| {
        ctx.line.struct_begin();
        ctx.line.field("iov_base");
        ctx.line.ptr(iov.u64_at(0));
        ctx.line.field("iov_len");
        ctx.line.udec(iov.u64_at(8));
        ctx.line.struct_end();
        true
    });
    ctx.arg_ulong(2);
    ctx.arg_xval(3, &x::MADVISE_CMDS);
    ctx.line.arg();
    ctx.line.hex(u64::from(ctx.args[4] as u32));
    Step::Done(Ret::Dec)
}

/// `move_pages(pid, count, pages, nodes, status, flags)`: the pages and nodes at
/// entry, each page's status (a node, or a negated error) at exit.
fn move_pages(ctx: &mut Ctx<'_>) -> Step {
    let count = ctx.args[1];
    if ctx.entering() {
        ctx.arg_int(0);
        ctx.arg_ulong(1);
        ctx.line.arg();
        ctx.array(ctx.args[2], count, 8, |ctx, b| {
            ctx.line.ptr(b.u64_at(0));
            true
        });
        ctx.line.arg();
        ctx.array(ctx.args[3], count, 4, |ctx, b| {
            ctx.line.dec(i64::from(b.i32_at(0)));
            true
        });
        return Step::Exit;
    }
    ctx.line.arg();
    ctx.array(ctx.args[4], count, 4, |ctx, b| {
        let status = b.i32_at(0);
        let name = (status < 0)
            .then(|| status.checked_neg())
            .flatten()
            .and_then(|e| sysbridge::Errno::from_raw(e).name());
        match name {
            Some(name) => ctx.line.sym(&format!("-{name}")),
            None => ctx.line.dec(i64::from(status)),
        }
        true
    });
    ctx.arg_flags(5, &x::MOVE_PAGES_FLAGS);
    Step::Done(Ret::Dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmap_flags_read_like_strace() {
        assert_eq!(mmap_flags_text(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(mmap_flags_text(0x20), "MAP_FILE|MAP_ANONYMOUS");
        assert_eq!(
            mmap_flags_text(0x22 | 21 << 26 | 0x40000),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT"
        );
        assert_eq!(mmap_flags_text(0x2f), "0xf /* MAP_??? */|MAP_ANONYMOUS");
        assert_eq!(mmap_flags_text(0x8000_0000), "MAP_FILE|32<<MAP_HUGE_SHIFT");
        assert_eq!(
            mmap_flags_text(0x812),
            "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"
        );
        assert_eq!(mmap_flags_text(0x1_0000_0002), "MAP_PRIVATE");
    }
}
