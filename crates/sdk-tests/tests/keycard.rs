//! Behaviour tests of the generated Keycard zone-users clients
//! (`keycard-zone-users-client` and `-blocking`) against a local wiremock
//! server: both operations, OAuth2 client credentials and bearer auth,
//! `from_env`, cursor pagination, retries and errors.
//!
//! Each case in the table below runs twice, once per flavour (see
//! `common/mod.rs`); the few tests after the table are about one flavour or
//! about configuration only.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use keycard_zone_users_client::operations::UsersListParams;
use keycard_zone_users_client::types::{
    Pagination, RoleAssignment, RoleAssignmentScope, User, UserStatus, UsersListExpandItem,
};
use serde_json::{Value, json};
use wiremock::matchers::{
    any, header as header_is, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, ResponseTemplate};

use support::flavored::*;
use support::secs;

support::flavored::flavored_cases! {
    // Both operations: request sent, result decoded.
    list_sends_repeated_and_bracketed_query_parameters,
    list_without_params_sends_no_query,
    list_sends_unknown_expand_values_verbatim,
    retrieve_decodes_every_user_field,
    retrieve_keeps_an_unknown_status,
    retrieve_percent_encodes_path_parameters,
    // Auth.
    oauth2_token_is_fetched_once_and_reused,
    oauth2_concurrent_calls_share_one_token_fetch,
    oauth2_token_is_fetched_again_when_expired,
    oauth2_rejected_token_is_replaced_once,
    oauth2_token_refusal_is_an_authentication_error,
    oauth2_token_endpoint_outage_is_retried,
    bearer_token_is_sent,
    from_env_client_credentials_configure_oauth2,
    from_env_api_token_configures_a_bearer_token,
    from_env_prefers_client_credentials_over_the_token,
    // Pagination.
    items_follow_the_after_cursor_until_it_is_null,
    pages_yield_each_response,
    pagination_starts_at_the_given_cursor,
    pagination_stops_on_an_empty_or_repeated_cursor,
    cursors_are_percent_encoded,
    items_are_fetched_lazily,
    pagination_ends_after_an_error,
    // Retries.
    retries_503_twice_with_exponential_backoff,
    retry_after_beyond_the_cap_fails_at_once_with_the_wait,
    // Errors.
    error_statuses_map_to_kinds_with_the_error_body,
    decode_error_names_the_json_path,
}

// ---- Fixtures ----------------------------------------------------------------

const API: &str = "keycard-zone-users";
const ZONE: &str = "bsq01zgq46reqv1l2fj7hgjhgt";
const USER_ID: &str = "usr_01jx9k2m7q3v8w4e5r6t7y8u9i";
const TOKEN: &str = "kc-bearer-eyJhbGciOiJIUzI1NiJ9";
const CLIENT_ID: &str = "kc-client-id";
const CLIENT_SECRET: &str = "kc-client-s3cret";
/// `base64("kc-client-id:kc-client-s3cret")`.
const BASIC: &str = "Basic a2MtY2xpZW50LWlkOmtjLWNsaWVudC1zM2NyZXQ=";
const TOKEN_PATH: &str = "/service-account-token";

fn users_path() -> String {
    format!("/zones/{ZONE}/users")
}

fn user_path() -> String {
    format!("/zones/{ZONE}/users/{USER_ID}")
}

/// A client of the case's flavour with a bearer token.
fn client(env: &Env) -> Keycard {
    env.keycard(env.config(Credentials::bearer(TOKEN)))
}

fn oauth2_credentials(env: &Env) -> Credentials {
    Credentials::oauth2_client_credentials(CLIENT_ID, CLIENT_SECRET)
        .with_token_url(format!("{}{TOKEN_PATH}", env.uri()))
}

/// A client of the case's flavour with OAuth2 client credentials whose
/// token endpoint is on the mock server.
fn oauth2_client(env: &Env) -> Keycard {
    env.keycard(env.config(oauth2_credentials(env)))
}

fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in
    }))
}

/// Serves `tokens` in order from the token endpoint, one each.
fn mount_tokens(env: &Env, tokens: &[&str], expires_in: u64) {
    for (i, token) in tokens.iter().enumerate() {
        env.mount(
            Mock::given(method("POST"))
                .and(path(TOKEN_PATH))
                .respond_with(token_response(token, expires_in))
                .up_to_n_times(1)
                .with_priority(u8::try_from(i + 1).unwrap()),
        );
    }
}

