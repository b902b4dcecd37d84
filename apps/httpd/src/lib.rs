//! `httpd`, a linked HTTP/1.1 file server (`make run APP=httpd`, or `init=httpd DIR PORT`):
//! serves the files under DIR (default `/`) on TCP port PORT (default 80) of every address.
//!
//! - GET and HEAD; other methods are 501. A directory is served by its `index.html`.
//! - Keep-alive: HTTP/1.1 connections stay open unless the client says `Connection: close`;
//!   HTTP/1.0 ones only if it says `Connection: keep-alive`. Pipelined requests are answered in
//!   order. Every answer has a Content-Length.
//! - 404 for a missing file, 400 for a request that is not HTTP (and the connection closes).
//! - `GET /.shutdown` answers 200 and ends the server (exit 0: as init, the kernel powers off);
//!   the same convention as the C server.
//!
//! Everything goes through the socket syscall functions, called directly (no trap). Many
//! connections are served at once without threads or epoll: each connection is an `async fn`
//! whose blocking calls wait on its socket's queue, and this application's one task polls the
//! accept and every connection's future whenever one of those queues wakes it.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use abi::flags::{OpenFlags, S_IFDIR, S_IFMT, S_IFREG};
use abi::net::{AF_INET, SOCK_CLOEXEC, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR};
use abi::{Errno, SysResult};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use app::{App, Fd};
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::Poll;

app::linked_app!(APP, "httpd", main);

/// The longest request head (request line and headers) read; longer is 400.
pub const MAX_HEAD: usize = 8192;
/// Bytes read from a file (and written to the socket) per step.
const CHUNK: usize = 64 * 1024;
/// The request path that ends the server.
pub const SHUTDOWN_PATH: &str = "/.shutdown";
const BACKLOG: i32 = 128;

async fn main(app: App) -> i32 {
    let root = app.args().get(1).cloned().unwrap_or_else(|| String::from("/"));
    let port: u16 = match app.args().get(2).map(|p| p.parse()) {
        None => 80,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            let _ = app.print("usage: httpd [DIR [PORT]]\n").await;
            return 2;
        }
    };
    match serve(&app, root.trim_end_matches('/'), port).await {
        Ok(()) => 0,
        Err(e) => {
            let _ = app.print(&format!("httpd: {e}\n")).await;
            1
        }
    }
}

/// A listening socket on `port` of every IPv4 address.
async fn listener(app: &App, port: u16) -> SysResult<Fd> {
    let fd = app.socket(AF_INET as i32, SOCK_STREAM | SOCK_CLOEXEC, 0).await?;
    app.setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1).await?;
    app.bind(fd, &sockaddr_in([0; 4], port)).await?;
    app.listen(fd, BACKLOG).await?;
    Ok(fd)
}

/// A `sockaddr_in` as bytes.
pub fn sockaddr_in(addr: [u8; 4], port: u16) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&AF_INET.to_ne_bytes());
    a[2..4].copy_from_slice(&port.to_be_bytes());
    a[4..8].copy_from_slice(&addr);
    a
}

type Conn<'a> = Pin<Box<dyn Future<Output = Ending> + Send + 'a>>;

