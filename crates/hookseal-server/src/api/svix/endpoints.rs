//! Svix: `/api/v1/app/{app_id}/endpoint/...`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    metadata, rate, time, ListResponse, SvixError, SvixErrors, SvixJson, SvixPath, SvixQuery,
    SvixResult,
};
use crate::api::{AppState, Caller};
use crate::clock::now_ms;
use crate::service::{At, EndpointChange, NewEndpoint};
use crate::signing::SigningScheme;
use crate::store::{Endpoint, Order};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(
            get_endpoint,
            put_endpoint,
            patch_endpoint,
            delete_endpoint
        ))
        .routes(routes!(get_secret))
        .routes(routes!(rotate_secret))
        .routes(routes!(get_headers, put_headers, patch_headers))
        .routes(routes!(recover))
        .routes(routes!(stats))
}

// --- models ---

/// A new endpoint.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointIn)]
pub struct EndpointIn {
    #[schema(schema_with = crate::schema::url)]
    pub url: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::short_description)]
    pub description: String,
    #[schema(schema_with = crate::schema::opt_endpoint_uid)]
    pub uid: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub throttle_rate: Option<u32>,
    /// Deprecated: `throttleRate`.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub rate_limit: Option<u32>,
    #[serde(default)]
    pub disabled: bool,
    /// Declared, active event types; null: every type.
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub event_types: Option<Vec<String>>,
    /// Deprecated: `eventTypes`.
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub filter_types: Option<Vec<String>>,
    #[schema(schema_with = crate::schema::opt_endpoint_channels)]
    pub channels: Option<Vec<String>>,
    /// `whsec_` and base64 (the prefix may be left out); generated when null.
    #[schema(pattern = r"^(whsec_)?[a-zA-Z0-9+/=]{32,100}$")]
    pub secret: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Headers sent with every delivery.
    #[schema(schema_with = crate::schema::opt_header_map)]
    pub headers: Option<BTreeMap<String, String>>,
}

/// An endpoint, whole (PUT).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointUpdate)]
pub struct EndpointUpdate {
    #[schema(schema_with = crate::schema::url)]
    pub url: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::short_description)]
    pub description: String,
    #[schema(schema_with = crate::schema::opt_endpoint_uid)]
    pub uid: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub throttle_rate: Option<u32>,
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub rate_limit: Option<u32>,
    #[serde(default)]
    pub disabled: bool,
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub event_types: Option<Vec<String>>,
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub filter_types: Option<Vec<String>>,
    #[schema(schema_with = crate::schema::opt_endpoint_channels)]
    pub channels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// A change to an endpoint: fields given replace the stored ones; null
/// clears the nullable ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointPatch)]
pub struct EndpointPatch {
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::url)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::short_description)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_endpoint_uid)]
    pub uid: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 65535)]
    pub throttle_rate: Option<Option<u32>>,
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 65535)]
    pub rate_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(value_type = bool)]
    pub disabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub event_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_event_type_names)]
    pub filter_types: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_endpoint_channels)]
    pub channels: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// An endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointOut)]
pub struct EndpointOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub url: String,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    pub throttle_rate: Option<u32>,
    /// Deprecated: `throttleRate`.
    pub rate_limit: Option<u32>,
    pub disabled: bool,
    /// Null: every type.
    pub event_types: Option<Vec<String>>,
    /// Deprecated: `eventTypes`.
    pub filter_types: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    /// Deprecated: always 1.
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Endpoint> for EndpointOut {
    fn from(e: Endpoint) -> Self {
        let types = (!e.event_types.is_empty()).then_some(e.event_types);
        EndpointOut {
            id: e.id,
            uid: e.uid,
            url: e.url,
            description: e.description,
            metadata: e.metadata,
            throttle_rate: e.rate_limit,
            rate_limit: e.rate_limit,
            disabled: !e.enabled,
            filter_types: types.clone(),
            event_types: types,
            channels: e.channels,
            version: 1,
            created_at: time(e.created_at),
            updated_at: time(e.updated_at),
        }
    }
}

/// An endpoint's current signing secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SvixEndpointSecretOut)]
pub struct EndpointSecretOut {
    pub key: String,
}

