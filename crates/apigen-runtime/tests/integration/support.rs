//! Hand-written operations, profiles and helpers shared by the tests.

use std::time::Duration;

use apigen_runtime::{
    ApiKey, ApiProfile, AuthMethod, Client, Config, Credentials, Envelope, Error, KeyLocation,
    Method, Operation, OperationInfo, Paginated, Pagination, RequestParts, ResponseShape,
};
use serde::{Deserialize, Serialize};
use wiremock::MockServer;

pub const CLOUDFLARE: ApiProfile = ApiProfile {
    name: "cloudflare-access-users",
    version: "9.9.9",
    default_base_url: "https://api.cloudflare.com/client/v4",
    base_url_env: Some("CLOUDFLARE_BASE_URL"),
    auth: &[
        AuthMethod::Bearer {
            env: Some("CLOUDFLARE_API_TOKEN"),
        },
        AuthMethod::ApiKeys(&[
            ApiKey {
                location: KeyLocation::Header,
                name: "X-Auth-Email",
                env: Some("CLOUDFLARE_EMAIL"),
            },
            ApiKey {
                location: KeyLocation::Header,
                name: "X-Auth-Key",
                env: Some("CLOUDFLARE_API_KEY"),
            },
        ]),
    ],
    error_details: Some("errors"),
};
pub static CLOUDFLARE_PROFILE: ApiProfile = CLOUDFLARE;

pub static KEYCARD_PROFILE: ApiProfile = ApiProfile {
    name: "keycard-zone-users",
    version: "0.1.0",
    default_base_url: "https://api.keycard.ai",
    base_url_env: Some("KEYCARD_BASE_URL"),
    auth: &[AuthMethod::OAuth2ClientCredentials {
        token_url: "/service-account-token",
        client_id_env: Some("KEYCARD_CLIENT_ID"),
        client_secret_env: Some("KEYCARD_CLIENT_SECRET"),
        scopes: &[],
    }],
    error_details: None,
};

pub static SCOPED_PROFILE: ApiProfile = ApiProfile {
    name: "scoped",
    version: "0.1.0",
    default_base_url: "https://example.invalid",
    base_url_env: None,
    auth: &[AuthMethod::OAuth2ClientCredentials {
        token_url: "oauth/token",
        client_id_env: None,
        client_secret_env: None,
        scopes: &["users:read", "users:write"],
    }],
    error_details: None,
};

pub static QUERY_KEY_PROFILE: ApiProfile = ApiProfile {
    name: "query-key",
    version: "0.1.0",
    default_base_url: "https://example.invalid",
    base_url_env: None,
    auth: &[AuthMethod::ApiKeys(&[ApiKey {
        location: KeyLocation::Query,
        name: "api_key",
        env: Some("QUERY_API_KEY"),
    }])],
    error_details: None,
};

pub const CF_ENVELOPE: Envelope = Envelope {
    result: "result",
    meta: Some("result_info"),
    success: Some("success"),
    errors: Some("errors"),
    result_is_list: false,
};

pub const SECRET: &str = "s3cret-Sn3lZJTBX6kkg7OdcBUAxOO963";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub created_at: Option<String>,
}

pub fn user(id: &str) -> serde_json::Value {
    serde_json::json!({"id": id, "email": format!("{id}@example.com"), "created_at": "2024-01-01T00:00:00Z"})
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResultInfo {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    pub total_pages: Option<u64>,
}

/// `GET /accounts/{account_id}/users/{user_id}` (Cloudflare envelope).
#[derive(Debug, Clone)]
pub struct GetUser {
    pub account_id: String,
    pub user_id: String,
}

impl GetUser {
    pub fn new(user_id: &str) -> Self {
        GetUser {
            account_id: "acc".into(),
            user_id: user_id.into(),
        }
    }
}

impl Operation for GetUser {
    type Output = User;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "get-user",
        method: Method::Get,
        path_template: "/accounts/{account_id}/users/{user_id}",
        response: ResponseShape::Envelope(CF_ENVELOPE),
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("account_id", &self.account_id)?;
        request.path("user_id", &self.user_id)
    }
}

/// `GET /accounts/{account_id}/users?page=&per_page=&expand[]=` (page numbers).
#[derive(Debug, Clone, Default)]
pub struct ListUsers {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    pub expand: Vec<String>,
    pub trace: Option<String>,
}

impl Operation for ListUsers {
    type Output = Vec<User>;
    type Meta = ResultInfo;
    const INFO: OperationInfo = OperationInfo {
        operation_id: "list-users",
        method: Method::Get,
        path_template: "/accounts/{account_id}/users",
        response: ResponseShape::Envelope(CF_ENVELOPE),
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("account_id", &"acc")?;
        request.query("page", &self.page)?;
        request.query("per_page", &self.per_page)?;
        request.query("expand[]", &self.expand)?;
        request.header("x-trace", &self.trace)
    }
}

