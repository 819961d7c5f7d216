//! The consumer's escape hatches and typed test doubles (issue 13), through
//! both generated clients: raw and streamed responses, errors with headers
//! and a configurable body, extra body fields, default headers and query
//! parameters, derived clients, total deadlines, the connect timeout,
//! manual paging with cycle detection and a page cap, `result: null` /
//! `success: false` / unknown fields, and `test-util`'s `Mocks`.
//!
//! Each case in the table runs once per flavour (async and blocking), as in
//! `cloudflare.rs`; the tests after the table use the scripted `TestServer`
//! (connection counts, a listener that never accepts).

mod support;

use std::io::Read as _;
use std::time::{Duration, Instant};

use apigen_runtime::test_util::Mocks;
use apigen_runtime::{ApiErrorDetail, ClientOptions};
use cloudflare_access_users_client::operations::{UsersGet, UsersList, UsersListParams};
use cloudflare_access_users_client::types::{CreateUserRequest, ResultInfo, User};
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use support::cloudflare::*;
use support::flavored::*;
use support::{ACCOUNT_ID as ACC, TOKEN, USER_ID, ZONE_ID, cf_user, kc_list, kc_user};

support::flavored::flavored_cases! {
    // Raw and streamed responses.
    raw_response_has_status_headers_and_the_undecoded_body,
    raw_response_error_status_is_still_an_api_error,
    streaming_response_reads_a_large_body_in_chunks,
    // Errors with everything.
    errors_keep_headers_and_a_configurable_body,
    unsuccessful_200_keeps_headers_and_details,
    result_null_for_an_object_is_a_decode_error_naming_result,
    unknown_fields_are_ignored_by_the_models_and_seen_raw,
    unknown_fields_are_kept_and_reserialised_when_the_spec_says_keep,
    // Extra request data.
    extra_body_fields_are_merged_into_the_typed_body,
    extra_body_fields_make_a_body_for_an_operation_without_one,
    default_query_and_headers_are_sent_with_every_request,
    // Derived clients.
    with_options_changes_settings_and_keeps_credentials,
    with_options_rejects_a_bad_base_url,
    // Deadlines.
    total_timeout_cuts_a_slow_attempt,
    client_total_timeout_applies_to_every_call,
    total_timeout_stops_retries_whose_wait_would_overrun_it,
    // Manual paging.
    manual_paging_walks_page_numbers,
    cursor_cycle_through_an_earlier_cursor_stops_paging,
    max_pages_caps_pages_items_and_manual_paging,
    // Test doubles.
    mocks_answer_typed_results_and_record_arguments,
    mocks_match_on_arguments_for_a_404,
    mocks_rate_limit_then_success_is_retried_with_the_wait,
    mocks_rate_limit_beyond_the_cap_fails_with_the_wait,
    mocks_sequence_of_pages_drives_pagination,
    mocks_unsuccessful_and_raw_replies_decode_as_production,
    mocks_record_extra_query_and_body,
    mocks_unmatched_call_fails_with_a_config_error,
}

// ---- Helpers -----------------------------------------------------------------

/// A client of the case's flavour with the shared bearer token.
fn client(env: &Env) -> Cloudflare {
    env.cloudflare(env.config(Credentials::bearer(TOKEN)))
}

/// Runs the async block (async flavour) or the blocking block, each with
/// the flavour's client bound to `$c`.
macro_rules! either {
    ($client:expr, |$c:ident| async $a:block blocking $b:block) => {
        match &$client {
            Flavored::Async($c, runtime) => runtime.block_on(async $a),
            Flavored::Blocking($c) => $b,
        }
    };
}

/// `send_raw` with either flavour.
macro_rules! raw {
    ($client:expr, |$c:ident| $call:expr) => {
        either!($client, |$c| async { $call.send_raw().await } blocking { $call.send_raw() })
    };
}

/// `users().get(ACC, USER_ID)` with `send_raw`, either flavour.
fn get_user_raw(client: &Cloudflare) -> Result<apigen_runtime::RawResponse, Error> {
    raw!(client, |c| cf_users!(c).get(ACC, USER_ID))
}

