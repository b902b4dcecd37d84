//! rust-tokio: a program on the tokio runtime (from crates.io), as people write them.
//!
//!   rust-tokio          a multi-thread runtime (2 workers) and a current-thread one: spawned
//!                       tasks, mpsc/oneshot/broadcast/watch channels, JoinSet, sync primitives,
//!                       sleep/interval/timeout/select!, tokio::fs under /tmp, spawn_blocking
//!   rust-tokio net [PORT]
//!                       a TCP echo server on 127.0.0.1:PORT (0 or none: any free port) with
//!                       concurrent clients, a refused connection, and a UDP echo exchange
//!
//! Output is deterministic (only properties, never times, ports or pids): it is diffed against
//! the same binary under Linux (qemu-riscv64). A failed check prints `FAIL: ...` and the program
//! exits with status 1.

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Barrier, Mutex, Notify, RwLock, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{self, Instant};

static FAILED: AtomicBool = AtomicBool::new(false);

/// Prints `what: yes` or records a failure.
fn check(what: &str, ok: bool) {
    if ok {
        println!("{what}: yes");
    } else {
        println!("FAIL: {what}");
        FAILED.store(true, Ordering::SeqCst);
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// --- the multi-thread runtime ---------------------------------------------------------------------

async fn tasks() {
    println!("== tasks");
    let handles: Vec<_> = (0..8u64)
        .map(|i| {
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                (1..=1000u64).map(|k| k * (i + 1)).sum::<u64>()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        println!("task {i}: {}", h.await.unwrap());
    }
    let sleeper = tokio::spawn(async {
        time::sleep(Duration::from_secs(3600)).await;
        1
    });
    sleeper.abort();
    check("aborted task is cancelled", sleeper.await.unwrap_err().is_cancelled());
    let nested = tokio::spawn(async { tokio::spawn(async { 6 * 7 }).await.unwrap() });
    println!("nested spawn: {}", nested.await.unwrap());
}

async fn channels() {
    println!("== channels");
    // mpsc: four producers into a bounded channel of 4, one consumer.
    let (tx, mut rx) = mpsc::channel::<(usize, u64)>(4);
    for p in 0..4 {
        let tx = tx.clone();
        tokio::spawn(async move {
            for j in 0..25 {
                tx.send((p, j)).await.unwrap();
            }
        });
    }
    drop(tx);
    let (mut count, mut sum, mut last, mut fifo) = ([0usize; 4], 0u64, [None::<u64>; 4], true);
    while let Some((p, j)) = rx.recv().await {
        count[p] += 1;
        sum += j;
        fifo &= last[p].is_none_or(|l| l < j);
        last[p] = Some(j);
    }
    println!("mpsc: {count:?} messages, sum {sum}");
    check("mpsc keeps each producer's order", fifo);

    // An unbounded channel fed by a std thread; blocking_recv on another one.
    let (utx, mut urx) = mpsc::unbounded_channel::<String>();
    let feeder = std::thread::spawn(move || {
        for i in 0..5 {
            utx.send(format!("line {i}")).unwrap();
        }
    });
    let mut lines = Vec::new();
    while let Some(l) = urx.recv().await {
        lines.push(l);
    }
    feeder.join().unwrap();
    println!("unbounded from a thread: {lines:?}");
    let (btx, mut brx) = mpsc::channel::<u32>(1);
    let blocking = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(v) = brx.blocking_recv() {
            got.push(v);
        }
        got
    });
    for v in [3, 1, 4, 1, 5] {
        btx.send(v).await.unwrap();
    }
    drop(btx);
    println!("blocking_recv in a thread: {:?}", blocking.join().unwrap());

    // oneshot: requests carrying their reply channel to a server task.
    let (req_tx, mut req_rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(2);
    let server = tokio::spawn(async move {
        let mut served = 0;
        while let Some((n, reply)) = req_rx.recv().await {
            reply.send(n * n).unwrap();
            served += 1;
        }
        served
    });
    for n in [3, 12, 99] {
        let (otx, orx) = oneshot::channel();
        req_tx.send((n, otx)).await.unwrap();
        println!("oneshot: {n}^2 = {}", orx.await.unwrap());
    }
    drop(req_tx);
    println!("oneshot server served {}", server.await.unwrap());
    let (otx, orx) = oneshot::channel::<u8>();
    drop(otx);
    check("oneshot with its sender dropped is an error", orx.await.is_err());

    // broadcast: every receiver sees every value.
    let (bc, mut r1) = broadcast::channel::<&'static str>(8);
    let mut r2 = bc.subscribe();
    let r2_task = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(v) = r2.recv().await {
            seen.push(v);
        }
        seen
    });
    for v in ["red", "green", "blue"] {
        bc.send(v).unwrap();
    }
    drop(bc);
    let mut seen1 = Vec::new();
    while let Ok(v) = r1.recv().await {
        seen1.push(v);
    }
    println!("broadcast: {seen1:?} and {:?}", r2_task.await.unwrap());

    // watch: the receiver ends with the last value.
    let (wtx, mut wrx) = watch::channel(0u32);
    let watcher = tokio::spawn(async move {
        while wrx.changed().await.is_ok() {
            if *wrx.borrow_and_update() == 10 {
                break;
            }
        }
        *wrx.borrow()
    });
    for v in 1..=10 {
        wtx.send(v).unwrap();
        tokio::task::yield_now().await;
    }
    println!("watch: last value {}", watcher.await.unwrap());
}

