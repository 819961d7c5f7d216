//! The rules: every IR change ([`Event`]) classified on the wire and for
//! the Rust API.
//!
//! [`wire`] answers "can a client built from the old spec still talk to a
//! server that implements the new one?". [`rust`] answers "does code that
//! compiled against the old generated crates still compile and behave?",
//! and it depends on how the emitters render the IR: that knowledge lives
//! in [`Rendering`] and in [`rust`] alone, so when the emitters change (as
//! when structs became `#[non_exhaustive]` with constructors and setters)
//! only [`Rendering::TODAY`] and, at most, the few rules that read it change.

use serde::Serialize;

/// How much a change matters, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// No visible effect on this side (the change matters only on the other).
    None,
    /// Documentation only.
    DocsOnly,
    /// Compatible: something new, nothing old stops working.
    Additive,
    /// Something that worked before stops working.
    Breaking,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::DocsOnly => "docs-only",
            Level::Additive => "additive",
            Level::Breaking => "breaking",
        }
    }
}

/// How the emitters render the IR, as far as compatibility is concerned.
/// `emit/models.rs` and `emit/client.rs` are the truth; this mirrors them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendering {
    /// Schema structs can be built with struct literals and matched by
    /// exhaustive patterns: any new field breaks them. When `false`, they are
    /// `#[non_exhaustive]` and built with `new(required fields…)` plus one
    /// setter per other field, so only a new constructor argument (a field
    /// that is required and not nullable) breaks callers.
    pub exhaustive_structs: bool,
    /// `<Op>Params` structs likewise: when `false` they are
    /// `#[non_exhaustive]`, built with `new()` (or `Default`) and setters, so
    /// a new optional parameter or optional body is a new setter.
    pub exhaustive_params: bool,
    /// Optional inputs are set on the call (`.params(…)`, the runtime's
    /// `OptionalParams`), not passed to the client method or to the
    /// operation's `new`: an operation's first optional parameter (or
    /// optional body) adds a `<Op>Params` struct and keeps the method's
    /// signature. When `false`, it adds a `params` argument.
    pub params_on_call: bool,
    /// String enums are `#[non_exhaustive]` (with `Unknown(String)`).
    pub non_exhaustive_enums: bool,
    /// Discriminated unions are `#[non_exhaustive]` (with `Unknown(Value)`).
    pub non_exhaustive_tagged_unions: bool,
    /// Untagged unions (no discriminator) are `#[non_exhaustive]`.
    pub non_exhaustive_untagged_unions: bool,
}

impl Rendering {
    /// What the emitters generate today (`emit/models.rs`: `struct_def`,
    /// `constructor_and_setters`, `params_struct`, `operation`;
    /// `emit/client.rs`: `operation_method`).
    pub const TODAY: Rendering = Rendering {
        exhaustive_structs: false,
        exhaustive_params: false,
        params_on_call: true,
        non_exhaustive_enums: true,
        non_exhaustive_tagged_unions: true,
        non_exhaustive_untagged_unions: true,
    };
}

/// Which side of the wire a named type travels on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Direction {
    /// Sent by the client (parameters, request bodies).
    pub request: bool,
    /// Sent by the server (responses).
    pub response: bool,
}

impl Direction {
    pub const REQUEST: Direction = Direction {
        request: true,
        response: false,
    };
    pub const RESPONSE: Direction = Direction {
        request: false,
        response: true,
    };

    /// The stricter of the request rule and the response rule; `None` for a
    /// type that is not on the wire at all.
    pub fn pick(self, request: Level, response: Level) -> Level {
        let mut level = Level::None;
        if self.request {
            level = level.max(request);
        }
        if self.response {
            level = level.max(response);
        }
        level
    }
}

/// An operation as Rust callers reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpName {
    /// `zero_trust.access.users.list`
    pub call: String,
    /// `UsersList` (in `operations::`)
    pub rust_name: String,
    /// `GET /accounts/{account_id}/users`
    pub endpoint: String,
}

