//! Helpers for testing code that uses the client (feature `test-util`):
//! typed test doubles ([`Mocks`]) and a [`RecordingSleeper`].
//!
//! A [`Mocks`] answers calls instead of the network. Stubs are typed: the
//! reply to an operation is its output type (or an error status with the
//! API's error details, or a rate limit), matched on the operation's typed
//! arguments. The reply is encoded as the API would send it (inside the
//! envelope, with the error body and headers) and then goes through the
//! client's real pipeline: decoding, envelope checks, error mapping,
//! retries and pagination. What a test sees is what production sees.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::Credentials;
use crate::config::{Config, Sleeper};
use crate::error::{ApiErrorDetail, Error};
use crate::operation::{Operation, OperationInfo, ResponseShape};
use crate::request::Prepared;
use crate::response::RedactedHeaders;
use crate::transport::{Exchange, Failure};

/// A [`Sleeper`] that records the delays the client asks for and returns at
/// once, so that retry tests run instantly and can assert the waits.
///
/// Clones share one record: keep a clone, pass the other to
/// [`Config::with_sleeper`](crate::Config::with_sleeper).
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    /// The delays requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// Typed test doubles: stubbed replies per operation, and a record of every
/// call. Clones share the stubs and the record.
///
/// Build a client on [`Mocks::config`] (or pass the mocks to
/// [`Config::with_mocks`]), stub operations with [`Mocks::on`], run the
/// code under test, then assert with [`Mocks::calls`] (typed arguments),
/// [`Mocks::requests`] (what would have been sent) and [`Mocks::sleeps`]
/// (the waits between retries, recorded and not slept).
///
/// Rules are tried in the order they were added; the first whose operation
/// type and [`when`](Stub::when) match answers. Its replies are used in
/// order and the last one repeats. A call no rule matches fails with
/// [`Error::Config`] naming the operation.
///
/// ```
/// use apigen_runtime::test_util::Mocks;
/// # use apigen_runtime::{Operation, OperationInfo, Method, ResponseShape, RequestParts, Error};
/// # #[derive(Clone)] struct GetUser { id: String }
/// # impl Operation for GetUser {
/// #     type Output = String; type Meta = ();
/// #     const INFO: OperationInfo = OperationInfo { operation_id: "get-user", method: Method::Get,
/// #         path_template: "/users/{id}", response: ResponseShape::Plain };
/// #     fn build(&self, r: &mut RequestParts) -> Result<(), Error> { r.path("id", &self.id) }
/// # }
/// # static PROFILE: apigen_runtime::ApiProfile = apigen_runtime::ApiProfile { name: "demo",
/// #     version: "1", default_base_url: "https://api.example.com", base_url_env: None, auth: &[],
/// #     error_details: None };
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Error> {
/// let mocks = Mocks::new();
/// mocks.on::<GetUser>().when(|op| op.id == "gone").then_not_found();
/// mocks.on::<GetUser>().then_ok("Ada".to_owned());
///
/// let client = apigen_runtime::Client::new(&PROFILE, mocks.config())?;
/// let name = client.call(GetUser { id: "u1".into() }).await?.into_inner();
/// assert_eq!(name, "Ada");
/// let err = client.call(GetUser { id: "gone".into() }).await.unwrap_err();
/// assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
///
/// let ids: Vec<String> = mocks.calls::<GetUser>().into_iter().map(|op| op.id).collect();
/// assert_eq!(ids, ["u1", "gone"]);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Mocks {
    state: Arc<Mutex<State>>,
    sleeper: RecordingSleeper,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// How to clone the arguments of each stubbed operation type.
    cloners: HashMap<TypeId, Cloner>,
    calls: Vec<Recorded>,
}

type Cloner = fn(&dyn Any) -> Option<Box<dyn Any + Send>>;
type Matcher = Box<dyn Fn(&dyn Any) -> bool + Send>;

struct Rule {
    type_id: TypeId,
    matcher: Option<Matcher>,
    replies: Vec<Reply>,
    used: usize,
}

#[derive(Clone)]
enum Reply {
    Http {
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    ConnectError,
}

struct Recorded {
    arguments: Option<Box<dyn Any + Send>>,
    request: MockRequest,
}

/// A request a test double received: what would have been sent. `Debug`
/// redacts credential-bearing headers.
#[derive(Clone)]
#[non_exhaustive]
pub struct MockRequest {
    /// `operationId` of the call.
    pub operation_id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The full URL, query included.
    pub url: String,
    /// The headers (credentials included; `Debug` redacts them).
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

impl MockRequest {
    /// The query parameters, decoded, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        reqwest::Url::parse(&self.url)
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }

