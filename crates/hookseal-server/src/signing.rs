//! How deliveries to an endpoint are signed: the scheme an endpoint chooses,
//! the library scheme it maps to (the same code `hookseal sign` runs, so the
//! CLI and the server agree byte for byte), the secrets it takes — generated,
//! or chosen by the provider and checked — and what a rotation does.
//!
//! Schemes:
//! - `standard_webhooks` (the default): `webhook-id`, `webhook-timestamp`,
//!   `webhook-signature: v1,<base64>`; `whsec_` secrets.
//! - `standard_webhooks_ed25519`: the same headers, `v1a` signatures.
//! - `hmac`: an HMAC of the body (or of `id.timestamp.body`) in a header you
//!   name, SHA-256/512 (or SHA-1 for old receivers), hex or base64, with an
//!   optional prefix (`sha256=`; a version label such as `v1,` makes it a
//!   list that can carry several signatures). With an id and a timestamp
//!   header (`webhook-id`, `webhook-timestamp` unless renamed or turned off).
//! - `provider`: any preset the library verifies (`orange-logic`, `github`,
//!   `stripe`, `shopify`…), signed exactly as that provider signs.
//! - `jwt`: a short-lived HS256 token in `Authorization: Bearer`, with `jti`
//!   (the message id) and a `body_sha256` claim.
//! - `http_signature`: RFC 9421 HTTP Message Signatures (hmac-sha256,
//!   ed25519, ecdsa-p256-sha256) over the method, the target URI and the
//!   body's RFC 9530 `Content-Digest`.
//!
//! Rotation: a scheme whose header can carry several signatures (Standard
//! Webhooks, `v1,` lists, Stripe-style pairs) signs with the old and the new
//! secret during the grace period; one that cannot keeps signing with the old
//! secret until the grace period ends, then with the new one only — the
//! rotate answer says which.

use std::borrow::Cow;

use hookseal::scheme::hmac::{HmacSpec, SignatureFormat};
use hookseal::scheme::jwt::{JwtAlg, JwtSpec};
use hookseal::scheme::TimestampSource;
use hookseal::time::TimeFormat;
use hookseal::{Algorithm, Encoding, Part, SchemeSpec, SecretForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How deliveries to an endpoint are signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SigningScheme {
    /// Standard Webhooks `v1` (HMAC-SHA256, `whsec_` secret). The default.
    #[default]
    StandardWebhooks,
    /// Standard Webhooks `v1a` (Ed25519): the endpoint holds `whsk_`, receivers `whpk_`.
    StandardWebhooksEd25519,
    /// An HMAC in a header of your naming (Jodo, Joy Loyalty, Orange Logic shapes).
    Hmac(HmacScheme),
    /// A provider preset, signed as that provider signs (`hookseal providers`).
    Provider(ProviderScheme),
    /// A short-lived HS256 JWT in `Authorization: Bearer` (Flatfile's example).
    Jwt {
        /// Token lifetime in seconds (10-3600).
        #[serde(
            default = "default_jwt_lifetime",
            deserialize_with = "crate::whole::int"
        )]
        #[schema(minimum = 10, maximum = 3600)]
        lifetime_secs: i64,
    },
    /// RFC 9421 HTTP Message Signatures: `Signature-Input` and `Signature`
    /// covering `@method`, `@target-uri` and `content-digest` (RFC 9530
    /// `Content-Digest` binds the body), `created` the attempt's time and
    /// `nonce` the message id.
    HttpSignature(HttpSignatureScheme),
    /// Deprecated: `hmac` with `algorithm: sha256, encoding: hex`. Accepted and
    /// stored as `hmac`.
    HmacSha256Hex {
        /// The header, e.g. `X-Jodo-Signature`.
        #[schema(schema_with = crate::schema::signature_header)]
        header: String,
    },
    /// Deprecated: `hmac` with `algorithm: sha512, encoding: base64`. Accepted
    /// and stored as `hmac`.
    HmacSha512Base64 {
        /// The header, e.g. `x-ol-signature`.
        #[schema(schema_with = crate::schema::signature_header)]
        header: String,
    },
}

/// RFC 9421 signing options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpSignatureScheme {
    /// The algorithm: a shared secret (hmac-sha256) or a key pair whose
    /// public half receivers hold (ed25519, ecdsa-p256-sha256).
    #[serde(default)]
    pub algorithm: HttpSignatureAlgorithm,
    /// The `keyid` parameter written, e.g. the provider's name for the key.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128, pattern = "^[ -~]+$")]
    pub keyid: Option<String>,
    /// The `tag` parameter written (RFC 9421 §2.3), e.g. your product's name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128, pattern = "^[ -~]+$")]
    pub tag: Option<String>,
}

