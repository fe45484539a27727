//! JWT bearer tokens in `Authorization: Bearer …` (Flatfile's listener example,
//! and any sender that signs a short-lived token with a shared secret or key).
//!
//! Rules, in the order they are applied:
//!
//! 1. The token has exactly three base64url parts and a JSON header.
//! 2. `alg` must be on the allow-list; `none` is refused whatever the list says,
//!    and so is a `crit` header (no extension is understood here).
//! 3. The key must be of the family `alg` names: an HMAC secret only for `HS*`,
//!    an RSA/P-256/Ed25519 public key only for `RS256`/`ES256`/`EdDSA`. A public
//!    key is never used as an HMAC secret, which closes the classic
//!    RS256→HS256 confusion attack.
//! 4. Claims: `exp` (plus leeway) must not have passed; `nbf` and `iat` must not
//!    lie in the future (beyond leeway). A token without `exp` must carry an
//!    `iat` inside the policy tolerance — senders such as `jsonwebtoken`'s
//!    default set only `iat` — and a token with neither is refused as
//!    `token_unbounded`, because it would be valid forever.
//! 5. Optional `iss` and `aud` must match; an optional body-hash claim (hex or
//!    base64url SHA-256 of the raw body) binds the token to this body, so a token
//!    lifted from one request cannot carry another body.

use std::borrow::Cow;

use base64::Engine;
use ring::signature::{
    EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Clock, Evidence, Text};
use crate::codec::{hex_encode, pem_decode, spki_decode, SpkiAlg, B64URL_LENIENT, B64URL_NOPAD};
use crate::error::{ConfigError, Reason, Rejection, SignError};
use crate::request::{Outgoing, Request};
use crate::secret::{ct_eq, Secret};

/// A JWS algorithm hookseal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlg {
    /// HMAC-SHA256.
    HS256,
    /// HMAC-SHA384.
    HS384,
    /// HMAC-SHA512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048 to 8192-bit keys).
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl JwtAlg {
    /// Every algorithm.
    pub const ALL: &'static [JwtAlg] = &[
        JwtAlg::HS256,
        JwtAlg::HS384,
        JwtAlg::HS512,
        JwtAlg::RS256,
        JwtAlg::ES256,
        JwtAlg::EdDSA,
    ];

    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            JwtAlg::HS256 => "HS256",
            JwtAlg::HS384 => "HS384",
            JwtAlg::HS512 => "HS512",
            JwtAlg::RS256 => "RS256",
            JwtAlg::ES256 => "ES256",
            JwtAlg::EdDSA => "EdDSA",
        }
    }

    /// Parses an `alg` value (exact, case-sensitive as JWS requires).
    pub fn parse(s: &str) -> Option<JwtAlg> {
        JwtAlg::ALL.iter().copied().find(|a| a.name() == s)
    }

    fn hmac(self) -> Option<ring::hmac::Algorithm> {
        match self {
            JwtAlg::HS256 => Some(ring::hmac::HMAC_SHA256),
            JwtAlg::HS384 => Some(ring::hmac::HMAC_SHA384),
            JwtAlg::HS512 => Some(ring::hmac::HMAC_SHA512),
            _ => None,
        }
    }
}

/// The JWT bearer scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwtSpec {
    /// Header carrying the token (`Authorization`).
    pub header: Text,
    /// Prefix before the token (`Bearer `), matched case-insensitively.
    pub prefix: Text,
    /// Algorithms accepted. `none` is never accepted.
    pub algorithms: Cow<'static, [JwtAlg]>,
    /// Seconds of clock leeway for `exp`, `nbf`, `iat`.
    pub leeway: i64,
    /// Required `iss`, if any.
    pub issuer: Option<Text>,
    /// Required `aud` (the token's `aud` string or one of its array entries).
    pub audience: Option<Text>,
    /// A claim that must hold the SHA-256 of the body (hex or base64url).
    pub body_hash_claim: Option<Text>,
    /// Lifetime of tokens this side signs (`exp` = `iat` + lifetime), seconds.
    pub lifetime: i64,
}

impl JwtSpec {
    /// `Authorization: Bearer` with HS256/384/512, RS256, ES256 and EdDSA allowed
    /// (the key decides which apply), 60 s leeway, 5-minute signed lifetime.
    pub const fn bearer() -> JwtSpec {
        JwtSpec {
            header: Cow::Borrowed("Authorization"),
            prefix: Cow::Borrowed("Bearer "),
            algorithms: Cow::Borrowed(JwtAlg::ALL),
            leeway: 60,
            issuer: None,
            audience: None,
            body_hash_claim: None,
            lifetime: 300,
        }
    }

