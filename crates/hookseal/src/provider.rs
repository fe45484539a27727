//! Provider presets, as data: one row per provider.
//!
//! A [`Preset`] is a [`SchemeSpec`] plus what the provider publishes around it:
//! the source ranges it sends from, the timestamp tolerance it documents, and the
//! handshake its endpoint registration needs. Adding a provider is one row here
//! and one test vector in `tests/it/vectors.rs`.
//!
//! Sources for every row are the providers' documentation and official SDKs;
//! where a provider's SDK deviates from its documentation (Zoom's SDK hashes
//! re-serialised JSON; several SDKs compare base64 text), hookseal follows the
//! documentation and verifies the raw bytes.

use std::borrow::Cow::Borrowed as B;

use crate::codec::Encoding;
use crate::event_type::EventTypeAt;
use crate::request::{parts, Part};
use crate::scheme::asym::{AsymAlgorithm, AsymSpec};
use crate::scheme::hmac::{HmacSpec, SignatureFormat};
use crate::scheme::jwt::{JwtAlg, JwtSpec};
use crate::scheme::standard::{HeaderStyle, StandardSpec};
use crate::scheme::token::TokenSpec;
use crate::scheme::twilio::TwilioSpec;
use crate::scheme::{SchemeSpec, TimestampSource};
use crate::secret::{Algorithm, SecretForm};
use crate::time::TimeFormat;

/// A challenge a provider sends when an endpoint is registered, which the
/// receiver must answer (after verifying it like any other request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    /// Slack Events API: `{"type":"url_verification","challenge":…}` → echo the challenge.
    SlackUrlVerification,
    /// Zoom: `{"event":"endpoint.url_validation","payload":{"plainToken":…}}` →
    /// `{"plainToken":…,"encryptedToken":hex(HMAC-SHA256(secret, plainToken))}`.
    ZoomUrlValidation,
    /// Discord interactions: `{"type":1}` (PING) → `{"type":1}` (PONG).
    DiscordPing,
    /// Twitch EventSub: message type `webhook_callback_verification` → the challenge as text.
    TwitchChallenge,
}

/// A reply to a handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeReply {
    /// The HTTP status.
    pub status: u16,
    /// The content type.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Handshake {
    /// What the provider sends and expects, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Handshake::SlackUrlVerification => "url_verification: echo the challenge",
            Handshake::ZoomUrlValidation => "endpoint.url_validation: HMAC of plainToken",
            Handshake::DiscordPing => "PING type 1: PONG",
            Handshake::TwitchChallenge => "webhook_callback_verification: echo the challenge",
        }
    }

    /// The reply, if this verified request is the handshake. `secret` is the
    /// source's first secret (Zoom derives its answer from it).
    pub fn reply(
        self,
        headers: &dyn crate::Headers,
        body: &[u8],
        secret: &str,
    ) -> Option<HandshakeReply> {
        let json = || serde_json::from_slice::<serde_json::Value>(body).ok();
        let reply = |content_type, body: String| HandshakeReply {
            status: 200,
            content_type,
            body,
        };
        match self {
            Handshake::SlackUrlVerification => {
                let v = json()?;
                if v.get("type")?.as_str()? != "url_verification" {
                    return None;
                }
                let c = v.get("challenge")?.as_str()?;
                Some(reply("text/plain", c.to_string()))
            }
            Handshake::ZoomUrlValidation => {
                let v = json()?;
                if v.get("event")?.as_str()? != "endpoint.url_validation" {
                    return None;
                }
                let plain = v.get("payload")?.get("plainToken")?.as_str()?;
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
                let enc =
                    crate::codec::hex_encode(ring::hmac::sign(&key, plain.as_bytes()).as_ref());
                let out = serde_json::json!({ "plainToken": plain, "encryptedToken": enc });
                Some(reply("application/json", out.to_string()))
            }
            Handshake::DiscordPing => {
                let v = json()?;
                if v.get("type")?.as_i64()? != 1 {
                    return None;
                }
                Some(reply("application/json", r#"{"type":1}"#.to_string()))
            }
            Handshake::TwitchChallenge => {
                let t = headers.get("Twitch-Eventsub-Message-Type")?;
                if t != b"webhook_callback_verification" {
                    return None;
                }
                let v = json()?;
                Some(reply(
                    "text/plain",
                    v.get("challenge")?.as_str()?.to_string(),
                ))
            }
        }
    }
}

/// A provider preset.
#[derive(Debug, Clone)]
pub struct Preset {
    /// Kebab-case name (`github`, `jodo`, …).
    pub name: &'static str,
    /// Who the provider is, in a few words.
    pub title: &'static str,
    /// The scheme.
    pub scheme: SchemeSpec,
    /// The provider's published source ranges (applied when the remote address is known).
    pub allow_ips: &'static [&'static str],
    /// The documented timestamp tolerance in seconds (both directions).
    pub tolerance: i64,
    /// The registration handshake, if any.
    pub handshake: Option<Handshake>,
    /// The form of the secret `--secret` takes.
    pub secret_hint: &'static str,
    /// Where the provider puts an event's type, where it documents one place
    /// for every event.
    pub event_type: Option<EventTypeAt>,
}