/// An RFC 9421 algorithm the server signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
pub enum HttpSignatureAlgorithm {
    #[default]
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
}

impl HttpSignatureScheme {
    fn spec(&self) -> hookseal::scheme::httpsig::HttpSigSpec {
        use hookseal::scheme::httpsig::{HttpSigAlg, HttpSigSpec};
        let alg = match self.algorithm {
            HttpSignatureAlgorithm::HmacSha256 => HttpSigAlg::HmacSha256,
            HttpSignatureAlgorithm::Ed25519 => HttpSigAlg::Ed25519,
            HttpSignatureAlgorithm::EcdsaP256Sha256 => HttpSigAlg::EcdsaP256Sha256,
        };
        HttpSigSpec {
            keyid: self.keyid.clone().map(Cow::Owned),
            tag: self.tag.clone().map(Cow::Owned),
            ..HttpSigSpec::new(alg)
        }
    }
}

fn default_jwt_lifetime() -> i64 {
    300
}

/// An HMAC in a named header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HmacScheme {
    /// The signature header, e.g. `X-Joy-Loyalty-Hmac-Sha256`.
    #[schema(schema_with = crate::schema::signature_header)]
    pub header: String,
    /// The hash.
    #[serde(default)]
    pub algorithm: HmacAlgorithm,
    /// How the signature is written.
    #[serde(default)]
    pub encoding: SignatureEncoding,
    /// Written before the signature: `sha256=` (GitHub style), or a version
    /// label with a comma (`v1,`, Orange Logic and Standard Webhooks style),
    /// which makes the header a space-separated list that can carry several
    /// signatures.
    #[serde(default)]
    #[schema(max_length = 32, pattern = r"^[^\x00-\x20\x7f-\x9f]*$")]
    pub prefix: String,
    /// What is signed.
    #[serde(default)]
    pub signed: SignedContent,
    /// The header carrying the message id (the same on every attempt), or
    /// null for none.
    #[serde(default = "default_id_header")]
    #[schema(schema_with = crate::schema::extra_header)]
    pub id_header: Option<String>,
    /// The header carrying the Unix time of the attempt, or null for none.
    #[serde(default = "default_timestamp_header")]
    #[schema(schema_with = crate::schema::extra_header)]
    pub timestamp_header: Option<String>,
}

/// A provider preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderScheme {
    /// The preset's name, e.g. `orange-logic`, `github`, `stripe`.
    #[schema(schema_with = crate::schema::provider)]
    pub provider: String,
    /// The hash, where the provider lets the sender choose (`orange-logic`: `sha512`).
    #[serde(default)]
    pub algorithm: Option<HmacAlgorithm>,
    /// An id header sent beside the provider's own headers, or null.
    #[serde(default = "default_id_header")]
    #[schema(schema_with = crate::schema::extra_header)]
    pub id_header: Option<String>,
    /// A timestamp header sent beside the provider's own headers, or null.
    #[serde(default = "default_timestamp_header")]
    #[schema(schema_with = crate::schema::extra_header)]
    pub timestamp_header: Option<String>,
}

fn default_id_header() -> Option<String> {
    Some("webhook-id".into())
}
fn default_timestamp_header() -> Option<String> {
    Some("webhook-timestamp".into())
}

/// An HMAC hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HmacAlgorithm {
    #[default]
    Sha256,
    Sha512,
    /// For receivers that know nothing newer.
    Sha1,
}

impl HmacAlgorithm {
    fn library(self) -> Algorithm {
        match self {
            HmacAlgorithm::Sha256 => Algorithm::Sha256,
            HmacAlgorithm::Sha512 => Algorithm::Sha512,
            HmacAlgorithm::Sha1 => Algorithm::Sha1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            HmacAlgorithm::Sha256 => "sha256",
            HmacAlgorithm::Sha512 => "sha512",
            HmacAlgorithm::Sha1 => "sha1",
        }
    }
}

/// How a signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignatureEncoding {
    #[default]
    Hex,
    Base64,
}

/// What an HMAC scheme signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
pub enum SignedContent {
    /// The raw body.
    #[default]
    #[serde(rename = "body")]
    Body,
    /// `{id}.{timestamp}.{body}`, as Standard Webhooks signs (needs both headers).
    #[serde(rename = "id.timestamp.body")]
    IdTimestampBody,
}

