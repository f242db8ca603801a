//! Tomtom motif comparison as `memelite.tomtom.tomtom` 0.5.0 (ALGORITHMS §7): bit for bit with
//! [`TomtomOptions::exact`], equal up to rounding by default.
//!
//! Each query is compared with every target (and, by default, every target's reverse
//! complement): a negative-Euclidean column score, median-centred and binned per query column;
//! a convolution null for every span of query columns; a best-alignment null per target
//! length; the best alignment's p-value. The targets are prepared once per call (reverse
//! complements, lossy column hashing); queries run in parallel (rayon), each with reusable
//! per-thread scratch.
//!
//! Identical query columns are computed once per call: their distance row, min, max and median
//! always, their binned scores and histogram whenever the same column meets the same
//! `(i_min, bin_scale)` in several queries. For one-hot queries (seqlet annotation) that covers
//! every column, so the per-query work is the null and the alignment scan; on the fast null
//! their scan runs 32 queries of one width and class at a time (`batch.rs`). The results are
//! the same bits either way.
//!
//! By default (`exact: false`) the null is not memelite's fold of whole distributions: the
//! p-value of each best alignment comes from the upper tails of the spans it folds
//! (`tails.rs`) — for calls whose queries hold at most 8 distinct columns (one-hot seqlets)
//! from span tails shared across queries, otherwise from the query's own spans — and the
//! histograms are integer counts divided once; with `n_nearest` only the targets that can rank
//! are given p-values (`shortlist.rs`) when that ranking is certain. Scores, offsets, overlaps,
//! strands and nearest targets are memelite's; p-values equal memelite's up to rounding
//! (relative differences below 1e-12 on the fixtures and the JASPAR databases). With
//! `exact: true` every p-value has memelite's bits.
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

mod batch;
mod columns;
mod conv;
mod diagonal;
mod motif;
mod nearest;
mod null;
mod prepare;
mod scan;
mod shortlist;
mod tails;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::{Error, Result};
use batch::{BatchScratch, LANES, SymbolTable, scan_batch};
use columns::{
    Column, ColumnStats, Histogram, StatsScratch, bin_row, column_stats, distance_row,
    distance_rows,
};
use diagonal::Diagonals;
pub use motif::{Motif, MotifValue};
use null::{NullParams, NullPath, NullScratch, null_path, null_survival};
use prepare::Targets;
use scan::{Best, Hit, Padding, merge_strands, padded_row, scan};
use tails::{Compositions, KeySet, Request, TailQuery, for_each_span, unit};

