//! Shared helpers.

use hookseal::{provider, Outgoing, Policy, Reason, Request};

/// A provider-published (or cross-checked) vector.
pub struct Vector<'a> {
    pub provider: &'a str,
    pub keys: &'a [&'a str],
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub url: &'a str,
    pub method: &'a str,
    pub now: i64,
}

impl Default for Vector<'_> {
    fn default() -> Self {
        Vector {
            provider: "",
            keys: &[],
            headers: &[],
            body: b"",
            url: "",
            method: "POST",
            now: 0,
        }
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
