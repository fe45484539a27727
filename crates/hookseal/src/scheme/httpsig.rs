//! HTTP Message Signatures (RFC 9421), with Digest Fields (RFC 9530).
//!
//! A signer lists the message components it covers in `Signature-Input`
//! (`sig1=("@method" "@target-uri" "content-digest");created=…;keyid=…`),
//! builds the *signature base* from them (one `"name": value` line per
//! component, then the `@signature-params` line) and puts the signature in
//! `Signature` (`sig1=:base64:`). The body is bound through the
//! `Content-Digest` field when that is covered.
//!
//! Verification here is policy-driven: a signature is accepted only if it
//! covers every component the policy requires, names the configured
//! algorithm (when it names one), key id and tag (when configured), and
//! carries `created` (held to the tolerance window by the [`Policy`]) —
//! a signature is what its covered components say it is, so these checks
//! decide what an accepted request proves.
//!
//! Algorithms: `hmac-sha256`, `ed25519`, `ecdsa-p256-sha256` (r‖s, 64
//! bytes), `rsa-pss-sha512` and `rsa-v1_5-sha256`.
//!
//! [`Policy`]: crate::Policy

use std::borrow::Cow;

use ring::signature::{self as rsig, KeyPair as _, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use super::Evidence;
use crate::codec::{pem_decode, spki_decode, SpkiAlg, B64, B64URL_LENIENT, B64_LENIENT};
use crate::error::{malformed_header, ConfigError, Reason, Rejection, SignError};
use crate::request::{Headers, Outgoing, Request};
use crate::sfv::{self, BareItem, Member, Params};
use base64::Engine as _;

type Text = Cow<'static, str>;

/// Most signatures looked at in one request.
const MAX_SIGNATURES: usize = 8;

/// An RFC 9421 algorithm (the HTTP Signature Algorithms registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HttpSigAlg {
    /// `hmac-sha256`: a shared secret (given base64, as RFC 9421's test key).
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    /// `ed25519`.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// `ecdsa-p256-sha256`: the signature is r‖s (64 bytes), not DER.
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
    /// `rsa-pss-sha512`.
    #[serde(rename = "rsa-pss-sha512")]
    RsaPssSha512,
    /// `rsa-v1_5-sha256`.
    #[serde(rename = "rsa-v1_5-sha256")]
    RsaV15Sha256,
}

impl HttpSigAlg {
    /// Every algorithm.
    pub const ALL: &'static [HttpSigAlg] = &[
        HttpSigAlg::HmacSha256,
        HttpSigAlg::Ed25519,
        HttpSigAlg::EcdsaP256Sha256,
        HttpSigAlg::RsaPssSha512,
        HttpSigAlg::RsaV15Sha256,
    ];

    /// The registry name, as the `alg` parameter writes it.
    pub fn name(self) -> &'static str {
        match self {
            HttpSigAlg::HmacSha256 => "hmac-sha256",
            HttpSigAlg::Ed25519 => "ed25519",
            HttpSigAlg::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            HttpSigAlg::RsaPssSha512 => "rsa-pss-sha512",
            HttpSigAlg::RsaV15Sha256 => "rsa-v1_5-sha256",
        }
    }

    /// Parses a registry name.
    pub fn parse(s: &str) -> Option<HttpSigAlg> {
        HttpSigAlg::ALL.iter().copied().find(|a| a.name() == s)
    }

    /// Whether verification keys are public keys.
    pub fn is_asymmetric(self) -> bool {
        self != HttpSigAlg::HmacSha256
    }
}

/// The digest algorithm of `Content-Digest` when signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DigestAlg {
    /// `sha-256`.
    #[serde(rename = "sha-256")]
    #[default]
    Sha256,
    /// `sha-512`.
    #[serde(rename = "sha-512")]
    Sha512,
}

impl DigestAlg {
    fn key(self) -> &'static str {
        match self {
            DigestAlg::Sha256 => "sha-256",
            DigestAlg::Sha512 => "sha-512",
        }
    }
    fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            DigestAlg::Sha256 => &ring::digest::SHA256,
            DigestAlg::Sha512 => &ring::digest::SHA512,
        }
    }
}

/// `Content-Digest` for a body (RFC 9530), e.g. `sha-256=:…:`.
pub fn content_digest(alg: DigestAlg, body: &[u8]) -> String {
    let d = ring::digest::digest(alg.ring(), body);
    format!("{}=:{}:", alg.key(), B64.encode(d.as_ref()))
}

