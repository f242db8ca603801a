//! Per query column (ALGORITHMS §7.3–§7.4): the distance row against the unique target columns,
//! its min, max and binned median, and the binned scores with their histogram.
//!
//! Everything here depends only on the column's values, its norm and (for the binned stage) the
//! query's `(i_min, bin_scale)`, so identical columns — all of them for one-hot queries — are
//! computed once per call.
//!
//! A row holds distances `d[u]` (`g = −d`) as `f32`: the square root of the exact `f64` sum of
//! §7.3 rounded to `f32`, within a relative `1.5 · 2⁻²⁴` of memelite's distance (one rounding
//! of `z`, whose square root halves its error, and one of the root). Each bin index computed
//! from it carries a bound on its error; where the index lies closer than that to an integer,
//! it is recomputed from memelite's `f64` value (`exact_g`, see [`f32_bins`]), so every bin,
//! the min, the max and the median are memelite's bits. Only the extremes (from the exact
//! `f64` sums) and the stopping bin's values need the exact value otherwise.

use super::prepare::Targets;
use crate::simd::{dispatch, multiversion};

/// A distinct query column: values widened to `f64` and the norm in the query's dtype.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub values: [f64; 4],
    pub norm: f64,
}

/// Min, max and binned median of a column's distance row (in memelite's `g = −d`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnStats {
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

/// memelite's `g` of column `col` against unique target column `u`: `−sqrt(z)` (or `0.0`
/// when `z <= 0`) with `z = ((((norm + Yn[u]) − 2x₀·Y₀[u]) − 2x₁·Y₁[u]) − 2x₂·Y₂[u]) − 2x₃·Y₃[u]`.
#[inline]
fn exact_g(col: &Column, targets: &Targets, u: usize) -> f64 {
    g_of(z_of(col.norm, col.values.map(|v| 2.0 * v), targets, u))
}

/// memelite's `g` of a sum `z`.
fn g_of(z: f64) -> f64 {
    if z > 0.0 { -z.sqrt() } else { 0.0 }
}

/// A row's distance for the sum `z`: its square root in `f32` (zero for `z <= 0`).
#[inline(always)]
fn root(z: f64) -> f32 {
    (z.max(0.0) as f32).sqrt()
}

/// Finishes column `col`'s row `d` past its whole vectors (from `full` on), whose sums so far
/// reached `lo` and `hi`, and returns memelite's `(min, max)` of `g`: the values at the largest
/// and the smallest exact `z`.
fn finish_row(
    col: &Column,
    targets: &Targets,
    d: &mut [f32],
    full: usize,
    (mut lo, mut hi): (f64, f64),
) -> (f64, f64) {
    let x = col.values.map(|v| 2.0 * v);
    for (u, du) in d.iter_mut().enumerate().skip(full) {
        let z = z_of(col.norm, x, targets, u);
        lo = lo.min(z);
        hi = hi.max(z);
        *du = root(z);
    }
    (g_of(hi), g_of(lo))
}

/// The `z` of [`exact_g`] with the doubled values `x`.
#[inline(always)]
fn z_of(norm: f64, x: [f64; 4], targets: &Targets, u: usize) -> f64 {
    let mut z = norm + targets.norms[u];
    for (k, xk) in x.iter().enumerate() {
        z -= xk * targets.rows[k][u];
    }
    z
}

/// Writes the distance row `d` of `col` (see the module) and returns memelite's `(min, max)`
/// of `g`: the values at the largest and the smallest exact `z`.
pub(crate) fn distance_row(col: &Column, targets: &Targets, d: &mut [f32]) -> (f64, f64) {
    let [range] = distance_rows([col], targets, [d]);
    range
}

