//! `/api/v1/applications`: a provider's customers, and the tokens scoped to
//! each; `/api/v1/event-types`: the event-type catalog.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::path::HttpMethod;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::endpoints::limit;
use super::{
    ApiJson, ApiPath, ApiQuery, ApiResult, AppState, BodyErrors, Caller, Common, Conflict, List,
    NoQuery, NotFound,
};
use crate::service::{ApplicationChange, EventTypeChange, NewApplication, NewEventType};
use crate::store::{AppToken, Application, EventType, Page};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_application, list_applications))
        .routes(routes!(
            get_application,
            update_application,
            delete_application
        ))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(create_event_type, list_event_types))
        .routes(routes!(
            get_event_type,
            put_event_type,
            update_event_type,
            delete_event_type
        ))
}

pub(super) const LINKS: &[(&str, HttpMethod, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/applications",
        HttpMethod::Post,
        "201",
        "GetApplication",
        "get_application",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/applications",
        HttpMethod::Post,
        "201",
        "UpdateApplication",
        "update_application",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/applications",
        HttpMethod::Post,
        "201",
        "CreateToken",
        "create_token",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/applications",
        HttpMethod::Post,
        "201",
        "ListTokens",
        "list_tokens",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/applications",
        HttpMethod::Post,
        "201",
        "DeleteApplication",
        "delete_application",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/event-types",
        HttpMethod::Post,
        "201",
        "GetEventType",
        "get_event_type",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/event-types",
        HttpMethod::Post,
        "201",
        "UpdateEventType",
        "update_event_type",
        "name",
        "$response.body#/name",
    ),
    (
        "/api/v1/event-types",
        HttpMethod::Post,
        "201",
        "DeleteEventType",
        "delete_event_type",
        "name",
        "$response.body#/name",
    ),
];

/// A new application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationIn {
    /// Its name, for people.
    #[schema(
        min_length = 1,
        max_length = 1024,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]+$"
    )]
    pub name: String,
    /// Your own id for this customer: unique, usable wherever its id is.
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_app_uid)]
    pub uid: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::metadata)]
    pub metadata: BTreeMap<String, String>,
    /// Deliveries per second to all its endpoints together, or null.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub rate_limit: Option<u32>,
}

/// A change to an application: fields given replace the stored ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPatch {
    #[schema(
        min_length = 1,
        max_length = 1024,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]+$"
    )]
    pub name: Option<String>,
    /// Null removes it.
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_app_uid)]
    pub uid: Option<Option<String>>,
    #[schema(schema_with = crate::schema::opt_metadata)]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Null removes the limit.
    #[serde(default, deserialize_with = "crate::whole::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub rate_limit: Option<Option<u32>>,
}

/// A page of a list ordered by id (or name).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Those after this id (or name): the last of the previous page.
    pub after: Option<String>,
}

/// A new token scoped to the application.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// What it is for.
    #[serde(default)]
    #[schema(schema_with = crate::schema::short_description)]
    pub description: String,
    /// Seconds until it expires (60 to 10 years), or null: until revoked.
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 60, maximum = 316224000)]
    pub expires_in_secs: Option<i64>,
}

/// A token just made: the token itself is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    pub info: AppToken,
    /// The bearer token (`hs_app_…`): it sees and manages only this
    /// application's endpoints, secrets, messages and attempts.
    pub token: String,
}

/// Lists applications by id (the admin token only).
#[utoipa::path(get, path = "/applications", tag = "applications",
    security(("admin_token" = [])),
    params(ListQuery),
    responses((status = 200, body = List<Application>), Common))]
async fn list_applications(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<List<Application>>> {
    let page = Page {
        limit: limit(q.limit)?,
        after: q.after,
        ..Page::default()
    };
    Ok(Json(List {
        data: s.list_applications(&scope, page).await?,
    }))
}

/// Creates an application (a customer of yours): its endpoints receive only
/// the messages published to it.
#[utoipa::path(post, path = "/applications", tag = "applications",
    security(("admin_token" = [])),
    params(NoQuery),
    request_body = ApplicationIn,
    responses((status = 201, body = Application), Common, Conflict, BodyErrors))]
