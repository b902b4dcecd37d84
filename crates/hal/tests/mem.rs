//! The kernel's hand-written `memcpy` and `memset` (src/riscv64/mem.S) cannot run on the host, so
//! this test assembles them into a static riscv64 Linux program with the cross gcc (under the
//! names `hal_memcpy` and `hal_memset`) and runs it with qemu-riscv64 (both installed by
//! `make setup`): the program compares them with byte loops over every alignment and many
//! lengths (mem_check.c).
use std::path::Path;
use std::process::Command;

#[test]
fn riscv64_memcpy_and_memset_match_byte_loops() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("hal-mem-check-{}", std::process::id()));
    let built = Command::new("riscv64-linux-gnu-gcc")
        .args(["-static", "-O2", "-Dmemcpy=hal_memcpy", "-Dmemset=hal_memset", "-x", "assembler-with-cpp"])
        .arg(here.join("src/riscv64/mem.S"))
        .args(["-x", "c"])
        .arg(here.join("tests/mem_check.c"))
        .arg("-o")
        .arg(&out)
        .status()
        .expect("riscv64-linux-gnu-gcc (make setup installs it)");
    assert!(built.success(), "building the check failed");
    let run = Command::new("qemu-riscv64-static").arg(&out).output().expect("qemu-riscv64-static (make setup)");
    let _ = std::fs::remove_file(&out);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}");
    assert_eq!(text.trim(), "memcpy: 78800 cases ok\nmemset: 19200 cases ok");
}
