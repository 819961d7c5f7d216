//! Behaviour tests of the generated Cloudflare Access Users clients
//! (`cloudflare-access-users-client` and `-blocking`) against a local
//! wiremock server: every operation, both auth schemes, `from_env`,
//! pagination, retries and errors.
//!
//! Each case in the table below runs twice, once per flavour (see
//! `common/mod.rs`); the few tests after the table are about one flavour or
//! about configuration only.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use cloudflare_access_users_client::operations::UsersListParams;
use cloudflare_access_users_client::types::{
    ActiveSession, ActiveSessionApp, ActiveSessionMetadata, CreateUserRequest, FailedLogin,
    IdentityDevicePosture, IdentityDevicePostureCheck, IdentityDeviceSession, IdentityIdp,
    IdentityMtlsAuth, ResultInfo, UpdateUserRequest, User, UserPolicyCheckGeo,
};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use support::cloudflare::*;
use support::flavored::*;
use support::{percent_decode, secs};

support::flavored::flavored_cases! {
    // Every operation: request sent, result decoded.
    users_list_sends_filters_and_decodes_the_page,
    users_list_without_params_sends_no_query,
    users_get_decodes_every_user_field,
    users_get_percent_encodes_path_parameters,
    users_create_posts_the_json_body,
    users_create_omits_an_unset_name,
    users_update_puts_the_json_body,
    users_delete_sends_no_body_and_unwraps_the_result,
    active_sessions_list_decodes_sessions_and_result_info,
    active_sessions_get_decodes_the_session_detail,
    last_seen_identity_get_decodes_the_identity,
    failed_logins_list_decodes_the_attempts,
    per_call_header_and_query_are_sent,
    path_and_query_values_round_trip,
    single_object_envelope_ignores_result_info_and_messages,
    // Auth.
    every_operation_sends_the_bearer_token,
    email_and_key_are_sent_as_two_headers,
    from_env_api_token_configures_the_client,
    from_env_email_and_key_configure_the_client,
    from_env_prefers_the_token_over_email_and_key,
    // Pagination.
    items_walk_page_numbers_until_total_pages,
    pages_yield_each_response_with_its_result_info,
    pagination_starts_at_the_requested_page,
    items_stop_on_an_empty_page,
    pagination_stops_when_the_server_repeats_a_page,
    items_are_fetched_lazily,
    single_page_lists_yield_one_page,
    pagination_ends_after_an_error,
    // Retries.
    retries_503_twice_with_exponential_backoff,
    retry_after_is_honoured,
    create_is_not_retried_on_500,
    create_is_retried_on_503_with_the_same_body,
    retry_after_beyond_the_cap_fails_at_once_with_the_wait,
    retries_are_bounded_by_max_retries,
    // Errors.
    error_statuses_map_to_kinds_with_details,
    success_false_with_200_is_unsuccessful,
    decode_error_names_the_json_path,
    non_json_bodies_are_reported,
    list_envelope_without_result_is_an_empty_page,
}

// ---- Fixtures ----------------------------------------------------------------

const API: &str = "cloudflare-access-users";
const ACC: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const USER_ID: &str = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";
const TOKEN: &str = "cf-token-Y2xvdWRmbGFyZS10b2tlbg";
const EMAIL: &str = "admin@example.com";
const KEY: &str = "c2547eb745079dac9320b638f5e225cf483cc5cfdda41";

/// A client of the case's flavour with a bearer token.
fn client(env: &Env) -> Cloudflare {
    env.cloudflare(env.config(Credentials::bearer(TOKEN)))
}

fn sub_path(what: &str) -> String {
    format!("/accounts/{ACC}/access/users/{USER_ID}/{what}")
}

/// A full user as the API sends it.
fn user_json(id: &str, email: &str) -> Value {
    json!({
        "id": id,
        "access_seat": false,
        "active_device_count": 2,
        "created_at": "2014-01-01T05:20:00.12345Z",
        "email": email,
        "gateway_seat": true,
        "last_successful_login": "2020-07-01T05:20:00Z",
        "name": "Jane Doe",
        "seat_uid": "seat_uid",
        "uid": "uid",
        "updated_at": "2014-01-02T06:00:00Z"
    })
}

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::TimeDelta::microseconds(micros)
}

/// The typed form of [`user_json`].
fn expected_user(id: &str, email: &str) -> User {
    User::new()
        .id(id)
        .access_seat(false)
        .active_device_count(2.0)
        .created_at(ts(2014, 1, 1, 5, 20, 0, 123_450))
        .email(email)
        .gateway_seat(true)
        .last_successful_login(ts(2020, 7, 1, 5, 20, 0, 0))
        .name("Jane Doe")
        .seat_uid("seat_uid")
        .uid("uid")
        .updated_at(ts(2014, 1, 2, 6, 0, 0, 0))
}

/// Users `u{first}`..`u{first+n-1}`.
fn users_json(first: usize, n: usize) -> Vec<Value> {
    (first..first + n)
        .map(|i| user_json(&format!("u{i}"), &format!("u{i}@example.com")))
        .collect()
}

fn ids(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.clone().unwrap()).collect()
}

fn list_envelope(result: Vec<Value>, info: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result, "result_info": info})
}

fn failure(code: i64, message: &str) -> Value {
    json!({
        "success": false,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": null
    })
}

/// A page of the user list: `n` users starting at `first`.
fn page_mock(page: u64, first: usize, n: usize, total_pages: Option<u64>) -> Mock {
    let mut info = json!({"page": page, "per_page": 2, "count": n});
    if let Some(total) = total_pages {
        info["total_pages"] = json!(total);
    }
    Mock::given(method("GET"))
        .and(path(users_path()))
        .and(query_param("page", page.to_string()))
        .respond_with(ok(list_envelope(users_json(first, n), info)))
}

