//! One `GET` of a Cloudflare user, written four ways: through the generated
//! async and blocking clients, and as a person writes it with reqwest
//! (async, and `reqwest::blocking`). Every way decodes the same envelope
//! into the same generated `User`, so that the benchmarks compare only what
//! the clients add around the call.

use cloudflare_access_users_models::types::User;

use crate::fixtures::{ACCOUNT_ID, USER_ID};
use crate::{TOKEN, hand};

/// The URL of the user as [`reqwest_call`] formats it on every call, from
/// the API's base URL (`{server}/client/v4`) and the two ids.
pub fn user_url(api_base: &str, account_id: &str, user_id: &str) -> String {
    format!("{api_base}/accounts/{account_id}/access/users/{user_id}")
}

/// The generated async client's `get`.
pub async fn apigen_call(client: &cloudflare_access_users_client::Client) -> User {
    client
        .zero_trust()
        .access()
        .users()
        .get(ACCOUNT_ID, USER_ID)
        .await
        .expect("generated client call failed")
        .into_inner()
}

/// The generated blocking client's `get`.
pub fn apigen_blocking_call(client: &cloudflare_access_users_blocking::Client) -> User {
    client
        .zero_trust()
        .access()
        .users()
        .get(ACCOUNT_ID, USER_ID)
        .send()
        .expect("generated blocking call failed")
        .into_inner()
}

/// What a person would write with reqwest for "get user `user_id` of
/// account `account_id`": format the URL from the ids, send, check the
/// status, read the body, decode the envelope into the generated type.
/// The generated clients build their URL from the same ids on every call.
pub async fn reqwest_call(client: &reqwest::Client, api_base: &str) -> User {
    let url = user_url(api_base, ACCOUNT_ID, USER_ID);
    reqwest_envelope::<User, ()>(client, &url).await.result
}

/// [`reqwest_call`] with its URL formatted once, before the calls: the
/// baseline of the benchmarks' passes before 2026-12-06, kept to compare
/// the two (`request_instructions reqwest-url`).
pub async fn reqwest_call_prebuilt(client: &reqwest::Client, url: &str) -> User {
    reqwest_envelope::<User, ()>(client, url).await.result
}

/// `GET url` as a person writes it with reqwest, the Cloudflare envelope
/// decoded into `T` and `M` metadata.
async fn reqwest_envelope<T, M>(client: &reqwest::Client, url: &str) -> hand::Envelope<T, M>
where
    T: serde::de::DeserializeOwned,
    M: serde::de::DeserializeOwned,
{
    let response = client
        .get(url)
        .bearer_auth(TOKEN)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .expect("reqwest call failed");
    assert!(response.status().is_success());
    let body = response.bytes().await.expect("reqwest body failed");
    hand::decode::<T, M>(&body).expect("decode failed")
}

/// The same with `reqwest::blocking`.
pub fn reqwest_blocking_call(client: &reqwest::blocking::Client, api_base: &str) -> User {
    let url = user_url(api_base, ACCOUNT_ID, USER_ID);
    let response = client
        .get(url)
        .bearer_auth(TOKEN)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .expect("reqwest call failed");
    assert!(response.status().is_success());
    let body = response.bytes().expect("reqwest body failed");
    hand::decode::<User, ()>(&body)
        .expect("decode failed")
        .result
}

/// One page of the user list (`?page=…&per_page=…` on `url`) as a person
/// fetches it with reqwest, decoded into `U`s and `M` metadata.
pub async fn reqwest_users_page<U, M>(
    client: &reqwest::Client,
    url: &str,
    page: u64,
    per_page: u64,
) -> hand::Envelope<Vec<U>, M>
where
    U: serde::de::DeserializeOwned,
    M: serde::de::DeserializeOwned,
{
    reqwest_envelope(client, &format!("{url}?page={page}&per_page={per_page}")).await
}

/// The page loop a person writes: pages 1, 2, … up to the last one the
/// metadata names (`total_pages`), every user looked at once. Returns how
/// many users it saw.
pub async fn hand_page_loop<U, M, F, Fut>(
    mut fetch: F,
    total_pages: impl Fn(&M) -> Option<f64>,
) -> u64
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = hand::Envelope<Vec<U>, M>>,
{
    let mut count = 0u64;
    let mut page = 1;
    loop {
        let envelope = fetch(page).await;
        let last = envelope
            .result_info
            .as_ref()
            .and_then(&total_pages)
            .unwrap_or(0.0) as u64;
        for user in envelope.result {
            std::hint::black_box(&user);
            count += 1;
        }
        if page >= last {
            return count;
        }
        page += 1;
    }
}
