//! The retry policy, whole: how many times a call is repeated, which
//! failures are worth repeating, how long to wait, and the decision after
//! each failed attempt.
//!
//! The rules follow Stainless-generated SDKs; see the crate docs' "Retries".

use std::time::Duration;

use crate::error::Error;
use crate::transport::Failure;

/// The configured policy (see [`Config`](crate::Config)'s retry settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt (per call: [`Call::max_retries`](crate::Call::max_retries)).
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) jitter: bool,
    /// The longest `Retry-After` waited for; longer waits go to the caller.
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// The retries of one call: the policy, the budget and what is used of it.
pub(crate) struct Retries<'a> {
    policy: &'a RetryPolicy,
    max_retries: u32,
    idempotent: bool,
    used: u32,
}

impl RetryPolicy {
    /// Starts the retries of one call; `max_retries` overrides the policy's
    /// budget, and `idempotent` says whether the method may be repeated after
    /// it possibly took effect.
    pub(crate) fn start(&self, max_retries: Option<u32>, idempotent: bool) -> Retries<'_> {
        Retries {
            policy: self,
            max_retries: max_retries.unwrap_or(self.max_retries),
            idempotent,
            used: 0,
        }
    }

    /// Backoff before retry number `retry` (0 for the first retry):
    /// `min(initial · 2^retry, max)`, times a random factor in [0.75, 1]
    /// when jitter is on.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        if self.jitter {
            base.mul_f64(1.0 - 0.25 * fastrand::f64())
        } else {
            base
        }
    }
}

impl Retries<'_> {
    /// Decides after failed attempt number `attempt`: the delay before
    /// repeating it (with the error, for a caller whose deadline ends
    /// before the delay does), or the error to return.
    pub(crate) fn decide(
        &mut self,
        failure: Failure,
        attempt: u32,
    ) -> Result<(Duration, Error), Error> {
        let repeatable = match &failure {
            // Nothing happened on the server: any method may be repeated
            // when the cause is transient.
            Failure::NotSent(error) => error.is_retryable(),
            Failure::MaybeSent(_) => self.idempotent,
            Failure::Answered(error) => should_retry_answer(error, self.idempotent),
            Failure::Final(_) => false,
        };
        let error = failure.into_error();
        if !repeatable || self.used >= self.max_retries {
            return Err(error);
        }
        let delay = match error.retry_after() {
            Some(wait) if wait > self.policy.max_retry_after => {
                // Waiting that long inside a call would look like a hang;
                // hand the wait to the caller instead.
                tracing::info!(
                    attempt,
                    retry_after_ms = millis(wait),
                    "not retrying: the server asked to wait longer than the configured maximum"
                );
                return Err(error);
            }
            Some(wait) => wait,
            None => self.policy.backoff(self.used),
        };
        self.used += 1;
        tracing::info!(
            attempt,
            status = error.status().map(|s| s.as_u16()),
            reason = failure_reason(&error),
            delay_ms = millis(delay),
            "retrying request"
        );
        Ok((delay, error))
    }
}

/// Whether an error answer should be retried.
///
/// `x-should-retry: true|false` overrides everything. Otherwise idempotent
/// requests retry what [`Error::is_retryable`] calls transient (408, 409,
/// 429 and 5xx); non-idempotent ones only 429 and 503, where the server
/// refused the request without acting on it.
fn should_retry_answer(answer: &Error, idempotent: bool) -> bool {
    match answer
        .api_error()
        .and_then(|api| api.headers.get("x-should-retry"))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        Some(v) if v.eq_ignore_ascii_case("true") => return true,
        Some(v) if v.eq_ignore_ascii_case("false") => return false,
        _ => {}
    }
    if idempotent {
        answer.is_retryable()
    } else {
        matches!(answer.status().map(|s| s.as_u16()), Some(429 | 503))
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

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;
    use crate::error::ApiError;
    use crate::transport::tests::headers;

    fn should_retry_status(status: StatusCode, headers: &HeaderMap, idempotent: bool) -> bool {
        let mut answer = ApiError::new(status, "test");
        answer.headers = headers.clone();
        should_retry_answer(&Error::from(answer), idempotent)
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let got: Vec<u128> = (0..7).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(got, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(8));
        let jittered = RetryPolicy::default();
        for _ in 0..100 {
            let d = jittered.backoff(1);
            assert!(
                d >= Duration::from_millis(750) && d <= Duration::from_secs(1),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_decisions() {
        let none = HeaderMap::new();
        for s in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                should_retry_status(StatusCode::from_u16(s).unwrap(), &none, true),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(
                !should_retry_status(StatusCode::from_u16(s).unwrap(), &none, true),
                "{s}"
            );
        }
        for (s, retry) in [
            (429, true),
            (503, true),
            (500, false),
            (502, false),
            (408, false),
        ] {
            assert_eq!(
                should_retry_status(StatusCode::from_u16(s).unwrap(), &none, false),
                retry
            );
        }
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(should_retry_status(StatusCode::BAD_REQUEST, &yes, false));
        assert!(!should_retry_status(
            StatusCode::SERVICE_UNAVAILABLE,
            &no,
            true
        ));
    }
}
