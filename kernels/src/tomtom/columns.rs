//! Per query column (ALGORITHMS §7.3–§7.4): the distance row against the unique target columns,
//! its min, max and binned median, and the binned scores with their histogram.
//!
//! Everything here depends only on the column's values, its norm and (for the binned stage) the
//! query's `(i_min, bin_scale)`, so identical columns — all of them for one-hot queries — are
//! computed once per call.

use super::prepare::Targets;

/// A distinct query column: values widened to `f64` and the norm in the query's dtype.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub values: [f64; 4],
    pub norm: f64,
}

/// Min, max and binned median of a column's distance row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnStats {
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

/// `g[u] = −sqrt(z)` (or `0.0` when `z <= 0`) with
/// `z = ((((norm + Yn[u]) − 2x₀·Y₀[u]) − 2x₁·Y₁[u]) − 2x₂·Y₂[u]) − 2x₃·Y₃[u]`.
pub(crate) fn distance_row(col: &Column, targets: &Targets, g: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only feature the function enables.
            return unsafe { distance_row_avx2(col, targets, g) };
        }
    }
    distance_row_impl(col, targets, g);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn distance_row_avx2(col: &Column, targets: &Targets, g: &mut [f64]) {
    distance_row_impl(col, targets, g);
}

#[inline(always)]
fn distance_row_impl(col: &Column, targets: &Targets, g: &mut [f64]) {
    let x = col.values.map(|v| 2.0 * v);
    let [y0, y1, y2, y3] = &targets.rows;
    let n = g.len();
    let (y0, y1, y2, y3, yn) = (&y0[..n], &y1[..n], &y2[..n], &y3[..n], &targets.norms[..n]);
    for u in 0..n {
        let mut z = col.norm + yn[u];
        z -= x[0] * y0[u];
        z -= x[1] * y1[u];
        z -= x[2] * y2[u];
        z -= x[3] * y3[u];
        g[u] = if z > 0.0 { -z.sqrt() } else { 0.0 };
    }
}

/// Scratch of [`column_stats`].
#[derive(Debug, Default)]
pub(crate) struct StatsScratch {
    bins: Vec<u64>,
    idx: Vec<u32>,
}

/// Min, max and memelite's binned median of `g` with `n_median_bins` bins and the unique-column
/// counts as weights.
pub(crate) fn column_stats(
    g: &[f64],
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only feature the function enables.
            return unsafe { column_stats_avx2(g, targets, n_median_bins, scratch) };
        }
    }
    column_stats_impl(g, targets, n_median_bins, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn column_stats_avx2(
    g: &[f64],
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    column_stats_impl(g, targets, n_median_bins, scratch)
}

#[inline(always)]
fn column_stats_impl(
    g: &[f64],
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    // No NaN and no -0.0 occur (every value is -sqrt(z) with z > 0, or +0.0), so the
    // comparison form gives the bits of numpy's min and max in any order.
    let (mut min, mut max) = (9_999_999.9f64, -9_999_999.9f64);
    for &v in g {
        min = if v < min { v } else { min };
        max = if v > max { v } else { max };
    }
    let r = max - min;
    if r == 0.0 {
        return ColumnStats {
            min,
            max,
            median: min,
        };
    }
    // The bin of every value first (a loop that vectorises), then the counts in order.
    let scale = (n_median_bins - 1) as f64;
    let StatsScratch { bins, idx } = scratch;
    idx.clear();
    idx.extend(g.iter().map(|&v| (((v - min) / r) * scale) as u32));
    bins.clear();
    bins.resize(n_median_bins, 0);
    for (&b, &c) in idx.iter().zip(&targets.counts) {
        bins[b as usize] += c;
    }
    let mut running = 0u64;
    let mut stop = n_median_bins - 1;
    for (b, &c) in bins.iter().enumerate() {
        running += c;
        if running as f64 >= targets.half {
            stop = b;
            break;
        }
    }
    let mut sum = 0.0;
    for ((&v, &c), &b) in g.iter().zip(&targets.counts).zip(idx.iter()) {
        if b as usize == stop {
            sum += v * c as f64;
        }
    }
    ColumnStats {
        min,
        max,
        median: sum / bins[stop] as f64,
    }
}

/// The binned stage of one column: `x[u] = floor((g[u] − m) · bin_scale + 0.5)` with
/// `m = median + i_min`, and the histogram `f[b] = Σ_{x[u] = b} w[u]` (ascending `u`).
pub(crate) fn bin_row(
    g: &[f64],
    median: f64,
    i_min: i64,
    bin_scale: i64,
    targets: &Targets,
    x: &mut [u16],
    f: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only feature the function enables.
            return unsafe { bin_row_avx2(g, median, i_min, bin_scale, targets, x, f) };
        }
    }
    bin_row_impl(g, median, i_min, bin_scale, targets, x, f);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bin_row_avx2(
    g: &[f64],
    median: f64,
    i_min: i64,
    bin_scale: i64,
    targets: &Targets,
    x: &mut [u16],
    f: &mut [f64],
) {
    bin_row_impl(g, median, i_min, bin_scale, targets, x, f);
}

