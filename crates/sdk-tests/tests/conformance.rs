//! Conformance of the generated clients against Prism, the OpenAPI mock
//! server pinned in `tools/prism` (`scripts/test.sh` installs it).
//!
//! Prism validates every request against the spec (path, query, headers,
//! body, security) and answers an invalid one with a 4xx and an
//! `sl-violations` header. Each test puts a [`SniffingProxy`] between the
//! client and Prism that reads every response head, so a violation is
//! caught even on a response the client turned into an error.
//!
//! - Static mode (the spec's examples): every operation of both APIs,
//!   through the async and the blocking client, with realistic arguments;
//!   no violation, every response decodes to the example's values, and
//!   every operation of the spec file was called.
//! - Dynamic mode (`--dynamic`, random schema-valid responses): 30 calls
//!   per operation; every response must decode, and the responses must
//!   differ (Prism's `--seed` would make them all the same, so none is
//!   set; a failure prints the body that did not decode).
//! - The checks themselves can fail: a request that breaks the spec is
//!   reported, and Prism dies with the test that started it.

mod support;

use std::collections::BTreeSet;
use std::time::Instant;

use apigen_runtime::{Error, Operation, OperationInfo, Response};
use cloudflare_access_users_blocking as cfb;
use cloudflare_access_users_client as cf;
use cloudflare_access_users_client::operations as cf_ops;
use cloudflare_access_users_client::types::{CreateUserRequest, UpdateUserRequest};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use keycard_zone_users_blocking as kcb;
use keycard_zone_users_client as kc;
use keycard_zone_users_client::operations as kc_ops;
use keycard_zone_users_client::types::{UserStatus, UsersListExpandItem};
use support::*;

const CF_SPEC: &str = "cloudflare-access-users.yaml";
const KC_SPEC: &str = "keycard-zone-users.yaml";

/// Calls per operation in dynamic mode.
const DYNAMIC_CALLS: usize = 30;

/// Prism and the proxy in front of it.
struct Harness {
    proxy: SniffingProxy,
    prism: Prism,
}

impl Harness {
    fn start(spec: &str, mode: PrismMode) -> Harness {
        let prism = Prism::start(spec, mode);
        let proxy = SniffingProxy::start(prism.port());
        Harness { proxy, prism }
    }

    fn config(&self) -> cf::Config {
        cf::Config::new(cf::Credentials::bearer(TOKEN)).with_base_url(self.proxy.url())
    }

    /// Fails when any response so far carried `sl-violations`.
    fn assert_no_violations(&self, context: &str) {
        let violations = self.proxy.violations();
        assert!(
            violations.is_empty(),
            "{context}: Prism reported request violations:\n{}\nPrism log:\n{}",
            violations.join("\n"),
            self.prism.log_tail()
        );
    }
}

/// Unwraps a successful response, which must carry no `sl-violations`.
fn ok<T, M>(what: &str, result: Result<Response<T, M>, Error>) -> Response<T, M> {
    match result {
        Ok(response) => {
            assert!(
                response.headers().get("sl-violations").is_none(),
                "{what}: sl-violations {:?}",
                response.headers().get("sl-violations")
            );
            response
        }
        Err(e) => panic!("{what} failed: {e}\n{e:?}"),
    }
}

fn create_body() -> CreateUserRequest {
    CreateUserRequest::new("jdoe@example.com").name("Jane Doe")
}

fn update_body() -> UpdateUserRequest {
    UpdateUserRequest::new("jdoe@example.com", "Jane Doe")
}

fn cf_list_params() -> cf_ops::UsersListParams {
    cf_ops::UsersListParams::new()
        .name("Jane Doe")
        .email("jdoe@example.com")
        .search("jdoe")
        .page(1)
        .per_page(50)
}

fn kc_list_params() -> kc_ops::UsersListParams {
    kc_ops::UsersListParams::new()
        .after("eyJpZCI6InVzcl8wMWp4In0")
        .limit(50)
        .expand(vec![
            UsersListExpandItem::TotalCount,
            UsersListExpandItem::SessionCount,
            UsersListExpandItem::GrantCount,
            UsersListExpandItem::RoleAssignments,
        ])
        .filter_email(vec!["jane.doe@example.com".into()])
        .query(vec!["jane".into(), "doe".into()])
        .query_email(vec!["jane".into()])
        .query_subject(vec!["1048573920".into()])
        .sort("-authenticated_at,email")
}

