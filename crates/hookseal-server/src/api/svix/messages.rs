//! Svix: `/api/v1/app/{app_id}/msg/...` and `/api/v1/app/{app_id}/attempt/...`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::apps::{app_or_create, ApplicationIn};
use super::endpoints::EndpointOut;
use super::{time, ListResponse, SvixError, SvixErrors, SvixJson, SvixPath, SvixQuery, SvixResult};
use crate::api::{AppState, Caller};
use crate::service::{At, OnDuplicate, Publish};
use crate::store::{
    AttemptFilter, AttemptView, AttemptsOf, Delivery, DeliveryStatus, Message, MessageFilter, Order,
};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_messages, create_message))
        .routes(routes!(get_message))
        .routes(routes!(attempts_by_message))
        .routes(routes!(attempts_by_endpoint))
        .routes(routes!(get_attempt))
        .routes(routes!(attempted_destinations))
        .routes(routes!(attempted_messages))
        .routes(routes!(resend))
}

// --- models ---

/// A message to publish to the application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixMessageIn)]
pub struct MessageIn {
    #[schema(schema_with = crate::schema::slug_name)]
    pub event_type: String,
    /// The JSON object delivered, byte for byte as sent (also accepted as
    /// `data`).
    #[serde(alias = "data")]
    #[schema(value_type = Object)]
    pub payload: Box<serde_json::value::RawValue>,
    /// Your id for it: unique in the application (a second publish with it
    /// is a 409).
    #[schema(schema_with = crate::schema::opt_event_id)]
    pub event_id: Option<String>,
    #[schema(schema_with = crate::schema::opt_message_channels)]
    pub channels: Option<Vec<String>>,
    /// Days to keep the payload (5-90).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 5, maximum = 90)]
    pub payload_retention_period: Option<i64>,
    /// Creates the application when none has the path's id or uid.
    pub application: Option<ApplicationIn>,
}

/// A message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixMessageOut)]
pub struct MessageOut {
    pub id: String,
    pub event_id: Option<String>,
    pub event_type: String,
    /// `{}` unless asked `with_content`.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub channels: Option<Vec<String>>,
    pub timestamp: String,
}

/// The payload as a JSON object (`{}` when not asked for, or not JSON).
fn payload(m: &Message, with_content: bool) -> Value {
    if !with_content {
        return Value::Object(Map::new());
    }
    match serde_json::from_slice::<Value>(&m.payload) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::Object(Map::new()),
    }
}

impl MessageOut {
    fn new(m: Message, with_content: bool) -> MessageOut {
        MessageOut {
            payload: payload(&m, with_content),
            id: m.id,
            event_id: m.event_id,
            event_type: m.event_type,
            channels: m.channels,
            timestamp: time(m.created_at),
        }
    }
}

/// One attempt to deliver a message to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixMessageAttemptOut)]
pub struct MessageAttemptOut {
    /// `atmpt_` and its number.
    pub id: String,
    pub msg_id: String,
    pub endpoint_id: String,
    pub url: String,
    /// The response body (`{}` unless asked `with_content`).
    pub response: String,
    /// 0 when there was no response.
    pub response_status_code: i64,
    pub response_duration_ms: i64,
    /// 0 success, 2 failure.
    pub status: i64,
    /// `success` or `fail`.
    pub status_text: String,
    /// 0 scheduled, 1 manual (a resend or a recovery).
    pub trigger_type: i64,
    pub timestamp: String,
}

/// A delivery's state as Svix numbers it.
fn delivery_status(d: &Delivery) -> (i64, &'static str) {
    match d.status {
        DeliveryStatus::Succeeded => (0, "success"),
        DeliveryStatus::Failed => (2, "fail"),
        DeliveryStatus::Pending if d.attempts > 0 => (3, "sending"),
        DeliveryStatus::Pending => (1, "pending"),
    }
}

