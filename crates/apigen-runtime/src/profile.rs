//! Static, per-API facts that generated crates emit as one `static`
//! [`ApiProfile`].

/// Everything the runtime needs to know about one API, generated from its
/// spec as a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiProfile {
    /// Name of the SDK, e.g. `cloudflare-access-users`. Sent in the
    /// `User-Agent` header as `<name>/<version> apigen-runtime/<version>`.
    pub name: &'static str,
    /// Version of the SDK crate.
    pub version: &'static str,
    /// Base URL used when neither the configuration nor the environment
    /// names one, e.g. `https://api.cloudflare.com/client/v4`.
    pub default_base_url: &'static str,
    /// Environment variable that overrides the base URL (read by
    /// `Config::from_env`), e.g. `CLOUDFLARE_BASE_URL`.
    pub base_url_env: Option<&'static str>,
    /// Accepted ways to authenticate, in order of preference (the spec's
    /// `security` alternatives).
    pub auth: &'static [AuthMethod],
    /// Field of an error body that holds an array of
    /// `{code, message, documentation_url, source: {pointer}}` objects
    /// (`errors` for Cloudflare); `None` when the API has no such field.
    pub error_details: Option<&'static str>,
}

/// One way to authenticate to an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// Environment variable holding the token, e.g.
        /// `CLOUDFLARE_API_TOKEN`.
        env: Option<&'static str>,
    },
    /// API keys, all sent together (for example Cloudflare's
    /// `X-Auth-Email` and `X-Auth-Key`).
    ApiKeys(&'static [ApiKey]),
    /// OAuth2 client-credentials grant: the runtime exchanges a client id
    /// and secret for an access token, caches it, and sends it as a bearer
    /// token.
    OAuth2ClientCredentials {
        /// Token endpoint; a relative URL is resolved against the base URL.
        token_url: &'static str,
        /// Environment variable holding the client id.
        client_id_env: Option<&'static str>,
        /// Environment variable holding the client secret.
        client_secret_env: Option<&'static str>,
        /// Scopes to request (none: the `scope` parameter is omitted).
        scopes: &'static [&'static str],
    },
    /// HTTP basic authentication: `Authorization: Basic …` from a user name
    /// and password ([`Credentials::basic`](crate::Credentials::basic)).
    Basic {
        /// Environment variable holding the user name.
        user_env: Option<&'static str>,
        /// Environment variable holding the password.
        password_env: Option<&'static str>,
    },
    /// An access token the caller obtains (OAuth2 authorization code,
    /// implicit or password flow, or OpenID Connect), sent as a bearer
    /// token: [`Credentials::access_token`](crate::Credentials::access_token)
    /// or [`Credentials::token_provider`](crate::Credentials::token_provider).
    AccessToken {
        /// Environment variable holding the token.
        env: Option<&'static str>,
    },
}

impl AuthMethod {
    /// The environment variables this method reads, in order.
    pub fn env_vars(&self) -> Vec<&'static str> {
        match self {
            AuthMethod::Bearer { env } | AuthMethod::AccessToken { env } => {
                env.iter().copied().collect()
            }
            AuthMethod::Basic {
                user_env,
                password_env,
            } => user_env
                .iter()
                .chain(password_env.iter())
                .copied()
                .collect(),
            AuthMethod::ApiKeys(keys) => keys.iter().filter_map(|k| k.env).collect(),
            AuthMethod::OAuth2ClientCredentials {
                client_id_env,
                client_secret_env,
                ..
            } => client_id_env
                .iter()
                .chain(client_secret_env.iter())
                .copied()
                .collect(),
        }
    }
}

/// One API key of an [`AuthMethod::ApiKeys`] method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKey {
    /// Where the key is sent.
    pub location: KeyLocation,
    /// Header or query parameter name, e.g. `X-Auth-Key`.
    pub name: &'static str,
    /// Environment variable holding the key, e.g. `CLOUDFLARE_API_KEY`.
    pub env: Option<&'static str>,
}

/// Where an [`ApiKey`] is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    /// As a request header (marked sensitive).
    Header,
    /// As a query parameter. Request URLs are then never included in errors
    /// or logs.
    Query,
    /// As a cookie, in the `Cookie` header (marked sensitive).
    Cookie,
}