/// The Cloudflare client of this case's flavour, answered by `mocks`.
fn mocked(env: &Env, mocks: &Mocks) -> Cloudflare {
    match env.flavor {
        Flavor::Async => Flavored::Async(
            cloudflare_access_users_client::Client::mocked(mocks).expect("mocked client"),
            env.runtime().handle().clone(),
        ),
        Flavor::Blocking => Flavored::Blocking(
            cloudflare_access_users_blocking::Client::mocked(mocks).expect("mocked client"),
        ),
    }
}

fn user(id: &str) -> User {
    User::new().id(id).email(format!("{id}@example.com"))
}

fn ids(users: &[User]) -> Vec<String> {
    users
        .iter()
        .map(|u| u.id.clone().unwrap_or_default())
        .collect()
}

fn info(page: u64, total_pages: u64) -> ResultInfo {
    ResultInfo::new()
        .page(page as f64)
        .per_page(2.0)
        .total_pages(total_pages as f64)
}

// ---- Raw and streamed responses ----------------------------------------------

fn raw_response_has_status_headers_and_the_undecoded_body(env: &Env) {
    let body = json!({"success": true, "result": {"id": "u1", "brand_new": {"x": 1}}});
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(body.clone()).insert_header("x-undocumented", "yes")),
    );
    let client = client(env);
    let raw = get_user_raw(&client).unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(raw.headers()["x-undocumented"], "yes");
    assert_eq!(raw.json::<Value>().unwrap(), body);
    assert_eq!(raw.attempts(), 1);
    assert!(raw.text().contains("brand_new"));
}

fn raw_response_error_status_is_still_an_api_error(env: &Env) {
    env.mount(
        Mock::given(any()).respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"success": false, "errors": [{"code": 1003, "message": "gone"}], "result": null}))
                .insert_header("x-trace", "t-1"),
        ),
    );
    let client = client(env);
    let err = get_user_raw(&client).unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.kind, ErrorKind::NotFound);
    assert_eq!(api.headers["x-trace"], "t-1");
    assert_eq!(api.details[0].code, Some(1003));
}

fn streaming_response_reads_a_large_body_in_chunks(env: &Env) {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    env.mount(Mock::given(method("GET")).respond_with(
        ResponseTemplate::new(200).set_body_raw(big.clone(), "application/octet-stream"),
    ));
    let client = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            // The whole-body limit does not apply to a stream.
            .with_max_response_bytes(1024),
    );
    let (status, body) = either!(client, |c| async {
        use futures_util::StreamExt as _;
        let response = cf_users!(c).get(ACC, USER_ID).send_streaming().await.unwrap();
        let status = response.status();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        (status, body)
    } blocking {
        let mut response = cf_users!(c).get(ACC, USER_ID).send_streaming().unwrap();
        let status = response.status();
        let mut body = Vec::new();
        response.read_to_end(&mut body).unwrap();
        (status, body)
    });
    assert_eq!(status.as_u16(), 200);
    assert_eq!(body.len(), big.len());
    assert!(body == big);
}

// ---- Errors with everything ----------------------------------------------------

fn errors_keep_headers_and_a_configurable_body(env: &Env) {
    let long_message = "x".repeat(3000);
    env.mount(
        Mock::given(any()).respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"success": false, "errors": [{"code": 9, "message": long_message}], "result": null}))
                .insert_header("x-ratelimit-remaining", "17")
                .insert_header("cf-ray", "ray-1"),
        ),
    );
    // Default: 512 bytes kept, headers kept.
    let client = client(env);
    let err = get_user(&client).unwrap_err();
    let api = api_error(&err);
    assert_eq!(
        api.body.chars().count(),
        apigen_runtime::BODY_SNIPPET_LEN + 1
    );
    assert!(api.body.ends_with('…'));
    assert_eq!(api.headers["x-ratelimit-remaining"], "17");
    assert_eq!(api.request_id.as_deref(), Some("ray-1"));
    assert_eq!(api.details[0].message.len(), 3000);
    // Configured: the whole body.
    let client = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_error_body_limit(8192),
    );
    let err = get_user(&client).unwrap_err();
    let api = api_error(&err);
    assert!(!api.body.ends_with('…'));
    let body: Value = serde_json::from_str(&api.body).expect("the whole body");
    assert_eq!(body["errors"][0]["code"], 9);
    // And per derived client.
    let client = match &client {
        Flavored::Async(c, rt) => Flavored::Async(
            c.with_options(ClientOptions::new().error_body_limit(10))
                .unwrap(),
            rt.clone(),
        ),
        Flavored::Blocking(c) => Flavored::Blocking(
            c.with_options(ClientOptions::new().error_body_limit(10))
                .unwrap(),
        ),
    };
    let err = get_user(&client).unwrap_err();
    assert_eq!(api_error(&err).body.chars().count(), 11);
}

