//! The hand-written baselines send the request head the generated clients
//! send (same request line, same headers and values), so that the
//! benchmarks compare the clients' work and not the size of their heads.
//! The order of the header lines may differ: reqwest sends a client's
//! default headers (the baseline's `User-Agent`) after the request's own.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;

use benches::calls::{apigen_blocking_call, apigen_call, reqwest_blocking_call, reqwest_call};
use benches::fixtures::user_body;
use benches::{apigen_blocking_client, apigen_client, current_thread_runtime};

/// A server that answers `requests` requests, one per connection, and
/// sends each request head (its lines, without the final empty line).
fn recording_server(requests: usize) -> (String, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let body = user_body();
        for _ in 0..requests {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end_matches("\r\n").to_owned();
                if line.is_empty() {
                    break;
                }
                head.push(line);
            }
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(body.as_bytes()).unwrap();
            tx.send(head).unwrap();
        }
    });
    (base, rx)
}

#[test]
fn baselines_send_the_generated_clients_request_head() {
    let (base, heads) = recording_server(4);
    let api = format!("{base}/client/v4");
    let runtime = current_thread_runtime();
    let ours = runtime.block_on(apigen_call(&apigen_client(&api)));
    let ours_head = heads.recv().unwrap();
    let hand = runtime.block_on(reqwest_call(&benches::reqwest_client(), &api));
    let hand_head = heads.recv().unwrap();
    drop(runtime);
    let blocking = apigen_blocking_call(&apigen_blocking_client(&api));
    let blocking_head = heads.recv().unwrap();
    let hand_blocking = reqwest_blocking_call(&benches::reqwest_blocking_client(), &api);
    let hand_blocking_head = heads.recv().unwrap();
    assert_eq!(ours, hand);
    assert_eq!(blocking, hand_blocking);
    // The request line, then the header lines in any order (reqwest puts
    // a client's default headers after the request's own).
    let canonical = |mut head: Vec<String>| {
        head[1..].sort();
        head
    };
    let ours_head = canonical(ours_head);
    assert_eq!(ours_head.len(), 5, "{ours_head:?}");
    assert!(
        ours_head.contains(&format!("user-agent: {}", benches::user_agent())),
        "{ours_head:?}"
    );
    assert_eq!(canonical(hand_head), ours_head);
    assert_eq!(canonical(blocking_head), ours_head);
    assert_eq!(canonical(hand_blocking_head), ours_head);
}
