//! The async (`-client`) and blocking (`-blocking`) crates. One emitter
//! serves both: they differ only in the runtime types they wrap, so their
//! surfaces cannot drift apart.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{inner_doc_attrs, prose_and_facts_lines, raw_doc_attrs, raw_inner_doc_attrs};
use super::features::FeatureMap;
use super::text::{self, Printer, Ty};
use super::{
    CrateNames, Flavor, Job, ManifestMode, Part, ident, job, manifest, module_index, option_str,
    ready, rust_file, rust_file_of,
};
use crate::codegen::ir::{Api, AuthMethod, KeyPlace, Method, Operation, PaginationKind, TypeRef};

impl Flavor {
    fn runtime_client(self) -> TokenStream {
        match self {
            Flavor::Async => quote!(::apigen_runtime::Client),
            Flavor::Blocking => quote!(::apigen_runtime::blocking::Client),
        }
    }

    fn call(self) -> TokenStream {
        match self {
            Flavor::Async => quote!(::apigen_runtime::Call),
            Flavor::Blocking => quote!(::apigen_runtime::blocking::Call),
        }
    }
}

/// A node of the resource tree (`zero_trust` → `access` → `users`).
#[derive(Debug, Default)]
pub struct Resource<'a> {
    children: BTreeMap<String, Resource<'a>>,
    operations: Vec<&'a Operation>,
}

impl<'a> Resource<'a> {
    /// The root of `api`'s resource tree (both client crates have it).
    pub fn tree(api: &'a Api) -> Self {
        let mut root = Resource::default();
        for op in &api.operations {
            let mut node = &mut root;
            for segment in &op.resource {
                node = node.children.entry(segment.clone()).or_default();
            }
            node.operations.push(op);
        }
        root
    }

    /// Operations in this subtree.
    fn size(&self) -> usize {
        self.operations.len() + self.children.values().map(Resource::size).sum::<usize>()
    }
}

/// The resource type of `path`, as naming settled it.
fn resource_type(api: &Api, path: &[String]) -> proc_macro2::Ident {
    ident(&api.resource_types[path])
}

