//! Shared helpers of the conformance, fault, security, load and upstream
//! tests (`tests/{conformance,faults,security,load,upstream}.rs`):
//!
//! - [`Prism`]: starts the pinned Prism mock server on a spec, and kills it
//!   on drop (a watchdog kills it too if the test process dies);
//! - [`SniffingProxy`]: a TCP proxy in front of Prism that reads every
//!   response head, so that no `sl-violations` header goes unnoticed, even
//!   on responses the client turns into errors;
//! - [`TestServer`]: a small hand-rolled HTTP/1.1 server that records every
//!   request (raw path included) and answers from a script of [`Reply`]s,
//!   including connection resets, truncated bodies and delays;
//! - [`RecordingSleeper`], fixtures, and client constructors.
//!
//! Every test binary compiles this module, and none uses all of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::future::Future;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use apigen_runtime::{Config, Credentials, Sleeper};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

// ---------------------------------------------------------------------------
// Fixtures: realistic arguments (valid for the specs) and bodies.
// ---------------------------------------------------------------------------

/// A Cloudflare account id: 32 hex characters (`maxLength: 32`).
pub const ACCOUNT_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";
/// A Cloudflare user id: a UUID (`maxLength: 36`).
pub const USER_ID: &str = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";
/// A Cloudflare Access session nonce.
pub const NONCE: &str = "X1aXj1lFVcqqyoXF";
/// A Keycard zone id.
pub const ZONE_ID: &str = "bsq01zgq46reqv1l2fj7hgjhgt";
/// A Keycard user id.
pub const KC_USER_ID: &str = "usr_01jx9k2m7q3v8w4e5r6t7y8u9i";
/// The bearer token the tests send. Long and distinctive, so that a leak
/// of any part of it in output is found by a plain substring search.
pub const TOKEN: &str = "tok_Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY";

/// The workspace root (`/…/main`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// A file under `crates/sdk-tests/tests/data/`.
pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Reads and parses a JSON file under `tests/data/`.
pub fn data_json(name: &str) -> Value {
    let path = data_file(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A Cloudflare user as the API returns it.
pub fn cf_user(id: &str) -> Value {
    json!({
        "id": id,
        "access_seat": false,
        "active_device_count": 2,
        "created_at": "2014-01-01T05:20:00.12345Z",
        "email": "jdoe@example.com",
        "gateway_seat": false,
        "last_successful_login": "2020-07-01T05:20:00Z",
        "name": "Jane Doe",
        "seat_uid": "seat_uid",
        "uid": "uid",
        "updated_at": "2014-01-01T05:20:00.12345Z"
    })
}

/// A successful Cloudflare envelope around `result`.
pub fn cf_envelope(result: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

/// A successful Cloudflare list envelope with `result_info`.
pub fn cf_list_envelope(result: Vec<Value>, page: u64, total_pages: u64) -> Value {
    json!({
        "success": true, "errors": [], "messages": [],
        "result": result,
        "result_info": {"count": 1, "page": page, "per_page": 20, "total_count": 2000, "total_pages": total_pages}
    })
}

/// A Keycard user as the API returns it.
pub fn kc_user(id: &str) -> Value {
    json!({
        "id": id,
        "created_at": "2026-05-02T14:03:11Z",
        "updated_at": "2026-06-10T09:41:27Z",
        "email": "jane.doe@example.com",
        "email_verified": true,
        "identifier": "jane.doe@example.com",
        "organization_id": "org_01hzq2b3c4d5e6f7g8h9j0k1l2",
        "status": "active",
        "zone_id": ZONE_ID
    })
}

/// A Keycard list page.
pub fn kc_list(items: Vec<Value>, after_cursor: Option<&str>) -> Value {
    json!({"items": items, "pagination": {"after_cursor": after_cursor, "before_cursor": null}})
}

// ---------------------------------------------------------------------------
// Client configuration.
// ---------------------------------------------------------------------------

/// Records each requested delay and returns at once, so retries cost no
/// time and the backoff schedule can be asserted.
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    /// The delays requested so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// Bearer auth with [`TOKEN`], the given base URL, no jitter and a
/// recording sleeper.
pub fn test_config(base_url: &str, sleeper: &RecordingSleeper) -> Config {
    Config::new(Credentials::bearer(TOKEN))
        .with_base_url(base_url)
        .with_jitter(false)
        .with_sleeper(sleeper.clone())
}

// ---------------------------------------------------------------------------
// A runtime for servers, shared by the tests of one binary.
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// The scripted HTTP server.
// ---------------------------------------------------------------------------

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
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish()
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
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
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
        f.debug_struct("ResetListener")
            .field("addr", &self.addr)
            .finish()
    }
}

impl ResetListener {
    /// Starts the listener on 127.0.0.1.
    pub fn start() -> ResetListener {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
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

// ---------------------------------------------------------------------------
// Prism.
// ---------------------------------------------------------------------------

/// The message when Prism is missing.
pub const PRISM_MISSING: &str = "Prism is not installed: run scripts/test.sh (or `npm ci --prefix tools/prism`); it needs Node.js and npm";

/// Where `npm ci --prefix tools/prism` puts the Prism CLI.
pub fn prism_path() -> PathBuf {
    workspace_root().join("tools/prism/node_modules/.bin/prism")
}

/// Checks that the Prism CLI at `path` exists, with the error message the
/// tests fail with when it does not.
pub fn check_prism(path: &Path) -> Result<(), String> {
    if path.is_file() {
        Ok(())
    } else {
        Err(format!("{PRISM_MISSING} (looked for {})", path.display()))
    }
}

/// How Prism makes up responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrismMode {
    /// The spec's examples (`prism mock`).
    Static,
    /// Random schema-valid data (`prism mock --dynamic`). No `--seed`:
    /// with one, Prism answers every request with the same data.
    Dynamic,
}

/// A running Prism mock server on 127.0.0.1. Killed (with its process
/// group) on drop, also when the test panics; a watchdog shell kills it
/// if the test process dies without running destructors.
pub struct Prism {
    child: Child,
    /// Held open; the watchdog kills Prism when it reaches end of file.
    stdin: Option<ChildStdin>,
    port: u16,
    log: PathBuf,
    spec: String,
    mode: PrismMode,
}

impl std::fmt::Debug for Prism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prism")
            .field("spec", &self.spec)
            .field("mode", &self.mode)
            .field("port", &self.port)
            .finish()
    }
}

