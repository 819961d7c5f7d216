//! IR → files. Each emitter builds token streams with `quote`, which are
//! parsed by `syn` and printed by `prettyplease`, except for the few shapes
//! that dominate big specs, which [`text`] prints in prettyplease's layout
//! itself: the output is a function of the IR and the generator's pinned
//! dependencies, never of the installed toolchain. Every crate gets a
//! `rustfmt.toml` that turns `cargo fmt` off for it, so a contributor's
//! rustfmt cannot disagree with the generator.
//!
//! Emitters take every name from the IR and invent none. `models` lists the
//! files of the models crate and `client` those of both client crates, as
//! [`Job`]s that [`render`] runs on two threads; `manifest` writes their
//! `Cargo.toml`s. What more than one of them needs (types, arguments, crate
//! names, the file printer) lives here, and doc text in `docs`.

pub mod body;
pub mod client;
pub mod docs;
pub mod features;
pub mod manifest;
pub mod models;
pub mod operation_text;
pub mod responses;
pub mod security;
pub mod shards;
pub mod text;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::ir::{Api, TypeRef};
use super::threads::parallel_map;
use text::Printer;

/// One generated file, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// How generated manifests refer to shared dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestMode {
    /// Inside this workspace: `dep.workspace = true`.
    Workspace,
    /// Anywhere else: explicit versions, the runtime from `runtime`, lints
    /// from the output workspace; with `resource_features`, one cargo
    /// feature per top-level resource (see [`features`]).
    Standalone {
        runtime: crate::codegen::standalone::RuntimeSource,
        resource_features: bool,
        /// Whether a huge models crate is split into parts (see [`shards`]).
        split: shards::ModelsSplit,
    },
}

/// The two client crates: they differ only in the runtime types they wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Async,
    Blocking,
}

impl Flavor {
    /// The crate's package name.
    pub fn crate_name(self, api: &Api) -> String {
        let names = CrateNames::of(api);
        match self {
            Flavor::Async => names.client,
            Flavor::Blocking => names.blocking,
        }
    }
}

/// Renders every crate of one API. Pure: touches no disk.
pub fn render(api: &Api, mode: &ManifestMode) -> Result<Vec<GeneratedFile>, String> {
    let features = match mode {
        ManifestMode::Standalone {
            resource_features: true,
            ..
        } => Some(features::FeatureMap::of(api)),
        _ => None,
    };
    let mut phases = super::timings::Phases::start("emit");
    let features = features.as_ref();
    let layout = models::layout(api, mode);
    phases.end("layout");
    let tree = client::Resource::tree(api);
    phases.end("tree");
    // The client crates' resource files are the biggest: they go first, so
    // that the last job a thread takes is a small one.
    let mut jobs = Vec::new();
    for flavor in [Flavor::Async, Flavor::Blocking] {
        client::jobs(api, flavor, mode, features, &tree, &mut jobs);
    }
    models::jobs(api, mode, features, layout.as_ref(), &mut jobs);
    phases.end("jobs");
    let mut files = parallel_map(&jobs, |job| job())?;
    phases.end("files");
    let crate_dirs: Vec<String> = files
        .iter()
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml").map(str::to_owned))
        .collect();
    files.extend(crate_dirs.into_iter().map(|dir| GeneratedFile {
        path: format!("{dir}/rustfmt.toml"),
        contents: format!(
            "{}# Formatted by the generator (prettyplease), independently of the toolchain.\ndisable_all_formatting = true\n",
            header(api, "#")
        ),
    }));
    // Paths are unique (checked next), so an unstable sort gives the one
    // order.
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    if let Some(twice) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(format!(
            "internal error: two files rendered at {}",
            twice[0].path
        ));
    }
    phases.end("sort");
    phases.report();
    Ok(files)
}

