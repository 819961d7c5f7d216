//! Repairs for mistakes that other tools accept and that only annotate or
//! validate (a `pattern: 0`, a `$ref` callback that `openapiv3` cannot read).
//! Each repair is reported as a located warning; a structural mistake (a
//! list of parameters that is a number) is left for the parser to refuse.

use serde_yaml::{Mapping, Value};

use super::walk::{self, key};
use crate::codegen::diagnostics::{Pointer, Warnings};

/// Schema keywords whose value must be a string.
const STRINGS: &[&str] = &["type", "pattern", "format", "title", "description"];
/// Schema keywords whose value must be a non-negative integer.
const COUNTS: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];
/// Schema keywords whose value must be a number.
const NUMBERS: &[&str] = &["multipleOf", "minimum", "maximum"];
/// Schema keywords whose value must be a boolean.
const BOOLS: &[&str] = &[
    "nullable",
    "readOnly",
    "writeOnly",
    "deprecated",
    "uniqueItems",
];

/// Repairs `doc` in place; returns how many repairs were made.
pub fn repair(doc: &mut Value, warnings: &mut Warnings) -> usize {
    let mut count = callbacks(doc, warnings);
    walk::document(doc, &mut |node, at| count += schema(node, at, warnings));
    count
}

/// Resolves callbacks given as a `$ref` (valid 3.0, but `openapiv3` reads
/// callbacks only inline); drops callbacks that are not objects.
fn callbacks(doc: &mut Value, warnings: &mut Warnings) -> usize {
    let components: Mapping = match doc.get("components").and_then(|c| c.get("callbacks")) {
        Some(Value::Mapping(c)) => c.clone(),
        _ => Mapping::new(),
    };
    let mut count = 0;
    let Some(Value::Mapping(paths)) = doc.get_mut("paths") else {
        return 0;
    };
    let at = Pointer::root().join("paths");
    for (path, item) in paths.iter_mut() {
        let Value::Mapping(item) = item else { continue };
        let path_at = at.join(path.as_str().unwrap_or_default());
        for method in walk::METHODS {
            let Some(Value::Mapping(op)) = item.get_mut(*method) else {
                continue;
            };
            let Some(Value::Mapping(cbs)) = op.get_mut("callbacks") else {
                continue;
            };
            let cb_at = path_at.join(method).join("callbacks");
            cbs.retain(|name, cb| {
                let here = cb_at.join(name.as_str().unwrap_or_default());
                let Some(reference) = cb.get("$ref").and_then(Value::as_str) else {
                    return well_formed(cb, &here, warnings, &mut count);
                };
                let target = reference
                    .strip_prefix("#/components/callbacks/")
                    .and_then(|n| components.get(n));
                match target {
                    Some(target) => {
                        count += 1;
                        *cb = target.clone();
                        well_formed(cb, &here, warnings, &mut count)
                    }
                    None => {
                        count += 1;
                        warnings.warn(
                            &here,
                            format!("callback `{reference}` does not resolve; ignored (callbacks are not generated)"),
                        );
                        false
                    }
                }
            });
        }
    }
    count
}

/// Whether a callback is a map of path items; warns when it is dropped.
fn well_formed(cb: &Value, at: &Pointer, warnings: &mut Warnings, count: &mut usize) -> bool {
    let ok = matches!(cb, Value::Mapping(m) if m.values().all(Value::is_mapping));
    if !ok {
        *count += 1;
        warnings.warn(
            at,
            "a callback must map expressions to path items; ignored (callbacks are not generated)",
        );
    }
    ok
}

