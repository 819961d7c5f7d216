//! The models crate: `types::*` (one file per schema) and `operations::*`
//! (one file per operation, each implementing the runtime's `Operation`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{doc_attrs, inner_doc_attrs, raw_doc_attrs, raw_inner_doc_attrs};
use super::features::FeatureMap;
use super::{
    CrateNames, GeneratedFile, ManifestMode, describe, ident, manifest, parallel_map, rust_file,
    type_tokens,
};
use crate::codegen::ir::{
    Access, Api, EnumVariant, Field, Method, Operation, OutputShape, PaginationKind, Param,
    ParamLocation, Struct, TypeDef, TypeKind, TypeRef, Union,
};
use crate::codegen::naming::{file_modules, snake};

pub fn render(
    api: &Api,
    mode: &ManifestMode,
    features: Option<&FeatureMap>,
) -> Result<Vec<GeneratedFile>, String> {
    let crate_name = CrateNames::of(api).models;
    let dir = crate_name.clone();
    let mut files = vec![GeneratedFile {
        path: format!("{dir}/Cargo.toml"),
        contents: manifest::models(api, mode, features),
    }];
    files.push(GeneratedFile {
        path: format!("{dir}/src/lib.rs"),
        contents: rust_file(api, lib_rs(api))?,
    });

    // Module names are unique even when two type names differ only in case,
    // and short enough for any file system.
    let snake_names: Vec<String> = api.types.values().map(|def| snake(&def.name)).collect();
    let type_modules: Vec<(String, &TypeDef)> =
        file_modules(snake_names.iter().map(String::as_str))
            .into_iter()
            .zip(api.types.values())
            .collect();
    files.extend(parallel_map(&type_modules, |(module, def)| {
        Ok(GeneratedFile {
            path: format!("{dir}/src/types/{module}.rs"),
            contents: rust_file(api, type_def(def))?,
        })
    })?);
    let type_modules: Vec<(String, TokenStream)> = type_modules
        .into_iter()
        .map(|(module, def)| {
            (
                module,
                features.map(|f| f.type_cfg(&def.name)).unwrap_or_default(),
            )
        })
        .collect();
    files.push(GeneratedFile {
        path: format!("{dir}/src/types/mod.rs"),
        contents: rust_file(
            api,
            module_index("Named schemas of the spec, one module each.", &type_modules),
        )?,
    });

    let op_files: Vec<(String, &Operation)> =
        file_modules(api.operations.iter().map(|op| op.module.as_str()))
            .into_iter()
            .zip(&api.operations)
            .collect();
    files.extend(parallel_map(&op_files, |(module, op)| {
        Ok(GeneratedFile {
            path: format!("{dir}/src/operations/{module}.rs"),
            contents: rust_file(api, operation(api, op))?,
        })
    })?);
    let op_modules: Vec<(String, TokenStream)> = op_files
        .into_iter()
        .map(|(module, op)| {
            (
                module,
                features
                    .map(|f| f.operation_cfg(&op.rust_name))
                    .unwrap_or_default(),
            )
        })
        .collect();
    files.push(GeneratedFile {
        path: format!("{dir}/src/operations/mod.rs"),
        contents: rust_file(
            api,
            module_index(
                "One module per operation: its request, parameters and `Operation` impl.",
                &op_modules,
            ),
        )?,
    });
    Ok(files)
}

fn lib_rs(api: &Api) -> TokenStream {
    let mut text = format!(
        "Models for {} (version {}).",
        super::api_name(api),
        api.version
    );
    if let Some(description) = &api.description {
        text.push_str("\n\n");
        text.push_str(description);
    }
    let docs = inner_doc_attrs(&text);
    let organization = [
        "",
        "# Crate organization",
        "",
        "- [`types`]: every named schema of the spec, with serde derives.",
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
        #![warn(missing_docs)]
        #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

        pub mod operations;
        pub mod types;
    }
}

/// `mod x; pub use x::*;` for every module, under its `cfg` if any.
fn module_index(doc: &str, modules: &[(String, TokenStream)]) -> TokenStream {
    let doc = format!(" {doc}");
    let items = modules.iter().map(|(module, cfg)| {
        let module = ident(module);
        quote! {
            #cfg
            mod #module;
            #cfg
            pub use #module::*;
        }
    });
    quote! {
        #![doc = #doc]
        #(#items)*
    }
}

