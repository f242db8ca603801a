//! The rescale rule as one fused loop over host memory, for CPU backends: the tensor form
//! ([`rescale_multipliers`](super::rules::rescale_multipliers)) costs a dozen elementwise passes
//! with their allocations, which dominate a CPU DeepLIFT pass; this does the same arithmetic
//! (float32 difference, `|Δu| < 1e-6` fallback to the derivative, float32 secant) in one.
//! Also the parallel elementwise loops of the host forward and backward sweeps ([`sum`],
//! [`map`]): Burn's CPU backend runs them on one thread.

use std::mem::MaybeUninit;

use super::{Activation, MaxPool1d};
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
        let half = |g: &[f32], reference: bool| self.half(act, g, reference);
        Some((half(gx, false), gr.map(|gr| half(gr, true))))
    }

    /// One half's rescaled gradient: `g · Δv/Δu`, or `g · f'(u)` of the half's own input where
    /// `|Δu|` is below the threshold. ReLU (every layer of the zoo's CNNs) gets a loop of its
    /// own that vectorises: `v = max(u, 0)` recomputed (the forward pass's very bits) instead of
    /// read, and its derivative inline.
    fn half(&self, act: &Activation, g: &[f32], reference: bool) -> Vec<f32> {
        let (w, e) = (self.width, self.examples);
        let threshold = RESCALE_THRESHOLD as f32;
        let fill = |_: &mut (), p: usize, out: &mut [MaybeUninit<f32>]| {
            let (ex, rf) = (self.example_of[p] * w, (e + p) * w);
            let (ux, ur) = (&self.u[ex..ex + w], &self.u[rf..rf + w]);
            let g = &g[p * w..(p + 1) * w];
            if *act == Activation::Relu {
                for ((o, &g), (&a, &b)) in out.iter_mut().zip(g).zip(ux.iter().zip(ur)) {
                    let du = a - b;
                    let own = if reference { b } else { a };
                    let slope = if own > 0.0 { 1.0 } else { 0.0 };
                    o.write(g * if du.abs() < threshold { slope } else { (a.max(0.0) - b.max(0.0)) / du });
                }
                return;
            }
            let (vx, vr) = (&self.v[ex..ex + w], &self.v[rf..rf + w]);
            let inputs = ux.iter().zip(ur).zip(vx.iter().zip(vr));
            for ((o, &g), ((&a, &b), (&va, &vb))) in out.iter_mut().zip(g).zip(inputs) {
                let du = a - b;
                let own = if reference { b } else { a };
                o.write(g * if du.abs() < threshold { act.derivative_at(own).unwrap_or(0.0) } else { (va - vb) / du });
            }
        };
        // SAFETY: `fill` writes every value of its row: `ux`, `ur`, `g` (and `vx`, `vr`) are
        // `w` long, as is the row.
        unsafe { crate::conv::build_chunks_overwritten(self.pairs() * w, w, || (), fill) }
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
        let fill = |_: &mut (), i: usize, out: &mut [MaybeUninit<f32>]| {
            let (a, b) = (&a[i * CHUNK..i * CHUNK + out.len()], &b[i * CHUNK..i * CHUNK + out.len()]);
            for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                o.write(a + b);
            }
        };
        // SAFETY: `a` and `b` are sliced to the chunk's length, so `fill` writes every value.
        unsafe { crate::conv::build_chunks_overwritten(a.len(), CHUNK, || (), fill) }
    })
}

/// `f(x)`, elementwise, in parallel.
///
/// ```
/// let y = motiflift_kernels::deeplift::host::map(&[-1.0, 2.0], |x| x.max(0.0));
/// assert_eq!(y, vec![0.0, 2.0]);
/// ```
pub fn map(x: &[f32], f: impl Fn(f32) -> f32 + Sync + Send) -> Vec<f32> {
    let fill = |_: &mut (), i: usize, out: &mut [MaybeUninit<f32>]| {
        let x = &x[i * CHUNK..i * CHUNK + out.len()];
        for (o, &x) in out.iter_mut().zip(x) {
            o.write(f(x));
        }
    };
    // SAFETY: `x` is sliced to the chunk's length, so `fill` writes every value.
    unsafe { crate::conv::build_chunks_overwritten(x.len(), CHUNK, || (), fill) }
}

/// The output length of a max-pool over `len` positions, as Burn's CPU backend computes it.
///
/// ```
/// use motiflift_kernels::deeplift::{MaxPool1d, host::pooled_len};
/// assert_eq!(pooled_len(&MaxPool1d::new(4), 10), 2);
/// ```
pub fn pooled_len(pool: &MaxPool1d, len: usize) -> usize {
    let span = pool.dilation * (pool.kernel.max(1) - 1) + 1;
    let padded = len + 2 * pool.padding;
    match (padded.checked_sub(span), pool.ceil_mode) {
        (None, ceil) => usize::from(ceil),
        (Some(n), true) => n.div_ceil(pool.stride.max(1)) + 1,
        (Some(n), false) => n / pool.stride.max(1) + 1,
    }
}

/// The first maximum of window `o` of `row` and its position (`(-inf, None)` for a window
/// entirely in the padding).
fn window_max(pool: &MaxPool1d, row: &[f32], o: usize) -> (f32, Option<usize>) {
    let mut best = (f32::NEG_INFINITY, None);
    for k in 0..pool.kernel {
        let Some(i) = (o * pool.stride + k * pool.dilation).checked_sub(pool.padding) else { continue };
        if let Some(&v) = row.get(i)
            && (best.1.is_none() || v > best.0)
        {
            best = (v, Some(i));
        }
    }
    best
}

