//! The `generate` command line: strictness and selection, end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty directory for one test's output.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apigen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn generate(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--runtime", "version=0.1", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// By default a dangling `$ref` degrades to a JSON value with a located
/// warning; `--deny-warnings` makes the same spec an error that writes
/// nothing.
#[test]
fn deny_warnings_turns_warnings_into_errors() {
    let spec = xtask_dir().join("tests/warnings/dangling_ref.yaml");
    let warning = "dangling_ref.yaml: at /components/schemas/Thing/properties/owner: unresolvable schema reference";

    let lenient = scratch("lenient");
    let output = generate(&spec, &lenient, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "warning: {}",
            spec.parent().unwrap().join(warning).display()
        )),
        "{}",
        stderr(&output)
    );
    let owner =
        std::fs::read_to_string(lenient.join("dangling-ref-models/src/types/thing.rs")).unwrap();
    assert!(owner.contains("::serde_json::Value"), "{owner}");

    let strict = scratch("strict");
    let output = generate(&spec, &strict, &["--deny-warnings"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "error: {}",
            spec.parent().unwrap().join(warning).display()
        )),
        "{message}"
    );
    assert!(
        message.contains("denied by --deny-warnings; nothing written"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_dir(&strict).unwrap().count(),
        0,
        "nothing written"
    );

    // A clean spec passes in strict mode too.
    let clean = scratch("clean");
    let output = generate(
        &xtask_dir().join("tests/fixtures/objects.yaml"),
        &clean,
        &["--deny-warnings"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    for dir in [lenient, strict, clean] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// The runtime dependency is the user's choice, and a bad choice is a
/// command-line error.
#[test]
fn runtime_dependency_is_chosen() {
    let spec = xtask_dir().join("tests/fixtures/objects.yaml");
    for (choice, expected) in [
        (
            "version=0.1",
            "apigen-runtime = { version = \"0.1\", default-features = false",
        ),
        (
            "path=vendor/rt",
            "apigen-runtime = { path = \"../vendor/rt\", default-features = false",
        ),
        (
            "git=https://example.com/apigen.git#abc123",
            "apigen-runtime = { git = \"https://example.com/apigen.git\", rev = \"abc123\", default-features = false",
        ),
    ] {
        let out = scratch("runtime");
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["generate", "--runtime", choice, "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{choice}: {}", stderr(&output));
        let manifest = std::fs::read_to_string(out.join("objects-models/Cargo.toml")).unwrap();
        assert!(manifest.contains(expected), "{choice}: {manifest}");
        assert!(
            !out.join("apigen-runtime").exists(),
            "{choice}: not vendored"
        );
        let workspace = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
        assert!(workspace.contains("[workspace.lints.rust]"), "{workspace}");
        std::fs::remove_dir_all(out).unwrap();
    }
    let out = scratch("runtime-bad");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--runtime", "path=/abs/rt", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("must be relative"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(out).unwrap();
}

/// Access Users out of the full Cloudflare spec: the five operations of the
/// upstream slice (`tests/data/cloudflare-access-users-2024.json`), and the
/// types that slice gives, whichever way they are picked.
#[test]
fn selection_slices_the_full_cloudflare_spec() {
    use std::collections::BTreeSet;
    use xtask::codegen::select::{Pattern, Selection};
    use xtask::codegen::{self, ManifestMode};

    let data = xtask_dir().join("tests/data");
    let slice = codegen::plan(
        &[data.join("cloudflare-access-users-2024.json")],
        &data,
        &ManifestMode::Workspace,
    )
    .unwrap();
    let slice_api = &slice.rendered[0].api;
    let slice_types: BTreeSet<&String> = slice_api.types.keys().collect();
    let slice_ops: BTreeSet<&String> = slice_api
        .operations
        .iter()
        .map(|o| &o.operation_id)
        .collect();

    let full = data.join("cloudflare-openapi-2024.json");
    let text = std::fs::read_to_string(&full).unwrap();
    let selections = [
        Selection {
            only: vec![Pattern::parse("/accounts/*/access/users*").unwrap()],
            exclude: vec![],
        },
        Selection {
            only: vec![Pattern::parse("tag:Zero Trust users").unwrap()],
            exclude: vec![],
        },
        Selection {
            only: vec![
                Pattern::parse("op:zero-trust-users-get-users").unwrap(),
                Pattern::parse("/accounts/*/access/users/*").unwrap(),
            ],
            exclude: vec![
                Pattern::parse("/accounts/*/access/users/{user_id}/*_sessions*").unwrap(),
            ],
        },
    ];
    for (i, selection) in selections.iter().enumerate() {
        let rendered =
            codegen::render_selected(&full, &text, "full", &ManifestMode::Workspace, selection)
                .unwrap();
        let api = &rendered.api;
        let ops: BTreeSet<&String> = api.operations.iter().map(|o| &o.operation_id).collect();
        let report = rendered.selection.as_ref().unwrap();
        assert_eq!(report.operations_total, 1511);
        if i < 2 {
            assert_eq!(ops, slice_ops, "selection {i}");
            assert_eq!(report.operations_kept, 5);
            assert_eq!(report.schemas_kept, 30, "the slice's 30 schemas");
            let types: BTreeSet<&String> = api.types.keys().collect();
            assert_eq!(types, slice_types, "selection {i}: the slice's types");
        } else {
            assert_eq!(ops.len(), 3, "{ops:?}");
            assert!(api.types.len() < slice_types.len());
        }
        assert!(api.skipped.is_empty(), "{:?}", api.skipped);
    }

    let none = Selection {
        only: vec![Pattern::parse("tag:Access Users, misspelt").unwrap()],
        exclude: vec![],
    };
    let error = codegen::render_selected(&full, &text, "full", &ManifestMode::Workspace, &none)
        .expect_err("matches nothing");
    assert!(
        error.to_string().contains("matches no operation"),
        "{error}"
    );
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=apigen",
            "-c",
            "user.email=apigen@example.com",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Under each spec's summary, `generate` says how its API changed since the
/// spec's commit at `HEAD` (git is asked while the specs render): nothing
/// without a `HEAD`, a new API when `HEAD` has no such file, the change and
/// the version bumps when the spec was edited since.
#[test]
fn generate_reports_the_change_since_head() {
    let repo = scratch("head");
    git(&repo, &["init", "--quiet"]);
    let spec = repo.join("zone.yaml");
    let text =
        std::fs::read_to_string(xtask_dir().join("../spec/keycard-zone-users.yaml")).unwrap();
    std::fs::write(&spec, &text).unwrap();
    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let generated = |out: &str| {
        let output = generate(&spec, &repo.join(out), &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };

    let no_head = generated("out-no-head");
    assert!(
        no_head.contains("zone.yaml: 2 operations") && !no_head.contains("HEAD"),
        "{no_head}"
    );

    std::fs::write(repo.join("README.md"), "A repository.\n").unwrap();
    git(&repo, &["add", "README.md"]);
    git(&repo, &["commit", "--quiet", "-m", "readme"]);
    let new = generated("out-new");
    assert!(
        new.contains("  keycard-zone-users: new API (not in HEAD)"),
        "{new}"
    );

    git(&repo, &["add", "zone.yaml"]);
    git(&repo, &["commit", "--quiet", "-m", "spec"]);
    let edited = text.replace(
        "Cursor for forward pagination",
        "Cursor for forward pagination (edited)",
    );
    assert_ne!(edited, text);
    std::fs::write(&spec, edited).unwrap();
    let changed = generated("out-edited");
    assert!(
        changed.contains(
            "  keycard-zone-users: 1 API change vs HEAD (0 breaking on the wire, 0 breaking for Rust, 0 additive); keycard-zone-users-models 0.1.0 → 0.1.1 (patch)"
        ),
        "{changed}"
    );
    let _ = std::fs::remove_dir_all(&repo);
}
