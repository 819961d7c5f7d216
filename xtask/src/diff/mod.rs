//! `cargo xtask diff`: what a spec update means, at the IR level.
//!
//! Both versions of a spec go through the generator's own pipeline (`load`,
//! `lower`), and the two IRs are compared: operations, parameters, bodies,
//! outputs, pagination, types, fields, enum values, union variants, auth,
//! envelope and docs. Every difference becomes a [`Change`], classified on
//! the wire and for the Rust API by the rules in [`classify`]; [`semver`]
//! turns the Rust levels into a version bump per generated crate and
//! [`report`] prints the result.

pub mod classify;
pub mod report;
pub mod semver;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::codegen::ir::{
    Api, AuthMethod, Field, Operation, PaginationKind, Param, Struct, TypeDef, TypeKind, TypeRef,
};
use crate::codegen::surface::{self, Spelling};
use classify::{Direction, Event, Level, OpName, Rendering, Scope};

/// One difference between the two versions, classified.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// What changed, in kebab-case (`field-added`, `operation-removed`).
    pub kind: String,
    /// Where: a type, `Type.field`, or an operation.
    pub subject: String,
    /// What changed, in words.
    pub summary: String,
    pub wire: Level,
    pub rust: Level,
    /// The concrete consequence for Rust callers.
    pub rust_effect: String,
    /// Which generated crates it touches.
    pub scope: Scope,
}

/// The changes of one API (one spec file) and the version verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct ApiDiff {
    /// Crate prefix (`cloudflare-access-users`).
    pub api: String,
    pub title: String,
    /// Where the old version came from (`spec/x.yaml@HEAD`).
    pub base: String,
    /// Where the new version came from.
    pub new: String,
    pub changes: Vec<Change>,
    pub crates: Vec<semver::CrateVerdict>,
}

impl ApiDiff {
    pub fn max_wire(&self) -> Level {
        self.max_level(|c| c.wire)
    }

    pub fn max_rust(&self) -> Level {
        self.max_level(|c| c.rust)
    }

    fn max_level(&self, level: fn(&Change) -> Level) -> Level {
        self.changes.iter().map(level).max().unwrap_or(Level::None)
    }
}

/// Compares two versions of one API and gives the verdict for its crates,
/// whose current versions `current` tells (by crate name).
pub fn api_diff(
    old: Option<&Api>,
    new: Option<&Api>,
    base: &str,
    new_label: &str,
    current: &dyn Fn(&str) -> String,
) -> ApiDiff {
    let changes = diff(old, new);
    let named = new.or(old);
    let api = named.map(|a| a.crate_prefix.clone()).unwrap_or_default();
    let mut crates = semver::verdicts(&api, &changes, current);
    if old.is_none() {
        // New crates start at the version they have; nothing to bump.
        for c in &mut crates {
            c.bump = semver::Bump::None;
            c.next = c.current.clone();
        }
    }
    ApiDiff {
        title: named.map(|a| a.title.clone()).unwrap_or_default(),
        api,
        base: base.to_owned(),
        new: new_label.to_owned(),
        changes,
        crates,
    }
}

/// Compares two spec files (any specs); crates are taken to be at `0.1.0`,
/// the version `generate --out` starts from.
pub fn diff_files(old: &std::path::Path, new: &std::path::Path) -> Result<ApiDiff, String> {
    let (a, b) = source::lower_pair(old, new)?;
    Ok(api_diff(
        Some(&a),
        Some(&b),
        &old.display().to_string(),
        &new.display().to_string(),
        &|_| "0.1.0".to_owned(),
    ))
}

/// Compares two versions of one API; `None` on one side means the spec was
/// added or removed.
pub fn diff(old: Option<&Api>, new: Option<&Api>) -> Vec<Change> {
    diff_with(old, new, &Rendering::TODAY)
}

/// [`diff`] under explicit rendering rules.
pub fn diff_with(old: Option<&Api>, new: Option<&Api>, rendering: &Rendering) -> Vec<Change> {
    let mut out = Changes {
        list: Vec::new(),
        rendering: *rendering,
    };
    match (old, new) {
        (None, None) => {}
        (None, Some(api)) => out.push(
            Event::ApiAdded,
            api.crate_prefix.clone(),
            format!("new API `{}`", api.title),
        ),
        (Some(api), None) => out.push(
            Event::ApiRemoved,
            api.crate_prefix.clone(),
            format!("API `{}` removed", api.title),
        ),
        (Some(old), Some(new)) => {
            let differ = Differ {
                old,
                new,
                dirs: directions(old, new),
            };
            differ.api(&mut out);
            differ.operations(&mut out);
            differ.types(&mut out);
        }
    }
    out.list
}

struct Changes {
    list: Vec<Change>,
    rendering: Rendering,
}

impl Changes {
    fn push(&mut self, event: Event, subject: String, summary: String) {
        let wire = classify::wire(&event);
        let (rust, rust_effect, scope) = classify::rust(&event, &self.rendering);
        self.list.push(Change {
            kind: kind_of(&event),
            subject,
            summary,
            wire,
            rust,
            rust_effect,
            scope,
        });
    }
}

/// One operation on both sides, with the name and subject its changes
/// carry.
struct OpPair<'a> {
    old: &'a Operation,
    new: &'a Operation,
    nn: &'a OpName,
    subject: &'a str,
}

impl<'a> OpPair<'a> {
    fn parts(&self) -> (&'a Operation, &'a Operation, &'a OpName, &'a str) {
        (self.old, self.new, self.nn, self.subject)
    }
}

/// `FieldAdded { .. }` → `field-added`.
fn kind_of(event: &Event) -> String {
    let debug = format!("{event:?}");
    let name = debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    let kind = heck::ToKebabCase::to_kebab_case(name);
    kind.replacen("op-", "operation-", 1)
}

