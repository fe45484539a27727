//! Svix: `/api/v1/app`, `/api/v1/event-type`,
//! `/api/v1/auth/app-portal-access/{app_id}` and `/api/v1/health`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    metadata, rate, time, ListResponse, SvixError, SvixErrors, SvixJson, SvixPath, SvixQuery,
    SvixResult,
};
use crate::api::{AppState, Caller};
use crate::service::{ApplicationChange, EventTypeChange, NewApplication, NewEventType, Scope};
use crate::store::{Application, EventType, Order};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apps, create_app))
        .routes(routes!(get_app, put_app, patch_app, delete_app))
        .routes(routes!(list_event_types, create_event_type))
        .routes(routes!(
            get_event_type,
            put_event_type,
            patch_event_type,
            delete_event_type
        ))
        .routes(routes!(app_portal_access))
        .routes(routes!(logout))
}

pub(super) fn open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(health_ping))
}

// --- models ---

/// A new application (and a PUT's whole application).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixApplicationIn)]
pub struct ApplicationIn {
    #[schema(schema_with = crate::schema::app_name)]
    pub name: String,
    #[schema(schema_with = crate::schema::opt_app_uid)]
    pub uid: Option<String>,
    /// Deliveries per second to all its endpoints together.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub throttle_rate: Option<u32>,
    /// Deprecated: `throttleRate`.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 65535)]
    pub rate_limit: Option<u32>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl ApplicationIn {
    pub fn into_new(self) -> SvixResult<NewApplication> {
        Ok(NewApplication {
            rate_limit: rate(self.throttle_rate.map(Some), self.rate_limit.map(Some))?.flatten(),
            uid: self.uid,
            name: self.name,
            metadata: metadata(self.metadata),
        })
    }
}

/// A change to an application.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixApplicationPatch)]
pub struct ApplicationPatch {
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::app_name)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_app_uid)]
    pub uid: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 65535)]
    pub throttle_rate: Option<Option<u32>>,
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 65535)]
    pub rate_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// An application.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixApplicationOut)]
pub struct ApplicationOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    pub throttle_rate: Option<u32>,
    /// Deprecated: `throttleRate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Application> for ApplicationOut {
    fn from(a: Application) -> Self {
        ApplicationOut {
            id: a.id,
            uid: a.uid,
            name: a.name,
            metadata: a.metadata,
            throttle_rate: a.rate_limit,
            rate_limit: a.rate_limit,
            created_at: time(a.created_at),
            updated_at: time(a.updated_at),
        }
    }
}

/// A new event type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEventTypeIn)]
pub struct EventTypeIn {
    #[schema(schema_with = crate::schema::slug_name)]
    pub name: String,
    #[serde(flatten)]
    pub fields: EventTypeUpdate,
}

/// An event type's fields (PUT: all of them).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEventTypeUpdate)]
pub struct EventTypeUpdate {
    #[schema(schema_with = crate::schema::long_description)]
    pub description: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub deprecated: bool,
    #[schema(schema_with = crate::schema::opt_schemas)]
    pub schemas: Option<Value>,
    #[schema(schema_with = crate::schema::opt_feature_flag)]
    pub feature_flag: Option<String>,
}

impl From<EventTypeUpdate> for NewEventType {
    fn from(u: EventTypeUpdate) -> Self {
        NewEventType {
            description: u.description,
            archived: u.archived,
            deprecated: u.deprecated,
            schemas: u.schemas,
            feature_flag: u.feature_flag,
        }
    }
}

/// A change to an event type.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEventTypePatch)]
pub struct EventTypePatch {
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::long_description)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(value_type = bool)]
    pub archived: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(value_type = bool)]
    pub deprecated: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_schemas)]
    pub schemas: Option<Option<Value>>,
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_feature_flag)]
    pub feature_flag: Option<Option<String>>,
}

