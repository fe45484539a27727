//! Where a provider puts an event's type (`push`, `invoice.paid`,
//! `orders/create`…), and reading it from a verified request.
//!
//! A gateway uses it to route: an endpoint subscribed to `invoice.*` gets the
//! invoices of a Stripe source and nothing else.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::request::Headers;

/// Where an event's type is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventTypeAt {
    /// A header, e.g. `X-GitHub-Event`. Schemes that sign only the body do
    /// not cover it: someone holding a signed request could resend it first
    /// under another type (the body, and so the dedup key, stay the same).
    Header(Cow<'static, str>),
    /// A string in the JSON body at this JSON pointer (RFC 6901), e.g. `/type`.
    Json(Cow<'static, str>),
}

/// A header name: an RFC 9110 token of 1-256 bytes.
fn is_header_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 256
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The JSON Schema of the two forms: `{"header": name}` or `{"json": pointer}`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EventTypeAt {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
        let form = |key: &str, pattern: &str, what: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    key,
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(pattern))
                        .description(Some(what)),
                )
                .required(key)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        OneOfBuilder::new()
            .item(form(
                "header",
                "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$",
                "A header, e.g. X-GitHub-Event",
            ))
            .item(form(
                "json",
                "^/[\\s\\S]+$",
                "A JSON pointer (RFC 6901) into the body, e.g. /type",
            ))
            .description(Some("Where an event's type is"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EventTypeAt {}

/// The longest event type taken (longer values are not types).
pub const MAX_LEN: usize = 128;

impl EventTypeAt {
    /// Checks the location: a header name, or a JSON pointer.
    pub fn check(&self) -> Result<(), String> {
        match self {
            EventTypeAt::Header(h) if is_header_name(h) => Ok(()),
            EventTypeAt::Header(h) => Err(format!("event_type: {h:?} is not a header name")),
            EventTypeAt::Json(p) if p.starts_with('/') && p.len() > 1 => Ok(()),
            EventTypeAt::Json(p) => Err(format!(
                "event_type: {p:?} is not a JSON pointer to a field (like \"/type\")"
            )),
        }
    }

    /// The event type of this request, if it is there: 1–128 printable ASCII
    /// characters without spaces. The body is scanned, not built into a tree.
    pub fn extract(&self, headers: &dyn Headers, body: &[u8]) -> Option<String> {
        let v = match self {
            EventTypeAt::Header(h) => std::str::from_utf8(headers.get(h)?)
                .ok()?
                .trim()
                .to_string(),
            EventTypeAt::Json(p) => {
                // Segments are borrowed unless they hold an escape (per request,
                // on the ingress path: no allocation for the usual `/type`).
                let path: Vec<Cow<str>> = p[1..]
                    .split('/')
                    .map(|s| match s.contains('~') {
                        true => Cow::Owned(s.replace("~1", "/").replace("~0", "~")),
                        false => Cow::Borrowed(s),
                    })
                    .collect();
                let mut de = serde_json::Deserializer::from_slice(body);
                At(&path).deserialize(&mut de).ok()??
            }
        };
        (!v.is_empty() && v.len() <= MAX_LEN && v.bytes().all(|b| b.is_ascii_graphic()))
            .then_some(v)
    }
}

/// Follows `path` through JSON objects, skipping everything off it; the string
/// at its end, if there is one.
struct At<'p>(&'p [Cow<'p, str>]);

impl<'de> DeserializeSeed<'de> for At<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for At<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.is_empty().then(|| v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match self.0.split_first() {
                Some((first, rest)) if found.is_none() && *first == key => {
                    found = map.next_value_seed(At(rest))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (n, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn from_a_header_or_a_json_pointer() {
        let none = hm(&[]);
        let gh = EventTypeAt::Header("X-GitHub-Event".into());
        assert_eq!(
            gh.extract(&hm(&[("x-github-event", " push ")]), b"{}"),
            Some("push".into())
        );
        assert_eq!(gh.extract(&none, b"{}"), None);
        assert_eq!(gh.extract(&hm(&[("x-github-event", "")]), b"{}"), None);

        let ty = EventTypeAt::Json("/type".into());
        let body = br#"{"id":"evt_1","data":{"type":"inner","list":[1,{"type":"x"}]},"type":"invoice.paid"}"#;
        assert_eq!(ty.extract(&none, body), Some("invoice.paid".into()));
        let nested = EventTypeAt::Json("/event/type".into());
        assert_eq!(
            nested.extract(
                &none,
                br#"{"type":"event_callback","event":{"type":"app_mention"}}"#
            ),
            Some("app_mention".into())
        );
        // ~1 is a '/' in a pointer's segment.
        let slash = EventTypeAt::Json("/a~1b".into());
        assert_eq!(slash.extract(&none, br#"{"a/b":"t"}"#), Some("t".into()));
        for bad in [
            &b"not json"[..],
            br#"{"type":1}"#,
            br#"{"type":null}"#,
            br#"{"type":"has space"}"#,
            br#"["type"]"#,
            br#"{"type":"ok""#,
            br#"{}"#,
            b"",
        ] {
            assert_eq!(
                ty.extract(&none, bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = format!(r#"{{"type":"{}"}}"#, "a".repeat(MAX_LEN + 1));
        assert_eq!(ty.extract(&none, long.as_bytes()), None);
    }

    #[test]
    fn locations_are_checked_and_read_from_config() {
        assert!(EventTypeAt::Header("X-Topic".into()).check().is_ok());
        assert!(EventTypeAt::Header("bad header".into()).check().is_err());
        assert!(EventTypeAt::Json("/type".into()).check().is_ok());
        assert!(EventTypeAt::Json("type".into()).check().is_err());
        assert!(EventTypeAt::Json("/".into()).check().is_err());
        let at: EventTypeAt = serde_json::from_str(r#"{"json":"/event"}"#).unwrap();
        assert_eq!(at, EventTypeAt::Json("/event".into()));
        assert!(serde_json::from_str::<EventTypeAt>(r#"{"xml":"/event"}"#).is_err());
    }
}