/// One file to render. Emitters list their files as jobs, and [`render`]
/// runs all of them in one [`parallel_map`]: a round per kind of file left
/// a thread idle at the end of each round, and the work between rounds on
/// one thread (a third of emission's wall time on Microsoft Graph).
pub type Job<'a> = Box<dyn Fn() -> Result<GeneratedFile, String> + Send + Sync + 'a>;

/// A [`Job`] for the file at `path`, whose contents `contents` makes.
pub fn job<'a>(
    path: String,
    contents: impl Fn() -> Result<String, String> + Send + Sync + 'a,
) -> Job<'a> {
    Box::new(move || {
        Ok(GeneratedFile {
            path: path.clone(),
            contents: contents()?,
        })
    })
}

/// A [`Job`] for a file whose contents are made already (a manifest).
pub fn ready<'a>(path: String, contents: String) -> Job<'a> {
    job(path, move || Ok(contents.clone()))
}

/// The first line of every generated file.
pub fn header(api: &Api, comment: &str) -> String {
    format!(
        "{comment} @generated by `cargo xtask generate` from {}. DO NOT EDIT.\n",
        api.source
    )
}

/// Formats a token stream as a Rust source file with the generated header.
pub fn rust_file(api: &Api, tokens: TokenStream) -> Result<String, String> {
    rust_file_of(api, vec![Part::Tokens(tokens)])
}

/// A piece of a generated Rust file: tokens for prettyplease, or one item
/// that [`text`] printed already, in prettyplease's layout or (for what
/// its rules do not cover) as source for prettyplease to lay out.
#[derive(Debug)]
pub enum Part {
    Tokens(TokenStream),
    Text(String),
    Source(String),
}

impl Part {
    /// The length of the printed text, or 0 for tokens.
    fn printed_len(&self) -> usize {
        match self {
            Part::Tokens(_) => 0,
            Part::Text(text) | Part::Source(text) => text.len(),
        }
    }
}

/// Formats `parts` in order as a Rust source file with the generated header.
pub fn rust_file_of(api: &Api, parts: Vec<Part>) -> Result<String, String> {
    let mut out = header(api, "//");
    // Room for the printed parts and the blank lines and wrapped docs added
    // to them: growing a file of megabytes by doubling copies it each time.
    let printed: usize = parts.iter().map(Part::printed_len).sum();
    out.reserve(printed + printed / 8);
    let mut previous = None;
    for part in parts {
        let file = match part {
            Part::Text(item) => {
                text::check(&item)?;
                out.push('\n');
                push_item(&mut out, &item);
                previous = None;
                continue;
            }
            Part::Source(source) => syn::parse_file(&source).map_err(|e| {
                format!("internal error: printed code does not parse: {e}\n{source}")
            })?,
            Part::Tokens(tokens) => {
                // A copy of `tokens` for the message is kept in debug builds
                // only: a shared token stream is deep-copied when syn consumes
                // it, which costs a tenth of the release generator's time on
                // big specs.
                let shown = cfg!(debug_assertions).then(|| tokens.clone());
                syn::parse2(tokens).map_err(|e| {
                    let tokens = shown.map_or_else(String::new, |t| format!("\n{t}"));
                    format!("internal error: generated code does not parse: {e}{tokens}")
                })?
            }
        };
        if !file.attrs.is_empty() {
            out.push('\n');
            let attrs = prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: file.attrs,
                items: Vec::new(),
            });
            // The crate's docs, a blank line, then its lint attributes.
            push_item(&mut out, &attrs.replacen("\n#![", "\n\n#![", 1));
        }
        // prettyplease puts no blank line between items; print them one by
        // one and join them with one, for readable files and smaller diffs.
        for item in file.items {
            // Runs of `mod x;` or of `use` stay together, as a block.
            let kind = declaration_kind(&item);
            if kind.is_none() || kind != previous {
                out.push('\n');
            }
            previous = kind;
            let item = prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![item],
            });
            push_item(&mut out, &item);
        }
    }
    Ok(out)
}

