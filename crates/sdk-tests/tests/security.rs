//! Security properties of the generated clients:
//!
//! - a path parameter can never change the request path: it is either
//!   refused before anything is sent (`Error::InvalidRequest`), or the
//!   server receives exactly one path segment that decodes back to it
//!   (a table of hostile values on every path parameter, async, plus a
//!   property test over arbitrary strings, blocking);
//! - no credential (bearer token, API key, OAuth2 client secret, OAuth2
//!   access token, secret default headers) appears in any `Debug` or
//!   `Display` output, error, or TRACE-level tracing output;
//! - the same for the credentials of issue 12 (a basic-auth password, API
//!   keys in a cookie or the query string, a provider's access token);
//! - a redirect to another origin is refused, so its server never sees a
//!   request, let alone the `Authorization` or `X-Auth-Key` header, the
//!   `Cookie` or a query-string API key.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use apigen_runtime::{Config, Credentials, Error};
use cloudflare_access_users_blocking as cfb;
use cloudflare_access_users_client as cf;
use keycard_zone_users_blocking as kcb;
use keycard_zone_users_client as kc;
use proptest::prelude::*;
use serde_json::json;
use support::cloudflare::cf_users;
use support::flavored::{Cloudflare, Flavored, Keycard, send};
use support::*;

/// Everything traced in this test binary, at TRACE level, from every
/// thread: a global subscriber, installed by every test before it makes
/// a call. (A scoped `with_default` subscriber misses spans whose
/// callsite another test thread registered first.)
fn traces() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(capture.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        capture
    })
}

// ---------------------------------------------------------------------------
// Path parameters.
// ---------------------------------------------------------------------------

/// Values that try to leave their path segment.
const HOSTILE: &[&str] = &[
    "..",
    ".",
    "",
    "a/b",
    "?x",
    "#x",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e",
    "%2f",
    "%252e%252e",
    "../../../../etc/passwd",
    "..%2f..%2fadmin",
    "...",
    "a\r\nX-Injected: 1",
    "\r\n\r\nGET /admin HTTP/1.1",
    "a\nb",
    "a\0b",
    "\t",
    " ",
    "a b+c",
    "\\..\\..",
    "//evil.example/x",
    "http://evil.example/",
    "@evil.example",
    "a;b=c",
    "a&b=c",
    "%",
    "%zz",
    "ü/é",
    "\u{202e}gnp.exe",
    "\u{ff0e}\u{ff0e}",
];

/// Which path parameter is set to the hostile value.
#[derive(Debug, Clone, Copy)]
enum Slot {
    CfAccount,
    CfUser,
    CfNonce,
    KcZone,
    KcUser,
}

const SLOTS: [Slot; 5] = [
    Slot::CfAccount,
    Slot::CfUser,
    Slot::CfNonce,
    Slot::KcZone,
    Slot::KcUser,
];

impl Slot {
    /// The expected path segments, `None` at the hostile one.
    fn template(self) -> Vec<Option<&'static str>> {
        match self {
            Slot::CfAccount => vec![
                Some("accounts"),
                None,
                Some("access"),
                Some("users"),
                Some(USER_ID),
            ],
            Slot::CfUser => vec![
                Some("accounts"),
                Some(ACCOUNT_ID),
                Some("access"),
                Some("users"),
                None,
            ],
            Slot::CfNonce => vec![
                Some("accounts"),
                Some(ACCOUNT_ID),
                Some("access"),
                Some("users"),
                Some(USER_ID),
                Some("active_sessions"),
                None,
            ],
            Slot::KcZone => vec![Some("zones"), None, Some("users"), Some(KC_USER_ID)],
            Slot::KcUser => vec![Some("zones"), Some(ZONE_ID), Some("users"), None],
        }
    }
}

/// Answers any Cloudflare path with a user (or an identity) and any
/// Keycard path with a user.
fn any_path_server() -> TestServer {
    TestServer::start(|request, _| {
        if request.path().starts_with("/zones/") {
            Reply::json(200, &kc_user(KC_USER_ID))
        } else {
            Reply::json(200, &cf_envelope(cf_user(USER_ID)))
        }
    })
}

/// The clients of both APIs, of one flavour, pointed at one server (built
/// once: building a client loads TLS roots, which is slow in debug builds).
struct Clients {
    cf: Cloudflare,
    kc: Keycard,
}

impl Clients {
    /// The async clients, driven by `runtime`.
    fn new_async(server: &TestServer, runtime: &tokio::runtime::Runtime) -> Self {
        let config = Self::config(server);
        let handle = runtime.handle();
        Clients {
            cf: Flavored::Async(cf::Client::new(config.clone()).unwrap(), handle.clone()),
            kc: Flavored::Async(kc::Client::new(config).unwrap(), handle.clone()),
        }
    }

    /// The blocking clients.
    fn new_blocking(server: &TestServer) -> Self {
        let config = Self::config(server);
        Clients {
            cf: Flavored::Blocking(cfb::Client::new(config.clone()).unwrap()),
            kc: Flavored::Blocking(kcb::Client::new(config).unwrap()),
        }
    }

    fn config(server: &TestServer) -> Config {
        test_config(&server.url(), &RecordingSleeper::default()).with_max_retries(0)
    }

