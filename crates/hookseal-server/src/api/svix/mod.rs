//! The Svix API, spoken exactly: the routes of the Svix server's OpenAPI
//! document for applications, event types, endpoints, messages, message
//! attempts and the app portal's access token, on the same `/api/v1/...`
//! paths, with the same JSON field names and casing, pagination
//! (`iterator`/`prevIterator`/`done`), status codes and error shapes, so
//! that code written for the Svix SDKs works against `hookseal serve` by
//! changing the server URL.
//!
//! Like the native API it is a thin layer over [`crate::service`]: parse,
//! call one method, shape the answer. Where Svix differs from the native
//! API, this module follows Svix:
//!
//! - Unknown query parameters and body fields are ignored (the SDKs send
//!   parameters of Svix's cloud service), and a body is read as JSON
//!   whatever its content type.
//! - Errors are `{"code", "detail"}`, except validation errors: 422
//!   `{"detail": [{"loc": ["body", "field"], "msg", "type"}]}`.
//! - Timestamps are RFC 3339 in UTC; ones without an offset are read as UTC.
//! - Lists: `limit` (default 50, at most 250), `iterator`, `done`.
//! - An app, endpoint or message in a path is its id or its uid (event id).
//! - A token scoped to an application gets 403 `insufficient access` on
//!   what only the admin token may do, and 404 for other applications.
//!
//! And where a Svix SDK needs more than Svix's own document says, the SDK
//! wins: `secret/rotate` answers 200 with the new key (the Python SDK reads
//! it), resend answers 202 `{}`.

mod apps;
mod endpoints;
mod messages;

use std::collections::{BTreeMap, HashMap};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::service;
use crate::store::{Order, Page};

use super::AppState;

/// The Svix API's routes under `/api/v1` (behind the token), with their
/// documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(apps::routes())
        .merge(endpoints::routes())
        .merge(messages::routes())
}

/// The routes that need no token (`/api/v1/health`).
pub(super) fn open_routes() -> OpenApiRouter<AppState> {
    apps::open_routes()
}

/// Whether a request path belongs to the Svix API (its errors take Svix's
/// shapes).
pub fn is_svix_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    ["app", "event-type", "auth", "health"].iter().any(|p| {
        rest.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    })
}

// --- errors ---

/// One validation failure: where (`["body", "field"]`), what, and its kind.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ValidationErrorItem {
    pub loc: Vec<String>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Every error but validation errors.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HttpErrorOut {
    pub code: String,
    pub detail: String,
}

/// A validation error (422).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename = "HTTPValidationError")]
pub struct HttpValidationError {
    pub detail: Vec<ValidationErrorItem>,
}

/// An error answer of the Svix API.
#[derive(Debug)]
pub enum SvixError {
    Http {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
    Validation(Vec<ValidationErrorItem>),
}

impl SvixError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> SvixError {
        SvixError::Http {
            status,
            code,
            detail: detail.into(),
        }
    }

    /// A 422 about one place.
    pub fn invalid(loc: &[&str], msg: impl Into<String>, kind: &str) -> SvixError {
        SvixError::Validation(vec![ValidationErrorItem {
            loc: loc.iter().map(|s| s.to_string()).collect(),
            msg: msg.into(),
            kind: kind.into(),
        }])
    }

    /// 422 for a malformed query parameter (Svix's document gives no 400).
    pub fn bad_query(name: &str, detail: impl Into<String>) -> SvixError {
        SvixError::invalid(&["query", name], detail, "value_error")
    }

    fn not_found(what: &str) -> SvixError {
        let mut w = what.to_string();
        if let Some(f) = w.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        SvixError::new(StatusCode::NOT_FOUND, "not_found", format!("{w} not found"))
    }
}

impl IntoResponse for SvixError {
    fn into_response(self) -> Response {
        match self {
            SvixError::Http {
                status,
                code,
                detail,
            } => (
                status,
                Json(HttpErrorOut {
                    code: code.into(),
                    detail,
                }),
            )
                .into_response(),
            SvixError::Validation(detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(HttpValidationError { detail }),
            )
                .into_response(),
        }
    }
}