/// Parameters of [`tomtom`], with memelite's defaults.
///
/// ```
/// let o = motiflift_kernels::tomtom::TomtomOptions { n_nearest: Some(3), ..Default::default() };
/// assert_eq!((o.n_score_bins, o.n_median_bins, o.n_target_bins), (100, 1000, Some(100)));
/// assert!(!o.exact);
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
    /// `true`: memelite's null, bit for bit. `false` (the default): p-values from span tails
    /// (shared across queries for one-hot seqlets, N included) and integer histograms — several
    /// times faster, equal to memelite's up to rounding (below 1e-12 relative on real
    /// databases), the same scores, offsets, overlaps and strands, and the same nearest targets
    /// (a query whose ranking has a near tie is recomputed exactly). Queries memelite gives a
    /// dense null (its cumulative sums then drop mass) use the exact computation.
    pub exact: bool,
    /// The longest query of the whole analysis when one call is split into several (shards of
    /// a seqlet table): memelite's `Q_max`, which enters the dense/packed choice of each
    /// query's null (ALGORITHMS §7.5 (d)), is then the same in every part, so the parts give
    /// exactly the p-values of one call. `None`: the longest of the queries passed. Must not be
    /// below it.
    pub longest_query: Option<usize>,
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
            exact: false,
            longest_query: None,
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
pub fn tomtom<Q: MotifValue>(
    queries: &[Motif<Q>],
    targets: &[Motif<f64>],
    options: &TomtomOptions,
) -> Result<TomtomHits> {
    validate(queries, targets, options)?;
    let prep = Targets::new(targets, options.n_target_bins, options.reverse_complement);
    let n_unique = prep.n_unique();

    // Distinct query columns; the statistics of those used more than once (all of them for
    // the one-hot fast path), once per call. A column of one query alone is done in its task,
    // where its distance row is kept for the binned stage.
    let (columns, query_cols) = distinct_columns(queries);
    let q_max = queries
        .iter()
        .map(Motif::width)
        .max()
        .unwrap_or(0)
        .max(options.longest_query.unwrap_or(0));
    let fast = !options.exact && columns.len() <= tails::MAX_SYMBOLS && q_max <= tails::MAX_WIDTH;
    let mut uses = vec![0usize; columns.len()];
    for &c in query_cols.iter().flatten() {
        uses[c as usize] += 1;
    }
    let stats: Vec<Option<ColumnStats>> = columns
        .par_iter()
        .zip(&uses)
        .map_init(
            || (vec![0.0; n_unique], StatsScratch::default()),
            |(d, bins), (col, &n)| {
                (fast || n > 1).then(|| {
                    let range = distance_row(col, &prep, d);
                    column_stats(col, d, range, &prep, options.n_median_bins, bins)
                })
            },
        )
        .collect();

    // Each query's scale (§7.4) where its columns' statistics are known, and the binned rows
    // shared by several queries.
    let classes: Vec<Option<Class>> = query_cols
        .iter()
        .map(|cols| {
            let stats: Option<Vec<ColumnStats>> = cols.iter().map(|&c| stats[c as usize]).collect();
            stats.map(|st| Class::new(&st, options.n_score_bins))
        })
        .collect();
    let padding = Padding::new(&prep, q_max);
    let min_uses = if fast { 1 } else { 2 };
    let shared = SharedRows::new(
        (&query_cols, &classes),
        min_uses,
        &columns,
        &stats,
        &prep,
        &padding,
        options,
    );

    let n_len = q_max * (options.n_score_bins + options.n_cache);
    let paddings: Vec<Padding> = (0..=q_max).map(|w| Padding::new(&prep, w)).collect();
    let call = Call {
        columns: &columns,
        stats: &stats,
        shared: &shared,
        prep: &prep,
        padding: &padding,
        paddings: &paddings,
        options,
        n_len,
    };
    let plan = fast
        .then(|| classes.iter().copied().collect::<Option<Vec<Class>>>())
        .flatten()
        .map(|classes| FastPlan::new(&query_cols, &classes, &call));
    let n_in = prep.n_in;
    let n_columns = options.n_nearest.map_or(n_in, |k| k.min(n_in));
    // Queries of one class and width are scanned [`LANES`] at a time where their columns are
    // few symbols (the fast one-hot plan); among them, queries of similar composition read the
    // same span tails, so neighbours in this order share cache. The order changes no result.
    // The other queries by width, widest first: neighbours share a row layout, and the jobs
    // left at the end are the cheapest.
    let batch_class = |q: usize| {
        let plan = plan.as_ref()?;
        let class = classes[q]?;
        plan.table(q, class, query_cols[q].len()).map(|_| class)
    };
    let mut schedule: Vec<usize> = (0..queries.len()).collect();
    schedule.sort_by_cached_key(|&q| {
        let cols = &query_cols[q];
        match batch_class(q) {
            Some(c) => (
                0,
                c.i_min,
                c.bin_scale,
                cols.len(),
                prefix_keys(cols)[cols.len()],
            ),
            None => (1, 0, 0, usize::MAX - cols.len(), 0),
        }
    });
    let mut jobs: Vec<(Option<Class>, Vec<usize>)> = Vec::new();
    for &q in &schedule {
        let class = batch_class(q);
        match jobs.last_mut() {
            Some((Some(last), qs))
                if class == Some(*last)
                    && qs.len() < LANES
                    && query_cols[qs[0]].len() == query_cols[q].len() =>
            {
                qs.push(q)
            }
            _ => jobs.push((class, vec![q])),
        }
    }
    let min_len = (jobs.len() / (16 * rayon::current_num_threads())).clamp(1, 64);
    let done: Vec<(usize, Vec<(usize, Hit)>)> = jobs
        .par_iter()
        .with_min_len(min_len)
        .map_init(
            || (QueryScratch::default(), BatchScratch::default(), Vec::new()),
            |(s, batch, lanes), (class, qs)| {
                // The batch's best alignments, one lane per query.
                if let (Some(class), Some(plan)) = (class, &plan) {
                    let nq = query_cols[qs[0]].len();
                    let syms: Vec<[u8; LANES]> = (0..nq)
                        .map(|i| {
                            std::array::from_fn(|l| query_cols[qs[l.min(qs.len() - 1)]][i] as u8)
                        })
                        .collect();
                    lanes.resize(LANES, Vec::new());
                    let table = plan.table(qs[0], *class, nq).expect("a batch has a table");
                    scan_batch(
                        table,
                        &syms,
                        nq as i64 * class.offset(),
                        &prep,
                        batch,
                        lanes,
                    );
                }
                qs.iter()
                    .enumerate()
                    .map(|(l, &q)| {
                        let bests = class.map(|_| &mut lanes[l]);
                        (
                            q,
                            query_row(q, &query_cols[q], classes[q], bests, &plan, &call, s),
                        )
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    let mut rows: Vec<Vec<(usize, Hit)>> = vec![Vec::new(); queries.len()];
    for (q, row) in done {
        rows[q] = row;
    }

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

fn validate<Q: MotifValue>(
    queries: &[Motif<Q>],
    targets: &[Motif<f64>],
    options: &TomtomOptions,
) -> Result<()> {
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
            return Err(Error::InvalidArgument {
                name,
                reason: "must be at least 1".into(),
            });
        }
    }
    let longest = queries.iter().map(Motif::width).max().unwrap_or(0);
    if let Some(w) = options.longest_query.filter(|&w| w < longest) {
        return Err(Error::InvalidArgument {
            name: "longest_query",
            reason: format!("{w} is below the longest query passed ({longest} columns)"),
        });
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
            reason: format!(
                "every column of the {which} is all-zero; Tomtom needs at least one non-zero column"
            ),
        });
    }
    Ok(())
}

fn check_motif(
    kind: &'static str,
    index: usize,
    width: usize,
    values: impl Iterator<Item = f64>,
) -> Result<()> {
    if width == 0 {
        return Err(Error::InvalidArgument {
            name: if kind == "query" {
                "queries"
            } else {
                "targets"
            },
            reason: format!("{kind} {index} has width 0; a motif needs at least one column"),
        });
    }
    for (k, v) in values.enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                what: if kind == "query" {
                    "query motif"
                } else {
                    "target motif"
                },
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
                    let col = Column {
                        values: raw.map(MotifValue::to_f64),
                        norm: Q::column_norm(raw),
                    };
                    let key = [
                        col.values[0],
                        col.values[1],
                        col.values[2],
                        col.values[3],
                        col.norm,
                    ]
                    .map(f64::to_bits);
                    *ids.entry(key).or_insert_with(|| {
                        columns.push((key, col));
                        (columns.len() - 1) as u32
                    })
                })
                .collect::<Vec<u32>>()
        })
        .collect::<Vec<_>>();
    // Columns numbered by value, not by first use: a query's spans are then convolved in the
    // same order whatever other queries share the call, so its p-values are bit-identical
    // across calls (shards of one seqlet table).
    let mut order: Vec<u32> = (0..columns.len() as u32).collect();
    order.sort_unstable_by_key(|&c| columns[c as usize].0);
    let mut rank = vec![0u32; columns.len()];
    for (r, &c) in order.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let query_cols = query_cols
        .into_iter()
        .map(|cols| cols.into_iter().map(|c| rank[c as usize]).collect())
        .collect();
    let mut columns: Vec<Option<Column>> = columns.into_iter().map(|(_, c)| Some(c)).collect();
    let columns = order
        .iter()
        .filter_map(|&c| columns[c as usize].take())
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
    /// The class of a query whose columns have `stats`.
    fn new(stats: &[ColumnStats], n_score_bins: usize) -> Self {
        let (mut zmin, mut zmax) = (9_999_999.9f64, -9_999_999.9f64);
        for s in stats {
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

/// Binned stage of the (column, class) pairs that occur at least `min_uses` times in the call
/// (within a memory budget): the padded row of the alignment scan and the histogram.
struct SharedRows {
    index: HashMap<(u32, Class), usize>,
    rows: Vec<Vec<i32>>,
    /// The binned scores `x` of each pair, by unique target column.
    x: Vec<Vec<u16>>,
    f: Vec<Vec<f64>>,
}

/// Memory the shared rows may take.
const SHARED_BUDGET: usize = 256 << 20;

impl SharedRows {
    /// Builds the pairs of `query_cols` × `classes` used at least `min_uses` times.
    fn new(
        queries: (&[Vec<u32>], &[Option<Class>]),
        min_uses: usize,
        columns: &[Column],
        stats: &[Option<ColumnStats>],
        prep: &Targets,
        padding: &Padding,
        options: &TomtomOptions,
    ) -> Self {
        let mut uses: HashMap<(u32, Class), usize> = HashMap::new();
        for (cols, &class) in queries.0.iter().zip(queries.1) {
            let Some(class) = class else { continue };
            for &c in cols {
                *uses.entry((c, class)).or_default() += 1;
            }
        }
        // (A query has a class only when all its columns have statistics.)
        let mut keys: Vec<((u32, Class), usize, ColumnStats)> = uses
            .into_iter()
            .filter(|&(_, n)| n >= min_uses)
            .filter_map(|((c, class), n)| Some(((c, class), n, stats[c as usize]?)))
            .collect();
        keys.sort_by_key(|&((c, class), n, _)| {
            (std::cmp::Reverse(n), c, class.i_min, class.bin_scale)
        });
        let per_row = padding.len * 4 + prep.n_unique() * 2 + (options.n_score_bins + 1) * 8;
        keys.truncate(SHARED_BUDGET / per_row.max(1));
        let built: Vec<(Vec<i32>, Vec<u16>, Vec<f64>)> = keys
            .par_iter()
            .map_init(
                || vec![0.0; prep.n_unique()],
                |d, &((c, class), _, stats)| {
                    let mut row = vec![0i32; padding.len];
                    let mut x = vec![0u16; prep.n_unique()];
                    let mut f = vec![0.0; options.n_score_bins + 1];
                    let column = &columns[c as usize];
                    distance_row(column, prep, d);
                    bin_row(
                        column,
                        d,
                        stats,
                        (class.i_min, class.bin_scale),
                        prep,
                        &mut x,
                        &mut f,
                        Histogram::Exact,
                        &mut Vec::new(),
                    );
                    padded_row(&x, class.offset(), prep, padding, &mut row);
                    (row, x, f)
                },
            )
            .collect();
        let index = keys
            .iter()
            .enumerate()
            .map(|(i, &(k, _, _))| (k, i))
            .collect();
        let (mut rows, mut x, mut f) = (Vec::new(), Vec::new(), Vec::new());
        for (r, xr, fr) in built {
            rows.push(r);
            x.push(xr);
            f.push(fr);
        }
        Self { index, rows, x, f }
    }
}

/// What every query of a call reads.
struct Call<'a> {
    columns: &'a [Column],
    stats: &'a [Option<ColumnStats>],
    shared: &'a SharedRows,
    prep: &'a Targets,
    padding: &'a Padding,
    /// `paddings[w]`: the layout for rows of one query of width `w` alone.
    paddings: &'a [Padding],
    options: &'a TomtomOptions,
    n_len: usize,
}

/// Per-thread scratch of [`query_bests`] and the nulls.
#[derive(Default)]
struct QueryScratch {
    d: Vec<f32>,
    /// Distance rows of the query's columns without call-wide statistics (`own[i]`), one per
    /// column position.
    own_d: Vec<f32>,
    own: Vec<bool>,
    /// Statistics of the query's columns, by position.
    stats: Vec<ColumnStats>,
    median: StatsScratch,
    counts: Vec<u32>,
    x: Vec<u16>,
    /// Binned scores of the query's columns (rows of `n_unique`), for `diagonals`.
    xs: Vec<u16>,
    diagonals: Diagonals<{ diagonal::WIDTH }>,
    diagonals_16: Diagonals<16>,
    rows: Vec<i32>,
    /// The padding (`Padding::pad`) whose zeros `rows` holds.
    rows_pad: Option<usize>,
    f: Vec<f64>,
    sums: Vec<i32>,
    bests: Vec<Best>,
    null: NullScratch,
    /// The span tails of a query's own fast null.
    spans: Compositions,
    ids: Vec<u32>,
}

/// The statistics of a query's columns (into `s.stats`), computing those the call did not
/// (their distance rows stay in `s.own_d`), and the query's class.
fn query_stats(cols: &[u32], class: Option<Class>, call: &Call, s: &mut QueryScratch) -> Class {
    let n = call.prep.n_unique();
    s.own.clear();
    s.own
        .extend(cols.iter().map(|&c| call.stats[c as usize].is_none()));
    if s.own_d.len() < cols.len() * n {
        s.own_d.resize(cols.len() * n, 0.0);
    }
    // The distance rows of the query's own columns, several per sweep over the targets.
    let mut own: Vec<(&Column, &mut [f32])> = cols
        .iter()
        .zip(&s.own)
        .zip(s.own_d.chunks_mut(n))
        .filter(|((_, own), _)| **own)
        .map(|((&c, _), d)| (&call.columns[c as usize], d))
        .collect();
    let mut ranges = Vec::with_capacity(own.len());
    for group in own.chunks_mut(4) {
        match group {
            [(c0, d0), (c1, d1), (c2, d2), (c3, d3)] => ranges.extend(distance_rows(
                [*c0, *c1, *c2, *c3],
                call.prep,
                [&mut d0[..], &mut d1[..], &mut d2[..], &mut d3[..]],
            )),
            fewer => ranges.extend(fewer.iter_mut().map(|(c, d)| distance_row(c, call.prep, d))),
        }
    }
    s.stats.clear();
    let mut ranges = ranges.into_iter();
    for (i, &c) in cols.iter().enumerate() {
        let st = match call.stats[c as usize] {
            Some(st) => st,
            None => column_stats(
                &call.columns[c as usize],
                &s.own_d[i * n..(i + 1) * n],
                ranges.next().expect("a range per own column"),
                call.prep,
                call.options.n_median_bins,
                &mut s.median,
            ),
        };
        s.stats.push(st);
    }
    class.unwrap_or_else(|| Class::new(&s.stats, call.options.n_score_bins))
}

/// The distance row of the query's column at position `i` (`column`): the one
/// [`query_stats`] kept in `own_d` when the call has no statistics for the column (`own[i]`),
/// else computed into `d` (`n_unique` long).
fn query_distances<'s>(
    i: usize,
    column: &Column,
    prep: &Targets,
    own: &[bool],
    own_d: &'s [f32],
    d: &'s mut [f32],
) -> &'s [f32] {
    let n = prep.n_unique();
    if own[i] {
        &own_d[i * n..(i + 1) * n]
    } else {
        distance_row(column, prep, d);
        d
    }
}

