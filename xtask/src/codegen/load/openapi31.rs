//! OpenAPI 3.1 → 3.0: rewrites a 3.1 document (as a value tree) into the
//! 3.0 shape that `openapiv3` reads, so both versions share one parser and
//! one lowering. What 3.0 cannot express is dropped with a located warning.

use std::collections::HashMap;
use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::walk::{self, key};
use crate::codegen::diagnostics::{Diagnostic, Origins, Pointer, Warnings, escape_token};

/// The dialect a 3.1 document uses unless it says otherwise.
const DEFAULT_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Schema keywords that `openapiv3` (OpenAPI 3.0) reads, besides the
/// validation keywords ([`walk::VALIDATION`]).
const KEYWORDS_30: &[&str] = &[
    "title",
    "maxProperties",
    "minProperties",
    "required",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
];

/// Keywords that only annotate a schema for tools and readers, dropped
/// without a warning: they do not change what the data looks like.
const QUIET: &[&str] = &["$comment", "$schema", "$id", "$anchor"];

/// Normalises a 3.1 document in place into a 3.0.3 one.
pub fn normalise(
    doc: &mut Value,
    file: &Path,
    warnings: &mut Warnings,
    origins: &mut Origins,
) -> Result<(), Diagnostic> {
    let root = Pointer::root();
    let Value::Mapping(top) = doc else {
        return Err(Diagnostic::new(file, root, "the spec must be an object"));
    };
    top.insert(key("openapi"), key("3.0.3"));
    if let Some(dialect) = top.shift_remove("jsonSchemaDialect") {
        if dialect.as_str() != Some(DEFAULT_DIALECT) {
            warnings.warn(
                &root.join("jsonSchemaDialect"),
                "schemas are read as the OpenAPI 3.1 base dialect; this dialect is ignored",
            );
        }
    }
    if let Some(Value::Mapping(hooks)) = top.shift_remove("webhooks") {
        for name in hooks.keys().filter_map(Value::as_str) {
            warnings.warn(
                &root.join("webhooks").join(name),
                "webhooks are not generated (they are requests the API sends, not calls a client makes); skipped",
            );
        }
    }
    if !top.contains_key("paths") {
        top.insert(key("paths"), Value::Mapping(Mapping::new()));
    }
    info(top);
    security_schemes(top, warnings);
    path_item_refs(top, warnings);
    optional_responses(top);
    // Hoisting first: the hoisted schemas are then normalised where they
    // now live, and their warnings relocated through `origins`.
    hoist_defs(doc, origins);
    walk::document(doc, &mut |node, at| schema(node, at, warnings));
    hoist_deep_refs(doc, origins);
    Ok(())
}

/// `info.summary` and `info.license.identifier` are new in 3.1.
fn info(top: &mut Mapping) {
    let Some(Value::Mapping(info)) = top.get_mut("info") else {
        return;
    };
    if let Some(Value::String(summary)) = info.shift_remove("summary") {
        let text = match info.get("description").and_then(Value::as_str) {
            Some(description) => format!("{summary}\n\n{description}"),
            None => summary,
        };
        info.insert(key("description"), Value::String(text));
    }
    if let Some(Value::Mapping(license)) = info.get_mut("license") {
        if let Some(Value::String(id)) = license.shift_remove("identifier") {
            if !license.contains_key("url") {
                let url = format!("https://spdx.org/licenses/{id}.html");
                license.insert(key("url"), Value::String(url));
            }
        }
    }
}

/// `responses` of an operation is optional in 3.1, required in 3.0.
fn optional_responses(top: &mut Mapping) {
    let Some(Value::Mapping(paths)) = top.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        for method in walk::METHODS {
            if let Some(Value::Mapping(op)) = item.get_mut(*method) {
                if !op.contains_key("responses") {
                    op.insert(key("responses"), Value::Mapping(Mapping::new()));
                }
            }
        }
    }
}

/// `mutualTLS` security schemes have no 3.0 form.
fn security_schemes(top: &mut Mapping, warnings: &mut Warnings) {
    let Some(Value::Mapping(components)) = top.get_mut("components") else {
        return;
    };
    let Some(Value::Mapping(schemes)) = components.get_mut("securitySchemes") else {
        return;
    };
    let at = Pointer::root().join("components").join("securitySchemes");
    schemes.retain(|name, scheme| {
        let mutual = scheme.get("type").and_then(Value::as_str) == Some("mutualTLS");
        if mutual {
            let name = name.as_str().unwrap_or_default();
            warnings.warn(
                &at.join(name),
                "mutual TLS is configured on the HTTP client, not by the SDK; scheme ignored",
            );
        }
        !mutual
    });
}

