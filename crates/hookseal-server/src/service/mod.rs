//! The service layer: every rule about applications, endpoints, their
//! secrets, messages, deliveries, the event-type catalog, scoped tokens and
//! sources, written once. The native admin API and the Svix-compatible API
//! are thin HTTP layers over it — they parse, call one method here, and
//! shape the answer — so no rule is written twice.
//!
//! Every method that touches a customer's objects takes the caller's
//! [`Scope`]: the admin token sees everything; a token scoped to one
//! application sees only that application's objects — another's are
//! [`Error::NotFound`], exactly as if they did not exist — and is
//! [`Error::Denied`] what only an operator may do.
//!
//! Errors say which field is wrong ([`Error::Invalid`]) or why a change
//! cannot be made ([`Error::Conflict`]); each API maps them to its own shape.

mod apps;
pub mod jsonschema;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::now_ms;
use crate::config::Config;
use crate::crypto::{AdminToken, DataKey};
use crate::delivery::ssrf::Guard;
use crate::ingress::source::SourceOut;
use crate::metrics::Metrics;
use crate::signing::SigningScheme;
use crate::store::{
    new_id, Attempt, AttemptFilter, AttemptView, AttemptsOf, Delivery, DeliveryFilter, Endpoint,
    Message, MessageFilter, NewMessage, Page, RejectionRecord, SealedSecret, SourceRow, Store,
    StoreError, DEFAULT_APP,
};

pub use apps::{
    check_new_application, ApplicationChange, EventTypeChange, NewApplication, NewEventType,
    TokenCache,
};

/// What went wrong, for an API to answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such object (the string names it), or one the caller may not see.
    #[error("{0} not found")]
    NotFound(String),
    /// The change conflicts with what is stored or declared.
    #[error("{0}")]
    Conflict(String),
    /// A field is not valid: (its name where known, why).
    #[error("{1}")]
    Invalid(Option<String>, String),
    /// Well-formed, but a policy forbids it (an endpoint's destination).
    #[error("{0}")]
    Forbidden(String),
    /// The caller's token may not do this (only the admin token may).
    #[error("insufficient access for the given operation")]
    Denied,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A validation error naming the field.
    pub fn invalid(field: &str, msg: impl Into<String>) -> Error {
        Error::Invalid(Some(field.to_string()), msg.into())
    }

    /// A validation error from a message that starts with `field: …`.
    pub fn from_message(msg: String) -> Error {
        let field = msg
            .split_once(':')
            .map(|(f, _)| f.trim())
            .filter(|f| {
                !f.is_empty()
                    && f.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            })
            .map(str::to_string);
        Error::Invalid(field, msg)
    }
}

/// Maps a store error, naming the object for a 404.
fn store_err(what: &str) -> impl Fn(StoreError) -> Error + '_ {
    move |e| match e {
        StoreError::NotFound => Error::NotFound(what.to_string()),
        StoreError::Conflict(m) => Error::Conflict(m),
        StoreError::Invalid(m) => Error::from_message(m),
        StoreError::Forbidden(m) => Error::Forbidden(m),
        StoreError::Other(e) => Error::Internal(e),
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Runs a blocking store call off the async workers.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> std::result::Result<T, StoreError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("task failed: {e}")))?
        .map_err(store_err(what))
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The admin token: everything.
    Admin,
    /// A token scoped to this application (its id): its endpoints, secrets,
    /// messages and attempts, and the event-type catalog to read.
    App(String),
}

impl Scope {
    /// Only the admin token may.
    pub fn require_admin(&self) -> Result<()> {
        match self {
            Scope::Admin => Ok(()),
            Scope::App(_) => Err(Error::Denied),
        }
    }

    /// Whether objects of application `app_id` are visible.
    pub fn sees(&self, app_id: &str) -> bool {
        match self {
            Scope::Admin => true,
            Scope::App(a) => a == app_id,
        }
    }

    /// Whether the endpoint is visible: a source's forwards belong to the
    /// operator, never to an application's token.
    pub fn sees_endpoint(&self, ep: &Endpoint) -> bool {
        match self {
            Scope::Admin => true,
            Scope::App(a) => ep.source.is_none() && *a == ep.app_id,
        }
    }

    /// The application a token is scoped to.
    pub fn app(&self) -> Option<&str> {
        match self {
            Scope::Admin => None,
            Scope::App(a) => Some(a),
        }
    }
}

/// The server's parts the rules need.
#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn Store>,
    pub key: Arc<DataKey>,
    pub token: Arc<AdminToken>,
    pub cfg: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub wake: Arc<Notify>,
    /// The guard for customer endpoints (`delivery.*`).
    pub guard: Arc<Guard>,
    /// The guard for forwards to the operator's own services (`ingress.forward_*`).
    pub forward_guard: Arc<Guard>,
    pub ingress: Arc<crate::ingress::Ingress>,
    /// Scoped tokens looked up lately.
    pub tokens: Arc<TokenCache>,
}