    /// The body as JSON (`Value::Null` when there is none or it is not
    /// JSON).
    pub fn json_body(&self) -> Value {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null)
    }
}

impl fmt::Debug for MockRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockRequest")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

impl fmt::Debug for Mocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Mocks")
            .field("rules", &state.rules.len())
            .field("calls", &state.calls.len())
            .finish()
    }
}

impl Mocks {
    /// No stubs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A configuration whose clients are answered by these doubles, with a
    /// placeholder bearer token (the doubles ignore credentials).
    pub fn config(&self) -> Config {
        Config::new(Credentials::bearer("test-token")).with_mocks(self.clone())
    }

    /// Adds a rule for calls of `O`, matching every call until narrowed
    /// with [`Stub::when`]; give it replies with the `then_*` methods.
    pub fn on<O>(&self) -> Stub<O>
    where
        O: Operation + Clone + Send,
    {
        let mut state = self.lock();
        state
            .cloners
            .insert(TypeId::of::<O>(), clone_arguments::<O> as Cloner);
        state.rules.push(Rule {
            type_id: TypeId::of::<O>(),
            matcher: None,
            replies: Vec::new(),
            used: 0,
        });
        Stub {
            mocks: self.clone(),
            index: state.rules.len() - 1,
            marker: PhantomData,
        }
    }

    /// The arguments of every call of `O` so far, in order (whether or not
    /// a rule matched it).
    pub fn calls<O: Operation + Clone>(&self) -> Vec<O> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| c.arguments.as_ref()?.downcast_ref::<O>().cloned())
            .collect()
    }

    /// Every request received so far, of any operation, in order (one per
    /// attempt: a retried call appears once per attempt).
    pub fn requests(&self) -> Vec<MockRequest> {
        self.lock()
            .calls
            .iter()
            .map(|c| c.request.clone())
            .collect()
    }

    /// How many requests were received (one per attempt).
    pub fn request_count(&self) -> usize {
        self.lock().calls.len()
    }

    /// The waits between retries the client asked for (none was slept).
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeper.sleeps()
    }

    /// Rules that never answered a call, by index in the order added: a
    /// stub the code under test did not reach.
    pub fn unused_rules(&self) -> Vec<usize> {
        self.lock()
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.used == 0)
            .map(|(i, _)| i)
            .collect()
    }

    pub(crate) fn sleeper(&self) -> RecordingSleeper {
        self.sleeper.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers one attempt of a call: records it, then replies from the
    /// first matching rule.
    // `Failure` is what the transport returns too; boxing it here alone
    // would buy nothing.
    #[allow(clippy::result_large_err)]
    pub(crate) fn answer(
        &self,
        operation: &dyn Any,
        info: OperationInfo,
        request: &Prepared,
    ) -> Result<Exchange, Failure> {
        let type_id = operation.type_id();
        let mut state = self.lock();
        let arguments = state
            .cloners
            .get(&type_id)
            .and_then(|clone| clone(operation));
        state.calls.push(Recorded {
            arguments,
            request: MockRequest {
                operation_id: info.operation_id,
                method: request.method().clone(),
                url: request.url().to_string(),
                headers: request.headers().clone(),
                body: request.body().map(<[u8]>::to_vec),
            },
        });
        let rule = state.rules.iter_mut().find(|rule| {
            rule.type_id == type_id && rule.matcher.as_ref().is_none_or(|m| m(operation))
        });
        let Some(rule) = rule else {
            return Err(Failure::Final(Error::config(format!(
                "test double: no stub matches this call of `{}`",
                info.operation_id
            ))));
        };
        let Some(reply) = rule
            .replies
            .get(rule.used.min(rule.replies.len().saturating_sub(1)))
            .cloned()
        else {
            return Err(Failure::Final(Error::config(format!(
                "test double: the stub of `{}` has no reply",
                info.operation_id
            ))));
        };
        rule.used += 1;
        match reply {
            Reply::Http {
                status,
                headers,
                body,
            } => Ok(Exchange {
                status,
                headers,
                body: body.into(),
            }),
            Reply::ConnectError => Err(Failure::NotSent(Error::Transport {
                connect: true,
                source: "test double: connection refused".into(),
            })),
        }
    }
}

fn clone_arguments<O: Operation + Clone + Send>(
    operation: &dyn Any,
) -> Option<Box<dyn Any + Send>> {
    operation
        .downcast_ref::<O>()
        .map(|o| Box::new(o.clone()) as Box<dyn Any + Send>)
}

