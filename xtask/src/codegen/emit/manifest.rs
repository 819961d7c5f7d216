//! `Cargo.toml` of each generated crate.

use std::collections::BTreeSet;

use super::features::{FeatureMap, manifest_table};
use super::shards::{Layout, Part};
use super::{CrateNames, Flavor, ManifestMode, header};
use crate::codegen::ir::{Api, TypeDef, TypeKind, TypeRef};

/// Versions used in standalone manifests; keep in step with the root
/// `Cargo.toml`'s `[workspace.dependencies]`.
const VERSIONS: &[(&str, &str)] = &[
    (
        "chrono",
        r#"{ version = "0.4.42", default-features = false, features = ["serde", "std"] }"#,
    ),
    ("serde", r#"{ version = "1.0.219", features = ["derive"] }"#),
    ("serde_json", r#""1.0.140""#),
    (
        "serde_with",
        r#"{ version = "3.12", default-features = false, features = ["std"] }"#,
    ),
];

fn dependency(mode: &ManifestMode, name: &str) -> String {
    match mode {
        ManifestMode::Workspace => format!("{name}.workspace = true"),
        ManifestMode::Standalone { .. } => {
            let version = VERSIONS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("\"*\"", |(_, v)| v);
            format!("{name} = {version}")
        }
    }
}

fn runtime_dependency(mode: &ManifestMode, features: &[&str]) -> String {
    let features = if features.is_empty() {
        String::new()
    } else {
        format!(
            ", features = [{}]",
            features
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match mode {
        ManifestMode::Workspace => format!("apigen-runtime = {{ workspace = true{features} }}"),
        ManifestMode::Standalone { runtime, .. } => {
            format!(
                "apigen-runtime = {{ {}, default-features = false{features} }}",
                runtime.manifest_keys()
            )
        }
    }
}

fn package(api: &Api, name: &str, description: &str, mode: &ManifestMode) -> String {
    let inherited = match mode {
        ManifestMode::Workspace => {
            "version.workspace = true\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\npublish = false\n"
        }
        ManifestMode::Standalone { .. } => {
            "version = \"0.1.0\"\nedition = \"2024\"\npublish = false\n"
        }
    };
    format!(
        "{}\n[package]\nname = \"{name}\"\ndescription = \"{}\"\n{inherited}",
        header(api, "#"),
        description.replace('\\', "\\\\").replace('"', "\\\""),
    )
}

/// Both kinds of workspace define `[workspace.lints]` (see
/// `standalone::WORKSPACE_LINTS`), so every generated crate inherits them.
fn lints(_mode: &ManifestMode) -> &'static str {
    "\n[lints]\nworkspace = true\n"
}

fn uses(api: &Api, wanted: &dyn Fn(&TypeRef) -> bool) -> bool {
    fn walk(ty: &TypeRef, wanted: &dyn Fn(&TypeRef) -> bool) -> bool {
        wanted(ty)
            || match ty {
                TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => {
                    walk(inner, wanted)
                }
                _ => false,
            }
    }
    let in_def = |def: &TypeDef| def.type_refs().into_iter().any(|t| walk(t, wanted));
    api.types.values().any(in_def)
        || api.operations.iter().any(|op| {
            op.required_params
                .iter()
                .chain(&op.optional_params)
                .any(|p| walk(&p.ty, wanted))
                || op.body.as_ref().is_some_and(|b| walk(&b.ty, wanted))
                || op.output.type_refs().into_iter().any(|t| walk(t, wanted))
        })
}

/// The `[package]` table of the models crate (or of its facade).
fn models_package(api: &Api, mode: &ManifestMode) -> String {
    let name = CrateNames::of(api).models;
    let description = format!(
        "Models of {} (generated from its OpenAPI spec).",
        super::api_name(api)
    );
    package(api, &name, &description, mode)
}

pub fn models(api: &Api, mode: &ManifestMode, features: Option<&FeatureMap>) -> String {
    let mut out = models_package(api, mode);
    out.push_str("\n[dependencies]\n");
    let mut deps = vec![runtime_dependency(mode, &[])];
    if uses(api, &|t| *t == TypeRef::DateTime) {
        deps.push(dependency(mode, "chrono"));
    }
    deps.push(dependency(mode, "serde"));
    deps.push(dependency(mode, "serde_json"));
    let double_option = api.types.values().any(|def| match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().any(|f| !f.required && f.nullable),
        _ => false,
    });
    if double_option {
        deps.push(dependency(mode, "serde_with"));
    }
    deps.sort();
    for dep in deps {
        out.push_str(&dep);
        out.push('\n');
    }
    if let Some(features) = features {
        out.push_str(&manifest_table(features, None));
    }
    out.push_str(lints(mode));
    out
}

pub fn client(
    api: &Api,
    flavor: Flavor,
    mode: &ManifestMode,
    features: Option<&FeatureMap>,
) -> String {
    let names = CrateNames::of(api);
    let (name, description, feature) = match flavor {
        Flavor::Async => (
            &names.client,
            format!(
                "Async client for {} (generated from its OpenAPI spec).",
                super::api_name(api)
            ),
            "async",
        ),
        Flavor::Blocking => (
            &names.blocking,
            format!(
                "Blocking client for {} (generated from its OpenAPI spec).",
                super::api_name(api)
            ),
            "blocking",
        ),
    };
    let mut out = package(api, name, &description, mode);
    out.push_str("\n[dependencies]\n");
    out.push_str(&runtime_dependency(mode, &[feature, "rustls"]));
    out.push('\n');
    // Operation signatures can name these types directly.
    if uses(api, &|t| *t == TypeRef::DateTime) {
        out.push_str(&dependency(mode, "chrono"));
        out.push('\n');
    }
    if uses(api, &|t| *t == TypeRef::Json) {
        out.push_str(&dependency(mode, "serde_json"));
        out.push('\n');
    }
    let models_path = format!("../{}", names.models);
    match mode {
        ManifestMode::Workspace => out.push_str(&format!(
            "{} = {{ path = \"{models_path}\" }}\n",
            names.models
        )),
        // With resource features the client's features pick the models'.
        ManifestMode::Standalone { .. } if features.is_some() => out.push_str(&format!(
            "{} = {{ path = \"{models_path}\", default-features = false }}\n",
            names.models
        )),
        ManifestMode::Standalone { .. } => out.push_str(&format!(
            "{} = {{ path = \"{models_path}\" }}\n",
            names.models
        )),
    }
    if let Some(features) = features {
        out.push_str(&manifest_table(features, Some(&names.models)));
    }
    out.push_str(test_util_feature(features.is_some()));
    out.push_str(lints(mode));
    out
}

/// The manifest of split models (see [`super::shards`]): a facade that
/// depends on every part; resource features are forwarded to the parts
/// whose items they gate.
pub fn models_facade(
    api: &Api,
    mode: &ManifestMode,
    features: Option<&FeatureMap>,
    layout: &Layout,
) -> String {
    let mut out = models_package(api, mode);
    out.push_str("\n[dependencies]\n");
    // The envelope constants name the runtime's `Envelope`.
    out.push_str(&runtime_dependency(mode, &[]));
    out.push('\n');
    let no_default = if features.is_some() {
        ", default-features = false"
    } else {
        ""
    };
    for part in &layout.parts {
        out.push_str(&format!(
            "{0} = {{ path = \"../{0}\"{no_default} }}\n",
            part.crate_name
        ));
    }
    if let Some(features) = features {
        out.push_str("\n[features]\ndefault = [\"all\"]\n");
        let all: Vec<String> = features.all.iter().map(|f| format!("\"{f}\"")).collect();
        out.push_str(&format!("all = [{}]\n", all.join(", ")));
        for feature in &features.all {
            let targets: Vec<String> = layout
                .parts
                .iter()
                .filter(|p| part_features(features, p).contains(feature.as_str()))
                .map(|p| format!("\"{}/{feature}\"", p.crate_name))
                .collect();
            out.push_str(&format!("{feature} = [{}]\n", targets.join(", ")));
        }
    }
    out.push_str(lints(mode));
    out
}

/// The manifest of one part of split models.
pub fn models_part(
    api: &Api,
    mode: &ManifestMode,
    features: Option<&FeatureMap>,
    part: &Part,
    deps: &[&str],
) -> String {
    let mut out = package(
        api,
        &part.crate_name,
        &format!(
            "A part of the models of {}; use the `{}` crate, which re-exports it.",
            super::api_name(api),
            CrateNames::of(api).models
        ),
        mode,
    );
    out.push_str("\n[dependencies]\n");
    let mut lines = vec![runtime_dependency(mode, &[])];
    if uses(api, &|t| *t == TypeRef::DateTime) {
        lines.push(dependency(mode, "chrono"));
    }
    lines.push(dependency(mode, "serde"));
    lines.push(dependency(mode, "serde_json"));
    lines.push(dependency(mode, "serde_with"));
    let no_default = if features.is_some() {
        ", default-features = false"
    } else {
        ""
    };
    lines.extend(
        deps.iter()
            .map(|dep| format!("{dep} = {{ path = \"../{dep}\"{no_default} }}")),
    );
    lines.sort();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(features) = features {
        // A part declares the features its items or its dependencies' items
        // are gated by, and forwards them to the dependencies that have them.
        out.push_str("\n[features]\n");
        for feature in part_features(features, part) {
            out.push_str(&format!("{feature} = []\n"));
        }
    }
    out.push_str(lints(mode));
    out
}

/// The features that gate items of `part`.
fn part_features<'a>(features: &'a FeatureMap, part: &Part) -> BTreeSet<&'a str> {
    let mut used = BTreeSet::new();
    for name in &part.types {
        if let Some(set) = features.types.get(name) {
            used.extend(set.iter().map(String::as_str));
        }
    }
    for op in &part.operations {
        if let Some(feature) = features.operations.get(op) {
            used.insert(feature.as_str());
        }
    }
    used
}

/// The opt-in `test-util` feature of a client crate (typed test doubles),
/// in the `[features]` table `manifest_table` may already have opened.
fn test_util_feature(table_open: bool) -> &'static str {
    if table_open {
        "test-util = [\"apigen-runtime/test-util\"]\n"
    } else {
        "\n[features]\n# Typed test doubles (`test_util::Mocks`, `Client::mocked`) for tests of code\n# that calls this API.\ntest-util = [\"apigen-runtime/test-util\"]\n"
    }
}

#[cfg(test)]
mod tests {
    /// Standalone manifests copy the workspace's dependency lines; a version
    /// bump in the root `Cargo.toml` must reach them too.
    #[test]
    fn standalone_versions_match_the_workspace() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let manifest = std::fs::read_to_string(root).expect("the root Cargo.toml");
        for (name, spec) in super::VERSIONS {
            let line = manifest
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = ")))
                .unwrap_or_else(|| panic!("`{name}` is not in [workspace.dependencies]"));
            assert_eq!(line, *spec, "`{name}`: root Cargo.toml and VERSIONS differ");
        }
    }
}
