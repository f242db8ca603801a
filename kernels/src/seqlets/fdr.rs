//! The FDR mode of `recursive_seqlets` (ALGORITHMS §5.2): the threshold is chosen so that the
//! seqlets called on control attributions (e.g. of dinucleotide-shuffled sequences), scored
//! against the null of `X`, estimate a false discovery rate at or below a target.

use rayon::prelude::*;

use super::Seqlet;
use super::decode::Workspace;
use super::input::{Attribution, Tracks};
use super::recursive::{Caller, RecursiveOptions};
use crate::Result;

/// One threshold of the FDR scan.
///
/// ```
/// use motiflift_kernels::seqlets::FdrRow;
/// let row = FdrRow { threshold: 0.1, n_seqlets: 40, n_control_seqlets: 3, fdr: 0.1 };
/// assert_eq!(row.n_control_seqlets + 1, 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FdrRow {
    /// The p-value threshold.
    pub threshold: f64,
    /// Seqlets called on `X` at this threshold.
    pub n_seqlets: u64,
    /// Seqlets called on `X_control` at this threshold.
    pub n_control_seqlets: u64,
    /// `(n_control_seqlets + 1) · (X.size / X_control.size) / n_seqlets`; NaN when
    /// `n_seqlets == 0`.
    pub fdr: f64,
}

/// The result of [`recursive_seqlets_fdr`].
///
/// ```
/// use motiflift_kernels::seqlets::FdrSeqlets;
/// let r = FdrSeqlets { seqlets: vec![], table: vec![], threshold: None };
/// assert!(r.threshold.is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FdrSeqlets {
    /// The seqlets called on `X` at [`FdrSeqlets::threshold`], sorted by p-value (empty when
    /// no threshold qualifies).
    pub seqlets: Vec<Seqlet>,
    /// One row per threshold, largest first (tangermeme's `return_fdr` table).
    pub table: Vec<FdrRow>,
    /// The largest threshold whose estimated FDR is at most the target, if any.
    pub threshold: Option<f64>,
}

impl FdrSeqlets {
    /// Why no seqlets were returned, in tangermeme's words (its `TangermemeWarning`), or `None`
    /// when a threshold qualified.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::{FdrRow, FdrSeqlets};
    /// let row = FdrRow { threshold: 0.1, n_seqlets: 5, n_control_seqlets: 9, fdr: 2.0 };
    /// let r = FdrSeqlets { seqlets: vec![], table: vec![row], threshold: None };
    /// assert!(r.warning(0.1).unwrap().contains("the lowest estimate is 2.000"));
    /// ```
    pub fn warning(&self, target_fdr: f64) -> Option<String> {
        if self.threshold.is_some() {
            return None;
        }
        let best = self.table.iter().filter(|r| !r.fdr.is_nan()).fold(None, |b: Option<&FdrRow>, r| match b {
            Some(b) if b.fdr <= r.fdr => Some(b),
            _ => Some(r),
        });
        let reason = match best {
            Some(b) => format!(
                "the lowest estimate is {:.3}, at a threshold of {:.1e} with {} seqlets",
                b.fdr, b.threshold, b.n_seqlets
            ),
            None => "no seqlets are called on X at any threshold".to_string(),
        };
        Some(format!(
            "No threshold reaches an estimated false discovery rate at or below target_fdr={target_fdr}: \
             {reason}. No seqlets are returned; pass a higher target_fdr, and look at the FDR table \
             to see the estimate at every threshold."
        ))
    }
}

/// Thresholds scanned: `numpy.logspace(-1, -30, 117)` (0.1 to 1e-30, four per decade),
/// largest first.
fn thresholds() -> Vec<f64> {
    (0..117).map(|k| 10f64.powf(-1.0 - 0.25 * f64::from(k))).collect()
}

