//! Decoding of successful responses: plain bodies, and envelopes unwrapped
//! in one pass.

use std::fmt;
use std::marker::PhantomData;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::error::{ApiError, BODY_SNIPPET_LEN, Error, ErrorKind, details_from_array, snippet_of};
use crate::operation::{Envelope, ResponseShape};
use crate::response::request_id;

/// The output and metadata of a successful response.
pub(crate) struct Decoded<T, M> {
    pub(crate) output: T,
    pub(crate) meta: Option<M>,
}

/// Where a decode happens, for error reporting.
pub(crate) struct DecodeContext<'a> {
    pub(crate) status: StatusCode,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) operation_id: &'static str,
    /// Whether the body may be quoted in errors (never for token responses).
    pub(crate) keep_body: bool,
    /// How many bytes of the body an error quotes.
    pub(crate) body_limit: usize,
}

impl DecodeContext<'_> {
    pub(crate) fn decode_error(&self, path: String, message: String, body: &[u8]) -> Error {
        Error::Decode {
            path,
            message,
            status: self.status,
            body: if self.keep_body {
                snippet_of(body, self.body_limit)
            } else {
                String::new()
            },
        }
    }
}

/// Whether a `Content-Type` denotes JSON (`application/json`, `…+json`,
/// `text/json`, with any parameters).
pub(crate) fn is_json(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let ends_with_json = mime
        .len()
        .checked_sub("+json".len())
        .and_then(|start| mime.get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case("+json"));
    mime.eq_ignore_ascii_case("application/json")
        || mime.eq_ignore_ascii_case("text/json")
        || ends_with_json
}

/// Refuses a body whose `Content-Type` is present and not JSON (an HTML
/// error page from a proxy, say) before it is decoded as JSON.
pub(crate) fn expect_json(body: &[u8], ctx: &DecodeContext<'_>) -> Result<(), Error> {
    let Some(ct) = ctx.headers.get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    // A visible-ASCII value (the usual case) is checked where it lies.
    let ct = match ct.to_str() {
        Ok(ct) => std::borrow::Cow::Borrowed(ct),
        Err(_) => String::from_utf8_lossy(ct.as_bytes()),
    };
    if is_json(&ct) {
        return Ok(());
    }
    Err(Error::UnexpectedContentType {
        content_type: ct.into_owned(),
        status: ctx.status,
        body: if ctx.keep_body {
            snippet_of(body, ctx.body_limit)
        } else {
            String::new()
        },
    })
}

/// Decodes the body of a 2xx response according to `shape`.
///
/// Only the JSON decode is in this function; the other shapes, an empty
/// body and every error are in functions of their own, so that the code a
/// call runs stays dense (the instruction cache counts with calls in
/// flight).
pub(crate) fn decode_success<T, M>(
    shape: ResponseShape,
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<Decoded<T, M>, Error>
where
    T: DeserializeOwned,
    M: DeserializeOwned,
{
    if !matches!(shape, ResponseShape::Envelope(_) | ResponseShape::Plain)
        || body.iter().all(u8::is_ascii_whitespace)
    {
        return decode_not_json(shape, body, ctx);
    }
    expect_json(body, ctx)?;
    match shape {
        ResponseShape::Envelope(envelope) => decode_envelope(envelope, body, ctx),
        _ => {
            let output = decode_plain::<T>(body)
                .map_err(|(path, message)| ctx.decode_error(path, message, body))?;
            Ok(Decoded { output, meta: None })
        }
    }
}

/// [`decode_success`] for what is not a JSON body: a shape without one
/// (raw bytes, text, one per status, none at all) or an empty body.
#[inline(never)]
fn decode_not_json<T, M>(
    shape: ResponseShape,
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<Decoded<T, M>, Error>
where
    T: DeserializeOwned,
{
    let output = match shape {
        // The body is ignored; `()` (or an `Option`) decodes from nothing.
        ResponseShape::Empty => from_nothing::<T>().map_err(|e| {
            ctx.decode_error(
                String::from("."),
                format!("operation declares no body: {e}"),
                body,
            )
        }),
        ResponseShape::Raw => crate::decode_body::binary::<T>(body, ctx),
        ResponseShape::Text => crate::decode_body::text::<T>(body, ctx),
        ResponseShape::ByStatus(cases) => crate::decode_body::by_status::<T>(cases, body, ctx),
        // An empty body (for example a 204) decodes like `null`: fine for
        // `()`, `Option<_>` and `serde_json::Value`, an error otherwise.
        ResponseShape::Plain | ResponseShape::Envelope(_) => from_nothing::<T>().map_err(|e| {
            ctx.decode_error(String::from("."), format!("empty response body: {e}"), body)
        }),
    };
    output.map(|output| Decoded { output, meta: None })
}

/// Decodes a whole body as `T`, reporting the JSON path of a failure.
pub(crate) fn decode_plain<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, String)> {
    decode_seed(PhantomData::<T>, body)
}

/// Decodes `body` with `seed`. The fast path decodes plainly; only when that
/// fails is the body decoded again with path tracking, so the error names
/// the JSON path (`result[1].created_at`) without the success path paying
/// for the tracking.
fn decode_seed<'de, S>(seed: S, body: &'de [u8]) -> Result<S::Value, (String, String)>
where
    S: de::DeserializeSeed<'de> + Clone,
{
    let mut de = serde_json::Deserializer::from_slice(body);
    if let Ok(value) = seed
        .clone()
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
    {
        return Ok(value);
    }
    decode_tracked(seed, body)
}