/// A full user as the API sends it (the spec's example).
fn user_json(id: &str, email: &str) -> Value {
    json!({
        "id": id,
        "created_at": "2026-05-02T14:03:11Z",
        "updated_at": "2026-06-10T09:41:27.250Z",
        "email": email,
        "email_verified": true,
        "identifier": email,
        "organization_id": "org_01hzq2b3c4d5e6f7g8h9j0k1l2",
        "status": "active",
        "zone_id": ZONE,
        "authenticated_at": "2026-06-10T09:41:27.000Z",
        "issuer": "https://accounts.google.com",
        "provider_id": "prv_01hzq9x8w7v6u5t4s3r2q1p0on",
        "subject": "104857392018475629301",
        "session_count": 2,
        "grant_count": 5,
        "role_assignments": [
            {"role_id": "rol_01j0abcd", "role_identifier": "admin", "scope": null},
            {"role_id": "rol_01j0efgh", "role_identifier": "viewer",
             "scope": {"id": "res_01j0ijkl", "type": "resource"}}
        ]
    })
}

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, millis: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::TimeDelta::milliseconds(millis)
}

/// The typed form of [`user_json`].
fn expected_user(id: &str, email: &str) -> User {
    User::new(
        id,
        ts(2026, 5, 2, 14, 3, 11, 0),
        email,
        true,
        email,
        "org_01hzq2b3c4d5e6f7g8h9j0k1l2",
        UserStatus::Active,
        ts(2026, 6, 10, 9, 41, 27, 250),
        ZONE,
    )
    .authenticated_at("2026-06-10T09:41:27.000Z")
    .issuer("https://accounts.google.com")
    .provider_id("prv_01hzq9x8w7v6u5t4s3r2q1p0on")
    .subject("104857392018475629301")
    .session_count(2)
    .grant_count(5)
    .role_assignments(vec![
        RoleAssignment::new("rol_01j0abcd", "admin"),
        RoleAssignment::new("rol_01j0efgh", "viewer")
            .scope(RoleAssignmentScope::new("res_01j0ijkl", "resource")),
    ])
}

/// A user with only the required fields.
fn minimal_user(id: &str) -> Value {
    json!({
        "id": id,
        "created_at": "2026-05-02T14:03:11Z",
        "updated_at": "2026-05-02T14:03:11Z",
        "email": format!("{id}@example.com"),
        "email_verified": false,
        "identifier": id,
        "organization_id": "org_1",
        "status": "disabled",
        "zone_id": ZONE
    })
}

/// A page of `ids` with `after` as the next cursor.
fn page_json(ids: &[&str], after: Option<&str>) -> Value {
    json!({
        "items": ids.iter().map(|id| minimal_user(id)).collect::<Vec<_>>(),
        "pagination": {"after_cursor": after, "before_cursor": null, "total_count": 5}
    })
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The page answering a request with `after` (`None`: the first page).
fn page_mock(sent: Option<&str>, ids: &[&str], next: Option<&str>) -> Mock {
    let mock = Mock::given(method("GET")).and(path(users_path()));
    let mock = match sent {
        Some(cursor) => mock.and(query_param("after", cursor)),
        None => mock.and(query_param_is_missing("after")),
    };
    mock.respond_with(ok(page_json(ids, next)))
}

fn user_ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.id.as_str()).collect()
}

/// The `after` sent by each list request, in order (`-` for none).
fn cursors_sent(env: &Env) -> Vec<String> {
    env.requests_to(&users_path())
        .iter()
        .map(|r| {
            let after = query_values(r, "after");
            if after.is_empty() {
                "-".to_owned()
            } else {
                after.join(",")
            }
        })
        .collect()
}

fn assert_bearer(request: &wiremock::Request, token: &str) {
    assert_eq!(
        header(request, "authorization"),
        Some(format!("Bearer {token}").as_str())
    );
}

fn keycard_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-request-id", format!("req-{status}"))
        .set_body_json(json!({"message": message, "code": code, "status": status}))
}

// ---- Operations ----------------------------------------------------------------

