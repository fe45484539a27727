//! Secrets at rest: a data-encryption key and the admin token, both created on
//! first start in the data directory with owner-only permissions.
//!
//! Endpoint secrets are sealed with AES-256-GCM under the data key before they
//! reach the database, so a copy of the database alone reveals no secret. The
//! admin token is stored only as its SHA-256; it is printed once, at creation.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

const KEY_FILE: &str = "data.key";
const TOKEN_FILE: &str = "admin-token.sha256";

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
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

/// The key that seals secrets at rest.
pub struct DataKey(LessSafeKey);

impl DataKey {
    /// Loads `data.key`, creating it on first start.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<DataKey> {
        let path = dir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut k = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut k)
                    .map_err(|_| anyhow::anyhow!("no randomness"))?;
                write_private(&path, &k)?;
                k.to_vec()
            }
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        };
        anyhow::ensure!(bytes.len() == 32, "{} is not a 32-byte key", path.display());
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| anyhow::anyhow!("bad key"))?;
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
            .map_err(|_| {
                anyhow::anyhow!("secret does not open under the data key (wrong data.key?)")
            })?;
        Ok(plain.to_vec())
    }
}

/// The admin API's bearer token, held as its SHA-256.
pub struct AdminToken([u8; 32]);

impl AdminToken {
    /// Loads the token hash; on first start creates a token and returns it (once).
    pub fn load_or_create(dir: &Path) -> anyhow::Result<(AdminToken, Option<String>)> {
        let path = dir.join(TOKEN_FILE);
        match std::fs::read(&path) {
            Ok(b) => {
                let h: [u8; 32] = b
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("{} is corrupt", path.display()))?;
                Ok((AdminToken(h), None))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut raw = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut raw)
                    .map_err(|_| anyhow::anyhow!("no randomness"))?;
                let token = format!(
                    "hs_admin_{}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
                );
                let t = AdminToken::from_token(&token);
                write_private(&path, &t.0)?;
                Ok((t, Some(token)))
            }
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// The token with this plaintext.
    pub fn from_token(token: &str) -> AdminToken {
        let d = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let mut h = [0u8; 32];
        h.copy_from_slice(d.as_ref());
        AdminToken(h)
    }

    /// Whether `presented` is the token (constant time over the hashes).
    pub fn check(&self, presented: &str) -> bool {
        let d = ring::digest::digest(&ring::digest::SHA256, presented.as_bytes());
        let mut acc = 0u8;
        for (a, b) in d.as_ref().iter().zip(self.0) {
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

    #[test]
    fn token_created_once_with_private_files() {
        let dir = std::env::temp_dir().join(format!("hs-crypto-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ensure_data_dir(&dir).unwrap();
        let (t, printed) = AdminToken::load_or_create(&dir).unwrap();
        let token = printed.unwrap();
        assert!(t.check(&token) && !t.check("nope"));
        let (t2, again) = AdminToken::load_or_create(&dir).unwrap();
        assert!(again.is_none() && t2.check(&token));
        DataKey::load_or_create(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
