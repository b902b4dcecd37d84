//! The linked httpd on the host: the server runs as a linked application of a test kernel,
//! clients are processes calling the socket syscalls through the dispatch table, all over the
//! loopback stack; every answer is checked byte for byte.
use abi::net::*;
use std::string::String;
use std::vec::Vec;
use syscalls::testing::*;
use syscalls::{Caller, Sysno};
use task::process::ExitStatus;

const PORT: u16 = 8080;
const BUF: usize = SCRATCH;
const ADDR: usize = SCRATCH + 0xe_0000;
const INDEX: &[u8] = b"<h1>BakaEx</h1>\n";
const HELLO: &[u8] = b"hello, world\n";

/// A test kernel with a few files under /www and the server started on it, listening.
fn server() -> (TestKernel, std::sync::Arc<task::Process>) {
    let k = TestKernel::new();
    fs::path::lookup(&k.root, &k.root, "/", true).unwrap().create("www", fs::FileKind::Directory, 0o755).unwrap();
    k.add_file("/www/index.html", INDEX);
    k.add_file("/www/hello.txt", HELLO);
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    k.add_file("/www/big.bin", &big);
    let args = ["httpd", "/www", "8080"].iter().map(|s| String::from(*s)).collect();
    let p = app::start(&k.root, &httpd::APP, args).unwrap();
    for _ in 0..100 {
        task::executor::run_ready();
    }
    assert_eq!(k.console_output(), "httpd: serving /www on port 8080\n");
    (k, p)
}

fn connect(k: &TestKernel, c: &Caller) -> usize {
    let fd = k.syscall(c, Sysno::socket, [AF_INET as usize, SOCK_STREAM as usize, 0]);
    assert!(fd >= 0);
    k.poke(c, ADDR, &httpd::sockaddr_in([127, 0, 0, 1], PORT));
    assert_eq!(k.syscall(c, Sysno::connect, [fd as usize, ADDR, 16]), 0);
    fd as usize
}

fn send(k: &TestKernel, c: &Caller, fd: usize, data: &[u8]) {
    k.poke(c, BUF, data);
    assert_eq!(k.syscall(c, Sysno::write, [fd, BUF, data.len()]), data.len() as isize);
}

/// Read exactly `n` bytes (failing at end of file).
fn read_n(k: &TestKernel, c: &Caller, fd: usize, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        let r = k.syscall(c, Sysno::read, [fd, BUF, (n - got.len()).min(0x8_0000)]);
        assert!(r > 0, "read: {r} after {} of {n} bytes: {:?}", got.len(), String::from_utf8_lossy(&got));
        got.extend(k.peek(c, BUF, r as usize));
    }
    got
}

/// Read until end of file.
fn read_to_end(k: &TestKernel, c: &Caller, fd: usize) -> Vec<u8> {
    let mut got = Vec::new();
    loop {
        let r = k.syscall(c, Sysno::read, [fd, BUF, 0x8_0000]);
        assert!(r >= 0, "read: {r}");
        if r == 0 {
            return got;
        }
        got.extend(k.peek(c, BUF, r as usize));
    }
}

fn ok(ty: &str, body: &[u8], extra: &str) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nServer: bakaex-httpd\r\nContent-Type: {ty}\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

