//! Swagger 2.0 → OpenAPI 3.0: converts a 2.0 document (as a value tree)
//! into the 3.0 shape that `openapiv3` reads. Errors name the 2.0 location;
//! `Origins` records where converted nodes came from, so later diagnostics
//! (from the parser or the lowering) point into the 2.0 document as well.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::walk::{self, key};
use crate::codegen::diagnostics::{Diagnostic, Origins, Pointer, Warnings};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Fields of a 2.0 non-body parameter (or header, or items) that describe
/// its value and so move into the 3.0 `schema`, in this order: these, then
/// the validation keywords ([`walk::VALIDATION`]), then `x-nullable`.
const SCHEMA_FIELDS: &[&str] = &["type", "format", "items", "default"];

/// Converts a 2.0 document into a 3.0.3 one.
pub fn convert(
    doc: Value,
    file: &Path,
    warnings: &mut Warnings,
    origins: &mut Origins,
) -> Result<Value, Diagnostic> {
    let Value::Mapping(src) = doc else {
        return Err(Diagnostic::new(
            file,
            Pointer::root(),
            "the spec must be an object",
        ));
    };
    let mut c = Converter {
        file,
        warnings,
        origins,
        consumes: media_list(src.get("consumes")).unwrap_or_default(),
        produces: media_list(src.get("produces")).unwrap_or_default(),
        parameters: match src.get("parameters") {
            Some(Value::Mapping(p)) => p.clone(),
            _ => Mapping::new(),
        },
        scheme: None,
    };
    let mut out = Mapping::new();
    out.insert(key("openapi"), key("3.0.3"));
    let root = Pointer::root();
    for (k, v) in &src {
        let Some(name) = k.as_str() else { continue };
        match name {
            "swagger"
            | "host"
            | "basePath"
            | "schemes"
            | "consumes"
            | "produces"
            | "definitions"
            | "parameters"
            | "responses"
            | "securityDefinitions"
            | "paths" => {}
            "info" | "tags" | "externalDocs" | "security" => {
                out.insert(k.clone(), v.clone());
            }
            _ if name.starts_with("x-") => {
                out.insert(k.clone(), v.clone());
            }
            _ => c.warnings.warn(
                &root.join(name),
                format!("`{name}` is not a Swagger 2.0 field; ignored"),
            ),
        }
    }
    if let Some(servers) = servers(&src) {
        c.scheme = servers
            .get(0)
            .and_then(|s| s.get("url"))
            .and_then(Value::as_str)
            .and_then(|u| u.split_once("://"))
            .map(|(scheme, _)| scheme.to_owned());
        out.insert(key("servers"), servers);
    }
    let paths = match src.get("paths") {
        Some(Value::Mapping(paths)) => c.paths(paths)?,
        Some(_) => {
            return Err(Diagnostic::new(
                file,
                root.join("paths"),
                "`paths` must be an object",
            ));
        }
        None => Mapping::new(),
    };
    out.insert(key("paths"), Value::Mapping(paths));
    let components = c.components(&src)?;
    if !components.is_empty() {
        out.insert(key("components"), Value::Mapping(components));
    }
    let mut doc = Value::Mapping(out);
    walk::refs(&mut doc, &mut |reference| {
        for (from, to) in [
            ("#/definitions/", "#/components/schemas/"),
            ("#/responses/", "#/components/responses/"),
            ("#/parameters/", "#/components/parameters/"),
        ] {
            if let Some(rest) = reference.strip_prefix(from) {
                *reference = format!("{to}{rest}");
                return;
            }
        }
    });
    walk::document(&mut doc, &mut |node, _| schema(node));
    Ok(doc)
}