fn unsuccessful_200_keeps_headers_and_details(env: &Env) {
    env.mount(
        Mock::given(any()).respond_with(
            ok(json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}], "messages": [], "result": null}))
                .insert_header("x-why", "because"),
        ),
    );
    let client = client(env);
    let err = get_user(&client).unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.kind, ErrorKind::Unsuccessful);
    assert_eq!(api.status.as_u16(), 200);
    assert_eq!(api.headers["x-why"], "because");
    assert_eq!(api.details[0].code, Some(10000));
}

fn result_null_for_an_object_is_a_decode_error_naming_result(env: &Env) {
    env.mount(
        Mock::given(any()).respond_with(ok(json!({"success": true, "errors": [], "result": null}))),
    );
    let client = client(env);
    let err = get_user(&client).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "result"),
        "{err:?}"
    );
    // The raw response shows what came.
    let raw = get_user_raw(&client).unwrap();
    assert_eq!(raw.json::<Value>().unwrap()["result"], Value::Null);
    // A list's `result: null` is an empty page.
    let page = send!(client, |c| cf_users!(c).list(ACC)).unwrap();
    assert!(page.is_empty());
}

fn unknown_fields_are_ignored_by_the_models_and_seen_raw(env: &Env) {
    let mut body = cf_user("u1");
    body["future_field"] = json!({"nested": [1, 2]});
    env.mount(Mock::given(any()).respond_with(ok(envelope(body))));
    let client = client(env);
    let user = get_user(&client).unwrap();
    assert_eq!(user.id.as_deref(), Some("u1"));
    let raw = get_user_raw(&client).unwrap();
    assert_eq!(
        raw.json::<Value>().unwrap()["result"]["future_field"]["nested"][1],
        2
    );
}

fn unknown_fields_are_kept_and_reserialised_when_the_spec_says_keep(env: &Env) {
    // `x-apigen.unknown-fields: keep` in the Keycard spec.
    let mut body = kc_user("usr_1");
    body["nickname"] = json!("Ada");
    body["role_assignments"] = json!([
        {"role_id": "r1", "role_identifier": "admin", "granted_by": {"id": "usr_0"}}
    ]);
    env.mount(Mock::given(any()).respond_with(ok(body.clone())));
    let client = env.keycard(env.config(Credentials::bearer(TOKEN)));
    let user = send!(client, |c| c.zones().users().retrieve(ZONE_ID, "usr_1"))
        .unwrap()
        .into_inner();
    assert_eq!(user.id, "usr_1");
    assert_eq!(user.additional_properties["nickname"], "Ada");
    let roles = user.role_assignments.as_ref().unwrap();
    assert_eq!(roles[0].additional_properties["granted_by"]["id"], "usr_0");
    assert!(
        !user.additional_properties.contains_key("id"),
        "declared fields stay typed"
    );
    // Re-serialised, nothing the server sent is lost.
    let again = serde_json::to_value(&user).unwrap();
    assert_eq!(again["nickname"], "Ada");
    assert_eq!(again["role_assignments"][0]["granted_by"]["id"], "usr_0");
    // A list page keeps them too (on the page object and on each item).
    let mut page = kc_list(vec![body], None);
    page["next_page_url"] = json!(null);
    env.reset();
    env.mount(Mock::given(any()).respond_with(ok(page)));
    let list = send!(client, |c| c.zones().users().list(ZONE_ID))
        .unwrap()
        .into_inner();
    assert!(list.additional_properties.contains_key("next_page_url"));
    assert_eq!(list.items[0].additional_properties["nickname"], "Ada");
}

