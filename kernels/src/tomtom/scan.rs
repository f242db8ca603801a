//! The alignment scan of one query against every target (ALGORITHMS §7.8) and the strand merge
//! (§7.9).

use crate::simd::{dispatch, multiversion};
use super::prepare::Targets;

/// The best alignment of a query against one target (one strand).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Best {
    /// Best total `M` (exact integer).
    pub score: i64,
    /// Target column aligned with query column 0 (may be negative).
    pub offset: i64,
    /// Number of aligned columns.
    pub overlap: i64,
}

/// Where each target's columns sit in a query column's padded row: `pad` zeros, target 0,
/// `pad` zeros, target 1, …, `pad` zeros, with `pad` at least the longest query minus one, so a
/// query slid over a target reads zeros (no contribution) where it overhangs.
#[derive(Debug)]
pub(crate) struct Padding {
    /// Zeros before each target (at least the longest query minus one).
    pub pad: usize,
    /// Index of each target's first column.
    pub bases: Vec<usize>,
    /// Length of a padded row.
    pub len: usize,
}

impl Padding {
    pub fn new(targets: &Targets, q_max: usize) -> Self {
        let pad = q_max.saturating_sub(1);
        let mut bases = Vec::with_capacity(targets.lens.len());
        let mut at = pad;
        for &nt in &targets.lens {
            bases.push(at);
            at += nt + pad;
        }
        Self {
            pad,
            bases,
            len: at,
        }
    }
}

/// A query column's padded row: `x[map[c]] − offset` at every target column `c` (binned score
/// minus the level of an unaligned column). The padding of `out` must be zero already.
pub(crate) fn padded_row(
    x: &[u16],
    offset: i64,
    targets: &Targets,
    padding: &Padding,
    out: &mut [i32],
) {
    dispatch!(padded_row_impl(x, offset, targets, padding, out))
}

multiversion!(padded_row_impl(x: &[u16], offset: i64, targets: &Targets, padding: &Padding, out: &mut [i32]));

#[inline(always)]
fn padded_row_impl(x: &[u16], offset: i64, targets: &Targets, padding: &Padding, out: &mut [i32]) {
    let mut start = 0;
    for (&nt, &base) in targets.lens.iter().zip(&padding.bases) {
        for (o, &u) in out[base..base + nt]
            .iter_mut()
            .zip(&targets.map[start..start + nt])
        {
            *o = i32::from(x[u as usize]) - offset as i32;
        }
        start += nt;
    }
}

/// Scans every target (reverse complements included) with the padded rows of the query's
/// columns and writes one [`Best`] per target.
///
/// Totals: `t[p] = nq · offset + Σ_i row_i[base + p − (nq − 1) + i]`, i.e. the binned scores of
/// the aligned columns plus `offset` per unaligned query column. Among the positions holding
/// the maximum, in increasing `p`, the first is taken and a later one replaces the stored one
/// exactly when the stored *offset* is below the later *overlap* (memelite's quirk). When the
/// maximum is 0 (only possible with `offset == 0`) memelite compares with an uninitialised
/// offset; here the first maximal position is taken, then the same rule applies.
pub(crate) fn scan(
    rows: &[&[i32]],
    offset: i64,
    targets: &Targets,
    padding: &Padding,
    sums: &mut Vec<i32>,
    out: &mut Vec<Best>,
) {
    dispatch!(scan_impl(rows, offset, targets, padding, sums, out))
}

multiversion!(scan_impl(
    rows: &[&[i32]],
    offset: i64,
    targets: &Targets,
    padding: &Padding,
    sums: &mut Vec<i32>,
    out: &mut Vec<Best>,
));

#[inline(always)]
fn scan_impl(
    rows: &[&[i32]],
    offset: i64,
    targets: &Targets,
    padding: &Padding,
    sums: &mut Vec<i32>,
    out: &mut Vec<Best>,
) {
    let nq = rows.len();
    out.clear();
    // Every target at once: the padding keeps the targets' positions apart, so sums[g] is the
    // total of padded position g minus nq · offset. Blocks of positions stay in registers while
    // the query's rows stream past.
    const B: usize = 64;
    let n = padding.len + 1 - nq;
    sums.resize(n, 0);
    let mut g0 = 0;
    while g0 + B <= n {
        let mut acc = [0i32; B];
        for (i, row) in rows.iter().enumerate() {
            let src: &[i32; B] = row[g0 + i..g0 + i + B].try_into().expect("B values");
            for w in 0..B {
                acc[w] += src[w];
            }
        }
        sums[g0..g0 + B].copy_from_slice(&acc);
        g0 += B;
    }
    let tail = n - g0;
    let mut acc = [0i32; B];
    for (i, row) in rows.iter().enumerate() {
        for (a, &v) in acc.iter_mut().zip(&row[g0 + i..g0 + i + tail]) {
            *a += v;
        }
    }
    sums[g0..].copy_from_slice(&acc[..tail]);
    let base_total = nq as i64 * offset;
    for (&nt, &base) in targets.lens.iter().zip(&padding.bases) {
        out.push(best_alignment(
            &sums[base + 1 - nq..base + nt],
            nq,
            nt,
            base_total,
        ));
    }
}