/// The files of one client crate, as jobs for [`super::render`]: its
/// manifest, `lib.rs`, and one file per top-level resource (so a spec
/// change touches few files), the biggest first.
pub fn jobs<'a>(
    api: &'a Api,
    flavor: Flavor,
    mode: &ManifestMode,
    features: Option<&'a FeatureMap>,
    tree: &'a Resource<'a>,
    jobs: &mut Vec<Job<'a>>,
) {
    let dir = flavor.crate_name(api);
    // File (and private module) names are bounded; the module is only
    // re-exported, so its name is never seen.
    let mut top: Vec<(String, &String, &Resource<'_>)> =
        super::super::naming::file_modules(tree.children.keys().map(|segment| {
            // `resources` inside `resources/` trips `clippy::module_inception`.
            if segment == "resources" {
                "resources_"
            } else {
                segment.as_str()
            }
        }))
        .into_iter()
        .zip(&tree.children)
        .map(|(file, (segment, node))| (file, segment, node))
        .collect();
    let modules: Vec<(String, &String)> = top
        .iter()
        .map(|(file, segment, _)| (file.clone(), *segment))
        .collect();
    top.sort_by_cached_key(|(_, _, node)| std::cmp::Reverse(node.size()));
    for (file, segment, node) in top {
        jobs.push(job(format!("{dir}/src/resources/{file}.rs"), move || {
            let mut resources = Vec::new();
            collect_resources(
                api,
                node,
                &mut vec![segment.clone()],
                flavor,
                &mut resources,
            );
            let doc = text::inner_doc(&format!("Operations under `{segment}`."));
            rust_file_of(api, std::iter::once(doc).chain(resources).collect())
        }));
    }
    jobs.push(ready(
        format!("{dir}/Cargo.toml"),
        manifest::client(api, flavor, mode, features),
    ));
    jobs.push(job(format!("{dir}/src/lib.rs"), move || {
        rust_file(api, lib_rs(api, flavor, tree, features))
    }));
    jobs.push(job(format!("{dir}/src/resources/mod.rs"), move || {
        let modules: Vec<(String, Option<String>)> = modules
            .iter()
            .map(|(file, segment)| {
                let cfg = features.map(|_| super::features::cfg([*segment]));
                (file.clone(), cfg)
            })
            .collect();
        rust_file_of(
            api,
            module_index(
                "The resource tree: one type per group of operations, reached from [`Client`](crate::Client).",
                &modules,
                &[],
            ),
        )
    }));
}

fn profile(api: &Api) -> TokenStream {
    let name = &api.crate_prefix;
    let base_url = &api.base_url;
    let base_url_env = option_str(&api.base_url_env);
    let error_details = option_str(&api.envelope.as_ref().and_then(|e| e.errors.clone()));
    let auth = api.auth.iter().map(|method| match method {
        AuthMethod::Bearer { env, .. } => {
            let env = option_str(env);
            quote!(::apigen_runtime::AuthMethod::Bearer { env: #env })
        }
        AuthMethod::ApiKeys { keys, .. } => {
            let keys = keys.iter().map(|k| {
                let location = match k.place {
                    KeyPlace::Query => quote!(Query),
                    KeyPlace::Header => quote!(Header),
                    KeyPlace::Cookie => quote!(Cookie),
                };
                let key_name = &k.name;
                let env = option_str(&k.env);
                quote!(::apigen_runtime::ApiKey {
                    location: ::apigen_runtime::KeyLocation::#location,
                    name: #key_name,
                    env: #env,
                })
            });
            quote!(::apigen_runtime::AuthMethod::ApiKeys(&[#(#keys),*]))
        }
        AuthMethod::OAuth2ClientCredentials {
            token_url,
            client_id_env,
            client_secret_env,
            scopes,
            ..
        } => {
            let (id, secret) = (option_str(client_id_env), option_str(client_secret_env));
            quote!(::apigen_runtime::AuthMethod::OAuth2ClientCredentials {
                token_url: #token_url,
                client_id_env: #id,
                client_secret_env: #secret,
                scopes: &[#(#scopes),*],
            })
        }
        AuthMethod::Basic {
            user_env,
            password_env,
            ..
        } => {
            let (user, password) = (option_str(user_env), option_str(password_env));
            quote!(::apigen_runtime::AuthMethod::Basic {
                user_env: #user,
                password_env: #password,
            })
        }
        AuthMethod::AccessToken { env, .. } => {
            let env = option_str(env);
            quote!(::apigen_runtime::AuthMethod::AccessToken { env: #env })
        }
    });
    quote! {
        /// What the runtime needs to know about this API: its default base
        /// URL, environment variables and authentication methods.
        pub static PROFILE: ::apigen_runtime::ApiProfile = ::apigen_runtime::ApiProfile {
            name: #name,
            version: env!("CARGO_PKG_VERSION"),
            default_base_url: #base_url,
            base_url_env: #base_url_env,
            auth: &[#(#auth),*],
            error_details: #error_details,
        };
    }
}

/// Human text for the environment variables `from_env` reads.
fn env_summary(api: &Api) -> Vec<String> {
    let mut lines = Vec::new();
    for method in &api.auth {
        let vars = method.env_vars();
        if !vars.is_empty() {
            let vars: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
            let kind = match method {
                AuthMethod::Bearer { .. } => "a bearer token",
                AuthMethod::ApiKeys { .. } => "API keys",
                AuthMethod::OAuth2ClientCredentials { .. } => "OAuth2 client credentials",
                AuthMethod::Basic { .. } => "a user name and password",
                AuthMethod::AccessToken { .. } => "an OAuth2 or OpenID Connect access token",
            };
            lines.push(format!("- {} ({kind})", vars.join(" + ")));
        }
    }
    lines
}

/// A compilable example call of the first operation with string-only
/// required arguments.
fn example_call(api: &Api, tree: &Resource<'_>, flavor: Flavor) -> Vec<String> {
    let crate_ident = flavor.crate_name(api).replace('-', "_");
    // Prefer a plain read (a GET taking only string arguments) for the example.
    let simple = |op: &Operation| {
        op.required_params.iter().all(|p| p.ty == TypeRef::String)
            && op.body.as_ref().is_none_or(|b| !b.required)
            && !op.deprecated
    };
    let op = first_operation(tree, &|op: &Operation| {
        simple(op) && op.method == Method::Get && op.method_name == "list"
    })
    .or_else(|| {
        first_operation(tree, &|op: &Operation| {
            simple(op) && op.method == Method::Get
        })
    })
    .or_else(|| first_operation(tree, &simple));
    let mut lines = vec!["```no_run".to_owned()];
    let (open, close, suffix) = match flavor {
        Flavor::Async => (
            format!("# async fn example() -> Result<(), {crate_ident}::Error> {{"),
            "# Ok(())\n# }",
            ".await?",
        ),
        Flavor::Blocking => (
            format!("# fn example() -> Result<(), {crate_ident}::Error> {{"),
            "# Ok(())\n# }",
            ".send()?",
        ),
    };
    lines.push(open);
    lines.push(format!("use {crate_ident}::Client;"));
    lines.push(String::new());
    lines.push("let client = Client::from_env()?;".to_owned());
    if let Some(op) = op {
        // The spec's example values where it has them.
        let args: Vec<String> = op
            .required_params
            .iter()
            .map(|p| format!("{:?}", p.example.as_deref().unwrap_or(&p.rust_name)))
            .collect();
        let mut calls: Vec<String> = op.resource.iter().map(|s| format!(".{s}()")).collect();
        calls.push(format!(".{}({})", op.method_name, args.join(", ")));
        calls.push(suffix.to_owned());
        let one_line = format!("let response = client{};", calls.concat());
        if one_line.len() <= 80 {
            lines.push(one_line);
        } else {
            // One call a line, as rustfmt lays out a long chain.
            lines.push("let response = client".to_owned());
            let last = calls.len() - 1;
            for (i, call) in calls.iter().enumerate() {
                let end = if i == last { ";" } else { "" };
                lines.push(format!("    {call}{end}"));
            }
        }
        lines.push("println!(\"{:?}\", response.status());".to_owned());
    }
    lines.extend(close.lines().map(str::to_owned));
    lines.push("```".to_owned());
    lines
}

fn first_operation<'a>(
    tree: &Resource<'a>,
    accept: &dyn Fn(&Operation) -> bool,
) -> Option<&'a Operation> {
    tree.operations
        .iter()
        .copied()
        .find(|op| accept(op))
        .or_else(|| {
            tree.children
                .values()
                .find_map(|child| first_operation(child, accept))
        })
}

fn lib_rs(
    api: &Api,
    flavor: Flavor,
    tree: &Resource<'_>,
    features: Option<&FeatureMap>,
) -> TokenStream {
    let names = CrateNames::of(api);
    let models = format_ident!("{}", names.models.replace('-', "_"));
    let kind = match flavor {
        Flavor::Async => "Async client",
        Flavor::Blocking => "Blocking client",
    };
    let intro = inner_doc_attrs(&super::crate_intro(api, kind));
    let mut lines = vec![String::new(), "# Example".to_owned(), String::new()];
    lines.extend(example_call(api, tree, flavor));
    lines.extend([
        String::new(),
        "# Crate organization".to_owned(),
        String::new(),
        "- [`Client`]: the entry point; its methods lead to the [`resources`], whose".to_owned(),
        "  methods return a request builder ([`Call`]) to send.".to_owned(),
        "- [`types`] and [`operations`]: the models, re-exported from the models crate.".to_owned(),
        "- [`Error`], [`Response`], [`Config`], [`Credentials`]: from `apigen-runtime`, which"
            .to_owned(),
        "  implements auth, retries, timeouts, pagination and error decoding.".to_owned(),
    ]);
    if flavor == Flavor::Blocking {
        lines.extend([
            String::new(),
            "# Blocking".to_owned(),
            String::new(),
            "Each call runs the async runtime's request on a private single-threaded Tokio"
                .to_owned(),
            "runtime owned by the client. Calling it from inside an async runtime returns"
                .to_owned(),
            "[`Error::BlockingInAsyncContext`] instead of blocking that runtime's thread; use"
                .to_owned(),
            "the async crate there.".to_owned(),
        ]);
    }
    let organization = raw_inner_doc_attrs(&lines);

    let profile = profile(api);
    let runtime_client = flavor.runtime_client();
    let call = flavor.call();
    let call_reexport = quote!(pub use #call;);
    let mut env_lines = vec![
        "Creates a client from environment variables.".to_owned(),
        String::new(),
        "Credentials come from each of these that is set; a call uses the first its operation accepts:".to_owned(),
        String::new(),
    ];
    env_lines.extend(env_summary(api));
    if let Some(var) = &api.base_url_env {
        env_lines.push(String::new());
        env_lines.push(format!(
            "`{var}` overrides the base URL (default `{}`).",
            api.base_url
        ));
    }
    let krate = flavor.crate_name(api).replace('-', "_");
    env_lines.extend(doc_example(
        &format!("use {krate}::Client;"),
        &krate,
        &["let client = Client::from_env()?;".to_owned()],
    ));
    let env_docs = raw_doc_attrs(&env_lines);
    let mut new_lines = vec!["Creates a client from explicit configuration.".to_owned()];
    new_lines.extend(doc_example(
        &format!("use {krate}::{{Client, Config, Credentials}};"),
        &krate,
        &[
            "use std::time::Duration;".to_owned(),
            String::new(),
            format!("let credentials = {};", credentials_example(api)),
            "let config = Config::new(credentials).with_timeout(Duration::from_secs(30));"
                .to_owned(),
            "let client = Client::new(config)?;".to_owned(),
        ],
    ));
    let new_docs = raw_doc_attrs(&new_lines);
    let accessors = accessors(api, tree, features);
    let consumer = consumer_items(flavor);
    let file_part = super::body::uses_files(api).then(|| {
        quote! {
            /// A file sent as a request body, or as a part of a multipart body.
            pub use ::apigen_runtime::FilePart;
        }
    });

    quote! {
        #intro
        #organization

        #![warn(missing_docs)]
        // Required parameters are arguments, however many the API has;
        // an operation or a resource called `new` is a method `new` that
        // does not return `Self`.
        #![allow(clippy::new_ret_no_self, clippy::too_many_arguments)]

        pub mod resources;

        // Documented once, in the models crate: inlined here, a big API's
        // models would be rendered again for each client crate.
        #[doc(no_inline)]
        pub use ::#models::{operations, types};
        pub use ::apigen_runtime::{Config, Credentials, Error, ErrorKind, Response};
        #call_reexport
        #file_part

        #profile

        /// The API client. Cheap to clone: clones share one connection pool
        /// and token cache.
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: #runtime_client,
        }

        impl Client {
            #new_docs
            pub fn new(config: Config) -> Result<Self, Error> {
                Ok(Self { inner: #runtime_client::new(&PROFILE, config)? })
            }

            #env_docs
            pub fn from_env() -> Result<Self, Error> {
                Self::new(Config::from_env(&PROFILE)?)
            }

            /// The runtime client, to send an operation built by hand.
            pub fn runtime(&self) -> &#runtime_client {
                &self.inner
            }

            #accessors
        }

        #consumer
    }
}

/// Escape hatches and test doubles of a client crate: the runtime's types
/// re-exported, `Client::with_options` and (feature `test-util`)
/// `Client::mocked`.
fn consumer_items(flavor: Flavor) -> TokenStream {
    let runtime_client = flavor.runtime_client();
    let streaming = match flavor {
        Flavor::Async => quote!(
            pub use ::apigen_runtime::{Page, StreamingResponse};
        ),
        Flavor::Blocking => quote!(
            pub use ::apigen_runtime::blocking::{Page, StreamingResponse};
        ),
    };
    quote! {
        pub use ::apigen_runtime::{ApiError, ApiErrorDetail, ClientOptions, RawResponse};
        #streaming

        /// Typed test doubles (feature `test-util`): see [`Client::mocked`].
        #[cfg(feature = "test-util")]
        pub use ::apigen_runtime::test_util;

        impl Client {
            /// A client with some settings changed (timeouts, retries, base
            /// URL, default headers and query parameters) that shares this
            /// one's connection pool and credentials.
            pub fn with_options(&self, options: ClientOptions) -> Result<Self, Error> {
                Ok(Self { inner: self.inner.with_options(options)? })
            }

            /// A client answered by typed test doubles instead of the
            /// network (feature `test-util`); replies go through the same
            /// decoding, error mapping, retries and pagination as real ones.
            #[cfg(feature = "test-util")]
            pub fn mocked(mocks: &test_util::Mocks) -> Result<Self, Error> {
                Ok(Self { inner: #runtime_client::new(&PROFILE, mocks.config())? })
            }
        }
    }
}

/// A compilable `no_run` example for a client constructor.
fn doc_example(imports: &str, krate: &str, body: &[String]) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        "```no_run".to_owned(),
        format!("# fn example() -> Result<(), {krate}::Error> {{"),
        imports.to_owned(),
    ];
    lines.extend(body.iter().cloned());
    lines.extend(["# Ok(())".to_owned(), "# }".to_owned(), "```".to_owned()]);
    lines
}

/// How to build credentials for the API's first auth method.
fn credentials_example(api: &Api) -> String {
    match api.auth.first() {
        Some(AuthMethod::Bearer { .. }) => "Credentials::bearer(\"token\")".to_owned(),
        Some(AuthMethod::ApiKeys { keys, .. }) => {
            let pairs: Vec<String> = keys
                .iter()
                .map(|k| format!("(\"{}\", \"…\")", k.name))
                .collect();
            format!("Credentials::api_keys([{}])", pairs.join(", "))
        }
        Some(AuthMethod::OAuth2ClientCredentials { .. }) => {
            "Credentials::oauth2_client_credentials(\"client-id\", \"client-secret\")".to_owned()
        }
        Some(AuthMethod::Basic { .. }) => "Credentials::basic(\"user\", \"password\")".to_owned(),
        Some(AuthMethod::AccessToken { .. }) => "Credentials::access_token(\"token\")".to_owned(),
        None => "Credentials::none()".to_owned(),
    }
}

/// The `Client`'s accessor methods for the top-level resources, under
/// their features when there are any.
fn accessors(api: &Api, node: &Resource<'_>, features: Option<&FeatureMap>) -> TokenStream {
    let methods = node.children.keys().map(|segment| {
        let ty = resource_type(api, std::slice::from_ref(segment));
        let method = ident(segment);
        let doc = format!(" Operations on `{segment}`.");
        let cfg = features.map(|_| super::features::cfg_tokens([segment]));
        quote! {
            #[doc = #doc]
            #cfg
            pub fn #method(&self) -> crate::resources::#ty<'_> {
                crate::resources::#ty { client: &self.inner }
            }
        }
    });
    quote!(#(#methods)*)
}

fn collect_resources(
    api: &Api,
    node: &Resource<'_>,
    path: &mut Vec<String>,
    flavor: Flavor,
    out: &mut Vec<Part>,
) {
    if !path.is_empty() {
        out.extend(resource_struct(api, node, path, flavor));
    }
    for (segment, child) in &node.children {
        path.push(segment.clone());
        collect_resources(api, child, path, flavor, out);
        path.pop();
    }
}

/// A resource's struct and its impl (accessors of its children, then its
/// operations), printed as text (see [`text`]).
fn resource_struct(api: &Api, node: &Resource<'_>, path: &[String], flavor: Flavor) -> [Part; 2] {
    let ty = &api.resource_types[path];
    let runtime_client = match flavor {
        Flavor::Async => "::apigen_runtime::Client",
        Flavor::Blocking => "::apigen_runtime::blocking::Client",
    };
    let mut p = Printer::default();
    p.docs(0, &[format!("Operations on `{}`.", path.join("."))]);
    p.line(0, "#[derive(Debug, Clone, Copy)]");
    p.line(0, &format!("pub struct {ty}<'c> {{"));
    p.line(4, &format!("pub(crate) client: &'c {runtime_client},"));
    p.line(0, "}");
    let definition = p.into_part();

    let mut p = Printer::default();
    p.line(0, &format!("impl<'c> {ty}<'c> {{"));
    for segment in node.children.keys() {
        let mut child_path = path.to_vec();
        child_path.push(segment.clone());
        let child = &api.resource_types[&child_path];
        p.docs(4, &[format!("Operations on `{}`.", child_path.join("."))]);
        p.fn_open(
            4,
            &format!("pub fn {segment}"),
            &[self_param()],
            Some(&Ty::borrowing_client(child.clone(), [])),
        );
        p.struct_literal(8, child, &["client: self.client".to_owned()]);
        p.line(4, "}");
    }
    for op in &node.operations {
        operation_method(&mut p, api, op, flavor);
    }
    p.line(0, "}");
    [definition, p.into_part()]
}

/// `&self`, as a parameter for [`Printer::fn_open`].
fn self_param() -> (String, Ty) {
    ("&self".to_owned(), Ty::Leaf(String::new()))
}

/// A resource's method for one operation: its required inputs as
/// arguments, returning the call.
fn operation_method(p: &mut Printer, api: &Api, op: &Operation, flavor: Flavor) {
    let call = match flavor {
        Flavor::Async => "::apigen_runtime::Call",
        Flavor::Blocking => "::apigen_runtime::blocking::Call",
    };
    let link = |name: &str| format!("[`{name}`](crate::operations::{name})");
    let mut sends = format!(
        "`{} {}`: sends {}",
        op.method.as_str(),
        op.path,
        link(&op.rust_name)
    );
    sends.push('.');
    if let Some(params) = &op.params_struct {
        sends.push_str(&format!(
            " Optional parameters: {}, set with `.params(…)` on the returned call.",
            link(params)
        ));
    }
    let mut facts = vec![sends];
    if let Some(pagination) = &op.pagination {
        let how = match flavor {
            Flavor::Async => "a `Stream`",
            Flavor::Blocking => "an `Iterator`",
        };
        let pages = match pagination.kind {
            PaginationKind::SinglePage => "the API returns the whole list at once",
            PaginationKind::PageNumber { .. } => "numbered pages",
            PaginationKind::Cursor { .. } => "cursor pages",
        };
        facts.push(format!(
            "Returns one page; `.items()` on the returned call yields every item of every page as {how} ({pages})."
        ));
    }
    facts.extend(super::responses::client_facts(op, flavor));
    facts.extend(super::security::client_facts(api, op));
    p.docs(4, &prose_and_facts_lines(op.docs.as_deref(), &facts));
    if op.deprecated {
        p.line(4, "#[deprecated = \"deprecated by the API\"]");
    }

    let mut params = vec![self_param()];
    let mut values = Vec::new();
    for param in &op.required_params {
        let rust = &param.rust_name;
        params.push((format!("{rust}: "), Ty::arg(&param.ty)));
        values.push(text::arg_value(&param.ty, rust));
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let (ty, value) = text::body_arg(body);
        params.push(("body: ".to_owned(), ty));
        values.push(value);
    }
    let op_ty = &op.rust_name;
    let returned = Ty::borrowing_client(call, [Ty::Leaf(format!("crate::operations::{op_ty}"))]);
    p.fn_open(
        4,
        &format!("pub fn {}", op.method_name),
        &params,
        Some(&returned),
    );
    let new = format!("crate::operations::{op_ty}::new");
    p.call_chain(8, "self.client", "call", &new, &values);
    p.line(4, "}");
}