/// Rust spelling of a type reference (`Vec<String>`, `Option<User>`).
pub fn rust_type(ty: &TypeRef) -> String {
    surface::type_name(ty, Spelling::Full)
}

/// The Rust type of a struct field, as `emit/models.rs` renders it.
fn field_rust_type(field: &Field) -> String {
    let mut ty = rust_type(&field.ty);
    if field.boxed {
        ty = format!("Box<{ty}>");
    }
    match (field.required, field.nullable) {
        (true, false) => ty,
        (true, true) | (false, false) => format!("Option<{ty}>"),
        (false, true) => format!("Option<Option<{ty}>>"),
    }
}

/// The argument type of a required parameter (`impl Into<String>` for strings).
fn arg_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "impl Into<String>".into(),
        other => rust_type(other),
    }
}

/// A change of numeric type that accepts every old value.
fn widening(old: &TypeRef, new: &TypeRef) -> bool {
    use TypeRef::{F32, F64, I32, I64, U32, U64};
    matches!(
        (old, new),
        (I32, I64)
            | (U32, U64)
            | (U32, I64)
            | (F32, F64)
            | (I32 | U32, F64)
            | (I32 | U32 | I64 | U64, F32)
    ) && !matches!((old, new), (I64 | U64, F32))
}

fn op_name(op: &Operation) -> OpName {
    let mut call = op.resource.join(".");
    if !call.is_empty() {
        call.push('.');
    }
    call.push_str(&op.method_name);
    OpName {
        call,
        rust_name: op.rust_name.clone(),
        endpoint: format!("{} {}", op.method.as_str(), op.path),
    }
}

fn op_subject(op: &Operation) -> String {
    format!("{} {} ({})", op.method.as_str(), op.path, op.operation_id)
}

fn has_params(op: &Operation) -> bool {
    !op.optional_params.is_empty() || op.body.as_ref().is_some_and(|b| !b.required)
}

/// Where every named type travels, in either version.
fn directions(old: &Api, new: &Api) -> HashMap<String, Direction> {
    let mut dirs: HashMap<String, Direction> = HashMap::new();
    for api in [old, new] {
        for (request, roots) in [(true, request_roots(api)), (false, response_roots(api))] {
            let mut seen: HashSet<&str> = HashSet::new();
            let mut pending: Vec<&str> = roots.iter().filter_map(|ty| ty.named()).collect();
            while let Some(name) = pending.pop() {
                if !seen.insert(name) {
                    continue;
                }
                let dir = dirs.entry(name.to_owned()).or_default();
                if request {
                    dir.request = true;
                } else {
                    dir.response = true;
                }
                if let Some(def) = api.types.get(name) {
                    pending.extend(def.type_refs().into_iter().filter_map(TypeRef::named));
                }
            }
        }
    }
    dirs
}

fn request_roots(api: &Api) -> Vec<&TypeRef> {
    api.operations
        .iter()
        .flat_map(|op| {
            op.required_params
                .iter()
                .chain(&op.optional_params)
                .map(|p| &p.ty)
                .chain(op.body.as_ref().map(|b| &b.ty))
        })
        .collect()
}

fn response_roots(api: &Api) -> Vec<&TypeRef> {
    api.operations
        .iter()
        .flat_map(|op| op.output.type_refs())
        .collect()
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
        TypeKind::Union(u) if u.discriminator.is_some() => "tagged union",
        TypeKind::Union(_) => "union",
        TypeKind::Alias(_) => "alias",
    }
}

fn auth_key(method: &AuthMethod) -> String {
    match method {
        AuthMethod::Bearer { scheme, .. } => format!("bearer `{scheme}`"),
        AuthMethod::ApiKeys { schemes, .. } => format!("API keys `{}`", schemes.join("` + `")),
        AuthMethod::OAuth2ClientCredentials { scheme, .. } => {
            format!("OAuth2 client credentials `{scheme}`")
        }
        AuthMethod::Basic { scheme, .. } => format!("basic `{scheme}`"),
        AuthMethod::AccessToken { scheme, .. } => format!("access token `{scheme}`"),
    }
}

/// The auth method without its environment variable names (which only the
/// client reads).
fn without_env(method: &AuthMethod) -> AuthMethod {
    let mut method = method.clone();
    match &mut method {
        AuthMethod::Bearer { env, .. } | AuthMethod::AccessToken { env, .. } => *env = None,
        AuthMethod::Basic {
            user_env,
            password_env,
            ..
        } => {
            *user_env = None;
            *password_env = None;
        }
        AuthMethod::ApiKeys { keys, .. } => keys.iter_mut().for_each(|k| k.env = None),
        AuthMethod::OAuth2ClientCredentials {
            client_id_env,
            client_secret_env,
            ..
        } => {
            *client_id_env = None;
            *client_secret_env = None;
        }
    }
    method
}

fn show_opt(value: &Option<String>) -> String {
    value
        .as_deref()
        .map_or_else(|| "none".to_owned(), |v| format!("`{v}`"))
}

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    dirs: HashMap<String, Direction>,
}

