//! The per-query null (ALGORITHMS §7.5–§7.7): the score distribution of every span of query
//! columns, the distribution of the best alignment against a target of each length, and its
//! survival function — with memelite's packed/dense cumulative sums and its step order.
//!
//! Coordinates: a *total* is the score of an alignment, unaligned query columns counting
//! `offset` each, in `0..n` with `n = nq · (n_score_bins + offset)`. Span `(i, j)` (query columns
//! `i..=j`, `m = j − i + 1` of them) is stored as its non-zero window only.

use super::conv::{ConvScratch, convolve};

/// What the null of one query depends on besides its histograms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NullParams<'a> {
    /// `n_score_bins`.
    pub n_bins: usize,
    /// `−i_min · bin_scale` of the query.
    pub offset: usize,
    /// The longest target.
    pub t_max: usize,
    /// `needed[t]`: some target has length `t`.
    pub needed: &'a [bool],
    /// memelite's workspace width `Q_max · (n_score_bins + n_cache)` (§7.5 (d)).
    pub n_len: usize,
}

/// One span's window and the constants of its cumulative sum.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    /// Start of its values in `NullScratch::a` and `NullScratch::k`.
    off: usize,
    /// Non-zero window `[lo, hi)` in totals.
    lo: i64,
    hi: i64,
    /// The window clipped to `H` (what the best-alignment build reads).
    hi_c: i64,
    /// Cumulative sum: `1.0` from total `x` on.
    x: i64,
    /// Cumulative sum above the window (below `x`).
    total: f64,
}

/// Scratch of the null, reused across the queries of one thread.
#[derive(Debug, Default)]
pub(crate) struct NullScratch {
    spans: Vec<Span>,
    a: Vec<f64>,
    k: Vec<f64>,
    flo: Vec<usize>,
    fhi: Vec<usize>,
    cur: Vec<f64>,
    conv: ConvScratch,
    /// Survival tables, one per needed target length, `width + 1` entries each.
    tables: Vec<f64>,
    table_of: Vec<usize>,
}

/// The survival function of the best alignment, per target length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Survival {
    lo: i64,
    width: usize,
    all_ones: bool,
}

impl Survival {
    /// The p-value of best total `score` against a target of length `t` (`1.0` when
    /// `score <= 0`).
    pub fn p_value(&self, scratch: &NullScratch, t: usize, score: i64) -> f64 {
        if score <= 0 || self.all_ones {
            return 1.0;
        }
        let j = (score - self.lo).clamp(0, self.width as i64) as usize;
        scratch.tables[scratch.table_of[t] * (self.width + 1) + j]
    }
}

/// The null memelite builds for a query (§7.5 path choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NullPath {
    /// Every span's support lies at or above `n`: memelite's survival is 1 everywhere.
    AllOnes,
    /// Dense cumulative sums (they ignore span mass below `c + m`).
    Dense,
    /// Packed cumulative sums.
    Packed,
}

/// Chooses the path from the lowest and highest non-zero bin of each column's histogram.
pub(crate) fn null_path(flo: &[usize], fhi: &[usize], p: &NullParams) -> NullPath {
    let nq = flo.len();
    let n = (nq * (p.n_bins + p.offset)) as i64;
    let offset = p.offset as i64;
    let (mut l_min, mut h_max, mut packed) = (n, 0i64, 0i64);
    for i in 0..nq {
        let (mut lo, mut hi) = (0i64, 0i64);
        for j in i..nq {
            lo += flo[j] as i64;
            hi += fhi[j] as i64;
            let c = offset * (nq - (j - i + 1)) as i64;
            l_min = l_min.min(lo + c);
            h_max = h_max.max(hi + c + 1);
            packed += hi - lo + 1;
        }
    }
    if h_max > n {
        return if n.min(h_max) <= l_min {
            NullPath::AllOnes
        } else {
            NullPath::Dense
        };
    }
    if h_max <= l_min {
        return NullPath::AllOnes;
    }
    let room = if n as usize <= p.n_len {
        p.n_len
    } else {
        n as usize
    } as i64;
    if 2 * packed > (nq * nq) as i64 * n || h_max - l_min + 2 > room {
        NullPath::Dense
    } else {
        NullPath::Packed
    }
}

