//! [`TestServer`]: a local HTTP/1.1 server that answers from a script and
//! records every request, and the runtimes that servers and async clients
//! run on.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The runtime every [`TestServer`] and [`SniffingProxy`] runs on. It is
/// separate from the clients' runtimes so that blocking clients can be
/// driven from plain test threads.
pub fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sdk-tests-server")
            .enable_all()
            .build()
            .expect("server runtime")
    })
}

/// A fresh multi-threaded runtime for async clients in a `#[test]`.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime")
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target exactly as sent: path and query, still encoded.
    pub target: String,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Which connection (in accept order, from 0) carried it.
    pub connection: usize,
}

impl Request {
    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// A complete HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Sent with `Transfer-Encoding: chunked` instead of `Content-Length`.
    pub chunked: bool,
}

impl HttpResponse {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the body chunked (no `Content-Length`).
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Send this response and keep the connection open.
    Respond(HttpResponse),
    /// Reset the connection (`SO_LINGER` 0, so the peer sees RST) without
    /// answering.
    Reset,
    /// Close the connection (FIN) without answering.
    Close,
    /// Send the head with `Content-Length: declared`, then only `body`,
    /// then close: a body cut off in transfer.
    Truncated {
        status: u16,
        declared: usize,
        body: Vec<u8>,
    },
    /// Wait, then do the inner reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::Respond(HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(body).expect("JSON"),
            chunked: false,
        })
    }

    /// A response with a content type and raw body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond(HttpResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            chunked: false,
        })
    }

    /// Adds a header (only to [`Reply::Respond`], possibly delayed).
    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Respond(r) => Reply::Respond(r.header(name, value)),
            Reply::Delay(d, inner) => Reply::Delay(d, Box::new(inner.header(name, value))),
            other => other,
        }
    }

    /// Sends the body chunked (only [`Reply::Respond`]).
    pub fn chunked(self) -> Reply {
        match self {
            Reply::Respond(r) => Reply::Respond(r.chunked()),
            other => other,
        }
    }

    /// Delays this reply.
    pub fn delayed(self, delay: Duration) -> Reply {
        Reply::Delay(delay, Box::new(self))
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

struct ServerState {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
    /// Requests received (including those answered by a reset).
    count: AtomicUsize,
    /// Connections accepted.
    accepted: AtomicUsize,
    /// Connections currently open.
    live: AtomicUsize,
    /// Most connections open at once.
    peak_live: AtomicUsize,
    /// Keep a copy of every request (off for the load test).
    record: bool,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// A local HTTP/1.1 server on 127.0.0.1 that answers each request with
/// `handler(request, index)` (index counts requests from 0) and records
/// what it received. Stops (closing every connection) on drop.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_addr(f, "TestServer", self.addr)
    }
}

impl TestServer {
    /// Starts a server that records every request.
    pub fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> TestServer {
        Self::start_with(true, handler)
    }

