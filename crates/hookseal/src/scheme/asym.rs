//! Public-key signatures: Ed25519 (Discord interactions) and ECDSA P-256 with
//! SHA-256 (SendGrid's Event Webhook).
//!
//! The receiver holds only the provider's *public* key, so a leaked receiver
//! configuration cannot forge webhooks. Public keys are accepted as PEM or DER
//! SubjectPublicKeyInfo (base64), or as the raw key in hex or base64 (32 bytes
//! for Ed25519, a 65-byte uncompressed point for P-256). Private keys for signing
//! are PKCS#8 (PEM or base64 DER); an Ed25519 key may also be a 32-byte seed in
//! hex or base64, or a `whsk_` key.
//!
//! ECDSA signatures are ASN.1 DER, as SendGrid sends them. Ed25519 verifies the
//! signed content as one contiguous message, so when the content has more than
//! the body (Discord signs `{timestamp}{body}`) the parts are joined first; this
//! is the one scheme family that copies the body.

use std::borrow::Cow;

use ring::signature::{
    EcdsaKeyPair, Ed25519KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, ED25519,
};
use serde::{Deserialize, Serialize};

use super::{read_timestamp, write_timestamp, Evidence, Text, TimestampSource};
use crate::codec::{pem_decode, spki_decode, Encoding, SpkiAlg, B64_LENIENT};
use crate::error::{ConfigError, Reason, Rejection, SignError};
use crate::request::{Fill, Outgoing, Part, Request};

/// The public-key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsymAlgorithm {
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// ECDSA over P-256 with SHA-256, DER-encoded signatures.
    EcdsaP256,
}

impl AsymAlgorithm {
    /// The name used in descriptions and `keys generate`.
    pub fn name(self) -> &'static str {
        match self {
            AsymAlgorithm::Ed25519 => "ed25519",
            AsymAlgorithm::EcdsaP256 => "ecdsa-p256",
        }
    }

    fn spki(self) -> SpkiAlg {
        match self {
            AsymAlgorithm::Ed25519 => SpkiAlg::Ed25519,
            AsymAlgorithm::EcdsaP256 => SpkiAlg::P256,
        }
    }

    fn raw_len(self) -> usize {
        match self {
            AsymAlgorithm::Ed25519 => 32,
            AsymAlgorithm::EcdsaP256 => 65,
        }
    }
}

/// A public-key signature scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsymSpec {
    /// The algorithm.
    pub algorithm: AsymAlgorithm,
    /// Header carrying the signature.
    pub signature_header: Text,
    /// Its encoding.
    pub encoding: Encoding,
    /// Where the timestamp comes from.
    pub timestamp: TimestampSource,
    /// The signed content.
    pub content: Cow<'static, [Part]>,
}

/// Parses a public key for `alg` from PEM, base64 DER SPKI, or raw hex/base64.
pub fn parse_public_key(alg: AsymAlgorithm, text: &str) -> Result<Vec<u8>, ConfigError> {
    let text = text.trim();
    let bad = |why: &str| ConfigError::InvalidKey(format!("{} public key: {why}", alg.name()));
    if text.is_empty() {
        return Err(ConfigError::EmptySecret);
    }
    if alg == AsymAlgorithm::Ed25519 && text.starts_with("whpk_") {
        return Ok(super::standard::parse_whpk(text)?.to_vec());
    }
    let der = if text.starts_with("-----BEGIN") {
        let (label, der) = pem_decode(text).ok_or_else(|| bad("unreadable PEM"))?;
        if label != "PUBLIC KEY" {
            return Err(bad(&format!(
                "expected a PEM \"PUBLIC KEY\" (SubjectPublicKeyInfo), found {label:?}"
            )));
        }
        der
    } else if text.len() == alg.raw_len() * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        crate::codec::hex_decode(text).ok_or_else(|| bad("bad hex"))?
    } else {
        B64_LENIENT
            .decode(text)
            .map_err(|_| bad("expected PEM, base64 or hex"))?
    };
    if der.len() == alg.raw_len() {
        if alg == AsymAlgorithm::EcdsaP256 && der[0] != 4 {
            return Err(bad("expected an uncompressed point (04…)"));
        }
        return Ok(der);
    }
    match spki_decode(&der) {
        Some((a, key)) if a == alg.spki() => Ok(key),
        Some(_) => Err(bad("the key is for another algorithm")),
        None => Err(bad("not a SubjectPublicKeyInfo or raw key")),
    }
}

use base64::Engine as _;

/// A private key for signing.
pub(crate) enum PrivateKey {
    Ed25519(Ed25519KeyPair),
    P256(EcdsaKeyPair),
}

