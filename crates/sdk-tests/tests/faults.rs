//! The fault matrix: what the generated clients do when the server or the
//! network misbehaves.
//!
//! Each case is written once (a server script, an operation, the expected
//! number of requests and delays, and a check of the outcome) and runs
//! twice: through the async client and through the blocking client. The
//! server is the scripted [`TestServer`] of `support`, which can also reset
//! connections, cut bodies short and stall; a raw listener covers resets
//! on accept. Retries are counted on the server side, and the backoff is
//! asserted exactly (jitter off, a [`RecordingSleeper`] that never sleeps).
//!
//! Every case must end in success after retries or in the right typed
//! error; nothing may panic (a panic in the client fails the case).

mod support;

use std::time::{Duration, Instant};

use apigen_runtime::{Config, Error, ErrorKind, Response};
use cloudflare_access_users_blocking as cfb;
use cloudflare_access_users_client as cf;
use cloudflare_access_users_client::types::{CreateUserRequest, ResultInfo};
use keycard_zone_users_blocking as kcb;
use keycard_zone_users_client as kc;
use keycard_zone_users_client::types::UserStatus;
use serde_json::json;
use support::*;

/// The operation a case calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Cloudflare `GET …/users/{user_id}` (idempotent, envelope).
    CfGet,
    /// Cloudflare `GET …/users` (envelope with `result_info`).
    CfList,
    /// Cloudflare `POST …/users` (not idempotent).
    CfCreate,
    /// Keycard `GET /zones/{zoneId}/users/{id}` (plain body).
    KcRetrieve,
    /// Keycard `GET /zones/{zoneId}/users` (plain body).
    KcList,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Async,
    Blocking,
}

/// A decoded output, whichever the operation.
#[derive(Debug)]
enum Output {
    CfUser(cf::types::User),
    CfUsers(Vec<cf::types::User>, Option<ResultInfo>),
    KcUser(kc::types::User),
    KcList(kc::types::UserListResponse),
}

/// How the case's server misbehaves.
enum Server {
    /// The scripted server: replies in order, the last one repeated.
    Script(Vec<Reply>),
    /// A raw listener that resets every connection as soon as it accepts it.
    ResetOnAccept,
}

struct Case {
    op: Op,
    server: Server,
    /// Changes to the default test configuration (bearer token, no jitter,
    /// recording sleeper, 2 retries).
    config: fn(Config) -> Config,
    /// Per-call `.timeout(…)`.
    timeout: Option<Duration>,
    /// Per-call `.max_retries(…)`.
    max_retries: Option<u32>,
    /// Requests (or connections, for [`Server::ResetOnAccept`]) the server
    /// must see.
    requests: usize,
    /// The delays the client must ask for between attempts.
    sleeps: Vec<Duration>,
    /// Checks the outcome.
    check: fn(Mode, &Result<Output, Error>),
}

impl Case {
    fn new(
        op: Op,
        server: Server,
        requests: usize,
        check: fn(Mode, &Result<Output, Error>),
    ) -> Case {
        Case {
            op,
            server,
            config: |c| c,
            timeout: None,
            max_retries: None,
            requests,
            sleeps: Vec::new(),
            check,
        }
    }

    fn sleeps(mut self, sleeps: &[f64]) -> Case {
        self.sleeps = sleeps.iter().map(|s| Duration::from_secs_f64(*s)).collect();
        self
    }

    fn config(mut self, config: fn(Config) -> Config) -> Case {
        self.config = config;
        self
    }

    fn timeout(mut self, timeout: Duration) -> Case {
        self.timeout = Some(timeout);
        self
    }

    fn max_retries(mut self, retries: u32) -> Case {
        self.max_retries = Some(retries);
        self
    }

    /// Runs the case through both clients.
    fn run(self) {
        for mode in [Mode::Async, Mode::Blocking] {
            self.run_in(mode);
        }
    }