/// A rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointSecretRotateIn)]
pub struct EndpointSecretRotateIn {
    /// The new secret; generated when null.
    #[schema(pattern = r"^(whsec_)?[a-zA-Z0-9+/=]{32,100}$")]
    pub key: Option<String>,
    /// How long the previous secret keeps signing (default
    /// `secrets.rotation_grace_secs`).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 0, maximum = 604800)]
    pub grace_period_seconds: Option<i64>,
}

/// The headers sent with every delivery (sensitive ones withheld).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SvixEndpointHeadersOut)]
pub struct EndpointHeadersOut {
    pub headers: BTreeMap<String, String>,
    /// Names of headers set but withheld here.
    pub sensitive: Vec<String>,
}

/// The headers, all of them.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = SvixEndpointHeadersIn)]
pub struct EndpointHeadersIn {
    #[schema(schema_with = crate::schema::header_map)]
    pub headers: BTreeMap<String, String>,
}

/// Headers to set (a value) or remove (null, or named in `deleteHeaders`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointHeadersPatchIn)]
pub struct EndpointHeadersPatchIn {
    #[schema(schema_with = crate::schema::header_patch_map)]
    pub headers: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub delete_headers: Vec<String>,
}

/// Which failed messages to send again.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = SvixRecoverIn)]
pub struct RecoverIn {
    /// RFC 3339 (UTC when it has no offset).
    #[schema(format = DateTime)]
    pub since: String,
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

/// The recovery (done by the time this answers).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixRecoverOut)]
pub struct RecoverOut {
    pub id: String,
    /// `running`: the deliveries are due again, their attempts under way.
    pub status: String,
    /// `endpoint.recover`.
    pub task: String,
    pub updated_at: String,
}

/// An endpoint's deliveries in a window, by state.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SvixEndpointStats)]
pub struct EndpointStats {
    pub success: i64,
    pub pending: i64,
    /// Retrying after a failed attempt.
    pub sending: i64,
    pub fail: i64,
    pub canceled: i64,
}

/// Headers whose values the headers route withholds.
const SENSITIVE: &[&str] = &[
    "x-auth-token",
    "x-api-key",
    "www-authenticate",
    "authorization",
    "proxy-authenticate",
    "proxy-authorization",
];

/// A Standard Webhooks secret with its `whsec_` prefix (Svix lets it be
/// left out); other schemes' secrets as given.
fn whsec(secret: Option<String>, scheme: &SigningScheme) -> Option<String> {
    secret.map(|s| {
        if *scheme == SigningScheme::StandardWebhooks && !s.starts_with("whsec_") {
            format!("whsec_{s}")
        } else {
            s
        }
    })
}

/// `eventTypes`, or its old name `filterTypes` (null: every type). Each
/// given is checked: an empty list or a repeated name is refused, as Svix
/// does.
fn types(
    event_types: Option<Vec<String>>,
    filter_types: Option<Vec<String>>,
) -> SvixResult<Vec<String>> {
    for (name, list) in [("eventTypes", &event_types), ("filterTypes", &filter_types)] {
        let Some(list) = list else { continue };
        if list.is_empty() {
            return Err(SvixError::invalid(
                &["body", name],
                format!("{name} can't be empty, it must have at least one item."),
                "value_error",
            ));
        }
        for (i, t) in list.iter().enumerate() {
            crate::names::check_slug(name, t, crate::event_types::MAX_LEN).map_err(|m| {
                SvixError::invalid(&["body", name, &format!("[{i}]")], m, "value_error")
            })?;
        }
        if let Some((i, t)) = list
            .iter()
            .enumerate()
            .find(|(i, t)| list[..*i].contains(t))
        {
            return Err(SvixError::invalid(
                &["body", name, &format!("[{i}]")],
                format!("{t:?} is listed twice"),
                "value_error",
            ));
        }
    }
    Ok(event_types.or(filter_types).unwrap_or_default())
}

// --- routes ---

/// An application's endpoints, newest first by default.
#[utoipa::path(get, path = "/app/{app_id}/endpoint", tag = "svix", operation_id = "v1.endpoint.list",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query),
        ("order" = Option<super::Ordering>, Query, description = "descending (default) or ascending")
    ),
    responses((status = 200, body = ListResponse<EndpointOut>), SvixErrors))]
