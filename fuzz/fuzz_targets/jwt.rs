//! JWT parsing and claim checks on arbitrary `Authorization` values.
#![no_main]

use std::sync::OnceLock;

use hookseal::scheme::jwt::JwtSpec;
use hookseal::{Policy, Request, SchemeSpec};
use libfuzzer_sys::fuzz_target;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let spec = JwtSpec {
            body_hash_claim: Some("body_sha256".into()),
            issuer: Some("iss".into()),
            audience: Some("aud".into()),
            ..JwtSpec::bearer()
        };
        Policy::builder(SchemeSpec::Jwt(spec)).secret("fuzz-secret").build().unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut value = b"Bearer ".to_vec();
    value.extend_from_slice(data);
    let headers = [("Authorization", value.as_slice())];
    let _ = policy().verify(&Request::new(&headers, b"{}"), 1_700_000_000);
});
