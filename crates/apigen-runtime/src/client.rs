//! The async client: request building, auth, retries, timeouts and response
//! handling for every operation.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, StatusCode};
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, USER_AGENT};
use tracing::Instrument as _;

use crate::auth::Auth;
use crate::config::{Config, RetryPolicy, Sleeper};
use crate::decode::{DecodeContext, decode_success};
use crate::encode::{header, push_query, render_path};
use crate::error::{ApiError, Error, is_retryable_status, parse_details, snippet};
use crate::operation::{Method, Operation, OperationInfo, RequestParts};
use crate::profile::ApiProfile;
use crate::response::{Response, request_id};
use crate::retry::{parse_retry_after, should_retry_status};

/// Most redirects followed (same-origin only).
const MAX_REDIRECTS: usize = 10;

/// An async API client. Cheap to clone: clones share one connection pool and
/// one OAuth2 token cache.
///
/// Calls must run inside a tokio runtime with I/O and timers enabled (as
/// `#[tokio::main]` sets up); use [`blocking::Client`](crate::blocking::Client)
/// from synchronous code.
///
/// ```no_run
/// # use apigen_runtime::{ApiProfile, Client, Config};
/// # async fn demo(profile: &'static ApiProfile) -> Result<(), apigen_runtime::Error> {
/// let client = Client::new(profile, Config::from_env(profile)?)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    profile: &'static ApiProfile,
    http: reqwest::Client,
    /// Without a trailing `/`.
    base_url: String,
    auth: Auth,
    /// `User-Agent`, `Accept` and the configured default headers.
    headers: HeaderMap,
    timeout: Duration,
    max_retries: u32,
    retry: RetryPolicy,
    max_response_bytes: u64,
    sleeper: Arc<dyn Sleeper>,
}

impl Client {
    /// Creates a client for the API described by `profile`.
    ///
    /// Fails with [`Error::Config`] when the base URL, a default header or
    /// the credentials are unusable.
    pub fn new(profile: &'static ApiProfile, config: Config) -> Result<Client, Error> {
        let base_url = config
            .base_url
            .as_deref()
            .unwrap_or(profile.default_base_url)
            .trim_end_matches('/')
            .to_owned();
        let base = Url::parse(&base_url)
            .map_err(|_| Error::config("the base URL is not a valid absolute URL"))?;
        if !matches!(base.scheme(), "http" | "https")
            || base.cannot_be_a_base()
            || base.query().is_some()
            || base.fragment().is_some()
            || !base.username().is_empty()
            || base.password().is_some()
        {
            return Err(Error::config(
                "the base URL must be an http or https URL without credentials, query or fragment",
            ));
        }
        if base.scheme() == "https" && !cfg!(feature = "rustls") && config.http_client.is_none() {
            return Err(Error::config(
                "an https base URL needs the `rustls` feature of apigen-runtime (or a preconfigured reqwest client)",
            ));
        }
        let http = match config.http_client {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(config.connect_timeout)
                .redirect(same_origin_redirects())
                .build()
                .map_err(|e| {
                    Error::config(format!("cannot build the HTTP client: {}", e.without_url()))
                })?,
        };

        let mut headers = HeaderMap::new();
        let mut user_agent = format!(
            "{}/{} apigen-runtime/{}",
            profile.name,
            profile.version,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(suffix) = &config.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::config("the User-Agent contains characters not allowed in a header")
        })?;
        headers.insert(USER_AGENT, user_agent);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &config.default_headers {
            let (name, mut value) = header(name, value).map_err(|e| match e {
                Error::InvalidRequest { message } => Error::config(message),
                other => other,
            })?;
            value.set_sensitive(true);
            headers.append(name, value);
        }

        let auth = Auth::new(&config.credentials, profile, &base)?;
        Ok(Client {
            inner: Arc::new(Inner {
                profile,
                http,
                base_url,
                auth,
                headers,
                timeout: config.timeout,
                max_retries: config.max_retries,
                retry: config.retry,
                max_response_bytes: config.max_response_bytes,
                sleeper: config.sleeper,
            }),
        })
    }

    /// Starts a call of `operation`; set per-request options on the
    /// returned [`Call`], then `.send().await` it (or just `.await` it).
    pub fn call<O: Operation>(&self, operation: O) -> Call<'_, O> {
        Call {
            client: self,
            operation,
            options: CallOptions::default(),
        }
    }

    /// The profile of the API this client talks to.
    pub fn profile(&self) -> &'static ApiProfile {
        self.inner.profile
    }

    /// The base URL requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("api", &inner.profile.name)
            .field("base_url", &inner.base_url)
            .field("auth", &inner.auth.kind())
            .field("timeout", &inner.timeout)
            .field("max_retries", &inner.max_retries)
            .finish_non_exhaustive()
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

