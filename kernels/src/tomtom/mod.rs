//! Tomtom motif comparison, bit-for-bit as `memelite.tomtom.tomtom` 0.5.0 (ALGORITHMS §7).
//!
//! Each query is compared with every target (and, by default, every target's reverse
//! complement): a negative-Euclidean column score, median-centred and binned per query column;
//! an exact convolution null for every span of query columns; a best-alignment null per target
//! length; the best alignment's p-value. The targets are prepared once per call (reverse
//! complements, lossy column hashing); queries run in parallel (rayon), each with reusable
//! per-thread scratch.
//!
//! Identical query columns are computed once per call: their distance row, min, max and median
//! always, their binned scores and histogram whenever the same column meets the same
//! `(i_min, bin_scale)` in several queries. For one-hot queries (seqlet annotation) that covers
//! every column, so the per-query work is the null and the alignment scan. The results are the
//! same bits either way.
//!
//! ```
//! use motiflift_kernels::tomtom::{Motif, TomtomOptions, tomtom};
//! let onehot = |s: &str| Motif::from_columns(&s.bytes().map(|b| match b {
//!     b'A' => [1.0, 0.0, 0.0, 0.0], b'C' => [0.0, 1.0, 0.0, 0.0],
//!     b'G' => [0.0, 0.0, 1.0, 0.0], _ => [0.0, 0.0, 0.0, 1.0],
//! }).collect::<Vec<[f64; 4]>>());
//! let targets = [onehot("TGACTCA"), onehot("CACGTG"), onehot("GGGCGG")];
//! let hits = tomtom(&[onehot("ATGAGTCA")], &targets, &TomtomOptions::default())?;
//! assert_eq!(hits.scores.len(), 3);
//! // The query holds TGACTCA's reverse complement, TGAGTCA.
//! assert_eq!((hits.strands[0], hits.overlaps[0]), (1, 7));
//! # Ok::<(), motiflift_kernels::Error>(())
//! ```

mod columns;
mod conv;
mod motif;
mod nearest;
mod null;
mod prepare;
mod scan;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::{Error, Result};
use columns::{Column, ColumnStats, bin_row, column_stats, distance_row};
pub use motif::{Motif, MotifValue};
use null::{NullParams, NullScratch, null_survival};
use prepare::Targets;
use scan::{Best, Hit, merge_strands, scan};

/// Parameters of [`tomtom`], with memelite's defaults.
///
/// ```
/// let o = motiflift_kernels::tomtom::TomtomOptions { n_nearest: Some(3), ..Default::default() };
/// assert_eq!((o.n_score_bins, o.n_median_bins, o.n_target_bins), (100, 1000, Some(100)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomtomOptions {
    /// Keep only the `k` targets with the smallest p-values per query (best first, ties in
    /// numba's quicksort order), reporting their indices. `None`: every target, in order.
    pub n_nearest: Option<usize>,
    /// Score bins of the discretised column scores (`t` of the Tomtom paper).
    pub n_score_bins: usize,
    /// Bins of the approximate median of each column's scores.
    pub n_median_bins: usize,
    /// Bins per alphabet row of the lossy target-column hashing; `None` keeps every column.
    pub n_target_bins: Option<usize>,
    /// memelite's scratch size; it only decides (rarely) which of two cumulative-sum variants a
    /// query uses, which changes its p-values when some target column scores in bin 0.
    pub n_cache: usize,
    /// Also compare with the reverse complement of every target and merge the strands.
    pub reverse_complement: bool,
}

impl Default for TomtomOptions {
    fn default() -> Self {
        Self {
            n_nearest: None,
            n_score_bins: 100,
            n_median_bins: 1000,
            n_target_bins: Some(100),
            n_cache: 100,
            reverse_complement: true,
        }
    }
}