impl SigningScheme {
    /// The canonical form: deprecated aliases become `hmac` (without the id
    /// and timestamp headers they never sent).
    pub fn normalized(self) -> SigningScheme {
        let legacy = |header, algorithm, encoding| {
            SigningScheme::Hmac(HmacScheme {
                header,
                algorithm,
                encoding,
                prefix: String::new(),
                signed: SignedContent::Body,
                id_header: None,
                timestamp_header: None,
            })
        };
        match self {
            SigningScheme::HmacSha256Hex { header } => {
                legacy(header, HmacAlgorithm::Sha256, SignatureEncoding::Hex)
            }
            SigningScheme::HmacSha512Base64 { header } => {
                legacy(header, HmacAlgorithm::Sha512, SignatureEncoding::Base64)
            }
            other => other,
        }
    }

    /// The library scheme this maps to.
    pub fn spec(&self) -> Result<SchemeSpec, String> {
        Ok(match self {
            SigningScheme::StandardWebhooks | SigningScheme::StandardWebhooksEd25519 => {
                preset("standard-webhooks")?
            }
            SigningScheme::Hmac(h) => SchemeSpec::Hmac(h.spec()),
            SigningScheme::Provider(p) => {
                let mut opts = hookseal::scheme::options::SchemeOptions::named(&p.provider);
                opts.algorithm = p.algorithm.map(|a| a.name().to_string());
                hookseal::provider::find(&p.provider).ok_or_else(|| {
                    format!(
                        "scheme.provider: {:?} is not a preset (`hookseal providers` lists them)",
                        p.provider
                    )
                })?;
                opts.resolve(hookseal::scheme::options::Names::Keys)
                    .map_err(|e| format!("scheme: {e}"))?
                    .spec
            }
            SigningScheme::HttpSignature(h) => SchemeSpec::HttpSig(h.spec()),
            SigningScheme::Jwt { lifetime_secs } => SchemeSpec::Jwt(JwtSpec {
                algorithms: Cow::Borrowed(&[JwtAlg::HS256]),
                lifetime: *lifetime_secs,
                body_hash_claim: Some(Cow::Borrowed("body_sha256")),
                ..JwtSpec::bearer()
            }),
            legacy @ (SigningScheme::HmacSha256Hex { .. }
            | SigningScheme::HmacSha512Base64 { .. }) => legacy.clone().normalized().spec()?,
        })
    }

    /// The id and timestamp headers sent beside the signature.
    pub fn extra_headers(&self) -> (Option<&str>, Option<&str>) {
        match self {
            SigningScheme::Hmac(h) => (h.id_header.as_deref(), h.timestamp_header.as_deref()),
            SigningScheme::Provider(p) => (p.id_header.as_deref(), p.timestamp_header.as_deref()),
            _ => (None, None),
        }
    }

    /// The header the scheme signs into, where it names one (a custom header
    /// may not take its place).
    pub fn signature_header(&self) -> Option<String> {
        let spec = self.spec().ok()?;
        match spec {
            SchemeSpec::StandardWebhooks(_) => Some("webhook-signature".into()),
            other => other.credential_headers().first().map(|h| h.to_string()),
        }
    }

