//! Splitting the models of a huge API into several crates.
//!
//! rustc holds a whole crate in memory while it checks it: the models of
//! GitHub's REST API (7,000 types) took 12 GB in one crate. Split into parts
//! of a few hundred types, each part is checked on its own, cargo builds
//! independent parts in parallel, and the models crate itself only
//! re-exports them, so `models::types::X` stays where it was.
//!
//! The parts must form an acyclic graph of crates. Types are grouped by
//! their *depth*: mutually recursive types (a strongly connected component)
//! stay together, and a component's depth is one more than the deepest
//! component it refers to, so references always point to a shallower
//! depth. Consecutive shallow-enough depths share one part; a depth with
//! more types than a part holds is spread over several parts by a stable
//! hash of the component's first type name, so that a spec change moves
//! few types between crates. Operations go to parts of their own, grouped
//! by top-level resource.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use crate::codegen::graph;
use crate::codegen::ir::{Api, Operation, TypeDef, TypeKind, TypeRef};

/// How the models crate is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelsSplit {
    /// One crate, whatever the size of the API.
    Off,
    /// Split APIs with more than [`AUTO_THRESHOLD`] types into parts of
    /// [`AUTO_PART_TYPES`] types.
    Auto,
    /// Split into parts of at most this many types (a soft limit: a
    /// recursive component is never cut, and hashing is uneven).
    TypesPerPart(usize),
}

/// APIs with more types than this are split by [`ModelsSplit::Auto`].
pub const AUTO_THRESHOLD: usize = 1_500;
/// Types per part under [`ModelsSplit::Auto`]. On the full Cloudflare spec
/// (8,198 types, 2 cores), 250 checked and built fastest: 500 left one core
/// idle on the longer chains of dependent parts, 150 paid more per-crate cost
/// (BENCHMARKS.md, section 6).
pub const AUTO_PART_TYPES: usize = 250;

impl ModelsSplit {
    fn types_per_part(self, api: &Api) -> Option<usize> {
        match self {
            ModelsSplit::Off => None,
            ModelsSplit::Auto => (api.types.len() > AUTO_THRESHOLD).then_some(AUTO_PART_TYPES),
            ModelsSplit::TypesPerPart(n) => Some(n.max(1)),
        }
    }
}

/// One crate of a split models crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Package name (`<api>-models-t03`, `<api>-models-ops1`).
    pub crate_name: String,
    /// Named types defined here, sorted.
    pub types: Vec<String>,
    /// Operations defined here (Rust names), sorted.
    pub operations: Vec<String>,
    /// Parts whose types this one refers to (indices into [`Layout::parts`]).
    pub deps: BTreeSet<usize>,
}

/// The parts of a split models crate, in dependency order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub parts: Vec<Part>,
    /// [`nesting_bound`] of the API.
    pub nesting: usize,
}

/// The named types of `api` as a graph: the index of each name (their
/// order in `api.types`), and for each the indices of the types it refers
/// to.
fn type_graph(api: &Api) -> (FxHashMap<&str, usize>, Vec<Vec<usize>>) {
    let index_of: FxHashMap<&str, usize> = api
        .types
        .keys()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let adjacency = api
        .types
        .values()
        .map(|def| {
            def.type_refs()
                .into_iter()
                .filter_map(|r| index_of.get(r.named()?).copied())
                .collect()
        })
        .collect();
    (index_of, adjacency)
}

/// The strongly connected components of `adjacency` (dependencies first)
/// and the component of each type.
fn components(adjacency: &[Vec<usize>]) -> (Vec<Vec<usize>>, Vec<usize>) {
    let components = graph::strongly_connected(adjacency);
    let mut component_of = vec![0; adjacency.len()];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m] = c;
        }
    }
    (components, component_of)
}

