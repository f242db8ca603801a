//! Per-example decoding of the recursive seqlet caller (ALGORITHMS §5.1 steps 3–4).
//!
//! Only the spans whose triangle maximum is below the threshold are ever built: a span of
//! length `L` at `k` needs the spans of length `L − 1` at `k` and `k + 1` to be below it
//! (its triangle holds theirs), so each length is built from the survivors of the length
//! below, as tangermeme's sparse decoder does. All buffers live in a [`Workspace`] that a
//! thread reuses for every example it decodes.

use super::Seqlet;
use super::input::Attribution;
use super::null::{Binning, NullTables};
use crate::simd::{dispatch, multiversion};

/// One candidate span: start, sum of its bins, where its first bin is in the bins it was built
/// from, prefix-maximum p-value `PM`, triangle maximum `TM`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub k: usize,
    pub sum: u32,
    pub at: u32,
    pub pm: f64,
    pub tm: f64,
}

impl Entry {
    /// A span of the shortest length, whose prefix and triangle maxima are its own p-value
    /// `tail[sum]`.
    fn shortest(k: usize, at: usize, sum: u32, tail: &[f64]) -> Self {
        let p = tail[sum as usize];
        // Rows, and so the bins of a row's segments, hold fewer than 2^32 positions
        // (checked by `check_shape`).
        Self { k, sum, at: at as u32, pm: p, tm: p }
    }
}

/// Reusable per-thread buffers for decoding examples of length `l`.
#[derive(Debug)]
pub(crate) struct Workspace {
    bins: Vec<u32>,
    /// Prefix sums of up to [`LANES`] rows, interleaved: `x_csum[j * LANES + r]`.
    x_csum: Vec<f64>,
    /// The candidates of every length, shortest first, each length in order of start (each
    /// is built from the previous one).
    cands: Vec<Entry>,
    /// `ends[j]`: one past the last candidate of length `min_len + j` in `cands`.
    ends: Vec<usize>,
    called: Vec<u64>,
    stamp: u64,
    /// Decoding scratch: the open candidates of one length whose spans overlap in a chain,
    /// and the spans called at one length.
    cluster: Vec<Entry>,
    picked: Vec<Entry>,
}

/// A run `[start, end)` of positions of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub start: u32,
    pub end: u32,
}

impl Segment {
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A seqlet span called in one example, before flanks: start, length and the span's own
/// p-value `R_len[sum of its bins]` (not the prefix or triangle maximum).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub start: usize,
    pub len: usize,
    pub p_value: f64,
}

impl Call {
    /// The seqlet this call reports in example `example_idx` of `l` positions, `flanks`
    /// positions added on both sides (clipped to the example); its attribution is summed later.
    pub fn seqlet(&self, example_idx: usize, flanks: usize, l: usize) -> Seqlet {
        Seqlet {
            example_idx,
            start: self.start.saturating_sub(flanks),
            end: (self.start + self.len + flanks).min(l),
            attribution: 0.0,
            p_value: self.p_value,
        }
    }
}

impl Workspace {
    pub fn new(l: usize, n_lens: usize) -> Self {
        Self {
            // Zeros past the row, so that the screening reads whole blocks.
            bins: vec![0; l + SCREEN],
            // Sized by the first prefix sums asked for (most rows never need them).
            x_csum: Vec::new(),
            cands: Vec::with_capacity(4 * l),
            ends: Vec::with_capacity(n_lens),
            called: vec![0; l],
            stamp: 0,
            cluster: Vec::new(),
            picked: Vec::new(),
        }
    }

    /// Bins `row` and builds, for every length, the candidates whose triangle maximum is below
    /// `threshold`, each length in order of start. `row` has the length the workspace was made
    /// for.
    pub fn build<T: Attribution>(
        &mut self,
        row: &[T],
        bins: &Binning<T>,
        null: &NullTables,
        min_len: usize,
        max_len: usize,
        threshold: f64,
    ) {
        let l = row.len();
        bins.bins_into(row, &mut self.bins[..l]);
        self.cands.clear();
        if l >= min_len {
            let cut = null.cutoff(min_len, threshold) as u32;
            let r = null.tail(min_len);
            let cands = &mut self.cands;
            dispatch!(screen(&self.bins, l + 1 - min_len, min_len, cut, |k, sum| {
                cands.push(Entry::shortest(k, k, sum, r));
            }));
        }
        dispatch!(extend_kernel(&mut self.cands, &mut self.ends, &self.bins, null, min_len, max_len, threshold))
    }

