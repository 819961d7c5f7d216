//! The call loop: build → authorise → attempt → decide → sleep.
//!
//! [`Pipeline`] holds one client's rooms (request building, auth, transport,
//! retry policy, sleeper) and runs each call through them inside its
//! tracing span. [`Pager`](crate::pagination) reaches it only through
//! [`Caller`]. With the `test-util` feature, test doubles can stand in for
//! auth and transport in the attempt step; everything else runs as usual.

#[cfg(feature = "test-util")]
use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use tracing::Instrument as _;

use crate::auth::{Auth, Chosen, Grant};
use crate::client::ClientOptions;
use crate::config::{Config, Sleeper};
use crate::decode::{DecodeContext, decode_success};
use crate::error::Error;
use crate::operation::{Operation, RequestParts};
use crate::profile::ApiProfile;
use crate::raw::BodyStream;
use crate::request::{Prepared, Requests};
use crate::response::Response;
use crate::retry::{RetryPolicy, millis};
use crate::transport::{Failure, Reply, Transport};

/// Everything a client needs to run calls; shared by its clones. Derived
/// clients ([`Pipeline::derive`]) share its transport, auth and sleeper.
pub(crate) struct Pipeline {
    profile: &'static ApiProfile,
    requests: Requests,
    auth: Arc<Auth>,
    transport: Transport,
    timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_response_bytes: u64,
    error_body_limit: usize,
    sleeper: Arc<dyn Sleeper>,
    #[cfg(feature = "test-util")]
    mocks: Option<crate::test_util::Mocks>,
}

/// Per-call options.
#[derive(Debug, Clone)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) extra_body: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) max_pages: Option<u64>,
}

impl CallOptions {
    /// No options set (a `const`, so a call without options can borrow a
    /// `static` of it).
    pub(crate) const NONE: CallOptions = CallOptions {
        timeout: None,
        total_timeout: None,
        max_retries: None,
        headers: Vec::new(),
        query: Vec::new(),
        extra_body: None,
        max_pages: None,
    };
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions::NONE
    }
}

/// A pipeline with fixed per-call options: what pagination sends its page
/// requests through.
pub(crate) struct Caller {
    pipeline: Arc<Pipeline>,
    options: CallOptions,
}

/// What the caller wants of a successful answer's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Read whole (within the response limit).
    Bytes,
    /// Left to the caller to read.
    Stream,
}

/// A successful answer, undecoded.
pub(crate) struct Success {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: SuccessBody,
    pub(crate) attempts: u32,
}

/// The body of a [`Success`].
pub(crate) enum SuccessBody {
    Bytes(Bytes),
    /// Boxed: rare, and three times the size of the bytes, which every
    /// call moves through several futures.
    Stream(Box<BodyStream>),
}

/// What [`Pipeline::settle`] needs to know of the attempt it settles.
struct Attempted {
    /// Its number, from 1.
    attempt: u32,
    want: Want,
    /// Whether a rejected token was already renewed in this call.
    reauthorised: bool,
    /// The call's deadline, when it cut this attempt's timeout short.
    cut_by_deadline: Option<Duration>,
}

/// What an attempt's outcome means for the call.
enum Settled {
    Done(Success),
    /// The API rejected the token of this grant, which can be renewed.
    Unauthorised(Grant),
    Failed(Failure),
}

/// A decoded response, with the raw body (pagination compares bodies to
/// detect a repeated page).
pub(crate) type Outcome<O> = Result<
    (
        Response<<O as Operation>::Output, <O as Operation>::Meta>,
        Bytes,
    ),
    Error,
>;

impl Pipeline {
    /// Assembles the rooms from `config`; fails with [`Error::Config`] when
    /// the base URL, a default header or the credentials are unusable.
    pub(crate) fn new(profile: &'static ApiProfile, config: Config) -> Result<Pipeline, Error> {
        let (requests, base_url) = Requests::new(profile, &config)?;
        let transport = Transport::new(config.http_client, config.connect_timeout)?;
        let auth = Auth::new(&config.credentials, profile, &base_url)?;
        Ok(Pipeline {
            profile,
            requests,
            auth: Arc::new(auth),
            transport,
            timeout: config.timeout,
            total_timeout: config.total_timeout,
            retry: config.retry,
            max_response_bytes: config.max_response_bytes,
            error_body_limit: config.error_body_limit,
            sleeper: config.sleeper,
            #[cfg(feature = "test-util")]
            mocks: config.mocks,
        })
    }

