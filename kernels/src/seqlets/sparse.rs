//! `recursive_seqlets` on an array held in memory, reading the values twice instead of three
//! times: one pass finds the extremes *and* keeps, per row, the few places where a seqlet can
//! be called (with their values); a second counts the null histogram; the calling then needs
//! the null and those places only.
//!
//! A span can only be called if each of its windows of `min_seqlet_len` positions has a
//! p-value below the threshold, i.e. bins summing to at least the cutoff `cut` of the null
//! (ALGORITHMS §5.1). Bins grow with the values, so such a window's *values* sum to at least
//! about `cut · width + min_seqlet_len · xmin`. Neither the bins nor the null are known during
//! the first pass, so it keeps the windows whose values sum to at least a bound `V` estimated
//! from a sample of rows at a few times the threshold ([`ValueScreen`]); the union of those
//! windows, as segments of positions with their values, holds every span that can be called.
//! Once bins and null are known, the bound is checked with every rounding accounted for
//! ([`ValueScreen::holds`]); should it fail (a sample unlike the rest), the rows are screened
//! again with the weakest bound that holds, so the result never depends on the sample.
//!
//! The seqlets' attributions are differences of float64 prefix sums from the start of the
//! row (§5.1), which read the row up to the seqlet. A row of float32 values whose magnitudes
//! span few enough binades has exact float64 partial sums ([`exact_f64_sums`]), and then the
//! difference is the plain sum of the seqlet's own values, which the first pass kept.

use std::ops::Range;

use rayon::prelude::*;

use super::Seqlet;
use super::decode::{Segment, Workspace, window_sums};
#[cfg(doc)]
use super::input::check_shape;
use super::input::{Attribution, Tracks, chunk_min_max, merge};
use super::null::{Binning, NullTables, bin_counts, bin_counts_of};
use super::recursive::{ROWS_PER_TASK, RecursiveOptions, call_rows, fill_attributions, sort_blocks_by_p_value};
use crate::Result;
use crate::simd::{dispatch, multiversion, prefetch};

/// The screening bound of the first pass is the cutoff of a sample's null at this many
/// times the threshold.
const SLACK: f64 = 1.5;
/// Above this (threshold × [`SLACK`]), too many windows pass the screen for it to pay.
const MAX_SCREENED_P: f64 = 0.1;
/// Rows of the sample the screening bound comes from (spread evenly over the array).
const SAMPLE_ROWS: usize = 128;
/// Window starts screened at once: one bit each of a `u64`.
const STARTS: usize = 64;

/// The bound `V` of the first pass: windows of `min_seqlet_len` values summing (in the
/// values' type, in the order of [`window_sum`]) to less than it are dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueScreen<T> {
    cut: T,
}

impl<T: Attribution> ValueScreen<T> {
    /// The bound for a call with `o` on the rows of `l` values in `x` (shape already
    /// checked): the value sum matching the cutoff of a sample's null at `SLACK` times the
    /// threshold. `None` when the threshold is too large for the two-pass route to pay, or the
    /// sample is constant or not finite (the ordinary route then reports it).
    pub fn from_sample(x: &[T], l: usize, o: &RecursiveOptions) -> Option<Self> {
        let p = o.threshold * SLACK;
        if p > MAX_SCREENED_P || l < o.min_seqlet_len {
            return None;
        }
        let stride = (x.len() / l).div_ceil(SAMPLE_ROWS).max(1);
        let sample: Vec<&[T]> = x.chunks(l).step_by(stride).collect();
        let (lo, hi, finite) = sample.iter().map(|row| chunk_min_max(row)).reduce(merge)?;
        if !finite {
            return None;
        }
        let bins = Binning::from_range(lo, hi, o.n_bins)?;
        let counts = bin_counts_of(sample.par_iter().copied(), &bins);
        let len = o.min_seqlet_len;
        let null = NullTables::from_counts(&counts, (sample.len() * l) as f64, len);
        let cut = null.cutoff(len, p) as f64;
        Some(Self { cut: T::at_most(cut * bins.width() + len as f64 * lo.to_f64()) })
    }

