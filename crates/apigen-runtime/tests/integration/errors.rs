//! Error classification and decoding of successful and failed responses.

use apigen_runtime::{Client, Error, ErrorKind};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn respond(response: ResponseTemplate) -> (MockServer, Client) {
    let server = always_with(response).await;
    let (client, _) = test_client(&server);
    (server, client)
}

fn cf_failure(code: i64, message: &str) -> serde_json::Value {
    serde_json::json!({
        "success": false,
        "errors": [{"code": code, "message": message,
                    "documentation_url": "https://developers.cloudflare.com/x",
                    "source": {"pointer": "/email"}}],
        "messages": [],
        "result": null
    })
}

#[tokio::test]
async fn each_status_class() {
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::Permission),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::Unprocessable),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (503, ErrorKind::Server),
        (418, ErrorKind::Other),
    ];
    for (status, kind) in cases {
        let (_server, client) = respond(
            ResponseTemplate::new(status)
                .insert_header("cf-ray", "ray-1")
                .set_body_json(cf_failure(7003, "No route for the URI")),
        )
        .await;
        let err = client
            .call(GetUser::new("u"))
            .max_retries(0)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(kind), "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.request_id(), Some("ray-1"));
        assert_eq!(err.is_retryable(), matches!(status, 409 | 429 | 500 | 503));
        let api = err.api_error().unwrap();
        assert_eq!(api.operation_id, "get-user");
        assert_eq!(api.details.len(), 1);
        let detail = &api.details[0];
        assert_eq!(detail.code, Some(7003));
        assert_eq!(detail.message, "No route for the URI");
        assert_eq!(
            detail.documentation_url.as_deref(),
            Some("https://developers.cloudflare.com/x")
        );
        assert_eq!(detail.pointer.as_deref(), Some("/email"));
        assert!(api.body.contains("7003"));
        let text = err.to_string();
        assert!(text.contains("No route for the URI [code 7003]"), "{text}");
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(text.contains("request id ray-1"), "{text}");
    }
}

#[tokio::test]
async fn keycard_and_html_error_bodies() {
    let (_s, client) = respond(ResponseTemplate::new(404).set_body_json(
        serde_json::json!({"message": "user not found", "code": "not_found", "status": 404}),
    ))
    .await;
    let err = client.call(GetUser::new("u")).await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.details[0].message, "user not found");
    assert_eq!(api.details[0].error.as_deref(), Some("not_found"));

    let html = format!("<html><body>{}</body></html>", "Bad gateway ".repeat(100));
    let (_s, client) =
        respond(ResponseTemplate::new(502).set_body_raw(html.clone(), "text/html")).await;
    let err = get_once(&client).await;
    let api = err.api_error().unwrap();
    assert!(api.details.is_empty());
    assert!(api.body.starts_with("<html><body>Bad gateway"));
    assert!(api.body.len() <= apigen_runtime::BODY_SNIPPET_LEN + 3);
    assert!(err.to_string().contains("Bad gateway"), "{err}");

    let (_s, client) = respond(
        ResponseTemplate::new(500).set_body_raw("{\"errors\":[{\"code\":1", "application/json"),
    )
    .await;
    let err = get_once(&client).await;
    assert_eq!(err.kind(), Some(ErrorKind::Server));
    assert!(err.api_error().unwrap().details.is_empty());
}

