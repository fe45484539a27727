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

/// The unit one client is limited by: its IPv4 address, or the /64 of its
/// IPv6 address (a single host is routinely given a whole /64, so counting
/// IPv6 addresses one by one would give it 2^64 budgets).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
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

/// Which header the operator's proxy writes the client address into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, …`
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The client's address for a request that arrived from `peer`, or `None`
/// when it cannot be told.
///
/// Forwarding headers are the client's to write, so they count only when
/// `peer` is one of the operator's `trusted` proxies, and only the one header
/// that proxy writes (`which`; a client-written other one is ignored). Its
/// hops are walked from the right, skipping trusted proxies: the first
/// untrusted one is the client. Each hop is read on its own, so what a client
/// wrote to the left of the hops the proxies added (bytes that are not text,
/// say) does not matter. A hop that is reached and cannot be read (an
/// obfuscated or unknown node, a bad address, a `Forwarded` element without
/// `for=`) makes the answer `None`: neither an address an attacker wrote nor
/// the proxy's own, which an allowlist might admit. Empty elements name no
/// hop and are skipped. With no hop left but trusted proxies (or no header),
/// the peer it is.
pub fn client_ip(
    peer: IpAddr,
    headers: &http::HeaderMap,
    trusted: &IpAllowlist,
    which: ProxyHeader,
) -> Option<IpAddr> {
    let peer = canonical(peer);
    if trusted.is_empty() || !trusted.allows(peer) {
        return Some(peer);
    }
    let name = match which {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    // Later header lines were added by nearer hops: walk them last to first.
    let lines: Vec<&[u8]> = headers.get_all(name).iter().map(|v| v.as_bytes()).collect();
    for line in lines.iter().rev() {
        for element in line.rsplit(|b| *b == b',') {
            // Nothing at all (an empty header, a stray comma) names no hop.
            if element.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let node = std::str::from_utf8(element).ok().and_then(|e| match which {
                ProxyHeader::XForwardedFor => Some(e),
                ProxyHeader::Forwarded => e.split(';').find_map(|pair| {
                    let (k, val) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then_some(val)
                }),
            });
            let ip = canonical(parse_node(node?)?);
            if !trusted.allows(ip) {
                return Some(ip);
            }
        }
    }
    // Every hop is a trusted proxy (or there were none): the peer it is.
    Some(peer)
}

/// One hop: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`, `"[2001:db8::1]:80"`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let n = node.trim().trim_matches('"');
    if let Ok(ip) = n.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = n.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        return inner.parse().ok();
    }
    let (host, port) = n.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
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
    fn limit_key_groups_an_ipv6_slash_64() {
        assert_eq!(limit_key(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(limit_key(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            limit_key(ip("2001:db8:1:2::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:3::1")),
            limit_key(ip("2001:db8:1:2::1"))
        );
    }

    #[test]
    fn client_ip_believes_only_trusted_proxies() {
        let trusted = IpAllowlist::parse(&["10.0.0.0/8"]).unwrap();
        let h = |pairs: &[(&str, &str)]| {
            let mut m = http::HeaderMap::new();
            for (k, v) in pairs {
                m.append(
                    http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            m
        };
        let client_ip = |p, h: &http::HeaderMap, t: &IpAllowlist| {
            let w = if h.contains_key("forwarded") {
                ProxyHeader::Forwarded
            } else {
                ProxyHeader::XForwardedFor
            };
            super::client_ip(p, h, t, w).expect("a readable chain")
        };
        let xff = h(&[("x-forwarded-for", "198.51.100.7, 10.0.0.9")]);
        // From an untrusted peer the header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.1"), &xff, &trusted),
            ip("203.0.113.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff, &IpAllowlist::default()),
            ip("10.0.0.1")
        );
        // From a trusted one: the rightmost untrusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff, &trusted),
            ip("198.51.100.7")
        );
        let spoof = h(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &spoof, &trusted),
            ip("198.51.100.7")
        );
        let two = h(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.8:443"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &two, &trusted),
            ip("198.51.100.8")
        );
        // A hop that cannot be read, where the walk reaches it: unknown, not
        // the proxy (which an allowlist might admit).
        let bad = h(&[("x-forwarded-for", "1.1.1.1, nonsense")]);
        assert_eq!(
            super::client_ip(ip("10.0.0.1"), &bad, &trusted, ProxyHeader::XForwardedFor),
            None
        );
        // Past the client's hop, what it wrote to the left does not matter.
        let mut junk = h(&[]);
        junk.append(
            "x-forwarded-for",
            http::HeaderValue::from_bytes(b"\x80nonsense, 198.51.100.7, 10.0.0.9").unwrap(),
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &junk, &trusted),
            ip("198.51.100.7")
        );
        let tail = h(&[("forwarded", "proto=http, for=198.51.100.7")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &tail, &trusted),
            ip("198.51.100.7")
        );
        let no_for = h(&[("forwarded", "for=198.51.100.7, proto=http")]);
        assert_eq!(
            super::client_ip(ip("10.0.0.1"), &no_for, &trusted, ProxyHeader::Forwarded),
            None
        );
        let fwd = h(&[(
            "forwarded",
            r#"for=192.0.2.60;proto=https, for="[2001:db8::1]:4711""#,
        )]);
        assert_eq!(client_ip(ip("10.0.0.1"), &fwd, &trusted), ip("2001:db8::1"));
        let hidden = h(&[("forwarded", "for=_hidden")]);
        assert_eq!(
            super::client_ip(ip("10.0.0.1"), &hidden, &trusted, ProxyHeader::Forwarded),
            None
        );
        // The header the proxy does not write is the client's: ignored.
        let both = h(&[
            ("forwarded", "for=10.0.0.7"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(
            super::client_ip(ip("10.0.0.1"), &both, &trusted, ProxyHeader::Forwarded),
            Some(ip("10.0.0.1"))
        );
        let mapped = h(&[("x-forwarded-for", "::ffff:198.51.100.9")]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.1"), &mapped, &trusted),
            ip("198.51.100.9")
        );
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
