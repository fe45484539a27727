//! The rules for the names a provider chooses: uids (its own ids for its
//! customers, their endpoints and its messages), channels, metadata and
//! application names. The same rules as the Svix API, so that data written
//! through either API is valid in the other.

use std::collections::BTreeMap;

/// The longest uid (and event id).
pub const MAX_UID: usize = 256;
/// The longest channel name.
pub const MAX_CHANNEL: usize = 128;
/// Channels an endpoint may take.
pub const MAX_ENDPOINT_CHANNELS: usize = 10;
/// Channels a message may carry.
pub const MAX_MESSAGE_CHANNELS: usize = 5;
/// Metadata entries, and the longest key and value.
pub const MAX_METADATA: usize = 64;
pub const MAX_METADATA_KEY: usize = 256;
pub const MAX_METADATA_VALUE: usize = 4096;
/// The longest application name.
pub const MAX_APP_NAME: usize = 1024;

/// The JSON Schema pattern of a uid or channel: `[a-zA-Z0-9-_.]`.
pub const UID_PATTERN: &str = r"^[a-zA-Z0-9\-_.]+$";

/// The characters of uids and channels.
const UID_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

/// A regex character class of the uid alphabet without `except`.
fn class_without(except: char) -> String {
    let mut out = String::from("[");
    for c in UID_ALPHABET.chars().filter(|&c| c != except) {
        if matches!(c, '-' | '.' | '\\' | ']' | '[' | '^') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(']');
    out
}

/// The JSON Schema pattern of a uid that must not start with `prefix`
/// (written without look-ahead, which JSON Schema's regex dialect lacks):
/// a string of the alphabet that leaves the prefix at some character, or
/// is a proper prefix of it.
pub fn uid_pattern(prefix: &str) -> String {
    let any = r"[a-zA-Z0-9\-_.]*";
    let mut alts = Vec::new();
    let chars: Vec<char> = prefix.chars().collect();
    for i in 0..chars.len() {
        let head: String = chars[..i].iter().collect();
        let head = regex_escape(&head);
        alts.push(format!("{head}{}{any}", class_without(chars[i])));
        if i > 0 {
            alts.push(head);
        }
    }
    format!("^(?:{})$", alts.join("|"))
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

fn uid_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Checks a uid: 1-256 of `a-zA-Z0-9-_.`, not starting with the prefix of
/// the ids it stands beside (`app_`, `ep_`, `msg_`), so that a path segment
/// that may be either is never ambiguous.
pub fn check_uid(field: &str, uid: &str, id_prefix: &str) -> Result<(), String> {
    check_slug(field, uid, MAX_UID)?;
    if uid.starts_with(id_prefix) {
        return Err(format!(
            "{field}: must not start with {id_prefix:?}, the prefix of ids (prefix it with '_'?)"
        ));
    }
    Ok(())
}

/// Checks a name of 1-`max` characters of `a-zA-Z0-9-_.`.
pub fn check_slug(field: &str, s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() || s.len() > max || !uid_chars(s) {
        return Err(format!(
            "{field}: must be 1-{max} characters of a-z, A-Z, 0-9, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// Checks a list of channels: 1-`max` distinct names of 1-128 of
/// `a-zA-Z0-9-_.` (null, not an empty list, means none).
pub fn check_channels(channels: &[String], max: usize) -> Result<(), String> {
    if channels.is_empty() || channels.len() > max {
        return Err(format!(
            "channels: 1-{max} channels, or null for none (an empty list is refused)"
        ));
    }
    for (i, c) in channels.iter().enumerate() {
        if c.is_empty() || c.len() > MAX_CHANNEL || !uid_chars(c) {
            return Err(format!(
                "channels: {c:?} must be 1-{MAX_CHANNEL} characters of a-z, A-Z, 0-9, '-', '_' and '.'"
            ));
        }
        if channels[..i].contains(c) {
            return Err(format!("channels: {c:?} is listed twice"));
        }
    }
    Ok(())
}

/// Checks metadata: at most 64 entries, keys of 1-256 characters, values of
/// at most 4096, no control characters.
pub fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<(), String> {
    if metadata.len() > MAX_METADATA {
        return Err(format!("metadata: at most {MAX_METADATA} entries"));
    }
    for (k, v) in metadata {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY || has_control(k) {
            return Err(format!(
                "metadata: key {k:?} must be 1-{MAX_METADATA_KEY} characters without control characters"
            ));
        }
        if v.chars().count() > MAX_METADATA_VALUE || has_control(v) {
            return Err(format!(
                "metadata: the value of {k:?} must be at most {MAX_METADATA_VALUE} characters without control characters"
            ));
        }
    }
    Ok(())
}

/// Checks an application's name: 1-1024 characters, no control characters.
pub fn check_app_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > MAX_APP_NAME || has_control(name) {
        return Err(format!(
            "name: must be 1-{MAX_APP_NAME} characters without control characters"
        ));
    }
    Ok(())
}

/// Checks a free-text description: at most `max` characters, no control
/// characters but tab and line breaks.
pub fn check_description(field: &str, text: &str, max: usize) -> Result<(), String> {
    if text.chars().count() > max
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!(
            "{field}: at most {max} characters, without control characters"
        ));
    }
    Ok(())
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uids() {
        assert!(check_uid("uid", "merchant-42_a.b", "app_").is_ok());
        assert!(check_uid("uid", "app_1", "app_").is_err());
        assert!(check_uid("uid", "_app_1", "app_").is_ok());
        assert!(check_uid("uid", "", "app_").is_err());
        assert!(check_uid("uid", "a b", "app_").is_err());
        assert!(check_uid("uid", &"a".repeat(257), "app_").is_err());
        assert!(check_uid("uid", "é", "app_").is_err());
    }

    #[test]
    fn channels() {
        assert!(check_channels(&["eu".into(), "us".into()], 5).is_ok());
        assert!(check_channels(&[], 5).is_err());
        assert!(check_channels(&["eu".into(), "eu".into()], 5).is_err());
        assert!(check_channels(&vec!["a".into(); 6], 5).is_err());
        assert!(check_channels(&["a/b".into()], 5).is_err());
    }

    #[test]
    fn metadata() {
        let mut m = BTreeMap::new();
        m.insert("plan".to_string(), "gold".to_string());
        assert!(check_metadata(&m).is_ok());
        m.insert("".into(), "x".into());
        assert!(check_metadata(&m).is_err());
    }

    proptest! {
        /// The pattern the API documents accepts exactly what the check
        /// accepts.
        #[test]
        fn uid_check_matches_its_pattern(
            s in "(app_|ap|a|ep_|e|msg_)?[a-zA-Z0-9_.\\- /é]{0,10}",
            prefix in "(app_|ep_|msg_)",
        ) {
            let re = regex::Regex::new(&uid_pattern(&prefix)).unwrap();
            let ok = check_uid("uid", &s, &prefix).is_ok();
            prop_assert_eq!(ok, re.is_match(&s) && s.len() <= MAX_UID, "{:?} {}", s, uid_pattern(&prefix));
        }

        #[test]
        fn checks_never_panic(s in "\\PC{0,40}", n in 0usize..12) {
            let _ = check_uid("uid", &s, "ep_");
            let _ = check_channels(&vec![s.clone(); n], 10);
            let _ = check_app_name(&s);
            let _ = check_description("description", &s, 1024);
        }
    }
}
