//! The workspace around crates generated with `--out`: its root manifest,
//! the lints every member inherits, and (by default) a copy of the runtime
//! crate, so that the output builds wherever it is moved.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::GeneratedFile;

/// Where a standalone workspace's `apigen-runtime` dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeSource {
    /// A copy of the runtime's sources, a member of the output workspace.
    Vendor,
    /// A path relative to the output directory.
    Path(String),
    /// A git repository holding the runtime, at a revision if given.
    Git { url: String, rev: Option<String> },
    /// A version requirement (a registry that has the crate).
    Version(String),
}

/// Directory (and member name) of the vendored runtime in the output.
pub const VENDORED_RUNTIME_DIR: &str = "apigen-runtime";

impl RuntimeSource {
    /// Parses `vendor`, `path=REL`, `git=URL[#REV]` or `version=REQ`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, value) = match text.split_once('=') {
            Some((kind, value)) => (kind, Some(value)),
            None => (text, None),
        };
        let value = value.filter(|v| !v.trim().is_empty());
        match (kind, value) {
            ("vendor", None) => Ok(RuntimeSource::Vendor),
            ("path", Some(path)) => {
                let relative = Path::new(path).is_relative()
                    && !path.starts_with('/')
                    && !path.starts_with('\\')
                    && path.chars().nth(1) != Some(':');
                if relative {
                    Ok(RuntimeSource::Path(path.replace('\\', "/")))
                } else {
                    Err(format!(
                        "runtime path `{path}` must be relative to the output directory, so that the output can move"
                    ))
                }
            }
            ("git", Some(spec)) => {
                let (url, rev) = match spec.split_once('#') {
                    Some((url, rev)) if !rev.is_empty() => (url, Some(rev.to_owned())),
                    Some((url, _)) => (url, None),
                    None => (spec, None),
                };
                Ok(RuntimeSource::Git {
                    url: url.to_owned(),
                    rev,
                })
            }
            ("version", Some(req)) => Ok(RuntimeSource::Version(req.to_owned())),
            _ => Err(format!(
                "unknown runtime `{text}`: expected `vendor`, `path=REL`, `git=URL[#REV]` or `version=REQ`"
            )),
        }
    }

    /// The dependency's source keys for a crate one directory below the
    /// output directory (`path = "../…"`, `git = "…"`, `version = "…"`).
    pub fn manifest_keys(&self) -> String {
        match self {
            RuntimeSource::Vendor => format!(
                "path = {}",
                toml_string(&format!("../{VENDORED_RUNTIME_DIR}"))
            ),
            RuntimeSource::Path(path) => {
                let path = path.trim_end_matches('/');
                format!("path = {}", toml_string(&format!("../{path}")))
            }
            RuntimeSource::Git {
                url,
                rev: Some(rev),
            } => {
                format!("git = {}, rev = {}", toml_string(url), toml_string(rev))
            }
            RuntimeSource::Git { url, rev: None } => format!("git = {}", toml_string(url)),
            RuntimeSource::Version(req) => format!("version = {}", toml_string(req)),
        }
    }
}

/// A TOML basic string.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lints of the standalone workspace, which every generated member (and the
/// vendored runtime) inherits: the same as this repository's
/// `[workspace.lints]`, so generated code is held to one standard.
pub const WORKSPACE_LINTS: &str = "[workspace.lints.rust]
unsafe_code = \"forbid\"
missing_debug_implementations = \"warn\"

[workspace.lints.clippy]
dbg_macro = \"warn\"
todo = \"warn\"
unimplemented = \"warn\"
";

/// The root `Cargo.toml` of the output workspace.
pub fn workspace_manifest<'a>(files: impl IntoIterator<Item = &'a GeneratedFile>) -> GeneratedFile {
    let mut members: Vec<String> = files
        .into_iter()
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml"))
        .filter(|d| !d.contains('/'))
        .map(|d| format!("    {},", toml_string(d)))
        .collect();
    members.sort();
    members.dedup();
    GeneratedFile {
        path: "Cargo.toml".to_owned(),
        contents: format!(
            "# @generated by `cargo xtask generate`. DO NOT EDIT.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n\n{WORKSPACE_LINTS}",
            members.join("\n")
        ),
    }
}

