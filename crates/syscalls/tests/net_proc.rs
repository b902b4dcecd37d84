//! What network tools read: /proc/net/{tcp,tcp6,udp,udp6,dev,if_inet6} in Linux's formats, and
//! the socket ioctls (SIOCGIF*, FIONREAD) with Linux's errors.
use abi::net::*;
use syscalls::fs::FIONREAD;
use syscalls::net::*;
use syscalls::testing::ret::*;
use syscalls::testing::*;
use syscalls::Sysno;

const BUF: usize = SCRATCH + 0x2_0000;
const ADDR: usize = SCRATCH + 0xe_8000;
const REQ: usize = SCRATCH + 0xe_9000;
const CONF: usize = SCRATCH + 0xe_a000;
const LIST: usize = SCRATCH + 0xe_b000;

fn sin(addr: [u8; 4], port: u16) -> Vec<u8> {
    bytemuck::bytes_of(&SockaddrIn { family: AF_INET, port: port.to_be_bytes(), addr, zero: [0; 8] }).to_vec()
}

fn sin6(addr: [u8; 16], port: u16) -> Vec<u8> {
    bytemuck::bytes_of(&SockaddrIn6 { family: AF_INET6, port: port.to_be_bytes(), flowinfo: 0, addr, scope_id: 0 })
        .to_vec()
}

fn socket(t: &FsTest, domain: u16, ty: i32) -> usize {
    let fd = t.k.syscall(&t.p, Sysno::socket, [domain as usize, ty as usize, 0]);
    assert!(fd >= 0, "socket: {fd}");
    fd as usize
}

fn call_addr(t: &FsTest, n: Sysno, fd: usize, a: &[u8]) -> isize {
    t.k.poke(&t.p, ADDR, a);
    t.k.syscall(&t.p, n, [fd, ADDR, a.len()])
}

fn ino(t: &FsTest, fd: usize) -> u64 {
    assert_eq!(t.k.syscall(&t.p, Sysno::fstat, [fd, BUF]), 0);
    t.k.peek_val::<abi::structs::Stat>(&t.p, BUF).st_ino
}

fn send(t: &FsTest, fd: usize, data: &[u8]) {
    t.k.poke(&t.p, BUF, data);
    assert_eq!(t.k.syscall(&t.p, Sysno::write, [fd, BUF, data.len()]), data.len() as isize);
}

/// A listener on 127.0.0.1:`port`, a client connected to it and the accepted end.
fn connection(t: &FsTest, port: u16) -> (usize, usize, usize) {
    let l = socket(t, AF_INET, SOCK_STREAM);
    assert_eq!(call_addr(t, Sysno::bind, l, &sin([127, 0, 0, 1], port)), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::listen, [l, 8]), 0);
    let c = socket(t, AF_INET, SOCK_STREAM);
    assert_eq!(call_addr(t, Sysno::connect, c, &sin([127, 0, 0, 1], port)), 0);
    let s = t.k.syscall(&t.p, Sysno::accept4, [l, 0, 0, 0]);
    assert!(s >= 0);
    (l, c, s as usize)
}

fn tcp_line(sl: usize, local: &str, remote: &str, st: u8, tx: usize, rx: usize, ino: u64) -> String {
    let ssthresh = if st == 10 { 0 } else { -1 };
    let line = format!(
        "{sl:4}: {local} {remote} {st:02X} {tx:08X}:{rx:08X} 00:00000000 00000000     0        0 {ino} 1 0000000000000000 100 0 0 10 {ssthresh}"
    );
    format!("{line:<149}\n")
}

const TCP_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