impl Differ<'_> {
    fn dir(&self, ty: &str) -> Direction {
        self.dirs.get(ty).copied().unwrap_or_default()
    }

    fn api(&self, out: &mut Changes) {
        let (old, new) = (self.old, self.new);
        let subject = || "API".to_owned();
        if old.crate_prefix != new.crate_prefix {
            out.push(
                Event::CrateRenamed,
                subject(),
                format!(
                    "crate prefix `{}` → `{}`",
                    old.crate_prefix, new.crate_prefix
                ),
            );
        }
        if old.title != new.title || old.description != new.description {
            out.push(Event::ApiDocs, subject(), "title or description".into());
        }
        if old.version != new.version {
            out.push(
                Event::ApiDocs,
                subject(),
                format!("API version `{}` → `{}`", old.version, new.version),
            );
        }
        if old.base_url != new.base_url {
            out.push(
                Event::BaseUrl,
                subject(),
                format!("base URL `{}` → `{}`", old.base_url, new.base_url),
            );
        }
        if old.base_url_env != new.base_url_env {
            out.push(
                Event::BaseUrlEnv {
                    old: old.base_url_env.clone(),
                },
                subject(),
                format!(
                    "base URL variable {} → {}",
                    show_opt(&old.base_url_env),
                    show_opt(&new.base_url_env)
                ),
            );
        }
        if old.envelope != new.envelope {
            let show = |e: &Option<crate::codegen::ir::Envelope>| match e {
                None => "none".to_owned(),
                Some(e) => format!("result in `{}`", e.result),
            };
            out.push(
                Event::Envelope,
                subject(),
                format!(
                    "response envelope {} → {}",
                    show(&old.envelope),
                    show(&new.envelope)
                ),
            );
        }
        let old_auth: BTreeMap<String, &AuthMethod> =
            old.auth.iter().map(|m| (auth_key(m), m)).collect();
        let new_auth: BTreeMap<String, &AuthMethod> =
            new.auth.iter().map(|m| (auth_key(m), m)).collect();
        for (key, method) in &old_auth {
            match new_auth.get(key) {
                None => out.push(
                    Event::AuthRemoved,
                    "auth".into(),
                    format!("{key} no longer accepted"),
                ),
                Some(other) if without_env(other) != without_env(method) => out.push(
                    Event::AuthChanged,
                    "auth".into(),
                    format!("{key} changed (key names or locations, token URL or scopes)"),
                ),
                Some(other) if *other != *method => {
                    let (was, now) = (method.env_vars(), other.env_vars());
                    out.push(
                        Event::AuthEnv {
                            only_added: was.iter().all(|v| now.contains(v)),
                        },
                        "auth".into(),
                        format!(
                            "{key}: environment variables [{}] → [{}]",
                            was.join(", "),
                            now.join(", ")
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        for key in new_auth.keys() {
            if !old_auth.contains_key(key) {
                out.push(
                    Event::AuthAdded,
                    "auth".into(),
                    format!("{key} accepted as an alternative"),
                );
            }
        }
    }

    fn operations(&self, out: &mut Changes) {
        let new_by_id: HashMap<&str, &Operation> = self
            .new
            .operations
            .iter()
            .map(|op| (op.operation_id.as_str(), op))
            .collect();
        let old_ids: HashSet<&str> = self
            .old
            .operations
            .iter()
            .map(|op| op.operation_id.as_str())
            .collect();
        // Operations whose id changed are matched by method and path.
        let endpoint = |op: &Operation| (op.method.as_str(), op.path.clone());
        let mut new_by_endpoint: HashMap<_, &Operation> = self
            .new
            .operations
            .iter()
            .filter(|op| !old_ids.contains(op.operation_id.as_str()))
            .map(|op| (endpoint(op), op))
            .collect();
        let mut matched_new: HashSet<&str> = HashSet::new();
        for old in &self.old.operations {
            let new = new_by_id
                .get(old.operation_id.as_str())
                .copied()
                .or_else(|| new_by_endpoint.remove(&endpoint(old)));
            match new {
                Some(new) => {
                    matched_new.insert(new.operation_id.as_str());
                    self.operation(old, new, out);
                }
                None => out.push(
                    Event::OpRemoved(op_name(old)),
                    op_subject(old),
                    "operation removed".into(),
                ),
            }
        }
        for new in &self.new.operations {
            if !matched_new.contains(new.operation_id.as_str()) {
                out.push(
                    Event::OpAdded(op_name(new)),
                    op_subject(new),
                    "operation added".into(),
                );
            }
        }
    }

    fn operation(&self, old: &Operation, new: &Operation, out: &mut Changes) {
        let (on, nn) = (op_name(old), op_name(new));
        let subject = op_subject(new);
        if on.call != nn.call || on.rust_name != nn.rust_name {
            let summary = if old.operation_id == new.operation_id {
                "Rust name changed".to_owned()
            } else {
                format!(
                    "operation id `{}` → `{}`",
                    old.operation_id, new.operation_id
                )
            };
            out.push(
                Event::OpRenamed {
                    old: on.clone(),
                    new: nn.clone(),
                },
                subject.clone(),
                summary,
            );
        }
        if old.path != new.path {
            out.push(
                Event::Path(nn.clone()),
                subject.clone(),
                format!("path `{}` → `{}`", old.path, new.path),
            );
        }
        if old.method != new.method {
            out.push(
                Event::Method(nn.clone()),
                subject.clone(),
                format!("method {} → {}", old.method.as_str(), new.method.as_str()),
            );
        }
        if old.security != new.security {
            // Compared by scheme: indices move when schemes are added.
            use crate::codegen::ir::Security;
            let accepted = |api: &Api, op: &Operation| -> Option<Vec<String>> {
                match &op.security {
                    Security::Any => Some(api.auth.iter().map(auth_key).collect()),
                    Security::None => None,
                    Security::Alternatives(indices) => Some(
                        indices
                            .iter()
                            .filter_map(|i| api.auth.get(*i).map(auth_key))
                            .collect(),
                    ),
                }
            };
            let (was, now) = (accepted(self.old, old), accepted(self.new, new));
            if was != now {
                let wire = match (&was, &now) {
                    // Credentials the server no longer needs are ignored.
                    (_, None) => Level::Additive,
                    (None, Some(_)) => Level::Breaking,
                    (Some(was), Some(now)) if was.iter().all(|w| now.contains(w)) => {
                        Level::Additive
                    }
                    _ => Level::Breaking,
                };
                let show = |s: &Option<Vec<String>>| {
                    s.as_ref().map_or("none".to_owned(), |v| v.join(" or "))
                };
                out.push(
                    Event::OpSecurity {
                        op: nn.clone(),
                        wire,
                    },
                    subject.clone(),
                    format!("security {} → {}", show(&was), show(&now)),
                );
            }
        }
        if old.deprecated != new.deprecated {
            out.push(
                Event::Deprecated {
                    op: nn.clone(),
                    now: new.deprecated,
                },
                subject.clone(),
                if new.deprecated {
                    "deprecated".into()
                } else {
                    "no longer deprecated".into()
                },
            );
        }
        if old.docs != new.docs {
            out.push(
                Event::OpDocs(nn.clone()),
                subject.clone(),
                "description".into(),
            );
        }
        let pair = OpPair {
            old,
            new,
            nn: &nn,
            subject: &subject,
        };
        self.params(&pair, out);
        self.body(&pair, out);
        self.output(&pair, out);
        self.pagination(&pair, out);
    }

    fn params(&self, pair: &OpPair<'_>, out: &mut Changes) {
        let (old, new, nn, subject) = pair.parts();
        let tagged = |op: &Operation| -> Vec<(bool, Param)> {
            op.required_params
                .iter()
                .map(|p| (true, p.clone()))
                .chain(op.optional_params.iter().map(|p| (false, p.clone())))
                .collect()
        };
        let old_params = tagged(old);
        let new_params = tagged(new);
        // A parameter is the same one when its name and location match, or
        // when only one side has a parameter of that name (it moved).
        let find = |list: &[(bool, Param)], other: &[(bool, Param)], p: &Param| {
            list.iter()
                .find(|(_, q)| q.wire_name == p.wire_name && q.location == p.location)
                .or_else(|| {
                    let named = |l: &[(bool, Param)]| {
                        l.iter().filter(|(_, q)| q.wire_name == p.wire_name).count()
                    };
                    if named(list) == 1 && named(other) == 1 {
                        list.iter().find(|(_, q)| q.wire_name == p.wire_name)
                    } else {
                        None
                    }
                })
                .cloned()
        };
        let params_arg_added = !has_params(old) && has_params(new);
        let params_arg_removed = has_params(old) && !has_params(new);
        let location = |p: &Param| format!("{:?}", p.location).to_lowercase();
        for (was_required, op) in &old_params {
            let Some((required, np)) = find(&new_params, &old_params, op) else {
                out.push(
                    Event::ParamRemoved {
                        op: nn.clone(),
                        param: op.rust_name.clone(),
                        required: *was_required,
                        params_arg_removed,
                    },
                    subject.to_owned(),
                    format!(
                        "{} {} parameter `{}` removed",
                        if *was_required {
                            "required"
                        } else {
                            "optional"
                        },
                        location(op),
                        op.wire_name
                    ),
                );
                continue;
            };
            if *was_required != required {
                out.push(
                    Event::ParamRequired {
                        op: nn.clone(),
                        param: np.rust_name.clone(),
                        now: required,
                    },
                    subject.to_owned(),
                    format!(
                        "parameter `{}` {}",
                        np.wire_name,
                        if required {
                            "is now required"
                        } else {
                            "is now optional"
                        }
                    ),
                );
            }
            if op.location != np.location {
                out.push(
                    Event::ParamLocation(nn.clone()),
                    subject.to_owned(),
                    format!(
                        "parameter `{}` moves from {} to {}",
                        np.wire_name,
                        location(op),
                        location(&np)
                    ),
                );
            }
            // A scalar is written the same in every style.
            let compound = matches!(
                np.ty,
                TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::Named(_) | TypeRef::Json
            );
            if op.location == np.location && op.style != np.style && compound {
                // Same value, other bytes: like a move, breaking on the wire
                // only.
                out.push(
                    Event::ParamLocation(nn.clone()),
                    subject.to_owned(),
                    format!(
                        "parameter `{}` is sent in another style ({:?} → {:?})",
                        np.wire_name, op.style, np.style
                    ),
                );
            }
            if op.ty != np.ty {
                let show = |t: &TypeRef, req: bool| {
                    if req {
                        arg_type(t)
                    } else {
                        format!("Option<{}>", rust_type(t))
                    }
                };
                out.push(
                    Event::ParamType {
                        op: nn.clone(),
                        param: np.rust_name.clone(),
                        required,
                        old: show(&op.ty, *was_required),
                        new: show(&np.ty, required),
                        wire: self.compat(&op.ty, &np.ty, Direction::REQUEST),
                    },
                    subject.to_owned(),
                    format!("parameter `{}` type changed", np.wire_name),
                );
            }
            if op.rust_name != np.rust_name {
                out.push(
                    Event::ParamRenamed {
                        op: nn.clone(),
                        old: op.rust_name.clone(),
                        new: np.rust_name.clone(),
                        required,
                    },
                    subject.to_owned(),
                    format!("parameter `{}` has another Rust name", np.wire_name),
                );
            }
            if op.docs != np.docs {
                out.push(
                    Event::ParamDocs(nn.clone()),
                    subject.to_owned(),
                    format!("parameter `{}` description", np.wire_name),
                );
            }
        }
        for (required, np) in &new_params {
            if find(&old_params, &new_params, np).is_none() {
                out.push(
                    Event::ParamAdded {
                        op: nn.clone(),
                        param: np.rust_name.clone(),
                        required: *required,
                        ty: if *required {
                            arg_type(&np.ty)
                        } else {
                            rust_type(&np.ty)
                        },
                        params_arg_added,
                    },
                    subject.to_owned(),
                    format!(
                        "{} {} parameter `{}` added",
                        if *required { "required" } else { "optional" },
                        location(np),
                        np.wire_name
                    ),
                );
            }
        }
        // Required parameters kept on both sides, in argument order.
        let kept = |op: &Operation, other: &Operation| -> Vec<String> {
            op.required_params
                .iter()
                .filter(|p| {
                    other
                        .required_params
                        .iter()
                        .any(|q| q.wire_name == p.wire_name && q.location == p.location)
                })
                .map(|p| p.wire_name.clone())
                .collect()
        };
        let (old_order, new_order) = (kept(old, new), kept(new, old));
        if old_order != new_order {
            out.push(
                Event::ArgumentOrder {
                    op: nn.clone(),
                    old: old_order.join(", "),
                    new: new_order.join(", "),
                },
                subject.to_owned(),
                "required parameters in another order".into(),
            );
        }
    }

    fn body(&self, pair: &OpPair<'_>, out: &mut Changes) {
        let (old, new, nn, subject) = pair.parts();
        let params_arg_added = !has_params(old) && has_params(new);
        match (&old.body, &new.body) {
            (None, None) => {}
            (None, Some(b)) => out.push(
                Event::BodyAdded {
                    op: nn.clone(),
                    required: b.required,
                    ty: rust_type(&b.ty),
                    params_arg_added,
                },
                subject.to_owned(),
                format!(
                    "{} request body added",
                    if b.required { "required" } else { "optional" }
                ),
            ),
            (Some(b), None) => out.push(
                Event::BodyRemoved {
                    op: nn.clone(),
                    required: b.required,
                },
                subject.to_owned(),
                "request body removed".into(),
            ),
            (Some(a), Some(b)) => {
                if a.required != b.required {
                    out.push(
                        Event::BodyRequired {
                            op: nn.clone(),
                            now: b.required,
                        },
                        subject.to_owned(),
                        format!(
                            "request body is now {}",
                            if b.required { "required" } else { "optional" }
                        ),
                    );
                }
                if a.ty != b.ty {
                    out.push(
                        Event::BodyType {
                            op: nn.clone(),
                            old: rust_type(&a.ty),
                            new: rust_type(&b.ty),
                            wire: self.compat(&a.ty, &b.ty, Direction::REQUEST),
                        },
                        subject.to_owned(),
                        "request body type changed".into(),
                    );
                }
                if a.content_type != b.content_type {
                    out.push(
                        Event::BodyContentType(nn.clone()),
                        subject.to_owned(),
                        format!(
                            "request content type `{}` → `{}`",
                            a.content_type, b.content_type
                        ),
                    );
                }
                if a.docs != b.docs {
                    out.push(
                        Event::BodyDocs(nn.clone()),
                        subject.to_owned(),
                        "request body description".into(),
                    );
                }
            }
        }
    }

    fn output(&self, pair: &OpPair<'_>, out: &mut Changes) {
        let (old, new, nn, subject) = pair.parts();
        let (a, b) = (&old.output, &new.output);
        use crate::codegen::ir::OutputShape::{Envelope, Plain};
        let envelope_only = matches!((a.shape, b.shape), (Plain, Envelope) | (Envelope, Plain));
        if a.by_status != b.by_status && a.by_status.is_some() && b.by_status.is_some() {
            // The enum of several successful responses changed (a status,
            // or a variant's type): matching code no longer fits.
            let show = |o: &crate::codegen::ir::Output| {
                let e = o.by_status.as_ref().expect("checked");
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| format!("{} {}({})", v.status, v.rust_name, rust_type(&v.ty)))
                    .collect();
                format!("{} {{ {} }}", e.name, variants.join(", "))
            };
            out.push(
                Event::OutputType {
                    op: nn.clone(),
                    old: show(a),
                    new: show(b),
                    wire: Level::Breaking,
                },
                subject.to_owned(),
                "successful responses changed".into(),
            );
        }
        if a.ty != b.ty {
            out.push(
                Event::OutputType {
                    op: nn.clone(),
                    old: rust_type(&a.ty),
                    new: rust_type(&b.ty),
                    wire: self.output_compat(old, new, envelope_only),
                },
                subject.to_owned(),
                if envelope_only {
                    "response type changed (unwrapped by the envelope)".into()
                } else {
                    "response type changed".into()
                },
            );
        }
        if a.shape != b.shape {
            out.push(
                Event::OutputShape {
                    op: nn.clone(),
                    envelope_only,
                },
                subject.to_owned(),
                format!("response shape {:?} → {:?}", a.shape, b.shape).to_lowercase(),
            );
        }
        if a.meta != b.meta {
            let show = |m: &Option<TypeRef>| m.as_ref().map_or("()".to_owned(), rust_type);
            let wire = match (&a.meta, &b.meta) {
                _ if envelope_only => Level::None,
                (Some(x), Some(y)) => self.compat(x, y, Direction::RESPONSE),
                _ => Level::Breaking,
            };
            out.push(
                Event::MetaType {
                    op: nn.clone(),
                    old: show(&a.meta),
                    new: show(&b.meta),
                    wire,
                },
                subject.to_owned(),
                "response metadata type changed".into(),
            );
        }
    }

    /// Wire compatibility of an operation's output. Across an envelope
    /// change (plain ↔ unwrapped), the envelope's result field of the
    /// plain side is compared with the unwrapped type of the other.
    fn output_compat(&self, old: &Operation, new: &Operation, envelope_only: bool) -> Level {
        let (a, b) = (&old.output.ty, &new.output.ty);
        if !envelope_only {
            return self.compat(a, b, Direction::RESPONSE);
        }
        let result_field = |api: &Api, ty: &TypeRef, result: Option<&str>| -> Option<TypeRef> {
            let TypeRef::Named(name) = ty else {
                return None;
            };
            let Some(TypeKind::Struct(s)) = api.types.get(name).map(|d| &d.kind) else {
                return None;
            };
            let field = s
                .fields
                .iter()
                .find(|f| Some(f.wire_name.as_str()) == result)?;
            Some(field.ty.clone())
        };
        use crate::codegen::ir::OutputShape::Plain;
        let (a, b) = if old.output.shape == Plain {
            let result = self.new.envelope.as_ref().map(|e| e.result.as_str());
            (result_field(self.old, a, result), Some(b.clone()))
        } else {
            let result = self.old.envelope.as_ref().map(|e| e.result.as_str());
            (Some(a.clone()), result_field(self.new, b, result))
        };
        match (a, b) {
            (Some(a), Some(b)) => self.compat(&a, &b, Direction::RESPONSE),
            _ => Level::Breaking,
        }
    }

    fn pagination(&self, pair: &OpPair<'_>, out: &mut Changes) {
        let (old, new, nn, subject) = pair.parts();
        match (&old.pagination, &new.pagination) {
            (None, None) => {}
            (None, Some(_)) => out.push(
                Event::PaginationAdded(nn.clone()),
                subject.to_owned(),
                "pagination added".into(),
            ),
            (Some(_), None) => out.push(
                Event::PaginationRemoved(nn.clone()),
                subject.to_owned(),
                "pagination removed".into(),
            ),
            (Some(a), Some(b)) => {
                let describe = |p: &crate::codegen::ir::Pagination| {
                    let path = surface::field_path;
                    let kind = match &p.kind {
                        PaginationKind::SinglePage => "single page".to_owned(),
                        PaginationKind::PageNumber {
                            page_param,
                            total_pages,
                            ..
                        } => format!(
                            "page numbers in `{page_param}`{}",
                            total_pages
                                .as_ref()
                                .map(|(a, _)| format!(", total in `{}`", a.field))
                                .unwrap_or_default()
                        ),
                        PaginationKind::Cursor {
                            cursor_param,
                            next_cursor,
                        } => format!("cursor `{cursor_param}` from `{}`", path(next_cursor)),
                    };
                    format!("{kind}, items at `{}`", path(&p.items_path))
                };
                let (da, db) = (describe(a), describe(b));
                let item = (a.item != b.item).then(|| (rust_type(&a.item), rust_type(&b.item)));
                if da != db || item.is_some() {
                    out.push(
                        Event::PaginationChanged {
                            op: nn.clone(),
                            item,
                        },
                        subject.to_owned(),
                        if da == db {
                            "paginated item type changed".to_owned()
                        } else {
                            format!("pagination: {da} → {db}")
                        },
                    );
                }
            }
        }
    }

    fn types(&self, out: &mut Changes) {
        for (name, old) in &self.old.types {
            match self.new.types.get(name) {
                None => out.push(
                    Event::TypeRemoved { ty: name.clone() },
                    format!("type {name}"),
                    format!("{} removed", kind_name(&old.kind)),
                ),
                Some(new) => self.type_def(name, old, new, out),
            }
        }
        for (name, new) in &self.new.types {
            if !self.old.types.contains_key(name) {
                out.push(
                    Event::TypeAdded { ty: name.clone() },
                    format!("type {name}"),
                    format!("{} added", kind_name(&new.kind)),
                );
            }
        }
    }

    fn type_def(&self, name: &str, old: &TypeDef, new: &TypeDef, out: &mut Changes) {
        let dir = self.dir(name);
        let subject = format!("type {name}");
        if old.docs != new.docs {
            out.push(
                Event::TypeDocs {
                    ty: name.to_owned(),
                },
                subject.clone(),
                "description".into(),
            );
        }
        match (&old.kind, &new.kind) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => self.fields(name, a, b, dir, out),
            (TypeKind::Enum(a), TypeKind::Enum(b)) => {
                for v in a {
                    match b.iter().find(|w| w.wire_name == v.wire_name) {
                        None => out.push(
                            Event::EnumRemoved {
                                ty: name.to_owned(),
                                value: v.wire_name.clone(),
                                variant: v.rust_name.clone(),
                                dir,
                            },
                            subject.clone(),
                            format!("enum value `{}` removed", v.wire_name),
                        ),
                        Some(w) if w.rust_name != v.rust_name => out.push(
                            Event::EnumRenamed {
                                ty: name.to_owned(),
                                old: v.rust_name.clone(),
                                new: w.rust_name.clone(),
                            },
                            subject.clone(),
                            format!("enum value `{}` has another Rust name", v.wire_name),
                        ),
                        Some(_) => {}
                    }
                }
                for w in b {
                    if !a.iter().any(|v| v.wire_name == w.wire_name) {
                        out.push(
                            Event::EnumAdded {
                                ty: name.to_owned(),
                                value: w.wire_name.clone(),
                                variant: w.rust_name.clone(),
                                dir,
                            },
                            subject.clone(),
                            format!("enum value `{}` added", w.wire_name),
                        );
                    }
                }
                if a.iter().map(|v| &v.docs).ne(b.iter().map(|v| &v.docs)) && a.len() == b.len() {
                    out.push(
                        Event::TypeDocs {
                            ty: name.to_owned(),
                        },
                        subject.clone(),
                        "enum value descriptions".into(),
                    );
                }
            }
            (TypeKind::Union(a), TypeKind::Union(b)) => {
                if a.discriminator != b.discriminator {
                    out.push(
                        Event::Discriminator {
                            ty: name.to_owned(),
                            dir,
                        },
                        subject.clone(),
                        format!(
                            "discriminator {} → {}",
                            show_opt(&a.discriminator),
                            show_opt(&b.discriminator)
                        ),
                    );
                }
                let tagged = b.discriminator.is_some();
                let mut tags_changed = false;
                for v in &a.variants {
                    match b.variants.iter().find(|w| w.rust_name == v.rust_name) {
                        None => out.push(
                            Event::VariantRemoved {
                                ty: name.to_owned(),
                                variant: v.rust_name.clone(),
                                dir,
                            },
                            subject.clone(),
                            format!("variant `{}` removed", v.rust_name),
                        ),
                        Some(w) => {
                            if w.ty != v.ty {
                                out.push(
                                    Event::VariantType {
                                        ty: name.to_owned(),
                                        variant: v.rust_name.clone(),
                                        old: rust_type(&v.ty),
                                        new: rust_type(&w.ty),
                                        wire: self.compat(&v.ty, &w.ty, dir),
                                    },
                                    subject.clone(),
                                    format!("variant `{}` holds another type", v.rust_name),
                                );
                            }
                            tags_changed |= w.tags != v.tags;
                        }
                    }
                }
                for w in &b.variants {
                    if !a.variants.iter().any(|v| v.rust_name == w.rust_name) {
                        out.push(
                            Event::VariantAdded {
                                ty: name.to_owned(),
                                variant: w.rust_name.clone(),
                                tagged,
                                dir,
                            },
                            subject.clone(),
                            format!("variant `{}` added", w.rust_name),
                        );
                    }
                }
                if tags_changed && a.discriminator == b.discriminator {
                    out.push(
                        Event::VariantTags {
                            ty: name.to_owned(),
                            dir,
                        },
                        subject.clone(),
                        "discriminator values changed".into(),
                    );
                }
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) => {
                if a != b {
                    out.push(
                        Event::AliasTarget {
                            ty: name.to_owned(),
                            old: rust_type(a),
                            new: rust_type(b),
                            wire: self.compat(a, b, dir),
                        },
                        subject,
                        "aliased type changed".into(),
                    );
                }
            }
            (a, b) => out.push(
                Event::TypeKind {
                    ty: name.to_owned(),
                    dir,
                },
                subject,
                format!("{} → {}", kind_name(a), kind_name(b)),
            ),
        }
    }

    fn fields(&self, name: &str, a: &Struct, b: &Struct, dir: Direction, out: &mut Changes) {
        let subject = |field: &str| format!("{name}.{field}");
        let had_default = a.fields.iter().all(|f| !f.required || f.nullable);
        let has_default = b.fields.iter().all(|f| !f.required || f.nullable);
        let mut default_reported = false;
        for f in &a.fields {
            let Some(g) = b.fields.iter().find(|g| g.wire_name == f.wire_name) else {
                out.push(
                    Event::FieldRemoved {
                        ty: name.to_owned(),
                        field: f.rust_name.clone(),
                        dir,
                    },
                    subject(&f.wire_name),
                    format!(
                        "{} field removed",
                        if f.required { "required" } else { "optional" }
                    ),
                );
                continue;
            };
            if f.rust_name != g.rust_name {
                out.push(
                    Event::FieldRenamed {
                        ty: name.to_owned(),
                        old: f.rust_name.clone(),
                        new: g.rust_name.clone(),
                    },
                    subject(&g.wire_name),
                    "field has another Rust name".into(),
                );
            }
            if f.required != g.required || f.nullable != g.nullable {
                let what = |x: &Field| {
                    format!(
                        "{}{}",
                        if x.required { "required" } else { "optional" },
                        if x.nullable { ", nullable" } else { "" }
                    )
                };
                out.push(
                    Event::FieldPresence {
                        ty: name.to_owned(),
                        field: g.rust_name.clone(),
                        required: (f.required, g.required),
                        nullable: (f.nullable, g.nullable),
                        old: field_rust_type(f),
                        new: field_rust_type(g),
                        dir,
                    },
                    subject(&g.wire_name),
                    format!("{} → {}", what(f), what(g)),
                );
            }
            if f.ty != g.ty {
                out.push(
                    Event::FieldType {
                        ty: name.to_owned(),
                        field: g.rust_name.clone(),
                        old: field_rust_type(f),
                        new: field_rust_type(g),
                        wire: self.compat(&f.ty, &g.ty, dir),
                    },
                    subject(&g.wire_name),
                    format!("type {} → {}", rust_type(&f.ty), rust_type(&g.ty)),
                );
            }
            if f.docs != g.docs {
                out.push(
                    Event::FieldDocs {
                        ty: name.to_owned(),
                    },
                    subject(&g.wire_name),
                    "description".into(),
                );
            }
        }
        for g in &b.fields {
            if !a.fields.iter().any(|f| f.wire_name == g.wire_name) {
                let loses_default = had_default && !has_default && !default_reported && {
                    g.required && !g.nullable
                };
                default_reported |= loses_default;
                out.push(
                    Event::FieldAdded {
                        ty: name.to_owned(),
                        field: g.rust_name.clone(),
                        required: g.required,
                        nullable: g.nullable,
                        rust_ty: field_rust_type(g),
                        loses_default,
                        dir,
                    },
                    subject(&g.wire_name),
                    format!(
                        "{} field added",
                        if g.required { "required" } else { "optional" }
                    ),
                );
            }
        }
        match (&a.additional, &b.additional) {
            (None, None) => {}
            (None, Some(_)) => out.push(
                Event::AdditionalAdded {
                    ty: name.to_owned(),
                    dir,
                },
                format!("type {name}"),
                "additional properties allowed".into(),
            ),
            (Some(_), None) => out.push(
                Event::AdditionalRemoved {
                    ty: name.to_owned(),
                    dir,
                },
                format!("type {name}"),
                "additional properties no longer kept".into(),
            ),
            (Some(x), Some(y)) if x != y => out.push(
                Event::AdditionalType {
                    ty: name.to_owned(),
                    old: rust_type(x),
                    new: rust_type(y),
                    dir,
                },
                format!("type {name}"),
                "additional properties type changed".into(),
            ),
            _ => {}
        }
    }

    /// Wire compatibility of `b` (new) with `a` (old) for values that
    /// travel in `dir`: `None` for the same JSON, `Additive` when old
    /// clients still work, `Breaking` otherwise. Types of different names
    /// (an inline schema renamed, say) are compared field by field, by the
    /// same rules as [`classify::wire`]; a type of the same name on both
    /// sides counts as unchanged here, since its own changes are reported
    /// under it.
    fn compat(&self, a: &TypeRef, b: &TypeRef, dir: Direction) -> Level {
        let mut assumed = HashSet::new();
        self.compat_in(a, b, dir, &mut assumed)
    }

    fn compat_in(
        &self,
        a: &TypeRef,
        b: &TypeRef,
        dir: Direction,
        assumed: &mut HashSet<(String, String)>,
    ) -> Level {
        if a == b {
            return Level::None;
        }
        let alias = |api: &Api, name: &str| match api.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Alias(t)) => Some(t.clone()),
            _ => None,
        };
        match (a, b) {
            (TypeRef::Named(x), TypeRef::Named(y)) => {
                if !assumed.insert((x.clone(), y.clone())) {
                    return Level::None;
                }
                match (self.old.types.get(x), self.new.types.get(y)) {
                    (Some(dx), Some(dy)) => self.compat_def(dx, dy, dir, assumed),
                    _ => dir.pick(Level::Breaking, Level::Breaking),
                }
            }
            (TypeRef::Named(x), other) => match alias(self.old, x) {
                Some(t) => self.compat_in(&t, other, dir, assumed),
                None => dir.pick(Level::Breaking, Level::Breaking),
            },
            (other, TypeRef::Named(y)) => match alias(self.new, y) {
                Some(t) => self.compat_in(other, &t, dir, assumed),
                None => dir.pick(Level::Breaking, Level::Breaking),
            },
            (TypeRef::Vec(x), TypeRef::Vec(y))
            | (TypeRef::Map(x), TypeRef::Map(y))
            | (TypeRef::Option(x), TypeRef::Option(y)) => self.compat_in(x, y, dir, assumed),
            _ if widening(a, b) => dir.pick(Level::Additive, Level::Breaking),
            _ => dir.pick(Level::Breaking, Level::Breaking),
        }
    }

    fn compat_def(
        &self,
        a: &TypeDef,
        b: &TypeDef,
        dir: Direction,
        assumed: &mut HashSet<(String, String)>,
    ) -> Level {
        use Level::{Additive, Breaking};
        let mut level = Level::None;
        match (&a.kind, &b.kind) {
            (TypeKind::Struct(x), TypeKind::Struct(y)) => {
                for f in &x.fields {
                    let Some(g) = y.fields.iter().find(|g| g.wire_name == f.wire_name) else {
                        level = level.max(dir.pick(Breaking, Breaking));
                        continue;
                    };
                    if f.required != g.required || f.nullable != g.nullable {
                        let stricter = (!f.required && g.required) || (f.nullable && !g.nullable);
                        let looser = (f.required && !g.required) || (!f.nullable && g.nullable);
                        level = level.max(dir.pick(
                            if stricter { Breaking } else { Additive },
                            if looser { Breaking } else { Additive },
                        ));
                    }
                    level = level.max(self.compat_in(&f.ty, &g.ty, dir, assumed));
                }
                for g in &y.fields {
                    if !x.fields.iter().any(|f| f.wire_name == g.wire_name) {
                        level = level
                            .max(dir.pick(if g.required { Breaking } else { Additive }, Additive));
                    }
                }
                level = level.max(match (&x.additional, &y.additional) {
                    (None, None) => Level::None,
                    (None, Some(_)) => Additive,
                    (Some(_), None) => dir.pick(Breaking, Additive),
                    (Some(p), Some(q)) => self.compat_in(p, q, dir, assumed),
                });
            }
            (TypeKind::Enum(x), TypeKind::Enum(y)) => {
                if y.iter()
                    .any(|w| !x.iter().any(|v| v.wire_name == w.wire_name))
                {
                    level = level.max(Additive);
                }
                if x.iter()
                    .any(|v| !y.iter().any(|w| w.wire_name == v.wire_name))
                {
                    level = level.max(dir.pick(Breaking, Additive));
                }
            }
            (TypeKind::Union(x), TypeKind::Union(y)) => {
                if x.discriminator != y.discriminator {
                    return dir.pick(Breaking, Breaking);
                }
                for (i, v) in x.variants.iter().enumerate() {
                    match y.variants.get(i) {
                        Some(w) if w.tags == v.tags => {
                            level = level.max(self.compat_in(&v.ty, &w.ty, dir, assumed));
                        }
                        Some(_) => level = level.max(dir.pick(Breaking, Breaking)),
                        None => level = level.max(dir.pick(Breaking, Additive)),
                    }
                }
                if y.variants.len() > x.variants.len() {
                    let tagged = y.discriminator.is_some();
                    level = level.max(dir.pick(Additive, if tagged { Additive } else { Breaking }));
                }
            }
            (TypeKind::Alias(x), TypeKind::Alias(y)) => {
                level = self.compat_in(x, y, dir, assumed);
            }
            (TypeKind::Alias(x), _) => {
                level = self.compat_in(x, &TypeRef::Named(b.name.clone()), dir, assumed);
            }
            (_, TypeKind::Alias(y)) => {
                level = self.compat_in(&TypeRef::Named(a.name.clone()), y, dir, assumed);
            }
            _ => level = dir.pick(Breaking, Breaking),
        }
        level
    }
}
