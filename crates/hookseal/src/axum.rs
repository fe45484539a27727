//! axum / tower integration (feature `axum`).
//!
//! [`VerifyLayer`] wraps a route: it reads the body (refusing more than the
//! limit, 1 MiB by default, before buffering it — a `Content-Length` over the
//! limit is refused without reading at all), applies the [`Policy`] to the raw
//! bytes, and either answers the rejection itself or passes the request on with
//! a [`VerifiedWebhook`] in its extensions. The handler extracts
//! [`VerifiedWebhook`] and gets the exact bytes that were verified: parse those,
//! never a re-serialised body.
//!
//! Rejections answer 401 / 403 / 409 / 413 with a generic body; which check
//! failed goes only to the [`VerifyLayer::on_rejection`] hook (log it, count it).
//!
//! The remote address comes from axum's `ConnectInfo<SocketAddr>` (serve with
//! `into_make_service_with_connect_info`); without it, allowlists in
//! [`IpMode::Required`](crate::IpMode) refuse every request. Schemes that sign the
//! URL (Twilio, Square, HubSpot) need the URL the provider used: set
//! [`VerifyLayer::public_url`] when behind a proxy.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{routing::post, Router};
//! use hookseal::axum::{VerifiedWebhook, VerifyLayer};
//! use hookseal::{provider, Policy};
//!
//! let policy = Policy::builder(provider::find("github").unwrap().scheme.clone())
//!     .secret("It's a Secret to Everybody")
//!     .build()
//!     .unwrap();
//! let app: Router = Router::new()
//!     .route("/hooks/github", post(|hook: VerifiedWebhook| async move {
//!         format!("got {} verified bytes", hook.body.len())
//!     }))
//!     .layer(VerifyLayer::new(Arc::new(policy)));
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower::{Layer, Service};

use crate::policy::Policy;
use crate::provider::Handshake;
use crate::Rejection;

/// The default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

type RejectHook = Arc<dyn Fn(&Rejection) + Send + Sync>;

struct Config {
    policy: Arc<Policy>,
    limit: usize,
    on_reject: Option<RejectHook>,
    public_url: Option<String>,
    handshake: Option<(Handshake, String)>,
    verify_token: Option<String>,
}

/// Verifies webhooks before the handler runs. Cheap to clone.
#[derive(Clone)]
pub struct VerifyLayer {
    cfg: Arc<Config>,
}

impl VerifyLayer {
    /// A layer applying `policy` with a 1 MiB body limit.
    pub fn new(policy: Arc<Policy>) -> Self {
        VerifyLayer {
            cfg: Arc::new(Config {
                policy,
                limit: DEFAULT_BODY_LIMIT,
                on_reject: None,
                public_url: None,
                handshake: None,
                verify_token: None,
            }),
        }
    }

    fn map(self, f: impl FnOnce(&mut Config)) -> Self {
        let mut cfg = Arc::try_unwrap(self.cfg).unwrap_or_else(|arc| Config {
            policy: arc.policy.clone(),
            limit: arc.limit,
            on_reject: arc.on_reject.clone(),
            public_url: arc.public_url.clone(),
            handshake: arc.handshake.clone(),
            verify_token: arc.verify_token.clone(),
        });
        f(&mut cfg);
        VerifyLayer { cfg: Arc::new(cfg) }
    }

    /// Sets the body limit in bytes.
    pub fn body_limit(self, bytes: usize) -> Self {
        self.map(|c| c.limit = bytes)
    }

    /// Calls `hook` with every rejection (reason code and internal detail).
    pub fn on_rejection(self, hook: impl Fn(&Rejection) + Send + Sync + 'static) -> Self {
        self.map(|c| c.on_reject = Some(Arc::new(hook)))
    }

    /// The public origin providers call, e.g. `https://hooks.example.com`; the
    /// request's path and query are appended to form the signed URL.
    pub fn public_url(self, origin: impl Into<String>) -> Self {
        let o = origin.into().trim_end_matches('/').to_string();
        self.map(|c| c.public_url = Some(o))
    }

    /// Answers the provider's registration handshake (after verification);
    /// `secret` is the source's secret (Zoom derives its reply from it).
    pub fn handshake(self, h: Handshake, secret: impl Into<String>) -> Self {
        let s = secret.into();
        self.map(|c| c.handshake = Some((h, s)))
    }

