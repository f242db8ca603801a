//! Dinucleotide shuffle of 1,000 × 2,114 bp × 20 shuffles (the job `scripts/bench_tangermeme.sh`
//! times in tangermeme), on one thread and on all of rayon's threads.
//!
//! Run with `cargo bench --bench shuffle`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use motiflift_kernels::rng::{Mt19937, random_one_hot};
use motiflift_kernels::shuffle::{DinucleotideShuffleOptions, Seeds, dinucleotide_shuffle};

const N_SEQS: usize = 1_000;
const LEN: usize = 2_114;

fn bench_dinucleotide_shuffle(c: &mut Criterion) {
    let x = random_one_hot(N_SEQS, 4, LEN, None, &mut Mt19937::new(0)).expect("random one-hot");
    let opts = DinucleotideShuffleOptions { n: 20, ..Default::default() };
    let shuffle = || dinucleotide_shuffle(black_box(&x), [N_SEQS, 4, LEN], &Seeds::Base(0), &opts);

    let mut group = c.benchmark_group("dinucleotide_shuffle_1000x2114x20");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let threads = rayon::current_num_threads();
    group.bench_function(format!("{threads}_threads"), |b| b.iter(|| shuffle().expect("shuffle")));
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    group.bench_function("1_thread", |b| b.iter(|| single.install(|| shuffle().expect("shuffle"))));
    group.finish();
}

criterion_group!(benches, bench_dinucleotide_shuffle);
criterion_main!(benches);
