//! `callcost`: what a syscall costs a linked application (`make run APP=callcost`, and rows of
//! `make bench`). Each row times N calls with the kernel's clock and prints `name ns_per_op`,
//! the format of user/bench/bench.c; under `qemu -icount shift=0` a guest ns is one
//! instruction. `plain_call` is the yardstick: an ordinary (not inlined) function call.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use abi::flags::OpenFlags;
use alloc::format;
use alloc::string::String;
use app::App;
use core::hint::black_box;

app::linked_app!(APP, "callcost", main);
app::linked_app!(ECHO, "callcost-echo", echo);
app::linked_app!(SOCK_ECHO, "callcost-sock-echo", sock_echo);

const N: u64 = 20_000;

#[inline(never)]
fn plain(x: usize) -> usize {
    black_box(x) + 1
}

async fn row(app: &App, name: &str, start: u64, n: u64) {
    let per_op = (hal::time::now_ns() - start) as f64 / n as f64;
    let _ = app.print(&format!("{name} {per_op:.1}\n")).await;
}

/// `callcost` runs every row, N calls each; `callcost ROW COUNT` only that row, COUNT calls
/// (scripts/profile.sh compares two counts).
async fn main(app: App) -> i32 {
    let only = app.args().get(1).cloned();
    let n = app.args().get(2).and_then(|c| c.parse().ok()).unwrap_or(N);
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if wanted("plain_call") {
        let t = hal::time::now_ns();
        let mut acc = 0;
        for i in 0..n {
            acc = plain(acc + i as usize);
        }
        black_box(acc);
        row(&app, "plain_call", t, n).await;
    }
    if wanted("linked_getpid") {
        let t = hal::time::now_ns();
        for _ in 0..n {
            black_box(app.getpid());
        }
        row(&app, "linked_getpid", t, n).await;
    }
    if wanted("linked_write_dev_null") {
        let Ok(null) = app.open("/dev/null", OpenFlags::WRONLY.bits(), 0).await else {
            let _ = app.print("linked_write_dev_null n/a open /dev/null\n").await;
            return 1;
        };
        let byte = [b'x'];
        let t = hal::time::now_ns();
        for _ in 0..n {
            black_box(app.write(null, &byte).await.ok());
        }
        row(&app, "linked_write_dev_null", t, n).await;
    }
    if wanted("linked_pipe_roundtrip") {
        let n = if only.is_some() { n } else { N / 10 };
        match pipe_roundtrip(&app, n).await {
            Some((t, n)) => row(&app, "linked_pipe_roundtrip", t, n).await,
            None => {
                let _ = app.print("linked_pipe_roundtrip n/a\n").await;
            }
        }
    }
    if wanted("linked_tcp_loopback_rr") {
        let n = if only.is_some() { n } else { N / 10 };
        match tcp_roundtrip(&app, n).await {
            Ok((t, n)) => row(&app, "linked_tcp_loopback_rr", t, n).await,
            Err(e) => {
                let _ = app.print(&format!("linked_tcp_loopback_rr n/a {e}\n")).await;
            }
        }
    }
    0
}

