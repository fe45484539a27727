//! Standard Webhooks verification: hookseal vs the `svix` and `standardwebhooks`
//! crates vs a raw HMAC-SHA256 of the same `{id}.{ts}.{body}` bytes, at 256 B,
//! 1 KiB, 16 KiB and 1 MiB.
//!
//! Run: `cd bench && cargo bench --bench verify`
//! The raw HMAC is the floor any verifier pays (key prepared once, bytes already
//! contiguous); the ratios against it are what BENCHMARKS.md records.

use base64::Engine;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookseal::{provider, Outgoing, Policy, Request};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

fn bench(c: &mut Criterion) {
    let spec = provider::find("standard-webhooks").unwrap().scheme.clone();
    let policy = Policy::builder(spec.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    let signer = spec.signer(&[SECRET]).unwrap();
    let svix = svix::webhooks::Webhook::new(SECRET).unwrap();
    let sw = standardwebhooks::Webhook::new(SECRET).unwrap();
    let key_bytes = base64::engine::general_purpose::STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let raw_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);

    let mut group = c.benchmark_group("standard_webhooks_verify");
    for size in [256usize, 1024, 16 * 1024, 1024 * 1024] {
        // JSON-ish bytes: the peers' verifiers want UTF-8.
        let body: Vec<u8> = (0..size).map(|i| b"abcdefghijklmnop"[i % 16]).collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let headers = signer
            .sign(&Outgoing {
                id: ID,
                timestamp: now,
                body: &body,
                url: "",
                method: "POST",
            })
            .unwrap();
        let mut map = http::HeaderMap::new();
        for (n, v) in &headers {
            map.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        let contiguous = [format!("{ID}.{now}.").as_bytes(), &body].concat();
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(BenchmarkId::new("raw_hmac_sha256", size), &size, |b, _| {
            b.iter(|| ring::hmac::sign(&raw_key, std::hint::black_box(&contiguous)))
        });
        group.bench_with_input(BenchmarkId::new("hookseal", size), &size, |b, _| {
            b.iter(|| {
                let req = Request::new(&map, std::hint::black_box(&body));
                policy.verify(&req, now).unwrap();
            })
        });
        group.bench_with_input(BenchmarkId::new("svix", size), &size, |b, _| {
            b.iter(|| svix.verify(std::hint::black_box(&body), &map).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("standardwebhooks", size), &size, |b, _| {
            b.iter(|| sw.verify(std::hint::black_box(&body), &map).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches, piece_benches);

#[allow(dead_code)]
fn pieces(c: &mut Criterion) {
    let mut map = http::HeaderMap::new();
    map.insert(
        "webhook-id",
        http::HeaderValue::from_static("msg_p5jXN8AQM9LWM0D4loKWxJek"),
    );
    map.insert(
        "webhook-timestamp",
        http::HeaderValue::from_static("1700000000"),
    );
    map.insert(
        "webhook-signature",
        http::HeaderValue::from_static("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    );
    c.bench_function("piece/6 lookups", |b| {
        b.iter(|| {
            for n in [
                "svix-id",
                "webhook-id",
                "svix-timestamp",
                "webhook-timestamp",
                "svix-signature",
                "webhook-signature",
            ] {
                std::hint::black_box(map.get(std::hint::black_box(n)));
            }
        })
    });
    let names: Vec<http::HeaderName> = [
        "svix-id",
        "webhook-id",
        "svix-timestamp",
        "webhook-timestamp",
        "svix-signature",
        "webhook-signature",
    ]
    .iter()
    .map(|n| http::HeaderName::from_static(n))
    .collect();
    for extra in 0..12 {
        map.insert(
            http::HeaderName::from_bytes(format!("x-extra-{extra}").as_bytes()).unwrap(),
            http::HeaderValue::from_static("value"),
        );
    }
    c.bench_function("piece/6 lookups by HeaderName", |b| {
        b.iter(|| {
            for n in &names {
                std::hint::black_box(map.get(std::hint::black_box(n)));
            }
        })
    });
    c.bench_function("piece/one pass 15 headers", |b| {
        b.iter(|| {
            let want = [
                "svix-id",
                "webhook-id",
                "svix-timestamp",
                "webhook-timestamp",
                "svix-signature",
                "webhook-signature",
            ];
            let mut out: [Option<&[u8]>; 6] = [None; 6];
            for (k, v) in std::hint::black_box(&map).iter() {
                let k = k.as_str();
                for (i, w) in want.iter().enumerate() {
                    if k.len() == w.len() && k.eq_ignore_ascii_case(w) {
                        out[i] = Some(v.as_bytes());
                    }
                }
            }
            out
        })
    });
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"0123456789abcdef0123456789abcdef");
    let body = vec![b'a'; 1024];
    c.bench_function("piece/hmac 5 updates", |b| {
        b.iter(|| {
            let mut ctx = ring::hmac::Context::with_key(&key);
            for p in [
                &b"msg_p5jXN8AQM9LWM0D4loKWxJek"[..],
                b".",
                b"1700000000",
                b".",
                &body,
            ] {
                ctx.update(std::hint::black_box(p));
            }
            ctx.sign()
        })
    });
    let contiguous = [&b"msg_p5jXN8AQM9LWM0D4loKWxJek.1700000000."[..], &body].concat();
    c.bench_function("piece/hmac 1 update", |b| {
        b.iter(|| ring::hmac::sign(&key, std::hint::black_box(&contiguous)))
    });
    let spec = provider::find("standard-webhooks").unwrap().scheme.clone();
    let policy = Policy::builder(spec.clone())
        .secret(SECRET)
        .build()
        .unwrap();
    let verifier = spec.verifier(&[SECRET]).unwrap();
    let body = vec![b'a'; 256];
    let h = spec
        .signer(&[SECRET])
        .unwrap()
        .sign(&Outgoing {
            id: ID,
            timestamp: 1_700_000_000,
            body: &body,
            url: "",
            method: "POST",
        })
        .unwrap();
    let mut hm = http::HeaderMap::new();
    for (n, v) in &h {
        hm.insert(
            http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    c.bench_function("piece/policy slice 256", |b| {
        b.iter(|| {
            policy
                .verify(
                    &Request::new(&h, std::hint::black_box(&body)),
                    1_700_000_000,
                )
                .unwrap()
        })
    });
    c.bench_function("piece/policy map 256", |b| {
        b.iter(|| {
            policy
                .verify(
                    &Request::new(&hm, std::hint::black_box(&body)),
                    1_700_000_000,
                )
                .unwrap()
        })
    });
    c.bench_function("piece/verifier map 256", |b| {
        b.iter(|| {
            verifier
                .verify(
                    &Request::new(&hm, std::hint::black_box(&body)),
                    hookseal::scheme::Clock {
                        now: 1_700_000_000,
                        tolerance: 300,
                    },
                )
                .unwrap()
        })
    });
    let mut raw = [None; 6];
    c.bench_function("piece/get_many map", |b| {
        b.iter(|| {
            hookseal::Headers::get_many(
                &hm,
                &[
                    "svix-id",
                    "webhook-id",
                    "svix-timestamp",
                    "webhook-timestamp",
                    "svix-signature",
                    "webhook-signature",
                ],
                &mut raw,
            );
            std::hint::black_box(&raw);
        })
    });
    let contiguous = [format!("{ID}.1700000000.").as_bytes(), &body].concat();
    c.bench_function("piece/raw 256", |b| {
        b.iter(|| ring::hmac::sign(&key, std::hint::black_box(&contiguous)))
    });
    c.bench_function("piece/b64 decode", |b| {
        b.iter(|| {
            let mut out = [0u8; 64];
            hookseal::Encoding::Base64.decode_into(
                std::hint::black_box(b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
                &mut out,
            )
        })
    });
}
criterion_group!(piece_benches, pieces);
