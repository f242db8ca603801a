//! The alignment scan (ALGORITHMS §7.8) of one query of at most [`WIDTH`] columns from one row
//! per unique target column holding the scores of *all* query columns.
//!
//! Row `u` holds `x[nq − 1 − l][u] − offset` in lane `l` of `W` (16 or [`WIDTH`], zero from lane
//! `nq` on): target column `k` of a target adds its row to the totals of positions `k .. k + nq`,
//! so a position's total is a sum along an anti-diagonal of the target's rows.
//!
//! * With AVX-512 (`wide`), a target's totals stay in registers, 32 positions per vector: a
//!   two-source permute with a zero vector moves each target column's row into place.
//! * Otherwise the rows of a batch of targets are copied into a staging area with a stride of
//!   `2W` lanes whose upper half stays zero; read back with a stride one lane shorter, the
//!   anti-diagonals become columns, and a block of `W` positions is one vector addition per
//!   target column (the zero lanes stand in for the columns a position does not align).
//!
//! Totals are exact 16-bit integers ([`fits`] checks the bound); the maximum and memelite's tie
//! rule ([`TieRule`]) are `scan::best_alignment`'s, so the [`Best`]s are those of `scan::scan`.
//! The rows themselves are built with an in-register transpose where AVX2 runs (`transposed`).

use super::prepare::Targets;
use super::scan::Best;

/// Most query columns (lanes of a row).
pub(crate) const WIDTH: usize = 32;

/// Values per u16 column block of the transposition (their rows stay in the L1 cache).
const BLOCK: usize = 64;

/// Whether the totals of a query of `nq` columns, binned scores in `0..=n_bins` and `offset`,
/// fit this scan.
pub(crate) fn fits(nq: usize, offset: i64, n_bins: usize) -> bool {
    let widest = offset.max(n_bins as i64 - offset);
    nq <= WIDTH && (nq as i64) * widest < i64::from(i16::MAX)
}

/// The rows of a query of at most `W` columns and the scan's scratch, reused across queries.
#[derive(Debug, Default)]
pub(crate) struct Diagonals<const W: usize> {
    rows: Vec<[i16; W]>,
    /// Lanes `dirty..` of every row are zero.
    dirty: usize,
    /// Staged target rows at even indices, zeros at the odd ones.
    stage: Vec<[i16; W]>,
    /// `(first lane, length)` of each staged target's region.
    regions: Vec<(usize, usize)>,
    /// A target's totals, `W` positions per block.
    sums: Vec<[i16; W]>,
    /// The AVX-512 scan's permutes (see `wide`) and the longest target they were built for.
    shifts: Vec<[i16; 32]>,
    shifts_t_max: usize,
    /// A target's totals in the AVX-512 scan, 32 positions per block.
    totals: Vec<[i16; 32]>,
}

impl<const W: usize> Diagonals<W> {
    /// Sets the rows from the binned scores `xs[i]` of query columns `i` (one per unique target
    /// column) and the query's `offset`; [`fits`] must hold.
    pub fn fill(&mut self, xs: &[&[u16]], offset: i64) {
        let nq = xs.len();
        let n = xs.first().map_or(0, |x| x.len());
        debug_assert!(nq <= W);
        if self.rows.len() != n {
            self.rows.clear();
            self.rows.resize(n, [0; W]);
            self.dirty = 0;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, the only feature the function enables.
            unsafe { transposed::fill(&mut self.rows, xs, offset) };
            self.dirty = nq;
            return;
        }
        self.fill_portable(xs, offset);
    }

    /// [`Self::fill`] without vector instructions (rows already `n` long).
    fn fill_portable(&mut self, xs: &[&[u16]], offset: i64) {
        let nq = xs.len();
        let n = self.rows.len();
        if self.dirty > nq {
            for row in &mut self.rows {
                row[nq..self.dirty].fill(0);
            }
        }
        self.dirty = nq;
        // `fits` bounds every value by i16::MAX.
        let offset = offset as i32;
        for u0 in (0..n).step_by(BLOCK) {
            let rows = &mut self.rows[u0..(u0 + BLOCK).min(n)];
            for (i, x) in xs.iter().enumerate() {
                let l = nq - 1 - i;
                for (row, &v) in rows.iter_mut().zip(&x[u0..]) {
                    row[l] = (i32::from(v) - offset) as i16;
                }
            }
        }
    }
}