/// An event type.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEventTypeOut)]
pub struct EventTypeOut {
    pub name: String,
    pub description: String,
    pub archived: bool,
    pub deprecated: bool,
    #[schema(value_type = Option<Object>)]
    pub schemas: Option<Value>,
    pub feature_flag: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl EventTypeOut {
    fn new(e: EventType, with_content: bool) -> EventTypeOut {
        EventTypeOut {
            name: e.name,
            description: e.description,
            archived: e.archived,
            deprecated: e.deprecated,
            schemas: if with_content { e.schemas } else { None },
            feature_flag: e.feature_flag,
            created_at: time(e.created_at),
            updated_at: time(e.updated_at),
        }
    }
}

/// What the portal token is for.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixAppPortalAccessIn)]
pub struct AppPortalAccessIn {
    /// Creates the application when none has the path's id or uid (its
    /// `uid` must then be the path's).
    pub application: Option<ApplicationIn>,
    /// Seconds until the token expires (default:
    /// `applications.portal_token_secs`).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 60, maximum = 31622400)]
    pub expiry: Option<i64>,
    /// Accepted and checked; the token is scoped to the application either way.
    #[serde(default, deserialize_with = "crate::whole::not_null")]
    #[schema(schema_with = crate::schema::feature_flags)]
    pub feature_flags: Option<Vec<String>>,
}

/// A token scoped to the application, and where its portal is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixAppPortalAccessOut)]
pub struct AppPortalAccessOut {
    pub url: String,
    pub token: String,
}

// --- applications ---

/// Applications, oldest first by default.
#[utoipa::path(get, path = "/app", tag = "svix", operation_id = "v1.application.list",
    security(("admin_token" = [])),
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query),
        ("order" = Option<super::Ordering>, Query, description = "ascending (default) or descending")
    ),
    responses((status = 200, body = ListResponse<ApplicationOut>), SvixErrors))]
async fn list_apps(
    State(s): State<AppState>,
    Caller(scope): Caller,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<ApplicationOut>>> {
    let c = q.page(q.order()?.unwrap_or(Order::Ascending))?;
    let apps = s.list_applications(&scope, c.page.clone()).await?;
    Ok(Json(c.finish(apps, |a| a.id.clone(), ApplicationOut::from)))
}

/// Creates an application; with `get_if_exists=true`, one with the same uid
/// is returned (200) instead of a conflict.
#[utoipa::path(post, path = "/app", tag = "svix", operation_id = "v1.application.create",
    security(("admin_token" = [])),
    params(("get_if_exists" = Option<bool>, Query)),
    request_body = ApplicationIn,
    responses(
        (status = 201, body = ApplicationOut),
        (status = 200, description = "It existed (get_if_exists)", body = ApplicationOut),
        SvixErrors
    ))]
async fn create_app(
    State(s): State<AppState>,
    Caller(scope): Caller,
    q: SvixQuery,
    SvixJson(i): SvixJson<ApplicationIn>,
) -> SvixResult<(StatusCode, Json<ApplicationOut>)> {
    let get_if_exists = q.bool("get_if_exists", false)?;
    let (app, created) = s
        .create_application(&scope, i.into_new()?, get_if_exists)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(app.into())))
}

/// An application, by id or uid.
#[utoipa::path(get, path = "/app/{app_id}", tag = "svix", operation_id = "v1.application.get",
    security(("admin_token" = [])),
    params(("app_id" = String, Path, description = "Its id or uid")),
    responses((status = 200, body = ApplicationOut), SvixErrors))]
async fn get_app(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
) -> SvixResult<Json<ApplicationOut>> {
    Ok(Json(s.application(&scope, &app_id).await?.into()))
}

/// Replaces an application, or creates it (a path value that is not an id
/// becomes its uid).
#[utoipa::path(put, path = "/app/{app_id}", tag = "svix", operation_id = "v1.application.update",
    security(("admin_token" = [])),
    params(("app_id" = String, Path, description = "Its id or uid")),
    request_body = ApplicationIn,
    responses(
        (status = 200, description = "Replaced", body = ApplicationOut),
        (status = 201, description = "Created", body = ApplicationOut),
        SvixErrors
    ))]