impl MessageAttemptOut {
    fn new(a: AttemptView, with_content: bool) -> MessageAttemptOut {
        let code = a.attempt.status_code.unwrap_or(0);
        let ok = a.attempt.error.is_none() && (200..300).contains(&code);
        let response = if with_content {
            a.attempt
                .response_body
                .or(a.attempt.error)
                .unwrap_or_default()
        } else {
            "{}".into()
        };
        MessageAttemptOut {
            id: attempt_id(a.attempt.id),
            msg_id: a.message_id,
            endpoint_id: a.endpoint_id,
            url: a.url,
            response,
            response_status_code: code,
            response_duration_ms: a.attempt.latency_ms,
            status: if ok { 0 } else { 2 },
            status_text: if ok { "success" } else { "fail" }.into(),
            trigger_type: i64::from(a.manual),
            timestamp: time(a.attempt.at),
        }
    }
}

/// An endpoint a message went to, with where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixMessageEndpointOut)]
pub struct MessageEndpointOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub url: String,
    pub description: String,
    pub throttle_rate: Option<u32>,
    pub rate_limit: Option<u32>,
    pub disabled: bool,
    pub event_types: Option<Vec<String>>,
    pub filter_types: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
    /// 0 success, 1 pending, 2 failure, 3 retrying.
    pub status: i64,
    pub status_text: String,
    pub next_attempt: Option<String>,
}

/// A message attempted to an endpoint, with where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SvixEndpointMessageOut)]
pub struct EndpointMessageOut {
    pub id: String,
    pub event_id: Option<String>,
    pub event_type: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub channels: Option<Vec<String>>,
    pub timestamp: String,
    pub status: i64,
    pub status_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<String>,
}

/// An empty answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SvixEmptyResponse)]
pub struct EmptyResponse {}

fn attempt_id(n: i64) -> String {
    format!("atmpt_{n}")
}

/// An attempt's number from `atmpt_<n>` (or `<n>`).
fn attempt_number(id: &str) -> Option<i64> {
    id.strip_prefix("atmpt_").unwrap_or(id).parse().ok()
}

/// The filters lists of messages share.
fn message_filter(q: &SvixQuery, c: &super::Cursor) -> SvixResult<MessageFilter> {
    q.check_channel()?;
    Ok(MessageFilter {
        page: c.page.clone(),
        event_types: q.list("event_types"),
        channel: q.text("channel").map(str::to_string),
        before: q.time("before")?,
        after: q.time("after")?,
    })
}

/// The filters lists of attempts share; None when nothing can match (every
/// attempt has an outcome: none is pending or sending).
fn attempt_filter(q: &SvixQuery, c: &super::Cursor) -> SvixResult<Option<AttemptFilter>> {
    q.check_channel()?;
    let mut page = c.page.clone();
    if let Some(a) = &page.after {
        page.after = Some(
            attempt_number(a)
                .ok_or_else(|| {
                    SvixError::bad_query("iterator", format!("{a:?} is not an attempt id"))
                })?
                .to_string(),
        );
    }
    let mut nothing = false;
    let succeeded = match q.int("status")? {
        None => None,
        Some(0) => Some(true),
        Some(2) => Some(false),
        Some(1 | 3 | 4) => {
            nothing = true;
            None
        }
        Some(v) => {
            return Err(SvixError::bad_query(
                "status",
                format!("{v} is not a message status"),
            ))
        }
    };
    let status_class = match q.int("status_code_class")? {
        None => None,
        Some(c @ 0..=599) => Some(c / 100 * 100),
        Some(v) => {
            return Err(SvixError::bad_query(
                "status_code_class",
                format!("{v} is not 0, 100, 200, 300, 400 or 500"),
            ))
        }
    };
    let filter = AttemptFilter {
        page,
        succeeded,
        status_class,
        endpoint_id: q.text("endpoint_id").map(str::to_string),
        before: q.time("before")?,
        after: q.time("after")?,
        event_types: q.list("event_types"),
        channel: q.text("channel").map(str::to_string),
        attempt_id: None,
    };
    Ok((!nothing).then_some(filter))
}

// --- messages ---

