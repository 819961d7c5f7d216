//! The retry policy: what is retried, and how long to wait.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::config::RetryPolicy;
use crate::error::is_retryable_status;

/// Whether a response with `status` should be retried.
///
/// `x-should-retry: true|false` overrides everything. Otherwise idempotent
/// requests retry 408, 409, 429 and 5xx; non-idempotent ones only 429 and
/// 503, where the server refused the request without acting on it.
pub(crate) fn should_retry_status(
    status: StatusCode,
    headers: &HeaderMap,
    idempotent: bool,
) -> bool {
    match headers
        .get("x-should-retry")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        Some(v) if v.eq_ignore_ascii_case("true") => return true,
        Some(v) if v.eq_ignore_ascii_case("false") => return false,
        _ => {}
    }
    if idempotent {
        is_retryable_status(status)
    } else {
        matches!(status.as_u16(), 429 | 503)
    }
}

/// The wait the server asked for: `retry-after-ms` (milliseconds), else
/// `Retry-After` (seconds, possibly fractional, or an HTTP date).
///
/// Zero, negative, unparsable values and dates in the past give `None`
/// (the caller then uses backoff). Values too large for a `Duration`
/// saturate.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(d) = positive_secs(ms / 1000.0) {
            return Some(d);
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return positive_secs(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|d| !d.is_zero())
}

fn positive_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs <= 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

impl RetryPolicy {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_after_table() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = |offset: i64| {
            httpdate::fmt_http_date(if offset >= 0 {
                now + Duration::from_secs(offset as u64)
            } else {
                now - Duration::from_secs((-offset) as u64)
            })
        };
        type Case = (Vec<(&'static str, String)>, Option<Duration>);
        let cases: Vec<Case> = vec![
            (
                vec![("retry-after", "20".into())],
                Some(Duration::from_secs(20)),
            ),
            (vec![("retry-after", "0".into())], None),
            (vec![("retry-after", "-10".into())], None),
            (
                vec![("retry-after", "1.5".into())],
                Some(Duration::from_millis(1500)),
            ),
            (
                vec![("retry-after", "61".into())],
                Some(Duration::from_secs(61)),
            ),
            (vec![("retry-after", "".into())], None),
            (vec![("retry-after", "NaN".into())], None),
            (
                vec![("retry-after", "Zun, 01 Jan 2023 00:00:00 GMT".into())],
                None,
            ),
            (
                vec![("retry-after", date(30))],
                Some(Duration::from_secs(30)),
            ),
            (vec![("retry-after", date(-30))], None),
            (vec![("retry-after", date(0))], None),
            (
                vec![("retry-after", "99999999999999999999999999999999999".into())],
                Some(Duration::MAX),
            ),
            (
                vec![("retry-after-ms", "100".into())],
                Some(Duration::from_millis(100)),
            ),
            (
                vec![("retry-after-ms", "12.5".into())],
                Some(Duration::from_micros(12_500)),
            ),
            (
                vec![
                    ("retry-after-ms", "250".into()),
                    ("retry-after", "9".into()),
                ],
                Some(Duration::from_millis(250)),
            ),
            (
                vec![
                    ("retry-after-ms", "bogus".into()),
                    ("retry-after", "9".into()),
                ],
                Some(Duration::from_secs(9)),
            ),
            (vec![], None),
        ];
        for (pairs, expected) in cases {
            let pairs_ref: Vec<(&'static str, &str)> =
                pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(
                parse_retry_after(&headers(&pairs_ref), now),
                expected,
                "{pairs:?}"
            );
        }
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