async fn put_app(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    SvixJson(i): SvixJson<ApplicationIn>,
) -> SvixResult<(StatusCode, Json<ApplicationOut>)> {
    let (app, created) = s.upsert_application(&scope, &app_id, i.into_new()?).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(app.into())))
}

/// Changes an application.
#[utoipa::path(patch, path = "/app/{app_id}", tag = "svix", operation_id = "v1.application.patch",
    security(("admin_token" = [])),
    params(("app_id" = String, Path, description = "Its id or uid")),
    request_body = ApplicationPatch,
    responses((status = 200, body = ApplicationOut), SvixErrors))]
async fn patch_app(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    SvixJson(p): SvixJson<ApplicationPatch>,
) -> SvixResult<Json<ApplicationOut>> {
    let change = ApplicationChange {
        uid: p.uid,
        name: p.name,
        metadata: p.metadata,
        rate_limit: rate(p.throttle_rate, p.rate_limit)?,
    };
    Ok(Json(
        s.change_application(&scope, &app_id, change).await?.into(),
    ))
}

/// Deletes an application, its endpoints, messages and tokens.
#[utoipa::path(delete, path = "/app/{app_id}", tag = "svix", operation_id = "v1.application.delete",
    security(("admin_token" = [])),
    params(("app_id" = String, Path, description = "Its id or uid")),
    responses((status = 204, description = "Deleted"), SvixErrors))]
async fn delete_app(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
) -> SvixResult<StatusCode> {
    s.delete_application(&scope, &app_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- event types ---

/// The catalog, by name.
#[utoipa::path(get, path = "/event-type", tag = "svix", operation_id = "v1.event-type.list",
    security(("admin_token" = [])),
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query, pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 256),
        ("include_archived" = Option<bool>, Query),
        ("with_content" = Option<bool>, Query, description = "Include the schemas (default false)")
    ),
    responses((status = 200, body = ListResponse<EventTypeOut>), SvixErrors))]
async fn list_event_types(
    State(s): State<AppState>,
    _caller: Caller,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<EventTypeOut>>> {
    // Always by name, ascending (`order` is accepted and ignored, as Svix does).
    q.order()?;
    let c = q.page(Order::Ascending)?;
    // An event type's name, or `-` and one.
    if let Some(i) = q.str("iterator") {
        crate::names::check_slug("iterator", i, crate::event_types::MAX_LEN)
            .map_err(|m| SvixError::bad_query("iterator", m))?;
    }
    let include_archived = q.bool("include_archived", false)?;
    let with_content = q.bool("with_content", false)?;
    let ets = s.list_event_types(c.page.clone(), include_archived).await?;
    Ok(Json(c.finish(
        ets,
        |e| e.name.clone(),
        |e| EventTypeOut::new(e, with_content),
    )))
}

/// Declares an event type; an archived one of that name is replaced.
#[utoipa::path(post, path = "/event-type", tag = "svix", operation_id = "v1.event-type.create",
    security(("admin_token" = [])),
    request_body = EventTypeIn,
    responses((status = 201, body = EventTypeOut), SvixErrors))]
async fn create_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixJson(i): SvixJson<EventTypeIn>,
) -> SvixResult<(StatusCode, Json<EventTypeOut>)> {
    let et = s
        .create_event_type(&scope, &i.name, i.fields.into())
        .await
        .map_err(|e| match e {
            crate::service::Error::Conflict(_) => SvixError::new(
                StatusCode::CONFLICT,
                "event_type_exists",
                "An event_type with this name already exists",
            ),
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(EventTypeOut::new(et, true))))
}

