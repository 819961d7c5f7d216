//! Building requests: a client's base URL and default headers, and the
//! [`Prepared`] request of one call (URL, headers and body). A body held in
//! memory is moved into the first attempt and the request built again for a
//! later one; a streamed body's request is built once and copied.

use http::HeaderMap;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, USER_AGENT};

use crate::auth::Chosen;
use crate::config::Config;
use crate::encode::{header, push_path, push_query};
use crate::error::Error;
use crate::multipart::Segment;
use crate::operation::{Method, OperationInfo, RequestParts};
use crate::profile::ApiProfile;

/// What every request of one client starts from.
#[derive(Clone)]
pub(crate) struct Requests {
    base: BaseUrl,
    /// `User-Agent`, `Accept` and the configured default headers.
    headers: HeaderMap,
    /// The configured default query parameters.
    query: Vec<(String, String)>,
    /// Whether the caller brought its own `reqwest::Client` (which may do
    /// TLS without our `rustls` feature).
    custom_http: bool,
}

/// A request ready to be sent: moved into one attempt, or, with a streamed
/// body, copied into each (its streams can be taken once).
pub(crate) struct Prepared {
    method: reqwest::Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    /// A streamed body: sent by the first attempt only.
    streamed: Option<Vec<Segment>>,
}

impl Requests {
    /// Checks the configured (or the profile's) base URL and assembles the
    /// default headers. Also returns the parsed base URL.
    pub(crate) fn new(profile: &ApiProfile, config: &Config) -> Result<(Requests, Url), Error> {
        let custom_http = config.http_client.is_some();
        let base = check_base_url(
            config
                .base_url
                .as_deref()
                .unwrap_or(profile.default_base_url),
            custom_http,
        )?;

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
        let parsed = base.parsed.clone();
        let mut requests = Requests {
            base,
            headers,
            query: config.default_query.clone(),
            custom_http,
        };
        for (name, value) in &config.default_headers {
            requests.add_header(name, value)?;
        }
        Ok((requests, parsed))
    }

    /// A copy for a derived client: another base URL, more default headers
    /// (replacing those of the same name) and query parameters.
    pub(crate) fn derive(
        &self,
        base_url: Option<&str>,
        headers: &[(String, String)],
        query: &[(String, String)],
    ) -> Result<Requests, Error> {
        let mut requests = self.clone();
        if let Some(url) = base_url {
            requests.base = check_base_url(url, self.custom_http)?;
        }
        for (name, _) in headers {
            if let Ok(name) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) {
                requests.headers.remove(name);
            }
        }
        for (name, value) in headers {
            requests.add_header(name, value)?;
        }
        requests.query.extend(query.iter().cloned());
        Ok(requests)
    }

    /// Adds a default header, marked sensitive.
    fn add_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let (name, mut value) = header(name, value).map_err(|e| match e {
            Error::InvalidRequest { message } => Error::config(message),
            other => other,
        })?;
        value.set_sensitive(true);
        self.headers.append(name, value);
        Ok(())
    }
}

/// A client's base URL, checked by [`check_base_url`].
#[derive(Debug, Clone)]
struct BaseUrl {
    /// As configured, without a trailing `/`.
    text: String,
    /// Parsed: each request's URL starts from a copy of it.
    parsed: Url,
    /// The parsed URL's path without a trailing `/` (empty for the root).
    path: String,
}

/// Checks a base URL.
fn check_base_url(url: &str, custom_http: bool) -> Result<BaseUrl, Error> {
    let base_url = url.trim_end_matches('/').to_owned();
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
    if base.scheme() == "https" && !cfg!(feature = "rustls") && !custom_http {
        return Err(Error::config(
            "an https base URL needs the `rustls` feature of apigen-runtime (or a preconfigured reqwest client)",
        ));
    }
    Ok(BaseUrl {
        path: base.path().trim_end_matches('/').to_owned(),
        text: base_url,
        parsed: base,
    })
}

