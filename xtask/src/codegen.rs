//! `cargo xtask generate`: spec → IR → Rust crates, written only on change.
//!
//! The pipeline is `load` (text → `openapiv3`), `lower` (→ `ir::Api`) and
//! `emit` (→ files). [`render`] is pure; [`write_outputs`] is the only code
//! that touches the output directory, and it runs only after every spec has
//! rendered, so a bad spec leaves `crates/` untouched.

pub mod diagnostics;
pub mod emit;
pub mod graph;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod select;
pub mod standalone;
pub mod surface;
pub mod threads;
pub mod timings;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use diagnostics::{Diagnostic, Pointer};
pub use emit::{GeneratedFile, ManifestMode};

/// Everything generated from one spec.
#[derive(Debug)]
pub struct Rendered {
    pub spec: PathBuf,
    pub api: ir::Api,
    pub files: Vec<GeneratedFile>,
    /// What `--only` / `--exclude` kept, when they were given.
    pub selection: Option<select::Report>,
}

/// Loads, lowers and renders one spec. Touches no disk except to read it.
///
/// Output is formatted by prettyplease alone, so it is a function of the spec
/// and the generator (whose dependencies `Cargo.lock` pins), never of the
/// local toolchain; each generated crate carries a `rustfmt.toml` that keeps
/// `cargo fmt` away from it.
pub fn render(
    spec: &Path,
    source_label: &str,
    mode: &ManifestMode,
) -> Result<Rendered, Diagnostic> {
    let text = std::fs::read_to_string(spec).map_err(|e| {
        Diagnostic::new(spec, Pointer::root(), format!("cannot read the spec: {e}"))
    })?;
    render_text(spec, &text, source_label, mode)
}

/// Stack of the threads that load, lower and emit. The walks over spec data
/// are bounded (the parsers' depth limits, the lowering's nesting bound),
/// not iterative; this stack holds those bounds even with debug-build
/// frames, whichever thread calls (test threads have 2 MiB). Only the pages
/// touched are ever committed.
pub const PIPELINE_STACK: usize = 256 << 20;

/// [`render`] for spec text already in memory; `spec` names it in messages
/// and its extension picks the syntax (`.json` or YAML).
pub fn render_text(
    spec: &Path,
    text: &str,
    source_label: &str,
    mode: &ManifestMode,
) -> Result<Rendered, Diagnostic> {
    render_selected(
        spec,
        text,
        source_label,
        mode,
        &select::Selection::default(),
    )
}

/// [`render_text`] of the operations `selection` picks (and the components
/// they reach).
pub fn render_selected(
    spec: &Path,
    text: &str,
    source_label: &str,
    mode: &ManifestMode,
    selection: &select::Selection,
) -> Result<Rendered, Diagnostic> {
    threads::elsewhere(|| render_here(spec, text, source_label, mode, selection))
}

fn render_here(
    spec: &Path,
    text: &str,
    source_label: &str,
    mode: &ManifestMode,
    selection: &select::Selection,
) -> Result<Rendered, Diagnostic> {
    let mut phases = timings::Phases::start("render");
    let mut loaded = load::parse(spec, text)?;
    let report = if selection.is_empty() {
        None
    } else {
        let report = selection
            .apply(&mut loaded.openapi)
            .map_err(|message| Diagnostic::new(spec, Pointer::root(), message))?;
        Some(report)
    };
    phases.end("load");
    let default_crate = default_crate_name(spec);
    let settings = lower::Settings {
        default_crate,
        source_label: source_label.to_owned(),
    };
    let api = loaded.lowered(lower::lower_unchecked(spec, &loaded.openapi, &settings))?;
    phases.end("lower");
    // While this core plans the files, the other frees the parsed document
    // (no longer needed) and checks the names: a tenth of a second each on
    // Microsoft Graph. A collision still wins over anything emission says.
    let mut checked = Ok(());
    let mut files = Ok(Vec::new());
    threads::both(
        || {
            drop(loaded);
            checked = lower::check_names(spec, &api);
        },
        || files = emit::render(&api, mode),
    );
    checked?;
    let files = files.map_err(|message| Diagnostic::new(spec, Pointer::root(), message))?;
    phases.end("emit");
    phases.report();
    Ok(Rendered {
        spec: spec.to_owned(),
        api,
        files,
        selection: report,
    })
}

