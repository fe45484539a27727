//! The `hookseal` command.
//!
//! Exit codes are a contract (see DESIGN.md): 0 verified/done, 1 rejected
//! (stderr starts with the stable reason code), 2 usage or configuration error.

/// `println!` that stops quietly when stdout is closed (`hookseal providers | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if writeln!(o, $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod admin_token;
mod args;
mod keys;
mod providers;
mod serve;
mod sign;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sign and verify webhooks of any provider.
#[derive(Parser)]
#[command(name = "hookseal", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a webhook: exit 0 and print "ok …" when it passes, exit 1 with a reason code when not.
    Verify(verify::VerifyArgs),
    /// Sign a body: print the headers to send, one "Name: value" per line.
    Sign(sign::SignArgs),
    /// Generate keys and secrets.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// List the provider presets and what each checks.
    Providers(providers::ProvidersArgs),
    /// Run the webhook server: a signed, durable delivery queue on an embedded SQLite file.
    Serve(serve::ServeArgs),
    /// The server's admin token: rotate it, or make one to supply.
    AdminToken {
        #[command(subcommand)]
        command: admin_token::AdminTokenCommand,
    },
}

/// A failure that maps to an exit code.
pub(crate) enum Failure {
    /// The webhook was refused (exit 1).
    Rejected(hookseal::Rejection),
    /// Usage or configuration error (exit 2).
    Usage(String),
    /// The server failed while running (exit 1).
    Runtime(String),
}

impl From<hookseal::ConfigError> for Failure {
    fn from(e: hookseal::ConfigError) -> Self {
        Failure::Usage(e.to_string())
    }
}

impl From<hookseal::SignError> for Failure {
    fn from(e: hookseal::SignError) -> Self {
        Failure::Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(a) => verify::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Keys { command } => keys::run(command),
        Command::Providers(a) => providers::run(a),
        Command::Serve(a) => serve::run(a),
        Command::AdminToken { command } => admin_token::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(r)) => {
            eprintln!("{}: {}", r.reason().code(), r.detail());
            ExitCode::from(1)
        }
        Err(Failure::Runtime(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
