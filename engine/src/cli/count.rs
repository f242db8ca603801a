//! `motiflift count`: annotations per example and motif (tangermeme `count_annotations`), from
//! an annotated seqlet table.

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use arrow::record_batch::RecordBatch;
use clap::Args;
use ndarray::ArrayD;

use super::Context;
use crate::annotate::{count_annotations, read_seqlet_table};
use crate::io::meme::read_meme;
use crate::io::npy::write_npy;
use crate::{Error, Result};

/// Arguments of `motiflift count`.
///
/// Writes a `uint32` `.npy`: `(n_examples, n_motifs)` counts of each example's seqlets annotated
/// with each motif (best match only: rows with `rank` 1 when the table has ranks), or with
/// `--dim 0` the `(n_motifs,)` totals per motif, `--dim 1` the `(n_examples,)` totals per
/// example. `n_motifs` is the size of the MEME file; `n_examples` is `--n-examples` or the
/// largest example index + 1. tangermeme counts in uint8 by default, which wraps at 256.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "count", "--annotations", "a.tsv", "--motifs", "db.meme", "--n-examples", "64", "-o", "c.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Count(args) = cli.command else { panic!("not count") };
/// assert_eq!((args.n_examples, args.dim), (Some(64), None));
/// ```
#[derive(Debug, Args)]
pub struct CountArgs {
    /// Annotated seqlet table (`motiflift annotate`'s output).
    #[arg(long, value_name = "annotated.tsv")]
    pub annotations: PathBuf,
    /// The motif database the seqlets were annotated with (for the number of motifs).
    #[arg(long, value_name = "DB.meme")]
    pub motifs: PathBuf,
    /// Number of examples (rows); default: the largest example index + 1.
    #[arg(long, value_name = "N")]
    pub n_examples: Option<usize>,
    /// Sum over examples (0: counts per motif) or motifs (1: counts per example).
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub dim: Option<u8>,
    /// Output `.npy`.
    #[arg(short, long, value_name = "counts.npy")]
    pub output: PathBuf,
}

impl CountArgs {
    /// Reads the table, counts and writes the array.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "count", "--annotations", "a.tsv", "--motifs", "db.meme", "-o", "c.npy",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Count(args) = cli.command else { panic!("not count") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let n_motifs = read_meme(&self.motifs)?.len();
        let rows = best_annotations(&self.annotations, n_motifs)?;
        let n_examples = match self.n_examples {
            Some(n) => n,
            None => rows.iter().map(|r| r[0] + 1).max().unwrap_or(0),
        };
        let counts = count_annotations(
            &rows,
            Some((n_examples, n_motifs)),
            self.dim.map(usize::from),
        )
        .map_err(|e| Error::File {
            path: self.annotations.clone(),
            message: e.to_string(),
        })?;
        let array = ArrayD::from_shape_vec(counts.shape.clone(), counts.data)
            .map_err(|e| Error::Invalid(format!("count array: {e}")))?;
        write_npy(&self.output, &array)?;
        ctx.note(&format!(
            "count: {} annotations -> {:?} counts in {}",
            rows.len(),
            counts.shape,
            self.output.display()
        ));
        Ok(())
    }
}

/// The `(example_idx, motif_idx)` of every best annotation (rank 1, or every row without a
/// `rank` column) of an annotated table, checked against the number of motifs.
pub(crate) fn best_annotations(path: &Path, n_motifs: usize) -> Result<Vec<[usize; 2]>> {
    Ok(best_annotation_rows(path, n_motifs, false)?
        .into_iter()
        .map(|[e, m, _, _]| [e, m])
        .collect())
}

/// [`best_annotations`] with each seqlet's `start` and `end`: `(example_idx, motif_idx, start,
/// end)` rows (tangermeme's input of `pairwise_annotations_spacing`).
pub(crate) fn best_annotation_spans(path: &Path, n_motifs: usize) -> Result<Vec<[usize; 4]>> {
    best_annotation_rows(path, n_motifs, true)
}

/// The rows of [`best_annotation_spans`]; `start` and `end` are read (and checked) only when
/// `spans`, else they are 0.
fn best_annotation_rows(path: &Path, n_motifs: usize, spans: bool) -> Result<Vec<[usize; 4]>> {
    let table = read_seqlet_table(path)?;
    let err = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let column = |t: &RecordBatch, name: &str| -> Result<Vec<i64>> {
        let i = t
            .schema()
            .index_of(name)
            .map_err(|_| err(format!("has no `{name}` column")))?;
        let c = t.column(i);
        if c.data_type() != &DataType::Int64 || c.null_count() > 0 {
            return Err(err(format!(
                "column `{name}` must hold integers without gaps"
            )));
        }
        Ok(c.as_primitive::<Int64Type>().values().to_vec())
    };
    let examples = column(&table, "example_idx")?;
    let motifs = column(&table, "motif_idx")?;
    let ranks = if table.schema().index_of("rank").is_ok() {
        Some(column(&table, "rank")?)
    } else {
        None
    };
    let (starts, ends) = if spans {
        (column(&table, "start")?, column(&table, "end")?)
    } else {
        (vec![0; examples.len()], vec![0; examples.len()])
    };
    let mut rows = Vec::new();
    for (r, (&e, &m)) in examples.iter().zip(&motifs).enumerate() {
        if ranks.as_ref().is_some_and(|k| k[r] != 1) {
            continue;
        }
        if e < 0 || m < 0 || m as usize >= n_motifs {
            return Err(err(format!(
                "row {r}: example_idx {e}, motif_idx {m}: indices must be >= 0 and motif_idx below the {n_motifs} motifs"
            )));
        }
        let (start, end) = (starts[r], ends[r]);
        if start < 0 || end < start {
            return Err(err(format!(
                "row {r}: start {start}, end {end}: a seqlet needs 0 <= start <= end"
            )));
        }
        rows.push([e as usize, m as usize, start as usize, end as usize]);
    }
    Ok(rows)
}
