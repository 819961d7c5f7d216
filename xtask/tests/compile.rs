//! Generated code compiles and behaves: the real upstream slice
//! (`tests/data/cloudflare-access-users-2024.json`) and every fixture spec
//! are generated into standalone workspaces under `target/full-spec/`,
//! checked with `cargo clippy -D warnings`, and the fixtures' models are
//! exercised by `fixture-checks/checks.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::codegen::emit::shards::ModelsSplit;
use xtask::codegen::{self, GeneratedFile, ManifestMode, WriteMode};

fn xtask_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn root() -> &'static Path {
    xtask_dir().parent().unwrap()
}

/// Whether the generated crates get one cargo feature per top-level resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Features {
    PerResource,
    None,
}

/// Generates `specs` into a fresh standalone workspace `name`, plus `extra`
/// files, and returns its directory.
fn generate(
    name: &str,
    specs: &[PathBuf],
    extra: Vec<GeneratedFile>,
    features: Features,
    split: ModelsSplit,
) -> (PathBuf, codegen::Plan) {
    let out = root().join("target/full-spec").join(name);
    let _ = std::fs::remove_dir_all(&out);
    let runtime = root().join("crates/apigen-runtime").display().to_string();
    let mode = ManifestMode::Standalone {
        runtime_path: runtime,
        resource_features: features == Features::PerResource,
        split,
    };
    let plan = codegen::plan(specs, xtask_dir(), &mode).unwrap();
    let mut files = plan.files.clone();
    files.extend(extra);
    let mut members: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml").map(|d| format!("{d:?}")))
        .collect();
    members.sort();
    files.push(GeneratedFile {
        path: "Cargo.toml".into(),
        contents: format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    });
    codegen::write_outputs(&out, &files, WriteMode::Write).unwrap();
    // The workspace's lock file pins the same dependency versions, so the
    // builds share artefacts with each other and with scripts/full-spec.sh.
    std::fs::copy(root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    (out, plan)
}

fn cargo(dir: &Path, args: &[&str]) -> bool {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/full-spec/target"))
        .status()
        .expect("cargo runs")
        .success()
}

#[test]
fn upstream_slice_generates_and_compiles() {
    let spec = xtask_dir().join("tests/data/cloudflare-access-users-2024.json");
    let (out, plan) = generate(
        "upstream-slice-test",
        &[spec],
        Vec::new(),
        Features::PerResource,
        ModelsSplit::Off,
    );
    let api = &plan.rendered[0].api;
    assert_eq!(
        api.operations.len(),
        5,
        "every operation of the slice is generated"
    );
    assert!(api.skipped.is_empty(), "nothing skipped: {:?}", api.skipped);
    assert!(
        cargo(
            &out,
            &["clippy", "--quiet", "--workspace", "--", "-D", "warnings"]
        ),
        "the generated crates of the upstream slice do not pass clippy"
    );
    // Generated with resource features: each resource builds on its own,
    // and so does the client with none.
    for features in [&["--features", "zero_trust_users"][..], &[]] {
        let mut args = vec![
            "check",
            "--quiet",
            "-p",
            "cloudflare-access-users-2024-blocking",
            "--no-default-features",
        ];
        args.extend_from_slice(features);
        assert!(cargo(&out, &args), "cargo {args:?} failed");
    }
}

#[test]
fn fixtures_compile_and_behave() {
    fixtures_check("fixtures-test", ModelsSplit::Off);
}

/// The same fixtures with models split into parts of three types: the
/// facade must re-export everything where the checks expect it.
#[test]
fn split_models_compile_and_behave() {
    fixtures_check("fixtures-split-test", ModelsSplit::TypesPerPart(3));
}

/// A split upstream slice with resource features: each resource builds on
/// its own through the facade, and so does nothing.
#[test]
fn split_models_keep_resource_features() {
    let spec = xtask_dir().join("tests/data/cloudflare-access-users-2024.json");
    let (out, plan) = generate(
        "upstream-slice-split-test",
        &[spec],
        Vec::new(),
        Features::PerResource,
        ModelsSplit::TypesPerPart(4),
    );
    let parts = plan
        .files
        .iter()
        .filter(|f| f.path.contains("-models-") && f.path.ends_with("/Cargo.toml"))
        .count();
    assert!(parts > 2, "the slice is split ({parts} parts)");
    assert!(
        cargo(
            &out,
            &["clippy", "--quiet", "--workspace", "--", "-D", "warnings"]
        ),
        "the split crates of the upstream slice do not pass clippy"
    );
    for features in [&["--features", "zero_trust_users"][..], &[]] {
        let mut args = vec![
            "check",
            "--quiet",
            "-p",
            "cloudflare-access-users-2024-client",
            "--no-default-features",
        ];
        args.extend_from_slice(features);
        assert!(cargo(&out, &args), "cargo {args:?} failed");
    }
}

fn fixtures_check(name: &str, split: ModelsSplit) {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(xtask_dir().join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    specs.sort();
    let runtime = root().join("crates/apigen-runtime").display().to_string();
    let checks = vec![
        GeneratedFile {
            path: "fixture-checks/Cargo.toml".into(),
            contents: format!(
                "[package]\nname = \"fixture-checks\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dev-dependencies]\napigen-runtime = {{ path = \"{runtime}\", default-features = false }}\n\
                 serde_json = \"1\"\n{}",
                [
                    "collections",
                    "composition",
                    "enums",
                    "nullable",
                    "pagination",
                    "recursion"
                ]
                .iter()
                .map(|c| format!("{c}-models = {{ path = \"../{c}-models\" }}\n"))
                .collect::<String>()
            ),
        },
        GeneratedFile {
            path: "fixture-checks/src/lib.rs".into(),
            contents: String::new(),
        },
        GeneratedFile {
            path: "fixture-checks/tests/checks.rs".into(),
            contents: include_str!("fixture-checks/checks.rs").to_owned(),
        },
    ];
    let (out, _) = generate(name, &specs, checks, Features::None, split);
    assert!(
        cargo(
            &out,
            &[
                "clippy",
                "--quiet",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings"
            ]
        ),
        "the crates generated from tests/fixtures do not pass clippy"
    );
    assert!(
        cargo(&out, &["test", "--quiet", "-p", "fixture-checks"]),
        "fixture behaviour checks failed"
    );
}
