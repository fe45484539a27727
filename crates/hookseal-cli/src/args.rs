//! Options shared by `verify` and `sign`: choosing and shaping the scheme,
//! reading secrets and the body.

use std::borrow::Cow;
use std::io::Read;

use clap::Args;
use hookseal::provider::{self, Preset};
use hookseal::scheme::asym::{AsymAlgorithm, AsymSpec};
use hookseal::scheme::hmac::{HmacSpec, SignatureFormat};
use hookseal::scheme::jwt::{JwtAlg, JwtSpec};
use hookseal::scheme::token::TokenSpec;
use hookseal::scheme::TimestampSource;
use hookseal::time::TimeFormat;
use hookseal::{Algorithm, Encoding, Part, SchemeSpec, SecretForm};

use crate::Failure;

/// The scheme: a preset, or a generic one shaped by options.
#[derive(Args, Debug)]
pub(crate) struct SchemeArgs {
    /// Provider preset (`hookseal providers` lists them), or a generic scheme:
    /// hmac, jwt, token, ed25519, ecdsa-p256.
    #[arg(long, value_name = "NAME")]
    pub provider: String,

    /// A secret or key; repeat to accept several (rotation). Its form is the provider's own.
    #[arg(long = "secret", value_name = "S", allow_hyphen_values = true)]
    pub secrets: Vec<String>,

    /// Read a secret or key from a file (keeps it out of shell history); repeatable.
    #[arg(long = "secret-file", value_name = "PATH")]
    pub secret_files: Vec<String>,

    /// HMAC hash: sha256, sha512, sha1 (sha384 too). For presets, overrides the
    /// provider's default where the provider allows a choice (orange-logic: sha512).
    #[arg(long, value_name = "ALG")]
    pub algorithm: Option<String>,

    /// The request URL (schemes that sign it: twilio, square, hubspot, {url} templates).
    #[arg(long)]
    pub url: Option<String>,

    /// The HTTP method (schemes that sign it: hubspot, {method} templates).
    #[arg(long, default_value = "POST")]
    pub method: String,

    /// Generic: the header carrying the signature (hmac, ed25519, ecdsa-p256).
    #[arg(long, value_name = "NAME", help_heading = "Generic schemes")]
    pub signature_header: Option<String>,

    /// Generic: hex, base64 or base64url.
    #[arg(long, value_name = "ENC", help_heading = "Generic schemes")]
    pub encoding: Option<String>,

    /// Generic: a prefix before the signature, e.g. 'sha256=' or 'v0='.
    #[arg(long, help_heading = "Generic schemes")]
    pub prefix: Option<String>,

    /// Generic: how the signature header is laid out: single (default), list
    /// (space-separated 'v1,<sig>' entries), pairs ('t=…,v1=…' key=value pairs).
    #[arg(long, value_name = "FORMAT", help_heading = "Generic schemes")]
    pub signature_format: Option<String>,

    /// Generic, pairs format: the pair separator (default ',').
    #[arg(long, value_name = "CHAR", help_heading = "Generic schemes")]
    pub pair_separator: Option<char>,

    /// Generic, pairs format: the timestamp key (default 't').
    #[arg(long, value_name = "KEY", help_heading = "Generic schemes")]
    pub timestamp_key: Option<String>,

    /// Generic, pairs/list format: the signature key or version (default 'v1').
    #[arg(long, value_name = "KEY", help_heading = "Generic schemes")]
    pub signature_key: Option<String>,

    /// Generic: the signed content, e.g. '{body}', '{ts}.{body}', 'v0:{ts}:{body}',
    /// '{id}.{ts}.{body}', '{url}{body}', '{method}{url}{body}{ts}'.
    #[arg(long, value_name = "TEMPLATE", help_heading = "Generic schemes")]
    pub content: Option<String>,

    /// Generic: the header carrying the timestamp.
    #[arg(long, value_name = "NAME", help_heading = "Generic schemes")]
    pub timestamp_header: Option<String>,

    /// Generic: the timestamp's form: unix (default), unix-ms, rfc3339.
    #[arg(long, value_name = "FORM", help_heading = "Generic schemes")]
    pub timestamp_format: Option<String>,

