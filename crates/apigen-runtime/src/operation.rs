//! The contract between generated code and the runtime.
//!
//! Generated models crates describe every API operation as data: a struct
//! holding the operation's arguments that implements [`Operation`]. Its
//! [`Operation::build`] method only *records* the path, query, header and body
//! parameters into a [`RequestParts`]; the runtime does all the work
//! (encoding, auth, retries, timeouts, decoding, pagination).
//!
//! Nothing here performs I/O, so models crates depend on this module with
//! `default-features = false`.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::form;
use crate::multipart::{Multipart, Segment};
use crate::params::{self, QueryStyle};

/// HTTP method of an operation.
///
/// Kept as a small enum (rather than `http::Method`) so that models crates do
/// not depend on the HTTP stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// `TRACE`
    Trace,
}

impl Method {
    /// The method's name as sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }

    /// Whether repeating the request has the same effect as sending it once
    /// (RFC 9110 §9.2.2). Only idempotent requests are retried after a
    /// failure that may have reached the server.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// Where the payload of a successful response lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseShape {
    /// The body *is* the output (for example Keycard's `{items, pagination}`).
    Plain,
    /// The output is one field of an envelope object (for example
    /// Cloudflare's `{success, errors, messages, result, result_info}`).
    Envelope(Envelope),
    /// The operation declares no response body; the output is `()` and any
    /// body is ignored.
    Empty,
    /// The response is binary (a file, an image, `application/octet-stream`):
    /// the output is the body's bytes ([`Bytes`](crate::Bytes) or
    /// `Vec<u8>`), whatever its content type.
    Raw,
    /// The response is text (`text/*`): the output is the body as a
    /// `String`, which must be valid UTF-8.
    Text,
    /// The operation declares several successful responses: the output is
    /// an enum with one variant per case, chosen by the status code (a
    /// variant is named by serde after the case's `status`, e.g. `"201"`).
    ByStatus(&'static [StatusCase]),
}

/// One successful response of a [`ResponseShape::ByStatus`] operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCase {
    /// The status code (`"201"`), or the range `"2XX"` for every 2xx
    /// status without a case of its own.
    pub status: &'static str,
    /// How the body of this case is decoded.
    pub body: BodyKind,
}

/// How the body of one [`StatusCase`] is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// JSON, into the variant's type.
    Json,
    /// Text: the variant holds a `String`.
    Text,
    /// Binary: the variant holds [`Bytes`](crate::Bytes).
    Binary,
    /// No body (for example a 204): a unit variant; any body is ignored.
    Empty,
}

/// Field names of a response envelope, taken from the spec's
/// `x-apigen.envelope` extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// Field holding the operation's output (`result`).
    pub result: &'static str,
    /// Field holding pagination and count metadata (`result_info`), decoded
    /// into [`Operation::Meta`].
    pub meta: Option<&'static str>,
    /// Boolean field that is `false` when the call failed even with a 2xx
    /// status (`success`).
    pub success: Option<&'static str>,
    /// Array of `{code, message, …}` error objects (`errors`).
    pub errors: Option<&'static str>,
    /// The result is a list: a missing or `null` result decodes as an
    /// empty list (APIs send either for "no items").
    pub result_is_list: bool,
}

/// Static description of an operation, for routing, tracing and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template relative to the base URL, e.g.
    /// `/accounts/{account_id}/access/users`. Used verbatim in tracing spans
    /// so that no parameter value (which may be sensitive) is logged.
    pub path_template: &'static str,
    /// How to find the output in a successful response.
    pub response: ResponseShape,
}

/// One API operation with its arguments. Implemented by generated code.
///
/// `'static` (operations own their arguments) so that test doubles can
/// recognise an operation's type and record its arguments.
pub trait Operation: 'static {
    /// The decoded output of a successful call (the envelope's `result`
    /// when the API wraps responses).
    type Output: DeserializeOwned;
    /// The decoded envelope metadata (`result_info`), or `()` when the API
    /// has none.
    type Meta: DeserializeOwned;

    /// Static facts about the operation.
    const INFO: OperationInfo;

    /// Which of the API's authentication methods the operation accepts
    /// (its `security`); by default, any of them.
    const SECURITY: Security = Security::Any;

    /// Records the operation's parameters and body into `request`.
    ///
    /// Fails only when an argument cannot be sent (a path parameter that
    /// would change the path, a header value with a line break, a body that
    /// cannot be serialized).
    fn build(&self, request: &mut RequestParts) -> Result<(), Error>;
}

