//! A minimal HTTP/1.1 server for the benchmarks: keep-alive, one task per
//! connection, on its own thread and current-thread tokio runtime, answering
//! every request with `200 OK` and a JSON body chosen by a handler.
//!
//! It does as little as an HTTP server can (no date header, no routing, no
//! chunking), so that a benchmark measures the client.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Chooses the response body for a request target (path and query).
pub type Handler = Arc<dyn Fn(&str) -> Body + Send + Sync>;

/// A response body: shared (a fixed response, not copied per request) or
/// built for the request.
#[derive(Debug, Clone)]
pub enum Body {
    /// The same bytes for every request.
    Shared(Arc<[u8]>),
    /// Bytes built for this request.
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        match self {
            Body::Shared(bytes) => bytes,
            Body::Owned(bytes) => bytes,
        }
    }
}

/// A running server; stopped when dropped.
pub struct StaticServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for StaticServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl StaticServer {
    /// A server answering every request with `body`.
    pub fn fixed(body: impl Into<Vec<u8>>) -> io::Result<Self> {
        let body: Arc<[u8]> = Arc::from(body.into());
        Self::with_handler(move |_| Body::Shared(Arc::clone(&body)))
    }

    /// A server answering each request with `handler(target)`.
    pub fn with_handler(
        handler: impl Fn(&str) -> Body + Send + Sync + 'static,
    ) -> io::Result<Self> {
        let handler: Handler = Arc::new(handler);
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("cannot start the server runtime");
                runtime.block_on(async move {
                    let listener =
                        TcpListener::from_std(listener).expect("cannot register the listener");
                    loop {
                        tokio::select! {
                            _ = &mut stop => break,
                            accepted = listener.accept() => {
                                if let Ok((stream, _)) = accepted {
                                    tokio::spawn(serve(stream, Arc::clone(&handler)));
                                }
                            }
                        }
                    }
                });
            })?;
        Ok(StaticServer {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The address the server listens on (`127.0.0.1`, a free port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one keep-alive connection until the client closes it.
async fn serve(mut stream: TcpStream, handler: Handler) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut scanned: usize = 0;
    loop {
        // Read until the end of the request head.
        let head_end = loop {
            if let Some(pos) = find(&buf[scanned.saturating_sub(3)..], b"\r\n\r\n") {
                break scanned.saturating_sub(3) + pos + 4;
            }
            scanned = buf.len();
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]);
        let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
        let content_length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        // Skip the request body, if any.
        while buf.len() < head_end + content_length {
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        buf.drain(..head_end + content_length);
        scanned = 0;

        let body = handler(&target);
        let body = body.as_ref();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if body.len() <= 16 * 1024 {
            let mut response = Vec::with_capacity(head.len() + body.len());
            response.extend_from_slice(head.as_bytes());
            response.extend_from_slice(body);
            stream.write_all(&response).await?;
        } else {
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body).await?;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_keep_alive_requests() {
        let server =
            StaticServer::with_handler(|target| Body::Owned(target.as_bytes().to_vec())).unwrap();
        let client = reqwest::blocking::Client::new();
        for i in 0..3 {
            let url = format!("{}/x?page={i}", server.base_url());
            let response = client.post(&url).body("ignored body").send().unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().unwrap(), format!("/x?page={i}"));
        }
        let big = StaticServer::fixed(vec![b'7'; 100_000]).unwrap();
        let body = client.get(big.base_url()).send().unwrap().bytes().unwrap();
        assert_eq!(body.len(), 100_000);
    }
}
