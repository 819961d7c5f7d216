//! Checks the pinned OpenAPI specs in `spec/` against the facts of their sources.
//!
//! The expectations below are copied from the API reference pages the specs were written from
//! (the seeds) and from the reference notes (`API-FACTS.md`), so the repository stands alone:
//! removing or retyping a field, an operation or a parameter in a spec breaks a test here.
//!
//! Each spec is parsed twice: with `openapiv3` (what the generator reads; this must succeed) and
//! as a plain `serde_json::Value`, which the helpers below walk, resolving `$ref` and merging
//! `allOf`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

const CLOUDFLARE: &str = "cloudflare-access-users.yaml";
const KEYCARD: &str = "keycard-zone-users.yaml";

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

/// One expected operation.
struct Op {
    method: &'static str,
    path: &'static str,
    operation_id: &'static str,
    /// `x-fern-sdk-group-name`.
    group: &'static str,
    /// `x-fern-sdk-method-name`.
    sdk_method: &'static str,
    /// `x-apigen-pagination.kind`, if the operation is a list.
    pagination: Option<&'static str>,
    /// The success status and the component schema of its body.
    success: (&'static str, &'static str),
}

const CF_USERS: &str = "/accounts/{account_id}/access/users";
const CF_USER: &str = "/accounts/{account_id}/access/users/{user_id}";

const CLOUDFLARE_OPS: &[Op] = &[
    Op {
        method: "get",
        path: CF_USERS,
        operation_id: "zero-trust-users-get-users",
        group: "zero-trust.access.users",
        sdk_method: "list",
        pagination: Some("page-number"),
        success: ("200", "UserListResponse"),
    },
    Op {
        method: "post",
        path: CF_USERS,
        operation_id: "zero-trust-users-create-user",
        group: "zero-trust.access.users",
        sdk_method: "create",
        pagination: None,
        success: ("201", "UserResponse"),
    },
    Op {
        method: "get",
        path: CF_USER,
        operation_id: "zero-trust-users-get-user",
        group: "zero-trust.access.users",
        sdk_method: "get",
        pagination: None,
        success: ("200", "UserResponse"),
    },
    Op {
        method: "put",
        path: CF_USER,
        operation_id: "zero-trust-users-update-user",
        group: "zero-trust.access.users",
        sdk_method: "update",
        pagination: None,
        success: ("200", "UserResponse"),
    },
    Op {
        method: "delete",
        path: CF_USER,
        operation_id: "zero-trust-users-delete-user",
        group: "zero-trust.access.users",
        sdk_method: "delete",
        pagination: None,
        success: ("202", "DeleteUserResponse"),
    },
    Op {
        method: "get",
        path: "/accounts/{account_id}/access/users/{user_id}/active_sessions",
        operation_id: "zero-trust-users-get-active-sessions",
        group: "zero-trust.access.users.active-sessions",
        sdk_method: "list",
        pagination: Some("single-page"),
        success: ("200", "ActiveSessionListResponse"),
    },
    Op {
        method: "get",
        path: "/accounts/{account_id}/access/users/{user_id}/active_sessions/{nonce}",
        operation_id: "zero-trust-users-get-active-session",
        group: "zero-trust.access.users.active-sessions",
        sdk_method: "get",
        pagination: None,
        success: ("200", "ActiveSessionResponse"),
    },
    Op {
        method: "get",
        path: "/accounts/{account_id}/access/users/{user_id}/last_seen_identity",
        operation_id: "zero-trust-users-get-last-seen-identity",
        group: "zero-trust.access.users.last-seen-identity",
        sdk_method: "get",
        pagination: None,
        success: ("200", "LastSeenIdentityResponse"),
    },
    Op {
        method: "get",
        path: "/accounts/{account_id}/access/users/{user_id}/failed_logins",
        operation_id: "zero-trust-users-get-failed-logins",
        group: "zero-trust.access.users.failed-logins",
        sdk_method: "list",
        pagination: Some("single-page"),
        success: ("200", "FailedLoginListResponse"),
    },
];

const KEYCARD_OPS: &[Op] = &[
    Op {
        method: "get",
        path: "/zones/{zoneId}/users",
        operation_id: "listZoneUsers",
        group: "zones.users",
        sdk_method: "list",
        pagination: Some("cursor"),
        success: ("200", "UserListResponse"),
    },
    Op {
        method: "get",
        path: "/zones/{zoneId}/users/{id}",
        operation_id: "getZoneUser",
        group: "zones.users",
        sdk_method: "retrieve",
        pagination: None,
        success: ("200", "User"),
    },
];