#[test]
fn proc_net_tcp_lists_listeners_and_connections_as_linux() {
    let t = FsTest::with_standard_mounts();
    let (l, c, s) = connection(&t, 8081);
    send(&t, c, b"hello");
    let want = [
        format!("{TCP_HEADER:<149}\n"),
        tcp_line(0, "0100007F:1F91", "00000000:0000", 0x0A, 0, 0, ino(&t, l)),
        tcp_line(1, "0100007F:8000", "0100007F:1F91", 1, 0, 0, ino(&t, c)),
        tcp_line(2, "0100007F:1F91", "0100007F:8000", 1, 0, 5, ino(&t, s)),
    ]
    .concat();
    assert_eq!(t.read("/proc/net/tcp"), want);
    assert_eq!(t.read("/proc/self/net/tcp"), want);
    assert_eq!(t.readlink("/proc/net").unwrap(), "self/net");
    assert_eq!(t.read("/proc/net/tcp6"), "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    // A connection the listener holds before accept has no file: inode 0; the listener
    // counts it in its rx_queue.
    let c2 = socket(&t, AF_INET, SOCK_STREAM);
    assert_eq!(call_addr(&t, Sysno::connect, c2, &sin([127, 0, 0, 1], 8081)), 0);
    let text = t.read("/proc/net/tcp");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    assert_eq!(lines[1], tcp_line(0, "0100007F:1F91", "00000000:0000", 0x0A, 0, 1, ino(&t, l)).trim_end());
    assert_eq!(lines[2], tcp_line(1, "0100007F:1F91", "0100007F:8001", 1, 0, 0, 0).trim_end());
    assert_eq!(lines[5], tcp_line(4, "0100007F:8001", "0100007F:1F91", 1, 0, 0, ino(&t, c2)).trim_end());
    // Closing the accepted end first (its bytes read): it finishes (FIN-WAIT-2) without a
    // file, inode 0, and the client is in CLOSE-WAIT.
    assert_eq!(t.k.syscall(&t.p, Sysno::read, [s, BUF, 64]), 5);
    assert_eq!(t.close(s as isize), 0);
    let text = t.read("/proc/net/tcp");
    assert!(text.lines().any(|l| l.contains("0100007F:1F91 0100007F:8000 05 ") && l.contains(" 0 1 ")), "{text}");
    assert!(text.lines().any(|l| l.contains("0100007F:8000 0100007F:1F91 08 ")), "CLOSE_WAIT: {text}");
}

#[test]
fn proc_net_tcp6_and_udp_use_linux_byte_order() {
    let t = FsTest::with_standard_mounts();
    let l = socket(&t, AF_INET6, SOCK_STREAM);
    assert_eq!(call_addr(&t, Sysno::bind, l, &sin6([0; 16], 8082)), 0);
    assert_eq!(t.k.syscall(&t.p, Sysno::listen, [l, 8]), 0);
    // A dual-stack listener reached over IPv4: addresses as ::ffff:127.0.0.1.
    let c = socket(&t, AF_INET, SOCK_STREAM);
    assert_eq!(call_addr(&t, Sysno::connect, c, &sin([127, 0, 0, 1], 8082)), 0);
    let s = t.k.syscall(&t.p, Sysno::accept4, [l, 0, 0, 0]) as usize;
    let zero = "00000000000000000000000000000000";
    let mapped = "0000000000000000FFFF00000100007F";
    let tail = |ino: u64, listen: bool| {
        format!(
            "00000000:00000000 00:00000000 00000000     0        0 {ino} 1 0000000000000000 100 0 0 10 {}",
            if listen { 0 } else { -1 }
        )
    };
    assert_eq!(
        t.read("/proc/net/tcp6"),
        format!(
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             \x20  0: {zero}:1F92 {zero}:0000 0A {}\n\
             \x20  1: {mapped}:1F92 {mapped}:8000 01 {}\n",
            tail(ino(&t, l), true),
            tail(ino(&t, s), false)
        )
    );
    assert_eq!(t.read("/proc/net/tcp").lines().count(), 2, "the IPv4 client only");
    // UDP: bound (CLOSE, 07) and connected (ESTABLISHED), with a datagram queued.
    let u = socket(&t, AF_INET, SOCK_DGRAM);
    assert_eq!(call_addr(&t, Sysno::bind, u, &sin([127, 0, 0, 1], 5353)), 0);
    let v = socket(&t, AF_INET, SOCK_DGRAM);
    assert_eq!(call_addr(&t, Sysno::connect, v, &sin([127, 0, 0, 1], 5353)), 0);
    send(&t, v, b"datagram");
    let line = |sl: usize, local: &str, remote: &str, st: u8, rx: usize, ino: u64| {
        let l = format!(
            "{sl:5}: {local} {remote} {st:02X} 00000000:{rx:08X} 00:00000000 00000000     0        0 {ino} 2 0000000000000000 0"
        );
        format!("{l:<127}\n")
    };
    let header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
    assert_eq!(
        t.read("/proc/net/udp"),
        [
            format!("{header:<127}\n"),
            line(0, "0100007F:14E9", "00000000:0000", 7, 8, ino(&t, u)),
            line(1, "0100007F:8001", "0100007F:14E9", 1, 0, ino(&t, v)),
        ]
        .concat()
    );
    let u6 = socket(&t, AF_INET6, SOCK_DGRAM);
    let lo6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(call_addr(&t, Sysno::bind, u6, &sin6(lo6, 53)), 0);
    let udp6 = t.read("/proc/net/udp6");
    assert_eq!(
        udp6.lines().nth(1).unwrap(),
        format!(
            "    0: 00000000000000000000000001000000:0035 {zero}:0000 07 00000000:00000000 00:00000000 00000000     0        0 {} 2 0000000000000000 0",
            ino(&t, u6)
        )
    );
}

#[test]
fn proc_net_dev_counts_loopback_traffic() {
    let t = FsTest::with_standard_mounts();
    let header = "Inter-|   Receive                                                |  Transmit\n \
                  face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
    let dev = |b: u64, p: u64| {
        format!("{header}    lo: {b:7} {p:7}    0    0    0     0          0         0 {b:8} {p:7}    0    0    0     0       0          0\n")
    };
    assert_eq!(t.read("/proc/net/dev"), dev(0, 0));
    let (_, c, _) = connection(&t, 9000);
    send(&t, c, b"12345");
    let lo = net::interfaces().remove(0).counters;
    assert_eq!((lo.rx_packets, lo.tx_packets), (5, 5), "SYN, SYN-ACK, ACK, the data, its ACK");
    let text = t.read("/proc/net/dev");
    assert_eq!(text, dev(lo.rx_bytes, lo.rx_packets));
    assert_eq!(t.read("/proc/net/if_inet6"), "00000000000000000000000000000001 01 80 10 80       lo\n");
}

/// An ifreq naming `name` at REQ (the rest zero).
fn ifreq(t: &FsTest, name: &[u8]) {
    let mut r = [0u8; IFREQ_SIZE];
    r[..name.len()].copy_from_slice(name);
    t.k.poke(&t.p, REQ, &r);
}

fn ioctl(t: &FsTest, fd: usize, cmd: usize, arg: usize) -> isize {
    t.k.syscall(&t.p, Sysno::ioctl, [fd, cmd, arg])
}

/// The 24 bytes of the ifreq union after a request.
fn union(t: &FsTest) -> Vec<u8> {
    t.k.peek(&t.p, REQ + 16, 24)
}

#[test]
fn interface_ioctls_answer_for_lo() {
    let t = FsTest::with_standard_mounts();
    let s = socket(&t, AF_INET, SOCK_DGRAM);
    ifreq(&t, b"lo");
    assert_eq!(ioctl(&t, s, SIOCGIFFLAGS, REQ), 0);
    assert_eq!(union(&t)[..2], 0x49u16.to_ne_bytes(), "IFF_UP | IFF_LOOPBACK | IFF_RUNNING");
    assert_eq!(ioctl(&t, s, SIOCGIFMTU, REQ), 0);
    assert_eq!(union(&t)[..4], 65536i32.to_ne_bytes());
    assert_eq!(ioctl(&t, s, SIOCGIFINDEX, REQ), 0);
    assert_eq!(union(&t)[..4], 1i32.to_ne_bytes());
    assert_eq!(ioctl(&t, s, SIOCGIFHWADDR, REQ), 0);
    assert_eq!(union(&t)[..16], [4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "ARPHRD_LOOPBACK (772), no address");
    assert_eq!(ioctl(&t, s, SIOCGIFTXQLEN, REQ), 0);
    assert_eq!(union(&t)[..4], 1000i32.to_ne_bytes());
    let sockaddr = |a: [u8; 4]| [&[2u8, 0, 0, 0][..], &a, &[0; 8]].concat();
    assert_eq!(ioctl(&t, s, SIOCGIFADDR, REQ), 0);
    assert_eq!(union(&t)[..16], sockaddr([127, 0, 0, 1]));
    assert_eq!(ioctl(&t, s, SIOCGIFNETMASK, REQ), 0);
    assert_eq!(union(&t)[..16], sockaddr([255, 0, 0, 0]));
    assert_eq!(ioctl(&t, s, SIOCGIFBRDADDR, REQ), 0);
    assert_eq!(union(&t)[..16], sockaddr([0, 0, 0, 0]), "lo has no broadcast address");
    // By index: the name.
    let mut r = [0u8; IFREQ_SIZE];
    r[16..20].copy_from_slice(&1i32.to_ne_bytes());
    t.k.poke(&t.p, REQ, &r);
    assert_eq!(ioctl(&t, s, SIOCGIFNAME, REQ), 0);
    assert_eq!(t.k.peek(&t.p, REQ, 16), b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    r[16..20].copy_from_slice(&2i32.to_ne_bytes());
    t.k.poke(&t.p, REQ, &r);
    assert_eq!(ioctl(&t, s, SIOCGIFNAME, REQ), ENODEV);
    // An alias names its device for the device requests; it has no address of its own.
    ifreq(&t, b"lo:1");
    assert_eq!(ioctl(&t, s, SIOCGIFFLAGS, REQ), 0);
    assert_eq!(ioctl(&t, s, SIOCGIFADDR, REQ), EADDRNOTAVAIL);
    // A name of 16 bytes without NUL is cut at 15 as Linux does.
    ifreq(&t, b"lo\0xxxxxxxxxxxxx");
    assert_eq!(ioctl(&t, s, SIOCGIFFLAGS, REQ), 0);
}

#[test]
fn interface_ioctls_fail_as_linux() {
    let t = FsTest::with_standard_mounts();
    let s = socket(&t, AF_INET, SOCK_STREAM);
    ifreq(&t, b"eth7");
    for cmd in [SIOCGIFFLAGS, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFADDR, SIOCGIFNETMASK] {
        assert_eq!(ioctl(&t, s, cmd, REQ), ENODEV, "{cmd:#x}");
    }
    ifreq(&t, b"lo");
    for cmd in [SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFCONF, FIONREAD] {
        assert_eq!(ioctl(&t, s, cmd, 0), EFAULT, "{cmd:#x}");
        assert_eq!(ioctl(&t, s, cmd, 0x10), EFAULT, "{cmd:#x}");
    }
    // The address requests are AF_INET's: ENOTTY on other sockets; the device requests work
    // on any socket; none on a file that is no socket.
    let u = socket(&t, AF_UNIX, SOCK_STREAM);
    let v6 = socket(&t, AF_INET6, SOCK_DGRAM);
    for fd in [u, v6] {
        assert_eq!(ioctl(&t, fd, SIOCGIFADDR, REQ), ENOTTY);
        assert_eq!(ioctl(&t, fd, SIOCGIFFLAGS, REQ), 0);
    }
    let f = t.open("/dev/null", 0) as usize;
    assert_eq!(ioctl(&t, f, SIOCGIFFLAGS, REQ), ENOTTY);
    assert_eq!(ioctl(&t, s, 0x89ff, REQ), ENOTTY);
    // No netlink: ip(8) has to do without.
    assert_eq!(t.k.syscall(&t.p, Sysno::socket, [AF_NETLINK as usize, SOCK_RAW as usize, 0]), EAFNOSUPPORT);
}

/// SIOCGIFCONF with a buffer of `len` bytes (0: a NULL buffer): ifc_len after the call.
fn ifconf(t: &FsTest, s: usize, len: i32, buf: usize) -> (isize, i32) {
    let mut conf = [0u8; 16];
    conf[..4].copy_from_slice(&len.to_ne_bytes());
    conf[8..].copy_from_slice(&(buf as u64).to_ne_bytes());
    t.k.poke(&t.p, CONF, &conf);
    t.k.poke(&t.p, LIST, &[0xaa; 64]);
    let r = ioctl(t, s, SIOCGIFCONF, CONF);
    (r, t.k.peek_val(&t.p, CONF))
}

#[test]
fn siocgifconf_lists_the_ipv4_interfaces() {
    let t = FsTest::with_standard_mounts();
    let s = socket(&t, AF_UNIX, SOCK_DGRAM);
    assert_eq!(ifconf(&t, s, 0, 0), (0, 40), "a NULL buffer asks for the length");
    assert_eq!(ifconf(&t, s, 64, LIST), (0, 40));
    let mut want = b"lo".to_vec();
    want.resize(16, 0);
    want.extend([2, 0, 0, 0, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    want.extend([0; 8]);
    want.extend([0xaa; 24]);
    assert_eq!(t.k.peek(&t.p, LIST, 64), want);
    assert_eq!(ifconf(&t, s, 39, LIST), (0, 0), "no room for a whole entry");
    assert_eq!(ifconf(&t, s, -5, LIST), (0, 0));
    assert_eq!(ifconf(&t, s, 40, 0x10).0, EFAULT);
}

#[test]
fn fionread_counts_what_a_read_would_get() {
    let t = FsTest::with_standard_mounts();
    let n = |fd: usize| {
        assert_eq!(ioctl(&t, fd, FIONREAD, REQ), 0);
        t.k.peek_val::<i32>(&t.p, REQ)
    };
    let (l, c, s) = connection(&t, 7000);
    assert_eq!(n(s), 0);
    send(&t, c, b"12345");
    send(&t, c, b"678");
    assert_eq!(n(s), 8, "TCP: every byte queued");
    assert_eq!(ioctl(&t, l, FIONREAD, REQ), EINVAL, "a listener");
    let u = socket(&t, AF_INET, SOCK_DGRAM);
    assert_eq!(call_addr(&t, Sysno::bind, u, &sin([127, 0, 0, 1], 7001)), 0);
    let v = socket(&t, AF_INET, SOCK_DGRAM);
    assert_eq!(n(u), 0);
    assert_eq!(call_addr(&t, Sysno::connect, v, &sin([127, 0, 0, 1], 7001)), 0);
    send(&t, v, b"abc");
    send(&t, v, b"defgh");
    assert_eq!(n(u), 3, "UDP: the next datagram");
    t.k.poke(&t.p, BUF, &[0; 8]);
    assert_eq!(t.k.syscall(&t.p, Sysno::socketpair, [AF_UNIX as usize, SOCK_STREAM as usize, 0, BUF]), 0);
    let [a, b]: [i32; 2] = t.k.peek_val(&t.p, BUF);
    send(&t, a as usize, b"xy");
    send(&t, a as usize, b"z");
    assert_eq!(n(b as usize), 3, "unix stream: every byte");
    assert_eq!(t.k.syscall(&t.p, Sysno::socketpair, [AF_UNIX as usize, SOCK_DGRAM as usize, 0, BUF]), 0);
    let [a, b]: [i32; 2] = t.k.peek_val(&t.p, BUF);
    send(&t, a as usize, b"four");
    send(&t, a as usize, b"sixsix");
    assert_eq!(n(b as usize), 4, "unix datagram: the next one");
}
