//! Generic HMAC: the shape most providers use, described as data.
//!
//! A spec says which hash ([`Algorithm`]), how the signature is written
//! ([`Encoding`] and [`SignatureFormat`]: bare, `sha256=`-prefixed, a `v1,` list,
//! or `t=…,v1=…` pairs), which bytes are signed (a template of [`Part`]s such as
//! `{ts}.{body}`), and where the timestamp and id come from.
//!
//! Verification decodes every candidate signature in the header to bytes (at most
//! [`MAX_SIGNATURES`]), computes the HMAC once per configured secret by feeding
//! the template's parts straight from the request (no concatenation buffer), and
//! accepts if any candidate equals any computed tag in constant time.
//!
//! ```
//! use hookseal::{provider, Request};
//! let github = provider::find("github").unwrap();
//! let signer = github.scheme.signer(&["It's a Secret to Everybody"]).unwrap();
//! let body = b"Hello, World!";
//! let msg = hookseal::Outgoing { id: "1", timestamp: 0, body, url: "", method: "POST" };
//! let headers = signer.sign(&msg).unwrap();
//! assert_eq!(headers[0].1,
//!     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{read_timestamp, write_timestamp, Evidence, Text, TimestampSource, MAX_SIGNATURES};
use crate::codec::Encoding;
use crate::error::{malformed_header, ConfigError, Reason, Rejection, SignError};
use crate::request::{Fill, Outgoing, Part, Request};
use crate::secret::{ct_eq, Algorithm, Secret, SecretForm};

/// How the signature header is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum SignatureFormat {
    /// One signature, optionally behind a prefix such as `sha256=` or `v0=`
    /// (the prefix is matched ASCII case-insensitively).
    Single {
        /// The prefix, or empty.
        prefix: Text,
    },
    /// A list of `version,signature` entries separated by `separator`, any one of
    /// which may match (rotation). Entries with other versions are skipped.
    Versioned {
        /// Entry separator, e.g. `' '`.
        separator: char,
        /// Accepted version labels, e.g. `["v1"]`; the first is used to sign.
        versions: Cow<'static, [Text]>,
        /// Also accept a header that is one bare signature with no version.
        allow_bare: bool,
    },
    /// `key=value` pairs such as Stripe's `t=…,v1=…,v1=…` or Paddle's `ts=…;h1=…`.
    Pairs {
        /// Pair separator, e.g. `','`.
        separator: char,
        /// Key of the timestamp pair, e.g. `t`.
        timestamp_key: Text,
        /// Key of signature pairs (may repeat), e.g. `v1`.
        signature_key: Text,
    },
}

/// A generic HMAC scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HmacSpec {
    /// Hash function.
    pub algorithm: Algorithm,
    /// Text encoding of the signature.
    pub encoding: Encoding,
    /// Header carrying the signature.
    pub signature_header: Text,
    /// How that header is laid out.
    pub format: SignatureFormat,
    /// The signed content.
    pub content: Cow<'static, [Part]>,
    /// Where the signed timestamp comes from.
    pub timestamp: TimestampSource,
    /// Header carrying the message id, if any.
    pub id_header: Option<Text>,
    /// How the shared secret is written.
    pub secret_form: SecretForm,
}

impl HmacSpec {
    /// A plain HMAC of the body in `header`, e.g. Jodo's hex SHA-256 in `X-Jodo-Signature`.
    pub fn body(header: impl Into<Text>, algorithm: Algorithm, encoding: Encoding) -> HmacSpec {
        HmacSpec {
            algorithm,
            encoding,
            signature_header: header.into(),
            format: SignatureFormat::Single {
                prefix: Cow::Borrowed(""),
            },
            content: Cow::Borrowed(crate::request::parts::BODY),
            timestamp: TimestampSource::None,
            id_header: None,
            secret_form: SecretForm::Text,
        }
    }

