//! Authentication: the public [`Credentials`], and [`Auth`], the narrow
//! interface through which the call loop applies them.
//!
//! Static credentials (a bearer token, API keys) are placed once when a
//! request is built ([`Auth::sign`]); an OAuth2 access token is placed on
//! every attempt ([`Auth::authorise`]) from a single-flight cache, and
//! dropped when the API rejects it ([`Auth::on_unauthorised`]). No other
//! module knows which kind of credentials a client has.

use std::fmt;
use std::time::{Duration, Instant};

use http::HeaderMap;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::decode::decode_plain;
use crate::encode::{header, push_query};
use crate::error::{Error, ErrorKind};
use crate::profile::{ApiProfile, AuthMethod, KeyLocation};
use crate::transport::{Failure, Transport};

/// `operation_id` of errors from the OAuth2 token endpoint.
const TOKEN_OPERATION: &str = "oauth2-token";

/// Largest token response accepted.
const MAX_TOKEN_RESPONSE: u64 = 64 * 1024;

/// Secrets used to authenticate. `Debug` shows only which kind they are,
/// e.g. `Credentials::Bearer(<redacted>)`; the values cannot be read back.
#[derive(Clone)]
pub struct Credentials(Creds);

#[derive(Clone)]
enum Creds {
    None,
    Bearer(String),
    ApiKeys(Vec<(String, String)>),
    OAuth2 {
        client_id: String,
        client_secret: String,
        token_url: Option<String>,
    },
}

impl Credentials {
    /// No credentials: requests are sent unauthenticated.
    pub fn none() -> Self {
        Credentials(Creds::None)
    }

    /// A bearer token, sent as `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials(Creds::Bearer(token.into()))
    }

    /// API keys as `(name, value)` pairs, all sent with every request, e.g.
    /// `[("X-Auth-Email", email), ("X-Auth-Key", key)]`.
    ///
    /// Each key goes where the profile's [`ApiKey`](crate::ApiKey) of the
    /// same name says (a header or a query parameter); names the profile
    /// does not know are sent as headers.
    pub fn api_keys<I, K, V>(keys: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Credentials(Creds::ApiKeys(
            keys.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }

    /// An OAuth2 client id and secret, exchanged for access tokens at the
    /// token URL of the profile's
    /// [`AuthMethod::OAuth2ClientCredentials`] (see
    /// [`with_token_url`](Credentials::with_token_url)).
    pub fn oauth2_client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Credentials(Creds::OAuth2 {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: None,
        })
    }

    /// Overrides the OAuth2 token URL (absolute, or relative to the base
    /// URL). Has no effect on other kinds of credentials.
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        if let Creds::OAuth2 { token_url, .. } = &mut self.0 {
            *token_url = Some(url.into());
        }
        self
    }

    /// Whether these are [`Credentials::none`].
    pub fn is_none(&self) -> bool {
        matches!(self.0, Creds::None)
    }

    fn kind(&self) -> &'static str {
        match self.0 {
            Creds::None => "None",
            Creds::Bearer(_) => "Bearer",
            Creds::ApiKeys(_) => "ApiKeys",
            Creds::OAuth2 { .. } => "OAuth2ClientCredentials",
        }
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::none()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Creds::None => f.write_str("Credentials::None"),
            _ => write!(f, "Credentials::{}(<redacted>)", self.kind()),
        }
    }
}

/// Credentials resolved against the API's profile, ready to be applied.
pub(crate) struct Auth(Scheme);

enum Scheme {
    None,
    /// Sensitive headers (bearer token or API keys) and API keys sent as
    /// query parameters.
    Static {
        headers: Vec<(HeaderName, HeaderValue)>,
        query: Vec<(String, String)>,
    },
    OAuth2(Box<OAuth2>),
}

/// Which OAuth2 token an attempt carried, so that a rejection drops exactly
/// that token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant(Option<u64>);

impl Grant {
    /// No OAuth2 token was used (static credentials, or a test double).
    pub(crate) const NONE: Grant = Grant(None);
}

/// An OAuth2 client-credentials grant with its token cache.
struct OAuth2 {
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

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Number>,
}