/// The binned stage of a query (histograms into `s.f`, summed as `histogram` says) and its
/// best alignment against every target (into `s.bests`), after [`query_stats`].
fn query_bests(
    cols: &[u32],
    class: Class,
    call: &Call,
    s: &mut QueryScratch,
    histogram: Histogram,
) {
    let (prep, options, shared) = (call.prep, call.options, call.shared);
    let nq = cols.len();
    let nb1 = options.n_score_bins + 1;
    s.f.resize(nq * nb1, 0.0);
    let offset = class.offset();
    let slots: Vec<Option<usize>> = cols
        .iter()
        .map(|&c| shared.index.get(&(c, class)).copied())
        .collect();
    if diagonal::fits(nq, offset, options.n_score_bins) {
        // Rows of every query column per unique target column (see `diagonal.rs`).
        let n = prep.n_unique();
        s.xs.resize(nq * n, 0);
        s.d.resize(n, 0.0);
        for (i, (&c, slot)) in cols.iter().zip(&slots).enumerate() {
            let f = &mut s.f[i * nb1..(i + 1) * nb1];
            match slot {
                Some(k) => f.copy_from_slice(&shared.f[*k]),
                None => {
                    let column = &call.columns[c as usize];
                    let d = query_distances(i, column, prep, &s.own, &s.own_d, &mut s.d);
                    let x = &mut s.xs[i * n..(i + 1) * n];
                    let scale = (class.i_min, class.bin_scale);
                    bin_row(
                        column,
                        d,
                        s.stats[i],
                        scale,
                        prep,
                        x,
                        f,
                        histogram,
                        &mut s.counts,
                    );
                }
            }
        }
        let xs = slot_rows(&slots, &shared.x, &s.xs, n);
        // Half-width rows where the query fits them (less to move).
        if nq <= 16 {
            s.diagonals_16.fill(&xs, offset);
            s.diagonals_16.scan(nq, offset, prep, &mut s.bests);
        } else {
            s.diagonals.fill(&xs, offset);
            s.diagonals.scan(nq, offset, prep, &mut s.bests);
        }
        return;
    }
    // Padded rows: those of this query alone are padded for its width (less to scan); shared
    // rows, and the other rows of a query that reads them, for the longest query.
    let padding = if slots.iter().all(Option::is_none) {
        &call.paddings[nq]
    } else {
        call.padding
    };
    let plen = padding.len;
    if slots.iter().any(Option::is_none) {
        s.d.resize(prep.n_unique(), 0.0);
        s.x.resize(prep.n_unique(), 0);
        // Rows write only target columns: the padding is zeroed when the layout changes.
        if s.rows_pad != Some(padding.pad) {
            s.rows.clear();
            s.rows_pad = Some(padding.pad);
        }
        s.rows.resize(s.rows.len().max(nq * plen), 0);
    }
    for (i, (&c, slot)) in cols.iter().zip(&slots).enumerate() {
        let f = &mut s.f[i * nb1..(i + 1) * nb1];
        match slot {
            Some(k) => f.copy_from_slice(&shared.f[*k]),
            None => {
                let column = &call.columns[c as usize];
                let d = query_distances(i, column, prep, &s.own, &s.own_d, &mut s.d);
                bin_row(
                    column,
                    d,
                    s.stats[i],
                    (class.i_min, class.bin_scale),
                    prep,
                    &mut s.x,
                    f,
                    histogram,
                    &mut s.counts,
                );
                padded_row(
                    &s.x,
                    offset,
                    prep,
                    padding,
                    &mut s.rows[i * plen..(i + 1) * plen],
                );
            }
        }
    }
    let rows = slot_rows(&slots, &shared.rows, &s.rows, plen);
    scan(&rows, offset, prep, padding, &mut s.sums, &mut s.bests);
}