fn list_sends_repeated_and_bracketed_query_parameters(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(json!({
                "items": [user_json(USER_ID, "jane.doe@example.com"), minimal_user("usr_2")],
                "pagination": {
                    "after_cursor": "eyJpZCI6InVzcl8wMWp4In0",
                    "before_cursor": null,
                    "total_count": 2
                }
            })))
            .expect(1),
    );
    let kc = client(env);
    let params = UsersListParams::new()
        .before("cur/0")
        .limit(25)
        .expand(vec![
            UsersListExpandItem::TotalCount,
            UsersListExpandItem::RoleAssignments,
        ])
        .filter_email(vec!["jane+doe@example.com".into()])
        .filter_id(vec!["usr_1".into(), "usr_2".into()])
        .query(vec!["jane doe".into(), "ann".into()])
        .query_email(vec!["@example.com".into()])
        .query_subject(vec!["1048".into()])
        .sort("-authenticated_at,email");
    let page = send!(kc, |c| c.zones().users().list(ZONE).params(params)).unwrap();

    let request = &env.requests()[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), users_path());
    assert_eq!(
        query(request),
        pairs(&[
            ("before", "cur/0"),
            ("limit", "25"),
            ("expand[]", "total_count"),
            ("expand[]", "role-assignments"),
            ("filter[email]", "jane+doe@example.com"),
            ("filter[id]", "usr_1"),
            ("filter[id]", "usr_2"),
            ("query[]", "jane doe"),
            ("query[]", "ann"),
            ("query[email]", "@example.com"),
            ("query[subject]", "1048"),
            ("sort", "-authenticated_at,email"),
        ])
    );
    // Brackets, `+`, `@`, `/`, `,` and spaces are percent-encoded; repeated
    // parameters are repeated, not comma-joined.
    assert_eq!(
        request.url.query(),
        Some(
            "before=cur%2F0&limit=25\
             &expand%5B%5D=total_count&expand%5B%5D=role-assignments\
             &filter%5Bemail%5D=jane%2Bdoe%40example.com\
             &filter%5Bid%5D=usr_1&filter%5Bid%5D=usr_2\
             &query%5B%5D=jane%20doe&query%5B%5D=ann\
             &query%5Bemail%5D=%40example.com&query%5Bsubject%5D=1048\
             &sort=-authenticated_at%2Cemail"
        )
    );
    assert_bearer(request, TOKEN);
    assert_common_headers(request, API, false);

    // No envelope: the output is the whole body; there is no metadata.
    assert_eq!(page.status(), 200);
    assert!(page.meta().is_none());
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0],
        expected_user(USER_ID, "jane.doe@example.com")
    );
    assert_eq!(page.items[1].status, UserStatus::Disabled);
    assert_eq!(page.items[1].role_assignments, None);
    assert_eq!(
        page.pagination,
        Pagination::new()
            .after_cursor("eyJpZCI6InVzcl8wMWp4In0")
            .total_count(2)
    );
}

fn list_without_params_sends_no_query(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(page_json(&[], None))));
    let kc = client(env);
    let page = send!(kc, |c| c.zones().users().list(ZONE)).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.pagination.after_cursor, None);
    assert_eq!(env.requests()[0].url.query(), None);
}

fn list_sends_unknown_expand_values_verbatim(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(page_json(&[], None))));
    let kc = client(env);
    let params = UsersListParams::new().expand(vec![
        UsersListExpandItem::SessionCount,
        UsersListExpandItem::GrantCount,
        UsersListExpandItem::Unknown("device_count".into()),
    ]);
    send!(kc, |c| c.zones().users().list(ZONE).params(params)).unwrap();
    assert_eq!(
        query_values(&env.requests()[0], "expand[]"),
        ["session_count", "grant_count", "device_count"]
    );
}

fn retrieve_decodes_every_user_field(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(
                ok(user_json(USER_ID, "jane.doe@example.com"))
                    .insert_header("x-request-id", "req-123"),
            )
            .expect(1),
    );
    let kc = client(env);
    let user = send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_eq!(user.status(), 200);
    assert_eq!(user.request_id(), Some("req-123"));
    assert!(user.meta().is_none());
    assert_eq!(*user, expected_user(USER_ID, "jane.doe@example.com"));

    let request = &env.requests()[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.query(), None);
    assert_bearer(request, TOKEN);
    assert_common_headers(request, API, false);
}

fn retrieve_keeps_an_unknown_status(env: &Env) {
    let mut body = minimal_user(USER_ID);
    body["status"] = json!("suspended");
    env.mount(Mock::given(any()).respond_with(ok(body)));
    let kc = client(env);
    let user = send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_eq!(user.status, UserStatus::Unknown("suspended".into()));
    assert_eq!(user.status.to_string(), "suspended");
    assert_eq!(user.role_assignments, None);
    assert_eq!(user.authenticated_at, None);
}

fn retrieve_percent_encodes_path_parameters(env: &Env) {
    env.mount(Mock::given(any()).respond_with(ok(minimal_user("x"))));
    let kc = client(env);
    send!(kc, |c| c.zones().users().retrieve("zone 1", "usr/1?x=%41")).unwrap();
    assert_eq!(
        env.requests()[0].url.path(),
        "/zones/zone%201/users/usr%2F1%3Fx%3D%2541"
    );
    for bad in ["", ".", "..", "%2e%2E"] {
        let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, bad)));
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{bad:?}: {error:?}"
        );
    }
    assert_eq!(env.requests().len(), 1, "nothing sent for a bad id");
}

// ---- Auth -------------------------------------------------------------------

fn assert_token_request(request: &wiremock::Request, basic: &str) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), TOKEN_PATH);
    assert_eq!(header(request, "authorization"), Some(basic));
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(request, "accept"), Some("application/json"));
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        "grant_type=client_credentials"
    );
}