/// The fields of every model, as `(path, expectation)`.
///
/// A path starts with a component schema name, then walks properties; `[]` steps into `items`
/// and `*` into `additionalProperties`. An expectation is the JSON type (`any` for none) followed
/// by words: a format (`date-time`, `email`), `nullable`, `required` (the field is in its parent's
/// `required` list), `enum=a|b`, or `maxLength=N` / `minLength=N` / `minimum=N` / `maxItems=N`.
///
/// Format and nullability must match exactly (no word means no format, not nullable). For every
/// parent that has fields listed here, the listed fields are exactly its properties and the ones
/// marked `required` are exactly its required list.
const CLOUDFLARE_MODELS: &[(&str, &str)] = &[
    // User (seeds 000-003: UserListResponse / UserGetResponse / ...).
    ("User.id", "string maxLength=36"),
    ("User.access_seat", "boolean"),
    ("User.active_device_count", "number"),
    ("User.created_at", "string date-time"),
    ("User.email", "string email"),
    ("User.gateway_seat", "boolean"),
    ("User.last_successful_login", "string date-time"),
    ("User.name", "string"),
    ("User.seat_uid", "string"),
    ("User.uid", "string"),
    ("User.updated_at", "string date-time"),
    // AccessUser, the SCIM user (seeds 000, 001).
    ("AccessUser.id", "string"),
    ("AccessUser.active", "boolean"),
    ("AccessUser.displayName", "string"),
    ("AccessUser.emails", "array"),
    ("AccessUser.emails.[].primary", "boolean"),
    ("AccessUser.emails.[].type", "string"),
    ("AccessUser.emails.[].value", "string email"),
    ("AccessUser.externalId", "string"),
    ("AccessUser.meta", "object"),
    ("AccessUser.meta.created", "string date-time"),
    ("AccessUser.meta.lastModified", "string date-time"),
    ("AccessUser.schemas", "array"),
    ("AccessUser.schemas.[]", "string"),
    // Active session, list item (seed 001: ActiveSessionListResponse).
    ("ActiveSession.expiration", "integer"),
    ("ActiveSession.metadata", "object"),
    ("ActiveSession.metadata.apps", "object"),
    ("ActiveSession.metadata.apps.*.hostname", "string"),
    ("ActiveSession.metadata.apps.*.name", "string"),
    ("ActiveSession.metadata.apps.*.type", "string"),
    ("ActiveSession.metadata.apps.*.uid", "string"),
    ("ActiveSession.metadata.expires", "integer"),
    ("ActiveSession.metadata.iat", "integer"),
    ("ActiveSession.metadata.nonce", "string"),
    ("ActiveSession.metadata.ttl", "integer"),
    ("ActiveSession.name", "string"),
    // Identity (seeds 000, 001).
    ("Identity.account_id", "string"),
    ("Identity.auth_status", "string"),
    ("Identity.common_name", "string"),
    ("Identity.device_id", "string"),
    ("Identity.device_sessions", "object"),
    ("Identity.device_sessions.*.last_authenticated", "number"),
    ("Identity.devicePosture", "object"),
    ("Identity.devicePosture.*.id", "string"),
    ("Identity.devicePosture.*.check", "object"),
    ("Identity.devicePosture.*.check.exists", "boolean"),
    ("Identity.devicePosture.*.check.path", "string"),
    ("Identity.devicePosture.*.data", "object"),
    ("Identity.devicePosture.*.description", "string"),
    ("Identity.devicePosture.*.error", "string"),
    ("Identity.devicePosture.*.rule_name", "string"),
    ("Identity.devicePosture.*.success", "boolean"),
    ("Identity.devicePosture.*.timestamp", "string"),
    ("Identity.devicePosture.*.type", "string"),
    ("Identity.email", "string"),
    ("Identity.geo", "object"),
    ("Identity.geo.country", "string"),
    ("Identity.iat", "number"),
    ("Identity.idp", "object"),
    ("Identity.idp.id", "string"),
    ("Identity.idp.type", "string"),
    ("Identity.ip", "string"),
    ("Identity.is_gateway", "boolean"),
    ("Identity.is_warp", "boolean"),
    ("Identity.mtls_auth", "object"),
    ("Identity.mtls_auth.auth_status", "string"),
    ("Identity.mtls_auth.cert_issuer_dn", "string"),
    ("Identity.mtls_auth.cert_issuer_ski", "string"),
    ("Identity.mtls_auth.cert_presented", "boolean"),
    ("Identity.mtls_auth.cert_serial", "string"),
    ("Identity.service_token_id", "string"),
    ("Identity.service_token_status", "boolean"),
    ("Identity.user_uuid", "string"),
    ("Identity.version", "number"),
    // Failed login, list item (seed 001: FailedLoginListResponse).
    ("FailedLogin.expiration", "integer"),
    ("FailedLogin.metadata", "object"),
    // Request bodies (seed 001: UserCreateParams / UserUpdateParams).
    ("CreateUserRequest.email", "string email required"),
    ("CreateUserRequest.name", "string"),
    ("UpdateUserRequest.email", "string email required"),
    ("UpdateUserRequest.name", "string required"),
    // Envelope (seed 002/003 example bodies, API-FACTS 1.3).
    ("ResponseMessage.code", "integer required minimum=1000"),
    ("ResponseMessage.message", "string required"),
    ("ResponseMessage.documentation_url", "string"),
    ("ResponseMessage.source", "object"),
    ("ResponseMessage.source.pointer", "string"),
    ("ResultInfo.count", "number"),
    ("ResultInfo.page", "number"),
    ("ResultInfo.per_page", "number"),
    ("ResultInfo.total_count", "number"),
    ("ResultInfo.total_pages", "number"),
    ("ApiResponseCommon.success", "boolean required enum=true"),
    ("ApiResponseCommon.errors", "array required"),
    ("ApiResponseCommon.messages", "array required"),
    (
        "ApiResponseCommonFailure.success",
        "boolean required enum=false",
    ),
    ("ApiResponseCommonFailure.errors", "array required"),
    ("ApiResponseCommonFailure.messages", "array required"),
    (
        "ApiResponseCommonFailure.result",
        "object required nullable enum=null",
    ),
    // The envelopes as the operations see them, `allOf` merged.
    (
        "ApiResponseCollection.success",
        "boolean required enum=true",
    ),
    ("ApiResponseCollection.errors", "array required"),
    ("ApiResponseCollection.messages", "array required"),
    ("ApiResponseCollection.result_info", "object"),
    ("UserListResponse.success", "boolean required enum=true"),
    ("UserListResponse.errors", "array required"),
    ("UserListResponse.messages", "array required"),
    ("UserListResponse.result_info", "object"),
    ("UserListResponse.result", "array"),
    ("UserResponse.success", "boolean required enum=true"),
    ("UserResponse.errors", "array required"),
    ("UserResponse.messages", "array required"),
    ("UserResponse.result", "object"),
    ("DeleteUserResponse.success", "boolean required enum=true"),
    ("DeleteUserResponse.errors", "array required"),
    ("DeleteUserResponse.messages", "array required"),
    ("DeleteUserResponse.result", "object nullable"),
    (
        "ActiveSessionListResponse.success",
        "boolean required enum=true",
    ),
    ("ActiveSessionListResponse.errors", "array required"),
    ("ActiveSessionListResponse.messages", "array required"),
    ("ActiveSessionListResponse.result_info", "object"),
    ("ActiveSessionListResponse.result", "array"),
    (
        "ActiveSessionResponse.success",
        "boolean required enum=true",
    ),
    ("ActiveSessionResponse.errors", "array required"),
    ("ActiveSessionResponse.messages", "array required"),
    ("ActiveSessionResponse.result", "object"),
    (
        "LastSeenIdentityResponse.success",
        "boolean required enum=true",
    ),
    ("LastSeenIdentityResponse.errors", "array required"),
    ("LastSeenIdentityResponse.messages", "array required"),
    ("LastSeenIdentityResponse.result", "object"),
    (
        "FailedLoginListResponse.success",
        "boolean required enum=true",
    ),
    ("FailedLoginListResponse.errors", "array required"),
    ("FailedLoginListResponse.messages", "array required"),
    ("FailedLoginListResponse.result_info", "object"),
    ("FailedLoginListResponse.result", "array"),
];

