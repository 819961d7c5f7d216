//! Generator tests: one fixture spec per feature, snapshotted with insta;
//! spec errors snapshotted as messages; the committed crates checked fresh.

use std::path::{Path, PathBuf};

use xtask::codegen::{self, ManifestMode};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture path relative to the xtask package, so messages and
/// snapshots do not depend on where the repository is checked out.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .to_path_buf()
}

/// Every generated file, concatenated under path headers, plus the
/// compact surface listing (which includes warnings).
fn render_fixture(path: &Path) -> String {
    let rel = relative(path);
    let rendered = codegen::render(&rel, &rel.display().to_string(), &ManifestMode::Workspace)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = codegen::surface::surface(&rendered.api);
    for file in &rendered.files {
        // Client crates repeat the same shape for every fixture; the models
        // and the resource tree are what each fixture is about.
        if file.path.ends_with("Cargo.toml") || file.path.contains("-blocking/") {
            continue;
        }
        out.push_str(&format!("\n=== {} ===\n{}", file.path, file.contents));
    }
    out
}

#[test]
fn fixtures() {
    std::env::set_current_dir(manifest_dir()).unwrap();
    insta::glob!("fixtures/*.yaml", |path| {
        insta::assert_snapshot!(render_fixture(path));
    });
}

#[test]
fn spec_errors_name_the_file_and_pointer() {
    std::env::set_current_dir(manifest_dir()).unwrap();
    insta::glob!("errors/*.yaml", |path| {
        let rel = relative(path);
        let error =
            codegen::render(&rel, "x", &ManifestMode::Workspace).expect_err("the spec is invalid");
        insta::assert_snapshot!(error.to_string());
    });
}

#[test]
fn missing_spec_file_is_an_error_not_a_panic() {
    let error = codegen::render(
        Path::new("tests/fixtures/does-not-exist.yaml"),
        "x",
        &ManifestMode::Workspace,
    )
    .expect_err("no such file");
    assert!(
        error
            .to_string()
            .starts_with("tests/fixtures/does-not-exist.yaml: at /: cannot read the spec"),
        "{error}"
    );
}

#[test]
fn output_is_deterministic() {
    let spec = manifest_dir().join("../spec/cloudflare-access-users.yaml");
    let first = codegen::render(&spec, "spec", &ManifestMode::Workspace)
        .unwrap()
        .files;
    let second = codegen::render(&spec, "spec", &ManifestMode::Workspace)
        .unwrap()
        .files;
    assert_eq!(first, second);
}

/// The real APIs' surfaces, compact: a spec update shows up here as a short
/// diff next to the (long) diff of the committed crates.
#[test]
fn api_surfaces() {
    for name in ["cloudflare-access-users", "keycard-zone-users"] {
        let spec = manifest_dir().join(format!("../spec/{name}.yaml"));
        let rendered = codegen::render(
            &spec,
            &format!("spec/{name}.yaml"),
            &ManifestMode::Workspace,
        )
        .unwrap();
        insta::assert_snapshot!(
            format!("surface_{name}"),
            codegen::surface::surface(&rendered.api)
        );
    }
}

/// `cargo xtask generate --check`, as a test: the committed crates match
/// what the specs generate today.
#[test]
fn generated_crates_are_fresh() {
    let root = manifest_dir().parent().unwrap();
    let specs = codegen::find_specs(&root.join("spec")).unwrap();
    let plan = codegen::plan(&specs, root, &ManifestMode::Workspace, true).unwrap();
    let outcome = codegen::write_outputs(&root.join("crates"), &plan.files, true).unwrap();
    assert!(
        outcome.diffs.is_empty(),
        "generated crates are stale; run `cargo xtask generate` and commit:\n{}",
        outcome.diffs.join("\n")
    );
}

/// Writing twice changes nothing the second time, and a file that is no
/// longer generated is removed.
#[test]
fn writer_writes_only_changes_and_prunes() {
    let dir = std::env::temp_dir().join(format!("apigen-writer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = manifest_dir().join("tests/fixtures/objects.yaml");
    let files = codegen::render(&spec, "objects", &ManifestMode::Workspace)
        .unwrap()
        .files;
    let first = codegen::write_outputs(&dir, &files, false).unwrap();
    assert_eq!(first.written.len(), files.len());
    let second = codegen::write_outputs(&dir, &files, false).unwrap();
    assert!(second.written.is_empty() && second.removed.is_empty());

    let fewer: Vec<_> = files
        .iter()
        .filter(|f| !f.path.ends_with("types/pet_owner.rs"))
        .cloned()
        .collect();
    let check = codegen::write_outputs(&dir, &fewer, true).unwrap();
    assert_eq!(check.removed.len(), 1, "{check:?}");
    assert!(
        dir.join("objects-models/src/types/pet_owner.rs").exists(),
        "check mode must not delete"
    );
    let pruned = codegen::write_outputs(&dir, &fewer, false).unwrap();
    assert_eq!(pruned.removed.len(), 1);
    assert!(!dir.join("objects-models/src/types/pet_owner.rs").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
