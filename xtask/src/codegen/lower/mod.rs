//! Spec → IR. The only code that sees `openapiv3` types.
//!
//! [`lower`] reads the document-level facts (servers, security, the
//! `x-apigen` extension), then hands schemas to `schema::TypeSpace` and
//! operations to `operation`, breaks recursive type cycles, and lets
//! `naming` settle the remaining names and check them all.

mod auth;
mod body;
mod operation;
mod parallel;
mod recursion;
mod responses;
mod schema;

use std::path::Path;

use openapiv3::OpenAPI;
use serde::Deserialize;

use super::diagnostics::{Diagnostic, Pointer, Warnings};
use super::ir::{Api, AuthMethod, Envelope};
use super::naming;
use super::threads;
use super::timings;
use parallel::Split;

/// Settings that come from the command line rather than the spec.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Crate name prefix when the spec has no `x-apigen.crate`.
    pub default_crate: String,
    /// Path shown in `@generated` headers.
    pub source_label: String,
}

/// The document-level `x-apigen` extension.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ApigenExtension {
    #[serde(rename = "crate")]
    crate_name: Option<String>,
    #[serde(default)]
    env: EnvExtension,
    envelope: Option<EnvelopeExtension>,
    /// `keep`: every model keeps the JSON fields its schema does not name
    /// (in `additional_properties`), so they survive a decode and are
    /// re-serialised; `ignore` (the default): they are dropped.
    #[serde(default)]
    unknown_fields: UnknownFields,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum UnknownFields {
    #[default]
    Ignore,
    Keep,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct EnvExtension {
    base_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct EnvelopeExtension {
    result: String,
    meta: Option<String>,
    success: Option<String>,
    errors: Option<String>,
}

/// Gives every struct without an `additionalProperties` schema a map of
/// JSON values for the fields it does not name (`x-apigen.unknown-fields:
/// keep`); the models emitter already renders such a map, flattened.
fn keep_unknown_fields(types: &mut std::collections::BTreeMap<String, super::ir::TypeDef>) {
    for def in types.values_mut() {
        if let super::ir::TypeKind::Struct(s) = &mut def.kind {
            s.additional.get_or_insert(super::ir::TypeRef::Json);
        }
    }
}

/// Parses an `x-…` extension value into `T`, locating any error.
fn extension<T: for<'de> Deserialize<'de>>(
    file: &Path,
    pointer: Pointer,
    value: &serde_json::Value,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let at = pointer.join_serde_path(e.path());
        Diagnostic::new(file, at, format!("invalid extension: {}", e.inner()))
    })
}

/// Deepest resource group (`a.b.c` in `x-fern-sdk-group-name`) accepted.
const MAX_RESOURCE_DEPTH: usize = 32;

/// Lowers a parsed spec into the IR, its names settled but not yet
/// checked ([`check_names`]).
pub fn lower_unchecked(
    file: &Path,
    spec: &OpenAPI,
    settings: &Settings,
) -> Result<Api, Diagnostic> {
    lower_split(file, spec, settings, Split::Auto)
}

