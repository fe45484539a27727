//! # hookseal-server
//!
//! `hookseal serve`: a webhook sender and receiving gateway you run with one
//! command. With no configuration it listens on 127.0.0.1, keeps everything in
//! one SQLite file, and delivers signed webhooks from a durable queue with
//! retries; sources (config or API) add `/in/{source}`, where providers'
//! webhooks are verified, stored and forwarded re-signed.
//!
//! Layout: [`config`] (the commented `config.default.toml` plus file and
//! environment layers), [`crypto`] (data key, admin token), [`store`] (the
//! `Store` trait and its SQLite implementation, where the queue lives),
//! [`delivery`] (the engine, the outbound client and its SSRF guard),
//! [`ingress`] (the inbound gateway), [`api`] (admin API, health, metrics),
//! [`listen`] (HTTP/HTTPS listeners), [`metrics`].

pub mod api;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod disk;
pub mod event_types;
pub mod headers;
pub mod ingress;
pub mod limits;
pub mod listen;
pub mod metrics;
pub mod names;
pub mod schema;
pub mod service;
pub mod signing;
pub mod store;
pub mod whole;

use std::sync::Arc;

use tokio::sync::Notify;

/// Takes the data directory's lock file (`serve.lock`), so that two servers
/// never share one store: the second is refused with the reason.
fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("serve.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another hookseal serve is using the data directory {} (it holds {}); \
             stop it, or give this one its own server.data_dir",
            dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", path.display())
        }
    }
}

