//! Applications (a provider's customers), the event-type catalog, and
//! tokens scoped to one application.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{blocking, store_err, Error, Result, Scope, Service};
use crate::clock::now_ms;
use crate::store::{new_id, AppToken, Application, EventType, Page, StoreError, DEFAULT_APP};

/// A new application.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub uid: Option<String>,
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    pub rate_limit: Option<u32>,
}

/// A change to an application: each field given replaces the stored one;
/// the inner `None`s clear.
#[derive(Debug, Clone, Default)]
pub struct ApplicationChange {
    pub uid: Option<Option<String>>,
    pub name: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub rate_limit: Option<Option<u32>>,
}

/// A new (or replacing) event type.
#[derive(Debug, Clone, Default)]
pub struct NewEventType {
    pub description: String,
    pub archived: bool,
    pub deprecated: bool,
    pub schemas: Option<Value>,
    pub feature_flag: Option<String>,
}

/// A change to an event type; the inner `None`s clear.
#[derive(Debug, Clone, Default)]
pub struct EventTypeChange {
    pub description: Option<String>,
    pub archived: Option<bool>,
    pub deprecated: Option<bool>,
    pub schemas: Option<Option<Value>>,
    pub feature_flag: Option<Option<String>>,
}

/// The most deliveries per second an application may be limited to.
const MAX_APP_RATE: u32 = 1_000_000;

fn check_application(app: &Application) -> Result<()> {
    crate::names::check_app_name(&app.name).map_err(Error::from_message)?;
    if let Some(uid) = &app.uid {
        crate::names::check_uid("uid", uid, "app_").map_err(Error::from_message)?;
    }
    crate::names::check_metadata(&app.metadata).map_err(Error::from_message)?;
    if app.rate_limit.is_some_and(|r| r == 0 || r > MAX_APP_RATE) {
        return Err(Error::invalid(
            "rate_limit",
            format!("rate_limit: 1-{MAX_APP_RATE} deliveries per second, or null for no limit"),
        ));
    }
    Ok(())
}

/// Checks a new application's fields (as creating it would).
pub fn check_new_application(n: &NewApplication) -> Result<()> {
    check_application(&Application {
        id: String::new(),
        uid: n.uid.clone(),
        name: n.name.clone(),
        metadata: n.metadata.clone(),
        rate_limit: n.rate_limit,
        created_at: 0,
        updated_at: 0,
    })
}

fn check_event_type_fields(name: &str, et: &NewEventType) -> Result<()> {
    // Catalog names are Svix's (both APIs share one catalog); a message's
    // type may be any event type, declared or not.
    crate::names::check_slug("name", name, crate::event_types::MAX_LEN)
        .map_err(Error::from_message)?;
    crate::names::check_description("description", &et.description, 4096)
        .map_err(Error::from_message)?;
    if let Some(f) = &et.feature_flag {
        crate::names::check_slug("feature_flag", f, 256).map_err(Error::from_message)?;
    }
    if let Some(schemas) = &et.schemas {
        let Some(map) = schemas.as_object() else {
            return Err(Error::invalid(
                "schemas",
                "schemas: an object of JSON Schemas by version, e.g. {\"1\": {...}}",
            ));
        };
        for (version, schema) in map {
            if !schema.is_object() {
                return Err(Error::invalid(
                    "schemas",
                    format!("schemas: version {version:?} must be a JSON Schema object"),
                ));
            }
            super::jsonschema::Schema::compile(schema).map_err(|e| {
                Error::invalid("schemas", format!("schemas: version {version:?}: {e}"))
            })?;
        }
    }
    Ok(())
}

/// A token's lookup (None: no such token) and when it was made.
type Lookup = (Option<AppToken>, Instant);

/// Tokens scoped to an application, as looked up lately (by their hash).
#[derive(Default)]
pub struct TokenCache {
    seen: Mutex<HashMap<[u8; 32], Lookup>>,
}

/// At most this many lookups are cached; past it the cache starts over.
const TOKENS_CACHED: usize = 4096;

