//! The admin API (JSON over HTTP, bearer token on every `/api/v1` route except the
//! OpenAPI document) and the operational routes (`/healthz`, `/readyz`, `/metrics`).
//!
//! Errors: 4xx answers say what is wrong; a 500 answers an opaque message and the
//! log gets the detail.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::config::Config;
use crate::crypto::{AdminToken, DataKey};
use crate::delivery::{now_ms, ssrf::Guard};
use crate::metrics::Metrics;
use crate::store::{
    new_id, Endpoint, EndpointInput, NewMessage, SealedSecret, SigningScheme, Store, StoreError,
};

/// The OpenAPI document, committed at `crates/hookseal-server/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Every route: (method, path). The OpenAPI test checks the document against it.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/endpoints"),
    ("get", "/api/v1/endpoints"),
    ("get", "/api/v1/endpoints/{id}"),
    ("patch", "/api/v1/endpoints/{id}"),
    ("delete", "/api/v1/endpoints/{id}"),
    ("post", "/api/v1/endpoints/{id}/disable"),
    ("post", "/api/v1/endpoints/{id}/enable"),
    ("get", "/api/v1/endpoints/{id}/secret"),
    ("post", "/api/v1/endpoints/{id}/secret/rotate"),
    ("get", "/api/v1/endpoints/{id}/deliveries"),
    ("post", "/api/v1/endpoints/{id}/recover"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/messages"),
    ("get", "/api/v1/messages/{id}"),
    ("get", "/api/v1/messages/{id}/deliveries"),
    ("get", "/api/v1/deliveries/{id}"),
    ("get", "/api/v1/deliveries/{id}/attempts"),
    ("post", "/api/v1/deliveries/{id}/resend"),
    ("post", "/api/v1/sources"),
    ("get", "/api/v1/sources"),
    ("get", "/api/v1/sources/{name}"),
    ("put", "/api/v1/sources/{name}"),
    ("delete", "/api/v1/sources/{name}"),
    ("post", "/api/v1/sources/{name}/secrets/rotate"),
    ("get", "/api/v1/sources/{name}/rejections"),
    ("post", "/in/{source}"),
];

/// Shared state.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub key: Arc<DataKey>,
    pub token: Arc<AdminToken>,
    pub cfg: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub wake: Arc<Notify>,
    pub guard: Arc<Guard>,
    /// The guard for endpoints that forward an inbound source.
    pub forward_guard: Arc<Guard>,
    pub ingress: Arc<crate::ingress::Ingress>,
}

/// An API error.
pub enum ApiError {
    Status(StatusCode, String),
    Internal(anyhow::Error),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::Status(StatusCode::NOT_FOUND, "not found".into()),
            StoreError::Conflict(m) => ApiError::Status(StatusCode::CONFLICT, m),
            StoreError::Invalid(m) => ApiError::Status(StatusCode::UNPROCESSABLE_ENTITY, m),
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::Status(StatusCode::UNPROCESSABLE_ENTITY, msg.into())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Status(code, msg) => (code, Json(json!({ "error": msg }))).into_response(),
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal error" })),
                )
                    .into_response()
            }
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs a blocking store call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("task failed: {e}")))?
        .map_err(ApiError::from)
}

/// The router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/endpoints", post(create_endpoint).get(list_endpoints))
        .route(
            "/endpoints/{id}",
            get(get_endpoint)
                .patch(update_endpoint)
                .delete(delete_endpoint),
        )
        .route("/endpoints/{id}/disable", post(disable_endpoint))
        .route("/endpoints/{id}/enable", post(enable_endpoint))
        .route("/endpoints/{id}/secret", get(get_secret))
        .route("/endpoints/{id}/secret/rotate", post(rotate_secret))
        .route("/endpoints/{id}/deliveries", get(endpoint_deliveries))
        .route("/endpoints/{id}/recover", post(recover))
        .route("/messages", post(publish).get(list_messages))
        .route("/messages/{id}", get(get_message))
        .route("/messages/{id}/deliveries", get(message_deliveries))
        .route("/deliveries/{id}", get(get_delivery))
        .route("/deliveries/{id}/attempts", get(attempts))
        .route("/deliveries/{id}/resend", post(resend))
        .route("/sources", post(create_source).get(list_sources))
        .route(
            "/sources/{name}",
            get(get_source).put(put_source).delete(delete_source),
        )
        .route("/sources/{name}/secrets/rotate", post(rotate_source_secret))
        .route("/sources/{name}/rejections", get(source_rejections))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_token,
        ))
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        );
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", api)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.cfg.server.max_body_bytes,
        ))
        .with_state(state)
}