fn assert_bearer(request: &wiremock::Request) {
    assert_eq!(
        header(request, "authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(header(request, "x-auth-email"), None);
    assert_eq!(header(request, "x-auth-key"), None);
}

/// The first request the server received, after checking what every
/// request of this client carries: `method`, the bearer token, and the
/// common headers (with a JSON body only for `POST` and `PUT`).
fn first_request(env: &Env, method: &str) -> wiremock::Request {
    let request = env.requests().into_iter().next().expect("a request");
    assert_eq!(request.method.as_str(), method);
    assert_bearer(&request);
    assert_common_headers(&request, API, matches!(method, "POST" | "PUT"));
    request
}

/// `users().list(ACC, …)` without parameters: the first page.
fn list_users(cf: &Cloudflare) -> Result<Response<Vec<User>, ResultInfo>, Error> {
    send!(cf, |c| cf_users!(c).list(ACC))
}

fn page_numbers(env: &Env) -> Vec<String> {
    env.requests_to(&users_path())
        .iter()
        .map(|r| query_values(r, "page").join(","))
        .collect()
}

// ---- Operations ----------------------------------------------------------------

fn users_list_sends_filters_and_decodes_the_page(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(list_envelope(
                vec![
                    user_json("u1", "jane+x@example.com"),
                    user_json("u2", "b@example.com"),
                ],
                json!({"count": 2, "page": 2, "per_page": 50, "total_count": 7, "total_pages": 4}),
            )))
            .expect(1),
    );
    let cf = client(env);
    let params = UsersListParams::new()
        .name("Jane Doe")
        .email("jane+x@example.com")
        .search("a&b=c/d?")
        .page(2)
        .per_page(50);
    // `.params(…)` replaces what an earlier `.params(…)` set.
    let page = send!(cf, |c| cf_users!(c)
        .list(ACC)
        .params(UsersListParams::new().name("replaced").per_page(1))
        .params(params))
    .unwrap();

    let request = &first_request(env, "GET");
    assert_eq!(request.url.path(), users_path());
    assert_eq!(
        query(request),
        pairs(&[
            ("name", "Jane Doe"),
            ("email", "jane+x@example.com"),
            ("search", "a&b=c/d?"),
            ("page", "2"),
            ("per_page", "50"),
        ])
    );
    // Reserved characters are percent-encoded, never sent raw.
    assert_eq!(
        request.url.query(),
        Some(
            "name=Jane%20Doe&email=jane%2Bx%40example.com&search=a%26b%3Dc%2Fd%3F&page=2&per_page=50"
        )
    );

    // The envelope is unwrapped: the output is the `result` array and
    // `result_info` is the metadata.
    assert_eq!(page.status(), 200);
    assert_eq!(page.attempts(), 1);
    assert_eq!(
        *page,
        vec![
            expected_user("u1", "jane+x@example.com"),
            expected_user("u2", "b@example.com")
        ]
    );
    assert_eq!(
        page.meta(),
        Some(
            &ResultInfo::new()
                .count(2.0)
                .page(2.0)
                .per_page(50.0)
                .total_count(7.0)
                .total_pages(4.0)
        )
    );
}

fn users_list_without_params_sends_no_query(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(envelope(json!([])))),
    );
    let cf = client(env);
    let page = list_users(&cf).unwrap();
    assert!(page.is_empty());
    assert_eq!(page.meta(), None, "no result_info, no meta");
    assert_eq!(env.requests()[0].url.query(), None);
}

fn users_get_decodes_every_user_field(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(
                ok(envelope(user_json(USER_ID, "jdoe@example.com")))
                    .insert_header("cf-ray", "8a1b2c3d4e5f6789-LHR"),
            )
            .expect(1),
    );
    let cf = client(env);
    let user = get_user(&cf).unwrap();
    assert_eq!(user.status(), 200);
    assert_eq!(user.request_id(), Some("8a1b2c3d4e5f6789-LHR"));
    assert_eq!(*user, expected_user(USER_ID, "jdoe@example.com"));

    let request = &first_request(env, "GET");
    assert_eq!(request.url.query(), None);
}

fn users_get_percent_encodes_path_parameters(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    let cf = client(env);
    let user = send!(cf, |c| cf_users!(c).get("acc/../x", "a b?c#d%2F")).unwrap();
    assert_eq!(user.id.as_deref(), Some("x"));
    assert_eq!(
        env.requests()[0].url.path(),
        "/accounts/acc%2F..%2Fx/access/users/a%20b%3Fc%23d%252F"
    );

    // A dot segment is refused before anything is sent.
    let error = expect_err(send!(cf, |c| cf_users!(c).get(ACC, "..")));
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert_eq!(env.requests().len(), 1);
}

fn users_create_posts_the_json_body(env: &Env) {
    env.mount(
        Mock::given(method("POST"))
            .and(path(users_path()))
            .and(body_json(
                json!({"email": "jdoe@example.com", "name": "Jane Doe"}),
            ))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(envelope(user_json(USER_ID, "jdoe@example.com"))),
            )
            .expect(1),
    );
    let cf = client(env);
    let body = CreateUserRequest::new("jdoe@example.com").name("Jane Doe");
    let created = send!(cf, |c| cf_users!(c).create(ACC, body)).unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(*created, expected_user(USER_ID, "jdoe@example.com"));

    let request = &first_request(env, "POST");
    assert_eq!(request.url.path(), users_path());
    assert_eq!(
        json_body(request),
        json!({"email": "jdoe@example.com", "name": "Jane Doe"})
    );
}

fn users_create_omits_an_unset_name(env: &Env) {
    env.mount(
        Mock::given(method("POST"))
            .and(path(users_path()))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(envelope(json!({"email": "n@x.io"}))),
            ),
    );
    let cf = client(env);
    let body = CreateUserRequest::new("n@x.io");
    let created = send!(cf, |c| cf_users!(c).create(ACC, body)).unwrap();
    assert_eq!(created.email.as_deref(), Some("n@x.io"));
    assert_eq!(created.name, None);
    assert_eq!(json_body(&env.requests()[0]), json!({"email": "n@x.io"}));
}

fn users_update_puts_the_json_body(env: &Env) {
    let mut renamed = user_json(USER_ID, "jdoe@example.com");
    renamed["name"] = json!("Jane Q. Doe");
    env.mount(
        Mock::given(method("PUT"))
            .and(path(user_path()))
            .respond_with(ok(envelope(renamed)))
            .expect(1),
    );
    let cf = client(env);
    let body = UpdateUserRequest::new("jdoe@example.com", "Jane Q. Doe");
    let updated = send!(cf, |c| cf_users!(c).update(ACC, USER_ID, body)).unwrap();
    assert_eq!(updated.status(), 200);
    assert_eq!(updated.name.as_deref(), Some("Jane Q. Doe"));
    assert_eq!(updated.id.as_deref(), Some(USER_ID));

    let request = &first_request(env, "PUT");
    assert_eq!(request.url.path(), user_path());
    assert_eq!(
        json_body(request),
        json!({"email": "jdoe@example.com", "name": "Jane Q. Doe"})
    );
}

fn users_delete_sends_no_body_and_unwraps_the_result(env: &Env) {
    env.mount(
        Mock::given(method("DELETE"))
            .and(path(user_path()))
            .respond_with(
                ResponseTemplate::new(202).set_body_json(envelope(json!({"id": USER_ID}))),
            )
            .expect(1),
    );
    let cf = client(env);
    let deleted = send!(cf, |c| cf_users!(c).delete(ACC, USER_ID)).unwrap();
    assert_eq!(deleted.status(), 202);
    assert_eq!(*deleted, json!({"id": USER_ID}));

    first_request(env, "DELETE");

    // The spec's example: `result: {}`; and a `null` result.
    env.reset();
    env.mount(
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(202).set_body_json(envelope(json!({})))),
    );
    let deleted = send!(cf, |c| cf_users!(c).delete(ACC, USER_ID)).unwrap();
    assert_eq!(*deleted, json!({}));
    env.reset();
    env.mount(
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(202).set_body_json(envelope(Value::Null))),
    );
    let deleted = send!(cf, |c| cf_users!(c).delete(ACC, USER_ID)).unwrap();
    assert_eq!(*deleted, Value::Null);
}