/// One change between two IRs, with what the rules need to know.
#[derive(Debug, Clone)]
pub enum Event {
    ApiAdded,
    ApiRemoved,
    CrateRenamed,
    ApiDocs,
    BaseUrl,
    BaseUrlEnv {
        old: Option<String>,
    },
    AuthAdded,
    AuthRemoved,
    AuthChanged,
    /// Only the environment variables `Client::from_env` reads changed;
    /// `only_added`: none of the old ones went away.
    AuthEnv {
        only_added: bool,
    },
    Envelope,

    OpAdded(OpName),
    OpRemoved(OpName),
    /// Same endpoint, new Rust name or call path.
    OpRenamed {
        old: OpName,
        new: OpName,
    },
    Path(OpName),
    Method(OpName),
    /// The operation's own `security` changed (other credentials, or none):
    /// additive when the new alternatives include every old one.
    OpSecurity {
        op: OpName,
        wire: Level,
    },
    Deprecated {
        op: OpName,
        now: bool,
    },
    OpDocs(OpName),
    /// The method's arguments changed order (same names and types).
    ArgumentOrder {
        op: OpName,
        old: String,
        new: String,
    },
    ParamAdded {
        op: OpName,
        param: String,
        required: bool,
        ty: String,
        /// The operation gets its first optional input: a new `params`
        /// argument.
        params_arg_added: bool,
    },
    ParamRemoved {
        op: OpName,
        param: String,
        required: bool,
        params_arg_removed: bool,
    },
    ParamRequired {
        op: OpName,
        param: String,
        now: bool,
    },
    ParamType {
        op: OpName,
        param: String,
        required: bool,
        old: String,
        new: String,
        /// Wire compatibility of the new type with the old one.
        wire: Level,
    },
    ParamLocation(OpName),
    /// Same parameter, another Rust name (a clash was resolved differently).
    ParamRenamed {
        op: OpName,
        old: String,
        new: String,
        required: bool,
    },
    ParamDocs(OpName),
    BodyAdded {
        op: OpName,
        required: bool,
        ty: String,
        params_arg_added: bool,
    },
    BodyRemoved {
        op: OpName,
        required: bool,
    },
    BodyRequired {
        op: OpName,
        now: bool,
    },
    BodyType {
        op: OpName,
        old: String,
        new: String,
        wire: Level,
    },
    BodyContentType(OpName),
    BodyDocs(OpName),
    OutputType {
        op: OpName,
        old: String,
        new: String,
        wire: Level,
    },
    /// `envelope_only`: plain ↔ envelope (a client-side unwrapping).
    OutputShape {
        op: OpName,
        envelope_only: bool,
    },
    MetaType {
        op: OpName,
        old: String,
        new: String,
        wire: Level,
    },
    PaginationAdded(OpName),
    PaginationRemoved(OpName),
    /// Kind or parameters of the pagination changed; `item` when the item
    /// type changed too (`old` → `new`).
    PaginationChanged {
        op: OpName,
        item: Option<(String, String)>,
    },

