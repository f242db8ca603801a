//! The per-query null (ALGORITHMS §7.5–§7.7): the score distribution of every span of query
//! columns, the distribution of the best alignment against a target of each length, and its
//! survival function — with memelite's packed/dense cumulative sums and its step order.
//!
//! Coordinates: a *total* is the score of an alignment, unaligned query columns counting
//! `offset` each, in `0..n` with `n = nq · (n_score_bins + offset)`. Span `(i, j)` (query columns
//! `i..=j`, `m = j − i + 1` of them) is stored as its non-zero window only.

use super::conv::{ConvScratch, Order, convolve};

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
    /// `score <= 0`), clamped to `[0, 1]`.
    pub fn p_value(&self, scratch: &NullScratch, t: usize, score: i64) -> f64 {
        if score <= 0 || self.all_ones {
            return 1.0;
        }
        let j = (score - self.lo).clamp(0, self.width as i64) as usize;
        // A survival function, so in [0, 1]; clamp the rounding of its sums.
        scratch.tables[scratch.table_of[t] * (self.width + 1) + j].clamp(0.0, 1.0)
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

/// The span windows of a query with `nq` columns (histograms `f`, `nq` rows of `n_bins + 1`)
/// and, unless memelite's survival is 1 everywhere, their distributions `A_ij` (into `s.a`),
/// each convolution's sums in `order`. Returns the path and the global range `[L, H)`.
fn span_pdfs(
    f: &[f64],
    nq: usize,
    p: &NullParams,
    order: Order,
    s: &mut NullScratch,
) -> (NullPath, i64, i64) {
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
    let path = null_path(&s.flo, &s.fhi, p);
    if path == NullPath::AllOnes {
        return (path, l_min, h_max);
    }

    // Span distributions: A_ii = f_i, A_ij = A_i,j-1 ⊛ f_j (ascending terms).
    // Every entry is written below; only growth needs initialising.
    s.a.truncate(off);
    s.a.resize(off, 0.0);
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
                    order,
                    &mut s.conv,
                );
            }
        }
    }
    (path, l_min, h_max)
}

