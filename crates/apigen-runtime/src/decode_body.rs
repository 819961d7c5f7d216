//! Successful bodies that are not one JSON document: binary and text
//! outputs ([`ResponseShape::Raw`](crate::ResponseShape::Raw),
//! [`ResponseShape::Text`](crate::ResponseShape::Text)), and the enum of an
//! operation with several successful responses
//! ([`ResponseShape::ByStatus`](crate::ResponseShape::ByStatus)), whose
//! variant the status code picks.
//!
//! All three go through serde, so an operation's output stays a plain
//! `DeserializeOwned` type: the generated enum is an ordinary externally
//! tagged serde enum whose variants are renamed to their status codes
//! (`#[serde(rename = "201")]`), and the deserializer here presents the
//! status as the tag and the body, decoded as its case says, as the content.

use std::cell::RefCell;

use serde::de::value::{Error as ValueError, SeqDeserializer, StrDeserializer, UnitDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Error as _, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::decode::DecodeContext;
use crate::error::Error;
use crate::operation::{BodyKind, StatusCase};

/// Decodes a binary body into `T` ([`Bytes`](crate::Bytes) or `Vec<u8>`).
pub(crate) fn binary<T: DeserializeOwned>(
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<T, Error> {
    T::deserialize(Binary(body))
        .map_err(|e| ctx.decode_error(String::from("."), format!("binary body: {e}"), body))
}

/// Decodes a text body into `T` (a `String`); the body must be UTF-8.
pub(crate) fn text<T: DeserializeOwned>(body: &[u8], ctx: &DecodeContext<'_>) -> Result<T, Error> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ctx.decode_error(
            String::from("."),
            format!("text body is not UTF-8: {e}"),
            body,
        )
    })?;
    T::deserialize(StrDeserializer::<ValueError>::new(text))
        .map_err(|e| ctx.decode_error(String::from("."), format!("text body: {e}"), body))
}

/// Decodes the body of a response with one of several declared statuses
/// into the operation's enum: the variant named after the status (or after
/// `2XX`), holding the body decoded as that case says.
pub(crate) fn by_status<T: DeserializeOwned>(
    cases: &'static [StatusCase],
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<T, Error> {
    let code = ctx.status.as_str();
    let Some(case) = cases
        .iter()
        .find(|c| c.status == code)
        .or_else(|| cases.iter().find(|c| c.status.eq_ignore_ascii_case("2XX")))
    else {
        let declared: Vec<&str> = cases.iter().map(|c| c.status).collect();
        return Err(ctx.decode_error(
            String::from("."),
            format!(
                "HTTP {code} is not one of the operation's successful responses ({})",
                declared.join(", ")
            ),
            body,
        ));
    };
    if case.body == BodyKind::Json && !is_blank(body) {
        crate::decode::expect_json(body, ctx)?;
    }
    let failure = RefCell::new(None);
    let decoded = T::deserialize(StatusEnum {
        case,
        body,
        failure: &failure,
    });
    decoded.map_err(|e| {
        let (path, message) = failure
            .into_inner()
            .unwrap_or_else(|| (String::from("."), e.to_string()));
        ctx.decode_error(path, format!("HTTP {code} response: {message}"), body)
    })
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// A body as bytes: `deserialize_bytes`/`byte_buf` (what `Bytes` asks
/// for) see the slice, `deserialize_seq` (what `Vec<u8>` asks for) its
/// elements.
struct Binary<'a>(&'a [u8]);

impl<'de> de::Deserializer<'de> for Binary<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_bytes(self.0)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_seq(SeqDeserializer::new(self.0.iter().copied()))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The response as an externally tagged enum: the tag is the case's
/// status, the content the body.
struct StatusEnum<'a> {
    case: &'static StatusCase,
    body: &'a [u8],
    /// Where a JSON body failed to decode (path, message), for the error.
    failure: &'a RefCell<Option<(String, String)>>,
}

impl<'de> de::Deserializer<'de> for StatusEnum<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::EnumAccess<'de> for StatusEnum<'de> {
    type Error = ValueError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), ValueError> {
        let tag = seed.deserialize(self.case.status.into_deserializer())?;
        Ok((tag, self))
    }
}

