//! The transport: one HTTP exchange, its body read within a limit, and
//! reqwest's failures mapped to [`Error`] with what they say about whether
//! the request reached the server.
//!
//! Nothing here retries, authenticates or decodes; it only answers "what came
//! back?" for the call loop and for the OAuth2 token fetch.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use reqwest::Url;
use reqwest::header::LOCATION;

use crate::error::{ApiError, Error, parse_details, snippet_of};
use crate::response::request_id;

/// Most redirects followed (same-origin only).
const MAX_REDIRECTS: usize = 10;

/// The HTTP client every request and token fetch of one [`Client`](crate::Client)
/// goes through. Clones (derived clients) share the connection pool.
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
}

/// A complete answer: status, headers and the body read within the limit.
pub(crate) struct Exchange {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An attempt that produced no usable answer, classed by what it tells
/// about the request's effect; the retry policy decides from the class.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Nothing reached the API: no connection was made, or the credentials
    /// for the request could not be obtained.
    NotSent(Error),
    /// The request may have reached the server and been carried out.
    MaybeSent(Error),
    /// The API answered with an error status (an [`Error::Api`], whose
    /// headers may say whether to try again: `x-should-retry`).
    Answered(Error),
    /// Repeating the request cannot help.
    Final(Error),
}

impl Failure {
    /// The error to hand to the caller.
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::NotSent(e)
            | Failure::MaybeSent(e)
            | Failure::Answered(e)
            | Failure::Final(e) => e,
        }
    }
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        if e.is_redirect() {
            Failure::Final(transport_error(e))
        } else if e.is_connect() {
            // No connection, so nothing was sent.
            Failure::NotSent(transport_error(e))
        } else {
            Failure::MaybeSent(transport_error(e))
        }
    }
}

impl Transport {
    /// Uses `http` when given (its own redirect policy and connect timeout
    /// apply), else builds a client that follows same-origin redirects only.
    pub(crate) fn new(
        http: Option<reqwest::Client>,
        connect_timeout: Duration,
    ) -> Result<Transport, Error> {
        let http = match http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .redirect(same_origin_redirects())
                .build()
                .map_err(|e| {
                    Error::config(format!("cannot build the HTTP client: {}", e.without_url()))
                })?,
        };
        Ok(Transport { http })
    }

    /// A request builder on this transport's client (for requests that need
    /// reqwest's helpers, such as HTTP Basic auth).
    pub(crate) fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// Sends `request` and reads the whole answer, failing as soon as the
    /// body exceeds `limit` bytes. Any status is an answer here.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        limit: u64,
    ) -> Result<Exchange, Failure> {
        match self.send_head(request, limit, false).await? {
            Reply::Full(exchange) => Ok(exchange),
            // Not asked for a stream: unreachable, but read it rather than panic.
            Reply::Streaming {
                status,
                headers,
                mut body,
            } => {
                let body = read_body(&mut body, limit)
                    .await
                    .map_err(Failure::MaybeSent)?;
                Ok(Exchange {
                    status,
                    headers,
                    body,
                })
            }
        }
    }

    /// Sends `request`; with `stream`, a successful answer is returned
    /// before its body is read (the caller reads it). Any other answer is
    /// read whole, within `limit`.
    ///
    /// The request goes to reqwest before the returned future is first
    /// polled, so that future holds reqwest's small pending future rather
    /// than the request.
    pub(crate) fn send_head(
        &self,
        request: reqwest::Request,
        limit: u64,
        stream: bool,
    ) -> impl Future<Output = Result<Reply, Failure>> + Send + use<> {
        let pending = self.http.execute(request);
        async move {
            let mut response = pending.await?;
            let status = response.status();
            if stream && status.is_success() {
                return Ok(Reply::Streaming {
                    status,
                    headers: std::mem::take(response.headers_mut()),
                    body: Box::new(response),
                });
            }
            let body = read_body(&mut response, limit)
                .await
                .map_err(|error| match error {
                    Error::ResponseTooLarge { .. } => Failure::Final(error),
                    _ => Failure::MaybeSent(error),
                })?;
            // Taken once the body is read: held in this future during the
            // read, they would be a second header map in it.
            Ok(Reply::Full(Exchange {
                status,
                headers: std::mem::take(response.headers_mut()),
                body,
            }))
        }
    }
}

/// What [`Transport::send_head`] got back.
pub(crate) enum Reply {
    /// The whole answer.
    Full(Exchange),
    /// A successful answer whose body is still to be read.
    ///
    /// The response is boxed: it is rare, and as large as the rest of
    /// this type, which every call moves through several futures.
    Streaming {
        status: StatusCode,
        headers: HeaderMap,
        body: Box<reqwest::Response>,
    },
}

impl Exchange {
    /// The answer as an [`ApiError`]; `details_field` is where the API's
    /// error bodies keep their messages.
    pub(crate) fn into_api_error(
        self,
        operation_id: &'static str,
        details_field: Option<&str>,
        body_limit: usize,
    ) -> ApiError {
        let mut error = ApiError::new(self.status, operation_id).with_full_body(&self.body);
        error.details = parse_details(&self.body, details_field);
        error.request_id = request_id(&self.headers).map(str::to_owned);
        error.body = snippet_of(&self.body, body_limit);
        error.retry_after = parse_retry_after(&self.headers, SystemTime::now());
        error.headers = self.headers;
        error
    }