    fn call(&self, slot: Slot, value: &str) -> Result<(), Error> {
        match slot {
            Slot::CfAccount => send!(self.cf, |c| cf_users!(c).get(value, USER_ID)).map(drop),
            Slot::CfUser => send!(self.cf, |c| cf_users!(c).get(ACCOUNT_ID, value)).map(drop),
            Slot::CfNonce => send!(self.cf, |c| cf_users!(c)
                .active_sessions()
                .get(ACCOUNT_ID, USER_ID, value))
            .map(drop),
            Slot::KcZone => {
                send!(self.kc, |c| c.zones().users().retrieve(value, KC_USER_ID)).map(drop)
            }
            Slot::KcUser => {
                send!(self.kc, |c| c.zones().users().retrieve(ZONE_ID, value)).map(drop)
            }
        }
    }
}

/// Whether a value is one the runtime must refuse: empty, or a dot
/// segment once percent-decoded (URL parsers normalise `%2e%2e` to `..`).
fn must_be_refused(value: &str) -> bool {
    let decoded = percent_decode(value);
    matches!(decoded.as_slice(), b"" | b"." | b"..")
}

/// Checks one call: refused with nothing sent, or exactly one request
/// whose path is the template with the value as one segment.
fn check_path(
    server: &TestServer,
    before: usize,
    slot: Slot,
    value: &str,
    result: Result<(), Error>,
) -> Result<(), String> {
    let sent = server.request_count() - before;
    match result {
        Err(Error::InvalidRequest { message, .. }) => {
            if sent != 0 {
                return Err(format!("{value:?} refused, but {sent} requests were sent"));
            }
            if !must_be_refused(value) {
                return Err(format!(
                    "{value:?} is a valid segment but was refused: {message}"
                ));
            }
            if value.len() > 2 && message.contains(value) {
                return Err(format!("the error echoes the value: {message}"));
            }
            Ok(())
        }
        Err(other) => Err(format!("{value:?} in {slot:?}: unexpected error {other:?}")),
        Ok(()) => {
            if must_be_refused(value) {
                return Err(format!("{value:?} in {slot:?} should have been refused"));
            }
            if sent != 1 {
                return Err(format!("{value:?}: {sent} requests sent"));
            }
            let request = server
                .requests()
                .into_iter()
                .last()
                .ok_or("no request recorded")?;
            let target = &request.target;
            if target.contains(['?', '#']) || !target.is_ascii() {
                return Err(format!("{value:?}: request target {target:?}"));
            }
            let segments: Vec<&str> = target.split('/').skip(1).collect();
            let template = slot.template();
            if segments.len() != template.len() {
                return Err(format!(
                    "{value:?}: path {target:?} has {} segments",
                    segments.len()
                ));
            }
            for (got, want) in segments.iter().zip(&template) {
                match want {
                    Some(literal) if got != literal => {
                        return Err(format!(
                            "{value:?}: path {target:?}, segment {got:?} != {literal:?}"
                        ));
                    }
                    None if percent_decode(got) != value.as_bytes() => {
                        return Err(format!(
                            "{value:?}: segment {got:?} does not decode to the value"
                        ));
                    }
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

#[test]
fn hostile_path_parameters_stay_in_their_segment() {
    traces();
    let server = any_path_server();
    let rt = client_runtime();
    let clients = Clients::new_async(&server, &rt);
    let mut refused = 0;
    let mut sent = 0;
    let mut failures = Vec::new();
    for slot in SLOTS {
        for value in HOSTILE {
            let before = server.request_count();
            let result = clients.call(slot, value);
            let was_refused = matches!(result, Err(Error::InvalidRequest { .. }));
            match check_path(&server, before, slot, value, result) {
                Ok(()) if was_refused => refused += 1,
                Ok(()) => sent += 1,
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // "", ".", "..", "%2e%2e", "%2E%2E", ".%2e", "%2e" on each of the 5 slots.
    assert_eq!(refused, 7 * SLOTS.len());
    assert_eq!(sent, (HOSTILE.len() - 7) * SLOTS.len());
    assert_eq!(server.request_count(), sent);
}

#[test]
fn hostile_path_parameters_blocking() {
    traces();
    let server = any_path_server();
    let clients = Clients::new_blocking(&server);
    for value in ["..", "a/b", "?x", "#x", "%2e%2e", "a\r\nb", ""] {
        for slot in [Slot::CfUser, Slot::KcZone] {
            let before = server.request_count();
            let result = clients.call(slot, value);
            check_path(&server, before, slot, value, result).unwrap();
        }
    }
}

/// Strings rich in the characters that matter to URLs, plus anything.
fn path_values() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[./%?#\\\\:@;&=+ \r\n\t\u{0}a-c0-2ü\u{ff0e}-]{0,8}",
        2 => any::<String>(),
        1 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        1 => "(%2[eEfF]|\\.|/){1,4}",
    ]
}

#[test]
fn any_path_parameter_stays_in_its_segment() {
    traces();
    let server = any_path_server();
    let clients = Clients::new_blocking(&server);
    let config = ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(value in path_values(), slot in prop::sample::select(SLOTS.to_vec()))| {
        let before = server.request_count();
        let result = clients.call(slot, &value);
        if let Err(e) = check_path(&server, before, slot, &value, result) {
            prop_assert!(false, "{}", e);
        }
    });
    assert!(server.request_count() > 100, "most values are sent");
}

#[test]
fn path_checks_can_fail() {
    traces();
    // The checker itself rejects what a broken encoder would produce.
    let server = TestServer::start(|_, _| Reply::json(200, &cf_envelope(cf_user(USER_ID))));
    let sleeper = RecordingSleeper::default();
    let client = cf::Client::new(test_config(&server.url(), &sleeper)).unwrap();
    // A raw, unencoded segment sent through the escape hatch for extra
    // query parameters: `?` ends up in the target.
    client_runtime()
        .block_on(
            cf_users!(client)
                .get(ACCOUNT_ID, "a")
                .query("x", "1")
                .send(),
        )
        .unwrap();
    let err = check_path(&server, 0, Slot::CfUser, "a", Ok(())).unwrap_err();
    assert!(err.contains("request target"), "{err}");
    assert!(check_path(&server, 0, Slot::CfUser, "..", Ok(())).is_err());
    assert!(
        check_path(
            &server,
            0,
            Slot::CfUser,
            "b",
            Err(Error::invalid_request("no"))
        )
        .is_err()
    );
}

// ---------------------------------------------------------------------------
// Credentials never show.
// ---------------------------------------------------------------------------

const API_KEY: &str = "apikey_144c9defac04969c7bfad8efaa8ea194";
const CLIENT_ID: &str = "client_01jx9k2m7q3v8w";
const CLIENT_SECRET: &str = "csecret_Zk3wQ9vT4nB7pL2xR8mY5cJ1";
const ACCESS_TOKEN: &str = "atoken_eyJhbGciOiJSUzI1NiJ9.Pq7Rs8Tu9Vw0";
const HEADER_SECRET: &str = "hdrsecret_Gh5Jk6Lm7Nb8Vc9X";
const BASIC_PASSWORD: &str = "basicpw_Qm4Wn8Er2Ty6Ui0Op";
const COOKIE_KEY: &str = "cookiekey_Az3Sx7Dc1Fv5Gb9Hn";
const QUERY_KEY: &str = "querykey_Lk2Jh6Gf0Ds4Ap8Zx";
const PROVIDED_TOKEN: &str = "provided_Mn1Bv5Cx9Zl3Kj7Hg";

/// The secrets, and distinctive slices of them (a partial leak counts).
fn secret_fragments() -> Vec<String> {
    let mut fragments = Vec::new();
    for secret in [
        TOKEN,
        API_KEY,
        CLIENT_SECRET,
        ACCESS_TOKEN,
        HEADER_SECRET,
        BASIC_PASSWORD,
        COOKIE_KEY,
        QUERY_KEY,
        PROVIDED_TOKEN,
    ] {
        fragments.push(secret.to_owned());
        let (_, tail) = secret.split_at(secret.find('_').unwrap() + 1);
        fragments.push(tail[..12].to_owned());
    }
    fragments
}

fn assert_no_secret(what: &str, text: &str) {
    for fragment in secret_fragments() {
        assert!(
            !text.contains(&fragment),
            "{what} contains {fragment:?}:\n{text}"
        );
    }
}

/// `Display`, `Debug` and every `source()` of an error.
fn render_error(error: &Error) -> String {
    let mut out = format!("{error}\n{error:?}\n{error:#?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push_str(&format!("\ncaused by: {cause} / {cause:?}"));
        source = cause.source();
    }
    out
}

/// The Keycard server: an OAuth2 token endpoint and the API, which
/// checks the access token. `/zones/{z}/users/revoked` always answers 401.
fn keycard_oauth_server(token_response: serde_json::Value) -> TestServer {
    TestServer::start(move |request, _| {
        if request.path() == "/service-account-token" {
            return Reply::json(200, &token_response);
        }
        let authorized = request.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}"));
        if !authorized || request.path().ends_with("/revoked") {
            return Reply::json(
                401,
                &json!({"message": "Unauthorized", "code": "unauthorized", "status": 401}),
            );
        }
        Reply::json(200, &kc_user(KC_USER_ID))
    })
}

fn oauth_credentials(base: &str) -> Credentials {
    Credentials::oauth2_client_credentials(CLIENT_ID, CLIENT_SECRET)
        .with_token_url(format!("{base}/service-account-token"))
}

#[test]
fn credentials_never_appear_in_output_or_traces() {
    let capture = traces();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let sleeper = RecordingSleeper::default();

    let cf_server = TestServer::start(|request, n| {
        let authorized = request.header("authorization") == Some(&format!("Bearer {TOKEN}"))
            || request.header("x-auth-key") == Some(API_KEY);
        if !authorized {
            return Reply::json(
                403,
                &json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}], "messages": [], "result": null}),
            );
        }
        match request.path().rsplit('/').next() {
            Some("flaky") if n % 2 == 0 => Reply::raw(503, "text/plain", "try again"),
            Some("garbled") => Reply::raw(200, "application/json", "{\"result\": [}"),
            Some("slow") => {
                Reply::json(200, &cf_envelope(cf_user(USER_ID))).delayed(Duration::from_secs(3))
            }
            _ => Reply::json(200, &cf_envelope(cf_user(USER_ID))),
        }
    });
    let kc_server = keycard_oauth_server(
        json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}),
    );
    // A token endpoint that refuses the client, and one that returns a
    // token that cannot go in a header.
    let refusing = TestServer::start(|_, _| {
        Reply::json(
            401,
            &json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        )
    });
    let broken_token = TestServer::start(|_, _| {
        Reply::json(
            200,
            &json!({"access_token": format!("{ACCESS_TOKEN}\n"), "expires_in": 60}),
        )
    });
    let closed_port = free_port();

    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut record = |what: &str, text: String| outputs.push((what.to_owned(), text));

        // Credentials, configurations and clients.
        let bearer = Credentials::bearer(TOKEN);
        let keys = Credentials::api_keys([
            ("X-Auth-Email", "user@example.com"),
            ("X-Auth-Key", API_KEY),
        ]);
        let oauth = oauth_credentials(&kc_server.url());
        for credentials in [&bearer, &keys, &oauth] {
            record("Credentials", format!("{credentials:?} {credentials:#?}"));
            let config = Config::new(credentials.clone())
                .with_base_url(cf_server.url())
                .with_header("X-Secret-Header", HEADER_SECRET)
                .with_sleeper(sleeper.clone());
            record("Config", format!("{config:?} {config:#?}"));
            let client = cf::Client::new(config.clone()).unwrap();
            record("cf::Client", format!("{client:?} {client:#?}"));
            let blocking = cfb::Client::new(config.clone()).unwrap();
            record("cfb::Client", format!("{blocking:?}"));
            let call = cf_users!(client)
                .get(ACCOUNT_ID, USER_ID)
                .header("x-per-call", HEADER_SECRET);
            record("Call", format!("{call:?}"));
            let kc_client = kc::Client::new(config).unwrap();
            record("kc::Client", format!("{kc_client:?}"));
        }

        // Cloudflare, bearer and API keys: success, retried 503s, decode
        // errors, timeouts, and a response to a request without keys.
        for credentials in [&bearer, &keys] {
            let config = test_config(&cf_server.url(), &sleeper)
                .with_credentials(credentials.clone())
                .with_header("X-Secret-Header", HEADER_SECRET);
            let client = cf::Client::new(config.clone()).unwrap();
            let users = cf_users!(client);
            let ok = rt
                .block_on(users.get(ACCOUNT_ID, USER_ID).into_future())
                .expect("authorized call");
            record("Response", format!("{ok:?}"));
            for user in ["flaky", "garbled"] {
                let result = rt.block_on(users.get(ACCOUNT_ID, user).max_retries(1).send());
                match result {
                    Ok(r) => record("Response", format!("{r:?}")),
                    Err(e) => record("Error", render_error(&e)),
                }
            }
            let err = rt
                .block_on(
                    users
                        .get(ACCOUNT_ID, "slow")
                        .timeout(Duration::from_millis(50))
                        .max_retries(0)
                        .send(),
                )
                .unwrap_err();
            record("timeout", render_error(&err));
            let err = rt
                .block_on(
                    users
                        .get(ACCOUNT_ID, USER_ID)
                        .header("x-extra", format!("{HEADER_SECRET}\r\n"))
                        .send(),
                )
                .unwrap_err();
            assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
            record("invalid header", render_error(&err));

            let blocking = cfb::Client::new(config).unwrap();
            let err = cf_users!(blocking)
                .get(ACCOUNT_ID, USER_ID)
                .header("x-auth-key", "wrong")
                .header("authorization", "Bearer wrong")
                .send()
                .unwrap_err();
            record("403 (blocking)", render_error(&err));

            let unreachable = cf::Client::new(
                test_config(&format!("http://127.0.0.1:{closed_port}"), &sleeper)
                    .with_credentials(credentials.clone())
                    .with_max_retries(1),
            )
            .unwrap();
            let err = support::cf_get_user(&rt, &unreachable).unwrap_err();
            assert!(
                matches!(err, Error::Transport { connect: true, .. }),
                "{err:?}"
            );
            record("connect error", render_error(&err));
        }
        let err =
            cf::Client::new(Config::new(Credentials::bearer(format!("{TOKEN}\n")))).unwrap_err();
        record("bad token config", render_error(&err));

        // Keycard, OAuth2: token fetched and used; a revoked token (401,
        // refetch, 401); a refusing token endpoint; a broken token.
        let kc_config = test_config(&kc_server.url(), &sleeper).with_credentials(oauth.clone());
        let client = kc::Client::new(kc_config.clone()).unwrap();
        let user = rt
            .block_on(client.zones().users().retrieve(ZONE_ID, KC_USER_ID).send())
            .expect("OAuth2 call");
        record("Response", format!("{user:?}"));
        let err = rt
            .block_on(client.zones().users().retrieve(ZONE_ID, "revoked").send())
            .unwrap_err();
        assert_eq!(err.kind(), Some(kc::ErrorKind::Authentication), "{err:?}");
        record("401", render_error(&err));
        let blocking = kcb::Client::new(kc_config).unwrap();
        let user = blocking
            .zones()
            .users()
            .retrieve(ZONE_ID, KC_USER_ID)
            .send()
            .expect("blocking OAuth2 call");
        record("Response (blocking)", format!("{user:?}"));

        for server in [&refusing, &broken_token] {
            let config = test_config(&server.url(), &sleeper)
                .with_credentials(oauth_credentials(&server.url()));
            let client = kc::Client::new(config).unwrap();
            let err = rt
                .block_on(client.zones().users().retrieve(ZONE_ID, KC_USER_ID).send())
                .unwrap_err();
            record("token endpoint error", render_error(&err));
        }
    }

    // The secrets really were in play.
    let kc_requests = kc_server.requests();
    assert!(
        kc_requests
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}")))
    );
    assert!(kc_requests.iter().any(|r| {
        r.path() == "/service-account-token"
            && r.header("authorization")
                .is_some_and(|a| a.starts_with("Basic "))
    }));
    let cf_requests = cf_server.requests();
    assert!(
        cf_requests
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    assert!(
        cf_requests
            .iter()
            .any(|r| r.header("x-auth-key") == Some(API_KEY))
    );
    assert!(
        cf_requests
            .iter()
            .any(|r| r.header("x-secret-header") == Some(HEADER_SECRET))
    );
    assert!(refusing.request_count() >= 1 && broken_token.request_count() >= 1);

    for (what, text) in &outputs {
        assert_no_secret(what, text);
    }
    let traces = capture.text();
    // The capture works: calls, retries and token refreshes are traced.
    assert!(traces.contains("apigen_call"), "{traces}");
    assert!(
        traces.contains("operation_id=\"getZoneUser\"")
            || traces.contains("operation_id=getZoneUser"),
        "{traces}"
    );
    assert!(traces.contains("retrying request"), "{traces}");
    assert!(traces.contains("access token rejected"), "{traces}");
    assert!(
        traces.contains("TRACE") || traces.contains("DEBUG"),
        "{traces}"
    );
    assert_no_secret("tracing output", &traces);
    assert!(outputs.len() > 30, "{}", outputs.len());
}

