//! Where the two versions come from: files, or a git revision.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen::{self, ir::Api, load, lower};

/// Lowers spec text with the generator's own pipeline (no emitting).
/// `spec` picks the syntax (by extension) and the default crate name.
pub fn lower_text(spec: &Path, text: &str, label: &str) -> Result<Api, String> {
    let loaded = load::parse(spec, text).map_err(|d| d.to_string())?;
    let settings = lower::Settings {
        default_crate: codegen::default_crate_name(spec),
        source_label: label.to_owned(),
    };
    lower::lower(spec, &loaded.openapi, &settings).map_err(|d| d.to_string())
}

/// Reads and lowers a spec file.
pub fn lower_file(spec: &Path) -> Result<Api, String> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| format!("{}: cannot read the spec: {e}", spec.display()))?;
    lower_text(spec, &text, &spec.display().to_string())
}

/// Lowers two spec files side by side (one thread each: the machines
/// this runs on have two cores, and a huge spec takes a second to lower).
pub fn lower_pair(old: &Path, new: &Path) -> Result<(Api, Api), String> {
    std::thread::scope(|scope| {
        let old = scope.spawn(|| lower_file(old));
        let new = lower_file(new);
        let old = old
            .join()
            .unwrap_or_else(|_| Err("lowering the old spec panicked".to_owned()));
        Ok((old?, new?))
    })
}

/// [`lower_text`] for an old version in memory and a new one on disk, side
/// by side.
pub fn lower_text_and_file(
    spec: &Path,
    old_text: &str,
    old_label: &str,
    new: &Path,
) -> Result<(Api, Api), String> {
    std::thread::scope(|scope| {
        let old = scope.spawn(|| lower_text(spec, old_text, old_label));
        let new = lower_file(new);
        let old = old
            .join()
            .unwrap_or_else(|_| Err("lowering the old spec panicked".to_owned()));
        Ok((old?, new?))
    })
}

/// The text of `file` at git revision `rev`, read with `git show` in the
/// file's directory. `Ok(None)`: the file does not exist at that revision.
/// `Err`: not a git checkout, or no such revision.
pub fn git_show(rev: &str, file: &Path) -> Result<Option<String>, String> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let verify = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !verify.status.success() {
        return Err(format!(
            "`{rev}` is not a git revision of {} (and not a file)",
            dir.display()
        ));
    }
    let shown = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .arg("show")
        .arg(format!("{rev}:./{name}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if shown.status.success() {
        String::from_utf8(shown.stdout)
            .map(Some)
            .map_err(|_| format!("{name} at {rev} is not UTF-8"))
    } else {
        Ok(None)
    }
}

/// The spec files (`.yaml`, `.yml`, `.json`) in `spec_dir` at `rev`.
pub fn git_specs(rev: &str, spec_dir: &Path) -> Result<Vec<String>, String> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(spec_dir)
        .args(["ls-tree", "--name-only", rev, "./"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !listed.status.success() {
        return Err(format!(
            "cannot list {} at `{rev}`: {}",
            spec_dir.display(),
            String::from_utf8_lossy(&listed.stderr).trim()
        ));
    }
    let mut names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| l.rsplit('/').next().unwrap_or(l).to_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
        .collect();
    names.sort();
    Ok(names)
}