    fn run_in(&self, mode: Mode) {
        enum Running {
            Scripted(TestServer),
            Raw(ResetListener),
        }
        let server = match &self.server {
            Server::Script(replies) => Running::Scripted(TestServer::script(replies.clone())),
            Server::ResetOnAccept => Running::Raw(ResetListener::start()),
        };
        let url = match &server {
            Running::Scripted(s) => s.url(),
            Running::Raw(r) => r.url(),
        };
        let sleeper = RecordingSleeper::default();
        let config = (self.config)(test_config(&url, &sleeper));
        let started = Instant::now();
        let (result, attempts) = match mode {
            Mode::Async => client_runtime().block_on(call_async(self, config)),
            Mode::Blocking => call_blocking(self, config),
        };
        let elapsed = started.elapsed();
        let seen = match &server {
            Running::Scripted(s) => s.request_count(),
            Running::Raw(r) => r.accepted(),
        };
        let context = format!("{:?} {mode:?}: {result:?}", self.op);
        assert_eq!(
            seen, self.requests,
            "requests seen by the server; {context}"
        );
        assert_eq!(
            sleeper.sleeps(),
            self.sleeps,
            "delays between attempts; {context}"
        );
        if let Some(attempts) = attempts {
            assert_eq!(
                attempts as usize, self.requests,
                "Response::attempts; {context}"
            );
        }
        // Nothing slept for real, and per-call timeouts are short.
        assert!(
            elapsed < Duration::from_secs(10),
            "took {elapsed:?}; {context}"
        );
        (self.check)(mode, &result);
        if let Running::Scripted(s) = &server {
            // A retry sends the first attempt's request again, byte for
            // byte: method, target, headers (in order) and body.
            let requests = s.requests();
            for retry in requests.iter().skip(1) {
                let first = &requests[0];
                assert_eq!(
                    (&retry.method, &retry.target, &retry.headers, &retry.body),
                    (&first.method, &first.target, &first.headers, &first.body),
                    "a retried request; {context}"
                );
            }
        }
        if let (Running::Scripted(s), Op::CfCreate) = (&server, self.op) {
            // Every attempt of a POST carries the same body.
            for request in s.requests() {
                assert_eq!(
                    request.json(),
                    json!({"email": "jdoe@example.com", "name": "Jane Doe"})
                );
            }
        }
    }
}

/// Applies the case's per-call options to an async or blocking call.
macro_rules! with_options {
    ($call:expr, $case:expr) => {{
        let mut call = $call;
        if let Some(timeout) = $case.timeout {
            call = call.timeout(timeout);
        }
        if let Some(retries) = $case.max_retries {
            call = call.max_retries(retries);
        }
        call
    }};
}

fn split<T, M>(
    result: Result<Response<T, M>, Error>,
    wrap: impl FnOnce(T, Option<M>) -> Output,
) -> (Result<Output, Error>, Option<u32>) {
    match result {
        Ok(response) => {
            let (value, parts) = response.into_parts();
            let attempts = parts.attempts;
            (Ok(wrap(value, parts.meta)), Some(attempts))
        }
        Err(e) => (Err(e), None),
    }
}

fn create_body() -> CreateUserRequest {
    CreateUserRequest::new("jdoe@example.com").name("Jane Doe")
}

async fn call_async(case: &Case, config: Config) -> (Result<Output, Error>, Option<u32>) {
    match case.op {
        Op::CfGet | Op::CfList | Op::CfCreate => {
            let client = cf::Client::new(config).expect("client");
            let users = client.zero_trust().access().users();
            match case.op {
                Op::CfGet => split(
                    with_options!(users.get(ACCOUNT_ID, USER_ID), case).await,
                    |u, _| Output::CfUser(u),
                ),
                Op::CfList => split(
                    with_options!(users.list(ACCOUNT_ID), case).await,
                    Output::CfUsers,
                ),
                _ => split(
                    with_options!(users.create(ACCOUNT_ID, create_body()), case).await,
                    |u, _| Output::CfUser(u),
                ),
            }
        }
        Op::KcRetrieve | Op::KcList => {
            let client = kc::Client::new(config).expect("client");
            let users = client.zones().users();
            if case.op == Op::KcRetrieve {
                split(
                    with_options!(users.retrieve(ZONE_ID, KC_USER_ID), case).await,
                    |u, _| Output::KcUser(u),
                )
            } else {
                split(with_options!(users.list(ZONE_ID), case).await, |l, _| {
                    Output::KcList(l)
                })
            }
        }
    }
}

