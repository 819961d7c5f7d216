//! Per-call latency through a Prism mock of `spec/cloudflare-access-users.yaml`.
//!
//! `scripts/bench.sh` starts Prism and sets `APIGEN_BENCH_PRISM_URL`
//! (`http://127.0.0.1:PORT`); without it this benchmark prints that it was
//! skipped. It sends `APIGEN_BENCH_PRISM_CALLS` (default 300) sequential
//! `GET /accounts/{account_id}/access/users` calls on one keep-alive
//! connection per client, after 30 warm-up calls, with the generated async
//! client, plain reqwest and the generated blocking client, one call of each
//! in turn, and prints the median and p90 per call as `RESULT prism …`
//! lines. The script times `curl` on
//! the same mock and URL (one `curl` process, keep-alive, `%{time_total}`
//! per transfer) and compares.

use std::future::IntoFuture as _;
use std::time::{Duration, Instant};

use benches::fixtures::ACCOUNT_ID;
use benches::{TOKEN, apigen_blocking_client, apigen_client, current_thread_runtime};

const WARMUP: usize = 30;

fn main() {
    let Ok(base) = std::env::var("APIGEN_BENCH_PRISM_URL") else {
        println!("prism: skipped (set APIGEN_BENCH_PRISM_URL to a running Prism mock)");
        return;
    };
    let calls: usize = std::env::var("APIGEN_BENCH_PRISM_CALLS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(300);
    let base = base.trim_end_matches('/').to_owned();

    let runtime = current_thread_runtime();
    let client = apigen_client(&base);
    let users = client.zero_trust().access().users();
    let blocking = apigen_blocking_client(&base);
    let blocking_users = blocking.zero_trust().access().users();
    let url = format!("{base}/accounts/{ACCOUNT_ID}/access/users");
    let http = reqwest::Client::new();

    // One call of each client in turn, so that all three see the same
    // moments of a noisy machine and of Prism's own JIT.
    let mut times: [Vec<Duration>; 3] = Default::default();
    for i in 0..WARMUP + calls {
        let started = Instant::now();
        let page = runtime
            .block_on(users.list(ACCOUNT_ID).into_future())
            .expect("call through Prism failed");
        let async_time = started.elapsed();
        std::hint::black_box(page);

        let started = Instant::now();
        let envelope = runtime.block_on(async {
            let response = http
                .get(&url)
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("reqwest call failed");
            assert!(response.status().is_success());
            let body = response.bytes().await.expect("reqwest body failed");
            benches::hand::decode::<
                Vec<cloudflare_access_users_models::types::User>,
                cloudflare_access_users_models::types::ResultInfo,
            >(&body)
            .expect("decode failed")
        });
        let reqwest_time = started.elapsed();
        std::hint::black_box(envelope);

        let started = Instant::now();
        let page = blocking_users
            .list(ACCOUNT_ID)
            .send()
            .expect("blocking call through Prism failed");
        let blocking_time = started.elapsed();
        std::hint::black_box(page);

        if i >= WARMUP {
            times[0].push(async_time);
            times[1].push(reqwest_time);
            times[2].push(blocking_time);
        }
    }
    let [async_times, reqwest_times, blocking_times] = times;
    report("apigen_async", async_times);
    report("reqwest", reqwest_times);
    report("apigen_blocking", blocking_times);
}

fn report(mode: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    println!(
        "RESULT prism mode={mode} calls={} median_us={:.1} p90_us={:.1}",
        times.len(),
        at(0.5),
        at(0.9)
    );
}
