//! A source's checks, combined all-of, in a fixed order:
//! **IP allowlist → required headers → signature → timestamp window → replay**.
//!
//! The order is deliberate: the cheap checks that need no secret come first, so
//! a flood from the wrong network costs no hashing; the replay record is written
//! last, only for a message that passed everything else, so forged requests
//! cannot fill the replay store or burn a legitimate id.
//!
//! ```
//! use hookseal::{Policy, Request, provider};
//! let policy = Policy::builder(provider::find("jodo").unwrap().scheme.clone())
//!     .secret("my-secret-key")
//!     .require_header("X-Erp-Token", "shared-value")
//!     .build()
//!     .unwrap();
//! let body = br#"{"event":"payment.captured"}"#;
//! let sig = hookseal::scheme::hmac::sign_body(
//!     hookseal::Algorithm::Sha256, hookseal::Encoding::Hex,
//!     &hookseal::Secret::from_text("my-secret-key").unwrap(), body);
//! let headers = vec![("X-Jodo-Signature", sig), ("X-Erp-Token", "shared-value".into())];
//! let verified = policy.verify(&Request::new(&headers, body), 1_700_000_000).unwrap();
//! assert_eq!(verified.body, body);
//! ```

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{ConfigError, Reason, Rejection};
use crate::ip::IpAllowlist;
use crate::replay::ReplayGuard;
use crate::request::Request;
use crate::scheme::{Clock, SchemeSpec, Verifier};
use crate::secret::{ct_eq_hidden_len, Secret};

/// The default timestamp tolerance: 300 seconds in both directions.
pub const DEFAULT_TOLERANCE: i64 = 300;
/// How long an id is remembered when the scheme signs no timestamp: 24 hours.
pub const DEFAULT_REPLAY_TTL: i64 = 24 * 3600;

/// A webhook that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The raw body, exactly as received.
    pub body: &'a [u8],
    /// The provider's message id, if the scheme has one.
    pub id: Option<Cow<'a, str>>,
    /// The signed timestamp (Unix seconds), if the scheme has one.
    pub timestamp: Option<i64>,
    /// The key recorded with the replay guard, if one was.
    replay_key: Option<String>,
    /// The dedup key and until when (Unix seconds) it must be remembered.
    dedup: Option<(Cow<'a, str>, i64)>,
}

impl Verified<'_> {
    /// The key recorded with the replay guard (the signed id, or `sig:` and the
    /// fingerprint), if replay protection recorded one.
    pub fn replay_key(&self) -> Option<&str> {
        self.replay_key.as_deref()
    }

    /// The replay key (the signed id, or `sig:` and the canonical signature
    /// fingerprint) and the Unix second until which it must be remembered —
    /// whether or not this policy has a replay guard. A server that keeps its
    /// dedup records in its own store (in the same transaction as the event)
    /// uses this instead of a [`ReplayGuard`].
    pub fn dedup(&self) -> Option<(&str, i64)> {
        self.dedup.as_ref().map(|(k, e)| (k.as_ref(), *e))
    }
}

/// When the allowlist applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpMode {
    /// Check the remote address when it is known; pass when it is not (the CLI's
    /// mode: `--remote-ip` turns the check on).
    WhenKnown,
    /// Refuse a request whose remote address is unknown. The default: a server
    /// that forgot to pass the peer address must not skip the allowlist.
    Required,
}

/// A source's verification policy.
pub struct Policy {
    source: String,
    verifier: Verifier,
    allow: IpAllowlist,
    ip_mode: IpMode,
    required: Vec<(String, Secret)>,
    tolerance: i64,
    check_timestamp: bool,
    replay: Option<Arc<dyn ReplayGuard>>,
    replay_ttl: i64,
    needs_url: bool,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("source", &self.source)
            .field("allow", &self.allow)
            .field(
                "required",
                &self.required.iter().map(|r| &r.0).collect::<Vec<_>>(),
            )
            .field("tolerance", &self.tolerance)
            .field("replay", &self.replay.is_some())
            .finish()
    }
}

