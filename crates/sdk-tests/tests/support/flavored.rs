//! The harness of the behaviour tests (`cloudflare.rs`, `keycard.rs`).
//!
//! Every behaviour case is written once, as a function `fn(&Env)`, and run
//! against both the async and the blocking generated client by
//! [`flavored_cases!`], which turns a table of case names into one
//! `#[test]` per case and [`Flavor`]. A case gets a [`Flavored`] client
//! ([`Cloudflare`] or [`Keycard`]) from its [`Env`] and calls it through
//! [`send!`], [`items!`], [`pages!`] or [`concurrently!`]: the call
//! expression is written once, compiled against both generated clients, and
//! both arms yield the same types (`Result<Response<Output, Meta>, Error>`,
//! `Vec<Result<Item, Error>>`), so the two clients cannot drift:
//!
//! - [`Flavor::Async`]: the async client, driven by `block_on` on the
//!   [`Env`]'s multi-threaded tokio runtime from the (plain) test thread;
//! - [`Flavor::Blocking`]: the blocking client, called directly from the
//!   test thread, which is not inside any runtime (or from threads it
//!   spawns, for [`concurrently!`]).
//!
//! The wiremock server is started on the `Env`'s runtime, which stays alive
//! while either client runs. Retries never really sleep: every client gets a
//! [`RecordingSleeper`] that records the delays and returns at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

pub use apigen_runtime::{ApiError, Config, Credentials, Error, ErrorKind, Response};

use super::RecordingSleeper;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Which generated client runs a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `<api>-client`, awaited on the test's tokio runtime.
    Async,
    /// `<api>-blocking`, called from a plain thread.
    Blocking,
}

/// Turns a table of case functions (`fn(&Env)`) into two tests each, one
/// per flavour: `case::async_client` and `case::blocking_client`.
macro_rules! flavored_cases {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[test]
                fn async_client() {
                    $crate::support::flavored::run($crate::support::flavored::Flavor::Async, super::$case);
                }
                #[test]
                fn blocking_client() {
                    $crate::support::flavored::run($crate::support::flavored::Flavor::Blocking, super::$case);
                }
            }
        )*
    };
}
pub(crate) use flavored_cases;

/// Runs one case with a fresh mock server, then checks the mocks'
/// expectations.
pub fn run(flavor: Flavor, case: fn(&Env)) {
    let env = Env::new(flavor);
    case(&env);
    env.verify();
}

/// The world of one case: a mock server on a tokio runtime, the recording
/// sleeper every client gets, and the flavour under test.
pub struct Env {
    // Declared first: dropped (and verified) before the runtime.
    server: MockServer,
    runtime: tokio::runtime::Runtime,
    pub flavor: Flavor,
    pub sleeper: RecordingSleeper,
}

impl Env {
    pub fn new(flavor: Flavor) -> Env {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime");
        let server = runtime.block_on(MockServer::start());
        Env {
            server,
            runtime,
            flavor,
            sleeper: RecordingSleeper::default(),
        }
    }

    /// The base URL of the mock server.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Answers `method` requests with each of `first` once, in order, then
    /// with `then` for good.
    pub fn mount_script(&self, method: &str, first: Vec<ResponseTemplate>, then: ResponseTemplate) {
        let matcher = || Mock::given(wiremock::matchers::method(method));
        let mut priority = 1;
        for response in first {
            self.mount(
                matcher()
                    .respond_with(response)
                    .up_to_n_times(1)
                    .with_priority(priority),
            );
            priority += 1;
        }
        self.mount(matcher().respond_with(then).with_priority(priority));
    }

    /// Forgets the mocks and the recorded requests.
    pub fn reset(&self) {
        self.runtime.block_on(self.server.reset());
    }