fn active_sessions_list_decodes_sessions_and_result_info(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("active_sessions")))
            .respond_with(ok(list_envelope(
                vec![json!({
                    "expiration": 1_694_813_506,
                    "name": "sess-1",
                    "metadata": {
                        "apps": {
                            "app-uid-1": {
                                "hostname": "test.example.com",
                                "name": "app name",
                                "type": "self_hosted",
                                "uid": "app-uid-1"
                            }
                        },
                        "expires": 1_694_813_506,
                        "iat": 1_694_791_905,
                        "nonce": "X1aXj1lFVcqqyoXF",
                        "ttl": 21600
                    }
                })],
                json!({"count": 1, "page": 1, "per_page": 20, "total_count": 1}),
            )))
            .expect(1),
    );
    let cf = client(env);
    let sessions = send!(cf, |c| cf_users!(c).active_sessions().list(ACC, USER_ID)).unwrap();
    let request = &first_request(env, "GET");
    assert_eq!(request.url.query(), None);

    assert_eq!(sessions.status(), 200);
    assert_eq!(
        *sessions,
        vec![
            ActiveSession::new()
                .expiration(1_694_813_506)
                .name("sess-1")
                .metadata(
                    ActiveSessionMetadata::new()
                        .apps(BTreeMap::from([(
                            "app-uid-1".to_owned(),
                            ActiveSessionApp::new()
                                .hostname("test.example.com")
                                .name("app name")
                                .type_("self_hosted")
                                .uid("app-uid-1")
                        )]))
                        .expires(1_694_813_506)
                        .iat(1_694_791_905)
                        .nonce("X1aXj1lFVcqqyoXF")
                        .ttl(21600)
                )
        ]
    );
    let meta = sessions.meta().expect("result_info");
    assert_eq!(meta.count, Some(1.0));
    assert_eq!(meta.per_page, Some(20.0));
    assert_eq!(meta.total_pages, None);
}

fn identity_json(extra: Value) -> Value {
    let mut identity = json!({
        "account_id": "1234567890",
        "auth_status": "NONE",
        "common_name": "",
        "device_id": "dev-1",
        "device_sessions": {"dev-1": {"last_authenticated": 1_638_832_687.5}},
        "devicePosture": {
            "rule-1": {
                "id": "rule-1",
                "check": {"exists": true, "path": "/usr/bin/tool"},
                "data": {"k": [1, 2]},
                "description": "tool installed",
                "error": "",
                "rule_name": "Tool",
                "success": true,
                "timestamp": "2023-01-01T00:00:00Z",
                "type": "file"
            }
        },
        "email": "test@cloudflare.com",
        "geo": {"country": "US"},
        "iat": 1_694_791_905.0,
        "idp": {"id": "idp-1", "type": "okta"},
        "ip": "127.0.0.0",
        "is_gateway": false,
        "is_warp": true,
        "mtls_auth": {
            "auth_status": "OK",
            "cert_issuer_dn": "CN=ca",
            "cert_issuer_ski": "ski",
            "cert_presented": true,
            "cert_serial": "01"
        },
        "service_token_id": "",
        "service_token_status": false,
        "user_uuid": USER_ID,
        "version": 2
    });
    if let (Value::Object(identity), Value::Object(extra)) = (&mut identity, extra) {
        identity.extend(extra);
    }
    identity
}

fn active_sessions_get_decodes_the_session_detail(env: &Env) {
    let nonce = "X1aXj1lFVcqqyoXF";
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path(&format!("active_sessions/{nonce}"))))
            .respond_with(ok(envelope(identity_json(json!({"isActive": true})))))
            .expect(1),
    );
    let cf = client(env);
    let detail = send!(cf, |c| cf_users!(c)
        .active_sessions()
        .get(ACC, USER_ID, nonce))
    .unwrap();
    first_request(env, "GET");

    assert_eq!(detail.status(), 200);
    assert_eq!(detail.is_active, Some(true));
    assert_eq!(detail.account_id.as_deref(), Some("1234567890"));
    assert_eq!(detail.email.as_deref(), Some("test@cloudflare.com"));
    assert_eq!(detail.user_uuid.as_deref(), Some(USER_ID));
    assert_eq!(detail.is_warp, Some(true));
    assert_eq!(detail.version, Some(2.0));
    assert_eq!(detail.geo, Some(UserPolicyCheckGeo::new().country("US")));
    let posture = &detail.device_posture.as_ref().expect("devicePosture")["rule-1"];
    assert_eq!(posture.success, Some(true));
    assert_eq!(posture.type_.as_deref(), Some("file"));
    assert_eq!(
        posture.check,
        Some(
            IdentityDevicePostureCheck::new()
                .exists(true)
                .path("/usr/bin/tool")
        )
    );
    assert_eq!(
        detail.device_sessions.as_ref().expect("device_sessions")["dev-1"],
        IdentityDeviceSession::new().last_authenticated(1_638_832_687.5)
    );
}

fn last_seen_identity_get_decodes_the_identity(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("last_seen_identity")))
            .respond_with(ok(envelope(identity_json(json!({})))))
            .expect(1),
    );
    let cf = client(env);
    let identity = send!(cf, |c| cf_users!(c).last_seen_identity().get(ACC, USER_ID)).unwrap();
    first_request(env, "GET");

    assert_eq!(identity.status(), 200);
    assert_eq!(identity.account_id.as_deref(), Some("1234567890"));
    assert_eq!(identity.auth_status.as_deref(), Some("NONE"));
    assert_eq!(identity.common_name.as_deref(), Some(""));
    assert_eq!(identity.device_id.as_deref(), Some("dev-1"));
    assert_eq!(identity.iat, Some(1_694_791_905.0));
    assert_eq!(identity.ip.as_deref(), Some("127.0.0.0"));
    assert_eq!(identity.is_gateway, Some(false));
    assert_eq!(identity.service_token_status, Some(false));
    assert_eq!(
        identity.idp,
        Some(IdentityIdp::new().id("idp-1").type_("okta"))
    );
    assert_eq!(
        identity.mtls_auth,
        Some(
            IdentityMtlsAuth::new()
                .auth_status("OK")
                .cert_issuer_dn("CN=ca")
                .cert_issuer_ski("ski")
                .cert_presented(true)
                .cert_serial("01")
        )
    );
    let posture: &IdentityDevicePosture =
        &identity.device_posture.as_ref().expect("devicePosture")["rule-1"];
    assert_eq!(posture.data, Some(json!({"k": [1, 2]})));
    assert_eq!(posture.rule_name.as_deref(), Some("Tool"));
}

fn failed_logins_list_decodes_the_attempts(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("failed_logins")))
            .respond_with(ok(list_envelope(
                vec![
                    json!({"expiration": 1_694_813_506, "metadata": {"app_name": "Test App", "ray_id": "187d944c61940c77"}}),
                    json!({"expiration": 1_694_813_507}),
                ],
                json!({"count": 2, "page": 1, "per_page": 20, "total_count": 2}),
            )))
            .expect(1),
    );
    let cf = client(env);
    let logins = send!(cf, |c| cf_users!(c).failed_logins().list(ACC, USER_ID)).unwrap();
    first_request(env, "GET");

    assert_eq!(logins.status(), 200);
    assert_eq!(
        *logins,
        vec![
            FailedLogin::new()
                .expiration(1_694_813_506)
                .metadata(json!({"app_name": "Test App", "ray_id": "187d944c61940c77"})),
            FailedLogin::new().expiration(1_694_813_507)
        ]
    );
    assert_eq!(logins.meta().and_then(|m| m.total_count), Some(2.0));
}