fn oauth2_token_is_fetched_once_and_reused(env: &Env) {
    mount_tokens(env, &["tok-1", "tok-2"], 3600);
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(page_json(&["usr_1"], None))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(minimal_user(USER_ID))),
    );
    let kc = oauth2_client(env);
    let page = send!(kc, |c| c.zones().users().list(ZONE)).unwrap();
    assert_eq!(page.items[0].id, "usr_1");
    let user = send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_eq!(user.id, USER_ID);
    send!(kc, |c| c.zones().users().list(ZONE)).unwrap();

    let requests = env.requests();
    let token_requests = env.requests_to(TOKEN_PATH);
    assert_eq!(token_requests.len(), 1, "one token for three calls");
    assert_token_request(&token_requests[0], BASIC);
    assert_eq!(
        requests[0].url.path(),
        TOKEN_PATH,
        "fetched before the call"
    );
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() != TOKEN_PATH)
        .collect();
    assert_eq!(api.len(), 3);
    for request in api {
        assert_bearer(request, "tok-1");
        assert_common_headers(request, API, false);
    }
}

fn oauth2_concurrent_calls_share_one_token_fetch(env: &Env) {
    // A slow token endpoint: the calls all start before the token arrives.
    env.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(token_response("tok-1", 3600).set_delay(Duration::from_millis(200)))
            .expect(1),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(minimal_user(USER_ID))),
    );
    let kc = oauth2_client(env);
    let results = concurrently!(kc, 4, |c| c.zones().users().retrieve(ZONE, USER_ID));
    assert_eq!(results.len(), 4);
    for result in results {
        assert_eq!(result.unwrap().id, USER_ID);
    }
    assert_eq!(env.requests_to(TOKEN_PATH).len(), 1);
    let api = env.requests_to(&user_path());
    assert_eq!(api.len(), 4);
    for request in &api {
        assert_bearer(request, "tok-1");
    }
}

fn oauth2_token_is_fetched_again_when_expired(env: &Env) {
    // `expires_in: 0`: every call needs a new token.
    mount_tokens(env, &["tok-1", "tok-2"], 0);
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    let kc = oauth2_client(env);
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    let api = env.requests_to(&user_path());
    assert_bearer(&api[0], "tok-1");
    assert_bearer(&api[1], "tok-2");
    assert_eq!(env.requests_to(TOKEN_PATH).len(), 2);
}

fn oauth2_rejected_token_is_replaced_once(env: &Env) {
    mount_tokens(env, &["tok-1", "tok-2", "tok-3"], 3600);
    env.mount(
        Mock::given(method("GET"))
            .and(header_is("authorization", "Bearer tok-1"))
            .respond_with(keycard_error(401, "invalid_token", "token revoked")),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(header_is("authorization", "Bearer tok-2"))
            .respond_with(ok(minimal_user(USER_ID))),
    );
    let kc = oauth2_client(env);
    let user = send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_eq!(user.id, USER_ID);
    assert_eq!(user.attempts(), 2);
    assert_eq!(env.requests_to(TOKEN_PATH).len(), 2);
    assert_eq!(env.requests_to(&user_path()).len(), 2);
    assert_eq!(env.sleeper.sleeps(), [], "re-authentication is not a retry");

    // A new token rejected too: an authentication error, not a loop.
    env.mount(
        Mock::given(method("GET"))
            .and(header_is("authorization", "Bearer tok-2"))
            .respond_with(keycard_error(401, "invalid_token", "token revoked"))
            .with_priority(1),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(header_is("authorization", "Bearer tok-3"))
            .respond_with(keycard_error(401, "invalid_token", "still revoked"))
            .with_priority(1),
    );
    let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)));
    assert_eq!(error.kind(), Some(ErrorKind::Authentication));
    assert_eq!(api_error(&error).message(), Some("still revoked"));
    assert_eq!(env.requests_to(TOKEN_PATH).len(), 3);
    assert_eq!(env.requests_to(&user_path()).len(), 4);
}

fn oauth2_token_refusal_is_an_authentication_error(env: &Env) {
    env.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                "error": "invalid_client",
                "error_description": "client authentication failed"
            })))
            .expect(1),
    );
    let kc = oauth2_client(env);
    let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)));
    let api = api_error(&error);
    assert_eq!(api.kind, ErrorKind::Authentication);
    assert_eq!(api.status.as_u16(), 400);
    assert_eq!(api.operation_id, "oauth2-token");
    assert_eq!(api.details[0].error.as_deref(), Some("invalid_client"));
    assert_eq!(api.details[0].message, "client authentication failed");
    assert!(!format!("{error} {error:?}").contains(CLIENT_SECRET));
    assert!(
        env.requests_to(&user_path()).is_empty(),
        "the API call is not sent"
    );
    assert_eq!(env.sleeper.sleeps(), []);
}

