//! The null model of the recursive seqlet caller (ALGORITHMS §5.1 steps 1–2): equal-width bins
//! over the range of the attributions, their histogram, and for every span length `L` the
//! upper-tail probability `R_L[s] = P(sum of L independent bins >= s)`.
//!
//! Everything is computed in tangermeme's order so that the tables are bit-identical: float32
//! (input-dtype) subtraction before the float64 division, convolution sums over ascending
//! indices without fused multiply-adds, tail sums from the top. The hot loops are written so
//! that they vectorise (lane-wise IEEE operations give the same bits as scalar ones) and are
//! compiled for the baseline CPU, AVX2 and AVX-512 (see `crate::simd`).

use rayon::prelude::*;

use super::input::{Attribution, Tracks};
use crate::simd::{dispatch, multiversion};

/// Equal-width bins over `[xmin, xmax]`, shared by every example (and by a control set).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binning<T> {
    xmin: T,
    width: f64,
    last: u32,
    /// `1 / width`, for the fast path of [`Binning::bins_into`].
    inv_width: f64,
    /// How close to a bin edge a multiplied quotient must be for the exact division to be
    /// needed: above three float64 ulps of any quotient up to `n_bins`.
    edge_eps: f64,
    /// The float32 fast path for float32 input: `xmin`, `1 / width` and `last` in float32,
    /// and its edge margin, above the float32 product's error on quotients up to `n_bins`.
    xmin32: f32,
    inv_width32: f32,
    last32: f32,
    edge_eps32: f32,
}

impl<T: Attribution> Binning<T> {
    /// Bins spanning the values of `x`; `None` when every value is equal (tangermeme then calls
    /// no seqlet). `n_bins` must be in `2..=2^31` (checked by the callers' options).
    pub fn new(x: &Tracks<'_, T>, n_bins: usize) -> Option<Self> {
        Self::from_range(x.min(), x.max(), n_bins)
    }

    /// Bins spanning `[xmin, xmax]` (the extremes of the whole array); `None` when equal.
    pub fn from_range(xmin: T, xmax: T, n_bins: usize) -> Option<Self> {
        if xmax == xmin {
            return None;
        }
        let width = xmax.diff_f64(xmin) / (n_bins - 1) as f64;
        let edge_eps = n_bins as f64 * (-40f64).exp2();
        let last = (n_bins - 1) as u32;
        Some(Self {
            xmin,
            width,
            last,
            inv_width: 1.0 / width,
            edge_eps,
            // Only used for f32 input, where xmin converts exactly.
            xmin32: xmin.to_f64() as f32,
            inv_width32: (1.0 / width) as f32,
            last32: last as f32,
            edge_eps32: (n_bins as f64 * (-21f64).exp2()) as f32,
        })
    }

    /// The bin of `v`: `floor(float64(v - xmin) / width)` clamped to the end bins.
    #[inline(always)]
    pub fn bin(&self, v: T) -> u32 {
        let q = v.diff_f64(self.xmin) / self.width;
        // Clamped in floating point (NaN, from an overflowing range, goes to bin 0), then
        // truncated: floor and trunc differ only for negative quotients, which go to bin 0
        // either way.
        let last = f64::from(self.last);
        let q = if q > 0.0 { q } else { 0.0 };
        let q = if q < last { q } else { last };
        // SAFETY: q is in [0, last] and last < 2^31, so it is finite and fits an i32.
        unsafe { q.to_int_unchecked::<i32>() as u32 }
    }

    /// The bins of `values` into `out` (same length), as [`Binning::bin`] gives them.
    ///
    /// Multiplying by `1 / width` is much faster than dividing and gives the same bin unless
    /// the quotient is within a few ulps of a bin edge (both quotients are within 1.5 ulps of
    /// the exact one); a slice where any value comes that close is binned again by division.
    ///
    /// For float32 input the quotient is first taken in float32 (eight lanes to a vector): a
    /// group of values where one quotient comes within `edge_eps32` of a bin edge (about one
    /// value in a thousand for 1000 bins) is binned again in float64 as above.
    pub fn bins_into(&self, values: &[T], out: &mut [u32]) {
        // The error bound of the float32 path needs a normal `1 / width` and a margin below
        // half a bin.
        if let Some(v32) = T::as_f32(values)
            && self.inv_width32.is_normal()
            && self.edge_eps32 < 0.25
        {
            return dispatch!(f32_bins_kernel(self, v32, values, out));
        }
        if !dispatch!(fast_bins_kernel(self, values, out)) {
            dispatch!(bins_kernel(self, values, out))
        }
    }

