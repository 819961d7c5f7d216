//! Workspace automation: `cargo xtask <command>`; `cargo xtask help` lists
//! the commands and `cargo xtask <command> --help` their options.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use xtask::codegen::emit::shards::ModelsSplit;
use xtask::codegen::select::{Pattern, Selection};
use xtask::codegen::standalone::{self, RuntimeSource};
use xtask::codegen::{self, ManifestMode, Rendered, WriteMode};
use xtask::diff::{self, ApiDiff, classify::Level, semver, source};

mod corpus;

// The generator allocates and frees millions of small token and syntax-tree
// nodes; glibc's allocator was about 30% of its time on big specs. The
// `no_thp` feature keeps mimalloc from asking for transparent huge pages:
// first touching them (zeroing 2 MiB at a time) was a fifth of the time on
// the full Cloudflare spec, and peak memory is 20% lower without them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the SDK crates of every spec in spec/ into crates/, or of one
    /// spec into a directory of your choice.
    Generate(GenerateArgs),
    /// Compare two versions of the specs at the IR level: every change
    /// classified on the wire and for the Rust API, with a SemVer verdict
    /// for each generated crate.
    Diff(DiffArgs),
    /// Generate, check and lint public specs nobody here wrote (npm's
    /// APIs.guru collection, GitHub, Cloudflare), with a report.
    Corpus(corpus::CorpusArgs),
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The old version: a spec file, or a git revision whose spec/ (or whose
    /// copy of --spec) is compared.
    #[arg(long, value_name = "REV|FILE", default_value = "HEAD")]
    base: String,
    /// The new version: this spec file instead of spec/* in the working tree.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with an error when a change is breaking (on the wire or for
    /// Rust, or only on the side named).
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<Deny>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A summary for the terminal.
    Text,
    /// Markdown for a pull request description.
    Markdown,
    /// JSON (the list of API diffs).
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Deny {
    /// Any breaking change, on the wire or for Rust.
    Breaking,
    /// Changes that break old clients on the wire.
    WireBreaking,
    /// Changes that break Rust code built against the old crates.
    RustBreaking,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Write nothing; fail with a diff if the output is stale.
    #[arg(long)]
    check: bool,
    /// Generate from this spec (OpenAPI YAML or JSON) instead of spec/*.
    #[arg(long, value_name = "FILE", requires = "out")]
    spec: Option<PathBuf>,
    /// Write the crates into DIR, with a Cargo workspace of their own so
    /// that `cargo check` works there.
    #[arg(long, value_name = "DIR", requires = "spec")]
    out: Option<PathBuf>,
    /// Print no warnings, only the summary lines.
    #[arg(long)]
    quiet: bool,
    /// Treat every warning (a construct degraded, such as a dangling `$ref`
    /// becoming a JSON value) and every skipped operation as an error:
    /// exit non-zero and write nothing.
    #[arg(long)]
    deny_warnings: bool,
    /// One cargo feature per top-level resource, so that users of a huge API
    /// compile only what they call.
    #[arg(long, requires = "out")]
    resource_features: bool,
    /// Where the output's `apigen-runtime` dependency comes from: `vendor`
    /// (a copy of the runtime in the output workspace, which then builds
    /// anywhere), `path=REL` (relative to the output directory),
    /// `git=URL[#REV]` or `version=REQ`.
    #[arg(long, value_name = "SOURCE", default_value = "vendor", value_parser = RuntimeSource::parse, requires = "out")]
    runtime: RuntimeSource,
    /// Generate only the operations matching PATTERN (repeatable; any may
    /// match): a path glob (`/accounts/*/access/users*`, `*` spans `/`),
    /// `tag:NAME` or `op:OPERATION_ID`. The components they reference are
    /// kept; others are dropped.
    #[arg(long, value_name = "PATTERN", value_parser = Pattern::parse, requires = "out")]
    only: Vec<Pattern>,
    /// Leave out the operations matching PATTERN (repeatable; same forms as
    /// `--only`).
    #[arg(long, value_name = "PATTERN", value_parser = Pattern::parse, requires = "out")]
    exclude: Vec<Pattern>,
    /// Split the models crate of a huge API into parts that cargo checks in
    /// parallel and in less memory: `auto` splits APIs of more than 1,500
    /// types into parts of about 250; a number sets the types per part.
    #[arg(
        long,
        value_name = "auto|off|N",
        default_value = "auto",
        requires = "out"
    )]
    split_models: SplitArg,
    /// Bump the generated crates' versions by the SemVer verdict of the API
    /// change since `HEAD` (run twice, it still bumps once).
    #[arg(long, conflicts_with = "check")]
    bump_versions: bool,
}

