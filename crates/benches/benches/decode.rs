//! Decode: a 10,000-user Cloudflare list response (about 3.7 MB).
//!
//! - `decode_models`: the body in memory, `serde_json::from_slice` into the
//!   same hand-written envelope holding either the hand-written `User`
//!   (baseline) or the generated `types::User` (ours): the cost of the
//!   generated models alone.
//! - `decode_runtime`: the same body from the local server: the generated
//!   client's `list` (the runtime's one-pass envelope decoder, which tracks
//!   the JSON path for its errors) against reqwest + `serde_json::from_slice`
//!   into the hand-written structs. The loopback transfer is the same on
//!   both sides.
//! - `decode_path_tracking` (diagnostic): the generated models decoded in
//!   memory plainly (baseline) and through `serde_path_to_error`, as the
//!   runtime decodes (ours): what JSON-path error tracking costs.
//!
//! - `decode_unknown_fields`: the generated models in memory (baseline)
//!   against the same models with unknown fields kept (ours: the struct the
//!   emitter writes for `x-apigen.unknown-fields: keep`, a flattened map):
//!   the cost of the setting when the server sends only known fields.
//! - `decode_unknown_fields_present` (diagnostic): the same, on a body
//!   whose users each carry two fields the spec does not name (dropped by
//!   the baseline, kept by ours).
//!
//! Rounds of baseline and ours in alternating order, as in `request.rs`.

use std::time::Duration;

use benches::fixtures::{ACCOUNT_ID, list_body};
use benches::kept::{UserKept, with_unknown_fields};
use benches::server::StaticServer;
use benches::{Side, TOKEN, apigen_client, current_thread_runtime, hand, measuring, rounds};
use cloudflare_access_users_models::types;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
    measurement::WallTime,
};

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, bytes: usize) {
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
}

fn decode_benches(c: &mut Criterion) {
    let users: u64 = if measuring() { 10_000 } else { 1_000 };
    let body = list_body(0, users, 1, users, 1);
    let bytes = body.as_bytes();

    let hand_decode = || {
        let envelope = hand::decode::<Vec<hand::User>, hand::ResultInfo>(bytes).expect("decode");
        assert_eq!(envelope.result.len() as u64, users);
        envelope
    };
    let models_decode = || {
        let envelope = hand::decode::<Vec<types::User>, types::ResultInfo>(bytes).expect("decode");
        assert_eq!(envelope.result.len() as u64, users);
        envelope
    };
    let tracked_decode = || {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let envelope: hand::Envelope<Vec<types::User>, types::ResultInfo> =
            serde_path_to_error::deserialize(&mut de).expect("decode");
        de.end().expect("trailing data");
        assert_eq!(envelope.result.len() as u64, users);
        envelope
    };
    for (name, body, unknown) in [
        ("decode_unknown_fields", body.clone(), 0),
        (
            "decode_unknown_fields_present",
            with_unknown_fields(&body),
            2,
        ),
    ] {
        let bytes = body.as_bytes();
        let plain = || {
            let envelope =
                hand::decode::<Vec<types::User>, types::ResultInfo>(bytes).expect("decode");
            assert_eq!(envelope.result.len() as u64, users);
            envelope
        };
        let kept = || {
            let envelope = hand::decode::<Vec<UserKept>, types::ResultInfo>(bytes).expect("decode");
            assert_eq!(envelope.result.len() as u64, users);
            assert_eq!(envelope.result[0].additional_properties.len(), unknown);
            envelope
        };
        let mut group = c.benchmark_group(name);
        configure(&mut group, bytes.len());
        for round in 1..=rounds() {
            for side in Side::order(round) {
                group.bench_function(side.id(round), |b| match side {
                    Side::Baseline => b.iter(plain),
                    Side::Apigen => b.iter(kept),
                });
            }
        }
        group.finish();
    }
    {
        let mut group = c.benchmark_group("decode_models");
        configure(&mut group, bytes.len());
        for round in 1..=rounds() {
            for side in Side::order(round) {
                group.bench_function(side.id(round), |b| match side {
                    Side::Baseline => b.iter(hand_decode),
                    Side::Apigen => b.iter(models_decode),
                });
            }
        }
        group.finish();
    }

    let server = StaticServer::fixed(body.clone()).expect("cannot start the server");
    let base = format!("{}/client/v4", server.base_url());
    let url = format!("{base}/accounts/{ACCOUNT_ID}/access/users");
    let runtime = current_thread_runtime();
    let ours = apigen_client(&base);
    let baseline = reqwest::Client::new();
    let (ours, baseline, url) = (&ours, &baseline, url.as_str());
    let run_ours = move || async move {
        let page = ours
            .zero_trust()
            .access()
            .users()
            .list(ACCOUNT_ID)
            .await
            .expect("generated client call failed");
        assert_eq!(page.len() as u64, users);
        page
    };
    let run_baseline = move || async move {
        let response = baseline
            .get(url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("reqwest call failed");
        assert!(response.status().is_success());
        let body = response.bytes().await.expect("reqwest body failed");
        let envelope =
            hand::decode::<Vec<hand::User>, hand::ResultInfo>(&body).expect("decode failed");
        assert_eq!(envelope.result.len() as u64, users);
        envelope
    };
    {
        let mut group = c.benchmark_group("decode_runtime");
        configure(&mut group, bytes.len());
        for round in 1..=rounds() {
            for side in Side::order(round) {
                group.bench_function(side.id(round), |b| match side {
                    Side::Baseline => b.to_async(&runtime).iter(run_baseline),
                    Side::Apigen => b.to_async(&runtime).iter(run_ours),
                });
            }
        }
        group.finish();
    }

    {
        let mut group = c.benchmark_group("decode_path_tracking");
        configure(&mut group, bytes.len());
        for round in 1..=rounds() {
            for side in Side::order(round) {
                group.bench_function(side.id(round), |b| match side {
                    Side::Baseline => b.iter(models_decode),
                    Side::Apigen => b.iter(tracked_decode),
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, decode_benches);
criterion_main!(benches);
