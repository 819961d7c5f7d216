//! The async client's public face: [`Client`] and [`Call`], its per-call
//! options, and the ways to send a call (await it, or page through it).
//! The work is done by the [`pipeline`](crate::pipeline).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::Error;
use crate::operation::Operation;
use crate::pipeline::{CallOptions, Caller, Pipeline, SuccessBody, Want};
use crate::profile::ApiProfile;
use crate::raw::{BodyStream, RawResponse, StreamingResponse};
use crate::response::Response;

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
    pipeline: Arc<Pipeline>,
}

impl Client {
    /// Creates a client for the API described by `profile`.
    ///
    /// Fails with [`Error::Config`] when the base URL, a default header or
    /// the credentials are unusable.
    pub fn new(profile: &'static ApiProfile, config: Config) -> Result<Client, Error> {
        Ok(Client {
            pipeline: Arc::new(Pipeline::new(profile, config)?),
        })
    }

    /// Starts a call of `operation`; set per-request options on the
    /// returned [`Call`], then `.send().await` it (or just `.await` it).
    pub fn call<O: Operation>(&self, operation: O) -> Call<'_, O> {
        Call {
            client: self,
            operation,
            options: None,
        }
    }

    /// A client with some settings changed that shares this one's
    /// connection pool, credentials (and OAuth2 token cache) and sleeper.
    /// This client is unchanged.
    ///
    /// Fails with [`Error::Config`] when the new base URL or a header is
    /// unusable.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use apigen_runtime::{Client, ClientOptions};
    /// # fn demo(client: &Client) -> Result<(), apigen_runtime::Error> {
    /// let patient = client.with_options(
    ///     ClientOptions::new()
    ///         .timeout(Duration::from_secs(300))
    ///         .max_retries(5)
    ///         .header("x-team", "billing"),
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: ClientOptions) -> Result<Client, Error> {
        Ok(Client {
            pipeline: Arc::new(self.pipeline.derive(&options)?),
        })
    }

    /// The profile of the API this client talks to.
    pub fn profile(&self) -> &'static ApiProfile {
        self.pipeline.profile()
    }

    /// The base URL requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        self.pipeline.base_url()
    }

    fn caller(&self, options: CallOptions) -> Caller {
        Caller::new(Arc::clone(&self.pipeline), options)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.pipeline, f)
    }
}

/// Settings for a derived client ([`Client::with_options`]); unset ones
/// keep the original client's value.
#[derive(Clone, Default)]
pub struct ClientOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) base_url: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) error_body_limit: Option<usize>,
}

impl ClientOptions {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Another total deadline per call (see [`Config::with_total_timeout`]).
    pub fn total_timeout(mut self, deadline: Duration) -> Self {
        self.total_timeout = Some(deadline);
        self
    }

    /// Another retry count.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Another base URL. Credentials are shared: point it only at a host
    /// that may see them.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A default header (replacing a default header of the same name).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// One more default query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Another limit on the error body kept (see
    /// [`Config::with_error_body_limit`]).
    pub fn error_body_limit(mut self, bytes: usize) -> Self {
        self.error_body_limit = Some(bytes);
        self
    }
}

/// Shows the names of headers and query parameters, never their values.
impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names =
            |pairs: &[(String, String)]| pairs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        f.debug_struct("ClientOptions")
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("base_url", &self.base_url)
            .field("headers", &names(&self.headers))
            .field("query", &names(&self.query))
            .field("error_body_limit", &self.error_body_limit)
            .finish()
    }
}

/// One pending call of an operation, with per-request options.
///
/// Send it with [`send`](Call::send) or by awaiting it; page through a list
/// with [`pages`](Call::pages) or [`items`](Call::items).
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct Call<'a, O> {
    client: &'a Client,
    operation: O,
    /// Boxed, and only once an option is set: the call is moved into its
    /// future, which stays small (and cheap to move) without them.
    options: Option<Box<CallOptions>>,
}

impl<O: Operation> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation_id", &O::INFO.operation_id)
            .field("timeout", &self.options().timeout)
            .field("max_retries", &self.options().max_retries)
            .finish_non_exhaustive()
    }
}

impl<'a, O> Call<'a, O> {
    fn options(&self) -> &CallOptions {
        static NONE: CallOptions = CallOptions::NONE;
        self.options.as_deref().unwrap_or(&NONE)
    }

    fn options_mut(&mut self) -> &mut CallOptions {
        self.options.get_or_insert_with(Box::default)
    }

    fn into_caller(self) -> (O, Caller) {
        let options = self.options.map(|options| *options).unwrap_or_default();
        (self.operation, self.client.caller(options))
    }
}

