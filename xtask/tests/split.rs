//! Splitting huge models into parts (`emit::shards`), on the full upstream
//! Cloudflare spec: every type lands in exactly one part, the parts form an
//! acyclic graph, recursive types stay together, parts stay near their
//! size, and a small spec change moves few types between crates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use xtask::codegen::emit::shards::{self, Layout, ModelsSplit};
use xtask::codegen::ir::{Api, TypeKind, TypeRef};
use xtask::codegen::{self, ManifestMode};

fn full_spec() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let spec =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cloudflare-openapi-2024.json");
        codegen::render(&spec, "full", &ManifestMode::Workspace)
            .unwrap_or_else(|e| panic!("{e}"))
            .api
    })
}

fn part_of_types(layout: &Layout) -> BTreeMap<&str, usize> {
    let mut part_of = BTreeMap::new();
    for (i, part) in layout.parts.iter().enumerate() {
        for name in &part.types {
            assert!(
                part_of.insert(name.as_str(), i).is_none(),
                "`{name}` is in two parts"
            );
        }
    }
    part_of
}

fn refs(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => refs(inner, out),
        _ => {}
    }
}

#[test]
fn small_apis_stay_one_crate() {
    let api = full_spec();
    assert!(shards::plan(api, ModelsSplit::Off, "m").is_none());
    let mut small = api.clone();
    small.types = api
        .types
        .iter()
        .take(100)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(shards::plan(&small, ModelsSplit::Auto, "m").is_none());
}

#[test]
fn every_type_and_operation_has_one_part_and_parts_are_acyclic() {
    let api = full_spec();
    let layout = shards::plan(api, ModelsSplit::Auto, "m").expect("the full spec is split");
    let part_of = part_of_types(&layout);
    assert_eq!(part_of.len(), api.types.len(), "every type is placed");
    let ops: BTreeSet<&str> = layout
        .parts
        .iter()
        .flat_map(|p| p.operations.iter().map(String::as_str))
        .collect();
    assert_eq!(ops.len(), api.operations.len(), "every operation is placed");

    // A type's references are in its own part or in a declared dependency,
    // and dependencies always point to earlier parts (so no cycle).
    for (i, part) in layout.parts.iter().enumerate() {
        assert!(
            part.deps.iter().all(|&d| d < i),
            "{} depends forward",
            part.crate_name
        );
        for name in &part.types {
            let mut out = Vec::new();
            match &api.types[name].kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().for_each(|f| refs(&f.ty, &mut out));
                    s.additional.iter().for_each(|t| refs(t, &mut out));
                }
                TypeKind::Union(u) => u.variants.iter().for_each(|v| refs(&v.ty, &mut out)),
                TypeKind::Alias(t) => refs(t, &mut out),
                TypeKind::Enum(_) => {}
            }
            for target in out {
                let home = part_of[target.as_str()];
                assert!(
                    home == i || part.deps.contains(&home),
                    "{name} → {target}: part {home} is not a dependency of part {i}"
                );
            }
        }
    }
    // Parts hold about the configured number of types (hashing is uneven,
    // recursive components are never cut).
    for part in &layout.parts {
        assert!(
            part.types.len() <= 2 * shards::AUTO_PART_TYPES,
            "{}",
            part.crate_name
        );
    }
    assert!(layout.parts.len() >= 10, "{} parts", layout.parts.len());
}

#[test]
fn a_small_change_moves_few_types() {
    let api = full_spec();
    let before = shards::plan(api, ModelsSplit::Auto, "m").unwrap();
    // Drop one leaf enum nothing refers to by value: the kind of change a
    // spec update makes.
    let mut changed = api.clone();
    let victim = api
        .types
        .iter()
        .find(|(_, def)| matches!(def.kind, TypeKind::Enum(_)))
        .map(|(name, _)| name.clone())
        .unwrap();
    changed.types.remove(&victim);
    let after = shards::plan(&changed, ModelsSplit::Auto, "m").unwrap();
    let (a, b) = (part_of_types(&before), part_of_types(&after));
    let moved = b
        .iter()
        .filter(|(name, part)| {
            a.get(*name).map(|&p| before.parts[p].crate_name.as_str())
                != Some(after.parts[**part].crate_name.as_str())
        })
        .count();
    assert!(
        moved <= 50,
        "{moved} types changed crates after removing `{victim}`"
    );
}
