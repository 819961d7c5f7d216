//! A large OpenAPI 3.0 JSON document parsed in pieces, on two threads.
//!
//! `openapiv3`'s types flatten their extensions, so serde buffers each
//! object before reading it: parsing 47 MB in one go is serial and copies
//! the tree. Here the text is first split (without building anything) into
//! its path items and component entries; each is parsed on its own, on both
//! cores, and the small rest of the document is parsed as before.
//!
//! This is only a faster route to the same `OpenAPI` value: whenever the
//! document is not plainly splittable (a duplicate key, a piece that does
//! not parse), the caller parses the whole text the usual way, so errors
//! and their lines are exactly those of the one-piece parse.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::marker::PhantomData;

use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use super::super::{threads, timings};

/// The members of one JSON object, in order: their values unparsed, or
/// split in turn where the document is parsed in pieces.
#[derive(Debug)]
pub struct Members<'a>(pub Vec<(String, Piece<'a>)>);

/// A member's value as the split leaves it.
#[derive(Debug)]
pub enum Piece<'a> {
    /// Unparsed.
    Raw(&'a RawValue),
    /// The members of an object the document is split at: `paths`,
    /// `components` and its sections.
    Object(Members<'a>),
    /// Not an object where the split looked for one: the whole parse
    /// decides what it means.
    NotObject,
}

impl<'a> Members<'a> {
    /// Whether no key comes twice: which value a repeated key means is
    /// left to the one-piece parse.
    pub fn keys_are_unique(&self) -> bool {
        let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).all(|pair| pair[0] != pair[1])
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Piece<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The unparsed value of `key`, unless the split took it apart.
    pub fn raw(&self, key: &str) -> Option<&'a RawValue> {
        match self.get(key)? {
            Piece::Raw(raw) => Some(raw),
            Piece::Object(_) | Piece::NotObject => None,
        }
    }

    /// The members of the object at `key`, if the split took it apart and
    /// no key in it comes twice.
    fn object(&self, key: &str) -> Option<&Members<'a>> {
        match self.get(key)? {
            Piece::Object(members) if members.keys_are_unique() => Some(members),
            _ => None,
        }
    }
}

/// Where in the document a value is, for what the split does with it.
/// The document is read once: the objects it is split at are taken apart
/// on the way, not scanned again from their unparsed text (47 MB read
/// three times took a tenth of a second on Microsoft Graph, on one core).
#[derive(Debug, Clone, Copy)]
enum At {
    Document,
    Paths,
    Components,
    Section,
    /// Anywhere else: the value is kept unparsed.
    Leaf,
}

impl At {
    fn member(self, key: &str) -> At {
        match (self, key) {
            (At::Document, "paths") => At::Paths,
            (At::Document, "components") => At::Components,
            (At::Components, key) if SPLIT_SECTIONS.contains(&key) => At::Section,
            _ => At::Leaf,
        }
    }
}

impl<'de> DeserializeSeed<'de> for At {
    type Value = Piece<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Piece<'de>, D::Error> {
        match self {
            At::Leaf => {
                <&RawValue as serde::Deserialize>::deserialize(deserializer).map(Piece::Raw)
            }
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for At {
    type Value = Piece<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Piece<'de>, M::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.member(&key))?;
            members.push((key, value));
        }
        Ok(Piece::Object(Members(members)))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Piece<'de>, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Piece::NotObject)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
    fn visit_unit<E>(self) -> Result<Piece<'de>, E> {
        Ok(Piece::NotObject)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    /// A document's members, split where it is parsed in pieces. Only an
    /// object is a document: anything else fails here, with serde_json's
    /// message and line.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_map(At::Document)? {
            Piece::Object(members) => Ok(members),
            Piece::Raw(_) | Piece::NotObject => Err(serde::de::Error::custom("not a JSON object")),
        }
    }
}

