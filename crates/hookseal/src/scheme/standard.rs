//! Standard Webhooks (and Svix, which uses the same scheme under `svix-*` names).
//!
//! * Headers `webhook-id`, `webhook-timestamp`, `webhook-signature`; the
//!   `svix-id`/`svix-timestamp`/`svix-signature` aliases are accepted by both
//!   presets, one header at a time, `svix-*` first (as the Svix SDKs do).
//! * Signed content: `{id}.{timestamp}.{body}`.
//! * `webhook-signature` is a space-delimited list of `version,base64` entries:
//!   `v1` is HMAC-SHA256 under a `whsec_` secret, `v1a` is Ed25519 under a
//!   `whpk_` public key (`whsk_` private key to sign). Any one match wins, so a
//!   sender can sign with old and new secrets during a rotation. Entries of
//!   versions the verifier holds no key for are skipped.
//! * Keys: `whsec_<base64>` (the prefix is optional; padded or unpadded),
//!   `whpk_<base64 of 32 bytes>`, `whsk_<base64 of the 32-byte seed>` (a 64-byte
//!   seed‖public form is accepted when its halves agree).
//!
//! The timestamp window (300 s both ways by default) is applied by the
//! [`Policy`](crate::Policy).
//!
//! ```
//! use hookseal::provider;
//! let spec = &provider::find("standard-webhooks").unwrap().scheme;
//! let signer = spec.signer(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap();
//! let msg = hookseal::Outgoing {
//!     id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330,
//!     body: br#"{"test": 2432232314}"#, url: "", method: "POST",
//! };
//! let headers = signer.sign(&msg).unwrap();
//! assert_eq!(headers[2], ("webhook-signature".into(),
//!     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".into()));
//! ```

use std::borrow::Cow;

use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use super::hmac::Candidates;
use super::Evidence;
use crate::codec::{Encoding, B64, B64_LENIENT};
use crate::error::{malformed_header, ConfigError, Reason, Rejection};
use crate::request::{parts, Fill, Outgoing, Request};
use crate::secret::{Algorithm, Secret};
use crate::time::TimeFormat;

/// Which header names a signer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderStyle {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    Webhook,
    /// `svix-id`, `svix-timestamp`, `svix-signature`.
    Svix,
}

/// The Standard Webhooks scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardSpec {
    /// Header names used when signing (verification accepts both).
    pub style: HeaderStyle,
}

/// Alias pairs, `svix-*` first (it wins when both are present, as in Svix's SDKs).
pub(crate) const HEADER_NAMES: &[&str; 6] = NAMES;
const NAMES: &[&str; 6] = &[
    "svix-id",
    "webhook-id",
    "svix-timestamp",
    "webhook-timestamp",
    "svix-signature",
    "webhook-signature",
];

enum VerifyKey {
    Hmac(ring::hmac::Key),
    Ed25519(UnparsedPublicKey<[u8; 32]>),
}

enum SignKey {
    Hmac(ring::hmac::Key),
    Ed25519(Box<Ed25519KeyPair>),
}

/// Parses a `whsk_` private key (32-byte seed, or 64-byte seed‖public that agrees).
pub(crate) fn parse_whsk(text: &str) -> Result<Ed25519KeyPair, ConfigError> {
    let t = text.trim();
    let b64 = t.strip_prefix("whsk_").unwrap_or(t);
    let bytes = B64_LENIENT
        .decode(b64)
        .map_err(|_| ConfigError::InvalidKey("whsk_ key is not base64".into()))?;
    match bytes.len() {
        32 => Ed25519KeyPair::from_seed_unchecked(&bytes)
            .map_err(|_| ConfigError::InvalidKey("bad Ed25519 seed".into())),
        64 => Ed25519KeyPair::from_seed_and_public_key(&bytes[..32], &bytes[32..]).map_err(|_| {
            ConfigError::InvalidKey("whsk_ key: the public half does not match the seed".into())
        }),
        n => Err(ConfigError::InvalidKey(format!(
            "whsk_ key decodes to {n} bytes; expected a 32-byte Ed25519 seed"
        ))),
    }
}

