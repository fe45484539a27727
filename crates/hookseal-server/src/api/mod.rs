//! The admin API (JSON over HTTP, bearer token on every `/api/v1` route but
//! the OpenAPI document) and the operational routes (`/healthz`, `/readyz`,
//! `/metrics`).
//!
//! Each route is registered together with its OpenAPI description (utoipa),
//! so the served document (`/api/v1/openapi.json`, committed as
//! `crates/hookseal-server/openapi.json` and compared by a test) cannot miss
//! a route, a parameter or a status the server has.
//!
//! # Errors
//!
//! Every error, the router's own included, is JSON in one shape,
//! [`ErrorBody`]: `{"code": "...", "detail": "..."}` (plus `field` for a
//! validation error that names one). Codes are stable:
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `bad_request` | malformed JSON, an unknown or malformed query parameter |
//! | 401 | `authentication_failed` | no or wrong admin token |
//! | 403 | `destination_forbidden` | an endpoint URL the destination policy refuses |
//! | 404 | `not_found` | no such object, or no such route |
//! | 405 | `method_not_allowed` | the route has no such method |
//! | 409 | `conflict` | the change conflicts with what is stored or declared |
//! | 413 | `payload_too_large` | the body is over `server.max_body_bytes` |
//! | 415 | `unsupported_media_type` | a body that is not `application/json` |
//! | 422 | `validation` | a field is missing, of the wrong type, unknown or not valid |
//! | 500 | `internal` | a bug or a store failure; the log has the detail |
//! | 503 | `unavailable` | the store is not answering |

mod applications;
mod endpoints;
mod idempotency;
mod messages;
mod ops;
mod sources;
pub mod svix;

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::service::{self, Service};

/// The API's state: the service layer.
pub type AppState = Arc<Service>;

/// Every error answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code (see the table in the API's description).
    pub code: String,
    /// What is wrong, for a person.
    pub detail: String,
    /// The field a validation error is about, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            field: None,
        }
    }

    /// 422: a field is not valid.
    pub fn invalid(field: Option<String>, detail: impl Into<String>) -> ApiError {
        ApiError {
            field,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail)
        }
    }

    fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
}

impl From<service::Error> for ApiError {
    fn from(e: service::Error) -> Self {
        match e {
            service::Error::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            service::Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            service::Error::Invalid(field, m) => ApiError::invalid(field, m),
            service::Error::Forbidden(m) => {
                ApiError::new(StatusCode::FORBIDDEN, "destination_forbidden", m)
            }
            service::Error::Denied => ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_access",
                "this token is scoped to one application; only the admin token may do this",
            ),
            service::Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                code: self.code.into(),
                detail: self.detail,
                field: self.field,
            }),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON object body whose rejections are answered in the API's error
/// shape: 415 without a JSON content type, 400 for malformed JSON, 422 for a
/// body of the wrong shape (another JSON value than an object included),
/// 413 past the size limit.
pub struct ApiJson<T>(pub T);

/// Whether the request says its body is JSON (`application/json`, or a
/// `+json` type).
fn is_json(headers: &header::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads a JSON object body into `T`; `null` (or no body) is `None` when
/// `optional`.
async fn read_json<S: Send + Sync, T: DeserializeOwned>(
    req: Request,
    state: &S,
    optional: bool,
) -> Result<Option<T>, ApiError> {
    let empty_ok = optional
        && (req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (req.headers().get(header::CONTENT_LENGTH).is_none()
                && req.headers().get(header::TRANSFER_ENCODING).is_none()));
    if empty_ok {
        return Ok(None);
    }
    if !is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with Content-Type: application/json",
        ));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the body is larger than server.max_body_bytes",
                )
            } else {
                ApiError::bad_request(format!("the body could not be read: {}", e.body_text()))
            }
        })?;
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        _ => {
            return match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                Err(e) => Err(ApiError::bad_request(format!(
                    "the body is not valid JSON: {e}"
                ))),
                Ok(_) if optional && bytes.trim_ascii() == b"null" => Ok(None),
                Ok(_) => Err(ApiError::invalid(None, "the body must be a JSON object")),
            };
        }
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let t = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = (path != "." && !path.is_empty()).then_some(path);
                let detail = match &field {
                    Some(f) => format!("{f}: {inner}"),
                    None => inner.to_string(),
                };
                ApiError::invalid(field, detail)
            }
            _ => ApiError::bad_request(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    // Trailing characters after the object: malformed.
    de.end()
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    Ok(Some(t))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, false)
            .await?
            .map(ApiJson)
            .ok_or_else(|| ApiError::invalid(None, "the body must be a JSON object"))
    }
}

