//! The service layer: every rule about endpoints, their secrets, messages,
//! deliveries and sources, written once. The native admin API and the
//! Svix-compatible API are thin HTTP layers over it — they parse, call one
//! method here, and shape the answer — so no rule is written twice.
//!
//! Errors say which field is wrong ([`Error::Invalid`]) or why a change
//! cannot be made ([`Error::Conflict`]); each API maps them to its own shape.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Notify;

use crate::config::Config;
use crate::crypto::{AdminToken, DataKey};
use crate::delivery::{now_ms, ssrf::Guard};
use crate::ingress::source::SourceOut;
use crate::metrics::Metrics;
use crate::signing::SigningScheme;
use crate::store::{
    new_id, Attempt, Delivery, DeliveryFilter, Endpoint, Message, NewMessage, RejectionRecord,
    SealedSecret, SourceRow, Store, StoreError,
};

/// What went wrong, for an API to answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such object (the string names it).
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
}

/// A new endpoint.
#[derive(Debug, Clone, Default)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
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
/// limits' inner `None` clears them. The scheme cannot change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub headers: Option<BTreeMap<String, String>>,
    pub rate_limit: Option<Option<u32>>,
    pub max_concurrency: Option<Option<u32>>,
    pub enabled: Option<bool>,
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

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Publish {
    pub event_type: String,
    pub payload: Value,
    /// The id (an idempotency key): the same again returns the first.
    pub id: Option<String>,
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

    // --- endpoints ---

    pub async fn create_endpoint(&self, n: NewEndpoint) -> Result<Created> {
        if let Some(src) = &n.source {
            let store = self.store.clone();
            let name = src.clone();
            blocking("source", move || store.get_source(&name))
                .await
                .map_err(|_| Error::invalid("source", format!("source: no source named {src}")))?;
        }
        let now = now_ms();
        let scheme = n.scheme.normalized();
        let ep = Endpoint {
            id: new_id("ep_"),
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
        let public_key = endpoint.scheme.public_key(&secret);
        Ok(Created {
            endpoint,
            secret,
            public_key,
        })
    }

    pub async fn get_endpoint(&self, id: &str) -> Result<Endpoint> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("endpoint", move || store.get_endpoint(&id)).await
    }

    pub async fn list_endpoints(&self) -> Result<Vec<Endpoint>> {
        let store = self.store.clone();
        blocking("endpoint", move || store.list_endpoints()).await
    }

    /// Applies a change inside one write transaction (an automatic disable
    /// meanwhile is not overwritten). Endpoints the config file declares take
    /// only `enabled`.
    pub async fn change_endpoint(&self, id: &str, change: EndpointChange) -> Result<Endpoint> {
        let svc = self.clone();
        let shape = EndpointChange {
            enabled: None,
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
            if let Some(v) = change.rate_limit {
                ep.rate_limit = v;
            }
            if let Some(v) = change.max_concurrency {
                ep.max_concurrency = v;
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
            .modify_endpoint(id, apply)
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
    async fn not_declared(&self, id: &str) -> Result<Endpoint> {
        let ep = self.get_endpoint(id).await?;
        if ep.from_config {
            return Err(self.declared_in_config(id));
        }
        Ok(ep)
    }

    pub async fn delete_endpoint(&self, id: &str) -> Result<()> {
        self.not_declared(id).await?;
        self.store
            .delete_endpoint(id)
            .await
            .map_err(store_err("endpoint"))
    }

    pub async fn endpoint_secrets(&self, id: &str) -> Result<Vec<LiveSecret>> {
        let (store, id2) = (self.store.clone(), id.to_string());
        let (ep, secrets) = blocking("endpoint", move || {
            Ok((store.get_endpoint(&id2)?, store.secrets(&id2)?))
        })
        .await?;
        let now = now_ms();
        secrets
            .iter()
            .filter(|x| x.expires_at.is_none_or(|e| e > now))
            .map(|sec| {
                let secret = String::from_utf8(self.key.open(id, &sec.sealed)?)
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

    /// Rotates an endpoint's secret: a new one (chosen or generated) signs,
    /// and the old ones keep signing for the grace period (both at once only
    /// where the scheme's header can carry several signatures).
    pub async fn rotate_secret(
        &self,
        id: &str,
        secret: Option<String>,
        grace_secs: Option<i64>,
    ) -> Result<Rotated> {
        let grace = self.grace(grace_secs)?;
        let ep = self.not_declared(id).await?;
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

    pub async fn endpoint_deliveries(&self, id: &str, limit: i64) -> Result<Vec<Delivery>> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("endpoint", move || {
            store.get_endpoint(&id)?;
            store.deliveries_of_endpoint(&id, limit)
        })
        .await
    }

    /// Makes an endpoint's failed deliveries since `since` (ms) due again.
    pub async fn recover(&self, id: &str, since: i64) -> Result<i64> {
        let n = self
            .store
            .recover(id, since, now_ms())
            .await
            .map_err(store_err("endpoint"))?;
        tracing::info!(endpoint = %id, since, recovered = n, "failed deliveries recovered");
        self.wake.notify_one();
        Ok(n)
    }

    // --- messages and deliveries ---

    /// Publishes a message: acknowledged once durably committed. A used id
    /// with the same content returns the first message (`false`); with other
    /// content it is a conflict.
    pub async fn publish(&self, p: Publish) -> Result<(Message, bool)> {
        crate::event_types::check_event_type(&p.event_type)
            .map_err(|m| Error::invalid("event_type", m))?;
        let id = match p.id {
            Some(id) => {
                check_message_id(&id).map_err(|m| Error::invalid("id", m))?;
                id
            }
            None => new_id("msg_"),
        };
        let payload = serde_json::to_vec(&p.payload).map_err(anyhow::Error::from)?;
        let msg = NewMessage {
            id,
            event_type: p.event_type,
            payload,
        };
        let (m, created) = self
            .store
            .publish(msg, now_ms())
            .await
            .map_err(store_err("message"))?;
        let counter = if created {
            &self.metrics.messages_accepted
        } else {
            &self.metrics.messages_duplicate
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A new message's deliveries went to the engine as they committed.
        Ok((m, created))
    }

    pub async fn get_message(&self, id: &str) -> Result<Message> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("message", move || store.get_message(&id)).await
    }

    pub async fn list_messages(&self, limit: i64, before: Option<i64>) -> Result<Vec<Message>> {
        let store = self.store.clone();
        blocking("message", move || store.list_messages(limit, before)).await
    }

    pub async fn message_deliveries(&self, id: &str) -> Result<Vec<Delivery>> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("message", move || {
            store.get_message(&id)?;
            store.deliveries_of_message(&id)
        })
        .await
    }

    /// Sends a message again to one endpoint (or for the first time).
    pub async fn resend_to(&self, message_id: &str, endpoint_id: &str) -> Result<Delivery> {
        // Which of the two is missing, for the 404.
        self.get_message(message_id).await?;
        self.get_endpoint(endpoint_id).await?;
        let d = self
            .store
            .resend_to(message_id, endpoint_id, now_ms())
            .await
            .map_err(store_err("message or endpoint"))?;
        tracing::info!(message = %message_id, endpoint = %endpoint_id, delivery = %d.id, "resend requested");
        self.wake.notify_one();
        Ok(d)
    }

    pub async fn list_deliveries(&self, filter: DeliveryFilter) -> Result<Vec<Delivery>> {
        let store = self.store.clone();
        blocking("delivery", move || store.list_deliveries(&filter)).await
    }

    pub async fn get_delivery(&self, id: &str) -> Result<Delivery> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("delivery", move || store.get_delivery(&id)).await
    }

    pub async fn attempts(&self, id: &str) -> Result<Vec<Attempt>> {
        let (store, id) = (self.store.clone(), id.to_string());
        blocking("delivery", move || {
            store.get_delivery(&id)?;
            store.attempts(&id)
        })
        .await
    }

    pub async fn resend(&self, id: &str) -> Result<Delivery> {
        let d = self
            .store
            .resend(id, now_ms())
            .await
            .map_err(store_err("delivery"))?;
        tracing::info!(delivery = %id, endpoint = %d.endpoint_id, "resend requested");
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

    pub async fn create_source(&self, def: crate::ingress::SourceConfig) -> Result<SourceOut> {
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
        self.get_source(&def.name).await
    }

    pub async fn get_source(&self, name: &str) -> Result<SourceOut> {
        let (store, n) = (self.store.clone(), name.to_string());
        let (row, events) = blocking("source", move || {
            Ok((store.get_source(&n)?, store.count_events(&n)?))
        })
        .await?;
        let mut v = crate::ingress::source::view(&row, &self.key, now_ms())?;
        v.events = Some(events);
        Ok(v)
    }

    pub async fn list_sources(&self) -> Result<Vec<SourceOut>> {
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
        name: &str,
        mut def: crate::ingress::SourceConfig,
    ) -> Result<SourceOut> {
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
        self.get_source(name).await
    }

    pub async fn delete_source(&self, name: &str) -> Result<()> {
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
        name: &str,
        secret: String,
        grace_secs: Option<i64>,
    ) -> Result<i64> {
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

    pub async fn source_rejections(&self, name: &str, limit: i64) -> Result<Vec<RejectionRecord>> {
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