fn oauth2_token_endpoint_outage_is_retried(env: &Env) {
    env.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1),
    );
    mount_tokens(env, &["tok-1"], 3600);
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    let kc = oauth2_client(env);
    let user = send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_eq!(user.attempts(), 2);
    assert_eq!(env.sleeper.sleeps(), [secs(0.5)]);
    assert_eq!(env.requests_to(TOKEN_PATH).len(), 2);
    let api = env.requests_to(&user_path());
    assert_eq!(api.len(), 1);
    assert_bearer(&api[0], "tok-1");
}

fn bearer_token_is_sent(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(minimal_user(USER_ID))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(page_json(&[], None))),
    );
    let kc = client(env);
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    send!(kc, |c| c.zones().users().list(ZONE)).unwrap();
    let requests = env.requests();
    assert_eq!(requests.len(), 2, "no token request");
    for request in &requests {
        assert_bearer(request, TOKEN);
        assert_common_headers(request, API, false);
    }
}

fn profile(env: &Env) -> &'static apigen_runtime::ApiProfile {
    // Each flavour reads the environment through its own crate's profile.
    match env.flavor {
        Flavor::Async => &keycard_zone_users_client::PROFILE,
        Flavor::Blocking => &keycard_zone_users_blocking::PROFILE,
    }
}

fn from_env_client_credentials_configure_oauth2(env: &Env) {
    let uri = env.uri();
    let mut fake = FakeEnv::new(&[
        ("KEYCARD_API_CLIENT_ID", "env-client"),
        ("KEYCARD_API_CLIENT_SECRET", "env-s3cret"),
        ("KEYCARD_API_BASE_URL", &uri),
    ]);
    let config = fake.config(profile(env)).unwrap();
    // Every alternative is read; a call uses the first its operation
    // accepts.
    assert_eq!(
        fake.looked_up,
        [
            "KEYCARD_API_BASE_URL",
            "KEYCARD_API_CLIENT_ID",
            "KEYCARD_API_CLIENT_SECRET",
            "KEYCARD_API_TOKEN"
        ]
    );
    assert_eq!(config.base_url(), Some(uri.as_str()));
    assert_eq!(
        format!("{:?}", config.credentials()),
        "Credentials::OAuth2ClientCredentials(<redacted>)"
    );
    // The profile's token URL is absolute (api.keycard.ai); point it at the
    // mock server to see the id and secret from the environment sent.
    let credentials = config
        .credentials()
        .clone()
        .with_token_url(format!("{uri}{TOKEN_PATH}"));
    let kc = env.keycard(env.wire(config.with_credentials(credentials)));
    mount_tokens(env, &["tok-env"], 3600);
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    // base64("env-client:env-s3cret")
    assert_token_request(
        &env.requests_to(TOKEN_PATH)[0],
        "Basic ZW52LWNsaWVudDplbnYtczNjcmV0",
    );
    assert_bearer(&env.requests_to(&user_path())[0], "tok-env");
}

fn from_env_api_token_configures_a_bearer_token(env: &Env) {
    let uri = env.uri();
    let mut fake = FakeEnv::new(&[
        ("KEYCARD_API_TOKEN", TOKEN),
        ("KEYCARD_API_BASE_URL", &uri),
        // An incomplete client-credentials pair is skipped.
        ("KEYCARD_API_CLIENT_SECRET", "lonely"),
    ]);
    let config = fake.config(profile(env)).unwrap();
    assert_eq!(
        fake.looked_up,
        [
            "KEYCARD_API_BASE_URL",
            "KEYCARD_API_CLIENT_ID",
            "KEYCARD_API_TOKEN"
        ]
    );
    let kc = env.keycard(env.wire(config));
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    let requests = env.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), user_path());
    assert_bearer(&requests[0], TOKEN);
}

fn from_env_prefers_client_credentials_over_the_token(env: &Env) {
    let mut fake = FakeEnv::new(&[
        ("KEYCARD_API_TOKEN", TOKEN),
        ("KEYCARD_API_CLIENT_ID", CLIENT_ID),
        ("KEYCARD_API_CLIENT_SECRET", CLIENT_SECRET),
    ]);
    let config = fake.config(profile(env)).unwrap();
    assert_eq!(config.base_url(), None);
    // Both are read, in the spec's order; the calls use the first.
    assert_eq!(
        format!("{:?}", config.credentials()),
        "Credentials[OAuth2ClientCredentials(<redacted>), Bearer(<redacted>)]"
    );
    let credentials = config
        .credentials()
        .clone()
        .with_token_url(format!("{}{TOKEN_PATH}", env.uri()));
    let kc = env.keycard(env.wire(config.with_credentials(credentials)));
    mount_tokens(env, &["tok-1"], 3600);
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)).unwrap();
    assert_token_request(&env.requests_to(TOKEN_PATH)[0], BASIC);
    assert_bearer(&env.requests_to(&user_path())[0], "tok-1");
}

