//! What a scheme sees of an HTTP request, and what it signs over.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::error::{malformed_header, missing, ConfigError, Rejection};

/// The longest header value a scheme will read (16 KiB). Longer values are refused
/// as `malformed_header` before any parsing, so hostile headers cost O(limit).
pub const MAX_HEADER_LEN: usize = 16 * 1024;

/// Case-insensitive access to request headers.
///
/// Implemented for [`http::HeaderMap`] and for slices, arrays and vectors of
/// `(name, value)` pairs.
pub trait Headers {
    /// The first value of header `name` (ASCII case-insensitive), as raw bytes.
    fn get(&self, name: &str) -> Option<&[u8]>;

    /// The first value of each of `names`, into the same positions of `out`.
    /// Schemes that read several headers call this once; implementations over a
    /// hashed map can answer in one pass instead of one hash lookup per name.
    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = self.get(name);
        }
    }

    /// Every value of header `name`, in order: a field sent in several
    /// lines (RFC 9421 joins them with `, `).
    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.get(name).into_iter().collect()
    }
}

/// One pass over `(name, value)` pairs filling `out` for `names` (first value wins).
fn scan<'s>(
    pairs: impl Iterator<Item = (&'s str, &'s [u8])>,
    names: &[&str],
    out: &mut [Option<&'s [u8]>],
) {
    out.iter_mut().for_each(|o| *o = None);
    for (k, v) in pairs {
        for (slot, want) in out.iter_mut().zip(names) {
            // Exact bytes first: HeaderMap names are already lowercase.
            if slot.is_none()
                && k.len() == want.len()
                && (k == *want || k.eq_ignore_ascii_case(want))
            {
                *slot = Some(v);
            }
        }
    }
}

// `http::HeaderMap::get(&str)` parses and hashes the name on every call (about
// 50 ns); a linear pass over a request's dozen headers is cheaper, and a single
// pass serves every header a scheme needs.
impl Headers for http::HeaderMap {
    fn get(&self, name: &str) -> Option<&[u8]> {
        let mut out = [None];
        self.get_many(&[name], &mut out);
        out[0]
    }

