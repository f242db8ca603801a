//! Per-example decoding of the recursive seqlet caller (ALGORITHMS §5.1 steps 3–4).
//!
//! Only the spans whose triangle maximum is below the threshold are ever built: a span of
//! length `L` at `k` needs the spans of length `L − 1` at `k` and `k + 1` to be below it
//! (its triangle holds theirs), so each length is built from the survivors of the length
//! below, as tangermeme's sparse decoder does. All buffers live in a [`Workspace`] that a
//! thread reuses for every example it decodes.

use super::input::Attribution;
use super::null::{Binning, NullTables};

/// One candidate span: start, prefix-maximum p-value `PM`, triangle maximum `TM`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub k: usize,
    pub pm: f64,
    pub tm: f64,
}

/// Reusable per-thread buffers for decoding examples of length `l`.
#[derive(Debug)]
pub(crate) struct Workspace {
    bin_csum: Vec<u64>,
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
            bin_csum: vec![0; l + 1],
            x_csum: vec![0.0; l + 1],
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
        let l = row.len();
        let mut s = 0u64;
        for (c, &v) in self.bin_csum[1..].iter_mut().zip(row) {
            s += bins.bin(v) as u64;
            *c = s;
        }
        let csum = &self.bin_csum;
        let sum = |k: usize, len: usize| (csum[k + len] - csum[k]) as usize;

        self.lower.clear();
        if min_len <= l {
            let r = null.tail(min_len);
            for k in 0..=l - min_len {
                let p = r[sum(k, min_len)];
                if p < threshold {
                    self.lower.push(Entry { k, pm: p, tm: p });
                }
            }
        }
        for len in min_len..=max_len {
            if len > min_len {
                let r = null.tail(len);
                self.upper.clear();
                for w in self.lower.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if b.k != a.k + 1 {
                        continue;
                    }
                    let pm = max(r[sum(a.k, len)], a.pm);
                    let tm = max(pm, b.tm);
                    if tm < threshold {
                        self.upper.push(Entry { k: a.k, pm, tm });
                    }
                }
                std::mem::swap(&mut self.lower, &mut self.upper);
            }
            let c = &mut self.cands[max_len - len];
            c.clear();
            c.extend_from_slice(&self.lower);
            // Gathered by ascending start, so sorting by (PM, start) is the stable sort by PM.
            c.sort_unstable_by(|x, y| x.pm.total_cmp(&y.pm).then(x.k.cmp(&y.k)));
        }
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
                if span.iter().any(|&c| c == stamp) {
                    continue;
                }
                span.fill(stamp);
                n += 1;
                let bins = self.bin_csum[start + len] - self.bin_csum[start];
                emit(Call { start, len, p_value: null.tail(len)[bins as usize] });
            }
        }
        n
    }

    /// Fills the float64 prefix sums of `row` (sequential, as tangermeme) for
    /// [`Workspace::attribution`].
    pub fn prefix_sums<T: Attribution>(&mut self, row: &[T]) {
        let mut s = 0.0f64;
        for (c, &v) in self.x_csum[1..].iter_mut().zip(row) {
            s += v.to_f64();
            *c = s;
        }
    }

    /// `C[end] − C[start]` from the prefix sums.
    pub fn attribution(&self, start: usize, end: usize) -> f64 {
        self.x_csum[end] - self.x_csum[start]
    }
}

/// numba's `max(a, b)` on floats with no NaN.
#[inline]
fn max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}
