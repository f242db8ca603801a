//! The fast null: Tomtom's p-values from the upper tails of span distributions — shared across
//! queries for queries built from a few distinct columns (one-hot seqlets), or one query's own
//! spans ([`Compositions::assign`]).
//!
//! memelite folds the pdfs of a target length's alignment spans with the pairwise maximum
//! `z = (x·K + y·s) − x·y` (§7.6) and sums the result from the top (§7.7). In exact arithmetic
//! the survival function of that fold at a score `M` follows from the spans' own tails:
//! folding `(T_x, τ_x)` (total mass, tail at `M`) with `(T_y, τ_y)` gives
//! `(T_x T_y, T_x τ_y + T_y τ_x − τ_x τ_y)` — every term non-negative, so no cancellation, and
//! tiny p-values keep full relative precision. A span's distribution depends only on the
//! multiset of its columns' histograms (convolution commutes), so for one-hot queries it is one
//! of a few thousand *compositions* (counts of A, C, G, T, N), each convolved once per call
//! instead of once per span of every query.
//!
//! The results differ from memelite's (and the exact engine's) only by rounding — relative
//! differences around 1e-15 — and by memelite's cumulative-sum quirks, which change the mass
//! by rounding-sized amounts on the packed path (the only path this module serves).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::conv::{ConvScratch, convolve_append};

/// A hasher for composition keys (well-mixed 64-bit integers; SipHash is needlessly slow).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, k: u64) {
        let x = (self.0 ^ k).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

/// Hash maps and sets keyed by composition keys.
type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;
pub(crate) type KeySet = HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// Bits per symbol count in a composition key.
const BITS: u32 = 8;
/// Most distinct columns a composition key holds.
pub(crate) const MAX_SYMBOLS: usize = (64 / BITS) as usize;
/// Longest query a composition key holds (counts are one byte).
pub(crate) const MAX_WIDTH: usize = (1 << BITS) - 1;

/// The key of one column of symbol `s`.
pub(crate) fn unit(s: u8) -> u64 {
    1 << (BITS * u32::from(s))
}

/// Span tails of one discretisation class, by composition (counts per symbol, one byte each).
#[derive(Debug, Default)]
pub(crate) struct Compositions {
    index: KeyMap<u32>,
    comps: Vec<Comp>,
}

#[derive(Debug)]
struct Comp {
    /// First score (pure, without unaligned columns) of the support.
    lo: i64,
    /// `tail[k]`: mass at scores `>= lo + k`, summed from the top; the last entry is 0.
    tail: Vec<f64>,
}

impl Compositions {
    /// Builds the distributions of `keys` and of the prefixes they are built from (a key minus
    /// its largest symbol, recursively) from the symbols' histograms `f[s]` (`n_bins + 1` bins).
    pub fn build(keys: impl IntoIterator<Item = u64>, f: &[&[f64]]) -> Self {
        let mut all: Vec<u64> = Vec::new();
        let mut seen = KeySet::default();
        for mut k in keys {
            while k != 0 && seen.insert(k) {
                all.push(k);
                k -= unit(largest(k));
            }
        }
        let size = |k: u64| {
            (0..MAX_SYMBOLS)
                .map(|s| (k >> (BITS as usize * s)) & 0xff)
                .sum::<u64>()
        };
        all.sort_by_key(|&k| (size(k), k));
        let support: Vec<(usize, usize)> = f
            .iter()
            .map(|row| {
                let lo = row.iter().position(|&v| v != 0.0).unwrap_or(0);
                let hi = row.iter().rposition(|&v| v != 0.0).unwrap_or(0);
                (lo, hi)
            })
            .collect();

        let mut index: KeyMap<u32> = KeyMap::default();
        let mut comps: Vec<Comp> = Vec::with_capacity(all.len());
        // Level by level: a level's pdfs are convolved from the previous level's, which then
        // become tails.
        let mut start = 0;
        let mut pdfs: Vec<Vec<f64>> = Vec::new();
        let mut prev: KeyMap<usize> = KeyMap::default();
        while start < all.len() {
            let m = size(all[start]);
            let end = start + all[start..].iter().take_while(|&&k| size(k) == m).count();
            let level = &all[start..end];
            let built: Vec<(i64, Vec<f64>)> = level
                .par_iter()
                .map_init(ConvScratch::default, |scratch, &k| {
                    let s = largest(k);
                    let (flo, fhi) = support[s as usize];
                    let fs = &f[s as usize][flo..=fhi];
                    let parent = k - unit(s);
                    if parent == 0 {
                        let mut pdf = Vec::with_capacity(fs.len() + 1);
                        pdf.extend_from_slice(fs);
                        return (flo as i64, pdf);
                    }
                    let p = prev[&parent];
                    let (plo, ppdf) = (comps[p].lo, &pdfs[p - (comps.len() - pdfs.len())]);
                    // One more slot for the tail's closing zero.
                    let mut out = Vec::with_capacity(ppdf.len() + fs.len());
                    convolve_append(ppdf, fs, &mut out, scratch);
                    (plo + flo as i64, out)
                })
                .collect();
            // The previous level's pdfs are no longer needed as pdfs.
            let base = comps.len() - pdfs.len();
            for (i, pdf) in pdfs.drain(..).enumerate() {
                comps[base + i].tail = to_tail(pdf);
            }
            prev.clear();
            for (&k, (lo, pdf)) in level.iter().zip(built) {
                prev.insert(k, comps.len());
                index.insert(k, comps.len() as u32);
                comps.push(Comp {
                    lo,
                    tail: Vec::new(),
                });
                pdfs.push(pdf);
            }
            start = end;
        }
        let base = comps.len() - pdfs.len();
        for (i, pdf) in pdfs.drain(..).enumerate() {
            comps[base + i].tail = to_tail(pdf);
        }
        Self { index, comps }
    }