/// Spot checks that the per-operation envelopes carry the right model in `result` and the
/// shared pieces in the envelope (same notation; presence and type only).
const CLOUDFLARE_COMPOSED: &[(&str, &str)] = &[
    ("UserListResponse.result.[].id", "string maxLength=36"),
    ("UserListResponse.result.[].email", "string email"),
    ("UserListResponse.result_info.total_pages", "number"),
    ("UserListResponse.errors.[].code", "integer minimum=1000"),
    ("UserListResponse.messages.[].source.pointer", "string"),
    (
        "UserResponse.result.last_successful_login",
        "string date-time",
    ),
    ("UserResponse.result.seat_uid", "string"),
    (
        "ActiveSessionListResponse.result.[].metadata.apps.*.hostname",
        "string",
    ),
    ("ActiveSessionResponse.result.isActive", "boolean"),
    (
        "ActiveSessionResponse.result.devicePosture.*.rule_name",
        "string",
    ),
    (
        "ActiveSessionResponse.result.mtls_auth.cert_presented",
        "boolean",
    ),
    ("ActiveSessionDetail.isActive", "boolean"),
    ("ActiveSessionDetail.user_uuid", "string"),
    (
        "LastSeenIdentityResponse.result.device_sessions.*.last_authenticated",
        "number",
    ),
    ("LastSeenIdentityResponse.result.geo.country", "string"),
    ("FailedLoginListResponse.result.[].metadata", "object"),
    ("FailedLoginListResponse.result.[].expiration", "integer"),
];

