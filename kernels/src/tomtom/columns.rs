//! Per query column (ALGORITHMS §7.3–§7.4): the distance row against the unique target columns,
//! its min, max and binned median, and the binned scores with their histogram.
//!
//! Everything here depends only on the column's values, its norm and (for the binned stage) the
//! query's `(i_min, bin_scale)`, so identical columns — all of them for one-hot queries — are
//! computed once per call.

use crate::simd::{dispatch, multiversion};
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
/// `z = ((((norm + Yn[u]) − 2x₀·Y₀[u]) − 2x₁·Y₁[u]) − 2x₂·Y₂[u]) − 2x₃·Y₃[u]`; returns the
/// row's `(min, max)`.
pub(crate) fn distance_row(col: &Column, targets: &Targets, g: &mut [f64]) -> (f64, f64) {
    dispatch!(distance_row_impl(col, targets, g))
}

multiversion!(distance_row_impl(col: &Column, targets: &Targets, g: &mut [f64]) -> (f64, f64));

/// Lanes of the min/max accumulators.
const LANES: usize = 8;

#[inline(always)]
fn distance_row_impl(col: &Column, targets: &Targets, g: &mut [f64]) -> (f64, f64) {
    let x = col.values.map(|v| 2.0 * v);
    let [y0, y1, y2, y3] = &targets.rows;
    let n = g.len();
    let (y0, y1, y2, y3, yn) = (&y0[..n], &y1[..n], &y2[..n], &y3[..n], &targets.norms[..n]);
    let one = |yn: f64, y0: f64, y1: f64, y2: f64, y3: f64| {
        let mut z = col.norm + yn;
        z -= x[0] * y0;
        z -= x[1] * y1;
        z -= x[2] * y2;
        z -= x[3] * y3;
        if z > 0.0 { -z.sqrt() } else { 0.0 }
    };
    // No NaN and no -0.0 occur (every value is -sqrt(z) with z > 0, or +0.0), so the
    // comparison form gives the bits of numpy's min and max in any order: lanes that
    // vectorise, folded at the end.
    let (mut min, mut max) = ([9_999_999.9f64; LANES], [-9_999_999.9f64; LANES]);
    let full = n - n % LANES;
    let chunks = g[..full]
        .chunks_exact_mut(LANES)
        .zip(yn[..full].chunks_exact(LANES))
        .zip(y0[..full].chunks_exact(LANES))
        .zip(y1[..full].chunks_exact(LANES))
        .zip(y2[..full].chunks_exact(LANES))
        .zip(y3[..full].chunks_exact(LANES));
    for (((((gs, yn), y0), y1), y2), y3) in chunks {
        for l in 0..LANES {
            let v = one(yn[l], y0[l], y1[l], y2[l], y3[l]);
            gs[l] = v;
            min[l] = if v < min[l] { v } else { min[l] };
            max[l] = if v > max[l] { v } else { max[l] };
        }
    }
    for u in full..n {
        let v = one(yn[u], y0[u], y1[u], y2[u], y3[u]);
        g[u] = v;
        min[0] = if v < min[0] { v } else { min[0] };
        max[0] = if v > max[0] { v } else { max[0] };
    }
    let min = min
        .into_iter()
        .fold(9_999_999.9f64, |a, v| if v < a { v } else { a });
    let max = max
        .into_iter()
        .fold(-9_999_999.9f64, |a, v| if v > a { v } else { a });
    (min, max)
}

/// Scratch of [`column_stats`].
#[derive(Debug, Default)]
pub(crate) struct StatsScratch {
    /// Counts in u32: a target set has far fewer than 2^32 columns (each takes 32 bytes).
    bins: Vec<u32>,
    idx: Vec<u32>,
}

/// Min, max and memelite's binned median of `g` (whose min and max are given) with
/// `n_median_bins` bins and the unique-column counts as weights.
pub(crate) fn column_stats(
    g: &[f64],
    (min, max): (f64, f64),
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    dispatch!(column_stats_impl(g, (min, max), targets, n_median_bins, scratch))
}