/// The row of each query column: the shared one its slot names, else its own, the `i`-th of
/// the rows of `width` in `own`.
fn slot_rows<'a, T>(
    slots: &[Option<usize>],
    shared: &'a [Vec<T>],
    own: &'a [T],
    width: usize,
) -> Vec<&'a [T]> {
    slots
        .iter()
        .enumerate()
        .map(|(i, slot)| match slot {
            Some(k) => shared[*k].as_slice(),
            None => &own[i * width..(i + 1) * width],
        })
        .collect()
}

/// The reported row of query `q` (columns `cols`, class if known call-wide): every target, or
/// the nearest ones with their indices. `bests`: its best alignments when a batch scanned it
/// (swapped out), else they are computed here.
fn query_row(
    q: usize,
    cols: &[u32],
    class: Option<Class>,
    bests: Option<&mut Vec<Best>>,
    plan: &Option<FastPlan>,
    call: &Call,
    s: &mut QueryScratch,
) -> Vec<(usize, Hit)> {
    let options = call.options;
    let class = query_stats(cols, class, call, s);
    // Histograms with memelite's bits only where its null is computed (again, below, when the
    // fast one's ranking is in doubt).
    let histogram = if options.exact {
        Histogram::Exact
    } else {
        Histogram::Counts
    };
    let binned = match bests {
        Some(b) => {
            std::mem::swap(&mut s.bests, b);
            false
        }
        None => {
            query_bests(cols, class, call, s, histogram);
            true
        }
    };
    // Where the fast null reads the query's span tails: the plan's shared compositions or the
    // query's own spans (`s.spans`); `None` where the exact null runs.
    let tails = match plan {
        Some(plan) if plan.use_fast[q] => {
            plan.span_ids(cols, class, call, s);
            Some(Some(&plan.comps[&class]))
        }
        _ if !options.exact => own_span_tails(class, call, s).then_some(None),
        _ => None,
    };
    let tail_hits_of =
        |s: &QueryScratch, comps: Option<&Compositions>, targets: Option<&[usize]>| {
            let query = TailQuery {
                comps: comps.unwrap_or(&s.spans),
                ids: &s.ids,
                nq: cols.len(),
                offset: class.offset(),
            };
            tail_hits(&query, call, &s.bests, targets)
        };
    let exact = |s: &mut QueryScratch| {
        if !binned || histogram != Histogram::Exact {
            query_bests(cols, class, call, s, Histogram::Exact);
        }
        exact_hits(class, call, s)
    };
    if let (Some(k), Some(comps)) = (options.n_nearest, tails)
        && let Some(row) = shortlisted_row(k, call, s, |s, targets| {
            tail_hits_of(s, comps, Some(targets))
        })
    {
        return row;
    }
    let fast = tails.is_some();
    let mut hits = match tails {
        Some(comps) => tail_hits_of(s, comps, None),
        None => exact(s),
    };
    let Some(k) = options.n_nearest else {
        return hits.into_iter().enumerate().collect();
    };
    let sort = |hits: &[Hit], head: usize| {
        let p: Vec<f64> = hits.iter().map(|h| h.p_value).collect();
        nearest::numba_argsort_head(&p, head)
    };
    let mut order = sort(&hits, k + 1);
    let key = |t: usize| best_key(t, call, s);
    if fast && !ranking_is_stable(&hits, &order, k, key, || sort(&hits, hits.len())) {
        hits = exact(s);
        order = sort(&hits, k + 1);
    }
    let n_columns = k.min(call.prep.n_in);
    order
        .into_iter()
        .take(n_columns)
        .map(|t| (t, hits[t]))
        .collect()
}