/// Checks a `Content-Digest` value against the body: every entry with an
/// algorithm hookseal knows (sha-256, sha-512) must match, and at least one
/// must be there.
pub fn check_content_digest(value: &str, body: &[u8]) -> Result<(), Rejection> {
    let dict = sfv::parse_dictionary(value)
        .map_err(|e| malformed_header("content-digest", &e.to_string()))?;
    let mut known = 0;
    for (k, m) in &dict {
        let alg = match k.as_str() {
            "sha-256" => DigestAlg::Sha256,
            "sha-512" => DigestAlg::Sha512,
            _ => continue,
        };
        let Member::Item(BareItem::Bytes(want), _) = m else {
            return Err(malformed_header(
                "content-digest",
                "a digest is a byte sequence",
            ));
        };
        known += 1;
        let got = ring::digest::digest(alg.ring(), body);
        if !crate::secret::ct_eq(got.as_ref(), want) {
            return Err(Rejection::new(
                Reason::BodyHashMismatch,
                format!("content-digest {k} does not match the body"),
            ));
        }
    }
    if known == 0 {
        return Err(malformed_header(
            "content-digest",
            "no sha-256 or sha-512 digest",
        ));
    }
    Ok(())
}

/// An HTTP message as RFC 9421 sees it: a request (method and target URI)
/// or a response (status), its header fields and body.
#[derive(Clone, Copy)]
pub struct Message<'a> {
    /// The request method (requests).
    pub method: Option<&'a str>,
    /// The request's target URI, absolute (requests).
    pub target_uri: Option<&'a str>,
    /// The response status (responses).
    pub status: Option<u16>,
    /// Header fields.
    pub headers: &'a dyn Headers,
}

/// A covered component: a name (`@method`, `content-type`) and its
/// parameters (`req`, `sf`, `key`, `bs`, `name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The name: a derived component (`@…`) or a lowercase field name.
    pub name: String,
    /// Its parameters.
    pub params: Params,
}

impl Component {
    /// Parses `@method`, `content-digest`, or a serialised identifier such
    /// as `"@query-param";name="Pet"` / `"example-dict";key="a"`.
    pub fn parse(text: &str) -> Result<Component, ConfigError> {
        let text = text.trim();
        if text.starts_with('"') {
            match sfv::parse_item(text) {
                Ok((BareItem::String(name), params)) => Ok(Component { name, params }),
                _ => Err(ConfigError::Invalid(format!(
                    "component {text:?} is not a quoted name with parameters"
                ))),
            }
        } else if !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"@-_.".contains(&b))
        {
            Ok(Component {
                name: text.to_ascii_lowercase(),
                params: Vec::new(),
            })
        } else {
            Err(ConfigError::Invalid(format!(
                "component {text:?}: a name like @method or content-digest"
            )))
        }
    }

    fn identifier(&self) -> String {
        let mut s = String::new();
        sfv::write_bare(&mut s, &BareItem::String(self.name.clone()));
        sfv::write_params(&mut s, &self.params);
        s
    }

    fn param(&self, k: &str) -> Option<&BareItem> {
        self.params.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
}

fn fail(why: impl Into<Cow<'static, str>>) -> Rejection {
    Rejection::new(Reason::MalformedHeader, why)
}

struct Uri<'a> {
    scheme: &'a str,
    authority: String,
    path: &'a str,
    query: Option<&'a str>,
}

fn parse_uri(uri: &str) -> Option<Uri<'_>> {
    let (scheme, rest) = uri.split_once("://")?;
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(end);
    let auth = auth.rsplit('@').next().unwrap_or("");
    if auth.is_empty() {
        return None;
    }
    let scheme_l = scheme.to_ascii_lowercase();
    let mut authority = auth.to_ascii_lowercase();
    for (s, port) in [("http", ":80"), ("https", ":443")] {
        if scheme_l == s && authority.ends_with(port) {
            authority.truncate(authority.len() - port.len());
        }
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    Some(Uri {
        scheme,
        authority,
        path,
        query,
    })
}