impl Paginated for ListUsers {
    type Item = User;
    const PAGINATION: Pagination = Pagination::PageNumber;
    fn into_items(output: Vec<User>) -> Vec<User> {
        output
    }
    fn page(&self) -> Option<u64> {
        self.page
    }
    fn set_page(&mut self, page: u64) {
        self.page = Some(page);
    }
    fn total_pages(meta: &ResultInfo) -> Option<u64> {
        meta.total_pages
    }
}

/// `GET /accounts/{account_id}/sessions` (one page).
#[derive(Debug, Clone)]
pub struct ListSessions;

impl Operation for ListSessions {
    type Output = Vec<serde_json::Value>;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "list-sessions",
        method: Method::Get,
        path_template: "/accounts/{account_id}/sessions",
        response: ResponseShape::Envelope(Envelope {
            meta: None,
            ..CF_ENVELOPE
        }),
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("account_id", &"acc")
    }
}

impl Paginated for ListSessions {
    type Item = serde_json::Value;
    const PAGINATION: Pagination = Pagination::SinglePage;
    fn into_items(output: Self::Output) -> Vec<Self::Item> {
        output
    }
}

/// `POST /accounts/{account_id}/users` with a JSON body.
#[derive(Debug, Clone)]
pub struct CreateUser {
    pub email: String,
}

impl Operation for CreateUser {
    type Output = User;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "create-user",
        method: Method::Post,
        path_template: "/accounts/{account_id}/users",
        response: ResponseShape::Envelope(CF_ENVELOPE),
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("account_id", &"acc")?;
        request.json_body(&serde_json::json!({"email": self.email}))
    }
}

/// `DELETE /accounts/{account_id}/users/{user_id}` with no response body.
#[derive(Debug, Clone)]
pub struct DeleteUser;

impl Operation for DeleteUser {
    type Output = ();
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "delete-user",
        method: Method::Delete,
        path_template: "/accounts/{account_id}/users/{user_id}",
        response: ResponseShape::Empty,
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("account_id", &"acc")?;
        request.path("user_id", &"u1")
    }
}

/// Keycard-style `GET /zones/{zoneId}/users?after=&limit=` (plain body,
/// cursor paging).
#[derive(Debug, Clone, Default)]
pub struct ListZoneUsers {
    pub after: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ZoneUsers {
    pub items: Vec<User>,
    pub pagination: CursorInfo,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CursorInfo {
    pub after_cursor: Option<String>,
}

impl Operation for ListZoneUsers {
    type Output = ZoneUsers;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "list-zone-users",
        method: Method::Get,
        path_template: "/zones/{zoneId}/users",
        response: ResponseShape::Plain,
    };
    fn build(&self, request: &mut RequestParts) -> Result<(), Error> {
        request.path("zoneId", &"z1")?;
        request.query("after", &self.after)?;
        request.query("limit", &self.limit)
    }
}

impl Paginated for ListZoneUsers {
    type Item = User;
    const PAGINATION: Pagination = Pagination::Cursor;
    fn into_items(output: ZoneUsers) -> Vec<User> {
        output.items
    }
    fn next_cursor(output: &ZoneUsers) -> Option<String> {
        output.pagination.after_cursor.clone()
    }
    fn set_cursor(&mut self, cursor: String) {
        self.after = Some(cursor);
    }
}

/// `GET /ping` decoding the body as any JSON value (or nothing).
#[derive(Debug, Clone)]
pub struct Ping;

impl Operation for Ping {
    type Output = serde_json::Value;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "ping",
        method: Method::Get,
        path_template: "/ping",
        response: ResponseShape::Plain,
    };
    fn build(&self, _request: &mut RequestParts) -> Result<(), Error> {
        Ok(())
    }
}

/// `GET /thing` decoding a required struct from a plain body.
#[derive(Debug, Clone)]
pub struct GetThing;

impl Operation for GetThing {
    type Output = User;
    type Meta = ();
    const INFO: OperationInfo = OperationInfo {
        operation_id: "get-thing",
        method: Method::Get,
        path_template: "/thing",
        response: ResponseShape::Plain,
    };
    fn build(&self, _request: &mut RequestParts) -> Result<(), Error> {
        Ok(())
    }
}

pub use apigen_runtime::test_util::RecordingSleeper;

/// A config aimed at `server`, with jitter off and a recording sleeper.
pub fn test_config(server: &MockServer, sleeper: &RecordingSleeper) -> Config {
    Config::new(Credentials::bearer(SECRET))
        .with_base_url(server.uri())
        .with_jitter(false)
        .with_sleeper(sleeper.clone())
        .with_timeout(Duration::from_secs(5))
}

/// A server that answers every request with `response`.
pub async fn always_with(response: wiremock::ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// The error of one `GetUser` call, without retries.
pub async fn get_once(client: &Client) -> Error {
    client
        .call(GetUser::new("u"))
        .max_retries(0)
        .await
        .unwrap_err()
}

pub fn test_client(server: &MockServer) -> (Client, RecordingSleeper) {
    let sleeper = RecordingSleeper::default();
    let client = Client::new(&CLOUDFLARE_PROFILE, test_config(server, &sleeper)).unwrap();
    (client, sleeper)
}

pub fn envelope(result: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"success": true, "errors": [], "messages": [], "result": result})
}

pub async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