/// The result of [`tomtom`]: `n_queries` rows of `n_columns` entries, row-major. Without
/// `n_nearest` column `t` is target `t`; with it, the columns are the nearest targets, best
/// first, and `indices` says which.
///
/// `scores` are best alignment totals, `offsets` the target column aligned with query column 0
/// (in the reverse complement's coordinates for strand 1), `overlaps` the number of aligned
/// columns, `strands` 0 (target as given) or 1 (reverse complement). A best total of 0 (only
/// possible when a query's values span more than `n_score_bins` score units) has p-value 1; its
/// offset and overlap, uninitialised memory in memelite, are those of the first position
/// holding that total after memelite's tie rule.
///
/// ```
/// use motiflift_kernels::tomtom::{Motif, TomtomOptions, tomtom};
/// let m = Motif::from_columns(&[[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]]);
/// let hits = tomtom(&[m.clone()], &[m], &TomtomOptions::default())?;
/// assert_eq!((hits.n_queries, hits.n_columns), (1, 1));
/// assert!(hits.indices.is_none());
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TomtomHits {
    /// Number of queries (rows).
    pub n_queries: usize,
    /// Entries per row: the number of targets, or `min(n_nearest, n_targets)`.
    pub n_columns: usize,
    /// Tomtom p-values, in `[0, 1]`.
    pub p_values: Vec<f64>,
    /// Best alignment totals.
    pub scores: Vec<i64>,
    /// Offsets of the best alignments.
    pub offsets: Vec<i64>,
    /// Overlaps of the best alignments.
    pub overlaps: Vec<i64>,
    /// Strands of the best alignments.
    pub strands: Vec<u8>,
    /// Target indices, with `n_nearest`.
    pub indices: Option<Vec<usize>>,
}

/// Compares every query with every target (ALGORITHMS §7), as memelite 0.5.0's `tomtom`.
///
/// Queries may be `f64`, `f32` or int8/uint8 one-hot ([`MotifValue`]: only the column norm uses
/// the query's dtype); targets are `f64`. p-values depend on the whole target set (its columns
/// are the background) and memelite warns below 25 targets; this function does not print.
///
/// Errors: no queries or no targets, a motif of width 0, a NaN or infinite value, every query
/// column (or every target column) all-zero, a bin count of 0.
///
/// ```
/// use motiflift_kernels::tomtom::{Motif, TomtomOptions, tomtom};
/// let a = Motif::from_columns(&[[0.8, 0.1, 0.05, 0.05], [0.1, 0.1, 0.1, 0.7]]);
/// let b = Motif::from_columns(&[[0.1, 0.7, 0.1, 0.1]]);
/// let o = TomtomOptions { n_nearest: Some(1), ..Default::default() };
/// let hits = tomtom(&[a.clone()], &[b, a], &o)?;
/// assert_eq!(hits.indices, Some(vec![1]));
/// assert!(tomtom(&[Motif::<f64>::from_columns(&[])], &[Motif::from_columns(&[[1.0; 4]])], &o).is_err());
/// # Ok::<(), motiflift_kernels::Error>(())
/// ```
pub fn tomtom<Q: MotifValue>(queries: &[Motif<Q>], targets: &[Motif<f64>], options: &TomtomOptions) -> Result<TomtomHits> {
    validate(queries, targets, options)?;
    let prep = Targets::new(targets, options.n_target_bins, options.reverse_complement);
    let n_unique = prep.n_unique();

    // Distinct query columns and their statistics, once per call.
    let (columns, query_cols) = distinct_columns(queries);
    let stats: Vec<ColumnStats> = columns
        .par_iter()
        .map_init(
            || (vec![0.0; n_unique], Vec::new()),
            |(g, bins), col| {
                distance_row(col, &prep, g);
                column_stats(g, &prep, options.n_median_bins, bins)
            },
        )
        .collect();

    // Each query's scale (§7.4), and the binned rows shared by several queries.
    let classes: Vec<Class> = query_cols.iter().map(|cols| Class::new(cols, &stats, options.n_score_bins)).collect();
    let shared = SharedRows::new(&columns, &stats, &query_cols, &classes, &prep, options);

    let q_max = queries.iter().map(Motif::width).max().unwrap_or(0);
    let n_len = q_max * (options.n_score_bins + options.n_cache);
    let n_in = prep.n_in;
    let n_columns = options.n_nearest.map_or(n_in, |k| k.min(n_in));
    let rows: Vec<Vec<(usize, Hit)>> = (0..queries.len())
        .into_par_iter()
        .map_init(QueryScratch::default, |s, q| {
            let hits = query_hits(&query_cols[q], classes[q], &columns, &stats, &shared, &prep, options, n_len, s);
            match options.n_nearest {
                None => hits.into_iter().enumerate().collect(),
                Some(_) => {
                    let p: Vec<f64> = hits.iter().map(|h| h.p_value).collect();
                    nearest::numba_argsort(&p).into_iter().take(n_columns).map(|t| (t, hits[t])).collect()
                }
            }
        })
        .collect();

    let flat = rows.iter().flatten();
    Ok(TomtomHits {
        n_queries: queries.len(),
        n_columns,
        p_values: flat.clone().map(|(_, h)| h.p_value).collect(),
        scores: flat.clone().map(|(_, h)| h.score).collect(),
        offsets: flat.clone().map(|(_, h)| h.offset).collect(),
        overlaps: flat.clone().map(|(_, h)| h.overlap).collect(),
        strands: flat.clone().map(|(_, h)| h.strand).collect(),
        indices: options.n_nearest.map(|_| flat.map(|&(t, _)| t).collect()),
    })
}

