//! How failures flow.
//!
//! hookseal separates two kinds of failure:
//!
//! * A [`Rejection`] is a *verdict* on an incoming webhook: the request was read,
//!   and it does not pass the policy. It carries a stable, machine-readable
//!   [`Reason`] code (for logs, metrics and audit tables) and an internal detail
//!   sentence (for the operator). The HTTP client that sent the request only ever
//!   learns the coarse status and a generic message ([`Reason::public_message`]):
//!   telling an attacker *which* check failed helps them tune the next attempt.
//! * A [`ConfigError`] means the operator asked for something impossible — an
//!   empty secret, a key that does not parse, an unknown provider. It is raised
//!   when a policy or signer is built, never while verifying, so a running
//!   receiver cannot turn a configuration mistake into a silent accept.
//!
//! Signing failures ([`SignError`]) are configuration or input problems on the
//! sender's side and say exactly what is missing.

use std::borrow::Cow;
use std::fmt;

/// Why a webhook was refused. The snake_case code ([`Reason::code`]) is a stable
/// contract: dashboards, alerts and scripts match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// A header the scheme needs is absent.
    MissingHeader,
    /// A header is present but cannot be parsed (bad number, bad list, too long).
    MalformedHeader,
    /// The signature value cannot be decoded, or has the wrong length.
    MalformedSignature,
    /// No signature matched any configured key.
    SignatureMismatch,
    /// The signed timestamp is older than the tolerance allows.
    TimestampTooOld,
    /// The signed timestamp lies further in the future than the tolerance allows.
    TimestampInFuture,
    /// The message id was already accepted inside the replay window.
    Replayed,
    /// The remote address is outside every allowed range.
    IpNotAllowed,
    /// A required header is missing or holds the wrong value.
    RequiredHeaderMismatch,
    /// A bearer token is not a well-formed JWT.
    MalformedToken,
    /// The token's `exp` has passed (or its `iat` is too old when it has no `exp`).
    TokenExpired,
    /// The token's `nbf` or `iat` lies in the future.
    TokenNotYetValid,
    /// The token carries neither `exp` nor `iat`, so its lifetime is unbounded.
    TokenUnbounded,
    /// The token's `iss` or `aud` is not the expected one.
    ClaimMismatch,
    /// The token's body-hash claim does not match the body.
    BodyHashMismatch,
    /// The signing algorithm is not on the allow-list (JWT `alg`, `none`, …).
    AlgorithmNotAllowed,
    /// The body is larger than the configured limit.
    BodyTooLarge,
}

impl Reason {
    /// Every reason, for tables and metrics registration.
    pub const ALL: &'static [Reason] = &[
        Reason::MissingHeader,
        Reason::MalformedHeader,
        Reason::MalformedSignature,
        Reason::SignatureMismatch,
        Reason::TimestampTooOld,
        Reason::TimestampInFuture,
        Reason::Replayed,
        Reason::IpNotAllowed,
        Reason::RequiredHeaderMismatch,
        Reason::MalformedToken,
        Reason::TokenExpired,
        Reason::TokenNotYetValid,
        Reason::TokenUnbounded,
        Reason::ClaimMismatch,
        Reason::BodyHashMismatch,
        Reason::AlgorithmNotAllowed,
        Reason::BodyTooLarge,
    ];

    /// The stable snake_case code.
    pub const fn code(self) -> &'static str {
        match self {
            Reason::MissingHeader => "missing_header",
            Reason::MalformedHeader => "malformed_header",
            Reason::MalformedSignature => "malformed_signature",
            Reason::SignatureMismatch => "signature_mismatch",
            Reason::TimestampTooOld => "timestamp_too_old",
            Reason::TimestampInFuture => "timestamp_in_future",
            Reason::Replayed => "replayed",
            Reason::IpNotAllowed => "ip_not_allowed",
            Reason::RequiredHeaderMismatch => "required_header_mismatch",
            Reason::MalformedToken => "malformed_token",
            Reason::TokenExpired => "token_expired",
            Reason::TokenNotYetValid => "token_not_yet_valid",
            Reason::TokenUnbounded => "token_unbounded",
            Reason::ClaimMismatch => "claim_mismatch",
            Reason::BodyHashMismatch => "body_hash_mismatch",
            Reason::AlgorithmNotAllowed => "algorithm_not_allowed",
            Reason::BodyTooLarge => "body_too_large",
        }
    }

    /// The HTTP status a receiver answers with: 403 for a refused source address,
    /// 409 for a replay, 413 for an oversized body, 401 for everything else.
    pub const fn http_status(self) -> u16 {
        match self {
            Reason::IpNotAllowed => 403,
            Reason::Replayed => 409,
            Reason::BodyTooLarge => 413,
            _ => 401,
        }
    }

    /// The generic message a client may see. It never names the failed check.
    pub const fn public_message(self) -> &'static str {
        match self.http_status() {
            403 => "forbidden",
            409 => "duplicate webhook",
            413 => "payload too large",
            _ => "invalid webhook signature",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused webhook: a stable [`Reason`] plus an internal detail for the operator.
///
/// `Display` renders `code: detail`. Do not send it to the client; send
/// [`Reason::public_message`] with [`Reason::http_status`] instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: Reason,
    detail: Cow<'static, str>,
}