// ---- Pagination ---------------------------------------------------------------

fn mount_three_pages(env: &Env) {
    env.mount(page_mock(None, &["usr_1", "usr_2"], Some("c1")));
    env.mount(page_mock(Some("c1"), &["usr_3", "usr_4"], Some("c2")));
    env.mount(page_mock(Some("c2"), &["usr_5"], None));
}

fn items_follow_the_after_cursor_until_it_is_null(env: &Env) {
    mount_three_pages(env);
    mount_tokens(env, &["tok-1", "tok-2"], 3600);
    let kc = oauth2_client(env);
    let params = UsersListParams::new().limit(2).expand(vec![
        UsersListExpandItem::TotalCount,
        UsersListExpandItem::SessionCount,
    ]);
    let users = oks(items!(kc, ALL, |c| c
        .zones()
        .users()
        .list(ZONE)
        .params(params)));
    assert_eq!(
        user_ids(&users),
        ["usr_1", "usr_2", "usr_3", "usr_4", "usr_5"]
    );
    assert_eq!(cursors_sent(env), ["-", "c1", "c2"]);
    for request in env.requests_to(&users_path()) {
        // The other parameters are kept on every page.
        assert_eq!(query_values(&request, "limit"), ["2"]);
        assert_eq!(
            query_values(&request, "expand[]"),
            ["total_count", "session_count"]
        );
        assert_bearer(&request, "tok-1");
    }
    assert_eq!(
        env.requests_to(TOKEN_PATH).len(),
        1,
        "one token for all pages"
    );
}

fn pages_yield_each_response(env: &Env) {
    mount_three_pages(env);
    let kc = client(env);
    let pages = oks(pages!(kc, |c| c.zones().users().list(ZONE)));
    assert_eq!(pages.len(), 3);
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let cursors: Vec<Option<&str>> = pages
        .iter()
        .map(|p| p.pagination.after_cursor.as_deref())
        .collect();
    assert_eq!(cursors, [Some("c1"), Some("c2"), None]);
    assert!(pages.iter().all(|p| p.status() == 200));
    assert_eq!(cursors_sent(env), ["-", "c1", "c2"]);
}

fn pagination_starts_at_the_given_cursor(env: &Env) {
    mount_three_pages(env);
    let kc = client(env);
    let users = oks(items!(kc, ALL, |c| c
        .zones()
        .users()
        .list(ZONE)
        .params(UsersListParams::new().after("c1"))));
    assert_eq!(user_ids(&users), ["usr_3", "usr_4", "usr_5"]);
    assert_eq!(cursors_sent(env), ["c1", "c2"]);
}

fn pagination_stops_on_an_empty_or_repeated_cursor(env: &Env) {
    // An empty cursor ends the walk.
    env.mount(page_mock(None, &["usr_1"], Some("")));
    let kc = client(env);
    let users = oks(items!(kc, ALL, |c| c.zones().users().list(ZONE)));
    assert_eq!(user_ids(&users), ["usr_1"]);
    assert_eq!(cursors_sent(env), ["-"]);

    // A server that hands back the cursor it was sent cannot cause a loop.
    env.reset();
    env.mount(page_mock(None, &["usr_1"], Some("same")));
    env.mount(page_mock(Some("same"), &["usr_2"], Some("same")));
    let users = oks(items!(kc, ALL, |c| c.zones().users().list(ZONE)));
    assert_eq!(user_ids(&users), ["usr_1", "usr_2"]);
    assert_eq!(cursors_sent(env), ["-", "same"]);
    let pages = oks(pages!(kc, |c| c.zones().users().list(ZONE)));
    assert_eq!(pages.len(), 2);
    assert_eq!(cursors_sent(env), ["-", "same", "-", "same"]);
}

fn cursors_are_percent_encoded(env: &Env) {
    let cursor = "eyJpZCI6IjEifQ==+/&x=1";
    env.mount(page_mock(None, &["usr_1"], Some(cursor)));
    env.mount(page_mock(Some(cursor), &["usr_2"], None));
    let kc = client(env);
    let users = oks(items!(kc, ALL, |c| c.zones().users().list(ZONE)));
    assert_eq!(user_ids(&users), ["usr_1", "usr_2"]);
    let second = &env.requests()[1];
    assert_eq!(
        second.url.query(),
        Some("after=eyJpZCI6IjEifQ%3D%3D%2B%2F%26x%3D1")
    );
}

fn items_are_fetched_lazily(env: &Env) {
    mount_three_pages(env);
    let kc = client(env);
    let users = oks(items!(kc, 2, |c| c.zones().users().list(ZONE)));
    assert_eq!(user_ids(&users), ["usr_1", "usr_2"]);
    assert_eq!(cursors_sent(env), ["-"]);
    let users = oks(items!(kc, 3, |c| c.zones().users().list(ZONE)));
    assert_eq!(user_ids(&users), ["usr_1", "usr_2", "usr_3"]);
    assert_eq!(cursors_sent(env), ["-", "-", "c1"]);
}

