//! Authentication: the public [`Credentials`], and [`Auth`], the narrow
//! interface through which the call loop applies them.
//!
//! Each call first picks the credentials its operation accepts
//! ([`Auth::choose`], from the operation's [`Security`]). Static
//! credentials (a bearer or basic `Authorization`, API keys in headers, the
//! query or a cookie) are placed once when a request is built
//! ([`Chosen::sign`]); an OAuth2 access token is placed on every attempt
//! ([`Chosen::authorise`]) from a single-flight cache, and dropped when the
//! API rejects it ([`Chosen::on_unauthorised`]); a caller's token provider
//! is asked on every attempt, and for a fresh token after a 401. No other
//! module knows which kind of credentials a client has.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::prelude::{BASE64_STANDARD, Engine as _};
use http::HeaderMap;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::decode::decode_plain;
use crate::encode::{header, push_query};
use crate::error::{Error, ErrorKind};
use crate::operation::Security;
use crate::profile::{ApiKey, ApiProfile, AuthMethod, KeyLocation};
use crate::transport::{Failure, Transport};

/// `operation_id` of errors from the OAuth2 token endpoint.
const TOKEN_OPERATION: &str = "oauth2-token";

/// Largest token response accepted.
const MAX_TOKEN_RESPONSE: u64 = 64 * 1024;

/// Secrets used to authenticate. `Debug` shows only which kind they are,
/// e.g. `Credentials::Bearer(<redacted>)`; the values cannot be read back.
///
/// Several kinds can be combined with [`and`](Credentials::and): each call
/// then uses the first of its operation's security alternatives (the
/// spec's `security`, in order) for which credentials were given, and an
/// operation with `security: []` gets none at all.
#[derive(Clone)]
pub struct Credentials(Vec<Creds>);

#[derive(Clone)]
enum Creds {
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    ApiKeys(Vec<(String, String)>),
    OAuth2 {
        client_id: String,
        client_secret: String,
        token_url: Option<String>,
    },
    AccessToken(String),
    Provider(TokenProvider),
}

/// What the runtime asks a token provider for
/// ([`Credentials::token_provider`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// `true` when the API has just rejected the previous token (HTTP 401):
    /// the provider should refresh it rather than return a cached one.
    pub refresh: bool,
}

type TokenFuture = std::pin::Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

/// A caller-provided source of access tokens.
#[derive(Clone)]
struct TokenProvider(std::sync::Arc<dyn Fn(TokenRequest) -> TokenFuture + Send + Sync>);

impl Credentials {
    /// No credentials: requests are sent unauthenticated.
    pub fn none() -> Self {
        Credentials(Vec::new())
    }

