//! Outbound safety: which destinations a webhook may be sent to.
//!
//! An endpoint URL is attacker-controlled input (customers register them), so
//! before every connection each resolved address is checked against the ranges
//! below — for DNS names and IP literals alike, IPv4-mapped, 6to4 and NAT64
//! forms unwrapped to the IPv4 address they carry — and the connection goes to
//! the address that was checked (no second lookup, so no DNS-rebinding window).
//! Operators allow specific ranges with `delivery.allow_cidrs`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hookseal::IpAllowlist;

/// Blocked IPv4 ranges and why (RFC 6890 special-purpose registry, plus metadata).
const V4_BLOCKED: &[(&str, &str)] = &[
    ("0.0.0.0/8", "this-network / unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved / broadcast"),
];

/// Blocked IPv6 ranges (mapped, 6to4 and NAT64 forms are unwrapped first).
const V6_BLOCKED: &[(&str, &str)] = &[
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible (deprecated)"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "unique local (incl. fd00:ec2::254 metadata)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
];

fn in_table(ip: IpAddr, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table.iter().find_map(|(cidr, why)| {
        cidr.parse::<hookseal::Cidr>()
            .ok()
            .filter(|c| c.contains(ip))
            .map(|_| *why)
    })
}

/// The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let o = v6.octets();
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    None
}

/// Cloud metadata services: refused whatever an operator allowlist says (an
/// allowlist of a private range must not open them).
const METADATA: &[&str] = &[
    "169.254.169.254", // AWS, GCP, Azure, OpenStack…
    "169.254.170.2",   // AWS ECS task metadata
    "169.254.169.123", // AWS time sync
    "100.100.100.200", // Alibaba Cloud
    "fd00:ec2::254",   // AWS over IPv6
    "fd00:ec2::23",    // AWS DNS over IPv6
];

fn is_metadata(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    METADATA
        .iter()
        .any(|m| m.parse::<IpAddr>().is_ok_and(|m| m == ip))
}

/// Why `ip` is refused as a webhook destination, if it is.
pub fn blocked_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => in_table(IpAddr::V4(v4), V4_BLOCKED),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => in_table(IpAddr::V4(v4), V4_BLOCKED),
            None => in_table(IpAddr::V6(v6), V6_BLOCKED),
        },
    }
}

/// The destination policy.
#[derive(Debug, Clone)]
pub struct Guard {
    allow: IpAllowlist,
    /// Whether plain `http://` URLs may be used.
    pub allow_http: bool,
}

impl Guard {
    /// A guard with an operator allowlist.
    pub fn new(allow_cidrs: &[String], allow_http: bool) -> anyhow::Result<Guard> {
        Ok(Guard {
            allow: IpAllowlist::parse(allow_cidrs)?,
            allow_http,
        })
    }

    /// Refuses an address unless it is public or explicitly allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if is_metadata(ip) {
            return Err(format!("{ip} is a cloud metadata service"));
        }
        match blocked_reason(ip) {
            Some(why) if !self.allow.allows(ip) => Err(format!("{ip} is {why}")),
            _ => Ok(()),
        }
    }

    /// Checks what can be checked without DNS: scheme, host, IP literals.
    pub fn check_url(&self, url: &str) -> Result<http::Uri, String> {
        let uri: http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.allow_http => {}
            Some("http") => {
                return Err("plain http:// URLs are refused (delivery.allow_http)".into())
            }
            _ => return Err("the URL must start with https://".into()),
        }
        let host = uri.host().ok_or("the URL has no host")?;
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err("URLs with user info are refused".into());
        }
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            self.check_ip(ip)?;
        }
        Ok(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let blocked = [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::127.0.0.1",
            "64:ff9b:1::1",
            "2001:0:4136:e378::1",
        ];
        for ip in blocked {
            assert!(
                blocked_reason(ip.parse().unwrap()).is_some(),
                "{ip} must be blocked"
            );
        }
        let allowed = [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
        ];
        for ip in allowed {
            assert_eq!(
                blocked_reason(ip.parse().unwrap()),
                None,
                "{ip} must be allowed"
            );
        }
    }

    #[test]
    fn metadata_is_refused_whatever_the_allowlist() {
        let g = Guard::new(
            &[
                "169.254.0.0/16".into(),
                "fd00::/8".into(),
                "100.64.0.0/10".into(),
            ],
            true,
        )
        .unwrap();
        assert!(g.check_ip("169.254.1.1".parse().unwrap()).is_ok());
        for m in [
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "fd00:ec2::254",
            "100.100.100.200",
        ] {
            assert!(g.check_ip(m.parse().unwrap()).is_err(), "{m}");
        }
    }

    #[test]
    fn urls_and_allowlist() {
        let g = Guard::new(&[], false).unwrap();
        assert!(g.check_url("https://example.com/hook").is_ok());
        assert!(g.check_url("http://example.com/hook").is_err());
        assert!(g.check_url("ftp://example.com").is_err());
        assert!(g.check_url("https://127.0.0.1/x").is_err());
        assert!(g.check_url("https://[::1]/x").is_err());
        assert!(g.check_url("https://user:pw@example.com/").is_err());
        let g = Guard::new(&["127.0.0.1/32".to_string()], true).unwrap();
        assert!(g.check_url("http://127.0.0.1:9000/x").is_ok());
        assert!(g.check_ip("127.0.0.2".parse().unwrap()).is_err());
    }
}