/// [`decode_seed`]'s second decode, with path tracking: a second copy of
/// the whole decoder, kept apart from the first, which every call runs.
#[cold]
#[inline(never)]
fn decode_tracked<'de, S>(seed: S, body: &'de [u8]) -> Result<S::Value, (String, String)>
where
    S: de::DeserializeSeed<'de>,
{
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let value = seed
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|e| (track.path().to_string(), e.to_string()))?;
    de.end().map_err(|e| (String::from("."), e.to_string()))?;
    Ok(value)
}

/// Decodes a 2xx body of `O` a second time (pagination counts the items of
/// a page it hands to the caller); `None` if it does not decode.
pub(crate) fn decode_plain_output<O: crate::operation::Operation>(
    body: &[u8],
) -> Option<O::Output> {
    let headers = HeaderMap::new();
    let ctx = DecodeContext {
        status: StatusCode::OK,
        headers: &headers,
        operation_id: O::INFO.operation_id,
        keep_body: false,
        body_limit: BODY_SNIPPET_LEN,
    };
    decode_success::<O::Output, O::Meta>(O::INFO.response, body, &ctx)
        .ok()
        .map(|d| d.output)
}

fn from_nothing<T: DeserializeOwned>() -> Result<T, de::value::Error> {
    T::deserialize(de::value::UnitDeserializer::<de::value::Error>::new())
}