/// A JSON object body that may be absent (an empty body, or `null`, is the
/// type's default); when present, it is read like [`ApiJson`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(OptionalJson(
            read_json(req, state, true).await?.unwrap_or_default(),
        ))
    }
}

/// Query parameters: an unknown or malformed one is a 400, never ignored.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(t)| ApiQuery(t))
            .map_err(|r: QueryRejection| {
                let text = r.body_text();
                let detail = text
                    .split_once("query string: ")
                    .map_or(text.as_str(), |(_, d)| d);
                ApiError::bad_request(format!("query: {detail}"))
            })
    }
}

/// A path parameter, rejections in the API's shape.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| ApiPath(t))
            .map_err(|r: PathRejection| ApiError::bad_request(r.body_text()))
    }
}

/// A route with no query parameters: any given is refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// The answers every authenticated route may give besides its own.
#[derive(utoipa::IntoResponses)]
pub enum Common {
    /// A query parameter is unknown or malformed (`bad_request`).
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// The token is missing, unknown, revoked or expired (`authentication_failed`).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `insufficient_access`: the token is scoped to one application and
    /// this needs the admin token. `destination_forbidden`: the URL is
    /// well-formed but the destination policy refuses it (a refused range,
    /// a loopback name, plain `http://` where not allowed; the detail names
    /// the setting that opens it).
    #[response(status = 403)]
    Forbidden(ErrorBody),
}

/// The answers a route taking a JSON body may give besides its own.
#[derive(utoipa::IntoResponses)]
pub enum BodyErrors {
    /// The body is over `server.max_body_bytes` (`payload_too_large`).
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not `application/json` (`unsupported_media_type`).
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// A field is missing, of the wrong type, unknown or not valid (`validation`).
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// No such object (`not_found`).
#[derive(utoipa::IntoResponses)]
#[response(status = 404)]
pub struct NotFound(pub ErrorBody);

/// The change conflicts with what is stored or declared (`conflict`).
#[derive(utoipa::IntoResponses)]
#[response(status = 409)]
pub struct Conflict(pub ErrorBody);

/// The bearer token scheme, and the API's description.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The admin token: printed once at the first start, or server.admin_token_file",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hookseal admin API",
        description = "Send signed webhooks from a durable queue, and receive providers' webhooks at a verifying gateway.\n\nEvery error is JSON: {\"code\", \"detail\"} (and \"field\" for validation errors). Codes: bad_request (400), authentication_failed (401), destination_forbidden (403), not_found (404), method_not_allowed (405), conflict (409), payload_too_large (413), unsupported_media_type (415), validation (422), internal (500), unavailable (503).",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    components(schemas(svix::HttpErrorOut, svix::HttpValidationError, svix::ValidationErrorItem)),
    tags(
        (name = "applications", description = "Your customers: each one's endpoints receive only its messages; tokens scoped to one"),
        (name = "event types", description = "The event-type catalog"),
        (name = "endpoints", description = "Where webhooks are delivered, and how they are signed"),
        (name = "messages", description = "Publishing, and what became of each message"),
        (name = "deliveries", description = "One message to one endpoint, and its attempts"),
        (name = "sources", description = "The inbound gateway's sources"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
        (name = "svix", description = "The Svix API: the Svix SDKs work against these routes"),
        (name = "inbound", description = "Providers' webhooks")
    )
)]
struct ApiDoc;

/// The admin API's routes (under `/api/v1`), with their documentation.
fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(applications::routes())
        .merge(endpoints::routes())
        .merge(messages::routes())
        .merge(sources::routes())
}

/// The whole router and its OpenAPI document, built from the same table.
fn build(state: Option<AppState>) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut api = admin_routes().merge(svix::routes());
    if let Some(s) = &state {
        api = api.route_layer(axum::middleware::from_fn_with_state(
            s.clone(),
            require_token,
        ));
    }
    let api = api.merge(ops::document_route()).merge(svix::open_routes());
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .merge(ops::routes())
        .split_for_parts();
    // The gateway's route is served by its own router (possibly on its own
    // listener); its documentation joins this document.
    doc.merge(crate::ingress::InboundDoc::openapi());
    links::add(&mut doc);
    flatten_tagged_variants(&mut doc);
    (router, doc)
}