    /// A pipeline with `options` applied that shares this one's connection
    /// pool, credentials (and OAuth2 token cache), sleeper and doubles.
    pub(crate) fn derive(&self, options: &ClientOptions) -> Result<Pipeline, Error> {
        let mut retry = self.retry;
        if let Some(retries) = options.max_retries {
            retry.max_retries = retries;
        }
        Ok(Pipeline {
            profile: self.profile,
            requests: self.requests.derive(
                options.base_url.as_deref(),
                &options.headers,
                &options.query,
            )?,
            auth: Arc::clone(&self.auth),
            transport: self.transport.clone(),
            timeout: options.timeout.unwrap_or(self.timeout),
            total_timeout: options.total_timeout.or(self.total_timeout),
            retry,
            max_response_bytes: self.max_response_bytes,
            error_body_limit: options.error_body_limit.unwrap_or(self.error_body_limit),
            sleeper: Arc::clone(&self.sleeper),
            #[cfg(feature = "test-util")]
            mocks: self.mocks.clone(),
        })
    }

    pub(crate) fn profile(&self) -> &'static ApiProfile {
        self.profile
    }

    pub(crate) fn base_url(&self) -> &str {
        self.requests.base_url()
    }

    /// Runs one call and decodes its answer.
    pub(crate) async fn execute<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
    ) -> Outcome<O> {
        let success = self.exchange(operation, options, Want::Bytes).await?;
        self.finish::<O>(success)
    }

    /// Runs one call in its `apigen_call` span, up to a successful answer
    /// (error answers become errors, as for a decoded call).
    pub(crate) async fn exchange<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        want: Want,
    ) -> Result<Success, Error> {
        // The span is moved into a boxed future: kept in this one, it would
        // grow every call's future, listened to or not.
        if let Some(span) = call_span::<O>() {
            return Box::pin(async move {
                let started = Instant::now();
                let result = self
                    .run(operation, options, want, Some(&span))
                    .instrument(span.clone())
                    .await;
                span.record("elapsed_ms", millis(started.elapsed()));
                result
            })
            .await;
        }
        self.run(operation, options, want, None).await
    }

    async fn run<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        want: Want,
        span: Option<&tracing::Span>,
    ) -> Result<Success, Error> {
        let auth = self.auth.choose(O::SECURITY);
        // The first attempt sends this request; see `Prepared::take_request`
        // for when a later one builds it again.
        let mut prepared = Some(self.build(operation, options, &auth)?);
        let timeout = options.timeout.unwrap_or(self.timeout);
        let deadline = options
            .total_timeout
            .or(self.total_timeout)
            .map(|total| (total, Instant::now() + total));
        // A streamed body cannot be replayed: one attempt.
        let max_retries = if prepared.as_deref().is_some_and(Prepared::is_streamed) {
            Some(0)
        } else {
            options.max_retries
        };
        let mut retries = self
            .retry
            .start(max_retries, O::INFO.method.is_idempotent());
        let mut reauthorised = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            record(span, "attempt", attempt);
            // The attempt gets what is left of the deadline when that is
            // shorter than its own timeout.
            let mut attempt_timeout = timeout;
            let mut cut_by_deadline = None;
            if let Some((total, at)) = deadline {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Deadline { deadline: total });
                }
                if left <= timeout {
                    attempt_timeout = left;
                    cut_by_deadline = Some(total);
                }
            }
            if prepared.is_none() {
                prepared = Some(self.build(operation, options, &auth)?);
            }
            // The attempt's outcome is handed whole to `settle`, so that
            // neither it nor the answer stays in this future (which every
            // call moves and copies) across the waits below.
            let failure = {
                let settled = {
                    let outcome = self
                        .attempt(operation, &mut prepared, &auth, attempt_timeout, want)
                        .await;
                    let attempted = Attempted {
                        attempt,
                        want,
                        reauthorised,
                        cut_by_deadline,
                    };
                    self.settle(
                        operation,
                        options,
                        &auth,
                        &mut prepared,
                        outcome,
                        attempted,
                        span,
                    )?
                };
                match settled {
                    Settled::Done(success) => return Ok(success),
                    Settled::Failed(failure) => failure,
                    Settled::Unauthorised(grant) => {
                        // A rejected OAuth2 token (revoked, or expired
                        // early) is replaced once. The API refused the
                        // request, so this is safe for any method and does
                        // not use up a retry.
                        auth.on_unauthorised(grant).await;
                        reauthorised = true;
                        note_token_rejected(attempt);
                        continue;
                    }
                }
            };
            let (delay, error) = retries.decide(failure, attempt)?;
            if let Some((_, at)) = deadline {
                if Instant::now() + delay >= at {
                    // Waiting would end past the deadline: no retry can
                    // finish in time, so the caller gets the real cause.
                    note_deadline_too_close(attempt);
                    return Err(error);
                }
            }
            self.sleeper.sleep(delay).await;
        }
    }

    /// What an attempt's outcome means for the call: a success to return,
    /// a rejected token to renew before trying again, or a failure for the
    /// retry policy. Ends the call at once when the attempt ran out of the
    /// call's deadline.
    #[allow(clippy::too_many_arguments)]
    fn settle<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        auth: &Chosen<'_>,
        prepared: &mut Option<Box<Prepared>>,
        outcome: Result<(Reply, Grant), Failure>,
        attempted: Attempted,
        span: Option<&tracing::Span>,
    ) -> Result<Settled, Error> {
        let (reply, grant) = match (outcome, attempted.cut_by_deadline) {
            (Ok(answered), _) => answered,
            (Err(Failure::MaybeSent(Error::Timeout { .. })), Some(deadline)) => {
                return Err(Error::Deadline { deadline });
            }
            (Err(failure), _) => return Ok(Settled::Failed(failure)),
        };
        let answer = match reply {
            Reply::Streaming {
                status,
                headers,
                body,
            } => {
                record(span, "status", status.as_u16());
                return Ok(Settled::Done(Success {
                    status,
                    headers,
                    body: SuccessBody::Stream(Box::new(BodyStream::http(*body))),
                    attempts: attempted.attempt,
                }));
            }
            Reply::Full(answer) => answer,
        };
        record(span, "status", answer.status.as_u16());
        if answer.status.is_success() {
            let body = match attempted.want {
                Want::Bytes => SuccessBody::Bytes(answer.body),
                Want::Stream => SuccessBody::Stream(Box::new(BodyStream::memory(answer.body))),
            };
            return Ok(Settled::Done(Success {
                status: answer.status,
                headers: answer.headers,
                body,
                attempts: attempted.attempt,
            }));
        }
        if answer.status == StatusCode::UNAUTHORIZED
            && !attempted.reauthorised
            && auth.renews(grant)
        {
            return Ok(Settled::Unauthorised(grant));
        }
        // The request was moved into the attempt: build it again for its
        // URL (and the next attempt).
        let request = match prepared {
            Some(request) => request,
            slot @ None => slot.insert(self.build(operation, options, auth)?),
        };
        Ok(Settled::Failed(answer.into_failure(
            request.url(),
            O::INFO.operation_id,
            self.profile.error_details,
            self.error_body_limit,
        )))
    }

    /// Builds the request of an attempt (the same bytes each time), boxed:
    /// the call's future keeps its slot across every attempt. Called from
    /// three places, so not inlined into each.
    #[inline(never)]
    fn build<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        auth: &Chosen<'_>,
    ) -> Result<Box<Prepared>, Error> {
        let mut parts = RequestParts::new();
        operation.build(&mut parts)?;
        self.requests
            .build(
                &O::INFO,
                parts,
                &options.query,
                &options.headers,
                options.extra_body.as_ref(),
                auth,
            )
            .map(Box::new)
    }

    /// One attempt, bounded by `timeout` from the token lookup to the end of
    /// the body (to the end of the headers for a stream).
    async fn attempt<O: Operation>(
        &self,
        operation: &O,
        prepared: &mut Option<Box<Prepared>>,
        auth: &Chosen<'_>,
        timeout: Duration,
        want: Want,
    ) -> Result<(Reply, Grant), Failure> {
        #[cfg(feature = "test-util")]
        if let (Some(mocks), Some(request)) = (&self.mocks, prepared.as_deref()) {
            return mocks
                .answer(operation as &dyn Any, O::INFO, request)
                .map(|answer| (Reply::Full(answer), Grant::NONE));
        }
        #[cfg(not(feature = "test-util"))]
        let _ = operation;
        // The request is taken inside the exchange and handed to reqwest
        // as soon as it is authorised: held by value in this future (and
        // in the ones around it), its 264 bytes would be copied with them.
        let exchange = async {
            // In a block of its own: a local that was borrowed stays in the
            // future until its scope ends, even once moved.
            let (sent, grant) = {
                let mut request = Prepared::take_request(prepared).map_err(Failure::Final)?;
                // Boxed, and only for a token that is fetched or asked
                // for: static credentials were placed when the request was
                // built, and the token's states would otherwise sit in
                // every call's future and code.
                let grant = if auth.fetches_token() {
                    Box::pin(auth.authorise(&mut request, &self.transport, timeout))
                        .await
                        .map_err(Failure::NotSent)?
                } else {
                    Grant::NONE
                };
                let sent = self.transport.send_head(
                    request,
                    self.max_response_bytes,
                    want == Want::Stream,
                );
                (sent, grant)
            };
            Ok((sent.await?, grant))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(Failure::MaybeSent(Error::Timeout { timeout })))
    }

    /// Decodes a successful answer.
    fn finish<O: Operation>(&self, success: Success) -> Outcome<O> {
        let info = O::INFO;
        let body = match success.body {
            SuccessBody::Bytes(body) => body,
            // `execute` asks for bytes; a stream here would be a bug.
            SuccessBody::Stream(_) => {
                return Err(Error::invalid_request("internal: expected a read body"));
            }
        };
        let ctx = DecodeContext {
            status: success.status,
            headers: &success.headers,
            operation_id: info.operation_id,
            keep_body: true,
            body_limit: self.error_body_limit,
        };
        let decoded = decode_success::<O::Output, O::Meta>(info.response, &body, &ctx)?;
        let response = Response::new(
            decoded.output,
            decoded.meta,
            success.status,
            success.headers,
            success.attempts,
        );
        Ok((response, body))
    }
}

