//! Reading a spec file: YAML or JSON text → `openapiv3::OpenAPI`.
//!
//! OpenAPI 3.0 documents are deserialized straight from the text, so syntax
//! and structural errors keep the parser's line (JSON in pieces on two
//! threads, `pieces`, falling back to one piece for any error). OpenAPI 3.1
//! and Swagger 2.0 documents are first read as a value tree and rewritten
//! into 3.0 (`openapi31`, `swagger2`); what they cannot carry over becomes
//! a located warning, and errors point into the document the user wrote.

mod lenient;
mod lines;
mod openapi31;
mod pieces;
mod swagger2;
#[cfg(test)]
mod testing;
mod walk;

use std::path::Path;

use openapiv3::OpenAPI;
use serde_yaml::Value;

use super::diagnostics::{Diagnostic, Origins, Pointer, Warnings, merge_warnings};
use super::ir::Api;

/// A parsed spec, with what reading it had to degrade.
#[derive(Debug)]
pub struct LoadedSpec {
    pub openapi: OpenAPI,
    /// Warnings about the document, located in the file as written.
    pub warnings: Vec<Diagnostic>,
    /// Where converted nodes came from, to relocate later diagnostics.
    pub origins: Origins,
}

impl LoadedSpec {
    /// Completes what `lower` made of this spec: an error about a converted
    /// document (Swagger 2.0, OpenAPI 3.1) is moved back to where the user
    /// wrote the node, and the loader's warnings join the lowering's.
    pub fn lowered(&self, lowered: Result<Api, Diagnostic>) -> Result<Api, Diagnostic> {
        let mut api = lowered.map_err(|e| self.origins.relocate(e))?;
        let lowering = std::mem::take(&mut api.warnings);
        api.warnings = merge_warnings(lowering, &self.origins, &self.warnings);
        Ok(api)
    }
}

/// The input versions read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// Parses spec text; `path` is used for messages and to pick the syntax.
///
/// The text is read twice: once loosely to check the version (for JSON, by
/// splitting it into its top-level members), then (for 3.0) straight into
/// `openapiv3` types, which keeps line numbers.
pub fn parse(path: &Path, text: &str) -> Result<LoadedSpec, Diagnostic> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    // JSON is split into its top-level members first (only an object is a
    // spec): that reads the version, and a 3.0 document is then parsed in
    // pieces on two threads.
    let top: Option<pieces::Members> = if is_json {
        Some(serde_json::from_str(text).map_err(|e| json_error(path, &e))?)
    } else {
        None
    };
    let version: VersionProbe = match &top {
        Some(top) => VersionProbe::of(top),
        None => serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?,
    };
    let version = version.check(path)?;
    if version == Version::OpenApi30 {
        let splittable = top.as_ref().filter(|top| top.keys_are_unique());
        if let Some(openapi) = splittable.and_then(pieces::parse) {
            return Ok(LoadedSpec {
                openapi,
                warnings: Vec::new(),
                origins: Origins::default(),
            });
        }
        return parse_30(path, text, is_json);
    }
    let mut value = to_value(path, text, is_json)?;
    let mut warnings = Warnings::new(path);
    let mut origins = Origins::default();
    // Errors name the original node, with its line found in the text.
    let with_line = |d: Diagnostic| {
        let line = lines::line_of(text, is_json, d.pointer.as_str());
        d.with_line(line)
    };
    let label = if version == Version::OpenApi31 {
        openapi31::normalise(&mut value, path, &mut warnings, &mut origins).map_err(with_line)?;
        "OpenAPI 3.1"
    } else {
        value = swagger2::convert(value, path, &mut warnings, &mut origins).map_err(with_line)?;
        openapi31::hoist_deep_refs(&mut value, &mut origins);
        "Swagger 2.0"
    };
    lenient::repair(&mut value, &mut warnings);
    let openapi = from_value(path, value, label).map_err(|d| with_line(origins.relocate(d)))?;
    // 3.1 warnings are made where hoisted schemas now live; 2.0 ones are
    // made at the original pointers already.
    let warnings = warnings
        .into_vec()
        .into_iter()
        .map(|w| {
            if version == Version::OpenApi31 {
                origins.relocate(w)
            } else {
                w
            }
        })
        .collect();
    Ok(LoadedSpec {
        openapi,
        warnings,
        origins,
    })
}