impl TokenCache {
    fn get(&self, hash: &[u8; 32], ttl: Duration) -> Option<Option<AppToken>> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(hash)
            .filter(|(_, at)| at.elapsed() < ttl)
            .map(|(t, _)| t.clone())
    }

    fn put(&self, hash: [u8; 32], token: Option<AppToken>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= TOKENS_CACHED {
            seen.clear();
        }
        seen.insert(hash, (token, Instant::now()));
    }

    /// Forgets every lookup (after a revocation or a deletion here).
    fn clear(&self) {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A new token's text: `hs_app_` and 43 characters of base64url.
fn new_app_token() -> String {
    use base64::Engine;
    let mut raw = [0u8; 32];
    hookseal::keys::random(&mut raw);
    format!(
        "hs_app_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    )
}

impl Service {
    // --- applications ---

    /// An application the caller sees, by id or uid.
    pub async fn application(&self, scope: &Scope, id_or_uid: &str) -> Result<Application> {
        let (store, id) = (self.store.clone(), id_or_uid.to_string());
        let app = blocking("application", move || store.get_application(&id)).await?;
        if !scope.sees(&app.id) {
            return Err(Error::NotFound("application".into()));
        }
        Ok(app)
    }

    pub async fn list_applications(&self, scope: &Scope, page: Page) -> Result<Vec<Application>> {
        scope.require_admin()?;
        let store = self.store.clone();
        blocking("application", move || store.list_applications(&page)).await
    }

    /// Creates an application. With `get_if_exists`, an application with
    /// the same uid is returned unchanged (`false`) instead of a conflict.
    pub async fn create_application(
        &self,
        scope: &Scope,
        n: NewApplication,
        get_if_exists: bool,
    ) -> Result<(Application, bool)> {
        scope.require_admin()?;
        let now = now_ms();
        let app = Application {
            id: new_id("app_"),
            uid: n.uid,
            name: n.name,
            metadata: n.metadata,
            rate_limit: n.rate_limit,
            created_at: now,
            updated_at: now,
        };
        check_application(&app)?;
        if get_if_exists {
            if let Some(uid) = &app.uid {
                match self.application(scope, uid).await {
                    Ok(app) if app.uid.as_deref() == Some(uid) => return Ok((app, false)),
                    Ok(_) | Err(Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let app = self
            .store
            .create_application(app)
            .await
            .map_err(store_err("application"))?;
        tracing::info!(application = %app.id, uid = ?app.uid, "application created");
        Ok((app, true))
    }

    /// Changes an application.
    pub async fn change_application(
        &self,
        scope: &Scope,
        id_or_uid: &str,
        change: ApplicationChange,
    ) -> Result<Application> {
        scope.require_admin()?;
        let mut app = self.application(scope, id_or_uid).await?;
        if let Some(v) = change.uid {
            app.uid = v;
        }
        if let Some(v) = change.name {
            app.name = v;
        }
        if let Some(v) = change.metadata {
            app.metadata = v;
        }
        if let Some(v) = change.rate_limit {
            app.rate_limit = v;
        }
        if app.id == DEFAULT_APP && app.uid.as_deref() != Some("default") {
            return Err(Error::Conflict(
                "the default application keeps its uid \"default\"".into(),
            ));
        }
        check_application(&app)?;
        app.updated_at = now_ms();
        self.store
            .update_application(app)
            .await
            .map_err(store_err("application"))
    }

    /// Replaces an application's fields, creating it when none has this id
    /// or uid (a path value that is not an id becomes the new one's uid).
    /// Returns it and whether it was created.
    pub async fn upsert_application(
        &self,
        scope: &Scope,
        id_or_uid: &str,
        n: NewApplication,
    ) -> Result<(Application, bool)> {
        scope.require_admin()?;
        match self.application(scope, id_or_uid).await {
            Ok(app) => {
                let change = ApplicationChange {
                    // An absent uid keeps the stored one.
                    uid: n.uid.map(Some),
                    name: Some(n.name),
                    metadata: Some(n.metadata),
                    rate_limit: Some(n.rate_limit),
                };
                Ok((
                    self.change_application(scope, &app.id, change).await?,
                    false,
                ))
            }
            Err(Error::NotFound(_)) => {
                // Created at the path: which must be a uid it could have.
                if crate::names::check_uid("app_id", id_or_uid, "app_").is_err() {
                    return Err(Error::NotFound("application".into()));
                }
                let uid = Some(n.uid.unwrap_or_else(|| id_or_uid.to_string()));
                self.create_application(scope, NewApplication { uid, ..n }, false)
                    .await
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes an application with its endpoints (their deliveries stop),
    /// messages and tokens.
    pub async fn delete_application(&self, scope: &Scope, id_or_uid: &str) -> Result<()> {
        scope.require_admin()?;
        let app = self.application(scope, id_or_uid).await?;
        if app.id == DEFAULT_APP {
            return Err(Error::Conflict(
                "the default application cannot be deleted (it holds what was published without one)"
                    .into(),
            ));
        }
        self.store
            .delete_application(&app.id)
            .await
            .map_err(store_err("application"))?;
        self.tokens.clear();
        tracing::info!(application = %app.id, "application deleted");
        Ok(())
    }

    // --- the event-type catalog ---

    /// An event type (every token may read the catalog).
    pub async fn event_type(&self, name: &str) -> Result<EventType> {
        let (store, name) = (self.store.clone(), name.to_string());
        blocking("event type", move || store.get_event_type(&name)).await
    }

    pub async fn list_event_types(
        &self,
        page: Page,
        include_archived: bool,
    ) -> Result<Vec<EventType>> {
        let store = self.store.clone();
        blocking("event type", move || {
            store.list_event_types(&page, include_archived)
        })
        .await
    }

    /// Declares an event type. An active one of that name is a conflict;
    /// an archived one is replaced (and so unarchived).
    pub async fn create_event_type(
        &self,
        scope: &Scope,
        name: &str,
        n: NewEventType,
    ) -> Result<EventType> {
        self.put_event_type(scope, name, n, true)
            .await
            .map(|(et, _)| et)
    }

    /// Replaces (or declares) an event type; returns whether it is new.
    pub async fn upsert_event_type(
        &self,
        scope: &Scope,
        name: &str,
        n: NewEventType,
    ) -> Result<(EventType, bool)> {
        self.put_event_type(scope, name, n, false).await
    }

    async fn put_event_type(
        &self,
        scope: &Scope,
        name: &str,
        n: NewEventType,
        create: bool,
    ) -> Result<(EventType, bool)> {
        scope.require_admin()?;
        check_event_type_fields(name, &n)?;
        let now = now_ms();
        let et = EventType {
            name: name.to_string(),
            description: n.description,
            archived: n.archived,
            deprecated: n.deprecated,
            schemas: n.schemas,
            feature_flag: n.feature_flag,
            created_at: now,
            updated_at: now,
        };
        self.store
            .put_event_type(et, create)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    Error::Conflict(format!("an event type named {name} already exists"))
                }
                e => store_err("event type")(e),
            })
    }

    pub async fn change_event_type(
        &self,
        scope: &Scope,
        name: &str,
        c: EventTypeChange,
    ) -> Result<EventType> {
        scope.require_admin()?;
        let et = self.event_type(name).await?;
        let n = NewEventType {
            description: c.description.unwrap_or(et.description),
            archived: c.archived.unwrap_or(et.archived),
            deprecated: c.deprecated.unwrap_or(et.deprecated),
            schemas: c.schemas.unwrap_or(et.schemas),
            feature_flag: c.feature_flag.unwrap_or(et.feature_flag),
        };
        self.put_event_type(scope, name, n, false)
            .await
            .map(|(et, _)| et)
    }

    /// Archives an event type (it stays readable; endpoints can no longer
    /// subscribe to it through the Svix API), or deletes it (`expunge`).
    pub async fn delete_event_type(&self, scope: &Scope, name: &str, expunge: bool) -> Result<()> {
        scope.require_admin()?;
        self.store
            .delete_event_type(name, expunge, now_ms())
            .await
            .map_err(store_err("event type"))
    }

    /// What the catalog requires of a message, where the configuration
    /// makes it binding: a declared, active type, and a payload its newest
    /// schema accepts.
    pub(super) async fn check_against_catalog(
        &self,
        event_type: &str,
        payload: &str,
    ) -> Result<()> {
        let cfg = &self.cfg.event_types;
        if !cfg.require_declared && !cfg.validate_payloads {
            return Ok(());
        }
        let et = match self.event_type(event_type).await {
            Ok(et) => Some(et),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        if cfg.require_declared && et.as_ref().is_none_or(|e| e.archived) {
            return Err(Error::invalid(
                "event_type",
                format!(
                    "event_type: {event_type:?} is not a declared event type (event_types.require_declared)"
                ),
            ));
        }
        if cfg.validate_payloads {
            if let Some(schema) = et.as_ref().and_then(|e| newest_schema(e.schemas.as_ref())) {
                let schema = super::jsonschema::Schema::compile(schema)
                    .map_err(|e| anyhow::anyhow!("stored schema of {event_type}: {e}"))?;
                let payload: Value = serde_json::from_str(payload).map_err(anyhow::Error::from)?;
                if let Err(fail) = schema.validate(&payload) {
                    let field = format!("payload{}", fail.path);
                    return Err(Error::Invalid(
                        Some(field.clone()),
                        format!("{field}: {}", fail.message),
                    ));
                }
            }
        }
        Ok(())
    }

    // --- tokens scoped to one application ---

    /// Makes a token scoped to an application, valid for `expires_in_secs`
    /// (or until revoked). The token is returned once; only its hash is kept.
    pub async fn create_token(
        &self,
        scope: &Scope,
        app: &str,
        description: String,
        expires_in_secs: Option<i64>,
    ) -> Result<(AppToken, String)> {
        scope.require_admin()?;
        let app = self.application(scope, app).await?;
        crate::names::check_description("description", &description, 1024)
            .map_err(Error::from_message)?;
        if expires_in_secs.is_some_and(|s| !(60..=10 * 366 * 86400).contains(&s)) {
            return Err(Error::invalid(
                "expires_in_secs",
                "expires_in_secs: between 60 seconds and 10 years, or null for no expiry",
            ));
        }
        let now = now_ms();
        let token = new_app_token();
        let t = AppToken {
            id: new_id("tok_"),
            app_id: app.id,
            description,
            created_at: now,
            expires_at: expires_in_secs.map(|s| now + s * 1000),
            revoked_at: None,
        };
        let t = self
            .store
            .create_token(t, crate::crypto::digest(&token))
            .await
            .map_err(store_err("application"))?;
        tracing::info!(application = %t.app_id, token = %t.id, "application token created");
        Ok((t, token))
    }

    pub async fn list_tokens(&self, scope: &Scope, app: &str) -> Result<Vec<AppToken>> {
        scope.require_admin()?;
        let app = self.application(scope, app).await?;
        let store = self.store.clone();
        blocking("application", move || store.list_tokens(&app.id)).await
    }

    pub async fn revoke_token(&self, scope: &Scope, app: &str, id: &str) -> Result<()> {
        scope.require_admin()?;
        let app = self.application(scope, app).await?;
        self.store
            .revoke_token(&app.id, id, now_ms())
            .await
            .map_err(store_err("token"))?;
        self.tokens.clear();
        tracing::info!(application = %app.id, token = %id, "application token revoked");
        Ok(())
    }

    /// Ends the session of the token presented: a token scoped to an
    /// application is revoked; the admin token cannot end this way (409).
    pub async fn logout(&self, scope: &Scope, presented: &str) -> Result<()> {
        let Scope::App(app) = scope else {
            return Err(Error::Conflict(
                "the admin token is not revoked by logging out: change it with `hookseal admin-token rotate`"
                    .into(),
            ));
        };
        let store = self.store.clone();
        let hash = crate::crypto::digest(presented);
        let Some(t) = blocking("token", move || store.find_token(&hash)).await? else {
            return Err(Error::NotFound("token".into()));
        };
        self.store
            .revoke_token(app, &t.id, now_ms())
            .await
            .map_err(store_err("token"))?;
        self.tokens.clear();
        tracing::info!(application = %app, token = %t.id, "application token logged out");
        Ok(())
    }

    /// Who a presented bearer token is: the admin token, a live token
    /// scoped to an application, or nobody.
    pub async fn authenticate(&self, presented: &str) -> Option<Scope> {
        if presented.starts_with("hs_app_") {
            let hash = crate::crypto::digest(presented);
            let ttl = Duration::from_secs(self.cfg.applications.token_cache_secs);
            let found = match self.tokens.get(&hash, ttl) {
                Some(t) => t,
                None => {
                    let store = self.store.clone();
                    let t = tokio::task::spawn_blocking(move || store.find_token(&hash))
                        .await
                        .ok()?
                        .map_err(|e| tracing::error!(error = %e, "token lookup failed"))
                        .ok()?;
                    self.tokens.put(hash, t.clone());
                    t
                }
            }?;
            let now = now_ms();
            let live = found.revoked_at.is_none() && found.expires_at.is_none_or(|e| e > now);
            return live.then_some(Scope::App(found.app_id));
        }
        self.token.check(presented).then_some(Scope::Admin)
    }
}

/// The newest of an event type's schemas (the highest version number).
fn newest_schema(schemas: Option<&Value>) -> Option<&Value> {
    schemas?
        .as_object()?
        .iter()
        .max_by_key(|(v, _)| v.parse::<u64>().unwrap_or(0))
        .map(|(_, s)| s)
}
