//! System V IPC through the dispatcher: message queues, semaphores, shared memory, with the
//! values and errors Linux 6.1 gives (ipc/msg.c, sem.c, shm.c). The tables are global to the
//! test process, so each test uses IPC_PRIVATE or a key of its own.
use syscalls::testing::*;
use syscalls::{Errno, Sysno};

const BUF: usize = SCRATCH;
const IPC_CREAT: usize = 0o1000;
const IPC_EXCL: usize = 0o2000;
const IPC_NOWAIT: usize = 0o4000;

fn err(e: Errno) -> isize {
    -(e as isize)
}

#[test]
fn msg_send_receive_types_and_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    let key = 0x4d53_0001;
    let id = k.syscall(&p, Sysno::msgget, [key, IPC_CREAT | 0o600]);
    assert!(id >= 0);
    assert_eq!(k.syscall(&p, Sysno::msgget, [key, 0]), id);
    assert_eq!(k.syscall(&p, Sysno::msgget, [key, IPC_CREAT | IPC_EXCL]), err(Errno::EEXIST));
    assert_eq!(k.syscall(&p, Sysno::msgget, [0x4d53_0002, 0]), err(Errno::ENOENT));
    let id = id as usize;
    for (t, text) in [(3u64, b"three"), (1, b"one!!"), (2, b"two!!")] {
        k.poke(&p, BUF, &t.to_le_bytes());
        k.poke(&p, BUF + 8, text);
        assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 5, 0]), 0);
    }
    k.poke(&p, BUF, &0u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 5, 0]), err(Errno::EINVAL), "mtype 0");
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 8193, 0]), err(Errno::EINVAL));
    // Type 2 exactly; the lowest type <= 3; MSG_EXCEPT; E2BIG without MSG_NOERROR.
    assert_eq!(k.syscall(&p, Sysno::msgrcv, [id, BUF, 64, 2, 0]), 5);
    assert_eq!(k.peek(&p, BUF + 8, 5), b"two!!");
    assert_eq!(k.syscall(&p, Sysno::msgrcv, [id, BUF, 2, 0, 0]), err(Errno::E2BIG));
    assert_eq!(k.syscall(&p, Sysno::msgrcv, [id, BUF, 64, (-3i64) as usize, 0]), 5);
    assert_eq!(k.peek_val::<u64>(&p, BUF), 1);
    assert_eq!(k.syscall(&p, Sysno::msgrcv, [id, BUF, 2, 3, 0o10000]), 2, "MSG_NOERROR truncates");
    assert_eq!(k.syscall(&p, Sysno::msgrcv, [id, BUF, 64, 0, IPC_NOWAIT]), err(Errno::ENOMSG));
    // IPC_STAT: qnum 0, qbytes 16384, lspid and lrpid the caller.
    assert_eq!(k.syscall(&p, Sysno::msgctl, [id, 2, BUF]), 0);
    let ds = k.peek(&p, BUF, 120);
    assert_eq!(u64::from_le_bytes(ds[80..88].try_into().unwrap()), 0);
    assert_eq!(u64::from_le_bytes(ds[88..96].try_into().unwrap()), 16384);
    assert_eq!(u32::from_le_bytes(ds[20..24].try_into().unwrap()), 0o600);
    let pid = k.syscall(&p, Sysno::getpid, []) as i32;
    assert_eq!(i32::from_le_bytes(ds[96..100].try_into().unwrap()), pid);
    assert!(k.syscall(&p, Sysno::msgctl, [id, 3, BUF]) >= 0, "IPC_INFO");
    assert_eq!(k.peek_val::<i32>(&p, BUF + 8), 8192);
    assert_eq!(k.syscall(&p, Sysno::msgctl, [id, 99, BUF]), err(Errno::EINVAL));
    // Another user may not read it, nor remove it.
    let other = k.fork(&p);
    assert_eq!(k.syscall(&other, Sysno::setuid, [1000]), 0);
    assert_eq!(k.syscall(&other, Sysno::msgrcv, [id, BUF, 64, 0, IPC_NOWAIT]), err(Errno::EACCES));
    assert_eq!(k.syscall(&other, Sysno::msgctl, [id, 0, 0]), err(Errno::EPERM));
    assert_eq!(k.syscall(&p, Sysno::msgctl, [id, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::msgctl, [id, 0, 0]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 5, 0]), err(Errno::EINVAL));
}

#[test]
fn msg_full_queue_is_eagain_with_nowait() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = k.syscall(&p, Sysno::msgget, [0, 0o600]) as usize;
    k.poke(&p, BUF, &1u64.to_le_bytes());
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 8192, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 8192, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::msgsnd, [id, BUF, 1, IPC_NOWAIT]), err(Errno::EAGAIN));
    assert_eq!(k.syscall(&p, Sysno::msgctl, [id, 0, 0]), 0);
}

