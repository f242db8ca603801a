//! DeepLIFT/SHAP throughput on the BPNet and Beluga-like fixture models (CPU, flex):
//! 64 loci × 20 dinucleotide-shuffled references, batch 32 pairs — the job timed for
//! tangermeme by `scripts/bench_tangermeme.sh deep_lift_shap`; both the default route and
//! tangermeme's paired autodiff pass (`autodiff_only`) are timed.
//!
//! `cargo bench --bench attribute`

use std::hint::black_box;
use std::path::PathBuf;

use burn::backend::{Autodiff, Flex};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use motiflift::attribute::{DeepLiftShapOptions, References, deep_lift_shap};
use motiflift_models::{ModelSpec, load};
use ndarray::{Array3, s};
use ndarray_npy::ReadNpyExt;

const N_LOCI: usize = 64;
const N_SHUFFLES: usize = 20;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// The 64 fixture loci (`tests/data/inputs/X.npy.gz`).
fn loci() -> Array3<u8> {
    let file = std::fs::File::open(data("inputs/X.npy.gz")).expect("tests/data/inputs/X.npy.gz");
    let x = Array3::<i8>::read_npy(flate2::read::GzDecoder::new(file)).expect("X.npy");
    x.slice(s![..N_LOCI, .., ..]).mapv(|v| v as u8)
}

fn bench(c: &mut Criterion) {
    // As the `motiflift` binary does.
    motiflift::allocator::retain_freed_memory();
    let x = loci();
    let mut group = c.benchmark_group("deep_lift_shap");
    group.sample_size(10);
    group.throughput(Throughput::Elements((N_LOCI * N_SHUFFLES) as u64));
    for (name, spec) in [
        (
            "bpnet",
            ModelSpec::new(data("models/bpnet/model.torch"))
                .with_arch("bpnet".parse().unwrap())
                .with_wrappers("control,count".parse().unwrap()),
        ),
        (
            "beluga",
            ModelSpec::new(data("models/beluga/model.torch"))
                .with_arch("beluga".parse().unwrap())
                .with_wrappers("crop=57,output=0".parse().unwrap()),
        ),
    ] {
        let graph = load::<Autodiff<Flex>>(&spec, &Default::default()).unwrap();
        let refs = References::Shuffle { n_shuffles: N_SHUFFLES, random_state: 0 };
        // The default route (each example's forward pass shared by its references, no backward
        // pass of the reference half) and tangermeme's paired autodiff pass, for the saving.
        for (route, autodiff_only) in [("shared", false), ("autodiff", true)] {
            let options = DeepLiftShapOptions { batch_size: 32, autodiff_only, ..Default::default() };
            group.bench_function(format!("{name}_64x20_batch32_{route}"), |b| {
                b.iter(|| {
                    let out =
                        deep_lift_shap::<Flex, _>(&graph, x.view(), &refs, &options, &Default::default(), |_| {})
                            .unwrap();
                    black_box(out.attributions)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