    /// [`Workspace::build`] from the bins of a row's `segments` only (`seg_bins`: their bins,
    /// one segment after the other). Every span the caller can call must lie inside one segment
    /// (see [`super::sparse`]); positions outside the segments are never read.
    pub fn build_segments(
        &mut self,
        segments: &[Segment],
        seg_bins: &[u32],
        null: &NullTables,
        min_len: usize,
        max_len: usize,
        threshold: f64,
    ) {
        // The segments are short (a few windows each): their sums are rolled one by one.
        let cut = null.cutoff(min_len, threshold) as u32;
        let r = null.tail(min_len);
        self.cands.clear();
        let mut at = 0;
        for s in segments {
            let b = &seg_bins[at..at + s.len()];
            if b.len() >= min_len {
                for (k, sum) in window_sums(b, min_len).enumerate() {
                    if sum >= cut {
                        self.cands.push(Entry::shortest(s.start as usize + k, at + k, sum, r));
                    }
                }
            }
            at += s.len();
        }
        dispatch!(extend_kernel(&mut self.cands, &mut self.ends, seg_bins, null, min_len, max_len, threshold))
    }

    /// Visits the candidates built by [`Workspace::build`] as tangermeme's decoder does at
    /// `threshold` (at most the one they were built for) and calls `emit` for each span called.
    /// Returns the number of spans called.
    ///
    /// tangermeme visits the candidates of each length in order of `(PM, start)` and calls
    /// those not overlapping a span called before. The order only matters among candidates
    /// that overlap, so each chain of overlapping open candidates (in order of start) is
    /// sorted on its own, most chains being a single candidate; the spans called at a length
    /// are then emitted in that order.
    pub fn decode(&mut self, null: &NullTables, max_len: usize, threshold: f64, mut emit: impl FnMut(Call)) -> usize {
        self.stamp += 1;
        let stamp = self.stamp;
        let mut n = 0;
        let min_len = max_len + 1 - self.ends.len();
        for (j, &end) in self.ends.iter().enumerate().rev() {
            let len = min_len + j;
            let begin = if j == 0 { 0 } else { self.ends[j - 1] };
            self.picked.clear();
            let mut i = begin;
            while i < end {
                // The next chain: open candidates, each overlapping the one before.
                self.cluster.clear();
                let mut reach = 0;
                while i < end {
                    let e = self.cands[i];
                    if !self.cluster.is_empty() && e.k >= reach {
                        break;
                    }
                    i += 1;
                    if e.pm < threshold && e.tm < threshold && !self.touches_called(e.k, len, stamp) {
                        self.cluster.push(e);
                        reach = e.k + len;
                    }
                }
                if self.cluster.len() > 1 {
                    // p-values are never negative (nor NaN), so they order as their bits.
                    self.cluster.sort_unstable_by_key(|e| (e.pm.to_bits(), e.k));
                }
                for e in &self.cluster {
                    if !self.touches_called(e.k, len, stamp) {
                        self.called[e.k..e.k + len].fill(stamp);
                        self.picked.push(*e);
                    }
                }
            }
            if self.picked.len() > 1 {
                self.picked.sort_unstable_by_key(|e| (e.pm.to_bits(), e.k));
            }
            let r = null.tail(len);
            for e in &self.picked {
                emit(Call { start: e.k, len, p_value: r[e.sum as usize] });
            }
            n += self.picked.len();
        }
        n
    }

    /// Whether the span `[k, k + len)` overlaps a span called in this decoding (marked with
    /// `stamp`). Spans are called longest first, so every called span is at least `len` long:
    /// one overlapping the span covers its first or its last position.
    #[inline]
    fn touches_called(&self, k: usize, len: usize, stamp: u64) -> bool {
        self.called[k] == stamp || self.called[k + len - 1] == stamp
    }

    /// Fills the float64 prefix sums `C` of up to [`LANES`] rows of equal length (each summed
    /// sequentially from 0.0, as tangermeme; the rows are interleaved only to overlap the
    /// latencies of their additions) for [`Workspace::attribution`], up to `C[upto]`.
    pub fn prefix_sums<T: Attribution>(&mut self, rows: &[&[T]], upto: usize) {
        let mut lanes = [&rows[0][..upto]; LANES];
        for (lane, row) in lanes.iter_mut().zip(rows) {
            *lane = &row[..upto];
        }
        if self.x_csum.len() < (upto + 1) * LANES {
            // C[0] = 0 for every lane: the first LANES values are never written.
            self.x_csum.resize((upto + 1) * LANES, 0.0);
        }
        let out = &mut self.x_csum[LANES..(upto + 1) * LANES];
        dispatch!(prefix_sums_kernel(&lanes, out))
    }