/// The OpenAPI document, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    build(None).1
}

/// The document as committed (`openapi.json`): pretty JSON, a final newline.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().expect("the document serializes");
    s.push('\n');
    s
}

/// The router: the admin API behind the token, the operational routes, and
/// JSON answers for unknown routes and methods.
pub fn router(state: AppState) -> Router {
    let (router, _) = build(Some(state.clone()));
    router
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "the route has no such method",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(
            state.cfg.server.max_body_bytes,
        ))
        .with_state(state)
}

/// Authenticates every request: the admin token, or a token scoped to one
/// application. The caller's [`Scope`](service::Scope) goes to the handler
/// ([`Caller`]); no token, or an unknown, revoked or expired one, is a 401.
/// A POST with an `idempotency-key` then goes through [`idempotency`].
async fn require_token(
    State(s): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let scope = match presented {
        Some(t) => s.authenticate(t).await,
        None => None,
    };
    match scope {
        Some(scope) => {
            req.extensions_mut().insert(scope);
            // A POST with an idempotency-key (one middleware, not two: this
            // is every API request's path).
            if req.method() == axum::http::Method::POST
                && req.headers().contains_key("idempotency-key")
            {
                return idempotency::keyed(s, req, next).await;
            }
            next.run(req).await
        }
        None => unauthorized(req.uri().path()),
    }
}

/// The 401, in the shape of the API the path belongs to.
fn unauthorized(path: &str) -> Response {
    let mut r = if svix::is_svix_path(path) {
        svix::SvixError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_failed",
            "Incorrect authentication credentials.",
        )
        .into_response()
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_failed",
            "missing or invalid token",
        )
        .into_response()
    };
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    r
}

/// Who is calling: the scope [`require_token`] found.
pub struct Caller(pub service::Scope);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<service::Scope>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "authentication_failed",
                    "missing or invalid token",
                )
            })
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

/// The answer to a list: its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
}

/// An internally tagged enum's newtype variant is documented as `allOf` of
/// the struct's `$ref` and an object with the tag. When the struct is
/// closed (`additionalProperties: false`, from `deny_unknown_fields`), that
/// combination accepts nothing: the struct's schema refuses the tag. serde
/// reads such a variant as one object — the struct's fields plus the tag —
/// so it is documented as one: the struct's properties and the tag merged
/// into one closed object.
fn flatten_tagged_variants(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let closed: std::collections::BTreeMap<String, utoipa::openapi::schema::Object> = components
        .schemas
        .iter()
        .filter_map(|(name, s)| match s {
            RefOr::T(Schema::Object(o))
                if matches!(
                    o.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                Some((format!("#/components/schemas/{name}"), o.clone()))
            }
            _ => None,
        })
        .collect();
    // An `allOf` of a closed struct's `$ref` and an inline object (a tagged
    // variant, or a struct that flattens a closed one) as one closed object.
    let merge = |item: &mut RefOr<Schema>| {
        let RefOr::T(Schema::AllOf(all)) = item else {
            return;
        };
        let [RefOr::Ref(r), RefOr::T(Schema::Object(extra))] = all.items.as_slice() else {
            return;
        };
        let Some(base) = closed.get(&r.ref_location) else {
            return;
        };
        let mut merged = base.clone();
        for (k, v) in &extra.properties {
            merged.properties.insert(k.clone(), v.clone());
        }
        for r in &extra.required {
            if !merged.required.contains(r) {
                merged.required.push(r.clone());
            }
        }
        merged.description = all.description.clone().or(merged.description);
        *item = RefOr::T(Schema::Object(merged));
    };
    // Everywhere a schema can sit (generic lists inline their items).
    fn walk(s: &mut RefOr<Schema>, merge: &dyn Fn(&mut RefOr<Schema>)) {
        merge(s);
        let RefOr::T(schema) = s else { return };
        match schema {
            Schema::Object(o) => {
                for p in o.properties.values_mut() {
                    walk(p, merge);
                }
                if let Some(AdditionalProperties::RefOr(a)) = o.additional_properties.as_deref_mut()
                {
                    walk(a, merge);
                }
            }
            Schema::Array(a) => {
                if let utoipa::openapi::schema::ArrayItems::RefOrSchema(i) = &mut a.items {
                    walk(i, merge);
                }
            }
            Schema::OneOf(x) => x.items.iter_mut().for_each(|i| walk(i, merge)),
            Schema::AllOf(x) => x.items.iter_mut().for_each(|i| walk(i, merge)),
            Schema::AnyOf(x) => x.items.iter_mut().for_each(|i| walk(i, merge)),
            _ => {}
        }
    }
    for schema in components.schemas.values_mut() {
        walk(schema, &merge);
    }
}

