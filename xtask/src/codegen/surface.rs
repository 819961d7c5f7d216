//! A compact, reviewable listing of an API's generated surface: every type
//! with its fields and every client method with its signature. Snapshot
//! tests keep it, so a spec update shows up as a short diff in review.

use std::fmt::Write as _;

use super::ir::{
    Access, Api, BodyKind, OutputShape, PaginationKind, Param, ParamLocation, Style, TypeKind,
    TypeRef,
};

/// How [`type_name`] spells the types that have a short and a full form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `Value`, `Map<T>`: this listing.
    Short,
    /// `serde_json::Value`, `BTreeMap<String, T>`: as the generated code
    /// reads (the API diff's reports).
    Full,
}

/// The Rust spelling of a type reference (`Vec<String>`, `Option<User>`).
pub fn type_name(ty: &TypeRef, spelling: Spelling) -> String {
    let inner = |t: &TypeRef| type_name(t, spelling);
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime<Utc>".into(),
        TypeRef::Json => match spelling {
            Spelling::Short => "Value".into(),
            Spelling::Full => "serde_json::Value".into(),
        },
        TypeRef::Unit => "()".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::File => "FilePart".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(t) => format!("Vec<{}>", inner(t)),
        TypeRef::Map(t) => match spelling {
            Spelling::Short => format!("Map<{}>", inner(t)),
            Spelling::Full => format!("BTreeMap<String, {}>", inner(t)),
        },
        TypeRef::Option(t) => format!("Option<{}>", inner(t)),
    }
}

