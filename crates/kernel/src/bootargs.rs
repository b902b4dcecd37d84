//! The kernel command line (`/chosen/bootargs`, QEMU's `-append`).
//!
//! `log=<level> init=<command>`: everything after `init=` is the command, which may hold several
//! programs separated by ` ; `; all of them start at once and the first one is "init". Leading
//! `NAME=value` words of a program are its environment ([`split_env`]).
//! `crash=panic|fault` makes the kernel fail on purpose right after boot (tests of the fatal
//! paths: they must report and power off, never hang). `root=/dev/vda` mounts that disk's ext4
//! file system as `/` instead of unpacking the initramfs; `ro` mounts it read-only. `trace`
//! prints every syscall strace-style (kernels built with the `trace` feature). `panic_on=<name>`
//! makes that syscall panic (kernels built with `fault-inject`: tests of panic isolation).
//! `ip=` configures eth0 (kernels built with `net`, a virtio-net device present): `ip=dhcp` (the
//! default), `ip=<addr>/<prefix>[,<gateway>]` (e.g. `ip=10.0.2.15/24,10.0.2.2`), Linux's
//! `ip=<addr>::<gateway>:<netmask>[:...]`, or `ip=off` (leave the device alone).
use alloc::string::String;
use alloc::vec::Vec;
use log::LevelFilter;

/// The program run when the command line names none.
pub const DEFAULT_INIT: &str = "/bin/demo";
/// The kernel log level when the command line names none.
pub const DEFAULT_LOG: LevelFilter = LevelFilter::Warn;

/// The environment every program started from the command line gets.
pub const INIT_ENV: [&str; 3] = ["HOME=/", "PATH=/bin:/usr/bin", "TERM=linux"];

#[derive(Debug, PartialEq, Eq)]
pub struct BootArgs<'a> {
    pub log: LevelFilter,
    /// The whole `init=` text, e.g. `/bin/a x ; /bin/b`.
    pub init: &'a str,
    /// `crash=`: fail on purpose (`panic` or `fault`).
    pub crash: Option<&'a str>,
    /// `root=`: the disk holding the root file system (`/dev/vda`); the initramfs if absent.
    pub root: Option<&'a str>,
    /// `ro`: mount the root read-only (`rw`, the default, turns it off again).
    pub read_only: bool,
    /// `trace`: print every syscall, strace-style.
    pub trace: bool,
    /// `panic_on=<syscall>`: that syscall panics (kernels built with `fault-inject`).
    pub panic_on: Option<&'a str>,
    /// `ip=`: how eth0 gets its address.
    pub ip: Ip,
    /// Words that meant nothing to us (reported, not fatal); a bad `log=` value lands here too.
    pub unknown: Vec<&'a str>,
}

/// Parse a command line. Never fails: unknown words are collected in `unknown`.
pub fn parse(cmdline: &str) -> BootArgs<'_> {
    let mut args = BootArgs {
        log: DEFAULT_LOG,
        init: DEFAULT_INIT,
        crash: None,
        root: None,
        read_only: false,
        trace: false,
        panic_on: None,
        ip: Ip::Dhcp,
        unknown: Vec::new(),
    };
    let mut rest = cmdline.trim();
    while !rest.is_empty() {
        if let Some(cmd) = rest.strip_prefix("init=") {
            let cmd = cmd.trim();
            if !cmd.is_empty() {
                args.init = cmd;
            }
            break;
        }
        let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        rest = tail.trim_start();
        if let Some(how) = word.strip_prefix("crash=") {
            args.crash = Some(how);
            continue;
        }
        if let Some(dev) = word.strip_prefix("root=") {
            args.root = Some(dev).filter(|d| !d.is_empty());
            continue;
        }
        if let Some(name) = word.strip_prefix("panic_on=") {
            args.panic_on = Some(name).filter(|n| !n.is_empty());
            continue;
        }
        if let Some(ip) = word.strip_prefix("ip=") {
            match parse_ip(ip) {
                Some(ip) => args.ip = ip,
                None => args.unknown.push(word),
            }
            continue;
        }
        if word == "trace" {
            args.trace = true;
            continue;
        }
        if word == "ro" || word == "rw" {
            args.read_only = word == "ro";
            continue;
        }
        match word.strip_prefix("log=").map(str::parse::<LevelFilter>) {
            Some(Ok(level)) => args.log = level,
            _ => args.unknown.push(word),
        }
    }
    args
}

