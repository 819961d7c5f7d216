//! Visiting the schemas of a document held as a plain value tree.
//!
//! The converters work on `serde_yaml::Value` rather than `serde_json::Value`
//! because its mappings keep the document's key order (properties, paths and
//! components come out in the order the author wrote them).

use serde_yaml::{Mapping, Value};

use crate::codegen::diagnostics::Pointer;

/// A callback on one schema node and its pointer. It may rewrite the node
/// freely; the walk then descends into the subschemas of the result.
pub type SchemaFn<'a> = dyn FnMut(&mut Value, &Pointer) + 'a;

/// Keywords whose value is a map of name → schema.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is one schema (`items` may also be a list in
/// older drafts; `additionalProperties` may also be a boolean).
const SCHEMA_SINGLES: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
];

/// Keywords where a boolean is valid OpenAPI 3.0, not a boolean schema.
const BOOL_OK: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
];

/// The validation keywords of JSON Schema that both OpenAPI 3.0 schemas and
/// Swagger 2.0 parameters have, in the order of the 2.0 specification.
pub const VALIDATION: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// The string key `s` as a value.
pub fn key(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// Calls `f` on `schema` and then on every subschema below it.
pub fn schema(schema: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    f(schema, at);
    let Value::Mapping(map) = schema else {
        return;
    };
    for (k, v) in map.iter_mut() {
        let Some(k) = k.as_str() else { continue };
        let here = at.join(k);
        if SCHEMA_MAPS.contains(&k) {
            if let Value::Mapping(children) = v {
                for (name, child) in children.iter_mut() {
                    if let Some(name) = name.as_str() {
                        self::schema(child, &here.join(name), f);
                    }
                }
            }
        } else if SCHEMA_LISTS.contains(&k) || (k == "items" && v.is_sequence()) {
            if let Value::Sequence(children) = v {
                for (i, child) in children.iter_mut().enumerate() {
                    self::schema(child, &here.join(i.to_string()), f);
                }
            }
        } else if SCHEMA_SINGLES.contains(&k)
            && (v.is_mapping() || (v.is_bool() && !BOOL_OK.contains(&k)))
        {
            self::schema(v, &here, f);
        }
    }
}

/// The HTTP methods of a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f` on every schema of an OpenAPI 3 document (components, paths,
/// callbacks; not webhooks, which the caller removes first).
pub fn document(doc: &mut Value, f: &mut SchemaFn<'_>) {
    let root = Pointer::root();
    if let Some(Value::Mapping(components)) = doc.get_mut("components") {
        let at = root.join("components");
        each(components, "schemas", &at, &mut |v, p| schema(v, p, f));
        each(components, "parameters", &at, &mut |v, p| {
            parameter(v, p, f)
        });
        each(components, "headers", &at, &mut |v, p| parameter(v, p, f));
        each(components, "requestBodies", &at, &mut |v, p| {
            content_of(v, p, f)
        });
        each(components, "responses", &at, &mut |v, p| response(v, p, f));
        each(components, "callbacks", &at, &mut |v, p| callback(v, p, f));
        each(components, "pathItems", &at, &mut |v, p| path_item(v, p, f));
    }
    if let Some(Value::Mapping(paths)) = doc.get_mut("paths") {
        let at = root.join("paths");
        for (k, item) in paths.iter_mut() {
            if let Some(k) = k.as_str() {
                path_item(item, &at.join(k), f);
            }
        }
    }
}

/// Calls `visit` on each entry of the map `map[name]`.
fn each(map: &mut Mapping, name: &str, at: &Pointer, visit: &mut dyn FnMut(&mut Value, &Pointer)) {
    if let Some(Value::Mapping(entries)) = map.get_mut(name) {
        let at = at.join(name);
        for (k, v) in entries.iter_mut() {
            if let Some(k) = k.as_str() {
                visit(v, &at.join(k));
            }
        }
    }
}

fn path_item(item: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    let Value::Mapping(item) = item else { return };
    list(item, "parameters", at, &mut |v, p| parameter(v, p, f));
    for method in METHODS {
        if let Some(Value::Mapping(op)) = item.get_mut(*method) {
            let at = at.join(method);
            list(op, "parameters", &at, &mut |v, p| parameter(v, p, f));
            if let Some(body) = op.get_mut("requestBody") {
                content_of(body, &at.join("requestBody"), f);
            }
            each(op, "responses", &at, &mut |v, p| response(v, p, f));
            each(op, "callbacks", &at, &mut |v, p| callback(v, p, f));
        }
    }
}

/// Calls `visit` on each element of the list `map[name]`.
fn list(map: &mut Mapping, name: &str, at: &Pointer, visit: &mut dyn FnMut(&mut Value, &Pointer)) {
    if let Some(Value::Sequence(items)) = map.get_mut(name) {
        let at = at.join(name);
        for (i, v) in items.iter_mut().enumerate() {
            visit(v, &at.join(i.to_string()));
        }
    }
}

fn parameter(param: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    if let Some(s) = param.get_mut("schema") {
        schema(s, &at.join("schema"), f);
    }
    content_of(param, at, f);
}

/// The schemas of a `content` map (request bodies, responses, parameters).
fn content_of(node: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    let Some(Value::Mapping(content)) = node.get_mut("content") else {
        return;
    };
    let at = at.join("content");
    for (media, entry) in content.iter_mut() {
        if let (Some(media), Some(s)) = (media.as_str(), entry.get_mut("schema")) {
            schema(s, &at.join(media).join("schema"), f);
        }
    }
}

fn response(resp: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    if let Value::Mapping(map) = resp {
        each(map, "headers", at, &mut |v, p| parameter(v, p, f));
    }
    content_of(resp, at, f);
}

fn callback(cb: &mut Value, at: &Pointer, f: &mut SchemaFn<'_>) {
    if let Value::Mapping(map) = cb {
        for (k, item) in map.iter_mut() {
            if let Some(k) = k.as_str() {
                path_item(item, &at.join(k), f);
            }
        }
    }
}

/// Calls `f` on every `$ref` string anywhere in `value`.
pub fn refs(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(s) if k.as_str() == Some("$ref") => f(s),
                    _ => refs(v, f),
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|v| refs(v, f)),
        Value::Tagged(tagged) => refs(&mut tagged.value, f),
        _ => {}
    }
}