fn call_blocking(case: &Case, config: Config) -> (Result<Output, Error>, Option<u32>) {
    match case.op {
        Op::CfGet | Op::CfList | Op::CfCreate => {
            let client = cfb::Client::new(config).expect("client");
            let users = client.zero_trust().access().users();
            match case.op {
                Op::CfGet => split(
                    with_options!(users.get(ACCOUNT_ID, USER_ID), case).send(),
                    |u, _| Output::CfUser(u),
                ),
                Op::CfList => split(
                    with_options!(users.list(ACCOUNT_ID), case).send(),
                    Output::CfUsers,
                ),
                _ => split(
                    with_options!(users.create(ACCOUNT_ID, create_body()), case).send(),
                    |u, _| Output::CfUser(u),
                ),
            }
        }
        Op::KcRetrieve | Op::KcList => {
            let client = kcb::Client::new(config).expect("client");
            let users = client.zones().users();
            if case.op == Op::KcRetrieve {
                split(
                    with_options!(users.retrieve(ZONE_ID, KC_USER_ID), case).send(),
                    |u, _| Output::KcUser(u),
                )
            } else {
                split(with_options!(users.list(ZONE_ID), case).send(), |l, _| {
                    Output::KcList(l)
                })
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Replies and checks used by several cases.
// ---------------------------------------------------------------------------

fn ok_user() -> Reply {
    Reply::json(200, &cf_envelope(cf_user(USER_ID)))
}

fn created_user() -> Reply {
    Reply::json(201, &cf_envelope(cf_user(USER_ID)))
}

fn rate_limited(retry_after: &str) -> Reply {
    Reply::json(
        429,
        &json!({"success": false, "errors": [{"code": 971, "message": "Please wait and consider throttling your request speed"}], "messages": [], "result": null}),
    )
    .header("retry-after", retry_after)
    .header("cf-ray", "8f1e2d3c4b5a6978-SJC")
}

fn unavailable() -> Reply {
    Reply::raw(503, "text/plain", "upstream connect error")
}

fn expect_cf_user(_: Mode, result: &Result<Output, Error>) {
    match result {
        Ok(Output::CfUser(user)) => {
            assert_eq!(user.id.as_deref(), Some(USER_ID));
            assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));
        }
        other => panic!("expected the user, got {other:?}"),
    }
}

fn api_error(result: &Result<Output, Error>) -> &apigen_runtime::ApiError {
    match result {
        Err(e) => e
            .api_error()
            .unwrap_or_else(|| panic!("expected an API error, got {e:?}")),
        Ok(o) => panic!("expected an API error, got {o:?}"),
    }
}

fn expect_transport(_: Mode, result: &Result<Output, Error>) {
    match result {
        Err(e @ Error::Transport { connect, .. }) => {
            assert!(!connect, "the connection was established: {e:?}");
            assert!(e.is_retryable());
            assert_eq!(e.to_string(), "connection to the server failed");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn expect_decode(result: &Result<Output, Error>) -> (&str, &str) {
    match result {
        Err(Error::Decode {
            path,
            message,
            status,
            ..
        }) => {
            assert_eq!(*status, 200);
            (path.as_str(), message.as_str())
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 429 and Retry-After.
// ---------------------------------------------------------------------------

#[test]
fn rate_limited_with_retry_after_then_success() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![rate_limited("3"), rate_limited("3"), ok_user()]),
        3,
        expect_cf_user,
    )
    .sleeps(&[3.0, 3.0])
    .run();
}

#[test]
fn rate_limited_with_retry_after_ms_then_success() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![
            Reply::json(
                429,
                &json!({"message": "slow down", "code": "rate_limited", "status": 429}),
            )
            .header("retry-after-ms", "150"),
            Reply::json(200, &kc_user(KC_USER_ID)),
        ]),
        2,
        |_, r| {
            assert!(
                matches!(r, Ok(Output::KcUser(u)) if u.id == KC_USER_ID),
                "{r:?}"
            )
        },
    )
    .sleeps(&[0.15])
    .run();
}

#[test]
fn rate_limited_until_retries_run_out() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![rate_limited("2")]),
        3,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::RateLimited);
            assert_eq!(e.status, 429);
            assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
            assert_eq!(e.details[0].code, Some(971));
            assert_eq!(e.request_id.as_deref(), Some("8f1e2d3c4b5a6978-SJC"));
            assert_eq!(e.operation_id, "zero-trust-users-get-user");
        },
    )
    .sleeps(&[2.0, 2.0])
    .run();
}

