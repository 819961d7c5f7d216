//! The intermediate representation between the spec and the emitters.
//!
//! Everything here is already resolved: `$ref`s followed, `allOf` merged,
//! inline schemas named, and every Rust identifier the output contains
//! chosen and de-duplicated (see `naming::settle`). Emitters read this and
//! never look at the spec again, nor invent a name.

use std::collections::BTreeMap;

use super::diagnostics::Diagnostic;

/// One API: everything generated from one spec file.
#[derive(Debug, Clone)]
pub struct Api {
    /// Spec file name as shown in `@generated` headers (`spec/x.yaml`).
    pub source: String,
    /// Crate name prefix: crates are `<prefix>-models`, `-client`, `-blocking`.
    pub crate_prefix: String,
    pub title: String,
    pub description: Option<String>,
    pub version: String,
    pub base_url: String,
    pub base_url_env: Option<String>,
    pub envelope: Option<Envelope>,
    /// Security alternatives, in preference order.
    pub auth: Vec<AuthMethod>,
    /// Named types by Rust name (sorted, so output order is stable).
    pub types: BTreeMap<String, TypeDef>,
    /// Operations sorted by Rust name.
    pub operations: Vec<Operation>,
    /// Client resource type name of every resource path, prefixes included
    /// (`["zero_trust", "access"]` → `ZeroTrustAccess`).
    pub resource_types: BTreeMap<Vec<String>, String>,
    /// Constructs that were degraded, with their location.
    pub warnings: Vec<Diagnostic>,
    /// Operations that could not be generated, with the reason.
    pub skipped: Vec<Diagnostic>,
}

/// Field names of a response envelope (`x-apigen.envelope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub result: String,
    pub meta: Option<String>,
    pub success: Option<String>,
    pub errors: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    Bearer {
        scheme: String,
        env: Option<String>,
    },
    ApiKeys {
        schemes: Vec<String>,
        keys: Vec<ApiKey>,
    },
    OAuth2ClientCredentials {
        scheme: String,
        token_url: String,
        client_id_env: Option<String>,
        client_secret_env: Option<String>,
        scopes: Vec<String>,
    },
    /// HTTP basic: a user name and password.
    Basic {
        scheme: String,
        user_env: Option<String>,
        password_env: Option<String>,
    },
    /// A token the caller obtains (OAuth2 flows other than client
    /// credentials, OpenID Connect), sent as a bearer token.
    AccessToken {
        scheme: String,
        env: Option<String>,
    },
}

impl AuthMethod {
    /// The environment variables `from_env` reads for this method.
    pub fn env_vars(&self) -> Vec<String> {
        match self {
            AuthMethod::Bearer { env, .. } | AuthMethod::AccessToken { env, .. } => {
                env.iter().cloned().collect()
            }
            AuthMethod::Basic {
                user_env,
                password_env,
                ..
            } => user_env.iter().chain(password_env).cloned().collect(),
            AuthMethod::ApiKeys { keys, .. } => keys.iter().filter_map(|k| k.env.clone()).collect(),
            AuthMethod::OAuth2ClientCredentials {
                client_id_env,
                client_secret_env,
                ..
            } => client_id_env
                .iter()
                .chain(client_secret_env)
                .cloned()
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub scheme: String,
    pub place: KeyPlace,
    pub name: String,
    pub env: Option<String>,
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    Header,
    Query,
    Cookie,
}

/// Which of the API's auth methods an operation accepts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Security {
    /// Any of them (the top-level `security`, when it names every method).
    #[default]
    Any,
    /// `security: []`: no credentials are sent.
    None,
    /// These alternatives: indices into `Api::auth`, in preference order.
    Alternatives(Vec<usize>),
}

/// Rustdoc text: a list of paragraphs-as-lines, already trimmed.
pub type Docs = Option<String>;

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    /// Module of `types::` that holds it (`user_status`).
    pub module: String,
    pub docs: Docs,
    /// JSON pointer of the schema this type came from.
    pub origin: String,
    pub kind: TypeKind,
}

impl TypeDef {
    /// The types this definition's fields, variants or alias refer to.
    pub fn type_refs(&self) -> Vec<&TypeRef> {
        match &self.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| &f.ty)
                .chain(s.additional.as_ref())
                .collect(),
            TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
            TypeKind::Alias(ty) => vec![ty],
            TypeKind::Enum(_) => Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum; `Unknown(String)` keeps values this version does not know.
    Enum(Vec<EnumVariant>),
    /// `oneOf` / `anyOf`.
    Union(Union),
    /// A named alias of another type (`type X = Y;`).
    Alias(TypeRef),
}

