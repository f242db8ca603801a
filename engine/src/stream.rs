//! Genome-wide runs: attributions, seqlets and annotations of a block of loci (a [`Shard`]),
//! read from and written to files chunk by chunk, so memory is bounded by the chunk and batch
//! sizes, not by the number of loci. Results equal the in-memory functions' exactly, and the
//! outputs of the shards `0/N .. N-1/N`, concatenated (`motiflift merge`), equal the whole run.
//!
//! ```no_run
//! use burn::backend::{Autodiff, Flex};
//! use motiflift::attribute::{DeepLiftShapOptions, References};
//! use motiflift::io::npy_stream::NpyReader;
//! use motiflift::shard::Shard;
//! use motiflift::stream::{ReferenceSource, attribute_to_files};
//! # fn model() -> motiflift_models::Graph<Autodiff<Flex>> { unimplemented!() }
//! let mut x = NpyReader::open("X.npy")?;
//! let rows = "1/4".parse::<Shard>()?.range(x.n_rows());
//! let mut refs = ReferenceSource::Memory(References::Shuffle { n_shuffles: 20, random_state: 0 });
//! let summary = attribute_to_files::<Flex, _>(&model(), &mut x, &mut refs, rows,
//!     &DeepLiftShapOptions::default(), "A.1.npy".as_ref(), None, &Default::default(), |_| {})?;
//! println!("{} loci", summary.n_loci);
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::ops::Range;
use std::path::Path;

use arrow::record_batch::RecordBatch;
use burn::backend::Autodiff;
use burn::tensor::backend::Backend;
use motiflift_kernels::seqlets::{StreamingRecursive, sort_by_p_value};
use motiflift_kernels::tomtom::TomtomOptions;
use ndarray::{Array2, Array3, Array4, Ix3, Ix4};

use crate::annotate::{Annotations, annotate_seqlets_with};
use crate::attribute::{DeepLiftShapOptions, Explain, References, deep_lift_shap_with};
use crate::io::meme::Motif;
use crate::io::npy_stream::{NpyReader, NpyWriter};
use crate::seqlets::{RecursiveOptions, seqlet_table_of, summed_attributions};
use crate::shard::{CHUNK_LOCI, chunks};
use crate::{Error, Result};

/// Where the references of [`attribute_to_files`] come from.
///
/// ```
/// use motiflift::attribute::References;
/// use motiflift::stream::ReferenceSource;
/// let r = ReferenceSource::Memory(References::PerLocus { n_shuffles: 3, random_state: 1 });
/// assert_eq!(r.n_shuffles(), 3);
/// ```
#[derive(Debug)]
pub enum ReferenceSource<'a> {
    /// Any [`References`], indexed by the loci's global indices: [`References::PerLocus`]
    /// seeds locus `i` with `random_state + i` and [`References::Given`] holds a row for every
    /// locus of `X`, whichever rows are attributed.
    Memory(References<'a>),
    /// Explicit references `(n, k, 4, L)` in a file, read chunk by chunk alongside `X`.
    File(&'a mut NpyReader),
}

impl ReferenceSource<'_> {
    /// References per locus.
    ///
    /// ```
    /// let r = motiflift::attribute::References::Shuffle { n_shuffles: 20, random_state: 0 };
    /// assert_eq!(motiflift::stream::ReferenceSource::Memory(r).n_shuffles(), 20);
    /// ```
    pub fn n_shuffles(&self) -> usize {
        match self {
            Self::Memory(r) => r.n_shuffles(),
            Self::File(r) => r.shape().get(1).copied().unwrap_or(0),
        }
    }
}

/// The references of the loci `chunk` (global indices) as [`deep_lift_shap_with`] takes them
/// for that chunk alone.
fn chunk_references<'s>(refs: &'s References<'_>, chunk: Range<usize>) -> References<'s> {
    match refs {
        References::Shuffle { n_shuffles, random_state } => {
            References::Shuffle { n_shuffles: *n_shuffles, random_state: *random_state }
        }
        References::PerLocus { n_shuffles, random_state } => References::PerLocus {
            n_shuffles: *n_shuffles,
            random_state: random_state.wrapping_add(chunk.start as u64),
        },
        References::Given(r) => References::Given(r.slice(ndarray::s![chunk, .., .., ..])),
    }
}