    pub(crate) fn describe(&self) -> String {
        let algs: Vec<&str> = self.algorithms.iter().map(|a| a.name()).collect();
        let mut s = format!(
            "JWT in {}: {} {}; exp required (or a fresh iat); nbf/iat checked",
            self.header,
            self.prefix.trim(),
            algs.join("/")
        );
        if let Some(c) = &self.body_hash_claim {
            s.push_str(&format!("; claim {c} = SHA-256 of the body"));
        }
        s
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        let keys = keys
            .iter()
            .map(|k| parse_verify_key(k))
            .collect::<Result<_, _>>()?;
        Ok(Verifier {
            spec: self.clone(),
            keys,
        })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        let key = parse_sign_key(keys[0], &self.algorithms)?;
        if !self.algorithms.contains(&key.alg()) {
            return Err(ConfigError::Invalid(format!(
                "the key signs {}, which is not an allowed algorithm",
                key.alg().name()
            )));
        }
        Ok(Signer {
            spec: self.clone(),
            key,
        })
    }
}

enum VerifyKey {
    Hmac(Secret),
    Rsa(Vec<u8>),
    P256(Vec<u8>),
    Ed25519(Vec<u8>),
}

fn parse_verify_key(text: &str) -> Result<VerifyKey, ConfigError> {
    let t = text.trim();
    // A public key in any form it is commonly pasted in (base64 SPKI, as
    // `hookseal keys generate` prints it; `whpk_`) is a public key, never an HMAC
    // secret: otherwise anyone holding it could mint HS256 tokens.
    if let Some(k) = t.strip_prefix("whpk_") {
        return Ok(VerifyKey::Ed25519(
            super::standard::parse_whpk(&format!("whpk_{k}"))?.to_vec(),
        ));
    }
    if !t.starts_with("-----BEGIN") {
        if let Some(der) = B64URL_LENIENT
            .decode(t)
            .ok()
            .or_else(|| crate::codec::B64_LENIENT.decode(t).ok())
        {
            match spki_decode(&der) {
                Some((SpkiAlg::Rsa, k)) => return Ok(VerifyKey::Rsa(k)),
                Some((SpkiAlg::P256, k)) => return Ok(VerifyKey::P256(k)),
                Some((SpkiAlg::Ed25519, k)) => return Ok(VerifyKey::Ed25519(k)),
                None => {}
            }
        }
        return Ok(VerifyKey::Hmac(Secret::from_text(text)?));
    }
    let (label, der) =
        pem_decode(t).ok_or_else(|| ConfigError::InvalidKey("unreadable PEM".into()))?;
    match label.as_str() {
        "RSA PUBLIC KEY" => Ok(VerifyKey::Rsa(der)),
        "PUBLIC KEY" => match spki_decode(&der) {
            Some((SpkiAlg::Rsa, k)) => Ok(VerifyKey::Rsa(k)),
            Some((SpkiAlg::P256, k)) => Ok(VerifyKey::P256(k)),
            Some((SpkiAlg::Ed25519, k)) => Ok(VerifyKey::Ed25519(k)),
            None => Err(ConfigError::InvalidKey(
                "public key is not RSA, P-256 or Ed25519".into(),
            )),
        },
        other => Err(ConfigError::InvalidKey(format!(
            "expected a PEM PUBLIC KEY to verify JWTs, found {other:?}"
        ))),
    }
}

enum SignKey {
    Hmac(Secret, JwtAlg),
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl SignKey {
    fn alg(&self) -> JwtAlg {
        match self {
            SignKey::Hmac(_, a) => *a,
            SignKey::Rsa(_) => JwtAlg::RS256,
            SignKey::P256(_) => JwtAlg::ES256,
            SignKey::Ed25519(_) => JwtAlg::EdDSA,
        }
    }
}

fn parse_sign_key(text: &str, allowed: &[JwtAlg]) -> Result<SignKey, ConfigError> {
    let t = text.trim();
    if !t.starts_with("-----BEGIN") {
        let alg = allowed
            .iter()
            .copied()
            .find(|a| a.hmac().is_some())
            .unwrap_or(JwtAlg::HS256);
        return Ok(SignKey::Hmac(Secret::from_text(text)?, alg));
    }
    let bad = |why: &str| ConfigError::InvalidKey(format!("JWT signing key: {why}"));
    let (label, der) = pem_decode(t).ok_or_else(|| bad("unreadable PEM"))?;
    let rng = ring::rand::SystemRandom::new();
    match label.as_str() {
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
            .map(SignKey::Rsa)
            .map_err(|_| bad("bad RSA key")),
        "PRIVATE KEY" => {
            if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
                Ok(SignKey::Ed25519(k))
            } else if let Ok(k) =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
            {
                Ok(SignKey::P256(k))
            } else {
                RsaKeyPair::from_pkcs8(&der)
                    .map(SignKey::Rsa)
                    .map_err(|_| bad("PKCS#8 key is not Ed25519, P-256 or RSA (2048+ bits)"))
            }
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(bad(
            "a public key can only verify; sign with the private key",
        )),
        other => Err(bad(&format!("unsupported PEM label {other:?}"))),
    }
}

fn reject(reason: Reason, detail: impl Into<Cow<'static, str>>) -> Rejection {
    Rejection::new(reason, detail)
}

fn num(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Rejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                reject(
                    Reason::MalformedToken,
                    format!("claim {name} is not a time"),
                )
            }),
        Some(_) => Err(reject(
            Reason::MalformedToken,
            format!("claim {name} is not a number"),
        )),
    }
}

