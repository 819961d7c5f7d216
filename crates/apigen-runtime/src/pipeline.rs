//! The call loop: build → authorise → attempt → decide → sleep.
//!
//! [`Pipeline`] holds one client's rooms (request building, auth, transport,
//! retry policy, sleeper) and runs each call through them inside its
//! tracing span. [`Pager`](crate::pagination) reaches it only through
//! [`Caller`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;
use tracing::Instrument as _;

use crate::auth::{Auth, Grant};
use crate::config::{Config, Sleeper};
use crate::decode::{DecodeContext, decode_success};
use crate::error::Error;
use crate::operation::{Operation, RequestParts};
use crate::profile::ApiProfile;
use crate::request::{Prepared, Requests};
use crate::response::Response;
use crate::retry::{RetryPolicy, millis};
use crate::transport::{Exchange, Failure, Transport};

/// Everything a client needs to run calls; shared by its clones.
pub(crate) struct Pipeline {
    profile: &'static ApiProfile,
    requests: Requests,
    auth: Auth,
    transport: Transport,
    timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: u64,
    sleeper: Arc<dyn Sleeper>,
}

/// Per-call options.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
}

/// A pipeline with fixed per-call options: what pagination sends its page
/// requests through.
pub(crate) struct Caller {
    pipeline: Arc<Pipeline>,
    options: CallOptions,
}

/// A decoded response, with the raw body (pagination compares bodies to
/// detect a repeated page).
pub(crate) type Outcome<O> = Result<
    (
        Response<<O as Operation>::Output, <O as Operation>::Meta>,
        Vec<u8>,
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
            auth,
            transport,
            timeout: config.timeout,
            retry: config.retry,
            max_response_bytes: config.max_response_bytes,
            sleeper: config.sleeper,
        })
    }

    pub(crate) fn profile(&self) -> &'static ApiProfile {
        self.profile
    }

    pub(crate) fn base_url(&self) -> &str {
        self.requests.base_url()
    }

    /// Runs one call in its `apigen_call` span.
    pub(crate) async fn execute<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
    ) -> Outcome<O> {
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
            .run(operation, options, &span)
            .instrument(span.clone())
            .await;
        span.record("elapsed_ms", millis(started.elapsed()));
        result
    }

    async fn run<O: Operation>(
        &self,
        operation: &O,
        options: &CallOptions,
        span: &tracing::Span,
    ) -> Outcome<O> {
        let request = self.build(operation, options)?;
        let timeout = options.timeout.unwrap_or(self.timeout);
        let mut retries = self
            .retry
            .start(options.max_retries, O::INFO.method.is_idempotent());
        let mut reauthorised = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let failure = match self.attempt(&request, timeout).await {
                Ok((answer, grant)) => {
                    span.record("status", answer.status.as_u16());
                    if answer.status.is_success() {
                        return finish::<O>(answer, attempt);
                    }
                    // A rejected OAuth2 token (revoked, or expired early) is
                    // replaced once. The API refused the request, so this is
                    // safe for any method and does not use up a retry.
                    if answer.status == StatusCode::UNAUTHORIZED
                        && !reauthorised
                        && self.auth.on_unauthorised(grant).await
                    {
                        reauthorised = true;
                        tracing::info!(attempt, "access token rejected; fetching a new one");
                        continue;
                    }
                    let details = self.profile.error_details;
                    answer.into_failure(request.url(), O::INFO.operation_id, details)
                }
                Err(failure) => failure,
            };
            let delay = retries.decide(failure, attempt)?;
            self.sleeper.sleep(delay).await;
        }
    }

    /// Builds the request once; every attempt sends a copy.
    fn build<O: Operation>(&self, operation: &O, options: &CallOptions) -> Result<Prepared, Error> {
        let mut parts = RequestParts::new();
        operation.build(&mut parts)?;
        self.requests.build(
            &O::INFO,
            &parts,
            &options.query,
            &options.headers,
            &self.auth,
        )
    }

    /// One attempt, bounded by `timeout` from the token lookup to the end of
    /// the body.
    async fn attempt(
        &self,
        request: &Prepared,
        timeout: Duration,
    ) -> Result<(Exchange, Grant), Failure> {
        let exchange = async {
            let mut request = request.to_request();
            let grant = self
                .auth
                .authorise(&mut request, &self.transport, timeout)
                .await
                .map_err(Failure::NotSent)?;
            let answer = self
                .transport
                .send(request, self.max_response_bytes)
                .await?;
            Ok((answer, grant))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(Failure::MaybeSent(Error::Timeout { timeout })))
    }
}

/// Decodes a successful answer.
fn finish<O: Operation>(answer: Exchange, attempts: u32) -> Outcome<O> {
    let info = O::INFO;
    let ctx = DecodeContext {
        status: answer.status,
        headers: &answer.headers,
        operation_id: info.operation_id,
        keep_body: true,
    };
    let decoded = decode_success::<O::Output, O::Meta>(info.response, &answer.body, &ctx)?;
    let response = Response::new(
        decoded.output,
        decoded.meta,
        answer.status,
        answer.headers,
        attempts,
    );
    Ok((response, answer.body))
}

/// Shows what a client is configured with; never the credentials.
impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.profile.name)
            .field("base_url", &self.base_url())
            .field("auth", &self.auth.kind())
            .field("timeout", &self.timeout)
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
}
