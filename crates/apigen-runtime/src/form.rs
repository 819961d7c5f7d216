//! `application/x-www-form-urlencoded` request bodies.
//!
//! A form body is a typed struct; each top-level property becomes one or
//! more `name=value` pairs, as OpenAPI's `encoding` object says: a property
//! with a `style` is serialized like a query parameter of that style
//! (see [`QueryStyle`]); otherwise scalars are sent as they are, arrays
//! exploded (`tag=a&tag=b`), and objects as JSON text (the `encoding`
//! object's default content type for objects). Names and values are
//! percent-encoded as RFC 3986 components (a space is `%20`, which every
//! form parser decodes), and so are the commas of `form` lists not exploded
//! (`fields=id%2Ctitle`: a form parser decodes the value before the
//! application splits it); properties are sent in the order of their names.

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::params::{QueryStyle, encode, styled_pairs};

/// The form-encoded bytes of `value`, which must serialize to an object.
/// `styles` names the properties whose `encoding` gives a `style`.
pub(crate) fn encode_form(
    value: &impl Serialize,
    styles: &[(&str, QueryStyle)],
) -> Result<Vec<u8>, Error> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::invalid_request(format!("request body cannot be serialized: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Error::invalid_request(
            "a form request body must be an object",
        ));
    };
    let mut pairs = Vec::new();
    for (name, item) in &map {
        let style = styles.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
        match (style, item) {
            (Some(style), _) => pairs.extend(styled_pairs(name, item, style, true)?),
            (None, Value::Object(_)) => pairs.push((encode(name), encode(&item.to_string()))),
            (None, Value::Array(items)) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                pairs.push((encode(name), encode(&item.to_string())));
            }
            (None, _) => pairs.extend(styled_pairs(name, item, QueryStyle::DEFAULT, true)?),
        }
    }
    let text = pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(value: Value, styles: &[(&str, QueryStyle)]) -> String {
        String::from_utf8(encode_form(&value, styles).unwrap()).unwrap()
    }

    #[test]
    fn defaults_and_styles() {
        let value = json!({
            "title": "Q3 report & notes",
            "tags": ["a b", "c"],
            "meta": {"k": "v"},
            "skip": null,
            "n": 3,
        });
        assert_eq!(
            form(value.clone(), &[]),
            "meta=%7B%22k%22%3A%22v%22%7D&n=3&tags=a%20b&tags=c&title=Q3%20report%20%26%20notes"
        );
        assert_eq!(
            form(
                value,
                &[
                    ("tags", QueryStyle::UNEXPLODED),
                    ("meta", QueryStyle::DeepObject)
                ]
            ),
            "meta%5Bk%5D=v&n=3&tags=a%20b%2Cc&title=Q3%20report%20%26%20notes"
        );
    }

    #[test]
    fn only_objects_make_forms() {
        assert!(encode_form(&json!([1]), &[]).is_err());
    }
}
