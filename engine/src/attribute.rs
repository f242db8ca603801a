//! DeepLIFT/SHAP attributions, exactly as tangermeme's `deep_lift_shap` (ALGORITHMS §4).
//!
//! Pairs `(example i, reference k)` are enumerated `p = i·n_shuffles + k` and cut into batches of
//! `batch_size` pairs. Each batch runs once through the model as `[inputs; references]` with
//! the DeepLIFT rules of [`motiflift_kernels::deeplift::DeepLift`], one backward pass gives the
//! multipliers, and per pair the hypothetical contributions `H = m − Σ_c r·m` are accumulated
//! into the example's mean. Memory is bounded by `batch_size`: finished examples are handed to
//! a sink as soon as their last reference is done ([`deep_lift_shap_with`]).
//!
//! ```no_run
//! use burn::backend::{Autodiff, Flex};
//! use motiflift::attribute::{deep_lift_shap, DeepLiftShapOptions, References};
//! # fn model() -> motiflift_models::Graph<Autodiff<Flex>> { unimplemented!() }
//! let graph = model();
//! let x = ndarray::Array3::<u8>::zeros((1, 4, 2114));
//! let refs = References::Shuffle { n_shuffles: 20, random_state: 0 };
//! let out = deep_lift_shap::<Flex, _>(&graph, x.view(), &refs, &DeepLiftShapOptions::default(),
//!                          &Default::default(), |_| {})?;
//! println!("{:?}", out.attributions.dim());
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::collections::BTreeMap;

use burn::backend::Autodiff;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use motiflift_kernels::deeplift::{DeepLift, Nonlinear, Untracked};
use motiflift_models::Graph;
use motiflift_models::deeplift::PairedPass;
use motiflift_kernels::shuffle::{DinucleotideShuffleOptions, dinucleotide_shuffle_one};
use ndarray::{Array2, Array3, ArrayView3, ArrayView4, Axis};

use crate::{Error, Result};

/// A model that can be explained: a forward pass whose nonlinearities go through `rules`.
///
/// Implemented for [`motiflift_models::Graph`]; implement it for your own Burn model to
/// explain it (every nonlinear op must call `rules`, or the attributions will not sum up —
/// which the convergence deltas then report).
///
/// ```
/// use burn::tensor::{Tensor, backend::Backend};
/// use motiflift::attribute::Explain;
/// use motiflift_kernels::deeplift::{Activation, Nonlinear};
///
/// /// y = relu(Σ x)
/// struct SumRelu;
/// impl<B: Backend> Explain<B> for SumRelu {
///     fn forward_with<N: Nonlinear<B>>(&self, x: Tensor<B, 3>, rules: &N)
///         -> motiflift::Result<Tensor<B, 2>> {
///         let s = x.sum_dim(2).sum_dim(1).squeeze_dim::<2>(2);
///         Ok(rules.activation(&Activation::Relu, s))
///     }
/// }
/// ```
pub trait Explain<B: Backend> {
    /// Runs the model on `x` `(batch, 4, L)`, returning `(batch, n_outputs)`.
    fn forward_with<N: Nonlinear<B>>(&self, x: Tensor<B, 3>, rules: &N) -> Result<Tensor<B, 2>>;

    /// The multipliers of the pairs `(example_of[p], references[p])` for output `target`, by a
    /// cheaper route than the paired autodiff pass (each example's forward pass once, no
    /// backward pass of the reference half), or `None` to use that pass. The default is `None`;
    /// [`motiflift_models::Graph`] implements it with
    /// [`Graph::deep_lift_pairs`](motiflift_models::Graph::deep_lift_pairs). It runs on the
    /// inner backend: a pass with no backward pass must record no autodiff steps (Burn frees
    /// those only after a backward pass, so memory would grow with every batch).
    fn deep_lift_pairs(
        &self,
        examples: Tensor<B::InnerBackend, 3>,
        references: Tensor<B::InnerBackend, 3>,
        example_of: &[usize],
        target: usize,
    ) -> Result<Option<PairedPass<B::InnerBackend>>>
    where
        B: AutodiffBackend,
    {
        let _ = (examples, references, example_of, target);
        Ok(None)
    }
}