fn pagination_ends_after_an_error(env: &Env) {
    env.mount(page_mock(None, &["usr_1", "usr_2"], Some("c1")));
    env.mount(
        Mock::given(method("GET"))
            .and(query_param("after", "c1"))
            .respond_with(keycard_error(404, "not_found", "cursor expired")),
    );
    let kc = client(env);
    let results = items!(kc, ALL, |c| c.zones().users().list(ZONE));
    assert_eq!(results.len(), 3, "two users, then the error, then the end");
    let error = results.into_iter().nth(2).unwrap().unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::NotFound));
    assert_eq!(api_error(&error).message(), Some("cursor expired"));
    assert_eq!(cursors_sent(env), ["-", "c1"]);
}

// ---- Retries ----------------------------------------------------------------

fn retries_503_twice_with_exponential_backoff(env: &Env) {
    env.mount_script(
        "GET",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(503)],
        ok(page_json(&["usr_1"], None)),
    );
    let kc = client(env);
    let page = send!(kc, |c| c
        .zones()
        .users()
        .list(ZONE)
        .params(UsersListParams::new().limit(1)))
    .unwrap();
    assert_eq!(page.items[0].id, "usr_1");
    assert_eq!(page.attempts(), 3);
    assert_eq!(env.sleeper.sleeps(), [secs(0.5), secs(1.0)]);
    let requests = env.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.url.query(), Some("limit=1"));
        assert_bearer(request, TOKEN);
    }
}

fn retry_after_beyond_the_cap_fails_at_once_with_the_wait(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .respond_with(
                keycard_error(429, "rate_limited", "slow down").insert_header("retry-after", "61"),
            )
            .expect(1),
    );
    let kc = client(env);
    let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)));
    assert_eq!(error.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(61)));
    assert_eq!(api_error(&error).message(), Some("slow down"));
    assert_eq!(env.sleeper.sleeps(), []);
    assert_eq!(env.requests().len(), 1);
}

// ---- Errors -------------------------------------------------------------------

fn error_statuses_map_to_kinds_with_the_error_body(env: &Env) {
    // (status, kind, code, retried by a GET with the default 2 retries)
    let table = [
        (400, ErrorKind::BadRequest, "invalid_request", false),
        (401, ErrorKind::Authentication, "unauthorized", false),
        (403, ErrorKind::Permission, "forbidden", false),
        (404, ErrorKind::NotFound, "not_found", false),
        (409, ErrorKind::Conflict, "conflict", true),
        (422, ErrorKind::Unprocessable, "unprocessable", false),
        (429, ErrorKind::RateLimited, "rate_limited", true),
        (500, ErrorKind::Server, "internal", true),
    ];
    let kc = client(env);
    for (status, kind, code, retried) in table {
        env.reset();
        let message = format!("keycard says {status}");
        env.mount(Mock::given(method("GET")).respond_with(keycard_error(status, code, &message)));
        let sleeps_before = env.sleeper.sleeps().len();
        let error = expect_err(send!(kc, |c| c.zones().users().list(ZONE)));
        let api = api_error(&error);
        assert_eq!(error.kind(), Some(kind), "{status}");
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(api.operation_id, "listZoneUsers");
        assert_eq!(error.request_id(), Some(format!("req-{status}").as_str()));
        assert_eq!(api.details.len(), 1, "{status}");
        assert_eq!(api.details[0].message, message);
        assert_eq!(api.details[0].error.as_deref(), Some(code));
        assert_eq!(api.details[0].code, None);
        // The whole Keycard `Error` body is kept and decodes as the model.
        let body: keycard_zone_users_client::types::Error =
            serde_json::from_str(&api.body).expect("the Keycard error body");
        assert_eq!(body.code, code);
        assert_eq!(body.status, f64::from(status));
        assert_eq!(error.is_retryable(), retried, "{status}");
        assert_attempts(env, retried, sleeps_before, status);
    }
}