    TypeAdded {
        ty: String,
    },
    TypeRemoved {
        ty: String,
    },
    TypeKind {
        ty: String,
        dir: Direction,
    },
    TypeDocs {
        ty: String,
    },
    FieldAdded {
        ty: String,
        field: String,
        required: bool,
        nullable: bool,
        rust_ty: String,
        /// The struct derived `Default` (all fields optional) and no longer does.
        loses_default: bool,
        dir: Direction,
    },
    FieldRemoved {
        ty: String,
        field: String,
        dir: Direction,
    },
    /// Required-ness and/or nullability changed (`old`/`new` Rust types).
    FieldPresence {
        ty: String,
        field: String,
        required: (bool, bool),
        nullable: (bool, bool),
        old: String,
        new: String,
        dir: Direction,
    },
    FieldType {
        ty: String,
        field: String,
        old: String,
        new: String,
        wire: Level,
    },
    FieldRenamed {
        ty: String,
        old: String,
        new: String,
    },
    FieldDocs {
        ty: String,
    },
    AdditionalAdded {
        ty: String,
        dir: Direction,
    },
    AdditionalRemoved {
        ty: String,
        dir: Direction,
    },
    AdditionalType {
        ty: String,
        old: String,
        new: String,
        dir: Direction,
    },
    EnumAdded {
        ty: String,
        value: String,
        variant: String,
        dir: Direction,
    },
    EnumRemoved {
        ty: String,
        value: String,
        variant: String,
        dir: Direction,
    },
    EnumRenamed {
        ty: String,
        old: String,
        new: String,
    },
    VariantAdded {
        ty: String,
        variant: String,
        tagged: bool,
        dir: Direction,
    },
    VariantRemoved {
        ty: String,
        variant: String,
        dir: Direction,
    },
    VariantType {
        ty: String,
        variant: String,
        old: String,
        new: String,
        wire: Level,
    },
    Discriminator {
        ty: String,
        dir: Direction,
    },
    VariantTags {
        ty: String,
        dir: Direction,
    },
    AliasTarget {
        ty: String,
        old: String,
        new: String,
        wire: Level,
    },
}

/// Which generated crates a change touches. The client crates re-export the
/// models crate (`pub use models::{operations, types}`), so whatever touches
/// the models touches all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    All,
    ClientsOnly,
}

/// The wire rule: can an old client still talk to the new server?
pub fn wire(event: &Event) -> Level {
    use Level::{Additive, Breaking, DocsOnly, None};
    match event {
        Event::ApiAdded | Event::AuthAdded | Event::OpAdded(_) => Additive,
        Event::ApiRemoved | Event::OpRemoved(_) => Breaking,
        Event::CrateRenamed | Event::BaseUrlEnv { .. } | Event::OpRenamed { .. } => None,
        Event::AuthEnv { .. } => None,
        Event::ApiDocs | Event::OpDocs(_) | Event::ParamDocs(_) | Event::BodyDocs(_) => DocsOnly,
        Event::TypeDocs { .. } | Event::FieldDocs { .. } => DocsOnly,
        Event::Deprecated { .. } => DocsOnly,
        // Old clients call the old address, path or method, or send
        // credentials the server no longer accepts.
        Event::BaseUrl | Event::AuthRemoved | Event::AuthChanged => Breaking,
        Event::Path(_) | Event::Method(_) | Event::ParamLocation(_) => Breaking,
        Event::OpSecurity { wire, .. } => *wire,
        // `x-apigen.envelope` is a generator setting: the server sends the
        // same JSON, only the client unwraps it differently.
        Event::Envelope => None,
        Event::OutputShape { envelope_only, .. } => {
            if *envelope_only {
                None
            } else {
                Breaking
            }
        }
        Event::BodyContentType(_) => Breaking,
        Event::ArgumentOrder { .. }
        | Event::FieldRenamed { .. }
        | Event::EnumRenamed { .. }
        | Event::ParamRenamed { .. } => None,
        Event::ParamAdded { required, .. } | Event::BodyAdded { required, .. } => {
            if *required {
                Breaking
            } else {
                Additive
            }
        }
        // What the old client sends is ignored (or rejected): conservative.
        Event::ParamRemoved { .. } | Event::BodyRemoved { .. } => Breaking,
        Event::ParamRequired { now, .. } | Event::BodyRequired { now, .. } => {
            if *now {
                Breaking
            } else {
                Additive
            }
        }
        // Old and new type compared structurally, in the direction(s) the
        // value travels, by the same rules as the field and value events.
        Event::ParamType { wire, .. }
        | Event::BodyType { wire, .. }
        | Event::OutputType { wire, .. }
        | Event::MetaType { wire, .. }
        | Event::FieldType { wire, .. }
        | Event::AliasTarget { wire, .. }
        | Event::VariantType { wire, .. } => *wire,
        // Pagination is how the client walks pages; the requests are the same.
        Event::PaginationAdded(_) => Additive,
        Event::PaginationRemoved(_) => None,
        // The old client walks pages the old way (another parameter, another
        // cursor field): it loops, stops early or repeats.
        Event::PaginationChanged { .. } => Breaking,
        // A type alone is not on the wire; its uses are reported separately.
        Event::TypeAdded { .. } | Event::TypeRemoved { .. } => None,
        Event::TypeKind { dir, .. } => dir.pick(Breaking, Breaking),
        Event::FieldAdded { required, dir, .. } => {
            dir.pick(if *required { Breaking } else { Additive }, Additive)
        }
        // Request: the server ignores what old clients send. Response: a
        // required field is missing (decoding fails) or an optional one is
        // always `None` (data silently gone): both break old clients.
        Event::FieldRemoved { dir, .. } => dir.pick(Breaking, Breaking),
        Event::FieldPresence {
            required,
            nullable,
            dir,
            ..
        } => {
            // Request: stricter when newly required or no longer nullable.
            let request = if (!required.0 && required.1) || (nullable.0 && !nullable.1) {
                Breaking
            } else {
                Additive
            };
            // Response: looser when no longer required or newly nullable.
            let response = if (required.0 && !required.1) || (!nullable.0 && nullable.1) {
                Breaking
            } else {
                Additive
            };
            dir.pick(request, response)
        }
        Event::AdditionalAdded { dir, .. } => dir.pick(Additive, Additive),
        Event::AdditionalRemoved { dir, .. } => dir.pick(Breaking, Additive),
        Event::AdditionalType { dir, .. } => dir.pick(Breaking, Breaking),
        // Enums are open (`Unknown(String)`): a new value decodes on old clients.
        Event::EnumAdded { dir, .. } => dir.pick(Additive, Additive),
        Event::EnumRemoved { dir, .. } => dir.pick(Breaking, Additive),
        // Discriminated unions keep unknown tags (`Unknown(Value)`); untagged
        // ones fail on a shape none of the old variants accepts.
        Event::VariantAdded { tagged, dir, .. } => {
            dir.pick(Additive, if *tagged { Additive } else { Breaking })
        }
        Event::VariantRemoved { dir, .. } => dir.pick(Breaking, Additive),
        Event::Discriminator { dir, .. } | Event::VariantTags { dir, .. } => {
            dir.pick(Breaking, Breaking)
        }
    }
}