// ---- Extra request data ----------------------------------------------------------

fn extra_body_fields_are_merged_into_the_typed_body(env: &Env) {
    env.mount(Mock::given(method("POST")).respond_with(ok(envelope(cf_user("u1")))));
    let client = client(env);
    let body = CreateUserRequest::new("jane@example.com").name("Jane");
    send!(client, |c| cf_users!(c)
        .create(ACC, body.clone())
        .body_field("seat_type", json!("gateway"))
        .body_field("name", json!("Jane Override")))
    .unwrap();
    let request = env.requests().pop().unwrap();
    assert_eq!(
        json_body(&request),
        json!({"email": "jane@example.com", "name": "Jane Override", "seat_type": "gateway"})
    );
    assert_eq!(header(&request, "content-type"), Some("application/json"));
}

fn extra_body_fields_make_a_body_for_an_operation_without_one(env: &Env) {
    env.mount(Mock::given(method("DELETE")).respond_with(ok(envelope(json!({"id": "u1"})))));
    let client = client(env);
    let mut extra = serde_json::Map::new();
    extra.insert("reason".into(), json!("offboarding"));
    send!(client, |c| cf_users!(c)
        .delete(ACC, USER_ID)
        .extra_body(extra.clone()))
    .unwrap();
    let request = env.requests().pop().unwrap();
    assert_eq!(json_body(&request), json!({"reason": "offboarding"}));
}

fn default_query_and_headers_are_sent_with_every_request(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!([])))));
    let client = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_header("x-team", "billing")
            .with_query("account_tag", "blue"),
    );
    send!(client, |c| cf_users!(c)
        .list(ACC)
        .params(UsersListParams::new().page(2))
        .query("extra", "1"))
    .unwrap();
    get_user(&client).unwrap();
    let requests = env.requests();
    assert_eq!(
        query(&requests[0]),
        pairs(&[("page", "2"), ("account_tag", "blue"), ("extra", "1")])
    );
    assert_eq!(query(&requests[1]), pairs(&[("account_tag", "blue")]));
    for request in &requests {
        assert_eq!(header(request, "x-team"), Some("billing"));
    }
}

// ---- Derived clients ---------------------------------------------------------------

