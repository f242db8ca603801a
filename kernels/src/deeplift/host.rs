//! The rescale rule as one fused loop over host memory, for CPU backends: the tensor form
//! ([`rescale_multipliers`](super::rules::rescale_multipliers)) costs a dozen elementwise passes
//! with their allocations, which dominate a CPU DeepLIFT pass; this does the same arithmetic
//! (float32 difference, `|Δu| < 1e-6` fallback to the derivative, float32 secant) in one.
//! Also the parallel elementwise loops of the host forward and backward sweeps ([`sum`],
//! [`map`]): Burn's CPU backend runs them on one thread.

use super::Activation;
use super::rules::RESCALE_THRESHOLD;

/// The activations' inputs `u` and outputs `v` of a forward batch `[examples; references]`
/// (`examples + pairs` rows of `width` values, row-major), and which example each pair uses.
///
/// ```
/// use motiflift_kernels::deeplift::host::PairedActivations;
/// let (u, v) = (vec![2.0, -1.0, 0.0], vec![2.0, 0.0, 0.0]);
/// let acts = PairedActivations { u: &u, v: &v, width: 1, examples: 1, example_of: &[0, 0] };
/// assert_eq!(acts.pairs(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PairedActivations<'a> {
    /// Inputs, `(examples + pairs) × width`.
    pub u: &'a [f32],
    /// Outputs, same shape.
    pub v: &'a [f32],
    /// Values per row.
    pub width: usize,
    /// Example rows first.
    pub examples: usize,
    /// The example row of each pair.
    pub example_of: &'a [usize],
}

impl PairedActivations<'_> {
    /// The number of pairs (reference rows).
    ///
    /// ```
    /// use motiflift_kernels::deeplift::host::PairedActivations;
    /// let acts = PairedActivations { u: &[], v: &[], width: 4, examples: 0, example_of: &[] };
    /// assert_eq!(acts.pairs(), 0);
    /// ```
    pub fn pairs(&self) -> usize {
        self.example_of.len()
    }

    /// The input half's gradient `gx` (`pairs × width`) multiplied by the rescale multipliers,
    /// and the reference half's `gr` when given by the reference side's (they differ only where
    /// the fallback derivative is used), as new buffers written in parallel. `None` for
    /// activations without a scalar derivative ([`Activation::derivative_at`]) or mismatched
    /// sizes.
    ///
    /// ```
    /// use motiflift_kernels::deeplift::{Activation, host::PairedActivations};
    /// // Example u = [2, -1]; its reference [0, -1]: secant 1 at position 0, ReLU'(−1) = 0 at 1.
    /// let (u, v) = (vec![2.0, -1.0, 0.0, -1.0], vec![2.0, 0.0, 0.0, 0.0]);
    /// let acts = PairedActivations { u: &u, v: &v, width: 2, examples: 1, example_of: &[0] };
    /// let (gx, gr) = acts.rescaled(&Activation::Relu, &[3.0, 3.0], None).unwrap();
    /// assert_eq!((gx, gr), (vec![3.0, 0.0], None));
    /// ```
    pub fn rescaled(&self, act: &Activation, gx: &[f32], gr: Option<&[f32]>) -> Option<(Vec<f32>, Option<Vec<f32>>)> {
        let (w, e, b) = (self.width, self.examples, self.pairs());
        let rows = (e + b) * w;
        if act.derivative_at(0.5).is_none() || self.u.len() != rows || self.v.len() != rows || gx.len() != b * w {
            return None;
        }
        if gr.is_some_and(|g| g.len() != b * w) || self.example_of.iter().any(|&i| i >= e) {
            return None;
        }
        // ReLU (every layer of the zoo's CNNs) gets a loop of its own, free of the match.
        let half = |g: &[f32], reference: bool| match act {
            Activation::Relu => self.half(g, reference, |x| f32::from(u8::from(x > 0.0))),
            _ => self.half(g, reference, |x| act.derivative_at(x).unwrap_or(0.0)),
        };
        Some((half(gx, false), gr.map(|gr| half(gr, true))))
    }

    /// One half's rescaled gradient: `g · Δv/Δu`, or `g · f'(u)` of the half's own input where
    /// `|Δu|` is below the threshold.
    fn half(&self, g: &[f32], reference: bool, derivative: impl Fn(f32) -> f32 + Sync + Send) -> Vec<f32> {
        let (w, e) = (self.width, self.examples);
        let threshold = RESCALE_THRESHOLD as f32;
        crate::conv::build_chunks(self.pairs() * w, w, || (), |_, p, out| {
            let ex = self.example_of[p] * w;
            let rf = (e + p) * w;
            let (ux, vx) = (&self.u[ex..ex + w], &self.v[ex..ex + w]);
            let (ur, vr) = (&self.u[rf..rf + w], &self.v[rf..rf + w]);
            let own = if reference { ur } else { ux };
            let g = &g[p * w..(p + 1) * w];
            for j in 0..w {
                let du = ux[j] - ur[j];
                out[j] = g[j]
                    * if du.abs() < threshold {
                        derivative(own[j])
                    } else {
                        (vx[j] - vr[j]) / du
                    };
            }
        })
    }
}

/// Values per task of the elementwise loops below.
const CHUNK: usize = 1 << 14;

/// `a + b`, elementwise, in parallel; `None` when the lengths differ.
///
/// ```
/// assert_eq!(motiflift_kernels::deeplift::host::sum(&[1.0, 2.0], &[0.5, -2.0]), Some(vec![1.5, 0.0]));
/// ```
pub fn sum(a: &[f32], b: &[f32]) -> Option<Vec<f32>> {
    (a.len() == b.len()).then(|| {
        crate::conv::build_chunks(a.len(), CHUNK, || (), |_, i, out| {
            let (a, b) = (&a[i * CHUNK..i * CHUNK + out.len()], &b[i * CHUNK..i * CHUNK + out.len()]);
            for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                *o = a + b;
            }
        })
    })
}

/// `f(x)`, elementwise, in parallel.
///
/// ```
/// let y = motiflift_kernels::deeplift::host::map(&[-1.0, 2.0], |x| x.max(0.0));
/// assert_eq!(y, vec![0.0, 2.0]);
/// ```
pub fn map(x: &[f32], f: impl Fn(f32) -> f32 + Sync + Send) -> Vec<f32> {
    crate::conv::build_chunks(x.len(), CHUNK, || (), |_, i, out| {
        let x = &x[i * CHUNK..i * CHUNK + out.len()];
        for (o, &x) in out.iter_mut().zip(x) {
            *o = f(x);
        }
    })
}