/// A server that echoes credentials back in response headers (as a
/// misbehaving proxy or a session-setting API might): the raw responses,
/// the errors' headers and the test doubles' records keep them readable,
/// but no `Debug` output shows them.
#[test]
fn echoed_secrets_in_raw_responses_error_headers_and_doubles_are_redacted() {
    traces();
    let echo = |reply: Reply| {
        reply
            .header("set-cookie", &format!("session={TOKEN}; HttpOnly"))
            .header("authorization", &format!("Bearer {ACCESS_TOKEN}"))
            .header("x-auth-key", API_KEY)
            .header("x-echoed-api-token", HEADER_SECRET)
            .header("x-plain", "visible")
    };
    let server = TestServer::start(move |request, _| {
        if request.path().ends_with("/missing") {
            echo(Reply::json(
                404,
                &json!({"success": false, "errors": [{"code": 1, "message": "no"}], "result": null}),
            ))
        } else {
            echo(Reply::json(200, &cf_envelope(cf_user(USER_ID))))
        }
    });
    let sleeper = RecordingSleeper::default();
    let config = test_config(&server.url(), &sleeper);
    let mut outputs: Vec<(&str, String)> = Vec::new();

    let rt = client_runtime();
    let client = cf::Client::new(config.clone()).unwrap();
    let users = cf_users!(client);
    let raw = rt
        .block_on(users.get(ACCOUNT_ID, USER_ID).send_raw())
        .unwrap();
    assert!(
        raw.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains(TOKEN)
    );
    outputs.push(("RawResponse", format!("{raw:?} {raw:#?}")));
    let streaming = rt
        .block_on(users.get(ACCOUNT_ID, USER_ID).send_streaming())
        .unwrap();
    outputs.push(("StreamingResponse", format!("{streaming:?}")));
    let response = rt.block_on(users.get(ACCOUNT_ID, USER_ID).send()).unwrap();
    outputs.push(("Response", format!("{response:?}")));
    let err = rt
        .block_on(users.get(ACCOUNT_ID, "missing").send())
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.headers["x-auth-key"], API_KEY);
    assert_eq!(api.headers["x-plain"], "visible");
    outputs.push(("404 with echoed headers", render_error(&err)));
    outputs.push(("ApiError", format!("{api:?}")));
    assert!(format!("{api:?}").contains("visible"));

    let blocking = cfb::Client::new(config).unwrap();
    let users = cf_users!(blocking);
    let raw = users.get(ACCOUNT_ID, USER_ID).send_raw().unwrap();
    outputs.push(("RawResponse (blocking)", format!("{raw:?}")));
    let streaming = users.get(ACCOUNT_ID, USER_ID).send_streaming().unwrap();
    outputs.push(("StreamingResponse (blocking)", format!("{streaming:?}")));
    let err = users.get(ACCOUNT_ID, "missing").send().unwrap_err();
    outputs.push(("404 (blocking)", render_error(&err)));

    // The test doubles record the credentials they were sent.
    let mocks = apigen_runtime::test_util::Mocks::new();
    let _ = mocks
        .on::<cloudflare_access_users_models::operations::UsersGet>()
        .then_http(404, &[("set-cookie", &format!("s={TOKEN}"))], "{}");
    let mocked =
        cf::Client::new(mocks.config().with_credentials(Credentials::bearer(TOKEN))).unwrap();
    let err = support::cf_get_user(&rt, &mocked).unwrap_err();
    outputs.push(("mocked 404", render_error(&err)));
    outputs.push(("MockRequest", format!("{:?}", mocks.requests())));
    outputs.push(("Mocks", format!("{mocks:?}")));
    assert!(
        mocks.requests()[0].headers["authorization"]
            .to_str()
            .unwrap()
            .contains(TOKEN)
    );

    for (what, text) in &outputs {
        assert_no_secret(what, text);
    }
    assert_no_secret("tracing output", &traces().text());
}