/// The nearest `k` targets from the fast p-values of a [`shortlist`](shortlist::shortlist)
/// alone (`hits_of(s, targets)`: the merged hits of the given targets), when they are certain to
/// be those of every target's: the `k + 1` best shortlisted p-values clearly apart from each
/// other and clearly below every floor. `None`: rank every target.
fn shortlisted_row(
    k: usize,
    call: &Call,
    s: &QueryScratch,
    hits_of: impl FnOnce(&QueryScratch, &[usize]) -> Vec<Hit>,
) -> Option<Vec<(usize, Hit)>> {
    let prep = call.prep;
    let totals: Vec<i64> = (0..prep.n_in).map(|t| best_key(t, call, s).1).collect();
    let list = shortlist::shortlist(&prep.lens[..prep.n_in], &totals, k + 2)?;
    let hits = hits_of(s, &list.targets);
    // Positions in the shortlist, by p-value (ties by target: any order will do, they are
    // rejected below).
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by(|&a, &b| hits[a].p_value.total_cmp(&hits[b].p_value));
    let head = &order[..(k + 1).min(order.len())];
    let key = |i: usize| best_key(list.targets[i], call, s);
    let clearly_below = |a: usize, b: usize| {
        let (pa, pb) = (hits[a].p_value, hits[b].p_value);
        key(a) != key(b) && pb - pa > 1e-10 * pa.abs().max(pb.abs())
    };
    let last = *head.last()?;
    let floor_of = |t: usize| {
        list.targets
            .binary_search(&t)
            .expect("floors are shortlisted")
    };
    let certain = head.windows(2).all(|w| clearly_below(w[0], w[1]))
        && list
            .floors
            .iter()
            .all(|&t| clearly_below(last, floor_of(t)));
    certain.then(|| {
        head.iter()
            .take(k.min(prep.n_in))
            .map(|&i| (list.targets[i], hits[i]))
            .collect()
    })
}