/// Every spec rendered: the files to write for all of them.
#[derive(Debug)]
pub struct Plan {
    pub rendered: Vec<Rendered>,
}

impl Plan {
    /// The files of every spec, in order.
    pub fn files(&self) -> impl Iterator<Item = &GeneratedFile> {
        self.rendered.iter().flat_map(|r| &r.files)
    }

    /// [`Plan::files`], to edit in place (crate versions).
    pub fn files_mut(&mut self) -> impl Iterator<Item = &mut GeneratedFile> {
        self.rendered.iter_mut().flat_map(|r| &mut r.files)
    }
}

/// Renders `specs` into one set of files: nothing is written, so any error
/// leaves the output untouched. Headers name each spec relative to `root`
/// when it is inside, else by its file name alone: never by a path of the
/// generating machine.
pub fn plan(specs: &[PathBuf], root: &Path, mode: &ManifestMode) -> Result<Plan, String> {
    plan_selected(specs, root, mode, &select::Selection::default())
}

/// [`plan`] restricted to the operations `selection` picks in each spec.
pub fn plan_selected(
    specs: &[PathBuf],
    root: &Path,
    mode: &ManifestMode,
    selection: &select::Selection,
) -> Result<Plan, String> {
    let mut rendered = Vec::new();
    for spec in specs {
        let label = source_label(spec, root);
        let text = fs::read_to_string(spec).map_err(|e| {
            Diagnostic::new(spec, Pointer::root(), format!("cannot read the spec: {e}")).to_string()
        })?;
        rendered.push(
            render_selected(spec, &text, &label, mode, selection).map_err(|d| d.to_string())?,
        );
    }
    check_unique_crates(&rendered).map_err(|d| d.to_string())?;
    Ok(Plan { rendered })
}

/// How generated headers name `spec`: relative to `root` (with `/`) when
/// inside it, else by file name.
pub fn source_label(spec: &Path, root: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    match absolute(spec).strip_prefix(absolute(root)) {
        Ok(inside) => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spec".to_owned()),
    }
}

/// A crate name from the spec's file name: lowercase letters, digits and
/// single dashes, not starting with a digit.
pub fn default_crate_name(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    match name.chars().next() {
        None => "api".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("api-{name}"),
        Some(_) => name.to_owned(),
    }
}

/// Whether a file on disk was written by this generator.
fn is_generated(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .next()
            .is_some_and(|l| l.contains("@generated by `cargo xtask generate`"))
    })
}

/// Whether [`write_outputs`] writes, or only compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Write changed files and remove stale generated ones.
    Write,
    /// Write nothing; report what writing would change, with diffs.
    Check,
}

/// What [`write_outputs`] did (or, in check mode, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How many files were written (check mode: are out of date), by
    /// crate: the first directory of their path relative to the output
    /// dir. (The summaries ask per crate; a set of every path written took
    /// a hundredth of a second to fill and as much to query on big specs.)
    pub written: BTreeMap<String, usize>,
    /// Generated files removed (check mode: to remove), relative.
    pub removed: BTreeSet<String>,
    /// Check mode: a unified diff per stale file.
    pub diffs: Vec<String>,
}

impl Outcome {
    /// How many files were written (check mode: are out of date) in all.
    pub fn written_files(&self) -> usize {
        self.written.values().sum()
    }
}

/// The crate a file belongs to: the first directory of its relative path.
fn crate_of(path: &str) -> &str {
    path.split_once('/').map_or(path, |(name, _)| name)
}

/// The crates `files` belong to.
pub fn crates_of<'a>(files: impl IntoIterator<Item = &'a GeneratedFile>) -> BTreeSet<&'a str> {
    let mut crates = BTreeSet::new();
    let mut last = None;
    for file in files {
        let name = crate_of(&file.path);
        // Files come sorted, so a crate's files are neighbours.
        if last != Some(name) {
            crates.insert(name);
            last = Some(name);
        }
    }
    crates
}

