//! IR → files. Each emitter builds token streams with `quote`, which are
//! parsed by `syn` and printed by `prettyplease`, except for the few shapes
//! that dominate big specs, which [`text`] prints in prettyplease's layout
//! itself: the output is a function of the IR and the generator's pinned
//! dependencies, never of the installed toolchain. Every crate gets a `rustfmt.toml` that turns `cargo fmt` off
//! for it, so a contributor's rustfmt cannot disagree with the generator.
//!
//! Emitters take every name from the IR and invent none. `models` writes the
//! models crate, `client` both client crates, `manifest` their `Cargo.toml`s;
//! what more than one of them needs (types, arguments, crate names, the file
//! printer) lives here, and doc text in `docs`.

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
    let features = features.as_ref();
    let layout = models::layout(api, mode);
    let tree = client::Resource::tree(api);
    // The client crates' resource files are the biggest: they go first, so
    // that the last job a thread takes is a small one.
    let mut jobs = Vec::new();
    for flavor in [Flavor::Async, Flavor::Blocking] {
        client::jobs(api, flavor, mode, features, &tree, &mut jobs);
    }
    models::jobs(api, mode, features, layout.as_ref(), &mut jobs);
    let mut files = parallel_map(&jobs, |job| job())?;
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
    files.sort_by(|a, b| a.path.cmp(&b.path));
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

/// Maps `f` over `items` on up to two threads (the machines this runs on
/// have two cores), keeping the order. Token streams are not `Send`, so
/// each thread builds and formats its own files. Threads take the next item
/// as they finish one: files differ in size by orders of magnitude (a
/// resource of the client against a small type), so equal halves would leave
/// one thread idle.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, String> + Sync,
) -> Result<Vec<R>, String> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(2);
    if workers < 2 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        // Deeply nested types format recursively: these threads get the
        // pipeline's stack, not the 2 MiB default.
        let handles = (0..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(crate::codegen::PIPELINE_STACK)
                    .spawn_scoped(scope, work)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot start a formatting thread: {e}"))?;
        let mut done = Vec::with_capacity(items.len());
        for handle in handles {
            // A panic here is a generator bug: let it surface as one.
            done.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        Ok::<_, String>(done)
    })?;
    // Item order, and so the first failing item's error whatever the timing.
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
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

/// Formats `parts` in order as a Rust source file with the generated header.
pub fn rust_file_of(api: &Api, parts: Vec<Part>) -> Result<String, String> {
    let mut out = header(api, "//");
    let mut previous = None;
    for part in parts {
        let file = match part {
            Part::Text(item) => {
                text::check(&item)?;
                out.push('\n');
                out.push_str(&space_members(&item));
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
            out.push_str(&attrs.replacen("\n#![", "\n\n#![", 1));
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
            out.push_str(&space_members(&prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![item],
            })));
        }
    }
    Ok(docs::wrap_doc_comments(&out))
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

/// Puts a blank line before each documented member (field, variant,
/// method) and each undocumented `fn`, `const` or attribute that follows
/// another member, as hand-written code has it; prettyplease prints members
/// back to back.
fn space_members(item: &str) -> String {
    let mut out = String::with_capacity(item.len() + item.len() / 8);
    let mut previous = "";
    for line in item.lines() {
        let code = line.trim_start();
        let starts_member = line.len() > code.len()
            && ["///", "#[", "fn ", "pub fn ", "const ", "pub const "]
                .iter()
                .any(|start| code.starts_with(start));
        // Not the first member of a block, nor a doc or attribute line of
        // the member itself.
        let follows_member = !previous.is_empty()
            && !previous.ends_with('{')
            && !previous.starts_with("///")
            && !previous.starts_with("#[");
        if starts_member && follows_member {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = code;
    }
    out
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

/// A module that only gathers others: `mod x;` for each, then
/// `pub use x::*;` for each, under its `cfg` if any.
pub fn module_index(doc: &str, modules: &[(String, TokenStream)]) -> TokenStream {
    let doc = format!(" {doc}");
    let mods = modules.iter().map(|(module, cfg)| {
        let module = ident(module);
        quote!(#cfg mod #module;)
    });
    let uses = modules.iter().map(|(module, cfg)| {
        let module = ident(module);
        quote!(#cfg pub use #module::*;)
    });
    quote! {
        #![doc = #doc]
        #(#mods)*
        #(#uses)*
    }
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
