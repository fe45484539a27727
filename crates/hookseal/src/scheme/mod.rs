//! Signature schemes. Each one both signs and verifies.
//!
//! A scheme is described by a *spec* ([`SchemeSpec`]): plain data saying which
//! headers carry what, which bytes are signed, and how the signature is written.
//! Presets are specs; so is whatever a user assembles on the command line. A spec
//! plus keys becomes a [`Verifier`] or a [`Signer`]. Keys are parsed and prepared
//! (HMAC pads hashed, public keys decoded) once, when the verifier is built, so
//! the per-request work is only the hashing itself.
//!
//! | scheme | module | keys |
//! |---|---|---|
//! | Standard Webhooks (`v1` HMAC, `v1a` Ed25519) | [`standard`] | `whsec_…`, `whpk_…`/`whsk_…` |
//! | generic HMAC (any header shape) | [`hmac`] | shared secret |
//! | JWT bearer | [`jwt`] | shared secret or public key |
//! | static token header | [`token`] | the token |
//! | Ed25519 / ECDSA P-256 | [`asym`] | public key (verify), private key (sign) |
//! | Twilio (URL + sorted form params) | [`twilio`] | auth token |
//!
//! Security notes that hold for every scheme: signatures are decoded to bytes
//! and compared in constant time (never as text); a header longer than
//! [`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN) is refused before it is parsed; a
//! public key is never used as an HMAC secret (no algorithm confusion).

pub mod asym;
pub mod hmac;
pub mod httpsig;
pub mod jwt;
pub mod options;
pub mod standard;
pub mod token;
pub mod twilio;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{malformed_header, ConfigError, Rejection, SignError};
use crate::request::{Outgoing, Request};
use crate::time::TimeFormat;

/// Owned-or-static text, so presets are `const` data and users can build their own.
pub type Text = Cow<'static, str>;

/// What a scheme established about a message it verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// The provider's message id — only when the signature covers it, so an
    /// attacker cannot choose it (an unsigned delivery-id header is not evidence).
    pub id: Option<Cow<'a, str>>,
    /// The signed timestamp in Unix seconds, when the scheme signs one and the
    /// policy should hold it to the tolerance window.
    pub timestamp: Option<i64>,
    /// When the scheme itself bounds the message's validity (a JWT's `exp`),
    /// the Unix time after which it is refused anyway.
    pub expires_at: Option<i64>,
    /// A canonical digest of what was verified (the computed MAC, or a hash of
    /// the signed content), the replay key for schemes without a signed id.
    /// Canonical means re-encodings of the same signature (hex case, padding,
    /// extra list entries) give the same fingerprint. `None` when nothing binds
    /// the message (a static token).
    pub fingerprint: Option<[u8; 16]>,
}

/// The first 16 bytes of `bytes` (a MAC tag or digest), as a fingerprint.
pub(crate) fn fingerprint(bytes: &[u8]) -> [u8; 16] {
    let mut f = [0u8; 16];
    let n = bytes.len().min(16);
    f[..n].copy_from_slice(&bytes[..n]);
    f
}

/// Inputs every scheme may need besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Unix seconds now.
    pub now: i64,
    /// Allowed clock difference in seconds (both directions).
    pub tolerance: i64,
}

/// Where a scheme finds the signed timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum TimestampSource {
    /// The scheme signs no timestamp.
    None,
    /// A header of its own.
    Header {
        /// Header name.
        name: Text,
        /// How it is written.
        format: TimeFormat,
    },
    /// The timestamp key of a key=value signature header (Stripe `t=`, Paddle `ts=`).
    SignatureHeader,
    /// The same in Unix milliseconds (WorkOS `t=1632409405772`).
    SignatureHeaderMillis,
    /// A top-level field of a JSON body (Linear's `webhookTimestamp`).
    JsonBody {
        /// Field name.
        field: Text,
        /// How it is written.
        format: TimeFormat,
    },
}

