//! Load: 10,000 requests with 64 in flight through the async clients, and
//! 2,000 from 8 threads through one shared blocking client, against the
//! local scripted server, with 10% of the server's answers faulty (5%
//! `503`, 5% connection resets after the request was read).
//!
//! Asserted: every request is accounted for (a success or a typed error,
//! adding up to the total); the server saw exactly the attempts the retry
//! policy implies; no connection leaks (open connections stay bounded
//! while running and drop to 0 once the clients are gone); and the run
//! finishes within a time bound. The figures are printed (run with
//! `--nocapture`) and recorded in TESTING.md.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apigen_runtime::{Error, ErrorKind, Response};
use cloudflare_access_users_blocking as cfb;
use cloudflare_access_users_client as cf;
use cloudflare_access_users_client::types::CreateUserRequest;
use keycard_zone_users_client as kc;
use support::*;

const REQUESTS: usize = 10_000;
const IN_FLIGHT: usize = 64;
const BLOCKING_THREADS: usize = 8;
const BLOCKING_REQUESTS: usize = 2_000;
/// Attempts per call: the default 2 retries.
const MAX_ATTEMPTS: u32 = 3;
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Every 20th server answer starting at 3 is a 503, at 11 a reset: 10%.
fn is_fault(n: usize) -> Option<Reply> {
    match n % 20 {
        3 => Some(Reply::raw(503, "text/plain", "overloaded")),
        11 => Some(Reply::Reset),
        _ => None,
    }
}

/// Attempts the server received per call, by the `x-call-id` header.
type PerCall = Arc<Vec<AtomicUsize>>;

fn load_server(calls: usize) -> (TestServer, PerCall) {
    let per_call: PerCall = Arc::new((0..calls).map(|_| AtomicUsize::new(0)).collect());
    let counters = Arc::clone(&per_call);
    let list = cf_list_envelope(vec![cf_user(USER_ID), cf_user("u2")], 1, 1);
    let user = cf_envelope(cf_user(USER_ID));
    let created = cf_envelope(cf_user(USER_ID));
    let kc = kc_user(KC_USER_ID);
    let server = TestServer::start_with(false, move |request, n| {
        let id = request
            .header("x-call-id")
            .and_then(|id| id.parse::<usize>().ok());
        match id.and_then(|id| counters.get(id)) {
            Some(counter) => counter.fetch_add(1, Ordering::SeqCst),
            None => return Reply::raw(400, "text/plain", "no x-call-id"),
        };
        if let Some(fault) = is_fault(n) {
            return fault;
        }
        if request.path().starts_with("/zones/") {
            Reply::json(200, &kc)
        } else if request.method == "POST" {
            Reply::json(201, &created)
        } else if request.path().ends_with("/users") {
            Reply::json(200, &list)
        } else {
            Reply::json(200, &user)
        }
    });
    (server, per_call)
}

/// The operation of call number `i`: 70% get, 10% list, 10% Keycard
/// retrieve, 10% create (a POST: not retried after a reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Get,
    List,
    KcRetrieve,
    Create,
}

fn op(i: usize) -> Op {
    match i % 10 {
        7 => Op::List,
        8 => Op::KcRetrieve,
        9 => Op::Create,
        _ => Op::Get,
    }
}

/// What one call ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Api(&'static str),
    Transport,
    Timeout,
    Other,
}

#[derive(Debug, Default)]
struct Tally {
    outcomes: BTreeMap<(Op, Outcome), usize>,
    /// Attempts the server received for the calls tallied.
    attempts: usize,
    /// Calls whose outcome or attempts break the retry policy.
    unexpected: Vec<String>,
}

