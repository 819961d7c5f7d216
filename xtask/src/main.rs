//! Workspace automation: `cargo xtask <command>`; `cargo xtask help` lists
//! the commands and `cargo xtask <command> --help` their options.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::codegen::emit::shards::ModelsSplit;
use xtask::codegen::{self, ManifestMode, Rendered, WriteMode};

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
    /// One cargo feature per top-level resource, so that users of a huge API
    /// compile only what they call.
    #[arg(long, requires = "out")]
    resource_features: bool,
    /// Split the models crate of a huge API into parts that cargo checks in
    /// parallel and in less memory: `auto` splits APIs of more than 1,500
    /// types into parts of about 500; a number sets the types per part.
    #[arg(
        long,
        value_name = "auto|off|N",
        default_value = "auto",
        requires = "out"
    )]
    split_models: SplitArg,
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
    let (specs, out_dir, mode) = match (&args.spec, &args.out) {
        (Some(spec), Some(out)) => {
            let runtime = root.join("crates").join("apigen-runtime");
            let mode = ManifestMode::Standalone {
                runtime_path: runtime.display().to_string(),
                resource_features: args.resource_features,
                split: args.split_models.into(),
            };
            (vec![spec.clone()], out.clone(), mode)
        }
        _ => {
            let specs = codegen::find_specs(&root.join("spec"))
                .map_err(|e| format!("cannot list spec/: {e}"))?;
            (specs, root.join("crates"), ManifestMode::Workspace)
        }
    };

    // Render everything before writing anything.
    let codegen::Plan {
        rendered,
        mut files,
    } = codegen::plan(&specs, &root, &mode)?;
    if matches!(mode, ManifestMode::Standalone { .. }) {
        files.push(standalone_workspace(&rendered));
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

fn standalone_workspace(rendered: &[Rendered]) -> codegen::GeneratedFile {
    let mut members: Vec<String> = rendered
        .iter()
        .flat_map(|r| {
            r.files.iter().filter_map(|f| {
                f.path
                    .strip_suffix("/Cargo.toml")
                    .map(|d| format!("    \"{d}\","))
            })
        })
        .collect();
    members.sort();
    codegen::GeneratedFile {
        path: "Cargo.toml".to_owned(),
        contents: format!(
            "# @generated by `cargo xtask generate`. DO NOT EDIT.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}\n]\n",
            members.join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