fn validate<Q: MotifValue>(queries: &[Motif<Q>], targets: &[Motif<f64>], options: &TomtomOptions) -> Result<()> {
    if queries.is_empty() {
        return Err(Error::Empty("tomtom queries"));
    }
    if targets.is_empty() {
        return Err(Error::Empty("tomtom targets"));
    }
    for (name, v) in [
        ("n_score_bins", options.n_score_bins),
        ("n_median_bins", options.n_median_bins),
        ("n_target_bins", options.n_target_bins.unwrap_or(1)),
    ] {
        if v == 0 {
            return Err(Error::InvalidArgument { name, reason: "must be at least 1".into() });
        }
    }
    let mut any_query = false;
    for (i, q) in queries.iter().enumerate() {
        check_motif("query", i, q.width(), q.values().iter().map(|v| v.to_f64()))?;
        any_query |= (0..q.width()).any(|c| Q::column_norm(q.column(c)) != 0.0);
    }
    let mut any_target = false;
    for (i, t) in targets.iter().enumerate() {
        check_motif("target", i, t.width(), t.values().iter().copied())?;
        any_target |= (0..t.width()).any(|c| f64::column_norm(t.column(c)) != 0.0);
    }
    if !any_query || !any_target {
        let which = if any_query { "targets" } else { "queries" };
        return Err(Error::InvalidArgument {
            name: if any_query { "targets" } else { "queries" },
            reason: format!("every column of the {which} is all-zero; Tomtom needs at least one non-zero column"),
        });
    }
    Ok(())
}

fn check_motif(kind: &'static str, index: usize, width: usize, values: impl Iterator<Item = f64>) -> Result<()> {
    if width == 0 {
        return Err(Error::InvalidArgument {
            name: if kind == "query" { "queries" } else { "targets" },
            reason: format!("{kind} {index} has width 0; a motif needs at least one column"),
        });
    }
    for (k, v) in values.enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                what: if kind == "query" { "query motif" } else { "target motif" },
                location: format!("{kind} {index}, row {}, column {}", k / width, k % width),
                value: v,
            });
        }
    }
    Ok(())
}

