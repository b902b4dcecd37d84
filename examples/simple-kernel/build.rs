//! Link with the BakaEx kernel's linker script (same layout: high half, boot stack, .bss bounds).
fn main() {
    let script = "../../crates/kernel/kernel.ld";
    println!("cargo:rerun-if-changed={script}");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("riscv64") && target.ends_with("-none-elf") {
        let out = std::env::var("OUT_DIR").expect("OUT_DIR");
        std::fs::copy(script, format!("{out}/kernel.ld")).expect("copy kernel.ld");
        println!("cargo:rustc-link-arg-bins=-T{out}/kernel.ld");
        println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
    }
}
