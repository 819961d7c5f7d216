//! `--only` / `--exclude`: generating a few operations of a huge API.
//!
//! Operations are picked by path glob, tag or operationId; then only the
//! components they reach through `$ref`s (transitively) are kept, so the
//! generated crates hold exactly what the chosen operations need.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use serde_json::Value;

/// One `--only` / `--exclude` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// A path template glob: `*` matches any run of characters (`/`
    /// included), so `/accounts/*/access/users*` also matches sub-paths.
    Path(String),
    /// `tag:NAME`: operations with this tag.
    Tag(String),
    /// `op:ID`: the operation with this operationId.
    OperationId(String),
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(tag) = text.strip_prefix("tag:") {
            Ok(Pattern::Tag(tag.to_owned()))
        } else if let Some(id) = text.strip_prefix("op:") {
            Ok(Pattern::OperationId(id.to_owned()))
        } else if text.starts_with('/') {
            Ok(Pattern::Path(text.to_owned()))
        } else {
            Err(format!(
                "`{text}`: expected a path glob (`/users/*`), `tag:NAME` or `op:OPERATION_ID`"
            ))
        }
    }

    fn matches(&self, path: &str, op: &Operation) -> bool {
        match self {
            Pattern::Path(glob) => glob_matches(glob, path),
            Pattern::Tag(tag) => op.tags.iter().any(|t| t == tag),
            Pattern::OperationId(id) => op.operation_id.as_deref() == Some(id.as_str()),
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pattern::Path(glob) => f.write_str(glob),
            Pattern::Tag(tag) => write!(f, "tag:{tag}"),
            Pattern::OperationId(id) => write!(f, "op:{id}"),
        }
    }
}

/// `*` matches any run of characters, `?` any one; iterative, with the
/// usual backtracking to the last `*`.
fn glob_matches(glob: &str, text: &str) -> bool {
    let (g, t): (Vec<char>, Vec<char>) = (glob.chars().collect(), text.chars().collect());
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match g.get(gi) {
            Some('*') => {
                star = Some((gi, ti));
                gi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                gi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sg, st)) => {
                    gi = sg + 1;
                    ti = st + 1;
                    star = Some((sg, st + 1));
                }
                None => return false,
            },
        }
    }
    g[gi..].iter().all(|&c| c == '*')
}

/// Which operations to generate: those matching any `only` pattern (all
/// when there is none) and no `exclude` pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub only: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
}

/// What a selection kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub operations_kept: usize,
    pub operations_total: usize,
    pub schemas_kept: usize,
    pub schemas_total: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "selected {} of {} operations; kept {} of {} component schemas (those they reference)",
            self.operations_kept, self.operations_total, self.schemas_kept, self.schemas_total
        )
    }
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.exclude.is_empty()
    }

    /// Removes the operations not selected and every component that the
    /// remaining ones do not reach. An `only` pattern that matches nothing
    /// is an error (a typo would otherwise generate an empty crate).
    pub fn apply(&self, spec: &mut OpenAPI) -> Result<Report, String> {
        let mut matched = vec![false; self.only.len()];
        let (mut kept, mut total) = (0, 0);
        for (path, item) in spec.paths.paths.iter_mut() {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for slot in operations_mut(item) {
                let Some(op) = slot.as_ref() else {
                    continue;
                };
                total += 1;
                let mut wanted = self.only.is_empty();
                for (i, pattern) in self.only.iter().enumerate() {
                    if pattern.matches(path, op) {
                        matched[i] = true;
                        wanted = true;
                    }
                }
                if wanted && !self.exclude.iter().any(|p| p.matches(path, op)) {
                    kept += 1;
                } else {
                    *slot = None;
                }
            }
        }
        if let Some(i) = matched.iter().position(|m| !m) {
            return Err(format!(
                "--only {} matches no operation of the spec",
                self.only[i]
            ));
        }
        spec.paths.paths.retain(|_, item| match item {
            ReferenceOr::Item(item) => !operations_mut(item).is_empty_of_operations(),
            ReferenceOr::Reference { .. } => false,
        });
        let schemas_total = spec.components.as_ref().map_or(0, |c| c.schemas.len());
        keep_reachable(spec);
        Ok(Report {
            operations_kept: kept,
            operations_total: total,
            schemas_kept: spec.components.as_ref().map_or(0, |c| c.schemas.len()),
            schemas_total,
        })
    }
}