    /// Every request the server received, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .expect("request recording is on")
    }

    /// The requests received whose path is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.url.path() == path)
            .collect()
    }

    /// Panics when a mock's `expect` is not met.
    pub fn verify(&self) {
        self.runtime.block_on(self.server.verify());
    }

    /// Runs a future on the test runtime (from the plain test thread).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// A config pointing at the mock server: no jitter, the recording
    /// sleeper, a short timeout.
    pub fn config(&self, credentials: Credentials) -> Config {
        self.wire(Config::new(credentials))
    }

    /// Points an existing config (e.g. from `from_env_with`) at the
    /// recording sleeper, without jitter.
    pub fn wire(&self, config: Config) -> Config {
        let config = if config.base_url().is_none() {
            config.with_base_url(self.uri())
        } else {
            config
        };
        config
            .with_sleeper(self.sleeper.clone())
            .with_jitter(false)
            .with_timeout(Duration::from_secs(10))
    }

    /// The Cloudflare client of this case's flavour.
    pub fn cloudflare(&self, config: Config) -> Cloudflare {
        self.flavored(
            config,
            cloudflare_access_users_client::Client::new,
            cloudflare_access_users_blocking::Client::new,
        )
    }

    /// The Keycard client of this case's flavour.
    pub fn keycard(&self, config: Config) -> Keycard {
        self.flavored(
            config,
            keycard_zone_users_client::Client::new,
            keycard_zone_users_blocking::Client::new,
        )
    }

    /// The render farm (`wireforms-responses`) client of this case's flavour.
    pub fn wireforms(&self, config: Config) -> Wireforms {
        self.flavored(
            config,
            wireforms_responses_client::Client::new,
            wireforms_responses_blocking::Client::new,
        )
    }

    /// The client of this case's flavour, made by `new_async` or
    /// `new_blocking`.
    fn flavored<A, B>(
        &self,
        config: Config,
        new_async: fn(Config) -> Result<A, Error>,
        new_blocking: fn(Config) -> Result<B, Error>,
    ) -> Flavored<A, B> {
        match self.flavor {
            Flavor::Async => Flavored::Async(
                new_async(config).expect("async client"),
                self.runtime.handle().clone(),
            ),
            Flavor::Blocking => Flavored::Blocking(new_blocking(config).expect("blocking client")),
        }
    }
}

/// A generated client of one flavour: `A` is the async client (with the
/// handle of the runtime that drives it), `B` the blocking one.
pub enum Flavored<A, B> {
    Async(A, tokio::runtime::Handle),
    Blocking(B),
}

impl<A, B> Flavored<A, B> {
    pub fn flavor(&self) -> Flavor {
        match self {
            Flavored::Async(..) => Flavor::Async,
            Flavored::Blocking(_) => Flavor::Blocking,
        }
    }
}

pub type Cloudflare =
    Flavored<cloudflare_access_users_client::Client, cloudflare_access_users_blocking::Client>;
pub type Keycard = Flavored<keycard_zone_users_client::Client, keycard_zone_users_blocking::Client>;
pub type Wireforms =
    Flavored<wireforms_responses_client::Client, wireforms_responses_blocking::Client>;

/// Sends one call with either flavour: `send!(client, |c| c.zones().users().retrieve(z, id))`.
/// The call expression is written once and type-checked against both
/// generated clients, so per-call options (`.max_retries(…)`, `.header(…)`)
/// work too. Both arms yield `Result<Response<Output, Meta>, Error>`.
macro_rules! send {
    ($client:expr, |$c:ident| $call:expr) => {
        match &$client {
            $crate::support::flavored::Flavored::Async($c, runtime) => {
                runtime.block_on(async { $call.await })
            }
            $crate::support::flavored::Flavored::Blocking($c) => $call.send(),
        }
    };
}
pub(crate) use send;

/// Collects at most `$n` results of `.items()` (async: a `Stream`;
/// blocking: an `Iterator`) into a `Vec<Result<Item, Error>>`.
macro_rules! items {
    ($client:expr, $n:expr, |$c:ident| $call:expr) => {
        match &$client {
            $crate::support::flavored::Flavored::Async($c, runtime) => runtime.block_on(async {
                use futures_util::StreamExt as _;
                $call.items().take($n).collect::<Vec<_>>().await
            }),
            $crate::support::flavored::Flavored::Blocking($c) => {
                $call.items().take($n).collect::<Vec<_>>()
            }
        }
    };
}
pub(crate) use items;

/// Bound on the results collected by [`items!`] (as `ALL`) and [`pages!`], so that a
/// pagination bug that loops fails a test instead of hanging it.
pub const ALL: usize = 1000;

/// Collects the results of `.pages()` (at most [`ALL`]) into a
/// `Vec<Result<Response, Error>>`.
macro_rules! pages {
    ($client:expr, |$c:ident| $call:expr) => {
        match &$client {
            $crate::support::flavored::Flavored::Async($c, runtime) => runtime.block_on(async {
                use futures_util::StreamExt as _;
                $call
                    .pages()
                    .take($crate::support::flavored::ALL)
                    .collect::<Vec<_>>()
                    .await
            }),
            $crate::support::flavored::Flavored::Blocking($c) => $call
                .pages()
                .take($crate::support::flavored::ALL)
                .collect::<Vec<_>>(),
        }
    };
}
pub(crate) use pages;