fn per_call_header_and_query_are_sent(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    let cf = client(env);
    send!(cf, |c| cf_users!(c)
        .get(ACC, USER_ID)
        .header("x-trace", "t-1")
        .query("debug", "a b"))
    .unwrap();
    let request = &env.requests()[0];
    assert_eq!(header(request, "x-trace"), Some("t-1"));
    assert_eq!(request.url.query(), Some("debug=a%20b"));
    assert_bearer(request);
}

/// Property: any text given as a path parameter reaches the server as
/// exactly one segment that decodes back to it (or, for a dot segment, is
/// refused before sending), and any text given as a query value decodes back
/// to itself.
fn path_and_query_values_round_trip(env: &Env) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, TestRunner};

    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(envelope(json!([])))),
    );
    env.mount(
        Mock::given(method("GET"))
            .respond_with(ok(envelope(json!({"id": "x"}))))
            .with_priority(10),
    );
    let cf = client(env);
    let prefix = format!("{}/", users_path());
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let values = (
        prop_oneof![any::<String>(), "[%./?#&=+ a-z]{0,6}"],
        any::<String>(),
    );
    runner
        .run(&values, |(id, search)| {
            let sent = env.requests().len();
            let result = send!(cf, |c| cf_users!(c).get(ACC, id.as_str()));
            let decoded = String::from_utf8_lossy(&percent_decode(&id)).into_owned();
            if matches!(decoded.as_str(), "" | "." | "..") {
                prop_assert!(
                    matches!(result, Err(Error::InvalidRequest { .. })),
                    "{:?}",
                    result
                );
                prop_assert_eq!(env.requests().len(), sent);
            } else {
                prop_assert!(result.is_ok(), "{:?}", result);
                let requests = env.requests();
                let path = requests.last().unwrap().url.path().to_owned();
                let segment = path.strip_prefix(&prefix).expect("the users path");
                prop_assert!(!segment.contains('/'), "{}", segment);
                prop_assert_eq!(percent_decode(segment), id.as_bytes());
            }
            let params = UsersListParams::new().search(search.as_str());
            send!(cf, |c| cf_users!(c).list(ACC).params(params)).unwrap();
            let requests = env.requests();
            prop_assert_eq!(query_values(requests.last().unwrap(), "search"), [search]);
            Ok(())
        })
        .unwrap();
}

fn single_object_envelope_ignores_result_info_and_messages(env: &Env) {
    env.mount(Mock::given(method("GET")).respond_with(ok(json!({
        "success": true,
        "errors": [],
        "messages": [{"code": 1, "message": "deprecated soon"}],
        "result": user_json(USER_ID, "a@b.c"),
        "result_info": {"page": 1, "per_page": 20, "count": 1},
        "extra": {"unknown": true}
    }))));
    let cf = client(env);
    let user = get_user(&cf).unwrap();
    assert_eq!(*user, expected_user(USER_ID, "a@b.c"));
    // `Meta = ()` for a single object: nothing to expose.
    let identity = send!(cf, |c| cf_users!(c).last_seen_identity().get(ACC, USER_ID)).unwrap();
    assert_eq!(identity.email.as_deref(), Some("a@b.c"));
}

// ---- Auth -------------------------------------------------------------------

/// Calls every operation once against a catch-all mock; returns the
/// requests, in call order.
fn call_every_operation(env: &Env, cf: &Cloudflare) -> Vec<wiremock::Request> {
    env.mount(Mock::given(method("DELETE")).respond_with(ok(envelope(json!({})))));
    env.mount(
        Mock::given(any())
            .respond_with(ok(envelope(json!([]))))
            .with_priority(10),
    );
    env.mount(
        Mock::given(any())
            .and(path(users_path()))
            .and(method("POST"))
            .respond_with(ok(envelope(json!({"email": "a@b.c"})))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(envelope(json!({"id": USER_ID})))),
    );
    env.mount(
        Mock::given(method("PUT"))
            .and(path(user_path()))
            .respond_with(ok(envelope(json!({"id": USER_ID})))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("active_sessions/n1")))
            .respond_with(ok(envelope(json!({"isActive": false})))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("last_seen_identity")))
            .respond_with(ok(envelope(json!({"email": "a@b.c"})))),
    );
    let create = CreateUserRequest::new("a@b.c");
    let update = UpdateUserRequest::new("a@b.c", "A");
    list_users(cf).unwrap();
    send!(cf, |c| cf_users!(c).create(ACC, create)).unwrap();
    get_user(cf).unwrap();
    send!(cf, |c| cf_users!(c).update(ACC, USER_ID, update)).unwrap();
    send!(cf, |c| cf_users!(c).delete(ACC, USER_ID)).unwrap();
    send!(cf, |c| cf_users!(c).active_sessions().list(ACC, USER_ID)).unwrap();
    send!(cf, |c| cf_users!(c)
        .active_sessions()
        .get(ACC, USER_ID, "n1"))
    .unwrap();
    send!(cf, |c| cf_users!(c).last_seen_identity().get(ACC, USER_ID)).unwrap();
    send!(cf, |c| cf_users!(c).failed_logins().list(ACC, USER_ID)).unwrap();
    let requests = env.requests();
    let routes: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect();
    assert_eq!(
        routes,
        [
            ("GET", users_path()),
            ("POST", users_path()),
            ("GET", user_path()),
            ("PUT", user_path()),
            ("DELETE", user_path()),
            ("GET", sub_path("active_sessions")),
            ("GET", sub_path("active_sessions/n1")),
            ("GET", sub_path("last_seen_identity")),
            ("GET", sub_path("failed_logins")),
        ]
        .map(|(m, p)| (m.to_owned(), p))
    );
    for request in &requests {
        let has_body = matches!(request.method.as_str(), "POST" | "PUT");
        assert_common_headers(request, API, has_body);
    }
    requests
}

fn every_operation_sends_the_bearer_token(env: &Env) {
    let cf = client(env);
    for request in call_every_operation(env, &cf) {
        assert_bearer(&request);
    }
}

fn assert_email_and_key(request: &wiremock::Request, email: &str, key: &str) {
    assert_eq!(header(request, "x-auth-email"), Some(email));
    assert_eq!(header(request, "x-auth-key"), Some(key));
    assert_eq!(header_all(request, "x-auth-email").len(), 1);
    assert_eq!(header(request, "authorization"), None);
}

fn email_and_key_are_sent_as_two_headers(env: &Env) {
    let cf = env.cloudflare(env.config(Credentials::api_keys([
        ("X-Auth-Email", EMAIL),
        ("X-Auth-Key", KEY),
    ])));
    for request in call_every_operation(env, &cf) {
        assert_email_and_key(&request, EMAIL, KEY);
    }
}

