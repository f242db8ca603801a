//! Per-example decoding of the recursive seqlet caller (ALGORITHMS §5.1 steps 3–4).
//!
//! Only the spans whose triangle maximum is below the threshold are ever built: a span of
//! length `L` at `k` needs the spans of length `L − 1` at `k` and `k + 1` to be below it
//! (its triangle holds theirs), so each length is built from the survivors of the length
//! below, as tangermeme's sparse decoder does. All buffers live in a [`Workspace`] that a
//! thread reuses for every example it decodes.

use super::input::Attribution;
use super::null::{Binning, NullTables};
use super::simd::dispatch;

/// One candidate span: start, sum of its bins, prefix-maximum p-value `PM`, triangle maximum
/// `TM`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub k: usize,
    pub sum: u32,
    pub pm: f64,
    pub tm: f64,
}

/// Reusable per-thread buffers for decoding examples of length `l`.
#[derive(Debug)]
pub(crate) struct Workspace {
    bins: Vec<u32>,
    /// Bin sums of the spans of the shortest length, by start.
    sums: Vec<u32>,
    /// Prefix sums of up to [`LANES`] rows, interleaved: `x_csum[j * LANES + r]`.
    x_csum: Vec<f64>,
    lower: Vec<Entry>,
    upper: Vec<Entry>,
    /// `cands[j]`: the candidates of length `max_len − j`, sorted by `(PM, k)`.
    cands: Vec<Vec<Entry>>,
    called: Vec<u64>,
    stamp: u64,
}

/// A seqlet span called in one example, before flanks: start, length and the span's own
/// p-value `R_len[sum of its bins]` (not the prefix or triangle maximum).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub start: usize,
    pub len: usize,
    pub p_value: f64,
}

impl Workspace {
    pub fn new(l: usize, n_lens: usize) -> Self {
        Self {
            bins: vec![0; l],
            sums: vec![0; l],
            x_csum: vec![0.0; (l + 1) * LANES],
            lower: Vec::with_capacity(l),
            upper: Vec::with_capacity(l),
            cands: (0..n_lens).map(|_| Vec::with_capacity(l)).collect(),
            called: vec![0; l],
            stamp: 0,
        }
    }

    /// Bins `row` and builds, for every length, the candidates whose triangle maximum is below
    /// `threshold`, each length sorted stably by `PM` (ties by start).
    pub fn build<T: Attribution>(
        &mut self,
        row: &[T],
        bins: &Binning<T>,
        null: &NullTables,
        min_len: usize,
        max_len: usize,
        threshold: f64,
    ) {
        dispatch!(build_kernel / build_kernel_avx2(self, row, bins, null, min_len, max_len, threshold))
    }

    /// Visits the candidates built by [`Workspace::build`] as tangermeme's decoder does at
    /// `threshold` (at most the one they were built for) and calls `emit` for each span called.
    /// Returns the number of spans called.
    pub fn decode(
        &mut self,
        null: &NullTables,
        max_len: usize,
        threshold: f64,
        mut emit: impl FnMut(Call),
    ) -> usize {
        self.stamp += 1;
        let stamp = self.stamp;
        let mut n = 0;
        for (j, cands) in self.cands.iter().enumerate() {
            let len = max_len - j;
            for e in cands {
                if e.pm >= threshold {
                    break;
                }
                if e.tm >= threshold {
                    continue;
                }
                let start = e.k;
                let span = &mut self.called[start..start + len];
                if span.contains(&stamp) {
                    continue;
                }
                span.fill(stamp);
                n += 1;
                emit(Call { start, len, p_value: null.tail(len)[e.sum as usize] });
            }
        }
        n
    }

