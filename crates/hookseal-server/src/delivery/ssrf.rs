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

/// Blocked IPv4 ranges and why: every row of the IANA IPv4 Special-Purpose
/// Address Registry (RFC 6890 and its updates;
/// <https://www.iana.org/assignments/iana-ipv4-special-registry>), the
/// multicast range (RFC 5771), and `255.255.255.255`. Rows the registry marks
/// globally reachable (PCP and TURN anycast, AS112, AMT) are refused as well:
/// no webhook endpoint lives there. The broad rows come first so a reason
/// names the wider range; narrower rows inside them are listed for the record
/// (and the table test).
pub const V4_BLOCKED: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\" (RFC 791)"),
    ("0.0.0.0/32", "\"this host on this network\" (RFC 1122)"),
    ("10.0.0.0/8", "private-use (RFC 1918)"),
    (
        "100.64.0.0/10",
        "shared address space / carrier-grade NAT (RFC 6598)",
    ),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927), cloud metadata"),
    ("172.16.0.0/12", "private-use (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.0.0/29", "IPv4 service continuity prefix (RFC 7335)"),
    ("192.0.0.8/32", "IPv4 dummy address (RFC 7600)"),
    ("192.0.0.9/32", "port control protocol anycast (RFC 7723)"),
    ("192.0.0.10/32", "TURN anycast (RFC 8155)"),
    ("192.0.0.170/31", "NAT64/DNS64 discovery (RFC 7050)"),
    ("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
    ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
    ("192.52.193.0/24", "AMT (RFC 7450)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private-use (RFC 1918)"),
    (
        "192.175.48.0/24",
        "direct delegation AS112 service (RFC 7534)",
    ),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("255.255.255.255/32", "limited broadcast (RFC 8190)"),
];

/// Blocked IPv6 ranges: every row of the IANA IPv6 Special-Purpose Address
/// Registry (<https://www.iana.org/assignments/iana-ipv6-special-registry>)
/// but the two that carry a public IPv4 address (`64:ff9b::/96` NAT64 and
/// `2002::/16` 6to4, which are unwrapped and judged by that address — see
/// [`embedded_v4`]), plus deprecated forms (IPv4-compatible, site-local),
/// the IPv4-translated SIIT prefix (RFC 2765) and multicast (RFC 4291).
/// `2001::/23` (IETF protocol assignments) covers Teredo, benchmarking,
/// ORCHID and the anycast rows; they are listed too. IPv4-mapped addresses
/// (`::ffff:0:0/96`) are unwrapped and judged as IPv4.
pub const V6_BLOCKED: &[(&str, &str)] = &[
    ("::/128", "unspecified (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    ("::/96", "IPv4-compatible, deprecated (RFC 4291)"),
    ("::ffff:0:0:0/96", "IPv4-translated, SIIT (RFC 2765)"),
    (
        "64:ff9b:1::/48",
        "local-use IPv4/IPv6 translation (RFC 8215)",
    ),
    ("100::/64", "discard-only (RFC 6666)"),
    ("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
    ("2001::/23", "IETF protocol assignments (RFC 2928)"),
    ("2001::/32", "Teredo (RFC 4380)"),
    ("2001:1::1/128", "port control protocol anycast (RFC 7723)"),
    ("2001:1::2/128", "TURN anycast (RFC 8155)"),
    (
        "2001:1::3/128",
        "DNS-SD service registration protocol anycast (RFC 9665)",
    ),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:3::/32", "AMT (RFC 7450)"),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
    ("2001:10::/28", "deprecated ORCHID (RFC 4843)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", "drone remote ID entity tags (RFC 9374)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    (
        "2620:4f:8000::/48",
        "direct delegation AS112 service (RFC 7534)",
    ),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "segment routing (SRv6) SIDs (RFC 9602)"),
    (
        "fc00::/7",
        "unique-local (RFC 4193), incl. fd00:ec2::254 metadata",
    ),
    ("fe80::/10", "link-local unicast (RFC 4291)"),
    ("fec0::/10", "site-local, deprecated (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
];

fn in_table(ip: IpAddr, table: &[(hookseal::Cidr, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(c, _)| c.contains(ip))
        .map(|(_, why)| *why)
}

/// A table's rows, parsed once.
fn parsed(
    table: &'static [(&'static str, &'static str)],
    cell: &'static std::sync::OnceLock<Vec<(hookseal::Cidr, &'static str)>>,
) -> &'static [(hookseal::Cidr, &'static str)] {
    cell.get_or_init(|| {
        table
            .iter()
            .map(|(c, why)| (c.parse().expect("a valid built-in range"), *why))
            .collect()
    })
}