#[inline(always)]
fn bin_row_impl(
    g: &[f64],
    median: f64,
    i_min: i64,
    bin_scale: i64,
    targets: &Targets,
    x: &mut [u16],
    f: &mut [f64],
) {
    let m = median + i_min as f64;
    let scale = bin_scale as f64;
    let top = (f.len() - 1) as f64;
    // Always within [0, n_score_bins] (§7.4); the clamp only guards the index.
    for (&v, xv) in g.iter().zip(x.iter_mut()) {
        *xv = ((v - m) * scale + 0.5).floor().clamp(0.0, top) as u16;
    }
    f.fill(0.0);
    for (&b, &w) in x.iter().zip(&targets.weights) {
        f[b as usize] += w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tomtom::Motif;

    fn targets_with_counts(values: &[f64], counts: &[u64]) -> Targets {
        let cols: Vec<[f64; 4]> = values.iter().map(|&v| [v, 0.0, 0.0, 0.0]).collect();
        let mut t = Targets::new(&[Motif::from_columns(&cols)], None, false);
        t.counts = counts.to_vec();
        t.half = counts.iter().sum::<u64>() as f64 / 2.0;
        t
    }

    #[test]
    fn binned_median_matches_memelite_unit_tests() {
        // memelite tests/test_tomtom.py, test_binned_median_*.
        let mut bins = StatsScratch::default();
        let t = targets_with_counts(&[0.0; 5], &[1; 5]);
        assert_eq!(
            column_stats(&[0.0, 4.0, 2.0, 1.0, 3.0], &t, 1000, &mut bins).median,
            2.0
        );
        let t = targets_with_counts(&[0.0; 5], &[1, 6, 1, 1, 1]);
        assert_eq!(
            column_stats(&[0.0, 4.0, 2.0, 1.0, 3.0], &t, 1000, &mut bins).median,
            4.0
        );
        let t = targets_with_counts(&[0.0; 4], &[1; 4]);
        assert_eq!(
            column_stats(&[0.0, 1.0, 2.0, 3.0], &t, 1000, &mut bins).median,
            1.0
        );
        let t = targets_with_counts(&[0.0; 4], &[1, 1, 2, 1]);
        assert_eq!(
            column_stats(&[0.0, 1.0, 2.0, 3.0], &t, 1000, &mut bins).median,
            2.0
        );
    }

    #[test]
    fn distances_are_negative_euclidean() {
        let t = targets_with_counts(&[0.0, 1.0, 3.0], &[1; 3]);
        let col = Column {
            values: [1.0, 0.0, 0.0, 0.0],
            norm: 1.0,
        };
        let mut g = vec![0.0; 3];
        distance_row(&col, &t, &mut g);
        assert_eq!(g, [-1.0, 0.0, -2.0]);
    }
}
