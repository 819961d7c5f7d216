//! Raw responses: a successful answer with its status, headers and
//! undecoded body, whole ([`RawResponse`]) or as a stream of chunks
//! ([`StreamingResponse`]), for data the spec does not describe.

use std::fmt;

use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::response::{RedactedHeaders, request_id};
use crate::transport::transport_error;

/// A successful response, undecoded: from
/// [`Call::send_raw`](crate::Call::send_raw).
///
/// Only 2xx answers arrive here; an error status is still an
/// [`Error::Api`] (which holds the status, headers and body too), after the
/// usual retries. `Debug` redacts credential-bearing headers.
#[derive(Clone)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    attempts: u32,
}

impl RawResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
        attempts: u32,
    ) -> Self {
        RawResponse {
            status,
            headers,
            body,
            attempts,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, as received.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decodes the body as JSON into any type (a `serde_json::Value`, or a
    /// struct of your own for fields the spec does not have yet).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            path: String::from("."),
            message: e.to_string(),
            status: self.status,
            body: crate::error::snippet_of(&self.body, crate::error::BODY_SNIPPET_LEN),
        })
    }

    /// The server's request id: `cf-ray`, else `x-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// How many HTTP attempts the call took (1 when not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The body of a successful answer still to be read.
pub(crate) struct BodyStream(Source);

enum Source {
    Http(reqwest::Response),
    /// A body already in memory (from a test double); taken once.
    Memory(Option<Bytes>),
}

impl BodyStream {
    pub(crate) fn http(response: reqwest::Response) -> Self {
        BodyStream(Source::Http(response))
    }

    pub(crate) fn memory(body: Bytes) -> Self {
        BodyStream(Source::Memory(Some(body)))
    }

    async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match &mut self.0 {
            Source::Http(response) => response.chunk().await.map_err(transport_error),
            Source::Memory(body) => Ok(body.take().filter(|b| !b.is_empty())),
        }
    }
}

/// A successful response whose body is read as it arrives: from
/// [`Call::send_streaming`](crate::Call::send_streaming), for large or
/// binary bodies.
///
/// The status and headers are known; read the body with
/// [`chunk`](StreamingResponse::chunk) or as a [`Stream`] of byte chunks
/// with [`bytes_stream`](StreamingResponse::bytes_stream). The call's
/// timeouts and retries cover the request up to the response headers; the
/// body is not bounded by the response limit, and reading it is not
/// retried.
pub struct StreamingResponse {
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
    body: BodyStream,
}

impl StreamingResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        attempts: u32,
        body: BodyStream,
    ) -> Self {
        StreamingResponse {
            status,
            headers,
            attempts,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// How many HTTP attempts the call took (1 when not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next chunk of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.body.chunk().await
    }

    /// The rest of the body as a stream of chunks; it ends after the first
    /// error.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Send + Unpin {
        Box::pin(futures_util::stream::unfold(
            Some(self.body),
            |body| async move {
                let mut body = body?;
                match body.chunk().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), Some(body))),
                    Ok(None) => None,
                    Err(e) => Some((Err(e), None)),
                }
            },
        ))
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}