/// The Svix spelling of a field the service names.
fn svix_field(field: &str) -> String {
    let (head, rest) = field
        .split_once(['.', '['])
        .map_or((field, ""), |(h, _)| (h, &field[h.len()..]));
    let head = match head {
        "event_types" => "eventTypes",
        "event_type" => "eventType",
        "event_id" => "eventId",
        "rate_limit" => "throttleRate",
        "grace_secs" => "gracePeriodSeconds",
        "feature_flag" => "featureFlag",
        "expires_in_secs" => "expiry",
        other => other,
    };
    format!("{head}{rest}")
}

impl From<service::Error> for SvixError {
    fn from(e: service::Error) -> Self {
        match e {
            service::Error::NotFound(what) => SvixError::not_found(&what),
            service::Error::Conflict(m) => SvixError::new(StatusCode::CONFLICT, "conflict", m),
            service::Error::Invalid(field, m) => {
                let mut loc = vec!["body".to_string()];
                if let Some(f) = field {
                    loc.extend(svix_field(&f).split('.').map(str::to_string));
                }
                SvixError::Validation(vec![ValidationErrorItem {
                    loc,
                    msg: m,
                    kind: "value_error".into(),
                }])
            }
            // A destination the policy refuses is, to a Svix client, an
            // endpoint URL that is not valid here.
            service::Error::Forbidden(m) => SvixError::invalid(&["body", "url"], m, "value_error"),
            service::Error::Denied => SvixError::new(
                StatusCode::FORBIDDEN,
                "insufficient access",
                "Insufficient access for the given operation.",
            ),
            service::Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                SvixError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "internal error",
                )
            }
        }
    }
}

impl From<super::ApiError> for SvixError {
    fn from(e: super::ApiError) -> Self {
        SvixError::Http {
            status: e.status,
            code: e.code,
            detail: e.detail,
        }
    }
}

pub type SvixResult<T> = Result<T, SvixError>;

/// The answers every Svix route may give besides its own.
#[derive(IntoResponses)]
pub enum SvixErrors {
    /// A query parameter is malformed (`generic_error`).
    #[response(status = 400)]
    BadRequest(HttpErrorOut),
    /// No token, or an unknown one (`authentication_failed`).
    #[response(status = 401)]
    Unauthorized(HttpErrorOut),
    /// The token is scoped to one application and this needs the admin
    /// token (`insufficient access`).
    #[response(status = 403)]
    Forbidden(HttpErrorOut),
    /// No such object, or one of another application (`not_found`).
    #[response(status = 404)]
    NotFound(HttpErrorOut),
    /// A uid, event id or name is taken (`conflict`, `event_type_exists`).
    #[response(status = 409)]
    Conflict(HttpErrorOut),
    /// The body is over `server.max_body_bytes` (`payload_too_large`).
    #[response(status = 413)]
    TooLarge(HttpErrorOut),
    /// A field is missing, of the wrong type or not valid.
    #[response(status = 422)]
    Invalid(HttpValidationError),
}

// --- the body ---

/// A JSON body, read whatever its content type (as Svix does), into `T`;
/// unknown fields are ignored. A body that does not parse or fit is a 422
/// naming where.
pub struct SvixJson<T>(pub T);

async fn read_body<S: Send + Sync, T: DeserializeOwned>(
    req: Request,
    state: &S,
    optional: bool,
) -> Result<Option<T>, SvixError> {
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                SvixError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "Request payload is too large.",
                )
            } else {
                SvixError::new(
                    StatusCode::BAD_REQUEST,
                    "generic_error",
                    format!("the body could not be read: {}", e.body_text()),
                )
            }
        })?;
    let text = bytes.trim_ascii();
    if optional && (text.is_empty() || text == b"null") {
        return Ok(None);
    }
    // An object: serde would also read a struct from a JSON array,
    // positionally.
    if text.first() != Some(&b'{') {
        return Err(SvixError::invalid(
            &["body"],
            "the body must be a JSON object",
            "value_error.jsondecode",
        ));
    }
    let decode = |loc: Vec<String>, msg: String| {
        SvixError::Validation(vec![ValidationErrorItem {
            loc,
            msg,
            kind: "value_error.jsondecode".into(),
        }])
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let t = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let mut loc = vec!["body".to_string()];
        if path != "." && !path.is_empty() {
            loc.extend(path.split('.').map(str::to_string));
        }
        decode(loc, e.into_inner().to_string())
    })?;
    de.end()
        .map_err(|e| decode(vec!["body".into()], e.to_string()))?;
    Ok(Some(t))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for SvixJson<T> {
    type Rejection = SvixError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_body(req, state, false)
            .await
            .map(|t| SvixJson(t.expect("a required body is always parsed")))
    }
}

