//! How an operation's inputs are written into `RequestParts`: parameters
//! in their style, and the request body in its media type (JSON, form,
//! multipart, bytes, text), or the body enum when the operation accepts
//! several media types.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{prose_and_facts, type_link};
use super::text::str_literal;
use super::{ident, type_tokens};
use crate::codegen::ir::{
    Api, BodyContent, BodyKind, Operation, Param, ParamLocation, RequestBody, Style, TypeRef,
};

/// Whether some operation sends a `FilePart` (a binary body, or a
/// multipart body with file parts): the client crates then re-export it.
pub fn uses_files(api: &Api) -> bool {
    api.operations.iter().any(|op| {
        op.body.iter().any(|b| {
            b.alternatives.iter().any(|a| {
                a.ty == TypeRef::File
                    || matches!(&a.kind, BodyKind::Multipart { fields } if fields.iter().any(|f| f.file))
            })
        })
    })
}

/// A call on `request` that writes one input into `RequestParts`: the one
/// spelling of each parameter style and body kind, printed as text by
/// `operation_text` and turned into tokens ([`RequestCall::tokens`]) for
/// the impls still built with `quote`.
#[derive(Debug)]
pub struct RequestCall {
    pub method: &'static str,
    /// The arguments, each as an expression.
    pub args: Vec<String>,
    /// `?;` for a call that can fail, else `;`.
    pub end: &'static str,
}

impl RequestCall {
    /// The call as a statement, in tokens.
    pub fn tokens(&self) -> TokenStream {
        tokens_of(&format!(
            "request.{}({}){}",
            self.method,
            self.args.join(", "),
            self.end
        ))
    }
}

/// Code written here as text, as tokens: settled identifiers, escaped
/// literals and runtime paths, so always valid Rust.
fn tokens_of(code: &str) -> TokenStream {
    code.parse()
        .unwrap_or_else(|e| panic!("generated code `{code}` does not lex: {e}"))
}

/// A `QueryStyle` value: `form` (and `simple`, read as `form`) by the
/// runtime's constants for its two forms, the rest by their variants.
pub fn query_style(style: Style) -> String {
    let name = match style {
        Style::Form { explode: true } | Style::Simple { explode: true } => "DEFAULT",
        Style::Form { explode: false } | Style::Simple { explode: false } => "UNEXPLODED",
        Style::SpaceDelimited => "SpaceDelimited",
        Style::PipeDelimited => "PipeDelimited",
        Style::DeepObject => "DeepObject",
    };
    format!("::apigen_runtime::QueryStyle::{name}")
}

/// Records one parameter; `value` is a reference to it. The default style
/// of each location, and a query's `form` style not exploded (every
/// OData parameter of Microsoft Graph, every Swagger 2.0 `csv` array),
/// keep a short call.
pub fn param_call(param: &Param, value: &str) -> RequestCall {
    let wire = str_literal(&param.wire_name);
    let value = value.to_owned();
    let flag = |b: bool| b.to_string();
    let (method, args) = match (param.location, param.style) {
        (ParamLocation::Path, _) => ("path", vec![wire, value]),
        // `simple` in a query is read as `form`, as `query_style` does.
        (ParamLocation::Query, Style::Form { explode } | Style::Simple { explode }) => {
            let method = if explode { "query" } else { "query_unexploded" };
            (method, vec![wire, value])
        }
        (ParamLocation::Query, style) => ("query_styled", vec![wire, value, query_style(style)]),
        (ParamLocation::Header, Style::Simple { explode: true }) => {
            ("header_styled", vec![wire, value, flag(true)])
        }
        (ParamLocation::Header, _) => ("header", vec![wire, value]),
        (ParamLocation::Cookie, style) => {
            let explode = !matches!(style, Style::Form { explode: false });
            ("cookie", vec![wire, value, flag(explode)])
        }
    };
    RequestCall {
        method,
        args,
        end: "?;",
    }
}

