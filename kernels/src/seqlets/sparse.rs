//! `recursive_seqlets` on an array held in memory, reading the values twice instead of three
//! times: the extremes, then one pass that counts the null histogram *and* keeps, per row, the
//! few places where a seqlet can be called; the calling then needs the null and those places
//! only.
//!
//! A span can only be called if each of its windows of `min_seqlet_len` positions has a
//! p-value below the threshold, i.e. bins summing to at least the cutoff `cut` of the null
//! (ALGORITHMS §5.1). The null is known only after the histogram pass, so that pass keeps the
//! windows summing to at least a lower bound `cut_lo` of `cut`, estimated from a sample of
//! rows at a few times the threshold ([`Prescreen`]); the union of those windows, as
//! segments of positions with their bins, holds every span that can be called. Should the
//! bound prove wrong once the null is known (`cut < cut_lo`: a sample unlike the rest), the
//! rows are called the ordinary way from their values, so the result never depends on it.
//!
//! The seqlets' attributions are differences of float64 prefix sums from the start of the
//! row (§5.1), which read the row up to the seqlet. A row of float32 values whose magnitudes
//! span few enough binades has exact float64 partial sums ([`exact_f64_sums`]), and then the
//! difference is the plain sum of the seqlet's own values: the row is read only there.

use rayon::prelude::*;

use super::Seqlet;
use super::decode::{SCREEN, Segment, Workspace, screen};
use super::input::{Attribution, Tracks};
use super::null::{Binning, NullTables, SPLIT, bin_counts, count_into};
use super::recursive::{ROWS_PER_TASK, RecursiveOptions, call_rows, fill_attributions, sort_blocks_by_p_value};
use crate::simd::{dispatch, multiversion, prefetch};

/// The screening bound of the histogram pass is the cutoff of a sample's null at this many
/// times the threshold.
const SLACK: f64 = 2.0;
/// Above this (threshold × [`SLACK`]), too many windows pass the screen for it to pay.
const MAX_SCREENED_P: f64 = 0.1;
/// Rows of the sample the screening bound comes from (spread evenly over the array).
const SAMPLE_ROWS: usize = 128;

/// The lower bound `cut_lo` on the cutoff of the shortest seqlet length, from a sample.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prescreen {
    cut_lo: u32,
}

impl Prescreen {
    /// The bound for a call with `o` on `x`, or `None` when the threshold is too large for the
    /// two-pass route to pay (or bins and positions do not fit the segments' 16 and 32 bits).
    pub fn new<T: Attribution>(x: &Tracks<'_, T>, bins: &Binning<T>, o: &RecursiveOptions) -> Option<Self> {
        let p = o.threshold * SLACK;
        let l = x.l();
        if p > MAX_SCREENED_P || bins.n_bins() > 1 << 16 || u32::try_from(l).is_err() {
            return None;
        }
        let n = x.values().len() / l;
        let stride = n.div_ceil(SAMPLE_ROWS).max(1);
        let sample: Vec<&[T]> = x.values().chunks(l).step_by(stride).collect();
        let counts = sample.par_iter().map(|row| bin_counts(row, bins)).reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })?;
        let null = NullTables::from_counts(&counts, (sample.len() * l) as f64, o.min_seqlet_len);
        Some(Self { cut_lo: null.cutoff(o.min_seqlet_len, p) as u32 })
    }
}

/// What the histogram pass keeps of a block of rows.
#[derive(Debug, Default)]
struct Block {
    /// Index of the block (its first row is `task * ROWS_PER_TASK`).
    task: usize,
    /// Per row: one past its last segment in `segments`, and whether its float64 partial sums
    /// are exact.
    rows: Vec<(usize, bool)>,
    /// The segments of every row, row after row.
    segments: Vec<Segment>,
    /// The bins of every segment, one after the other.
    bins: Vec<u16>,
}

/// The per-thread state of the histogram pass.
struct Scan {
    /// Interleaved sub-histograms (see [`count_into`]), flushed into `counts` before they
    /// could overflow.
    hist: Vec<u32>,
    in_hist: usize,
    counts: Vec<u64>,
    /// The bins of one row, and [`SCREEN`] more values so that the screening reads whole
    /// blocks.
    row_bins: Vec<u32>,
    blocks: Vec<Block>,
}

