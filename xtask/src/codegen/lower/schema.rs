//! Schemas → named types and type references.
//!
//! `$ref`s are followed, `allOf` members merged into one object, inline
//! objects, enums and unions given names derived from where they appear
//! (`Parent` + `Property`, the schema's `title` winning when present).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};
use rustc_hash::FxHashMap;

use crate::codegen::diagnostics::{Pointer, Warnings};
use crate::codegen::ir::{
    EnumVariant, Field, Struct, TypeDef, TypeKind, TypeRef, Union, UnionVariant,
};
use crate::codegen::naming::{Namer, pascal, snake};

/// Most nested lowering calls (inline schemas inside inline schemas, alias
/// chains, `allOf` views) before the spec is refused with a located error.
/// Component bodies are lowered one at a time (a field referring to a
/// component only names it), so real specs stay far below this; a hostile
/// spec must get an error, not a stack overflow.
pub const MAX_NESTING: usize = 192;

/// An object view of a schema after following refs and merging `allOf`.
#[derive(Debug, Default, Clone)]
struct ObjectView {
    properties: IndexMap<String, (ReferenceOr<Schema>, Pointer)>,
    required: BTreeSet<String>,
    additional: Option<(ReferenceOr<Schema>, Pointer)>,
}

/// What a [`TypeSpace`] had made when it was forked ([`TypeSpace::fork`]):
/// read by the space and its fork, changed by neither. Lookups try the
/// space's own maps first, then these.
#[derive(Default, Clone)]
struct Settled<'a> {
    component_names: FxHashMap<String, String>,
    component_refs: FxHashMap<String, TypeRef>,
    views: FxHashMap<&'a str, ObjectView>,
    types: BTreeMap<String, TypeDef>,
}

/// What a fork did that the operations lowered on it must be checked
/// against before they are kept ([`super::parallel`]).
#[derive(Debug, Default)]
struct ForkLog {
    /// Each inline type's name: the name asked for and the one given.
    names: Vec<(String, String)>,
    /// The types made, by name, in order.
    made: Vec<String>,
    /// The types made before the fork that were looked at.
    read: RefCell<BTreeSet<String>>,
}

/// Owns every named type of one API while it is being lowered.
pub struct TypeSpace<'a> {
    spec_components: Option<&'a openapiv3::Components>,
    components: &'a IndexMap<String, ReferenceOr<Schema>>,
    /// Component schema name → Rust type name.
    component_names: FxHashMap<String, String>,
    /// Component schema name → reference used for it (a primitive alias
    /// resolves to its target, so fields read `String`, not `Identifier`).
    component_refs: FxHashMap<String, TypeRef>,
    in_progress: BTreeSet<String>,
    /// Components whose alias target is being worked out: meeting one again
    /// means an alias of itself (`A: allOf [$ref A]`, `A: [A]`), which Rust
    /// cannot express.
    aliasing: BTreeSet<String>,
    /// Object views of components, computed once each: `allOf` hierarchies
    /// share their bases, which would otherwise be merged again per use.
    views: FxHashMap<&'a str, ObjectView>,
    views_in_progress: BTreeSet<&'a str>,
    namer: Namer,
    /// Current nesting of lowering calls, bounded by [`MAX_NESTING`].
    nesting: usize,
    /// Where the nesting bound was first hit: the spec is then refused.
    too_deep: Option<Pointer>,
    /// Types made since the space was last forked (all of them until then).
    types: BTreeMap<String, TypeDef>,
    settled: Arc<Settled<'a>>,
    /// Set on a fork: what it did, for [`super::parallel`] to check.
    log: Option<ForkLog>,
    /// Types made before the last fork and changed since (a multipart
    /// body's fields): a fork does not see the changes.
    pub changed_settled: BTreeSet<String>,
    /// An `allOf` cycle was cut: a view computed inside the cycle is cut
    /// short, so views depend on the order they were asked for in.
    pub cut_cycle: bool,
    pub warnings: &'a mut Warnings,
}

impl<'a> TypeSpace<'a> {
    pub fn new(
        spec_components: Option<&'a openapiv3::Components>,
        components: &'a IndexMap<String, ReferenceOr<Schema>>,
        warnings: &'a mut Warnings,
    ) -> Self {
        let mut namer = Namer::new();
        // Generated files import nothing, so a type named like a prelude
        // item would shadow it inside its own file.
        for name in PRELUDE {
            namer.reserve(name);
        }
        let component_names = components
            .keys()
            .map(|key| (key.clone(), namer.unique(&pascal(key))))
            .collect();
        TypeSpace {
            spec_components,
            components,
            component_names,
            component_refs: FxHashMap::default(),
            in_progress: BTreeSet::new(),
            aliasing: BTreeSet::new(),
            views: FxHashMap::default(),
            views_in_progress: BTreeSet::new(),
            namer,
            nesting: 0,
            too_deep: None,
            types: BTreeMap::new(),
            settled: Arc::default(),
            log: None,
            changed_settled: BTreeSet::new(),
            cut_cycle: false,
            warnings,
        }
    }