/// A scheme, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum SchemeSpec {
    /// Standard Webhooks / Svix.
    StandardWebhooks(standard::StandardSpec),
    /// HMAC over a template of the request.
    Hmac(hmac::HmacSpec),
    /// JWT bearer token.
    Jwt(jwt::JwtSpec),
    /// A shared static token in a header.
    Token(token::TokenSpec),
    /// Ed25519 or ECDSA P-256 signatures.
    Asym(asym::AsymSpec),
    /// Twilio's URL-and-parameters HMAC-SHA1.
    Twilio(twilio::TwilioSpec),
    /// RFC 9421 HTTP Message Signatures.
    HttpSig(httpsig::HttpSigSpec),
}

impl SchemeSpec {
    /// A verifier accepting any of `keys` (rotation: any one match wins).
    pub fn verifier<S: AsRef<str>>(&self, keys: &[S]) -> Result<Verifier, ConfigError> {
        if keys.is_empty() {
            return Err(ConfigError::NoSecret(format!(
                "the {} scheme needs at least one secret or key",
                self.kind()
            )));
        }
        let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
        Ok(Verifier(match self {
            SchemeSpec::StandardWebhooks(s) => Inner::Standard(s.verifier(&keys)?),
            SchemeSpec::Hmac(s) => Inner::Hmac(s.verifier(&keys)?),
            SchemeSpec::Jwt(s) => Inner::Jwt(s.verifier(&keys)?),
            SchemeSpec::Token(s) => Inner::Token(s.verifier(&keys)?),
            SchemeSpec::Asym(s) => Inner::Asym(s.verifier(&keys)?),
            SchemeSpec::Twilio(s) => Inner::Twilio(s.verifier(&keys)?),
            SchemeSpec::HttpSig(s) => Inner::HttpSig(s.verifier(&keys)?),
        }))
    }

    /// A signer. Schemes whose header can carry several signatures sign with every
    /// key given (newest first), so receivers on either side of a rotation accept.
    pub fn signer<S: AsRef<str>>(&self, keys: &[S]) -> Result<Signer, ConfigError> {
        if keys.is_empty() {
            return Err(ConfigError::NoSecret(format!(
                "the {} scheme needs a secret or private key to sign",
                self.kind()
            )));
        }
        let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
        Ok(Signer(match self {
            SchemeSpec::StandardWebhooks(s) => SignInner::Standard(s.signer(&keys)?),
            SchemeSpec::Hmac(s) => SignInner::Hmac(s.signer(&keys)?),
            SchemeSpec::Jwt(s) => SignInner::Jwt(s.signer(&keys)?),
            SchemeSpec::Token(s) => SignInner::Token(s.signer(&keys)?),
            SchemeSpec::Asym(s) => SignInner::Asym(s.signer(&keys)?),
            SchemeSpec::Twilio(s) => SignInner::Twilio(s.signer(&keys)?),
            SchemeSpec::HttpSig(s) => SignInner::HttpSig(s.signer(&keys)?),
        }))
    }

    /// Whether the signature header can carry several signatures (a list
    /// such as Standard Webhooks' or Orange Logic's `v1,<a> v1,<b>`, or
    /// Stripe-style pairs): then a sender in a rotation's grace period signs
    /// with the old and the new secret at once. A scheme with one signature
    /// per request cannot overlap that way.
    pub fn signs_with_several(&self) -> bool {
        use crate::scheme::hmac::SignatureFormat;
        match self {
            SchemeSpec::StandardWebhooks(_) => true,
            SchemeSpec::Hmac(h) => !matches!(h.format, SignatureFormat::Single { .. }),
            // Several signatures, one per label, are possible, but a rotation
            // is done with one key id at a time.
            _ => false,
        }
    }