#[derive(Debug, Clone, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties` with a schema: extra keys kept in a map.
    pub additional: Option<TypeRef>,
    /// Name of the field holding `additional` (unused without it).
    pub additional_field: String,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub rust_name: String,
    pub wire_name: String,
    pub docs: Docs,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// Boxed to break a recursive cycle.
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct EnumVariant {
    pub rust_name: String,
    pub wire_name: String,
    pub docs: Docs,
}

#[derive(Debug, Clone)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// The discriminator property. When set, every variant has tags and
    /// decoding picks the variant by the property's value; otherwise the
    /// variants are tried in order (serde `untagged`).
    pub discriminator: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    pub boxed: bool,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    DateTime,
    /// Any JSON value (free-form or unknown schemas).
    Json,
    /// `()`: a response with no content.
    Unit,
    /// Raw bytes: a request body in a media type other than JSON.
    Bytes,
    /// A file part of a multipart body (`apigen_runtime::FilePart`).
    File,
    /// A nullable value (only while lowering; fields record it as `nullable`).
    Option(Box<TypeRef>),
    Named(String),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
}

impl TypeRef {
    /// A file or a list of files: sent as multipart file parts only, never
    /// as JSON.
    pub fn is_file(&self) -> bool {
        match self {
            TypeRef::File => true,
            TypeRef::Vec(inner) => **inner == TypeRef::File,
            _ => false,
        }
    }