/// The 2.0 schema dialect differs from 3.0 in a few extensions and forms.
fn schema(node: &mut Value) {
    let Value::Mapping(map) = node else { return };
    if let Some(nullable) = map.shift_remove("x-nullable") {
        if nullable.as_bool() == Some(true) {
            map.insert(key("nullable"), Value::Bool(true));
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert(key("type"), key("string"));
        map.insert(key("format"), key("binary"));
    }
    if let Some(Value::String(property)) = map.get("discriminator").cloned() {
        let mut discriminator = Mapping::new();
        discriminator.insert(key("propertyName"), Value::String(property));
        map.insert(key("discriminator"), Value::Mapping(discriminator));
    }
}

/// `host`, `basePath` and `schemes` → `servers` (HTTPS first).
fn servers(src: &Mapping) -> Option<Value> {
    let base = src
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let host = src.get("host").and_then(Value::as_str);
    let mut schemes: Vec<&str> = match src.get("schemes") {
        Some(Value::Sequence(s)) => s.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    schemes.sort_by_key(|s| *s != "https");
    if schemes.is_empty() {
        schemes.push("https");
    }
    let urls: Vec<String> = match host {
        Some(host) => schemes
            .iter()
            .filter(|s| matches!(**s, "http" | "https"))
            .map(|s| format!("{s}://{host}{base}"))
            .collect(),
        None if !base.is_empty() => vec![base.to_owned()],
        None => return None,
    };
    Some(Value::Sequence(
        urls.into_iter()
            .map(|url| {
                let mut server = Mapping::new();
                server.insert(key("url"), Value::String(url));
                Value::Mapping(server)
            })
            .collect(),
    ))
}

/// A `consumes`/`produces` list.
fn media_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value {
        Some(Value::Sequence(list)) => Some(
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

fn is_form(media: &str) -> bool {
    media.starts_with(FORM) || media.starts_with(MULTIPART)
}

/// A 3.0 parameter `style` and `explode`.
type Style = (&'static str, bool);

struct Converter<'a> {
    file: &'a Path,
    warnings: &'a mut Warnings,
    origins: &'a mut Origins,
    /// The document's default media types.
    consumes: Vec<String>,
    produces: Vec<String>,
    /// The document's shared parameters, to resolve body and form ones.
    parameters: Mapping,
    /// The scheme of the first server, when the document names a host.
    scheme: Option<String>,
}

/// A parameter after resolving a `$ref`, with where it was written.
struct Param {
    value: Mapping,
    /// The `$ref` to keep for a shared query/path/header parameter.
    reference: Option<String>,
    at: Pointer,
}

impl Param {
    fn name(&self) -> &str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    fn location(&self) -> &str {
        self.value.get("in").and_then(Value::as_str).unwrap_or("")
    }
}

impl Converter<'_> {
    fn error(&self, at: Pointer, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file, at, message)
    }

    fn paths(&mut self, paths: &Mapping) -> Result<Mapping, Diagnostic> {
        let mut out = Mapping::new();
        let root = Pointer::root().join("paths");
        for (path, item) in paths {
            let Some(path_str) = path.as_str() else {
                continue;
            };
            let at = root.join(path_str);
            if path_str.starts_with("x-") {
                out.insert(path.clone(), item.clone());
                continue;
            }
            let Value::Mapping(item) = item else {
                return Err(self.error(at, "a path item must be an object"));
            };
            out.insert(path.clone(), Value::Mapping(self.path_item(item, &at)?));
        }
        Ok(out)
    }

    fn path_item(&mut self, item: &Mapping, at: &Pointer) -> Result<Mapping, Diagnostic> {
        let shared = self.param_list(item.get("parameters"), &at.join("parameters"))?;
        let mut out = Mapping::new();
        for (k, v) in item {
            let Some(name) = k.as_str() else { continue };
            if walk::METHODS.contains(&name) {
                let Value::Mapping(op) = v else {
                    return Err(self.error(at.join(name), "an operation must be an object"));
                };
                let op = self.operation(op, &shared, &at.join(name))?;
                out.insert(k.clone(), Value::Mapping(op));
            } else if name == "$ref" || name.starts_with("x-") {
                out.insert(k.clone(), v.clone());
            } else if name != "parameters" {
                self.warnings.warn(
                    &at.join(name),
                    format!("`{name}` is not a path item field; ignored"),
                );
            }
        }
        Ok(out)
    }

    /// Resolves each parameter of a list (shared `$ref`s included).
    fn param_list(&self, list: Option<&Value>, at: &Pointer) -> Result<Vec<Param>, Diagnostic> {
        let items = match list {
            None => return Ok(Vec::new()),
            Some(Value::Sequence(items)) => items,
            Some(_) => return Err(self.error(at.clone(), "`parameters` must be a list")),
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let here = at.join(i.to_string());
            if let Some(reference) = item.get("$ref").and_then(Value::as_str) {
                let name = reference.strip_prefix("#/parameters/").ok_or_else(|| {
                    let what = if reference.starts_with('#') {
                        "must point into `#/parameters/`"
                    } else {
                        "is a reference to another file, which is not supported; bundle the spec into one file first"
                    };
                    self.error(here.join("$ref"), format!("`{reference}` {what}"))
                })?;
                let name = name.replace("~1", "/").replace("~0", "~");
                let Some(Value::Mapping(value)) = self.parameters.get(name.as_str()) else {
                    return Err(
                        self.error(here.join("$ref"), format!("`{reference}` does not resolve"))
                    );
                };
                let target = Pointer::root().join("parameters").join(&name);
                out.push(Param {
                    value: value.clone(),
                    reference: Some(reference.to_owned()),
                    at: target,
                });
            } else if let Value::Mapping(value) = item {
                out.push(Param {
                    value: value.clone(),
                    reference: None,
                    at: here,
                });
            } else {
                return Err(self.error(here, "a parameter must be an object"));
            }
        }
        Ok(out)
    }

    fn operation(
        &mut self,
        op: &Mapping,
        shared: &[Param],
        at: &Pointer,
    ) -> Result<Mapping, Diagnostic> {
        let consumes = media_list(op.get("consumes")).unwrap_or_else(|| self.consumes.clone());
        let produces = media_list(op.get("produces")).unwrap_or_else(|| self.produces.clone());
        let own = self.param_list(op.get("parameters"), &at.join("parameters"))?;
        // Operation parameters override path-level ones of the same name
        // and location; all end up on the operation.
        let mut params: Vec<&Param> = shared
            .iter()
            .filter(|s| {
                !own.iter()
                    .any(|o| o.name() == s.name() && o.location() == s.location())
            })
            .collect();
        params.extend(own.iter());

        let mut out = Mapping::new();
        for (k, v) in op {
            let Some(name) = k.as_str() else { continue };
            match name {
                "tags" | "summary" | "description" | "externalDocs" | "operationId"
                | "deprecated" | "security" => {
                    out.insert(k.clone(), v.clone());
                }
                "consumes" | "produces" | "parameters" | "responses" => {}
                // Only worth a word when the operation excludes the scheme
                // the client will use (Kubernetes repeats `[https]` on
                // every operation).
                "schemes" => {
                    let listed = media_list(Some(v)).unwrap_or_default();
                    if let Some(used) = &self.scheme {
                        if !listed.iter().any(|s| s == used) {
                            self.warnings.warn(
                                &at.join(name),
                                format!("per-operation schemes are not supported; the operation is called over {used} like the others"),
                            );
                        }
                    }
                }
                _ if name.starts_with("x-") => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.warnings.warn(
                    &at.join(name),
                    format!("`{name}` is not an operation field; ignored"),
                ),
            }
        }

        let mut list = Vec::new();
        let mut body: Option<&Param> = None;
        let mut form: Vec<&Param> = Vec::new();
        for param in params {
            match param.location() {
                "body" => {
                    if let Some(first) = body {
                        return Err(self.error(
                            param.at.join("in"),
                            format!("a second body parameter (the first is at {})", first.at),
                        ));
                    }
                    body = Some(param);
                }
                "formData" => form.push(param),
                "query" | "header" | "path" => {
                    let index = list.len();
                    let now = at.join("parameters").join(index.to_string());
                    if let Some(reference) = &param.reference {
                        let mut r = Mapping::new();
                        r.insert(key("$ref"), key(reference));
                        list.push(Value::Mapping(r));
                    } else {
                        list.push(Value::Mapping(self.parameter(&param.value, &param.at)?));
                        self.origins.record(now.join("schema"), param.at.clone());
                    }
                    self.origins.record(now, param.at.clone());
                }
                other => {
                    return Err(self.error(
                        param.at.join("in"),
                        format!("`in: {other}` is not a Swagger 2.0 parameter location (query, header, path, formData or body)"),
                    ));
                }
            }
        }
        if !list.is_empty() {
            out.insert(key("parameters"), Value::Sequence(list));
        }
        if let (Some(body), false) = (body, form.is_empty()) {
            return Err(self.error(
                body.at.join("in"),
                "an operation has either a body parameter or form parameters, not both",
            ));
        }
        if let Some(body) = body {
            let request = self.body(body, &consumes, &at.join("requestBody"))?;
            out.insert(key("requestBody"), Value::Mapping(request));
        } else if !form.is_empty() {
            let request = self.form(&form, &consumes, &at.join("requestBody"))?;
            out.insert(key("requestBody"), Value::Mapping(request));
        }

        let responses = match op.get("responses") {
            Some(Value::Mapping(responses)) => responses,
            _ => return Err(self.error(at.join("responses"), "an operation needs `responses`")),
        };
        let mut converted = Mapping::new();
        for (code, response) in responses {
            let Some(code_str) = code.as_str().map(str::to_owned).or_else(|| match code {
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }) else {
                continue;
            };
            let here = at.join("responses").join(&code_str);
            if code_str.starts_with("x-") {
                converted.insert(key(&code_str), response.clone());
                continue;
            }
            let response = self.response(response, &produces, &here)?;
            converted.insert(key(&code_str), response);
        }
        out.insert(key("responses"), Value::Mapping(converted));
        Ok(out)
    }

    /// A query, header or path parameter: its value fields become a schema.
    fn parameter(&mut self, param: &Mapping, at: &Pointer) -> Result<Mapping, Diagnostic> {
        let location = param.get("in").and_then(Value::as_str).unwrap_or("");
        let mut out = Mapping::new();
        for (k, v) in param {
            let Some(name) = k.as_str() else { continue };
            match name {
                "name" | "in" | "description" | "required" | "allowEmptyValue" => {
                    out.insert(k.clone(), v.clone());
                }
                "x-example" => {
                    out.insert(key("example"), v.clone());
                }
                _ if name.starts_with("x-") && name != "x-nullable" => {
                    out.insert(k.clone(), v.clone());
                }
                _ => {}
            }
        }
        if location == "path" {
            out.insert(key("required"), Value::Bool(true));
        }
        let (schema, style) = self.value_schema(param, location, at)?;
        if let Some((style, explode)) = style {
            out.insert(key("style"), key(style));
            out.insert(key("explode"), Value::Bool(explode));
        }
        out.insert(key("schema"), Value::Mapping(schema));
        Ok(out)
    }

    /// The schema of a non-body parameter, header or `items`, and for an
    /// array the 3.0 `style`/`explode` of its `collectionFormat`.
    fn value_schema(
        &mut self,
        node: &Mapping,
        location: &str,
        at: &Pointer,
    ) -> Result<(Mapping, Option<Style>), Diagnostic> {
        let mut schema = Mapping::new();
        let fields = SCHEMA_FIELDS
            .iter()
            .chain(walk::VALIDATION)
            .chain(&["x-nullable"]);
        for field in fields {
            let Some(v) = node.get(*field) else { continue };
            if *field == "items" {
                let Value::Mapping(items) = v else {
                    return Err(self.error(at.join("items"), "`items` must be an object"));
                };
                let (items, _) = self.value_schema(items, "items", &at.join("items"))?;
                schema.insert(key("items"), Value::Mapping(items));
            } else {
                schema.insert(key(field), v.clone());
            }
        }
        let ty = node.get("type").and_then(Value::as_str);
        match ty {
            Some("file") if location != "formData" => {
                return Err(self.error(
                    at.join("type"),
                    "`type: file` is only allowed for formData parameters",
                ));
            }
            None if node.get("$ref").is_none() => {
                return Err(self.error(at.clone(), "a non-body parameter needs a `type`"));
            }
            _ => {}
        }
        if ty != Some("array") {
            return Ok((schema, None));
        }
        let format = node
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        let style = match (location, format) {
            ("query" | "formData", "csv") => ("form", false),
            ("query" | "formData", "multi") => ("form", true),
            ("query" | "formData", "ssv") => ("spaceDelimited", false),
            ("query" | "formData", "pipes") => ("pipeDelimited", false),
            ("path" | "header" | "items", "csv") => ("simple", false),
            (_, other) => {
                self.warnings.warn(
                    &at.join("collectionFormat"),
                    format!("`collectionFormat: {other}` has no OpenAPI 3 form here; read as csv"),
                );
                if matches!(location, "path" | "header" | "items") {
                    ("simple", false)
                } else {
                    ("form", false)
                }
            }
        };
        Ok((schema, Some(style)))
    }

    /// A body parameter → `requestBody` with one entry per non-form type.
    fn body(
        &mut self,
        param: &Param,
        consumes: &[String],
        now: &Pointer,
    ) -> Result<Mapping, Diagnostic> {
        let Some(schema) = param.value.get("schema") else {
            return Err(self.error(param.at.clone(), "a body parameter needs a `schema`"));
        };
        let mut media: Vec<&str> = consumes
            .iter()
            .map(String::as_str)
            .filter(|m| !is_form(m))
            .collect();
        if media.is_empty() {
            media.push(JSON);
        }
        let mut content = Mapping::new();
        for m in media {
            let mut entry = Mapping::new();
            entry.insert(key("schema"), schema.clone());
            content.insert(key(m), Value::Mapping(entry));
            self.origins.record(
                now.join("content").join(m).join("schema"),
                param.at.join("schema"),
            );
        }
        let mut out = Mapping::new();
        if let Some(d) = param.value.get("description") {
            out.insert(key("description"), d.clone());
        }
        out.insert(key("content"), Value::Mapping(content));
        if param.value.get("required").and_then(Value::as_bool) == Some(true) {
            out.insert(key("required"), Value::Bool(true));
        }
        if let Some(name) = param.value.get("name") {
            out.insert(key("x-codegen-request-body-name"), name.clone());
        }
        self.origins.record(now.clone(), param.at.clone());
        Ok(out)
    }

    /// formData parameters → an object schema, sent as a URL-encoded or
    /// (with a file, or when the operation consumes it) multipart form.
    fn form(
        &mut self,
        params: &[&Param],
        consumes: &[String],
        now: &Pointer,
    ) -> Result<Mapping, Diagnostic> {
        let mut properties = Mapping::new();
        let mut required = Vec::new();
        let mut has_file = false;
        let mut positions = Vec::new();
        for param in params {
            let (mut schema, _) = self.value_schema(&param.value, "formData", &param.at)?;
            if schema.get("type").and_then(Value::as_str) == Some("file") {
                has_file = true;
            }
            if let Some(d) = param.value.get("description") {
                schema.insert(key("description"), d.clone());
            }
            let name = param.name().to_owned();
            if param.value.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(key(&name));
            }
            positions.push((name.clone(), param.at.clone()));
            properties.insert(key(&name), Value::Mapping(schema));
        }
        let mut schema = Mapping::new();
        schema.insert(key("type"), key("object"));
        schema.insert(key("properties"), Value::Mapping(properties));
        if !required.is_empty() {
            schema.insert(key("required"), Value::Sequence(required));
        }
        let mut media: Vec<&str> = consumes
            .iter()
            .map(String::as_str)
            .filter(|m| is_form(m))
            .collect();
        if has_file {
            media.retain(|m| m.starts_with(MULTIPART));
        }
        if media.is_empty() {
            media.push(if has_file { MULTIPART } else { FORM });
        }
        let mut content = Mapping::new();
        for m in media {
            let mut entry = Mapping::new();
            entry.insert(key("schema"), Value::Mapping(schema.clone()));
            content.insert(key(m), Value::Mapping(entry));
            // The body as a whole is located at its first form parameter.
            if let Some((_, first)) = positions.first() {
                self.origins
                    .record(now.join("content").join(m), first.clone());
            }
            let at = now
                .join("content")
                .join(m)
                .join("schema")
                .join("properties");
            for (name, was) in &positions {
                self.origins.record(at.join(name), was.clone());
            }
        }
        let mut out = Mapping::new();
        out.insert(key("content"), Value::Mapping(content));
        if params
            .iter()
            .any(|p| p.value.get("required").and_then(Value::as_bool) == Some(true))
        {
            out.insert(key("required"), Value::Bool(true));
        }
        Ok(out)
    }

    /// A response: `schema` → `content` per produced type, `headers` with
    /// schemas, `examples` per media type.
    fn response(
        &mut self,
        response: &Value,
        produces: &[String],
        at: &Pointer,
    ) -> Result<Value, Diagnostic> {
        let Value::Mapping(response) = response else {
            return Err(self.error(at.clone(), "a response must be an object"));
        };
        if response.contains_key("$ref") {
            return Ok(Value::Mapping(response.clone()));
        }
        let mut out = Mapping::new();
        out.insert(
            key("description"),
            response
                .get("description")
                .cloned()
                .unwrap_or_else(|| key("")),
        );
        if let Some(Value::Mapping(headers)) = response.get("headers") {
            let mut converted = Mapping::new();
            for (name, header) in headers {
                let (Some(name_str), Value::Mapping(header)) = (name.as_str(), header) else {
                    continue;
                };
                let here = at.join("headers").join(name_str);
                let (schema, _) = self.value_schema(header, "header", &here)?;
                let mut h = Mapping::new();
                if let Some(d) = header.get("description") {
                    h.insert(key("description"), d.clone());
                }
                h.insert(key("schema"), Value::Mapping(schema));
                converted.insert(name.clone(), Value::Mapping(h));
            }
            out.insert(key("headers"), Value::Mapping(converted));
        }
        let examples = match response.get("examples") {
            Some(Value::Mapping(e)) => e.clone(),
            _ => Mapping::new(),
        };
        if let Some(schema) = response.get("schema") {
            let mut media: Vec<&str> = produces.iter().map(String::as_str).collect();
            if media.is_empty() {
                media.push(JSON);
            }
            let mut content = Mapping::new();
            for m in media {
                let mut entry = Mapping::new();
                entry.insert(key("schema"), schema.clone());
                if let Some(example) = examples.get(m) {
                    entry.insert(key("example"), example.clone());
                }
                content.insert(key(m), Value::Mapping(entry));
                self.origins
                    .record(at.join("content").join(m).join("schema"), at.join("schema"));
            }
            out.insert(key("content"), Value::Mapping(content));
        }
        for (k, v) in response {
            if k.as_str().is_some_and(|k| k.starts_with("x-")) {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(Value::Mapping(out))
    }

    /// `definitions`, shared `parameters` and `responses`, and
    /// `securityDefinitions` → `components`.
    fn components(&mut self, src: &Mapping) -> Result<Mapping, Diagnostic> {
        let root = Pointer::root();
        let comp = root.join("components");
        let mut out = Mapping::new();
        if let Some(Value::Mapping(defs)) = src.get("definitions") {
            out.insert(key("schemas"), Value::Mapping(defs.clone()));
            self.origins
                .record(comp.join("schemas"), root.join("definitions"));
        }
        let mut params = Mapping::new();
        for (name, param) in &self.parameters.clone() {
            let (Some(name_str), Value::Mapping(param)) = (name.as_str(), param) else {
                continue;
            };
            let at = root.join("parameters").join(name_str);
            match param.get("in").and_then(Value::as_str) {
                // Inlined where used: they become (part of) a request body.
                Some("body" | "formData") => {}
                Some("query" | "header" | "path") => {
                    params.insert(name.clone(), Value::Mapping(self.parameter(param, &at)?));
                    let now = comp.join("parameters").join(name_str);
                    self.origins.record(now.join("schema"), at.clone());
                    self.origins.record(now, at);
                }
                other => {
                    return Err(self.error(
                        at.join("in"),
                        format!(
                            "`in: {}` is not a Swagger 2.0 parameter location (query, header, path, formData or body)",
                            other.unwrap_or("(missing)")
                        ),
                    ));
                }
            }
        }
        if !params.is_empty() {
            out.insert(key("parameters"), Value::Mapping(params));
        }
        self.component_map(
            src,
            "responses",
            "responses",
            &mut out,
            |c, response, at| {
                let produces = c.produces.clone();
                c.response(response, &produces, at)
            },
        )?;
        self.component_map(
            src,
            "securityDefinitions",
            "securitySchemes",
            &mut out,
            |c, scheme, at| Ok(Value::Mapping(c.security(scheme, at)?)),
        )?;
        Ok(out)
    }

    /// Converts each entry of the map `src[from]` with `convert` into
    /// `components[to]`, recording where each came from.
    fn component_map(
        &mut self,
        src: &Mapping,
        from: &str,
        to: &str,
        out: &mut Mapping,
        convert: fn(&mut Self, &Value, &Pointer) -> Result<Value, Diagnostic>,
    ) -> Result<(), Diagnostic> {
        let Some(Value::Mapping(entries)) = src.get(from) else {
            return Ok(());
        };
        let root = Pointer::root();
        let mut converted = Mapping::new();
        for (name, entry) in entries {
            let Some(name_str) = name.as_str() else {
                continue;
            };
            let at = root.join(from).join(name_str);
            converted.insert(name.clone(), convert(self, entry, &at)?);
            self.origins
                .record(root.join("components").join(to).join(name_str), at);
        }
        out.insert(key(to), Value::Mapping(converted));
        Ok(())
    }

    /// basic → HTTP basic; apiKey as is; oauth2's single flow → `flows`.
    fn security(&mut self, scheme: &Value, at: &Pointer) -> Result<Mapping, Diagnostic> {
        let Value::Mapping(scheme) = scheme else {
            return Err(self.error(at.clone(), "a security definition must be an object"));
        };
        let text = |k: &str| scheme.get(k).and_then(Value::as_str);
        let mut out = Mapping::new();
        match text("type") {
            Some("basic") => {
                out.insert(key("type"), key("http"));
                out.insert(key("scheme"), key("basic"));
            }
            Some("apiKey") => {
                out.insert(key("type"), key("apiKey"));
                for field in ["name", "in"] {
                    let Some(v) = text(field) else {
                        return Err(self.error(
                            at.join(field),
                            format!("an apiKey definition needs `{field}`"),
                        ));
                    };
                    out.insert(key(field), key(v));
                }
            }
            Some("oauth2") => {
                let (name, urls): (&str, &[&str]) = match text("flow") {
                    Some("implicit") => ("implicit", &["authorizationUrl"]),
                    Some("password") => ("password", &["tokenUrl"]),
                    Some("application") => ("clientCredentials", &["tokenUrl"]),
                    Some("accessCode") => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
                    _ => {
                        return Err(self.error(
                            at.join("flow"),
                            "an oauth2 definition needs `flow`: implicit, password, application or accessCode",
                        ));
                    }
                };
                let mut flow = Mapping::new();
                for url in urls {
                    let Some(v) = text(url) else {
                        return Err(
                            self.error(at.join(url), format!("this oauth2 flow needs `{url}`"))
                        );
                    };
                    flow.insert(key(url), key(v));
                }
                let scopes = match scheme.get("scopes") {
                    Some(Value::Mapping(s)) => s.clone(),
                    _ => Mapping::new(),
                };
                flow.insert(key("scopes"), Value::Mapping(scopes));
                let mut flows = Mapping::new();
                flows.insert(key(name), Value::Mapping(flow));
                out.insert(key("type"), key("oauth2"));
                out.insert(key("flows"), Value::Mapping(flows));
            }
            other => {
                return Err(self.error(
                    at.join("type"),
                    format!(
                        "security definition type `{}` is not one of basic, apiKey, oauth2",
                        other.unwrap_or("(missing)")
                    ),
                ));
            }
        }
        if let Some(d) = scheme.get("description") {
            out.insert(key("description"), d.clone());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_at, at, messages, warnings, yaml};
    use super::*;

    const HEAD: &str = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n";

    fn run(body: &str) -> Result<(Value, Vec<String>, Origins), String> {
        let mut warnings = warnings();
        let mut origins = Origins::default();
        let value = yaml(&format!("{HEAD}{body}"));
        let out = convert(value, Path::new("t.yaml"), &mut warnings, &mut origins)
            .map_err(|d| format!("{}: {}", d.pointer, d.message))?;
        Ok((out, messages(warnings), origins))
    }

    #[test]
    fn servers_from_host_base_path_and_schemes() {
        let (v, _, _) =
            run("host: api.x.com\nbasePath: /v1/\nschemes: [http, https]\npaths: {}").unwrap();
        assert_at(
            &v,
            "/servers",
            "[{url: 'https://api.x.com/v1'}, {url: 'http://api.x.com/v1'}]",
        );
        let (v, _, _) = run("host: api.x.com\npaths: {}").unwrap();
        assert_at(&v, "/servers", "[{url: 'https://api.x.com'}]");
        let (v, _, _) = run("paths: {}").unwrap();
        assert!(v.get("servers").is_none());
    }

    #[test]
    fn definitions_become_component_schemas_and_refs_follow() {
        let (v, _, origins) = run(
            "paths: {}\ndefinitions:\n  A: {type: object, properties: {b: {$ref: '#/definitions/B'}, f: {type: file}, n: {type: string, x-nullable: true}}, discriminator: kind}\n  B: {type: string}",
        )
        .unwrap();
        assert_at(
            &v,
            "/components/schemas",
            "A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}, f: {type: string, format: binary}, n: {type: string, nullable: true}}, discriminator: {propertyName: kind}}\nB: {type: string}",
        );
        let p = Pointer::root().join("components").join("schemas").join("A");
        assert_eq!(origins.locate(&p).as_str(), "/definitions/A");
    }

    #[test]
    fn body_parameter_becomes_request_body_per_consumed_type() {
        let (v, _, origins) = run(
            "consumes: [application/json, text/plain, multipart/form-data]\npaths:\n  /a:\n    post:\n      parameters:\n        - {name: q, in: query, type: string}\n        - {name: pet, in: body, required: true, description: d, schema: {$ref: '#/definitions/P'}}\n      responses: {'200': {description: ok}}",
        )
        .unwrap();
        assert_at(
            &v,
            "/paths/~1a/post/requestBody",
            "description: d\ncontent:\n  application/json: {schema: {$ref: '#/components/schemas/P'}}\n  text/plain: {schema: {$ref: '#/components/schemas/P'}}\nrequired: true\nx-codegen-request-body-name: pet",
        );
        assert_at(
            &v,
            "/paths/~1a/post/parameters",
            "[{name: q, in: query, schema: {type: string}}]",
        );
        let p = Pointer::root()
            .join("paths")
            .join("/a")
            .join("post")
            .join("requestBody");
        assert_eq!(origins.locate(&p).as_str(), "/paths/~1a/post/parameters/1");
    }

    #[test]
    fn form_parameters_become_an_object_body() {
        let (v, _, _) = run(
            "paths:\n  /a:\n    post:\n      parameters:\n        - {name: n, in: formData, type: string, required: true}\n        - {name: f, in: formData, type: file, description: the file}\n      responses: {'200': {description: ok}}\n  /b:\n    post:\n      parameters:\n        - {name: n, in: formData, type: integer}\n      responses: {'200': {description: ok}}",
        )
        .unwrap();
        assert_at(
            &v,
            "/paths/~1a/post/requestBody",
            "content:\n  multipart/form-data:\n    schema: {type: object, properties: {n: {type: string}, f: {type: string, description: the file, format: binary}}, required: [n]}\nrequired: true",
        );
        assert_at(
            &v,
            "/paths/~1b/post/requestBody",
            "content:\n  application/x-www-form-urlencoded:\n    schema: {type: object, properties: {n: {type: integer}}}",
        );
    }

    #[test]
    fn collection_formats_become_style_and_explode() {
        let (v, w, _) = run(
            "paths:\n  /a/{p}:\n    get:\n      parameters:\n        - {name: p, in: path, type: array, items: {type: string}}\n        - {name: m, in: query, type: array, items: {type: string}, collectionFormat: multi}\n        - {name: c, in: query, type: array, items: {type: string}}\n        - {name: s, in: query, type: array, items: {type: string}, collectionFormat: ssv}\n        - {name: t, in: query, type: array, items: {type: string}, collectionFormat: tsv}\n      responses: {'200': {description: ok}}",
        )
        .unwrap();
        let params = at(&v, "/paths/~1a~1{p}/get/parameters");
        let styles: Vec<(String, bool)> = params
            .as_sequence()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p.get("style").unwrap().as_str().unwrap().to_owned(),
                    p.get("explode").unwrap().as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            styles,
            [
                ("simple".to_owned(), false),
                ("form".to_owned(), true),
                ("form".to_owned(), false),
                ("spaceDelimited".to_owned(), false),
                ("form".to_owned(), false),
            ]
        );
        assert_eq!(at(params, "/0/required"), &Value::Bool(true));
        assert_eq!(
            w,
            [
                "/paths/~1a~1{p}/get/parameters/4/collectionFormat: `collectionFormat: tsv` has no OpenAPI 3 form here; read as csv"
            ]
        );
    }

    #[test]
    fn shared_parameters_and_responses() {
        let (v, _, _) = run(
            "produces: [application/json, application/xml]\nparameters:\n  id: {name: id, in: path, required: true, type: integer}\n  body: {name: b, in: body, schema: {type: object}}\nresponses:\n  NotFound: {description: nf, schema: {$ref: '#/definitions/E'}, headers: {X-R: {type: integer}}}\npaths:\n  /a/{id}:\n    parameters: [{$ref: '#/parameters/id'}]\n    put:\n      parameters: [{$ref: '#/parameters/body'}]\n      responses:\n        '404': {$ref: '#/responses/NotFound'}\n        '200': {description: ok, schema: {type: string}, examples: {application/json: hi}}",
        )
        .unwrap();
        assert_at(
            &v,
            "/paths/~1a~1{id}/put/parameters",
            "[{$ref: '#/components/parameters/id'}]",
        );
        assert_eq!(
            at(
                &v,
                "/paths/~1a~1{id}/put/requestBody/content/application~1json/schema"
            ),
            &yaml("{type: object}")
        );
        assert_at(
            &v,
            "/paths/~1a~1{id}/put/responses",
            "'404': {$ref: '#/components/responses/NotFound'}\n'200': {description: ok, content: {application/json: {schema: {type: string}, example: hi}, application/xml: {schema: {type: string}}}}",
        );
        assert_at(
            &v,
            "/components/parameters/id",
            "{name: id, in: path, required: true, schema: {type: integer}}",
        );
        assert_at(
            &v,
            "/components/responses/NotFound",
            "description: nf\nheaders: {X-R: {schema: {type: integer}}}\ncontent:\n  application/json: {schema: {$ref: '#/components/schemas/E'}}\n  application/xml: {schema: {$ref: '#/components/schemas/E'}}",
        );
    }

    #[test]
    fn security_definitions() {
        let (v, _, _) = run(
            "paths: {}\nsecurityDefinitions:\n  b: {type: basic}\n  k: {type: apiKey, name: key, in: query}\n  o: {type: oauth2, flow: accessCode, authorizationUrl: 'https://a', tokenUrl: 'https://t', scopes: {r: read}}\n  c: {type: oauth2, flow: application, tokenUrl: 'https://t'}",
        )
        .unwrap();
        assert_at(
            &v,
            "/components/securitySchemes",
            "b: {type: http, scheme: basic}\nk: {type: apiKey, name: key, in: query}\no: {type: oauth2, flows: {authorizationCode: {authorizationUrl: 'https://a', tokenUrl: 'https://t', scopes: {r: read}}}}\nc: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://t', scopes: {}}}}",
        );
    }

    #[test]
    fn errors_name_the_original_location() {
        for (input, error) in [
            (
                "paths:\n  /a:\n    get:\n      parameters: [{name: x, in: cookie, type: string}]\n      responses: {}",
                "/paths/~1a/get/parameters/0/in: `in: cookie` is not a Swagger 2.0 parameter location (query, header, path, formData or body)",
            ),
            (
                "paths:\n  /a:\n    get:\n      parameters: [{name: x, in: query}]\n      responses: {}",
                "/paths/~1a/get/parameters/0: a non-body parameter needs a `type`",
            ),
            (
                "paths:\n  /a:\n    get:\n      parameters: [{$ref: '#/parameters/nope'}]\n      responses: {}",
                "/paths/~1a/get/parameters/0/$ref: `#/parameters/nope` does not resolve",
            ),
            (
                "paths: {}\nsecurityDefinitions: {k: {type: apiKey, in: header}}",
                "/securityDefinitions/k/name: an apiKey definition needs `name`",
            ),
            (
                "paths:\n  /a:\n    post:\n      parameters: [{name: b, in: body, schema: {}}, {name: f, in: formData, type: string}]\n      responses: {}",
                "/paths/~1a/post/parameters/0/in: an operation has either a body parameter or form parameters, not both",
            ),
        ] {
            assert_eq!(run(input).unwrap_err(), error, "{input}");
        }
    }
}
