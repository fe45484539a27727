//! A source's definition (from `[[sources]]` or the admin API), how it is stored
//! (sealed), and how it becomes a [`Live`] policy.

use std::collections::BTreeMap;

use hookseal::scheme::options::Names;
use hookseal::{IpMode, Policy};
use serde::{Deserialize, Serialize};

use super::Live;
pub use crate::config::{ForwardHeaders, ForwardTarget, SourceConfig};
use crate::crypto::DataKey;
use crate::metrics::Metrics;
use crate::store::{ConfigEndpoint, Endpoint, SealedSecret, SourceRow};

/// A new source as the API takes it: a definition with its secrets inline,
/// without what only the config file may declare (`forward`, `secret_env`,
/// `secret_files`).
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct SourceIn(pub SourceConfig);

/// A replacement definition: as [`SourceIn`] without secrets (rotate them)
/// and without a name (the path names the source).
#[derive(Debug, Clone)]
pub struct SourceUpdate(pub SourceConfig);

impl<'de> Deserialize<'de> for SourceUpdate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        for (field, why) in [
            ("name", "the path names the source; leave name out"),
            (
                "secrets",
                "change them with POST /api/v1/sources/{name}/secrets/rotate",
            ),
        ] {
            if v.get(field).is_some() {
                return Err(D::Error::custom(format!("{field}: {why}")));
            }
        }
        SourceConfig::deserialize(v)
            .map(SourceUpdate)
            .map_err(D::Error::custom)
    }
}

/// The definition's schema with some properties left out (and, for a new
/// source, `secrets` required).
fn schema_without(
    drop: &[&str],
    secrets_required: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let mut s = <SourceConfig as utoipa::PartialSchema>::schema();
    if let RefOr::T(Schema::Object(o)) = &mut s {
        for p in drop {
            o.properties.shift_remove(*p);
            o.required.retain(|r| r != p);
        }
        if secrets_required {
            // Write-only (never shown), so absent from the definition's schema.
            use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
            o.properties.insert(
                "secrets".into(),
                RefOr::T(Schema::Array(
                    ArrayBuilder::new()
                        .items(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)))
                        .min_items(Some(1))
                        .description(Some(
                            "The provider's secrets or keys, in its form (several while it rotates)",
                        ))
                        .build(),
                )),
            );
            o.required.push("secrets".into());
            o.required.push("name".into());
        }
    }
    s
}

impl utoipa::PartialSchema for SourceIn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema_without(&["forward", "secret_env", "secret_files"], true)
    }
}

impl utoipa::ToSchema for SourceIn {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <SourceConfig as utoipa::ToSchema>::schemas(schemas);
    }
}

impl utoipa::PartialSchema for SourceUpdate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema_without(
            &["forward", "secret_env", "secret_files", "secrets", "name"],
            false,
        )
    }
}

impl utoipa::ToSchema for SourceUpdate {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <SourceConfig as utoipa::ToSchema>::schemas(schemas);
    }
}

impl ForwardHeaders {
    /// Whether this (lowercase) header passes, given the source's required headers.
    pub fn passes(&self, name: &str, required: &BTreeMap<String, String>) -> bool {
        let chosen = match self {
            ForwardHeaders::All(all) => *all,
            ForwardHeaders::Only(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
        };
        chosen && super::passable(name, required)
    }
}

/// The context sealed values of a source are bound to.
fn context(name: &str) -> String {
    format!("source:{name}")
}

impl SourceConfig {
    /// How long an unbounded id is remembered (seconds).
    pub fn dedup_secs(&self) -> i64 {
        self.dedup_secs
            .unwrap_or(hookseal::policy::DEFAULT_REPLAY_TTL)
    }

    /// The headers carrying the source's proof (lowercase).
    pub fn credential_headers(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .resolved()?
            .spec
            .credential_headers()
            .into_iter()
            .map(str::to_ascii_lowercase)
            .collect())
    }

