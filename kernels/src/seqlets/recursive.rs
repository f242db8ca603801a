//! `recursive_seqlets` (tangermeme 1.6.0, ALGORITHMS §5.1): spans whose every sub-span of at
//! least `min_seqlet_len` positions has a p-value below the threshold under a null of
//! independent binned attributions.

use rayon::prelude::*;

use super::Seqlet;
use super::decode::{LANES, Workspace};
use super::input::{Attribution, Tracks, check_shape};
use super::null::{Binning, NullTables};
use super::sparse::{self, ValueScreen};
use crate::{Error, Result};

/// Parameters of [`recursive_seqlets`], with tangermeme's defaults.
///
/// ```
/// use motiflift_kernels::seqlets::RecursiveOptions;
/// let o = RecursiveOptions::default();
/// assert_eq!((o.threshold, o.min_seqlet_len, o.max_seqlet_len), (0.01, 4, 25));
/// assert_eq!((o.additional_flanks, o.n_bins), (0, 1000));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RecursiveOptions {
    /// p-value threshold every sub-span must be below, in `(0, 1]` (ignored in FDR mode).
    pub threshold: f64,
    /// Shortest seqlet, and shortest sub-span tested (at least 1).
    pub min_seqlet_len: usize,
    /// Longest seqlet (at least `min_seqlet_len`).
    pub max_seqlet_len: usize,
    /// Positions added on both sides of a called span (clipped to the example); they change
    /// the reported coordinates and attribution, not which spans are called.
    pub additional_flanks: usize,
    /// Number of equal-width bins of the null histogram (at least 2).
    pub n_bins: usize,
}

impl Default for RecursiveOptions {
    fn default() -> Self {
        Self { threshold: 0.01, min_seqlet_len: 4, max_seqlet_len: 25, additional_flanks: 0, n_bins: 1000 }
    }
}

impl RecursiveOptions {
    /// Checks every parameter; `threshold` only when `check_threshold`.
    ///
    /// ```
    /// use motiflift_kernels::seqlets::RecursiveOptions;
    /// let bad = RecursiveOptions { min_seqlet_len: 30, ..Default::default() };
    /// assert!(bad.validate(true).unwrap_err().to_string().contains("min_seqlet_len"));
    /// ```
    pub fn validate(&self, check_threshold: bool) -> Result<()> {
        let invalid = |name, reason: String| Err(Error::InvalidArgument { name, reason });
        if check_threshold && !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return invalid("threshold", format!("must be a p-value in (0, 1], got {}", self.threshold));
        }
        if self.min_seqlet_len < 1 {
            return invalid("min_seqlet_len", "must be at least 1, got 0".into());
        }
        if self.min_seqlet_len > self.max_seqlet_len {
            return invalid(
                "min_seqlet_len",
                format!(
                    "must not exceed max_seqlet_len, got min_seqlet_len = {} > max_seqlet_len = {}",
                    self.min_seqlet_len, self.max_seqlet_len
                ),
            );
        }
        if self.n_bins < 2 {
            return invalid("n_bins", format!("must be at least 2, got {}", self.n_bins));
        }
        // The null tables hold n_bins * max_seqlet_len float64 values per length.
        if (self.n_bins as u128) * (self.max_seqlet_len as u128) >= 1 << 31 {
            return invalid(
                "n_bins",
                format!("n_bins * max_seqlet_len must be below 2^31, got {} * {}", self.n_bins, self.max_seqlet_len),
            );
        }
        Ok(())
    }

    pub(crate) fn n_lens(&self) -> usize {
        self.max_seqlet_len - self.min_seqlet_len + 1
    }
}

/// Calls positive seqlets in the attributions `x`, shape `(n, l)` row-major (typically the
/// projected attributions summed over the alphabet). Rows come sorted by p-value, ties in the
/// order they were called (by example, then longest first); tangermeme's own tie order is
/// unspecified. Bit-identical to tangermeme 1.6.0 for `f32` and `f64` input.
///
/// Negative seqlets: call on `-x` and negate the attributions.
///
/// ```
/// use motiflift_kernels::seqlets::{recursive_seqlets, RecursiveOptions};
/// let (n, l) = (2, 100);
/// let mut x: Vec<f32> = (0..n * l).map(|i| ((i * 7919) % 13) as f32 * 0.01 - 0.06).collect();
/// x[40..48].iter_mut().for_each(|v| *v += 1.0); // a bump in example 0
/// let s = recursive_seqlets(&x, n, l, &RecursiveOptions::default()).unwrap();
/// assert_eq!(s[0].example_idx, 0);
/// assert!(s[0].start <= 40 && s[0].end >= 48); // the bump, maybe with a neighbour or two
/// assert!(s.iter().all(|r| r.p_value < 0.01));
/// ```
pub fn recursive_seqlets<T: Attribution>(
    x: &[T],
    n: usize,
    l: usize,
    options: &RecursiveOptions,
) -> Result<Vec<Seqlet>> {
    options.validate(true)?;
    check_shape("X", x, n, l)?;
    if let Some(screen) = ValueScreen::from_sample(x, l, options) {
        return sparse::call(x, n, l, &screen, options);
    }
    let x = Tracks::new("X", x, n, l)?;
    let Some(bins) = Binning::new(&x, options.n_bins) else {
        return Ok(Vec::new());
    };
    let null = NullTables::new(&x, &bins, options.max_seqlet_len);
    Ok(call_rows(&bins, &null, options, &x, options.threshold))
}