#[tokio::test]
async fn envelope_success_false_in_a_2xx_is_an_error() {
    let (_s, client) =
        respond(ResponseTemplate::new(200).set_body_json(cf_failure(1001, "invalid"))).await;
    let err = client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Unsuccessful));
    assert_eq!(err.api_error().unwrap().details[0].code, Some(1001));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn decode_errors_carry_the_json_path() {
    let (_s, client) = respond(ResponseTemplate::new(200).set_body_json(envelope(
        serde_json::json!([
            user("a"),
            {"id": "b", "email": "b@example.com", "created_at": 17}
        ]),
    )))
    .await;
    let err = client.call(ListUsers::default()).await.unwrap_err();
    match &err {
        Error::Decode {
            path,
            message,
            status,
            body,
            ..
        } => {
            assert_eq!(path, "result[1].created_at");
            assert!(message.contains("invalid type"), "{message}");
            assert_eq!(*status, 200);
            assert!(body.contains("b@example.com"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("result[1].created_at"));
}

#[tokio::test]
async fn empty_bodies() {
    // 204 for an operation without output.
    let (server, client) = respond(ResponseTemplate::new(204)).await;
    let response = client.call(DeleteUser).await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(received(&server).await[0].method.as_str(), "DELETE");

    // 204 (or an empty 200) where an output is expected: a decode error.
    for status in [200, 204] {
        let (_s, client) = respond(ResponseTemplate::new(status)).await;
        let err = client.call(GetUser::new("u")).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = client.call(GetThing).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    // An output that accepts nothing decodes from an empty body.
    let (_s, client) = respond(ResponseTemplate::new(204)).await;
    assert_eq!(
        client.call(Ping).await.unwrap().into_inner(),
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn plain_bodies_and_content_types() {
    let (_s, client) = respond(ResponseTemplate::new(200).set_body_json(user("p"))).await;
    assert_eq!(client.call(GetThing).await.unwrap().id, "p");

    let (_s, client) =
        respond(ResponseTemplate::new(200).set_body_raw("<html>hi</html>", "text/html")).await;
    let err = client.call(GetThing).await.unwrap_err();
    match &err {
        Error::UnexpectedContentType {
            content_type,
            status,
            body,
            ..
        } => {
            assert_eq!(content_type, "text/html");
            assert_eq!(*status, 200);
            assert_eq!(body, "<html>hi</html>");
        }
        other => panic!("{other:?}"),
    }

    // A missing content type is tolerated when the body parses.
    let body = serde_json::to_vec(&user("n")).unwrap();
    let (_s, client) = respond(ResponseTemplate::new(200).set_body_bytes(body)).await;
    assert_eq!(client.call(GetThing).await.unwrap().id, "n");
}

#[tokio::test]
async fn response_size_limit() {
    let big = serde_json::json!({"id": "x".repeat(10_000), "email": "e"});
    let (server, _) = respond(ResponseTemplate::new(200).set_body_json(big)).await;
    let sleeper = RecordingSleeper::default();
    let client = Client::new(
        &CLOUDFLARE_PROFILE,
        test_config(&server, &sleeper).with_max_response_bytes(1000),
    )
    .unwrap();
    let err = client.call(GetThing).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(received(&server).await.len(), 1);

    let client = Client::new(
        &CLOUDFLARE_PROFILE,
        test_config(&server, &sleeper).with_max_response_bytes(20_000),
    )
    .unwrap();
    assert_eq!(client.call(GetThing).await.unwrap().id.len(), 10_000);
}

#[tokio::test]
async fn same_origin_redirects_are_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved"))
        .mount(&server)
        .await;
    Mock::given(path("/moved"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("m")))
        .mount(&server)
        .await;
    let (client, _) = test_client(&server);
    assert_eq!(client.call(GetThing).await.unwrap().id, "m");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].headers["authorization"],
        format!("Bearer {SECRET}")
    );
}

#[tokio::test]
async fn cross_origin_redirects_are_refused() {
    let other = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(user("x")))
        .mount(&other)
        .await;
    let (server, client) = respond(ResponseTemplate::new(302).insert_header(
        "location",
        format!("{}/steal?token=abc", other.uri()).as_str(),
    ))
    .await;
    let err = client.call(GetThing).await.unwrap_err();
    match &err {
        Error::Redirect { status, host, .. } => {
            assert_eq!(*status, 302);
            assert_eq!(host, "127.0.0.1");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("steal"));
    assert!(received(&other).await.is_empty());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn redirect_loops_end() {
    let (server, client) =
        respond(ResponseTemplate::new(302).insert_header("location", "/thing")).await;
    let err = client.call(GetThing).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // Not retried, and bounded.
    assert!(received(&server).await.len() <= 12);
}

#[tokio::test]
async fn error_display_does_not_repeat_the_source() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = apigen_runtime::Config::default()
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_max_retries(0);
    let err = Client::new(&CLOUDFLARE_PROFILE, config)
        .unwrap()
        .call(GetThing)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "could not connect to the server");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(!source.contains("could not connect"), "{source}");
    assert!(Error::BlockingInAsyncContext.to_string().contains("async"));
}

/// A raw HTTP server that streams an endless chunked body (no
/// Content-Length), to check the limit is enforced while reading.
#[tokio::test]
async fn response_size_limit_without_content_length() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "x".repeat(16 * 1024));
        // Up to 256 MiB, far more than socket buffers hold: the writes fail
        // only if the client hangs up once past its limit.
        for _ in 0..16 * 1024 {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return true;
            }
        }
        false
    });
    let config = apigen_runtime::Config::default()
        .with_base_url(format!("http://{address}"))
        .with_max_response_bytes(10_000)
        .with_max_retries(0);
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    let err = client.call(GetThing).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 10_000, .. }),
        "{err:?}"
    );
    drop(client);
    assert!(
        server.await.unwrap(),
        "the client kept reading past the limit"
    );
}
