//! The retry policy, asserted exactly with jitter off and a recording
//! sleeper; and timeouts.

use std::time::{Duration, SystemTime};

use apigen_runtime::{Client, Config, Credentials, Error, ErrorKind};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn always(status: u16) -> MockServer {
    always_with(ResponseTemplate::new(status)).await
}

/// Responds with `first` `n` times, then with 200 and a user.
async fn fail_then_succeed(first: ResponseTemplate, n: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user("u"))))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn default_policy_is_two_retries_with_doubling_backoff() {
    let server = always(500).await;
    let (client, sleeper) = test_client(&server);
    let err = client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Server));
    assert_eq!(received(&server).await.len(), 3);
    assert_eq!(sleeper.sleeps(), [secs(0.5), secs(1.0)]);
}

#[tokio::test]
async fn backoff_schedule_is_exact_and_capped() {
    let server = always(502).await;
    let sleeper = RecordingSleeper::default();
    let client = Client::new(
        &CLOUDFLARE_PROFILE,
        test_config(&server, &sleeper).with_max_retries(7),
    )
    .unwrap();
    client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(received(&server).await.len(), 8);
    assert_eq!(
        sleeper.sleeps(),
        [
            secs(0.5),
            secs(1.0),
            secs(2.0),
            secs(4.0),
            secs(8.0),
            secs(8.0),
            secs(8.0)
        ]
    );
}

#[tokio::test]
async fn custom_backoff_and_jitter() {
    let server = always(503).await;
    let sleeper = RecordingSleeper::default();
    let custom = test_config(&server, &sleeper)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_millis(250))
        .with_max_retries(4);
    Client::new(&CLOUDFLARE_PROFILE, custom)
        .unwrap()
        .call(GetUser::new("u"))
        .await
        .unwrap_err();
    assert_eq!(
        sleeper.sleeps(),
        [secs(0.1), secs(0.2), secs(0.25), secs(0.25)]
    );

    let sleeper = RecordingSleeper::default();
    let config = test_config(&server, &sleeper)
        .with_jitter(true)
        .with_max_retries(3);
    Client::new(&CLOUDFLARE_PROFILE, config)
        .unwrap()
        .call(GetUser::new("u"))
        .await
        .unwrap_err();
    let sleeps = sleeper.sleeps();
    for (sleep, base) in sleeps.iter().zip([0.5, 1.0, 2.0]) {
        assert!(
            *sleep >= secs(base * 0.75) && *sleep <= secs(base),
            "{sleeps:?}"
        );
    }
}

#[tokio::test]
async fn retryable_statuses_succeed_after_retries() {
    for status in [408, 409, 429, 500, 502, 503, 504] {
        let server = fail_then_succeed(ResponseTemplate::new(status), 2).await;
        let (client, sleeper) = test_client(&server);
        let response = client.call(GetUser::new("u")).await.unwrap();
        assert_eq!(response.attempts(), 3, "{status}");
        assert_eq!(sleeper.sleeps().len(), 2);
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = always(status).await;
        let (client, sleeper) = test_client(&server);
        client.call(GetUser::new("u")).await.unwrap_err();
        assert_eq!(received(&server).await.len(), 1, "{status}");
        assert!(sleeper.sleeps().is_empty());
    }
}

#[tokio::test]
async fn per_call_max_retries() {
    let server = always(500).await;
    let (client, sleeper) = test_client(&server);
    get_once(&client).await;
    assert_eq!(received(&server).await.len(), 1);
    client
        .call(GetUser::new("u"))
        .max_retries(4)
        .await
        .unwrap_err();
    assert_eq!(received(&server).await.len(), 6);
    assert_eq!(sleeper.sleeps().len(), 4);
}

#[tokio::test]
async fn retry_after_seconds_fraction_and_milliseconds() {
    let cases = [
        (("retry-after", "3"), secs(3.0)),
        (("retry-after", "1.5"), secs(1.5)),
        (("retry-after-ms", "250"), secs(0.25)),
        (("retry-after", "0"), secs(0.5)), // not positive: backoff
        (("retry-after", "soon"), secs(0.5)), // unparsable: backoff
    ];
    for ((name, value), expected) in cases {
        let server =
            fail_then_succeed(ResponseTemplate::new(429).insert_header(name, value), 1).await;
        let (client, sleeper) = test_client(&server);
        client.call(GetUser::new("u")).await.unwrap();
        assert_eq!(sleeper.sleeps(), [expected], "{name}: {value}");
    }
}

#[tokio::test]
async fn retry_after_http_date() {
    let at = SystemTime::now() + Duration::from_secs(5);
    let server = fail_then_succeed(
        ResponseTemplate::new(503)
            .insert_header("retry-after", httpdate::fmt_http_date(at).as_str()),
        1,
    )
    .await;
    let (client, sleeper) = test_client(&server);
    client.call(GetUser::new("u")).await.unwrap();
    let slept = sleeper.sleeps()[0];
    // HTTP dates have whole seconds.
    assert!(slept > secs(3.0) && slept <= secs(5.0), "{slept:?}");
}

