//! Compatibility with the real upstream Cloudflare API: its published spec
//! (`tests/data/cloudflare-access-users-2024.json`, the 2024 upstream spec
//! cut down to `/access/users`) and the response examples of Cloudflare's
//! API reference (`tests/data/seed-00{2,3}-*.json`). See
//! `tests/data/NOTICE.md` for sources and licences.
//!
//! The upstream spec has no response examples, only examples on schemas
//! and properties. For each operation, [`synthesize`] builds the response
//! those examples describe (as Prism's static mode would): every property,
//! its `example` where upstream gives one. Each body is then decoded
//!
//! - as the generated envelope type (`types::UserListResponse`, …),
//! - as the operation's output (the envelope's `result`) and meta
//!   (`result_info`), checking that no upstream field is lost on the way
//!   (decoded, serialized back and compared value by value),
//! - and through the async and blocking clients, served by a local server.
//!
//! The upstream failure envelope must become a typed `Error::Api` with the
//! upstream error code.

mod support;

use apigen_runtime::{Error, ErrorKind, Operation};
use cloudflare_access_users_blocking as cfb;
use cloudflare_access_users_client as cf;
use cloudflare_access_users_client::operations as ops;
use cloudflare_access_users_client::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::*;

const UPSTREAM: &str = "cloudflare-access-users-2024.json";

// ---------------------------------------------------------------------------
// Building examples from the upstream schemas.
// ---------------------------------------------------------------------------

/// Follows `$ref`s (local `#/…` pointers only).
fn resolve<'a>(spec: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#').expect("local $ref");
        schema = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {reference}"));
    }
    schema
}

/// The value a schema's examples describe: its own `example` when it has
/// one, else one built from its parts (every property, one array item,
/// one `additionalProperties` entry), with placeholders for primitives
/// that have no example.
fn synthesize(spec: &Value, schema: &Value, depth: usize) -> Value {
    assert!(depth < 32, "schema nesting too deep");
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        for member in members {
            match synthesize(spec, member, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(|v| v.get(0)) {
            return synthesize(spec, first, depth + 1);
        }
    }
    let kind = schema.get("type").and_then(Value::as_str);
    if kind == Some("object") || schema.get("properties").is_some() {
        let mut object = serde_json::Map::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                object.insert(name.clone(), synthesize(spec, property, depth + 1));
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            object.insert("key".into(), synthesize(spec, extra, depth + 1));
        }
        return Value::Object(object);
    }
    match kind {
        Some("array") => json!([synthesize(spec, &schema["items"], depth + 1)]),
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2024-08-01T12:00:00Z"),
            Some("email") => json!("user@example.com"),
            Some("uuid") => json!("f174e90a-fafe-4643-bbbc-4a0ed4fc8415"),
            _ => json!("string"),
        },
        _ => json!({}),
    }
}

/// The upstream spec.
fn upstream() -> Value {
    data_json(UPSTREAM)
}

/// The example body of one upstream response.
fn response_example(spec: &Value, path: &str, status: &str) -> Value {
    let operation = &spec["paths"][path]["get"];
    let schema = &operation["responses"][status]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "no {status} JSON response for {path}");
    synthesize(spec, schema, 0)
}

// ---------------------------------------------------------------------------
// Lossless decoding.
// ---------------------------------------------------------------------------

/// Checks that everything in `input` survived into `output` (a decoded
/// value serialized again): same keys (a `null` may become absent), same
/// numbers, same instants for timestamps.
fn assert_lossless(input: &Value, output: &Value, path: &str) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(decoded) => assert_lossless(value, decoded, &here),
                    None if value.is_null() => {}
                    None => panic!("{here}: upstream field dropped by the model (value {value})"),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: array length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_lossless(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            assert_eq!(a.as_f64(), b.as_f64(), "{path}: number changed");
        }
        (Value::String(a), Value::String(b)) if a != b => {
            let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            assert!(
                instant(a).is_some() && instant(a) == instant(b),
                "{path}: {a:?} decoded as {b:?}"
            );
        }
        (a, b) => assert_eq!(a, b, "{path}"),
    }
}