/// Percent-encodes per RFC 9421 §2.2.8 (after form decoding): everything but
/// unreserved characters.
fn pct(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hexval(b[i + 1]), hexval(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hexval(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// The value of one component in `msg` (RFC 9421 §2.1, §2.2).
pub fn component_value(msg: &Message<'_>, c: &Component) -> Result<String, Rejection> {
    for (k, _) in &c.params {
        let ok = match k.as_str() {
            "sf" | "key" | "bs" => !c.name.starts_with('@'),
            "name" => c.name == "@query-param",
            _ => false,
        };
        if !ok {
            return Err(fail(format!(
                "component {}: parameter {k} is not supported here",
                c.identifier()
            )));
        }
    }
    if let Some(derived) = c.name.strip_prefix('@') {
        if derived == "status" {
            return msg
                .status
                .map(|s| s.to_string())
                .ok_or_else(|| fail("@status names a response's status; this is a request"));
        }
        if derived == "method" {
            return msg
                .method
                .map(str::to_string)
                .ok_or_else(|| fail("@method: not a request"));
        }
        let target = msg
            .target_uri
            .ok_or_else(|| fail(format!("@{derived}: the target URI is not known")))?;
        let uri = parse_uri(target)
            .ok_or_else(|| fail(format!("@{derived}: the target URI is not absolute")))?;
        let path = if uri.path.is_empty() { "/" } else { uri.path };
        return match derived {
            "target-uri" => Ok(target.to_string()),
            "authority" => Ok(uri.authority),
            "scheme" => Ok(uri.scheme.to_ascii_lowercase()),
            "path" => Ok(path.to_string()),
            "query" => Ok(format!("?{}", uri.query.unwrap_or(""))),
            "request-target" => Ok(match uri.query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            }),
            "query-param" => {
                let Some(BareItem::String(want)) = c.param("name") else {
                    return Err(fail("@query-param needs a name parameter"));
                };
                let found: Vec<String> = uri
                    .query
                    .unwrap_or("")
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| {
                        let (n, v) = p.split_once('=').unwrap_or((p, ""));
                        (pct(&form_decode(n)) == *want).then(|| pct(&form_decode(v)))
                    })
                    .collect();
                match found.as_slice() {
                    [one] => Ok(one.clone()),
                    [] => Err(fail(format!("@query-param {want:?}: not in the query"))),
                    _ => Err(fail(format!(
                        "@query-param {want:?}: repeated, so it cannot be signed"
                    ))),
                }
            }
            _ => Err(fail(format!("unknown derived component @{derived}"))),
        };
    }
    let lines = msg.headers.values(&c.name);
    if lines.is_empty() {
        return Err(Rejection::new(
            Reason::MissingHeader,
            format!("{}: header missing", c.name),
        ));
    }
    if lines.iter().map(|l| l.len() + 2).sum::<usize>() > crate::MAX_HEADER_LEN {
        return Err(malformed_header(&c.name, "value too long"));
    }
    if c.param("bs").is_some() {
        let each: Vec<String> = lines
            .iter()
            .map(|l| format!(":{}:", B64.encode(l.trim_ascii())))
            .collect();
        return Ok(each.join(", "));
    }
    let mut joined = String::new();
    for (i, l) in lines.iter().enumerate() {
        let t =
            std::str::from_utf8(l).map_err(|_| malformed_header(&c.name, "value is not UTF-8"))?;
        if i > 0 {
            joined.push_str(", ");
        }
        joined.push_str(t.trim());
    }
    let text = joined.as_str();
    if let Some(key) = c.param("key") {
        let BareItem::String(key) = key else {
            return Err(fail("key parameter must be a string"));
        };
        let dict = sfv::parse_dictionary(text)
            .map_err(|e| malformed_header(&c.name, &format!("not a dictionary: {e}")))?;
        let (_, m) = dict
            .iter()
            .find(|(k, _)| k == key)
            .ok_or_else(|| fail(format!("{}: no key {key:?}", c.name)))?;
        let mut s = String::new();
        sfv::write_member(&mut s, m);
        return Ok(s);
    }
    if c.param("sf").is_some() {
        return match sfv::parse_dictionary(text) {
            Ok(d) => Ok(sfv::write_dictionary(&d)),
            Err(_) => sfv::parse_list(text)
                .map(|l| sfv::write_list(&l))
                .map_err(|e| malformed_header(&c.name, &format!("not a structured field: {e}"))),
        };
    }
    // Obsolete line folding is replaced by a space (§2.1).
    if text.contains(['\r', '\n']) {
        return Ok(text
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "));
    }
    Ok(text.to_string())
}

/// The signature base (RFC 9421 §2.5) for the covered components of an
/// inner list `params` (`("@method" …);created=…`).
pub fn signature_base(msg: &Message<'_>, params: &Member) -> Result<String, Rejection> {
    let Member::InnerList(items, _) = params else {
        return Err(fail("signature parameters are an inner list"));
    };
    let mut base = String::with_capacity(256);
    let mut seen: Vec<String> = Vec::with_capacity(items.len());
    for (item, p) in items {
        let BareItem::String(name) = item else {
            return Err(fail("covered components are strings"));
        };
        let c = Component {
            name: name.clone(),
            params: p.clone(),
        };
        if c.name == "@signature-params" || c.name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(fail(format!("component {name:?} cannot be covered")));
        }
        let id = c.identifier();
        if seen.contains(&id) {
            return Err(fail(format!("component {id} is listed twice")));
        }
        let value = component_value(msg, &c)?;
        base.push_str(&id);
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
        seen.push(id);
    }
    base.push_str("\"@signature-params\": ");
    sfv::write_member(&mut base, params);
    Ok(base)
}

// ---------------------------------------------------------------- keys

enum VerifyKey {
    Hmac(ring::hmac::Key),
    Public(HttpSigAlg, Vec<u8>),
}

enum SignKey {
    Hmac(ring::hmac::Key),
    Ed25519(rsig::Ed25519KeyPair),
    Ecdsa(rsig::EcdsaKeyPair),
    Rsa(HttpSigAlg, rsig::RsaKeyPair),
}

fn hmac_key(text: &str) -> Result<ring::hmac::Key, ConfigError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ConfigError::EmptySecret);
    }
    // A `whsec_` secret (as `hookseal keys generate` makes) is base64 too.
    let t = t.strip_prefix("whsec_").unwrap_or(t);
    let bytes = B64_LENIENT
        .decode(t)
        .or_else(|_| B64URL_LENIENT.decode(t))
        .map_err(|_| {
            ConfigError::InvalidKey(
                "hmac-sha256 keys are given base64 (RFC 9421's test key is)".into(),
            )
        })?;
    if bytes.len() < 16 {
        return Err(ConfigError::InvalidKey(
            "hmac-sha256 key: at least 16 bytes".into(),
        ));
    }
    Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
}