impl<const W: usize> Diagonals<W> {
    /// The best alignment of the query of [`Self::fill`] (`nq` columns, `offset`) against every
    /// target, into `out`.
    pub fn scan(&mut self, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>) {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::has_avx512() {
                // SAFETY: the CPU supports every feature the function enables.
                return unsafe { wide::scan(self, nq, offset, targets, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, the only feature the function enables.
                return unsafe { scan_avx2(self, nq, offset, targets, out) };
            }
        }
        scan_impl(self, nq, offset, targets, out)
    }
}

/// [`scan_impl`] compiled with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2<const W: usize>(
    d: &mut Diagonals<W>,
    nq: usize,
    offset: i64,
    targets: &Targets,
    out: &mut Vec<Best>,
) {
    scan_impl(d, nq, offset, targets, out)
}

#[inline(always)]
fn scan_impl<const W: usize>(
    d: &mut Diagonals<W>,
    nq: usize,
    offset: i64,
    targets: &Targets,
    out: &mut Vec<Best>,
) {
    out.clear();
    let Diagonals {
        rows,
        stage,
        sums,
        regions,
        ..
    } = d;
    // Targets are staged a batch at a time and summed afterwards: reading a row right after
    // copying it, across the copy's boundary, would wait on the store.
    let capacity = STAGE_PAIRS.max(targets.t_max + 1);
    if stage.len() < 2 * capacity + 1 {
        stage.resize(2 * capacity + 1, [0; W]);
    }
    let base_total = nq as i64 * offset;
    let mut columns = targets.map.as_slice();
    let mut lens = targets.lens.as_slice();
    while !lens.is_empty() {
        // Stage: pair 0 of a target's region holds a zero row, pair k + 1 its column k's row;
        // every region starts on a pair, so the odd rows of the stage stay zero.
        regions.clear();
        let mut used = 0;
        while let Some((&nt, rest)) = lens.split_first() {
            if !regions.is_empty() && used + nt + 1 > capacity {
                break;
            }
            let (cols, more) = columns.split_at(nt);
            stage[2 * used] = [0; W];
            for (s, &u) in stage[2 * (used + 1)..].iter_mut().step_by(2).zip(cols) {
                *s = rows[u as usize];
            }
            regions.push((2 * W * used, nt));
            used += nt + 1;
            (lens, columns) = (rest, more);
        }
        let flat = stage.as_flattened();
        for &(region, nt) in regions.iter() {
            let np = nt + nq - 1;
            let n_blocks = np.div_ceil(W);
            sums.resize(n_blocks, [0; W]);
            let mut top = [i16::MIN; W];
            for (b, block) in sums.iter_mut().enumerate() {
                let p0 = b * W;
                let mut acc = [0i16; W];
                // Target column k's row starts at 2W (k + 1); lane l of the block (position
                // p0 + l) reads its lane p0 + l − k: the zeros of the row before below 0, the
                // row's own zeros from nq on.
                for k in p0.saturating_sub(nq - 1)..(p0 + W).min(nt) {
                    let at = region + 2 * W * (k + 1) + p0 - k;
                    let src: &[i16; W] = flat[at..at + W].try_into().expect("W lanes");
                    for l in 0..W {
                        acc[l] += src[l];
                    }
                }
                // Lanes past the last position hold no total.
                for v in acc.iter_mut().skip(np.saturating_sub(p0)) {
                    *v = i16::MIN;
                }
                for l in 0..W {
                    top[l] = top[l].max(acc[l]);
                }
                *block = acc;
            }
            let m = top.into_iter().fold(i16::MIN, i16::max);
            out.push(best_of_totals(sums, m, nq, nt, base_total));
        }
    }
}

