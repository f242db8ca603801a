//! Seqlet calling on 10,000 × 2,114 synthetic attribution tracks (the job
//! `scripts/bench_tangermeme.sh seqlets` times in tangermeme): `recursive_seqlets` with its
//! defaults, on all of rayon's threads and on one; and `tfmodisco_seqlets` on the first 1,000
//! tracks.
//!
//! The tracks are Laplace noise (scale 0.01, from a splitmix64 stream the Python script
//! reproduces) with one planted 8-bp bump per track. Run with `cargo bench --bench seqlets`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use motiflift_kernels::seqlets::{RecursiveOptions, TfmodiscoOptions, recursive_seqlets, tfmodisco_seqlets};

const N_TRACKS: usize = 10_000;
const LEN: usize = 2_114;

fn splitmix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` tracks: Laplace(0, 0.01) noise plus a bump of 0.02 · (1 + i mod 5) over 8 positions.
fn synthetic_tracks(n: usize) -> Vec<f32> {
    let mut x: Vec<f32> = (0..n * LEN)
        .map(|i| {
            let u = ((splitmix64(i as u64) >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
            (if u < 0.5 { 0.01 * (2.0 * u).ln() } else { -0.01 * (2.0 * (1.0 - u)).ln() }) as f32
        })
        .collect();
    for i in 0..n {
        let start = i * LEN + (i * 37) % (LEN - 8);
        let bump = (0.02 * (1 + i % 5) as f64) as f32;
        x[start..start + 8].iter_mut().for_each(|v| *v += bump);
    }
    x
}

fn bench_seqlets(c: &mut Criterion) {
    // As the `motiflift` binary does.
    motiflift::allocator::retain_freed_memory();
    let x = synthetic_tracks(N_TRACKS);
    let options = RecursiveOptions::default();
    let call = || recursive_seqlets(black_box(&x), N_TRACKS, LEN, &options).expect("recursive_seqlets");

    let mut group = c.benchmark_group("recursive_seqlets_10000x2114");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let threads = rayon::current_num_threads();
    group.bench_function(format!("{threads}_threads"), |b| b.iter(call));
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    group.bench_function("1_thread", |b| b.iter(|| single.install(call)));
    group.finish();

    let small = &x[..1_000 * LEN];
    let mut group = c.benchmark_group("tfmodisco_seqlets_1000x2114");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function(format!("{threads}_threads"), |b| {
        b.iter(|| tfmodisco_seqlets(black_box(small), 1_000, LEN, &TfmodiscoOptions::default()).expect("tfmodisco"))
    });
    group.finish();
}

criterion_group!(benches, bench_seqlets);
criterion_main!(benches);
