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
    /// Okta event hooks: a GET carrying the configured credential and
    /// `X-Okta-Verification-Challenge: C` → `{"verification":"C"}`.
    OktaVerification,
    /// Meta (Graph API, Messenger, Instagram, WhatsApp), unsigned: a GET with
    /// `hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` → `C`, when `T`
    /// is the source's verify token (any, when none is configured).
    MetaHubChallenge,
    /// Dropbox, unsigned: `GET ?challenge=C` → `C` as text (with `nosniff`).
    DropboxChallenge,
    /// Nylas, unsigned: `GET ?challenge=C` → `C`.
    NylasChallenge,
    /// Worldline, unsigned: a GET with `X-GCS-Webhooks-Endpoint-Verification: C` → `C`.
    WorldlineVerification,
    /// X (Twitter) CRC: `GET ?crc_token=T`, signed in
    /// `x-twitter-webhooks-signature` over the query string (as X's own
    /// autohook library checks) → `{"response_token":"sha256=" +
    /// base64(HMAC-SHA256(secret, T))}`. Answered only when the GET's own
    /// signature holds: the answer is an HMAC under the key that signs
    /// events, so an unsigned CRC would let anyone have any text signed.
    XCrc,
}

/// The longest challenge echoed back (providers send 16-64 characters).
const MAX_CHALLENGE: usize = 256;

/// A challenge worth echoing: short, printable ASCII, no quotes or angle
/// brackets (it is reflected into a response body).
fn echoable(c: &str) -> Option<&str> {
    (!c.is_empty()
        && c.len() <= MAX_CHALLENGE
        && c.bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"'<>&\\".contains(&b)))
    .then_some(c)
}