/// Parses a `whpk_` public key (base64 of 32 bytes).
pub(crate) fn parse_whpk(text: &str) -> Result<[u8; 32], ConfigError> {
    let b64 = text.trim().trim_start_matches("whpk_");
    let bytes = B64_LENIENT
        .decode(b64)
        .map_err(|_| ConfigError::InvalidKey("whpk_ key is not base64".into()))?;
    bytes.try_into().map_err(|_| {
        ConfigError::InvalidKey("whpk_ key must decode to a 32-byte Ed25519 public key".into())
    })
}

/// Renders an Ed25519 key pair as (`whsk_…`, `whpk_…`) from its 32-byte seed.
pub fn ed25519_keys_from_seed(seed: &[u8; 32]) -> Result<(String, String), ConfigError> {
    let kp = Ed25519KeyPair::from_seed_unchecked(seed)
        .map_err(|_| ConfigError::InvalidKey("bad Ed25519 seed".into()))?;
    Ok((
        format!("whsk_{}", B64.encode(seed)),
        format!("whpk_{}", B64.encode(kp.public_key().as_ref())),
    ))
}

/// With Ed25519 keys in the set, an unprefixed key is ambiguous — a `whpk_`
/// public key pasted without its prefix would become an HMAC secret that anyone
/// holding the public key could sign with — so every key must say what it is.
fn require_prefixes(keys: &[&str]) -> Result<(), ConfigError> {
    let asym = keys
        .iter()
        .any(|k| k.trim().starts_with("whpk_") || k.trim().starts_with("whsk_"));
    if asym {
        if let Some(k) = keys.iter().find(|k| {
            let k = k.trim();
            !(k.starts_with("whsec_") || k.starts_with("whpk_") || k.starts_with("whsk_"))
        }) {
            let shown: String = k.chars().take(6).collect();
            return Err(ConfigError::InvalidKey(format!(
                "key {shown}… has no whsec_/whpk_/whsk_ prefix; with Ed25519 keys configured every key needs one"
            )));
        }
    }
    Ok(())
}

impl StandardSpec {
    pub(crate) fn describe(&self) -> String {
        let (id, ts, sig) = self.names();
        format!(
            "Standard Webhooks: {sig} = space-separated v1,<base64 HMAC-SHA256> (whsec_ secret) \
             or v1a,<base64 Ed25519> (whpk_ key) of {{{id}}}.{{{ts}}}.{{body}}; \
             {ts} within tolerance; {id} deduplicated"
        )
    }

    fn names(&self) -> (&'static str, &'static str, &'static str) {
        match self.style {
            HeaderStyle::Webhook => ("webhook-id", "webhook-timestamp", "webhook-signature"),
            HeaderStyle::Svix => ("svix-id", "svix-timestamp", "svix-signature"),
        }
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        require_prefixes(keys)?;
        let keys = keys
            .iter()
            .map(|k| {
                let k = k.trim();
                if k.starts_with("whpk_") {
                    Ok(VerifyKey::Ed25519(UnparsedPublicKey::new(
                        &ED25519,
                        parse_whpk(k)?,
                    )))
                } else if k.starts_with("whsk_") {
                    let kp = parse_whsk(k)?;
                    let mut pk = [0u8; 32];
                    pk.copy_from_slice(kp.public_key().as_ref());
                    Ok(VerifyKey::Ed25519(UnparsedPublicKey::new(&ED25519, pk)))
                } else {
                    Ok(VerifyKey::Hmac(
                        Algorithm::Sha256.key(&Secret::from_standard(k)?),
                    ))
                }
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Verifier { keys })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        require_prefixes(keys)?;
        let keys = keys
            .iter()
            .map(|k| {
                let k = k.trim();
                if k.starts_with("whsk_") {
                    Ok(SignKey::Ed25519(Box::new(parse_whsk(k)?)))
                } else if k.starts_with("whpk_") {
                    Err(ConfigError::InvalidKey(
                        "a whpk_ public key can only verify; sign with the whsk_ private key"
                            .into(),
                    ))
                } else {
                    Ok(SignKey::Hmac(
                        Algorithm::Sha256.key(&Secret::from_standard(k)?),
                    ))
                }
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Signer {
            keys,
            names: self.names(),
        })
    }
}

/// A ready Standard Webhooks verifier.
pub struct Verifier {
    keys: Vec<VerifyKey>,
}

/// At most this many `v1a` entries are checked (Ed25519 verification is costly).
const MAX_V1A: usize = 2;

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let mut found = [None; 3];
        req.aliased(NAMES, &mut found)?;
        let [Some((id_name, id)), Some((ts_name, ts)), Some((sig_name, sig))] = found else {
            let i = found.iter().position(Option::is_none).unwrap_or(0);
            return Err(crate::error::missing(NAMES[2 * i + 1]));
        };
        let id = std::str::from_utf8(id)
            .ok()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| malformed_header(id_name, "empty or not UTF-8"))?;
        let unix = TimeFormat::parse_unix_seconds(ts)
            .ok_or_else(|| malformed_header(ts_name, "not a Unix timestamp in seconds"))?;
        // Digits only, so this is the same text that was signed.
        let ts = std::str::from_utf8(ts).unwrap_or_default();