    pub(crate) fn describe(&self) -> String {
        let layout = match &self.format {
            SignatureFormat::Single { prefix } if prefix.is_empty() => String::new(),
            SignatureFormat::Single { prefix } => format!(" prefixed {prefix:?}"),
            SignatureFormat::Versioned {
                separator,
                versions,
                ..
            } => format!(
                " as {:?}-separated {} entries",
                separator,
                versions
                    .iter()
                    .map(|v| format!("{v},"))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            SignatureFormat::Pairs {
                separator,
                timestamp_key,
                signature_key,
            } => format!(" as {timestamp_key}=…{separator}{signature_key}=… pairs"),
        };
        let ts = match &self.timestamp {
            TimestampSource::Header { name, .. } => format!("; timestamp in {name}"),
            TimestampSource::JsonBody { field, .. } => format!("; timestamp in body field {field}"),
            _ => String::new(),
        };
        format!(
            "HMAC-{} {} of {} in {}{}{}",
            self.algorithm.name().to_uppercase(),
            self.encoding.name(),
            Part::template(&self.content),
            self.signature_header,
            layout,
            ts
        )
    }

    fn keys(&self, secrets: &[&str]) -> Result<Vec<ring::hmac::Key>, ConfigError> {
        secrets
            .iter()
            .map(|s| Ok(self.algorithm.key(&self.secret_form.parse(s)?)))
            .collect()
    }

    fn check(&self) -> Result<(), ConfigError> {
        super::check_content(&self.content, &self.timestamp, self.id_header.is_some())
    }

    pub(crate) fn verifier(&self, secrets: &[&str]) -> Result<Verifier, ConfigError> {
        self.check()?;
        Ok(Verifier {
            keys: self.keys(secrets)?,
            spec: self.clone(),
        })
    }

    pub(crate) fn signer(&self, secrets: &[&str]) -> Result<Signer, ConfigError> {
        self.check()?;
        Ok(Signer {
            keys: self.keys(secrets)?,
            spec: self.clone(),
        })
    }
}

/// At most this many signatures are decoded and tried (rotation needs two or three).
const MAX_DECODED: usize = 4;

/// Candidate signatures decoded from a header, on the stack; `L` is the largest
/// signature kept (64 for SHA-512; schemes that know their length use less).
pub(crate) struct Candidates<const L: usize = 64> {
    sigs: [[u8; L]; MAX_DECODED],
    lens: [u8; MAX_DECODED],
    n: usize,
    /// Entries seen that could not be decoded.
    bad: usize,
}

impl<const L: usize> Candidates<L> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Candidates {
            sigs: [[0; L]; MAX_DECODED],
            lens: [0; MAX_DECODED],
            n: 0,
            bad: 0,
        }
    }

    /// Decodes `text` and keeps it if it is exactly `want` bytes long.
    pub(crate) fn push(
        &mut self,
        header: &str,
        enc: Encoding,
        text: &str,
        want: usize,
    ) -> Result<(), Rejection> {
        self.push_bytes(header, enc, text.as_bytes(), want)
    }

    /// [`Candidates::push`] over bytes.
    #[inline]
    pub(crate) fn push_bytes(
        &mut self,
        header: &str,
        enc: Encoding,
        text: &[u8],
        want: usize,
    ) -> Result<(), Rejection> {
        if self.n + self.bad >= MAX_SIGNATURES || self.n >= MAX_DECODED {
            return Err(malformed_header(header, "too many signatures"));
        }
        let slot = &mut self.sigs[self.n];
        match enc.decode_into(text, slot) {
            Some(len) if len == want => {
                self.lens[self.n] = len as u8;
                self.n += 1;
            }
            _ => self.bad += 1,
        }
        Ok(())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.n).map(|i| &self.sigs[i][..self.lens[i] as usize])
    }

    /// Fails with `malformed_signature` when nothing decodable was found.
    pub(crate) fn require_some(&self, header: &str) -> Result<(), Rejection> {
        if self.n == 0 {
            return Err(Rejection::new(
                Reason::MalformedSignature,
                format!(
                    "{header}: no signature of the expected encoding and length ({} unreadable)",
                    self.bad
                ),
            ));
        }
        Ok(())
    }
}