#[test]
fn the_secret_detector_can_fail() {
    traces();
    let leaked = format!("Authorization: Bearer {}", &TOKEN[4..20]);
    assert!(std::panic::catch_unwind(|| assert_no_secret("probe", &leaked)).is_err());
    assert!(std::panic::catch_unwind(|| assert_no_secret("probe", ACCESS_TOKEN)).is_err());
    assert_no_secret("probe", "Credentials::Bearer(<redacted>)");
}

// ---------------------------------------------------------------------------
// Redirects.
// ---------------------------------------------------------------------------

fn redirect_to(status: u16, location: String) -> Reply {
    Reply::raw(status, "text/html", "<a>moved</a>").header("location", &location)
}

#[test]
fn cross_origin_redirects_do_not_carry_credentials() {
    traces();
    let target = TestServer::start(|_, _| Reply::json(200, &cf_envelope(cf_user(USER_ID))));
    let sleeper = RecordingSleeper::default();
    let path = format!("/accounts/{ACCOUNT_ID}/access/users/{USER_ID}");
    let rt = client_runtime();
    let mut cases = 0;
    for status in [301, 302, 303, 307, 308] {
        for host in ["127.0.0.1", "localhost"] {
            let location = format!("http://{host}:{}{path}", target.port());
            let origin = TestServer::script(vec![redirect_to(status, location)]);
            let credentials = [
                Credentials::bearer(TOKEN),
                Credentials::api_keys([
                    ("X-Auth-Email", "user@example.com"),
                    ("X-Auth-Key", API_KEY),
                ]),
            ];
            for credentials in credentials {
                let config = test_config(&origin.url(), &sleeper).with_credentials(credentials);
                let client = cf::Client::new(config.clone()).unwrap();
                let err = support::cf_get_user(&rt, &client).unwrap_err();
                match &err {
                    Error::Redirect {
                        status: s, host: h, ..
                    } => {
                        assert_eq!(*s, status);
                        assert_eq!(h, host);
                    }
                    other => panic!("{status} to {host}: expected Error::Redirect, got {other:?}"),
                }
                assert!(!err.to_string().contains(&path), "{err}");
                let blocking = cfb::Client::new(config).unwrap();
                let err = cf_users!(blocking)
                    .get(ACCOUNT_ID, USER_ID)
                    .send()
                    .unwrap_err();
                assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
                assert_eq!(origin.request_count() % 2, 0);
                cases += 2;
            }
        }
    }
    // The other origin saw nothing at all, so no Authorization or
    // X-Auth-Key either.
    let seen = target.requests();
    assert!(
        seen.iter()
            .all(|r| r.header("authorization").is_none() && r.header("x-auth-key").is_none()),
        "{seen:#?}"
    );
    assert_eq!(seen.len(), 0, "{seen:#?}");
    assert_eq!(cases, 40);
}

