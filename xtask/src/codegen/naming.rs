//! Turning spec names into Rust identifiers.
//!
//! Names are cased with `heck`, stripped of characters Rust identifiers
//! cannot hold, suffixed with `_` when they are keywords of edition 2024,
//! and de-duplicated deterministically by [`Namer`].

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

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

fn finish(mut ident: String, fallback: &str) -> String {
    if ident.is_empty() {
        ident = fallback.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(
            0,
            if fallback.starts_with(char::is_uppercase) {
                'V'
            } else {
                '_'
            },
        );
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// `snake_case` identifier for fields, modules, methods and parameters.
pub fn snake(raw: &str) -> String {
    finish(words(raw).to_snake_case(), "value")
}

/// `PascalCase` identifier for types and enum variants.
pub fn pascal(raw: &str) -> String {
    finish(words(raw).to_pascal_case(), "Value")
}

/// Hands out unique names within one scope: a clash gets `2`, `3`, … appended
/// in the order names are requested, which callers keep deterministic.
#[derive(Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
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
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_else(|| base.to_owned())
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

    #[test]
    fn namer_disambiguates_in_request_order() {
        let mut namer = Namer::new();
        assert_eq!(namer.unique("User"), "User");
        assert_eq!(namer.unique("User"), "User2");
        assert_eq!(namer.unique("User"), "User3");
        assert_eq!(namer.unique("user_id"), "user_id");
        assert_eq!(namer.unique("user_id"), "user_id_2");
    }
}