/// Starts the server and runs until SIGINT/SIGTERM.
pub async fn run(cfg: config::Config) -> anyhow::Result<()> {
    let cfg = Arc::new(cfg);
    let dir = &cfg.server.data_dir;
    crypto::ensure_data_dir(dir)?;
    // Held by the store, so until every task using it is gone (the OS
    // releases it however the process ends).
    let lock = lock_data_dir(dir)?;
    crypto::remove_interrupted_writes(dir);
    let db = dir.join("hookseal.sqlite3");
    let st = &cfg.store;
    let given = crypto::DataKey::configured(&st.data_key, &st.data_key_file, &st.data_key_command)?;
    if given.is_none() && db.exists() && !dir.join(crypto::KEY_FILE).exists() {
        anyhow::bail!(
            "{} exists but its data.key is missing: the stored secrets cannot be opened \
             (restore data.key, or start with an empty data directory)",
            db.display()
        );
    }
    let key = Arc::new(match given {
        Some(k) => k,
        None => crypto::DataKey::load_or_create(dir, !db.exists())?,
    });
    let token_file = (!cfg.server.admin_token_file.is_empty())
        .then(|| std::path::Path::new(&cfg.server.admin_token_file));
    let token = crypto::AdminToken::load(dir, token_file)?;
    let wake = Arc::new(Notify::new());
    // New deliveries go straight to the engine (up to one round of its
    // workers waiting); the rest are claimed from the queue.
    let (handoff, handoff_rx) = store::Handoff::new(
        cfg.delivery.concurrency,
        cfg.delivery.lease_secs * 1000,
        wake.clone(),
    );
    let store: Arc<dyn store::Store> = Arc::new(
        store::sqlite::SqliteStore::open(
            &db,
            cfg.store.group_commit_max_batch,
            key.clone(),
            Some(handoff),
        )?
        .holding(lock)
        .encrypting_payloads(cfg.store.encrypt_payloads),
    );
    key_opens_stored_secrets(&*store, &key, &cfg.store)?;
    // No other server uses this store (the lock): what a crashed or stopped
    // one had leased goes out now rather than when its leases run out.
    let released = store.release_leases().await?;
    if released > 0 {
        tracing::info!(
            deliveries = released,
            "released the leases of the previous run"
        );
    }
    let metrics = Arc::new(metrics::Metrics::with_per_endpoint(
        cfg.metrics.per_endpoint,
    ));
    let forward_guard = Arc::new(delivery::ssrf::Guard::for_forwards(
        &cfg.ingress.forward_allow_cidrs,
        cfg.ingress.forward_allow_http,
    )?);
    let mut engine = delivery::Engine::new(
        store.clone(),
        key.clone(),
        cfg.delivery.clone(),
        (*forward_guard).clone(),
        metrics.clone(),
        wake.clone(),
        Some(handoff_rx),
    )?;
    engine.internal_sources = cfg.ingress.internal_forward_sources.clone();
    let engine = Arc::new(engine);
    let ingress = Arc::new(ingress::Ingress::new(
        &cfg.ingress,
        store.clone(),
        key.clone(),
        metrics.clone(),
    )?);
    sync_config_sources(&cfg, &*store, &key, &forward_guard).await?;
    {
        let ing = ingress.clone();
        tokio::task::spawn_blocking(move || {
            ing.sources.reload_all(&*ing.store, &ing.key, &ing.metrics)
        })
        .await??;
    }
    let state = Arc::new(service::Service {
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
        forward_guard,
        ingress: ingress.clone(),
        tokens: Default::default(),
    });
    let tls = if cfg.server.tls_cert_file.is_empty() {
        None
    } else {
        Some(listen::tls_acceptor(
            &cfg.server.tls_cert_file,
            &cfg.server.tls_key_file,
        )?)
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %dir.display(), "hookseal serving");
    // A new token is written and shown only now that the server starts:
    // a start that failed earlier consumed nothing. Shown once (only its
    // hash is kept); `server.admin_token_file` keeps it out of logs.
    if let Some(t) = state.token.commit()? {
        println!("admin token (shown once, keep it): {t}");
    }
    println!("hookseal listening on {scheme}://{addr}");
    tokio::spawn(engine.run());
    tokio::spawn(ingress.clone().run_audit_writer());
    tokio::spawn(sweeper(ingress.clone(), cfg.clone()));
    // Every request, body included, is bounded in time (by the listener).
    let limit = std::time::Duration::from_secs(cfg.server.request_timeout_secs);
    let inbound = ingress::router(ingress.clone());
    let admin = api::router(state);
    // Building the routers builds their OpenAPI description too (utoipa),
    // some megabytes of small allocations freed at once: give them back
    // rather than keep them resident for the server's life.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; no pointer is touched.
    unsafe {
        libc::malloc_trim(0);
    }
    // Each listener has its own connection limits: a flood on the providers'
    // listener does not lock the operators out of the admin API.
    let trusted = hookseal::IpAllowlist::parse(&cfg.ingress.trusted_proxies)?;
    let conns = || {
        listen::ConnLimits::new(
            cfg.server.max_connections,
            cfg.server.max_connections_per_client,
            trusted.clone(),
        )
    };
    if cfg.ingress.listen.is_empty() {
        let app = admin.merge(inbound);
        listen::serve(listener, app, tls, limit, conns(), shutdown()).await;
    } else {
        let in_listener = tokio::net::TcpListener::bind(&cfg.ingress.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.ingress.listen))?;
        let in_addr = in_listener.local_addr()?;
        println!("hookseal ingress listening on {scheme}://{in_addr}");
        let inbound = inbound.route("/healthz", axum::routing::get(|| async { "ok" }));
        tokio::spawn(listen::serve(
            in_listener,
            inbound,
            tls.clone(),
            limit,
            conns(),
            std::future::pending(),
        ));
        listen::serve(listener, admin, tls, limit, conns(), shutdown()).await;
    }
    Ok(())
}

/// Writes the config file's sources (and the endpoints they forward to) to the
/// store, replacing what an earlier config declared.
async fn sync_config_sources(
    cfg: &config::Config,
    store: &dyn store::Store,
    key: &crypto::DataKey,
    forward_guard: &delivery::ssrf::Guard,
) -> anyhow::Result<()> {
    let now = clock::now_ms();
    let mut rows = Vec::new();
    let mut endpoints = Vec::new();
    for src in &cfg.sources {
        let secrets = src.collect_secrets()?;
        src.validate(&secrets)?;
        let declared = src.config_endpoints(key, now)?;
        for ce in &declared {
            delivery::check_endpoint(&ce.endpoint, forward_guard).map_err(|e| {
                anyhow::anyhow!("source {}: forward {}: {e}", src.name, ce.endpoint.url)
            })?;
        }
        for t in &src.forward {
            if let Some(secret) = &t.secret {
                t.scheme
                    .check_secret(secret)
                    .map_err(|e| anyhow::anyhow!("source {}: forward {}: {e}", src.name, t.url))?;
            }
        }
        rows.push(src.to_row(&secrets, key, true, now)?);
        endpoints.extend(declared);
    }
    let report = store.sync_config_sources(rows, endpoints).await?;
    for name in &report.removed_sources {
        tracing::info!(source = %name, "source no longer in the config file: removed");
    }
    for id in &report.removed_endpoints {
        tracing::info!(endpoint = %id, "forward no longer in the config file: removed");
    }
    for id in &report.added_endpoints {
        tracing::info!(endpoint = %id, "forward declared in the config file: added");
    }
    for (id, fields) in &report.changed_endpoints {
        tracing::info!(endpoint = %id, fields = %fields.join(","), "forward changed in the config file: applied");
    }
    Ok(())
}

