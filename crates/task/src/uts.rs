//! The machine's names (uname's nodename and domainname), which sethostname and setdomainname
//! change for everyone: there are no UTS namespaces here.
use alloc::vec::Vec;
use sync::Mutex;

/// The longest name (__NEW_UTS_LEN).
pub const NAME_MAX: usize = 64;

struct Names {
    host: Vec<u8>,
    domain: Vec<u8>,
}

static NAMES: Mutex<Option<Names>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Names) -> T) -> T {
    let mut g = NAMES.lock();
    let n = g.get_or_insert_with(|| Names { host: b"bakaex".to_vec(), domain: b"(none)".to_vec() });
    f(n)
}

pub fn hostname() -> Vec<u8> {
    with(|n| n.host.clone())
}

pub fn domainname() -> Vec<u8> {
    with(|n| n.domain.clone())
}

/// Set the host name (at most [`NAME_MAX`] bytes: the caller checks).
pub fn set_hostname(name: &[u8]) {
    with(|n| n.host = name[..name.len().min(NAME_MAX)].to_vec())
}

pub fn set_domainname(name: &[u8]) {
    with(|n| n.domain = name[..name.len().min(NAME_MAX)].to_vec())
}
