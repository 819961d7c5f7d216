//! Paths and operations → IR operations.
//!
//! Names come from `x-fern-sdk-group-name` / `x-fern-sdk-method-name` when
//! present (the resource tree upstream Cloudflare uses), otherwise from the
//! first tag and the `operationId`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr};
use serde::Deserialize;

use super::body;
use super::extension;
use super::parallel::{self, Split};
use super::schema::TypeSpace;
use crate::codegen::diagnostics::{Diagnostic, Pointer, Warnings};
use crate::codegen::ir::{
    Access, Envelope, Method, Operation, Output, Pagination, PaginationKind, Param, ParamLocation,
    Security, Style, TypeKind, TypeRef,
};
use crate::codegen::naming::{Namer, pascal, snake};

/// `x-apigen-pagination` on a list operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PaginationExtension {
    kind: PaginationExtensionKind,
    page_param: Option<String>,
    total_pages: Option<String>,
    cursor_param: Option<String>,
    next_cursor: Option<String>,
    items: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum PaginationExtensionKind {
    SinglePage,
    PageNumber,
    Cursor,
}

/// An operation whose names are chosen but whose types are not yet lowered.
pub(super) struct Pending<'a> {
    pointer: Pointer,
    path: &'a str,
    method: Method,
    op: &'a openapiv3::Operation,
    path_params: &'a [ReferenceOr<Parameter>],
    operation_id: String,
    resource: Vec<String>,
    /// The method's name in its resource: wanted, then unique.
    method_name: String,
    candidate: String,
    /// The operation struct's name, once unique.
    rust_name: String,
    /// The auth methods it accepts (from the spec's `security`).
    security: Security,
}

/// The spec's operations, named but not yet lowered: what
/// [`lower_operations`] needs from the paths besides the type space. It
/// reads nothing the type space makes, so it runs beside the lowering of
/// the components.
#[derive(Default)]
pub struct Collected<'a> {
    pending: Vec<Pending<'a>>,
    /// Path items not lowered, with why.
    pub skipped: Vec<Diagnostic>,
}

impl Collected<'_> {
    /// Gives the operations that do not accept the API's default security
    /// theirs, from `own`, by (path, method).
    pub fn secure(&mut self, own: &BTreeMap<(&str, Method), Security>) {
        if own.is_empty() {
            return;
        }
        for p in &mut self.pending {
            if let Some(security) = own.get(&(p.path, p.method)) {
                p.security = security.clone();
            }
        }
    }
}

/// Walks the paths in document order and names each operation: its
/// `operationId` (made up when missing), resource, and unique struct and
/// method names.
pub fn collect_operations<'a>(
    file: &Path,
    spec: &'a OpenAPI,
    warnings: &mut Warnings,
) -> Collected<'a> {
    let mut pending = Vec::new();
    let mut skipped = Vec::new();
    let mut used_ids = BTreeSet::new();
    for (path, item) in &spec.paths.paths {
        let item_pointer = Pointer::root().join("paths").join(path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                skipped.push(Diagnostic::new(file, item_pointer, format!("path item `$ref: {reference}` is not supported; its operations were skipped")));
                continue;
            }
        };
        for (method_str, op) in item.iter() {
            let pointer = item_pointer.join(method_str);
            let method = method_of(method_str);
            let operation_id = match op
                .operation_id
                .as_deref()
                .map(str::trim)
                .filter(|id| !id.is_empty())
            {
                Some(id) => id.to_owned(),
                None => {
                    let made = format!("{method_str}_{path}");
                    warnings.warn(
                        &pointer,
                        format!("no operationId; named `{}`", snake(&made)),
                    );
                    made
                }
            };
            if !used_ids.insert(operation_id.clone()) {
                warnings.warn(
                    &pointer.join("operationId"),
                    format!("duplicate operationId `{operation_id}`; disambiguated"),
                );
            }
            let group = op
                .extensions
                .get("x-fern-sdk-group-name")
                .and_then(|v| v.as_str());
            let fern_method = op
                .extensions
                .get("x-fern-sdk-method-name")
                .and_then(|v| v.as_str());
            let (resource, method_name, candidate) = match (group, fern_method) {
                (Some(group), Some(m)) => {
                    let resource: Vec<String> = group
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .map(snake)
                        .collect();
                    let last = resource.last().cloned().unwrap_or_default();
                    (
                        resource,
                        snake(m),
                        format!("{}{}", pascal(&last), pascal(m)),
                    )
                }
                _ => {
                    let tag = snake(op.tags.first().map_or("default", String::as_str));
                    let method = method_under_tag(&tag, &operation_id);
                    (vec![tag], method, pascal(&operation_id))
                }
            };
            pending.push(Pending {
                pointer,
                path,
                method,
                op,
                path_params: &item.parameters,
                operation_id,
                resource,
                method_name,
                candidate,
                rust_name: String::new(),
                security: Security::default(),
            });
        }
    }
    name_operations(&mut pending);
    Collected { pending, skipped }
}

