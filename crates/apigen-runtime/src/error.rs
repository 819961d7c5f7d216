//! The error type shared by every generated crate.
//!
//! [`Error`] is available without any feature, so models crates can return
//! it from [`Operation::build`](crate::Operation::build). Its transport
//! variant holds a boxed `dyn std::error::Error` and therefore does not
//! depend on the HTTP client.
//!
//! No variant ever holds a credential: request URLs (which may carry an API
//! key in the query) are stripped from transport errors, request headers are
//! never recorded, and the body of an OAuth2 token response is never kept.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

/// A boxed error from the HTTP stack, kept as the [`source`](std::error::Error::source)
/// of [`Error::Transport`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How many bytes of a response body an error keeps by default (see
/// [`ApiError::body`] and [`Error::Decode`]); change it with
/// `Config::with_error_body_limit`.
pub const BODY_SNIPPET_LEN: usize = 512;

/// Everything that can go wrong when calling an API.
///
/// Use the helpers ([`status`](Error::status), [`kind`](Error::kind),
/// [`is_retryable`](Error::is_retryable), [`retry_after`](Error::retry_after))
/// rather than matching when possible: the enum is `#[non_exhaustive]`.
///
/// `Display` never repeats the text of [`source`](std::error::Error::source);
/// walk the source chain to print the full cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built from the operation's arguments (for
    /// example a path parameter of `..`, or a header value with a line
    /// break). Nothing was sent.
    #[error("invalid request: {message}")]
    #[non_exhaustive]
    InvalidRequest {
        /// What is wrong. Never contains the offending value.
        message: String,
    },

    /// The client configuration is unusable (no credentials found, an
    /// invalid base URL, …). Nothing was sent.
    #[error("invalid configuration: {message}")]
    #[non_exhaustive]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// The server answered with an error status, or with a 2xx envelope
    /// whose `success` flag is `false`.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The connection failed or broke before a complete response arrived.
    #[error("{}", if *connect { "could not connect to the server" } else { "connection to the server failed" })]
    #[non_exhaustive]
    Transport {
        /// `true` when no connection could be established, so the request
        /// provably never reached the server.
        connect: bool,
        /// The underlying error (with any URL stripped).
        #[source]
        source: BoxError,
    },

    /// One attempt took longer than the configured timeout.
    #[error("request timed out after {} ms", timeout.as_millis())]
    #[non_exhaustive]
    Timeout {
        /// The per-attempt timeout that elapsed.
        timeout: Duration,
    },

    /// The call (all its attempts and the waits between them) did not
    /// finish within its total deadline (`Config::with_total_timeout`,
    /// `Call::total_timeout`).
    #[error("call did not complete within its deadline of {} ms", deadline.as_millis())]
    #[non_exhaustive]
    Deadline {
        /// The total deadline that elapsed.
        deadline: Duration,
    },

    /// A successful response could not be decoded into the expected type.
    #[error("cannot decode the response body (HTTP {status}) at `{path}`: {message}")]
    #[non_exhaustive]
    Decode {
        /// JSON path of the value that failed, e.g. `result[0].created_at`
        /// (`.` for the document itself).
        path: String,
        /// What serde reported.
        message: String,
        /// The response status.
        status: StatusCode,
        /// The start of the body (at most [`BODY_SNIPPET_LEN`] bytes); empty
        /// when the body must not be kept (OAuth2 token responses).
        body: String,
    },

    /// A successful response had a body that is not JSON.
    #[error("unexpected content type `{content_type}` in a response with HTTP {status}")]
    #[non_exhaustive]
    UnexpectedContentType {
        /// The `Content-Type` the server sent.
        content_type: String,
        /// The response status.
        status: StatusCode,
        /// The start of the body (at most [`BODY_SNIPPET_LEN`] bytes).
        body: String,
    },

    /// The response body is larger than the configured limit.
    #[error("response body exceeds the limit of {limit} bytes")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The configured limit, in bytes.
        limit: u64,
    },

    /// The server redirected to another origin. The redirect is refused so
    /// that credentials never reach a third party.
    #[error("refused to follow a redirect (HTTP {status}) to another origin ({host})")]
    #[non_exhaustive]
    Redirect {
        /// The redirect status.
        status: StatusCode,
        /// Host of the `Location` (never the full URL), or `unknown`.
        host: String,
    },

    /// A blocking client was used from inside an async runtime, where
    /// blocking would stall the executor. Use the async client there.
    #[error(
        "the blocking client cannot be used inside an async runtime; use the async client instead"
    )]
    BlockingInAsyncContext,
}

