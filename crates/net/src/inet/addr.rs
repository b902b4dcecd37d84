//! `sockaddr_in` and `sockaddr_in6` as the socket calls read and write them.
//!
//! An AF_INET6 socket speaks IPv4 too (unless IPV6_V6ONLY): an address `::ffff:a.b.c.d` means
//! the IPv4 address a.b.c.d, and IPv4 peers are reported in that form.
use abi::net::{SockaddrIn, SockaddrIn6, AF_INET, AF_INET6, AF_UNSPEC};
use abi::{Errno, SysResult};
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn domain(self) -> u16 {
        match self {
            Family::V4 => AF_INET,
            Family::V6 => AF_INET6,
        }
    }

    /// The size of this family's socket address.
    pub fn addr_len(self) -> usize {
        match self {
            Family::V4 => core::mem::size_of::<SockaddrIn>(),
            Family::V6 => core::mem::size_of::<SockaddrIn6>(),
        }
    }
}

/// A socket address a program gave: an endpoint whose address may be the wildcard (`None`), or
/// AF_UNSPEC (connect: dissolve the association).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    Unspec,
    At(IpListenEndpoint),
}

/// Decode the `bytes` of a socket address for a socket of family `fam`: EINVAL if too short,
/// EAFNOSUPPORT for another family (AF_UNSPEC is reported as such).
pub fn parse(fam: Family, bytes: &[u8]) -> SysResult<Parsed> {
    if bytes.len() < 2 {
        return Err(Errno::EINVAL);
    }
    let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
    if family == AF_UNSPEC {
        return Ok(Parsed::Unspec);
    }
    if bytes.len() < fam.addr_len().min(24) {
        return Err(Errno::EINVAL);
    }
    if family != fam.domain() {
        return Err(Errno::EAFNOSUPPORT);
    }
    let port = u16::from_be_bytes([bytes[2], bytes[3]]);
    let addr = match fam {
        Family::V4 => {
            let a = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            (!a.is_unspecified()).then_some(IpAddress::Ipv4(a))
        }
        Family::V6 => {
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&bytes[8..24]);
            let a = Ipv6Addr::from(raw);
            if a.is_unspecified() {
                None
            } else if let Some(v4) = a.to_ipv4_mapped() {
                Some(IpAddress::Ipv4(v4))
            } else {
                Some(IpAddress::Ipv6(a))
            }
        }
    };
    Ok(Parsed::At(IpListenEndpoint { addr, port }))
}

/// The socket address of `addr` (`None`: the wildcard) and `port` as a socket of family `fam`
/// reports it.
pub fn encode(fam: Family, addr: Option<IpAddress>, port: u16) -> Vec<u8> {
    match fam {
        Family::V4 => {
            let a = match addr {
                Some(IpAddress::Ipv4(a)) => a.octets(),
                _ => [0; 4],
            };
            let s = SockaddrIn { family: AF_INET, port: port.to_be_bytes(), addr: a, zero: [0; 8] };
            bytemuck::bytes_of(&s).to_vec()
        }
        Family::V6 => {
            let a = match addr {
                Some(IpAddress::Ipv4(a)) => a.to_ipv6_mapped().octets(),
                Some(IpAddress::Ipv6(a)) => a.octets(),
                None => [0; 16],
            };
            let s = SockaddrIn6 { family: AF_INET6, port: port.to_be_bytes(), flowinfo: 0, addr: a, scope_id: 0 };
            bytemuck::bytes_of(&s).to_vec()
        }
    }
}

/// [`parse`] for bind(2), where Linux takes a wildcard AF_UNSPEC address of AF_INET's size as
/// AF_INET's wildcard (EAFNOSUPPORT for any other AF_UNSPEC address).
pub fn parse_bind(fam: Family, bytes: &[u8]) -> SysResult<IpListenEndpoint> {
    match parse(fam, bytes)? {
        Parsed::At(ep) => Ok(ep),
        Parsed::Unspec if fam == Family::V4 && bytes.len() >= 16 && bytes[4..8] == [0; 4] => {
            Ok(IpListenEndpoint { addr: None, port: u16::from_be_bytes([bytes[2], bytes[3]]) })
        }
        Parsed::Unspec => Err(Errno::EAFNOSUPPORT),
    }
}

/// [`encode`] for an endpoint.
pub fn encode_endpoint(fam: Family, ep: IpEndpoint) -> Vec<u8> {
    encode(fam, Some(ep.addr), ep.port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sin(a: [u8; 4], port: u16) -> Vec<u8> {
        bytemuck::bytes_of(&SockaddrIn { family: AF_INET, port: port.to_be_bytes(), addr: a, zero: [0; 8] }).to_vec()
    }

    #[test]
    fn ipv4_and_ipv6_addresses_round_trip() {
        let lo = IpAddress::Ipv4(Ipv4Addr::LOCALHOST);
        assert_eq!(
            parse(Family::V4, &sin([127, 0, 0, 1], 80)),
            Ok(Parsed::At(IpListenEndpoint { addr: Some(lo), port: 80 }))
        );
        assert_eq!(parse(Family::V4, &sin([0; 4], 8)), Ok(Parsed::At(IpListenEndpoint { addr: None, port: 8 })));
        assert_eq!(parse(Family::V4, &sin([127, 0, 0, 1], 80)[..15]), Err(Errno::EINVAL));
        assert_eq!(parse(Family::V6, &sin([127, 0, 0, 1], 80)), Err(Errno::EINVAL), "too short for sockaddr_in6");
        assert_eq!(parse(Family::V4, &encode(Family::V6, Some(lo), 1)), Err(Errno::EAFNOSUPPORT));
        assert_eq!(parse(Family::V4, &AF_UNSPEC.to_ne_bytes()), Ok(Parsed::Unspec));
        // bind's AF_UNSPEC: the wildcard only.
        let mut unspec = sin([0; 4], 9);
        unspec[..2].copy_from_slice(&AF_UNSPEC.to_ne_bytes());
        assert_eq!(parse_bind(Family::V4, &unspec), Ok(IpListenEndpoint { addr: None, port: 9 }));
        unspec[4] = 127;
        assert_eq!(parse_bind(Family::V4, &unspec), Err(Errno::EAFNOSUPPORT));
        assert_eq!(encode(Family::V4, Some(lo), 80), sin([127, 0, 0, 1], 80));
        // An IPv4 peer of an AF_INET6 socket is ::ffff:127.0.0.1, and reads back as IPv4.
        let mapped = encode(Family::V6, Some(lo), 80);
        assert_eq!(mapped.len(), 28);
        assert_eq!(&mapped[8..24], &Ipv4Addr::LOCALHOST.to_ipv6_mapped().octets());
        assert_eq!(parse(Family::V6, &mapped), Ok(Parsed::At(IpListenEndpoint { addr: Some(lo), port: 80 })));
        let six = IpAddress::Ipv6(Ipv6Addr::LOCALHOST);
        assert_eq!(
            parse(Family::V6, &encode(Family::V6, Some(six), 9)),
            Ok(Parsed::At(IpListenEndpoint { addr: Some(six), port: 9 }))
        );
    }
}