async fn joinset() {
    println!("== JoinSet");
    let mut set = JoinSet::new();
    for i in 0..6u64 {
        set.spawn(async move {
            time::sleep(ms(5 * (6 - i))).await;
            i * 10
        });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        results.push(r.unwrap());
    }
    results.sort();
    println!("joined {} results: {results:?}", results.len());
    let mut sleepers = JoinSet::new();
    for _ in 0..3 {
        sleepers.spawn(time::sleep(Duration::from_secs(3600)));
    }
    sleepers.spawn(async {});
    let first = sleepers.join_next().await.unwrap();
    check("the quick task ends first", first.is_ok());
    sleepers.abort_all();
    let mut cancelled = 0;
    while let Some(r) = sleepers.join_next().await {
        cancelled += r.unwrap_err().is_cancelled() as usize;
    }
    println!("abort_all cancelled {cancelled}");
}

async fn sync_primitives() {
    println!("== sync");
    let counter = Arc::new(Mutex::new(0u32));
    let mut set = JoinSet::new();
    for _ in 0..4 {
        let counter = counter.clone();
        set.spawn(async move {
            for _ in 0..100 {
                let mut g = counter.lock().await;
                *g += 1;
                drop(g);
                tokio::task::yield_now().await;
            }
        });
    }
    while set.join_next().await.is_some() {}
    println!("mutex counter: {}", *counter.lock().await);

    let table = Arc::new(RwLock::new(vec![1, 2, 3]));
    {
        let a = table.read().await;
        let b = table.read().await;
        println!("two readers at once: {} {}", a.len(), b.len());
    }
    table.write().await.push(4);
    println!("after the writer: {:?}", *table.read().await);

    let permits = Arc::new(Semaphore::new(2));
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut set = JoinSet::new();
    for _ in 0..6 {
        let (permits, now, max) = (permits.clone(), now.clone(), max.clone());
        set.spawn(async move {
            let _p = permits.acquire().await.unwrap();
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            max.fetch_max(n, Ordering::SeqCst);
            time::sleep(ms(3)).await;
            now.fetch_sub(1, Ordering::SeqCst);
        });
    }
    while set.join_next().await.is_some() {}
    check("semaphore(2) bounds the holders", max.load(Ordering::SeqCst) <= 2);
    println!("permits back: {}", permits.available_permits());

    let notify = Arc::new(Notify::new());
    let waiter = {
        let notify = notify.clone();
        tokio::spawn(async move {
            notify.notified().await;
            "notified"
        })
    };
    time::sleep(ms(2)).await;
    notify.notify_one();
    println!("notify: {}", waiter.await.unwrap());

    let barrier = Arc::new(Barrier::new(3));
    let mut set = JoinSet::new();
    for _ in 0..3 {
        let barrier = barrier.clone();
        set.spawn(async move { barrier.wait().await.is_leader() });
    }
    let mut leaders = 0;
    while let Some(r) = set.join_next().await {
        leaders += r.unwrap() as usize;
    }
    println!("barrier of 3: {leaders} leader");
}

