//! `/api/v1/endpoints`: where webhooks go, how they are signed, their secrets.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::HttpMethod;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiJson, ApiPath, ApiQuery, ApiResult, AppState, BodyErrors, Caller, Common, Conflict, List,
    NoQuery, NotFound, OptionalJson,
};
use crate::service::{At, EndpointChange, NewEndpoint};
use crate::signing::SigningScheme;
use crate::store::{Delivery, Endpoint, Page};

pub(super) fn routes() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_endpoint, list_endpoints))
        .routes(routes!(get_endpoint, update_endpoint, delete_endpoint))
        .routes(routes!(disable_endpoint))
        .routes(routes!(enable_endpoint))
        .routes(routes!(get_secret))
        .routes(routes!(rotate_secret))
        .routes(routes!(endpoint_deliveries))
        .routes(routes!(recover))
}

/// Links from a created endpoint to the operations on it.
pub(super) const LINKS: &[(&str, HttpMethod, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "GetEndpoint",
        "get_endpoint",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "UpdateEndpoint",
        "update_endpoint",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "GetSecret",
        "get_secret",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "RotateSecret",
        "rotate_secret",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "EndpointDeliveries",
        "endpoint_deliveries",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "DisableEndpoint",
        "disable_endpoint",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "EnableEndpoint",
        "enable_endpoint",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "Recover",
        "recover",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/endpoints",
        HttpMethod::Post,
        "201",
        "DeleteEndpoint",
        "delete_endpoint",
        "id",
        "$response.body#/id",
    ),
];

fn yes() -> bool {
    true
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// The application (id or uid) whose messages it receives. Default: the
    /// token's application, or `default` for the admin token.
    #[serde(default)]
    pub application: Option<String>,
    /// Your own id for it (unique in its application; usable wherever its
    /// id is in the Svix API).
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_endpoint_uid)]
    pub uid: Option<String>,
    /// Channels it takes: it then receives only messages on one of them.
    /// Null: every message.
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_endpoint_channels)]
    pub channels: Option<Vec<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: BTreeMap<String, String>,
    /// Where deliveries are POSTed: `https://` (plain `http://` only where the
    /// operator allows it, `delivery.allow_http`). Loopback, private and
    /// other special-purpose addresses are refused unless
    /// `delivery.allow_cidrs` opens them.
    #[schema(schema_with = crate::schema::url)]
    pub url: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::short_description)]
    pub description: String,
    /// Event types delivered: exact (`invoice.paid`), a prefix pattern
    /// (`invoice.*`) or `*`. Empty: every event.
    #[serde(default)]
    #[schema(schema_with = crate::schema::filters)]
    pub event_types: Vec<String>,
    /// Headers sent with every delivery (a shared custom header). Connection,
    /// framing and signature headers cannot be set.
    #[serde(default)]
    #[schema(schema_with = crate::schema::header_map)]
    pub headers: BTreeMap<String, String>,
    /// How deliveries are signed (default: Standard Webhooks).
    #[serde(default)]
    pub scheme: SigningScheme,
    /// Deliveries per second, or null for no limit.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub rate_limit: Option<u32>,
    /// Deliveries in flight at once, or null for no limit.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub max_concurrency: Option<u32>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The inbound source whose events this endpoint forwards (it then gets
    /// those and no published messages). Cannot change later.
    #[serde(default)]
    pub source: Option<String>,
    /// The signing secret, if you choose it (in the scheme's form: `whsec_…`
    /// for Standard Webhooks, 8-512 visible characters for HMAC schemes).
    /// Generated when absent.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A change to an endpoint: fields given replace the stored ones. The
/// signing scheme and the source cannot change (create a new endpoint).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[schema(schema_with = crate::schema::opt_url)]
    pub url: Option<String>,
    /// Your own id for it; null removes it.
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_endpoint_uid)]
    pub uid: Option<Option<String>>,
    /// The channels it takes; null: every message.
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_endpoint_channels)]
    pub channels: Option<Option<Vec<String>>>,
    #[schema(schema_with = crate::schema::opt_metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[schema(schema_with = crate::schema::opt_short_description)]
    pub description: Option<String>,
    #[schema(schema_with = crate::schema::opt_filters)]
    pub event_types: Option<Vec<String>>,
    #[schema(schema_with = crate::schema::opt_header_map)]
    pub headers: Option<BTreeMap<String, String>>,
    /// Deliveries per second; null removes the limit.
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub rate_limit: Option<Option<u32>>,
    /// Deliveries in flight at once; null removes the limit.
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub max_concurrency: Option<Option<u32>>,
    pub enabled: Option<bool>,
}