/// OpenAPI 3.0: strictly from the text; only if that fails, the lenient
/// repairs are tried on a value tree. When they change nothing, or the
/// repaired document still fails at the same place, the original error
/// (with its line) is reported.
fn parse_30(path: &Path, text: &str, is_json: bool) -> Result<LoadedSpec, Diagnostic> {
    let error = match strict_30(path, text, is_json) {
        Ok(openapi) => {
            return Ok(LoadedSpec {
                openapi,
                warnings: Vec::new(),
                origins: Origins::default(),
            });
        }
        Err(error) => error,
    };
    let Ok(mut value) = to_value(path, text, is_json) else {
        return Err(error);
    };
    let mut warnings = Warnings::new(path);
    if lenient::repair(&mut value, &mut warnings) == 0 {
        return Err(narrow_to_path_item(path, text, is_json, error));
    }
    match from_value(path, value, "OpenAPI 3.0") {
        Ok(openapi) => Ok(LoadedSpec {
            openapi,
            warnings: warnings.into_vec(),
            origins: Origins::default(),
        }),
        Err(later) if later.pointer == error.pointer => {
            Err(narrow_to_path_item(path, text, is_json, error))
        }
        Err(later) => Err(later),
    }
}

/// An error at `/paths` narrowed to the first path item (in document order)
/// that fails on its own, in the document as written. `openapiv3` reads the
/// path items through a flattened map, which hides where below `/paths` the
/// parse failed: in a big spec, that is one line at the end of millions.
/// Only refused documents come here, so the text is read once more.
fn narrow_to_path_item(path: &Path, text: &str, is_json: bool, error: Diagnostic) -> Diagnostic {
    if error.pointer.as_str() != "/paths" {
        return error;
    }
    let Ok(tree) = to_value(path, text, is_json) else {
        return error;
    };
    let Some(Value::Mapping(items)) = tree.get("paths") else {
        return error;
    };
    for (key, item) in items {
        let Some(key) = key.as_str().filter(|k| k.starts_with('/')) else {
            continue;
        };
        let parsed: Result<openapiv3::ReferenceOr<openapiv3::PathItem>, _> =
            serde_path_to_error::deserialize(item);
        if let Err(e) = parsed {
            let pointer = extend_pointer(Pointer::root().join("paths").join(key), e.path());
            let line = lines::line_of(text, is_json, pointer.as_str());
            let message = format!("not a valid OpenAPI 3.0 document: {}", e.inner());
            return Diagnostic::new(path, pointer, message).with_line(line);
        }
    }
    error
}

fn strict_30(path: &Path, text: &str, is_json: bool) -> Result<OpenAPI, Diagnostic> {
    // Tracking the path of every value costs about 6% of the parse (47 MB
    // of JSON: 0.05 s): it is done only to locate an error, by parsing a
    // second time.
    let untracked = if is_json {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str(text).ok()
    };
    if let Some(openapi) = untracked {
        return Ok(openapi);
    }
    if is_json {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let line = node_line(text, is_json, e.path(), Some(e.inner().line()));
            structure_error(path, e.path(), e.inner().to_string(), line, "OpenAPI 3.0")
        })
    } else {
        serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text)).map_err(|e| {
            let line = node_line(
                text,
                is_json,
                e.path(),
                e.inner().location().map(|l| l.line()),
            );
            structure_error(path, e.path(), e.inner().to_string(), line, "OpenAPI 3.0")
        })
    }
}

/// The line of the node a structure error names. The parser's own line is
/// where it noticed, which for the objects `openapiv3` buffers whole (those
/// with extensions) is their last line; it is kept when the node cannot be
/// found.
fn node_line(
    text: &str,
    is_json: bool,
    at: &serde_path_to_error::Path,
    parser: Option<usize>,
) -> Option<usize> {
    lines::line_of(text, is_json, pointer_of(at).as_str()).or(parser)
}

/// The document as an order-preserving value tree.
fn to_value(path: &Path, text: &str, is_json: bool) -> Result<Value, Diagnostic> {
    if is_json {
        serde_json::from_str(text).map_err(|e| json_error(path, &e))
    } else {
        let mut value: Value = serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?;
        // YAML merge keys (`<<: *base`), which the text parser also ignores
        // for 3.0; here they are applied since the tree allows it.
        value.apply_merge().map_err(|e| yaml_error(path, &e))?;
        Ok(value)
    }
}

