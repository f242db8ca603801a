//! The alignment scan of one query against every target (ALGORITHMS §7.8) and the strand merge
//! (§7.9).

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

/// Scans every target (reverse complements included) with the binned rows of the query's
/// columns (`rows[i][u]` for unique target column `u`) and writes one [`Best`] per target.
///
/// Totals: `t[p] = nq · offset + Σ_l (x[nq−1−l][c_{p−l}] − offset)`. Among the positions holding
/// the maximum, in increasing `p`, the first is taken and a later one replaces the stored one
/// exactly when the stored *offset* is below the later *overlap* (memelite's quirk). When the
/// maximum is 0 (only possible with `offset == 0`) memelite compares with an uninitialised
/// offset; here the first maximal position is taken, then the same rule applies.
pub(crate) fn scan(rows: &[&[u16]], offset: i64, targets: &Targets, sums: &mut Vec<i32>, out: &mut Vec<Best>) {
    let nq = rows.len();
    out.clear();
    let mut start = 0;
    let off = offset as i32;
    for &nt in &targets.lens {
        let map = &targets.map[start..start + nt];
        start += nt;
        let np = nt + nq - 1;
        sums.clear();
        sums.resize(np, nq as i32 * off);
        for (i, row) in rows.iter().enumerate() {
            let dst = &mut sums[nq - 1 - i..nq - 1 - i + nt];
            for (d, &u) in dst.iter_mut().zip(map) {
                *d += i32::from(row[u as usize]) - off;
            }
        }
        let m = sums.iter().copied().max().unwrap_or(0);
        let mut best: Option<Best> = None;
        for (p, &v) in sums.iter().enumerate() {
            if v != m {
                continue;
            }
            let overlap = (p + 1).min(nq) as i64 - (p as i64 - nt as i64 + 1).max(0);
            if best.is_some_and(|b| b.offset >= overlap) {
                continue;
            }
            best = Some(Best { score: i64::from(m), offset: p as i64 - nq as i64 + 1, overlap });
        }
        out.push(best.expect("a target has at least one position"));
    }
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
    let p = p * (2.0 - p);
    if fwd.score <= rc.score { Hit { p_value: p, strand: 1, ..rc } } else { Hit { p_value: p, strand: 0, ..fwd } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tomtom::Motif;

    #[test]
    fn merge_follows_memelite() {
        // memelite tests/test_tomtom.py, test_merge_rc_results.
        let f = Hit { p_value: 0.1, score: 5, offset: 1, overlap: 3, strand: 0 };
        let r = Hit { p_value: 0.2, score: 5, offset: -1, overlap: 2, strand: 0 };
        let m = merge_strands(f, r);
        assert_eq!((m.strand, m.offset, m.overlap), (1, -1, 2));
        assert!((m.p_value - 0.19).abs() < 1e-15);
        let m = merge_strands(Hit { score: 6, ..f }, r);
        assert_eq!((m.strand, m.score, m.offset), (0, 6, 1));
    }

    #[test]
    fn scan_prefers_offsets_below_the_later_overlap() {
        // One target column, a query of three identical columns all scoring 2 with offset 1:
        // every position totals 2 + 1 + 1 = 4; p = 0 is taken (offset −2), then p = 1 (overlap 1
        // > −2) and p = 2 (overlap 1 > −1) replace it.
        let t = Targets::new(&[Motif::from_columns(&[[1.0, 0.0, 0.0, 0.0]])], None, false);
        let row = [2u16];
        let (mut sums, mut out) = (Vec::new(), Vec::new());
        scan(&[&row, &row, &row], 1, &t, &mut sums, &mut out);
        assert_eq!(out, [Best { score: 4, offset: 0, overlap: 1 }]);
    }
}
