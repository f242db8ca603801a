//! The alignment scan (ALGORITHMS §7.8) of one query of at most [`WIDTH`] columns from one row
//! per unique target column holding the scores of *all* query columns.
//!
//! Row `u` holds `x[nq − 1 − l][u] − offset` in lane `l` of `W` (16 or [`WIDTH`], zero from lane
//! `nq` on): target column `k` of a target adds its row to the totals of positions `k .. k + nq`,
//! so a position's total is a sum along an anti-diagonal of the target's rows. The rows of a
//! target are copied into a staging area with a stride of `2W` lanes whose upper half stays zero;
//! read back with a stride one lane shorter, the anti-diagonals become columns, and a block of `W`
//! positions is one vector addition per target column (the zero lanes stand in for the columns a
//! position does not align). Totals are exact 16-bit integers ([`fits`] checks the bound) and the maximum
//! and memelite's tie rule are `scan::best_alignment`'s: the [`Best`]s are those of `scan::scan`.

use super::prepare::Targets;
use super::scan::{Best, best_alignment};
use crate::simd::{dispatch, multiversion};

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
    /// Target rows at even indices from 2, zeros at the others.
    stage: Vec<[i16; W]>,
    sums: Vec<i16>,
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

impl Diagonals<16> {
    /// The best alignment of the query of [`Self::fill`] (`nq` columns, `offset`) against every
    /// target, into `out`.
    pub fn scan(&mut self, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>) {
        dispatch!(scan_16(self, nq, offset, targets, out))
    }
}

impl Diagonals<WIDTH> {
    /// The best alignment of the query of [`Self::fill`] (`nq` columns, `offset`) against every
    /// target, into `out`.
    pub fn scan(&mut self, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>) {
        dispatch!(scan_32(self, nq, offset, targets, out))
    }
}

multiversion!(scan_16(d: &mut Diagonals<16>, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>));
multiversion!(scan_32(d: &mut Diagonals<WIDTH>, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>));

#[inline(always)]
fn scan_16(d: &mut Diagonals<16>, nq: usize, offset: i64, targets: &Targets, out: &mut Vec<Best>) {
    scan_impl(d, nq, offset, targets, out)
}

#[inline(always)]
fn scan_32(
    d: &mut Diagonals<WIDTH>,
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
        rows, stage, sums, ..
    } = d;
    if stage.len() < 2 * (targets.t_max + 1) {
        stage.resize(2 * (targets.t_max + 1), [0; W]);
    }
    let base_total = nq as i64 * offset;
    let mut start = 0;
    for &nt in &targets.lens {
        let cols = &targets.map[start..start + nt];
        for (s, &u) in stage[2..2 * (nt + 1)].iter_mut().step_by(2).zip(cols) {
            *s = rows[u as usize];
        }
        let flat = stage.as_flattened();
        let np = nt + nq - 1;
        sums.resize(np.next_multiple_of(W), 0);
        for (b, block) in sums.chunks_exact_mut(W).enumerate() {
            let p0 = b * W;
            let mut acc = [0i16; W];
            // Target column k's row starts at 2W (k + 1); lane l of the block (position p0 + l)
            // reads its lane p0 + l − k: the zeros of the row before below 0, the row's own
            // zeros from nq on.
            for k in p0.saturating_sub(nq - 1)..(p0 + W).min(nt) {
                let at = 2 * W * (k + 1) + p0 - k;
                let src: &[i16; W] = flat[at..at + W].try_into().expect("W lanes");
                for l in 0..W {
                    acc[l] += src[l];
                }
            }
            block.copy_from_slice(&acc);
        }
        out.push(best_alignment(&sums[..np], nq, nt, base_total));
        start += nt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Mt19937;
    use crate::tomtom::Motif;
    use crate::tomtom::scan::{Padding, padded_row, scan};

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
