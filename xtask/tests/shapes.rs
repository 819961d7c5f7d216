//! Spec shapes that once broke the generator by their size or depth:
//! type counts follow schema counts when references are only annotated, and
//! deep nesting of any kind ends in a result or a located error, never in a
//! stack overflow (an abort that no test harness reports as a panic).

use std::path::Path;

use serde_json::{Value, json};
use xtask::codegen::{self, ManifestMode, Rendered};

fn render(name: &str, spec: &str) -> Result<Rendered, String> {
    codegen::render_text(Path::new(name), spec, name, &ManifestMode::Workspace)
        .map_err(|e| e.to_string())
}

/// A document with these component schemas, as JSON text.
fn document(schemas: serde_json::Map<String, Value>) -> String {
    document_text(&Value::Object(schemas).to_string())
}

fn document_text(schemas: &str) -> String {
    format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "Shapes", "version": "1"}},
            "servers": [{{"url": "https://api.example.com"}}], "paths": {{}},
            "components": {{"schemas": {schemas}}}}}"#
    )
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A property in the AWS style: a reference plus annotations.
fn annotated(name: &str, i: usize) -> Value {
    json!({"allOf": [reference(name), {
        "description": format!("Property {i}."),
        "deprecated": false,
        "x-note": i,
    }]})
}

/// N object schemas whose properties refer to each other (and to
/// themselves) only through annotated `allOf`s give exactly N types: no
/// copy is made of a referenced type, and recursion through the
/// annotations terminates.
#[test]
fn type_counts_follow_schema_counts() {
    const N: usize = 60;
    let mut schemas = serde_json::Map::new();
    for i in 0..N {
        let mut properties = serde_json::Map::new();
        for (k, target) in [(i + 1) % N, (i * 7 + 3) % N, i].into_iter().enumerate() {
            properties.insert(format!("p{k}"), annotated(&format!("S{target}"), k));
        }
        properties.insert(
            "list".into(),
            json!({"type": "array", "items": annotated(&format!("S{}", (i + 5) % N), 9)}),
        );
        schemas.insert(
            format!("S{i}"),
            json!({"type": "object", "properties": properties}),
        );
    }
    let rendered = render("counts.json", &document(schemas)).unwrap();
    let api = &rendered.api;
    assert_eq!(api.types.len(), N, "{:?}", api.types.keys());
    let statement = &api.types["S0"];
    let xtask::codegen::ir::TypeKind::Struct(s) = &statement.kind else {
        panic!("S0 is a struct");
    };
    let p0 = s.fields.iter().find(|f| f.wire_name == "p0").unwrap();
    assert_eq!(p0.ty, xtask::codegen::ir::TypeRef::Named("S1".into()));
    assert_eq!(p0.docs.as_deref(), Some("Property 0."));
    assert!(api.warnings.is_empty(), "{:?}", api.warnings);
}

/// The same on a real spec shape: AWS AppSync's 233 schemas, every property
/// an annotated reference, gave 492 types before; every type of a component
/// now comes from exactly one schema.
#[test]
fn annotated_components_are_aliases_not_copies() {
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "Base".into(),
        json!({"type": "object", "properties": {"id": {"type": "string"}}}),
    );
    for i in 0..10 {
        schemas.insert(
            format!("Annotated{i}"),
            json!({"allOf": [reference("Base"), {"description": format!("Copy {i}?"), "nullable": true}]}),
        );
    }
    let rendered = render("aliases.json", &document(schemas)).unwrap();
    let types = &rendered.api.types;
    assert_eq!(types.len(), 11);
    for i in 0..10 {
        let def = &types[&format!("Annotated{i}")];
        assert!(
            matches!(&def.kind, xtask::codegen::ir::TypeKind::Alias(xtask::codegen::ir::TypeRef::Named(n)) if n == "Base"),
            "{def:?}"
        );
        assert_eq!(def.docs.as_deref(), Some(format!("Copy {i}?").as_str()));
    }
}