/// Which run of one-line declarations `item` belongs to, if any.
fn declaration_kind(item: &syn::Item) -> Option<&'static str> {
    let documented = |attrs: &[syn::Attribute]| attrs.iter().any(|a| a.path().is_ident("doc"));
    match item {
        syn::Item::Mod(m) if m.content.is_none() && !documented(&m.attrs) => Some("mod"),
        syn::Item::Use(u) if !documented(&u.attrs) => Some("use"),
        _ => None,
    }
}

/// Appends a printed item to `out` as hand-written code has it: a blank
/// line before each documented member (field, variant, method) and each
/// undocumented `fn`, `const` or attribute that follows another member
/// (prettyplease prints members back to back), and doc lines wrapped
/// ([`docs::DocWrapper`]). One pass over the item, which copies the lines
/// it keeps in runs: big APIs print millions of lines, and a copy per line
/// was a third of emission's time.
fn push_item(out: &mut String, item: &str) {
    if item.contains('\r') {
        // Printed items hold no `\r`; should one, the pass a line at a time
        // keeps its output exact (`lines` drops a `\r` before a `\n`).
        return push_item_by_line(out, item);
    }
    let mut wrapper = docs::DocWrapper::default();
    let mut previous = "";
    // `item[copied..]` is not in `out` yet; `start` is where a line starts.
    let (mut copied, mut start) = (0, 0);
    for end in memchr::memchr_iter(b'\n', item.as_bytes()).chain([item.len()]) {
        if start >= item.len() {
            break;
        }
        let line = &item[start..end];
        let code = line.trim_start();
        if starts_member(line, code) && follows_member(previous) {
            out.push_str(&item[copied..start]);
            wrapper.push_line(out, "");
            copied = start;
        }
        if wrapper.must_wrap(line) {
            out.push_str(&item[copied..start]);
            wrapper.push_wrapped(out, line);
            copied = (end + 1).min(item.len());
        }
        previous = code;
        start = end + 1;
    }
    if copied < item.len() {
        out.push_str(&item[copied..]);
        if !item.ends_with('\n') {
            out.push('\n');
        }
    }
}

/// [`push_item`] a line at a time.
fn push_item_by_line(out: &mut String, item: &str) {
    let mut wrapper = docs::DocWrapper::default();
    let mut previous = "";
    for line in item.lines() {
        let code = line.trim_start();
        if starts_member(line, code) && follows_member(previous) {
            wrapper.push_line(out, "");
        }
        wrapper.push_line(out, line);
        previous = code;
    }
}

/// Whether `line` (`code` once unindented) starts a member of a block that
/// gets a blank line before it.
fn starts_member(line: &str, code: &str) -> bool {
    line.len() > code.len()
        && ["///", "#[", "fn ", "pub fn ", "const ", "pub const "]
            .iter()
            .any(|start| code.starts_with(start))
}

/// Whether a line after `previous` (unindented) follows a member: it is
/// neither the first line of a block nor a doc or attribute line of the
/// member itself.
fn follows_member(previous: &str) -> bool {
    !previous.is_empty()
        && !previous.ends_with('{')
        && !previous.starts_with("///")
        && !previous.starts_with("#[")
}

/// An identifier from an IR name. Naming already gave keywords a trailing
/// `_`, so raw identifiers are never needed.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type expression for `ty`. Named types are `crate::types::X`,
/// which resolves in the models crate and in client crates (they re-export
/// `types`). The text printer's [`text::Ty`] is the one spelling of types.
pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    text::Ty::of(ty).to_tokens()
}