/// How eth0 gets its IPv4 address (`ip=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    /// Ask DHCP (QEMU's user networking answers 10.0.2.15, gateway 10.0.2.2).
    Dhcp,
    /// This address, prefix length and default gateway.
    Static { addr: [u8; 4], prefix: u8, gateway: Option<[u8; 4]> },
    /// Leave the network device unused.
    Off,
}

/// The value of `ip=`; `None` if it makes no sense.
pub fn parse_ip(v: &str) -> Option<Ip> {
    match v {
        "dhcp" | "on" | "any" | "" => return Some(Ip::Dhcp),
        "off" | "none" => return Some(Ip::Off),
        _ => {}
    }
    if let Some((cidr, rest)) = v.split_once('/') {
        let (prefix, gateway) = rest.split_once(',').map_or((rest, None), |(p, g)| (p, Some(g)));
        let prefix: u8 = prefix.parse().ok().filter(|&p| p <= 32)?;
        let gateway = match gateway {
            Some(g) => Some(parse_ipv4(g)?),
            None => None,
        };
        return Some(Ip::Static { addr: parse_ipv4(cidr)?, prefix, gateway });
    }
    // Linux: <client>:<server>:<gateway>:<netmask>:<hostname>:<device>:<autoconf>...
    let mut f = v.split(':');
    let addr = parse_ipv4(f.next()?)?;
    let _server = f.next();
    let gateway = f.next().filter(|g| !g.is_empty()).map(parse_ipv4);
    let gateway = match gateway {
        Some(g) => Some(g?),
        None => None,
    };
    let prefix = match f.next().filter(|m| !m.is_empty()) {
        Some(m) => {
            let mask = u32::from_be_bytes(parse_ipv4(m)?);
            // A netmask is ones then zeros.
            if mask.leading_ones() + mask.trailing_zeros() != 32 {
                return None;
            }
            mask.leading_ones() as u8
        }
        None => 24,
    };
    Some(Ip::Static { addr, prefix, gateway })
}