impl<'a, O: Operation> Call<'a, O> {
    /// Overrides the per-attempt timeout for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options_mut().timeout = Some(timeout);
        self
    }

    /// Sets a deadline for the whole call: all attempts and the waits
    /// between them (see [`Config::with_total_timeout`]).
    pub fn total_timeout(mut self, deadline: Duration) -> Self {
        self.options_mut().total_timeout = Some(deadline);
        self
    }

    /// Overrides how many times this call is retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options_mut().max_retries = Some(retries);
        self
    }

    /// Adds a field to the JSON request body, replacing a typed field of
    /// the same name (for fields the spec does not know yet). An operation
    /// without a body sends an object of these fields; one with a body that
    /// is not a JSON object fails with [`Error::InvalidRequest`].
    pub fn body_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.options_mut()
            .extra_body
            .get_or_insert_with(serde_json::Map::new)
            .insert(name.into(), value);
        self
    }

    /// Adds every field of `fields` to the JSON request body, as
    /// [`body_field`](Call::body_field) does.
    pub fn extra_body(mut self, fields: serde_json::Map<String, serde_json::Value>) -> Self {
        self.options_mut()
            .extra_body
            .get_or_insert_with(serde_json::Map::new)
            .extend(fields);
        self
    }

    /// Adds (or replaces) a header for this call. A value with CR, LF or
    /// NUL fails the call with [`Error::InvalidRequest`].
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options_mut().headers.push((name.into(), value.into()));
        self
    }

    /// Appends a query parameter for this call (after the operation's own).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options_mut().query.push((name.into(), value.into()));
        self
    }

    /// The operation this call sends.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Sends the request (retrying as configured) and decodes the response.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn keeps a second copy of the call in its future"
    )]
    pub fn send(
        self,
    ) -> impl Future<Output = Result<Response<O::Output, O::Meta>, Error>> + use<'a, O> {
        async move {
            self.client
                .pipeline
                .execute(&self.operation, self.options())
                .await
                .map(|(response, _)| response)
        }
    }

    /// Sends the request (retrying as configured) and returns the
    /// successful response undecoded: status, headers and body. An error
    /// status is still an [`Error::Api`] with the status, headers and body.
    pub async fn send_raw(self) -> Result<RawResponse, Error> {
        let success = self
            .client
            .pipeline
            .exchange(&self.operation, self.options(), Want::Bytes)
            .await?;
        let body = match success.body {
            SuccessBody::Bytes(body) => Vec::from(body),
            SuccessBody::Stream(_) => Vec::new(),
        };
        Ok(RawResponse::new(
            success.status,
            success.headers,
            body,
            success.attempts,
        ))
    }

    /// Sends the request (retrying as configured up to the response
    /// headers) and returns the successful response with its body still to
    /// be read, as a stream of chunks.
    pub async fn send_streaming(self) -> Result<StreamingResponse, Error> {
        let success = self
            .client
            .pipeline
            .exchange(&self.operation, self.options(), Want::Stream)
            .await?;
        let body = match success.body {
            SuccessBody::Stream(body) => *body,
            SuccessBody::Bytes(body) => BodyStream::memory(body),
        };
        Ok(StreamingResponse::new(
            success.status,
            success.headers,
            success.attempts,
            body,
        ))
    }
}

impl<'a, O: crate::operation::OptionalParams> Call<'a, O> {
    /// Sets the operation's optional parameters (its `<Op>Params`: query,
    /// header and cookie parameters that may be left out, an optional
    /// body), replacing any set before.
    pub fn params(mut self, params: O::Params) -> Self {
        *self.operation.params_mut() = params;
        self
    }
}

impl<'a, O: crate::operation::Paginated> Call<'a, O> {
    /// Stops pagination ([`pages`](Call::pages), [`items`](Call::items),
    /// [`Page::next_page`](crate::Page::next_page)) after `pages` pages.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.options_mut().max_pages = Some(pages);
        self
    }

    /// Fetches the first page, for manual paging: a [`Page`](crate::Page)
    /// knows whether there is a next page and fetches it.
    ///
    /// ```no_run
    /// # use apigen_runtime::{Client, Paginated};
    /// # async fn demo<O: Paginated>(client: &Client, op: O) -> Result<(), apigen_runtime::Error> {
    /// let mut page = client.call(op).page().await?;
    /// loop {
    ///     // … use `page` (it derefs to the response) …
    ///     match page.next_page().await? {
    ///         Some(next) => page = next,
    ///         None => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn page(self) -> Result<crate::Page<O>, Error> {
        let (operation, caller) = self.into_caller();
        crate::pagination::first_page(operation, caller).await
    }

    /// Pages through the list: a stream of responses, one page at a time.
    ///
    /// Page-number operations start at the operation's page (default 1);
    /// cursor operations at its cursor. See [`Pagination`](crate::Pagination)
    /// for the stopping rules. The stream ends after the first error.
    pub fn pages(
        self,
    ) -> impl futures_util::Stream<Item = Result<Response<O::Output, O::Meta>, Error>> + Unpin + use<O>
    {
        let (operation, caller) = self.into_caller();
        crate::pagination::pages(operation, caller)
    }

    /// Pages through the list: a stream of items across all pages, fetching
    /// the next page only when the current one is used up.
    pub fn items(
        self,
    ) -> impl futures_util::Stream<Item = Result<O::Item, Error>> + Unpin + use<O> {
        let (operation, caller) = self.into_caller();
        crate::pagination::items(operation, caller)
    }

    /// The items page by page, for the blocking iterator (which hands out
    /// a page's items without entering the runtime for each).
    #[cfg(feature = "blocking")]
    pub(crate) fn item_pages(
        self,
    ) -> impl futures_util::Stream<Item = Result<Vec<O::Item>, Error>> + use<O> {
        let (operation, caller) = self.into_caller();
        crate::pagination::item_pages(operation, caller)
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
