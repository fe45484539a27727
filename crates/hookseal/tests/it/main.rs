//! Integration tests, one binary (links once).

#[cfg(feature = "axum")]
mod axum;
mod jwt;
mod policy;
mod props;
mod published;
mod rfc9421;
mod support;
mod vectors;
