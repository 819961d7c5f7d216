//! Auto-pagination: page numbers, cursors, single pages and every stopping
//! rule.

use apigen_runtime::{Client, ErrorKind, Paginated, Response};
use futures_util::{StreamExt as _, TryStreamExt as _};
use wiremock::matchers::{path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn page(users: &[&str], page: u64, total_pages: Option<u64>) -> ResponseTemplate {
    let users: Vec<serde_json::Value> = users.iter().map(|id| user(id)).collect();
    let mut info = serde_json::json!({"page": page, "per_page": 2, "count": users.len()});
    if let Some(total) = total_pages {
        info["total_pages"] = total.into();
    }
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "success": true, "errors": [], "messages": [], "result": users, "result_info": info
    }))
}

async fn mount_page(server: &MockServer, number: u64, response: ResponseTemplate) {
    Mock::given(path("/accounts/acc/users"))
        .and(query_param("page", number.to_string().as_str()))
        .respond_with(response)
        .mount(server)
        .await;
}

fn pages_asked(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// Every page of `op`; an error fails the test.
async fn all_pages<O: Paginated>(client: &Client, op: O) -> Vec<Response<O::Output, O::Meta>> {
    client.call(op).pages().try_collect().await.unwrap()
}

/// Every item of `op` across its pages; an error fails the test.
async fn all_items<O: Paginated>(client: &Client, op: O) -> Vec<O::Item> {
    client.call(op).items().try_collect().await.unwrap()
}

fn ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.id.as_str()).collect()
}

#[tokio::test]
async fn page_numbers_stop_at_total_pages() {
    let server = MockServer::start().await;
    mount_page(&server, 1, page(&["a", "b"], 1, Some(3))).await;
    mount_page(&server, 2, page(&["c", "d"], 2, Some(3))).await;
    mount_page(&server, 3, page(&["e"], 3, Some(3))).await;
    mount_page(&server, 4, page(&["never"], 4, Some(3))).await;
    let (client, _) = test_client(&server);

    let op = ListUsers {
        per_page: Some(2),
        ..Default::default()
    };
    let pages: Vec<_> = all_pages(&client, op.clone()).await;
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2].meta().unwrap().page, Some(3));
    assert_eq!(pages_asked(&received(&server).await), ["1", "2", "3"]);

    let users: Vec<User> = all_items(&client, op).await;
    assert_eq!(ids(&users), ["a", "b", "c", "d", "e"]);
    assert_eq!(received(&server).await.len(), 6);
}

#[tokio::test]
async fn page_numbers_stop_on_an_empty_page() {
    let server = MockServer::start().await;
    mount_page(&server, 1, page(&["a", "b"], 1, None)).await;
    mount_page(&server, 2, page(&["c"], 2, None)).await;
    mount_page(&server, 3, page(&[], 3, None)).await;
    mount_page(&server, 4, page(&["never"], 4, None)).await;
    let (client, _) = test_client(&server);

    let pages: Vec<_> = all_pages(&client, ListUsers::default()).await;
    assert_eq!(pages.len(), 2, "the trailing empty page is not yielded");
    assert_eq!(pages_asked(&received(&server).await), ["1", "2", "3"]);

    let users: Vec<User> = all_items(&client, ListUsers::default()).await;
    assert_eq!(ids(&users), ["a", "b", "c"]);
    assert_eq!(received(&server).await.len(), 6);
}

#[tokio::test]
async fn an_empty_first_page_is_yielded() {
    let server = MockServer::start().await;
    mount_page(&server, 1, page(&[], 1, None)).await;
    let (client, _) = test_client(&server);
    let pages: Vec<_> = all_pages(&client, ListUsers::default()).await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_empty());
    let users: Vec<User> = all_items(&client, ListUsers::default()).await;
    assert!(users.is_empty());
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn page_numbers_stop_when_the_server_repeats_a_page() {
    // The server ignores `page` and never says how many pages there are.
    let server = always_with(page(&["a", "b"], 1, None)).await;
    let (client, _) = test_client(&server);
    let pages: Vec<_> = all_pages(&client, ListUsers::default()).await;
    assert_eq!(pages.len(), 1);
    let users: Vec<User> = all_items(&client, ListUsers::default()).await;
    assert_eq!(ids(&users), ["a", "b"]);
    assert_eq!(pages_asked(&received(&server).await), ["1", "2", "1", "2"]);
}