impl Policy {
    /// Starts a policy for a scheme.
    pub fn builder(scheme: SchemeSpec) -> PolicyBuilder {
        PolicyBuilder {
            source: "default".into(),
            scheme,
            secrets: Vec::new(),
            allow: Vec::new(),
            ip_mode: IpMode::Required,
            required: Vec::new(),
            tolerance: DEFAULT_TOLERANCE,
            check_timestamp: true,
            replay: None,
            replay_ttl: DEFAULT_REPLAY_TTL,
        }
    }

    /// The source name (the replay namespace).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the scheme signs the request URL (receivers must then know the
    /// public URL the provider called).
    pub fn needs_url(&self) -> bool {
        self.needs_url
    }

    /// The address check alone, so a server can refuse a wrong source before
    /// reading its body.
    pub fn check_ip(&self, remote_ip: Option<IpAddr>) -> Result<(), Rejection> {
        if self.allow.is_empty() {
            return Ok(());
        }
        match remote_ip {
            Some(ip) if self.allow.allows(ip) => Ok(()),
            Some(ip) => Err(Rejection::new(
                Reason::IpNotAllowed,
                format!("{ip} is outside the allowed ranges"),
            )),
            None if self.ip_mode == IpMode::Required => Err(Rejection::new(
                Reason::IpNotAllowed,
                "remote address unknown and an allowlist is configured",
            )),
            None => Ok(()),
        }
    }

    /// Forgets a message's replay record, so the sender's retry is accepted.
    /// Call it when the message was verified but could not be processed (the
    /// handler failed before durably committing it).
    pub fn release(&self, verified: &Verified<'_>) {
        if let Some(key) = &verified.replay_key {
            self.forget(key);
        }
    }

    /// Forgets a replay key (from [`Verified::replay_key`]).
    pub fn forget(&self, replay_key: &str) {
        if let Some(guard) = &self.replay {
            guard.forget(&self.source, replay_key);
        }
    }

    /// The required headers' check alone (constant time, length hidden), which
    /// [`Policy::verify`] also runs: a server can refuse before it reads the body.
    pub fn check_headers(&self, headers: &dyn crate::request::Headers) -> Result<(), Rejection> {
        for (name, want) in &self.required {
            let ok = headers
                .get(name)
                .map(|v| ct_eq_hidden_len(trim_ascii(v), want.expose()))
                .unwrap_or(false);
            if !ok {
                return Err(Rejection::new(
                    Reason::RequiredHeaderMismatch,
                    format!("header {name} is missing or holds the wrong value"),
                ));
            }
        }
        Ok(())
    }

    /// Applies every check to `req` at time `now` (Unix seconds).
    pub fn verify<'a>(&self, req: &Request<'a>, now: i64) -> Result<Verified<'a>, Rejection> {
        // 1. Source address.
        self.check_ip(req.remote_ip)?;
        // 2. Required headers.
        self.check_headers(req.headers)?;
        // 3. Signature.
        let clock = Clock {
            now,
            tolerance: self.tolerance,
        };
        let ev = self.verifier.verify(req, clock)?;
        // 4. Timestamp window.
        if let (Some(ts), true) = (ev.timestamp, self.check_timestamp) {
            let age = now.saturating_sub(ts);
            if age > self.tolerance {
                return Err(Rejection::new(
                    Reason::TimestampTooOld,
                    format!("signed {age}s ago; tolerance is {}s", self.tolerance),
                ));
            }
            if age < -self.tolerance {
                return Err(Rejection::new(
                    Reason::TimestampInFuture,
                    format!(
                        "signed {}s ahead; tolerance is {}s",
                        age.saturating_neg(),
                        self.tolerance
                    ),
                ));
            }
        }
        // 5. Replay: the signed id, else the canonical fingerprint; a scheme
        // with neither (a static token) binds nothing to dedup on.
        // The signed id borrowed from the request: no allocation on the
        // common path (a receiver without a replay guard records nothing).
        let key: Option<Cow<'a, str>> = match (&ev.id, &ev.fingerprint) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(f)) => Some(Cow::Owned(format!("sig:{}", crate::codec::hex_encode(f)))),
            (None, None) => None,
        };
        let dedup = key.map(|key| {
            let expires_at = match (ev.expires_at, ev.timestamp) {
                (Some(e), _) => e,
                // Past ts + tolerance the window refuses it anyway.
                (None, Some(ts)) if self.check_timestamp => {
                    ts.saturating_add(self.tolerance).saturating_add(1)
                }
                _ => now.saturating_add(self.replay_ttl),
            };
            (key, expires_at)
        });
        let mut replay_key = None;
        if let (Some(guard), Some((key, expires_at))) = (&self.replay, &dedup) {
            if !guard.check_and_record(&self.source, key, *expires_at, now) {
                return Err(Rejection::new(
                    Reason::Replayed,
                    format!("message {key} was already accepted"),
                ));
            }
            replay_key = Some(key.to_string());
        }
        Ok(Verified {
            body: req.body,
            id: ev.id,
            timestamp: ev.timestamp,
            replay_key,
            dedup,
        })
    }
}

