//! Seqlet annotation with Tomtom and annotation counting (tangermeme's `annotate` module,
//! ALGORITHMS §6).
//!
//! ```
//! use motiflift::annotate::annotate_seqlets;
//! use motiflift::io::meme::Motif;
//! // Example 0 reads ACGTACGTTTGACTCATCC; two seqlets, two motifs.
//! let seq = b"ACGTACGTTTGACTCATCC";
//! let mut x = ndarray::Array3::<u8>::zeros((1, 4, seq.len()));
//! for (i, b) in seq.iter().enumerate() {
//!     x[[0, b"ACGT".iter().position(|c| c == b).unwrap(), i]] = 1;
//! }
//! let pwm = |s: &[u8]| ndarray::Array2::from_shape_fn((4, s.len()), |(r, c)| {
//!     if b"ACGT"[r] == s[c] { 0.85 } else { 0.05 }
//! });
//! let motifs = [
//!     Motif { name: "AP1".into(), pwm: pwm(b"TGACTCA") },
//!     Motif { name: "CACGTG".into(), pwm: pwm(b"CACGTG") },
//! ];
//! let hits = annotate_seqlets(x.view(), &[[0, 9, 16], [0, 0, 6]], &motifs, 1)?;
//! assert_eq!(hits.motif_indices[[0, 0]], 0);
//! assert_eq!(hits.p_values.shape(), [2, 1]);
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::io::BufRead;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use arrow::record_batch::RecordBatch;
use ndarray::{Array2, ArrayView3};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub use motiflift_kernels::counts::{
    Counts, count_annotations, pairwise_annotations, pairwise_annotations_spacing,
};
use motiflift_kernels::tomtom::{self, TomtomOptions};

use crate::io::meme::Motif;
use crate::io::table::read_table;
use crate::{Error, Result};

/// The best Tomtom matches of each seqlet: `(n_seqlets, n_nearest)` motif indices (into the
/// motif list, best first) and their p-values. No significance threshold is applied.
///
/// ```
/// let a = motiflift::annotate::Annotations {
///     motif_indices: ndarray::Array2::zeros((0, 1)),
///     p_values: ndarray::Array2::zeros((0, 1)),
/// };
/// assert_eq!(a.motif_indices.ncols(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Annotations {
    /// Motif indices, `int32` as tangermeme returns them.
    pub motif_indices: Array2<i32>,
    /// Tomtom p-values.
    pub p_values: Array2<f64>,
}

/// Annotates each seqlet `(example_idx, start, end)` with its `n_nearest` best Tomtom matches
/// among `motifs` (tangermeme `annotate_seqlets`, Tomtom defaults): the query is the one-hot
/// slice `X[example_idx, :, start:end]` (N columns stay all-zero), the targets are the motif
/// matrices in list order, the nearest are ranked by p-value. `n_nearest` above the number of
/// motifs returns every motif. No seqlets give empty arrays.
///
/// Tomtom runs with [`TomtomOptions::default`]: the fast one-hot null, whose motif indices are
/// tangermeme's and whose p-values equal tangermeme's up to rounding (below 1e-12 relative);
/// [`annotate_seqlets_with`] and `exact: true` give tangermeme's p-values bit for bit.
///
/// Errors, naming the seqlet (its 0-based row): an empty span, a span past the end of the
/// sequence, an example index outside `X`; a motif that is not `(4, w)`; and the Tomtom errors
/// (every seqlet all-N, a non-finite motif value).
///
/// ```
/// # use motiflift::annotate::annotate_seqlets;
/// let x = ndarray::Array3::<u8>::zeros((1, 4, 10));
/// let motifs = [motiflift::io::meme::Motif { name: "m".into(), pwm: ndarray::Array2::from_elem((4, 3), 0.25) }];
/// let err = annotate_seqlets(x.view(), &[[0, 8, 12]], &motifs, 1).unwrap_err();
/// assert!(err.to_string().contains("seqlet 0"));
/// ```
pub fn annotate_seqlets(
    x: ArrayView3<'_, u8>,
    seqlets: &[[i64; 3]],
    motifs: &[Motif],
    n_nearest: usize,
) -> Result<Annotations> {
    annotate_seqlets_with(
        x,
        seqlets,
        motifs,
        &TomtomOptions {
            n_nearest: Some(n_nearest),
            ..TomtomOptions::default()
        },
    )
}

