//! `/api/v1/messages` and `/api/v1/deliveries`: publishing, and what became
//! of each message at each endpoint.

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
use crate::service::{At, Publish};
use crate::store::{
    Attempt, Delivery, DeliveryFilter, DeliveryStatus, Message, MessageFilter, Page,
};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish, list_messages))
        .routes(routes!(get_message))
        .routes(routes!(message_deliveries))
        .routes(routes!(resend_message))
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(attempts))
        .routes(routes!(resend))
}

pub(super) const LINKS: &[(&str, HttpMethod, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/messages",
        HttpMethod::Post,
        "202",
        "GetMessage",
        "get_message",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/messages",
        HttpMethod::Post,
        "202",
        "MessageDeliveries",
        "message_deliveries",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/messages/{id}/resend",
        HttpMethod::Post,
        "202",
        "GetDelivery",
        "get_delivery",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/messages/{id}/resend",
        HttpMethod::Post,
        "202",
        "Attempts",
        "attempts",
        "id",
        "$response.body#/id",
    ),
    (
        "/api/v1/messages/{id}/resend",
        HttpMethod::Post,
        "202",
        "Resend",
        "resend",
        "id",
        "$response.body#/id",
    ),
];

/// A message to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishIn {
    /// The application (id or uid) it goes to: only that application's
    /// endpoints receive it. Default: the token's application, or `default`
    /// for the admin token.
    #[serde(default)]
    pub application: Option<String>,
    /// Channels it is on: endpoints that take channels receive it only if
    /// they take one of these.
    #[serde(default)]
    #[schema(schema_with = crate::schema::opt_message_channels)]
    pub channels: Option<Vec<String>>,
    /// Its type, for endpoints' filters: 1-256 characters, no spaces, no
    /// control characters, no wildcard.
    #[schema(schema_with = crate::schema::event_type)]
    pub event_type: String,
    /// The JSON object delivered (byte for byte as sent).
    #[schema(value_type = Object)]
    pub payload: Box<serde_json::value::RawValue>,
    /// Its id (sent as `webhook-id`), also an idempotency key: publishing
    /// the same id and content to the same application again returns the
    /// first message (200); other content under it, or an id another
    /// application's message has, is a 409. Generated (`msg_…`) when absent.
    #[schema(min_length = 1, max_length = 256, pattern = r"^[!-\-/-~]+$")]
    pub id: Option<String>,
    /// Deprecated: the same as `id` (which wins when both are given).
    #[schema(min_length = 1, max_length = 256, pattern = r"^[!-\-/-~]+$")]
    pub idempotency_key: Option<String>,
}

/// What a publish stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishOut {
    pub id: String,
    /// Its application's id.
    pub application: String,
    /// Your id for it, if you gave one.
    pub event_id: Option<String>,
    pub event_type: String,
    pub created_at: i64,
    /// true: this id was published before; nothing new was stored.
    pub duplicate: bool,
}

/// A message (published) or an inbound event (from a source).
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: String,
    /// Published messages: their application's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Published messages: the publisher's id for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Published messages: their channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    pub event_type: String,
    pub created_at: i64,
    /// The body as JSON; null when it is not JSON or was not kept.
    #[schema(value_type = Option<Object>)]
    pub payload: Value,
    /// Inbound events: the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Inbound events: the provider's id, sent as `webhook-id` when forwarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
}

impl From<&Message> for MessageOut {
    fn from(m: &Message) -> Self {
        MessageOut {
            id: m.id.clone(),
            application: m.app_id.clone(),
            event_id: m.event_id.clone(),
            channels: m.channels.clone(),
            event_type: m.event_type.clone(),
            created_at: m.created_at,
            payload: serde_json::from_slice(&m.payload).unwrap_or(Value::Null),
            source: m.source.clone(),
            webhook_id: m.source.as_ref().and(m.webhook_id.clone()),
        }
    }
}

/// A page of messages.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only this application's messages (id or uid); inbound events have none.
    pub application: Option<String>,
    /// At most this many (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only those created before this Unix time in milliseconds (the next page).
    pub before: Option<i64>,
}

/// Which deliveries to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only those in this state.
    pub status: Option<DeliveryStatus>,
    /// Only those to this application's endpoints (id or uid).
    pub application: Option<String>,
    /// Only those to this endpoint.
    pub endpoint_id: Option<String>,
    /// At most this many (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only those last changed before this Unix time in milliseconds (the next page).
    pub before: Option<i64>,
}

/// Where to send a message again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendIn {
    pub endpoint_id: String,
}

/// Publishes a message to every enabled endpoint whose filter takes its type.
/// Acknowledged once durably committed.
#[utoipa::path(post, path = "/messages", tag = "messages",
    security(("admin_token" = [])),
    params(NoQuery),
    request_body = PublishIn,
    responses(
        (status = 202, description = "Stored; its deliveries are under way", body = PublishOut),
        (status = 200, description = "This id was published before with the same content", body = PublishOut),
        Common, NotFound, Conflict, BodyErrors
    ))]