/// The application's messages, newest first.
#[utoipa::path(get, path = "/app/{app_id}/msg", tag = "svix", operation_id = "v1.message.list",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query),
        ("channel" = Option<String>, Query, pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 128),
        ("before" = Option<String>, Query, format = DateTime),
        ("after" = Option<String>, Query, format = DateTime),
        ("with_content" = Option<bool>, Query, description = "Include payloads (default true)"),
        ("event_types" = Option<Vec<String>>, Query, explode = false)
    ),
    responses((status = 200, body = ListResponse<MessageOut>), SvixErrors))]
async fn list_messages(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<MessageOut>>> {
    let c = q.page(Order::Descending)?;
    let with_content = q.bool("with_content", true)?;
    let filter = message_filter(&q, &c)?;
    let ms = s.list_app_messages(&scope, &app_id, filter).await?;
    Ok(Json(c.finish(
        ms,
        |m| m.id.clone(),
        |m| MessageOut::new(m, with_content),
    )))
}

/// Publishes a message to the application: only its endpoints whose
/// filters and channels take it receive it.
#[utoipa::path(post, path = "/app/{app_id}/msg", tag = "svix", operation_id = "v1.message.create",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path),
        ("with_content" = Option<bool>, Query, description = "Include the payload (default true)")
    ),
    request_body = MessageIn,
    responses((status = 202, body = MessageOut), SvixErrors))]
async fn create_message(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath(app_id): SvixPath<String>,
    q: SvixQuery,
    SvixJson(i): SvixJson<MessageIn>,
) -> SvixResult<(StatusCode, Json<MessageOut>)> {
    let with_content = q.bool("with_content", true)?;
    if i.payload_retention_period
        .is_some_and(|d| !(5..=90).contains(&d))
    {
        return Err(SvixError::invalid(
            &["body", "payloadRetentionPeriod"],
            "must be between 5 and 90 days",
            "value_error",
        ));
    }
    if let Some(e) = &i.event_id {
        crate::names::check_uid("eventId", e, "msg_")
            .map_err(|m| SvixError::invalid(&["body", "eventId"], m, "value_error"))?;
    }
    let app = app_or_create(&s, &scope, &app_id, i.application).await?;
    let (m, _) = s
        .publish(
            &scope,
            Publish {
                app: Some(app.id),
                event_type: i.event_type,
                payload: i.payload,
                event_id: i.event_id,
                channels: i.channels,
                on_duplicate: OnDuplicate::Conflict,
                message_id: None,
            },
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(MessageOut::new(m, with_content))))
}

/// A message, by id or event id.
#[utoipa::path(get, path = "/app/{app_id}/msg/{msg_id}", tag = "svix", operation_id = "v1.message.get",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("msg_id" = String, Path),
        ("with_content" = Option<bool>, Query, description = "Include the payload (default true)")
    ),
    responses((status = 200, body = MessageOut), SvixErrors))]
async fn get_message(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, msg_id)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<MessageOut>> {
    let with_content = q.bool("with_content", true)?;
    let m = s.message(&scope, At::in_app(&app_id, &msg_id)).await?;
    Ok(Json(MessageOut::new(m, with_content)))
}

// --- attempts ---

/// A message's attempts, newest first.
#[utoipa::path(get, path = "/app/{app_id}/attempt/msg/{msg_id}", tag = "svix",
    operation_id = "v1.message-attempt.list-by-msg",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("msg_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query, pattern = r"^-?(atmpt_)?[0-9]{1,18}$"),
        ("status" = Option<i64>, Query, minimum = 0, maximum = 4, description = "0 success, 2 failure (1 pending, 3 sending: none)"),
        ("status_code_class" = Option<i64>, Query, minimum = 0, maximum = 599, description = "0 (no response), 100, 200, 300, 400 or 500: codes from it to it + 99"),
        ("channel" = Option<String>, Query, pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 128),
        ("endpoint_id" = Option<String>, Query),
        ("before" = Option<String>, Query, format = DateTime),
        ("after" = Option<String>, Query, format = DateTime),
        ("with_content" = Option<bool>, Query),
        ("event_types" = Option<Vec<String>>, Query, explode = false)
    ),
    responses((status = 200, body = ListResponse<MessageAttemptOut>), SvixErrors))]