/// One rule of a [`Mocks`], for calls of `O`: narrow it with
/// [`when`](Stub::when), then add replies, used in order (the last one
/// repeats). Each `then_*` method returns the stub to chain a sequence,
/// e.g. a 503 then a success for a retry, or several pages.
#[must_use = "a stub without replies fails every call it matches"]
pub struct Stub<O> {
    mocks: Mocks,
    index: usize,
    marker: PhantomData<fn(O)>,
}

impl<O> fmt::Debug for Stub<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stub").field("rule", &self.index).finish()
    }
}

impl<O: Operation> Stub<O> {
    /// Answers only calls whose arguments satisfy `predicate`.
    pub fn when(self, predicate: impl Fn(&O) -> bool + Send + 'static) -> Self {
        let matcher: Matcher =
            Box::new(move |op: &dyn Any| op.downcast_ref::<O>().is_some_and(&predicate));
        self.mocks.lock().rules[self.index].matcher = Some(matcher);
        self
    }

    /// Replies with a successful response holding `output` (inside the
    /// API's envelope, when it has one). For an operation with several
    /// successful responses, the variant of `output` picks the status and
    /// how its body is sent.
    pub fn then_ok(self, output: O::Output) -> Self
    where
        O::Output: Serialize,
    {
        if let ResponseShape::ByStatus(cases) = O::INFO.response {
            return match by_status_reply(cases, &output) {
                Some(reply) => self.push(reply),
                None => self.then_http(500, &[], "test double: not a variant of the response enum"),
            };
        }
        let body = success_body(O::INFO.response, &output, None::<&()>);
        self.push_json(StatusCode::OK, &[], body)
    }

    /// Replies with one page of a list: `output` and the envelope's
    /// metadata (Cloudflare's `result_info`), for page-number pagination.
    pub fn then_page(self, output: O::Output, meta: O::Meta) -> Self
    where
        O::Output: Serialize,
        O::Meta: Serialize,
    {
        let body = success_body(O::INFO.response, &output, Some(&meta));
        self.push_json(StatusCode::OK, &[], body)
    }

    /// Replies with an error status and error details, encoded as the API
    /// sends them (Cloudflare: `{success: false, errors: [{code, message}]}`).
    pub fn then_error(
        self,
        status: u16,
        details: impl IntoIterator<Item = ApiErrorDetail>,
    ) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = error_body(O::INFO.response, &details.into_iter().collect::<Vec<_>>());
        self.push_json(status, &[], body)
    }

    /// Replies with a 404 and the detail "not found".
    pub fn then_not_found(self) -> Self {
        self.then_error(404, [ApiErrorDetail::new("not found")])
    }

    /// Replies with a 429 asking to wait `wait` (`Retry-After` and
    /// `retry-after-ms`). Within the client's
    /// [`max_retry_after`](Config::with_max_retry_after) the client retries
    /// after recording the wait (see [`Mocks::sleeps`]); beyond it, the call
    /// fails at once with the wait in [`Error::retry_after`].
    pub fn then_rate_limited(self, wait: Duration) -> Self {
        let headers = [
            ("retry-after", wait.as_secs().max(1).to_string()),
            ("retry-after-ms", wait.as_millis().to_string()),
        ];
        let body = error_body(
            O::INFO.response,
            &[ApiErrorDetail::new("rate limited: too many requests")],
        );
        self.push_json(StatusCode::TOO_MANY_REQUESTS, &headers, body)
    }

    /// Replies with a 200 whose envelope says `success: false`, with these
    /// error details.
    pub fn then_unsuccessful(self, details: impl IntoIterator<Item = ApiErrorDetail>) -> Self {
        let body = error_body(O::INFO.response, &details.into_iter().collect::<Vec<_>>());
        self.push_json(StatusCode::OK, &[], body)
    }

    /// Replies with exactly this status, headers and body (for what the
    /// typed replies cannot say).
    pub fn then_http(
        self,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        self.push(Reply::Http {
            status,
            headers: map,
            body: body.into(),
        })
    }

    /// Fails the attempt as if no connection could be made (retried like
    /// a real connection error).
    pub fn then_connect_error(self) -> Self {
        self.push(Reply::ConnectError)
    }

    fn push_json(self, status: StatusCode, headers: &[(&str, String)], body: Value) -> Self {
        let mut map = HeaderMap::new();
        if !body.is_null() {
            map.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                map.insert(name, value);
            }
        }
        let bytes = match (&body, O::INFO.response) {
            (Value::Null, _) => Vec::new(),
            // A raw operation's output is its bytes.
            (Value::Array(items), ResponseShape::Raw) if status.is_success() => items
                .iter()
                .filter_map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect(),
            // A text operation's output is its text.
            (Value::String(text), ResponseShape::Text) if status.is_success() => {
                text.clone().into_bytes()
            }
            _ => serde_json::to_vec(&body).unwrap_or_default(),
        };
        self.push(Reply::Http {
            status,
            headers: map,
            body: bytes,
        })
    }

    fn push(self, reply: Reply) -> Self {
        self.mocks.lock().rules[self.index].replies.push(reply);
        self
    }
}

