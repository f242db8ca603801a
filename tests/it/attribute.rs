//! DeepLIFT/SHAP parity with tangermeme 1.6.0 on the fixture models.
//!
//! Fixtures (see `tests/data/README.md`): `deep_lift_shap(wrapped, X.float(),
//! references=references.float(), target=0, batch_size=16, device='cpu')` for the first four
//! loci, and `deep_lift_shap(wrapped, X[:8], n_shuffles=5, random_state=7, batch_size=16,
//! return_references=True)` for the default seeded references.

use burn::backend::{Autodiff, Flex};
use motiflift::attribute::{DeepLiftShapOptions, References, deep_lift_shap};
use ndarray::{Array3, Array4, Axis, Ix2, Ix3, Ix4, s};

use crate::common::{fixture_model, max_abs_diff, npy_gz};

type Cpu = Flex;

const MODELS: [&str; 4] = ["bpnet", "chrombpnet", "procapnet", "beluga"];

/// Asserts `max |a − b| <= 1e-4 · max |b|` (issue #4) and returns the relative error.
fn assert_close(what: &str, a: &Array3<f32>, b: &Array3<f32>) -> f32 {
    assert_eq!(a.dim(), b.dim(), "{what}: shapes differ");
    let (diff, max) = max_abs_diff(a.iter(), b.iter());
    let rel = diff / max;
    assert!(rel <= 1e-4, "{what}: max abs error {diff:e} is {rel:e} of max |A| = {max:e}");
    rel
}

fn x_first(n: usize) -> Array3<u8> {
    let x: Array3<i8> = npy_gz::<i8, Ix3>("attribute/X_first8.npy.gz");
    x.slice(s![..n, .., ..]).mapv(|v| v as u8)
}

#[test]
fn explicit_references_match_tangermeme() {
    let x = x_first(4);
    let refs: Array4<u8> = npy_gz::<u8, Ix4>("attribute/references_first4.npy.gz");
    for (name, autodiff_only) in MODELS.iter().flat_map(|m| [(*m, false), (*m, true)]) {
        let graph = fixture_model::<Autodiff<Cpu>>(name, "onnx");
        // Every fixture graph takes the shared-forward route unless told otherwise.
        assert!(graph.supports_deep_lift_pairs(), "{name}");
        let opts = DeepLiftShapOptions { batch_size: 16, autodiff_only, ..Default::default() };
        let out = deep_lift_shap::<Cpu, _>(
            &graph,
            x.view(),
            &References::Given(refs.view()),
            &opts,
            &Default::default(),
            |_| {},
        )
        .unwrap();
        let expected: Array3<f32> = npy_gz(&format!("attribute/{name}_attributions_first4.npy.gz"));
        let rel = assert_close(name, &out.attributions, &expected);
        eprintln!("{name} (autodiff only: {autodiff_only}): projected attributions, max abs error / max |A| = {rel:e}");

        // Summation to delta: every pair's delta is tiny (tangermeme's are ≤ 1e-6).
        let deltas: ndarray::Array2<f32> = npy_gz::<f32, Ix2>(&format!("attribute/{name}_deltas_first4.npy.gz"));
        let worst = out.deltas.iter().fold(0f32, |m, d| m.max(*d));
        let reference_worst = deltas.iter().fold(0f32, |m, d| m.max(*d));
        let mut sorted: Vec<f32> = out.deltas.iter().copied().collect();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!(median <= 1e-5, "{name}: median convergence delta {median:e}");
        assert!(worst <= 1e-4, "{name}: worst convergence delta {worst:e} (tangermeme {reference_worst:e})");
        assert!(out.warnings.is_empty(), "{name}: {:?}", out.warnings);
    }
}

