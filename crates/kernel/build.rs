//! Link the bare-metal kernel with kernel.ld (host builds are ordinary binaries).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=kernel.ld");
    if target.starts_with("riscv64") && target.ends_with("-none-elf") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-arg-bins=-T{dir}/kernel.ld");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
    }
}
