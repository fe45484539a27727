//! Load benchmark for the inbound gateway (not a test: it prints figures).
//!
//! ```sh
//! cargo build --release -p hookseal-cli            # from the repository root
//! cd bench && cargo run --release --bin ingest_load -- [REQUESTS] [CONCURRENCY] [RATE]
//! ```
//!
//! It starts a fresh `hookseal serve` (release binary, temporary data dir,
//! embedded SQLite) with one Standard Webhooks source, then:
//!
//! 1. a same-run reference: the same requests to a plain HTTP sink that does no
//!    work, with the same client and concurrency;
//! 2. a throughput run: REQUESTS webhooks, each with a unique id, signed by the
//!    loader, as fast as CONCURRENCY keep-alive connections get answers — each
//!    answer is a 2xx after verification and the durable commit of the event;
//! 3. a latency run at a fixed RATE (default 5000/s) for 5 seconds.
//!
//! It prints verified durable ingests per second (and as a ratio of the
//! reference), latency percentiles of both runs, and the server's peak RSS.

use std::sync::Arc;

use bytes::Bytes;
use hookseal::Outgoing;
use hookseal_bench::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Request i of a run: a unique id, signed now, a small JSON body.
fn signed(run: &'static str) -> MakeReq {
    let signer = hookseal::provider::find("standard-webhooks")
        .unwrap()
        .scheme
        .signer(&[SECRET])
        .unwrap();
    Arc::new(move |i| {
        let id = format!("msg_{run}_{i}");
        let body = format!(
            r#"{{"type":"invoice.paid","id":"{id}","data":{{"amount":4200,"email":"a@example.com"}}}}"#
        );
        let mut h = signer
            .sign(&Outgoing {
                id: &id,
                timestamp: hookseal::time::now_unix(),
                body: body.as_bytes(),
                url: "",
                method: "POST",
            })
            .unwrap();
        h.push(("content-type".into(), "application/json".into()));
        (h, Bytes::from(body))
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);
    let rate: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5000.0);
    let client = client(conc);

    let (_sink, sink_addr) = start_sink().await;
    let reference = drive(
        &client,
        &format!("http://{sink_addr}/hook"),
        n,
        signed("ref"),
        conc,
        None,
    )
    .await;
    let ref_rate = reference.ok as f64 / reference.elapsed.as_secs_f64();

    let server = start_server(
        "ingest-load",
        &[],
        Some(&format!(
            "[[sources]]\nname = \"bench\"\nprovider = \"standard-webhooks\"\nsecrets = [\"{SECRET}\"]\n"
        )),
    );
    let url = format!("http://{}/in/bench", server.addr);
    let full = drive(&client, &url, n, signed("full"), conc, None).await;
    let paced_n = (rate * 5.0) as usize;
    let paced = drive(&client, &url, paced_n, signed("paced"), conc, Some(rate)).await;
    let rss = peak_rss_kib(server.child.id());
    drop(server);

    let full_rate = full.ok as f64 / full.elapsed.as_secs_f64();
    println!("requests: {n}, concurrency: {conc}");
    println!(
        "reference: plain HTTP POSTs to a no-op sink: {ref_rate:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
        reference.pct_ms(0.5),
        reference.pct_ms(0.99)
    );
    println!(
        "ingested (verified, durable, 2xx after commit): {}/{n} in {:.2}s = {full_rate:.0}/s ({:.2}x reference); p50 {:.2} ms, p99 {:.2} ms",
        full.ok,
        full.elapsed.as_secs_f64(),
        full_rate / ref_rate,
        full.pct_ms(0.5),
        full.pct_ms(0.99)
    );
    println!(
        "at {rate:.0}/s for 5 s: {}/{paced_n} ok; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        paced.ok,
        paced.pct_ms(0.5),
        paced.pct_ms(0.99),
        paced.pct_ms(1.0)
    );
    match rss {
        Some(k) => println!("server peak RSS: {:.1} MiB", k as f64 / 1024.0),
        None => println!("server peak RSS: unavailable"),
    }
}
