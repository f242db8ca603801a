//! `tfmodisco_seqlets` (tangermeme 1.6.0, ALGORITHMS §5.3): windows whose attribution sum
//! passes an FDR threshold fitted against a Laplace null, extracted greedily per example with
//! suppression of their neighbourhood.
//!
//! The float32 steps follow PyTorch's CPU kernels ([`super::torch_ops`]), the thresholds
//! scikit-learn's isotonic regression ([`super::isotonic`]) and the null numpy's
//! `RandomState(1234)` ([`crate::rng::Mt19937`]), so the seqlets equal tangermeme's.

use rayon::prelude::*;

use super::Seqlet;
use super::input::Tracks;
use super::isotonic::IsotonicFit;
use super::torch_ops::{histogram, quantile_sorted, sorted, window_sums};
use crate::rng::Mt19937;
use crate::{Error, Result};

/// Parameters of [`tfmodisco_seqlets`], with tangermeme's defaults.
///
/// ```
/// use motiflift_kernels::seqlets::TfmodiscoOptions;
/// let o = TfmodiscoOptions::default();
/// assert_eq!((o.window_size, o.flank, o.target_fdr), (21, 10, 0.2));
/// assert_eq!((o.min_passing_frac, o.max_passing_frac), (0.03, 0.2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TfmodiscoOptions {
    /// Width of the windows whose attribution sums are scored (at least 1, at most `l`).
    pub window_size: usize,
    /// Positions added on both sides of a called window; the first and last `flank` windows
    /// of every example are never called.
    pub flank: usize,
    /// False discovery rate of the isotonic thresholds, in `[0, 1)`.
    pub target_fdr: f64,
    /// Lower bound on the fraction of windows passing, enforced by a quantile threshold.
    pub min_passing_frac: f64,
    /// Upper bound on the fraction of windows passing, enforced by a quantile threshold.
    pub max_passing_frac: f64,
}

impl Default for TfmodiscoOptions {
    fn default() -> Self {
        Self { window_size: 21, flank: 10, target_fdr: 0.2, min_passing_frac: 0.03, max_passing_frac: 0.2 }
    }
}

/// Samples drawn from the fitted Laplace null (tangermeme's `num_to_samp`).
const NULL_SAMPLES: usize = 10_000;
/// Window sums used for the thresholds at most (a random subset beyond).
const MAX_VALUES: usize = 1_000_000;
/// Seed of every draw (tangermeme's `random_state=1234`).
const SEED: u32 = 1234;
/// Bins of both histograms that locate the null's centre.
const HIST_BINS: usize = 1000;
/// `-log(1 - q)` for `q = 0, 0.05, ..., 0.90` exactly as torch 2.15 computes it in float32
/// (`-torch.log(1 - torch.arange(19) * 5. / 100)`; SLEEF's `logf` on AVX2, which is not always
/// correctly rounded), as bit patterns.
const NEG_LOG_1M_Q: [u32; 19] = [
    0x8000_0000, 0x3d52_18ee, 0x3dd7_c744, 0x3e26_6b5b, 0x3e64_7fbd, 0x3e93_4b10, 0x3eb6_9e1a,
    0x3edc_8f96, 0x3f02_c577, 0x3f19_0bd8, 0x3f31_7218, 0x3f4c_6b00, 0x3f6a_9208, 0x3f86_6092,
    0x3f9a_1bc8, 0x3fb1_7218, 0x3fce_0210, 0x3ff2_d4d5, 0x4013_5d8d,
];
/// Smallest fraction of the real windows the isotonic fit may attribute to the null.
const MIN_FRAC_NEG: f64 = 0.95;