#[test]
fn hypothetical_attributions_match_tangermeme() {
    let x = x_first(4);
    let refs: Array4<u8> = npy_gz::<u8, Ix4>("attribute/references_first4.npy.gz");
    let graph = fixture_model::<Autodiff<Cpu>>("bpnet", "torch");
    let opts = DeepLiftShapOptions { batch_size: 7, hypothetical: true, ..Default::default() };
    let out = deep_lift_shap::<Cpu, _>(&graph, x.view(), &References::Given(refs.view()), &opts, &Default::default(), |_| {})
        .unwrap();
    let expected: Array3<f32> = npy_gz("attribute/bpnet_hypothetical_first4.npy.gz");
    let rel = assert_close("bpnet hypothetical", &out.attributions, &expected);
    eprintln!("bpnet: hypothetical attributions, max abs error / max |A| = {rel:e}");
}

#[test]
fn default_seeded_references_reproduce_tangermeme() {
    let x = x_first(2);
    for name in MODELS {
        // The references themselves must be identical (ALGORITHMS §4.3: seed = random_state + k).
        let expected_refs: Array4<u8> = npy_gz(&format!("attribute/{name}_default_seeded_references.npy.gz"));
        for i in 0..2 {
            for k in 0..5 {
                let seq: Vec<u8> = x.index_axis(Axis(0), i).iter().copied().collect();
                let one = motiflift_kernels::shuffle::DinucleotideShuffleOptions { n: 1, ..Default::default() };
                let r = motiflift_kernels::shuffle::dinucleotide_shuffle_one(&seq, 4, 2114, 7 + k as u32, &one).unwrap();
                let e: Vec<u8> = expected_refs.slice(s![i, k, .., ..]).iter().copied().collect();
                assert!(r == e, "{name}: reference {k} of example {i} differs from tangermeme's");
            }
        }
        let graph = fixture_model::<Autodiff<Cpu>>(name, "safetensors");
        let opts = DeepLiftShapOptions { batch_size: 16, ..Default::default() };
        let refs = References::Shuffle { n_shuffles: 5, random_state: 7 };
        let out = deep_lift_shap::<Cpu, _>(&graph, x.view(), &refs, &opts, &Default::default(), |_| {}).unwrap();
        let expected: Array3<f32> = npy_gz(&format!("attribute/{name}_default_seeded_attributions_first2.npy.gz"));
        let rel = assert_close(name, &out.attributions, &expected);
        eprintln!("{name}: default seeded attributions, max abs error / max |A| = {rel:e}");
    }
}

#[test]
fn batch_size_does_not_change_results() {
    let x = x_first(3);
    let graph = fixture_model::<Autodiff<Cpu>>("beluga", "onnx");
    let refs = References::Shuffle { n_shuffles: 3, random_state: 1 };
    let run = |batch_size| {
        let opts = DeepLiftShapOptions { batch_size, ..Default::default() };
        deep_lift_shap::<Cpu, _>(&graph, x.view(), &refs, &opts, &Default::default(), |_| {}).unwrap()
    };
    let (a, b) = (run(1), run(5));
    let (diff, max) = max_abs_diff(a.attributions.iter(), b.attributions.iter());
    assert!(diff <= 1e-6 * max, "batch 1 vs 5: {diff:e}");
}

#[test]
fn bad_inputs_are_rejected_with_clear_errors() {
    let graph = fixture_model::<Autodiff<Cpu>>("bpnet", "onnx");
    let refs = References::Shuffle { n_shuffles: 2, random_state: 0 };
    let opts = DeepLiftShapOptions::default();
    let run = |x: &Array3<u8>, opts: &DeepLiftShapOptions| {
        deep_lift_shap::<Cpu, _>(&graph, x.view(), &refs, opts, &Default::default(), |_| {})
            .unwrap_err()
            .to_string()
    };
    // An N column (all zero) at example 1, position 5.
    let mut x = x_first(2);
    x.slice_mut(s![1, .., 5]).fill(0);
    let e = run(&x, &opts);
    assert!(e.contains("sequence 1") && e.contains("position 5"), "{e}");
    // Out-of-range target.
    let e = run(&x_first(1), &DeepLiftShapOptions { target: 3, ..Default::default() });
    assert!(e.contains("target 3") && e.contains("1 output"), "{e}");
    // Empty input.
    let e = run(&Array3::zeros((0, 4, 2114)), &opts);
    assert!(e.contains("empty"), "{e}");
}
