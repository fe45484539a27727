//! Source-address allowlists.
//!
//! Ranges are CIDRs (`3.6.234.242/32`, `2001:db8::/32`) or single addresses.
//! IPv4-mapped IPv6 peers (`::ffff:3.6.234.242`, what a dual-stack socket
//! reports for an IPv4 client) are matched as the IPv4 address they carry, so a
//! v4 allowlist works behind a v6 listener and a mapped form cannot sneak past it.

use std::net::IpAddr;
use std::str::FromStr;

use crate::error::ConfigError;

/// One CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Unwraps an IPv4-mapped IPv6 address to IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl Cidr {
    /// Whether `ip` lies inside this range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Cidr, ConfigError> {
        let bad = || ConfigError::InvalidCidr(s.to_string());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr = canonical(IpAddr::from_str(addr).map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A set of allowed ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist {
    ranges: Vec<Cidr>,
}

impl IpAllowlist {
    /// Parses every range; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(ranges: &[S]) -> Result<IpAllowlist, ConfigError> {
        Ok(IpAllowlist {
            ranges: ranges
                .iter()
                .map(|r| r.as_ref().parse())
                .collect::<Result<_, _>>()?,
        })
    }

    /// Adds a range.
    pub fn push(&mut self, c: Cidr) {
        self.ranges.push(c);
    }

    /// Whether no range is configured.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `ip` is inside any range.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|r| r.contains(ip))
    }

    /// The ranges.
    pub fn ranges(&self) -> &[Cidr] {
        &self.ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool)] = &[
            ("3.6.234.242", "3.6.234.242", true),
            ("3.6.234.242", "3.6.234.243", false),
            ("3.6.234.242", "::ffff:3.6.234.242", true),
            ("::ffff:3.6.234.242", "3.6.234.242", true),
            ("10.0.0.0/8", "10.255.1.2", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("::/0", "::1", true),
            ("10.0.0.0/8", "::a00:1", false),
        ];
        for (range, addr, want) in cases {
            let c: Cidr = range.parse().unwrap();
            assert_eq!(c.contains(ip(addr)), *want, "{range} contains {addr}");
        }
    }

    #[test]
    fn bad_ranges() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "x",
            "::/129",
            "1.2.3.4/-1",
            "1.2.3.4/ 8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }
}