    /// The source's scheme with its options applied.
    fn resolved(&self) -> anyhow::Result<hookseal::scheme::options::Resolved> {
        let n = &self.name;
        let mut opts = self.scheme.clone().unwrap_or_default();
        if opts.provider.is_empty() {
            opts.provider = self.provider.clone();
        }
        anyhow::ensure!(
            opts.provider.eq_ignore_ascii_case(&self.provider),
            "source {n}: scheme.provider differs from provider"
        );
        opts.resolve(Names::Keys)
            .map_err(|e| anyhow::anyhow!("source {n}: {e}"))
    }

    /// Checks a definition being accepted (from the config file or the API)
    /// and builds its policy with `secrets`: [`SourceConfig::policy`], and a
    /// `forward_headers` list may name no header that is never passed on.
    /// (Stored definitions are built with `policy` alone, so one accepted
    /// before a header joined that set still loads; the header is withheld
    /// when forwarding all the same.)
    pub fn validate(&self, secrets: &[String]) -> anyhow::Result<Policy> {
        let policy = self.policy(secrets)?;
        let n = &self.name;
        if let ForwardHeaders::Only(names) = &self.forward_headers {
            let proof = self.credential_headers()?;
            for h in names {
                let lower = h.to_ascii_lowercase();
                anyhow::ensure!(
                    http::HeaderName::from_bytes(lower.as_bytes()).is_ok(),
                    "source {n}: forward_headers: {h:?} is not a header name"
                );
                anyhow::ensure!(
                    super::passable(&lower, &self.required_headers),
                    "source {n}: forward_headers: {h} is never passed on (credentials, \
                     signatures, required headers and per-connection headers stay here)"
                );
                anyhow::ensure!(
                    !proof.contains(&lower),
                    "source {n}: forward_headers: {h} carries the provider's proof and is never passed on"
                );
            }
        }
        Ok(policy)
    }