impl Preset {
    /// What the preset checks, one line.
    pub fn describe(&self) -> String {
        let mut s = self.scheme.describe();
        if !self.allow_ips.is_empty() {
            s.push_str(&format!(
                "; source IPs {} when the remote address is known",
                self.allow_ips.join(", ")
            ));
        }
        s
    }
}

const fn hmac(
    header: &'static str,
    algorithm: Algorithm,
    encoding: Encoding,
    format: SignatureFormat,
    content: &'static [Part],
    timestamp: TimestampSource,
    id_header: Option<&'static str>,
) -> SchemeSpec {
    SchemeSpec::Hmac(HmacSpec {
        algorithm,
        encoding,
        signature_header: B(header),
        format,
        content: B(content),
        timestamp,
        id_header: match id_header {
            Some(h) => Some(B(h)),
            None => None,
        },
        secret_form: SecretForm::Text,
    })
}

const fn single(prefix: &'static str) -> SignatureFormat {
    SignatureFormat::Single { prefix: B(prefix) }
}

const fn pairs(separator: char, ts: &'static str, sig: &'static str) -> SignatureFormat {
    SignatureFormat::Pairs {
        separator,
        timestamp_key: B(ts),
        signature_key: B(sig),
    }
}

const fn ts_header(name: &'static str, format: TimeFormat) -> TimestampSource {
    TimestampSource::Header {
        name: B(name),
        format,
    }
}