    /// A space that goes on from where this one stands, for lowering other
    /// operations on another thread: it sees every type, view and name
    /// made so far (now shared, not copied) and logs what it makes.
    pub fn fork<'f>(&mut self, warnings: &'f mut Warnings) -> TypeSpace<'f>
    where
        'a: 'f,
    {
        let settled = Arc::make_mut(&mut self.settled);
        settled.component_names.extend(self.component_names.drain());
        settled.component_refs.extend(self.component_refs.drain());
        settled.views.extend(self.views.drain());
        settled.types.append(&mut self.types);
        TypeSpace {
            spec_components: self.spec_components,
            components: self.components,
            component_names: FxHashMap::default(),
            component_refs: FxHashMap::default(),
            in_progress: BTreeSet::new(),
            aliasing: BTreeSet::new(),
            views: FxHashMap::default(),
            views_in_progress: BTreeSet::new(),
            namer: self.namer.clone(),
            nesting: 0,
            too_deep: self.too_deep.clone(),
            types: BTreeMap::new(),
            settled: self.settled.clone(),
            log: Some(ForkLog::default()),
            changed_settled: BTreeSet::new(),
            cut_cycle: self.cut_cycle,
            warnings,
        }
    }

    /// Every type made, the space's own over those made before a fork.
    pub fn take_types(&mut self) -> BTreeMap<String, TypeDef> {
        let settled = std::mem::take(&mut self.settled);
        let mut types =
            Arc::try_unwrap(settled).map_or_else(|shared| shared.types.clone(), |s| s.types);
        types.append(&mut self.types);
        types
    }

    /// The type called `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        if let Some(own) = self.types.get(name) {
            return Some(own);
        }
        let settled = self.settled.types.get(name)?;
        if let Some(log) = &self.log {
            log.read.borrow_mut().insert(name.to_owned());
        }
        Some(settled)
    }

    /// The type called `name`, to change.
    pub fn type_def_mut(&mut self, name: &str) -> Option<&mut TypeDef> {
        if !self.types.contains_key(name) {
            let before = self.settled.types.get(name)?.clone();
            self.changed_settled.insert(name.to_owned());
            self.types.insert(name.to_owned(), before);
        }
        self.types.get_mut(name)
    }

    /// A fork's log since the last call: the names it gave, the types it
    /// made (taken out of it), and the types made before the fork that it
    /// looked at.
    pub fn take_log(&mut self) -> (Vec<(String, String)>, Vec<TypeDef>, BTreeSet<String>) {
        let Some(log) = &mut self.log else {
            return Default::default();
        };
        let names = std::mem::take(&mut log.names);
        let read = log.read.take();
        let types = log
            .made
            .drain(..)
            .filter_map(|name| self.types.remove(&name))
            .collect();
        (names, types, read)
    }

    /// Keeps a type that a fork made ([`super::parallel`]).
    pub fn adopt(&mut self, def: TypeDef) {
        self.types.insert(def.name.clone(), def);
    }

    /// Takes the names a fork gave, in order, if this space would have
    /// given the same ones; else changes nothing and says so.
    pub fn replay_names(&mut self, names: &[(String, String)]) -> bool {
        self.namer.replay(names)
    }

    /// The spec's `components` (parameters, bodies, responses), if any.
    pub fn spec_components(&self) -> Option<&'a openapiv3::Components> {
        self.spec_components
    }

    /// Where schemas nested deeper than [`MAX_NESTING`], if they did: the
    /// types lowered are then incomplete and the spec must be refused.
    pub fn too_deep(&self) -> Option<&Pointer> {
        self.too_deep.as_ref()
    }

    /// Enters one level of nesting; `false` (and the spec refused) past the
    /// bound. Every `true` must be paired with [`Self::leave`].
    fn enter(&mut self, pointer: &Pointer) -> bool {
        if self.too_deep.is_some() {
            return false;
        }
        if self.nesting >= MAX_NESTING {
            self.too_deep = Some(pointer.clone());
            return false;
        }
        self.nesting += 1;
        true
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// The properties of an object schema after following `$ref`s and
    /// merging `allOf`, with the pointer where each is declared.
    pub fn properties_of(
        &mut self,
        schema: &ReferenceOr<Schema>,
        pointer: &Pointer,
    ) -> IndexMap<String, (ReferenceOr<Schema>, Pointer)> {
        self.view_of(schema, pointer).properties
    }

    /// Lowers every component schema into a named type.
    pub fn lower_components(&mut self) {
        for key in self.components.keys() {
            self.component(key);
        }
    }

    /// The type reference for component `key`, lowering it on first use.
    fn component(&mut self, key: &str) -> TypeRef {
        if let Some(found) = self
            .component_refs
            .get(key)
            .or_else(|| self.settled.component_refs.get(key))
        {
            return found.clone();
        }
        // The spec outlives the space: its schemas are borrowed, not cloned.
        let components: &'a IndexMap<String, ReferenceOr<Schema>> = self.components;
        let (Some(name), Some(schema)) = (
            self.component_names
                .get(key)
                .or_else(|| self.settled.component_names.get(key))
                .cloned(),
            components.get(key),
        ) else {
            return TypeRef::Json;
        };
        let pointer = component_pointer(key);
        if self.aliasing.contains(key) {
            self.warnings.warn(
                &pointer,
                "a type alias of itself (directly or through other aliases); using a JSON value",
            );
            return TypeRef::Json;
        }
        if !self.in_progress.insert(key.to_owned()) {
            // A cycle through this component: refer to it by name; it is
            // defined when the outer call finishes.
            return TypeRef::Named(name);
        }
        // Another component is being lowered and refers to this one.
        let nested = self.in_progress.len() > 1;
        self.aliasing.insert(key.to_owned());
        let reference = match schema {
            // A component that is only a reference is an alias of its target.
            ReferenceOr::Reference { .. } => {
                let target = strip_option(self.lower_inline(schema, &name, &pointer));
                self.aliasing.remove(key);
                self.insert(TypeDef {
                    name: name.clone(),
                    module: String::new(),
                    docs: None,
                    origin: pointer.to_string(),
                    kind: TypeKind::Alias(target.clone()),
                });
                target
            }
            ReferenceOr::Item(item) => {
                let docs = self.schema_docs(schema);
                let mut view = None;
                let unnamed = self.unnamed(item, &name, &pointer, &mut view);
                self.aliasing.remove(key);
                match unnamed {
                    // Primitive, array or map: keep a documented alias for
                    // users who name the schema, but resolve references to
                    // the target so fields read `String`, not `Identifier`.
                    Some(target) => {
                        let target = strip_option(target);
                        self.insert(TypeDef {
                            name: name.clone(),
                            module: String::new(),
                            docs,
                            origin: pointer.to_string(),
                            kind: TypeKind::Alias(target.clone()),
                        });
                        target
                    }
                    // A type of its own, which a referring field only
                    // names: `lower_components` lowers it in its turn, so
                    // chains of references never nest calls.
                    None if nested => {
                        self.in_progress.remove(key);
                        return TypeRef::Named(name);
                    }
                    None => {
                        let kind = self
                            .lower_named_body(item, &name, &pointer, view)
                            .unwrap_or(TypeKind::Alias(TypeRef::Json));
                        self.insert(TypeDef {
                            name: name.clone(),
                            module: String::new(),
                            docs,
                            origin: pointer.to_string(),
                            kind,
                        });
                        TypeRef::Named(name.clone())
                    }
                }
            }
        };
        self.in_progress.remove(key);
        self.component_refs
            .insert(key.to_owned(), reference.clone());
        reference
    }

    fn insert(&mut self, def: TypeDef) {
        if let Some(log) = &mut self.log {
            log.made.push(def.name.clone());
        }
        self.types.insert(def.name.clone(), def);
    }

    /// The component a reference leads to after following components that
    /// are themselves references. Only local component references are
    /// supported; anything else degrades to `serde_json::Value` with a warning.
    fn resolve_key(&mut self, reference: &str, pointer: &Pointer) -> Option<&'a str> {
        let components = self.components;
        let mut reference = reference;
        let mut seen = BTreeSet::new();
        loop {
            let key = self.component_key(reference, pointer)?;
            let (key, schema) = components.get_key_value(key)?;
            if !seen.insert(key) {
                self.warnings
                    .warn(pointer, format!("reference cycle through `{reference}`"));
                return None;
            }
            match schema {
                ReferenceOr::Item(_) => return Some(key.as_str()),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
    }

    fn component_key<'r>(&mut self, reference: &'r str, pointer: &Pointer) -> Option<&'r str> {
        match reference.strip_prefix("#/components/schemas/") {
            Some(key) if self.components.contains_key(key) => Some(key),
            _ => {
                self.warnings.warn(
                    pointer,
                    format!("unresolvable schema reference `{reference}`; using a JSON value"),
                );
                None
            }
        }
    }

    /// Lowers a schema used inline (a property, item, parameter or body).
    /// Objects, enums and unions become named types called `hint`.
    pub fn lower_inline(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        pointer: &Pointer,
    ) -> TypeRef {
        if !self.enter(pointer) {
            return TypeRef::Json;
        }
        let ty = self.lower_inline_unguarded(schema, hint, pointer);
        self.leave();
        ty
    }

    fn lower_inline_unguarded(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        pointer: &Pointer,
    ) -> TypeRef {
        let item = match schema {
            ReferenceOr::Reference { reference } => {
                let Some(key) = self.component_key(reference, pointer) else {
                    return TypeRef::Json;
                };
                let ty = self.component(key);
                let nullable =
                    matches!(&self.components[key], ReferenceOr::Item(s) if s.schema_data.nullable);
                return if nullable && ty != TypeRef::Json {
                    TypeRef::Option(Box::new(ty))
                } else {
                    ty
                };
            }
            ReferenceOr::Item(item) => item,
        };
        let ty = self.lower_item(item, hint, pointer);
        if item.schema_data.nullable && !matches!(ty, TypeRef::Json | TypeRef::Option(_)) {
            TypeRef::Option(Box::new(ty))
        } else {
            ty
        }
    }

    fn lower_item(&mut self, item: &Schema, hint: &str, pointer: &Pointer) -> TypeRef {
        let mut view = None;
        if let Some(ty) = self.unnamed(item, hint, pointer, &mut view) {
            return ty;
        }
        let name = self.fresh_name(item, hint);
        // A named type ends any alias chain: what it contains may refer back
        // to an alias being worked out (`Trace: [{trace: Trace}]`).
        let aliasing = std::mem::take(&mut self.aliasing);
        let body = self.lower_named_body(item, &name, pointer, view);
        self.aliasing = aliasing;
        match body {
            Some(kind) => {
                self.insert(TypeDef {
                    name: name.clone(),
                    module: String::new(),
                    docs: docs_of(item),
                    origin: pointer.to_string(),
                    kind,
                });
                TypeRef::Named(name)
            }
            None => TypeRef::Json,
        }
    }

    /// The type of a schema that needs no name of its own: primitives,
    /// arrays, maps, free-form objects and single-member compositions.
    /// `None` for enums, unions and objects with properties; for the last,
    /// the object view computed to find out is left in `declined`, for
    /// [`Self::lower_named_body`] of the same schema (merging `allOf`
    /// hierarchies and copying their property schemas is a good part of
    /// lowering a big spec).
    fn unnamed(
        &mut self,
        item: &Schema,
        hint: &str,
        pointer: &Pointer,
        declined: &mut Option<ObjectView>,
    ) -> Option<TypeRef> {
        if let Some((member, annotations)) = sole_type_member(item) {
            // `allOf: [$ref]` or `allOf: [$ref, {description: …}]` (used to
            // attach docs or `nullable` to a reference) is the referenced
            // type itself, not a copy of it.
            let ty = self.lower_inline(member, hint, pointer);
            let nullable = annotations.iter().any(|a| a.schema_data.nullable);
            return Some(match ty {
                TypeRef::Json | TypeRef::Option(_) => ty,
                ty if nullable => TypeRef::Option(Box::new(ty)),
                ty => ty,
            });
        }
        let items_of = |items: &Option<ReferenceOr<Box<Schema>>>| items.as_ref().map(unbox);
        let ty = match &item.schema_kind {
            SchemaKind::Type(Type::String(s)) if s.enumeration.iter().all(Option::is_none) => {
                self.string_type(&s.format, pointer)
            }
            SchemaKind::Type(Type::String(_)) => return None,
            SchemaKind::Type(Type::Integer(i)) => match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64)
                | VariantOrUnknownOrEmpty::Empty => TypeRef::I64,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uint32" => TypeRef::U32,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uint64" => TypeRef::U64,
                VariantOrUnknownOrEmpty::Unknown(f) => {
                    self.warnings
                        .warn(pointer, format!("unknown integer format `{f}`; using i64"));
                    TypeRef::I64
                }
            },
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                VariantOrUnknownOrEmpty::Item(NumberFormat::Double)
                | VariantOrUnknownOrEmpty::Empty => TypeRef::F64,
                VariantOrUnknownOrEmpty::Unknown(f) => {
                    self.warnings
                        .warn(pointer, format!("unknown number format `{f}`; using f64"));
                    TypeRef::F64
                }
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(a)) => self.array(items_of(&a.items), hint, pointer),
            SchemaKind::Any(a) if a.items.is_some() && a.properties.is_empty() => {
                self.array(items_of(&a.items), hint, pointer)
            }
            SchemaKind::Any(a) if a.typ.as_deref() == Some("array") && a.properties.is_empty() => {
                self.array(None, hint, pointer)
            }
            SchemaKind::Any(a) if !a.enumeration.is_empty() && a.properties.is_empty() => {
                let strings = a.enumeration.iter().filter(|v| v.is_string()).count();
                let non_null = a.enumeration.iter().filter(|v| !v.is_null()).count();
                if strings > 0 && strings == non_null {
                    return None;
                }
                // Non-string enums (`enum: [true]`, numbers) keep the base type.
                match a.enumeration.iter().find(|v| !v.is_null()) {
                    Some(serde_json::Value::Bool(_)) => TypeRef::Bool,
                    Some(serde_json::Value::Number(n)) if n.is_i64() => TypeRef::I64,
                    Some(serde_json::Value::Number(_)) => TypeRef::F64,
                    _ => TypeRef::Json,
                }
            }
            SchemaKind::Not { .. } => {
                self.warnings.warn(
                    pointer,
                    "`not` schemas are not supported; using a JSON value",
                );
                TypeRef::Json
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => return None,
            SchemaKind::Any(a)
                if a.properties.is_empty()
                    && a.all_of.is_empty()
                    && (!a.one_of.is_empty() || !a.any_of.is_empty()) =>
            {
                return None;
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } | SchemaKind::Any(_) => {
                let view = self.object_view(item, pointer);
                if !view.properties.is_empty() {
                    *declined = Some(view);
                    return None;
                }
                match view.additional {
                    Some((schema, at)) => {
                        let value =
                            strip_option(self.lower_inline(&schema, &format!("{hint}Value"), &at));
                        TypeRef::Map(Box::new(value))
                    }
                    // A free-form object, or a schema that says nothing.
                    None => TypeRef::Json,
                }
            }
        };
        Some(ty)
    }

    fn array(
        &mut self,
        items: Option<ReferenceOr<Schema>>,
        hint: &str,
        pointer: &Pointer,
    ) -> TypeRef {
        let ty = match items {
            Some(items) => strip_option(self.lower_inline(
                &items,
                &format!("{hint}Item"),
                &pointer.join("items"),
            )),
            None => TypeRef::Json,
        };
        TypeRef::Vec(Box::new(ty))
    }

    fn string_type(
        &mut self,
        format: &VariantOrUnknownOrEmpty<StringFormat>,
        pointer: &Pointer,
    ) -> TypeRef {
        match format {
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Binary | StringFormat::Byte) => {
                TypeRef::String
            }
            VariantOrUnknownOrEmpty::Unknown(f) if !KNOWN_STRING_FORMATS.contains(&f.as_str()) => {
                self.warnings.warn(
                    pointer,
                    format!("unknown string format `{f}`; using String"),
                );
                TypeRef::String
            }
            _ => TypeRef::String,
        }
    }

    /// A type name for an inline schema: its `title` if it has one,
    /// otherwise the hint; unique either way.
    fn fresh_name(&mut self, item: &Schema, hint: &str) -> String {
        let base = item
            .schema_data
            .title
            .as_deref()
            .map(pascal)
            .filter(|t| !t.is_empty());
        let base = base.unwrap_or_else(|| pascal(hint));
        let name = self.namer.unique(&base);
        if let Some(log) = &mut self.log {
            log.names.push((base, name.clone()));
        }
        name
    }

    /// Lowers a schema that deserves a named type: a string enum, a union
    /// or an object with properties. `None` for anything else. `view` is
    /// the object view of `item` at `pointer` if [`Self::unnamed`] already
    /// computed it (nothing between the two calls changes what it would be).
    fn lower_named_body(
        &mut self,
        item: &Schema,
        name: &str,
        pointer: &Pointer,
        view: Option<ObjectView>,
    ) -> Option<TypeKind> {
        match &item.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
                (!values.is_empty()).then(|| self.enum_kind(values))
            }
            SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => {
                Some(self.union_kind(
                    members,
                    item.schema_data.discriminator.as_ref(),
                    name,
                    pointer,
                ))
            }
            SchemaKind::Any(a)
                if a.properties.is_empty()
                    && a.all_of.is_empty()
                    && (!a.one_of.is_empty() || !a.any_of.is_empty()) =>
            {
                let members = if a.one_of.is_empty() {
                    &a.any_of
                } else {
                    &a.one_of
                };
                Some(self.union_kind(
                    members,
                    item.schema_data.discriminator.as_ref(),
                    name,
                    pointer,
                ))
            }
            SchemaKind::Any(a) if !a.enumeration.is_empty() && a.properties.is_empty() => {
                let values: Vec<String> = a
                    .enumeration
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                (!values.is_empty()).then(|| self.enum_kind(values))
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } | SchemaKind::Any(_) => {
                let view = match view {
                    Some(view) => view,
                    None => self.object_view(item, pointer),
                };
                if view.properties.is_empty() {
                    return None;
                }
                Some(TypeKind::Struct(self.struct_body(view, name)))
            }
            _ => None,
        }
    }

    fn enum_kind(&mut self, values: Vec<String>) -> TypeKind {
        let mut namer = Namer::new();
        namer.reserve("Unknown");
        let mut seen = BTreeSet::new();
        let variants = values
            .into_iter()
            .filter(|v| seen.insert(v.clone()))
            .map(|wire| {
                let base = if wire.is_empty() {
                    "Empty".to_owned()
                } else {
                    pascal(&wire)
                };
                EnumVariant {
                    rust_name: namer.unique(&base),
                    wire_name: wire,
                    docs: None,
                }
            })
            .collect();
        TypeKind::Enum(variants)
    }

    fn union_kind(
        &mut self,
        members: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        name: &str,
        pointer: &Pointer,
    ) -> TypeKind {
        let mut namer = Namer::new();
        namer.reserve("Unknown");
        let mut variants: Vec<UnionVariant> = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let member_pointer = pointer.join(index.to_string());
            let hint = format!("{name}Variant{}", index + 1);
            let ty = strip_option(self.lower_inline(member, &hint, &member_pointer));
            if variants.iter().any(|v| v.ty == ty) {
                continue;
            }
            let tags = discriminator
                .map(|d| tags_of(d, member))
                .unwrap_or_default();
            let rust_name = namer.unique(&variant_name(&ty));
            variants.push(UnionVariant {
                rust_name,
                ty,
                boxed: false,
                tags,
            });
        }
        let discriminator = match discriminator {
            Some(d) if variants.iter().all(|v| !v.tags.is_empty()) => Some(d.property_name.clone()),
            Some(_) => {
                self.warnings.warn(
                    pointer,
                    "discriminator with inline members: decoded by trying each member in order",
                );
                None
            }
            None => None,
        };
        TypeKind::Union(Union {
            variants,
            discriminator,
        })
    }

    /// Collects properties from the schema and, recursively, its `allOf`
    /// members and references. Later members refine earlier ones.
    fn object_view(&mut self, item: &Schema, pointer: &Pointer) -> ObjectView {
        if !self.enter(pointer) {
            return ObjectView::default();
        }
        let view = self.object_view_unguarded(item, pointer);
        self.leave();
        view
    }

    /// [`Self::object_view`] of a schema or of the component it refers to.
    fn view_of(&mut self, schema: &ReferenceOr<Schema>, pointer: &Pointer) -> ObjectView {
        match schema {
            ReferenceOr::Item(item) => self.object_view(item, pointer),
            ReferenceOr::Reference { reference } => match self.resolve_key(reference, pointer) {
                Some(key) => self.component_view(key, pointer),
                None => ObjectView::default(),
            },
        }
    }

    /// The object view of component `key` (whose schema is not a
    /// reference), computed on first use.
    fn component_view(&mut self, key: &'a str, from: &Pointer) -> ObjectView {
        if let Some(view) = self.views.get(key).or_else(|| self.settled.views.get(key)) {
            return view.clone();
        }
        let components = self.components;
        let Some(ReferenceOr::Item(item)) = components.get(key) else {
            return ObjectView::default();
        };
        if !self.views_in_progress.insert(key) {
            self.cut_cycle = true;
            self.warnings.warn(
                from,
                format!("`allOf` cycle through `#/components/schemas/{key}`"),
            );
            return ObjectView::default();
        }
        let view = self.object_view(item, &component_pointer(key));
        self.views_in_progress.remove(key);
        self.views.insert(key, view.clone());
        view
    }

    fn object_view_unguarded(&mut self, item: &Schema, pointer: &Pointer) -> ObjectView {
        let mut view = ObjectView::default();
        let (all_of, properties, required, additional): (&[ReferenceOr<Schema>], _, _, _) =
            match &item.schema_kind {
                SchemaKind::Type(Type::Object(o)) => {
                    (&[], &o.properties, &o.required, &o.additional_properties)
                }
                SchemaKind::AllOf { all_of } => (all_of, &EMPTY_PROPS, &EMPTY_REQUIRED, &None),
                SchemaKind::Any(a) => (
                    &a.all_of,
                    &a.properties,
                    &a.required,
                    &a.additional_properties,
                ),
                _ => return view,
            };
        for (index, member) in all_of.iter().enumerate() {
            let member_pointer = pointer.join("allOf").join(index.to_string());
            let sub = self.view_of(member, &member_pointer);
            view.merge(sub, self);
        }
        let mut own = ObjectView::default();
        for (key, schema) in properties {
            own.properties.insert(
                key.clone(),
                (unbox(schema), pointer.join("properties").join(key)),
            );
        }
        own.required.extend(required.iter().cloned());
        if let Some(AdditionalProperties::Schema(s)) = additional {
            own.additional = Some((s.as_ref().clone(), pointer.join("additionalProperties")));
        }
        view.merge(own, self);
        view
    }

    fn struct_body(&mut self, view: ObjectView, name: &str) -> Struct {
        // A field shares its name with its setter, beside the constructor
        // and the derived traits' methods.
        let mut namer = Namer::new();
        for method in crate::codegen::naming::STRUCT_METHODS {
            namer.reserve(method);
        }
        let mut fields = Vec::with_capacity(view.properties.len());
        for (wire, (schema, pointer)) in &view.properties {
            let hint = format!("{name}{}", pascal(wire));
            let ty = self.lower_inline(schema, &hint, pointer);
            let (ty, nullable) = match ty {
                TypeRef::Option(inner) => (*inner, true),
                other => (other, false),
            };
            let docs = self.schema_docs(schema);
            fields.push(Field {
                rust_name: namer.unique(&snake(wire)),
                wire_name: wire.clone(),
                docs,
                ty,
                required: view.required.contains(wire),
                nullable,
                boxed: false,
            });
        }
        let additional = view.additional.map(|(schema, pointer)| {
            strip_option(self.lower_inline(&schema, &format!("{name}Value"), &pointer))
        });
        Struct {
            fields,
            additional,
            additional_field: String::new(),
        }
    }

    /// Docs of a schema: its own, else those of the annotations attached to
    /// the one member that gives its type, else those of that member (the
    /// referenced component's for a bare or annotated `$ref`).
    fn schema_docs(&self, schema: &ReferenceOr<Schema>) -> Option<String> {
        let mut current = schema;
        // Each step goes one inline level down: bounded by the document.
        loop {
            let item = match current {
                ReferenceOr::Reference { reference } => return self.reference_docs(reference),
                ReferenceOr::Item(item) => item,
            };
            if let Some(docs) = docs_of(item) {
                return Some(docs);
            }
            let (member, annotations) = sole_type_member(item)?;
            if let Some(docs) = annotations.iter().find_map(|a| docs_of(a)) {
                return Some(docs);
            }
            current = member;
        }
    }

    /// Docs of a referenced component, used for fields that are bare `$ref`s.
    fn reference_docs(&self, reference: &str) -> Option<String> {
        let key = reference.strip_prefix("#/components/schemas/")?;
        match self.components.get(key)? {
            ReferenceOr::Item(s) => docs_of(s),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// Whether `schema` adds type information beyond `base` (used when two
    /// `allOf` members declare the same property).
    fn refines(&mut self, base: &ReferenceOr<Schema>, refinement: &ReferenceOr<Schema>) -> bool {
        match refinement {
            ReferenceOr::Reference { .. } => true,
            ReferenceOr::Item(r) => {
                if !has_type_info(r) {
                    return false;
                }
                // An inline object whose properties the base already has,
                // each without type information, only adds examples.
                let base_view = self.view_of(base, &Pointer::root());
                let own = self.object_view(r, &Pointer::root());
                own.properties.is_empty()
                    || !own.properties.iter().all(|(key, (schema, _))| {
                        base_view.properties.contains_key(key)
                            && matches!(schema, ReferenceOr::Item(s) if !has_type_info(s))
                    })
            }
        }
    }
}

impl ObjectView {
    fn merge(&mut self, other: ObjectView, space: &mut TypeSpace<'_>) {
        for (key, (schema, pointer)) in other.properties {
            match self.properties.get(&key) {
                Some((existing, _)) if !space.refines(existing, &schema) => {}
                _ => {
                    self.properties.insert(key, (schema, pointer));
                }
            }
        }
        self.required.extend(other.required);
        if other.additional.is_some() {
            self.additional = other.additional;
        }
    }
}

static EMPTY_PROPS: std::sync::LazyLock<IndexMap<String, ReferenceOr<Box<Schema>>>> =
    std::sync::LazyLock::new(IndexMap::new);
static EMPTY_REQUIRED: Vec<String> = Vec::new();

/// Names from the Rust prelude (and `Self`) that generated types avoid.
const PRELUDE: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// Formats that are plain strings on the wire and need no warning.
const KNOWN_STRING_FORMATS: &[&str] = &[
    "email",
    "uuid",
    "uri",
    "url",
    "hostname",
    "ipv4",
    "ipv6",
    "date",
    "time",
    "duration",
    "uri-reference",
    "uri-template",
    "idn-email",
    "idn-hostname",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "password",
    "cidr",
    "mac",
    "phone",
];

fn component_pointer(key: &str) -> Pointer {
    Pointer::root().join("components").join("schemas").join(key)
}

fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
    }
}