impl<B: Backend> Explain<B> for motiflift_models::Graph<B> {
    fn forward_with<N: Nonlinear<B>>(&self, x: Tensor<B, 3>, rules: &N) -> Result<Tensor<B, 2>> {
        Ok(self.forward(x, rules)?)
    }

    fn deep_lift_pairs(
        &self,
        examples: Tensor<B::InnerBackend, 3>,
        references: Tensor<B::InnerBackend, 3>,
        example_of: &[usize],
        target: usize,
    ) -> Result<Option<PairedPass<B::InnerBackend>>>
    where
        B: AutodiffBackend,
    {
        Ok(Graph::deep_lift_pairs(&self.inner(), examples, references, example_of, target)?)
    }
}

/// Where the references come from.
///
/// ```
/// use motiflift::attribute::References;
/// let refs = References::Shuffle { n_shuffles: 20, random_state: 0 };
/// assert_eq!(refs.n_shuffles(), 20);
/// ```
#[derive(Debug, Clone)]
pub enum References<'a> {
    /// tangermeme's default: reference `k` of example `i` is the dinucleotide shuffle of
    /// `X[i]` seeded with `random_state + k` (ALGORITHMS §4.3).
    Shuffle {
        /// References per example.
        n_shuffles: usize,
        /// Base seed.
        random_state: u64,
    },
    /// `dinucleotide_shuffle(X, n=n_shuffles, random_state)` as a reference tensor: locus `i`
    /// seeded with `random_state + i`, its `n_shuffles` shuffles drawn from one stream
    /// (ALGORITHMS §3.1) — how references are usually made explicitly (and how the fixtures'
    /// `references.npy` was made).
    PerLocus {
        /// References per example.
        n_shuffles: usize,
        /// Base seed.
        random_state: u64,
    },
    /// Explicit references `(n, k, 4, L)`, one-hot (all-zero columns allowed).
    Given(ArrayView4<'a, u8>),
}

impl References<'_> {
    /// References per example.
    ///
    /// ```
    /// let r = ndarray::Array4::<u8>::zeros((2, 3, 4, 10));
    /// assert_eq!(motiflift::attribute::References::Given(r.view()).n_shuffles(), 3);
    /// ```
    pub fn n_shuffles(&self) -> usize {
        match self {
            Self::Shuffle { n_shuffles, .. } | Self::PerLocus { n_shuffles, .. } => *n_shuffles,
            Self::Given(r) => r.dim().1,
        }
    }

    /// Reference `k` of example `i` (of `x`), as one-hot bytes `(4, L)`. `cache` keeps the
    /// last example's per-locus shuffles.
    fn get(&self, x: &ArrayView3<u8>, i: usize, k: usize, cache: &mut Option<(usize, Vec<u8>)>) -> Result<Vec<u8>> {
        match self {
            Self::PerLocus { n_shuffles, random_state } => {
                let (a, len) = (x.dim().1, x.dim().2);
                if cache.as_ref().is_none_or(|(c, _)| *c != i) {
                    let seq: Vec<u8> = x.index_axis(Axis(0), i).iter().copied().collect();
                    let seed = (random_state.wrapping_add(i as u64) & 0xFFFF_FFFF) as u32;
                    let opts = DinucleotideShuffleOptions { n: *n_shuffles, ..Default::default() };
                    let shuffles =
                        dinucleotide_shuffle_one(&seq, a, len, seed, &opts).map_err(|e| for_example(e, i))?;
                    *cache = Some((i, shuffles));
                }
                let width = a * len;
                Ok(cache.as_ref().map(|(_, s)| s[k * width..(k + 1) * width].to_vec()).unwrap_or_default())
            }
            Self::Given(r) => Ok(r.index_axis(Axis(0), i).index_axis(Axis(0), k).iter().copied().collect()),
            Self::Shuffle { random_state, .. } => {
                let seq: Vec<u8> = x.index_axis(Axis(0), i).iter().copied().collect();
                let (a, len) = (x.dim().1, x.dim().2);
                let seed = (random_state.wrapping_add(k as u64) & 0xFFFF_FFFF) as u32;
                let one = DinucleotideShuffleOptions { n: 1, ..Default::default() };
                Ok(dinucleotide_shuffle_one(&seq, a, len, seed, &one).map_err(|e| for_example(e, i))?)
            }
        }
    }
}

