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
use crate::pipeline::{CallOptions, Caller, Pipeline};
use crate::profile::ApiProfile;
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
            options: CallOptions::default(),
        }
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

/// One pending call of an operation, with per-request options.
///
/// Send it with [`send`](Call::send) or by awaiting it; page through a list
/// with [`pages`](Call::pages) or [`items`](Call::items).
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct Call<'a, O> {
    client: &'a Client,
    operation: O,
    options: CallOptions,
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
            .pipeline
            .execute(&self.operation, &self.options)
            .await
            .map(|(response, _)| response)
    }
}

impl<'a, O: crate::operation::Paginated> Call<'a, O> {
    /// Pages through the list: a stream of responses, one page at a time.
    ///
    /// Page-number operations start at the operation's page (default 1);
    /// cursor operations at its cursor. See [`Pagination`](crate::Pagination)
    /// for the stopping rules. The stream ends after the first error.
    pub fn pages(
        self,
    ) -> impl futures_util::Stream<Item = Result<Response<O::Output, O::Meta>, Error>> + Unpin + use<O>
    {
        crate::pagination::pages(self.operation, self.client.caller(self.options))
    }

    /// Pages through the list: a stream of items across all pages, fetching
    /// the next page only when the current one is used up.
    pub fn items(
        self,
    ) -> impl futures_util::Stream<Item = Result<O::Item, Error>> + Unpin + use<O> {
        crate::pagination::items(self.operation, self.client.caller(self.options))
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