impl Requests {
    /// The base URL requests go to (without a trailing `/`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base.text
    }

    /// Builds the request of one call. Precedence, from weakest: default
    /// headers, the operation's header parameters, static credentials, the
    /// call's own headers. Query order: the operation's, the client's
    /// defaults, the call's, then API keys. `extra_body` fields are merged
    /// into (and override) the JSON body's top-level fields.
    ///
    /// What most calls do not have (a query, header or cookie parameters,
    /// per-call headers, a body) is added by functions of its own, so that
    /// the code every call runs stays dense.
    pub(crate) fn build(
        &self,
        info: &OperationInfo,
        mut parts: RequestParts,
        call_query: &[(String, String)],
        call_headers: &[(String, String)],
        extra_body: Option<&serde_json::Map<String, serde_json::Value>>,
        auth: &Chosen<'_>,
    ) -> Result<Prepared, Error> {
        let mut path = String::with_capacity(self.base.path.len() + info.path_template.len() + 80);
        path.push_str(&self.base.path);
        push_path(&mut path, info.path_template, parts.path_params())?;
        let mut query = String::new();
        if !(parts.query.is_empty() && self.query.is_empty() && call_query.is_empty()) {
            query = self.query_string(&parts, call_query);
        }
        // Built with room for the request's own headers: a clone of the
        // defaults is full, and would be copied again when the first
        // (credential, content type, parameter) header is added.
        let mut headers = HeaderMap::with_capacity(
            self.headers.len() + parts.header_params().len() + call_headers.len() + 3,
        );
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        if !(parts.headers.is_empty() && parts.cookies.is_empty()) {
            parameter_headers(&mut headers, &parts)?;
        }
        auth.sign(&mut query, &mut headers);
        if !call_headers.is_empty() {
            add_call_headers(&mut headers, call_headers)?;
        }
        let Some(url) = self.url(&path, self.base.path.len(), &query) else {
            return Err(no_url(info));
        };
        let (body, streamed) = match (parts.body.take(), extra_body) {
            (None, None) => (None, None),
            (body, extra) => attach_body(&mut headers, body, extra)?,
        };
        Ok(Prepared {
            method: to_reqwest_method(info.method),
            url,
            headers,
            body,
            streamed,
        })
    }

    /// The query string: the operation's parameters (already encoded, each
    /// in its style), then the client's defaults and the call's, encoded.
    #[inline(never)]
    fn query_string(&self, parts: &RequestParts, call_query: &[(String, String)]) -> String {
        let mut query = parts
            .query_params()
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        push_query(
            &mut query,
            self.query
                .iter()
                .chain(call_query)
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        query
    }
}