    /// A bearer token, sent as `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials(vec![Creds::Bearer(token.into())])
    }

    /// HTTP basic authentication: `Authorization: Basic <base64(user:password)>`.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials(vec![Creds::Basic {
            user: user.into(),
            password: password.into(),
        }])
    }

    /// API keys as `(name, value)` pairs, all sent with every request, e.g.
    /// `[("X-Auth-Email", email), ("X-Auth-Key", key)]`.
    ///
    /// Each key goes where the profile's [`ApiKey`](crate::ApiKey) of the
    /// same name says (a header, a query parameter or a cookie); names the
    /// profile does not know are sent as headers. When an operation accepts
    /// only some API-key schemes, only their keys are sent.
    pub fn api_keys<I, K, V>(keys: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Credentials(vec![Creds::ApiKeys(
            keys.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )])
    }

    /// An OAuth2 client id and secret, exchanged for access tokens at the
    /// token URL of the profile's
    /// [`AuthMethod::OAuth2ClientCredentials`] (see
    /// [`with_token_url`](Credentials::with_token_url)).
    pub fn oauth2_client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Credentials(vec![Creds::OAuth2 {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: None,
        }])
    }

    /// An access token the caller obtained itself (OAuth2 authorization
    /// code, implicit or password flow, or OpenID Connect), for the
    /// profile's [`AuthMethod::AccessToken`] schemes; sent as
    /// `Authorization: Bearer <token>`.
    pub fn access_token(token: impl Into<String>) -> Self {
        Credentials(vec![Creds::AccessToken(token.into())])
    }

    /// Access tokens from the caller, for the profile's
    /// [`AuthMethod::AccessToken`] schemes: `provider` is called before
    /// every request that uses them, and once more with
    /// [`TokenRequest::refresh`] set when the API rejects its token (HTTP
    /// 401), after which the request is sent again. An error it returns
    /// fails the call, and nothing is sent.
    ///
    /// ```no_run
    /// # use apigen_runtime::{Credentials, TokenRequest};
    /// let credentials = Credentials::token_provider(|request: TokenRequest| async move {
    ///     // Refresh through the identity provider when `request.refresh`.
    ///     Ok::<_, apigen_runtime::Error>(String::from("token"))
    /// });
    /// ```
    pub fn token_provider<F, Fut>(provider: F) -> Self
    where
        F: Fn(TokenRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, Error>> + Send + 'static,
    {
        Credentials(vec![Creds::Provider(TokenProvider(std::sync::Arc::new(
            move |request| Box::pin(provider(request)) as TokenFuture,
        )))])
    }

    /// [`token_provider`](Credentials::token_provider) with a blocking
    /// function, for the blocking client (in the async client it would
    /// block the executor's thread while it runs).
    pub fn blocking_token_provider<F>(provider: F) -> Self
    where
        F: Fn(TokenRequest) -> Result<String, Error> + Send + Sync + 'static,
    {
        Credentials(vec![Creds::Provider(TokenProvider(std::sync::Arc::new(
            move |request| Box::pin(std::future::ready(provider(request))) as TokenFuture,
        )))])
    }

    /// These credentials and `other`: each call uses the first kind its
    /// operation accepts (see [`Credentials`]).
    pub fn and(mut self, other: Credentials) -> Self {
        self.0.extend(other.0);
        self
    }

    /// Overrides the OAuth2 token URL (absolute, or relative to the base
    /// URL). Has no effect on other kinds of credentials.
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        for creds in &mut self.0 {
            if let Creds::OAuth2 { token_url, .. } = creds {
                *token_url = Some(url.clone());
            }
        }
        self
    }

    /// Whether these are [`Credentials::none`].
    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }
}