#[test]
fn sem_ops_values_and_errors() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::semget, [0, 0, 0o600]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::semget, [0, 32001, 0o600]), err(Errno::EINVAL));
    let id = k.syscall(&p, Sysno::semget, [0, 2, 0o600]) as usize;
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 16, 5]), 0, "SETVAL");
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 12, 0]), 5, "GETVAL");
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 16, 40000]), err(Errno::ERANGE));
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 2, 12, 0]), err(Errno::EINVAL));
    // {0, -3, 0}, {1, +1, 0}: both apply.
    let sops = |ops: &[(u16, i16, i16)]| {
        ops.iter()
            .flat_map(|(n, o, f)| [n.to_le_bytes(), o.to_le_bytes(), f.to_le_bytes()].concat())
            .collect::<Vec<u8>>()
    };
    k.poke(&p, BUF, &sops(&[(0, -3, 0), (1, 1, 0)]));
    assert_eq!(k.syscall(&p, Sysno::semop, [id, BUF, 2]), 0);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 13, BUF + 64]), 0, "GETALL");
    assert_eq!(k.peek(&p, BUF + 64, 4), [2, 0, 1, 0]);
    // All or none: the second op would block, so the first does not apply either.
    k.poke(&p, BUF, &sops(&[(1, 1, 0), (0, -5, IPC_NOWAIT as i16)]));
    assert_eq!(k.syscall(&p, Sysno::semop, [id, BUF, 2]), err(Errno::EAGAIN));
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 1, 12, 0]), 1);
    k.poke(&p, BUF, &sops(&[(5, 1, 0)]));
    assert_eq!(k.syscall(&p, Sysno::semop, [id, BUF, 1]), err(Errno::EFBIG));
    assert_eq!(k.syscall(&p, Sysno::semop, [id, BUF, 501]), err(Errno::E2BIG));
    // A timed wait that cannot succeed: EAGAIN at once for a zero timeout.
    k.poke(&p, BUF, &sops(&[(0, -9, 0)]));
    k.poke(&p, BUF + 32, &[0u8; 16]);
    assert_eq!(k.syscall(&p, Sysno::semtimedop, [id, BUF, 1, BUF + 32]), err(Errno::EAGAIN));
    // SETALL, GETPID, GETNCNT, IPC_STAT.
    k.poke(&p, BUF + 64, &[7, 0, 8, 0]);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 17, BUF + 64]), 0);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 1, 12, 0]), 8);
    let pid = k.syscall(&p, Sysno::getpid, []);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 1, 11, 0]), pid);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 1, 14, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 2, BUF + 128]), 0);
    assert_eq!(k.peek_val::<u64>(&p, BUF + 128 + 64), 2, "sem_nsems");
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 12, 0]), err(Errno::EINVAL));
}

#[test]
fn sem_undo_is_applied_at_exit() {
    let k = TestKernel::new();
    let p = k.spawn();
    let id = k.syscall(&p, Sysno::semget, [0, 1, 0o600]) as usize;
    let child = k.fork(&p);
    k.poke(&child, BUF, &[0, 0, 2, 0, 0x00, 0x10]);
    assert_eq!(k.syscall(&child, Sysno::semop, [id, BUF, 1]), 0);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 12, 0]), 2);
    k.syscall(&child, Sysno::exit_group, [0]);
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 12, 0]), 0, "undone");
    assert_eq!(k.syscall(&p, Sysno::semctl, [id, 0, 0, 0]), 0);
}

#[test]
fn shm_attach_share_detach_and_remove() {
    let k = TestKernel::new();
    let p = k.spawn();
    assert_eq!(k.syscall(&p, Sysno::shmget, [0, 0, 0o600]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::shmget, [0, 5000, 0o4600]), err(Errno::EINVAL), "no huge pages");
    let id = k.syscall(&p, Sysno::shmget, [0, 5000, 0o600]) as usize;
    let a = k.syscall(&p, Sysno::shmat, [id, 0, 0]);
    assert!(a > 0, "{a}");
    let a = a as usize;
    k.poke(&p, a + 4096, b"shared");
    let child = k.fork(&p);
    assert_eq!(k.peek(&child, a + 4096, 6), b"shared");
    assert_eq!(k.syscall(&p, Sysno::shmctl, [id, 2, BUF]), 0);
    assert_eq!(k.peek_val::<u64>(&p, BUF + 48), 5000, "shm_segsz");
    assert_eq!(k.peek_val::<u64>(&p, BUF + 88), 2, "nattch: the parent and the fork child");
    // A second attachment, read-only, sees the same bytes.
    let b = k.syscall(&p, Sysno::shmat, [id, 0, 0o10000]) as usize;
    assert_eq!(k.peek(&p, b + 4096, 6), b"shared");
    assert_eq!(k.syscall(&p, Sysno::shmat, [id, a + 1, 0]), err(Errno::EINVAL), "misaligned");
    assert_eq!(k.syscall(&p, Sysno::shmat, [id, a, 0]), err(Errno::EINVAL), "in use");
    assert_eq!(k.syscall(&p, Sysno::shmdt, [b]), 0);
    assert_eq!(k.syscall(&p, Sysno::shmdt, [b]), err(Errno::EINVAL));
    assert_eq!(k.syscall(&p, Sysno::shmdt, [a + 1]), err(Errno::EINVAL));
    // IPC_RMID while attached: SHM_DEST, until the last detach.
    assert_eq!(k.syscall(&p, Sysno::shmctl, [id, 0, 0]), 0);
    assert_eq!(k.syscall(&p, Sysno::shmctl, [id, 2, BUF]), 0);
    assert_eq!(k.peek_val::<u32>(&p, BUF + 20) & 0o1000, 0o1000);
    assert_eq!(k.syscall(&p, Sysno::shmdt, [a]), 0);
    k.syscall(&child, Sysno::exit_group, [0]);
    assert_eq!(k.syscall(&p, Sysno::shmctl, [id, 2, BUF]), err(Errno::EINVAL), "gone");
    assert!(k.syscall(&p, Sysno::shmctl, [0, 3, BUF]) >= 0, "IPC_INFO");
    assert_eq!(k.peek_val::<u64>(&p, BUF + 16), 4096, "shmmni");
}