/// Accept and serve connections until a client asks for [`SHUTDOWN_PATH`].
async fn serve(app: &App, root: &str, port: u16) -> SysResult<()> {
    let lfd = listener(app, port).await?;
    let _ = app.print(&format!("httpd: serving {} on port {port}\n", if root.is_empty() { "/" } else { root })).await;
    let mut accepting: Option<Pin<Box<dyn Future<Output = SysResult<Fd>> + Send + '_>>> =
        Some(Box::pin(app.accept(lfd, SOCK_CLOEXEC)));
    let mut conns: Vec<Conn<'_>> = Vec::new();
    let mut stop = false;
    poll_fn(|cx| {
        while let Some(a) = accepting.as_mut() {
            match a.as_mut().poll(cx) {
                Poll::Ready(Ok(fd)) => {
                    conns.push(Box::pin(connection(app, root, fd)));
                    accepting = Some(Box::pin(app.accept(lfd, SOCK_CLOEXEC)));
                }
                // Out of descriptors or memory: accept again once a connection has ended.
                Poll::Ready(Err(_)) => accepting = None,
                Poll::Pending => break,
            }
        }
        let before = conns.len();
        conns.retain_mut(|c| match c.as_mut().poll(cx) {
            Poll::Ready(ending) => {
                stop |= ending == Ending::Shutdown;
                false
            }
            Poll::Pending => true,
        });
        if stop {
            return Poll::Ready(());
        }
        if accepting.is_none() && conns.len() < before {
            accepting = Some(Box::pin(app.accept(lfd, SOCK_CLOEXEC)));
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await;
    drop(conns);
    drop(accepting);
    app.close(lfd).await
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Closed,
    Shutdown,
}

/// One connection: requests answered in order until either side closes it.
async fn connection(app: &App, root: &str, fd: Fd) -> Ending {
    let ending = requests(app, root, fd).await;
    let _ = app.close(fd).await;
    ending
}

async fn requests(app: &App, root: &str, fd: Fd) -> Ending {
    let mut input: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = head_end(&input) {
                break end;
            }
            if input.len() > MAX_HEAD {
                let _ = app.write_all(fd, &error_response(400, true, false)).await;
                return Ending::Closed;
            }
            match app.read(fd, &mut buf).await {
                Ok(0) | Err(_) => return Ending::Closed,
                Ok(n) => input.extend_from_slice(&buf[..n]),
            }
        };
        let head: Vec<u8> = input.drain(..end).collect();
        let req = match parse(&head) {
            Ok(r) => r,
            Err(status) => {
                let _ = app.write_all(fd, &error_response(status, true, false)).await;
                return Ending::Closed;
            }
        };
        // A body (a GET may carry one) is read and dropped.
        let mut body = req.body_len;
        while body > 0 {
            if !input.is_empty() {
                let n = body.min(input.len());
                input.drain(..n);
                body -= n;
                continue;
            }
            match app.read(fd, &mut buf[..body.min(4096)]).await {
                Ok(0) | Err(_) => return Ending::Closed,
                Ok(n) => body -= n,
            }
        }
        let close = !req.keep_alive;
        if req.method == Method::Get && req.path == SHUTDOWN_PATH {
            let _ = app.write_all(fd, &response_head(200, "text/plain", 14, true, req.v10)).await;
            let _ = app.write_all(fd, b"shutting down\n").await;
            return Ending::Shutdown;
        }
        let sent = match req.method {
            Method::Other => app.write_all(fd, &error_response(501, true, req.v10)).await.map(|_| false),
            _ => send_file(app, fd, root, &req).await,
        };
        match sent {
            Ok(false) if !close && req.method != Method::Other => {}
            _ => return Ending::Closed,
        }
    }
}

/// The length of the request head at the start of `input` (through its blank line), if all
/// of it is there. Lines may end in CRLF or LF.
fn head_end(input: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(nl) = input[i..].iter().position(|&b| b == b'\n') {
        let line_end = i + nl + 1;
        let line = &input[i..line_end];
        if (line == b"\r\n" || line == b"\n") && i > 0 {
            return Some(line_end);
        }
        i = line_end;
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Other,
}

#[derive(Debug)]
struct Request {
    method: Method,
    /// The path, percent-decoded, without query.
    path: String,
    v10: bool,
    keep_alive: bool,
    body_len: usize,
}

/// Parse a request head: the status to answer if it is not a well-formed HTTP/1.x request.
fn parse(head: &[u8]) -> Result<Request, u16> {
    let text = core::str::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut parts = lines.next().ok_or(400u16)?.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(400),
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || !target.starts_with('/') {
        return Err(400);
    }
    let v10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => return Err(505),
        _ => return Err(400),
    };
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        _ => Method::Other,
    };
    let mut keep_alive = !v10;
    let mut body_len = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(400u16)?;
        if name.is_empty() || name.contains(' ') || name.contains('\t') {
            return Err(400);
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            body_len = value.parse().map_err(|_| 400u16)?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked bodies are not read: such a request is refused.
            return Err(400);
        }
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path).ok_or(400u16)?;
    if path.split('/').any(|seg| seg == "..") || path.contains('\0') {
        return Err(400);
    }
    Ok(Request { method, path, v10, keep_alive, body_len })
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = core::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}