/// [`distance_row`] of several columns in one sweep over the target columns (each target
/// value is loaded once for all of them).
pub(crate) fn distance_rows<const K: usize>(
    cols: [&Column; K],
    targets: &Targets,
    d: [&mut [f32]; K],
) -> [(f64, f64); K] {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512() {
            // SAFETY: the CPU supports every feature the function enables.
            return unsafe { distance_rows_avx512(cols, targets, d) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only feature the function enables.
            return unsafe { distance_rows_avx2(cols, targets, d) };
        }
    }
    distance_rows_impl(cols, targets, d)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn distance_rows_avx2<const K: usize>(
    cols: [&Column; K],
    targets: &Targets,
    d: [&mut [f32]; K],
) -> [(f64, f64); K] {
    distance_rows_impl(cols, targets, d)
}

/// [`distance_rows_impl`] with AVX-512 intrinsics: the same operations in the same order per
/// value, 8 target columns per vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
fn distance_rows_avx512<const K: usize>(
    cols: [&Column; K],
    targets: &Targets,
    d: [&mut [f32]; K],
) -> [(f64, f64); K] {
    use std::arch::x86_64::*;
    let n = targets.n_unique();
    let full = n - n % LANES;
    let x: [[__m512d; 4]; K] = cols.map(|c| c.values.map(|v| _mm512_set1_pd(2.0 * v)));
    let norm: [__m512d; K] = cols.map(|c| _mm512_set1_pd(c.norm));
    let mut lo = [_mm512_set1_pd(f64::INFINITY); K];
    let mut hi = [_mm512_set1_pd(f64::NEG_INFINITY); K];
    let zero = _mm512_setzero_pd();
    let [y0, y1, y2, y3] = &targets.rows;
    let (y0, y1, y2, y3, yn) = (
        &y0[..full],
        &y1[..full],
        &y2[..full],
        &y3[..full],
        &targets.norms[..full],
    );
    let ptrs: [*mut f32; K] = std::array::from_fn(|k| d[k][..full].as_mut_ptr());
    for u0 in (0..full).step_by(LANES) {
        // SAFETY: every row holds `full` values, and u0 + 8 <= full.
        let (vn, v0, v1, v2, v3) = unsafe {
            (
                _mm512_loadu_pd(yn.as_ptr().add(u0)),
                _mm512_loadu_pd(y0.as_ptr().add(u0)),
                _mm512_loadu_pd(y1.as_ptr().add(u0)),
                _mm512_loadu_pd(y2.as_ptr().add(u0)),
                _mm512_loadu_pd(y3.as_ptr().add(u0)),
            )
        };
        for k in 0..K {
            let mut z = _mm512_add_pd(norm[k], vn);
            z = _mm512_sub_pd(z, _mm512_mul_pd(x[k][0], v0));
            z = _mm512_sub_pd(z, _mm512_mul_pd(x[k][1], v1));
            z = _mm512_sub_pd(z, _mm512_mul_pd(x[k][2], v2));
            z = _mm512_sub_pd(z, _mm512_mul_pd(x[k][3], v3));
            lo[k] = _mm512_min_pd(lo[k], z);
            hi[k] = _mm512_max_pd(hi[k], z);
            let root = _mm256_sqrt_ps(_mm512_cvtpd_ps(_mm512_max_pd(z, zero)));
            // SAFETY: row k holds `full` values, and u0 + 8 <= full.
            unsafe { _mm256_storeu_ps(ptrs[k].add(u0), root) };
        }
    }
    let mut out = [(0.0, 0.0); K];
    for (k, (o, row)) in out.iter_mut().zip(d).enumerate() {
        let sums = (_mm512_reduce_min_pd(lo[k]), _mm512_reduce_max_pd(hi[k]));
        *o = finish_row(cols[k], targets, row, full, sums);
    }
    out
}

/// Lanes of the `f64` sums.
const LANES: usize = 8;

#[inline(always)]
fn distance_rows_impl<const K: usize>(
    cols: [&Column; K],
    targets: &Targets,
    d: [&mut [f32]; K],
) -> [(f64, f64); K] {
    let x: [[f64; 4]; K] = cols.map(|c| c.values.map(|v| 2.0 * v));
    let norm: [f64; K] = cols.map(|c| c.norm);
    let [y0, y1, y2, y3] = &targets.rows;
    let n = targets.n_unique();
    let (y0, y1, y2, y3, yn) = (&y0[..n], &y1[..n], &y2[..n], &y3[..n], &targets.norms[..n]);
    let mut lo = [[f64::INFINITY; LANES]; K];
    let mut hi = [[f64::NEG_INFINITY; LANES]; K];
    let full = n - n % LANES;
    for u0 in (0..full).step_by(LANES) {
        let at = u0..u0 + LANES;
        let (yn, y0, y1, y2, y3) = (
            &yn[at.clone()],
            &y0[at.clone()],
            &y1[at.clone()],
            &y2[at.clone()],
            &y3[at],
        );
        for k in 0..K {
            let out = &mut d[k][u0..u0 + LANES];
            for l in 0..LANES {
                let mut z = norm[k] + yn[l];
                z -= x[k][0] * y0[l];
                z -= x[k][1] * y1[l];
                z -= x[k][2] * y2[l];
                z -= x[k][3] * y3[l];
                lo[k][l] = lo[k][l].min(z);
                hi[k][l] = hi[k][l].max(z);
                out[l] = root(z);
            }
        }
    }
    let mut out = [(0.0, 0.0); K];
    for (k, (o, row)) in out.iter_mut().zip(d).enumerate() {
        let lo = lo[k].into_iter().fold(f64::INFINITY, f64::min);
        let hi = hi[k].into_iter().fold(f64::NEG_INFINITY, f64::max);
        *o = finish_row(cols[k], targets, row, full, (lo, hi));
    }
    out
}

/// Relative error of one `f32` rounding.
const F32_ERR: f64 = 1.0 / (1u64 << 24) as f64;
/// Largest error of a distance whose `z` underflows `f32` (`sqrt` of its smallest subnormal,
/// rounded up).
const UNDERFLOW: f64 = 4e-23;

/// The margin kept from every integer for an error `bound`: room for the second-order terms
/// the bounds leave out, for `margin` and `1 − margin` rounded to `f32`, and for memelite's
/// own roundings.
fn margin(bound: f64) -> f64 {
    bound * 1.01 + 1e-7
}
/// Error bounds above this send the whole row to the exact computation.
const MAX_MARGIN: f64 = 0.01;

/// Scratch of [`column_stats`].
#[derive(Debug, Default)]
pub(crate) struct StatsScratch {
    /// Counts in u32: a target set has far fewer than 2^32 columns (each takes 32 bytes).
    bins: Vec<u32>,
    idx: Vec<u32>,
}

/// Min, max and memelite's binned median of `col`'s row `d` (whose `(min, max)` of `g` are
/// given) with `n_median_bins` bins and the unique-column counts as weights.
pub(crate) fn column_stats(
    col: &Column,
    d: &[f32],
    (min, max): (f64, f64),
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats {
    dispatch!(column_stats_impl(
        col,
        d,
        (min, max),
        targets,
        n_median_bins,
        scratch
    ))
}

multiversion!(column_stats_impl(
    col: &Column,
    d: &[f32],
    range: (f64, f64),
    targets: &Targets,
    n_median_bins: usize,
    scratch: &mut StatsScratch,
) -> ColumnStats);

/// Sub-histograms of the counts (independent chains of increments).
const SUB: usize = 4;
/// Values per block of the stopping-bin sum (blocks without the bin are skipped).
const BLOCK: usize = 64;
/// Lanes of the `f32` bin indices.
const WIDE: usize = 16;

#[inline(always)]
fn column_stats_impl(
    col: &Column,
    d: &[f32],
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
    // The bin of every value first, then the counts: integers, so their order does not matter.
    let scale = (n_median_bins - 1) as f64;
    let StatsScratch { bins, idx } = scratch;
    // Every index is written below; only growth needs initialising.
    idx.truncate(d.len());
    idx.resize(d.len(), 0);
    median_indices(col, d, (min, r, scale), targets, idx);
    bins.clear();
    bins.resize(SUB * n_median_bins, 0);
    let counts = &targets.counts[..d.len()];
    let full = d.len() - d.len() % SUB;
    for (b, c) in idx[..full]
        .chunks_exact(SUB)
        .zip(counts[..full].chunks_exact(SUB))
    {
        for l in 0..SUB {
            bins[l * n_median_bins + b[l] as usize] += c[l];
        }
    }
    for (&b, &c) in idx[full..].iter().zip(&counts[full..]) {
        bins[b as usize] += c;
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
    // The stopping bin's values in ascending order (memelite's additions), exact.
    let stop = stop as u32;
    let mut sum = 0.0;
    for (k, bs) in idx.chunks(BLOCK).enumerate() {
        if !bs.iter().fold(false, |hit, &b| hit | (b == stop)) {
            continue;
        }
        for (j, &b) in bs.iter().enumerate() {
            if b == stop {
                let u = k * BLOCK + j;
                sum += exact_g(col, targets, u) * counts[u] as f64;
            }
        }
    }
    ColumnStats {
        min,
        max,
        median: sum / in_stop as f64,
    }
}

/// `idx[u] = trunc(((g[u] − min) / r) · scale)`, memelite's median bin (in `0..=scale`), from
/// `t = (D − d[u]) · c` in `f32` with `D = −min` and `c = scale / r`. With `d <= D`,
/// `D − d <= r` and the row's bound, the difference is within `3.5 · 2⁻²⁴ · D` (one rounding
/// each for `D` and the subtraction) and `t` within `(3.5 c D + 2 scale) · 2⁻²⁴` (one more each
/// for `c` and the product), plus `c · 4e-23` where `z` underflows `f32`. Where `t` is farther
/// than that (see [`margin`]) from every integer, its truncation is memelite's; elsewhere
/// [`f32_bins`] takes memelite's division on the exact `g`.
#[inline(always)]
fn median_indices(
    col: &Column,
    d: &[f32],
    (min, r, scale): (f64, f64, f64),
    targets: &Targets,
    idx: &mut [u32],
) {
    let exact = |u: usize| (((exact_g(col, targets, u) - min) / r) * scale) as u32;
    let c = scale / r;
    let top = -min;
    let margin = margin((3.5 * c * top + 2.0 * scale) * F32_ERR + c * UNDERFLOW);
    f32_bins(
        d,
        (top as f32, c as f32, 0.0),
        (margin, scale),
        scale as f32,
        exact,
        idx,
    );
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

/// The binned stage of one column with statistics `stats` and row `d`:
/// `x[u] = floor((g[u] − m) · bin_scale + 0.5)` with `m = median + i_min` (memelite's bits),
/// and the histogram `f[b] = Σ_{x[u] = b} w[u]` (see [`Histogram`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn bin_row(
    col: &Column,
    d: &[f32],
    stats: ColumnStats,
    (i_min, bin_scale): (i64, i64),
    targets: &Targets,
    x: &mut [u16],
    f: &mut [f64],
    histogram: Histogram,
    counts: &mut Vec<u32>,
) {
    let m = stats.median + i_min as f64;
    let scale = bin_scale as f64;
    let top = (f.len() - 1) as f64;
    score_bins(col, d, (m, scale, top, -stats.min), targets, x);
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
                    counts[l * nb + b[l] as usize] += c[l];
                }
            }
            for (&b, &c) in x[full..].iter().zip(&c[full..]) {
                counts[b as usize] += c;
            }
            let total = targets.half * 2.0;
            for (k, fv) in f.iter_mut().enumerate() {
                let n: u32 = (0..SUB).map(|l| counts[l * nb + k]).sum();
                *fv = f64::from(n) / total;
            }
        }
    }
}

