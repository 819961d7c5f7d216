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

use crate::config::Config;
use crate::error::Error;
use crate::operation::{Operation, Paginated};
use crate::profile::ApiProfile;
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
            Some(runtime) => Ok(runtime.block_on(future)),
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
}

impl<'a, O: Paginated + 'a> Call<'a, O> {
    /// Pages through the list: an iterator of responses, one page at a
    /// time. Ends after the first error.
    pub fn pages(self) -> Iter<'a, Response<O::Output, O::Meta>> {
        Iter::new(Arc::clone(self.runtime), self.call.pages())
    }

    /// Pages through the list: an iterator of items across all pages,
    /// fetching the next page only when the current one is used up.
    pub fn items(self) -> Iter<'a, O::Item> {
        Iter::new(Arc::clone(self.runtime), self.call.items())
    }
}

/// A blocking iterator over a pagination stream (from [`Call::pages`] or
/// [`Call::items`]).
///
/// Yields `Result<T, Error>` and ends after the first error.
#[must_use = "iterators do nothing unless consumed"]
pub struct Iter<'a, T> {
    runtime: Arc<Runtime>,
    stream: Option<BoxStream<'a, T>>,
}

type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + 'a>>;

impl<'a, T> Iter<'a, T> {
    fn new(runtime: Arc<Runtime>, stream: impl Stream<Item = Result<T, Error>> + 'a) -> Self {
        Iter {
            runtime,
            stream: Some(Box::pin(stream)),
        }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Iter")
            .field("done", &self.stream.is_none())
            .finish()
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let stream = self.stream.as_mut()?;
        match self.runtime.block_on(stream.next()) {
            Ok(Some(item)) => Some(item),
            Ok(None) => {
                self.stream = None;
                None
            }
            Err(e) => {
                self.stream = None;
                Some(Err(e))
            }
        }
    }
}
