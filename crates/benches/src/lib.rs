//! What the benchmarks in `benches/` share: Cloudflare-shaped fixtures, a
//! static keep-alive HTTP server, the hand-written baseline types and
//! `/proc/self/status` readings. See `BENCHMARKS.md` at the repository root.

pub mod fixtures;
pub mod hand;
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
