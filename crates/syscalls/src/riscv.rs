//! The calls riscv64 Linux has of its own: riscv_flush_icache and riscv_hwprobe.
use crate::Caller;
use abi::{Errno, SysResult};
use mm::UserPtr;

/// SYS_RISCV_FLUSH_ICACHE_LOCAL: only this thread's hart need see the new code.
const FLUSH_ICACHE_LOCAL: usize = 1;

/// riscv_flush_icache(2): code written to [start, end) becomes visible to instruction fetch.
/// The only hart fences its instruction stream (fence.i) whatever the range; an unknown flag
/// is EINVAL.
pub async fn sys_riscv_flush_icache(_cx: &Caller, _start: usize, _end: usize, flags: usize) -> SysResult<()> {
    if flags & !FLUSH_ICACHE_LOCAL != 0 {
        return Err(Errno::EINVAL);
    }
    hal::mem::sync_icache();
    Ok(())
}

/// riscv_hwprobe keys (Linux 6.4's first set).
const KEY_MVENDORID: i64 = 0;
const KEY_MARCHID: i64 = 1;
const KEY_MIMPID: i64 = 2;
const KEY_BASE_BEHAVIOR: i64 = 3;
const KEY_IMA_EXT_0: i64 = 4;
const KEY_CPUPERF_0: i64 = 5;
/// BASE_BEHAVIOR: the IMA base (rv64ima with the standard ABI).
const BASE_BEHAVIOR_IMA: u64 = 1;
/// IMA_EXT_0: F and D, C.
const IMA_FD: u64 = 1 << 0;
const IMA_C: u64 = 1 << 1;
/// CPUPERF_0: how misaligned accesses perform is not known.
const MISALIGNED_UNKNOWN: u64 = 0;

/// One key/value pair of riscv_hwprobe.
#[repr(C)]
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct HwProbe {
    key: i64,
    value: u64,
}

/// What the machine is (QEMU's virt board: a generic rv64gc hart, no vendor ids): the value of
/// `key`, None for a key this kernel does not know.
fn probe(key: i64) -> Option<u64> {
    Some(match key {
        KEY_MVENDORID | KEY_MARCHID | KEY_MIMPID => 0,
        KEY_BASE_BEHAVIOR => BASE_BEHAVIOR_IMA,
        KEY_IMA_EXT_0 => IMA_FD | IMA_C,
        KEY_CPUPERF_0 => MISALIGNED_UNKNOWN,
        _ => return None,
    })
}

/// riscv_hwprobe(2): fill in the value of each key of `pairs` (an unknown key becomes -1 with
/// value 0) for the CPUs of `cpus` (NULL with a size of 0: all of them; a set naming none of
/// this machine's CPUs is EINVAL). Flags must be 0.
pub async fn sys_riscv_hwprobe(
    cx: &Caller,
    pairs: usize,
    count: usize,
    cpusetsize: usize,
    cpus: usize,
    flags: u32,
) -> SysResult<()> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    if cpusetsize != 0 || cpus != 0 {
        // One CPU: bit 0 of the set must be set. The set is read whole, up to the size of
        // Linux's largest cpumask (1024 bits).
        let mut set = [0u8; 128];
        if cpusetsize == 0 {
            return Err(Errno::EINVAL);
        }
        let set = &mut set[..cpusetsize.min(128)];
        cx.mm().read_bytes(cpus, set)?;
        if set[0] & 1 == 0 {
            return Err(Errno::EINVAL);
        }
    }
    let size = core::mem::size_of::<HwProbe>();
    for i in 0..count {
        let at =
            UserPtr::<HwProbe>::new(pairs.checked_add(i.checked_mul(size).ok_or(Errno::EFAULT)?).ok_or(Errno::EFAULT)?);
        let mut mm = cx.mm();
        let mut pair = at.read(&mut mm)?;
        match probe(pair.key) {
            Some(v) => pair.value = v,
            None => (pair.key, pair.value) = (-1, 0),
        }
        at.write(&mut mm, &pair)?;
    }
    Ok(())
}