/// Drops (or, for prose, stringifies) schema keywords of the wrong type.
fn schema(node: &mut Value, at: &Pointer, warnings: &mut Warnings) -> usize {
    let Value::Mapping(map) = node else { return 0 };
    let mut count = 0;
    // The 3.1 list form of `type`, in a 3.0 document.
    if map.get("type").is_some_and(Value::is_sequence) {
        count += 1;
        warnings.warn(
            &at.join("type"),
            "`type` must be a string in OpenAPI 3.0; the list is read as in 3.1",
        );
        super::openapi31::types(map, at, warnings);
    }
    // Draft-4 tuples (`items` as a list): one schema is the item schema,
    // several are not expressible.
    if let Some(Value::Sequence(list)) = map.get("items") {
        count += 1;
        let (item, what) = match list.as_slice() {
            [one] => (one.clone(), "the one schema is the item schema"),
            _ => (
                Value::Mapping(Mapping::new()),
                "tuples are not supported; the array holds any values",
            ),
        };
        map.insert(key("items"), item);
        warnings.warn(
            &at.join("items"),
            format!("`items` must be a schema; {what}"),
        );
    }
    let mut bad: Vec<(String, &'static str)> = Vec::new();
    for (k, v) in map.iter() {
        let Some(k) = k.as_str() else { continue };
        let expected = if STRINGS.contains(&k) && !v.is_string() {
            "a string"
        } else if COUNTS.contains(&k) && !v.is_u64() {
            "a non-negative integer"
        } else if NUMBERS.contains(&k) && !v.is_number() {
            "a number"
        } else if BOOLS.contains(&k) && !v.is_bool() {
            "a boolean"
        } else if (k == "enum" || k == "required") && !v.is_sequence() {
            "a list"
        } else if k == "required"
            && !v
                .as_sequence()
                .is_some_and(|l| l.iter().all(Value::is_string))
        {
            "a list of property names"
        } else {
            continue;
        };
        bad.push((k.to_owned(), expected));
    }
    for (k, expected) in bad {
        count += 1;
        let prose = k == "description" || k == "title";
        let text = match map.get(k.as_str()) {
            Some(Value::Number(n)) if prose => Some(n.to_string()),
            Some(Value::Bool(b)) if prose => Some(b.to_string()),
            _ => None,
        };
        if let Some(text) = text {
            map.insert(key(&k), Value::String(text));
            warnings.warn(
                &at.join(&k),
                format!("`{k}` must be {expected}; read as text"),
            );
        } else {
            map.shift_remove(k.as_str());
            warnings.warn(&at.join(&k), format!("`{k}` must be {expected}; ignored"));
        }
    }
    // The 3.1 numeric form of the exclusive bounds, in a 3.0 document.
    for (exclusive, inclusive, lower) in [
        ("exclusiveMinimum", "minimum", true),
        ("exclusiveMaximum", "maximum", false),
    ] {
        match map.get(exclusive) {
            Some(Value::Bool(_)) | None => {}
            Some(Value::Number(_)) => {
                count += 1;
                super::openapi31::exclusive_bound(map, exclusive, inclusive, lower);
                warnings.warn(
                    &at.join(exclusive),
                    format!(
                        "`{exclusive}` must be a boolean in OpenAPI 3.0; read as the 3.1 bound"
                    ),
                );
            }
            Some(_) => {
                count += 1;
                map.shift_remove(exclusive);
                warnings.warn(
                    &at.join(exclusive),
                    format!("`{exclusive}` must be a boolean; ignored"),
                );
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::super::testing::{messages, warnings, yaml};
    use super::*;

    fn run(input: &str) -> (Value, Vec<String>) {
        let mut warnings = warnings();
        let mut value = yaml(input);
        repair(&mut value, &mut warnings);
        (value, messages(warnings))
    }

    #[test]
    fn mistyped_schema_keywords_are_dropped_or_stringified() {
        let (v, w) = run(
            "components: {schemas: {A: {type: object, properties: {t: {type: string, pattern: 0, description: 12, maxLength: -1, required: true}}}}}",
        );
        assert_eq!(
            v,
            yaml(
                "components: {schemas: {A: {type: object, properties: {t: {type: string, description: '12'}}}}}"
            )
        );
        assert_eq!(
            w,
            [
                "/components/schemas/A/properties/t/description: `description` must be a string; read as text",
                "/components/schemas/A/properties/t/maxLength: `maxLength` must be a non-negative integer; ignored",
                "/components/schemas/A/properties/t/pattern: `pattern` must be a string; ignored",
                "/components/schemas/A/properties/t/required: `required` must be a list; ignored",
            ]
        );
    }

    #[test]
    fn numeric_exclusive_bound_in_30_is_read_as_31() {
        let (v, w) = run("components: {schemas: {N: {type: integer, exclusiveMinimum: 0}}}");
        assert_eq!(
            v,
            yaml("components: {schemas: {N: {type: integer, minimum: 0, exclusiveMinimum: true}}}")
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn callback_refs_are_resolved_or_dropped() {
        let (v, w) = run("
paths:
  /a:
    post:
      callbacks:
        ok: {$ref: '#/components/callbacks/Hook'}
        missing: {$ref: '#/components/callbacks/Nope'}
        bad: {'{$url}': 7}
      responses: {}
components:
  callbacks:
    Hook: {'{$request.body#/url}': {post: {responses: {'200': {description: ok}}}}}
");
        assert_eq!(
            v.get("paths").unwrap(),
            &yaml(
                "/a: {post: {callbacks: {ok: {'{$request.body#/url}': {post: {responses: {'200': {description: ok}}}}}}, responses: {}}}"
            )
        );
        assert_eq!(
            w,
            [
                "/paths/~1a/post/callbacks/bad: a callback must map expressions to path items; ignored (callbacks are not generated)",
                "/paths/~1a/post/callbacks/missing: callback `#/components/callbacks/Nope` does not resolve; ignored (callbacks are not generated)",
            ]
        );
    }

    #[test]
    fn type_list_in_30_is_read_as_31() {
        let (v, w) = run("components: {schemas: {N: {type: [integer, 'null']}}}");
        assert_eq!(
            v,
            yaml("components: {schemas: {N: {type: integer, nullable: true}}}")
        );
        assert_eq!(
            w,
            [
                "/components/schemas/N/type: `type` must be a string in OpenAPI 3.0; the list is read as in 3.1"
            ]
        );
    }

    #[test]
    fn item_lists_are_read_as_one_schema() {
        let (v, w) = run(
            "components: {schemas: {A: {type: array, items: [{type: string}]}, B: {type: array, items: [{}, {}]}}}",
        );
        assert_eq!(
            v,
            yaml(
                "components: {schemas: {A: {type: array, items: {type: string}}, B: {type: array, items: {}}}}"
            )
        );
        assert_eq!(
            w,
            [
                "/components/schemas/A/items: `items` must be a schema; the one schema is the item schema",
                "/components/schemas/B/items: `items` must be a schema; tuples are not supported; the array holds any values",
            ]
        );
    }

    #[test]
    fn well_formed_documents_are_untouched() {
        let input = "paths: {/a: {get: {responses: {}}}}\ncomponents: {schemas: {A: {type: string, pattern: '^a', maxLength: 3}}}";
        let (v, w) = run(input);
        assert_eq!(v, yaml(input));
        assert!(w.is_empty());
    }
}
