//! A shared static token in a header: GitLab's `X-Gitlab-Token`, or the custom
//! header a subscription agrees on (Jodo's "custom header").
//!
//! A token proves only that the sender knows it; it does not bind the body, so it
//! is best combined with a signature or an IP allowlist. Comparison hashes both
//! sides first, so neither the value nor its length leaks through timing.

use serde::{Deserialize, Serialize};

use super::{Evidence, Text};
use crate::error::{ConfigError, Reason, Rejection};
use crate::secret::{ct_eq_hidden_len, Secret};

/// The static-token scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSpec {
    /// The header carrying the token.
    pub header: Text,
    /// A prefix before the token, e.g. `Bearer ` (matched case-insensitively).
    #[serde(default)]
    pub prefix: Text,
}

impl TokenSpec {
    pub(crate) fn describe(&self) -> String {
        format!(
            "static token in {}{} compared in constant time",
            self.header,
            if self.prefix.is_empty() {
                String::new()
            } else {
                format!(" after {:?}", self.prefix)
            }
        )
    }

    fn secrets(&self, keys: &[&str]) -> Result<Vec<Secret>, ConfigError> {
        // Header values arrive trimmed; a configured token with stray whitespace
        // (a newline from a file) would otherwise never match.
        keys.iter().map(|k| Secret::from_text(k.trim())).collect()
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        Ok(Verifier {
            spec: self.clone(),
            tokens: self.secrets(keys)?,
        })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        Ok(Signer {
            spec: self.clone(),
            token: self.secrets(&keys[..1])?.remove(0),
        })
    }
}

/// A ready token verifier.
pub struct Verifier {
    spec: TokenSpec,
    tokens: Vec<Secret>,
}

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &crate::Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let value = req.header_str(&self.spec.header)?;
        let token = super::hmac::strip_prefix_ci(value, &self.spec.prefix).ok_or_else(|| {
            Rejection::new(
                Reason::MalformedSignature,
                format!(
                    "{}: expected the prefix {:?}",
                    self.spec.header, self.spec.prefix
                ),
            )
        })?;
        // Check every token (no early exit) so timing does not reveal which matched.
        let mut ok = false;
        for t in &self.tokens {
            ok |= ct_eq_hidden_len(token.as_bytes(), t.expose());
        }
        if !ok {
            return Err(Rejection::new(
                Reason::SignatureMismatch,
                format!("{} does not hold a configured token", self.spec.header),
            ));
        }
        // A token binds nothing about the message, so there is nothing to dedup on.
        Ok(Evidence {
            id: None,
            timestamp: None,
            expires_at: None,
            fingerprint: None,
        })
    }
}

/// A ready token signer (it just sets the header).
pub struct Signer {
    spec: TokenSpec,
    token: Secret,
}

impl Signer {
    pub(crate) fn sign(&self) -> Vec<(String, String)> {
        vec![(
            self.spec.header.to_string(),
            format!(
                "{}{}",
                self.spec.prefix,
                String::from_utf8_lossy(self.token.expose())
            ),
        )]
    }
}
