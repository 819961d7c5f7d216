//! Reading a spec file: YAML or JSON text → `openapiv3::OpenAPI`.
//!
//! Syntax errors keep the parser's line; structural errors (a field of the
//! wrong type) are reported at the JSON pointer where deserialization failed.

use std::path::Path;

use openapiv3::OpenAPI;

use super::diagnostics::{Diagnostic, Pointer};

/// A parsed spec together with the file it came from.
#[derive(Debug)]
pub struct LoadedSpec {
    pub openapi: OpenAPI,
}

/// Reads and parses the spec at `path`.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(path, Pointer::root(), format!("cannot read the spec: {e}"))
    })?;
    parse(path, &text)
}

/// Parses spec text; `path` is used for messages and to pick the syntax.
pub fn parse(path: &Path, text: &str) -> Result<LoadedSpec, Diagnostic> {
    let value = parse_value(path, text)?;
    check_version(path, &value)?;
    let openapi: OpenAPI = serde_path_to_error::deserialize(&value).map_err(|e| {
        let pointer = pointer_of(e.path());
        let message = e.inner().to_string();
        Diagnostic::new(path, pointer, format!("not a valid OpenAPI 3.0 document: {message}"))
    })?;
    Ok(LoadedSpec { openapi })
}

fn parse_value(path: &Path, text: &str) -> Result<serde_json::Value, Diagnostic> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    if is_json {
        serde_json::from_str(text).map_err(|e| {
            Diagnostic::new(path, Pointer::root(), format!("invalid JSON: {e}"))
                .with_line(Some(e.line()))
        })
    } else {
        serde_yaml::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            Diagnostic::new(path, Pointer::root(), format!("invalid YAML: {e}")).with_line(line)
        })
    }
}

/// Only OpenAPI 3.0.x is supported; say so plainly for 2.0 and 3.1.
fn check_version(path: &Path, value: &serde_json::Value) -> Result<(), Diagnostic> {
    if !value.is_object() {
        return Err(Diagnostic::new(path, Pointer::root(), "the spec must be a YAML or JSON object"));
    }
    if value.get("swagger").is_some() {
        return Err(Diagnostic::new(
            path,
            Pointer::root().join("swagger"),
            "Swagger 2.0 is not supported; convert the spec to OpenAPI 3.0 first",
        ));
    }
    match value.get("openapi") {
        Some(serde_json::Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(serde_json::Value::String(v)) => Err(Diagnostic::new(
            path,
            Pointer::root().join("openapi"),
            format!("OpenAPI {v} is not supported; only 3.0.x is"),
        )),
        _ => Err(Diagnostic::new(
            path,
            Pointer::root().join("openapi"),
            "missing `openapi` version string (expected 3.0.x)",
        )),
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> Pointer {
    extend_pointer(Pointer::root(), path)
}

/// Appends a serde path (where deserialization failed) to `base`.
pub fn extend_pointer(base: Pointer, path: &serde_path_to_error::Path) -> Pointer {
    use serde_path_to_error::Segment;
    path.iter().fold(base, |pointer, segment| match segment {
        Segment::Seq { index } => pointer.join(index.to_string()),
        Segment::Map { key } => pointer.join(key),
        Segment::Enum { variant } => pointer.join(variant),
        Segment::Unknown => pointer,
    })
}