impl<'de> de::VariantAccess<'de> for StatusEnum<'de> {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        // A variant without content ignores the body.
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, ValueError> {
        match self.case.body {
            BodyKind::Empty => seed.deserialize(UnitDeserializer::new()),
            BodyKind::Binary => seed.deserialize(Binary(self.body)),
            BodyKind::Text => {
                let text = std::str::from_utf8(self.body)
                    .map_err(|e| ValueError::custom(format!("text body is not UTF-8: {e}")))?;
                seed.deserialize(StrDeserializer::new(text))
            }
            // An empty body decodes like `null` (fine for `Option` and
            // `serde_json::Value`).
            BodyKind::Json if is_blank(self.body) => seed.deserialize(UnitDeserializer::new()),
            BodyKind::Json => {
                let mut de = serde_json::Deserializer::from_slice(self.body);
                let mut track = serde_path_to_error::Track::new();
                let value = seed
                    .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
                    .and_then(|v| de.end().map(|()| v));
                value.map_err(|e| {
                    let message = e.to_string();
                    *self.failure.borrow_mut() = Some((track.path().to_string(), message.clone()));
                    ValueError::custom(message)
                })
            }
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ValueError> {
        Err(ValueError::custom("a response variant holds one value"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ValueError> {
        Err(ValueError::custom("a response variant holds one value"))
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderMap, StatusCode};
    use serde::Deserialize;

    use super::*;
    use crate::decode::{DecodeContext, decode_success};
    use crate::error::BODY_SNIPPET_LEN;
    use crate::operation::ResponseShape;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Ticket {
        ticket: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Export {
        #[serde(rename = "200")]
        Ok(Bytes),
        #[serde(rename = "202")]
        Accepted(Ticket),
        #[serde(rename = "203")]
        NonAuthoritative(String),
        #[serde(rename = "204")]
        NoContent,
        #[serde(rename = "2XX")]
        Success(Option<serde_json::Value>),
    }

    const CASES: &[StatusCase] = &[
        StatusCase {
            status: "200",
            body: BodyKind::Binary,
        },
        StatusCase {
            status: "202",
            body: BodyKind::Json,
        },
        StatusCase {
            status: "203",
            body: BodyKind::Text,
        },
        StatusCase {
            status: "204",
            body: BodyKind::Empty,
        },
        StatusCase {
            status: "2XX",
            body: BodyKind::Json,
        },
    ];

    fn decode<T: DeserializeOwned>(
        shape: ResponseShape,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, Error> {
        let ctx = DecodeContext {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            operation_id: "op",
            keep_body: true,
            body_limit: BODY_SNIPPET_LEN,
        };
        decode_success::<T, ()>(shape, body, &ctx).map(|d| d.output)
    }

    #[test]
    fn the_status_picks_the_variant() {
        let h = HeaderMap::new();
        let by = ResponseShape::ByStatus(CASES);
        assert_eq!(
            decode::<Export>(by, 200, &h, b"\x00\xffPK").unwrap(),
            Export::Ok(Bytes::from_static(b"\x00\xffPK"))
        );
        assert_eq!(
            decode::<Export>(by, 202, &h, br#"{"ticket":"t1"}"#).unwrap(),
            Export::Accepted(Ticket {
                ticket: "t1".into()
            })
        );
        assert_eq!(
            decode::<Export>(by, 203, &h, "héllo\n".as_bytes()).unwrap(),
            Export::NonAuthoritative("héllo\n".into())
        );
        // A body on a declared-empty status is ignored.
        assert_eq!(
            decode::<Export>(by, 204, &h, b"junk").unwrap(),
            Export::NoContent
        );
        // Any other 2xx goes to the range, and an empty body there is `null`.
        assert_eq!(
            decode::<Export>(by, 208, &h, b"").unwrap(),
            Export::Success(None)
        );
    }

    #[test]
    fn undeclared_statuses_and_bad_bodies_are_located_decode_errors() {
        let h = HeaderMap::new();
        let cases = &CASES[..4];
        let e = decode::<Export>(ResponseShape::ByStatus(cases), 206, &h, b"x").unwrap_err();
        assert!(
            matches!(&e, Error::Decode { path, message, .. } if path == "." && message.contains("HTTP 206 is not one of the operation's successful responses (200, 202, 203, 204)")),
            "{e:?}"
        );
        let e = decode::<Export>(ResponseShape::ByStatus(cases), 202, &h, br#"{"ticket":7}"#)
            .unwrap_err();
        assert!(
            matches!(&e, Error::Decode { path, message, .. } if path == "ticket" && message.starts_with("HTTP 202 response: invalid type")),
            "{e:?}"
        );
        let e = decode::<Export>(ResponseShape::ByStatus(cases), 203, &h, b"\xff").unwrap_err();
        assert!(
            matches!(&e, Error::Decode { message, .. } if message.contains("not UTF-8")),
            "{e:?}"
        );
        let mut html = HeaderMap::new();
        html.insert(http::header::CONTENT_TYPE, "text/html".parse().unwrap());
        let e = decode::<Export>(ResponseShape::ByStatus(cases), 202, &html, b"<p>").unwrap_err();
        assert!(matches!(e, Error::UnexpectedContentType { .. }), "{e:?}");
    }

    #[test]
    fn text_and_binary_outputs() {
        let mut h = HeaderMap::new();
        h.insert(http::header::CONTENT_TYPE, "image/png".parse().unwrap());
        let png = b"\x89PNG\r\n\x1a\n";
        assert_eq!(
            decode::<Bytes>(ResponseShape::Raw, 200, &h, png).unwrap(),
            &png[..]
        );
        // Outputs generated before `Bytes` still decode.
        assert_eq!(
            decode::<Vec<u8>>(ResponseShape::Raw, 200, &h, png).unwrap(),
            png.to_vec()
        );
        assert_eq!(
            decode::<String>(ResponseShape::Text, 200, &h, b"a,b\n1,2\n").unwrap(),
            "a,b\n1,2\n"
        );
        let e = decode::<String>(ResponseShape::Text, 200, &h, b"\xc3").unwrap_err();
        assert!(
            matches!(&e, Error::Decode { message, .. } if message.contains("not UTF-8")),
            "{e:?}"
        );
    }
}
