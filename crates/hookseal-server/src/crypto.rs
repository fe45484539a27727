//! Secrets at rest: a data-encryption key and the admin token, both created on
//! first start in the data directory with owner-only permissions.
//!
//! Endpoint secrets are sealed with AES-256-GCM under the data key before they
//! reach the database, so a copy of the database alone reveals no secret. The
//! admin token is stored only as its SHA-256; it is printed once, after the
//! server has started (or the operator supplies it, see [`AdminToken`]).
//!
//! Both files are written whole or not at all: to a temporary file, synced,
//! renamed into place, and the directory synced. A crash or a full disk
//! leaves either no file or the whole file, never a short one; a key that
//! exists is never overwritten, and one that is malformed stops the server
//! with what to do, rather than a fresh key that opens none of the stored
//! secrets.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

/// The data-encryption key's file in the data directory.
pub const KEY_FILE: &str = "data.key";
/// The admin token's hash's file in the data directory.
pub const TOKEN_FILE: &str = "admin-token.sha256";

/// Writes `bytes` to `path` (mode 0600) atomically: a temporary file beside
/// it is written and synced, then renamed over `path`, then the directory is
/// synced so the rename itself survives a crash. With `replace` false, an
/// existing `path` is an error and is left as it is.
pub fn write_atomically(path: &Path, bytes: &[u8], replace: bool) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow::anyhow!("{} is not a file path", path.display()))?;
    if !replace && path.exists() {
        anyhow::bail!("{} exists already; it is never overwritten", path.display());
    }
    let mut nonce = [0u8; 6];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| anyhow::anyhow!("no randomness"))?;
    let tmp = dir.join(format!(
        ".{name}.tmp-{}",
        hookseal::codec::hex_encode(&nonce)
    ));
    let written = (|| -> anyhow::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", tmp.display()))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
        // Only this process writes these files (it holds the data
        // directory's lock), so nothing can appear between the check above
        // and the rename.
        std::fs::rename(&tmp, path)
            .map_err(|e| anyhow::anyhow!("cannot rename {} into place: {e}", tmp.display()))?;
        sync_dir(dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Syncs a directory, so a rename or a new file in it survives a crash.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| anyhow::anyhow!("cannot sync {}: {e}", dir.display()))?;
    Ok(())
}

