//! The real upstream slice (`tests/data/cloudflare-access-users-2024.json`,
//! five operations of the 2024 Cloudflare spec with their `$ref` closure)
//! generates, and its three crates pass `cargo clippy -D warnings`.

use std::path::Path;
use std::process::Command;

use xtask::codegen::{self, ManifestMode};

#[test]
fn upstream_slice_generates_and_compiles() {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = xtask.parent().unwrap();
    let spec = xtask.join("tests/data/cloudflare-access-users-2024.json");
    let work = root.join("target/full-spec");
    let out = work.join("upstream-slice-test");
    let _ = std::fs::remove_dir_all(&out);

    let runtime = root.join("crates/apigen-runtime").display().to_string();
    let mode = ManifestMode::Standalone {
        runtime_path: runtime,
    };
    let plan = codegen::plan(&[spec], root, &mode, false).unwrap();
    let api = &plan.rendered[0].api;
    assert_eq!(
        api.operations.len(),
        5,
        "every operation of the slice is generated"
    );
    assert!(api.skipped.is_empty(), "nothing skipped: {:?}", api.skipped);

    let mut files = plan.files;
    files.push(codegen::GeneratedFile {
        path: "Cargo.toml".into(),
        contents: "[workspace]\nresolver = \"3\"\nmembers = [\"cloudflare-access-users-2024-models\", \"cloudflare-access-users-2024-client\", \"cloudflare-access-users-2024-blocking\"]\n".into(),
    });
    codegen::write_outputs(&out, &files, false).unwrap();
    // The workspace's lock file pins the same dependency versions, so the
    // build shares artefacts with scripts/full-spec.sh.
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();

    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["clippy", "--quiet", "--workspace", "--", "-D", "warnings"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", work.join("target"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the generated crates of the upstream slice do not pass clippy"
    );
}
