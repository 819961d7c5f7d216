//! SemVer verdicts for the generated crates, and where their versions live.
//!
//! A crate's version lives where Cargo reads it: in its generated
//! `Cargo.toml`. In this workspace the manifests say
//! `version.workspace = true` until a crate's version is bumped; from then on
//! they carry their own `version = "x.y.z"`, and `cargo xtask generate` keeps
//! the version it finds on disk (the emitters know nothing about versions).
//! `cargo xtask generate --bump-versions` computes the bump from the spec at
//! `HEAD` to the working tree and applies it to the version the manifest has
//! at `HEAD`, so running it twice bumps once.

use serde::Serialize;

use super::classify::{Level, Scope};
use super::{ApiDiff, Change};

/// A version bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn label(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// A `major.minor.patch` version (pre-release and build suffixes dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = Version(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(v)
    }

    /// The bump that a change of the given Rust level needs.
    /// 0.x: breaking → minor, anything else → patch; ≥ 1.0: major / minor /
    /// patch.
    pub fn bump_for(self, level: Option<Level>) -> Bump {
        let Some(level) = level else {
            return Bump::None;
        };
        match (self.0, level) {
            (0, Level::Breaking) => Bump::Minor,
            (0, _) => Bump::Patch,
            (_, Level::Breaking) => Bump::Major,
            (_, Level::Additive) => Bump::Minor,
            (_, _) => Bump::Patch,
        }
    }

    pub fn bumped(self, bump: Bump) -> Version {
        let Version(major, minor, patch) = self;
        match bump {
            Bump::None => self,
            Bump::Patch => Version(major, minor, patch + 1),
            Bump::Minor => Version(major, minor + 1, 0),
            Bump::Major => Version(major + 1, 0, 0),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The verdict for one generated crate.
#[derive(Debug, Clone, Serialize)]
pub struct CrateVerdict {
    pub name: String,
    /// The highest Rust level among the changes that touch it (`None`: no
    /// change at all).
    pub level: Option<Level>,
    pub bump: Bump,
    pub current: String,
    pub next: String,
}

/// The crates of an API: models first, then the async and blocking clients.
pub fn crate_names(prefix: &str) -> [String; 3] {
    [
        format!("{prefix}-models"),
        format!("{prefix}-client"),
        format!("{prefix}-blocking"),
    ]
}

/// Verdicts for the three crates of `prefix`, given their current versions.
pub fn verdicts(
    prefix: &str,
    changes: &[Change],
    current: &dyn Fn(&str) -> String,
) -> Vec<CrateVerdict> {
    crate_names(prefix)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let models = i == 0;
            let level = changes
                .iter()
                .filter(|c| !models || c.scope == Scope::All)
                .map(|c| c.rust)
                .max();
            let current = current(&name);
            let (bump, next) = match Version::parse(&current) {
                Some(v) => {
                    let bump = v.bump_for(level);
                    (bump, v.bumped(bump).to_string())
                }
                None => (Bump::None, current.clone()),
            };
            CrateVerdict {
                name,
                level,
                bump,
                current,
                next,
            }
        })
        .collect()
}

/// The version line of a manifest's `[package]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestVersion {
    Explicit(String),
    Inherited,
}

/// Reads `version = "…"` or `version.workspace = true` from `[package]`.
pub fn manifest_version(manifest: &str) -> Option<ManifestVersion> {
    find_version(manifest, "[package]", |rest| {
        if rest.starts_with(".workspace") {
            return Some(ManifestVersion::Inherited);
        }
        rest.strip_prefix('=')
            .map(|value| ManifestVersion::Explicit(value.trim().trim_matches('"').to_owned()))
    })
}

/// The `[workspace.package]` version of a workspace manifest.
pub fn workspace_version(manifest: &str) -> Option<String> {
    find_version(manifest, "[workspace.package]", |rest| {
        rest.strip_prefix('=')
            .map(|value| value.trim().trim_matches('"').to_owned())
    })
}

/// The first line of the table `header` that starts with `version` and that
/// `read` accepts, read by `read` from what follows `version`.
fn find_version<T>(manifest: &str, header: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line == header;
            continue;
        }
        if in_table
            && let Some(rest) = line.strip_prefix("version")
            && let Some(found) = read(rest.trim_start())
        {
            return Some(found);
        }
    }
    None
}

