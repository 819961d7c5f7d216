//! Helpers of the converters' unit tests: YAML values, warning texts and
//! pointer lookups.

use std::path::Path;

use serde_yaml::Value;

use crate::codegen::diagnostics::Warnings;

/// Parses test YAML.
pub fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML")
}

/// An empty warning list for the test file `t.yaml`.
pub fn warnings() -> Warnings {
    Warnings::new(Path::new("t.yaml"))
}

/// Each warning as `pointer: message`.
pub fn messages(warnings: Warnings) -> Vec<String> {
    warnings
        .into_vec()
        .into_iter()
        .map(|d| format!("{}: {}", d.pointer, d.message))
        .collect()
}

/// The node at a JSON pointer (`~1` for `/`); panics if it is missing.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/"))
        .fold(value, |v, t| match v {
            Value::Sequence(s) => &s[t.parse::<usize>().unwrap()],
            _ => v
                .get(t.as_str())
                .unwrap_or_else(|| panic!("no {t} in {v:?}")),
        })
}

/// Asserts that the node at `pointer` equals the YAML `expected`.
#[track_caller]
pub fn assert_at(value: &Value, pointer: &str, expected: &str) {
    assert_eq!(at(value, pointer), &yaml(expected), "at {pointer}");
}