/// Per-request options.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
}

/// One pending call of an operation, with per-request options.
///
/// Send it with [`send`](Call::send) or by awaiting it; page through a list
/// with [`pages`](Call::pages) or [`items`](Call::items).
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct Call<'a, O> {
    pub(crate) client: &'a Client,
    pub(crate) operation: O,
    pub(crate) options: CallOptions,
}

impl<O: Operation> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation_id", &O::INFO.operation_id)
            .field("timeout", &self.options.timeout)
            .field("max_retries", &self.options.max_retries)
            .finish_non_exhaustive()
    }
}

impl<'a, O: Operation> Call<'a, O> {
    /// Overrides the per-attempt timeout for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Overrides how many times this call is retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// Adds (or replaces) a header for this call. A value with CR, LF or
    /// NUL fails the call with [`Error::InvalidRequest`].
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.headers.push((name.into(), value.into()));
        self
    }

    /// Appends a query parameter for this call (after the operation's own).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.query.push((name.into(), value.into()));
        self
    }

    /// The operation this call sends.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Sends the request (retrying as configured) and decodes the response.
    pub async fn send(self) -> Result<Response<O::Output, O::Meta>, Error> {
        self.client
            .inner
            .execute(&self.operation, &self.options)
            .await
            .map(|(response, _)| response)
    }
}

impl<'a, O: crate::Paginated> Call<'a, O> {
    /// Pages through the list: a stream of responses, one page at a time.
    ///
    /// Page-number operations start at the operation's page (default 1);
    /// cursor operations at its cursor. See [`Pagination`](crate::Pagination)
    /// for the stopping rules. The stream ends after the first error.
    pub fn pages(
        self,
    ) -> impl futures_util::Stream<Item = Result<Response<O::Output, O::Meta>, Error>> + Unpin + use<O>
    {
        crate::pagination::pages(self)
    }

    /// Pages through the list: a stream of items across all pages, fetching
    /// the next page only when the current one is used up.
    pub fn items(
        self,
    ) -> impl futures_util::Stream<Item = Result<O::Item, Error>> + Unpin + use<O> {
        crate::pagination::items(self)
    }
}

impl<'a, O> IntoFuture for Call<'a, O>
where
    O: Operation + Send + Sync + 'a,
    O::Output: Send + 'a,
    O::Meta: Send + 'a,
{
    type Output = Result<Response<O::Output, O::Meta>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A request ready to be sent (and re-sent on retry).
struct Prepared {
    method: reqwest::Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
}

/// A complete response (status, headers, body read within the limit).
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// Generation of the OAuth2 token the request carried.
    token: Option<u64>,
}

/// Whether a failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// The request provably had no effect (it was never sent).
    Always,
    /// The request may have reached the server.
    IfIdempotent,
    /// Repeating cannot help.
    Never,
}

struct AttemptError {
    error: Error,
    retry: Retry,
}

impl AttemptError {
    fn new(error: Error, retry: Retry) -> Self {
        AttemptError { error, retry }
    }
}

fn to_reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Put => reqwest::Method::PUT,
        Method::Post => reqwest::Method::POST,
        Method::Delete => reqwest::Method::DELETE,
        Method::Patch => reqwest::Method::PATCH,
        Method::Head => reqwest::Method::HEAD,
        Method::Options => reqwest::Method::OPTIONS,
        Method::Trace => reqwest::Method::TRACE,
    }
}

/// Converts a reqwest error, dropping its URL (which may carry an API key).
pub(crate) fn transport_error(error: reqwest::Error) -> Error {
    Error::Transport {
        connect: error.is_connect(),
        source: Box::new(error.without_url()),
    }
}

