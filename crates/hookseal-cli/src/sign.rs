//! `hookseal sign`.

use clap::Args;
use hookseal::Outgoing;

use crate::args::{read_body, SchemeArgs};
use crate::Failure;

#[derive(Args, Debug)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    scheme: SchemeArgs,

    /// The body to send: a file path, or - for stdin.
    #[arg(long, value_name = "PATH|-")]
    body_file: String,

    /// The message id (default: a fresh random msg_… id).
    #[arg(long)]
    id: Option<String>,

    /// The signing time as Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    timestamp: Option<i64>,
}

pub(crate) fn run(a: SignArgs) -> Result<(), Failure> {
    let resolved = a.scheme.resolve()?;
    let secrets = a.scheme.all_secrets()?;
    let signer = resolved.spec.signer(&secrets)?;
    let body = read_body(&a.body_file)?;
    let id = a.id.clone().unwrap_or_else(|| {
        let mut b = [0u8; 12];
        hookseal::keys::random(&mut b);
        format!("msg_{}", hookseal::codec::hex_encode(&b))
    });
    if id.contains(['\r', '\n']) {
        return Err(Failure::Usage("--id must be one line".into()));
    }
    let msg = Outgoing {
        id: &id,
        timestamp: a.timestamp.unwrap_or_else(hookseal::time::now_unix),
        body: &body,
        url: a.scheme.url.as_deref().unwrap_or(""),
        method: &a.scheme.method,
    };
    for (name, value) in signer.sign(&msg)? {
        out!("{name}: {value}");
    }
    Ok(())
}