/// Renumbers a single-sequence shuffle error (which always says sequence 0) to example `i`.
fn for_example(e: motiflift_kernels::Error, i: usize) -> motiflift_kernels::Error {
    match e {
        motiflift_kernels::Error::IdenticalShuffles { .. } => motiflift_kernels::Error::IdenticalShuffles { index: i },
        other => other,
    }
}

/// Options of [`deep_lift_shap`], with tangermeme's defaults.
///
/// ```
/// let o = motiflift::attribute::DeepLiftShapOptions::default();
/// assert_eq!((o.target, o.batch_size, o.hypothetical), (0, 32, false));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeepLiftShapOptions {
    /// Output column to explain.
    pub target: usize,
    /// Pairs (example, reference) per forward/backward pass.
    pub batch_size: usize,
    /// Return the mean hypothetical contributions for all four bases instead of projecting
    /// them onto the observed base.
    pub hypothetical: bool,
    /// Convergence deltas above this are reported in [`Attributions::warnings`].
    pub warning_threshold: f32,
    /// Always run tangermeme's paired autodiff pass, even for models with a cheaper route
    /// ([`Explain::deep_lift_pairs`]: each example's forward pass shared by its references, no
    /// backward pass of the reference half). Both give the same attributions up to rounding.
    pub autodiff_only: bool,
}

impl Default for DeepLiftShapOptions {
    fn default() -> Self {
        Self { target: 0, batch_size: 32, hypothetical: false, warning_threshold: 1e-3, autodiff_only: false }
    }
}

/// One finished example, as handed to the sink of [`deep_lift_shap_with`].
#[derive(Debug, Clone)]
pub struct ExampleAttribution {
    /// Index of the example in the input.
    pub index: usize,
    /// Attributions `(4, L)` row-major: projected, or hypothetical when asked.
    pub values: Vec<f32>,
    /// Convergence delta of each of its pairs.
    pub deltas: Vec<f32>,
}

/// The result of [`deep_lift_shap`].
#[derive(Debug, Clone)]
pub struct Attributions {
    /// `(n, 4, L)` attributions (projected, or hypothetical when asked).
    pub attributions: Array3<f32>,
    /// `(n, n_shuffles)` convergence deltas `|f(x) − f(r) − Σ (x − r)·m|`.
    pub deltas: Array2<f32>,
    /// Human-readable warnings: pairs whose delta exceeds the threshold.
    pub warnings: Vec<String>,
}

/// Computes DeepLIFT/SHAP attributions of `model` for the one-hot sequences `x` `(n, 4, L)`.
/// `progress` is called with the number of pairs finished after each batch.
///
/// See the module docs for an example.
pub fn deep_lift_shap<B, M>(
    model: &M,
    x: ArrayView3<u8>,
    references: &References,
    options: &DeepLiftShapOptions,
    device: &B::Device,
    progress: impl FnMut(u64),
) -> Result<Attributions>
where
    B: Backend,
    M: Explain<Autodiff<B>>,
{
    let (n, a, len) = x.dim();
    let k = references.n_shuffles();
    let mut attributions = Array3::<f32>::zeros((n, a, len));
    let mut deltas = Array2::<f32>::zeros((n, k));
    let mut warnings = Vec::new();
    deep_lift_shap_with::<B, M>(model, x, references, options, device, progress, |ex| {
        attributions
            .index_axis_mut(Axis(0), ex.index)
            .iter_mut()
            .zip(&ex.values)
            .for_each(|(dst, v)| *dst = *v);
        for (j, d) in ex.deltas.iter().enumerate() {
            deltas[[ex.index, j]] = *d;
            if *d > options.warning_threshold {
                warnings.push(format!(
                    "example {}, reference {j}: convergence delta {d:e} exceeds {:e}",
                    ex.index, options.warning_threshold
                ));
            }
        }
        Ok(())
    })?;
    Ok(Attributions { attributions, deltas, warnings })
}

