//! # hookseal
//!
//! Sign and verify webhooks of any provider, over raw bytes, with no I/O and no
//! async runtime.
//!
//! * [`scheme`]: every signature scheme — Standard Webhooks (`v1` HMAC and `v1a`
//!   Ed25519), generic HMAC in any header shape, JWT bearer tokens, static token
//!   headers, Ed25519 / ECDSA P-256, Twilio. Each both signs and verifies.
//! * [`provider`]: presets as data (`github`, `stripe`, `jodo`, …).
//! * [`Policy`]: a source's checks combined — IP allowlist, required headers,
//!   signature, timestamp window, replay — returning the [`Verified`] message or
//!   a [`Rejection`] with a stable reason code.
//! * `axum` feature: a tower layer and an extractor that hand a handler the
//!   verified raw bytes.
//!
//! ```
//! use hookseal::{provider, Outgoing, Policy, Request};
//!
//! // Sender side: sign.
//! let spec = provider::find("standard-webhooks").unwrap().scheme.clone();
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! let body = br#"{"type":"invoice.paid"}"#;
//! let msg = Outgoing { id: "msg_1", timestamp: 1_700_000_000, body, url: "", method: "POST" };
//! let headers = spec.signer(&[secret]).unwrap().sign(&msg).unwrap();
//!
//! // Receiver side: verify.
//! let policy = Policy::builder(spec).secret(secret).build().unwrap();
//! let verified = policy.verify(&Request::new(&headers, body), 1_700_000_010).unwrap();
//! assert_eq!(verified.id.as_deref(), Some("msg_1"));
//! ```
#![deny(unreachable_pub)]
#![warn(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum;
pub mod codec;
pub mod error;
pub mod event_type;
pub mod ip;
pub mod jwks;
pub mod keys;
pub mod policy;
pub mod provider;
pub mod replay;
mod request;
pub mod scheme;
pub mod secret;
pub mod sfv;
pub mod time;

pub use codec::Encoding;
pub use error::{ConfigError, Reason, Rejection, SignError};
pub use ip::{Cidr, IpAllowlist};
pub use policy::{IpMode, Policy, PolicyBuilder, Verified, DEFAULT_TOLERANCE};
pub use provider::{Preset, PRESETS};
pub use replay::{MemoryReplayGuard, ReplayGuard};
pub use request::{parts, Headers, Outgoing, Part, Request, MAX_HEADER_LEN};
pub use scheme::{Evidence, SchemeSpec, Signer, Verifier};
pub use secret::{Algorithm, Secret, SecretForm};