#[tokio::test]
async fn long_retry_after_fails_fast_with_the_wait() {
    let server = always_with(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "300")
            .set_body_json(serde_json::json!({"code": 10100, "message": "More than 1200 requests per 300 seconds reached."})),
    )
    .await;
    let (client, sleeper) = test_client(&server);
    let err = client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(300)));
    assert!(err.is_retryable());
    assert_eq!(err.api_error().unwrap().details[0].code, Some(10100));
    assert_eq!(received(&server).await.len(), 1);
    assert!(sleeper.sleeps().is_empty());

    // Raising the cap makes the client wait instead.
    let sleeper = RecordingSleeper::default();
    let config = test_config(&server, &sleeper)
        .with_max_retry_after(Duration::from_secs(600))
        .with_max_retries(1);
    Client::new(&CLOUDFLARE_PROFILE, config)
        .unwrap()
        .call(GetUser::new("u"))
        .await
        .unwrap_err();
    assert_eq!(sleeper.sleeps(), [secs(300.0)]);
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server =
        always_with(ResponseTemplate::new(503).insert_header("x-should-retry", "false")).await;
    let (client, _) = test_client(&server);
    client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(received(&server).await.len(), 1);

    let server = fail_then_succeed(
        ResponseTemplate::new(400).insert_header("x-should-retry", "true"),
        1,
    )
    .await;
    let (client, _) = test_client(&server);
    assert_eq!(client.call(GetUser::new("u")).await.unwrap().attempts(), 2);

    // Also for a POST, whose 400 would never be retried otherwise.
    let server = fail_then_succeed(
        ResponseTemplate::new(400).insert_header("x-should-retry", "true"),
        1,
    )
    .await;
    let (client, _) = test_client(&server);
    assert_eq!(
        client
            .call(CreateUser { email: "e".into() })
            .await
            .unwrap()
            .attempts(),
        2
    );
}

#[tokio::test]
async fn post_is_not_retried_when_it_may_have_taken_effect() {
    for status in [500, 502, 504, 408, 409] {
        let server = always(status).await;
        let (client, sleeper) = test_client(&server);
        client
            .call(CreateUser { email: "e".into() })
            .await
            .unwrap_err();
        assert_eq!(received(&server).await.len(), 1, "{status}");
        assert!(sleeper.sleeps().is_empty());
    }
}

#[tokio::test]
async fn post_is_retried_when_the_server_refused_it() {
    for status in [429, 503] {
        let server = always(status).await;
        let (client, sleeper) = test_client(&server);
        client
            .call(CreateUser { email: "e".into() })
            .await
            .unwrap_err();
        assert_eq!(received(&server).await.len(), 3, "{status}");
        assert_eq!(sleeper.sleeps(), [secs(0.5), secs(1.0)]);
    }
}

fn closed_port_config(sleeper: &RecordingSleeper) -> Config {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    Config::new(Credentials::bearer(SECRET))
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_jitter(false)
        .with_sleeper(sleeper.clone())
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_post() {
    let sleeper = RecordingSleeper::default();
    let client = Client::new(&CLOUDFLARE_PROFILE, closed_port_config(&sleeper)).unwrap();
    let err = client
        .call(CreateUser { email: "e".into() })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(sleeper.sleeps(), [secs(0.5), secs(1.0)]);

    let sleeper = RecordingSleeper::default();
    let client = Client::new(&CLOUDFLARE_PROFILE, closed_port_config(&sleeper)).unwrap();
    client.call(GetUser::new("u")).await.unwrap_err();
    assert_eq!(sleeper.sleeps().len(), 2);
}

#[tokio::test]
async fn timeouts_are_retried_for_get_but_not_post() {
    // Margins wide enough for a loaded CI machine: each attempt must reach
    // the server well within its timeout.
    let server = always_with(
        ResponseTemplate::new(200)
            .set_body_json(envelope(user("u")))
            .set_delay(Duration::from_millis(1500)),
    )
    .await;
    let (client, sleeper) = test_client(&server);
    let started = std::time::Instant::now();
    let err = client
        .call(GetUser::new("u"))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { timeout, .. } if timeout == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(sleeper.sleeps().len(), 2);
    assert_eq!(received(&server).await.len(), 3);
    assert!(started.elapsed() < Duration::from_secs(4));

    let (client, sleeper) = test_client(&server);
    let err = client
        .call(CreateUser { email: "e".into() })
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(sleeper.sleeps().is_empty());
    assert_eq!(received(&server).await.len(), 4);
}

#[tokio::test]
async fn client_timeout_applies_per_attempt() {
    let server = fail_then_succeed(
        ResponseTemplate::new(200)
            .set_body_json(envelope(user("slow")))
            .set_delay(Duration::from_millis(400)),
        1,
    )
    .await;
    let sleeper = RecordingSleeper::default();
    let config = test_config(&server, &sleeper).with_timeout(Duration::from_millis(150));
    let client = Client::new(&CLOUDFLARE_PROFILE, config).unwrap();
    let response = client.call(GetUser::new("u")).await.unwrap();
    assert_eq!(response.id, "u");
    assert_eq!(response.attempts(), 2);
}