        // The signature list is parsed as bytes: base64 decoding validates it.
        let mut v1 = Candidates::<32>::new();
        let mut v1a: [[u8; 64]; MAX_V1A] = [[0; 64]; MAX_V1A];
        let mut n_v1a = 0;
        let mut entries = 0;
        for entry in sig.split(|&b| b == b' ').filter(|e| !e.is_empty()) {
            entries += 1;
            if entries > super::MAX_SIGNATURES {
                return Err(malformed_header(sig_name, "too many signatures"));
            }
            let (version, s) = match entry.iter().position(|&b| b == b',') {
                Some(c) => (&entry[..c], &entry[c + 1..]),
                None => continue,
            };
            match version {
                b"v1" => v1.push_bytes(sig_name, Encoding::Base64, s, 32)?,
                b"v1a"
                    if n_v1a < MAX_V1A
                        && Encoding::Base64.decode_into(s, &mut v1a[n_v1a]) == Some(64) =>
                {
                    n_v1a += 1;
                }
                _ => {}
            }
        }
        if v1.iter().next().is_none() && n_v1a == 0 {
            return Err(Rejection::new(
                Reason::MalformedSignature,
                format!("{sig_name}: no readable v1 or v1a signature"),
            ));
        }
        let fill = Fill {
            body: req.body,
            timestamp: ts,
            id,
            ..Fill::default()
        };
        for key in &self.keys {
            let ok = match key {
                VerifyKey::Hmac(k) => {
                    v1.iter().next().is_some()
                        && super::hmac::check_any(
                            std::slice::from_ref(k),
                            parts::ID_DOT_TS_DOT_BODY,
                            &fill,
                            &v1,
                        )
                        .is_ok()
                }
                VerifyKey::Ed25519(pk) => {
                    n_v1a > 0 && {
                        // Ed25519 needs the message contiguous.
                        let mut msg = Vec::with_capacity(id.len() + ts.len() + 2 + req.body.len());
                        fill.feed(parts::ID_DOT_TS_DOT_BODY, |b| msg.extend_from_slice(b));
                        v1a[..n_v1a].iter().any(|s| pk.verify(&msg, s).is_ok())
                    }
                }
            };
            if ok {
                return Ok(Evidence {
                    id: Some(Cow::Borrowed(id)),
                    timestamp: Some(unix),
                    expires_at: None,
                    fingerprint: None,
                });
            }
        }
        Err(Rejection::new(
            Reason::SignatureMismatch,
            "no signature matched any configured key",
        ))
    }
}

/// A ready Standard Webhooks signer.
pub struct Signer {
    keys: Vec<SignKey>,
    names: (&'static str, &'static str, &'static str),
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Vec<(String, String)> {
        let ts = msg.timestamp.to_string();
        let fill = Fill {
            body: msg.body,
            timestamp: &ts,
            id: msg.id,
            ..Fill::default()
        };
        let sigs: Vec<String> = self
            .keys
            .iter()
            .map(|k| match k {
                SignKey::Hmac(k) => format!(
                    "v1,{}",
                    B64.encode(super::hmac::tag(k, parts::ID_DOT_TS_DOT_BODY, &fill))
                ),
                SignKey::Ed25519(kp) => {
                    let mut m = Vec::with_capacity(msg.id.len() + ts.len() + 2 + msg.body.len());
                    fill.feed(parts::ID_DOT_TS_DOT_BODY, |b| m.extend_from_slice(b));
                    format!("v1a,{}", B64.encode(kp.sign(&m)))
                }
            })
            .collect();
        let (id, tsn, sig) = self.names;
        vec![
            (id.to_string(), msg.id.to_string()),
            (tsn.to_string(), ts),
            (sig.to_string(), sigs.join(" ")),
        ]
    }
}
