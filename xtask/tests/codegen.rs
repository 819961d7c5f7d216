//! Generator tests: one fixture spec per feature, snapshotted with insta;
//! spec errors snapshotted as messages; the committed crates checked fresh.

use std::path::{Path, PathBuf};

use xtask::codegen::{self, ManifestMode, WriteMode};

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
    insta::glob!("fixtures/*.{yaml,json}", |path| {
        insta::assert_snapshot!(render_fixture(path));
    });
}

/// The request wire forms' API (`spec/wireforms-requests.yaml`: every
/// query, header and cookie style, form, multipart, bytes, text and a
/// several-media-type body): its generated code, as for the fixtures.
#[test]
fn wireforms_requests_generated_code() {
    std::env::set_current_dir(manifest_dir()).unwrap();
    let spec = Path::new("../spec/wireforms-requests.yaml");
    insta::assert_snapshot!("wireforms_requests", render_fixture(spec));
}

#[test]
fn spec_errors_name_the_file_and_pointer() {
    std::env::set_current_dir(manifest_dir()).unwrap();
    insta::glob!("errors/*.{yaml,json}", |path| {
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
    for name in [
        "cloudflare-access-users",
        "keycard-zone-users",
        "wireforms-requests",
        "wireforms-responses",
    ] {
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

/// The wire-form specs exist to exercise the generator: their whole
/// generated code (models and async client) is snapshotted, as the
/// fixtures' is.
#[test]
fn wireforms_generated_code() {
    std::env::set_current_dir(manifest_dir()).unwrap();
    for name in ["wireforms-responses"] {
        let spec = manifest_dir().join(format!("../spec/{name}.yaml"));
        insta::assert_snapshot!(format!("wireforms_{name}"), render_fixture(&spec));
    }
}

/// `cargo xtask generate --check`, as a test: the committed crates match
/// what the specs generate today.
#[test]
fn generated_crates_are_fresh() {
    let root = manifest_dir().parent().unwrap();
    let specs = codegen::find_specs(&root.join("spec")).unwrap();
    let mut plan = codegen::plan(&specs, root, &ManifestMode::Workspace).unwrap();
    // As `cargo xtask generate` does: keep crate versions bumped on disk.
    xtask::diff::semver::apply_manifest_versions(
        &root.join("crates"),
        plan.files_mut(),
        &[],
        xtask::diff::semver::workspace_version_at(root).as_deref(),
    );
    let outcome =
        codegen::write_outputs(&root.join("crates"), plan.files(), WriteMode::Check).unwrap();
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
    let first = codegen::write_outputs(&dir, &files, WriteMode::Write).unwrap();
    assert_eq!(first.written_files(), files.len());
    let second = codegen::write_outputs(&dir, &files, WriteMode::Write).unwrap();
    assert!(second.written.is_empty() && second.removed.is_empty());

    let fewer: Vec<_> = files
        .iter()
        .filter(|f| !f.path.ends_with("types/pet_owner.rs"))
        .cloned()
        .collect();
    let check = codegen::write_outputs(&dir, &fewer, WriteMode::Check).unwrap();
    assert_eq!(check.removed.len(), 1, "{check:?}");
    assert!(
        dir.join("objects-models/src/types/pet_owner.rs").exists(),
        "check mode must not delete"
    );
    let pruned = codegen::write_outputs(&dir, &fewer, WriteMode::Write).unwrap();
    assert_eq!(pruned.removed.len(), 1);
    assert!(!dir.join("objects-models/src/types/pet_owner.rs").exists());

    // A changed file: reported with its diff in check mode, then replaced
    // (through a temporary file that does not stay behind).
    let mut changed = fewer.clone();
    let lib = changed
        .iter_mut()
        .find(|f| f.path == "objects-models/src/lib.rs")
        .unwrap();
    lib.contents.push_str("// one more line\n");
    let check = codegen::write_outputs(&dir, &changed, WriteMode::Check).unwrap();
    assert_eq!(check.written_files(), 1, "{check:?}");
    assert!(
        check.diffs[0].contains("+// one more line"),
        "{:?}",
        check.diffs
    );
    let rewritten = codegen::write_outputs(&dir, &changed, WriteMode::Write).unwrap();
    assert_eq!(rewritten.written_files(), 1);
    let on_disk = std::fs::read_to_string(dir.join("objects-models/src/lib.rs")).unwrap();
    assert!(on_disk.ends_with("// one more line\n"));

    // A file of the same size but other bytes is found changed; a file
    // deleted by hand is written again.
    let path = dir.join("objects-models/src/lib.rs");
    std::fs::write(&path, on_disk.replace("one more", "one MORE")).unwrap();
    std::fs::remove_file(dir.join("objects-models/Cargo.toml")).unwrap();
    let check = codegen::write_outputs(&dir, &changed, WriteMode::Check).unwrap();
    assert_eq!(check.written_files(), 2, "{check:?}");
    assert!(
        check.diffs.iter().any(|d| d.contains("-// one MORE line")),
        "{:?}",
        check.diffs
    );
    let restored = codegen::write_outputs(&dir, &changed, WriteMode::Write).unwrap();
    assert_eq!(restored.written_files(), 2);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), on_disk);
    assert!(dir.join("objects-models/Cargo.toml").exists());
    let again = codegen::write_outputs(&dir, &changed, WriteMode::Write).unwrap();
    assert!(again.written.is_empty(), "{again:?}");

    let leftovers: Vec<_> = std::fs::read_dir(dir.join("objects-models/src"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "apigen-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A bad spec makes `cargo xtask generate` fail with a located message and
/// leaves the output directory exactly as it was.
#[test]
fn bad_spec_leaves_output_untouched() {
    let dir = std::env::temp_dir().join(format!("apigen-bad-spec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("out/keep-models")).unwrap();
    std::fs::write(dir.join("out/keep-models/Cargo.toml"), "# hand-written\n").unwrap();
    let spec = manifest_dir().join("tests/errors/bad_pagination.yaml");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad_pagination.yaml: at /paths/~1a/get/x-apigen-pagination:"),
        "{stderr}"
    );
    let entries: Vec<_> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("keep-models")]);
    assert_eq!(
        std::fs::read_to_string(dir.join("out/keep-models/Cargo.toml")).unwrap(),
        "# hand-written\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every snapshot file belongs to a test that still exists (insta's
/// `--unreferenced=reject`, without needing cargo-insta installed).
#[test]
fn no_unreferenced_snapshots() {
    let dir = manifest_dir().join("tests");
    for entry in std::fs::read_dir(dir.join("snapshots")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let referenced = if let Some(rest) = name.strip_prefix("codegen__fixtures@") {
            dir.join("fixtures")
                .join(rest.trim_end_matches(".snap"))
                .exists()
        } else if let Some(rest) =
            name.strip_prefix("codegen__spec_errors_name_the_file_and_pointer@")
        {
            dir.join("errors")
                .join(rest.trim_end_matches(".snap"))
                .exists()
        } else {
            [
                "codegen__surface_cloudflare-access-users.snap",
                "codegen__surface_keycard-zone-users.snap",
                "codegen__surface_wireforms-requests.snap",
                "codegen__wireforms_requests.snap",
                "codegen__surface_wireforms-responses.snap",
                "codegen__wireforms_wireforms-responses.snap",
            ]
            .contains(&name.as_str())
        };
        assert!(referenced, "snapshot {name} belongs to no test; delete it");
    }
}

/// Models whose chains of nested types may be longer than rustc's default
/// recursion limit can follow (Stripe's failed `cargo doc`: proving
/// `RefUnwindSafe` overflowed) raise it, in one crate and in every part of
/// split models; short chains leave the crate root as it was.
#[test]
fn long_chains_of_nested_types_raise_the_recursion_limit() {
    use xtask::codegen::emit::shards::ModelsSplit;
    use xtask::codegen::standalone::RuntimeSource;

    // `T0` → `T1` → … → `T{n-1}`, each held by the one before in `field`
    // (`{}` where the schema of the next type goes).
    let chain = |n: usize, field: &str| {
        let mut spec = String::from(
            "openapi: 3.0.3\ninfo: {title: Chain, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n",
        );
        for i in 0..n {
            let field = if i + 1 < n {
                let next = format!("{{$ref: '#/components/schemas/T{}'}}", i + 1);
                format!("next: {}", field.replace("{}", &next))
            } else {
                "x: {type: string}".to_owned()
            };
            spec.push_str(&format!(
                "    T{i}: {{type: object, properties: {{{field}}}}}\n"
            ));
        }
        spec
    };
    let roots_of = |n: usize, field: &str, mode: &ManifestMode| {
        codegen::render_text(
            Path::new("chain.yaml"),
            &chain(n, field),
            "chain.yaml",
            mode,
        )
        .unwrap()
        .files
        .into_iter()
        .filter(|f| f.path.starts_with("chain-models") && f.path.ends_with("src/lib.rs"))
        .map(|f| (f.path, f.contents))
        .collect::<Vec<_>>()
    };
    let limit = |n: usize, field: &str| -> Option<String> {
        let root = roots_of(n, field, &ManifestMode::Workspace).remove(0).1;
        let (_, rest) = root.split_once("\n#![recursion_limit = \"")?;
        Some(rest.split_once('"').unwrap().0.to_owned())
    };
    // An optional field of the next type, `Option<T>`: 2 steps a type (the
    // type, its `Option`; rustc proves 60 such types under its default
    // limit); the attribute from 49 types on (98 steps), at twice the
    // bound rounded up to a power of two.
    let plain = "{}";
    assert_eq!(limit(48, plain), None);
    assert_eq!(limit(49, plain).as_deref(), Some("256"));
    assert_eq!(limit(150, plain).as_deref(), Some("1024"));
    // `Option<BTreeMap<String, Vec<T>>>`: 16 steps a type (rustc: 9 types
    // under its default limit).
    let maps = "{type: object, additionalProperties: {type: array, items: {}}}";
    assert_eq!(limit(6, maps), None);
    assert_eq!(limit(7, maps).as_deref(), Some("256"));
    // The crate a user depends on tells them what to do when their own
    // crate meets the overflow; the parts are never depended on directly.
    let roots = |n: usize, mode: &ManifestMode| roots_of(n, plain, mode);
    let note = "//! # Deeply nested types\n";
    let advice = "//! crate sets `#![recursion_limit = \"512\"]`. A crate of yours";
    let one = ManifestMode::Workspace;
    let short = &roots(48, &one)[0].1;
    assert!(!short.contains(note));
    let long = &roots(100, &one)[0].1;
    assert!(long.contains("\n#![recursion_limit = \"512\"]\n"));
    assert!(long.contains(note) && long.contains(advice), "{long}");
    let split = ManifestMode::Standalone {
        runtime: RuntimeSource::Path("../apigen-runtime".to_owned()),
        resource_features: false,
        split: ModelsSplit::TypesPerPart(10),
    };
    let parts = roots(100, &split);
    assert!(parts.len() > 2, "{}", parts.len());
    for (path, root) in &parts {
        assert!(root.contains("\n#![recursion_limit = \"512\"]\n"), "{root}");
        let facade = path == "chain-models/src/lib.rs";
        assert_eq!(
            root.contains(note) && root.contains(advice),
            facade,
            "{path}"
        );
    }
    assert!(
        parts
            .iter()
            .any(|(path, _)| path == "chain-models/src/lib.rs")
    );
}
