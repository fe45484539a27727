//! Event types and the filters endpoints subscribe with.
//!
//! A published event type is a name: 1–256 visible characters, no spaces,
//! no control characters, no wildcard. A filter is such a name, a prefix
//! pattern `invoice.*` (every type under `invoice.`), or `*` (everything). A
//! filter that could never match (`**`, `a*b`, an empty string) is refused
//! when it is set rather than silently delivering nothing.

/// The longest event type or filter, in characters.
pub const MAX_LEN: usize = 256;

/// Characters no event type or filter has: control characters, spaces of
/// every kind, and `*` (a filter's wildcard). Spelled out rather than as
/// `\s`, whose meaning differs between regex dialects.
const NOT_IN_NAMES: &str =
    "\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000*";

fn excluded(c: char) -> bool {
    c <= ' '
        || ('\x7f'..='\u{a0}').contains(&c)
        || matches!(
            c,
            '\u{1680}' | '\u{2000}'
                ..='\u{200a}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{202f}'
                    | '\u{205f}'
                    | '\u{3000}'
                    | '*'
        )
}

/// The JSON Schema pattern of a published event type ([`check_event_type`]).
pub fn event_type_pattern() -> String {
    format!("^[^{NOT_IN_NAMES}]{{1,{MAX_LEN}}}$")
}

/// The JSON Schema pattern of a filter ([`check_filters`]): `*`, a name, or
/// a name followed by `.*`.
pub fn filter_pattern() -> String {
    format!(
        "^(?:\\*|[^{NOT_IN_NAMES}]{{1,{MAX_LEN}}}|[^{NOT_IN_NAMES}]{{1,{}}}\\.\\*)$",
        MAX_LEN - 2
    )
}

/// Checks a published event type.
pub fn check_event_type(t: &str) -> Result<(), String> {
    if t.contains('*') {
        return Err(format!(
            "event_type: {t:?} contains a wildcard; wildcards belong to endpoints' filters"
        ));
    }
    check_name(t, "event_type")
}

/// Checks an endpoint's filters (`event_types`).
pub fn check_filters(filters: &[String]) -> Result<(), String> {
    for f in filters {
        let stem = if f == "*" {
            continue;
        } else {
            f.strip_suffix(".*").unwrap_or(f)
        };
        if stem.contains('*') {
            return Err(format!(
                "event_types: {f:?} can never match: a wildcard is `*` alone or a final `.*` (e.g. invoice.*)"
            ));
        }
        check_name(
            f.strip_suffix(".*").map_or(f.as_str(), |_| stem),
            "event_types",
        )?;
        if f.chars().count() > MAX_LEN {
            return Err(format!(
                "event_types: {f:?} is longer than {MAX_LEN} characters"
            ));
        }
    }
    Ok(())
}

fn check_name(t: &str, what: &str) -> Result<(), String> {
    let n = t.chars().count();
    if n == 0 || n > MAX_LEN {
        return Err(format!("{what}: {t:?} must be 1-{MAX_LEN} characters long"));
    }
    if t.chars().any(excluded) {
        return Err(format!(
            "{what}: {t:?} contains a space, a control character or a wildcard"
        ));
    }
    Ok(())
}

/// Whether an endpoint's filters take `event_type` (no filter: every type).
pub fn filter_matches(filters: &[String], event_type: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            if f == "*" {
                true
            } else if let Some(prefix) = f.strip_suffix(".*") {
                event_type.len() > prefix.len()
                    && event_type.starts_with(prefix)
                    && event_type.as_bytes()[prefix.len()] == b'.'
            } else {
                f == event_type
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn filters_match() {
        assert!(filter_matches(&[], "a.b"));
        assert!(filter_matches(&f(&["*"]), "a.b"));
        assert!(filter_matches(&f(&["invoice.*"]), "invoice.paid"));
        assert!(filter_matches(&f(&["invoice.*"]), "invoice.paid.late"));
        assert!(!filter_matches(&f(&["invoice.*"]), "invoice"));
        assert!(!filter_matches(&f(&["invoice.*"]), "invoices.paid"));
        assert!(filter_matches(&f(&["a", "invoice.paid"]), "invoice.paid"));
        assert!(!filter_matches(&f(&["invoice.paid"]), "invoice.void"));
    }

    #[test]
    fn filters_that_can_never_match_are_refused() {
        for ok in ["*", "invoice.*", "invoice.paid", "a.b.*", "ü.ñ"] {
            assert_eq!(check_filters(&f(&[ok])), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "**",
            "*.*",
            "a*",
            "a*.b",
            "inv*ice.paid",
            "a.**",
            "has space",
            "nul\0",
            "tab\t",
            "bell\u{7}",
            "line\nbreak",
            "del\u{7f}",
        ] {
            assert!(check_filters(&f(&[bad])).is_err(), "{bad:?}");
        }
        assert!(check_filters(&f(&[&"a".repeat(MAX_LEN + 1)])).is_err());
        assert!(check_filters(&f(&[&"a".repeat(MAX_LEN)])).is_ok());
    }

    /// The OpenAPI patterns and the checks are the same rule.
    #[test]
    fn the_patterns_are_the_checks() {
        let et = regex::Regex::new(&event_type_pattern()).unwrap();
        let fp = regex::Regex::new(&filter_pattern()).unwrap();
        let long = "a".repeat(MAX_LEN);
        let longer = "a".repeat(MAX_LEN + 1);
        let stem_max = format!("{}.*", "a".repeat(MAX_LEN - 2));
        let stem_over = format!("{}.*", "a".repeat(MAX_LEN - 1));
        for s in [
            "invoice.paid",
            "*",
            "invoice.*",
            "a.b.*",
            "",
            "**",
            "*.*",
            ".*",
            "a*",
            "a b",
            "a\u{3000}b",
            "a\u{feff}b",
            "a\u{a0}b",
            "a\u{85}b",
            "tab\t",
            "ü.ñ",
            "a.",
            "a..*",
            &long,
            &longer,
            &stem_max,
            &stem_over,
            "\u{1680}",
            "x\u{2009}y",
            "é*",
        ] {
            assert_eq!(
                check_event_type(s).is_ok(),
                et.is_match(s),
                "event type {s:?}"
            );
            assert_eq!(
                check_filters(&[s.to_string()]).is_ok(),
                fp.is_match(s),
                "filter {s:?}"
            );
        }
    }

    #[test]
    fn published_types_are_plain_names() {
        assert_eq!(check_event_type("invoice.paid"), Ok(()));
        for bad in ["", "*", "invoice.*", "a b", "a\0", "a\u{1b}[31m", "\u{85}"] {
            assert!(check_event_type(bad).is_err(), "{bad:?}");
        }
    }
}
