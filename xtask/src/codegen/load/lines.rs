//! The line of a JSON pointer in the spec text, for errors found in a
//! converted document (whose value tree has no positions).
//!
//! The text is deserialized once more with a visitor that follows the
//! pointer and stops with a marker error at the node; the parser attaches
//! its position to that error, which is the line of the node.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The marker error of a node reached, and of a node not there.
const FOUND: &str = "\u{0}found";
const MISSING: &str = "\u{0}missing";

/// The line of the node at `pointer` (or of its nearest existing parent).
pub fn line_of(text: &str, is_json: bool, pointer: &str) -> Option<usize> {
    let mut tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    loop {
        match seek(text, is_json, &tokens) {
            Some(Ok(line)) => return Some(line),
            Some(Err(())) if !tokens.is_empty() => {
                tokens.pop();
            }
            _ => return None,
        }
    }
}

/// `Ok(line)` when the node was reached, `Err` when it is not there,
/// `None` when the text cannot be followed (or the parser gave no line).
fn seek(text: &str, is_json: bool, tokens: &[String]) -> Option<Result<usize, ()>> {
    let (message, line) = if is_json {
        let mut de = serde_json::Deserializer::from_str(text);
        let e = Seek(tokens, true).deserialize(&mut de).err()?;
        (e.to_string(), Some(e.line()))
    } else {
        let de = serde_yaml::Deserializer::from_str(text);
        let e = Seek(tokens, false).deserialize(de).err()?;
        (e.to_string(), e.location().map(|l| l.line()))
    };
    if message.contains(FOUND) {
        line.map(Ok)
    } else if message.contains(MISSING) {
        Some(Err(()))
    } else {
        None
    }
}

/// The tokens left to follow, and whether to stop at the key of the last
/// one: JSON errors carry the parser's position (the key's line), YAML
/// errors the previous event's, so YAML stops at the value instead.
struct Seek<'a>(&'a [String], bool);

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Seek<'_> {
    /// At a scalar: reached if nothing is left to follow.
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        Err(E::custom(if self.0.is_empty() { FOUND } else { MISSING }))
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        while let Some(Key(key)) = map.next_key()? {
            if key == *first {
                // The line of the key, rather than of the value's start.
                if rest.is_empty() && self.1 {
                    return Err(de::Error::custom(FOUND));
                }
                return map.next_value_seed(Seek(rest, self.1));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Err(de::Error::custom(MISSING))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let index: usize = first.parse().map_err(|_| de::Error::custom(MISSING))?;
        for _ in 0..index {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::custom(MISSING));
            }
        }
        match seq.next_element_seed(Seek(rest, self.1))? {
            Some(()) => Ok(()),
            None => Err(de::Error::custom(MISSING)),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }
}

/// A mapping key as text, whatever scalar type YAML gave it.
struct Key(String);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("null".to_owned()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::line_of;

    const YAML: &str = "a: 1\nb:\n  c: [x, y]\n  200:\n    d: true\n";
    const JSON: &str = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [\"x\",\n      \"y\"]\n  }\n}\n";

    #[test]
    fn finds_lines_in_yaml() {
        for (pointer, line) in [
            ("/a", 1),
            ("/b/c/1", 3),
            ("/b/200/d", 5),
            // A mapping: the line of its first key.
            ("/b", 3),
            // A node that is not there: its nearest parent.
            ("/b/200/nope", 5),
        ] {
            assert_eq!(line_of(YAML, false, pointer), Some(line), "{pointer}");
        }
    }

    #[test]
    fn finds_lines_in_json() {
        for (pointer, line) in [("/a", 2), ("/b/c/1", 5), ("/b", 3), ("/b/nope", 3)] {
            assert_eq!(line_of(JSON, true, pointer), Some(line), "{pointer}");
        }
    }
}