fn ops_call(op: &OpName) -> String {
    format!("`{}()`", op.call)
}

/// The Rust rule: the level, the concrete consequence for callers, and the
/// crates it touches.
pub fn rust(event: &Event, r: &Rendering) -> (Level, String, Scope) {
    use Level::{Additive, Breaking, DocsOnly, None};
    let all = |level: Level, text: String| (level, text, Scope::All);
    match event {
        Event::ApiAdded => all(Additive, "new crates".into()),
        Event::ApiRemoved => all(Breaking, "the crates are no longer generated".into()),
        Event::CrateRenamed => all(Breaking, "every crate is renamed".into()),
        Event::ApiDocs => all(DocsOnly, "crate documentation".into()),
        Event::BaseUrl => (
            None,
            "`PROFILE.default_base_url` changes; no API change".into(),
            Scope::ClientsOnly,
        ),
        Event::BaseUrlEnv { old } => (
            if old.is_some() { Breaking } else { Additive },
            "`Client::from_env` reads the base URL from another environment variable".into(),
            Scope::ClientsOnly,
        ),
        Event::AuthEnv { only_added } => (
            if *only_added { Additive } else { Breaking },
            if *only_added {
                "`Client::from_env` also reads the new variables".into()
            } else {
                "`Client::from_env` no longer reads a variable it used to".into()
            },
            Scope::ClientsOnly,
        ),
        Event::AuthAdded | Event::AuthRemoved | Event::AuthChanged => (
            None,
            "`PROFILE.auth` changes (what `Client::from_env` reads); no API change".into(),
            Scope::ClientsOnly,
        ),
        Event::Envelope | Event::OutputShape { .. } | Event::BodyContentType(_) => all(
            None,
            "decoding changes inside the runtime; no API change".into(),
        ),
        Event::OpAdded(op) => all(
            Additive,
            format!("{} and `operations::{}` added", ops_call(op), op.rust_name),
        ),
        Event::OpRemoved(op) => all(
            Breaking,
            format!(
                "{} and `operations::{}` removed",
                ops_call(op),
                op.rust_name
            ),
        ),
        Event::OpRenamed { old, new } => all(
            Breaking,
            format!(
                "{} (`operations::{}`) is now {} (`operations::{}`)",
                ops_call(old),
                old.rust_name,
                ops_call(new),
                new.rust_name
            ),
        ),
        Event::Path(op)
        | Event::Method(op)
        | Event::ParamLocation(op)
        | Event::OpSecurity { op, .. } => all(
            DocsOnly,
            format!(
                "{} sends the new request; only its docs change",
                ops_call(op)
            ),
        ),
        Event::Deprecated { op, now: true } => all(
            Additive,
            format!(
                "{} is `#[deprecated]` (a warning, not an error)",
                ops_call(op)
            ),
        ),
        Event::Deprecated { op, now: false } => all(
            DocsOnly,
            format!("{} is no longer deprecated", ops_call(op)),
        ),
        Event::OpDocs(_) | Event::ParamDocs(_) | Event::BodyDocs(_) => {
            all(DocsOnly, "documentation".into())
        }
        Event::TypeDocs { .. } | Event::FieldDocs { .. } => all(DocsOnly, "documentation".into()),
        Event::ArgumentOrder { op, old, new } => all(
            Breaking,
            format!("{} arguments `({old})` → `({new})`", ops_call(op)),
        ),
        Event::ParamAdded {
            op,
            param,
            required: true,
            ty,
            ..
        } => all(
            Breaking,
            format!(
                "{} and `{}::new` gain required argument `{param}: {ty}`",
                ops_call(op),
                op.rust_name
            ),
        ),
        Event::ParamAdded {
            op,
            param,
            required: false,
            ty,
            params_arg_added,
        } => {
            if *params_arg_added && r.params_on_call {
                all(
                    Additive,
                    format!(
                        "`{}Params` (new, with `{param}: Option<{ty}>`), set with `.params(…)` on the call of {}",
                        op.rust_name,
                        ops_call(op)
                    ),
                )
            } else if *params_arg_added {
                all(
                    Breaking,
                    format!(
                        "{} gains argument `params: {}Params` (new, with `{param}`)",
                        ops_call(op),
                        op.rust_name
                    ),
                )
            } else if r.exhaustive_params {
                all(
                    Breaking,
                    format!(
                        "`{}Params::{param}: Option<{ty}>` added (with a setter); struct literals of `{}Params` without `..Default::default()` break",
                        op.rust_name, op.rust_name
                    ),
                )
            } else {
                all(
                    Additive,
                    format!(
                        "`{}Params::{param}: Option<{ty}>` added, with setter `.{param}(…)`",
                        op.rust_name
                    ),
                )
            }
        }
        Event::ParamRemoved {
            op,
            param,
            required,
            params_arg_removed,
        } => {
            let mut text = if *required {
                format!("{} loses argument `{param}`", ops_call(op))
            } else {
                format!("`{}Params::{param}` removed", op.rust_name)
            };
            if *params_arg_removed && r.params_on_call {
                text.push_str(&format!(
                    "; `{}Params` is gone, and with it `.params(…)` on the call",
                    op.rust_name
                ));
            } else if *params_arg_removed {
                text.push_str(&format!("; {} loses its `params` argument", ops_call(op)));
            }
            all(Breaking, text)
        }
        Event::ParamRenamed {
            op,
            old,
            new,
            required,
        } => all(
            Breaking,
            if *required {
                format!("`{}::{old}` renamed to `{new}`", op.rust_name)
            } else {
                format!(
                    "`{}Params::{old}` renamed to `{new}` (and its setter)",
                    op.rust_name
                )
            },
        ),
        Event::ParamRequired { op, param, now } => all(
            Breaking,
            if *now {
                format!(
                    "`{param}` moves from `{}Params` to a required argument of {}",
                    op.rust_name,
                    ops_call(op)
                )
            } else {
                format!(
                    "`{param}` moves from an argument of {} to `{}Params`",
                    ops_call(op),
                    op.rust_name
                )
            },
        ),
        Event::ParamType {
            op,
            param,
            required,
            old,
            new,
            ..
        } => all(
            Breaking,
            if *required {
                format!("{} argument `{param}`: `{old}` → `{new}`", ops_call(op))
            } else {
                format!("`{}Params::{param}`: `{old}` → `{new}`", op.rust_name)
            },
        ),
        Event::BodyAdded {
            op,
            required,
            ty,
            params_arg_added,
        } => {
            let text = if *required {
                format!("{} gains required argument `body: {ty}`", ops_call(op))
            } else if *params_arg_added && r.params_on_call {
                format!(
                    "`{}Params` (new, with `body: Option<{ty}>`), set with `.params(…)` on the call of {}",
                    op.rust_name,
                    ops_call(op)
                )
            } else if *params_arg_added {
                format!(
                    "{} gains argument `params: {}Params` (new, with `body`)",
                    ops_call(op),
                    op.rust_name
                )
            } else {
                format!(
                    "`{}Params::body: Option<{ty}>` added, with setter `.body(…)`",
                    op.rust_name
                )
            };
            let level = if !*required
                && (if *params_arg_added {
                    r.params_on_call
                } else {
                    !r.exhaustive_params
                }) {
                Additive
            } else {
                Breaking
            };
            all(level, text)
        }
        Event::BodyRemoved { op, .. } => all(Breaking, format!("{} loses its body", ops_call(op))),
        Event::BodyRequired { op, now } => all(
            Breaking,
            if *now {
                format!(
                    "the body moves from `{}Params::body` to an argument of {}",
                    op.rust_name,
                    ops_call(op)
                )
            } else {
                format!(
                    "the body moves from an argument of {} to `{}Params::body`",
                    ops_call(op),
                    op.rust_name
                )
            },
        ),
        Event::BodyType { op, old, new, .. } => {
            all(Breaking, format!("{} body `{old}` → `{new}`", ops_call(op)))
        }
        Event::OutputType { op, old, new, .. } => all(
            Breaking,
            format!("{} returns `{new}` instead of `{old}`", ops_call(op)),
        ),
        Event::MetaType { op, old, new, .. } => all(
            Breaking,
            format!("`{}` metadata `{old}` → `{new}`", op.rust_name),
        ),
        Event::PaginationAdded(op) => all(
            Additive,
            format!(
                "`{}` implements `Paginated`: `.items()` on {}",
                op.rust_name,
                ops_call(op)
            ),
        ),
        Event::PaginationRemoved(op) => all(
            Breaking,
            format!(
                "`{}` no longer implements `Paginated` (no `.items()`)",
                op.rust_name
            ),
        ),
        Event::PaginationChanged { op, item } => match item {
            Some((old, new)) => all(
                Breaking,
                format!(
                    "`.items()` of {} yields `{new}` instead of `{old}`",
                    ops_call(op)
                ),
            ),
            Option::None => all(
                None,
                format!(
                    "`.items()` of {} walks pages the new way; no API change",
                    ops_call(op)
                ),
            ),
        },
        Event::TypeAdded { ty } => all(Additive, format!("`types::{ty}` added")),
        Event::TypeRemoved { ty } => all(Breaking, format!("`types::{ty}` removed")),
        Event::TypeKind { ty, .. } => all(Breaking, format!("`{ty}` is a different kind of type")),
        Event::FieldAdded {
            ty,
            field,
            required,
            nullable,
            rust_ty,
            loses_default,
            ..
        } => {
            let what = if *required { "required" } else { "optional" };
            let mut text = format!("`{ty}` gains {what} field `{field}: {rust_ty}`");
            if *loses_default {
                text.push_str(" and no longer implements `Default`");
            }
            // Required and not nullable: there is no `None` to start from,
            // so the constructor takes it.
            let constructor_arg = *required && !*nullable;
            if r.exhaustive_structs {
                text.push_str(&format!(
                    "; struct literals and exhaustive patterns of `{ty}` break"
                ));
                all(Breaking, text)
            } else if constructor_arg || *loses_default {
                text.push_str(&format!("; `{ty}::new` gains argument `{field}`"));
                all(Breaking, text)
            } else {
                text.push_str(&format!(" and setter `.{field}(…)`"));
                all(Additive, text)
            }
        }
        Event::FieldRemoved { ty, field, .. } => all(Breaking, format!("`{ty}::{field}` removed")),
        Event::FieldPresence {
            ty,
            field,
            old,
            new,
            ..
        } => {
            if old == new {
                all(
                    None,
                    format!("`{ty}::{field}` stays `{new}`; only its serialization changes"),
                )
            } else {
                all(Breaking, format!("`{ty}::{field}` type `{old}` → `{new}`"))
            }
        }
        Event::FieldType {
            ty,
            field,
            old,
            new,
            ..
        } => all(Breaking, format!("`{ty}::{field}` type `{old}` → `{new}`")),
        Event::FieldRenamed { ty, old, new } => {
            all(Breaking, format!("`{ty}::{old}` renamed to `{new}`"))
        }
        Event::AdditionalAdded { ty, .. } => all(
            if r.exhaustive_structs {
                Breaking
            } else {
                Additive
            },
            format!("`{ty}` gains field `additional_properties` (unknown keys)"),
        ),
        Event::AdditionalRemoved { ty, .. } => {
            all(Breaking, format!("`{ty}::additional_properties` removed"))
        }
        Event::AdditionalType { ty, old, new, .. } => all(
            Breaking,
            format!("`{ty}::additional_properties` values `{old}` → `{new}`"),
        ),
        Event::EnumAdded {
            ty, value, variant, ..
        } => {
            if r.non_exhaustive_enums {
                all(
                    Additive,
                    format!(
                        "`{ty}::{variant}` added (`#[non_exhaustive]`); `\"{value}\"` used to decode as `{ty}::Unknown`"
                    ),
                )
            } else {
                all(
                    Breaking,
                    format!("`{ty}::{variant}` added; exhaustive matches break"),
                )
            }
        }
        Event::EnumRemoved { ty, variant, .. } => {
            all(Breaking, format!("`{ty}::{variant}` removed"))
        }
        Event::EnumRenamed { ty, old, new } => {
            all(Breaking, format!("`{ty}::{old}` renamed to `{new}`"))
        }
        Event::VariantAdded {
            ty,
            variant,
            tagged,
            ..
        } => {
            let non_exhaustive = if *tagged {
                r.non_exhaustive_tagged_unions
            } else {
                r.non_exhaustive_untagged_unions
            };
            if non_exhaustive {
                all(
                    Additive,
                    format!("`{ty}::{variant}` added (`#[non_exhaustive]`)"),
                )
            } else {
                all(
                    Breaking,
                    format!("`{ty}::{variant}` added; exhaustive matches of `{ty}` break"),
                )
            }
        }
        Event::VariantRemoved { ty, variant, .. } => {
            all(Breaking, format!("`{ty}::{variant}` removed"))
        }
        Event::VariantType {
            ty,
            variant,
            old,
            new,
            ..
        } => all(
            Breaking,
            format!("`{ty}::{variant}` holds `{new}` instead of `{old}`"),
        ),
        Event::Discriminator { ty, .. } | Event::VariantTags { ty, .. } => {
            all(None, format!("`{ty}` decodes by other tags; no API change"))
        }
        Event::AliasTarget { ty, old, new, .. } => all(
            Breaking,
            format!("`types::{ty}` = `{new}` instead of `{old}`"),
        ),
    }
}