impl Tally {
    /// Records call `op` whose attempts reached the server `seen` times.
    fn record<T, M>(&mut self, op: Op, seen: usize, result: Result<Response<T, M>, Error>) {
        self.attempts += seen;
        let max = MAX_ATTEMPTS as usize;
        let (outcome, consistent) = match &result {
            // A success reports the attempts the server saw.
            Ok(response) => (Outcome::Ok, response.attempts() as usize == seen),
            // A POST is not repeated after a broken connection (the last
            // attempt), but it is after a 503.
            Err(Error::Transport { .. }) if op == Op::Create => {
                (Outcome::Transport, (1..=max).contains(&seen))
            }
            // Anything else fails only once every retry is used up.
            Err(Error::Transport { .. }) => (Outcome::Transport, seen == max),
            Err(Error::Api(e)) if e.kind == ErrorKind::Server => {
                (Outcome::Api("server"), seen == max)
            }
            Err(Error::Timeout { .. }) => (Outcome::Timeout, false),
            Err(_) => (Outcome::Other, false),
        };
        if !consistent {
            self.unexpected
                .push(format!("{op:?} after {seen} attempts: {:?}", result.err()));
        }
        *self.outcomes.entry((op, outcome)).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        for (key, count) in other.outcomes {
            *self.outcomes.entry(key).or_default() += count;
        }
        self.attempts += other.attempts;
        self.unexpected.extend(other.unexpected);
    }

    fn total(&self) -> usize {
        self.outcomes.values().sum()
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.outcomes
            .iter()
            .filter(|((_, o), _)| *o == outcome)
            .map(|(_, n)| n)
            .sum()
    }
}

fn create_body() -> CreateUserRequest {
    CreateUserRequest::new("jdoe@example.com").name("Jane Doe")
}

#[test]
fn ten_thousand_requests_with_faults() {
    let (server, per_call) = load_server(REQUESTS);
    let sleeper = RecordingSleeper::default();
    let config = test_config(&server.url(), &sleeper).with_timeout(Duration::from_secs(10));
    let cf_client = cf::Client::new(config.clone()).unwrap();
    let kc_client = kc::Client::new(config).unwrap();
    let rt = client_runtime();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak_in_flight = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let tally = rt.block_on(async {
        let workers: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (cf_client, kc_client) = (cf_client.clone(), kc_client.clone());
                let per_call = Arc::clone(&per_call);
                let (next, in_flight, peak) =
                    (next.clone(), in_flight.clone(), peak_in_flight.clone());
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= REQUESTS {
                            return tally;
                        }
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        let users = cf_client.zero_trust().access().users();
                        let id = i.to_string();
                        let seen = || per_call[i].load(Ordering::SeqCst);
                        match op(i) {
                            Op::Get => {
                                let r =
                                    users.get(ACCOUNT_ID, USER_ID).header("x-call-id", id).await;
                                tally.record(Op::Get, seen(), r);
                            }
                            Op::List => {
                                let r = users.list(ACCOUNT_ID).header("x-call-id", id).await;
                                tally.record(Op::List, seen(), r);
                            }
                            Op::KcRetrieve => {
                                let r = kc_client
                                    .zones()
                                    .users()
                                    .retrieve(ZONE_ID, KC_USER_ID)
                                    .header("x-call-id", id)
                                    .await;
                                tally.record(Op::KcRetrieve, seen(), r);
                            }
                            Op::Create => {
                                let r = users
                                    .create(ACCOUNT_ID, create_body())
                                    .header("x-call-id", id)
                                    .await;
                                tally.record(Op::Create, seen(), r);
                            }
                        }
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let mut total = Tally::default();
        for worker in workers {
            // A panic in a call would surface here.
            total.merge(worker.await.expect("no call panicked"));
        }
        total
    });
    let elapsed = started.elapsed();
    let live_while_idle = server.live_connections();
    drop(cf_client);
    drop(kc_client);
    drop(rt);
    let live_after = server.wait_live_at_most(0, Duration::from_secs(5));

    let seen = server.request_count();
    let faults = (0..seen).filter(|n| is_fault(*n).is_some()).count();
    eprintln!(
        "load (async): {REQUESTS} calls, {IN_FLIGHT} in flight, in {elapsed:?} ({:.0} calls/s); \
         server saw {seen} requests ({faults} faults injected) on {} connections \
         (peak {} open, {live_while_idle} idle at the end, {live_after} after drop); outcomes {:?}",
        REQUESTS as f64 / elapsed.as_secs_f64(),
        server.accepted_connections(),
        server.peak_live_connections(),
        tally.outcomes
    );

    assert!(
        tally.unexpected.is_empty(),
        "unexpected errors:\n{}",
        tally.unexpected.join("\n")
    );
    assert_eq!(tally.total(), REQUESTS, "every call is accounted for");
    assert_eq!(
        seen, tally.attempts,
        "the server saw exactly the attempts the policy implies"
    );
    assert_eq!(
        sleeper.sleeps().len(),
        seen - REQUESTS,
        "one backoff before each retry"
    );
    assert!(
        faults * 100 >= seen * 9 && faults * 100 <= seen * 11,
        "{faults} of {seen}"
    );
    // Most calls survive the faults by retrying; the POSTs reset after
    // sending are reported, not repeated.
    assert!(
        tally.count(Outcome::Ok) >= REQUESTS * 97 / 100,
        "{:?}",
        tally.outcomes
    );
    assert!(
        tally
            .outcomes
            .get(&(Op::Create, Outcome::Transport))
            .is_some_and(|n| *n > 0)
    );
    assert!(peak_in_flight.load(Ordering::SeqCst) <= IN_FLIGHT);
    // Connections are reused: a new one per reset, and a bounded pool
    // (hyper may open a connection while another is on its way back to
    // the pool, so the pool can exceed the calls in flight, within bounds).
    let resets = (0..seen).filter(|n| n % 20 == 11).count();
    assert!(
        server.accepted_connections() <= resets + IN_FLIGHT * 3,
        "{} connections for {resets} resets",
        server.accepted_connections()
    );
    assert!(
        server.peak_live_connections() <= IN_FLIGHT * 3,
        "peak {}",
        server.peak_live_connections()
    );
    assert!(
        live_while_idle <= IN_FLIGHT * 3,
        "{live_while_idle} idle connections"
    );
    assert_eq!(
        live_after, 0,
        "connections left open after the clients were dropped"
    );
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
}

