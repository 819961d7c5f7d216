//! What goes on the wire: URL building, encoding, rejection, headers, body;
//! and the response accessors.

use apigen_runtime::{Client, Config, Credentials, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn path_parameters_are_encoded_as_exactly_one_segment() {
    let server = always_with(ResponseTemplate::new(200).set_body_json(envelope(user("u")))).await;
    let (client, _) = test_client(&server);
    let cases = [
        ("a/b", "/accounts/acc/users/a%2Fb"),
        ("?x", "/accounts/acc/users/%3Fx"),
        ("#x", "/accounts/acc/users/%23x"),
        ("a b+c&d=e", "/accounts/acc/users/a%20b%2Bc%26d%3De"),
        ("50%", "/accounts/acc/users/50%25"),
        ("ü", "/accounts/acc/users/%C3%BC"),
        (
            "f174e90a-fafe_4643.bbbc~x",
            "/accounts/acc/users/f174e90a-fafe_4643.bbbc~x",
        ),
        ("...", "/accounts/acc/users/..."),
    ];
    for (value, _) in &cases {
        client.call(GetUser::new(value)).send().await.unwrap();
    }
    let paths: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    let expected: Vec<&str> = cases.iter().map(|(_, p)| *p).collect();
    assert_eq!(paths, expected);
}

#[tokio::test]
async fn dangerous_path_parameters_are_rejected_before_sending() {
    let server = always_with(ResponseTemplate::new(200)).await;
    let (client, _) = test_client(&server);
    for value in ["..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e", ""] {
        let err = client.call(GetUser::new(value)).send().await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{value:?}: {err:?}"
        );
        assert!(err.to_string().contains("user_id"), "{err}");
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn header_values_with_line_breaks_are_rejected() {
    let server = always_with(ResponseTemplate::new(200)).await;
    let (client, _) = test_client(&server);
    for bad in ["a\r\nx-injected: 1", "a\nb", "a\rb", "a\0b"] {
        let err = client
            .call(GetUser::new("u"))
            .header("x-extra", bad)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert!(!err.to_string().contains("injected"));
        let op = ListUsers {
            trace: Some(bad.into()),
            ..Default::default()
        };
        let err = client.call(op).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    let err = client
        .call(GetUser::new("u"))
        .header("bad header", "v")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }));
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn query_parameters_arrays_and_per_call_options() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/acc/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(serde_json::json!([]))))
        .mount(&server)
        .await;
    let (client, _) = test_client(&server);
    let op = ListUsers {
        page: Some(2),
        per_page: None,
        expand: vec!["total_count".into(), "a b&c".into()],
        trace: Some("t-1".into()),
    };
    client
        .call(op)
        .query("extra", "x/y")
        .header("x-call", "c")
        .send()
        .await
        .unwrap();
    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(
        request.url.query(),
        Some("page=2&expand%5B%5D=total_count&expand%5B%5D=a%20b%26c&extra=x%2Fy")
    );
    assert_eq!(request.headers["x-trace"], "t-1");
    assert_eq!(request.headers["x-call"], "c");
    assert_eq!(request.headers["accept"], "application/json");
    assert_eq!(
        request.headers["user-agent"],
        format!(
            "cloudflare-access-users/9.9.9 apigen-runtime/{}",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn json_body_default_headers_and_user_agent_suffix() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(envelope(user("new"))))
        .mount(&server)
        .await;
    let sleeper = RecordingSleeper::default();
    let config = test_config(&server, &sleeper)
        .with_header("x-tenant", "t1")
        .with_user_agent_suffix("my-app/1.0");
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    let response = client
        .call(CreateUser {
            email: "new@example.com".into(),
        })
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.id, "new");
    let request = &received(&server).await[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/accounts/acc/users");
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(request.headers["x-tenant"], "t1");
    assert!(
        request.headers["user-agent"]
            .to_str()
            .unwrap()
            .ends_with(" my-app/1.0")
    );
    let body: serde_json::Value = request.body_json().unwrap();
    assert_eq!(body, serde_json::json!({"email": "new@example.com"}));
}

#[tokio::test]
async fn base_url_path_is_kept_and_trailing_slash_ignored() {
    let server = always_with(ResponseTemplate::new(200).set_body_json(envelope(user("u")))).await;
    let config =
        Config::new(Credentials::none()).with_base_url(format!("{}/client/v4/", server.uri()));
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    assert_eq!(client.base_url(), format!("{}/client/v4", server.uri()));
    client.call(GetUser::new("u")).await.unwrap();
    let request = &received(&server).await[0];
    assert_eq!(request.url.path(), "/client/v4/accounts/acc/users/u");
    assert!(request.headers.get("authorization").is_none());
}

#[tokio::test]
async fn invalid_configuration_is_rejected() {
    for url in ["not a url", "ftp://example.com", "http://example.com/?q=1"] {
        let err =
            Client::new(&CLOUDFLARE_PROFILE, Config::default().with_base_url(url)).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{url}: {err:?}");
    }
    let err = Client::new(
        &CLOUDFLARE_PROFILE,
        Config::default().with_header("x-a", "a\nb"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let err = Client::new(
        &CLOUDFLARE_PROFILE,
        Config::new(Credentials::bearer("a\nb")),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("a\nb"));
}

#[tokio::test]
async fn response_accessors() {
    let server = always_with(
        ResponseTemplate::new(200)
            .insert_header("cf-ray", "8a1b2c3d4e5f-SJC")
            .insert_header("x-custom", "1")
            .set_body_json(serde_json::json!({
                "success": true, "errors": [], "messages": [],
                "result": [user("a"), user("b")],
                "result_info": {"page": 1, "per_page": 2, "total_pages": 7, "count": 2}
            })),
    )
    .await;
    let (client, _) = test_client(&server);
    let response = client.call(ListUsers::default()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.request_id(), Some("8a1b2c3d4e5f-SJC"));
    assert_eq!(response.headers()["x-custom"], "1");
    assert_eq!(response.attempts(), 1);
    assert_eq!(response.meta().unwrap().total_pages, Some(7));
    assert_eq!(response.len(), 2); // Deref to the output
    let (users, parts) = response.into_parts();
    assert_eq!(users[1].id, "b");
    assert_eq!(parts.request_id(), Some("8a1b2c3d4e5f-SJC"));
    assert_eq!(parts.meta.unwrap().per_page, Some(2));
}

#[tokio::test]
async fn calls_are_send_and_can_be_spawned() {
    let server = always_with(ResponseTemplate::new(200).set_body_json(envelope(user("u")))).await;
    let (client, _) = test_client(&server);
    let task = tokio::spawn(async move {
        let user = client.call(GetUser::new("u")).await?.into_inner();
        Ok::<_, Error>(user)
    });
    assert_eq!(task.await.unwrap().unwrap().id, "u");
}

#[test]
fn base_urls_with_credentials_are_rejected() {
    let config = Config::default().with_base_url(format!("https://user:{SECRET}@api.example.com"));
    let err = Client::new(&CLOUDFLARE_PROFILE, config).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[cfg(feature = "rustls")]
#[test]
fn https_clients_build_with_rustls() {
    let client = Client::new(&CLOUDFLARE_PROFILE, Config::default()).unwrap();
    assert_eq!(client.base_url(), "https://api.cloudflare.com/client/v4");
}
