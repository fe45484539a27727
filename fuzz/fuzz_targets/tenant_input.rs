//! What a provider's customers and their integrations send the server about
//! their applications: JSON Schemas of event types (compiled when stored) and
//! payloads validated against them, uids, channels, metadata and names. The
//! server's own modules, compiled here as they are (no server runtime).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/hookseal-server/src/service/jsonschema.rs"]
#[allow(dead_code)]
mod jsonschema;
#[path = "../../crates/hookseal-server/src/names.rs"]
#[allow(dead_code)]
mod names;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // A schema and an instance, split at the first NUL.
    let (schema, instance) = s.split_once('\0').unwrap_or((s, "{}"));
    if let (Ok(schema), Ok(instance)) = (
        serde_json::from_str::<serde_json::Value>(schema),
        serde_json::from_str::<serde_json::Value>(instance),
    ) {
        if let Ok(compiled) = jsonschema::Schema::compile(&schema) {
            let _ = compiled.validate(&instance);
            let _ = compiled.validate(&schema);
        }
    }
    for prefix in ["app_", "ep_", "msg_"] {
        let _ = names::check_uid("uid", s, prefix);
    }
    let list: Vec<String> = s.split(',').map(str::to_string).collect();
    let _ = names::check_channels(&list, names::MAX_ENDPOINT_CHANNELS);
    let _ = names::check_app_name(s);
    let _ = names::check_description("description", s, 1024);
    if let Ok(m) = serde_json::from_str(s) {
        let _ = names::check_metadata(&m);
    }
});
