//! Breaking recursive type cycles with `Box`.
//!
//! A type that contains itself by value (directly, through `Option`, or
//! through other structs and unions) has infinite size. Only the edges
//! inside a strongly connected component of the "contains by value" graph
//! need a box; `Vec` and maps already allocate.

use std::collections::BTreeMap;

use crate::codegen::graph;
use crate::codegen::ir::{TypeDef, TypeKind, TypeRef};

/// The named type a field holds by value, if any.
fn by_value(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => by_value(inner),
        _ => None,
    }
}

fn edges(def: &TypeDef) -> Vec<&str> {
    match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().filter_map(|f| by_value(&f.ty)).collect(),
        TypeKind::Union(u) => u.variants.iter().filter_map(|v| by_value(&v.ty)).collect(),
        TypeKind::Alias(ty) => by_value(ty).into_iter().collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}

/// Marks every by-value edge inside a cycle as boxed.
pub fn box_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let component = strongly_connected(types);
    let same = |a: &str, b: &str| {
        component
            .get(a)
            .is_some_and(|c| Some(c) == component.get(b))
    };
    let cyclic: Vec<(String, Vec<bool>)> = types
        .iter()
        .map(|(name, def)| {
            let flags = match &def.kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .map(|f| by_value(&f.ty).is_some_and(|t| same(name, t)))
                    .collect(),
                TypeKind::Union(u) => u
                    .variants
                    .iter()
                    .map(|v| by_value(&v.ty).is_some_and(|t| same(name, t)))
                    .collect(),
                _ => Vec::new(),
            };
            (name.clone(), flags)
        })
        .collect();
    for (name, flags) in cyclic {
        let Some(def) = types.get_mut(&name) else {
            continue;
        };
        match &mut def.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter_mut()
                .zip(flags)
                .for_each(|(f, b)| f.boxed = b),
            TypeKind::Union(u) => u
                .variants
                .iter_mut()
                .zip(flags)
                .for_each(|(v, b)| v.boxed = b),
            _ => {}
        }
    }
}

/// The component index of every type that is part of a cycle (including a
/// type that contains itself).
fn strongly_connected(types: &BTreeMap<String, TypeDef>) -> BTreeMap<String, usize> {
    let names: Vec<&str> = types.keys().map(String::as_str).collect();
    let index_of: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adjacency: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            edges(&types[*n])
                .into_iter()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let mut result = BTreeMap::new();
    for (id, members) in graph::strongly_connected(&adjacency)
        .into_iter()
        .enumerate()
    {
        let cyclic = members.len() > 1 || adjacency[members[0]].contains(&members[0]);
        if cyclic {
            for m in members {
                result.insert(names[m].to_owned(), id);
            }
        }
    }
    result
}