fn der_of(text: &str, want_label: &str, what: &str) -> Result<Vec<u8>, ConfigError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ConfigError::EmptySecret);
    }
    if t.starts_with("-----BEGIN") {
        let (label, der) = pem_decode(t)
            .ok_or_else(|| ConfigError::InvalidKey(format!("{what}: unreadable PEM")))?;
        if label != want_label {
            return Err(ConfigError::InvalidKey(format!(
                "{what}: expected PEM \"{want_label}\", found {label:?}"
            )));
        }
        return Ok(der);
    }
    B64_LENIENT
        .decode(t)
        .map_err(|_| ConfigError::InvalidKey(format!("{what}: expected PEM or base64 DER")))
}

fn public_key(alg: HttpSigAlg, text: &str) -> Result<VerifyKey, ConfigError> {
    let what = format!("{} public key", alg.name());
    let bad = |why: &str| ConfigError::InvalidKey(format!("{what}: {why}"));
    match alg {
        HttpSigAlg::HmacSha256 => Ok(VerifyKey::Hmac(hmac_key(text)?)),
        HttpSigAlg::Ed25519 => Ok(VerifyKey::Public(
            alg,
            super::asym::parse_public_key(super::asym::AsymAlgorithm::Ed25519, text)?,
        )),
        HttpSigAlg::EcdsaP256Sha256 => Ok(VerifyKey::Public(
            alg,
            super::asym::parse_public_key(super::asym::AsymAlgorithm::EcdsaP256, text)?,
        )),
        HttpSigAlg::RsaPssSha512 | HttpSigAlg::RsaV15Sha256 => {
            let t = text.trim();
            if t.starts_with("-----BEGIN RSA PUBLIC KEY") {
                let (_, der) = pem_decode(t).ok_or_else(|| bad("unreadable PEM"))?;
                return Ok(VerifyKey::Public(alg, der));
            }
            let der = der_of(t, "PUBLIC KEY", &what)?;
            match spki_decode(&der) {
                Some((SpkiAlg::Rsa, key)) => Ok(VerifyKey::Public(alg, key)),
                Some(_) => Err(bad("the key is not an RSA key")),
                None => Err(bad("not a SubjectPublicKeyInfo")),
            }
        }
    }
}

