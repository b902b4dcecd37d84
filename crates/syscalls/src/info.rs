//! System information: uname, getrandom.
use crate::Caller;
use abi::flags::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use abi::structs::Utsname;
use abi::{Errno, SysResult};
use mm::{UserPtr, UserSliceMut};

/// The release we report. Programs compare it with the minimum kernel they need (glibc wants
/// 3.2 or newer); the suffix says which kernel this really is.
pub const RELEASE: &str = "6.1.0-bakaex";

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    f[..s.len()].copy_from_slice(s.as_bytes());
    f
}

pub async fn sys_uname(cx: &Caller, buf: UserPtr<Utsname>) -> SysResult<()> {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field("bakaex"),
        release: field(RELEASE),
        version: field("#1 BakaEx"),
        machine: field("riscv64"),
        domainname: field("(none)"),
    };
    buf.write(&mut cx.mm(), &u)
}

/// Linux returns at most this much per call.
const GETRANDOM_MAX: usize = (1 << 25) - 1;

/// getrandom(2). Our pool is always initialised, so GRND_NONBLOCK never has to fail.
pub async fn sys_getrandom(cx: &Caller, buf: UserSliceMut<u8>, flags: u32) -> SysResult<usize> {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = buf.len().min(GETRANDOM_MAX);
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < len {
        let n = (len - done).min(chunk.len());
        task::random::fill(&mut chunk[..n]);
        UserSliceMut::<u8>::new(buf.addr() + done, n).write(&mut cx.mm(), &chunk[..n])?;
        done += n;
    }
    Ok(len)
}