    fn values(&self, name: &str) -> Vec<&[u8]> {
        http::HeaderMap::get_all(self, name)
            .iter()
            .map(|v| v.as_bytes())
            .collect()
    }

    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        scan(
            self.iter().map(|(k, v)| (k.as_str(), v.as_bytes())),
            names,
            out,
        )
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Headers for [(N, V)] {
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    fn values(&self, name: &str) -> Vec<&[u8]> {
        self.iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
            .collect()
    }

    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        scan(
            self.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
            names,
            out,
        )
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Headers for &[(N, V)] {
    fn get(&self, name: &str) -> Option<&[u8]> {
        Headers::get(*self, name)
    }

    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        Headers::get_many(*self, names, out)
    }

    fn values(&self, name: &str) -> Vec<&[u8]> {
        Headers::values(*self, name)
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>, const K: usize> Headers for [(N, V); K] {
    fn get(&self, name: &str) -> Option<&[u8]> {
        Headers::get(self.as_slice(), name)
    }

    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        Headers::get_many(self.as_slice(), names, out)
    }

    fn values(&self, name: &str) -> Vec<&[u8]> {
        Headers::values(self.as_slice(), name)
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Headers for Vec<(N, V)> {
    fn get(&self, name: &str) -> Option<&[u8]> {
        Headers::get(self.as_slice(), name)
    }

    fn get_many<'s>(&'s self, names: &[&str], out: &mut [Option<&'s [u8]>]) {
        Headers::get_many(self.as_slice(), names, out)
    }

    fn values(&self, name: &str) -> Vec<&[u8]> {
        Headers::values(self.as_slice(), name)
    }
}

/// An incoming webhook as the verifier sees it. Nothing is copied: the body and
/// headers are borrowed from wherever the caller keeps them.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method, e.g. `POST` (schemes that sign it need it).
    pub method: &'a str,
    /// The full URL the provider sent to, e.g. `https://example.com/hook?x=1`
    /// (schemes that sign the URL need it; others ignore it).
    pub url: &'a str,
    /// Request headers.
    pub headers: &'a dyn Headers,
    /// The raw body, exactly as received.
    pub body: &'a [u8],
    /// The peer address, when known.
    pub remote_ip: Option<IpAddr>,
}

impl<'a> Request<'a> {
    /// A `POST` with headers and body; no URL, no remote address.
    pub fn new(headers: &'a dyn Headers, body: &'a [u8]) -> Self {
        Request {
            method: "POST",
            url: "",
            headers,
            body,
            remote_ip: None,
        }
    }

    /// Sets the URL.
    pub fn with_url(mut self, url: &'a str) -> Self {
        self.url = url;
        self
    }

    /// Sets the method.
    pub fn with_method(mut self, method: &'a str) -> Self {
        self.method = method;
        self
    }

    /// Sets the remote address.
    pub fn with_remote_ip(mut self, ip: IpAddr) -> Self {
        self.remote_ip = Some(ip);
        self
    }

    /// A header's value as text, bounded and required.
    pub(crate) fn header_str(&self, name: &str) -> Result<&'a str, Rejection> {
        match self.headers.get(name) {
            None => Err(missing(name)),
            Some(v) => header_text(name, v),
        }
    }

    /// For alias pairs `names = [a0, b0, a1, b1, …]`, the first present of each
    /// pair as (name, trimmed bytes), read in one pass over the headers.
    pub(crate) fn aliased<const N: usize>(
        &self,
        names: &[&'static str; N],
        out: &mut [Option<(&'static str, &'a [u8])>],
    ) -> Result<(), Rejection> {
        let mut raw = [None; N];
        self.headers.get_many(names, &mut raw);
        for (k, slot) in out.iter_mut().enumerate() {
            let (name, v) = match (raw[2 * k], raw[2 * k + 1]) {
                (Some(v), _) => (names[2 * k], v),
                (None, Some(v)) => (names[2 * k + 1], v),
                (None, None) => {
                    *slot = None;
                    continue;
                }
            };
            if v.len() > MAX_HEADER_LEN {
                return Err(malformed_header(name, "value too long"));
            }
            *slot = Some((name, v.trim_ascii()));
        }
        Ok(())
    }
}

// The lifetime trick: `Headers::get` borrows from `self.headers: &'a dyn Headers`.
fn header_text<'a>(name: &str, v: &'a [u8]) -> Result<&'a str, Rejection> {
    if v.len() > MAX_HEADER_LEN {
        return Err(malformed_header(name, "value too long"));
    }
    std::str::from_utf8(v)
        .map(str::trim)
        .map_err(|_| malformed_header(name, "value is not UTF-8"))
}

/// A message to sign when sending.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The message id (Standard Webhooks `webhook-id`, Twitch message id, …).
    pub id: &'a str,
    /// Unix seconds of the send attempt.
    pub timestamp: i64,
    /// The raw body.
    pub body: &'a [u8],
    /// The destination URL (for schemes that sign it).
    pub url: &'a str,
    /// The HTTP method.
    pub method: &'a str,
}

/// One piece of the signed content. A scheme's signed content is a sequence of
/// parts hashed one after another, so nothing is concatenated into a new buffer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The raw body.
    Body,
    /// The timestamp exactly as sent (header text, not reformatted).
    Timestamp,
    /// The message id.
    Id,
    /// The full request URL.
    Url,
    /// The HTTP method.
    Method,
    /// Literal text.
    Lit(Cow<'static, str>),
}

impl Part {
    /// Parses a template such as `v0:{ts}:{body}` or `{id}.{timestamp}.{body}`.
    /// Placeholders: `{body}`, `{ts}`/`{timestamp}`, `{id}`, `{url}`, `{method}`.
    pub fn parse_template(t: &str) -> Result<Vec<Part>, ConfigError> {
        let mut parts = Vec::new();
        let mut rest = t;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let (name, tail) = after.split_once('}').ok_or_else(|| {
                    ConfigError::Invalid(format!("content template {t:?}: unclosed '{{'"))
                })?;
                parts.push(match name {
                    "body" => Part::Body,
                    "ts" | "timestamp" => Part::Timestamp,
                    "id" => Part::Id,
                    "url" => Part::Url,
                    "method" => Part::Method,
                    other => {
                        return Err(ConfigError::Invalid(format!(
                            "content template {t:?}: unknown placeholder {{{other}}} \
                             (use body, ts, id, url, method)"
                        )))
                    }
                });
                rest = tail;
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                parts.push(Part::Lit(Cow::Owned(rest[..end].to_string())));
                rest = &rest[end..];
            }
        }
        if !parts.contains(&Part::Body) {
            return Err(ConfigError::Invalid(format!(
                "content template {t:?} does not include {{body}}: the body would be unsigned"
            )));
        }
        Ok(parts)
    }

    /// Renders parts back into template text.
    pub fn template(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Body => "{body}",
                Part::Timestamp => "{ts}",
                Part::Id => "{id}",
                Part::Url => "{url}",
                Part::Method => "{method}",
                Part::Lit(s) => s,
            })
            .collect()
    }
}