/// A spec with `depth` levels of one kind of nesting.
fn deep(kind: &str, depth: usize) -> String {
    let mut schemas = serde_json::Map::new();
    match kind {
        // A chain of objects, each with a field of the next type: lowered
        // one component at a time, so any length works.
        "fields" => {
            for i in 0..depth {
                schemas.insert(
                    format!("S{i}"),
                    json!({"type": "object", "properties": {"next": reference(&format!("S{}", i + 1))}}),
                );
            }
            schemas.insert(format!("S{depth}"), json!({"type": "string"}));
        }
        // Aliases of aliases (lists of lists of …): each one needs its
        // target's type first.
        "aliases" => {
            for i in 0..depth {
                schemas.insert(
                    format!("A{i}"),
                    json!({"type": "array", "items": reference(&format!("A{}", i + 1))}),
                );
            }
            schemas.insert(format!("A{depth}"), json!({"type": "string"}));
        }
        // Annotated references to annotated references.
        "annotated" => {
            for i in 0..depth {
                schemas.insert(format!("N{i}"), annotated(&format!("N{}", i + 1), i));
            }
            schemas.insert(format!("N{depth}"), json!({"type": "integer"}));
        }
        // `allOf` inheritance chains.
        "inheritance" => {
            for i in 0..depth {
                schemas.insert(
                    format!("I{i}"),
                    json!({"allOf": [reference(&format!("I{}", i + 1)),
                        {"type": "object", "properties": {format!("f{i}"): {"type": "string"}}}]}),
                );
            }
            schemas.insert(format!("I{depth}"), json!({"type": "object"}));
        }
        // Inline objects inside inline objects: the parser's own
        // recursion limit refuses these first. Written as text, since
        // building a `Value` this deep would itself recurse.
        "inline" => {
            let open = r#"{"type": "object", "properties": {"inner": "#;
            let root = format!(
                "{}{{\"type\": \"string\"}}{}",
                open.repeat(depth),
                "}}".repeat(depth)
            );
            return document_text(&format!(r#"{{"Root": {root}}}"#));
        }
        _ => unreachable!(),
    }
    document(schemas)
}

/// Runs on a thread with a small stack, so that an unbounded recursion
/// would show here rather than only with the release build's frame sizes.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn long_reference_chains_generate() {
    let spec = deep("fields", 5_000);
    let result = on_small_stack(move || render("deep.json", &spec).map(|r| r.api.types.len()));
    let types = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(types, 5_001, "one struct per object and the final alias");
}

/// `allOf` members that include each other are reported, not followed
/// forever.
#[test]
fn all_of_cycles_are_warnings() {
    let mut schemas = serde_json::Map::new();
    for (name, other) in [("A", "B"), ("B", "A")] {
        schemas.insert(
            name.into(),
            json!({"allOf": [reference(other), {"properties": {name.to_lowercase(): {"type": "string"}}}]}),
        );
    }
    let rendered = render("cycle.json", &document(schemas)).unwrap();
    assert_eq!(rendered.api.types.len(), 2);
    assert!(
        rendered
            .api
            .warnings
            .iter()
            .any(|w| w.message.contains("`allOf` cycle")),
        "{:?}",
        rendered.api.warnings
    );
}

#[test]
fn hostile_nesting_is_a_located_error() {
    for (kind, at) in [
        ("aliases", "/components/schemas/A"),
        ("annotated", "/components/schemas/N"),
        ("inheritance", "/components/schemas/I"),
        ("inline", "/"),
    ] {
        let spec = deep(kind, 5_000);
        let error = on_small_stack(move || render("deep.json", &spec).map(|_| ())).expect_err(kind);
        assert!(error.starts_with("deep.json"), "{kind}: {error}");
        assert!(error.contains(&format!("at {at}")), "{kind}: {error}");
    }
}

/// Nesting that real specs use stays well inside the bound.
#[test]
fn moderate_nesting_generates() {
    for kind in ["aliases", "annotated", "inheritance", "inline"] {
        let spec = deep(kind, 40);
        on_small_stack(move || render("moderate.json", &spec).map(|_| ()))
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
}

/// Microsoft Graph's operation ids and inline type names run past the
/// 255 bytes a file name may have: every generated file name is bounded,
/// and names that share a long prefix stay apart.
#[test]
fn file_names_are_bounded_and_distinct() {
    let long = "users.calendar.calendarView.instances.exceptionOccurrences.attachments".repeat(4);
    let mut paths = serde_json::Map::new();
    for (i, suffix) in ["createUploadSession", "createUploadSessionAgain"]
        .iter()
        .enumerate()
    {
        paths.insert(
            format!("/things{i}"),
            json!({"post": {
                "operationId": format!("{long}.{suffix}"),
                "tags": [format!("A tag that goes on and on {}", "and on ".repeat(40 * i))],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"value": {"type": "object", "properties": {"x": {"type": "string"}}}},
                }}}},
                "responses": {"204": {"description": "done"}},
            }}),
        );
    }
    let spec = json!({
        "openapi": "3.0.3",
        "info": {"title": "Long", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
    });
    let rendered = render("long.json", &spec.to_string()).unwrap();
    let mut names = std::collections::BTreeSet::new();
    for file in &rendered.files {
        let name = file.path.rsplit('/').next().unwrap();
        assert!(name.len() <= 103, "{} bytes: {name}", name.len());
        assert!(names.insert(file.path.clone()), "duplicate {}", file.path);
    }
    let long_ones = rendered
        .files
        .iter()
        .filter(|f| f.path.contains("/operations/users_calendar"))
        .count();
    assert_eq!(
        long_ones,
        2,
        "{:#?}",
        rendered.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    assert!(
        rendered
            .files
            .iter()
            .any(|f| f.path.contains("/types/") && f.path.len() > 90),
        "long type names are shortened too"
    );
}

/// A resource group nested absurdly deep (`x-fern-sdk-group-name: a0.a1.…`)
/// is refused where it is declared, instead of walking (and naming) every
/// level of the client's resource tree.
#[test]
fn deep_resource_groups_are_a_located_error() {
    let group: Vec<String> = (0..50_000).map(|i| format!("a{i}")).collect();
    let spec = json!({
        "openapi": "3.0.3",
        "info": {"title": "Groups", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/x": {"get": {
            "operationId": "x",
            "x-fern-sdk-group-name": group.join("."),
            "x-fern-sdk-method-name": "get",
            "responses": {"204": {"description": "done"}},
        }}},
    });
    let error = render("groups.json", &spec.to_string())
        .map(|_| ())
        .expect_err("too deep");
    assert!(
        error.contains(
            "at /paths/~1x/get/x-fern-sdk-group-name: the resource group nests 50000 levels"
        ),
        "{error}"
    );
}