    /// Generic: the header carrying the message id.
    #[arg(long, value_name = "NAME", help_heading = "Generic schemes")]
    pub id_header: Option<String>,

    /// Generic hmac: the secret is a Standard Webhooks whsec_ secret (base64-decoded) rather than text.
    #[arg(long, help_heading = "Generic schemes")]
    pub whsec: bool,

    /// Generic token: the header carrying the token (default X-Webhook-Token).
    #[arg(long, value_name = "NAME", help_heading = "Generic schemes")]
    pub token_header: Option<String>,

    /// jwt: an allowed algorithm (HS256, HS384, HS512, RS256, ES256, EdDSA); repeatable.
    #[arg(long = "jwt-alg", value_name = "ALG", help_heading = "Generic schemes")]
    pub jwt_algs: Vec<String>,

    /// jwt: required issuer (iss).
    #[arg(long, help_heading = "Generic schemes")]
    pub issuer: Option<String>,

    /// jwt: required audience (aud).
    #[arg(long, help_heading = "Generic schemes")]
    pub audience: Option<String>,

    /// jwt: a claim that must hold the SHA-256 of the body (hex or base64url).
    #[arg(long, value_name = "CLAIM", help_heading = "Generic schemes")]
    pub body_hash_claim: Option<String>,
}

/// Whether any generic shaping option was given (they do not apply to presets).
fn generic_given(a: &SchemeArgs) -> Option<&'static str> {
    [
        (a.signature_header.is_some(), "--signature-header"),
        (a.encoding.is_some(), "--encoding"),
        (a.prefix.is_some(), "--prefix"),
        (a.signature_format.is_some(), "--signature-format"),
        (a.content.is_some(), "--content"),
        (a.timestamp_header.is_some(), "--timestamp-header"),
        (a.id_header.is_some(), "--id-header"),
        (a.token_header.is_some(), "--token-header"),
        (a.whsec, "--whsec"),
    ]
    .into_iter()
    .find(|(given, _)| *given)
    .map(|(_, name)| name)
}

pub(crate) struct Resolved {
    pub spec: SchemeSpec,
    pub preset: Option<&'static Preset>,
}