/// Components whose entries are parsed one by one (the rest of
/// `components` is small).
const SPLIT_SECTIONS: [&str; 9] = [
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// The document whose top-level members are `top`, or `None` when it must
/// be parsed whole (to fail there with the parser's own message and line).
pub fn parse(top: &Members<'_>) -> Option<OpenAPI> {
    let mut phases = timings::Phases::start("load in pieces");
    let paths = top.object("paths");
    let components = top.object("components");
    let sections: Vec<(&str, &Members<'_>)> = match components {
        Some(members) => SPLIT_SECTIONS
            .iter()
            .filter_map(|&name| Some((name, members.object(name)?)))
            .collect(),
        None => Vec::new(),
    };

    // The rest of the document, with the split-off members left out. Any
    // object the split took apart but cannot use (a key twice in it, or not
    // an object at all) leaves the document to the whole parse.
    let mut rest = String::from("{");
    for (key, piece) in &top.0 {
        match (key.as_str(), piece) {
            ("paths", Piece::Object(_)) => {
                let extensions = paths?.0.iter().filter(|(k, _)| !k.starts_with('/'));
                push_member(&mut rest, key, &object_of(&unparsed(extensions)?));
            }
            ("components", Piece::Object(_)) => {
                let members = components?.0.iter();
                let unsplit = members.filter(|(k, _)| !sections.iter().any(|(n, _)| n == k));
                push_member(&mut rest, key, &object_of(&unparsed(unsplit)?));
            }
            (_, Piece::Raw(raw)) => push_member(&mut rest, key, raw.get()),
            _ => return None,
        }
    }
    close_object(&mut rest);
    phases.end("split");
    let mut openapi: OpenAPI = serde_json::from_str(&rest).ok()?;
    phases.end("rest");

    if let Some(paths) = paths {
        let items = unparsed(paths.0.iter().filter(|(k, _)| k.starts_with('/')))?;
        openapi.paths.paths = entries(&items, PATH_ITEM_DEPTH)?;
    }
    phases.end("paths");
    if !sections.is_empty() {
        let target = openapi.components.get_or_insert_with(Components::default);
        for (name, members) in &sections {
            fill(target, name, &unparsed(members.0.iter())?)?;
        }
    }
    phases.end("components");
    phases.report();
    Some(openapi)
}

/// Entries parsed between two moves into the map (graph-beta has 14,227
/// path items).
const RUN: usize = 1024;

/// Objects around a path item: the document and `paths`.
const PATH_ITEM_DEPTH: usize = 2;
/// Objects around a component: the document, `components` and its section.
const COMPONENT_DEPTH: usize = 3;

/// Parses the entries of the section `name` into `components`.
fn fill(components: &mut Components, name: &str, items: &[(&str, &RawValue)]) -> Option<()> {
    let depth = COMPONENT_DEPTH;
    match name {
        "schemas" => components.schemas = entries(items, depth)?,
        "responses" => components.responses = entries(items, depth)?,
        "parameters" => components.parameters = entries(items, depth)?,
        "examples" => components.examples = entries(items, depth)?,
        "requestBodies" => components.request_bodies = entries(items, depth)?,
        "headers" => components.headers = entries(items, depth)?,
        "securitySchemes" => components.security_schemes = entries(items, depth)?,
        "links" => components.links = entries(items, depth)?,
        "callbacks" => components.callbacks = entries(items, depth)?,
        // Not a section of `SPLIT_SECTIONS`: the whole parse decides.
        _ => return None,
    }
    Some(())
}

/// Parses `raw`, a value `depth` containers deep in its document, as a `T`.
/// It is parsed inside as many arrays, so that serde_json's nesting limit
/// (128) refuses exactly what it refuses in the whole document.
fn parse_at<T: DeserializeOwned>(raw: &str, depth: usize) -> serde_json::Result<T> {
    thread_local! {
        // One buffer per thread for the wrapped pieces: a fresh one for
        // each of graph-beta's 14,227 path items faulted in new pages.
        static WRAPPED: RefCell<String> = const { RefCell::new(String::new()) };
    }
    WRAPPED.with_borrow_mut(|text| {
        text.clear();
        text.extend(std::iter::repeat_n('[', depth));
        text.push_str(raw);
        text.extend(std::iter::repeat_n(']', depth));
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Nested(depth, PhantomData).deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    })
}

/// A `T` inside `.0` arrays of one element.
struct Nested<T>(usize, PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>> DeserializeSeed<'de> for Nested<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        if self.0 == 0 {
            T::deserialize(deserializer)
        } else {
            deserializer.deserialize_seq(self)
        }
    }
}

impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for Nested<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a value in a one-element array")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<T, S::Error> {
        let inner = Nested(self.0 - 1, PhantomData);
        let value = seq
            .next_element_seed(inner)?
            .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
        Ok(value)
    }
}

/// Each entry's value parsed as a `T`, on two threads, in order. The
/// values are `depth` objects deep in the document.
fn entries<T: DeserializeOwned + Send>(
    items: &[(&str, &RawValue)],
    depth: usize,
) -> Option<IndexMap<String, T>> {
    // Boxed until they reach the map: a path item is kilobytes (eight
    // optional operations, inline), and the lists that gather them from the
    // threads would otherwise copy every one several times. In runs, each
    // moved into the map while the next is parsed, so that the boxes of
    // two runs at most are alive and later runs reuse their memory; the
    // moves (a third of this thread's time here, faulting in the map's
    // pages) no longer leave the other core idle.
    let mut map = IndexMap::with_capacity(items.len());
    let mut parsed: Vec<(String, Box<T>)> = Vec::new();
    let mut move_in = |parsed: &mut Vec<(String, Box<T>)>| {
        for (key, value) in parsed.drain(..) {
            map.insert(key, *value);
        }
    };
    for run in items.chunks(RUN) {
        let mut previous = std::mem::take(&mut parsed);
        parsed = threads::parallel_map_after(
            run,
            |(key, raw)| {
                let value: Box<T> = parse_at(raw.get(), depth).map_err(|e| e.to_string())?;
                Ok(((*key).to_owned(), value))
            },
            || move_in(&mut previous),
        )
        .ok()?;
    }
    move_in(&mut parsed);
    Some(map)
}

/// The unparsed values of `members`; `None` if the split took one apart.
fn unparsed<'m, 'a: 'm>(
    members: impl Iterator<Item = &'m (String, Piece<'a>)>,
) -> Option<Vec<(&'m str, &'a RawValue)>> {
    members
        .map(|(key, piece)| match piece {
            Piece::Raw(raw) => Some((key.as_str(), *raw)),
            Piece::Object(_) | Piece::NotObject => None,
        })
        .collect()
}

fn object_of(members: &[(&str, &RawValue)]) -> String {
    let mut object = String::from("{");
    for (key, raw) in members {
        push_member(&mut object, key, raw.get());
    }
    close_object(&mut object);
    object
}

/// Ends an object that [`push_member`] filled.
fn close_object(out: &mut String) {
    if out.ends_with(',') {
        out.pop();
    }
    out.push('}');
}

