//! Credentials on the wire, OAuth2 token caching, environment lookup, and
//! that no secret is ever printed.

use std::collections::HashMap;
use std::time::Duration;

use apigen_runtime::{Client, Config, Credentials, Error, ErrorKind};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/acc/users/u"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user("u"))))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn bearer_token() {
    let server = ok_server().await;
    let (client, _) = test_client(&server);
    client.call(GetUser::new("u")).await.unwrap();
    let request = &received(&server).await[0];
    assert_eq!(request.headers["authorization"], format!("Bearer {SECRET}"));
}

#[tokio::test]
async fn api_keys_in_headers() {
    let server = ok_server().await;
    let config = Config::new(Credentials::api_keys([
        ("X-Auth-Email", "user@example.com"),
        ("X-Auth-Key", SECRET),
    ]))
    .with_base_url(server.uri());
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    client.call(GetUser::new("u")).await.unwrap();
    let request = &received(&server).await[0];
    assert_eq!(request.headers["x-auth-email"], "user@example.com");
    assert_eq!(request.headers["x-auth-key"], SECRET);
    assert!(request.headers.get("authorization").is_none());
    assert!(!format!("{client:?}").contains(SECRET));
}

#[tokio::test]
async fn api_key_in_query_stays_out_of_errors() {
    let server = always_with(ResponseTemplate::new(404)).await;
    let config =
        Config::new(Credentials::api_keys([("api_key", SECRET)])).with_base_url(server.uri());
    let client = Client::new(&QUERY_KEY_PROFILE, config).unwrap();
    let err = client
        .call(ListUsers {
            page: Some(1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound));
    let request = &received(&server).await[0];
    assert_eq!(
        request.url.query(),
        Some(format!("page=1&api_key={SECRET}").as_str())
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));

    // A transport error must not carry the URL either.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = Config::new(Credentials::api_keys([("api_key", SECRET)]))
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_max_retries(0);
    let client = Client::new(&QUERY_KEY_PROFILE, config).unwrap();
    let err = client.call(ListUsers::default()).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    assert!(!full_chain(&err).contains(SECRET), "{}", full_chain(&err));
}

fn full_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(&format!(" / {s} / {s:?}"));
        source = s.source();
    }
    out
}

fn token_response(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": token, "token_type": "Bearer", "expires_in": expires_in
    }))
}

fn keycard(server: &MockServer) -> Client {
    keycard_with(server, RecordingSleeper::default())
}

/// A Keycard client with OAuth2 client credentials and `sleeper`.
fn keycard_with(server: &MockServer, sleeper: RecordingSleeper) -> Client {
    let config = Config::new(Credentials::oauth2_client_credentials(
        "client-id",
        "s3cret",
    ))
    .with_base_url(server.uri())
    .with_jitter(false)
    .with_sleeper(sleeper);
    Client::new(&KEYCARD_PROFILE, config).unwrap()
}

/// Answers the first token request with `first`, every later one with
/// `then`.
async fn mount_token_endpoint(
    server: &MockServer,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(path("/service-account-token"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path("/service-account-token"))
        .respond_with(then)
        .mount(server)
        .await;
}

async fn mount_zone_users(server: &MockServer, token: &str) {
    Mock::given(path("/zones/z1/users"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "items": [user("a")], "pagination": {"after_cursor": null}
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn oauth2_token_request_and_reuse() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/service-account-token"))
        .and(header("authorization", "Basic Y2xpZW50LWlkOnMzY3JldA=="))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(token_response("tok-A", 3600))
        .expect(1)
        .mount(&server)
        .await;
    mount_zone_users(&server, "tok-A").await;
    let client = keycard(&server);
    for _ in 0..3 {
        let page = client.call(ListZoneUsers::default()).await.unwrap();
        assert_eq!(page.items.len(), 1);
    }
    assert_eq!(received(&server).await.len(), 4);
    server.verify().await;
}

#[tokio::test]
async fn oauth2_one_token_fetch_for_concurrent_calls() {
    let server = MockServer::start().await;
    Mock::given(path("/service-account-token"))
        .respond_with(token_response("tok-A", 3600).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;
    mount_zone_users(&server, "tok-A").await;
    let client = keycard(&server);
    let calls = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.call(ListZoneUsers::default()).await.map(|_| ()) })
    });
    for result in futures_util::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    server.verify().await;
}