fn private_key(alg: HttpSigAlg, text: &str) -> Result<SignKey, ConfigError> {
    let what = format!("{} private key", alg.name());
    let bad = |why: &str| ConfigError::InvalidKey(format!("{what}: {why}"));
    match alg {
        HttpSigAlg::HmacSha256 => Ok(SignKey::Hmac(hmac_key(text)?)),
        HttpSigAlg::Ed25519 => {
            match super::asym::parse_private_key(super::asym::AsymAlgorithm::Ed25519, text)? {
                super::asym::PrivateKey::Ed25519(k) => Ok(SignKey::Ed25519(k)),
                super::asym::PrivateKey::P256(_) => Err(bad("not an Ed25519 key")),
            }
        }
        HttpSigAlg::EcdsaP256Sha256 => {
            let der = der_of(text, "PRIVATE KEY", &what)?;
            rsig::EcdsaKeyPair::from_pkcs8(
                &rsig::ECDSA_P256_SHA256_FIXED_SIGNING,
                &der,
                &ring::rand::SystemRandom::new(),
            )
            .map(SignKey::Ecdsa)
            .map_err(|_| bad("not a P-256 PKCS#8 key"))
        }
        HttpSigAlg::RsaPssSha512 | HttpSigAlg::RsaV15Sha256 => {
            let t = text.trim();
            let key = if t.starts_with("-----BEGIN RSA PRIVATE KEY") {
                let (_, der) = pem_decode(t).ok_or_else(|| bad("unreadable PEM"))?;
                rsig::RsaKeyPair::from_der(&der)
            } else {
                let der = der_of(t, "PRIVATE KEY", &what)?;
                // PKCS#8 with rsaEncryption, or with id-RSASSA-PSS (RFC 9421's
                // test key), whose inner key is the same PKCS#1 structure.
                rsig::RsaKeyPair::from_pkcs8(&der).or_else(|e| {
                    match crate::codec::pkcs8_inner(&der) {
                        Some(inner) => rsig::RsaKeyPair::from_der(inner),
                        None => Err(e),
                    }
                })
            };
            key.map(|k| SignKey::Rsa(alg, k))
                .map_err(|e| bad(&format!("not an RSA private key ({e})")))
        }
    }
}

impl VerifyKey {
    fn verify(&self, base: &[u8], sig: &[u8]) -> bool {
        match self {
            VerifyKey::Hmac(k) => ring::hmac::verify(k, base, sig).is_ok(),
            VerifyKey::Public(alg, key) => {
                let a: &dyn rsig::VerificationAlgorithm = match alg {
                    HttpSigAlg::Ed25519 => &rsig::ED25519,
                    HttpSigAlg::EcdsaP256Sha256 => &rsig::ECDSA_P256_SHA256_FIXED,
                    HttpSigAlg::RsaPssSha512 => &rsig::RSA_PSS_2048_8192_SHA512,
                    HttpSigAlg::RsaV15Sha256 => &rsig::RSA_PKCS1_2048_8192_SHA256,
                    HttpSigAlg::HmacSha256 => return false,
                };
                UnparsedPublicKey::new(a, key).verify(base, sig).is_ok()
            }
        }
    }
}