    /// Starts a server that answers every request with the script's
    /// replies in order, repeating the last one.
    pub fn script(replies: Vec<Reply>) -> TestServer {
        assert!(!replies.is_empty());
        Self::start(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    /// Starts a server; `record: false` keeps only counters.
    pub fn start_with(
        record: bool,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let (std_listener, addr) = bind_local();
        let state = Arc::new(ServerState {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            peak_live: AtomicUsize::new(0),
            record,
            tasks: Mutex::new(Vec::new()),
        });
        let rt = server_runtime();
        let accept_state = Arc::clone(&state);
        let accept = rt.spawn(async move {
            let listener = TcpListener::from_std(std_listener).expect("tokio listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let id = accept_state.accepted.fetch_add(1, Ordering::SeqCst);
                let live = accept_state.live.fetch_add(1, Ordering::SeqCst) + 1;
                accept_state.peak_live.fetch_max(live, Ordering::SeqCst);
                let conn_state = Arc::clone(&accept_state);
                let task = tokio::spawn(async move {
                    let _guard = LiveGuard(Arc::clone(&conn_state));
                    serve_connection(stream, id, &conn_state).await;
                });
                let mut tasks = accept_state.tasks.lock().unwrap();
                tasks.retain(|t| !t.is_finished());
                tasks.push(task.abort_handle());
            }
        });
        state.tasks.lock().unwrap().push(accept.abort_handle());
        TestServer { addr, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far (empty when recording is off).
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// How many requests were received (a reset request counts).
    pub fn request_count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }

    /// Forgets the recorded requests (the request index keeps counting).
    pub fn clear(&self) {
        self.state.requests.lock().unwrap().clear();
    }

    /// How many connections were accepted.
    pub fn accepted_connections(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// How many connections are open now.
    pub fn live_connections(&self) -> usize {
        self.state.live.load(Ordering::SeqCst)
    }

    /// The most connections that were open at once.
    pub fn peak_live_connections(&self) -> usize {
        self.state.peak_live.load(Ordering::SeqCst)
    }

    /// Waits (up to `timeout`) until at most `max` connections are open;
    /// returns how many are.
    pub fn wait_live_at_most(&self, max: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let live = self.live_connections();
            if live <= max || Instant::now() >= deadline {
                return live;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in self.state.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

struct LiveGuard(Arc<ServerState>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A raw listener that accepts each connection and resets it at once
/// (`SO_LINGER` 0), before reading anything.
pub struct ResetListener {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: AbortHandle,
}

impl std::fmt::Debug for ResetListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_addr(f, "ResetListener", self.addr)
    }
}

impl ResetListener {
    /// Starts the listener on 127.0.0.1.
    pub fn start() -> ResetListener {
        let (std_listener, addr) = bind_local();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let task = server_runtime().spawn(async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_zero_linger();
                drop(stream);
            }
        });
        ResetListener {
            addr,
            accepted,
            task: task.abort_handle(),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted (and reset) so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for ResetListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A non-blocking listener on a free port of 127.0.0.1, for a tokio
/// `TcpListener` on the server runtime.
pub(super) fn bind_local() -> (std::net::TcpListener, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// `Debug` of a listener: its type and address.
pub(super) fn debug_addr(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    addr: SocketAddr,
) -> std::fmt::Result {
    f.debug_struct(name).field("addr", &addr).finish()
}

/// Where `needle` first occurs in `haystack`.
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves requests on one connection until the peer closes it or a reply
/// ends it.
async fn serve_connection(mut stream: TcpStream, connection: usize, state: &ServerState) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let content_length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let total = head_end + 4 + content_length;
        while buf.len() < total {
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        let body = buf[head_end + 4..total].to_vec();
        buf.drain(..total);
        let close_requested = headers
            .iter()
            .any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        let request = Request {
            method,
            target,
            headers,
            body,
            connection,
        };
        let index = state.count.fetch_add(1, Ordering::SeqCst);
        let reply = (state.handler)(&request, index);
        if state.record {
            state.requests.lock().unwrap().push(request);
        }
        if !send_reply(&mut stream, reply).await || close_requested {
            return;
        }
    }
}

/// Writes a reply; `false` when the connection must end.
async fn send_reply(stream: &mut TcpStream, mut reply: Reply) -> bool {
    while let Reply::Delay(delay, inner) = reply {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    match reply {
        Reply::Respond(response) => {
            let mut head = format!(
                "HTTP/1.1 {} {}\r\n",
                response.status,
                reason(response.status)
            );
            for (name, value) in &response.headers {
                let _ = write!(head, "{name}: {value}\r\n");
            }
            let mut out = Vec::with_capacity(head.len() + response.body.len() + 64);
            if response.chunked {
                head.push_str("transfer-encoding: chunked\r\n\r\n");
                out.extend_from_slice(head.as_bytes());
                for chunk in response.body.chunks(8192) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            } else {
                let _ = write!(head, "content-length: {}\r\n\r\n", response.body.len());
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(&response.body);
            }
            stream.write_all(&out).await.is_ok()
        }
        Reply::Reset => {
            let _ = stream.set_zero_linger();
            false
        }
        Reply::Close => {
            let _ = stream.shutdown().await;
            false
        }
        Reply::Truncated {
            status,
            declared,
            body,
        } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n",
                reason(status)
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.flush().await;
            let _ = stream.shutdown().await;
            false
        }
        Reply::Delay(..) => unreachable!("delays are unwrapped above"),
    }
}

fn reason(status: u16) -> &'static str {
    apigen_runtime::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}