    /// The width of a bin.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// The lower end of the first bin (the smallest value).
    pub fn xmin(&self) -> T {
        self.xmin
    }

    /// The number of bins.
    pub fn n_bins(&self) -> usize {
        self.last as usize + 1
    }
}

#[inline(always)]
fn bins_kernel<T: Attribution>(b: &Binning<T>, values: &[T], out: &mut [u32]) {
    for (o, &v) in out.iter_mut().zip(values) {
        *o = b.bin(v);
    }
}

/// Bins by multiplication; `false` when some quotient is too close to a bin edge (1..=last)
/// for its bin to be trusted.
#[inline(always)]
fn fast_bins_kernel<T: Attribution>(b: &Binning<T>, values: &[T], out: &mut [u32]) -> bool {
    let (last, eps) = (f64::from(b.last), b.edge_eps);
    let mut near = false;
    for (o, &v) in out.iter_mut().zip(values) {
        let q = v.diff_f64(b.xmin) * b.inv_width;
        let q = if q > 0.0 { q } else { 0.0 };
        let q = if q < last { q } else { last };
        // SAFETY: q is in [0, last] and last < 2^31, so it is finite and fits an i32.
        let t = unsafe { q.to_int_unchecked::<i32>() };
        let frac = q - f64::from(t);
        near |= (frac < eps) & (t >= 1) | (frac > 1.0 - eps);
        *o = t as u32;
    }
    !near
}

/// Values binned together by [`f32_bins_kernel`]; a group with a value near an edge is
/// binned again in float64 (by multiplication, or by division where that is still too close).
const F32_GROUP: usize = 16;

/// Bins float32 values by a float32 multiplication. `v32` is `values` itself (`T = f32`).
///
/// The quotient `(x − xmin) · fl32(1 / width)` (the subtraction is the reference's own) is
/// within `2^-22.9` relative of the exact quotient, and so of the float64 one: with a margin
/// `edge_eps32` above that error for quotients up to `n_bins`, a quotient at least
/// `edge_eps32` from every edge `1..=last` has the reference's bin. Quotients clamped to
/// `last` count as near the edge `last`.
#[inline(always)]
fn f32_bins_kernel<T: Attribution>(b: &Binning<T>, v32: &[f32], values: &[T], out: &mut [u32]) {
    let (xmin, inv, last, eps) = (b.xmin32, b.inv_width32, b.last32, b.edge_eps32);
    let mut groups = out.chunks_exact_mut(F32_GROUP).zip(v32.chunks_exact(F32_GROUP));
    for (g, (o, v)) in (&mut groups).enumerate() {
        let mut near = false;
        for (o, &x) in o.iter_mut().zip(v) {
            let q = (x - xmin) * inv;
            let q = if q > 0.0 { q } else { 0.0 };
            let q = if q < last { q } else { last };
            // SAFETY: q is in [0, last] and last < 2^31, so it is finite and fits an i32.
            let t = unsafe { q.to_int_unchecked::<i32>() };
            let frac = q - t as f32;
            near |= (frac < eps) & (t >= 1) | (frac > 1.0 - eps);
            *o = t as u32;
        }
        if near {
            // Again in float64, whose margin is far narrower; by division if still too close.
            let v = &values[g * F32_GROUP..(g + 1) * F32_GROUP];
            if !fast_bins_kernel(b, v, o) {
                bins_kernel(b, v, o);
            }
        }
    }
    let done = out.len() - out.len() % F32_GROUP;
    bins_kernel(b, &values[done..], &mut out[done..]);
}

multiversion!(f32_bins_kernel<T: Attribution>(b: &Binning<T>, v32: &[f32], values: &[T], out: &mut [u32]));
multiversion!(fast_bins_kernel<T: Attribution>(b: &Binning<T>, values: &[T], out: &mut [u32]) -> bool);
multiversion!(bins_kernel<T: Attribution>(b: &Binning<T>, values: &[T], out: &mut [u32]));

/// The upper-tail tables `R_L` for `L = 1..=max_len` (ALGORITHMS §5.1 step 2).
#[derive(Debug, Clone)]
pub(crate) struct NullTables {
    /// `tails[L - 1][s] = R_L[s]`, `s = 0..=n_bins * L`.
    tails: Vec<Vec<f64>>,
}