/// An operation with optional inputs (query, header or cookie parameters
/// that may be left out, or an optional body), gathered in one
/// `<Op>Params` struct. Implemented by generated code.
///
/// Optional inputs are set on the call (`.params(…)`), never passed to the
/// client method, so an operation that gains its first optional parameter
/// keeps its method signature: the spec change is additive for callers.
pub trait OptionalParams: Operation {
    /// The `<Op>Params` struct: every field optional, built with `new()`
    /// and one setter per field.
    type Params: Default;

    /// The operation's optional inputs.
    fn params_mut(&mut self) -> &mut Self::Params;

    /// Replaces the operation's optional inputs (for building an operation
    /// by hand, for example in a test double).
    fn with_params(mut self, params: Self::Params) -> Self
    where
        Self: Sized,
    {
        *self.params_mut() = params;
        self
    }
}

/// Which credentials an operation accepts: its `security` in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// The API's methods in the profile's order: the first that has
    /// credentials is used (or the only credentials given).
    Any,
    /// `security: []`: the operation needs no authentication, and no
    /// credentials are sent.
    None,
    /// The first of these alternatives (indices into
    /// [`ApiProfile::auth`](crate::ApiProfile::auth)) that has credentials;
    /// none are sent when none has.
    Alternatives(&'static [usize]),
}

/// How a list operation pages through its results. Implemented by generated
/// code with plain field accesses; the paging loop lives in the runtime.
pub trait Paginated: Operation + Clone {
    /// One element of a page.
    type Item;

    /// The paging scheme.
    const PAGINATION: Pagination;

    /// Moves the items out of one page.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;

    /// For [`Pagination::PageNumber`]: the page this request asks for
    /// (`None` means the server's default, the first page).
    fn page(&self) -> Option<u64> {
        None
    }

    /// For [`Pagination::PageNumber`]: asks for `page` next.
    fn set_page(&mut self, _page: u64) {}

    /// For [`Pagination::PageNumber`]: the total number of pages, when the
    /// response metadata says so.
    fn total_pages(_meta: &Self::Meta) -> Option<u64> {
        None
    }

    /// For [`Pagination::Cursor`]: the cursor of the next page, `None` (or
    /// empty) on the last page.
    fn next_cursor(_output: &Self::Output) -> Option<String> {
        None
    }

    /// For [`Pagination::Cursor`]: asks for the page after `cursor` next.
    fn set_cursor(&mut self, _cursor: String) {}
}

/// The paging schemes the runtime knows how to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// The whole list comes in one response; auto-pagination yields its
    /// items and stops.
    SinglePage,
    /// Numbered pages (`?page=1,2,…`). Stops on an empty page, at
    /// `total_pages`, or when a page repeats the previous page number.
    PageNumber,
    /// An opaque cursor from each response is sent with the next request.
    /// Stops when the response has no cursor, an empty cursor, or repeats
    /// the cursor it was asked with.
    Cursor,
}

/// The parts of an HTTP request that an [`Operation`] contributes, before the
/// runtime adds the base URL, auth, default headers and per-request options.
#[derive(Debug, Clone, Default)]
pub struct RequestParts {
    pub(crate) path_params: Vec<(&'static str, String)>,
    /// Percent-encoded names and values.
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    /// Percent-encoded names and values, sent in one `Cookie` header.
    pub(crate) cookies: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
}

/// A serialized request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header value.
    pub content_type: Cow<'static, str>,
    /// The serialized bytes; kept so a retry can resend them. Empty when
    /// the body is streamed.
    pub bytes: Vec<u8>,
    /// A body with streamed parts: bytes and streams, in order, and the
    /// total length.
    pub(crate) streamed: Option<(Vec<Segment>, u64)>,
}

impl Body {
    /// A body of `bytes`.
    pub fn new(content_type: impl Into<Cow<'static, str>>, bytes: Vec<u8>) -> Self {
        Body {
            content_type: content_type.into(),
            bytes,
            streamed: None,
        }
    }