    /// Checks the definition's settings and builds its policy with `secrets`.
    pub fn policy(&self, secrets: &[String]) -> anyhow::Result<Policy> {
        let n = &self.name;
        anyhow::ensure!(
            !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "source name {n:?}: use 1-64 letters, digits, '-' or '_'"
        );
        anyhow::ensure!(
            (1024..=64 * 1024 * 1024).contains(&self.max_body_bytes),
            "source {n}: max_body_bytes must be within 1 KiB..=64 MiB"
        );
        anyhow::ensure!(
            (1..=3650).contains(&self.retention_days),
            "source {n}: retention_days must be within 1..=3650"
        );
        if let Some(t) = self.tolerance_secs {
            anyhow::ensure!(
                (1..=86_400).contains(&t),
                "source {n}: tolerance_secs must be within 1..=86400"
            );
        }
        if let Some(at) = &self.event_type {
            at.check().map_err(|e| anyhow::anyhow!("source {n}: {e}"))?;
        }
        if let Some(t) = &self.verify_token {
            anyhow::ensure!(
                (1..=256).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_graphic()),
                "source {n}: verify_token: 1-256 visible ASCII characters"
            );
        }
        if let Some(d) = self.dedup_secs {
            anyhow::ensure!(
                (60..=30 * 86_400).contains(&d),
                "source {n}: dedup_secs must be within 60..=2592000"
            );
        }
        let resolved = self.resolved()?;
        anyhow::ensure!(
            !secrets.is_empty(),
            "source {n}: no secret (give secrets, secret_env or secret_files)"
        );
        if resolved.spec.needs_url() {
            let u = self.public_url.as_deref().unwrap_or("");
            anyhow::ensure!(
                u.starts_with("https://") || u.starts_with("http://"),
                "source {n}: {} signs the request URL: set public_url to the origin providers call, e.g. https://hooks.example.com",
                self.provider
            );
        }
        let tolerance = self
            .tolerance_secs
            .or(resolved.preset.map(|p| p.tolerance))
            .unwrap_or(hookseal::DEFAULT_TOLERANCE);
        let mut b = Policy::builder(resolved.spec)
            .source(n.clone())
            .secrets(secrets.iter().cloned())
            .tolerance(tolerance)
            .ip_mode(IpMode::Required)
            .replay_ttl(self.dedup_secs());
        if self.provider_ips {
            if let Some(p) = resolved.preset {
                for r in p.allow_ips {
                    b = b.allow_ip(*r);
                }
            }
        }
        for r in &self.allow_ips {
            b = b.allow_ip(r.clone());
        }
        for (h, v) in &self.required_headers {
            b = b.require_header(h.clone(), v.clone());
        }
        b.build().map_err(|e| anyhow::anyhow!("source {n}: {e}"))
    }

    /// Every secret: inline, from the environment, from files.
    pub fn collect_secrets(&self) -> anyhow::Result<Vec<String>> {
        let mut out = self.secrets.clone();
        for var in &self.secret_env {
            out.push(std::env::var(var).map_err(|_| {
                anyhow::anyhow!(
                    "source {}: environment variable {var} is not set",
                    self.name
                )
            })?);
        }
        for f in &self.secret_files {
            let t = std::fs::read_to_string(f).map_err(|e| {
                anyhow::anyhow!("source {}: cannot read {}: {e}", self.name, f.display())
            })?;
            out.push(t.trim_end_matches(['\n', '\r']).to_string());
        }
        Ok(out)
    }

    /// The definition sealed for storage, without its secrets (those are sealed
    /// one by one).
    fn sealed(&self, key: &DataKey) -> anyhow::Result<Vec<u8>> {
        let mut def = self.clone();
        def.secrets.clear();
        Ok(key.seal(&context(&self.name), &serde_json::to_vec(&def)?))
    }

    /// The stored row: the definition sealed (secrets apart), each secret sealed.
    pub fn to_row(
        &self,
        secrets: &[String],
        key: &DataKey,
        from_config: bool,
        now: i64,
    ) -> anyhow::Result<SourceRow> {
        Ok(SourceRow {
            name: self.name.clone(),
            sealed_def: self.sealed(key)?,
            from_config,
            // Stored newest first: the first listed counts as the newest.
            secrets: secrets
                .iter()
                .enumerate()
                .map(|(i, s)| seal_secret(key, &self.name, s, now - i as i64))
                .collect(),
            created_at: now,
            updated_at: now,
        })
    }

    /// The endpoints a config-declared source forwards to, with stable ids.
    pub fn config_endpoints(&self, key: &DataKey, now: i64) -> anyhow::Result<Vec<ConfigEndpoint>> {
        let mut out = Vec::new();
        for t in &self.forward {
            let digest = ring::digest::digest(&ring::digest::SHA256, t.url.as_bytes());
            let id = format!(
                "ep_cfg_{}_{}",
                self.name,
                hookseal::codec::hex_encode(&digest.as_ref()[..6])
            );
            let secret = match (&t.secret, &t.secret_env) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                    anyhow::anyhow!(
                        "source {}: environment variable {var} is not set",
                        self.name
                    )
                })?),
                (None, None) => None,
            };
            let seal = |s: &str| SealedSecret {
                sealed: key.seal(&id, s.as_bytes()),
                created_at: now,
                expires_at: None,
            };
            let generated = t.scheme.generate_secret();
            out.push(ConfigEndpoint {
                endpoint: Endpoint {
                    id: id.clone(),
                    // A forward belongs to the operator, not to an application.
                    app_id: String::new(),
                    uid: None,
                    channels: None,
                    metadata: Default::default(),
                    url: t.url.clone(),
                    description: format!("forwards source {}", self.name),
                    event_types: t.event_types.clone(),
                    headers: t.headers.clone(),
                    scheme: t.scheme.clone().normalized(),
                    rate_limit: None,
                    max_concurrency: None,
                    enabled: true,
                    source: Some(self.name.clone()),
                    from_config: true,
                    disabled_reason: None,
                    failing_since: None,
                    created_at: now,
                    updated_at: now,
                },
                secret: secret.as_deref().map(seal),
                generated: seal(&generated),
            });
        }
        Ok(out)
    }
}