/// The shared part of a call: bins and null tables built from `X`.
pub(crate) struct Caller<'o, T> {
    bins: Binning<T>,
    null: NullTables,
    options: &'o RecursiveOptions,
}

/// Examples per parallel task: enough work to amortise a task, small enough to balance.
pub(crate) const ROWS_PER_TASK: usize = 16;

impl<'o, T: Attribution> Caller<'o, T> {
    /// `None` when every value of `x` is equal (no span can be significant).
    pub fn new(x: &Tracks<'_, T>, options: &'o RecursiveOptions) -> Option<Self> {
        let bins = Binning::new(x, options.n_bins)?;
        let null = NullTables::new(x, &bins, options.max_seqlet_len);
        Some(Self { bins, null, options })
    }

    pub fn options(&self) -> &RecursiveOptions {
        self.options
    }

    pub fn bins(&self) -> &Binning<T> {
        &self.bins
    }

    pub fn null(&self) -> &NullTables {
        &self.null
    }

    /// Calls the seqlets of every example of `x` at `threshold`, sorted stably by p-value.
    pub fn call(&self, x: &Tracks<'_, T>, threshold: f64) -> Vec<Seqlet> {
        call_rows(&self.bins, &self.null, self.options, x, threshold)
    }
}

/// Calls the seqlets of every example of `x` at `threshold` with the given bins and null
/// tables (those of `x` itself, or of a larger array `x` is a block of), sorted stably by
/// p-value; `example_idx` counts from the first row of `x`.
pub(crate) fn call_rows<T: Attribution>(
    bins: &Binning<T>,
    null: &NullTables,
    o: &RecursiveOptions,
    x: &Tracks<'_, T>,
    threshold: f64,
) -> Vec<Seqlet> {
    let l = x.l();
    let per_task: Vec<Vec<Seqlet>> = x
        .values()
        .par_chunks(ROWS_PER_TASK * l)
        .enumerate()
        .map_init(
            || Workspace::new(l, o.n_lens()),
            |ws, (task, rows)| {
                let mut out = Vec::new();
                // (row within the task, its first seqlet, one past its last)
                let mut spans = Vec::new();
                for (r, row) in rows.chunks(l).enumerate() {
                    let i = task * ROWS_PER_TASK + r;
                    ws.build(row, bins, null, o.min_seqlet_len, o.max_seqlet_len, threshold);
                    let first = out.len();
                    ws.decode(null, o.max_seqlet_len, threshold, |c| out.push(c.seqlet(i, o.additional_flanks, l)));
                    if out.len() > first {
                        spans.push((r, first, out.len()));
                    }
                }
                fill_attributions(ws, |r| &rows[r * l..(r + 1) * l], &spans, &mut out);
                out
            },
        )
        .collect();
    sort_blocks_by_p_value(per_task)
}

/// Sets the attribution of the seqlets `out[a..b]` of each `(r, a, b)` in `spans` from the
/// float64 prefix sums of row `row(r)`, [`LANES`] rows at a time.
pub(crate) fn fill_attributions<'a, T: Attribution>(
    ws: &mut Workspace,
    row: impl Fn(usize) -> &'a [T],
    spans: &[(usize, usize, usize)],
    out: &mut [Seqlet],
) {
    for group in spans.chunks(LANES) {
        let mut lanes: [&[T]; LANES] = [&[]; LANES];
        for (lane, &(r, ..)) in lanes.iter_mut().zip(group) {
            *lane = row(r);
        }
        let upto = group.iter().flat_map(|&(_, a, b)| &out[a..b]).map(|s| s.end).max().unwrap_or(0);
        ws.prefix_sums(&lanes[..group.len()], upto);
        for (lane, &(_, a, b)) in group.iter().enumerate() {
            for s in &mut out[a..b] {
                s.attribution = ws.attribution(lane, s.start, s.end);
            }
        }
    }
}