fn with_options_changes_settings_and_keeps_credentials(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(format!("/v2{}", user_path())))
            .respond_with(ResponseTemplate::new(503)),
    );
    env.mount(Mock::given(any()).respond_with(ok(envelope(cf_user("u1")))));
    let client = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_header("x-team", "a"),
    );
    let options = ClientOptions::new()
        .base_url(format!("{}/v2", env.uri()))
        .max_retries(0)
        .header("x-team", "b")
        .query("q", "1");
    let derived = match &client {
        Flavored::Async(c, rt) => Flavored::Async(c.with_options(options).unwrap(), rt.clone()),
        Flavored::Blocking(c) => Flavored::Blocking(c.with_options(options).unwrap()),
    };
    let err = get_user(&derived).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    // The original is unchanged.
    get_user(&client).unwrap();
    let requests = env.requests();
    assert_eq!(requests.len(), 2, "no retry on the derived client");
    assert_eq!(requests[0].url.path(), format!("/v2{}", user_path()));
    assert_eq!(header(&requests[0], "x-team"), Some("b"));
    assert_eq!(header_all(&requests[0], "x-team").len(), 1);
    assert_eq!(query(&requests[0]), pairs(&[("q", "1")]));
    assert_eq!(requests[1].url.path(), user_path());
    assert_eq!(header(&requests[1], "x-team"), Some("a"));
    for request in &requests {
        assert_eq!(
            header(request, "authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

fn with_options_rejects_a_bad_base_url(env: &Env) {
    let client = client(env);
    let options = ClientOptions::new().base_url("ftp://example.com?x=1");
    let err = match &client {
        Flavored::Async(c, _) => c.with_options(options).map(|_| ()),
        Flavored::Blocking(c) => c.with_options(options).map(|_| ()),
    }
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

// ---- Deadlines -----------------------------------------------------------------------

fn total_timeout_cuts_a_slow_attempt(env: &Env) {
    env.mount(
        Mock::given(any())
            .respond_with(ok(envelope(cf_user("u1"))).set_delay(Duration::from_secs(3))),
    );
    let client = client(env);
    let started = Instant::now();
    let err = send!(client, |c| cf_users!(c)
        .get(ACC, USER_ID)
        .total_timeout(Duration::from_millis(300)))
    .unwrap_err();
    assert!(
        matches!(err, Error::Deadline { deadline, .. } if deadline == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_retryable());
}

fn client_total_timeout_applies_to_every_call(env: &Env) {
    env.mount(
        Mock::given(any())
            .respond_with(ok(envelope(cf_user("u1"))).set_delay(Duration::from_secs(3))),
    );
    let client = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_total_timeout(Duration::from_millis(250)),
    );
    let started = Instant::now();
    let err = get_user(&client).unwrap_err();
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn total_timeout_stops_retries_whose_wait_would_overrun_it(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ResponseTemplate::new(503)));
    // Backoff starts at 0.5 s: the first wait would end past a 300 ms
    // deadline, so the 503 itself is returned after one attempt.
    let client = client(env);
    let get_within = |deadline: Duration| {
        send!(client, |c| cf_users!(c)
            .get(ACC, USER_ID)
            .total_timeout(deadline))
    };
    let err = get_within(Duration::from_millis(300)).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(env.requests().len(), 1);
    assert!(env.sleeper.sleeps().is_empty());
    // With room for the waits, the retries happen as usual.
    let err = get_within(Duration::from_secs(30)).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(env.requests().len(), 4);
}

// ---- Manual paging -------------------------------------------------------------------

fn cf_page_mock(page: u64, ids: &[&str], total_pages: u64) -> Mock {
    let users: Vec<Value> = ids.iter().map(|id| cf_user(id)).collect();
    Mock::given(method("GET"))
        .and(path(users_path()))
        .and(query_param("page", page.to_string()))
        .respond_with(ok(json!({
            "success": true, "errors": [], "messages": [], "result": users,
            "result_info": {"page": page, "per_page": 2, "total_pages": total_pages}
        })))
}

fn manual_paging_walks_page_numbers(env: &Env) {
    env.mount(cf_page_mock(1, &["u1", "u2"], 3));
    env.mount(cf_page_mock(2, &["u3", "u4"], 3));
    env.mount(cf_page_mock(3, &["u5"], 3));
    let client = client(env);
    let seen: Vec<(Vec<String>, bool)> = either!(client, |c| async {
        let mut seen = Vec::new();
        let mut page = cf_users!(c).list(ACC).page().await.unwrap();
        loop {
            seen.push((ids(&page), page.has_next_page()));
            match page.next_page().await.unwrap() {
                Some(next) => page = next,
                None => break,
            }
        }
        seen
    } blocking {
        let mut seen = Vec::new();
        let mut page = cf_users!(c).list(ACC).page().unwrap();
        loop {
            seen.push((ids(&page), page.has_next_page()));
            match page.next_page().unwrap() {
                Some(next) => page = next,
                None => break,
            }
        }
        seen
    });
    assert_eq!(
        seen,
        vec![
            (vec!["u1".to_owned(), "u2".to_owned()], true),
            (vec!["u3".to_owned(), "u4".to_owned()], true),
            (vec!["u5".to_owned()], false),
        ]
    );
    assert_eq!(env.requests().len(), 3);
}

fn kc_page(sent: Option<&str>, ids: &[&str], next: Option<&str>) -> Mock {
    let mock = Mock::given(method("GET")).and(path(format!("/zones/{ZONE_ID}/users")));
    let mock = match sent {
        Some(cursor) => mock.and(query_param("after", cursor)),
        None => mock.and(query_param_is_missing("after")),
    };
    mock.respond_with(ok(kc_list(
        ids.iter().map(|id| kc_user(id)).collect(),
        next,
    )))
}

fn cursor_cycle_through_an_earlier_cursor_stops_paging(env: &Env) {
    env.mount(kc_page(None, &["a"], Some("A")));
    env.mount(kc_page(Some("A"), &["b"], Some("B")));
    // B points back at A: following it would loop for ever.
    env.mount(kc_page(Some("B"), &["c"], Some("A")));
    let client = env.keycard(env.config(Credentials::bearer(TOKEN)));
    let users = oks(items!(client, ALL, |c| c.zones().users().list(ZONE_ID)));
    let got: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(env.requests().len(), 3);
}

fn max_pages_caps_pages_items_and_manual_paging(env: &Env) {
    env.mount(cf_page_mock(1, &["u1", "u2"], 3));
    env.mount(cf_page_mock(2, &["u3", "u4"], 3));
    env.mount(cf_page_mock(3, &["u5"], 3));
    let client = client(env);
    let pages = pages!(client, |c| cf_users!(c).list(ACC).max_pages(2));
    assert_eq!(pages.len(), 2);
    let items = oks(items!(client, ALL, |c| cf_users!(c).list(ACC).max_pages(1)));
    assert_eq!(ids(&items), ["u1", "u2"]);
    let has_next = either!(client, |c| async {
        let page = cf_users!(c).list(ACC).max_pages(1).page().await.unwrap();
        page.has_next_page()
    } blocking {
        let page = cf_users!(c).list(ACC).max_pages(1).page().unwrap();
        page.has_next_page()
    });
    assert!(!has_next);
    assert_eq!(env.requests().len(), 2 + 1 + 1);
}

// ---- Test doubles ------------------------------------------------------------------------

fn mocks_answer_typed_results_and_record_arguments(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks.on::<UsersGet>().then_ok(user("u1"));
    let client = mocked(env, &mocks);
    let got = send!(client, |c| cf_users!(c).get(ACC, "u1")).unwrap();
    assert_eq!(got.id.as_deref(), Some("u1"));
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(mocks.calls::<UsersGet>(), [UsersGet::new(ACC, "u1")]);
    let request = &mocks.requests()[0];
    assert_eq!(request.method, "GET");
    assert!(
        request
            .url
            .ends_with(&format!("/accounts/{ACC}/access/users/u1")),
        "{}",
        request.url
    );
    assert!(mocks.unused_rules().is_empty());
}

fn mocks_match_on_arguments_for_a_404(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersGet>()
        .when(|op| op.user_id == "missing")
        .then_error(404, [ApiErrorDetail::new("User not found")]);
    let _ = mocks.on::<UsersGet>().then_ok(user("u1"));
    let client = mocked(env, &mocks);
    let err = send!(client, |c| cf_users!(c).get(ACC, "missing")).unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.kind, ErrorKind::NotFound);
    assert_eq!(api.message(), Some("User not found"));
    send!(client, |c| cf_users!(c).get(ACC, "u1")).unwrap();
    let called: Vec<String> = mocks
        .calls::<UsersGet>()
        .into_iter()
        .map(|op| op.user_id)
        .collect();
    assert_eq!(called, ["missing", "u1"]);
}

fn mocks_rate_limit_then_success_is_retried_with_the_wait(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersGet>()
        .then_rate_limited(Duration::from_secs(2))
        .then_ok(user("u1"));
    let client = mocked(env, &mocks);
    let got = send!(client, |c| cf_users!(c).get(ACC, "u1")).unwrap();
    assert_eq!(got.attempts(), 2);
    assert_eq!(mocks.sleeps(), [Duration::from_secs(2)]);
    assert_eq!(mocks.request_count(), 2);
}

fn mocks_rate_limit_beyond_the_cap_fails_with_the_wait(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersGet>()
        .then_rate_limited(Duration::from_secs(300));
    let client = mocked(env, &mocks);
    let err = send!(client, |c| cf_users!(c).get(ACC, "u1")).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
    assert_eq!(mocks.request_count(), 1);
    assert!(mocks.sleeps().is_empty());
}

fn mocks_sequence_of_pages_drives_pagination(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersList>()
        .then_page(vec![user("u1"), user("u2")], info(1, 2))
        .then_page(vec![user("u3")], info(2, 2));
    let client = mocked(env, &mocks);
    let users = oks(items!(client, ALL, |c| cf_users!(c).list(ACC)));
    assert_eq!(ids(&users), ["u1", "u2", "u3"]);
    let pages: Vec<Option<i64>> = mocks
        .calls::<UsersList>()
        .into_iter()
        .map(|op| op.params.page)
        .collect();
    assert_eq!(pages, [Some(1), Some(2)]);
}

fn mocks_unsuccessful_and_raw_replies_decode_as_production(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersGet>()
        .when(|op| op.user_id == "flaky")
        .then_unsuccessful([ApiErrorDetail::new("temporarily unavailable")]);
    let _ = mocks.on::<UsersGet>().then_http(
        200,
        &[("content-type", "application/json")],
        r#"{"success":true,"result":null}"#,
    );
    let client = mocked(env, &mocks);
    let err = send!(client, |c| cf_users!(c).get(ACC, "flaky")).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Unsuccessful));
    let err = send!(client, |c| cf_users!(c).get(ACC, "u1")).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "result"),
        "{err:?}"
    );
}