/// A new endpoint.
#[derive(Debug, Clone, Default)]
pub struct NewEndpoint {
    /// Its application (id or uid); none: the caller's, or the default one.
    pub app: Option<String>,
    pub uid: Option<String>,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// Only declared, active event types may be filters (the Svix API's rule).
    pub declared_filters_only: bool,
    pub channels: Option<Vec<String>>,
    pub metadata: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub scheme: SigningScheme,
    pub rate_limit: Option<u32>,
    pub max_concurrency: Option<u32>,
    pub enabled: bool,
    /// The inbound source it forwards.
    pub source: Option<String>,
    /// A secret the provider chose (else one is generated).
    pub secret: Option<String>,
}

/// A change to an endpoint: each field given replaces the stored one; the
/// inner `None`s clear. The scheme and the source cannot change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub headers: Option<BTreeMap<String, String>>,
    pub rate_limit: Option<Option<u32>>,
    pub max_concurrency: Option<Option<u32>>,
    pub enabled: Option<bool>,
    pub uid: Option<Option<String>>,
    pub channels: Option<Option<Vec<String>>>,
    pub metadata: Option<BTreeMap<String, String>>,
    /// Headers to set (a value) or remove (None), by name (any case),
    /// applied to the stored ones inside the write.
    pub merge_headers: Option<BTreeMap<String, Option<String>>>,
    /// Only declared, active event types may be filters (the Svix API's rule).
    pub declared_filters_only: bool,
}

/// An endpoint just created, with its secret (shown once here, and through
/// the secret route).
#[derive(Debug, Clone)]
pub struct Created {
    pub endpoint: Endpoint,
    pub secret: String,
    pub public_key: Option<String>,
}

/// A live secret of an endpoint.
#[derive(Debug, Clone)]
pub struct LiveSecret {
    pub secret: String,
    pub public_key: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub secret: String,
    pub public_key: Option<String>,
    /// When the previous secrets stop signing (ms).
    pub previous_expires_at: i64,
    /// Whether both sign during the grace period (the scheme's header can
    /// carry several signatures); if not, the previous one signs until
    /// `previous_expires_at` and the new one from then on.
    pub both_sign_during_grace: bool,
    /// When the new secret starts signing (ms).
    pub new_signs_from: i64,
}

/// What a second publish with a used event id gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// The first message when the content is the same (a retry), a conflict
    /// when it differs.
    #[default]
    SameReturnsFirst,
    /// Always a conflict (the Svix API's rule; its retries are answered by
    /// the idempotency key).
    Conflict,
}

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Publish {
    /// Its application (id or uid); none: the caller's, or the default one.
    pub app: Option<String>,
    pub event_type: String,
    /// The JSON object delivered, byte for byte as the publisher sent it.
    pub payload: Box<serde_json::value::RawValue>,
    /// The publisher's id for it (an idempotency key, per application).
    pub event_id: Option<String>,
    /// The message's own id (sent as `webhook-id`), if the publisher chose
    /// it (the native API: the same as the event id); else `msg_…`.
    pub message_id: Option<String>,
    pub channels: Option<Vec<String>>,
    pub on_duplicate: OnDuplicate,
}

/// Where an endpoint or a message is named: by its id alone (the native
/// API), or in an application by id or uid (the Svix API).
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub app: Option<&'a str>,
    pub id: &'a str,
}

impl<'a> At<'a> {
    /// By id alone.
    pub fn id(id: &'a str) -> At<'a> {
        At { app: None, id }
    }

    /// In an application, by id or uid.
    pub fn in_app(app: &'a str, id: &'a str) -> At<'a> {
        At { app: Some(app), id }
    }
}

/// An endpoint's activity in a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Attempts that succeeded.
    pub succeeded: i64,
    /// Deliveries not attempted yet.
    pub pending: i64,
    /// Deliveries retrying after a failed attempt.
    pub retrying: i64,
    /// Attempts that failed.
    pub failed: i64,
}

impl Service {
    fn guard_for(&self, ep: &Endpoint) -> &Guard {
        if crate::delivery::forwards_internally(ep, &self.cfg.ingress.internal_forward_sources) {
            &self.forward_guard
        } else {
            &self.guard
        }
    }

    fn check(&self, ep: &Endpoint) -> Result<()> {
        crate::delivery::check_endpoint(ep, self.guard_for(ep)).map_err(|r| match r {
            crate::delivery::Refusal::Invalid(m) | crate::delivery::Refusal::SchemeHeader(m) => {
                Error::from_message(m)
            }
            crate::delivery::Refusal::Forbidden(m) => Error::Forbidden(m),
        })
    }

    fn grace(&self, grace_secs: Option<i64>) -> Result<i64> {
        let grace = grace_secs.unwrap_or(self.cfg.secrets.rotation_grace_secs);
        if !(0..=7 * 86400).contains(&grace) {
            return Err(Error::invalid(
                "grace_secs",
                "grace_secs must be between 0 and 604800 (7 days)",
            ));
        }
        Ok(grace)
    }