    /// The named type this refers to, through lists, maps and options.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) => inner.named(),
            _ => None,
        }
    }

    /// A short human description (`list of string`), for docs and messages.
    pub fn describe(&self) -> String {
        match self {
            TypeRef::String => "string".into(),
            TypeRef::Bool => "boolean".into(),
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "integer".into(),
            TypeRef::F32 | TypeRef::F64 => "number".into(),
            TypeRef::DateTime => "RFC 3339 timestamp".into(),
            TypeRef::Json => "JSON value".into(),
            TypeRef::Unit => "nothing".into(),
            TypeRef::Bytes => "raw bytes".into(),
            TypeRef::File => "file".into(),
            TypeRef::Named(n) => format!("[`{n}`](crate::types::{n})"),
            TypeRef::Vec(inner) => format!("list of {}", inner.describe()),
            TypeRef::Map(inner) => format!("map of {}", inner.describe()),
            TypeRef::Option(inner) => format!("{} or null", inner.describe()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub operation_id: String,
    /// Struct name of the operation (`UsersList`).
    pub rust_name: String,
    /// Module name in `operations::` (`users_list`).
    pub module: String,
    pub method: Method,
    pub path: String,
    pub docs: Docs,
    pub deprecated: bool,
    /// Resource path in the client (`["zero_trust", "access", "users"]`).
    pub resource: Vec<String>,
    /// Method name on the resource (`list`).
    pub method_name: String,
    /// Required parameters in argument order: path first (in template
    /// order), then required query and header parameters.
    pub required_params: Vec<Param>,
    /// Optional parameters: fields of the params struct.
    pub optional_params: Vec<Param>,
    /// Name of the params struct (`UsersListParams`): set when there are
    /// optional parameters or an optional body.
    pub params_struct: Option<String>,
    pub body: Option<RequestBody>,
    pub output: Output,
    pub pagination: Option<Pagination>,
    /// The auth methods the operation accepts.
    pub security: Security,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
    Trace,
}

impl Method {
    /// The method as sent on the wire (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    /// Sent in the `Cookie` header.
    Cookie,
}

/// OpenAPI's `style` with its `explode` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Query and cookie default (exploded); also form bodies.
    Form {
        explode: bool,
    },
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// Path and header default (not exploded).
    Simple {
        explode: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Param {
    pub rust_name: String,
    pub wire_name: String,
    pub location: ParamLocation,
    pub docs: Docs,
    pub ty: TypeRef,
    /// The spec's example value, as text, for doc examples.
    pub example: Option<String>,
    /// How the value is serialized (the location's default unless the
    /// spec says otherwise).
    pub style: Style,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    /// The type of the first (preferred) media type.
    pub ty: TypeRef,
    /// `application/json`, or the first media type.
    pub content_type: String,
    /// How the first media type is encoded.
    pub kind: BodyKind,
    pub required: bool,
    pub docs: Docs,
    /// Every media type the operation accepts, preferred first; with more
    /// than one, the body is the enum named `choice` (one variant each).
    pub alternatives: Vec<BodyContent>,
    /// Name of the body enum in `operations::`, settled by naming when
    /// there are several media types.
    pub choice: Option<String>,
}

/// One media type of a request body.
#[derive(Debug, Clone)]
pub struct BodyContent {
    /// Variant name in the body enum (`Json`, `Form`, `Multipart`, …).
    pub variant: String,
    pub ty: TypeRef,
    pub content_type: String,
    pub kind: BodyKind,
}

/// How a request body is put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    /// `application/x-www-form-urlencoded`: properties with a `style` in the
    /// `encoding` object (wire name, style).
    Form {
        styles: Vec<(String, Style)>,
    },
    /// `multipart/form-data`: one entry per property of the body struct.
    Multipart {
        fields: Vec<MultipartField>,
    },
    /// Bytes sent as they are (`application/octet-stream`, images, …).
    Binary,
    /// A UTF-8 string (`text/*`, XML).
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartField {
    pub rust_name: String,
    pub wire_name: String,
    /// Holds `FilePart`s (`format: binary`).
    pub file: bool,
    /// The `encoding` object's `contentType`.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Type of the decoded result (`TypeRef::Unit` when there is no body,
    /// and for `ByStatus`, whose types are the variants').
    pub ty: TypeRef,
    /// Type of the envelope's metadata, when the API wraps responses.
    pub meta: Option<TypeRef>,
    pub shape: OutputShape,
    /// For `ByStatus`: the enum of the successful responses.
    pub by_status: Option<StatusEnum>,
    /// The type of error bodies: the `default` response's JSON schema.
    pub error: Option<TypeRef>,
    /// The `Accept` header, when a successful response is not JSON: the
    /// media types of the successful responses, then `application/json`
    /// (for error bodies).
    pub accept: Option<String>,
}

impl Output {
    /// Every type the output mentions (the result, the metadata, the
    /// variants of a `ByStatus` enum).
    pub fn type_refs(&self) -> Vec<&TypeRef> {
        let mut refs = vec![&self.ty];
        refs.extend(self.meta.iter());
        if let Some(e) = &self.by_status {
            refs.extend(e.variants.iter().map(|v| &v.ty));
        }
        refs.extend(self.error.iter());
        refs
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputShape {
    Plain,
    Envelope,
    Empty,
    /// A binary body, handed over as `Bytes`.
    Raw,
    /// A `text/*` body, handed over as a `String`.
    Text,
    /// Several successful responses: an enum with a variant per status.
    ByStatus,
}

/// The enum of an operation with several successful responses, in
/// `operations::` beside the operation struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEnum {
    /// Its name (settled by `naming::settle`).
    pub name: String,
    /// One variant per declared status, in status order.
    pub variants: Vec<StatusVariant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusVariant {
    /// `201`, or `2XX`.
    pub status: String,
    /// `Created`.
    pub rust_name: String,
    pub body: ResponseBodyKind,
    /// The type held (`TypeRef::Unit` for an empty body; `TypeRef::String`
    /// for text, `TypeRef::Bytes` for binary).
    pub ty: TypeRef,
    pub docs: Docs,
}

/// How a response body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseBodyKind {
    Json,
    Text,
    Binary,
    Empty,
}

#[derive(Debug, Clone)]
pub struct Pagination {
    pub kind: PaginationKind,
    /// Element type of a page.
    pub item: TypeRef,
    /// Field path from the output to the items (empty: the output is the list).
    pub items_path: Vec<Access>,
    /// Whether the items array is optional/nullable at the end of `items_path`.
    pub items_optional: bool,
}

/// One step of a field path through generated structs.
#[derive(Debug, Clone)]
pub struct Access {
    pub field: String,
    /// The field is an `Option` (or `Option<Option<_>>` when nullable too).
    pub optional: bool,
    pub double_optional: bool,
}

#[derive(Debug, Clone)]
pub enum PaginationKind {
    SinglePage,
    PageNumber {
        /// The optional parameter holding the page number.
        page_param: String,
        page_ty: TypeRef,
        /// Field of the meta struct holding the page count.
        total_pages: Option<(Access, TypeRef)>,
    },
    Cursor {
        cursor_param: String,
        /// Field path from the output to the next cursor.
        next_cursor: Vec<Access>,
    },
}