#[tokio::test]
async fn oauth2_token_refreshed_after_expiry() {
    let server = MockServer::start().await;
    mount_token_endpoint(
        &server,
        token_response("tok-A", 0),
        token_response("tok-B", 3600),
    )
    .await;
    mount_zone_users(&server, "tok-A").await;
    mount_zone_users(&server, "tok-B").await;
    let client = keycard(&server);
    for _ in 0..3 {
        client.call(ListZoneUsers::default()).await.unwrap();
    }
    let auth: Vec<String> = received(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == "/zones/z1/users")
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(auth, ["Bearer tok-A", "Bearer tok-B", "Bearer tok-B"]);
}

#[tokio::test]
async fn oauth2_401_invalidates_the_token_and_retries_once() {
    let server = MockServer::start().await;
    mount_token_endpoint(
        &server,
        token_response("tok-A", 3600),
        token_response("tok-B", 3600),
    )
    .await;
    Mock::given(path("/zones/z1/users"))
        .and(header("authorization", "Bearer tok-A"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    mount_zone_users(&server, "tok-B").await;
    let client = keycard(&server);
    let response = client.call(ListZoneUsers::default()).await.unwrap();
    assert_eq!(response.attempts(), 2);
    let paths: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/service-account-token",
            "/zones/z1/users",
            "/service-account-token",
            "/zones/z1/users"
        ]
    );

    // A second 401 is final: only one re-authentication per call.
    server.reset().await;
    Mock::given(path("/service-account-token"))
        .respond_with(token_response("tok-C", 3600))
        .mount(&server)
        .await;
    Mock::given(path("/zones/z1/users"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client.call(ListZoneUsers::default()).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Authentication));
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn oauth2_token_failure_is_an_authentication_error_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/service-account-token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_client", "error_description": "Client authentication failed"
        })))
        .mount(&server)
        .await;
    let config = Config::new(Credentials::oauth2_client_credentials("client-id", SECRET))
        .with_base_url(server.uri());
    let client = Client::new(&KEYCARD_PROFILE, config).unwrap();
    let err = client.call(ListZoneUsers::default()).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Authentication));
    let api = err.api_error().unwrap();
    assert_eq!(api.operation_id, "oauth2-token");
    assert_eq!(api.details[0].error.as_deref(), Some("invalid_client"));
    assert!(
        err.to_string().contains("Client authentication failed"),
        "{err}"
    );
    assert!(!format!("{err} {err:?} {client:?}").contains(SECRET));
    // Not retried, and the API itself was never called.
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn oauth2_token_response_is_never_quoted() {
    let server = MockServer::start().await;
    Mock::given(path("/service-account-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": 12345, "refresh_token": SECRET
        })))
        .mount(&server)
        .await;
    let err = keycard(&server)
        .call(ListZoneUsers::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "access_token"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[tokio::test]
async fn oauth2_scopes_and_token_url_override() {
    let server = MockServer::start().await;
    Mock::given(path("/api/oauth/token"))
        .and(body_string(
            "grant_type=client_credentials&scope=users%3Aread%20users%3Awrite",
        ))
        .respond_with(token_response("tok-S", 3600))
        .expect(1)
        .mount(&server)
        .await;
    mount_zone_users(&server, "tok-S").await;
    // `oauth/token` is relative to the base URL `<server>/api`.
    let config = Config::new(Credentials::oauth2_client_credentials("id", "secret"))
        .with_base_url(format!("{}/api", server.uri()));
    let client = Client::new(&SCOPED_PROFILE, config).unwrap();
    let _ = client.call(ListZoneUsers::default()).await;
    server.verify().await;

    let other = MockServer::start().await;
    Mock::given(path("/custom-token"))
        .respond_with(token_response("tok-O", 3600))
        .expect(1)
        .mount(&other)
        .await;
    mount_zone_users(&server, "tok-O").await;
    let config = Config::new(
        Credentials::oauth2_client_credentials("id", "secret")
            .with_token_url(format!("{}/custom-token", other.uri())),
    )
    .with_base_url(server.uri());
    let client = Client::new(&KEYCARD_PROFILE, config).unwrap();
    client.call(ListZoneUsers::default()).await.unwrap();
    other.verify().await;
}

#[test]
fn oauth2_without_a_token_url_is_a_config_error() {
    let err = Client::new(
        &CLOUDFLARE_PROFILE,
        Config::new(Credentials::oauth2_client_credentials("a", "b")),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

fn env(vars: &[(&str, &str)]) -> impl FnMut(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn from_env_reads_every_complete_alternative() {
    let config = Config::from_env_with(
        &CLOUDFLARE_PROFILE,
        env(&[
            ("CLOUDFLARE_API_TOKEN", SECRET),
            ("CLOUDFLARE_EMAIL", "a@b.c"),
            ("CLOUDFLARE_API_KEY", "k"),
            ("CLOUDFLARE_BASE_URL", "http://localhost:1234/v4"),
        ]),
    )
    .unwrap();
    // Both, in the profile's order: a call uses the first its operation
    // accepts (for Cloudflare's operations, any: the token).
    assert_eq!(
        format!("{:?}", config.credentials()),
        "Credentials[Bearer(<redacted>), ApiKeys(<redacted>)]"
    );
    assert_eq!(config.base_url(), Some("http://localhost:1234/v4"));

    // An empty token counts as unset; email + key is the fallback.
    let config = Config::from_env_with(
        &CLOUDFLARE_PROFILE,
        env(&[
            ("CLOUDFLARE_API_TOKEN", ""),
            ("CLOUDFLARE_EMAIL", "a@b.c"),
            ("CLOUDFLARE_API_KEY", SECRET),
        ]),
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", config.credentials()),
        "Credentials::ApiKeys(<redacted>)"
    );
    assert_eq!(config.base_url(), None);

    let config = Config::from_env_with(
        &KEYCARD_PROFILE,
        env(&[
            ("KEYCARD_CLIENT_ID", "id"),
            ("KEYCARD_CLIENT_SECRET", SECRET),
        ]),
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", config.credentials()),
        "Credentials::OAuth2ClientCredentials(<redacted>)"
    );
}

#[tokio::test]
async fn from_env_credentials_are_sent() {
    let server = ok_server().await;
    let uri = server.uri();
    let config = Config::from_env_with(
        &CLOUDFLARE_PROFILE,
        env(&[
            ("CLOUDFLARE_EMAIL", "a@b.c"),
            ("CLOUDFLARE_API_KEY", SECRET),
            ("CLOUDFLARE_BASE_URL", &uri),
        ]),
    )
    .unwrap();
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    client.call(GetUser::new("u")).await.unwrap();
    let request = &received(&server).await[0];
    assert_eq!(request.headers["x-auth-email"], "a@b.c");
    assert_eq!(request.headers["x-auth-key"], SECRET);
}

#[test]
fn from_env_without_credentials_names_the_variables() {
    let err = Config::from_env_with(&CLOUDFLARE_PROFILE, env(&[("CLOUDFLARE_EMAIL", "a@b.c")]))
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert_eq!(
        err.to_string(),
        "invalid configuration: no credentials for cloudflare-access-users found in the environment: \
         set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
    );
    let err = Config::from_env_with(&KEYCARD_PROFILE, env(&[])).unwrap_err();
    assert!(
        err.to_string()
            .contains("KEYCARD_CLIENT_ID and KEYCARD_CLIENT_SECRET"),
        "{err}"
    );
}

#[test]
fn debug_output_never_contains_secrets() {
    let credentials = [
        Credentials::bearer(SECRET),
        Credentials::api_keys([("X-Auth-Email", "a@b.c"), ("X-Auth-Key", SECRET)]),
        Credentials::oauth2_client_credentials("id", SECRET),
    ];
    for credentials in credentials {
        let config = Config::new(credentials.clone())
            .with_header("x-other-secret", SECRET)
            .with_base_url("http://127.0.0.1:9");
        let client = Client::new(
            &CLOUDFLARE_PROFILE,
            config.clone().with_credentials(credentials.clone()),
        );
        let text = format!("{credentials:?} {config:?} {client:?}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
    assert_eq!(format!("{:?}", Credentials::none()), "Credentials::None");
}

#[tokio::test]
async fn oauth2_token_endpoint_failures_are_retried_like_connection_errors() {
    let server = MockServer::start().await;
    mount_token_endpoint(
        &server,
        ResponseTemplate::new(503),
        token_response("tok-A", 3600),
    )
    .await;
    mount_zone_users(&server, "tok-A").await;
    let sleeper = RecordingSleeper::default();
    let client = keycard_with(&server, sleeper.clone());
    let response = client.call(ListZoneUsers::default()).await.unwrap();
    assert_eq!(response.attempts(), 2);
    assert_eq!(sleeper.sleeps(), [secs(0.5)]);
}