/// Builds the null of a query with `nq` columns from its histograms `f` (`nq` rows of
/// `n_bins + 1`).
pub(crate) fn null_survival(f: &[f64], nq: usize, p: &NullParams, s: &mut NullScratch) -> Survival {
    let nb1 = p.n_bins + 1;
    let n = (nq * (p.n_bins + p.offset)) as i64;
    let offset = p.offset as i64;
    s.flo.clear();
    s.fhi.clear();
    for row in f.chunks_exact(nb1) {
        // Every histogram sums to one, so it has a non-zero bin.
        let lo = row.iter().position(|&v| v != 0.0).unwrap_or(0);
        let hi = row.iter().rposition(|&v| v != 0.0).unwrap_or(0);
        s.flo.push(lo);
        s.fhi.push(hi);
    }

    // Span windows and the global range [L, H) (§7.5 path choice).
    s.spans.clear();
    s.spans.resize(nq * nq, Span::default());
    let (mut l_min, mut h_max) = (n, 0i64);
    let mut off = 0usize;
    for i in 0..nq {
        let (mut lo, mut hi) = (0i64, 0i64);
        for j in i..nq {
            lo += s.flo[j] as i64;
            hi += s.fhi[j] as i64;
            let c = offset * (nq - (j - i + 1)) as i64;
            let sp = &mut s.spans[i * nq + j];
            sp.lo = lo + c;
            sp.hi = hi + c + 1;
            sp.off = off;
            off += (hi - lo + 1) as usize;
            l_min = l_min.min(sp.lo);
            h_max = h_max.max(sp.hi);
        }
    }
    let dense = match null_path(&s.flo, &s.fhi, p) {
        NullPath::AllOnes => {
            return Survival {
                lo: 0,
                width: 0,
                all_ones: true,
            };
        }
        NullPath::Dense => true,
        NullPath::Packed => false,
    };
    let h_max = h_max.min(n);

    // Span distributions: A_ii = f_i, A_ij = A_i,j-1 ⊛ f_j (ascending terms).
    // Every entry is written below; only growth needs initialising.
    s.a.truncate(off);
    s.a.resize(off, 0.0);
    s.k.truncate(off);
    s.k.resize(off, 0.0);
    for i in 0..nq {
        for j in i..nq {
            let sp = s.spans[i * nq + j];
            let fj = &f[j * nb1 + s.flo[j]..=j * nb1 + s.fhi[j]];
            let len = (sp.hi - sp.lo) as usize;
            if i == j {
                s.a[sp.off..sp.off + len].copy_from_slice(fj);
            } else {
                let prev = s.spans[i * nq + j - 1];
                let plen = (prev.hi - prev.lo) as usize;
                let (head, tail) = s.a.split_at_mut(sp.off);
                convolve(
                    &head[prev.off..prev.off + plen],
                    fj,
                    &mut tail[..len],
                    &mut s.conv,
                );
            }
        }
    }

    // Cumulative sums: running from the window start (packed) or from total c + m (dense,
    // ignoring any mass below it), the total above the window, 1.0 from X = n_bins (j+1) + c.
    for i in 0..nq {
        for j in i..nq {
            let m = (j - i + 1) as i64;
            let c = offset * (nq as i64 - m);
            let sp = &mut s.spans[i * nq + j];
            sp.x = p.n_bins as i64 * (j as i64 + 1) + c;
            sp.hi_c = sp.hi.min(h_max);
            let start = if dense { sp.lo.max(c + m) } else { sp.lo };
            let len = (sp.hi - sp.lo) as usize;
            let (a, k) = (&s.a[sp.off..sp.off + len], &mut s.k[sp.off..sp.off + len]);
            let s0 = ((start - sp.lo).max(0) as usize).min(len);
            k[..s0].fill(0.0);
            let mut acc = 0.0;
            for (kv, &av) in k[s0..].iter_mut().zip(&a[s0..]) {
                acc += av;
                *kv = acc;
            }
            let x0 = ((sp.x - sp.lo).max(0) as usize).min(len);
            k[x0..].fill(1.0);
            sp.total = acc;
        }
    }

    // Best-alignment distributions and their survival tables.
    let width = (h_max - l_min) as usize;
    s.table_of.clear();
    s.table_of.resize(p.t_max + 1, usize::MAX);
    let mut n_tables = 0;
    for t in 1..=p.t_max {
        if p.needed[t] {
            s.table_of[t] = n_tables;
            n_tables += 1;
        }
    }
    s.tables.clear();
    s.tables.resize(n_tables * (width + 1), 0.0);
    s.cur.clear();
    s.cur.resize(width, 0.0);
    let fold = Fold {
        l: l_min,
        spans: &s.spans,
        a: &s.a,
        k: &s.k,
        nq,
    };

    if p.t_max >= nq {
        s.cur.fill(0.0);
        let mut sup = fold.copy(&mut s.cur, 0, 0);
        if nq > 1 {
            sup = fold.step(&mut s.cur, sup, nq - 1, nq - 1);
        }
        for t in 2..nq {
            sup = fold.step(&mut s.cur, sup, 0, t - 1);
            sup = fold.step(&mut s.cur, sup, nq - t, nq - 1);
        }
        for t in nq..=p.t_max {
            if t == 1 {
                sup = fold.copy(&mut s.cur, 0, nq - 1);
            } else {
                sup = fold.step(&mut s.cur, sup, 0, nq - 1);
            }
            if p.needed[t] {
                let table = &mut s.tables[s.table_of[t] * (width + 1)..][..width + 1];
                survival(&s.cur, sup, l_min, table);
            }
        }
    }
    for t in 1..nq.min(p.t_max + 1) {
        if !p.needed[t] {
            continue;
        }
        s.cur.fill(0.0);
        let mut sup = fold.copy(&mut s.cur, 0, t - 1);
        for j in 1..=nq - t {
            sup = fold.step(&mut s.cur, sup, j, j + t - 1);
        }
        for j in 0..t - 1 {
            sup = fold.step(&mut s.cur, sup, 0, j);
            sup = fold.step(&mut s.cur, sup, nq - 1 - j, nq - 1);
        }
        let table = &mut s.tables[s.table_of[t] * (width + 1)..][..width + 1];
        survival(&s.cur, sup, l_min, table);
    }
    Survival {
        lo: l_min,
        width,
        all_ones: false,
    }
}

