//! Turning spec names into Rust identifiers, and settling every name the
//! output contains.
//!
//! Names are cased with `heck`, stripped of characters Rust identifiers
//! cannot hold, suffixed with `_` when they are keywords of edition 2024,
//! and de-duplicated deterministically by [`Namer`]. Lowering names types,
//! fields, variants, operations, parameters and methods as it meets them;
//! [`settle`] then names what needs the whole API in view (modules, params
//! structs, resource types), and [`collisions`] checks every namespace of
//! the output in one place.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::{ToPascalCase, ToSnakeCase};
use rustc_hash::FxHashMap;

use super::diagnostics::{Pointer, Warnings};
use super::ir::{Api, Method, Operation, TypeDef, TypeKind};

/// Keywords (strict and reserved, edition 2024) that cannot be identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Replaces characters that cannot be part of an identifier by word breaks,
/// and spells out a few symbols that carry meaning (`+1` vs `-1`).
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            c if c.is_ascii_alphanumeric() => out.push(c),
            '+' => out.push_str(" plus "),
            '-' if out.is_empty() => out.push_str("minus "),
            _ => out.push(' '),
        }
    }
    out
}

/// `ident` made a valid identifier: `fallback` when empty, a keyword with a
/// trailing `_`, and a leading digit behind a prefix: `V` for a type or
/// variant (`V1`), `_` for a snake name with a letter in it (`_2fa`), `v`
/// for one of digits only (`v1`): clippy rejects a binding made of
/// underscores and digits (`fn new(_1: i64)`).
fn finish(mut ident: String, fallback: &str) -> String {
    if ident.is_empty() {
        ident = fallback.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        let prefix = if fallback.starts_with(char::is_uppercase) {
            'V'
        } else if ident.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            'v'
        } else {
            '_'
        };
        ident.insert(0, prefix);
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// `snake_case` identifier for fields, modules, methods and parameters.
pub fn snake(raw: &str) -> String {
    cased(&SNAKE, raw, |raw| {
        let words = words(raw);
        let ident = plain_snake(&words).unwrap_or_else(|| words.to_snake_case());
        finish(ident, "value")
    })
}

/// `PascalCase` identifier for types and enum variants.
pub fn pascal(raw: &str) -> String {
    cased(&PASCAL, raw, |raw| {
        let words = words(raw);
        let ident = plain_pascal(&words).unwrap_or_else(|| words.to_pascal_case());
        finish(ident, "Value")
    })
}

/// Whether heck would split `segment` (no spaces) before each uppercase
/// letter and nowhere else: an ASCII letter, then letters and digits, no
/// uppercase letter after another (digits between them or not). Its words
/// are then one letter and lowercase letters or digits, so casing them
/// changes a letter here and there. Most names are such (`chatMessage`,
/// `UsersListMessagesSelectItem`), and heck writes each character through
/// `fmt`: on Microsoft Graph, casing names anew took 5% of the time.
fn is_plain(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut after_upper = false;
    for b in bytes {
        if b.is_ascii_uppercase() {
            if after_upper {
                return false;
            }
            after_upper = true;
        } else if b.is_ascii_lowercase() {
            after_upper = false;
        } else if !b.is_ascii_digit() {
            return false;
        }
    }
    true
}

/// `words` (from [`words`]) in heck's `PascalCase`, when every segment is
/// [plain](is_plain): each with its first letter uppercased.
fn plain_pascal(words: &str) -> Option<String> {
    let mut out = String::with_capacity(words.len());
    for segment in words.split(' ').filter(|s| !s.is_empty()) {
        if !is_plain(segment) {
            return None;
        }
        let (first, rest) = segment.split_at(1);
        out.push_str(&first.to_ascii_uppercase());
        out.push_str(rest);
    }
    Some(out)
}

/// `words` (from [`words`]) in heck's `snake_case`, when every segment is
/// [plain](is_plain): lowercased, with `_` between segments and before
/// each uppercase letter inside one.
fn plain_snake(words: &str) -> Option<String> {
    let mut out = String::with_capacity(words.len() + words.len() / 4);
    for segment in words.split(' ').filter(|s| !s.is_empty()) {
        if !is_plain(segment) {
            return None;
        }
        for (i, b) in segment.bytes().enumerate() {
            let starts_word = if i == 0 {
                !out.is_empty()
            } else {
                b.is_ascii_uppercase()
            };
            if starts_word {
                out.push('_');
            }
            out.push(char::from(b.to_ascii_lowercase()));
        }
    }
    Some(out)
}

type Cache = RefCell<FxHashMap<String, String>>;

thread_local! {
    // Big specs case the same names again and again (Microsoft Graph:
    // 300,000 conversions of 83,000 names), and `heck` writes each
    // character through `fmt`: each name is cased once per thread.
    static SNAKE: Cache = RefCell::default();
    static PASCAL: Cache = RefCell::default();
}

fn cased(
    cache: &'static std::thread::LocalKey<Cache>,
    raw: &str,
    case: impl FnOnce(&str) -> String,
) -> String {
    cache.with(|cache| {
        if let Some(known) = cache.borrow().get(raw) {
            return known.clone();
        }
        let ident = case(raw);
        cache.borrow_mut().insert(raw.to_owned(), ident.clone());
        ident
    })
}

/// Longest module name the generator writes (its file is `<module>.rs`).
/// File systems refuse names over 255 bytes, and long paths trouble some
/// tools; spec-derived names (Microsoft Graph's operation ids and inline
/// type names) can exceed that.
pub const MAX_MODULE_LEN: usize = 100;

/// Room left for the `_2`, `_3`, … that [`Namer`] may append.
const NAMER_SUFFIX_ROOM: usize = 4;

/// `name` shortened to fit [`MAX_MODULE_LEN`] with room for a [`Namer`]
/// suffix: a prefix of it, then `_` and a hash of the whole name, so that
/// the result is stable across runs and machines and names that share a
/// long prefix still differ.
pub fn bounded(name: &str) -> String {
    let limit = MAX_MODULE_LEN - NAMER_SUFFIX_ROOM;
    if name.len() <= limit {
        return name.to_owned();
    }
    let hash = format!("{:08x}", fnv1a(name.as_bytes()) as u32);
    let mut cut = limit - hash.len() - 1;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", name[..cut].trim_end_matches('_'))
}

/// Module names for files, in order: bounded by [`MAX_MODULE_LEN`] and
/// unique within the directory, even when two names were shortened alike.
pub fn file_modules<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    let mut namer = Namer::new();
    // `mod.rs` is the index of the directory.
    namer.reserve("mod");
    names
        .into_iter()
        .map(|name| namer.unique(&bounded(name)))
        .collect()
}