impl Scan {
    fn new(n_bins: usize, l: usize) -> Self {
        Self {
            hist: vec![0; SPLIT * n_bins],
            in_hist: 0,
            counts: vec![0; n_bins],
            row_bins: vec![0; l + SCREEN],
            blocks: Vec::new(),
        }
    }

    fn flush(&mut self) {
        let n_bins = self.counts.len();
        for (k, c) in self.counts.iter_mut().enumerate() {
            *c += (0..SPLIT).map(|s| u64::from(self.hist[s * n_bins + k])).sum::<u64>();
        }
        self.hist.fill(0);
        self.in_hist = 0;
    }

    /// Counts the rows of block `task` into the histogram and keeps their segments.
    fn block<T: Attribution>(
        &mut self,
        task: usize,
        rows: &[T],
        l: usize,
        bins: &Binning<T>,
        min_len: usize,
        cut_lo: u32,
    ) {
        if self.in_hist + rows.len() > u32::MAX as usize {
            self.flush();
        }
        self.in_hist += rows.len();
        let mut block = Block { task, ..Block::default() };
        for row in rows.chunks(l) {
            dispatch!(scan_row(self, &mut block, row, bins, min_len, cut_lo));
        }
        self.blocks.push(block);
    }
}

/// Counts `row` into the histogram of `scan` and keeps its segments (the union of its
/// windows of `min_len` positions whose bins sum to at least `cut_lo`) in `block`.
#[inline(always)]
fn scan_row<T: Attribution>(
    scan: &mut Scan,
    block: &mut Block,
    row: &[T],
    bins: &Binning<T>,
    min_len: usize,
    cut_lo: u32,
) {
    let l = row.len();
    let n_bins = scan.counts.len();
    let b = &mut scan.row_bins[..l];
    bins.bins_into(row, b);
    count_into(&mut scan.hist, n_bins, b);
    if l >= min_len {
        let mut open: Option<Segment> = None;
        let (segments, kept) = (&mut block.segments, &mut block.bins);
        let row_bins = &scan.row_bins;
        let mut close = |s: Segment| {
            segments.push(s);
            // Below 2^16: checked by `Prescreen::new`.
            kept.extend(row_bins[s.range()].iter().map(|&b| b as u16));
        };
        // Positions fit in 32 bits (checked by `Prescreen::new`).
        let len = min_len as u32;
        screen(row_bins, l + 1 - min_len, min_len, cut_lo, |k, _| {
            let k = k as u32;
            match &mut open {
                Some(s) if k <= s.end => s.end = k + len,
                _ => {
                    if let Some(s) = open.replace(Segment { start: k, end: k + len }) {
                        close(s);
                    }
                }
            }
        });
        if let Some(s) = open {
            close(s);
        }
    }
    let exact = T::as_f32(row).is_some_and(exact_f64_sums);
    block.rows.push((block.segments.len(), exact));
}

multiversion!(scan_row<T: Attribution>(scan: &mut Scan, block: &mut Block, row: &[T], bins: &Binning<T>, min_len: usize, cut_lo: u32));

