//! Request bodies in every media type, and parameter styles: how an
//! operation's inputs are put on the wire.
//!
//! A body becomes one [`BodyContent`] per media type: JSON and
//! `application/x-www-form-urlencoded` as the type of their schema,
//! `multipart/form-data` as a struct whose `format: binary` properties are
//! `FilePart`s, `text/*` and XML as a `String`, anything else as bytes.
//! With several media types the caller picks one through an enum (settled
//! by `naming`), JSON first.

use openapiv3::{
    Encoding, MediaType, Parameter, PathStyle, QueryStyle, ReferenceOr, RequestBody as OaBody,
    Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::operation::resolve_component;
use super::schema::TypeSpace;
use crate::codegen::diagnostics::Pointer;
use crate::codegen::ir::{
    BodyContent, BodyKind, MultipartField, RequestBody, Style, TypeKind, TypeRef,
};
use crate::codegen::naming::pascal;

/// The style of a parameter, with a located warning where the spec asks
/// for one this type cannot have (the value is then sent in the
/// location's default style).
pub fn param_style(
    space: &mut TypeSpace<'_>,
    param: &Parameter,
    ty: &TypeRef,
    pointer: &Pointer,
) -> Style {
    let explode = param.parameter_data_ref().explode;
    let is_object = |ty: &TypeRef| match ty {
        TypeRef::Map(_) | TypeRef::Json => true,
        TypeRef::Named(name) => matches!(space_kind(space, name), Some(TypeKind::Struct(_))),
        _ => false,
    };
    match param {
        Parameter::Query { style, .. } => match style {
            QueryStyle::Form => Style::Form {
                explode: explode.unwrap_or(true),
            },
            QueryStyle::SpaceDelimited | QueryStyle::PipeDelimited if explode == Some(true) => {
                // The OpenAPI table: exploded, these are the form style.
                Style::Form { explode: true }
            }
            QueryStyle::SpaceDelimited => Style::SpaceDelimited,
            QueryStyle::PipeDelimited => Style::PipeDelimited,
            QueryStyle::DeepObject if is_object(ty) => Style::DeepObject,
            QueryStyle::DeepObject => {
                space.warnings.warn(
                    &pointer.join("style"),
                    format!(
                        "`deepObject` applies to objects, not {}; sent in the form style",
                        ty.describe()
                    ),
                );
                Style::Form { explode: true }
            }
        },
        Parameter::Header { .. } => Style::Simple {
            explode: explode.unwrap_or(false),
        },
        Parameter::Cookie { .. } => Style::Form {
            explode: explode.unwrap_or(true),
        },
        Parameter::Path { style, .. } => {
            if !matches!(style, PathStyle::Simple) {
                space.warnings.warn(
                    &pointer.join("style"),
                    "path parameters are sent in the `simple` style; `matrix` and `label` are not supported",
                );
            }
            Style::Simple { explode: false }
        }
    }
}

/// The kind of a named type, through aliases.
fn space_kind<'s>(space: &'s TypeSpace<'_>, name: &str) -> Option<&'s TypeKind> {
    let mut def = space.type_def(name)?;
    for _ in 0..16 {
        match &def.kind {
            TypeKind::Alias(TypeRef::Named(target)) => def = space.type_def(target)?,
            other => return Some(other),
        }
    }
    None
}

fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// `text/*` and XML: sent and received as a `String`.
pub fn is_text(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence.starts_with("text/") || essence == "application/xml" || essence.ends_with("+xml")
}

pub fn lower_body<'a>(
    space: &mut TypeSpace<'a>,
    op: &'a openapiv3::Operation,
    rust_name: &str,
    pointer: &Pointer,
) -> Option<RequestBody> {
    let reference = op.request_body.as_ref()?;
    let at = pointer.join("requestBody");
    let map = space.spec_components().map(|c| &c.request_bodies);
    let body: &OaBody = match resolve_component(map, "#/components/requestBodies/", reference) {
        Ok(body) => body,
        Err(message) => {
            space
                .warnings
                .warn(&at, format!("{message}; the body is sent as raw JSON"));
            let content = BodyContent {
                variant: "Json".into(),
                ty: TypeRef::Json,
                content_type: "application/json".into(),
                kind: BodyKind::Json,
            };
            return Some(RequestBody {
                ty: TypeRef::Json,
                content_type: "application/json".into(),
                kind: BodyKind::Json,
                required: true,
                docs: None,
                alternatives: vec![content],
                choice: None,
            });
        }
    };
    let docs = body
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    // JSON first (the preferred form), then the spec's order.
    let mut media: Vec<(&String, &MediaType)> = body.content.iter().collect();
    media.sort_by_key(|(m, _)| !is_json(m));
    // One JSON form is enough: `application/json` and `+json` variants
    // take the same value.
    let mut seen_json = false;
    media.retain(|(m, _)| {
        let json = is_json(m);
        let keep = !(json && seen_json);
        seen_json |= json;
        keep
    });
    let several = media.len() > 1;
    let mut alternatives: Vec<BodyContent> = Vec::new();
    for (media_type, content) in media {
        let content_at = at.join("content").join(media_type);
        let lowered = lower_content(space, rust_name, media_type, content, &content_at, several);
        let mut variant = match &lowered.kind {
            BodyKind::Json => "Json".to_owned(),
            BodyKind::Form { .. } => "Form".to_owned(),
            BodyKind::Multipart { .. } => "Multipart".to_owned(),
            BodyKind::Binary => "Binary".to_owned(),
            BodyKind::Text => "Text".to_owned(),
        };
        if alternatives.iter().any(|a| a.variant == variant) {
            variant = pascal(&essence(media_type).replace(['/', '+', '.', '*'], "_"));
        }
        alternatives.push(BodyContent { variant, ..lowered });
    }
    let first = alternatives.first()?.clone();
    Some(RequestBody {
        ty: first.ty,
        content_type: first.content_type,
        kind: first.kind,
        required: body.required,
        docs,
        alternatives,
        choice: None,
    })
}

