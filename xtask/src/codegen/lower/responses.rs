//! An operation's responses → its output: one JSON type (plain or inside
//! the envelope), text, binary, nothing, or, when the successful responses
//! differ, an enum with a variant per status; and the `default` response's
//! schema as the type of its error bodies.

use openapiv3::{ReferenceOr, Response, StatusCode};

use super::body::{is_json, is_text};
use super::operation::resolve_component;
use super::schema::TypeSpace;
use crate::codegen::diagnostics::Pointer;
use crate::codegen::ir::{
    Envelope, Output, OutputShape, ResponseBodyKind, StatusEnum, StatusVariant, TypeRef,
};

/// How a media type's body is handed over: like a request body of that
/// type (`lower/body.rs` decides what is JSON and what is text).
pub(super) fn body_kind(media_type: &str) -> ResponseBodyKind {
    if is_json(media_type) {
        ResponseBodyKind::Json
    } else if is_text(media_type) {
        ResponseBodyKind::Text
    } else {
        // `application/octet-stream`, `image/*`, PDFs, archives, and
        // anything else that is neither JSON nor text.
        ResponseBodyKind::Binary
    }
}

/// The declared 2xx responses in status order (`2XX` after the codes).
fn success_responses(op: &openapiv3::Operation) -> Vec<(u16, String, &ReferenceOr<Response>)> {
    let mut codes: Vec<(u16, String, &ReferenceOr<Response>)> = op
        .responses
        .responses
        .iter()
        .filter_map(|(code, r)| match code {
            StatusCode::Code(c) if (200..300).contains(c) => Some((*c, c.to_string(), r)),
            StatusCode::Range(2) => Some((299, "2XX".to_owned(), r)),
            _ => None,
        })
        .collect();
    codes.sort_by_key(|(c, _, _)| *c);
    codes
}

/// A variant name for a status: its reason phrase (`Created`).
fn variant_name(status: &str) -> String {
    let reason = match status {
        "200" => "Ok",
        "201" => "Created",
        "202" => "Accepted",
        "203" => "NonAuthoritative",
        "204" => "NoContent",
        "205" => "ResetContent",
        "206" => "PartialContent",
        "207" => "MultiStatus",
        "208" => "AlreadyReported",
        "226" => "ImUsed",
        "2XX" => "Success",
        other => return format!("Status{other}"),
    };
    reason.to_owned()
}

/// The success output of an operation.
pub(super) fn lower_output<'a>(
    space: &mut TypeSpace<'a>,
    op: &'a openapiv3::Operation,
    rust_name: &str,
    pointer: &Pointer,
    envelope: Option<&Envelope>,
) -> Output {
    let mut output = lower_success(space, op, rust_name, pointer, envelope);
    output.error = lower_default_error(space, op, rust_name, pointer);
    output.accept = accept(space, op);
    output
}

/// The `Accept` header of an operation whose successful responses are not
/// all JSON.
fn accept(space: &mut TypeSpace<'_>, op: &openapiv3::Operation) -> Option<String> {
    let mut types: Vec<String> = Vec::new();
    let mut other = false;
    for (_, _, r) in success_responses(op) {
        let map = space.spec_components().map(|c| &c.responses);
        let Ok(response) = resolve_component(map, "#/components/responses/", r) else {
            continue;
        };
        // The media type the output decodes: JSON when offered.
        let chosen = response
            .content
            .keys()
            .find(|m| is_json(m))
            .or_else(|| {
                response
                    .content
                    .keys()
                    .find(|m| body_kind(m) == ResponseBodyKind::Text)
            })
            .or_else(|| response.content.keys().next());
        if let Some(media) = chosen {
            let media = media.split(';').next().unwrap_or("").trim().to_owned();
            other |= body_kind(&media) != ResponseBodyKind::Json;
            if !types.contains(&media) {
                types.push(media);
            }
        }
    }
    if !other {
        return None;
    }
    if !types.iter().any(|t| t == "application/json") {
        types.push("application/json".to_owned());
    }
    Some(types.join(", "))
}

fn lower_success<'a>(
    space: &mut TypeSpace<'a>,
    op: &'a openapiv3::Operation,
    rust_name: &str,
    pointer: &Pointer,
    envelope: Option<&Envelope>,
) -> Output {
    let successes = success_responses(op);
    match successes.as_slice() {
        [] => match &op.responses.default {
            // No 2xx at all: the `default` response is the success, as
            // before (some specs declare only `default`).
            Some(r) => lower_one(
                space,
                r,
                rust_name,
                &pointer.join("responses").join("default"),
                envelope,
            ),
            None => output(TypeRef::Unit, OutputShape::Empty),
        },
        [(_, code, r)] => lower_one(
            space,
            r,
            rust_name,
            &pointer.join("responses").join(code),
            envelope,
        ),
        several => {
            let mut variants = Vec::new();
            for (_, code, r) in several {
                let at = pointer.join("responses").join(code);
                let hint = format!("{rust_name}{}", variant_name(code));
                let one = lower_one(space, r, &hint, &at, None);
                let docs = resolve(space, r, &at).and_then(|r| {
                    let d = r.description.trim();
                    (!d.is_empty()).then(|| d.to_owned())
                });
                let body = match one.shape {
                    OutputShape::Empty => ResponseBodyKind::Empty,
                    OutputShape::Text => ResponseBodyKind::Text,
                    OutputShape::Raw => ResponseBodyKind::Binary,
                    _ => ResponseBodyKind::Json,
                };
                variants.push(StatusVariant {
                    status: code.clone(),
                    rust_name: variant_name(code),
                    body,
                    ty: one.ty,
                    docs,
                });
            }
            let first = &variants[0];
            if variants
                .iter()
                .all(|v| v.body == first.body && v.ty == first.ty)
            {
                // The same body whatever the status: no enum needed.
                let (_, code, r) = &several[0];
                return lower_one(
                    space,
                    r,
                    rust_name,
                    &pointer.join("responses").join(code),
                    envelope,
                );
            }
            if envelope.is_some() {
                space.warnings.warn(
                    &pointer.join("responses"),
                    "several different successful responses are decoded without the envelope",
                );
            }
            Output {
                by_status: Some(StatusEnum {
                    // Settled by `naming::settle`.
                    name: format!("{rust_name}Response"),
                    variants,
                }),
                ..output(TypeRef::Unit, OutputShape::ByStatus)
            }
        }
    }
}

