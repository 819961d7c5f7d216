//! What the benchmarks in `benches/` share: Cloudflare-shaped fixtures, a
//! static keep-alive HTTP server, the hand-written baseline types and
//! `/proc/self/status` readings. See `BENCHMARKS.md` at the repository root.

pub mod calls;
pub mod fixtures;
pub mod hand;
pub mod kept;
pub mod rss;
pub mod server;

/// The bearer token every benchmark client sends (the local server ignores it).
pub const TOKEN: &str = "bench-token";

/// Whether the benchmark binary was started by `cargo bench` (which passes
/// `--bench`) rather than by `cargo test --benches` (smoke mode: each
/// benchmark runs once, on small inputs).
pub fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// How many alternating rounds of baseline and ours each criterion group
/// runs: 5 when measuring (`APIGEN_BENCH_ROUNDS` overrides), 1 in smoke mode.
///
/// On a shared 2-core machine the load changes over seconds; short rounds
/// in alternating order (baseline first in odd rounds, ours first in even
/// ones) let `scripts/bench.sh` compare each round's pair and report the
/// median of the per-round ratios.
pub fn rounds() -> usize {
    if !measuring() {
        return 1;
    }
    std::env::var("APIGEN_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(5)
}

/// The two sides of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The hand-written baseline.
    Baseline,
    /// The generated code.
    Apigen,
}

impl Side {
    /// The order of round `round` (1-based): baseline first in odd rounds.
    pub fn order(round: usize) -> [Side; 2] {
        if round % 2 == 1 {
            [Side::Baseline, Side::Apigen]
        } else {
            [Side::Apigen, Side::Baseline]
        }
    }

    /// The criterion function id of this side in round `round`, e.g.
    /// `baseline_r1`.
    pub fn id(self, round: usize) -> String {
        match self {
            Side::Baseline => format!("baseline_r{round}"),
            Side::Apigen => format!("apigen_r{round}"),
        }
    }
}

/// A current-thread tokio runtime with I/O and timers, for async clients.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot start a tokio runtime")
}

/// The generated async Cloudflare client, pointed at `base_url`, with the
/// default configuration (timeouts, retries) and a bearer token.
pub fn apigen_client(base_url: &str) -> cloudflare_access_users_client::Client {
    cloudflare_access_users_client::Client::new(
        cloudflare_access_users_client::Config::new(
            cloudflare_access_users_client::Credentials::bearer(TOKEN),
        )
        .with_base_url(base_url),
    )
    .expect("cannot build the generated client")
}

/// The generated blocking Cloudflare client, pointed at `base_url`.
pub fn apigen_blocking_client(base_url: &str) -> cloudflare_access_users_blocking::Client {
    cloudflare_access_users_blocking::Client::new(
        cloudflare_access_users_blocking::Config::new(
            cloudflare_access_users_blocking::Credentials::bearer(TOKEN),
        )
        .with_base_url(base_url),
    )
    .expect("cannot build the generated blocking client")
}

/// The `User-Agent` the generated clients send (`<api>/<version>
/// apigen-runtime/<version>`); the hand-written baselines send it too.
pub fn user_agent() -> String {
    let profile = &cloudflare_access_users_client::PROFILE;
    format!(
        "{}/{} apigen-runtime/{}",
        profile.name,
        profile.version,
        env!("CARGO_PKG_VERSION")
    )
}

/// The hand-written baseline's async reqwest client: as a person builds one
/// for this API, with the SDK's `User-Agent` set once (reqwest adds it to
/// every request), so that its requests carry the same head as the
/// generated client's (`tests/same_head.rs` checks it; see BENCHMARKS.md).
pub fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(user_agent())
        .build()
        .expect("cannot build the reqwest client")
}

/// The hand-written baseline's `reqwest::blocking` client, with the same
/// `User-Agent`.
pub fn reqwest_blocking_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .user_agent(user_agent())
        .build()
        .expect("cannot build the reqwest blocking client")
}
