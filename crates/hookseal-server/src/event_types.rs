//! Event types and the filters endpoints subscribe with.
//!
//! A published event type is a name: 1–256 visible characters, no spaces,
//! no control characters, no wildcard. A filter is such a name, a prefix
//! pattern `invoice.*` (every type under `invoice.`), or `*` (everything). A
//! filter that could never match (`**`, `a*b`, an empty string) is refused
//! when it is set rather than silently delivering nothing.

/// The longest event type or filter, in bytes.
pub const MAX_LEN: usize = 256;

/// Checks a published event type.
pub fn check_event_type(t: &str) -> Result<(), String> {
    check_name(t, "event_type")?;
    if t.contains('*') {
        return Err(format!(
            "event_type: {t:?} contains a wildcard; wildcards belong to endpoints' filters"
        ));
    }
    Ok(())
}

/// Checks an endpoint's filters (`event_types`).
pub fn check_filters(filters: &[String]) -> Result<(), String> {
    for f in filters {
        check_name(f, "event_types")?;
        let stem = if f == "*" {
            ""
        } else {
            f.strip_suffix(".*").unwrap_or(f)
        };
        if stem.contains('*') {
            return Err(format!(
                "event_types: {f:?} can never match: a wildcard is `*` alone or a final `.*` (e.g. invoice.*)"
            ));
        }
    }
    Ok(())
}

fn check_name(t: &str, what: &str) -> Result<(), String> {
    if t.is_empty() || t.len() > MAX_LEN {
        return Err(format!("{what}: {t:?} must be 1-{MAX_LEN} bytes long"));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{what}: {t:?} contains a space or a control character"
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

    #[test]
    fn published_types_are_plain_names() {
        assert_eq!(check_event_type("invoice.paid"), Ok(()));
        for bad in ["", "*", "invoice.*", "a b", "a\0", "a\u{1b}[31m", "\u{85}"] {
            assert!(check_event_type(bad).is_err(), "{bad:?}");
        }
    }
}