fn trim_ascii(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Builds a [`Policy`].
pub struct PolicyBuilder {
    source: String,
    scheme: SchemeSpec,
    secrets: Vec<String>,
    allow: Vec<String>,
    ip_mode: IpMode,
    required: Vec<(String, String)>,
    tolerance: i64,
    check_timestamp: bool,
    replay: Option<Arc<dyn ReplayGuard>>,
    replay_ttl: i64,
}

impl PolicyBuilder {
    /// Names the source (replay ids are kept per source).
    pub fn source(mut self, name: impl Into<String>) -> Self {
        self.source = name.into();
        self
    }

    /// Adds a secret or key; several may be given (rotation: any one matches).
    pub fn secret(mut self, s: impl Into<String>) -> Self {
        self.secrets.push(s.into());
        self
    }

    /// Adds secrets.
    pub fn secrets<S: Into<String>>(mut self, s: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(s.into_iter().map(Into::into));
        self
    }

    /// Allows a CIDR range or address.
    pub fn allow_ip(mut self, cidr: impl Into<String>) -> Self {
        self.allow.push(cidr.into());
        self
    }

    /// Sets when the allowlist applies.
    pub fn ip_mode(mut self, mode: IpMode) -> Self {
        self.ip_mode = mode;
        self
    }

    /// Requires header `name` to equal `value` exactly (e.g. a shared custom header).
    pub fn require_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.required.push((name.into(), value.into()));
        self
    }

    /// Sets the timestamp tolerance in seconds (both directions).
    pub fn tolerance(mut self, secs: i64) -> Self {
        self.tolerance = secs;
        self
    }

    /// Turns the timestamp window off (for re-checking recorded requests; not for production).
    pub fn skip_timestamp_check(mut self) -> Self {
        self.check_timestamp = false;
        self
    }

    /// Enables replay protection with a guard.
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay = Some(guard);
        self
    }

    /// How long ids are remembered for schemes without a timestamp (seconds).
    pub fn replay_ttl(mut self, secs: i64) -> Self {
        self.replay_ttl = secs;
        self
    }

    /// Parses keys and ranges; fails on anything that cannot work.
    pub fn build(self) -> Result<Policy, ConfigError> {
        const YEAR: i64 = 366 * 24 * 3600;
        if !(0..=YEAR).contains(&self.tolerance) {
            return Err(ConfigError::Invalid(
                "tolerance must be between 0 and one year (seconds)".into(),
            ));
        }
        if !(1..=YEAR).contains(&self.replay_ttl) {
            return Err(ConfigError::Invalid(
                "replay TTL must be between 1 second and one year".into(),
            ));
        }
        let needs_url = self.scheme.needs_url();
        let verifier = self.scheme.verifier(&self.secrets)?;
        let allow = IpAllowlist::parse(&self.allow)?;
        let required = self
            .required
            .into_iter()
            .map(|(n, v)| {
                if n.trim().is_empty() || http::HeaderName::from_bytes(n.as_bytes()).is_err() {
                    return Err(ConfigError::Invalid(format!(
                        "required header name {n:?} is not a valid header name"
                    )));
                }
                let v = Secret::from_text(v.trim()).map_err(|_| {
                    ConfigError::Invalid(format!("required header {n} has an empty value"))
                })?;
                Ok((n, v))
            })
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            source: self.source,
            verifier,
            allow,
            ip_mode: self.ip_mode,
            required,
            tolerance: self.tolerance,
            check_timestamp: self.check_timestamp,
            replay: self.replay,
            replay_ttl: self.replay_ttl,
            needs_url,
        })
    }
}