/// An event type.
#[utoipa::path(get, path = "/event-type/{event_type_name}", tag = "svix", operation_id = "v1.event-type.get",
    security(("admin_token" = [])),
    params(("event_type_name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256)),
    responses((status = 200, body = EventTypeOut), SvixErrors))]
async fn get_event_type(
    State(s): State<AppState>,
    _caller: Caller,
    SvixPath(name): SvixPath<String>,
) -> SvixResult<Json<EventTypeOut>> {
    Ok(Json(EventTypeOut::new(s.event_type(&name).await?, true)))
}

/// Replaces (or declares) an event type.
#[utoipa::path(put, path = "/event-type/{event_type_name}", tag = "svix", operation_id = "v1.event-type.update",
    security(("admin_token" = [])),
    params(("event_type_name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256)),
    request_body = EventTypeUpdate,
    responses(
        (status = 200, description = "Replaced", body = EventTypeOut),
        (status = 201, description = "Declared", body = EventTypeOut),
        SvixErrors
    ))]
async fn put_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(name): SvixPath<String>,
    SvixJson(u): SvixJson<EventTypeUpdate>,
) -> SvixResult<(StatusCode, Json<EventTypeOut>)> {
    let (et, created) = s.upsert_event_type(&scope, &name, u.into()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(EventTypeOut::new(et, true))))
}

/// Changes an event type.
#[utoipa::path(patch, path = "/event-type/{event_type_name}", tag = "svix", operation_id = "v1.event-type.patch",
    security(("admin_token" = [])),
    params(("event_type_name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256)),
    request_body = EventTypePatch,
    responses((status = 200, body = EventTypeOut), SvixErrors))]
async fn patch_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(name): SvixPath<String>,
    SvixJson(p): SvixJson<EventTypePatch>,
) -> SvixResult<Json<EventTypeOut>> {
    let change = EventTypeChange {
        description: p.description,
        archived: p.archived,
        deprecated: p.deprecated,
        schemas: p.schemas,
        feature_flag: p.feature_flag,
    };
    Ok(Json(EventTypeOut::new(
        s.change_event_type(&scope, &name, change).await?,
        true,
    )))
}

/// Archives an event type, or deletes it with `expunge=true`.
#[utoipa::path(delete, path = "/event-type/{event_type_name}", tag = "svix", operation_id = "v1.event-type.delete",
    security(("admin_token" = [])),
    params(("event_type_name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256), ("expunge" = Option<bool>, Query)),
    responses((status = 204, description = "Archived or deleted"), SvixErrors))]
