//! Key generation for every scheme hookseal signs with.

use base64::Engine;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

use crate::codec::{hex_encode, pem_encode, spki_encode, SpkiAlg, B64};
use crate::secret::{fill_random, Secret};

/// What kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A Standard Webhooks HMAC secret: `whsec_` + base64 of 32 random bytes.
    Whsec,
    /// A shared HMAC secret as text: 32 random bytes in hex (for text-secret providers).
    Hmac,
    /// A Standard Webhooks Ed25519 pair: `whsk_…` (sign) and `whpk_…` (verify).
    StandardEd25519,
    /// An Ed25519 pair in hex: 32-byte seed (sign) and 32-byte public key (verify), as Discord shows keys.
    Ed25519,
    /// An ECDSA P-256 pair: PKCS#8 PEM (sign) and base64 SPKI DER (verify), as SendGrid shows keys.
    P256,
}

impl KeyKind {
    /// Every kind with its CLI name.
    pub const ALL: &'static [(&'static str, KeyKind)] = &[
        ("whsec", KeyKind::Whsec),
        ("hmac", KeyKind::Hmac),
        ("standard-ed25519", KeyKind::StandardEd25519),
        ("ed25519", KeyKind::Ed25519),
        ("p256", KeyKind::P256),
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        KeyKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("hmac")
    }

    /// Parses a CLI name.
    pub fn parse(s: &str) -> Option<KeyKind> {
        KeyKind::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }
}

/// A generated key: the secret (or private key), and the public key for asymmetric kinds.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The shared secret or private key.
    pub secret: String,
    /// The public key, for asymmetric kinds.
    pub public: Option<String>,
}

/// Fills `buf` with bytes from the operating system's CSPRNG.
pub fn random(buf: &mut [u8]) {
    fill_random(buf)
}

/// Generates a fresh key from the operating system's CSPRNG.
pub fn generate(kind: KeyKind) -> GeneratedKey {
    let rng = ring::rand::SystemRandom::new();
    match kind {
        KeyKind::Whsec => GeneratedKey {
            secret: Secret::generate(32).to_standard(),
            public: None,
        },
        KeyKind::Hmac => GeneratedKey {
            secret: hex_encode(Secret::generate(32).expose()),
            public: None,
        },
        KeyKind::StandardEd25519 | KeyKind::Ed25519 => {
            let mut seed = [0u8; 32];
            fill_random(&mut seed);
            let kp = Ed25519KeyPair::from_seed_unchecked(&seed).expect("32-byte seed");
            let public = kp.public_key().as_ref();
            let out = if kind == KeyKind::Ed25519 {
                GeneratedKey {
                    secret: hex_encode(&seed),
                    public: Some(hex_encode(public)),
                }
            } else {
                GeneratedKey {
                    secret: format!("whsk_{}", B64.encode(seed)),
                    public: Some(format!("whpk_{}", B64.encode(public))),
                }
            };
            seed.iter_mut().for_each(|b| *b = 0);
            out
        }
        KeyKind::P256 => {
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                .expect("P-256 key generation");
            let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, doc.as_ref(), &rng)
                .expect("freshly generated PKCS#8");
            GeneratedKey {
                secret: pem_encode("PRIVATE KEY", doc.as_ref()),
                public: Some(B64.encode(spki_encode(SpkiAlg::P256, kp.public_key().as_ref()))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        let w = generate(KeyKind::Whsec);
        assert!(Secret::from_standard(&w.secret).unwrap().expose().len() == 32);
        for (_, kind) in KeyKind::ALL {
            let k = generate(*kind);
            assert!(!k.secret.is_empty());
        }
        let p = generate(KeyKind::P256);
        crate::scheme::asym::parse_public_key(
            crate::scheme::asym::AsymAlgorithm::EcdsaP256,
            p.public.as_deref().unwrap(),
        )
        .unwrap();
    }
}