    /// Checks the scheme as configured (API create and update, config load).
    pub fn check(&self) -> Result<(), String> {
        use crate::headers::check_configurable;
        match self {
            SigningScheme::Hmac(h) => {
                check_configurable("scheme.header", &h.header)?;
                for (what, name) in [
                    ("scheme.id_header", &h.id_header),
                    ("scheme.timestamp_header", &h.timestamp_header),
                ] {
                    if let Some(n) = name {
                        check_name(what, n)?;
                        if n.eq_ignore_ascii_case(&h.header) {
                            return Err(format!("{what}: {n} is the signature's header"));
                        }
                    }
                }
                if h.id_header.is_some()
                    && h.timestamp_header.is_some()
                    && h.id_header
                        .as_deref()
                        .zip(h.timestamp_header.as_deref())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                {
                    return Err("scheme.id_header and scheme.timestamp_header are the same".into());
                }
                if h.signed == SignedContent::IdTimestampBody
                    && (h.id_header.is_none() || h.timestamp_header.is_none())
                {
                    return Err(
                        "scheme.signed: id.timestamp.body needs scheme.id_header and scheme.timestamp_header, so receivers can rebuild what was signed"
                            .into(),
                    );
                }
                if h.prefix.chars().count() > 32
                    || h.prefix.chars().any(|c| c.is_control() || c == ' ')
                {
                    return Err("scheme.prefix: at most 32 visible characters".into());
                }
                Ok(())
            }
            SigningScheme::Provider(p) => {
                let spec = self.spec()?;
                for h in spec.credential_headers() {
                    crate::headers::check_configurable("scheme.provider", h)?;
                }
                for (what, name) in [
                    ("scheme.id_header", &p.id_header),
                    ("scheme.timestamp_header", &p.timestamp_header),
                ] {
                    if let Some(n) = name {
                        check_name(what, n)?;
                    }
                }
                Ok(())
            }
            SigningScheme::HttpSignature(h) => {
                for (what, v) in [("scheme.keyid", &h.keyid), ("scheme.tag", &h.tag)] {
                    if let Some(v) = v {
                        if !(1..=128).contains(&v.len())
                            || !v.bytes().all(|b| (0x20..0x7f).contains(&b))
                        {
                            return Err(format!("{what}: 1-128 printable ASCII characters"));
                        }
                    }
                }
                Ok(())
            }
            SigningScheme::Jwt { lifetime_secs } if !(10..=3600).contains(lifetime_secs) => {
                Err("scheme.lifetime_secs must be between 10 and 3600".into())
            }
            SigningScheme::HmacSha256Hex { .. } | SigningScheme::HmacSha512Base64 { .. } => {
                self.clone().normalized().check()
            }
            _ => Ok(()),
        }
    }

    /// Whether the header can carry the old and the new secret's signatures
    /// at once (so a rotation overlaps).
    pub fn signs_with_several(&self) -> bool {
        self.spec().is_ok_and(|s| s.signs_with_several())
    }

    /// A fresh secret in the scheme's form.
    pub fn generate_secret(&self) -> String {
        use hookseal::keys::{generate, KeyKind};
        let kind = match self {
            SigningScheme::StandardWebhooks => KeyKind::Whsec,
            SigningScheme::StandardWebhooksEd25519 => KeyKind::StandardEd25519,
            // The kind the preset's scheme takes (a whsec_, a hex or base64
            // key, an Ed25519 or P-256 pair), as the library says.
            SigningScheme::Provider(_) | SigningScheme::HttpSignature(_) => {
                self.spec().map_or(KeyKind::Hmac, |s| s.key_kind())
            }
            _ => KeyKind::Hmac,
        };
        generate(kind).secret
    }

    /// Checks a secret the provider chose (at create or rotation): the
    /// scheme's form, and for text secrets 8–512 visible characters.
    pub fn check_secret(&self, secret: &str) -> Result<(), String> {
        let spec = self.spec()?;
        let text = !matches!(
            &spec,
            SchemeSpec::StandardWebhooks(_) | SchemeSpec::Asym(_) | SchemeSpec::HttpSig(_)
        );
        match self {
            SigningScheme::StandardWebhooks if !secret.starts_with("whsec_") => {
                return Err("secret: a Standard Webhooks secret is whsec_ followed by base64 (e.g. from `hookseal keys generate`)".into());
            }
            SigningScheme::StandardWebhooksEd25519 if !secret.starts_with("whsk_") => {
                return Err("secret: an Ed25519 signing key is whsk_ followed by base64 (`hookseal keys generate --kind standard-ed25519`)".into());
            }
            _ => {}
        }
        if let Some(b64) = secret.strip_prefix("whsec_") {
            let raw = hookseal::codec::Encoding::Base64
                .decode(b64.as_bytes())
                .ok_or("secret: the part after whsec_ is not base64")?;
            if !(24..=64).contains(&raw.len()) {
                return Err(format!(
                    "secret: a whsec_ secret holds 24-64 bytes; this one holds {}",
                    raw.len()
                ));
            }
        }
        if text
            && (!(8..=512).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(
                "secret: 8-512 visible ASCII characters (no spaces); 32 random bytes or more recommended"
                    .into(),
            );
        }
        spec.signer(&[secret])
            .map(|_| ())
            .map_err(|e| format!("secret: {e}"))
    }

    /// Whether the endpoint signs with a key pair (its public key can be
    /// published).
    pub fn has_key_pair(&self) -> bool {
        match self {
            SigningScheme::StandardWebhooksEd25519 => true,
            SigningScheme::HttpSignature(h) => h.algorithm != HttpSignatureAlgorithm::HmacSha256,
            _ => false,
        }
    }