impl Auth {
    /// Resolves `credentials` against the profile (API key locations, the
    /// OAuth2 token URL and scopes).
    pub(crate) fn new(
        credentials: &Credentials,
        profile: &ApiProfile,
        base_url: &Url,
    ) -> Result<Auth, Error> {
        Ok(Auth(match &credentials.0 {
            Creds::None => Scheme::None,
            Creds::Bearer(token) => {
                let value = sensitive(&format!("Bearer {token}")).ok_or_else(|| {
                    Error::config("the bearer token contains characters not allowed in a header")
                })?;
                Scheme::Static {
                    headers: vec![(AUTHORIZATION, value)],
                    query: Vec::new(),
                }
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
                Scheme::Static { headers, query }
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
                Scheme::OAuth2(Box::new(OAuth2 {
                    token_url,
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
                    cache: tokio::sync::Mutex::default(),
                }))
            }
        }))
    }

    /// Places static credentials on a request being built: API keys onto
    /// the query string, auth headers into `headers` (where later per-call
    /// headers may still replace them).
    pub(crate) fn sign(&self, query: &mut String, headers: &mut HeaderMap) {
        if let Scheme::Static {
            headers: auth,
            query: keys,
        } = &self.0
        {
            push_query(query, keys.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            for (name, value) in auth {
                headers.insert(name.clone(), value.clone());
            }
        }
    }

    /// Places an OAuth2 access token on one attempt of a request, fetching
    /// it (within `timeout`) when none is cached. Fails when no token could
    /// be obtained, in which case nothing was sent to the API.
    pub(crate) async fn authorise(
        &self,
        request: &mut reqwest::Request,
        transport: &Transport,
        timeout: Duration,
    ) -> Result<Grant, Error> {
        let Scheme::OAuth2(oauth) = &self.0 else {
            return Ok(Grant::NONE);
        };
        let (header, generation) = oauth.token(transport, timeout).await?;
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(Grant(Some(generation)))
    }

    /// Handles a 401 to a request that carried `grant`: whether sending it
    /// again may succeed, because the rejected token was dropped and the
    /// next attempt fetches a new one.
    pub(crate) async fn on_unauthorised(&self, grant: Grant) -> bool {
        match (&self.0, grant) {
            (Scheme::OAuth2(oauth), Grant(Some(generation))) => {
                oauth.invalidate(generation).await;
                true
            }
            _ => false,
        }
    }

    /// What kind of credentials these are, for `Debug`.
    pub(crate) fn kind(&self) -> &'static str {
        match self.0 {
            Scheme::None => "none",
            Scheme::Static { .. } => "headers",
            Scheme::OAuth2(_) => "oauth2-client-credentials",
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
    /// A valid token and its generation: the cached one, or a new one (one
    /// fetch at a time).
    async fn token(
        &self,
        transport: &Transport,
        timeout: Duration,
    ) -> Result<(HeaderValue, u64), Error> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = &cache.token {
            if token.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok((token.header.clone(), token.generation));
            }
        }
        cache.token = None;
        let (header, lifetime) = self.fetch(transport, timeout).await?;
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
        Ok((header, generation))
    }

    /// Forgets the token of `generation` after the API rejected it (a newer
    /// token fetched meanwhile by another call is kept).
    async fn invalidate(&self, generation: u64) {
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
        transport: &Transport,
        timeout: Duration,
    ) -> Result<(HeaderValue, Option<Duration>), Error> {
        let mut form = String::from("grant_type=client_credentials");
        if let Some(scope) = &self.scope {
            push_query(&mut form, [("scope", scope.as_str())]);
        }
        // Sent as-is in HTTP Basic auth, like the vendors' own SDKs (servers
        // differ on whether they form-decode it as RFC 6749 §2.3.1 says).
        let request = transport
            .request(reqwest::Method::POST, self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .body(form)
            .build();
        let fetch = async {
            let request = request.map_err(|e| Failure::from(e).into_error())?;
            transport
                .send(request, MAX_TOKEN_RESPONSE)
                .await
                .map_err(Failure::into_error)
        };
        let answer = tokio::time::timeout(timeout, fetch)
            .await
            .map_err(|_| Error::Timeout { timeout })??;
        let status = answer.status;
        if !status.is_success() {
            let mut err = answer.api_error(TOKEN_OPERATION, None, crate::error::BODY_SNIPPET_LEN);
            // A server failure keeps its class (and stays retryable); any
            // other refusal means the client credentials are not accepted.
            if !status.is_server_error() && status != http::StatusCode::TOO_MANY_REQUESTS {
                err.kind = ErrorKind::Authentication;
            }
            return Err(err.into());
        }
        // The body holds the token: decode errors must not quote it.
        let token: TokenResponse =
            decode_plain(&answer.body).map_err(|(path, _)| Error::Decode {
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
