//! The hand-written runtime behind the generated API SDK crates.
//!
//! Generated crates describe each API operation as data (an [`Operation`]);
//! this crate does everything else: URL and header encoding,
//! authentication, retries, timeouts, response decoding, error
//! classification and pagination. Users normally reach it through a
//! generated client crate, which re-exports what they need.
//!
//! # Crate organization
//!
//! | Item | Feature | What it is |
//! |---|---|---|
//! | [`Operation`], [`Paginated`], [`RequestParts`], … | none | The contract with generated code ([`operation`] module). |
//! | [`Error`], [`ApiError`], [`ErrorKind`], [`ApiErrorDetail`] | none | The one error type of every generated crate. |
//! | [`ApiProfile`], [`AuthMethod`], [`ApiKey`] | none | Static per-API facts (base URL, auth schemes, error shape). |
//! | [`Response`] | none | A decoded successful response with status, headers and metadata. |
//! | [`Client`], [`Call`], [`Config`], [`Credentials`], [`Sleeper`] | `async` | The async client. |
//! | [`ClientOptions`], [`RawResponse`], [`StreamingResponse`], [`Page`] | `async` | Escape hatches: derived clients, undecoded and streamed responses, manual paging. |
//! | [`blocking::Client`] | `blocking` | The same client, blocking, on a private runtime. |
//! | [`test_util::Mocks`] | `test-util` | Typed test doubles that answer instead of the network. |
//!
//! # Features
//!
//! - `async` (default): the async client, on reqwest and tokio.
//! - `rustls` (default): TLS for `https://` base URLs (reqwest's rustls).
//! - `blocking`: [`blocking::Client`]; implies `async`.
//! - `test-util`: typed test doubles ([`test_util::Mocks`]) and
//!   [`test_util::RecordingSleeper`], for tests of code that calls an API;
//!   implies `async`.
//!
//! Models crates depend on this crate with `default-features = false` and
//! get only the contract, the error type and serde: no HTTP stack.
//!
//! # Retries
//!
//! A failed call is retried up to [`Config::with_max_retries`] times
//! (default 2, so 3 attempts), or [`Call::max_retries`] per call.
//!
//! - **What is retried:** connection errors, timeouts, and the statuses 408,
//!   409, 429 and 5xx. A response header `x-should-retry: true` or `false`
//!   overrides the status rule.
//! - **Non-idempotent requests (`POST`, `PATCH`) are retried only when the
//!   request provably did not take effect:** the connection could not be
//!   established (nothing was sent), the server refused it with 429 or 503,
//!   the server said `x-should-retry: true`, or the OAuth2 token could not be
//!   fetched (the API request was not sent). A timeout, a broken connection
//!   or a 500 after sending a `POST` is returned to the caller, since the
//!   request may have been carried out.
//! - **Delay:** the server's `retry-after-ms` (milliseconds), else
//!   `Retry-After` (seconds, fractions allowed, or an HTTP date), else
//!   exponential backoff `min(0.5 s · 2ⁿ, 8 s)` times a jitter factor in
//!   [0.75, 1].
//! - **Long waits are not slept through:** when the server asks to wait
//!   longer than [`Config::with_max_retry_after`] (default 60 s; Cloudflare
//!   blocks for 300 s after its rate limit), the call fails at once with an
//!   [`Error::Api`] of kind [`ErrorKind::RateLimited`] (for a 429) whose
//!   [`Error::retry_after`] is the requested wait.
//! - An OAuth2 access token rejected with 401 is discarded and the request
//!   is sent once more with a new token; this does not use up a retry.
//!
//! Each attempt is bounded by the timeout ([`Config::with_timeout`], 60 s,
//! from connecting to the end of the body); connecting by
//! [`Config::with_connect_timeout`] (5 s). A whole call (all attempts and
//! the waits between them) can be bounded too
//! ([`Config::with_total_timeout`], [`Call::total_timeout`]); it then fails
//! with [`Error::Deadline`].
//!
//! # Security
//!
//! - Path parameters are percent-encoded to exactly one segment; empty
//!   values, `.`, `..` and their encoded forms (`%2e%2e`) are rejected
//!   before anything is sent. Header values with CR, LF or NUL are rejected.
//! - Credentials are never printed: [`Credentials`], [`Config`] and
//!   [`Client`] redact them in `Debug`, auth headers are marked sensitive,
//!   errors never hold request URLs or request headers, the `Debug` of
//!   response headers (in [`ApiError`], [`Response`], [`RawResponse`]) hides
//!   credential-bearing ones such as `set-cookie`, and tracing records only the
//!   operation id, method, path *template*, status, attempt and elapsed time.
//! - Redirects are followed only within the same origin (up to 10 hops); a
//!   redirect to another origin fails with [`Error::Redirect`], so API-key
//!   headers never reach a third party.
//! - Response bodies are capped ([`Config::with_max_response_bytes`], 64 MiB).
//!
//! # Tracing
//!
//! Each call runs in a `DEBUG` span `apigen_call` with the fields
//! `operation_id`, `method`, `path`, `status`, `attempt` and `elapsed_ms`;
//! each retry emits an `INFO` event with the reason and delay.