/// A converted document → `openapiv3`, errors located by pointer only
/// (the converted tree has no lines).
fn from_value(path: &Path, value: Value, label: &str) -> Result<OpenAPI, Diagnostic> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| structure_error(path, e.path(), e.inner().to_string(), None, label))
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
    label: &str,
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
        format!("not a valid {label} document: {message}"),
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
    /// The version fields among a JSON document's members.
    fn of(top: &pieces::Members<'_>) -> Self {
        // `null` reads as absent, as it does in the derived probe.
        let field = |name| {
            top.raw(name)
                .and_then(|raw| serde_json::from_str::<Option<_>>(raw.get()).ok())
                .flatten()
        };
        Self {
            openapi: field("openapi"),
            swagger: field("swagger"),
        }
    }

    /// Which reader the document needs; a plain message for the rest.
    fn check(&self, path: &Path) -> Result<Version, Diagnostic> {
        let root = Pointer::root();
        if let Some(swagger) = &self.swagger {
            // `swagger: 2.0` unquoted in YAML is a number.
            let is_2 = match swagger {
                serde_json::Value::String(v) => v == "2.0",
                serde_json::Value::Number(n) => n.as_f64() == Some(2.0),
                _ => false,
            };
            return if is_2 && self.openapi.is_none() {
                Ok(Version::Swagger2)
            } else if self.openapi.is_some() {
                Err(Diagnostic::new(
                    path,
                    root.join("swagger"),
                    "a document has either `swagger` or `openapi`, not both",
                ))
            } else {
                Err(Diagnostic::new(
                    path,
                    root.join("swagger"),
                    format!("Swagger {swagger} is not supported; only 2.0 is"),
                ))
            };
        }
        match &self.openapi {
            Some(serde_json::Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => {
                Ok(Version::OpenApi30)
            }
            Some(serde_json::Value::String(v)) if v.starts_with("3.1.") || v == "3.1" => {
                Ok(Version::OpenApi31)
            }
            Some(serde_json::Value::String(v)) => Err(Diagnostic::new(
                path,
                root.join("openapi"),
                format!("OpenAPI {v} is not supported; 3.0.x, 3.1.x and Swagger 2.0 are"),
            )),
            Some(other) => Err(Diagnostic::new(
                path,
                root.join("openapi"),
                format!("the `openapi` version must be a string such as \"3.1.0\", not `{other}`"),
            )),
            None => Err(Diagnostic::new(
                path,
                root.join("openapi"),
                "missing `openapi` version string (expected 3.0.x or 3.1.x; or `swagger: \"2.0\"`)",
            )),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> Diagnostic {
        parse(Path::new("t.json"), text).expect_err("the document is refused")
    }

    #[test]
    fn json_version_errors_are_plain() {
        for text in ["{}", r#"{"openapi": null, "info": {}}"#] {
            let e = error_of(text);
            assert!(e.message.starts_with("missing `openapi`"), "{text}: {e}");
        }
        let e = error_of(r#"{"openapi": 3.1}"#);
        assert!(e.message.contains("must be a string"), "{e}");
        let e = error_of(r#"{"swagger": "1.2"}"#);
        assert!(e.message.contains("only 2.0 is"), "{e}");
        for text in ["7", "[1, 2]", "[\"3.0.0\"]"] {
            let e = error_of(text);
            assert_eq!(e.message, "the spec must be a JSON object", "{text}");
        }
        // A key twice is a structure error, not "not an object".
        let e = error_of(r#"{"openapi": "3.0.0", "openapi": "3.0.1", "paths": {}}"#);
        assert!(e.message.ends_with("duplicate field `openapi`"), "{e}");
        let e = error_of(r#"{"openapi": "3.0.0", "paths": {"#);
        assert!(e.message.starts_with("invalid JSON"), "{e}");
    }

    #[test]
    fn an_error_below_paths_names_its_path_item_and_line() {
        // `openapiv3` flattens path items, so the parser alone says `/paths`,
        // at the end of the whole object.
        let text = "{\"openapi\": \"3.0.0\",\n\"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {\n\"/a\": {\"get\": {\"responses\": {}}},\n\"/b\": {\"get\":\n{\"responses\": 7}}\n}}";
        let e = error_of(text);
        assert_eq!(e.pointer.as_str(), "/paths/~1b", "{e}");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.ends_with("expected struct Responses"), "{e}");
        let yaml = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {}}}\n  /b:\n    get: {responses: 7}\n";
        let e = parse(Path::new("t.yaml"), yaml).expect_err("refused");
        assert_eq!(e.pointer.as_str(), "/paths/~1b", "{e}");
        assert_eq!(e.line, Some(6), "{e}");
    }
}
