//! Shared support of every test binary of `sdk-tests`; each compiles this
//! module, and none uses all of it.
//!
//! - fixtures (realistic ids and bodies), [`test_config`], and the
//!   runtime's [`RecordingSleeper`] (feature `test-util`);
//! - [`flavored`]: the behaviour-test harness of `cloudflare.rs` and
//!   `keycard.rs`: every case runs against both the async and the blocking
//!   client, on a wiremock server;
//! - [`cloudflare`]: paths, bodies and the common call of the Cloudflare
//!   cases (`cloudflare.rs`, `consumer.rs`);
//! - [`server`]: [`TestServer`], a hand-rolled HTTP/1.1 server that records
//!   every request (raw path included) and answers from a script of
//!   [`Reply`]s, including connection resets, truncated bodies and delays;
//! - [`prism`]: [`Prism`], the pinned Prism mock server on a spec, killed on
//!   drop (and by a watchdog if the test process dies);
//! - [`proxy`]: [`SniffingProxy`], a TCP proxy in front of Prism that reads
//!   every response head, so that no `sl-violations` header goes unnoticed;
//! - [`Capture`], a tracing writer into a buffer.
// Each binary uses a different part: what one leaves unused is not dead.
#![allow(dead_code, unused_imports, unused_macros)]

pub mod cloudflare;
pub mod flavored;
pub mod prism;
pub mod proxy;
pub mod server;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use apigen_runtime::test_util::RecordingSleeper;
use apigen_runtime::{Config, Credentials};
use serde_json::{Value, json};

pub use prism::*;
pub use proxy::*;
pub use server::*;

// ---- Fixtures: realistic arguments (valid for the specs) and bodies ----

/// A Cloudflare account id: 32 hex characters (`maxLength: 32`).
pub const ACCOUNT_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";
/// A Cloudflare user id: a UUID (`maxLength: 36`).
pub const USER_ID: &str = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";
/// A Cloudflare Access session nonce.
pub const NONCE: &str = "X1aXj1lFVcqqyoXF";
/// A Keycard zone id.
pub const ZONE_ID: &str = "bsq01zgq46reqv1l2fj7hgjhgt";
/// A Keycard user id.
pub const KC_USER_ID: &str = "usr_01jx9k2m7q3v8w4e5r6t7y8u9i";
/// The bearer token the tests send. Long and distinctive, so that a leak
/// of any part of it in output is found by a plain substring search.
pub const TOKEN: &str = "tok_Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY";

/// The workspace root (`/…/main`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// A file under `crates/sdk-tests/tests/data/`.
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Reads and parses a JSON file under `tests/data/`.
pub fn data_json(name: &str) -> Value {
    let path = data_file(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `users().get(ACCOUNT_ID, USER_ID)` through an async Cloudflare client,
/// run to completion on `rt`.
pub fn cf_get_user(
    rt: &tokio::runtime::Runtime,
    client: &cloudflare_access_users_client::Client,
) -> Result<
    apigen_runtime::Response<cloudflare_access_users_client::types::User>,
    apigen_runtime::Error,
> {
    rt.block_on(
        client
            .zero_trust()
            .access()
            .users()
            .get(ACCOUNT_ID, USER_ID)
            .send(),
    )
}

/// A Cloudflare user as the API returns it.
pub fn cf_user(id: &str) -> Value {
    json!({
        "id": id,
        "access_seat": false,
        "active_device_count": 2,
        "created_at": "2014-01-01T05:20:00.12345Z",
        "email": "jdoe@example.com",
        "gateway_seat": false,
        "last_successful_login": "2020-07-01T05:20:00Z",
        "name": "Jane Doe",
        "seat_uid": "seat_uid",
        "uid": "uid",
        "updated_at": "2014-01-01T05:20:00.12345Z"
    })
}

/// A successful Cloudflare envelope around `result`.
pub fn cf_envelope(result: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

/// A successful Cloudflare list envelope with `result_info`.
pub fn cf_list_envelope(result: Vec<Value>, page: u64, total_pages: u64) -> Value {
    json!({
        "success": true, "errors": [], "messages": [],
        "result": result,
        "result_info": {"count": 1, "page": page, "per_page": 20, "total_count": 2000, "total_pages": total_pages}
    })
}

/// A Keycard user as the API returns it.
pub fn kc_user(id: &str) -> Value {
    json!({
        "id": id,
        "created_at": "2026-05-02T14:03:11Z",
        "updated_at": "2026-06-10T09:41:27Z",
        "email": "jane.doe@example.com",
        "email_verified": true,
        "identifier": "jane.doe@example.com",
        "organization_id": "org_01hzq2b3c4d5e6f7g8h9j0k1l2",
        "status": "active",
        "zone_id": ZONE_ID
    })
}

/// A Keycard list page.
pub fn kc_list(items: Vec<Value>, after_cursor: Option<&str>) -> Value {
    json!({"items": items, "pagination": {"after_cursor": after_cursor, "before_cursor": null}})
}

/// Bearer auth with [`TOKEN`], the given base URL, no jitter and a
/// recording sleeper.
pub fn test_config(base_url: &str, sleeper: &RecordingSleeper) -> Config {
    Config::new(Credentials::bearer(TOKEN))
        .with_base_url(base_url)
        .with_jitter(false)
        .with_sleeper(sleeper.clone())
}

// ---- Capturing output ----

/// A `tracing_subscriber` writer that appends to a shared buffer.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Decodes `%XX` escapes (leaving anything else as is) into bytes.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `s` seconds.
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
