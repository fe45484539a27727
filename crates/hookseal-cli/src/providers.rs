//! `hookseal providers`.

use clap::Args;
use hookseal::PRESETS;

use crate::Failure;

#[derive(Args, Debug)]
pub(crate) struct ProvidersArgs {
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(a: ProvidersArgs) -> Result<(), Failure> {
    for p in PRESETS {
        if a.json {
            let v = serde_json::json!({
                "name": p.name,
                "title": p.title,
                "checks": p.describe(),
                "tolerance": p.tolerance,
                "allow_ips": p.allow_ips,
                "secret": p.secret_hint,
            });
            out!("{v}");
        } else {
            out!("{:<18} {}", p.name, p.title);
            out!("{:<18}   checks: {}", "", p.describe());
            out!("{:<18}   secret: {}", "", p.secret_hint);
        }
    }
    if !a.json {
        out!();
        out!(
            "generic: hmac (--signature-header, --algorithm, --encoding, --prefix, --content, …),"
        );
        out!("         jwt, token (--token-header), ed25519, ecdsa-p256 — see `hookseal verify --help`");
    }
    Ok(())
}
