#!/usr/bin/env bash
# Validates every spec/*.yaml:
#   1. against the OpenAPI 3.0 schema, with openapi-spec-validator;
#   2. every `example` in it (media types, parameters, schemas) against the schema it illustrates,
#      with jsonschema, so that a mock server (Prism) serves only valid examples.
# The Python tools live in a venv under target/spec-venv, created on first use.
# Usage: scripts/validate-specs.sh [spec/x.yaml ...]   (default: every spec/*.yaml)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

venv=target/spec-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import openapi_spec_validator, jsonschema, rfc3339_validator, yaml' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'openapi-spec-validator>=0.7,<0.9' 'jsonschema>=4.18,<5' 'rfc3339-validator>=0.1.4' 'PyYAML>=6'
fi

if [ "$#" -gt 0 ]; then
  specs=("$@")
else
  shopt -s nullglob
  specs=(spec/*.yaml)
  shopt -u nullglob
fi
if [ "${#specs[@]}" -eq 0 ]; then
  echo "validate-specs: no spec/*.yaml found" >&2
  exit 1
fi

status=0
for spec in "${specs[@]}"; do
  if ! "$venv/bin/openapi-spec-validator" "$spec"; then
    status=1
  fi
done

"$venv/bin/python" - "${specs[@]}" <<'PY' || status=1
"""Check every example of an OpenAPI 3.0 document against its schema.

OpenAPI 3.0 schemas are turned into JSON Schema (draft 4) first: `$ref`s are inlined,
`nullable: true` admits null, and `allOf` members that are objects are merged into one object.
Objects that declare `properties` and say nothing about `additionalProperties` are checked
strictly (no undeclared fields), so that a misspelt field in an example is caught.
"""
import sys

import jsonschema
import yaml

DROP = {"example", "examples", "nullable", "discriminator", "readOnly", "writeOnly", "xml",
        "externalDocs", "deprecated"}


def pointer(doc, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported: {ref}")
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(doc, node["$ref"])
        seen += 1
        if seen > 50:
            raise ValueError("$ref loop")
    return node


def is_object(schema):
    return schema.get("type") == "object" or "properties" in schema


def convert(doc, node, depth=0):
    """OpenAPI 3.0 schema -> JSON Schema draft 4 (refs inlined)."""
    if depth > 60:
        raise ValueError("schema nesting too deep (recursive $ref?)")
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return convert(doc, deref(doc, node), depth + 1)
    out = {}
    for key, value in node.items():
        if key in DROP or key.startswith("x-"):
            continue
        if key == "properties":
            out[key] = {name: convert(doc, sub, depth + 1) for name, sub in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = convert(doc, value, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [convert(doc, sub, depth + 1) for sub in value]
        else:
            out[key] = value
    members = out.get("allOf")
    if members and all(is_object(m) and set(m) <= {"type", "properties", "required", "description",
                                                    "additionalProperties", "title"}
                       for m in members):
        del out["allOf"]
        props, required = {}, []
        for m in members:
            for name, sub in m.get("properties", {}).items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            required += [r for r in m.get("required", []) if r not in required]
        out["type"] = "object"
        out.setdefault("properties", {}).update(props)
        if required:
            out["required"] = required
    if is_object(out) and out.get("properties") and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


CHECKED = [0]


def check(doc, where, schema, example, errors):
    CHECKED[0] += 1
    validator = jsonschema.Draft4Validator(convert(doc, schema),
                                          format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(example):
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        errors.append(f"{where}: example at {path}: {error.message}")


def examples_of(holder):
    """The example values a media type, parameter or schema object carries."""
    if "example" in holder:
        yield "example", holder["example"]
    for name, ex in (holder.get("examples") or {}).items():
        if isinstance(ex, dict) and "value" in ex:
            yield f"examples/{name}", ex["value"]


def walk_schemas(doc, node, where, errors):
    """Check every schema-level `example` inside a (possibly nested) schema."""
    if not isinstance(node, dict) or "$ref" in node:
        return
    if "example" in node:
        check(doc, where, node, node["example"], errors)
    for name, sub in (node.get("properties") or {}).items():
        walk_schemas(doc, sub, f"{where}/properties/{name}", errors)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            walk_schemas(doc, node[key], f"{where}/{key}", errors)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(node.get(key) or []):
            walk_schemas(doc, sub, f"{where}/{key}/{i}", errors)


def check_doc(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    errors = []
    CHECKED[0] = 0

    def media(where, content):
        for mtype, mobj in (content or {}).items():
            for label, value in examples_of(mobj):
                check(doc, f"{where}/{mtype}/{label}", mobj.get("schema", {}), value, errors)

    def param(where, p):
        p = deref(doc, p)
        for label, value in examples_of(p):
            check(doc, f"{where}/{p['name']}/{label}", p.get("schema", {}), value, errors)

    for route, item in (doc.get("paths") or {}).items():
        for p in item.get("parameters", []):
            param(route, p)
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue
            where = f"{method.upper()} {route}"
            has_success_example = False
            for p in op.get("parameters", []):
                param(where, p)
            if "requestBody" in op:
                media(f"{where} requestBody", deref(doc, op["requestBody"]).get("content"))
            for code, resp in op.get("responses", {}).items():
                resp = deref(doc, resp)
                content = resp.get("content") or {}
                media(f"{where} {code}", content)
                if not content and str(code).startswith("2"):
                    # A success without a body (a 204) has nothing to exemplify.
                    has_success_example = True
                for mtype, mobj in content.items():
                    if not any(True for _ in examples_of(mobj)):
                        errors.append(f"{where} {code}/{mtype}: response has no example")
                    elif str(code).startswith("2"):
                        has_success_example = True
            if not has_success_example:
                errors.append(f"{where}: no 2XX response example")
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        walk_schemas(doc, schema, f"#/components/schemas/{name}", errors)
    return errors, CHECKED[0]


def main():
    if "date-time" not in jsonschema.Draft4Validator.FORMAT_CHECKER.checkers:
        sys.exit("validate-specs: jsonschema cannot check date-time (rfc3339-validator missing)")
    failed = False
    for path in sys.argv[1:]:
        errors, counted = check_doc(path)
        for e in errors:
            print(f"{path}: {e}", file=sys.stderr)
        if errors:
            failed = True
            print(f"{path}: {len(errors)} bad example(s)", file=sys.stderr)
        else:
            print(f"{path}: examples OK ({counted} checked)")
    sys.exit(1 if failed else 0)


main()
PY

exit "$status"
