//! OpenAPI schemas for strings the server checks by rules of its own: each
//! is built from the same pattern the check is tested against, so the
//! document says exactly what is accepted (`#[schema(schema_with = …)]`).

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;

fn string(pattern: String, max_length: Option<usize>, nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .pattern(Some(pattern))
        .max_length(max_length)
}

/// An endpoint URL.
pub fn url() -> RefOr<Schema> {
    string(
        crate::delivery::ssrf::URL_PATTERN.into(),
        Some(crate::delivery::ssrf::MAX_URL),
        false,
    )
    .examples(["https://example.com/webhooks"])
    .description(Some(
        "Where deliveries are POSTed. The destination policy may still refuse it (403): \
         loopback, private and other special-purpose addresses unless delivery.allow_cidrs \
         opens them, plain http:// unless delivery.allow_http is set.",
    ))
    .into()
}

/// An endpoint URL, or null (unchanged).
pub fn opt_url() -> RefOr<Schema> {
    string(
        crate::delivery::ssrf::URL_PATTERN.into(),
        Some(crate::delivery::ssrf::MAX_URL),
        true,
    )
    .into()
}

fn header_map_builder(nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::Object, Type::Null])
    } else {
        SchemaType::Type(Type::Object)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .property_names(Some(
            string(crate::headers::configurable_name_pattern(), None, false).build(),
        ))
        .additional_properties(Some(Schema::Object(
            string(
                crate::headers::VALUE_PATTERN.into(),
                Some(crate::headers::MAX_VALUE),
                false,
            )
            .build(),
        )))
        .description(Some(
            "Headers sent with every delivery (a shared custom header): names that are not \
             connection, framing or webhook-* headers, values without control characters.",
        ))
}

/// Custom headers.
pub fn header_map() -> RefOr<Schema> {
    header_map_builder(false).into()
}

/// Custom headers, or null (unchanged).
pub fn opt_header_map() -> RefOr<Schema> {
    header_map_builder(true).into()
}

/// A header name a scheme signs into.
pub fn signature_header() -> RefOr<Schema> {
    string(crate::headers::configurable_name_pattern(), None, false)
        .examples(["X-Jodo-Signature"])
        .into()
}

/// An id or timestamp header name, or null for none.
pub fn extra_header() -> RefOr<Schema> {
    string(
        crate::headers::name_pattern(&[crate::headers::HOP_BY_HOP, crate::headers::FRAMING]),
        None,
        true,
    )
    .into()
}

/// A published event type.
pub fn event_type() -> RefOr<Schema> {
    string(crate::event_types::event_type_pattern(), None, false)
        .examples(["invoice.paid"])
        .into()
}

fn filters_builder(nullable: bool) -> ArrayBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::Array, Type::Null])
    } else {
        SchemaType::Type(Type::Array)
    };
    ArrayBuilder::new()
        .schema_type(ty)
        .items(string(crate::event_types::filter_pattern(), None, false).build())
        .description(Some(
            "Event types delivered: exact (invoice.paid), a prefix pattern (invoice.*) or *. \
             Empty: every event.",
        ))
}

/// Endpoint filters.
pub fn filters() -> RefOr<Schema> {
    filters_builder(false).into()
}

/// Endpoint filters, or null (unchanged).
pub fn opt_filters() -> RefOr<Schema> {
    filters_builder(true).into()
}

fn nullable(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([t, Type::Null])
    } else {
        SchemaType::Type(t)
    }
}

/// A uid that must not start with `prefix`, or null.
fn uid(prefix: &str, null: bool) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String, null))
        .pattern(Some(crate::names::uid_pattern(prefix)))
        .min_length(Some(1))
        .max_length(Some(crate::names::MAX_UID))
        .description(Some(format!(
            "Your own id: 1-256 of a-z, A-Z, 0-9, '-', '_', '.', not starting with {prefix:?}"
        )))
        .into()
}

/// An endpoint's uid, or null.
pub fn opt_endpoint_uid() -> RefOr<Schema> {
    uid("ep_", true)
}

/// An application's uid, or null.
pub fn opt_app_uid() -> RefOr<Schema> {
    uid("app_", true)
}

fn channels(max: usize, null: bool) -> RefOr<Schema> {
    ArrayBuilder::new()
        .schema_type(nullable(Type::Array, null))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(crate::names::UID_PATTERN))
                .min_length(Some(1))
                .max_length(Some(crate::names::MAX_CHANNEL)),
        )
        .min_items(Some(1))
        .max_items(Some(max))
        .unique_items(true)
        .into()
}

/// An endpoint's channels (1-10), or null for every message.
pub fn opt_endpoint_channels() -> RefOr<Schema> {
    channels(crate::names::MAX_ENDPOINT_CHANNELS, true)
}

/// A message's channels (1-5), or null.
pub fn opt_message_channels() -> RefOr<Schema> {
    channels(crate::names::MAX_MESSAGE_CHANNELS, true)
}

