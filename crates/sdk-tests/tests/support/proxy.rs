//! [`SniffingProxy`]: a TCP proxy that watches request lines going up and
//! status lines and `sl-violations` headers coming back.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use super::server::{bind_local, debug_addr, find, server_runtime};

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
        debug_addr(f, "SniffingProxy", self.addr)
    }
}

impl SniffingProxy {
    /// Starts a proxy to `127.0.0.1:upstream_port`.
    pub fn start(upstream_port: u16) -> SniffingProxy {
        let (std_listener, addr) = bind_local();
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