// --- the path and the query ---

/// Path parameters, rejections in Svix's shape.
pub struct SvixPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for SvixPath<T> {
    type Rejection = SvixError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| SvixPath(t))
            .map_err(|r| SvixError::invalid(&["path"], r.body_text(), "value_error"))
    }
}

/// The query string, read by name: unknown parameters are ignored, a
/// malformed one is a 400 (`generic_error`).
pub struct SvixQuery(HashMap<String, Vec<String>>);

impl<S: Send + Sync> FromRequestParts<S> for SvixQuery {
    type Rejection = SvixError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        if let Some(q) = parts.uri.query() {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                // `event_types[]`, `event_types[0]`: the same list.
                let k = match k.find('[') {
                    Some(i) if k.ends_with(']') => k[..i].to_string(),
                    _ => k.into_owned(),
                };
                map.entry(k).or_default().push(v.into_owned());
            }
        }
        Ok(SvixQuery(map))
    }
}

/// Svix's default and largest page.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 250;

impl SvixQuery {
    /// The last value given for `name`.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.last()).map(String::as_str)
    }

    /// A text parameter: empty is none.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.str(name).filter(|v| !v.is_empty())
    }

    pub fn bool(&self, name: &str, default: bool) -> SvixResult<bool> {
        match self.str(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) => Err(SvixError::bad_query(
                name,
                format!("{name}: {v:?} is not true or false"),
            )),
        }
    }

    pub fn int(&self, name: &str) -> SvixResult<Option<i64>> {
        self.str(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    SvixError::bad_query(name, format!("{name}: {v:?} is not an integer"))
                })
            })
            .transpose()
    }

    /// A date-time (RFC 3339; without an offset, UTC), in ms.
    pub fn time(&self, name: &str) -> SvixResult<Option<i64>> {
        self.str(name)
            .map(|v| {
                hookseal::time::parse_rfc3339_ms(v).ok_or_else(|| {
                    SvixError::bad_query(
                        name,
                        format!("{name}: {v:?} is not an RFC 3339 date-time"),
                    )
                })
            })
            .transpose()
    }

    /// A list: `a,b`, repeated, or `name[]=`.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .into_iter()
            .flatten()
            .flat_map(|v| v.split(','))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// `channel`, when given, is a channel's name.
    pub fn check_channel(&self) -> SvixResult<()> {
        if let Some(c) = self.str("channel") {
            crate::names::check_slug("channel", c, crate::names::MAX_CHANNEL)
                .map_err(|m| SvixError::bad_query("channel", m))?;
        }
        Ok(())
    }

    /// `limit`: default 50, at most 250.
    pub fn limit(&self) -> SvixResult<i64> {
        match self.int("limit")? {
            None => Ok(DEFAULT_LIMIT),
            Some(l) if l > MAX_LIMIT => Err(SvixError::invalid(
                &["query", "limit"],
                format!("Given limit must not exceed {MAX_LIMIT}"),
                "value_error",
            )),
            Some(l) if l < 1 => Err(SvixError::invalid(
                &["query", "limit"],
                "Given limit must be at least 1",
                "value_error",
            )),
            Some(l) => Ok(l),
        }
    }

    /// `order`: `ascending` or `descending`.
    pub fn order(&self) -> SvixResult<Option<Order>> {
        match self.str("order") {
            None => Ok(None),
            Some("ascending") => Ok(Some(Order::Ascending)),
            Some("descending") => Ok(Some(Order::Descending)),
            Some(v) => Err(SvixError::bad_query(
                "order",
                format!("{v:?} is not ascending or descending"),
            )),
        }
    }

    /// A page from `limit`, `iterator` (`-id` runs back) and the list's
    /// order; the fetch asks for one more item to tell whether it is done.
    pub fn page(&self, order: Order) -> SvixResult<Cursor> {
        let limit = self.limit()?;
        let (after, back) = match self.text("iterator") {
            Some(i) => match i.strip_prefix('-') {
                Some(rest) => (Some(rest.to_string()), true),
                None => (Some(i.to_string()), false),
            },
            None => (None, false),
        };
        let travel = if back { order.reverse() } else { order };
        Ok(Cursor {
            page: Page {
                limit: limit + 1,
                after,
                order: travel,
            },
            limit,
            back,
        })
    }
}