fn decode_envelope<T, M>(
    envelope: Envelope,
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<Decoded<T, M>, Error>
where
    T: DeserializeOwned,
    M: DeserializeOwned,
{
    let seed = EnvelopeSeed::<T, M> {
        envelope,
        marker: PhantomData,
    };
    let result = decode_seed(seed, body);
    let parsed = match result {
        Ok(parsed) => parsed,
        Err((path, message)) => {
            // A failed call often has `result: null`, which a typed output
            // rejects; report it as the failure it is rather than a decode
            // error. Only this error path parses the body a second time.
            if let Some(err) = unsuccessful_fallback(envelope, body, ctx) {
                return Err(err);
            }
            return Err(ctx.decode_error(path, message, body));
        }
    };
    if parsed.success == Some(false) {
        return Err(unsuccessful(ctx, details_from_array(&parsed.errors), body));
    }
    let output = match parsed.result {
        Some(output) => output,
        None => absent_result(envelope, body, ctx)?,
    };
    Ok(Decoded {
        output,
        meta: parsed.meta,
    })
}

/// The output of an envelope without its result field (or with `null` for
/// a list): an empty list, or what `T` makes of nothing.
#[cold]
#[inline(never)]
fn absent_result<T: DeserializeOwned>(
    envelope: Envelope,
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Result<T, Error> {
    if envelope.result_is_list {
        let empty =
            de::value::SeqDeserializer::<_, de::value::Error>::new(std::iter::empty::<u8>());
        return T::deserialize(empty).map_err(|e| {
            ctx.decode_error(envelope.result.to_owned(), format!("empty list: {e}"), body)
        });
    }
    from_nothing::<T>().map_err(|e| {
        ctx.decode_error(
            envelope.result.to_owned(),
            format!("missing field `{}`: {e}", envelope.result),
            body,
        )
    })
}

#[cold]
fn unsuccessful(
    ctx: &DecodeContext<'_>,
    details: Vec<crate::error::ApiErrorDetail>,
    body: &[u8],
) -> Error {
    let mut err = ApiError::new(ctx.status, ctx.operation_id).with_full_body(body);
    err.kind = ErrorKind::Unsuccessful;
    err.details = details;
    err.request_id = request_id(ctx.headers).map(str::to_owned);
    err.body = snippet_of(body, ctx.body_limit);
    err.headers = ctx.headers.clone();
    err.into()
}

#[cold]
fn unsuccessful_fallback(
    envelope: Envelope,
    body: &[u8],
    ctx: &DecodeContext<'_>,
) -> Option<Error> {
    let success_field = envelope.success?;
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if value.get(success_field)?.as_bool()? {
        return None;
    }
    let details = envelope
        .errors
        .and_then(|f| value.get(f))
        .and_then(|v| v.as_array())
        .map(|items| details_from_array(items))
        .unwrap_or_default();
    Some(unsuccessful(ctx, details, body))
}

/// The fields of an envelope, decoded in one pass.
struct EnvelopeParts<T, M> {
    result: Option<T>,
    meta: Option<M>,
    success: Option<bool>,
    errors: Vec<serde_json::Value>,
}

/// Decodes the top-level object of an envelope, routing each known field
/// to its type and skipping the rest without allocating.
struct EnvelopeSeed<T, M> {
    envelope: Envelope,
    marker: PhantomData<fn() -> (T, M)>,
}

// Not derived: a derive would require `T: Clone` and `M: Clone`.
impl<T, M> Clone for EnvelopeSeed<T, M> {
    fn clone(&self) -> Self {
        EnvelopeSeed {
            envelope: self.envelope,
            marker: PhantomData,
        }
    }
}

impl<'de, T, M> DeserializeSeed<'de> for EnvelopeSeed<T, M>
where
    T: Deserialize<'de>,
    M: Deserialize<'de>,
{
    type Value = EnvelopeParts<T, M>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T, M> Visitor<'de> for EnvelopeSeed<T, M>
where
    T: Deserialize<'de>,
    M: Deserialize<'de>,
{
    type Value = EnvelopeParts<T, M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a response envelope object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let env = self.envelope;
        let mut parts = EnvelopeParts {
            result: None,
            meta: None,
            success: None,
            errors: Vec::new(),
        };
        while let Some(field) = map.next_key_seed(FieldSeed(env))? {
            if field == Field::Result {
                if parts.result.is_some() {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}`",
                        env.result
                    )));
                }
                parts.result = if env.result_is_list {
                    // `null` counts as absent: an empty list below.
                    map.next_value::<Option<T>>()?
                } else {
                    Some(map.next_value()?)
                };
            } else if field == Field::Meta {
                if std::mem::size_of::<M>() == 0 {
                    // An operation without metadata (`Meta = ()`): a
                    // `result_info` the server sends anyway is ignored like
                    // any unknown field, not decoded as `()` (which fails).
                    map.next_value::<IgnoredAny>()?;
                } else {
                    parts.meta = map.next_value::<Option<M>>()?;
                }
            } else if field == Field::Success {
                // Lenient: anything but a boolean counts as absent.
                parts.success = map.next_value::<serde_json::Value>()?.as_bool();
            } else if field == Field::Errors {
                if let serde_json::Value::Array(items) = map.next_value::<serde_json::Value>()? {
                    parts.errors = items;
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(parts)
    }
}

/// Which envelope field a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Result,
    Meta,
    Success,
    Errors,
    Other,
}

/// Reads one key of an envelope and tells which field it names, comparing
/// the key where it lies in the body (no `String` per key).
#[derive(Clone, Copy)]
struct FieldSeed(Envelope);

impl FieldSeed {
    fn field(self, key: &str) -> Field {
        let env = self.0;
        if key == env.result {
            Field::Result
        } else if Some(key) == env.meta {
            Field::Meta
        } else if Some(key) == env.success {
            Field::Success
        } else if Some(key) == env.errors {
            Field::Errors
        } else {
            Field::Other
        }
    }
}

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldSeed {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
        Ok(self.field(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CF: Envelope = Envelope {
        result: "result",
        meta: Some("result_info"),
        success: Some("success"),
        errors: Some("errors"),
        result_is_list: false,
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct User {
        id: String,
        n: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Info {
        page: u64,
    }

    fn ctx(headers: &HeaderMap) -> DecodeContext<'_> {
        DecodeContext {
            status: StatusCode::OK,
            headers,
            operation_id: "op",
            keep_body: true,
            body_limit: BODY_SNIPPET_LEN,
        }
    }

    #[test]
    fn json_content_types() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " text/json ",
            "application/problem+json",
            "application/vnd.api+JSON;v=2",
        ] {
            assert!(is_json(json), "{json:?}");
        }
        for other in [
            "text/html",
            "application/jsonx",
            "json",
            "application/xml",
            "",
        ] {
            assert!(!is_json(other), "{other:?}");
        }
    }

    #[test]
    fn envelope_one_pass() {
        let h = HeaderMap::new();
        let body = br#"{"success":true,"errors":[],"messages":[{"x":1}],"result":[{"id":"a","n":1}],"result_info":{"page":2,"extra":1}}"#;
        let d: Decoded<Vec<User>, Info> =
            decode_success(ResponseShape::Envelope(CF), body, &ctx(&h)).unwrap();
        assert_eq!(
            d.output,
            vec![User {
                id: "a".into(),
                n: 1
            }]
        );
        assert_eq!(d.meta, Some(Info { page: 2 }));
    }

    #[test]
    fn envelope_missing_result() {
        let h = HeaderMap::new();
        let d: Decoded<Option<User>, ()> = decode_success(
            ResponseShape::Envelope(CF),
            br#"{"success":true}"#,
            &ctx(&h),
        )
        .unwrap();
        assert_eq!(d.output, None);
        let d: Decoded<serde_json::Value, ()> = decode_success(
            ResponseShape::Envelope(CF),
            br#"{"success":true}"#,
            &ctx(&h),
        )
        .unwrap();
        assert_eq!(d.output, serde_json::Value::Null);
        let e = decode_success::<User, ()>(
            ResponseShape::Envelope(CF),
            br#"{"success":true}"#,
            &ctx(&h),
        )
        .err()
        .unwrap();
        assert!(
            matches!(e, Error::Decode { ref path, .. } if path == "result"),
            "{e:?}"
        );
    }

    #[test]
    fn decode_error_path() {
        let h = HeaderMap::new();
        let body = br#"{"success":true,"result":[{"id":"a","n":1},{"id":"b","n":"x"}]}"#;
        let e = decode_success::<Vec<User>, ()>(ResponseShape::Envelope(CF), body, &ctx(&h))
            .err()
            .unwrap();
        assert!(
            matches!(e, Error::Decode { ref path, .. } if path == "result[1].n"),
            "{e:?}"
        );
        let e = decode_success::<User, ()>(ResponseShape::Plain, br#"{"id":1,"n":1}"#, &ctx(&h))
            .err()
            .unwrap();
        assert!(
            matches!(e, Error::Decode { ref path, .. } if path == "id"),
            "{e:?}"
        );
        let e =
            decode_success::<User, ()>(ResponseShape::Plain, br#"{"id":"a","n":1} x"#, &ctx(&h))
                .err()
                .unwrap();
        assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    }

    #[test]
    fn unsuccessful_in_2xx() {
        let h = HeaderMap::new();
        for body in [
            &br#"{"success":false,"errors":[{"code":1001,"message":"bad"}],"result":null}"#[..],
            &br#"{"result":null,"errors":[{"code":1001,"message":"bad"}],"success":false}"#[..],
        ] {
            let e = decode_success::<User, ()>(ResponseShape::Envelope(CF), body, &ctx(&h))
                .err()
                .unwrap();
            let api = e.api_error().expect("api error");
            assert_eq!(api.kind, ErrorKind::Unsuccessful);
            assert_eq!(api.details[0].code, Some(1001));
        }
        let e = decode_success::<Option<User>, ()>(
            ResponseShape::Envelope(CF),
            br#"{"success":false,"errors":[]}"#,
            &ctx(&h),
        )
        .err()
        .unwrap();
        assert_eq!(e.kind(), Some(ErrorKind::Unsuccessful));
    }

    #[test]
    fn empty_bodies_and_content_types() {
        let h = HeaderMap::new();
        let list = Envelope {
            result_is_list: true,
            ..CF
        };
        for body in [
            &br#"{"success":true,"errors":[],"result_info":{"page":1}}"#[..],
            br#"{"success":true,"result":null}"#,
        ] {
            let page: Decoded<Vec<u32>, serde_json::Value> =
                decode_success(ResponseShape::Envelope(list), body, &ctx(&h)).unwrap();
            assert!(page.output.is_empty());
        }
        let raw: Decoded<Vec<u8>, ()> =
            decode_success(ResponseShape::Raw, b"a,b\n1,2", &ctx(&h)).unwrap();
        assert_eq!(raw.output, b"a,b\n1,2");
        let d: Decoded<(), ()> = decode_success(ResponseShape::Plain, b"", &ctx(&h)).unwrap();
        assert_eq!(d.output, ());
        let d: Decoded<(), ()> =
            decode_success(ResponseShape::Empty, b"<html>whatever", &ctx(&h)).unwrap();
        assert_eq!(d.output, ());
        assert!(matches!(
            decode_success::<User, ()>(ResponseShape::Plain, b"", &ctx(&h)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode_success::<User, ()>(ResponseShape::Envelope(CF), b"  ", &ctx(&h)),
            Err(Error::Decode { .. })
        ));
        let mut html = HeaderMap::new();
        html.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
        assert!(matches!(
            decode_success::<User, ()>(ResponseShape::Plain, b"<html>", &ctx(&html)),
            Err(Error::UnexpectedContentType { .. })
        ));
        let mut problem = HeaderMap::new();
        problem.insert("content-type", "application/problem+json".parse().unwrap());
        assert!(
            decode_success::<User, ()>(
                ResponseShape::Plain,
                br#"{"id":"a","n":1}"#,
                &ctx(&problem)
            )
            .is_ok()
        );
        assert!(
            decode_success::<User, ()>(ResponseShape::Plain, br#"{"id":"a","n":1}"#, &ctx(&h))
                .is_ok()
        );
    }
}
