//! A scheme chosen by name and shaped by options: a preset (`github`, `jodo`…) or
//! a generic scheme (`hmac`, `jwt`, `token`, `ed25519`, `ecdsa-p256`) with its
//! header layout. The CLI builds one from its flags, the server from a source's
//! configuration; both get the same rules and the same errors.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::provider::{self, Preset};
use crate::scheme::asym::{AsymAlgorithm, AsymSpec};
use crate::scheme::hmac::{HmacSpec, SignatureFormat};
use crate::scheme::httpsig::{HttpSigAlg, HttpSigSpec};
use crate::scheme::jwt::{JwtAlg, JwtSpec};
use crate::scheme::token::TokenSpec;
use crate::scheme::{SchemeSpec, TimestampSource};
use crate::time::TimeFormat;
use crate::{Algorithm, ConfigError, Encoding, Part, SecretForm};

/// The generic schemes' names (a scheme shaped by options, not a preset).
pub const GENERIC: &[&str] = &[
    "hmac",
    "jwt",
    "token",
    "ed25519",
    "ecdsa-p256",
    "http-signature",
];

/// How option names appear in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Command-line flags: `--signature-header`.
    Flags,
    /// Configuration keys: `signature_header`.
    Keys,
}

impl Names {
    fn n(self, key: &str) -> String {
        match self {
            Names::Flags => format!("--{}", key.replace('_', "-")),
            Names::Keys => key.to_string(),
        }
    }
}

/// The options. Every field but `provider` is optional; the generic-shaping ones
/// are refused for presets (a preset fixes its own layout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemeOptions {
    /// A preset name, or `hmac`, `jwt`, `token`, `ed25519`, `ecdsa-p256`.
    #[serde(default)]
    pub provider: String,
    /// HMAC hash (`sha256`, `sha512`, `sha384`, `sha1`); for presets, only where the
    /// provider lets the sender choose.
    pub algorithm: Option<String>,
    /// The header carrying the signature.
    pub signature_header: Option<String>,
    /// `hex`, `base64` or `base64url`.
    pub encoding: Option<String>,
    /// A prefix before the signature (`sha256=`), or before a token.
    pub prefix: Option<String>,
    /// `single` (default), `list` (`v1,<sig>` entries) or `pairs` (`t=…,v1=…`).
    pub signature_format: Option<String>,
    /// Pairs format: the pair separator (default `,`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1))]
    pub pair_separator: Option<char>,
    /// Pairs format: the timestamp key (default `t`).
    pub timestamp_key: Option<String>,
    /// Pairs/list format: the signature key or version (default `v1`).
    pub signature_key: Option<String>,
    /// The signed content template, e.g. `{id}.{ts}.{body}` (default `{body}`).
    pub content: Option<String>,
    /// The header carrying the timestamp.
    pub timestamp_header: Option<String>,
    /// `unix` (default), `unix-ms` or `rfc3339`.
    pub timestamp_format: Option<String>,
    /// The header carrying the message id.
    pub id_header: Option<String>,
    /// HMAC: the secret is a `whsec_` secret (base64-decoded), not text.
    #[serde(default)]
    pub whsec: bool,
    /// Token (and JWT): the header carrying it.
    pub token_header: Option<String>,
    /// JWT: allowed algorithms (default HS256).
    #[serde(default)]
    pub jwt_algs: Vec<String>,
    /// JWT: required issuer.
    pub issuer: Option<String>,
    /// JWT: required audience.
    pub audience: Option<String>,
    /// JWT: a claim that must hold the SHA-256 of the body.
    pub body_hash_claim: Option<String>,
    /// `http-signature` (RFC 9421): the components every signature must
    /// cover (default `@method`, `@target-uri`, `content-digest`).
    #[serde(default)]
    pub components: Vec<String>,
    /// `http-signature`: the key id signatures must name (and the signer writes).
    pub keyid: Option<String>,
    /// `http-signature`: the tag signatures must carry (and the signer writes).
    pub tag: Option<String>,
}