/// An upper bound on the steps rustc takes along one chain of nested types
/// when it proves an auto trait of the outermost one (`Send`, or the
/// `RefUnwindSafe` that rustdoc works out for every type), which it stops
/// at its recursion limit: the longest path over the components, each
/// counted by the sum of its types' `steps_out` (a chain passes a type
/// at most once: a type met again proves itself).
pub fn nesting_bound(api: &Api) -> usize {
    let (_, adjacency) = type_graph(api);
    let (components, component_of) = components(&adjacency);
    longest_chain(api, &adjacency, &components, &component_of)
}

/// The most steps rustc takes from `def` to a type one of its fields,
/// variants or alias names: one for the type, and some for each wrapper.
/// `scripts/auto-trait-steps.py` measures them (rustc 1.95: about 1 for
/// `Option`, 3.1 for `Vec`, 4.3 for `Box`, 8.9 for `BTreeMap`); rounded up
/// here.
fn steps_out(def: &TypeDef) -> usize {
    const OPTION: usize = 1;
    const VEC: usize = 4;
    const BOX: usize = 5;
    const MAP: usize = 10;
    fn wrappers(ty: &TypeRef) -> usize {
        match ty {
            TypeRef::Option(inner) => OPTION + wrappers(inner),
            TypeRef::Vec(inner) => VEC + wrappers(inner),
            TypeRef::Map(inner) => MAP + wrappers(inner),
            _ => 0,
        }
    }
    let boxed = |b: bool| if b { BOX } else { 0 };
    let most = match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| {
                let options = match (f.required, f.nullable) {
                    (true, false) => 0,
                    (true, true) | (false, false) => OPTION,
                    (false, true) => 2 * OPTION,
                };
                options + boxed(f.boxed) + wrappers(&f.ty)
            })
            .chain(s.additional.iter().map(|v| MAP + wrappers(v)))
            .max(),
        TypeKind::Union(u) => u
            .variants
            .iter()
            .map(|v| boxed(v.boxed) + wrappers(&v.ty))
            .max(),
        TypeKind::Alias(ty) => Some(wrappers(ty)),
        TypeKind::Enum(_) => None,
    };
    1 + most.unwrap_or(0)
}

fn longest_chain(
    api: &Api,
    adjacency: &[Vec<usize>],
    components: &[Vec<usize>],
    component_of: &[usize],
) -> usize {
    let steps: Vec<usize> = api.types.values().map(steps_out).collect();
    // Dependencies come first, so every chain a component extends is known.
    let mut chain = vec![0usize; components.len()];
    for (c, members) in components.iter().enumerate() {
        chain[c] = members.iter().map(|&m| steps[m]).sum::<usize>()
            + members
                .iter()
                .flat_map(|&m| &adjacency[m])
                .map(|&t| component_of[t])
                .filter(|&d| d != c)
                .map(|d| chain[d])
                .max()
                .unwrap_or(0);
    }
    chain.into_iter().max().unwrap_or(0)
}