/// `filter[id]` excludes `after`/`before`, so it gets a call of its own.
fn kc_filter_params() -> kc_ops::UsersListParams {
    kc_ops::UsersListParams::new().filter_id(vec![
        KC_USER_ID.into(),
        "usr_01jx9k2m7q3v8w4e5r6t7y8u9j".into(),
    ])
}

/// Backward paging.
fn kc_before_params() -> kc_ops::UsersListParams {
    kc_ops::UsersListParams::new()
        .before("eyJpZCI6InVzcl8wMWp4In0")
        .limit(20)
}

// ---------------------------------------------------------------------------
// What the static examples must decode to.
// ---------------------------------------------------------------------------

fn check_cf_user(what: &str, user: &cf::types::User) {
    assert_eq!(user.id.as_deref(), Some(USER_ID), "{what}");
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"), "{what}");
    assert_eq!(user.name.as_deref(), Some("Jane Doe"), "{what}");
    assert_eq!(
        user.created_at.map(|t| t.to_rfc3339()),
        Some("2014-01-01T05:20:00.123450+00:00".to_owned()),
        "{what}"
    );
}

fn check_cf_identity(what: &str, identity: &cf::types::Identity) {
    assert_eq!(identity.account_id.as_deref(), Some("1234567890"), "{what}");
    assert_eq!(
        identity.email.as_deref(),
        Some("test@cloudflare.com"),
        "{what}"
    );
    assert_eq!(
        identity.geo.as_ref().and_then(|g| g.country.as_deref()),
        Some("US"),
        "{what}"
    );
    assert!(
        identity
            .device_posture
            .as_ref()
            .is_some_and(|d| !d.is_empty()),
        "{what}"
    );
}

fn check_kc_user(what: &str, user: &kc::types::User) {
    assert_eq!(user.id, KC_USER_ID, "{what}");
    assert_eq!(user.status, UserStatus::Active, "{what}");
    assert_eq!(user.zone_id, ZONE_ID, "{what}");
    assert_eq!(
        user.created_at.to_rfc3339(),
        "2026-05-02T14:03:11+00:00",
        "{what}"
    );
}

// ---------------------------------------------------------------------------
// Every operation, async and blocking, with the static examples.
// ---------------------------------------------------------------------------

/// Calls all nine Cloudflare operations (and two pages of the list) with
/// the async client; returns how many HTTP requests that made.
async fn cf_all_async(client: &cf::Client) -> usize {
    let users = client.zero_trust().access().users();
    let page = ok(
        "async users.list",
        users.list(ACCOUNT_ID).params(cf_list_params()).await,
    );
    assert_eq!(page.status(), 200);
    check_cf_user("async users.list", &page[0]);
    assert_eq!(page.meta().and_then(|m| m.total_count), Some(1.0));

    let created = ok(
        "async users.create",
        users.create(ACCOUNT_ID, create_body()).await,
    );
    assert_eq!(created.status(), 201);
    assert_eq!(created.email.as_deref(), Some("jdoe@example.com"));

    let user = ok("async users.get", users.get(ACCOUNT_ID, USER_ID).await);
    check_cf_user("async users.get", &user);

    let updated = ok(
        "async users.update",
        users.update(ACCOUNT_ID, USER_ID, update_body()).await,
    );
    check_cf_user("async users.update", &updated);

    let deleted = ok(
        "async users.delete",
        users.delete(ACCOUNT_ID, USER_ID).await,
    );
    assert_eq!(deleted.status(), 202);
    assert_eq!(*deleted, serde_json::json!({}));

    let sessions = ok(
        "async active_sessions.list",
        users.active_sessions().list(ACCOUNT_ID, USER_ID).await,
    );
    assert_eq!(sessions[0].name.as_deref(), Some("CF_Authorization"));
    assert_eq!(
        sessions[0]
            .metadata
            .as_ref()
            .and_then(|m| m.nonce.as_deref()),
        Some(NONCE)
    );

    let session = ok(
        "async active_sessions.get",
        users
            .active_sessions()
            .get(ACCOUNT_ID, USER_ID, NONCE)
            .await,
    );
    check_cf_identity("async active_sessions.get", &session_identity(&session));
    assert_eq!(session.is_active, Some(true));

    let identity = ok(
        "async last_seen_identity.get",
        users.last_seen_identity().get(ACCOUNT_ID, USER_ID).await,
    );
    check_cf_identity("async last_seen_identity.get", &identity);

    let logins = ok(
        "async failed_logins.list",
        users.failed_logins().list(ACCOUNT_ID, USER_ID).await,
    );
    assert_eq!(logins[0].expiration, Some(1694813506));
    assert!(logins[0].metadata.as_ref().is_some_and(|m| m.is_object()));

    // Page-number pagination: the example says `total_pages: 1`, so the
    // pager stops after the first page.
    let pages: Vec<_> = users
        .list(ACCOUNT_ID)
        .params(cf_ops::UsersListParams::new().per_page(50))
        .pages()
        .try_collect()
        .await
        .expect("async users.list pages");
    assert_eq!(pages.len(), 1);
    10
}