impl Order {
    fn reverse(self) -> Order {
        match self {
            Order::Ascending => Order::Descending,
            Order::Descending => Order::Ascending,
        }
    }
}

/// A page being fetched (see [`SvixQuery::page`]).
pub struct Cursor {
    /// What to ask the store for (one more than the limit).
    pub page: Page,
    limit: i64,
    /// Running back from `-id`: the items come reversed.
    back: bool,
}

/// A list's order.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ordering {
    Ascending,
    Descending,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    /// The last item's id (pass it back for the next page); always present.
    pub iterator: Option<String>,
    /// `-` and the first item's id: the page before this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_iterator: Option<String>,
    /// No more items in this direction.
    pub done: bool,
}

impl Cursor {
    /// Shapes fetched items into a page; `key` is an item's position.
    pub fn finish<I, T>(
        &self,
        mut items: Vec<I>,
        key: impl Fn(&I) -> String,
        out: impl Fn(I) -> T,
    ) -> ListResponse<T> {
        let done = items.len() as i64 <= self.limit;
        items.truncate(self.limit as usize);
        if self.back {
            items.reverse();
        }
        let iterator = items.last().map(&key);
        let prev_iterator = items.first().map(|i| format!("-{}", key(i)));
        ListResponse {
            data: items.into_iter().map(out).collect(),
            iterator,
            prev_iterator,
            done,
        }
    }
}

/// A timestamp as Svix writes it.
pub fn time(ms: i64) -> String {
    hookseal::time::format_rfc3339_ms(ms)
}

/// Svix's `throttleRate` (and its old name `rateLimit`, which loses to it):
/// each given is 1-65535 (null clears).
fn rate(
    throttle: Option<Option<u32>>,
    old: Option<Option<u32>>,
) -> SvixResult<Option<Option<u32>>> {
    for (name, v) in [("throttleRate", throttle), ("rateLimit", old)] {
        if let Some(Some(r)) = v {
            if !(1..=65535).contains(&r) {
                return Err(SvixError::invalid(
                    &["body", name],
                    "must be 1-65535, or null for no limit",
                    "value_error",
                ));
            }
        }
    }
    Ok(throttle.or(old))
}

/// Metadata: an absent one is empty.
fn metadata(m: Option<BTreeMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svix_paths() {
        for p in [
            "/api/v1/app",
            "/api/v1/app/x/endpoint",
            "/api/v1/event-type",
            "/api/v1/event-type/a.b",
            "/api/v1/auth/app-portal-access/x",
            "/api/v1/health",
        ] {
            assert!(is_svix_path(p), "{p}");
        }
        for p in [
            "/api/v1/applications",
            "/api/v1/endpoints",
            "/api/v1/event-types",
            "/api/v1/apps",
            "/in/github",
        ] {
            assert!(!is_svix_path(p), "{p}");
        }
    }

    #[test]
    fn field_names() {
        assert_eq!(svix_field("event_types"), "eventTypes");
        assert_eq!(svix_field("rate_limit"), "throttleRate");
        assert_eq!(svix_field("payload.items[0]"), "payload.items[0]");
        assert_eq!(svix_field("url"), "url");
    }

    #[test]
    fn pages_run_both_ways() {
        let q = |s: &str| {
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for (k, v) in form_urlencoded::parse(s.as_bytes()) {
                map.entry(k.into_owned()).or_default().push(v.into_owned());
            }
            SvixQuery(map)
        };
        let c = q("limit=2").page(Order::Ascending).unwrap();
        assert_eq!((c.page.limit, c.page.after.as_deref()), (3, None));
        let l = c.finish(vec![1, 2, 3], |i| i.to_string(), |i| i);
        assert_eq!(l.data, vec![1, 2]);
        assert_eq!(
            (l.iterator.as_deref(), l.prev_iterator.as_deref(), l.done),
            (Some("2"), Some("-1"), false)
        );
        let c = q("limit=2&iterator=-5").page(Order::Ascending).unwrap();
        assert_eq!(c.page.order, Order::Descending);
        let l = c.finish(vec![4, 3], |i| i.to_string(), |i| i);
        assert_eq!((l.data, l.done), (vec![3, 4], true));
        assert!(q("limit=251").limit().is_err());
        assert!(q("limit=x").limit().is_err());
        assert_eq!(
            q("event_types=a,b&event_types=c").list("event_types"),
            ["a", "b", "c"]
        );
    }
}