/// Sends one media type's value, held by `place`, in one call: JSON, a
/// file, bytes or text (`None` for a form or multipart body). `place` is a
/// reference when `is_ref`.
pub fn content_call(content: &BodyContent, place: &str, is_ref: bool) -> Option<RequestCall> {
    let reference = || {
        if is_ref {
            place.to_owned()
        } else {
            format!("&{place}")
        }
    };
    let content_type = || str_literal(&content.content_type);
    let (method, args, end) = match &content.kind {
        BodyKind::Json => ("json_body", vec![reference()], "?;"),
        BodyKind::Binary if content.ty == TypeRef::File => {
            ("file_body", vec![content_type(), reference()], ";")
        }
        BodyKind::Binary => (
            "raw_body",
            vec![content_type(), format!("{place}.to_vec()")],
            ";",
        ),
        BodyKind::Text => ("text_body", vec![content_type(), reference()], ";"),
        BodyKind::Form { .. } | BodyKind::Multipart { .. } => return None,
    };
    Some(RequestCall { method, args, end })
}

/// Sends one media type's value: `place` holds it, and is a reference
/// when `is_ref`.
fn send_content(content: &BodyContent, place: &str, is_ref: bool) -> TokenStream {
    if let Some(call) = content_call(content, place, is_ref) {
        return call.tokens();
    }
    let place_tokens = tokens_of(place);
    let value = if is_ref {
        place_tokens.clone()
    } else {
        quote!(&#place_tokens)
    };
    match &content.kind {
        BodyKind::Form { styles } => {
            let styles = styles.iter().map(|(name, style)| {
                let style = tokens_of(&query_style(*style));
                quote!((#name, #style))
            });
            quote!(request.form_body(#value, &[#(#styles),*])?;)
        }
        BodyKind::Multipart { fields } => {
            let adds = fields.iter().map(|field| {
                let rust = ident(&field.rust_name);
                let wire = &field.wire_name;
                let content_type = match &field.content_type {
                    Some(ct) => quote!(Some(#ct)),
                    None => quote!(None),
                };
                if field.file {
                    quote!(form.file(#wire, &#place_tokens.#rust, #content_type);)
                } else {
                    quote!(form.field(#wire, &#place_tokens.#rust, #content_type)?;)
                }
            });
            quote! {
                let mut form = ::apigen_runtime::Multipart::new();
                #(#adds)*
                request.multipart_body(&form);
            }
        }
        _ => unreachable!("content_call sends every other kind"),
    }
}

/// The one media type of a body that accepts one.
pub fn only_content(body: &RequestBody) -> BodyContent {
    BodyContent {
        variant: String::new(),
        ty: body.ty.clone(),
        content_type: body.content_type.clone(),
        kind: body.kind.clone(),
    }
}

/// Sends the body held by `place` (a reference when `is_ref`).
pub fn send_body(body: &RequestBody, place: &str, is_ref: bool) -> TokenStream {
    match &body.choice {
        None => send_content(&only_content(body), place, is_ref),
        Some(choice) => {
            let choice = ident(choice);
            let arms = body.alternatives.iter().map(|content| {
                let variant = ident(&content.variant);
                let send = send_content(content, "value", true);
                quote!(#choice::#variant(value) => { #send })
            });
            let place = tokens_of(place);
            let value = if is_ref { place } else { quote!(&#place) };
            quote! {
                match #value {
                    #(#arms)*
                }
            }
        }
    }
}

/// The body enum of an operation that accepts several media types.
pub fn body_enum(op: &Operation) -> Option<TokenStream> {
    let body = op.body.as_ref()?;
    let choice = body.choice.as_ref()?;
    let name = ident(choice);
    let doc = format!(
        " The request body of {}, in one of the media types the operation accepts: the variant chosen is the `Content-Type` sent.",
        type_link(&op.rust_name)
    );
    let variants = body.alternatives.iter().map(|content| {
        let variant = ident(&content.variant);
        let ty = type_tokens(&content.ty);
        let how = match content.kind {
            BodyKind::Json => "as JSON",
            BodyKind::Form { .. } => "form-encoded",
            BodyKind::Multipart { .. } => "as multipart form data",
            BodyKind::Binary => "as bytes",
            BodyKind::Text => "as text",
        };
        let docs = prose_and_facts(None, &[format!("Sent {how} (`{}`).", content.content_type)]);
        quote!(#docs #variant(#ty),)
    });
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }
    })
}