/// The member of a composition that gives the schema its type, with the
/// members that only annotate it: `allOf: [{$ref: X}, {description: …}]`
/// is `X` (AWS specs document nearly every property this way), and so is
/// any composition with a single member. `None` when the schema declares
/// anything of its own, or more than one member carries type information.
fn sole_type_member(item: &Schema) -> Option<(&ReferenceOr<Schema>, Vec<&Schema>)> {
    let (members, all_of) = match &item.schema_kind {
        SchemaKind::AllOf { all_of } => (all_of, true),
        SchemaKind::OneOf { one_of: m } | SchemaKind::AnyOf { any_of: m } => (m, false),
        SchemaKind::Any(a) if a.properties.is_empty() && a.typ.is_none() => {
            let lists = [(&a.all_of, true), (&a.one_of, false), (&a.any_of, false)];
            match lists
                .iter()
                .filter(|(l, _)| !l.is_empty())
                .collect::<Vec<_>>()[..]
            {
                [&(only, kind)] if only.len() == 1 => (only, kind),
                [&(only, true)] if only_annotates(a, true) => (only, true),
                _ => return None,
            }
        }
        _ => return None,
    };
    if let [only] = members.as_slice() {
        return Some((only, Vec::new()));
    }
    if !all_of {
        return None;
    }
    let mut typed = None;
    let mut annotations = Vec::new();
    for member in members {
        match member {
            ReferenceOr::Item(s) if is_annotation(s) => annotations.push(s),
            _ if typed.is_some() => return None,
            _ => typed = Some(member),
        }
    }
    typed.map(|t| (t, annotations))
}