    /// Whether the body (a multipart body with a
    /// [`FilePart::from_stream`](crate::FilePart::from_stream) part) is
    /// streamed, so sent once and never retried.
    pub fn is_streamed(&self) -> bool {
        self.streamed.is_some()
    }
}

impl RequestParts {
    /// Creates empty request parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the value of the path parameter `{name}`.
    ///
    /// The value must be a string, number or boolean. It is validated when
    /// the URL is built: it is sent as exactly one path segment, and `.`,
    /// `..` or an empty value is rejected.
    pub fn path(&mut self, name: &'static str, value: &impl Serialize) -> Result<(), Error> {
        let value = match scalar_to_string(value)? {
            Some(v) => v,
            None => {
                return Err(Error::invalid_request(format!(
                    "path parameter `{name}` must be a string, number or boolean"
                )));
            }
        };
        self.path_params.push((name, value));
        Ok(())
    }

    /// Records a query parameter. `None` adds nothing; an array adds the
    /// name once per element, an object one pair per property (OpenAPI's
    /// default `form` style with `explode: true`).
    pub fn query(&mut self, name: &'static str, value: &impl Serialize) -> Result<(), Error> {
        self.query_styled(name, value, QueryStyle::DEFAULT)
    }

    /// Records a query parameter in the `form` style with `explode: false`
    /// (Swagger 2.0's `collectionFormat: csv`): an array as one
    /// `name=a,b`, an object as `name=k1,v1,k2,v2`. `None` adds nothing.
    pub fn query_unexploded(
        &mut self,
        name: &'static str,
        value: &impl Serialize,
    ) -> Result<(), Error> {
        self.query_styled(name, value, QueryStyle::UNEXPLODED)
    }

    /// Records a query parameter in `style` (OpenAPI's `style` and
    /// `explode`; see [`QueryStyle`] and the encoding rules of each).
    pub fn query_styled(
        &mut self,
        name: &'static str,
        value: &impl Serialize,
        style: QueryStyle,
    ) -> Result<(), Error> {
        let value = params::to_value(name, value)?;
        for (n, v) in params::query_pairs(name, &value, style)? {
            self.query.push((Cow::Owned(n), v));
        }
        Ok(())
    }

    /// Records a header parameter. `None` adds nothing; an array is sent as
    /// one comma-separated value (OpenAPI's `simple` style).
    pub fn header(&mut self, name: &'static str, value: &impl Serialize) -> Result<(), Error> {
        self.header_styled(name, value, false)
    }

    /// Records a header parameter in the `simple` style: an array as
    /// `a,b`, an object as `k1,v1,k2,v2`, or `k1=v1,k2=v2` when `explode`.
    pub fn header_styled(
        &mut self,
        name: &'static str,
        value: &impl Serialize,
        explode: bool,
    ) -> Result<(), Error> {
        let value = params::to_value(name, value)?;
        if let Some(text) = params::header_value(name, &value, explode)? {
            self.headers.push((Cow::Borrowed(name), text));
        }
        Ok(())
    }

    /// Records a cookie parameter (`form` style), sent with the others in
    /// one `Cookie` header: `name=a,b` for a list, or `name=a; name=b`
    /// when `explode`; names and values percent-encoded. `None` adds
    /// nothing.
    pub fn cookie(
        &mut self,
        name: &'static str,
        value: &impl Serialize,
        explode: bool,
    ) -> Result<(), Error> {
        let value = params::to_value(name, value)?;
        self.cookies
            .extend(params::cookie_pairs(name, &value, explode)?);
        Ok(())
    }