/// OpenAPI links from the operations that create or name an object to those
/// that use its id: clients (and schemathesis' stateful phase) follow them.
mod links {
    use utoipa::openapi::link::LinkBuilder;
    use utoipa::openapi::path::HttpMethod;
    use utoipa::openapi::{OpenApi, RefOr};

    /// (path, method, status, link name, target operation, parameter, value).
    const LINKS: &[(&str, HttpMethod, &str, &str, &str, &str, &str)] = &[];

    pub(super) fn add(doc: &mut OpenApi) {
        for (path, method, status, name, op, param, value) in super::endpoints::LINKS
            .iter()
            .chain(super::messages::LINKS)
            .chain(super::sources::LINKS)
            .chain(super::applications::LINKS)
            .chain(LINKS)
        {
            let Some(item) = doc.paths.paths.get_mut(*path) else {
                panic!("link from an undocumented path {path}");
            };
            let operation = match method {
                HttpMethod::Get => item.get.as_mut(),
                HttpMethod::Post => item.post.as_mut(),
                HttpMethod::Put => item.put.as_mut(),
                HttpMethod::Patch => item.patch.as_mut(),
                HttpMethod::Delete => item.delete.as_mut(),
                _ => None,
            }
            .unwrap_or_else(|| panic!("link from an undocumented operation {path}"));
            let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) else {
                panic!("link from an undocumented response {path} {status}");
            };
            response.links.insert(
                name.to_string(),
                RefOr::T(
                    LinkBuilder::new()
                        .operation_id(*op)
                        .parameter(*param, serde_json::Value::String(value.to_string()))
                        .build(),
                ),
            );
        }
    }
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

    /// The committed document is what the code generates: a route, a
    /// parameter or a field cannot exist in one and not the other. Run with
    /// `HOOKSEAL_WRITE_OPENAPI=1` to rewrite the file after a change.
    #[test]
    fn the_committed_openapi_document_is_the_generated_one() {
        let generated = openapi_json();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        if std::env::var_os("HOOKSEAL_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap();
        assert!(
            committed == generated,
            "openapi.json differs from the routes' documentation: run \
             `HOOKSEAL_WRITE_OPENAPI=1 cargo test -p hookseal-server --lib the_committed_openapi` and commit it"
        );
    }

    /// Every operation answers 401 without the token (the routes are behind
    /// it), documents it, and has an operation id and a tag.
    #[test]
    fn every_operation_is_documented_with_its_errors() {
        let doc = openapi();
        let mut n = 0;
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("put", &item.put),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ] {
                let Some(op) = op else { continue };
                n += 1;
                assert!(op.operation_id.is_some(), "{method} {path}");
                assert!(
                    op.tags.as_ref().is_some_and(|t| !t.is_empty()),
                    "{method} {path}"
                );
                let has = |s: &str| op.responses.responses.contains_key(s);
                let open = [
                    "/api/v1/openapi.json",
                    "/api/v1/health",
                    "/api/v1/health/ping",
                ]
                .contains(&path.as_str());
                if path.starts_with("/api/v1/") && !open {
                    assert!(has("401") && has("400") && has("403"), "{method} {path}");
                    assert!(op.security.is_some(), "{method} {path}");
                }
                // The Svix API reads a body as JSON whatever its content type.
                let svix = svix::is_svix_path(path);
                if op.request_body.is_some() && path.starts_with("/api/v1/") {
                    assert!(has("413") && has("422"), "{method} {path}");
                    assert!(svix || has("415"), "{method} {path}");
                }
                if path.contains('{') && path.starts_with("/api/v1/") {
                    assert!(has("404"), "{method} {path}");
                }
            }
        }
        assert!(n >= 70, "{n} operations");
    }
}