/// Calls seqlets the TF-MoDISco way on attributions `x`, shape `(n, l)` row-major. Returns
/// `(example_idx, start, end, attribution)` rows (`p_value` is 1.0: this caller has none),
/// ordered by example, then by extraction (descending |window sum|). `end - start` is always
/// `window_size + 2 * flank`, and the attribution is the sum over the central window.
///
/// ```
/// use motiflift_kernels::seqlets::{tfmodisco_seqlets, TfmodiscoOptions};
/// let (n, l) = (8, 400);
/// let mut x: Vec<f32> = (0..n * l).map(|i| (((i * 7919) % 101) as f32 - 50.0) * 1e-4).collect();
/// for i in 0..n {
///     x[i * l + 200..i * l + 210].iter_mut().for_each(|v| *v += 0.05);
/// }
/// let s = tfmodisco_seqlets(&x, n, l, &TfmodiscoOptions::default()).unwrap();
/// assert!(s.iter().any(|r| r.start < 200 && r.end > 210));
/// assert!(s.iter().all(|r| r.end - r.start == 41));
/// ```
pub fn tfmodisco_seqlets(x: &[f32], n: usize, l: usize, options: &TfmodiscoOptions) -> Result<Vec<Seqlet>> {
    let o = options;
    validate(o, l)?;
    let tracks = Tracks::new("X_attr", x, n, l)?;
    let w = l + 1 - o.window_size;
    if w <= 2 * o.flank {
        return Ok(Vec::new());
    }
    let sums = window_sums(tracks.values(), l, o.window_size);

    let values = if sums.len() > MAX_VALUES {
        let mut rng = Mt19937::new(SEED);
        rng.permutation(sums.len())[..MAX_VALUES].iter().map(|&i| sums[i]).collect()
    } else {
        sums.clone()
    };
    let pos: Vec<f32> = values.iter().copied().filter(|&v| v >= 0.0).collect();
    let neg: Vec<f32> = values.iter().copied().filter(|&v| v < 0.0).collect();
    let (pos_null, neg_null) = laplace_null(&sums)?;

    let pos_t = isotonic_threshold(&pos, &pos_null, true, o.target_fdr)?;
    let neg_t = isotonic_threshold(&neg, &neg_null, false, o.target_fdr)?;
    let (pos_t, neg_t) = passing_bounds(&pos, &neg, pos_t, neg_t, o);

    let mut scores: Vec<f32> = sums.iter().map(|&s| if s >= pos_t || s <= neg_t { s.abs() } else { f32::NEG_INFINITY }).collect();
    let suppress = o.window_size / 2 + o.flank;
    let per_example: Vec<Vec<Seqlet>> = scores
        .par_chunks_mut(w)
        .enumerate()
        .map(|(i, row)| {
            row[..o.flank].fill(f32::NEG_INFINITY);
            row[w - o.flank..].fill(f32::NEG_INFINITY);
            extract(row, suppress)
                .into_iter()
                .map(|j| Seqlet {
                    example_idx: i,
                    start: j - o.flank,
                    end: j + o.window_size + o.flank,
                    attribution: f64::from(sums[i * w + j]),
                    p_value: 1.0,
                })
                .collect()
        })
        .collect();
    Ok(per_example.into_iter().flatten().collect())
}

fn validate(o: &TfmodiscoOptions, l: usize) -> Result<()> {
    let invalid = |name, reason: String| Err(Error::InvalidArgument { name, reason });
    if o.window_size == 0 || o.window_size > l {
        return invalid("window_size", format!("must be in 1..={l} (the example length), got {}", o.window_size));
    }
    if !(0.0..1.0).contains(&o.target_fdr) {
        return invalid("target_fdr", format!("must be in [0, 1), got {}", o.target_fdr));
    }
    for (name, v) in [("min_passing_frac", o.min_passing_frac), ("max_passing_frac", o.max_passing_frac)] {
        if !(0.0..=1.0).contains(&v) {
            return invalid(name, format!("must be in [0, 1], got {v}"));
        }
    }
    Ok(())
}

/// The starts of the windows called in one example's scores (−∞ = not passing): repeatedly
/// the first maximum, whose neighbourhood `[j − suppress, j + suppress]` is then cleared.
fn extract(row: &mut [f32], suppress: usize) -> Vec<usize> {
    let mut out = Vec::new();
    loop {
        let (j, best) = row.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bj, b), (j, &v)| if v > b { (j, v) } else { (bj, b) });
        if best == f32::NEG_INFINITY {
            return out;
        }
        out.push(j);
        let end = (j + suppress + 1).min(row.len());
        row[j.saturating_sub(suppress)..end].fill(f32::NEG_INFINITY);
    }
}

