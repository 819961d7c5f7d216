//! How an operation's inputs are written into `RequestParts`: parameters
//! in their style, and the request body in its media type (JSON, form,
//! multipart, bytes, text), or the body enum when the operation accepts
//! several media types.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::prose_and_facts;
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

fn query_style(style: Style) -> TokenStream {
    match style {
        Style::Form { explode } | Style::Simple { explode } => {
            quote!(::apigen_runtime::QueryStyle::Form { explode: #explode })
        }
        Style::SpaceDelimited => quote!(::apigen_runtime::QueryStyle::SpaceDelimited),
        Style::PipeDelimited => quote!(::apigen_runtime::QueryStyle::PipeDelimited),
        Style::DeepObject => quote!(::apigen_runtime::QueryStyle::DeepObject),
    }
}

/// Records one parameter; `value` is a reference to it. The default style
/// of each location keeps the short call.
pub fn record_param(param: &Param, value: TokenStream) -> TokenStream {
    let wire = &param.wire_name;
    match (param.location, param.style) {
        (ParamLocation::Path, _) => quote!(request.path(#wire, #value)?;),
        (ParamLocation::Query, Style::Form { explode: true }) => {
            quote!(request.query(#wire, #value)?;)
        }
        (ParamLocation::Query, style) => {
            let style = query_style(style);
            quote!(request.query_styled(#wire, #value, #style)?;)
        }
        (ParamLocation::Header, Style::Simple { explode: true }) => {
            quote!(request.header_styled(#wire, #value, true)?;)
        }
        (ParamLocation::Header, _) => quote!(request.header(#wire, #value)?;),
        (ParamLocation::Cookie, style) => {
            let explode = !matches!(style, Style::Form { explode: false });
            quote!(request.cookie(#wire, #value, #explode)?;)
        }
    }
}

/// Sends one media type's value: `place` holds it, and is a reference
/// when `is_ref`.
fn send_content(content: &BodyContent, place: &TokenStream, is_ref: bool) -> TokenStream {
    let content_type = &content.content_type;
    let value = if is_ref {
        place.clone()
    } else {
        quote!(&#place)
    };
    match &content.kind {
        BodyKind::Json => quote!(request.json_body(#value)?;),
        BodyKind::Binary if content.ty == TypeRef::File => {
            quote!(request.file_body(#content_type, #value);)
        }
        BodyKind::Binary => quote!(request.raw_body(#content_type, #place.to_vec());),
        BodyKind::Text => quote!(request.text_body(#content_type, #value);),
        BodyKind::Form { styles } => {
            let styles = styles.iter().map(|(name, style)| {
                let style = query_style(*style);
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
                    quote!(form.file(#wire, &#place.#rust, #content_type);)
                } else {
                    quote!(form.field(#wire, &#place.#rust, #content_type)?;)
                }
            });
            quote! {
                let mut form = ::apigen_runtime::Multipart::new();
                #(#adds)*
                request.multipart_body(&form);
            }
        }
    }
}

/// Sends the body held by `place` (a reference when `is_ref`).
pub fn send_body(body: &RequestBody, place: TokenStream, is_ref: bool) -> TokenStream {
    match &body.choice {
        None => {
            let content = BodyContent {
                variant: String::new(),
                ty: body.ty.clone(),
                content_type: body.content_type.clone(),
                kind: body.kind.clone(),
            };
            send_content(&content, &place, is_ref)
        }
        Some(choice) => {
            let choice = ident(choice);
            let arms = body.alternatives.iter().map(|content| {
                let variant = ident(&content.variant);
                let send = send_content(content, &quote!(value), true);
                quote!(#choice::#variant(value) => { #send })
            });
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
        " The request body of [`{}`], in one of the media types the operation accepts: the variant chosen is the `Content-Type` sent.",
        op.rust_name
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
