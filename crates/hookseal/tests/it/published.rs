//! Every preset's vectors, as data: one or more rows per preset, each saying
//! where it comes from. `published:` rows are the provider's own examples
//! (documentation or official SDK tests); `computed:` rows are for providers
//! that publish none, computed independently (Python's hmac module) from the
//! rule on the provider's page. Adding a preset is one row in
//! `src/provider.rs` and one row here; `every_preset_has_a_vector` fails
//! until it has one.

use hookseal::PRESETS;

use crate::support::{Vector, BASE};

const SW_BODY: &[u8] = br#"{"test": 2432232314}"#;
const HELLO: &[u8] = br#"{"hello":"world"}"#;
const TWILIO_FORM: &[u8] = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
const TWILIO_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

pub static VECTORS: &[Vector<'static>] = &[
    Vector {
        provider: "standard-webhooks",
        source: "published: standard-webhooks libraries, python/javascript test_sign_function",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        body: SW_BODY,
        now: 1614265330,
        ..BASE
    },
    Vector {
        provider: "standard-webhooks",
        source: "published: standard-webhooks libraries/go webhook_asymmetric_test.go (v1a, Ed25519)",
        keys: &["whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="],
        headers: &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=="),
        ],
        body: SW_BODY,
        now: 1614265330,
        ..BASE
    },
    Vector {
        provider: "svix",
        source: "published: svix libraries' test vector, in a rotation list with other versions",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            ("svix-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,zzz v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        body: SW_BODY,
        now: 1614265330 + 299,
        ..BASE
    },
    Vector {
        provider: "github",
        source: "published: GitHub docs, validating webhook deliveries",
        keys: &["It's a Secret to Everybody"],
        headers: &[("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")],
        body: b"Hello, World!",
        ..BASE
    },
    Vector {
        provider: "github",
        source: "published: octokit/webhooks-methods tests",
        keys: &["mysecret"],
        headers: &[("X-Hub-Signature-256", "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3")],
        body: br#"{"foo":"bar"}"#,
        ..BASE
    },
    Vector {
        provider: "github",
        source: "published: octokit/webhooks-methods tests (pretty-printed body)",
        keys: &["mysecret"],
        headers: &[("X-Hub-Signature-256", "sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f")],
        body: b"{\n  \"foo\": \"bar\"\n}\n",
        ..BASE
    },
    Vector {
        provider: "stripe",
        source: "published: stripe-dotnet EventUtilityTest + event_test_signature.json (484 bytes)",
        keys: &["webhook_secret"],
        headers: &[(
            "Stripe-Signature",
            "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef",
        )],
        body: include_bytes!("fixtures/stripe_event.json"),
        now: 1533204620 + 10,
        ..BASE
    },
    Vector {
        provider: "shopify",
        source: "published: Shopify/shopify-app-js webhook validation tests",
        keys: &["test_secret_key"],
        headers: &[("X-Shopify-Hmac-Sha256", "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=")],
        body: br#"{"foo": "bar"}"#,
        ..BASE
    },
    Vector {
        provider: "slack",
        source: "published: Slack docs, verifying requests from Slack (and its SDKs' tests)",
        keys: &["8f742231b10e8888abcd99yyyzzz85a5"],
        headers: &[
            ("X-Slack-Request-Timestamp", "1531420618"),
            ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
        ],
        body: b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        now: 1531420618,
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python request validator tests",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
        body: TWILIO_FORM,
        url: TWILIO_URL,
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (signed without the port, requested with one)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
        body: TWILIO_FORM,
        url: "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (signed with :443, requested without)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "kvajT1Ptam85bY51eRf/AJRuM3w=")],
        body: TWILIO_FORM,
        url: TWILIO_URL,
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (http)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "0ZXoZLH/DfblKGATFgpif+LLRf4=")],
        body: TWILIO_FORM,
        url: "http://mycompany.com/myapp.php?foo=1&bar=2",
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (http, port)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")],
        body: TWILIO_FORM,
        url: "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (repeated parameters sort by value)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "IK+Dwps556ElfBT0I3Rgjkr1wJU=")],
        body: b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
        url: TWILIO_URL,
        ..BASE
    },
    Vector {
        provider: "twilio",
        source: "published: twilio-python tests (JSON body bound by bodySHA256)",
        keys: &["12345"],
        headers: &[("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")],
        body: br#"{"property": "value", "boolean": true}"#,
        url: "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
        ..BASE
    },
    Vector {
        provider: "square",
        source: "published: square-nodejs-sdk WebhooksHelper tests",
        keys: &["Ibxx_5AKakO-3qeNVR61Dw"],
        headers: &[("x-square-hmacsha256-signature", "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=")],
        body: br#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#,
        url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
        ..BASE
    },
    Vector {
        provider: "square",
        source: "published: square SDK tests (escaped characters in the body)",
        keys: &["signature-key"],
        headers: &[("x-square-hmacsha256-signature", "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=")],
        body: br#"{"data":{"type":"webhooks","id":">id<"}}"#,
        url: "https://webhook.site/webhooks",
        ..BASE
    },
    Vector {
        provider: "zoom",
        source: "computed: Zoom docs' rule v0:{timestamp}:{body}, HMAC-SHA256 hex",
        keys: &["hookseal-zoom-secret"],
        headers: &[
            ("x-zm-request-timestamp", "1700000000"),
            ("x-zm-signature", "v0=8f360a61d67a9f62419ae7d56d7467e38a9badc2489b1410b9e058a92c83f5b3"),
        ],
        body: br#"{"event":"meeting.started","payload":{"account_id":"abc"},"event_ts":1700000000000}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "paddle",
        source: "published: paddle-node-sdk webhooks tests",
        keys: &["VALID_SECRET"],
        headers: &[("Paddle-Signature", "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9")],
        body: br#"{"data": ["1", "2"]}"#,
        now: 1698796805,
        ..BASE
    },
    Vector {
        provider: "paddle",
        source: "published: paddle-python-sdk tests (several h1 values, several candidate secrets)",
        keys: &[
            "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4",
            "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh",
        ],
        headers: &[("Paddle-Signature", "ts=1696195954;h1=dummy;h1=d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02")],
        body: b"hello-world",
        now: 1696195954,
        ..BASE
    },
    Vector {
        provider: "linear",
        source: "computed: Linear docs' rule, HMAC-SHA256 hex of the body, webhookTimestamp in ms",
        keys: &["SECRET"],
        headers: &[("Linear-Signature", "3d91034918ee3b48b939778cce22688adc664301731ea390e6a4fcfb5e925bc6")],
        body: br#"{"action":"create","type":"Issue","webhookTimestamp":1700000000000}"#,
        now: 1700000030,
        ..BASE
    },
    Vector {
        provider: "discord",
        source: "published: a real Discord-signed PING (discord-interactions tests)",
        keys: &["c5568d0facd66bddee281dcb9c8ac02e169c5c20741b215b2539a96bb183c5d6"],
        headers: &[
            ("X-Signature-Timestamp", "1657322078"),
            ("X-Signature-Ed25519", "28b4ab5f09cce30c7f7f4ab4b47c311f0ce83dd8fec06d34e402c44d64223be5016f95339e64bdabcbd395e9147afe3f8cd024868330ab41014ae51b5573a009"),
        ],
        body: br#"{"application_id":"827290144020496384","id":"995105663481028770","token":"aW50ZXJhY3Rpb246OTk1MTA1NjYzNDgxMDI4NzcwOmlReEtWOXNxMTJWYXF4UlRkc2RyVEp0MDdDMlVyem1na0FTT21xNTZQNHR0MUlORDU1bmNCUTZZdTI5akJkb3FycjBuUDltNVp3VVVJbnA0UUkzMG13cVBGWE5qZFQyb1dkZEpqVVFEdmZEcGE2UHV5dFAyTE5rS2c2a2lZNDlx","type":1,"user":{"avatar":"27aeb42cc902f7d8712aa64ff15bfb7d","avatar_decoration":null,"discriminator":"6969","id":"170531778354741248","public_flags":576,"username":"miles"},"version":1}"#,
        now: 1657322078,
        ..BASE
    },
    Vector {
        provider: "sendgrid",
        source: "published: sendgrid-nodejs / sendgrid-go event webhook tests",
        keys: &["MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="],
        headers: &[
            ("X-Twilio-Email-Event-Webhook-Timestamp", "1588788367"),
            ("X-Twilio-Email-Event-Webhook-Signature", "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="),
        ],
        body: br#"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#,
        now: 1588788367,
        ..BASE
    },
    Vector {
        provider: "sendgrid",
        source: "published: sendgrid-python event webhook test (the body ends with CRLF, which is signed)",
        keys: &["MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="],
        headers: &[
            ("X-Twilio-Email-Event-Webhook-Timestamp", "1600112502"),
            ("X-Twilio-Email-Event-Webhook-Signature", "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="),
        ],
        body: b"[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n",
        now: 1600112502,
        ..BASE
    },
    Vector {
        provider: "hubspot",
        source: "published: hubspot-api-python signature v3 tests (timestamp 15000000 ms)",
        keys: &["yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"],
        headers: &[
            ("X-HubSpot-Request-Timestamp", "15000000"),
            ("X-HubSpot-Signature-v3", "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="),
        ],
        body: b"{'example_field':'example_value'}",
        url: "https://www.example.com/webhook_uri",
        now: 15000,
        ..BASE
    },
    Vector {
        provider: "twitch",
        source: "published: twitch4j EventSubVerifierTest",
        keys: &["Twitch4J"],
        headers: &[
            ("Twitch-Eventsub-Message-Id", "7d4c39a4-10b3-4166-b1fb-56130d1f693b"),
            ("Twitch-Eventsub-Message-Timestamp", "2020-12-13T14:15:16.1718Z"),
            ("Twitch-Eventsub-Message-Signature", "sha256=2ac8d26bf60837663d8969f3cb4f22f685c8fa0a4b99d533c8bf622ed4596cc6"),
        ],
        body: HELLO,
        now: 1607868916 + 599,
        ..BASE
    },
    Vector {
        provider: "typeform",
        source: "computed: Typeform docs' rule, sha256= + base64 HMAC-SHA256 of the body",
        keys: &["abc123"],
        headers: &[("Typeform-Signature", "sha256=BcQQPd/YxSFBuAi5moSuh1VbUaQ3TqQfZoCxgE5Z7OE=")],
        body: HELLO,
        ..BASE
    },
    Vector {
        provider: "gitlab",
        source: "published: GitLab docs, X-Gitlab-Token carries the secret token as set",
        keys: &["my-gitlab-token"],
        headers: &[("X-Gitlab-Token", "my-gitlab-token")],
        body: HELLO,
        ..BASE
    },
    Vector {
        provider: "bitbucket",
        source: "computed: Bitbucket docs' rule, sha256= + hex HMAC-SHA256 of the body",
        keys: &["abc123"],
        headers: &[("X-Hub-Signature", "sha256=05c4103ddfd8c52141b808b99a84ae87555b51a4374ea41f6680b1804e59ece1")],
        body: HELLO,
        ..BASE
    },
    Vector {
        provider: "intercom",
        source: "computed: Intercom docs' rule, sha1= + hex HMAC-SHA1 of the body",
        keys: &["abc123"],
        headers: &[("X-Hub-Signature", "sha1=083331d4c33c3d5d8d3bd242d0ed9647f8f57474")],
        body: HELLO,
        ..BASE
    },
    Vector {
        provider: "razorpay",
        source: "published: razorpay-python tests, the fixture file exactly (971 bytes)",
        keys: &["key_secret"],
        headers: &[("X-Razorpay-Signature", "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9")],
        body: include_bytes!("fixtures/razorpay_payment_authorized.json"),
        ..BASE
    },
    Vector {
        provider: "pagerduty",
        source: "published: go-pagerduty webhookv3 tests (the secret is text, not base64-decoded)",
        keys: &["lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"],
        headers: &[("X-PagerDuty-Signature", "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd")],
        body: include_bytes!("fixtures/pagerduty_incident.json"),
        ..BASE
    },
    Vector {
        provider: "mux",
        source: "published: mux-node webhooks tests",
        keys: &["SuperSecret123"],
        headers: &[("Mux-Signature", "t=1565125718,v1=854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7")],
        body: br#"{"test":"body"}"#,
        now: 1565125718,
        ..BASE
    },
    Vector {
        provider: "mux",
        source: "published: mux-node webhooks tests (nested body)",
        keys: &["SuperSecret123"],
        headers: &[("Mux-Signature", "t=1565125718,v1=bd315c24bce1c2b8ad325696f26530c8ef7d7d830afb7c1381903705d04607be")],
        body: br#"{"test":{"nested":{"nanos":718234, "seconds":1691711005}}}"#,
        now: 1565125718,
        ..BASE
    },
    Vector {
        provider: "calendly",
        source: "computed: Calendly docs' rule, t={ts},v1=hex HMAC-SHA256 of {ts}.{body}",
        keys: &["abc123"],
        headers: &[("Calendly-Webhook-Signature", "t=1700000000,v1=c0515eb86c8ef727fdf5405c219af7235116d6c5fecd4f0d8882dea1f293910e")],
        body: HELLO,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "jodo",
        source: "computed: Jodo's page (seeds), hex HMAC-SHA256 of the body",
        keys: &["my-secret-key"],
        headers: &[("X-Jodo-Signature", "e99fd5da54f087ecc1cfb84f97a117f40c03f1a7fa02cac951e7ad5f64ca7aed")],
        body: br#"{"event":"payment.captured","amount":100}"#,
        ..BASE
    },
    Vector {
        provider: "jodo-sandbox",
        source: "computed: Jodo's page (seeds), as jodo, uppercase hex accepted",
        keys: &["my-secret-key"],
        headers: &[("X-Jodo-Signature", "E99FD5DA54F087ECC1CFB84F97A117F40C03F1A7FA02CAC951E7AD5F64CA7AED")],
        body: br#"{"event":"payment.captured","amount":100}"#,
        ..BASE
    },
    Vector {
        provider: "joy-loyalty",
        source: "computed: Joy Loyalty's page (seeds), base64 HMAC-SHA256 of the body",
        keys: &["shop-secret"],
        headers: &[("X-Joy-Loyalty-Hmac-Sha256", "PuZVDdCAgccgEHzrWxUSs4JE9zNpsJ1QdvAoaplAQF4=")],
        body: br#"{"event":"points.earned"}"#,
        ..BASE
    },
    Vector {
        provider: "orange-logic",
        source: "computed: Orange Logic's page (seeds), base64 HMAC-SHA256 of the body, bare",
        keys: &["ol-secret"],
        headers: &[("x-ol-signature", "3Gk/ebDxj9i4sKM+XJNhGpMBKPN+CRdYtuXWG4x24l8=")],
        body: br#"{"asset":"123"}"#,
        ..BASE
    },
    Vector {
        provider: "flatfile",
        source: "computed: an HS256 JWT per RFC 7519 with Flatfile's shared secret (exp 1700000300)",
        keys: &["flatfile-secret"],
        headers: &[("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDMwMH0.9UU-WNgbOjl8GouARvwOHA_lfaGS1NOYUntrVS_MXt8")],
        body: HELLO,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "coinbase-commerce",
        source: "published: coinbase/coinbase-commerce-python tests/test_webhook.py (same pair in the node and php SDK tests)",
        keys: &["30291a20-0bd1-4267-9b0f-e6e7b123c0bf"],
        headers: &[("X-CC-Webhook-Signature", "8be7742c7d372f08a6a3224edadf18a22b65fa9e28f3f2de97376cdaa092590d")],
        body: br#"{"id":1,"scheduled_for":"2017-01-31T20:50:02Z","attempt_number":1,"event":{"id":"24934862-d980-46cb-9402-43c81b0cdba6","type":"charge:created","api_version":"2018-03-22","created_at":"2017-01-31T20:49:02Z","data":{"code":"66BEOV2A","name":"The Sovereign Individual","description":"Mastering the Transition to the Information Age","hosted_url":"https://commerce.coinbase.com/charges/66BEOV2A","created_at":"2017-01-31T20:49:02Z","expires_at":"2017-01-31T21:04:02Z","timeline":[{"time":"2017-01-31T20:49:02Z","status":"NEW"}],"metadata":{},"pricing_type":"no_price","payments":[],"addresses":{"bitcoin":"0000000000000000000000000000000000","ethereum":"0x0000000000000000000000000000000000000000","litecoin":"3000000000000000000000000000000000","bitcoincash":"bitcoincash:000000000000000000000000000000000000000000"}}}}"#,
        ..BASE
    },
    Vector {
        provider: "gocardless",
        source: "published: gocardless/gocardless-pro-python tests/webhooks_test.py + fixtures/webhook_body.json (trailing newline stripped, as the test does)",
        keys: &["ED7D658C-D8EB-4941-948B-3973214F2D49"],
        headers: &[("Webhook-Signature", "2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e")],
        body: br#"{"events":[{"id":"EV00BD05S5VM2T","created_at":"2018-07-05T09:13:51.404Z","resource_type":"subscriptions","action":"created","links":{"subscription":"SB0003JJQ2MR06"},"details":{"origin":"api","cause":"subscription_created","description":"Subscription created via the API."},"metadata":{}},{"id":"EV00BD05TB8K63","created_at":"2018-07-05T09:13:56.893Z","resource_type":"mandates","action":"created","links":{"mandate":"MD000AMA19XGEC"},"details":{"origin":"api","cause":"mandate_created","description":"Mandate created via the API."},"metadata":{}}]}"#,
        ..BASE
    },
    Vector {
        provider: "modern-treasury",
        source: "published: Modern-Treasury/modern-treasury-python tests/api_resources/test_webhooks.py",
        keys: &["foo"],
        headers: &[("X-Signature", "57e14f6f354543f0101fb06ea24df7731d90087b76651e3497345e22a3622940")],
        body: br#"{"foo":"bar"}"#,
        ..BASE
    },
    Vector {
        provider: "modern-treasury",
        source: "published: Modern-Treasury/modern-treasury-python tests/api_resources/test_webhooks.py (second case)",
        keys: &["foo"],
        headers: &[("X-Signature", "ec1c86d16075e6937fc26d55b7dc60bac9b1178a2f714312f7c5cb13a319b0ac")],
        body: br#"{"foo":"bar","bar":"baz","a": true}"#,
        ..BASE
    },
    Vector {
        provider: "paystack",
        source: "computed: Paystack docs' rule, hex HMAC-SHA512 of the body under the secret key",
        keys: &["sk_test_hookseal_example_secret"],
        headers: &[("x-paystack-signature", "8f1bad20163e8329b19131e7fd4a96ef431be1ce61e1b98c6cd9f78c78a1455b6e6990728431b816c7b5e90d3ff7c7013cc190f7f808bb353cd4564caf100a4a")],
        body: br#"{"event":"charge.success","data":{"id":302961,"domain":"live","status":"success","reference":"qTPrJoy9Bx","amount":10000,"currency":"NGN"}}"#,
        ..BASE
    },
    Vector {
        provider: "brex",
        source: "computed: Brex's rule (Standard Webhooks v1) on the standard-webhooks published vector, with the secret in the bare base64 form Brex's API returns",
        keys: &["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("Webhook-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("Webhook-Timestamp", "1614265330"),
            ("Webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        body: br#"{"test": 2432232314}"#,
        now: 1614265330,
        ..BASE
    },
    Vector {
        provider: "brex",
        source: "computed: Brex's rule during a secret rotation (two v1 entries; the pending secret matches the second)",
        keys: &["tHo8w47FSXsraWLFuugxWeo0L0M01p+W"],
        headers: &[
            ("Webhook-Id", "msg_2Bq3kHc0x8Vb6wYz"),
            ("Webhook-Timestamp", "1700000000"),
            ("Webhook-Signature", "v1,MioAah2Ir+FMzME3yH6by3fDSXjdZCFsBhP8f4aSpLc= v1,Sr7o6bZ0apVsZ/iDOYrG0gZInbH4VV84tf8YLOpLeBQ="),
        ],
        body: br#"{"event_type":"TRANSFER_PROCESSED","transfer_id":"dptx_example","status":"PROCESSED"}"#,
        now: 1700000120,
        ..BASE
    },
    Vector {
        provider: "pinwheel",
        source: "computed: Pinwheel docs' rule, v2= + hex HMAC-SHA256 of v2:{x-timestamp}:{body}",
        keys: &["hookseal-pinwheel-api-secret"],
        headers: &[
            ("x-timestamp", "1700000000"),
            ("x-pinwheel-signature", "v2=23192fe7f7ae2ca90987c159604d35231fcd885039efc5e42cbc5358efbcf610"),
        ],
        body: br#"{"event":"account.added","event_id":"a9e7f0b4-1d2e-4c3b-9f6a-0e1d2c3b4a59","payload":{"account_id":"03d21d2e-a2bb-4b2d-a6f3-c1b4ec8b5e1e","end_user_id":"user_123"}}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "bolt",
        source: "computed: Bolt docs' rule, base64 HMAC-SHA256 of the body (secret from BoltApp's Magento 2 plugin tests, used as text)",
        keys: &["42425f51e0614482e17b6e913d74788eedb082e2e6f8067330b98ffa99adc809"],
        headers: &[("X-Bolt-Hmac-Sha256", "g9/PMwYD4Jdke8fnqshmgxVGrlBCK3SM3LvJTyDqzJM=")],
        body: br#"{"id":"TAb6hFi4Upjft","type":"payment","object":"transaction","data":{"reference":"B74N-PQXW-PYQ9","status":"completed"}}"#,
        ..BASE
    },
    Vector {
        provider: "xero",
        source: "computed: Xero docs' rule, base64 HMAC-SHA256 of the body (an Intent to Receive payload)",
        keys: &["hookseal-xero-webhook-key"],
        headers: &[("x-xero-signature", "rwcLeERaAhdfbxEES9eeLQ7TGkmnOb8XlOrH25InpBQ=")],
        body: br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#,
        ..BASE
    },
    Vector {
        provider: "chargify",
        source: "computed: Maxio/Chargify rule, hex HMAC-SHA256 of the raw form body (the dashboard's test webhook)",
        keys: &["hookseal-site-shared-key"],
        headers: &[
            ("X-Chargify-Webhook-Id", "1"),
            ("X-Chargify-Webhook-Signature-Hmac-Sha-256", "ecebc406fbdecc55adeeae4e4f02e53b3f99514d8d7ae8300b8c0f93508da2bd"),
        ],
        body: br#"payload[chargify]=testing&event=test"#,
        ..BASE
    },
    Vector {
        provider: "chargebee",
        source: "computed: Chargebee's Basic-auth option, base64 of webhook_user:secret_pass",
        keys: &["d2ViaG9va191c2VyOnNlY3JldF9wYXNz"],
        headers: &[("Authorization", "Basic d2ViaG9va191c2VyOnNlY3JldF9wYXNz")],
        body: br#"{"id":"ev_16BHbhF4s42tO2lK","occurred_at":1700000000,"event_type":"subscription_created","content":{}}"#,
        ..BASE
    },
    Vector {
        provider: "cashfree",
        source: "computed: Cashfree docs' rule (and its Python SDK), base64 HMAC-SHA256 of {timestamp}{body}, timestamp in ms",
        keys: &["cf_test_client_secret_example"],
        headers: &[
            ("x-webhook-timestamp", "1746427759733"),
            ("x-webhook-signature", "iJQGTukxUaotng7sxDmWyb2Z24QEkGx5r34eG2eKUek="),
            ("x-webhook-version", "2025-01-01"),
        ],
        body: br#"{"data":{"order":{"order_id":"order_OFR_2","order_amount":2.00,"order_currency":"INR"},"payment":{"cf_payment_id":"1453002795","payment_status":"SUCCESS","payment_amount":1.00}},"event_time":"2025-05-05T12:19:19+05:30","type":"PAYMENT_SUCCESS_WEBHOOK"}"#,
        now: 1746427760,
        ..BASE
    },
    Vector {
        provider: "pusher-channels",
        source: "computed: pusher/pusher-http-python test_validate_webhook_success_case inputs (the test computes the hex at runtime); hex HMAC-SHA256 of the body",
        keys: &["bar"],
        headers: &[
            ("X-Pusher-Key", "foo"),
            ("X-Pusher-Signature", "f60c1cfce150cddf1f17fb0f3fb57b3d49394069b336fa7d02373d5f2d7232b1"),
        ],
        body: br#"{"time_ms": 1000000}"#,
        now: 1200,
        ..BASE
    },
    Vector {
        provider: "pusher-channels",
        source: "computed: Pusher docs' rule, hex HMAC-SHA256 of a channel_occupied body",
        keys: &["7ad3773142a6692b25b8"],
        headers: &[
            ("X-Pusher-Key", "278d425bdf160c739803"),
            ("X-Pusher-Signature", "434beba6db7e2f8c37862e648e40579c3fe87eb723c339040941a1bf1848228e"),
        ],
        body: br#"{"time_ms":1735689600000,"events":[{"name":"channel_occupied","channel":"presence-room-1"}]}"#,
        now: 1735689600,
        ..BASE
    },
    Vector {
        provider: "sentry",
        source: "computed: Sentry's SentryApp.build_signature, hex HMAC-SHA256 of the body under the client secret",
        keys: &["2d5a3e6f0b8c41f2a9d7e4c1b6f08a3d5e7c9b1a2f4d6e8c0a1b3d5f7e9c2a4b"],
        headers: &[
            ("Sentry-Hook-Resource", "issue"),
            ("Sentry-Hook-Timestamp", "1735689600"),
            ("Request-ID", "0b6f2a1e-1c7d-4b1e-9d3a-2f6c8e4a7b10"),
            ("Sentry-Hook-Signature", "2502d75c66c24253fde1d028c23c54baf63b6bc3dcf540cfa04b80620709ca4c"),
        ],
        body: br#"{"action":"created","installation":{"uuid":"7a485448-a9e2-4c85-8a3c-4f44175783c9"},"data":{"issue":{"id":"1170820242","title":"Error: Unexpected token","level":"error"}},"actor":{"type":"application","id":"sentry","name":"Sentry"}}"#,
        ..BASE
    },
    Vector {
        provider: "zendesk",
        source: "computed: Zendesk docs' rule, base64 HMAC-SHA256 of {timestamp}{body} under Zendesk's published test secret (as text)",
        keys: &["dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="],
        headers: &[
            ("X-Zendesk-Webhook-Signature-Timestamp", "2021-03-18T19:25:00Z"),
            ("X-Zendesk-Webhook-Signature", "ZHekI7xAO5SVqjF4WnGxySvladsxXImSnUkU3G4eI8k="),
        ],
        body: br#"{"ticket":{"id":12345,"subject":"Help needed"}}"#,
        now: 1616095500,
        ..BASE
    },
    Vector {
        provider: "zendesk",
        source: "computed: Zendesk docs' rule on an event-subscribed (zen:event-type) body",
        keys: &["dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="],
        headers: &[
            ("X-Zendesk-Webhook-Signature-Timestamp", "2024-05-01T10:15:31Z"),
            ("X-Zendesk-Webhook-Signature", "Un2WiYu85G/2tf5MrlXNNOEfQvxs/6Y/kZoT603n60E="),
        ],
        body: br#"{"type":"zen:event-type:user.created","account_id":12514403,"id":"2b0c6d0a-0d4b-4d6a-9d1e-7f3c8b2a1e90","time":"2024-05-01T10:15:30Z","zendesk_event_version":"2022-11-06","subject":"zen:user:7426021880575","detail":{"id":"7426021880575","email":"jane@example.com"},"event":{}}"#,
        now: 1714558531,
        ..BASE
    },
    Vector {
        provider: "webex",
        source: "computed: Webex docs' rule, hex HMAC-SHA1 of the body (secret from Webex's blog, body from the docs' sample)",
        keys: &["somesupersecretphrase"],
        headers: &[("X-Spark-Signature", "1fc2471f4e98f3cb5b0563dc4a2542066654bbc1")],
        body: br#"{"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0svZjRlNjA1NjAtNjYwMi00ZmIwLWEyNWEtOTQ5ODgxNjA5NDk3","name":"New message in 'Project Unicorn' room","resource":"messages","event":"created","filter":"roomId=Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0","orgId":"OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh","createdBy":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY","ownedBy":"creator","status":"active","created":"2015-10-18T14:26:16.000Z","data":{"id":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk","roomId":"Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0","personId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY","created":"2015-10-18T14:26:16+00:00"}}"#,
        ..BASE
    },
    Vector {
        provider: "resend",
        source: "published: svix libraries' test vector (Resend delivers through Svix; resend-node's verify wraps it)",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            ("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        body: SW_BODY,
        now: 1614265330,
        ..BASE
    },
    Vector {
        provider: "resend",
        source: "computed: Standard Webhooks v1 on a Resend-shaped body (id and secret from resend-node webhooks.spec.ts)",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("svix-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
            ("svix-timestamp", "1735689600"),
            ("svix-signature", "v1,022hFOCq6LLuiLqypiLv+s2mzkCWF43puyLKi15XeYU="),
        ],
        body: br#"{"type":"email.sent","data":{"id":"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"}}"#,
        now: 1735689600,
        ..BASE
    },
    Vector {
        provider: "postmark",
        source: "computed: Postmark's Basic HTTP authentication, base64 of pm_hook:Tr0ub4dor-3",
        keys: &["cG1faG9vazpUcjB1YjRkb3ItMw=="],
        headers: &[("Authorization", "Basic cG1faG9vazpUcjB1YjRkb3ItMw==")],
        body: br#"{"RecordType":"Delivery","ServerID":23,"MessageStream":"outbound","MessageID":"00000000-0000-0000-0000-000000000000","Recipient":"john@example.com","Tag":"welcome-email","DeliveredAt":"2019-11-05T16:33:54.9070259Z","Details":"Test delivery webhook details","Metadata":{}}"#,
        ..BASE
    },
    Vector {
        provider: "juspay",
        source: "computed: Juspay's webhook Basic auth, base64 of juspay_hook_user:S3cretPass42",
        keys: &["anVzcGF5X2hvb2tfdXNlcjpTM2NyZXRQYXNzNDI="],
        headers: &[("Authorization", "Basic anVzcGF5X2hvb2tfdXNlcjpTM2NyZXRQYXNzNDI=")],
        body: br#"{"id":"evt_V2_abc123","event_name":"ORDER_SUCCEEDED","date_created":"2024-05-01T10:15:30Z","content":{"order":{"order_id":"ord_1","status":"CHARGED","amount":1.0}}}"#,
        ..BASE
    },
    Vector {
        provider: "phonepe",
        source: "published: PhonePe/phonepe-pg-sdk-node tests/callback.test.ts (username/password; same value in phonepe-pg-sdk-python)",
        keys: &["bc842c31a9e54efe320d30d948be61291f3ceee4766e36ab25fa65243cd76e0e"],
        headers: &[("Authorization", "bc842c31a9e54efe320d30d948be61291f3ceee4766e36ab25fa65243cd76e0e")],
        body: br#"{"type":"CHECKOUT_TRANSACTION_ATTEMPT_FAILED","payload":{"orderId":"OMOxx","paymentDetails":[{"paymentMode":"UPI_COLLECT"}]}}"#,
        ..BASE
    },
    Vector {
        provider: "mandrill",
        source: "computed: Mandrill's rule (URL + sorted key+value, base64 HMAC-SHA1) for its verification POST under the fixed key test-webhook",
        keys: &["test-webhook"],
        headers: &[("X-Mandrill-Signature", "RkoiKvvb1/ST8DFDdTB9MQGqorM=")],
        body: br#"mandrill_events=%5B%5D"#,
        url: "https://example.com/webhooks/mandrill",
        ..BASE
    },
    Vector {
        provider: "mandrill",
        source: "computed: Mandrill's rule on a send event (form-decoded values: '+' is a space)",
        keys: &["Wq9xY2zKbL3mN5pR7tV8uA"],
        headers: &[("X-Mandrill-Signature", "IkHfGObpdVwHClxdxDkhd/AVqJ8=")],
        body: br#"mandrill_events=%5B%7B%22event%22%3A%22send%22%2C%22_id%22%3A%22exampleaaaaaaaaaaaaaaaaaaaaaaaaa%22%2C%22ts%22%3A1365109999%2C%22msg%22%3A%7B%22email%22%3A%22example.webhook%40mandrillapp.com%22%2C%22subject%22%3A%22This+an+example+webhook+message%22%2C%22state%22%3A%22sent%22%7D%7D%5D"#,
        url: "https://example.com/webhooks/mandrill",
        ..BASE
    },
    Vector {
        provider: "aftership",
        source: "computed: AfterShip docs' rule, base64 HMAC-SHA256 of the body",
        keys: &["aftership_test_secret"],
        headers: &[
            ("aftership-hmac-sha256", "Y8dIe3P7ieRzJja0El/sY+DtLZG3Je8cyeUPAZjVdZw="),
        ],
        body: br#"{"event":"tracking_update","event_id":"3d2d0b06-1b1a-4f43-9a1c-1c8a2f5e2b3a","msg":{"id":"abc123","tag":"InTransit"},"ts":1700000000}"#,
        ..BASE
    },
    Vector {
        provider: "alchemy",
        source: "computed: Alchemy docs' rule, hex HMAC-SHA256 of the body (whsec_test used as text)",
        keys: &["whsec_test"],
        headers: &[
            ("X-Alchemy-Signature", "76ee66bc0fa543e9a8ca98218b4b48e680e6c19c0bcbeb547258dc73f3084fb0"),
        ],
        body: br#"{"webhookId":"wh_octjglnywaupz6th","id":"whevt_ogrc5v64myey69ux","createdAt":"2022-02-28T17:48:53.306Z","type":"ADDRESS_ACTIVITY","event":{"network":"MATIC_MAINNET","activity":[]}}"#,
        ..BASE
    },
    Vector {
        provider: "autodesk-aps",
        source: "computed: APS docs' rule, sha1hash= + hex HMAC-SHA1 of the body",
        keys: &["my-aps-secret-token-0123456789"],
        headers: &[
            ("x-adsk-signature", "sha1hash=427850ea7d2c0ba42f356a728a7b1a70e80e800a"),
        ],
        body: br#"{"version":"1.0","resourceUrn":"urn:adsk.wipprod:dm.lineage:abc123","hook":{"hookId":"0f60f6a0-1f1d-11ea-8c2a-4b6ed0d5d2b5","system":"data","event":"dm.version.added"},"payload":{"name":"model.rvt"}}"#,
        ..BASE
    },
    Vector {
        provider: "buildkite",
        source: "computed: Buildkite docs' rule, timestamp=…,signature=hex HMAC-SHA256 of {ts}.{body}",
        keys: &["my-buildkite-webhook-token"],
        headers: &[
            ("X-Buildkite-Event", "build.finished"),
            ("X-Buildkite-Signature", "timestamp=1700000000,signature=6d9849e514f439b5719438244fadb5bb501b5587050ac8cd83fbcfe51dc6f433"),
        ],
        body: br#"{"event":"build.finished","build":{"id":"f62a1b4d-10f9-4790-bc1c-e2c3a0c80983","number":12,"state":"passed"},"pipeline":{"slug":"my-pipeline"},"sender":{"name":"Some Person"}}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "buildkite-token",
        source: "computed: Buildkite docs, X-Buildkite-Token carries the webhook token as set",
        keys: &["my-buildkite-webhook-token"],
        headers: &[
            ("X-Buildkite-Token", "my-buildkite-webhook-token"),
        ],
        body: br#"{"event":"build.finished","build":{"id":"f62a1b4d-10f9-4790-bc1c-e2c3a0c80983","number":12,"state":"passed"},"pipeline":{"slug":"my-pipeline"},"sender":{"name":"Some Person"}}"#,
        ..BASE
    },
    Vector {
        provider: "castle",
        source: "published: castle/castle-python castle/test/webhooks/verify_test.py (secret \"secret\" reproduces it; the body is a Python-dict string)",
        keys: &["secret"],
        headers: &[
            ("X-Castle-Signature", "v61Bn6ItuClDcRqrr6++csm2Ub3Jfyos4BMR3PslhBY="),
        ],
        body: br#"{'user_traits': {}, 'policy': {}, 'data': {'location': {}, 'id': 'test', 'user_agent': {}, 'user_id': '', 'device_token': 'token', 'context': {}, 'trigger': '$login.succeeded'}, 'created_at': '2020-12-18T12:55:21.779Z', 'type': '$incident.confirmed', 'properties': {}}"#,
        ..BASE
    },
    Vector {
        provider: "circleci",
        source: "computed: CircleCI docs' rule, v1=hex HMAC-SHA256 of the body",
        keys: &["super-secret-1234"],
        headers: &[
            ("circleci-event-type", "workflow-completed"),
            ("circleci-signature", "v1=eb6b5d8c1b139cb7521acf0d30f192594149c8b17d97ca0c258b43d530ca39d2"),
        ],
        body: br#"{"type":"workflow-completed","id":"3888f21b-eaa7-38e3-8f3d-75a63bba8895","happened_at":"2021-09-01T22:49:34.317Z","webhook":{"id":"cf8c4fdd-0587-4da1-b4ca-4846e9640af9","name":"Sample Webhook"},"workflow":{"id":"fda08377-fe7e-46b1-8992-3a7aaecac9c3","name":"build-test-deploy","status":"success"}}"#,
        ..BASE
    },
    Vector {
        provider: "clearbit",
        source: "computed: clearbit-ruby webhook_spec.rb inputs (key, body A-OK), sha1= + hex HMAC-SHA1",
        keys: &["clearbit_key"],
        headers: &[
            ("X-Request-Signature", "sha1=1ae35ebbc019b97906099ae1389e0831256afe65"),
        ],
        body: b"A-OK",
        ..BASE
    },
    Vector {
        provider: "clearbit",
        source: "computed: clearbit-ruby webhook_spec.rb inputs (JSON.dump of the spec's hash)",
        keys: &["clearbit_key"],
        headers: &[
            ("X-Request-Signature", "sha1=cb1ecdd3c658fb5bd079fdaaec8c58550e95a951"),
        ],
        body: br#"{"id":"123","type":"person","body":null,"status":404}"#,
        ..BASE
    },
    Vector {
        provider: "clerk",
        source: "computed: Standard Webhooks rule with clerk/javascript webhooks.test.ts's secret, id and body at a fixed timestamp",
        keys: &["whsec_dGVzdF9zaWduaW5nX3NlY3JldF8zMl9jaGFyc19sb25n"],
        headers: &[
            ("svix-id", "msg_123"),
            ("svix-timestamp", "1700000000"),
            ("svix-signature", "v1,kLln/mW/qoI9eUisvvoz9O/1VqBkTyNgcAAorkVSisc="),
        ],
        body: br#"{"type":"user.created","data":{"id":"user_123"}}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "frame-io",
        source: "computed: Frame.io docs' rule v0:{ts}:{body}, v0= + hex HMAC-SHA256 (docs' example payload, minified)",
        keys: &["fio-signing-secret-0123456789abcdef"],
        headers: &[
            ("X-Frameio-Request-Timestamp", "1604004499"),
            ("X-Frameio-Signature", "v0=8db53c36c588b92a40faa4a26455bb93a2d65069a197431a260664a78cdbc2d4"),
        ],
        body: br#"{"account":{"id":"6f70f1bd-7e89-4a7e-b4d3-7e576585a181"},"project":{"id":"7e46e495-4444-4555-8649-bee4d391a997"},"resource":{"id":"d3075547-4e64-45f0-ad12-d075660eddd2","type":"file"},"type":"file.ready","user":{"id":"56556a3f-859f-4b38-b6c6-e8625b5da8a5"},"workspace":{"id":"378fcbf7-6f88-4224-8139-6a743ed940b2"}}"#,
        now: 1604004499,
        ..BASE
    },
    Vector {
        provider: "go-one",
        source: "published: Go1 docs' example request (header and 252-byte body); secret mysecretkey reproduces it",
        keys: &["mysecretkey"],
        headers: &[
            ("Go1-Signature", "t=1588141753,v1=fa818dc59df5b5c7c42517dedf24d85ca2184201d03ed24bb6e2c7bf766b7e89"),
        ],
        body: br#"{"type":"user.create","fired_at":"2020-04-29T06:29:13+0000","data":{"id":"8191190","email":"new.user@go1.com","full_name":"New User","first_name":"New","last_name":"User","profile_picture":null,"status":null,"created_time":"1588141753","account":null}}"#,
        now: 1588141753,
        ..BASE
    },
    Vector {
        provider: "meta-graph",
        source: "published: WhatsApp/WhatsApp-Nodejs-SDK utils.test.ts (TEST_APP_SECRET, body test; sha256= per Meta docs)",
        keys: &["TEST_APP_SECRET"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"),
        ],
        body: b"test",
        ..BASE
    },
    Vector {
        provider: "meta-graph",
        source: "computed: Meta docs' rule, sha256= + hex HMAC-SHA256 of the docs' sample user payload",
        keys: &["meta_app_secret_example"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=32df88ede55093e09656c1df346be3c631b7c60b863062b2473a1385feec9cfc"),
        ],
        body: br#"{"entry":[{"time":1520383571,"changes":[{"field":"photos","value":{"verb":"update","object_id":"10211885744794461"}}],"id":"10210299214172187","uid":"10210299214172187"}],"object":"user"}"#,
        ..BASE
    },
    Vector {
        provider: "meta-messenger",
        source: "computed: Meta docs' rule over the wire bytes (the \\u00e4 escapes are signed as sent)",
        keys: &["meta_app_secret_example"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=af7aceaba7eecd20c9a7f15facd0dc9c7d8f0e5ad652187acf04150a35607636"),
        ],
        body: br#"{"object":"page","entry":[{"id":"106593245568830","time":1700000000000,"messaging":[{"sender":{"id":"6543210987654321"},"recipient":{"id":"106593245568830"},"timestamp":1700000000000,"message":{"mid":"m_abc","text":"hello \u00e4\u00f6\u00e5"}}]}]}"#,
        ..BASE
    },
    Vector {
        provider: "meta-messenger",
        source: "published: WhatsApp/WhatsApp-Nodejs-SDK utils.test.ts (TEST_APP_SECRET, body test; sha256= per Meta docs)",
        keys: &["TEST_APP_SECRET"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"),
        ],
        body: b"test",
        ..BASE
    },
    Vector {
        provider: "meta-instagram",
        source: "computed: Meta docs' rule, sha256= + hex HMAC-SHA256 of the body",
        keys: &["instagram_app_secret_example"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=f6f4fede1b52e809599239060d73016f6546d4f35f4a7f5ae073ea1767ac8768"),
        ],
        body: br#"{"object":"instagram","entry":[{"id":"17841400000000000","time":1716300000,"changes":[{"field":"comments","value":{"id":"17865799348089039","text":"nice"}}]}]}"#,
        ..BASE
    },
    Vector {
        provider: "meta-whatsapp",
        source: "published: WhatsApp/WhatsApp-Nodejs-SDK utils.test.ts (TEST_APP_SECRET, body test; sha256= per Meta docs)",
        keys: &["TEST_APP_SECRET"],
        headers: &[
            ("X-Hub-Signature-256", "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"),
        ],
        body: b"test",
        ..BASE
    },
    Vector {
        provider: "x-twitter",
        source: "computed: X rule (xdevplatform/autohook), sha256= + base64 HMAC-SHA256 of the body, DevRel sample secret",
        keys: &["z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"],
        headers: &[
            ("x-twitter-webhooks-signature", "sha256=CdwyJh7SVFXmnw6XaH5jo+mqH2NghwzhwYAK9IdmSCI="),
        ],
        body: br#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1050118621198921728","text":"hello @TwitterDev","user":{"id_str":"6253282"}}]}"#,
        ..BASE
    },
    Vector {
        provider: "tiktok",
        source: "computed: TikTok docs' rule, t=…,s=hex HMAC-SHA256 of {t}.{body} (docs' example payload and t)",
        keys: &["tiktok_client_secret_example"],
        headers: &[
            ("TikTok-Signature", "t=1633174587,s=8a572dab139c140ff188959eb67010d051c9cac5836e220e5dd66f399f9982cc"),
        ],
        body: br#"{"client_key":"bwo2m45353a6k85","event":"authorization.removed","create_time":1615338610,"user_openid":"act.example12345Example12345Example","content":"{\"reason\": 1 }"}"#,
        now: 1633174587,
        ..BASE
    },
    Vector {
        provider: "heroku",
        source: "computed: Heroku docs' rule, base64 HMAC-SHA256 of the body",
        keys: &["heroku_webhook_secret_example"],
        headers: &[
            ("Heroku-Webhook-Hmac-SHA256", "l/h94RXOJ2+Vs6K/M030X2TpHPbtwEIz3nepZLjDVnE="),
        ],
        body: br#"{"action":"create","actor":{"email":"user@example.com","id":"01234567-89ab-cdef-0123-456789abcdef"},"data":{"app":{"name":"example-app"},"status":"succeeded","version":42},"id":"11111111-2222-3333-4444-555555555555","resource":"release","webhook_metadata":{"event":{"include":"api:release"}}}"#,
        ..BASE
    },
    Vector {
        provider: "hostedhooks",
        source: "computed: HostedHooks docs' rule, t=…,s=hex HMAC-SHA256 of {t}.{body}",
        keys: &["hostedhooks_endpoint_secret_example"],
        headers: &[
            ("HostedHooks-Signature", "t=1623436092,s=50faad16c9f26ddd50d44f0a82319c93422ef90cd4cc2b34d12f673beb6ed8e7"),
        ],
        body: br#"{"type":"user.created","version":"1.0","created":"2021-06-11T18:28:12Z","data":{"id":42,"email":"jane@example.com"}}"#,
        now: 1623436092,
        ..BASE
    },
    Vector {
        provider: "launchdarkly",
        source: "computed: LaunchDarkly docs' rule, hex HMAC-SHA256 of the body (docs' sample payload, abridged)",
        keys: &["ld_webhook_secret_example"],
        headers: &[
            ("X-LD-Signature", "3c386837c033e0a9dda88929f0b9285b281e4a29e8cc752497b1689e82683052"),
        ],
        body: br#"{"_id":"57c0a8e29969090743529965","date":1472243938774,"accesses":[{"action":"updateName","resource":"proj/alexis:env/test"}],"kind":"environment","name":"Testing","description":"- Changed the name from ~~Test~~ to *Testing*","titleVerb":"changed the name of"}"#,
        ..BASE
    },
    Vector {
        provider: "mongodb-atlas",
        source: "computed: Atlas docs' rule, base64 HMAC-SHA1 of the body",
        keys: &["atlas_webhook_secret_example"],
        headers: &[
            ("X-MMS-Event", "alert.open"),
            ("X-MMS-Signature", "Bab4rdPqCloHpmjZ10F8lrPzsao="),
        ],
        body: br#"{"id":"5b2c5c6b0b7a9a1b2c3d4e5f","groupId":"5b2c5c6b0b7a9a1b2c3d4e00","eventTypeName":"OUTSIDE_METRIC_THRESHOLD","created":"2024-01-01T00:00:00Z","updated":"2024-01-01T00:00:00Z","status":"OPEN","humanReadable":"Project: demo Organization: demo"}"#,
        ..BASE
    },
    Vector {
        provider: "signal-sciences",
        source: "computed: Fastly NGWAF docs' rule, hex HMAC-SHA256 of the body",
        keys: &["sigsci_signing_key_example"],
        headers: &[
            ("X-SigSci-Signature", "717f7b503ae98e266b16e539bf492bdb3499788c14f896d25217e126dc6101ca"),
        ],
        body: br#"{"created":"2022-12-09T10:43:54-08:00","type":"flag","payload":{"id":"5e3a1b2c","remoteIP":"203.0.113.7","type":"XSS"},"link":"https://dashboard.signalsciences.net/corps/example/sites/www/events/5e3a1b2c"}"#,
        ..BASE
    },
    Vector {
        provider: "sonatype-nexus-iq",
        source: "computed: Sonatype docs' rule and secret foo, hex HMAC-SHA1 of the docs' application-evaluation payload (compact)",
        keys: &["foo"],
        headers: &[
            ("X-Nexus-Webhook-Id", "iq:applicationEvaluation"),
            ("X-Nexus-Webhook-Delivery", "7f4a6dde-5c68-4999-bcc0-a62f3fb8ae48"),
            ("X-Nexus-Webhook-Signature", "e37cf082b30fb0533bc26af95afe49cca699f1ba"),
        ],
        body: br#"{"timestamp":"2015-05-05T23:40:12.345+0000","initiator":"admin","applicationEvaluation":{"policyEvaluationId":"debceb1d-9209-485d-8d07-bd5390de7ef5","stage":"build","ownerId":"6a454175-f55d-4d33-ba44-90ac3af2e8b8","evaluationDate":"2015-05-05T23:40:12Z","affectedComponentCount":10,"criticalComponentCount":2,"severeComponentCount":5,"moderateComponentCount":3,"outcome":"fail"}}"#,
        ..BASE
    },
    Vector {
        provider: "terraform-cloud",
        source: "computed: HCP Terraform docs' rule, hex HMAC-SHA512 of the docs' sample payload with the docs' example token",
        keys: &["bfa620013597e9c30c179037ad74527a4956a561"],
        headers: &[
            ("X-TFE-Notification-Signature", "ae908ace28b76c6970e296cf7472a6017a5ee20453cb66be92df2b8b0b200553390fc1cc8372f7889c93908950141cde0c9a200a25e397ac596401a074810aa2"),
        ],
        body: br#"{"payload_version":1,"notification_configuration_id":"nc-123","run_url":"https://app.terraform.io/api/v2/runs/run-234","run_id":"run-234","run_message":"Add five new queue workers","run_created_at":"2019-01-25T18:34:00.000Z","run_created_by":"sample-user","workspace_id":"ws-xyz","workspace_name":"my-workspace","organization_name":"acme-org","notifications":[{"message":"Run Planned","trigger":"run:completed","run_status":"planned","run_updated_at":"2019-01-25T18:37:04.000Z","run_updated_by":"sample-user"}]}"#,
        ..BASE
    },
    Vector {
        provider: "trend-micro-conformity",
        source: "computed: Conformity docs' rule, hex HMAC-SHA256 of the body (token used as text)",
        keys: &["c2VjcmV0LXRva2Vu"],
        headers: &[
            ("X-Conformity-Signature", "686e3aa07fc5e4fbdf488066256a3b1b106d333a0bd3d19f209d0676bf442132"),
        ],
        body: br#"{"id":"ccc:abc-123:RDS-018:RDS:us-east-1:db-1","status":"FAILURE","riskLevel":"HIGH"}"#,
        ..BASE
    },
    Vector {
        provider: "woocommerce",
        source: "computed: WC_Webhook::generate_signature, base64 HMAC-SHA256 of the body",
        keys: &["wc_secret_XYZ"],
        headers: &[
            ("X-WC-Webhook-Topic", "order.updated"),
            ("X-WC-Webhook-Signature", "MNxIc9uKsH0oAD/e8CGEUvIWXsYFHBfiT52ey75AvuI="),
        ],
        body: br#"{"id":123,"status":"processing","total":"29.99"}"#,
        ..BASE
    },
    Vector {
        provider: "bigcommerce",
        source: "computed: BigCommerce docs' rule, v1,base64 HMAC-SHA256 of {id}.{ts}.{body}, client secret as text",
        keys: &["bc_client_secret_abc123"],
        headers: &[
            ("webhook-id", "msg_2a6f1a0b-0c4e-4b7a-9f1e-1b2c3d4e5f60"),
            ("webhook-timestamp", "1700000000"),
            ("webhook-signature", "v1,xl4mhhly8BPhqTF7Rj2JEOysUso9HmiWagSElHBLYdI="),
        ],
        body: br#"{"store_id":"11111","producer":"stores/abcde","scope":"store/order/statusUpdated","data":{"type":"order","id":173331},"hash":"3f9ea420af83450d7ef9f78b08c8af25b2213637","created_at":1700000000}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "openai",
        source: "published: openai/openai-python tests/api_resources/test_webhooks.py (also openai-java/-ruby/-go)",
        keys: &["whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="],
        headers: &[
            ("webhook-id", "wh_685c059ae39c8190af8c71ed1022a24d"),
            ("webhook-timestamp", "1750861210"),
            ("webhook-signature", "v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY="),
        ],
        body: br#"{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}"#,
        now: 1750861210,
        ..BASE
    },
    Vector {
        provider: "vercel",
        source: "computed: Vercel docs' rule, hex HMAC-SHA1 of the body",
        keys: &["vercel_wh_secret_9f8e7d"],
        headers: &[
            ("x-vercel-signature", "cd0adc436db828dd892d6b69e0bd35ace4633e09"),
        ],
        body: br#"{"id":"evt_4S2dgcX5bD6yG1","type":"deployment.succeeded","createdAt":1700000000000,"payload":{"deployment":{"id":"dpl_123"}}}"#,
        ..BASE
    },
    Vector {
        provider: "pipedrive",
        source: "computed: Pipedrive docs (http_auth_user/http_auth_password as Basic auth), base64 of pd_hook_user:Sup3r-S3cret!",
        keys: &["cGRfaG9va191c2VyOlN1cDNyLVMzY3JldCE="],
        headers: &[
            ("Authorization", "Basic cGRfaG9va191c2VyOlN1cDNyLVMzY3JldCE="),
        ],
        body: br#"{"meta":{"action":"change","entity":"deal","version":"2.0"},"data":{"id":42}}"#,
        ..BASE
    },
    Vector {
        provider: "vmware-workspace-one",
        source: "computed: Basic auth per ngrok-docs vmware integration page, base64 of hookuser:hookpass",
        keys: &["aG9va3VzZXI6aG9va3Bhc3M="],
        headers: &[
            ("Authorization", "Basic aG9va3VzZXI6aG9va3Bhc3M="),
        ],
        body: br#"{"EventId":1,"EventType":"Device Enrolled"}"#,
        ..BASE
    },
    Vector {
        provider: "trello",
        source: "computed: Trello docs' rule, base64 HMAC-SHA1 of {body}{callbackURL}",
        keys: &["trello_oauth_secret_0123456789abcdef"],
        headers: &[
            ("X-Trello-Webhook", "jyFAdmbi6XY/rW3sRxRRe4gP/bQ="),
        ],
        body: br#"{"action":{"id":"5f1e0000000000000000abcd","type":"updateCard","data":{"card":{"id":"5f1e00000000000000000001","name":"Ship it"}}},"model":{"id":"5f1e00000000000000000000","name":"Roadmap"}}"#,
        url: "https://example.com/trello/hook?board=roadmap",
        ..BASE
    },
    Vector {
        provider: "adyen",
        source: "published: Adyen/adyen-python-api-library test/UtilTest.py (test_is_valid_hmac_payload)",
        keys: &["44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"],
        headers: &[("HmacSignature", "fX74xUdztFmaXAn3IusMFFUBUSkLmDQUK0tm8xL6ZTU=")],
        body: include_bytes!("fixtures/adyen_merchant_created.json"),
        ..BASE
    },
    Vector {
        provider: "microsoft-teams",
        source: "computed: Microsoft's published sample key (docs, OfficeDev sample AuthProvider.cs) over a Bot Framework message; Microsoft publishes no body for its sample signature",
        keys: &["vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA="],
        headers: &[("Authorization", "HMAC NFyowF8irR+5xg/qXxQ4uxPh1T6KF7ZfvSLXookwN3U=")],
        body: include_bytes!("fixtures/teams_outgoing_message.json"),
        ..BASE
    },
    Vector {
        provider: "workos",
        source: "published: workos/workos-python tests/test_webhooks.py",
        keys: &["1lyKDzhJjuCkIscIWqkSe4YsQ"],
        headers: &[("WorkOS-Signature", "t=1632409405772, v1=67612f0e74f008b436a13b00266f90ef5c13f9cbcf6262206f5f4a539ff61702")],
        body: include_bytes!("fixtures/workos_connection_activated.json"),
        now: 1632409405 + 60,
        ..BASE
    },
    Vector {
        provider: "dropbox",
        source: "computed: Dropbox's documented rule (hex HMAC-SHA256 of the body with the app secret), the current payload shape",
        keys: &["app_secret_abc123"],
        headers: &[("X-Dropbox-Signature", "e9c2d22d64fdf2717d2c9e9dc10f31de73ab5d7427869d0d05b953ffb7299f2e")],
        body: br#"{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}, "delta": {"users": [12345678]}}"#,
        ..BASE
    },
    Vector {
        provider: "nylas",
        source: "computed: Nylas v3's documented rule (hex HMAC-SHA256 of the body with the webhook_secret)",
        keys: &["nylas_wh_secret_5c1e"],
        headers: &[("x-nylas-signature", "beccb84634627c1a6eb9c20c9a41900634e495890ce427b621ec9717bbb40ee8")],
        body: br#"{"specversion":"1.0","type":"message.created","source":"/google/emails/realtime","id":"mock-id-1700000000","time":1700000000,"data":{"application_id":"app_123","object":{"id":"msg_abc","grant_id":"grant_xyz","object":"message"}}}"#,
        ..BASE
    },
    Vector {
        provider: "okta",
        source: "computed: Okta's secure-hooks guide (Authorization: Basic base64(admin:supersecret), compared as set)",
        keys: &["Basic YWRtaW46c3VwZXJzZWNyZXQ="],
        headers: &[("Authorization", "Basic YWRtaW46c3VwZXJzZWNyZXQ=")],
        body: br#"{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[{"uuid":"7b0fb8e6-0000-11ee-0000-000000000000","eventType":"user.session.start"}]}}"#,
        ..BASE
    },
    Vector {
        provider: "worldline",
        source: "published: Worldline-Global-Collect/connect-sdk-python3 tests/unit/test_web_hooks_helper.py + tests/resources/webhooks/valid-body",
        keys: &["hello+world"],
        headers: &[("X-GCS-Signature", "2S7doBj/GnJnacIjSJzr5fxGM5xmfQyFAwxv1I53ZEk="), ("X-GCS-KeyId", "dummy-key-id")],
        body: include_bytes!("fixtures/worldline_payment_paid.json"),
        ..BASE
    },
    Vector {
        provider: "elevenlabs",
        source: "published: elevenlabs-python tests/test_webhooks.py test_construct_event_mocked_time (inputs; signature recomputed)",
        keys: &["test_secret"],
        headers: &[
            ("ElevenLabs-Signature", "t=1600000000,v0=f8a0d1dc33ee963cb54d2f31514555995e93313c9d2042c030adbb82b87fae13"),
        ],
        body: br#"{"event_type": "speech.completed", "id": "123456"}"#,
        now: 1600000000,
        ..BASE
    },
    Vector {
        provider: "replicate",
        source: "published: replicate-javascript index.test.ts, validateWebhook (Svix test vector)",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        body: br#"{"test": 2432232314}"#,
        now: 1614265330,
        ..BASE
    },
    Vector {
        provider: "lithic",
        source: "published: lithic-python tests/api_resources/test_webhooks.py",
        keys: &["whsec_zlFsbBZ8Xcodlpcu6NDTdSzZRLSdhkst"],
        headers: &[
            ("webhook-id", "msg_2Lh9KRb0pzN4LePd3XiA4v12Axj"),
            ("webhook-timestamp", "1676312382"),
            ("webhook-signature", "v1,Dwa0AHInLL3XFo2sxcHamOQDrJNi7F654S3L6skMAOI="),
        ],
        body: br#"{"card_token":"sit Lorem ipsum, accusantium repellendus possimus","created_at":"elit. placeat libero architecto molestias, sit","account_token":"elit.","issuer_decision":"magnam, libero esse Lorem ipsum magnam, magnam,","tokenization_attempt_id":"illum dolor repellendus libero esse accusantium","wallet_decisioning_info":{"device_score":"placeat architecto"},"digital_wallet_token_metadata":{"status":"reprehenderit dolor","token_requestor_id":"possimus","payment_account_info":{"account_holder_data":{"phone_number":"libero","email_address":"nobis molestias, veniam culpa! quas elit. quas libero esse architecto placeat"},"pan_unique_reference":"adipisicing odit magnam, odit"}}}"#,
        now: 1676312382,
        ..BASE
    },
    Vector {
        provider: "help-scout",
        source: "published: helpscout-api-php tests/Webhooks/IncomingWebhookTest.php testCreateIncomingWebhook (inputs; signature recomputed)",
        keys: &["asdffdsa"],
        headers: &[
            ("X-HelpScout-Signature", "YhXKie6t+YQPJLRzdKWwTPsJN2w="),
            ("X-HelpScout-Event", "helpscout.test"),
        ],
        body: br#"{"id":123}"#,
        ..BASE
    },
    Vector {
        provider: "lemon-squeezy",
        source: "computed: hex HMAC-SHA256 of the body, Lemon Squeezy docs (signing requests)",
        keys: &["lemon-signing-secret"],
        headers: &[
            ("X-Signature", "9a2b034ffc26dbecf630f01edfada001f340dc77d633d4dd4829d2579f367ab1"),
            ("X-Event-Name", "order_created"),
        ],
        body: br#"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1"}}"#,
        ..BASE
    },
    Vector {
        provider: "checkout-com",
        source: "computed: hex HMAC-SHA256 of the body, Checkout.com docs (manage webhooks)",
        keys: &["cko-webhook-secret-key"],
        headers: &[
            ("Cko-Signature", "e7fc9813f5bbe22af8c369252e875da3c4917960482c8ed4106280360801cde6"),
        ],
        body: br#"{"id":"evt_az5sblvku4ge3dwpztvyizgcau","type":"payment_approved","data":{"id":"pay_mbabizu24mvu3mela5njyhpit4"}}"#,
        ..BASE
    },
    Vector {
        provider: "notion",
        source: "computed: sha256= hex HMAC-SHA256 of the body keyed by verification_token, Notion webhooks docs",
        keys: &["secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"],
        headers: &[
            ("X-Notion-Signature", "sha256=3a3095ee8da6bf19b7f0155e8e93867f9ec2594278366ddd8d2195beb5e9a59e"),
        ],
        body: br#"{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","timestamp":"2024-12-05T23:55:34.285Z","type":"page.created","entity":{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}}"#,
        ..BASE
    },
    Vector {
        provider: "clickup",
        source: "computed: hex HMAC-SHA256 of the docs' example body, ClickUp webhook signature docs",
        keys: &["clickup-webhook-secret"],
        headers: &[
            ("X-Signature", "ab4b8cec8258a06b5eeb53871cff3879ce21cc76d4c84189ec82a94ba4e7a69e"),
        ],
        body: br#"{"webhook_id":"7689a169-a000-4985-8676-6902b96d6627","event":"taskCreated","task_id":"c0j"}"#,
        ..BASE
    },
    Vector {
        provider: "cal-com",
        source: "computed: hex HMAC-SHA256 of the body, Cal.com webhooks docs",
        keys: &["calcom-webhook-secret"],
        headers: &[
            ("X-Cal-Signature-256", "c20abd4498b0db875238c3760dfc699bcb711bfb332d89505226d8a1fb55406e"),
        ],
        body: br#"{"triggerEvent":"BOOKING_CREATED","createdAt":"2023-05-24T09:30:00.000Z","payload":{"uid":"bFJeNb2uX8ANpT3JL5EfXw"}}"#,
        ..BASE
    },
    Vector {
        provider: "persona",
        source: "computed: t=…,v1=hex HMAC-SHA256 of {t}.{body}, Persona docs (checking signatures)",
        keys: &["wbhsec_7a1e0c9f-test-secret"],
        headers: &[
            ("Persona-Signature", "t=1614271440,v1=41e45f109ab61a4f2f546afd63bfe171571fe20947fcd63b2fd25273d7da26a4"),
        ],
        body: br#"{"data":{"type":"event","id":"evt_XGuYWp7WbMFVaLAtx6ogLuGa","attributes":{"name":"inquiry.completed","payload":{"data":{"type":"inquiry","id":"inq_2CVZ4HyVg7qaboXz2PUHknAn"}}}}}"#,
        now: 1614271440,
        ..BASE
    },
    Vector {
        provider: "customer-io",
        source: "computed: hex HMAC-SHA256 of v0:{ts}:{body}, Customer.io reporting webhooks docs",
        keys: &["cio-reporting-signing-key"],
        headers: &[
            ("X-CIO-Timestamp", "1692288000"),
            ("X-CIO-Signature", "cfa5c231e9a0ec1c6a5ac0d401c8c720badd625e4d32ce304ebd9741a2b98d08"),
        ],
        body: br#"{"data":{"customer_id":"42","email_address":"test@example.com"},"event_id":"01E4C4C6P79C12J5A6KPE6XNFD","metric":"sent","object_type":"email","timestamp":1692288000}"#,
        now: 1692288000,
        ..BASE
    },
    Vector {
        provider: "stytch",
        source: "computed: Svix v1 rule (Stytch delivers events through Svix)",
        keys: &["whsec_c3R5dGNoLXRlc3Qtc2lnbmluZy1rZXktMzJieXRlcyE="],
        headers: &[
            ("svix-id", "msg_2bVG6q5Zb6BEYhyq6b3XUA2P0zz"),
            ("svix-timestamp", "1704067200"),
            ("svix-signature", "v1,TstaEH+HzCsLENPRsh9GLVuA0v4aBB+ADAyT9D04uD8="),
        ],
        body: br#"{"action":"CREATE","event_id":"event-test-d8cbd0ef-22b5-4f60-9e3c-ea7a1a9d1f12","object_type":"user","source":"DASHBOARD","timestamp":"2024-01-01T00:00:00Z"}"#,
        now: 1704067200,
        ..BASE
    },
    Vector {
        provider: "sanity",
        source: "published: sanity-io/webhook-toolkit test/signature.test.ts (isValidSignature)",
        keys: &["test"],
        headers: &[("sanity-webhook-signature", "t=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0")],
        body: br#"{"_id":"resume"}"#,
        now: 1633519811,
        ..BASE
    },
    Vector {
        provider: "knock",
        source: "computed: HMAC-SHA256 base64 of {t_ms}.{body}, t=..,s=.. (docs.knock.app outbound webhooks, Verifying the signature)",
        keys: &["knock-webhook-secret"],
        headers: &[("x-knock-signature", "t=1700000000123,s=7Os5OFJL6d+xXnZGsK+X6pYZzCFONbzC6afkMfRBj4M=")],
        body: br#"{"__typename":"Event","type":"message.sent","created_at":"2022-05-31T17:12:59.958652Z","data":{"id":"msg_1"}}"#,
        now: 1700000000,
        ..BASE
    },
    Vector {
        provider: "liveblocks",
        source: "computed: Standard Webhooks v1 per @liveblocks/node WebhookHandler; id/timestamp/body from its webhooks.test.ts, secret from the Standard Webhooks test vector",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("webhook-id", "msg_2KvLUhLIHZtzZnNgUWv3PhGYf5f"),
            ("webhook-timestamp", "1674850126"),
            ("webhook-signature", "v1,WXqxQRRvLkTvEIExGozeGHWTfhMuo5Dq305aIBtH66s="),
        ],
        body: br#"{"data":{"projectId":"605a50b01a36d5ea7a2e9104","connectionId":2196,"enteredAt":"2023-01-27T20:08:40.693Z","numActiveUsers":2,"roomId":"hero-grid-12-01-2022","userId":"iepRYL2EWVHx8IcKVqhvZ6xljn","userInfo":null},"type":"userEntered"}"#,
        now: 1674850126,
        ..BASE
    },
    Vector {
        provider: "loops",
        source: "computed: Standard Webhooks v1 (loops.so/docs/webhooks), secret from the Standard Webhooks test vector",
        keys: &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        headers: &[
            ("webhook-id", "msg_2qL9z0Vn4rFhE7y1kM2cXb8aT5w"),
            ("webhook-timestamp", "1734425918"),
            ("webhook-signature", "v1,ggXiaXAdToc6mRtYmmcljUMGoLmYFCBJ8PkyBwhLaQg="),
        ],
        body: br#"{"eventName":"contact.created","eventTime":1734425918,"webhookSchemaVersion":"1.0.0","contactIdentity":{"id":"cm4t6ja3k00j5ukf6n1ghq0ra","email":"test@example.com","userId":null}}"#,
        now: 1734425918,
        ..BASE
    },
    Vector {
        provider: "attio",
        source: "computed: hex HMAC-SHA256 of the body (docs.attio.com rest-api guides webhooks, Authenticating)",
        keys: &["attio-webhook-secret"],
        headers: &[("Attio-Signature", "791ee57d14613ff50f888daa20537715d780c3a03ecb8830c84a468016372a92")],
        body: br#"{"webhook_id":"a1b2c3d4-0000-4000-8000-000000000001","events":[{"event_type":"record.created","id":{"workspace_id":"w1","object_id":"o1","record_id":"r1"},"actor":{"type":"workspace-member","id":"m1"}}]}"#,
        ..BASE
    },
    Vector {
        provider: "gusto",
        source: "computed: hex HMAC-SHA256 of the body keyed by the docs' example verification_token (docs.gusto.com webhooks, Verifying event integrity)",
        keys: &["6590f590-3dba-495e-9bea-c361e1e2efc0"],
        headers: &[("X-Gusto-Signature", "11e15d48dc902299acfab62cda72cbb3b17de7a274b786adeae51c0057cbdbe0")],
        body: br#"{"uuid":"f7397a24-57ad-4fae-b011-d258e8232900","event_type":"company.provisioned","resource_type":"Company","resource_uuid":"5df911a0-e8e9-412d-8aaf-a46ad193dd96","entity_type":"Company","entity_uuid":"5df911a0-e8e9-412d-8aaf-a46ad193dd96","timestamp":1671058841}"#,
        ..BASE
    },
    Vector {
        provider: "rewardful",
        source: "computed: hex HMAC-SHA256 of the body with the docs' placeholder secret (developers.rewardful.com signed webhooks)",
        keys: &["my-rewardful-signing-secret"],
        headers: &[("X-Rewardful-Signature", "13d6052452095b5e03b1b62756f86e3b39e3e95593f07a7df005908a73d58d40")],
        body: br#"{"event":{"id":"evt_1","type":"referral.converted","created_at":"2024-01-01T00:00:00.000Z"},"object":{"id":"ref_1","state":"converted"}}"#,
        ..BASE
    },
    Vector {
        provider: "segment",
        source: "computed: hex HMAC-SHA1 of the body (Twilio Segment Webhooks destination docs, shared secret)",
        keys: &["segment-shared-secret"],
        headers: &[("X-Signature", "6d0311d6823dcc3b33dc9a8e3ae99a2e63f9f3e1")],
        body: br#"{"type":"track","event":"Order Completed","userId":"user_1","messageId":"ajs-1","timestamp":"2024-01-01T00:00:00.000Z"}"#,
        ..BASE
    },
];

/// The rows of one provider.
pub fn of(provider: &str) -> impl Iterator<Item = &'static Vector<'static>> + '_ {
    VECTORS.iter().filter(move |v| v.provider == provider)
}