fn strip(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(inner) => *inner,
        other => other,
    }
}

fn lower_content(
    space: &mut TypeSpace<'_>,
    rust_name: &str,
    media_type: &str,
    content: &MediaType,
    at: &Pointer,
    several: bool,
) -> BodyContent {
    let essence = essence(media_type);
    let hint = |suffix: &str| {
        if several {
            format!("{rust_name}{suffix}Body")
        } else {
            format!("{rust_name}Body")
        }
    };
    let schema_at = at.join("schema");
    let simple = |kind: BodyKind, ty: TypeRef, content_type: &str| BodyContent {
        variant: String::new(),
        ty,
        content_type: content_type.to_owned(),
        kind,
    };
    if is_json(media_type) {
        let ty = match &content.schema {
            Some(schema) => strip(space.lower_inline(schema, &hint("Json"), &schema_at)),
            None => TypeRef::Json,
        };
        return simple(BodyKind::Json, ty, "application/json");
    }
    if essence == "application/x-www-form-urlencoded" {
        let ty = match &content.schema {
            Some(schema) => strip(space.lower_inline(schema, &hint("Form"), &schema_at)),
            None => TypeRef::Map(Box::new(TypeRef::String)),
        };
        if !is_object(space, &ty) {
            space.warnings.warn(
                &schema_at,
                format!(
                    "a form body must be an object, not {}; sent as a map of strings",
                    ty.describe()
                ),
            );
            return simple(
                BodyKind::Form { styles: Vec::new() },
                TypeRef::Map(Box::new(TypeRef::String)),
                &essence,
            );
        }
        let styles = content
            .encoding
            .iter()
            .filter_map(|(name, encoding)| form_style(encoding).map(|style| (name.clone(), style)))
            .collect();
        return simple(BodyKind::Form { styles }, ty, &essence);
    }
    if essence == "multipart/form-data" {
        if let Some(schema) = &content.schema {
            let ty = strip(space.lower_inline(schema, &hint("Multipart"), &schema_at));
            if let Some(fields) = multipart_fields(space, schema, &ty, content, at) {
                return simple(BodyKind::Multipart { fields }, ty, &essence);
            }
        }
        space.warnings.warn(
            &schema_at,
            "a multipart body needs an object schema with properties; sent as raw bytes the caller encodes",
        );
        return simple(BodyKind::Binary, TypeRef::Bytes, &essence);
    }
    if is_text(media_type) {
        return simple(BodyKind::Text, TypeRef::String, media_type);
    }
    if essence.starts_with("multipart/") {
        space.warnings.warn(
            at,
            format!("`{media_type}` bodies are sent as raw bytes the caller encodes"),
        );
    }
    let content_type = if essence.contains('*') {
        "application/octet-stream"
    } else {
        media_type
    };
    // A `FilePart`: bytes, or a stream sent as it is read.
    simple(BodyKind::Binary, TypeRef::File, content_type)
}