#[test]
fn rate_limit_longer_than_the_cap_is_returned_at_once() {
    // Cloudflare blocks for 300 s after its rate limit: no sleeping that long.
    Case::new(
        Op::CfGet,
        Server::Script(vec![rate_limited("300")]),
        1,
        |_, r| {
            let err = r.as_ref().unwrap_err();
            assert_eq!(err.kind(), Some(ErrorKind::RateLimited));
            assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
            assert!(err.is_retryable());
        },
    )
    .run();
}

#[test]
fn rate_limited_post_is_retried() {
    // A 429 means the server did not act on the request: safe for a POST.
    Case::new(
        Op::CfCreate,
        Server::Script(vec![rate_limited("1"), created_user()]),
        2,
        |_, r| assert!(matches!(r, Ok(Output::CfUser(_))), "{r:?}"),
    )
    .sleeps(&[1.0])
    .run();
}

// ---------------------------------------------------------------------------
// 5xx.
// ---------------------------------------------------------------------------

#[test]
fn service_unavailable_three_times_then_success() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![unavailable(), unavailable(), unavailable(), ok_user()]),
        4,
        expect_cf_user,
    )
    .max_retries(3)
    .sleeps(&[0.5, 1.0, 2.0])
    .run();
}

#[test]
fn service_unavailable_until_retries_run_out() {
    Case::new(
        Op::KcList,
        Server::Script(vec![unavailable()]),
        3,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::Server);
            assert_eq!(e.status, 503);
            assert_eq!(e.body, "upstream connect error");
            assert_eq!(e.operation_id, "listZoneUsers");
        },
    )
    .sleeps(&[0.5, 1.0])
    .run();
}

#[test]
fn service_unavailable_with_more_configured_retries() {
    Case::new(
        Op::CfList,
        Server::Script(vec![unavailable()]),
        6,
        |_, r| {
            assert_eq!(
                r.as_ref().unwrap_err().status(),
                Some(503.try_into().unwrap())
            );
        },
    )
    .config(|c| c.with_max_retries(5))
    .sleeps(&[0.5, 1.0, 2.0, 4.0, 8.0])
    .run();
}

#[test]
fn server_error_on_post_is_not_retried() {
    // A 500 after a POST may have created the user: not repeated.
    Case::new(
        Op::CfCreate,
        Server::Script(vec![Reply::json(500, &json!({"success": false, "errors": [{"code": 10001, "message": "Internal error"}], "messages": [], "result": null})), created_user()]),
        1,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::Server);
            assert_eq!(e.message(), Some("Internal error"));
        },
    )
    .run();
}

#[test]
fn service_unavailable_on_post_is_retried() {
    Case::new(
        Op::CfCreate,
        Server::Script(vec![unavailable(), created_user()]),
        2,
        |_, r| assert!(r.is_ok(), "{r:?}"),
    )
    .sleeps(&[0.5])
    .run();
}

#[test]
fn x_should_retry_false_stops_retries() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![
            unavailable().header("x-should-retry", "false"),
            ok_user(),
        ]),
        1,
        |_, r| assert_eq!(r.as_ref().unwrap_err().kind(), Some(ErrorKind::Server)),
    )
    .run();
}

#[test]
fn html_502_page_is_a_typed_server_error() {
    const PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::raw(502, "text/html", PAGE)]),
        3,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::Server);
            assert_eq!(e.status, 502);
            assert!(e.details.is_empty(), "{:?}", e.details);
            assert!(e.body.starts_with("<html>"), "{}", e.body);
            // One line in Display, whatever the page.
            let shown = r.as_ref().unwrap_err().to_string();
            assert!(
                !shown.contains('\n') && shown.contains("502 Bad Gateway"),
                "{shown}"
            );
        },
    )
    .sleeps(&[0.5, 1.0])
    .run();
}

#[test]
fn html_502_page_then_success() {
    Case::new(
        Op::CfList,
        Server::Script(vec![
            Reply::raw(502, "text/html", "<html><body>502</body></html>"),
            Reply::json(200, &cf_list_envelope(vec![cf_user(USER_ID)], 1, 1)),
        ]),
        2,
        |_, r| match r {
            Ok(Output::CfUsers(users, meta)) => {
                assert_eq!(users.len(), 1);
                assert_eq!(meta.as_ref().and_then(|m| m.total_pages), Some(1.0));
            }
            other => panic!("{other:?}"),
        },
    )
    .sleeps(&[0.5])
    .run();
}

// ---------------------------------------------------------------------------
// Broken connections and timeouts.
// ---------------------------------------------------------------------------