    /// The token the provider's unsigned subscription handshake must carry
    /// (Meta's `hub.verify_token`).
    pub fn verify_token(self, token: impl Into<String>) -> Self {
        let t = token.into();
        self.map(|c| c.verify_token = Some(t))
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> VerifyService<S> {
        VerifyService {
            inner,
            cfg: self.cfg.clone(),
        }
    }
}

/// The service [`VerifyLayer`] produces.
#[derive(Clone)]
pub struct VerifyService<S> {
    inner: S,
    cfg: Arc<Config>,
}

/// What the handler receives: the verified raw body and what the scheme vouched for.
#[derive(Debug, Clone)]
pub struct VerifiedWebhook {
    /// The body exactly as received and verified.
    pub body: Bytes,
    /// The provider's message id, if the scheme has one.
    pub id: Option<String>,
    /// The signed timestamp (Unix seconds), if the scheme has one.
    pub timestamp: Option<i64>,
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedWebhook {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<VerifiedWebhook>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "webhook verification layer is not installed on this route",
        ))
    }
}

/// Why a request body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the limit (declared in `Content-Length`, or found while reading).
    TooLarge,
    /// The client's stream failed.
    Unreadable,
}

/// Reads a request body of at most `limit` bytes. A declared `Content-Length`
/// over the limit is refused before anything is read; a body without one stops
/// being read at the limit.
pub async fn read_body(
    headers: &axum::http::HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// The HTTP answer to a provider's handshake.
pub fn handshake_response(reply: crate::provider::HandshakeReply) -> Response<Body> {
    let mut r = Response::new(Body::from(reply.body));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    // Echoed challenges are the caller's text: never sniffed as markup.
    r.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn plain(status: u16, msg: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(msg));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn refuse(cfg: &Config, r: Rejection) -> Response<Body> {
    if let Some(hook) = &cfg.on_reject {
        hook(&r);
    }
    plain(r.reason().http_status(), r.reason().public_message())
}

impl<S> Service<Request<Body>> for VerifyService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // Take the service that was polled ready; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let cfg = self.cfg.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let remote_ip = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            // A wrong source is refused before its body is read.
            if let Err(r) = cfg.policy.check_ip(remote_ip) {
                return Ok(refuse(&cfg, r));
            }
            // A handshake sent as a GET: unsigned (echoing the provider's
            // challenge), or signed over its query (X's CRC).
            if let Some((h, secret)) = &cfg.handshake {
                let query = parts.uri.query().unwrap_or("");
                if parts.method == axum::http::Method::GET {
                    if let Some(reply) = h.signed_get_reply(query, &parts.headers, secret) {
                        return Ok(handshake_response(reply));
                    }
                }
                if let Some(reply) = h.unsigned_reply(
                    parts.method.as_str(),
                    query,
                    &parts.headers,
                    cfg.verify_token.as_deref(),
                ) {
                    return Ok(handshake_response(reply));
                }
            }
            if cfg.policy.needs_url() && cfg.public_url.is_none() {
                // The Host header is the client's to choose; signing schemes that
                // cover the URL need the operator to say what the public URL is.
                return Ok(plain(
                    500,
                    "webhook receiver misconfigured: this scheme signs the URL; set VerifyLayer::public_url",
                ));
            }
            let too_large = || {
                Rejection::new(
                    crate::Reason::BodyTooLarge,
                    format!("body exceeds {} bytes", cfg.limit),
                )
            };
            let bytes = match read_body(&parts.headers, body, cfg.limit).await {
                Ok(b) => b,
                Err(BodyError::TooLarge) => return Ok(refuse(&cfg, too_large())),
                Err(BodyError::Unreadable) => {
                    return Ok(plain(400, "could not read the request body"))
                }
            };
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let url = match &cfg.public_url {
                Some(origin) => format!("{origin}{path}"),
                None => String::new(),
            };
            let (verified, replay_key) = {
                let mut r = crate::Request::new(&parts.headers, &bytes)
                    .with_method(parts.method.as_str())
                    .with_url(&url);
                r.remote_ip = remote_ip;
                match cfg.policy.verify(&r, crate::time::now_unix()) {
                    Ok(v) => (
                        VerifiedWebhook {
                            body: bytes.clone(),
                            id: v.id.as_ref().map(|c| c.to_string()),
                            timestamp: v.timestamp,
                        },
                        v.replay_key().map(str::to_owned),
                    ),
                    Err(rej) => return Ok(refuse(&cfg, rej)),
                }
            };
            if let Some((h, secret)) = &cfg.handshake {
                if let Some(reply) = h.reply(&parts.headers, &bytes, secret) {
                    return Ok(handshake_response(reply));
                }
            }
            parts.extensions.insert(verified);
            let response = inner
                .call(Request::from_parts(parts, Body::from(bytes)))
                .await;
            // Only a success consumes the message id: if the handler failed, the
            // provider's retry of the same message must not be refused as a replay.
            if let Some(key) = replay_key {
                if !matches!(&response, Ok(r) if r.status().is_success()) {
                    cfg.policy.forget(&key);
                }
            }
            response
        })
    }
}