fn env_client(env: &Env, fake: &mut FakeEnv) -> Cloudflare {
    // Each flavour reads the environment through its own crate's profile.
    let profile = match env.flavor {
        Flavor::Async => &cloudflare_access_users_client::PROFILE,
        Flavor::Blocking => &cloudflare_access_users_blocking::PROFILE,
    };
    let config = fake
        .config(profile)
        .expect("credentials in the environment");
    assert_eq!(config.base_url(), Some(env.uri().as_str()));
    env.cloudflare(env.wire(config))
}

fn from_env_api_token_configures_the_client(env: &Env) {
    let uri = env.uri();
    let mut fake = FakeEnv::new(&[
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_BASE_URL", &uri),
        ("CLOUDFLARE_EMAIL", ""),
    ]);
    let cf = env_client(env, &mut fake);
    // Every alternative is read (a call uses the first its operation
    // accepts); the blank email ends the email + key one.
    assert_eq!(
        fake.looked_up,
        [
            "CLOUDFLARE_BASE_URL",
            "CLOUDFLARE_API_TOKEN",
            "CLOUDFLARE_EMAIL"
        ]
    );
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    get_user(&cf).unwrap();
    let request = &env.requests()[0];
    assert_eq!(request.url.path(), user_path());
    assert_bearer(request);
}

fn from_env_email_and_key_configure_the_client(env: &Env) {
    let uri = env.uri();
    let mut fake = FakeEnv::new(&[
        ("CLOUDFLARE_EMAIL", EMAIL),
        ("CLOUDFLARE_API_KEY", KEY),
        ("CLOUDFLARE_BASE_URL", &uri),
        // Blank counts as unset.
        ("CLOUDFLARE_API_TOKEN", "  "),
    ]);
    let cf = env_client(env, &mut fake);
    assert_eq!(
        fake.looked_up,
        [
            "CLOUDFLARE_BASE_URL",
            "CLOUDFLARE_API_TOKEN",
            "CLOUDFLARE_EMAIL",
            "CLOUDFLARE_API_KEY"
        ]
    );
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    get_user(&cf).unwrap();
    assert_email_and_key(&env.requests()[0], EMAIL, KEY);
}

fn from_env_prefers_the_token_over_email_and_key(env: &Env) {
    let uri = env.uri();
    let mut fake = FakeEnv::new(&[
        ("CLOUDFLARE_EMAIL", EMAIL),
        ("CLOUDFLARE_API_KEY", KEY),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_BASE_URL", &uri),
    ]);
    let cf = env_client(env, &mut fake);
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    get_user(&cf).unwrap();
    assert_bearer(&env.requests()[0]);
}

// ---- Pagination ---------------------------------------------------------------

fn items_walk_page_numbers_until_total_pages(env: &Env) {
    env.mount(page_mock(1, 1, 2, Some(3)));
    env.mount(page_mock(2, 3, 2, Some(3)));
    env.mount(page_mock(3, 5, 1, Some(3)));
    // Never asked for: total_pages says 3.
    env.mount(page_mock(4, 6, 2, Some(3)).expect(0));
    let cf = client(env);
    let users = oks(items!(cf, ALL, |c| cf_users!(c)
        .list(ACC)
        .params(UsersListParams::new().per_page(2).name("x"))));
    assert_eq!(ids(&users), ["u1", "u2", "u3", "u4", "u5"]);
    assert_eq!(users[0], expected_user("u1", "u1@example.com"));
    assert_eq!(page_numbers(env), ["1", "2", "3"]);
    for request in env.requests() {
        // The other parameters are kept on every page.
        assert_eq!(query_values(&request, "per_page"), ["2"]);
        assert_eq!(query_values(&request, "name"), ["x"]);
        assert_bearer(&request);
    }
}

fn pages_yield_each_response_with_its_result_info(env: &Env) {
    env.mount(page_mock(1, 1, 2, Some(2)));
    env.mount(page_mock(2, 3, 1, Some(2)));
    let cf = client(env);
    let pages = oks(pages!(cf, |c| cf_users!(c).list(ACC)));
    assert_eq!(pages.len(), 2);
    assert_eq!(ids(&pages[0]), ["u1", "u2"]);
    assert_eq!(ids(&pages[1]), ["u3"]);
    let numbers: Vec<Option<f64>> = pages.iter().map(|p| p.meta().unwrap().page).collect();
    assert_eq!(numbers, [Some(1.0), Some(2.0)]);
    assert!(pages.iter().all(|p| p.status() == 200));
    assert_eq!(page_numbers(env), ["1", "2"]);
}

fn pagination_starts_at_the_requested_page(env: &Env) {
    env.mount(page_mock(1, 1, 2, Some(3)).expect(0));
    env.mount(page_mock(2, 3, 2, Some(3)));
    env.mount(page_mock(3, 5, 2, Some(3)));
    let cf = client(env);
    let users = oks(items!(cf, ALL, |c| cf_users!(c)
        .list(ACC)
        .params(UsersListParams::new().page(2))));
    assert_eq!(ids(&users), ["u3", "u4", "u5", "u6"]);
    assert_eq!(page_numbers(env), ["2", "3"]);
}

fn items_stop_on_an_empty_page(env: &Env) {
    // No total_pages: the empty page 3 ends the walk.
    env.mount(page_mock(1, 1, 2, None));
    env.mount(page_mock(2, 3, 2, None));
    env.mount(page_mock(3, 5, 0, None));
    env.mount(page_mock(4, 7, 2, None).expect(0));
    let cf = client(env);
    let list = || UsersListParams::new().per_page(2);
    let users = oks(items!(cf, ALL, |c| cf_users!(c).list(ACC).params(list())));
    assert_eq!(ids(&users), ["u1", "u2", "u3", "u4"]);
    assert_eq!(page_numbers(env), ["1", "2", "3"]);

    // `.pages()` does not yield the empty page past the first.
    env.reset();
    env.mount(page_mock(1, 1, 2, None));
    env.mount(page_mock(2, 3, 0, None));
    let pages = oks(pages!(cf, |c| cf_users!(c).list(ACC).params(list())));
    assert_eq!(pages.len(), 1);
    assert_eq!(ids(&pages[0]), ["u1", "u2"]);
    assert_eq!(page_numbers(env), ["1", "2"]);

    // An empty first page is still a page, with no items.
    env.reset();
    env.mount(page_mock(1, 1, 0, None));
    let pages = oks(pages!(cf, |c| cf_users!(c).list(ACC).params(list())));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_empty());
    let users = oks(items!(cf, ALL, |c| cf_users!(c).list(ACC).params(list())));
    assert!(users.is_empty());
    assert_eq!(page_numbers(env), ["1", "1"]);
}

