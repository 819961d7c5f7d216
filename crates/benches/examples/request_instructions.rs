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
//! this thread), `apigen` (the generated async client, driven the same way),
//! `blocking` (the generated blocking client) or `reqwest-blocking`. Each
//! run starts the local server, builds its client and makes 20 warm-up
//! calls, then CALLS calls; the per-call cost of a way is the difference
//! between a run with CALLS calls and one with 0, divided by CALLS. The
//! server's work (the same for every way) is counted too, as it is in the
//! time ratios. `scripts/bench-instructions.sh` runs every way and
//! prints the ratios.

use benches::calls::{
    apigen_blocking_call, apigen_call, reqwest_blocking_call, reqwest_call, user_url,
};
use benches::fixtures::user_body;
use benches::server::StaticServer;
use benches::{apigen_blocking_client, apigen_client, current_thread_runtime};

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
    let url = user_url(&server.base_url());
    let total = WARM_UP + calls;
    match way.as_str() {
        "reqwest" => {
            let client = benches::reqwest_client();
            current_thread_runtime().block_on(async {
                for _ in 0..total {
                    std::hint::black_box(reqwest_call(&client, &url).await);
                }
            });
        }
        "apigen" => {
            let client = apigen_client(&base);
            current_thread_runtime().block_on(async {
                for _ in 0..total {
                    std::hint::black_box(apigen_call(&client).await);
                }
            });
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
                std::hint::black_box(reqwest_blocking_call(&client, &url));
            }
        }
        other => usage(&format!("unknown way {other:?}")),
    }
    println!("{way}: {calls} calls after {WARM_UP} warm-up calls");
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: request_instructions reqwest|apigen|blocking|reqwest-blocking CALLS"
    );
    std::process::exit(2)
}
