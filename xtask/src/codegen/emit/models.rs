//! The models crate: `types::*` (one file per schema) and `operations::*`
//! (one file per operation, each implementing the runtime's `Operation`).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{
    inner_doc_attrs, prose_and_facts_lines, raw_doc_attrs, raw_inner_doc_attrs, type_link,
};
use super::features::FeatureMap;
use super::text::{self, Printer, Ty, str_literal};
use super::{
    CrateNames, Job, ManifestMode, Part, ident, job, manifest, module_index, option_str, ready,
    rust_file, rust_file_of, shards, type_tokens,
};
use crate::codegen::ir::{
    Access, Api, EnumVariant, Envelope, Field, Method, Operation, OutputShape, PaginationKind,
    Param, ParamLocation, RequestBody, Struct, TypeDef, TypeKind, TypeRef, Union,
};

/// How the models crate is split into parts, if it is (see [`shards`]).
pub fn layout(api: &Api, mode: &ManifestMode) -> Option<shards::Layout> {
    let split = match mode {
        ManifestMode::Standalone { split, .. } => *split,
        ManifestMode::Workspace => shards::ModelsSplit::Off,
    };
    shards::plan(api, split, &CrateNames::of(api).models)
}

/// The files of the models crate (split as `layout` says), as jobs for
/// [`super::render`].
pub fn jobs<'a>(
    api: &'a Api,
    mode: &ManifestMode,
    features: Option<&'a FeatureMap>,
    layout: Option<&'a shards::Layout>,
    jobs: &mut Vec<Job<'a>>,
) {
    if let Some(layout) = layout {
        return split_jobs(api, mode, features, layout, jobs);
    }
    let dir = CrateNames::of(api).models;
    jobs.push(ready(
        format!("{dir}/Cargo.toml"),
        manifest::models(api, mode, features),
    ));
    let limit = recursion_limit(shards::nesting_bound(api));
    jobs.push(job(format!("{dir}/src/lib.rs"), move || {
        rust_file(api, lib_rs(api, limit))
    }));
    let types: Vec<&TypeDef> = api.types.values().collect();
    type_jobs(api, &dir, types, features, Vec::new(), jobs);
    let operations: Vec<&Operation> = api.operations.iter().collect();
    operation_jobs(api, &dir, operations, features, Visibility::Public, jobs);
}

/// The models as a facade crate that re-exports parts (see [`shards`]).
fn split_jobs<'a>(
    api: &'a Api,
    mode: &ManifestMode,
    features: Option<&'a FeatureMap>,
    layout: &'a shards::Layout,
    jobs: &mut Vec<Job<'a>>,
) {
    let crate_name = CrateNames::of(api).models;
    jobs.push(ready(
        format!("{crate_name}/Cargo.toml"),
        manifest::models_facade(api, mode, features, layout),
    ));
    let limit = recursion_limit(layout.nesting);
    jobs.push(job(format!("{crate_name}/src/lib.rs"), move || {
        rust_file(api, facade_lib_rs(api, layout, limit))
    }));
    let operations: BTreeMap<&str, &Operation> = api
        .operations
        .iter()
        .map(|op| (op.rust_name.as_str(), op))
        .collect();
    for part in &layout.parts {
        let dir = &part.crate_name;
        let deps: Vec<&str> = part
            .deps
            .iter()
            .map(|&d| layout.parts[d].crate_name.as_str())
            .collect();
        jobs.push(ready(
            format!("{dir}/Cargo.toml"),
            manifest::models_part(api, mode, features, part, &deps),
        ));
        jobs.push(job(format!("{dir}/src/lib.rs"), move || {
            rust_file(api, part_lib_rs(api, part, limit))
        }));
        let types: Vec<&TypeDef> = part
            .types
            .iter()
            .filter_map(|name| api.types.get(name))
            .collect();
        type_jobs(api, dir, types, features, deps, jobs);
        if !part.operations.is_empty() {
            let ops: Vec<&Operation> = part
                .operations
                .iter()
                .filter_map(|name| operations.get(name.as_str()).copied())
                .collect();
            // Each part keeps the envelope to itself; the facade declares
            // the public one, so the parts' globs cannot clash over it.
            operation_jobs(api, dir, ops, features, Visibility::Crate, jobs);
        }
    }
}

/// `src/types/*.rs` of a crate: one module per type, and an index that
/// also re-exports the `types` of the crates in `deps`, so that
/// `crate::types::X` names every type the crate's code refers to.
fn type_jobs<'a>(
    api: &'a Api,
    dir: &str,
    types: Vec<&'a TypeDef>,
    features: Option<&'a FeatureMap>,
    deps: Vec<&'a str>,
    jobs: &mut Vec<Job<'a>>,
) {
    for def in &types {
        let def = *def;
        jobs.push(job(
            format!("{dir}/src/types/{}.rs", def.module),
            move || rust_file_of(api, type_def(def)),
        ));
    }
    jobs.push(job(format!("{dir}/src/types/mod.rs"), move || {
        let index: Vec<(String, Option<String>)> = types
            .iter()
            .map(|def| {
                let cfg = features.and_then(|f| f.type_cfg(&def.name));
                (def.module.clone(), cfg)
            })
            .collect();
        // With resource features, all of a dependency's types can be
        // compiled out; its glob is then unused, and that is fine.
        let globs: Vec<String> = deps
            .iter()
            .map(|dep| format!("::{}::types", dep.replace('-', "_")))
            .collect();
        let index = module_index(
            "Named schemas of the spec, one module each.",
            &index,
            &globs,
        );
        rust_file_of(api, index)
    }));
}