async fn publish(
    State(s): State<AppState>,
    Caller(scope): Caller,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<PublishIn>,
) -> ApiResult<(StatusCode, Json<PublishOut>)> {
    // `id` wins over the deprecated alias; both are checked.
    if let Some(k) = &i.idempotency_key {
        crate::service::check_message_id(k)
            .map_err(|m| super::ApiError::invalid(Some("idempotency_key".into()), m))?;
    }
    let id = i.id.or(i.idempotency_key);
    let (m, created) = s
        .publish(
            &scope,
            Publish {
                app: i.application,
                event_type: i.event_type,
                payload: i.payload,
                message_id: id.clone(),
                event_id: id,
                channels: i.channels,
                on_duplicate: Default::default(),
            },
        )
        .await?;
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(PublishOut {
            id: m.id,
            application: m.app_id.unwrap_or_default(),
            event_id: m.event_id,
            event_type: m.event_type,
            created_at: m.created_at,
            duplicate: !created,
        }),
    ))
}

/// Messages and inbound events, newest first (an application's token: its
/// messages).
#[utoipa::path(get, path = "/messages", tag = "messages",
    security(("admin_token" = [])),
    params(PageQuery),
    responses((status = 200, body = List<MessageOut>), Common, NotFound))]
async fn list_messages(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<List<MessageOut>>> {
    let limit = limit(q.limit)?;
    let ms = match &q.application {
        Some(app) => {
            let filter = MessageFilter {
                page: Page {
                    limit,
                    ..Page::default()
                },
                before: q.before,
                ..MessageFilter::default()
            };
            s.list_app_messages(&scope, app, filter).await?
        }
        None => s.list_messages(&scope, limit, q.before).await?,
    };
    Ok(Json(List {
        data: ms.iter().map(MessageOut::from).collect(),
    }))
}

/// A message, with its payload.
#[utoipa::path(get, path = "/messages/{id}", tag = "messages",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = MessageOut), Common, NotFound))]
async fn get_message(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<MessageOut>> {
    Ok(Json(MessageOut::from(
        &s.message(&scope, At::id(&id)).await?,
    )))
}

/// The message's deliveries, one per endpoint it went to.
#[utoipa::path(get, path = "/messages/{id}/deliveries", tag = "messages",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = List<Delivery>), Common, NotFound))]
async fn message_deliveries(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<List<Delivery>>> {
    Ok(Json(List {
        data: s.message_deliveries(&scope, At::id(&id)).await?,
    }))
}

/// Sends the message to one endpoint now: again, or for the first time.
#[utoipa::path(post, path = "/messages/{id}/resend", tag = "messages",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    request_body = ResendIn,
    responses(
        (status = 202, description = "Due now", body = Delivery),
        Common, NotFound, Conflict, BodyErrors
    ))]
async fn resend_message(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
    ApiJson(i): ApiJson<ResendIn>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(
            s.resend_to(&scope, At::id(&id), At::id(&i.endpoint_id))
                .await?,
        ),
    ))
}

/// Deliveries across endpoints (e.g. `?status=failed`), latest change first.
#[utoipa::path(get, path = "/deliveries", tag = "deliveries",
    security(("admin_token" = [])),
    params(DeliveryQuery),
    responses((status = 200, body = List<Delivery>), Common, NotFound))]
async fn list_deliveries(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<List<Delivery>>> {
    let app_id = match &q.application {
        Some(a) => Some(s.application(&scope, a).await?.id),
        None => None,
    };
    let data = s
        .list_deliveries(
            &scope,
            DeliveryFilter {
                status: q.status,
                endpoint_id: q.endpoint_id,
                app_id,
                before: q.before,
                limit: limit(q.limit)?,
            },
        )
        .await?;
    Ok(Json(List { data }))
}

/// A delivery.
#[utoipa::path(get, path = "/deliveries/{id}", tag = "deliveries",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = Delivery), Common, NotFound))]
async fn get_delivery(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(s.delivery(&scope, &id).await?))
}

/// A delivery's attempts, oldest first: status, latency, response body, error.
#[utoipa::path(get, path = "/deliveries/{id}/attempts", tag = "deliveries",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = List<Attempt>), Common, NotFound))]
async fn attempts(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<List<Attempt>>> {
    Ok(Json(List {
        data: s.attempts(&scope, &id).await?,
    }))
}

/// Makes a delivery due now, whatever its state.
#[utoipa::path(post, path = "/deliveries/{id}/resend", tag = "deliveries",
    security(("admin_token" = [])),
    params(("id" = String, Path), NoQuery),
    responses((status = 200, body = Delivery), Common, NotFound, Conflict))]
async fn resend(
    State(s): State<AppState>,
    Caller(scope): Caller,
    ApiPath(id): ApiPath<String>,
    _q: ApiQuery<NoQuery>,
) -> ApiResult<Json<Delivery>> {
    Ok(Json(s.resend(&scope, &id).await?))
}