/// [`annotate_seqlets`] with every Tomtom parameter (tangermeme's `**kwargs`); `options.n_nearest`
/// is the number of matches kept (`None` keeps every motif, in p-value order).
///
/// ```
/// # use motiflift::annotate::annotate_seqlets_with;
/// use motiflift_kernels::tomtom::TomtomOptions;
/// let mut x = ndarray::Array3::<u8>::zeros((1, 4, 4));
/// for i in 0..4 { x[[0, i, i]] = 1; }
/// let motifs: Vec<_> = (0..3).map(|k| motiflift::io::meme::Motif {
///     name: format!("m{k}"),
///     pwm: ndarray::Array2::from_shape_fn((4, 2), |(r, c)| if (r + c + k) % 4 == 0 { 0.7 } else { 0.1 }),
/// }).collect();
/// let o = TomtomOptions { n_nearest: None, reverse_complement: false, ..Default::default() };
/// let hits = annotate_seqlets_with(x.view(), &[[0, 0, 4]], &motifs, &o)?;
/// assert_eq!(hits.motif_indices.shape(), [1, 3]);
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn annotate_seqlets_with(
    x: ArrayView3<'_, u8>,
    seqlets: &[[i64; 3]],
    motifs: &[Motif],
    options: &TomtomOptions,
) -> Result<Annotations> {
    if options.n_nearest == Some(0) {
        return Err(Error::Invalid("n_nearest must be at least 1".into()));
    }
    let targets = tomtom_targets(motifs)?;
    let k = options
        .n_nearest
        .map_or(motifs.len(), |k| k.min(motifs.len()));
    if seqlets.is_empty() {
        return Ok(Annotations {
            motif_indices: Array2::zeros((0, k)),
            p_values: Array2::zeros((0, k)),
        });
    }
    let queries = seqlet_queries(x, seqlets)?;
    let options = TomtomOptions {
        n_nearest: Some(k),
        ..options.clone()
    };
    let hits = tomtom::tomtom(&queries, &targets, &options)?;
    let indices = hits.indices.unwrap_or_default();
    let motif_indices = Array2::from_shape_vec(
        (seqlets.len(), k),
        indices.iter().map(|&i| i as i32).collect(),
    )
    .map_err(|e| Error::Invalid(format!("Tomtom returned {} indices: {e}", indices.len())))?;
    let p_values = Array2::from_shape_vec((seqlets.len(), k), hits.p_values)
        .map_err(|e| Error::Invalid(format!("Tomtom returned a wrong number of p-values: {e}")))?;
    Ok(Annotations {
        motif_indices,
        p_values,
    })
}

/// Reads a seqlet or annotation table (TSV or Parquet by extension) whatever its columns: a TSV
/// column's type follows its name — `example_idx`, `start`, `end`, `motif_idx`, `rank` are
/// Int64, `motif` is text, any other is Float64 — and a Parquet file keeps its own types.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-rst-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("s.tsv");
/// std::fs::write(&path, "example_idx\tstart\tend\tattribution\n0\t5\t9\t0.5\n").unwrap();
/// let t = motiflift::annotate::read_seqlet_table(&path)?;
/// assert_eq!((t.num_rows(), t.schema().field(3).data_type()), (1, &arrow::datatypes::DataType::Float64));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_seqlet_table(path: impl AsRef<Path>) -> Result<RecordBatch> {
    let path = path.as_ref();
    let open = || std::fs::File::open(path).map_err(|e| Error::io(path, e));
    let parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"));
    let schema = if parquet {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(|e| Error::File {
                path: path.to_path_buf(),
                message: format!("not a readable Parquet file: {e}"),
            })?;
        builder.schema().as_ref().clone()
    } else {
        let mut header = String::new();
        std::io::BufReader::new(open()?)
            .read_line(&mut header)
            .map_err(|e| Error::io(path, e))?;
        let fields: Vec<Field> = header
            .trim_end_matches(['\n', '\r'])
            .split('\t')
            .map(|name| {
                let t = match name {
                    "example_idx" | "start" | "end" | "motif_idx" | "rank" => DataType::Int64,
                    "motif" => DataType::Utf8,
                    _ => DataType::Float64,
                };
                Field::new(name, t, false)
            })
            .collect();
        Schema::new(fields)
    };
    read_table(path, &schema)
}