/// Decodes `value` as `T` (failing with the JSON path) and checks that
/// nothing was lost; returns the decoded value.
fn decode<T: DeserializeOwned + Serialize>(what: &str, value: &Value) -> T {
    let decoded: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let again = serde_json::to_value(&decoded).expect("serialize");
    assert_lossless(value, &again, what);
    decoded
}

// ---------------------------------------------------------------------------
// The five upstream operations.
// ---------------------------------------------------------------------------

/// The upstream path of an operation of the generated client.
fn upstream_path<O: Operation>() -> &'static str {
    O::INFO.path_template
}

/// Checks one upstream operation: the envelope type, the output, the meta,
/// and both clients. `call_async`/`call_blocking` send the operation to a
/// server that answers with `body`.
fn check_operation<O, E>(
    spec: &Value,
    envelope_type: &str,
    call_async: impl Fn(cf::Client) -> AsyncResult<O>,
    call_blocking: impl Fn(&cfb::Client) -> Result<apigen_runtime::Response<O::Output, O::Meta>, Error>,
) -> usize
where
    O: Operation,
    O::Output: Serialize + PartialEq + std::fmt::Debug,
    O::Meta: Serialize + PartialEq + std::fmt::Debug + DeserializeOwned,
    E: DeserializeOwned + Serialize,
{
    let path = upstream_path::<O>();
    let id = O::INFO.operation_id;
    let operation = &spec["paths"][path]["get"];
    assert_eq!(
        operation["operationId"], id,
        "{path} is `{id}` upstream too"
    );
    let body = response_example(spec, path, "200");
    assert_eq!(body["success"], true, "{id}");

    // The whole envelope, as the envelope type of `types`.
    let _: E = decode(&format!("{id} as types::{envelope_type}"), &body);
    // The result, as the operation's output; result_info, as its meta.
    let output: O::Output = decode(&format!("{id} result"), &body["result"]);
    let meta: Option<O::Meta> = body
        .get("result_info")
        .map(|info| decode(&format!("{id} result_info"), info));

    // Through the clients.
    let (server, config) = serve_json(&body);
    let client = cf::Client::new(config.clone()).unwrap();
    let response = client_runtime()
        .block_on(call_async(client))
        .unwrap_or_else(|e| panic!("{id} (async): {e}"));
    assert_eq!(*response, output, "{id} (async)");
    assert_eq!(response.meta(), meta.as_ref(), "{id} (async) meta");
    let blocking = cfb::Client::new(config).unwrap();
    let response = call_blocking(&blocking).unwrap_or_else(|e| panic!("{id} (blocking): {e}"));
    assert_eq!(*response, output, "{id} (blocking)");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.method, "GET");
    }
    // Decodes: envelope, output, meta (if any), async, blocking.
    4 + usize::from(meta.is_some())
}

/// A server that answers every request with `body`, and a client config
/// aimed at it.
fn serve_json(body: &Value) -> (TestServer, apigen_runtime::Config) {
    let server = TestServer::start({
        let body = body.clone();
        move |_, _| Reply::json(200, &body)
    });
    let config = test_config(&server.url(), &RecordingSleeper::default());
    (server, config)
}

/// [`check_operation`] with the call written once, for both clients.
macro_rules! check {
    ($spec:expr, $operation:ty, $envelope:ident, |$c:ident| $call:expr) => {
        check_operation::<$operation, types::$envelope>(
            $spec,
            stringify!($envelope),
            |$c: cf::Client| Box::pin(async move { $call.await }),
            |$c| $call.send(),
        )
    };
}

/// An async call of the generated client on an owned client.
type AsyncResult<O> = std::pin::Pin<
    Box<
        dyn Future<
                Output = Result<
                    apigen_runtime::Response<<O as Operation>::Output, <O as Operation>::Meta>,
                    Error,
                >,
            > + Send,
    >,
>;