async fn list_endpoints(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<EndpointOut>>> {
    let c = q.page(q.order()?.unwrap_or(Order::Descending))?;
    let eps = s
        .list_endpoints(&scope, Some(&app_id), c.page.clone())
        .await?;
    Ok(Json(c.finish(eps, |e| e.id.clone(), EndpointOut::from)))
}

/// Creates an endpoint in the application.
#[utoipa::path(post, path = "/app/{app_id}/endpoint", tag = "svix", operation_id = "v1.endpoint.create",
    security(("admin_token" = [])),
    params(("app_id" = String, Path)),
    request_body = EndpointIn,
    responses((status = 201, body = EndpointOut), SvixErrors))]
async fn create_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    SvixJson(i): SvixJson<EndpointIn>,
) -> SvixResult<(StatusCode, Json<EndpointOut>)> {
    let scheme = SigningScheme::StandardWebhooks;
    let c = s
        .create_endpoint(
            &scope,
            NewEndpoint {
                app: Some(app_id),
                uid: i.uid,
                url: i.url,
                description: i.description,
                event_types: types(i.event_types, i.filter_types)?,
                declared_filters_only: true,
                channels: i.channels,
                metadata: metadata(i.metadata),
                headers: i.headers.unwrap_or_default(),
                secret: whsec(i.secret, &scheme),
                scheme,
                rate_limit: rate(i.throttle_rate.map(Some), i.rate_limit.map(Some))?.flatten(),
                max_concurrency: None,
                enabled: !i.disabled,
                source: None,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(c.endpoint.into())))
}

/// An endpoint, by id or uid.
#[utoipa::path(get, path = "/app/{app_id}/endpoint/{endpoint_id}", tag = "svix", operation_id = "v1.endpoint.get",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 200, body = EndpointOut), SvixErrors))]
async fn get_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
) -> SvixResult<Json<EndpointOut>> {
    Ok(Json(
        s.endpoint(&scope, At::in_app(&app_id, &ep)).await?.into(),
    ))
}

/// Replaces an endpoint, or creates it (a path value that is not an id
/// becomes its uid).
#[utoipa::path(put, path = "/app/{app_id}/endpoint/{endpoint_id}", tag = "svix", operation_id = "v1.endpoint.update",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointUpdate,
    responses(
        (status = 200, description = "Replaced", body = EndpointOut),
        (status = 201, description = "Created", body = EndpointOut),
        SvixErrors
    ))]
