//! Items printed as text, directly in prettyplease's layout.
//!
//! Building tokens with `quote`, re-parsing them with `syn` and printing
//! them with `prettyplease` was most of the generator's time on big specs.
//! The shapes that make up most of a big API's output are printed here
//! directly instead: structs with their fields, constructor and setter
//! impls, open enums with their impls, the operations' parameter and
//! request structs and most of their `Operation` impls
//! ([`operation_text`](super::operation_text)), and the clients' resource
//! types and methods. This module knows prettyplease's rules for the few
//! constructs they use: a group breaks only when it is wider than 89
//! columns; generic arguments, parameters and attribute arguments then go
//! one per line, with a trailing comma that only counts towards the width
//! when it is not the last; a struct literal also breaks when it is wider
//! than 35 bytes; a method call that does not fit moves to the next line,
//! then breaks its arguments; a match arm that does not fit becomes a
//! block. What cannot break (a path, an item's name, a literal) stays wider
//! than the margin, as prettyplease leaves it: long names are common in big
//! APIs, and handing such items to prettyplease was half of the generator's
//! time on them. An item with a wide line that no rule here accounts for
//! ([`Printer::into_part`]) is handed to prettyplease as source instead.
//! Module indexes and unions without a discriminator are text too. The rest
//! of the output (discriminated unions, pagination, responses by status,
//! crate roots) still goes through `quote`.
//!
//! Debug builds (every test, and `cargo xtask generate`) format each item
//! printed here once more with prettyplease and fail on any difference
//! ([`check`]), so the two printers cannot drift apart unnoticed.

use std::borrow::Cow;

use proc_macro2::TokenStream;

use super::Part;
use crate::codegen::ir::{RequestBody, TypeRef};

/// prettyplease's line width: a group that fits in it stays on one line.
pub const MARGIN: usize = 89;
const INDENT: usize = 4;
/// prettyplease breaks a struct literal wider than this (`Self { a, b }`)
/// whatever room the line has (its `end_with_max_width(34)`, plus the `}`).
const STRUCT_LITERAL_WIDTH: usize = 35;

/// A type as prettyplease breaks it: a path, or a path with generic
/// arguments that go one per line when the whole does not fit.
#[derive(Debug, Clone)]
pub enum Ty {
    Leaf(String),
    Generic(Cow<'static, str>, Vec<Ty>),
}

impl Ty {
    /// The type of `ty`.
    pub fn of(ty: &TypeRef) -> Ty {
        let leaf = |s: &str| Ty::Leaf(s.to_owned());
        match ty {
            TypeRef::String => leaf("String"),
            TypeRef::Bool => leaf("bool"),
            TypeRef::I32 => leaf("i32"),
            TypeRef::I64 => leaf("i64"),
            TypeRef::U32 => leaf("u32"),
            TypeRef::U64 => leaf("u64"),
            TypeRef::F32 => leaf("f32"),
            TypeRef::F64 => leaf("f64"),
            TypeRef::DateTime => Ty::wrap("::chrono::DateTime", leaf("::chrono::Utc")),
            TypeRef::Json => leaf("::serde_json::Value"),
            TypeRef::Unit => leaf("()"),
            TypeRef::Bytes => Ty::wrap("Vec", leaf("u8")),
            TypeRef::File => leaf("::apigen_runtime::FilePart"),
            TypeRef::Named(name) => Ty::Leaf(format!("crate::types::{name}")),
            TypeRef::Vec(inner) => Ty::wrap("Vec", Ty::of(inner)),
            TypeRef::Map(inner) => Ty::Generic(
                "::std::collections::BTreeMap".into(),
                vec![leaf("String"), Ty::of(inner)],
            ),
            TypeRef::Option(inner) => Ty::wrap("Option", Ty::of(inner)),
        }
    }

    /// The argument type a setter or constructor accepts for `ty`.
    pub fn arg(ty: &TypeRef) -> Ty {
        match ty {
            TypeRef::String | TypeRef::File => Ty::wrap("impl Into", Ty::of(ty)),
            other => Ty::of(other),
        }
    }

    /// This type as tokens, for the items still built with `quote`.
    pub fn to_tokens(&self) -> TokenStream {
        let mut flat = String::new();
        self.write_flat(&mut flat);
        // Paths of the runtime and of settled type names (identifiers, never
        // keywords): always valid Rust.
        flat.parse()
            .unwrap_or_else(|e| panic!("type `{flat}` does not lex: {e}"))
    }