/// Checks that `x` is strictly one-hot along the alphabet (every column sums to one).
fn check_one_hot(x: &ArrayView3<u8>) -> Result<()> {
    for (i, seq) in x.outer_iter().enumerate() {
        for (pos, col) in seq.axis_iter(Axis(1)).enumerate() {
            let sum: u32 = col.iter().map(|&v| v as u32).sum();
            if sum != 1 || col.iter().any(|&v| v > 1) {
                return Err(motiflift_kernels::Error::NotOneHot {
                    what: "X",
                    index: i,
                    position: pos,
                    reason: format!(
                        "column sums to {sum}; deep_lift_shap needs exactly one base per position (no N)"
                    ),
                }
                .into());
            }
        }
    }
    Ok(())
}

/// Checks the shape of explicit references.
fn check_references(x: &ArrayView3<u8>, references: &References) -> Result<()> {
    if let References::Given(r) = references {
        let (n, k, a, len) = r.dim();
        let (xn, xa, xl) = x.dim();
        if n != xn || a != xa || len != xl || k == 0 {
            return Err(motiflift_kernels::Error::Shape {
                what: "references",
                expected: format!("(n={xn}, k>=1, {xa}, {xl})"),
                got: vec![n, k, a, len],
            }
            .into());
        }
        if r.iter().any(|&v| v > 1) {
            return Err(Error::Invalid("references must be one-hot (values 0/1)".into()));
        }
    }
    Ok(())
}

/// Per-example running sum of hypothetical contributions.
struct Accumulator {
    sum: Vec<f32>,
    deltas: Vec<f32>,
    done: usize,
}

/// Streaming form of [`deep_lift_shap`]: each example is handed to `sink` as soon as all of
/// its references are done, so memory is bounded by `batch_size`, not by `n`.
///
/// ```no_run
/// # use burn::backend::{Autodiff, Flex};
/// # use motiflift::attribute::*;
/// # fn model() -> motiflift_models::Graph<Autodiff<Flex>> { unimplemented!() }
/// # let x = ndarray::Array3::<u8>::zeros((1, 4, 100));
/// let refs = References::Shuffle { n_shuffles: 20, random_state: 0 };
/// deep_lift_shap_with::<Flex, _>(&model(), x.view(), &refs, &Default::default(),
///     &Default::default(), |_| {}, |ex| { println!("{}", ex.index); Ok(()) })?;
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn deep_lift_shap_with<B, M>(
    model: &M,
    x: ArrayView3<u8>,
    references: &References,
    options: &DeepLiftShapOptions,
    device: &B::Device,
    mut progress: impl FnMut(u64),
    mut sink: impl FnMut(ExampleAttribution) -> Result<()>,
) -> Result<()>
where
    B: Backend,
    M: Explain<Autodiff<B>>,
{
    let (n, a, len) = x.dim();
    if n == 0 {
        return Err(motiflift_kernels::Error::Empty("X").into());
    }
    let k = references.n_shuffles();
    if k == 0 {
        return Err(Error::Invalid("n_shuffles must be at least 1".into()));
    }
    if options.batch_size == 0 {
        return Err(Error::Invalid("batch_size must be at least 1".into()));
    }
    check_one_hot(&x)?;
    check_references(&x, references)?;

    let n_pairs = n * k;
    let width = a * len;
    let mut open: BTreeMap<usize, Accumulator> = BTreeMap::new();
    let mut cache = None;
    let mut use_pairs = !options.autodiff_only;
    let mut start = 0;
    while start < n_pairs {
        let end = (start + options.batch_size).min(n_pairs);
        let b = end - start;
        let mut refs = Vec::with_capacity(b);
        for p in start..end {
            refs.push(references.get(&x, p / k, p % k, &mut cache)?);
        }
        let pass = match use_pairs {
            true => paired_batch::<B, M>(model, &x, start..end, k, &refs, options.target, device)?,
            false => None,
        };
        use_pairs &= pass.is_some();
        let (m, outputs) = match pass {
            Some(pass) => pass,
            None => autodiff_batch::<B, M>(model, &x, start..end, k, &refs, options.target, device)?,
        };

        for (row, p) in (start..end).enumerate() {
            let (i, kk) = (p / k, p % k);
            let mrow = &m[row * width..(row + 1) * width];
            if let Some(bad) = mrow.iter().position(|v| !v.is_finite()) {
                return Err(Error::Invalid(format!(
                    "multiplier is {} for pair {p} (example {i}, reference {kk}) at base {}, position {} \
                     (a non-finite weight or activation in the model?)",
                    mrow[bad],
                    bad / len,
                    bad % len
                )));
            }
            let r = &refs[row];
            let xi = x.index_axis(Axis(0), i);
            let xs = xi.as_slice();
            let acc = open.entry(i).or_insert_with(|| Accumulator {
                sum: vec![0.0; width],
                deltas: vec![0.0; k],
                done: 0,
            });
            // H[c, l] = m[c, l] − Σ_c' r[c', l]·m[c', l]; input_diff = Σ (x − r)·m.
            let mut input_diff = 0f32;
            for l in 0..len {
                let mut rm = 0f32;
                for c in 0..a {
                    rm += r[c * len + l] as f32 * mrow[c * len + l];
                }
                for c in 0..a {
                    let idx = c * len + l;
                    acc.sum[idx] += mrow[idx] - rm;
                    let xv = match xs {
                        Some(s) => s[idx],
                        None => xi[[c, l]],
                    };
                    input_diff += (xv as f32 - r[idx] as f32) * mrow[idx];
                }
            }
            let output_diff = outputs[row].0 - outputs[row].1;
            acc.deltas[kk] = (output_diff - input_diff).abs();
            acc.done += 1;
            if acc.done == k {
                if let Some(acc) = open.remove(&i) {
                    sink(finish(i, acc, &xi, k, options.hypothetical))?;
                }
            }
        }
        progress(b as u64);
        start = end;
    }
    Ok(())
}