#[test]
fn same_origin_redirects_are_followed_with_credentials() {
    traces();
    // The check above can fail: within one origin the redirect is followed
    // and the credentials go along (that origin already has them).
    let server = TestServer::start(|request, _| {
        if request.path().ends_with("/old") {
            redirect_to(
                307,
                format!("/accounts/{ACCOUNT_ID}/access/users/{USER_ID}"),
            )
        } else {
            Reply::json(200, &cf_envelope(cf_user(USER_ID)))
        }
    });
    let sleeper = RecordingSleeper::default();
    let client = cf::Client::new(test_config(&server.url(), &sleeper)).unwrap();
    let user = client_runtime()
        .block_on(cf_users!(client).get(ACCOUNT_ID, "old").send())
        .unwrap();
    assert_eq!(user.id.as_deref(), Some(USER_ID));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].header("authorization").is_some());
}

#[test]
fn keycard_cross_origin_redirect_does_not_carry_the_access_token() {
    traces();
    let target = TestServer::start(|_, _| Reply::json(200, &kc_user(KC_USER_ID)));
    let location = format!(
        "http://127.0.0.1:{}/zones/{ZONE_ID}/users/{KC_USER_ID}",
        target.port()
    );
    let origin = TestServer::start(move |request, _| {
        if request.path() == "/service-account-token" {
            Reply::json(
                200,
                &json!({"access_token": ACCESS_TOKEN, "expires_in": 3600}),
            )
        } else {
            redirect_to(302, location.clone())
        }
    });
    let sleeper = RecordingSleeper::default();
    let config =
        test_config(&origin.url(), &sleeper).with_credentials(oauth_credentials(&origin.url()));
    let client = kcb::Client::new(config).unwrap();
    let err = client
        .zones()
        .users()
        .retrieve(ZONE_ID, KC_USER_ID)
        .send()
        .unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert_eq!(target.request_count(), 0);
    // The token endpoint was used, then the API request was redirected.
    assert_eq!(origin.request_count(), 2);
}

