//! `cargo xtask diff`: a table of change cases (`tests/diff/cases.yaml`:
//! small edits of `tests/diff/base.yaml`) with their expected wire and Rust
//! classes, Markdown snapshots of several, and the real Cloudflare update.

use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use xtask::diff::classify::Level::{self, Additive, Breaking, DocsOnly, None};
use xtask::diff::{self, ApiDiff, report, source};

const BASE: &str = include_str!("diff/base.yaml");

/// One change case of `diff/cases.yaml` (described there).
#[derive(Deserialize)]
struct Case {
    name: String,
    /// (old, new) substring replacements, each matching exactly once.
    edits: Vec<(String, String)>,
    /// Swap the sides: the edited spec is the old one.
    #[serde(default)]
    reverse: bool,
    /// Every change expected: (kind, wire, Rust).
    expect: Vec<(String, String, String)>,
}

/// The cases of `diff/cases.yaml`.
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        serde_yaml::from_str(include_str!("diff/cases.yaml")).expect("diff/cases.yaml")
    })
}

/// A level by its label (`docs-only`).
fn level(label: &str) -> Level {
    [None, DocsOnly, Additive, Breaking]
        .into_iter()
        .find(|l| l.label() == label)
        .unwrap_or_else(|| panic!("no level `{label}`"))
}

fn apply(edits: &[(String, String)], name: &str) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in edits {
        let n = text.matches(from).count();
        assert_eq!(n, 1, "case {name}: `{from}` matches {n} times");
        text = text.replacen(from.as_str(), to, 1);
    }
    text
}

fn lower(text: &str, case: &str) -> xtask::codegen::ir::Api {
    source::lower_text(Path::new("demo.yaml"), text, "demo.yaml")
        .unwrap_or_else(|e| panic!("case {case}: {e}"))
}

/// The case's old and new spec text.
fn sides(case: &Case) -> (String, String) {
    let edited = apply(&case.edits, &case.name);
    if case.reverse {
        (edited, BASE.to_owned())
    } else {
        (BASE.to_owned(), edited)
    }
}

fn by_name(name: &str) -> &'static Case {
    cases()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn run(case: &Case) -> ApiDiff {
    let (old, new) = sides(case);
    let (old, new) = (lower(&old, &case.name), lower(&new, &case.name));
    diff::api_diff(Some(&old), Some(&new), "before", "after", &|_| {
        "0.1.0".to_owned()
    })
}

#[test]
fn change_table() {
    assert!(cases().len() > 40, "the table has {} cases", cases().len());
    let mut failures = Vec::new();
    for case in cases() {
        let diff = run(case);
        let mut got: Vec<(String, Level, Level)> = diff
            .changes
            .iter()
            .map(|c| (c.kind.clone(), c.wire, c.rust))
            .collect();
        let mut want: Vec<(String, Level, Level)> = case
            .expect
            .iter()
            .map(|(k, w, r)| (k.clone(), level(w), level(r)))
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
        "optional_request_field_added",
        "required_response_field_added",
        "response_field_becomes_optional",
        "enum_value_added",
        "tagged_variant_added",
        "body_type_renamed_same_json",
        "auth_replaced",
        "path_changed",
    ] {
        snapshot(
            &format!("report_{name}"),
            &report::markdown(&[run(by_name(name))]),
        );
    }
}

#[test]
fn version_verdicts() {
    // 0.x: breaking → minor.
    let d = run(by_name("required_request_field_added"));
    assert!(d.crates.iter().all(|c| c.next == "0.2.0"), "{:?}", d.crates);
    // Additive → patch; docs → patch.
    let d = run(by_name("enum_value_added"));
    assert!(d.crates.iter().all(|c| c.next == "0.1.1"), "{:?}", d.crates);
    // A change in the clients' profile only: the models crate is unchanged.
    let d = run(by_name("base_url_variable_changed"));
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
    let json = report::json(&[run(by_name("optional_param_added"))]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value[0]["changes"][0]["wire"], "additive");
    assert_eq!(value[0]["changes"][0]["rust"], "additive");
    assert_eq!(value[0]["crates"][0]["next"], "0.1.1");
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
    for case in cases() {
        let (old, new) = sides(case);
        let d = run(case);
        let case_dir = dir.join(&case.name);
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

/// The Rust rules read how the emitters render (`Rendering`): with the
/// former rendering (plain structs built with literals), wire-additive
/// changes were Rust breaks; with `#[non_exhaustive]` structs, constructors
/// and setters (issue 14's "additive stays additive", `Rendering::TODAY`)
/// they are additive, and only `Rendering::TODAY` had to change.
#[test]
fn rust_rules_follow_the_rendering() {
    use xtask::diff::classify::Rendering;
    let literals = Rendering {
        exhaustive_structs: true,
        exhaustive_params: true,
        params_on_call: false,
        ..Rendering::TODAY
    };
    let exhaustive_untagged = Rendering {
        non_exhaustive_untagged_unions: false,
        ..Rendering::TODAY
    };
    for (name, rendering, before, today) in [
        ("optional_request_field_added", literals, Breaking, Additive),
        (
            "optional_response_field_added",
            literals,
            Breaking,
            Additive,
        ),
        ("optional_param_added", literals, Breaking, Additive),
        (
            "optional_body_added_beside_params",
            literals,
            Breaking,
            Additive,
        ),
        ("additional_properties_added", literals, Breaking, Additive),
        // A first optional input: a `params` argument then, `.params(…)`
        // on the call now.
        ("first_optional_param_added", literals, Breaking, Additive),
        ("first_optional_body_added", literals, Breaking, Additive),
        // A new required field stays a break: the constructor takes it.
        ("required_request_field_added", literals, Breaking, Breaking),
        (
            "required_response_field_added",
            literals,
            Breaking,
            Breaking,
        ),
        // Untagged unions are `#[non_exhaustive]` too.
        (
            "untagged_variant_added",
            exhaustive_untagged,
            Breaking,
            Additive,
        ),
    ] {
        let (old, new) = sides(by_name(name));
        let (old, new) = (lower(&old, name), lower(&new, name));
        let rust = |r: &Rendering| {
            diff::diff_with(Some(&old), Some(&new), r)
                .iter()
                .map(|c| c.rust)
                .max()
                .unwrap()
        };
        assert_eq!(rust(&rendering), before, "{name} with {rendering:?}");
        assert_eq!(rust(&Rendering::TODAY), today, "{name} today");
    }
}

/// A list parameter sent in another style is the same Rust call and other
/// bytes on the wire: breaking on the wire only.
#[test]
fn param_style_change_breaks_the_wire() {
    let old_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/wireforms-requests.yaml"),
    )
    .unwrap();
    assert_eq!(old_text.matches("style: pipeDelimited").count(), 1);
    let new_text = old_text.replace("style: pipeDelimited", "style: spaceDelimited");
    let (old, new) = (lower(&old_text, "style"), lower(&new_text, "style"));
    let diff = diff::api_diff(Some(&old), Some(&new), "before", "after", &|_| {
        "0.1.0".to_owned()
    });
    let got: Vec<(String, Level, Level)> = diff
        .changes
        .iter()
        .map(|c| (c.kind.clone(), c.wire, c.rust))
        .collect();
    let text = report::text(std::slice::from_ref(&diff));
    assert_eq!(
        got,
        vec![("param-location".to_owned(), Breaking, DocsOnly)],
        "{text}"
    );
    assert!(text.contains("`owners` is sent in another style"), "{text}");
}