#[test]
fn upstream_operations_decode_losslessly() {
    let spec = upstream();
    let mut decodes = 0;
    decodes += check!(&spec, ops::UsersList, UserListResponse, |c| c
        .zero_trust()
        .access()
        .users()
        .list(ACCOUNT_ID));
    decodes += check!(
        &spec,
        ops::ActiveSessionsList,
        ActiveSessionListResponse,
        |c| c
            .zero_trust()
            .access()
            .users()
            .active_sessions()
            .list(ACCOUNT_ID, USER_ID)
    );
    decodes += check!(&spec, ops::ActiveSessionsGet, ActiveSessionResponse, |c| c
        .zero_trust()
        .access()
        .users()
        .active_sessions()
        .get(ACCOUNT_ID, USER_ID, NONCE));
    decodes += check!(
        &spec,
        ops::LastSeenIdentityGet,
        LastSeenIdentityResponse,
        |c| c
            .zero_trust()
            .access()
            .users()
            .last_seen_identity()
            .get(ACCOUNT_ID, USER_ID)
    );
    decodes += check!(&spec, ops::FailedLoginsList, FailedLoginListResponse, |c| c
        .zero_trust()
        .access()
        .users()
        .failed_logins()
        .list(ACCOUNT_ID, USER_ID));
    assert_eq!(
        decodes,
        5 * 4 + 3,
        "three upstream operations have result_info"
    );
}

#[test]
fn upstream_covers_the_five_operations_it_has() {
    // Upstream (2024) has only the five GETs; the others come from the
    // seeds (see spec/README.md). Each of the five is checked above.
    let spec = upstream();
    let mut upstream_ops: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    upstream_ops.sort();
    let mut generated = vec![
        ops::UsersList::INFO.operation_id,
        ops::ActiveSessionsList::INFO.operation_id,
        ops::ActiveSessionsGet::INFO.operation_id,
        ops::LastSeenIdentityGet::INFO.operation_id,
        ops::FailedLoginsList::INFO.operation_id,
    ];
    generated.sort();
    assert_eq!(upstream_ops, generated);
}

#[test]
fn upstream_schema_examples_decode_into_their_models() {
    let spec = upstream();
    let schemas = &spec["components"]["schemas"];
    let example = |name: &str| synthesize(&spec, &schemas[name], 0);
    let _: types::IdentityDeviceSession =
        decode("access_device_session", &example("access_device_session"));
    let geo: types::UserPolicyCheckGeo = decode("access_geo", &example("access_geo"));
    assert_eq!(geo.country.as_deref(), Some("US"));
    let user: types::User = decode("access_users", &example("access_users"));
    assert_eq!(user.id.as_deref(), Some(USER_ID));
    let _: types::Identity = decode("access_identity", &example("access_identity"));
    let _: types::ResultInfo = decode("access_result_info", &example("access_result_info"));
    let messages: Vec<types::ResponseMessage> = decode(
        "access_api-response-common-failure errors",
        &example("access_api-response-common-failure")["errors"],
    );
    assert_eq!(messages[0].code, 7003);
    let timestamp: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(example("access_timestamp")).expect("access_timestamp");
    assert_eq!(timestamp.timestamp_subsec_micros(), 123_450);
    // The identifier and UUID examples are valid path parameters.
    assert_eq!(example("access_identifier"), json!(ACCOUNT_ID));
    assert_eq!(example("access_uuid"), json!(USER_ID));
}

#[test]
fn upstream_failure_envelope_is_a_typed_error() {
    let spec = upstream();
    let path = ops::UsersList::INFO.path_template;
    let body = response_example(&spec, path, "4XX");
    let failure: types::ApiResponseCommonFailure = decode("4XX body", &body);
    assert!(!failure.success);
    let server = TestServer::script(vec![Reply::json(400, &body)]);
    let sleeper = RecordingSleeper::default();
    let client = cfb::Client::new(test_config(&server.url(), &sleeper)).unwrap();
    let err = client
        .zero_trust()
        .access()
        .users()
        .list(ACCOUNT_ID)
        .send()
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.kind, ErrorKind::BadRequest);
    assert_eq!(api.details[0].code, Some(7003));
    assert_eq!(api.message(), Some("No route for the URI"));
    assert_eq!(server.request_count(), 1, "a 400 is not retried");
}

// ---------------------------------------------------------------------------
// The seeds' examples.
// ---------------------------------------------------------------------------

