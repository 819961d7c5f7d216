//! Security schemes → the auth methods a client can use, and each
//! operation's choice among them.
//!
//! Each security requirement of the spec (top level first, then those of
//! operations) becomes one or more alternatives of the API's profile. An
//! operation that inherits the top-level `security` accepts the top-level
//! alternatives; one with its own `security` accepts exactly those; one
//! with `security: []` accepts none (no credentials are sent).
//! `x-apigen-env` on a scheme names the environment variable(s)
//! `from_env()` reads for it.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};
use serde::Deserialize;

use super::extension;
use super::operation::method_of;
use crate::codegen::diagnostics::{Diagnostic, Pointer, Warnings};
use crate::codegen::ir::{ApiKey, AuthMethod, KeyPlace, Method, Security};

/// `x-apigen-env` of an OAuth2 scheme: the client id and secret of the
/// client-credentials flow, and/or the variable holding an access token
/// the caller obtained (any other flow).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OAuthEnv {
    Token(String),
    Fields(OAuthEnvFields),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct OAuthEnvFields {
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
}

/// `x-apigen-env` of an HTTP basic scheme.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct BasicEnv {
    user: Option<String>,
    password: Option<String>,
}

/// An operation's `security`: `None` when it inherits the top level,
/// `Some(None)` for `security: []`, else the methods it names.
type OwnSecurity = Option<Option<Vec<usize>>>;

/// The API's auth methods, and the `security` of the operations that do
/// not accept the default, by (path, method).
pub struct Lowered<'a> {
    pub methods: Vec<AuthMethod>,
    pub operations: BTreeMap<(&'a str, Method), Security>,
}

pub fn lower_auth<'a>(
    file: &Path,
    spec: &'a OpenAPI,
    base_url: &str,
    warnings: &mut Warnings,
) -> Result<Lowered<'a>, Diagnostic> {
    let empty = IndexMap::new();
    let schemes = spec
        .components
        .as_ref()
        .map_or(&empty, |c| &c.security_schemes);
    let mut methods = Vec::new();
    let lower_list = |list: &[SecurityRequirement],
                      at: &Pointer,
                      methods: &mut Vec<AuthMethod>,
                      warnings: &mut Warnings|
     -> Result<Vec<usize>, Diagnostic> {
        let mut indices = Vec::new();
        for (i, requirement) in list.iter().enumerate() {
            let pointer = at.join(i.to_string());
            for method in
                lower_requirement(file, schemes, requirement, &pointer, base_url, warnings)?
            {
                let index = match methods.iter().position(|m| *m == method) {
                    Some(index) => index,
                    None => {
                        methods.push(method);
                        methods.len() - 1
                    }
                };
                if !indices.contains(&index) {
                    indices.push(index);
                }
            }
        }
        Ok(indices)
    };
    let top = match &spec.security {
        Some(top) => Some(lower_list(
            top,
            &Pointer::root().join("security"),
            &mut methods,
            warnings,
        )?),
        None => None,
    };
    let mut own: Vec<((&str, Method), OwnSecurity)> = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let key = (path.as_str(), method_of(method));
            let Some(list) = &op.security else {
                own.push((key, None));
                continue;
            };
            let at = Pointer::root()
                .join("paths")
                .join(path)
                .join(method)
                .join("security");
            let indices = if list.is_empty() {
                None
            } else {
                Some(lower_list(list, &at, &mut methods, warnings)?)
            };
            own.push((key, Some(indices)));
        }
    }
    let all: Vec<usize> = (0..methods.len()).collect();
    let mut operations = BTreeMap::new();
    for (key, security) in own {
        let security = match (security, &top) {
            (Some(None), _) => Security::None,
            (Some(Some(indices)), _) => alternatives(indices, &all),
            (None, Some(indices)) => alternatives(indices.clone(), &all),
            // No top-level `security`: every method the operations name is
            // offered, as before per-operation security existed.
            (None, None) => Security::Any,
        };
        if security != Security::Any {
            operations.insert(key, security);
        }
    }
    Ok(Lowered {
        methods,
        operations,
    })
}

fn alternatives(indices: Vec<usize>, all: &[usize]) -> Security {
    if indices == all {
        Security::Any
    } else {
        Security::Alternatives(indices)
    }
}