    /// A short name of the scheme family.
    pub fn kind(&self) -> &'static str {
        match self {
            SchemeSpec::StandardWebhooks(_) => "standard-webhooks",
            SchemeSpec::Hmac(_) => "hmac",
            SchemeSpec::Jwt(_) => "jwt",
            SchemeSpec::Token(_) => "token",
            SchemeSpec::Asym(a) => a.algorithm.name(),
            SchemeSpec::Twilio(_) => "twilio",
            SchemeSpec::HttpSig(_) => "http-message-signatures",
        }
    }

    /// Whether the scheme signs the request URL (verify and sign then need it).
    pub fn needs_url(&self) -> bool {
        use crate::request::Part;
        match self {
            SchemeSpec::Twilio(_) => true,
            SchemeSpec::Hmac(h) => h.content.contains(&Part::Url),
            SchemeSpec::Asym(a) => a.content.contains(&Part::Url),
            SchemeSpec::HttpSig(h) => h.components.iter().any(|c| {
                let c = c.trim_matches('"');
                c.starts_with('@') && c != "@method"
            }),
            _ => false,
        }
    }

    /// The headers that carry this scheme's proof (signatures, tokens): a
    /// receiver passing a provider's headers on keeps these back.
    pub fn credential_headers(&self) -> Vec<&str> {
        match self {
            SchemeSpec::StandardWebhooks(_) => vec!["webhook-signature", "svix-signature"],
            SchemeSpec::Hmac(h) => vec![h.signature_header.as_ref()],
            SchemeSpec::Jwt(j) => vec![j.header.as_ref()],
            SchemeSpec::Token(t) => vec![t.header.as_ref()],
            SchemeSpec::Asym(a) => vec![a.signature_header.as_ref()],
            SchemeSpec::Twilio(t) => vec![t.signature_header.as_ref()],
            SchemeSpec::HttpSig(_) => vec!["signature", "signature-input"],
        }
    }

    /// Every header the scheme reads (signature, timestamp, id, token), as
    /// named in the spec. The fuzz targets and the provider table derive
    /// their lists from this, so a new preset needs no hand-kept list.
    pub fn headers(&self) -> Vec<&str> {
        fn ts(t: &TimestampSource) -> Option<&str> {
            match t {
                TimestampSource::Header { name, .. } => Some(name.as_ref()),
                _ => None,
            }
        }
        let mut out: Vec<&str> = match self {
            SchemeSpec::StandardWebhooks(_) => standard::HEADER_NAMES.to_vec(),
            SchemeSpec::Hmac(h) => [Some(h.signature_header.as_ref()), ts(&h.timestamp)]
                .into_iter()
                .chain([h.id_header.as_deref()])
                .flatten()
                .collect(),
            SchemeSpec::Jwt(j) => vec![j.header.as_ref()],
            SchemeSpec::Token(t) => vec![t.header.as_ref()],
            SchemeSpec::Asym(a) => [Some(a.signature_header.as_ref()), ts(&a.timestamp)]
                .into_iter()
                .flatten()
                .collect(),
            SchemeSpec::Twilio(t) => [Some(t.signature_header.as_ref()), t.id_header.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
            SchemeSpec::HttpSig(_) => vec!["signature-input", "signature", "content-digest"],
        };
        out.dedup();
        out
    }

    /// The kind of key this scheme signs and verifies with (what
    /// `hookseal keys generate` makes for it).
    pub fn key_kind(&self) -> crate::keys::KeyKind {
        use crate::keys::KeyKind;
        match self {
            SchemeSpec::StandardWebhooks(_) => KeyKind::Whsec,
            SchemeSpec::Asym(a) => match a.algorithm {
                asym::AsymAlgorithm::Ed25519 => KeyKind::Ed25519,
                asym::AsymAlgorithm::EcdsaP256 => KeyKind::P256,
            },
            SchemeSpec::HttpSig(h) => match h.algorithm {
                httpsig::HttpSigAlg::Ed25519 => KeyKind::Ed25519,
                httpsig::HttpSigAlg::EcdsaP256Sha256 => KeyKind::P256,
                httpsig::HttpSigAlg::HmacSha256 => KeyKind::Whsec,
                _ => KeyKind::Hmac,
            },
            SchemeSpec::Hmac(h) if h.secret_form == crate::secret::SecretForm::Standard => {
                KeyKind::Whsec
            }
            _ => KeyKind::Hmac,
        }
    }

    /// Whether a valid proof also binds the body: a shared token, or a JWT
    /// without a body-hash claim, proves the sender only.
    pub fn binds_body(&self) -> bool {
        match self {
            SchemeSpec::Token(_) => false,
            SchemeSpec::Jwt(j) => j.body_hash_claim.is_some(),
            SchemeSpec::HttpSig(h) => h.binds_body(),
            _ => true,
        }
    }

    /// Whether the proof carries a time the tolerance window applies to (a
    /// signed timestamp, or a JWT's `iat`/`exp`).
    pub fn signs_time(&self) -> bool {
        match self {
            SchemeSpec::StandardWebhooks(_) | SchemeSpec::Jwt(_) | SchemeSpec::HttpSig(_) => true,
            SchemeSpec::Hmac(h) => h.timestamp != TimestampSource::None,
            SchemeSpec::Asym(a) => a.timestamp != TimestampSource::None,
            SchemeSpec::Token(_) | SchemeSpec::Twilio(_) => false,
        }
    }

    /// A few words for tables: the algorithm, encoding and signed content.
    pub fn summary(&self) -> String {
        match self {
            SchemeSpec::StandardWebhooks(_) => {
                "Standard Webhooks (v1 HMAC-SHA256, v1a Ed25519)".into()
            }
            SchemeSpec::Hmac(h) => format!(
                "HMAC-{} {} of `{}`",
                h.algorithm.name().to_uppercase(),
                h.encoding.name(),
                crate::request::Part::template(&h.content)
            ),
            SchemeSpec::Jwt(j) => format!(
                "JWT {}",
                j.algorithms
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            SchemeSpec::Token(_) => "shared token".into(),
            SchemeSpec::Asym(a) => format!(
                "{} {} of `{}`",
                a.algorithm.name(),
                a.encoding.name(),
                crate::request::Part::template(&a.content)
            ),
            SchemeSpec::Twilio(_) => "HMAC-SHA1 base64 of URL + sorted form parameters".into(),
            SchemeSpec::HttpSig(h) => format!(
                "RFC 9421 {} covering {}",
                h.algorithm.name(),
                h.components.join(" ")
            ),
        }
    }

    /// One line saying what is checked, for `hookseal providers`.
    pub fn describe(&self) -> String {
        match self {
            SchemeSpec::StandardWebhooks(s) => s.describe(),
            SchemeSpec::Hmac(s) => s.describe(),
            SchemeSpec::Jwt(s) => s.describe(),
            SchemeSpec::Token(s) => s.describe(),
            SchemeSpec::Asym(s) => s.describe(),
            SchemeSpec::Twilio(s) => s.describe(),
            SchemeSpec::HttpSig(s) => s.describe(),
        }
    }
}

/// A scheme with its verification keys, ready to check requests.
pub struct Verifier(Inner);

enum Inner {
    Standard(standard::Verifier),
    Hmac(hmac::Verifier),
    Jwt(jwt::Verifier),
    Token(token::Verifier),
    Asym(asym::Verifier),
    Twilio(twilio::Verifier),
    HttpSig(httpsig::Verifier),
}

impl Verifier {
    /// Checks the request's signature (and the scheme's own time claims, such as a
    /// JWT's `exp`). The timestamp window and replay are the [`Policy`](crate::Policy)'s.
    pub fn verify<'a>(&self, req: &Request<'a>, clock: Clock) -> Result<Evidence<'a>, Rejection> {
        match &self.0 {
            Inner::Standard(v) => v.verify(req),
            Inner::Hmac(v) => v.verify(req),
            Inner::Jwt(v) => v.verify(req, clock),
            Inner::Token(v) => v.verify(req),
            Inner::Asym(v) => v.verify(req),
            Inner::Twilio(v) => v.verify(req),
            Inner::HttpSig(v) => v.verify(req),
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(..)")
    }
}

