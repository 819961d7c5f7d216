//! The successful result of a call.

use std::ops::{Deref, DerefMut};

use http::{HeaderMap, StatusCode};

/// A decoded successful response: the operation's output plus the HTTP
/// status, headers and envelope metadata.
///
/// Derefs to the output, so `response.field` reads the output's fields.
#[derive(Debug, Clone)]
pub struct Response<T, M = ()> {
    value: T,
    parts: ResponseParts<M>,
}

/// Everything in a [`Response`] except the output, from
/// [`Response::into_parts`]. `Debug` redacts credential-bearing headers.
#[derive(Clone)]
#[non_exhaustive]
pub struct ResponseParts<M = ()> {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The envelope metadata (`result_info`), when present.
    pub meta: Option<M>,
    /// How many HTTP attempts the call took (1 when not retried).
    pub attempts: u32,
}

impl<M: std::fmt::Debug> std::fmt::Debug for ResponseParts<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseParts")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("meta", &self.meta)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl<M> ResponseParts<M> {
    /// The server's request id: `cf-ray`, else `x-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }
}

impl<T, M> Response<T, M> {
    #[cfg(feature = "async")]
    pub(crate) fn new(
        value: T,
        meta: Option<M>,
        status: StatusCode,
        headers: HeaderMap,
        attempts: u32,
    ) -> Self {
        Response {
            value,
            parts: ResponseParts {
                status,
                headers,
                meta,
                attempts,
            },
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.parts.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The envelope metadata (Cloudflare's `result_info`), when the
    /// response has it.
    pub fn meta(&self) -> Option<&M> {
        self.parts.meta.as_ref()
    }

    /// The server's request id: `cf-ray`, else `x-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.parts.request_id()
    }

    /// How many HTTP attempts the call took (1 when not retried).
    pub fn attempts(&self) -> u32 {
        self.parts.attempts
    }

    /// The output.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The output and everything else.
    pub fn into_parts(self) -> (T, ResponseParts<M>) {
        (self.value, self.parts)
    }
}

impl<T, M> Deref for Response<T, M> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T, M> DerefMut for Response<T, M> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// Header names whose values carry credentials or session state: every
/// `Debug` of received headers ([`RedactedHeaders`]) hides their values.
/// (Redacting at print time rather than marking values on receipt keeps
/// the per-call path free of the check.)
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "www-authenticate",
    "proxy-authenticate",
    "cookie",
    "set-cookie",
    "x-auth-key",
    "x-auth-email",
    "x-api-key",
    "cf-access-token",
    "cf-access-jwt-assertion",
];

/// Whether a header's value must never be printed: the names above, and any
/// name that says it holds a token, key, secret or session. `name` is
/// lower-case, as `HeaderName`s are.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS.contains(&name)
        || [
            "token", "secret", "key", "session", "auth", "cookie", "password",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// `Debug` of a header map that shows sensitive values as `<redacted>`,
/// whether or not they were marked (an error built by hand may not be).
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a HeaderMap);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_sensitive_header(name.as_str()) {
                map.entry(&name.as_str(), &"<redacted>");
            } else {
                map.entry(&name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        map.finish()
    }
}

/// `cf-ray`, else `x-request-id`, when it is valid text.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["cf-ray", "x-request-id"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_redacted_in_debug() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("set-cookie", "session=s3cr3t"),
            ("authorization", "Bearer s3cr3t"),
            ("x-auth-key", "s3cr3t"),
            ("x-upstream-api-token", "s3cr3t"),
            ("cf-ray", "ray-1"),
            ("content-type", "application/json"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let shown = format!("{:?}", RedactedHeaders(&headers));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(
            shown.contains("ray-1") && shown.contains("application/json"),
            "{shown}"
        );
        // The values stay readable.
        assert_eq!(headers["x-auth-key"], "s3cr3t");
    }
}