/// Strips an ASCII case-insensitive prefix.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

/// Parses a signature header into candidates; returns the timestamp text of a
/// `Pairs` header, if it has one.
pub(crate) fn parse_signatures<'a>(
    format: &SignatureFormat,
    header: &str,
    value: &'a str,
    enc: Encoding,
    want: usize,
    out: &mut Candidates,
) -> Result<Option<&'a str>, Rejection> {
    match format {
        SignatureFormat::Single { prefix } => {
            let sig = strip_prefix_ci(value, prefix).ok_or_else(|| {
                Rejection::new(
                    Reason::MalformedSignature,
                    format!("{header}: expected the prefix {prefix:?}"),
                )
            })?;
            out.push(header, enc, sig.trim(), want)?;
            Ok(None)
        }
        SignatureFormat::Versioned {
            separator,
            versions,
            allow_bare,
        } => {
            for entry in value.split(*separator).filter(|e| !e.is_empty()) {
                match entry.split_once(',') {
                    Some((ver, sig)) if versions.iter().any(|v| v == ver) => {
                        out.push(header, enc, sig, want)?
                    }
                    Some(_) => {}
                    None if *allow_bare => out.push(header, enc, entry, want)?,
                    None => {}
                }
            }
            Ok(None)
        }
        SignatureFormat::Pairs {
            separator,
            timestamp_key,
            signature_key,
        } => {
            let mut ts = None;
            for pair in value.split(*separator) {
                let Some((k, v)) = pair.trim().split_once('=') else {
                    continue;
                };
                if k == timestamp_key.as_ref() {
                    if ts.is_some() {
                        return Err(malformed_header(header, "more than one timestamp"));
                    }
                    ts = Some(v);
                } else if k == signature_key.as_ref() {
                    out.push(header, enc, v, want)?;
                }
            }
            Ok(ts)
        }
    }
}

/// Verifies any candidate against HMACs of the filled template under each key.
pub(crate) fn check_any<const L: usize>(
    keys: &[ring::hmac::Key],
    parts: &[Part],
    fill: &Fill<'_>,
    cands: &Candidates<L>,
) -> Result<(), Rejection> {
    for key in keys {
        let tag = self::tag(key, parts, fill);
        // Compare against every candidate (no early exit inside a key).
        let mut hit = false;
        for c in cands.iter() {
            hit |= ct_eq(c, tag.as_ref());
        }
        if hit {
            return Ok(());
        }
    }
    Err(Rejection::new(
        Reason::SignatureMismatch,
        "no signature matched any configured secret",
    ))
}

/// Computes the HMAC of the filled template.
pub(crate) fn tag(key: &ring::hmac::Key, parts: &[Part], fill: &Fill<'_>) -> ring::hmac::Tag {
    let mut ctx = ring::hmac::Context::with_key(key);
    fill.feed(parts, |b| ctx.update(b));
    ctx.sign()
}

