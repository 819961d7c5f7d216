//! `cargo xtask diff`: a table of change cases (small edits of
//! `tests/diff/base.yaml`) with their expected wire and Rust classes,
//! Markdown snapshots of several, and the real Cloudflare update.

use std::path::Path;

use xtask::diff::classify::Level::{self, Additive, Breaking, DocsOnly, None};
use xtask::diff::{self, ApiDiff, report, source};

const BASE: &str = include_str!("diff/base.yaml");

struct Case {
    name: &'static str,
    /// (old, new) substring replacements, each matching exactly once.
    edits: &'static [(&'static str, &'static str)],
    /// Swap the sides: the edited spec is the old one.
    reverse: bool,
    /// Every change expected: (kind, wire, Rust).
    expect: &'static [(&'static str, Level, Level)],
}

const fn case(
    name: &'static str,
    edits: &'static [(&'static str, &'static str)],
    expect: &'static [(&'static str, Level, Level)],
) -> Case {
    Case {
        name,
        edits,
        reverse: false,
        expect,
    }
}

const fn reverse(
    name: &'static str,
    edits: &'static [(&'static str, &'static str)],
    expect: &'static [(&'static str, Level, Level)],
) -> Case {
    Case {
        name,
        edits,
        reverse: true,
        expect,
    }
}

const GROUPS_OP: &str = "  /principals/{principal_id}:
    get:
      operationId: getPrincipal";
const GROUPS_OP_ADDED: &str = "  /groups:
    get:
      operationId: listGroups
      x-fern-sdk-group-name: groups
      x-fern-sdk-method-name: list
      responses:
        \"200\":
          description: Groups.
          content:
            application/json:
              schema: {type: array, items: {type: string}}
  /principals/{principal_id}:
    get:
      operationId: getPrincipal";
const LIMIT: &str = "        - name: limit
          in: query
          description: Page size.
          schema: {type: integer, format: int32}
";
const GET_USER_PARAM: &str = "      x-fern-sdk-method-name: get
      parameters:
        - name: user_id";
const CREATE_BODY: &str = "      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: \"#/components/schemas/CreateUserRequest\"}
";
const CREATE_REQUEST_PROPS: &str = "      required: [email]
      properties:
        email: {type: string}
        name: {type: string}";
const USER_REQUIRED: &str = "      required: [id, email]
      properties:
        id: {type: string}";
const PRINCIPAL_MAPPING: &str = "          group: \"#/components/schemas/PrincipalGroup\"
";
const PRINCIPAL_BOT: &str = "    PrincipalBot:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
    PrincipalGroup:
      type: object";