    /// `head<inner>`.
    pub fn wrap(head: &'static str, inner: Ty) -> Ty {
        Ty::Generic(head.into(), vec![inner])
    }

    /// `Self`, as a return type.
    pub fn self_type() -> Ty {
        Ty::Leaf("Self".to_owned())
    }

    /// `head<'c, args…>`: a type borrowing the client for `'c`.
    pub fn borrowing_client(
        head: impl Into<Cow<'static, str>>,
        args: impl IntoIterator<Item = Ty>,
    ) -> Ty {
        let lifetime = std::iter::once(Ty::Leaf("'c".to_owned()));
        Ty::Generic(head.into(), lifetime.chain(args).collect())
    }

    fn width(&self) -> usize {
        match self {
            Ty::Leaf(s) => s.len(),
            Ty::Generic(head, args) => {
                head.len() + 2 + args.iter().map(|a| a.width() + 2).sum::<usize>() - 2
            }
        }
    }

    /// Appends the type on one line.
    pub fn write_flat(&self, out: &mut String) {
        match self {
            Ty::Leaf(s) => out.push_str(s),
            Ty::Generic(head, args) => {
                out.push_str(head);
                out.push('<');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    arg.write_flat(out);
                }
                out.push('>');
            }
        }
    }
}

/// A Rust string literal for `value`, escaped as `proc_macro2` escapes it
/// (so as `quote` would have printed it).
pub fn str_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars();
    loop {
        // Printable ASCII other than `\` and `"` stands for itself: runs of
        // it (nearly every string of a spec) are copied whole.
        let rest = chars.as_str();
        let plain = rest
            .bytes()
            .position(|b| !(b' '..=b'~').contains(&b) || b == b'\\' || b == b'"')
            .unwrap_or(rest.len());
        out.push_str(&rest[..plain]);
        chars = rest[plain..].chars();
        let Some(c) = chars.next() else {
            break;
        };
        match c {
            // `\0` before an octal digit would read as another escape.
            '\0' if chars
                .as_str()
                .starts_with(|n: char| ('0'..='7').contains(&n)) =>
            {
                out.push_str("\\x00");
            }
            '\0' => out.push_str("\\0"),
            '\'' => out.push(c),
            _ => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    out
}

/// Converts an argument of [`Ty::arg`]`(ty)` called `name` into `ty`.
pub fn arg_value(ty: &TypeRef, name: &str) -> String {
    match ty {
        TypeRef::String | TypeRef::File => format!("{name}.into()"),
        _ => name.to_owned(),
    }
}

/// A field initialiser `name: value`, in shorthand (`name`) when the value
/// is the variable of the same name.
pub fn field_init(name: &str, value: &str) -> String {
    if name == value {
        name.to_owned()
    } else {
        format!("{name}: {value}")
    }
}

/// The Rust type of a body field or argument.
pub fn body_type(body: &RequestBody) -> Ty {
    match &body.choice {
        Some(choice) => Ty::Leaf(format!("crate::operations::{choice}")),
        None => Ty::of(&body.ty),
    }
}

/// The constructor argument of a required body, and the value it stores.
pub fn body_arg(body: &RequestBody) -> (Ty, String) {
    if body.choice.is_none() && body.ty == TypeRef::File {
        (Ty::arg(&body.ty), "body.into()".to_owned())
    } else {
        (body_type(body), "body".to_owned())
    }
}

/// `head for name { … }` (`head` is `impl Trait`) around `lines`, which
/// are already laid out (indented one level).
pub fn impl_block(head: &str, name: &str, lines: &[&str]) -> Part {
    let mut p = Printer::default();
    p.impl_open(head, name);
    for line in lines {
        p.line(0, line);
    }
    p.line(0, "}");
    p.into_part()
}

/// The inner doc `//! doc`, as prettyplease prints `#![doc = " doc"]`:
/// a line comment when the text is one line, else (rare) the attribute
/// for prettyplease to print.
pub fn inner_doc(doc: &str) -> Part {
    if doc.contains(['\n', '\r']) {
        let doc = format!(" {doc}");
        return Part::Tokens(quote::quote!(#![doc = #doc]));
    }
    let mut p = Printer::default();
    p.fixed(0, format!("//! {doc}").trim_end_matches(' '));
    p.into_part()
}

/// A printed item under construction.
#[derive(Debug, Default)]
pub struct Printer {
    out: String,
    /// Whether a line wider than the margin was printed that no rule here
    /// lays out as prettyplease would.
    unruled_overflow: bool,
}

impl Printer {
    /// The printed item, as it is when every line that is wider than the
    /// margin is one that prettyplease leaves as wide or that a rule here
    /// broke as it does; else as source for prettyplease, whose rules for
    /// lines that do not fit are more than these.
    pub fn into_part(self) -> Part {
        if self.unruled_overflow {
            Part::Source(self.out)
        } else {
            Part::Text(self.out)
        }
    }

    /// One line at `indent`, which prettyplease prints as it is when it
    /// fits in the margin. A wider one hands the item to prettyplease.
    pub fn line(&mut self, indent: usize, text: &str) {
        if indent + text.len() > MARGIN {
            self.unruled_overflow = true;
        }
        self.fixed(indent, text);
    }

    /// One line at `indent` that prettyplease prints as it is however wide
    /// it is: it has nowhere to break (an item's name with no generics, an
    /// enum variant, `type X = path;`).
    pub fn fixed(&mut self, indent: usize, text: &str) {
        self.indent(indent);
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// `text` (an argument, or a field of a struct literal: `name: value`
    /// or the shorthand `name`) and then a comma, on one line when it fits,
    /// else broken as prettyplease breaks the expressions written here. The
    /// comma after the last element of a broken list does not count
    /// towards the width.
    pub fn element(&mut self, indent: usize, text: &str, last: bool) {
        let counted = usize::from(!last);
        if indent + text.len() + counted <= MARGIN {
            self.fixed(indent, &format!("{text},"));
            return;
        }
        match overflow(text) {
            Overflow::AsIs => self.fixed(indent, &format!("{text},")),
            Overflow::BeforeMethod(dot) => {
                self.fixed(indent, &text[..dot]);
                self.fixed(indent + INDENT, &format!("{},", &text[dot..]));
            }
            Overflow::InsideCall(open) => {
                // The argument is the call's last: its comma does not count.
                self.fixed(indent, &text[..=open]);
                self.element(indent + INDENT, &text[open + 1..text.len() - 1], true);
                self.fixed(indent, "),");
            }
            Overflow::Unruled => self.line(indent, &format!("{text},")),
        }
    }

    /// The elements of a broken list, one per line (see
    /// [`Printer::element`]).
    pub fn elements(&mut self, indent: usize, elements: &[String]) {
        for (i, element) in elements.iter().enumerate() {
            self.element(indent, element, i + 1 == elements.len());
        }
    }

    /// `receiver.method(args)` and `end` (`;` or `?;`) as a statement: on
    /// one line, else with `.method(…)` on the next, else with the
    /// arguments one per line as well (each laid out as
    /// [`Printer::element`] lays it out).
    pub fn method_statement(
        &mut self,
        indent: usize,
        receiver: &str,
        method: &str,
        args: &[String],
        end: &str,
    ) {
        let call = format!(".{method}({}){end}", args.join(", "));
        let inner = indent + INDENT;
        if indent + receiver.len() + call.len() <= MARGIN {
            self.line(indent, &format!("{receiver}{call}"));
        } else if inner + call.len() <= MARGIN {
            self.fixed(indent, receiver);
            self.line(inner, &call);
        } else {
            self.fixed(indent, receiver);
            self.fixed(inner, &format!(".{method}("));
            self.elements(inner + INDENT, args);
            self.fixed(inner, &format!("){end}"));
        }
    }

    fn indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// `///` lines, trailing spaces trimmed as prettyplease trims them.
    pub fn docs<S: AsRef<str>>(&mut self, indent: usize, lines: &[S]) {
        for line in lines {
            let line = super::docs::single_line(line.as_ref());
            let line = line.trim_end_matches(' ');
            self.indent(indent);
            self.out.push_str("///");
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    /// `prefix`, `ty` and `suffix` on one line when they fit, else with
    /// the type's generic arguments broken out, one level at a time.
    pub fn typed(&mut self, indent: usize, prefix: &str, ty: &Ty, suffix: &str) {
        self.typed_in_list(indent, prefix, ty, suffix, false);
    }

    /// [`Printer::typed`] for an element of a broken list, which ends with
    /// a comma. prettyplease prints the comma after the last element only
    /// once the list is broken, so it does not count towards the width.
    fn typed_in_list(&mut self, indent: usize, prefix: &str, ty: &Ty, suffix: &str, last: bool) {
        self.indent(indent);
        self.out.push_str(prefix);
        let counted = if last { 0 } else { suffix.len() };
        let fits = indent + prefix.len() + ty.width() + counted <= MARGIN;
        match ty {
            Ty::Generic(head, args) if !fits => {
                self.out.push_str(head);
                self.out.push_str("<\n");
                for (i, arg) in args.iter().enumerate() {
                    self.typed_in_list(indent + INDENT, "", arg, ",", i + 1 == args.len());
                }
                self.indent(indent);
                self.out.push('>');
            }
            _ => ty.write_flat(&mut self.out),
        }
        self.out.push_str(suffix);
        self.out.push('\n');
    }

    /// An enum's variant `name(ty),` on one line when it fits, else with
    /// its type on a line of its own, broken as a field's type is.
    pub fn tuple_variant(&mut self, name: &str, ty: &Ty) {
        if INDENT + name.len() + ty.width() + "(),".len() <= MARGIN {
            self.indent(INDENT);
            self.out.push_str(name);
            self.out.push('(');
            ty.write_flat(&mut self.out);
            self.out.push_str("),\n");
            return;
        }
        self.fixed(INDENT, &format!("{name}("));
        // The only element of the list: its comma does not count.
        self.typed_in_list(2 * INDENT, "", ty, ",", true);
        self.fixed(INDENT, "),");
    }

    /// A documented `pub` field of a struct, under `#[serde(…)]` when
    /// `serde` has arguments.
    pub fn field<S: AsRef<str>>(&mut self, docs: &[S], serde: &[String], name: &str, ty: &Ty) {
        self.docs(INDENT, docs);
        if !serde.is_empty() {
            self.attr_list(INDENT, "serde", serde);
        }
        self.typed(INDENT, &format!("pub {name}: "), ty, ",");
    }

    /// `pub struct name { fields }`, or `{}` when there are none.
    pub fn struct_body(&mut self, name: &str, fields: Printer) {
        if fields.out.is_empty() {
            self.fixed(0, &format!("pub struct {name} {{}}"));
        } else {
            self.fixed(0, &format!("pub struct {name} {{"));
            self.append(fields);
            self.line(0, "}");
        }
    }

    /// A documented chainable setter of an impl: `name(mut self, value)`
    /// stores `assigned` (an expression of `value`) and returns `self`.
    pub fn setter<S: AsRef<str>>(&mut self, docs: &[S], name: &str, arg: Ty, assigned: &str) {
        self.docs(INDENT, docs);
        let params = [
            ("mut self".to_owned(), Ty::Leaf(String::new())),
            ("value: ".to_owned(), arg),
        ];
        self.inline_unless_generic(INDENT, &params);
        self.fn_open(
            INDENT,
            &format!("pub fn {name}"),
            &params,
            Some(&Ty::self_type()),
        );
        self.line(2 * INDENT, &format!("self.{name} = {assigned};"));
        self.line(2 * INDENT, "self");
        self.line(INDENT, "}");
    }

    /// `#[inline]` before a function whose parameters are not generic.
    /// rustc compiles a non-generic function into its crate whether anyone
    /// calls it or not, and an inline one only where it is called: a models
    /// crate has thousands of constructors and setters, of which a program
    /// calls a few (a generic one is already compiled only where it is used).
    pub fn inline_unless_generic(&mut self, indent: usize, params: &[(String, Ty)]) {
        let generic = params
            .iter()
            .any(|(_, ty)| matches!(ty, Ty::Generic(head, _) if head.starts_with("impl ")));
        if !generic {
            self.line(indent, "#[inline]");
        }
    }

    /// `head for name {` (`head` is `impl Trait`), with `for name {` on a
    /// line of its own when the whole is too wide.
    pub fn impl_open(&mut self, head: &str, name: &str) {
        let one_line = format!("{head} for {name} {{");
        if one_line.len() <= MARGIN {
            self.line(0, &one_line);
        } else {
            self.line(0, head);
            self.fixed(0, &format!("for {name} {{"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// `receiver.method(function(args))` as the whole of a statement: on one
    /// line, else with `.method(…)` on the next, else with the call broken
    /// out as well, as prettyplease lays out a method call that does not fit.
    pub fn call_chain(
        &mut self,
        indent: usize,
        receiver: &str,
        method: &str,
        function: &str,
        args: &[String],
    ) {
        let call = format!("{function}({})", args.join(", "));
        let one_line = format!("{receiver}.{method}({call})");
        if indent + one_line.len() <= MARGIN {
            self.line(indent, &one_line);
            return;
        }
        self.line(indent, receiver);
        let inner = indent + INDENT;
        let second = format!(".{method}({call})");
        if inner + second.len() <= MARGIN {
            self.line(inner, &second);
            return;
        }
        self.fixed(inner, &format!(".{method}("));
        let arg = inner + INDENT;
        // The call is the last argument: its comma does not count. A call
        // without arguments has nowhere to break.
        if arg + call.len() <= MARGIN || args.is_empty() {
            self.fixed(arg, &format!("{call},"));
        } else {
            self.fixed(arg, &format!("{function}("));
            for (i, a) in args.iter().enumerate() {
                self.element(arg + INDENT, a, i + 1 == args.len());
            }
            self.fixed(arg, "),");
        }
        self.fixed(inner, ")");
    }

    /// `match scrutinee { arms, fallback }` as the body of a method. An arm
    /// is its pattern and its value, each a literal or a path.
    pub fn match_body(
        &mut self,
        scrutinee: &str,
        arms: impl IntoIterator<Item = (String, String)>,
        fallback: &str,
    ) {
        self.line(2 * INDENT, &format!("match {scrutinee} {{"));
        for (pattern, value) in arms {
            self.arm(3 * INDENT, &pattern, &value);
        }
        self.line(3 * INDENT, fallback);
        self.line(2 * INDENT, "}");
    }

    /// `pattern => value,`, or the value in a block of its own when that
    /// does not fit, as prettyplease breaks an arm (its comma, printed only
    /// when the arm is not broken, does not count towards the width).
    /// Literals and paths do not break further.
    fn arm(&mut self, indent: usize, pattern: &str, value: &str) {
        let one_line = format!("{pattern} => {value},");
        if indent + one_line.len() - ",".len() <= MARGIN {
            self.fixed(indent, &one_line);
            return;
        }
        self.fixed(indent, &format!("{pattern} => {{"));
        self.fixed(indent + INDENT, value);
        self.fixed(indent, "}");
    }

    /// The lines printed by `other`, after these.
    pub fn append(&mut self, other: Printer) {
        self.out.push_str(&other.out);
        self.unruled_overflow |= other.unruled_overflow;
    }

    /// `#[name(a, b)]`, or one argument per line when that does not fit.
    fn attr_list(&mut self, indent: usize, name: &str, args: &[String]) {
        let flat = args.join(", ");
        if indent + name.len() + flat.len() + 5 <= MARGIN {
            self.line(indent, &format!("#[{name}({flat})]"));
            return;
        }
        self.line(indent, &format!("#[{name}("));
        for arg in args {
            self.line(indent + INDENT, &format!("{arg},"));
        }
        self.line(indent, ")]");
    }

    /// `head(params) -> ret {`, or one parameter per line when that does
    /// not fit, and then the return type's generic arguments too when
    /// `) -> ret {` does not. A parameter is its `name: ` (or the whole of
    /// `mut self`) and its type.
    pub fn fn_open(
        &mut self,
        indent: usize,
        head: &str,
        params: &[(String, Ty)],
        ret: Option<&Ty>,
    ) {
        let flat: usize = params
            .iter()
            .map(|(prefix, ty)| prefix.len() + ty.width() + 2)
            .sum::<usize>()
            .saturating_sub(2);
        let ret_width = ret.map_or(0, |ty| " -> ".len() + ty.width());
        if indent + head.len() + flat + ret_width + 4 <= MARGIN {
            self.indent(indent);
            self.out.push_str(head);
            self.out.push('(');
            for (i, (prefix, ty)) in params.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.out.push_str(prefix);
                ty.write_flat(&mut self.out);
            }
            self.out.push(')');
            if let Some(ty) = ret {
                self.out.push_str(" -> ");
                ty.write_flat(&mut self.out);
            }
            self.out.push_str(" {\n");
            return;
        }
        self.fixed(indent, &format!("{head}("));
        for (i, (prefix, ty)) in params.iter().enumerate() {
            self.typed_in_list(indent + INDENT, prefix, ty, ",", i + 1 == params.len());
        }
        match ret {
            Some(ty) => self.typed(indent, ") -> ", ty, " {"),
            None => self.fixed(indent, ") {"),
        }
    }

    /// `name { a, b: c }` as the whole of a line, or one field per line
    /// when it is too wide.
    pub fn struct_literal(&mut self, indent: usize, name: &str, fields: &[String]) {
        self.struct_literal_then(indent, name, fields, "");
    }

    /// [`Printer::struct_literal`] followed by `suffix` (a comma).
    fn struct_literal_then(&mut self, indent: usize, name: &str, fields: &[String], suffix: &str) {
        let flat = fields.join(", ");
        let one_line = if fields.is_empty() {
            format!("{name} {{}}")
        } else {
            format!("{name} {{ {flat} }}")
        };
        if one_line.len() <= STRUCT_LITERAL_WIDTH && indent + one_line.len() <= MARGIN {
            self.line(indent, &format!("{one_line}{suffix}"));
            return;
        }
        self.fixed(indent, &format!("{name} {{"));
        self.elements(indent + INDENT, fields);
        self.line(indent, &format!("}}{suffix}"));
    }
}

/// How prettyplease lays out an element of a list (see
/// [`Printer::element`]) that does not fit.
#[derive(Debug, PartialEq)]
enum Overflow {
    /// As it is: a path, a literal or a call without arguments has
    /// nowhere to break.
    AsIs,
    /// `receiver` on the line, `.method()` on the next, one level in: a
    /// method call breaks before its dot (at this byte).
    BeforeMethod(usize),
    /// `function(` on the line, its one argument on the next, one level
    /// in, then `)`: a call breaks inside its parentheses (this byte).
    InsideCall(usize),
    /// An expression these rules do not cover.
    Unruled,
}

/// How `element` (`name: value` or an expression alone) breaks.
fn overflow(element: &str) -> Overflow {
    let value = element.split_once(": ").map_or(element, |(_, value)| value);
    let is_path = |s: &str| {
        !s.is_empty()
            && s.trim_start_matches("::")
                .split("::")
                .all(|segment| !segment.is_empty() && is_ident(segment))
    };
    // A literal or a path, or a reference to one: nowhere to break.
    let atom = |s: &str| {
        let s = s.strip_prefix('&').unwrap_or(s);
        is_path(s) || is_str_literal(s)
    };
    if atom(value) || value.strip_suffix("()").is_some_and(is_path) {
        return Overflow::AsIs;
    }
    if let Some((function, argument)) = value
        .strip_suffix(')')
        .and_then(|call| call.split_once('('))
    {
        if is_path(function) && atom(argument) {
            return Overflow::InsideCall(element.len() - value.len() + function.len());
        }
    }
    if let Some((receiver, method)) = value.strip_suffix("()").and_then(|v| v.split_once('.')) {
        if is_ident(receiver) && is_ident(method) {
            return Overflow::BeforeMethod(element.len() - value.len() + receiver.len());
        }
    }
    Overflow::Unruled
}

/// Whether `s` is one string literal as [`str_literal`] writes it.
fn is_str_literal(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return false;
    };
    // No unescaped quote inside: a backslash escapes the next character.
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return false,
            _ => {}
        }
    }
    true
}

/// Whether `s` is one identifier (settled names only: no raw identifiers).
fn is_ident(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars().next().is_some_and(|c| !c.is_ascii_digit())
}

/// In debug builds, that prettyplease prints `item` exactly as it is.
pub fn check(item: &str) -> Result<(), String> {
    if !cfg!(debug_assertions) {
        return Ok(());
    }
    let parsed = syn::parse_file(item)
        .map_err(|e| format!("internal error: printed item does not parse: {e}\n{item}"))?;
    let reprinted = prettyplease::unparse(&parsed);
    if reprinted == item {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(reprinted.as_str(), item)
        .unified_diff()
        .header("prettyplease", "printed")
        .to_string();
    Err(format!(
        "internal error: an item printed as text differs from prettyplease's layout:\n{diff}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_has(item: &str, needle: &str) {
        assert!(item.contains(needle), "{needle:?} not in:\n{item}");
    }

    #[test]
    fn string_literals_escape_as_proc_macro2_does() {
        for value in [
            "plain",
            "a\"b",
            "back\\slash",
            "it's",
            "tab\there",
            "nul\0x",
            "nul\u{0}7",
            "é \u{7f}",
        ] {
            let expected = proc_macro2::Literal::string(value).to_string();
            assert_eq!(str_literal(value), expected, "{value:?}");
        }
        // Every ASCII character, alone and inside runs of plain text (which
        // are copied whole), and characters escaped beyond ASCII.
        let mut values: Vec<String> = (0u8..=0x7f)
            .map(char::from)
            .chain(['\u{301}', '\u{200b}', '\u{feff}', 'é', '\u{10ffff}'])
            .flat_map(|c| [c.to_string(), format!("ab{c}cd"), format!("{c}0 x{c}")])
            .collect();
        values.push("e\u{301} and \0\u{1}7\0".to_owned());
        for value in &values {
            let expected = proc_macro2::Literal::string(value).to_string();
            assert_eq!(str_literal(value), expected, "{value:?}");
        }
    }

    #[test]
    fn long_generic_types_break_one_level_at_a_time() {
        let mut p = Printer::default();
        for (field, repeat) in [("a", 15), ("b", 17)] {
            let long = Ty::Leaf(format!("crate::types::{}", "Long".repeat(repeat)));
            let ty = Ty::wrap("Option", Ty::wrap("Vec", long));
            p.typed(4, &format!("pub {field}: "), &ty, ",");
        }
        let item = format!("pub struct S {{\n{}}}\n", p.out);
        check(&item).unwrap();
        // `a` breaks once; `b`, whose `Vec<…>` is too wide on its own, twice.
        assert_has(&item, "    pub a: Option<\n        Vec<crate");
        assert_has(&item, "    pub b: Option<\n        Vec<\n            crate");
    }

    #[test]
    fn tuple_variants_break_where_prettyplease_breaks_them() {
        let mut p = Printer::default();
        p.fixed(0, "pub enum E {");
        // On the margin exactly, too wide with its name, and a type too
        // wide even on a line of its own.
        for (name, repeat) in [("Aa", 14), ("Bbbbbbbbbb", 13), ("C", 20)] {
            let long = Ty::Leaf(format!("crate::types::{}", "Long".repeat(repeat)));
            p.tuple_variant(name, &Ty::wrap("Box", Ty::wrap("Vec", long)));
        }
        p.line(0, "}");
        let item = match p.into_part() {
            Part::Text(item) => item,
            other => panic!("not printed as text: {other:?}"),
        };
        check(&item).unwrap();
        assert_has(&item, "    Aa(Box<Vec<crate::types::LongLong");
        assert_has(&item, "    Bbbbbbbbbb(\n        Box<Vec<crate");
        assert_has(
            &item,
            "    C(\n        Box<\n            Vec<\n                crate",
        );
    }

    #[test]
    fn signatures_and_struct_literals_break_where_prettyplease_breaks_them() {
        let mut p = Printer::default();
        p.line(0, "impl S {");
        for (name, width, field) in [("short", 20, 26), ("long", 60, 27)] {
            let params = [
                ("mut self".to_owned(), Ty::Leaf(String::new())),
                ("value: ".to_owned(), Ty::Leaf("T".repeat(width))),
            ];
            p.fn_open(
                4,
                &format!("pub fn {name}"),
                &params,
                Some(&Ty::self_type()),
            );
            // 35 bytes fit on one line, 36 do not.
            p.struct_literal(8, "Self", &["a".repeat(field)]);
            p.line(4, "}");
        }
        p.line(0, "}");
        let item = p.out;
        check(&item).unwrap();
        assert_has(&item, "    pub fn short(mut self, value: TTTT");
        assert_has(&item, "    pub fn long(\n        mut self,\n");
        assert_has(&item, &format!("        Self {{ {} }}\n", "a".repeat(26)));
        assert_has(
            &item,
            &format!("        Self {{\n            {},\n", "a".repeat(27)),
        );
    }

    /// The item `p` printed, closed by the ends of its method and impl:
    /// text, as prettyplease lays it out.
    fn closed_and_checked(mut p: Printer) -> String {
        p.line(4, "}");
        p.line(0, "}");
        let item = match p.into_part() {
            Part::Text(item) => item,
            other => panic!("not printed as text: {other:?}"),
        };
        check(&item).unwrap();
        item
    }

    #[test]
    fn match_arms_that_do_not_fit_become_blocks() {
        let mut p = Printer::default();
        p.fixed(0, "impl E {");
        p.line(4, "pub fn as_str(&self) -> &str {");
        // At indent 12, `Self::… => "…"` of 89 bytes fits, its comma
        // aside; one byte more does not.
        let arm = |width: usize| {
            let value = "v".repeat(width - 12 - r#"Self::Name => """#.len());
            ("Self::Name".to_owned(), str_literal(&value))
        };
        p.match_body("self", [arm(89), arm(90)], "Self::Unknown(value) => value,");
        let item = closed_and_checked(p);
        let (fits, wide) = (arm(89), arm(90));
        assert_has(&item, &format!("            {} => {},\n", fits.0, fits.1));
        assert_has(
            &item,
            &format!(
                "            {} => {{\n                {}\n            }}\n",
                wide.0, wide.1
            ),
        );
    }

    #[test]
    fn return_types_break_after_the_parameters() {
        let mut p = Printer::default();
        p.fixed(0, "impl<'c> R<'c> {");
        let returned = Ty::Generic(
            "::apigen_runtime::Call".into(),
            vec![
                Ty::Leaf("'c".to_owned()),
                Ty::Leaf(format!("crate::operations::{}", "Op".repeat(30))),
            ],
        );
        let params = [("&self".to_owned(), Ty::Leaf(String::new()))];
        p.fn_open(4, "pub fn long", &params, Some(&returned));
        p.line(8, "todo!()");
        let item = closed_and_checked(p);
        assert_has(
            &item,
            "    pub fn long(\n        &self,\n    ) -> ::apigen_runtime::Call<\n        'c,\n",
        );
    }

    #[test]
    fn wide_elements_break_before_their_method_call() {
        let long = "a".repeat(70);
        let mut p = Printer::default();
        p.fixed(0, "impl S {");
        p.line(4, "pub fn new(value: String) -> Self {");
        let fields = [format!("{long}: value.into()"), "b: None".to_owned()];
        p.struct_literal(8, "Self", &fields);
        p.line(4, "}");
        p.line(4, "pub fn call(&self) {");
        let function = format!("crate::operations::{}::new", "Op".repeat(30));
        p.call_chain(
            8,
            "self.client",
            "call",
            &function,
            &[format!("{long}.into()")],
        );
        p.line(4, "}");
        p.line(4, "pub fn empty(&self) {");
        p.call_chain(8, "self.client", "call", &function, &[]);
        let item = closed_and_checked(p);
        assert_has(
            &item,
            &format!("            {long}: value\n                .into(),\n"),
        );
        assert_has(
            &item,
            &format!("                    {long}\n                        .into(),\n"),
        );
        assert_has(&item, &format!("                {function}(),\n"));
    }

    #[test]
    fn an_item_with_a_wide_line_no_rule_covers_goes_to_prettyplease() {
        let wide = format!("pub struct {} {{}}", "S".repeat(90));
        let mut p = Printer::default();
        p.fixed(0, &wide);
        assert!(matches!(p.into_part(), Part::Text(_)));
        let mut p = Printer::default();
        p.line(0, &wide);
        assert!(matches!(p.into_part(), Part::Source(_)));
        // An element whose expression no rule covers.
        let mut p = Printer::default();
        p.struct_literal(
            8,
            "Self",
            &[format!("{}: Some(value.into())", "a".repeat(80))],
        );
        assert!(matches!(p.into_part(), Part::Source(_)));
    }

    #[test]
    fn check_rejects_an_item_prettyplease_would_lay_out_otherwise() {
        if cfg!(debug_assertions) {
            assert!(check("pub struct S { a: u8 }\n").is_err());
            assert!(check("pub struct S {\n    a: u8,\n}\n").is_ok());
        }
    }

    #[test]
    fn types_as_tokens_print_as_the_text_printer_spells_them() {
        let named = || Box::new(TypeRef::Named("Pet".into()));
        let types = [
            TypeRef::String,
            TypeRef::Bool,
            TypeRef::I32,
            TypeRef::I64,
            TypeRef::U32,
            TypeRef::U64,
            TypeRef::F32,
            TypeRef::F64,
            TypeRef::DateTime,
            TypeRef::Json,
            TypeRef::Unit,
            TypeRef::Bytes,
            TypeRef::File,
            TypeRef::Named("Pet".into()),
            TypeRef::Vec(named()),
            TypeRef::Map(Box::new(TypeRef::Vec(named()))),
            TypeRef::Option(named()),
        ];
        for ty in types {
            let tokens = Ty::of(&ty).to_tokens();
            let printed = prettyplease::unparse(&syn::parse_quote!(type T = #tokens;));
            let mut flat = String::new();
            Ty::of(&ty).write_flat(&mut flat);
            assert_eq!(printed, format!("type T = {flat};\n"), "{ty:?}");
        }
    }
}