    /// `C[end] − C[start]` of the `lane`-th row given to [`Workspace::prefix_sums`].
    pub fn attribution(&self, lane: usize, start: usize, end: usize) -> f64 {
        self.x_csum[end * LANES + lane] - self.x_csum[start * LANES + lane]
    }
}

/// From the candidates of the shortest length in `cands` (ascending start), those of every
/// longer length (ascending start), reading the bins the candidates were built from; `ends`
/// receives one past the last candidate of each length.
#[inline(always)]
fn extend_kernel(
    cands: &mut Vec<Entry>,
    ends: &mut Vec<usize>,
    bins: &[u32],
    null: &NullTables,
    min_len: usize,
    max_len: usize,
    threshold: f64,
) {
    ends.clear();
    ends.push(cands.len());
    // Each longer length from the candidates of the one before, in order of start. Once a
    // length has none, no longer one has any.
    let mut begin = 0;
    for len in min_len + 1..=max_len {
        let end = cands.len();
        if end > begin {
            let r = null.tail(len);
            for a in begin..end - 1 {
                let (a, b) = (cands[a], cands[a + 1]);
                if b.k != a.k + 1 {
                    continue;
                }
                let sum = a.sum + bins[a.at as usize + len - 1];
                let pm = max(r[sum as usize], a.pm);
                let tm = max(pm, b.tm);
                if tm < threshold {
                    cands.push(Entry { sum, pm, tm, ..a });
                }
            }
        }
        begin = end;
        ends.push(cands.len());
    }
}

multiversion!(extend_kernel(cands: &mut Vec<Entry>, ends: &mut Vec<usize>, bins: &[u32], null: &NullTables, min_len: usize, max_len: usize, threshold: f64));

/// The sum of every window of `len` consecutive bins of `b` (at least `len` long), in order
/// of start, each rolled from the one before (for short runs of bins, as segments are).
#[inline(always)]
pub(crate) fn window_sums(b: &[u32], len: usize) -> impl Iterator<Item = u32> + '_ {
    (0..=b.len() - len).scan(0, move |sum, k| {
        *sum = if k == 0 { b[..len].iter().sum() } else { *sum + b[k + len - 1] - b[k - 1] };
        Some(*sum)
    })
}

/// Calls `hit(k, sum)`, in order of `k`, for every start `k < n_starts` whose `len` bins
/// `bins[k..k + len]` sum to at least `cut` (p < threshold for `cut` the null's cutoff).
/// `bins` extends at least [`SCREEN`] − 1 values past the last start's span (their sums are
/// computed, never reported).
///
/// Most spans are far from the cutoff, so the sums of [`SCREEN`] starts are built at once in
/// registers and screened by a mask.
#[inline(always)]
pub(crate) fn screen(bins: &[u32], n_starts: usize, len: usize, cut: u32, mut hit: impl FnMut(usize, u32)) {
    let n_blocks = n_starts.div_ceil(SCREEN);
    assert!(bins.len() + 1 >= n_blocks * SCREEN + len, "screened bins too short");
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx512() {
        // SAFETY: the CPU has AVX-512F; `bins` holds every block read (asserted above).
        return unsafe {
            if len == 4 {
                screen_avx512::<4>(bins, n_blocks, n_starts, len, cut, &mut hit)
            } else {
                screen_avx512::<0>(bins, n_blocks, n_starts, len, cut, &mut hit)
            }
        };
    }
    screen_portable(bins, n_blocks, n_starts, len, cut, &mut hit)
}

/// [`screen`] in plain Rust (a loop that vectorises).
#[inline(always)]
fn screen_portable(
    bins: &[u32],
    n_blocks: usize,
    n_starts: usize,
    len: usize,
    cut: u32,
    hit: &mut impl FnMut(usize, u32),
) {
    for c in 0..n_blocks {
        let window = &bins[c * SCREEN..c * SCREEN + SCREEN + len - 1];
        let mut sums = [0u32; SCREEN];
        for j in 0..len {
            let w: &[u32; SCREEN] = window[j..j + SCREEN].try_into().expect("a block of SCREEN bins");
            for (s, &b) in sums.iter_mut().zip(w) {
                *s += b;
            }
        }
        let hits = sums.iter().enumerate().fold(0u64, |m, (i, &s)| m | (u64::from(s >= cut) << i));
        report(hits, c, n_starts, &sums, hit);
    }
}