fn mocks_record_extra_query_and_body(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<cloudflare_access_users_client::operations::UsersCreate>()
        .then_ok(user("u1"));
    let client = mocked(env, &mocks);
    let body = CreateUserRequest::new("a@example.com");
    send!(client, |c| cf_users!(c)
        .create(ACC, body.clone())
        .query("dry_run", "true")
        .body_field("seat", json!(true)))
    .unwrap();
    let request = &mocks.requests()[0];
    assert_eq!(request.query(), pairs(&[("dry_run", "true")]));
    assert_eq!(
        request.json_body(),
        json!({"email": "a@example.com", "seat": true})
    );
    assert_eq!(
        mocks.calls::<cloudflare_access_users_client::operations::UsersCreate>()[0].body,
        body
    );
}

fn mocks_unmatched_call_fails_with_a_config_error(env: &Env) {
    let mocks = Mocks::new();
    let _ = mocks
        .on::<UsersGet>()
        .when(|op| op.user_id == "known")
        .then_ok(user("known"));
    let client = mocked(env, &mocks);
    let err = send!(client, |c| cf_users!(c).get(ACC, "other")).unwrap_err();
    assert!(
        matches!(&err, Error::Config { message, .. } if message.contains("zero-trust-users-get-user")),
        "{err:?}"
    );
    // Recorded anyway, and the unused rule is reported.
    assert_eq!(mocks.calls::<UsersGet>().len(), 1);
    assert_eq!(mocks.unused_rules(), [0]);
}