/// Who sees the envelope constants of an `operations` module.
#[derive(Debug, Clone, Copy)]
enum Visibility {
    Public,
    /// A part of split models: the facade declares the public ones.
    Crate,
}

/// `src/operations/*.rs` of a crate: one module per operation, and an index
/// that holds the API's envelope, when it has one.
fn operation_jobs<'a>(
    api: &'a Api,
    dir: &str,
    operations: Vec<&'a Operation>,
    features: Option<&'a FeatureMap>,
    envelope: Visibility,
    jobs: &mut Vec<Job<'a>>,
) {
    for op in &operations {
        let op = *op;
        jobs.push(job(
            format!("{dir}/src/operations/{}.rs", op.module),
            move || rust_file_of(api, operation(op)),
        ));
    }
    jobs.push(job(format!("{dir}/src/operations/mod.rs"), move || {
        let index: Vec<(String, Option<String>)> = operations
            .iter()
            .map(|op| {
                let cfg = features.and_then(|f| f.operation_cfg(&op.rust_name));
                (op.module.clone(), cfg)
            })
            .collect();
        let mut parts = module_index(
            "One module per operation: its request, parameters and `Operation` impl.",
            &index,
            &[],
        );
        let visibility = match envelope {
            Visibility::Public => quote!(pub),
            Visibility::Crate => quote!(pub(crate)),
        };
        if let Some(e) = &api.envelope {
            parts.push(Part::Tokens(envelope_consts(e, visibility)));
        }
        rust_file_of(api, parts)
    }));
}

/// The facade of split models: the same `types` and `operations` modules
/// as an unsplit crate, re-exported from the parts.
fn facade_lib_rs(api: &Api, layout: &shards::Layout, limit: Option<usize>) -> TokenStream {
    let nesting_note = limit.map(recursion_limit_note);
    let limit = limit.map(recursion_limit_attr);
    let docs = inner_doc_attrs(&super::crate_intro(api, "Models"));
    let part = |p: &shards::Part| ident(&p.crate_name.replace('-', "_"));
    let type_parts = layout
        .parts
        .iter()
        .filter(|p| !p.types.is_empty())
        .map(part);
    let op_parts = layout
        .parts
        .iter()
        .filter(|p| !p.operations.is_empty())
        .map(part);
    let note = raw_inner_doc_attrs(&[
        "",
        "The models are split into parts (the `-t*` and `-ops*` crates) that cargo checks in",
        "parallel and in less memory; this crate re-exports them all, so that nothing else",
        "needs to name a part.",
    ]);
    let envelope = api
        .envelope
        .as_ref()
        .map(|e| envelope_consts(e, quote!(pub)));
    quote! {
        #docs
        #note
        #nesting_note

        #![warn(missing_docs)]
        #limit

        pub mod types {
            //! Named schemas of the spec.
            #(#[allow(unused_imports)] pub use ::#type_parts::types::*;)*
        }

        pub mod operations {
            //! One struct per operation: its request, parameters and `Operation` impl.
            #(#[allow(unused_imports)] pub use ::#op_parts::operations::*;)*
            #envelope
        }
    }
}

/// `#![recursion_limit]` for the models crates of an API where proving an
/// auto trait can take `steps` along one chain of nested types (see
/// [`shards::nesting_bound`]), when that is more than three quarters of
/// rustc's default of 128: the quarter left covers what the count leaves
/// out, the library types that end a chain (`serde_json::Value`,
/// `DateTime`). Twice the bound, rounded up to a power of two. The first
/// spec found with such chains, Stripe's (a component of 209 mutually
/// recursive types), failed `cargo doc` at 128.
fn recursion_limit(steps: usize) -> Option<usize> {
    (steps > 96).then(|| (2 * steps).next_power_of_two().max(256))
}