/// `x[u] = floor((g[u] − m) · scale + 0.5)` clamped to `[0, top]` (the clamp only guards the
/// index), from `t = (−m − d[u]) · scale + 0.5` in `f32`. With `D` the largest distance, the
/// difference is within `(2 |m| + 2.5 D) · 2⁻²⁴` (one rounding each for `−m` and the
/// subtraction, and the row's bound), and `t`, at most `scale (|m| + D) + 0.5`, within
/// `(scale (4 |m| + 4.5 D) + 2) · 2⁻²⁴` (one more each for the product and the sum), plus
/// `scale · 4e-23` where `z` underflows `f32`. Where `t` is farther than that (see
/// [`margin`]) from every integer its floor is memelite's; elsewhere [`f32_bins`] takes
/// memelite's expression on the exact `g`.
fn score_bins(
    col: &Column,
    d: &[f32],
    (m, scale, top, far): (f64, f64, f64, f64),
    targets: &Targets,
    x: &mut [u16],
) {
    let exact = |u: usize| {
        ((exact_g(col, targets, u) - m) * scale + 0.5)
            .floor()
            .clamp(0.0, top) as u16
    };
    let margin = margin((scale * (4.0 * m.abs() + 4.5 * far) + 2.0) * F32_ERR + scale * UNDERFLOW);
    f32_bins(
        d,
        ((-m) as f32, scale as f32, 0.5),
        (margin, scale),
        top as f32,
        exact,
        x,
    );
}

