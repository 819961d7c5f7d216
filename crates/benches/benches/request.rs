//! Request overhead: the generated clients against hand-written reqwest
//! calls, on the same local keep-alive server returning the same
//! Cloudflare envelope, decoded into the same generated `User` type.
//!
//! Each group runs [`rounds`] short rounds of the baseline and ours, in
//! alternating order (`baseline_r1`, `apigen_r1`, `apigen_r2`,
//! `baseline_r2`, …). `scripts/bench.sh` reads the medians from
//! `target/criterion/<group>/<function>/new/estimates.json` and reports the
//! median of the per-round ratios.

use std::time::Duration;

use benches::calls::{apigen_blocking_call, apigen_call, reqwest_blocking_call, reqwest_call};
use benches::fixtures::user_body;
use benches::server::StaticServer;
use benches::{Side, apigen_blocking_client, apigen_client, current_thread_runtime, rounds};
use criterion::{Bencher, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use futures_util::{StreamExt as _, stream};

/// Requests per iteration of the concurrent groups.
const BATCH: u64 = 256;

fn request_benches(c: &mut Criterion) {
    let server = StaticServer::fixed(user_body()).expect("cannot start the server");
    let base = format!("{}/client/v4", server.base_url());
    let runtime = current_thread_runtime();
    let ours = apigen_client(&base);
    let baseline = benches::reqwest_client();

    // Both must return the same value before anything is timed.
    let (a, b) = runtime.block_on(async {
        (
            apigen_call(&ours).await,
            reqwest_call(&baseline, &base).await,
        )
    });
    assert_eq!(a, b);

    let (ours, baseline, api) = (&ours, &baseline, base.as_str());
    sequential_group(
        c,
        "request_async_seq",
        |b| b.to_async(&runtime).iter(|| reqwest_call(baseline, api)),
        |b| b.to_async(&runtime).iter(|| apigen_call(ours)),
    );

    for in_flight in [8usize, 64] {
        let mut group = c.benchmark_group(format!("request_async_{in_flight}_in_flight"));
        group.throughput(Throughput::Elements(BATCH));
        group.sample_size(20);
        group.sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
        let run_baseline = move || async move {
            stream::iter(0..BATCH)
                .map(|_| reqwest_call(baseline, api))
                .buffer_unordered(in_flight)
                .for_each(|user| async move {
                    std::hint::black_box(user);
                })
                .await
        };
        let run_ours = move || async move {
            stream::iter(0..BATCH)
                .map(|_| apigen_call(ours))
                .buffer_unordered(in_flight)
                .for_each(|user| async move {
                    std::hint::black_box(user);
                })
                .await
        };
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
    drop(runtime);

    {
        let ours = apigen_blocking_client(&base);
        let blocking = benches::reqwest_blocking_client();
        let call_ours = || apigen_blocking_call(&ours);
        assert_eq!(call_ours(), reqwest_blocking_call(&blocking, api));
        sequential_group(
            c,
            "request_blocking_seq",
            |b| b.iter(|| reqwest_blocking_call(&blocking, api)),
            |b| b.iter(call_ours),
        );
        // Issue 15's baseline for the blocking client: the hand-written async
        // call driven the way the blocking client drives its own, by a
        // current-thread runtime in the caller's thread.
        let driver = current_thread_runtime();
        sequential_group(
            c,
            "request_blocking_driven_seq",
            |b| b.iter(|| driver.block_on(reqwest_call(baseline, api))),
            |b| b.iter(call_ours),
        );
    }
    drop(server);
}

/// A group of one call per iteration: [`rounds`] alternating rounds of the
/// baseline and ours.
fn sequential_group(
    c: &mut Criterion,
    name: &str,
    mut baseline: impl FnMut(&mut Bencher<'_>),
    mut apigen: impl FnMut(&mut Bencher<'_>),
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for round in 1..=rounds() {
        for side in Side::order(round) {
            group.bench_function(side.id(round), |b| match side {
                Side::Baseline => baseline(b),
                Side::Apigen => apigen(b),
            });
        }
    }
    group.finish();
}

criterion_group!(benches, request_benches);
criterion_main!(benches);
