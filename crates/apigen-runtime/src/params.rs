//! Parameter styles: how OpenAPI 3's `style` and `explode` put a value into
//! a query string, a header or the `Cookie` header.
//!
//! Object properties are sent in the order of their names (serde_json's
//! map order), so the output does not depend on how a value was built.
//!
//! Every name and value is percent-encoded as an RFC 3986 query component:
//! everything except the unreserved characters (`A–Z a–z 0–9 - . _ ~`) is
//! escaped, so a value can never add a `&`, `=`, `#` or delimiter of its own.
//! The delimiters a style adds to a query are written as the OpenAPI
//! specification shows them: `,` (a sub-delimiter, allowed in a query) is
//! sent as is (in a form body it is `%2C`, as the form serializer of the
//! WHATWG URL standard writes it, and as Prism requires), while
//! the space of `spaceDelimited` is `%20` and the pipe of `pipeDelimited` is
//! `%7C`, since neither may appear unencoded in an RFC 3986 query. A comma,
//! space or pipe *inside* a value is escaped, so a server that splits before
//! decoding sees the values intact.
//!
//! The brackets of `deepObject` keys (`filter[kind]=x`) are sent encoded
//! (`filter%5Bkind%5D=x`): `[` and `]` are gen-delims that RFC 3986 reserves
//! for IPv6 hosts, and the servers that read such keys (Rails/Rack, PHP,
//! Express `qs`, Spring, Prism) decode the name before parsing the brackets.

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// How a query parameter (or a form field) is serialized: OpenAPI 3's
/// `style` with its `explode` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `style: form`. Exploded (the default): `id=1&id=2`, an object as
    /// `k1=v1&k2=v2`. Not exploded: `id=1,2`, an object as `name=k1,v1,k2,v2`.
    Form {
        /// `explode`.
        explode: bool,
    },
    /// `style: spaceDelimited` (`explode: false`): `id=1%202`.
    SpaceDelimited,
    /// `style: pipeDelimited` (`explode: false`): `id=1%7C2`.
    PipeDelimited,
    /// `style: deepObject`: `filter[kind]=x&filter[owner][id]=7` (brackets
    /// percent-encoded); an array inside repeats its key.
    DeepObject,
}

impl QueryStyle {
    /// OpenAPI's default for query parameters: `form`, exploded.
    pub const DEFAULT: QueryStyle = QueryStyle::Form { explode: true };

    /// `form` with `explode: false`: an array as one comma-separated
    /// value, `id=1,2`.
    pub const UNEXPLODED: QueryStyle = QueryStyle::Form { explode: false };

    fn delimiter(self, in_body: bool) -> Option<&'static str> {
        match self {
            // A form body is `application/x-www-form-urlencoded`, whose
            // serializer (WHATWG URL) escapes the comma too.
            QueryStyle::Form { explode: false } if in_body => Some("%2C"),
            QueryStyle::Form { explode: false } => Some(","),
            QueryStyle::SpaceDelimited => Some("%20"),
            QueryStyle::PipeDelimited => Some("%7C"),
            QueryStyle::Form { explode: true } | QueryStyle::DeepObject => None,
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a
/// value can never add a `/`, `?`, `#`, `%`-escape or `&`/`=` of its own.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_encoded(&mut out, text);
    out
}

/// Appends `text` as [`encode`] does; text of unreserved characters only
/// (the usual id) is copied as it is. The one percent-encoder of paths,
/// queries, cookies and form bodies.
pub(crate) fn push_encoded(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if text.bytes().all(is_unreserved) {
        out.push_str(text);
        return;
    }
    for byte in text.bytes() {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

/// RFC 3986 "unreserved": letters, digits, `-`, `.`, `_`, `~`.
fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[usize::from(byte)]
}

/// [`is_unreserved`] as a table: one load per byte.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        byte += 1;
    }
    table
};

pub(crate) fn to_value(name: &str, value: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| {
        Error::invalid_request(format!("parameter `{name}` cannot be serialized: {e}"))
    })
}

pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_of(name: &str, value: &Value) -> Result<String, Error> {
    scalar(value).ok_or_else(|| {
        Error::invalid_request(format!(
            "parameter `{name}` holds a nested value that its style cannot express"
        ))
    })
}

/// Encoded `name=value` pairs of one parameter in `style`; a null value or
/// an empty list gives none.
pub(crate) fn query_pairs(
    name: &str,
    value: &Value,
    style: QueryStyle,
) -> Result<Vec<(String, String)>, Error> {
    styled_pairs(name, value, style, false)
}

/// [`query_pairs`], or the pairs of a form body field when `in_body`.
pub(crate) fn styled_pairs(
    name: &str,
    value: &Value,
    style: QueryStyle,
    in_body: bool,
) -> Result<Vec<(String, String)>, Error> {
    let mut pairs = Vec::new();
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .filter(|item| !item.is_null())
                .map(|item| scalar_of(name, item).map(|s| encode(&s)))
                .collect::<Result<_, _>>()?;
            match style.delimiter(in_body) {
                _ if items.is_empty() => {}
                Some(delimiter) => pairs.push((encode(name), items.join(delimiter))),
                None => pairs.extend(items.into_iter().map(|item| (encode(name), item))),
            }
        }
        Value::Object(map) => match style {
            QueryStyle::DeepObject => deep_object(name, value, &mut pairs)?,
            QueryStyle::Form { explode: true } => {
                for (key, item) in map {
                    pairs.extend(styled_pairs(key, item, QueryStyle::DEFAULT, in_body)?);
                }
            }
            _ => {
                let delimiter = style.delimiter(in_body).unwrap_or(",");
                let mut flat = Vec::new();
                for (key, item) in map.iter().filter(|(_, item)| !item.is_null()) {
                    flat.push(encode(key));
                    flat.push(encode(&scalar_of(name, item)?));
                }
                if !flat.is_empty() {
                    pairs.push((encode(name), flat.join(delimiter)));
                }
            }
        },
        scalar => pairs.push((encode(name), encode(&scalar_of(name, scalar)?))),
    }
    Ok(pairs)
}

/// `key[a][b]=v` for every leaf; arrays repeat their key.
fn deep_object(key: &str, value: &Value, pairs: &mut Vec<(String, String)>) -> Result<(), Error> {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (field, item) in map {
                deep_object(&format!("{key}[{field}]"), item, pairs)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        return Err(Error::invalid_request(format!(
                            "parameter `{key}`: deepObject cannot express a list of lists or objects"
                        )));
                    }
                    _ => deep_object(key, item, pairs)?,
                }
            }
        }
        leaf => pairs.push((encode(key), encode(&scalar_of(key, leaf)?))),
    }
    Ok(())
}

/// The `simple` style of a header value: a list comma-joined, an object as
/// `k1,v1,k2,v2` (or `k1=v1,k2=v2` exploded). Values are not
/// percent-encoded; the header check rejects line breaks. `None` for null
/// or an empty list.
pub(crate) fn header_value(
    name: &str,
    value: &Value,
    explode: bool,
) -> Result<Option<String>, Error> {
    let parts: Vec<String> = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| scalar_of(name, item))
            .collect::<Result<_, _>>()?,
        Value::Object(map) => {
            let mut parts = Vec::new();
            for (key, item) in map.iter().filter(|(_, item)| !item.is_null()) {
                let item = scalar_of(name, item)?;
                if explode {
                    parts.push(format!("{key}={item}"));
                } else {
                    parts.push(key.clone());
                    parts.push(item);
                }
            }
            parts
        }
        scalar => vec![scalar_of(name, scalar)?],
    };
    Ok((!parts.is_empty()).then(|| parts.join(",")))
}