/// A bin index type of [`f32_bins`].
trait BinIndex: Copy {
    /// The index of a non-negative whole `t` (at most the top bin).
    fn of(t: f32) -> Self;
    /// Stores 16 indices held as `u32`.
    ///
    /// # Safety
    /// `out` holds 16 indices and the CPU runs AVX-512 (F, BW).
    #[cfg(target_arch = "x86_64")]
    unsafe fn store16(out: *mut Self, v: std::arch::x86_64::__m512i);
}

impl BinIndex for u32 {
    fn of(t: f32) -> Self {
        t as u32
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
    unsafe fn store16(out: *mut Self, v: std::arch::x86_64::__m512i) {
        // SAFETY: the caller's contract.
        unsafe { std::arch::x86_64::_mm512_storeu_si512(out.cast(), v) }
    }
}

impl BinIndex for u16 {
    fn of(t: f32) -> Self {
        t as u16
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
    unsafe fn store16(out: *mut Self, v: std::arch::x86_64::__m512i) {
        use std::arch::x86_64::*;
        // SAFETY: the caller's contract.
        unsafe { _mm256_storeu_si256(out.cast(), _mm512_cvtepi32_epi16(v)) }
    }
}

/// `out[u] = floor(t)` clamped to `[0, top]` with `t = (a − d[u]) · c + e` in `f32` where `t`
/// lies farther than `margin` from every integer, `exact(u)` elsewhere (the AVX-512 build
/// recomputes those values alone, the portable one their whole vector of 16) and for the tail;
/// `exact(u)` everywhere when `margin` is [`MAX_MARGIN`] or more, or `scale` (the whole numbers
/// the `f32` steps must hold: the multiplier or the top bin) is `2²⁴` or more.
#[inline(always)]
fn f32_bins<T: BinIndex>(
    d: &[f32],
    (a, c, e): (f32, f32, f32),
    (margin, scale): (f64, f64),
    top: f32,
    exact: impl Fn(usize) -> T,
    out: &mut [T],
) {
    // A bound too coarse to help, or a scale whose whole numbers f32 does not hold exactly:
    // memelite's expression everywhere.
    if !(margin < MAX_MARGIN && scale < (1u64 << 24) as f64) {
        for (u, o) in out.iter_mut().enumerate() {
            *o = exact(u);
        }
        return;
    }
    let near = margin as f32;
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx512() {
        // SAFETY: the CPU supports every feature the function enables.
        return unsafe { f32_bins_avx512(d, (a, c, e), near, top, &exact, out) };
    }
    f32_bins_portable(d, (a, c, e), near, top, exact, out);
}

/// [`f32_bins`] without intrinsics (inlined into the caller's build).
#[inline(always)]
fn f32_bins_portable<T: BinIndex>(
    d: &[f32],
    (a, c, e): (f32, f32, f32),
    near: f32,
    top: f32,
    exact: impl Fn(usize) -> T,
    out: &mut [T],
) {
    let full = d.len() - d.len() % WIDE;
    for (k, (ds, out)) in d[..full]
        .chunks_exact(WIDE)
        .zip(out.chunks_exact_mut(WIDE))
        .enumerate()
    {
        let mut t = [0f32; WIDE];
        let mut close = false;
        for l in 0..WIDE {
            t[l] = (a - ds[l]) * c + e;
            let frac = t[l] - t[l].floor();
            // NaN counts as close (the exact path).
            close |= !((frac >= near) & (frac <= 1.0 - near));
        }
        for (l, o) in out.iter_mut().enumerate() {
            *o = if close {
                exact(k * WIDE + l)
            } else {
                T::of(t[l].floor().clamp(0.0, top))
            };
        }
    }
    for (u, o) in out.iter_mut().enumerate().skip(full) {
        *o = exact(u);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
fn f32_bins_avx512<T: BinIndex>(
    d: &[f32],
    (a, c, e): (f32, f32, f32),
    near: f32,
    top: f32,
    exact: &impl Fn(usize) -> T,
    out: &mut [T],
) {
    use std::arch::x86_64::*;
    let (va, vc, ve) = (_mm512_set1_ps(a), _mm512_set1_ps(c), _mm512_set1_ps(e));
    let (lo, hi) = (_mm512_set1_ps(near), _mm512_set1_ps(1.0 - near));
    let (zero, vtop) = (_mm512_setzero_ps(), _mm512_set1_ps(top));
    let full = d.len() - d.len() % WIDE;
    for (k, (ds, o)) in d[..full]
        .chunks_exact(WIDE)
        .zip(out.chunks_exact_mut(WIDE))
        .enumerate()
    {
        // SAFETY: the chunk holds 16 values.
        let v = unsafe { _mm512_loadu_ps(ds.as_ptr()) };
        let t = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(va, v), vc), ve);
        let fl = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(t);
        let frac = _mm512_sub_ps(t, fl);
        // Ordered comparisons: a NaN lane is not clear (the exact path).
        let clear =
            _mm512_cmp_ps_mask::<_CMP_GE_OQ>(frac, lo) & _mm512_cmp_ps_mask::<_CMP_LE_OQ>(frac, hi);
        let idx = _mm512_cvttps_epu32(_mm512_min_ps(_mm512_max_ps(fl, zero), vtop));
        // SAFETY: the chunk holds 16 indices; the CPU runs AVX-512.
        unsafe { T::store16(o.as_mut_ptr(), idx) };
        let mut close = !clear;
        while close != 0 {
            let l = close.trailing_zeros() as usize;
            o[l] = exact(k * WIDE + l);
            close &= close - 1;
        }
    }
    for (u, o) in out.iter_mut().enumerate().skip(full) {
        *o = exact(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tomtom::Motif;

    /// Targets whose distances from the all-zero column (norm 0) are `values`.
    fn targets_with_counts(values: &[f64], counts: &[u32]) -> Targets {
        let cols: Vec<[f64; 4]> = values.iter().map(|&v| [v, 0.0, 0.0, 0.0]).collect();
        let mut t = Targets::new(&[Motif::from_columns(&cols)], None, false);
        t.counts = counts.to_vec();
        t.half = counts.iter().sum::<u32>() as f64 / 2.0;
        t
    }

    const ZERO: Column = Column {
        values: [0.0; 4],
        norm: 0.0,
    };

    fn stats(t: &Targets, n_median_bins: usize) -> ColumnStats {
        let mut d = vec![0.0; t.n_unique()];
        let range = distance_row(&ZERO, t, &mut d);
        column_stats(
            &ZERO,
            &d,
            range,
            t,
            n_median_bins,
            &mut StatsScratch::default(),
        )
    }

    #[test]
    fn binned_median_matches_memelite_unit_tests() {
        // memelite tests/test_tomtom.py, test_binned_median_*, on g = −d (mirrored values).
        let t = targets_with_counts(&[0.0, 4.0, 2.0, 1.0, 3.0], &[1; 5]);
        assert_eq!(stats(&t, 1000).median, -2.0);
        let t = targets_with_counts(&[0.0, 4.0, 2.0, 1.0, 3.0], &[1, 6, 1, 1, 1]);
        assert_eq!(stats(&t, 1000).median, -4.0);
        let t = targets_with_counts(&[0.0, 1.0, 2.0, 3.0], &[1; 4]);
        assert_eq!(stats(&t, 1000).median, -2.0);
        let t = targets_with_counts(&[0.0, 1.0, 2.0, 3.0], &[1, 1, 2, 1]);
        assert_eq!(stats(&t, 1000).median, -2.0);
        let t = targets_with_counts(&[3.0, 1.0, 2.0, 0.0], &[1, 1, 2, 1]);
        assert_eq!(stats(&t, 1000).median, -2.0);
        assert_eq!((stats(&t, 1000).min, stats(&t, 1000).max), (-3.0, 0.0));
    }

    /// memelite's bins computed directly from the exact `g` of every target column.
    fn reference(
        t: &Targets,
        col: &Column,
        n_median_bins: usize,
        (i_min, s): (i64, i64),
        top: f64,
    ) -> (ColumnStats, Vec<u16>) {
        let g: Vec<f64> = (0..t.n_unique()).map(|u| exact_g(col, t, u)).collect();
        let min = g.iter().copied().fold(9_999_999.9, f64::min);
        let max = g.iter().copied().fold(-9_999_999.9, f64::max);
        let scale = (n_median_bins - 1) as f64;
        let mut median = min;
        if max - min != 0.0 {
            let idx: Vec<usize> = g
                .iter()
                .map(|&v| (((v - min) / (max - min)) * scale) as usize)
                .collect();
            let mut cnt = vec![0u64; n_median_bins];
            for (&b, &c) in idx.iter().zip(&t.counts) {
                cnt[b] += u64::from(c);
            }
            let (mut running, mut b) = (0u64, 0);
            loop {
                running += cnt[b];
                if running as f64 >= t.half {
                    break;
                }
                b += 1;
            }
            let sum = g
                .iter()
                .zip(&idx)
                .zip(&t.counts)
                .filter(|&((_, &i), _)| i == b)
                .fold(0.0, |s, ((&v, _), &c)| s + v * c as f64);
            median = sum / cnt[b] as f64;
        }
        let m = median + i_min as f64;
        let x = g
            .iter()
            .map(|&v| ((v - m) * s as f64 + 0.5).floor().clamp(0.0, top) as u16)
            .collect();
        (ColumnStats { min, max, median }, x)
    }

    fn check(t: &Targets, col: &Column, n_median_bins: usize, class: (i64, i64), what: &str) {
        let top = 100.0;
        let (want_stats, want_x) = reference(t, col, n_median_bins, class, top);
        let mut d = vec![0.0; t.n_unique()];
        let range = distance_row(col, t, &mut d);
        let got = column_stats(
            col,
            &d,
            range,
            t,
            n_median_bins,
            &mut StatsScratch::default(),
        );
        assert_eq!(got, want_stats, "{what}");
        let mut x = vec![0u16; t.n_unique()];
        let mut f = vec![0.0; top as usize + 1];
        bin_row(
            col,
            &d,
            got,
            class,
            t,
            &mut x,
            &mut f,
            Histogram::Exact,
            &mut Vec::new(),
        );
        assert_eq!(x, want_x, "{what}");
        // Every build of the binning.
        let params = (got.median + class.0 as f64, class.1 as f64, top, -got.min);
        let mut portable = vec![0u16; x.len()];
        score_bins(col, &d, params, t, &mut portable);
        assert_eq!(portable, want_x, "{what}, portable");
        // The portable binning, given every value close to an integer, and a margin of zero
        // (no value recomputed), against the dispatched build.
        let (m, s) = (got.median + class.0 as f64, class.1 as f64);
        let exact_x =
            |u: usize| ((exact_g(col, t, u) - m) * s + 0.5).floor().clamp(0.0, top) as u16;
        let mut plain = vec![0u16; x.len()];
        f32_bins_portable(
            &d,
            ((-m) as f32, s as f32, 0.5),
            0.5,
            top as f32,
            exact_x,
            &mut plain,
        );
        assert_eq!(plain, want_x, "{what}, portable bins, all exact");
        let mut fast = vec![0u16; x.len()];
        f32_bins(
            &d,
            ((-m) as f32, s as f32, 0.5),
            (0.0, s),
            top as f32,
            exact_x,
            &mut fast,
        );
        f32_bins_portable(
            &d,
            ((-m) as f32, s as f32, 0.5),
            0.0,
            top as f32,
            exact_x,
            &mut plain,
        );
        let full = x.len() - x.len() % WIDE;
        assert_eq!(plain[..full], fast[..full], "{what}, portable bins");
        let portable = column_stats_impl(
            col,
            &d,
            range,
            t,
            n_median_bins,
            &mut StatsScratch::default(),
        );
        assert_eq!(portable, want_stats, "{what}, portable");
    }

    #[test]
    fn f32_rows_give_memelite_bins_at_every_edge() {
        let nudge = |v: f64, k: i32| {
            (0..k.abs()).fold(v, |v, _| if k > 0 { v.next_up() } else { v.next_down() })
        };
        for (a, b, s) in [
            (1.0, 1.5, 60),
            (0.0, 2.0, 37),
            (0.3, 1.4, 52),
            (1e-3, 0.7, 100),
            (0.9, 0.9 + 1e-6, 3),
            (0.0, 1e-300, 1),
        ] {
            // Distances on and a few ulps around every median edge and every score edge.
            let mut v = vec![a, b];
            for k in 0..=999 {
                for j in -2..=2 {
                    v.push(nudge(b - (b - a) * (k as f64 / 999.0), j).clamp(a, b));
                }
            }
            for k in 0..=100 {
                for j in -2..=2 {
                    v.push(nudge(a + (k as f64 - 0.5) / s as f64, j).clamp(a, b));
                }
            }
            let n = v.len();
            for k in (0..n).step_by(3) {
                v.swap(k, (k * 7919) % n);
            }
            let t = targets_with_counts(&v, &vec![1; n]);
            check(
                &t,
                &ZERO,
                1000,
                (-1, s),
                &format!("edges of [{a}, {b}], scale {s}"),
            );
        }
        // Random columns against random, one-hot-like and duplicated targets.
        let mut rng = crate::rng::Mt19937::new(41);
        let mut cols: Vec<[f64; 4]> = (0..2000)
            .map(|k| {
                let c: [f64; 4] = std::array::from_fn(|_| rng.next_f64());
                if k % 5 == 0 {
                    [1.0, 0.0, 0.0, 0.0]
                } else if k % 7 == 0 {
                    [c[0].powi(8), 0.01, 0.0, 1.0 - c[0].powi(8)]
                } else {
                    c
                }
            })
            .collect();
        cols.extend_from_within(..300);
        let t = Targets::new(&[Motif::from_columns(&cols)], Some(100), true);
        for k in 0..40 {
            let values: [f64; 4] = std::array::from_fn(|_| rng.next_f64());
            let col = Column {
                values,
                norm: <f64 as crate::tomtom::MotifValue>::column_norm(values),
            };
            check(&t, &col, 1000, (-1, 20 + k), &format!("random column {k}"));
        }
        // Four columns per sweep, every build, give each column's own row.
        let four: Vec<Column> = (0..4)
            .map(|k| {
                let values = [cols[k * 3][0], 0.5, cols[k][2], 0.0];
                Column {
                    values,
                    norm: <f64 as crate::tomtom::MotifValue>::column_norm(values),
                }
            })
            .collect();
        let n = t.n_unique();
        let mut rows = vec![0f32; 4 * n];
        let mut portable = vec![0f32; 4 * n];
        let [r0, r1, r2, r3] = rows
            .chunks_mut(n)
            .collect::<Vec<_>>()
            .try_into()
            .expect("4 rows");
        let got = distance_rows(
            [&four[0], &four[1], &four[2], &four[3]],
            &t,
            [r0, r1, r2, r3],
        );
        let [p0, p1, p2, p3] = portable
            .chunks_mut(n)
            .collect::<Vec<_>>()
            .try_into()
            .expect("4 rows");
        let plain = distance_rows_impl(
            [&four[0], &four[1], &four[2], &four[3]],
            &t,
            [p0, p1, p2, p3],
        );
        assert_eq!(got, plain);
        assert_eq!(rows, portable);
        for (k, col) in four.iter().enumerate() {
            let mut one = vec![0f32; n];
            assert_eq!(distance_row(col, &t, &mut one), got[k]);
            assert_eq!(one, rows[k * n..(k + 1) * n]);
        }
        for col in [cols[0], cols[7], [0.25; 4]] {
            let col = Column {
                values: col,
                norm: <f64 as crate::tomtom::MotifValue>::column_norm(col),
            };
            check(&t, &col, 1000, (-2, 33), "a target column");
            check(&t, &col, 7, (-1, 100), "7 median bins");
        }
    }
}