/// What [`attribute_to_files`] did.
///
/// ```
/// let s = motiflift::stream::AttributeSummary::default();
/// assert_eq!((s.n_loci, s.n_warnings), (0, 0));
/// ```
#[derive(Debug, Clone, Default)]
pub struct AttributeSummary {
    /// Loci attributed.
    pub n_loci: usize,
    /// Pairs whose convergence delta exceeds the threshold.
    pub n_warnings: usize,
    /// The first ten of those warnings (global locus indices).
    pub warnings: Vec<String>,
}

/// DeepLIFT/SHAP of the loci `rows` (global indices) of `x` `(n, 4, L)`, written as float32
/// `(rows.len(), 4, L)` to `out` and, when given, the deltas `(rows.len(), k)` to `deltas`.
/// Both files appear only when complete. `progress` gets the pairs finished.
///
/// See the module docs for an example.
#[allow(clippy::too_many_arguments)]
pub fn attribute_to_files<B, M>(
    model: &M,
    x: &mut NpyReader,
    references: &mut ReferenceSource,
    rows: Range<usize>,
    options: &DeepLiftShapOptions,
    out: &Path,
    deltas: Option<&Path>,
    device: &B::Device,
    mut progress: impl FnMut(u64),
) -> Result<AttributeSummary>
where
    B: Backend,
    M: Explain<Autodiff<B>>,
{
    let shape = x.shape().to_vec();
    if shape.len() != 3 {
        return Err(Error::File {
            path: x.path().to_path_buf(),
            message: format!("expected one-hot loci (n, 4, L), found shape {shape:?}"),
        });
    }
    let k = references.n_shuffles();
    let given = match &*references {
        ReferenceSource::File(r) => Some((Some(r.path().to_path_buf()), r.shape().to_vec())),
        ReferenceSource::Memory(References::Given(r)) => Some((None, r.shape().to_vec())),
        ReferenceSource::Memory(_) => None,
    };
    if let Some((path, rs)) = given
        && (rs.len() != 4 || rs[0] != shape[0] || rs[2] != shape[1] || rs[3] != shape[2])
    {
        let message = format!(
            "expected references (n={}, k, {}, {}) for {}, found shape {rs:?}",
            shape[0],
            shape[1],
            shape[2],
            x.path().display()
        );
        return Err(match path {
            Some(path) => Error::File { path, message },
            None => Error::Invalid(message),
        });
    }
    if rows.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: no loci to attribute in rows {rows:?} (the file has {})",
            x.path().display(),
            shape[0]
        )));
    }
    let mut a_out = NpyWriter::new::<f32>(out, &shape[1..], rows.len())?;
    let mut d_out = deltas.map(|p| NpyWriter::new::<f32>(p, &[k], rows.len())).transpose()?;
    let mut summary = AttributeSummary { n_loci: rows.len(), ..Default::default() };
    // Whole batches per chunk keep the batches of a single run where they fit.
    let per_chunk = CHUNK_LOCI.max(options.batch_size.div_ceil(k.max(1)));
    for chunk in chunks(rows, per_chunk) {
        let first = chunk.start;
        let xc: Array3<u8> = x.read_onehot(chunk.clone())?.into_dimensionality::<Ix3>().map_err(|e| {
            Error::File { path: x.path().to_path_buf(), message: format!("internal shape error: {e}") }
        })?;
        let read: Option<Array4<u8>> = match &mut *references {
            ReferenceSource::File(r) => Some(r.read_onehot(chunk.clone())?.into_dimensionality::<Ix4>().map_err(
                |e| Error::File { path: r.path().to_path_buf(), message: format!("internal shape error: {e}") },
            )?),
            ReferenceSource::Memory(_) => None,
        };
        let refs = match (&*references, &read) {
            (ReferenceSource::Memory(m), _) => chunk_references(m, chunk.clone()),
            (ReferenceSource::File(_), Some(r)) => References::Given(r.view()),
            (ReferenceSource::File(r), None) => {
                return Err(Error::File { path: r.path().to_path_buf(), message: "internal: references not read".into() });
            }
        };
        let mut next = 0;
        deep_lift_shap_with::<B, M>(model, xc.view(), &refs, options, device, &mut progress, |ex| {
            if ex.index != next {
                return Err(Error::Invalid(format!("internal: example {} finished before {next}", ex.index)));
            }
            next += 1;
            a_out.write(&ex.values)?;
            if let Some(d) = &mut d_out {
                d.write(&ex.deltas)?;
            }
            for (j, delta) in ex.deltas.iter().enumerate() {
                if *delta > options.warning_threshold {
                    summary.n_warnings += 1;
                    if summary.warnings.len() < 10 {
                        summary.warnings.push(format!(
                            "locus {}, reference {j}: convergence delta {delta:e} exceeds {:e}",
                            first + ex.index,
                            options.warning_threshold
                        ));
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| renumber(e, first))?;
    }
    a_out.finish()?;
    if let Some(d) = d_out {
        d.finish()?;
    }
    Ok(summary)
}

/// An error about example `i` of a chunk, renumbered to the global locus `first + i`.
fn renumber(e: Error, first: usize) -> Error {
    use motiflift_kernels::Error as K;
    match e {
        Error::Kernel(K::IdenticalShuffles { index }) => Error::Kernel(K::IdenticalShuffles { index: index + first }),
        Error::Kernel(K::NotOneHot { what, index, position, reason }) => {
            Error::Kernel(K::NotOneHot { what, index: index + first, position, reason })
        }
        Error::Invalid(m) if first > 0 => Error::Invalid(format!("{m} (in the chunk starting at locus {first})")),
        other => other,
    }
}

/// `(rows, L)` summed attributions of rows `rows` of an `(n, L)` or `(n, A, L)` file.
fn summed_rows(a: &mut NpyReader, rows: Range<usize>) -> Result<Array2<f32>> {
    let chunk = a.read_f32(rows)?;
    summed_attributions(chunk.view()).map_err(|e| Error::File { path: a.path().to_path_buf(), message: e.to_string() })
}

/// tangermeme's `recursive_seqlets` on the attributions in `a` (`(n, L)` or `(n, A, L)`,
/// float32), calling only the loci `rows` (global `example_idx`): the null is built from every
/// locus of the file, read chunk by chunk, so the result is exactly that of
/// [`recursive_seqlets`](crate::seqlets::recursive_seqlets) on the whole array restricted to
/// those loci, in the same order (p-value, ties by locus).
///
/// ```no_run
/// use motiflift::io::npy_stream::NpyReader;
/// let mut a = NpyReader::open("A.npy")?;
/// let rows = 0..a.n_rows();
/// let table = motiflift::stream::recursive_seqlets_file(&mut a, rows, &Default::default())?;
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn recursive_seqlets_file(a: &mut NpyReader, rows: Range<usize>, options: &RecursiveOptions) -> Result<RecordBatch> {
    let shape = a.shape().to_vec();
    if !(2..=3).contains(&shape.len()) {
        return Err(Error::File {
            path: a.path().to_path_buf(),
            message: format!("attributions must have shape (n, L) or (n, alphabet, L), got {shape:?}"),
        });
    }
    let n = shape[0];
    if n == 0 {
        return Err(Error::File { path: a.path().to_path_buf(), message: "no loci (empty array)".into() });
    }
    let l = shape[shape.len() - 1];
    let path = a.path().to_path_buf();
    let in_file = |e: motiflift_kernels::Error| Error::File { path: path.clone(), message: e.to_string() };
    let mut caller = StreamingRecursive::<f32>::new(options.clone()).map_err(Error::Kernel)?;
    for c in chunks(0..n, CHUNK_LOCI) {
        let s = summed_rows(a, c)?;
        caller.observe_extremes(s.as_slice().unwrap_or(&[]), l).map_err(in_file)?;
    }
    for c in chunks(0..n, CHUNK_LOCI) {
        let s = summed_rows(a, c)?;
        caller.observe_histogram(s.as_slice().unwrap_or(&[])).map_err(in_file)?;
    }
    let mut called = Vec::new();
    for c in chunks(rows, CHUNK_LOCI) {
        let first = c.start;
        let s = summed_rows(a, c)?;
        called.extend(caller.call(s.as_slice().unwrap_or(&[]), l, first).map_err(in_file)?);
    }
    seqlet_table_of(&sort_by_p_value(called), true)
}

/// [`annotate_seqlets_with`] for seqlets `(example_idx, start, end)` (global indices) of the
/// one-hot loci in `x`, reading only the loci that hold seqlets, a chunk at a time. The result
/// is in the order of `seqlets`.
///
/// ```no_run
/// use motiflift::io::npy_stream::NpyReader;
/// # let motifs: Vec<motiflift::io::meme::Motif> = vec![];
/// let mut x = NpyReader::open("X.npy")?;
/// let hits = motiflift::stream::annotate_seqlets_file(&mut x, &[[0, 5, 15]], &motifs, &Default::default())?;
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn annotate_seqlets_file(
    x: &mut NpyReader,
    seqlets: &[[i64; 3]],
    motifs: &[Motif],
    options: &TomtomOptions,
) -> Result<Annotations> {
    let n = x.n_rows();
    // One call on no seqlets gives the empty result with the right width (and the checks).
    let empty = annotate_seqlets_with(Array3::<u8>::zeros((0, 4, 1)).view(), &[], motifs, options)?;
    let k = empty.motif_indices.ncols();
    if seqlets.is_empty() {
        return Ok(empty);
    }
    let mut order: Vec<usize> = (0..seqlets.len()).collect();
    order.sort_by_key(|&i| seqlets[i][0]);
    let len = x.shape().get(2).copied().unwrap_or(0) as i64;
    for (i, &[e, s, t]) in seqlets.iter().enumerate() {
        let why = if e < 0 || e as usize >= n {
            format!("example index outside X, which holds {n} examples")
        } else if s < 0 || t <= s {
            "empty or negative span; a seqlet needs start < end".into()
        } else if t > len {
            format!("ends past the sequence, which has length {len}")
        } else {
            continue;
        };
        return Err(Error::Invalid(format!("seqlet {i} (example {e}, [{s}, {t})): {why}")));
    }
    // Every chunk's Tomtom call sees the longest seqlet of all, so its p-values are one call's.
    let longest = seqlets.iter().map(|&[_, s, t]| (t - s) as usize).max().unwrap_or(0);
    let options = &TomtomOptions {
        longest_query: Some(longest.max(options.longest_query.unwrap_or(0))),
        ..options.clone()
    };
    let mut idx = Array2::<i32>::zeros((seqlets.len(), k));
    let mut pv = Array2::<f64>::zeros((seqlets.len(), k));
    let mut at = 0;
    while at < order.len() {
        // The seqlets of the loci [lo, lo + CHUNK_LOCI).
        let lo = seqlets[order[at]][0] as usize;
        let hi = (lo + CHUNK_LOCI).min(n);
        let end = at + order[at..].partition_point(|&i| (seqlets[i][0] as usize) < hi);
        let group = &order[at..end];
        let last = group.iter().map(|&i| seqlets[i][0] as usize).max().unwrap_or(lo);
        let xc = x.read_onehot(lo..last + 1)?.into_dimensionality::<Ix3>().map_err(|e| Error::File {
            path: x.path().to_path_buf(),
            message: format!("expected one-hot loci (n, 4, L): {e}"),
        })?;
        let local: Vec<[i64; 3]> = group.iter().map(|&i| [seqlets[i][0] - lo as i64, seqlets[i][1], seqlets[i][2]]).collect();
        let hits = annotate_seqlets_with(xc.view(), &local, motifs, options).map_err(|e| match e {
            Error::Invalid(m) => Error::Invalid(format!("{m} (locus {lo} onwards)")),
            other => other,
        })?;
        for (r, &i) in group.iter().enumerate() {
            idx.row_mut(i).assign(&hits.motif_indices.row(r));
            pv.row_mut(i).assign(&hits.p_values.row(r));
        }
        at = end;
    }
    Ok(Annotations { motif_indices: idx, p_values: pv })
}