/// Files of generated crates under `out_dir` that `files` no longer contains.
fn stale_files(
    out_dir: &Path,
    files: &[&GeneratedFile],
    crate_dirs: &BTreeSet<String>,
    fresh: &HashSet<&str>,
) -> Vec<PathBuf> {
    // Relative paths, compared as text: tens of thousands of files on big
    // specs, and `Path`'s component-wise comparison showed in profiles.
    // Made at the first crate that was there before: a fresh output has none.
    let mut wanted: Option<HashSet<&str>> = None;
    let mut stale = Vec::new();
    let Ok(entries) = fs::read_dir(out_dir) else {
        return stale;
    };
    let mut crates: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    for name in crates {
        // Only crates this generator owns: ones it renders now, or whose
        // manifest carries its header (a crate whose spec was removed).
        if !crate_dirs.contains(&name) && !is_generated(&out_dir.join(&name).join("Cargo.toml")) {
            continue;
        }
        if fresh.contains(name.as_str()) {
            continue;
        }
        let wanted = wanted.get_or_insert_with(|| files.iter().map(|f| f.path.as_str()).collect());
        let mut pending = vec![name];
        while let Some(current) = pending.pop() {
            let Ok(entries) = fs::read_dir(out_dir.join(&current)) else {
                continue;
            };
            for entry in entries.flatten() {
                let relative = format!("{current}/{}", entry.file_name().to_string_lossy());
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    pending.push(relative);
                } else if !wanted.contains(relative.as_str()) {
                    let path = out_dir.join(&relative);
                    if is_generated(&path) {
                        stale.push(path);
                    }
                }
            }
        }
    }
    stale.sort();
    stale
}

/// The directory of a generated file's relative path (`""` at the top).
fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Makes `out_dir` hold exactly `files` (for the generated crates): writes
/// changed files, removes stale generated ones. In check mode it writes
/// nothing and returns the differences instead.
pub fn write_outputs<'a>(
    out_dir: &Path,
    files: impl IntoIterator<Item = &'a GeneratedFile>,
    mode: WriteMode,
) -> std::io::Result<Outcome> {
    let files: Vec<&GeneratedFile> = files.into_iter().collect();
    let check = mode == WriteMode::Check;
    let mut outcome = Outcome::default();
    let crate_dirs: BTreeSet<String> = crates_of(files.iter().copied())
        .into_iter()
        .map(str::to_owned)
        .collect();
    // Big specs have tens of thousands of files: two threads write them,
    // each taking a directory's files at a time, since files of one
    // directory created from both threads at once wait on its lock (in
    // runs of 64 neighbours, 0.03 s of spinning on Microsoft Graph).
    let runs: Vec<&[&GeneratedFile]> = files
        .chunk_by(|a, b| parent_dir(&a.path) == parent_dir(&b.path))
        .collect();
    // Directories this run creates: nothing in them to compare or prune.
    // (Compared as text: `Path` compares component by component, which
    // tens of thousands of files made show.)
    let mut fresh: HashSet<&str> = HashSet::new();
    if !check {
        let dirs: BTreeSet<&str> = runs.iter().map(|run| parent_dir(&run[0].path)).collect();
        // Parents sort before their children.
        for dir in dirs {
            let path = out_dir.join(dir);
            if !path.exists() {
                fs::create_dir_all(&path)?;
                fresh.insert(dir);
            }
        }
    }
    let changes = threads::parallel_map(&runs, |run| {
        let new = fresh.contains(parent_dir(&run[0].path));
        run.iter()
            .map(|file| sync_file(out_dir, file, mode, new))
            .collect::<Result<Vec<_>, String>>()
    })
    .map_err(std::io::Error::other)?;
    for (run, changes) in runs.iter().zip(changes) {
        let mut written = 0;
        for change in changes {
            match change {
                Synced::Unchanged => continue,
                Synced::Written => {}
                Synced::Stale(diff) => outcome.diffs.push(diff),
            }
            written += 1;
        }
        if written > 0 {
            *outcome
                .written
                .entry(crate_of(&run[0].path).to_owned())
                .or_default() += written;
        }
    }
    for path in stale_files(out_dir, &files, &crate_dirs, &fresh) {
        let shown = path
            .strip_prefix(out_dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        outcome.removed.insert(shown.clone());
        if check {
            let old = fs::read_to_string(&path).unwrap_or_default();
            outcome.diffs.push(unified_diff(&shown, &old, ""));
        } else {
            fs::remove_file(&path)?;
        }
    }
    if !check {
        remove_empty_dirs(out_dir, &crate_dirs);
    }
    Ok(outcome)
}

fn remove_empty_dirs(out_dir: &Path, crate_dirs: &BTreeSet<String>) {
    fn prune(dir: &Path) -> bool {
        let Ok(entries) = fs::read_dir(dir) else {
            return false;
        };
        let mut empty = true;
        for entry in entries.flatten() {
            let path = entry.path();
            empty &= path.is_dir() && prune(&path);
        }
        empty && fs::remove_dir(dir).is_ok()
    }
    let Ok(entries) = fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !crate_dirs.contains(&name) && entry.path().is_dir() && is_generated_tree(&entry.path())
        {
            prune(&entry.path());
        }
    }
}

