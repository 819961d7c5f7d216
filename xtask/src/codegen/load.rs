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

/// Parses spec text; `path` is used for messages and to pick the syntax.
///
/// The text is deserialized twice: once loosely to check the version (so a
/// 2.0 or 3.1 document gets a plain message rather than a type error), then
/// straight into `openapiv3` types, which keeps the document's key order.
pub fn parse(path: &Path, text: &str) -> Result<LoadedSpec, Diagnostic> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let version: VersionProbe = if is_json {
        serde_json::from_str(text).map_err(|e| json_error(path, &e))?
    } else {
        serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?
    };
    version.check(path)?;
    let openapi: Result<OpenAPI, _> = if is_json {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let line = e.inner().line();
            structure_error(path, e.path(), e.inner().to_string(), Some(line))
        })
    } else {
        serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text)).map_err(|e| {
            let line = e.inner().location().map(|l| l.line());
            structure_error(path, e.path(), e.inner().to_string(), line)
        })
    };
    Ok(LoadedSpec { openapi: openapi? })
}

fn json_error(path: &Path, e: &serde_json::Error) -> Diagnostic {
    let message = if e.is_data() {
        "the spec must be a JSON object".to_owned()
    } else {
        format!("invalid JSON: {e}")
    };
    Diagnostic::new(path, Pointer::root(), message).with_line(Some(e.line()))
}

fn yaml_error(path: &Path, e: &serde_yaml::Error) -> Diagnostic {
    let line = e.location().map(|l| l.line());
    let text = e.to_string();
    let message = if text.starts_with("invalid type") {
        "the spec must be a YAML or JSON object".to_owned()
    } else {
        format!("invalid YAML: {text}")
    };
    Diagnostic::new(path, Pointer::root(), message).with_line(line)
}

fn structure_error(
    path: &Path,
    at: &serde_path_to_error::Path,
    message: String,
    line: Option<usize>,
) -> Diagnostic {
    // serde_yaml appends "at line L column C"; the line is reported apart.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    Diagnostic::new(
        path,
        pointer_of(at),
        format!("not a valid OpenAPI 3.0 document: {message}"),
    )
    .with_line(line)
}

/// Just the version fields of a document.
#[derive(serde::Deserialize)]
struct VersionProbe {
    openapi: Option<serde_json::Value>,
    swagger: Option<serde_json::Value>,
}

impl VersionProbe {
    /// Only OpenAPI 3.0.x is supported; say so plainly for 2.0 and 3.1.
    fn check(&self, path: &Path) -> Result<(), Diagnostic> {
        if self.swagger.is_some() {
            return Err(Diagnostic::new(
                path,
                Pointer::root().join("swagger"),
                "Swagger 2.0 is not supported; convert the spec to OpenAPI 3.0 first",
            ));
        }
        match &self.openapi {
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
}

fn pointer_of(path: &serde_path_to_error::Path) -> Pointer {
    Pointer::root().join_serde_path(path)
}
