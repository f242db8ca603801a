//! Seqlet calling on attribution arrays (tangermeme's `recursive_seqlets` and
//! `tfmodisco_seqlets`), returning Arrow tables with tangermeme's columns.
//!
//! Attributions may be `(n, L)` (already summed over the alphabet) or `(n, A, L)` (e.g. the
//! projected attributions of `deep_lift_shap`), which are summed over the alphabet first, in
//! order, as `X_attr.sum(dim=1)` does.
//!
//! ```
//! use motiflift::seqlets::{recursive_seqlets, RecursiveOptions};
//! let mut x = ndarray::Array3::<f32>::zeros((2, 4, 120));
//! for (t, v) in x.slice_mut(ndarray::s![.., 0, ..]).iter_mut().enumerate() {
//!     *v = 0.01 * ((t * 37 % 11) as f32 - 5.0);
//! }
//! x.slice_mut(ndarray::s![1, 2, 60..68]).fill(1.0);
//! let table = recursive_seqlets(x.view().into_dyn(), &RecursiveOptions::default())?;
//! assert_eq!(table.schema().field(4).name(), "p-value");
//! assert!(table.num_rows() >= 1);
//! # Ok::<(), motiflift::Error>(())
//! ```

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use ndarray::{Array2, ArrayViewD, Axis};

use motiflift_kernels::seqlets::{self as kernel, Attribution, Seqlet};
pub use motiflift_kernels::seqlets::{FdrRow, RecursiveOptions, TfmodiscoOptions};

use crate::{Error, Result};

/// Column names of a seqlet table, in order (tangermeme's).
pub const SEQLET_COLUMNS: [&str; 5] = ["example_idx", "start", "end", "attribution", "p-value"];

/// Schema of `recursive_seqlets` tables: `example_idx start end` (Int64), `attribution
/// p-value` (Float64). `tfmodisco_seqlets` tables have the first four columns.
///
/// ```
/// let s = motiflift::seqlets::seqlet_schema(true);
/// assert_eq!(s.fields().len(), 5);
/// assert_eq!(motiflift::seqlets::seqlet_schema(false).fields().len(), 4);
/// ```
pub fn seqlet_schema(with_p_value: bool) -> SchemaRef {
    let n = if with_p_value { 5 } else { 4 };
    Arc::new(Schema::new(
        SEQLET_COLUMNS[..n]
            .iter()
            .enumerate()
            .map(|(i, name)| Field::new(*name, if i < 3 { DataType::Int64 } else { DataType::Float64 }, false))
            .collect::<Vec<_>>(),
    ))
}

/// Schema of the FDR table: `threshold` (Float64), `n_seqlets`, `n_control_seqlets` (UInt64),
/// `fdr` (Float64, NaN where no seqlet is called on `X`).
///
/// ```
/// assert_eq!(motiflift::seqlets::fdr_schema().field(3).name(), "fdr");
/// ```
pub fn fdr_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("threshold", DataType::Float64, false),
        Field::new("n_seqlets", DataType::UInt64, false),
        Field::new("n_control_seqlets", DataType::UInt64, false),
        Field::new("fdr", DataType::Float64, false),
    ]))
}

