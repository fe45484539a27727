//! # hookseal-server
//!
//! `hookseal serve`: a webhook sender you run with one command. With no
//! configuration it listens on 127.0.0.1, keeps everything in one SQLite file,
//! and delivers signed webhooks from a durable queue with retries.
//!
//! Layout: [`config`] (the commented `config.default.toml` plus file and
//! environment layers), [`crypto`] (data key, admin token), [`store`] (the
//! `Store` trait and its SQLite implementation, where the queue lives),
//! [`delivery`] (the engine, the outbound client and its SSRF guard), [`api`]
//! (admin API, health, metrics), [`metrics`].

pub mod api;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod metrics;
pub mod store;

use std::sync::Arc;

use tokio::sync::Notify;

/// Starts the server and runs until SIGINT/SIGTERM.
pub async fn run(cfg: config::Config) -> anyhow::Result<()> {
    let cfg = Arc::new(cfg);
    let dir = &cfg.server.data_dir;
    crypto::ensure_data_dir(dir)?;
    let db = dir.join("hookseal.sqlite3");
    if db.exists() && !dir.join("data.key").exists() {
        anyhow::bail!(
            "{} exists but its data.key is missing: the stored secrets cannot be opened \
             (restore data.key, or start with an empty data directory)",
            db.display()
        );
    }
    let key = Arc::new(crypto::DataKey::load_or_create(dir)?);
    let (token, printed) = crypto::AdminToken::load_or_create(dir)?;
    if let Some(t) = printed {
        // Shown once: only its hash is kept.
        println!("admin token (shown once, keep it): {t}");
    }
    let store: Arc<dyn store::Store> = Arc::new(store::sqlite::SqliteStore::open(
        &db,
        cfg.store.group_commit_max_batch,
    )?);
    let metrics = Arc::new(metrics::Metrics::default());
    let wake = Arc::new(Notify::new());
    let engine = Arc::new(delivery::Engine::new(
        store.clone(),
        key.clone(),
        cfg.delivery.clone(),
        metrics.clone(),
        wake.clone(),
    )?);
    let state = api::AppState {
        store,
        key,
        token: Arc::new(token),
        cfg: cfg.clone(),
        metrics,
        wake,
        guard: Arc::new(delivery::ssrf::Guard::new(
            &cfg.delivery.allow_cidrs,
            cfg.delivery.allow_http,
        )?),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %dir.display(), "hookseal serving");
    println!("hookseal listening on http://{addr}");
    tokio::spawn(engine.run());
    // Every request, body included, is bounded in time.
    let limit = std::time::Duration::from_secs(cfg.server.request_timeout_secs);
    let app = api::router(state).layer(axum::middleware::from_fn(
        move |req, next: axum::middleware::Next| async move {
            use axum::response::IntoResponse;
            match tokio::time::timeout(limit, next.run(req)).await {
                Ok(r) => r,
                // The outcome of a write that timed out is unknown to the client: it
                // may still commit. Publishers that retry should reuse the message id.
                Err(_) => (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "timed out; the outcome is unknown",
                )
                    .into_response(),
            }
        },
    ));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