/// Removes the temporary files an interrupted [`write_atomically`] left
/// behind (they were never renamed, so nothing refers to them).
pub fn remove_interrupted_writes(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if [KEY_FILE, TOKEN_FILE]
            .iter()
            .any(|f| name.starts_with(&format!(".{f}.tmp-")))
        {
            tracing::info!(file = %name, "removing what an interrupted write left");
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Creates the data directory, owner-only. An existing directory is left as
/// the operator set it (it may be a mount point shared with a backup agent),
/// with a warning if others can read it; the secret files in it are 0600 anyway.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    let existed = dir.is_dir();
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create data dir {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if existed {
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the data directory is accessible to other users; consider chmod 700"
                );
            }
        } else {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Runs `command` with `sh -c` (at most 10 s, at most 4 KiB of output) and
/// returns what it printed.
fn run_key_command(command: &str) -> anyhow::Result<String> {
    use std::io::Read;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow::anyhow!("store.data_key_command: cannot run it: {e}"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match child.try_wait()? {
            Some(status) if status.success() => break,
            Some(status) => anyhow::bail!("store.data_key_command failed ({status})"),
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!("store.data_key_command did not finish within 10 s");
            }
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .map(|s| s.take(4096).read_to_string(&mut out))
        .transpose()
        .map_err(|e| anyhow::anyhow!("store.data_key_command: unreadable output: {e}"))?;
    Ok(out)
}

/// What opening a sealed value under another key says (it reaches callers
/// through the store's row conversions, so they recognise it by this text).
pub const WRONG_KEY: &str = "secret does not open under the data key";

/// The key that seals secrets at rest.
pub struct DataKey(LessSafeKey);

impl DataKey {
    /// Loads `data.key`, creating it on first start (with `may_create`:
    /// the caller has checked that no stored secret needs an older key).
    pub fn load_or_create(dir: &Path, may_create: bool) -> anyhow::Result<DataKey> {
        let path = dir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_create => {
                let mut k = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut k)
                    .map_err(|_| anyhow::anyhow!("no randomness"))?;
                write_atomically(&path, &k, false)?;
                k.to_vec()
            }
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        };
        DataKey::from_bytes(&bytes).map_err(|_| {
            anyhow::anyhow!(
                "{} is {} bytes, not a 32-byte key: it is damaged (a copy cut short, or an \
                 interrupted write by a hookseal older than 0.2). It was left as it is. Restore \
                 it from a backup; without one, the secrets stored in this data directory cannot \
                 be opened — move the directory aside and start with an empty one",
                path.display(),
                bytes.len()
            )
        })
    }

    /// A key given from outside the data directory (shared by nodes): its
    /// text, as base64 or hex of 32 bytes. `from` names where it came from,
    /// for errors (which never show the key).
    pub fn from_text(text: &str, from: &str) -> anyhow::Result<DataKey> {
        use base64::Engine as _;
        let t = text.trim();
        let bytes = hookseal::codec::hex_decode(t)
            .filter(|b| b.len() == 32)
            .or_else(|| {
                base64::engine::general_purpose::STANDARD
                    .decode(t)
                    .ok()
                    .filter(|b| b.len() == 32)
            })
            .ok_or_else(|| anyhow::anyhow!("{from}: not a data key (base64 or hex of 32 bytes)"))?;
        DataKey::from_bytes(&bytes)
    }

    /// The key as the configuration gives it: `data_key`, `data_key_file` or
    /// what `data_key_command` prints; `None` when none is set (the data
    /// directory's `data.key` is used).
    pub fn configured(key: &str, file: &str, command: &str) -> anyhow::Result<Option<DataKey>> {
        if !key.is_empty() {
            return DataKey::from_text(key, "store.data_key (HOOKSEAL_DATA_KEY)").map(Some);
        }
        if !file.is_empty() {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("store.data_key_file {file}: {e}"))?;
            return DataKey::from_text(&text, &format!("store.data_key_file {file}")).map(Some);
        }
        if !command.is_empty() {
            return DataKey::from_text(&run_key_command(command)?, "store.data_key_command")
                .map(Some);
        }
        Ok(None)
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<DataKey> {
        anyhow::ensure!(bytes.len() == 32, "a data key is 32 bytes");
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| anyhow::anyhow!("bad key"))?;
        Ok(DataKey(LessSafeKey::new(key)))
    }

    /// A key for tests.
    pub fn ephemeral() -> DataKey {
        let mut k = [0u8; 32];
        let _ = SystemRandom::new().fill(&mut k);
        DataKey(LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &k).expect("32-byte key"),
        ))
    }

    /// nonce ‖ ciphertext ‖ tag. `context` (the endpoint id) is bound as associated
    /// data, so a sealed secret cannot be moved to another endpoint's row.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the OS random source failed");
        let mut buf = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .expect("AES-GCM sealing cannot fail for these sizes");
        [nonce.as_slice(), &buf].concat()
    }

    /// Opens what [`DataKey::seal`] produced.
    pub fn open(&self, context: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() >= NONCE_LEN + 16, "sealed secret too short");
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buf = ct.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| anyhow::anyhow!("{WRONG_KEY} (wrong data.key?)"))?;
        Ok(plain.to_vec())
    }
}

/// The admin API's bearer token, held as its SHA-256.
///
/// Where it comes from, in order: a file the operator names
/// (`server.admin_token_file`, whose first line is the token; nothing of it
/// is written to the data directory), else the hash in the data directory's
/// `admin-token.sha256`, else a new token made at the first start, whose
/// hash is written — and the token printed — only once the server is
/// listening ([`AdminToken::commit`]), so a start that fails consumes
/// nothing. `hookseal admin-token rotate` replaces the hash file; a running
/// server notices within a second.
pub struct AdminToken {
    /// The hash in use.
    hash: Mutex<[u8; 32]>,
    /// The hash file a running server re-reads when it changes, with the
    /// state it was last read in and when that was looked at.
    watched: Option<Watched>,
    /// A new token, not yet written or shown.
    fresh: Mutex<Option<String>>,
}