/// The method name of an operation grouped by its tag (`tag`, in snake
/// case): its operationId in snake case, less the tag's words where it
/// starts with them, since the call already names the tag: `Users_Get`
/// under the tag `Users` is `client.users().get()`, not
/// `client.users().users_get()`.
fn method_under_tag(tag: &str, operation_id: &str) -> String {
    let method = snake(operation_id);
    match method
        .strip_prefix(tag)
        .and_then(|rest| rest.strip_prefix('_'))
    {
        // `snake` again for what the rest alone may be: a keyword (`type_`).
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase()) => snake(rest),
        _ => method,
    }
}

/// Gives each operation its unique struct name and its unique method name
/// in its resource, in document order.
fn name_operations(pending: &mut [Pending<'_>]) {
    // Struct names: the short resource-based name unless two operations
    // would share it, then the operationId-based one for those.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pending.iter() {
        *counts.entry(p.candidate.as_str()).or_default() += 1;
    }
    let clashing: BTreeSet<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, _)| name.to_owned())
        .collect();
    let mut namer = Namer::new();
    let mut method_namers: BTreeMap<Vec<String>, Namer> = BTreeMap::new();
    // Child resource names are taken in their parent before methods are named.
    for p in pending.iter() {
        for depth in 1..p.resource.len() {
            method_namers
                .entry(p.resource[..depth].to_vec())
                .or_default()
                .reserve(&p.resource[depth]);
        }
    }
    for p in pending.iter_mut() {
        let base = if clashing.contains(&p.candidate) {
            pascal(&p.operation_id)
        } else {
            p.candidate.clone()
        };
        p.rust_name = namer.unique(&base);
        p.method_name = method_namers
            .entry(p.resource.clone())
            .or_default()
            .unique(&p.method_name);
    }
}

/// Lowers the [`collect_operations`] of `spec` into IR operations, sorted
/// by name, and the types they need into `space`.
pub fn lower_operations<'a>(
    file: &Path,
    collected: Collected<'a>,
    envelope: Option<&Envelope>,
    space: &mut TypeSpace<'a>,
    split: Split,
) -> Result<Vec<Operation>, Diagnostic> {
    let pending = collected.pending;
    let mut operations = parallel::lower_all(file, &pending, envelope, space, split)?;
    // Names are unique. Sorting the keys and then permuting moves each
    // operation (a kilobyte) once, where sorting the operations themselves
    // moved them through the merge buffer again and again.
    operations.sort_by_cached_key(|op| op.rust_name.clone());
    Ok(operations)
}

pub(super) fn method_of(method: &str) -> Method {
    match method {
        "put" => Method::Put,
        "post" => Method::Post,
        "delete" => Method::Delete,
        "patch" => Method::Patch,
        "head" => Method::Head,
        "options" => Method::Options,
        "trace" => Method::Trace,
        _ => Method::Get,
    }
}

