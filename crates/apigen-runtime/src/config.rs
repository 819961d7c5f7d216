//! Client configuration: [`Config`] and the injectable [`Sleeper`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Credentials;
use crate::error::Error;
use crate::profile::{ApiProfile, AuthMethod};
use crate::retry::RetryPolicy;

/// Waits between retries. The default, [`TokioSleeper`], uses
/// `tokio::time::sleep`; tests inject one that records the requested delays
/// and returns at once.
pub trait Sleeper: Send + Sync + 'static {
    /// Returns a future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// The default [`Sleeper`]: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Settings of a [`Client`](crate::Client), built with `with_*` methods.
///
/// ```
/// # use std::time::Duration;
/// use apigen_runtime::{Config, Credentials};
///
/// let config = Config::new(Credentials::bearer("token"))
///     .with_timeout(Duration::from_secs(30))
///     .with_max_retries(4);
/// ```
///
/// | Setting | Default |
/// |---|---|
/// | credentials | none ([`Config::from_env`] reads them from the environment) |
/// | base URL | the profile's `default_base_url` |
/// | timeout (per attempt, connect to end of body) | 60 s |
/// | connect timeout | 5 s |
/// | retries | 2 (3 attempts) |
/// | backoff | 0.5 s doubling to at most 8 s, jitter (×0.75–1) on |
/// | longest `Retry-After` honoured | 60 s (longer: fail at once with the wait) |
/// | response body limit | 64 MiB |
/// | total deadline (all attempts and waits) | none |
/// | error body kept ([`ApiError::body`](crate::ApiError::body)) | 512 bytes |
/// | default headers / query parameters | none |
#[derive(Clone)]
pub struct Config {
    pub(crate) credentials: Credentials,
    pub(crate) base_url: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) default_headers: Vec<(String, String)>,
    pub(crate) default_query: Vec<(String, String)>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) error_body_limit: usize,
    pub(crate) max_response_bytes: u64,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    /// Test doubles answering instead of the network.
    #[cfg(feature = "test-util")]
    pub(crate) mocks: Option<crate::test_util::Mocks>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            credentials: Credentials::none(),
            base_url: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            default_headers: Vec::new(),
            default_query: Vec::new(),
            total_timeout: None,
            error_body_limit: crate::error::BODY_SNIPPET_LEN,
            max_response_bytes: 64 * 1024 * 1024,
            user_agent_suffix: None,
            http_client: None,
            sleeper: Arc::new(TokioSleeper),
            #[cfg(feature = "test-util")]
            mocks: None,
        }
    }
}

impl Config {
    /// Default settings with these credentials.
    pub fn new(credentials: Credentials) -> Self {
        Config {
            credentials,
            ..Config::default()
        }
    }

    /// Reads credentials and the base URL from the process environment.
    ///
    /// Credentials come from every one of the profile's
    /// [`auth`](ApiProfile::auth) alternatives whose environment variables
    /// are all set and non-empty, and each call uses the first of them its
    /// operation accepts (for Cloudflare: `CLOUDFLARE_API_TOKEN`, else
    /// `CLOUDFLARE_EMAIL` with `CLOUDFLARE_API_KEY`). The base URL comes
    /// from [`base_url_env`](ApiProfile::base_url_env) when set.
    ///
    /// Fails with [`Error::Config`] naming the variables to set when no
    /// alternative is complete (a profile with no auth needs none).
    pub fn from_env(profile: &ApiProfile) -> Result<Self, Error> {
        Self::from_env_with(profile, |name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with a custom variable lookup (for tests, or
    /// another source of settings).
    pub fn from_env_with(
        profile: &ApiProfile,
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let mut get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut config = Config::default();
        if let Some(var) = profile.base_url_env {
            config.base_url = get(var);
        }
        if profile.auth.is_empty() {
            return Ok(config);
        }
        // Every complete alternative: each call then uses the first its
        // operation accepts.
        let mut found = Credentials::none();
        for method in profile.auth {
            if let Some(credentials) = credentials_from_env(method, &mut get) {
                found = found.and(credentials);
            }
        }
        if !found.is_none() {
            config.credentials = found;
            return Ok(config);
        }
        let alternatives: Vec<String> = profile
            .auth
            .iter()
            .map(|m| m.env_vars())
            .filter(|vars| !vars.is_empty())
            .map(|vars| vars.join(" and "))
            .collect();
        Err(Error::config(if alternatives.is_empty() {
            format!(
                "no credentials for {}: this API needs credentials, pass them with `Config::new`",
                profile.name
            )
        } else {
            format!(
                "no credentials for {} found in the environment: set {}",
                profile.name,
                alternatives.join(", or ")
            )
        }))
    }

    /// Sets the credentials.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sets the base URL (default: the profile's `default_base_url`).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the timeout of each attempt, from connecting to the end of the
    /// body (default 60 s). Override per call with
    /// [`Call::timeout`](crate::Call::timeout).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connect timeout (default 5 s).
    ///
    /// A `reqwest::Client` cannot be reconfigured, so with
    /// [`with_http_client`](Config::with_http_client) this setting is not
    /// applied: set `reqwest::ClientBuilder::connect_timeout` on that client
    /// instead. The per-attempt timeout and the total deadline still bound
    /// connecting there.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets how many times a failed request is retried (default 2).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Sets the delay before the first retry (default 0.5 s); it doubles
    /// for each further retry.
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.retry.initial_backoff = delay;
        self
    }

    /// Sets the longest backoff delay (default 8 s).
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.retry.max_backoff = delay;
        self
    }

    /// Turns jitter (multiplying each backoff by a random factor in
    /// [0.75, 1]) on or off (default on).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.retry.jitter = jitter;
        self
    }