#[test]
fn connection_reset_after_the_request_until_retries_run_out() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::Reset]),
        3,
        expect_transport,
    )
    .sleeps(&[0.5, 1.0])
    .run();
}

#[test]
fn connection_reset_then_success() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![Reply::Reset, Reply::json(200, &kc_user(KC_USER_ID))]),
        2,
        |_, r| assert!(matches!(r, Ok(Output::KcUser(_))), "{r:?}"),
    )
    .sleeps(&[0.5])
    .run();
}

#[test]
fn connection_reset_on_post_is_not_retried() {
    // The server may have acted on it before the connection broke.
    Case::new(
        Op::CfCreate,
        Server::Script(vec![Reply::Reset, created_user()]),
        1,
        expect_transport,
    )
    .run();
}

/// A reset on accept may reach the client while it is still connecting
/// (hyper then reports a connect error: nothing was sent) or after it
/// sent the request; either way a GET is retried.
fn expect_transport_any(_: Mode, result: &Result<Output, Error>) {
    assert!(matches!(result, Err(Error::Transport { .. })), "{result:?}");
    assert!(result.as_ref().unwrap_err().is_retryable());
}

#[test]
fn connection_reset_on_accept_by_a_raw_listener() {
    Case::new(Op::CfGet, Server::ResetOnAccept, 3, expect_transport_any)
        .sleeps(&[0.5, 1.0])
        .run();
}

#[test]
fn connection_closed_without_a_response() {
    Case::new(
        Op::KcList,
        Server::Script(vec![Reply::Close]),
        3,
        expect_transport,
    )
    .sleeps(&[0.5, 1.0])
    .run();
}

#[test]
fn body_cut_off_in_transfer_then_success() {
    let full = serde_json::to_vec(&cf_envelope(cf_user(USER_ID))).unwrap();
    Case::new(
        Op::CfGet,
        Server::Script(vec![
            Reply::Truncated {
                status: 200,
                declared: full.len(),
                body: full[..full.len() / 2].to_vec(),
            },
            ok_user(),
        ]),
        2,
        expect_cf_user,
    )
    .sleeps(&[0.5])
    .run();
}

#[test]
fn timeout_per_request_until_retries_run_out() {
    let slow = ok_user().delayed(Duration::from_secs(5));
    Case::new(Op::CfGet, Server::Script(vec![slow]), 3, |_, r| match r {
        Err(e @ Error::Timeout { timeout, .. }) => {
            assert_eq!(*timeout, Duration::from_millis(250));
            assert!(e.is_retryable());
        }
        other => panic!("expected a timeout, got {other:?}"),
    })
    .timeout(Duration::from_millis(250))
    .sleeps(&[0.5, 1.0])
    .run();
}

#[test]
fn timeout_then_success() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![
            Reply::json(200, &kc_user(KC_USER_ID)).delayed(Duration::from_secs(5)),
            Reply::json(200, &kc_user(KC_USER_ID)),
        ]),
        2,
        |_, r| assert!(matches!(r, Ok(Output::KcUser(_))), "{r:?}"),
    )
    .timeout(Duration::from_millis(250))
    .sleeps(&[0.5])
    .run();
}

#[test]
fn timeout_without_retries() {
    Case::new(
        Op::CfList,
        Server::Script(vec![ok_user().delayed(Duration::from_secs(5))]),
        1,
        |_, r| assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}"),
    )
    .timeout(Duration::from_millis(250))
    .max_retries(0)
    .run();
}

#[test]
fn timeout_on_post_is_not_retried() {
    Case::new(
        Op::CfCreate,
        Server::Script(vec![created_user().delayed(Duration::from_secs(5))]),
        1,
        |_, r| assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}"),
    )
    .timeout(Duration::from_millis(250))
    .run();
}

// ---------------------------------------------------------------------------
// Bodies that are not what they should be.
// ---------------------------------------------------------------------------

#[test]
fn truncated_json_is_a_decode_error() {
    let full = serde_json::to_string(&cf_envelope(cf_user(USER_ID))).unwrap();
    let cut = full[..full.find("\"email\"").unwrap() + 4].to_owned();
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::raw(200, "application/json", cut), ok_user()]),
        1,
        |_, r| {
            let (path, message) = expect_decode(r);
            assert!(path.starts_with("result"), "{path}");
            assert!(message.contains("EOF"), "{message}");
        },
    )
    .run();
}