fn pagination_stops_when_the_server_repeats_a_page(env: &Env) {
    // The server ignores `page` and claims 50 pages: the second, identical
    // page ends the walk instead of looping 50 times.
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(list_envelope(
                users_json(1, 2),
                json!({"page": 1, "per_page": 2, "total_pages": 50}),
            )))
            .expect(4),
    );
    let cf = client(env);
    let list = || UsersListParams::new().per_page(2);
    let users = oks(items!(cf, ALL, |c| cf_users!(c).list(ACC).params(list())));
    assert_eq!(ids(&users), ["u1", "u2"]);
    assert_eq!(page_numbers(env), ["1", "2"]);
    let pages = oks(pages!(cf, |c| cf_users!(c).list(ACC).params(list())));
    assert_eq!(pages.len(), 1);
    assert_eq!(page_numbers(env), ["1", "2", "1", "2"]);
}

fn items_are_fetched_lazily(env: &Env) {
    env.mount(page_mock(1, 1, 2, Some(5)));
    env.mount(page_mock(2, 3, 2, Some(5)));
    env.mount(page_mock(3, 5, 2, Some(5)).expect(0));
    let cf = client(env);
    let users = oks(items!(cf, 3, |c| cf_users!(c).list(ACC)));
    assert_eq!(ids(&users), ["u1", "u2", "u3"]);
    assert_eq!(page_numbers(env), ["1", "2"]);
}

fn single_page_lists_yield_one_page(env: &Env) {
    // Even with result_info claiming more pages, these lists are one page.
    let info = json!({"page": 1, "per_page": 1, "total_pages": 3, "count": 1});
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("active_sessions")))
            .respond_with(ok(list_envelope(
                vec![json!({"name": "s1"}), json!({"name": "s2"})],
                info.clone(),
            )))
            .expect(2),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("failed_logins")))
            .respond_with(ok(list_envelope(
                vec![json!({"expiration": 1}), json!({"expiration": 2})],
                info,
            )))
            .expect(2),
    );
    let cf = client(env);
    let sessions = oks(items!(cf, ALL, |c| cf_users!(c)
        .active_sessions()
        .list(ACC, USER_ID)));
    let names: Vec<_> = sessions.iter().map(|s| s.name.clone().unwrap()).collect();
    assert_eq!(names, ["s1", "s2"]);
    let pages = oks(pages!(cf, |c| cf_users!(c)
        .active_sessions()
        .list(ACC, USER_ID)));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].len(), 2);

    let logins = oks(items!(cf, ALL, |c| cf_users!(c)
        .failed_logins()
        .list(ACC, USER_ID)));
    let expirations: Vec<_> = logins.iter().map(|l| l.expiration.unwrap()).collect();
    assert_eq!(expirations, [1, 2]);
    let pages = oks(pages!(cf, |c| cf_users!(c)
        .failed_logins()
        .list(ACC, USER_ID)));
    assert_eq!(pages.len(), 1);
    // No page parameter is ever sent.
    assert!(env.requests().iter().all(|r| r.url.query().is_none()));
}

fn pagination_ends_after_an_error(env: &Env) {
    env.mount(page_mock(1, 1, 2, Some(3)));
    env.mount(
        Mock::given(method("GET"))
            .and(query_param("page", "2"))
            .respond_with(
                ResponseTemplate::new(403).set_body_json(failure(10000, "Authentication error")),
            ),
    );
    env.mount(page_mock(3, 5, 2, Some(3)).expect(0));
    let cf = client(env);
    let results = items!(cf, ALL, |c| cf_users!(c).list(ACC));
    assert_eq!(results.len(), 3, "two users, then the error, then the end");
    assert_eq!(results[1].as_ref().unwrap().id.as_deref(), Some("u2"));
    let error = results.into_iter().nth(2).unwrap().unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Permission));
    assert_eq!(api_error(&error).details[0].code, Some(10000));

    let pages = pages!(cf, |c| cf_users!(c).list(ACC));
    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok());
    assert_eq!(
        pages[1].as_ref().unwrap_err().kind(),
        Some(ErrorKind::Permission)
    );
    assert_eq!(page_numbers(env), ["1", "2", "1", "2"]);
}

// ---- Retries ----------------------------------------------------------------

fn retries_503_twice_with_exponential_backoff(env: &Env) {
    env.mount_script(
        "GET",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(503)],
        ok(envelope(user_json(USER_ID, "a@b.c"))),
    );
    let cf = client(env);
    let user = get_user(&cf).unwrap();
    assert_eq!(user.id.as_deref(), Some(USER_ID));
    assert_eq!(user.attempts(), 3);
    assert_eq!(env.sleeper.sleeps(), [secs(0.5), secs(1.0)]);
    let requests = env.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.url.path(), user_path());
        assert_bearer(request);
    }
}

fn retry_after_is_honoured(env: &Env) {
    env.mount_script(
        "GET",
        vec![
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3")
                .set_body_json(failure(10100, "More than 1200 requests per 300 seconds")),
            ResponseTemplate::new(503).insert_header("retry-after-ms", "250"),
        ],
        ok(envelope(json!({"id": USER_ID}))),
    );
    let cf = client(env);
    let user = get_user(&cf).unwrap();
    assert_eq!(user.attempts(), 3);
    assert_eq!(env.sleeper.sleeps(), [secs(3.0), secs(0.25)]);
    assert_eq!(env.requests().len(), 3);
}

fn create_is_not_retried_on_500(env: &Env) {
    env.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_json(failure(1001, "boom")))
            .expect(1),
    );
    let cf = client(env);
    let body = CreateUserRequest::new("a@b.c");
    let error = expect_err(send!(cf, |c| cf_users!(c).create(ACC, body)));
    assert_eq!(error.kind(), Some(ErrorKind::Server));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(error.is_retryable(), "retryable in general, not for a POST");
    assert_eq!(env.sleeper.sleeps(), []);
    assert_eq!(env.requests().len(), 1);
}

fn create_is_retried_on_503_with_the_same_body(env: &Env) {
    env.mount_script(
        "POST",
        vec![ResponseTemplate::new(503)],
        ResponseTemplate::new(201).set_body_json(envelope(json!({"email": "a@b.c"}))),
    );
    let cf = client(env);
    let body = CreateUserRequest::new("a@b.c").name("A");
    let created = send!(cf, |c| cf_users!(c).create(ACC, body)).unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.attempts(), 2);
    assert_eq!(env.sleeper.sleeps(), [secs(0.5)]);
    let requests = env.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(json_body(request), json!({"email": "a@b.c", "name": "A"}));
        assert_common_headers(request, API, true);
    }
}

fn retry_after_beyond_the_cap_fails_at_once_with_the_wait(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "300")
                    .insert_header("cf-ray", "ray-429")
                    .set_body_json(failure(10100, "More than 1200 requests per 300 seconds")),
            )
            .expect(3),
    );
    let cf = client(env);
    let error = expect_err(get_user(&cf));
    assert_eq!(error.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(300)));
    assert_eq!(error.request_id(), Some("ray-429"));
    assert_eq!(api_error(&error).details[0].code, Some(10100));
    assert_eq!(env.sleeper.sleeps(), []);
    assert_eq!(env.requests().len(), 1);

    // With a higher cap the same wait is slept through (by the recorder).
    let patient = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_max_retry_after(Duration::from_secs(600))
            .with_max_retries(1),
    );
    let error = expect_err(get_user(&patient));
    assert_eq!(error.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(env.sleeper.sleeps(), [secs(300.0)]);
    assert_eq!(env.requests().len(), 3);
}