const CASES: &[Case] = &[
    case("no_change", &[], &[]),
    // Operations.
    case(
        "operation_added",
        &[(GROUPS_OP, GROUPS_OP_ADDED)],
        &[("operation-added", Additive, Additive)],
    ),
    reverse(
        "operation_removed",
        &[(GROUPS_OP, GROUPS_OP_ADDED)],
        &[("operation-removed", Breaking, Breaking)],
    ),
    case(
        "path_changed",
        &[(
            "  /principals/{principal_id}:",
            "  /identities/{principal_id}:",
        )],
        &[("path", Breaking, DocsOnly)],
    ),
    case(
        "method_changed",
        &[(
            "    delete:\n      operationId: deleteUser",
            "    post:\n      operationId: deleteUser",
        )],
        &[("method", Breaking, DocsOnly)],
    ),
    case(
        "operation_renamed",
        &[
            ("operationId: getPrincipal", "operationId: fetchPrincipal"),
            (
                "x-fern-sdk-group-name: principals\n      x-fern-sdk-method-name: get",
                "x-fern-sdk-group-name: principals\n      x-fern-sdk-method-name: fetch",
            ),
        ],
        &[("operation-renamed", None, Breaking)],
    ),
    case(
        "operation_deprecated",
        &[(
            "operationId: getUser\n",
            "operationId: getUser\n      deprecated: true\n",
        )],
        &[("deprecated", DocsOnly, Additive)],
    ),
    case(
        "operation_docs",
        &[(
            "description: Lists users.",
            "description: Lists every user.",
        )],
        &[("operation-docs", DocsOnly, DocsOnly)],
    ),
    // Parameters.
    case(
        "optional_param_added",
        &[(
            LIMIT,
            "        - name: limit
          in: query
          description: Page size.
          schema: {type: integer, format: int32}
        - name: role
          in: query
          schema: {type: string}
",
        )],
        &[("param-added", Additive, Breaking)],
    ),
    case(
        "first_optional_param_added",
        &[(
            GET_USER_PARAM,
            "      x-fern-sdk-method-name: get
      parameters:
        - name: expand
          in: query
          schema: {type: boolean}
        - name: user_id",
        )],
        &[("param-added", Additive, Breaking)],
    ),
    case(
        "required_param_added",
        &[(
            GET_USER_PARAM,
            "      x-fern-sdk-method-name: get
      parameters:
        - name: tenant
          in: query
          required: true
          schema: {type: string}
        - name: user_id",
        )],
        &[("param-added", Breaking, Breaking)],
    ),
    case(
        "param_of_same_name_in_another_location_added",
        &[(
            GET_USER_PARAM,
            "      x-fern-sdk-method-name: get
      parameters:
        - name: user_id
          in: header
          schema: {type: string}
        - name: user_id",
        )],
        // The path parameter's Rust name becomes `user_id_2`: a field of
        // the `UsersGet` operation struct.
        &[
            ("param-added", Additive, Breaking),
            ("param-renamed", None, Breaking),
        ],
    ),
    case(
        "optional_param_removed",
        &[(LIMIT, "")],
        &[("param-removed", Breaking, Breaking)],
    ),
    case(
        "param_becomes_required",
        &[(
            "          in: query\n          description: Page size.",
            "          in: query\n          required: true\n          description: Page size.",
        )],
        &[("param-required", Breaking, Breaking)],
    ),
    reverse(
        "param_becomes_optional",
        &[(
            "          in: query\n          description: Page size.",
            "          in: query\n          required: true\n          description: Page size.",
        )],
        &[("param-required", Additive, Breaking)],
    ),
    case(
        "param_type_widened",
        &[(
            "description: Page size.\n          schema: {type: integer, format: int32}",
            "description: Page size.\n          schema: {type: integer, format: int64}",
        )],
        &[("param-type", Additive, Breaking)],
    ),
    case(
        "param_type_changed",
        &[(
            "description: Page size.\n          schema: {type: integer, format: int32}",
            "description: Page size.\n          schema: {type: string}",
        )],
        &[("param-type", Breaking, Breaking)],
    ),
    case(
        "param_docs",
        &[("description: Page size.", "description: Users per page.")],
        &[("param-docs", DocsOnly, DocsOnly)],
    ),
    case(
        "param_location",
        &[(
            "          in: query\n          description: Page size.",
            "          in: header\n          description: Page size.",
        )],
        &[("param-location", Breaking, DocsOnly)],
    ),
    // Request bodies.
    case(
        "body_becomes_optional",
        &[(
            "      requestBody:\n        required: true",
            "      requestBody:\n        required: false",
        )],
        &[("body-required", Additive, Breaking)],
    ),
    case(
        "body_removed",
        &[(CREATE_BODY, "")],
        &[("body-removed", Breaking, Breaking)],
    ),
    case(
        "body_type_changed",
        &[(
            "schema: {$ref: \"#/components/schemas/CreateUserRequest\"}",
            "schema: {$ref: \"#/components/schemas/Phone\"}",
        )],
        // CreateUserRequest is no longer used anywhere, but still generated.
        &[("body-type", Breaking, Breaking)],
    ),
    case(
        "body_type_renamed_same_json",
        &[
            (
                "schema: {$ref: \"#/components/schemas/CreateUserRequest\"}",
                "schema: {$ref: \"#/components/schemas/NewUser\"}",
            ),
            ("    CreateUserRequest:\n", "    NewUser:\n"),
        ],
        &[
            ("body-type", None, Breaking),
            ("type-removed", None, Breaking),
            ("type-added", None, Additive),
        ],
    ),
    // Responses.
    case(
        "response_type_changed",
        &[(
            "          description: A user or a group.
          content:
            application/json:
              schema: {$ref: \"#/components/schemas/Principal\"}",
            "          description: A user or a group.
          content:
            application/json:
              schema: {$ref: \"#/components/schemas/PrincipalUser\"}",
        )],
        &[("output-type", Breaking, Breaking)],
    ),
    case(
        "response_type_renamed_with_new_field",
        &[
            (
                "              schema: {$ref: \"#/components/schemas/User\"}\n    delete:",
                "              schema: {$ref: \"#/components/schemas/UserView\"}\n    delete:",
            ),
            (
                "    CreateUserRequest:\n",
                "    UserView:
      type: object
      required: [id, email]
      properties:
        id: {type: string}
        email: {type: string}
        seat_uid: {type: string}
        role: {$ref: \"#/components/schemas/Role\"}
        contact: {$ref: \"#/components/schemas/Contact\"}
        logins: {type: integer, format: int32}
        since: {type: string}
    CreateUserRequest:\n",
            ),
        ],
        // Compared field by field: one new optional field, compatible on the
        // wire.
        &[
            ("output-type", Additive, Breaking),
            ("type-added", None, Additive),
        ],
    ),
    // Pagination.
    case(
        "pagination_removed",
        &[(
            "      x-apigen-pagination: {kind: page-number, page-param: page}\n",
            "",
        )],
        &[("pagination-removed", None, Breaking)],
    ),
    reverse(
        "pagination_added",
        &[(
            "      x-apigen-pagination: {kind: page-number, page-param: page}\n",
            "",
        )],
        &[("pagination-added", Additive, Additive)],
    ),
    case(
        "pagination_changed",
        &[(
            "{kind: page-number, page-param: page}",
            "{kind: single-page}",
        )],
        &[("pagination-changed", Breaking, None)],
    ),
    // Fields.
    case(
        "required_request_field_added",
        &[(
            CREATE_REQUEST_PROPS,
            "      required: [email, team]
      properties:
        email: {type: string}
        team: {type: string}
        name: {type: string}",
        )],
        &[("field-added", Breaking, Breaking)],
    ),
    case(
        "optional_request_field_added",
        &[(
            CREATE_REQUEST_PROPS,
            "      required: [email]
      properties:
        email: {type: string}
        nickname: {type: string}
        name: {type: string}",
        )],
        &[("field-added", Additive, Breaking)],
    ),
    case(
        "optional_response_field_added",
        &[(
            USER_REQUIRED,
            "      required: [id, email]
      properties:
        nickname: {type: string}
        id: {type: string}",
        )],
        &[("field-added", Additive, Breaking)],
    ),
    case(
        "required_response_field_added",
        &[(
            USER_REQUIRED,
            "      required: [id, email, nickname]
      properties:
        nickname: {type: string}
        id: {type: string}",
        )],
        &[("field-added", Additive, Breaking)],
    ),
    case(
        "response_field_removed",
        &[("        logins: {type: integer, format: int32}\n", "")],
        &[("field-removed", Breaking, Breaking)],
    ),
    case(
        "response_field_becomes_optional",
        &[("      required: [id, email]", "      required: [id]")],
        &[("field-presence", Breaking, Breaking)],
    ),
    case(
        "request_field_becomes_required",
        &[("      required: [email]", "      required: [email, name]")],
        &[("field-presence", Breaking, Breaking)],
    ),
    case(
        "response_field_becomes_required",
        &[(
            "      required: [id, email]",
            "      required: [id, email, seat_uid]",
        )],
        &[("field-presence", Additive, Breaking)],
    ),
    case(
        "optional_response_field_becomes_nullable",
        &[(
            "seat_uid: {type: string}",
            "seat_uid: {type: string, nullable: true}",
        )],
        &[("field-presence", Breaking, Breaking)],
    ),
    case(
        "required_response_field_becomes_nullable",
        &[(
            "email: {type: string, description: The email address.}",
            "email: {type: string, nullable: true, description: The email address.}",
        )],
        &[("field-presence", Breaking, Breaking)],
    ),
    case(
        "field_type_changed",
        &[(
            "logins: {type: integer, format: int32}",
            "logins: {type: string}",
        )],
        &[("field-type", Breaking, Breaking)],
    ),
    case(
        "response_field_widened",
        &[(
            "logins: {type: integer, format: int32}",
            "logins: {type: integer, format: int64}",
        )],
        &[("field-type", Breaking, Breaking)],
    ),
    case(
        "request_only_field_widened",
        &[
            (
                "    Phone:\n      type: object\n      required: [number]\n      properties:\n        number: {type: string}",
                "    Phone:\n      type: object\n      required: [number]\n      properties:\n        number: {type: string}\n        ext: {type: integer, format: int32}",
            ),
            (
                "schema: {$ref: \"#/components/schemas/CreateUserRequest\"}",
                "schema: {$ref: \"#/components/schemas/CreateUserRequest\"}\n",
            ),
        ],
        // Phone is in responses (User.contact): the new field is additive there.
        &[("field-added", Additive, Breaking)],
    ),
    case(
        "field_docs",
        &[(
            "description: The email address.",
            "description: Where we write.",
        )],
        &[("field-docs", DocsOnly, DocsOnly)],
    ),
    case(
        "type_docs",
        &[(
            "      description: A user.",
            "      description: A person with an account.",
        )],
        &[("type-docs", DocsOnly, DocsOnly)],
    ),
    case(
        "additional_properties_added",
        &[(
            "      description: A user.\n      required: [id, email]",
            "      description: A user.\n      additionalProperties: {type: string}\n      required: [id, email]",
        )],
        &[("additional-added", Additive, Breaking)],
    ),
    // Enums (open: `Unknown(String)`, `#[non_exhaustive]`).
    case(
        "enum_value_added",
        &[("enum: [admin, member]", "enum: [admin, member, guest]")],
        &[("enum-added", Additive, Additive)],
    ),
    case(
        "enum_value_removed",
        &[("enum: [admin, member]", "enum: [admin]")],
        // Role is sent in CreateUserRequest: old clients may send `member`.
        &[("enum-removed", Breaking, Breaking)],
    ),
    // Unions.
    case(
        "untagged_variant_added",
        &[(
            "        - {type: string}\n        - {$ref: \"#/components/schemas/Phone\"}",
            "        - {type: string}\n        - {$ref: \"#/components/schemas/Phone\"}\n        - {type: boolean}",
        )],
        &[("variant-added", Breaking, Breaking)],
    ),
    case(
        "tagged_variant_added",
        &[
            (
                "        - {$ref: \"#/components/schemas/PrincipalGroup\"}\n      discriminator:",
                "        - {$ref: \"#/components/schemas/PrincipalGroup\"}\n        - {$ref: \"#/components/schemas/PrincipalBot\"}\n      discriminator:",
            ),
            (
                PRINCIPAL_MAPPING,
                "          group: \"#/components/schemas/PrincipalGroup\"\n          bot: \"#/components/schemas/PrincipalBot\"\n",
            ),
            ("    PrincipalGroup:\n      type: object", PRINCIPAL_BOT),
        ],
        &[
            ("variant-added", Additive, Additive),
            ("type-added", None, Additive),
        ],
    ),
    reverse(
        "tagged_variant_removed",
        &[
            (
                "        - {$ref: \"#/components/schemas/PrincipalGroup\"}\n      discriminator:",
                "        - {$ref: \"#/components/schemas/PrincipalGroup\"}\n        - {$ref: \"#/components/schemas/PrincipalBot\"}\n      discriminator:",
            ),
            (
                PRINCIPAL_MAPPING,
                "          group: \"#/components/schemas/PrincipalGroup\"\n          bot: \"#/components/schemas/PrincipalBot\"\n",
            ),
            ("    PrincipalGroup:\n      type: object", PRINCIPAL_BOT),
        ],
        &[
            ("variant-removed", Additive, Breaking),
            ("type-removed", None, Breaking),
        ],
    ),
    case(
        "discriminator_values_changed",
        &[(
            "          user: \"#/components/schemas/PrincipalUser\"",
            "          person: \"#/components/schemas/PrincipalUser\"",
        )],
        &[("variant-tags", Breaking, None)],
    ),
    // Types.
    case(
        "unused_type_added",
        &[(
            "    Role:\n      type: string",
            "    Team:\n      type: object\n      properties:\n        name: {type: string}\n    Role:\n      type: string",
        )],
        &[("type-added", None, Additive)],
    ),
    // API level.
    case(
        "base_url_changed",
        &[("https://api.example.com", "https://api.example.org/v2")],
        &[("base-url", Breaking, None)],
    ),
    case(
        "base_url_variable_changed",
        &[("base-url: DEMO_BASE_URL", "base-url: DEMO_URL")],
        &[("base-url-env", None, Breaking)],
    ),
    case(
        "auth_alternative_added",
        &[
            (
                "  - bearerAuth: []\n",
                "  - bearerAuth: []\n  - apiKey: []\n",
            ),
            (
                "    bearerAuth: {type: http, scheme: bearer}\n",
                "    bearerAuth: {type: http, scheme: bearer}\n    apiKey: {type: apiKey, in: header, name: X-Api-Key}\n",
            ),
        ],
        &[("auth-added", Additive, None)],
    ),
    case(
        "auth_replaced",
        &[
            ("  - bearerAuth: []\n", "  - apiKey: []\n"),
            (
                "    bearerAuth: {type: http, scheme: bearer}\n",
                "    apiKey: {type: apiKey, in: header, name: X-Api-Key}\n",
            ),
        ],
        &[
            ("auth-removed", Breaking, None),
            ("auth-added", Additive, None),
        ],
    ),
    case(
        "operation_needs_no_auth",
        &[(
            "      operationId: getPrincipal\n",
            "      operationId: getPrincipal\n      security: []\n",
        )],
        &[("operation-security", Additive, DocsOnly)],
    ),
    reverse(
        "operation_needs_auth_again",
        &[(
            "      operationId: getPrincipal\n",
            "      operationId: getPrincipal\n      security: []\n",
        )],
        &[("operation-security", Breaking, DocsOnly)],
    ),
    case(
        "api_version_changed",
        &[("  version: \"1.0\"", "  version: \"1.1\"")],
        &[("api-docs", DocsOnly, DocsOnly)],
    ),
];

fn apply(edits: &[(&str, &str)], name: &str) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in edits {
        let n = text.matches(from).count();
        assert_eq!(n, 1, "case {name}: `{from}` matches {n} times");
        text = text.replacen(from, to, 1);
    }
    text
}

fn lower(text: &str, case: &str) -> xtask::codegen::ir::Api {
    source::lower_text(Path::new("demo.yaml"), text, "demo.yaml")
        .unwrap_or_else(|e| panic!("case {case}: {e}"))
}

fn run(case: &Case) -> ApiDiff {
    let edited = apply(case.edits, case.name);
    let (old, new) = if case.reverse {
        (edited.as_str(), BASE)
    } else {
        (BASE, edited.as_str())
    };
    let (old, new) = (lower(old, case.name), lower(new, case.name));
    diff::api_diff(Some(&old), Some(&new), "before", "after", &|_| {
        "0.1.0".to_owned()
    })
}

#[test]
fn change_table() {
    assert!(CASES.len() > 40, "the table has {} cases", CASES.len());
    let mut failures = Vec::new();
    for case in CASES {
        let diff = run(case);
        let mut got: Vec<(String, Level, Level)> = diff
            .changes
            .iter()
            .map(|c| (c.kind.clone(), c.wire, c.rust))
            .collect();
        let mut want: Vec<(String, Level, Level)> = case
            .expect
            .iter()
            .map(|(k, w, r)| ((*k).to_owned(), *w, *r))
            .collect();
        got.sort();
        want.sort();
        if got != want {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {got:?}\n{}",
                case.name,
                report::text(&[diff])
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Snapshots live in `tests/diff/snapshots/`, apart from the generator's.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "diff/snapshots", prepend_module_to_snapshot => true}, {
        insta::assert_snapshot!(name.to_owned(), text);
    });
}

#[test]
fn markdown_reports() {
    for name in [
        "optional_param_added",
        "required_request_field_added",
        "response_field_becomes_optional",
        "enum_value_added",
        "tagged_variant_added",
        "body_type_renamed_same_json",
        "auth_replaced",
        "path_changed",
    ] {
        let case = CASES.iter().find(|c| c.name == name).unwrap();
        snapshot(&format!("report_{name}"), &report::markdown(&[run(case)]));
    }
}

#[test]
fn version_verdicts() {
    let by_name = |name: &str| run(CASES.iter().find(|c| c.name == name).unwrap());
    // 0.x: breaking → minor.
    let d = by_name("required_request_field_added");
    assert!(d.crates.iter().all(|c| c.next == "0.2.0"), "{:?}", d.crates);
    // Additive → patch; docs → patch.
    let d = by_name("enum_value_added");
    assert!(d.crates.iter().all(|c| c.next == "0.1.1"), "{:?}", d.crates);
    // A change in the clients' profile only: the models crate is unchanged.
    let d = by_name("base_url_variable_changed");
    assert_eq!(d.crates[0].next, "0.1.0");
    assert_eq!(d.crates[1].next, "0.2.0");
    // ≥ 1.0: major / minor / patch.
    use xtask::diff::semver::{Bump, Version};
    let v = Version(1, 4, 2);
    assert_eq!(v.bump_for(Some(Breaking)), Bump::Major);
    assert_eq!(v.bump_for(Some(Additive)), Bump::Minor);
    assert_eq!(v.bump_for(Some(DocsOnly)), Bump::Patch);
    assert_eq!(v.bump_for(Some(None)), Bump::Patch);
    assert_eq!(v.bump_for(Option::None), Bump::None);
    assert_eq!(v.bumped(Bump::Major).to_string(), "2.0.0");
}

#[test]
fn manifest_versions() {
    use xtask::diff::semver::{ManifestVersion, manifest_version, versioned_manifest};
    let generated = "# header\n[package]\nname = \"demo-models\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\nversion = \"x\"\n";
    assert_eq!(
        manifest_version(generated),
        Some(ManifestVersion::Inherited)
    );
    // Nothing recorded: the generated manifest as it is.
    assert_eq!(
        versioned_manifest(generated, Option::None, Option::None, Some("0.1.0")),
        generated
    );
    // A bump to the workspace version stays inherited.
    assert_eq!(
        versioned_manifest(generated, Option::None, Some("0.1.0"), Some("0.1.0")),
        generated
    );
    // A bump writes an explicit version (only in [package]).
    let bumped = versioned_manifest(generated, Option::None, Some("0.2.0"), Some("0.1.0"));
    assert!(bumped.contains("[package]\nname = \"demo-models\"\nversion = \"0.2.0\"\nedition"));
    assert!(bumped.contains("[dependencies]\nversion = \"x\""));
    // Regenerating keeps the version on disk.
    assert_eq!(
        versioned_manifest(generated, Some(&bumped), Option::None, Some("0.1.0")),
        bumped
    );
}

#[test]
fn json_report_is_valid() {
    let case = CASES
        .iter()
        .find(|c| c.name == "optional_param_added")
        .unwrap();
    let json = report::json(&[run(case)]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value[0]["changes"][0]["wire"], "additive");
    assert_eq!(value[0]["changes"][0]["rust"], "breaking");
    assert_eq!(value[0]["crates"][0]["next"], "0.2.0");
}

#[test]
fn bad_spec_is_a_located_error() {
    let error = source::lower_text(
        Path::new("bad.yaml"),
        "openapi: 3.0.3\ninfo: [1]\n",
        "bad.yaml",
    )
    .unwrap_err();
    assert!(error.contains("bad.yaml"), "{error}");
    assert!(error.contains("/info"), "{error}");
}

/// The upstream 2024 slice of Cloudflare's Access users API against the
/// spec in this repository. The old file is copied under the new one's
/// name, as replacing the spec in place would be.
#[test]
fn real_update_cloudflare_access_users() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let old_text =
        std::fs::read_to_string(dir.join("tests/data/cloudflare-access-users-2024.json")).unwrap();
    let new_path = dir.join("../spec/cloudflare-access-users.yaml");
    let new_text = std::fs::read_to_string(&new_path).unwrap();
    let old =
        source::lower_text(Path::new("cloudflare-access-users.json"), &old_text, "old").unwrap();
    let new =
        source::lower_text(Path::new("cloudflare-access-users.yaml"), &new_text, "new").unwrap();
    let diff = diff::api_diff(
        Some(&old),
        Some(&new),
        "xtask/tests/data/cloudflare-access-users-2024.json",
        "spec/cloudflare-access-users.yaml",
        &|_| "0.1.0".to_owned(),
    );
    snapshot(
        "real_update_cloudflare_access_users",
        &report::markdown(&[diff]),
    );
}

/// For `scripts/semver-oracle.sh`: with `APIGEN_DIFF_CASES_DIR` set, writes
/// each case's old and new spec and our verdict (`wire rust`) there.
#[test]
fn write_cases_for_the_oracle() {
    let Some(dir) = std::env::var_os("APIGEN_DIFF_CASES_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    for case in CASES {
        let edited = apply(case.edits, case.name);
        let (old, new) = if case.reverse {
            (edited.as_str(), BASE)
        } else {
            (BASE, edited.as_str())
        };
        let d = run(case);
        let case_dir = dir.join(case.name);
        std::fs::create_dir_all(&case_dir).unwrap();
        std::fs::write(case_dir.join("old.yaml"), old).unwrap();
        std::fs::write(case_dir.join("new.yaml"), new).unwrap();
        let models = d.crates[0].level.map_or("no-change", Level::label);
        let clients = d.crates[1].level.map_or("no-change", Level::label);
        std::fs::write(
            case_dir.join("verdict"),
            format!("{} {models} {clients}\n", d.max_wire().label()),
        )
        .unwrap();
    }
}

/// The Rust rules read how the emitters render (`Rendering`): with
/// builders and `#[non_exhaustive]` structs (issue 14's "additive stays
/// additive"), wire-additive changes become Rust-additive, and only
/// `Rendering::TODAY` has to change.
#[test]
fn rust_rules_follow_the_rendering() {
    use xtask::diff::classify::Rendering;
    let future = Rendering {
        exhaustive_structs: false,
        exhaustive_params: false,
        non_exhaustive_untagged_unions: true,
        ..Rendering::TODAY
    };
    for (name, today, then) in [
        ("optional_request_field_added", Breaking, Additive),
        ("optional_response_field_added", Breaking, Additive),
        ("optional_param_added", Breaking, Additive),
        ("untagged_variant_added", Breaking, Additive),
        // A new required field stays a break: the constructor takes it.
        ("required_request_field_added", Breaking, Breaking),
    ] {
        let case = CASES.iter().find(|c| c.name == name).unwrap();
        let edited = apply(case.edits, case.name);
        let (old, new) = (lower(BASE, name), lower(&edited, name));
        let rust = |r: &Rendering| {
            diff::diff_with(Some(&old), Some(&new), r)
                .iter()
                .map(|c| c.rust)
                .max()
                .unwrap()
        };
        assert_eq!(rust(&Rendering::TODAY), today, "{name} today");
        assert_eq!(rust(&future), then, "{name} with builders");
    }
}