/// A new endpoint, with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointCreated {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// The signing secret (also readable through the secret route).
    pub secret: String,
    /// What receivers verify with, for asymmetric schemes (`whpk_…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// A live signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretOut {
    pub secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    pub created_at: i64,
    /// When it stops signing (ms), once rotated out.
    pub expires_at: Option<i64>,
}

/// A rotation: both fields optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// The new secret, if you choose it (else generated).
    pub secret: Option<String>,
    /// Seconds the previous secrets keep signing (default:
    /// `secrets.rotation_grace_secs`).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_secs: Option<i64>,
}

/// What a rotation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotateOut {
    pub secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// When the previous secrets stop signing (ms).
    pub previous_expires_at: i64,
    /// true: every delivery carries both signatures during the grace period
    /// (the scheme's header can carry several). false: the previous secret
    /// keeps signing until `previous_expires_at`, the new one from then on.
    pub both_sign_during_grace: bool,
    /// When the new secret starts signing (ms).
    pub new_secret_signs_from: i64,
}

/// Which failed deliveries to make due again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverIn {
    /// Failed deliveries created since this Unix time in milliseconds.
    #[serde(deserialize_with = "crate::whole::int")]
    pub since: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoverOut {
    /// How many deliveries are due again.
    pub recovered: i64,
}

/// How many items a list returns.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// At most this many (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Which endpoints to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EndpointListQuery {
    /// Only this application's (id or uid).
    pub application: Option<String>,
    /// At most this many (1-1000; default: all).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Those after this endpoint id (the last of the previous page).
    pub after: Option<String>,
}

/// A limit within 1..=1000 (default 100), or a 400.
pub(super) fn limit(l: Option<i64>) -> ApiResult<i64> {
    match l {
        None => Ok(100),
        Some(l @ 1..=1000) => Ok(l),
        Some(_) => Err(super::ApiError::bad_request(
            "query: limit must be between 1 and 1000",
        )),
    }
}

/// Creates an endpoint.
#[utoipa::path(post, path = "/endpoints", tag = "endpoints",
    security(("admin_token" = [])),
    params(NoQuery),
    request_body = EndpointIn,
    responses(
        (status = 201, description = "Created, with its secret", body = EndpointCreated),
        Common, NotFound, Conflict, BodyErrors
    ))]
async fn create_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<EndpointIn>,
) -> ApiResult<(StatusCode, Json<EndpointCreated>)> {
    let c = s
        .create_endpoint(
            &scope,
            NewEndpoint {
                app: i.application,
                uid: i.uid,
                channels: i.channels,
                metadata: i.metadata,
                declared_filters_only: false,
                url: i.url,
                description: i.description,
                event_types: i.event_types,
                headers: i.headers,
                scheme: i.scheme,
                rate_limit: i.rate_limit,
                max_concurrency: i.max_concurrency,
                enabled: i.enabled,
                source: i.source,
                secret: i.secret,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EndpointCreated {
            endpoint: c.endpoint,
            secret: c.secret,
            public_key: c.public_key,
        }),
    ))
}

/// Lists endpoints, oldest first: every one the token sees, or one
/// application's.
#[utoipa::path(get, path = "/endpoints", tag = "endpoints",
    security(("admin_token" = [])),
    params(EndpointListQuery),
    responses((status = 200, body = List<Endpoint>), Common, NotFound))]
async fn list_endpoints(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiQuery(q): ApiQuery<EndpointListQuery>,
) -> ApiResult<Json<List<Endpoint>>> {
    let page = Page {
        limit: match q.limit {
            None => i64::MAX,
            l => limit(l)?,
        },
        after: q.after,
        ..Page::default()
    };
    Ok(Json(List {
        data: s
            .list_endpoints(&scope, q.application.as_deref(), page)
            .await?,
    }))
}

/// An endpoint.
#[utoipa::path(get, path = "/endpoints/{id}", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = Endpoint), Common, NotFound))]
async fn get_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Endpoint>> {
    Ok(Json(s.endpoint(&scope, At::id(&id)).await?))
}