fn retries_are_bounded_by_max_retries(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ResponseTemplate::new(502)));
    let cf = client(env);
    let error = expect_err(get_user(&cf));
    assert_eq!(error.kind(), Some(ErrorKind::Server));
    assert_eq!(env.requests().len(), 3, "1 attempt + the default 2 retries");
    assert_eq!(env.sleeper.sleeps(), [secs(0.5), secs(1.0)]);

    // Per call.
    let error = expect_err(send!(cf, |c| cf_users!(c).get(ACC, USER_ID).max_retries(0)));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(env.requests().len(), 4);

    // Per client, with the backoff doubling up to its cap.
    let eager = env.cloudflare(
        env.config(Credentials::bearer(TOKEN))
            .with_max_retries(5)
            .with_max_backoff(Duration::from_secs(4)),
    );
    expect_err(get_user(&eager));
    assert_eq!(env.requests().len(), 10);
    assert_eq!(
        env.sleeper.sleeps()[2..],
        [secs(0.5), secs(1.0), secs(2.0), secs(4.0), secs(4.0)]
    );
}

// ---- Errors -------------------------------------------------------------------

fn error_statuses_map_to_kinds_with_details(env: &Env) {
    // (status, kind, retried by a GET with the default 2 retries)
    let table = [
        (400, ErrorKind::BadRequest, false),
        (401, ErrorKind::Authentication, false),
        (403, ErrorKind::Permission, false),
        (404, ErrorKind::NotFound, false),
        (409, ErrorKind::Conflict, true),
        (422, ErrorKind::Unprocessable, false),
        (429, ErrorKind::RateLimited, true),
        (500, ErrorKind::Server, true),
    ];
    let cf = client(env);
    for (status, kind, retried) in table {
        env.reset();
        let message = format!("error number {status}");
        env.mount(
            Mock::given(method("GET")).respond_with(
                ResponseTemplate::new(status)
                    .insert_header("cf-ray", format!("ray-{status}"))
                    .set_body_json(json!({
                        "success": false,
                        "errors": [
                            {"code": 7000 + status, "message": message,
                             "documentation_url": "https://developers.cloudflare.com/x",
                             "source": {"pointer": "/email"}},
                            {"code": 1, "message": "second"}
                        ],
                        "messages": [],
                        "result": null
                    })),
            ),
        );
        let sleeps_before = env.sleeper.sleeps().len();
        let error = expect_err(get_user(&cf));
        let api = api_error(&error);
        assert_eq!(error.kind(), Some(kind), "{status}");
        assert_eq!(api.kind, kind, "{status}");
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(api.operation_id, "zero-trust-users-get-user");
        assert_eq!(error.request_id(), Some(format!("ray-{status}").as_str()));
        assert_eq!(api.details.len(), 2, "{status}");
        assert_eq!(api.details[0].code, Some(7000 + i64::from(status)));
        assert_eq!(api.details[0].message, message);
        assert_eq!(
            api.details[0].documentation_url.as_deref(),
            Some("https://developers.cloudflare.com/x")
        );
        assert_eq!(api.details[0].pointer.as_deref(), Some("/email"));
        assert_eq!(api.details[1].code, Some(1));
        assert_eq!(api.message(), Some(message.as_str()));
        assert!(api.body.contains(&message), "{status}: body snippet kept");
        assert_eq!(error.is_retryable(), retried, "{status}");
        let text = error.to_string();
        assert!(
            text.contains(&message) && text.contains(&status.to_string()),
            "{text}"
        );
        assert_attempts(env, retried, sleeps_before, status);
    }
}

fn success_false_with_200_is_unsuccessful(env: &Env) {
    let cf = client(env);
    // With `result: null` (which a `User` cannot hold) and with a result.
    for result in [Value::Null, user_json(USER_ID, "a@b.c")] {
        env.reset();
        env.mount(
            Mock::given(method("GET"))
                .respond_with(ok(json!({
                    "success": false,
                    "errors": [{"code": 10000, "message": "Authentication error"}],
                    "messages": [],
                    "result": result
                })))
                .expect(1),
        );
        let error = expect_err(get_user(&cf));
        assert_eq!(error.kind(), Some(ErrorKind::Unsuccessful), "{result}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
        let api = api_error(&error);
        assert_eq!(api.details[0].code, Some(10000));
        assert_eq!(api.details[0].message, "Authentication error");
        assert!(!error.is_retryable());
        env.verify();
    }
    // On a list too.
    env.reset();
    env.mount(Mock::given(method("GET")).respond_with(ok(failure(9109, "Invalid access token"))));
    let error = expect_err(list_users(&cf));
    assert_eq!(error.kind(), Some(ErrorKind::Unsuccessful));
    assert_eq!(api_error(&error).message(), Some("Invalid access token"));
    assert_eq!(env.sleeper.sleeps(), []);
}

fn decode_error_names_the_json_path(env: &Env) {
    let mut bad = user_json(USER_ID, "a@b.c");
    bad["created_at"] = json!("yesterday");
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(envelope(bad.clone()))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(list_envelope(
                vec![user_json("u1", "a@b.c"), bad],
                json!({"page": 1}),
            ))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("active_sessions")))
            .respond_with(ok(list_envelope(
                vec![json!({"metadata": {"ttl": "long"}})],
                json!({}),
            ))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(sub_path("failed_logins")))
            .respond_with(ok(json!({"success": true, "errors": [], "messages": [],
                "result": [], "result_info": {"page": "one"}}))),
    );
    let cf = client(env);
    let decode_path = |error: Error| match error {
        Error::Decode {
            path, status, body, ..
        } => {
            assert_eq!(status, 200);
            assert!(body.contains("success"), "body snippet: {body}");
            path
        }
        other => panic!("expected a decode error, got {other:?}"),
    };
    let error = expect_err(get_user(&cf));
    assert!(error.to_string().contains("result.created_at"), "{error}");
    assert_eq!(decode_path(error), "result.created_at");
    let error = expect_err(list_users(&cf));
    assert_eq!(decode_path(error), "result[1].created_at");
    let error = expect_err(send!(cf, |c| cf_users!(c)
        .active_sessions()
        .list(ACC, USER_ID)));
    assert_eq!(decode_path(error), "result[0].metadata.ttl");
    let error = expect_err(send!(cf, |c| cf_users!(c)
        .failed_logins()
        .list(ACC, USER_ID)));
    assert_eq!(decode_path(error), "result_info.page");
    // A decode error is not retried.
    assert_eq!(env.requests().len(), 4);
    assert_eq!(env.sleeper.sleeps(), []);
}