pub(super) fn lower_operation<'a>(
    file: &Path,
    p: &Pending<'a>,
    envelope: Option<&Envelope>,
    space: &mut TypeSpace<'a>,
) -> Result<Operation, Diagnostic> {
    let op = p.op;
    let rust_name = p.rust_name.clone();
    // Parameters are fields of the operation struct (beside `body` and
    // `params`), and setters of the params struct (beside `new`).
    let mut names = Namer::new();
    for taken in ["params", "body"]
        .iter()
        .chain(crate::codegen::naming::STRUCT_METHODS)
    {
        names.reserve(taken);
    }

    // Operation-level parameters override path-level ones of the same name.
    let mut merged: IndexMap<(String, &'static str), (&Parameter, Pointer)> = IndexMap::new();
    let sources = p
        .path_params
        .iter()
        .enumerate()
        .map(|(i, r)| (r, parent(&p.pointer).join("parameters").join(i.to_string())))
        .chain(
            op.parameters
                .iter()
                .enumerate()
                .map(|(i, r)| (r, p.pointer.join("parameters").join(i.to_string()))),
        );
    for (reference, pointer) in sources {
        let Some(param) = resolve_parameter(space, reference, &pointer) else {
            continue;
        };
        let location = match param {
            Parameter::Path { .. } => "path",
            Parameter::Query { .. } => "query",
            Parameter::Header { .. } => "header",
            Parameter::Cookie { .. } => "cookie",
        };
        merged.insert(
            (param.parameter_data_ref().name.clone(), location),
            (param, pointer),
        );
    }

    let mut path_params = Vec::new();
    let mut required_params = Vec::new();
    let mut optional_params = Vec::new();
    for ((wire, location), (param, pointer)) in &merged {
        let data = param.parameter_data_ref();
        let location = match *location {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => {
                if ["authorization", "content-type", "accept"]
                    .contains(&wire.to_ascii_lowercase().as_str())
                {
                    // OpenAPI says these header parameters are ignored.
                    continue;
                }
                ParamLocation::Header
            }
            _ => ParamLocation::Cookie,
        };
        let hint = format!("{rust_name}{}", pascal(wire));
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                space.lower_inline(schema, &hint, &pointer.join("schema"))
            }
            ParameterSchemaOrContent::Content(_) => TypeRef::String,
        };
        let ty = match ty {
            TypeRef::Option(inner) => *inner,
            other => other,
        };
        let style = body::param_style(space, param, &ty, pointer);
        let param = Param {
            style,
            rust_name: names.unique(&snake(wire)),
            wire_name: wire.clone(),
            location,
            docs: data
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            ty,
            example: example_text(data),
        };
        match location {
            ParamLocation::Path => path_params.push(param),
            _ if data.required => required_params.push(param),
            _ => optional_params.push(param),
        }
    }
    // Path parameters in template order, and every placeholder accounted for.
    let placeholders = placeholders(p.path);
    for name in &placeholders {
        if !path_params.iter().any(|param| &param.wire_name == name) {
            space.warnings.warn(
                &p.pointer,
                format!("path parameter `{name}` is not declared; added as a string"),
            );
            path_params.push(Param {
                rust_name: names.unique(&snake(name)),
                wire_name: name.clone(),
                location: ParamLocation::Path,
                docs: None,
                ty: TypeRef::String,
                example: None,
                style: Style::Simple { explode: false },
            });
        }
    }
    path_params.retain(|param| {
        let used = placeholders.contains(&param.wire_name);
        if !used {
            space.warnings.warn(
                &p.pointer,
                format!(
                    "path parameter `{}` does not appear in the path; ignored",
                    param.wire_name
                ),
            );
        }
        used
    });
    path_params.sort_by_key(|param| placeholders.iter().position(|n| *n == param.wire_name));
    path_params.extend(required_params);

    let body = body::lower_body(space, op, &rust_name, &p.pointer);
    let output = super::responses::lower_output(space, op, &rust_name, &p.pointer, envelope);
    let pagination = match op.extensions.get("x-apigen-pagination") {
        Some(value) => {
            let at = p.pointer.join("x-apigen-pagination");
            let ext: PaginationExtension = extension(file, at.clone(), value)?;
            Some(lower_pagination(
                file,
                &at,
                ext,
                &output,
                &optional_params,
                space,
            )?)
        }
        None => None,
    };

    Ok(Operation {
        operation_id: p.operation_id.clone(),
        // Settled with every other name by `naming::settle`.
        module: String::new(),
        params_struct: None,
        rust_name,
        method: p.method,
        path: p.path.to_owned(),
        docs: operation_docs(op),
        deprecated: op.deprecated,
        resource: p.resource.clone(),
        method_name: p.method_name.clone(),
        required_params: path_params,
        optional_params,
        body,
        output,
        pagination,
        security: p.security.clone(),
    })
}