async fn put_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(u): SvixJson<EndpointUpdate>,
) -> SvixResult<(StatusCode, Json<EndpointOut>)> {
    let at = At::in_app(&app_id, &ep);
    let event_types = types(u.event_types, u.filter_types)?;
    match s.endpoint(&scope, at).await {
        Ok(_) => {
            let change = EndpointChange {
                url: Some(u.url),
                description: Some(u.description),
                event_types: Some(event_types),
                rate_limit: Some(
                    rate(u.throttle_rate.map(Some), u.rate_limit.map(Some))?.flatten(),
                ),
                enabled: Some(!u.disabled),
                // An absent uid keeps the stored one.
                uid: u.uid.map(Some),
                channels: Some(u.channels),
                metadata: Some(metadata(u.metadata)),
                declared_filters_only: true,
                ..EndpointChange::default()
            };
            let e = s.change_endpoint(&scope, at, change).await?;
            Ok((StatusCode::OK, Json(e.into())))
        }
        Err(crate::service::Error::NotFound(what)) if what == "endpoint" => {
            // Created at the path: which must be a uid it could have.
            if crate::names::check_uid("endpoint_id", &ep, "ep_").is_err() {
                return Err(crate::service::Error::NotFound(what).into());
            }
            let uid = Some(u.uid.unwrap_or_else(|| ep.clone()));
            let c = s
                .create_endpoint(
                    &scope,
                    NewEndpoint {
                        app: Some(app_id),
                        uid,
                        url: u.url,
                        description: u.description,
                        event_types,
                        declared_filters_only: true,
                        channels: u.channels,
                        metadata: metadata(u.metadata),
                        scheme: SigningScheme::StandardWebhooks,
                        rate_limit: rate(u.throttle_rate.map(Some), u.rate_limit.map(Some))?
                            .flatten(),
                        enabled: !u.disabled,
                        ..NewEndpoint::default()
                    },
                )
                .await?;
            Ok((StatusCode::CREATED, Json(c.endpoint.into())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes an endpoint.
#[utoipa::path(patch, path = "/app/{app_id}/endpoint/{endpoint_id}", tag = "svix", operation_id = "v1.endpoint.patch",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointPatch,
    responses((status = 200, body = EndpointOut), SvixErrors))]
async fn patch_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(p): SvixJson<EndpointPatch>,
) -> SvixResult<Json<EndpointOut>> {
    let change = EndpointChange {
        url: p.url,
        description: p.description,
        event_types: match (p.event_types, p.filter_types) {
            (None, None) => None,
            (e, f) => Some(types(e.flatten(), f.flatten())?),
        },
        rate_limit: rate(p.throttle_rate, p.rate_limit)?,
        enabled: p.disabled.map(|d| !d),
        uid: p.uid,
        channels: p.channels,
        metadata: p.metadata,
        declared_filters_only: true,
        ..EndpointChange::default()
    };
    Ok(Json(
        s.change_endpoint(&scope, At::in_app(&app_id, &ep), change)
            .await?
            .into(),
    ))
}

/// Deletes an endpoint (its pending deliveries go with it).
#[utoipa::path(delete, path = "/app/{app_id}/endpoint/{endpoint_id}", tag = "svix", operation_id = "v1.endpoint.delete",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 204, description = "Deleted"), SvixErrors))]
async fn delete_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
) -> SvixResult<StatusCode> {
    s.delete_endpoint(&scope, At::in_app(&app_id, &ep)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's current signing secret.
#[utoipa::path(get, path = "/app/{app_id}/endpoint/{endpoint_id}/secret", tag = "svix", operation_id = "v1.endpoint.get-secret",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 200, body = EndpointSecretOut), SvixErrors))]
async fn get_secret(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
) -> SvixResult<Json<EndpointSecretOut>> {
    let secrets = s.endpoint_secrets(&scope, At::in_app(&app_id, &ep)).await?;
    // Newest first: the one signing now (the previous ones sign beside it
    // until their grace period ends).
    let key = secrets
        .into_iter()
        .next()
        .map(|x| x.public_key.unwrap_or(x.secret))
        .ok_or_else(|| anyhow::anyhow!("endpoint has no live secret"))
        .map_err(crate::service::Error::Internal)?;
    Ok(Json(EndpointSecretOut { key }))
}

/// Rotates the secret: the new one signs at once; the previous one keeps
/// signing beside it for the grace period. Answers with the new secret
/// (Svix's own server answers 204; the Python SDK reads the key).
#[utoipa::path(post, path = "/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", tag = "svix", operation_id = "v1.endpoint.rotate-secret",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointSecretRotateIn,
    responses((status = 200, body = EndpointSecretOut), SvixErrors))]
async fn rotate_secret(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(i): SvixJson<EndpointSecretRotateIn>,
) -> SvixResult<Json<EndpointSecretOut>> {
    let at = At::in_app(&app_id, &ep);
    let scheme = s.endpoint(&scope, at).await?.scheme;
    let r = s
        .rotate_secret(&scope, at, whsec(i.key, &scheme), i.grace_period_seconds)
        .await?;
    Ok(Json(EndpointSecretOut {
        key: r.public_key.unwrap_or(r.secret),
    }))
}

/// The headers sent with every delivery; sensitive ones are named, not shown.
#[utoipa::path(get, path = "/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "svix", operation_id = "v1.endpoint.get-headers",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 200, body = EndpointHeadersOut), SvixErrors))]
async fn get_headers(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
) -> SvixResult<Json<EndpointHeadersOut>> {
    let e = s.endpoint(&scope, At::in_app(&app_id, &ep)).await?;
    let (sensitive, headers): (Vec<_>, Vec<_>) = e
        .headers
        .into_iter()
        .partition(|(k, _)| SENSITIVE.contains(&k.to_ascii_lowercase().as_str()));
    Ok(Json(EndpointHeadersOut {
        headers: headers.into_iter().collect(),
        sensitive: sensitive.into_iter().map(|(k, _)| k).collect(),
    }))
}

/// Replaces the headers sent with every delivery.
#[utoipa::path(put, path = "/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "svix", operation_id = "v1.endpoint.update-headers",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointHeadersIn,
    responses((status = 204, description = "Replaced"), SvixErrors))]
