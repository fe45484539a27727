//! Configuration parsers: secrets, public and private keys (PEM, DER, raw),
//! CIDRs, content templates, timestamps.
#![no_main]

use hookseal::scheme::asym::{parse_public_key, AsymAlgorithm};
use hookseal::{provider, Cidr, Part, Secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        let _ = hookseal::Encoding::Base64.decode(data);
        let _ = hookseal::Encoding::Hex.decode(data);
        return;
    };
    let _ = Secret::from_standard(s);
    let _ = s.parse::<Cidr>();
    let _ = Part::parse_template(s);
    let _ = hookseal::time::parse_rfc3339(s);
    let _ = hookseal::codec::pem_decode(s);
    let _ = parse_public_key(AsymAlgorithm::Ed25519, s);
    let _ = parse_public_key(AsymAlgorithm::EcdsaP256, s);
    // Private keys and JWT keys are parsed when a signer or verifier is built.
    for name in ["discord", "sendgrid", "standard-webhooks", "flatfile"] {
        let spec = &provider::find(name).unwrap().scheme;
        let _ = spec.signer(&[s]);
        let _ = spec.verifier(&[s]);
    }
    let _ = hookseal::SchemeSpec::Jwt(hookseal::scheme::jwt::JwtSpec::bearer()).verifier(&[s]);
});
