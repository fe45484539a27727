//! `hookseal keys`.

use clap::Subcommand;
use hookseal::keys::{generate, KeyKind};

use crate::Failure;

#[derive(Subcommand, Debug)]
pub(crate) enum KeysCommand {
    /// Generate a secret or key pair. Prints `secret: …` (keep private) and, for
    /// key pairs, `public: …` (give to receivers).
    Generate {
        /// whsec (Standard Webhooks HMAC, default), hmac (text secret),
        /// standard-ed25519 (whsk_/whpk_), ed25519 (hex, Discord-style), p256 (PKCS#8 PEM + SPKI).
        #[arg(long, default_value = "whsec")]
        kind: String,
    },
}

pub(crate) fn run(cmd: KeysCommand) -> Result<(), Failure> {
    match cmd {
        KeysCommand::Generate { kind } => {
            let k = KeyKind::parse(&kind).ok_or_else(|| {
                let names: Vec<&str> = KeyKind::ALL.iter().map(|(n, _)| *n).collect();
                Failure::Usage(format!("--kind {kind:?}: use one of {}", names.join(", ")))
            })?;
            let key = generate(k);
            if key.secret.contains('\n') {
                out!("secret: |\n{}", indent(&key.secret).trim_end());
            } else {
                out!("secret: {}", key.secret);
            }
            if let Some(p) = key.public {
                out!("public: {p}");
            }
            Ok(())
        }
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