async fn attempts_by_message(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, msg_id)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<MessageAttemptOut>>> {
    list_attempts(
        &s,
        &scope,
        &app_id,
        AttemptsOf::Message {
            app_id: app_id.clone(),
            message_id: msg_id,
        },
        &q,
    )
    .await
}

/// An endpoint's attempts, newest first.
#[utoipa::path(get, path = "/app/{app_id}/attempt/endpoint/{endpoint_id}", tag = "svix",
    operation_id = "v1.message-attempt.list-by-endpoint",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("endpoint_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query, pattern = r"^-?(atmpt_)?[0-9]{1,18}$"),
        ("status" = Option<i64>, Query, minimum = 0, maximum = 4, description = "0 success, 2 failure (1 pending, 3 sending: none)"),
        ("status_code_class" = Option<i64>, Query, minimum = 0, maximum = 599, description = "0 (no response), 100, 200, 300, 400 or 500: codes from it to it + 99"),
        ("channel" = Option<String>, Query, pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 128),
        ("before" = Option<String>, Query, format = DateTime),
        ("after" = Option<String>, Query, format = DateTime),
        ("with_content" = Option<bool>, Query),
        ("event_types" = Option<Vec<String>>, Query, explode = false)
    ),
    responses((status = 200, body = ListResponse<MessageAttemptOut>), SvixErrors))]
async fn attempts_by_endpoint(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, endpoint_id)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<MessageAttemptOut>>> {
    list_attempts(
        &s,
        &scope,
        &app_id,
        AttemptsOf::Endpoint {
            app_id: app_id.clone(),
            endpoint_id,
        },
        &q,
    )
    .await
}

async fn list_attempts(
    s: &AppState,
    scope: &crate::service::Scope,
    app_id: &str,
    of: AttemptsOf,
    q: &SvixQuery,
) -> SvixResult<Json<ListResponse<MessageAttemptOut>>> {
    let c = q.page(Order::Descending)?;
    let with_content = q.bool("with_content", true)?;
    let attempts = match attempt_filter(q, &c)? {
        Some(filter) => s.list_attempts(scope, app_id, of, filter).await?,
        None => Vec::new(),
    };
    Ok(Json(c.finish(
        attempts,
        |a| attempt_id(a.attempt.id),
        |a| MessageAttemptOut::new(a, with_content),
    )))
}

/// One attempt of a message.
#[utoipa::path(get, path = "/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", tag = "svix",
    operation_id = "v1.message-attempt.get",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("msg_id" = String, Path), ("attempt_id" = String, Path)),
    responses((status = 200, body = MessageAttemptOut), SvixErrors))]
async fn get_attempt(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, msg_id, attempt)): SvixPath<(String, String, String)>,
) -> SvixResult<Json<MessageAttemptOut>> {
    let not_found = || {
        SvixError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Message attempt not found",
        )
    };
    let n = attempt_number(&attempt).ok_or_else(not_found)?;
    let filter = AttemptFilter {
        page: crate::store::Page {
            limit: 1,
            ..Default::default()
        },
        attempt_id: Some(n),
        ..AttemptFilter::default()
    };
    let of = AttemptsOf::Message {
        app_id: app_id.clone(),
        message_id: msg_id,
    };
    let a = s
        .list_attempts(&scope, &app_id, of, filter)
        .await?
        .into_iter()
        .next()
        .ok_or_else(not_found)?;
    Ok(Json(MessageAttemptOut::new(a, true)))
}

/// The endpoints a message went to, by endpoint id, each with where its
/// delivery stands.
#[utoipa::path(get, path = "/app/{app_id}/msg/{msg_id}/endpoint", tag = "svix",
    operation_id = "v1.message-attempt.list-attempted-destinations",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("msg_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query)
    ),
    responses((status = 200, body = ListResponse<MessageEndpointOut>), SvixErrors))]