fn metadata_builder(null: bool) -> ObjectBuilder {
    let no_control = "^[^\\x00-\\x1f\\x7f-\\x9f]*$";
    ObjectBuilder::new()
        .schema_type(nullable(Type::Object, null))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::names::MAX_METADATA_KEY))
                .pattern(Some(no_control))
                .build(),
        ))
        .additional_properties(Some(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(crate::names::MAX_METADATA_VALUE))
                .pattern(Some(no_control))
                .build(),
        )))
        .max_properties(Some(crate::names::MAX_METADATA))
        .description(Some("Free-form strings of yours"))
}

/// Metadata.
pub fn metadata() -> RefOr<Schema> {
    metadata_builder(false).into()
}

/// Metadata, or null (unchanged).
pub fn opt_metadata() -> RefOr<Schema> {
    metadata_builder(true).into()
}

/// Text without control characters (but tab and line breaks): a pattern.
pub const TEXT_PATTERN: &str = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$";
/// A name without any control character: a pattern.
pub const NAME_PATTERN: &str = "^[^\\x00-\\x1f\\x7f-\\x9f]+$";
/// The Svix API's names (event types, channels): a pattern.
pub const SLUG_PATTERN: &str = "^[a-zA-Z0-9\\-_.]+$";

/// A free-text description of at most `max` characters.
pub fn description(max: usize, null: bool) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String, null))
        .pattern(Some(TEXT_PATTERN))
        .max_length(Some(max))
        .into()
}

/// A description (4096 characters).
pub fn long_description() -> RefOr<Schema> {
    description(4096, false)
}

/// A description (4096 characters), or null (unchanged).
pub fn opt_long_description() -> RefOr<Schema> {
    description(4096, true)
}

/// A description (1024 characters).
pub fn short_description() -> RefOr<Schema> {
    description(1024, false)
}

/// A description (1024 characters), or null (unchanged).
pub fn opt_short_description() -> RefOr<Schema> {
    description(1024, true)
}

/// An application's name.
fn app_name_builder(null: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String, null))
        .pattern(Some(NAME_PATTERN))
        .min_length(Some(1))
        .max_length(Some(crate::names::MAX_APP_NAME))
}

pub fn app_name() -> RefOr<Schema> {
    app_name_builder(false).into()
}

pub fn opt_app_name() -> RefOr<Schema> {
    app_name_builder(true).into()
}

/// A message's event id (Svix: a uid not starting with `msg_`), or null.
pub fn opt_event_id() -> RefOr<Schema> {
    uid("msg_", true)
}

/// Event-type names (Svix's form), at least one, or null for every type.
pub fn opt_event_type_names() -> RefOr<Schema> {
    ArrayBuilder::new()
        .schema_type(nullable(Type::Array, true))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(SLUG_PATTERN))
                .min_length(Some(1))
                .max_length(Some(256)),
        )
        .min_items(Some(1))
        .unique_items(true)
        .into()
}

/// A Svix event-type name.
pub fn slug_name() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(SLUG_PATTERN))
        .min_length(Some(1))
        .max_length(Some(256))
        .into()
}

/// Feature flags' names.
pub fn feature_flags() -> RefOr<Schema> {
    ArrayBuilder::new()
        .schema_type(Type::Array)
        .unique_items(true)
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(SLUG_PATTERN))
                .min_length(Some(1))
                .max_length(Some(256)),
        )
        .into()
}

/// A feature flag's name, or null.
pub fn opt_feature_flag() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String, true))
        .pattern(Some(SLUG_PATTERN))
        .min_length(Some(1))
        .max_length(Some(256))
        .into()
}

/// JSON Schemas by version (each an object or a boolean), or null.
pub fn opt_schemas() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(nullable(Type::Object, true))
        .additional_properties(Some(Schema::Object(
            ObjectBuilder::new().schema_type(Type::Object).build(),
        )))
        .description(Some(
            "JSON Schemas of the payload by version, e.g. {\"1\": {...}}: the validation \
             vocabulary of JSON Schema 2020-12 with references inside the schema",
        ))
        .into()
}

/// Custom headers whose values may be null (removed).
pub fn header_patch_map() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            string(crate::headers::configurable_name_pattern(), None, false).build(),
        ))
        .additional_properties(Some(Schema::Object(
            string(
                crate::headers::VALUE_PATTERN.into(),
                Some(crate::headers::MAX_VALUE),
                true,
            )
            .build(),
        )))
        .into()
}

/// A provider preset's name.
pub fn provider() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(hookseal::PRESETS.iter().map(|p| p.name)))
        .description(Some("A preset (`hookseal providers` lists them)"))
        .into()
}

/// A source's provider: a preset or a generic scheme.
pub fn source_provider() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            hookseal::PRESETS
                .iter()
                .map(|p| p.name)
                .chain(hookseal::scheme::options::GENERIC.iter().copied()),
        ))
        .description(Some(
            "A preset (`hookseal providers` lists them), or a generic scheme shaped by `scheme`",
        ))
        .into()
}

#[cfg(test)]
mod tests {
    /// Every schema builds and serialises.
    #[test]
    fn schemas_build() {
        for s in [
            super::url(),
            super::opt_url(),
            super::header_map(),
            super::opt_header_map(),
            super::signature_header(),
            super::extra_header(),
            super::event_type(),
            super::filters(),
            super::opt_filters(),
            super::provider(),
            super::source_provider(),
        ] {
            assert!(serde_json::to_string(&s).unwrap().len() > 10);
        }
    }
}
