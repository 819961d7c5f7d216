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
    /// The response is not JSON (a file, CSV, plain text, an image): the
    /// output is the body's bytes (`Vec<u8>`), whatever its content type.
    Raw,
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

    /// Records the operation's parameters and body into `request`.
    ///
    /// Fails only when an argument cannot be sent (a path parameter that
    /// would change the path, a header value with a line break, a body that
    /// cannot be serialized).
    fn build(&self, request: &mut RequestParts) -> Result<(), Error>;
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
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Option<Body>,
}

/// A serialized request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The serialized bytes; kept so a retry can resend them.
    pub bytes: Vec<u8>,
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
    /// name once per element (OpenAPI's default `form` style with
    /// `explode: true`).
    pub fn query(&mut self, name: &'static str, value: &impl Serialize) -> Result<(), Error> {
        for v in to_strings(name, value)? {
            self.query.push((Cow::Borrowed(name), v));
        }
        Ok(())
    }

    /// Records a header parameter. `None` adds nothing; an array is sent as
    /// one comma-separated value (OpenAPI's `simple` style).
    pub fn header(&mut self, name: &'static str, value: &impl Serialize) -> Result<(), Error> {
        let values = to_strings(name, value)?;
        if !values.is_empty() {
            self.headers.push((Cow::Borrowed(name), values.join(",")));
        }
        Ok(())
    }

    /// Serializes `value` as the JSON request body.
    pub fn json_body(&mut self, value: &impl Serialize) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::invalid_request(format!("request body cannot be serialized: {e}"))
        })?;
        self.body = Some(Body {
            content_type: "application/json",
            bytes,
        });
        Ok(())
    }

    /// Sets a request body the caller already encoded, for media types other
    /// than JSON (multipart, octet-stream, …).
    pub fn raw_body(&mut self, content_type: &'static str, bytes: Vec<u8>) {
        self.body = Some(Body {
            content_type,
            bytes,
        });
    }

    /// Path parameters recorded so far, in call order.
    pub fn path_params(&self) -> &[(&'static str, String)] {
        &self.path_params
    }

    /// Query parameters recorded so far, in call order.
    pub fn query_params(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
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
    Ok(scalar(value))
}

/// The scalar's text, taken from the value (a string is moved, not copied).
fn scalar(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Renders a parameter as zero (null), one (scalar) or many (array) strings.
fn to_strings(name: &str, value: &impl Serialize) -> Result<Vec<String>, Error> {
    let value = serde_json::to_value(value).map_err(|e| {
        Error::invalid_request(format!("parameter `{name}` cannot be serialized: {e}"))
    })?;
    match value {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| {
                scalar(item).ok_or_else(|| {
                    Error::invalid_request(format!(
                        "parameter `{name}` must be an array of strings, numbers or booleans"
                    ))
                })
            })
            .collect(),
        other => scalar(other).map(|s| vec![s]).ok_or_else(|| {
            Error::invalid_request(format!(
                "parameter `{name}` must be a string, number, boolean or an array of them"
            ))
        }),
    }
}