multiversion!(column_stats_impl(
    g: &[f64],
    range: (f64, f64),
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats);

/// Sub-histograms of the median counts (independent chains of increments).
const SUB: usize = 4;
/// Values per block of the stopping-bin sum (blocks without the bin are skipped).
const BLOCK: usize = 64;

#[inline(always)]
fn column_stats_impl(
    g: &[f64],
    (min, max): (f64, f64),
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    let r = max - min;
    if r == 0.0 {
        return ColumnStats {
            min,
            max,
            median: min,
        };
    }
    // The bin of every value first (a loop that vectorises), then the counts: integers, so
    // their order does not matter.
    let scale = (n_median_bins - 1) as f64;
    let StatsScratch { bins, idx } = scratch;
    // Every index is written below; only growth needs initialising.
    idx.truncate(g.len());
    idx.resize(g.len(), 0);
    median_indices(g, (min, r, scale), idx);
    bins.clear();
    bins.resize(SUB * n_median_bins, 0);
    let counts = &targets.counts[..g.len()];
    let full = g.len() - g.len() % SUB;
    for (b, c) in idx[..full]
        .chunks_exact(SUB)
        .zip(counts[..full].chunks_exact(SUB))
    {
        for l in 0..SUB {
            bins[l * n_median_bins + b[l] as usize] += c[l] as u32;
        }
    }
    for (&b, &c) in idx[full..].iter().zip(&counts[full..]) {
        bins[b as usize] += c as u32;
    }
    let mut running = 0u64;
    let mut stop = n_median_bins - 1;
    let mut in_stop = 0;
    for b in 0..n_median_bins {
        let c: u64 = (0..SUB)
            .map(|l| u64::from(bins[l * n_median_bins + b]))
            .sum();
        running += c;
        in_stop = c;
        if running as f64 >= targets.half {
            stop = b;
            break;
        }
    }
    // The stopping bin's values in ascending order (memelite's additions).
    let stop = stop as u32;
    let mut sum = 0.0;
    for ((gs, cs), bs) in g
        .chunks(BLOCK)
        .zip(counts.chunks(BLOCK))
        .zip(idx.chunks(BLOCK))
    {
        if !bs.iter().fold(false, |hit, &b| hit | (b == stop)) {
            continue;
        }
        for ((&v, &c), &b) in gs.iter().zip(cs).zip(bs) {
            if b == stop {
                sum += v * c as f64;
            }
        }
    }
    ColumnStats {
        min,
        max,
        median: sum / in_stop as f64,
    }
}

/// How [`bin_row`] sums the histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Histogram {
    /// memelite's bits: the weights `w[u]` added in ascending `u`.
    Exact,
    /// Integer counts per bin, divided by the total once: equal up to rounding, no chain of
    /// dependent floating-point additions.
    Counts,
}

/// The binned stage of one column: `x[u] = floor((g[u] − m) · bin_scale + 0.5)` with
/// `m = median + i_min`, and the histogram `f[b] = Σ_{x[u] = b} w[u]` (see [`Histogram`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn bin_row(
    g: &[f64],
    median: f64,
    (i_min, bin_scale): (i64, i64),
    targets: &Targets,
    x: &mut [u16],
    f: &mut [f64],
    histogram: Histogram,
    counts: &mut Vec<u32>,
) {
    let m = median + i_min as f64;
    let scale = bin_scale as f64;
    let top = (f.len() - 1) as f64;
    score_bins(g, (m, scale, top), x);
    f.fill(0.0);
    match histogram {
        Histogram::Exact => {
            for (&b, &w) in x.iter().zip(&targets.weights) {
                f[b as usize] += w;
            }
        }
        Histogram::Counts => {
            let nb = f.len();
            counts.clear();
            counts.resize(SUB * nb, 0);
            let c = &targets.counts[..x.len()];
            let full = x.len() - x.len() % SUB;
            for (b, c) in x[..full].chunks_exact(SUB).zip(c[..full].chunks_exact(SUB)) {
                for l in 0..SUB {
                    counts[l * nb + b[l] as usize] += c[l] as u32;
                }
            }
            for (&b, &c) in x[full..].iter().zip(&c[full..]) {
                counts[b as usize] += c as u32;
            }
            let total = targets.half * 2.0;
            for (k, fv) in f.iter_mut().enumerate() {
                let n: u32 = (0..SUB).map(|l| counts[l * nb + k]).sum();
                *fv = f64::from(n) / total;
            }
        }
    }
}