#[tokio::test]
async fn page_numbers_start_at_the_requested_page() {
    let server = MockServer::start().await;
    mount_page(&server, 2, page(&["c"], 2, Some(3))).await;
    mount_page(&server, 3, page(&["d"], 3, Some(3))).await;
    let (client, _) = test_client(&server);
    let op = ListUsers {
        page: Some(2),
        ..Default::default()
    };
    let users: Vec<User> = all_items(&client, op).await;
    assert_eq!(ids(&users), ["c", "d"]);
    assert_eq!(pages_asked(&received(&server).await), ["2", "3"]);
}

#[tokio::test]
async fn an_error_ends_the_stream() {
    let server = MockServer::start().await;
    mount_page(&server, 1, page(&["a"], 1, Some(5))).await;
    mount_page(&server, 2, ResponseTemplate::new(404)).await;
    let (client, _) = test_client(&server);
    let results: Vec<_> = client.call(ListUsers::default()).items().collect().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().id, "a");
    assert_eq!(
        results[1].as_ref().unwrap_err().kind(),
        Some(ErrorKind::NotFound)
    );
}

fn cursor_page(users: &[&str], next: Option<&str>) -> ResponseTemplate {
    let users: Vec<serde_json::Value> = users.iter().map(|id| user(id)).collect();
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "items": users, "pagination": {"after_cursor": next, "before_cursor": null}
    }))
}

#[tokio::test]
async fn cursors() {
    let server = MockServer::start().await;
    Mock::given(path("/zones/z1/users"))
        .and(query_param_is_missing("after"))
        .respond_with(cursor_page(&["a", "b"], Some("c1")))
        .mount(&server)
        .await;
    Mock::given(query_param("after", "c1"))
        .respond_with(cursor_page(&[], Some("c2")))
        .mount(&server)
        .await;
    Mock::given(query_param("after", "c2"))
        .respond_with(cursor_page(&["c"], Some("")))
        .mount(&server)
        .await;
    let (client, _) = test_client(&server);

    let op = ListZoneUsers {
        after: None,
        limit: Some(2),
    };
    let users: Vec<User> = all_items(&client, op.clone()).await;
    assert_eq!(ids(&users), ["a", "b", "c"]);
    let queries: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(queries, ["limit=2", "after=c1&limit=2", "after=c2&limit=2"]);

    let pages: Vec<_> = all_pages(&client, op).await;
    assert_eq!(pages.len(), 3);
    assert!(
        pages[1].items.is_empty(),
        "an empty page mid-way does not stop cursor paging"
    );
}

#[tokio::test]
async fn cursors_stop_when_null_or_repeated() {
    let server = always_with(cursor_page(&["a"], None)).await;
    let (client, _) = test_client(&server);
    let users: Vec<User> = all_items(&client, ListZoneUsers::default()).await;
    assert_eq!(ids(&users), ["a"]);
    assert_eq!(received(&server).await.len(), 1);

    let server = always_with(cursor_page(&["a"], Some("same"))).await;
    let (client, _) = test_client(&server);
    let users: Vec<User> = all_items(&client, ListZoneUsers::default()).await;
    assert_eq!(ids(&users), ["a", "a"]);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn single_page() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/acc/sessions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope(serde_json::json!([{"n": 1}, {"n": 2}]))),
        )
        .mount(&server)
        .await;
    let (client, _) = test_client(&server);
    let items: Vec<serde_json::Value> = all_items(&client, ListSessions).await;
    assert_eq!(items.len(), 2);
    let pages: Vec<_> = all_pages(&client, ListSessions).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn streams_are_send_and_static() {
    let server = MockServer::start().await;
    mount_page(&server, 1, page(&["a"], 1, Some(1))).await;
    let (client, _) = test_client(&server);
    let stream = client.call(ListUsers::default()).items();
    drop(client);
    let task = tokio::spawn(async move { stream.try_collect::<Vec<User>>().await });
    assert_eq!(task.await.unwrap().unwrap().len(), 1);
}