/// The null parameters of a query of `class`.
fn null_params<'a>(class: Class, call: &Call<'a>) -> NullParams<'a> {
    NullParams {
        n_bins: call.options.n_score_bins,
        offset: class.offset() as usize,
        t_max: call.prep.t_max,
        needed: &call.prep.needed,
        n_len: call.n_len,
    }
}

/// One merged [`Hit`] per given target from the best alignments in `bests` and a p-value
/// function of (target length, best total).
fn merged_hits(
    call: &Call,
    bests: &[Best],
    mut p_value: impl FnMut(usize, i64) -> f64,
) -> Vec<Hit> {
    let prep = call.prep;
    let mut hit = |t: usize| {
        let b = bests[t];
        Hit {
            p_value: p_value(prep.lens[t], b.score),
            score: b.score,
            offset: b.offset,
            overlap: b.overlap,
            strand: 0,
        }
    };
    let n_in = prep.n_in;
    if call.options.reverse_complement {
        (0..n_in)
            .map(|t| merge_strands(hit(t), hit(t + n_in)))
            .collect()
    } else {
        (0..n_in).map(hit).collect()
    }
}

/// memelite's null for the query of [`query_bests`], bit for bit.
fn exact_hits(class: Class, call: &Call, s: &mut QueryScratch) -> Vec<Hit> {
    let nq = s.f.len() / (call.options.n_score_bins + 1);
    let survival = null_survival(&s.f, nq, &null_params(class, call), &mut s.null);
    merged_hits(call, &s.bests, |t, m| survival.p_value(&s.null, t, m))
}