async fn timers() {
    println!("== time");
    let start = Instant::now();
    time::sleep(ms(20)).await;
    check("sleep(20ms) took at least 20ms", start.elapsed() >= ms(20));

    let start = Instant::now();
    let mut iv = time::interval(ms(10));
    for _ in 0..5 {
        iv.tick().await; // the first tick is immediate
    }
    check("5 ticks of interval(10ms) took at least 40ms", start.elapsed() >= ms(40));

    let r = time::timeout(ms(10), time::sleep(Duration::from_secs(10))).await;
    check("timeout(10ms) on a 10s sleep elapses", r.is_err());
    let r = time::timeout(Duration::from_secs(5), async { 7 }).await;
    println!("timeout on a ready future: {r:?}");

    let deadline = Instant::now() + ms(15);
    time::sleep_until(deadline).await;
    check("sleep_until reached its deadline", Instant::now() >= deadline);

    let winner = tokio::select! {
        _ = time::sleep(ms(5)) => "short sleep",
        _ = time::sleep(Duration::from_secs(5)) => "long sleep",
    };
    println!("select!: {winner}");
}

async fn files() -> std::io::Result<()> {
    println!("== tokio::fs");
    let dir = format!("/tmp/rust-tokio-{}", std::process::id());
    tokio::fs::create_dir_all(format!("{dir}/sub")).await?;
    for (name, text) in [("c.txt", "charlie\n"), ("a.txt", "alpha\n"), ("b.txt", "bravo bravo\n")] {
        tokio::fs::write(format!("{dir}/{name}"), text).await?;
    }
    let mut names = Vec::new();
    let mut rd = tokio::fs::read_dir(&dir).await?;
    while let Some(e) = rd.next_entry().await? {
        let kind = if e.file_type().await?.is_dir() { "/" } else { "" };
        names.push(format!("{}{kind}", e.file_name().to_string_lossy()));
    }
    names.sort();
    println!("read_dir (sorted): {names:?}");
    for name in ["a.txt", "b.txt", "c.txt"] {
        let text = tokio::fs::read_to_string(format!("{dir}/{name}")).await?;
        let len = tokio::fs::metadata(format!("{dir}/{name}")).await?.len();
        println!("{name}: {text:?}, len {len}");
    }

    // A file through AsyncRead/AsyncWrite/AsyncSeek.
    let path = format!("{dir}/sub/log");
    let mut f = tokio::fs::File::create(&path).await?;
    for i in 0..100 {
        f.write_all(format!("record {i:03}\n").as_bytes()).await?;
    }
    f.flush().await?;
    drop(f);
    let mut f = tokio::fs::OpenOptions::new().read(true).append(true).open(&path).await?;
    f.write_all(b"the end\n").await?;
    f.seek(std::io::SeekFrom::Start(11 * 42)).await?;
    let mut rec = [0u8; 11];
    f.read_exact(&mut rec).await?;
    println!("record at 42: {:?}", String::from_utf8_lossy(&rec));
    f.seek(std::io::SeekFrom::Start(0)).await?;
    let mut all = String::new();
    f.read_to_string(&mut all).await?;
    println!("log: {} bytes, {} lines, last {:?}", all.len(), all.lines().count(), all.lines().last());

    tokio::fs::rename(format!("{dir}/c.txt"), format!("{dir}/sub/c.txt")).await?;
    tokio::fs::copy(format!("{dir}/a.txt"), format!("{dir}/sub/a-copy")).await?;
    let mut sub = Vec::new();
    let mut rd = tokio::fs::read_dir(format!("{dir}/sub")).await?;
    while let Some(e) = rd.next_entry().await? {
        sub.push(e.file_name().to_string_lossy().into_owned());
    }
    sub.sort();
    println!("sub after rename and copy: {sub:?}");
    let e = tokio::fs::read(format!("{dir}/c.txt")).await.unwrap_err();
    println!("reading the renamed file: {:?}", e.kind());
    let e = tokio::fs::remove_dir(&dir).await.unwrap_err();
    println!("remove_dir of a full directory: {:?}", e.kind());
    for name in ["a.txt", "b.txt", "sub/c.txt", "sub/a-copy", "sub/log"] {
        tokio::fs::remove_file(format!("{dir}/{name}")).await?;
    }
    tokio::fs::remove_dir(format!("{dir}/sub")).await?;
    tokio::fs::remove_dir(&dir).await?;
    let gone = tokio::fs::metadata(&dir).await.unwrap_err();
    println!("after remove: {:?}", gone.kind());
    Ok(())
}

