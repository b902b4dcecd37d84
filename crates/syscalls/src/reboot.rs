//! reboot(2): power off, halt or restart the machine.
//!
//! The syscall only checks the magic numbers and decodes the command; what "power off" means
//! belongs to the kernel, which registers it with [`set_hook`] (sync the file systems, tell
//! the firmware). Host tests have no hook: the request is recorded instead, so a test can see
//! what a program asked for without its test process ending.
use crate::Caller;
use abi::{Errno, SysResult};

const MAGIC1: u32 = 0xfee1_dead;
/// The second magic: Linus' and his daughters' birthdays, any one of them.
const MAGIC2: [u32; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];

pub const CMD_RESTART: u32 = 0x0123_4567;
pub const CMD_HALT: u32 = 0xcdef_0123;
pub const CMD_CAD_ON: u32 = 0x89ab_cdef;
pub const CMD_CAD_OFF: u32 = 0;
pub const CMD_POWER_OFF: u32 = 0x4321_fedc;
pub const CMD_RESTART2: u32 = 0xa1b2_c3d4;

/// What a program asked the machine to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    PowerOff,
    Halt,
    Restart,
}

static HOOK: sync::Once<fn(Action)> = sync::Once::new();

/// Register what the kernel does for reboot(2) (it normally does not return). Once, at boot.
pub fn set_hook(hook: fn(Action)) {
    HOOK.call_once(|| hook);
}

#[cfg(not(target_os = "none"))]
std::thread_local! {
    static REQUESTED: core::cell::Cell<Option<Action>> = const { core::cell::Cell::new(None) };
}

/// Host tests: the action last requested on this test thread, if any (and forget it).
#[cfg(not(target_os = "none"))]
pub fn take_requested() -> Option<Action> {
    REQUESTED.with(|r| r.take())
}

fn request(action: Action) {
    match HOOK.get() {
        Some(hook) => hook(action),
        #[cfg(not(target_os = "none"))]
        None => REQUESTED.with(|r| r.set(Some(action))),
        #[cfg(target_os = "none")]
        None => log::error!("reboot({action:?}) before the kernel registered a hook"),
    }
}

/// reboot(2). EPERM without CAP_SYS_BOOT (checked first, as Linux); bad magic numbers or an
/// unknown command are EINVAL (as are kexec and suspend, which this kernel cannot do).
/// Ctrl-Alt-Del on/off is accepted and changes nothing: there is no such key on a serial
/// console.
pub async fn sys_reboot(cx: &Caller, magic1: u32, magic2: u32, cmd: u32, arg: usize) -> SysResult<()> {
    if !cx.cred().capable(abi::cred::CAP_SYS_BOOT) {
        return Err(Errno::EPERM);
    }
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(Errno::EINVAL);
    }
    let action = match cmd {
        CMD_CAD_ON | CMD_CAD_OFF => return Ok(()),
        CMD_POWER_OFF => Action::PowerOff,
        CMD_HALT => Action::Halt,
        CMD_RESTART | CMD_RESTART2 => Action::Restart,
        _ => return Err(Errno::EINVAL),
    };
    if cmd == CMD_RESTART2 {
        restart2_command(cx, arg)?;
    }
    fs::vfs::sync_all();
    request(action);
    Ok(())
}

/// LINUX_REBOOT_CMD_RESTART2's argument: a command for the firmware, of which Linux reads at
/// most 255 bytes (strncpy_from_user): EFAULT if it cannot, before anything else is done.
/// The firmware here takes no command, so it is read and dropped.
fn restart2_command(cx: &Caller, arg: usize) -> SysResult<()> {
    // ENAMETOOLONG: more than 254 bytes could be read without a NUL, so Linux's 255 could.
    match cx.mm().read_cstr(arg, 254) {
        Ok(_) | Err(Errno::ENAMETOOLONG) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ret::*, TestKernel};
    use abi::Sysno;

    const M2: usize = 672_274_793;

    #[test]
    fn power_off_is_requested_with_both_magics() {
        let k = TestKernel::new();
        let p = k.spawn();
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, CMD_POWER_OFF as usize, 0]), 0);
        assert_eq!(take_requested(), Some(Action::PowerOff));
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, 85_072_278, CMD_RESTART as usize, 0]), 0);
        assert_eq!(take_requested(), Some(Action::Restart));
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, CMD_HALT as usize, 0]), 0);
        assert_eq!(take_requested(), Some(Action::Halt));
    }

    #[test]
    fn ctrl_alt_del_switch_is_accepted_and_does_nothing() {
        let k = TestKernel::new();
        let p = k.spawn();
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, CMD_CAD_OFF as usize, 0]), 0);
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, CMD_CAD_ON as usize, 0]), 0);
        assert_eq!(take_requested(), None);
    }

    #[test]
    fn only_cap_sys_boot_may_and_that_is_checked_first() {
        let k = TestKernel::new();
        let p = k.spawn();
        assert_eq!(k.syscall(&p, Sysno::setresuid, [usize::MAX, 65534, usize::MAX]), 0);
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, CMD_CAD_ON as usize, 0]), EPERM);
        assert_eq!(k.syscall(&p, Sysno::reboot, [0, 0, CMD_POWER_OFF as usize, 0]), EPERM);
        assert_eq!(take_requested(), None);
    }

    #[test]
    fn bad_magic_or_command_is_einval() {
        let k = TestKernel::new();
        let p = k.spawn();
        assert_eq!(k.syscall(&p, Sysno::reboot, [0xdead, M2, CMD_POWER_OFF as usize, 0]), EINVAL);
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, 1, CMD_POWER_OFF as usize, 0]), EINVAL);
        // LINUX_REBOOT_CMD_KEXEC and SW_SUSPEND: not available here.
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, 0x4558_4543, 0]), EINVAL);
        assert_eq!(k.syscall(&p, Sysno::reboot, [MAGIC1 as usize, M2, 0xd000_fce2, 0]), EINVAL);
        assert_eq!(take_requested(), None);
    }
}