/// A chain of field accesses as `a.b.c`.
pub fn field_path(accesses: &[Access]) -> String {
    accesses
        .iter()
        .map(|a| a.field.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn short(ty: &TypeRef) -> String {
    type_name(ty, Spelling::Short)
}

/// A parameter's style when it is not its location's default.
fn style_note(p: &Param) -> Option<String> {
    let default = match p.location {
        ParamLocation::Query | ParamLocation::Cookie => Style::Form { explode: true },
        ParamLocation::Path | ParamLocation::Header => Style::Simple { explode: false },
    };
    (p.style != default).then(|| format!(", {:?}", p.style))
}

pub fn surface(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} {} ({})",
        api.title, api.version, api.crate_prefix
    );
    let _ = writeln!(out, "base_url: {}", api.base_url);
    for method in &api.auth {
        let _ = writeln!(out, "auth: {method:?}");
    }
    let _ = writeln!(out, "\n## operations");
    for op in &api.operations {
        let mut args: Vec<String> = op
            .required_params
            .iter()
            .map(|p| format!("{}: {}", p.rust_name, short(&p.ty)))
            .collect();
        if let Some(body) = op.body.as_ref().filter(|b| b.required) {
            match &body.choice {
                Some(choice) => args.push(format!("body: {choice}")),
                None => args.push(format!("body: {}", short(&body.ty))),
            }
        }
        // Optional inputs are set on the call, not passed to the method.
        let params = op
            .params_struct
            .as_ref()
            .map(|params| format!(".params({params})"))
            .unwrap_or_default();
        let output = match (&op.output.shape, &op.output.by_status) {
            (OutputShape::Empty, _) => "()".to_owned(),
            (OutputShape::Raw, _) => "Bytes".to_owned(),
            (OutputShape::ByStatus, Some(e)) => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| match v.body {
                        crate::codegen::ir::ResponseBodyKind::Empty => {
                            format!("{} {}", v.status, v.rust_name)
                        }
                        crate::codegen::ir::ResponseBodyKind::Binary => {
                            format!("{} {}(Bytes)", v.status, v.rust_name)
                        }
                        _ => format!("{} {}({})", v.status, v.rust_name, short(&v.ty)),
                    })
                    .collect();
                format!("{} {{ {} }}", e.name, variants.join(", "))
            }
            _ => short(&op.output.ty),
        };
        let mut output = match &op.output.error {
            Some(error) => format!("{output} / error {}", short(error)),
            None => output,
        };
        match &op.security {
            super::ir::Security::Any => {}
            super::ir::Security::None => output.push_str(" / no auth"),
            super::ir::Security::Alternatives(indices) => {
                let names: Vec<String> = indices
                    .iter()
                    .filter_map(|i| api.auth.get(*i))
                    .map(super::emit::security::scheme_names)
                    .collect();
                output.push_str(&format!(" / auth {}", names.join(" | ")));
            }
        }
        let _ = writeln!(
            out,
            "{}.{}({}){params} -> {output}  [{} {:?} {}]",
            op.resource.join("."),
            op.method_name,
            args.join(", "),
            op.rust_name,
            op.method,
            op.path
        );
        for p in op
            .required_params
            .iter()
            .filter(|p| style_note(p).is_some())
        {
            let _ = writeln!(
                out,
                "    {}: {:?} `{}`{}",
                p.rust_name,
                p.location,
                p.wire_name,
                style_note(p).unwrap_or_default()
            );
        }
        for p in &op.optional_params {
            let _ = writeln!(
                out,
                "    ?{}: {} ({:?} `{}`{})",
                p.rust_name,
                short(&p.ty),
                p.location,
                p.wire_name,
                style_note(p).unwrap_or_default()
            );
        }
        if let Some(body) = op
            .body
            .as_ref()
            .filter(|b| b.alternatives.len() > 1 || b.content_type != "application/json")
        {
            let media: Vec<String> = body
                .alternatives
                .iter()
                .map(|a| match &a.kind {
                    BodyKind::Form { styles } if !styles.is_empty() => {
                        let styles: Vec<String> =
                            styles.iter().map(|(n, s)| format!("{n}: {s:?}")).collect();
                        format!("{} {} {{{}}}", a.variant, a.content_type, styles.join(", "))
                    }
                    _ => format!("{} {}", a.variant, a.content_type),
                })
                .collect();
            let _ = writeln!(out, "    body as: {}", media.join(" | "));
        }
        if let Some(p) = &op.pagination {
            let path = field_path;
            let kind = match &p.kind {
                PaginationKind::SinglePage => "single page".to_owned(),
                PaginationKind::PageNumber {
                    page_param,
                    total_pages,
                    ..
                } => match total_pages {
                    Some((access, _)) => format!(
                        "page number ?{page_param}, total pages meta.{}",
                        access.field
                    ),
                    None => format!("page number ?{page_param}"),
                },
                PaginationKind::Cursor {
                    cursor_param,
                    next_cursor,
                } => {
                    format!("cursor ?{cursor_param} from output.{}", path(next_cursor))
                }
            };
            let items = if p.items_path.is_empty() {
                "output".to_owned()
            } else {
                format!("output.{}", path(&p.items_path))
            };
            let _ = writeln!(
                out,
                "    paginated: {kind}; items {items}: {}",
                short(&p.item)
            );
        }
    }
    if !api.resource_types.is_empty() {
        let _ = writeln!(out, "\n## resources");
    }
    for (path, name) in &api.resource_types {
        let _ = writeln!(out, "{}: {name}", path.join("."));
    }
    let _ = writeln!(out, "\n## types");
    for def in api.types.values() {
        match &def.kind {
            TypeKind::Struct(s) => {
                let _ = writeln!(out, "struct {}", def.name);
                for f in &s.fields {
                    let marker = match (f.required, f.nullable) {
                        (true, false) => "",
                        (true, true) => " (nullable)",
                        (false, false) => " (optional)",
                        (false, true) => " (optional, nullable)",
                    };
                    let boxed = if f.boxed { " (boxed)" } else { "" };
                    let _ = writeln!(
                        out,
                        "    {}: {}{marker}{boxed}  `{}`",
                        f.rust_name,
                        short(&f.ty),
                        f.wire_name
                    );
                }
                if let Some(extra) = &s.additional {
                    let _ = writeln!(out, "    ..: {}", short(extra));
                }
            }
            TypeKind::Enum(variants) => {
                let values: Vec<&str> = variants.iter().map(|v| v.wire_name.as_str()).collect();
                let _ = writeln!(out, "enum {} = {:?} | Unknown(String)", def.name, values);
            }
            TypeKind::Union(union) => {
                let values: Vec<String> = union
                    .variants
                    .iter()
                    .map(|v| match union.discriminator {
                        Some(_) => format!("{}({}) if {:?}", v.rust_name, short(&v.ty), v.tags),
                        None => format!("{}({})", v.rust_name, short(&v.ty)),
                    })
                    .collect();
                let tagged = match &union.discriminator {
                    Some(property) => format!(" (by `{property}`, else Unknown(Value))"),
                    None => String::new(),
                };
                let _ = writeln!(out, "union {}{tagged} = {}", def.name, values.join(" | "));
            }
            TypeKind::Alias(target) => {
                let _ = writeln!(
                    out,
                    "type {} = {}  ({})",
                    def.name,
                    short(target),
                    target.describe()
                );
            }
        }
    }
    if !api.warnings.is_empty() || !api.skipped.is_empty() {
        let _ = writeln!(out, "\n## diagnostics");
        for w in &api.warnings {
            let _ = writeln!(out, "warning at {}: {}", w.pointer, w.message);
        }
        for s in &api.skipped {
            let _ = writeln!(out, "skipped at {}: {}", s.pointer, s.message);
        }
    }
    out
}