/// `ActiveSessionDetail` and `Identity` share the identity fields.
fn session_identity(detail: &cf::types::ActiveSessionDetail) -> cf::types::Identity {
    let value = serde_json::to_value(detail).expect("serialize");
    serde_json::from_value(value).expect("an active session is an identity")
}

fn cf_all_blocking(client: &cfb::Client) -> usize {
    let users = client.zero_trust().access().users();
    let page = ok(
        "blocking users.list",
        users.list(ACCOUNT_ID).params(cf_list_params()).send(),
    );
    check_cf_user("blocking users.list", &page[0]);
    assert_eq!(page.meta().and_then(|m| m.page), Some(1.0));

    let created = ok(
        "blocking users.create",
        users.create(ACCOUNT_ID, create_body()).send(),
    );
    assert_eq!(created.status(), 201);

    let user = ok("blocking users.get", users.get(ACCOUNT_ID, USER_ID).send());
    check_cf_user("blocking users.get", &user);

    let updated = ok(
        "blocking users.update",
        users.update(ACCOUNT_ID, USER_ID, update_body()).send(),
    );
    check_cf_user("blocking users.update", &updated);

    let deleted = ok(
        "blocking users.delete",
        users.delete(ACCOUNT_ID, USER_ID).send(),
    );
    assert_eq!(deleted.status(), 202);

    let sessions = ok(
        "blocking active_sessions.list",
        users.active_sessions().list(ACCOUNT_ID, USER_ID).send(),
    );
    assert_eq!(sessions.len(), 1);

    let session = ok(
        "blocking active_sessions.get",
        users
            .active_sessions()
            .get(ACCOUNT_ID, USER_ID, NONCE)
            .send(),
    );
    check_cf_identity("blocking active_sessions.get", &session_identity(&session));

    let identity = ok(
        "blocking last_seen_identity.get",
        users.last_seen_identity().get(ACCOUNT_ID, USER_ID).send(),
    );
    check_cf_identity("blocking last_seen_identity.get", &identity);

    let logins = ok(
        "blocking failed_logins.list",
        users.failed_logins().list(ACCOUNT_ID, USER_ID).send(),
    );
    assert_eq!(logins.len(), 1);

    let items: Vec<_> = users
        .list(ACCOUNT_ID)
        .params(cf_ops::UsersListParams::new().per_page(50))
        .items()
        .collect::<Result<_, _>>()
        .expect("blocking users.list items");
    assert_eq!(items.len(), 1);
    10
}

async fn kc_all_async(client: &kc::Client) -> usize {
    let users = client.zones().users();
    let page = ok(
        "async zones.users.list",
        users.list(ZONE_ID).params(kc_list_params()).await,
    );
    check_kc_user("async zones.users.list", &page.items[0]);
    let assignments = page.items[0]
        .role_assignments
        .as_ref()
        .expect("role_assignments");
    assert_eq!(assignments[0].scope, None);
    assert_eq!(
        assignments[1].scope.as_ref().map(|s| s.type_.as_str()),
        Some("resource")
    );
    assert_eq!(page.pagination.total_count, Some(1));

    let filtered = ok(
        "async zones.users.list filter[id]",
        users.list(ZONE_ID).params(kc_filter_params()).await,
    );
    assert_eq!(filtered.items.len(), 1);

    let before = ok(
        "async zones.users.list before",
        users.list(ZONE_ID).params(kc_before_params()).await,
    );
    assert_eq!(before.items.len(), 1);

    let user = ok(
        "async zones.users.retrieve",
        users.retrieve(ZONE_ID, KC_USER_ID).await,
    );
    check_kc_user("async zones.users.retrieve", &user);

    // Cursor pagination sends `after=<cursor>`; Prism's example repeats
    // the cursor, so the pager stops after the second page.
    let pages: Vec<_> = users
        .list(ZONE_ID)
        .params(kc_ops::UsersListParams::new().limit(10))
        .pages()
        .try_collect()
        .await
        .expect("async zones.users.list pages");
    assert_eq!(pages.len(), 2);
    6
}

