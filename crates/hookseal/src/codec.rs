//! Byte encodings used on the wire: hex, base64, base64url, PEM, and the few DER
//! shapes public keys arrive in.
//!
//! Decoders are strict and bounded: they never allocate more than their input
//! implies and return `None` (never panic) on anything they do not understand.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use serde::{Deserialize, Serialize};

/// How a signature is written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Hexadecimal; decoding accepts either case, encoding writes lowercase.
    Hex,
    /// Standard base64 (`+/`); decoding accepts padded or unpadded input.
    Base64,
    /// URL-safe base64 (`-_`); decoding accepts padded or unpadded input.
    Base64Url,
}

impl Encoding {
    /// Parses `hex`, `base64` or `base64url`.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "hex" => Some(Encoding::Hex),
            "base64" | "b64" => Some(Encoding::Base64),
            "base64url" | "b64url" => Some(Encoding::Base64Url),
            _ => None,
        }
    }

    /// The name accepted by [`Encoding::parse`].
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
        }
    }

    /// Encodes bytes.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Hex => hex_encode(bytes),
            Encoding::Base64 => B64.encode(bytes),
            Encoding::Base64Url => B64URL_NOPAD.encode(bytes),
        }
    }

    /// Decodes into `out`, returning the number of bytes written, or `None` when
    /// the text is not valid or does not fit. Used on hot paths: no allocation.
    pub fn decode_into(self, text: &[u8], out: &mut [u8]) -> Option<usize> {
        match self {
            Encoding::Hex => hex_decode_into(text, out),
            Encoding::Base64 => b64_decode_into(text, out, false),
            Encoding::Base64Url => b64_decode_into(text, out, true),
        }
    }

    /// Decodes to a new vector.
    pub fn decode(self, text: &[u8]) -> Option<Vec<u8>> {
        match self {
            Encoding::Hex => {
                let mut out = vec![0u8; text.len() / 2];
                let n = hex_decode_into(text, &mut out)?;
                out.truncate(n);
                Some(out)
            }
            Encoding::Base64 => B64_LENIENT.decode(text).ok(),
            Encoding::Base64Url => B64URL_LENIENT.decode(text).ok(),
        }
    }
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(true)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);

/// Standard base64 with padding, for encoding.
pub(crate) const B64: GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Standard base64 accepting padded or unpadded input.
pub(crate) const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
/// URL-safe base64 accepting padded or unpadded input.
pub(crate) const B64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
/// URL-safe base64 without padding (JWT).
pub(crate) const B64URL_NOPAD: GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Maps a base64 character to its 6-bit value; 0xFF for anything else.
/// `url` selects the URL-safe alphabet (`-_`) instead of the standard one (`+/`).
const fn b64_table(url: bool) -> [u8; 256] {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    if url {
        t[b'-' as usize] = 62;
        t[b'_' as usize] = 63;
    } else {
        t[b'+' as usize] = 62;
        t[b'/' as usize] = 63;
    }
    t
}

static B64_STD_TABLE: [u8; 256] = b64_table(false);
static B64_URL_TABLE: [u8; 256] = b64_table(true);