    /// Whether the screen kept every window of `len` values whose bins sum to at least `cut`,
    /// for values in `[bins.xmin(), xmax]`: whether its bound is at most [`ValueScreen::sound`].
    pub fn holds(&self, bins: &Binning<T>, xmax: T, cut: u64, len: usize) -> bool {
        Self::sound(bins, xmax, cut, len).is_some_and(|v| self.cut.to_f64() <= v)
    }

    /// The screen with the largest bound that [holds](ValueScreen::holds) for `cut`, once the
    /// bins and the null are known; `None` if the bound overflows.
    pub fn weakest_sound(bins: &Binning<T>, xmax: T, cut: u64, len: usize) -> Option<Self> {
        Some(Self { cut: T::at_most(Self::sound(bins, xmax, cut, len)?) })
    }

    /// The largest bound that keeps every window of `len` values in `[bins.xmin(), xmax]` whose
    /// bins sum to at least `cut`.
    ///
    /// With `u` the unit roundoff of the values' type, a bin is at most
    /// `(x − xmin)(1 + u)(1 + 2⁻⁵³) / width` (the subtraction in the values' type, the division
    /// in float64), so bins summing to `cut` need `Σx ≥ cut · width / ((1 + u)(1 + 2⁻⁵³)) +
    /// len · xmin`; the screen's sum, in any order, is within `(len − 1) u / (1 − (len − 1) u)
    /// · Σ|x|` of `Σx`. A relative margin of 1e-9 covers the rounding of this bound itself.
    fn sound(bins: &Binning<T>, xmax: T, cut: u64, len: usize) -> Option<f64> {
        let (m, u, xmin) = (len as f64, T::UNIT_ROUNDOFF, bins.xmin().to_f64());
        let reach = cut as f64 * bins.width() / ((1.0 + u) * (1.0 + f64::EPSILON / 2.0));
        let largest = xmin.abs().max(xmax.to_f64().abs());
        let sum_error = (m - 1.0) * u / (1.0 - (m - 1.0) * u) * m * largest;
        let bound = reach + m * xmin - sum_error - 1e-9 * (reach.abs() + m * largest);
        bound.is_finite().then_some(bound)
    }
}

/// What the first pass keeps of the blocks of rows one thread scanned.
#[derive(Debug)]
struct Kept<T> {
    /// Per block: its index (its first row is `task * ROWS_PER_TASK`) and its first row in
    /// `rows`.
    blocks: Vec<(usize, usize)>,
    /// Per row: one past its last segment in `segments` and past its last value in
    /// `values`, and whether its float64 partial sums are exact.
    rows: Vec<(usize, usize, bool)>,
    /// The segments of every row, row after row.
    segments: Vec<Segment>,
    /// The values of every segment, one after the other.
    values: Vec<T>,
    /// `(min, max, all finite)` of the rows scanned, once there are some.
    extremes: Option<(T, T, bool)>,
}

impl<T: Attribution> Kept<T> {
    fn new() -> Self {
        Self { blocks: Vec::new(), rows: Vec::new(), segments: Vec::new(), values: Vec::new(), extremes: None }
    }

    /// Scans block `task` of the rows of `l` values in `x` with the bound `cut` on windows of
    /// `len` values.
    fn scan_block(&mut self, x: &[T], task: usize, l: usize, len: usize, cut: T) {
        self.blocks.push((task, self.rows.len()));
        let first = task * ROWS_PER_TASK;
        for r in first..(first + ROWS_PER_TASK).min(x.len() / l) {
            let next = x.get((r + 1) * l..(r + 2) * l).unwrap_or(&[]);
            let e = dispatch!(scan_row(self, &x[r * l..(r + 1) * l], next, len, cut));
            self.extremes = Some(self.extremes.map_or(e, |a| merge(a, e)));
        }
    }

