//! The `hookseal` binary's tests, as one test binary (one link): the CLI
//! contract, the server (`serve`), the gateway, the hardening holes, the
//! upgrade of a data directory from the previous release.

#![allow(dead_code)]

mod cli;
mod common;
mod gateway;
mod hardening;
mod sender;
mod serve;
mod tenancy;