async fn delete_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(name): SvixPath<String>,
    q: SvixQuery,
) -> SvixResult<StatusCode> {
    s.delete_event_type(&scope, &name, q.bool("expunge", false)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- the app portal ---

/// Makes the application when the path names none and the body says how
/// (its uid must be the path's); else the application must exist.
pub(super) async fn app_or_create(
    s: &AppState,
    scope: &Scope,
    app_id: &str,
    create: Option<ApplicationIn>,
) -> SvixResult<Application> {
    // Checked whether or not it is used: a malformed body is refused alike.
    let create = match create {
        Some(c) => {
            let n = c.into_new()?;
            crate::service::check_new_application(&n)?;
            Some(n)
        }
        None => None,
    };
    match s.application(scope, app_id).await {
        Ok(app) => Ok(app),
        Err(crate::service::Error::NotFound(_)) => {
            let Some(new) = create else {
                return Err(SvixError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "Application not found",
                ));
            };
            match new.uid.as_deref() {
                None => Err(SvixError::invalid(
                    &["body", "application", "uid"],
                    "Application uid is required when creating an application this way",
                    "application_uid_missing",
                )),
                Some(u) if u != app_id => Err(SvixError::invalid(
                    &["body", "application", "uid"],
                    "Application uid must be equal to the app_id in the path",
                    "application_uid_mismatch",
                )),
                Some(_) => Ok(s.create_application(scope, new, true).await?.0),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A token scoped to the application (for its portal, or a customer's
/// integration): it sees only that application's endpoints, messages and
/// attempts.
#[utoipa::path(post, path = "/auth/app-portal-access/{app_id}", tag = "svix",
    operation_id = "v1.authentication.app-portal-access",
    security(("admin_token" = [])),
    params(("app_id" = String, Path, description = "Its id or uid")),
    request_body = AppPortalAccessIn,
    responses((status = 200, body = AppPortalAccessOut), SvixErrors))]
async fn app_portal_access(
    State(s): State<AppState>,
    Caller(scope): Caller,
    headers: axum::http::HeaderMap,
    SvixPath(app_id): SvixPath<String>,
    SvixJson(i): SvixJson<AppPortalAccessIn>,
) -> SvixResult<Json<AppPortalAccessOut>> {
    scope.require_admin()?;
    let flags = i.feature_flags.unwrap_or_default();
    for (n, f) in flags.iter().enumerate() {
        let at = ["body", "featureFlags", &format!("[{n}]")];
        crate::names::check_slug("featureFlags", f, 256)
            .map_err(|m| SvixError::invalid(&at, m, "value_error"))?;
        if flags[..n].contains(f) {
            return Err(SvixError::invalid(
                &at,
                format!("{f:?} is listed twice"),
                "value_error",
            ));
        }
    }
    if i.expiry.is_some_and(|e| !(60..=31_622_400).contains(&e)) {
        return Err(SvixError::invalid(
            &["body", "expiry"],
            "expiry: 60 seconds to a year",
            "value_error",
        ));
    }
    let app = app_or_create(&s, &scope, &app_id, i.application).await?;
    let expiry = i.expiry.unwrap_or(s.cfg.applications.portal_token_secs);
    let (_, token) = s
        .create_token(&scope, &app.id, "app portal access".into(), Some(expiry))
        .await?;
    // The portal is served by this server; the token travels in the
    // fragment, which browsers never send to a server.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| crate::headers::is_value(h) && !h.contains('/'))
        .unwrap_or("127.0.0.1");
    let scheme = if s.cfg.server.tls_cert_file.is_empty() {
        "http"
    } else {
        "https"
    };
    Ok(Json(AppPortalAccessOut {
        url: format!("{scheme}://{host}/portal/#token={token}"),
        token,
    }))
}

// --- health ---

/// Whether the server can take writes (no token needed).
#[utoipa::path(get, path = "/health", tag = "svix", operation_id = "v1.health.get",
    responses(
        (status = 204, description = "Healthy"),
        (status = 503, description = "The store is not answering", body = super::HttpErrorOut)
    ))]
async fn health(State(s): State<AppState>) -> Result<StatusCode, SvixError> {
    match tokio::time::timeout(std::time::Duration::from_secs(5), s.store.ping()).await {
        Ok(Ok(())) => Ok(StatusCode::NO_CONTENT),
        _ => Err(SvixError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the store is not answering",
        )),
    }
}

/// Whether the server answers (no token needed; nothing is checked).
#[utoipa::path(get, path = "/health/ping", tag = "svix", operation_id = "v1.health.ping",
    responses((status = 204, description = "Answering")))]
async fn health_ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Revokes the token that calls it (a token scoped to an application: a
/// portal session's). The admin token is changed with `hookseal
/// admin-token rotate` instead.
#[utoipa::path(post, path = "/auth/logout", tag = "svix", operation_id = "v1.authentication.logout",
    security(("admin_token" = [])),
    responses((status = 204, description = "The token no longer works"), SvixErrors))]
async fn logout(
    State(s): State<AppState>,
    Caller(scope): Caller,
    headers: axum::http::HeaderMap,
) -> SvixResult<StatusCode> {
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::api::bearer_token)
        .unwrap_or_default();
    s.logout(&scope, presented).await?;
    Ok(StatusCode::NO_CONTENT)
}
