//! `hookseal admin-token`: the admin API's token, outside the server.

use std::path::PathBuf;

use clap::Subcommand;

use crate::Failure;

#[derive(Subcommand, Debug)]
pub(crate) enum AdminTokenCommand {
    /// Replace the token of a data directory and print the new one. A running
    /// server takes it within a second; the old token stops working.
    Rotate {
        /// The server's data directory (server.data_dir); by default the one
        /// the configuration names.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The configuration to read server.data_dir from.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print a new random token, for a file named by server.admin_token_file.
    New,
}

pub(crate) fn run(c: AdminTokenCommand) -> Result<(), Failure> {
    match c {
        AdminTokenCommand::Rotate { data_dir, config } => {
            let dir = match data_dir {
                Some(d) => d,
                None => {
                    hookseal_server::config::Config::load(config.as_deref(), std::env::vars())
                        .map_err(|e| Failure::Usage(format!("{e:#}")))?
                        .server
                        .data_dir
                }
            };
            let token = hookseal_server::crypto::AdminToken::rotate(&dir)
                .map_err(|e| Failure::Usage(format!("{e:#}")))?;
            out!("{token}");
        }
        AdminTokenCommand::New => {
            let token = hookseal_server::crypto::new_token()
                .map_err(|e| Failure::Runtime(format!("{e:#}")))?;
            out!("{token}");
        }
    }
    Ok(())
}