/// The alternatives one requirement offers. OpenAPI reads a requirement
/// with several schemes as "all of them"; API keys are sent together, and
/// other kinds (Cloudflare's token-or-key is written so) are offered as
/// alternatives.
fn lower_requirement(
    file: &Path,
    schemes: &IndexMap<String, ReferenceOr<SecurityScheme>>,
    requirement: &SecurityRequirement,
    pointer: &Pointer,
    base_url: &str,
    warnings: &mut Warnings,
) -> Result<Vec<AuthMethod>, Diagnostic> {
    let mut methods = Vec::new();
    let mut keys = Vec::new();
    let mut key_schemes = Vec::new();
    for name in requirement.keys() {
        let scheme_pointer = Pointer::root()
            .join("components")
            .join("securitySchemes")
            .join(name);
        let scheme = match schemes.get(name) {
            Some(ReferenceOr::Item(s)) => s,
            _ => {
                warnings.warn(
                    pointer,
                    format!("security scheme `{name}` is not defined; ignored"),
                );
                continue;
            }
        };
        match scheme {
            SecurityScheme::APIKey {
                location,
                name: key_name,
                extensions,
                ..
            } => {
                let env = env_name(file, &scheme_pointer, extensions)?;
                key_schemes.push(name.clone());
                keys.push(ApiKey {
                    scheme: name.clone(),
                    place: match location {
                        APIKeyLocation::Query => KeyPlace::Query,
                        APIKeyLocation::Header => KeyPlace::Header,
                        APIKeyLocation::Cookie => KeyPlace::Cookie,
                    },
                    name: key_name.clone(),
                    env,
                });
            }
            SecurityScheme::HTTP {
                scheme: http,
                extensions,
                ..
            } if http.eq_ignore_ascii_case("bearer") => {
                let env = env_name(file, &scheme_pointer, extensions)?;
                methods.push(AuthMethod::Bearer {
                    scheme: name.clone(),
                    env,
                });
            }
            SecurityScheme::HTTP {
                scheme: http,
                extensions,
                ..
            } if http.eq_ignore_ascii_case("basic") => {
                let env: Option<BasicEnv> = match extensions.get("x-apigen-env") {
                    Some(v) => Some(extension(file, scheme_pointer.join("x-apigen-env"), v)?),
                    None => None,
                };
                methods.push(AuthMethod::Basic {
                    scheme: name.clone(),
                    user_env: env.as_ref().and_then(|e| e.user.clone()),
                    password_env: env.as_ref().and_then(|e| e.password.clone()),
                });
            }
            SecurityScheme::OAuth2 {
                flows, extensions, ..
            } => {
                let env: Option<OAuthEnv> = match extensions.get("x-apigen-env") {
                    Some(v) => Some(extension(file, scheme_pointer.join("x-apigen-env"), v)?),
                    None => None,
                };
                let (id_env, secret_env, token_env) = match env {
                    Some(OAuthEnv::Token(token)) => (None, None, Some(token)),
                    Some(OAuthEnv::Fields(f)) => (f.client_id, f.client_secret, f.token),
                    None => (None, None, None),
                };
                if let Some(flow) = &flows.client_credentials {
                    // The scopes sent are the requirement's; the flow's
                    // declared scopes only list what exists. On the API's
                    // own host the token URL is kept relative, so a client
                    // pointed at another base URL (staging, a mock) never
                    // sends its secret to the production host.
                    methods.push(AuthMethod::OAuth2ClientCredentials {
                        scheme: name.clone(),
                        token_url: relative_to(&flow.token_url, base_url),
                        client_id_env: id_env,
                        client_secret_env: secret_env,
                        scopes: requirement[name].clone(),
                    });
                }
                let other_flows = flows.authorization_code.is_some()
                    || flows.implicit.is_some()
                    || flows.password.is_some();
                if other_flows || flows.client_credentials.is_none() {
                    // Authorization code, implicit and password flows need
                    // the user (or a browser): the caller obtains the token.
                    methods.push(AuthMethod::AccessToken {
                        scheme: name.clone(),
                        env: token_env,
                    });
                }
            }
            SecurityScheme::OpenIDConnect { extensions, .. } => {
                let env = env_name(file, &scheme_pointer, extensions)?;
                methods.push(AuthMethod::AccessToken {
                    scheme: name.clone(),
                    env,
                });
            }
            SecurityScheme::HTTP { scheme: http, .. } => warnings.warn(
                &scheme_pointer,
                format!(
                    "HTTP `{http}` authentication is not supported (only basic and bearer); ignored"
                ),
            ),
        }
    }
    if !keys.is_empty() {
        methods.push(AuthMethod::ApiKeys {
            schemes: key_schemes,
            keys,
        });
    }
    if requirement.len() > 1 && methods.len() > 1 {
        warnings.warn(
            pointer,
            "a requirement mixes kinds of scheme; each kind is offered as an alternative",
        );
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