/// A directory holding nothing but (empty) directories: what pruning a
/// removed crate leaves behind.
fn is_generated_tree(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .all(|e| e.path().is_dir() && is_generated_tree(&e.path()))
    })
}

/// What [`sync_file`] found.
enum Synced {
    Unchanged,
    Written,
    /// Check mode: the file differs; its diff.
    Stale(String),
}

/// Makes the file on disk under `out_dir` hold `file`'s contents; in check
/// mode, only compares. `new`: its directory was just created.
fn sync_file(
    out_dir: &Path,
    file: &GeneratedFile,
    mode: WriteMode,
    new: bool,
) -> Result<Synced, String> {
    let path = out_dir.join(&file.path);
    let current = if new {
        None
    } else {
        fs::read_to_string(&path).ok()
    };
    if current.as_deref() == Some(file.contents.as_str()) {
        return Ok(Synced::Unchanged);
    }
    if mode == WriteMode::Check {
        let old = current.as_deref().unwrap_or("");
        return Ok(Synced::Stale(unified_diff(&file.path, old, &file.contents)));
    }
    match current {
        Some(_) => write_atomically(&path, &file.contents),
        None => write_new(&path, &file.contents),
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Synced::Written)
}

/// Creates a file that did not exist. A crash can leave it half-written,
/// but then it replaced nothing, and the next run writes it whole.
fn write_new(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => file.write_all(contents.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => write_atomically(path, contents),
        Err(e) => Err(e),
    }
}

/// Replaces a file through a temporary file and a rename, so a crash never
/// leaves a source file half-written.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("apigen-tmp");
    fs::write(&tmp, contents)?;
    fs::rename(&tmp, path)
}

fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// One line per spec for the terminal.
pub fn summary(rendered: &Rendered, outcome: &Outcome, mode: WriteMode) -> String {
    let check = mode == WriteMode::Check;
    let api = &rendered.api;
    let crates = crates_of(&rendered.files);
    let written: usize = crates.iter().filter_map(|c| outcome.written.get(*c)).sum();
    let removed = outcome
        .removed
        .iter()
        .filter(|p| crates.contains(crate_of(p)))
        .count();
    let mut line = format!(
        "{}: {} operations, {} types; files: {written} {}, {} unchanged, {removed} {}",
        api.source,
        api.operations.len(),
        api.types.len(),
        if check { "stale" } else { "written" },
        rendered.files.len() - written,
        if check { "to remove" } else { "removed" },
    );
    if !api.warnings.is_empty() {
        let _ = write!(line, "; {} warnings", api.warnings.len());
    }
    if !api.skipped.is_empty() {
        let _ = write!(line, "; {} operations skipped", api.skipped.len());
    }
    line
}

/// The specs under `spec_dir`, sorted.
pub fn find_specs(spec_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut specs: Vec<PathBuf> = fs::read_dir(spec_dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .collect();
    specs.sort();
    Ok(specs)
}

/// Checks that no two specs produce the same crate.
pub fn check_unique_crates(rendered: &[Rendered]) -> Result<(), Diagnostic> {
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for r in rendered {
        if let Some(other) = seen.insert(&r.api.crate_prefix, &r.spec) {
            return Err(Diagnostic::new(
                &r.spec,
                Pointer::root().join("x-apigen").join("crate"),
                format!(
                    "crate name `{}` is also used by {}",
                    r.api.crate_prefix,
                    other.display()
                ),
            ));
        }
    }
    Ok(())
}