/// `idx[u] = trunc(((g[u] − min) / r) · scale)`, memelite's median bin (in `0..=scale`),
/// without a division per value: `t' = ((g[u] − min) · (1 / r)) · scale` differs from the
/// division form's `t` by a few units in the last place of `scale` (`t <= scale`: below 1e-10
/// for `scale <=` [`MAX_SCALE`]), so where `t'` is at least [`NEAR`] away from every integer
/// both truncate alike; a vector of values with one closer is computed with the division.
#[inline(always)]
fn median_indices(g: &[f64], (min, r, scale): (f64, f64, f64), idx: &mut [u32]) {
    let inv = 1.0 / r;
    // Every value by division where 1 / r overflows or the error bound does not hold.
    if !(inv.is_finite() && scale <= MAX_SCALE) {
        return median_indices_tail(g, (min, r, scale), idx);
    }
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx512() {
        // SAFETY: the CPU supports every feature the function enables.
        return unsafe { median_indices_avx512(g, (min, r, inv, scale), idx) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, the only feature the function enables.
        return unsafe { median_indices_avx2(g, (min, r, inv, scale), idx) };
    }
    median_indices_portable(g, (min, r, inv, scale), idx);
}

/// [`median_indices`] by division.
fn median_indices_tail(g: &[f64], (min, r, scale): (f64, f64, f64), idx: &mut [u32]) {
    for (o, &v) in idx.iter_mut().zip(g) {
        *o = (((v - min) / r) * scale) as u32;
    }
}

/// [`median_indices`]' test of `t'` on plain floats, 8 values at a time.
fn median_indices_portable(g: &[f64], (min, r, inv, scale): (f64, f64, f64, f64), idx: &mut [u32]) {
    const L: usize = 8;
    let full = g.len() - g.len() % L;
    for (gs, out) in g[..full].chunks_exact(L).zip(idx.chunks_exact_mut(L)) {
        let t: [f64; L] = std::array::from_fn(|l| ((gs[l] - min) * inv) * scale);
        let near = t.iter().any(|&t| {
            let frac = t - t.floor();
            !(NEAR..=1.0 - NEAR).contains(&frac)
        });
        if near {
            median_indices_tail(gs, (min, r, scale), out);
        } else {
            for (o, &t) in out.iter_mut().zip(&t) {
                *o = t as u32;
            }
        }
    }
    median_indices_tail(&g[full..], (min, r, scale), &mut idx[full..]);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn median_indices_avx2(g: &[f64], (min, r, inv, scale): (f64, f64, f64, f64), idx: &mut [u32]) {
    use std::arch::x86_64::*;
    let (vmin, vr, vinv, vs) = (
        _mm256_set1_pd(min),
        _mm256_set1_pd(r),
        _mm256_set1_pd(inv),
        _mm256_set1_pd(scale),
    );
    let (lo, hi) = (_mm256_set1_pd(NEAR), _mm256_set1_pd(1.0 - NEAR));
    let full = g.len() - g.len() % 4;
    for (gs, out) in g[..full].chunks_exact(4).zip(idx.chunks_exact_mut(4)) {
        // SAFETY: both chunks hold 4 elements.
        let d = _mm256_sub_pd(unsafe { _mm256_loadu_pd(gs.as_ptr()) }, vmin);
        let mut t = _mm256_mul_pd(_mm256_mul_pd(d, vinv), vs);
        let frac = _mm256_sub_pd(t, _mm256_floor_pd(t));
        let near = _mm256_or_pd(
            _mm256_cmp_pd::<_CMP_LT_OQ>(frac, lo),
            _mm256_cmp_pd::<_CMP_GT_OQ>(frac, hi),
        );
        if _mm256_movemask_pd(near) != 0 {
            t = _mm256_mul_pd(_mm256_div_pd(d, vr), vs);
        }
        // In range (0..=scale), so truncation is the `as` conversion.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_cvttpd_epi32(t)) };
    }
    median_indices_tail(&g[full..], (min, r, scale), &mut idx[full..]);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
fn median_indices_avx512(g: &[f64], (min, r, inv, scale): (f64, f64, f64, f64), idx: &mut [u32]) {
    use std::arch::x86_64::*;
    let (vmin, vr, vinv, vs) = (
        _mm512_set1_pd(min),
        _mm512_set1_pd(r),
        _mm512_set1_pd(inv),
        _mm512_set1_pd(scale),
    );
    let (lo, hi) = (_mm512_set1_pd(NEAR), _mm512_set1_pd(1.0 - NEAR));
    let full = g.len() - g.len() % 8;
    for (gs, out) in g[..full].chunks_exact(8).zip(idx.chunks_exact_mut(8)) {
        // SAFETY: both chunks hold 8 elements.
        let d = _mm512_sub_pd(unsafe { _mm512_loadu_pd(gs.as_ptr()) }, vmin);
        let mut t = _mm512_mul_pd(_mm512_mul_pd(d, vinv), vs);
        let floor = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(t);
        let frac = _mm512_sub_pd(t, floor);
        let near =
            _mm512_cmp_pd_mask::<_CMP_LT_OQ>(frac, lo) | _mm512_cmp_pd_mask::<_CMP_GT_OQ>(frac, hi);
        if near != 0 {
            t = _mm512_mul_pd(_mm512_div_pd(d, vr), vs);
        }
        // In range (0..=scale), so truncation is the `as` conversion.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm512_cvttpd_epu32(t)) };
    }
    median_indices_tail(&g[full..], (min, r, scale), &mut idx[full..]);
}

/// How close to an integer the division-free median bin must not come (many times its error).
const NEAR: f64 = 1e-9;
/// The largest `n_median_bins − 1` whose bins are computed without division.
const MAX_SCALE: f64 = 65536.0;

/// `x[u] = floor((g[u] − m) · scale + 0.5)`, always within `[0, top]` (§7.4; the clamp only
/// guards the index).
#[inline(always)]
fn score_bins(g: &[f64], params: (f64, f64, f64), x: &mut [u16]) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx512() {
        // SAFETY: the CPU supports every feature the function enables.
        return unsafe { score_bins_avx512(g, params, x) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, the only feature the function enables.
        return unsafe { score_bins_avx2(g, params, x) };
    }
    score_bins_tail(g, params, x);
}

fn score_bins_tail(g: &[f64], (m, scale, top): (f64, f64, f64), x: &mut [u16]) {
    for (o, &v) in x.iter_mut().zip(g) {
        *o = ((v - m) * scale + 0.5).floor().clamp(0.0, top) as u16;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn score_bins_avx2(g: &[f64], (m, scale, top): (f64, f64, f64), x: &mut [u16]) {
    use std::arch::x86_64::*;
    let (vm, vs, half) = (
        _mm256_set1_pd(m),
        _mm256_set1_pd(scale),
        _mm256_set1_pd(0.5),
    );
    let (zero, vtop) = (_mm256_setzero_pd(), _mm256_set1_pd(top));
    let full = g.len() - g.len() % 4;
    for (gs, out) in g[..full].chunks_exact(4).zip(x.chunks_exact_mut(4)) {
        // SAFETY: the chunks hold 4 values and 4 u16 (8 bytes).
        let v = unsafe { _mm256_loadu_pd(gs.as_ptr()) };
        let t = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(v, vm), vs), half);
        let t = _mm256_min_pd(_mm256_max_pd(_mm256_floor_pd(t), zero), vtop);
        let k = _mm256_cvttpd_epi32(t);
        unsafe { _mm_storel_epi64(out.as_mut_ptr().cast(), _mm_packus_epi32(k, k)) };
    }
    score_bins_tail(&g[full..], (m, scale, top), &mut x[full..]);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
fn score_bins_avx512(g: &[f64], (m, scale, top): (f64, f64, f64), x: &mut [u16]) {
    use std::arch::x86_64::*;
    let (vm, vs, half) = (
        _mm512_set1_pd(m),
        _mm512_set1_pd(scale),
        _mm512_set1_pd(0.5),
    );
    let (zero, vtop) = (_mm512_setzero_pd(), _mm512_set1_pd(top));
    let full = g.len() - g.len() % 8;
    for (gs, out) in g[..full].chunks_exact(8).zip(x.chunks_exact_mut(8)) {
        // SAFETY: the chunks hold 8 values and 8 u16 (16 bytes).
        let v = unsafe { _mm512_loadu_pd(gs.as_ptr()) };
        let t = _mm512_add_pd(_mm512_mul_pd(_mm512_sub_pd(v, vm), vs), half);
        let t = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(t);
        let t = _mm512_min_pd(_mm512_max_pd(t, zero), vtop);
        // In [0, top]: narrowed to u16 with saturation, as the `as` conversion.
        let k = _mm256_cvtusepi32_epi16(_mm512_cvttpd_epi32(t));
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), k) };
    }
    score_bins_tail(&g[full..], (m, scale, top), &mut x[full..]);
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
            column_stats(&[0.0, 4.0, 2.0, 1.0, 3.0], (0.0, 4.0), &t, 1000, &mut bins).median,
            2.0
        );
        let t = targets_with_counts(&[0.0; 5], &[1, 6, 1, 1, 1]);
        assert_eq!(
            column_stats(&[0.0, 4.0, 2.0, 1.0, 3.0], (0.0, 4.0), &t, 1000, &mut bins).median,
            4.0
        );
        let t = targets_with_counts(&[0.0; 4], &[1; 4]);
        assert_eq!(
            column_stats(&[0.0, 1.0, 2.0, 3.0], (0.0, 3.0), &t, 1000, &mut bins).median,
            1.0
        );
        let t = targets_with_counts(&[0.0; 4], &[1, 1, 2, 1]);
        assert_eq!(
            column_stats(&[0.0, 1.0, 2.0, 3.0], (0.0, 3.0), &t, 1000, &mut bins).median,
            2.0
        );
    }

    #[test]
    fn division_free_median_bins_match_the_division() {
        let mut rng = crate::rng::Mt19937::new(17);
        let nudge = |v: f64, k: i32| {
            (0..k.abs()).fold(v, |v, _| if k > 0 { v.next_up() } else { v.next_down() })
        };
        for (mn, r) in [
            (-2.0, 2.0),
            (-std::f64::consts::SQRT_2, 1.0 / 3.0),
            (-0.7, 0.1),
            (-1e-300, 3e-301),
            (-3e-308, 2e-308),
            (-5.0, 4.999999999999999),
        ] {
            for scale in [999.0, 1.0, 65536.0, 65537.0, 7.0] {
                // Values whose t lies within a few ulps of each integer, the ends, random ones.
                let mut g = vec![mn, mn + r];
                for k in 0..=(scale as i64).min(2000) {
                    let v = mn + r * (k as f64 / scale);
                    for j in -3..=3 {
                        g.push(nudge(v, j).clamp(mn, mn + r));
                    }
                }
                g.extend((0..997).map(|_| mn + r * rng.next_f64()));
                // Lone near-boundary values among vectors of ordinary ones, and the reverse.
                let n = g.len();
                for k in (0..n).step_by(5) {
                    g.swap(k, (k * 7919) % n);
                }
                let max = mn + r;
                let want: Vec<u32> = g
                    .iter()
                    .map(|&v| (((v - mn) / (max - mn)) * scale) as u32)
                    .collect();
                let mut got = vec![0u32; g.len()];
                median_indices(&g, (mn, max - mn, scale), &mut got);
                assert_eq!(got, want, "mn {mn} r {r} scale {scale}");
                let inv = 1.0 / (max - mn);
                if inv.is_finite() && scale <= MAX_SCALE {
                    let params = (mn, max - mn, inv, scale);
                    median_indices_portable(&g, params, &mut got);
                    assert_eq!(got, want, "portable: mn {mn} r {r} scale {scale}");
                    #[cfg(target_arch = "x86_64")]
                    if std::arch::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU supports AVX2.
                        unsafe { median_indices_avx2(&g, params, &mut got) };
                        assert_eq!(got, want, "AVX2: mn {mn} r {r} scale {scale}");
                    }
                }
            }
        }
    }

    #[test]
    fn score_bin_builds_agree() {
        let mut rng = crate::rng::Mt19937::new(23);
        // Values on and a few ulps around every half-bin edge, below and above the range.
        let (m, scale, top) = (-1.25, 37.0, 100.0);
        let mut g: Vec<f64> = (-3..=103)
            .flat_map(|k| {
                let v = m + (k as f64 - 0.5) / scale;
                [
                    v.next_down().next_down(),
                    v.next_down(),
                    v,
                    v.next_up(),
                    v.next_up().next_up(),
                ]
            })
            .collect();
        g.extend((0..301).map(|_| m - 0.2 + 3.0 * rng.next_f64()));
        let mut want = vec![0u16; g.len()];
        score_bins_tail(&g, (m, scale, top), &mut want);
        let mut got = vec![0u16; g.len()];
        score_bins(&g, (m, scale, top), &mut got);
        assert_eq!(got, want);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2.
            unsafe { score_bins_avx2(&g, (m, scale, top), &mut got) };
            assert_eq!(got, want);
        }
    }

    #[test]
    fn distances_are_negative_euclidean() {
        let t = targets_with_counts(&[0.0, 1.0, 3.0], &[1; 3]);
        let col = Column {
            values: [1.0, 0.0, 0.0, 0.0],
            norm: 1.0,
        };
        let mut g = vec![0.0; 3];
        assert_eq!(distance_row(&col, &t, &mut g), (-2.0, 0.0));
        assert_eq!(g, [-1.0, 0.0, -2.0]);
    }
}
