//! The blocking client (feature `blocking`).
//!
//! It is a thin facade: each call runs the *same* async code as
//! [`crate::Client`] (auth, retries, timeouts, decoding, pagination) to
//! completion on a private current-thread tokio runtime owned by the
//! client. There is no second implementation to drift.
//!
//! Blocking inside an async runtime would stall its executor (and tokio
//! panics when asked to), so every blocking method called from within a
//! tokio runtime returns [`Error::BlockingInAsyncContext`] instead. Dropping
//! the client there is fine.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};

use crate::client::ClientOptions;
use crate::config::Config;
use crate::error::Error;
use crate::operation::{Operation, Paginated};
use crate::profile::ApiProfile;
use crate::raw::RawResponse;
use crate::response::Response;

/// A blocking API client. Cheap to clone: clones share the connection pool,
/// the OAuth2 token cache and the runtime.
///
/// ```no_run
/// # use apigen_runtime::{ApiProfile, Config};
/// # fn demo(profile: &'static ApiProfile) -> Result<(), apigen_runtime::Error> {
/// let client = apigen_runtime::blocking::Client::new(profile, Config::from_env(profile)?)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: crate::client::Client,
    runtime: Arc<Runtime>,
}

/// The private runtime; shut down without blocking so that dropping the
/// client inside an async context cannot panic.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Runtime {
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsyncContext);
        }
        match &self.0 {
            // Pinned here: tokio's `block_on` moves its future through
            // several frames, and a call's future is large; this way it
            // moves a pointer, and nothing is allocated (BENCHMARKS.md).
            Some(runtime) => Ok(runtime.block_on(std::pin::pin!(future))),
            // Only `Drop` takes the runtime out.
            None => Err(Error::BlockingInAsyncContext),
        }
    }
}

impl Client {
    /// Creates a client for the API described by `profile`.
    ///
    /// Fails with [`Error::Config`] when the configuration is unusable.
    pub fn new(profile: &'static ApiProfile, config: Config) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Client {
            inner: crate::client::Client::new(profile, config)?,
            runtime: Arc::new(Runtime(Some(runtime))),
        })
    }

    /// Starts a call of `operation`; set per-request options on the
    /// returned [`Call`], then [`send`](Call::send) it.
    pub fn call<O: Operation>(&self, operation: O) -> Call<'_, O> {
        Call {
            runtime: &self.runtime,
            call: self.inner.call(operation),
        }
    }

    /// A client with some settings changed that shares this one's
    /// connection pool, credentials, runtime and sleeper (see
    /// [`crate::Client::with_options`]).
    pub fn with_options(&self, options: ClientOptions) -> Result<Client, Error> {
        Ok(Client {
            inner: self.inner.with_options(options)?,
            runtime: Arc::clone(&self.runtime),
        })
    }

    /// The profile of the API this client talks to.
    pub fn profile(&self) -> &'static ApiProfile {
        self.inner.profile()
    }

    /// The base URL requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

/// One pending blocking call of an operation, with per-request options.
#[must_use = "a call does nothing until it is sent"]
pub struct Call<'a, O> {
    runtime: &'a Arc<Runtime>,
    call: crate::client::Call<'a, O>,
}

impl<O: Operation> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Call").field(&self.call).finish()
    }
}

impl<'a, O: Operation> Call<'a, O> {
    /// Overrides the per-attempt timeout for this call.
    pub fn timeout(self, timeout: Duration) -> Self {
        Call {
            call: self.call.timeout(timeout),
            ..self
        }
    }

    /// Overrides how many times this call is retried.
    pub fn max_retries(self, retries: u32) -> Self {
        Call {
            call: self.call.max_retries(retries),
            ..self
        }
    }

    /// Sets a deadline for the whole call (see
    /// [`crate::Call::total_timeout`]).
    pub fn total_timeout(self, deadline: Duration) -> Self {
        Call {
            call: self.call.total_timeout(deadline),
            ..self
        }
    }

    /// Adds a field to the JSON request body (see
    /// [`crate::Call::body_field`]).
    pub fn body_field(self, name: impl Into<String>, value: serde_json::Value) -> Self {
        Call {
            call: self.call.body_field(name, value),
            ..self
        }
    }

    /// Adds fields to the JSON request body (see
    /// [`crate::Call::extra_body`]).
    pub fn extra_body(self, fields: serde_json::Map<String, serde_json::Value>) -> Self {
        Call {
            call: self.call.extra_body(fields),
            ..self
        }
    }

    /// Adds (or replaces) a header for this call.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Call {
            call: self.call.header(name, value),
            ..self
        }
    }

    /// Appends a query parameter for this call.
    pub fn query(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Call {
            call: self.call.query(name, value),
            ..self
        }
    }

    /// The operation this call sends.
    pub fn operation(&self) -> &O {
        self.call.operation()
    }

    /// Sends the request (retrying as configured) and decodes the response.
    pub fn send(self) -> Result<Response<O::Output, O::Meta>, Error> {
        self.runtime.block_on(self.call.send())?
    }

    /// Sends the request and returns the successful response undecoded
    /// (see [`crate::Call::send_raw`]).
    pub fn send_raw(self) -> Result<RawResponse, Error> {
        self.runtime.block_on(self.call.send_raw())?
    }

    /// Sends the request and returns the successful response with its body
    /// to be read through [`std::io::Read`] (see
    /// [`crate::Call::send_streaming`]).
    pub fn send_streaming(self) -> Result<StreamingResponse, Error> {
        let inner = self.runtime.block_on(self.call.send_streaming())??;
        Ok(StreamingResponse {
            runtime: Arc::clone(self.runtime),
            inner,
            buffer: crate::Bytes::new(),
        })
    }
}