/// `--split-models`: `auto`, `off` or a number of types per part.
#[derive(Debug, Clone, Copy)]
struct SplitArg(ModelsSplit);

impl std::str::FromStr for SplitArg {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(SplitArg(ModelsSplit::Auto)),
            "off" => Ok(SplitArg(ModelsSplit::Off)),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .map(|n| SplitArg(ModelsSplit::TypesPerPart(n)))
                .ok_or_else(|| format!("expected auto, off or a positive number, not `{n}`")),
        }
    }
}

impl From<SplitArg> for ModelsSplit {
    fn from(arg: SplitArg) -> Self {
        arg.0
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(&args),
        Command::Diff(args) => diff_command(&args),
        Command::Corpus(args) => corpus::run(&repo_root(), &args),
    };
    result.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::FAILURE
    })
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn generate(args: &GenerateArgs) -> Result<ExitCode, String> {
    let root = repo_root();
    let (specs, out_dir, mode, label_root) = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => {
            let mode = ManifestMode::Standalone {
                runtime: args.runtime.clone(),
                resource_features: args.resource_features,
                split: args.split_models.into(),
            };
            (vec![spec.clone()], out.clone(), mode, out.clone())
        }
        _ => {
            let specs = codegen::find_specs(&root.join("spec"))
                .map_err(|e| format!("cannot list spec/: {e}"))?;
            (
                specs,
                root.join("crates"),
                ManifestMode::Workspace,
                root.clone(),
            )
        }
    };

    // Each spec as committed at HEAD, for the change since then: asked of
    // git (two processes a spec, 10–15 ms) while the specs render.
    let at_head = {
        let specs = specs.clone();
        std::thread::spawn(move || -> Vec<HeadText> {
            specs
                .iter()
                .map(|spec| source::git_show("HEAD", spec))
                .collect()
        })
    };
    // Render everything before writing anything.
    let mut plan = codegen::plan_selected(
        &specs,
        &label_root,
        &mode,
        &Selection {
            only: args.only.clone(),
            exclude: args.exclude.clone(),
        },
    )?;
    // The API change since HEAD, per spec (None outside a git checkout):
    // needed now to bump versions, otherwise only for specs whose output
    // changed, after writing.
    let at_head = at_head
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let mut changes: Vec<Option<ApiDiff>> = Vec::new();
    if args.bump_versions {
        changes = plan
            .rendered
            .iter()
            .zip(&at_head)
            .map(|(r, old)| change_since_head(&root, &out_dir, r, old))
            .collect();
        if changes.iter().any(Option::is_none) {
            return Err("--bump-versions needs each spec's version at HEAD (a git checkout where the spec is committed)".to_owned());
        }
    }
    apply_versions(
        &root,
        &out_dir,
        plan.files_mut(),
        &changes,
        args.bump_versions,
    );
    // What an `--out` workspace holds besides the generated crates.
    let mut around = Vec::new();
    if let ManifestMode::Standalone { runtime, .. } = &mode {
        if *runtime == RuntimeSource::Vendor {
            around.extend(standalone::vendored_runtime(&root)?);
        }
        around.push(standalone::workspace_manifest(plan.files().chain(&around)));
    }
    let rendered = &plan.rendered;
    if args.deny_warnings {
        let denied: Vec<String> = rendered
            .iter()
            .flat_map(|r| {
                let warnings = r.api.warnings.iter().map(|w| format!("error: {w}"));
                let skipped = r.api.skipped.iter().map(|s| format!("error: skipped: {s}"));
                warnings.chain(skipped)
            })
            .collect();
        if !denied.is_empty() {
            for line in &denied {
                eprintln!("{line}");
            }
            return Err(format!(
                "{} warnings denied by --deny-warnings; nothing written",
                denied.len()
            ));
        }
    }
    for r in rendered {
        if !args.quiet {
            for warning in &r.api.warnings {
                eprintln!("warning: {warning}");
            }
        }
        for skipped in &r.api.skipped {
            eprintln!("skipped: {skipped}");
        }
    }
    let write_mode = if args.check {
        WriteMode::Check
    } else {
        WriteMode::Write
    };
    let mut phases = codegen::timings::Phases::start("output");
    let outcome = codegen::write_outputs(&out_dir, plan.files().chain(&around), write_mode)
        .map_err(|e| format!("cannot write {}: {e}", out_dir.display()))?;
    phases.end("write");
    phases.report();
    for (i, (r, old)) in rendered.iter().zip(&at_head).enumerate() {
        if let Some(report) = &r.selection {
            println!("{}: {report}", r.api.source);
        }
        println!("{}", codegen::summary(r, &outcome, write_mode));
        let changed = codegen::crates_of(&r.files)
            .iter()
            .any(|c| outcome.written.contains_key(*c));
        if !changed {
            continue;
        }
        let change = match changes.get(i) {
            Some(change) => change.clone(),
            None => change_since_head(&root, &out_dir, r, old),
        };
        if let Some(change) = change {
            println!("  {}", semver::one_line(&change));
        }
    }
    // The process ends here: freeing the rendered APIs and files (hundreds
    // of megabytes on big specs) would only delay its exit.
    std::mem::forget(plan);
    if args.check && !outcome.diffs.is_empty() {
        for diff in &outcome.diffs {
            eprint!("{diff}");
        }
        eprintln!(
            "error: generated crates are stale; run `cargo xtask generate` and commit the result"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The root workspace's version (what `version.workspace = true` means).
fn workspace_version(root: &Path) -> Option<String> {
    semver::workspace_version_at(root)
}

/// The version of crate `name` in `out_dir`: from its manifest on disk (or,
/// with `rev`, at that git revision), `0.1.0` when there is none.
fn crate_version(root: &Path, out_dir: &Path, name: &str, rev: Option<&str>) -> String {
    let path = out_dir.join(name).join("Cargo.toml");
    let manifest = match rev {
        Some(rev) => source::git_show(rev, &path).ok().flatten(),
        None => None,
    }
    .or_else(|| std::fs::read_to_string(&path).ok());
    manifest
        .and_then(|m| semver::resolve(&m, workspace_version(root).as_deref()))
        .unwrap_or_else(|| "0.1.0".to_owned())
}

/// What `git show HEAD:spec` gave: the text, `None` when the spec is not
/// committed, an error outside a git checkout.
type HeadText = Result<Option<String>, String>;

/// The change of a rendered spec since `HEAD` (its text there: `at_head`),
/// or `None` when that cannot be known (not a git checkout): generation
/// then says nothing about it.
fn change_since_head(
    root: &Path,
    out_dir: &Path,
    r: &Rendered,
    at_head: &HeadText,
) -> Option<ApiDiff> {
    let old_text = at_head.as_ref().ok()?;
    let lowered;
    let old = match old_text {
        // Unchanged since HEAD: the same text and label lower to the API
        // just rendered, so it is not lowered a second time.
        Some(text) if std::fs::read_to_string(&r.spec).is_ok_and(|current| current == *text) => {
            Some(&r.api)
        }
        Some(text) => {
            lowered = source::lower_text(&r.spec, text, &r.api.source).ok()?;
            Some(&lowered)
        }
        None => None,
    };
    Some(diff::api_diff(
        old,
        Some(&r.api),
        "HEAD",
        "working tree",
        &|name| crate_version(root, out_dir, name, Some("HEAD")),
    ))
}

/// Gives each generated manifest its version: the one on disk is kept, and
/// with `bump` the verdict since HEAD is applied to the version at HEAD.
fn apply_versions<'a>(
    root: &Path,
    out_dir: &Path,
    files: impl IntoIterator<Item = &'a mut codegen::GeneratedFile>,
    changes: &[Option<ApiDiff>],
    bump: bool,
) {
    let targets: Vec<(String, String)> = changes
        .iter()
        .flatten()
        .flat_map(|d| &d.crates)
        .filter(|c| bump && c.bump != semver::Bump::None)
        .map(|c| (c.name.clone(), c.next.clone()))
        .collect();
    semver::apply_manifest_versions(out_dir, files, &targets, workspace_version(root).as_deref());
}

fn diff_command(args: &DiffArgs) -> Result<ExitCode, String> {
    let root = repo_root();
    let base_file = Path::new(&args.base);
    let base_is_file = base_file.is_file();
    let mut diffs = Vec::new();
    if let Some(spec) = &args.spec {
        let (old, new, label) = if base_is_file {
            let (old, new) = source::lower_pair(base_file, spec)?;
            (Some(old), new, args.base.clone())
        } else {
            let label = format!("{}@{}", spec.display(), args.base);
            match source::git_show(&args.base, spec)? {
                Some(text) => {
                    let (old, new) = source::lower_text_and_file(spec, &text, &label, spec)
                        .map_err(|e| format!("{e} (base: {})", args.base))?;
                    (Some(old), new, label)
                }
                None => (None, source::lower_file(spec)?, label),
            }
        };
        diffs.push(diff::api_diff(
            old.as_ref(),
            Some(&new),
            &label,
            &spec.display().to_string(),
            &|_| "0.1.0".to_owned(),
        ));
    } else {
        if base_is_file {
            return Err("--base FILE needs --spec FILE (the new version)".to_owned());
        }
        let spec_dir = root.join("spec");
        let crates = root.join("crates");
        let current = |name: &str| crate_version(&root, &crates, name, None);
        let mut names: Vec<String> = codegen::find_specs(&spec_dir)
            .map_err(|e| format!("cannot list spec/: {e}"))?
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for name in source::git_specs(&args.base, &spec_dir)? {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            let path = spec_dir.join(&name);
            let label = format!("spec/{name}");
            let old = match source::git_show(&args.base, &path)? {
                Some(text) => Some(
                    source::lower_text(&path, &text, &label)
                        .map_err(|e| format!("{e} (at {})", args.base))?,
                ),
                None => None,
            };
            let new = if path.is_file() {
                Some(source::lower_file(&path)?)
            } else {
                None
            };
            diffs.push(diff::api_diff(
                old.as_ref(),
                new.as_ref(),
                &format!("{label}@{}", args.base),
                &label,
                &current,
            ));
        }
    }
    let report = match args.format {
        Format::Text => diff::report::text(&diffs),
        Format::Markdown => diff::report::markdown(&diffs),
        Format::Json => diff::report::json(&diffs),
    };
    print!("{report}");
    let denied = args.deny.is_some_and(|deny| {
        diffs.iter().flat_map(|d| &d.changes).any(|c| match deny {
            Deny::Breaking => c.wire == Level::Breaking || c.rust == Level::Breaking,
            Deny::WireBreaking => c.wire == Level::Breaking,
            Deny::RustBreaking => c.rust == Level::Breaking,
        })
    });
    if denied {
        eprintln!("error: the API change is breaking (--deny)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