/// tangermeme's `_laplacian_null`: a Laplace distribution on each side of the mode of the
/// window sums, its rate the most aggressive over 19 quantiles, sampled 10,000 times. Returns
/// the non-negative and the negative samples (float64), in draw order.
fn laplace_null(sums: &[f32]) -> Result<(Vec<f64>, Vec<f64>)> {
    let (edges, counts) = histogram(sums, HIST_BINS);
    let peak = first_argmax(&counts);
    let (l_edge, r_edge) = (edges[peak], edges[peak + 1]);
    let top: Vec<f32> = sums.iter().copied().filter(|&v| l_edge < v && v < r_edge).collect();
    if top.is_empty() {
        return Err(Error::InvalidArgument {
            name: "X_attr",
            reason: "no window sum lies strictly inside the most populated histogram bin, \
                     so the Laplace null has no centre (too few distinct window sums)"
                .into(),
        });
    }
    let (edges, counts) = histogram(&top, HIST_BINS);
    let peak = first_argmax(&counts);
    let mu = f64::from(edges[peak] + edges[peak + 1]) / 2.0;
    let mu32 = mu as f32;

    let pos_v = sorted(&sums.iter().copied().filter(|&v| v >= mu32).collect::<Vec<_>>());
    let neg_v = sorted(&sums.iter().copied().filter(|&v| v <= mu32).collect::<Vec<_>>());
    let mut pos_rate = f32::NEG_INFINITY;
    let mut neg_rate = f32::NEG_INFINITY;
    for (k, &bits) in NEG_LOG_1M_Q.iter().enumerate() {
        let lq = f32::from_bits(bits);
        let q = (k as f32 * 5.0) / 100.0;
        let pq = quantile_sorted(&pos_v, q);
        let nq = quantile_sorted(&neg_v, 1.0 - q);
        pos_rate = nan_max(pos_rate, lq / (pq - mu32));
        neg_rate = nan_max(neg_rate, lq / (nq - mu32).abs());
    }
    let prob_pos = pos_v.len() as f64 / sums.len() as f64;
    let (pos_rate, neg_rate) = (f64::from(pos_rate), f64::from(neg_rate));

    let mut rng = Mt19937::new(SEED);
    let (mut pos_null, mut neg_null) = (Vec::new(), Vec::new());
    for _ in 0..NULL_SAMPLES {
        let (u0, u1) = (rng.next_f64(), rng.next_f64());
        let icdf = (1.0 - u1).ln();
        let s = if u0 < prob_pos { -icdf / pos_rate + mu } else { mu + icdf / neg_rate };
        if s >= 0.0 {
            pos_null.push(s);
        } else if s < 0.0 {
            neg_null.push(s);
        }
    }
    Ok((pos_null, neg_null))
}

/// torch's `max` over float32 values: NaN wins.
fn nan_max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() { f32::NAN } else { a.max(b) }
}

fn first_argmax(counts: &[u64]) -> usize {
    counts.iter().enumerate().fold(0, |best, (i, &c)| if c > counts[best] { i } else { best })
}

/// tangermeme's `_isotonic_thresholds`: the first real value, in array order, whose precision
/// under an isotonic fit of real (label 1) against null (label 0, weighted to balance) values
/// reaches `1 − target_fdr`.
fn isotonic_threshold(values: &[f32], null: &[f64], increasing: bool, target_fdr: f64) -> Result<f64> {
    let side = if increasing { "non-negative" } else { "negative" };
    if values.is_empty() || null.is_empty() {
        return Err(Error::InvalidArgument {
            name: "X_attr",
            reason: format!(
                "cannot fit the {side} threshold: {} {side} window sums and {} {side} null samples \
                 (both sides need some)",
                values.len(),
                null.len()
            ),
        });
    }
    let (n1, n2) = (values.len(), null.len());
    // torch.ones(n2) * w is float32.
    let w_null = f64::from((n1 as f64 / n2 as f64) as f32);
    let x: Vec<f64> = values.iter().map(|&v| f64::from(v)).chain(null.iter().copied()).collect();
    let y: Vec<f64> = (0..n1 + n2).map(|i| if i < n1 { 1.0 } else { 0.0 }).collect();
    let w: Vec<f64> = (0..n1 + n2).map(|i| if i < n1 { 1.0 } else { w_null }).collect();
    let fit = IsotonicFit::new(&x, &y, &w, increasing);

    let min_precision = fit.predict(if increasing { fit.x_min() } else { fit.x_max() }).max(1e-7);
    let frac_neg = (-1.0 / (1.0 - 1.0 / min_precision)).clamp(MIN_FRAC_NEG, 1.0);
    // torch.tensor(1e-7) is float32.
    let floor = f64::from(1e-7f32);
    let target = 1.0 - target_fdr;
    let found = values.iter().enumerate().find(|&(i, &v)| {
        let yhat = fit.predict(f64::from(v));
        let precision = (1.0 + frac_neg * (1.0 - 1.0 / yhat.max(floor))).clamp(0.0, 1.0);
        i == n1 - 1 || precision >= target
    });
    Ok(found.map_or(f64::NAN, |(_, &v)| f64::from(v)))
}

