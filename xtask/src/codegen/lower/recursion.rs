//! Breaking recursive type cycles with `Box`.
//!
//! A type that contains itself by value (directly, through `Option`, or
//! through other structs and unions) has infinite size. Only the edges
//! inside a strongly connected component of the "contains by value" graph
//! need a box; `Vec` and maps already allocate.

use std::collections::BTreeMap;

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

/// Tarjan's algorithm, iterative so deep specs cannot overflow the stack.
/// Returns the component index of every type that is part of a cycle
/// (including a type that contains itself).
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

    let n = names.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut result = BTreeMap::new();
    let mut component_id = 0;

    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = adjacency[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = adjacency[v].contains(&v);
                if members.len() > 1 || self_loop {
                    for m in members {
                        result.insert(names[m].to_owned(), component_id);
                    }
                }
                component_id += 1;
            }
        }
    }
    result
}