/// A ready generic HMAC verifier.
pub struct Verifier {
    spec: HmacSpec,
    keys: Vec<ring::hmac::Key>,
}

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let spec = &self.spec;
        let header = spec.signature_header.as_ref();
        let value = req.header_str(header)?;
        let mut cands = Candidates::<64>::new();
        let ts_in_sig = parse_signatures(
            &spec.format,
            header,
            value,
            spec.encoding,
            spec.algorithm.tag_len(),
            &mut cands,
        )?;
        cands.require_some(header)?;
        // A timestamp that is signed is needed before hashing; one that is not
        // (Linear's, inside the body) is read only after the signature holds, so
        // unauthenticated input is never parsed as JSON.
        let signed_ts = spec.content.contains(&Part::Timestamp);
        let mut ts = if signed_ts {
            read_timestamp(&spec.timestamp, req, ts_in_sig)?
        } else {
            None
        };
        // The id counts only when it is signed: an unsigned delivery-id header is
        // attacker-chosen and must not become a replay key.
        let id = match &spec.id_header {
            Some(h) if spec.content.contains(&Part::Id) => Some(req.header_str(h)?),
            _ => None,
        };
        let fill = Fill {
            body: req.body,
            timestamp: ts.as_ref().map(|t| t.0.as_ref()).unwrap_or(""),
            id: id.unwrap_or(""),
            url: req.url,
            method: req.method,
        };
        check_any(&self.keys, &spec.content, &fill, &cands)?;
        // The replay key is a digest of what was signed, not the MAC that
        // matched: during a rotation a request may carry signatures under
        // both secrets, and the same message sent again with only the other
        // one would otherwise get another key.
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        fill.feed(&spec.content, |b| digest.update(b));
        if !signed_ts {
            ts = read_timestamp(&spec.timestamp, req, ts_in_sig)?;
        }
        Ok(Evidence {
            id: id.map(Cow::Borrowed),
            timestamp: ts.map(|t| t.1),
            expires_at: None,
            fingerprint: Some(super::fingerprint(digest.finish().as_ref())),
        })
    }
}

/// A ready generic HMAC signer.
pub struct Signer {
    spec: HmacSpec,
    keys: Vec<ring::hmac::Key>,
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        let spec = &self.spec;
        let needs = |p: &Part| spec.content.contains(p);
        if needs(&Part::Url) && msg.url.is_empty() {
            return Err(SignError::Missing {
                scheme: "hmac",
                what: "a URL (--url)",
            });
        }
        let ts = write_timestamp(&spec.timestamp, msg.timestamp);
        if needs(&Part::Timestamp) && ts.is_none() {
            return Err(SignError::Input(
                "the signed content names {ts} but the scheme carries no timestamp".into(),
            ));
        }
        let fill = Fill {
            body: msg.body,
            timestamp: ts.as_ref().map(|t| t.1.as_str()).unwrap_or(""),
            id: msg.id,
            url: msg.url,
            method: msg.method,
        };
        let sigs: Vec<String> = self
            .keys
            .iter()
            .map(|k| spec.encoding.encode(tag(k, &spec.content, &fill).as_ref()))
            .collect();
        let value = match &spec.format {
            SignatureFormat::Single { prefix } => format!("{prefix}{}", sigs[0]),
            SignatureFormat::Versioned {
                separator,
                versions,
                ..
            } => {
                let v = versions.first().map(|v| v.as_ref()).unwrap_or("v1");
                sigs.iter()
                    .map(|s| format!("{v},{s}"))
                    .collect::<Vec<_>>()
                    .join(&separator.to_string())
            }
            SignatureFormat::Pairs {
                separator,
                timestamp_key,
                signature_key,
            } => {
                let mut v = match &ts {
                    Some((None, t)) => format!("{timestamp_key}={t}"),
                    _ => String::new(),
                };
                for s in &sigs {
                    if !v.is_empty() {
                        v.push(*separator);
                    }
                    v.push_str(&format!("{signature_key}={s}"));
                }
                v
            }
        };
        let mut headers = Vec::with_capacity(3);
        if let (Some(h), true) = (&spec.id_header, spec.content.contains(&Part::Id)) {
            headers.push((h.to_string(), msg.id.to_string()));
        }
        if let Some((Some(name), t)) = &ts {
            headers.push((name.to_string(), t.clone()));
        }
        headers.push((spec.signature_header.to_string(), value));
        Ok(headers)
    }
}

/// Convenience: the hex/base64 HMAC of `body` under `secret`.
pub fn sign_body(algorithm: Algorithm, encoding: Encoding, secret: &Secret, body: &[u8]) -> String {
    encoding.encode(ring::hmac::sign(&algorithm.key(secret), body).as_ref())
}
