//! A compact, reviewable listing of an API's generated surface: every type
//! with its fields and every client method with its signature. Snapshot
//! tests keep it, so a spec update shows up as a short diff in review.

use std::fmt::Write as _;

use super::ir::{Api, OutputShape, PaginationKind, TypeKind, TypeRef};

fn short(ty: &TypeRef) -> String {
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
        TypeRef::Json => "Value".into(),
        TypeRef::Unit => "()".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(inner) => format!("Vec<{}>", short(inner)),
        TypeRef::Map(inner) => format!("Map<{}>", short(inner)),
        TypeRef::Option(inner) => format!("Option<{}>", short(inner)),
    }
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
            args.push(format!("body: {}", short(&body.ty)));
        }
        if let Some(params) = &op.params_struct {
            args.push(format!("params: {params}"));
        }
        let output = match (&op.output.shape, &op.output.by_status) {
            (OutputShape::Empty, _) => "()".to_owned(),
            (OutputShape::Raw, _) => "Bytes".to_owned(),
            (OutputShape::ByStatus, Some(e)) => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| match v.body {
                        crate::codegen::ir::BodyKind::Empty => {
                            format!("{} {}", v.status, v.rust_name)
                        }
                        crate::codegen::ir::BodyKind::Binary => {
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
            "{}.{}({}) -> {output}  [{} {:?} {}]",
            op.resource.join("."),
            op.method_name,
            args.join(", "),
            op.rust_name,
            op.method,
            op.path
        );
        for p in &op.optional_params {
            let _ = writeln!(
                out,
                "    ?{}: {} ({:?} `{}`)",
                p.rust_name,
                short(&p.ty),
                p.location,
                p.wire_name
            );
        }
        if let Some(p) = &op.pagination {
            let path = |accesses: &[crate::codegen::ir::Access]| {
                accesses
                    .iter()
                    .map(|a| a.field.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            };
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