    /// The public key receivers verify with, for asymmetric schemes.
    pub fn public_key(&self, secret: &str) -> Option<String> {
        if let SigningScheme::HttpSignature(h) = self {
            // Base64 of the SubjectPublicKeyInfo, as PEM bodies are.
            let raw = h.spec().public_key_of(secret).ok()??;
            let alg = match h.algorithm {
                HttpSignatureAlgorithm::Ed25519 => hookseal::codec::PublicKeyAlg::Ed25519,
                HttpSignatureAlgorithm::EcdsaP256Sha256 => hookseal::codec::PublicKeyAlg::P256,
                HttpSignatureAlgorithm::HmacSha256 => return None,
            };
            return Some(hookseal::codec::public_key_spki_base64(alg, &raw));
        }
        if *self != SigningScheme::StandardWebhooksEd25519 {
            return None;
        }
        let seed = hookseal::codec::Encoding::Base64
            .decode(secret.trim_start_matches("whsk_").as_bytes())?;
        let seed: [u8; 32] = seed.get(..32)?.try_into().ok()?;
        hookseal::scheme::standard::ed25519_keys_from_seed(&seed)
            .ok()
            .map(|k| k.1)
    }
}

impl HmacScheme {
    fn spec(&self) -> HmacSpec {
        // `v1,` (a label and a comma): a list that can carry several.
        let format = match self.prefix.strip_suffix(',') {
            Some(label)
                if !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                SignatureFormat::Versioned {
                    separator: ' ',
                    versions: Cow::Owned(vec![Cow::Owned(label.to_string())]),
                    allow_bare: false,
                }
            }
            _ => SignatureFormat::Single {
                prefix: Cow::Owned(self.prefix.clone()),
            },
        };
        let (content, timestamp, id_header) = match self.signed {
            SignedContent::Body => (
                Cow::Borrowed(hookseal::parts::BODY),
                TimestampSource::None,
                None,
            ),
            SignedContent::IdTimestampBody => (
                Cow::Owned(vec![
                    Part::Id,
                    Part::Lit(Cow::Borrowed(".")),
                    Part::Timestamp,
                    Part::Lit(Cow::Borrowed(".")),
                    Part::Body,
                ]),
                TimestampSource::Header {
                    name: Cow::Owned(self.timestamp_header.clone().unwrap_or_default()),
                    format: TimeFormat::UnixSeconds,
                },
                self.id_header.clone().map(Cow::Owned),
            ),
        };
        HmacSpec {
            algorithm: self.algorithm.library(),
            encoding: match self.encoding {
                SignatureEncoding::Hex => Encoding::Hex,
                SignatureEncoding::Base64 => Encoding::Base64,
            },
            signature_header: Cow::Owned(self.header.clone()),
            format,
            content,
            timestamp,
            id_header,
            secret_form: SecretForm::Text,
        }
    }
}