async fn require_token(
    State(s): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match presented {
        Some(t) if s.token.check(t) => next.run(req).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({ "error": "missing or invalid admin token" })),
        )
            .into_response(),
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme name is
/// case-insensitive and followed by one or more spaces (RFC 9110 §11.1,
/// §11.4); the token is one word.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let token = rest.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

async fn readyz(State(s): State<AppState>) -> Response {
    // Ready means the store answers a read and commits a real write through
    // the writer, and its disk has room (a write into WAL space already
    // allocated can succeed on a full disk, until the next one cannot).
    let store = s.store.clone();
    let read = tokio::task::spawn_blocking(move || store.queue_stats(now_ms())).await;
    let write = tokio::time::timeout(std::time::Duration::from_secs(5), s.store.ping()).await;
    let unready = |why: String| {
        tracing::warn!(reason = %why, "not ready");
        (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")).into_response()
    };
    match (read, write) {
        (Ok(Ok(_)), Ok(Ok(()))) => {}
        (Ok(Err(e)), _) => return unready(format!("the store cannot be read ({e})")),
        (_, Ok(Err(e))) => return unready(format!("the store cannot be written ({e})")),
        _ => return unready("the store did not answer in time".into()),
    }
    let dir = &s.cfg.server.data_dir;
    match crate::disk::free_bytes(dir) {
        Ok(free) if free < s.cfg.server.min_free_disk_bytes => unready(format!(
            "{free} bytes free on the data directory's file system, below \
             server.min_free_disk_bytes ({})",
            s.cfg.server.min_free_disk_bytes
        )),
        Ok(_) => "ready".into_response(),
        Err(e) => unready(format!(
            "cannot read the free space of {}: {e}",
            dir.display()
        )),
    }
}

async fn metrics(State(s): State<AppState>) -> ApiResult<Response> {
    let store = s.store.clone();
    let q = blocking(move || store.queue_stats(now_ms())).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(&q),
    )
        .into_response())
}

/// A fresh secret in the scheme's form.
pub fn generate_secret(scheme: &SigningScheme) -> String {
    use hookseal::keys::{generate, KeyKind};
    match scheme {
        SigningScheme::StandardWebhooks => generate(KeyKind::Whsec).secret,
        SigningScheme::StandardWebhooksEd25519 => generate(KeyKind::StandardEd25519).secret,
        _ => generate(KeyKind::Hmac).secret,
    }
}

fn validate(s: &AppState, ep: &Endpoint) -> ApiResult<()> {
    // Endpoints declared in the config file reach the operator's own services;
    // everything created through the API meets the customer-grade guard.
    let guard = if ep.from_config {
        &s.forward_guard
    } else {
        &s.guard
    };
    crate::delivery::check_endpoint(ep, guard).map_err(bad)
}

fn apply(ep: &mut Endpoint, input: EndpointInput) {
    if let Some(v) = input.url {
        ep.url = v;
    }
    if let Some(v) = input.description {
        ep.description = v;
    }
    if let Some(v) = input.event_types {
        ep.event_types = v;
    }
    if let Some(v) = input.headers {
        ep.headers = v;
    }
    if let Some(v) = input.scheme {
        ep.scheme = v;
    }
    if let Some(v) = input.rate_limit {
        ep.rate_limit = v;
    }
    if let Some(v) = input.max_concurrency {
        ep.max_concurrency = v;
    }
    if let Some(v) = input.enabled {
        ep.enabled = v;
        if v {
            ep.disabled_reason = None;
            ep.failing_since = None;
        } else if ep.disabled_reason.is_none() {
            ep.disabled_reason = Some("disabled by an operator".into());
        }
    }
}