fn non_json_bodies_are_reported(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(
                ResponseTemplate::new(404).set_body_raw("<html>no such user</html>", "text/html"),
            ),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
            ),
    );
    let cf = client(env);
    // An error status: an API error without details, the body kept.
    let error = expect_err(get_user(&cf));
    let api = api_error(&error);
    assert_eq!(api.kind, ErrorKind::NotFound);
    assert!(api.details.is_empty());
    assert_eq!(api.body, "<html>no such user</html>");
    // A 2xx that is not JSON: its content type is named.
    let error = expect_err(list_users(&cf));
    match error {
        Error::UnexpectedContentType {
            content_type,
            status,
            body,
            ..
        } => {
            assert_eq!(content_type, "text/html");
            assert_eq!(status, 200);
            assert_eq!(body, "<html>maintenance</html>");
        }
        other => panic!("expected UnexpectedContentType, got {other:?}"),
    }
}

/// The spec does not require `result` in `UserListResponse`,
/// `ActiveSessionListResponse` or `FailedLoginListResponse` (and the
/// generated models make it an `Option`), so a successful list envelope
/// without it is a valid, empty page: the list operations' output (a `Vec`)
/// is empty, and `.items()` yields nothing.
fn list_envelope_without_result_is_an_empty_page(env: &Env) {
    let no_result = json!({
        "success": true,
        "errors": [],
        "messages": [],
        "result_info": {"page": 1, "per_page": 20, "count": 0, "total_count": 0, "total_pages": 1}
    });
    env.mount(Mock::given(method("GET")).respond_with(ok(no_result)));
    let cf = client(env);
    let page = list_users(&cf).expect("a spec-valid empty page");
    assert!(page.is_empty());
    assert_eq!(page.meta().and_then(|m| m.total_pages), Some(1.0));
    let users = oks(items!(cf, ALL, |c| cf_users!(c).list(ACC)));
    assert!(users.is_empty());
    let sessions = send!(cf, |c| cf_users!(c).active_sessions().list(ACC, USER_ID))
        .expect("a spec-valid empty list");
    assert!(sessions.is_empty());
    let logins = send!(cf, |c| cf_users!(c).failed_logins().list(ACC, USER_ID))
        .expect("a spec-valid empty list");
    assert!(logins.is_empty());
}

// ---- One flavour, or configuration only ---------------------------------------

#[test]
fn from_env_without_credentials_names_the_variables() {
    for vars in [
        &[][..],
        &[("CLOUDFLARE_EMAIL", EMAIL)][..],
        &[("CLOUDFLARE_API_KEY", KEY), ("CLOUDFLARE_API_TOKEN", "")][..],
        &[("CLOUDFLARE_BASE_URL", "http://127.0.0.1:1")][..],
    ] {
        let (message, text) = no_credentials(vars, &cloudflare_access_users_client::PROFILE);
        assert_eq!(
            message,
            "no credentials for cloudflare-access-users found in the environment: \
             set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY",
            "{vars:?}"
        );
        // Secrets never appear in the error.
        assert!(!text.contains(KEY));
    }
}

#[test]
fn from_env_defaults_to_the_cloudflare_base_url() {
    let mut fake = FakeEnv::new(&[("CLOUDFLARE_API_TOKEN", TOKEN)]);
    let config = fake
        .config(&cloudflare_access_users_client::PROFILE)
        .unwrap();
    assert_eq!(config.base_url(), None);
    let client = cloudflare_access_users_client::Client::new(config.clone()).unwrap();
    assert_eq!(
        client.runtime().base_url(),
        "https://api.cloudflare.com/client/v4"
    );
    let blocking = cloudflare_access_users_blocking::Client::new(config).unwrap();
    assert_eq!(
        blocking.runtime().base_url(),
        "https://api.cloudflare.com/client/v4"
    );
    // Neither Debug output shows the token.
    assert!(!format!("{client:?} {blocking:?}").contains(TOKEN));
}

#[test]
fn async_and_blocking_profiles_are_identical() {
    let a = &cloudflare_access_users_client::PROFILE;
    let b = &cloudflare_access_users_blocking::PROFILE;
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn blocking_client_inside_a_runtime_refuses_without_panicking() {
    let env = Env::new(Flavor::Blocking);
    env.mount(Mock::given(any()).respond_with(ok(envelope(json!({"id": "x"})))));
    let cf = cloudflare_access_users_blocking::Client::new(env.config(Credentials::bearer(TOKEN)))
        .unwrap();
    let users = cf_users!(cf);

    // From inside the async runtime: an error, not a panic or a hang.
    let (send, items, pages) = env.block_on(async {
        let send = users.get(ACC, USER_ID).send();
        let items: Vec<_> = users.list(ACC).items().collect();
        let pages: Vec<_> = users.active_sessions().list(ACC, USER_ID).pages().collect();
        (send, items, pages)
    });
    assert!(
        matches!(send, Err(Error::BlockingInAsyncContext)),
        "{send:?}"
    );
    assert_eq!(items.len(), 1, "one error, then the iterator ends");
    assert!(matches!(items[0], Err(Error::BlockingInAsyncContext)));
    assert_eq!(pages.len(), 1);
    assert!(matches!(pages[0], Err(Error::BlockingInAsyncContext)));
    // Also from a blocking task of the runtime.
    let cf2 = cf.clone();
    let from_task = env.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let result = cf_users!(cf2).get(ACC, USER_ID).send();
            drop(cf2);
            result
        })
        .await
        .unwrap()
    });
    assert!(matches!(from_task, Err(Error::BlockingInAsyncContext)));
    assert!(env.requests().is_empty(), "nothing was sent");

    // The same client works from the plain test thread afterwards.
    let user = users.get(ACC, USER_ID).send().unwrap();
    assert_eq!(user.id.as_deref(), Some("x"));
    assert_eq!(env.requests().len(), 1);

    // Dropping a blocking client inside the runtime does not panic.
    env.block_on(async move { drop(cf) });
}

#[test]
fn blocking_items_is_an_iterator() {
    fn assert_iterator<I: Iterator<Item = Result<User, Error>>>(iter: I) -> I {
        iter
    }
    let env = Env::new(Flavor::Blocking);
    env.mount(page_mock(1, 1, 2, Some(3)));
    env.mount(page_mock(2, 3, 2, Some(3)));
    env.mount(page_mock(3, 5, 2, Some(3)));
    let cf = cloudflare_access_users_blocking::Client::new(env.config(Credentials::bearer(TOKEN)))
        .unwrap();
    let mut iter = assert_iterator(cf_users!(cf).list(ACC).items());
    // Lazy: nothing is fetched before the first `next`.
    assert!(env.requests().is_empty());
    assert_eq!(iter.next().unwrap().unwrap().id.as_deref(), Some("u1"));
    assert_eq!(env.requests().len(), 1);
    // Iterator adaptors work; the rest of the pages are fetched on demand.
    let rest: Vec<String> = iter
        .by_ref()
        .map(|u| u.unwrap().id.unwrap())
        .filter(|id| id != "u4")
        .collect();
    assert_eq!(rest, ["u2", "u3", "u5", "u6"]);
    assert!(iter.next().is_none(), "fused after the end");
    assert_eq!(page_numbers(&env), ["1", "2", "3"]);
    // `for` loops over `.pages()` too.
    let mut sizes = Vec::new();
    for page in cf_users!(cf).list(ACC).pages() {
        sizes.push(page.unwrap().len());
    }
    assert_eq!(sizes, [2, 2, 2]);
}