fn v4_table() -> &'static [(hookseal::Cidr, &'static str)] {
    static CELL: std::sync::OnceLock<Vec<(hookseal::Cidr, &'static str)>> =
        std::sync::OnceLock::new();
    parsed(V4_BLOCKED, &CELL)
}

fn v6_table() -> &'static [(hookseal::Cidr, &'static str)] {
    static CELL: std::sync::OnceLock<Vec<(hookseal::Cidr, &'static str)>> =
        std::sync::OnceLock::new();
    parsed(V6_BLOCKED, &CELL)
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

/// Cloud metadata and platform services: refused whatever an operator
/// allowlist says (an allowlist of a private range must not open them), and
/// whatever the range they sit in (Azure's WireServer is a public address).
pub const METADATA: &[(&str, &str)] = &[
    (
        "169.254.169.254",
        "instance metadata (AWS, GCP, Azure, OpenStack, DigitalOcean…)",
    ),
    ("169.254.170.2", "AWS ECS task metadata"),
    ("169.254.170.23", "AWS EKS pod identity agent"),
    ("169.254.169.123", "AWS time sync"),
    ("169.254.169.253", "AWS VPC DNS"),
    ("169.254.0.23", "Tencent Cloud metadata"),
    ("168.63.129.16", "Azure WireServer"),
    ("192.0.0.192", "Oracle Cloud metadata"),
    ("100.100.100.200", "Alibaba Cloud metadata"),
    ("fd00:ec2::254", "AWS instance metadata over IPv6"),
    ("fd00:ec2::23", "AWS EKS pod identity agent over IPv6"),
    ("fd00:ec2::123", "AWS time sync over IPv6"),
    ("fd00:ec2::253", "AWS VPC DNS over IPv6"),
];

fn metadata(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    METADATA
        .iter()
        .find(|(m, _)| m.parse::<IpAddr>().is_ok_and(|m| m == ip))
        .map(|(_, why)| *why)
}

/// Why `ip` is refused as a webhook destination, if it is.
pub fn blocked_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => in_table(IpAddr::V4(v4), v4_table()),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => in_table(IpAddr::V4(v4), v4_table()),
            None => in_table(IpAddr::V6(v6), v6_table()),
        },
    }
}

/// Host names that mean this machine whatever DNS says (RFC 6761 §6.3:
/// `localhost` and every name under it), and the common aliases.
fn is_loopback_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || matches!(
            h.as_str(),
            "localhost.localdomain" | "ip6-localhost" | "ip6-loopback" | "localhost6"
        )
}

/// The longest endpoint URL, in characters.
pub const MAX_URL: usize = 2048;

/// The JSON Schema pattern of an endpoint URL ([`url_syntax`]): `http(s)://`,
/// a host name (letters, digits, hyphens; dotted; IPv4 literals are host
/// names of digits), an optional port, and an optional path and query of
/// RFC 3986 characters.
pub const URL_PATTERN: &str = "^https?://[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?(?:[/?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$";

/// Whether `url` has the form [`URL_PATTERN`] describes (and at most
/// [`MAX_URL`] characters). The destination policy is a separate question
/// ([`Guard::check_url`]).
pub fn url_syntax(url: &str) -> bool {
    fn label(l: &str) -> bool {
        let b = l.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    }
    if url.len() > MAX_URL {
        return false;
    }
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    host.split('.').all(label)
        && port.is_none_or(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && {
                let v: u32 = p.parse().unwrap_or(u32::MAX);
                // Five digits: no leading zero (the pattern's alternatives).
                v <= 65535 && !(p.len() == 5 && p.starts_with('0'))
            }
        })
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~!$&'()*+,;=:@%/?-".contains(&b))
}

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlRefusal {
    /// Not a URL of the accepted form (a 422).
    Malformed(String),
    /// Well-formed, but the destination policy forbids it (a 403): a
    /// refused range, a loopback name, plain `http://` where not allowed.
    Forbidden(String),
}

impl std::fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlRefusal::Malformed(m) | UrlRefusal::Forbidden(m) => f.write_str(m),
        }
    }
}

/// The destination policy.
#[derive(Debug, Clone)]
pub struct Guard {
    allow: IpAllowlist,
    /// Whether plain `http://` URLs may be used.
    pub allow_http: bool,
    /// The settings that open what it refuses (named in refusals).
    settings: (&'static str, &'static str),
}

impl Guard {
    /// A guard for customer endpoints (`delivery.allow_cidrs`, `delivery.allow_http`).
    pub fn new(allow_cidrs: &[String], allow_http: bool) -> anyhow::Result<Guard> {
        Ok(Guard {
            allow: IpAllowlist::parse(allow_cidrs)?,
            allow_http,
            settings: ("delivery.allow_cidrs", "delivery.allow_http"),
        })
    }