fn kc_all_blocking(client: &kcb::Client) -> usize {
    let users = client.zones().users();
    let page = ok(
        "blocking zones.users.list",
        users.list(ZONE_ID).params(kc_list_params()).send(),
    );
    check_kc_user("blocking zones.users.list", &page.items[0]);
    let filtered = ok(
        "blocking zones.users.list filter[id]",
        users.list(ZONE_ID).params(kc_filter_params()).send(),
    );
    assert_eq!(filtered.items.len(), 1);
    let before = ok(
        "blocking zones.users.list before",
        users.list(ZONE_ID).params(kc_before_params()).send(),
    );
    assert_eq!(before.items.len(), 1);
    let user = ok(
        "blocking zones.users.retrieve",
        users.retrieve(ZONE_ID, KC_USER_ID).send(),
    );
    check_kc_user("blocking zones.users.retrieve", &user);
    let items: Vec<_> = users
        .list(ZONE_ID)
        .params(kc_ops::UsersListParams::new().limit(10))
        .items()
        .collect::<Result<_, _>>()
        .expect("blocking zones.users.list items");
    assert_eq!(items.len(), 2);
    6
}

// ---------------------------------------------------------------------------
// Coverage: every operation of the spec file was called.
// ---------------------------------------------------------------------------

/// `(METHOD, /path/{template})` of every operation in a spec file, read
/// from its text (two-space indented paths, four-space indented methods).
fn spec_operations(spec: &str) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(workspace_root().join("spec").join(spec)).expect("spec");
    let mut in_paths = false;
    let mut path = String::new();
    let mut ops = BTreeSet::new();
    for line in text.lines() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty() {
            in_paths = line.trim_end() == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            path = format!("/{}", p.trim_end().trim_end_matches(':'));
        } else if let Some(m) = line.strip_prefix("    ") {
            let m = m.trim_end().trim_end_matches(':');
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&m)
            {
                ops.insert((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    assert!(!ops.is_empty(), "no operations found in {spec}");
    ops
}

/// Whether a request line (`GET /a/b?x HTTP/1.1`, possibly after the end
/// of a previous body) is a call of `method template`.
fn request_matches(line: &str, method: &str, template: &str) -> bool {
    let Some(start) = line.rfind(&format!("{method} /")) else {
        return false;
    };
    let target = line[start + method.len() + 1..]
        .trim_end_matches(" HTTP/1.1")
        .split('?')
        .next()
        .unwrap_or("");
    let got: Vec<&str> = target.split('/').collect();
    let want: Vec<&str> = template.split('/').collect();
    got.len() == want.len()
        && got
            .iter()
            .zip(&want)
            .all(|(g, w)| (w.starts_with('{') && !g.is_empty()) || g == w)
}

fn assert_all_operations_called(spec: &str, requests: &[String], context: &str) {
    for (method, template) in spec_operations(spec) {
        assert!(
            requests
                .iter()
                .any(|r| request_matches(r, &method, &template)),
            "{context}: `{method} {template}` of {spec} was never called; requests:\n{}",
            requests.join("\n")
        );
    }
}

#[test]
fn spec_operations_are_the_generated_ones() {
    // The coverage check reads the spec as text: make sure it reads all of
    // it, against the operations the generated crates describe.
    let infos: [OperationInfo; 9] = [
        cf_ops::UsersList::INFO,
        cf_ops::UsersCreate::INFO,
        cf_ops::UsersGet::INFO,
        cf_ops::UsersUpdate::INFO,
        cf_ops::UsersDelete::INFO,
        cf_ops::ActiveSessionsList::INFO,
        cf_ops::ActiveSessionsGet::INFO,
        cf_ops::LastSeenIdentityGet::INFO,
        cf_ops::FailedLoginsList::INFO,
    ];
    let generated: BTreeSet<_> = infos
        .iter()
        .map(|i| (i.method.as_str().to_owned(), i.path_template.to_owned()))
        .collect();
    assert_eq!(spec_operations(CF_SPEC), generated);
    let generated: BTreeSet<_> = [kc_ops::UsersList::INFO, kc_ops::UsersRetrieve::INFO]
        .iter()
        .map(|i| (i.method.as_str().to_owned(), i.path_template.to_owned()))
        .collect();
    assert_eq!(spec_operations(KC_SPEC), generated);
    assert!(request_matches(
        "}PUT /accounts/a/access/users/b HTTP/1.1",
        "PUT",
        "/accounts/{account_id}/access/users/{user_id}"
    ));
    assert!(!request_matches(
        "GET /accounts/a/access/users/b/x HTTP/1.1",
        "GET",
        "/accounts/{account_id}/access/users/{user_id}"
    ));
}

#[test]
fn missing_prism_fails_with_instructions() {
    let err =
        check_prism(std::path::Path::new("/nonexistent/node_modules/.bin/prism")).unwrap_err();
    assert!(err.starts_with(PRISM_MISSING), "{err}");
    assert!(err.contains("npm ci --prefix tools/prism"), "{err}");
    check_prism(&prism_path()).expect("Prism is installed for this run");
}

#[test]
fn cloudflare_static_every_operation_async_and_blocking() {
    let started = Instant::now();
    let harness = Harness::start(CF_SPEC, PrismMode::Static);

    let rt = client_runtime();
    let client = cf::Client::new(harness.config()).expect("client");
    let sent = rt.block_on(cf_all_async(&client));
    harness.assert_no_violations("async Cloudflare client");
    let requests = harness.proxy.requests();
    assert_eq!(requests.len(), sent, "requests: {requests:#?}");
    assert_all_operations_called(CF_SPEC, &requests, "async Cloudflare client");

    let blocking = cfb::Client::new(harness.config()).expect("client");
    let sent_blocking = cf_all_blocking(&blocking);
    harness.assert_no_violations("blocking Cloudflare client");
    let all = harness.proxy.requests();
    assert_eq!(all.len(), sent + sent_blocking, "requests: {all:#?}");
    assert_all_operations_called(CF_SPEC, &all[sent..], "blocking Cloudflare client");
    assert_eq!(harness.proxy.responses(), all.len());

    // The other security alternative: API email and key headers.
    let keys = cfb::Client::new(
        cf::Config::new(cf::Credentials::api_keys([
            ("X-Auth-Email", "user@example.com"),
            ("X-Auth-Key", "144c9defac04969c7bfad8efaa8ea194"),
        ]))
        .with_base_url(harness.proxy.url()),
    )
    .expect("client");
    let user = ok(
        "blocking users.get with API keys",
        keys.zero_trust()
            .access()
            .users()
            .get(ACCOUNT_ID, USER_ID)
            .send(),
    );
    check_cf_user("blocking users.get with API keys", &user);
    harness.assert_no_violations("API-key authentication");

    // The check can fail: a query value of the wrong type, and a request
    // without credentials, are both reported by Prism.
    let err = rt
        .block_on(
            client
                .zero_trust()
                .access()
                .users()
                .list(ACCOUNT_ID)
                .query("per_page", "many")
                .send(),
        )
        .expect_err("Prism rejects per_page=many");
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err:?}");
    let violations = harness.proxy.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("per_page"), "{violations:?}");

    let anonymous = cf::Client::new(
        cf::Config::new(cf::Credentials::none()).with_base_url(harness.proxy.url()),
    )
    .expect("client");
    let err = support::cf_get_user(&rt, &anonymous)
        .expect_err("Prism rejects a request without credentials");
    assert_eq!(err.kind(), Some(cf::ErrorKind::Authentication), "{err:?}");
    assert_eq!(harness.proxy.violations().len(), 2);
    assert_eq!(harness.proxy.requests().len(), sent + sent_blocking + 3);
    eprintln!(
        "cloudflare static: {} requests, {:?}",
        harness.proxy.requests().len(),
        started.elapsed()
    );
}