/// Calls `hit` for the starts of block `c` set in `hits` (those below `n_starts`), with
/// their sums.
#[inline(always)]
fn report(mut hits: u64, c: usize, n_starts: usize, sums: &[u32; SCREEN], hit: &mut impl FnMut(usize, u32)) {
    let past_last = (c + 1) * SCREEN;
    if past_last > n_starts {
        hits &= u64::MAX >> (past_last - n_starts);
    }
    while hits != 0 {
        let i = hits.trailing_zeros() as usize;
        hit(c * SCREEN + i, sums[i]);
        hits &= hits - 1;
    }
}

/// [`screen`] with AVX-512 masks: four 16-lane sums per block, compared into one `u64`.
/// `LEN` is the span length when nonzero (the window is then unrolled), else `len` is.
///
/// # Safety
/// The CPU must have AVX-512F, and `bins` at least `n_blocks * SCREEN + len − 1` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn screen_avx512<const LEN: usize>(
    bins: &[u32],
    n_blocks: usize,
    n_starts: usize,
    len: usize,
    cut: u32,
    hit: &mut impl FnMut(usize, u32),
) {
    use std::arch::x86_64::{
        __m512i, _mm512_add_epi32, _mm512_cmpge_epu32_mask, _mm512_loadu_si512, _mm512_set1_epi32,
        _mm512_setzero_si512, _mm512_storeu_si512,
    };
    let len = if LEN > 0 { LEN } else { len };
    let cut_v = _mm512_set1_epi32(cut as i32);
    for c in 0..n_blocks {
        let at = bins[c * SCREEN..].as_ptr();
        let mut sums = [_mm512_setzero_si512(); SCREEN / 16];
        for j in 0..len {
            for (q, s) in sums.iter_mut().enumerate() {
                // SAFETY: `at + j + 16q + 15 < n_blocks * SCREEN + len − 1 <= bins.len()`.
                *s = _mm512_add_epi32(*s, unsafe { _mm512_loadu_si512(at.add(j + 16 * q).cast::<__m512i>()) });
            }
        }
        let hits = sums
            .iter()
            .enumerate()
            .fold(0u64, |m, (q, &s)| m | u64::from(_mm512_cmpge_epu32_mask(s, cut_v)) << (16 * q));
        if hits != 0 {
            let mut out = [0u32; SCREEN];
            for (q, &s) in sums.iter().enumerate() {
                // SAFETY: `out` holds 64 values, 16 per vector.
                unsafe { _mm512_storeu_si512(out[16 * q..].as_mut_ptr().cast::<__m512i>(), s) };
            }
            report(hits, c, n_starts, &out, hit);
        }
    }
}

multiversion!(screen(bins: &[u32], n_starts: usize, len: usize, cut: u32, hit: impl FnMut(usize, u32)));

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

/// Starts screened at once for the shortest length: one bit each of a `u64`.
pub(crate) const SCREEN: usize = 64;

/// Rows whose prefix sums are computed together.
pub(crate) const LANES: usize = 8;

/// numba's `max(a, b)` on floats with no NaN.
#[inline]
fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX-512 screen (where the CPU has it) and the portable one report the same starts
    /// and sums as the definition, for the unrolled length and others, across block edges.
    #[test]
    fn every_screen_reports_the_spans_at_the_cutoff() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let bins: Vec<u32> = (0..700 + SCREEN)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 54) as u32
            })
            .collect();
        for len in [1, 3, 4, 5, 9] {
            for n_starts in [1, 63, 64, 65, 700 - len] {
                for cut in [0, 300 * len as u32, 700 * len as u32, u32::MAX] {
                    let expected: Vec<(usize, u32)> = (0..n_starts)
                        .map(|k| (k, bins[k..k + len].iter().sum::<u32>()))
                        .filter(|&(_, s)| s >= cut)
                        .collect();
                    let mut got = Vec::new();
                    screen(&bins, n_starts, len, cut, |k, s| got.push((k, s)));
                    assert_eq!(got, expected, "len {len}, {n_starts} starts, cut {cut}");
                    got.clear();
                    screen_portable(&bins, n_starts.div_ceil(SCREEN), n_starts, len, cut, &mut |k, s| got.push((k, s)));
                    assert_eq!(got, expected, "portable: len {len}, {n_starts} starts, cut {cut}");
                }
            }
        }
    }
}