async fn create_application(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<ApplicationIn>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let (app, _) = s
        .create_application(
            &scope,
            NewApplication {
                uid: i.uid,
                name: i.name,
                metadata: i.metadata,
                rate_limit: i.rate_limit,
            },
            false,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// An application, by id or uid.
#[utoipa::path(get, path = "/applications/{id}", tag = "applications",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Its id or uid"), NoQuery),
    responses((status = 200, body = Application), Common, NotFound))]
async fn get_application(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Application>> {
    Ok(Json(s.application(&scope, &id).await?))
}

/// Changes an application.
#[utoipa::path(patch, path = "/applications/{id}", tag = "applications",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Its id or uid"), NoQuery),
    request_body = ApplicationPatch,
    responses((status = 200, body = Application), Common, NotFound, Conflict, BodyErrors))]
async fn update_application(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(p): ApiJson<ApplicationPatch>,
) -> ApiResult<Json<Application>> {
    let change = ApplicationChange {
        uid: p.uid,
        name: p.name,
        metadata: p.metadata,
        rate_limit: p.rate_limit,
    };
    Ok(Json(s.change_application(&scope, &id, change).await?))
}

/// Deletes an application with its endpoints (their deliveries stop), its
/// messages and its tokens. The default application cannot be deleted.
#[utoipa::path(delete, path = "/applications/{id}", tag = "applications",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Its id or uid"), NoQuery),
    responses((status = 204, description = "Deleted"), Common, NotFound, Conflict))]
async fn delete_application(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<StatusCode> {
    s.delete_application(&scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a token scoped to the application (shown once; only its hash is
/// kept): hand it to the customer's integration or portal.
#[utoipa::path(post, path = "/applications/{id}/tokens", tag = "applications",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Its id or uid"), NoQuery),
    request_body(content = Option<TokenIn>, description = "Optional"),
    responses((status = 201, body = TokenCreated), Common, NotFound, BodyErrors))]
async fn create_token(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    super::OptionalJson(i): super::OptionalJson<TokenIn>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let (info, token) = s
        .create_token(&scope, &id, i.description, i.expires_in_secs)
        .await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { info, token })))
}

/// The application's tokens (never the tokens themselves).
#[utoipa::path(get, path = "/applications/{id}/tokens", tag = "applications",
    security(("admin_token" = [])),
    params(("id" = String, Path, description = "Its id or uid"), NoQuery),
    responses((status = 200, body = List<AppToken>), Common, NotFound))]
async fn list_tokens(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<List<AppToken>>> {
    Ok(Json(List {
        data: s.list_tokens(&scope, &id).await?,
    }))
}

/// Revokes a token: it stops working at once.
#[utoipa::path(delete, path = "/applications/{id}/tokens/{token_id}", tag = "applications",
    security(("admin_token" = [])),
    params(
        ("id" = String, Path, description = "The application's id or uid"),
        ("token_id" = String, Path),
        NoQuery
    ),
    responses((status = 204, description = "Revoked"), Common, NotFound))]
async fn revoke_token(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath((id, token_id)): ApiPath<(String, String)>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<StatusCode> {
    s.revoke_token(&scope, &id, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- the event-type catalog ---

/// A new event type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeIn {
    #[schema(schema_with = crate::schema::slug_name)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::long_description)]
    pub description: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_schemas)]
    pub schemas: Option<Value>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_feature_flag)]
    pub feature_flag: Option<String>,
}

/// An event type's fields (PUT: all of them).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeFields {
    #[serde(default)]
    #[schema(schema_with = crate::schema::long_description)]
    pub description: String,
    /// Archived types stay readable but cannot be subscribed to through the
    /// Svix API.
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub deprecated: bool,
    /// JSON Schemas of its payload by version (`{"1": {...}}`); with
    /// `event_types.validate_payloads`, messages are checked against the
    /// newest.
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_schemas)]
    pub schemas: Option<Value>,
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_feature_flag)]
    pub feature_flag: Option<String>,
}

/// A change to an event type.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypePatch {
    #[schema(schema_with = crate::schema::opt_long_description)]
    pub description: Option<String>,
    pub archived: Option<bool>,
    pub deprecated: Option<bool>,
    /// Null removes them.
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_schemas)]
    pub schemas: Option<Option<Value>>,
    /// Null removes it.
    #[serde(default, deserialize_with = "crate::whole::present_value")]
    #[schema(schema_with = crate::schema::opt_feature_flag)]
    pub feature_flag: Option<Option<String>>,
}