#[test]
fn truncated_plain_json_is_a_decode_error() {
    let full = serde_json::to_string(&kc_list(vec![kc_user(KC_USER_ID)], None)).unwrap();
    Case::new(
        Op::KcList,
        Server::Script(vec![Reply::raw(
            200,
            "application/json",
            &full[..full.len() - 30],
        )]),
        1,
        |_, r| {
            let (path, _) = expect_decode(r);
            assert!(
                path.starts_with("items[0]") || path.starts_with("pagination"),
                "{path}"
            );
        },
    )
    .run();
}

#[test]
fn malformed_json_is_a_decode_error() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::raw(
            200,
            "application/json",
            r#"{"success": true, "errors": [], "messages": [], "result": {"id": "x",}}"#,
        )]),
        1,
        |_, r| {
            let (path, message) = expect_decode(r);
            assert!(path.starts_with("result"), "{path}");
            assert!(message.contains("trailing comma"), "{message}");
        },
    )
    .run();
}

#[test]
fn wrongly_typed_field_names_its_path() {
    let mut user = cf_user(USER_ID);
    user["created_at"] = json!("yesterday");
    Case::new(
        Op::CfList,
        Server::Script(vec![Reply::json(
            200,
            &cf_list_envelope(vec![cf_user("a"), user], 1, 1),
        )]),
        1,
        |_, r| assert_eq!(expect_decode(r).0, "result[1].created_at"),
    )
    .run();
}

#[test]
fn empty_body_on_200_is_a_decode_error() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![Reply::raw(200, "application/json", "")]),
        1,
        |_, r| {
            expect_decode(r);
        },
    )
    .run();
}

#[test]
fn success_false_with_status_200_is_an_unsuccessful_error() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::json(
            200,
            &json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error", "documentation_url": "https://developers.cloudflare.com/api", "source": {"pointer": "/headers/authorization"}}], "messages": [], "result": null}),
        )]),
        1,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::Unsuccessful);
            assert_eq!(e.status, 200);
            assert_eq!(e.details[0].code, Some(10000));
            assert_eq!(e.details[0].pointer.as_deref(), Some("/headers/authorization"));
            assert!(!r.as_ref().unwrap_err().is_retryable());
        },
    )
    .run();
}

#[test]
fn success_false_with_a_result_is_still_an_error() {
    Case::new(
        Op::CfList,
        Server::Script(vec![Reply::json(
            200,
            &json!({"success": false, "errors": [{"code": 7003, "message": "No route for the URI"}], "messages": [], "result": [], "result_info": null}),
        )]),
        1,
        |_, r| assert_eq!(api_error(r).kind, ErrorKind::Unsuccessful),
    )
    .run();
}

#[test]
fn html_with_status_200_is_an_unexpected_content_type() {
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::raw(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body>Please enable cookies.</body></html>",
        )]),
        1,
        |_, r| match r {
            Err(Error::UnexpectedContentType {
                content_type,
                status,
                body,
                ..
            }) => {
                assert_eq!(content_type, "text/html; charset=utf-8");
                assert_eq!(*status, 200);
                assert!(body.contains("enable cookies"));
            }
            other => panic!("expected UnexpectedContentType, got {other:?}"),
        },
    )
    .run();
}

#[test]
fn json_labelled_text_html_is_an_unexpected_content_type() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![Reply::raw(
            200,
            "text/html",
            serde_json::to_vec(&kc_user(KC_USER_ID)).unwrap(),
        )]),
        1,
        |_, r| {
            assert!(
                matches!(r, Err(Error::UnexpectedContentType { .. })),
                "{r:?}"
            )
        },
    )
    .run();
}

#[test]
fn json_variants_of_the_content_type_decode() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![Reply::raw(
            200,
            "application/problem+json; charset=UTF-8",
            serde_json::to_vec(&kc_user(KC_USER_ID)).unwrap(),
        )]),
        1,
        |_, r| assert!(matches!(r, Ok(Output::KcUser(_))), "{r:?}"),
    )
    .run();
}

/// A valid list page of about 110 KB.
fn big_page() -> serde_json::Value {
    cf_list_envelope(
        (0..400).map(|i| cf_user(&format!("user-{i}"))).collect(),
        1,
        1,
    )
}