impl NullTables {
    /// Builds the histogram of every value of `x` in `bins` and the tail tables up to
    /// `max_len` (at least 1).
    pub fn new<T: Attribution>(x: &Tracks<'_, T>, bins: &Binning<T>, max_len: usize) -> Self {
        let counts = bin_counts(x.values(), bins);
        Self::from_counts(&counts, x.values().len() as f64, max_len)
    }

    /// The tail tables of a histogram `counts` (one count per bin) of `total` values: the
    /// histogram may be summed over blocks of the array ([`bin_counts`]), it is exact.
    pub fn from_counts(counts: &[u64], total: f64, max_len: usize) -> Self {
        Self::build(&frequencies(counts, total), max_len, &vec![0; max_len])
    }

    /// The tail tables as a caller at p-value thresholds up to `threshold` reads them, for
    /// the lengths `min_len..=max_len`: every entry below `threshold` is exact (bit-identical
    /// to [`NullTables::from_counts`]), and the entries of sums too small for any such span
    /// to reach are `+∞` and not computed. Those make up about a third of the convolution
    /// for long spans: the cutoff of length `L` lies near `L` times the mean bin, and only
    /// the sums from there up (and the part of shorter sums they come from) are needed.
    ///
    /// Where they start is bounded from below with the tails of a coarse histogram (bins
    /// merged by [`COARSE`]), whose sums never exceed the fine ones.
    pub fn above_threshold(counts: &[u64], total: f64, min_len: usize, max_len: usize, threshold: f64) -> Self {
        let f = frequencies(counts, total);
        let need = coarse_sums_reaching(&f, max_len, threshold);
        let top = f.iter().rposition(|&v| v != 0.0).unwrap_or(0);
        // The sums of length L from lo[L] up read those of length L − 1 from lo[L] − top up.
        let mut lo = vec![0usize; max_len];
        let mut above = usize::MAX;
        for len in (1..=max_len).rev() {
            let own = if len >= min_len { need[len - 1] } else { usize::MAX };
            lo[len - 1] = own.min(above);
            above = lo[len - 1].saturating_sub(top);
        }
        Self::build(&f, max_len, &lo)
    }

    /// The tables of the bin frequencies `f` with `R_L[s]` computed for `s >= lo[L − 1]` (`+∞`
    /// below; the sums of length `L` from `lo[L]` up must only need those of length `L − 1`
    /// from `lo[L − 1]`).
    fn build(f: &[f64], max_len: usize, lo: &[usize]) -> Self {
        let n_bins = f.len();
        // The nonzero bins in descending order: ascending i = m - j in every output sum.
        let nz: Vec<(usize, f64)> = (0..n_bins).rev().filter(|&j| f[j] != 0.0).map(|j| (j, f[j])).collect();

        let mut tails = Vec::with_capacity(max_len);
        // Row L of the sum distribution (n_bins * L entries, the last one zero for L > 1) at
        // offset `pad` of a buffer, between zeros, so that every block of outputs reads whole
        // slices. The convolution reads the previous row from SHIFTS copies of it, copy s
        // shifted s values left, so that each slice it reads starts on a 32-byte boundary,
        // and writes the next row's copies in the other buffer. Rows only grow, so writing a
        // row over the one before the previous leaves zeros around it.
        let pad = n_bins + BLOCK;
        let width = pad + n_bins * max_len.max(1) + BLOCK;
        let mut store = [vec![0.0f64; SHIFTS * width + SHIFTS], vec![0.0f64; SHIFTS * width + SHIFTS]];
        let [mut prev, mut next] = store.each_mut().map(|v| {
            // Any start is correct; an aligned one is faster.
            let base = v.as_ptr().align_offset(32) % SHIFTS;
            &mut v[base..base + SHIFTS * width]
        });
        // (j, f[j], where the slice for bin j in the block at m0 starts in a buffer, less m0)
        let nz: Vec<(usize, f64, usize)> = nz
            .iter()
            .map(|&(j, fj)| {
                let s = (pad - j) % SHIFTS;
                (j, fj, s * width + pad - j - s)
            })
            .collect();
        for (s, copy) in prev.chunks_exact_mut(width).enumerate() {
            copy[pad - s..pad - s + n_bins].copy_from_slice(f);
        }
        for len in 2..=max_len {
            let n_prev = n_bins * (len - 1);
            let n_out = n_prev + n_bins - 1;
            let row = Row { copies: prev, n_prev };
            // Outputs below `first` are left as they were (never read for a needed one).
            let first = (lo[len - 1].min(n_out) / BLOCK) * BLOCK;
            // The SHIFTS copies of the next row.
            let (c0, rest) = next.split_at_mut(width);
            let (c1, rest) = rest.split_at_mut(width);
            let (c2, c3) = rest.split_at_mut(width);
            let task = BLOCK * BLOCKS_PER_TASK;
            let (tail, ()) = rayon::join(
                // The tails of the previous row while this one is built.
                || tail_sums(&row.copies[pad..pad + n_prev], lo[len - 2]),
                || {
                    c0[pad + first..pad + n_out]
                        .par_chunks_mut(task)
                        .zip(c1[pad - 1 + first..pad - 1 + n_out].par_chunks_mut(task))
                        .zip(c2[pad - 2 + first..pad - 2 + n_out].par_chunks_mut(task))
                        .zip(c3[pad - 3 + first..pad - 3 + n_out].par_chunks_mut(task))
                        .enumerate()
                        .for_each(|(c, (((o0, o1), o2), o3))| {
                            dispatch!(convolve(&row, &nz, first + c * task, o0));
                            o1.copy_from_slice(o0);
                            o2.copy_from_slice(o0);
                            o3.copy_from_slice(o0);
                        })
                },
            );
            tails.push(tail);
            std::mem::swap(&mut prev, &mut next);
        }
        tails.push(tail_sums(&prev[pad..pad + n_bins * max_len], lo[max_len - 1]));
        Self { tails }
    }