/// Targets' columns staged at a time (row pairs; more for a longer target).
const STAGE_PAIRS: usize = 256;

/// `scan::best_alignment` from a target's totals (less `base_total`) in blocks of `W`
/// positions, `i16::MIN` past the last, and their maximum `m`: the positions holding `m` come
/// from a comparison of whole blocks, and memelite's tie rule runs only when several do.
#[inline(always)]
fn best_of_totals<const W: usize>(
    blocks: &[[i16; W]],
    m: i16,
    nq: usize,
    nt: usize,
    base_total: i64,
) -> Best {
    let mut rule = TieRule::new(m, nq, nt, base_total);
    for (b, block) in blocks.iter().enumerate() {
        let mut bits = 0u32;
        for (l, &v) in block.iter().enumerate() {
            bits |= u32::from(v == m) << l;
        }
        rule.visit(b * W, bits);
    }
    rule.best()
}

/// memelite's choice among the positions of a target holding its maximum total `m` (less
/// `base_total`), visited in increasing order: the first, replaced by a later one exactly when
/// the kept *offset* is below the later *overlap*.
struct TieRule {
    m: i16,
    nq: usize,
    nt: usize,
    base_total: i64,
    best: Option<Best>,
}

impl TieRule {
    #[inline(always)]
    fn new(m: i16, nq: usize, nt: usize, base_total: i64) -> Self {
        Self {
            m,
            nq,
            nt,
            base_total,
            best: None,
        }
    }

    /// Visits positions `p0 + l` for the set bits `l` of `bits`, lowest first.
    #[inline(always)]
    fn visit(&mut self, p0: usize, mut bits: u32) {
        while bits != 0 {
            let p = p0 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let here = Best {
                score: i64::from(self.m) + self.base_total,
                offset: p as i64 - self.nq as i64 + 1,
                overlap: (p + 1).min(self.nq) as i64 - (p as i64 - self.nt as i64 + 1).max(0),
            };
            match self.best {
                Some(kept) if kept.offset >= here.overlap => {}
                _ => self.best = Some(here),
            }
        }
    }

    #[inline(always)]
    fn best(self) -> Best {
        self.best
            .expect("every target has a position holding the maximum")
    }
}

/// [`Diagonals::fill`] with AVX2: 16 target columns × 16 query columns are loaded as 16
/// vectors (one per lane of the rows), transposed in registers (8 × 8 unpacks within each
/// half, then the halves exchanged) and stored as 16 rows; every lane is written, zeros from
/// `nq` on.
#[cfg(target_arch = "x86_64")]
mod transposed {
    use std::arch::x86_64::*;

    /// Rows and lanes per transposed block.
    const B: usize = 16;

    #[target_feature(enable = "avx2")]
    pub(super) fn fill<const W: usize>(rows: &mut [[i16; W]], xs: &[&[u16]], offset: i64) {
        let nq = xs.len();
        let n = rows.len();
        let full = n - n % B;
        // `fits` bounds every value by i16::MAX, so 16-bit wrapping arithmetic is exact.
        let off = _mm256_set1_epi16(offset as i16);
        for h in 0..W / B {
            // Lane h·16 + l holds query column nq − 1 − (h·16 + l).
            let source = |l: usize| (h * B + l < nq).then(|| xs[nq - 1 - (h * B + l)]);
            let sources: [Option<&[u16]>; B] = std::array::from_fn(source);
            for u0 in (0..full).step_by(B) {
                let a: [__m256i; B] = std::array::from_fn(|l| match sources[l] {
                    // SAFETY: the row holds n >= u0 + 16 values.
                    Some(x) => _mm256_sub_epi16(
                        unsafe { _mm256_loadu_si256(x[u0..u0 + B].as_ptr().cast()) },
                        off,
                    ),
                    None => _mm256_setzero_si256(),
                });
                let lo = transpose8(&a[..8]);
                let hi = transpose8(&a[8..]);
                for k in 0..8 {
                    let first = _mm256_permute2x128_si256::<0x20>(lo[k], hi[k]);
                    let second = _mm256_permute2x128_si256::<0x31>(lo[k], hi[k]);
                    // SAFETY: each row holds W >= (h + 1)·16 lanes.
                    unsafe {
                        _mm256_storeu_si256(rows[u0 + k][h * B..].as_mut_ptr().cast(), first);
                        _mm256_storeu_si256(rows[u0 + 8 + k][h * B..].as_mut_ptr().cast(), second);
                    }
                }
            }
        }
        for (u, row) in rows.iter_mut().enumerate().skip(full) {
            for (l, v) in row.iter_mut().enumerate() {
                *v = if l < nq {
                    (i64::from(xs[nq - 1 - l][u]) - offset) as i16
                } else {
                    0
                };
            }
        }
    }