/// 64-bit FNV-1a: tiny, and stable across platforms and releases (unlike
/// `std`'s hasher), which generated file names require.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hands out unique names within one scope: a clash gets `2`, `3`, … appended
/// in the order names are requested, which callers keep deterministic.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
    /// For a base that clashed: the suffix to try first next time. Every
    /// smaller one is taken (names are never given back), so a base asked
    /// for a thousand times (`Value`) is not tried a thousand times over.
    next_suffix: FxHashMap<String, usize>,
}

impl Namer {
    pub fn new() -> Self {
        Namer::default()
    }

    /// Marks `name` as taken without allocating it.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Returns `base`, or `base2`, `base3`, … if taken (`base_2` for
    /// snake-case names).
    pub fn unique(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        let snake = base.contains('_') || base.starts_with(|c: char| c.is_ascii_lowercase());
        let separator = if snake && !base.ends_with('_') {
            "_"
        } else {
            ""
        };
        // `Self_` (the keyword escaped as a type or variant name) goes on
        // as `Self2`: rustc's `non_camel_case_types` rejects a letter
        // followed by an underscore (`Self_2`).
        let stem = if base.starts_with(|c: char| c.is_ascii_uppercase()) {
            base.trim_end_matches('_')
        } else {
            base
        };
        let next = self.next_suffix.entry(base.to_owned()).or_insert(2);
        loop {
            let candidate = format!("{stem}{separator}{next}");
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// Takes `names` (each a base and the name that [`Namer::unique`] gave
    /// for it in a copy of this namer) if this namer gives each the same
    /// name, in order; otherwise leaves it as it was and returns `false`.
    pub fn replay(&mut self, names: &[(String, String)]) -> bool {
        let mut undo = Vec::with_capacity(names.len());
        for (base, expected) in names {
            let suffix = self.next_suffix.get(base).copied();
            let given = self.unique(base);
            let same = given == *expected;
            undo.push((base, suffix, given));
            if !same {
                for (base, suffix, given) in undo.into_iter().rev() {
                    self.taken.remove(&given);
                    match suffix {
                        Some(next) => self.next_suffix.insert(base.clone(), next),
                        None => self.next_suffix.remove(base),
                    };
                }
                return false;
            }
        }
        true
    }
}

/// Methods of the generated `Client` besides the resource accessors.
pub const CLIENT_METHODS: &[&str] = &["new", "from_env", "runtime"];

/// Items of the models crate's `operations` module besides operations.
pub const OPERATIONS_ITEMS: &[&str] = &["ENVELOPE", "LIST_ENVELOPE"];

/// Methods a generated struct (schema struct or params struct) has besides
/// its setters, which are named like its fields: the constructor, and the
/// methods of the traits every such struct derives (`Clone`, `Default`,
/// `PartialEq`) or gets from std (`Into`, `ToOwned`). A setter of the same
/// name would shadow them (`x.clone()` would ask for an argument), so a
/// field with one of these names yields (`clone_2`).
pub const STRUCT_METHODS: &[&str] = &["new", "clone", "default", "eq", "ne", "into", "to_owned"];

/// Gives the names lowering leaves open: type and operation modules, params
/// structs, the additional-properties field, resource types, and top-level
/// resources that would shadow a `Client` method. Every choice is made in
/// sorted order, so it is deterministic; a name that had to yield to
/// another is reported as a warning.
pub fn settle(api: &mut Api, warnings: &mut Warnings) {
    // Types and operations are named in scopes of their own, so the two
    // run side by side (a tenth of lowering on the biggest specs); their
    // warnings are kept in the order of a run one after the other.
    let mut operation_warnings = warnings.fork();
    let (operations, types) = (&mut api.operations, &mut api.types);
    let resource_types = &mut api.resource_types;
    super::threads::both(
        || {
            let warnings = &mut operation_warnings;
            settle_operations(operations, warnings);
            // The resources are named from the operations alone: here,
            // while the other core names the (more numerous) types.
            settle_top_resources(operations, warnings);
            *resource_types = settle_resource_types(operations, warnings);
        },
        || settle_types(types, warnings),
    );
    warnings.absorb(operation_warnings);
}

/// Type modules share `types` with the types; the additional-properties
/// field shares its struct with the declared ones.
fn settle_types(defs: &mut BTreeMap<String, TypeDef>, warnings: &mut Warnings) {
    let mut types = Namer::new();
    for name in defs.keys() {
        types.reserve(name);
    }
    // A module is also a file: `mod.rs` is the directory's index, and a
    // name must fit any file system (`bounded`). A module `types` inside
    // `types/` trips `clippy::module_inception` (a schema named `types`).
    types.reserve("mod");
    types.reserve("types");
    for def in defs.values_mut() {
        let module = bounded(&snake(&def.name));
        def.module = settled(&mut types, &module, "type module", warnings, || {
            type_pointer(def)
        });
        // The field only exists with an additional-properties schema.
        if let TypeKind::Struct(s) = &mut def.kind
            && s.additional.is_some()
        {
            let mut fields = Namer::new();
            for method in STRUCT_METHODS {
                fields.reserve(method);
            }
            for field in &s.fields {
                fields.reserve(&field.rust_name);
            }
            s.additional_field = fields.unique("additional_properties");
        }
    }
}

/// Operation modules and params structs share `operations` with the
/// operation structs (`Users` wants `UsersParams`, which may be taken).
fn settle_operations(ops: &mut [Operation], warnings: &mut Warnings) {
    let mut operations = Namer::new();
    for op in ops.iter() {
        operations.reserve(&op.rust_name);
    }
    for item in OPERATIONS_ITEMS {
        operations.reserve(item);
    }
    operations.reserve("mod");
    // `operations` inside `operations/` trips `clippy::module_inception`.
    operations.reserve("operations");
    for op in ops.iter_mut() {
        let module = bounded(&snake(&op.rust_name));
        let at = || op_pointer(&op.path, op.method);
        op.module = settled(&mut operations, &module, "operation module", warnings, at);
    }
    for op in ops.iter_mut() {
        let wanted =
            !op.optional_params.is_empty() || op.body.as_ref().is_some_and(|b| !b.required);
        if wanted {
            let base = format!("{}Params", op.rust_name);
            let at = || op_pointer(&op.path, op.method);
            let name = settled(&mut operations, &base, "params struct", warnings, at);
            op.params_struct = Some(name);
        }
    }
    // The body enum of an operation that accepts several media types.
    for op in ops.iter_mut() {
        let several = op.body.as_ref().is_some_and(|b| b.alternatives.len() > 1);
        if several {
            let base = format!("{}Body", op.rust_name);
            let at = || op_pointer(&op.path, op.method);
            let name = settled(&mut operations, &base, "body enum", warnings, at);
            if let Some(body) = &mut op.body {
                body.choice = Some(name);
            }
        }
    }
    // The response enum of an operation whose 2xx responses differ.
    for op in ops.iter_mut() {
        if let Some(e) = &mut op.output.by_status {
            let at = || op_pointer(&op.path, op.method);
            e.name = settled(&mut operations, &e.name, "response enum", warnings, at);
        }
    }
}

/// A top-level resource is a `Client` method, and its segment also names its
/// module and cargo feature: one that would shadow `Client::new` and the
/// like is renamed everywhere at once.
fn settle_top_resources(operations: &mut [Operation], warnings: &mut Warnings) {
    let mut tops: BTreeMap<String, Pointer> = BTreeMap::new();
    for op in operations.iter() {
        if let Some(top) = op.resource.first() {
            tops.entry(top.clone())
                .or_insert_with(|| op_pointer(&op.path, op.method));
        }
    }
    let mut client = Namer::new();
    for name in CLIENT_METHODS
        .iter()
        .copied()
        .chain(tops.keys().map(String::as_str))
    {
        client.reserve(name);
    }
    let renamed: BTreeMap<String, String> = tops
        .into_iter()
        .filter(|(top, _)| CLIENT_METHODS.contains(&top.as_str()))
        .map(|(top, at)| {
            let name = settled(&mut client, &top, "`Client` method", warnings, || at);
            (top, name)
        })
        .collect();
    for op in operations {
        if let Some(top) = op.resource.first_mut() {
            if let Some(name) = renamed.get(top) {
                top.clone_from(name);
            }
        }
    }
}

/// Resource types share `resources` with the top-level resource modules,
/// and joined segments can meet (`a_b` and `a.b` both join to `AB`).
fn settle_resource_types(
    operations: &[Operation],
    warnings: &mut Warnings,
) -> BTreeMap<Vec<String>, String> {
    let mut resources = Namer::new();
    let mut paths: BTreeMap<Vec<String>, &Operation> = BTreeMap::new();
    for op in operations {
        if let Some(top) = op.resource.first() {
            resources.reserve(top);
        }
        for depth in 1..=op.resource.len() {
            paths.entry(op.resource[..depth].to_vec()).or_insert(op);
        }
    }
    paths
        .into_iter()
        .map(|(path, op)| {
            let joined: String = path.iter().map(|s| pascal(s)).collect();
            let at = || op_pointer(&op.path, op.method);
            let name = settled(&mut resources, &joined, "resource type", warnings, at);
            (path, name)
        })
        .collect()
}

/// `namer.unique(base)` for the `what` of the node `at`, with a warning
/// when `base` was taken.
fn settled(
    namer: &mut Namer,
    base: &str,
    what: &str,
    warnings: &mut Warnings,
    at: impl FnOnce() -> Pointer,
) -> String {
    let name = namer.unique(base);
    if name != base {
        warnings.warn(&at(), format!("{what} `{base}` is taken; named `{name}`"));
    }
    name
}

fn type_pointer(def: &TypeDef) -> Pointer {
    Pointer::from_fragment(&format!("#{}", def.origin)).unwrap_or_default()
}

fn op_pointer(path: &str, method: Method) -> Pointer {
    Pointer::root()
        .join("paths")
        .join(path)
        .join(method.as_str().to_ascii_lowercase())
}

/// Two items of the output that would share a name in one namespace.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The Rust scope (`operations`, `struct User`, `impl Client`, …).
    pub namespace: String,
    pub name: String,
    /// What wanted the name, first and second.
    pub first: String,
    pub second: String,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` in {} is both {} and {}",
            self.name, self.namespace, self.first, self.second
        )
    }
}

/// Every Rust name of one scope, with what claimed it. Describing a claim
/// costs more than checking it, and big specs make hundreds of thousands:
/// a scope describes claims only when asked to (see [`collisions`]).
struct Scope<'a, 'o> {
    claims: Claims<'a>,
    out: &'o mut Vec<Collision>,
}

enum Claims<'a> {
    /// The names alone, checked when the scope ends.
    Names(Vec<&'a str>),
    /// Each name with what claimed it, for the report.
    Described {
        namespace: String,
        claimed: HashMap<&'a str, String>,
    },
}

impl<'a, 'o> Scope<'a, 'o> {
    fn new(
        describe: bool,
        namespace: impl FnOnce() -> String,
        out: &'o mut Vec<Collision>,
    ) -> Self {
        let claims = if describe {
            Claims::Described {
                namespace: namespace(),
                claimed: HashMap::new(),
            }
        } else {
            Claims::Names(Vec::new())
        };
        Scope { claims, out }
    }

    fn claim(&mut self, name: &'a str, owner: impl FnOnce() -> String) {
        let Claims::Described { namespace, claimed } = &mut self.claims else {
            if let Claims::Names(names) = &mut self.claims {
                names.push(name);
            }
            return;
        };
        let first = match claimed.get(name) {
            Some(first) => Some(first.clone()),
            None if KEYWORDS.contains(&name) => Some("a Rust keyword".to_owned()),
            None => None,
        };
        if let Some(first) = first {
            self.out.push(Collision {
                namespace: namespace.clone(),
                name: name.to_owned(),
                first,
                second: owner(),
            });
        } else {
            claimed.insert(name, owner());
        }
    }
}

impl Drop for Scope<'_, '_> {
    fn drop(&mut self) {
        if let Claims::Names(names) = &mut self.claims {
            names.sort_unstable();
            let twice = names.windows(2).any(|pair| pair[0] == pair[1]);
            if twice || names.iter().any(|name| KEYWORDS.contains(name)) {
                // Only that there is a clash: `collisions` then runs again,
                // describing, to say which.
                self.out.push(Collision::default());
            }
        }
    }
}

/// Registers every Rust name the generated crates will contain, scope by
/// scope, and returns each name claimed twice (or that is a keyword), in a
/// deterministic order.
/// After [`settle`] this is empty; anything else is a generator bug.
pub fn collisions(api: &Api) -> Vec<Collision> {
    let claims = |describe: bool| {
        let mut out = Vec::new();
        type_scopes(api, describe, &mut out);
        operation_scopes(api, describe, &mut out);
        resource_scopes(api, describe, &mut out);
        out
    };
    // The names alone first; what claimed them only when some clash.
    if claims(false).is_empty() {
        Vec::new()
    } else {
        claims(true)
    }
}

/// `types`, and the fields or variants of each type.
fn type_scopes(api: &Api, describe: bool, out: &mut Vec<Collision>) {
    let mut types = Scope::new(describe, || "module `types`".to_owned(), out);
    for def in api.types.values() {
        types.claim(&def.name, || format!("the type of `{}`", def.origin));
        types.claim(&def.module, || format!("the module of `{}`", def.origin));
    }
    // A scope checks its names when it ends.
    drop(types);
    for def in api.types.values() {
        let mut scope = Scope::new(describe, || format!("type `{}`", def.name), out);
        match &def.kind {
            TypeKind::Struct(s) => {
                // Fields and their setters have the same names.
                for method in STRUCT_METHODS {
                    scope.claim(method, || "a method".to_owned());
                }
                for field in &s.fields {
                    scope.claim(&field.rust_name, || {
                        format!("property `{}`", field.wire_name)
                    });
                }
                if s.additional.is_some() {
                    scope.claim(&s.additional_field, || {
                        "the additional properties".to_owned()
                    });
                }
            }
            TypeKind::Enum(variants) => {
                scope.claim("Unknown", || "the unknown-value variant".to_owned());
                for v in variants {
                    scope.claim(&v.rust_name, || format!("value `{}`", v.wire_name));
                }
            }
            TypeKind::Union(union) => {
                scope.claim("Unknown", || "the unknown-value variant".to_owned());
                for v in &union.variants {
                    scope.claim(&v.rust_name, || {
                        format!("a variant of type {}", v.ty.describe())
                    });
                }
            }
            TypeKind::Alias(_) => {}
        }
    }
}

/// `operations`, and the fields of each operation and params struct.
fn operation_scopes(api: &Api, describe: bool, out: &mut Vec<Collision>) {
    let mut operations = Scope::new(describe, || "module `operations`".to_owned(), out);
    for item in OPERATIONS_ITEMS {
        operations.claim(item, || "the envelope constant".to_owned());
    }
    for op in &api.operations {
        let id = &op.operation_id;
        operations.claim(&op.rust_name, || format!("the struct of `{id}`"));
        operations.claim(&op.module, || format!("the module of `{id}`"));
        if let Some(params) = &op.params_struct {
            operations.claim(params, || format!("the params struct of `{id}`"));
        }
        if let Some(e) = &op.output.by_status {
            operations.claim(&e.name, || format!("the response enum of `{id}`"));
        }
    }
    drop(operations);
    for op in &api.operations {
        let mut fields = Scope::new(describe, || format!("struct `{}`", op.rust_name), out);
        for p in &op.required_params {
            fields.claim(&p.rust_name, || format!("parameter `{}`", p.wire_name));
        }
        if op.body.as_ref().is_some_and(|b| b.required) {
            fields.claim("body", || "the request body".to_owned());
        }
        let Some(params) = &op.params_struct else {
            continue;
        };
        fields.claim("params", || "the optional parameters".to_owned());
        drop(fields);
        // Fields and their setters have the same names.
        let mut members = Scope::new(describe, || format!("struct `{params}`"), out);
        for method in STRUCT_METHODS {
            members.claim(method, || "a method".to_owned());
        }
        for p in &op.optional_params {
            members.claim(&p.rust_name, || format!("parameter `{}`", p.wire_name));
        }
        if op.body.as_ref().is_some_and(|b| !b.required) {
            members.claim("body", || "the request body".to_owned());
        }
    }
}

/// What claimed a method name of `Client` or of a resource type.
#[derive(Clone, Copy)]
enum MethodOwner<'a> {
    Constructor,
    Accessor(&'a [String]),
    Operation(&'a str),
}

impl MethodOwner<'_> {
    fn describe(self) -> String {
        match self {
            MethodOwner::Constructor => "a constructor or accessor".to_owned(),
            MethodOwner::Accessor(path) => format!("the accessor of `{}`", path.join(".")),
            MethodOwner::Operation(id) => format!("the method of `{id}`"),
        }
    }
}

/// `resources`, and the methods of `Client` and of each resource type.
fn resource_scopes(api: &Api, describe: bool, out: &mut Vec<Collision>) {
    let mut resources = Scope::new(describe, || "module `resources`".to_owned(), out);
    for (path, name) in &api.resource_types {
        if let [top] = path.as_slice() {
            resources.claim(top, || format!("the module of resource `{top}`"));
        }
        resources.claim(name, || {
            format!("the type of resource `{}`", path.join("."))
        });
    }
    drop(resources);
    let mut methods: BTreeMap<&[String], Vec<(&str, MethodOwner<'_>)>> = BTreeMap::new();
    methods.entry(&[]).or_default().extend(
        CLIENT_METHODS
            .iter()
            .map(|m| (*m, MethodOwner::Constructor)),
    );
    for path in api.resource_types.keys() {
        let Some((last, parent)) = path.split_last() else {
            continue;
        };
        methods
            .entry(parent)
            .or_default()
            .push((last, MethodOwner::Accessor(path)));
    }
    for op in &api.operations {
        methods
            .entry(&op.resource)
            .or_default()
            .push((&op.method_name, MethodOwner::Operation(&op.operation_id)));
    }
    for (path, members) in methods {
        let namespace = || match path {
            [] => "impl `Client`".to_owned(),
            _ => format!("resource `{}`", path.join(".")),
        };
        let mut scope = Scope::new(describe, namespace, out);
        for (name, owner) in members {
            scope.claim(name, || owner.describe());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_and_keywords() {
        assert_eq!(snake("devicePosture"), "device_posture");
        assert_eq!(snake("isActive"), "is_active");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("gen"), "gen_");
        assert_eq!(snake("expand[]"), "expand");
        assert_eq!(snake("filter[email]"), "filter_email");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("1"), "v1");
        assert_eq!(snake("4-5"), "v4_5");
        assert_eq!(pascal("role-assignments"), "RoleAssignments");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(pascal("+1"), "Plus1");
        assert_eq!(pascal("-1"), "Minus1");
        assert_eq!(pascal("1"), "V1");
        assert_eq!(pascal(""), "Value");
        assert_eq!(
            pascal("access_api-response-common"),
            "AccessApiResponseCommon"
        );
    }

    /// The fast paths agree with heck wherever they answer: on every
    /// string of up to six characters over an alphabet with both cases,
    /// digits and separators (so every plain segment shape, and many that
    /// are not), and on long names as big specs have them.
    #[test]
    fn plain_casing_is_heck_casing() {
        let alphabet = ['a', 'b', 'B', 'C', '1', '2', ' '];
        let mut strings = vec![String::new()];
        let mut answered = 0;
        for _ in 0..6 {
            strings = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for s in &strings {
                if let Some(fast) = plain_pascal(s) {
                    assert_eq!(fast, s.to_pascal_case(), "pascal of {s:?}");
                    answered += 1;
                }
                if let Some(fast) = plain_snake(s) {
                    assert_eq!(fast, s.to_snake_case(), "snake of {s:?}");
                }
            }
        }
        // Most strings here are plain; the test is not vacuous.
        assert!(answered > 20_000, "only {answered} answered");
        for name in [
            "UsersCalendarCalendarViewExceptionOccurrencesInstancesListSelectItem",
            "microsoft graph aospDeviceOwnerEnterpriseWiFiConfiguration",
            "GetMicrosoftGraphDirectoryObjectItemAsMicrosoftGraphServicePrincipalC4e9",
            "accounts desc",
            "minWords",
        ] {
            assert_eq!(plain_pascal(name), Some(name.to_pascal_case()), "{name}");
            assert_eq!(plain_snake(name), Some(name.to_snake_case()), "{name}");
        }
        // Not plain: left to heck.
        for name in ["HTTPServer", "DataD390Response", "2fa", "ÄÖ"] {
            assert_eq!(plain_pascal(name), None, "{name}");
            assert_eq!(plain_snake(name), None, "{name}");
        }
    }

    #[test]
    fn module_names_are_bounded_stable_and_unique() {
        let short = "users_list";
        assert_eq!(bounded(short), short);
        let long_a = format!("{}_a", "users_calendar_view_instances".repeat(8));
        let long_b = format!("{}_b", "users_calendar_view_instances".repeat(8));
        let a = bounded(&long_a);
        assert!(a.len() <= MAX_MODULE_LEN - NAMER_SUFFIX_ROOM, "{a}");
        assert!(a.starts_with("users_calendar_view_instancesusers"));
        assert_eq!(a, bounded(&long_a), "deterministic");
        assert_ne!(a, bounded(&long_b), "a shared prefix still differs");
        // Pinned: the hash must not change between releases or machines.
        assert_eq!(
            bounded(&"x".repeat(300)),
            format!("{}_1ba85555", "x".repeat(87))
        );

        let modules = file_modules([
            long_a.as_str(),
            long_a.as_str(),
            long_b.as_str(),
            "mod",
            short,
        ]);
        let unique: BTreeSet<&String> = modules.iter().collect();
        assert_eq!(unique.len(), modules.len(), "{modules:?}");
        assert!(
            modules.iter().all(|m| m.len() <= MAX_MODULE_LEN),
            "{modules:?}"
        );
        assert_eq!(modules[3], "mod_2");
        assert_eq!(modules[4], short);
    }

    /// A schema `types` or an operation `operations` would be a module named
    /// like the module holding it (`clippy::module_inception`;
    /// `placekit.co.json` of the corpus has a schema `types`).
    #[test]
    fn no_module_is_named_like_its_parent() {
        use crate::codegen::{load, lower};

        let text = r##"{"openapi": "3.0.3", "info": {"title": "T", "version": "1"},
            "paths": {"/o": {"get": {"operationId": "operations",
                "responses": {"200": {"description": "ok", "content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/types"}}}}}}}},
            "components": {"schemas": {"types": {"type": "object",
                "properties": {"a": {"type": "string"}}}}}}"##;
        let path = std::path::Path::new("inception.json");
        let spec = load::parse(path, text).unwrap();
        let settings = lower::Settings {
            default_crate: "inception".into(),
            source_label: "inception.json".into(),
        };
        let api = lower::lower(path, &spec.openapi, &settings).unwrap();
        let type_modules: Vec<&str> = api.types.values().map(|t| t.module.as_str()).collect();
        let op_modules: Vec<&str> = api.operations.iter().map(|o| o.module.as_str()).collect();
        assert_eq!(type_modules, ["types_2"]);
        assert_eq!(op_modules, ["operations_2"]);
    }

    #[test]
    fn namer_disambiguates_in_request_order() {
        let mut namer = Namer::new();
        assert_eq!(namer.unique("User"), "User");
        assert_eq!(namer.unique("User"), "User2");
        assert_eq!(namer.unique("User"), "User3");
        assert_eq!(namer.unique("user_id"), "user_id");
        assert_eq!(namer.unique("user_id"), "user_id_2");
        // Keywords escaped with `_`: a snake name keeps it, a type's gives
        // way to the number (rustc's lint rejects `Self_2`).
        assert_eq!(namer.unique("type_"), "type_");
        assert_eq!(namer.unique("type_"), "type_2");
        assert_eq!(namer.unique("Self_"), "Self_");
        assert_eq!(namer.unique("Self_"), "Self2");
        assert_eq!(namer.unique("Self_"), "Self3");
    }

    /// The search for a free suffix resumes after the last one given, and
    /// still skips names taken otherwise (reserved, or asked for as such),
    /// before or after it started: the names a search from 2 each time gave.
    #[test]
    fn namer_suffixes_skip_names_taken_otherwise() {
        let mut namer = Namer::new();
        namer.reserve("Item3");
        assert_eq!(namer.unique("Item"), "Item");
        assert_eq!(namer.unique("Item"), "Item2");
        assert_eq!(namer.unique("Item"), "Item4");
        namer.reserve("Item5");
        assert_eq!(namer.unique("Item6"), "Item6");
        assert_eq!(namer.unique("Item"), "Item7");
        // Another base's suffixes are its own.
        assert_eq!(namer.unique("Item2"), "Item22");
        assert_eq!(namer.unique("Item"), "Item8");
    }

    /// The `collisions` fixture holds names that meet once they are Rust
    /// identifiers: `settle` must part them, and `collisions` must report
    /// each one if they were left as they would have been.
    #[test]
    fn collisions_are_settled_and_otherwise_reported() {
        use crate::codegen::ir::TypeKind;
        use crate::codegen::{load, lower};

        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/collisions.yaml"
        ));
        let text = std::fs::read_to_string(path).unwrap();
        let spec = load::parse(path, &text).unwrap();
        let settings = lower::Settings {
            default_crate: "collisions".into(),
            source_label: "collisions".into(),
        };
        let mut api = lower::lower(path, &spec.openapi, &settings).unwrap();
        assert_eq!(collisions(&api), Vec::new());

        // Put back the names each clash would have produced.
        let key = |path: &[&str]| path.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        api.resource_types.insert(key(&["a_b"]), "AB".into());
        let runtime = api.resource_types.remove(&key(&["runtime_2"])).unwrap();
        api.resource_types.insert(key(&["runtime"]), runtime);
        for op in &mut api.operations {
            match op.operation_id.as_str() {
                "ab" => op.module = "ab".into(),
                "users" => {
                    op.params_struct = Some("UsersParams".into());
                    op.optional_params[0].rust_name = "new".into();
                }
                "status" => op.resource[0] = "runtime".into(),
                _ => {}
            }
        }
        if let TypeKind::Struct(bag) = &mut api.types.get_mut("Bag").unwrap().kind {
            bag.additional_field = "additional_properties".into();
        }
        if let TypeKind::Struct(params) = &mut api.types.get_mut("UsersParams").unwrap().kind {
            params.fields[0].rust_name = "type".into();
        }

        let reported: Vec<String> = collisions(&api).iter().map(ToString::to_string).collect();
        assert_eq!(
            reported,
            [
                "`additional_properties` in type `Bag` is both property `additional_properties` and the additional properties",
                "`type` in type `UsersParams` is both a Rust keyword and property `id`",
                "`ab` in module `operations` is both the module of `aB` and the module of `ab`",
                "`UsersParams` in module `operations` is both the params struct of `users` and the struct of `usersParams`",
                "`new` in struct `UsersParams` is both a method and parameter `new`",
                "`AB` in module `resources` is both the type of resource `a.b` and the type of resource `a_b`",
                "`runtime` in impl `Client` is both a constructor or accessor and the accessor of `runtime`",
            ]
        );
    }
}