    /// The refusal for a change to what the config file declares.
    fn declared_in_config(&self, id: &str) -> Error {
        let file = self.cfg.file.as_ref().map_or_else(
            || "the config file".to_string(),
            |f| f.display().to_string(),
        );
        Error::Conflict(format!(
            "endpoint {id} is declared in {file} (a source's forward): change it there and restart; \
             through the API it can only be enabled, disabled, recovered or resent"
        ))
    }

    /// Refuses filters that are not declared, active event types.
    async fn declared_filters(&self, filters: &[String]) -> Result<()> {
        if filters.is_empty() {
            return Ok(());
        }
        let store = self.store.clone();
        let names = filters.to_vec();
        let active = blocking("event type", move || store.active_event_types(&names)).await?;
        let missing: Vec<&str> = filters
            .iter()
            .filter(|f| !active.contains(f))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid(
                "event_types",
                format!(
                    "event_types: the following event types don't exist (or are archived): {}",
                    missing.join(", ")
                ),
            ));
        }
        Ok(())
    }

    // --- endpoints ---

    /// The application objects are created in: the one named (if the
    /// caller sees it), else the caller's, else the default one.
    async fn target_app(&self, scope: &Scope, app: Option<&str>) -> Result<String> {
        match (app, scope) {
            (Some(a), _) => Ok(self.application(scope, a).await?.id),
            (None, Scope::App(a)) => Ok(a.clone()),
            (None, Scope::Admin) => Ok(DEFAULT_APP.to_string()),
        }
    }

    pub async fn create_endpoint(&self, scope: &Scope, n: NewEndpoint) -> Result<Created> {
        if let Some(src) = &n.source {
            // Forwards of inbound sources are the operator's.
            scope.require_admin()?;
            let store = self.store.clone();
            let name = src.clone();
            blocking("source", move || store.get_source(&name))
                .await
                .map_err(|_| Error::invalid("source", format!("source: no source named {src}")))?;
        }
        let app_id = if n.source.is_some() {
            if n.app.is_some() {
                return Err(Error::invalid(
                    "application",
                    "application: a source's forward belongs to the operator, not to an application",
                ));
            }
            String::new()
        } else {
            self.target_app(scope, n.app.as_deref()).await?
        };
        if n.declared_filters_only && !n.event_types.is_empty() {
            self.declared_filters(&n.event_types).await?;
        }
        let now = now_ms();
        let scheme = n.scheme.normalized();
        let ep = Endpoint {
            id: new_id("ep_"),
            app_id,
            uid: n.uid,
            channels: n.channels,
            metadata: n.metadata,
            url: n.url,
            description: n.description,
            event_types: n.event_types,
            headers: n.headers,
            scheme,
            rate_limit: n.rate_limit,
            max_concurrency: n.max_concurrency,
            enabled: n.enabled,
            source: n.source,
            from_config: false,
            disabled_reason: (!n.enabled).then(|| "disabled by an operator".to_string()),
            failing_since: None,
            created_at: now,
            updated_at: now,
        };
        self.check(&ep)?;
        let secret = match n.secret {
            Some(s) => {
                ep.scheme.check_secret(&s).map_err(Error::from_message)?;
                s
            }
            None => ep.scheme.generate_secret(),
        };
        let sealed = SealedSecret {
            sealed: self.key.seal(&ep.id, secret.as_bytes()),
            created_at: now,
            expires_at: None,
        };
        let endpoint = self
            .store
            .create_endpoint(ep, sealed)
            .await
            .map_err(store_err("endpoint"))?;
        tracing::info!(endpoint = %endpoint.id, application = %endpoint.app_id, "endpoint created");
        let public_key = endpoint.scheme.public_key(&secret);
        Ok(Created {
            endpoint,
            secret,
            public_key,
        })
    }

    /// An endpoint the caller sees (another application's is not found).
    pub async fn endpoint(&self, scope: &Scope, at: At<'_>) -> Result<Endpoint> {
        let ep = match at.app {
            Some(app) => {
                let app = self.application(scope, app).await?;
                let (store, id) = (self.store.clone(), at.id.to_string());
                blocking("endpoint", move || store.get_app_endpoint(&app.id, &id)).await?
            }
            None => {
                let (store, id) = (self.store.clone(), at.id.to_string());
                blocking("endpoint", move || store.get_endpoint(&id)).await?
            }
        };
        if !scope.sees_endpoint(&ep) {
            return Err(Error::NotFound("endpoint".into()));
        }
        Ok(ep)
    }

    /// Endpoints the caller sees: of one application, or (admin) of all.
    pub async fn list_endpoints(
        &self,
        scope: &Scope,
        app: Option<&str>,
        page: Page,
    ) -> Result<Vec<Endpoint>> {
        let app_id = match (app, scope) {
            (Some(a), _) => Some(self.application(scope, a).await?.id),
            (None, Scope::App(a)) => Some(a.clone()),
            (None, Scope::Admin) => None,
        };
        let store = self.store.clone();
        blocking("endpoint", move || {
            store.list_endpoints(app_id.as_deref(), &page)
        })
        .await
    }

    /// Applies a change inside one write transaction (an automatic disable
    /// meanwhile is not overwritten). Endpoints the config file declares take
    /// only `enabled`.
    pub async fn change_endpoint(
        &self,
        scope: &Scope,
        at: At<'_>,
        change: EndpointChange,
    ) -> Result<Endpoint> {
        let id = self.endpoint(scope, at).await?.id;
        if change.declared_filters_only {
            if let Some(f) = &change.event_types {
                self.declared_filters(f).await?;
            }
        }
        let svc = self.clone();
        let shape = EndpointChange {
            enabled: None,
            declared_filters_only: false,
            ..change.clone()
        } != EndpointChange::default();
        let enabled = change.enabled;
        let apply: crate::store::EndpointChange = Box::new(move |ep: &mut Endpoint| {
            if ep.from_config && shape {
                return Err(StoreError::Conflict(
                    svc.declared_in_config(&ep.id).to_string(),
                ));
            }
            let was_enabled = ep.enabled;
            if let Some(v) = change.url {
                ep.url = v;
            }
            if let Some(v) = change.description {
                ep.description = v;
            }
            if let Some(v) = change.event_types {
                ep.event_types = v;
            }
            if let Some(v) = change.headers {
                ep.headers = v;
            }
            for (name, value) in change.merge_headers.into_iter().flatten() {
                ep.headers.retain(|k, _| !k.eq_ignore_ascii_case(&name));
                if let Some(v) = value {
                    ep.headers.insert(name, v);
                }
            }
            if let Some(v) = change.rate_limit {
                ep.rate_limit = v;
            }
            if let Some(v) = change.max_concurrency {
                ep.max_concurrency = v;
            }
            if let Some(v) = change.uid {
                ep.uid = v;
            }
            if let Some(v) = change.channels {
                ep.channels = v;
            }
            if let Some(v) = change.metadata {
                ep.metadata = v;
            }
            if let Some(v) = change.enabled {
                ep.enabled = v;
                if v {
                    ep.disabled_reason = None;
                    ep.failing_since = None;
                } else if ep.disabled_reason.is_none() || was_enabled {
                    ep.disabled_reason = Some("disabled by an operator".into());
                }
            }
            // A custom header the endpoint's (unchangeable) scheme sets is a
            // conflict with what is stored.
            crate::delivery::check_endpoint(ep, svc.guard_for(ep)).map_err(|r| match r {
                crate::delivery::Refusal::Invalid(m) => StoreError::Invalid(m),
                crate::delivery::Refusal::SchemeHeader(m) => StoreError::Conflict(m),
                crate::delivery::Refusal::Forbidden(m) => StoreError::Forbidden(m),
            })?;
            ep.updated_at = now_ms();
            Ok(())
        });
        let ep = self
            .store
            .modify_endpoint(&id, apply)
            .await
            .map_err(store_err("endpoint"))?;
        match enabled {
            Some(true) => tracing::info!(endpoint = %ep.id, "endpoint enabled by an operator"),
            Some(false) => tracing::info!(endpoint = %ep.id, "endpoint disabled by an operator"),
            None => {}
        }
        self.wake.notify_one();
        Ok(ep)
    }

    /// Refuses a change of shape to an endpoint the config file declares.
    async fn not_declared(&self, scope: &Scope, at: At<'_>) -> Result<Endpoint> {
        let ep = self.endpoint(scope, at).await?;
        if ep.from_config {
            return Err(self.declared_in_config(&ep.id));
        }
        Ok(ep)
    }

    pub async fn delete_endpoint(&self, scope: &Scope, at: At<'_>) -> Result<()> {
        let ep = self.not_declared(scope, at).await?;
        self.store
            .delete_endpoint(&ep.id)
            .await
            .map_err(store_err("endpoint"))?;
        tracing::info!(endpoint = %ep.id, application = %ep.app_id, "endpoint deleted");
        Ok(())
    }

    pub async fn endpoint_secrets(&self, scope: &Scope, at: At<'_>) -> Result<Vec<LiveSecret>> {
        let ep = self.endpoint(scope, at).await?;
        self.live_secrets(&ep).await
    }

    /// An endpoint's secrets still in use (opened), newest first.
    async fn live_secrets(&self, ep: &Endpoint) -> Result<Vec<LiveSecret>> {
        let (store, id2) = (self.store.clone(), ep.id.clone());
        let secrets = blocking("endpoint", move || store.secrets(&id2)).await?;
        let now = now_ms();
        secrets
            .iter()
            .filter(|x| x.expires_at.is_none_or(|e| e > now))
            .map(|sec| {
                let secret = String::from_utf8(self.key.open(&ep.id, &sec.sealed)?)
                    .map_err(anyhow::Error::from)?;
                Ok(LiveSecret {
                    public_key: ep.scheme.public_key(&secret),
                    secret,
                    created_at: sec.created_at,
                    expires_at: sec.expires_at,
                })
            })
            .collect()
    }

    /// The public keys an application's endpoints sign with (Ed25519 and
    /// ECDSA P-256 schemes), as a JWKS: every live key, so one rotated out
    /// stays listed until its grace period ends. An unknown application has
    /// no keys (the answer is the same as for one without key pairs, so the
    /// route tells nobody which applications exist).
    pub async fn jwks(&self, app: &str) -> Result<serde_json::Value> {
        let app = match self.application(&Scope::Admin, app).await {
            Ok(a) => a,
            Err(Error::NotFound(_)) => return Ok(hookseal::jwks::set(Vec::new())),
            Err(e) => return Err(e),
        };
        let mut keys = Vec::new();
        let mut after = None;
        loop {
            let page = Page {
                limit: 250,
                after: after.clone(),
                order: crate::store::Order::Ascending,
            };
            let eps = self
                .list_endpoints(&Scope::Admin, Some(&app.id), page)
                .await?;
            for ep in &eps {
                if !ep.scheme.has_key_pair() {
                    continue;
                }
                for live in self.live_secrets(ep).await? {
                    let Some(public) = live.public_key else {
                        continue;
                    };
                    let kid = hookseal::jwks::key_id(&format!("{}.", ep.id), &public);
                    if let Some(jwk) = kid.and_then(|k| hookseal::jwks::to_jwk(&public, &k)) {
                        keys.push(jwk);
                    }
                }
            }
            match eps.last() {
                Some(last) if eps.len() == 250 => after = Some(last.id.clone()),
                _ => break,
            }
        }
        Ok(hookseal::jwks::set(keys))
    }

    /// Rotates an endpoint's secret: a new one (chosen or generated) signs,
    /// and the old ones keep signing for the grace period (both at once only
    /// where the scheme's header can carry several signatures).
    pub async fn rotate_secret(
        &self,
        scope: &Scope,
        at: At<'_>,
        secret: Option<String>,
        grace_secs: Option<i64>,
    ) -> Result<Rotated> {
        let grace = self.grace(grace_secs)?;
        let ep = self.not_declared(scope, at).await?;
        let id = ep.id.as_str();
        let secret = match secret {
            Some(s) => {
                ep.scheme.check_secret(&s).map_err(Error::from_message)?;
                s
            }
            None => ep.scheme.generate_secret(),
        };
        let now = now_ms();
        let sealed = SealedSecret {
            sealed: self.key.seal(id, secret.as_bytes()),
            created_at: now,
            expires_at: None,
        };
        let previous_expires_at = now + grace * 1000;
        self.store
            .rotate_secret(id, sealed, previous_expires_at)
            .await
            .map_err(store_err("endpoint"))?;
        let both = ep.scheme.signs_with_several();
        tracing::info!(endpoint = %id, grace_secs = grace, both_sign = both, "endpoint secret rotated");
        Ok(Rotated {
            public_key: ep.scheme.public_key(&secret),
            secret,
            previous_expires_at,
            both_sign_during_grace: both,
            new_signs_from: if both || grace == 0 {
                now
            } else {
                previous_expires_at
            },
        })
    }

    pub async fn endpoint_deliveries(
        &self,
        scope: &Scope,
        at: At<'_>,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let ep = self.endpoint(scope, at).await?;
        let store = self.store.clone();
        blocking("endpoint", move || {
            store.deliveries_of_endpoint(&ep.id, limit)
        })
        .await
    }

    /// The endpoint's attempts in `[since, until)` (ms) by outcome, and its
    /// deliveries created then that wait.
    pub async fn endpoint_stats(
        &self,
        scope: &Scope,
        at: At<'_>,
        since: i64,
        until: i64,
    ) -> Result<EndpointStats> {
        let ep = self.endpoint(scope, at).await?;
        let store = self.store.clone();
        let (succeeded, pending, retrying, failed) = blocking("endpoint", move || {
            store.endpoint_stats(&ep.id, since, until)
        })
        .await?;
        Ok(EndpointStats {
            succeeded,
            pending,
            retrying,
            failed,
        })
    }

    /// Makes an endpoint's failed deliveries created in `[since, until)`
    /// (ms) due again.
    pub async fn recover(&self, scope: &Scope, at: At<'_>, since: i64, until: i64) -> Result<i64> {
        let ep = self.endpoint(scope, at).await?;
        let n = self
            .store
            .recover(&ep.id, since, until, now_ms())
            .await
            .map_err(store_err("endpoint"))?;
        tracing::info!(endpoint = %ep.id, since, recovered = n, "failed deliveries recovered");
        self.wake.notify_one();
        Ok(n)
    }

    // --- messages and deliveries ---

    /// Publishes a message to an application: acknowledged once durably
    /// committed. A used event id returns the first message when the content
    /// is the same (`false`), else it is a conflict (see [`OnDuplicate`]).
    pub async fn publish(&self, scope: &Scope, p: Publish) -> Result<(Message, bool)> {
        crate::event_types::check_event_type(&p.event_type)
            .map_err(|m| Error::invalid("event_type", m))?;
        if let Some(id) = &p.event_id {
            check_message_id(id).map_err(|m| Error::invalid("event_id", m))?;
        }
        if let Some(ch) = &p.channels {
            crate::names::check_channels(ch, crate::names::MAX_MESSAGE_CHANNELS)
                .map_err(Error::from_message)?;
        }
        if !p.payload.get().trim_start().starts_with('{') {
            return Err(Error::invalid("payload", "payload: must be a JSON object"));
        }
        // A scoped token publishes to its own application only; the admin
        // token to any (resolved, and its existence checked, by the store).
        let app_id = match (scope, p.app) {
            (Scope::App(_), app) => self.target_app(scope, app.as_deref()).await?,
            (Scope::Admin, Some(app)) => app,
            (Scope::Admin, None) => DEFAULT_APP.to_string(),
        };
        self.check_against_catalog(&p.event_type, p.payload.get())
            .await?;
        let payload = p.payload.get().as_bytes().to_vec();
        if let Some(id) = &p.message_id {
            check_message_id(id).map_err(|m| Error::invalid("id", m))?;
        }
        let msg = NewMessage {
            id: p.message_id.unwrap_or_else(|| new_id("msg_")),
            app_id,
            event_id: p.event_id,
            event_type: p.event_type,
            payload,
            channels: p.channels,
        };
        let (m, created) = self
            .store
            .publish(msg, now_ms())
            .await
            .map_err(store_err("application"))?;
        if !created && p.on_duplicate == OnDuplicate::Conflict {
            return Err(Error::Conflict(format!(
                "a message with event id {} already exists in this application ({})",
                m.event_id.as_deref().unwrap_or(""),
                m.id
            )));
        }
        let counter = if created {
            &self.metrics.messages_accepted
        } else {
            &self.metrics.messages_duplicate
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A new message's deliveries went to the engine as they committed.
        Ok((m, created))
    }

    /// A message the caller sees: by id (or, in an application, by id or
    /// event id).
    pub async fn message(&self, scope: &Scope, at: At<'_>) -> Result<Message> {
        let store = self.store.clone();
        let id = at.id.to_string();
        let m = match (at.app, scope) {
            (Some(app), _) => {
                let app = self.application(scope, app).await?.id;
                blocking("message", move || store.get_app_message(&app, &id)).await?
            }
            (None, Scope::App(app)) => {
                let app = app.clone();
                blocking("message", move || store.get_app_message(&app, &id)).await?
            }
            (None, Scope::Admin) => {
                blocking("message", move || match store.get_message(&id) {
                    // An event id of the default application.
                    Err(StoreError::NotFound) => store.get_app_message(DEFAULT_APP, &id),
                    r => r,
                })
                .await?
            }
        };
        if !m.app_id.as_deref().is_some_and(|a| scope.sees(a)) && *scope != Scope::Admin {
            return Err(Error::NotFound("message".into()));
        }
        Ok(m)
    }

    /// Messages and inbound events (admin), newest first.
    pub async fn list_messages(
        &self,
        scope: &Scope,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<Message>> {
        if let Scope::App(app) = scope {
            let filter = MessageFilter {
                page: Page {
                    limit,
                    ..Page::default()
                },
                before,
                ..MessageFilter::default()
            };
            let (store, app) = (self.store.clone(), app.clone());
            return blocking("message", move || store.list_app_messages(&app, &filter)).await;
        }
        let store = self.store.clone();
        blocking("message", move || store.list_messages(limit, before)).await
    }

    /// An application's messages, newest first.
    pub async fn list_app_messages(
        &self,
        scope: &Scope,
        app: &str,
        filter: MessageFilter,
    ) -> Result<Vec<Message>> {
        let app = self.application(scope, app).await?.id;
        let store = self.store.clone();
        blocking("message", move || store.list_app_messages(&app, &filter)).await
    }

    pub async fn message_deliveries(&self, scope: &Scope, at: At<'_>) -> Result<Vec<Delivery>> {
        let m = self.message(scope, at).await?;
        let store = self.store.clone();
        let mut ds = blocking("message", move || store.deliveries_of_message(&m.id)).await?;
        if let Scope::App(app) = scope {
            // Only to the application's own endpoints (never a forward).
            let store = self.store.clone();
            let app = app.clone();
            let visible = blocking("endpoint", move || {
                store.list_endpoints(
                    Some(&app),
                    &Page {
                        limit: i64::MAX,
                        ..Page::default()
                    },
                )
            })
            .await?;
            ds.retain(|d| visible.iter().any(|e| e.id == d.endpoint_id));
        }
        Ok(ds)
    }

    /// Attempts of a message's or an endpoint's deliveries, newest first.
    pub async fn list_attempts(
        &self,
        scope: &Scope,
        app: &str,
        of: AttemptsOf,
        mut filter: AttemptFilter,
    ) -> Result<Vec<AttemptView>> {
        if let Some(e) = filter.endpoint_id.take() {
            filter.endpoint_id = Some(self.endpoint(scope, At::in_app(app, &e)).await?.id);
        }
        let app_id = self.application(scope, app).await?.id;
        let of = match of {
            AttemptsOf::Message { message_id, .. } => {
                let m = self
                    .message(scope, At::in_app(&app_id, &message_id))
                    .await?;
                AttemptsOf::Message {
                    app_id: app_id.clone(),
                    message_id: m.id,
                }
            }
            AttemptsOf::Endpoint { endpoint_id, .. } => {
                let ep = self
                    .endpoint(scope, At::in_app(&app_id, &endpoint_id))
                    .await?;
                AttemptsOf::Endpoint {
                    app_id: app_id.clone(),
                    endpoint_id: ep.id,
                }
            }
        };
        let store = self.store.clone();
        blocking("attempt", move || store.list_attempts(&of, &filter)).await
    }

    /// A message's deliveries to its application's endpoints, by endpoint
    /// id, with the endpoints.
    pub async fn message_destinations(
        &self,
        scope: &Scope,
        at: At<'_>,
        page: Page,
    ) -> Result<Vec<(Delivery, Endpoint)>> {
        let m = self.message(scope, at).await?;
        let Some(app) = m.app_id else {
            return Ok(Vec::new());
        };
        let store = self.store.clone();
        blocking("message", move || {
            store.message_destinations(&app, &m.id, &page)
        })
        .await
    }

    /// The messages attempted to an endpoint, newest first, with their
    /// deliveries there.
    pub async fn endpoint_messages(
        &self,
        scope: &Scope,
        at: At<'_>,
        filter: MessageFilter,
    ) -> Result<Vec<(Delivery, Message)>> {
        let ep = self.endpoint(scope, at).await?;
        let store = self.store.clone();
        blocking("endpoint", move || store.endpoint_messages(&ep.id, &filter)).await
    }

    /// Sends a message again to one endpoint (or for the first time).
    pub async fn resend_to(
        &self,
        scope: &Scope,
        message: At<'_>,
        endpoint: At<'_>,
    ) -> Result<Delivery> {
        // Which of the two is missing, for the 404.
        let m = self.message(scope, message).await?;
        let ep = self.endpoint(scope, endpoint).await?;
        // A published message goes to its application's endpoints only; an
        // inbound event to its source's forwards.
        let same_owner = match &m.source {
            Some(src) => ep.source.as_deref() == Some(src.as_str()),
            None => ep.source.is_none() && m.app_id.as_deref() == Some(ep.app_id.as_str()),
        };
        if !same_owner {
            return Err(Error::Conflict(format!(
                "endpoint {} does not take message {}: it belongs to another application (or source)",
                ep.id, m.id
            )));
        }
        let d = self
            .store
            .resend_to(&m.id, &ep.id, now_ms())
            .await
            .map_err(store_err("message or endpoint"))?;
        tracing::info!(message = %m.id, endpoint = %ep.id, delivery = %d.id, "resend requested");
        self.wake.notify_one();
        Ok(d)
    }

    pub async fn list_deliveries(
        &self,
        scope: &Scope,
        mut filter: DeliveryFilter,
    ) -> Result<Vec<Delivery>> {
        if let Scope::App(app) = scope {
            filter.app_id = Some(app.clone());
        }
        let store = self.store.clone();
        blocking("delivery", move || store.list_deliveries(&filter)).await
    }

    /// A delivery the caller sees.
    pub async fn delivery(&self, scope: &Scope, id: &str) -> Result<Delivery> {
        let (store, id) = (self.store.clone(), id.to_string());
        let d = blocking("delivery", move || store.get_delivery(&id)).await?;
        if *scope != Scope::Admin {
            self.endpoint(scope, At::id(&d.endpoint_id))
                .await
                .map_err(|_| Error::NotFound("delivery".into()))?;
        }
        Ok(d)
    }

    pub async fn attempts(&self, scope: &Scope, id: &str) -> Result<Vec<Attempt>> {
        let d = self.delivery(scope, id).await?;
        let store = self.store.clone();
        blocking("delivery", move || store.attempts(&d.id)).await
    }

    pub async fn resend(&self, scope: &Scope, id: &str) -> Result<Delivery> {
        let d = self.delivery(scope, id).await?;
        let d = self
            .store
            .resend(&d.id, now_ms())
            .await
            .map_err(store_err("delivery"))?;
        tracing::info!(delivery = %d.id, endpoint = %d.endpoint_id, "resend requested");
        self.wake.notify_one();
        Ok(d)
    }

    // --- sources (the inbound gateway) ---

    async fn reload_source(&self, name: &str) -> Result<()> {
        let ing = self.ingress.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || ing.reload(&name))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("task failed: {e}")))??;
        Ok(())
    }

    pub async fn create_source(
        &self,
        scope: &Scope,
        def: crate::ingress::SourceConfig,
    ) -> Result<SourceOut> {
        scope.require_admin()?;
        if !def.forward.is_empty() || !def.secret_env.is_empty() || !def.secret_files.is_empty() {
            return Err(Error::invalid(
                "forward",
                "forward, secret_env and secret_files belong to the config file; through the API, \
                 give secrets inline and attach endpoints with \"source\" when creating them",
            ));
        }
        def.validate(&def.secrets)
            .map_err(|e| Error::from_message(strip_source_prefix(&def.name, &e.to_string())))?;
        let row = def.to_row(&def.secrets, &self.key, false, now_ms())?;
        self.store
            .create_source(row)
            .await
            .map_err(store_err("source"))?;
        self.reload_source(&def.name).await?;
        self.get_source(scope, &def.name).await
    }

    pub async fn get_source(&self, scope: &Scope, name: &str) -> Result<SourceOut> {
        scope.require_admin()?;
        let (store, n) = (self.store.clone(), name.to_string());
        let (row, events) = blocking("source", move || {
            Ok((store.get_source(&n)?, store.count_events(&n)?))
        })
        .await?;
        let mut v = crate::ingress::source::view(&row, &self.key, now_ms())?;
        v.events = Some(events);
        Ok(v)
    }

    pub async fn list_sources(&self, scope: &Scope) -> Result<Vec<SourceOut>> {
        scope.require_admin()?;
        let store = self.store.clone();
        let rows: Vec<SourceRow> = blocking("source", move || store.list_sources()).await?;
        let now = now_ms();
        Ok(rows
            .iter()
            .map(|r| crate::ingress::source::view(r, &self.key, now))
            .collect::<anyhow::Result<Vec<_>>>()?)
    }

    /// Replaces an API-created source's definition (its secrets — rotate
    /// them — endpoints and dedup records stay). The name is the path's.
    pub async fn put_source(
        &self,
        scope: &Scope,
        name: &str,
        mut def: crate::ingress::SourceConfig,
    ) -> Result<SourceOut> {
        scope.require_admin()?;
        if !def.secrets.is_empty() {
            return Err(Error::invalid(
                "secrets",
                "secrets: change them with POST /api/v1/sources/{name}/secrets/rotate",
            ));
        }
        if !def.forward.is_empty() || !def.secret_env.is_empty() || !def.secret_files.is_empty() {
            return Err(Error::invalid(
                "forward",
                "forward, secret_env and secret_files belong to the config file",
            ));
        }
        if def.name.is_empty() {
            def.name = name.to_string();
        } else if def.name != name {
            return Err(Error::invalid(
                "name",
                "name: a source cannot be renamed (the name is the path's)",
            ));
        }
        let now = now_ms();
        let (store, key, n) = (self.store.clone(), self.key.clone(), name.to_string());
        let sealed = blocking("source", move || {
            let row = store.get_source(&n)?;
            crate::ingress::source::replacement(&row, &key, &def, now)
                .map_err(|e| StoreError::Invalid(strip_source_prefix(&n, &e.to_string())))
        })
        .await?;
        self.store
            .replace_source_def(name, sealed, now)
            .await
            .map_err(store_err("source"))?;
        self.reload_source(name).await?;
        self.get_source(scope, name).await
    }

    pub async fn delete_source(&self, scope: &Scope, name: &str) -> Result<()> {
        scope.require_admin()?;
        self.store
            .delete_source(name)
            .await
            .map_err(store_err("source"))?;
        self.reload_source(name).await
    }

    /// Adds the provider's new secret; the previous ones keep verifying for
    /// the grace period. Returns when they stop (ms).
    pub async fn rotate_source_secret(
        &self,
        scope: &Scope,
        name: &str,
        secret: String,
        grace_secs: Option<i64>,
    ) -> Result<i64> {
        scope.require_admin()?;
        let grace = self.grace(grace_secs)?;
        let now = now_ms();
        let (ing, n, sec) = (self.ingress.clone(), name.to_string(), secret.clone());
        blocking("source", move || {
            let row = ing.store.get_source(&n)?;
            crate::ingress::source::check_secret(&row, &ing.key, &sec)
                .map_err(|e| StoreError::Invalid(format!("secret: {e}")))
        })
        .await?;
        let sealed = crate::ingress::source::seal_secret(&self.key, name, &secret, now);
        self.store
            .rotate_source_secret(name, sealed, now + grace * 1000)
            .await
            .map_err(store_err("source"))?;
        self.reload_source(name).await?;
        Ok(now + grace * 1000)
    }

    pub async fn source_rejections(
        &self,
        scope: &Scope,
        name: &str,
        limit: i64,
    ) -> Result<Vec<RejectionRecord>> {
        scope.require_admin()?;
        let (store, name) = (self.store.clone(), name.to_string());
        blocking("source", move || {
            store.get_source(&name)?;
            store.rejections(&name, limit)
        })
        .await
    }
}

/// A source's check messages start `source NAME: `; the API names fields.
fn strip_source_prefix(name: &str, msg: &str) -> String {
    msg.strip_prefix(&format!("source {name}: "))
        .unwrap_or(msg)
        .to_string()
}

/// Checks a message id chosen by the publisher: 1-256 visible ASCII
/// characters without `.` (ids are signed as `id.timestamp.body`).
pub fn check_message_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty()
        || id.len() > 256
        || !id.bytes().all(|b| b.is_ascii_graphic())
        || id.contains('.')
    {
        return Err("id must be 1-256 visible ASCII characters without '.'".into());
    }
    Ok(())
}