/// A scheme with its signing keys.
pub struct Signer(SignInner);

enum SignInner {
    Standard(standard::Signer),
    Hmac(hmac::Signer),
    Jwt(jwt::Signer),
    Token(token::Signer),
    Asym(asym::Signer),
    Twilio(twilio::Signer),
    HttpSig(httpsig::Signer),
}

impl Signer {
    /// The headers to send with `msg`, as `(name, value)` pairs.
    pub fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        match &self.0 {
            SignInner::Standard(s) => Ok(s.sign(msg)),
            SignInner::Hmac(s) => s.sign(msg),
            SignInner::Jwt(s) => s.sign(msg),
            SignInner::Token(s) => Ok(s.sign()),
            SignInner::Asym(s) => s.sign(msg),
            SignInner::Twilio(s) => s.sign(msg),
            SignInner::HttpSig(s) => s.sign(msg),
        }
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

/// Reads the timestamp a [`TimestampSource`] names; returns (text as signed, unix seconds).
pub(crate) fn read_timestamp<'a>(
    src: &TimestampSource,
    req: &Request<'a>,
    from_sig: Option<&'a str>,
) -> Result<Option<(Cow<'a, str>, i64)>, Rejection> {
    let (name, text, format): (&str, Cow<'a, str>, TimeFormat) = match src {
        TimestampSource::None => return Ok(None),
        TimestampSource::Header { name, format } => {
            (name, Cow::Borrowed(req.header_str(name)?), *format)
        }
        TimestampSource::SignatureHeader | TimestampSource::SignatureHeaderMillis => match from_sig
        {
            Some(t) => (
                "signature",
                Cow::Borrowed(t),
                if *src == TimestampSource::SignatureHeaderMillis {
                    TimeFormat::UnixMillis
                } else {
                    TimeFormat::UnixSeconds
                },
            ),
            None => {
                return Err(malformed_header(
                    "signature",
                    "the signature header has no timestamp",
                ))
            }
        },
        TimestampSource::JsonBody { field, format } => {
            let v: serde_json::Value = serde_json::from_slice(req.body).map_err(|_| {
                Rejection::new(
                    crate::Reason::MalformedHeader,
                    format!("body is not JSON, so its {field} timestamp cannot be read"),
                )
            })?;
            let text = match v.get(field.as_ref()) {
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(serde_json::Value::String(s)) => s.clone(),
                _ => {
                    return Err(Rejection::new(
                        crate::Reason::MissingHeader,
                        format!("body has no {field} timestamp"),
                    ))
                }
            };
            ("body", Cow::Owned(text), *format)
        }
    };
    let unix = format
        .parse(&text)
        .ok_or_else(|| malformed_header(name, "timestamp is not in the expected format"))?;
    Ok(Some((text, unix)))
}

