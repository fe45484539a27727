//! Options shared by `verify` and `sign`: choosing and shaping the scheme,
//! reading secrets and the body.

use std::io::Read;

use clap::Args;
pub(crate) use hookseal::scheme::options::Resolved;
use hookseal::scheme::options::{Names, SchemeOptions};

use crate::Failure;

/// The scheme: a preset, or a generic one shaped by options.
#[derive(Args, Debug)]
pub(crate) struct SchemeArgs {
    /// Provider preset (`hookseal providers` lists them), or a generic scheme:
    /// hmac, jwt, token, ed25519, ecdsa-p256, http-signature (RFC 9421; --algorithm
    /// hmac-sha256, ed25519, ecdsa-p256-sha256, rsa-pss-sha512).
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

    /// http-signature (RFC 9421): a component every signature must cover
    /// (default @method, @target-uri, content-digest); repeatable.
    #[arg(
        long = "component",
        value_name = "NAME",
        help_heading = "Generic schemes"
    )]
    pub components: Vec<String>,

    /// http-signature: the key id signatures must name (and `sign` writes).
    #[arg(long, help_heading = "Generic schemes")]
    pub keyid: Option<String>,

    /// http-signature: the tag signatures must carry (and `sign` writes).
    #[arg(long, help_heading = "Generic schemes")]
    pub tag: Option<String>,
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

    /// The flags as the library's scheme options.
    fn options(&self) -> SchemeOptions {
        SchemeOptions {
            provider: self.provider.clone(),
            algorithm: self.algorithm.clone(),
            signature_header: self.signature_header.clone(),
            encoding: self.encoding.clone(),
            prefix: self.prefix.clone(),
            signature_format: self.signature_format.clone(),
            pair_separator: self.pair_separator,
            timestamp_key: self.timestamp_key.clone(),
            signature_key: self.signature_key.clone(),
            content: self.content.clone(),
            timestamp_header: self.timestamp_header.clone(),
            timestamp_format: self.timestamp_format.clone(),
            id_header: self.id_header.clone(),
            whsec: self.whsec,
            token_header: self.token_header.clone(),
            jwt_algs: self.jwt_algs.clone(),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            body_hash_claim: self.body_hash_claim.clone(),
            components: self.components.clone(),
            keyid: self.keyid.clone(),
            tag: self.tag.clone(),
        }
    }

    pub(crate) fn resolve(&self) -> Result<Resolved, Failure> {
        let r = self.options().resolve(Names::Flags)?;
        if r.spec.needs_url() && self.url.as_deref().unwrap_or("").is_empty() {
            return Err(Failure::Usage(format!(
                "--provider {} signs the request URL: give it with --url",
                self.provider.trim()
            )));
        }
        Ok(r)
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