/// The (target length, merged best total) of target `t`: equal keys have equal p-values.
fn best_key(t: usize, call: &Call, s: &QueryScratch) -> (usize, i64) {
    let n_in = call.prep.n_in;
    let mut m = s.bests[t].score;
    if call.options.reverse_complement {
        m = m.max(s.bests[t + n_in].score);
    }
    (call.prep.lens[t], m.max(0))
}

/// Whether the nearest-`k` ranking of fast p-values is certain to be the exact one: p-values
/// of different (target length, best total) pairs (`key`) — the only ones that can differ in
/// rounding — must be clearly apart where the ranking depends on them (within the first `k + 1`
/// places, and everywhere when those places hold ties, whose order the quicksort takes from all
/// comparisons).
fn ranking_is_stable(
    hits: &[Hit],
    head: &[usize],
    k: usize,
    key: impl Fn(usize) -> (usize, i64),
    full_order: impl FnOnce() -> Vec<usize>,
) -> bool {
    let apart = |a: usize, b: usize| {
        let (pa, pb) = (hits[a].p_value, hits[b].p_value);
        key(a) == key(b) || (pb - pa).abs() > 1e-10 * pa.abs().max(pb.abs())
    };
    let head = &head[..(k + 1).min(head.len())];
    if !head.windows(2).all(|w| apart(w[0], w[1])) {
        return false;
    }
    let ties = head.windows(2).any(|w| key(w[0]) == key(w[1]));
    !ties || full_order().windows(2).all(|w| apart(w[0], w[1]))
}

/// The fast path of a call (see [`TomtomOptions::exact`]): which queries take it, and the span
/// tails of each class.
struct FastPlan {
    use_fast: Vec<bool>,
    comps: HashMap<Class, Compositions>,
    /// The scores by symbol of each class (where they fit [`SymbolTable`]).
    tables: HashMap<Class, SymbolTable>,
}