/// Reads a body, failing as soon as it exceeds `limit` bytes.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(Error::ResponseTooLarge { limit });
    }
    let capacity = declared.unwrap_or(0).min(limit).min(1024 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(Error::ResponseTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Inner {
    /// Runs one call: build, send with retries, decode. Also returns the raw
    /// body, which pagination uses to detect a repeated page.
    pub(crate) async fn execute<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
    ) -> Result<(Response<O::Output, O::Meta>, Vec<u8>), Error> {
        let info = O::INFO;
        let span = tracing::debug_span!(
            "apigen_call",
            operation_id = info.operation_id,
            method = info.method.as_str(),
            path = info.path_template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .execute_in_span::<O>(operation, options, &span)
            .instrument(span.clone())
            .await;
        span.record(
            "elapsed_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        result
    }

    async fn execute_in_span<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        span: &tracing::Span,
    ) -> Result<(Response<O::Output, O::Meta>, Vec<u8>), Error> {
        let info = O::INFO;
        let mut parts = RequestParts::new();
        operation.build(&mut parts)?;
        let request = self.prepare(&info, &parts, options)?;
        drop(parts);

        let idempotent = info.method.is_idempotent();
        let max_retries = options.max_retries.unwrap_or(self.max_retries);
        let timeout = options.timeout.unwrap_or(self.timeout);
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            attempts += 1;
            span.record("attempt", attempts);
            let (error, retry) = match self.attempt(&request, timeout).await {
                Ok(raw) => {
                    span.record("status", raw.status.as_u16());
                    if raw.status.is_success() {
                        let ctx = DecodeContext {
                            status: raw.status,
                            headers: &raw.headers,
                            operation_id: info.operation_id,
                            keep_body: true,
                        };
                        let decoded =
                            decode_success::<O::Output, O::Meta>(info.response, &raw.body, &ctx)?;
                        let response = Response::new(
                            decoded.output,
                            decoded.meta,
                            raw.status,
                            raw.headers,
                            attempts,
                        );
                        return Ok((response, raw.body));
                    }
                    if raw.status == StatusCode::UNAUTHORIZED && !reauthenticated {
                        if let (Auth::OAuth2(oauth), Some(generation)) = (&self.auth, raw.token) {
                            // The token was rejected (revoked, or expired
                            // early): fetch a new one and try once more.
                            // The API refused the request, so this is safe
                            // for any method and does not use up a retry.
                            reauthenticated = true;
                            oauth.invalidate(generation).await;
                            tracing::info!(
                                attempt = attempts,
                                "access token rejected; fetching a new one"
                            );
                            continue;
                        }
                    }
                    if raw.status.is_redirection() {
                        return Err(redirect_error(&raw, &request.url, info.operation_id, self));
                    }
                    let retry = should_retry_status(raw.status, &raw.headers, idempotent);
                    let error = Error::from(self.api_error(info.operation_id, &raw));
                    (error, if retry { Retry::Always } else { Retry::Never })
                }
                Err(AttemptError { error, retry }) => (error, retry),
            };
            let retryable = match retry {
                Retry::Always => true,
                Retry::IfIdempotent => idempotent,
                Retry::Never => false,
            };
            if !retryable || retries >= max_retries {
                return Err(error);
            }
            let delay = match error.retry_after() {
                Some(wait) if wait > self.retry.max_retry_after => {
                    // Waiting that long inside a call would look like a
                    // hang; hand the wait to the caller instead.
                    tracing::info!(
                        attempt = attempts,
                        retry_after_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "not retrying: the server asked to wait longer than the configured maximum"
                    );
                    return Err(error);
                }
                Some(wait) => wait,
                None => self.retry.backoff(retries),
            };
            retries += 1;
            tracing::info!(
                attempt = attempts,
                status = error.status().map(|s| s.as_u16()),
                reason = failure_reason(&error),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying request"
            );
            self.sleeper.sleep(delay).await;
        }
    }

    /// Builds the URL, headers and body once; they are reused by retries.
    fn prepare(
        &self,
        info: &OperationInfo,
        parts: &RequestParts,
        options: &CallOptions,
    ) -> Result<Prepared, Error> {
        let path = render_path(info.path_template, parts.path_params())?;
        let mut query = String::new();
        push_query(
            &mut query,
            parts
                .query_params()
                .iter()
                .map(|(n, v)| (n.as_ref(), v.as_str())),
        );
        push_query(
            &mut query,
            options.query.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        );
        push_query(
            &mut query,
            self.auth
                .query()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let mut url = String::with_capacity(self.base_url.len() + path.len() + query.len() + 1);
        url.push_str(&self.base_url);
        url.push_str(&path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let url = Url::parse(&url).map_err(|_| {
            Error::invalid_request(format!("cannot build a URL for `{}`", info.path_template))
        })?;

        let mut headers = self.headers.clone();
        for (name, value) in parts.header_params() {
            let (name, value) = header(name, value)?;
            headers.insert(name, value);
        }
        if let Auth::Headers(auth, _) = &self.auth {
            for (name, value) in auth {
                headers.insert(name.clone(), value.clone());
            }
        }
        for (name, value) in &options.headers {
            let (name, mut value) = header(name, value)?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let body = match parts.body() {
            Some(body) => {
                let content_type = HeaderValue::from_str(body.content_type)
                    .map_err(|_| Error::invalid_request("invalid body content type"))?;
                headers.insert(CONTENT_TYPE, content_type);
                Some(body.bytes.clone())
            }
            None => None,
        };
        Ok(Prepared {
            method: to_reqwest_method(info.method),
            url,
            headers,
            body,
        })
    }

    /// One HTTP exchange, bounded by `timeout` from the token lookup to the
    /// end of the body.
    async fn attempt(&self, prepared: &Prepared, timeout: Duration) -> Result<Raw, AttemptError> {
        let exchange = async {
            let mut token = None;
            let mut request = reqwest::Request::new(prepared.method.clone(), prepared.url.clone());
            *request.headers_mut() = prepared.headers.clone();
            if let Auth::OAuth2(oauth) = &self.auth {
                let fetched = oauth.token(&self.http, timeout).await.map_err(|error| {
                    // The API request was not sent: a failed token fetch is
                    // retryable for any method unless the token endpoint
                    // refused the credentials.
                    let retry = match &error {
                        Error::Api(e) if !is_retryable_status(e.status) => Retry::Never,
                        Error::Api(_) | Error::Transport { .. } | Error::Timeout { .. } => {
                            Retry::Always
                        }
                        _ => Retry::Never,
                    };
                    AttemptError::new(error, retry)
                })?;
                request.headers_mut().insert(AUTHORIZATION, fetched.header);
                token = Some(fetched.generation);
            }
            if let Some(body) = &prepared.body {
                *request.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            let mut response = self.http.execute(request).await.map_err(|e| {
                let retry = if e.is_redirect() {
                    Retry::Never
                } else if e.is_connect() {
                    // No connection, so nothing was sent.
                    Retry::Always
                } else {
                    Retry::IfIdempotent
                };
                AttemptError::new(transport_error(e), retry)
            })?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let body = read_body(&mut response, self.max_response_bytes)
                .await
                .map_err(|error| {
                    let retry = match error {
                        Error::ResponseTooLarge { .. } => Retry::Never,
                        _ => Retry::IfIdempotent,
                    };
                    AttemptError::new(error, retry)
                })?;
            Ok(Raw {
                status,
                headers,
                body,
                token,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(AttemptError::new(
                Error::Timeout { timeout },
                Retry::IfIdempotent,
            )),
        }
    }

    fn api_error(&self, operation_id: &'static str, raw: &Raw) -> ApiError {
        let mut error = ApiError::new(raw.status, operation_id);
        error.details = parse_details(&raw.body, self.profile.error_details);
        error.request_id = request_id(&raw.headers).map(str::to_owned);
        error.body = snippet(&raw.body);
        error.retry_after = parse_retry_after(&raw.headers, SystemTime::now());
        error
    }
}

/// A 3xx that reached the client: refused when it leads to another origin,
/// otherwise an ordinary API error.
fn redirect_error(raw: &Raw, url: &Url, operation_id: &'static str, inner: &Inner) -> Error {
    let target = raw
        .headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| url.join(location).ok());
    match target {
        Some(target) if target.origin() != url.origin() => Error::Redirect {
            status: raw.status,
            host: target.host_str().unwrap_or("unknown").to_owned(),
        },
        _ => inner.api_error(operation_id, raw).into(),
    }
}

fn failure_reason(error: &Error) -> &'static str {
    match error {
        Error::Api(_) => "status",
        Error::Transport { connect: true, .. } => "connect",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        _ => "other",
    }
}
