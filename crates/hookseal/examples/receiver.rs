//! A complete webhook receiver: verify any preset's webhooks and print them.
//!
//! ```sh
//! HOOKSEAL_PROVIDER=github HOOKSEAL_SECRET="It's a Secret to Everybody" \
//!     cargo run -p hookseal --features axum --example receiver
//! # then, from another shell:
//! printf 'Hello, World!' > body
//! curl -s localhost:3000/webhook --data-binary @body \
//!     $(hookseal sign --provider github --secret "It's a Secret to Everybody" \
//!       --body-file body | sed 's/^/-H\n/' | tr '\n' '\0' | xargs -0 printf "%q ")
//! ```
//!
//! Settings (environment): `HOOKSEAL_PROVIDER` (default `standard-webhooks`),
//! `HOOKSEAL_SECRET` (required; several separated by spaces for rotation),
//! `HOOKSEAL_ADDR` (default `127.0.0.1:3000`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use hookseal::axum::{VerifiedWebhook, VerifyLayer};
use hookseal::{provider, MemoryReplayGuard, Policy};

/// The receiver's routes: `POST /webhook`, verified by `policy`.
pub fn app(policy: Policy, handshake: Option<(provider::Handshake, String)>) -> Router {
    let mut layer = VerifyLayer::new(Arc::new(policy)).on_rejection(|r| {
        // The client only hears "401 invalid webhook signature"; the log hears why.
        eprintln!("rejected: {r}");
    });
    if let Some((h, secret)) = handshake {
        layer = layer.handshake(h, secret);
    }
    Router::new().route("/webhook", post(receive)).layer(layer)
}

async fn receive(hook: VerifiedWebhook) -> &'static str {
    println!(
        "verified webhook id={} timestamp={:?} {} bytes: {}",
        hook.id.as_deref().unwrap_or("-"),
        hook.timestamp,
        hook.body.len(),
        String::from_utf8_lossy(&hook.body)
    );
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::var("HOOKSEAL_PROVIDER").unwrap_or_else(|_| "standard-webhooks".into());
    let preset = provider::find(&name).ok_or(format!("unknown provider {name:?}"))?;
    let secrets = std::env::var("HOOKSEAL_SECRET").map_err(|_| "set HOOKSEAL_SECRET")?;
    let secrets: Vec<&str> = secrets.split_whitespace().collect();
    let policy = Policy::builder(preset.scheme.clone())
        .source(preset.name)
        .secrets(secrets.iter().copied())
        .tolerance(preset.tolerance)
        .replay_guard(Arc::new(MemoryReplayGuard::default()))
        .build()?;
    let handshake = preset.handshake.map(|h| (h, secrets[0].to_string()));
    let addr = std::env::var("HOOKSEAL_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!(
        "receiving {} webhooks on http://{addr}/webhook",
        preset.name
    );
    axum::serve(
        listener,
        app(policy, handshake).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
