//! A fixed amount of decode work for instruction counting under callgrind,
//! which counts the same total for the same binary and input whatever else
//! the machine is doing (the criterion ratios of `benches/decode.rs` swing
//! with the load of a shared 2-core machine).
//!
//! ```text
//! cargo build --release -p benches --example decode_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/decode_instructions MODE [BODY]
//! ```
//!
//! MODE is `none` (only builds the body: the fixed cost to subtract),
//! `ignore` (the generated `types::User`, unknown fields dropped) or `keep`
//! (the same struct with a flattened map of unknown fields, as the emitter
//! writes it for `x-apigen.unknown-fields: keep`). BODY is `known` (the
//! default: only the fields the spec names) or `unknown` (two more per
//! user). Each mode decodes the 10,000-user envelope 5 times.
//! `scripts/bench-instructions.sh` runs every combination and prints
//! the ratios.

use benches::fixtures::list_body;
use benches::hand;
use benches::kept::{UserKept, with_unknown_fields};
use cloudflare_access_users_models::types;

const USERS: u64 = 10_000;
const REPEATS: usize = 5;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let body = match args.next().as_deref() {
        None | Some("known") => list_body(0, USERS, 1, USERS, 1),
        Some("unknown") => with_unknown_fields(&list_body(0, USERS, 1, USERS, 1)),
        Some(other) => usage(&format!("unknown body {other:?}")),
    };
    let bytes = body.as_bytes();
    let mut decoded = 0;
    for _ in 0..REPEATS {
        decoded += match mode.as_str() {
            "none" => 0,
            "ignore" => hand::decode::<Vec<types::User>, types::ResultInfo>(bytes)
                .map(|envelope| envelope.result.len())
                .unwrap_or_else(|e| usage(&e)),
            "keep" => hand::decode::<Vec<UserKept>, types::ResultInfo>(bytes)
                .map(|envelope| envelope.result.len())
                .unwrap_or_else(|e| usage(&e)),
            other => usage(&format!("unknown mode {other:?}")),
        };
    }
    println!("{mode}: decoded {decoded} users from {} bytes", bytes.len());
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\nusage: decode_instructions none|ignore|keep [known|unknown]");
    std::process::exit(2)
}