/// A dotted-quad IPv4 address.
fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for b in &mut out {
        *b = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// Split an `init=` command into programs (at ` ; `) and each program into argv (at spaces).
/// Empty programs are dropped.
pub fn commands(init: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let mut argv = Vec::new();
    for word in init.split_whitespace() {
        if word == ";" {
            if !argv.is_empty() {
                out.push(core::mem::take(&mut argv));
            }
        } else {
            argv.push(word);
        }
    }
    if !argv.is_empty() {
        out.push(argv);
    }
    out
}

/// A command's leading `NAME=value` words (NAME: letters, digits and `_`, not starting with a
/// digit), as a shell takes them: the program's environment, on top of [`INIT_ENV`]. Returns the
/// environment and the rest of the command (`LD_LIBRARY_PATH=/opt/lib /bin/prog x`).
pub fn split_env<'a, 'b>(argv: &'b [&'a str]) -> (Vec<String>, &'b [&'a str]) {
    let assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            let mut chars = name.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let n = argv.iter().take_while(|w| assignment(w)).count();
    let mut env: Vec<String> = INIT_ENV.iter().map(|e| String::from(*e)).collect();
    for word in &argv[..n] {
        let name = word.split('=').next().unwrap_or_default();
        env.retain(|e| e.split('=').next() != Some(name));
        env.push(String::from(*word));
    }
    (env, &argv[n..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_assignments_are_the_environment() {
        let (env, rest) = split_env(&["LD_LIBRARY_PATH=/opt/lib", "HOME=/root", "/bin/p", "A=1"]);
        assert_eq!(env, ["PATH=/bin:/usr/bin", "TERM=linux", "LD_LIBRARY_PATH=/opt/lib", "HOME=/root"]);
        assert_eq!(rest, ["/bin/p", "A=1"]);
        let (env, rest) = split_env(&["/bin/x=y", "1A=2"]);
        assert_eq!((env.len(), rest), (3, &["/bin/x=y", "1A=2"][..]), "not names: the program");
        let (_, rest) = split_env(&["_X=", "hello"]);
        assert_eq!(rest, ["hello"]);
    }

    #[test]
    fn log_level_and_init_command() {
        let a = parse("log=info init=/bin/sh -c echo hi");
        assert_eq!(a.log, LevelFilter::Info);
        assert_eq!(a.init, "/bin/sh -c echo hi");
        assert!(a.unknown.is_empty());
        assert_eq!(a.crash, None);
        assert_eq!(parse("crash=fault init=/x").crash, Some("fault"));
    }

    #[test]
    fn init_takes_the_rest_of_the_line_even_words_that_look_like_options() {
        let a = parse("init=/prog log=debug x=y");
        assert_eq!(a.init, "/prog log=debug x=y");
        assert_eq!(a.log, DEFAULT_LOG);
    }

    #[test]
    fn defaults_and_unknown_words() {
        let a = parse("  console=ttyS0 log=loud  ");
        assert_eq!(a.log, DEFAULT_LOG);
        assert_eq!(a.init, DEFAULT_INIT);
        assert_eq!(a.unknown, ["console=ttyS0", "log=loud"]);
        assert_eq!(parse("").init, DEFAULT_INIT);
        assert_eq!(parse("init=   ").init, DEFAULT_INIT);
    }

    #[test]
    fn root_names_the_disk_and_ro_makes_it_read_only() {
        let a = parse("root=/dev/vda log=info init=/bin/sh");
        assert_eq!((a.root, a.read_only, a.init), (Some("/dev/vda"), false, "/bin/sh"));
        assert!(a.unknown.is_empty());
        assert!(parse("ro root=/dev/vdb").read_only);
        assert!(!parse("ro rw").read_only);
        assert!(parse("trace init=/bin/sh").trace);
        assert_eq!(parse("panic_on=getcpu init=/x").panic_on, Some("getcpu"));
        assert_eq!(parse("panic_on= init=/x").panic_on, None);
        assert!(!parse("init=/bin/sh trace").trace);
        assert_eq!(parse("root= init=/x").root, None);
        assert_eq!(parse("init=/x").root, None);
    }

    #[test]
    fn log_levels_are_case_insensitive() {
        assert_eq!(parse("log=TRACE").log, LevelFilter::Trace);
        assert_eq!(parse("log=off").log, LevelFilter::Off);
        assert_eq!(parse("log=error").log, LevelFilter::Error);
    }

    #[test]
    fn commands_split_at_lone_semicolons_and_spaces() {
        assert_eq!(commands("/a 1 2 ; /b ;  ; /c"), [vec!["/a", "1", "2"], vec!["/b"], vec!["/c"]]);
        assert_eq!(commands("/a x;y"), [vec!["/a", "x;y"]]);
        assert!(commands("  ").is_empty());
    }

    #[test]
    fn ip_takes_dhcp_a_prefix_and_gateway_or_linux_s_colon_form() {
        assert_eq!(parse("init=/x").ip, Ip::Dhcp);
        assert_eq!(parse("ip=dhcp init=/x").ip, Ip::Dhcp);
        assert_eq!(parse("ip=off").ip, Ip::Off);
        let qemu = Ip::Static { addr: [10, 0, 2, 15], prefix: 24, gateway: Some([10, 0, 2, 2]) };
        assert_eq!(parse("ip=10.0.2.15/24,10.0.2.2 init=/x").ip, qemu);
        assert_eq!(parse_ip("10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"), Some(qemu));
        assert_eq!(parse_ip("192.168.1.9/16"), Some(Ip::Static { addr: [192, 168, 1, 9], prefix: 16, gateway: None }));
        assert_eq!(parse_ip("10.0.2.15"), Some(Ip::Static { addr: [10, 0, 2, 15], prefix: 24, gateway: None }));
    }

    #[test]
    fn a_bad_ip_is_reported_and_leaves_dhcp() {
        for bad in [
            "ip=10.0.2/24",
            "ip=10.0.2.15/33",
            "ip=10.0.2.15/24,10.0.2",
            "ip=1.2.3.4::1.1.1.1:255.0.255.0",
            "ip=300.1.1.1/8",
        ] {
            let a = parse(bad);
            assert_eq!(a.ip, Ip::Dhcp, "{bad}");
            assert_eq!(a.unknown, [bad]);
        }
    }
}