/// Multipliers `(b·4·L)` and `(f(x), f(r))` of the pairs `start..end` by the model's cheaper
/// route ([`Explain::deep_lift_pairs`]), or `None` when it has none.
fn paired_batch<B, M>(
    model: &M,
    x: &ArrayView3<u8>,
    pairs: std::ops::Range<usize>,
    k: usize,
    refs: &[Vec<u8>],
    target: usize,
    device: &B::Device,
) -> Result<Option<(Vec<f32>, Vec<(f32, f32)>)>>
where
    B: Backend,
    M: Explain<Autodiff<B>>,
{
    let (_, a, len) = x.dim();
    let first = pairs.start / k;
    let last = (pairs.end - 1) / k;
    let u = last - first + 1;
    let examples: Vec<f32> = x.slice(ndarray::s![first..=last, .., ..]).iter().map(|&v| v as f32).collect();
    let example_of: Vec<usize> = pairs.clone().map(|p| p / k - first).collect();
    let r: Vec<f32> = refs.iter().flatten().map(|&v| v as f32).collect();
    let b = refs.len();
    let examples = Tensor::<B, 3>::from_data(TensorData::new(examples, [u, a, len]), device);
    let references = Tensor::<B, 3>::from_data(TensorData::new(r, [b, a, len]), device);
    let Some(pass) = model.deep_lift_pairs(examples, references, &example_of, target)? else {
        return Ok(None);
    };
    let m: Vec<f32> = pass.multipliers.into_data().convert::<f32>().into_vec().map_err(data_error)?;
    let outputs: Vec<(f32, f32)> = example_of
        .iter()
        .zip(&pass.reference_outputs)
        .map(|(&e, &fr)| (pass.example_outputs[e], fr))
        .collect();
    check_outputs(&outputs, pairs.start, k)?;
    Ok(Some((m, outputs)))
}

