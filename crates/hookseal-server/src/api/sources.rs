//! `/api/v1/sources`: the inbound gateway's sources.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::HttpMethod;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::endpoints::{limit, LimitQuery};
use super::{
    ApiJson, ApiPath, ApiQuery, ApiResult, AppState, BodyErrors, Caller, Common, Conflict, List,
    NoQuery, NotFound,
};
use crate::ingress::source::{SourceIn, SourceOut, SourceUpdate};
use crate::store::RejectionRecord;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_source, list_sources))
        .routes(routes!(get_source, put_source, delete_source))
        .routes(routes!(rotate_source_secret))
        .routes(routes!(source_rejections))
}

pub(super) const LINKS: &[(&str, HttpMethod, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/sources",
        HttpMethod::Post,
        "201",
        "GetSource",
        "get_source",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/sources",
        HttpMethod::Post,
        "201",
        "PutSource",
        "put_source",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/sources",
        HttpMethod::Post,
        "201",
        "RotateSourceSecret",
        "rotate_source_secret",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/sources",
        HttpMethod::Post,
        "201",
        "SourceRejections",
        "source_rejections",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/sources",
        HttpMethod::Post,
        "201",
        "DeleteSource",
        "delete_source",
        "name",
        "$response.body#/name",
    ),
];

/// The provider's new secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRotateIn {
    /// The new secret, in the provider's form.
    #[schema(min_length = 1)]
    pub secret: String,
    /// Seconds the previous secrets keep verifying (default:
    /// `secrets.rotation_grace_secs`).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_secs: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRotateOut {
    /// When the previous secrets stop verifying (ms).
    pub previous_expires_at: i64,
}

/// Creates a source: `/in/{name}` starts verifying at once. Secrets are given
/// inline; endpoints forwarding it are created with `"source": name`.
#[utoipa::path(post, path = "/sources", tag = "sources",
    security(("admin_token" = [])),
    params(NoQuery),
    request_body = SourceIn,
    responses((status = 201, body = SourceOut), Common, Conflict, BodyErrors))]
async fn create_source(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
    ApiJson(SourceIn(def)): ApiJson<SourceIn>,
) -> ApiResult<(StatusCode, Json<SourceOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.create_source(&scope, def).await?),
    ))
}

/// Every source, by name.
#[utoipa::path(get, path = "/sources", tag = "sources",
    security(("admin_token" = [])),
    params(NoQuery),
    responses((status = 200, body = List<SourceOut>), Common))]
async fn list_sources(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<List<SourceOut>>> {
    Ok(Json(List {
        data: s.list_sources(&scope).await?,
    }))
}

/// A source, with its stored events' count.
#[utoipa::path(get, path = "/sources/{name}", tag = "sources",
    security(("admin_token" = [])),
    params(("name" = String, Path), NoQuery),
    responses((status = 200, body = SourceOut), Common, NotFound))]
async fn get_source(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<SourceOut>> {
    Ok(Json(s.get_source(&scope, &name).await?))
}

/// Replaces an API-created source's definition (its secrets, endpoints and
/// dedup records stay; rotate secrets with the rotate route). The name is
/// the path's.
#[utoipa::path(put, path = "/sources/{name}", tag = "sources",
    security(("admin_token" = [])),
    params(("name" = String, Path), NoQuery),
    request_body = SourceUpdate,
    responses((status = 200, body = SourceOut), Common, NotFound, Conflict, BodyErrors))]
async fn put_source(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(SourceUpdate(def)): ApiJson<SourceUpdate>,
) -> ApiResult<Json<SourceOut>> {
    Ok(Json(s.put_source(&scope, &name, def).await?))
}

/// Deletes an API-created source; its stored events are kept for the
/// default retention, then purged.
#[utoipa::path(delete, path = "/sources/{name}", tag = "sources",
    security(("admin_token" = [])),
    params(("name" = String, Path), NoQuery),
    responses((status = 204, description = "Deleted"), Common, NotFound, Conflict))]
async fn delete_source(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<StatusCode> {
    s.delete_source(&scope, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds the provider's new secret; the previous ones keep verifying for the
/// grace period.
#[utoipa::path(post, path = "/sources/{name}/secrets/rotate", tag = "sources",
    security(("admin_token" = [])),
    params(("name" = String, Path), NoQuery),
    request_body = SourceRotateIn,
    responses((status = 200, body = SourceRotateOut), Common, NotFound, Conflict, BodyErrors))]
async fn rotate_source_secret(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<SourceRotateIn>,
) -> ApiResult<Json<SourceRotateOut>> {
    Ok(Json(SourceRotateOut {
        previous_expires_at: s
            .rotate_source_secret(&scope, &name, i.secret, i.grace_secs)
            .await?,
    }))
}

/// The source's refused requests, newest first (metadata only: reason,
/// status, client address, time).
#[utoipa::path(get, path = "/sources/{name}/rejections", tag = "sources",
    security(("admin_token" = [])),
    params(("name" = String, Path), LimitQuery),
    responses((status = 200, body = List<RejectionRecord>), Common, NotFound))]
async fn source_rejections(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<List<RejectionRecord>>> {
    Ok(Json(List {
        data: s.source_rejections(&scope, &name, limit(q.limit)?).await?,
    }))
}