impl Rejection {
    /// A rejection with an internal detail.
    pub fn new(reason: Reason, detail: impl Into<Cow<'static, str>>) -> Self {
        Rejection {
            reason,
            detail: detail.into(),
        }
    }

    /// The stable reason.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The internal detail (safe to log: it never contains secrets).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.code(), self.detail)
    }
}

impl std::error::Error for Rejection {}

pub(crate) fn missing(name: &str) -> Rejection {
    Rejection::new(Reason::MissingHeader, format!("header {name} is absent"))
}

pub(crate) fn malformed_header(name: &str, why: &str) -> Rejection {
    Rejection::new(Reason::MalformedHeader, format!("header {name}: {why}"))
}

/// The operator configured something that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A secret is empty (an empty HMAC key would accept forged signatures).
    #[error("secret is empty")]
    EmptySecret,
    /// A secret or key does not have the form the scheme needs.
    #[error("invalid secret or key: {0}")]
    InvalidKey(String),
    /// No secret or key was given where the scheme needs one.
    #[error("no secret configured: {0}")]
    NoSecret(String),
    /// The provider name is not a known preset.
    #[error("unknown provider {0:?} (run `hookseal providers` for the list)")]
    UnknownProvider(String),
    /// An IP range does not parse.
    #[error("invalid IP range {0:?}: expected an address or CIDR such as 10.0.0.0/8")]
    InvalidCidr(String),
    /// Any other invalid setting, with what is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// Signing could not produce headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The scheme signs over a value the message does not have (say, a URL).
    #[error("the {scheme} scheme needs {what} to sign")]
    Missing {
        /// The scheme's name.
        scheme: &'static str,
        /// What is missing, e.g. "a URL".
        what: &'static str,
    },
    /// The key given can verify but not sign (a public key), or does not parse.
    #[error("cannot sign: {0}")]
    Key(String),
    /// The message cannot be signed as given.
    #[error("cannot sign: {0}")]
    Input(String),
}

impl From<ConfigError> for SignError {
    fn from(e: ConfigError) -> Self {
        SignError::Key(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            let c = r.code();
            assert!(seen.insert(c), "duplicate code {c}");
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
        }
    }

    #[test]
    fn statuses_match_design() {
        assert_eq!(Reason::IpNotAllowed.http_status(), 403);
        assert_eq!(Reason::Replayed.http_status(), 409);
        assert_eq!(Reason::BodyTooLarge.http_status(), 413);
        assert_eq!(Reason::SignatureMismatch.http_status(), 401);
        assert_eq!(
            Reason::TimestampTooOld.public_message(),
            Reason::SignatureMismatch.public_message(),
            "clients must not learn which check failed"
        );
    }
}