/// Adds the operation's header parameters, and its cookie parameters as
/// one `Cookie` header.
#[inline(never)]
fn parameter_headers(headers: &mut HeaderMap, parts: &RequestParts) -> Result<(), Error> {
    for (name, value) in parts.header_params() {
        let (name, value) = header(name, value)?;
        headers.insert(name, value);
    }
    if !parts.cookie_params().is_empty() {
        let cookie = parts
            .cookie_params()
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let (name, mut value) = header("cookie", &cookie)?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(())
}

/// Adds the call's own headers (`Call::header`), marked sensitive.
#[inline(never)]
fn add_call_headers(
    headers: &mut HeaderMap,
    call_headers: &[(String, String)],
) -> Result<(), Error> {
    for (name, value) in call_headers {
        let (name, mut value) = header(name, value)?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(())
}

/// A [`Prepared`] request's body: bytes held in memory, or streamed parts.
type SentBody = (Option<Vec<u8>>, Option<Vec<Segment>>);

/// The body to send, its `Content-Type` (and `Content-Length` when
/// streamed) set: the operation's, with `extra` fields merged in when
/// given, and its streamed parts apart.
#[inline(never)]
fn attach_body(
    headers: &mut HeaderMap,
    body: Option<crate::operation::Body>,
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<SentBody, Error> {
    if let Some(extra) = extra {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Ok((Some(merge_body(body.as_ref(), extra)?), None));
    }
    let Some(body) = body else {
        return Ok((None, None));
    };
    let content_type = HeaderValue::from_str(&body.content_type)
        .map_err(|_| Error::invalid_request("invalid body content type"))?;
    headers.insert(CONTENT_TYPE, content_type);
    let mut streamed = None;
    if let Some((segments, len)) = body.streamed {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        streamed = Some(segments);
    }
    Ok((Some(body.bytes), streamed))
}

#[cold]
fn no_url(info: &OperationInfo) -> Error {
    Error::invalid_request(format!("cannot build a URL for `{}`", info.path_template))
}

/// The bytes a path may hold to be set on a URL rather than parsed with
/// it: no space or control character, no `?`, `#` or `\\` (one load per
/// byte).
const PLAIN_PATH: [bool; 256] = plain_bytes(b"?#\\");

/// The same for a query: no space or control character, no `#`.
const PLAIN_QUERY: [bool; 256] = plain_bytes(b"#");

const fn plain_bytes(special: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = b' ' as usize + 1;
    while byte < 256 {
        table[byte] = byte != 0x7f;
        byte += 1;
    }
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = false;
        i += 1;
    }
    table
}

impl Requests {
    /// The URL of `path` (the base URL's path, then the operation's from
    /// byte `op_start` on) and `query`. The base URL is parsed once per
    /// client: a request's URL is a copy of it with the path and query set,
    /// the URL that parsing the whole string gives. A path or query that
    /// parsing reads differently from a setter (a `?`, `#` or `\\` in the
    /// path, a `#` in the query, spaces or control characters, which parsing
    /// strips) is parsed whole, as it always was; encoded values never hold
    /// one.
    fn url(&self, path: &str, op_start: usize, query: &str) -> Option<Url> {
        let plain = |text: &str, table: &[bool; 256]| text.bytes().all(|b| table[usize::from(b)]);
        if path.starts_with('/') && plain(path, &PLAIN_PATH) && plain(query, &PLAIN_QUERY) {
            let mut url = self.base.parsed.clone();
            url.set_path(path);
            if !query.is_empty() {
                url.set_query(Some(query));
            }
            return Some(url);
        }
        self.parse_url(path.get(op_start..)?, query)
    }

    /// The URL of the operation's path and `query` after the base URL, by
    /// parsing the whole string.
    fn parse_url(&self, op_path: &str, query: &str) -> Option<Url> {
        let mut url = String::with_capacity(self.base.text.len() + op_path.len() + query.len() + 1);
        url.push_str(&self.base.text);
        url.push_str(op_path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        Url::parse(&url).ok()
    }
}

impl Prepared {
    /// The method.
    #[cfg(feature = "test-util")]
    pub(crate) fn method(&self) -> &reqwest::Method {
        &self.method
    }

    /// The headers (credentials included).
    #[cfg(feature = "test-util")]
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, if any.
    #[cfg(feature = "test-util")]
    pub(crate) fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The URL the request goes to.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// Whether the body is streamed (sent once, never retried).
    pub(crate) fn is_streamed(&self) -> bool {
        self.streamed.is_some()
    }

    /// The request of one attempt, from the prepared request in `slot`
    /// (which must hold one). A body held in memory is moved into it with
    /// the URL and headers, leaving `slot` empty: a later attempt builds the
    /// request again, which gives the same bytes. A streamed request stays
    /// in `slot` and the attempt sends a copy, whose streams are taken.
    pub(crate) fn take_request(
        slot: &mut Option<Box<Prepared>>,
    ) -> Result<reqwest::Request, Error> {
        match slot {
            Some(prepared) if prepared.is_streamed() => prepared.to_request(),
            _ => match slot.take() {
                Some(prepared) => Ok(prepared.into_request()),
                None => Err(Error::invalid_request("internal: no request to send")),
            },
        }
    }

    /// The request, its body held in memory, moved out.
    fn into_request(self) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method, self.url);
        *request.headers_mut() = self.headers;
        if let Some(body) = self.body {
            *request.body_mut() = Some(reqwest::Body::from(body));
        }
        request
    }

    /// A copy to send as one attempt of a streamed request. A streamed
    /// body can be taken once: a second attempt (or the same operation sent
    /// again) fails.
    #[cold]
    #[inline(never)]
    fn to_request(&self) -> Result<reqwest::Request, Error> {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = self.headers.clone();
        if let Some(segments) = &self.streamed {
            let mut pieces = Vec::with_capacity(segments.len());
            for segment in segments {
                pieces.push(match segment {
                    Segment::Bytes(bytes) => Piece::Bytes(Some(bytes.clone())),
                    Segment::Stream(stream) => Piece::Stream(stream.take().ok_or_else(|| {
                        Error::invalid_request(
                            "a streamed file part can be sent once; build a new one to send again",
                        )
                    })?),
                });
            }
            *request.body_mut() = Some(reqwest::Body::wrap_stream(Pieces { pieces, current: 0 }));
        } else if let Some(body) = &self.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        Ok(request)
    }
}

/// One piece of a streamed body, as it is sent.
enum Piece {
    Bytes(Option<Vec<u8>>),
    Stream(crate::multipart::ChunkStream),
}

/// The pieces of a streamed body, one after another.
struct Pieces {
    pieces: Vec<Piece>,
    current: usize,
}

impl futures_core::Stream for Pieces {
    type Item = Result<Vec<u8>, crate::error::BoxError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        loop {
            let current = self.current;
            let Some(piece) = self.pieces.get_mut(current) else {
                return Poll::Ready(None);
            };
            match piece {
                Piece::Bytes(bytes) => match bytes.take() {
                    Some(bytes) => return Poll::Ready(Some(Ok(bytes))),
                    None => self.current += 1,
                },
                Piece::Stream(stream) => match stream.as_mut().poll_next(cx) {
                    Poll::Ready(None) => self.current += 1,
                    other => return other,
                },
            }
        }
    }
}

