//! The embedded store: one SQLite file in WAL mode.
//!
//! Writes go to one writer thread that practises *group commit*: it takes the
//! first waiting write, then every write that queued up meanwhile (up to a
//! batch limit), runs them in one transaction, commits once, and only then
//! answers all of them. Under load, one fsync serves many acknowledgements;
//! alone, a write waits for no one.
//!
//! A write that fails must not undo its neighbours. Admin writes run inside
//! their own savepoint, which a failure rolls back alone. The hot-path writes
//! (publish, ingest, claim, attempt records, rejection audit) run without one:
//! a savepoint copies every page the write touches into a sub-journal (page
//! copies that showed in the writer's profile). Their refusals (a
//! conflict) are decided before they write anything, so a failure that changed
//! no row undoes nothing. One that did change rows rolls back the whole
//! transaction and answers an error to every write that ran in it (nothing of
//! theirs was acknowledged); the writes not yet run go on in a fresh one.
//!
//! `synchronous = FULL`: an acknowledged write survives power loss.
//! Checkpoints (copying the WAL into the database file) run on a thread of
//! their own, not inside the writer's commits (see [`Checkpointer`]).
//!
//! Reads use a separate connection (WAL readers do not block the writer).

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::crypto::DataKey;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::*;

mod checkpoint;
mod fanout;
mod rows;
mod tenants;
mod writer;

use checkpoint::*;
use fanout::*;
use rows::*;
use writer::*;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_gateway.sql"),
    include_str!("../../../migrations/sqlite/0003_hardening.sql"),
    include_str!("../../../migrations/sqlite/0004_applications.sql"),
];

type Completion = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

/// Runs a write: whether it succeeded, and how to answer its caller.
type Run = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;

struct Job {
    /// Runs inside its own savepoint.
    guarded: bool,
    run: Run,
}

/// SQLite-backed [`Store`].
pub struct SqliteStore {
    writer: mpsc::Sender<Job>,
    /// What the checkpointer counts (read by tests).
    #[cfg(test)]
    checkpoints: Arc<CheckpointShared>,
    reader: Mutex<Connection>,
    /// Seals what the store keeps encrypted itself: endpoints' custom headers
    /// (a shared custom header is a credential).
    key: Arc<DataKey>,
    /// Seal message payloads and inbound headers under `key` (`store.encrypt_payloads`).
    encrypt_payloads: bool,
    /// A lock held for as long as the store is open (see [`SqliteStore::holding`]);
    /// after `writer`, so it is let go once the writer has nothing more queued.
    _lock: Option<std::fs::File>,
}

/// Makes the database and its WAL and shared-memory files owner-only (a
/// database from an older release may be 0644). SQLite gives the WAL and
/// `-shm` files it creates the mode of the database file.
fn restrict_files(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = std::path::PathBuf::from(p);
            match std::fs::metadata(&p) {
                Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| anyhow::anyhow!("cannot chmod {}: {e}", p.display()))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn open(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating and migrating) the database at `path`.
    ///
    /// With a [`Handoff`], the deliveries a publish or an ingest creates go
    /// to the delivery engine directly once committed (see [`Handoff`]).
    pub fn open(
        path: &Path,
        max_batch: usize,
        key: Arc<DataKey>,
        handoff: Option<Handoff>,
    ) -> anyhow::Result<SqliteStore> {
        restrict_files(path)?;
        let mut wconn = open(path)?;
        // Every hot statement stays prepared (the default keeps 16).
        wconn.set_prepared_statement_cache_capacity(64);
        migrate(&wconn)?;
        let reader = open(path)?;
        let checkpointer = Checkpointer::start(path, &mut wconn)?;
        #[cfg(test)]
        let checkpoints = checkpointer.shared.clone();
        let (tx, rx) = mpsc::channel::<Job>();
        let max_batch = max_batch.max(1);
        std::thread::Builder::new()
            .name("hookseal-sqlite-writer".into())
            .spawn(move || {
                // Stops the checkpointer when the writer ends.
                let _checkpointer = checkpointer;
                HANDOFF.with(|h| *h.borrow_mut() = handoff);
                writer_loop(wconn, rx, max_batch)
            })?;
        Ok(SqliteStore {
            _lock: None,
            encrypt_payloads: false,
            writer: tx,
            #[cfg(test)]
            checkpoints,
            reader: Mutex::new(reader),
            key,
        })
    }

    /// Keeps `lock` (the server's lock on its data directory) until the store
    /// is dropped, which is after every task that could still write through
    /// it (they hold the store): another server cannot take over, and release
    /// this one's leases, while any of them still runs.
    pub fn holding(mut self, lock: std::fs::File) -> SqliteStore {
        self._lock = Some(lock);
        self
    }

    /// Seals message payloads and inbound headers under the data key from
    /// now on (rows written before stay readable either way).
    pub fn encrypting_payloads(mut self, on: bool) -> SqliteStore {
        self.encrypt_payloads = on;
        self
    }

    /// A write in its own savepoint: a failure at any point undoes it alone.
    fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R> + Send + 'static,
    ) -> Ticket<R> {
        self.submit(true, f)
    }

    /// A hot-path write without a savepoint: if it fails after changing a
    /// row, the whole batch's transaction rolls back (see the module docs).
    fn write_fast<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R> + Send + 'static,
    ) -> Ticket<R> {
        self.submit(false, f)
    }

    fn submit<R: Send + 'static>(
        &self,
        guarded: bool,
        f: impl FnOnce(&Connection) -> Result<R> + Send + 'static,
    ) -> Ticket<R> {
        let (job, ticket) = job(guarded, f);
        // A failed send drops the job and so its sender: the ticket reports the stop.
        let _ = self.writer.send(job);
        ticket
    }

    fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}

