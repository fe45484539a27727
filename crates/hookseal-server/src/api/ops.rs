//! Operational routes: `/healthz`, `/readyz`, `/metrics` (no token) and
//! the OpenAPI document.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiQuery, AppState, NoQuery};
use crate::clock::now_ms;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(jwks))
}

/// The document's own route (no token), under `/api/v1`.
pub(super) fn document_route() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_document))
}

/// Plain-text answers.
fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    params(NoQuery),
    responses(
        (status = 200, description = "ok", body = String, content_type = "text/plain"),
        (status = 400, description = "An unknown query parameter", body = super::ErrorBody)
    ))]
async fn healthz(_q: ApiQuery<NoQuery>) -> Response {
    text(StatusCode::OK, "ok".into())
}

/// Ready: the store commits a real write and its disk has room
/// (`server.min_free_disk_bytes`); otherwise 503 with the reason.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    params(NoQuery),
    responses(
        (status = 200, description = "ready", body = String, content_type = "text/plain"),
        (status = 400, description = "An unknown query parameter", body = super::ErrorBody),
        (status = 503, description = "not ready: the reason", body = String, content_type = "text/plain")
    ))]
async fn readyz(State(s): State<AppState>, _q: ApiQuery<NoQuery>) -> Response {
    // A write into WAL space already allocated can succeed on a full disk,
    // until the next one cannot: the free space is checked too.
    let store = s.store.clone();
    let read = tokio::task::spawn_blocking(move || store.queue_stats(now_ms())).await;
    let write = tokio::time::timeout(std::time::Duration::from_secs(5), s.store.ping()).await;
    let unready = |why: String| {
        tracing::warn!(reason = %why, "not ready");
        text(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}"))
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
        Ok(_) => text(StatusCode::OK, "ready".into()),
        Err(e) => unready(format!(
            "cannot read the free space of {}: {e}",
            dir.display()
        )),
    }
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    params(NoQuery),
    responses(
        (status = 200, description = "The metrics", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 400, description = "An unknown query parameter", body = super::ErrorBody),
        (status = 500, description = "The store could not be read", body = super::ErrorBody)
    ))]
async fn metrics(State(s): State<AppState>, _q: ApiQuery<NoQuery>) -> Response {
    let store = s.store.clone();
    match tokio::task::spawn_blocking(move || store.queue_stats(now_ms())).await {
        Ok(Ok(q)) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            s.metrics.render(&q),
        )
            .into_response(),
        _ => super::ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the store could not be read",
        )
        .into_response(),
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    params(NoQuery),
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object),
        (status = 400, description = "An unknown query parameter", body = super::ErrorBody)
    ))]
async fn openapi_document(_q: ApiQuery<NoQuery>) -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(super::openapi_json);
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str()).into_response()
}

/// The public keys an application's endpoints sign with (Ed25519: Standard
/// Webhooks `v1a` and RFC 9421; ECDSA P-256: RFC 9421), as a JWK Set, for
/// its receivers to fetch. No token: public keys are public. A key rotated
/// out stays listed until its grace period ends; an unknown application
/// answers an empty set.
#[utoipa::path(get, path = "/.well-known/jwks/{app}", tag = "operations",
    params(
        ("app" = String, Path, description = "The application's id or uid"),
        NoQuery
    ),
    responses(
        (status = 200, description = "The JWK Set", body = Object, content_type = "application/jwk-set+json"),
        (status = 400, description = "An unknown query parameter", body = super::ErrorBody),
        (status = 503, description = "The store is unavailable", body = super::ErrorBody)
    ))]
async fn jwks(
    State(s): State<AppState>,
    axum::extract::Path(app): axum::extract::Path<String>,
    _q: ApiQuery<NoQuery>,
) -> Response {
    match s.jwks(&app).await {
        Ok(set) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/jwk-set+json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            set.to_string(),
        )
            .into_response(),
        Err(e) => super::ApiError::from(e).into_response(),
    }
}