fn recursion_limit_attr(limit: usize) -> TokenStream {
    let limit = limit.to_string();
    quote!(#![recursion_limit = #limit])
}

/// The crate docs' account of a raised [`recursion_limit`]: a crate that
/// depends on this one proves auto traits of its types under its own limit,
/// so it can meet the same overflow (E0275) and needs the same attribute.
fn recursion_limit_note(limit: usize) -> TokenStream {
    let lines = [
        String::new(),
        "# Deeply nested types".to_owned(),
        String::new(),
        "Chains of nested types in this API can run deeper than rustc's default recursion limit"
            .to_owned(),
        "(128) follows when it proves their auto traits (`Send`, `Sync`, `UnwindSafe`), so this"
            .to_owned(),
        format!(
            "crate sets `#![recursion_limit = \"{limit}\"]`. A crate of yours that needs such a trait"
        ),
        "of one of these types, for example for a future holding one passed to `tokio::spawn`,"
            .to_owned(),
        "can meet the same limit (error E0275, \"overflow evaluating the requirement\"): the same"
            .to_owned(),
        "attribute at the root of that crate lifts it.".to_owned(),
    ];
    raw_inner_doc_attrs(&lines)
}

fn part_lib_rs(api: &Api, part: &shards::Part, limit: Option<usize>) -> TokenStream {
    let limit = limit.map(recursion_limit_attr);
    let text = format!(
        "A part of the models of {}, re-exported by the `{}` crate: depend on that one.",
        super::api_name(api),
        CrateNames::of(api).models
    );
    let docs = inner_doc_attrs(&text);
    let operations = (!part.operations.is_empty()).then(|| {
        quote!(
            pub mod operations;
        )
    });
    quote! {
        #docs

        #![warn(missing_docs)]
        #limit
        #![allow(
            clippy::large_enum_variant,
            clippy::self_named_constructors,
            clippy::should_implement_trait,
            clippy::too_many_arguments
        )]

        pub mod types;
        #operations
    }
}

/// The envelope, once per API: every operation's response shape names one
/// of these instead of spelling out the field names again.
fn envelope_consts(e: &Envelope, visibility: TokenStream) -> TokenStream {
    let result = &e.result;
    let (meta, success, errors) = (
        option_str(&e.meta),
        option_str(&e.success),
        option_str(&e.errors),
    );
    let doc = format!(" How this API wraps a response: the output is its `{result}` field.");
    quote! {
        #[doc = #doc]
        #visibility const ENVELOPE: ::apigen_runtime::Envelope = ::apigen_runtime::Envelope {
            result: #result,
            meta: #meta,
            success: #success,
            errors: #errors,
            result_is_list: false,
        };

        /// [`ENVELOPE`] around a list: a missing or `null` result is an empty list.
        #visibility const LIST_ENVELOPE: ::apigen_runtime::Envelope = ::apigen_runtime::Envelope {
            result_is_list: true,
            ..ENVELOPE
        };
    }
}

fn lib_rs(api: &Api, limit: Option<usize>) -> TokenStream {
    let nesting_note = limit.map(recursion_limit_note);
    let limit = limit.map(recursion_limit_attr);
    let docs = inner_doc_attrs(&super::crate_intro(api, "Models"));
    let organization = [
        "",
        "# Crate organization",
        "",
        "- [`types`]: every named schema of the spec, with serde derives. Structs are",
        "  `#[non_exhaustive]`: build one with `new` (its required fields) and the chainable",
        "  setters of the optional ones, so a field the API adds later does not break your code.",
        "- [`operations`]: one struct per API operation holding its arguments, implementing",
        "  the runtime's `Operation` trait (and `Paginated` for lists).",
        "",
        "This crate does no I/O; the `-client` (async) and `-blocking` crates send these",
        "operations.",
    ];
    let organization = raw_inner_doc_attrs(&organization);
    quote! {
        #docs
        #organization
        #nesting_note
        #![warn(missing_docs)]
        #limit
        #![allow(
            clippy::large_enum_variant,
            clippy::self_named_constructors,
            clippy::should_implement_trait,
            clippy::too_many_arguments
        )]

        pub mod operations;
        pub mod types;
    }
}

/// A field's docs: the spec's, or else the one fact a reader of the Rust
/// declaration cannot see, its JSON name; and what the two levels of
/// `Option` mean when a property may be absent or `null`.
fn field_doc(field: &Field) -> Vec<String> {
    let mut facts = Vec::new();
    if field.ty.is_file() {
        facts.push(format!(
            "Sent as the file part {} of a multipart body (never serialized with serde).",
            code(&field.wire_name)
        ));
    } else if field.docs.is_none() {
        facts.push(format!("JSON property {}.", code(&field.wire_name)));
    }
    if !field.required && field.nullable {
        facts.push("`None` when the property is absent, `Some(None)` when it is `null`.".into());
    }
    prose_and_facts_lines(field.docs.as_deref(), &facts)
}