impl SignKey {
    fn sign(&self, base: &[u8]) -> Result<Vec<u8>, SignError> {
        let rng = ring::rand::SystemRandom::new();
        Ok(match self {
            SignKey::Hmac(k) => ring::hmac::sign(k, base).as_ref().to_vec(),
            SignKey::Ed25519(k) => k.sign(base).as_ref().to_vec(),
            SignKey::Ecdsa(k) => k
                .sign(&rng, base)
                .map_err(|_| SignError::Key("ECDSA signing failed".into()))?
                .as_ref()
                .to_vec(),
            SignKey::Rsa(alg, k) => {
                let pad: &dyn rsig::RsaEncoding = match alg {
                    HttpSigAlg::RsaPssSha512 => &rsig::RSA_PSS_SHA512,
                    _ => &rsig::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(pad, &rng, base, &mut sig)
                    .map_err(|_| SignError::Key("RSA signing failed".into()))?;
                sig
            }
        })
    }

    /// The public key to publish, as raw bytes (Ed25519: 32; P-256: the
    /// uncompressed point), for JWKS; `None` for HMAC and RSA.
    fn public_raw(&self) -> Option<Vec<u8>> {
        match self {
            SignKey::Ed25519(k) => Some(k.public_key().as_ref().to_vec()),
            SignKey::Ecdsa(k) => Some(k.public_key().as_ref().to_vec()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- the scheme

/// An RFC 9421 scheme: the algorithm and what every signature must cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSigSpec {
    /// The algorithm keys are for.
    pub algorithm: HttpSigAlg,
    /// Components every accepted signature covers, and the signer covers:
    /// `@method`, `@target-uri`, `@authority`, `@path`, `@query`,
    /// `content-digest`, `content-type`, or serialised identifiers such as
    /// `"@query-param";name="id"`. `content-digest` binds the body.
    pub components: Cow<'static, [Text]>,
    /// The label the signer writes (`sig1`); verification accepts any label
    /// whose signature satisfies the policy.
    pub label: Text,
    /// When set: the signer writes this `keyid`, and only signatures naming
    /// it are accepted.
    pub keyid: Option<Text>,
    /// When set: the signer writes this `tag`, and only signatures with it
    /// are accepted (an application's signatures, not another's).
    pub tag: Option<Text>,
    /// The digest the signer writes in `Content-Digest`.
    #[serde(default)]
    pub digest: DigestAlg,
}

/// The default covered components: method, target URI and body digest.
pub const DEFAULT_COMPONENTS: &[Text] = &[
    Cow::Borrowed("@method"),
    Cow::Borrowed("@target-uri"),
    Cow::Borrowed("content-digest"),
];

impl HttpSigSpec {
    /// A spec covering the defaults, labelled `sig1`.
    pub fn new(algorithm: HttpSigAlg) -> Self {
        HttpSigSpec {
            algorithm,
            components: Cow::Borrowed(DEFAULT_COMPONENTS),
            label: Cow::Borrowed("sig1"),
            keyid: None,
            tag: None,
            digest: DigestAlg::Sha256,
        }
    }

    fn parsed(&self) -> Result<Vec<Component>, ConfigError> {
        if self.components.is_empty() {
            return Err(ConfigError::Invalid(
                "an HTTP message signature must cover at least one component".into(),
            ));
        }
        if !self
            .label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.*".contains(&b))
            || !self
                .label
                .starts_with(|c: char| c.is_ascii_lowercase() || c == '*')
        {
            return Err(ConfigError::Invalid(format!(
                "signature label {:?}: lowercase letters, digits, _ - . *",
                self.label
            )));
        }
        self.components
            .iter()
            .map(|c| Component::parse(c))
            .collect()
    }

    /// Whether the covered components bind the body.
    pub fn binds_body(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.eq_ignore_ascii_case("content-digest"))
    }

    pub(crate) fn describe(&self) -> String {
        format!(
            "RFC 9421 HTTP message signature ({}) in Signature/Signature-Input covering {}{}",
            self.algorithm.name(),
            self.components.join(" "),
            if self.binds_body() {
                "; body bound by Content-Digest"
            } else {
                "; the body is NOT covered"
            }
        )
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        let required = self.parsed()?;
        let keys = keys
            .iter()
            .map(|k| public_key(self.algorithm, k))
            .collect::<Result<_, _>>()?;
        Ok(Verifier {
            spec: self.clone(),
            required,
            keys,
        })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        let covered = self.parsed()?;
        for c in &covered {
            let derived = c.name.starts_with('@') && c.name != "@status";
            if !(derived || c.name == "content-digest") {
                return Err(ConfigError::Invalid(format!(
                    "a sender can cover derived components and content-digest; {} is a header it does not write",
                    c.identifier()
                )));
            }
        }
        Ok(Signer {
            spec: self.clone(),
            covered,
            key: private_key(self.algorithm, keys[0]).map_err(|e| {
                ConfigError::InvalidKey(format!("{e} (signing needs the private key)"))
            })?,
        })
    }

    /// The public key of a signing key, raw (for a JWKS); `None` for HMAC and RSA.
    pub fn public_key_of(&self, private: &str) -> Result<Option<Vec<u8>>, ConfigError> {
        Ok(private_key(self.algorithm, private)?.public_raw())
    }
}

/// A dictionary field, its lines joined (signatures may come in several).
fn dictionary(req: &Request<'_>, name: &str) -> Result<sfv::Dictionary, Rejection> {
    let lines = req.headers.values(name);
    if lines.is_empty() {
        return Err(crate::error::missing(name));
    }
    let mut joined = String::new();
    for l in lines {
        if joined.len() + l.len() > crate::MAX_HEADER_LEN {
            return Err(malformed_header(name, "value too long"));
        }
        let t = std::str::from_utf8(l).map_err(|_| malformed_header(name, "value is not UTF-8"))?;
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(t.trim());
    }
    sfv::parse_dictionary(&joined).map_err(|e| malformed_header(name, &e.to_string()))
}

/// A ready RFC 9421 verifier.
pub struct Verifier {
    spec: HttpSigSpec,
    required: Vec<Component>,
    keys: Vec<VerifyKey>,
}

fn param<'p>(p: &'p Params, k: &str) -> Option<&'p BareItem> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let input = dictionary(req, "signature-input")?;
        let sigs = dictionary(req, "signature")?;
        let msg = Message {
            method: Some(req.method),
            target_uri: (!req.url.is_empty()).then_some(req.url),
            status: None,
            headers: req.headers,
        };
        let mut why: Option<Rejection> = None;
        for (label, params) in input.iter().take(MAX_SIGNATURES) {
            match self.check_one(&msg, req.body, label, params, &sigs) {
                Ok(ev) => return Ok(ev),
                Err(r) => {
                    // Keep the most telling reason: a mismatch over a policy miss.
                    if why
                        .as_ref()
                        .is_none_or(|w| w.reason() != Reason::SignatureMismatch)
                    {
                        why = Some(r);
                    }
                }
            }
        }
        Err(why.unwrap_or_else(|| {
            Rejection::new(Reason::MissingHeader, "signature-input names no signature")
        }))
    }

