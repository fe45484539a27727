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

/// Where a scheme reads its timestamp from the JSON body, if it does:
/// `{"field": "webhookTimestamp", "format": "unix_millis"}`.
fn body_timestamp(scheme: &hookseal::SchemeSpec) -> Option<serde_json::Value> {
    match scheme {
        hookseal::SchemeSpec::Hmac(h) => match &h.timestamp {
            hookseal::scheme::TimestampSource::JsonBody { field, format } => {
                Some(serde_json::json!({ "field": field, "format": format }))
            }
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn run(a: ProvidersArgs) -> Result<(), Failure> {
    for p in PRESETS {
        if a.json {
            let v = serde_json::json!({
                "name": p.name,
                "title": p.title,
                "checks": p.describe(),
                "scheme": p.scheme.kind(),
                "key": p.scheme.key_kind().name(),
                "headers": p.scheme.headers(),
                "tolerance": p.scheme.signs_time().then_some(p.tolerance),
                "allow_ips": p.allow_ips,
                "handshake": p.handshake.map(|h| h.describe()),
                "body_timestamp": body_timestamp(&p.scheme),
                "secret": p.secret_hint,
            });
            out!("{v}");
        } else {
            out!("{:<18} {}", p.name, p.title);
            out!("{:<18}   checks: {}", "", p.describe());
            if p.scheme.signs_time() {
                out!("{:<18}   window: ±{} s", "", p.tolerance);
            }
            if let Some(h) = p.handshake {
                out!("{:<18}   handshake: {}", "", h.describe());
            }
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