/// The layout of the models of `api`, or `None` when they stay one crate.
pub fn plan(api: &Api, split: ModelsSplit, models_crate: &str) -> Option<Layout> {
    let per_part = split.types_per_part(api)?;
    let names: Vec<&str> = api.types.keys().map(String::as_str).collect();
    let (index_of, adjacency) = type_graph(api);
    let (components, component_of) = components(&adjacency);
    let nesting = longest_chain(api, &adjacency, &components, &component_of);
    // Dependencies come first, so every depth a component needs is known.
    let mut depth = vec![0usize; components.len()];
    for (c, members) in components.iter().enumerate() {
        depth[c] = members
            .iter()
            .flat_map(|&m| &adjacency[m])
            .map(|&t| component_of[t])
            .filter(|&d| d != c)
            .map(|d| depth[d] + 1)
            .max()
            .unwrap_or(0);
    }
    let mut by_depth: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (c, &d) in depth.iter().enumerate() {
        by_depth.entry(d).or_default().push(c);
    }

    // Depths → parts.
    let mut part_of_component = vec![0usize; components.len()];
    let mut type_parts: Vec<Vec<usize>> = Vec::new();
    let mut open: Option<(usize, usize)> = None; // (part, types in it)
    for comps in by_depth.values() {
        let size: usize = comps.iter().map(|&c| components[c].len()).sum();
        match open {
            // A small depth joins the part that holds the depths below it;
            // references inside one part need no ordering.
            Some((part, held)) if held + size <= per_part => {
                type_parts[part].extend(comps);
                open = Some((part, held + size));
            }
            _ if size <= per_part => {
                type_parts.push(comps.clone());
                open = Some((type_parts.len() - 1, size));
            }
            // A wide depth is spread by hash; its parts never refer to one
            // another, since references always go to shallower depths.
            _ => {
                let count = size.div_ceil(per_part);
                let first = type_parts.len();
                type_parts.extend(std::iter::repeat_with(Vec::new).take(count));
                for &c in comps {
                    let key = names[components[c][0]];
                    type_parts[first + (stable_hash(key) % count as u64) as usize].push(c);
                }
                open = None;
            }
        }
    }
    type_parts.retain(|p| !p.is_empty());
    let mut parts: Vec<Part> = Vec::new();
    for (p, comps) in type_parts.iter().enumerate() {
        let mut types: Vec<String> = comps
            .iter()
            .flat_map(|&c| &components[c])
            .map(|&m| names[m].to_owned())
            .collect();
        types.sort();
        for &c in comps {
            part_of_component[c] = p;
        }
        parts.push(Part {
            crate_name: format!("{models_crate}-t{p:02}"),
            types,
            operations: Vec::new(),
            deps: BTreeSet::new(),
        });
    }
    let part_of_type = |name: &str| {
        index_of
            .get(name)
            .map(|&i| part_of_component[component_of[i]])
    };
    // A part depends on the parts of the types its types refer to.
    for (part, comps) in parts.iter_mut().zip(&type_parts) {
        let own = comps.first().map(|&c| part_of_component[c]);
        part.deps.extend(
            comps
                .iter()
                .flat_map(|&c| &components[c])
                .flat_map(|&m| &adjacency[m])
                .map(|&t| part_of_component[component_of[t]])
                .filter(|&d| Some(d) != own),
        );
    }

    // Operations, by top-level resource.
    let per_ops_part = per_part.div_ceil(2).max(1);
    let op_count = api.operations.len().div_ceil(per_ops_part);
    let first_op_part = parts.len();
    for i in 0..op_count {
        parts.push(Part {
            crate_name: format!("{models_crate}-ops{i}"),
            types: Vec::new(),
            operations: Vec::new(),
            deps: BTreeSet::new(),
        });
    }
    for op in &api.operations {
        let resource = op.resource.first().map_or("", String::as_str);
        let part = first_op_part + (stable_hash(resource) % op_count as u64) as usize;
        parts[part].operations.push(op.rust_name.clone());
        let deps: Vec<usize> = operation_type_refs(op)
            .into_iter()
            .filter_map(|r| part_of_type(r.named()?))
            .collect();
        parts[part].deps.extend(deps);
    }
    for part in &mut parts {
        part.operations.sort();
    }
    // An ops part that got no operation (uneven hashing) is dropped, and
    // the names of the rest stay as they were.
    parts.retain(|p| !p.types.is_empty() || !p.operations.is_empty());
    Some(Layout { parts, nesting })
}

/// The types an operation's arguments and results name.
pub fn operation_type_refs(op: &Operation) -> Vec<&TypeRef> {
    let mut refs = signature_type_refs(op);
    refs.extend(op.pagination.iter().map(|p| &p.item));
    refs
}

/// The types of an operation's parameters, body, output and output
/// metadata (response variants and typed error bodies included).
pub fn signature_type_refs(op: &Operation) -> Vec<&TypeRef> {
    let mut refs: Vec<&TypeRef> = op
        .required_params
        .iter()
        .chain(&op.optional_params)
        .map(|p| &p.ty)
        .collect();
    refs.extend(op.body.iter().map(|b| &b.ty));
    refs.extend(op.output.type_refs());
    refs
}

/// FNV-1a: the same on every platform and toolchain, unlike std's hasher.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