/// The `form` style of a cookie: `name=v1,v2` (not exploded) or
/// `name=v1; name=v2` (exploded); an object as `name=k1,v1,k2,v2` or
/// `k1=v1; k2=v2`. Names and values percent-encoded, so no value can add a
/// `;` or `,` of its own.
pub(crate) fn cookie_pairs(
    name: &str,
    value: &Value,
    explode: bool,
) -> Result<Vec<(String, String)>, Error> {
    let style = QueryStyle::Form { explode };
    query_pairs(name, value, style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(name: &str, value: Value, style: QueryStyle) -> String {
        query_pairs(name, &value, style)
            .unwrap()
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    #[test]
    fn every_query_style_of_the_openapi_table() {
        let form = QueryStyle::Form { explode: true };
        let flat = QueryStyle::Form { explode: false };
        let color = || json!(["blue", "black", "brown"]);
        let rgb = || json!({"R": 100, "G": 200, "B": 150});
        assert_eq!(query("color", json!("blue"), form), "color=blue");
        assert_eq!(query("color", json!("blue"), flat), "color=blue");
        assert_eq!(
            query("color", color(), form),
            "color=blue&color=black&color=brown"
        );
        assert_eq!(query("color", color(), flat), "color=blue,black,brown");
        assert_eq!(
            query("color", color(), QueryStyle::SpaceDelimited),
            "color=blue%20black%20brown"
        );
        assert_eq!(
            query("color", color(), QueryStyle::PipeDelimited),
            "color=blue%7Cblack%7Cbrown"
        );
        assert_eq!(query("color", rgb(), form), "B=150&G=200&R=100");
        assert_eq!(query("color", rgb(), flat), "color=B,150,G,200,R,100");
        assert_eq!(
            query("color", rgb(), QueryStyle::SpaceDelimited),
            "color=B%20150%20G%20200%20R%20100"
        );
        assert_eq!(
            query("color", rgb(), QueryStyle::PipeDelimited),
            "color=B%7C150%7CG%7C200%7CR%7C100"
        );
        assert_eq!(
            query("color", rgb(), QueryStyle::DeepObject),
            "color%5BB%5D=150&color%5BG%5D=200&color%5BR%5D=100"
        );
    }

    #[test]
    fn delimiters_inside_values_are_escaped() {
        assert_eq!(
            query(
                "q",
                json!(["a,b", "c|d e"]),
                QueryStyle::Form { explode: false }
            ),
            "q=a%2Cb,c%7Cd%20e"
        );
        assert_eq!(
            query("q", json!(["a|b", "c"]), QueryStyle::PipeDelimited),
            "q=a%7Cb%7Cc"
        );
        assert_eq!(
            query("q", json!("x&y=z#"), QueryStyle::DEFAULT),
            "q=x%26y%3Dz%23"
        );
    }

    #[test]
    fn deep_objects_nest_and_skip_nulls() {
        let value = json!({"kind": "pdf", "owner": {"id": 7}, "tag": ["a", "b"], "gone": null});
        assert_eq!(
            query("filter", value, QueryStyle::DeepObject),
            "filter%5Bkind%5D=pdf&filter%5Bowner%5D%5Bid%5D=7&filter%5Btag%5D=a&filter%5Btag%5D=b"
        );
        assert!(query_pairs("f", &json!({"a": [[1]]}), QueryStyle::DeepObject).is_err());
    }

    #[test]
    fn empty_and_null_send_nothing() {
        for style in [
            QueryStyle::DEFAULT,
            QueryStyle::Form { explode: false },
            QueryStyle::PipeDelimited,
            QueryStyle::DeepObject,
        ] {
            assert_eq!(query("a", json!(null), style), "");
            assert_eq!(query("a", json!([]), style), "");
        }
    }

    #[test]
    fn nested_values_in_flat_styles_are_refused() {
        let err = query_pairs("a", &json!([{"x": 1}]), QueryStyle::DEFAULT).unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }));
    }

    #[test]
    fn header_simple_style() {
        assert_eq!(
            header_value("h", &json!([1, 2]), false).unwrap().as_deref(),
            Some("1,2")
        );
        let obj = json!({"role": "admin", "first": "Alex"});
        assert_eq!(
            header_value("h", &obj, false).unwrap().as_deref(),
            Some("first,Alex,role,admin")
        );
        assert_eq!(
            header_value("h", &obj, true).unwrap().as_deref(),
            Some("first=Alex,role=admin")
        );
        assert_eq!(header_value("h", &json!(null), false).unwrap(), None);
    }
}