    /// Replaces the compositions by one per given `(lo, pdf)`, in order (the spans of a single
    /// query, whose ids are then their positions), reusing the storage of the previous ones.
    pub fn assign<'p>(&mut self, pdfs: impl IntoIterator<Item = (i64, &'p [f64])>) {
        self.index.clear();
        let mut n = 0;
        for (lo, pdf) in pdfs {
            if n == self.comps.len() {
                self.comps.push(Comp {
                    lo,
                    tail: Vec::new(),
                });
            }
            let c = &mut self.comps[n];
            c.lo = lo;
            // The suffix sums of `pdf` in one pass, closed by a zero.
            c.tail.clear();
            c.tail.resize(pdf.len() + 1, 0.0);
            let mut acc = 0.0;
            for (t, &v) in c.tail.iter_mut().zip(pdf).rev() {
                acc += v;
                *t = acc;
            }
            n += 1;
        }
        self.comps.truncate(n);
    }

    /// The composition of a key (built by [`Self::build`]).
    pub fn id(&self, key: u64) -> Option<u32> {
        self.index.get(&key).copied()
    }

    /// `(total mass, mass at pure scores >= v)` of composition `id`.
    #[cfg(test)]
    fn tail(&self, id: u32, v: i64) -> (f64, f64) {
        let c = &self.comps[id as usize];
        let k = (v - c.lo).clamp(0, c.tail.len() as i64 - 1);
        (c.tail[0], c.tail[k as usize])
    }
}

fn largest(k: u64) -> u8 {
    ((63 - k.leading_zeros()) / BITS) as u8
}

/// Suffix sums from the top, in place, closed by a zero (the mass past the support).
fn suffix_sums(pdf: &mut Vec<f64>) {
    let mut acc = 0.0;
    for v in pdf.iter_mut().rev() {
        acc += *v;
        *v = acc;
    }
    pdf.push(0.0);
}

/// [`suffix_sums`] of an owned pdf.
fn to_tail(mut pdf: Vec<f64>) -> Vec<f64> {
    suffix_sums(&mut pdf);
    pdf
}

/// Folds `(T, τ)` with a span's `(T_y, τ_y)`: the tail of the maximum of independent variables.
#[inline]
pub(crate) fn fold((t, tau): (f64, f64), (ty, tauy): (f64, f64)) -> (f64, f64) {
    (t * ty, t * tauy + ty * tau - tau * tauy)
}

/// The spans `(i, j)` whose tails the p-values of a query of `nq` columns need: the spans the
/// best-alignment null of each needed target length folds (§7.6).
pub(crate) fn for_each_span(
    nq: usize,
    t_max: usize,
    needed: &[bool],
    mut visit: impl FnMut(usize, usize),
) {
    let mut overhang = 0;
    if t_max >= nq {
        overhang = nq - 1;
        visit(0, nq - 1);
    }
    for (t, _) in needed
        .iter()
        .enumerate()
        .take(nq.min(t_max + 1))
        .skip(1)
        .filter(|&(_, &n)| n)
    {
        overhang = overhang.max(t - 1);
        for j in 0..=nq - t {
            visit(j, j + t - 1);
        }
    }
    for j in 0..overhang {
        visit(0, j);
        visit(nq - 1 - j, nq - 1);
    }
}

/// A span's tail in totals: `tail[k]` is its mass at totals `>= lo + k`.
#[derive(Clone, Copy)]
struct SpanTail<'a> {
    tail: &'a [f64],
    lo: i64,
}