// ---------------------------------------------------------------------------
// The credentials of issue 12: basic auth, cookie and query-string API
// keys, a token provider's tokens.
// ---------------------------------------------------------------------------

use wireforms_responses_blocking as wfb;
use wireforms_responses_client as wf;

/// The render-farm credentials: all of them, so that each call uses the
/// one its operation accepts.
fn render_farm_credentials() -> Credentials {
    Credentials::basic("ada", BASIC_PASSWORD)
        .and(Credentials::api_keys([
            ("rf_session", COOKIE_KEY),
            ("report_key", QUERY_KEY),
        ]))
        .and(Credentials::token_provider(|_| async {
            Ok::<_, Error>(PROVIDED_TOKEN.to_owned())
        }))
}

/// The render farm: checks the credential of each operation; `/jobs/garbled`
/// answers undecodable JSON, `/jobs/slow` answers late, `/jobs/broken` 500,
/// and `/reports/…` and `/account` answer 401 when their path ends in `-bad`.
fn render_farm_server() -> TestServer {
    TestServer::start(|request, _| {
        let path = request.path().to_owned();
        let job = json!({"id": "job_1", "scene": "teapot", "state": "done"});
        if path.starts_with("/reports/") {
            if !request.target.contains(&format!("report_key={QUERY_KEY}"))
                || path.ends_with("-bad")
            {
                return Reply::json(401, &json!({"title": "Unauthorized", "status": 401}));
            }
            return Reply::raw(200, "text/csv", "job,seconds\n");
        }
        if path == "/account" {
            if request.header("authorization") != Some(&format!("Bearer {PROVIDED_TOKEN}")) {
                return Reply::json(401, &json!({"title": "Unauthorized", "status": 401}));
            }
            return Reply::json(200, &json!({"id": "acct_1", "name": "Studio"}));
        }
        if !request
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
        {
            return Reply::json(401, &json!({"title": "Unauthorized", "status": 401}));
        }
        match path.as_str() {
            "/jobs/garbled" => Reply::raw(200, "application/json", "{\"id\": [}"),
            "/jobs/slow" => Reply::json(200, &job).delayed(Duration::from_secs(3)),
            "/jobs/broken" => Reply::json(500, &json!({"title": "Broken", "status": 500})),
            _ => Reply::json(200, &job),
        }
    })
}