/// The `(example_idx, start, end)` of every row of a seqlet table: its first three columns, by
/// position as tangermeme takes them, which must be Int64 without nulls.
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::Int64Array;
/// let schema = motiflift::seqlets::seqlet_schema(false);
/// let col = |v: Vec<i64>| Arc::new(Int64Array::from(v)) as arrow::array::ArrayRef;
/// let t = arrow::record_batch::RecordBatch::try_new(schema, vec![
///     col(vec![0, 2]), col(vec![5, 7]), col(vec![9, 12]),
///     Arc::new(arrow::array::Float64Array::from(vec![0.5, 0.25])),
/// ]).unwrap();
/// assert_eq!(motiflift::annotate::seqlet_rows(&t)?, [[0, 5, 9], [2, 7, 12]]);
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn seqlet_rows(table: &RecordBatch) -> Result<Vec<[i64; 3]>> {
    if table.num_columns() < 3 {
        return Err(Error::Invalid(format!(
            "a seqlet table needs (example_idx, start, end) as its first three columns; it has {}",
            table.num_columns()
        )));
    }
    let schema = table.schema();
    let cols = (0..3)
        .map(|i| {
            let c = table.column(i);
            if c.data_type() != &DataType::Int64 || c.null_count() > 0 {
                return Err(Error::Invalid(format!(
                    "seqlet table column {i} (`{}`) must hold integers without gaps, found {}",
                    schema.field(i).name(),
                    c.data_type()
                )));
            }
            Ok(c.as_primitive::<Int64Type>().values())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((0..table.num_rows())
        .map(|r| [cols[0][r], cols[1][r], cols[2][r]])
        .collect())
}

/// The motif matrices as Tomtom targets (each must be `(4, w)`).
///
/// ```
/// let m = motiflift::io::meme::Motif { name: "m".into(), pwm: ndarray::Array2::from_elem((4, 5), 0.25) };
/// assert_eq!(motiflift::annotate::tomtom_targets(&[m])?[0].width(), 5);
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn tomtom_targets(motifs: &[Motif]) -> Result<Vec<tomtom::Motif<f64>>> {
    motifs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if m.pwm.nrows() != 4 {
                return Err(Error::Invalid(format!(
                    "motif {i} ({}) has {} rows; Tomtom needs 4 (A, C, G, T)",
                    m.name,
                    m.pwm.nrows()
                )));
            }
            Ok(tomtom::Motif::new(
                m.pwm.iter().copied().collect(),
                m.width(),
            )?)
        })
        .collect()
}

/// The one-hot slices `X[example_idx, :, start:end]` of the seqlets, checked against `X`.
fn seqlet_queries(x: ArrayView3<'_, u8>, seqlets: &[[i64; 3]]) -> Result<Vec<tomtom::Motif<u8>>> {
    let (n, a, len) = x.dim();
    if a != 4 {
        return Err(Error::Invalid(format!(
            "X must be one-hot (n, 4, L); got {a} rows per example"
        )));
    }
    seqlets
        .iter()
        .enumerate()
        .map(|(i, &[e, start, end])| {
            let bad = |why: String| {
                Error::Invalid(format!("seqlet {i} (example {e}, [{start}, {end})): {why}"))
            };
            if e < 0 || e as usize >= n {
                return Err(bad(format!(
                    "example index outside X, which holds {n} examples"
                )));
            }
            if start < 0 || end <= start {
                return Err(bad(
                    "empty or negative span; a seqlet needs start < end".into()
                ));
            }
            if end as usize > len {
                return Err(bad(format!(
                    "ends past the sequence, which has length {len}"
                )));
            }
            let slice = x.slice(ndarray::s![e as usize, .., start as usize..end as usize]);
            Ok(tomtom::Motif::new(
                slice.iter().copied().collect(),
                (end - start) as usize,
            )?)
        })
        .collect()
}