    /// The unsuccessful answer to a request for `url` as a failure: a 3xx
    /// that reached the client is final, and refused outright when it leads
    /// to another origin (the redirect policy stopped it there).
    pub(crate) fn into_failure(
        self,
        url: &Url,
        operation_id: &'static str,
        details_field: Option<&str>,
        body_limit: usize,
    ) -> Failure {
        if !self.status.is_redirection() {
            let error = self
                .into_api_error(operation_id, details_field, body_limit)
                .into();
            return Failure::Answered(error);
        }
        let target = self
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| url.join(location).ok());
        Failure::Final(match target {
            Some(target) if target.origin() != url.origin() => Error::Redirect {
                status: self.status,
                host: target.host_str().unwrap_or("unknown").to_owned(),
            },
            _ => self
                .into_api_error(operation_id, details_field, body_limit)
                .into(),
        })
    }
}

/// Follows redirects within one origin (scheme, host and port), up to
/// [`MAX_REDIRECTS`]; stops at a cross-origin redirect so that no
/// credential (including custom API-key headers, which reqwest would
/// forward) reaches another origin. The 3xx then becomes [`Error::Redirect`].
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let same_origin = attempt
            .previous()
            .last()
            .is_some_and(|prev| prev.origin() == attempt.url().origin());
        if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Converts a reqwest error, dropping its URL (which may carry an API key).
pub(crate) fn transport_error(error: reqwest::Error) -> Error {
    Error::Transport {
        connect: error.is_connect(),
        source: Box::new(error.without_url()),
    }
}

/// Reads a body, failing as soon as it exceeds `limit` bytes. A body that
/// arrives in one chunk is kept as reqwest hands it over, without a copy.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Bytes, Error> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(Error::ResponseTooLarge { limit });
    }
    let Some(first) = response.chunk().await.map_err(transport_error)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(Error::ResponseTooLarge { limit });
    }
    let Some(second) = response.chunk().await.map_err(transport_error)? else {
        return Ok(first);
    };
    // Boxed: the gathering loop's state would otherwise double the size of
    // this future, which is part of every call's.
    Box::pin(gather_body(response, limit, first, second)).await
}

/// The rest of [`read_body`] for a body in several chunks: gathered into
/// one buffer, within `limit`.
async fn gather_body(
    response: &mut reqwest::Response,
    limit: u64,
    first: Bytes,
    second: Bytes,
) -> Result<Bytes, Error> {
    let capacity = response
        .content_length()
        .unwrap_or(0)
        .min(limit)
        .min(1024 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    body.extend_from_slice(&first);
    // Copied: its buffer goes back before the waits for more.
    drop(first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if body.len().saturating_add(chunk.len()) as u64 > limit {
            return Err(Error::ResponseTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(transport_error)?;
    }
    Ok(Bytes::from(body))
}

/// The wait the server asked for: `retry-after-ms` (milliseconds), else
/// `Retry-After` (seconds, possibly fractional, or an HTTP date).
///
/// Zero, negative, unparsable values and dates in the past give `None`
/// (the caller then uses backoff). Values too large for a `Duration`
/// saturate.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(d) = positive_secs(ms / 1000.0) {
            return Some(d);
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return positive_secs(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|d| !d.is_zero())
}

fn positive_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs <= 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A header map of `pairs`.
    pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_after_table() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = |offset: i64| {
            httpdate::fmt_http_date(if offset >= 0 {
                now + Duration::from_secs(offset as u64)
            } else {
                now - Duration::from_secs((-offset) as u64)
            })
        };
        type Case = (Vec<(&'static str, String)>, Option<Duration>);
        let cases: Vec<Case> = vec![
            (
                vec![("retry-after", "20".into())],
                Some(Duration::from_secs(20)),
            ),
            (vec![("retry-after", "0".into())], None),
            (vec![("retry-after", "-10".into())], None),
            (
                vec![("retry-after", "1.5".into())],
                Some(Duration::from_millis(1500)),
            ),
            (
                vec![("retry-after", "61".into())],
                Some(Duration::from_secs(61)),
            ),
            (vec![("retry-after", "".into())], None),
            (vec![("retry-after", "NaN".into())], None),
            (
                vec![("retry-after", "Zun, 01 Jan 2023 00:00:00 GMT".into())],
                None,
            ),
            (
                vec![("retry-after", date(30))],
                Some(Duration::from_secs(30)),
            ),
            (vec![("retry-after", date(-30))], None),
            (vec![("retry-after", date(0))], None),
            (
                vec![("retry-after", "99999999999999999999999999999999999".into())],
                Some(Duration::MAX),
            ),
            (
                vec![("retry-after-ms", "100".into())],
                Some(Duration::from_millis(100)),
            ),
            (
                vec![("retry-after-ms", "12.5".into())],
                Some(Duration::from_micros(12_500)),
            ),
            (
                vec![
                    ("retry-after-ms", "250".into()),
                    ("retry-after", "9".into()),
                ],
                Some(Duration::from_millis(250)),
            ),
            (
                vec![
                    ("retry-after-ms", "bogus".into()),
                    ("retry-after", "9".into()),
                ],
                Some(Duration::from_secs(9)),
            ),
            (vec![], None),
        ];
        for (pairs, expected) in cases {
            let pairs_ref: Vec<(&'static str, &str)> =
                pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(
                parse_retry_after(&headers(&pairs_ref), now),
                expected,
                "{pairs:?}"
            );
        }
    }
}
