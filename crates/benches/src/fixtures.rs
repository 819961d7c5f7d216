//! Cloudflare-shaped response bodies: the Access Users envelope
//! (`success`, `errors`, `messages`, `result`, `result_info`) with users of
//! the eleven fields the API documents.

use std::fmt::Write as _;

/// The account id in every request path.
pub const ACCOUNT_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";

/// The user id of the single-user requests.
pub const USER_ID: &str = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";

/// Appends user number `n` as a JSON object with every documented field.
pub fn push_user(out: &mut String, n: u64) {
    write!(
        out,
        concat!(
            r#"{{"id":"{n:08x}-fafe-4643-bbbc-{n:012x}","access_seat":{seat},"#,
            r#""active_device_count":{devices},"created_at":"2014-01-01T05:20:00.12345Z","#,
            r#""email":"user{n}@example.com","gateway_seat":false,"#,
            r#""last_successful_login":"2020-07-01T05:20:00Z","name":"Jane Doe {n}","#,
            r#""seat_uid":"seat-{n:x}","uid":"uid-{n:x}","updated_at":"2014-01-01T05:20:00.12345Z"}}"#
        ),
        n = n,
        seat = n % 2 == 0,
        devices = n % 5,
    )
    .expect("writing to a String cannot fail");
}

/// A list envelope holding users `first .. first + count`, as page `page`
/// of `total_pages` pages of `per_page`.
pub fn list_body(first: u64, count: u64, page: u64, per_page: u64, total_pages: u64) -> String {
    let mut out = String::with_capacity(64 + 400 * count as usize);
    out.push_str(r#"{"success":true,"errors":[],"messages":[],"result":["#);
    for n in first..first + count {
        if n != first {
            out.push(',');
        }
        push_user(&mut out, n);
    }
    write!(
        out,
        r#"],"result_info":{{"count":{count},"page":{page},"per_page":{per_page},"total_count":{total},"total_pages":{total_pages}}}}}"#,
        total = per_page * total_pages,
    )
    .expect("writing to a String cannot fail");
    out
}

/// The envelope of a single-user response (`GET …/users/{user_id}`).
pub fn user_body() -> String {
    let mut out = String::from(r#"{"success":true,"errors":[],"messages":[],"result":"#);
    push_user(&mut out, 1);
    out.push('}');
    out
}

/// Page `page` (1-based) of a listing of `total_pages` pages of `per_page`
/// users, from a request target such as `/…/users?page=3&per_page=100`;
/// past the last page the page is empty.
pub fn page_for_target(target: &str, per_page: u64, total_pages: u64) -> String {
    let page = query_param(target, "page")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let count = if page <= total_pages { per_page } else { 0 };
    list_body((page - 1) * per_page, count, page, per_page, total_pages)
}

/// The value of query parameter `name` in a request target.
pub fn query_param<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_decode_into_the_generated_models() {
        let body = list_body(0, 3, 1, 3, 2);
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let users: Vec<cloudflare_access_users_models::types::User> =
            serde_json::from_value(value["result"].clone()).unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[2].email.as_deref(), Some("user2@example.com"));
        assert!(users[0].created_at.is_some());
        assert_eq!(value["result_info"]["total_count"], 6);
        let single: serde_json::Value = serde_json::from_str(&user_body()).unwrap();
        assert_eq!(single["result"]["name"], "Jane Doe 1");
    }

    #[test]
    fn pages_follow_the_query() {
        assert_eq!(query_param("/a?per_page=5&page=3", "page"), Some("3"));
        assert_eq!(query_param("/a?per_page=5", "page"), None);
        let page: serde_json::Value =
            serde_json::from_str(&page_for_target("/a?page=3", 10, 5)).unwrap();
        assert_eq!(page["result"][0]["email"], "user20@example.com");
        let past: serde_json::Value =
            serde_json::from_str(&page_for_target("/a?page=6", 10, 5)).unwrap();
        assert_eq!(past["result"].as_array().unwrap().len(), 0);
    }
}