/// Replaces the thresholds by a quantile of |window sums| when the fraction of windows they
/// pass is outside `[min_passing_frac, max_passing_frac]`. Returns float32 thresholds.
fn passing_bounds(pos: &[f32], neg: &[f32], pos_t: f64, neg_t: f64, o: &TfmodiscoOptions) -> (f32, f32) {
    let (pos_t, neg_t) = (pos_t as f32, neg_t as f32);
    let all = || pos.iter().chain(neg);
    let passing = all().filter(|&&v| v >= pos_t).count() + all().filter(|&&v| v <= neg_t).count();
    let n = pos.len() + neg.len();
    let frac = passing as f32 / n as f32;
    let at_quantile = |q: f64| {
        let abs: Vec<f32> = all().map(|v| v.abs()).collect();
        let t = quantile_sorted(&sorted(&abs), q as f32);
        (t, -t)
    };
    let mut out = (pos_t, neg_t);
    if frac < o.min_passing_frac as f32 {
        out = at_quantile(1.0 - o.min_passing_frac);
    }
    if frac > o.max_passing_frac as f32 {
        out = at_quantile(1.0 - o.max_passing_frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_takes_first_maxima_and_suppresses_neighbours() {
        let ninf = f32::NEG_INFINITY;
        let mut row = vec![ninf, 1.0, 3.0, ninf, 3.0, 2.0, ninf, ninf, 0.5, ninf];
        // The first 3.0 (at 2) wins and clears [0, 5), the other 3.0 with it; then 2.0 at 5
        // clears [3, 8); then 0.5 at 8.
        assert_eq!(extract(&mut row, 2), vec![2, 5, 8]);
        assert!(row.iter().all(|&v| v == ninf));
    }

    #[test]
    fn options_are_checked() {
        let x = vec![0.0f32; 2 * 50];
        let bad = |o: TfmodiscoOptions| tfmodisco_seqlets(&x, 2, 50, &o).unwrap_err().to_string();
        assert!(bad(TfmodiscoOptions { window_size: 0, ..Default::default() }).contains("window_size"));
        assert!(bad(TfmodiscoOptions { window_size: 51, ..Default::default() }).contains("window_size"));
        assert!(bad(TfmodiscoOptions { target_fdr: 1.0, ..Default::default() }).contains("target_fdr"));
        assert!(bad(TfmodiscoOptions { max_passing_frac: 1.5, ..Default::default() }).contains("max_passing_frac"));
        assert!(tfmodisco_seqlets(&x[..0], 0, 50, &TfmodiscoOptions::default()).is_err());
        // Windows all inside the flanks: nothing to call.
        let o = TfmodiscoOptions { window_size: 21, flank: 15, ..Default::default() };
        assert!(tfmodisco_seqlets(&x, 2, 50, &o).unwrap().is_empty());
    }

    #[test]
    fn a_degenerate_null_is_an_error_not_a_panic() {
        // Constant input: every window sum equals, the peak bin holds them on its edge.
        let x = vec![0.25f32; 3 * 60];
        assert!(tfmodisco_seqlets(&x, 3, 60, &TfmodiscoOptions::default()).is_err());
    }
}