/// [`lower_unchecked`], its operations cut between two threads at `split`.
fn lower_split(
    file: &Path,
    spec: &OpenAPI,
    settings: &Settings,
    split: Split,
) -> Result<Api, Diagnostic> {
    let mut phases = timings::Phases::start("lower");
    let mut warnings = Warnings::new(file);
    let ext: ApigenExtension = match spec.extensions.get("x-apigen") {
        Some(value) => extension(file, Pointer::root().join("x-apigen"), value)?,
        None => ApigenExtension::default(),
    };
    let crate_prefix = ext
        .crate_name
        .clone()
        .unwrap_or_else(|| settings.default_crate.clone());
    if crate_prefix.is_empty()
        || !crate_prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Diagnostic::new(
            file,
            Pointer::root().join("x-apigen").join("crate"),
            format!("crate name `{crate_prefix}` must be lowercase letters, digits and `-`"),
        ));
    }

    let base_url = base_url(spec, &mut warnings);
    let envelope = ext.envelope.map(|e| Envelope {
        result: e.result,
        meta: e.meta,
        success: e.success,
        errors: e.errors,
    });
    phases.end("document");
    let empty = Default::default();
    let components = spec.components.as_ref();
    let schemas = components.map_or(&empty, |c| &c.schemas);
    // The operations are read (their security, a tenth of a second of
    // naming on Microsoft Graph, mostly casing their ids) on the other core
    // while this one lowers the components: neither reads what the other
    // makes. Warnings are sorted when collected, so where they were found
    // does not matter.
    let mut operation_warnings = warnings.fork();
    let mut collected = Ok(Default::default());
    let mut space = schema::TypeSpace::new(components, schemas, &mut warnings);
    threads::both(
        || {
            collected = collect_operations(file, spec, &base_url, &mut operation_warnings);
        },
        || space.lower_components(),
    );
    space.warnings.absorb(operation_warnings);
    let (mut collected, auth) = collected?;
    phases.end("components");
    let skipped = std::mem::take(&mut collected.skipped);
    let operations =
        operation::lower_operations(file, collected, envelope.as_ref(), &mut space, split)?;
    phases.end("operations");
    if let Some(at) = space.too_deep() {
        return Err(Diagnostic::new(
            file,
            at.clone(),
            format!(
                "schemas nest more than {} levels deep here; the generator refuses such a spec rather than risk its stack",
                schema::MAX_NESTING
            ),
        ));
    }
    let mut types = space.take_types();
    recursion::box_cycles(&mut types);
    phases.end("cycles");
    if ext.unknown_fields == UnknownFields::Keep {
        keep_unknown_fields(&mut types);
    }

    let mut api = Api {
        source: settings.source_label.clone(),
        crate_prefix,
        title: spec.info.title.trim().to_owned(),
        description: spec
            .info
            .description
            .as_deref()
            .map(str::trim)
            .map(str::to_owned),
        version: spec.info.version.clone(),
        base_url,
        base_url_env: ext.env.base_url,
        envelope,
        auth,
        types,
        operations,
        resource_types: Default::default(),
        warnings: Vec::new(),
        skipped,
    };
    naming::settle(&mut api, &mut warnings);
    phases.end("names");
    phases.report();
    api.warnings = warnings.into_vec();
    Ok(api)
}

/// [`lower_unchecked`], then [`check_names`].
pub fn lower(file: &Path, spec: &OpenAPI, settings: &Settings) -> Result<Api, Diagnostic> {
    let api = lower_unchecked(file, spec, settings)?;
    check_names(file, &api)?;
    Ok(api)
}

/// Checks that naming left no two items of one scope with one name. A
/// collision is a generator bug, but one that must not reach the output.
/// Apart from [`lower_unchecked`] so that the generator can run it beside
/// emission.
pub fn check_names(file: &Path, api: &Api) -> Result<(), Diagnostic> {
    match naming::collisions(api).first() {
        Some(collision) => Err(Diagnostic::new(
            file,
            Pointer::root(),
            format!("internal error: a name collision survived naming: {collision}"),
        )),
        None => Ok(()),
    }
}

/// The API's auth methods, and its operations named, each with its
/// security, for [`operation::lower_operations`].
fn collect_operations<'a>(
    file: &Path,
    spec: &'a OpenAPI,
    base_url: &str,
    warnings: &mut Warnings,
) -> Result<(operation::Collected<'a>, Vec<AuthMethod>), Diagnostic> {
    let auth = auth::lower_auth(file, spec, base_url, warnings)?;
    check_resource_groups(file, spec)?;
    let mut collected = operation::collect_operations(file, spec, warnings);
    collected.secure(&auth.operations);
    Ok((collected, auth.methods))
}

/// Refuses absurdly deep resource groups before operations are lowered:
/// naming and walking the resource tree costs the square of its depth.
fn check_resource_groups(file: &Path, spec: &OpenAPI) -> Result<(), Diagnostic> {
    for (path, item) in &spec.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let Some(group) = op
                .extensions
                .get("x-fern-sdk-group-name")
                .and_then(|v| v.as_str())
            else {
                continue;
            };
            let depth = group.split('.').filter(|s| !s.is_empty()).count();
            if depth > MAX_RESOURCE_DEPTH {
                return Err(Diagnostic::new(
                    file,
                    Pointer::root()
                        .join("paths")
                        .join(path)
                        .join(method)
                        .join("x-fern-sdk-group-name"),
                    format!(
                        "the resource group nests {depth} levels; at most {MAX_RESOURCE_DEPTH} are supported"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The first server's URL with its variables set to their defaults.
fn base_url(spec: &OpenAPI, warnings: &mut Warnings) -> String {
    let Some(server) = spec.servers.first() else {
        warnings.warn(
            &Pointer::root().join("servers"),
            "no server URL; clients need a base URL",
        );
        return "http://localhost".to_owned();
    };
    let mut url = server.url.trim_end_matches('/').to_owned();
    for (name, variable) in server.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &variable.default);
    }
    if !url.starts_with("http://") && !url.starts_with("https://") {
        warnings.warn(
            &Pointer::root().join("servers").join("0").join("url"),
            format!("server URL `{url}` is not absolute; clients need a base URL"),
        );
    }
    url
}