async fn put_headers(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(i): SvixJson<EndpointHeadersIn>,
) -> SvixResult<StatusCode> {
    let change = EndpointChange {
        headers: Some(i.headers),
        ..EndpointChange::default()
    };
    s.change_endpoint(&scope, At::in_app(&app_id, &ep), change)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets and removes some of the headers sent with every delivery.
#[utoipa::path(patch, path = "/app/{app_id}/endpoint/{endpoint_id}/headers", tag = "svix", operation_id = "v1.endpoint.patch-headers",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointHeadersPatchIn,
    responses((status = 204, description = "Changed"), SvixErrors))]
async fn patch_headers(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(i): SvixJson<EndpointHeadersPatchIn>,
) -> SvixResult<StatusCode> {
    let mut merge = i.headers;
    for name in i.delete_headers {
        merge.insert(name, None);
    }
    let change = EndpointChange {
        merge_headers: Some(merge),
        ..EndpointChange::default()
    };
    s.change_endpoint(&scope, At::in_app(&app_id, &ep), change)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The most a recovery reaches back.
const RECOVER_WINDOW_MS: i64 = (14 * 86_400 + 300) * 1000;

/// Sends again, as manual attempts, the messages whose delivery to this
/// endpoint failed in `[since, until)`.
#[utoipa::path(post, path = "/app/{app_id}/endpoint/{endpoint_id}/recover", tag = "svix", operation_id = "v1.endpoint.recover",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = RecoverIn,
    responses((status = 202, body = RecoverOut), SvixErrors))]
async fn recover(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    SvixJson(i): SvixJson<RecoverIn>,
) -> SvixResult<(StatusCode, Json<RecoverOut>)> {
    let parse = |field: &str, v: &str| {
        hookseal::time::parse_rfc3339_ms(v).ok_or_else(|| {
            SvixError::invalid(
                &["body", field],
                format!("{v:?} is not an RFC 3339 date-time"),
                "value_error",
            )
        })
    };
    let now = now_ms();
    let since = parse("since", &i.since)?;
    let until = match &i.until {
        Some(u) => parse("until", u)?,
        None => now,
    };
    if since < until - RECOVER_WINDOW_MS {
        return Err(SvixError::invalid(
            &["body", "since"],
            "Cannot recover more than 14 days of messages",
            "value_error",
        ));
    }
    s.recover(&scope, At::in_app(&app_id, &ep), since, until)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RecoverOut {
            id: crate::store::new_id("qtask_"),
            status: "running".into(),
            task: "endpoint.recover".into(),
            updated_at: time(now_ms()),
        }),
    ))
}

/// The endpoint's deliveries created in a window (default: the last 28
/// days), by state.
#[utoipa::path(get, path = "/app/{app_id}/endpoint/{endpoint_id}/stats", tag = "svix", operation_id = "v1.endpoint.get-stats",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("endpoint_id" = String, Path),
        ("since" = Option<String>, Query, format = DateTime),
        ("until" = Option<String>, Query, format = DateTime)
    ),
    responses((status = 200, body = EndpointStats), SvixErrors))]
async fn stats(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, ep)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<EndpointStats>> {
    const WINDOW: i64 = (28 * 86_400 + 300) * 1000;
    let now = now_ms();
    let until = q.time("until")?.unwrap_or(now);
    let since = q.time("since")?.unwrap_or(until - 28 * 86_400 * 1000);
    // (Svix's server answers 400 invalid_range; its document has no 400.)
    if until > now + 60_000 {
        return Err(SvixError::bad_query(
            "until",
            "'until' cannot be in the future",
        ));
    }
    if until - since > WINDOW || since > until {
        return Err(SvixError::bad_query(
            "since",
            "the range must be at most 28 days, since before until",
        ));
    }
    let st = s
        .endpoint_stats(&scope, At::in_app(&app_id, &ep), since, until)
        .await?;
    Ok(Json(EndpointStats {
        success: st.succeeded,
        pending: st.pending,
        sending: st.retrying,
        fail: st.failed,
        canceled: 0,
    }))
}
