//! Workspace automation: `cargo xtask <command>`; `cargo xtask help` lists
//! the commands and `cargo xtask <command> --help` their options.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::codegen::select::{Pattern, Selection};
use xtask::codegen::standalone::{self, RuntimeSource};
use xtask::codegen::{self, ManifestMode, WriteMode};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(&args),
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

    // Render everything before writing anything.
    let codegen::Plan {
        rendered,
        mut files,
    } = codegen::plan_selected(
        &specs,
        &label_root,
        &mode,
        &Selection {
            only: args.only.clone(),
            exclude: args.exclude.clone(),
        },
    )?;
    if let ManifestMode::Standalone { runtime, .. } = &mode {
        if *runtime == RuntimeSource::Vendor {
            files.extend(standalone::vendored_runtime(&root)?);
        }
        files.push(standalone::workspace_manifest(&files));
    }
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
    for r in &rendered {
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
    let outcome = codegen::write_outputs(&out_dir, &files, write_mode)
        .map_err(|e| format!("cannot write {}: {e}", out_dir.display()))?;
    for r in &rendered {
        if let Some(report) = &r.selection {
            println!("{}: {report}", r.api.source);
        }
        println!("{}", codegen::summary(r, &outcome, write_mode));
    }
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