const KEYCARD_MODELS: &[(&str, &str)] = &[
    // User (seed 004).
    ("User.id", "string required"),
    ("User.created_at", "string date-time required"),
    ("User.email", "string email required"),
    ("User.email_verified", "boolean required"),
    ("User.identifier", "string required"),
    ("User.organization_id", "string required"),
    ("User.status", "string required enum=active|disabled"),
    ("User.updated_at", "string date-time required"),
    ("User.zone_id", "string required"),
    ("User.authenticated_at", "string"),
    ("User.grant_count", "integer minimum=0"),
    ("User.issuer", "string"),
    ("User.provider_id", "string"),
    ("User.role_assignments", "array"),
    ("User.role_assignments.[].role_id", "string required"),
    (
        "User.role_assignments.[].role_identifier",
        "string required minLength=1 maxLength=255",
    ),
    ("User.role_assignments.[].scope", "object required nullable"),
    ("User.role_assignments.[].scope.id", "string required"),
    ("User.role_assignments.[].scope.type", "string required"),
    ("User.session_count", "integer minimum=0"),
    ("User.subject", "string"),
    // The same models through their own names.
    ("RoleAssignment.role_id", "string required"),
    (
        "RoleAssignment.role_identifier",
        "string required minLength=1 maxLength=255",
    ),
    ("RoleAssignment.scope", "object required nullable"),
    ("RoleAssignmentScope.id", "string required"),
    ("RoleAssignmentScope.type", "string required"),
    // List response (API-FACTS 2.2.1).
    ("UserListResponse.items", "array required"),
    ("UserListResponse.pagination", "object required"),
    (
        "UserListResponse.pagination.after_cursor",
        "string required nullable",
    ),
    (
        "UserListResponse.pagination.before_cursor",
        "string required nullable",
    ),
    ("UserListResponse.pagination.total_count", "integer"),
    // Error (API-FACTS 2.1).
    ("Error.message", "string required"),
    ("Error.code", "string required"),
    ("Error.status", "number required"),
];

const KEYCARD_COMPOSED: &[(&str, &str)] = &[
    ("UserListResponse.items.[].email", "string email"),
    (
        "UserListResponse.items.[].status",
        "string enum=active|disabled",
    ),
    ("Pagination.after_cursor", "string nullable"),
];

/// Parameters of an operation: `(name, in, expectation)`, in the expectation notation above
/// (`required` meaning a required parameter). The list is exact, in order.
type Params = &'static [(&'static str, &'static str, &'static str)];

const CF_ACCOUNT: (&str, &str, &str) = ("account_id", "path", "string required maxLength=32");
const CF_USER_ID: (&str, &str, &str) = ("user_id", "path", "string required maxLength=36");

const CLOUDFLARE_PARAMS: &[(&str, &str, Params)] = &[
    (
        "get",
        CF_USERS,
        &[
            CF_ACCOUNT,
            ("name", "query", "string"),
            ("email", "query", "string"),
            ("search", "query", "string"),
            ("page", "query", "integer"),
            ("per_page", "query", "integer"),
        ],
    ),
    ("post", CF_USERS, &[CF_ACCOUNT]),
    ("get", CF_USER, &[CF_USER_ID, CF_ACCOUNT]),
    ("put", CF_USER, &[CF_USER_ID, CF_ACCOUNT]),
    ("delete", CF_USER, &[CF_USER_ID, CF_ACCOUNT]),
    (
        "get",
        "/accounts/{account_id}/access/users/{user_id}/active_sessions",
        &[CF_USER_ID, CF_ACCOUNT],
    ),
    (
        "get",
        "/accounts/{account_id}/access/users/{user_id}/active_sessions/{nonce}",
        &[CF_USER_ID, CF_ACCOUNT, ("nonce", "path", "string required")],
    ),
    (
        "get",
        "/accounts/{account_id}/access/users/{user_id}/last_seen_identity",
        &[CF_USER_ID, CF_ACCOUNT],
    ),
    (
        "get",
        "/accounts/{account_id}/access/users/{user_id}/failed_logins",
        &[CF_USER_ID, CF_ACCOUNT],
    ),
];