impl Error {
    /// Creates an [`Error::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// Creates an [`Error::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// The HTTP status of the response that caused the error, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. }
            | Error::UnexpectedContentType { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The class of an API error; `None` for other errors.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Api(e) => Some(e.kind),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed: connection
    /// errors, timeouts, and the statuses 408, 409, 429 and 5xx.
    ///
    /// The client already retries these (within its retry budget and the
    /// idempotency rule); this is for callers that add their own retries.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::Deadline { .. } => true,
            Error::Api(e) => {
                matches!(e.status.as_u16(), 408 | 409 | 429) || e.status.is_server_error()
            }
            _ => false,
        }
    }

    /// How long the server asked to wait before retrying (`Retry-After`,
    /// `retry-after-ms`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }

    /// The server's request id (`cf-ray` or `x-request-id`), if known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// The class of an [`ApiError`], derived from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: missing or invalid credentials (also used when an OAuth2 token
    /// cannot be obtained).
    Authentication,
    /// 403: the credentials lack a permission.
    Permission,
    /// 404: no such resource.
    NotFound,
    /// 409: conflict with the resource's current state.
    Conflict,
    /// 422: the request is well-formed but semantically invalid.
    Unprocessable,
    /// 429: too many requests; see [`ApiError::retry_after`].
    RateLimited,
    /// 5xx: the server failed.
    Server,
    /// A 2xx response whose envelope says `success: false`.
    Unsuccessful,
    /// Any other status.
    Other,
}

impl ErrorKind {
    /// The class of an error response with this status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::Unprocessable,
            429 => ErrorKind::RateLimited,
            200..=299 => ErrorKind::Unsuccessful,
            s if s >= 500 => ErrorKind::Server,
            _ => ErrorKind::Other,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad request",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Permission => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unprocessable => "unprocessable request",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::Unsuccessful => "unsuccessful",
            ErrorKind::Other => "unexpected status",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error response from the API: the typed details, and everything the
/// server sent (status, headers, the start of the body).
///
/// `Debug` shows the headers with the values of credential-bearing ones
/// (`set-cookie`, `authorization`, …) redacted.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The class of the error.
    pub kind: ErrorKind,
    /// The HTTP status.
    pub status: StatusCode,
    /// `operationId` of the failed call (`oauth2-token` for a failed token
    /// request).
    pub operation_id: &'static str,
    /// The error messages found in the body (empty when the body has none
    /// in a known shape).
    pub details: Vec<ApiErrorDetail>,
    /// The server's request id (`cf-ray` or `x-request-id`).
    pub request_id: Option<String>,
    /// The start of the body (at most [`BODY_SNIPPET_LEN`] bytes unless
    /// configured otherwise with `Config::with_error_body_limit`, lossily
    /// decoded as UTF-8, `…` appended when cut).
    pub body: String,
    /// How long the server asked to wait before retrying.
    pub retry_after: Option<Duration>,
    /// The response headers (empty for errors not built from a response).
    /// `Debug` redacts credential-bearing values.
    pub headers: HeaderMap,
    /// The whole body, for [`body_as`](ApiError::body_as); never shown by
    /// `Debug` or `Display`.
    pub(crate) full_body: bytes::Bytes,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("operation_id", &self.operation_id)
            .field("details", &self.details)
            .field("request_id", &self.request_id)
            .field("body", &self.body)
            .field("retry_after", &self.retry_after)
            .field("headers", &crate::response::RedactedHeaders(&self.headers))
            .finish()
    }
}