/// Runs Prism in the background and kills it (and removes its log) when
/// stdin closes: the test process exited, whatever the way.
const WATCHDOG: &str = r#""$@" & prism=$!
trap 'kill -9 $prism 2>/dev/null; rm -f "$PRISM_LOG"' EXIT HUP INT TERM
read -r _ignored
exit 0"#;

impl Prism {
    /// Starts Prism on `spec/<spec>` and waits until it answers. Panics
    /// with a clear message when Prism is not installed or does not start.
    pub fn start(spec: &str, mode: PrismMode) -> Prism {
        let binary = prism_path();
        if let Err(message) = check_prism(&binary) {
            panic!("{message}");
        }
        let spec_path = workspace_root().join("spec").join(spec);
        assert!(spec_path.is_file(), "no spec {}", spec_path.display());
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::try_start(&binary, &spec_path, spec, mode) {
                Ok(prism) => return prism,
                Err(e) => last_error = e,
            }
        }
        panic!("Prism did not start on {spec} ({mode:?}):\n{last_error}");
    }

    fn try_start(
        binary: &Path,
        spec_path: &Path,
        spec: &str,
        mode: PrismMode,
    ) -> Result<Prism, String> {
        use std::os::unix::process::CommandExt as _;

        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("sdk-tests-prism-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("log file: {e}"))?;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("prism-watchdog")
            .arg(binary)
            .args([
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-v",
                "warn",
            ]);
        if mode == PrismMode::Dynamic {
            command.arg("--dynamic");
        }
        command
            .arg(spec_path)
            .env("PRISM_LOG", &log)
            .stdin(Stdio::piped())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .process_group(0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run sh to start Prism: {e}"))?;
        let stdin = child.stdin.take();
        let mut prism = Prism {
            child,
            stdin,
            port,
            log,
            spec: spec.to_owned(),
            mode,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = prism.child.try_wait() {
                return Err(format!("Prism exited ({status}):\n{}", prism.log_tail()));
            }
            if prism.answers() {
                return Ok(prism);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "Prism did not answer within 60 s:\n{}",
                    prism.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether Prism answers an HTTP request (any response will do).
    fn answers(&self) -> bool {
        let Ok(mut stream) = std::net::TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_millis(200),
        ) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream
            .write_all(b"GET /__ready HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut first = [0u8; 8];
        matches!(stream.read(&mut first), Ok(n) if n > 0 && first.starts_with(b"HTTP/"))
    }

    /// The port Prism listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last lines of Prism's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Prism's process id (the watchdog shell's child).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // The shell leads its own process group: kill the group (Prism
        // with it), then reap the shell.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether a process group has a live (not zombie) member, from `/proc`.
pub fn process_group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may contain spaces.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == pgid.to_string()
    })
}

/// Waits up to `timeout` for a process group to be gone.
pub fn wait_group_gone(pgid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while process_group_alive(pgid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

// ---------------------------------------------------------------------------
// The sniffing proxy.
// ---------------------------------------------------------------------------

#[derive(Default)]
struct SniffState {
    /// Request lines seen, e.g. `GET /zones/… HTTP/1.1`.
    requests: Mutex<Vec<String>>,
    /// Every `sl-violations` header line seen in a response.
    violations: Mutex<Vec<String>>,
    /// Response status lines seen.
    responses: AtomicUsize,
}

/// A TCP proxy in front of a server that scans both directions: request
/// lines going up, status lines and `sl-violations` headers coming back.
/// It does not parse HTTP framing; it relies on request lines ending in
/// ` HTTP/1.1\r\n` and on header lines starting after `\r\n`, which holds
/// for the JSON bodies these tests exchange.
pub struct SniffingProxy {
    addr: SocketAddr,
    state: Arc<SniffState>,
    accept: AbortHandle,
}

impl std::fmt::Debug for SniffingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SniffingProxy")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SniffingProxy {
    /// Starts a proxy to `127.0.0.1:upstream_port`.
    pub fn start(upstream_port: u16) -> SniffingProxy {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let state = Arc::new(SniffState::default());
        let accept_state = Arc::clone(&state);
        let accept = server_runtime().spawn(async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&accept_state);
                tokio::spawn(async move {
                    let Ok(upstream) =
                        TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], upstream_port))).await
                    else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (up_read, up_write) = upstream.into_split();
                    let up_state = Arc::clone(&state);
                    let upward = tokio::spawn(pump(client_read, up_write, up_state, Direction::Up));
                    pump(up_read, client_write, state, Direction::Down).await;
                    upward.abort();
                });
            }
        });
        SniffingProxy {
            addr,
            state,
            accept: accept.abort_handle(),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request lines seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The `sl-violations` header lines seen so far.
    pub fn violations(&self) -> Vec<String> {
        self.state.violations.lock().unwrap().clone()
    }

    /// How many response status lines were seen.
    pub fn responses(&self) -> usize {
        self.state.responses.load(Ordering::SeqCst)
    }
}