/// Replaces each `$ref` to `components/pathItems` (in `paths` and in
/// callbacks) by the path item itself; 3.0 has no such component.
fn path_item_refs(top: &mut Mapping, warnings: &mut Warnings) {
    let items = match top.get_mut("components") {
        Some(Value::Mapping(components)) => match components.shift_remove("pathItems") {
            Some(Value::Mapping(items)) => items,
            _ => return,
        },
        _ => return,
    };
    let resolve = |item: &mut Value, at: &Pointer, warnings: &mut Warnings| {
        let Some(reference) = item.get("$ref").and_then(Value::as_str) else {
            return;
        };
        let Some(name) = reference.strip_prefix("#/components/pathItems/") else {
            return;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        match items.get(name.as_str()) {
            Some(Value::Mapping(target)) => {
                let mut merged = target.clone();
                if let Value::Mapping(here) = item {
                    for (k, v) in here.iter() {
                        if k.as_str() != Some("$ref") {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                }
                *item = Value::Mapping(merged);
            }
            _ => {
                warnings.warn(
                    &at.join("$ref"),
                    format!("`{reference}` does not resolve; path skipped"),
                );
                *item = Value::Mapping(Mapping::new());
            }
        }
    };
    if let Some(Value::Mapping(paths)) = top.get_mut("paths") {
        let at = Pointer::root().join("paths");
        for (k, item) in paths.iter_mut() {
            let k = k.as_str().unwrap_or_default().to_owned();
            resolve(item, &at.join(&k), warnings);
            // Callbacks of the operations hold path items too.
            let item_at = at.join(&k);
            if let Value::Mapping(item) = item {
                for method in walk::METHODS {
                    let Some(Value::Mapping(callbacks)) =
                        item.get_mut(*method).and_then(|op| op.get_mut("callbacks"))
                    else {
                        continue;
                    };
                    let cb_at = item_at.join(method).join("callbacks");
                    for (name, cb) in callbacks.iter_mut() {
                        let name = name.as_str().unwrap_or_default().to_owned();
                        if let Value::Mapping(cb) = cb {
                            for (expr, item) in cb.iter_mut() {
                                let expr = expr.as_str().unwrap_or_default().to_owned();
                                resolve(item, &cb_at.join(&name).join(&expr), warnings);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Rewrites one 3.1 schema node into 3.0 (its subschemas are visited after).
pub fn schema(node: &mut Value, at: &Pointer, warnings: &mut Warnings) {
    match node {
        // Boolean schemas: `true` accepts anything, `false` nothing.
        Value::Bool(true) => *node = Value::Mapping(Mapping::new()),
        Value::Bool(false) => {
            warnings.warn(
                at,
                "the `false` schema (no value allowed) is read as any value",
            );
            *node = Value::Mapping(Mapping::new());
        }
        _ => {}
    }
    let Value::Mapping(map) = node else { return };
    ref_siblings(map);
    if let Some(value) = map.shift_remove("const") {
        if map.contains_key("enum") {
            warnings.warn(&at.join("const"), "`const` next to `enum` is ignored");
        } else {
            map.insert(key("enum"), Value::Sequence(vec![value]));
        }
    }
    if let Some(examples) = map.shift_remove("examples") {
        match examples {
            Value::Sequence(list) => {
                if let (false, Some(first)) = (map.contains_key("example"), list.into_iter().next())
                {
                    map.insert(key("example"), first);
                }
            }
            _ => warnings.warn(
                &at.join("examples"),
                "`examples` of a schema must be a list; ignored",
            ),
        }
    }
    exclusive_bound(map, "exclusiveMinimum", "minimum", true);
    exclusive_bound(map, "exclusiveMaximum", "maximum", false);
    null_branches(map, "anyOf");
    null_branches(map, "oneOf");
    types(map, at, warnings);
    content_keywords(map);
    unexpressible(map, at, warnings);
}

/// A `$ref` with siblings (allowed in 3.1, where they add to or annotate
/// the reference) becomes `allOf: [{$ref}]` with the siblings beside it,
/// which the lowering reads as the referenced type itself when only
/// annotations are added. A `summary` becomes the description.
fn ref_siblings(map: &mut Mapping) {
    if map.len() < 2 || !map.contains_key("$ref") {
        return;
    }
    let Some(reference) = map.shift_remove("$ref") else {
        return;
    };
    if let Some(summary) = map.shift_remove("summary") {
        if !map.contains_key("description") {
            map.insert(key("description"), summary);
        }
    }
    if map.is_empty() {
        map.insert(key("$ref"), reference);
        return;
    }
    let mut member = Mapping::new();
    member.insert(key("$ref"), reference);
    let mut all_of = vec![Value::Mapping(member)];
    if let Some(Value::Sequence(rest)) = map.shift_remove("allOf") {
        all_of.extend(rest);
    }
    map.insert(key("allOf"), Value::Sequence(all_of));
}

/// Numeric `exclusiveMinimum: n` (3.1) → `minimum: n, exclusiveMinimum:
/// true` (3.0); a stricter `minimum` beside it is kept as is.
pub(super) fn exclusive_bound(map: &mut Mapping, exclusive: &str, inclusive: &str, lower: bool) {
    let Some(Value::Number(bound)) = map.get(exclusive).cloned() else {
        return;
    };
    map.shift_remove(exclusive);
    let bound_f = bound.as_f64().unwrap_or(0.0);
    let stricter_inclusive = map
        .get(inclusive)
        .and_then(Value::as_f64)
        .is_some_and(|b| if lower { b > bound_f } else { b < bound_f });
    if !stricter_inclusive {
        map.insert(key(inclusive), Value::Number(bound));
        map.insert(key(exclusive), Value::Bool(true));
    }
}

/// Whether `branch` is a schema that allows only `null`.
fn is_null_schema(branch: &Value) -> bool {
    let Value::Mapping(map) = branch else {
        return false;
    };
    let null_type = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Sequence(ts)) => ts.len() == 1 && ts[0].as_str() == Some("null"),
        _ => false,
    };
    let null_enum = matches!(map.get("enum"), Some(Value::Sequence(v)) if v.iter().all(Value::is_null))
        || matches!(map.get("const"), Some(Value::Null));
    (null_type || null_enum)
        && map.keys().all(|k| {
            matches!(
                k.as_str(),
                Some("type" | "enum" | "const" | "description" | "title")
            )
        })
}

/// `anyOf: [X, {type: null}]` → `X` with `nullable: true`; a lone `$ref`
/// becomes `allOf: [{$ref}]` so that `nullable` can sit beside it.
fn null_branches(map: &mut Mapping, keyword: &str) {
    let Some(Value::Sequence(branches)) = map.get_mut(keyword) else {
        return;
    };
    let before = branches.len();
    branches.retain(|b| !is_null_schema(b));
    if branches.len() == before {
        return;
    }
    map.insert(key("nullable"), Value::Bool(true));
    let Some(Value::Sequence(branches)) = map.get(keyword) else {
        return;
    };
    match branches.as_slice() {
        [] => {
            map.shift_remove(keyword);
        }
        [only] if only.get("$ref").is_some() && only.as_mapping().is_some_and(|m| m.len() == 1) => {
            let only = only.clone();
            map.shift_remove(keyword);
            let mut all_of = match map.shift_remove("allOf") {
                Some(Value::Sequence(list)) => list,
                _ => Vec::new(),
            };
            all_of.insert(0, only);
            map.insert(key("allOf"), Value::Sequence(all_of));
        }
        _ => {}
    }
}

/// Keywords that apply to one JSON type only, for splitting a schema with
/// several types into one branch per type.
fn keyword_type(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "items" | "minItems" | "maxItems" | "uniqueItems" => "array",
        "properties" | "additionalProperties" | "required" | "minProperties" | "maxProperties" => {
            "object"
        }
        "minLength" | "maxLength" | "pattern" => "string",
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => "number",
        _ => return None,
    })
}

/// `type: [T, "null"]` → `type: T, nullable: true`; several non-null types
/// → `oneOf` with one branch per type, each with its own keywords.
pub(super) fn types(map: &mut Mapping, at: &Pointer, warnings: &mut Warnings) {
    let list: Vec<String> = match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Sequence(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => return,
    };
    let mut non_null: Vec<String> = list.iter().filter(|t| *t != "null").cloned().collect();
    non_null.dedup();
    if non_null.len() < list.len() {
        map.insert(key("nullable"), Value::Bool(true));
    }
    match non_null.as_slice() {
        [] => {
            map.shift_remove("type");
            if !map.contains_key("enum") {
                warnings.warn(
                    &at.join("type"),
                    "a schema that allows only `null` is read as any value",
                );
            }
        }
        [only] => {
            map.insert(key("type"), key(only));
        }
        several => {
            map.shift_remove("type");
            let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
            let mut branches: Vec<Value> = Vec::new();
            for ty in several {
                let mut branch = Mapping::new();
                branch.insert(key("type"), key(ty));
                let numeric = ty == "number" || ty == "integer";
                let keys: Vec<Value> = map
                    .keys()
                    .filter(|k| {
                        k.as_str()
                            .and_then(keyword_type)
                            .is_some_and(|kt| kt == ty.as_str() || (kt == "number" && numeric))
                    })
                    .cloned()
                    .collect();
                for k in keys {
                    if let Some(v) = map.get(&k) {
                        branch.insert(k.clone(), v.clone());
                    }
                }
                if let Some(format) = &format {
                    if format_type(format) == ty.as_str()
                        || (numeric && format_type(format) == "number")
                    {
                        branch.insert(key("format"), key(format));
                    }
                }
                if let Some(Value::Sequence(values)) = map.get("enum") {
                    let own: Vec<Value> = values
                        .iter()
                        .filter(|v| {
                            value_type(v) == ty.as_str() || (numeric && value_type(v) == "number")
                        })
                        .cloned()
                        .collect();
                    if !own.is_empty() {
                        branch.insert(key("enum"), Value::Sequence(own));
                    }
                }
                branches.push(Value::Mapping(branch));
            }
            map.retain(|k, _| {
                k.as_str()
                    .is_none_or(|k| keyword_type(k).is_none() && k != "format" && k != "enum")
            });
            map.insert(key("oneOf"), Value::Sequence(branches));
        }
    }
}

/// The JSON type a `format` belongs to.
fn format_type(format: &str) -> &'static str {
    match format {
        "int32" | "int64" | "uint32" | "uint64" | "float" | "double" => "number",
        _ => "string",
    }
}

/// The JSON type of a value, numbers all as `number`.
fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "array",
        Value::Mapping(_) | Value::Tagged(_) => "object",
    }
}

/// `contentEncoding: base64` → `format: byte`; a non-text
/// `contentMediaType` → `format: binary` (raw bytes).
fn content_keywords(map: &mut Mapping) {
    let encoding = map.shift_remove("contentEncoding");
    let media = map.shift_remove("contentMediaType");
    if map.contains_key("format") {
        return;
    }
    let format = match (&encoding, &media) {
        (Some(Value::String(e)), _) if e.starts_with("base64") => "byte",
        (_, Some(Value::String(m)))
            if !(m.starts_with("text/") || m.contains("json") || m.contains("xml")) =>
        {
            "binary"
        }
        _ => return,
    };
    map.insert(key("format"), key(format));
}

/// Drops every keyword 3.0 cannot express, each with a warning that says
/// what the generated code will not check or represent.
fn unexpressible(map: &mut Mapping, at: &Pointer, warnings: &mut Warnings) {
    if let Some(props) = map.shift_remove("unevaluatedProperties") {
        let composed = ["allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| map.contains_key(*k));
        if composed || map.contains_key("additionalProperties") {
            warnings.warn(
                &at.join("unevaluatedProperties"),
                "`unevaluatedProperties` is not supported next to a composition; ignored",
            );
        } else {
            map.insert(key("additionalProperties"), props);
        }
    }
    if let Some(Value::Sequence(prefix)) = map.get("prefixItems") {
        let n = prefix.len();
        if !map.contains_key("items") {
            map.insert(key("items"), Value::Mapping(Mapping::new()));
        }
        map.shift_remove("prefixItems");
        warnings.warn(
            &at.join("prefixItems"),
            format!("tuples are not supported; the {n} positional item schemas are ignored and the array holds any values"),
        );
    }
    let unknown: Vec<String> = map
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| {
            !KEYWORDS_30.contains(k) && !walk::VALIDATION.contains(k) && !k.starts_with("x-")
        })
        .map(str::to_owned)
        .collect();
    for k in unknown {
        map.shift_remove(k.as_str());
        if QUIET.contains(&k.as_str()) || DEFS.contains(&k.as_str()) {
            continue;
        }
        let what = match k.as_str() {
            "if" | "then" | "else" => "conditional schemas are not checked",
            "dependentRequired" | "dependentSchemas" | "dependencies" => {
                "dependencies between properties are not checked"
            }
            "patternProperties" => "properties matched by a pattern are not represented",
            "contains" | "minContains" | "maxContains" => "`contains` is not checked",
            "propertyNames" => "property names are not checked",
            "unevaluatedItems" => "`unevaluatedItems` is not checked",
            "$dynamicRef" | "$dynamicAnchor" | "$recursiveRef" | "$recursiveAnchor" => {
                "dynamic references are not supported"
            }
            _ => "not an OpenAPI 3.0 schema keyword",
        };
        warnings.warn(&at.join(&k), format!("`{k}`: {what}; ignored"));
    }
}

/// Keywords holding schema definitions local to a schema (`definitions`
/// is the pre-2019 spelling, still written by some emitters).
const DEFS: &[&str] = &["$defs", "definitions"];

/// Moves every `$defs` entry into `components/schemas` under a name that is
/// free there (its own, else prefixed by its parent), rewriting references
/// to it and into it.
fn hoist_defs(doc: &mut Value, origins: &mut Origins) {
    // Outermost first, so nested `$defs` get their parents' new names.
    let mut found: Vec<(Pointer, String, Value)> = Vec::new();
    walk::document(doc, &mut |node, at| {
        for defs_key in DEFS {
            if let Some(Value::Mapping(defs)) = node.get(*defs_key) {
                for (name, schema) in defs {
                    if let Some(name) = name.as_str() {
                        found.push((at.join(defs_key), name.to_owned(), schema.clone()));
                    }
                }
            }
        }
    });
    if found.is_empty() {
        return;
    }
    walk::document(doc, &mut |node, _| {
        if let Value::Mapping(map) = node {
            for defs_key in DEFS {
                if matches!(map.get(*defs_key), Some(Value::Mapping(_))) {
                    map.shift_remove(*defs_key);
                }
            }
        }
    });
    let Some(schemas) = component_schemas(doc) else {
        return;
    };
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut by_name: HashMap<String, Option<String>> = HashMap::new();
    for (defs_at, name, mut schema) in found {
        let parent_name = defs_at
            .as_str()
            .rsplit('/')
            .skip(1)
            .find(|t| !t.is_empty() && !t.starts_with('$') && !is_keyword_token(t))
            .unwrap_or("Defs")
            .replace("~1", "/")
            .replace("~0", "~");
        let new_name = free_name(schemas, &name, &parent_name);
        if let Value::Mapping(inner) = &mut schema {
            for defs_key in DEFS {
                if matches!(inner.get(*defs_key), Some(Value::Mapping(_))) {
                    inner.shift_remove(*defs_key);
                }
            }
        }
        let original = defs_at.join(&name);
        let now = Pointer::root()
            .join("components")
            .join("schemas")
            .join(&new_name);
        origins.record(now, original.clone());
        renames.push((format!("#{}", original.as_str()), new_name.clone()));
        // `#/$defs/X` (relative to a schema resource, as some emitters
        // write it) resolves when the name is unambiguous.
        by_name
            .entry(name.clone())
            .and_modify(|e| *e = None)
            .or_insert_with(|| Some(new_name.clone()));
        schemas.insert(Value::String(new_name), schema);
    }
    // Longest first, so a nested definition wins over its parent's prefix.
    renames.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    walk::refs(doc, &mut |reference| {
        for (from, name) in &renames {
            if let Some(rest) = reference.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    *reference = format!("#/components/schemas/{}{rest}", escape_token(name));
                    return;
                }
            }
        }
        for defs_key in DEFS {
            let Some(local) = reference.strip_prefix(&format!("#/{defs_key}/")) else {
                continue;
            };
            let (local, rest) = local.split_once('/').map_or((local, ""), |(l, r)| (l, r));
            if let Some(Some(name)) = by_name.get(local) {
                let rest = if rest.is_empty() {
                    String::new()
                } else {
                    format!("/{rest}")
                };
                *reference = format!("#/components/schemas/{}{rest}", escape_token(name));
                return;
            }
        }
    });
}

/// `components/schemas` of a document, created when absent.
fn component_schemas(doc: &mut Value) -> Option<&mut Mapping> {
    let Value::Mapping(top) = doc else {
        return None;
    };
    let components = top
        .entry(key("components"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    let schemas = components
        .as_mapping_mut()?
        .entry(key("schemas"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    schemas.as_mapping_mut()
}

/// A name for a new component: `name`, else prefixed by `parent`, else
/// numbered; never one that is taken.
fn free_name(schemas: &Mapping, name: &str, parent: &str) -> String {
    if !schemas.contains_key(name) {
        return name.to_owned();
    }
    let prefixed = format!("{parent}{}", upper_first(name));
    let mut candidate = prefixed.clone();
    let mut n = 2;
    while schemas.contains_key(candidate.as_str()) {
        candidate = format!("{prefixed}{n}");
        n += 1;
    }
    candidate
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Pointer tokens that are schema keywords or list indexes, not names.
fn is_keyword_token(token: &str) -> bool {
    token.parse::<usize>().is_ok()
        || matches!(
            token,
            "properties"
                | "items"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "not"
                | "additionalProperties"
                | "schema"
                | "content"
                | "definitions"
        )
}

/// Schema references to anything but a whole component schema (into one,
/// `#/components/schemas/A/properties/b`, or to a parameter's or a
/// response's schema), which the lowering cannot follow: the node is copied
/// into a component of its own, named from its path (`AB`), and the
/// references point there.
pub fn hoist_deep_refs(doc: &mut Value, origins: &mut Origins) {
    const PREFIX: &str = "#/components/schemas/";
    let is_deep = |reference: &str| match reference.strip_prefix(PREFIX) {
        Some(rest) => rest.contains('/'),
        None => reference.starts_with("#/"),
    };
    let mut deep: Vec<String> = Vec::new();
    walk::document(doc, &mut |node, _| {
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            if is_deep(reference) && !deep.iter().any(|d| d == reference) {
                deep.push(reference.to_owned());
            }
        }
    });
    if deep.is_empty() {
        return;
    }
    let mut targets: Vec<(String, String, Value)> = Vec::new();
    for reference in deep {
        let Some(pointer) = reference.strip_prefix('#') else {
            continue;
        };
        let Some(node @ Value::Mapping(_)) = resolve(doc, pointer) else {
            continue;
        };
        let tokens: Vec<String> = pointer
            .split('/')
            .filter(|t| !is_keyword_token(t) && !is_place_token(t))
            .map(|t| upper_first(&t.replace("~1", "/").replace("~0", "~")))
            .collect();
        let name = match tokens[tokens.len().saturating_sub(3)..].concat() {
            name if name.is_empty() => "Inner".to_owned(),
            name => name,
        };
        targets.push((reference, name, node.clone()));
    }
    let Some(schemas) = component_schemas(doc) else {
        return;
    };
    let mut renames: HashMap<String, String> = HashMap::new();
    for (reference, name, node) in targets {
        let name = free_name(schemas, &name, "Inner");
        let now = Pointer::root()
            .join("components")
            .join("schemas")
            .join(&name);
        // The copied node may itself have been moved by a conversion.
        if let Some(was) = Pointer::from_fragment(&reference) {
            let was = origins.locate(&was);
            origins.record(now, was);
        }
        schemas.insert(key(&name), node);
        renames.insert(reference, name);
    }
    walk::document(doc, &mut |node, _| {
        if let Some(Value::String(reference)) = node.get_mut("$ref") {
            if let Some(name) = renames.get(reference.as_str()) {
                *reference = format!("{PREFIX}{}", escape_token(name));
            }
        }
    });
}

/// Pointer tokens that locate a node in the document rather than name it.
fn is_place_token(token: &str) -> bool {
    token.is_empty()
        || walk::METHODS.contains(&token)
        || token.contains(['/', '~', '{', '.', '%'])
        || matches!(
            token,
            "components"
                | "schemas"
                | "parameters"
                | "responses"
                | "requestBodies"
                | "headers"
                | "paths"
                | "requestBody"
                | "default"
        )
}

/// The node at a JSON pointer (RFC 6901) in `doc`.
fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        let token = percent_decode(token).replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Mapping(map) => map.get(token.as_str())?,
            Value::Sequence(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A URI fragment's `%XX` escapes decoded (`{` is often written `%7B`).
fn percent_decode(token: &str) -> String {
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{messages, warnings, yaml};
    use super::*;

    /// Normalises one schema (and its subschemas) at `/s`.
    fn norm(input: &str) -> (Value, Vec<String>) {
        let mut warnings = warnings();
        let mut value = yaml(input);
        walk::schema(&mut value, &Pointer::root().join("s"), &mut |n, p| {
            schema(n, p, &mut warnings);
        });
        (value, messages(warnings))
    }

    /// Asserts what one schema normalises to (warnings aside).
    #[track_caller]
    fn assert_norm(input: &str, expected: &str) {
        assert_eq!(norm(input).0, yaml(expected), "{input}");
    }

    /// Asserts what one schema normalises to, and the warnings.
    #[track_caller]
    fn assert_norm_warns(input: &str, expected: &str, warnings: &[&str]) {
        let (value, got) = norm(input);
        assert_eq!(value, yaml(expected), "{input}");
        assert_eq!(got, warnings, "{input}");
    }

    /// Normalises a whole document.
    fn doc(input: &str) -> (Value, Vec<String>, Origins) {
        let mut warnings = warnings();
        let mut origins = Origins::default();
        let mut value = yaml(input);
        normalise(&mut value, Path::new("t.yaml"), &mut warnings, &mut origins).unwrap();
        (value, messages(warnings), origins)
    }

    #[test]
    fn type_array_with_null_is_nullable() {
        assert_norm_warns(
            "{type: [string, 'null'], maxLength: 3}",
            "{type: string, maxLength: 3, nullable: true}",
            &[],
        );
    }

    #[test]
    fn several_types_become_one_of_with_their_own_keywords() {
        assert_norm_warns(
            "{type: [integer, string, 'null'], minimum: 1, maxLength: 9, format: int32, description: d}",
            "{description: d, nullable: true, oneOf: [{type: integer, minimum: 1, format: int32}, {type: string, maxLength: 9}]}",
            &[],
        );
    }

    #[test]
    fn null_only_type_is_any_value_with_a_warning() {
        assert_norm_warns(
            "{type: 'null'}",
            "{nullable: true}",
            &["/s/type: a schema that allows only `null` is read as any value"],
        );
    }

    #[test]
    fn const_is_a_single_value_enum() {
        assert_norm("{const: 5}", "{enum: [5]}");
        assert_norm_warns(
            "{const: a, enum: [a, b]}",
            "{enum: [a, b]}",
            &["/s/const: `const` next to `enum` is ignored"],
        );
    }

    #[test]
    fn examples_become_example() {
        assert_norm(
            "{type: string, examples: [a, b]}",
            "{type: string, example: a}",
        );
        assert_norm("{example: x, examples: [a]}", "{example: x}");
        assert_norm_warns(
            "{examples: {a: 1}}",
            "{}",
            &["/s/examples: `examples` of a schema must be a list; ignored"],
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean() {
        assert_norm(
            "{type: number, exclusiveMinimum: 0, exclusiveMaximum: 10}",
            "{type: number, minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true}",
        );
        // A stricter inclusive bound wins.
        assert_norm("{minimum: 5, exclusiveMinimum: 0}", "{minimum: 5}");
    }

    #[test]
    fn ref_with_siblings_becomes_all_of() {
        assert_norm(
            "{$ref: '#/components/schemas/A', description: d}",
            "{description: d, allOf: [{$ref: '#/components/schemas/A'}]}",
        );
        assert_norm(
            "{$ref: '#/components/schemas/A', summary: s}",
            "{description: s, allOf: [{$ref: '#/components/schemas/A'}]}",
        );
        assert_norm("{$ref: '#/x'}", "{$ref: '#/x'}");
    }

    #[test]
    fn null_branch_of_any_of_is_nullable() {
        assert_norm(
            "{anyOf: [{$ref: '#/components/schemas/A'}, {type: 'null'}], title: T}",
            "{title: T, nullable: true, allOf: [{$ref: '#/components/schemas/A'}]}",
        );
        assert_norm(
            "{oneOf: [{type: string}, {type: integer}, {type: 'null'}]}",
            "{oneOf: [{type: string}, {type: integer}], nullable: true}",
        );
    }

    #[test]
    fn content_keywords_become_formats() {
        assert_norm(
            "{type: string, contentEncoding: base64}",
            "{type: string, format: byte}",
        );
        assert_norm(
            "{type: string, contentMediaType: image/png}",
            "{type: string, format: binary}",
        );
        assert_norm(
            "{type: string, contentMediaType: application/json}",
            "{type: string}",
        );
    }

    #[test]
    fn boolean_schemas() {
        assert_norm(
            "{properties: {a: true}, additionalProperties: false}",
            "{properties: {a: {}}, additionalProperties: false}",
        );
        let (_, w) = norm("{items: false}");
        assert_eq!(
            w,
            ["/s/items: the `false` schema (no value allowed) is read as any value"]
        );
    }

    #[test]
    fn unexpressible_keywords_are_warned_about() {
        assert_norm_warns(
            "{type: object, if: {}, then: {}, else: {}, dependentRequired: {a: [b]}, propertyNames: {}, $comment: c, unevaluatedProperties: false}",
            "{type: object, additionalProperties: false}",
            &[
                "/s/dependentRequired: `dependentRequired`: dependencies between properties are not checked; ignored",
                "/s/else: `else`: conditional schemas are not checked; ignored",
                "/s/if: `if`: conditional schemas are not checked; ignored",
                "/s/propertyNames: `propertyNames`: property names are not checked; ignored",
                "/s/then: `then`: conditional schemas are not checked; ignored",
            ],
        );
        assert_norm_warns(
            "{type: array, prefixItems: [{type: string}]}",
            "{type: array, items: {}}",
            &[
                "/s/prefixItems: tuples are not supported; the 1 positional item schemas are ignored and the array holds any values",
            ],
        );
    }

    #[test]
    fn subschemas_are_normalised_with_their_pointers() {
        let (v, w) =
            norm("{properties: {a: {type: [string, 'null']}, b: {items: {const: 1, if: {}}}}}");
        assert_eq!(
            v,
            yaml("{properties: {a: {type: string, nullable: true}, b: {items: {enum: [1]}}}}")
        );
        assert_eq!(
            w,
            ["/s/properties/b/items/if: `if`: conditional schemas are not checked; ignored"]
        );
    }

    #[test]
    fn document_level_rules() {
        let (v, w, _) = doc("
openapi: 3.1.0
jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base
info: {title: t, version: '1', summary: S, license: {name: MIT, identifier: MIT}}
webhooks: {ping: {post: {responses: {'200': {description: ok}}}}}
components:
  securitySchemes:
    mtls: {type: mutualTLS}
    key: {type: apiKey, name: k, in: header}
");
        assert_eq!(
            v,
            yaml(
                "
openapi: 3.0.3
info: {title: t, version: '1', license: {name: MIT, url: 'https://spdx.org/licenses/MIT.html'}, description: S}
components:
  securitySchemes:
    key: {type: apiKey, name: k, in: header}
paths: {}
"
            )
        );
        assert_eq!(
            w,
            [
                "/components/securitySchemes/mtls: mutual TLS is configured on the HTTP client, not by the SDK; scheme ignored",
                "/webhooks/ping: webhooks are not generated (they are requests the API sends, not calls a client makes); skipped",
            ]
        );
        let (v, _, _) =
            doc("{openapi: 3.1.0, info: {title: t, version: '1'}, paths: {/a: {get: {}}}}");
        assert_eq!(
            v.get("paths").unwrap(),
            &yaml("{/a: {get: {responses: {}}}}")
        );
        let (_, w, _) =
            doc("{openapi: 3.1.0, info: {title: t, version: '1'}, jsonSchemaDialect: 'x'}");
        assert_eq!(
            w,
            [
                "/jsonSchemaDialect: schemas are read as the OpenAPI 3.1 base dialect; this dialect is ignored"
            ]
        );
    }

    #[test]
    fn path_item_components_are_inlined() {
        let (v, w, _) = doc("
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a: {$ref: '#/components/pathItems/A', summary: here}
  /b: {$ref: '#/components/pathItems/Missing'}
components:
  pathItems:
    A: {get: {responses: {'200': {description: ok}}}}
");
        assert_eq!(
            v.get("paths").unwrap(),
            &yaml("{/a: {get: {responses: {'200': {description: ok}}}, summary: here}, /b: {}}")
        );
        assert_eq!(v.get("components").unwrap(), &yaml("{}"));
        assert_eq!(
            w,
            ["/paths/~1b/$ref: `#/components/pathItems/Missing` does not resolve; path skipped"]
        );
    }

    #[test]
    fn defs_are_hoisted_with_free_names_and_refs_rewritten() {
        let (v, _, origins) = doc("
openapi: 3.1.0
info: {title: t, version: '1'}
components:
  schemas:
    Owner: {type: string}
    Pet:
      type: object
      properties:
        owner: {$ref: '#/components/schemas/Pet/$defs/Owner'}
        tag: {$ref: '#/$defs/Tag'}
        tag_name: {$ref: '#/components/schemas/Pet/$defs/Tag/properties/name'}
      $defs:
        Owner: {type: object, properties: {name: {type: string}}}
        Tag: {type: object, properties: {name: {type: [string, 'null']}}}
");
        assert_eq!(
            v.get("components").unwrap().get("schemas").unwrap(),
            &yaml(
                "
Owner: {type: string}
Pet:
  type: object
  properties:
    owner: {$ref: '#/components/schemas/PetOwner'}
    tag: {$ref: '#/components/schemas/Tag'}
    tag_name: {$ref: '#/components/schemas/TagName'}
PetOwner: {type: object, properties: {name: {type: string}}}
Tag: {type: object, properties: {name: {type: string, nullable: true}}}
TagName: {type: string, nullable: true}
"
            )
        );
        let located = origins.locate(
            &Pointer::root()
                .join("components")
                .join("schemas")
                .join("PetOwner")
                .join("properties"),
        );
        assert_eq!(
            located.as_str(),
            "/components/schemas/Pet/$defs/Owner/properties"
        );
    }

    #[test]
    fn deep_references_into_paths_are_hoisted() {
        let (v, _, _) = doc(
            "
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {logo: {type: object, properties: {url: {type: string}}}}}
components:
  schemas:
    B: {properties: {icon: {$ref: '#/paths/~1a/get/responses/200/content/application~1json/schema/properties/logo'}}}
",
        );
        assert_eq!(
            v.get("components").unwrap().get("schemas").unwrap(),
            &yaml(
                "
B: {properties: {icon: {$ref: '#/components/schemas/Logo'}}}
Logo: {type: object, properties: {url: {type: string}}}
"
            )
        );
    }
}