/// `recursive_seqlets` with `X_control`: counts the seqlets called on `x` (`(n, l)`) and on
/// `control` (`(n_control, l_control)`, scored with `x`'s bins and null) at each threshold of
/// `logspace(-1, -30, 117)`, estimates the FDR at each, and calls the seqlets of `x` at the
/// largest threshold whose estimate is at most `target_fdr`. `options.threshold` is ignored.
///
/// ```
/// use motiflift_kernels::seqlets::{recursive_seqlets_fdr, RecursiveOptions};
/// let (n, l) = (4, 300);
/// let noise = |i: usize| (((i * 7919) % 97) as f32 - 48.0) * 1e-3;
/// let mut x: Vec<f32> = (0..n * l).map(noise).collect();
/// for i in 0..n {
///     x[i * l + 100..i * l + 110].iter_mut().for_each(|v| *v += 0.5);
/// }
/// let control: Vec<f32> = (0..2 * n * l).map(|i| noise(i + 13)).collect();
/// let r = recursive_seqlets_fdr(&x, n, l, &control, 2 * n, l, &RecursiveOptions::default(), 0.1).unwrap();
/// assert_eq!(r.table.len(), 117);
/// assert!(r.threshold.is_some());
/// assert!(r.seqlets.iter().all(|s| s.start <= 110 && s.end >= 100));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn recursive_seqlets_fdr<T: Attribution>(
    x: &[T],
    n: usize,
    l: usize,
    control: &[T],
    n_control: usize,
    l_control: usize,
    options: &RecursiveOptions,
    target_fdr: f64,
) -> Result<FdrSeqlets> {
    options.validate(false)?;
    let x = Tracks::new("X", x, n, l)?;
    let control = Tracks::new("X_control", control, n_control, l_control)?;
    let thresholds = thresholds();
    let caller = Caller::new(&x, options);
    let (counts, counts_control) = match &caller {
        Some(c) => (count(c, &x, &thresholds), count(c, &control, &thresholds)),
        None => (vec![0; thresholds.len()], vec![0; thresholds.len()]),
    };
    let scale = x.values().len() as f64 / control.values().len() as f64;
    let table: Vec<FdrRow> = thresholds
        .iter()
        .zip(counts.iter().zip(&counts_control))
        .map(|(&threshold, (&n_seqlets, &n_control_seqlets))| FdrRow {
            threshold,
            n_seqlets,
            n_control_seqlets,
            fdr: if n_seqlets > 0 {
                (n_control_seqlets + 1) as f64 * scale / n_seqlets as f64
            } else {
                f64::NAN
            },
        })
        .collect();
    let threshold = table.iter().find(|r| r.fdr <= target_fdr).map(|r| r.threshold);
    let seqlets = match (&caller, threshold) {
        (Some(c), Some(t)) => c.call(&x, t),
        _ => Vec::new(),
    };
    Ok(FdrSeqlets { seqlets, table, threshold })
}

/// Seqlets called on every example of `x` at each of `thresholds` (largest first), summed over
/// the examples. An example stops at its first threshold with no seqlet: nothing passes there,
/// so nothing passes at a stricter one.
fn count<T: Attribution>(caller: &Caller<'_, T>, x: &Tracks<'_, T>, thresholds: &[f64]) -> Vec<u64> {
    let o = caller.options();
    let l = x.l();
    let largest = thresholds[0];
    x.values()
        .par_chunks(l)
        .fold(
            || (Workspace::new(l, o.max_seqlet_len - o.min_seqlet_len + 1), vec![0u64; thresholds.len()]),
            |(mut ws, mut counts), row| {
                ws.build(row, caller.bins(), caller.null(), o.min_seqlet_len, o.max_seqlet_len, largest);
                for (c, &t) in counts.iter_mut().zip(thresholds) {
                    let k = ws.decode(caller.null(), o.max_seqlet_len, t, |_| {});
                    *c += k as u64;
                    if k == 0 {
                        break;
                    }
                }
                (ws, counts)
            },
        )
        .map(|(_, counts)| counts)
        .reduce(
            || vec![0u64; thresholds.len()],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}
