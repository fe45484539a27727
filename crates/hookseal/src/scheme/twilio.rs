//! Twilio's request signature: `X-Twilio-Signature`, base64 HMAC-SHA1 under the
//! account's auth token.
//!
//! * Form posts: the full request URL (with its query string), then every POST
//!   parameter as `name` + `value`, sorted by name then value, duplicates
//!   dropped (as Twilio's SDKs do), URL-decoded, no separators.
//! * JSON posts: the URL carries `bodySHA256=<hex SHA-256 of the body>`; the
//!   signature covers the URL alone and the body hash must match.
//! * Twilio is inconsistent about explicit default ports, so — like its SDKs —
//!   the URL is tried as given, without its port, and with the scheme's default
//!   port (`:443`/`:80`) added.
//!
//! The scheme signs no timestamp, so a [`Policy`](crate::Policy) can only dedup by
//! the signature (or `I-Twilio-Idempotency-Token`); pair it with an allowlist.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Evidence, Text};
use crate::codec::{hex_encode, Encoding};
use crate::error::{ConfigError, Reason, Rejection, SignError};
use crate::request::{Outgoing, Request};
use crate::secret::{ct_eq, Algorithm, Secret};

/// Twilio's scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioSpec {
    /// The signature header (`X-Twilio-Signature`).
    pub signature_header: Text,
    /// Twilio's idempotency header. It is not signed, so hookseal does not trust
    /// it as a message id; it is kept for forwarding.
    pub id_header: Option<Text>,
}

impl TwilioSpec {
    pub(crate) fn describe(&self) -> String {
        format!(
            "HMAC-SHA1 base64 of the URL + sorted form params (or URL with bodySHA256 for JSON) in {}",
            self.signature_header
        )
    }

    fn keys(&self, keys: &[&str]) -> Result<Vec<ring::hmac::Key>, ConfigError> {
        keys.iter()
            .map(|k| Ok(Algorithm::Sha1.key(&Secret::from_text(k)?)))
            .collect()
    }

    pub(crate) fn verifier(&self, keys: &[&str]) -> Result<Verifier, ConfigError> {
        Ok(Verifier {
            spec: self.clone(),
            keys: self.keys(keys)?,
        })
    }

    pub(crate) fn signer(&self, keys: &[&str]) -> Result<Signer, ConfigError> {
        Ok(Signer {
            spec: self.clone(),
            key: self.keys(&keys[..1])?.remove(0),
        })
    }
}

/// The value of query parameter `name` in `url`, if present.
fn query_param<'u>(url: &'u str, name: &str) -> Option<Cow<'u, str>> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The URL variants Twilio may have signed: as given, without the port, with the default port.
pub(crate) fn url_variants(url: &str) -> Vec<Cow<'_, str>> {
    let mut out = vec![Cow::Borrowed(url)];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    // The port separator is the last ':' after any IPv6 literal's ']'.
    let port_sep = hostport
        .rfind(':')
        .filter(|&i| hostport[i + 1..].bytes().all(|b| b.is_ascii_digit()))
        .filter(|&i| !hostport[..i].contains('[') || hostport[..i].ends_with(']'));
    let host = port_sep.map_or(hostport, |i| &hostport[..i]);
    let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    let without = format!("{scheme}://{user}{host}{tail}");
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    let with = match port_sep {
        Some(_) => url.to_string(),
        None => format!("{scheme}://{user}{host}:{default_port}{tail}"),
    };
    for v in [without, with] {
        if !out.iter().any(|o| o == &v) {
            out.push(Cow::Owned(v));
        }
    }
    out
}

/// The sorted, deduplicated `name`+`value` pairs of a form body.
fn sorted_params(body: &[u8]) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let mut params: Vec<_> = form_urlencoded::parse(body).collect();
    params.sort();
    params.dedup();
    params
}

fn compute(
    key: &ring::hmac::Key,
    url: &str,
    params: &[(Cow<'_, str>, Cow<'_, str>)],
) -> ring::hmac::Tag {
    let mut ctx = ring::hmac::Context::with_key(key);
    ctx.update(url.as_bytes());
    for (k, v) in params {
        ctx.update(k.as_bytes());
        ctx.update(v.as_bytes());
    }
    ctx.sign()
}