fn fnv(n: u64) -> u64 {
    (0..n).fold(0xcbf2_9ce4_8422_2325u64, |h, i| (h ^ (i & 0xff)).wrapping_mul(0x100_0000_01b3))
}

async fn blocking() {
    println!("== spawn_blocking");
    let handles: Vec<_> = (1..=4u64)
        .map(|i| {
            tokio::task::spawn_blocking(move || {
                std::thread::sleep(ms(5));
                fnv(i * 10_000)
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        println!("blocking {}: {:016x}", i + 1, h.await.unwrap());
    }
    let inside = tokio::task::block_in_place(|| fnv(1000));
    println!("block_in_place: {inside:016x}");
    let name = tokio::task::spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    println!("blocking thread name: {:?}", name.await.unwrap());
    // The name std gave the thread reaches the kernel (prctl PR_SET_NAME) and /proc.
    let comm = tokio::task::spawn_blocking(|| std::fs::read_to_string("/proc/thread-self/comm"));
    println!("its /proc/thread-self/comm: {:?}", comm.await.unwrap().ok());
    check(
        "available_parallelism is known",
        std::thread::available_parallelism().is_ok_and(|n| n.get() >= 1),
    );
}

fn multi_thread() {
    println!("= multi-thread runtime, 2 workers");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("tokio-worker")
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let workers = tokio::runtime::Handle::current().metrics().num_workers();
        println!("workers: {workers}");
        tasks().await;
        channels().await;
        joinset().await;
        sync_primitives().await;
        timers().await;
        if let Err(e) = files().await {
            println!("FAIL: tokio::fs: {e}");
            FAILED.store(true, Ordering::SeqCst);
        }
        blocking().await;
    });
    let from_outside = rt.spawn(async { "spawned from outside" });
    println!("{}", rt.block_on(from_outside).unwrap());
    rt.shutdown_timeout(Duration::from_secs(5));
}

// --- the current-thread runtime -------------------------------------------------------------------

fn current_thread() {
    println!("= current-thread runtime");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Ping-pong between two tasks on the one thread.
        let (to_b, mut b_rx) = mpsc::channel::<u32>(1);
        let (to_a, mut a_rx) = mpsc::channel::<u32>(1);
        let b = tokio::spawn(async move {
            while let Some(v) = b_rx.recv().await {
                if to_a.send(v + 1).await.is_err() {
                    break;
                }
            }
        });
        let mut v = 0;
        for _ in 0..500 {
            to_b.send(v).await.unwrap();
            v = a_rx.recv().await.unwrap() + 1;
        }
        drop(to_b);
        b.await.unwrap();
        println!("ping-pong: {v}");

        // Tasks that are not Send, on a LocalSet.
        let local = tokio::task::LocalSet::new();
        let shared = Rc::new(std::cell::RefCell::new(Vec::new()));
        local
            .run_until(async {
                let mut hs = Vec::new();
                for i in 0..3 {
                    let shared = shared.clone();
                    hs.push(tokio::task::spawn_local(async move {
                        time::sleep(ms(3 * (3 - i))).await;
                        shared.borrow_mut().push(i);
                    }));
                }
                for h in hs {
                    h.await.unwrap();
                }
            })
            .await;
        println!("LocalSet tasks finished in order: {:?}", shared.borrow());

        let start = Instant::now();
        let (a, b) = tokio::join!(time::sleep(ms(10)), async {
            time::sleep(ms(10)).await;
            "joined"
        });
        let _: () = a;
        println!("join! of two 10ms sleeps: {b}");
        check("the two sleeps overlapped", start.elapsed() < ms(500));

        let r = time::timeout(ms(5), std::future::pending::<()>()).await;
        check("timeout on a pending future elapses", r.is_err());
        let fetched = tokio::task::spawn_blocking(|| fnv(5000)).await.unwrap();
        println!("spawn_blocking from the current thread: {fetched:016x}");
    });
}

