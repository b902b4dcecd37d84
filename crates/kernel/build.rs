//! Link the bare-metal kernel with kernel.ld (host builds are ordinary binaries): linked in the
//! high half, or at its load address in a build without the `user` feature (no paging).
//!
//! The script is copied into OUT_DIR and linked from there: two clones of the project that share
//! one target directory (CI's fresh clone and a working tree, both with $CACHE/target) share
//! this build script's cached output, so it must not name a path inside either clone.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=kernel.ld");
    if target.starts_with("riscv64") && target.ends_with("-none-elf") {
        let out = std::env::var("OUT_DIR").expect("OUT_DIR");
        let mut script = std::fs::read_to_string("kernel.ld").expect("read kernel.ld");
        if std::env::var_os("CARGO_FEATURE_USER").is_none() {
            // No paging: the kernel runs where it is loaded.
            script = script.replace("KERNEL_VIRT = 0xffffffff80200000;", "KERNEL_VIRT = 0x80200000;");
        }
        std::fs::write(format!("{out}/kernel.ld"), script).expect("write kernel.ld");
        println!("cargo:rustc-link-arg-bins=-T{out}/kernel.ld");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
    }
}