    /// Sets the longest `Retry-After` the client waits for (default 60 s).
    /// When the server asks for longer, the call fails at once with an
    /// [`Error::Api`] whose [`retry_after`](Error::retry_after) is the wait.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.retry.max_retry_after = max;
        self
    }

    /// Adds a header sent with every request (its value is marked sensitive
    /// and never printed).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter sent with every request (after the
    /// operation's own parameters, before the call's).
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_query.push((name.into(), value.into()));
        self
    }

    /// Sets a deadline for a whole call: every attempt and every wait
    /// between attempts (default: none, only the per-attempt timeout).
    ///
    /// An attempt still running at the deadline fails the call with
    /// [`Error::Deadline`]; a retry whose wait would end past the deadline
    /// is not made, and the last error is returned. Override per call with
    /// [`Call::total_timeout`](crate::Call::total_timeout). For pagination,
    /// the deadline applies to each page's request.
    pub fn with_total_timeout(mut self, deadline: Duration) -> Self {
        self.total_timeout = Some(deadline);
        self
    }

    /// Sets how many bytes of an error response's body an error keeps
    /// ([`ApiError::body`](crate::ApiError::body), and the body of
    /// [`Error::Decode`]); default [`BODY_SNIPPET_LEN`](crate::BODY_SNIPPET_LEN)
    /// (512). Bodies are always bounded by
    /// [`with_max_response_bytes`](Config::with_max_response_bytes).
    pub fn with_error_body_limit(mut self, bytes: usize) -> Self {
        self.error_body_limit = bytes;
        self
    }

    /// Answers every call from these test doubles instead of the network
    /// (feature `test-util`). Waits between retries are recorded by the
    /// doubles and not slept. See [`test_util::Mocks`](crate::test_util::Mocks).
    #[cfg(feature = "test-util")]
    pub fn with_mocks(mut self, mocks: crate::test_util::Mocks) -> Self {
        self.sleeper = Arc::new(mocks.sleeper());
        self.mocks = Some(mocks);
        self
    }

    /// The total deadline of a call, when set.
    pub fn total_timeout(&self) -> Option<Duration> {
        self.total_timeout
    }

    /// Sets the largest response body accepted, in bytes (default 64 MiB).
    /// Larger bodies fail with [`Error::ResponseTooLarge`].
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Appends text to the `User-Agent` header.
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Uses a preconfigured `reqwest::Client` (for proxies, custom TLS
    /// roots, …). Its own redirect policy and connect timeout then apply;
    /// configure it with `reqwest::redirect::Policy::none()` so that
    /// credentials never follow a redirect (the runtime refuses 3xx
    /// responses that reach it with [`Error::Redirect`]).
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Replaces how the client waits between retries.
    pub fn with_sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The base URL, when set.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// How many times a failed request is retried.
    pub fn max_retries(&self) -> u32 {
        self.retry.max_retries
    }

    /// The largest response body accepted, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self
            .default_headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        f.debug_struct("Config")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("default_headers", &header_names)
            .field(
                "default_query",
                &self
                    .default_query
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("total_timeout", &self.total_timeout)
            .field("error_body_limit", &self.error_body_limit)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("custom_http_client", &self.http_client.is_some())
            .finish_non_exhaustive()
    }
}

fn credentials_from_env(
    method: &AuthMethod,
    get: &mut impl FnMut(&str) -> Option<String>,
) -> Option<Credentials> {
    match method {
        AuthMethod::Bearer { env } => get((*env)?).map(Credentials::bearer),
        AuthMethod::AccessToken { env } => get((*env)?).map(Credentials::access_token),
        AuthMethod::Basic {
            user_env,
            password_env,
        } => {
            let user = get((*user_env)?)?;
            let password = get((*password_env)?)?;
            Some(Credentials::basic(user, password))
        }
        AuthMethod::ApiKeys(keys) => {
            if keys.is_empty() {
                return None;
            }
            let mut pairs = Vec::with_capacity(keys.len());
            for key in keys.iter() {
                pairs.push((key.name, get(key.env?)?));
            }
            Some(Credentials::api_keys(pairs))
        }
        AuthMethod::OAuth2ClientCredentials {
            client_id_env,
            client_secret_env,
            ..
        } => {
            let id = get((*client_id_env)?)?;
            let secret = get((*client_secret_env)?)?;
            Some(Credentials::oauth2_client_credentials(id, secret))
        }
    }
}