/// The distinct columns of all queries (by bit pattern) and each query's column ids.
fn distinct_columns<Q: MotifValue>(queries: &[Motif<Q>]) -> (Vec<Column>, Vec<Vec<u32>>) {
    let mut ids: HashMap<[u64; 5], u32> = HashMap::new();
    let mut columns = Vec::new();
    let query_cols = queries
        .iter()
        .map(|q| {
            (0..q.width())
                .map(|c| {
                    let raw = q.column(c);
                    let col = Column { values: raw.map(MotifValue::to_f64), norm: Q::column_norm(raw) };
                    let key = [col.values[0], col.values[1], col.values[2], col.values[3], col.norm].map(f64::to_bits);
                    *ids.entry(key).or_insert_with(|| {
                        columns.push(col);
                        (columns.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    (columns, query_cols)
}

/// A query's discretisation (§7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Class {
    i_min: i64,
    bin_scale: i64,
}

impl Class {
    fn new(cols: &[u32], stats: &[ColumnStats], n_score_bins: usize) -> Self {
        let (mut zmin, mut zmax) = (9_999_999.9f64, -9_999_999.9f64);
        for &c in cols {
            let s = stats[c as usize];
            zmin = zmin.min(s.min - s.median);
            zmax = zmax.max(s.max - s.median);
        }
        let i_min = zmin.floor() as i64;
        let bin_scale = (n_score_bins as f64 / (zmax - i_min as f64).max(1.0)).floor() as i64;
        Self { i_min, bin_scale }
    }

    fn offset(self) -> i64 {
        -self.i_min * self.bin_scale
    }
}

/// Binned rows (`x` over the unique target columns, and the histogram) of the (column, class)
/// pairs that occur more than once in the call.
struct SharedRows {
    index: HashMap<(u32, Class), usize>,
    x: Vec<Vec<u16>>,
    f: Vec<Vec<f64>>,
}

/// Memory the shared rows may take.
const SHARED_BUDGET: usize = 256 << 20;

impl SharedRows {
    fn new(
        columns: &[Column],
        stats: &[ColumnStats],
        query_cols: &[Vec<u32>],
        classes: &[Class],
        prep: &Targets,
        options: &TomtomOptions,
    ) -> Self {
        let mut uses: HashMap<(u32, Class), usize> = HashMap::new();
        for (cols, &class) in query_cols.iter().zip(classes) {
            for &c in cols {
                *uses.entry((c, class)).or_default() += 1;
            }
        }
        let mut keys: Vec<((u32, Class), usize)> = uses.into_iter().filter(|&(_, n)| n > 1).collect();
        keys.sort_by_key(|&((c, class), n)| (std::cmp::Reverse(n), c, class.i_min, class.bin_scale));
        let per_row = prep.n_unique() * 2 + (options.n_score_bins + 1) * 8;
        keys.truncate(SHARED_BUDGET / per_row.max(1));
        let built: Vec<(Vec<u16>, Vec<f64>)> = keys
            .par_iter()
            .map_init(
                || vec![0.0; prep.n_unique()],
                |g, &((c, class), _)| {
                    let mut x = vec![0u16; prep.n_unique()];
                    let mut f = vec![0.0; options.n_score_bins + 1];
                    distance_row(&columns[c as usize], prep, g);
                    bin_row(g, stats[c as usize].median, class.i_min, class.bin_scale, prep, &mut x, &mut f);
                    (x, f)
                },
            )
            .collect();
        let index = keys.iter().enumerate().map(|(i, &(k, _))| (k, i)).collect();
        let (x, f) = built.into_iter().unzip();
        Self { index, x, f }
    }
}

/// Per-thread scratch of [`query_hits`].
#[derive(Default)]
struct QueryScratch {
    g: Vec<f64>,
    x: Vec<u16>,
    f: Vec<f64>,
    sums: Vec<i32>,
    bests: Vec<Best>,
    null: NullScratch,
}

/// One query against every target: one merged [`Hit`] per given target.
#[allow(clippy::too_many_arguments)]
fn query_hits(
    cols: &[u32],
    class: Class,
    columns: &[Column],
    stats: &[ColumnStats],
    shared: &SharedRows,
    prep: &Targets,
    options: &TomtomOptions,
    n_len: usize,
    s: &mut QueryScratch,
) -> Vec<Hit> {
    let nq = cols.len();
    let nu = prep.n_unique();
    let nb1 = options.n_score_bins + 1;
    s.g.resize(nu, 0.0);
    s.x.resize(nq * nu, 0);
    s.f.resize(nq * nb1, 0.0);
    let slots: Vec<Option<usize>> = cols.iter().map(|&c| shared.index.get(&(c, class)).copied()).collect();
    for (i, (&c, slot)) in cols.iter().zip(&slots).enumerate() {
        let f = &mut s.f[i * nb1..(i + 1) * nb1];
        match slot {
            Some(k) => f.copy_from_slice(&shared.f[*k]),
            None => {
                distance_row(&columns[c as usize], prep, &mut s.g);
                let x = &mut s.x[i * nu..(i + 1) * nu];
                bin_row(&s.g, stats[c as usize].median, class.i_min, class.bin_scale, prep, x, f);
            }
        }
    }
    let rows: Vec<&[u16]> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| match slot {
            Some(k) => shared.x[*k].as_slice(),
            None => &s.x[i * nu..(i + 1) * nu],
        })
        .collect();
    let offset = class.offset();
    scan(&rows, offset, prep, &mut s.sums, &mut s.bests);

    let params = NullParams {
        n_bins: options.n_score_bins,
        offset: offset as usize,
        t_max: prep.t_max,
        needed: &prep.needed,
        n_len,
    };
    let survival = null_survival(&s.f[..nq * nb1], nq, &params, &mut s.null);
    let hit = |t: usize, b: &Best| Hit {
        p_value: survival.p_value(&s.null, prep.lens[t], b.score),
        score: b.score,
        offset: b.offset,
        overlap: b.overlap,
        strand: 0,
    };
    let n_in = prep.n_in;
    if options.reverse_complement {
        (0..n_in).map(|t| merge_strands(hit(t, &s.bests[t]), hit(t + n_in, &s.bests[t + n_in]))).collect()
    } else {
        (0..n_in).map(|t| hit(t, &s.bests[t])).collect()
    }
}