    /// A guard for forwards to the operator's own services
    /// (`ingress.forward_allow_cidrs`, `ingress.forward_allow_http`).
    pub fn for_forwards(allow_cidrs: &[String], allow_http: bool) -> anyhow::Result<Guard> {
        Ok(Guard {
            settings: ("ingress.forward_allow_cidrs", "ingress.forward_allow_http"),
            ..Guard::new(allow_cidrs, allow_http)?
        })
    }

    /// Refuses an address unless it is public or explicitly allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if let Some(what) = metadata(ip) {
            return Err(format!(
                "{ip} is a cloud metadata service ({what}), never allowed"
            ));
        }
        match blocked_reason(ip) {
            Some(why) if !self.allow.allows(ip) => Err(format!(
                "{ip} is {why}: refused unless {} allows it",
                self.settings.0
            )),
            _ => Ok(()),
        }
    }

    /// Checks what can be checked without DNS: the URL's form, its scheme,
    /// IP literals and loopback names.
    pub fn check_url(&self, url: &str) -> Result<http::Uri, UrlRefusal> {
        let malformed = || {
            UrlRefusal::Malformed(format!(
                "{url:?} is not an http(s) URL of a host name or IPv4 address, an optional port, \
                 and a path of URL characters"
            ))
        };
        if !url_syntax(url) {
            return Err(malformed());
        }
        let uri: http::Uri = url.parse().map_err(|_| malformed())?;
        if uri.scheme_str() == Some("http") && !self.allow_http {
            return Err(UrlRefusal::Forbidden(format!(
                "plain http:// URLs are refused unless {} is set",
                self.settings.1
            )));
        }
        let host = uri.host().ok_or_else(malformed)?;
        if let Ok(ip) = host.parse::<IpAddr>() {
            self.check_ip(ip).map_err(UrlRefusal::Forbidden)?;
        } else if is_loopback_name(host) {
            // This machine, whatever a resolver would say: refused like
            // 127.0.0.1 unless loopback is allowed.
            let v4 = self.check_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
            let v6 = self.check_ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
            if v4.is_err() && v6.is_err() {
                return Err(UrlRefusal::Forbidden(format!(
                    "{host} is a loopback name (127.0.0.1, ::1): refused unless {} allows it",
                    self.settings.0
                )));
            }
        }
        Ok(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses inside a range: its first, one in the middle, its last.
    fn samples(cidr: &str) -> Vec<IpAddr> {
        let (addr, len) = cidr.split_once('/').unwrap();
        let len: u32 = len.parse().unwrap();
        match addr.parse::<IpAddr>().unwrap() {
            IpAddr::V4(a) => {
                let base = u32::from(a);
                let span = if len == 0 {
                    u32::MAX
                } else {
                    (1u32 << (32 - len)).wrapping_sub(1)
                };
                [base, base | (span / 2), base | span]
                    .map(|x| IpAddr::V4(Ipv4Addr::from(x)))
                    .to_vec()
            }
            IpAddr::V6(a) => {
                let base = u128::from(a);
                let span = if len == 0 {
                    u128::MAX
                } else {
                    (1u128 << (128 - len)).wrapping_sub(1)
                };
                [base, base | (span / 2), base | span]
                    .map(|x| IpAddr::V6(Ipv6Addr::from(x)))
                    .to_vec()
            }
        }
    }

    /// Every row of both registries' tables, at its first, middle and last
    /// address, is refused — and so is each address's IPv4-mapped form.
    #[test]
    fn every_special_purpose_row_is_refused() {
        let g = Guard::new(&[], true).unwrap();
        for (cidr, why) in V4_BLOCKED.iter().chain(V6_BLOCKED) {
            for ip in samples(cidr) {
                assert!(blocked_reason(ip).is_some(), "{ip} ({cidr}, {why})");
                assert!(g.check_ip(ip).is_err(), "{ip} ({cidr})");
                if let IpAddr::V4(v4) = ip {
                    let mapped = IpAddr::V6(v4.to_ipv6_mapped());
                    assert!(g.check_ip(mapped).is_err(), "{mapped} ({cidr})");
                    let nat64 = IpAddr::V6(Ipv6Addr::from(
                        (0x64_ff9b_u128 << 96) | u32::from(v4) as u128,
                    ));
                    assert!(g.check_ip(nat64).is_err(), "{nat64} ({cidr})");
                }
            }
        }
        // The rows the issue named, by address.
        for ip in [
            "::ffff:0:7f00:1",
            "::ffff:0:808:808",
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "3fff::1",
            "3fff:fff:ffff::1",
            "5f00::1",
            "::127.0.0.1",
            "2001:0:4136:e378::1",
            "2002:a9fe:a9fe::1",
            "64:ff9b:1::1",
        ] {
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
            "192.0.1.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "2400:cb00::1",
            "4000::1",
            "3fff:1000::1",
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
                "0.0.0.0/0".into(),
                "::/0".into(),
                "169.254.0.0/16".into(),
                "fd00::/8".into(),
                "100.64.0.0/10".into(),
            ],
            true,
        )
        .unwrap();
        assert!(g.check_ip("169.254.1.1".parse().unwrap()).is_ok());
        assert!(g.check_ip("10.1.2.3".parse().unwrap()).is_ok());
        for (m, _) in METADATA {
            let ip: IpAddr = m.parse().unwrap();
            assert!(g.check_ip(ip).is_err(), "{m}");
            if let IpAddr::V4(v4) = ip {
                let mapped = IpAddr::V6(v4.to_ipv6_mapped());
                assert!(g.check_ip(mapped).is_err(), "{mapped}");
            }
        }
        // The ones the security review named.
        for m in [
            "168.63.129.16",
            "192.0.0.192",
            "169.254.0.23",
            "100.100.100.200",
            "fd00:ec2::254",
            "169.254.169.254",
        ] {
            assert!(g.check_ip(m.parse().unwrap()).is_err(), "{m}");
        }
    }

    #[test]
    fn loopback_names_are_refused_like_loopback_addresses() {
        let g = Guard::new(&[], true).unwrap();
        for url in [
            "https://localhost/x",
            "https://LOCALHOST:8443/x",
            "https://api.localhost/x",
            "https://localhost.localdomain/x",
            "https://ip6-localhost/x",
        ] {
            let e = g.check_url(url).unwrap_err().to_string();
            assert!(e.contains("delivery.allow_cidrs"), "{url}: {e}");
        }
        assert!(g.check_url("https://localhost-service.example/x").is_ok());
        assert!(g.check_url("https://mylocalhost/x").is_ok());
        let open = Guard::new(&["127.0.0.1/32".into()], true).unwrap();
        assert!(open.check_url("http://localhost:9000/x").is_ok());
        let fwd = Guard::for_forwards(&[], true).unwrap();
        let e = fwd.check_url("http://10.0.0.1/x").unwrap_err().to_string();
        assert!(e.contains("ingress.forward_allow_cidrs"), "{e}");
        let e = Guard::new(&[], false)
            .unwrap()
            .check_url("http://example.com/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("delivery.allow_http"), "{e}");
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
        assert!(matches!(
            g.check_url("https://[2606:4700::1111]/x"),
            Err(UrlRefusal::Malformed(_))
        ));
        assert!(matches!(
            g.check_url("https://10.1.2.3/x"),
            Err(UrlRefusal::Forbidden(_))
        ));
        let g = Guard::new(&["127.0.0.1/32".to_string()], true).unwrap();
        assert!(g.check_url("http://127.0.0.1:9000/x").is_ok());
        assert!(g.check_ip("127.0.0.2".parse().unwrap()).is_err());
    }

    /// The OpenAPI pattern and the check are the same rule, and every URL
    /// they take parses.
    #[test]
    fn the_url_pattern_is_the_check() {
        let re = regex::Regex::new(URL_PATTERN).unwrap();
        for u in [
            "https://example.com",
            "https://example.com/",
            "http://a/x?y=1&z=%20",
            "https://a-b.c-d.e:443/p/q;r=s@t:u",
            "https://0",
            "https://1.2.3.4:8080/x",
            "https://example.com:65535",
            "https://example.com:65536",
            "https://example.com:00080",
            "https://example.com:0",
            "https://example.com:",
            "https://-a.com",
            "https://a-.com",
            "https://a..b",
            "https://a.b.",
            "https://[::1]/",
            "https://user@host/",
            "ftp://x",
            "HTTPS://x",
            "https://x/#frag",
            "https://x/a b",
            "https://x/\"",
            "https://x/{}",
            "https://x?q",
            "https://ü.com",
            &format!("https://{}.com", "a".repeat(63)),
            &format!("https://{}.com", "a".repeat(64)),
        ] {
            assert_eq!(url_syntax(u), re.is_match(u), "{u}");
            if url_syntax(u) {
                assert!(u.parse::<http::Uri>().is_ok(), "{u} does not parse");
            }
        }
        let long = format!("https://x.com/{}", "a".repeat(MAX_URL));
        assert!(!url_syntax(&long));
    }
}