    /// `R_len`: `tail(len)[s]` is the probability that `len` bins sum to at least `s`.
    pub fn tail(&self, len: usize) -> &[f64] {
        &self.tails[len - 1]
    }

    /// The smallest bin sum `s` with `R_len[s] < threshold` (the tables are non-increasing),
    /// so a span of `len` positions has a p-value below `threshold` exactly when its bins sum
    /// to at least this.
    pub fn cutoff(&self, len: usize, threshold: f64) -> u64 {
        self.tail(len).partition_point(|&r| r >= threshold) as u64
    }
}

/// Outputs per block of the convolution: the block's accumulators stay in registers (8 AVX2
/// registers) while the nonzero bins stream by.
const BLOCK: usize = 32;
/// Shifted copies of the previous row: one per float64 of a 32-byte vector.
const SHIFTS: usize = 4;
// `NullTables::build` writes the copies by name.
const _: () = assert!(SHIFTS == 4);
/// Blocks per parallel task.
const BLOCKS_PER_TASK: usize = 16;
/// Values binned per step of the histogram: binned into a buffer first (a loop that
/// vectorises), then counted.
const CHUNK: usize = 1024;
/// Interleaved sub-histograms, so that equal consecutive bins do not wait on each other.
const SPLIT: usize = 4;

/// The number of values of `v` in each bin (integers, so any summation order gives the same).
pub(crate) fn bin_counts<T: Attribution>(v: &[T], bins: &Binning<T>) -> Vec<u64> {
    bin_counts_of(v.par_chunks(CHUNK * 64), bins)
}

/// [`bin_counts`] of all the values of `parts` together, one counter per thread.
pub(crate) fn bin_counts_of<'v, T: Attribution>(
    parts: impl ParallelIterator<Item = &'v [T]>,
    bins: &Binning<T>,
) -> Vec<u64> {
    let n_bins = bins.n_bins();
    parts
        .fold(
            || Counter::new(n_bins),
            |mut counter, c| {
                counter.count(c, bins);
                counter
            },
        )
        .map(Counter::into_counts)
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_default()
}

/// One thread's share of a histogram: [`SPLIT`] interleaved 32-bit sub-histograms, added
/// into 64-bit counts before they could overflow.
struct Counter {
    split: Vec<u32>,
    in_split: usize,
    counts: Vec<u64>,
}

impl Counter {
    /// An empty histogram of `n_bins` bins.
    fn new(n_bins: usize) -> Self {
        Self { split: vec![0; SPLIT * n_bins], in_split: 0, counts: vec![0; n_bins] }
    }

    /// Bins and counts `values`.
    fn count<T: Attribution>(&mut self, values: &[T], bins: &Binning<T>) {
        let mut buf = [0; CHUNK];
        for part in values.chunks(CHUNK) {
            let b = &mut buf[..part.len()];
            bins.bins_into(part, b);
            self.count_bins(b);
        }
    }