/// Sorts stably by p-value: a least-significant-digit radix sort of the p-values' bit
/// patterns (non-negative floats sort as their bits do), which keeps ties in calling order.
pub(crate) fn sort_by_p_value(seqlets: Vec<Seqlet>) -> Vec<Seqlet> {
    sort_blocks_by_p_value(vec![seqlets])
}

/// [`sort_by_p_value`] of the concatenated `blocks`, without concatenating them first.
///
/// Runs of blocks holding about an equal share of the seqlets are sorted in parallel and
/// merged in parallel (each merge split where its output is halved); ties keep the order of
/// the blocks, so the result is the serial sort's for any thread count.
pub(crate) fn sort_blocks_by_p_value(blocks: Vec<Vec<Seqlet>>) -> Vec<Seqlet> {
    let parts = rayon::current_num_threads().next_power_of_two();
    let keys = sorted_keys(&blocks, 0, parts);
    keys.par_iter()
        .with_min_len(PARALLEL_MIN)
        .map(|&(_, at)| blocks[(at >> 32) as usize][(at & u64::from(u32::MAX)) as usize])
        .collect()
}

/// Seqlets below which a sort or a merge is not split between threads.
const PARALLEL_MIN: usize = 8192;

/// A seqlet's sort key (its p-value's bits) and where it is (`block << 32 | index`).
type Key = (u64, u64);

/// The keys of `blocks` (the first of which is block `first` of the whole call) sorted
/// stably by p-value, in `parts` runs sorted in parallel and merged.
fn sorted_keys(blocks: &[Vec<Seqlet>], first: usize, parts: usize) -> Vec<Key> {
    let n: usize = blocks.iter().map(Vec::len).sum();
    if parts > 1 && n >= 2 * PARALLEL_MIN && blocks.len() > 1 {
        // Split where the first half of the seqlets ends (at least one block each side).
        let mut seen = 0;
        let mid = blocks
            .iter()
            .position(|b| {
                seen += b.len();
                seen >= n / 2
            })
            .map_or(1, |i| i.max(1))
            .min(blocks.len() - 1);
        let (a, b) = rayon::join(
            || sorted_keys(&blocks[..mid], first, parts / 2),
            || sorted_keys(&blocks[mid..], first + mid, parts / 2),
        );
        return merged(&a, &b);
    }
    let mut keys: Vec<Key> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, v)| {
            let b = ((first + b) as u64) << 32;
            v.iter().enumerate().map(move |(i, s)| (s.p_value.to_bits(), b | i as u64))
        })
        .collect();
    radix_sort(&mut keys);
    keys
}

/// Sorts `keys` stably by their first field: a least-significant-digit radix sort of its top
/// [`PREFIX`] bits (skipping the digits that every key shares), then a stable sort of each
/// run of keys sharing them. Distinct p-values rarely share their sign, exponent and first
/// 21 mantissa bits, and a run of equal p-values is already in order, so the runs cost a pass.
fn radix_sort(keys: &mut Vec<Key>) {
    const DIGIT: u32 = 11;
    const MASK: u64 = (1 << DIGIT) - 1;
    let n = keys.len();
    let mut spare = vec![(0, 0); n];
    for shift in (u64::BITS - PREFIX..u64::BITS).step_by(DIGIT as usize) {
        let mut at = [0usize; 1 << DIGIT];
        for &(k, _) in keys.iter() {
            at[((k >> shift) & MASK) as usize] += 1;
        }
        if at.contains(&n) {
            continue;
        }
        let mut start = 0;
        for c in &mut at {
            (*c, start) = (start, start + *c);
        }
        for &e in keys.iter() {
            let d = ((e.0 >> shift) & MASK) as usize;
            spare[at[d]] = e;
            at[d] += 1;
        }
        std::mem::swap(keys, &mut spare);
    }
    for run in keys.chunk_by_mut(|a, b| a.0 >> (u64::BITS - PREFIX) == b.0 >> (u64::BITS - PREFIX)) {
        if run.len() > 1 {
            run.sort_by_key(|k| k.0);
        }
    }
}

/// Leading bits of the sort key sorted by digits (three 11-bit digits).
const PREFIX: u32 = 33;

