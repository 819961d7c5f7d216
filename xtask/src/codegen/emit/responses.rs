//! What the models crate says about an operation's responses: the output
//! type of binary and text responses, the enum of an operation with several
//! successful responses, and `error_body`, which decodes an error into the
//! `default` response's type.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{prose_and_facts, type_link};
use super::{ident, type_tokens};
use crate::codegen::ir::{Operation, OutputShape, ResponseBodyKind, StatusVariant};

/// `Operation::Output` of `op`, for the shapes handled here.
pub fn output_type(op: &Operation) -> Option<TokenStream> {
    match op.output.shape {
        OutputShape::Raw => Some(quote!(::apigen_runtime::Bytes)),
        OutputShape::Text => Some(quote!(String)),
        OutputShape::ByStatus => {
            let name = ident(&op.output.by_status.as_ref()?.name);
            Some(quote!(#name))
        }
        _ => None,
    }
}

/// `OperationInfo::response` of `op`, for the shapes handled here.
pub fn shape(op: &Operation) -> Option<TokenStream> {
    match op.output.shape {
        OutputShape::Text => Some(quote!(::apigen_runtime::ResponseShape::Text)),
        OutputShape::ByStatus => {
            let cases = op.output.by_status.as_ref()?.variants.iter().map(|v| {
                let status = &v.status;
                let body = body_kind(v.body);
                quote!(::apigen_runtime::StatusCase {
                    status: #status,
                    body: ::apigen_runtime::BodyKind::#body,
                })
            });
            Some(quote!(::apigen_runtime::ResponseShape::ByStatus(&[#(#cases),*])))
        }
        _ => None,
    }
}

fn body_kind(kind: ResponseBodyKind) -> TokenStream {
    match kind {
        ResponseBodyKind::Json => quote!(Json),
        ResponseBodyKind::Text => quote!(Text),
        ResponseBodyKind::Binary => quote!(Binary),
        ResponseBodyKind::Empty => quote!(Empty),
    }
}

fn variant_type(v: &StatusVariant) -> Option<TokenStream> {
    match v.body {
        ResponseBodyKind::Empty => None,
        ResponseBodyKind::Text => Some(quote!(String)),
        ResponseBodyKind::Binary => Some(quote!(::apigen_runtime::Bytes)),
        ResponseBodyKind::Json => Some(type_tokens(&v.ty)),
    }
}

/// The response enum and `error_body` of `op` (nothing when it has
/// neither).
pub fn items(op: &Operation) -> TokenStream {
    let op_name = ident(&op.rust_name);
    let status_enum = op.output.by_status.as_ref().map(|e| {
        let name = ident(&e.name);
        let doc = format!(
            " The successful responses of {}: one variant per status code, chosen by the status the server sends.",
            type_link(&op.rust_name)
        );
        let variants = e.variants.iter().map(|v| {
            let variant = ident(&v.rust_name);
            let status = &v.status;
            let what = match v.body {
                ResponseBodyKind::Empty => "no body",
                ResponseBodyKind::Text => "a text body",
                ResponseBodyKind::Binary => "a binary body",
                ResponseBodyKind::Json => "a JSON body",
            };
            let docs = prose_and_facts(v.docs.as_deref(), &[format!("HTTP `{status}`, with {what}.")]);
            match variant_type(v) {
                Some(ty) => quote! {
                    #docs
                    #[serde(rename = #status)]
                    #variant(#ty),
                },
                None => quote! {
                    #docs
                    #[serde(rename = #status)]
                    #variant,
                },
            }
        });
        quote! {
            #[doc = #doc]
            // `Serialize` writes the externally tagged form (`{"201": …}`)
            // that the test doubles' `then_ok` sends with that status.
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            // A response is decoded once and matched: boxing a large
            // variant would only make matching on it clumsier.
            #[allow(clippy::large_enum_variant)]
            pub enum #name {
                #(#variants)*
            }
        }
    });
    let error_body = op.output.error.as_ref().map(|ty| {
        let ty = type_tokens(ty);
        quote! {
            impl #op_name {
                /// The body of an error response of this operation, decoded
                /// as the spec's `default` response declares it: `None` when
                /// `error` is not an API error or its body does not decode.
                pub fn error_body(error: &::apigen_runtime::Error) -> Option<#ty> {
                    error.api_error()?.body_as()
                }
            }
        }
    });
    quote! {
        #status_enum
        #error_body
    }
}

/// What the client method's docs say about the response, beyond its type.
pub fn client_facts(op: &Operation, flavor: super::Flavor) -> Vec<String> {
    let stream = match flavor {
        super::Flavor::Async => {
            "`.send_streaming().await?` on the returned call reads it as it arrives instead (`.bytes_stream()` is a `Stream` of chunks)"
        }
        super::Flavor::Blocking => {
            "`.send_streaming()?` on the returned call reads it as it arrives instead (a `std::io::Read`)"
        }
    };
    let whole = match flavor {
        super::Flavor::Async => "awaited, the call gives its bytes",
        super::Flavor::Blocking => "`.send()` gives its bytes",
    };
    let binary = |v: &StatusVariant| v.body == ResponseBodyKind::Binary;
    let mut facts = Vec::new();
    match op.output.shape {
        OutputShape::Raw => facts.push(format!("The response is binary: {whole}; {stream}.")),
        OutputShape::Text => facts.push("The response is text, returned as a `String`.".to_owned()),
        OutputShape::ByStatus => {
            if let Some(e) = &op.output.by_status {
                facts.push(format!(
                    "The output is [`{name}`](crate::operations::{name}): one variant per successful status.",
                    name = e.name
                ));
                if e.variants.iter().any(binary) {
                    facts.push(format!("For a large binary body, {stream}."));
                }
            }
        }
        _ => {}
    }
    if op.output.error.is_some() {
        facts.push(format!(
            "An error response's body decodes with [`{name}::error_body`](crate::operations::{name}::error_body).",
            name = op.rust_name
        ));
    }
    facts
}