/// The values that fill a content template.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fill<'a> {
    pub body: &'a [u8],
    pub timestamp: &'a str,
    pub id: &'a str,
    pub url: &'a str,
    pub method: &'a str,
}

impl<'a> Fill<'a> {
    /// Feeds the parts, in order, to `update`.
    pub(crate) fn feed(&self, parts: &[Part], mut update: impl FnMut(&[u8])) {
        // Short parts (ids, timestamps, separators) are gathered on the stack and
        // handed over in one call; the body is always passed through, never copied.
        let mut buf = [0u8; 96];
        let mut n = 0;
        for p in parts {
            let bytes = match p {
                Part::Body => self.body,
                Part::Timestamp => self.timestamp.as_bytes(),
                Part::Id => self.id.as_bytes(),
                Part::Url => self.url.as_bytes(),
                Part::Method => self.method.as_bytes(),
                Part::Lit(s) => s.as_bytes(),
            };
            if !matches!(p, Part::Body) && n + bytes.len() <= buf.len() {
                buf[n..n + bytes.len()].copy_from_slice(bytes);
                n += bytes.len();
                continue;
            }
            if n > 0 {
                update(&buf[..n]);
                n = 0;
            }
            update(bytes);
        }
        if n > 0 {
            update(&buf[..n]);
        }
    }
}

/// Signed-content templates the presets use.
pub mod parts {
    use super::Part;
    use std::borrow::Cow::Borrowed;
    /// `{body}`
    pub const BODY: &[Part] = &[Part::Body];
    /// `{ts}.{body}` (Stripe, Mux)
    pub const TS_DOT_BODY: &[Part] = &[Part::Timestamp, Part::Lit(Borrowed(".")), Part::Body];
    /// `{ts}:{body}` (Paddle)
    pub const TS_COLON_BODY: &[Part] = &[Part::Timestamp, Part::Lit(Borrowed(":")), Part::Body];
    /// `v0:{ts}:{body}` (Slack, Zoom)
    pub const V0_TS_BODY: &[Part] = &[
        Part::Lit(Borrowed("v0:")),
        Part::Timestamp,
        Part::Lit(Borrowed(":")),
        Part::Body,
    ];
    /// `{id}.{ts}.{body}` (Standard Webhooks)
    pub const ID_DOT_TS_DOT_BODY: &[Part] = &[
        Part::Id,
        Part::Lit(Borrowed(".")),
        Part::Timestamp,
        Part::Lit(Borrowed(".")),
        Part::Body,
    ];
    /// `{id}{ts}{body}` (Twitch)
    pub const ID_TS_BODY: &[Part] = &[Part::Id, Part::Timestamp, Part::Body];
    /// `{ts}{body}` (Discord, SendGrid)
    pub const TS_BODY: &[Part] = &[Part::Timestamp, Part::Body];
    /// `{url}{body}` (Square)
    pub const URL_BODY: &[Part] = &[Part::Url, Part::Body];
    /// `{method}{url}{body}{ts}` (HubSpot v3)
    pub const METHOD_URL_BODY_TS: &[Part] = &[Part::Method, Part::Url, Part::Body, Part::Timestamp];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_render() {
        let p = Part::parse_template("v0:{ts}:{body}").unwrap();
        assert_eq!(p, parts::V0_TS_BODY);
        assert_eq!(Part::template(&p), "v0:{ts}:{body}");
        assert_eq!(
            Part::parse_template("{id}.{timestamp}.{body}").unwrap(),
            parts::ID_DOT_TS_DOT_BODY
        );
        assert!(Part::parse_template("{ts}").is_err());
        assert!(Part::parse_template("{body").is_err());
        assert!(Part::parse_template("{nope}{body}").is_err());
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_bounded() {
        let long = "a".repeat(MAX_HEADER_LEN + 1);
        let h = vec![("X-Sig", "abc".to_string()), ("X-Long", long)];
        let req = Request::new(&h, b"");
        assert_eq!(req.header_str("x-sig").unwrap(), "abc");
        assert_eq!(
            req.header_str("x-long").unwrap_err().reason(),
            crate::Reason::MalformedHeader
        );
        assert_eq!(
            req.header_str("x-none").unwrap_err().reason(),
            crate::Reason::MissingHeader
        );
    }
}
