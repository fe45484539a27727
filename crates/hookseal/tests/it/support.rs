//! Shared helpers.

use hookseal::keys::{self, KeyKind};
use hookseal::scheme::TimestampSource;
use hookseal::{provider, Outgoing, Policy, Preset, Reason, Request, SchemeSpec};

/// A provider-published (or cross-checked) vector.
pub struct Vector<'a> {
    pub provider: &'a str,
    /// Where it comes from: `published: …` (the provider's docs or official
    /// SDK, which file) or `computed: …` (no published example; computed
    /// independently from the provider's documented rule).
    pub source: &'a str,
    pub keys: &'a [&'a str],
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub url: &'a str,
    pub method: &'a str,
    pub now: i64,
}

/// A vector's defaults, for `..BASE` in tables.
pub const BASE: Vector<'static> = Vector {
    provider: "",
    source: "",
    keys: &[],
    headers: &[],
    body: b"",
    url: "",
    method: "POST",
    now: 0,
};

impl Default for Vector<'_> {
    fn default() -> Self {
        BASE
    }
}

pub fn policy(provider: &str, keys: &[&str]) -> Policy {
    let p = provider::find(provider).unwrap_or_else(|| panic!("no preset {provider}"));
    Policy::builder(p.scheme.clone())
        .secrets(keys.iter().copied())
        .tolerance(p.tolerance)
        .build()
        .unwrap()
}

impl Vector<'_> {
    pub fn verify(&self) -> Result<(), Reason> {
        self.verify_body(self.body)
    }

    pub fn verify_body(&self, body: &[u8]) -> Result<(), Reason> {
        let headers: Vec<(&str, &str)> = self.headers.to_vec();
        let req = Request::new(&headers, body)
            .with_url(self.url)
            .with_method(self.method);
        policy(self.provider, self.keys)
            .verify(&req, self.now)
            .map(|_| ())
            .map_err(|r| r.reason())
    }

    /// Passes as published, and fails when any one body byte changes.
    pub fn assert_holds(&self) {
        assert_eq!(self.verify(), Ok(()), "{} vector", self.provider);
        let mut body = self.body.to_vec();
        if body.is_empty() {
            body.push(b'x');
        } else {
            let i = body.len() / 2;
            body[i] ^= 0x01;
        }
        assert_ne!(
            self.verify_body(&body),
            Ok(()),
            "{} tampered body",
            self.provider
        );
    }
}

/// Signs with a preset and returns the headers.
pub fn sign(
    provider: &str,
    key: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    url: &str,
    method: &str,
) -> Vec<(String, String)> {
    let p = provider::find(provider).unwrap();
    p.scheme
        .signer(&[key])
        .unwrap()
        .sign(&Outgoing {
            id,
            timestamp,
            body,
            url,
            method,
        })
        .unwrap()
}

pub fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no header {name} in {h:?}"))
}

/// Keys for a preset's tests, derived from its scheme: (to sign, to verify).
pub fn key_pair(p: &Preset) -> (String, String) {
    static KEYS: std::sync::OnceLock<Vec<(KeyKind, keys::GeneratedKey)>> =
        std::sync::OnceLock::new();
    let all = KEYS.get_or_init(|| {
        [
            KeyKind::Whsec,
            KeyKind::Hmac,
            KeyKind::Ed25519,
            KeyKind::P256,
        ]
        .into_iter()
        .map(|k| (k, keys::generate(k)))
        .collect()
    });
    match all.iter().find(|(k, _)| *k == p.scheme.key_kind()) {
        Some((_, g)) => (
            g.secret.clone(),
            g.public.clone().unwrap_or(g.secret.clone()),
        ),
        None => unreachable!("every key kind a scheme takes is generated above"),
    }
}

/// A body this preset's scheme can carry, made from arbitrary bytes and
/// derived from the scheme: Twilio posts forms; a scheme that reads its
/// timestamp from the JSON body gets one there.
pub fn body_for(p: &Preset, raw: &[u8], now: i64) -> Vec<u8> {
    match &p.scheme {
        SchemeSpec::Twilio(_) => raw
            .iter()
            .map(|c| b"abc=&%+19 XYZ"[(*c % 13) as usize])
            .collect(),
        SchemeSpec::Hmac(h) => match &h.timestamp {
            TimestampSource::JsonBody { field, format } => {
                let ts = match format {
                    hookseal::time::TimeFormat::UnixMillis => (now * 1000).to_string(),
                    hookseal::time::TimeFormat::UnixSeconds => now.to_string(),
                    hookseal::time::TimeFormat::Rfc3339 => format!("\"{}\"", format.format(now)),
                };
                let mut b = format!(r#"{{"{field}":{ts},"d":""#).into_bytes();
                b.extend(raw.iter().map(|c| b'a' + c % 26));
                b.extend_from_slice(b"\"}");
                b
            }
            _ => raw.to_vec(),
        },
        _ => raw.to_vec(),
    }
}