/// Deletes expired dedup records, events past their source's retention and old
/// audit rows, every `ingress.sweep_secs`.
async fn sweeper(ingress: Arc<ingress::Ingress>, cfg: Arc<config::Config>) {
    let every = std::time::Duration::from_secs(cfg.ingress.sweep_secs);
    loop {
        tokio::time::sleep(every).await;
        let now = clock::now_ms();
        const DAY_MS: i64 = 86_400_000;
        let plan = store::SweepPlan {
            purge_before: ingress
                .sources
                .retention()
                .into_iter()
                .map(|(n, days)| (n, now - days as i64 * DAY_MS))
                .collect(),
            audit_max_rows: cfg.ingress.audit_max_rows,
            audit_before: now - cfg.ingress.audit_retention_days * DAY_MS,
            orphans_before: now - 30 * DAY_MS,
            idempotency_before: now - 12 * 3_600_000,
            step: SWEEP_STEP,
        };
        // In steps of bounded transactions: other writes (ingests above all)
        // queue up for the writer between them instead of waiting out one
        // transaction that deletes a minute's worth of a busy gateway.
        let mut total = store::SweepStats::default();
        loop {
            match ingress.store.sweep(plan.clone(), now).await {
                Ok(st) => {
                    total.add(&st);
                    if !st.more {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "retention sweep failed");
                    break;
                }
            }
        }
        if total != store::SweepStats::default() {
            tracing::info!(
                dedup_expired = total.dedup_expired,
                events_purged = total.events_purged,
                audit_deleted = total.audit_deleted,
                "retention sweep"
            );
        }
    }
}

/// Rows of each kind one sweep transaction deletes at most: about 5 ms of
/// the writer's time for 500 events and their dedup records (BENCHMARKS.md),
/// where one transaction for 200,000 took 0.9 s.
const SWEEP_STEP: i64 = 500;

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

/// Refuses to start with a data key that does not open what is stored (a
/// node given another node's key, or the wrong file): every endpoint would
/// fail to sign, and every new secret would be sealed under a key the others
/// cannot read.
fn key_opens_stored_secrets(
    store: &dyn store::Store,
    key: &crypto::DataKey,
    st: &config::StoreConfig,
) -> anyhow::Result<()> {
    let page = store::Page {
        limit: 1,
        after: None,
        order: store::Order::Ascending,
    };
    // Reading an endpoint opens its sealed headers; reading its secret, the
    // secret: either failing with the key is the same finding.
    let sealed_elsewhere = |e: &store::StoreError| e.to_string().contains(crypto::WRONG_KEY);
    let opens = match store.list_endpoints(None, &page) {
        Ok(eps) => match eps.into_iter().next() {
            None => true,
            Some(ep) => match store.secrets(&ep.id) {
                Ok(secrets) => secrets
                    .first()
                    .is_none_or(|s| key.open(&ep.id, &s.sealed).is_ok()),
                Err(e) if sealed_elsewhere(&e) => false,
                Err(e) => return Err(e.into()),
            },
        },
        Err(e) if sealed_elsewhere(&e) => false,
        Err(e) => return Err(e.into()),
    };
    if !opens {
        let from = if !st.data_key.is_empty() {
            "store.data_key (HOOKSEAL_DATA_KEY)"
        } else if !st.data_key_file.is_empty() {
            "store.data_key_file"
        } else if !st.data_key_command.is_empty() {
            "store.data_key_command"
        } else {
            "data.key in the data directory"
        };
        anyhow::bail!(
            "the data key ({from}) does not open the secrets stored in this database: it is not \
             the key they were sealed with. Give every node the same key; nothing was changed"
        );
    }
    Ok(())
}