    /// The rows of block `b`: for each, its segments, where their values are in `values`, and
    /// whether its partial sums are exact.
    fn rows_of(&self, b: usize) -> impl Iterator<Item = (&[Segment], Range<usize>, bool)> {
        let (from, to) = self.block_rows(b);
        let (mut seg_at, mut value_at) = self.row_ends(from);
        self.rows[from..to].iter().map(move |&(seg_end, value_end, exact)| {
            let row = (&self.segments[seg_at..seg_end], value_at..value_end, exact);
            (seg_at, value_at) = (seg_end, value_end);
            row
        })
    }

    /// Where the values of block `b` are in `values`.
    fn block_values(&self, b: usize) -> Range<usize> {
        let (from, to) = self.block_rows(b);
        self.row_ends(from).1..self.row_ends(to).1
    }

    /// The rows of block `b` in `rows`.
    fn block_rows(&self, b: usize) -> (usize, usize) {
        (self.blocks[b].1, self.blocks.get(b + 1).map_or(self.rows.len(), |n| n.1))
    }

    /// Where the segments and values of row `r` of `rows` start.
    fn row_ends(&self, r: usize) -> (usize, usize) {
        r.checked_sub(1).map_or((0, 0), |p| (self.rows[p].0, self.rows[p].1))
    }
}

/// The extremes of `row`, and (when finite) its segments: the union of its windows of `len`
/// positions whose values sum to at least `cut`, kept with their values. `next` is the row
/// scanned next (or empty).
#[inline(always)]
fn scan_row<T: Attribution>(kept: &mut Kept<T>, row: &[T], next: &[T], len: usize, cut: T) -> (T, T, bool) {
    let extremes = chunk_min_max(row);
    if extremes.2 && row.len() >= len {
        let n_starts = row.len() + 1 - len;
        let mut open: Option<Segment> = None;
        let (segments, values) = (&mut kept.segments, &mut kept.values);
        let mut close = |s: Segment| {
            segments.push(s);
            values.extend(row[s.range()].iter().copied());
        };
        for c in 0..n_starts.div_ceil(STARTS) {
            let at = c * STARTS;
            // The next row is asked for a block at a time while this one is screened (all at
            // once, the requests would wait on each other).
            if let Some(ahead) = next.get(at..at + STARTS) {
                ahead.iter().step_by(64 / size_of::<T>()).for_each(prefetch);
            }
            let mut hits = window_hits(row, at, n_starts, len, cut);
            // Each run of passing starts a..a + run covers the positions [a, a + run − 1 + len).
            while hits != 0 {
                let a = hits.trailing_zeros();
                let run = (hits >> a).trailing_ones();
                // Positions fit in 32 bits (checked by `check_shape`).
                let (start, end) = ((at as u32) + a, (at as u32) + a + run - 1 + len as u32);
                match &mut open {
                    Some(s) if start <= s.end => s.end = end,
                    _ => {
                        if let Some(s) = open.replace(Segment { start, end }) {
                            close(s);
                        }
                    }
                }
                hits = if a + run == 64 { 0 } else { hits & (u64::MAX << (a + run)) };
            }
        }
        if let Some(s) = open {
            close(s);
        }
    }
    let exact = T::as_f32(row).is_some_and(exact_f64_sums);
    kept.rows.push((kept.segments.len(), kept.values.len(), exact));
    extremes
}

multiversion!(scan_row<T: Attribution>(kept: &mut Kept<T>, row: &[T], next: &[T], len: usize, cut: T) -> (T, T, bool));