#[test]
fn blocking_client_shared_by_threads_with_faults() {
    let (server, per_call) = load_server(BLOCKING_REQUESTS);
    let sleeper = RecordingSleeper::default();
    let client = cfb::Client::new(test_config(&server.url(), &sleeper)).unwrap();
    let started = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..BLOCKING_THREADS)
            .map(|t| {
                let client = client.clone();
                let per_call = Arc::clone(&per_call);
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    let users = client.zero_trust().access().users();
                    for i in (t..BLOCKING_REQUESTS).step_by(BLOCKING_THREADS) {
                        let id = i.to_string();
                        let seen = || per_call[i].load(Ordering::SeqCst);
                        match op(i) {
                            Op::List => {
                                let r = users.list(ACCOUNT_ID).header("x-call-id", id).send();
                                tally.record(Op::List, seen(), r);
                            }
                            Op::Create => {
                                let r = users
                                    .create(ACCOUNT_ID, create_body())
                                    .header("x-call-id", id)
                                    .send();
                                tally.record(Op::Create, seen(), r);
                            }
                            _ => {
                                let r = users
                                    .get(ACCOUNT_ID, USER_ID)
                                    .header("x-call-id", id)
                                    .send();
                                tally.record(Op::Get, seen(), r);
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no call panicked"))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut tally = Tally::default();
    for t in tallies {
        tally.merge(t);
    }
    drop(client);
    let live_after = server.wait_live_at_most(0, Duration::from_secs(5));
    eprintln!(
        "load (blocking): {BLOCKING_REQUESTS} calls from {BLOCKING_THREADS} threads in {elapsed:?}; \
         server saw {} requests on {} connections; outcomes {:?}",
        server.request_count(),
        server.accepted_connections(),
        tally.outcomes
    );
    assert!(
        tally.unexpected.is_empty(),
        "{}",
        tally.unexpected.join("\n")
    );
    assert_eq!(tally.total(), BLOCKING_REQUESTS);
    assert_eq!(server.request_count(), tally.attempts);
    assert!(
        tally.count(Outcome::Ok) >= BLOCKING_REQUESTS * 97 / 100,
        "{:?}",
        tally.outcomes
    );
    assert_eq!(live_after, 0);
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
}