impl FastPlan {
    fn new(query_cols: &[Vec<u32>], classes: &[Class], call: &Call) -> Self {
        let shared = call.shared;
        let row = |c: u32, class: Class| {
            shared
                .index
                .get(&(c, class))
                .map(|&k| shared.f[k].as_slice())
        };
        let support = |f: &[f64]| {
            (
                f.iter().position(|&v| v != 0.0).unwrap_or(0),
                f.iter().rposition(|&v| v != 0.0).unwrap_or(0),
            )
        };
        // Queries on the packed path (the dense one ignores span mass the tails would count).
        let use_fast: Vec<bool> = query_cols
            .par_iter()
            .zip(classes)
            .map(|(cols, &class)| {
                let Some(rows) = cols
                    .iter()
                    .map(|&c| row(c, class))
                    .collect::<Option<Vec<_>>>()
                else {
                    return false;
                };
                let (flo, fhi): (Vec<usize>, Vec<usize>) = rows.iter().map(|f| support(f)).unzip();
                null_path(&flo, &fhi, &null_params(class, call)) == NullPath::Packed
            })
            .collect();
        let mut members: HashMap<Class, Vec<usize>> = HashMap::new();
        for (q, &class) in classes.iter().enumerate() {
            if use_fast[q] {
                members.entry(class).or_default().push(q);
            }
        }
        let prep = call.prep;
        let tables = members
            .keys()
            .filter_map(|&class| {
                let rows: Vec<Option<&[i32]>> = (0..call.columns.len() as u32)
                    .map(|c| {
                        shared
                            .index
                            .get(&(c, class))
                            .map(|&k| shared.rows[k].as_slice())
                    })
                    .collect();
                Some((class, SymbolTable::new(&rows, prep, &call.padding.bases)?))
            })
            .collect();
        let comps = members
            .into_iter()
            .map(|(class, qs)| {
                let keys: KeySet = qs
                    .par_iter()
                    .fold(KeySet::default, |mut keys, &q| {
                        let prefix = prefix_keys(&query_cols[q]);
                        for_each_span(prefix.len() - 1, prep.t_max, &prep.needed, |i, j| {
                            keys.insert(prefix[j + 1] - prefix[i]);
                        });
                        keys
                    })
                    .reduce(KeySet::default, |mut a, b| {
                        a.extend(b);
                        a
                    });
                let rows: Vec<&[f64]> = (0..call.columns.len() as u32)
                    .map(|c| row(c, class).unwrap_or(&[]))
                    .collect();
                (class, Compositions::build(keys, &rows))
            })
            .collect();
        Self {
            use_fast,
            comps,
            tables,
        }
    }

    /// The table that scans query `q` (of `class`, `nq` columns) in a batch, if it takes the
    /// fast null and its totals fit the table.
    fn table(&self, q: usize, class: Class, nq: usize) -> Option<&SymbolTable> {
        let table = self.tables.get(&class)?;
        (self.use_fast[q] && table.fits(nq)).then_some(table)
    }

    /// The composition of each span the fast null of the query reads (into `s.ids`).
    fn span_ids(&self, cols: &[u32], class: Class, call: &Call, s: &mut QueryScratch) {
        let comps = &self.comps[&class];
        let nq = cols.len();
        let prefix = prefix_keys(cols);
        s.ids.clear();
        s.ids.resize(nq * nq, u32::MAX);
        for_each_span(nq, call.prep.t_max, &call.prep.needed, |i, j| {
            s.ids[i * nq + j] = comps
                .id(prefix[j + 1] - prefix[i])
                .expect("every span's composition is built");
        });
    }
}

/// The span tails of the query of [`query_bests`], its own (into `s.spans`, ids in `s.ids`);
/// `false` where memelite's null is not the packed one.
fn own_span_tails(class: Class, call: &Call, s: &mut QueryScratch) -> bool {
    let nq = s.f.len() / (call.options.n_score_bins + 1);
    let Some(pdfs) = null::packed_span_pdfs(&s.f, nq, &null_params(class, call), &mut s.null)
    else {
        return false;
    };
    s.spans.assign(pdfs);
    s.ids.clear();
    s.ids.extend(0..(nq * nq) as u32);
    true
}

/// One merged [`Hit`] per given target (every target for `None`), in order, p-values from the
/// span tails of `query`.
fn tail_hits(
    query: &TailQuery,
    call: &Call,
    bests: &[Best],
    targets: Option<&[usize]>,
) -> Vec<Hit> {
    let (prep, n_in) = (call.prep, call.prep.n_in);
    let rc = call.options.reverse_complement;
    let target = |i: usize| targets.map_or(i, |ts| ts[i]);
    let n = targets.map_or(n_in, <[usize]>::len);
    // min(p_fwd, p_rc) is the p-value of the larger best total (same length).
    let mut requests: Vec<Request> = (0..n)
        .map(|i| {
            let t = target(i);
            let m = if rc {
                bests[t].score.max(bests[t + n_in].score)
            } else {
                bests[t].score
            };
            Request {
                t: prep.lens[t],
                m,
                target: i,
                p: 1.0,
            }
        })
        .collect();
    query.p_values(&mut requests);
    let mut p = vec![1.0; n];
    for r in &requests {
        p[r.target] = r.p;
    }
    let hit = |i: usize, b: usize| {
        let best = bests[b];
        Hit {
            p_value: p[i],
            score: best.score,
            offset: best.offset,
            overlap: best.overlap,
            strand: 0,
        }
    };
    (0..n)
        .map(|i| {
            let t = target(i);
            if rc {
                merge_strands(hit(i, t), hit(i, t + n_in))
            } else {
                hit(i, t)
            }
        })
        .collect()
}

/// Composition keys of a query's prefixes: `keys[j]` counts the symbols of columns `0..j`.
fn prefix_keys(cols: &[u32]) -> Vec<u64> {
    let mut keys = Vec::with_capacity(cols.len() + 1);
    keys.push(0u64);
    for &c in cols {
        keys.push(keys[keys.len() - 1] + unit(c as u8));
    }
    keys
}