/// The span distributions of a query on memelite's packed path, as `(pure lo, pdf)` per span
/// `(i, j)` at index `i · nq + j` (empty below the diagonal), pure scores leaving out the
/// unaligned columns; `None` on the other paths (whose survival functions are not the spans'
/// tails). For the fast null: the sums are in [`Order::Any`] (equal up to rounding).
pub(crate) fn packed_span_pdfs<'s>(
    f: &[f64],
    nq: usize,
    p: &NullParams,
    s: &'s mut NullScratch,
) -> Option<impl Iterator<Item = (i64, &'s [f64])> + use<'s>> {
    if span_pdfs(f, nq, p, Order::Any, s).0 != NullPath::Packed {
        return None;
    }
    let offset = p.offset as i64;
    let (spans, a) = (&s.spans, &s.a);
    Some((0..nq * nq).map(move |k| {
        let (i, j) = (k / nq, k % nq);
        if j < i {
            return (0, &a[..0]);
        }
        let sp = spans[k];
        let len = (sp.hi - sp.lo) as usize;
        (
            sp.lo - offset * (nq - (j - i + 1)) as i64,
            &a[sp.off..sp.off + len],
        )
    }))
}

/// Builds the null of a query with `nq` columns from its histograms `f` (`nq` rows of
/// `n_bins + 1`).
pub(crate) fn null_survival(f: &[f64], nq: usize, p: &NullParams, s: &mut NullScratch) -> Survival {
    let n = (nq * (p.n_bins + p.offset)) as i64;
    let offset = p.offset as i64;
    let (path, l_min, h_max) = span_pdfs(f, nq, p, Order::Memelite, s);
    let dense = match path {
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
    let off = s.a.len();
    s.k.truncate(off);
    s.k.resize(off, 0.0);

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
    // Every table entry is written by `survival`; only growth needs initialising.
    s.tables.truncate(n_tables * (width + 1));
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

    // `cur` is all zero before each fold; a fold leaves only its support to clear.
    let clear = |cur: &mut [f64], (lo, hi): (i64, i64)| {
        let (a, b) = (
            (lo - l_min).clamp(0, width as i64) as usize,
            (hi - l_min).clamp(0, width as i64) as usize,
        );
        if a < b {
            cur[a..b].fill(0.0);
        }
    };
    if p.t_max >= nq {
        let mut sup = fold.copy(&mut s.cur, 0, 0);
        if nq > 1 {
            sup = fold.step(&mut s.cur, sup, (nq - 1, nq - 1));
        }
        for t in 2..nq {
            sup = fold.step2(&mut s.cur, sup, (0, t - 1), (nq - t, nq - 1));
        }
        let mut t = nq;
        while t <= p.t_max {
            if t == 1 {
                sup = fold.copy(&mut s.cur, 0, nq - 1);
            } else if t < p.t_max && !p.needed[t] {
                // Two placements at once when the first one's length needs no table.
                sup = fold.step2(&mut s.cur, sup, (0, nq - 1), (0, nq - 1));
                t += 1;
            } else {
                sup = fold.step(&mut s.cur, sup, (0, nq - 1));
            }
            if p.needed[t] {
                let table = &mut s.tables[s.table_of[t] * (width + 1)..][..width + 1];
                survival(&s.cur, sup, l_min, table);
            }
            t += 1;
        }
        clear(&mut s.cur, sup);
    }
    for t in 1..nq.min(p.t_max + 1) {
        if !p.needed[t] {
            continue;
        }
        // The windows of length t, then the overhangs, two steps at a time.
        let mut order: Vec<(usize, usize)> = (1..=nq - t).map(|j| (j, j + t - 1)).collect();
        for j in 0..t - 1 {
            order.push((0, j));
            order.push((nq - 1 - j, nq - 1));
        }
        let mut sup = fold.copy(&mut s.cur, 0, t - 1);
        for pair in order.chunks(2) {
            sup = match *pair {
                [a, b] => fold.step2(&mut s.cur, sup, a, b),
                [a] => fold.step(&mut s.cur, sup, a),
                _ => sup,
            };
        }
        let table = &mut s.tables[s.table_of[t] * (width + 1)..][..width + 1];
        survival(&s.cur, sup, l_min, table);
        clear(&mut s.cur, sup);
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
        if n > 0 {
            let d = (lo - self.l) as usize;
            cur[d..d + n].copy_from_slice(&self.a[sp.off..sp.off + n]);
        }
        (lo, hi)
    }

    /// `cur = PM(cur, A_ij)` in place (§7.6): `z = (x·K + y·s) − x·y` with `s` the running sum of
    /// `x`; returns the support of the result.
    fn step(&self, cur: &mut [f64], sup: (i64, i64), span: (usize, usize)) -> (i64, i64) {
        let y = self.operand(span);
        let hi = sup.1.max(y.hi).min(self.l + cur.len() as i64);
        let mut s = 0.0f64;
        self.pieces(sup.0, hi, &[y], |t0, t1, modes| {
            let c = &mut cur[(t0 - self.l) as usize..(t1 - self.l) as usize];
            match modes[0] {
                Mode::In(yv, kv) => {
                    for ((x, &yv), &kv) in c.iter_mut().zip(yv).zip(kv) {
                        s += *x;
                        *x = *x * kv + yv * s - *x * yv;
                    }
                }
                Mode::Const(kv) => {
                    for x in c.iter_mut() {
                        s += *x;
                        *x = *x * kv + 0.0 * s - *x * 0.0;
                    }
                }
            }
        });
        (sup.0.max(y.lo), hi)
    }

    /// Two consecutive [`Self::step`]s in one pass: each keeps its own running sum, added in the
    /// same order, so the result has the same bits; the two dependency chains overlap.
    fn step2(
        &self,
        cur: &mut [f64],
        sup: (i64, i64),
        a: (usize, usize),
        b: (usize, usize),
    ) -> (i64, i64) {
        let (y0, y1) = (self.operand(a), self.operand(b));
        let hi = sup.1.max(y0.hi).max(y1.hi).min(self.l + cur.len() as i64);
        let (mut s0, mut s1) = (0.0f64, 0.0f64);
        self.pieces(sup.0, hi, &[y0, y1], |t0, t1, modes| {
            let c = &mut cur[(t0 - self.l) as usize..(t1 - self.l) as usize];
            match (modes[0], modes[1]) {
                (Mode::In(y0, k0), Mode::In(y1, k1)) => {
                    for (i, x) in c.iter_mut().enumerate() {
                        let v = *x;
                        s0 += v;
                        let z = v * k0[i] + y0[i] * s0 - v * y0[i];
                        s1 += z;
                        *x = z * k1[i] + y1[i] * s1 - z * y1[i];
                    }
                }
                (Mode::In(y0, k0), Mode::Const(k1)) => {
                    for (i, x) in c.iter_mut().enumerate() {
                        let v = *x;
                        s0 += v;
                        let z = v * k0[i] + y0[i] * s0 - v * y0[i];
                        s1 += z;
                        *x = z * k1 + 0.0 * s1 - z * 0.0;
                    }
                }
                (Mode::Const(k0), Mode::In(y1, k1)) => {
                    for (i, x) in c.iter_mut().enumerate() {
                        let v = *x;
                        s0 += v;
                        let z = v * k0 + 0.0 * s0 - v * 0.0;
                        s1 += z;
                        *x = z * k1[i] + y1[i] * s1 - z * y1[i];
                    }
                }
                (Mode::Const(k0), Mode::Const(k1)) => {
                    for x in c.iter_mut() {
                        let v = *x;
                        s0 += v;
                        let z = v * k0 + 0.0 * s0 - v * 0.0;
                        s1 += z;
                        *x = z * k1 + 0.0 * s1 - z * 0.0;
                    }
                }
            }
        });
        (sup.0.max(y0.lo).max(y1.lo), hi)
    }

    /// Span `(i, j)` as a step operand: its window (clipped to `H`) and cumulative-sum constants.
    fn operand(&self, (i, j): (usize, usize)) -> Operand<'_> {
        let sp = &self.spans[i * self.nq + j];
        let hi = sp.hi_c.max(sp.lo);
        let n = (hi - sp.lo) as usize;
        Operand {
            lo: sp.lo,
            hi,
            x: sp.x,
            total: sp.total,
            y: &self.a[sp.off..sp.off + n],
            k: &self.k[sp.off..sp.off + n],
        }
    }

    /// Splits `[lo, hi)` where any operand's window or `1.0` threshold starts or ends and calls
    /// `visit(t0, t1, modes)` for each piece, with each operand's values over it.
    fn pieces<'o>(
        &self,
        lo: i64,
        hi: i64,
        ops: &[Operand<'o>],
        mut visit: impl FnMut(i64, i64, &[Mode<'o>]),
    ) {
        let mut cuts: Vec<i64> = vec![lo, hi];
        for o in ops {
            cuts.extend([o.lo, o.hi, o.x].into_iter().filter(|&c| c > lo && c < hi));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut modes: Vec<Mode<'o>> = Vec::with_capacity(ops.len());
        for w in cuts.windows(2) {
            let (t0, t1) = (w[0], w[1]);
            modes.clear();
            modes.extend(ops.iter().map(|o| o.mode(t0, t1)));
            visit(t0, t1, &modes);
        }
    }
}

/// A step's second operand: a span's pdf `y` and cumulative sum `k` over its window `[lo, hi)`;
/// below it both are 0, above it `y` is 0 and the cumulative sum is `total` below `x`, else 1.
#[derive(Clone, Copy)]
struct Operand<'a> {
    lo: i64,
    hi: i64,
    x: i64,
    total: f64,
    y: &'a [f64],
    k: &'a [f64],
}

impl<'a> Operand<'a> {
    /// The operand over a piece `[t0, t1)` that lies wholly inside or outside the window.
    fn mode(&self, t0: i64, t1: i64) -> Mode<'a> {
        if t0 >= self.lo && t1 <= self.hi {
            let (a, b) = ((t0 - self.lo) as usize, (t1 - self.lo) as usize);
            Mode::In(&self.y[a..b], &self.k[a..b])
        } else if t1 <= self.lo {
            Mode::Const(0.0)
        } else if t0 >= self.x {
            Mode::Const(1.0)
        } else {
            Mode::Const(self.total)
        }
    }
}

/// An operand's values over one piece.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// Inside the window: `y` and the cumulative sum, elementwise.
    In(&'a [f64], &'a [f64]),
    /// Outside: `y = 0`, constant cumulative sum.
    Const(f64),
}
