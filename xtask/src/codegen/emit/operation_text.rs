//! The `impl Operation` of an operation, printed as text (see [`text`]):
//! one per operation, the most common item of a big API after the types.
//! What `build` writes is spelled once, in [`body`], for both printers.
//! Operations whose inputs or output take forms not printed here (a body
//! in several media types, a form or multipart body, several successful
//! responses) return `None`, and `models::operation_impl` builds theirs
//! with `quote`.

use super::Part;
use super::body::{self, RequestCall};
use super::text::{self, Printer, Ty, str_literal};
use crate::codegen::ir::{Method, Operation, OutputShape, Security, TypeRef};

const RUNTIME: &str = "::apigen_runtime";

/// The impl as text, or `None` for the forms this module leaves to `quote`.
pub fn operation_impl(op: &Operation) -> Option<Part> {
    let output = match op.output.shape {
        OutputShape::Empty => Ty::Leaf("()".to_owned()),
        OutputShape::Raw => Ty::Leaf(format!("{RUNTIME}::Bytes")),
        OutputShape::Text => Ty::Leaf("String".to_owned()),
        OutputShape::Plain | OutputShape::Envelope => Ty::of(&op.output.ty),
        OutputShape::ByStatus => return None,
    };
    let shape = match op.output.shape {
        OutputShape::Empty => format!("{RUNTIME}::ResponseShape::Empty"),
        OutputShape::Raw => format!("{RUNTIME}::ResponseShape::Raw"),
        OutputShape::Plain => format!("{RUNTIME}::ResponseShape::Plain"),
        OutputShape::Text => format!("{RUNTIME}::ResponseShape::Text"),
        OutputShape::Envelope => {
            let envelope = if matches!(op.output.ty, TypeRef::Vec(_)) {
                "LIST_ENVELOPE"
            } else {
                "ENVELOPE"
            };
            format!("{RUNTIME}::ResponseShape::Envelope(crate::operations::{envelope})")
        }
        OutputShape::ByStatus => return None,
    };
    let security = match &op.security {
        Security::Any => None,
        Security::None => Some(vec![format!(
            "const SECURITY: {RUNTIME}::Security = {RUNTIME}::Security::None;"
        )]),
        Security::Alternatives(indices) => {
            // Always wider than the margin: the call's argument goes on a
            // line of its own, unless it is too wide to (a list of many).
            let indices: Vec<String> = indices.iter().map(usize::to_string).collect();
            let argument = format!("&[{}]", indices.join(", "));
            if 8 + argument.len() > text::MARGIN {
                return None;
            }
            Some(vec![
                format!("const SECURITY: {RUNTIME}::Security = {RUNTIME}::Security::Alternatives("),
                format!("    {argument},"),
                ");".to_owned(),
            ])
        }
    };
    let mut build = Printer::default();
    build_statements(&mut build, op)?;

    let mut p = Printer::default();
    p.impl_open(&format!("impl {RUNTIME}::Operation"), &op.rust_name);
    p.typed(4, "type Output = ", &output, ";");
    let meta = op
        .output
        .meta
        .as_ref()
        .map_or_else(|| Ty::Leaf("()".to_owned()), Ty::of);
    p.typed(4, "type Meta = ", &meta, ";");
    p.line(
        4,
        &format!("const INFO: {RUNTIME}::OperationInfo = {RUNTIME}::OperationInfo {{"),
    );
    let info = [
        format!("operation_id: {}", str_literal(&op.operation_id)),
        format!("method: {RUNTIME}::Method::{}", method_variant(op.method)),
        format!("path_template: {}", str_literal(&op.path)),
        format!("response: {shape}"),
    ];
    p.elements(8, &info);
    p.line(4, "};");
    for line in security.iter().flatten() {
        p.fixed(4, line);
    }
    let request = if build.is_empty() {
        "_request: "
    } else {
        "request: "
    };
    let params = [
        ("&self".to_owned(), Ty::Leaf(String::new())),
        (
            request.to_owned(),
            Ty::Leaf(format!("&mut {RUNTIME}::RequestParts")),
        ),
    ];
    let returned = Ty::Generic(
        "Result".into(),
        vec![
            Ty::Leaf("()".to_owned()),
            Ty::Leaf(format!("{RUNTIME}::Error")),
        ],
    );
    p.fn_open(4, "fn build", &params, Some(&returned));
    p.append(build);
    p.line(8, "Ok(())");
    p.line(4, "}");
    p.line(0, "}");
    Some(p.into_part())
}

