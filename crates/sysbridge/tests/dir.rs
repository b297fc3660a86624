//! `Dir` and `Walk` against independent oracles: a recursive walk made with
//! `std::fs::read_dir`, `std::fs` for contents, metadata and links, a model of
//! `RESOLVE_BENEATH` lookup built from `std::fs::symlink_metadata` and
//! `std::fs::read_link` (for which paths must be refused), `/proc/self/fd` for
//! descriptors, and a recorder on the raw layer's hooks for the system calls made.

use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{DirEntryExt, FileTypeExt, MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sysbridge::dir::{Dir, Walk, WalkEntry, WalkError};
use sysbridge::fs::{self, FileType, Mode, OFlags, RenameFlags, Statx};
use sysbridge::raw::{Hooks, set_hooks};
use sysbridge::{Errno, Sysno};

// ---------------------------------------------------------------------------------
// Every test holds this lock shared; two hold it alone: the leak test, so that no
// other test opens or closes descriptors while it counts, and the rename storms, which
// make every `..` lookup in the system answer EAGAIN now and then.

static PROCESS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    PROCESS.read().unwrap_or_else(PoisonError::into_inner)
}

fn alone() -> RwLockWriteGuard<'static, ()> {
    PROCESS.write().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` while another thread renames `victim` and `decoy` in `dir` into each
/// other's place, as fast as it can.
fn during_rename_storm<T>(dir: &Dir, victim: &str, decoy: &str, f: impl FnOnce() -> T) -> T {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                fs::renameat2(dir, victim, dir, decoy, RenameFlags::EXCHANGE).unwrap();
            }
        });
        let out = f();
        stop.store(true, Ordering::Relaxed);
        out
    })
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

// ---------------------------------------------------------------------------------
// The tree: `<tmp>/outside_secret`, `<tmp>/outside_dir/x`, and the walked `<tmp>/root`.

struct Tree {
    tmp: tempfile::TempDir,
    root: PathBuf,
    /// The process lock, held shared for as long as the tree lives (dropped last).
    _fds: Option<RwLockReadGuard<'static, ()>>,
}

impl Tree {
    /// A handle on the root.
    fn dir(&self) -> Dir {
        Dir::open(&self.root).unwrap()
    }
}

/// A fresh tree, with the descriptor lock held shared.
fn tree() -> Tree {
    Tree {
        _fds: Some(shared()),
        ..build_tree()
    }
}

fn os(bytes: &[u8]) -> &OsStr {
    OsStr::from_bytes(bytes)
}

fn build_tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("outside_secret"), "secret").unwrap();
    std::fs::create_dir(tmp.path().join("outside_dir")).unwrap();
    std::fs::write(tmp.path().join("outside_dir/x"), "x").unwrap();
    let root = tmp.path().join("root");
    for dir in ["a/b", "empty_dir", "Z_upper"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::create_dir(root.join(os(b"\xff\xfe dir"))).unwrap();
    let files: [(&[u8], &[u8]); 9] = [
        (b"file", b"hello"),
        (b"empty_file", b""),
        (b"a/f", b"in a"),
        (b"a/b/deep", b"deep down"),
        (b"a b", b"space"),
        (b"a\nnewline", b"newline"),
        (b"caf\xe9", b"latin-1"),
        (b"\xff\xfe dir/inner", b"inner"),
        (b"Z_upper/z", b"z"),
    ];
    for (name, data) in files {
        std::fs::write(root.join(os(name)), data).unwrap();
    }
    let abs_out = tmp.path().join("outside_secret");
    let links: [(&str, &Path); 12] = [
        ("link_file", Path::new("a/f")),
        ("link_dir", Path::new("a/b")),
        ("link_root", Path::new("/")),
        ("link_out", Path::new("../outside_secret")),
        ("link_abs_out", &abs_out),
        ("link_reenter", Path::new("../root/file")),
        ("a/up", Path::new("../../")),
        ("chain1", Path::new("a/chain2")),
        ("a/chain2", Path::new("../link_out")),
        ("loop1", Path::new("loop2")),
        ("loop2", Path::new("loop1")),
        ("dangling", Path::new("nowhere")),
    ];
    for (name, target) in links {
        symlink(target, root.join(name)).unwrap();
    }
    let fifo = std::ffi::CString::new(root.join("fifo").into_os_string().into_vec()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path and nothing else.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    drop(std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap());
    Tree {
        tmp,
        root,
        _fds: None,
    }
}

// ---------------------------------------------------------------------------------
// Oracles.

/// The file type std reports for `meta` (of a file, not followed).
fn std_type(file_type: std::fs::FileType) -> FileType {
    [
        (file_type.is_dir(), FileType::Directory),
        (file_type.is_file(), FileType::RegularFile),
        (file_type.is_symlink(), FileType::Symlink),
        (file_type.is_fifo(), FileType::Fifo),
        (file_type.is_socket(), FileType::Socket),
        (file_type.is_char_device(), FileType::CharDevice),
        (file_type.is_block_device(), FileType::BlockDevice),
    ]
    .into_iter()
    .find_map(|(is, t)| is.then_some(t))
    .unwrap_or(FileType::Unknown)
}

type Item = (PathBuf, FileType, usize);

/// `fs.WalkDir` made with `std::fs::read_dir` recursion: the root as `.`, then each
/// directory's entries sorted by name, subtrees before the next sibling, links not
/// followed.
fn std_walk(root: &Path) -> Vec<Item> {
    fn below(root: &Path, rel: &Path, depth: usize, out: &mut Vec<Item>) {
        let mut names: Vec<OsString> = std::fs::read_dir(root.join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        for name in names {
            let path = rel.join(&name);
            let meta = std::fs::symlink_metadata(root.join(&path)).unwrap();
            let file_type = std_type(meta.file_type());
            out.push((path.clone(), file_type, depth + 1));
            if file_type == FileType::Directory {
                below(root, &path, depth + 1, out);
            }
        }
    }
    let mut out = vec![(PathBuf::from("."), FileType::Directory, 0)];
    below(root, Path::new(""), 0, &mut out);
    out
}

fn errno_of(err: std::io::Error) -> Errno {
    Errno::from_io_error(&err).unwrap()
}

/// Where a lookup of `path` beneath `root` with `RESOLVE_BENEATH` ends, worked out one
/// component at a time with std's `symlink_metadata` and `read_link`: the path of the
/// file reached (with no symbolic link in it, but the last component when `follow_last`
/// is false), or the error the kernel gives. `..` above the root, an absolute path and
/// an absolute link target are `EXDEV`, at the step where they occur.
fn beneath_model(root: &Path, path: &[u8], follow_last: bool) -> Result<PathBuf, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    // The components still to walk, the next one last.
    let mut rest: Vec<Vec<u8>> = Vec::new();
    let push_path = |rest: &mut Vec<Vec<u8>>, path: &[u8]| -> Result<(), Errno> {
        if path.first() == Some(&b'/') {
            return Err(Errno::EXDEV);
        }
        rest.extend(path.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
        Ok(())
    };
    push_path(&mut rest, path)?;
    let mut at = root.to_path_buf();
    let (mut depth, mut at_dir, mut links) = (0usize, true, 0);
    while let Some(name) = rest.pop() {
        if !at_dir {
            return Err(Errno::ENOTDIR);
        }
        match name.as_slice() {
            b"" | b"." => {}
            b".." => {
                depth = depth.checked_sub(1).ok_or(Errno::EXDEV)?;
                at.pop();
            }
            _ => {
                let next = at.join(os(&name));
                let meta = std::fs::symlink_metadata(&next).map_err(errno_of)?;
                if meta.file_type().is_symlink() && (follow_last || !rest.is_empty()) {
                    links += 1;
                    if links > 40 {
                        return Err(Errno::ELOOP);
                    }
                    let target = std::fs::read_link(&next).unwrap();
                    push_path(&mut rest, target.as_os_str().as_bytes())?;
                } else {
                    at = next;
                    depth += 1;
                    at_dir = meta.is_dir();
                }
            }
        }
    }
    Ok(at)
}

/// What of a `Statx` std's `Metadata` can vouch for.
fn stat_key(st: &Statx) -> (u64, u64, u32, u64, u32) {
    (
        st.stx_ino,
        st.stx_size,
        u32::from(st.stx_mode),
        u64::from(st.stx_nlink),
        st.stx_uid,
    )
}

fn meta_key(meta: &std::fs::Metadata) -> (u64, u64, u32, u64, u32) {
    (
        meta.ino(),
        meta.size(),
        meta.mode(),
        meta.nlink(),
        meta.uid(),
    )
}

/// What each method of `dir` that takes a path answers for `path` (`Ok(())` for a
/// success), by name.
fn outcomes(dir: &Dir, path: &[u8]) -> [(&'static str, Result<(), Errno>); 8] {
    let rdwr = OFlags::RDWR;
    [
        ("open_file", dir.open_file(path).map(drop)),
        (
            "open_with",
            dir.open_with(path, rdwr, Mode::empty()).map(drop),
        ),
        ("read_file", dir.read_file(path).map(drop)),
        ("read_dir", dir.read_dir(path).map(drop)),
        ("stat", dir.stat(path).map(drop)),
        ("lstat", dir.lstat(path).map(drop)),
        ("read_link", dir.read_link(path).map(drop)),
        ("sub", dir.sub(path).map(drop)),
    ]
}

fn collect(walk: Walk<'_>) -> Vec<Item> {
    walk.map(|item| {
        let WalkEntry {
            path,
            file_type,
            depth,
        } = item.unwrap();
        (path, file_type, depth)
    })
    .collect()
}

// ---------------------------------------------------------------------------------
// The recorder: the hooked system calls a closure made on this thread, with their
// outcomes.

type Call = (Sysno, Result<(), Errno>);

thread_local! {
    /// `Some` while recording.
    static RECORDED: RefCell<Option<Vec<Call>>> = const { RefCell::new(None) };
}

fn note_exit(nr: Sysno, ret: Result<usize, Errno>) {
    RECORDED.with_borrow_mut(|recorded| {
        if let Some(calls) = recorded {
            calls.push((nr, ret.map(drop)));
        }
    });
}

static RECORDER: Hooks = Hooks {
    enter: |_| {},
    exit: note_exit,
};

/// The hooked system calls `f` made, in order (descriptors it returns are closed by
/// libc, unseen).
fn calls_of<T>(f: impl FnOnce() -> T) -> Vec<Call> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        set_hooks(Some(&RECORDER));
    });
    RECORDED.set(Some(Vec::new()));
    drop(f());
    RECORDED.take().unwrap_or_default()
}

/// A call that succeeded.
const fn ok(nr: Sysno) -> Call {
    (nr, Ok(()))
}

// ---------------------------------------------------------------------------------
// Walking.

#[test]
fn walk_equals_std_recursion_in_byte_order() {
    let t = tree();
    let dir = t.dir();
    let ours = collect(dir.walk());
    assert_eq!(ours, std_walk(&t.root));
    // Pre-order with each directory's entries in byte order is exactly the
    // component-wise order of the paths (`.` first).
    assert!(ours.windows(2).all(|w| w[0].0 < w[1].0), "{ours:#?}");
    let names: Vec<&Path> = ours.iter().map(|(p, _, _)| p.as_path()).collect();
    for expected in [
        "a/b/deep",
        "a\nnewline",
        "link_root",
        "fifo",
        "sock",
        "Z_upper/z",
    ] {
        assert!(names.contains(&Path::new(expected)), "{expected}");
    }
    assert!(names.contains(&Path::new(os(b"\xff\xfe dir/inner"))));
    // Links are reported, never followed: nothing from `/` or from the link targets.
    assert!(
        !names
            .iter()
            .any(|p| p.starts_with("link_root") && p.components().count() > 1)
    );
    assert!(!names.iter().any(|p| p.starts_with("link_dir/deep")));
    let types: Vec<_> = ours.iter().map(|(_, t, _)| *t).collect();
    for t in [FileType::Fifo, FileType::Socket, FileType::Symlink] {
        assert!(types.contains(&t), "{t:?}");
    }
}

/// A name for a random tree: a few that collide and sort subtly, or any bytes but
/// `/` and NUL (not `.` or `..`).
fn tree_name() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    const FIXED: [&[u8]; 7] = [b"a", b"A", b"a b", b"a\n", b"\xff", b"\xc3\xa9", b"a-"];
    prop_oneof![
        proptest::sample::select(&FIXED[..]).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(1u8..=255, 1..6)
            .prop_filter("a name", |n| !n.contains(&b'/') && n != b"." && n != b".."),
    ]
}

/// What a random tree holds at a path: a file, a directory, or a link to a target.
#[derive(Clone, Debug)]
enum Node {
    File,
    Dir,
    Link(&'static str),
}

fn node() -> impl proptest::strategy::Strategy<Value = Node> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Node::File),
        Just(Node::Dir),
        proptest::sample::select(&["/", "..", "../..", "a", "nowhere", "."][..])
            .prop_map(Node::Link),
    ]
}

/// Makes the directories above `root/names…`, one at a time and never through a
/// symbolic link (the tree holds links to `/`), and returns the path; `None` when a
/// name on the way is taken by something other than a directory.
fn make_parents(root: &Path, names: &[Vec<u8>]) -> Option<PathBuf> {
    let (last, parents) = names.split_last()?;
    let mut at = root.to_path_buf();
    for name in parents {
        at.push(os(name));
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return None,
            Err(_) => std::fs::create_dir(&at).unwrap(),
        }
    }
    Some(at.join(os(last)))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn walks_of_random_trees_equal_std_recursion(
        nodes in proptest::collection::vec((proptest::collection::vec(tree_name(), 1..4), node()), 0..24),
    ) {
        let _fds = shared();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (names, node) in nodes {
            let Some(path) = make_parents(root, &names) else {
                continue;
            };
            if std::fs::symlink_metadata(&path).is_ok() {
                continue;
            }
            match node {
                Node::File => std::fs::write(&path, names.concat()).unwrap(),
                Node::Dir => std::fs::create_dir(&path).unwrap(),
                Node::Link(target) => symlink(target, &path).unwrap(),
            }
        }
        let dir = Dir::open(root).unwrap();
        proptest::prop_assert_eq!(collect(dir.walk()), std_walk(root));
    }
}

#[test]
fn walk_of_sub_sees_only_the_subtree() {
    let t = tree();
    let a = t.dir().sub("a").unwrap();
    assert_eq!(collect(a.walk()), std_walk(&t.root.join("a")));
    let through_link = t.dir().sub("link_dir").unwrap();
    assert_eq!(collect(through_link.walk()), std_walk(&t.root.join("a/b")));
}

/// Walks `dir`, calling `skip_dir` right after the item at `at`.
fn walk_skipping(dir: &Dir, at: &Path) -> Vec<Item> {
    let mut walk = dir.walk();
    let mut out = Vec::new();
    while let Some(item) = walk.next() {
        let entry = item.unwrap();
        if entry.path == at {
            walk.skip_dir();
        }
        out.push((entry.path, entry.file_type, entry.depth));
    }
    out
}

#[test]
fn skip_dir_prunes_exactly_that_subtree() {
    let t = tree();
    let dir = t.dir();
    let full = std_walk(&t.root);
    for at in ["a", "a/b", "empty_dir", "Z_upper"] {
        let at = Path::new(at);
        let expected: Vec<_> = full
            .iter()
            .filter(|(p, _, _)| !(p.starts_with(at) && p != at))
            .cloned()
            .collect();
        assert!(expected.len() < full.len() || at == Path::new("empty_dir"));
        assert_eq!(
            walk_skipping(&dir, at),
            expected,
            "skip at {}",
            at.display()
        );
    }
    // `a b` sorts after `a` but is not below it: still there after skipping `a`.
    assert!(
        walk_skipping(&dir, Path::new("a"))
            .iter()
            .any(|(p, _, _)| p == Path::new("a b"))
    );
    // At the root: nothing else. On a file or a link: no effect.
    assert_eq!(walk_skipping(&dir, Path::new(".")), full[..1]);
    for at in ["file", "link_dir", "a/f"] {
        assert_eq!(walk_skipping(&dir, Path::new(at)), full, "{at}");
    }
}

/// Makes `<tmp>/name` with the directories `dirs` below it, an empty `a` first.
fn small_tree(t: &Tree, name: &str, dirs: &[&str]) -> PathBuf {
    let root = t.tmp.path().join(name);
    for dir in ["a"].iter().chain(dirs) {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    root
}

/// A walk of `dir` that has yielded `.` and its first entry `a`, so that the root's
/// listing has been read.
fn walk_past_a(dir: &Dir) -> Walk<'_> {
    let mut walk = dir.walk();
    assert_eq!(walk.next().unwrap().unwrap().path, Path::new("."));
    assert_eq!(walk.next().unwrap().unwrap().path, Path::new("a"));
    walk
}

#[test]
fn walk_errors_carry_their_path_and_the_walk_goes_on() {
    let t = tree();
    let root = small_tree(&t, "small", &["b/inner"]);
    std::fs::write(root.join("c"), "").unwrap();
    let dir = Dir::open(&root).unwrap();
    let mut walk = walk_past_a(&dir);
    // `b` goes away before the walk reaches it.
    std::fs::remove_dir_all(root.join("b")).unwrap();
    let b = walk.next().unwrap().unwrap();
    assert_eq!(
        (b.path.as_path(), b.file_type),
        (Path::new("b"), FileType::Directory)
    );
    let err = walk.next().unwrap().unwrap_err();
    assert_eq!(
        err,
        WalkError {
            path: "b".into(),
            errno: Errno::ENOENT
        }
    );
    assert_eq!(err.to_string(), "b: ENOENT (No such file or directory)");
    assert_eq!(walk.next().unwrap().unwrap().path, Path::new("c"));
    assert!(walk.next().is_none());
    assert!(walk.next().is_none(), "fused");
}

#[test]
fn a_directory_swapped_for_a_link_to_root_is_not_followed() {
    let t = tree();
    let root = small_tree(&t, "swap", &["z/inner"]);
    let dir = Dir::open(&root).unwrap();
    let walk = walk_past_a(&dir);
    // The root's listing says `z` is a directory; it becomes a link to `/`.
    std::fs::rename(root.join("z"), t.tmp.path().join("z_moved")).unwrap();
    symlink("/", root.join("z")).unwrap();
    let rest: Vec<_> = walk.collect();
    assert_eq!(
        rest,
        [
            Ok(WalkEntry {
                path: "z".into(),
                file_type: FileType::Directory,
                depth: 1
            }),
            Err(WalkError {
                path: "z".into(),
                errno: Errno::ENOTDIR
            }),
        ]
    );
    // Created after the swap, the walk sees the link as a link.
    assert_eq!(collect(dir.walk())[2], ("z".into(), FileType::Symlink, 1));
}

#[test]
fn a_walk_racing_a_swapper_never_leaves_the_tree() {
    let _alone = alone();
    let t = build_tree();
    let root = t.tmp.path().join("race");
    std::fs::create_dir_all(root.join("victim")).unwrap();
    std::fs::write(root.join("victim/inside_marker"), "").unwrap();
    symlink("/", root.join("decoy")).unwrap();
    let dir = Dir::open(&root).unwrap();
    let seen = during_rename_storm(&dir, "victim", "decoy", || {
        let mut seen = Vec::new();
        for _ in 0..1000 {
            for item in dir.walk() {
                match item {
                    Ok(entry) => seen.push(entry.path),
                    // Listed as a directory, a link by the time it is opened.
                    Err(err) => assert_eq!(err.errno, Errno::ENOTDIR, "{err}"),
                }
            }
        }
        seen
    });
    for path in &seen {
        let depth = path.components().count();
        assert!(
            depth == 1 || path.file_name() == Some(OsStr::new("inside_marker")) && depth == 2,
            "escaped: {}",
            path.display()
        );
    }
}

#[test]
fn dot_dot_lookups_survive_a_rename_storm() {
    let _alone = alone();
    let t = build_tree();
    let dir = t.dir();
    // Renames anywhere make the kernel answer EAGAIN to a few percent of `..` lookups
    // made meanwhile; the retries hide that, and never turn a refusal into a success.
    let outcomes = during_rename_storm(&dir, "empty_dir", "Z_upper", || {
        (0..3000)
            .map(|i| match i % 2 {
                0 => dir.read_file("a/../file").map(drop),
                _ => dir.read_file("a/../../outside_secret").map(drop),
            })
            .collect::<Vec<_>>()
    });
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let want = [Ok(()), Err(Errno::EXDEV)][i % 2];
        assert_eq!(outcome, want, "lookup {i}");
    }
}

// ---------------------------------------------------------------------------------
// Confinement.

#[test]
fn escapes_are_exdev() {
    let t = tree();
    let dir = t.dir();
    let escapes = [
        "..",
        "../outside_secret",
        "a/../../outside_secret",
        "/etc/passwd",
        "/",
        "link_root",
        "link_root/etc/passwd",
        "a/up",
        "a/up/outside_secret",
        "link_out",
        "link_abs_out",
        "link_reenter",
        "chain1",
        "a/chain2",
        "link_dir/../../../outside_secret",
    ];
    for path in escapes {
        let model = beneath_model(&t.root, path.as_bytes(), true);
        assert_eq!(model.map(drop), Err(Errno::EXDEV), "model {path}");
        // `lstat` and `read_link` stop at a final link, which itself lies inside.
        let link_itself = beneath_model(&t.root, path.as_bytes(), false).map(drop);
        for (method, outcome) in outcomes(&dir, path.as_bytes()) {
            let want = match method {
                "lstat" | "read_link" => link_itself,
                _ => Err(Errno::EXDEV),
            };
            assert_eq!(outcome, want, "{method} {path}");
        }
    }
    assert_eq!(dir.lstat("link_root/etc").map(drop), Err(Errno::EXDEV));
    assert!(!t.tmp.path().join("etc").exists());
}

#[test]
fn creating_through_a_link_that_leads_out_is_refused() {
    let t = tree();
    symlink("../created_outside", t.root.join("dangling_out")).unwrap();
    let dir = t.dir();
    let create = OFlags::WRONLY | OFlags::CREAT;
    for path in ["dangling_out", "../created_outside", "/tmp/created_outside"] {
        assert_eq!(
            dir.open_with(path, create, Mode::RUSR).map(drop),
            Err(Errno::EXDEV),
            "{path}"
        );
    }
    assert!(!t.tmp.path().join("created_outside").exists());
    // Inside, creating works, through an inside link too.
    dir.open_with("a/new", create, Mode::RUSR | Mode::WUSR)
        .unwrap();
    dir.open_with("link_dir/new", create, Mode::RUSR).unwrap();
    assert!(t.root.join("a/new").is_file());
    assert!(t.root.join("a/b/new").is_file());
    // openat2's rule: a mode without CREAT is EINVAL.
    assert_eq!(
        dir.open_with("file", OFlags::RDONLY, Mode::RUSR).map(drop),
        Err(Errno::EINVAL)
    );
}

#[test]
fn a_sub_handle_cannot_reach_its_parent() {
    let t = tree();
    let dir = t.dir();
    let a = dir.sub("a").unwrap();
    for path in [
        "..",
        "../file",
        "../a/f",
        "b/../../file",
        "up",
        "chain2",
        "/",
    ] {
        assert_eq!(a.open_file(path).map(drop), Err(Errno::EXDEV), "{path}");
        assert_eq!(a.sub(path).map(drop), Err(Errno::EXDEV), "{path}");
        assert_eq!(a.stat(path).map(drop), Err(Errno::EXDEV), "{path}");
    }
    let b = a.sub("b").unwrap();
    assert_eq!(b.read_file("../f").map(drop), Err(Errno::EXDEV));
    assert_eq!(b.read_file("deep").unwrap(), b"deep down");
    assert_eq!(a.read_file("b/../f").unwrap(), b"in a");
}

#[test]
fn lookups_that_stay_inside_work() {
    let t = tree();
    let dir = t.dir();
    let inside = [
        ("link_file", "a/f"),
        ("link_dir/deep", "a/b/deep"),
        ("a/../file", "file"),
        ("a/b/../f", "a/f"),
        ("link_dir/../f", "a/f"),
        ("./file", "file"),
        ("a/./b/./deep", "a/b/deep"),
        ("Z_upper/../a b", "a b"),
    ];
    for (path, real) in inside {
        let want = std::fs::read(t.root.join(real)).unwrap();
        assert_eq!(dir.read_file(path).unwrap(), want, "{path}");
        let model = beneath_model(&t.root, path.as_bytes(), true).unwrap();
        assert_eq!(model, t.root.join(real), "{path}");
    }
    assert_eq!(
        dir.sub("link_dir").unwrap().read_file("deep").unwrap(),
        b"deep down"
    );
}

#[test]
fn magic_links_are_eloop() {
    let _fds = shared();
    let proc_self = Dir::open("/proc/self").unwrap();
    for path in ["cwd", "exe", "root", "cwd/Cargo.toml"] {
        assert_eq!(proc_self.stat(path).map(drop), Err(Errno::ELOOP), "{path}");
    }
    // The magic link itself can be described and read: it lies inside.
    assert_eq!(
        proc_self.lstat("cwd").unwrap().file_type(),
        FileType::Symlink
    );
    assert_eq!(
        proc_self.read_link("cwd").unwrap(),
        std::env::current_dir().unwrap()
    );
}

/// Paths of up to six components from names in the tree (links in and out, loops,
/// missing names, `.` and `..`), sometimes absolute.
fn lookup_path() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    const NAMES: [&str; 22] = [
        "a",
        "b",
        "f",
        "deep",
        "up",
        "chain2",
        "file",
        "..",
        ".",
        "link_dir",
        "link_file",
        "link_root",
        "link_out",
        "link_abs_out",
        "link_reenter",
        "chain1",
        "loop1",
        "dangling",
        "nope",
        "empty_dir",
        "etc",
        "outside_secret",
    ];
    (
        proptest::collection::vec(proptest::sample::select(&NAMES[..]), 1..7),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(parts, absolute)| {
            let joined = parts.join("/");
            if absolute {
                format!("/{joined}")
            } else {
                joined
            }
            .into_bytes()
        })
}

proptest::proptest! {
    #[test]
    fn stat_and_lstat_agree_with_the_beneath_model(path in lookup_path()) {
        let _fds = shared();
        thread_local! {
            static TREE: Tree = build_tree();
        }
        TREE.with(|t| {
            let dir = t.dir();
            for follow in [true, false] {
                let ours = if follow { dir.stat(&path) } else { dir.lstat(&path) };
                let ours = ours.map(|st| (st.stx_ino, st.stx_mode));
                let model = beneath_model(&t.root, &path, follow).map(|p| {
                    let meta = std::fs::symlink_metadata(p).unwrap();
                    (meta.ino(), meta.mode() as u16)
                });
                proptest::prop_assert_eq!(ours, model, "{:?} follow={}", os(&path), follow);
            }
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------------
// The fs.FS surface against std.

#[test]
fn read_file_equals_std() {
    let t = tree();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for (name, len) in [("big", big.len()), ("512", 512), ("511", 511), ("513", 513)] {
        std::fs::write(t.root.join(name), &big[..len]).unwrap();
    }
    let dir = t.dir();
    let mut checked = 0;
    for (path, file_type, _) in std_walk(&t.root) {
        if file_type == FileType::RegularFile {
            let ours = dir.read_file(&path).unwrap();
            assert_eq!(ours, std::fs::read(t.root.join(&path)).unwrap(), "{path:?}");
            checked += 1;
        }
    }
    assert!(checked >= 13);
    assert_eq!(dir.read_file("big").unwrap(), big);
    // Files whose size says 0 but hold more.
    let proc_self = Dir::open("/proc/self").unwrap();
    for name in ["mountinfo", "environ", "cmdline"] {
        let want = std::fs::read(Path::new("/proc/self").join(name)).unwrap();
        assert_eq!(proc_self.read_file(name).unwrap(), want, "{name}");
    }
    let std_err = errno_of(std::fs::read(t.root.join("a")).unwrap_err());
    assert_eq!(dir.read_file("a").unwrap_err(), std_err);
    assert_eq!(std_err, Errno::EISDIR);
}

#[test]
fn stat_and_lstat_equal_std_metadata() {
    let t = tree();
    let dir = t.dir();
    for (path, _, _) in std_walk(&t.root) {
        let full = t.root.join(&path);
        let bytes = path.as_os_str().as_bytes();
        let lstat = dir.lstat(&path).unwrap();
        assert_eq!(
            stat_key(&lstat),
            meta_key(&std::fs::symlink_metadata(&full).unwrap()),
            "{path:?}"
        );
        match beneath_model(&t.root, bytes, true) {
            Ok(_) => assert_eq!(
                stat_key(&dir.stat(&path).unwrap()),
                meta_key(&std::fs::metadata(&full).unwrap()),
                "{path:?}"
            ),
            Err(errno) => assert_eq!(dir.stat(&path).map(drop), Err(errno), "{path:?}"),
        }
    }
    assert_eq!(dir.stat("loop1").map(drop), Err(Errno::ELOOP));
    assert_eq!(dir.stat("dangling").map(drop), Err(Errno::ENOENT));
    assert_eq!(
        dir.lstat("dangling").unwrap().file_type(),
        FileType::Symlink
    );
}

#[test]
fn read_dir_equals_std_sorted() {
    let t = tree();
    let dir = t.dir();
    let dirs = std_walk(&t.root)
        .into_iter()
        .filter(|(_, file_type, _)| *file_type == FileType::Directory);
    for (path, _, _) in dirs {
        let mut want: Vec<_> = std::fs::read_dir(t.root.join(&path))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name(), std_type(e.file_type().unwrap()), e.ino())
            })
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let ours: Vec<_> = dir
            .read_dir(&path)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.file_type, e.ino))
            .collect();
        assert_eq!(ours, want, "{path:?}");
    }
    // Through an inside link, and the handle's own directory as `.`.
    let via_link: Vec<_> = dir
        .read_dir("link_dir")
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(via_link, ["deep"]);
    assert!(dir.read_dir("empty_dir").unwrap().is_empty());
    assert_eq!(dir.read_dir(".").unwrap(), dir.read_dir("a/..").unwrap());
}

#[test]
fn read_link_equals_std() {
    let t = tree();
    let long = "x/".repeat(300);
    symlink(&long, t.root.join("long_link")).unwrap();
    let dir = t.dir();
    let links = std_walk(&t.root)
        .into_iter()
        .filter(|(_, file_type, _)| *file_type == FileType::Symlink);
    let mut checked = 0;
    for (path, _, _) in links {
        let want = std::fs::read_link(t.root.join(&path)).unwrap();
        assert_eq!(dir.read_link(&path).unwrap(), want, "{path:?}");
        checked += 1;
    }
    assert!(checked >= 13);
    assert_eq!(dir.read_link("long_link").unwrap(), Path::new(&long));
    assert_eq!(
        dir.read_link("link_dir/../up").unwrap(),
        Path::new("../../")
    );
    let std_err = errno_of(std::fs::read_link(t.root.join("file")).unwrap_err());
    assert_eq!(std_err, Errno::EINVAL);
    assert_eq!(dir.read_link("file").unwrap_err(), std_err);
    assert_eq!(dir.read_link("a").unwrap_err(), std_err);
}

// ---------------------------------------------------------------------------------
// Errors and descriptors.

#[test]
fn error_paths() {
    let t = tree();
    let dir = t.dir();
    let every_method_fails = [
        ("nope", Errno::ENOENT),
        ("", Errno::ENOENT),
        ("a/nope/x", Errno::ENOENT),
        ("file/x", Errno::ENOTDIR),
        ("link_file/x", Errno::ENOTDIR),
        ("loop1/x", Errno::ELOOP),
        ("fi\0le", Errno::EINVAL),
        ("\0", Errno::EINVAL),
    ];
    for (path, errno) in every_method_fails {
        for (method, outcome) in outcomes(&dir, path.as_bytes()) {
            assert_eq!(outcome, Err(errno), "{method} {path:?}");
        }
    }
    let enotdir = Err(Errno::ENOTDIR);
    assert_eq!(dir.sub("file").map(drop), enotdir);
    assert_eq!(dir.sub("link_file").map(drop), enotdir);
    assert_eq!(dir.read_dir("file").map(drop), enotdir);
    assert_eq!(Dir::open(t.root.join("file")).map(drop), enotdir);
    let file: OwnedFd = std::fs::File::open(t.root.join("file")).unwrap().into();
    assert_eq!(Dir::from_fd(file).map(drop), enotdir);
    assert_eq!(Dir::open(t.root.join("nope")).map(drop), Err(Errno::ENOENT));
    assert_eq!(Dir::open("a\0b").map(drop), Err(Errno::EINVAL));
    assert_eq!(dir.open_file("loop1").map(drop), Err(Errno::ELOOP));
}

#[test]
fn from_fd_and_into_fd() {
    let t = tree();
    let path_fd = fs::open(&t.root, OFlags::PATH | OFlags::CLOEXEC, Mode::empty()).unwrap();
    let dir = Dir::from_fd(path_fd).unwrap();
    assert_eq!(collect(dir.walk()), std_walk(&t.root));
    let fd = dir.into_fd();
    assert_eq!(
        fs::fstat(&fd).unwrap().st_ino,
        std::fs::metadata(&t.root).unwrap().ino()
    );
}

#[test]
fn no_descriptor_leaks_on_any_path() {
    let _alone = alone();
    let t = build_tree();
    let dir = t.dir();
    let exercise = || {
        // Every method on paths that fail at each step: lookup, type, NUL.
        let failing = [
            "nope",
            "../outside_secret",
            "link_root/etc",
            "loop1/x",
            "file/x",
            "a\0",
        ];
        for path in failing {
            let all = outcomes(&dir, path.as_bytes());
            assert!(all.iter().all(|(_, o)| o.is_err()), "{path:?}: {all:?}");
        }
        // Lookups that succeed, then fail: read_dir of a file, read_file of a directory,
        // read_link of what is no link.
        for path in ["file", "a", "link_file"] {
            let all = outcomes(&dir, path.as_bytes());
            assert!(all.iter().any(|(_, o)| o.is_ok()), "{path}: {all:?}");
            assert!(all.iter().any(|(_, o)| o.is_err()), "{path}: {all:?}");
        }
        assert!(Dir::open(t.root.join("file")).is_err());
        let file = std::fs::File::open(t.root.join("file")).unwrap();
        assert!(Dir::from_fd(file.into()).is_err());
        // Whole walks, and walks dropped halfway down.
        assert_eq!(dir.sub("a").unwrap().walk().count(), 6);
        assert!(dir.walk().count() > 20);
        let mut walk = dir.walk();
        let deep = Path::new("a/b/deep");
        assert!(walk.by_ref().any(|e| e.unwrap().path == deep));
        drop(walk);
    };
    exercise();
    let before = open_fds();
    for _ in 0..50 {
        exercise();
    }
    assert_eq!(open_fds(), before);
}

#[test]
fn each_method_makes_the_system_calls_it_documents() {
    use Sysno::{fstat, getdents64, openat, openat2, read, readlinkat, statx};
    let t = tree();
    let dir = t.dir();
    assert_eq!(calls_of(|| Dir::open(&t.root)), [ok(openat)]);
    let fd: OwnedFd = std::fs::File::open(&t.root).unwrap().into();
    assert_eq!(calls_of(|| Dir::from_fd(fd)), [ok(fstat)]);
    assert_eq!(calls_of(|| dir.open_file("file")), [ok(openat2)]);
    assert_eq!(calls_of(|| dir.sub("a")), [ok(openat2)]);
    assert_eq!(calls_of(|| dir.stat("file")), [ok(openat2), ok(statx)]);
    assert_eq!(
        calls_of(|| dir.lstat("link_file")),
        [ok(openat2), ok(statx)]
    );
    let read_link = calls_of(|| dir.read_link("link_file"));
    assert_eq!(read_link, [ok(openat2), ok(readlinkat)]);
    let read_file = calls_of(|| dir.read_file("file"));
    assert_eq!(read_file, [ok(openat2), ok(fstat), ok(read), ok(read)]);
    let read_dir = calls_of(|| dir.read_dir("a"));
    assert_eq!(read_dir, [ok(openat2), ok(getdents64), ok(getdents64)]);
    let empty = dir.sub("empty_dir").unwrap();
    let mut walk = empty.walk();
    assert_eq!(calls_of(|| walk.next()), []);
    let listing = calls_of(|| walk.next());
    assert_eq!(listing, [ok(openat2), ok(getdents64), ok(getdents64)]);

    // A refused lookup is the first call's answer, and nothing follows it.
    let exdev = [(openat2, Err(Errno::EXDEV))];
    assert_eq!(calls_of(|| dir.stat("link_root/etc")), exdev);
    assert_eq!(calls_of(|| dir.read_file("../outside_secret")), exdev);
    // `readlinkat` of a descriptor that is no link says ENOENT; `read_link` says EINVAL.
    let not_a_link = calls_of(|| dir.read_link("file"));
    assert_eq!(not_a_link, [ok(openat2), (readlinkat, Err(Errno::ENOENT))]);
}