/// Changes an endpoint. Endpoints declared in the config file take only
/// `enabled` (409 otherwise).
#[utoipa::path(patch, path = "/endpoints/{id}", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    request_body = EndpointPatch,
    responses((status = 200, body = Endpoint), Common, NotFound, Conflict, BodyErrors))]
async fn update_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(p): ApiJson<EndpointPatch>,
) -> ApiResult<Json<Endpoint>> {
    Ok(Json(
        s.change_endpoint(
            &scope,
            At::id(&id),
            EndpointChange {
                uid: p.uid,
                channels: p.channels,
                metadata: p.metadata,
                merge_headers: None,
                declared_filters_only: false,
                url: p.url,
                description: p.description,
                event_types: p.event_types,
                headers: p.headers,
                rate_limit: p.rate_limit,
                max_concurrency: p.max_concurrency,
                enabled: p.enabled,
            },
        )
        .await?,
    ))
}

/// Deletes an endpoint and its deliveries.
#[utoipa::path(delete, path = "/endpoints/{id}", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 204, description = "Deleted"), Common, NotFound, Conflict))]
async fn delete_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<StatusCode> {
    s.delete_endpoint(&scope, At::id(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an endpoint: its pending deliveries wait until it is enabled.
#[utoipa::path(post, path = "/endpoints/{id}/disable", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = Endpoint), Common, NotFound))]
async fn disable_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Endpoint>> {
    set_enabled(&s, &scope, &id, false).await
}

/// Enables an endpoint (and clears its failing streak).
#[utoipa::path(post, path = "/endpoints/{id}/enable", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = Endpoint), Common, NotFound))]
async fn enable_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Endpoint>> {
    set_enabled(&s, &scope, &id, true).await
}

async fn set_enabled(
    s: &AppState,
    scope: &crate::service::Scope,
    id: &str,
    enabled: bool,
) -> ApiResult<Json<Endpoint>> {
    let change = EndpointChange {
        enabled: Some(enabled),
        ..Default::default()
    };
    Ok(Json(s.change_endpoint(scope, At::id(id), change).await?))
}

/// The endpoint's live secrets, newest first (two during a rotation).
#[utoipa::path(get, path = "/endpoints/{id}/secret", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = List<SecretOut>), Common, NotFound))]
async fn get_secret(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<List<SecretOut>>> {
    let data = s
        .endpoint_secrets(&scope, At::id(&id))
        .await?
        .into_iter()
        .map(|x| SecretOut {
            secret: x.secret,
            public_key: x.public_key,
            created_at: x.created_at,
            expires_at: x.expires_at,
        })
        .collect();
    Ok(Json(List { data }))
}

/// Rotates the secret: a new one (chosen or generated); the previous ones
/// keep signing for the grace period — beside the new one where the scheme's
/// header carries several signatures, instead of it where it does not.
#[utoipa::path(post, path = "/endpoints/{id}/secret/rotate", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    request_body(content = Option<RotateIn>, description = "Optional"),
    responses((status = 200, body = RotateOut), Common, NotFound, Conflict, BodyErrors))]
async fn rotate_secret(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    OptionalJson(r): OptionalJson<RotateIn>,
) -> ApiResult<Json<RotateOut>> {
    let r = s
        .rotate_secret(&scope, At::id(&id), r.secret, r.grace_secs)
        .await?;
    Ok(Json(RotateOut {
        secret: r.secret,
        public_key: r.public_key,
        previous_expires_at: r.previous_expires_at,
        both_sign_during_grace: r.both_sign_during_grace,
        new_secret_signs_from: r.new_signs_from,
    }))
}

/// The endpoint's deliveries, latest change first.
#[utoipa::path(get, path = "/endpoints/{id}/deliveries", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), LimitQuery),
    responses((status = 200, body = List<Delivery>), Common, NotFound))]
async fn endpoint_deliveries(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<List<Delivery>>> {
    let data = s
        .endpoint_deliveries(&scope, At::id(&id), limit(q.limit)?)
        .await?;
    Ok(Json(List { data }))
}

/// Makes the endpoint's failed deliveries since a time due again.
#[utoipa::path(post, path = "/endpoints/{id}/recover", tag = "endpoints",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    request_body = RecoverIn,
    responses((status = 200, body = RecoverOut), Common, NotFound, BodyErrors))]
async fn recover(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<RecoverIn>,
) -> ApiResult<Json<RecoverOut>> {
    Ok(Json(RecoverOut {
        recovered: s.recover(&scope, At::id(&id), i.since, i64::MAX).await?,
    }))
}