    /// The 8 × 8 transposes of 16-bit values within each 128-bit half of `a` (8 vectors):
    /// output `k` holds element `k` of every input in its low half, element `8 + k` in its
    /// high half.
    #[target_feature(enable = "avx2")]
    fn transpose8(a: &[__m256i]) -> [__m256i; 8] {
        let t: [__m256i; 8] = std::array::from_fn(|k| {
            let (x, y) = (a[2 * (k / 2)], a[2 * (k / 2) + 1]);
            if k % 2 == 0 {
                _mm256_unpacklo_epi16(x, y)
            } else {
                _mm256_unpackhi_epi16(x, y)
            }
        });
        // s[0..4] from t0, t2 (lo, hi) and t1, t3; s[4..8] likewise from t4..t7.
        let s: [__m256i; 8] = std::array::from_fn(|k| {
            let base = 4 * (k / 4);
            let (x, y) = (t[base + (k % 4) / 2], t[base + 2 + (k % 4) / 2]);
            if k % 2 == 0 {
                _mm256_unpacklo_epi32(x, y)
            } else {
                _mm256_unpackhi_epi32(x, y)
            }
        });
        std::array::from_fn(|k| {
            let (x, y) = (s[k / 2], s[4 + k / 2]);
            if k % 2 == 0 {
                _mm256_unpacklo_epi64(x, y)
            } else {
                _mm256_unpackhi_epi64(x, y)
            }
        })
    }
}

/// The scan with AVX-512 permutes: a target's totals stay in registers, 32 positions per
/// vector. Target column `k`'s row (lane `l`: query column `nq − 1 − l`) adds its lane `p − k`
/// to position `p`; a two-source permute with a zero vector moves the lanes into place (and
/// zeros where `p − k` leaves the row), so no row is staged in memory and read back across
/// the copy. The maximum, the positions holding it and memelite's tie rule are those of
/// [`best_of_totals`].
#[cfg(target_arch = "x86_64")]
mod wide {
    use std::arch::x86_64::*;

    use super::{Best, Diagonals, Targets, TieRule};

    /// Positions per vector.
    const LANES: usize = 32;

    /// `shift[b · (t_max + 1) + k]`: the permute of target column `k` into positions
    /// `32 b .. 32 b + 32` (lane index into the row, or 32 for a zero lane).
    fn shifts(t_max: usize, n_blocks: usize) -> Vec<[i16; LANES]> {
        let mut out = Vec::with_capacity(n_blocks * (t_max + 1));
        for b in 0..n_blocks {
            for k in 0..=t_max {
                out.push(std::array::from_fn(|l| {
                    let from = (b * LANES + l) as i64 - k as i64;
                    if (0..LANES as i64).contains(&from) {
                        from as i16
                    } else {
                        LANES as i16
                    }
                }));
            }
        }
        out
    }