async fn create_endpoint(
    State(s): State<AppState>,
    Json(input): Json<EndpointInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if input.url.is_none() {
        return Err(bad("url is required"));
    }
    if let Some(src) = &input.source {
        let store = s.store.clone();
        let name = src.clone();
        blocking(move || store.get_source(&name))
            .await
            .map_err(|_| bad(format!("source: no source named {src}")))?;
    }
    let now = now_ms();
    let mut ep = Endpoint {
        id: new_id("ep_"),
        url: String::new(),
        description: String::new(),
        event_types: Vec::new(),
        headers: Default::default(),
        scheme: SigningScheme::default(),
        rate_limit: None,
        max_concurrency: None,
        enabled: true,
        source: input.source.clone(),
        from_config: false,
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    apply(&mut ep, input);
    validate(&s, &ep)?;
    let secret = generate_secret(&ep.scheme);
    let sealed = SealedSecret {
        sealed: s.key.seal(&ep.id, secret.as_bytes()),
        created_at: now,
        expires_at: None,
    };
    let store = s.store.clone();
    let ep = store.create_endpoint(ep, sealed).await?;
    let mut v = serde_json::to_value(&ep).map_err(anyhow::Error::from)?;
    v["secret"] = json!(secret);
    if let Some(p) = public_of(&ep.scheme, &secret) {
        v["public_key"] = json!(p);
    }
    Ok((StatusCode::CREATED, Json(v)))
}

fn public_of(scheme: &SigningScheme, secret: &str) -> Option<String> {
    if *scheme != SigningScheme::StandardWebhooksEd25519 {
        return None;
    }
    let seed =
        hookseal::codec::Encoding::Base64.decode(secret.trim_start_matches("whsk_").as_bytes())?;
    let seed: [u8; 32] = seed.get(..32)?.try_into().ok()?;
    hookseal::scheme::standard::ed25519_keys_from_seed(&seed)
        .ok()
        .map(|k| k.1)
}

async fn list_endpoints(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let eps = blocking(move || store.list_endpoints()).await?;
    Ok(Json(json!({ "data": eps })))
}

async fn get_endpoint(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Endpoint>> {
    let store = s.store.clone();
    Ok(Json(blocking(move || store.get_endpoint(&id)).await?))
}

async fn change_endpoint(
    s: &AppState,
    id: String,
    input: EndpointInput,
) -> ApiResult<Json<Endpoint>> {
    if input.source.is_some() {
        return Err(bad(
            "source is set when an endpoint is created and cannot change",
        ));
    }
    let st = s.clone();
    let shape_change = EndpointInput {
        enabled: None,
        ..input.clone()
    } != EndpointInput::default();
    let change: crate::store::EndpointChange = Box::new(move |ep: &mut Endpoint| {
        if ep.from_config && shape_change {
            return Err(StoreError::Conflict(declared_in_config(&st, &ep.id)));
        }
        let scheme_before = ep.scheme.clone();
        apply(ep, input);
        if ep.scheme != scheme_before {
            return Err(StoreError::Invalid(
                "the signing scheme cannot change (its secrets have another form); create a new endpoint".into(),
            ));
        }
        validate(&st, ep).map_err(|e| match e {
            ApiError::Status(_, m) => StoreError::Invalid(m),
            ApiError::Internal(e) => StoreError::Other(e),
        })?;
        ep.updated_at = now_ms();
        Ok(())
    });
    let ep = s.store.modify_endpoint(&id, change).await?;
    s.wake.notify_one();
    Ok(Json(ep))
}

async fn update_endpoint(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(input): Json<EndpointInput>,
) -> ApiResult<Json<Endpoint>> {
    change_endpoint(&s, id, input).await
}

async fn disable_endpoint(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Endpoint>> {
    set_enabled(&s, id, false).await
}

async fn enable_endpoint(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Endpoint>> {
    set_enabled(&s, id, true).await
}

async fn set_enabled(s: &AppState, id: String, enabled: bool) -> ApiResult<Json<Endpoint>> {
    let input = EndpointInput {
        enabled: Some(enabled),
        ..Default::default()
    };
    change_endpoint(s, id, input).await
}

/// The refusal for a change to what the config file declares.
fn declared_in_config(s: &AppState, id: &str) -> String {
    let file = s.cfg.file.as_ref().map_or_else(
        || "the config file".to_string(),
        |f| f.display().to_string(),
    );
    format!(
        "endpoint {id} is declared in {file} (a source's forward): change it there and restart; \
         through the API it can only be enabled, disabled, recovered or resent"
    )
}

/// Refuses a change of shape to an endpoint the config file declares.
async fn not_declared(s: &AppState, id: &str) -> ApiResult<Endpoint> {
    let store = s.store.clone();
    let id2 = id.to_string();
    let ep = blocking(move || store.get_endpoint(&id2)).await?;
    if ep.from_config {
        return Err(ApiError::Status(
            StatusCode::CONFLICT,
            declared_in_config(s, id),
        ));
    }
    Ok(ep)
}

async fn delete_endpoint(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    not_declared(&s, &id).await?;
    let store = s.store.clone();
    store.delete_endpoint(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_secret(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let id2 = id.clone();
    let (ep, secrets) =
        blocking(move || Ok((store.get_endpoint(&id2)?, store.secrets(&id2)?))).await?;
    let now = now_ms();
    let mut out = Vec::new();
    for sec in secrets
        .iter()
        .filter(|x| x.expires_at.is_none_or(|e| e > now))
    {
        let text = String::from_utf8(s.key.open(&id, &sec.sealed)?).map_err(anyhow::Error::from)?;
        let mut v =
            json!({ "secret": text, "created_at": sec.created_at, "expires_at": sec.expires_at });
        if let Some(p) = public_of(&ep.scheme, &text) {
            v["public_key"] = json!(p);
        }
        out.push(v);
    }
    Ok(Json(json!({ "data": out })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RotateInput {
    grace_secs: Option<i64>,
}

async fn rotate_secret(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<RotateInput>>,
) -> ApiResult<Json<Value>> {
    let grace = body
        .map(|b| b.0)
        .unwrap_or_default()
        .grace_secs
        .unwrap_or(s.cfg.secrets.rotation_grace_secs);
    if !(0..=7 * 86400).contains(&grace) {
        return Err(bad("grace_secs must be between 0 and 604800 (7 days)"));
    }
    let ep = not_declared(&s, &id).await?;
    let now = now_ms();
    let secret = generate_secret(&ep.scheme);
    let sealed = SealedSecret {
        sealed: s.key.seal(&id, secret.as_bytes()),
        created_at: now,
        expires_at: None,
    };
    let store = s.store.clone();
    let id2 = id.clone();
    store
        .rotate_secret(&id2, sealed, now + grace * 1000)
        .await?;
    let mut v = json!({ "secret": secret, "previous_expires_at": now + grace * 1000 });
    if let Some(p) = public_of(&ep.scheme, &secret) {
        v["public_key"] = json!(p);
    }
    Ok(Json(v))
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<i64>,
    before: Option<i64>,
}

async fn endpoint_deliveries(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let d = blocking(move || {
        store.get_endpoint(&id)?;
        store.deliveries_of_endpoint(&id, limit)
    })
    .await?;
    Ok(Json(json!({ "data": d })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoverInput {
    /// Unix milliseconds.
    since: i64,
}

async fn recover(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(input): Json<RecoverInput>,
) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let n = store.recover(&id, input.since, now_ms()).await?;
    s.wake.notify_one();
    Ok(Json(json!({ "recovered": n })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishInput {
    event_type: String,
    payload: Value,
    /// The message id (idempotency key): a second publish with it returns the first.
    id: Option<String>,
    idempotency_key: Option<String>,
}

async fn publish(
    State(s): State<AppState>,
    Json(input): Json<PublishInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    crate::event_types::check_event_type(&input.event_type).map_err(bad)?;
    let id = match input.id.or(input.idempotency_key) {
        Some(id) => {
            if id.is_empty()
                || id.len() > 256
                || !id.bytes().all(|b| b.is_ascii_graphic())
                || id.contains('.')
            {
                return Err(bad("id must be 1-256 visible ASCII characters without '.'"));
            }
            id
        }
        None => new_id("msg_"),
    };
    let payload = serde_json::to_vec(&input.payload).map_err(anyhow::Error::from)?;
    let store = s.store.clone();
    let msg = NewMessage {
        id,
        event_type: input.event_type,
        payload,
    };
    let (m, created) = store.publish(msg, now_ms()).await?;
    if created {
        s.metrics
            .messages_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Its deliveries were handed to the engine as they committed (the
        // store wakes the engine itself for any it had to queue).
    } else {
        s.metrics
            .messages_duplicate
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(
            json!({ "id": m.id, "event_type": m.event_type, "created_at": m.created_at, "duplicate": !created }),
        ),
    ))
}

fn message_json(m: &crate::store::Message) -> Value {
    let payload: Value = serde_json::from_slice(&m.payload).unwrap_or(Value::Null);
    let mut v = json!({ "id": m.id, "event_type": m.event_type, "created_at": m.created_at, "payload": payload });
    // Inbound events: where they came from and the provider's id.
    if let Some(src) = &m.source {
        v["source"] = json!(src);
        v["webhook_id"] = json!(m.webhook_id);
    }
    v
}

async fn list_messages(
    State(s): State<AppState>,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let ms = blocking(move || store.list_messages(limit, q.before)).await?;
    Ok(Json(
        json!({ "data": ms.iter().map(message_json).collect::<Vec<_>>() }),
    ))
}

async fn get_message(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let m = blocking(move || store.get_message(&id)).await?;
    Ok(Json(message_json(&m)))
}

async fn message_deliveries(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let d = blocking(move || {
        store.get_message(&id)?;
        store.deliveries_of_message(&id)
    })
    .await?;
    Ok(Json(json!({ "data": d })))
}

async fn get_delivery(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let d = blocking(move || store.get_delivery(&id)).await?;
    Ok(Json(serde_json::to_value(d).map_err(anyhow::Error::from)?))
}

async fn attempts(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let a = blocking(move || {
        store.get_delivery(&id)?;
        store.attempts(&id)
    })
    .await?;
    Ok(Json(json!({ "data": a })))
}

async fn resend(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let d = store.resend(&id, now_ms()).await?;
    s.wake.notify_one();
    Ok(Json(serde_json::to_value(d).map_err(anyhow::Error::from)?))
}

// --- sources (the inbound gateway) ---

async fn create_source(
    State(s): State<AppState>,
    Json(def): Json<crate::ingress::SourceConfig>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if !def.forward.is_empty() || !def.secret_env.is_empty() || !def.secret_files.is_empty() {
        return Err(bad(
            "forward, secret_env and secret_files belong to the config file; through the API, \
             give secrets inline and attach endpoints with \"source\" when creating them",
        ));
    }
    def.validate(&def.secrets).map_err(|e| bad(e.to_string()))?;
    let now = now_ms();
    let row = def.to_row(&def.secrets, &s.key, false, now)?;
    s.store.create_source(row).await?;
    reload_source(&s, &def.name).await?;
    let (code, Json(v)) = (StatusCode::CREATED, get_source_json(&s, def.name).await?);
    Ok((code, Json(v)))
}

async fn reload_source(s: &AppState, name: &str) -> ApiResult<()> {
    let ing = s.ingress.clone();
    let name = name.to_string();
    tokio::task::spawn_blocking(move || ing.reload(&name))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("task failed: {e}")))??;
    Ok(())
}

async fn get_source_json(s: &AppState, name: String) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let (row, events) =
        blocking(move || Ok((store.get_source(&name)?, store.count_events(&name)?))).await?;
    let mut v = crate::ingress::source::view(&row, &s.key, now_ms())?;
    v["events"] = json!(events);
    Ok(Json(v))
}

async fn get_source(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    get_source_json(&s, name).await
}

async fn list_sources(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let rows = blocking(move || store.list_sources()).await?;
    let now = now_ms();
    let views = rows
        .iter()
        .map(|r| crate::ingress::source::view(r, &s.key, now))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Json(json!({ "data": views })))
}

/// Replaces a source's definition; its secrets (rotate them with
/// `secrets/rotate`), endpoints and dedup records stay.
async fn put_source(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Json(def): Json<crate::ingress::SourceConfig>,
) -> ApiResult<Json<Value>> {
    if !def.secrets.is_empty() {
        return Err(bad(
            "secrets: change them with POST /api/v1/sources/{name}/secrets/rotate",
        ));
    }
    if !def.forward.is_empty() || !def.secret_env.is_empty() || !def.secret_files.is_empty() {
        return Err(bad(
            "forward, secret_env and secret_files belong to the config file",
        ));
    }
    let now = now_ms();
    let store = s.store.clone();
    let key = s.key.clone();
    let n = name.clone();
    let sealed = blocking(move || {
        let row = store.get_source(&n)?;
        crate::ingress::source::replacement(&row, &key, &def, now)
            .map_err(|e| StoreError::Invalid(e.to_string()))
    })
    .await?;
    s.store.replace_source_def(&name, sealed, now).await?;
    reload_source(&s, &name).await?;
    get_source_json(&s, name).await
}

async fn delete_source(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    s.store.delete_source(&name).await?;
    reload_source(&s, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceRotateInput {
    /// The provider's new secret.
    secret: String,
    /// Seconds the previous secrets keep verifying (default: secrets.rotation_grace_secs).
    grace_secs: Option<i64>,
}

async fn rotate_source_secret(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Json(input): Json<SourceRotateInput>,
) -> ApiResult<Json<Value>> {
    let grace = input
        .grace_secs
        .unwrap_or(s.cfg.secrets.rotation_grace_secs);
    if !(0..=7 * 86400).contains(&grace) {
        return Err(bad("grace_secs must be between 0 and 604800 (7 days)"));
    }
    // The new secret must fit the source's scheme before it replaces anything.
    let now = now_ms();
    let check = {
        let ing = s.ingress.clone();
        let n = name.clone();
        let sec = input.secret.clone();
        blocking(move || {
            let row = ing.store.get_source(&n)?;
            Ok(crate::ingress::source::check_secret(&row, &ing.key, &sec))
        })
        .await?
    };
    check.map_err(|e| bad(e.to_string()))?;
    let sealed = crate::ingress::source::seal_secret(&s.key, &name, &input.secret, now);
    s.store
        .rotate_source_secret(&name, sealed, now + grace * 1000)
        .await?;
    reload_source(&s, &name).await?;
    Ok(Json(json!({ "previous_expires_at": now + grace * 1000 })))
}

async fn source_rejections(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let r = blocking(move || {
        store.get_source(&name)?;
        store.rejections(&name, limit)
    })
    .await?;
    Ok(Json(json!({ "data": r })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for v in [
            "Bearer t0k",
            "bearer t0k",
            "BEARER t0k",
            "bEaReR   t0k",
            "  Bearer t0k  ",
        ] {
            assert_eq!(bearer_token(v), Some("t0k"), "{v:?}");
        }
        for v in [
            "Basic t0k",
            "Bearer",
            "Bearer ",
            "Bearert0k",
            "Bearer a b",
            "t0k",
        ] {
            assert_eq!(bearer_token(v), None, "{v:?}");
        }
    }
}