// --- networking -----------------------------------------------------------------------------------

const CLIENTS: usize = 4;
const MESSAGES: usize = 6;

fn message(client: usize, n: usize) -> Vec<u8> {
    let mut m = format!("client {client} message {n} ").into_bytes();
    m.extend(std::iter::repeat_n(b'a' + (n as u8 % 26), 300 * n));
    m.push(b'\n');
    m
}

async fn echo_client(addr: SocketAddr, id: usize) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let local_ok = s.local_addr()?.ip().is_loopback() && s.peer_addr()? == addr;
    let (mut sent, mut matched) = (0, 0);
    for n in 0..MESSAGES {
        let m = message(id, n);
        s.write_all(&m).await?;
        let mut back = vec![0; m.len()];
        s.read_exact(&mut back).await?;
        sent += m.len();
        matched += (back == m) as usize;
    }
    // A big block written while the echo is read back at the same time.
    let big: Vec<u8> = (0..256 * 1024u32).map(|i| (i * 7 + id as u32) as u8).collect();
    let (mut rd, mut wr) = s.split();
    let (w, r) = tokio::join!(
        async {
            wr.write_all(&big).await?;
            wr.shutdown().await
        },
        async {
            let mut back = Vec::new();
            rd.read_to_end(&mut back).await.map(|_| back)
        }
    );
    w?;
    let back = r?;
    Ok(format!(
        "client {id}: {MESSAGES} messages, {sent} bytes, {matched} echoed right, big block {} ({} bytes back), addresses {}",
        if back == big { "equal" } else { "DIFFERENT" },
        back.len(),
        if local_ok { "ok" } else { "WRONG" }
    ))
}