/// `reply` (a big page) against a 16 KiB response limit: one request, and
/// `ResponseTooLarge`.
fn too_large(reply: Reply) {
    Case::new(Op::CfList, Server::Script(vec![reply]), 1, |_, r| {
        assert!(
            matches!(r, Err(Error::ResponseTooLarge { limit: 16384, .. })),
            "{r:?}"
        )
    })
    .config(|c| c.with_max_response_bytes(16 * 1024))
    .run();
}

#[test]
fn body_larger_than_the_limit_with_content_length() {
    too_large(Reply::json(200, &big_page()));
}

#[test]
fn chunked_body_larger_than_the_limit() {
    too_large(Reply::json(200, &big_page()).chunked());
}

#[test]
fn error_body_larger_than_the_limit() {
    // The limit holds for error bodies too, and is not retried.
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::raw(503, "text/html", vec![b'x'; 100_000])]),
        1,
        |_, r| assert!(matches!(r, Err(Error::ResponseTooLarge { .. })), "{r:?}"),
    )
    .config(|c| c.with_max_response_bytes(16 * 1024))
    .run();
}

#[test]
fn body_at_the_limit_decodes() {
    let body = serde_json::to_vec(&big_page()).unwrap();
    let len = body.len();
    assert!(len > 100_000);
    Case::new(
        Op::CfList,
        Server::Script(vec![Reply::raw(200, "application/json", body).chunked()]),
        1,
        |_, r| {
            assert!(
                matches!(r, Ok(Output::CfUsers(users, _)) if users.len() == 400),
                "{r:?}"
            )
        },
    )
    .config(|c| c.with_max_response_bytes(big_page_len()))
    .run();
}

fn big_page_len() -> u64 {
    serde_json::to_vec(&big_page()).unwrap().len() as u64
}

// ---------------------------------------------------------------------------
// Data the models must accept.
// ---------------------------------------------------------------------------

#[test]
fn unknown_enum_value_is_kept() {
    let mut user = kc_user(KC_USER_ID);
    user["status"] = json!("suspended");
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![Reply::json(200, &user)]),
        1,
        |_, r| match r {
            Ok(Output::KcUser(user)) => {
                assert_eq!(user.status, UserStatus::Unknown("suspended".into()));
                assert_eq!(user.status.as_str(), "suspended");
                // And it goes back out unchanged.
                assert_eq!(
                    serde_json::to_value(&user.status).unwrap(),
                    json!("suspended")
                );
            }
            other => panic!("{other:?}"),
        },
    )
    .run();
}

#[test]
fn unknown_enum_value_in_a_list() {
    let mut suspended = kc_user("usr_2");
    suspended["status"] = json!("suspended");
    let mut disabled = kc_user("usr_3");
    disabled["status"] = json!("disabled");
    Case::new(
        Op::KcList,
        Server::Script(vec![Reply::json(
            200,
            &kc_list(vec![kc_user("usr_1"), suspended, disabled], Some("c2")),
        )]),
        1,
        |_, r| match r {
            Ok(Output::KcList(page)) => {
                let statuses: Vec<_> = page.items.iter().map(|u| u.status.clone()).collect();
                assert_eq!(
                    statuses,
                    [
                        UserStatus::Active,
                        UserStatus::Unknown("suspended".into()),
                        UserStatus::Disabled
                    ]
                );
                assert_eq!(page.pagination.after_cursor.as_deref(), Some("c2"));
            }
            other => panic!("{other:?}"),
        },
    )
    .run();
}

#[test]
fn unknown_fields_are_ignored() {
    let mut user = cf_user(USER_ID);
    user["mfa_enabled"] = json!(true);
    user["seat"] = json!({"kind": "gateway", "nested": [1, 2, {"deep": null}]});
    let mut envelope = cf_envelope(user);
    envelope["result_info"] = json!({"count": 1, "cursor": "abc"});
    envelope["api_version"] = json!("2025-01-01");
    envelope["messages"] = json!([{"code": 1000, "message": "deprecated", "extra": 1}]);
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::json(200, &envelope)]),
        1,
        expect_cf_user,
    )
    .run();
}