fn output(ty: TypeRef, shape: OutputShape) -> Output {
    Output {
        ty,
        meta: None,
        shape,
        by_status: None,
        error: None,
        accept: None,
    }
}

fn resolve<'a>(
    space: &mut TypeSpace<'a>,
    reference: &'a ReferenceOr<Response>,
    at: &Pointer,
) -> Option<&'a Response> {
    let map = space.spec_components().map(|c| &c.responses);
    match resolve_component(map, "#/components/responses/", reference) {
        Ok(r) => Some(r),
        Err(message) => {
            space
                .warnings
                .warn(at, format!("{message}; the output is a JSON value"));
            None
        }
    }
}

/// One response as an output: `rust_name` is the operation's (types
/// lowered inline are named after it).
fn lower_one<'a>(
    space: &mut TypeSpace<'a>,
    reference: &'a ReferenceOr<Response>,
    rust_name: &str,
    at: &Pointer,
    envelope: Option<&Envelope>,
) -> Output {
    let Some(response) = resolve(space, reference, at) else {
        return output(TypeRef::Json, OutputShape::Plain);
    };
    if response.content.is_empty() {
        return output(TypeRef::Unit, OutputShape::Empty);
    }
    let Some((media_type, content)) = response.content.iter().find(|(m, _)| is_json(m)) else {
        // Text before binary when both are offered.
        let text = response
            .content
            .keys()
            .any(|m| body_kind(m) == ResponseBodyKind::Text);
        return if text {
            output(TypeRef::String, OutputShape::Text)
        } else {
            output(TypeRef::Bytes, OutputShape::Raw)
        };
    };
    let schema_at = at.join("content").join(media_type).join("schema");
    let Some(schema) = &content.schema else {
        return output(TypeRef::Json, OutputShape::Plain);
    };
    if let Some(envelope) = envelope {
        let properties = space.properties_of(schema, &schema_at);
        if let Some((result_schema, result_at)) = properties.get(&envelope.result) {
            let ty = space.lower_inline(result_schema, &format!("{rust_name}Result"), result_at);
            let meta = envelope
                .meta
                .as_ref()
                .and_then(|field| properties.get(field))
                .map(
                    |(s, p)| match space.lower_inline(s, &format!("{rust_name}Meta"), p) {
                        TypeRef::Option(inner) => *inner,
                        other => other,
                    },
                );
            return Output {
                meta,
                ..output(ty, OutputShape::Envelope)
            };
        }
    }
    let ty = space.lower_inline(schema, &format!("{rust_name}Response"), &schema_at);
    output(ty, OutputShape::Plain)
}

/// The schema of the `default` response, when it is JSON: the type error
/// bodies of the operation decode into.
fn lower_default_error<'a>(
    space: &mut TypeSpace<'a>,
    op: &'a openapiv3::Operation,
    rust_name: &str,
    pointer: &Pointer,
) -> Option<TypeRef> {
    // Without any 2xx response, `default` is the success (see above).
    if success_responses(op).is_empty() {
        return None;
    }
    let reference = op.responses.default.as_ref()?;
    let at = pointer.join("responses").join("default");
    let response = resolve(space, reference, &at)?;
    let (media_type, content) = response.content.iter().find(|(m, _)| is_json(m))?;
    let schema = content.schema.as_ref()?;
    let schema_at = at.join("content").join(media_type).join("schema");
    let ty = space.lower_inline(schema, &format!("{rust_name}Error"), &schema_at);
    match ty {
        TypeRef::Option(inner) => Some(*inner),
        TypeRef::Unit => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_classified() {
        assert_eq!(
            body_kind("application/json; charset=utf-8"),
            ResponseBodyKind::Json
        );
        assert_eq!(
            body_kind("application/problem+json"),
            ResponseBodyKind::Json
        );
        assert_eq!(body_kind("text/csv"), ResponseBodyKind::Text);
        assert_eq!(body_kind("Text/Plain"), ResponseBodyKind::Text);
        assert_eq!(body_kind("application/xml"), ResponseBodyKind::Text);
        assert_eq!(body_kind("application/atom+xml"), ResponseBodyKind::Text);
        assert_eq!(
            body_kind("application/octet-stream"),
            ResponseBodyKind::Binary
        );
        assert_eq!(body_kind("image/png"), ResponseBodyKind::Binary);
    }

    #[test]
    fn variants_are_named_by_reason() {
        assert_eq!(variant_name("201"), "Created");
        assert_eq!(variant_name("204"), "NoContent");
        assert_eq!(variant_name("2XX"), "Success");
        assert_eq!(variant_name("299"), "Status299");
    }
}