/// The operation slots of a path item.
fn operations_mut(item: &mut PathItem) -> Slots<'_> {
    Slots(vec![
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ])
}

struct Slots<'a>(Vec<&'a mut Option<Operation>>);

impl<'a> IntoIterator for Slots<'a> {
    type Item = &'a mut Option<Operation>;
    type IntoIter = std::vec::IntoIter<&'a mut Option<Operation>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Slots<'_> {
    fn is_empty_of_operations(&self) -> bool {
        self.0.iter().all(|slot| slot.is_none())
    }
}

/// Every `#/components/…` string in `value` (`$ref`s and discriminator
/// mappings), found without recursion.
fn references(value: &Value, found: &mut Vec<String>) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(s) if s.starts_with("#/components/") => found.push(s.clone()),
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.values()),
            _ => {}
        }
    }
}

/// Drops every component that the paths (and the document's security
/// requirements) do not reach.
fn keep_reachable(spec: &mut OpenAPI) {
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let mut found = Vec::new();
    let mut schemes: BTreeSet<String> = BTreeSet::new();
    for requirement in spec.security.iter().flatten() {
        schemes.extend(requirement.keys().cloned());
    }
    for item in spec.paths.paths.values() {
        if let Ok(value) = serde_json::to_value(item) {
            references(&value, &mut found);
        }
        if let ReferenceOr::Item(item) = item {
            for op in item.iter().map(|(_, op)| op) {
                for requirement in op.security.iter().flatten() {
                    schemes.extend(requirement.keys().cloned());
                }
            }
        }
    }
    // Follow references from component to component until nothing is new.
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(reference) = found.pop() {
        let mut parts = reference
            .trim_start_matches("#/components/")
            .splitn(2, '/')
            .map(|p| p.replace("~1", "/").replace("~0", "~"));
        let (Some(kind), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !reached
            .entry(kind.clone())
            .or_default()
            .insert(name.clone())
        {
            continue;
        }
        let value = match kind.as_str() {
            "schemas" => to_value(components.schemas.get(&name)),
            "responses" => to_value(components.responses.get(&name)),
            "parameters" => to_value(components.parameters.get(&name)),
            "examples" => to_value(components.examples.get(&name)),
            "requestBodies" => to_value(components.request_bodies.get(&name)),
            "headers" => to_value(components.headers.get(&name)),
            "links" => to_value(components.links.get(&name)),
            "callbacks" => to_value(components.callbacks.get(&name)),
            _ => None,
        };
        if let Some(value) = value {
            references(&value, &mut found);
        }
    }
    let empty = BTreeSet::new();
    let keep = |kind: &str| reached.get(kind).unwrap_or(&empty).clone();
    retain(&mut components.schemas, &keep("schemas"));
    retain(&mut components.responses, &keep("responses"));
    retain(&mut components.parameters, &keep("parameters"));
    retain(&mut components.examples, &keep("examples"));
    retain(&mut components.request_bodies, &keep("requestBodies"));
    retain(&mut components.headers, &keep("headers"));
    retain(&mut components.links, &keep("links"));
    retain(&mut components.callbacks, &keep("callbacks"));
    retain(&mut components.security_schemes, &schemes);
}

fn to_value<T: serde::Serialize>(item: Option<&T>) -> Option<Value> {
    item.and_then(|item| serde_json::to_value(item).ok())
}

fn retain<T>(map: &mut IndexMap<String, T>, keep: &BTreeSet<String>) {
    map.retain(|name, _| keep.contains(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches(
            "/accounts/*/access/users*",
            "/accounts/{id}/access/users"
        ));
        assert!(glob_matches(
            "/accounts/*/access/users*",
            "/accounts/{id}/access/users/{user_id}/failed_logins"
        ));
        assert!(!glob_matches(
            "/accounts/*/access/users*",
            "/accounts/{id}/access/groups"
        ));
        assert!(glob_matches("/a?c", "/abc"));
        assert!(!glob_matches("/a", "/ab"));
        assert!(glob_matches("*", ""));
    }

    #[test]
    fn patterns_parse() {
        assert_eq!(
            Pattern::parse("tag:Access Users"),
            Ok(Pattern::Tag("Access Users".into()))
        );
        assert_eq!(
            Pattern::parse("op:list"),
            Ok(Pattern::OperationId("list".into()))
        );
        assert_eq!(
            Pattern::parse("/users/*"),
            Ok(Pattern::Path("/users/*".into()))
        );
        assert!(Pattern::parse("users").is_err());
    }
}
