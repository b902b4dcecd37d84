//! AF_UNIX addresses (`struct sockaddr_un`): a path in the file system, an abstract name (a
//! first byte of 0, the rest is the name, NULs included), or none (unnamed).
use abi::net::{AF_UNIX, UNIX_PATH_MAX};
use abi::{Errno, SysResult};
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnixAddr {
    Unnamed,
    /// A path (without its terminating NUL).
    Path(Vec<u8>),
    /// An abstract name (without the leading NUL).
    Abstract(Vec<u8>),
}

impl UnixAddr {
    /// Decode the `len` bytes of a `sockaddr_un` a program gave. Only the family: `Unnamed`
    /// (bind then picks an abstract name). EINVAL for a wrong family or size.
    pub fn parse(bytes: &[u8]) -> SysResult<UnixAddr> {
        if bytes.len() < 2 || bytes.len() > 2 + UNIX_PATH_MAX {
            return Err(Errno::EINVAL);
        }
        if u16::from_ne_bytes([bytes[0], bytes[1]]) != AF_UNIX {
            return Err(Errno::EINVAL);
        }
        let path = &bytes[2..];
        Ok(match path.first() {
            None => UnixAddr::Unnamed,
            Some(0) => UnixAddr::Abstract(path[1..].to_vec()),
            Some(_) => {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                UnixAddr::Path(path[..end].to_vec())
            }
        })
    }

    /// The `sockaddr_un` getsockname, getpeername, accept and recvfrom report, and its length
    /// (family only for an unnamed socket; a path with its NUL).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = AF_UNIX.to_ne_bytes().to_vec();
        match self {
            UnixAddr::Unnamed => {}
            UnixAddr::Path(p) => {
                out.extend_from_slice(p);
                out.push(0);
            }
            UnixAddr::Abstract(n) => {
                out.push(0);
                out.extend_from_slice(n);
            }
        }
        out
    }

    pub fn is_unnamed(&self) -> bool {
        *self == UnixAddr::Unnamed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sun(path: &[u8]) -> Vec<u8> {
        let mut v = AF_UNIX.to_ne_bytes().to_vec();
        v.extend_from_slice(path);
        v
    }

    #[test]
    fn paths_abstract_names_and_unnamed() {
        assert_eq!(UnixAddr::parse(&sun(b"/tmp/s\0junk")), Ok(UnixAddr::Path(b"/tmp/s".to_vec())));
        assert_eq!(UnixAddr::parse(&sun(b"/tmp/s")), Ok(UnixAddr::Path(b"/tmp/s".to_vec())));
        assert_eq!(UnixAddr::parse(&sun(b"\0a\0b")), Ok(UnixAddr::Abstract(b"a\0b".to_vec())));
        assert_eq!(UnixAddr::parse(&sun(b"")), Ok(UnixAddr::Unnamed));
        assert_eq!(UnixAddr::parse(&[1]), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::parse(&2u16.to_ne_bytes()), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::parse(&sun(&[b'x'; 109])), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::Path(b"/s".to_vec()).encode(), sun(b"/s\0"));
        assert_eq!(UnixAddr::Abstract(b"n".to_vec()).encode(), sun(b"\0n"));
        assert_eq!(UnixAddr::Unnamed.encode().len(), 2);
    }
}
