//! `hookseal verify`.

use std::net::IpAddr;

use clap::Args;
use hookseal::{IpMode, Policy, Request};

use crate::args::{parse_header, read_body, SchemeArgs};
use crate::Failure;

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    scheme: SchemeArgs,

    /// A received header, 'Name: value'; repeatable.
    #[arg(long = "header", value_name = "'Name: value'")]
    headers: Vec<String>,

    /// The raw body as received: a file path, or - for stdin.
    #[arg(long, value_name = "PATH|-")]
    body_file: String,

    /// The current time as Unix seconds (to check a recorded request later).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,

    /// Allowed clock difference in seconds, both directions (default: the provider's, else 300).
    #[arg(long, value_name = "SECONDS")]
    tolerance: Option<i64>,

    /// The sender's address: turns on the provider's published ranges and --allow-ip.
    #[arg(long, value_name = "IP")]
    remote_ip: Option<String>,

    /// An allowed source range (CIDR or address); repeatable. Needs --remote-ip.
    #[arg(long = "allow-ip", value_name = "CIDR")]
    allow_ips: Vec<String>,

    /// A header that must be present with exactly this value, 'Name: value'; repeatable.
    #[arg(long = "require-header", value_name = "'Name: value'")]
    require_headers: Vec<String>,
}

pub(crate) fn run(a: VerifyArgs) -> Result<(), Failure> {
    let resolved = a.scheme.resolve()?;
    let secrets = a.scheme.all_secrets()?;
    let headers = a
        .headers
        .iter()
        .map(|h| parse_header(h, "--header"))
        .collect::<Result<Vec<_>, _>>()?;
    let remote_ip = match &a.remote_ip {
        None => None,
        Some(ip) => Some(
            ip.trim()
                .parse::<IpAddr>()
                .map_err(|_| Failure::Usage(format!("--remote-ip {ip:?} is not an IP address")))?,
        ),
    };
    if remote_ip.is_none() && !a.allow_ips.is_empty() {
        return Err(Failure::Usage(
            "--allow-ip applies to the sender's address: give it with --remote-ip".into(),
        ));
    }
    let tolerance = a
        .tolerance
        .or(resolved.preset.map(|p| p.tolerance))
        .unwrap_or(hookseal::DEFAULT_TOLERANCE);
    let mut builder = Policy::builder(resolved.spec)
        .secrets(secrets)
        .tolerance(tolerance)
        .ip_mode(IpMode::WhenKnown);
    if remote_ip.is_some() {
        if let Some(p) = resolved.preset {
            for r in p.allow_ips {
                builder = builder.allow_ip(*r);
            }
        }
        for r in &a.allow_ips {
            builder = builder.allow_ip(r.clone());
        }
    }
    for h in &a.require_headers {
        let (n, v) = parse_header(h, "--require-header")?;
        builder = builder.require_header(n, v);
    }
    let policy = builder.build()?;
    let body = read_body(&a.body_file)?;
    let url = a.scheme.url.as_deref().unwrap_or("");
    let mut req = Request::new(&headers, &body)
        .with_url(url)
        .with_method(&a.scheme.method);
    if let Some(ip) = remote_ip {
        req = req.with_remote_ip(ip);
    }
    let now = a.now.unwrap_or_else(hookseal::time::now_unix);
    let v = policy.verify(&req, now).map_err(Failure::Rejected)?;
    let mut line = format!("ok provider={}", a.scheme.provider.trim());
    if let Some(id) = &v.id {
        line.push_str(&format!(" id={}", id.escape_debug()));
    }
    if let Some(ts) = v.timestamp {
        line.push_str(&format!(" timestamp={ts}"));
    }
    line.push_str(&format!(" bytes={}", v.body.len()));
    out!("{line}");
    Ok(())
}