/// Opens a stored source and builds it.
/// A stored source's definition, opened.
/// The retention (days) of a stored source that does not build, if its
/// definition still opens.
pub fn retention_of_unbuilt(row: &SourceRow, key: &DataKey) -> Option<u32> {
    open_def(row, key).ok().map(|d| d.retention_days)
}

fn open_def(row: &SourceRow, key: &DataKey) -> anyhow::Result<SourceConfig> {
    Ok(serde_json::from_slice(
        &key.open(&context(&row.name), &row.sealed_def)?,
    )?)
}

/// A stored source's secrets still live at `now`, opened, newest first.
fn live_secrets(row: &SourceRow, key: &DataKey, now: i64) -> anyhow::Result<Vec<String>> {
    let ctx = context(&row.name);
    row.secrets
        .iter()
        .filter(|s| s.expires_at.is_none_or(|e| e > now))
        .map(|s| Ok(String::from_utf8(key.open(&ctx, &s.sealed)?)?))
        .collect()
}

pub fn build(row: &SourceRow, key: &DataKey, metrics: &Metrics, now: i64) -> anyhow::Result<Live> {
    let def = open_def(row, key)?;
    let secrets = live_secrets(row, key, now)?;
    // The first live secret to expire is when the source is rebuilt.
    let rebuild_at = row
        .secrets
        .iter()
        .filter_map(|s| s.expires_at)
        .filter(|e| *e > now)
        .min();
    let policy = def.policy(&secrets)?;
    let withheld = def.credential_headers()?;
    let preset = hookseal::provider::find(&def.provider);
    let event_type = def
        .event_type
        .clone()
        .or_else(|| preset.and_then(|p| p.event_type.clone()));
    let handshake = match preset.and_then(|p| p.handshake) {
        Some(h) if !secrets.is_empty() => Some((
            h,
            secrets
                .iter()
                .map(|s| Ok((s.clone(), def.policy(std::slice::from_ref(s))?)))
                .collect::<anyhow::Result<Vec<_>>>()?,
        )),
        _ => None,
    };
    Ok(Live {
        counters: metrics.source(&def.name),
        def,
        policy,
        handshake,
        event_type,
        rebuild_at,
        withheld,
    })
}

/// A replacement definition for a stored source, checked against its live
/// secrets and sealed; the name cannot change.
pub fn replacement(
    row: &SourceRow,
    key: &DataKey,
    def: &SourceConfig,
    now: i64,
) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(def.name == row.name, "name: a source cannot be renamed");
    def.validate(&live_secrets(row, key, now)?)?;
    def.sealed(key)
}

/// Whether `secret` fits a stored source's scheme (a rotation's new secret).
pub fn check_secret(row: &SourceRow, key: &DataKey, secret: &str) -> anyhow::Result<()> {
    open_def(row, key)?
        .policy(&[secret.to_string()])
        .map(|_| ())
}

/// A source as the API shows it: its definition (required header values
/// hidden, secrets never shown), where it is, and its live secrets' times.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceOut {
    #[serde(flatten)]
    pub def: SourceConfig,
    /// Declared in the config file (then read-only through the API).
    pub from_config: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The live secrets (several during a rotation), without their values.
    pub secrets: Vec<SourceSecretOut>,
    /// Where providers send: `/in/{name}`.
    pub path: String,
    /// Stored events (on a single source's answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<i64>,
}

/// A source secret's times.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceSecretOut {
    pub created_at: i64,
    /// When it stops verifying (ms), once rotated out.
    pub expires_at: Option<i64>,
}

/// A source as the API shows it.
pub fn view(row: &SourceRow, key: &DataKey, now: i64) -> anyhow::Result<SourceOut> {
    let mut def = open_def(row, key)?;
    for v in def.required_headers.values_mut() {
        *v = "(hidden)".into();
    }
    Ok(SourceOut {
        def,
        from_config: row.from_config,
        created_at: row.created_at,
        updated_at: row.updated_at,
        secrets: row
            .secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|e| e > now))
            .map(|s| SourceSecretOut {
                created_at: s.created_at,
                expires_at: s.expires_at,
            })
            .collect(),
        path: format!("/in/{}", row.name),
        events: None,
    })
}