/// Decodes base64 (padded or not) into `out`. Canonical only: the unused bits of
/// the last character must be zero, so one signature has one encoding. Written
/// for the short values signatures are (a table lookup per character, no
/// allocation); `None` on any invalid input or when `out` is too small.
fn b64_decode_into(text: &[u8], out: &mut [u8], url: bool) -> Option<usize> {
    let table = if url { &B64_URL_TABLE } else { &B64_STD_TABLE };
    let mut data = text;
    // Accept correct padding or none.
    if data.len() % 4 == 0 {
        if let Some(d) = data.strip_suffix(b"==") {
            data = d;
        } else if let Some(d) = data.strip_suffix(b"=") {
            data = d;
        }
    }
    if data.len() % 4 == 1 {
        return None;
    }
    let n = data.len() / 4 * 3 + (data.len() % 4).saturating_sub(1);
    if n > out.len() {
        return None;
    }
    let full = data.len() / 4;
    let mut o = full * 3;
    let mut bad = 0u8;
    let mut chunks = data.chunks_exact(4);
    for (c, dst) in (&mut chunks).zip(out[..o].chunks_exact_mut(3)) {
        let (a, b, cc, d) = (
            table[c[0] as usize],
            table[c[1] as usize],
            table[c[2] as usize],
            table[c[3] as usize],
        );
        bad |= a | b | cc | d;
        let v = (a as u32) << 18 | (b as u32) << 12 | (cc as u32) << 6 | d as u32;
        dst[0] = (v >> 16) as u8;
        dst[1] = (v >> 8) as u8;
        dst[2] = v as u8;
    }
    // Invalid characters map to 0xFF, so one check after the loop finds any.
    if bad & 0xC0 != 0 {
        return None;
    }
    let rest = chunks.remainder();
    match rest.len() {
        0 => {}
        2 => {
            let (a, b) = (table[rest[0] as usize], table[rest[1] as usize]);
            if (a | b) & 0xC0 != 0 || b & 0x0F != 0 {
                return None;
            }
            out[o] = (a << 2) | (b >> 4);
            o += 1;
        }
        3 => {
            let (a, b, c) = (
                table[rest[0] as usize],
                table[rest[1] as usize],
                table[rest[2] as usize],
            );
            if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 {
                return None;
            }
            out[o] = (a << 2) | (b >> 4);
            out[o + 1] = (b << 4) | (c >> 2);
            o += 2;
        }
        _ => return None,
    }
    Some(o)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex of either case into `out`; `None` on odd length, bad digit, or overflow.
pub fn hex_decode_into(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if text.len() % 2 != 0 || text.len() / 2 > out.len() {
        return None;
    }
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
    }
    Some(text.len() / 2)
}

/// Decodes hex to a vector.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    Encoding::Hex.decode(text.as_bytes())
}

/// The body of a PEM block (`-----BEGIN …-----`), with its label, if `text` is PEM.
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let text = text.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest.split_once(end.as_str())?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = B64_LENIENT.decode(b64.as_bytes()).ok()?;
    Some((label.to_string(), der))
}

/// Reads one DER TLV at the start of `input`: (tag, contents, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | b as usize;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// OID 1.2.840.10045.2.1 (id-ecPublicKey).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// OID 1.2.840.10045.3.1.7 (prime256v1 / P-256).
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// OID 1.3.101.112 (Ed25519).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// OID 1.2.840.113549.1.1.1 (rsaEncryption).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// OID 1.2.840.113549.1.1.10 (id-RSASSA-PSS): an RSA key restricted to PSS,
/// as RFC 9421's test key is written.
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// The inner private key (the PKCS#1 `RSAPrivateKey` for RSA) of a PKCS#8
/// `PrivateKeyInfo` whose algorithm is rsaEncryption or id-RSASSA-PSS.
pub(crate) fn pkcs8_inner(der: &[u8]) -> Option<&[u8]> {
    let (tag, info, rest) = der_tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, _version, rest) = der_tlv(info)?;
    if tag != 0x02 {
        return None;
    }
    let (tag, alg_id, rest) = der_tlv(rest)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, oid, _) = der_tlv(alg_id)?;
    if tag != 0x06 || (oid != OID_RSA && oid != OID_RSA_PSS) {
        return None;
    }
    let (tag, key, _) = der_tlv(rest)?;
    (tag == 0x04).then_some(key)
}

/// The algorithm a SubjectPublicKeyInfo names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpkiAlg {
    P256,
    Ed25519,
    Rsa,
}

/// Parses a DER SubjectPublicKeyInfo into its algorithm and the raw key bits
/// (the uncompressed point for P-256, 32 bytes for Ed25519, PKCS#1 RSAPublicKey for RSA).
pub(crate) fn spki_decode(der: &[u8]) -> Option<(SpkiAlg, Vec<u8>)> {
    let (tag, spki, rest) = der_tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, alg_id, rest) = der_tlv(spki)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, bits, tail) = der_tlv(rest)?;
    if tag != 0x03 || !tail.is_empty() {
        return None;
    }
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let (tag, oid, params) = der_tlv(alg_id)?;
    if tag != 0x06 {
        return None;
    }
    let alg = if oid == OID_EC_PUBLIC_KEY {
        let (tag, curve, _) = der_tlv(params)?;
        if tag != 0x06 || curve != OID_P256 || key.len() != 65 || key[0] != 4 {
            return None;
        }
        SpkiAlg::P256
    } else if oid == OID_ED25519 {
        if key.len() != 32 {
            return None;
        }
        SpkiAlg::Ed25519
    } else if oid == OID_RSA || oid == OID_RSA_PSS {
        SpkiAlg::Rsa
    } else {
        return None;
    };
    Some((alg, key.to_vec()))
}