const NO_TS: TimestampSource = TimestampSource::None;
const TEXT: &str = "the signing secret as text";
const V1: &[std::borrow::Cow<'static, str>] = &[B("v1")];
const V1_V1A: &[std::borrow::Cow<'static, str>] = &[B("v1"), B("v1a")];

/// Jodo's published production source addresses.
pub const JODO_PRODUCTION_IPS: &[&str] = &[
    "3.6.234.242",
    "3.111.80.40",
    "13.232.24.175",
    "43.204.202.190",
];
/// Jodo's other published group (sandbox).
pub const JODO_SANDBOX_IPS: &[&str] = &["3.108.86.33", "13.127.40.177", "65.0.77.215"];

/// Every preset.
pub static PRESETS: &[Preset] = &[
    Preset {
        name: "standard-webhooks",
        title: "Standard Webhooks (webhook-* headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint:
            "whsec_<base64> (HMAC), whpk_<base64> to verify / whsk_<base64> to sign (Ed25519)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    Preset {
        name: "svix",
        title: "Svix (svix-* headers, Standard Webhooks scheme)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Svix,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "whsec_<base64>",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    Preset {
        name: "jodo",
        title: "Jodo (production)",
        scheme: hmac(
            "X-Jodo-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: JODO_PRODUCTION_IPS,
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: None,
    },
    Preset {
        name: "jodo-sandbox",
        title: "Jodo (sandbox source addresses)",
        scheme: hmac(
            "X-Jodo-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: JODO_SANDBOX_IPS,
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: None,
    },
    Preset {
        name: "joy-loyalty",
        title: "Joy Loyalty",
        scheme: hmac(
            "X-Joy-Loyalty-Hmac-Sha256",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the shop's secret key as text",
        event_type: None,
    },
    Preset {
        name: "orange-logic",
        title: "Orange Logic (SHA-256 default; --algorithm sha512 when configured so)",
        scheme: hmac(
            "x-ol-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            SignatureFormat::Versioned {
                separator: ' ',
                versions: B(V1_V1A),
                allow_bare: true,
            },
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the secret from the RotateSecret API, as text",
        event_type: None,
    },
    Preset {
        name: "flatfile",
        title: "Flatfile listener (JWT bearer, HS256 shared secret)",
        scheme: SchemeSpec::Jwt(JwtSpec {
            header: B("Authorization"),
            prefix: B("Bearer "),
            algorithms: B(&[JwtAlg::HS256]),
            leeway: 60,
            issuer: None,
            audience: None,
            body_hash_claim: None,
            lifetime: 300,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the shared JWT secret as text",
        event_type: None,
    },
    Preset {
        name: "github",
        title: "GitHub",
        scheme: hmac(
            "X-Hub-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            Some("X-GitHub-Delivery"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: Some(EventTypeAt::Header(B("X-GitHub-Event"))),
    },
    Preset {
        name: "stripe",
        title: "Stripe",
        scheme: hmac(
            "Stripe-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint secret whsec_… used as text (not decoded)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    Preset {
        name: "shopify",
        title: "Shopify",
        scheme: hmac(
            "X-Shopify-Hmac-Sha256",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-Shopify-Webhook-Id"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's client secret as text",
        event_type: Some(EventTypeAt::Header(B("X-Shopify-Topic"))),
    },
    Preset {
        name: "slack",
        title: "Slack",
        scheme: hmac(
            "X-Slack-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("v0="),
            parts::V0_TS_BODY,
            ts_header("X-Slack-Request-Timestamp", TimeFormat::UnixSeconds),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::SlackUrlVerification),
        secret_hint: "the app's signing secret as text",
        event_type: Some(EventTypeAt::Json(B("/event/type"))),
    },
    Preset {
        name: "twilio",
        title: "Twilio",
        scheme: SchemeSpec::Twilio(TwilioSpec {
            signature_header: B("X-Twilio-Signature"),
            id_header: Some(B("I-Twilio-Idempotency-Token")),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the account auth token (needs --url)",
        event_type: None,
    },
    Preset {
        name: "square",
        title: "Square",
        scheme: hmac(
            "x-square-hmacsha256-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::URL_BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the subscription's signature key as text (needs --url: the notification URL)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    Preset {
        name: "zoom",
        title: "Zoom",
        scheme: hmac(
            "x-zm-signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("v0="),
            parts::V0_TS_BODY,
            ts_header("x-zm-request-timestamp", TimeFormat::UnixSeconds),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::ZoomUrlValidation),
        secret_hint: "the app's secret token as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    Preset {
        name: "paddle",
        title: "Paddle Billing (5 s tolerance, as Paddle's SDKs)",
        scheme: hmac(
            "Paddle-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(';', "ts", "h1"),
            parts::TS_COLON_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 5,
        handshake: None,
        secret_hint: "the endpoint secret key pdl_ntfset_… as text",
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    Preset {
        name: "linear",
        title: "Linear (webhookTimestamp in the body, 60 s)",
        scheme: hmac(
            "Linear-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            TimestampSource::JsonBody {
                field: B("webhookTimestamp"),
                format: TimeFormat::UnixMillis,
            },
            Some("Linear-Delivery"),
        ),
        allow_ips: &[],
        tolerance: 60,
        handshake: None,
        secret_hint: TEXT,
        event_type: None,
    },
    Preset {
        name: "discord",
        title: "Discord interactions (Ed25519)",
        scheme: SchemeSpec::Asym(AsymSpec {
            algorithm: AsymAlgorithm::Ed25519,
            signature_header: B("X-Signature-Ed25519"),
            encoding: Encoding::Hex,
            timestamp: ts_header("X-Signature-Timestamp", TimeFormat::UnixSeconds),
            content: B(parts::TS_BODY),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::DiscordPing),
        secret_hint: "the application's public key (hex) to verify; an Ed25519 private key to sign",
        event_type: None,
    },
    Preset {
        name: "sendgrid",
        title: "SendGrid signed Event Webhook (ECDSA P-256)",
        scheme: SchemeSpec::Asym(AsymSpec {
            algorithm: AsymAlgorithm::EcdsaP256,
            signature_header: B("X-Twilio-Email-Event-Webhook-Signature"),
            encoding: Encoding::Base64,
            timestamp: ts_header(
                "X-Twilio-Email-Event-Webhook-Timestamp",
                TimeFormat::UnixSeconds,
            ),
            content: B(parts::TS_BODY),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the verification key (base64 SPKI) to verify; a P-256 PKCS#8 key to sign",
        event_type: None,
    },
    Preset {
        name: "hubspot",
        title: "HubSpot (signature v3)",
        scheme: hmac(
            "X-HubSpot-Signature-v3",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::METHOD_URL_BODY_TS,
            ts_header("X-HubSpot-Request-Timestamp", TimeFormat::UnixMillis),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's client secret as text (needs --url and --method)",
        event_type: None,
    },
    Preset {
        name: "twitch",
        title: "Twitch EventSub (10 min window)",
        scheme: hmac(
            "Twitch-Eventsub-Message-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::ID_TS_BODY,
            ts_header("Twitch-Eventsub-Message-Timestamp", TimeFormat::Rfc3339),
            Some("Twitch-Eventsub-Message-Id"),
        ),
        allow_ips: &[],
        tolerance: 600,
        handshake: Some(Handshake::TwitchChallenge),
        secret_hint: "the subscription secret as text",
        event_type: Some(EventTypeAt::Header(B("Twitch-Eventsub-Subscription-Type"))),
    },
    Preset {
        name: "typeform",
        title: "Typeform",
        scheme: hmac(
            "Typeform-Signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    Preset {
        name: "gitlab",
        title: "GitLab (secret token)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("X-Gitlab-Token"),
            prefix: B(""),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret token",
        event_type: Some(EventTypeAt::Header(B("X-Gitlab-Event"))),
    },
    Preset {
        name: "bitbucket",
        title: "Bitbucket",
        scheme: hmac(
            "X-Hub-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            Some("X-Request-UUID"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: Some(EventTypeAt::Header(B("X-Event-Key"))),
    },
    Preset {
        name: "intercom",
        title: "Intercom (HMAC-SHA1)",
        scheme: hmac(
            "X-Hub-Signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single("sha1="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's client secret as text",
        event_type: Some(EventTypeAt::Json(B("/topic"))),
    },
    Preset {
        name: "razorpay",
        title: "Razorpay",
        scheme: hmac(
            "X-Razorpay-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-Razorpay-Event-Id"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook secret as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    Preset {
        name: "pagerduty",
        title: "PagerDuty v3 webhooks",
        scheme: hmac(
            "X-PagerDuty-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the subscription secret as text (not base64-decoded)",
        event_type: Some(EventTypeAt::Json(B("/event/event_type"))),
    },
    Preset {
        name: "mux",
        title: "Mux",
        scheme: hmac(
            "Mux-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: TEXT,
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    Preset {
        name: "calendly",
        title: "Calendly (3 min window)",
        scheme: hmac(
            "Calendly-Webhook-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 180,
        handshake: None,
        secret_hint: "the webhook signing key as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
];

/// The provider table of the README, generated from the rows (a test keeps
/// the README's copy equal to this).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| preset | provider | scheme | headers | tolerance | source IPs | handshake |\n\
         |---|---|---|---|---:|---|---|\n",
    );
    for p in PRESETS {
        let headers: Vec<String> = p
            .scheme
            .headers()
            .iter()
            .map(|h| format!("`{h}`"))
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            p.name,
            p.title.replace('|', "/"),
            p.scheme.summary(),
            headers.join(" "),
            if p.scheme.signs_time() {
                format!("{} s", p.tolerance)
            } else {
                "—".to_string()
            },
            if p.allow_ips.is_empty() {
                "—".to_string()
            } else {
                format!("{} ranges", p.allow_ips.len())
            },
            p.handshake.map_or("—", Handshake::describe),
        ));
    }
    out
}

/// Looks a preset up by name (case-insensitive; `_` and `-` are the same).
pub fn find(name: &str) -> Option<&'static Preset> {
    let want = name.trim().to_ascii_lowercase().replace('_', "-");
    PRESETS.iter().find(|p| p.name == want)
}

/// A generic Versioned list like Standard Webhooks' (`v1,` entries), for custom schemes.
pub const VERSIONED_V1: SignatureFormat = SignatureFormat::Versioned {
    separator: ' ',
    versions: B(V1),
    allow_bare: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_locations_are_valid() {
        for p in PRESETS {
            if let Some(at) = &p.event_type {
                assert_eq!(at.check(), Ok(()), "{}", p.name);
            }
        }
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for p in PRESETS {
            assert!(seen.insert(p.name), "duplicate {}", p.name);
            assert!(
                p.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                p.name
            );
            assert!(find(p.name).is_some());
            assert!(!p.describe().is_empty());
            for ip in p.allow_ips {
                ip.parse::<crate::ip::Cidr>().unwrap();
            }
        }
        assert_eq!(find("Joy_Loyalty").unwrap().name, "joy-loyalty");
        assert!(find("nope").is_none());
    }

    #[test]
    fn zoom_handshake_matches_cross_check() {
        let body = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1,"event":"endpoint.url_validation"}"#;
        let h: Vec<(&str, &str)> = vec![];
        let r = Handshake::ZoomUrlValidation
            .reply(&h, body, "secretValueTest")
            .unwrap();
        assert!(r
            .body
            .contains("70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff"));
        assert!(Handshake::ZoomUrlValidation.reply(&h, b"{}", "s").is_none());
    }

    #[test]
    fn other_handshakes() {
        let h: Vec<(&str, &str)> = vec![];
        let slack = Handshake::SlackUrlVerification
            .reply(&h, br#"{"type":"url_verification","challenge":"abc"}"#, "s")
            .unwrap();
        assert_eq!(slack.body, "abc");
        let d = Handshake::DiscordPing
            .reply(&h, br#"{"type":1}"#, "s")
            .unwrap();
        assert_eq!(d.body, r#"{"type":1}"#);
        assert!(Handshake::DiscordPing
            .reply(&h, br#"{"type":2}"#, "s")
            .is_none());
        let th = vec![(
            "Twitch-Eventsub-Message-Type",
            "webhook_callback_verification",
        )];
        let t = Handshake::TwitchChallenge
            .reply(&th, br#"{"challenge":"xyz"}"#, "s")
            .unwrap();
        assert_eq!(t.body, "xyz");
    }
}