// ---- Against the scripted server ---------------------------------------------------------

/// The options of the derived clients below.
fn derived_options() -> ClientOptions {
    ClientOptions::new()
        .timeout(Duration::from_secs(5))
        .header("x-d", "1")
}

/// A derived client sends through the same connection pool: sequential
/// calls from both reuse a connection (checked to fail when `derive` builds
/// a transport of its own).
#[test]
fn derived_clients_share_the_connection_pool() {
    use support::{Reply, TestServer};
    for flavor in [Flavor::Async, Flavor::Blocking] {
        let server =
            TestServer::start(|_, _| Reply::json(200, &support::cf_envelope(cf_user("u1"))));
        let sleeper = support::RecordingSleeper::default();
        let config = support::test_config(&server.url(), &sleeper);
        match flavor {
            Flavor::Async => {
                let rt = support::client_runtime();
                let client = cloudflare_access_users_client::Client::new(config).unwrap();
                let derived = client.with_options(derived_options()).unwrap();
                for c in [&client, &derived, &client, &derived] {
                    support::cf_get_user(&rt, c).unwrap();
                }
            }
            Flavor::Blocking => {
                let client = cloudflare_access_users_blocking::Client::new(config).unwrap();
                let derived = client.with_options(derived_options()).unwrap();
                for c in [&client, &derived, &client, &derived] {
                    cf_users!(c).get(ACC, USER_ID).send().unwrap();
                }
            }
        }
        assert_eq!(server.request_count(), 4, "{flavor:?}");
        let requests = server.requests();
        let with_header = requests
            .iter()
            .filter(|r| r.header("x-d").is_some())
            .count();
        assert_eq!(with_header, 2, "{flavor:?}");
        // Separate pools could never send both clients' requests over one
        // connection. (Counting connections is not enough: on a loaded
        // machine a call can start before the previous connection is back
        // in the pool, and the shared pool then opens a second one.)
        let shared = requests.iter().any(|a| {
            requests.iter().any(|b| {
                a.connection == b.connection
                    && a.header("x-d").is_some() != b.header("x-d").is_some()
            })
        });
        assert!(
            shared,
            "{flavor:?}: no connection carried both clients' requests"
        );
    }
}