/// The first value of `name` in a query string, form-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
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
            Handshake::OktaVerification => {
                "GET X-Okta-Verification-Challenge: {\"verification\": …}"
            }
            Handshake::MetaHubChallenge => "GET hub.challenge (hub.verify_token checked): echo",
            Handshake::DropboxChallenge => "GET ?challenge=: echo",
            Handshake::NylasChallenge => "GET ?challenge=: echo",
            Handshake::WorldlineVerification => "GET X-GCS-Webhooks-Endpoint-Verification: echo",
            Handshake::XCrc => "GET crc_token (the GET's signature checked): HMAC response_token",
        }
    }

    /// Whether the provider signs its handshake GET over the query string
    /// (X's CRC): answered with [`Handshake::signed_get_reply`], refused
    /// when that signature does not hold.
    pub fn signed_over_query(self) -> bool {
        self == Handshake::XCrc
    }

    /// The reply to a handshake the provider sends as a signed GET whose
    /// signature covers the query string (X's CRC), checked here with
    /// `secret`.
    pub fn signed_get_reply(
        self,
        query: &str,
        headers: &dyn crate::Headers,
        secret: &str,
    ) -> Option<HandshakeReply> {
        if !self.signed_over_query() {
            return None;
        }
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let mac = |m: &[u8]| {
            format!(
                "sha256={}",
                crate::codec::Encoding::Base64.encode(ring::hmac::sign(&key, m).as_ref())
            )
        };
        let sig = headers.get("x-twitter-webhooks-signature")?;
        if !crate::secret::ct_eq(sig.trim_ascii(), mac(query.as_bytes()).as_bytes()) {
            return None;
        }
        let token = query_param(query, "crc_token")?;
        let out = serde_json::json!({ "response_token": mac(echoable(&token)?.as_bytes()) });
        Some(HandshakeReply {
            status: 200,
            content_type: "application/json",
            body: out.to_string(),
        })
    }

    /// Whether the provider sends its handshake unsigned (answered before
    /// verification, and only to a GET: an echo of a value the caller chose,
    /// which proves nothing and grants nothing).
    pub fn unsigned(self) -> bool {
        matches!(
            self,
            Handshake::MetaHubChallenge
                | Handshake::DropboxChallenge
                | Handshake::NylasChallenge
                | Handshake::WorldlineVerification
        )
    }

    /// The reply to an unsigned handshake: a GET with the provider's query or
    /// header. `verify_token`: Meta's, when the source has one (then the
    /// request's must match it).
    pub fn unsigned_reply(
        self,
        method: &str,
        query: &str,
        headers: &dyn crate::Headers,
        verify_token: Option<&str>,
    ) -> Option<HandshakeReply> {
        if !self.unsigned() || !method.eq_ignore_ascii_case("GET") {
            return None;
        }
        let text = |body: &str| HandshakeReply {
            status: 200,
            content_type: "text/plain",
            body: body.to_string(),
        };
        match self {
            Handshake::MetaHubChallenge => {
                if query_param(query, "hub.mode")? != "subscribe" {
                    return None;
                }
                if let Some(want) = verify_token {
                    let got = query_param(query, "hub.verify_token")?;
                    if !crate::secret::ct_eq(got.as_bytes(), want.as_bytes()) {
                        return None;
                    }
                }
                Some(text(echoable(&query_param(query, "hub.challenge")?)?))
            }
            Handshake::DropboxChallenge | Handshake::NylasChallenge => {
                Some(text(echoable(&query_param(query, "challenge")?)?))
            }
            Handshake::WorldlineVerification => {
                let v = headers.get("X-GCS-Webhooks-Endpoint-Verification")?;
                Some(text(echoable(std::str::from_utf8(v).ok()?.trim())?))
            }
            _ => None,
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
            Handshake::OktaVerification => {
                let c = headers.get("X-Okta-Verification-Challenge")?;
                let c = std::str::from_utf8(c).ok()?.trim();
                let out = serde_json::json!({ "verification": echoable(c)? });
                Some(reply("application/json", out.to_string()))
            }
            Handshake::MetaHubChallenge
            | Handshake::DropboxChallenge
            | Handshake::NylasChallenge
            | Handshake::WorldlineVerification
            | Handshake::XCrc => None,
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

/// `v2:{ts}:{body}` (Pinwheel signature v2)
const PINWHEEL_V2: &[Part] = &[
    Part::Lit(B("v2:")),
    Part::Timestamp,
    Part::Lit(B(":")),
    Part::Body,
];
/// `{body}{url}` (Trello: the body, then the registered callback URL).
const BODY_URL: &[Part] = &[Part::Body, Part::Url];

// (none needed: every row uses an existing parts:: template)
// (none: every row uses an existing parts:: template)

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
    // Source: https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security ; coinbase/coinbase-commerce-python coinbase_commerce/webhook.py
    Preset {
        name: "coinbase-commerce",
        title: "Coinbase Commerce",
        scheme: hmac(
            "X-CC-Webhook-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the shared webhook secret from Commerce Settings > Notifications, as text",
        event_type: Some(EventTypeAt::Json(B("/event/type"))),
    },
    // Source: https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks ; gocardless/gocardless-pro-python gocardless_pro/webhooks.py
    Preset {
        name: "gocardless",
        title: "GoCardless (bare hex in Webhook-Signature; not Standard Webhooks)",
        scheme: hmac(
            "Webhook-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook endpoint secret from Dashboard > Developers > Webhook endpoints, as text",
        event_type: None,
    },
    // Source: https://docs.moderntreasury.com/docs/verifying-webhooks ; Modern-Treasury/modern-treasury-python src/modern_treasury/resources/webhooks.py
    Preset {
        name: "modern-treasury",
        title: "Modern Treasury",
        scheme: hmac(
            "X-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-Webhook-ID"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook key from Developer Settings > Webhooks, as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://paystack.com/docs/payments/webhooks/ (signature; IP whitelisting section for the ranges)
    Preset {
        name: "paystack",
        title: "Paystack (HMAC-SHA512)",
        scheme: hmac(
            "x-paystack-signature",
            Algorithm::Sha512,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[
            "52.31.139.75/32",
            "52.49.173.169/32",
            "52.214.14.220/32",
        ],
        tolerance: 300,
        handshake: None,
        secret_hint: "your Paystack secret API key (sk_live_… or sk_test_…) as text; rotating the API key rotates this",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://developer.brex.com/guides/webhooks (Webhook-Id / Webhook-Timestamp / Webhook-Signature; secrets from GET /v1/webhooks/secrets)
    Preset {
        name: "brex",
        title: "Brex (Standard Webhooks, webhook-* headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "a signing secret from GET /v1/webhooks/secrets (bare base64, whsec_ optional); during rotation give both ACTIVE and PENDING_REVOKE",
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    // Source: https://docs.pinwheelapi.com/docs/webhook-signature-verification
    Preset {
        name: "pinwheel",
        title: "Pinwheel (signature v2)",
        scheme: hmac(
            "x-pinwheel-signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("v2="),
            PINWHEEL_V2,
            ts_header("x-timestamp", TimeFormat::UnixSeconds),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "your Pinwheel API secret, as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://help.bolt.com/developers/webhooks/hook-verification ; https://support.bolt.com/hc/en-us/articles/360047665193
    Preset {
        name: "bolt",
        title: "Bolt (checkout)",
        scheme: hmac(
            "X-Bolt-Hmac-Sha256",
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
        secret_hint: "the Signing Secret from Merchant Dashboard > Administration > API, as text (not hex-decoded)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developer.xero.com/documentation/guides/webhooks/overview/
    Preset {
        name: "xero",
        title: "Xero (Intent to Receive: 401 on a bad signature, empty 200 on a good one)",
        scheme: hmac(
            "x-xero-signature",
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
        secret_hint: "the webhooks key from your Xero app's Webhooks page, as text (not base64-decoded)",
        event_type: None,
    },
    // Source: Maxio (Chargify) Advanced Billing webhooks reference, signature section; gist.github.com/moklett/7456242
    Preset {
        name: "chargify",
        title: "Chargify / Maxio Advanced Billing (form-encoded bodies)",
        scheme: hmac(
            "X-Chargify-Webhook-Signature-Hmac-Sha-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-Chargify-Webhook-Id"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the Site Shared Key from Config > Settings, as text",
        event_type: None,
    },
    // Source: https://www.chargebee.com/docs/2.0/webhook_settings.html (Basic authentication on the webhook URL)
    Preset {
        name: "chargebee",
        title: "Chargebee (HTTP Basic auth; the body is not signed)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B("Basic "),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "base64 of username:password as set under Settings > Configure Chargebee > Webhooks",
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    // Source: https://www.cashfree.com/docs/api-reference/payments/latest/webhooks/signature-verification ; cashfree/cashfree-pg-sdk-python PGVerifyWebhookSignature
    Preset {
        name: "cashfree",
        title: "Cashfree Payments (PG, Payouts V2; timestamp in ms)",
        scheme: hmac(
            "x-webhook-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::TS_BODY,
            ts_header("x-webhook-timestamp", TimeFormat::UnixMillis),
            Some("x-idempotency-key"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the Client Secret (x-client-secret) of the environment, as text; keep the old one during rotation",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://pusher.com/docs/channels/server_api/webhooks/ ; pusher/pusher-http-python validate_webhook (300 s on time_ms)
    Preset {
        name: "pusher-channels",
        title: "Pusher Channels (time_ms in the body)",
        scheme: hmac(
            "X-Pusher-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            TimestampSource::JsonBody {
                field: B("time_ms"),
                format: TimeFormat::UnixMillis,
            },
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the Channels app secret (App Keys tab), as text",
        event_type: None,
    },
    // Source: https://docs.sentry.io/integrations/integration-platform/webhooks/ ; IPs: https://docs.sentry.io/security-legal-pii/security/ip-ranges/
    Preset {
        name: "sentry",
        title: "Sentry integration webhooks (sentry.io source IPs; Sentry-Hook-Timestamp is not signed)",
        scheme: hmac(
            "Sentry-Hook-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            Some("Request-ID"),
        ),
        allow_ips: &[
            "35.184.238.160/32",
            "104.155.159.182/32",
            "104.155.149.19/32",
            "130.211.230.102/32",
            "34.141.31.19/32",
            "34.141.4.162/32",
            "35.234.78.236/32",
        ],
        tolerance: 300,
        handshake: None,
        secret_hint: "the integration's Client Secret (Developer Settings > your integration), as text",
        event_type: Some(EventTypeAt::Header(B("Sentry-Hook-Resource"))),
    },
    // Source: https://developer.zendesk.com/documentation/webhooks/verifying/
    Preset {
        name: "zendesk",
        title: "Zendesk webhooks",
        scheme: hmac(
            "X-Zendesk-Webhook-Signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::TS_BODY,
            ts_header("X-Zendesk-Webhook-Signature-Timestamp", TimeFormat::Rfc3339),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's signing secret as shown (used as text, not base64-decoded)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developer.webex.com/docs/api/guides/webhooks (Authenticating Requests with Webhook Secrets)
    Preset {
        name: "webex",
        title: "Webex webhooks (HMAC-SHA1)",
        scheme: hmac(
            "X-Spark-Signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the secret given when the webhook was created, as text",
        event_type: Some(EventTypeAt::Json(B("/resource"))),
    },
    // Source: https://resend.com/docs/dashboard/webhooks/introduction (Svix-delivered; source IPs on the same page)
    Preset {
        name: "resend",
        title: "Resend (svix-* headers, Standard Webhooks scheme)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Svix,
        }),
        allow_ips: &[
            "44.228.126.217/32",
            "50.112.21.217/32",
            "52.24.126.164/32",
            "54.148.139.208/32",
            "2600:1f24:64:8000::/52",
        ],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook signing secret whsec_…",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://postmarkapp.com/developer/webhooks/webhooks-overview ; IPs: https://postmarkapp.com/support/article/800-ips-for-firewalls#webhooks
    Preset {
        name: "postmark",
        title: "Postmark (HTTP Basic auth; the body is not signed)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B("Basic "),
        }),
        allow_ips: &[
            "3.134.147.250/32",
            "50.31.156.6/32",
            "50.31.156.77/32",
            "18.217.206.57/32",
        ],
        tolerance: 300,
        handshake: None,
        secret_hint: "base64 of username:password from the webhook URL or its HTTP Auth settings",
        event_type: Some(EventTypeAt::Json(B("/RecordType"))),
    },
    // Source: https://docs.juspay.io/hyper-checkout/web/base-sdk-integration/webhooks (Configure Username and Password)
    Preset {
        name: "juspay",
        title: "Juspay (HTTP Basic auth; the body is not signed)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B("Basic "),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "base64 of username:password as set in Dashboard > Payments > Settings > Webhooks",
        event_type: Some(EventTypeAt::Json(B("/event_name"))),
    },
    // Source: https://developer.phonepe.com/v1/docs/handling-webhooks ; PhonePe/phonepe-pg-sdk-node validateCallback
    Preset {
        name: "phonepe",
        title: "PhonePe PG v2 (Authorization = SHA-256 of username:password; the body is not signed)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B(""),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "lowercase hex SHA-256 of username:password as set in Business Dashboard > Developer Settings > Webhook",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://mandrill.zendesk.com/hc/en-us/articles/360039232513-How-to-Authenticate-Webhook-Requests
    Preset {
        name: "mandrill",
        title: "Mailchimp Transactional / Mandrill (Twilio-style, HMAC-SHA1)",
        scheme: SchemeSpec::Twilio(TwilioSpec {
            signature_header: B("X-Mandrill-Signature"),
            id_header: None,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's authentication key (Settings > Webhooks); needs --url: the URL exactly as registered",
        event_type: None,
    },
    // Source: https://www.aftership.com/docs/tracking/webhook/webhook-signature
    Preset {
        name: "aftership",
        title: "AfterShip Tracking",
        scheme: hmac(
            "aftership-hmac-sha256",
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
        secret_hint: "the webhook secret from AfterShip Settings > Notifications (as text)",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://docs.alchemy.com/reference/notify-api-faq ; alchemyplatform/webhook-examples node-express/src/webhooksUtil.ts
    Preset {
        name: "alchemy",
        title: "Alchemy Notify",
        scheme: hmac(
            "X-Alchemy-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's signing key as text (a whsec_… key is used as text, not decoded)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://aps.autodesk.com/en/docs/webhooks/v1/tutorials/how-to-verify-payload-signature/
    Preset {
        name: "autodesk-aps",
        title: "Autodesk Platform Services (HMAC-SHA1)",
        scheme: hmac(
            "x-adsk-signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single("sha1hash="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the secret token set with Create Secret Token, as text",
        event_type: Some(EventTypeAt::Json(B("/hook/event"))),
    },
    // Source: https://buildkite.com/docs/apis/webhooks (X-Buildkite-Signature: timestamp=…,signature=…)
    Preset {
        name: "buildkite",
        title: "Buildkite (signature mode)",
        scheme: hmac(
            "X-Buildkite-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "timestamp", "signature"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's token from Notification Services, as text",
        event_type: Some(EventTypeAt::Header(B("X-Buildkite-Event"))),
    },
    // Source: https://buildkite.com/docs/apis/webhooks (token mode: X-Buildkite-Token)
    Preset {
        name: "buildkite-token",
        title: "Buildkite (token mode)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("X-Buildkite-Token"),
            prefix: B(""),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's token from Notification Services",
        event_type: Some(EventTypeAt::Header(B("X-Buildkite-Event"))),
    },
    // Source: castle/castle-python castle/webhooks/verify.py
    Preset {
        name: "castle",
        title: "Castle",
        scheme: hmac(
            "X-Castle-Signature",
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
        secret_hint: "the account API secret, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://circleci.com/docs/webhooks/ (circleci-signature: v1=<hex>[,v1=…])
    Preset {
        name: "circleci",
        title: "CircleCI",
        scheme: hmac(
            "circleci-signature",
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
        secret_hint: "the webhook's secret token, as text",
        event_type: Some(EventTypeAt::Header(B("circleci-event-type"))),
    },
    // Source: clearbit/clearbit-ruby lib/clearbit/webhook.rb
    Preset {
        name: "clearbit",
        title: "Clearbit (HMAC-SHA1)",
        scheme: hmac(
            "X-Request-Signature",
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
        secret_hint: "the secret API key, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: clerk/javascript packages/backend (verifyWebhook: svix-* headers, standardwebhooks)
    Preset {
        name: "clerk",
        title: "Clerk (Svix headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Svix,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint signing secret whsec_<base64>",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developer.adobe.com/frameio/guides/Webhooks/ (AdobeDocs/frameio-api src/pages/guides/Webhooks/index.md)
    Preset {
        name: "frame-io",
        title: "Frame.io",
        scheme: hmac(
            "X-Frameio-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("v0="),
            parts::V0_TS_BODY,
            ts_header("X-Frameio-Request-Timestamp", TimeFormat::UnixSeconds),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the signing secret shown when the webhook was created, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://www.go1.com/developers/partners/concepts/webhook-signature-authentification ; go1com/webhook-verifier-js
    Preset {
        name: "go-one",
        title: "Go1 (60 s window)",
        scheme: hmac(
            "Go1-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &["20.188.251.48/28", "13.67.161.224/28"],
        tolerance: 60,
        handshake: None,
        secret_hint: "the webhook's secret_key, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developers.facebook.com/docs/graph-api/webhooks/getting-started
    Preset {
        name: "meta-graph",
        title: "Meta Graph API webhooks",
        scheme: hmac(
            "X-Hub-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::MetaHubChallenge),
        secret_hint: "the Meta app secret, as text",
        event_type: Some(EventTypeAt::Json(B("/object"))),
    },
    // Source: https://developers.facebook.com/docs/messenger-platform/webhooks
    Preset {
        name: "meta-messenger",
        title: "Meta Messenger Platform",
        scheme: hmac(
            "X-Hub-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::MetaHubChallenge),
        secret_hint: "the Meta app secret, as text",
        event_type: Some(EventTypeAt::Json(B("/object"))),
    },
    // Source: https://developers.facebook.com/docs/instagram-platform/webhooks
    Preset {
        name: "meta-instagram",
        title: "Meta Instagram Platform",
        scheme: hmac(
            "X-Hub-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::MetaHubChallenge),
        secret_hint: "the Instagram or Meta app secret, as text",
        event_type: Some(EventTypeAt::Json(B("/object"))),
    },
    // Source: WhatsApp/WhatsApp-Nodejs-SDK src/utils.ts + src/__tests__/utils.test.ts
    Preset {
        name: "meta-whatsapp",
        title: "Meta WhatsApp Cloud API",
        scheme: hmac(
            "X-Hub-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::MetaHubChallenge),
        secret_hint: "the Meta app secret, as text",
        event_type: Some(EventTypeAt::Json(B("/object"))),
    },
    // Source: xdevplatform/autohook index.js (validateSignature); X "Securing webhooks"
    Preset {
        name: "x-twitter",
        title: "X / Twitter Account Activity",
        scheme: hmac(
            "x-twitter-webhooks-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::XCrc),
        secret_hint: "the app's consumer secret (API key secret), as text",
        event_type: None,
    },
    // Source: https://developers.tiktok.com/doc/webhooks-verification
    Preset {
        name: "tiktok",
        title: "TikTok for Developers",
        scheme: hmac(
            "TikTok-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "s"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's client secret, as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://devcenter.heroku.com/articles/app-webhooks
    Preset {
        name: "heroku",
        title: "Heroku app webhooks",
        scheme: hmac(
            "Heroku-Webhook-Hmac-SHA256",
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
        secret_hint: "the secret given when the webhook was created, as text",
        event_type: Some(EventTypeAt::Json(B("/webhook_metadata/event/include"))),
    },
    // Source: https://docs.hostedhooks.com/security/security-features/webhook-signatures
    Preset {
        name: "hostedhooks",
        title: "HostedHooks",
        scheme: hmac(
            "HostedHooks-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "s"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint's signing secret, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://docs.launchdarkly.com/home/connecting/webhooks (Signing webhooks)
    Preset {
        name: "launchdarkly",
        title: "LaunchDarkly",
        scheme: hmac(
            "X-LD-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret, as text",
        event_type: Some(EventTypeAt::Json(B("/kind"))),
    },
    // Source: https://www.mongodb.com/docs/atlas/tutorial/webhook-integration/
    Preset {
        name: "mongodb-atlas",
        title: "MongoDB Atlas alerts (HMAC-SHA1)",
        scheme: hmac(
            "X-MMS-Signature",
            Algorithm::Sha1,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook secret set in Project Integrations, as text",
        event_type: Some(EventTypeAt::Header(B("X-MMS-Event"))),
    },
    // Source: https://docs.fastly.com/signalsciences/integrations/generic-webhooks/
    Preset {
        name: "signal-sciences",
        title: "Signal Sciences / Fastly Next-Gen WAF",
        scheme: hmac(
            "X-SigSci-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the generic webhook's signing key, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://help.sonatype.com/iqserver/automating/iq-server-webhooks
    Preset {
        name: "sonatype-nexus-iq",
        title: "Sonatype Nexus IQ (HMAC-SHA1)",
        scheme: hmac(
            "X-Nexus-Webhook-Signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-Nexus-Webhook-Delivery"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret key, as text",
        event_type: Some(EventTypeAt::Header(B("X-Nexus-Webhook-ID"))),
    },
    // Source: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/notification-configurations (Notification Authenticity)
    Preset {
        name: "terraform-cloud",
        title: "HCP Terraform notifications (HMAC-SHA512)",
        scheme: hmac(
            "X-TFE-Notification-Signature",
            Algorithm::Sha512,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the notification configuration's token, as text",
        event_type: None,
    },
    // Source: https://cloudone.trendmicro.com/docs/conformity/webhook-communication/
    Preset {
        name: "trend-micro-conformity",
        title: "Trend Micro Cloud One Conformity",
        scheme: hmac(
            "X-Conformity-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook security token, as text (not base64-decoded)",
        event_type: None,
    },
    // Source: woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php (generate_signature)
    Preset {
        name: "woocommerce",
        title: "WooCommerce (the unsigned ping is not handled)",
        scheme: hmac(
            "X-WC-Webhook-Signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            Some("X-WC-Webhook-Delivery-ID"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret, as text",
        event_type: Some(EventTypeAt::Header(B("X-WC-Webhook-Topic"))),
    },
    // Source: https://developer.bigcommerce.com/docs/integrations/webhooks/https-webhook-overview (bigcommerce/docs https-webhook-overview.mdx)
    Preset {
        name: "bigcommerce",
        title: "BigCommerce (webhook-* headers, client secret as text)",
        scheme: hmac(
            "webhook-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            SignatureFormat::Versioned {
                separator: ' ',
                versions: B(V1),
                allow_bare: false,
            },
            parts::ID_DOT_TS_DOT_BODY,
            ts_header("webhook-timestamp", TimeFormat::UnixSeconds),
            Some("webhook-id"),
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's client secret as text (not a whsec_ value)",
        event_type: Some(EventTypeAt::Json(B("/scope"))),
    },
    // Source: openai/openai-python src/openai/resources/webhooks.py + tests/api_resources/test_webhooks.py
    Preset {
        name: "openai",
        title: "OpenAI (webhook-* headers, Standard Webhooks scheme)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint's signing secret whsec_<base64>",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://vercel.com/docs/webhooks (Securing webhooks)
    Preset {
        name: "vercel",
        title: "Vercel (HMAC-SHA1)",
        scheme: hmac(
            "x-vercel-signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret (or the integration's client secret), as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://pipedrive.readme.io/docs/guide-for-webhooks-v2 (http_auth_user / http_auth_password)
    Preset {
        name: "pipedrive",
        title: "Pipedrive (HTTP Basic auth)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B("Basic "),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "base64 of http_auth_user:http_auth_password (the part after `Basic `)",
        event_type: None,
    },
    // Source: ngrok-docs docs/integrations/vmware/webhooks.mdx (Workspace ONE UEM Event Notifications use Basic auth)
    Preset {
        name: "vmware-workspace-one",
        title: "VMware Workspace ONE UEM (HTTP Basic auth)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B("Basic "),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "base64 of username:password (the part after `Basic `)",
        event_type: None,
    },
    // Source: https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
    Preset {
        name: "trello",
        title: "Trello (HMAC-SHA1 of body + callback URL; HEAD check not handled)",
        scheme: hmac(
            "X-Trello-Webhook",
            Algorithm::Sha1,
            Encoding::Base64,
            single(""),
            BODY_URL,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the app's OAuth secret as text (needs --url: the registered callback URL)",
        event_type: Some(EventTypeAt::Json(B("/action/type"))),
    },
    // Source: Adyen docs, "Verify HMAC signatures" (webhooks with the signature in
    // the HmacSignature header: Balance Platform, Management API); the key is hex.
    // Standard payment notifications sign fields of each item instead: not this preset.
    Preset {
        name: "adyen",
        title: "Adyen (HmacSignature header: Balance Platform, Management API webhooks)",
        scheme: SchemeSpec::Hmac(HmacSpec {
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Base64,
            signature_header: B("HmacSignature"),
            format: SignatureFormat::Single { prefix: B("") },
            content: B(parts::BODY),
            timestamp: NO_TS,
            id_header: None,
            secret_form: SecretForm::Hex,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the HMAC key from the Customer Area, hex",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: Microsoft Teams docs, "Create Outgoing Webhooks" (Authorization: HMAC
    // <base64>, keyed with the base64-decoded security token).
    Preset {
        name: "microsoft-teams",
        title: "Microsoft Teams outgoing webhooks",
        scheme: SchemeSpec::Hmac(HmacSpec {
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Base64,
            signature_header: B("Authorization"),
            format: SignatureFormat::Single { prefix: B("HMAC ") },
            content: B(parts::BODY),
            timestamp: NO_TS,
            id_header: None,
            secret_form: SecretForm::Standard,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the security token Teams shows once (base64, decoded before use)",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: WorkOS docs, "Webhooks: validating requests" and workos-python
    // tests/test_webhooks.py (t= in milliseconds, 180 s as the SDKs).
    Preset {
        name: "workos",
        title: "WorkOS (3 min window)",
        scheme: hmac(
            "WorkOS-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeaderMillis,
            None,
        ),
        allow_ips: &[
            "3.217.146.166/32",
            "23.21.184.92/32",
            "34.204.154.149/32",
            "44.213.245.178/32",
            "44.215.236.82/32",
            "50.16.203.9/32",
            "52.1.251.34/32",
            "52.21.49.187/32",
            "174.129.36.47/32",
        ],
        tolerance: 180,
        handshake: None,
        secret_hint: "the endpoint's webhook secret as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: Dropbox developers, "Webhooks" reference (X-Dropbox-Signature:
    // hex HMAC-SHA256 of the body with the app secret; GET ?challenge= echo).
    Preset {
        name: "dropbox",
        title: "Dropbox (file-change webhooks)",
        scheme: hmac(
            "X-Dropbox-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::DropboxChallenge),
        secret_hint: "the app secret from the App Console, as text",
        event_type: None,
    },
    // Source: Nylas v3 docs, "Notifications" (x-nylas-signature: hex
    // HMAC-SHA256 of the body with the webhook_secret; GET ?challenge= echo).
    Preset {
        name: "nylas",
        title: "Nylas (API v3 webhooks)",
        scheme: hmac(
            "X-Nylas-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::NylasChallenge),
        secret_hint: "the webhook_secret returned when the webhook was created, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: Okta developer docs, "Event hooks" and "Secure hooks" (a static
    // credential in the Authorization header; the one-time verification GET
    // carries it and X-Okta-Verification-Challenge).
    Preset {
        name: "okta",
        title: "Okta event hooks (Authorization credential)",
        scheme: SchemeSpec::Token(TokenSpec {
            header: B("Authorization"),
            prefix: B(""),
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::OktaVerification),
        secret_hint: "the Authorization value set on the event hook, e.g. Basic dXNlcjpwYXNz",
        event_type: None,
    },
    // Source: Worldline Connect docs, "Webhooks" and connect-sdk-python3
    // signature_validator.py (X-GCS-Signature: base64 HMAC-SHA256 of the body).
    Preset {
        name: "worldline",
        title: "Worldline Connect / Direct (X-GCS-Signature)",
        scheme: hmac(
            "X-GCS-Signature",
            Algorithm::Sha256,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: Some(Handshake::WorldlineVerification),
        secret_hint: "the webhooks secret key from the Configuration Center, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: elevenlabs/elevenlabs-python src/elevenlabs/webhooks_custom.py, tests/test_webhooks.py
    Preset {
        name: "elevenlabs",
        title: "ElevenLabs (t=…,v0=… pairs, 30 min tolerance as the SDK)",
        scheme: hmac(
            "ElevenLabs-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            pairs(',', "t", "v0"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeader,
            None,
        ),
        allow_ips: &[],
        tolerance: 1800,
        handshake: None,
        secret_hint: "the webhook signing secret as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://replicate.com/docs/topics/webhooks/verify-webhook ; replicate/replicate-javascript lib/util.js validateWebhook
    Preset {
        name: "replicate",
        title: "Replicate (Standard Webhooks, webhook-* headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "whsec_<base64> from GET /v1/webhooks/default/secret",
        event_type: None,
    },
    // Source: lithic-com/lithic-python src/lithic/resources/webhooks.py (standardwebhooks), tests/api_resources/test_webhooks.py
    Preset {
        name: "lithic",
        title: "Lithic (Standard Webhooks, webhook-* headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook signing secret whsec_<base64>",
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    // Source: https://developer.helpscout.com/webhooks/ ; helpscout/helpscout-api-php src/Webhooks/IncomingWebhook.php
    Preset {
        name: "help-scout",
        title: "Help Scout (HMAC-SHA1, base64)",
        scheme: hmac(
            "X-HelpScout-Signature",
            Algorithm::Sha1,
            Encoding::Base64,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret key as text",
        event_type: Some(EventTypeAt::Header(B("X-HelpScout-Event"))),
    },
    // Source: https://docs.lemonsqueezy.com/help/webhooks/signing-requests
    Preset {
        name: "lemon-squeezy",
        title: "Lemon Squeezy",
        scheme: hmac(
            "X-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's signing secret as text",
        event_type: Some(EventTypeAt::Header(B("X-Event-Name"))),
    },
    // Source: https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks
    Preset {
        name: "checkout-com",
        title: "Checkout.com (Cko-Signature)",
        scheme: hmac(
            "Cko-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret (signature) key as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developers.notion.com/reference/webhooks
    Preset {
        name: "notion",
        title: "Notion (the unsigned verification_token POST is not accepted)",
        scheme: hmac(
            "X-Notion-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single("sha256="),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the verification_token Notion posted to the endpoint, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://developer.clickup.com/docs/webhooksignature
    Preset {
        name: "clickup",
        title: "ClickUp",
        scheme: hmac(
            "X-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook.secret returned when the webhook was created, as text",
        event_type: Some(EventTypeAt::Json(B("/event"))),
    },
    // Source: https://cal.com/docs/developing/guides/automation/webhooks
    Preset {
        name: "cal-com",
        title: "Cal.com (signed only when a secret is set)",
        scheme: hmac(
            "X-Cal-Signature-256",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the secret set on the Cal.com webhook, as text",
        event_type: Some(EventTypeAt::Json(B("/triggerEvent"))),
    },
    // Source: https://docs.withpersona.com/v2022-09-01/docs/best-practices (Checking Signatures)
    Preset {
        name: "persona",
        title: "Persona (t=…,v1=…; during rotation only the last group is checked)",
        scheme: hmac(
            "Persona-Signature",
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
        secret_hint: "the webhook secret wbhsec_… as text",
        event_type: Some(EventTypeAt::Json(B("/data/attributes/name"))),
    },
    // Source: https://docs.customer.io/api/webhooks/ (securely verifying requests)
    Preset {
        name: "customer-io",
        title: "Customer.io (reporting webhooks)",
        scheme: hmac(
            "X-CIO-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::V0_TS_BODY,
            ts_header("X-CIO-Timestamp", TimeFormat::UnixSeconds),
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the reporting webhook's signing key as text",
        event_type: Some(EventTypeAt::Json(B("/metric"))),
    },
    // Source: https://stytch.com/docs/guides/webhooks/getting-started (verify with Svix)
    Preset {
        name: "stytch",
        title: "Stytch (events delivered by Svix, svix-* headers)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Svix,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint's signing secret whsec_<base64>",
        event_type: None,
    },
    // Source: sanity-io/webhook-toolkit src/signature.ts ; https://www.sanity.io/docs/webhooks
    Preset {
        name: "sanity",
        title: "Sanity (GROQ-powered webhooks)",
        scheme: hmac(
            "sanity-webhook-signature",
            Algorithm::Sha256,
            Encoding::Base64Url,
            pairs(',', "t", "v1"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeaderMillis,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret set in sanity.io/manage (API > Webhooks), as text",
        event_type: None,
    },
    // Source: https://docs.knock.app/developer-tools/outbound-webhooks/overview (knocklabs/docs outbound-webhooks/overview.mdx)
    Preset {
        name: "knock",
        title: "Knock (outbound webhooks)",
        scheme: hmac(
            "x-knock-signature",
            Algorithm::Sha256,
            Encoding::Base64,
            pairs(',', "t", "s"),
            parts::TS_DOT_BODY,
            TimestampSource::SignatureHeaderMillis,
            None,
        ),
        allow_ips: &["3.138.92.104", "18.116.161.231", "3.19.195.170"],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's signing secret from the Knock dashboard (Platform > Webhooks), as text",
        event_type: Some(EventTypeAt::Header(B("x-knock-event"))),
    },
    // Source: liveblocks/liveblocks packages/liveblocks-node/src/webhooks.ts ; https://liveblocks.io/docs/platform/webhooks
    Preset {
        name: "liveblocks",
        title: "Liveblocks (webhook-* headers, Standard Webhooks scheme)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "whsec_<base64> signing secret from the Liveblocks dashboard webhooks page",
        event_type: Some(EventTypeAt::Json(B("/type"))),
    },
    // Source: https://loops.so/docs/webhooks
    Preset {
        name: "loops",
        title: "Loops (webhook-* headers, Standard Webhooks scheme)",
        scheme: SchemeSpec::StandardWebhooks(StandardSpec {
            style: HeaderStyle::Webhook,
        }),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "whsec_<base64> signing secret from Loops Settings > Webhooks",
        event_type: Some(EventTypeAt::Json(B("/eventName"))),
    },
    // Source: https://docs.attio.com/rest-api/guides/webhooks (Authenticating)
    Preset {
        name: "attio",
        title: "Attio (Attio-Signature; X-Attio-Signature is a duplicate)",
        scheme: hmac(
            "Attio-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the webhook's secret from Attio developer settings (or the create-webhook response), as text",
        event_type: None,
    },
    // Source: https://docs.gusto.com/app-integrations/docs/webhooks (Verifying event integrity)
    Preset {
        name: "gusto",
        title: "Gusto Embedded (webhook subscriptions)",
        scheme: hmac(
            "X-Gusto-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the subscription's verification_token, as text",
        event_type: Some(EventTypeAt::Json(B("/event_type"))),
    },
    // Source: https://developers.rewardful.com/webhooks/signed-webhooks
    Preset {
        name: "rewardful",
        title: "Rewardful",
        scheme: hmac(
            "X-Rewardful-Signature",
            Algorithm::Sha256,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the endpoint's Signing Secret from Rewardful's Webhooks page, as text",
        event_type: None,
    },
    // Source: https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook (and .../catalog/webhooks)
    Preset {
        name: "segment",
        title: "Segment Webhooks destination (shared secret, HMAC-SHA1)",
        scheme: hmac(
            "X-Signature",
            Algorithm::Sha1,
            Encoding::Hex,
            single(""),
            parts::BODY,
            NO_TS,
            None,
        ),
        allow_ips: &[],
        tolerance: 300,
        handshake: None,
        secret_hint: "the Shared Secret set on the Webhooks destination, as text",
        event_type: Some(EventTypeAt::Json(B("/type"))),
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
    fn unsigned_handshakes_echo_only_what_is_safe() {
        let none: Vec<(&str, &str)> = vec![];
        let meta = Handshake::MetaHubChallenge;
        let q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";
        let r = meta
            .unsigned_reply("GET", q, &none, Some("meatyhamhock"))
            .unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "1158201444"));
        assert!(meta.unsigned_reply("GET", q, &none, None).is_some());
        assert!(meta
            .unsigned_reply("GET", q, &none, Some("other"))
            .is_none());
        assert!(meta
            .unsigned_reply("POST", q, &none, Some("meatyhamhock"))
            .is_none());
        let unsub = q.replace("subscribe", "unsubscribe");
        assert!(meta.unsigned_reply("GET", &unsub, &none, None).is_none());
        for h in [Handshake::DropboxChallenge, Handshake::NylasChallenge] {
            let r = h
                .unsigned_reply("GET", "challenge=abc%2D123", &none, None)
                .unwrap();
            assert_eq!(r.body, "abc-123");
            // Reflected text: no markup, no quotes, nothing long.
            for bad in [
                "challenge=%3Cscript%3E",
                "challenge=a%22b",
                "challenge=",
                "x=1",
            ] {
                assert!(h.unsigned_reply("GET", bad, &none, None).is_none(), "{bad}");
            }
            let long = format!("challenge={}", "a".repeat(300));
            assert!(h.unsigned_reply("GET", &long, &none, None).is_none());
        }
        let wl = vec![("X-GCS-Webhooks-Endpoint-Verification", "r4nd0m-V4lue")];
        let r = Handshake::WorldlineVerification
            .unsigned_reply("GET", "", &wl, None)
            .unwrap();
        assert_eq!(r.body, "r4nd0m-V4lue");
        // Signed handshakes are never answered unsigned.
        for h in [Handshake::OktaVerification, Handshake::SlackUrlVerification] {
            assert!(!h.unsigned());
            assert!(h.unsigned_reply("GET", "challenge=x", &wl, None).is_none());
        }
        let okta = vec![(
            "X-Okta-Verification-Challenge",
            "We-eYhbnK0DydQ8gq1Zpe0ZHWUoz2GbiHC1KVR8h",
        )];
        let r = Handshake::OktaVerification.reply(&okta, b"", "s").unwrap();
        assert_eq!(
            r.body,
            r#"{"verification":"We-eYhbnK0DydQ8gq1Zpe0ZHWUoz2GbiHC1KVR8h"}"#
        );
    }

    #[test]
    fn x_crc_is_answered_only_when_its_get_is_signed() {
        // The research vector: X DevRel's sample secret and crc_token.
        let secret = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu";
        let query = "crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553";
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let sig = format!(
            "sha256={}",
            crate::codec::Encoding::Base64
                .encode(ring::hmac::sign(&key, query.as_bytes()).as_ref())
        );
        let signed = vec![("x-twitter-webhooks-signature", sig.as_str())];
        let r = Handshake::XCrc
            .signed_get_reply(query, &signed, secret)
            .unwrap();
        assert_eq!(
            r.body,
            r#"{"response_token":"sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="}"#
        );
        let none: Vec<(&str, &str)> = vec![];
        assert!(Handshake::XCrc
            .signed_get_reply(query, &none, secret)
            .is_none());
        assert!(Handshake::XCrc
            .signed_get_reply("crc_token=other", &signed, secret)
            .is_none());
        assert!(Handshake::XCrc
            .signed_get_reply(query, &signed, "other")
            .is_none());
        assert!(!Handshake::XCrc.unsigned());
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