/// The best alignment of a query of `nq` columns against a target of `nt` from the totals `t`
/// of its positions `0..nt + nq − 1` less `base_total` (`nq · offset`): the first maximal
/// position, replaced by a later maximal one exactly when the stored *offset* is below the
/// later *overlap* (memelite's quirk).
#[inline(always)]
pub(crate) fn best_alignment<T: Copy + Ord + Into<i64>>(
    t: &[T],
    nq: usize,
    nt: usize,
    base_total: i64,
) -> Best {
    // Passes without early exits (they vectorise in the callers' builds).
    let m = t.iter().copied().fold(t[0], Ord::max);
    let ties = t.iter().fold(0usize, |n, &v| n + usize::from(v == m));
    let first = t.iter().position(|&v| v == m).unwrap_or(0);
    let at = |p: usize| Best {
        score: m.into() + base_total,
        offset: p as i64 - nq as i64 + 1,
        overlap: (p + 1).min(nq) as i64 - (p as i64 - nt as i64 + 1).max(0),
    };
    let mut best = at(first);
    if ties > 1 {
        for (p, &v) in t.iter().enumerate().skip(first + 1) {
            if v == m && best.offset < at(p).overlap {
                best = at(p);
            }
        }
    }
    best
}

/// One reported hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub p_value: f64,
    pub score: i64,
    pub offset: i64,
    pub overlap: i64,
    pub strand: u8,
}

/// Merges a target's forward hit and its reverse-complement hit: `p = min(p_f, p_r)`,
/// `p ← p (2 − p)`; the reverse strand's alignment is reported when its score is at least the
/// forward one's.
pub(crate) fn merge_strands(fwd: Hit, rc: Hit) -> Hit {
    let p = fwd.p_value.min(rc.p_value);
    // Rounding in the null's sums can leave p a hair outside [0, 1]; p-values never are.
    let p = (p * (2.0 - p)).clamp(0.0, 1.0);
    if fwd.score <= rc.score {
        Hit {
            p_value: p,
            strand: 1,
            ..rc
        }
    } else {
        Hit {
            p_value: p,
            strand: 0,
            ..fwd
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tomtom::Motif;

    #[test]
    fn merge_follows_memelite() {
        // memelite tests/test_tomtom.py, test_merge_rc_results.
        let f = Hit {
            p_value: 0.1,
            score: 5,
            offset: 1,
            overlap: 3,
            strand: 0,
        };
        let r = Hit {
            p_value: 0.2,
            score: 5,
            offset: -1,
            overlap: 2,
            strand: 0,
        };
        let m = merge_strands(f, r);
        assert_eq!((m.strand, m.offset, m.overlap), (1, -1, 2));
        assert!((m.p_value - 0.19).abs() < 1e-15);
        let m = merge_strands(Hit { score: 6, ..f }, r);
        assert_eq!((m.strand, m.score, m.offset), (0, 6, 1));
    }

    #[test]
    fn merged_p_values_stay_in_the_unit_interval() {
        let hit = |p_value| Hit {
            p_value,
            score: 1,
            offset: 0,
            overlap: 1,
            strand: 0,
        };
        for (p, want) in [(-1e-17, 0.0), (1.0 + 1e-15, 1.0), (1.0, 1.0), (0.0, 0.0)] {
            let m = merge_strands(hit(p), hit(1.0));
            assert_eq!(m.p_value, want, "{p}");
        }
    }

    #[test]
    fn scan_prefers_offsets_below_the_later_overlap() {
        // One target column, a query of three identical columns all scoring 2 with offset 1:
        // every position totals 2 + 1 + 1 = 4; p = 0 is taken (offset −2), then p = 1 (overlap 1
        // > −2) and p = 2 (overlap 1 > −1) replace it.
        let t = Targets::new(&[Motif::from_columns(&[[1.0, 0.0, 0.0, 0.0]])], None, false);
        let padding = Padding::new(&t, 3);
        let mut row = vec![0; padding.len];
        padded_row(&[2u16], 1, &t, &padding, &mut row);
        assert_eq!(row, [0, 0, 1, 0, 0]);
        let (mut sums, mut out) = (Vec::new(), Vec::new());
        scan(&[&row, &row, &row], 1, &t, &padding, &mut sums, &mut out);
        assert_eq!(
            out,
            [Best {
                score: 4,
                offset: 0,
                overlap: 1
            }]
        );
    }
}
