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

/// The longest header name configured, in bytes.
pub const MAX_NAME: usize = 256;
/// The longest header value configured, in characters.
pub const MAX_VALUE: usize = 4096;

/// A header name's bytes: RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Whether `name` is a header name (a token of 1-256 bytes).
pub fn is_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME && name.bytes().all(is_tchar)
}

/// The JSON Schema pattern of a header name none of `excluded` (in any
/// case): what [`is_name`] takes, less those names. The exclusion is a
/// negative lookahead spelled with character classes (`[Hh][Oo][Ss][Tt]`),
/// which every regex dialect reads alike.
pub fn name_pattern(excluded: &[&[&str]]) -> String {
    let names: Vec<String> = excluded
        .iter()
        .flat_map(|l| l.iter())
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else if c == '-' {
                        "-".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    let lookahead = if names.is_empty() {
        String::new()
    } else {
        format!("(?!(?:{})$)", names.join("|"))
    };
    format!("^{lookahead}[!#$%&'*+.^_`|~0-9A-Za-z-]{{1,{MAX_NAME}}}$")
}

/// The pattern of a name [`check_configurable`] takes.
pub fn configurable_name_pattern() -> String {
    name_pattern(&[HOP_BY_HOP, FRAMING, DELIVERY_SET])
}

/// Whether `value` can be sent as a header value: no control character
/// but tab (so no CR or LF), at most [`MAX_VALUE`] characters.
pub fn is_value(value: &str) -> bool {
    value.chars().count() <= MAX_VALUE
        && value
            .chars()
            .all(|c| c == '\t' || !(c < ' ' || c == '\x7f'))
}

/// The pattern of a header value [`is_value`] takes.
pub const VALUE_PATTERN: &str = "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$";

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
    if !is_name(name) {
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

    /// The schema's pattern and the checks are the same rule: every
    /// reserved name in any case, and names around them, agree.
    #[test]
    fn the_pattern_is_the_check() {
        // The `regex` crate has no lookahead: the token part is compared
        // here, and the exclusion below.
        let token = regex::Regex::new(&name_pattern(&[])).unwrap();
        let samples = [
            "Host",
            "host",
            "HOST",
            "hosts",
            "x-host",
            "Content-Length",
            "content-lengths",
            "webhook-id",
            "Webhook-Id-2",
            "X-Sig",
            "a",
            "",
            "has space",
            "a:b",
            "ü",
            "TE",
            "te",
            "tea",
            "x\r\ny",
            "Trailer",
            "trailers",
            &"a".repeat(256),
            &"a".repeat(257),
        ];
        for s in samples {
            let reserved = is_connection_or_framing(s) || is_delivery_set(s);
            let by_pattern = token.is_match(s) && !reserved;
            assert_eq!(check_configurable("x", s).is_ok(), by_pattern, "{s:?}");
            assert_eq!(is_name(s), token.is_match(s), "{s:?}");
        }
        // The lookahead lists exactly the reserved names.
        let p = configurable_name_pattern();
        for n in HOP_BY_HOP.iter().chain(FRAMING).chain(DELIVERY_SET) {
            let spelled: String = n
                .chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c)
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            assert!(p.contains(&spelled), "{n} in {p}");
        }
        let value = regex::Regex::new(VALUE_PATTERN).unwrap();
        for v in [
            "plain",
            "tab\there",
            "cr\rlf",
            "nl\n",
            "nul\0",
            "del\x7f",
            "ü é",
            "",
        ] {
            assert_eq!(is_value(v), value.is_match(v), "{v:?}");
        }
    }
}