    /// Serializes `value` as the JSON request body.
    pub fn json_body(&mut self, value: &impl Serialize) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::invalid_request(format!("request body cannot be serialized: {e}"))
        })?;
        self.body = Some(Body::new("application/json", bytes));
        Ok(())
    }

    /// Sets a request body of bytes (`application/octet-stream`, images,
    /// any media type sent as it is).
    pub fn raw_body(&mut self, content_type: &'static str, bytes: Vec<u8>) {
        self.body = Some(Body::new(content_type, bytes));
    }

    /// Sets a binary request body from a [`FilePart`](crate::FilePart):
    /// its bytes, or its stream (the request is then sent once, never
    /// retried). The part's own content type, when set, replaces
    /// `content_type` (the spec's media type); its file name is not sent.
    pub fn file_body(&mut self, content_type: &'static str, file: &crate::FilePart) {
        let content_type: Cow<'static, str> = match file.content_type() {
            Some(own) => Cow::Owned(own.to_owned()),
            None => Cow::Borrowed(content_type),
        };
        self.body = Some(match file.segment() {
            Segment::Bytes(bytes) => Body::new(content_type, bytes),
            stream @ Segment::Stream(_) => Body {
                content_type,
                bytes: Vec::new(),
                streamed: Some((vec![stream], file.len())),
            },
        });
    }

    /// Sets a text request body (`text/plain`, `text/csv`, …), sent as
    /// UTF-8.
    pub fn text_body(&mut self, content_type: &'static str, text: &str) {
        self.raw_body(content_type, text.as_bytes().to_vec());
    }

    /// Serializes `value` (an object) as an
    /// `application/x-www-form-urlencoded` body. `styles` gives the
    /// properties whose `encoding` object sets a `style`; see
    /// [the rules](crate::form) for the others.
    pub fn form_body(
        &mut self,
        value: &impl Serialize,
        styles: &[(&str, QueryStyle)],
    ) -> Result<(), Error> {
        let bytes = form::encode_form(value, styles)?;
        self.body = Some(Body::new("application/x-www-form-urlencoded", bytes));
        Ok(())
    }

    /// Sets a `multipart/form-data` body; the boundary goes into the
    /// `Content-Type`.
    pub fn multipart_body(&mut self, form: &Multipart) {
        let (content_type, mut segments) = form.encode_segments();
        let streamed = segments.iter().any(|s| matches!(s, Segment::Stream(_)));
        let body = if streamed {
            let len = segments
                .iter()
                .map(|s| match s {
                    Segment::Bytes(bytes) => bytes.len() as u64,
                    Segment::Stream(stream) => stream.len(),
                })
                .sum();
            Body {
                content_type: Cow::Owned(content_type),
                bytes: Vec::new(),
                streamed: Some((segments, len)),
            }
        } else {
            let bytes = match segments.pop() {
                Some(Segment::Bytes(bytes)) => bytes,
                _ => Vec::new(),
            };
            Body::new(content_type, bytes)
        };
        self.body = Some(body);
    }

    /// Path parameters recorded so far, in call order.
    pub fn path_params(&self) -> &[(&'static str, String)] {
        &self.path_params
    }

    /// Query parameters recorded so far, in call order, percent-encoded
    /// (`filter%5Bkind%5D`, `a%7Cb`).
    pub fn query_params(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// Cookie parameters recorded so far, in call order, percent-encoded.
    pub fn cookie_params(&self) -> &[(String, String)] {
        &self.cookies
    }

    /// Header parameters recorded so far, in call order.
    pub fn header_params(&self) -> &[(Cow<'static, str>, String)] {
        &self.headers
    }

    /// The request body, if any.
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }
}

/// Renders a scalar parameter value; `Ok(None)` for null or a compound value.
fn scalar_to_string(value: &impl Serialize) -> Result<Option<String>, Error> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::invalid_request(format!("parameter cannot be serialized: {e}")))?;
    // A string (the usual path parameter) is moved out, not copied.
    Ok(match value {
        serde_json::Value::String(s) => Some(s),
        other => params::scalar(&other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(parts: &RequestParts) -> Vec<(&str, &str)> {
        parts
            .query
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_str()))
            .collect()
    }

    /// The short calls the generated `build` makes record what the styled
    /// call records for their styles.
    #[test]
    fn query_calls_record_their_styles() {
        let tags = ["a,b", "c"];
        let mut short = RequestParts::new();
        short.query("tag", &tags).unwrap();
        short.query_unexploded("fields", &tags).unwrap();
        short.query_unexploded("none", &None::<Vec<u8>>).unwrap();
        assert_eq!(
            recorded(&short),
            [("tag", "a%2Cb"), ("tag", "c"), ("fields", "a%2Cb,c")]
        );
        let mut styled = RequestParts::new();
        styled
            .query_styled("tag", &tags, QueryStyle::Form { explode: true })
            .unwrap();
        styled
            .query_styled("fields", &tags, QueryStyle::Form { explode: false })
            .unwrap();
        assert_eq!(recorded(&short), recorded(&styled));
    }
}