    /// Fills the float64 prefix sums `C` of up to [`LANES`] rows of equal length (each summed
    /// sequentially from 0.0, as tangermeme; the rows are interleaved only to overlap the
    /// latencies of their additions) for [`Workspace::attribution`], up to `C[upto]`.
    pub fn prefix_sums<T: Attribution>(&mut self, rows: &[&[T]], upto: usize) {
        let mut lanes = [rows[0]; LANES];
        lanes[..rows.len()].copy_from_slice(rows);
        let mut s = [0.0f64; LANES];
        for (j, c) in self.x_csum[LANES..(upto + 1) * LANES].chunks_exact_mut(LANES).enumerate() {
            for ((c, s), lane) in c.iter_mut().zip(&mut s).zip(&lanes) {
                *s += lane[j].to_f64();
                *c = *s;
            }
        }
    }

    /// `C[end] − C[start]` of the `lane`-th row given to [`Workspace::prefix_sums`].
    pub fn attribution(&self, lane: usize, start: usize, end: usize) -> f64 {
        self.x_csum[end * LANES + lane] - self.x_csum[start * LANES + lane]
    }
}

/// [`Workspace::build`], compiled for the baseline CPU and for AVX2.
#[inline(always)]
fn build_kernel<T: Attribution>(
    ws: &mut Workspace,
    row: &[T],
    bins: &Binning<T>,
    null: &NullTables,
    min_len: usize,
    max_len: usize,
    threshold: f64,
) {
    let l = row.len();
    bins.bins_into(row, &mut ws.bins);

    ws.lower.clear();
    if min_len <= l {
        // p < threshold exactly when the bins sum to at least the cutoff (the options keep
        // every sum below 2^31). Most spans are far from it, so the sums of every start
        // are built, and screened by blocks, with loops that vectorise.
        let cut = null.cutoff(min_len, threshold) as u32;
        let r = null.tail(min_len);
        let n_starts = l + 1 - min_len;
        let sums = &mut ws.sums[..n_starts];
        sums.copy_from_slice(&ws.bins[..n_starts]);
        for j in 1..min_len {
            for (s, &b) in sums.iter_mut().zip(&ws.bins[j..]) {
                *s += b;
            }
        }
        for (c, block) in sums.chunks(SCREEN).enumerate() {
            if block.iter().copied().max().unwrap_or(0) < cut {
                continue;
            }
            for (i, &sum) in block.iter().enumerate() {
                if sum >= cut {
                    let p = r[sum as usize];
                    ws.lower.push(Entry { k: c * SCREEN + i, sum, pm: p, tm: p });
                }
            }
        }
    }
    for len in min_len..=max_len {
        if len > min_len {
            let r = null.tail(len);
            ws.upper.clear();
            for w in ws.lower.windows(2) {
                let (a, b) = (w[0], w[1]);
                if b.k != a.k + 1 {
                    continue;
                }
                let sum = a.sum + ws.bins[a.k + len - 1];
                let pm = max(r[sum as usize], a.pm);
                let tm = max(pm, b.tm);
                if tm < threshold {
                    ws.upper.push(Entry { k: a.k, sum, pm, tm });
                }
            }
            std::mem::swap(&mut ws.lower, &mut ws.upper);
        }
        let c = &mut ws.cands[max_len - len];
        c.clear();
        c.extend_from_slice(&ws.lower);
        // Gathered by ascending start, so sorting by (PM, start) is the stable sort by PM.
        c.sort_unstable_by(|x, y| x.pm.total_cmp(&y.pm).then(x.k.cmp(&y.k)));
    }
    }

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn build_kernel_avx2<T: Attribution>(
    ws: &mut Workspace,
    row: &[T],
    bins: &Binning<T>,
    null: &NullTables,
    min_len: usize,
    max_len: usize,
    threshold: f64,
) {
    build_kernel(ws, row, bins, null, min_len, max_len, threshold)
}

/// Starts screened at once for the shortest length.
const SCREEN: usize = 64;

/// Rows whose prefix sums are computed together.
pub(crate) const LANES: usize = 4;

/// numba's `max(a, b)` on floats with no NaN.
#[inline]
fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}