fn push_member(out: &mut String, key: &str, value: &str) {
    // A `String` always serializes.
    let key = serde_json::to_string(key).unwrap_or_default();
    let _ = write!(out, "{key}:{value},");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text`'s members, as `load::parse` splits them, when it is an
    /// object with no key twice.
    fn split(text: &str) -> Option<Members<'_>> {
        let members: Members = serde_json::from_str(text).ok()?;
        members.keys_are_unique().then_some(members)
    }

    fn whole_and_pieces(text: &str) -> (Option<OpenAPI>, Option<OpenAPI>) {
        let whole = serde_json::from_str(text).ok();
        let pieces = split(text).and_then(|top| parse(&top));
        (whole, pieces)
    }

    #[test]
    fn pieces_make_the_same_document_as_the_whole() {
        let text = r##"{
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1", "x-logo": {"url": "u"}},
            "x-top": [1, 2],
            "paths": {
                "x-paths": true,
                "/b": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/a": {"$ref": "#/components/pathItems/a"},
                "ignored": {"nothing": 1}
            },
            "components": {
                "x-components": 1,
                "schemas": {
                    "Z": {"type": "string", "x-kind": "z"},
                    "A": {"$ref": "#/components/schemas/Z"}
                },
                "responses": {"R": {"description": "r"}},
                "securitySchemes": {"k": {"type": "apiKey", "name": "k", "in": "header"}}
            }
        }"##;
        let (whole, pieces) = whole_and_pieces(text);
        let whole = whole.expect("the whole document parses");
        assert_eq!(pieces.as_ref(), Some(&whole));
        let order: Vec<_> = whole.paths.paths.keys().collect();
        assert_eq!(order, ["/b", "/a"]);
    }

    #[test]
    fn the_full_cloudflare_spec_parses_alike_in_pieces() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/cloudflare-openapi-2024.json");
        let text = std::fs::read_to_string(path).expect("the test data is there");
        let (whole, pieces) = whole_and_pieces(&text);
        let whole = whole.expect("the spec parses whole");
        let pieces = pieces.expect("the spec parses in pieces");
        assert_eq!(pieces.paths.paths.len(), whole.paths.paths.len());
        assert!(pieces == whole, "the two parses differ");
    }

    #[test]
    fn the_nesting_limit_falls_where_it_does_in_the_whole_document() {
        let outcomes = || {
            (110..140)
                .map(|levels| {
                    let schema = format!(
                        "{}{{}}{}",
                        r#"{"type": "array", "items": "#.repeat(levels),
                        "}".repeat(levels)
                    );
                    let path = r#"{"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": "#;
                    let text = format!(
                        r#"{{"openapi": "3.0.0", "info": {{"title": "t", "version": "1"}},
                        "paths": {{"/a": {path}{schema}}}}}}}}}}}}}}},
                        "components": {{"schemas": {{"S": {schema}}}}}}}"#
                    );
                    let (whole, pieces) = whole_and_pieces(&text);
                    (levels, whole.is_some(), pieces.is_some())
                })
                .collect::<Vec<_>>()
        };
        // Parsing nests deeply: a thread with room for a debug build's frames.
        let outcomes = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(outcomes)
            .expect("a test thread")
            .join()
            .expect("no panic");
        assert!(outcomes.iter().any(|(_, whole, _)| *whole), "some parse");
        assert!(outcomes.iter().any(|(_, whole, _)| !*whole), "some fail");
        for (levels, whole, pieces) in outcomes {
            assert_eq!(whole, pieces, "{levels} levels");
        }
    }

    #[test]
    fn a_document_that_is_not_plainly_splittable_is_left_to_the_whole_parse() {
        // A key twice: the one-piece parse decides what that means.
        let twice = r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {}, "paths": {}}"#;
        assert!(split(twice).is_none());
        // A piece that does not parse.
        let broken = r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": 7}}}}"#;
        let (whole, pieces) = whole_and_pieces(broken);
        assert!(whole.is_none() && pieces.is_none());
        // A key twice in an object the document is split at, or one that
        // is not an object: the whole parse decides.
        for inside in [
            r#""paths": {"/a": {}, "/a": {}}"#,
            r#""paths": {}, "components": {"schemas": {"A": {}, "A": {}}}"#,
            r#""paths": [{"/a": {}}]"#,
            r#""paths": {}, "components": 7"#,
        ] {
            let text = format!(
                r#"{{"openapi": "3.0.0", "info": {{"title": "t", "version": "1"}}, {inside}}}"#
            );
            let top = split(&text).expect("the document splits");
            assert!(parse(&top).is_none(), "{inside}");
        }
        // A section that is not an object: the whole parse fails there.
        let odd = r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {}, "components": {"schemas": []}}"#;
        let (whole, pieces) = whole_and_pieces(odd);
        assert!(whole.is_none() && pieces.is_none());
    }
}