/// `(n, L)` attributions in standard layout: a copy of a rank-2 array, or a rank-3 `(n, A, L)`
/// array summed over its second axis in alphabet order (from zero, as torch's `sum(dim=1)`,
/// which gives bit-identical float32 sums).
///
/// ```
/// let x = ndarray::array![[[1.0f32, 2.0], [0.5, 0.0]]];
/// let s = motiflift::seqlets::summed_attributions(x.view().into_dyn())?;
/// assert_eq!(s, ndarray::array![[1.5f32, 2.0]]);
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn summed_attributions<A>(x: ArrayViewD<'_, A>) -> Result<Array2<A>>
where
    A: Attribution + Default + std::ops::Add<Output = A>,
{
    let shape = x.shape().to_vec();
    let summed = match shape.len() {
        2 => x.to_owned(),
        3 => x.fold_axis(Axis(1), A::default(), |&acc, &v| acc + v),
        _ => {
            return Err(Error::Invalid(format!(
                "attributions must have shape (n, L) or (n, alphabet, L), got {shape:?}"
            )));
        }
    };
    let (n, l) = (shape[0], shape[shape.len() - 1]);
    Array2::from_shape_vec((n, l), summed.iter().copied().collect()).map_err(|e| Error::Invalid(e.to_string()))
}

/// tangermeme's `recursive_seqlets` on `(n, L)` or `(n, A, L)` attributions (`f32` or `f64`,
/// which keep their own rounding): a table with [`seqlet_schema`]`(true)`, sorted by p-value.
///
/// ```
/// use motiflift::seqlets::{recursive_seqlets, RecursiveOptions};
/// let x = ndarray::Array2::<f64>::zeros((3, 50));
/// let err = recursive_seqlets(x.view().into_dyn(), &RecursiveOptions { threshold: 0.0, ..Default::default() });
/// assert!(err.unwrap_err().to_string().contains("threshold"));
/// ```
pub fn recursive_seqlets<A>(x: ArrayViewD<'_, A>, options: &RecursiveOptions) -> Result<RecordBatch>
where
    A: Attribution + Default + std::ops::Add<Output = A>,
{
    let x = summed_attributions(x)?;
    let (n, l) = x.dim();
    let rows = kernel::recursive_seqlets(contiguous(&x), n, l, options)?;
    seqlet_table(&rows, true)
}

/// The result of [`recursive_seqlets_fdr`].
///
/// ```
/// use motiflift::seqlets::{recursive_seqlets_fdr, RecursiveOptions};
/// let x = ndarray::Array2::<f32>::from_elem((2, 50), 0.5);
/// // A constant input has no seqlets at any threshold: no threshold, and a warning.
/// let r = recursive_seqlets_fdr(x.view().into_dyn(), x.view().into_dyn(), &RecursiveOptions::default(), 0.1)?;
/// assert_eq!((r.seqlets.num_rows(), r.threshold), (0, None));
/// assert!(r.warning.unwrap().contains("no seqlets are called on X"));
/// # Ok::<(), motiflift::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FdrSeqlets {
    /// The seqlets, as [`recursive_seqlets`] returns them (empty when no threshold qualifies).
    pub seqlets: RecordBatch,
    /// One row per threshold, largest first ([`fdr_schema`]).
    pub fdr: RecordBatch,
    /// The threshold the seqlets were called at.
    pub threshold: Option<f64>,
    /// tangermeme's warning when no threshold reaches the target.
    pub warning: Option<String>,
}

/// `recursive_seqlets(X, X_control=control, target_fdr=...)`: the threshold is the largest of
/// `logspace(-1, -30, 117)` whose estimated FDR (from the seqlets called on `control` with the
/// bins and null of `x`) is at most `target_fdr`; `options.threshold` is ignored.
///
/// ```
/// use motiflift::seqlets::{recursive_seqlets_fdr, RecursiveOptions};
/// let noise = |i: usize| (((i * 7919) % 97) as f32 - 48.0) * 1e-3;
/// let x = ndarray::Array2::from_shape_fn((4, 300), |(i, t)| {
///     noise(i * 300 + t) + if (100..110).contains(&t) { 0.5 } else { 0.0 }
/// });
/// let c = ndarray::Array2::from_shape_fn((8, 300), |(i, t)| noise(i * 300 + t + 13));
/// let r = recursive_seqlets_fdr(x.view().into_dyn(), c.view().into_dyn(), &RecursiveOptions::default(), 0.1)?;
/// assert_eq!(r.fdr.num_rows(), 117);
/// assert!(r.threshold.is_some() && r.warning.is_none());
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn recursive_seqlets_fdr<A>(
    x: ArrayViewD<'_, A>,
    control: ArrayViewD<'_, A>,
    options: &RecursiveOptions,
    target_fdr: f64,
) -> Result<FdrSeqlets>
where
    A: Attribution + Default + std::ops::Add<Output = A>,
{
    let x = summed_attributions(x)?;
    let control = summed_attributions(control)?;
    let ((n, l), (nc, lc)) = (x.dim(), control.dim());
    let r = kernel::recursive_seqlets_fdr(contiguous(&x), n, l, contiguous(&control), nc, lc, options, target_fdr)?;
    Ok(FdrSeqlets {
        seqlets: seqlet_table(&r.seqlets, true)?,
        fdr: fdr_table(&r.table)?,
        threshold: r.threshold,
        warning: r.warning(target_fdr),
    })
}

/// tangermeme's `tfmodisco_seqlets` on `(n, L)` or `(n, A, L)` float32 attributions: a table
/// with [`seqlet_schema`]`(false)`, ordered by example, then by extraction.
///
/// ```
/// use motiflift::seqlets::{tfmodisco_seqlets, TfmodiscoOptions};
/// let x = ndarray::Array2::<f32>::zeros((0, 100));
/// assert!(tfmodisco_seqlets(x.view().into_dyn(), &TfmodiscoOptions::default()).is_err());
/// ```
pub fn tfmodisco_seqlets(x: ArrayViewD<'_, f32>, options: &TfmodiscoOptions) -> Result<RecordBatch> {
    let x = summed_attributions(x)?;
    let (n, l) = x.dim();
    let rows = kernel::tfmodisco_seqlets(contiguous(&x), n, l, options)?;
    seqlet_table(&rows, false)
}

/// The data of an array built by [`summed_attributions`] (standard layout, so never empty
/// unless the array is).
fn contiguous<A>(x: &Array2<A>) -> &[A] {
    x.as_slice().unwrap_or(&[])
}

/// A seqlet table ([`seqlet_schema`]) of kernel seqlets, in their order.
///
/// ```
/// use motiflift_kernels::seqlets::Seqlet;
/// let s = Seqlet { example_idx: 3, start: 5, end: 9, attribution: 0.5, p_value: 1e-3 };
/// let t = motiflift::seqlets::seqlet_table_of(&[s], true)?;
/// assert_eq!((t.num_rows(), t.num_columns()), (1, 5));
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn seqlet_table_of(rows: &[Seqlet], with_p_value: bool) -> Result<RecordBatch> {
    seqlet_table(rows, with_p_value)
}

fn seqlet_table(rows: &[Seqlet], with_p_value: bool) -> Result<RecordBatch> {
    let int = |f: fn(&Seqlet) -> usize| -> ArrayRef { Arc::new(rows.iter().map(|s| f(s) as i64).collect::<Int64Array>()) };
    let mut columns = vec![
        int(|s| s.example_idx),
        int(|s| s.start),
        int(|s| s.end),
        Arc::new(rows.iter().map(|s| s.attribution).collect::<Float64Array>()) as ArrayRef,
    ];
    if with_p_value {
        columns.push(Arc::new(rows.iter().map(|s| s.p_value).collect::<Float64Array>()));
    }
    RecordBatch::try_new(seqlet_schema(with_p_value), columns).map_err(|e| Error::Invalid(e.to_string()))
}

fn fdr_table(rows: &[FdrRow]) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.threshold).collect::<Float64Array>()),
        Arc::new(rows.iter().map(|r| r.n_seqlets).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.n_control_seqlets).collect::<UInt64Array>()),
        Arc::new(rows.iter().map(|r| r.fdr).collect::<Float64Array>()),
    ];
    RecordBatch::try_new(fdr_schema(), columns).map_err(|e| Error::Invalid(e.to_string()))
}
