//! A fixed number of sequential calls for instruction counting under
//! callgrind: the deterministic companion of `benches/request.rs`, whose
//! time ratios swing with the load of a shared 2-core machine.
//!
//! ```text
//! cargo build --release -p benches --example request_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/request_instructions WAY CALLS
//! ```
//!
//! WAY is `reqwest` (hand-written reqwest on a current-thread runtime in
//! this thread), `reqwest-url` (the same with its URL formatted once, the
//! baseline before 2026-12-06), `apigen` (the generated async client, driven the same way),
//! `blocking` (the generated blocking client) or `reqwest-blocking`; or
//! `reqwest-N` / `reqwest-url-N` / `apigen-N` for the async calls with N in flight
//! (`buffer_unordered`, as in `benches/request.rs`). Each run starts the
//! local server, builds its client and makes 20 warm-up calls (N at a time
//! when N are in flight, at least N of them), then CALLS calls; the
//! per-call cost of a way is the difference
//! between a run with CALLS calls and one with 0, divided by CALLS. The
//! server's work (the same for every way) is counted too, as it is in the
//! time ratios. `scripts/bench-instructions.sh` runs every way and
//! prints the ratios.

use benches::calls::{
    apigen_blocking_call, apigen_call, reqwest_blocking_call, reqwest_call, reqwest_call_prebuilt,
    user_url,
};
use benches::fixtures::user_body;
use benches::fixtures::{ACCOUNT_ID, USER_ID};
use benches::server::StaticServer;
use benches::{apigen_blocking_client, apigen_client, current_thread_runtime};
use futures_util::{StreamExt as _, stream};

const WARM_UP: usize = 20;

fn main() {
    let mut args = std::env::args().skip(1);
    let way = args.next().unwrap_or_default();
    let calls: usize = match args.next().map(|n| n.parse()) {
        Some(Ok(n)) => n,
        _ => usage("CALLS must be a number"),
    };
    let server = StaticServer::fixed(user_body()).expect("cannot start the server");
    let base = format!("{}/client/v4", server.base_url());
    // The URL the baseline of the passes before 2026-12-06 formatted once.
    let url = user_url(&base, ACCOUNT_ID, USER_ID);
    let total = WARM_UP + calls;
    if let Some((side, in_flight)) = way.rsplit_once('-') {
        if let Ok(in_flight) = in_flight.parse::<usize>() {
            let warm_up = WARM_UP.max(in_flight);
            match side {
                "reqwest" => {
                    let client = benches::reqwest_client();
                    in_flight_run(warm_up, calls, in_flight, || reqwest_call(&client, &base));
                }
                "reqwest-url" => {
                    let client = benches::reqwest_client();
                    in_flight_run(warm_up, calls, in_flight, || {
                        reqwest_call_prebuilt(&client, &url)
                    });
                }
                "apigen" => {
                    let client = apigen_client(&base);
                    in_flight_run(warm_up, calls, in_flight, || apigen_call(&client));
                }
                other => usage(&format!("unknown way {other:?}")),
            }
            println!("{way}: {calls} calls after {warm_up} warm-up calls");
            return;
        }
    }
    match way.as_str() {
        "reqwest" => {
            let client = benches::reqwest_client();
            one_at_a_time(total, || reqwest_call(&client, &base));
        }
        "reqwest-url" => {
            let client = benches::reqwest_client();
            one_at_a_time(total, || reqwest_call_prebuilt(&client, &url));
        }
        "apigen" => {
            let client = apigen_client(&base);
            one_at_a_time(total, || apigen_call(&client));
        }
        "blocking" => {
            let client = apigen_blocking_client(&base);
            for _ in 0..total {
                std::hint::black_box(apigen_blocking_call(&client));
            }
        }
        "reqwest-blocking" => {
            let client = benches::reqwest_blocking_client();
            for _ in 0..total {
                std::hint::black_box(reqwest_blocking_call(&client, &base));
            }
        }
        other => usage(&format!("unknown way {other:?}")),
    }
    println!("{way}: {calls} calls after {WARM_UP} warm-up calls");
}

/// Makes `total` async calls one after another on a current-thread runtime.
fn one_at_a_time<F, Fut>(total: usize, call: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future,
{
    current_thread_runtime().block_on(async {
        for _ in 0..total {
            std::hint::black_box(call().await);
        }
    });
}

/// Makes `warm_up` calls, then `calls` calls, `in_flight` at a time, on a
/// current-thread runtime.
fn in_flight_run<F, Fut>(warm_up: usize, calls: usize, in_flight: usize, call: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future,
{
    current_thread_runtime().block_on(async {
        in_flight_calls(warm_up, in_flight, &call).await;
        in_flight_calls(calls, in_flight, &call).await;
    });
}

/// Makes `calls` calls, `in_flight` at a time.
async fn in_flight_calls<F, Fut>(calls: usize, in_flight: usize, call: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future,
{
    stream::iter(0..calls)
        .map(|_| call())
        .buffer_unordered(in_flight)
        .for_each(|value| async move {
            std::hint::black_box(value);
        })
        .await;
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: request_instructions reqwest|reqwest-url|apigen|blocking|reqwest-blocking|reqwest-N|reqwest-url-N|apigen-N CALLS"
    );
    std::process::exit(2)
}
