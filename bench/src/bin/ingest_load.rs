//! Load benchmark for the inbound gateway (not a test: it prints figures).
//!
//! ```sh
//! cargo build --release -p hookseal-cli            # from the repository root
//! cd bench && cargo run --release --bin ingest_load -- [REQUESTS] [CONCURRENCY] [RATE] [BODY_BYTES]
//! ```
//!
//! BODY_BYTES (default 0: a 90-byte event) pads each event's JSON body to at
//! least that size, as providers' fuller payloads are (a Stripe event is a few
//! KiB).
//!
//! It starts a fresh `hookseal serve` (release binary, temporary data dir,
//! embedded SQLite) with one Standard Webhooks source, then:
//!
//! 1. a same-run reference: the same requests to a plain HTTP sink that does no
//!    work, with the same client and concurrency;
//! 2. a throughput run: REQUESTS webhooks, each with a unique id, signed by the
//!    loader, as fast as CONCURRENCY keep-alive connections get answers — each
//!    answer is a 2xx after verification and the durable commit of the event;
//! 3. a latency run at a fixed RATE (default 5000/s) for 5 seconds, and the
//!    same against the no-op sink (the tail the machine and the loader add).
//!
//! It prints verified durable ingests per second (and as a ratio of the
//! reference), latency percentiles of both runs, the server's peak RSS, and
//! per ingest: the CPU time the server and the loader spent (from /proc, so
//! comparable across runs on a noisy shared machine where rates are not), the
//! share of the machine left idle, and the bytes the server wrote.

use std::sync::Arc;

use bytes::Bytes;
use hookseal::Outgoing;
use hookseal_bench::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Request i of a run: a unique id, signed now, a JSON body of at least
/// `body_bytes` (a small one by default).
fn signed(run: &'static str, body_bytes: usize) -> MakeReq {
    let signer = hookseal::provider::find("standard-webhooks")
        .unwrap()
        .scheme
        .signer(&[SECRET])
        .unwrap();
    Arc::new(move |i| {
        let id = format!("msg_{run}_{i}");
        let mut body = format!(
            r#"{{"type":"invoice.paid","id":"{id}","data":{{"amount":4200,"email":"a@example.com"}}}}"#
        );
        const NOTE: &str = ",\"note\":\"";
        if body.len() + NOTE.len() + 1 < body_bytes {
            // A filler field inside "data", keeping the JSON valid.
            let fill = body_bytes - body.len() - NOTE.len() - 1;
            body.truncate(body.len() - 2); // reopen the "data" object
            body.push_str(NOTE);
            body.extend((0..fill).map(|k| (b'a' + ((k * 7 + i) % 26) as u8) as char));
            body.push_str("\"}}");
        }
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
    let body_bytes: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(0);

    let (_sink, sink_addr) = start_sink().await;
    let cpu0 = own_cpu_micros();
    let reference = drive(
        &format!("http://{sink_addr}/hook"),
        n,
        signed("ref", body_bytes),
        conc,
        None,
    )
    .await;
    // Loader and sink together, per request: what the reference costs.
    let ref_cpu = (own_cpu_micros() - cpu0) as f64 / n as f64;
    let ref_rate = reference.ok as f64 / reference.elapsed.as_secs_f64();
    // The same fixed rate to the no-op sink: the tail this machine and loader
    // add by themselves.
    let paced_n = (rate * 5.0) as usize;
    let ref_paced = drive(
        &format!("http://{sink_addr}/hook"),
        paced_n,
        signed("refpaced", body_bytes),
        conc,
        Some(rate),
    )
    .await;

    let server = start_server(
        "ingest-load",
        &[],
        Some(&format!(
            "[[sources]]\nname = \"bench\"\nprovider = \"standard-webhooks\"\nsecrets = [\"{SECRET}\"]\n"
        )),
    );
    let pid = server.child.id();
    let url = format!("http://{}/in/bench", server.addr);
    let (srv0, own0, m0) = (
        cpu_micros(pid).unwrap_or(0),
        own_cpu_micros(),
        machine_ticks(),
    );
    let io0 = io_bytes(pid).unwrap_or_default();
    let full = drive(&url, n, signed("full", body_bytes), conc, None).await;
    let idle = idle_share(m0, machine_ticks());
    let io1 = io_bytes(pid).unwrap_or_default();
    let (wchar, wdisk) = (
        (io1.0 - io0.0) as f64 / n as f64,
        (io1.1 - io0.1) as f64 / n as f64,
    );
    let srv_cpu = (cpu_micros(pid).unwrap_or(0) - srv0) as f64 / n as f64;
    let load_cpu = (own_cpu_micros() - own0) as f64 / n as f64;
    let paced = drive(&url, paced_n, signed("paced", body_bytes), conc, Some(rate)).await;
    let rss = peak_rss_kib(pid);
    drop(server);

    let full_rate = full.ok as f64 / full.elapsed.as_secs_f64();
    println!(
        "requests: {n}, concurrency: {conc}, body: {} bytes",
        signed("size", body_bytes)(0).1.len()
    );
    println!(
        "reference: plain HTTP POSTs to a no-op sink: {ref_rate:.0}/s, p50 {:.2} ms, p99 {:.2} ms; loader+sink CPU {ref_cpu:.1} µs/request",
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
        "CPU per ingest: server {srv_cpu:.1} µs, loader {load_cpu:.1} µs ({:.2}x the reference's loader+sink); machine idle {:.0}%",
        srv_cpu / ref_cpu,
        idle * 100.0
    );
    println!("writes per ingest: {wchar:.0} bytes to files, {wdisk:.0} bytes to the disk");
    println!(
        "at {rate:.0}/s for 5 s: {}/{paced_n} ok; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        paced.ok,
        paced.pct_ms(0.5),
        paced.pct_ms(0.99),
        paced.pct_ms(1.0)
    );
    println!(
        "  reference at {rate:.0}/s (no-op sink): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ref_paced.pct_ms(0.5),
        ref_paced.pct_ms(0.99),
        ref_paced.pct_ms(1.0)
    );
    match rss {
        Some(k) => println!("server peak RSS: {:.1} MiB", k as f64 / 1024.0),
        None => println!("server peak RSS: unavailable"),
    }
}