/// Writes a timestamp for signing per a [`TimestampSource`].
pub(crate) fn write_timestamp(src: &TimestampSource, unix: i64) -> Option<(Option<&str>, String)> {
    match src {
        TimestampSource::None | TimestampSource::JsonBody { .. } => None,
        TimestampSource::Header { name, format } => Some((Some(name), format.format(unix))),
        TimestampSource::SignatureHeader => Some((None, unix.to_string())),
        TimestampSource::SignatureHeaderMillis => Some((None, (unix * 1000).to_string())),
    }
}

/// At most this many signatures are read from one header.
pub(crate) const MAX_SIGNATURES: usize = 16;

/// Refuses content templates that leave the body unsigned or name a value the
/// scheme has no source for (specs can come from config files, not only presets).
pub(crate) fn check_content(
    content: &[crate::request::Part],
    timestamp: &TimestampSource,
    has_id: bool,
) -> Result<(), ConfigError> {
    use crate::request::Part;
    let has_timestamp = !matches!(
        timestamp,
        TimestampSource::None | TimestampSource::JsonBody { .. }
    );
    if has_timestamp && !content.contains(&Part::Timestamp) {
        return Err(ConfigError::Invalid(
            "the scheme reads a timestamp that its signed content does not include: \
             an unsigned timestamp proves nothing (add {ts} to the content)"
                .into(),
        ));
    }
    if !content.contains(&Part::Body) {
        return Err(ConfigError::Invalid(
            "signed content must include {body}: the body would be unsigned".into(),
        ));
    }
    if content.contains(&Part::Timestamp) && !has_timestamp {
        return Err(ConfigError::Invalid(
            "signed content names {ts} but the scheme has no timestamp source".into(),
        ));
    }
    if content.contains(&Part::Id) && !has_id {
        return Err(ConfigError::Invalid(
            "signed content names {id} but the scheme has no id header".into(),
        ));
    }
    Ok(())
}
