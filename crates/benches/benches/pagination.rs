//! Auto-pagination memory: 100,000 users in 1,000 pages of 100 from a local
//! server, with the peak RSS of the process before and after.
//!
//! Each mode runs in a child process of its own (this binary, re-started
//! with `APIGEN_BENCH_PAGINATION_MODE`), so that one mode's peak does not
//! hide another's:
//!
//! - `apigen_async_items`: `list(…).items()` of the generated async client;
//! - `apigen_blocking_items`: the same with the blocking client;
//! - `hand_page_loop` (baseline): a hand-written reqwest loop over the pages,
//!   decoding each into the hand-written structs and dropping it;
//! - `collect_all` (reference): `items()` collected into one `Vec`, what
//!   the RSS looks like when memory is *not* flat.
//!
//! The child warms up (server, client, connection, one page), reads
//! `VmRSS`, walks every page, then reads `VmHWM` (the peak). Growth =
//! peak − RSS before. The goal: growth ≤ one page + 10 MiB.
//!
//! The walk's wall time is compared with the hand loop's in alternating
//! rounds, like the other benchmarks: each round runs every mode once, the
//! hand loop first in odd rounds and last in even ones, and the speed ratio
//! is the median of the per-round ratios.
//!
//! Prints one `RESULT pagination …` line per mode and round for
//! `scripts/bench.sh`. Under `cargo test --benches` (smoke) it walks 10 pages
//! in one round.

use std::process::Command;
use std::time::Instant;

use benches::calls::{hand_page_loop, reqwest_users_page};
use benches::fixtures::{ACCOUNT_ID, page_for_target};
use benches::server::{Body, StaticServer};
use benches::{
    apigen_blocking_client, apigen_client, current_thread_runtime, hand, measuring, rss,
};
use cloudflare_access_users_client::operations::UsersListParams;
use futures_util::TryStreamExt as _;

const MODE_ENV: &str = "APIGEN_BENCH_PAGINATION_MODE";
const PAGES_ENV: &str = "APIGEN_BENCH_PAGINATION_PAGES";
const PER_PAGE: u64 = 100;
/// In the order of odd rounds; even rounds run them backwards.
const MODES: [&str; 4] = [
    "hand_page_loop",
    "apigen_async_items",
    "apigen_blocking_items",
    "collect_all",
];

fn main() {
    if let Ok(mode) = std::env::var(MODE_ENV) {
        let pages = std::env::var(PAGES_ENV)
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1000);
        child(&mode, pages);
        return;
    }
    let (pages, rounds): (u64, u32) = if measuring() { (1000, 7) } else { (10, 1) };
    let exe = std::env::current_exe().expect("cannot find this benchmark's executable");
    println!(
        "pagination: {} users in {pages} pages of {PER_PAGE}, one child process per mode, \
         {rounds} alternating rounds",
        pages * PER_PAGE
    );
    for round in 1..=rounds {
        let mut order = MODES;
        if round % 2 == 0 {
            order.reverse();
        }
        for mode in order {
            let output = Command::new(&exe)
                .env(MODE_ENV, mode)
                .env(PAGES_ENV, pages.to_string())
                .output()
                .expect("cannot start a child process");
            let stdout = String::from_utf8_lossy(&output.stdout);
            if !output.status.success() {
                print!("{stdout}");
                eprint!("{}", String::from_utf8_lossy(&output.stderr));
                panic!("pagination mode {mode} failed: {}", output.status);
            }
            for line in stdout.lines() {
                println!("{line} round={round}");
            }
        }
    }
}

fn child(mode: &str, pages: u64) {
    let server = StaticServer::with_handler(move |target| {
        Body::Owned(page_for_target(target, PER_PAGE, pages).into_bytes())
    })
    .expect("cannot start the server");
    let page_bytes = page_for_target("/?page=1", PER_PAGE, pages).len() as u64;
    let base = format!("{}/client/v4", server.base_url());
    let expected = pages * PER_PAGE;

    let (items, rss_before, secs) = match mode {
        "apigen_async_items" | "collect_all" => {
            let runtime = current_thread_runtime();
            let client = apigen_client(&base);
            let users = client.zero_trust().access().users();
            let params = || UsersListParams::new().per_page(PER_PAGE as i64);
            runtime.block_on(async {
                // Warm-up: connection, first page, allocator.
                let first = users
                    .list(ACCOUNT_ID)
                    .params(params())
                    .await
                    .expect("first page");
                assert_eq!(first.len() as u64, PER_PAGE);
                drop(first);
                let before = rss::rss_kb().unwrap_or(0);
                let started = Instant::now();
                let mut stream = users.list(ACCOUNT_ID).params(params()).items();
                let count = if mode == "collect_all" {
                    let all: Vec<_> = stream.try_collect().await.expect("pagination failed");
                    std::hint::black_box(&all);
                    all.len() as u64
                } else {
                    let mut count = 0u64;
                    while let Some(user) = stream.try_next().await.expect("pagination failed") {
                        std::hint::black_box(&user);
                        count += 1;
                    }
                    count
                };
                (count, before, started.elapsed().as_secs_f64())
            })
        }
        "apigen_blocking_items" => {
            let client = apigen_blocking_client(&base);
            let users = client.zero_trust().access().users();
            let params = || UsersListParams::new().per_page(PER_PAGE as i64);
            let first = users
                .list(ACCOUNT_ID)
                .params(params())
                .send()
                .expect("first page");
            assert_eq!(first.len() as u64, PER_PAGE);
            drop(first);
            let before = rss::rss_kb().unwrap_or(0);
            let started = Instant::now();
            let mut count = 0u64;
            for user in users.list(ACCOUNT_ID).params(params()).items() {
                std::hint::black_box(&user.expect("pagination failed"));
                count += 1;
            }
            (count, before, started.elapsed().as_secs_f64())
        }
        "hand_page_loop" => {
            let runtime = current_thread_runtime();
            let client = reqwest::Client::new();
            let url = format!("{base}/accounts/{ACCOUNT_ID}/access/users");
            let fetch = |page| {
                reqwest_users_page::<hand::User, hand::ResultInfo>(&client, &url, page, PER_PAGE)
            };
            runtime.block_on(async {
                drop(fetch(1).await);
                let before = rss::rss_kb().unwrap_or(0);
                let started = Instant::now();
                let count = hand_page_loop(fetch, |info| info.total_pages).await;
                (count, before, started.elapsed().as_secs_f64())
            })
        }
        other => panic!("unknown mode {other}"),
    };
    let peak = rss::peak_rss_kb().unwrap_or(0);
    assert_eq!(items, expected, "{mode}: wrong number of users");
    println!(
        "RESULT pagination mode={mode} pages={pages} items={items} page_bytes={page_bytes} \
         rss_before_kb={rss_before} peak_kb={peak} growth_kb={} secs={secs:.3}",
        peak.saturating_sub(rss_before)
    );
    drop(server);
}