#[test]
fn every_vector_holds() {
    for v in VECTORS {
        assert!(
            v.source.starts_with("published: ") || v.source.starts_with("computed: "),
            "{}: say where the vector comes from",
            v.provider
        );
        if hookseal::provider::find(v.provider)
            .unwrap_or_else(|| panic!("vector for unknown preset {}", v.provider))
            .scheme
            .binds_body()
        {
            v.assert_holds();
        } else {
            assert_eq!(v.verify(), Ok(()), "{} vector", v.provider);
        }
    }
}

#[test]
fn every_preset_has_a_vector() {
    let missing: Vec<&str> = PRESETS
        .iter()
        .map(|p| p.name)
        .filter(|n| of(n).next().is_none())
        .collect();
    assert!(missing.is_empty(), "presets without a vector: {missing:?}");
}

/// The README's provider table is the rows' (`HOOKSEAL_WRITE_README=1`
/// rewrites it).
#[test]
fn readme_provider_table_is_generated_from_the_rows() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let begin = readme.find("<!-- providers:begin").expect("begin marker");
    let begin = begin + readme[begin..].find("-->\n").unwrap() + 4;
    let end = readme.find("<!-- providers:end -->").expect("end marker");
    let want = hookseal::provider::markdown_table();
    if std::env::var_os("HOOKSEAL_WRITE_README").is_some() {
        let out = format!("{}{}{}", &readme[..begin], want, &readme[end..]);
        std::fs::write(path, out).unwrap();
        return;
    }
    assert_eq!(
        &readme[begin..end],
        want,
        "README's provider table is stale: HOOKSEAL_WRITE_README=1 cargo test -p hookseal --test it readme"
    );
}