#[test]
fn new_credentials_never_appear_in_output_or_traces() {
    let capture = traces();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let sleeper = RecordingSleeper::default();
    let server = render_farm_server();
    let closed_port = free_port();
    let rt = client_runtime();
    let mut record = |what: &str, text: String| outputs.push((what.to_owned(), text));

    let credentials = render_farm_credentials();
    for single in [
        Credentials::basic("ada", BASIC_PASSWORD),
        Credentials::api_keys([("rf_session", COOKIE_KEY)]),
        Credentials::api_keys([("report_key", QUERY_KEY)]),
        Credentials::access_token(PROVIDED_TOKEN),
        credentials.clone(),
    ] {
        record("Credentials", format!("{single:?} {single:#?}"));
        let config = test_config(&server.url(), &sleeper).with_credentials(single);
        record("Config", format!("{config:?} {config:#?}"));
        record(
            "wf::Client",
            format!("{:?}", wf::Client::new(config.clone()).unwrap()),
        );
        record(
            "wfb::Client",
            format!("{:?}", wfb::Client::new(config).unwrap()),
        );
    }

    let config = test_config(&server.url(), &sleeper).with_credentials(credentials.clone());
    let client = wf::Client::new(config.clone()).unwrap();
    // Successes with each credential: basic, query key, provider token.
    let job = rt
        .block_on(client.jobs().get("job_1").send())
        .expect("basic auth");
    record("Response", format!("{job:?} {job:#?}"));
    let report = rt
        .block_on(client.reports().get("rep_1").send())
        .expect("query key");
    record("Response", format!("{report:?}"));
    let account = rt.block_on(client.account().get().send()).expect("token");
    record("Response", format!("{account:?}"));
    let raw = rt
        .block_on(client.reports().get("rep_1").send_raw())
        .expect("raw");
    record("RawResponse", format!("{raw:?}"));
    // Errors: 401s, a 500 (retried), a decode error, a timeout, a
    // connection error, with the query key in the URL of each request.
    for result in [
        rt.block_on(client.reports().get("rep_1-bad").send())
            .map(|_| ()),
        rt.block_on(client.jobs().get("broken").max_retries(1).send())
            .map(|_| ()),
        rt.block_on(client.jobs().get("garbled").send()).map(|_| ()),
        rt.block_on(
            client
                .jobs()
                .get("slow")
                .timeout(Duration::from_millis(50))
                .max_retries(0)
                .send(),
        )
        .map(|_| ()),
    ] {
        let err = result.expect_err("an error");
        record("Error", render_error(&err));
        if let Some(api) = err.api_error() {
            record("ApiError", format!("{api:?} {api}"));
        }
    }
    let unreachable = wf::Client::new(
        test_config(&format!("http://127.0.0.1:{closed_port}"), &sleeper)
            .with_credentials(credentials.clone())
            .with_max_retries(1),
    )
    .unwrap();
    let err = rt
        .block_on(unreachable.reports().get("rep_1").send())
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    record("connect error", render_error(&err));
    // The blocking client, and invalid credentials refused at construction.
    let blocking = wfb::Client::new(config).unwrap();
    let err = blocking.reports().get("rep_1-bad").send().unwrap_err();
    record("401 (blocking)", render_error(&err));
    let report = blocking
        .reports()
        .get("rep_1")
        .send()
        .expect("blocking query key");
    record("Response (blocking)", format!("{report:?}"));
    for bad in [
        Credentials::api_keys([("rf_session", format!("{COOKIE_KEY};x"))]),
        Credentials::basic(format!("a:{BASIC_PASSWORD}"), BASIC_PASSWORD),
    ] {
        let err = wf::Client::new(test_config(&server.url(), &sleeper).with_credentials(bad))
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        record("bad credentials", render_error(&err));
    }
    // A provided token that cannot go in a header fails the call.
    let bad_token = Credentials::blocking_token_provider(|_| Ok(format!("{PROVIDED_TOKEN}\n")));
    let err = wfb::Client::new(test_config(&server.url(), &sleeper).with_credentials(bad_token))
        .unwrap()
        .account()
        .get()
        .send()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    record("bad provided token", render_error(&err));

    // The secrets really were in play.
    let seen = server.requests();
    let basic = seen
        .iter()
        .find_map(|r| {
            r.header("authorization")
                .filter(|a| a.starts_with("Basic "))
        })
        .expect("basic auth was sent")
        .to_owned();
    assert!(seen.iter().any(|r| r.target.contains(QUERY_KEY)));
    assert!(
        seen.iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {PROVIDED_TOKEN}")))
    );

    let traces = capture.text();
    assert!(traces.contains("getReport"), "{traces}");
    let encoded = basic.trim_start_matches("Basic ");
    for (what, text) in outputs
        .iter()
        .chain([&("tracing output".to_owned(), traces)])
    {
        assert_no_secret(what, text);
        assert!(
            !text.contains(encoded),
            "{what} contains the encoded password:\n{text}"
        );
    }
    assert!(outputs.len() > 20, "{}", outputs.len());
}