fn error(status: &str, extra: &str) -> Vec<u8> {
    let body = format!("{status}\n");
    format!(
        "HTTP/1.1 {status}\r\nServer: bakaex-httpd\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn shutdown(k: &TestKernel, p: &std::sync::Arc<task::Process>) {
    let c = k.spawn();
    let fd = connect(k, &c);
    send(k, &c, fd, b"GET /.shutdown HTTP/1.1\r\nHost: x\r\n\r\n");
    let want = b"HTTP/1.1 200 OK\r\nServer: bakaex-httpd\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\nshutting down\n";
    assert_eq!(String::from_utf8_lossy(&read_to_end(k, &c, fd)), String::from_utf8_lossy(want));
    for _ in 0..100 {
        task::executor::run_ready();
    }
    assert_eq!(p.exit_status(), Some(ExitStatus::Exited(0)));
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let (k, p) = server();
    let c = k.spawn();
    let fd = connect(&k, &c);
    let expected = [
        ok("text/plain", HELLO, ""),
        ok("text/html", INDEX, ""),
        ok("text/html", INDEX, ""),
        error("404 Not Found", ""),
    ];
    for (req, want) in ["/hello.txt", "/", "/index.html", "/missing"].iter().zip(&expected) {
        send(&k, &c, fd, format!("GET {req} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
        assert_eq!(String::from_utf8_lossy(&read_n(&k, &c, fd, want.len())), String::from_utf8_lossy(want));
    }
    // Pipelined: two requests in one write, answered in order; then Connection: close.
    send(&k, &c, fd, b"HEAD /hello.txt HTTP/1.1\r\n\r\nGET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n");
    let mut want = ok("text/plain", b"", "");
    want = String::from_utf8(want).unwrap().replace("Content-Length: 0", "Content-Length: 13").into_bytes();
    want.extend(ok("text/plain", HELLO, "Connection: close\r\n"));
    assert_eq!(String::from_utf8_lossy(&read_to_end(&k, &c, fd)), String::from_utf8_lossy(&want));
    shutdown(&k, &p);
}

#[test]
fn a_large_file_arrives_whole() {
    let (k, p) = server();
    let c = k.spawn();
    let fd = connect(&k, &c);
    send(&k, &c, fd, b"GET /big.bin HTTP/1.0\r\n\r\n");
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let want = ok("application/octet-stream", &body, "Connection: close\r\n");
    let got = read_to_end(&k, &c, fd);
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the body differs");
    shutdown(&k, &p);
}

#[test]
fn http_1_0_keeps_alive_only_when_asked() {
    let (k, p) = server();
    let c = k.spawn();
    let fd = connect(&k, &c);
    send(&k, &c, fd, b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let want = ok("text/plain", HELLO, "Connection: keep-alive\r\n");
    assert_eq!(read_n(&k, &c, fd, want.len()), want);
    send(&k, &c, fd, b"GET /hello.txt HTTP/1.0\r\n\r\n");
    assert_eq!(read_to_end(&k, &c, fd), ok("text/plain", HELLO, "Connection: close\r\n"));
    shutdown(&k, &p);
}

#[test]
fn junk_is_400_and_the_connection_closes() {
    let (k, p) = server();
    let c = k.spawn();
    for junk in [&b"hello\r\n\r\n"[..], b"GET / HTTP/1.1\r\nbad header line\r\n\r\n", b"GET /../x HTTP/1.1\r\n\r\n"] {
        let fd = connect(&k, &c);
        send(&k, &c, fd, junk);
        assert_eq!(read_to_end(&k, &c, fd), error("400 Bad Request", "Connection: close\r\n"));
    }
    // A head longer than 8 KiB without its blank line.
    let fd = connect(&k, &c);
    let long = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(9000));
    send(&k, &c, fd, long.as_bytes());
    assert_eq!(read_to_end(&k, &c, fd), error("400 Bad Request", "Connection: close\r\n"));
    // Another method: 501, and closed.
    let fd = connect(&k, &c);
    send(&k, &c, fd, b"DELETE /hello.txt HTTP/1.1\r\n\r\n");
    assert_eq!(read_to_end(&k, &c, fd), error("501 Not Implemented", "Connection: close\r\n"));
    shutdown(&k, &p);
}

#[test]
fn head_answers_without_a_body() {
    let (k, p) = server();
    let c = k.spawn();
    let fd = connect(&k, &c);
    send(&k, &c, fd, b"HEAD /missing HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
    let mut want = error("404 Not Found", "");
    want.truncate(want.len() - b"404 Not Found\n".len());
    want.extend(
        format!(
            "HTTP/1.1 200 OK\r\nServer: bakaex-httpd\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            INDEX.len()
        )
        .as_bytes(),
    );
    assert_eq!(String::from_utf8_lossy(&read_to_end(&k, &c, fd)), String::from_utf8_lossy(&want));
    shutdown(&k, &p);
}

#[test]
fn clients_are_served_at_once() {
    let (k, p) = server();
    let clients: Vec<(Caller, usize)> = (0..5)
        .map(|_| {
            let c = k.spawn();
            let fd = connect(&k, &c);
            (c, fd)
        })
        .collect();
    // Every client sends half a request and waits; then they finish in reverse order, so a
    // server serving one connection at a time would never answer the last one's first.
    for (c, fd) in &clients {
        send(&k, c, *fd, b"GET /hello.txt HT");
    }
    for (i, (c, fd)) in clients.iter().enumerate().rev() {
        send(&k, c, *fd, b"TP/1.1\r\nHost: x\r\n\r\n");
        let want = ok("text/plain", HELLO, "");
        assert_eq!(read_n(&k, c, *fd, want.len()), want, "client {i}");
    }
    // All still open: a second round on each.
    for (c, fd) in &clients {
        send(&k, c, *fd, b"GET / HTTP/1.1\r\n\r\n");
    }
    for (c, fd) in &clients {
        let want = ok("text/html", INDEX, "");
        assert_eq!(read_n(&k, c, *fd, want.len()), want);
    }
    shutdown(&k, &p);
}