    fn check_one<'a>(
        &self,
        msg: &Message<'_>,
        body: &[u8],
        label: &str,
        params: &Member,
        sigs: &sfv::Dictionary,
    ) -> Result<Evidence<'a>, Rejection> {
        let Member::InnerList(items, p) = params else {
            return Err(malformed_header(
                "signature-input",
                "a member is not an inner list",
            ));
        };
        let sig = match sigs.iter().find(|(k, _)| k == label) {
            Some((_, Member::Item(BareItem::Bytes(b), _))) => b,
            Some(_) => {
                return Err(Rejection::new(
                    Reason::MalformedSignature,
                    format!("signature {label}: not a byte sequence"),
                ))
            }
            None => {
                return Err(Rejection::new(
                    Reason::MissingHeader,
                    format!("signature {label}: in Signature-Input but not in Signature"),
                ))
            }
        };
        // Policy first: what the signature covers and says of itself.
        let covered: Vec<Component> = items
            .iter()
            .filter_map(|(it, ip)| match it {
                BareItem::String(n) => Some(Component {
                    name: n.clone(),
                    params: ip.clone(),
                }),
                _ => None,
            })
            .collect();
        for r in &self.required {
            if !covered.contains(r) {
                return Err(Rejection::new(
                    Reason::SignatureMismatch,
                    format!("signature {label} does not cover {}", r.identifier()),
                ));
            }
        }
        if let Some(a) = param(p, "alg") {
            if *a != BareItem::String(self.spec.algorithm.name().into()) {
                return Err(Rejection::new(
                    Reason::AlgorithmNotAllowed,
                    format!(
                        "signature {label}: alg is not {}",
                        self.spec.algorithm.name()
                    ),
                ));
            }
        }
        for (k, want) in [("keyid", &self.spec.keyid), ("tag", &self.spec.tag)] {
            if let Some(want) = want {
                if param(p, k) != Some(&BareItem::String(want.to_string())) {
                    return Err(Rejection::new(
                        Reason::SignatureMismatch,
                        format!("signature {label}: {k} is not {want:?}"),
                    ));
                }
            }
        }
        let created = match param(p, "created") {
            Some(BareItem::Integer(t)) => *t,
            Some(_) => {
                return Err(malformed_header(
                    "signature-input",
                    "created is not an integer",
                ))
            }
            None => {
                return Err(Rejection::new(
                    Reason::MissingHeader,
                    format!("signature {label} has no created time"),
                ))
            }
        };
        let expires = match param(p, "expires") {
            Some(BareItem::Integer(t)) => Some(*t),
            Some(_) => {
                return Err(malformed_header(
                    "signature-input",
                    "expires is not an integer",
                ))
            }
            None => None,
        };
        let base = signature_base(msg, params)?;
        if !self.keys.iter().any(|k| k.verify(base.as_bytes(), sig)) {
            return Err(Rejection::new(
                Reason::SignatureMismatch,
                format!("signature {label} does not verify under any configured key"),
            ));
        }
        if covered
            .iter()
            .any(|c| c.name == "content-digest" && c.params.is_empty())
        {
            let v = msg
                .headers
                .get("content-digest")
                .and_then(|v| std::str::from_utf8(v).ok())
                .unwrap_or("");
            check_content_digest(v, body)?;
        }
        let nonce = match param(p, "nonce") {
            Some(BareItem::String(n)) if !n.is_empty() => Some(Cow::Owned(n.clone())),
            _ => None,
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, base.as_bytes());
        Ok(Evidence {
            id: nonce,
            timestamp: Some(created),
            expires_at: expires,
            fingerprint: Some(super::fingerprint(digest.as_ref())),
        })
    }
}