impl SchemeArgs {
    /// Every secret from --secret and --secret-file.
    pub(crate) fn all_secrets(&self) -> Result<Vec<String>, Failure> {
        let mut out = self.secrets.clone();
        for path in &self.secret_files {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("cannot read --secret-file {path}: {e}")))?;
            let text = text.trim_end_matches(['\n', '\r']);
            // A PEM key keeps its line breaks; anything else is one line.
            out.push(text.to_string());
        }
        if out.is_empty() {
            return Err(Failure::Usage(
                "no secret given: pass --secret (or --secret-file)".into(),
            ));
        }
        Ok(out)
    }

    pub(crate) fn resolve(&self) -> Result<Resolved, Failure> {
        let r = self.resolve_spec()?;
        if r.spec.needs_url() && self.url.as_deref().unwrap_or("").is_empty() {
            return Err(Failure::Usage(format!(
                "--provider {} signs the request URL: give it with --url",
                self.provider.trim()
            )));
        }
        Ok(r)
    }

    fn resolve_spec(&self) -> Result<Resolved, Failure> {
        let algorithm = match &self.algorithm {
            None => None,
            Some(a) => Some(Algorithm::parse(a).ok_or_else(|| {
                Failure::Usage(format!(
                    "--algorithm {a:?}: use sha256, sha512, sha384 or sha1"
                ))
            })?),
        };
        let name = self.provider.trim().to_ascii_lowercase();
        if let Some(preset) = provider::find(&name) {
            if let Some(opt) = generic_given(self) {
                return Err(Failure::Usage(format!(
                    "{opt} shapes a generic scheme; the {} preset fixes its own layout \
                     (use --provider hmac to build your own)",
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
                            return Err(Failure::Usage(format!(
                                "--algorithm does not apply to {}: its algorithm is fixed",
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
            "hmac" => SchemeSpec::Hmac(self.hmac_spec(algorithm.unwrap_or(Algorithm::Sha256))?),
            "jwt" => SchemeSpec::Jwt(self.jwt_spec()?),
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
                    signature_header: Cow::Owned(self.require_sig_header()?),
                    encoding: self.encoding()?.unwrap_or(Encoding::Base64),
                    timestamp: self.timestamp_source()?,
                    content: Cow::Owned(self.content_parts()?),
                })
            }
            _ => return Err(hookseal::ConfigError::UnknownProvider(self.provider.clone()).into()),
        };
        Ok(Resolved { spec, preset: None })
    }

    fn require_sig_header(&self) -> Result<String, Failure> {
        self.signature_header.clone().ok_or_else(|| {
            Failure::Usage(format!(
                "--provider {} needs --signature-header NAME",
                self.provider
            ))
        })
    }

    fn encoding(&self) -> Result<Option<Encoding>, Failure> {
        match &self.encoding {
            None => Ok(None),
            Some(e) => Encoding::parse(e).map(Some).ok_or_else(|| {
                Failure::Usage(format!("--encoding {e:?}: use hex, base64 or base64url"))
            }),
        }
    }

    fn content_parts(&self) -> Result<Vec<Part>, Failure> {
        Ok(match &self.content {
            Some(t) => Part::parse_template(t)?,
            None => vec![Part::Body],
        })
    }

    fn timestamp_source(&self) -> Result<TimestampSource, Failure> {
        let format = match self.timestamp_format.as_deref() {
            None | Some("unix") => TimeFormat::UnixSeconds,
            Some("unix-ms") => TimeFormat::UnixMillis,
            Some("rfc3339") => TimeFormat::Rfc3339,
            Some(f) => {
                return Err(Failure::Usage(format!(
                    "--timestamp-format {f:?}: use unix, unix-ms or rfc3339"
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

    fn hmac_spec(&self, algorithm: Algorithm) -> Result<HmacSpec, Failure> {
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
                return Err(Failure::Usage(format!(
                    "--signature-format {f:?}: use single, list or pairs"
                )))
            }
        };
        let pairs = matches!(format, SignatureFormat::Pairs { .. });
        let mut timestamp = self.timestamp_source()?;
        let content = self.content_parts()?;
        if pairs && timestamp == TimestampSource::None && content.contains(&Part::Timestamp) {
            timestamp = TimestampSource::SignatureHeader;
        }
        if content.contains(&Part::Timestamp) && timestamp == TimestampSource::None {
            return Err(Failure::Usage(
                "--content names {ts}: give --timestamp-header (or use --signature-format pairs)"
                    .into(),
            ));
        }
        if content.contains(&Part::Id) && self.id_header.is_none() {
            return Err(Failure::Usage(
                "--content names {id}: give --id-header".into(),
            ));
        }
        Ok(HmacSpec {
            algorithm,
            encoding: self.encoding()?.unwrap_or(Encoding::Hex),
            signature_header: Cow::Owned(self.require_sig_header()?),
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

    fn jwt_spec(&self) -> Result<JwtSpec, Failure> {
        let mut spec = JwtSpec::bearer();
        if !self.jwt_algs.is_empty() {
            let algs = self
                .jwt_algs
                .iter()
                .map(|a| {
                    JwtAlg::parse(a).ok_or_else(|| {
                        Failure::Usage(format!(
                            "--jwt-alg {a:?}: use HS256, HS384, HS512, RS256, ES256 or EdDSA"
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

/// Reads the body from a path or `-` (stdin), as raw bytes.
pub(crate) fn read_body(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read the body from stdin: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read --body-file {path}: {e}")))
    }
}

/// Parses `Name: value`.
pub(crate) fn parse_header(h: &str, flag: &str) -> Result<(String, String), Failure> {
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| Failure::Usage(format!("{flag} {h:?}: expected 'Name: value'")))?;
    let name = name.trim();
    if name.is_empty()
        || name
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(Failure::Usage(format!("{flag} {h:?}: bad header name")));
    }
    Ok((name.to_string(), value.trim().to_string()))
}
