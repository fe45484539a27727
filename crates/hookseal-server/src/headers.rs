//! Header rules: which headers belong to the connection or the framing of a
//! request (no endpoint, signing scheme or provider may set or pass them), and
//! which a delivery sets itself.
//!
//! One list, used at every door: an endpoint's custom headers and its signing
//! scheme's header (create, update and config load), the headers a delivery
//! sends, and the provider headers the gateway passes on. A signing header
//! named `Content-Length` or `Host` would otherwise be accepted, and the
//! delivery go out unsigned or malformed while being recorded as sent.

/// Hop-by-hop headers (RFC 9110 §7.6.1, and the de-facto `Keep-Alive` and
/// `Proxy-Connection`): they describe one connection, not the message.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Headers that frame or route the request (RFC 9110 §§6.4, 7.2, 8.3, 8.4,
/// 10.1.1): the client sets them from the body and the URL. A configured
/// `Content-Encoding` would lie about a body sent as is.
pub const FRAMING: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "content-encoding",
    "expect",
];

/// Headers every delivery carries with values of the server's making: the
/// Standard Webhooks trio (also sent by HMAC schemes for receivers that
/// dedupe), which an endpoint may neither configure nor sign into.
pub const DELIVERY_SET: &[&str] = &["webhook-id", "webhook-timestamp", "webhook-signature"];

/// Whether a header belongs to the connection or the request's framing
/// (`name` in any case).
pub fn is_connection_or_framing(name: &str) -> bool {
    HOP_BY_HOP
        .iter()
        .chain(FRAMING)
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether a delivery sets this header itself.
pub fn is_delivery_set(name: &str) -> bool {
    DELIVERY_SET.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Checks a header name an operator or customer configures: a valid name
/// that is not the connection's, the framing's or the delivery's own. `what`
/// names the setting in the error.
pub fn check_configurable(what: &str, name: &str) -> Result<(), String> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("{what}: {name:?} is not a header name"));
    }
    if is_connection_or_framing(name) {
        return Err(format!(
            "{what}: {name} belongs to the connection or the request's framing and cannot be configured"
        ));
    }
    if is_delivery_set(name) {
        return Err(format!(
            "{what}: {name} is set by the server on every delivery and cannot be configured"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every connection, framing and delivery header is refused, in any case;
    /// ordinary and credential-carrying headers a receiver may want are not.
    #[test]
    fn every_reserved_name_is_refused_in_any_case() {
        for name in HOP_BY_HOP.iter().chain(FRAMING).chain(DELIVERY_SET) {
            for form in [
                name.to_string(),
                name.to_ascii_uppercase(),
                name.split('-')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
                    .join("-"),
            ] {
                assert!(
                    check_configurable("x", &form).is_err(),
                    "{form} must be refused"
                );
            }
        }
        for ok in [
            "X-Jodo-Signature",
            "Authorization",
            "x-ol-signature",
            "X-Erp-Token",
            "User-Agent",
        ] {
            assert_eq!(check_configurable("x", ok), Ok(()), "{ok}");
        }
        assert!(check_configurable("x", "bad name").is_err());
        assert!(check_configurable("x", "").is_err());
        assert!(check_configurable("x", "x\r\ny").is_err());
    }
}
