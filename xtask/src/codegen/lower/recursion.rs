//! Breaking recursive type cycles with `Box`.
//!
//! A type that contains itself by value (directly, through `Option`, or
//! through other structs and unions) has infinite size. Only the edges
//! inside a strongly connected component of the "contains by value" graph
//! need a box; `Vec` and maps already allocate.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

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
    // Types by index (the map's order), so that no name is looked up twice.
    let index_of: FxHashMap<&str, usize> = types
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let adjacency: Vec<Vec<usize>> = types
        .values()
        .map(|def| {
            edges(def)
                .into_iter()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    // The cycle each type is part of (one that contains itself included).
    let mut cycle_of: Vec<Option<usize>> = vec![None; adjacency.len()];
    for (id, members) in graph::strongly_connected(&adjacency)
        .into_iter()
        .enumerate()
    {
        let cyclic = members.len() > 1 || adjacency[members[0]].contains(&members[0]);
        if cyclic {
            for m in members {
                cycle_of[m] = Some(id);
            }
        }
    }
    let boxed = |from: usize, ty: &TypeRef| {
        cycle_of[from].is_some()
            && by_value(ty)
                .and_then(|t| index_of.get(t))
                .is_some_and(|&to| cycle_of[to] == cycle_of[from])
    };
    let flags: Vec<Vec<bool>> = types
        .values()
        .enumerate()
        .map(|(i, def)| match &def.kind {
            TypeKind::Struct(s) => s.fields.iter().map(|f| boxed(i, &f.ty)).collect(),
            TypeKind::Union(u) => u.variants.iter().map(|v| boxed(i, &v.ty)).collect(),
            _ => Vec::new(),
        })
        .collect();
    drop(index_of);
    for (def, flags) in types.values_mut().zip(flags) {
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