/// The status line and headers of an answer.
pub fn response_head(status: u16, content_type: &str, len: u64, close: bool, v10: bool) -> Vec<u8> {
    let connection = match (close, v10) {
        (true, _) => "Connection: close\r\n",
        (false, true) => "Connection: keep-alive\r\n",
        (false, false) => "",
    };
    format!(
        "HTTP/1.1 {status} {}\r\nServer: bakaex-httpd\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n{connection}\r\n",
        reason(status)
    )
    .into_bytes()
}

/// A whole error answer: its status line as a text/plain body (only the head for HEAD).
pub fn error_response(status: u16, close: bool, v10: bool) -> Vec<u8> {
    error_answer(status, close, v10, true)
}

fn error_answer(status: u16, close: bool, v10: bool, with_body: bool) -> Vec<u8> {
    let body = format!("{status} {}\n", reason(status));
    let mut r = response_head(status, "text/plain", body.len() as u64, close, v10);
    if with_body {
        r.extend_from_slice(body.as_bytes());
    }
    r
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Open the file a request names (a directory: its index.html); its descriptor, path, size.
async fn open_file(app: &App, root: &str, path: &str) -> SysResult<(Fd, String, u64)> {
    let mut full = format!("{root}{path}");
    for _ in 0..2 {
        let fd = app.open(&full, (OpenFlags::CLOEXEC).bits(), 0).await?;
        let st = app.fstat(fd).await;
        match st.map(|s| (s.st_mode & S_IFMT, s.st_size)) {
            Ok((S_IFREG, size)) => return Ok((fd, full, size.max(0) as u64)),
            Ok((S_IFDIR, _)) => {
                let _ = app.close(fd).await;
                if !full.ends_with('/') {
                    full.push('/');
                }
                full.push_str("index.html");
            }
            _ => {
                let _ = app.close(fd).await;
                return Err(Errno::ENOENT);
            }
        }
    }
    Err(Errno::ENOENT)
}

/// Answer a GET or HEAD; Ok(true) if the connection must close (the file changed under us).
async fn send_file(app: &App, fd: Fd, root: &str, req: &Request) -> SysResult<bool> {
    let close = !req.keep_alive;
    let Ok((file, path, size)) = open_file(app, root, &req.path).await else {
        app.write_all(fd, &error_answer(404, close, req.v10, req.method != Method::Head)).await?;
        return Ok(false);
    };
    let mut out = response_head(200, content_type(&path), size, close, req.v10);
    let mut left = if req.method == Method::Head { 0 } else { size };
    let mut buf = vec![0u8; CHUNK.min(left as usize)];
    let mut short = false;
    while left > 0 {
        let n = match app.read(file, &mut buf).await {
            Ok(0) | Err(_) => {
                short = true;
                break;
            }
            Ok(n) => n.min(left as usize),
        };
        // The head goes out with the first piece of the body: one segment for a small file.
        out.extend_from_slice(&buf[..n]);
        if let Err(e) = app.write_all(fd, &out).await {
            let _ = app.close(file).await;
            return Err(e);
        }
        out.clear();
        left -= n as u64;
    }
    let _ = app.close(file).await;
    if !out.is_empty() {
        app.write_all(fd, &out).await?;
    }
    Ok(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_end_at_the_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nX"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nX"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(head_end(b"\r\n"), None);
    }

    #[test]
    fn requests_parse_as_http_1() {
        let r = parse(b"GET /a%20b?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!((r.method, r.path.as_str(), r.keep_alive, r.v10), (Method::Get, "/a b", false, false));
        let r = parse(b"HEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert_eq!((r.method, r.keep_alive, r.v10), (Method::Head, true, true));
        assert_eq!(parse(b"hello\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse(b"GET / HTTP/2.0\r\n\r\n").unwrap_err(), 505);
        assert_eq!(parse(b"GET /../etc HTTP/1.1\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse(b"get / HTTP/1.1\r\n\r\n").unwrap_err(), 400);
        assert_eq!(parse(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n").unwrap().body_len, 3);
    }
}