/// Sends `$n` copies of one call at the same time and returns their
/// results in order: async, as futures joined on the runtime; blocking, one
/// thread each, sharing the client.
macro_rules! concurrently {
    ($client:expr, $n:expr, |$c:ident| $call:expr) => {
        match &$client {
            $crate::support::flavored::Flavored::Async($c, runtime) => runtime.block_on(async {
                futures_util::future::join_all((0..$n).map(|_| async { $call.await })).await
            }),
            $crate::support::flavored::Flavored::Blocking($c) => std::thread::scope(|scope| {
                let threads: Vec<_> = (0..$n).map(|_| scope.spawn(|| $call.send())).collect();
                threads
                    .into_iter()
                    .map(|thread| thread.join().expect("no panic"))
                    .collect::<Vec<_>>()
            }),
        }
    };
}
pub(crate) use concurrently;

/// A fake environment for `Config::from_env_with` that records every
/// variable looked up.
#[derive(Debug, Default)]
pub struct FakeEnv {
    vars: BTreeMap<String, String>,
    pub looked_up: Vec<String>,
}

impl FakeEnv {
    pub fn new(vars: &[(&str, &str)]) -> FakeEnv {
        FakeEnv {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            looked_up: Vec::new(),
        }
    }

    /// `Config::from_env_with(profile, lookup)` on this environment.
    pub fn config(&mut self, profile: &apigen_runtime::ApiProfile) -> Result<Config, Error> {
        let vars = &self.vars;
        let looked_up = &mut self.looked_up;
        Config::from_env_with(profile, |name| {
            looked_up.push(name.to_owned());
            vars.get(name).cloned()
        })
    }
}

/// `from_env` of `profile` with only `vars` set, which must fail for want of
/// credentials: the config error's message, and the error as displayed.
pub fn no_credentials(
    vars: &[(&str, &str)],
    profile: &apigen_runtime::ApiProfile,
) -> (String, String) {
    let error = FakeEnv::new(vars)
        .config(profile)
        .expect_err("no complete credentials");
    let Error::Config { message, .. } = &error else {
        panic!("expected a config error, got {error:?}");
    };
    (message.clone(), error.to_string())
}

// ---- Request inspection ----------------------------------------------------

/// The value of a request header, as text.
pub fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).map(|v| v.to_str().expect("text"))
}

/// Every value of a request header.
pub fn header_all(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("text").to_owned())
        .collect()
}

/// The decoded query pairs of a request, in order.
pub fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The decoded values of one query parameter, in order.
pub fn query_values(request: &Request, name: &str) -> Vec<String> {
    query(request)
        .into_iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect()
}

/// `pairs` as owned strings, for comparing with [`query`].
pub fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The request body as JSON.
pub fn json_body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON request body")
}

/// Checks what every request of a generated client carries: the
/// `User-Agent` of the API, `Accept: application/json`, and no body or
/// `Content-Type` unless `body` is expected.
pub fn assert_common_headers(request: &Request, api: &str, body: bool) {
    let ua = header(request, "user-agent").expect("a User-Agent");
    assert!(
        ua.starts_with(&format!("{api}/0.1.0 apigen-runtime/")),
        "User-Agent {ua:?}"
    );
    assert_eq!(header(request, "accept"), Some("application/json"));
    if body {
        assert_eq!(header(request, "content-type"), Some("application/json"));
    } else {
        assert_eq!(header(request, "content-type"), None, "no body, no type");
        assert!(request.body.is_empty(), "unexpected body");
    }
}

/// After an error response with `status` (the case's only requests since
/// the last reset): three attempts with the default backoff (0.5 s, 1 s)
/// when it was `retried`, else one; `sleeps_before` is the number of sleeps
/// recorded before the call.
pub fn assert_attempts(env: &Env, retried: bool, sleeps_before: usize, status: u16) {
    let (requests, sleeps) = if retried {
        (3, vec![super::secs(0.5), super::secs(1.0)])
    } else {
        (1, vec![])
    };
    assert_eq!(env.requests().len(), requests, "{status}");
    assert_eq!(env.sleeper.sleeps()[sleeps_before..], sleeps, "{status}");
}

/// The API error inside `error`, or a panic naming what it was instead.
pub fn api_error(error: &Error) -> &ApiError {
    error
        .api_error()
        .unwrap_or_else(|| panic!("expected an API error, got {error:?}"))
}

/// The only element of `results`, which must be `Err`.
pub fn expect_err<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Ok(value) => panic!("expected an error, got Ok({value:?})"),
        Err(error) => error,
    }
}

/// The `Ok` values of a pagination result, panicking on the first error.
pub fn oks<T>(results: Vec<Result<T, Error>>) -> Vec<T> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("pagination failed: {e:?}")))
        .collect()
}