/// A module that only gathers others: its doc, `mod x;` for each module,
/// then `pub use x::*;` for each and for each of `globs` (paths of other
/// crates' modules, whose glob may go unused, and is not inlined in the docs),
/// under its `cfg` if any.
/// Printed as text: on big APIs these indexes re-export tens of thousands
/// of modules, and a round through prettyplease per line cost a tenth of
/// emission.
pub fn module_index(
    doc: &str,
    modules: &[(String, Option<String>)],
    globs: &[String],
) -> Vec<Part> {
    let mut mods = Printer::default();
    let mut uses = Printer::default();
    for (module, cfg) in modules {
        for p in [&mut mods, &mut uses] {
            if let Some(cfg) = cfg {
                p.line(0, cfg);
            }
        }
        mods.fixed(0, &format!("mod {module};"));
        uses.fixed(0, &format!("pub use {module}::*;"));
    }
    for glob in globs {
        uses.line(0, "#[allow(unused_imports)]");
        // Each part documents its own items; inlined, every part that
        // re-exports another would render it again (GitHub's split models:
        // 11 GB of HTML).
        uses.line(0, "#[doc(no_inline)]");
        uses.fixed(0, &format!("pub use {glob}::*;"));
    }
    let mut parts = vec![text::inner_doc(doc)];
    parts.extend(
        [mods, uses]
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(Printer::into_part),
    );
    parts
}

/// `Some("…")` or `None`, for an optional string in generated code.
pub fn option_str(value: &Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// The API's name for prose: its title, with " API" added unless the
/// title already says so.
pub fn api_name(api: &Api) -> String {
    if api
        .title
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "API")
    {
        api.title.clone()
    } else {
        format!("{} API", api.title)
    }
}

/// The opening of a crate's docs: "`what` for the API (version …)." and the
/// API's description.
pub fn crate_intro(api: &Api, what: &str) -> String {
    let mut text = format!("{what} for {} (version {}).", api_name(api), api.version);
    if let Some(description) = &api.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    text
}

/// Package names of the three crates of an API.
#[derive(Debug)]
pub struct CrateNames {
    pub models: String,
    pub client: String,
    pub blocking: String,
}

impl CrateNames {
    pub fn of(api: &Api) -> Self {
        CrateNames {
            models: format!("{}-models", api.crate_prefix),
            client: format!("{}-client", api.crate_prefix),
            blocking: format!("{}-blocking", api.crate_prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items with every case of the pass: members after members, the first
    /// member of a block, doc and attribute lines, a doc line to wrap (in a
    /// list, after a fence), the last line with or without its newline.
    #[test]
    fn copying_an_item_in_runs_matches_a_line_at_a_time() {
        let long = "word ".repeat(30);
        let items = [
            String::new(),
            "pub struct A {}\n".to_owned(),
            "pub struct A {\n    /// a\n    pub a: u8,\n    /// b\n    #[serde(default)]\n    pub b: u8,\n    pub c: u8,\n}\n".to_owned(),
            "impl A {\n    #[inline]\n    pub fn a() {}\n    fn b() {}\n    const C: u8 = 0;\n    pub const D: u8 = 0;\n}".to_owned(),
            format!("/// {long}\n/// - {long}\n///   {long}\n///\n/// ```\n/// {long}\n/// ```\n/// {long}\npub struct A;\n"),
            format!("impl A {{\n    pub fn a() {{}}\n    /// {long}\n    pub fn b() {{}}\n}}\n/// {long}"),
            "//! inner\n    /// after an inner doc\n    pub x: u8,\n".to_owned(),
            "pub struct A {\r\n    /// a\r\n    pub a: u8,\r\n}\r\n".to_owned(),
        ];
        for item in &items {
            let (mut runs, mut lines) = (String::new(), String::new());
            push_item(&mut runs, item);
            push_item_by_line(&mut lines, item);
            assert_eq!(runs, lines, "item:\n{item}");
        }
        let mut out = String::new();
        push_item(&mut out, &items[2]);
        assert!(out.contains("pub a: u8,\n\n    /// b\n"), "{out}");
        assert!(out.contains("pub b: u8,\n    pub c: u8,\n"), "{out}");
        let mut out = String::new();
        push_item(&mut out, &items[4]);
        // Wrapped: more lines, and the fenced line left whole.
        assert!(out.lines().count() > items[4].lines().count() + 3, "{out}");
        assert!(
            out.contains(&format!("/// ```\n/// {long}\n/// ```\n")),
            "{out}"
        );
    }
}