/// A parameter's example (its own, else its schema's) as the text a caller
/// would pass: strings bare, other scalars as JSON.
fn example_text(data: &openapiv3::ParameterData) -> Option<String> {
    let schema_example = match &data.format {
        ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
            schema.schema_data.example.as_ref()
        }
        _ => None,
    };
    match data.example.as_ref().or(schema_example)? {
        serde_json::Value::String(text) => Some(text.clone()),
        value @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
            Some(value.to_string())
        }
        _ => None,
    }
}

fn parent(pointer: &Pointer) -> Pointer {
    let text = pointer.as_str();
    Pointer::from_fragment(&format!("#{}", &text[..text.rfind('/').unwrap_or(0)]))
        .unwrap_or_default()
}

fn placeholders(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

fn operation_docs(op: &openapiv3::Operation) -> Option<String> {
    let summary = op
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let description = op
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (summary, description) {
        (Some(s), Some(d)) if s.trim_end_matches('.') == d.trim_end_matches('.') => {
            Some(d.to_owned())
        }
        (Some(s), Some(d)) => Some(format!("{s}\n\n{d}")),
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

/// Follows `#/components/<kind>/<name>` references in a components map.
pub(super) fn resolve_component<'a, T>(
    map: Option<&'a IndexMap<String, ReferenceOr<T>>>,
    prefix: &str,
    item: &'a ReferenceOr<T>,
) -> Result<&'a T, String> {
    let mut current = item;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(item) => return Ok(item),
            ReferenceOr::Reference { reference } => {
                current = reference
                    .strip_prefix(prefix)
                    .and_then(|key| map?.get(key))
                    .ok_or_else(|| format!("unresolvable reference `{reference}`"))?;
            }
        }
    }
    Err("reference chain too long (a cycle?)".to_owned())
}

fn resolve_parameter<'a>(
    space: &mut TypeSpace<'a>,
    reference: &'a ReferenceOr<Parameter>,
    pointer: &Pointer,
) -> Option<&'a Parameter> {
    let map = space.spec_components().map(|c| &c.parameters);
    match resolve_component(map, "#/components/parameters/", reference) {
        Ok(param) => Some(param),
        Err(message) => {
            space
                .warnings
                .warn(pointer, format!("{message}; parameter ignored"));
            None
        }
    }
}