    /// Counts values whose bins are `b`.
    fn count_bins(&mut self, b: &[u32]) {
        if self.in_split + b.len() > u32::MAX as usize {
            self.flush();
        }
        self.in_split += b.len();
        count_into(&mut self.split, self.counts.len(), b);
    }

    fn flush(&mut self) {
        let n_bins = self.counts.len();
        for (k, c) in self.counts.iter_mut().enumerate() {
            *c += (0..SPLIT).map(|s| u64::from(self.split[s * n_bins + k])).sum::<u64>();
        }
        self.split.fill(0);
        self.in_split = 0;
    }

    /// The counts of every bin.
    fn into_counts(mut self) -> Vec<u64> {
        self.flush();
        self.counts
    }
}

/// Adds one to `h[(j % SPLIT) * n_bins + bins[j]]` for every `j` (the bins are below
/// `n_bins`): consecutive values go to different sub-histograms, so that equal bins close
/// together do not wait on each other's store.
fn count_into(h: &mut [u32], n_bins: usize, bins: &[u32]) {
    let (h0, rest) = h.split_at_mut(n_bins);
    let (h1, rest) = rest.split_at_mut(n_bins);
    let (h2, h3) = rest.split_at_mut(n_bins);
    let mut quads = bins.chunks_exact(SPLIT);
    for q in &mut quads {
        h0[q[0] as usize] += 1;
        h1[q[1] as usize] += 1;
        h2[q[2] as usize] += 1;
        h3[q[3] as usize] += 1;
    }
    for &b in quads.remainder() {
        h0[b as usize] += 1;
    }
}

/// The previous row of the sum distribution, in its shifted copies.
struct Row<'a> {
    copies: &'a [f64],
    n_prev: usize,
}

/// `out[m − m_base] = Σ_i prev[i] · f[m − i]` over ascending `i`, from `+0.0`, each product
/// rounded before its addition. Terms reading the zeros around the row add `+0.0`, which
/// leaves a non-negative sum unchanged. `nz` holds the nonzero bins in descending order
/// with where their slices start (see [`NullTables::new`]); `m_base` is a multiple of `BLOCK`.
#[inline(always)]
fn convolve(row: &Row<'_>, nz: &[(usize, f64, usize)], m_base: usize, out: &mut [f64]) {
    for (b, block) in out.chunks_mut(BLOCK).enumerate() {
        let m0 = m_base + b * BLOCK;
        // Nonzero bins j (descending in nz) reaching an output: m0 − n_prev < j < m0 + BLOCK.
        let hi = nz.partition_point(|&(j, ..)| j >= m0 + BLOCK);
        let lo = nz.partition_point(|&(j, ..)| j + row.n_prev > m0);
        let mut acc = [0.0f64; BLOCK];
        for &(_, fj, at) in &nz[hi..lo.max(hi)] {
            let at = at + m0;
            for (a, &p) in acc.iter_mut().zip(&row.copies[at..at + BLOCK]) {
                *a += p * fj;
            }
        }
        for (o, a) in block.iter_mut().zip(acc) {
            *o = a;
        }
    }
}