/// DER SPKI prefix for a P-256 uncompressed point (65 bytes follow).
const SPKI_P256_PREFIX: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// DER SPKI prefix for an Ed25519 key (32 bytes follow).
const SPKI_ED25519_PREFIX: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Wraps a raw public key in a DER SubjectPublicKeyInfo.
pub(crate) fn spki_encode(alg: SpkiAlg, key: &[u8]) -> Vec<u8> {
    let prefix = match alg {
        SpkiAlg::P256 => SPKI_P256_PREFIX,
        SpkiAlg::Ed25519 => SPKI_ED25519_PREFIX,
        SpkiAlg::Rsa => unreachable!("RSA keys are never generated here"),
    };
    [prefix, key].concat()
}

/// PEM-armours DER bytes.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        assert_eq!(hex_encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode("00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(hex_decode("0"), None);
        assert_eq!(hex_decode("zz"), None);
        let mut small = [0u8; 1];
        assert_eq!(hex_decode_into(b"0000", &mut small), None);
    }

    #[test]
    fn own_base64_matches_the_base64_crate() {
        use base64::Engine;
        let mut seed = 7u32;
        for len in 0..80usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            for (enc, text) in [
                (Encoding::Base64, B64.encode(&bytes)),
                (
                    Encoding::Base64,
                    B64.encode(&bytes).trim_end_matches('=').to_string(),
                ),
                (Encoding::Base64Url, B64URL_NOPAD.encode(&bytes)),
            ] {
                let mut out = [0u8; 80];
                assert_eq!(
                    enc.decode_into(text.as_bytes(), &mut out),
                    Some(len),
                    "{text}"
                );
                assert_eq!(&out[..len], &bytes[..]);
            }
        }
        let mut out = [0u8; 8];
        for bad in ["A", "AB=", "A===", "YW=I", "YR==", "YWJ=", "!!!!", "YW I"] {
            assert_eq!(
                Encoding::Base64.decode_into(bad.as_bytes(), &mut out),
                None,
                "{bad}"
            );
        }
        assert_eq!(
            Encoding::Base64.decode_into(b"YWJjZA==", &mut [0u8; 3]),
            None
        );
    }

    #[test]
    fn base64_lenient_padding() {
        assert_eq!(Encoding::Base64.decode(b"YWI="), Some(b"ab".to_vec()));
        assert_eq!(Encoding::Base64.decode(b"YWI"), Some(b"ab".to_vec()));
        assert_eq!(Encoding::Base64Url.decode(b"-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(Encoding::Base64.decode(b"-_8"), None);
    }

    #[test]
    fn spki_round_trip() {
        let point = [4u8; 65];
        let der = spki_encode(SpkiAlg::P256, &point);
        assert_eq!(spki_decode(&der), Some((SpkiAlg::P256, point.to_vec())));
        let ed = [7u8; 32];
        let der = spki_encode(SpkiAlg::Ed25519, &ed);
        assert_eq!(spki_decode(&der), Some((SpkiAlg::Ed25519, ed.to_vec())));
        let pem = pem_encode("PUBLIC KEY", &der);
        assert_eq!(pem_decode(&pem), Some(("PUBLIC KEY".into(), der)));
        assert_eq!(spki_decode(&[0x30, 0x82]), None);
        assert_eq!(spki_decode(&[]), None);
    }
}

/// The algorithm of a public key to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyAlg {
    /// Ed25519 (32 raw bytes).
    Ed25519,
    /// P-256 (the 65-byte uncompressed point).
    P256,
}

/// Base64 of the DER SubjectPublicKeyInfo of a raw public key (the body of
/// a PEM `PUBLIC KEY`), as receivers paste it.
pub fn public_key_spki_base64(alg: PublicKeyAlg, raw: &[u8]) -> String {
    let alg = match alg {
        PublicKeyAlg::Ed25519 => SpkiAlg::Ed25519,
        PublicKeyAlg::P256 => SpkiAlg::P256,
    };
    B64.encode(spki_encode(alg, raw))
}