/// A successful response whose body is read as it arrives, through
/// [`std::io::Read`] (from [`Call::send_streaming`]). A failure while
/// reading is an `io::Error` whose source is the [`Error`].
pub struct StreamingResponse {
    runtime: Arc<Runtime>,
    inner: crate::raw::StreamingResponse,
    buffer: crate::Bytes,
}

impl StreamingResponse {
    /// The HTTP status.
    pub fn status(&self) -> http::StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        self.inner.headers()
    }

    /// How many HTTP attempts the call took.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts()
    }
}

impl std::io::Read for StreamingResponse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.buffer.is_empty() {
            match self.runtime.block_on(self.inner.chunk()) {
                Ok(Ok(Some(chunk))) => self.buffer = chunk,
                Ok(Ok(None)) => return Ok(0),
                Ok(Err(e)) | Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.buffer.len());
        buf[..n].copy_from_slice(&self.buffer.split_to(n));
        Ok(n)
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::StreamingResponse")
            .field(&self.inner)
            .finish()
    }
}

impl<'a, O: crate::operation::OptionalParams> Call<'a, O> {
    /// Sets the operation's optional parameters (see
    /// [`crate::Call::params`]).
    pub fn params(self, params: O::Params) -> Self {
        Call {
            call: self.call.params(params),
            ..self
        }
    }
}

impl<'a, O: Paginated + 'a> Call<'a, O> {
    /// Stops pagination after `pages` pages.
    pub fn max_pages(self, pages: u64) -> Self {
        Call {
            call: self.call.max_pages(pages),
            ..self
        }
    }

    /// Fetches the first page, for manual paging (see
    /// [`crate::Call::page`]).
    pub fn page(self) -> Result<Page<O>, Error> {
        let inner = self.runtime.block_on(self.call.page())??;
        Ok(Page {
            runtime: Arc::clone(self.runtime),
            inner,
        })
    }

    /// Pages through the list: an iterator of responses, one page at a
    /// time. Ends after the first error.
    pub fn pages(self) -> Iter<'a, Response<O::Output, O::Meta>> {
        Iter::new(Arc::clone(self.runtime), self.call.pages())
    }

    /// Pages through the list: an iterator of items across all pages,
    /// fetching the next page only when the current one is used up.
    pub fn items(self) -> Iter<'a, O::Item> {
        Iter::batches(Arc::clone(self.runtime), self.call.item_pages())
    }
}

/// One page of a list, for manual paging (from [`Call::page`]): derefs to
/// its [`Response`].
pub struct Page<O: Paginated> {
    runtime: Arc<Runtime>,
    inner: crate::Page<O>,
}

impl<O: Paginated> Page<O> {
    /// Whether another page may follow (see
    /// [`crate::Page::has_next_page`]).
    pub fn has_next_page(&self) -> bool {
        self.inner.has_next_page()
    }

    /// Fetches the next page; `Ok(None)` when there is none.
    pub fn next_page(self) -> Result<Option<Page<O>>, Error> {
        let runtime = self.runtime;
        let next = runtime.block_on(self.inner.next_page())??;
        Ok(next.map(|inner| Page { runtime, inner }))
    }

    /// The response of this page.
    pub fn into_response(self) -> Response<O::Output, O::Meta> {
        self.inner.into_response()
    }

    /// The items of this page.
    pub fn into_items(self) -> Vec<O::Item> {
        self.inner.into_items()
    }
}

impl<O: Paginated> std::ops::Deref for Page<O> {
    type Target = Response<O::Output, O::Meta>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<O: Paginated> fmt::Debug for Page<O>
where
    O::Output: fmt::Debug,
    O::Meta: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Page").field(&self.inner).finish()
    }
}

/// A blocking iterator over a pagination stream (from [`Call::pages`] or
/// [`Call::items`]).
///
/// Yields `Result<T, Error>` and ends after the first error.
#[must_use = "iterators do nothing unless consumed"]
pub struct Iter<'a, T> {
    runtime: Arc<Runtime>,
    /// Batches: a page's items (or one page's response).
    stream: Option<BoxStream<'a, Vec<T>>>,
    /// What is left of the current batch; handed out without entering
    /// the runtime.
    buffer: std::vec::IntoIter<T>,
}

type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + 'a>>;

impl<'a, T: 'a> Iter<'a, T> {
    /// One element per stream item.
    fn new(runtime: Arc<Runtime>, stream: impl Stream<Item = Result<T, Error>> + 'a) -> Self {
        Iter::batches(runtime, stream.map(|item| item.map(|one| vec![one])))
    }

    /// The elements of each batch the stream yields.
    fn batches(
        runtime: Arc<Runtime>,
        stream: impl Stream<Item = Result<Vec<T>, Error>> + 'a,
    ) -> Self {
        Iter {
            runtime,
            stream: Some(Box::pin(stream)),
            buffer: Vec::new().into_iter(),
        }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Iter")
            .field("done", &self.stream.is_none())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            let stream = self.stream.as_mut()?;
            match self.runtime.block_on(stream.next()) {
                Ok(Some(Ok(batch))) => self.buffer = batch.into_iter(),
                Ok(Some(Err(e))) => return Some(Err(e)),
                Ok(None) => {
                    self.stream = None;
                    return None;
                }
                Err(e) => {
                    self.stream = None;
                    return Some(Err(e));
                }
            }
        }
    }
}