async fn attempted_destinations(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, msg_id)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<MessageEndpointOut>>> {
    let c = q.page(Order::Ascending)?;
    let rows = s
        .message_destinations(&scope, At::in_app(&app_id, &msg_id), c.page.clone())
        .await?;
    Ok(Json(c.finish(
        rows,
        |(_, e)| e.id.clone(),
        |(d, e)| {
            let (status, text) = delivery_status(&d);
            let e = EndpointOut::from(e);
            MessageEndpointOut {
                id: e.id,
                uid: e.uid,
                url: e.url,
                description: e.description,
                throttle_rate: e.throttle_rate,
                rate_limit: e.rate_limit,
                disabled: e.disabled,
                event_types: e.event_types,
                filter_types: e.filter_types,
                channels: e.channels,
                version: e.version,
                created_at: e.created_at,
                updated_at: e.updated_at,
                status,
                status_text: text.into(),
                next_attempt: (d.status == DeliveryStatus::Pending)
                    .then_some(d.next_attempt_at)
                    .flatten()
                    .map(time),
            }
        },
    )))
}

/// The messages attempted to an endpoint, newest first, each with where
/// its delivery stands.
#[utoipa::path(get, path = "/app/{app_id}/endpoint/{endpoint_id}/msg", tag = "svix",
    operation_id = "v1.message-attempt.list-attempted-messages",
    security(("admin_token" = [])),
    params(
        ("app_id" = String, Path), ("endpoint_id" = String, Path),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 250),
        ("iterator" = Option<String>, Query),
        ("channel" = Option<String>, Query, pattern = r"^[a-zA-Z0-9\-_.]+$", max_length = 128),
        ("status" = Option<i64>, Query, minimum = 0, maximum = 4, description = "0 success, 1 pending, 2 failure, 3 retrying"),
        ("before" = Option<String>, Query, format = DateTime),
        ("after" = Option<String>, Query, format = DateTime),
        ("with_content" = Option<bool>, Query),
        ("event_types" = Option<Vec<String>>, Query, explode = false)
    ),
    responses((status = 200, body = ListResponse<EndpointMessageOut>), SvixErrors))]
async fn attempted_messages(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, endpoint_id)): SvixPath<(String, String)>,
    q: SvixQuery,
) -> SvixResult<Json<ListResponse<EndpointMessageOut>>> {
    let c = q.page(Order::Descending)?;
    let with_content = q.bool("with_content", true)?;
    let status = q.int("status")?;
    if status.is_some_and(|s| !(0..=4).contains(&s)) {
        return Err(SvixError::bad_query("status", "not a message status (0-4)"));
    }
    let filter = message_filter(&q, &c)?;
    let mut rows = s
        .endpoint_messages(&scope, At::in_app(&app_id, &endpoint_id), filter)
        .await?;
    if let Some(st) = status {
        rows.retain(|(d, _)| delivery_status(d).0 == st);
    }
    Ok(Json(c.finish(
        rows,
        |(_, m)| m.id.clone(),
        |(d, m)| {
            let (status, text) = delivery_status(&d);
            EndpointMessageOut {
                payload: payload(&m, with_content),
                id: m.id,
                event_id: m.event_id,
                event_type: m.event_type,
                channels: m.channels,
                timestamp: time(m.created_at),
                status,
                status_text: text.into(),
                next_attempt: (d.status == DeliveryStatus::Pending)
                    .then_some(d.next_attempt_at)
                    .flatten()
                    .map(time),
            }
        },
    )))
}

/// Sends the message to the endpoint again now (a manual attempt).
#[utoipa::path(post, path = "/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", tag = "svix",
    operation_id = "v1.message-attempt.resend",
    security(("admin_token" = [])),
    params(("app_id" = String, Path), ("msg_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 202, body = EmptyResponse), SvixErrors))]
async fn resend(
    State(s): State<AppState>,
    Caller(scope): Caller,
    SvixPath((app_id, msg_id, endpoint_id)): SvixPath<(String, String, String)>,
) -> SvixResult<(StatusCode, Json<EmptyResponse>)> {
    s.resend_to(
        &scope,
        At::in_app(&app_id, &msg_id),
        At::in_app(&app_id, &endpoint_id),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(EmptyResponse {})))
}