/// Bit `i` set for each start `at + i < n_starts` whose `len` values sum ([`window_sum`]) to
/// at least `cut`.
#[inline(always)]
fn window_hits<T: Attribution>(row: &[T], at: usize, n_starts: usize, len: usize, cut: T) -> u64 {
    if at + STARTS > n_starts {
        return (at..n_starts).fold(0u64, |m, k| m | (u64::from(window_sum(&row[k..k + len]) >= cut) << (k - at)));
    }
    let window = &row[at..at + STARTS + len - 1];
    #[cfg(target_arch = "x86_64")]
    if let (Some(w), Some(&[c])) = (T::as_f32(window), T::as_f32(std::slice::from_ref(&cut)))
        && crate::simd::has_avx512()
    {
        // SAFETY: the CPU has AVX-512F, and `w` holds `STARTS + len − 1` values.
        return unsafe { f32_hits_avx512(w, len, c) };
    }
    // A whole block: 64 sums in lanes (loops that vectorise).
    let block = |j: usize| -> &[T; STARTS] { window[j..j + STARTS].try_into().expect("a block of starts") };
    let mut sums = *block(0);
    if len == 4 {
        for (i, s) in sums.iter_mut().enumerate() {
            *s = s.add(block(1)[i]).add(block(2)[i].add(block(3)[i]));
        }
    } else {
        for j in 1..len {
            for (s, &v) in sums.iter_mut().zip(block(j)) {
                *s = s.add(v);
            }
        }
    }
    sums.iter().enumerate().fold(0u64, |m, (i, &s)| m | (u64::from(s >= cut) << i))
}

/// The sum of a window's values in their type: `(w0 + w1) + (w2 + w3)` for four values (the
/// default shortest seqlet, whose pairs are shared by neighbouring windows), left to right
/// otherwise. [`ValueScreen::holds`] allows for any order.
#[inline(always)]
fn window_sum<T: Attribution>(w: &[T]) -> T {
    match *w {
        [a, b, c, d] => a.add(b).add(c.add(d)),
        _ => w[1..].iter().fold(w[0], |s, &v| s.add(v)),
    }
}

/// [`window_hits`] of a whole block of float32 values `w` with AVX-512 masks: four 16-lane
/// sums, added as [`window_sum`] does, compared into one `u64`.
///
/// # Safety
/// The CPU must have AVX-512F, and `w` at least `STARTS + len − 1` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn f32_hits_avx512(w: &[f32], len: usize, cut: f32) -> u64 {
    use std::arch::x86_64::{
        _CMP_GE_OQ, _mm512_add_ps, _mm512_alignr_epi32, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_cmp_ps_mask,
        _mm512_loadu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps,
    };
    let at = w.as_ptr();
    let sums: [_; STARTS / 16] = if len == 4 {
        // Pairs w[i] + w[i + 1] for i < STARTS + 2 (the last vector only its first two lanes:
        // `w` ends at STARTS + 3), then each window's two pairs, the second shifted in lanes.
        // SAFETY (every load): the lanes read are below STARTS + 3 = w.len().
        let pairs: [_; STARTS / 16 + 1] = std::array::from_fn(|q| unsafe {
            if q < STARTS / 16 {
                _mm512_add_ps(_mm512_loadu_ps(at.add(16 * q)), _mm512_loadu_ps(at.add(16 * q + 1)))
            } else {
                _mm512_add_ps(
                    _mm512_maskz_loadu_ps(0b11, at.add(16 * q)),
                    _mm512_maskz_loadu_ps(0b11, at.add(16 * q + 1)),
                )
            }
        });
        std::array::from_fn(|q| {
            let (lo, hi) = (_mm512_castps_si512(pairs[q]), _mm512_castps_si512(pairs[q + 1]));
            _mm512_add_ps(pairs[q], _mm512_castsi512_ps(_mm512_alignr_epi32::<2>(hi, lo)))
        })
    } else {
        // SAFETY (every load): `j + 16q + 15 < len − 1 + STARTS <= w.len()`.
        let mut sums: [_; STARTS / 16] = std::array::from_fn(|q| unsafe { _mm512_loadu_ps(at.add(16 * q)) });
        for j in 1..len {
            for (q, s) in sums.iter_mut().enumerate() {
                *s = _mm512_add_ps(*s, unsafe { _mm512_loadu_ps(at.add(j + 16 * q)) });
            }
        }
        sums
    };
    let cut = _mm512_set1_ps(cut);
    sums.iter().enumerate().fold(0u64, |m, (q, &s)| m | u64::from(_mm512_cmp_ps_mask::<_CMP_GE_OQ>(s, cut)) << (16 * q))
}

