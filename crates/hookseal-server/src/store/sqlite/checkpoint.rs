//! Checkpoints on a thread of their own (see the module's docs): the
//! writer's commits never copy the WAL into the database file.

use super::*;

/// WAL frames after which a checkpoint is started in the background (SQLite's
/// own automatic checkpoint runs at 1,000 pages).
pub(super) const CHECKPOINT_AT: i32 = 1_000;
/// WAL frames past which the writer checkpoints by itself whenever the
/// background thread is not running a round: bounds the WAL should that
/// thread fall behind. (Under load the WAL peaks at about twice
/// [`CHECKPOINT_AT`]: a round's frames plus those appended meanwhile.)
pub(super) const CHECKPOINT_FORCED_AT: i32 = 8_000;
/// The WAL file is cut back to this size when it restarts (it never shrinks
/// otherwise); its steady size under load is a fraction of it.
pub(super) const WAL_SIZE_LIMIT: i64 = 32 << 20;

/// Runs WAL checkpoints on a thread of its own, off the commit path.
///
/// SQLite checkpoints inside the commit that fills the WAL past 1,000 pages:
/// the pages are copied into the database file and that file is fsynced while
/// every write of the next batch waits, several milliseconds several times a
/// second under load (the latency tail at a fixed rate). Here the writer's
/// WAL hook only asks this thread for a checkpoint; it copies and syncs on
/// its own connection while the writer goes on committing.
///
/// A checkpoint started while the writer appends cannot catch up with it,
/// and the WAL restarts from its beginning only once every frame is copied.
/// So when a background round has finished, the writer copies the few
/// frames appended during it itself, after its next commit: a short
/// checkpoint that lets the following transaction restart the WAL. Past
/// [`CHECKPOINT_FORCED_AT`] frames the writer checkpoints as SQLite would.
///
/// SQLite also syncs the database file only in a checkpoint that reaches the
/// end of the WAL, which a round beside the writer never does: the writer's
/// short checkpoint would then sync every page the round copied. So the
/// thread syncs the file after each round, through SQLite's own handle on it
/// (a second descriptor of our own, once closed, would drop the process's
/// POSIX locks on the file, SQLite's included).
///
/// Durability is SQLite's: whichever connection checkpoints has
/// `synchronous = FULL`, so the WAL is synced before pages are copied and the
/// database file before the WAL may be reused. The thread's own sync only
/// comes earlier.
pub(super) struct Checkpointer {
    pub(super) shared: Arc<CheckpointShared>,
    pub(super) thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
pub(super) struct CheckpointShared {
    pub(super) state: Mutex<CheckpointState>,
    pub(super) wake: std::sync::Condvar,
    /// Background rounds finished so far (counted before `running` clears).
    pub(super) rounds: std::sync::atomic::AtomicU64,
    /// Checkpoints the writer ran past [`CHECKPOINT_FORCED_AT`].
    pub(super) forced: std::sync::atomic::AtomicU64,
    /// The most frames the WAL held after a commit.
    pub(super) peak_frames: std::sync::atomic::AtomicI32,
}

#[derive(Default)]
pub(super) struct CheckpointState {
    /// A round was asked for and has not started.
    pub(super) wanted: bool,
    /// A round is running.
    pub(super) running: bool,
    pub(super) stop: bool,
}

impl Checkpointer {
    /// Starts the thread, with its own connection to the database at `path`,
    /// and installs the hook on the writer's connection `writer` (replacing
    /// SQLite's automatic checkpoint there).
    pub(super) fn start(path: &Path, writer: &mut Connection) -> anyhow::Result<Checkpointer> {
        let conn = open(path)?;
        writer.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
        let shared = Arc::new(CheckpointShared::default());
        let bg = shared.clone();
        // Built before the hook is installed: if that fails, dropping this
        // stops the thread.
        let ck = Checkpointer {
            shared: shared.clone(),
            thread: Some(
                std::thread::Builder::new()
                    .name("hookseal-sqlite-checkpoint".into())
                    .spawn(move || checkpoint_loop(conn, &bg))?,
            ),
        };
        let mut seen_rounds = 0u64;
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames: i32| {
            use std::sync::atomic::Ordering;
            // Whatever happens here, report success: an error from this hook
            // would make the COMMIT that called it fail after it committed.
            shared.peak_frames.fetch_max(frames, Ordering::Relaxed);
            let rounds = shared.rounds.load(Ordering::Acquire);
            let forced = frames >= CHECKPOINT_FORCED_AT;
            if forced || rounds != seen_rounds {
                // A round finished: copy what was appended meanwhile, so the
                // WAL can restart. Busy if a new round already runs: try
                // again after the next commit.
                match wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE) {
                    Ok(_) => {
                        seen_rounds = rounds;
                        if forced {
                            shared.forced.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) if is_busy(&e) => {}
                    Err(e) => {
                        seen_rounds = rounds;
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            } else if frames >= CHECKPOINT_AT {
                let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
                if !st.running && !st.wanted {
                    st.wanted = true;
                    shared.wake.notify_one();
                }
            }
            Ok(())
        }))?;
        Ok(ck)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy)
    )
}

pub(super) fn checkpoint_loop(conn: Connection, shared: &CheckpointShared) {
    loop {
        {
            let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
            while !st.wanted && !st.stop {
                st = shared.wake.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            if st.stop {
                return;
            }
            st.wanted = false;
            st.running = true;
        }
        match conn.wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE) {
            Ok(_) => sync_database_file(&conn),
            Err(e) if is_busy(&e) => {}
            Err(e) => tracing::warn!(error = %e, "background WAL checkpoint failed"),
        }
        let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        shared
            .rounds
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        st.running = false;
    }
}

/// Syncs the main database file of `conn` through SQLite's own file handle
/// (see [`Checkpointer`] for why not a descriptor of our own). A failure is
/// logged only: SQLite syncs the file itself before the WAL is reused.
pub(super) fn sync_database_file(conn: &Connection) {
    use rusqlite::ffi;
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: `conn` is open and used only by this thread; FILE_POINTER
    // stores the connection's `sqlite3_file` for "main" into `file`, which
    // stays valid while the connection is open, and its `xSync` is SQLite's
    // own sync of that file, the call SQLite makes in a checkpoint.
    let rc = unsafe {
        let rc = ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast(),
        );
        if rc != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() {
            ffi::SQLITE_MISUSE
        } else {
            match (*(*file).pMethods).xSync {
                Some(sync) => sync(file, ffi::SQLITE_SYNC_NORMAL),
                None => ffi::SQLITE_MISUSE,
            }
        }
    };
    if rc != ffi::SQLITE_OK {
        tracing::warn!(code = rc, "syncing the database file failed");
    }
}