fn docs_or(docs: &Option<String>, fallback: impl FnOnce() -> String) -> TokenStream {
    match docs {
        Some(text) => doc_attrs(text),
        None => raw_doc_attrs(&[fallback()]),
    }
}

fn type_def(def: &TypeDef) -> TokenStream {
    let origin = format!("Schema `{}`.", def.origin);
    let docs = match &def.docs {
        Some(text) => {
            let mut d = doc_attrs(text);
            d.extend(raw_doc_attrs(&[String::new(), origin]));
            d
        }
        None => raw_doc_attrs(&[origin]),
    };
    let name = ident(&def.name);
    let body = match &def.kind {
        TypeKind::Struct(s) => struct_def(&name, s),
        TypeKind::Enum(variants) => enum_def(&name, variants),
        TypeKind::Union(union) => union_def(&name, union),
        TypeKind::Alias(target) => {
            let target = type_tokens(target);
            quote!(pub type #name = #target;)
        }
    };
    quote! {
        #docs
        #body
    }
}

/// The field's Rust type, with `Option`s for optional / nullable and a box
/// where recursion needs one.
fn field_type(field: &Field) -> TokenStream {
    let mut ty = type_tokens(&field.ty);
    if field.boxed {
        ty = quote!(Box<#ty>);
    }
    match (field.required, field.nullable) {
        (true, false) => ty,
        (true, true) | (false, false) => quote!(Option<#ty>),
        (false, true) => quote!(Option<Option<#ty>>),
    }
}

fn struct_def(name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let all_optional = s.fields.iter().all(|f| !f.required || f.nullable);
    let default = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    let fields = s.fields.iter().map(|field| {
        let docs = docs_or(&field.docs, || {
            format!("The `{}` field ({}).", field.wire_name, describe(&field.ty))
        });
        let rust = ident(&field.rust_name);
        let ty = field_type(field);
        let rename = (field.rust_name != field.wire_name).then(|| {
            let wire = &field.wire_name;
            quote!(rename = #wire,)
        });
        let serde = match (field.required, field.nullable) {
            (true, false) => quote!(),
            (true, true) => quote!(default,),
            (false, false) => quote!(default, skip_serializing_if = "Option::is_none",),
            (false, true) => quote!(
                default,
                skip_serializing_if = "Option::is_none",
                with = "::serde_with::rust::double_option",
            ),
        };
        let attr = if rename.is_none() && serde.is_empty() {
            quote!()
        } else {
            quote!(#[serde(#rename #serde)])
        };
        quote! {
            #docs
            #attr
            pub #rust: #ty,
        }
    });
    let additional = s.additional.as_ref().map(|value| {
        let name = if s
            .fields
            .iter()
            .any(|f| f.rust_name == "additional_properties")
        {
            format_ident!("additional_properties_2")
        } else {
            format_ident!("additional_properties")
        };
        let value = type_tokens(value);
        quote! {
            /// Properties not declared by the schema.
            #[serde(flatten)]
            pub #name: ::std::collections::BTreeMap<String, #value>,
        }
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

fn enum_def(name: &proc_macro2::Ident, variants: &[EnumVariant]) -> TokenStream {
    let defs = variants.iter().map(|v| {
        let doc = if v.wire_name.is_empty() {
            " The empty string.".to_owned()
        } else {
            format!(" `{}`", v.wire_name.replace('`', "'"))
        };
        let rust = ident(&v.rust_name);
        let wire = &v.wire_name;
        quote! {
            #[doc = #doc]
            #[serde(rename = #wire)]
            #rust,
        }
    });
    let arms = variants.iter().map(|v| {
        let rust = ident(&v.rust_name);
        let wire = &v.wire_name;
        quote!(Self::#rust => #wire,)
    });
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value this version of the SDK does not know, kept verbatim.
            #[serde(untagged)]
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn union_def(name: &proc_macro2::Ident, union: &Union) -> TokenStream {
    let defs = union.variants.iter().map(|v| {
        let doc = match &union.discriminator {
            Some(property) => {
                let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
                format!(
                    " A {} (`{property}` is {}).",
                    describe(&v.ty),
                    tags.join(" or ")
                )
            }
            None => format!(" A {}.", describe(&v.ty)),
        };
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
    let Some(property) = &union.discriminator else {
        // No discriminator: serde tries the variants in order.
        return quote! {
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#defs)*
            }
        };
    };
    // Discriminated: pick the variant by the property's value, so a variant
    // keeps the property as its own field, and keep unknown values.
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

/// The argument type a setter or constructor accepts for `ty`.
pub fn arg_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl Into<String>),
        other => type_tokens(other),
    }
}

/// Converts an argument of `arg_type(ty)` called `name` into `ty`.
pub fn arg_value(ty: &TypeRef, name: &proc_macro2::Ident) -> TokenStream {
    match ty {
        TypeRef::String => quote!(#name.into()),
        _ => quote!(#name),
    }
}

pub fn params_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Params", op.rust_name)
}

/// Whether the operation has a `params` field (optional parameters or an
/// optional body).
pub fn has_params(op: &Operation) -> bool {
    !op.optional_params.is_empty() || op.body.as_ref().is_some_and(|b| !b.required)
}

fn method_tokens(method: Method) -> TokenStream {
    match method {
        Method::Get => quote!(Get),
        Method::Put => quote!(Put),
        Method::Post => quote!(Post),
        Method::Delete => quote!(Delete),
        Method::Patch => quote!(Patch),
        Method::Head => quote!(Head),
        Method::Options => quote!(Options),
        Method::Trace => quote!(Trace),
    }
}

pub fn method_str(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Patch => "PATCH",
        Method::Head => "HEAD",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
    }
}

fn param_doc(param: &Param) -> TokenStream {
    let location = match param.location {
        ParamLocation::Path => "Path",
        ParamLocation::Query => "Query",
        ParamLocation::Header => "Header",
    };
    let mut lines = vec![format!(
        "{location} parameter `{}`.",
        param.wire_name.replace('`', "'")
    )];
    match &param.docs {
        Some(text) => {
            let mut attrs = doc_attrs(text);
            attrs.extend(raw_doc_attrs(&[String::new(), lines.remove(0)]));
            attrs
        }
        None => raw_doc_attrs(&lines),
    }
}

fn operation(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.rust_name);
    let signature = format!("`{} {}`", method_str(op.method), op.path);
    let mut op_docs = match &op.docs {
        Some(text) => doc_attrs(text),
        None => raw_doc_attrs(&[format!("The `{}` operation.", op.operation_id)]),
    };
    op_docs.extend(raw_doc_attrs(&[
        String::new(),
        format!("{signature} (operation `{}`).", op.operation_id),
    ]));
    if op.deprecated {
        // An attribute would warn inside this crate's own impls; the client
        // methods carry `#[deprecated]` instead.
        op_docs.extend(raw_doc_attrs(&[
            String::new(),
            "**Deprecated** by the API.".to_owned(),
        ]));
    }

    // The params struct.
    let params_struct = has_params(op).then(|| params_struct(op));

    // The operation struct.
    let mut fields = Vec::new();
    let mut ctor_args = Vec::new();
    let mut ctor_fields = Vec::new();
    for param in &op.required_params {
        let docs = param_doc(param);
        let rust = ident(&param.rust_name);
        let ty = type_tokens(&param.ty);
        fields.push(quote! { #docs pub #rust: #ty, });
        let arg = arg_type(&param.ty);
        ctor_args.push(quote!(#rust: #arg));
        ctor_fields.push(match param.ty {
            TypeRef::String => quote!(#rust: #rust.into()),
            _ => quote!(#rust),
        });
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let docs = docs_or(&body.docs, || "The request body.".to_owned());
        let ty = type_tokens(&body.ty);
        fields.push(quote! { #docs pub body: #ty, });
        ctor_args.push(quote!(body: #ty));
        ctor_fields.push(quote!(body));
    }
    if has_params(op) {
        let params = params_name(op);
        fields.push(quote! {
            /// Optional parameters.
            pub params: #params,
        });
        ctor_args.push(quote!(params: #params));
        ctor_fields.push(quote!(params));
    }

    // An operation without arguments is its own default value.
    let default = ctor_args.is_empty().then(|| quote!(Default));
    let build = build_body(op);
    let request = if build.is_empty() {
        format_ident!("_request")
    } else {
        format_ident!("request")
    };
    let output = match op.output.shape {
        OutputShape::Empty => quote!(()),
        _ => type_tokens(&op.output.ty),
    };
    let meta = op.output.meta.as_ref().map_or(quote!(()), type_tokens);
    let shape = match op.output.shape {
        OutputShape::Empty => quote!(::apigen_runtime::ResponseShape::Empty),
        OutputShape::Plain => quote!(::apigen_runtime::ResponseShape::Plain),
        OutputShape::Raw => quote!(::apigen_runtime::ResponseShape::Raw),
        OutputShape::Envelope => {
            let e = api
                .envelope
                .as_ref()
                .expect("envelope outputs come from an envelope setting");
            let result = &e.result;
            let opt = |v: &Option<String>| match v {
                Some(v) => quote!(Some(#v)),
                None => quote!(None),
            };
            let (meta, success, errors) = (opt(&e.meta), opt(&e.success), opt(&e.errors));
            let is_list = matches!(op.output.ty, TypeRef::Vec(_));
            quote!(::apigen_runtime::ResponseShape::Envelope(::apigen_runtime::Envelope {
                result: #result,
                meta: #meta,
                success: #success,
                errors: #errors,
                result_is_list: #is_list,
            }))
        }
    };
    let operation_id = &op.operation_id;
    let path = &op.path;
    let method = method_tokens(op.method);
    let paginated = op.pagination.as_ref().map(|_| paginated_impl(op));
    let ctor_doc = format!(" Creates the `{}` request.", op.operation_id);

    quote! {
        #params_struct

        #op_docs
        #[derive(Debug, Clone, PartialEq, #default)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #[doc = #ctor_doc]
            pub fn new(#(#ctor_args),*) -> Self {
                Self { #(#ctor_fields),* }
            }
        }

        impl ::apigen_runtime::Operation for #name {
            type Output = #output;
            type Meta = #meta;

            const INFO: ::apigen_runtime::OperationInfo = ::apigen_runtime::OperationInfo {
                operation_id: #operation_id,
                method: ::apigen_runtime::Method::#method,
                path_template: #path,
                response: #shape,
            };

            fn build(&self, #request: &mut ::apigen_runtime::RequestParts) -> Result<(), ::apigen_runtime::Error> {
                #build
                Ok(())
            }
        }

        #paginated
    }
}

fn params_struct(op: &Operation) -> TokenStream {
    let name = params_name(op);
    let doc = format!(" Optional parameters of [`{}`].", op.rust_name);
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    for param in &op.optional_params {
        let docs = param_doc(param);
        let rust = ident(&param.rust_name);
        let ty = type_tokens(&param.ty);
        fields.push(quote! { #docs pub #rust: Option<#ty>, });
        let arg = arg_type(&param.ty);
        let value = arg_value(&param.ty, &format_ident!("value"));
        let setter_doc = format!(" Sets [`{}`](Self::{}).", param.rust_name, param.rust_name);
        setters.push(quote! {
            #[doc = #setter_doc]
            pub fn #rust(mut self, value: #arg) -> Self {
                self.#rust = Some(#value);
                self
            }
        });
    }
    if let Some(body) = op.body.as_ref().filter(|b| !b.required) {
        let docs = docs_or(&body.docs, || "The request body.".to_owned());
        let ty = type_tokens(&body.ty);
        fields.push(quote! { #docs pub body: Option<#ty>, });
        setters.push(quote! {
            /// Sets the request body.
            pub fn body(mut self, value: #ty) -> Self {
                self.body = Some(value);
                self
            }
        });
    }
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// Parameters with nothing set.
            pub fn new() -> Self {
                Self::default()
            }

            #(#setters)*
        }
    }
}

fn build_body(op: &Operation) -> TokenStream {
    let mut steps = Vec::new();
    let record = |param: &Param, value: TokenStream| {
        let wire = &param.wire_name;
        match param.location {
            ParamLocation::Path => quote!(request.path(#wire, #value)?;),
            ParamLocation::Query => quote!(request.query(#wire, #value)?;),
            ParamLocation::Header => quote!(request.header(#wire, #value)?;),
        }
    };
    for param in &op.required_params {
        let rust = ident(&param.rust_name);
        steps.push(record(param, quote!(&self.#rust)));
    }
    for param in &op.optional_params {
        let rust = ident(&param.rust_name);
        steps.push(record(param, quote!(&self.params.#rust)));
    }
    if let Some(body) = &op.body {
        let send = match (&body.ty, body.required) {
            (TypeRef::Bytes, required) => {
                let content_type = &body.content_type;
                let bytes = if required {
                    quote!(self.body)
                } else {
                    quote!(body)
                };
                quote!(request.raw_body(#content_type, #bytes.to_vec());)
            }
            (_, true) => quote!(request.json_body(&self.body)?;),
            (_, false) => quote!(request.json_body(body)?;),
        };
        if body.required {
            steps.push(send);
        } else {
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
