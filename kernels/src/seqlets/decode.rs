//! Per-example decoding of the recursive seqlet caller (ALGORITHMS §5.1 steps 3–4).
//!
//! Only the spans whose triangle maximum is below the threshold are ever built: a span of
//! length `L` at `k` needs the spans of length `L − 1` at `k` and `k + 1` to be below it
//! (its triangle holds theirs), so each length is built from the survivors of the length
//! below, as tangermeme's sparse decoder does. All buffers live in a [`Workspace`] that a
//! thread reuses for every example it decodes.

use super::input::Attribution;
use super::null::{Binning, NullTables};
use crate::simd::{dispatch, multiversion};

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
    /// The candidates of every length, shortest first, each length sorted by `(PM, k)`
    /// once all are built (each is built from the previous one in order of start).
    cands: Vec<Entry>,
    /// `ends[j]`: one past the last candidate of length `min_len + j` in `cands`.
    ends: Vec<usize>,
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
            // Zeros past the row, so that the screening reads whole blocks.
            bins: vec![0; l + SCREEN],
            sums: vec![0; l + SCREEN],
            x_csum: vec![0.0; (l + 1) * LANES],
            cands: Vec::with_capacity(4 * l),
            ends: Vec::with_capacity(n_lens),
            called: vec![0; l],
            stamp: 0,
        }
    }

    /// Bins `row` and builds, for every length, the candidates whose triangle maximum is below
    /// `threshold`, each length sorted stably by `PM` (ties by start). `row` has the length
    /// the workspace was made for.
    pub fn build<T: Attribution>(
        &mut self,
        row: &[T],
        bins: &Binning<T>,
        null: &NullTables,
        min_len: usize,
        max_len: usize,
        threshold: f64,
    ) {
        dispatch!(build_kernel(self, row, bins, null, min_len, max_len, threshold))
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
        let min_len = max_len + 1 - self.ends.len();
        for (j, &end) in self.ends.iter().enumerate().rev() {
            let len = min_len + j;
            let begin = if j == 0 { 0 } else { self.ends[j - 1] };
            for e in &self.cands[begin..end] {
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
        let mut lanes = [&rows[0][..upto]; LANES];
        for (lane, row) in lanes.iter_mut().zip(rows) {
            *lane = &row[..upto];
        }
        let out = &mut self.x_csum[LANES..(upto + 1) * LANES];
        dispatch!(prefix_sums_kernel(&lanes, out))
    }

    /// `C[end] − C[start]` of the `lane`-th row given to [`Workspace::prefix_sums`].
    pub fn attribution(&self, lane: usize, start: usize, end: usize) -> f64 {
        self.x_csum[end * LANES + lane] - self.x_csum[start * LANES + lane]
    }
}

/// [`Workspace::build`], compiled for the baseline CPU, AVX2 and AVX-512.
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
    bins.bins_into(row, &mut ws.bins[..l]);
    ws.cands.clear();
    ws.ends.clear();
    if min_len > l {
        ws.ends.resize(max_len + 1 - min_len, 0);
        return;
    }
    // p < threshold exactly when the bins sum to at least the cutoff (the options keep every
    // sum below 2^31). Most spans are far from it, so the sums of every start are built, and
    // screened by blocks, with loops that vectorise; the zeros after the row make every block
    // whole (sums of starts past the last are never read).
    let cut = null.cutoff(min_len, threshold) as u32;
    let r = null.tail(min_len);
    let n_starts = l + 1 - min_len;
    let n_blocks = n_starts.div_ceil(SCREEN);
    let sums = &mut ws.sums[..n_blocks * SCREEN];
    sums.copy_from_slice(&ws.bins[..sums.len()]);
    for j in 1..min_len {
        for (s, &b) in sums.iter_mut().zip(&ws.bins[j..]) {
            *s += b;
        }
    }
    for (c, block) in sums.chunks_exact(SCREEN).enumerate() {
        if block.iter().fold(0, |m, &v| m.max(v)) < cut {
            continue;
        }
        for (g, lane) in block.chunks_exact(LANE).enumerate() {
            if lane.iter().fold(0, |m, &v| m.max(v)) < cut {
                continue;
            }
            for (i, &sum) in lane.iter().enumerate() {
                let k = c * SCREEN + g * LANE + i;
                if sum >= cut && k < n_starts {
                    let p = r[sum as usize];
                    ws.cands.push(Entry { k, sum, pm: p, tm: p });
                }
            }
        }
    }
    ws.ends.push(ws.cands.len());
    // Each longer length from the candidates of the one before, in order of start. Once a
    // length has none, no longer one has any.
    let mut begin = 0;
    for len in min_len + 1..=max_len {
        let end = ws.cands.len();
        if end > begin {
            let r = null.tail(len);
            for a in begin..end - 1 {
                let (a, b) = (ws.cands[a], ws.cands[a + 1]);
                if b.k != a.k + 1 {
                    continue;
                }
                let sum = a.sum + ws.bins[a.k + len - 1];
                let pm = max(r[sum as usize], a.pm);
                let tm = max(pm, b.tm);
                if tm < threshold {
                    ws.cands.push(Entry { k: a.k, sum, pm, tm });
                }
            }
        }
        begin = end;
        ws.ends.push(ws.cands.len());
    }
    // Gathered by ascending start, so sorting by (PM, start) is the stable sort by PM.
    let mut begin = 0;
    for &end in &ws.ends {
        let c = &mut ws.cands[begin..end];
        if c.len() > 1 {
            c.sort_unstable_by(|x, y| x.pm.total_cmp(&y.pm).then(x.k.cmp(&y.k)));
        }
        begin = end;
    }
}

multiversion!(build_kernel<T: Attribution>(
    ws: &mut Workspace,
    row: &[T],
    bins: &Binning<T>,
    null: &NullTables,
    min_len: usize,
    max_len: usize,
    threshold: f64,
));

/// [`Workspace::prefix_sums`] of rows cut to one length: `out[j * LANES + r]` is the sum of
/// `lanes[r][..=j]`, added in order from 0.0.
#[inline(always)]
fn prefix_sums_kernel<T: Attribution>(lanes: &[&[T]; LANES], out: &mut [f64]) {
    let mut s = [0.0f64; LANES];
    for (j, c) in out.chunks_exact_mut(LANES).enumerate() {
        let v: [f64; LANES] = std::array::from_fn(|r| lanes[r][j].to_f64());
        for (s, v) in s.iter_mut().zip(v) {
            *s += v;
        }
        c.copy_from_slice(&s);
    }
}

multiversion!(prefix_sums_kernel<T: Attribution>(lanes: &[&[T]; LANES], out: &mut [f64]));

/// Starts screened at once for the shortest length, in groups of [`LANE`].
const SCREEN: usize = 64;
/// Starts screened together within a block that has a hit (one AVX2 vector of `u32`).
const LANE: usize = 8;

/// Rows whose prefix sums are computed together.
pub(crate) const LANES: usize = 8;

/// numba's `max(a, b)` on floats with no NaN.
#[inline]
fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}
