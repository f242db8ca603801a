//! The alignment scan (ALGORITHMS §7.8) of [`LANES`] queries at once, for queries built from at
//! most [`SYMBOLS`] distinct columns (one-hot seqlets, N included).
//!
//! A query column then is one of a few symbols, so a discretisation class's scores fit one
//! small table per target column ([`SymbolTable`]: every symbol's binned score minus the
//! offset). The queries of a batch share their width and class; lane `l` of a vector is query
//! `l`, and each aligned (query column, target column) pair is one table lookup per lane — a
//! byte shuffle with AVX2 — and one addition. Only the aligned pairs are visited (no padding),
//! the totals are exact 16-bit integers (the table checks the bound), and the maximum and
//! memelite's tie rule are taken lane by lane: the [`Best`]s are those of `scan::scan`. With
//! AVX-512 the 32 lanes fill one register; with AVX2 two.

use super::prepare::Targets;
use super::scan::Best;

/// Queries per batch.
pub(crate) const LANES: usize = 32;
/// Most symbols a table holds.
pub(crate) const SYMBOLS: usize = 8;

/// One discretisation class's scores by symbol: `cols[c][s]` is the score of symbol `s` against
/// concatenated target column `c` (binned score minus the class's offset).
#[derive(Debug)]
pub(crate) struct SymbolTable {
    cols: Vec<[i16; SYMBOLS]>,
    /// The largest absolute entry.
    max_abs: i32,
}

impl SymbolTable {
    /// The table of the symbols' padded rows (`rows[s]`, `scan::padded_row` layout with target
    /// `τ` at `bases[τ]`; `None` for a symbol no query of the class uses, scored 0); `None` when
    /// a value or a target length does not fit 16 bits.
    pub fn new(rows: &[Option<&[i32]>], targets: &Targets, bases: &[usize]) -> Option<Self> {
        if rows.len() > SYMBOLS || targets.t_max >= i16::MAX as usize {
            return None;
        }
        let mut cols = vec![[0i16; SYMBOLS]; targets.map.len()];
        let mut max_abs = 0;
        for (s, row) in rows.iter().enumerate() {
            let Some(row) = row else { continue };
            let mut c = 0;
            for (&nt, &base) in targets.lens.iter().zip(bases) {
                for &v in &row[base..base + nt] {
                    cols[c][s] = i16::try_from(v).ok()?;
                    max_abs = max_abs.max(v.abs());
                    c += 1;
                }
            }
        }
        Some(Self { cols, max_abs })
    }

    /// Whether the totals of queries of `nq` columns fit 16 bits.
    pub fn fits(&self, nq: usize) -> bool {
        (nq as i64) * i64::from(self.max_abs.max(1)) < i64::from(i16::MAX)
    }
}

/// Scratch of [`scan_batch`].
#[derive(Debug, Default)]
pub(crate) struct BatchScratch {
    sums: Vec<[i16; LANES]>,
}