fn lower_pagination(
    file: &Path,
    at: &Pointer,
    ext: PaginationExtension,
    output: &Output,
    optional_params: &[Param],
    types: &TypeSpace<'_>,
) -> Result<Pagination, Diagnostic> {
    let error = |message: String| Diagnostic::new(file, at.clone(), message);
    let items_path = match &ext.items {
        Some(path) => path.split('.').map(str::to_owned).collect(),
        None => Vec::new(),
    };
    let (items_path, list_ty) =
        walk(&output.ty, &items_path, types).map_err(|m| error(format!("`items`: {m}")))?;
    let items_optional =
        matches!(list_ty, TypeRef::Option(_)) || items_path.last().is_some_and(|a| a.optional);
    let item = match strip(&list_ty) {
        TypeRef::Vec(item) => (**item).clone(),
        TypeRef::Unit => {
            return Err(error(
                "the operation has no response body to page through".into(),
            ));
        }
        other => {
            return Err(error(format!(
                "the items must be an array, not {}",
                other.describe()
            )));
        }
    };
    let find_param = |name: &Option<String>, key: &str| -> Result<&Param, Diagnostic> {
        let name = name
            .as_ref()
            .ok_or_else(|| error(format!("`{key}` is required for this kind")))?;
        optional_params
            .iter()
            .find(|p| &p.wire_name == name)
            .ok_or_else(|| {
                error(format!(
                    "`{key}`: `{name}` is not an optional parameter of the operation"
                ))
            })
    };
    let kind = match ext.kind {
        PaginationExtensionKind::SinglePage => PaginationKind::SinglePage,
        PaginationExtensionKind::PageNumber => {
            let param = find_param(&ext.page_param, "page-param")?;
            let total_pages = match (&ext.total_pages, &output.meta) {
                (Some(field), Some(meta)) => {
                    let (mut path, ty) = walk(meta, std::slice::from_ref(field), types)
                        .map_err(|m| error(format!("`total-pages`: {m}")))?;
                    path.pop().map(|access| (access, strip(&ty).clone()))
                }
                (Some(_), None) => {
                    return Err(error("`total-pages` needs an envelope with `meta`".into()));
                }
                (None, _) => None,
            };
            PaginationKind::PageNumber {
                page_param: param.rust_name.clone(),
                page_ty: param.ty.clone(),
                total_pages,
            }
        }
        PaginationExtensionKind::Cursor => {
            let param = find_param(&ext.cursor_param, "cursor-param")?;
            let path: Vec<String> = ext
                .next_cursor
                .as_deref()
                .ok_or_else(|| error("`next-cursor` is required for this kind".into()))?
                .split('.')
                .map(str::to_owned)
                .collect();
            let (next_cursor, _) =
                walk(&output.ty, &path, types).map_err(|m| error(format!("`next-cursor`: {m}")))?;
            PaginationKind::Cursor {
                cursor_param: param.rust_name.clone(),
                next_cursor,
            }
        }
    };
    Ok(Pagination {
        kind,
        item,
        items_path,
        items_optional,
    })
}

fn strip(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Option(inner) => strip(inner),
        other => other,
    }
}

/// Follows wire field names through generated structs.
fn walk(
    start: &TypeRef,
    path: &[String],
    types: &TypeSpace<'_>,
) -> Result<(Vec<Access>, TypeRef), String> {
    let mut ty = start.clone();
    let mut accesses = Vec::new();
    for segment in path {
        let TypeRef::Named(name) = strip(&ty) else {
            return Err(format!(
                "cannot find field `{segment}` in a non-object type"
            ));
        };
        let mut def = types
            .type_def(name)
            .ok_or_else(|| format!("unknown type `{name}`"))?;
        while let TypeKind::Alias(TypeRef::Named(target)) = &def.kind {
            def = types
                .type_def(target)
                .ok_or_else(|| format!("unknown type `{target}`"))?;
        }
        let TypeKind::Struct(s) = &def.kind else {
            return Err(format!("`{name}` is not an object"));
        };
        let field = s
            .fields
            .iter()
            .find(|f| &f.wire_name == segment)
            .ok_or_else(|| format!("`{name}` has no field `{segment}`"))?;
        let optional = !field.required || field.nullable;
        accesses.push(Access {
            field: field.rust_name.clone(),
            optional,
            double_optional: !field.required && field.nullable,
        });
        ty = field.ty.clone();
    }
    Ok((accesses, ty))
}

#[cfg(test)]
mod tests {
    use super::method_under_tag;

    #[test]
    fn methods_drop_the_words_of_their_tag() {
        let cases = [
            ("users", "Users_Get", "get"),
            (
                "virtual_networks",
                "VirtualNetworks_CreateOrUpdate",
                "create_or_update",
            ),
            (
                "access_reviews_access_review",
                "accessReviews.accessReview.CreateAccessReview",
                "create_access_review",
            ),
            ("repos", "repos/get-content", "get_content"),
            // What is left alone can be a keyword.
            ("users", "Users_Type", "type_"),
            // Nothing left, or nothing a name can start with: kept whole.
            ("users", "users", "users"),
            ("users", "Users_2fa", "users_2fa"),
            // Only whole words of the tag.
            ("user", "users_get", "users_get"),
            ("users", "listUsers", "list_users"),
        ];
        for (tag, operation_id, method) in cases {
            assert_eq!(
                method_under_tag(tag, operation_id),
                method,
                "{operation_id}"
            );
        }
    }
}