/// A resolved scheme, and its preset when it is one.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The scheme.
    pub spec: SchemeSpec,
    /// The preset it came from (its allowlist, tolerance, handshake).
    pub preset: Option<&'static Preset>,
}

fn invalid(msg: String) -> ConfigError {
    ConfigError::Invalid(msg)
}

impl SchemeOptions {
    /// The options for a bare provider name.
    pub fn named(provider: impl Into<String>) -> Self {
        SchemeOptions {
            provider: provider.into(),
            ..Default::default()
        }
    }

    /// The first generic-shaping option given, if any.
    fn generic_given(&self) -> Option<&'static str> {
        [
            (self.signature_header.is_some(), "signature_header"),
            (self.encoding.is_some(), "encoding"),
            (self.prefix.is_some(), "prefix"),
            (self.signature_format.is_some(), "signature_format"),
            (self.content.is_some(), "content"),
            (self.timestamp_header.is_some(), "timestamp_header"),
            (self.id_header.is_some(), "id_header"),
            (self.token_header.is_some(), "token_header"),
            (self.whsec, "whsec"),
            (!self.components.is_empty(), "components"),
            (self.keyid.is_some(), "keyid"),
            (self.tag.is_some(), "tag"),
        ]
        .into_iter()
        .find(|(given, _)| *given)
        .map(|(_, name)| name)
    }

    /// Resolves the options to a scheme; errors name options in `names` style.
    pub fn resolve(&self, names: Names) -> Result<Resolved, ConfigError> {
        let n = |k: &str| names.n(k);
        let name = self.provider.trim().to_ascii_lowercase();
        if name == "http-signature" {
            return Ok(Resolved {
                spec: SchemeSpec::HttpSig(self.http_sig_spec(names)?),
                preset: None,
            });
        }
        let algorithm = match &self.algorithm {
            None => None,
            Some(a) => Some(Algorithm::parse(a).ok_or_else(|| {
                invalid(format!(
                    "{} {a:?}: use sha256, sha512, sha384 or sha1",
                    n("algorithm")
                ))
            })?),
        };
        if let Some(preset) = provider::find(&name) {
            if let Some(opt) = self.generic_given() {
                return Err(invalid(format!(
                    "{} shapes a generic scheme; the {} preset fixes its own layout \
                     (use the hmac provider to build your own)",
                    n(opt),
                    preset.name
                )));
            }
            let mut spec = preset.scheme.clone();
            if let Some(alg) = algorithm {
                match &mut spec {
                    SchemeSpec::Hmac(h) => h.algorithm = alg,
                    _ => {
                        let fixed = match &spec {
                            SchemeSpec::StandardWebhooks(_) => Some(Algorithm::Sha256),
                            SchemeSpec::Twilio(_) => Some(Algorithm::Sha1),
                            _ => None,
                        };
                        if fixed != Some(alg) {
                            return Err(invalid(format!(
                                "{} does not apply to {}: its algorithm is fixed",
                                n("algorithm"),
                                preset.name
                            )));
                        }
                    }
                }
            }
            return Ok(Resolved {
                spec,
                preset: Some(preset),
            });
        }
        let spec = match name.as_str() {
            "hmac" => {
                SchemeSpec::Hmac(self.hmac_spec(names, algorithm.unwrap_or(Algorithm::Sha256))?)
            }
            "jwt" => SchemeSpec::Jwt(self.jwt_spec(names)?),
            "token" => SchemeSpec::Token(TokenSpec {
                header: Cow::Owned(
                    self.token_header
                        .clone()
                        .unwrap_or_else(|| "X-Webhook-Token".into()),
                ),
                prefix: Cow::Owned(self.prefix.clone().unwrap_or_default()),
            }),
            "ed25519" | "ecdsa-p256" => {
                let alg = if name == "ed25519" {
                    AsymAlgorithm::Ed25519
                } else {
                    AsymAlgorithm::EcdsaP256
                };
                SchemeSpec::Asym(AsymSpec {
                    algorithm: alg,
                    signature_header: Cow::Owned(self.require_sig_header(names)?),
                    encoding: self.encoding(names)?.unwrap_or(Encoding::Base64),
                    timestamp: self.timestamp_source(names)?,
                    content: Cow::Owned(self.content_parts()?),
                })
            }
            _ => return Err(ConfigError::UnknownProvider(self.provider.clone())),
        };
        Ok(Resolved { spec, preset: None })
    }

    fn http_sig_spec(&self, names: Names) -> Result<HttpSigSpec, ConfigError> {
        let alg = match self.algorithm.as_deref() {
            None => HttpSigAlg::HmacSha256,
            Some(a) => HttpSigAlg::parse(a).ok_or_else(|| {
                invalid(format!(
                    "{} {a:?}: use {}",
                    names.n("algorithm"),
                    HttpSigAlg::ALL
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        };
        let mut spec = HttpSigSpec::new(alg);
        if !self.components.is_empty() {
            for c in &self.components {
                crate::scheme::httpsig::Component::parse(c)
                    .map_err(|e| invalid(format!("{}: {e}", names.n("components"))))?;
            }
            spec.components = Cow::Owned(
                self.components
                    .iter()
                    .map(|c| Cow::Owned(c.clone()))
                    .collect(),
            );
        }
        spec.keyid = self.keyid.clone().map(Cow::Owned);
        spec.tag = self.tag.clone().map(Cow::Owned);
        Ok(spec)
    }

    fn require_sig_header(&self, names: Names) -> Result<String, ConfigError> {
        self.signature_header.clone().ok_or_else(|| {
            invalid(format!(
                "provider {} needs {} NAME",
                self.provider,
                names.n("signature_header")
            ))
        })
    }

    fn encoding(&self, names: Names) -> Result<Option<Encoding>, ConfigError> {
        match &self.encoding {
            None => Ok(None),
            Some(e) => Encoding::parse(e).map(Some).ok_or_else(|| {
                invalid(format!(
                    "{} {e:?}: use hex, base64 or base64url",
                    names.n("encoding")
                ))
            }),
        }
    }

    fn content_parts(&self) -> Result<Vec<Part>, ConfigError> {
        Ok(match &self.content {
            Some(t) => Part::parse_template(t)?,
            None => vec![Part::Body],
        })
    }

    fn timestamp_source(&self, names: Names) -> Result<TimestampSource, ConfigError> {
        let format = match self.timestamp_format.as_deref() {
            None | Some("unix") => TimeFormat::UnixSeconds,
            Some("unix-ms") => TimeFormat::UnixMillis,
            Some("rfc3339") => TimeFormat::Rfc3339,
            Some(f) => {
                return Err(invalid(format!(
                    "{} {f:?}: use unix, unix-ms or rfc3339",
                    names.n("timestamp_format")
                )))
            }
        };
        Ok(match &self.timestamp_header {
            Some(h) => TimestampSource::Header {
                name: Cow::Owned(h.clone()),
                format,
            },
            None => TimestampSource::None,
        })
    }

    fn hmac_spec(&self, names: Names, algorithm: Algorithm) -> Result<HmacSpec, ConfigError> {
        let n = |k: &str| names.n(k);
        let sig_key = self.signature_key.clone().unwrap_or_else(|| "v1".into());
        let format = match self.signature_format.as_deref().unwrap_or("single") {
            "single" => SignatureFormat::Single {
                prefix: Cow::Owned(self.prefix.clone().unwrap_or_default()),
            },
            "list" => SignatureFormat::Versioned {
                separator: ' ',
                versions: Cow::Owned(vec![Cow::Owned(sig_key)]),
                allow_bare: false,
            },
            "pairs" => SignatureFormat::Pairs {
                separator: self.pair_separator.unwrap_or(','),
                timestamp_key: Cow::Owned(self.timestamp_key.clone().unwrap_or_else(|| "t".into())),
                signature_key: Cow::Owned(sig_key),
            },
            f => {
                return Err(invalid(format!(
                    "{} {f:?}: use single, list or pairs",
                    n("signature_format")
                )))
            }
        };
        let pairs = matches!(format, SignatureFormat::Pairs { .. });
        let mut timestamp = self.timestamp_source(names)?;
        let content = self.content_parts()?;
        if pairs && timestamp == TimestampSource::None && content.contains(&Part::Timestamp) {
            // The pair's timestamp, in the form --timestamp-format names.
            timestamp = if self.timestamp_format.as_deref() == Some("unix-ms") {
                TimestampSource::SignatureHeaderMillis
            } else {
                TimestampSource::SignatureHeader
            };
        }
        if content.contains(&Part::Timestamp) && timestamp == TimestampSource::None {
            return Err(invalid(format!(
                "{} names {{ts}}: give {} (or use {} pairs)",
                n("content"),
                n("timestamp_header"),
                n("signature_format")
            )));
        }
        if content.contains(&Part::Id) && self.id_header.is_none() {
            return Err(invalid(format!(
                "{} names {{id}}: give {}",
                n("content"),
                n("id_header")
            )));
        }
        Ok(HmacSpec {
            algorithm,
            encoding: self.encoding(names)?.unwrap_or(Encoding::Hex),
            signature_header: Cow::Owned(self.require_sig_header(names)?),
            format,
            content: Cow::Owned(content),
            timestamp,
            id_header: self.id_header.clone().map(Cow::Owned),
            secret_form: if self.whsec {
                SecretForm::Standard
            } else {
                SecretForm::Text
            },
        })
    }

    fn jwt_spec(&self, names: Names) -> Result<JwtSpec, ConfigError> {
        let mut spec = JwtSpec::bearer();
        if !self.jwt_algs.is_empty() {
            let algs = self
                .jwt_algs
                .iter()
                .map(|a| {
                    JwtAlg::parse(a).ok_or_else(|| {
                        invalid(format!(
                            "{} {a:?}: use HS256, HS384, HS512, RS256, ES256 or EdDSA",
                            names.n("jwt_alg")
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            spec.algorithms = Cow::Owned(algs);
        }
        spec.issuer = self.issuer.clone().map(Cow::Owned);
        spec.audience = self.audience.clone().map(Cow::Owned);
        spec.body_hash_claim = self.body_hash_claim.clone().map(Cow::Owned);
        if let Some(h) = &self.token_header {
            spec.header = Cow::Owned(h.clone());
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_generic_schemes_resolve() {
        let r = SchemeOptions::named("jodo").resolve(Names::Keys).unwrap();
        assert_eq!(r.preset.unwrap().name, "jodo");
        let mut o = SchemeOptions::named("jodo");
        o.prefix = Some("x".into());
        let e = o.resolve(Names::Flags).unwrap_err().to_string();
        assert!(e.starts_with("--prefix shapes a generic scheme"), "{e}");
        let e = o.resolve(Names::Keys).unwrap_err().to_string();
        assert!(e.starts_with("prefix shapes"), "{e}");
        let mut o = SchemeOptions::named("hmac");
        assert!(o.resolve(Names::Keys).is_err(), "needs a header");
        o.signature_header = Some("X-Sig".into());
        o.content = Some("{ts}.{body}".into());
        let e = o.resolve(Names::Keys).unwrap_err().to_string();
        assert!(e.contains("give timestamp_header"), "{e}");
        o.timestamp_header = Some("X-Ts".into());
        assert!(matches!(
            o.resolve(Names::Keys).unwrap().spec,
            SchemeSpec::Hmac(_)
        ));
        assert!(matches!(
            SchemeOptions::named("nope").resolve(Names::Keys),
            Err(ConfigError::UnknownProvider(_))
        ));
    }

    #[test]
    fn deserializes_from_config() {
        let o: SchemeOptions = serde_json::from_str(
            r#"{"provider":"hmac","signature_header":"X-Sig","algorithm":"sha512","encoding":"base64"}"#,
        )
        .unwrap();
        assert!(o.resolve(Names::Keys).is_ok());
        assert!(serde_json::from_str::<SchemeOptions>(r#"{"provider":"hmac","nope":1}"#).is_err());
    }
}
