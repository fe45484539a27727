//! The writer thread: group commit of every queued write, a savepoint per
//! admin write, none on the hot paths.

use super::*;

/// A write for the writer thread, and the ticket its caller awaits.
pub(super) fn job<R: Send + 'static>(
    guarded: bool,
    f: impl FnOnce(&Connection) -> Result<R> + Send + 'static,
) -> (Job, Ticket<R>) {
    let (stx, ticket) = Ticket::new();
    let run: Run = Box::new(move |conn: &Connection| {
        let r = f(conn);
        let ok = r.is_ok();
        let done: Completion = Box::new(move |commit| {
            let out = match commit {
                // A write that failed reports its own error, not the batch's.
                Err(e) if r.is_ok() => {
                    Err(StoreError::Other(anyhow::anyhow!("commit failed: {e}")))
                }
                _ => r,
            };
            let _ = stx.send(out);
        });
        (ok, done)
    });
    (Job { guarded, run }, ticket)
}

pub(super) fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = std::collections::VecDeque::with_capacity(max_batch);
    while let Ok(first) = rx.recv() {
        batch.push_back(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push_back(j),
                Err(_) => break,
            }
        }
        commit_all(&mut conn, &mut batch);
    }
}

/// Runs and commits every job in `batch`: usually one transaction, more when
/// a hot-path write fails and takes its transaction down (the writes after it
/// start a fresh one). Each write is answered once its transaction has
/// committed or failed.
pub(super) fn commit_all(conn: &mut Connection, batch: &mut std::collections::VecDeque<Job>) {
    while !batch.is_empty() {
        let mut done = Vec::with_capacity(batch.len());
        match run_batch(conn, batch, &mut done) {
            Ok(()) => {
                hand_off_pending();
                for d in done {
                    d(Ok(()));
                }
            }
            Err(e) => {
                // What the failed transaction read or wrote is gone: forget caches built on it.
                invalidate_targets();
                drop_pending(0);
                for d in done {
                    d(Err(e.clone()));
                }
            }
        }
    }
}

/// Runs jobs from the front of `batch` in one transaction and commits it;
/// stops early (and rolls back) when a write without a savepoint fails.
pub(super) fn run_batch(
    conn: &mut Connection,
    batch: &mut std::collections::VecDeque<Job>,
    done: &mut Vec<Completion>,
) -> std::result::Result<(), String> {
    // Prepared once, like every statement on this connection: `BEGIN` and
    // `COMMIT` run once per batch, parsing them each time showed in profiles.
    let exec = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    if let Err(e) = exec("BEGIN") {
        // No job ran: drop them all (each caller hears its write failed)
        // rather than retry the same batch forever.
        tracing::error!(error = %e, "cannot begin a transaction; this batch's writes fail");
        if !conn.is_autocommit() {
            let _ = exec("ROLLBACK");
        }
        batch.clear();
        return Err(e.to_string());
    }
    let tx: &Connection = conn;
    let mut broken = None;
    let step = |tx: &Connection, job: Job, done: &mut Vec<Completion>| -> rusqlite::Result<bool> {
        if job.guarded {
            tx.prepare_cached("SAVEPOINT job")?.execute([])?;
        }
        let changes = tx.total_changes();
        let pending_before = PENDING.with(|p| p.borrow().len());
        // A panicking job must not take the writer (and every later write)
        // down with it: its caller sees the error when its ticket's sender is
        // dropped, and its change is rolled back.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (job.run)(tx)));
        let ok = match run {
            Ok((ok, c)) => {
                done.push(c);
                ok
            }
            Err(_) => {
                tracing::error!("a store write panicked; rolled back");
                false
            }
        };
        if job.guarded {
            if !ok {
                tx.prepare_cached("ROLLBACK TO job")?.execute([])?;
                drop_pending(pending_before);
            }
            tx.prepare_cached("RELEASE job")?.execute([])?;
            return Ok(true);
        }
        // Without a savepoint, a failure is harmless only if it changed nothing.
        Ok(ok || tx.total_changes() == changes)
    };
    while let Some(job) = batch.pop_front() {
        match step(tx, job, done) {
            Ok(true) => {}
            Ok(false) => {
                broken = Some("a write in the same transaction failed; retry".to_string());
                break;
            }
            Err(e) => {
                broken = Some(e.to_string());
                break;
            }
        }
    }
    let result = match broken {
        Some(e) => Err(e),
        None => exec("COMMIT").map(drop).map_err(|e| e.to_string()),
    };
    if result.is_err() && !conn.is_autocommit() {
        if let Err(e) = exec("ROLLBACK") {
            tracing::error!(error = %e, "rolling back a failed batch failed");
        }
    }
    result
}
