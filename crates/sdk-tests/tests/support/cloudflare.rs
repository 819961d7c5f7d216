//! Helpers of the Cloudflare behaviour cases, shared by `cloudflare.rs` and
//! `consumer.rs`: request paths, response bodies and the most common call.

use apigen_runtime::{Error, Response};
use cloudflare_access_users_client::types::User;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::flavored::{Cloudflare, send};
use super::{ACCOUNT_ID as ACC, USER_ID};

/// `$c.zero_trust().access().users()`: the resource every Cloudflare
/// operation is under, on either client.
macro_rules! cf_users {
    ($c:expr) => {
        $c.zero_trust().access().users()
    };
}
pub(crate) use cf_users;

/// The path of the user list.
pub fn users_path() -> String {
    format!("/accounts/{ACC}/access/users")
}

/// The path of the fixture user.
pub fn user_path() -> String {
    format!("/accounts/{ACC}/access/users/{USER_ID}")
}

/// A successful Cloudflare envelope around `result`.
pub fn envelope(result: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

/// A 200 answer with a JSON body.
pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// `users().get(ACC, USER_ID)` with either flavour.
pub fn get_user(cf: &Cloudflare) -> Result<Response<User>, Error> {
    send!(cf, |c| cf_users!(c).get(ACC, USER_ID))
}