/// A 1-D max-pool of `rows` rows of `len` values (Burn's CPU semantics: the first maximum of
/// each window), in parallel; `None` for an invalid pool or sizes.
///
/// ```
/// use motiflift_kernels::deeplift::{MaxPool1d, host::max_pool1d};
/// assert_eq!(max_pool1d(&MaxPool1d::new(2), &[1.0, 3.0, 2.0, 0.0], 1, 4), Some(vec![3.0, 2.0]));
/// ```
pub fn max_pool1d(pool: &MaxPool1d, x: &[f32], rows: usize, len: usize) -> Option<Vec<f32>> {
    if pool.kernel == 0 || pool.stride == 0 || pool.dilation == 0 || x.len() != rows * len {
        return None;
    }
    let out = pooled_len(pool, len);
    Some(crate::conv::build_chunks(rows * out, out, || (), |_, r, y| {
        let row = &x[r * len..(r + 1) * len];
        for (o, y) in y.iter_mut().enumerate() {
            *y = window_max(pool, row, o).0;
        }
    }))
}

/// The max-pool rule (ALGORITHMS §4.4) over the pool inputs `u` of a forward batch
/// `[examples; references]` (`examples + pairs` rows of `channels × len` values): for each
/// pair, the multipliers `(channels × len)` from the upstream gradients of the input half `gx`
/// and of the reference half `gr` (`pairs × channels × out_len`; `gx` when `None`), shared by
/// both halves (only `acts.u` is read). `None` for an invalid pool or mismatched sizes.
///
/// ```
/// use motiflift_kernels::deeplift::{MaxPool1d, host::{PairedActivations, max_pool_multipliers}};
/// // The input row [3, 1] and its reference [0, 2], pooled over both positions.
/// let u = [3.0, 1.0, 0.0, 2.0];
/// let acts = PairedActivations { u: &u, v: &[], width: 2, examples: 1, example_of: &[0] };
/// let m = max_pool_multipliers(&MaxPool1d::new(2), &acts, 1, &[1.0], None);
/// // Δv = 1 goes to the input's arg-max (position 0) and is divided by Δu = 3.
/// assert_eq!(m, Some(vec![1.0 / 3.0, 0.0]));
/// ```
pub fn max_pool_multipliers(
    pool: &MaxPool1d,
    acts: &PairedActivations<'_>,
    channels: usize,
    gx: &[f32],
    gr: Option<&[f32]>,
) -> Option<Vec<f32>> {
    let (w, e, b) = (acts.width, acts.examples, acts.pairs());
    if pool.kernel == 0 || pool.stride == 0 || pool.dilation == 0 || channels == 0 || !w.is_multiple_of(channels) {
        return None;
    }
    let len = w / channels;
    let out = pooled_len(pool, len);
    let gr = gr.unwrap_or(gx);
    if acts.u.len() != (e + b) * w || gx.len() != b * channels * out || gr.len() != gx.len() {
        return None;
    }
    if acts.example_of.iter().any(|&i| i >= e) {
        return None;
    }
    // Per (pair, channel) row: both halves' gradients routed to their arg-max positions.
    let scratch = || (vec![0f32; len], vec![0f32; len], vec![0f32; len]);
    Some(crate::conv::build_chunks(b * w, len, scratch, |(sx, sr, ord), row, m| {
        let (p, c) = (row / channels, row % channels);
        let ex = (acts.example_of[p] * channels + c) * len;
        let rf = ((e + p) * channels + c) * len;
        let (ux, ur) = (&acts.u[ex..ex + len], &acts.u[rf..rf + len]);
        let (gx, gr) = (&gx[row * out..(row + 1) * out], &gr[row * out..(row + 1) * out]);
        for buf in [&mut *sx, &mut *sr, &mut *ord] {
            buf.fill(0.0);
        }
        for o in 0..out {
            let ((vx, ix), (vr, ir)) = (window_max(pool, ux, o), window_max(pool, ur, o));
            let top = if vx > vr { vx } else { vr };
            if let Some(i) = ix {
                sx[i] += gx[o] * (top - vr);
                ord[i] += gx[o];
            }
            if let Some(i) = ir {
                sr[i] += gr[o] * (vx - top);
            }
        }
        for l in 0..len {
            let du = ux[l] - ur[l];
            m[l] = if du == 0.0 { ord[l] } else { (sx[l] + sr[l]) / du };
        }
    }))
}

/// `dst += src`, elementwise, in parallel; `false`, touching nothing, when the lengths differ.
///
/// ```
/// let mut a = vec![1.0, 2.0];
/// assert!(motiflift_kernels::deeplift::host::add_assign(&mut a, &[0.5, -2.0]));
/// assert_eq!(a, vec![1.5, 0.0]);
/// ```
pub fn add_assign(dst: &mut [f32], src: &[f32]) -> bool {
    use rayon::prelude::*;
    if dst.len() != src.len() {
        return false;
    }
    dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(d, s)| {
        for (d, &s) in d.iter_mut().zip(s) {
            *d += s;
        }
    });
    true
}