/// A schema that says nothing about the type of a value: only docs,
/// examples, defaults, flags (`nullable`, `readOnly`, `deprecated`, …),
/// extensions and validation bounds, which generated types do not enforce.
fn is_annotation(schema: &Schema) -> bool {
    schema.schema_data.discriminator.is_none()
        && matches!(&schema.schema_kind, SchemaKind::Any(a) if only_annotates(a, false))
}

/// Whether `a` has no keyword that changes the type (ignoring `allOf` when
/// `except_all_of`).
fn only_annotates(a: &AnySchema, except_all_of: bool) -> bool {
    a.typ.is_none()
        && a.format.is_none()
        && a.properties.is_empty()
        && a.required.is_empty()
        && a.additional_properties.is_none()
        && a.items.is_none()
        && a.enumeration.is_empty()
        && a.one_of.is_empty()
        && a.any_of.is_empty()
        && (except_all_of || a.all_of.is_empty())
        && a.not.is_none()
}

fn has_type_info(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(a) => {
            a.typ.is_some()
                || !a.properties.is_empty()
                || a.items.is_some()
                || !a.all_of.is_empty()
                || !a.one_of.is_empty()
                || !a.any_of.is_empty()
                || !a.enumeration.is_empty()
                || a.additional_properties.is_some()
        }
        _ => true,
    }
}

