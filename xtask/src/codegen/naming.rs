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