impl SpanTail<'_> {
    /// `(total mass, mass at totals >= m)`.
    #[inline]
    fn at(&self, m: i64) -> (f64, f64) {
        let k = (m - self.lo).clamp(0, self.tail.len() as i64 - 1);
        (self.tail[0], self.tail[k as usize])
    }
}

/// Orders `requests` by target length (a stable counting sort: lengths are small integers).
fn by_length(requests: &mut [Request]) {
    let t_max = requests.iter().map(|r| r.t).max().unwrap_or(0);
    let mut at = vec![0usize; t_max + 2];
    for r in requests.iter() {
        at[r.t + 1] += 1;
    }
    for t in 0..=t_max {
        at[t + 1] += at[t];
    }
    let mut sorted = requests.to_vec();
    for r in requests.iter() {
        sorted[at[r.t]] = *r;
        at[r.t] += 1;
    }
    requests.copy_from_slice(&sorted);
}

/// A p-value to compute: best total `m` against a target of length `t`; `target` identifies
/// the request for the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    pub t: usize,
    pub m: i64,
    pub target: usize,
    pub p: f64,
}

/// The spans of one query with their compositions: `ids[i * nq + j]` for span `(i, j)`.
pub(crate) struct TailQuery<'a> {
    pub comps: &'a Compositions,
    pub ids: &'a [u32],
    pub nq: usize,
    pub offset: i64,
}

impl TailQuery<'_> {
    fn span(&self, i: usize, j: usize) -> SpanTail<'_> {
        let c = &self.comps.comps[self.ids[i * self.nq + j] as usize];
        SpanTail {
            tail: &c.tail,
            lo: c.lo + self.offset * (self.nq - (j - i + 1)) as i64,
        }
    }

    /// The p-value of every request (survival at best total `m` against a target of length
    /// `t`, clamped to `[0, 1]`; 1 when `m <= 0`). Reorders `requests`.
    ///
    /// Every length `t >= nq` folds the same overhangs and then the full span `t − nq + 1`
    /// times (§7.6): the overhangs are folded once per distinct total, and the full span one
    /// placement at a time across all totals, read off at each length that has requests, in
    /// §7.6's order. Shorter targets fold the same spans in another order (rounding only).
    pub fn p_values(&self, requests: &mut [Request]) {
        let nq = self.nq;
        by_length(requests);
        let split = requests.partition_point(|r| r.t < nq);
        let (short, long) = requests.split_at_mut(split);
        self.short_p_values(short);
        if long.is_empty() {
            return;
        }
        let totals = Totals::new(long);
        let ms = &totals.ms;
        // The overhangs (none for one column), from the fold's identity (1, 0).
        let (mut tot, mut tau) = (vec![1.0; ms.len()], vec![0.0; ms.len()]);
        let mut spans: Vec<SpanTail> = Vec::with_capacity(2 * nq);
        if nq > 1 {
            spans.push(self.span(0, 0));
            spans.push(self.span(nq - 1, nq - 1));
            for u in 2..nq {
                spans.push(self.span(0, u - 1));
                spans.push(self.span(nq - u, nq - 1));
            }
        }
        for &s in &spans {
            fold_at(&mut tot, &mut tau, s, ms);
        }
        let full = self.span(0, nq - 1);
        let (ft, fu): (Vec<f64>, Vec<f64>) = ms.iter().map(|&m| full.at(m)).unzip();
        let mut placed = 0;
        let mut r = 0;
        while r < long.len() {
            let t = long[r].t;
            let end = r + long[r..].iter().take_while(|q| q.t == t).count();
            while placed < t - nq + 1 {
                for k in 0..ms.len() {
                    (tot[k], tau[k]) = fold((tot[k], tau[k]), (ft[k], fu[k]));
                }
                placed += 1;
            }
            for q in &mut long[r..end] {
                q.p = totals.index(q.m).map_or(1.0, |k| tau[k].clamp(0.0, 1.0));
            }
            r = end;
        }
    }

    /// [`Self::p_values`] of requests whose targets are shorter than the query (by length).
    /// Length `t` folds the overhangs `(0, j)`, `(nq − 1 − j, nq − 1)` for `j < t − 1` — grown
    /// with `t`, once for every total of these requests — and then its windows.
    fn short_p_values(&self, requests: &mut [Request]) {
        let nq = self.nq;
        let totals = Totals::new(requests);
        let all = &totals.ms;
        let (mut otot, mut otau) = (vec![1.0; all.len()], vec![0.0; all.len()]);
        let mut pairs = 0;
        // The group's totals (indices into `all`, ascending) and each one's place among them.
        let (mut ks, mut place) = (Vec::new(), vec![usize::MAX; all.len()]);
        let (mut ms, mut tot, mut tau) = (Vec::new(), Vec::new(), Vec::new());
        let mut r = 0;
        while r < requests.len() {
            let t = requests[r].t;
            let end = r + requests[r..].iter().take_while(|q| q.t == t).count();
            while pairs + 1 < t {
                fold_at(&mut otot, &mut otau, self.span(0, pairs), all);
                fold_at(&mut otot, &mut otau, self.span(nq - 1 - pairs, nq - 1), all);
                pairs += 1;
            }
            for q in &requests[r..end] {
                if let Some(k) = totals.index(q.m) {
                    place[k] = 0;
                }
            }
            ks.clear();
            for (k, p) in place.iter_mut().enumerate() {
                if *p != usize::MAX {
                    *p = ks.len();
                    ks.push(k);
                }
            }
            ms.clear();
            ms.extend(ks.iter().map(|&k| all[k]));
            tot.clear();
            tot.extend(ks.iter().map(|&k| otot[k]));
            tau.clear();
            tau.extend(ks.iter().map(|&k| otau[k]));
            for j in 0..=nq - t {
                fold_at(&mut tot, &mut tau, self.span(j, j + t - 1), &ms);
            }
            for q in &mut requests[r..end] {
                q.p = totals
                    .index(q.m)
                    .map_or(1.0, |k| tau[place[k]].clamp(0.0, 1.0));
            }
            for &k in &ks {
                place[k] = usize::MAX;
            }
            r = end;
        }
    }
}