/// Multipliers and outputs of the pairs `start..end` by one paired autodiff pass over
/// `[inputs; references]` with the DeepLIFT rules (tangermeme's way).
fn autodiff_batch<B, M>(
    model: &M,
    x: &ArrayView3<u8>,
    pairs: std::ops::Range<usize>,
    k: usize,
    refs: &[Vec<u8>],
    target: usize,
    device: &B::Device,
) -> Result<(Vec<f32>, Vec<(f32, f32)>)>
where
    B: Backend,
    M: Explain<Autodiff<B>>,
{
    let (_, a, len) = x.dim();
    let width = a * len;
    let b = refs.len();
    // Z = [inputs; references], as f32.
    let mut z = vec![0f32; 2 * b * width];
    for (row, p) in pairs.clone().enumerate() {
        let xi = x.index_axis(Axis(0), p / k);
        for (dst, v) in z[row * width..(row + 1) * width].iter_mut().zip(xi.iter()) {
            *dst = *v as f32;
        }
        for (dst, v) in z[(b + row) * width..(b + row + 1) * width].iter_mut().zip(&refs[row]) {
            *dst = *v as f32;
        }
    }
    let zt = Tensor::<Autodiff<B>, 3>::from_data(TensorData::new(z, [2 * b, a, len]), device).require_grad();
    let y = model.forward_with(zt.clone(), &DeepLift)?;
    let [rows, n_outputs] = y.dims();
    if rows != 2 * b {
        return Err(Error::Invalid(format!("the model returned {rows} rows for a batch of {}", 2 * b)));
    }
    if target >= n_outputs {
        return Err(Error::Invalid(format!(
            "target {target} is out of range: the model has {n_outputs} output(s)"
        )));
    }
    let yt = y.narrow(1, target, 1);
    let grads = yt.clone().sum().backward();
    let values: Vec<f32> = yt.into_data().convert::<f32>().into_vec().map_err(data_error)?;
    let outputs: Vec<(f32, f32)> = (0..b).map(|row| (values[row], values[b + row])).collect();
    check_outputs(&outputs, pairs.start, k)?;
    let grad = zt
        .grad(&grads)
        .ok_or_else(|| Error::Invalid("the model output does not depend on its input".into()))?
        .narrow(0, 0, b);
    let m: Vec<f32> = grad.into_data().convert::<f32>().into_vec().map_err(data_error)?;
    Ok((m, outputs))
}

/// A non-finite model output is an error naming the pair and the half.
fn check_outputs(outputs: &[(f32, f32)], start: usize, k: usize) -> Result<()> {
    for (row, &(fx, fr)) in outputs.iter().enumerate() {
        for (value, half) in [(fx, "input"), (fr, "reference")] {
            if !value.is_finite() {
                let p = start + row;
                return Err(Error::Invalid(format!(
                    "model output is {value} for pair {p} (example {}, reference {}, {half} half)",
                    p / k,
                    p % k
                )));
            }
        }
    }
    Ok(())
}

/// Mean over references, projected onto the observed base unless `hypothetical`.
fn finish(
    index: usize,
    acc: Accumulator,
    x: &ndarray::ArrayView2<u8>,
    k: usize,
    hypothetical: bool,
) -> ExampleAttribution {
    let mut values = acc.sum;
    let kf = k as f32;
    for (v, xv) in values.iter_mut().zip(x.iter()) {
        *v /= kf;
        if !hypothetical {
            *v *= *xv as f32;
        }
    }
    ExampleAttribution { index, values, deltas: acc.deltas }
}

fn data_error(e: burn::tensor::DataError) -> Error {
    Error::Invalid(format!("tensor data conversion failed: {e:?}"))
}

/// Plain predictions `(n, n_outputs)` in batches of `batch_size`. Give it a model on a backend
/// without autodiff (for a loaded `Graph<Autodiff<B>>`, its [`Graph::inner`]): Burn keeps the
/// records of untracked autodiff operations until a backward pass.
///
/// ```no_run
/// # use burn::backend::Flex;
/// # fn model() -> motiflift_models::Graph<Flex> { unimplemented!() }
/// let x = ndarray::Array3::<u8>::zeros((2, 4, 2114));
/// let y = motiflift::attribute::predict::<Flex, _>(&model(), x.view(), 64, &Default::default())?;
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn predict<B, M>(model: &M, x: ArrayView3<u8>, batch_size: usize, device: &B::Device) -> Result<Array2<f32>>
where
    B: Backend,
    M: Explain<B>,
{
    let (n, a, len) = x.dim();
    let batch_size = batch_size.max(1);
    let mut out: Vec<f32> = Vec::new();
    let mut n_outputs = 0;
    let mut start = 0;
    while start < n {
        let end = (start + batch_size).min(n);
        let data: Vec<f32> = x.slice(ndarray::s![start..end, .., ..]).iter().map(|&v| v as f32).collect();
        let t = Tensor::<B, 3>::from_data(TensorData::new(data, [end - start, a, len]), device);
        let y = model.forward_with(t, &Untracked)?;
        n_outputs = y.dims()[1];
        out.extend(y.into_data().convert::<f32>().into_vec::<f32>().map_err(data_error)?);
        start = end;
    }
    Array2::from_shape_vec((n, n_outputs), out).map_err(|e| Error::Invalid(e.to_string()))
}