/// A ready JWT verifier.
pub struct Verifier {
    spec: JwtSpec,
    keys: Vec<VerifyKey>,
}

impl Verifier {
    pub(crate) fn verify<'a>(
        &self,
        req: &Request<'a>,
        clock: Clock,
    ) -> Result<Evidence<'a>, Rejection> {
        let spec = &self.spec;
        let value = req.header_str(&spec.header)?;
        let token = super::hmac::strip_prefix_ci(value, &spec.prefix)
            .ok_or_else(|| {
                reject(
                    Reason::MalformedToken,
                    format!("{}: expected {:?} and a token", spec.header, spec.prefix),
                )
            })?
            .trim();
        let mut it = token.split('.');
        let (Some(h64), Some(c64), Some(s64), None) = (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(reject(Reason::MalformedToken, "a JWT has three parts"));
        };
        let header: Map<String, Value> = B64URL_LENIENT
            .decode(h64)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| reject(Reason::MalformedToken, "header is not base64url JSON"))?;
        let alg_text = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg_text.eq_ignore_ascii_case("none") {
            return Err(reject(
                Reason::AlgorithmNotAllowed,
                "alg none is never accepted",
            ));
        }
        let alg = JwtAlg::parse(alg_text)
            .filter(|a| spec.algorithms.contains(a))
            .ok_or_else(|| {
                reject(
                    Reason::AlgorithmNotAllowed,
                    format!("alg {alg_text:?} is not allowed"),
                )
            })?;
        if header.contains_key("crit") {
            return Err(reject(
                Reason::MalformedToken,
                "critical header extensions are not supported",
            ));
        }
        let sig = B64URL_LENIENT
            .decode(s64)
            .map_err(|_| reject(Reason::MalformedSignature, "signature is not base64url"))?;
        let signing_input = &token.as_bytes()[..h64.len() + 1 + c64.len()];

        let mut family_key = false;
        let mut ok = false;
        for key in &self.keys {
            let r = match (key, alg) {
                (VerifyKey::Hmac(s), a) if a.hmac().is_some() => {
                    let k = ring::hmac::Key::new(
                        a.hmac().unwrap_or(ring::hmac::HMAC_SHA256),
                        s.expose(),
                    );
                    Some(ct_eq(ring::hmac::sign(&k, signing_input).as_ref(), &sig))
                }
                (VerifyKey::Rsa(k), JwtAlg::RS256) => Some(
                    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, k)
                        .verify(signing_input, &sig)
                        .is_ok(),
                ),
                (VerifyKey::P256(k), JwtAlg::ES256) => Some(
                    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, k)
                        .verify(signing_input, &sig)
                        .is_ok(),
                ),
                (VerifyKey::Ed25519(k), JwtAlg::EdDSA) => Some(
                    UnparsedPublicKey::new(&ED25519, k)
                        .verify(signing_input, &sig)
                        .is_ok(),
                ),
                _ => None,
            };
            if let Some(r) = r {
                family_key = true;
                if r {
                    ok = true;
                    break;
                }
            }
        }
        if !family_key {
            return Err(reject(
                Reason::AlgorithmNotAllowed,
                format!("no configured key can verify alg {}", alg.name()),
            ));
        }
        if !ok {
            return Err(reject(
                Reason::SignatureMismatch,
                "token signature does not verify under any configured key",
            ));
        }

        let claims: Map<String, Value> = B64URL_LENIENT
            .decode(c64)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| reject(Reason::MalformedToken, "claims are not base64url JSON"))?;
        let now = clock.now;
        let leeway = spec.leeway;
        let exp = num(&claims, "exp")?;
        let nbf = num(&claims, "nbf")?;
        let iat = num(&claims, "iat")?;
        if let Some(exp) = exp {
            if now > exp.saturating_add(leeway) {
                return Err(reject(
                    Reason::TokenExpired,
                    format!("exp {exp} passed {}s ago", now.saturating_sub(exp)),
                ));
            }
        }
        if let Some(nbf) = nbf {
            if now.saturating_add(leeway) < nbf {
                return Err(reject(
                    Reason::TokenNotYetValid,
                    format!("nbf {nbf} is ahead"),
                ));
            }
        }
        if let Some(iat) = iat {
            if now.saturating_add(leeway) < iat {
                return Err(reject(
                    Reason::TokenNotYetValid,
                    format!("iat {iat} is ahead"),
                ));
            }
        }
        if exp.is_none() {
            match iat {
                None => {
                    return Err(reject(
                        Reason::TokenUnbounded,
                        "token has neither exp nor iat",
                    ))
                }
                Some(iat) if now.saturating_sub(iat) > clock.tolerance => {
                    return Err(reject(
                        Reason::TokenExpired,
                        format!(
                            "token has no exp and its iat is {}s old (tolerance {}s)",
                            now.saturating_sub(iat),
                            clock.tolerance
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        if let Some(want) = &spec.issuer {
            if claims.get("iss").and_then(Value::as_str) != Some(want.as_ref()) {
                return Err(reject(
                    Reason::ClaimMismatch,
                    "iss is not the expected issuer",
                ));
            }
        }
        if let Some(want) = &spec.audience {
            let ok = match claims.get("aud") {
                Some(Value::String(s)) => s == want.as_ref(),
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(want.as_ref())),
                _ => false,
            };
            if !ok {
                return Err(reject(
                    Reason::ClaimMismatch,
                    "aud does not name this receiver",
                ));
            }
        }
        if let Some(claim) = &spec.body_hash_claim {
            let got = claims
                .get(claim.as_ref())
                .and_then(Value::as_str)
                .unwrap_or("");
            let digest = ring::digest::digest(&ring::digest::SHA256, req.body);
            let ok = ct_eq(got.as_bytes(), hex_encode(digest.as_ref()).as_bytes())
                || ct_eq(
                    got.as_bytes(),
                    B64URL_NOPAD.encode(digest.as_ref()).as_bytes(),
                );
            if !ok {
                return Err(reject(
                    Reason::BodyHashMismatch,
                    format!("claim {claim} does not hold the body's SHA-256"),
                ));
            }
        }
        let id = claims
            .get("jti")
            .and_then(Value::as_str)
            .map(|s| Cow::Owned(s.to_string()));
        // Replay entries live as long as the token could still be accepted.
        let expires_at = exp
            .map(|e| e.saturating_add(leeway))
            .or(iat.map(|i| i.saturating_add(clock.tolerance)));
        let digest = ring::digest::digest(&ring::digest::SHA256, signing_input);
        Ok(Evidence {
            id,
            timestamp: None,
            expires_at,
            fingerprint: Some(super::fingerprint(digest.as_ref())),
        })
    }
}

/// A ready JWT signer.
pub struct Signer {
    spec: JwtSpec,
    key: SignKey,
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        let spec = &self.spec;
        let alg = self.key.alg();
        let header = serde_json::json!({ "alg": alg.name(), "typ": "JWT" });
        let mut claims = Map::new();
        claims.insert("iat".into(), msg.timestamp.into());
        claims.insert("exp".into(), (msg.timestamp + spec.lifetime).into());
        if !msg.id.is_empty() {
            claims.insert("jti".into(), msg.id.into());
        }
        if let Some(iss) = &spec.issuer {
            claims.insert("iss".into(), iss.as_ref().into());
        }
        if let Some(aud) = &spec.audience {
            claims.insert("aud".into(), aud.as_ref().into());
        }
        if let Some(c) = &spec.body_hash_claim {
            let d = ring::digest::digest(&ring::digest::SHA256, msg.body);
            claims.insert(c.to_string(), hex_encode(d.as_ref()).into());
        }
        let mut input = B64URL_NOPAD.encode(header.to_string());
        input.push('.');
        input.push_str(&B64URL_NOPAD.encode(Value::Object(claims).to_string()));
        let rng = ring::rand::SystemRandom::new();
        let sig = match &self.key {
            SignKey::Hmac(s, a) => {
                let k =
                    ring::hmac::Key::new(a.hmac().unwrap_or(ring::hmac::HMAC_SHA256), s.expose());
                ring::hmac::sign(&k, input.as_bytes()).as_ref().to_vec()
            }
            SignKey::Rsa(k) => {
                let mut out = vec![0u8; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut out)
                    .map_err(|_| SignError::Key("RSA signing failed".into()))?;
                out
            }
            SignKey::P256(k) => k
                .sign(&rng, input.as_bytes())
                .map_err(|_| SignError::Key("ECDSA signing failed".into()))?
                .as_ref()
                .to_vec(),
            SignKey::Ed25519(k) => k.sign(input.as_bytes()).as_ref().to_vec(),
        };
        Ok(vec![(
            spec.header.to_string(),
            format!("{}{}.{}", spec.prefix, input, B64URL_NOPAD.encode(sig)),
        )])
    }
}
