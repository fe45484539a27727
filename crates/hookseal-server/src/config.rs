//! Configuration: the commented `config.default.toml` is the source of truth for
//! every option and its default; a file and the environment layer over it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The built-in defaults, documented.
pub const DEFAULT_TOML: &str = include_str!("../config.default.toml");

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub delivery: DeliveryConfig,
    pub ingress: IngressConfig,
    pub secrets: SecretsConfig,
    pub event_types: EventTypesConfig,
    pub applications: ApplicationsConfig,
    pub metrics: MetricsConfig,
    pub log: LogConfig,
    /// Sources declared in the file (`[[sources]]`).
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// The file layered over the defaults, if any (named in errors about
    /// what it declares).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    pub data_dir: PathBuf,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub tls_cert_file: String,
    pub tls_key_file: String,
    pub admin_token_file: String,
    pub min_free_disk_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressConfig {
    pub listen: String,
    pub max_concurrency: usize,
    pub body_timeout_secs: u64,
    pub trusted_proxies: Vec<String>,
    pub forward_allow_cidrs: Vec<String>,
    pub forward_allow_http: bool,
    pub proxy_header: String,
    pub max_per_ip: usize,
    pub max_body_bytes_in_flight: u64,
    pub audit_per_sec: u32,
    pub audit_max_rows: i64,
    pub audit_retention_days: i64,
    pub sweep_secs: u64,
    pub internal_forward_sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub backend: String,
    pub group_commit_max_batch: usize,
    pub encrypt_payloads: bool,
    pub data_key: String,
    pub data_key_file: String,
    pub data_key_command: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    pub concurrency: usize,
    pub lease_secs: i64,
    pub retry_schedule_secs: Vec<i64>,
    pub retry_jitter: f64,
    pub max_retry_after_secs: i64,
    pub disable_after_secs: i64,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub response_body_bytes: usize,
    pub allow_http: bool,
    pub allow_cidrs: Vec<String>,
    pub extra_root_pem: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    pub rotation_grace_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTypesConfig {
    pub require_declared: bool,
    pub validate_payloads: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationsConfig {
    pub portal_token_secs: i64,
    pub token_cache_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub per_endpoint: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub filter: String,
}

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(bv) => merge(bv, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

impl Config {
    /// Defaults, then `file` (if any), then `HOOKSEAL_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let mut value: toml::Value = toml::from_str(DEFAULT_TOML)?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
            let over: toml::Value = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?;
            merge(&mut value, over);
        }
        for (k, v) in env {
            // The one documented short form.
            let k = match k.as_str() {
                "HOOKSEAL_ADMIN_TOKEN_FILE" => "HOOKSEAL_SERVER__ADMIN_TOKEN_FILE".to_string(),
                "HOOKSEAL_DATA_KEY" => "HOOKSEAL_STORE__DATA_KEY".to_string(),
                _ => k,
            };
            let Some(rest) = k.strip_prefix("HOOKSEAL_") else {
                continue;
            };
            let Some((section, key)) = rest.split_once("__") else {
                continue;
            };
            let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
            // Read the value as TOML when it parses as one, else as a string.
            let parsed = toml::from_str::<toml::Table>(&format!("v = {v}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or(toml::Value::String(v));
            let mut t = toml::Table::new();
            let mut inner = toml::Table::new();
            inner.insert(key, parsed);
            t.insert(section, toml::Value::Table(inner));
            merge(&mut value, toml::Value::Table(t));
        }
        let mut cfg: Config = value
            .try_into()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        cfg.file = file.map(Path::to_path_buf);
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let d = &self.delivery;
        anyhow::ensure!(
            self.server.max_connections >= 1 && self.server.max_connections_per_client >= 1,
            "server.max_connections and server.max_connections_per_client must be at least 1"
        );
        anyhow::ensure!(
            self.store.backend == "sqlite",
            "store.backend: only \"sqlite\" is available"
        );
        let st = &self.store;
        anyhow::ensure!(
            [&st.data_key, &st.data_key_file, &st.data_key_command]
                .iter()
                .filter(|v| !v.is_empty())
                .count()
                <= 1,
            "store: give the data key one way: data_key (HOOKSEAL_DATA_KEY), data_key_file or data_key_command"
        );
        anyhow::ensure!(
            (60..=366 * 86_400).contains(&self.applications.portal_token_secs),
            "applications.portal_token_secs must be within 60..=31622400 (a year)"
        );
        anyhow::ensure!(
            self.applications.token_cache_secs <= 300,
            "applications.token_cache_secs must be at most 300"
        );
        anyhow::ensure!(
            !d.retry_schedule_secs.is_empty(),
            "delivery.retry_schedule_secs must not be empty"
        );
        anyhow::ensure!(
            d.retry_schedule_secs.iter().all(|s| *s >= 0),
            "delivery.retry_schedule_secs must not be negative"
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&d.retry_jitter),
            "delivery.retry_jitter must be within 0..=1"
        );
        anyhow::ensure!(
            (1..=4096).contains(&d.concurrency),
            "delivery.concurrency must be within 1..=4096"
        );
        anyhow::ensure!(
            (1..=86_400).contains(&d.lease_secs),
            "delivery.lease_secs must be within 1..=86400"
        );
        anyhow::ensure!(
            d.retry_schedule_secs.iter().all(|s| *s <= 30 * 86_400),
            "delivery.retry_schedule_secs entries must be at most 30 days"
        );
        anyhow::ensure!(
            (0..=86_400).contains(&d.max_retry_after_secs),
            "delivery.max_retry_after_secs must be within 0..=86400"
        );
        anyhow::ensure!(
            (1..=365 * 86_400).contains(&d.disable_after_secs),
            "delivery.disable_after_secs must be within 1 s..=1 year"
        );
        anyhow::ensure!(
            d.connect_timeout_ms >= 100 && d.timeout_ms >= 100,
            "delivery timeouts must be at least 100 ms"
        );
        anyhow::ensure!(
            (d.timeout_ms as i64) < d.lease_secs * 1000,
            "delivery.timeout_ms must be shorter than delivery.lease_secs, or a slow attempt's delivery is claimed again while it runs"
        );
        anyhow::ensure!(
            self.server.max_body_bytes >= 1024,
            "server.max_body_bytes must be at least 1024"
        );
        anyhow::ensure!(
            self.server.request_timeout_secs >= 1,
            "server.request_timeout_secs must be at least 1"
        );
        anyhow::ensure!(
            (0..=7 * 86400).contains(&self.secrets.rotation_grace_secs),
            "secrets.rotation_grace_secs must be between 0 and 7 days"
        );
        let i = &self.ingress;
        anyhow::ensure!(
            (1..=65_536).contains(&i.max_concurrency),
            "ingress.max_concurrency must be within 1..=65536"
        );
        anyhow::ensure!(
            i.body_timeout_secs >= 1 && i.sweep_secs >= 1,
            "ingress.body_timeout_secs and ingress.sweep_secs must be at least 1"
        );
        anyhow::ensure!(
            i.audit_max_rows >= 0 && i.audit_retention_days >= 1,
            "ingress.audit_max_rows must not be negative; audit_retention_days at least 1"
        );
        anyhow::ensure!(
            self.server.tls_cert_file.is_empty() == self.server.tls_key_file.is_empty(),
            "server.tls_cert_file and server.tls_key_file go together"
        );
        anyhow::ensure!(
            i.proxy_header == "x-forwarded-for" || i.proxy_header == "forwarded",
            "ingress.proxy_header must be \"x-forwarded-for\" or \"forwarded\""
        );
        anyhow::ensure!(i.max_per_ip >= 1, "ingress.max_per_ip must be at least 1");
        anyhow::ensure!(
            i.max_body_bytes_in_flight >= 65_536,
            "ingress.max_body_bytes_in_flight must be at least 65536"
        );
        for c in i.trusted_proxies.iter().chain(&i.forward_allow_cidrs) {
            c.parse::<hookseal::Cidr>()
                .map_err(|e| anyhow::anyhow!("ingress: {e}"))?;
        }
        let mut names = std::collections::HashSet::new();
        for src in &self.sources {
            anyhow::ensure!(
                names.insert(src.name.as_str()),
                "sources: {} is declared twice",
                src.name
            );
        }
        for c in &d.allow_cidrs {
            c.parse::<hookseal::Cidr>()
                .map_err(|e| anyhow::anyhow!("delivery.allow_cidrs: {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_layers_override() {
        let c = Config::load(None, []).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8750");
        assert_eq!(c.delivery.retry_schedule_secs.len(), 8);
        assert!(!c.delivery.allow_http);
        let env = [
            (
                "HOOKSEAL_DELIVERY__ALLOW_HTTP".to_string(),
                "true".to_string(),
            ),
            (
                "HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS".into(),
                "[0, 1]".into(),
            ),
            ("HOOKSEAL_SERVER__DATA_DIR".into(), "/tmp/x y".into()),
            ("OTHER".into(), "1".into()),
        ];
        let c = Config::load(None, env).unwrap();
        assert!(c.delivery.allow_http);
        assert_eq!(c.delivery.retry_schedule_secs, vec![0, 1]);
        assert_eq!(c.server.data_dir, PathBuf::from("/tmp/x y"));
        let bad = [("HOOKSEAL_SERVER__NOPE".to_string(), "1".to_string())];
        assert!(Config::load(None, bad).is_err());
        let bad = [(
            "HOOKSEAL_SECRETS__ROTATION_GRACE_SECS".to_string(),
            "999999999".to_string(),
        )];
        assert!(Config::load(None, bad).is_err());
    }
}

// ---------------------------------------------------------------------------
// Source definitions: what `[[sources]]` and the admin API declare. The
// gateway (`crate::ingress`) turns them into live policies; defining them
// here keeps the configuration free of the gateway (no import cycle).

use std::collections::BTreeMap;

use hookseal::event_type::EventTypeAt;
use hookseal::scheme::options::SchemeOptions;
use serde::Serialize;

use crate::signing::SigningScheme;

/// A source: where `/in/{name}` requests come from and how they are checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The path segment: `/in/{name}` (1-64 letters, digits, `-`, `_`). In a
    /// replacement (PUT) the path names the source and this may be left out.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub name: String,
    /// A preset, or `hmac`, `jwt`, `token`, `ed25519`, `ecdsa-p256`.
    #[schema(schema_with = crate::schema::source_provider)]
    pub provider: String,
    /// A generic scheme's shape (the `hookseal verify` options, snake_case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<SchemeOptions>,
    /// The provider's secrets or keys (several while it rotates). Never stored in
    /// the definition: they are sealed one by one.
    #[serde(default, skip_serializing)]
    pub secrets: Vec<String>,
    /// Environment variables holding secrets (config file only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_env: Vec<String>,
    /// Files holding secrets (config file only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub secret_files: Vec<PathBuf>,
    /// Allowed sender ranges, added to the preset's published ones.
    #[serde(default)]
    pub allow_ips: Vec<String>,
    /// Apply the preset's published ranges.
    #[serde(default = "yes")]
    pub provider_ips: bool,
    /// Headers that must carry exactly these values (a shared custom header).
    #[serde(default)]
    pub required_headers: BTreeMap<String, String>,
    /// Timestamp tolerance in seconds (default: the preset's, else 300).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 1, maximum = 86400)]
    pub tolerance_secs: Option<i64>,
    /// The largest body accepted, in bytes (1 KiB - 64 MiB).
    #[serde(default = "default_body", deserialize_with = "crate::whole::int")]
    #[schema(minimum = 1024, maximum = 67108864)]
    pub max_body_bytes: usize,
    /// The public origin providers call (schemes that sign the URL).
    #[serde(default)]
    pub public_url: Option<String>,
    /// The token a provider's unsigned subscription handshake must carry
    /// (Meta's `hub.verify_token`); without one, any is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 256, pattern = "^[!-~]+$")]
    pub verify_token: Option<String>,
    /// How long (s) a signed id is remembered (default 1 day); for schemes
    /// that sign neither an id nor a timestamp, setting it turns replay
    /// protection on (see SECURITY.md).
    #[serde(default, deserialize_with = "crate::whole::opt")]
    #[schema(minimum = 60, maximum = 2592000)]
    pub dedup_secs: Option<i64>,
    /// Which of the provider's headers are passed on to the endpoints.
    #[serde(default)]
    pub forward_headers: ForwardHeaders,
    /// Where the event's type is (default: where the preset says). Endpoints'
    /// event-type filters apply to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventTypeAt>,
    /// Stored events are deleted after this many days.
    #[serde(default = "default_retention", deserialize_with = "crate::whole::int")]
    #[schema(minimum = 1, maximum = 3650)]
    pub retention_days: u32,
    /// false: the body is emptied once every forward succeeded.
    #[serde(default = "yes")]
    pub store_body: bool,
    /// Endpoints the config file declares (API sources attach endpoints with
    /// `source` on endpoint create instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forward: Vec<ForwardTarget>,
}

/// Which of the provider's headers a source passes on to its endpoints. Never
/// a credential, a signature, a required header or a per-connection header,
/// whichever form is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ForwardHeaders {
    /// `true`: every other header; `false` (the default): none.
    All(bool),
    /// Only these headers (any case).
    Only(Vec<String>),
}

impl Default for ForwardHeaders {
    fn default() -> Self {
        ForwardHeaders::All(false)
    }
}

impl ForwardHeaders {
    /// Whether any header may pass.
    pub fn any(&self) -> bool {
        match self {
            ForwardHeaders::All(all) => *all,
            ForwardHeaders::Only(names) => !names.is_empty(),
        }
    }
}

/// An endpoint a config-declared source forwards to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardTarget {
    pub url: String,
    /// The signing secret (default: generated once, readable through the API).
    #[serde(default, skip_serializing)]
    pub secret: Option<String>,
    /// Read the secret from this environment variable instead.
    #[serde(default)]
    pub secret_env: Option<String>,
    #[serde(default)]
    pub scheme: SigningScheme,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The event types this endpoint gets (exact or `invoice.*`); empty: all.
    #[serde(default)]
    pub event_types: Vec<String>,
}

fn yes() -> bool {
    true
}
fn default_body() -> usize {
    1024 * 1024
}
fn default_retention() -> u32 {
    30
}
