//! The rescale rule as one fused loop over host memory, for CPU backends: the tensor form
//! ([`rescale_multipliers`](super::rules::rescale_multipliers)) costs a dozen elementwise passes
//! with their allocations, which dominate a CPU DeepLIFT pass; this does the same arithmetic
//! (float32 difference, `|Δu| < 1e-6` fallback to the derivative, float32 secant) in one.

use rayon::prelude::*;

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

    /// Multiplies the input half's gradient `gx` (`pairs × width`) by the rescale multipliers,
    /// and the reference half's `gr` when given by the reference side's (they differ only where
    /// the fallback derivative is used). Returns `false`, touching nothing, for activations
    /// without a scalar derivative ([`Activation::derivative_at`]) or mismatched sizes.
    ///
    /// ```
    /// use motiflift_kernels::deeplift::{Activation, host::PairedActivations};
    /// // Example u = [2, -1]; its reference [0, -1]: secant 1 at position 0, ReLU'(−1) = 0 at 1.
    /// let (u, v) = (vec![2.0, -1.0, 0.0, -1.0], vec![2.0, 0.0, 0.0, 0.0]);
    /// let acts = PairedActivations { u: &u, v: &v, width: 2, examples: 1, example_of: &[0] };
    /// let mut g = vec![3.0, 3.0];
    /// assert!(acts.rescale(&Activation::Relu, &mut g, None));
    /// assert_eq!(g, vec![3.0, 0.0]);
    /// ```
    pub fn rescale(&self, act: &Activation, gx: &mut [f32], gr: Option<&mut [f32]>) -> bool {
        let (w, e, b) = (self.width, self.examples, self.pairs());
        let rows = (e + b) * w;
        if act.derivative_at(0.5).is_none() || self.u.len() != rows || self.v.len() != rows || gx.len() != b * w {
            return false;
        }
        if gr.as_ref().is_some_and(|g| g.len() != b * w) || self.example_of.iter().any(|&i| i >= e) {
            return false;
        }
        let threshold = RESCALE_THRESHOLD as f32;
        let row = |p: usize, gx: &mut [f32], gr: Option<&mut [f32]>| {
            let ex = self.example_of[p] * w;
            let rf = (e + p) * w;
            let (ux, vx) = (&self.u[ex..ex + w], &self.v[ex..ex + w]);
            let (ur, vr) = (&self.u[rf..rf + w], &self.v[rf..rf + w]);
            match gr {
                None => {
                    for j in 0..w {
                        let du = ux[j] - ur[j];
                        gx[j] *= if du.abs() < threshold {
                            act.derivative_at(ux[j]).unwrap_or(0.0)
                        } else {
                            (vx[j] - vr[j]) / du
                        };
                    }
                }
                Some(gr) => {
                    for j in 0..w {
                        let du = ux[j] - ur[j];
                        if du.abs() < threshold {
                            gx[j] *= act.derivative_at(ux[j]).unwrap_or(0.0);
                            gr[j] *= act.derivative_at(ur[j]).unwrap_or(0.0);
                        } else {
                            let secant = (vx[j] - vr[j]) / du;
                            gx[j] *= secant;
                            gr[j] *= secant;
                        }
                    }
                }
            }
        };
        match gr {
            None => gx.par_chunks_mut(w).enumerate().for_each(|(p, gx)| row(p, gx, None)),
            Some(gr) => gx
                .par_chunks_mut(w)
                .zip(gr.par_chunks_mut(w))
                .enumerate()
                .for_each(|(p, (gx, gr))| row(p, gx, Some(gr))),
        }
        true
    }
}