impl Drop for SniffingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    state: Arc<SniffState>,
    direction: Direction,
) {
    let mut chunk = vec![0u8; 16 * 1024];
    // Unscanned tail of the stream (a line may span two reads).
    let mut pending: Vec<u8> = Vec::new();
    // The stream starts at a line start: prefix a virtual line break.
    pending.extend_from_slice(b"\r\n");
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        let consumed = scan_lines(&pending, &state, direction);
        pending.drain(..consumed);
        if to.write_all(&chunk[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Records the interesting complete lines of `buf`, which starts with
/// `\r\n`; returns how many bytes are done with (the rest, from the CRLF
/// before an incomplete line, waits for more data).
///
/// A line may carry the end of a body before a status or request line on
/// a kept-alive connection (`…}HTTP/1.1 200 OK`), hence the `contains`.
fn scan_lines(buf: &[u8], state: &SniffState, direction: Direction) -> usize {
    let mut pos = 0;
    loop {
        let Some(start) = find(&buf[pos..], b"\r\n").map(|i| pos + i + 2) else {
            return pos;
        };
        let Some(end) = find(&buf[start..], b"\r\n").map(|i| start + i) else {
            return start - 2;
        };
        let line = String::from_utf8_lossy(&buf[start..end]);
        match direction {
            Direction::Up => {
                if line.ends_with(" HTTP/1.1") {
                    state.requests.lock().unwrap().push(line.into_owned());
                }
            }
            Direction::Down => {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("sl-violations:") {
                    state.violations.lock().unwrap().push(line.into_owned());
                } else if lower.contains("http/1.1 ") {
                    state.responses.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        pos = end;
    }
}

// ---------------------------------------------------------------------------
// Capturing output.
// ---------------------------------------------------------------------------

/// A `tracing_subscriber` writer that appends to a shared buffer.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Percent-decodes a path segment (`%XX` escapes; invalid escapes stay).
pub fn percent_decode(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}