/// `table[j]` = survival at total `L + j`: the pdf summed from the top down, each value clamped
/// to `[0, 1]`; `table[width] = 0`.
fn survival(cur: &[f64], sup: (i64, i64), l: i64, table: &mut [f64]) {
    let width = cur.len();
    let top = ((sup.1 - l).max(0) as usize).min(width);
    table[top..].fill(0.0);
    let mut acc = 0.0f64;
    for j in (0..top).rev() {
        acc += cur[j];
        table[j] = acc.clamp(0.0, 1.0);
    }
}

/// The pairwise-maximum steps over the spans of one query.
struct Fold<'a> {
    l: i64,
    spans: &'a [Span],
    a: &'a [f64],
    k: &'a [f64],
    nq: usize,
}

impl Fold<'_> {
    /// `cur` (all zero) becomes span `(i, j)`; returns its support.
    fn copy(&self, cur: &mut [f64], i: usize, j: usize) -> (i64, i64) {
        let sp = &self.spans[i * self.nq + j];
        let (lo, hi) = (sp.lo, sp.hi_c.max(sp.lo));
        let n = (hi - lo) as usize;
        let d = (lo - self.l) as usize;
        cur[d..d + n].copy_from_slice(&self.a[sp.off..sp.off + n]);
        (lo, hi)
    }

    /// `cur = PM(cur, A_ij)` in place (§7.6): `z = (x·K + y·s) − x·y` with `s` the running sum of
    /// `x`; returns the support of the result.
    fn step(&self, cur: &mut [f64], (x_lo, x_hi): (i64, i64), i: usize, j: usize) -> (i64, i64) {
        let sp = &self.spans[i * self.nq + j];
        let (y_lo, y_hi) = (sp.lo, sp.hi_c.max(sp.lo));
        let z_lo = x_lo.max(y_lo);
        let z_hi = x_hi.max(y_hi);
        let m = x_hi.min(y_hi);
        let l = self.l;
        let mut s = 0.0f64;
        for t in x_lo..z_lo.min(x_hi) {
            let c = &mut cur[(t - l) as usize];
            s += *c;
            *c = 0.0;
        }
        let y = &self.a[sp.off..];
        let k = &self.k[sp.off..];
        for t in z_lo..m {
            let x = cur[(t - l) as usize];
            let yv = y[(t - y_lo) as usize];
            s += x;
            cur[(t - l) as usize] = x * k[(t - y_lo) as usize] + yv * s - x * yv;
        }
        if x_hi > y_hi {
            for t in y_hi.max(z_lo)..x_hi {
                let kv = if t < sp.x { sp.total } else { 1.0 };
                cur[(t - l) as usize] *= kv;
            }
        } else {
            for t in x_hi.max(z_lo)..y_hi {
                cur[(t - l) as usize] = y[(t - y_lo) as usize] * s;
            }
        }
        (z_lo, z_hi)
    }
}