/// The reply for a variant of a response enum: serde writes it as
/// `{"201": value}` (or `"204"` for a unit variant), whose key is the
/// status and whose value is sent as the case's kind of body.
fn by_status_reply<T: Serialize>(
    cases: &[crate::operation::StatusCase],
    output: &T,
) -> Option<Reply> {
    use crate::operation::BodyKind;
    let (key, value) = match serde_json::to_value(output).ok()? {
        Value::Object(map) if map.len() == 1 => map.into_iter().next()?,
        Value::String(key) => (key, Value::Null),
        _ => return None,
    };
    let case = cases.iter().find(|c| c.status == key)?;
    let status = if key.eq_ignore_ascii_case("2XX") {
        StatusCode::OK
    } else {
        StatusCode::from_bytes(key.as_bytes()).ok()?
    };
    let (content_type, body) = match (case.body, value) {
        (BodyKind::Empty, _) | (_, Value::Null) => (None, Vec::new()),
        (BodyKind::Text, Value::String(text)) => (Some("text/plain"), text.into_bytes()),
        (BodyKind::Binary, Value::Array(items)) => (
            Some("application/octet-stream"),
            items
                .iter()
                .filter_map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect(),
        ),
        (_, value) => (Some("application/json"), serde_json::to_vec(&value).ok()?),
    };
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
    }
    Some(Reply::Http {
        status,
        headers,
        body,
    })
}

/// A successful body as the API sends it.
fn success_body<T: Serialize, M: Serialize>(
    shape: ResponseShape,
    output: &T,
    meta: Option<&M>,
) -> Value {
    let output = serde_json::to_value(output).unwrap_or(Value::Null);
    match shape {
        ResponseShape::Envelope(env) => {
            let mut object = serde_json::Map::new();
            if let Some(success) = env.success {
                object.insert(success.to_owned(), Value::Bool(true));
            }
            if let Some(errors) = env.errors {
                object.insert(errors.to_owned(), json!([]));
            }
            object.insert(env.result.to_owned(), output);
            if let (Some(field), Some(meta)) = (env.meta, meta) {
                object.insert(
                    field.to_owned(),
                    serde_json::to_value(meta).unwrap_or(Value::Null),
                );
            }
            Value::Object(object)
        }
        ResponseShape::Empty => Value::Null,
        ResponseShape::Plain | ResponseShape::Raw | ResponseShape::Text => output,
        ResponseShape::ByStatus(_) => output,
    }
}

/// An error body as the API sends it: in the envelope's `errors` array, or
/// `{message, code, errors}` for APIs without an envelope.
fn error_body(shape: ResponseShape, details: &[ApiErrorDetail]) -> Value {
    let items: Vec<Value> = details.iter().map(detail_json).collect();
    match shape {
        ResponseShape::Envelope(env) => {
            let mut object = serde_json::Map::new();
            if let Some(success) = env.success {
                object.insert(success.to_owned(), Value::Bool(false));
            }
            object.insert(
                env.errors.unwrap_or("errors").to_owned(),
                Value::Array(items),
            );
            object.insert(env.result.to_owned(), Value::Null);
            Value::Object(object)
        }
        _ => {
            let mut object = details
                .first()
                .map(detail_json)
                .and_then(|v| match v {
                    Value::Object(o) => Some(o),
                    _ => None,
                })
                .unwrap_or_default();
            object.insert("errors".to_owned(), Value::Array(items));
            Value::Object(object)
        }
    }
}

fn detail_json(detail: &ApiErrorDetail) -> Value {
    let mut object = serde_json::Map::new();
    match (detail.code, &detail.error) {
        (Some(code), _) => {
            object.insert("code".into(), json!(code));
        }
        (None, Some(error)) => {
            object.insert("code".into(), json!(error));
        }
        _ => {}
    }
    object.insert("message".into(), json!(detail.message));
    if let Some(url) = &detail.documentation_url {
        object.insert("documentation_url".into(), json!(url));
    }
    if let Some(pointer) = &detail.pointer {
        object.insert("source".into(), json!({ "pointer": pointer }));
    }
    Value::Object(object)
}
