//! Optional per-resource cargo features for very large APIs.
//!
//! With `--resource-features`, every top-level resource (`dns_records`,
//! `zero_trust`, …) becomes a cargo feature of the generated crates. An
//! operation compiles only with its resource's feature, and a type only
//! with the feature of some operation that uses it (types shared by many
//! resources are always compiled). The `all` feature, on by default, turns
//! everything on; users of a 1,500-operation API can build just the part
//! they call with `default-features = false, features = ["dns_records"]`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;

use super::text::str_literal;

use crate::codegen::ir::{Api, TypeRef};

/// Types used by more resources than this are always compiled: gating
/// them would cost long `cfg` lists and save little.
const SHARED_BY: usize = 8;

/// Feature of types no operation uses.
pub const UNREFERENCED: &str = "unreferenced-schemas";

#[derive(Debug, Default)]
pub struct FeatureMap {
    /// Feature of each operation (by Rust name).
    pub operations: BTreeMap<String, String>,
    /// Features any of which compiles a type; absent means always compiled.
    pub types: BTreeMap<String, BTreeSet<String>>,
    /// Every feature, sorted.
    pub all: BTreeSet<String>,
}

impl FeatureMap {
    pub fn of(api: &Api) -> Self {
        let mut map = FeatureMap::default();
        let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for op in &api.operations {
            let feature = op
                .resource
                .first()
                .cloned()
                .unwrap_or_else(|| "default_resource".into());
            map.operations.insert(op.rust_name.clone(), feature.clone());
            map.all.insert(feature.clone());
            let roots = super::shards::signature_type_refs(op);
            mark(api, roots, &feature, &mut users);
        }
        // Schemas no operation uses get a feature of their own, which also
        // compiles whatever they refer to.
        let unreferenced: Vec<TypeRef> = api
            .types
            .keys()
            .filter(|name| !users.contains_key(*name))
            .map(|name| TypeRef::Named(name.clone()))
            .collect();
        mark(api, unreferenced.iter().collect(), UNREFERENCED, &mut users);
        map.all.insert(UNREFERENCED.to_owned());
        for (name, features) in users {
            if features.len() <= SHARED_BY {
                map.types.insert(name, features);
            }
        }
        map
    }

    /// `#[cfg(...)]` for a type, or nothing when it is always compiled.
    pub fn type_cfg(&self, name: &str) -> Option<String> {
        self.types.get(name).map(cfg)
    }

    /// `#[cfg(feature = "...")]` for an operation.
    pub fn operation_cfg(&self, rust_name: &str) -> Option<String> {
        self.operations
            .get(rust_name)
            .map(|f| cfg(std::iter::once(f)))
    }
}

/// Adds `feature` to the users of every type reachable from `roots`.
fn mark<'a>(
    api: &'a Api,
    mut pending: Vec<&'a TypeRef>,
    feature: &str,
    users: &mut BTreeMap<String, BTreeSet<String>>,
) {
    let mut seen = BTreeSet::new();
    while let Some(ty) = pending.pop() {
        let Some(name) = ty.named() else { continue };
        if !seen.insert(name.to_owned()) {
            continue;
        }
        users
            .entry(name.to_owned())
            .or_default()
            .insert(feature.to_owned());
        if let Some(def) = api.types.get(name) {
            pending.extend(def.type_refs());
        }
    }
}

/// `#[cfg(feature = "a")]`, or `#[cfg(any(feature = "a", …))]` for
/// several features, as prettyplease prints it.
pub fn cfg<'a>(features: impl IntoIterator<Item = &'a String>) -> String {
    let features: Vec<String> = features
        .into_iter()
        .map(|f| format!("feature = {}", str_literal(f)))
        .collect();
    match features.as_slice() {
        [one] => format!("#[cfg({one})]"),
        many => format!("#[cfg(any({}))]", many.join(", ")),
    }
}

/// [`cfg()`] as tokens, for items still built with `quote`.
pub fn cfg_tokens<'a>(features: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let cfg = cfg(features);
    // An attribute of string literals: it always lexes.
    cfg.parse()
        .unwrap_or_else(|e| panic!("`{cfg}` does not lex: {e}"))
}

/// The `[features]` table: `default = ["all"]`, `all` = every feature, and
/// each feature forwarding to `forward` (the models crate) when given.
pub fn manifest_table(map: &FeatureMap, forward: Option<&str>) -> String {
    let mut out = String::from("\n[features]\ndefault = [\"all\"]\n");
    let all: Vec<String> = map.all.iter().map(|f| format!("\"{f}\"")).collect();
    out.push_str(&format!("all = [{}]\n", all.join(", ")));
    for feature in &map.all {
        match forward {
            Some(dep) => out.push_str(&format!("{feature} = [\"{dep}/{feature}\"]\n")),
            None => out.push_str(&format!("{feature} = []\n")),
        }
    }
    out
}