#![deny(missing_docs)]
// The crate docs link to items of every feature; with fewer features some
// links cannot resolve.
#![cfg_attr(
    not(all(feature = "async", feature = "blocking", feature = "test-util")),
    allow(rustdoc::broken_intra_doc_links)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod form;
pub mod multipart;
pub mod operation;
pub mod params;

mod error;
mod profile;
mod response;

// The async client's request pipeline, one room per concern: `client` (the
// public `Client` and `Call`) hands each call to `pipeline`, whose loop runs
// build (`request`) → authorise (`auth`) → attempt (`transport`) → decide
// (`retry`) → sleep; `pagination` fetches its pages through the same loop.
#[cfg(feature = "async")]
mod auth;
#[cfg(feature = "async")]
mod client;
#[cfg(feature = "async")]
mod config;
#[cfg(feature = "async")]
mod decode;
#[cfg(feature = "async")]
mod decode_body;
#[cfg(feature = "async")]
mod encode;
#[cfg(feature = "async")]
mod pagination;
#[cfg(feature = "async")]
mod pipeline;
#[cfg(feature = "async")]
mod raw;
#[cfg(feature = "async")]
mod request;
#[cfg(feature = "async")]
mod retry;
#[cfg(feature = "async")]
mod transport;

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use error::{ApiError, ApiErrorDetail, BODY_SNIPPET_LEN, BoxError, Error, ErrorKind};
pub use multipart::{FilePart, FileParts, Multipart};
pub use operation::{
    Body, BodyKind, Envelope, Method, Operation, OperationInfo, OptionalParams, Paginated,
    Pagination, RequestParts, ResponseShape, Security, StatusCase,
};
pub use params::QueryStyle;
pub use profile::{ApiKey, ApiProfile, AuthMethod, KeyLocation};
pub use response::{Response, ResponseParts};

#[cfg(feature = "async")]
pub use auth::{Credentials, TokenRequest};
/// Re-exported: the output of binary responses, and the chunk type of
/// [`StreamingResponse`].
pub use bytes::Bytes;
#[cfg(feature = "async")]
pub use client::{Call, Client, ClientOptions};
#[cfg(feature = "async")]
pub use config::{Config, Sleeper, TokioSleeper};
#[cfg(feature = "async")]
pub use pagination::Page;
#[cfg(feature = "async")]
pub use raw::{RawResponse, StreamingResponse};

/// Re-exported so generated crates and users name the same versions.
pub use http;
#[cfg(feature = "async")]
pub use reqwest;

#[cfg(all(test, feature = "async"))]
mod tests {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::Client>();
        assert_send_sync::<crate::Config>();
        assert_send_sync::<crate::Credentials>();
        assert_send_sync::<crate::Response<String, ()>>();
        assert_send_sync::<crate::ClientOptions>();
        assert_send_sync::<crate::RawResponse>();
        assert_send_sync::<crate::StreamingResponse>();
        #[cfg(feature = "test-util")]
        assert_send_sync::<crate::test_util::Mocks>();
        #[cfg(feature = "blocking")]
        assert_send_sync::<crate::blocking::Client>();
    }

    #[test]
    fn error_stays_small() {
        // Keeps `Result<T, Error>` cheap to move (and clippy's
        // `result_large_err` quiet in generated crates).
        assert!(
            std::mem::size_of::<crate::Error>() <= 96,
            "{}",
            std::mem::size_of::<crate::Error>()
        );
    }
}