/// Seqlets of every row of `x` at `o.threshold` with the bins of `x`, sorted stably by p-value:
/// the histogram pass, the null, then the calling from the kept segments (or from the values,
/// should `pre` prove wrong).
pub(crate) fn call<T: Attribution>(
    x: &Tracks<'_, T>,
    bins: &Binning<T>,
    pre: &Prescreen,
    o: &RecursiveOptions,
) -> Vec<Seqlet> {
    let l = x.l();
    let n_bins = bins.n_bins();
    let (counts, mut blocks) = x
        .values()
        .par_chunks(ROWS_PER_TASK * l)
        .enumerate()
        .fold(
            || Scan::new(n_bins, l),
            |mut scan, (task, rows)| {
                scan.block(task, rows, l, bins, o.min_seqlet_len, pre.cut_lo);
                scan
            },
        )
        .map(|mut scan| {
            scan.flush();
            (scan.counts, scan.blocks)
        })
        .reduce(
            || (vec![0; n_bins], Vec::new()),
            |(mut counts, mut blocks), (c, b)| {
                counts.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
                blocks.extend(b);
                (counts, blocks)
            },
        );
    let total = x.values().len() as f64;
    let null = NullTables::above_threshold(&counts, total, o.min_seqlet_len, o.max_seqlet_len, o.threshold);
    if (null.cutoff(o.min_seqlet_len, o.threshold) as u32) < pre.cut_lo {
        return call_rows(bins, &null, o, x, o.threshold);
    }
    blocks.sort_unstable_by_key(|b| b.task);
    let per_block: Vec<Vec<Seqlet>> = blocks
        .par_iter()
        .map_init(
            || Workspace::new(l, o.n_lens()),
            |ws, block| {
                let first_row = block.task * ROWS_PER_TASK;
                let row = |r: usize| &x.values()[(first_row + r) * l..(first_row + r + 1) * l];
                let mut out = Vec::new();
                // (row within the block, its first seqlet, one past its last) of the rows whose
                // attributions are exact sums of their values, and of those needing prefix sums.
                let (mut exact_rows, mut inexact) = (Vec::new(), Vec::new());
                let (mut seg_at, mut bin_at) = (0, 0);
                for (r, &(seg_end, exact)) in block.rows.iter().enumerate() {
                    let segments = &block.segments[seg_at..seg_end];
                    let n_bins_kept: usize = segments.iter().map(Segment::len).sum();
                    let kept = &block.bins[bin_at..bin_at + n_bins_kept];
                    (seg_at, bin_at) = (seg_end, bin_at + n_bins_kept);
                    if segments.is_empty() {
                        continue;
                    }
                    ws.build_segments(segments, kept, &null, o.min_seqlet_len, o.max_seqlet_len, o.threshold);
                    let first = out.len();
                    ws.decode(&null, o.max_seqlet_len, o.threshold, |c| {
                        out.push(Seqlet {
                            example_idx: first_row + r,
                            start: c.start.saturating_sub(o.additional_flanks),
                            end: (c.start + c.len + o.additional_flanks).min(l),
                            attribution: 0.0,
                            p_value: c.p_value,
                        })
                    });
                    if out.len() > first {
                        if exact { &mut exact_rows } else { &mut inexact }.push((r, first, out.len()));
                    }
                }
                // The values are far from the caches by now: every seqlet's first and last
                // are asked for before any is summed, so that the reads overlap.
                for &(r, a, b) in &exact_rows {
                    for s in &out[a..b] {
                        prefetch(&row(r)[s.start]);
                        prefetch(&row(r)[s.end - 1]);
                    }
                }
                for &(r, a, b) in &exact_rows {
                    for s in &mut out[a..b] {
                        s.attribution = row(r)[s.start..s.end].iter().map(|v| v.to_f64()).sum();
                    }
                }
                fill_attributions(ws, row, &inexact, &mut out);
                out
            },
        )
        .collect();
    drop(blocks);
    sort_blocks_by_p_value(per_block)
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

    /// Rows whose sample says nothing of the rest: the bound fails and the rows are called
    /// from their values, with the same result as a bound that holds.
    #[test]
    fn a_wrong_bound_falls_back_to_the_values() {
        let (n, l) = (40, 300);
        let x: Vec<f32> = (0..n * l)
            .map(|i| {
                ((i * 2654435761usize) % 1000) as f32 * 1e-3 + if (i / l) % 7 == 3 && i % l < 12 { 0.8 } else { 0.0 }
            })
            .collect();
        let t = Tracks::new("X", &x, n, l).unwrap();
        let o = RecursiveOptions::default();
        let bins = Binning::new(&t, o.n_bins).unwrap();
        let good = Prescreen::new(&t, &bins, &o).unwrap();
        let null = NullTables::new(&t, &bins, o.max_seqlet_len);
        let expected = call_rows(&bins, &null, &o, &t, o.threshold);
        assert!(!expected.is_empty());
        assert_eq!(call(&t, &bins, &good, &o), expected);
        let wrong = Prescreen { cut_lo: u32::MAX };
        assert_eq!(call(&t, &bins, &wrong, &o), expected);
        // The weakest bound keeps every row whole.
        assert_eq!(call(&t, &bins, &Prescreen { cut_lo: 0 }, &o), expected);
    }
}