#[test]
fn seed_list_example_decodes() {
    let body = data_json("seed-002-get-users.json");
    let envelope: types::UserListResponse = decode("seed 002 as types::UserListResponse", &body);
    assert!(envelope.success);
    assert_eq!(envelope.errors[0].code, 1000);
    assert_eq!(
        envelope.errors[0]
            .source
            .as_ref()
            .and_then(|s| s.pointer.as_deref()),
        Some("pointer")
    );
    let users: <ops::UsersList as Operation>::Output = decode("seed 002 result", &body["result"]);
    let meta: <ops::UsersList as Operation>::Meta =
        decode("seed 002 result_info", &body["result_info"]);
    assert_eq!(users[0].id.as_deref(), Some(USER_ID));
    assert_eq!(users[0].active_device_count, Some(2.0));
    assert_eq!(
        users[0]
            .last_successful_login
            .map(|t| t.to_rfc3339())
            .as_deref(),
        Some("2020-07-01T05:20:00+00:00")
    );
    assert_eq!(meta.total_pages, Some(100.0));
    assert_eq!(envelope.result.as_ref(), Some(&users));

    // Through the clients: a page, its meta, and the pager's view of it.
    let (_server, config) = serve_json(&body);
    let client = cf::Client::new(config.clone()).unwrap();
    let page = client_runtime()
        .block_on(client.zero_trust().access().users().list(ACCOUNT_ID).send())
        .unwrap();
    assert_eq!(*page, users);
    assert_eq!(page.meta(), Some(&meta));
    let blocking = cfb::Client::new(config).unwrap();
    let page = blocking
        .zero_trust()
        .access()
        .users()
        .list(ACCOUNT_ID)
        .params(ops::UsersListParams::new().page(1))
        .send()
        .unwrap();
    assert_eq!(*page, users);
    // `total_pages: 100`, but every page is the same body: the pager stops
    // at the first repeat instead of fetching 100 pages.
    let all: Vec<_> = blocking
        .zero_trust()
        .access()
        .users()
        .list(ACCOUNT_ID)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[test]
fn seed_get_example_decodes() {
    let body = data_json("seed-003-get-user.json");
    let envelope: types::UserResponse = decode("seed 003 as types::UserResponse", &body);
    let user: <ops::UsersGet as Operation>::Output = decode("seed 003 result", &body["result"]);
    assert_eq!(envelope.result.as_ref(), Some(&user));
    assert_eq!(user.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(
        user.created_at.map(|t| t.timestamp_subsec_micros()),
        Some(123_450)
    );

    let (_server, config) = serve_json(&body);
    let client = cf::Client::new(config.clone()).unwrap();
    let got = cf_get_user(&client_runtime(), &client).unwrap();
    assert_eq!(*got, user);
    let blocking = cfb::Client::new(config).unwrap();
    // The same body is what create and update return.
    let created = blocking
        .zero_trust()
        .access()
        .users()
        .create(
            ACCOUNT_ID,
            types::CreateUserRequest::new("jdoe@example.com").name("Jane Doe"),
        )
        .send()
        .unwrap();
    assert_eq!(*created, user);
    let updated = blocking
        .zero_trust()
        .access()
        .users()
        .update(
            ACCOUNT_ID,
            USER_ID,
            types::UpdateUserRequest::new("jdoe@example.com", "Jane Doe"),
        )
        .send()
        .unwrap();
    assert_eq!(*updated, user);
}

#[test]
fn lossless_check_can_fail() {
    // A model without a field, or a changed value, is caught.
    let input = json!({"email": "a@example.com", "mfa": true});
    let err = std::panic::catch_unwind(|| {
        let _: types::User = decode("probe", &input);
    });
    assert!(err.is_err());
    let result =
        std::panic::catch_unwind(|| assert_lossless(&json!({"n": 1}), &json!({"n": 2}), "probe"));
    assert!(result.is_err());
    assert_lossless(
        &json!({"t": "2014-01-01T05:20:00.12345Z", "x": null}),
        &json!({"t": "2014-01-01T05:20:00.123450Z"}),
        "probe",
    );
}