/// The runtime crate's sources (`root/crates/apigen-runtime`) as files of
/// the output workspace, each marked as a generated copy, with a manifest
/// that inherits nothing from this repository's workspace.
pub fn vendored_runtime(root: &Path) -> Result<Vec<GeneratedFile>, String> {
    let crate_dir = root.join("crates").join("apigen-runtime");
    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let workspace = read(&root.join("Cargo.toml"))?;
    let manifest = read(&crate_dir.join("Cargo.toml"))?;
    let version = section_entries(&workspace, "workspace.package")
        .get("version")
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default();
    let mut files = vec![GeneratedFile {
        path: format!("{VENDORED_RUNTIME_DIR}/Cargo.toml"),
        contents: standalone_runtime_manifest(&workspace, &manifest, &version)?,
    }];
    let mut pending = vec![crate_dir.join("src")];
    while let Some(dir) = pending.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(&crate_dir) else {
                continue;
            };
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if !relative.ends_with(".rs") {
                continue;
            }
            files.push(GeneratedFile {
                path: format!("{VENDORED_RUNTIME_DIR}/{relative}"),
                contents: format!(
                    "// @generated by `cargo xtask generate`: a copy of apigen-runtime {version} ({relative}). DO NOT EDIT.\n{}",
                    read(&path)?
                ),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// `key = value` lines of one `[section]` of a manifest (our own files,
/// whose values fit on one line).
fn section_entries(manifest: &str, section: &str) -> BTreeMap<String, String> {
    section_lines(manifest, section)
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn section_lines<'m>(manifest: &'m str, section: &str) -> impl Iterator<Item = &'m str> {
    let header = format!("[{section}]");
    manifest
        .lines()
        .skip_while(move |l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// The runtime's manifest with everything it inherits from this
/// repository's workspace written out, and without its tests (which are
/// not copied).
fn standalone_runtime_manifest(
    workspace: &str,
    manifest: &str,
    version: &str,
) -> Result<String, String> {
    let package = section_entries(workspace, "workspace.package");
    let shared = section_entries(workspace, "workspace.dependencies");
    let mut out = format!(
        "# @generated by `cargo xtask generate`: a copy of apigen-runtime {version}'s manifest, standalone. DO NOT EDIT.\n"
    );
    let mut section = String::new();
    let mut in_continuation = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && !in_continuation {
            section = trimmed.to_owned();
            if keep_section(&section) {
                out.push('\n');
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if !keep_section(&section) || trimmed.is_empty() {
            continue;
        }
        // Multi-line arrays (the feature lists) are copied as they are.
        if in_continuation || trimmed.starts_with('#') {
            in_continuation = in_continuation && !trimmed.starts_with(']');
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if trimmed.ends_with('[') {
            in_continuation = true;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let line = match section.as_str() {
            "[package]" => match trimmed.split_once(".workspace = true") {
                Some((key, "")) => {
                    let value = package
                        .get(key)
                        .ok_or_else(|| format!("`{key}` is not in [workspace.package]"))?;
                    format!("{key} = {value}")
                }
                _ => line.to_owned(),
            },
            "[dependencies]" => standalone_dependency(trimmed, &shared)?,
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn keep_section(section: &str) -> bool {
    !matches!(
        section,
        "[dev-dependencies]" | "[[test]]" | "[[bench]]" | "[[example]]"
    )
}

/// `name.workspace = true` or `name = { workspace = true, … }` with the
/// workspace's specification of `name` merged in.
fn standalone_dependency(line: &str, shared: &BTreeMap<String, String>) -> Result<String, String> {
    let (name, own) = if let Some(name) = line.strip_suffix(".workspace = true") {
        (name.trim(), Vec::new())
    } else {
        let Some((name, table)) = line.split_once('=') else {
            return Ok(line.to_owned());
        };
        let table = table.trim();
        let Some(inner) = table.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
            return Ok(line.to_owned());
        };
        if !inner.contains("workspace = true") {
            return Ok(line.to_owned());
        }
        let own: Vec<String> = split_table(inner)
            .into_iter()
            .filter(|kv| kv.replace(' ', "") != "workspace=true")
            .collect();
        (name.trim(), own)
    };
    let spec = shared
        .get(name)
        .ok_or_else(|| format!("`{name}` is not in [workspace.dependencies]"))?;
    let mut keys: Vec<String> = match spec.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) => split_table(inner),
        None => vec![format!("version = {spec}")],
    };
    for kv in own {
        // Features add to the workspace's; other keys are new.
        match (
            kv.split_once('='),
            keys.iter_mut().find(|k| k.starts_with("features")),
        ) {
            (Some((key, extra)), Some(existing)) if key.trim() == "features" => {
                let extra = extra.trim().trim_start_matches('[').trim_end_matches(']');
                let base = existing.trim_end().trim_end_matches(']').to_owned();
                *existing = format!("{base}, {extra}]");
            }
            _ => keys.push(kv),
        }
    }
    Ok(format!("{name} = {{ {} }}", keys.join(", ")))
}

/// The `key = value` pairs of an inline table's inside, split at the commas
/// that are not inside brackets or strings.
fn split_table(inner: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '"' => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            ',' if !in_string && depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts.retain(|p| !p.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    #[test]
    fn runtime_sources_parse() {
        assert_eq!(RuntimeSource::parse("vendor"), Ok(RuntimeSource::Vendor));
        assert_eq!(
            RuntimeSource::parse("path=../rt").map(|r| r.manifest_keys()),
            Ok("path = \"../../rt\"".to_owned())
        );
        assert!(RuntimeSource::parse("path=/abs/rt").is_err());
        assert_eq!(
            RuntimeSource::parse("git=https://example.com/apigen.git#v1")
                .map(|r| r.manifest_keys()),
            Ok("git = \"https://example.com/apigen.git\", rev = \"v1\"".to_owned())
        );
        assert_eq!(
            RuntimeSource::parse("version=0.1").map(|r| r.manifest_keys()),
            Ok("version = \"0.1\"".to_owned())
        );
        assert!(RuntimeSource::parse("registry").is_err());
        assert!(RuntimeSource::parse("version=").is_err());
    }

    /// Generated workspaces carry this repository's lints, not a stale copy.
    #[test]
    fn lints_match_the_workspace() {
        let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
        for section in ["workspace.lints.rust", "workspace.lints.clippy"] {
            assert_eq!(
                section_entries(&manifest, section),
                section_entries(WORKSPACE_LINTS, section),
                "[{section}]"
            );
        }
    }

    #[test]
    fn vendored_manifest_inherits_nothing() {
        let files = vendored_runtime(root()).unwrap();
        let manifest = &files[0].contents;
        assert!(!manifest.contains("{ workspace = true"), "{manifest}");
        assert!(!manifest.contains(".workspace"), "{manifest}");
        assert!(manifest.contains("reqwest = { version = "), "{manifest}");
        assert!(manifest.contains("optional = true"), "{manifest}");
        assert!(!manifest.contains("wiremock"), "{manifest}");
        assert!(files.iter().any(|f| f.path == "apigen-runtime/src/lib.rs"));
        assert!(
            files.iter().all(|f| f.contents.starts_with("// @generated")
                || f.contents.starts_with("# @generated"))
        );
    }
}
