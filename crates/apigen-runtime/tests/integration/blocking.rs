//! The blocking client: the same calls from a plain thread, iterator
//! pagination, and refusal inside an async runtime.

use apigen_runtime::{Error, blocking};
use wiremock::matchers::{any, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A mock server running on its own runtime, so the test thread itself is
/// not inside any runtime.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
}

impl Server {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Server { runtime, server }
    }

    fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn received(&self) -> Vec<wiremock::Request> {
        self.runtime.block_on(received(&self.server))
    }

    fn client(&self) -> (blocking::Client, RecordingSleeper) {
        let sleeper = RecordingSleeper::default();
        let client =
            blocking::Client::new(&CLOUDFLARE_PROFILE, test_config(&self.server, &sleeper))
                .unwrap();
        (client, sleeper)
    }
}

#[test]
fn send_from_a_plain_thread() {
    let server = Server::start();
    server.mount(
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user("u"))))
            .up_to_n_times(100)
            .with_priority(2),
    );
    server.mount(
        Mock::given(any())
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1),
    );
    let (client, sleeper) = server.client();
    let response = client
        .call(GetUser::new("u/1"))
        .header("x-a", "1")
        .query("q", "v")
        .send()
        .unwrap();
    assert_eq!(response.id, "u");
    assert_eq!(response.attempts(), 2);
    assert_eq!(sleeper.sleeps(), [secs(0.5)]);
    let requests = server.received();
    assert_eq!(requests[1].url.path(), "/accounts/acc/users/u%2F1");
    assert_eq!(requests[1].url.query(), Some("q=v"));
    assert_eq!(
        requests[1].headers["authorization"],
        format!("Bearer {SECRET}")
    );
    assert_eq!(requests[1].headers["x-a"], "1");

    // Same validation as the async client.
    let err = client.call(GetUser::new("..")).send().unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }));

    // Clones and other threads share the client.
    let clone = client.clone();
    let handle =
        std::thread::spawn(move || clone.call(GetUser::new("u")).send().map(|r| r.into_inner()));
    assert_eq!(handle.join().unwrap().unwrap().id, "u");
    assert!(!format!("{client:?}").contains(SECRET));
}

#[test]
fn iterator_pagination() {
    let server = Server::start();
    for (n, ids) in [(1, vec!["a", "b"]), (2, vec!["c"]), (3, vec![])] {
        let users: Vec<serde_json::Value> = ids.iter().map(|id| user(id)).collect();
        server.mount(
            Mock::given(query_param("page", n.to_string().as_str())).respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "success": true, "result": users, "result_info": {"page": n}
                })),
            ),
        );
    }
    let (client, _) = server.client();
    let users: Vec<User> = client
        .call(ListUsers::default())
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let pages = client
        .call(ListUsers::default())
        .pages()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(server.received().len(), 6);
}

#[tokio::test]
async fn refuses_to_block_inside_a_runtime() {
    let server = always_with(ResponseTemplate::new(200).set_body_json(envelope(user("u")))).await;
    let sleeper = RecordingSleeper::default();
    // Creating (and dropping) the client inside a runtime is fine.
    let client =
        blocking::Client::new(&CLOUDFLARE_PROFILE, test_config(&server, &sleeper)).unwrap();
    let err = client.call(GetUser::new("u")).send().unwrap_err();
    assert!(matches!(err, Error::BlockingInAsyncContext), "{err:?}");
    let mut items = client.call(ListUsers::default()).items();
    assert!(matches!(
        items.next(),
        Some(Err(Error::BlockingInAsyncContext))
    ));
    assert!(items.next().is_none());
    drop(items);
    drop(client);
    assert!(received(&server).await.is_empty());
}

#[test]
fn dropping_a_used_client_inside_a_runtime_does_not_panic() {
    let server = Server::start();
    server.mount(
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user("u")))),
    );
    let (client, _) = server.client();
    client.call(GetUser::new("u")).send().unwrap();
    server.runtime.block_on(async move { drop(client) });
}
