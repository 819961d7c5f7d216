//! Security schemes → the auth methods a client can use.
//!
//! Each security requirement of the spec (top level, or else collected from
//! operations) becomes one alternative. `x-apigen-env` on a scheme names the
//! environment variable(s) `from_env()` reads for it.

use std::path::Path;

use indexmap::IndexMap;
use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};
use serde::Deserialize;

use super::extension;
use crate::codegen::diagnostics::{Diagnostic, Pointer, Warnings};
use crate::codegen::ir::{ApiKey, AuthMethod};

/// `x-apigen-env` of an OAuth2 scheme.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct OAuthEnv {
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub fn lower_auth(
    file: &Path,
    spec: &OpenAPI,
    base_url: &str,
    warnings: &mut Warnings,
) -> Result<Vec<AuthMethod>, Diagnostic> {
    let empty = IndexMap::new();
    let schemes = spec
        .components
        .as_ref()
        .map_or(&empty, |c| &c.security_schemes);
    let mut requirements: Vec<(Pointer, &SecurityRequirement)> = Vec::new();
    match &spec.security {
        Some(top) => {
            for (i, r) in top.iter().enumerate() {
                requirements.push((Pointer::root().join("security").join(i.to_string()), r));
            }
        }
        None => {
            for (path, item) in &spec.paths.paths {
                let ReferenceOr::Item(item) = item else {
                    continue;
                };
                for (method, op) in item.iter() {
                    for (i, r) in op.security.iter().flatten().enumerate() {
                        let at = Pointer::root()
                            .join("paths")
                            .join(path)
                            .join(method)
                            .join("security")
                            .join(i.to_string());
                        if !requirements.iter().any(|(_, seen)| *seen == r) {
                            requirements.push((at, r));
                        }
                    }
                }
            }
        }
    }

    let mut methods = Vec::new();
    for (pointer, requirement) in requirements {
        let mut keys = Vec::new();
        let mut key_schemes = Vec::new();
        let mut kinds = 0;
        for name in requirement.keys() {
            let scheme_pointer = Pointer::root()
                .join("components")
                .join("securitySchemes")
                .join(name);
            let scheme = match schemes.get(name) {
                Some(ReferenceOr::Item(s)) => s,
                _ => {
                    warnings.warn(
                        &pointer,
                        format!("security scheme `{name}` is not defined; ignored"),
                    );
                    continue;
                }
            };
            match scheme {
                SecurityScheme::APIKey { location, name: key_name, extensions, .. } => {
                    if matches!(location, APIKeyLocation::Cookie) {
                        warnings.warn(&scheme_pointer, "cookie API keys are not supported; ignored");
                        continue;
                    }
                    let env = env_name(file, &scheme_pointer, extensions)?;
                    key_schemes.push(name.clone());
                    keys.push(ApiKey {
                        scheme: name.clone(),
                        in_query: matches!(location, APIKeyLocation::Query),
                        name: key_name.clone(),
                        env,
                    });
                }
                SecurityScheme::HTTP { scheme: http, extensions, .. } if http.eq_ignore_ascii_case("bearer") => {
                    let env = env_name(file, &scheme_pointer, extensions)?;
                    kinds += 1;
                    push_unique(&mut methods, AuthMethod::Bearer { scheme: name.clone(), env });
                }
                SecurityScheme::OAuth2 { flows, extensions, .. } if flows.client_credentials.is_some() => {
                    // The scopes sent are the requirement's; the flow's declared
                    // scopes only list what exists.
                    let token_url = flows.client_credentials.as_ref().map(|f| f.token_url.clone()).unwrap_or_default();
                    // On the API's own host the token URL is kept relative,
                    // so a client pointed at another base URL (staging, a
                    // mock) never sends its secret to the production host.
                    let token_url = relative_to(&token_url, base_url);
                    let env: Option<OAuthEnv> = match extensions.get("x-apigen-env") {
                        Some(v) => Some(extension(file, scheme_pointer.join("x-apigen-env"), v)?),
                        None => None,
                    };
                    kinds += 1;
                    push_unique(&mut methods, AuthMethod::OAuth2ClientCredentials {
                        scheme: name.clone(),
                        token_url,
                        client_id_env: env.as_ref().and_then(|e| e.client_id.clone()),
                        client_secret_env: env.as_ref().and_then(|e| e.client_secret.clone()),
                        scopes: requirement[name].clone(),
                    });
                }
                _ => warnings.warn(
                    &scheme_pointer,
                    "only bearer, API key and OAuth2 client-credentials schemes are supported; ignored",
                ),
            }
        }
        if !keys.is_empty() {
            kinds += 1;
            push_unique(
                &mut methods,
                AuthMethod::ApiKeys {
                    schemes: key_schemes,
                    keys,
                },
            );
        }
        if kinds > 1 {
            // OpenAPI reads one requirement with several schemes as "all of
            // them"; Cloudflare writes token-or-key that way. Sending them as
            // alternatives is what every client of such an API does.
            warnings.warn(
                &pointer,
                "a requirement mixes kinds of scheme; each kind is offered as an alternative",
            );
        }
    }
    Ok(methods)
}

/// `url` relative to `base` when it lies under it (`https://api.x/token`
/// with base `https://api.x` is `token`); the runtime resolves it against
/// whatever base URL the client is configured with.
fn relative_to(url: &str, base: &str) -> String {
    url.strip_prefix(base.trim_end_matches('/'))
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|rest| !rest.is_empty())
        .map_or_else(|| url.to_owned(), str::to_owned)
}

fn push_unique(methods: &mut Vec<AuthMethod>, method: AuthMethod) {
    if !methods.contains(&method) {
        methods.push(method);
    }
}

fn env_name(
    file: &Path,
    pointer: &Pointer,
    extensions: &IndexMap<String, serde_json::Value>,
) -> Result<Option<String>, Diagnostic> {
    match extensions.get("x-apigen-env") {
        Some(v) => extension(file, pointer.join("x-apigen-env"), v).map(Some),
        None => Ok(None),
    }
}