const KEYCARD_PARAMS: &[(&str, &str, Params)] = &[
    (
        "get",
        "/zones/{zoneId}/users",
        &[
            ("zoneId", "path", "string required"),
            ("after", "query", "string"),
            ("before", "query", "string"),
            ("limit", "query", "integer"),
            ("expand[]", "query", "array"),
            ("filter[email]", "query", "array"),
            ("filter[id]", "query", "array maxItems=100"),
            ("query[]", "query", "array"),
            ("query[email]", "query", "array"),
            ("query[subject]", "query", "array"),
            ("sort", "query", "string"),
        ],
    ),
    (
        "get",
        "/zones/{zoneId}/users/{id}",
        &[
            ("zoneId", "path", "string required"),
            ("id", "path", "string required"),
        ],
    ),
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn read_spec(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A spec loaded as JSON, with `$ref` resolution and `allOf` merging.
struct Spec {
    name: &'static str,
    doc: Value,
}

impl Spec {
    fn load(name: &'static str) -> Self {
        let doc = serde_yaml::from_str::<Value>(&read_spec(name))
            .unwrap_or_else(|e| panic!("{name}: not YAML: {e}"));
        Spec { name, doc }
    }

    /// Follows `$ref`s (local ones only) until a node without one.
    fn deref<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                return node;
            };
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{}: non-local $ref {reference}", self.name));
            node = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{}: dangling $ref {reference}", self.name));
        }
        panic!("{}: $ref chain too long", self.name)
    }

    /// A schema with `$ref` resolved and `allOf` members merged into it: properties are united
    /// (a later member's property wins), `required` lists are united, and the node's own keys
    /// (description, nullable, ...) are kept.
    fn flatten(&self, node: &Value) -> Value {
        let node = self.deref(node);
        let Some(members) = node.get("allOf").and_then(Value::as_array) else {
            return node.clone();
        };
        let mut out: Map<String, Value> = node.as_object().cloned().unwrap_or_default();
        out.remove("allOf");
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for member in members {
            let member = self.flatten(member);
            if let Some(t) = member.get("type") {
                out.entry("type").or_insert_with(|| t.clone());
            }
            if let Some(props) = member.get("properties").and_then(Value::as_object) {
                properties.extend(props.clone());
            }
            for r in member
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
        }
        if !properties.is_empty() {
            out.insert("properties".into(), Value::Object(properties));
        }
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        Value::Object(out)
    }

    fn component(&self, name: &str) -> &Value {
        self.doc
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("{}: no component schema {name}", self.name))
    }

    /// The flattened schema at a dotted path (see `CLOUDFLARE_MODELS`).
    fn at(&self, path: &str) -> Result<Value, String> {
        let mut steps = path.split('.');
        let root = steps.next().expect("empty path");
        let mut node = self
            .doc
            .pointer(&format!("/components/schemas/{root}"))
            .map(|schema| self.flatten(schema))
            .ok_or_else(|| format!("{path}: no component schema {root}"))?;
        for step in steps {
            let next = match step {
                "[]" => node.get("items"),
                "*" => node.get("additionalProperties"),
                name => node.get("properties").and_then(|p| p.get(name)),
            };
            let next = next.ok_or_else(|| {
                format!(
                    "{path}: no `{step}` (properties there: {:?})",
                    property_names(&node)
                )
            })?;
            node = self.flatten(next);
        }
        Ok(node)
    }

    fn operation(&self, method: &str, path: &str) -> &Value {
        self.doc
            .get("paths")
            .and_then(|p| p.get(path))
            .and_then(|item| item.get(method))
            .unwrap_or_else(|| panic!("{}: no operation {method} {path}", self.name))
    }

    fn operations(&self) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths").iter() {
            for (method, op) in item.as_object().expect("path item") {
                if [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&method.as_str())
                {
                    out.push((method.clone(), path.clone(), op));
                }
            }
        }
        out
    }
}

