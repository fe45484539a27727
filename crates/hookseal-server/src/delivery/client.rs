//! The outbound HTTP client: pooled HTTP/1.1 and HTTP/2 over rustls, no
//! redirects followed, no environment proxies, and a connector that resolves
//! names itself, checks every address with the [`Guard`], and connects to the
//! address it checked.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::ssrf::Guard;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A destination the [`Guard`] refused: every address the name resolved to,
/// or the IP literal, is one no webhook may reach. Its text names the
/// addresses and their ranges, for the operator's log only.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "destination refused: {}", self.0)
    }
}

impl std::error::Error for Refused {}

/// Why an attempt got no answer: `public` is what the attempt record (and
/// so the API, and a platform's customers) keeps; `detail` goes to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub public: String,
    pub detail: String,
}

/// What the attempt record says of a refused destination: nothing of the
/// addresses or the ranges they fell in.
pub const REFUSED_PUBLIC: &str =
    "destination refused: the host resolves to an address that is not allowed";

impl SendError {
    /// An error with no address in it worth hiding beyond what
    /// [`super::public_error`] strips.
    fn plain(detail: String) -> SendError {
        SendError {
            public: super::public_error(&detail),
            detail,
        }
    }

    fn refused(detail: String) -> SendError {
        SendError {
            public: REFUSED_PUBLIC.into(),
            detail,
        }
    }
}

/// How a host name becomes addresses: the system resolver by default.
pub type Resolver = Arc<
    dyn Fn(String, u16) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>>
        + Send
        + Sync,
>;

/// The system resolver (getaddrinfo, through tokio).
pub fn system_resolver() -> Resolver {
    Arc::new(|host: String, port: u16| {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    })
}

/// Resolves, checks and connects (pinned to the checked address).
#[derive(Clone)]
pub struct SafeConnector {
    guard: Arc<Guard>,
    connect_timeout: Duration,
    resolver: Resolver,
}

impl SafeConnector {
    /// A connector checking every address with `guard`, resolving names with `resolver`.
    pub fn new(guard: Arc<Guard>, connect_timeout: Duration, resolver: Resolver) -> SafeConnector {
        SafeConnector {
            guard,
            connect_timeout,
            resolver,
        }
    }
}

impl tower::Service<http::Uri> for SafeConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let guard = self.guard.clone();
        let timeout = self.connect_timeout;
        let resolver = self.resolver.clone();
        Box::pin(async move {
            let host = uri.host().ok_or("URL has no host")?.to_string();
            let port = uri
                .port_u16()
                .unwrap_or(if uri.scheme_str() == Some("http") {
                    80
                } else {
                    443
                });
            let literal = host.trim_start_matches('[').trim_end_matches(']');
            let addrs: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => tokio::time::timeout(timeout, resolver(host.clone(), port))
                    .await
                    .map_err(|_| format!("resolving {host} timed out"))??,
            };
            let mut refused = Vec::new();
            let mut last_err = None;
            for addr in addrs {
                if let Err(why) = guard.check_ip(addr.ip()) {
                    refused.push(why);
                    continue;
                }
                match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
                    Ok(Ok(s)) => {
                        let _ = s.set_nodelay(true);
                        return Ok(TokioIo::new(s));
                    }
                    Ok(Err(e)) => last_err = Some(format!("connect {addr}: {e}")),
                    Err(_) => last_err = Some(format!("connect {addr}: timed out")),
                }
            }
            Err(match (last_err, refused.is_empty()) {
                (Some(e), _) => e.into(),
                (None, false) => Box::new(Refused(refused.join("; "))) as BoxError,
                (None, true) => format!("{host} resolved to no address").into(),
            })
        })
    }
}

