//! Tomtom (the jobs `scripts/bench_tangermeme.sh tomtom` times in memelite 0.5.0):
//!
//! * `annotate_5000_seqlets_x_215`: 5,000 one-hot seqlets (lengths 4–25, cut from a random
//!   100-kb sequence) against the 215 JASPAR human ChIP-seq motifs, `n_nearest = 1` — what
//!   `annotate_seqlets` runs — with the default (fast one-hot) null and with memelite's exact
//!   one (`exact: true`); and the same seqlets against the 879 JASPAR CORE vertebrates motifs;
//! * `all_vs_all_879`: the 879 JASPAR CORE vertebrates motifs against themselves, every hit,
//!   default and exact.
//!
//! The sequence is tangermeme's `random_one_hot((1, 4, 100000), random_state=0)`; seqlet `i` has
//! length `4 + bounded(22)` and start `bounded(100000 − length)` from `RandomState(1)` (numpy's
//! `randint(4, 26)`, `randint(0, 100000 − length)`), so the Python script cuts the same seqlets.
//! Run with `cargo bench --bench tomtom`.

use std::hint::black_box;
use std::io::Read;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use motiflift::annotate::tomtom_targets;
use motiflift::io::meme::read_meme;
use motiflift_kernels::rng::{Mt19937, random_one_hot};
use motiflift_kernels::tomtom::{Motif, TomtomOptions, tomtom};

const LEN: usize = 100_000;
const N_SEQLETS: usize = 5_000;

fn data(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The benchmark seqlets as one-hot queries.
fn seqlets() -> Vec<Motif<u8>> {
    let x = random_one_hot(1, 4, LEN, None, &mut Mt19937::new(0)).expect("random sequence");
    let mut rng = Mt19937::new(1);
    (0..N_SEQLETS)
        .map(|_| {
            let w = 4 + rng.bounded(22) as usize;
            let s = rng.bounded((LEN - w) as u32) as usize;
            let values = (0..4)
                .flat_map(|r| x[r * LEN + s..r * LEN + s + w].iter().copied())
                .collect();
            Motif::new(values, w).expect("4 x w values")
        })
        .collect()
}

/// The 879 CORE vertebrates motifs (stored gzip-compressed).
fn core_vertebrates() -> Vec<Motif<f64>> {
    let mut text = Vec::new();
    let file =
        std::fs::File::open(data("motifs/jaspar2024_core_vertebrates.meme.gz")).expect("database");
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut text)
        .expect("gzip");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("core.meme");
    std::fs::write(&path, text).expect("write");
    tomtom_targets(&read_meme(&path).expect("MEME")).expect("4-row motifs")
}

fn bench_tomtom(c: &mut Criterion) {
    let threads = rayon::current_num_threads();
    let queries = seqlets();
    let jaspar =
        tomtom_targets(&read_meme(data("motifs/jaspar2024_hsapiens_chipseq.meme")).expect("MEME"))
            .expect("4-row motifs");
    let nearest = TomtomOptions {
        n_nearest: Some(1),
        ..TomtomOptions::default()
    };
    let mut group = c.benchmark_group("tomtom");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(
        format!("annotate_5000_seqlets_x_215/{threads}_threads"),
        |b| b.iter(|| tomtom(black_box(&queries), &jaspar, &nearest).expect("tomtom")),
    );
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    group.bench_function("annotate_5000_seqlets_x_215/1_thread", |b| {
        b.iter(|| {
            single.install(|| tomtom(black_box(&queries), &jaspar, &nearest).expect("tomtom"))
        })
    });
    let exact = TomtomOptions {
        exact: true,
        ..nearest.clone()
    };
    group.bench_function(
        format!("annotate_5000_seqlets_x_215_exact/{threads}_threads"),
        |b| b.iter(|| tomtom(black_box(&queries), &jaspar, &exact).expect("tomtom")),
    );
    let core = core_vertebrates();
    group.bench_function(
        format!("annotate_5000_seqlets_x_879/{threads}_threads"),
        |b| b.iter(|| tomtom(black_box(&queries), &core, &nearest).expect("tomtom")),
    );
    group.bench_function(format!("all_vs_all_879/{threads}_threads"), |b| {
        b.iter(|| tomtom(black_box(&core), &core, &TomtomOptions::default()).expect("tomtom"))
    });
    let exact = TomtomOptions {
        exact: true,
        ..TomtomOptions::default()
    };
    group.bench_function(format!("all_vs_all_879_exact/{threads}_threads"), |b| {
        b.iter(|| tomtom(black_box(&core), &core, &exact).expect("tomtom"))
    });
    group.finish();
}

criterion_group!(benches, bench_tomtom);
criterion_main!(benches);