fn body_sha256(body: &[u8]) -> String {
    hex_encode(ring::digest::digest(&ring::digest::SHA256, body).as_ref())
}

/// A ready Twilio verifier.
pub struct Verifier {
    spec: TwilioSpec,
    keys: Vec<ring::hmac::Key>,
}

impl Verifier {
    pub(crate) fn verify<'a>(&self, req: &Request<'a>) -> Result<Evidence<'a>, Rejection> {
        let header = self.spec.signature_header.as_ref();
        let value = req.header_str(header)?;
        let mut sig = [0u8; 20];
        if Encoding::Base64.decode_into(value.as_bytes(), &mut sig) != Some(20) {
            return Err(Rejection::new(
                Reason::MalformedSignature,
                format!("{header}: not a base64 HMAC-SHA1"),
            ));
        }
        if req.url.is_empty() {
            return Err(Rejection::new(
                Reason::MalformedHeader,
                "the Twilio scheme signs the request URL, and none was given",
            ));
        }
        let params = match query_param(req.url, "bodySHA256") {
            Some(want) => {
                if !ct_eq(want.as_bytes(), body_sha256(req.body).as_bytes()) {
                    return Err(Rejection::new(
                        Reason::BodyHashMismatch,
                        "bodySHA256 in the URL does not match the body",
                    ));
                }
                Vec::new()
            }
            None => {
                // Parameters are compared decoded; refuse bytes that would decode lossily,
                // so two different bodies cannot map to one parameter set that way.
                if std::str::from_utf8(req.body).is_err() {
                    return Err(Rejection::new(
                        Reason::SignatureMismatch,
                        "form body is not UTF-8",
                    ));
                }
                sorted_params(req.body)
            }
        };
        let variants = url_variants(req.url);
        let matched = self.keys.iter().find_map(|k| {
            variants.iter().find_map(|u| {
                let t = compute(k, u, &params);
                ct_eq(t.as_ref(), &sig).then_some(t)
            })
        });
        let Some(tag) = matched else {
            return Err(Rejection::new(
                Reason::SignatureMismatch,
                "no auth token produces this signature for this URL and body",
            ));
        };
        // I-Twilio-Idempotency-Token is not signed, so it is not evidence; the
        // computed MAC is the replay key.
        Ok(Evidence {
            id: None,
            timestamp: None,
            expires_at: None,
            fingerprint: Some(super::fingerprint(tag.as_ref())),
        })
    }
}

/// A ready Twilio signer.
pub struct Signer {
    spec: TwilioSpec,
    key: ring::hmac::Key,
}

impl Signer {
    pub(crate) fn sign(&self, msg: &Outgoing<'_>) -> Result<Vec<(String, String)>, SignError> {
        if msg.url.is_empty() {
            return Err(SignError::Missing {
                scheme: "twilio",
                what: "the request URL (--url)",
            });
        }
        let params = match query_param(msg.url, "bodySHA256") {
            Some(want) if want != body_sha256(msg.body) => {
                return Err(SignError::Input(
                    "the URL's bodySHA256 does not match the body".into(),
                ))
            }
            Some(_) => Vec::new(),
            None if std::str::from_utf8(msg.body).is_err() => {
                return Err(SignError::Input(
                    "Twilio signs form parameters: the body must be a UTF-8 form (or pass a URL with bodySHA256 for JSON)".into(),
                ))
            }
            None => sorted_params(msg.body),
        };
        let sig = compute(&self.key, msg.url, &params);
        Ok(vec![(
            self.spec.signature_header.to_string(),
            Encoding::Base64.encode(sig.as_ref()),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_variants_cover_ports() {
        assert_eq!(
            url_variants("https://a.com/x?y=1"),
            ["https://a.com/x?y=1", "https://a.com:443/x?y=1"]
        );
        assert_eq!(
            url_variants("https://a.com:1234/x"),
            ["https://a.com:1234/x", "https://a.com/x"]
        );
        assert_eq!(
            url_variants("http://u:p@a.com"),
            ["http://u:p@a.com", "http://u:p@a.com:80"]
        );
        assert_eq!(
            url_variants("http://[::1]:8080/x"),
            ["http://[::1]:8080/x", "http://[::1]/x"]
        );
        assert_eq!(url_variants("not a url"), ["not a url"]);
    }
}