#[test]
fn keycard_static_every_operation_async_and_blocking() {
    let harness = Harness::start(KC_SPEC, PrismMode::Static);
    let config =
        || kc::Config::new(kc::Credentials::bearer(TOKEN)).with_base_url(harness.proxy.url());

    let rt = client_runtime();
    let client = kc::Client::new(config()).expect("client");
    let sent = rt.block_on(kc_all_async(&client));
    harness.assert_no_violations("async Keycard client");
    let requests = harness.proxy.requests();
    assert_eq!(requests.len(), sent, "requests: {requests:#?}");
    assert_all_operations_called(KC_SPEC, &requests, "async Keycard client");
    // Repeated parameters go out once per value, brackets encoded.
    assert!(
        requests[0].contains("expand%5B%5D=total_count&expand%5B%5D=session_count"),
        "{}",
        requests[0]
    );

    let blocking = kcb::Client::new(config()).expect("client");
    let sent_blocking = kc_all_blocking(&blocking);
    harness.assert_no_violations("blocking Keycard client");
    let all = harness.proxy.requests();
    assert_eq!(all.len(), sent + sent_blocking, "requests: {all:#?}");
    assert_all_operations_called(KC_SPEC, &all[sent..], "blocking Keycard client");

    // The check can fail: `limit` must be an integer.
    let err = rt
        .block_on(
            client
                .zones()
                .users()
                .list(ZONE_ID)
                .query("limit", "ten")
                .send(),
        )
        .expect_err("Prism rejects limit=ten");
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err:?}");
    assert_eq!(harness.proxy.violations().len(), 1);

    // Prism dies with the test that started it, even when that test panics.
    let Harness { proxy, prism } = harness;
    drop(proxy);
    let pid = prism.pid();
    assert!(process_group_alive(pid));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _prism = prism;
        panic!("deliberate panic: Prism must be killed while unwinding");
    }));
    assert!(outcome.is_err());
    assert!(
        wait_group_gone(pid, std::time::Duration::from_secs(5)),
        "Prism (process group {pid}) outlived its test"
    );
}