#[test]
fn unknown_fields_are_ignored_in_plain_bodies() {
    let mut user = kc_user(KC_USER_ID);
    user["credentials"] = json!([{"type": "oidc", "subject": "123"}]);
    user["role_owner_type"] = json!("zone");
    user["role_assignments"] = json!([{"role_id": "r", "role_identifier": "admin", "scope": {"id": "z", "type": "zone", "extra": 1}, "granted_by": "x"}]);
    let mut page = kc_list(vec![user], None);
    page["pagination"]["has_more"] = json!(false);
    page["links"] = json!({"self": "/zones/z/users"});
    Case::new(
        Op::KcList,
        Server::Script(vec![Reply::json(200, &page)]),
        1,
        |_, r| match r {
            Ok(Output::KcList(page)) => {
                let assignments = page.items[0].role_assignments.as_ref().unwrap();
                assert_eq!(assignments[0].scope.as_ref().unwrap().id, "z");
            }
            other => panic!("{other:?}"),
        },
    )
    .run();
}

#[test]
fn null_where_a_field_is_usually_absent() {
    let user = json!({
        "id": USER_ID, "email": "jdoe@example.com",
        "access_seat": null, "active_device_count": null, "created_at": null,
        "gateway_seat": null, "last_successful_login": null, "name": null,
        "seat_uid": null, "uid": null, "updated_at": null
    });
    let envelope = json!({"success": true, "errors": [], "messages": [], "result": [user], "result_info": null});
    Case::new(
        Op::CfList,
        Server::Script(vec![Reply::json(200, &envelope)]),
        1,
        |_, r| match r {
            Ok(Output::CfUsers(users, meta)) => {
                assert_eq!(users[0].id.as_deref(), Some(USER_ID));
                assert_eq!(users[0].name, None);
                assert_eq!(users[0].last_successful_login, None);
                assert!(meta.is_none());
            }
            other => panic!("{other:?}"),
        },
    )
    .run();
}

#[test]
fn null_where_a_field_is_usually_absent_in_plain_bodies() {
    let mut user = kc_user(KC_USER_ID);
    for field in [
        "authenticated_at",
        "grant_count",
        "issuer",
        "provider_id",
        "role_assignments",
        "session_count",
        "subject",
    ] {
        user[field] = serde_json::Value::Null;
    }
    let mut page = kc_list(vec![user], None);
    page["pagination"]["total_count"] = serde_json::Value::Null;
    Case::new(
        Op::KcList,
        Server::Script(vec![Reply::json(200, &page)]),
        1,
        |_, r| match r {
            Ok(Output::KcList(page)) => {
                assert_eq!(page.items[0].provider_id, None);
                assert_eq!(page.items[0].role_assignments, None);
                assert_eq!(page.pagination.total_count, None);
            }
            other => panic!("{other:?}"),
        },
    )
    .run();
}

#[test]
fn null_result_of_a_get_is_an_error_not_a_panic() {
    // `result: null` with `success: true`: there is no user to return.
    // (A list with `result: null` is covered in tests/cloudflare.rs.)
    Case::new(
        Op::CfGet,
        Server::Script(vec![Reply::json(
            200,
            &cf_envelope(serde_json::Value::Null),
        )]),
        1,
        |_, r| {
            let (path, _) = expect_decode(r);
            assert_eq!(path, "result");
        },
    )
    .run();
}

#[test]
fn keycard_error_body_is_typed() {
    Case::new(
        Op::KcRetrieve,
        Server::Script(vec![
            Reply::json(
                404,
                &json!({"message": "User not found", "code": "not_found", "status": 404}),
            )
            .header("x-request-id", "req_123"),
        ]),
        1,
        |_, r| {
            let e = api_error(r);
            assert_eq!(e.kind, ErrorKind::NotFound);
            assert_eq!(e.message(), Some("User not found"));
            assert_eq!(e.details[0].error.as_deref(), Some("not_found"));
            assert_eq!(e.request_id.as_deref(), Some("req_123"));
            assert_eq!(e.operation_id, "getZoneUser");
        },
    )
    .run();
}

/// The blocking client refuses to run inside an async runtime instead of
/// stalling (or panicking) it.
#[test]
fn blocking_client_inside_a_runtime_is_an_error_not_a_panic() {
    let server = TestServer::script(vec![ok_user()]);
    let sleeper = RecordingSleeper::default();
    let client = cfb::Client::new(test_config(&server.url(), &sleeper)).unwrap();
    let result = client_runtime().block_on(async {
        client
            .zero_trust()
            .access()
            .users()
            .get(ACCOUNT_ID, USER_ID)
            .send()
    });
    assert!(
        matches!(result, Err(Error::BlockingInAsyncContext)),
        "{result:?}"
    );
    assert_eq!(server.request_count(), 0);
}