/// Parses a private key: PKCS#8 (PEM or base64 DER); for Ed25519 also a seed or `whsk_`.
pub(crate) fn parse_private_key(alg: AsymAlgorithm, text: &str) -> Result<PrivateKey, ConfigError> {
    let text = text.trim();
    let bad = |why: &str| ConfigError::InvalidKey(format!("{} private key: {why}", alg.name()));
    if text.is_empty() {
        return Err(ConfigError::EmptySecret);
    }
    if alg == AsymAlgorithm::Ed25519 && text.starts_with("whsk_") {
        return Ok(PrivateKey::Ed25519(super::standard::parse_whsk(text)?));
    }
    let der = if text.starts_with("-----BEGIN") {
        let (label, der) = pem_decode(text).ok_or_else(|| bad("unreadable PEM"))?;
        if label != "PRIVATE KEY" {
            return Err(bad(&format!(
                "expected a PEM \"PRIVATE KEY\" (PKCS#8), found {label:?}; convert with `openssl pkcs8 -topk8 -nocrypt`"
            )));
        }
        der
    } else if alg == AsymAlgorithm::Ed25519
        && text.len() == 64
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        crate::codec::hex_decode(text).ok_or_else(|| bad("bad hex"))?
    } else {
        B64_LENIENT
            .decode(text)
            .map_err(|_| bad("expected PEM or base64 PKCS#8"))?
    };
    match alg {
        AsymAlgorithm::Ed25519 if der.len() == 32 => Ed25519KeyPair::from_seed_unchecked(&der)
            .map(PrivateKey::Ed25519)
            .map_err(|_| bad("bad seed")),
        AsymAlgorithm::Ed25519 => Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map(PrivateKey::Ed25519)
            .map_err(|_| bad("not an Ed25519 PKCS#8 key or 32-byte seed")),
        AsymAlgorithm::EcdsaP256 => EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &der,
            &ring::rand::SystemRandom::new(),
        )
        .map(PrivateKey::P256)
        .map_err(|_| bad("not a P-256 PKCS#8 key")),
    }
}

impl AsymSpec {
    pub(crate) fn describe(&self) -> String {
        let ts = match &self.timestamp {
            TimestampSource::Header { name, .. } => format!("; timestamp in {name}"),
            _ => String::new(),
        };
        format!(
            "{} {} signature of {} in {} (public key){}",
            self.algorithm.name(),
            self.encoding.name(),
            Part::template(&self.content),
            self.signature_header,
            ts
        )
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        super::check_content(&self.content, &self.timestamp, false)?;
        let keys = keys
            .iter()
            .map(|k| parse_public_key(self.algorithm, k))
            .collect::<Result<_, _>>()?;
        Ok(Verifier {
            spec: self.clone(),
            keys,
        })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        super::check_content(&self.content, &self.timestamp, false)?;
        Ok(Signer {
            spec: self.clone(),
            key: parse_private_key(self.algorithm, keys[0]).map_err(|e| {
                ConfigError::InvalidKey(format!("{e} (signing needs the private key)"))
            })?,
        })
    }

    fn message<'f>(&self, fill: &Fill<'f>) -> Cow<'f, [u8]> {
        if let [Part::Body] = self.content.as_ref() {
            return Cow::Borrowed(fill.body);
        }
        let mut m = Vec::with_capacity(fill.body.len() + 64);
        fill.feed(&self.content, |b| m.extend_from_slice(b));
        Cow::Owned(m)
    }
}

/// A ready public-key verifier.
pub struct Verifier {
    spec: AsymSpec,
    keys: Vec<Vec<u8>>,
}

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let spec = &self.spec;
        let header = spec.signature_header.as_ref();
        let value = req.header_str(header)?;
        let mut sig = [0u8; 80];
        let n = spec
            .encoding
            .decode_into(value.as_bytes(), &mut sig)
            .filter(|&n| match spec.algorithm {
                AsymAlgorithm::Ed25519 => n == 64,
                AsymAlgorithm::EcdsaP256 => (8..=72).contains(&n),
            })
            .ok_or_else(|| {
                Rejection::new(
                    Reason::MalformedSignature,
                    format!("{header}: not a {} signature", spec.encoding.name()),
                )
            })?;
        let ts = read_timestamp(&spec.timestamp, req, None)?;
        let fill = Fill {
            body: req.body,
            timestamp: ts.as_ref().map(|t| t.0.as_ref()).unwrap_or(""),
            url: req.url,
            method: req.method,
            id: "",
        };
        let joined = spec.message(&fill);
        let msg: &[u8] = &joined;
        let alg: &dyn ring::signature::VerificationAlgorithm = match spec.algorithm {
            AsymAlgorithm::Ed25519 => &ED25519,
            AsymAlgorithm::EcdsaP256 => &ECDSA_P256_SHA256_ASN1,
        };
        let ok = self.keys.iter().any(|k| {
            UnparsedPublicKey::new(alg, k)
                .verify(msg, &sig[..n])
                .is_ok()
        });
        if !ok {
            return Err(Rejection::new(
                Reason::SignatureMismatch,
                "signature does not verify under any configured public key",
            ));
        }
        // ECDSA signatures are randomised and malleable, so the replay key is a
        // digest of the signed content, not of the signature.
        let digest = ring::digest::digest(&ring::digest::SHA256, msg);
        Ok(Evidence {
            id: None,
            timestamp: ts.map(|t| t.1),
            expires_at: None,
            fingerprint: Some(super::fingerprint(digest.as_ref())),
        })
    }
}

/// A ready public-key signer.
pub struct Signer {
    spec: AsymSpec,
    key: PrivateKey,
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        let spec = &self.spec;
        let ts = write_timestamp(&spec.timestamp, msg.timestamp);
        let fill = Fill {
            body: msg.body,
            timestamp: ts.as_ref().map(|t| t.1.as_str()).unwrap_or(""),
            id: msg.id,
            url: msg.url,
            method: msg.method,
        };
        let m = spec.message(&fill);
        let sig = match &self.key {
            PrivateKey::Ed25519(k) => k.sign(&m).as_ref().to_vec(),
            PrivateKey::P256(k) => k
                .sign(&ring::rand::SystemRandom::new(), &m)
                .map_err(|_| SignError::Key("ECDSA signing failed".into()))?
                .as_ref()
                .to_vec(),
        };
        let mut headers = Vec::with_capacity(2);
        if let Some((Some(name), t)) = ts {
            headers.push((name.to_string(), t));
        }
        headers.push((
            spec.signature_header.to_string(),
            spec.encoding.encode(&sig),
        ));
        Ok(headers)
    }
}