    #[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
    pub(super) fn scan<const W: usize>(
        d: &mut Diagonals<W>,
        nq: usize,
        offset: i64,
        targets: &Targets,
        out: &mut Vec<Best>,
    ) {
        const { assert!(W == 16 || W == LANES) };
        out.clear();
        let n_blocks = (targets.t_max + nq - 1).div_ceil(LANES);
        if d.shifts.len() < n_blocks * (targets.t_max + 1) || d.shifts_t_max != targets.t_max {
            d.shifts = shifts(targets.t_max, n_blocks);
            d.shifts_t_max = targets.t_max;
        }
        let stride = targets.t_max + 1;
        let zero = _mm512_setzero_si512();
        let load = |u: u32| {
            let row = &d.rows[u as usize];
            if W == LANES {
                // SAFETY: a row holds W = 32 lanes of 16 bits.
                unsafe { _mm512_loadu_si512(row.as_ptr().cast()) }
            } else {
                // SAFETY: a row holds W = 16 lanes of 16 bits.
                _mm512_zextsi256_si512(unsafe { _mm256_loadu_si256(row.as_ptr().cast()) })
            }
        };
        let base_total = nq as i64 * offset;
        let mut start = 0;
        for &nt in &targets.lens {
            let cols = &targets.map[start..start + nt];
            start += nt;
            let np = nt + nq - 1;
            let blocks = np.div_ceil(LANES);
            let mut top = _mm512_set1_epi16(i16::MIN);
            d.totals.resize(blocks, [0; LANES]);
            for b in 0..blocks {
                let mut acc = zero;
                // Columns reaching positions 32 b .. 32 b + 32.
                let lo = (b * LANES).saturating_sub(nq - 1);
                let hi = ((b + 1) * LANES).min(nt);
                let shifts = &d.shifts[b * stride..(b + 1) * stride];
                for k in lo..hi {
                    // SAFETY: an index vector holds 32 lanes of 16 bits.
                    let idx = unsafe { _mm512_loadu_si512(shifts[k].as_ptr().cast()) };
                    acc =
                        _mm512_add_epi16(acc, _mm512_permutex2var_epi16(load(cols[k]), idx, zero));
                }
                // Lanes past the last position hold no total.
                let valid = np - b * LANES;
                let keep: u32 = if valid >= LANES {
                    u32::MAX
                } else {
                    (1u32 << valid) - 1
                };
                acc = _mm512_mask_mov_epi16(_mm512_set1_epi16(i16::MIN), keep, acc);
                top = _mm512_max_epi16(top, acc);
                // SAFETY: a block holds 32 lanes of 16 bits.
                unsafe { _mm512_storeu_si512(d.totals[b].as_mut_ptr().cast(), acc) };
            }
            let m = max_epi16(top);
            let vm = _mm512_set1_epi16(m);
            let mut rule = TieRule::new(m, nq, nt, base_total);
            for b in 0..blocks {
                // SAFETY: a block holds 32 lanes of 16 bits.
                let acc = unsafe { _mm512_loadu_si512(d.totals[b].as_ptr().cast()) };
                rule.visit(b * LANES, _mm512_cmpeq_epi16_mask(acc, vm));
            }
            out.push(rule.best());
        }
    }

