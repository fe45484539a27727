//! `idempotency-key`: a POST sent again with the same key (by the same
//! caller, to the same URI) gets the first answer again instead of doing
//! the work twice. The Svix SDKs put a key on every POST and reuse it when
//! they retry, so a publish whose answer was lost on the way is not
//! published twice.
//!
//! Only successful (2xx) answers are kept, for 12 hours, in the store (a
//! second node answers the same); an error is not kept, so a retry runs
//! again. While the first request is still running, a second with the same
//! key waits for it (up to 5 seconds) and then answers what it answered.
//! The same key with another body is another request under a used key: a
//! 409, never the first request's answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

use super::{ApiError, AppState};
use crate::clock::now_ms;
use crate::store::KeptAnswer;

/// How long answers are kept.
pub const KEEP_MS: i64 = 12 * 3600 * 1000;
/// How long a repeat waits for the first request to finish.
const WAIT: Duration = Duration::from_secs(5);
/// The largest answer kept (larger ones are answered, not kept).
const MAX_KEPT: usize = 1 << 20;

/// Requests running now, by key.
fn in_flight() -> &'static Mutex<HashMap<[u8; 32], Arc<Notify>>> {
    static M: OnceLock<Mutex<HashMap<[u8; 32], Arc<Notify>>>> = OnceLock::new();
    M.get_or_init(Default::default)
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<[u8; 32], Arc<Notify>>> {
    in_flight().lock().unwrap_or_else(|e| e.into_inner())
}

/// The first request with a key: when it ends (answered, failed, or
/// dropped when its client went away), those waiting for it go on.
struct Owner([u8; 32]);

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(n) = lock().remove(&self.0) {
            n.notify_waiters();
        }
    }
}

/// The key under which an answer is kept: the caller's credential, its key
/// and the whole URI, so nobody else's request can reach it.
fn digest(auth: &[u8], key: &[u8], uri: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(auth);
    ctx.update(b"\n");
    ctx.update(key);
    ctx.update(b"\n");
    ctx.update(uri.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn replay(status: u16, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

/// A POST with an idempotency-key, once authenticated.
pub(super) async fn keyed(s: AppState, req: Request, next: Next) -> Response {
    let (Some(key), Some(auth)) = (
        req.headers().get("idempotency-key").cloned(),
        req.headers().get(header::AUTHORIZATION).cloned(),
    ) else {
        return next.run(req).await;
    };
    if key.is_empty() {
        return next.run(req).await;
    }
    let uri = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    let hash = digest(auth.as_bytes(), key.as_bytes(), &uri);
    // The body, read here to tell a retry from another request under the
    // same key (and given back to the route as it was).
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, s.cfg.server.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than server.max_body_bytes",
            )
            .into_response()
        }
    };
    let mut request = [0u8; 32];
    request.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
    let req = Request::from_parts(parts, Body::from(bytes));
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut owner = None;
    loop {
        let store = s.store.clone();
        let since = now_ms() - KEEP_MS;
        let kept = tokio::task::spawn_blocking(move || store.idempotent_answer(&hash, since))
            .await
            .ok()
            .and_then(|r| {
                r.map_err(|e| tracing::warn!(error = %e, "idempotency lookup failed"))
                    .ok()
            })
            .flatten();
        if let Some(kept) = kept {
            if kept.request != request {
                return ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "this idempotency-key was used in the last 12 hours for a request with another body",
                )
                .into_response();
            }
            return replay(kept.status, kept.body);
        }
        let running = {
            let mut m = lock();
            match m.get(&hash) {
                Some(n) => Some(n.clone()),
                None => {
                    m.insert(hash, Arc::new(Notify::new()));
                    None
                }
            }
        };
        let Some(n) = running else {
            owner = Some(Owner(hash));
            break;
        };
        let notified = n.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let still = lock().get(&hash).is_some_and(|x| Arc::ptr_eq(x, &n));
        if still && tokio::time::timeout_at(deadline, notified).await.is_err() {
            // The first is taking long: answer this one on its own.
            break;
        }
    }
    let response = next.run(req).await;
    let response = if owner.is_some() && response.status().is_success() {
        let (parts, body) = response.into_parts();
        match axum::body::to_bytes(body, MAX_KEPT).await {
            Ok(bytes) => {
                let answer = KeptAnswer {
                    request,
                    status: parts.status.as_u16(),
                    body: bytes.to_vec(),
                };
                if let Err(e) = s.store.keep_answer(hash, answer, now_ms()).await {
                    tracing::warn!(error = %e, "could not keep an idempotent answer");
                }
                Response::from_parts(parts, Body::from(bytes))
            }
            Err(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the answer could not be read",
            )
            .into_response(),
        }
    } else {
        response
    };
    drop(owner);
    response
}