/// The distinct positive best totals of some requests, ascending, and the index of each.
struct Totals {
    ms: Vec<i64>,
    /// First total of `index`.
    lo: i64,
    /// `index[m − lo]`: the index of total `m` in `ms` (`u32::MAX` for none).
    index: Vec<u32>,
}

impl Totals {
    fn new(requests: &[Request]) -> Self {
        let positive = || requests.iter().map(|r| r.m).filter(|&m| m > 0);
        let (Some(lo), Some(hi)) = (positive().min(), positive().max()) else {
            return Self {
                ms: Vec::new(),
                lo: 0,
                index: Vec::new(),
            };
        };
        let mut index = vec![u32::MAX; (hi - lo + 1) as usize];
        for m in positive() {
            index[(m - lo) as usize] = 0;
        }
        let mut ms = Vec::new();
        for (i, k) in index.iter_mut().enumerate() {
            if *k == 0 {
                *k = ms.len() as u32;
                ms.push(lo + i as i64);
            }
        }
        Self { ms, lo, index }
    }

    /// The index of total `m` (`None` for totals below 1, whose p-value is 1).
    fn index(&self, m: i64) -> Option<usize> {
        let k = *self.index.get(usize::try_from(m - self.lo).ok()?)?;
        (k != u32::MAX && m > 0).then_some(k as usize)
    }
}

/// Folds span `s`'s tails at the totals `ms` into the accumulators `(tot, tau)`.
fn fold_at(tot: &mut [f64], tau: &mut [f64], s: SpanTail, ms: &[i64]) {
    for ((t, u), &m) in tot.iter_mut().zip(tau.iter_mut()).zip(ms) {
        (*t, *u) = fold((*t, *u), s.at(m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_tails_match_direct_convolution() {
        let fa = [0.0, 0.25, 0.5, 0.25];
        let fc = [0.5, 0.0, 0.0, 0.5];
        let c = Compositions::build([2 * unit(0) + unit(1), unit(1)], &[&fa, &fc]);
        // AAC: (A ⊛ A) ⊛ C, supports from bin 1 (A) and 0 (C): pure scores 2..=9.
        let id = c.id(2 * unit(0) + unit(1)).unwrap();
        let aa = [0.0625, 0.25, 0.375, 0.25, 0.0625];
        let mut aac = [0.0; 8];
        for (i, &x) in aa.iter().enumerate() {
            aac[i] += x * 0.5;
            aac[i + 3] += x * 0.5;
        }
        let tail_at = |v: usize| aac[v - 2..].iter().sum::<f64>();
        assert_eq!(c.tail(id, 0), (1.0, 1.0));
        for v in 3..10 {
            assert!((c.tail(id, v as i64).1 - tail_at(v)).abs() < 1e-15);
        }
        assert_eq!(c.tail(id, 10).1, 0.0);
        assert!(
            c.id(unit(0)).is_some()
                && c.id(2 * unit(0)).is_some()
                && c.id(unit(0) + unit(1)).is_none()
        );
    }

    #[test]
    fn fold_is_the_tail_of_the_maximum() {
        // P(max(X, Y) >= M) = 1 − (1 − a)(1 − b) for independent tails a and b.
        let (t, tau) = fold((1.0, 0.25), (1.0, 0.5));
        assert_eq!((t, tau), (1.0, 0.625));
    }
}