/// A listener whose accept queue is full, so that a new connection is never
/// established: the client's connect timeout is what ends the attempt.
struct Unconnectable {
    _listener: tokio::net::TcpListener,
    _filler: std::net::TcpStream,
    url: String,
    _runtime: tokio::runtime::Runtime,
}

fn unconnectable() -> Unconnectable {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(0).unwrap()
    });
    let addr = listener.local_addr().unwrap();
    let filler = std::net::TcpStream::connect(addr).unwrap();
    Unconnectable {
        _listener: listener,
        _filler: filler,
        url: format!("http://{addr}"),
        _runtime: runtime,
    }
}

/// `users().get` through the async client made from `config`: the error
/// and how long it took.
fn get_user_async(config: Config) -> (Error, Duration) {
    let rt = support::client_runtime();
    let client = cloudflare_access_users_client::Client::new(config).unwrap();
    let started = Instant::now();
    let err = support::cf_get_user(&rt, &client).unwrap_err();
    (err, started.elapsed())
}

/// The same through the blocking client.
fn get_user_blocking(config: Config) -> (Error, Duration) {
    let client = cloudflare_access_users_blocking::Client::new(config).unwrap();
    let started = Instant::now();
    let err = cf_users!(client).get(ACC, USER_ID).send().unwrap_err();
    (err, started.elapsed())
}

fn bearer_config(target: &Unconnectable) -> Config {
    Config::new(Credentials::bearer(TOKEN))
        .with_base_url(&target.url)
        .with_max_retries(0)
}

#[test]
fn connect_timeout_is_applied_in_both_clients() {
    let target = unconnectable();
    let config = || {
        bearer_config(&target)
            .with_connect_timeout(Duration::from_millis(200))
            .with_timeout(Duration::from_secs(20))
    };
    for (err, elapsed) in [get_user_async(config()), get_user_blocking(config())] {
        assert!(
            matches!(err, Error::Transport { connect: true, .. }),
            "{err:?}"
        );
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    }
}

/// A caller's own `reqwest::Client`, without redirects, with or without a
/// connect timeout.
fn callers_reqwest(connect_timeout: Option<Duration>) -> apigen_runtime::reqwest::Client {
    let mut builder = apigen_runtime::reqwest::Client::builder()
        .redirect(apigen_runtime::reqwest::redirect::Policy::none());
    if let Some(timeout) = connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    builder.build().unwrap()
}

/// A caller's own `reqwest::Client` keeps its own connect timeout (the
/// runtime cannot change it); the per-attempt timeout and the deadline
/// still bound connecting.
#[test]
fn connect_timeout_with_a_caller_supplied_reqwest_client() {
    let target = unconnectable();
    let (err, elapsed) = get_user_async(
        bearer_config(&target)
            .with_http_client(callers_reqwest(Some(Duration::from_millis(200))))
            .with_timeout(Duration::from_secs(20)),
    );
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_secs(5));

    // Without a connect timeout on that client, the deadline ends it.
    let (err, elapsed) = get_user_async(
        bearer_config(&target)
            .with_http_client(callers_reqwest(None))
            .with_total_timeout(Duration::from_millis(300)),
    );
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
    assert!(elapsed < Duration::from_secs(5));
}