/// The stable merge of the sorted `a` and `b` (ties: `a` first), its two halves written in
/// parallel.
fn merged(a: &[Key], b: &[Key]) -> Vec<Key> {
    let n = a.len() + b.len();
    let mut out = vec![(0, 0); n];
    let half = n / 2;
    // The first `half` outputs take `i` keys of `a` and `half − i` of `b`: the smallest `i`
    // whose next key of `a` would come after the last key of `b` taken.
    let (mut i, mut hi) = (half.saturating_sub(b.len()), half.min(a.len()));
    while i < hi {
        let m = (i + hi) / 2;
        if a[m].0 <= b[half - m - 1].0 { i = m + 1 } else { hi = m }
    }
    let (left, right) = out.split_at_mut(half);
    rayon::join(|| merge_into(&a[..i], &b[..half - i], left), || merge_into(&a[i..], &b[half - i..], right));
    out
}

/// Writes the stable merge of `a` and `b` (ties: `a` first) into `out`.
fn merge_into(a: &[Key], b: &[Key], out: &mut [Key]) {
    let (mut i, mut j) = (0, 0);
    for o in out.iter_mut() {
        let take_a = j == b.len() || (i < a.len() && a[i].0 <= b[j].0);
        *o = if take_a { a[i] } else { b[j] };
        if take_a {
            i += 1;
        } else {
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ALGORITHMS §5.1 golden input: three sinusoidal tracks with planted bumps.
    fn golden_input() -> Vec<f32> {
        let (n, l) = (3, 200);
        let mut x = vec![0.0f32; n * l];
        for i in 0..n {
            for t in 0..l {
                let (tf, fi) = (t as f64, i as f64);
                x[i * l + t] = (0.05 * (tf * 0.7 + fi).sin() + 0.02 * ((tf * 1.3) * (fi + 1.0)).cos()) as f32;
            }
            for t in 50 + 10 * i..58 + 10 * i {
                x[i * l + t] += 0.5;
            }
            for t in 120..126 {
                x[i * l + t] += (0.3 * (i as f64 + 1.0)) as f32;
            }
        }
        x
    }

    #[test]
    fn golden_table_is_bit_exact() {
        let got = recursive_seqlets(&golden_input(), 3, 200, &RecursiveOptions::default()).unwrap();
        let expected = [
            (2, 118, 128, 5.423592081293464, 9.376641155994694e-10),
            (0, 49, 59, 4.019057897850871, 1.3559098097491976e-06),
            (2, 69, 79, 3.9927909364923835, 1.5274471793820088e-06),
            (1, 59, 69, 3.9476773738861084, 1.8824528331423675e-06),
            (1, 118, 128, 3.6447720155119896, 7.930242664775164e-06),
            (0, 120, 124, 1.1786416172981262, 0.008114088549382708),
        ];
        let got: Vec<_> = got.iter().map(|s| (s.example_idx, s.start, s.end, s.attribution, s.p_value)).collect();
        assert_eq!(got, expected);
    }

    /// Deterministic noise with a few planted bumps, `n` rows of `l`.
    fn bumpy(n: usize, l: usize) -> Vec<f32> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut x: Vec<f32> = (0..n * l)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.1
            })
            .collect();
        for i in 0..n {
            let s = (i * 37) % (l - 12);
            x[i * l + s..i * l + s + 3 + i % 9].iter_mut().for_each(|v| *v += 0.3);
        }
        x
    }

    /// ALGORITHMS §5.1 steps 3-4 with the full matrices, straight from the definition.
    fn dense_reference(x: &[f32], n: usize, l: usize, o: &RecursiveOptions) -> Vec<Seqlet> {
        let t = Tracks::new("X", x, n, l).unwrap();
        let Some(caller) = Caller::new(&t, o) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, row) in x.chunks(l).enumerate() {
            let bins: Vec<usize> = row.iter().map(|&v| caller.bins.bin(v) as usize).collect();
            let p = |len: usize, k: usize| caller.null.tail(len)[bins[k..k + len].iter().sum::<usize>()];
            let pm = |len: usize, k: usize| (o.min_seqlet_len..=len).map(|m| p(m, k)).fold(0.0, f64::max);
            let tm =
                |len: usize, k: usize| (0..=len - o.min_seqlet_len).map(|d| pm(len - d, k + d)).fold(0.0, f64::max);
            let mut called = vec![false; l];
            for len in (o.min_seqlet_len..=o.max_seqlet_len.min(l)).rev() {
                let mut cands: Vec<(f64, usize)> =
                    (0..=l - len).filter(|&k| tm(len, k) < o.threshold).map(|k| (pm(len, k), k)).collect();
                cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for (_, k) in cands {
                    if called[k..k + len].iter().any(|&c| c) {
                        continue;
                    }
                    called[k..k + len].fill(true);
                    let (s, e) = (k.saturating_sub(o.additional_flanks), (k + len + o.additional_flanks).min(l));
                    let mut c = vec![0.0f64; l + 1];
                    for j in 0..l {
                        c[j + 1] = c[j] + f64::from(row[j]);
                    }
                    out.push(Seqlet { example_idx: i, start: s, end: e, attribution: c[e] - c[s], p_value: p(len, k) });
                }
            }
        }
        out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value));
        out
    }

    #[test]
    fn sparse_decoder_equals_the_definition() {
        let (n, l) = (12, 90);
        let x = bumpy(n, l);
        for o in [
            RecursiveOptions::default(),
            RecursiveOptions { threshold: 0.2, min_seqlet_len: 1, max_seqlet_len: 6, additional_flanks: 2, n_bins: 50 },
            RecursiveOptions { threshold: 0.05, min_seqlet_len: 3, max_seqlet_len: 3, additional_flanks: 0, n_bins: 7 },
            RecursiveOptions {
                threshold: 1.0,
                min_seqlet_len: 5,
                max_seqlet_len: 120,
                additional_flanks: 100,
                n_bins: 20,
            },
        ] {
            assert_eq!(recursive_seqlets(&x, n, l, &o).unwrap(), dense_reference(&x, n, l, &o), "{o:?}");
        }
    }

    #[test]
    fn same_output_for_any_thread_count() {
        let (n, l) = (300, 400);
        let x = bumpy(n, l);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| recursive_seqlets(&x, n, l, &RecursiveOptions::default()).unwrap())
        };
        let one = run(1);
        assert!(one.len() > 100);
        assert_eq!(one, run(3));
    }

    #[test]
    fn the_radix_sort_is_stable_by_p_value() {
        let s = |e, p| Seqlet { example_idx: e, start: 0, end: 4, attribution: 0.0, p_value: p };
        // Three p-values a few ulps apart share the digits sorted first.
        let ulps = |k| f64::from_bits(0.25f64.to_bits() + k);
        let p = [0.5, 1e-300, 0.0, ulps(7), 1e-12, 0.5, 0.0, 3e-8, 1e-12, 1.0, ulps(3), 0.25];
        let got = sort_by_p_value(p.iter().enumerate().map(|(i, &p)| s(i, p)).collect());
        let order: Vec<usize> = got.iter().map(|s| s.example_idx).collect();
        assert_eq!(order, [2, 6, 1, 4, 8, 7, 11, 10, 3, 0, 5, 9]);
        assert!(sort_by_p_value(Vec::new()).is_empty());
    }

    /// Blocks large enough to be sorted in parallel runs and merged: the result is the
    /// stable sort of their concatenation for any thread count, with ties (few distinct
    /// p-values) in block order.
    #[test]
    fn the_parallel_sort_is_the_stable_sort() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let blocks: Vec<Vec<Seqlet>> = (0..37)
            .map(|b| {
                (0..(b * 97 % 1500))
                    .map(|i| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let p = [0.0, 1e-30, 3e-5, 3e-5 + 1e-20, 0.004][(state >> 60) as usize % 5];
                        Seqlet { example_idx: b, start: i, end: i + 4, attribution: 0.0, p_value: p }
                    })
                    .collect()
            })
            .collect();
        let mut expected: Vec<Seqlet> = blocks.concat();
        assert!(expected.len() > 2 * PARALLEL_MIN);
        expected.sort_by(|a, b| a.p_value.total_cmp(&b.p_value));
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            assert_eq!(pool.install(|| sort_blocks_by_p_value(blocks.clone())), expected, "{threads} threads");
        }
    }

    #[test]
    fn options_are_checked() {
        let x = [0.0f32, 1.0, 0.5, 0.2];
        let bad = |o: RecursiveOptions| recursive_seqlets(&x, 1, 4, &o).unwrap_err().to_string();
        assert!(bad(RecursiveOptions { threshold: 0.0, ..Default::default() }).contains("threshold"));
        assert!(bad(RecursiveOptions { threshold: f64::NAN, ..Default::default() }).contains("threshold"));
        assert!(bad(RecursiveOptions { min_seqlet_len: 0, ..Default::default() }).contains("min_seqlet_len"));
        assert!(
            bad(RecursiveOptions { min_seqlet_len: 9, max_seqlet_len: 8, ..Default::default() })
                .contains("max_seqlet_len")
        );
        assert!(bad(RecursiveOptions { n_bins: 1, ..Default::default() }).contains("n_bins"));
        assert!(bad(RecursiveOptions { n_bins: 1 << 30, ..Default::default() }).contains("n_bins"));
        assert!(recursive_seqlets(&x, 2, 4, &RecursiveOptions::default()).is_err());
    }
}