// ---------------------------------------------------------------------------
// Dynamic mode: random schema-valid responses must all decode.
// ---------------------------------------------------------------------------

/// Runs `calls` 8 at a time; panics with every failure (the decode
/// error quotes the body). Each operation's responses must vary: a
/// constant response would mean Prism is not generating data.
async fn run_all<F>(calls: Vec<(&'static str, F)>)
where
    F: std::future::Future<Output = Result<String, Error>>,
{
    let outcomes: Vec<(&'static str, Result<String, String>)> = stream::iter(calls)
        .map(|(what, call)| async move { (what, call.await.map_err(|e| format!("{e}\n  {e:?}"))) })
        .buffer_unordered(8)
        .collect()
        .await;
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(what, r)| r.as_ref().err().map(|e| format!("{what}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} random responses failed to decode:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
    let mut distinct: std::collections::BTreeMap<&str, BTreeSet<&str>> = Default::default();
    for (what, r) in &outcomes {
        distinct
            .entry(what)
            .or_default()
            .insert(r.as_deref().unwrap_or(""));
    }
    for (what, outputs) in distinct {
        assert!(
            outputs.len() > 1,
            "{what}: Prism returned the same data every time"
        );
    }
}

type BoxedCall<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, Error>> + Send + 'a>>;

/// The decoded output, serialized again (to compare outputs).
fn done<T: serde::Serialize, M>(r: Result<Response<T, M>, Error>) -> Result<String, Error> {
    r.map(|response| serde_json::to_string(&*response).expect("outputs serialize"))
}

#[test]
fn cloudflare_dynamic_responses_decode() {
    let harness = Harness::start(CF_SPEC, PrismMode::Dynamic);
    let client = cf::Client::new(harness.config()).expect("client");
    let users = client.zero_trust().access().users();
    let mut calls: Vec<(&'static str, BoxedCall<'_>)> = Vec::new();
    for _ in 0..DYNAMIC_CALLS {
        calls.push((
            "users.list",
            Box::pin(async move { done(users.list(ACCOUNT_ID).params(cf_list_params()).await) }),
        ));
        calls.push((
            "users.create",
            Box::pin(async move { done(users.create(ACCOUNT_ID, create_body()).await) }),
        ));
        calls.push((
            "users.get",
            Box::pin(async move { done(users.get(ACCOUNT_ID, USER_ID).await) }),
        ));
        calls.push((
            "users.update",
            Box::pin(async move { done(users.update(ACCOUNT_ID, USER_ID, update_body()).await) }),
        ));
        calls.push((
            "users.delete",
            Box::pin(async move { done(users.delete(ACCOUNT_ID, USER_ID).await) }),
        ));
        calls.push((
            "active_sessions.list",
            Box::pin(async move { done(users.active_sessions().list(ACCOUNT_ID, USER_ID).await) }),
        ));
        calls.push((
            "active_sessions.get",
            Box::pin(async move {
                done(
                    users
                        .active_sessions()
                        .get(ACCOUNT_ID, USER_ID, NONCE)
                        .await,
                )
            }),
        ));
        calls.push((
            "last_seen_identity.get",
            Box::pin(
                async move { done(users.last_seen_identity().get(ACCOUNT_ID, USER_ID).await) },
            ),
        ));
        calls.push((
            "failed_logins.list",
            Box::pin(async move { done(users.failed_logins().list(ACCOUNT_ID, USER_ID).await) }),
        ));
    }
    let total = calls.len();
    let rt = client_runtime();
    rt.block_on(run_all(calls));

    // A few through the blocking client too.
    let blocking = cfb::Client::new(harness.config()).expect("client");
    let users = blocking.zero_trust().access().users();
    for _ in 0..3 {
        ok(
            "blocking users.list",
            users.list(ACCOUNT_ID).params(cf_list_params()).send(),
        );
        ok("blocking users.get", users.get(ACCOUNT_ID, USER_ID).send());
        ok(
            "blocking last_seen_identity.get",
            users.last_seen_identity().get(ACCOUNT_ID, USER_ID).send(),
        );
    }
    harness.assert_no_violations("dynamic Cloudflare");
    assert_eq!(harness.proxy.requests().len(), total + 9);
    assert_eq!(total, 9 * DYNAMIC_CALLS);
}

#[test]
fn keycard_dynamic_responses_decode() {
    let harness = Harness::start(KC_SPEC, PrismMode::Dynamic);
    let config = kc::Config::new(kc::Credentials::bearer(TOKEN)).with_base_url(harness.proxy.url());
    let client = kc::Client::new(config.clone()).expect("client");
    let users = client.zones().users();
    let mut calls: Vec<(&'static str, BoxedCall<'_>)> = Vec::new();
    for _ in 0..DYNAMIC_CALLS {
        calls.push((
            "zones.users.list",
            Box::pin(async move { done(users.list(ZONE_ID).params(kc_list_params()).await) }),
        ));
        calls.push((
            "zones.users.list filter[id]",
            Box::pin(async move { done(users.list(ZONE_ID).params(kc_filter_params()).await) }),
        ));
        calls.push((
            "zones.users.list before",
            Box::pin(async move { done(users.list(ZONE_ID).params(kc_before_params()).await) }),
        ));
        calls.push((
            "zones.users.retrieve",
            Box::pin(async move { done(users.retrieve(ZONE_ID, KC_USER_ID).await) }),
        ));
    }
    let total = calls.len();
    let rt = client_runtime();
    rt.block_on(run_all(calls));

    let blocking = kcb::Client::new(config).expect("client");
    for _ in 0..3 {
        ok(
            "blocking zones.users.list",
            blocking
                .zones()
                .users()
                .list(ZONE_ID)
                .params(kc_list_params())
                .send(),
        );
        ok(
            "blocking zones.users.retrieve",
            blocking
                .zones()
                .users()
                .retrieve(ZONE_ID, KC_USER_ID)
                .send(),
        );
    }
    harness.assert_no_violations("dynamic Keycard");
    assert_eq!(harness.proxy.requests().len(), total + 6);
}

// ---------------------------------------------------------------------------
// The response forms and security schemes of issue 12 (the render farm,
// `spec/wireforms-responses.yaml`), static mode.
// ---------------------------------------------------------------------------

const WF_SPEC: &str = "wireforms-responses.yaml";

/// Every operation of the render farm once, each successful variant of
/// the enum operations picked with Prism's `Prefer: code=…`, with the
/// credentials each operation accepts (Prism checks them: a missing or
/// malformed credential is a 401); returns how many requests were sent.
/// `send` turns a call into its result with either client.
macro_rules! wf_all {
    ($c:ident, $send:ident) => {{
        use wireforms_responses_client::operations::{
            JobsCreateResponse, JobsExportResponse, ReportsGetResponse,
        };
        use wireforms_responses_client::types::{JobRequest, JobState, Problem};
        let body = JobRequest::new("teapot", 1);
        let created = ok("jobs.create", $send!($c.jobs().create(body.clone())));
        match created.into_inner() {
            JobsCreateResponse::Created(job) => {
                assert_eq!((job.id.as_str(), job.state), ("job_1", JobState::Done))
            }
            other => panic!("jobs.create: {other:?}"),
        }
        let queued = ok(
            "jobs.create 202",
            $send!($c.jobs().create(body).header("prefer", "code=202")),
        );
        match queued.into_inner() {
            JobsCreateResponse::Accepted(t) => assert_eq!((t.ticket.as_str(), t.position), ("tkt_1", 3)),
            other => panic!("jobs.create 202: {other:?}"),
        }
        let job = ok("jobs.get", $send!($c.jobs().get("job_1")));
        assert_eq!(job.state, JobState::Running);
        let deleted = ok("jobs.delete", $send!($c.jobs().delete("job_1")));
        assert_eq!(deleted.status(), 204);
        let log = ok("jobs.log", $send!($c.jobs().log("job_1")));
        assert_eq!(*log, "frame 1: 0.8 s\n");
        let output = ok("jobs.output", $send!($c.jobs().output("job_1")));
        assert_eq!(&output[..], b"PK-frames-0001");
        let thumbnail = ok("jobs.thumbnail", $send!($c.jobs().thumbnail("job_1")));
        assert_eq!(&thumbnail[..], b"PNG-frame-0001");
        let export = ok("jobs.export", $send!($c.jobs().export("job_1")));
        assert_eq!(
            export.into_inner(),
            JobsExportResponse::Ok(apigen_runtime::Bytes::from_static(b"scene-teapot-v1"))
        );
        let export = ok(
            "jobs.export 202",
            $send!($c.jobs().export("job_1").header("prefer", "code=202")),
        );
        assert!(matches!(export.into_inner(), JobsExportResponse::Accepted(t) if t.ticket == "tkt_2"));
        let export = ok(
            "jobs.export 204",
            $send!($c.jobs().export("job_1").header("prefer", "code=204")),
        );
        assert_eq!(export.into_inner(), JobsExportResponse::NoContent);
        let report = ok("reports.get", $send!($c.reports().get("rep_1")));
        assert_eq!(
            report.into_inner(),
            ReportsGetResponse::Ok("job,seconds\njob_1,0.8\n".to_owned())
        );
        let report = ok(
            "reports.get 202",
            $send!($c.reports().get("rep_1").header("prefer", "code=202")),
        );
        assert!(matches!(report.into_inner(), ReportsGetResponse::Accepted(p) if p.percent == 40));
        let account = ok("account.get", $send!($c.account().get()));
        assert_eq!(account.name, "Studio One");
        let keys = ok("render_keys.list", $send!($c.render_keys().list()));
        assert_eq!(*keys, ["node-a", "node-b"]);
        let health = ok("service.health", $send!($c.service().health()));
        assert_eq!(*health, "ok");
        // The `default` response, typed.
        let err = $send!($c.jobs().get("job_9").header("prefer", "code=404"))
            .expect_err("a 404 from the default response");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(
            wireforms_responses_client::operations::JobsGet::error_body(&err),
            Some(Problem::new("Not found", 404).detail("no job job_9"))
        );
        16
    }};
}

fn wf_credentials() -> apigen_runtime::Credentials {
    use apigen_runtime::Credentials;
    Credentials::basic("ada", "pw")
        .and(Credentials::access_token("at_1"))
        .and(Credentials::api_keys([
            ("report_key", "rk_1"),
            ("X-Node-Key", "nk_1"),
        ]))
}

#[test]
fn wireforms_static_every_form_async_and_blocking() {
    let harness = Harness::start(WF_SPEC, PrismMode::Static);
    let config = || {
        wireforms_responses_client::Config::new(wf_credentials()).with_base_url(harness.proxy.url())
    };
    let rt = client_runtime();
    let client = wireforms_responses_client::Client::new(config()).expect("client");
    macro_rules! send_async {
        ($call:expr) => {
            rt.block_on(async { $call.await })
        };
    }
    let sent = wf_all!(client, send_async);
    harness.assert_no_violations("async render-farm client");
    let requests = harness.proxy.requests();
    assert_eq!(requests.len(), sent, "requests: {requests:#?}");
    assert_all_operations_called(WF_SPEC, &requests, "async render-farm client");

    let blocking = wireforms_responses_blocking::Client::new(config()).expect("client");
    macro_rules! send_blocking {
        ($call:expr) => {
            $call.send()
        };
    }
    let sent_blocking = wf_all!(blocking, send_blocking);
    harness.assert_no_violations("blocking render-farm client");
    let all = harness.proxy.requests();
    assert_eq!(all.len(), sent + sent_blocking, "requests: {all:#?}");
    assert_all_operations_called(WF_SPEC, &all[sent..], "blocking render-farm client");

    // Prism checks the credentials: without them an operation that needs
    // them is refused, and `security: []` is not.
    let anonymous = wireforms_responses_client::Client::new(
        wireforms_responses_client::Config::new(apigen_runtime::Credentials::none())
            .with_base_url(harness.proxy.url()),
    )
    .expect("client");
    for (what, result) in [
        (
            "jobs.get",
            rt.block_on(anonymous.jobs().get("job_1").send())
                .map(|_| ()),
        ),
        (
            "reports.get",
            rt.block_on(anonymous.reports().get("rep_1").send())
                .map(|_| ()),
        ),
        (
            "account.get",
            rt.block_on(anonymous.account().get().send()).map(|_| ()),
        ),
    ] {
        let err = result.expect_err(what);
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(401),
            "{what}: {err:?}"
        );
    }
    ok("health", rt.block_on(anonymous.service().health().send()));
}