/// The typed JSON body with `extra` fields merged in at the top level (an
/// operation without a body gets an object of the extras). Only a JSON
/// object body can take extra fields.
fn merge_body(
    body: Option<&crate::operation::Body>,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<u8>, Error> {
    let mut object = match body {
        None => serde_json::Map::new(),
        Some(body) if body.content_type == "application/json" => {
            match serde_json::from_slice::<serde_json::Value>(&body.bytes) {
                Ok(serde_json::Value::Object(object)) => object,
                _ => {
                    return Err(Error::invalid_request(
                        "extra body fields need a JSON object body",
                    ));
                }
            }
        }
        Some(_) => {
            return Err(Error::invalid_request(
                "extra body fields need a JSON request body",
            ));
        }
    };
    for (name, value) in extra {
        object.insert(name.clone(), value.clone());
    }
    serde_json::to_vec(&object)
        .map_err(|e| Error::invalid_request(format!("request body cannot be serialized: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Body;
    use serde_json::json;

    fn extra(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }

    /// Setting the path and query on a copy of the parsed base URL gives
    /// the URL that parsing the whole string gives, for every base URL,
    /// plain or odd (dot segments, spaces, upper case, non-ASCII), and every
    /// path and query, plain (the setters) or not (parsed whole).
    #[test]
    fn url_from_the_parsed_base_is_the_parsed_whole_url() {
        let bases = [
            "http://h",
            "http://h/",
            "http://127.0.0.1:8080/client/v4",
            "https://api.example.com/client/v4/",
            "http://h/a/../b",
            "http://h/a/b/..",
            "http://h/a/.",
            "http://h/my api",
            "http://H:80/A",
            "http://h/x%2Fy",
            "http://h/%C3%A4/ä",
            "http://h//double//",
        ];
        let paths = [
            "/accounts/023e105f/access/users/f174e90a-fafe",
            "/",
            "/a%2Fb",
            "/%2e%2e/x",
            "/x/..",
            "/x/./y",
            "/a b",
            "/a?b",
            "/a#b",
            "/a\\b",
            "/ä/€",
            "//x",
            "/a%zz",
            "/a\tb",
            "/x/",
        ];
        let queries = [
            "",
            "a=1&b=2",
            "a=%20&b=%C3%A4",
            "q=a b",
            "x=#y",
            "k='\"<>`",
            "ä=1",
            "a=b?c",
            "a=\n",
            "a[]=1&b=x|y",
        ];
        for base in bases {
            let requests = Requests {
                base: check_base_url(base, true).unwrap(),
                headers: HeaderMap::new(),
                query: Vec::new(),
                custom_http: true,
            };
            for op_path in paths {
                for query in queries {
                    let path = format!("{}{op_path}", requests.base.path);
                    let ours = requests.url(&path, requests.base.path.len(), query);
                    let whole = requests.parse_url(op_path, query);
                    assert_eq!(
                        ours.as_ref().map(Url::as_str),
                        whole.as_ref().map(Url::as_str),
                        "{base} {op_path} {query}"
                    );
                    assert_eq!(ours, whole, "{base} {op_path} {query}");
                }
            }
        }
    }

    #[test]
    fn extra_fields_merge_over_the_typed_body() {
        let body = Body::new(
            "application/json",
            br#"{"email":"a@x","name":"A"}"#.to_vec(),
        );
        let merged = merge_body(Some(&body), &extra(json!({"name": "B", "seat": true}))).unwrap();
        let merged: serde_json::Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(merged, json!({"email": "a@x", "name": "B", "seat": true}));
        let alone = merge_body(None, &extra(json!({"reason": "x"}))).unwrap();
        assert_eq!(alone, br#"{"reason":"x"}"#);
    }

    #[test]
    fn extra_fields_need_a_json_object_body() {
        let array = Body::new("application/json", b"[1]".to_vec());
        let binary = Body::new("application/octet-stream", vec![0, 1]);
        for body in [array, binary] {
            let err = merge_body(Some(&body), &extra(json!({"a": 1}))).unwrap_err();
            assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        }
    }
}
