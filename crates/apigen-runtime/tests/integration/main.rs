//! Integration tests of the runtime against a real local HTTP server
//! (wiremock), with hand-written operations standing in for generated code.

mod support;

mod auth;
#[cfg(feature = "blocking")]
mod blocking;
mod errors;
mod observability;
mod pagination;
mod requests;
mod retries;
