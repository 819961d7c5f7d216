//! Building requests: a client's base URL and default headers, and the
//! [`Prepared`] request of one call (URL, headers and body), built once and
//! reused by every attempt.

use http::HeaderMap;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};

use crate::auth::Auth;
use crate::config::Config;
use crate::encode::{header, push_query, render_path};
use crate::error::Error;
use crate::operation::{Method, OperationInfo, RequestParts};
use crate::profile::ApiProfile;

/// What every request of one client starts from.
pub(crate) struct Requests {
    /// Without a trailing `/`.
    base_url: String,
    /// `User-Agent`, `Accept` and the configured default headers.
    headers: HeaderMap,
}

/// A request ready to be sent (and re-sent on retry).
pub(crate) struct Prepared {
    method: reqwest::Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
}

impl Requests {
    /// Checks the configured (or the profile's) base URL and assembles the
    /// default headers. Also returns the parsed base URL.
    pub(crate) fn new(profile: &ApiProfile, config: &Config) -> Result<(Requests, Url), Error> {
        let base_url = config
            .base_url
            .as_deref()
            .unwrap_or(profile.default_base_url)
            .trim_end_matches('/')
            .to_owned();
        let base = Url::parse(&base_url)
            .map_err(|_| Error::config("the base URL is not a valid absolute URL"))?;
        if !matches!(base.scheme(), "http" | "https")
            || base.cannot_be_a_base()
            || base.query().is_some()
            || base.fragment().is_some()
            || !base.username().is_empty()
            || base.password().is_some()
        {
            return Err(Error::config(
                "the base URL must be an http or https URL without credentials, query or fragment",
            ));
        }
        if base.scheme() == "https" && !cfg!(feature = "rustls") && config.http_client.is_none() {
            return Err(Error::config(
                "an https base URL needs the `rustls` feature of apigen-runtime (or a preconfigured reqwest client)",
            ));
        }

        let mut headers = HeaderMap::new();
        let mut user_agent = format!(
            "{}/{} apigen-runtime/{}",
            profile.name,
            profile.version,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(suffix) = &config.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::config("the User-Agent contains characters not allowed in a header")
        })?;
        headers.insert(USER_AGENT, user_agent);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &config.default_headers {
            let (name, mut value) = header(name, value).map_err(|e| match e {
                Error::InvalidRequest { message } => Error::config(message),
                other => other,
            })?;
            value.set_sensitive(true);
            headers.append(name, value);
        }
        Ok((Requests { base_url, headers }, base))
    }

    /// The base URL requests go to (without a trailing `/`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds the request of one call. Precedence, from weakest: default
    /// headers, the operation's header parameters, static credentials, the
    /// call's own headers. Query order: the operation's, the call's, then
    /// API keys.
    pub(crate) fn build(
        &self,
        info: &OperationInfo,
        parts: &RequestParts,
        call_query: &[(String, String)],
        call_headers: &[(String, String)],
        auth: &Auth,
    ) -> Result<Prepared, Error> {
        let path = render_path(info.path_template, parts.path_params())?;
        let mut query = String::new();
        push_query(
            &mut query,
            parts
                .query_params()
                .iter()
                .map(|(n, v)| (n.as_ref(), v.as_str())),
        );
        push_query(
            &mut query,
            call_query.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let mut headers = self.headers.clone();
        for (name, value) in parts.header_params() {
            let (name, value) = header(name, value)?;
            headers.insert(name, value);
        }
        auth.sign(&mut query, &mut headers);
        for (name, value) in call_headers {
            let (name, mut value) = header(name, value)?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }

        let mut url = String::with_capacity(self.base_url.len() + path.len() + query.len() + 1);
        url.push_str(&self.base_url);
        url.push_str(&path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let url = Url::parse(&url).map_err(|_| {
            Error::invalid_request(format!("cannot build a URL for `{}`", info.path_template))
        })?;

        let body = match parts.body() {
            Some(body) => {
                let content_type = HeaderValue::from_str(body.content_type)
                    .map_err(|_| Error::invalid_request("invalid body content type"))?;
                headers.insert(CONTENT_TYPE, content_type);
                Some(body.bytes.clone())
            }
            None => None,
        };
        Ok(Prepared {
            method: to_reqwest_method(info.method),
            url,
            headers,
            body,
        })
    }
}

impl Prepared {
    /// The URL the request goes to.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// A fresh copy to send as one attempt.
    pub(crate) fn to_request(&self) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = self.headers.clone();
        if let Some(body) = &self.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        request
    }
}

fn to_reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Put => reqwest::Method::PUT,
        Method::Post => reqwest::Method::POST,
        Method::Delete => reqwest::Method::DELETE,
        Method::Patch => reqwest::Method::PATCH,
        Method::Head => reqwest::Method::HEAD,
        Method::Options => reqwest::Method::OPTIONS,
        Method::Trace => reqwest::Method::TRACE,
    }
}