/// The best alignment of every lane's query against every target: `syms[i][l]` is the symbol
/// of query `l`'s column `i` (every query `syms.len()` columns wide, the table fitting them);
/// `out[l]` receives one [`Best`] per target, `base_total` (`nq · offset`) added to the scores.
pub(crate) fn scan_batch(
    table: &SymbolTable,
    syms: &[[u8; LANES]],
    base_total: i64,
    targets: &Targets,
    scratch: &mut BatchScratch,
    out: &mut [Vec<Best>],
) {
    for o in out.iter_mut() {
        o.clear();
    }
    let mut emit = |max: [i16; LANES], off: [i16; LANES], ov: [i16; LANES]| {
        for (l, o) in out.iter_mut().enumerate() {
            o.push(Best {
                score: i64::from(max[l]) + base_total,
                offset: i64::from(off[l]),
                overlap: i64::from(ov[l]),
            });
        }
    };
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx512() {
        // SAFETY: the CPU supports every feature the function enables.
        return unsafe { scan_avx512(&table.cols, syms, &targets.lens, &mut emit) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, the only feature the function enables.
        return unsafe { scan_avx2(&table.cols, syms, &targets.lens, &mut emit) };
    }
    scan_lanes(
        &table.cols,
        syms,
        &targets.lens,
        &mut scratch.sums,
        &mut emit,
    );
}

/// [`scan_batch`]'s loop on arrays of lanes; `emit(max, offset, overlap)` per target.
fn scan_lanes(
    cols: &[[i16; SYMBOLS]],
    syms: &[[u8; LANES]],
    lens: &[usize],
    sums: &mut Vec<[i16; LANES]>,
    emit: &mut impl FnMut([i16; LANES], [i16; LANES], [i16; LANES]),
) {
    let nq = syms.len();
    let mut start = 0;
    for &nt in lens {
        let np = nt + nq - 1;
        sums.clear();
        let mut max = [i16::MIN; LANES];
        for p in 0..np {
            let (i0, i1) = ((nq - 1).saturating_sub(p), nq.min(np - p));
            let first = start + p + i0 + 1 - nq;
            let mut acc = [0i16; LANES];
            for (col, sym) in cols[first..first + i1 - i0].iter().zip(&syms[i0..i1]) {
                for l in 0..LANES {
                    acc[l] += col[usize::from(sym[l])];
                }
            }
            for l in 0..LANES {
                max[l] = max[l].max(acc[l]);
            }
            sums.push(acc);
        }
        let (mut off, mut ov) = ([i16::MIN; LANES], [0i16; LANES]);
        for (p, acc) in sums.iter().enumerate() {
            let (o, overlap) = placement(p, nq, nt);
            for l in 0..LANES {
                if acc[l] == max[l] && off[l] < overlap {
                    (off[l], ov[l]) = (o, overlap);
                }
            }
        }
        emit(max, off, ov);
        start += nt;
    }
}

/// The offset and overlap of position `p` of a query of `nq` columns on a target of `nt`.
#[inline(always)]
fn placement(p: usize, nq: usize, nt: usize) -> (i16, i16) {
    let overlap = (p + 1).min(nq) - (p + 1).saturating_sub(nt);
    (p as i16 - (nq as i16 - 1), overlap as i16)
}

/// The shuffle indices of query columns `syms` for lanes `lanes` (16 of them per 128 bits):
/// lane `l` of symbol `s` reads bytes `2s` and `2s + 1` of its 128-bit table copy.
fn shuffle_bytes<const N: usize>(syms: &[u8; LANES], lanes: std::ops::Range<usize>) -> [u8; N] {
    let mut b = [0u8; N];
    for (j, l) in lanes.enumerate() {
        b[2 * j] = 2 * syms[l];
        b[2 * j + 1] = 2 * syms[l] + 1;
    }
    b
}

/// [`scan_batch`]'s loop with AVX2: lanes in two 256-bit registers of 16-bit totals, the table
/// lookup a byte shuffle (`vpshufb`) of the column's 16-byte table broadcast to both halves.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(
    cols: &[[i16; SYMBOLS]],
    syms: &[[u8; LANES]],
    lens: &[usize],
    emit: &mut impl FnMut([i16; LANES], [i16; LANES], [i16; LANES]),
) {
    use std::arch::x86_64::*;
    const HALF: usize = LANES / 2;
    let nq = syms.len();
    let load = |b: [u8; 2 * HALF]| {
        // SAFETY: 32 bytes.
        unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }
    };
    let idx: Vec<[__m256i; 2]> = syms
        .iter()
        .map(|s| {
            [
                load(shuffle_bytes(s, 0..HALF)),
                load(shuffle_bytes(s, HALF..LANES)),
            ]
        })
        .collect();
    let mut sums: Vec<[__m256i; 2]> = Vec::new();
    let store = |v: [__m256i; 2]| {
        let mut a = [0i16; LANES];
        // SAFETY: 2 x 32 bytes.
        unsafe {
            _mm256_storeu_si256(a.as_mut_ptr().cast(), v[0]);
            _mm256_storeu_si256(a[HALF..].as_mut_ptr().cast(), v[1]);
        }
        a
    };
    let mut start = 0;
    for &nt in lens {
        let np = nt + nq - 1;
        sums.clear();
        let mut max = [_mm256_set1_epi16(i16::MIN); 2];
        for p in 0..np {
            let (i0, i1) = ((nq - 1).saturating_sub(p), nq.min(np - p));
            let first = start + p + i0 + 1 - nq;
            let mut acc = [_mm256_setzero_si256(); 2];
            for (col, ix) in cols[first..first + i1 - i0].iter().zip(&idx[i0..i1]) {
                // SAFETY: 16 bytes.
                let t = unsafe { _mm_loadu_si128(col.as_ptr().cast()) };
                let t = _mm256_broadcastsi128_si256(t);
                for h in 0..2 {
                    acc[h] = _mm256_add_epi16(acc[h], _mm256_shuffle_epi8(t, ix[h]));
                }
            }
            for h in 0..2 {
                max[h] = _mm256_max_epi16(max[h], acc[h]);
            }
            sums.push(acc);
        }
        let (mut off, mut ov) = (
            [_mm256_set1_epi16(i16::MIN); 2],
            [_mm256_setzero_si256(); 2],
        );
        for (p, acc) in sums.iter().enumerate() {
            let (o, overlap) = placement(p, nq, nt);
            let vov = _mm256_set1_epi16(overlap);
            for h in 0..2 {
                let take = _mm256_and_si256(
                    _mm256_cmpeq_epi16(acc[h], max[h]),
                    _mm256_cmpgt_epi16(vov, off[h]),
                );
                off[h] = _mm256_blendv_epi8(off[h], _mm256_set1_epi16(o), take);
                ov[h] = _mm256_blendv_epi8(ov[h], vov, take);
            }
        }
        emit(store(max), store(off), store(ov));
        start += nt;
    }
}

