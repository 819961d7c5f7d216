//! Applying credentials to requests, and the OAuth2 client-credentials token
//! cache.

use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::config::{Credentials, Creds};
use crate::decode::decode_plain;
use crate::encode::{header, push_query};
use crate::error::{ApiError, Error, ErrorKind, parse_details};
use crate::profile::{ApiProfile, AuthMethod, KeyLocation};
use crate::response::request_id;

/// `operation_id` of errors from the OAuth2 token endpoint.
pub(crate) const TOKEN_OPERATION: &str = "oauth2-token";

/// Largest token response accepted.
const MAX_TOKEN_RESPONSE: u64 = 64 * 1024;

/// Resolved credentials, ready to be applied to requests.
pub(crate) enum Auth {
    None,
    /// Sensitive `(name, value)` headers (bearer token or API keys).
    Headers(Vec<(HeaderName, HeaderValue)>, Vec<(String, String)>),
    OAuth2(Box<OAuth2>),
}

/// An OAuth2 client-credentials grant with its token cache.
pub(crate) struct OAuth2 {
    token_url: Url,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
    /// Held while a token is fetched, so that concurrent calls wait for one
    /// fetch instead of starting their own.
    cache: tokio::sync::Mutex<TokenCache>,
}

#[derive(Default)]
struct TokenCache {
    token: Option<CachedToken>,
    generation: u64,
}

struct CachedToken {
    header: HeaderValue,
    generation: u64,
    /// `None`: the server gave no lifetime; valid until a 401.
    refresh_at: Option<Instant>,
}

/// A bearer token from the cache, with the generation used to invalidate
/// exactly it after a 401.
pub(crate) struct Token {
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Number>,
}

impl Auth {
    /// Resolves `credentials` against the profile.
    pub(crate) fn new(
        credentials: &Credentials,
        profile: &ApiProfile,
        base_url: &Url,
    ) -> Result<Auth, Error> {
        Ok(match &credentials.0 {
            Creds::None => Auth::None,
            Creds::Bearer(token) => {
                let value = sensitive(&format!("Bearer {token}")).ok_or_else(|| {
                    Error::config("the bearer token contains characters not allowed in a header")
                })?;
                Auth::Headers(vec![(AUTHORIZATION, value)], Vec::new())
            }
            Creds::ApiKeys(keys) => {
                let mut headers = Vec::new();
                let mut query = Vec::new();
                for (name, value) in keys {
                    match key_location(profile, name) {
                        KeyLocation::Query => query.push((name.clone(), value.clone())),
                        KeyLocation::Header => {
                            let (name, mut value) = header(name, value).map_err(|_| {
                                Error::config(format!(
                                    "API key `{name}` is not a valid header name or value"
                                ))
                            })?;
                            value.set_sensitive(true);
                            headers.push((name, value));
                        }
                    }
                }
                Auth::Headers(headers, query)
            }
            Creds::OAuth2 {
                client_id,
                client_secret,
                token_url,
            } => {
                let method = profile.auth.iter().find_map(|m| match m {
                    AuthMethod::OAuth2ClientCredentials {
                        token_url, scopes, ..
                    } => Some((*token_url, *scopes)),
                    _ => None,
                });
                let url = token_url.as_deref().or(method.map(|(url, _)| url)).ok_or_else(|| {
                    Error::config(format!(
                        "{} has no OAuth2 token URL; set one with `Credentials::with_token_url`",
                        profile.name
                    ))
                })?;
                let token_url = resolve(base_url, url)?;
                let scopes = method.map(|(_, s)| s).unwrap_or_default();
                Auth::OAuth2(Box::new(OAuth2 {
                    token_url,
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
                    cache: tokio::sync::Mutex::default(),
                }))
            }
        })
    }

    /// Query parameters that carry API keys.
    pub(crate) fn query(&self) -> &[(String, String)] {
        match self {
            Auth::Headers(_, query) => query,
            _ => &[],
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Headers(..) => "headers",
            Auth::OAuth2(_) => "oauth2-client-credentials",
        }
    }
}