/// What `build` writes into the request: the parameters, the body, the
/// `Accept` header. `None` for a body this module does not print.
fn build_statements(p: &mut Printer, op: &Operation) -> Option<()> {
    for param in &op.required_params {
        let value = format!("&self.{}", param.rust_name);
        statement(p, 8, &body::param_call(param, &value));
    }
    for param in &op.optional_params {
        let value = format!("&self.params.{}", param.rust_name);
        statement(p, 8, &body::param_call(param, &value));
    }
    if let Some(body) = &op.body {
        if body.choice.is_some() {
            return None;
        }
        let content = body::only_content(body);
        if body.required {
            statement(p, 8, &body::content_call(&content, "self.body", false)?);
        } else {
            p.line(8, "if let Some(body) = &self.params.body {");
            statement(p, 12, &body::content_call(&content, "body", true)?);
            p.line(8, "}");
        }
    }
    if let Some(accept) = &op.output.accept {
        let args = [str_literal("accept"), format!("&{}", str_literal(accept))];
        p.method_statement(8, "request", "header", &args, "?;");
    }
    Some(())
}

/// `call` as a statement of `build`.
fn statement(p: &mut Printer, indent: usize, call: &RequestCall) {
    p.method_statement(indent, "request", call.method, &call.args, call.end);
}

/// The runtime's `Method` variant of `method`.
pub fn method_variant(method: Method) -> &'static str {
    match method {
        Method::Get => "Get",
        Method::Put => "Put",
        Method::Post => "Post",
        Method::Delete => "Delete",
        Method::Patch => "Patch",
        Method::Head => "Head",
        Method::Options => "Options",
        Method::Trace => "Trace",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Part, models, rust_file_of};
    use crate::codegen::{load, lower};

    /// Every spec the tests know: the workspace's and the fixtures.
    fn specs() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut specs = Vec::new();
        for dir in [root.join("../spec"), root.join("tests/fixtures")] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "json")
                ) {
                    specs.push(path);
                }
            }
        }
        specs.sort();
        specs
    }

    /// The impls printed here are the bytes `quote` and prettyplease make
    /// of `models::operation_impl`, for every operation of every spec the
    /// tests know, and those operations use every form printed here.
    #[test]
    fn text_impls_are_the_files_quote_would_have_made() {
        let mut compared = 0;
        let mut printed = String::new();
        for path in specs() {
            let text = std::fs::read_to_string(&path).unwrap();
            let spec = load::parse(&path, &text).unwrap();
            let settings = lower::Settings {
                default_crate: "fixture".into(),
                source_label: "fixture".into(),
            };
            let api = lower::lower(&path, &spec.openapi, &settings).unwrap();
            for op in &api.operations {
                let Some(part) = super::operation_impl(op) else {
                    continue;
                };
                let tokens = Part::Tokens(models::operation_impl(op));
                let from_tokens = rust_file_of(&api, vec![tokens]).unwrap();
                let from_text = rust_file_of(&api, vec![part]).unwrap();
                assert_eq!(
                    from_text,
                    from_tokens,
                    "{}: {}",
                    path.display(),
                    op.rust_name
                );
                printed.push_str(&from_text);
                compared += 1;
            }
        }
        assert!(compared >= 30, "only {compared} operations compared");
        for form in [
            "request.path(",
            ".query(",
            "query_styled(",
            "query_unexploded(",
            "QueryStyle::SpaceDelimited",
            "header_styled(",
            "request.header(\"",
            "request.cookie(",
            "\"accept\"",
            "if let Some(body) = &self.params.body",
            "json_body(&self.body)",
            "request.file_body(",
            "request.text_body(",
            "Security::None",
            "Security::Alternatives(\n        &[0, 1, 2],\n    );",
            "crate::operations::LIST_ENVELOPE",
            "ResponseShape::Raw",
            "ResponseShape::Text",
            "ResponseShape::Empty",
            "_request",
            "type Meta = crate::types::",
        ] {
            assert!(printed.contains(form), "no operation printed `{form}`");
        }
    }
}