/// What came back.
pub struct Response {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// The delivery client.
#[derive(Clone)]
pub struct Outbound {
    client: Client<hyper_rustls::HttpsConnector<SafeConnector>, Full<Bytes>>,
    guard: Arc<Guard>,
    timeout: Duration,
    body_limit: usize,
}

impl Outbound {
    /// A client with the given guard and timeouts, keeping up to
    /// `max_idle_per_host` idle connections to each host.
    pub fn new(
        guard: Guard,
        connect_timeout: Duration,
        timeout: Duration,
        body_limit: usize,
        max_idle_per_host: usize,
        extra_roots: &[rustls_pki_types::CertificateDer<'static>],
    ) -> anyhow::Result<Outbound> {
        Outbound::with_resolver(
            guard,
            connect_timeout,
            timeout,
            body_limit,
            max_idle_per_host,
            extra_roots,
            system_resolver(),
        )
    }

    /// [`Outbound::new`] with names resolved by `resolver`.
    pub fn with_resolver(
        guard: Guard,
        connect_timeout: Duration,
        timeout: Duration,
        body_limit: usize,
        max_idle_per_host: usize,
        extra_roots: &[rustls_pki_types::CertificateDer<'static>],
        resolver: Resolver,
    ) -> anyhow::Result<Outbound> {
        use tokio_rustls::rustls;
        let guard = Arc::new(guard);
        let connector = SafeConnector::new(guard.clone(), connect_timeout, resolver);
        // The public web's roots (webpki-roots), plus any the operator adds.
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for c in extra_roots {
            roots
                .add(c.clone())
                .map_err(|e| anyhow::anyhow!("delivery.extra_root_pem: {e}"))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            // As many idle connections to one host as there are workers that
            // may be talking to it: with fewer, every burst to a busy endpoint
            // closed the surplus and opened new ones on the next (a TCP — or
            // TLS — handshake per delivery showed in the profile at 256 workers
            // and 64 kept).
            .pool_max_idle_per_host(max_idle_per_host)
            .build(https);
        Ok(Outbound {
            client,
            guard,
            timeout,
            body_limit,
        })
    }

    /// POSTs `body` to `url` with `headers`; the whole exchange is bounded by the timeout.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Response, SendError> {
        let uri = self.guard.check_url(url).map_err(|e| match e {
            super::ssrf::UrlRefusal::Forbidden(m) => SendError::refused(format!("{url}: {m}")),
            super::ssrf::UrlRefusal::Malformed(m) => SendError::plain(m),
        })?;
        let mut req = http::Request::post(uri);
        for (n, v) in headers {
            req = req.header(n.as_str(), v.as_str());
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| SendError::plain(format!("bad request: {e}")))?;
        let limit = self.body_limit;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| {
                let mut msg = e.to_string();
                let mut refused = false;
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    refused |= s.is::<Refused>();
                    msg = format!("{msg}: {s}");
                    src = s.source();
                }
                if refused {
                    SendError::refused(msg)
                } else {
                    SendError::plain(msg)
                }
            })?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            // Keep only the first bytes of the body; stop reading after them.
            let mut body = resp.into_body();
            let mut kept = Vec::new();
            while kept.len() < limit {
                match body.frame().await {
                    Some(Ok(f)) => {
                        if let Some(d) = f.data_ref() {
                            kept.extend_from_slice(&d[..d.len().min(limit - kept.len())]);
                        }
                    }
                    _ => break,
                }
            }
            Ok(Response {
                status,
                retry_after,
                body: String::from_utf8_lossy(&kept).into_owned(),
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| {
                SendError::plain(format!("timed out after {} ms", self.timeout.as_millis()))
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::ssrf::{METADATA, V4_BLOCKED, V6_BLOCKED};
    use tower::Service;

    /// A resolver that answers every name with `addrs`.
    fn answering(addrs: Vec<IpAddr>) -> Resolver {
        Arc::new(move |_host: String, port: u16| {
            let out = addrs.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
            Box::pin(async move { Ok(out) })
        })
    }

    /// A name whose DNS answer is any special-purpose or metadata address
    /// is refused before any connection, and the error is a [`Refused`]
    /// (which the attempt record turns into the generic reason).
    #[tokio::test]
    async fn every_special_purpose_answer_is_refused_after_resolution() {
        let rows = V4_BLOCKED.iter().chain(V6_BLOCKED).chain(METADATA);
        for (row, _) in rows {
            let ip: IpAddr = row.split('/').next().unwrap().parse().unwrap();
            // Allowing the ranges opens neither metadata nor anything the
            // empty allowlist refuses.
            let guard = Arc::new(Guard::new(&[], true).unwrap());
            let mut c = SafeConnector::new(guard, Duration::from_secs(1), answering(vec![ip]));
            let err = match c
                .call("http://hooks.example.test:8080/x".parse().unwrap())
                .await
            {
                Ok(_) => panic!("{row}: connected"),
                Err(e) => e,
            };
            let refused = err
                .downcast_ref::<Refused>()
                .unwrap_or_else(|| panic!("{row}: {err}"));
            assert!(refused.0.contains(&ip.to_string()), "{row}: {refused}");
        }
        // An answer with a public address beside a refused one: the refused
        // one is skipped (and only a connection to the other is tried).
        let guard = Arc::new(Guard::new(&[], true).unwrap());
        let mut c = SafeConnector::new(
            guard,
            Duration::from_millis(200),
            answering(vec!["10.0.0.1".parse().unwrap()]),
        );
        assert!(c.call("https://x.test/".parse().unwrap()).await.is_err());
    }

    /// What a refused attempt keeps says nothing of the address or its range,
    /// whatever hyper wraps around the connector's error.
    #[tokio::test]
    async fn a_refused_attempt_keeps_only_the_generic_reason() {
        let out = Outbound::with_resolver(
            Guard::new(&[], true).unwrap(),
            Duration::from_secs(1),
            Duration::from_secs(2),
            64,
            1,
            &[],
            answering(vec!["10.9.8.7".parse().unwrap()]),
        )
        .unwrap();
        let e = out
            .post("http://internal.example.test/x", &[], Bytes::new())
            .await
            .err()
            .unwrap();
        assert_eq!(e.public, REFUSED_PUBLIC);
        assert!(
            e.detail.contains("10.9.8.7") && e.detail.contains("private"),
            "{}",
            e.detail
        );
        // An IP literal refused at send time (stored before a rule changed).
        let e = out
            .post("http://192.168.1.1/x", &[], Bytes::new())
            .await
            .err()
            .unwrap();
        assert_eq!(e.public, REFUSED_PUBLIC);
        assert!(!e.public.contains("192.168"));
    }
}