impl ApiError {
    /// Creates an error of the class that `status` implies, with no details.
    pub fn new(status: StatusCode, operation_id: &'static str) -> Self {
        ApiError {
            kind: ErrorKind::from_status(status),
            status,
            operation_id,
            details: Vec::new(),
            request_id: None,
            body: String::new(),
            retry_after: None,
            headers: HeaderMap::new(),
            full_body: bytes::Bytes::new(),
        }
    }

    /// Decodes the whole error body (not only the [`body`](ApiError::body)
    /// snippet) as JSON into `T`; `None` when it does not decode. The
    /// generated `error_body` function of an operation with a `default`
    /// response calls this with the response's type.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.full_body).ok()
    }

    /// Keeps the whole body for [`body_as`](ApiError::body_as).
    #[cfg(feature = "async")]
    pub(crate) fn with_full_body(mut self, body: &[u8]) -> Self {
        self.full_body = bytes::Bytes::copy_from_slice(body);
        self
    }

    /// The first error message, if any.
    pub fn message(&self) -> Option<&str> {
        self.details.first().map(|d| d.message.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (HTTP {}) in `{}`",
            self.kind, self.status, self.operation_id
        )?;
        if self.details.is_empty() {
            // Only a short, single-line excerpt: the full snippet is in `body`.
            let excerpt: String = self
                .body
                .chars()
                .take(120)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if !excerpt.trim().is_empty() {
                write!(f, ": {}", excerpt.trim())?;
            }
        }
        for (i, detail) in self.details.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{detail}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {} ms)", wait.as_millis())?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One error message from an error body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ApiErrorDetail {
    /// Numeric error code (Cloudflare's `code`).
    pub code: Option<i64>,
    /// Symbolic error code: a string `code` or OAuth2's `error`.
    pub error: Option<String>,
    /// Human-readable message.
    pub message: String,
    /// Link to documentation about the error.
    pub documentation_url: Option<String>,
    /// JSON pointer to the request field at fault (`source.pointer`).
    pub pointer: Option<String>,
}

impl ApiErrorDetail {
    /// Creates a detail with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        ApiErrorDetail {
            message: message.into(),
            ..Default::default()
        }
    }
}

impl fmt::Display for ApiErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (self.code, &self.error) {
            (Some(code), _) => write!(f, " [code {code}]")?,
            (None, Some(error)) if *error != self.message => write!(f, " [{error}]")?,
            _ => {}
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

/// The start of `body`, at most [`BODY_SNIPPET_LEN`] bytes, as text.
#[cfg(all(test, feature = "async"))]
pub(crate) fn snippet(body: &[u8]) -> String {
    snippet_of(body, BODY_SNIPPET_LEN)
}

/// The start of `body`, at most `limit` bytes, as text.
#[cfg(feature = "async")]
pub(crate) fn snippet_of(body: &[u8], limit: usize) -> String {
    let cut = &body[..body.len().min(limit)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > limit {
        s.push('…');
    }
    s
}

/// Parses error details out of an error body, leniently: anything that is
/// not JSON in a known shape gives no details.
///
/// Known shapes, tried in order:
/// 1. `{<details_field>: [{code, message, documentation_url, source: {pointer}}]}`
///    (Cloudflare's `errors`);
/// 2. `{message, code?, status?}`;
/// 3. `{error, error_description?}` (OAuth2, RFC 6749 §5.2).
#[cfg(feature = "async")]
pub(crate) fn parse_details(body: &[u8], details_field: Option<&str>) -> Vec<ApiErrorDetail> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return Vec::new();
    };
    if let Some(field) = details_field {
        if let Some(serde_json::Value::Array(items)) = map.get(field) {
            let details = details_from_array(items);
            if !details.is_empty() {
                return details;
            }
        }
    }
    if let Some(detail) = detail_from_object(&map) {
        return vec![detail];
    }
    Vec::new()
}

