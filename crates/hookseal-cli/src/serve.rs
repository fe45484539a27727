//! `hookseal serve`: the webhook server.

use std::path::PathBuf;

use clap::Args;

use crate::Failure;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// A TOML file layered over the built-in defaults (`hookseal serve --print-config`
    /// shows every option). HOOKSEAL_<SECTION>__<KEY> variables override both.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Print the commented default configuration and exit.
    #[arg(long)]
    print_config: bool,
}

pub(crate) fn run(a: ServeArgs) -> Result<(), Failure> {
    if a.print_config {
        out!("{}", hookseal_server::config::DEFAULT_TOML.trim_end());
        return Ok(());
    }
    let cfg = hookseal_server::config::Config::load(a.config.as_deref(), std::env::vars())
        .map_err(|e| Failure::Usage(format!("{e:#}")))?;
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log.filter)
        .map_err(|e| Failure::Usage(format!("log.filter: {e}")))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))?;
    rt.block_on(hookseal_server::run(cfg))
        .map_err(|e| Failure::Runtime(format!("{e:#}")))
}