/// Seals one secret for a source.
pub fn seal_secret(key: &DataKey, name: &str, secret: &str, now: i64) -> SealedSecret {
    SealedSecret {
        sealed: key.seal(&context(name), secret.as_bytes()),
        created_at: now,
        expires_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(extra: &str) -> SourceConfig {
        toml::from_str(&format!(
            "name = \"gh\"\nprovider = \"github\"\nrequired_headers = {{ \"X-Shared\" = \"v\" }}\n{extra}"
        ))
        .unwrap()
    }

    #[test]
    fn forward_headers_all_none_or_a_list_and_never_credentials() {
        let none = BTreeMap::new();
        let d = def("");
        assert_eq!(d.forward_headers, ForwardHeaders::All(false));
        assert!(!d.forward_headers.any());
        let all = def("forward_headers = true").forward_headers;
        assert!(all.passes("x-github-event", &none));
        assert!(!all.passes("x-hub-signature-256", &none));
        assert!(!all.passes("authorization", &none));
        let d = def(r#"forward_headers = ["X-GitHub-Event", "X-GitHub-Delivery"]"#);
        assert!(d.forward_headers.any());
        assert!(d.forward_headers.passes("x-github-event", &none));
        assert!(d.forward_headers.passes("x-github-delivery", &none));
        assert!(!d.forward_headers.passes("x-trace", &none));
        assert!(d.validate(&["s".into()]).is_ok());
        // Stored definitions from before the list form still read.
        let old: SourceConfig = serde_json::from_value(
            serde_json::json!({ "name": "gh", "provider": "github", "forward_headers": true }),
        )
        .unwrap();
        assert_eq!(old.forward_headers, ForwardHeaders::All(true));

        for (list, says) in [
            (r#"["Authorization"]"#, "Authorization is never passed on"),
            (r#"["X-Hub-Signature-256"]"#, "never passed on"),
            (r#"["x-shared"]"#, "never passed on"),
            (r#"["Connection"]"#, "never passed on"),
            (r#"["bad name"]"#, "not a header name"),
            (r#"["x-forwarded-for"]"#, "never passed on"),
        ] {
            let d = def(&format!("forward_headers = {list}"));
            let e = d.validate(&["s".into()]).unwrap_err().to_string();
            assert!(e.contains(says), "{list}: {e}");
            // A stored definition that names one still builds (an upgrade
            // must not take a source down); the header is withheld anyway.
            if !says.contains("not a header name") {
                assert!(d.policy(&["s".into()]).is_ok(), "{list}");
            }
        }
    }

    /// A generic scheme's proof header is held back whatever its name (no
    /// credential hint in `X-Erp-Pass`), and a list cannot name it.
    #[test]
    fn the_schemes_own_proof_header_is_never_passed_on() {
        let erp = |extra: &str| -> SourceConfig {
            toml::from_str(&format!(
                "name = \"erp\"\nprovider = \"token\"\nscheme = {{ token_header = \"X-Erp-Pass\" }}\n{extra}"
            ))
            .unwrap()
        };
        assert_eq!(erp("").credential_headers().unwrap(), ["x-erp-pass"]);
        let e = erp(r#"forward_headers = ["X-Erp-Pass"]"#)
            .validate(&["s".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("carries the provider's proof"), "{e}");
        assert!(erp(r#"forward_headers = ["X-Erp-Event"]"#)
            .validate(&["s".into()])
            .is_ok());
        let hmac = |extra: &str| -> SourceConfig {
            toml::from_str(&format!(
                "name = \"h\"\nprovider = \"hmac\"\nscheme = {{ signature_header = \"X-Sig\" }}\n{extra}"
            ))
            .unwrap()
        };
        assert_eq!(hmac("").credential_headers().unwrap(), ["x-sig"]);
    }
}