    /// The largest of 32 signed 16-bit lanes.
    #[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
    fn max_epi16(v: __m512i) -> i16 {
        let h = _mm256_max_epi16(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64::<1>(v));
        let q = _mm_max_epi16(_mm256_castsi256_si128(h), _mm256_extracti128_si256::<1>(h));
        // The unsigned minimum of 0x7fff − v is the signed maximum of v.
        let flipped = _mm_sub_epi16(_mm_set1_epi16(i16::MAX), q);
        let min = _mm_minpos_epu16(flipped);
        i16::MAX.wrapping_sub(_mm_extract_epi16::<0>(min) as u16 as i16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Mt19937;
    use crate::tomtom::Motif;
    use crate::tomtom::scan::{Padding, padded_row, scan};

    #[test]
    fn every_fill_gives_the_same_rows() {
        let mut draw = Mt19937::new(3);
        for (nq, n) in [
            (1, 5),
            (16, 40),
            (9, 33),
            (32, 50),
            (17, 16),
            (3, 100),
            (25, 7),
        ] {
            let xs: Vec<Vec<u16>> = (0..nq)
                .map(|_| (0..n).map(|_| draw.bounded(101) as u16).collect())
                .collect();
            let refs: Vec<&[u16]> = xs.iter().map(Vec::as_slice).collect();
            let mut wide = Diagonals::<WIDTH>::default();
            let mut plain = Diagonals::<WIDTH>::default();
            // Dirty lanes from a wider query first.
            let wider: Vec<&[u16]> = vec![&xs[0]; WIDTH];
            wide.fill(&wider, 7);
            wide.fill(&refs, 40);
            plain.rows.resize(n, [0; WIDTH]);
            plain.fill_portable(&wider, 7);
            plain.fill_portable(&refs, 40);
            assert_eq!(wide.rows, plain.rows, "nq {nq}, n {n}");
            if nq <= 16 {
                let mut narrow = Diagonals::<16>::default();
                narrow.fill(&refs, 40);
                let lanes: Vec<[i16; 16]> = plain
                    .rows
                    .iter()
                    .map(|r| r[..16].try_into().expect("16 lanes"))
                    .collect();
                assert_eq!(narrow.rows, lanes, "nq {nq}, n {n}, 16 lanes");
            }
        }
    }

    #[test]
    fn diagonals_give_the_padded_scan() {
        let mut rng = Mt19937::new(5);
        let mut motif = |w: usize| {
            let cols: Vec<[f64; 4]> = (0..w)
                .map(|_| std::array::from_fn(|_| rng.next_f64()))
                .collect();
            Motif::from_columns(&cols)
        };
        let targets: Vec<Motif<f64>> = (0..12).map(|k| motif(1 + (k * 7) % 40)).collect();
        let t = Targets::new(&targets, None, true);
        let n = t.n_unique();
        let mut d = Diagonals::<WIDTH>::default();
        let mut d16 = Diagonals::<16>::default();
        let mut draw = Mt19937::new(9);
        // Widest first, as the queries are scheduled, then wider again.
        for (nq, offset) in [
            (32, 40),
            (9, 3),
            (16, 2),
            (1, 0),
            (5, 100),
            (20, 7),
            (12, 4),
        ] {
            let n_bins = 100;
            assert!(fits(nq, offset, n_bins));
            // Coarse scores (many ties).
            let xs: Vec<Vec<u16>> = (0..nq)
                .map(|_| (0..n).map(|_| (draw.bounded(6) * 20) as u16).collect())
                .collect();
            let refs: Vec<&[u16]> = xs.iter().map(Vec::as_slice).collect();
            d.fill(&refs, offset);
            let mut got = Vec::new();
            d.scan(nq, offset, &t, &mut got);
            let mut portable = Vec::new();
            scan_impl(&mut d, nq, offset, &t, &mut portable);
            assert_eq!(portable, got, "nq {nq}, portable build");
            if nq <= 16 {
                let mut narrow = Vec::new();
                d16.fill(&refs, offset);
                d16.scan(nq, offset, &t, &mut narrow);
                assert_eq!(narrow, got, "nq {nq}, 16 lanes");
            }
            let padding = Padding::new(&t, nq);
            let rows: Vec<Vec<i32>> = xs
                .iter()
                .map(|x| {
                    let mut row = vec![0; padding.len];
                    padded_row(x, offset, &t, &padding, &mut row);
                    row
                })
                .collect();
            let refs: Vec<&[i32]> = rows.iter().map(Vec::as_slice).collect();
            let mut want = Vec::new();
            scan(&refs, offset, &t, &padding, &mut Vec::new(), &mut want);
            assert_eq!(got, want, "nq {nq}");
        }
        assert!(!fits(33, 0, 100) && !fits(32, 50, 2000) && fits(32, 50, 100));
        // Binned scores above i16::MAX, their differences within it.
        assert!(fits(1, 20_000, 40_000));
        let mut wide = Diagonals::<16>::default();
        wide.fill(&[&[40_000, 0]], 20_000);
        assert_eq!((wide.rows[0][0], wide.rows[1][0]), (20_000, -20_000));
    }
}