impl Store for SqliteStore {
    fn ping(&self) -> Ticket<()> {
        // A real write (an empty transaction commits on a full disk): it
        // appends a page to the WAL and is synced like any other.
        self.write(|c| {
            c.prepare_cached(
                "INSERT INTO probe (id, at, filler) VALUES (1, ?1, zeroblob(4096)) \
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            )?
            .execute([crate::clock::now_ms()])?;
            Ok(())
        })
    }

    fn create_endpoint(&self, ep: Endpoint, secret: SealedSecret) -> Ticket<Endpoint> {
        let key = self.key.clone();
        self.write(move |c| {
            put_endpoint(c, &key, &ep, true)?;
            c.execute(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES (?1, ?2, ?3)",
                params![ep.id, secret.sealed, secret.created_at],
            )?;
            Ok(ep)
        })
    }

    fn get_endpoint(&self, id: &str) -> Result<Endpoint> {
        self.read(|c| {
            Ok(
                c.prepare_cached(&format!("SELECT {EP_COLS} FROM endpoints WHERE id = ?1"))?
                    .query_row([id], endpoint_row(&self.key))?,
            )
        })
    }

    fn list_endpoints(&self, app_id: Option<&str>, page: &Page) -> Result<Vec<Endpoint>> {
        self.read(|c| tenants::list_endpoints(c, &self.key, app_id, page))
    }

    fn get_app_endpoint(&self, app_id: &str, id_or_uid: &str) -> Result<Endpoint> {
        self.read(|c| tenants::get_app_endpoint(c, &self.key, app_id, id_or_uid))
    }

    fn create_application(&self, app: Application) -> Ticket<Application> {
        self.write(move |c| {
            tenants::insert_application(c, &app)?;
            Ok(app)
        })
    }

    fn get_application(&self, id_or_uid: &str) -> Result<Application> {
        self.read(|c| tenants::get_application(c, id_or_uid))
    }

    fn list_applications(&self, page: &Page) -> Result<Vec<Application>> {
        self.read(|c| tenants::list_applications(c, page))
    }

    fn update_application(&self, app: Application) -> Ticket<Application> {
        self.write(move |c| {
            // The fan-out cache holds the applications' rate limits.
            invalidate_targets();
            tenants::update_application(c, &app)?;
            Ok(app)
        })
    }

    fn delete_application(&self, id: &str) -> Ticket<()> {
        let id = id.to_string();
        self.write(move |c| {
            invalidate_targets();
            tenants::delete_application(c, &id)
        })
    }

    fn list_app_messages(&self, app_id: &str, filter: &MessageFilter) -> Result<Vec<Message>> {
        self.read(|c| tenants::list_app_messages(c, &self.key, app_id, filter))
    }

    fn get_app_message(&self, app_id: &str, id_or_event_id: &str) -> Result<Message> {
        self.read(|c| tenants::get_app_message(c, &self.key, app_id, id_or_event_id))
    }

    fn list_attempts(&self, of: &AttemptsOf, filter: &AttemptFilter) -> Result<Vec<AttemptView>> {
        self.read(|c| tenants::list_attempts(c, of, filter))
    }

    fn message_destinations(
        &self,
        app_id: &str,
        message_id: &str,
        page: &Page,
    ) -> Result<Vec<(Delivery, Endpoint)>> {
        self.read(|c| tenants::message_destinations(c, &self.key, app_id, message_id, page))
    }

    fn endpoint_messages(
        &self,
        endpoint_id: &str,
        filter: &MessageFilter,
    ) -> Result<Vec<(Delivery, Message)>> {
        self.read(|c| tenants::endpoint_messages(c, &self.key, endpoint_id, filter))
    }

    fn put_event_type(&self, et: EventType, create: bool) -> Ticket<(EventType, bool)> {
        self.write(move |c| tenants::put_event_type(c, &et, create))
    }

    fn get_event_type(&self, name: &str) -> Result<EventType> {
        self.read(|c| tenants::get_event_type(c, name))
    }

    fn list_event_types(&self, page: &Page, include_archived: bool) -> Result<Vec<EventType>> {
        self.read(|c| tenants::list_event_types(c, page, include_archived))
    }

    fn delete_event_type(&self, name: &str, expunge: bool, now: i64) -> Ticket<()> {
        let name = name.to_string();
        self.write(move |c| tenants::delete_event_type(c, &name, expunge, now))
    }

    fn active_event_types(&self, names: &[String]) -> Result<Vec<String>> {
        self.read(|c| tenants::active_event_types(c, names))
    }

    fn create_token(&self, token: AppToken, hash: [u8; 32]) -> Ticket<AppToken> {
        self.write(move |c| {
            tenants::create_token(c, &token, &hash)?;
            Ok(token)
        })
    }

    fn find_token(&self, hash: &[u8; 32]) -> Result<Option<AppToken>> {
        self.read(|c| tenants::find_token(c, hash))
    }

    fn list_tokens(&self, app_id: &str) -> Result<Vec<AppToken>> {
        self.read(|c| tenants::list_tokens(c, app_id))
    }

    fn revoke_token(&self, app_id: &str, id: &str, now: i64) -> Ticket<()> {
        let (app_id, id) = (app_id.to_string(), id.to_string());
        self.write(move |c| tenants::revoke_token(c, &app_id, &id, now))
    }

    fn idempotent_answer(&self, key: &[u8; 32], since: i64) -> Result<Option<KeptAnswer>> {
        self.read(|c| tenants::idempotent_answer(c, key, since))
    }

    fn keep_answer(&self, key: [u8; 32], answer: KeptAnswer, now: i64) -> Ticket<()> {
        self.write_fast(move |c| tenants::keep_answer(c, &key, &answer, now))
    }

    fn update_endpoint(&self, ep: Endpoint) -> Ticket<Endpoint> {
        let key = self.key.clone();
        self.write(move |c| {
            put_endpoint(c, &key, &ep, false)?;
            Ok(ep)
        })
    }

    fn modify_endpoint(&self, id: &str, change: EndpointChange) -> Ticket<Endpoint> {
        let id = id.to_string();
        let key = self.key.clone();
        self.write(move |c| {
            let mut ep = c
                .prepare_cached(&format!("SELECT {EP_COLS} FROM endpoints WHERE id = ?1"))?
                .query_row([&id], endpoint_row(&key))?;
            change(&mut ep)?;
            put_endpoint(c, &key, &ep, false)?;
            Ok(ep)
        })
    }

    fn delete_endpoint(&self, id: &str) -> Ticket<()> {
        let id = id.to_string();
        self.write(move |c| {
            invalidate_targets();
            if c.execute("DELETE FROM endpoints WHERE id = ?1", [&id])? == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
    }

    fn secrets(&self, endpoint_id: &str) -> Result<Vec<SealedSecret>> {
        self.read(|c| secrets_of(c, endpoint_id))
    }

    fn rotate_secret(
        &self,
        endpoint_id: &str,
        secret: SealedSecret,
        old_expires_at: i64,
    ) -> Ticket<()> {
        let id = endpoint_id.to_string();
        self.write(move |c| {
            let exists: Option<String> = c.prepare_cached("SELECT id FROM endpoints WHERE id = ?1")?.query_row([&id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            // The fan-out cache holds endpoints' secrets.
            invalidate_targets();
            c.execute(
                "UPDATE endpoint_secrets SET expires_at = ?2 \
                 WHERE endpoint_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                params![id, old_expires_at],
            )?;
            c.execute(
                "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES (?1, ?2, ?3)",
                params![id, secret.sealed, secret.created_at],
            )?;
            Ok(())
        })
    }

    fn publish(&self, msg: NewMessage, now: i64) -> Ticket<(Message, bool)> {
        let key = self.key.clone();
        let encrypt = self.encrypt_payloads;
        self.write_fast(move |c| {
            let (payload, _) =
                stored_message(encrypt.then_some(&*key), &msg.id, &msg.payload, &[])?;
            let app_id = resolve_app(c, &msg.app_id)?;
            // A publisher's id is remembered per application: a second
            // publish with it inserts nothing.
            let inserted = c
                .prepare_cached(
                    "INSERT INTO messages (id, app_id, event_id, event_type, payload, created_at, sealed, channels) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING",
                )?
                .execute(params![
                    msg.id,
                    app_id,
                    msg.event_id,
                    msg.event_type,
                    payload,
                    now,
                    encrypt,
                    json_opt(&msg.channels)?
                ])
                .map_err(|e| unique_as(e, &format!("message id {} is already used", msg.id)))?;
            if inserted == 0 {
                let m = c
                    .prepare_cached(&format!(
                        "SELECT {MSG_COLS} FROM messages WHERE app_id = ?1 AND event_id = ?2"
                    ))?
                    .query_row(params![app_id, msg.event_id], message_row(&key))?;
                // Idempotent for the same message; a different message under a
                // used id is a client bug, not something to drop silently.
                if m.event_type != msg.event_type || m.payload != msg.payload || m.channels != msg.channels
                {
                    return Err(StoreError::Conflict(format!(
                        "message id {} was already used for a different message",
                        msg.event_id.as_deref().unwrap_or(&m.id)
                    )));
                }
                return Ok((m, false));
            }
            let m = Message {
                id: msg.id,
                app_id: Some(app_id),
                event_id: msg.event_id,
                channels: msg.channels,
                event_type: msg.event_type,
                payload: msg.payload,
                created_at: now,
                ..Default::default()
            };
            // Published messages go to their application's subscriptions,
            // never to a source's forwards.
            let app = m.app_id.clone().unwrap_or_default();
            fan_out(c, &key, TargetKey::App(app), &m, now, |ep| {
                ep.source.is_none()
                    && crate::event_types::filter_matches(&ep.event_types, &m.event_type)
                    && channels_match(ep.channels.as_deref(), m.channels.as_deref())
            })?;
            Ok((m, true))
        })
    }

    fn get_message(&self, id: &str) -> Result<Message> {
        self.read(|c| {
            Ok(
                c.prepare_cached(&format!("SELECT {MSG_COLS} FROM messages WHERE id = ?1"))?
                    .query_row([id], message_row(&self.key))?,
            )
        })
    }

    fn list_messages(&self, limit: i64, before: Option<i64>) -> Result<Vec<Message>> {
        self.read(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {MSG_COLS} FROM messages \
                 WHERE created_at < ?1 ORDER BY created_at DESC, id DESC LIMIT ?2"
            ))?;
            let rows = st.query_map(
                params![before.unwrap_or(i64::MAX), limit],
                message_row(&self.key),
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn deliveries_of_message(&self, message_id: &str) -> Result<Vec<Delivery>> {
        self.read(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {DLV_COLS} FROM deliveries WHERE message_id = ?1 ORDER BY created_at, id"
            ))?;
            let rows = st.query_map([message_id], delivery_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn deliveries_of_endpoint(&self, endpoint_id: &str, limit: i64) -> Result<Vec<Delivery>> {
        self.read(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {DLV_COLS} FROM deliveries WHERE endpoint_id = ?1 ORDER BY updated_at DESC, id LIMIT ?2"
            ))?;
            let rows = st.query_map(params![endpoint_id, limit], delivery_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn endpoint_stats(
        &self,
        endpoint_id: &str,
        since: i64,
        until: i64,
    ) -> Result<(i64, i64, i64, i64)> {
        self.read(|c| {
            let (succeeded, failed): (i64, i64) = c
                .prepare_cached(
                    "SELECT coalesce(sum(ok), 0), coalesce(sum(1 - ok), 0) FROM \
                     (SELECT (a.error IS NULL AND a.status_code BETWEEN 200 AND 299) AS ok \
                      FROM deliveries d JOIN attempts a ON a.delivery_id = d.id \
                      WHERE d.endpoint_id = ?1 AND a.at >= ?2 AND a.at < ?3)",
                )?
                .query_row(params![endpoint_id, since, until], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let (pending, retrying): (i64, i64) = c
                .prepare_cached(
                    "SELECT coalesce(sum(attempts = 0), 0), coalesce(sum(attempts > 0), 0) \
                     FROM deliveries WHERE endpoint_id = ?1 AND status = 'pending' \
                     AND created_at >= ?2 AND created_at < ?3",
                )?
                .query_row(params![endpoint_id, since, until], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok((succeeded, pending, retrying, failed))
        })
    }

    fn get_delivery(&self, id: &str) -> Result<Delivery> {
        self.read(|c| {
            Ok(
                c.prepare_cached(&format!("SELECT {DLV_COLS} FROM deliveries WHERE id = ?1"))?
                    .query_row([id], delivery_row)?,
            )
        })
    }

    fn attempts(&self, delivery_id: &str) -> Result<Vec<Attempt>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, delivery_id, at, status_code, latency_ms, response_body, error, manual \
                 FROM attempts WHERE delivery_id = ?1 ORDER BY at, id",
            )?;
            let rows = st.query_map([delivery_id], attempt_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn release_leases(&self) -> Ticket<u64> {
        self.write(|c| {
            Ok(c.execute(
                "UPDATE deliveries SET lease_until = NULL \
                 WHERE status = 'pending' AND lease_until IS NOT NULL",
                [],
            )? as u64)
        })
    }

    fn claim_due(&self, now: i64, limit: usize, lease_ms: i64) -> Ticket<Vec<Claimed>> {
        let key = self.key.clone();
        self.write_fast(move |c| {
            let mut st = c.prepare_cached(&format!(
                "UPDATE deliveries SET lease_until = ?2 WHERE id IN (\
                   SELECT d.id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
                   WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 \
                     AND (d.lease_until IS NULL OR d.lease_until <= ?1) AND e.enabled = 1 \
                   ORDER BY d.next_attempt_at LIMIT ?3) \
                 RETURNING {DLV_COLS}, manual"
            ))?;
            let claimed: Vec<(Delivery, bool)> = st
                .query_map(params![now, now + lease_ms, limit as i64], |r| {
                    Ok((delivery_row(r)?, r.get(9)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(claimed.len());
            type Dest = (Endpoint, Vec<SealedSecret>, Option<u32>);
            let mut ep_cache: std::collections::HashMap<String, Dest> =
                std::collections::HashMap::new();
            for (d, manual) in claimed {
                if !ep_cache.contains_key(&d.endpoint_id) {
                    let ep = c
                        .prepare_cached(&format!("SELECT {EP_COLS} FROM endpoints WHERE id = ?1"))?
                        .query_row([&d.endpoint_id], endpoint_row(&key))?;
                    let secrets = secrets_of(c, &d.endpoint_id)?;
                    let rate: Option<u32> = c
                        .prepare_cached("SELECT rate_limit FROM applications WHERE id = ?1")?
                        .query_row([&ep.app_id], |r| r.get(0))
                        .optional()?
                        .flatten();
                    ep_cache.insert(d.endpoint_id.clone(), (ep, secrets, rate));
                }
                let (endpoint, secrets, app_rate_limit) = ep_cache[&d.endpoint_id].clone();
                let message = c
                    .prepare_cached(&format!("SELECT {MSG_COLS} FROM messages WHERE id = ?1"))?
                    .query_row([&d.message_id], message_row(&key))?;
                out.push(Claimed {
                    delivery: d,
                    lease_until: now + lease_ms,
                    endpoint,
                    secrets,
                    message,
                    app_rate_limit,
                    manual,
                });
            }
            Ok(out)
        })
    }

    fn record_attempt(
        &self,
        delivery_id: &str,
        rec: AttemptRecord,
        disable_after_ms: i64,
    ) -> Ticket<Option<String>> {
        let id = delivery_id.to_string();
        self.write_fast(move |c| {
            let endpoint_id = rec.endpoint_id.clone();
            // Only for a delivery that still exists (its endpoint may have
            // been deleted meanwhile): the record is then history of nothing.
            c.prepare_cached(
                "INSERT INTO attempts (delivery_id, at, status_code, latency_ms, response_body, error, manual) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?1)",
            )?
            .execute(params![id, rec.at, rec.status_code, rec.latency_ms, rec.response_body, rec.error, rec.manual])?;
            let (status, next_at) = match &rec.next {
                Next::Succeeded => ("succeeded", None),
                Next::RetryAt(t) => ("pending", Some(*t)),
                Next::Failed | Next::DisableEndpoint(_) => ("failed", None),
            };
            let changed = c.prepare_cached(
                "UPDATE deliveries SET status = ?2, attempts = attempts + 1, next_attempt_at = ?3, \
                 lease_until = NULL, last_status_code = ?4, updated_at = ?5, manual = 0 \
                 WHERE id = ?1 AND attempts = ?6 AND status = 'pending'",
            )?
            .execute(params![id, status, next_at, rec.status_code, rec.at, rec.claimed_attempts])?;
            if changed == 0 {
                // A stale worker (its lease ran out and the delivery was claimed
                // again, or it was resent): keep the attempt as history only.
                return Ok(None);
            }

            match &rec.next {
                Next::Succeeded => {
                    c.prepare_cached(
                        "UPDATE endpoints SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL",
                    )?
                    .execute([&endpoint_id])?;
                    // A source that keeps no bodies: empty the event once every
                    // delivery of it has succeeded.
                    c.prepare_cached(
                        "UPDATE messages SET payload = x'', headers = NULL, sealed = 0 WHERE id = ?1 AND drop_body = 1 \
                         AND NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = ?1 AND status != 'succeeded')",
                    )?
                    .execute([&rec.message_id])?;
                }
                Next::DisableEndpoint(reason) => {
                    disable(c, &endpoint_id, reason, rec.at)?;
                    return Ok(Some(reason.clone()));
                }
                _ => {
                    c.prepare_cached(
                        "UPDATE endpoints SET failing_since = ?2 WHERE id = ?1 AND failing_since IS NULL",
                    )?
                    .execute(params![endpoint_id, rec.at])?;
                    let since: Option<i64> = c.prepare_cached("SELECT failing_since FROM endpoints WHERE id = ?1")?.query_row([&endpoint_id], |r| r.get(0))?;
                    if since.is_some_and(|s| rec.at - s >= disable_after_ms) {
                        let why = format!(
                            "failing continuously for {} s",
                            (rec.at - since.unwrap_or(rec.at)) / 1000
                        );
                        disable(c, &endpoint_id, &why, rec.at)?;
                        return Ok(Some(why));
                    }
                }
            }
            Ok(None)
        })
    }

    fn resend(&self, delivery_id: &str, now: i64) -> Ticket<Delivery> {
        let id = delivery_id.to_string();
        self.write(move |c| {
            if body_dropped(c, &id)? {
                return Err(StoreError::Conflict(
                    "this event's body was not kept (its source has store_body = false): nothing to resend".into(),
                ));
            }
            let n = c.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, \
                 lease_until = CASE WHEN lease_until > ?2 THEN lease_until END, \
                 updated_at = ?2, manual = 1 WHERE id = ?1",
                params![id, now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(
                c.prepare_cached(&format!("SELECT {DLV_COLS} FROM deliveries WHERE id = ?1"))?
                    .query_row([&id], delivery_row)?,
            )
        })
    }

    fn resend_to(&self, message_id: &str, endpoint_id: &str, now: i64) -> Ticket<Delivery> {
        let (mid, eid) = (message_id.to_string(), endpoint_id.to_string());
        self.write(move |c| {
            let ep: Option<bool> = c
                .prepare_cached("SELECT enabled FROM endpoints WHERE id = ?1")?
                .query_row([&eid], |r| r.get(0))
                .optional()?;
            let Some(enabled) = ep else {
                return Err(StoreError::NotFound);
            };
            let msg: Option<bool> = c
                .prepare_cached(
                    "SELECT drop_body = 1 AND length(payload) = 0 FROM messages WHERE id = ?1",
                )?
                .query_row([&mid], |r| r.get(0))
                .optional()?;
            match msg {
                None => return Err(StoreError::NotFound),
                Some(true) => {
                    return Err(StoreError::Conflict(
                        "this event's body was not kept (its source has store_body = false): nothing to resend".into(),
                    ))
                }
                Some(false) => {}
            }
            if !enabled {
                return Err(StoreError::Conflict(format!(
                    "endpoint {eid} is disabled: enable it first"
                )));
            }
            let existing: Option<String> = c
                .prepare_cached(
                    "SELECT id FROM deliveries WHERE message_id = ?1 AND endpoint_id = ?2 \
                     ORDER BY created_at DESC LIMIT 1",
                )?
                .query_row(params![mid, eid], |r| r.get(0))
                .optional()?;
            let id = match existing {
                Some(id) => {
                    c.execute(
                        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, \
                         lease_until = CASE WHEN lease_until > ?2 THEN lease_until END, \
                         updated_at = ?2, manual = 1 WHERE id = ?1",
                        params![id, now],
                    )?;
                    id
                }
                None => {
                    let id = new_id("dlv_");
                    c.execute(
                        "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at, manual) \
                         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4, ?4, 1)",
                        params![id, mid, eid, now],
                    )?;
                    id
                }
            };
            Ok(c
                .prepare_cached(&format!("SELECT {DLV_COLS} FROM deliveries WHERE id = ?1"))?
                .query_row([&id], delivery_row)?)
        })
    }

    fn list_deliveries(&self, f: &DeliveryFilter) -> Result<Vec<Delivery>> {
        // The status as a literal (one of three), so the planner can use the
        // partial index of failed deliveries.
        let status = match f.status {
            None => "",
            Some(DeliveryStatus::Pending) => "status = 'pending' AND",
            Some(DeliveryStatus::Succeeded) => "status = 'succeeded' AND",
            Some(DeliveryStatus::Failed) => "status = 'failed' AND",
        };
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {DLV_COLS} FROM deliveries \
                 WHERE {status} (?1 IS NULL OR endpoint_id = ?1) \
                 AND (?4 IS NULL OR endpoint_id IN (SELECT id FROM endpoints WHERE app_id = ?4)) \
                 AND updated_at < ?2 ORDER BY updated_at DESC, id DESC LIMIT ?3"
            ))?;
            let rows = st.query_map(
                params![
                    f.endpoint_id,
                    f.before.unwrap_or(i64::MAX),
                    f.limit,
                    f.app_id
                ],
                delivery_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn recover(&self, endpoint_id: &str, since: i64, until: i64, now: i64) -> Ticket<i64> {
        let id = endpoint_id.to_string();
        self.write(move |c| {
            let exists: Option<String> = c.prepare_cached("SELECT id FROM endpoints WHERE id = ?1")?.query_row([&id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let n = c.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?3, lease_until = NULL, \
                 updated_at = ?3, manual = 1 WHERE endpoint_id = ?1 AND status = 'failed' AND created_at >= ?2 \
                 AND created_at < ?4 \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = deliveries.message_id \
                   AND m.drop_body = 1 AND length(m.payload) = 0)",
                params![id, since, now, until],
            )?;
            Ok(n as i64)
        })
    }

    fn ingest(&self, ev: InboundEvent, now: i64) -> Ticket<Ingested> {
        let key = self.key.clone();
        let encrypt = self.encrypt_payloads;
        self.write_fast(move |c| {
            // One statement on the hot path: insert the key, or take over an
            // expired record; a live record changes nothing (a replay).
            let id = new_id("in_");
            if let Some(d) = &ev.dedup {
                let claimed = c
                    .prepare_cached(
                        "INSERT INTO inbound_seen (source, key, expires_at, message_id, digest) VALUES (?1, ?2, ?3, ?4, ?6) \
                         ON CONFLICT (source, key) DO UPDATE SET expires_at = excluded.expires_at, \
                         message_id = excluded.message_id, digest = excluded.digest \
                         WHERE inbound_seen.expires_at <= ?5",
                    )?
                    .execute(params![ev.source, d.key, d.until, id, now, &d.digest[..]])?;
                if claimed == 0 {
                    let (message_id, digest): (String, Option<Vec<u8>>) = c
                        .prepare_cached(
                            "SELECT message_id, digest FROM inbound_seen WHERE source = ?1 AND key = ?2",
                        )?
                        .query_row(params![ev.source, d.key], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    return Ok(if digest.as_deref() == Some(&d.digest[..]) {
                        Ingested::Duplicate { message_id }
                    } else {
                        Ingested::Replayed { message_id }
                    });
                }
            }
            let (payload, headers) =
                stored_message(encrypt.then_some(&*key), &id, &ev.payload, &ev.headers)?;
            c.prepare_cached(
                "INSERT INTO messages (id, event_type, payload, created_at, source, webhook_id, content_type, headers, drop_body, sealed) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                ev.event_type,
                payload,
                now,
                ev.source,
                ev.webhook_id,
                ev.content_type,
                headers,
                ev.drop_body,
                encrypt
            ])?;
            let m = Message {
                id,
                event_type: ev.event_type,
                payload: ev.payload,
                created_at: now,
                source: Some(ev.source),
                webhook_id: ev.webhook_id,
                content_type: ev.content_type,
                headers: ev.headers,
                ..Default::default()
            };
            let source = m.source.clone().unwrap_or_default();
            let deliveries = fan_out(c, &key, TargetKey::Source(source), &m, now, |ep| {
                ep.source == m.source && crate::event_types::filter_matches(&ep.event_types, &m.event_type)
            })?;
            Ok(Ingested::Accepted {
                message_id: m.id,
                deliveries,
            })
        })
    }

    fn record_rejections(&self, recs: Vec<RejectionRecord>) -> Ticket<()> {
        self.write_fast(move |c| {
            let mut st = c.prepare_cached(
                "INSERT INTO rejections (at, source, reason, status, remote_ip, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in recs {
                st.execute(params![r.at, r.source, r.reason, r.status, r.remote_ip, r.detail])?;
            }
            Ok(())
        })
    }

    fn rejections(&self, source: &str, limit: i64) -> Result<Vec<RejectionRecord>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT at, source, reason, status, remote_ip, detail FROM rejections \
                 WHERE source = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![source, limit], |r| {
                Ok(RejectionRecord {
                    at: r.get(0)?,
                    source: r.get(1)?,
                    reason: r.get(2)?,
                    status: r.get(3)?,
                    remote_ip: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn create_source(&self, row: SourceRow) -> Ticket<()> {
        self.write(move |c| {
            let taken: Option<i64> = c
                .prepare_cached("SELECT 1 FROM sources WHERE name = ?1")?
                .query_row([&row.name], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "source {} exists already",
                    row.name
                )));
            }
            insert_source(c, &row)
        })
    }

    fn sync_config_sources(
        &self,
        rows: Vec<SourceRow>,
        endpoints: Vec<ConfigEndpoint>,
    ) -> Ticket<ConfigSync> {
        let key = self.key.clone();
        self.write(move |c| {
            invalidate_targets();
            for row in &rows {
                let from_config: Option<bool> = c
                    .prepare_cached("SELECT from_config FROM sources WHERE name = ?1")?
                    .query_row([&row.name], |r| r.get(0))
                    .optional()?;
                if from_config == Some(false) {
                    return Err(StoreError::Conflict(format!(
                        "source {} is declared in the config file but was created through the API: delete it there first",
                        row.name
                    )));
                }
            }
            let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
            let stale: Vec<String> = c
                .prepare("SELECT name FROM sources WHERE from_config = 1")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?
                .into_iter()
                .filter(|n| !names.contains(&n.as_str()))
                .collect();
            for n in &stale {
                forget_source(c, n)?;
            }
            for row in &rows {
                // Keep created_at; replace the definition and the secrets.
                c.execute(
                    "INSERT INTO sources (name, sealed_def, from_config, created_at, updated_at) VALUES (?1, ?2, 1, ?3, ?3) \
                     ON CONFLICT (name) DO UPDATE SET sealed_def = excluded.sealed_def, updated_at = excluded.updated_at",
                    params![row.name, row.sealed_def, row.updated_at],
                )?;
                c.execute("DELETE FROM source_secrets WHERE source = ?1", [&row.name])?;
                for sec in &row.secrets {
                    c.execute(
                        "INSERT INTO source_secrets (source, sealed, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                        params![row.name, sec.sealed, sec.created_at, sec.expires_at],
                    )?;
                }
            }
            // Declared endpoints: the config file is their source of truth, so
            // every declared field is applied (state — enabled, failing — stays);
            // config endpoints no longer declared go.
            let mut report = ConfigSync {
                removed_sources: stale,
                ..Default::default()
            };
            let keep: Vec<&str> = endpoints.iter().map(|e| e.endpoint.id.as_str()).collect();
            let old: Vec<String> = c
                .prepare("SELECT id FROM endpoints WHERE from_config = 1")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in old.iter().filter(|id| !keep.contains(&id.as_str())) {
                c.execute("DELETE FROM endpoints WHERE id = ?1", [id])?;
                report.removed_endpoints.push(id.clone());
            }
            for ce in &endpoints {
                let declared = &ce.endpoint;
                let stored = c
                    .prepare_cached(&format!("SELECT {EP_COLS} FROM endpoints WHERE id = ?1"))?
                    .query_row([&declared.id], endpoint_row(&key))
                    .optional()?;
                let fresh = stored.is_none();
                match stored {
                    None => {
                        put_endpoint(c, &key, declared, true)?;
                        report.added_endpoints.push(declared.id.clone());
                    }
                    Some(mut ep) => {
                        let changed = ep.declared_changes(declared);
                        if !changed.is_empty() || !ep.from_config {
                            ep.url = declared.url.clone();
                            ep.description = declared.description.clone();
                            ep.event_types = declared.event_types.clone();
                            ep.headers = declared.headers.clone();
                            ep.scheme = declared.scheme.clone();
                            ep.rate_limit = declared.rate_limit;
                            ep.max_concurrency = declared.max_concurrency;
                            ep.source = declared.source.clone();
                            ep.from_config = true;
                            ep.updated_at = declared.updated_at;
                            put_endpoint(c, &key, &ep, false)?;
                        }
                        if !changed.is_empty() {
                            report.changed_endpoints.push((ep.id.clone(), changed));
                        }
                    }
                }
                let secret = match (&ce.secret, fresh) {
                    (Some(s), _) => {
                        c.execute("DELETE FROM endpoint_secrets WHERE endpoint_id = ?1", [&declared.id])?;
                        Some(s)
                    }
                    (None, true) => Some(&ce.generated),
                    (None, false) => None,
                };
                if let Some(sec) = secret {
                    c.execute(
                        "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES (?1, ?2, ?3)",
                        params![declared.id, sec.sealed, sec.created_at],
                    )?;
                }
            }
            Ok(report)
        })
    }

    fn get_source(&self, name: &str) -> Result<SourceRow> {
        self.read(|c| source_row(c, name))
    }

    fn list_sources(&self) -> Result<Vec<SourceRow>> {
        self.read(|c| {
            let names: Vec<String> = c
                .prepare("SELECT name FROM sources ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            names.iter().map(|n| source_row(c, n)).collect()
        })
    }

    fn count_events(&self, source: &str) -> Result<i64> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT COUNT(*) FROM messages WHERE source = ?1")?
                    .query_row([source], |r| r.get(0))?,
            )
        })
    }

    fn delete_source(&self, name: &str) -> Ticket<()> {
        let name = name.to_string();
        self.write(move |c| {
            api_owned(c, &name, "remove it")?;
            forget_source(c, &name)?;
            Ok(())
        })
    }

    fn replace_source_def(&self, name: &str, sealed_def: Vec<u8>, now: i64) -> Ticket<()> {
        let name = name.to_string();
        self.write(move |c| {
            api_owned(c, &name, "change it")?;
            c.execute(
                "UPDATE sources SET sealed_def = ?2, updated_at = ?3 WHERE name = ?1",
                params![name, sealed_def, now],
            )?;
            Ok(())
        })
    }

    fn rotate_source_secret(
        &self,
        name: &str,
        secret: SealedSecret,
        old_expires_at: i64,
    ) -> Ticket<()> {
        let name = name.to_string();
        self.write(move |c| {
            api_owned(c, &name, "change its secrets")?;
            c.execute(
                "UPDATE source_secrets SET expires_at = ?2 \
                 WHERE source = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                params![name, old_expires_at],
            )?;
            c.execute(
                "INSERT INTO source_secrets (source, sealed, created_at) VALUES (?1, ?2, ?3)",
                params![name, secret.sealed, secret.created_at],
            )?;
            c.execute(
                "UPDATE sources SET updated_at = ?2 WHERE name = ?1",
                params![name, secret.created_at],
            )?;
            Ok(())
        })
    }

    fn sweep(&self, plan: SweepPlan, now: i64) -> Ticket<SweepStats> {
        self.write(move |c| {
            // LIMIT -1 is SQLite's "no limit".
            let limit = if plan.step > 0 { plan.step } else { -1 };
            let full = |n: i64| limit > 0 && n >= limit;
            let dedup_expired = c
                .prepare_cached(
                    "DELETE FROM inbound_seen WHERE (source, key) IN \
                     (SELECT source, key FROM inbound_seen WHERE expires_at <= ?1 LIMIT ?2)",
                )?
                .execute(params![now, limit])? as i64;
            // Events past retention whose deliveries are all done: one budget
            // of `limit` rows for every source together, orphans included.
            let mut purged = 0i64;
            let purge = |source: &str, before: i64, budget: i64| -> Result<i64> {
                Ok(c.prepare_cached(
                    "DELETE FROM messages WHERE id IN (SELECT id FROM messages m \
                     WHERE m.source = ?1 AND m.created_at < ?2 AND NOT EXISTS \
                     (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status = 'pending') \
                     LIMIT ?3)",
                )?
                .execute(params![source, before, budget])? as i64)
            };
            let budget = |purged: i64| if limit > 0 { limit - purged } else { -1 };
            for (source, before) in &plan.purge_before {
                if full(purged) {
                    break;
                }
                purged += purge(source, *before, budget(purged))?;
            }
            // Events of deleted sources: kept for the default retention, then
            // gone. Their names, found by seeking the source index from one
            // name to the next (as many seeks as names, not a scan of events).
            let mut after = String::new();
            while !full(purged) {
                let Some(name) = c
                    .prepare_cached("SELECT MIN(source) FROM messages WHERE source > ?1")?
                    .query_row([&after], |r| r.get::<_, Option<String>>(0))?
                else {
                    break;
                };
                let live: bool = c
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?1)")?
                    .query_row([&name], |r| r.get(0))?;
                if !live {
                    purged += purge(&name, plan.orphans_before, budget(purged))?;
                }
                after = name;
            }
            let idempotency_deleted = c
                .prepare_cached(
                    "DELETE FROM idempotency WHERE key IN \
                     (SELECT key FROM idempotency WHERE created_at < ?1 LIMIT ?2)",
                )?
                .execute(params![plan.idempotency_before, limit])? as i64;
            let audit_deleted = c
                .prepare_cached(
                    "DELETE FROM rejections WHERE id IN (SELECT id FROM rejections \
                     WHERE at < ?1 OR id <= (SELECT MAX(id) FROM rejections) - ?2 \
                     ORDER BY id LIMIT ?3)",
                )?
                .execute(params![plan.audit_before, plan.audit_max_rows, limit])? as i64;
            Ok(SweepStats {
                dedup_expired,
                events_purged: purged,
                audit_deleted,
                more: full(dedup_expired)
                    || full(purged)
                    || full(audit_deleted)
                    || full(idempotency_deleted),
            })
        })
    }

    fn queue_stats(&self, now: i64) -> Result<QueueStats> {
        self.read(|c| {
            let (pending, oldest): (i64, Option<i64>) = c.prepare_cached("SELECT COUNT(*), MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'")?.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let disabled: i64 = c.prepare_cached("SELECT COUNT(*) FROM endpoints WHERE enabled = 0")?.query_row([], |r| r.get(0))?;
            Ok(QueueStats {
                pending,
                oldest_due_ms: oldest.filter(|t| *t <= now).map(|t| now - t),
                disabled_endpoints: disabled,
            })
        })
    }
}

fn disable(c: &Connection, endpoint_id: &str, reason: &str, at: i64) -> Result<()> {
    invalidate_targets();
    c.execute(
        "UPDATE endpoints SET enabled = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1",
        params![endpoint_id, reason, at],
    )?;
    c.execute(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL, updated_at = ?2 \
         WHERE endpoint_id = ?1 AND status = 'pending'",
        params![endpoint_id, at],
    )?;
    Ok(())
}

fn insert_source(c: &Connection, row: &SourceRow) -> Result<()> {
    c.execute(
        "INSERT INTO sources (name, sealed_def, from_config, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![row.name, row.sealed_def, row.from_config, row.created_at, row.updated_at],
    )?;
    for sec in &row.secrets {
        c.execute(
            "INSERT INTO source_secrets (source, sealed, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![row.name, sec.sealed, sec.created_at, sec.expires_at],
        )?;
    }
    Ok(())
}

fn source_row(c: &Connection, name: &str) -> Result<SourceRow> {
    let (sealed_def, from_config, created_at, updated_at) = c
        .prepare_cached(
            "SELECT sealed_def, from_config, created_at, updated_at FROM sources WHERE name = ?1",
        )?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let secrets = c
        .prepare_cached(
            "SELECT sealed, created_at, expires_at FROM source_secrets \
             WHERE source = ?1 ORDER BY created_at DESC, id DESC",
        )?
        .query_map([name], |r| secret_row(r, 0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(SourceRow {
        name: name.to_string(),
        sealed_def,
        from_config,
        secrets,
        created_at,
        updated_at,
    })
}

/// Removes a source with its forwarding endpoints (and their queued deliveries)
/// and its dedup records. Its events stay until the orphan sweep.
fn forget_source(c: &Connection, name: &str) -> Result<()> {
    invalidate_targets();
    c.execute("DELETE FROM endpoints WHERE source = ?1", [name])?;
    c.execute("DELETE FROM inbound_seen WHERE source = ?1", [name])?;
    c.execute("DELETE FROM sources WHERE name = ?1", [name])?;
    Ok(())
}

/// Whether a delivery's event had its body dropped after forwarding.
fn body_dropped(c: &Connection, delivery_id: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT m.drop_body = 1 AND length(m.payload) = 0 FROM deliveries d \
             JOIN messages m ON m.id = d.message_id WHERE d.id = ?1",
    )?
    .query_row([delivery_id], |r| r.get::<_, bool>(0))
    .optional()?
    .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (SqliteStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        (
            SqliteStore::open(&dir.join("db"), 64, Arc::new(DataKey::ephemeral()), None).unwrap(),
            dir,
        )
    }

    /// With `store.encrypt_payloads`, neither a payload nor an inbound
    /// event's headers appear in the database file, and both read back whole;
    /// rows written before the switch still read, and the files are 0600.
    #[test]
    fn payloads_sealed_at_rest_when_asked() {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db");
        let key = Arc::new(DataKey::ephemeral());
        let plain = SqliteStore::open(&path, 64, key.clone(), None).unwrap();
        let before = NewMessage {
            id: "msg_plain".into(),
            app_id: DEFAULT_APP.into(),
            event_id: Some("msg_plain".into()),
            channels: None,
            event_type: "e".into(),
            payload: b"{\"card\":\"4111-plain\"}".to_vec(),
        };
        plain.publish(before, 1).wait().unwrap();
        drop(plain);
        let s = SqliteStore::open(&path, 64, key.clone(), None)
            .unwrap()
            .encrypting_payloads(true);
        let secret = b"{\"card\":\"4111-1111-1111-1111\"}".to_vec();
        s.publish(
            NewMessage {
                id: "msg_sealed".into(),
                app_id: DEFAULT_APP.into(),
                event_id: Some("msg_sealed".into()),
                channels: None,
                event_type: "e".into(),
                payload: secret.clone(),
            },
            2,
        )
        .wait()
        .unwrap();
        s.create_source(source("src")).wait().unwrap();
        let mut ev = event("src", "k", 10_000);
        ev.payload = b"{\"email\":\"pii@example.com\"}".to_vec();
        ev.headers = vec![("x-customer".into(), "pii-header-value".into())];
        let Ingested::Accepted { message_id, .. } = s.ingest(ev, 3).wait().unwrap() else {
            panic!("not stored")
        };
        // Read back whole, the plain row included; the same publish again is
        // recognised as the same message.
        assert_eq!(s.get_message("msg_sealed").unwrap().payload, secret);
        assert_eq!(
            s.get_message("msg_plain").unwrap().payload,
            b"{\"card\":\"4111-plain\"}"
        );
        let m = s.get_message(&message_id).unwrap();
        assert_eq!(m.payload, b"{\"email\":\"pii@example.com\"}");
        assert_eq!(
            m.headers,
            [("x-customer".into(), "pii-header-value".into())]
        );
        let (_, created) = s
            .publish(
                NewMessage {
                    id: "msg_sealed".into(),
                    app_id: DEFAULT_APP.into(),
                    event_id: Some("msg_sealed".into()),
                    channels: None,
                    event_type: "e".into(),
                    payload: secret.clone(),
                },
                4,
            )
            .wait()
            .unwrap();
        assert!(!created);
        drop(s);
        let mut raw = std::fs::read(&path).unwrap();
        raw.extend(std::fs::read(dir.join("db-wal")).unwrap_or_default());
        let has = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"4111-1111"), "payload in the clear");
        assert!(!has(b"pii@example.com"), "inbound body in the clear");
        assert!(!has(b"pii-header-value"), "inbound header in the clear");
        assert!(
            has(b"4111-plain"),
            "the row from before the switch (the test can see)"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    fn source(name: &str) -> SourceRow {
        SourceRow {
            name: name.into(),
            sealed_def: b"def".to_vec(),
            from_config: false,
            secrets: vec![],
            created_at: 0,
            updated_at: 0,
        }
    }

    fn event(source: &str, key: &str, until: i64) -> InboundEvent {
        InboundEvent {
            source: source.into(),
            event_type: format!("inbound.{source}"),
            dedup: Some(Dedup {
                key: key.into(),
                until,
                digest: [0; 32],
            }),
            webhook_id: Some(key.into()),
            content_type: None,
            headers: vec![],
            payload: b"{}".to_vec(),
            drop_body: false,
        }
    }

    /// Runs `jobs` as the writer thread does with one batch.
    fn run_jobs(conn: &mut Connection, jobs: Vec<Job>) {
        commit_all(conn, &mut jobs.into());
    }

    fn insert(c: &Connection, v: &str) -> Result<()> {
        c.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
        Ok(())
    }

    #[test]
    fn a_failed_write_undoes_itself_alone_or_fails_its_transaction_but_never_a_later_one() {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = open(&dir.join("db")).unwrap();
        conn.execute_batch("CREATE TABLE t (v TEXT NOT NULL)")
            .unwrap();
        let conflict = || StoreError::Conflict("taken".into());

        let (a, ta) = job(false, |c| insert(c, "a"));
        // Guarded: wrote, then failed: its savepoint undoes it, the rest goes on.
        let (b, tb) = job(true, move |c| {
            insert(c, "b")?;
            Err::<(), _>(conflict())
        });
        // Fast, refused before writing: nothing to undo, the rest goes on.
        let (r, tr) = job(false, move |_| Err::<(), _>(conflict()));
        let (c1, tc) = job(false, |c| insert(c, "c"));
        let first = vec![a, b, r, c1];
        run_jobs(&mut conn, first);
        assert!(ta.wait().is_ok() && tc.wait().is_ok());
        assert!(matches!(tb.wait(), Err(StoreError::Conflict(_))));
        assert!(matches!(tr.wait(), Err(StoreError::Conflict(_))));

        // Fast, failed after writing: its transaction (and so the writes before
        // it in the batch) rolls back; every caller hears it; later writes commit.
        let (d, td) = job(false, |c| insert(c, "d"));
        let (e, te) = job(false, |c| {
            insert(c, "e")?;
            Err::<(), _>(StoreError::Other(anyhow::anyhow!("disk on fire")))
        });
        let (p, tp) = job(false, |_| -> Result<()> { panic!("a bug") });
        let (f, tf) = job(false, |c| insert(c, "f"));
        let (g, tg) = job(true, |c| insert(c, "g"));
        run_jobs(&mut conn, vec![d, e, p, f, g]);
        let d_err = td.wait().unwrap_err().to_string();
        assert!(
            d_err.contains("a write in the same transaction failed"),
            "{d_err}"
        );
        assert!(te.wait().unwrap_err().to_string().contains("disk on fire"));
        // A job that panics without writing changes nothing: its caller hears
        // that its writer stopped, its neighbours commit.
        assert!(tp.wait().is_err());
        assert!(tf.wait().is_ok() && tg.wait().is_ok());

        let rows: Vec<String> = conn
            .prepare("SELECT v FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows, ["a", "c", "f", "g"]);

        // A batch that cannot even begin fails (it is not retried forever),
        // and the writer recovers for the next one.
        conn.execute_batch("BEGIN").unwrap();
        let (h, th) = job(false, |c| insert(c, "h"));
        run_jobs(&mut conn, vec![h]);
        assert!(th.wait().is_err());
        let (i, ti) = job(false, |c| insert(c, "i"));
        run_jobs(&mut conn, vec![i]);
        assert!(ti.wait().is_ok());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t WHERE v IN ('h', 'i')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn endpoint_headers_are_sealed_at_rest_and_version_1_rows_still_read() {
        let (s, dir) = store();
        let (mut ep, secret) = endpoint("ep_1", &[1]);
        ep.headers = [("X-Erp-Token".to_string(), "shared-value-123".to_string())].into();
        s.create_endpoint(ep.clone(), secret).wait().unwrap();
        let raw = Connection::open(dir.join("db")).unwrap();
        let col: String = raw
            .query_row("SELECT headers FROM endpoints WHERE id = 'ep_1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(
            col.starts_with("sealed:") && !col.contains("shared-value"),
            "{col}"
        );
        assert_eq!(s.get_endpoint("ep_1").unwrap().headers, ep.headers);
        raw.execute(
            "UPDATE endpoints SET headers = '{\"A\":\"b\"}' WHERE id = 'ep_1'",
            [],
        )
        .unwrap();
        assert_eq!(s.get_endpoint("ep_1").unwrap().headers["A"], "b");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn endpoint(id: &str, secret: &[u8]) -> (Endpoint, SealedSecret) {
        (
            Endpoint {
                id: id.into(),
                app_id: DEFAULT_APP.into(),
                uid: None,
                channels: None,
                metadata: Default::default(),
                url: "https://example.com/h".into(),
                description: String::new(),
                event_types: vec![],
                headers: Default::default(),
                scheme: SigningScheme::default(),
                rate_limit: None,
                max_concurrency: None,
                enabled: true,
                source: None,
                from_config: false,
                disabled_reason: None,
                failing_since: None,
                created_at: 0,
                updated_at: 0,
            },
            SealedSecret {
                sealed: secret.to_vec(),
                created_at: 0,
                expires_at: None,
            },
        )
    }

    fn lease_of(dir: &Path, delivery: &str) -> Option<i64> {
        Connection::open(dir.join("db"))
            .unwrap()
            .query_row(
                "SELECT lease_until FROM deliveries WHERE id = ?1",
                [delivery],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn publish(s: &SqliteStore, id: &str) {
        let msg = NewMessage {
            id: id.into(),
            app_id: DEFAULT_APP.into(),
            event_id: Some(id.into()),
            channels: None,
            event_type: "invoice.paid".into(),
            payload: br#"{"a":1}"#.to_vec(),
        };
        assert!(s.publish(msg, 1_000).wait().unwrap().1);
    }

    /// A store whose writer hands new deliveries off (at most `cap` waiting).
    fn handoff_store(
        cap: usize,
        wake: Arc<tokio::sync::Notify>,
    ) -> (SqliteStore, HandoffRx, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let (handoff, rx) = Handoff::new(cap, 60_000, wake);
        let key = Arc::new(DataKey::ephemeral());
        let s = SqliteStore::open(&dir.join("db"), 64, key, Some(handoff)).unwrap();
        (s, rx, dir)
    }

    /// What a previous run leased (claimed or handed off) and never finished
    /// is claimable again at once after `release_leases`.
    #[test]
    fn release_leases_frees_what_a_previous_run_leased() {
        let (s, mut rx, dir) = handoff_store(1, Arc::new(tokio::sync::Notify::new()));
        let (ep, secret) = endpoint("ep_1", b"sealed-1");
        s.create_endpoint(ep, secret).wait().unwrap();
        publish(&s, "msg_1"); // handed off, leased until 61,000
        publish(&s, "msg_2"); // past the cap: queued unleased
        assert!(rx.try_recv().is_some());
        let claimed = s.claim_due(1_000, 10, 60_000).wait().unwrap();
        assert_eq!(claimed.len(), 1, "msg_2, now leased too");
        assert!(s.claim_due(2_000, 10, 60_000).wait().unwrap().is_empty());

        assert_eq!(s.release_leases().wait().unwrap(), 2);
        let again = s.claim_due(2_000, 10, 60_000).wait().unwrap();
        let mut ids: Vec<_> = again.iter().map(|c| c.message.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["msg_1", "msg_2"]);
        drop(s);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn new_deliveries_are_handed_off_leased_after_commit_up_to_the_cap_then_queued() {
        let wake = Arc::new(tokio::sync::Notify::new());
        let (s, mut rx, dir) = handoff_store(2, wake.clone());
        let (ep, secret) = endpoint("ep_1", b"sealed-1");
        s.create_endpoint(ep, secret).wait().unwrap();

        // Within the cap: leased in the store, handed over with all a worker needs.
        publish(&s, "msg_1");
        let c = rx.try_recv().expect("handed off once committed");
        assert_eq!(
            (c.message.id.as_str(), c.endpoint.id.as_str()),
            ("msg_1", "ep_1")
        );
        assert_eq!(c.message.payload, br#"{"a":1}"#);
        assert_eq!(c.secrets[0].sealed, b"sealed-1");
        assert_eq!((c.delivery.attempts, c.lease_until), (0, 61_000));
        assert_eq!(lease_of(&dir, &c.delivery.id), Some(61_000));
        // Leased: a claim does not take it again.
        assert!(s.claim_due(1_000, 10, 1_000).wait().unwrap().is_empty());

        // A rotated secret reaches the next hand-off (the fan-out cache is cleared).
        s.rotate_secret(
            "ep_1",
            SealedSecret {
                sealed: b"sealed-2".to_vec(),
                created_at: 1,
                expires_at: None,
            },
            5_000,
        )
        .wait()
        .unwrap();
        publish(&s, "msg_2");
        publish(&s, "msg_3");

        // The cap (2) is taken: the next delivery is queued unleased, the engine
        // is woken to claim it, and a claim does take it.
        publish(&s, "msg_4");
        let c2 = rx.try_recv().unwrap();
        assert_eq!(c2.secrets[0].sealed, b"sealed-2");
        let _c3 = rx.try_recv().unwrap();
        assert!(rx.try_recv().is_none());
        let woken = wake.notified();
        tokio::pin!(woken);
        assert!(woken.as_mut().enable(), "the engine was woken");
        let claimed = s.claim_due(1_000, 10, 1_000).wait().unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].message.id, "msg_4");

        // A duplicate publish creates (and hands over) nothing.
        let dup = NewMessage {
            id: "msg_1".into(),
            app_id: DEFAULT_APP.into(),
            event_id: Some("msg_1".into()),
            channels: None,
            event_type: "invoice.paid".into(),
            payload: br#"{"a":1}"#.to_vec(),
        };
        assert!(!s.publish(dup, 2_000).wait().unwrap().1);
        assert!(rx.try_recv().is_none());
        drop(s);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn each_handed_off_delivery_carries_its_own_endpoints_secrets() {
        let (s, mut rx, dir) = handoff_store(16, Arc::new(tokio::sync::Notify::new()));
        for (id, secret) in [("ep_a", b"a-old"), ("ep_b", b"b-one"), ("ep_c", b"c-one")] {
            let (ep, secret) = endpoint(id, secret);
            s.create_endpoint(ep, secret).wait().unwrap();
        }
        s.modify_endpoint(
            "ep_c",
            Box::new(|ep: &mut Endpoint| {
                ep.enabled = false;
                Ok(())
            }),
        )
        .wait()
        .unwrap();
        s.rotate_secret(
            "ep_a",
            SealedSecret {
                sealed: b"a-new".to_vec(),
                created_at: 5,
                expires_at: None,
            },
            9_000,
        )
        .wait()
        .unwrap();
        publish(&s, "msg_1");
        let mut got: Vec<(String, Vec<Vec<u8>>)> = std::iter::from_fn(|| rx.try_recv())
            .map(|c| {
                let secrets = c.secrets.iter().map(|s| s.sealed.clone()).collect();
                (c.endpoint.id, secrets)
            })
            .collect();
        got.sort();
        // The disabled endpoint gets nothing; the others their own secrets,
        // newest first.
        assert_eq!(
            got,
            vec![
                ("ep_a".into(), vec![b"a-new".to_vec(), b"a-old".to_vec()]),
                ("ep_b".into(), vec![b"b-one".to_vec()]),
            ]
        );
        drop(s);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_rolled_back_transaction_hands_nothing_off_and_frees_its_places() {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = open(&dir.join("db")).unwrap();
        migrate(&conn).unwrap();
        let key = Arc::new(DataKey::ephemeral());
        let (ep, secret) = endpoint("ep_1", b"s");
        put_endpoint(&conn, &key, &ep, true).unwrap();
        conn.execute(
            "INSERT INTO endpoint_secrets (endpoint_id, sealed, created_at) VALUES ('ep_1', ?1, 0)",
            [&secret.sealed],
        )
        .unwrap();
        let (handoff, mut rx) = Handoff::new(8, 60_000, Arc::new(tokio::sync::Notify::new()));
        HANDOFF.with(|h| *h.borrow_mut() = Some(handoff));
        let msg = |id: &str| Message {
            id: id.into(),
            event_type: "e".into(),
            ..Default::default()
        };
        let fan = |id: &'static str, fail: bool| {
            let key = key.clone();
            job(false, move |c: &Connection| {
                c.execute(
                    "INSERT INTO messages (id, event_type, payload, created_at) VALUES (?1, 'e', x'', 0)",
                    [id],
                )?;
                fan_out(c, &key, TargetKey::App(DEFAULT_APP.into()), &msg(id), 0, |_| true)?;
                if fail {
                    return Err(StoreError::Other(anyhow::anyhow!("boom")));
                }
                Ok(())
            })
            .0
        };
        // The second write fails after changing rows: the transaction (with the
        // first write's delivery) rolls back, and nothing is handed over.
        run_jobs(&mut conn, vec![fan("m1", false), fan("m2", true)]);
        assert!(rx.try_recv().is_none());
        assert!(rx.is_empty(), "its places were freed");
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        // The same write alone commits and is handed over.
        run_jobs(&mut conn, vec![fan("m3", false)]);
        assert_eq!(rx.try_recv().unwrap().message.id, "m3");
        HANDOFF.with(|h| *h.borrow_mut() = None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn ingest_dedups_per_source_until_expiry_and_sweeps() {
        let (s, dir) = store();
        s.create_source(source("a")).wait().unwrap();
        s.create_source(source("b")).wait().unwrap();
        let first = s.ingest(event("a", "k1", 1_000), 100).wait().unwrap();
        assert!(matches!(first, Ingested::Accepted { deliveries: 0, .. }));
        // The same key with the same body: the provider's retry.
        let again = s.ingest(event("a", "k1", 1_000), 200).wait().unwrap();
        assert!(matches!(again, Ingested::Duplicate { .. }), "{again:?}");
        // The same key with another body: a replay.
        let mut other_body = event("a", "k1", 1_000);
        other_body.dedup.as_mut().unwrap().digest = [1; 32];
        let replay = s.ingest(other_body, 200).wait().unwrap();
        assert!(matches!(replay, Ingested::Replayed { .. }), "{replay:?}");
        // No replay protection: every event is stored.
        let mut open = event("a", "k1", 1_000);
        open.dedup = None;
        assert!(matches!(
            s.ingest(open, 300).wait().unwrap(),
            Ingested::Accepted { .. }
        ));
        // Another source has its own namespace.
        let other = s.ingest(event("b", "k1", 1_000), 200).wait().unwrap();
        assert!(matches!(other, Ingested::Accepted { .. }));
        // Past its expiry the key is free again.
        let later = s.ingest(event("a", "k1", 5_000), 1_000).wait().unwrap();
        assert!(matches!(later, Ingested::Accepted { .. }));
        assert_eq!(s.count_events("a").unwrap(), 3);

        // The sweep: expired dedup records, events past retention, old audit rows.
        s.record_rejections(
            (0..5)
                .map(|i| RejectionRecord {
                    at: i,
                    source: "a".into(),
                    reason: "signature_mismatch".into(),
                    status: 401,
                    remote_ip: None,
                    detail: String::new(),
                })
                .collect(),
        )
        .wait()
        .unwrap();
        let st = s
            .sweep(
                SweepPlan {
                    purge_before: vec![("a".into(), 500)],
                    audit_max_rows: 3,
                    audit_before: 0,
                    orphans_before: 0,
                    idempotency_before: 0,
                    step: 0,
                },
                2_000,
            )
            .wait()
            .unwrap();
        assert_eq!(
            st,
            SweepStats {
                dedup_expired: 1, // b's k1 (until 1000); a's k1 now lives until 5000
                events_purged: 2, // a's events created at 100 and 300
                audit_deleted: 2,
                more: false,
            }
        );
        assert_eq!(s.count_events("a").unwrap(), 1);
        assert_eq!(s.rejections("a", 10).unwrap().len(), 3);
        // Deleting a source: its dedup records go; its events become orphans.
        s.delete_source("a").wait().unwrap();
        let st = s
            .sweep(
                SweepPlan {
                    orphans_before: i64::MAX,
                    ..Default::default()
                },
                2_000,
            )
            .wait()
            .unwrap();
        assert_eq!(st.events_purged, 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A sweep in steps: no call deletes more than `step` rows of a kind (for
    /// every source together, orphans included), each says whether more
    /// remain, and the steps together delete what one unlimited sweep would.
    #[test]
    fn sweep_steps_are_bounded_and_add_up() {
        let (s, dir) = store();
        for name in ["a", "b"] {
            s.create_source(source(name)).wait().unwrap();
        }
        for i in 0..25 {
            s.ingest(event("a", &format!("a{i}"), 1_000), 100)
                .wait()
                .unwrap();
        }
        for i in 0..7 {
            s.ingest(event("b", &format!("b{i}"), 1_000), 100)
                .wait()
                .unwrap();
        }
        s.delete_source("b").wait().unwrap(); // its 7 events become orphans
        let audit: Vec<_> = (0..13)
            .map(|i| RejectionRecord {
                at: i,
                source: "a".into(),
                reason: "signature_mismatch".into(),
                status: 401,
                remote_ip: None,
                detail: String::new(),
            })
            .collect();
        s.record_rejections(audit).wait().unwrap();

        let plan = SweepPlan {
            purge_before: vec![("a".into(), 500)],
            audit_max_rows: 1_000,
            audit_before: 1_000,
            orphans_before: 500,
            idempotency_before: 0,
            step: 10,
        };
        let (mut total, mut steps) = (SweepStats::default(), 0);
        loop {
            let st = s.sweep(plan.clone(), 2_000).wait().unwrap();
            steps += 1;
            assert!(st.dedup_expired <= 10 && st.audit_deleted <= 10, "{st:?}");
            assert!(
                st.events_purged <= 10,
                "10 for every source together: {st:?}"
            );
            total.add(&st);
            if !st.more {
                break;
            }
            assert!(steps < 10, "the sweep does not end");
        }
        assert_eq!(steps, 4, "25 events of a and 7 orphans: 10, 10, 10, 2");
        assert_eq!(
            (
                total.dedup_expired,
                total.events_purged,
                total.audit_deleted
            ),
            (25, 32, 13)
        );
        assert_eq!(s.count_events("a").unwrap(), 0);
        assert_eq!(s.count_events("b").unwrap(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Checkpoints run on their own thread, yet the WAL still restarts from
    /// its beginning under sustained writes: its file stays far smaller than
    /// what went through it, the writer never needs its fallback, and the
    /// database is whole.
    #[test]
    fn background_checkpoints_keep_the_wal_bounded() {
        let (s, dir) = store();
        s.create_source(source("a")).wait().unwrap();
        const EVENTS: usize = 3_000;
        const BODY: usize = 16 * 1024; // 4 pages or more in the WAL each
        let mut n = 0;
        while n < EVENTS {
            // Waves of concurrent writes, so they commit in batches as under load.
            let tickets: Vec<_> = (n..(n + 64).min(EVENTS))
                .map(|i| {
                    let mut ev = event("a", &format!("k{i}"), i64::MAX);
                    ev.payload = vec![b'a' + (i % 26) as u8; BODY];
                    s.ingest(ev, 0)
                })
                .collect();
            for t in tickets {
                assert!(matches!(t.wait().unwrap(), Ingested::Accepted { .. }));
            }
            n += 64;
        }
        let through = (EVENTS * BODY) as u64; // 48 MiB: 12,000 frames at least
        assert!(through > CHECKPOINT_FORCED_AT as u64 * 4096);
        let wal = std::fs::metadata(dir.join("db-wal")).unwrap().len();
        assert!(
            wal < through / 2,
            "the WAL grew to {wal} bytes for {through} bytes written: it did not restart in time"
        );
        use std::sync::atomic::Ordering::Relaxed;
        let ck = &s.checkpoints;
        let (rounds, forced, peak) = (
            ck.rounds.load(Relaxed),
            ck.forced.load(Relaxed),
            ck.peak_frames.load(Relaxed),
        );
        // The background thread did the copying, and the writer's short
        // checkpoints after its rounds let the WAL restart before the
        // fallback had to.
        assert!(rounds >= 2, "{rounds} background rounds");
        assert_eq!(forced, 0, "the WAL reached {peak} frames");
        assert_eq!(s.count_events("a").unwrap(), EVENTS as i64);
        drop(s);
        let c = Connection::open(dir.join("db")).unwrap();
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let rows: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM messages WHERE length(payload) = ?1",
                [BODY as i64],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, EVENTS as i64);
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Dropping the checkpointer stops and joins its thread, also while it
    /// has been asked for a round.
    #[test]
    fn checkpointer_stops_when_dropped() {
        let dir = std::env::temp_dir().join(format!("hookseal-sqlite-{}", new_id("t")));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db");
        let mut w = open(&path).unwrap();
        w.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let ck = Checkpointer::start(&path, &mut w).unwrap();
        let shared = ck.shared.clone();
        // Enough frames for the hook to ask for a round.
        for _ in 0..(CHECKPOINT_AT / 8 + 1) {
            w.execute("INSERT INTO t VALUES (zeroblob(40000))", [])
                .unwrap();
        }
        // The thread ran (it was asked for a round and finished one)…
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while shared.rounds.load(std::sync::atomic::Ordering::Acquire) == 0 {
            assert!(std::time::Instant::now() < deadline, "no round ran");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // …and dropping the checkpointer ends it: the drop (which joins the
        // thread) returns, and the thread's handle on the shared state is gone.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(ck);
            let _ = tx.send(());
        });
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the checkpointer's thread did not stop when dropped");
        // The writer's WAL hook holds the other reference.
        drop(w);
        assert_eq!(
            Arc::strong_count(&shared),
            1,
            "the thread still holds the shared state"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