// The events of rare turns of a call, out of the call's code (each event
// expands to a callsite check and its recording).

#[cold]
fn note_token_rejected(attempt: u32) {
    tracing::info!(attempt, "access token rejected; fetching a new one");
}

#[cold]
fn note_deadline_too_close(attempt: u32) {
    tracing::info!(attempt, "not retrying: the call's deadline is too close");
}

/// The `apigen_call` span of a call of `O`, unless nobody listens (then
/// there is no span to enter around each poll, and no clock to read).
fn call_span<O: Operation>() -> Option<tracing::Span> {
    let span = tracing::debug_span!(
        "apigen_call",
        operation_id = O::INFO.operation_id,
        method = O::INFO.method.as_str(),
        path = O::INFO.path_template,
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    );
    (!span.is_disabled()).then_some(span)
}

/// Records `value` in the call's span, when someone listens.
fn record(span: Option<&tracing::Span>, field: &str, value: impl tracing::Value) {
    if let Some(span) = span {
        span.record(field, value);
    }
}

/// Shows what a client is configured with; never the credentials.
impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.profile.name)
            .field("base_url", &self.base_url())
            .field("auth", &self.auth.kind())
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.retry.max_retries)
            .finish_non_exhaustive()
    }
}

impl Caller {
    pub(crate) fn new(pipeline: Arc<Pipeline>, options: CallOptions) -> Caller {
        Caller { pipeline, options }
    }

    /// Sends `operation` with this caller's options.
    pub(crate) async fn fetch<O: Operation>(&self, operation: &O) -> Outcome<O> {
        self.pipeline.execute(operation, &self.options).await
    }

    /// The cap on pages set for this call, if any.
    pub(crate) fn max_pages(&self) -> Option<u64> {
        self.options.max_pages
    }
}