/// Which event types to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventTypeQuery {
    /// At most this many (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Those after this name (the last of the previous page).
    pub after: Option<String>,
    /// Archived ones too.
    #[serde(default)]
    pub include_archived: bool,
}

/// Whether to delete for good.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExpungeQuery {
    /// Delete it rather than archive it.
    #[serde(default)]
    pub expunge: bool,
}

impl From<EventTypeFields> for NewEventType {
    fn from(f: EventTypeFields) -> Self {
        NewEventType {
            description: f.description,
            archived: f.archived,
            deprecated: f.deprecated,
            schemas: f.schemas,
            feature_flag: f.feature_flag,
        }
    }
}

/// The catalog, by name (every token may read it).
#[utoipa::path(get, path = "/event-types", tag = "event types",
    security(("admin_token" = [])),
    params(EventTypeQuery),
    responses((status = 200, body = List<EventType>), Common))]
async fn list_event_types(
    State(s): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<EventTypeQuery>,
) -> ApiResult<Json<List<EventType>>> {
    let page = Page {
        limit: limit(q.limit)?,
        after: q.after,
        ..Page::default()
    };
    Ok(Json(List {
        data: s.list_event_types(page, q.include_archived).await?,
    }))
}

/// Declares an event type (an archived one of that name is replaced).
#[utoipa::path(post, path = "/event-types", tag = "event types",
    security(("admin_token" = [])),
    params(NoQuery),
    request_body = EventTypeIn,
    responses((status = 201, body = EventType), Common, Conflict, BodyErrors))]
async fn create_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<EventTypeIn>,
) -> ApiResult<(StatusCode, Json<EventType>)> {
    let fields = EventTypeFields {
        description: i.description,
        archived: i.archived,
        deprecated: i.deprecated,
        schemas: i.schemas,
        feature_flag: i.feature_flag,
    };
    let et = s.create_event_type(&scope, &i.name, fields.into()).await?;
    Ok((StatusCode::CREATED, Json(et)))
}

/// An event type.
#[utoipa::path(get, path = "/event-types/{name}", tag = "event types",
    security(("admin_token" = [])),
    params(("name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256), NoQuery),
    responses((status = 200, body = EventType), Common, NotFound))]
async fn get_event_type(
    State(s): State<AppState>,
    _caller: Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<EventType>> {
    Ok(Json(s.event_type(&name).await?))
}

/// Replaces (or declares) an event type.
#[utoipa::path(put, path = "/event-types/{name}", tag = "event types",
    security(("admin_token" = [])),
    params(("name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256), NoQuery),
    request_body = EventTypeFields,
    responses(
        (status = 200, description = "Replaced", body = EventType),
        (status = 201, description = "Declared", body = EventType),
        Common, NotFound, BodyErrors
    ))]
async fn put_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(f): ApiJson<EventTypeFields>,
) -> ApiResult<(StatusCode, Json<EventType>)> {
    let (et, created) = s.upsert_event_type(&scope, &name, f.into()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(et)))
}

/// Changes an event type.
#[utoipa::path(patch, path = "/event-types/{name}", tag = "event types",
    security(("admin_token" = [])),
    params(("name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256), NoQuery),
    request_body = EventTypePatch,
    responses((status = 200, body = EventType), Common, NotFound, BodyErrors))]
async fn update_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(p): ApiJson<EventTypePatch>,
) -> ApiResult<Json<EventType>> {
    let change = EventTypeChange {
        description: p.description,
        archived: p.archived,
        deprecated: p.deprecated,
        schemas: p.schemas,
        feature_flag: p.feature_flag,
    };
    Ok(Json(s.change_event_type(&scope, &name, change).await?))
}

/// Archives an event type, or deletes it with `expunge=true`.
#[utoipa::path(delete, path = "/event-types/{name}", tag = "event types",
    security(("admin_token" = [])),
    params(("name" = String, Path, pattern = r"^[a-zA-Z0-9\-_.]+$", min_length = 1, max_length = 256), ExpungeQuery),
    responses((status = 204, description = "Archived or deleted"), Common, NotFound))]
async fn delete_event_type(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExpungeQuery>,
) -> ApiResult<StatusCode> {
    s.delete_event_type(&scope, &name, q.expunge).await?;
    Ok(StatusCode::NO_CONTENT)
}