/// A ready RFC 9421 signer.
pub struct Signer {
    spec: HttpSigSpec,
    covered: Vec<Component>,
    key: SignKey,
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        let mut headers: Vec<(String, String)> = Vec::with_capacity(3);
        if self.covered.iter().any(|c| c.name == "content-digest") {
            headers.push((
                "Content-Digest".into(),
                content_digest(self.spec.digest, msg.body),
            ));
        }
        let mut params: Params = vec![("created".into(), BareItem::Integer(msg.timestamp))];
        match &self.spec.keyid {
            Some(k) => params.push(("keyid".into(), BareItem::String(k.to_string()))),
            None => params.push((
                "alg".into(),
                BareItem::String(self.spec.algorithm.name().into()),
            )),
        }
        if !msg.id.is_empty() && msg.id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            params.push(("nonce".into(), BareItem::String(msg.id.into())));
        }
        if let Some(t) = &self.spec.tag {
            params.push(("tag".into(), BareItem::String(t.to_string())));
        }
        let inner = Member::InnerList(
            self.covered
                .iter()
                .map(|c| (BareItem::String(c.name.clone()), c.params.clone()))
                .collect(),
            params,
        );
        let view: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let m = Message {
            method: Some(msg.method),
            target_uri: Some(msg.url),
            status: None,
            headers: &view,
        };
        let base = signature_base(&m, &inner).map_err(|r| SignError::Key(r.to_string()))?;
        let sig = self.key.sign(base.as_bytes())?;
        let mut input = self.spec.label.to_string();
        input.push('=');
        sfv::write_member(&mut input, &inner);
        headers.push(("Signature-Input".into(), input));
        headers.push((
            "Signature".into(),
            format!("{}=:{}:", self.spec.label, B64.encode(sig)),
        ));
        Ok(headers)
    }
}

/// Signs any message with a given key and parameters, as RFC 9421's
/// examples do: returns (`Signature-Input` member value, signature bytes).
/// `params` is the inner list with its parameters, e.g.
/// `("@method" "content-digest");created=1618884473;keyid="k"`.
pub fn sign_message(
    alg: HttpSigAlg,
    private_key: &str,
    msg: &Message<'_>,
    params: &str,
) -> Result<(String, Vec<u8>), Rejection> {
    let inner = sfv::parse_inner_list(params).map_err(|e| fail(e.to_string()))?;
    let key = private_key_for(alg, private_key)?;
    let base = signature_base(msg, &inner)?;
    let sig = key.sign(base.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let mut out = String::new();
    sfv::write_member(&mut out, &inner);
    Ok((out, sig))
}

fn private_key_for(alg: HttpSigAlg, text: &str) -> Result<SignKey, Rejection> {
    private_key(alg, text).map_err(|e| fail(e.to_string()))
}

/// Verifies the signature `label` of any message (request or response)
/// against one public key or shared secret, with no policy beyond the
/// signature itself: for tests and tools. Returns the signature base.
pub fn verify_message(
    alg: HttpSigAlg,
    key: &str,
    msg: &Message<'_>,
    label: &str,
) -> Result<String, Rejection> {
    let get = |n: &str| {
        msg.headers
            .get(n)
            .and_then(|v| std::str::from_utf8(v).ok())
            .ok_or_else(|| Rejection::new(Reason::MissingHeader, format!("{n} missing")))
    };
    let input = sfv::parse_dictionary(get("signature-input")?).map_err(|e| fail(e.to_string()))?;
    let sigs = sfv::parse_dictionary(get("signature")?).map_err(|e| fail(e.to_string()))?;
    let params = input
        .iter()
        .find(|(k, _)| k == label)
        .map(|(_, m)| m)
        .ok_or_else(|| Rejection::new(Reason::MissingHeader, format!("no signature {label}")))?;
    let Some((_, Member::Item(BareItem::Bytes(sig), _))) = sigs.iter().find(|(k, _)| k == label)
    else {
        return Err(Rejection::new(
            Reason::MissingHeader,
            format!("no signature {label}"),
        ));
    };
    let base = signature_base(msg, params)?;
    let key = public_key(alg, key).map_err(|e| fail(e.to_string()))?;
    if key.verify(base.as_bytes(), sig) {
        Ok(base)
    } else {
        Err(Rejection::new(
            Reason::SignatureMismatch,
            "signature does not verify",
        ))
    }
}