async fn tcp(port: u16) -> std::io::Result<()> {
    println!("== TCP echo");
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    check("the listener is on 127.0.0.1", addr.ip().to_string() == "127.0.0.1");
    check("the port is the one asked for", port == 0 || addr.port() == port);
    let server = tokio::spawn(async move {
        let mut conns = JoinSet::new();
        for _ in 0..CLIENTS {
            let (mut sock, peer) = listener.accept().await?;
            conns.spawn(async move {
                let (mut r, mut w) = sock.split();
                let n = tokio::io::copy(&mut r, &mut w).await?;
                w.shutdown().await?;
                Ok::<_, std::io::Error>((n, peer.ip().is_loopback()))
            });
        }
        let (mut bytes, mut loopback) = (0, 0);
        while let Some(r) = conns.join_next().await {
            let (n, lo) = r.unwrap()?;
            bytes += n;
            loopback += lo as usize;
        }
        Ok::<_, std::io::Error>(format!("server: {CLIENTS} connections ({loopback} from loopback), {bytes} bytes echoed"))
    });
    let mut clients = JoinSet::new();
    for id in 0..CLIENTS {
        clients.spawn(async move { (id, echo_client(addr, id).await) });
    }
    let mut lines = vec![String::new(); CLIENTS];
    while let Some(r) = clients.join_next().await {
        let (id, line) = r.unwrap();
        lines[id] = line?;
    }
    for l in lines {
        println!("{l}");
    }
    println!("{}", server.await.unwrap()?);

    // Nobody listens on a port that was just closed.
    let gone = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    let e = TcpStream::connect(gone).await.unwrap_err();
    println!("connect to a closed port: {:?}", e.kind());
    let e = TcpListener::bind(addr_in_use().await?).await.unwrap_err();
    println!("bind to a port in use: {:?}", e.kind());
    Ok(())
}

/// A listening address to bind again (EADDRINUSE); the listener stays open for that.
async fn addr_in_use() -> std::io::Result<SocketAddr> {
    static KEEP: std::sync::OnceLock<std::net::TcpListener> = std::sync::OnceLock::new();
    let l = KEEP.get_or_init(|| std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    l.local_addr()
}

async fn udp() -> std::io::Result<()> {
    println!("== UDP echo");
    let server = UdpSocket::bind("127.0.0.1:0").await?;
    let server_addr = server.local_addr()?;
    let echo = tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        let mut n_dgrams = 0;
        loop {
            let (n, from) = server.recv_from(&mut buf).await?;
            if &buf[..n] == b"bye" {
                return Ok::<_, std::io::Error>(n_dgrams);
            }
            buf[..n].make_ascii_uppercase();
            server.send_to(&buf[..n], from).await?;
            n_dgrams += 1;
        }
    });
    let client = UdpSocket::bind("127.0.0.1:0").await?;
    client.connect(server_addr).await?;
    let mut right = 0;
    for i in 0..5 {
        let m = format!("datagram {i} {}", "x".repeat(100 * i));
        client.send(m.as_bytes()).await?;
        let mut buf = [0u8; 2048];
        let n = client.recv(&mut buf).await?;
        right += (buf[..n] == *m.to_ascii_uppercase().as_bytes()) as usize;
    }
    client.send(b"bye").await?;
    println!("udp: 5 datagrams, {right} echoed right, server saw {}", echo.await.unwrap()?);
    Ok(())
}

fn net(port: u16) {
    println!("= networking (multi-thread runtime, 2 workers)");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let tcp = time::timeout(Duration::from_secs(30), tcp(port)).await;
        let udp = time::timeout(Duration::from_secs(30), udp()).await;
        for (what, r) in [("tcp", tcp), ("udp", udp)] {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    println!("FAIL: {what}: {e}");
                    FAILED.store(true, Ordering::SeqCst);
                }
                Err(_) => {
                    println!("FAIL: {what}: timed out");
                    FAILED.store(true, Ordering::SeqCst);
                }
            }
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        None => {
            multi_thread();
            current_thread();
        }
        Some("net") => {
            let port = match args.get(2).map(|p| p.parse::<u16>()) {
                None => 0,
                Some(Ok(p)) => p,
                Some(Err(_)) => {
                    eprintln!("usage: rust-tokio [net [PORT]]");
                    std::process::exit(2);
                }
            };
            net(port);
        }
        Some(_) => {
            eprintln!("usage: rust-tokio [net [PORT]]");
            std::process::exit(2);
        }
    }
    let failed = FAILED.load(Ordering::SeqCst);
    println!("rust-tokio: {}", if failed { "FAILED" } else { "ok" });
    std::process::exit(failed as i32);
}