fn decode_error_names_the_json_path(env: &Env) {
    let mut bad = minimal_user("usr_2");
    bad["created_at"] = json!("2026-13-45");
    env.mount(
        Mock::given(method("GET"))
            .and(path(users_path()))
            .respond_with(ok(json!({
                "items": [minimal_user("usr_1"), bad],
                "pagination": {"after_cursor": null, "before_cursor": null}
            }))),
    );
    let mut no_email = minimal_user(USER_ID);
    no_email.as_object_mut().unwrap().remove("email");
    env.mount(
        Mock::given(method("GET"))
            .and(path(user_path()))
            .respond_with(ok(no_email)),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path(format!("/zones/{ZONE}/users/usr_flag")))
            .respond_with(ok({
                let mut user = minimal_user("usr_flag");
                user["email_verified"] = json!("yes");
                user
            })),
    );
    let kc = client(env);
    let decode_path = |error: Error| match error {
        Error::Decode { path, status, .. } => {
            assert_eq!(status, 200);
            path
        }
        other => panic!("expected a decode error, got {other:?}"),
    };
    let error = expect_err(send!(kc, |c| c.zones().users().list(ZONE)));
    assert!(error.to_string().contains("items[1].created_at"), "{error}");
    assert_eq!(decode_path(error), "items[1].created_at");
    let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, "usr_flag")));
    assert_eq!(decode_path(error), "email_verified");
    let error = expect_err(send!(kc, |c| c.zones().users().retrieve(ZONE, USER_ID)));
    let Error::Decode { message, .. } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(message.contains("missing field `email`"), "{message}");
    assert_eq!(env.requests().len(), 3, "decode errors are not retried");
}

// ---- One flavour, or configuration only ---------------------------------------

#[test]
fn from_env_without_credentials_names_the_variables() {
    for vars in [
        &[][..],
        &[("KEYCARD_API_CLIENT_ID", CLIENT_ID)][..],
        &[
            ("KEYCARD_API_CLIENT_SECRET", CLIENT_SECRET),
            ("KEYCARD_API_TOKEN", " "),
        ][..],
        &[("KEYCARD_API_BASE_URL", "http://127.0.0.1:1")][..],
    ] {
        let (message, text) = no_credentials(vars, &keycard_zone_users_client::PROFILE);
        assert_eq!(
            message,
            "no credentials for keycard-zone-users found in the environment: \
             set KEYCARD_API_CLIENT_ID and KEYCARD_API_CLIENT_SECRET, or KEYCARD_API_TOKEN",
            "{vars:?}"
        );
        assert!(!text.contains(CLIENT_SECRET));
    }
}

#[test]
fn from_env_defaults_to_the_keycard_base_url() {
    let mut fake = FakeEnv::new(&[("KEYCARD_API_TOKEN", TOKEN)]);
    let config = fake.config(&keycard_zone_users_client::PROFILE).unwrap();
    let client = keycard_zone_users_client::Client::new(config.clone()).unwrap();
    assert_eq!(client.runtime().base_url(), "https://api.keycard.ai");
    let blocking = keycard_zone_users_blocking::Client::new(config).unwrap();
    assert_eq!(blocking.runtime().base_url(), "https://api.keycard.ai");
    assert!(!format!("{client:?} {blocking:?}").contains(TOKEN));
}

#[test]
fn async_and_blocking_profiles_are_identical() {
    let a = &keycard_zone_users_client::PROFILE;
    let b = &keycard_zone_users_blocking::PROFILE;
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn blocking_client_inside_a_runtime_refuses_without_panicking() {
    let env = Env::new(Flavor::Blocking);
    mount_tokens(&env, &["tok-1"], 3600);
    env.mount(Mock::given(method("GET")).respond_with(ok(minimal_user(USER_ID))));
    let kc =
        keycard_zone_users_blocking::Client::new(env.config(oauth2_credentials(&env))).unwrap();
    let (send, items) = env.block_on(async {
        let users = kc.zones().users();
        let send = users.retrieve(ZONE, USER_ID).send();
        let items: Vec<_> = users.list(ZONE).items().collect();
        (send, items)
    });
    assert!(
        matches!(send, Err(Error::BlockingInAsyncContext)),
        "{send:?}"
    );
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(Error::BlockingInAsyncContext)));
    assert!(env.requests().is_empty(), "not even a token request");

    // From a plain thread spawned by the test, it works.
    let kc2 = kc.clone();
    let user = std::thread::spawn(move || kc2.zones().users().retrieve(ZONE, USER_ID).send())
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(user.id, USER_ID);
    assert_eq!(env.requests().len(), 2, "token, then the call");
    env.block_on(async move { drop(kc) });
}

#[test]
fn blocking_items_is_an_iterator() {
    let env = Env::new(Flavor::Blocking);
    mount_three_pages(&env);
    let kc =
        keycard_zone_users_blocking::Client::new(env.config(Credentials::bearer(TOKEN))).unwrap();
    // The blocking `.items()` is a plain `Iterator` of results.
    let iter: apigen_runtime::blocking::Iter<'_, User> = kc.zones().users().list(ZONE).items();
    assert!(env.requests().is_empty(), "nothing fetched before `next`");
    let emails: Vec<String> = iter
        .map(|user| user.unwrap().email)
        .skip(1)
        .step_by(2)
        .collect();
    assert_eq!(emails, ["usr_2@example.com", "usr_4@example.com"]);
    assert_eq!(cursors_sent(&env), ["-", "c1", "c2"]);
}