/// One byte there and back over TCP on 127.0.0.1 (TCP_NODELAY on both ends) between this task
/// and a second linked task, as `tcp_loopback_rr` of user/bench/bench.c does between two
/// processes: the socket calls are the `syscalls::net` functions, called directly.
async fn tcp_roundtrip(app: &App, n: u64) -> Result<(u64, u64), String> {
    use abi::net::{AF_INET, IPPROTO_TCP, SOCK_STREAM, TCP_NODELAY};
    use syscalls::net as sn;
    let cx = app.caller();
    fn err(what: &'static str) -> impl Fn(abi::Errno) -> String {
        move |e| format!("{what}: {e:?}")
    }
    let listener = sn::sys_socket(cx, AF_INET as i32, SOCK_STREAM, 0).await.map_err(err("socket"))? as i32;
    // sockaddr_in for 127.0.0.1, port 0 (the kernel picks one; getsockname says which).
    let mut sa = [0u8; 16];
    sa[..2].copy_from_slice(&AF_INET.to_ne_bytes());
    sa[4..8].copy_from_slice(&[127, 0, 0, 1]);
    sn::sys_bind(cx, listener, sa.as_ptr() as usize, 16).await.map_err(err("bind"))?;
    sn::sys_listen(cx, listener, 4).await.map_err(err("listen"))?;
    let mut len = 16u32;
    let lenp = &mut len as *mut u32 as usize;
    sn::sys_getsockname(cx, listener, sa.as_mut_ptr() as usize, lenp).await.map_err(err("getsockname"))?;
    let client = sn::sys_socket(cx, AF_INET as i32, SOCK_STREAM, 0).await.map_err(err("socket"))? as i32;
    sn::sys_connect(cx, client, sa.as_ptr() as usize, 16).await.map_err(err("connect"))?;
    let server = sn::sys_accept(cx, listener, 0, 0).await.map_err(err("accept"))? as i32;
    app.close(listener).await.map_err(err("close"))?;
    let one = 1i32.to_ne_bytes();
    for fd in [client, server] {
        sn::sys_setsockopt(cx, fd, IPPROTO_TCP, TCP_NODELAY, one.as_ptr() as usize, 4)
            .await
            .map_err(err("setsockopt"))?;
    }
    let args = [String::from("callcost-sock-echo"), format!("{server}"), format!("{client}")];
    let pid = app.spawn(&SOCK_ECHO, args.to_vec()).map_err(err("spawn"))?;
    app.close(server).await.map_err(err("close"))?;
    let mut b = [0u8; 1];
    let t = hal::time::now_ns();
    for _ in 0..n {
        app.write(client, b"r").await.map_err(err("write"))?;
        if app.read(client, &mut b).await.map_err(err("read"))? != 1 {
            return Err(String::from("the echo task closed the socket"));
        }
    }
    let end = (t, n);
    app.close(client).await.map_err(err("close"))?;
    app.wait(pid as i32).await.map_err(err("wait"))?;
    Ok(end)
}

/// The other end of `tcp_roundtrip`: echo every byte on socket args[1] until end of file;
/// args[2] is the parent's end, which this copy of the descriptors closes.
async fn sock_echo(app: App) -> i32 {
    let fd = |i: usize| app.args().get(i).and_then(|a| a.parse().ok()).unwrap_or(-1);
    let s = fd(1);
    let _ = app.close(fd(2)).await;
    let mut b = [0u8; 1];
    while let Ok(1) = app.read(s, &mut b).await {
        if app.write(s, &b).await.is_err() {
            return 1;
        }
    }
    0
}

/// One byte there and back between this task and a second linked task, through two pipes.
async fn pipe_roundtrip(app: &App, n: u64) -> Option<(u64, u64)> {
    let [to_rd, to_wr] = app.pipe().await.ok()?;
    let [back_rd, back_wr] = app.pipe().await.ok()?;
    let args = [
        String::from("callcost-echo"),
        format!("{to_rd}"),
        format!("{back_wr}"),
        format!("{to_wr}"),
        format!("{back_rd}"),
    ];
    let pid = app.spawn(&ECHO, args.to_vec()).ok()?;
    app.close(to_rd).await.ok()?;
    app.close(back_wr).await.ok()?;
    let mut b = [0u8; 1];
    let t = hal::time::now_ns();
    for _ in 0..n {
        app.write(to_wr, b"p").await.ok()?;
        app.read(back_rd, &mut b).await.ok()?;
    }
    let end = (t, n);
    app.close(to_wr).await.ok()?;
    app.wait(pid as i32).await.ok()?;
    Some(end)
}

/// The other end: echo every byte from fd args[1] to fd args[2] until end of file; args[3]
/// and args[4] are the parent's ends, which this copy of the descriptors closes.
async fn echo(app: App) -> i32 {
    let fd = |i: usize| app.args().get(i).and_then(|a| a.parse().ok()).unwrap_or(-1);
    let (rd, wr) = (fd(1), fd(2));
    for other in [fd(3), fd(4)] {
        let _ = app.close(other).await;
    }
    let mut b = [0u8; 1];
    while let Ok(1) = app.read(rd, &mut b).await {
        if app.write(wr, &b).await.is_err() {
            return 1;
        }
    }
    0
}