fn preset(name: &str) -> Result<SchemeSpec, String> {
    hookseal::provider::find(name)
        .map(|p| p.scheme.clone())
        .ok_or_else(|| format!("no preset {name}"))
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{what}: {name:?} is not a header name"))?;
    if crate::headers::is_connection_or_framing(name) {
        return Err(format!(
            "{what}: {name} belongs to the connection or the request's framing"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac(json: serde_json::Value) -> SigningScheme {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn defaults_legacy_and_wire_form() {
        let s = hmac(serde_json::json!({ "type": "hmac", "header": "X-Sig" }));
        let SigningScheme::Hmac(h) = &s else { panic!() };
        assert_eq!(h.algorithm, HmacAlgorithm::Sha256);
        assert_eq!(h.encoding, SignatureEncoding::Hex);
        assert_eq!(h.id_header.as_deref(), Some("webhook-id"));
        assert_eq!(h.timestamp_header.as_deref(), Some("webhook-timestamp"));
        assert_eq!(s.check(), Ok(()));
        let legacy =
            hmac(serde_json::json!({ "type": "hmac_sha512_base64", "header": "x-ol-signature" }))
                .normalized();
        assert_eq!(
            serde_json::to_value(&legacy).unwrap(),
            serde_json::json!({ "type": "hmac", "header": "x-ol-signature", "algorithm": "sha512",
                "encoding": "base64", "prefix": "", "signed": "body", "id_header": null, "timestamp_header": null })
        );
        assert!(serde_json::from_value::<SigningScheme>(
            serde_json::json!({ "type": "hmac", "header": "X", "nope": 1 })
        )
        .is_err());
    }

    /// The server's hmac scheme signs what the library's presets verify:
    /// Joy Loyalty (base64 SHA-256 of the body) and Orange Logic (`v1,` +
    /// base64), the latter with both secrets during a rotation.
    #[test]
    fn signs_what_the_presets_verify() {
        let body = br#"{"id":1}"#;
        let msg = hookseal::Outgoing {
            id: "msg_1",
            timestamp: 1_700_000_000,
            body,
            url: "",
            method: "POST",
        };
        let verify = |preset: &str, secrets: &[&str], headers: &[(String, String)]| {
            let p =
                hookseal::Policy::builder(hookseal::provider::find(preset).unwrap().scheme.clone())
                    .secrets(secrets.iter().copied())
                    .build()
                    .unwrap();
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            p.verify(&hookseal::Request::new(&h, body), 1_700_000_000)
                .map(|_| ())
        };
        let joy = hmac(
            serde_json::json!({ "type": "hmac", "header": "X-Joy-Loyalty-Hmac-Sha256", "encoding": "base64" }),
        );
        let h = joy
            .spec()
            .unwrap()
            .signer(&["shop-secret"])
            .unwrap()
            .sign(&msg)
            .unwrap();
        verify("joy-loyalty", &["shop-secret"], &h).unwrap();
        assert!(!joy.signs_with_several());

        let ol = hmac(
            serde_json::json!({ "type": "hmac", "header": "x-ol-signature", "encoding": "base64", "prefix": "v1," }),
        );
        assert!(ol.signs_with_several());
        let h = ol
            .spec()
            .unwrap()
            .signer(&["new-secret", "old-secret"])
            .unwrap()
            .sign(&msg)
            .unwrap();
        assert!(
            h[0].1.starts_with("v1,") && h[0].1.contains(" v1,"),
            "{h:?}"
        );
        verify("orange-logic", &["old-secret"], &h).unwrap();
        verify("orange-logic", &["new-secret"], &h).unwrap();
        // The provider form gives the same bytes.
        let preset = hmac(serde_json::json!({ "type": "provider", "provider": "orange-logic" }));
        let hp = preset
            .spec()
            .unwrap()
            .signer(&["new-secret", "old-secret"])
            .unwrap()
            .sign(&msg)
            .unwrap();
        assert_eq!(hp, h);
    }

    #[test]
    fn chosen_secrets_are_checked_for_their_form() {
        let sw = SigningScheme::StandardWebhooks;
        assert!(sw
            .check_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .is_ok());
        assert!(sw.check_secret("whsec_c2hvcnQ=").is_err(), "too short");
        assert!(sw.check_secret("not-whsec").is_err());
        let h = hmac(serde_json::json!({ "type": "hmac", "header": "X-Jodo-Signature" }));
        assert!(h.check_secret("merchant-configured-secret").is_ok());
        for bad in ["short", "has space inside", "tab\tin", &"x".repeat(513)] {
            assert!(h.check_secret(bad).is_err(), "{bad:?}");
        }
        let ed = SigningScheme::StandardWebhooksEd25519;
        let k = ed.generate_secret();
        assert!(ed.check_secret(&k).is_ok(), "{k}");
        assert!(ed.public_key(&k).unwrap().starts_with("whpk_"));
        for s in [
            SigningScheme::StandardWebhooks,
            h.clone(),
            SigningScheme::Jwt { lifetime_secs: 60 },
            hmac(serde_json::json!({ "type": "provider", "provider": "github" })),
            hmac(serde_json::json!({ "type": "provider", "provider": "discord" })),
        ] {
            let g = s.generate_secret();
            assert_eq!(s.check_secret(&g), Ok(()), "{s:?}: {g}");
        }
    }

    #[test]
    fn misconfigurations_are_refused() {
        for bad in [
            serde_json::json!({ "type": "hmac", "header": "Host" }),
            serde_json::json!({ "type": "hmac", "header": "X", "id_header": "X" }),
            serde_json::json!({ "type": "hmac", "header": "X", "signed": "id.timestamp.body", "id_header": null }),
            serde_json::json!({ "type": "hmac", "header": "X", "timestamp_header": "Content-Length" }),
            serde_json::json!({ "type": "provider", "provider": "nope" }),
            serde_json::json!({ "type": "jwt", "lifetime_secs": 5 }),
        ] {
            assert!(hmac(bad.clone()).check().is_err(), "{bad}");
        }
    }
}