impl Creds {
    fn kind(&self) -> &'static str {
        match self {
            Creds::Bearer(_) => "Bearer",
            Creds::Basic { .. } => "Basic",
            Creds::ApiKeys(_) => "ApiKeys",
            Creds::OAuth2 { .. } => "OAuth2ClientCredentials",
            Creds::AccessToken(_) => "AccessToken",
            Creds::Provider(_) => "TokenProvider",
        }
    }

    /// Whether these credentials serve `method`.
    fn serves(&self, method: &AuthMethod) -> bool {
        match (self, method) {
            (Creds::Bearer(_), AuthMethod::Bearer { .. })
            | (Creds::Basic { .. }, AuthMethod::Basic { .. })
            | (Creds::OAuth2 { .. }, AuthMethod::OAuth2ClientCredentials { .. })
            | (Creds::AccessToken(_) | Creds::Provider(_), AuthMethod::AccessToken { .. }) => true,
            (Creds::ApiKeys(given), AuthMethod::ApiKeys(keys)) => {
                !keys.is_empty()
                    && keys
                        .iter()
                        .all(|k| given.iter().any(|(n, _)| n.eq_ignore_ascii_case(k.name)))
            }
            _ => false,
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
        match self.0.as_slice() {
            [] => f.write_str("Credentials::None"),
            [one] => write!(f, "Credentials::{}(<redacted>)", one.kind()),
            many => {
                f.write_str("Credentials[")?;
                for (i, c) in many.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}(<redacted>)", c.kind())?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Credentials resolved against the API's profile, ready to be applied to
/// the operations that accept them ([`Auth::choose`]).
pub(crate) struct Auth {
    /// One per kind of credentials given, in the order given.
    schemes: Vec<Scheme>,
    /// Per method of the profile (same index): the scheme that serves it.
    methods: Vec<Option<Use>>,
}

/// Which scheme serves a method, and for API keys, which of its keys.
#[derive(Clone, Copy)]
struct Use {
    scheme: usize,
    keys: Option<&'static [ApiKey]>,
}

enum Scheme {
    /// Sensitive headers (bearer token, basic auth or API keys), API keys
    /// sent as query parameters, and API keys sent as cookies.
    Static {
        headers: Vec<(HeaderName, HeaderValue)>,
        query: Vec<(String, String)>,
        cookies: Vec<(String, String)>,
    },
    OAuth2(Box<OAuth2>),
    Provider(TokenProvider),
}

/// The credentials one call uses (none for `security: []`), from
/// [`Auth::choose`].
pub(crate) struct Chosen<'a> {
    scheme: Option<&'a Scheme>,
    /// Only these API keys (all when `None`).
    keys: Option<&'static [ApiKey]>,
    /// The API rejected the provider's last token: ask for a fresh one.
    refresh: AtomicBool,
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
    /// OAuth2 token URL and scopes, which method each kind serves).
    pub(crate) fn new(
        credentials: &Credentials,
        profile: &ApiProfile,
        base_url: &Url,
    ) -> Result<Auth, Error> {
        let schemes = credentials
            .0
            .iter()
            .map(|c| Scheme::new(c, profile, base_url))
            .collect::<Result<Vec<_>, Error>>()?;
        let methods = profile
            .auth
            .iter()
            .map(|method| {
                let scheme = credentials.0.iter().position(|c| c.serves(method))?;
                let keys = match method {
                    AuthMethod::ApiKeys(keys) => Some(*keys),
                    _ => None,
                };
                Some(Use { scheme, keys })
            })
            .collect();
        Ok(Auth { schemes, methods })
    }

    /// The credentials a call of an operation with `security` uses: the
    /// first of its alternatives that has credentials; for
    /// [`Security::Any`], the first method of the profile that has them,
    /// else the first credentials given; none for [`Security::None`].
    pub(crate) fn choose(&self, security: Security) -> Chosen<'_> {
        let found = match security {
            Security::None => None,
            // Every key given is sent, as the API accepts any method.
            Security::Any => self
                .methods
                .iter()
                .flatten()
                .next()
                .map(|u| Use { keys: None, ..*u })
                .or_else(|| {
                    (!self.schemes.is_empty()).then_some(Use {
                        scheme: 0,
                        keys: None,
                    })
                }),
            Security::Alternatives(indices) => indices
                .iter()
                .find_map(|i| self.methods.get(*i).copied().flatten()),
        };
        Chosen {
            scheme: found.map(|u| &self.schemes[u.scheme]),
            keys: found.and_then(|u| u.keys),
            refresh: AtomicBool::new(false),
        }
    }

    /// What kinds of credentials these are, for `Debug`.
    pub(crate) fn kind(&self) -> String {
        if self.schemes.is_empty() {
            return "none".to_owned();
        }
        let kinds: Vec<&str> = self
            .schemes
            .iter()
            .map(|s| match s {
                Scheme::Static { .. } => "headers",
                Scheme::OAuth2(_) => "oauth2-client-credentials",
                Scheme::Provider(_) => "token-provider",
            })
            .collect();
        kinds.join(", ")
    }
}

impl Scheme {
    fn new(creds: &Creds, profile: &ApiProfile, base_url: &Url) -> Result<Scheme, Error> {
        let bearer = |token: &str, what: &str| {
            sensitive(&format!("Bearer {token}")).ok_or_else(|| {
                Error::config(format!(
                    "the {what} contains characters not allowed in a header"
                ))
            })
        };
        Ok(match creds {
            Creds::Bearer(token) => Scheme::Static {
                headers: vec![(AUTHORIZATION, bearer(token, "bearer token")?)],
                query: Vec::new(),
                cookies: Vec::new(),
            },
            Creds::AccessToken(token) => Scheme::Static {
                headers: vec![(AUTHORIZATION, bearer(token, "access token")?)],
                query: Vec::new(),
                cookies: Vec::new(),
            },
            Creds::Basic { user, password } => {
                if user.contains(':') {
                    return Err(Error::config("a basic-auth user name cannot contain `:`"));
                }
                let encoded = BASE64_STANDARD.encode(format!("{user}:{password}"));
                let value = sensitive(&format!("Basic {encoded}"))
                    .ok_or_else(|| Error::config("the basic-auth credentials are not valid"))?;
                Scheme::Static {
                    headers: vec![(AUTHORIZATION, value)],
                    query: Vec::new(),
                    cookies: Vec::new(),
                }
            }
            Creds::ApiKeys(keys) => {
                let mut headers = Vec::new();
                let mut query = Vec::new();
                let mut cookies = Vec::new();
                for (name, value) in keys {
                    match key_location(profile, name) {
                        KeyLocation::Query => query.push((name.clone(), value.clone())),
                        KeyLocation::Cookie => {
                            if !is_cookie_token(name) || !is_cookie_value(value) {
                                return Err(Error::config(format!(
                                    "API key `{name}` is not a valid cookie name or value"
                                )));
                            }
                            cookies.push((name.clone(), value.clone()));
                        }
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
                Scheme::Static {
                    headers,
                    query,
                    cookies,
                }
            }
            Creds::Provider(provider) => Scheme::Provider(provider.clone()),
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
        })
    }
}

impl Chosen<'_> {
    /// Whether an API key of this name is to be sent.
    fn sends_key(&self, name: &str) -> bool {
        self.keys
            .is_none_or(|keys| keys.iter().any(|k| k.name.eq_ignore_ascii_case(name)))
    }

    /// Places static credentials on a request being built: API keys onto
    /// the query string, auth headers and the cookie into `headers` (where
    /// later per-call headers may still replace them).
    pub(crate) fn sign(&self, query: &mut String, headers: &mut HeaderMap) {
        let Some(Scheme::Static {
            headers: auth,
            query: keys,
            cookies,
        }) = self.scheme
        else {
            return;
        };
        for (name, value) in auth {
            if self.keys.is_none() || self.sends_key(name.as_str()) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if !(keys.is_empty() && cookies.is_empty()) {
            self.sign_keys(keys, cookies, query, headers);
        }
    }

    /// [`sign`](Self::sign)'s API keys in the query and in the cookie.
    #[inline(never)]
    fn sign_keys(
        &self,
        keys: &[(String, String)],
        cookies: &[(String, String)],
        query: &mut String,
        headers: &mut HeaderMap,
    ) {
        push_query(
            query,
            keys.iter()
                .filter(|(n, _)| self.sends_key(n))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let cookie: Vec<String> = cookies
            .iter()
            .filter(|(n, _)| self.sends_key(n))
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        if let Some(value) = (!cookie.is_empty())
            .then(|| sensitive(&cookie.join("; ")))
            .flatten()
        {
            headers.insert(reqwest::header::COOKIE, value);
        }
    }

    /// Whether [`authorise`](Chosen::authorise) has a token to place: an
    /// OAuth2 token or the token provider's (static credentials are placed
    /// by [`sign`](Chosen::sign)).
    pub(crate) fn fetches_token(&self) -> bool {
        matches!(self.scheme, Some(Scheme::OAuth2(_) | Scheme::Provider(_)))
    }

    /// Places an access token on one attempt of a request: an OAuth2 token
    /// (fetched, within `timeout`, when none is cached) or the token
    /// provider's. Fails when no token could be obtained, in which case
    /// nothing was sent to the API.
    pub(crate) async fn authorise(
        &self,
        request: &mut reqwest::Request,
        transport: &Transport,
        timeout: Duration,
    ) -> Result<Grant, Error> {
        match self.scheme {
            Some(Scheme::OAuth2(oauth)) => {
                // Not boxed here: the caller boxes this whole future, which
                // only calls with a fetched token make.
                let (header, generation) = oauth.token(transport, timeout).await?;
                request.headers_mut().insert(AUTHORIZATION, header);
                Ok(Grant(Some(generation)))
            }
            Some(Scheme::Provider(provider)) => {
                let refresh = self.refresh.swap(false, Ordering::Relaxed);
                let token = (provider.0)(TokenRequest { refresh }).await?;
                let header = sensitive(&format!("Bearer {token}")).ok_or_else(|| {
                    Error::config("the token provider returned characters not allowed in a header")
                })?;
                request.headers_mut().insert(AUTHORIZATION, header);
                Ok(Grant(Some(0)))
            }
            _ => Ok(Grant::NONE),
        }
    }

    /// Whether a request that carried `grant` and got a 401 may succeed if
    /// sent again after [`on_unauthorised`](Chosen::on_unauthorised): its
    /// token came from an OAuth2 cache or a token provider.
    pub(crate) fn renews(&self, grant: Grant) -> bool {
        matches!(
            (self.scheme, grant),
            (
                Some(Scheme::OAuth2(_) | Scheme::Provider(_)),
                Grant(Some(_))
            )
        )
    }

    /// Handles a 401 to a request that carried `grant`: drops the rejected
    /// OAuth2 token, or has the token provider asked for a fresh one.
    pub(crate) async fn on_unauthorised(&self, grant: Grant) {
        match (self.scheme, grant) {
            (Some(Scheme::OAuth2(oauth)), Grant(Some(generation))) => {
                oauth.invalidate(generation).await;
            }
            (Some(Scheme::Provider(_)), Grant(Some(_))) => {
                self.refresh.store(true, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// A cookie name (RFC 6265 §4.1.1: an RFC 7230 token).
fn is_cookie_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A cookie value (RFC 6265 §4.1.1, unquoted).
fn is_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && !b"\",;\\".contains(&b))
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
            let mut err =
                answer.into_api_error(TOKEN_OPERATION, None, crate::error::BODY_SNIPPET_LEN);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_names_and_values_follow_rfc_6265() {
        assert!(is_cookie_token("rf_session") && is_cookie_token("a.b-c!"));
        assert!(!is_cookie_token("") && !is_cookie_token("a b") && !is_cookie_token("a=b"));
        assert!(is_cookie_value("abc123+/=") && is_cookie_value(""));
        for bad in ["a;b", "a b", "a,b", "a\"b", "a\\b", "é", "a\nb"] {
            assert!(!is_cookie_value(bad), "{bad:?}");
        }
    }

    static PROFILE: ApiProfile = ApiProfile {
        name: "t",
        version: "1",
        default_base_url: "http://x",
        base_url_env: None,
        auth: &[
            AuthMethod::Bearer { env: None },
            AuthMethod::ApiKeys(&[ApiKey {
                location: KeyLocation::Query,
                name: "k",
                env: None,
            }]),
            AuthMethod::Basic {
                user_env: None,
                password_env: None,
            },
        ],
        error_details: None,
    };

    fn signed(auth: &Auth, security: Security) -> (String, HeaderMap) {
        let (mut query, mut headers) = (String::new(), HeaderMap::new());
        auth.choose(security).sign(&mut query, &mut headers);
        (query, headers)
    }

    #[test]
    fn each_operation_gets_its_first_configured_alternative() {
        let base = Url::parse("http://x").unwrap();
        let credentials =
            Credentials::basic("u", "p").and(Credentials::api_keys([("k", "v"), ("other", "o")]));
        let auth = Auth::new(&credentials, &PROFILE, &base).unwrap();
        // Bearer has no credentials: basic, then the key, as each op asks.
        let (query, headers) = signed(&auth, Security::Alternatives(&[0, 2, 1]));
        assert_eq!(
            (query.as_str(), headers["authorization"].to_str().unwrap()),
            ("", "Basic dTpw")
        );
        // Only the scheme's own key goes out, not the other given with it.
        let (query, headers) = signed(&auth, Security::Alternatives(&[1]));
        assert_eq!((query.as_str(), headers.len()), ("k=v", 0));
        let (query, headers) = signed(&auth, Security::None);
        assert_eq!((query.as_str(), headers.len()), ("", 0));
        let (query, headers) = signed(&auth, Security::Alternatives(&[0]));
        assert_eq!((query.as_str(), headers.len()), ("", 0));
        // Any: the profile's first method with credentials (the key), with
        // every key given, as before per-operation security (`other` is not
        // in the profile: a header).
        let (query, headers) = signed(&auth, Security::Any);
        assert_eq!((query.as_str(), headers.len()), ("k=v", 1));
        assert_eq!(headers["other"], "o");
    }
}