fn property_names(node: &Value) -> BTreeSet<String> {
    node.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn required_names(node: &Value) -> BTreeSet<String> {
    node.get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A parsed expectation (see `CLOUDFLARE_MODELS`).
#[derive(Debug, Default)]
struct Expect {
    ty: Option<String>,
    format: Option<String>,
    nullable: bool,
    required: bool,
    enumeration: Option<Vec<Value>>,
    numbers: Vec<(String, u64)>,
}

fn parse_expect(text: &str) -> Expect {
    let mut words = text.split_whitespace();
    let ty = words.next().expect("empty expectation");
    let mut expect = Expect {
        ty: (ty != "any").then(|| ty.to_string()),
        ..Expect::default()
    };
    for word in words {
        match word {
            "date-time" | "email" => expect.format = Some(word.to_string()),
            "nullable" => expect.nullable = true,
            "required" => expect.required = true,
            _ => {
                let (key, value) = word
                    .split_once('=')
                    .unwrap_or_else(|| panic!("bad expectation word {word:?}"));
                if key == "enum" {
                    let values = value
                        .split('|')
                        .map(|v| match v {
                            "null" => Value::Null,
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            s => Value::String(s.to_string()),
                        })
                        .collect();
                    expect.enumeration = Some(values);
                } else {
                    let n = value
                        .parse()
                        .unwrap_or_else(|_| panic!("bad number in {word:?}"));
                    expect.numbers.push((key.to_string(), n));
                }
            }
        }
    }
    expect
}

/// Checks one schema against one expectation; returns the problems found.
fn check_schema(what: &str, schema: &Value, expect: &Expect) -> Vec<String> {
    let mut problems = Vec::new();
    let ty = schema.get("type").and_then(Value::as_str).map(String::from);
    if ty != expect.ty {
        problems.push(format!("{what}: type {ty:?}, expected {:?}", expect.ty));
    }
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(String::from);
    if format != expect.format {
        problems.push(format!(
            "{what}: format {format:?}, expected {:?}",
            expect.format
        ));
    }
    let nullable = schema
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if nullable != expect.nullable {
        problems.push(format!(
            "{what}: nullable {nullable}, expected {}",
            expect.nullable
        ));
    }
    if let Some(values) = &expect.enumeration {
        let actual = schema.get("enum").and_then(Value::as_array);
        if actual != Some(values) {
            problems.push(format!("{what}: enum {actual:?}, expected {values:?}"));
        }
    }
    for (key, n) in &expect.numbers {
        let actual = schema.get(key).and_then(Value::as_u64);
        if actual != Some(*n) {
            problems.push(format!("{what}: {key} {actual:?}, expected {n}"));
        }
    }
    problems
}

/// Checks a table of `(path, expectation)`; returns the problems found. With `exact`, every
/// parent of a listed path must have exactly the listed properties, and exactly the ones marked
/// `required` as required.
fn check_fields(spec: &Spec, table: &[(&str, &str)], exact: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut children: BTreeMap<&str, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (path, text) in table {
        let expect = parse_expect(text);
        match spec.at(path) {
            Ok(schema) => problems.extend(check_schema(path, &schema, &expect)),
            Err(problem) => problems.push(problem),
        }
        let (parent, field) = path.rsplit_once('.').expect("path has a parent");
        if field != "[]" && field != "*" {
            let entry = children.entry(parent).or_default();
            entry.0.insert(field.to_string());
            if expect.required {
                entry.1.insert(field.to_string());
            }
        }
    }
    if exact {
        for (parent, (fields, required)) in &children {
            let Ok(node) = spec.at(parent) else {
                continue; // already reported
            };
            let actual = property_names(&node);
            if &actual != fields {
                problems.push(format!(
                    "{parent}: properties {actual:?}, expected {fields:?} \
                     (missing {:?}, unexpected {:?})",
                    fields.difference(&actual).collect::<Vec<_>>(),
                    actual.difference(fields).collect::<Vec<_>>()
                ));
            }
            let actual_required = required_names(&node);
            if &actual_required != required {
                problems.push(format!(
                    "{parent}: required {actual_required:?}, expected {required:?}"
                ));
            }
        }
    }
    problems
}

fn assert_no_problems(spec: &Spec, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{}:\n  {}",
        spec.name,
        problems.join("\n  ")
    );
}

fn check_operations(name: &'static str, expected: &[Op]) {
    // The generator's view: the document must parse as `openapiv3::OpenAPI`.
    let api: openapiv3::OpenAPI = serde_yaml::from_str(&read_spec(name))
        .unwrap_or_else(|e| panic!("{name}: openapiv3 cannot parse it: {e}"));
    assert_eq!(api.openapi, "3.0.3", "{name}: OpenAPI version");
    let actual: BTreeSet<(String, String, String)> = api
        .operations()
        .map(|(path, method, op)| {
            let id = op.operation_id.clone().unwrap_or_default();
            (method.to_string(), path.to_string(), id)
        })
        .collect();
    let wanted: BTreeSet<(String, String, String)> = expected
        .iter()
        .map(|op| (op.method.into(), op.path.into(), op.operation_id.into()))
        .collect();
    assert_eq!(
        actual, wanted,
        "{name}: operations (method, path, operationId)"
    );

    let spec = Spec::load(name);
    let mut problems = Vec::new();
    for op in expected {
        let what = format!("{} {}", op.method, op.path);
        let node = spec.operation(op.method, op.path);
        let text = |key: &str| node.get(key).and_then(Value::as_str).map(String::from);
        if text("x-fern-sdk-group-name").as_deref() != Some(op.group) {
            problems.push(format!(
                "{what}: x-fern-sdk-group-name {:?}",
                text("x-fern-sdk-group-name")
            ));
        }
        if text("x-fern-sdk-method-name").as_deref() != Some(op.sdk_method) {
            problems.push(format!(
                "{what}: x-fern-sdk-method-name {:?}",
                text("x-fern-sdk-method-name")
            ));
        }
        let kind = node
            .pointer("/x-apigen-pagination/kind")
            .and_then(Value::as_str);
        if kind != op.pagination {
            problems.push(format!(
                "{what}: x-apigen-pagination kind {kind:?}, expected {:?}",
                op.pagination
            ));
        }
        if node.get("security").is_some() {
            problems.push(format!("{what}: has operation-level security"));
        }
        let (status, schema) = op.success;
        let reference = node
            .pointer(&format!("/responses/{status}"))
            .map(|r| spec.deref(r))
            .and_then(|r| r.pointer("/content/application~1json/schema/$ref"))
            .and_then(Value::as_str);
        let wanted = format!("#/components/schemas/{schema}");
        if reference != Some(wanted.as_str()) {
            problems.push(format!(
                "{what}: {status} body {reference:?}, expected {wanted}"
            ));
        }
        let responses = node["responses"].as_object().expect("responses");
        let successes: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
        if successes != [status] {
            problems.push(format!(
                "{what}: success responses {successes:?}, expected [{status}]"
            ));
        }
        // Every response has a JSON body with an example (Prism serves them).
        for (code, response) in responses {
            let response = spec.deref(response);
            if response
                .pointer("/content/application~1json/example")
                .is_none()
            {
                problems.push(format!(
                    "{what}: response {code} has no application/json example"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
}

fn check_params(spec: &Spec, table: &[(&str, &str, Params)]) {
    let mut problems = Vec::new();
    for (method, path, params) in table {
        let op = spec.operation(method, path);
        let actual: Vec<&Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().map(|p| spec.deref(p)).collect())
            .unwrap_or_default();
        let names = |ps: &[&Value]| -> Vec<(String, String)> {
            ps.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").into(),
                        p["in"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        };
        let wanted: Vec<(String, String)> = params
            .iter()
            .map(|(n, i, _)| (n.to_string(), i.to_string()))
            .collect();
        if names(&actual) != wanted {
            problems.push(format!(
                "{method} {path}: parameters {:?}, expected {wanted:?}",
                names(&actual)
            ));
            continue;
        }
        for ((name, _, text), param) in params.iter().zip(&actual) {
            let what = format!("{method} {path} {name}");
            let expect = parse_expect(text);
            let required = param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if required != expect.required {
                problems.push(format!(
                    "{what}: required {required}, expected {}",
                    expect.required
                ));
            }
            if param.get("example").is_none() {
                problems.push(format!("{what}: no example"));
            }
            problems.extend(check_schema(
                &what,
                &spec.flatten(&param["schema"]),
                &expect,
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}:\n  {}",
        spec.name,
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn cloudflare_operations() {
    check_operations(CLOUDFLARE, CLOUDFLARE_OPS);
}

#[test]
fn keycard_operations() {
    check_operations(KEYCARD, KEYCARD_OPS);
}

#[test]
fn there_are_eleven_operations() {
    assert_eq!(CLOUDFLARE_OPS.len() + KEYCARD_OPS.len(), 11);
    let total = Spec::load(CLOUDFLARE).operations().len() + Spec::load(KEYCARD).operations().len();
    assert_eq!(total, 11);
}

#[test]
fn cloudflare_models_have_every_seed_field() {
    let spec = Spec::load(CLOUDFLARE);
    assert_no_problems(&spec, check_fields(&spec, CLOUDFLARE_MODELS, true));
    assert_no_problems(&spec, check_fields(&spec, CLOUDFLARE_COMPOSED, false));
}

#[test]
fn keycard_models_have_every_seed_field() {
    let spec = Spec::load(KEYCARD);
    assert_no_problems(&spec, check_fields(&spec, KEYCARD_MODELS, true));
    assert_no_problems(&spec, check_fields(&spec, KEYCARD_COMPOSED, false));
}

#[test]
fn cloudflare_parameters() {
    check_params(&Spec::load(CLOUDFLARE), CLOUDFLARE_PARAMS);
}

#[test]
fn keycard_parameters() {
    let spec = Spec::load(KEYCARD);
    check_params(&spec, KEYCARD_PARAMS);
    // Repeatable parameters: arrays, one `name=value` pair per element.
    let list = spec.operation("get", "/zones/{zoneId}/users");
    for param in list["parameters"].as_array().expect("parameters") {
        let param = spec.deref(param);
        if param["schema"]["type"] == "array" {
            assert_eq!(param["style"], "form", "{}: style", param["name"]);
            assert_eq!(param["explode"], true, "{}: explode", param["name"]);
            let items = spec.flatten(&param["schema"]["items"]);
            assert_eq!(items["type"], "string", "{}: items", param["name"]);
            if param["name"] == "expand[]" {
                let values = [
                    "total_count",
                    "session_count",
                    "grant_count",
                    "role-assignments",
                ];
                assert_eq!(items["enum"], serde_json::json!(values), "expand[] values");
            }
        }
    }
}

#[test]
fn cloudflare_shared_parameters_and_failure_response_are_components() {
    let spec = Spec::load(CLOUDFLARE);
    for (method, path, _) in CLOUDFLARE_PARAMS {
        let op = spec.operation(method, path);
        for param in op["parameters"].as_array().expect("parameters") {
            if param["in"] == "path" {
                panic!("{method} {path}: inline path parameter {}", param["name"]);
            }
        }
        assert_eq!(
            op.pointer("/responses/4XX/$ref").and_then(Value::as_str),
            Some("#/components/responses/Failure"),
            "{method} {path}: 4XX response"
        );
    }
    let failure = spec
        .doc
        .pointer("/components/responses/Failure/content/application~1json/schema/$ref");
    assert_eq!(
        failure.and_then(Value::as_str),
        Some("#/components/schemas/ApiResponseCommonFailure")
    );
}

#[test]
fn cloudflare_envelope_is_composed_with_all_of() {
    let spec = Spec::load(CLOUDFLARE);
    let first_member = |name: &str| {
        spec.component(name)
            .pointer("/allOf/0/$ref")
            .and_then(Value::as_str)
            .map(String::from)
    };
    let envelope = |generic: &str| Some(format!("#/components/schemas/{generic}"));
    for (name, generic) in [
        ("ApiResponseCollection", "ApiResponseCommon"),
        ("ApiResponseSingle", "ApiResponseCommon"),
        ("UserListResponse", "ApiResponseCollection"),
        ("ActiveSessionListResponse", "ApiResponseCollection"),
        ("FailedLoginListResponse", "ApiResponseCollection"),
        ("UserResponse", "ApiResponseSingle"),
        ("DeleteUserResponse", "ApiResponseSingle"),
        ("ActiveSessionResponse", "ApiResponseSingle"),
        ("LastSeenIdentityResponse", "ApiResponseSingle"),
    ] {
        assert_eq!(
            first_member(name),
            envelope(generic),
            "{name}: first allOf member"
        );
    }
    for (name, result) in [
        ("UserListResponse", "/items/$ref"),
        ("ActiveSessionListResponse", "/items/$ref"),
        ("FailedLoginListResponse", "/items/$ref"),
        ("UserResponse", "/$ref"),
        ("ActiveSessionResponse", "/$ref"),
        ("LastSeenIdentityResponse", "/$ref"),
    ] {
        let target = spec
            .component(name)
            .pointer(&format!("/allOf/1/properties/result{result}"))
            .and_then(Value::as_str);
        let model = match name {
            "UserListResponse" | "UserResponse" => "User",
            "ActiveSessionListResponse" => "ActiveSession",
            "FailedLoginListResponse" => "FailedLogin",
            "ActiveSessionResponse" => "ActiveSessionDetail",
            _ => "Identity",
        };
        assert_eq!(
            target,
            Some(format!("#/components/schemas/{model}").as_str()),
            "{name}: result"
        );
    }
}

#[test]
fn security_and_generator_settings() {
    let cf = Spec::load(CLOUDFLARE);
    assert_eq!(
        cf.doc["security"],
        serde_json::json!([{"api_token": []}, {"api_email": [], "api_key": []}])
    );
    let schemes = &cf.doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_token"]["type"], "http");
    assert_eq!(schemes["api_token"]["scheme"], "bearer");
    assert_eq!(schemes["api_token"]["x-apigen-env"], "CLOUDFLARE_API_TOKEN");
    for (scheme, header, env) in [
        ("api_email", "X-Auth-Email", "CLOUDFLARE_EMAIL"),
        ("api_key", "X-Auth-Key", "CLOUDFLARE_API_KEY"),
    ] {
        assert_eq!(schemes[scheme]["type"], "apiKey", "{scheme}");
        assert_eq!(schemes[scheme]["in"], "header", "{scheme}");
        assert_eq!(schemes[scheme]["name"], header, "{scheme}");
        assert_eq!(schemes[scheme]["x-apigen-env"], env, "{scheme}");
    }
    assert_eq!(
        cf.doc["servers"][0]["url"],
        "https://api.cloudflare.com/client/v4"
    );
    assert_eq!(
        cf.doc["x-apigen"],
        serde_json::json!({
            "crate": "cloudflare-access-users",
            "env": {"base-url": "CLOUDFLARE_BASE_URL"},
            "envelope": {"result": "result", "meta": "result_info", "success": "success", "errors": "errors"},
        })
    );
    let list = cf.operation("get", CF_USERS);
    assert_eq!(
        list["x-apigen-pagination"],
        serde_json::json!({"kind": "page-number", "page-param": "page", "total-pages": "total_pages"})
    );

    let kc = Spec::load(KEYCARD);
    assert_eq!(
        kc.doc["security"],
        serde_json::json!([{"oAuth2": []}, {"bearerAuth": []}])
    );
    let schemes = &kc.doc["components"]["securitySchemes"];
    assert_eq!(schemes["oAuth2"]["type"], "oauth2");
    assert_eq!(
        schemes["oAuth2"]["flows"],
        serde_json::json!({"clientCredentials": {
            "tokenUrl": "https://api.keycard.ai/service-account-token", "scopes": {}}})
    );
    assert_eq!(
        schemes["oAuth2"]["x-apigen-env"],
        serde_json::json!({"client-id": "KEYCARD_API_CLIENT_ID", "client-secret": "KEYCARD_API_CLIENT_SECRET"})
    );
    assert_eq!(
        schemes["bearerAuth"],
        serde_json::json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "JWT Bearer Token Authentication", "x-apigen-env": "KEYCARD_API_TOKEN"})
    );
    assert_eq!(kc.doc["servers"][0]["url"], "https://api.keycard.ai");
    assert_eq!(
        kc.doc["x-apigen"],
        serde_json::json!({"crate": "keycard-zone-users", "env": {"base-url": "KEYCARD_API_BASE_URL"},
            "unknown-fields": "keep"})
    );
    let list = kc.operation("get", "/zones/{zoneId}/users");
    assert_eq!(
        list["x-apigen-pagination"],
        serde_json::json!({"kind": "cursor", "cursor-param": "after",
            "next-cursor": "pagination.after_cursor", "items": "items"})
    );
    // The get-user body is the bare `User`, and errors are the `Error` model.
    for (_, path, op) in kc.operations() {
        let default = kc.deref(&op["responses"]["default"]);
        assert_eq!(
            default
                .pointer("/content/application~1json/schema/$ref")
                .and_then(Value::as_str),
            Some("#/components/schemas/Error"),
            "{path}: default response"
        );
    }
}

#[test]
fn field_checks_can_fail() {
    // A spec with a field removed, a format changed, a required list emptied and a property
    // added is caught by the same checks the tests above run.
    let mut spec = Spec::load(KEYCARD);
    let user = spec
        .doc
        .pointer_mut("/components/schemas/User")
        .expect("User");
    let properties = user["properties"].as_object_mut().expect("properties");
    properties.remove("subject");
    properties.insert("nickname".into(), serde_json::json!({"type": "string"}));
    user["properties"]["created_at"]["format"] = Value::from("date");
    user["required"] = serde_json::json!([]);
    let problems = check_fields(&spec, KEYCARD_MODELS, true).join("\n");
    for needle in [
        "User.subject: no `subject`",
        "User.created_at: format Some(\"date\")",
        "missing [\"subject\"], unexpected [\"nickname\"]",
        "User: required {}",
    ] {
        assert!(
            problems.contains(needle),
            "{needle:?} not reported in:\n{problems}"
        );
    }
}