multiversion!(convolve(row: &Row<'_>, nz: &[(usize, f64, usize)], m_base: usize, out: &mut [f64]));

/// The frequency of each bin: its count over `total` (float64, as tangermeme divides).
fn frequencies(counts: &[u64], total: f64) -> Vec<f64> {
    counts.iter().map(|&c| c as f64 / total).collect()
}

/// `R[s] = R[s + 1] + S[s]` from the top down to `lo`, with `R[len(S)] = 0`; `+∞` below `lo`.
fn tail_sums(s: &[f64], lo: usize) -> Vec<f64> {
    let mut r = vec![f64::INFINITY; s.len() + 1];
    r[s.len()] = 0.0;
    for i in (lo.min(s.len())..s.len()).rev() {
        r[i] = r[i + 1] + s[i];
    }
    r
}

/// Bins merged into one by the bound of [`NullTables::above_threshold`].
const COARSE: usize = 16;

/// For every length `L = 1..=max_len`, a bin sum `s` with `R_L[s] >= threshold`, so that the
/// cutoff of length `L` is above it: `COARSE · c` for the largest `c` where the coarse tail
/// (bins `b` merged into `b / COARSE`, so that `COARSE · Σc <= Σb`) is at least `threshold`
/// with a margin far above the rounding of either table; 0 where none is.
fn coarse_sums_reaching(f: &[f64], max_len: usize, threshold: f64) -> Vec<usize> {
    let fc: Vec<f64> = f.chunks(COARSE).map(|c| c.iter().sum()).collect();
    let target = threshold * (1.0 + 1e-9);
    let mut dist = fc.clone();
    let mut out = Vec::with_capacity(max_len);
    for len in 1..=max_len {
        if len > 1 {
            let mut next = vec![0.0f64; dist.len() + fc.len() - 1];
            for (i, &p) in dist.iter().enumerate() {
                for (j, &q) in fc.iter().enumerate() {
                    next[i + j] += p * q;
                }
            }
            dist = next;
        }
        let mut tail = 0.0;
        let reached = (0..dist.len()).rev().find(|&c| {
            tail += dist[c];
            tail >= target
        });
        out.push(reached.map_or(0, |c| c * COARSE));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracks<T: Attribution>(x: &[T], n: usize, l: usize) -> Tracks<'_, T> {
        Tracks::new("X", x, n, l).unwrap()
    }

    /// The AVX2 and AVX-512 builds (where the CPU runs them) bin exactly as the baseline one,
    /// values on bin edges included.
    #[test]
    fn every_build_bins_alike() {
        let mut x: Vec<f32> = (0..4099).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
        x.extend((0..=999).map(|k| -3.0 + k as f32 * (6.0 / 999.0)));
        let b = Binning::new(&tracks(&x, 1, x.len()), 1000).unwrap();
        let mut base = vec![0u32; x.len()];
        f32_bins_kernel(&b, &x, &x, &mut base);
        let mut plain = vec![0u32; x.len()];
        bins_kernel(&b, &x, &mut plain);
        assert_eq!(base, plain);
        #[cfg(target_arch = "x86_64")]
        {
            let mut wide = vec![0u32; x.len()];
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2.
                unsafe { f32_bins_kernel::avx2(&b, &x, &x, &mut wide) };
                assert_eq!(wide, base);
            }
            if crate::simd::has_avx512() {
                wide.fill(0);
                // SAFETY: the CPU supports every feature of the AVX-512 build.
                unsafe { f32_bins_kernel::avx512(&b, &x, &x, &mut wide) };
                assert_eq!(wide, base);
            }
        }
    }

    #[test]
    fn bins_clamp_to_the_end_bins() {
        let x = [0.0f32, 1.0, 2.0, 3.0];
        let bins = Binning::new(&tracks(&x, 1, 4), 4).unwrap();
        assert_eq!([bins.bin(0.0), bins.bin(2.5), bins.bin(3.0), bins.bin(-7.0), bins.bin(99.0)], [0, 2, 3, 0, 3]);
        let mut out = [9u32; 4];
        bins.bins_into(&x, &mut out);
        assert_eq!(out, [0, 1, 2, 3]);
    }

    #[test]
    fn float32_subtraction_happens_before_the_division() {
        // xmin = -1, width = 1: -1e-9 - (-1) rounds to 1.0 in float32 (bin 1), while the
        // float64 difference 0.999999999 stays in bin 0.
        let x32 = [-1.0f32, 1.0];
        assert_eq!(Binning::new(&tracks(&x32, 1, 2), 3).unwrap().bin(-1e-9f32), 1);
        let x64 = [-1.0f64, 1.0];
        assert_eq!(Binning::new(&tracks(&x64, 1, 2), 3).unwrap().bin(-1e-9f64), 0);
    }

    #[test]
    fn fast_binning_equals_division() {
        // Random values, and values exactly on (and one ulp around) every bin edge.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut x: Vec<f32> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.3) * 0.07
            })
            .collect();
        let (bins, lo) = {
            let t = tracks(&x, 1, x.len());
            (Binning::new(&t, 1000).unwrap(), t.min())
        };
        let w = bins.width;
        for k in 0..1000 {
            let edge = (f64::from(lo) + k as f64 * w) as f32;
            x.extend([edge, f32::from_bits(edge.to_bits() + 1), f32::from_bits(edge.to_bits() - 1)]);
        }
        x.extend([-1.0, 1.0, lo, 0.0]);
        let mut fast = vec![0u32; x.len()];
        bins.bins_into(&x, &mut fast);
        let exact: Vec<u32> = x.iter().map(|&v| bins.bin(v)).collect();
        assert_eq!(fast, exact);
        // A slice with a value on an edge takes the exact path.
        let mut out = [0u32; 1];
        assert!(
            !fast_bins_kernel(&bins, &[(f64::from(lo) + 3.0 * w) as f32], &mut out)
                || out[0] == bins.bin((f64::from(lo) + 3.0 * w) as f32)
        );
    }

    #[test]
    fn constant_input_has_no_bins() {
        assert!(Binning::new(&tracks(&[0.5f64; 3], 1, 3), 10).is_none());
    }

    #[test]
    fn tails_of_a_two_bin_histogram() {
        let x = [0.0f32, 1.0, 1.0, 1.0];
        let t = tracks(&x, 1, 4);
        let null = NullTables::new(&t, &Binning::new(&t, 2).unwrap(), 3);
        // f = [1/4, 3/4]; sums of L bins are binomial(L, 3/4).
        assert_eq!(null.tail(1), &[1.0, 0.75, 0.0]);
        assert_eq!(null.tail(2), &[1.0, 0.9375, 0.5625, 0.0, 0.0]);
        assert_eq!(null.tail(3)[3], 0.421875);
        assert_eq!(null.tail(3)[0], 1.0);
        assert_eq!(null.cutoff(2, 0.6), 2);
        assert_eq!(null.cutoff(2, 1.0), 1);
    }

    #[test]
    fn tables_above_a_threshold_keep_every_entry_below_it() {
        // Skewed values over 300 bins, with gaps; long spans, so that much is pruned.
        let x: Vec<f32> = (0..20_000u64)
            .map(|i| {
                let u = ((i * 2_654_435_761) % 10_007) as f32 / 10_007.0;
                if i % 11 == 0 { 0.0 } else { u * u * u - 0.3 * u }
            })
            .collect();
        let t = tracks(&x, 40, 500);
        let bins = Binning::new(&t, 300).unwrap();
        let counts = bin_counts(&x, &bins);
        let full = NullTables::from_counts(&counts, x.len() as f64, 20);
        for (min_len, threshold) in [(4, 0.01), (1, 0.2), (6, 1e-6)] {
            let part = NullTables::above_threshold(&counts, x.len() as f64, min_len, 20, threshold);
            let mut pruned = 0;
            for len in min_len..=20 {
                assert_eq!(part.cutoff(len, threshold), full.cutoff(len, threshold), "length {len}");
                for (s, (&a, &b)) in part.tail(len).iter().zip(full.tail(len)).enumerate() {
                    if b < threshold {
                        assert_eq!(a.to_bits(), b.to_bits(), "length {len}, sum {s}");
                    } else {
                        assert!(a >= threshold, "length {len}, sum {s}");
                    }
                    pruned += usize::from(a == f64::INFINITY);
                }
            }
            assert!(pruned > 1000, "{pruned} entries pruned at ({min_len}, {threshold})");
        }
    }

    #[test]
    fn convolution_matches_a_direct_ascending_sum() {
        // Many bins (several blocks per row, empty bins in between) against the definition.
        let x: Vec<f64> =
            (0..5000).map(|i| ((i * 7919) % 1009) as f64 * if i % 3 == 0 { 0.001 } else { 0.0003 }).collect();
        let t = tracks(&x, 10, 500);
        let bins = Binning::new(&t, 150).unwrap();
        let null = NullTables::new(&t, &bins, 4);
        let mut counts = vec![0u64; 150];
        x.iter().for_each(|&v| counts[bins.bin(v) as usize] += 1);
        let f: Vec<f64> = counts.iter().map(|&c| c as f64 / 5000.0).collect();
        let mut prev = f.clone();
        for len in 2..=4 {
            let mut cur = vec![0.0f64; 150 * len];
            for (m, c) in cur.iter_mut().enumerate().take(150 * len - 1) {
                let mut acc = 0.0f64;
                for (i, &p) in prev.iter().enumerate() {
                    if m >= i && m - i < 150 {
                        acc += p * f[m - i];
                    }
                }
                *c = acc;
            }
            let mut r = vec![0.0f64; 150 * len + 1];
            for s in (0..150 * len).rev() {
                r[s] = r[s + 1] + cur[s];
            }
            assert_eq!(null.tail(len), &r[..], "length {len}");
            prev = cur;
        }
    }
}