fn key_location(profile: &ApiProfile, name: &str) -> KeyLocation {
    profile
        .auth
        .iter()
        .filter_map(|m| match m {
            AuthMethod::ApiKeys(keys) => Some(keys.iter()),
            _ => None,
        })
        .flatten()
        .find(|k| k.name.eq_ignore_ascii_case(name))
        .map_or(KeyLocation::Header, |k| k.location)
}

/// A header value that is never printed by `Debug`.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Resolves a possibly relative URL against the base URL (RFC 3986; the
/// base URL counts as a directory).
fn resolve(base: &Url, url: &str) -> Result<Url, Error> {
    let mut dir = base.clone();
    if !dir.path().ends_with('/') {
        let path = format!("{}/", dir.path());
        dir.set_path(&path);
    }
    dir.join(url)
        .map_err(|_| Error::config("the OAuth2 token URL is not a valid URL"))
}

impl OAuth2 {
    /// A valid token: the cached one, or a new one (one fetch at a time).
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<Token, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = &cache.token {
            if token.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok(Token {
                    header: token.header.clone(),
                    generation: token.generation,
                });
            }
        }
        cache.token = None;
        let (header, lifetime) = self.fetch(http, timeout).await?;
        cache.generation += 1;
        let generation = cache.generation;
        // Refresh before expiry: 30 s early, or 10% early for short-lived
        // tokens.
        let refresh_at = lifetime
            .map(|l| Instant::now() + l.saturating_sub((l / 10).min(Duration::from_secs(30))));
        cache.token = Some(CachedToken {
            header: header.clone(),
            generation,
            refresh_at,
        });
        Ok(Token { header, generation })
    }

    /// Forgets the token of `generation` after the API rejected it (a newer
    /// token fetched meanwhile by another call is kept).
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut cache = self.cache.lock().await;
        if cache
            .token
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            cache.token = None;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<(HeaderValue, Option<Duration>), Error> {
        let mut form = String::from("grant_type=client_credentials");
        if let Some(scope) = &self.scope {
            push_query(&mut form, [("scope", scope.as_str())]);
        }
        // Sent as-is in HTTP Basic auth, like the vendors' own SDKs (servers
        // differ on whether they form-decode it as RFC 6749 §2.3.1 says).
        let request = http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .body(form);
        let fetch = async {
            let mut response = request
                .send()
                .await
                .map_err(crate::client::transport_error)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = crate::client::read_body(&mut response, MAX_TOKEN_RESPONSE).await?;
            Ok::<_, Error>((status, headers, body))
        };
        let (status, headers, body) = tokio::time::timeout(timeout, fetch)
            .await
            .map_err(|_| Error::Timeout { timeout })??;
        if !status.is_success() {
            let mut err = ApiError::new(status, TOKEN_OPERATION);
            // A server failure keeps its class (and stays retryable); any
            // other refusal means the client credentials are not accepted.
            if !status.is_server_error() && status != http::StatusCode::TOO_MANY_REQUESTS {
                err.kind = ErrorKind::Authentication;
            }
            err.details = parse_details(&body, None);
            err.request_id = request_id(&headers).map(str::to_owned);
            err.body = crate::error::snippet(&body);
            err.retry_after =
                crate::retry::parse_retry_after(&headers, std::time::SystemTime::now());
            return Err(err.into());
        }
        // The body holds the token: decode errors must not quote it.
        let token: TokenResponse = decode_plain(&body).map_err(|(path, _)| Error::Decode {
            path,
            message: String::from("not an OAuth2 token response"),
            status,
            body: String::new(),
        })?;
        let header =
            sensitive(&format!("Bearer {}", token.access_token)).ok_or_else(|| Error::Decode {
                path: String::from("access_token"),
                message: String::from(
                    "the access token contains characters not allowed in a header",
                ),
                status,
                body: String::new(),
            })?;
        let lifetime = token
            .expires_in
            .and_then(|n| n.as_f64())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX));
        Ok((header, lifetime))
    }
}
