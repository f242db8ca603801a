//! The BPNet fixture (`tests/data/models/bpnet/model.torch`, 32 filters, 5 dilated layers, control
//! and count wrappers) on 64 loci × 2,114 bp on the CPU backend (flex): the forward pass, the
//! forward pass of both heads (profile and counts, the work PyTorch does for the wrapped model),
//! and forward + backward to the input on `Autodiff<Flex>` (sum of the outputs), the pass
//! DeepLIFT runs. `scripts/bench_torch_bpnet.sh` times the same in PyTorch.
//!
//! Run with `cargo bench --bench models`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use burn::tensor::{Tensor, TensorData, backend::Backend};
use criterion::{Criterion, criterion_group, criterion_main};
use motiflift_kernels::deeplift::Plain;
use motiflift_models::{Cpu, CpuAutodiff, ModelSpec, load};
use ndarray_npy::ReadNpyExt;

const BATCH: usize = 64;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The 64 attributed loci of the fixture set as float one-hot.
fn inputs<B: Backend>() -> Tensor<B, 3> {
    let path = root().join("tests/data/inputs/X.npy.gz");
    let file = std::fs::File::open(&path).expect("tests/data/inputs/X.npy.gz");
    let x = ndarray::Array3::<i8>::read_npy(flate2::read::GzDecoder::new(file)).expect("X.npy");
    let (n, a, l) = x.dim();
    let values: Vec<f32> = x.iter().map(|&v| f32::from(v)).collect();
    Tensor::from_data(TensorData::new(values, [n, a, l]), &Default::default())
}

fn spec(wrappers: &str) -> ModelSpec {
    ModelSpec::new(root().join("tests/data/models/bpnet/model.torch"))
        .with_arch("bpnet".parse().expect("arch"))
        .with_wrappers(wrappers.parse().expect("wrappers"))
}

fn bench_bpnet(c: &mut Criterion) {
    let device = Default::default();
    let counts = load::<Cpu>(&spec("control,count"), &device).expect("bpnet");
    let both = load::<Cpu>(&spec("control"), &device).expect("bpnet");
    let counts_ad = load::<CpuAutodiff>(&spec("control,count"), &device).expect("bpnet");
    let x = inputs::<Cpu>();
    let x_ad = inputs::<CpuAutodiff>();
    assert_eq!(x.dims()[0], BATCH);

    let mut group = c.benchmark_group("bpnet_fixture_batch64");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("forward_counts", |b| {
        b.iter(|| black_box(counts.predict(x.clone()).expect("forward").into_data()))
    });
    group.bench_function("forward_profile_and_counts", |b| {
        b.iter(|| {
            let outs = both.forward_outputs(x.clone(), &Plain).expect("forward");
            black_box(outs.into_iter().map(|o| o.dims()).collect::<Vec<_>>())
        })
    });
    group.bench_function("forward_backward_counts", |b| {
        b.iter(|| {
            let xg = x_ad.clone().require_grad();
            let y = counts_ad.predict(xg.clone()).expect("forward");
            let grads = y.sum().backward();
            black_box(xg.grad(&grads).expect("input gradient").into_data())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_bpnet);
criterion_main!(benches);
