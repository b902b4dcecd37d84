//! ext4 through the `fs::Inode` interface, on images made by e2fsprogs' `mkfs.ext4 -d` at test
//! time, checked afterwards by `e2fsck -fn` and read back by `debugfs` (an independent reader).
//!
//! e2fsprogs is required (scripts/setup.sh installs it); the tests fail with a clear message
//! without it.
use abi::Errno;
use drivers::{MemDisk, SharedDevice};
use ext4fs::Ext4Fs;
use fs::inode::RenameMode;
use fs::{FileKind, InodeRef};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use sync::Mutex;

/// An e2fsprogs tool, from PATH or the sbin directories (not on every user's PATH).
fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found: install e2fsprogs (scripts/setup.sh does)");
}

/// A fresh scratch directory under the target dir.
fn scratch(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "ext4fs-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Deterministic bytes.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The tree every test starts from.
fn populate(root: &Path) {
    std::fs::write(root.join("hello.txt"), "hello, ext4\n").unwrap();
    std::fs::create_dir_all(root.join("etc/deep/er")).unwrap();
    std::fs::write(root.join("etc/motd"), "welcome\n").unwrap();
    std::fs::write(root.join("etc/deep/er/leaf"), "leaf\n").unwrap();
    std::fs::write(root.join("big.bin"), pattern(3 << 20, 7)).unwrap();
    std::os::unix::fs::symlink("hello.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink("x".repeat(200), root.join("longlink")).unwrap();
    std::fs::create_dir(root.join("empty")).unwrap();
}

struct Image {
    dir: PathBuf,
    path: PathBuf,
}

impl Image {
    /// `mkfs.ext4 -d` of the standard tree, formatted as scripts/run.sh formats root images.
    fn new(tag: &str) -> Image {
        Self::with_features(tag, "^dir_index")
    }

    fn with_features(tag: &str, features: &str) -> Image {
        let dir = scratch(tag);
        let tree = dir.join("tree");
        std::fs::create_dir(&tree).unwrap();
        populate(&tree);
        let path = dir.join("disk.img");
        let out = Command::new(tool("mkfs.ext4"))
            .args(["-q", "-F", "-b", "4096", "-O", features, "-E", "root_owner=0:0", "-d"])
            .arg(&tree)
            .arg(&path)
            .arg("32M")
            .output()
            .unwrap();
        assert!(out.status.success(), "mkfs.ext4: {}", String::from_utf8_lossy(&out.stderr));
        Image { dir, path }
    }

    fn device(&self) -> (SharedDevice, Arc<Mutex<Vec<u8>>>) {
        let disk = MemDisk::new(std::fs::read(&self.path).unwrap());
        let bytes = disk.bytes();
        (Arc::new(Mutex::new(disk)), bytes)
    }

    fn mount(&self) -> Mounted {
        let (dev, bytes) = self.device();
        let fs = ext4fs::mount(dev, "test", 0xfe00, false).expect("mount");
        let root = fs.root_dir();
        Mounted { fs, root, bytes, path: self.path.clone() }
    }

    /// `e2fsck -fn`: the full check, changing nothing. Returns its report on failure.
    fn fsck(&self) -> Result<(), String> {
        let out = Command::new(tool("e2fsck")).arg("-fn").arg(&self.path).output().unwrap();
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// What debugfs (e2fsprogs' own reader) finds at `path`.
    fn debugfs_cat(&self, path: &str) -> Vec<u8> {
        let out = Command::new(tool("debugfs")).arg("-R").arg(format!("cat {path}")).arg(&self.path).output().unwrap();
        out.stdout
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Mounted {
    fs: Arc<Ext4Fs>,
    root: InodeRef,
    bytes: Arc<Mutex<Vec<u8>>>,
    path: PathBuf,
}

impl Mounted {
    fn get(&self, path: &str) -> Result<InodeRef, Errno> {
        fs::path::lookup(&self.root, &self.root, path, false)
    }
    fn read_all(&self, path: &str) -> Vec<u8> {
        let node = fs::path::lookup(&self.root, &self.root, path, true).unwrap();
        let mut out = vec![0u8; node.stat().st_size as usize + 100];
        let mut off = 0;
        loop {
            let n = node.read_at(off as u64, &mut out[off..]).unwrap();
            if n == 0 {
                break;
            }
            off += n;
        }
        out.truncate(off);
        out
    }
    fn names(&self, path: &str) -> Vec<String> {
        self.get(path).unwrap().read_dir().unwrap().into_iter().map(|d| d.name).collect()
    }
    /// Unmount and write the disk back to the image file.
    fn unmount(self) {
        let Mounted { fs, root, bytes, path } = self;
        drop(root);
        fs.unmount().expect("unmount");
        std::fs::write(path, &*bytes.lock()).unwrap();
    }
}

#[test]
fn reads_the_files_mkfs_put_there() {
    let img = Image::new("read");
    let m = img.mount();
    assert_eq!(m.read_all("/hello.txt"), b"hello, ext4\n");
    assert_eq!(m.read_all("/etc/deep/er/leaf"), b"leaf\n");
    assert_eq!(m.read_all("/big.bin"), pattern(3 << 20, 7));
    assert_eq!(m.read_all("/link"), b"hello, ext4\n", "followed symlink");
    assert_eq!(m.get("/link").unwrap().read_link().unwrap(), "hello.txt");
    assert_eq!(m.get("/longlink").unwrap().read_link().unwrap(), "x".repeat(200), "a slow symlink (in a block)");

    let root = m.root.stat();
    assert_eq!(root.st_ino, 2);
    assert_eq!(root.st_mode & abi::flags::S_IFMT, abi::flags::S_IFDIR);
    assert_eq!(root.st_dev, 0xfe00);
    let hello = m.get("/hello.txt").unwrap().stat();
    assert_eq!((hello.st_size, hello.st_nlink, hello.st_mode), (12, 1, abi::flags::S_IFREG | 0o644));
    assert!(hello.st_mtime > 1_600_000_000, "a real time stamp");
    assert_eq!(m.get("/etc").unwrap().stat().st_nlink, 3, "etc has one subdirectory");
    let big = m.get("/big.bin").unwrap().stat();
    assert_eq!(big.st_blocks, (3 << 20) / 512);

    let names = m.names("/");
    assert_eq!(&names[..2], [".", ".."]);
    for n in ["hello.txt", "etc", "big.bin", "link", "longlink", "empty", "lost+found"] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    let etc = m.get("/etc").unwrap().read_dir().unwrap();
    assert_eq!(etc[1].ino, 2, "etc's .. is the root");
    let deep = etc.iter().find(|d| d.name == "deep").unwrap();
    assert_eq!(deep.kind, FileKind::Directory);
    assert_eq!(m.get("/etc/deep/er/../..").unwrap().stat().st_ino, etc[0].ino);
    assert!(Arc::ptr_eq(&m.get("/etc").unwrap(), &m.get("/etc/deep/..").unwrap()), "one node per inode");

    let mut buf = [0u8; 8];
    let hello = m.get("/hello.txt").unwrap();
    assert_eq!(hello.read_at(12, &mut buf), Ok(0), "end of file");
    assert_eq!(hello.read_at(1 << 40, &mut buf), Ok(0));
    assert_eq!(hello.read_at(7, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"ext4\n");
    assert_eq!(m.get("/nope").err(), Some(Errno::ENOENT));
    assert_eq!(m.get("/hello.txt/x").err(), Some(Errno::ENOTDIR));
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn writes_creates_unlinks_and_renames_survive_a_remount_and_pass_e2fsck() {
    let img = Image::new("write");
    let m = img.mount();
    let root = m.root.clone();

    // New files, an overwrite in the middle, an append, a sparse write.
    let f = root.create("new.txt", FileKind::Regular, 0o640).unwrap();
    assert_eq!(f.write_at(0, b"first line\n"), Ok(11));
    assert_eq!(f.write_at(6, b"LINE"), Ok(4));
    assert_eq!(f.write_at(11, b"second\n"), Ok(7));
    let sparse = root.create("sparse", FileKind::Regular, 0o600).unwrap();
    sparse.write_at(10 << 20, b"end").unwrap();
    let data = pattern(1 << 20, 3);
    let big = root.create("data.bin", FileKind::Regular, 0o644).unwrap();
    for (i, part) in data.chunks(70_000).enumerate() {
        big.write_at((i * 70_000) as u64, part).unwrap();
    }
    // Truncate: shrink the image's big file, grow and shrink another.
    let bigbin = m.get("/big.bin").unwrap();
    bigbin.truncate(5000).unwrap();
    assert_eq!(bigbin.stat().st_size, 5000);
    let hello = m.get("/hello.txt").unwrap();
    hello.truncate(5).unwrap();
    hello.write_at(5, b"!").unwrap();

    // Directories, symlinks, hard links.
    let d = root.create("dir", FileKind::Directory, 0o755).unwrap();
    let sub = d.create("sub", FileKind::Directory, 0o700).unwrap();
    sub.create("inner", FileKind::Regular, 0o644).unwrap().write_at(0, b"inner\n").unwrap();
    assert_eq!(d.stat().st_nlink, 3);
    d.symlink("up", "../hello.txt").unwrap();
    d.link("motd-again", m.get("/etc/motd").unwrap()).unwrap();
    assert_eq!(m.get("/etc/motd").unwrap().stat().st_nlink, 2);
    assert_eq!(m.read_all("/dir/up"), b"hello!");

    // Unlink and rmdir.
    root.unlink("link").unwrap();
    m.get("/etc/deep/er").unwrap().unlink("leaf").unwrap();
    m.get("/etc/deep").unwrap().rmdir("er").unwrap();
    root.rmdir("empty").unwrap();
    // Renames: a file into another directory, over an existing file, a directory across.
    root.rename("new.txt", &d, "renamed.txt", RenameMode::Replace).unwrap();
    root.create("victim", FileKind::Regular, 0o644).unwrap().write_at(0, b"gone").unwrap();
    d.rename("renamed.txt", &root, "victim", RenameMode::Replace).unwrap();
    d.rename("sub", &m.get("/etc").unwrap(), "moved", RenameMode::Replace).unwrap();
    assert_eq!(m.get("/etc/moved/..").unwrap().stat().st_ino, m.get("/etc").unwrap().stat().st_ino);
    assert_eq!(d.stat().st_nlink, 2, "sub left dir");
    assert_eq!(m.get("/etc").unwrap().stat().st_nlink, 4, "deep and moved");
    drop((f, sparse, big, bigbin, hello, d, sub, root));
    m.unmount();

    img.fsck().unwrap();
    assert_eq!(img.debugfs_cat("/victim"), b"first LINE\nsecond\n", "e2fsprogs reads what we wrote");
    assert_eq!(img.debugfs_cat("/data.bin"), data);
    assert_eq!(img.debugfs_cat("/etc/moved/inner"), b"inner\n");

    let m = img.mount();
    assert_eq!(m.read_all("/victim"), b"first LINE\nsecond\n");
    assert_eq!(m.get("/victim").unwrap().stat().st_mode, abi::flags::S_IFREG | 0o640);
    assert_eq!(m.read_all("/data.bin"), data);
    let s = m.read_all("/sparse");
    assert_eq!(s.len(), (10 << 20) + 3);
    assert!(s[..10 << 20].iter().all(|&b| b == 0) && &s[10 << 20..] == b"end");
    assert!(m.get("/sparse").unwrap().stat().st_blocks <= 16, "the hole takes no blocks");
    assert_eq!(m.read_all("/big.bin"), pattern(3 << 20, 7)[..5000]);
    assert_eq!(m.read_all("/hello.txt"), b"hello!");
    assert_eq!(m.read_all("/dir/motd-again"), b"welcome\n");
    assert_eq!(m.get("/dir/up").unwrap().read_link().unwrap(), "../hello.txt");
    assert_eq!(m.read_all("/etc/moved/inner"), b"inner\n");
    assert_eq!(m.get("/etc/moved").unwrap().stat().st_mode & 0o7777, 0o700);
    for gone in ["/link", "/new.txt", "/empty", "/etc/deep/er", "/dir/sub", "/dir/renamed.txt"] {
        assert_eq!(m.get(gone).err(), Some(Errno::ENOENT), "{gone}");
    }
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn an_open_unlinked_file_lives_until_its_last_reference_goes() {
    let img = Image::new("orphan");
    let m = img.mount();
    let free = || m.fs.statfs().unwrap();
    let (_, free_blocks0, _, _, free_inodes0) = free();
    let f = m.root.create("tmpfile", FileKind::Regular, 0o600).unwrap();
    f.write_at(0, &pattern(400_000, 1)).unwrap();
    m.root.unlink("tmpfile").unwrap();
    assert_eq!(m.get("/tmpfile").err(), Some(Errno::ENOENT));
    assert_eq!(f.stat().st_nlink, 0);
    let mut buf = vec![0u8; 400_000];
    assert_eq!(f.read_at(0, &mut buf), Ok(400_000), "still readable");
    assert_eq!(buf, pattern(400_000, 1));
    assert_eq!(m.fs.unmount(), Err(Errno::EBUSY), "an open orphan keeps the disk busy");
    let (_, blocks_held, _, _, _) = free();
    assert!(blocks_held < free_blocks0);
    drop(f);
    // The next operation frees it.
    let (_, free_blocks, _, _, free_inodes) = free();
    let _ = m.names("/");
    let (_, free_blocks_after, _, _, free_inodes_after) = free();
    assert!(free_blocks_after >= free_blocks, "{free_blocks_after} >= {free_blocks}");
    assert_eq!((free_blocks_after, free_inodes_after), (free_blocks0, free_inodes0));
    let _ = free_inodes;
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn errors_are_the_linux_ones() {
    let img = Image::new("errors");
    let m = img.mount();
    let root = &m.root;
    assert_eq!(root.create("hello.txt", FileKind::Regular, 0o644).err(), Some(Errno::EEXIST));
    assert_eq!(root.create("etc", FileKind::Directory, 0o755).err(), Some(Errno::EEXIST));
    assert_eq!(root.rmdir("etc").err(), Some(Errno::ENOTEMPTY));
    assert_eq!(root.unlink("nope").err(), Some(Errno::ENOENT));
    assert_eq!(root.lookup(&"n".repeat(256)).err(), Some(Errno::ENAMETOOLONG));
    let hello = m.get("/hello.txt").unwrap();
    assert_eq!(hello.lookup("x").err(), Some(Errno::ENOTDIR));
    assert_eq!(hello.create("x", FileKind::Regular, 0o644).err(), Some(Errno::ENOTDIR));
    assert_eq!(root.read_at(0, &mut [0u8; 4]).err(), Some(Errno::EISDIR));
    assert_eq!(hello.read_link().err(), Some(Errno::EINVAL));
    assert_eq!(root.link("d", m.get("/etc").unwrap()).err(), Some(Errno::EPERM), "no hard links to directories");
    let ram: InodeRef = fs::ramfs::RamDir::new_root();
    assert_eq!(root.link("r", ram.clone()).err(), Some(Errno::EXDEV));
    assert_eq!(root.rename("hello.txt", &ram, "x", RenameMode::Replace).err(), Some(Errno::EXDEV));
    assert_eq!(
        root.rename("hello.txt", &m.get("/etc").unwrap(), "motd", RenameMode::NoReplace).err(),
        Some(Errno::EEXIST)
    );
    root.rename("hello.txt", &m.get("/etc").unwrap(), "motd", RenameMode::Exchange).unwrap();
    assert_eq!(m.read_all("/hello.txt"), b"welcome\n");
    assert_eq!(m.read_all("/etc/motd"), b"hello, ext4\n");
    drop(hello);
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn a_big_directory_grows_and_shrinks_cleanly() {
    let img = Image::new("bigdir");
    let m = img.mount();
    let d = m.root.create("many", FileKind::Directory, 0o755).unwrap();
    let other = m.root.create("other", FileKind::Directory, 0o755).unwrap();
    // Interleave two directories so that neither grows in contiguous blocks (its extent tree must
    // grow past the four extents held in the inode).
    for i in 0..1500 {
        for dir in [&d, &other] {
            let f = dir.create(&format!("a-fairly-long-file-name-{i:05}"), FileKind::Regular, 0o644).unwrap();
            f.write_at(0, format!("{i}\n").as_bytes()).unwrap();
        }
    }
    for i in (0..1500).step_by(2) {
        d.unlink(&format!("a-fairly-long-file-name-{i:05}")).unwrap();
    }
    for i in (1..1500).step_by(4) {
        d.rename(&format!("a-fairly-long-file-name-{i:05}"), &other, &format!("r{i}"), RenameMode::Replace).unwrap();
    }
    let names = d.read_dir().unwrap();
    assert_eq!(names.len(), 2 + 750 - 375);
    assert_eq!(m.read_all("/many/a-fairly-long-file-name-01499"), b"1499\n");
    assert_eq!(m.read_all("/other/r1"), b"1\n");
    drop((d, other));
    m.unmount();
    img.fsck().unwrap();
    let m = img.mount();
    assert_eq!(m.names("/other").len(), 2 + 1500 + 375);
    m.unmount();
}

#[test]
fn special_files_and_metadata_changes() {
    let img = Image::new("meta");
    let m = img.mount();
    let fifo = m.root.create("fifo", FileKind::Fifo, 0o600).unwrap();
    assert_eq!(fifo.stat().st_mode, abi::flags::S_IFIFO | 0o600);
    let hello = m.get("/hello.txt").unwrap();
    hello
        .set_attr(&fs::inode::SetAttr {
            mode: Some(0o600),
            uid: Some(1000),
            atime: Some(fs::inode::TimeSet::At(1_000_000, 0)),
            mtime: Some(fs::inode::TimeSet::At(2_000_000, 0)),
            ..Default::default()
        })
        .unwrap();
    let st = hello.stat();
    assert_eq!((st.st_mode & 0o7777, st.st_uid, st.st_gid), (0o600, 1000, 0));
    assert_eq!((st.st_atime, st.st_mtime), (1_000_000, 2_000_000));
    hello.fsync().unwrap();
    drop((fifo, hello));
    m.unmount();
    img.fsck().unwrap();
    let m = img.mount();
    let st = m.get("/hello.txt").unwrap().stat();
    assert_eq!((st.st_mode & 0o7777, st.st_uid, st.st_mtime), (0o600, 1000, 2_000_000));
    assert_eq!(m.get("/fifo").unwrap().kind(), FileKind::Fifo);
    m.unmount();
}

#[test]
fn not_ext4_is_einval() {
    let dev: SharedDevice = Arc::new(Mutex::new(MemDisk::new(vec![0; 1 << 20])));
    assert_eq!(ext4fs::mount(dev, "zero", 1, false).err(), Some(Errno::EINVAL));
}

#[test]
fn a_read_only_disk_mounts_read_only() {
    let img = Image::new("ro");
    let mut disk = MemDisk::new(std::fs::read(&img.path).unwrap());
    disk.set_read_only(true);
    let fs = ext4fs::mount(Arc::new(Mutex::new(disk)), "ro", 2, false).unwrap();
    let root = fs.root_dir();
    let mut buf = [0u8; 5];
    root.lookup("hello.txt").unwrap().read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    assert_eq!(root.create("x", FileKind::Regular, 0o644).err(), Some(Errno::EROFS));
    drop(root);
    fs.unmount().unwrap();
}

/// rsext4 0.9.2 sets an htree directory's i_blocks from a value taken before the extent tree may
/// have grown a block (hashtree/mutation.rs, `append_directory_block`), so e2fsck reports
/// "i_blocks is X, should be Y" once such a directory spans more than four extents. Images made
/// by scripts/run.sh turn dir_index off to avoid it (docs/STORAGE.md); this test shows the bug is
/// still there (run with --ignored after upgrading rsext4: when it passes, dir_index can come back).
#[test]
#[ignore = "known rsext4 0.9.2 bug with dir_index: see docs/STORAGE.md"]
fn a_big_indexed_directory_passes_e2fsck() {
    let img = Image::with_features("htree", "dir_index");
    let m = img.mount();
    let d = m.root.create("many", FileKind::Directory, 0o755).unwrap();
    let other = m.root.create("other", FileKind::Directory, 0o755).unwrap();
    for i in 0..1500 {
        for dir in [&d, &other] {
            let f = dir.create(&format!("a-fairly-long-file-name-{i:05}"), FileKind::Regular, 0o644).unwrap();
            f.write_at(0, b"x").unwrap();
        }
    }
    drop((d, other));
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn indexed_directories_made_by_mkfs_are_read() {
    // mkfs.ext4 -d with dir_index makes an htree directory for a big directory: reading it (and
    // "..") must work even though images made here turn the feature off.
    let dir = scratch("htree-read");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("big")).unwrap();
    for i in 0..600 {
        std::fs::write(tree.join(format!("big/entry-with-a-long-name-{i:04}")), format!("{i}")).unwrap();
    }
    let path = dir.join("disk.img");
    let out = Command::new(tool("mkfs.ext4"))
        .args(["-q", "-F", "-b", "4096", "-d"])
        .arg(&tree)
        .arg(&path)
        .arg("16M")
        .output()
        .unwrap();
    assert!(out.status.success());
    let img = Image { dir, path };
    let m = img.mount();
    let big = m.get("/big").unwrap();
    let names = big.read_dir().unwrap();
    assert_eq!(names.len(), 602);
    assert_eq!((names[0].name.as_str(), names[1].name.as_str(), names[1].ino), (".", "..", 2));
    assert_eq!(big.lookup("..").unwrap().stat().st_ino, 2);
    assert_eq!(m.read_all("/big/entry-with-a-long-name-0599"), b"599");
    drop(big);
    m.unmount();
    img.fsck().unwrap();
}

#[test]
fn a_disk_is_mounted_once_and_an_unused_instance_unmounts_itself() {
    let img = Image::new("once");
    let (dev, bytes) = img.device();
    let fs = ext4fs::mount(dev.clone(), "once", 7, false).unwrap();
    assert_eq!(ext4fs::mount(dev.clone(), "once", 7, false).err(), Some(Errno::EBUSY));
    let f = fs.root_dir().create("made", FileKind::Regular, 0o644).unwrap();
    f.write_at(0, b"kept").unwrap();
    drop(f);
    drop(fs); // the last reference: unmounts (as when the VFS drops the mount)
    std::fs::write(&img.path, &*bytes.lock()).unwrap();
    img.fsck().unwrap();
    assert_eq!(img.debugfs_cat("/made"), b"kept");
    let again = ext4fs::mount(dev, "once", 7, false).unwrap();
    let fs: Arc<dyn fs::FileSystem> = again;
    assert_eq!(fs.fs_type(), "ext4");
    let st = fs.statfs();
    assert_eq!((st.magic, st.bsize, st.namelen), (0xEF53, 4096, 255));
    assert!(st.bfree > 0 && st.bfree < st.blocks && st.ffree < st.files);
    assert_eq!(fs.root().stat().st_ino, 2);
}

#[test]
fn unmount_lets_go_of_the_disk_while_nodes_live_on() {
    // umount(2) calls FileSystem::unmount; a node still held (cached pages hold theirs) must
    // not keep the disk: it can be mounted again (or written raw, kernel::blockdev) at once.
    let img = Image::new("letgo");
    let (dev, bytes) = img.device();
    let fs = ext4fs::mount(dev.clone(), "letgo", 7, false).unwrap();
    let f = fs.root_dir().create("made", FileKind::Regular, 0o644).unwrap();
    f.write_at(0, b"kept").unwrap();
    assert!(ext4fs::is_mounted(&dev));
    let vfs: Arc<dyn fs::FileSystem> = fs.clone();
    vfs.unmount().unwrap();
    assert!(!ext4fs::is_mounted(&dev), "the node lives on, the disk is free");
    assert_eq!(f.write_at(0, b"late"), Err(Errno::EIO), "the old instance no longer touches the disk");
    std::fs::write(&img.path, &*bytes.lock()).unwrap();
    img.fsck().unwrap();
    assert_eq!(img.debugfs_cat("/made"), b"kept");
    let again = ext4fs::mount(dev.clone(), "letgo", 7, false).unwrap();
    assert!(again.root_dir().lookup("made").is_ok());
    drop((f, fs, vfs)); // the old instance goes and writes nothing
    drop(again);
    std::fs::write(&img.path, &*bytes.lock()).unwrap();
    img.fsck().unwrap();
}

#[test]
fn the_mount_factory_finds_registered_disks_by_dev_path() {
    let img = Image::new("factory");
    let (dev, _bytes) = img.device();
    drivers::block::register("factorydisk", dev);
    assert_eq!(ext4fs::make("/dev/nodisk", 0, "").err(), Some(Errno::ENOENT));
    let fs = ext4fs::make("/dev/factorydisk", abi::flags::MS_RDONLY, "").unwrap();
    let root = fs.root();
    assert_eq!(fs::meta::dev_major(root.id().0), 254, "virtio disks are major 254");
    assert!(root.lookup("hello.txt").is_ok());
    assert_eq!(root.create("x", FileKind::Regular, 0o644).err(), Some(Errno::EROFS), "MS_RDONLY");
    assert_eq!(ext4fs::make("factorydisk", 0, "").err(), Some(Errno::EBUSY), "mounted once");
}

/// Page `index` of `node` as a mapping gets it (`shared`: MAP_SHARED).
fn mapped_page(node: &InodeRef, index: u64, shared: bool) -> Option<Arc<mm::Frame>> {
    node.clone().file_pages().expect("a regular file has a page cache").page(index, shared).unwrap()
}

#[test]
fn stores_into_a_shared_page_reach_the_disk_on_fsync_and_at_unmount() {
    let img = Image::new("mapped");
    let m = img.mount();
    let f = m.root.create("mapped.bin", FileKind::Regular, 0o644).unwrap();
    f.write_at(0, &pattern(3 * 4096 + 100, 5)).unwrap();
    // A private page is the cache's, and a store into a copy changes nothing.
    let private = mapped_page(&f, 0, false).unwrap();
    let mut first = [0u8; 8];
    private.read(0, &mut first);
    assert_eq!(first, pattern(8, 5)[..]);
    // Shared pages: one stored into and synced, one stored into and left for the unmount.
    let page1 = mapped_page(&f, 1, true).unwrap();
    page1.write(0, b"stored through a mapping");
    let on_disk = |m: &Mounted| m.bytes.lock().windows(24).any(|w| w == b"stored through a mapping");
    assert!(!on_disk(&m), "a store alone does not reach the disk");
    assert_eq!(f.fsync(), Ok(()));
    assert!(on_disk(&m), "fsync writes it back");
    let page3 = mapped_page(&f, 3, true).unwrap();
    page3.write(90, b"tail!");
    page3.write(200, b"past the end: never written");
    // What read(2) sees is the cache: the stores at once.
    let mut buf = [0u8; 5];
    assert_eq!(f.read_at(3 * 4096 + 90, &mut buf), Ok(5));
    assert_eq!(&buf, b"tail!");
    assert!(mapped_page(&f, 4, true).is_none(), "past the end of the file");
    // Still mapped: umount(2) is EBUSY; let go of the pages and it unmounts, writing them.
    assert_eq!(m.fs.unmount(), Err(Errno::EBUSY));
    drop((private, page1, page3, f));
    m.unmount();
    img.fsck().unwrap();
    let mut want = pattern(3 * 4096 + 100, 5);
    want[4096..4096 + 24].copy_from_slice(b"stored through a mapping");
    want[3 * 4096 + 90..3 * 4096 + 95].copy_from_slice(b"tail!");
    assert_eq!(img.debugfs_cat("/mapped.bin"), want);
}

#[test]
fn a_file_that_shrinks_drops_its_pages_and_clean_pages_are_reclaimed_under_pressure() {
    let img = Image::new("cachetrunc");
    let m = img.mount();
    let big = m.get("/big.bin").unwrap();
    let want = pattern(3 << 20, 7);
    assert_eq!(m.read_all("/big.bin"), want);
    let cached = mm::cache::cached_pages();
    assert!(cached >= 768, "the file's pages are cached: {cached}");
    let held = mapped_page(&big, 5, false).unwrap();
    // Clean pages no mapping holds go; the held one stays; reading again reads the disk.
    assert!(ext4fs::reclaim() >= 767);
    let mut b = [0u8; 16];
    held.read(0, &mut b);
    assert_eq!(b, want[5 * 4096..5 * 4096 + 16]);
    assert_eq!(m.read_all("/big.bin"), want);
    // Truncating drops the pages past the new end.
    big.truncate(4096 + 10).unwrap();
    assert!(mapped_page(&big, 2, false).is_none());
    let page1 = mapped_page(&big, 1, false).unwrap();
    page1.read(0, &mut b);
    assert_eq!(b[..10], want[4096..4096 + 10]);
    assert_eq!(b[10..], [0; 6], "the tail of the last page is cleared");
    drop((held, page1, big));
    m.unmount();
    img.fsck().unwrap();
}
