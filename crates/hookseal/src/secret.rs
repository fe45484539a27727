//! Secrets and the forms they arrive in.
//!
//! A [`Secret`] is key material: its `Debug` never prints it and its memory is
//! wiped on drop. Parsing is strict: an empty secret is a configuration error,
//! because an HMAC under an empty key is a signature anyone can forge.

use std::fmt;

use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};

use crate::codec::{B64, B64_LENIENT};
use crate::error::ConfigError;

/// Key material. Compared only in constant time, printed never.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for Secret {}

impl Secret {
    /// Raw bytes; refuses an empty secret.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Secret, ConfigError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        Ok(Secret(bytes))
    }

    /// The UTF-8 bytes of `text` (how most HMAC providers use their secret).
    pub fn from_text(text: &str) -> Result<Secret, ConfigError> {
        Secret::from_bytes(text.as_bytes())
    }

    /// A Standard Webhooks secret: `whsec_` followed by base64 (padded or not);
    /// the prefix is optional. The key is the decoded bytes.
    pub fn from_standard(text: &str) -> Result<Secret, ConfigError> {
        let t = text.trim();
        let b64 = t.strip_prefix("whsec_").unwrap_or(t);
        if b64.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        let bytes = B64_LENIENT.decode(b64).map_err(|_| {
            ConfigError::InvalidKey(
                "a Standard Webhooks secret is `whsec_` followed by base64".into(),
            )
        })?;
        Secret::from_bytes(bytes)
    }

    /// The bytes, for signing code.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Renders as a Standard Webhooks secret (`whsec_<base64>`).
    pub fn to_standard(&self) -> String {
        format!("whsec_{}", B64.encode(&self.0))
    }

    /// A fresh random secret of `len` bytes.
    pub fn generate(len: usize) -> Secret {
        let mut bytes = vec![0u8; len.max(16)];
        fill_random(&mut bytes);
        Secret(bytes)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference into our buffer.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new()
        .fill(buf)
        .expect("the operating system's random source failed");
}

/// How a preset's shared secret is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretForm {
    /// The UTF-8 text is the key.
    Text,
    /// `whsec_` + base64 (the prefix optional, as Microsoft Teams and Brex
    /// show bare base64); the decoded bytes are the key.
    Standard,
    /// Hexadecimal; the decoded bytes are the key (Adyen's HMAC keys).
    Hex,
}

impl SecretForm {
    /// Parses a secret of this form.
    pub fn parse(self, text: &str) -> Result<Secret, ConfigError> {
        match self {
            SecretForm::Text => Secret::from_text(text),
            SecretForm::Standard => Secret::from_standard(text),
            SecretForm::Hex => {
                let t = text.trim();
                if t.is_empty() {
                    return Err(ConfigError::EmptySecret);
                }
                let bytes = crate::codec::hex_decode(t).ok_or_else(|| {
                    ConfigError::InvalidKey(
                        "the key is hexadecimal (an even number of 0-9a-f)".into(),
                    )
                })?;
                Secret::from_bytes(bytes)
            }
        }
    }
}

/// The HMAC hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// HMAC-SHA1 (legacy providers: Twilio, Intercom).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// Parses `sha1`, `sha256`, `sha384`, `sha512` (also with a dash).
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Some(Algorithm::Sha1),
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The tag length in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    pub(crate) fn ring(self) -> hmac::Algorithm {
        match self {
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha384 => hmac::HMAC_SHA384,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }

    /// A prepared HMAC key: the pads are hashed once, not per message.
    pub(crate) fn key(self, secret: &Secret) -> hmac::Key {
        hmac::Key::new(self.ring(), secret.expose())
    }
}

/// Constant-time equality of two byte strings (lengths may differ; that fact leaks).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Accumulate every difference, then look once: no data-dependent branch.
    // `black_box` keeps the optimiser from turning the fold into an early exit.
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b) {
        acc |= x ^ y;
    }
    std::hint::black_box(acc) == 0
}

/// Constant-time equality that does not leak the length either: compares digests.
pub(crate) fn ct_eq_hidden_len(a: &[u8], b: &[u8]) -> bool {
    let da = ring::digest::digest(&ring::digest::SHA256, a);
    let db = ring::digest::digest(&ring::digest::SHA256, b);
    ct_eq(da.as_ref(), db.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_secret_forms() {
        let a = Secret::from_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let b = Secret::from_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(a, b);
        let padded = Secret::from_standard("whsec_YWJj").unwrap();
        assert_eq!(padded.expose(), b"abc");
        let unpadded = Secret::from_standard("whsec_YWI").unwrap();
        assert_eq!(unpadded.expose(), b"ab");
        assert_eq!(
            Secret::from_standard("whsec_"),
            Err(ConfigError::EmptySecret)
        );
        assert_eq!(Secret::from_text(""), Err(ConfigError::EmptySecret));
        assert!(matches!(
            Secret::from_standard("whsec_!!!"),
            Err(ConfigError::InvalidKey(_))
        ));
    }

    #[test]
    fn debug_redacts() {
        let s = Secret::from_text("hunter2").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn round_trip_standard() {
        let s = Secret::generate(24);
        assert_eq!(Secret::from_standard(&s.to_standard()).unwrap(), s);
    }
}