fn type_def(def: &TypeDef) -> Vec<Part> {
    let docs = prose_and_facts_lines(def.docs.as_deref(), &[format!("Schema `{}`.", def.origin)]);
    let name = ident(&def.name);
    let body = match &def.kind {
        TypeKind::Struct(s) => {
            return vec![
                struct_def(&def.name, &docs, s),
                constructor_and_setters(&def.name, s),
            ];
        }
        TypeKind::Enum(variants) => return enum_def(&def.name, &docs, variants),
        TypeKind::Union(union) => match &union.discriminator {
            None => return vec![untagged_union(&def.name, &docs, union)],
            Some(property) => discriminated_union(&name, union, property),
        },
        TypeKind::Alias(target) => {
            let target = type_tokens(target);
            quote!(pub type #name = #target;)
        }
    };
    let docs = raw_doc_attrs(&docs);
    vec![Part::Tokens(quote! {
        #docs
        #body
    })]
}

/// The field's Rust type, with `Option`s for optional / nullable and a box
/// where recursion needs one.
fn field_type(field: &Field) -> Ty {
    let mut ty = Ty::of(&field.ty);
    if field.boxed {
        ty = Ty::wrap("Box", ty);
    }
    match (field.required, field.nullable) {
        (true, false) => ty,
        (true, true) | (false, false) => Ty::wrap("Option", ty),
        (false, true) => Ty::wrap("Option", Ty::wrap("Option", ty)),
    }
}

/// The struct of an object schema, printed as text (see [`text`]).
fn struct_def(name: &str, docs: &[String], s: &Struct) -> Part {
    let all_optional = s.fields.iter().all(|f| !f.required || f.nullable);
    let mut p = Printer::default();
    p.docs(0, docs);
    p.line(
        0,
        if all_optional {
            "#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]"
        } else {
            "#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]"
        },
    );
    p.line(0, "#[non_exhaustive]");
    let mut fields = Printer::default();
    for field in &s.fields {
        let mut serde = Vec::new();
        if field.rust_name != field.wire_name {
            serde.push(format!("rename = {}", str_literal(&field.wire_name)));
        }
        let optional = "skip_serializing_if = \"Option::is_none\"";
        match (field.required, field.nullable) {
            // Files are sent as multipart parts only, never as JSON.
            _ if field.ty.is_file() => serde.push("skip".into()),
            (true, false) => {}
            (true, true) => serde.push("default".into()),
            (false, false) => serde.extend(["default".into(), optional.into()]),
            (false, true) => serde.extend([
                "default".into(),
                optional.into(),
                "with = \"::serde_with::rust::double_option\"".into(),
            ]),
        }
        fields.field(
            &field_doc(field),
            &serde,
            &field.rust_name,
            &field_type(field),
        );
    }
    if let Some(value) = &s.additional {
        fields.field(
            &["Properties not declared by the schema."],
            &["flatten".to_owned()],
            &s.additional_field,
            &string_map(value),
        );
    }
    p.struct_body(name, fields);
    p.into_part()
}

/// `::std::collections::BTreeMap<String, value>`.
fn string_map(value: &TypeRef) -> Ty {
    Ty::Generic(
        "::std::collections::BTreeMap".into(),
        vec![Ty::Leaf("String".into()), Ty::of(value)],
    )
}

/// Whether a field is an argument of the struct's `new`: it must be sent
/// and has no `None` to start from.
fn is_constructor_arg(field: &Field) -> bool {
    field.required && !field.nullable
}

/// `new(required…)` and one chainable setter per other field: the only way
/// to build the `#[non_exhaustive]` struct from another crate, and one that
/// a new optional field (a new setter) does not break. A setter takes the
/// field's type without its outer `Option`, so it changes exactly when the
/// field's Rust type does. Printed as text (see [`text`]).
fn constructor_and_setters(name: &str, s: &Struct) -> Part {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut required = Vec::new();
    let mut setters = Printer::default();
    for field in &s.fields {
        let rust = &field.rust_name;
        // Absent and `null` are both possible: the setter takes the
        // `Option` that tells them apart.
        let double = !field.required && field.nullable;
        let arg = if double {
            Ty::wrap("Option", Ty::of(&field.ty))
        } else {
            Ty::arg(&field.ty)
        };
        let stored = |name: &str| {
            let value = text::arg_value(&field.ty, name);
            match (field.boxed, double) {
                (false, false) => value,
                (true, false) => format!("Box::new({value})"),
                (false, true) => name.to_owned(),
                (true, true) => format!("{name}.map(Box::new)"),
            }
        };
        if is_constructor_arg(field) {
            required.push(format!("`{rust}`"));
            args.push((format!("{rust}: "), arg));
            // Shorthand where the argument is stored as it is.
            inits.push(text::field_init(rust, &stored(rust)));
            continue;
        }
        inits.push(format!("{rust}: None"));
        let mut doc = vec![format!(
            "Sets [`{rust}`](Self::{rust}) (JSON property {}).",
            code(&field.wire_name)
        )];
        if double {
            doc.push(String::new());
            doc.push("`None` sends `null`; a field never set is left out.".into());
        } else if field.nullable {
            doc.push(String::new());
            doc.push("A field never set is sent as `null`.".into());
        }
        setters.setter(&doc, rust, arg, &format!("Some({})", stored("value")));
    }
    if let Some(value) = &s.additional {
        let rust = &s.additional_field;
        inits.push(format!("{rust}: ::std::collections::BTreeMap::new()"));
        setters.setter(
            &["Sets the properties not declared by the schema (sent beside the declared ones)."],
            rust,
            string_map(value),
            "value",
        );
    }
    let has_setters = !setters.is_empty();
    let mut doc = vec![if required.is_empty() {
        format!(
            "Creates {} with every field unset (`None`), as `{name}::default()` does.",
            type_link(name)
        )
    } else {
        format!(
            "Creates {} from its required {} {}; every other field starts unset (`None`).",
            type_link(name),
            if required.len() == 1 {
                "field"
            } else {
                "fields"
            },
            required.join(", ")
        )
    }];
    if has_setters {
        doc.push(String::new());
        doc.push(format!(
            "Set {} with the chainable setters. The struct is `#[non_exhaustive]`: a field the \
             API adds later comes with a setter of its own, so code that builds {} this \
             way keeps compiling.",
            if required.is_empty() {
                "fields"
            } else {
                "the others"
            },
            type_link(name)
        ));
    }
    let mut p = Printer::default();
    p.fixed(0, &format!("impl {name} {{"));
    p.docs(4, &doc);
    p.inline_unless_generic(4, &args);
    p.fn_open(4, "pub fn new", &args, Some(&Ty::self_type()));
    p.struct_literal(8, "Self", &inits);
    p.line(4, "}");
    p.append(setters);
    p.line(0, "}");
    p.into_part()
}

/// An open string enum. Its serde impls are written out rather than
/// derived: a derive with an `untagged` fallback variant buffers every value
/// and expands to several times the code, which on an API with 1,500 enums
/// costs 10% of the models' compile time and memory.
fn enum_def(name: &str, docs: &[String], variants: &[EnumVariant]) -> Vec<Part> {
    let mut p = Printer::default();
    p.docs(0, docs);
    p.line(
        0,
        "#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]",
    );
    p.line(0, "#[non_exhaustive]");
    p.fixed(0, &format!("pub enum {name} {{"));
    for v in variants {
        let doc = if v.wire_name.is_empty() {
            "The empty string.".to_owned()
        } else {
            format!("`{}`", v.wire_name.replace('`', "'"))
        };
        p.docs(4, &[doc]);
        p.fixed(4, &format!("{},", v.rust_name));
    }
    p.docs(
        4,
        &["A value this version of the SDK does not know, kept verbatim."],
    );
    p.line(4, "Unknown(String),");
    p.line(0, "}");
    let definition = p.into_part();

    let mut p = Printer::default();
    p.fixed(0, &format!("impl {name} {{"));
    p.docs(4, &["The value as sent on the wire."]);
    // Inline, as the constructors and setters (`Printer::inline_unless_generic`):
    // these three are each a `match` over every value, compiled otherwise
    // into the models crate for all 1,500 enums of a big API.
    p.line(4, "#[inline]");
    p.line(4, "pub fn as_str(&self) -> &str {");
    let to_wire = variants
        .iter()
        .map(|v| (format!("Self::{}", v.rust_name), str_literal(&v.wire_name)));
    p.match_body("self", to_wire, "Self::Unknown(value) => value,");
    p.line(4, "}");
    p.line(0, "}");
    let as_str = p.into_part();

    let mut p = Printer::default();
    p.impl_open("impl From<String>", name);
    p.docs(
        4,
        &["The variant for a wire value; `Unknown` for any other."],
    );
    p.line(4, "#[inline]");
    p.line(4, "fn from(value: String) -> Self {");
    let from_wire = variants
        .iter()
        .map(|v| (str_literal(&v.wire_name), format!("Self::{}", v.rust_name)));
    p.match_body("value.as_str()", from_wire, "_ => Self::Unknown(value),");
    p.line(4, "}");
    p.line(0, "}");
    let from = p.into_part();

    let display = text::impl_block(
        "impl ::std::fmt::Display",
        name,
        &[
            "    #[inline]",
            "    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {",
            "        f.write_str(self.as_str())",
            "    }",
        ],
    );
    let serialize = text::impl_block(
        "impl ::serde::Serialize",
        name,
        &[
            "    fn serialize<S: ::serde::Serializer>(",
            "        &self,",
            "        serializer: S,",
            "    ) -> Result<S::Ok, S::Error> {",
            "        serializer.serialize_str(self.as_str())",
            "    }",
        ],
    );
    let deserialize = text::impl_block(
        "impl<'de> ::serde::Deserialize<'de>",
        name,
        &[
            "    fn deserialize<D: ::serde::Deserializer<'de>>(",
            "        deserializer: D,",
            "    ) -> Result<Self, D::Error> {",
            "        <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)",
            "    }",
        ],
    );
    vec![definition, as_str, from, display, serialize, deserialize]
}

/// A union without a discriminator, printed as text: serde tries the
/// variants in order. `#[non_exhaustive]`: a variant the API adds later is
/// not a break for code that matches on the union.
fn untagged_union(name: &str, docs: &[String], union: &Union) -> Part {
    let mut p = Printer::default();
    p.docs(0, docs);
    p.line(
        0,
        "#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]",
    );
    p.line(0, "#[serde(untagged)]");
    p.line(0, "#[non_exhaustive]");
    p.fixed(0, &format!("pub enum {name} {{"));
    for v in &union.variants {
        p.docs(4, &[format!("A {}.", v.ty.describe())]);
        let mut ty = Ty::of(&v.ty);
        if v.boxed {
            ty = Ty::wrap("Box", ty);
        }
        p.tuple_variant(&v.rust_name, &ty);
    }
    p.line(0, "}");
    p.into_part()
}

/// A union with a discriminator: the variant is picked by the property's
/// value, so a variant keeps the property as its own field, and unknown
/// values are kept.
fn discriminated_union(name: &proc_macro2::Ident, union: &Union, property: &str) -> TokenStream {
    let defs = union.variants.iter().map(|v| {
        let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
        let doc = format!(
            " A {} (`{property}` is {}).",
            v.ty.describe(),
            tags.join(" or ")
        );
        let rust = ident(&v.rust_name);
        let mut ty = type_tokens(&v.ty);
        if v.boxed {
            ty = quote!(Box<#ty>);
        }
        quote! {
            #[doc = #doc]
            #rust(#ty),
        }
    });
    let arms = union.variants.iter().map(|v| {
        let rust = ident(&v.rust_name);
        let tags = &v.tags;
        let wrap = if v.boxed {
            quote!(|v| Self::#rust(Box::new(v)))
        } else {
            quote!(Self::#rust)
        };
        quote!(#(Some(#tags))|* => ::serde_json::from_value(value).map(#wrap),)
    });
    let unknown_doc =
        format!(" A `{property}` value this version of the SDK does not know, kept verbatim.");
    quote! {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            #[doc = #unknown_doc]
            Unknown(::serde_json::Value),
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(str::to_owned);
                let decoded = match tag.as_deref() {
                    #(#arms)*
                    _ => return Ok(Self::Unknown(value)),
                };
                decoded.map_err(::serde::de::Error::custom)
            }
        }
    }
}

fn method_tokens(method: Method) -> TokenStream {
    let variant = ident(super::operation_text::method_variant(method));
    quote!(#variant)
}

fn param_doc(param: &Param) -> Vec<String> {
    let location = match param.location {
        ParamLocation::Path => "Path",
        ParamLocation::Query => "Query",
        ParamLocation::Header => "Header",
        ParamLocation::Cookie => "Cookie",
    };
    let fact = format!("{location} parameter {}.", code(&param.wire_name));
    prose_and_facts_lines(param.docs.as_deref(), &[fact])
}

/// `text` as inline code, whatever it holds.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// How a body is sent, for its field's docs.
fn body_doc(body: &RequestBody) -> Vec<String> {
    let fact = match &body.choice {
        None => format!("Sent as the request body ({}).", code(&body.content_type)),
        Some(choice) => {
            let types: Vec<String> = body
                .alternatives
                .iter()
                .map(|a| code(&a.content_type))
                .collect();
            format!(
                "Sent as the request body in the media type of the {} variant chosen ({}).",
                type_link(choice),
                types.join(", ")
            )
        }
    };
    prose_and_facts_lines(body.docs.as_deref(), &[fact])
}

/// An operation's file: its optional parameters, its body choice, the
/// operation struct and its impls. The structs and the simple impls are
/// printed as text (see [`text`]); the `Operation` impl and the rest go
/// through prettyplease.
fn operation(op: &Operation) -> Vec<Part> {
    let name = &op.rust_name;
    let signature = format!("`{} {}`", op.method.as_str(), op.path);
    let mut facts = vec![format!(
        "{signature} (operation {}).",
        code(&op.operation_id)
    )];
    if op.deprecated {
        // An attribute would warn inside this crate's own impls; the client
        // methods carry `#[deprecated]` instead.
        facts.push("**Deprecated** by the API.".to_owned());
    }
    let mut parts = Vec::new();
    if let Some(params) = &op.params_struct {
        parts.extend(params_struct(op, params));
    }
    parts.extend(super::body::body_enum(op).map(Part::Tokens));

    // The operation struct and its constructor.
    let mut fields = Printer::default();
    let mut ctor_args = Vec::new();
    let mut ctor_fields = Vec::new();
    for param in &op.required_params {
        let rust = &param.rust_name;
        fields.field(&param_doc(param), &[], rust, &Ty::of(&param.ty));
        ctor_args.push((format!("{rust}: "), Ty::arg(&param.ty)));
        ctor_fields.push(text::field_init(rust, &text::arg_value(&param.ty, rust)));
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        fields.field(&body_doc(body), &[], "body", &text::body_type(body));
        let (arg, value) = text::body_arg(body);
        ctor_args.push(("body: ".to_owned(), arg));
        ctor_fields.push(text::field_init("body", &value));
    }
    // Optional inputs are not constructor arguments: they are set on the
    // call (`OptionalParams`), so a first optional parameter keeps `new`.
    if let Some(params) = &op.params_struct {
        fields.field(
            &["Optional parameters (set with `.params(…)` on the call)."],
            &[],
            "params",
            &Ty::Leaf(params.clone()),
        );
        ctor_fields.push(format!("params: {params}::new()"));
    }
    let mut p = Printer::default();
    p.docs(0, &prose_and_facts_lines(op.docs.as_deref(), &facts));
    // An operation without arguments is its own default value.
    p.line(
        0,
        if ctor_args.is_empty() {
            "#[derive(Debug, Clone, PartialEq, Default)]"
        } else {
            "#[derive(Debug, Clone, PartialEq)]"
        },
    );
    p.line(0, "#[non_exhaustive]");
    p.struct_body(name, fields);
    parts.push(p.into_part());

    let mut p = Printer::default();
    p.fixed(0, &format!("impl {name} {{"));
    p.docs(4, &[format!("Creates the `{}` request.", op.operation_id)]);
    p.inline_unless_generic(4, &ctor_args);
    p.fn_open(4, "pub fn new", &ctor_args, Some(&Ty::self_type()));
    p.struct_literal(8, "Self", &ctor_fields);
    p.line(4, "}");
    p.line(0, "}");
    parts.push(p.into_part());

    parts.push(
        super::operation_text::operation_impl(op)
            .unwrap_or_else(|| Part::Tokens(operation_impl(op))),
    );

    if let Some(params) = &op.params_struct {
        let mut p = Printer::default();
        p.impl_open("impl ::apigen_runtime::OptionalParams", name);
        p.fixed(4, &format!("type Params = {params};"));
        p.fn_open(
            4,
            "fn params_mut",
            &[("&mut self".to_owned(), Ty::Leaf(String::new()))],
            Some(&Ty::Leaf(format!("&mut {params}"))),
        );
        p.line(8, "&mut self.params");
        p.line(4, "}");
        p.line(0, "}");
        parts.push(p.into_part());
    }
    let paginated = op.pagination.as_ref().map(|_| paginated_impl(op));
    let responses = super::responses::items(op);
    if paginated.is_some() || !responses.is_empty() {
        parts.push(Part::Tokens(quote! {
            #paginated
            #responses
        }));
    }
    parts
}

/// The `impl Operation` of an operation: what the runtime needs to send it.
pub(super) fn operation_impl(op: &Operation) -> TokenStream {
    let name = ident(&op.rust_name);
    let mut build = build_body(op);
    if let Some(accept) = &op.output.accept {
        // The media types the output decodes, not the default JSON.
        build.extend(quote!(request.header("accept", &#accept)?;));
    }
    let request = if build.is_empty() {
        format_ident!("_request")
    } else {
        format_ident!("request")
    };
    let output = match op.output.shape {
        OutputShape::Empty => quote!(()),
        _ => super::responses::output_type(op).unwrap_or_else(|| type_tokens(&op.output.ty)),
    };
    let meta = op.output.meta.as_ref().map_or(quote!(()), type_tokens);
    let shape = match op.output.shape {
        OutputShape::Empty => quote!(::apigen_runtime::ResponseShape::Empty),
        OutputShape::Plain => quote!(::apigen_runtime::ResponseShape::Plain),
        OutputShape::Raw => quote!(::apigen_runtime::ResponseShape::Raw),
        OutputShape::Text | OutputShape::ByStatus => {
            super::responses::shape(op).unwrap_or_default()
        }
        OutputShape::Envelope if matches!(op.output.ty, TypeRef::Vec(_)) => {
            quote!(::apigen_runtime::ResponseShape::Envelope(
                crate::operations::LIST_ENVELOPE
            ))
        }
        OutputShape::Envelope => {
            quote!(::apigen_runtime::ResponseShape::Envelope(
                crate::operations::ENVELOPE
            ))
        }
    };
    let operation_id = &op.operation_id;
    let path = &op.path;
    let method = method_tokens(op.method);
    let security = super::security::security_const(op);
    quote! {
        impl ::apigen_runtime::Operation for #name {
            type Output = #output;
            type Meta = #meta;

            const INFO: ::apigen_runtime::OperationInfo = ::apigen_runtime::OperationInfo {
                operation_id: #operation_id,
                method: ::apigen_runtime::Method::#method,
                path_template: #path,
                response: #shape,
            };
            #security

            fn build(&self, #request: &mut ::apigen_runtime::RequestParts) -> Result<(), ::apigen_runtime::Error> {
                #build
                Ok(())
            }
        }
    }
}

/// The optional parameters of an operation and their setters, as text.
fn params_struct(op: &Operation, name: &str) -> [Part; 2] {
    let mut fields = Printer::default();
    let mut setters = Printer::default();
    for param in &op.optional_params {
        let rust = &param.rust_name;
        fields.field(
            &param_doc(param),
            &[],
            rust,
            &Ty::wrap("Option", Ty::of(&param.ty)),
        );
        setters.setter(
            &[format!("Sets [`{rust}`](Self::{rust}).")],
            rust,
            Ty::arg(&param.ty),
            &format!("Some({})", text::arg_value(&param.ty, "value")),
        );
    }
    if let Some(body) = op.body.as_ref().filter(|b| !b.required) {
        fields.field(
            &body_doc(body),
            &[],
            "body",
            &Ty::wrap("Option", text::body_type(body)),
        );
        setters.setter(
            &["Sets the request body."],
            "body",
            text::body_type(body),
            "Some(value)",
        );
    }
    let mut p = Printer::default();
    p.docs(
        0,
        &[format!(
            "Optional parameters of {}.",
            type_link(&op.rust_name)
        )],
    );
    p.line(0, "#[derive(Debug, Clone, Default, PartialEq)]");
    p.line(0, "#[non_exhaustive]");
    p.struct_body(name, fields);
    let definition = p.into_part();

    let mut p = Printer::default();
    p.fixed(0, &format!("impl {name} {{"));
    p.docs(4, &["Parameters with nothing set."]);
    p.inline_unless_generic(4, &[]);
    p.line(4, "pub fn new() -> Self {");
    p.line(8, "Self::default()");
    p.line(4, "}");
    p.append(setters);
    p.line(0, "}");
    [definition, p.into_part()]
}

fn build_body(op: &Operation) -> TokenStream {
    let mut steps = Vec::new();
    for param in &op.required_params {
        let value = format!("&self.{}", param.rust_name);
        steps.push(super::body::param_call(param, &value).tokens());
    }
    for param in &op.optional_params {
        let value = format!("&self.params.{}", param.rust_name);
        steps.push(super::body::param_call(param, &value).tokens());
    }
    if let Some(body) = &op.body {
        if body.required {
            steps.push(super::body::send_body(body, "self.body", false));
        } else {
            let send = super::body::send_body(body, "body", true);
            steps.push(quote! {
                if let Some(body) = &self.params.body {
                    #send
                }
            });
        }
    }
    quote!(#(#steps)*)
}

/// An expression reading an optional field path as `Option<&T>`.
fn read_path(root: TokenStream, path: &[Access]) -> (TokenStream, bool) {
    let mut expr = root;
    let mut is_option = false;
    for access in path {
        let field = ident(&access.field);
        expr = match (is_option, access.optional) {
            (false, false) => quote!(#expr.#field),
            (false, true) => quote!(#expr.#field.as_ref()),
            (true, false) => quote!(#expr.map(|v| &v.#field)),
            (true, true) => quote!(#expr.and_then(|v| v.#field.as_ref())),
        };
        is_option |= access.optional;
        if access.double_optional {
            expr = quote!(#expr.and_then(Option::as_ref));
        }
    }
    (expr, is_option)
}

fn paginated_impl(op: &Operation) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return quote!();
    };
    let name = ident(&op.rust_name);
    let item = type_tokens(&pagination.item);
    let kind = match pagination.kind {
        PaginationKind::SinglePage => quote!(SinglePage),
        PaginationKind::PageNumber { .. } => quote!(PageNumber),
        PaginationKind::Cursor { .. } => quote!(Cursor),
    };

    // Moving the items out of the output.
    let mut items = quote!(output);
    let mut is_option = false;
    for access in &pagination.items_path {
        let field = ident(&access.field);
        items = match (is_option, access.optional) {
            (false, _) => quote!(#items.#field),
            (true, false) => quote!(#items.map(|v| v.#field)),
            (true, true) => quote!(#items.and_then(|v| v.#field)),
        };
        is_option |= access.optional;
        if access.double_optional {
            items = quote!(#items.flatten());
        }
    }
    if is_option || pagination.items_optional {
        items = quote!(#items.unwrap_or_default());
    }

    let extra = match &pagination.kind {
        PaginationKind::SinglePage => quote!(),
        PaginationKind::PageNumber {
            page_param,
            page_ty,
            total_pages,
        } => {
            let field = ident(page_param);
            let max = match page_ty {
                TypeRef::I32 => quote!(i32::MAX),
                TypeRef::U32 => quote!(u32::MAX),
                _ => quote!(i64::MAX),
            };
            let (read, write) = match page_ty {
                TypeRef::F32 | TypeRef::F64 => (
                    quote!(self.params.#field.map(|page| page as u64)),
                    quote!(page as _),
                ),
                TypeRef::U64 => (quote!(self.params.#field), quote!(page)),
                _ => (
                    quote!(self.params.#field.and_then(|page| u64::try_from(page).ok())),
                    quote!(page.try_into().unwrap_or(#max)),
                ),
            };
            let total = total_pages.as_ref().map(|(access, ty)| {
                let (expr, is_option) = read_path(quote!(meta), std::slice::from_ref(access));
                let convert = match ty {
                    TypeRef::F32 | TypeRef::F64 => quote!(.map(|pages| *pages as u64)),
                    TypeRef::U64 => quote!(.copied()),
                    _ => quote!(.and_then(|pages| u64::try_from(*pages).ok())),
                };
                let expr = if is_option {
                    quote!(#expr #convert)
                } else {
                    quote!(Some(&#expr) #convert)
                };
                quote! {
                    fn total_pages(meta: &Self::Meta) -> Option<u64> {
                        #expr
                    }
                }
            });
            quote! {
                fn page(&self) -> Option<u64> {
                    #read
                }

                fn set_page(&mut self, page: u64) {
                    self.params.#field = Some(#write);
                }

                #total
            }
        }
        PaginationKind::Cursor {
            cursor_param,
            next_cursor,
        } => {
            let field = ident(cursor_param);
            let (expr, is_option) = read_path(quote!(output), next_cursor);
            let expr = if is_option {
                quote!(#expr.map(ToString::to_string))
            } else {
                quote!(Some(#expr.to_string()))
            };
            quote! {
                fn next_cursor(output: &Self::Output) -> Option<String> {
                    #expr
                }

                fn set_cursor(&mut self, cursor: String) {
                    self.params.#field = Some(cursor);
                }
            }
        }
    };
    quote! {
        impl ::apigen_runtime::Paginated for #name {
            type Item = #item;

            const PAGINATION: ::apigen_runtime::Pagination = ::apigen_runtime::Pagination::#kind;

            fn into_items(output: Self::Output) -> Vec<Self::Item> {
                #items
            }

            #extra
        }
    }
}
