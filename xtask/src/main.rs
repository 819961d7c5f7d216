//! Workspace automation. `cargo xtask generate --help` for usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::codegen::{self, ManifestMode, Rendered};

const USAGE: &str = "\
usage: cargo xtask generate [--check] [--spec FILE --out DIR] [--quiet]

  (no options)       regenerate the crates of every spec in spec/ into crates/
  --check            write nothing; fail with a diff if crates/ is stale
  --spec FILE        generate from FILE instead of spec/*
  --out DIR          write the crates into DIR (with --spec); DIR gets its
                     own Cargo.toml workspace so `cargo check` works there
  --quiet            print no warnings, only the summary lines
  --no-rustfmt       keep prettyplease's formatting (faster on huge specs;
                     the default for --out)
  --rustfmt          format with rustfmt (the default for crates/)
  --resource-features
                     with --out: one cargo feature per top-level resource,
                     so users of a huge API compile only what they call";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => match generate(&args[1..]) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

struct Options {
    resource_features: bool,
    rustfmt: Option<bool>,
    check: bool,
    quiet: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        resource_features: false,
        rustfmt: None,
        check: false,
        quiet: false,
        spec: None,
        out: None,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--quiet" => options.quiet = true,
            "--rustfmt" => options.rustfmt = Some(true),
            "--resource-features" => options.resource_features = true,
            "--no-rustfmt" => options.rustfmt = Some(false),
            "--spec" => options.spec = Some(iter.next().ok_or("--spec needs a file")?.into()),
            "--out" => options.out = Some(iter.next().ok_or("--out needs a directory")?.into()),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if options.resource_features && options.out.is_none() {
        return Err("--resource-features goes with --spec and --out".to_owned());
    }
    if options.out.is_some() != options.spec.is_some() {
        return Err("--spec and --out go together".to_owned());
    }
    Ok(options)
}

fn generate(args: &[String]) -> Result<ExitCode, String> {
    let options = parse_options(args)?;
    let root = repo_root();
    let (specs, out_dir, mode) = match (&options.spec, &options.out) {
        (Some(spec), Some(out)) => {
            let runtime = root.join("crates").join("apigen-runtime");
            let mode = ManifestMode::Standalone {
                runtime_path: runtime.display().to_string(),
                resource_features: options.resource_features,
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
    let rustfmt = options
        .rustfmt
        .unwrap_or(matches!(mode, ManifestMode::Workspace));
    let codegen::Plan {
        rendered,
        mut files,
    } = codegen::plan(&specs, &root, &mode, rustfmt)?;
    if matches!(mode, ManifestMode::Standalone { .. }) {
        files.push(standalone_workspace(&rendered));
    }
    let mut stale = false;
    for r in &rendered {
        if !options.quiet {
            for warning in &r.api.warnings {
                eprintln!("warning: {warning}");
            }
        }
        for skipped in &r.api.skipped {
            eprintln!("skipped: {skipped}");
        }
    }
    let outcome = codegen::write_outputs(&out_dir, &files, options.check)
        .map_err(|e| format!("cannot write {}: {e}", out_dir.display()))?;
    for r in &rendered {
        println!("{}", codegen::summary(r, &outcome, options.check));
    }
    if options.check && !outcome.diffs.is_empty() {
        for diff in &outcome.diffs {
            eprint!("{diff}");
        }
        eprintln!(
            "error: generated crates are stale; run `cargo xtask generate` and commit the result"
        );
        stale = true;
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