fn strip_option(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(inner) => *inner,
        other => other,
    }
}

/// The discriminator values that select `member`: the mapping entries that
/// point at it, or else (OpenAPI's implicit mapping) its component name.
fn tags_of(discriminator: &openapiv3::Discriminator, member: &ReferenceOr<Schema>) -> Vec<String> {
    let ReferenceOr::Reference { reference } = member else {
        return Vec::new();
    };
    let mapped: Vec<String> = discriminator
        .mapping
        .iter()
        .filter(|(_, target)| *target == reference || reference.ends_with(&format!("/{target}")))
        .map(|(value, _)| value.clone())
        .collect();
    if !mapped.is_empty() {
        return mapped;
    }
    reference
        .rsplit('/')
        .next()
        .map(|name| vec![name.to_owned()])
        .unwrap_or_default()
}

/// A variant name for a union member, from its type.
fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String => "String".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "Integer".into(),
        TypeRef::F32 | TypeRef::F64 => "Number".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::Unit => "Unit".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::File => "File".into(),
        TypeRef::Vec(inner) => format!("{}List", variant_name(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner)),
        TypeRef::Option(inner) => variant_name(inner),
    }
}

/// Rustdoc for a schema: title, then description.
pub fn docs_of(schema: &Schema) -> Option<String> {
    let data = &schema.schema_data;
    let mut parts = Vec::new();
    if let Some(title) = data
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        parts.push(title.to_owned());
    }
    if let Some(d) = data
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        if parts.first().is_none_or(|t| t != d) {
            parts.push(d.to_owned());
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("\n\n"))
    }
}