/// The manifest with its `[package]` version set to `version`
/// (`version.workspace = true` is replaced).
pub fn set_manifest_version(manifest: &str, version: &str) -> String {
    let mut in_package = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_package = trimmed == "[package]";
        }
        let is_version = in_package
            && trimmed
                .strip_prefix("version")
                .is_some_and(|r| r.trim_start().starts_with(['=', '.']));
        if is_version {
            out.push_str(&format!("version = \"{version}\"\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Resolves a manifest's version, inherited ones from `workspace`.
pub fn resolve(manifest: &str, workspace: Option<&str>) -> Option<String> {
    match manifest_version(manifest)? {
        ManifestVersion::Explicit(v) => Some(v),
        ManifestVersion::Inherited => workspace.map(str::to_owned),
    }
}

/// Sets the version of a freshly generated manifest: the one on disk is
/// kept (generation never resets a bumped version), or `target` when a bump
/// applies. A version equal to the workspace's stays inherited.
pub fn versioned_manifest(
    generated: &str,
    on_disk: Option<&str>,
    target: Option<&str>,
    workspace: Option<&str>,
) -> String {
    let wanted = target.map(str::to_owned).or_else(|| {
        on_disk.and_then(|m| match manifest_version(m)? {
            ManifestVersion::Explicit(v) => Some(v),
            ManifestVersion::Inherited => None,
        })
    });
    let Some(wanted) = wanted else {
        return generated.to_owned();
    };
    match manifest_version(generated) {
        Some(ManifestVersion::Inherited) if workspace == Some(wanted.as_str()) => {
            generated.to_owned()
        }
        Some(ManifestVersion::Explicit(v)) if v == wanted => generated.to_owned(),
        Some(_) => set_manifest_version(generated, &wanted),
        None => generated.to_owned(),
    }
}

/// The version of the workspace at `root` (what `version.workspace = true`
/// means there).
pub fn workspace_version_at(root: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|m| workspace_version(&m))
}

/// Gives each generated crate manifest in `files` (to be written under
/// `out_dir`) its version: `targets` (crate name, version) where a bump
/// applies, else the version already on disk. Every writer of generated
/// crates calls this, so regenerating never undoes a bump.
pub fn apply_manifest_versions<'a>(
    out_dir: &std::path::Path,
    files: impl IntoIterator<Item = &'a mut crate::codegen::GeneratedFile>,
    targets: &[(String, String)],
    workspace: Option<&str>,
) {
    for file in files {
        let Some(name) = file.path.strip_suffix("/Cargo.toml") else {
            continue;
        };
        if name.contains('/') {
            continue;
        }
        let on_disk = std::fs::read_to_string(out_dir.join(&file.path)).ok();
        let target = targets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        file.contents = versioned_manifest(&file.contents, on_disk.as_deref(), target, workspace);
    }
}

/// One line about an API's change, for `cargo xtask generate`.
pub fn one_line(diff: &ApiDiff) -> String {
    if diff.changes.is_empty() {
        return format!("{}: no API change vs {}", diff.api, diff.base);
    }
    if diff.changes.iter().any(|c| c.kind == "api-added") {
        return format!("{}: new API (not in {})", diff.api, diff.base);
    }
    let count = |f: &dyn Fn(&Change) -> bool| diff.changes.iter().filter(|c| f(c)).count();
    let wire_breaking = count(&|c| c.wire == Level::Breaking);
    let rust_breaking = count(&|c| c.rust == Level::Breaking);
    let additive = count(&|c| c.wire == Level::Additive || c.rust == Level::Additive);
    let bumps: Vec<String> = diff
        .crates
        .iter()
        .map(|c| {
            if c.bump == Bump::None {
                format!("{} unchanged", c.name)
            } else {
                format!("{} {} → {} ({})", c.name, c.current, c.next, c.bump.label())
            }
        })
        .collect();
    let n = diff.changes.len();
    format!(
        "{}: {n} API change{} vs {} ({wire_breaking} breaking on the wire, {rust_breaking} breaking for Rust, {additive} additive); {}",
        diff.api,
        if n == 1 { "" } else { "s" },
        diff.base,
        bumps.join(", ")
    )
}