/// [`scan_batch`]'s loop with AVX-512: the 32 lanes in one register, the column's table
/// broadcast to its four 128-bit parts.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw,avx512dq,avx512vl")]
fn scan_avx512(
    cols: &[[i16; SYMBOLS]],
    syms: &[[u8; LANES]],
    lens: &[usize],
    emit: &mut impl FnMut([i16; LANES], [i16; LANES], [i16; LANES]),
) {
    use std::arch::x86_64::*;
    let nq = syms.len();
    let idx: Vec<__m512i> = syms
        .iter()
        .map(|s| {
            let b: [u8; 2 * LANES] = shuffle_bytes(s, 0..LANES);
            // SAFETY: 64 bytes.
            unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
        })
        .collect();
    let mut sums: Vec<__m512i> = Vec::new();
    let store = |v: __m512i| {
        let mut a = [0i16; LANES];
        // SAFETY: 64 bytes.
        unsafe { _mm512_storeu_si512(a.as_mut_ptr().cast(), v) };
        a
    };
    let mut start = 0;
    for &nt in lens {
        let np = nt + nq - 1;
        sums.clear();
        let mut max = _mm512_set1_epi16(i16::MIN);
        for p in 0..np {
            let (i0, i1) = ((nq - 1).saturating_sub(p), nq.min(np - p));
            let first = start + p + i0 + 1 - nq;
            let mut acc = _mm512_setzero_si512();
            for (col, &ix) in cols[first..first + i1 - i0].iter().zip(&idx[i0..i1]) {
                // SAFETY: 16 bytes.
                let t = unsafe { _mm_loadu_si128(col.as_ptr().cast()) };
                let t = _mm512_broadcast_i32x4(t);
                acc = _mm512_add_epi16(acc, _mm512_shuffle_epi8(t, ix));
            }
            max = _mm512_max_epi16(max, acc);
            sums.push(acc);
        }
        let (mut off, mut ov) = (_mm512_set1_epi16(i16::MIN), _mm512_setzero_si512());
        for (p, &acc) in sums.iter().enumerate() {
            let (o, overlap) = placement(p, nq, nt);
            let vov = _mm512_set1_epi16(overlap);
            let take = _mm512_cmpeq_epi16_mask(acc, max) & _mm512_cmpgt_epi16_mask(vov, off);
            off = _mm512_mask_blend_epi16(take, off, _mm512_set1_epi16(o));
            ov = _mm512_mask_blend_epi16(take, ov, vov);
        }
        emit(store(max), store(off), store(ov));
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
    fn batches_give_the_per_query_scan() {
        let mut rng = Mt19937::new(11);
        let mut motif = |w: usize| {
            let cols: Vec<[f64; 4]> = (0..w)
                .map(|_| std::array::from_fn(|_| rng.next_f64()))
                .collect();
            Motif::from_columns(&cols)
        };
        let targets: Vec<Motif<f64>> = (0..9).map(|k| motif(1 + (k * 5) % 13)).collect();
        let t = Targets::new(&targets, None, true);
        let padding = Padding::new(&t, 9);
        let n = t.n_unique();
        // Coarse scores (many ties) for four symbols, offset 3.
        let offset = 3;
        let rows: Vec<Vec<i32>> = (0..4u32)
            .map(|s| {
                let x: Vec<u16> = (0..n)
                    .map(|u| ((u as u32 * 7 + s * 3) % 6) as u16)
                    .collect();
                let mut row = vec![0; padding.len];
                padded_row(&x, offset, &t, &padding, &mut row);
                row
            })
            .collect();
        let refs: Vec<Option<&[i32]>> = rows.iter().map(|r| Some(r.as_slice())).collect();
        let table = SymbolTable::new(&refs, &t, &padding.bases).unwrap();
        let mut draw = Mt19937::new(3);
        for nq in [1, 2, 5, 9] {
            assert!(table.fits(nq));
            let syms: Vec<[u8; LANES]> = (0..nq)
                .map(|_| std::array::from_fn(|_| draw.bounded(4) as u8))
                .collect();
            let mut out = vec![Vec::new(); LANES];
            let base = nq as i64 * offset;
            scan_batch(
                &table,
                &syms,
                base,
                &t,
                &mut BatchScratch::default(),
                &mut out,
            );
            // The AVX2 and portable loops too (scan_batch takes the widest the CPU has).
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut avx2 = Vec::new();
                // SAFETY: the CPU supports AVX2.
                unsafe {
                    scan_avx2(&table.cols, &syms, &t.lens, &mut |m, o, v| {
                        avx2.push((m, o, v))
                    })
                };
                for (l, got) in out.iter().enumerate() {
                    let scores: Vec<i64> = avx2
                        .iter()
                        .map(|(m, _, _)| i64::from(m[l]) + base)
                        .collect();
                    let offsets: Vec<i64> = avx2.iter().map(|(_, o, _)| i64::from(o[l])).collect();
                    let overlaps: Vec<i64> = avx2.iter().map(|(_, _, v)| i64::from(v[l])).collect();
                    assert_eq!(got.iter().map(|b| b.score).collect::<Vec<_>>(), scores);
                    assert_eq!(got.iter().map(|b| b.offset).collect::<Vec<_>>(), offsets);
                    assert_eq!(got.iter().map(|b| b.overlap).collect::<Vec<_>>(), overlaps);
                }
            }
            let mut lanes = Vec::new();
            scan_lanes(
                &table.cols,
                &syms,
                &t.lens,
                &mut Vec::new(),
                &mut |m, o, v| lanes.push((m, o, v)),
            );
            for (l, got) in out.iter().enumerate() {
                let portable: Vec<Best> = lanes
                    .iter()
                    .map(|(m, o, v)| Best {
                        score: i64::from(m[l]) + base,
                        offset: i64::from(o[l]),
                        overlap: i64::from(v[l]),
                    })
                    .collect();
                assert_eq!(got, &portable, "nq {nq} lane {l}");
                let q: Vec<&[i32]> = syms
                    .iter()
                    .map(|s| rows[s[l] as usize].as_slice())
                    .collect();
                let (mut sums, mut want) = (Vec::new(), Vec::new());
                scan(&q, offset, &t, &padding, &mut sums, &mut want);
                assert_eq!(got, &want, "nq {nq} lane {l}");
            }
        }
    }
}
