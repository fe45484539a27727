//! RFC 9421 / RFC 8941 parsing on arbitrary input: Signature-Input,
//! Signature and Content-Digest values, covered components and bodies.
//! Input: split on 0xFF into Signature-Input, Signature, Content-Digest,
//! one more header (`example-dict`) and the body. Also checks that any
//! dictionary that parses serialises to a form that parses to the same.
#![no_main]

use std::sync::OnceLock;

use hookseal::scheme::httpsig::{HttpSigAlg, HttpSigSpec};
use hookseal::{sfv, Policy, Request, SchemeSpec};
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static [Policy; 2] {
    static P: OnceLock<[Policy; 2]> = OnceLock::new();
    P.get_or_init(|| {
        let hmac = HttpSigSpec {
            components: vec![
                "@method".into(),
                "@target-uri".into(),
                "content-digest".into(),
                "\"example-dict\";key=\"a\"".into(),
            ]
            .into(),
            ..HttpSigSpec::new(HttpSigAlg::HmacSha256)
        };
        let ed = HttpSigSpec::new(HttpSigAlg::Ed25519);
        let ed_key = hookseal::keys::generate(hookseal::keys::KeyKind::Ed25519);
        [
            Policy::builder(SchemeSpec::HttpSig(hmac))
                .secret("dGhpcyBpcyBhIGZ1enogc2VjcmV0IGtleQ==")
                .build()
                .unwrap(),
            Policy::builder(SchemeSpec::HttpSig(ed))
                .secret(ed_key.public.unwrap())
                .build()
                .unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xFF);
    let mut next = || parts.next().unwrap_or(&[]);
    let (input, sig, digest, dict, body) = (next(), next(), next(), next(), next());
    let headers = [
        ("signature-input", input),
        ("signature", sig),
        ("content-digest", digest),
        ("example-dict", dict),
    ];
    let req = Request::new(&headers, body).with_url("https://example.com/hook?a=1&b=2");
    for p in policies() {
        let _ = p.verify(&req, 1_700_000_000);
    }
    for v in [input, sig, digest, dict] {
        if let Ok(s) = std::str::from_utf8(v) {
            if let Ok(d) = sfv::parse_dictionary(s) {
                let again = sfv::write_dictionary(&d);
                assert_eq!(sfv::parse_dictionary(&again).as_ref(), Ok(&d), "{s:?} -> {again:?}");
            }
            if let Ok(l) = sfv::parse_list(s) {
                let again = sfv::write_list(&l);
                assert_eq!(sfv::parse_list(&again).as_ref(), Ok(&l), "{s:?} -> {again:?}");
            }
            let _ = sfv::parse_item(s);
            let _ = sfv::parse_inner_list(s);
            let _ = hookseal::scheme::httpsig::Component::parse(s);
            let _ = hookseal::scheme::httpsig::check_content_digest(s, body);
        }
    }
});