#[test]
fn cross_origin_redirects_carry_no_query_key_cookie_or_basic_auth() {
    traces();
    let target = TestServer::start(|_, _| Reply::raw(200, "text/csv", "x\n"));
    let port = target.port();
    let sleeper = RecordingSleeper::default();
    let rt = client_runtime();
    let mut cases = 0;
    for status in [301, 302, 303, 307, 308] {
        // The target is another origin: the same host, another port.
        let origin = TestServer::start(move |request, _| {
            let location = format!("http://127.0.0.1:{port}{}", request.path());
            redirect_to(status, location)
        });
        let config =
            test_config(&origin.url(), &sleeper).with_credentials(render_farm_credentials());
        let client = wf::Client::new(config.clone()).unwrap();
        let blocking = wfb::Client::new(config).unwrap();
        // The query key, then basic auth (jobs.get prefers it to the cookie).
        let errors = [
            rt.block_on(client.reports().get("rep_1").send())
                .map(|_| ()),
            blocking.reports().get("rep_1").send().map(|_| ()),
            rt.block_on(client.jobs().get("job_1").send()).map(|_| ()),
            blocking.jobs().get("job_1").send().map(|_| ()),
        ];
        for err in errors {
            let err = err.expect_err("a refused redirect");
            match &err {
                Error::Redirect {
                    status: s, host, ..
                } => {
                    assert_eq!((s.as_u16(), host.as_str()), (status, "127.0.0.1"));
                }
                other => panic!("{status}: expected Error::Redirect, got {other:?}"),
            }
            assert!(!err.to_string().contains(QUERY_KEY), "{err}");
            cases += 1;
        }
        // The origin did get the credentials.
        let seen = origin.requests();
        assert!(
            seen.iter()
                .any(|r| r.target == format!("/reports/rep_1?report_key={QUERY_KEY}"))
        );
        assert!(seen.iter().any(|r| {
            r.header("authorization")
                .is_some_and(|a| a.starts_with("Basic "))
        }));
    }
    // Cookie-only credentials on an operation that takes them.
    let origin = TestServer::start(move |request, _| {
        redirect_to(302, format!("http://127.0.0.1:{port}{}", request.path()))
    });
    let cookie_only = test_config(&origin.url(), &sleeper)
        .with_credentials(Credentials::api_keys([("rf_session", COOKIE_KEY)]));
    let err = rt
        .block_on(
            wf::Client::new(cookie_only)
                .unwrap()
                .jobs()
                .get("job_1")
                .send(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert_eq!(
        origin.requests()[0].header("cookie"),
        Some(&*format!("rf_session={COOKIE_KEY}"))
    );
    cases += 1;
    // The other origin saw nothing at all.
    let seen = target.requests();
    assert_eq!(seen.len(), 0, "{seen:#?}");
    assert_eq!(cases, 21);
}