struct Watched {
    path: PathBuf,
    seen: Mutex<(Option<std::time::SystemTime>, std::time::Instant)>,
}

/// A new token's text.
pub fn new_token() -> anyhow::Result<String> {
    let mut raw = [0u8; 32];
    SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| anyhow::anyhow!("no randomness"))?;
    Ok(format!(
        "hs_admin_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    ))
}

pub(crate) fn digest(token: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut h = [0u8; 32];
    h.copy_from_slice(d.as_ref());
    h
}

fn read_hash(path: &Path) -> anyhow::Result<Option<[u8; 32]>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b.try_into().map_err(|b: Vec<u8>| {
            anyhow::anyhow!(
                "{} is {} bytes, not a 32-byte token hash: it is damaged. Make a new token with \
                 `hookseal admin-token rotate --data-dir {}`",
                path.display(),
                b.len(),
                path.parent().unwrap_or(Path::new(".")).display()
            )
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

fn mtime(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl AdminToken {
    /// The token for a server on `dir`: from `token_file` if given, else the
    /// stored hash, else a new one (written and shown by [`AdminToken::commit`]).
    pub fn load(dir: &Path, token_file: Option<&Path>) -> anyhow::Result<AdminToken> {
        if let Some(f) = token_file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("server.admin_token_file {}: {e}", f.display()))?;
            let token = text.lines().next().unwrap_or("").trim();
            anyhow::ensure!(
                token.len() >= 24 && token.bytes().all(|b| b.is_ascii_graphic()),
                "server.admin_token_file {}: its first line must be a token of at least 24 \
                 visible characters (`hookseal admin-token new` makes one)",
                f.display()
            );
            return Ok(AdminToken::from_token(token));
        }
        let path = dir.join(TOKEN_FILE);
        let (hash, fresh) = match read_hash(&path)? {
            Some(h) => (h, None),
            None => {
                let t = new_token()?;
                (digest(&t), Some(t))
            }
        };
        Ok(AdminToken {
            hash: Mutex::new(hash),
            watched: Some(Watched {
                seen: Mutex::new((mtime(&path), std::time::Instant::now())),
                path,
            }),
            fresh: Mutex::new(fresh),
        })
    }

    /// Once the server is listening: writes a new token's hash and returns
    /// the token to show (once). None when the token existed already.
    pub fn commit(&self) -> anyhow::Result<Option<String>> {
        let Some(token) = self.fresh.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return Ok(None);
        };
        let w = self
            .watched
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("a supplied token is not stored"))?;
        write_atomically(&w.path, &digest(&token), false)?;
        *w.seen.lock().unwrap_or_else(|p| p.into_inner()) =
            (mtime(&w.path), std::time::Instant::now());
        Ok(Some(token))
    }

    /// Makes a new token for the data directory `dir`, replacing the stored
    /// hash (a running server takes it within a second); returns the token.
    pub fn rotate(dir: &Path) -> anyhow::Result<String> {
        anyhow::ensure!(
            dir.is_dir(),
            "{} is not a data directory (server.data_dir)",
            dir.display()
        );
        let token = new_token()?;
        write_atomically(&dir.join(TOKEN_FILE), &digest(&token), true)?;
        Ok(token)
    }

    /// The token with this plaintext.
    pub fn from_token(token: &str) -> AdminToken {
        AdminToken {
            hash: Mutex::new(digest(token)),
            watched: None,
            fresh: Mutex::new(None),
        }
    }

    /// Re-reads the hash file if it changed (at most once a second).
    fn refresh(&self) {
        let Some(w) = &self.watched else { return };
        let mut seen = w.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.1.elapsed() < std::time::Duration::from_secs(1) {
            return;
        }
        seen.1 = std::time::Instant::now();
        let now = mtime(&w.path);
        if now == seen.0 {
            return;
        }
        match read_hash(&w.path) {
            Ok(Some(h)) => {
                *self.hash.lock().unwrap_or_else(|p| p.into_inner()) = h;
                seen.0 = now;
                tracing::info!(file = %w.path.display(), "admin token replaced");
            }
            // Not written yet (a fresh token before commit), or damaged:
            // keep the hash in use, and say so once.
            Ok(None) => {}
            Err(e) => {
                seen.0 = now;
                tracing::error!(error = %e, "admin token file unreadable; the previous token stays");
            }
        }
    }

    /// Whether `presented` is the token (constant time over the hashes).
    pub fn check(&self, presented: &str) -> bool {
        self.refresh();
        let d = digest(presented);
        let h = *self.hash.lock().unwrap_or_else(|p| p.into_inner());
        let mut acc = 0u8;
        for (a, b) in d.iter().zip(h) {
            acc |= a ^ b;
        }
        std::hint::black_box(acc) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_binds_context() {
        let k = DataKey::ephemeral();
        let s = k.seal("ep_1", b"whsec_x");
        assert_eq!(k.open("ep_1", &s).unwrap(), b"whsec_x");
        assert!(k.open("ep_2", &s).is_err());
        assert!(DataKey::ephemeral().open("ep_1", &s).is_err());
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "hs-crypto-{name}-{}-{}",
            std::process::id(),
            crate::clock::now_ms()
        ));
        ensure_data_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn token_written_only_on_commit_and_once() {
        let dir = tempdir("token");
        let t = AdminToken::load(&dir, None).unwrap();
        assert!(
            !dir.join(TOKEN_FILE).exists(),
            "nothing written before commit"
        );
        // A start that fails before commit consumes nothing: the next start
        // makes its own.
        drop(t);
        let t = AdminToken::load(&dir, None).unwrap();
        let token = t.commit().unwrap().unwrap();
        assert!(t.check(&token) && !t.check("nope"));
        assert_eq!(t.commit().unwrap(), None, "shown once");
        let again = AdminToken::load(&dir, None).unwrap();
        assert_eq!(again.commit().unwrap(), None);
        assert!(again.check(&token));
        DataKey::load_or_create(&dir, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [KEY_FILE, TOKEN_FILE] {
                let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_rotation_reaches_a_running_server() {
        let dir = tempdir("rotate");
        let t = AdminToken::load(&dir, None).unwrap();
        let old = t.commit().unwrap().unwrap();
        let new = AdminToken::rotate(&dir).unwrap();
        assert_ne!(old, new);
        // Within a second the running server's check follows the file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !t.check(&new) {
            assert!(
                std::time::Instant::now() < deadline,
                "rotation not picked up"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(!t.check(&old));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_supplied_token_file() {
        let dir = tempdir("supplied");
        let f = dir.join("tok");
        std::fs::write(&f, "short\n").unwrap();
        assert!(AdminToken::load(&dir, Some(&f)).is_err());
        std::fs::write(&f, "hs_admin_supplied_by_the_operator_123\nignored").unwrap();
        let t = AdminToken::load(&dir, Some(&f)).unwrap();
        assert!(t.check("hs_admin_supplied_by_the_operator_123"));
        assert_eq!(t.commit().unwrap(), None);
        assert!(
            !dir.join(TOKEN_FILE).exists(),
            "a supplied token is not stored"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_key_is_refused_and_left_alone() {
        let dir = tempdir("key");
        for len in [0usize, 16, 33] {
            std::fs::write(dir.join(KEY_FILE), vec![7u8; len]).unwrap();
            let e = DataKey::load_or_create(&dir, true)
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.contains(&format!("is {len} bytes")) && e.contains("backup"),
                "{e}"
            );
            assert_eq!(
                std::fs::read(dir.join(KEY_FILE)).unwrap().len(),
                len,
                "untouched"
            );
        }
        std::fs::remove_file(dir.join(KEY_FILE)).unwrap();
        // No key and one may not be made: an error, not a fresh key.
        assert!(DataKey::load_or_create(&dir, false).is_err());
        assert!(!dir.join(KEY_FILE).exists());
        // A temporary file an interrupted write left is cleaned up; the key
        // is made whole.
        std::fs::write(dir.join(".data.key.tmp-abcdef"), b"partial").unwrap();
        remove_interrupted_writes(&dir);
        assert!(!dir.join(".data.key.tmp-abcdef").exists());
        DataKey::load_or_create(&dir, true).unwrap();
        assert_eq!(std::fs::read(dir.join(KEY_FILE)).unwrap().len(), 32);
        assert!(write_atomically(&dir.join(KEY_FILE), &[0; 32], false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