fn is_object(space: &TypeSpace<'_>, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Map(_) => true,
        TypeRef::Named(name) => matches!(space_kind(space, name), Some(TypeKind::Struct(_))),
        _ => false,
    }
}

/// The style an `encoding` entry of a form body asks for, if any.
///
/// `openapiv3` reads an omitted `explode` as `false` (not the `true` the
/// specification gives `form`), so `style: form` without `explode` is
/// comma-joined; a property with no `style` at all gets the real default
/// (exploded).
fn form_style(encoding: &Encoding) -> Option<Style> {
    let explode = encoding.explode;
    let style = encoding.style.as_ref()?;
    Some(match style {
        QueryStyle::Form => Style::Form { explode },
        QueryStyle::SpaceDelimited | QueryStyle::PipeDelimited if explode => {
            Style::Form { explode: true }
        }
        QueryStyle::SpaceDelimited => Style::SpaceDelimited,
        QueryStyle::PipeDelimited => Style::PipeDelimited,
        QueryStyle::DeepObject => Style::DeepObject,
    })
}

/// Whether a property schema is a file: `Some(false)` for a binary string,
/// `Some(true)` for a list of them.
fn file_shape(space: &TypeSpace<'_>, schema: &ReferenceOr<Schema>, depth: usize) -> Option<bool> {
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let key = reference.strip_prefix("#/components/schemas/")?;
            let target = space.spec_components()?.schemas.get(key)?;
            return if depth < 8 {
                file_shape(space, target, depth + 1)
            } else {
                None
            };
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => matches!(
            s.format,
            VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
        )
        .then_some(false),
        SchemaKind::Type(Type::Array(a)) if depth < 8 => {
            let items = a.items.as_ref()?.clone().unbox();
            match file_shape(space, &items, depth + 1) {
                Some(false) => Some(true),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The fields of a multipart body struct, its binary properties turned
/// into `FilePart`s; `None` when the body is not a struct.
fn multipart_fields(
    space: &mut TypeSpace<'_>,
    schema: &ReferenceOr<Schema>,
    ty: &TypeRef,
    content: &MediaType,
    at: &Pointer,
) -> Option<Vec<MultipartField>> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    let properties = space.properties_of(schema, &at.join("schema"));
    let files: Vec<(String, bool)> = properties
        .iter()
        .filter_map(|(wire, (s, _))| file_shape(space, s, 0).map(|list| (wire.clone(), list)))
        .collect();
    // Follow aliases to the struct itself.
    let mut target = name.clone();
    for _ in 0..16 {
        match space.type_def(&target).map(|d| &d.kind) {
            Some(TypeKind::Alias(TypeRef::Named(next))) => target = next.clone(),
            _ => break,
        }
    }
    let def = space.type_def_mut(&target)?;
    let TypeKind::Struct(s) = &mut def.kind else {
        return None;
    };
    if s.fields.is_empty() {
        return None;
    }
    let has_additional = s.additional.is_some();
    let mut fields = Vec::new();
    for field in &mut s.fields {
        let file = files.iter().find(|(w, _)| *w == field.wire_name);
        if let Some((_, list)) = file {
            field.ty = if *list {
                TypeRef::Vec(Box::new(TypeRef::File))
            } else {
                TypeRef::File
            };
        }
        fields.push(MultipartField {
            rust_name: field.rust_name.clone(),
            wire_name: field.wire_name.clone(),
            file: file.is_some(),
            content_type: content
                .encoding
                .get(&field.wire_name)
                .and_then(|e| e.content_type.clone()),
        });
    }
    if has_additional {
        space.warnings.warn(
            &at.join("schema"),
            "the additional properties of a multipart body are not sent; declare them as properties",
        );
    }
    Some(fields)
}