/// Seqlets of the rows of `l` values in `x` (`n` of them, shape checked by [`check_shape`]) at
/// `o.threshold`, sorted stably by p-value: the first pass, the histogram pass, the null, then the calling from the kept
/// segments (the first pass again, should `screen` prove wrong).
pub(crate) fn call<T: Attribution>(
    x: &[T],
    n: usize,
    l: usize,
    screen: &ValueScreen<T>,
    o: &RecursiveOptions,
) -> Result<Vec<Seqlet>> {
    let len = o.min_seqlet_len;
    let first_pass = |screen: &ValueScreen<T>| -> Vec<Kept<T>> {
        (0..n.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .fold(Kept::new, |mut kept, task| {
                kept.scan_block(x, task, l, len, screen.cut);
                kept
            })
            .collect()
    };
    let mut kept = first_pass(screen);
    let (min, max, finite) = kept.iter().filter_map(|k| k.extremes).fold((x[0], x[0], true), merge);
    // Non-finite values: the ordinary check reports where.
    let tracks = if finite { Tracks::with_extremes(x, l, min, max) } else { Tracks::new("X", x, n, l)? };
    let Some(bins) = Binning::new(&tracks, o.n_bins) else {
        return Ok(Vec::new());
    };
    let counts = bin_counts(x, &bins);
    let total = x.len() as f64;
    let cut = NullTables::above_threshold(&counts, total, len, len, o.threshold).cutoff(len, o.threshold);
    if !screen.holds(&bins, max, cut, len) {
        // The sample's bound is too high for these rows: they are screened again with the
        // weakest bound that holds, now that bins and null are known.
        let Some(sound) = ValueScreen::weakest_sound(&bins, max, cut, len) else {
            let null = NullTables::above_threshold(&counts, total, len, o.max_seqlet_len, o.threshold);
            return Ok(call_rows(&bins, &null, o, &tracks, o.threshold));
        };
        kept = first_pass(&sound);
    }
    // Every block, in order (ties of p-value stay in calling order).
    let mut blocks: Vec<(usize, &Kept<T>, usize)> =
        kept.iter().flat_map(|k| k.blocks.iter().enumerate().map(move |(b, &(task, _))| (task, k, b))).collect();
    blocks.sort_unstable_by_key(|&(task, ..)| task);
    // A candidate span has every window of `len` positions below the threshold, so it is at
    // most `len − 1` longer than the longest run of such windows: the null goes no further.
    // (The cutoff fits 32 bits: `n_bins * max_seqlet_len < 2^31`.)
    let longest = longest_run(&bins, &blocks, len, cut as u32);
    if longest == 0 {
        return Ok(Vec::new());
    }
    let max_len = (longest + len - 1).min(o.max_seqlet_len);
    let null = NullTables::above_threshold(&counts, total, len, max_len, o.threshold);
    let per_block: Vec<Vec<Seqlet>> = blocks
        .par_iter()
        .map_init(
            || (Workspace::new(l, max_len + 1 - len), Vec::new()),
            |(ws, kept_bins), &(task, k, b)| {
                let first_row = task * ROWS_PER_TASK;
                let row = |r: usize| &x[(first_row + r) * l..(first_row + r + 1) * l];
                let mut out = Vec::new();
                // (row within the block, its first seqlet, one past its last) of the rows
                // needing prefix sums for their attributions.
                let mut inexact = Vec::new();
                // The bins of the block's kept values, binned at once.
                let block_values = k.block_values(b);
                kept_bins.resize(block_values.len(), 0);
                bins.bins_into(&k.values[block_values.clone()], kept_bins);
                for (r, (segments, at, exact)) in k.rows_of(b).enumerate() {
                    if segments.is_empty() {
                        continue;
                    }
                    let values = &k.values[at.clone()];
                    let row_bins = &kept_bins[at.start - block_values.start..at.end - block_values.start];
                    ws.build_segments(segments, row_bins, &null, len, max_len, o.threshold);
                    let first = out.len();
                    ws.decode(&null, max_len, o.threshold, |c| {
                        out.push(c.seqlet(first_row + r, o.additional_flanks, l))
                    });
                    if !exact {
                        if out.len() > first {
                            inexact.push((r, first, out.len()));
                        }
                        continue;
                    }
                    for s in &mut out[first..] {
                        s.attribution = seqlet_values(segments, values, s.start, s.end)
                            .unwrap_or(&row(r)[s.start..s.end])
                            .iter()
                            .map(|v| v.to_f64())
                            .sum();
                    }
                }
                fill_attributions(ws, row, &inexact, &mut out);
                out
            },
        )
        .collect();
    drop(kept);
    Ok(sort_blocks_by_p_value(per_block))
}

/// The longest run, over the rows of `blocks` (with what the first pass kept of them), of
/// consecutive window starts whose `len` bins sum to at least `cut`.
fn longest_run<T: Attribution>(bins: &Binning<T>, blocks: &[(usize, &Kept<T>, usize)], len: usize, cut: u32) -> usize {
    blocks
        .par_iter()
        .map_init(Vec::new, |b, &(_, kept, block)| {
            let mut longest = 0;
            for (segments, values, _) in kept.rows_of(block) {
                let values = &kept.values[values];
                let mut at = 0;
                for s in segments {
                    at += s.len();
                    // Segments are unions of windows: at least `len` long. One holding no more
                    // starts than the longest run so far cannot lengthen it.
                    if s.len() + 1 - len <= longest {
                        continue;
                    }
                    b.resize(s.len(), 0);
                    bins.bins_into(&values[at - s.len()..at], b);
                    let mut run = 0;
                    for sum in window_sums(b, len) {
                        run = if sum >= cut { run + 1 } else { 0 };
                        longest = longest.max(run);
                    }
                }
            }
            longest
        })
        .max()
        .unwrap_or(0)
}

/// The values of positions `start..end` of a row, from its `segments` and their `values`
/// (one after the other); `None` unless one segment holds them all.
fn seqlet_values<'a, T>(segments: &[Segment], values: &'a [T], start: usize, end: usize) -> Option<&'a [T]> {
    let i = segments.partition_point(|g| g.end as usize <= start);
    let g = segments.get(i).filter(|g| g.start as usize <= start && end <= g.end as usize)?;
    let from = segments[..i].iter().map(Segment::len).sum::<usize>() + start - g.start as usize;
    Some(&values[from..from + (end - start)])
}