/// Converts an array of `{code, message, …}` objects; items of another shape
/// are skipped.
#[cfg(feature = "async")]
pub(crate) fn details_from_array(items: &[serde_json::Value]) -> Vec<ApiErrorDetail> {
    items
        .iter()
        .filter_map(|item| match item {
            serde_json::Value::Object(map) => detail_from_object(map),
            serde_json::Value::String(s) => Some(ApiErrorDetail::new(s.clone())),
            _ => None,
        })
        .collect()
}

#[cfg(feature = "async")]
fn detail_from_object(map: &serde_json::Map<String, serde_json::Value>) -> Option<ApiErrorDetail> {
    let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let (code, code_str) = match map.get("code") {
        Some(serde_json::Value::Number(n)) => (n.as_i64(), None),
        Some(serde_json::Value::String(s)) => (None, Some(s.clone())),
        _ => (None, None),
    };
    let oauth_error = text("error");
    let message = text("message")
        .or_else(|| text("error_description"))
        .or_else(|| oauth_error.clone())
        .or_else(|| text("detail"))
        .or_else(|| text("title"))?;
    Some(ApiErrorDetail {
        code,
        error: code_str.or(oauth_error),
        message,
        documentation_url: text("documentation_url"),
        pointer: map
            .get("source")
            .and_then(|s| s.get("pointer"))
            .and_then(|p| p.as_str())
            .map(str::to_owned),
    })
}

#[cfg(all(test, feature = "async"))]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_errors() {
        let body = br#"{"success":false,"errors":[{"code":7003,"message":"No route","documentation_url":"https://d","source":{"pointer":"/a"}}],"messages":[],"result":null}"#;
        let d = parse_details(body, Some("errors"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Some(7003));
        assert_eq!(d[0].message, "No route");
        assert_eq!(d[0].documentation_url.as_deref(), Some("https://d"));
        assert_eq!(d[0].pointer.as_deref(), Some("/a"));
    }

    #[test]
    fn message_code_status_and_oauth_shapes() {
        let d = parse_details(
            br#"{"message":"nope","code":"not_found","status":404}"#,
            None,
        );
        assert_eq!(d[0].message, "nope");
        assert_eq!(d[0].error.as_deref(), Some("not_found"));
        let d = parse_details(
            br#"{"code":10100,"message":"More than 1200 requests"}"#,
            Some("errors"),
        );
        assert_eq!(d[0].code, Some(10100));
        let d = parse_details(
            br#"{"error":"invalid_client","error_description":"bad"}"#,
            None,
        );
        assert_eq!(d[0].message, "bad");
        assert_eq!(d[0].error.as_deref(), Some("invalid_client"));
    }

    #[test]
    fn lenient_on_garbage() {
        assert!(parse_details(b"<html>502</html>", Some("errors")).is_empty());
        assert!(parse_details(br#"{"errors":[{"code":1"#, Some("errors")).is_empty());
        assert!(parse_details(b"", None).is_empty());
        assert!(parse_details(b"[1,2]", None).is_empty());
    }

    #[test]
    fn snippet_is_bounded_and_lossy() {
        let body = vec![b'a'; 2000];
        assert_eq!(snippet(&body).chars().count(), BODY_SNIPPET_LEN + 1);
        assert_eq!(snippet(&[0xff, b'x']), "\u{fffd}x");
    }

    #[test]
    fn kinds() {
        assert_eq!(
            ErrorKind::from_status(StatusCode::TOO_MANY_REQUESTS),
            ErrorKind::RateLimited
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::BAD_GATEWAY),
            ErrorKind::Server
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::IM_A_TEAPOT),
            ErrorKind::Other
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::OK),
            ErrorKind::Unsuccessful
        );
    }
}