/// Whether every partial sum of `row` in float64, in any order, is exact: the values are
/// multiples of the quantum `q` of the smallest nonzero one's binade, and `Σ|x|` stays below
/// `2^53 q`. Then the difference of two prefix sums `C[e] − C[s]` is the exact sum of
/// `row[s..e]`, however it is added.
#[inline(always)]
fn exact_f64_sums(row: &[f32]) -> bool {
    const W: usize = 16;
    // The smallest biased exponent of a nonzero value (subnormals have the quantum of the
    // smallest normal binade), and Σ|x| in float32 lanes.
    let (mut lo, mut abs) = ([u32::MAX; W], [0f32; W]);
    let mut blocks = row.chunks_exact(W);
    for b in &mut blocks {
        for k in 0..W {
            let bits = b[k].to_bits() & 0x7fff_ffff;
            let e = if bits == 0 { u32::MAX } else { (bits >> 23).max(1) };
            lo[k] = lo[k].min(e);
            abs[k] += f32::from_bits(bits);
        }
    }
    let mut e_min = lo.into_iter().min().unwrap_or(u32::MAX);
    let mut total: f64 = abs.iter().map(|&a| f64::from(a)).sum();
    for &v in blocks.remainder() {
        let bits = v.to_bits() & 0x7fff_ffff;
        if bits != 0 {
            e_min = e_min.min((bits >> 23).max(1));
        }
        total += f64::from(v.abs());
    }
    if e_min == u32::MAX {
        return true;
    }
    // q = 2^(e_min − 150); the float32 lane sums are within 1e-5 of Σ|x| (rows of up to
    // 2^16 values), so 1.001 · total bounds it.
    row.len() <= 1 << 16 && total * 1.001 < (f64::from(e_min) - 97.0).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sums_are_recognised() {
        assert!(exact_f64_sums(&[0.0, 0.0]));
        // Σ|x| about 2^10 and a quantum of 2^-33 (the binade of 2^-10): 2^43 quanta.
        let mut row = vec![1.0f32; 1000];
        row[3] = 2f32.powi(-10);
        assert!(exact_f64_sums(&row));
        // A quantum of 2^-53: Σ|x| is 2^63 quanta.
        row[4] = 2f32.powi(-30);
        assert!(!exact_f64_sums(&row));
        // A subnormal counts with the quantum of the smallest normal binade.
        assert!(!exact_f64_sums(&[1.0, f32::from_bits(1)]));
        assert!(exact_f64_sums(&[f32::MIN_POSITIVE, f32::from_bits(1), 0.0]));
        // Where it says exact, every order of addition agrees.
        let row: Vec<f32> = (0..2114).map(|i| ((i * 7919 % 2003) as f32 - 1000.0) * 1e-4).collect();
        if exact_f64_sums(&row) {
            let forward: f64 = row.iter().map(|&v| f64::from(v)).sum();
            let backward: f64 = row.iter().rev().map(|&v| f64::from(v)).sum();
            assert_eq!(forward, backward);
        }
    }

    /// A bound that fails (as from a sample unlike the rest): the rows are screened again with
    /// the weakest bound that holds, with the same result as a bound that holds.
    #[test]
    fn a_wrong_bound_screens_the_rows_again() {
        let (n, l) = (40, 300);
        let x: Vec<f32> = (0..n * l)
            .map(|i| {
                ((i * 2654435761usize) % 1000) as f32 * 1e-3 + if (i / l) % 7 == 3 && i % l < 12 { 0.8 } else { 0.0 }
            })
            .collect();
        let t = Tracks::new("X", &x, n, l).unwrap();
        let o = RecursiveOptions::default();
        let bins = Binning::new(&t, o.n_bins).unwrap();
        let null = NullTables::new(&t, &bins, o.max_seqlet_len);
        let expected = call_rows(&bins, &null, &o, &t, o.threshold);
        assert!(!expected.is_empty());
        let good = ValueScreen::from_sample(&x, l, &o).unwrap();
        assert!(good.holds(&bins, t.max(), null.cutoff(o.min_seqlet_len, o.threshold), o.min_seqlet_len));
        assert_eq!(call(&x, n, l, &good, &o).unwrap(), expected);
        let wrong = ValueScreen { cut: f32::MAX };
        let cut = null.cutoff(o.min_seqlet_len, o.threshold);
        assert!(!wrong.holds(&bins, t.max(), cut, o.min_seqlet_len));
        let sound = ValueScreen::weakest_sound(&bins, t.max(), cut, o.min_seqlet_len).unwrap();
        assert!(sound.holds(&bins, t.max(), cut, o.min_seqlet_len));
        assert_eq!(call(&x, n, l, &wrong, &o).unwrap(), expected);
        // The weakest bound keeps every row whole.
        assert_eq!(call(&x, n, l, &ValueScreen { cut: f32::MIN }, &o).unwrap(), expected);
    }

    /// The check is sound: for every window, a bound above the window's value sum (which the
    /// screen would drop) never holds for a cutoff the window's bins reach.
    fn never_holds_above_a_reaching_window<T: Attribution>(x: &[T], len: usize, above: impl Fn(T) -> T) {
        let t = Tracks::new("X", x, 1, x.len()).unwrap();
        let bins = Binning::new(&t, 1000).unwrap();
        for w in x.windows(len) {
            let reached: u64 = w.iter().map(|&v| u64::from(bins.bin(v))).sum();
            let sum = w[1..].iter().fold(w[0], |s, &v| s.add(v));
            assert!(!ValueScreen { cut: above(sum) }.holds(&bins, t.max(), reached, len), "{w:?}");
        }
    }

    /// Whole blocks (the AVX-512 build where the CPU has it, for float32) and the tail give
    /// the verdicts of `window_sum`, whose order for four values is checked on its own.
    fn hits_are_the_window_sums<T: Attribution>(row: &[T], cuts: [T; 4]) {
        for len in [1, 4, 9] {
            let n_starts = row.len() + 1 - len;
            for cut in cuts {
                for at in (0..n_starts).step_by(STARTS) {
                    let expected = (at..n_starts.min(at + STARTS))
                        .fold(0u64, |m, k| m | u64::from(window_sum(&row[k..k + len]) >= cut) << (k - at));
                    assert_eq!(window_hits(row, at, n_starts, len, cut), expected, "len {len} cut {cut:?} at {at}");
                }
            }
        }
    }

    #[test]
    fn window_hits_are_the_sums_at_the_cut() {
        let row: Vec<f32> = (0..300).map(|i| ((i * 7919 % 1009) as f32 - 500.0) * 1e-3).collect();
        hits_are_the_window_sums(&row, [-0.5, 0.0, 0.3, 1.2]);
        let row: Vec<f64> = row.iter().map(|&v| f64::from(v) * 1.1).collect();
        hits_are_the_window_sums(&row, [-0.5, 0.0, 0.3, 1.2]);
    }

    /// A NaN or an infinity outside the sample is found by the first pass and reported with
    /// its place, as the ordinary route reports it.
    #[test]
    fn non_finite_values_outside_the_sample_are_errors() {
        let (n, l) = (300, 50);
        let mut x: Vec<f32> = (0..n * l).map(|i| ((i * 7919) % 1000) as f32 * 1e-3).collect();
        for bad in [f32::NAN, f32::INFINITY] {
            x[250 * l + 7] = bad;
            let o = RecursiveOptions::default();
            assert!(ValueScreen::from_sample(&x, l, &o).is_some(), "row 250 is not in the sample");
            let e = super::super::recursive_seqlets(&x, n, l, &o).unwrap_err().to_string();
            assert!(e.contains("example 250, position 7"), "{e}");
        }
    }

    #[test]
    fn windows_of_four_add_their_pairs() {
        let w = [1e8f32, 1.0, -1e8, 1.0];
        assert_eq!(window_sum(&w), (1e8f32 + 1.0) + (-1e8 + 1.0));
        assert_eq!(window_sum(&w[..3]), (1e8f32 + 1.0) + -1e8);
        assert_ne!(window_sum(&w), ((1e8f32 + 1.0) + -1e8) + 1.0);
    }

    #[test]
    fn the_bound_check_is_sound() {
        let mut state = 0x853c_49e6_748f_ea9bu64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.3
        };
        let x64: Vec<f64> = (0..20_000).map(|_| next() * 1e-2).collect();
        let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
        for len in [1, 4, 9] {
            never_holds_above_a_reaching_window(&x32, len, f32::next_up);
            never_holds_above_a_reaching_window(&x64, len, f64::next_up);
        }
    }
}
