//! `motiflift merge`: concatenates the outputs of `--shard 0/N .. N-1/N` runs in locus order
//! (`.npy` arrays along their first axis, or TSV/Parquet tables), or averages the attributions
//! of several models or folds elementwise (`--mean-over-models`).

use std::path::{Path, PathBuf};

use arrow::array::{Array, Float64Array, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;
use clap::Args;

use super::Context;
use crate::annotate::read_seqlet_table;
use crate::io::npy_stream::{NpyReader, NpyWriter};
use crate::io::table::write_table;
use crate::shard::{CHUNK_LOCI, chunks};
use crate::{Error, Result};

/// Arguments of `motiflift merge`.
///
/// The kind of merge follows the output's extension: `.npy` concatenates arrays (same dtype and
/// the same shape after the first axis, byte for byte), anything else concatenates tables (TSV
/// or Parquet by extension, same columns). Tables with a `p-value` column (recursive seqlet
/// tables and their annotations) are then sorted stably by it, as a single run orders them, so
/// the merge of the shards equals the unsharded table exactly.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "merge", "-o", "A.npy", "A.0.npy", "A.1.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Merge(args) = cli.command else { panic!("not merge") };
/// assert_eq!(args.inputs.len(), 2);
/// assert!(!args.mean_over_models);
/// ```
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output: `.npy`, or a table (`.parquet`/`.pq` for Parquet, anything else TSV).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Inputs, in locus order (shard 0 first).
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// Average `.npy` attributions of several models or folds elementwise (same shape; the mean
    /// is taken in float64 in input order and written as float32) instead of concatenating.
    #[arg(long)]
    pub mean_over_models: bool,
}

fn is_npy(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".npy") || name.ends_with(".npy.gz")
}

impl MergeArgs {
    /// Checks the inputs against each other and writes the merged file (atomically).
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "merge", "-o", "seqlets.tsv", "s.0.tsv", "s.1.tsv",
    /// ]).unwrap();
    /// motiflift::cli::run(cli)?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let npy_out = is_npy(&self.output);
        if let Some(bad) = self.inputs.iter().find(|p| is_npy(p) != npy_out) {
            return Err(Error::File {
                path: bad.clone(),
                message: format!(
                    "cannot merge into {}: {} an .npy array",
                    self.output.display(),
                    if npy_out { "expected" } else { "a table is expected, not" }
                ),
            });
        }
        match (npy_out, self.mean_over_models) {
            (true, false) => concat_npy(&self.inputs, &self.output, ctx),
            (true, true) => mean_npy(&self.inputs, &self.output, ctx),
            (false, false) => concat_tables(&self.inputs, &self.output, ctx),
            (false, true) => Err(Error::Invalid(
                "--mean-over-models averages .npy attributions; the output must be .npy".into(),
            )),
        }
    }
}

fn mismatch(path: &Path, what: &str, found: String, first: &Path, expected: String) -> Error {
    Error::File {
        path: path.to_path_buf(),
        message: format!("{what} {found} does not match {} ({expected})", first.display()),
    }
}

/// Concatenates arrays along the first axis, byte for byte.
fn concat_npy(inputs: &[PathBuf], output: &Path, ctx: &Context) -> Result<()> {
    let mut readers = inputs.iter().map(NpyReader::open).collect::<Result<Vec<_>>>()?;
    let first = &readers[0];
    for r in &readers[1..] {
        if r.descr() != first.descr() {
            return Err(mismatch(r.path(), "dtype", format!("'{}'", r.descr()), first.path(), format!("'{}'", first.descr())));
        }
        if r.shape()[1..] != first.shape()[1..] {
            return Err(mismatch(
                r.path(),
                "shape",
                format!("{:?}", r.shape()),
                first.path(),
                format!("{:?}; all but the first axis must agree", first.shape()),
            ));
        }
    }
    let total: usize = readers.iter().map(NpyReader::n_rows).sum();
    let mut out = NpyWriter::like(output, first, total)?;
    for r in &mut readers {
        for c in chunks(0..r.n_rows(), CHUNK_LOCI) {
            out.write_raw(&r.read_raw(c)?)?;
        }
    }
    out.finish()?;
    ctx.note(&format!("merge: {} files, {total} rows -> {}", inputs.len(), output.display()));
    Ok(())
}

/// The elementwise mean of arrays of one shape, as float32.
fn mean_npy(inputs: &[PathBuf], output: &Path, ctx: &Context) -> Result<()> {
    let mut readers = inputs.iter().map(NpyReader::open).collect::<Result<Vec<_>>>()?;
    for r in &readers {
        if !matches!(r.descr().trim_start_matches(['<', '=', '|']), "f4" | "f8") {
            return Err(Error::File {
                path: r.path().to_path_buf(),
                message: format!("--mean-over-models: expected float32 or float64 attributions, found '{}'", r.descr()),
            });
        }
    }
    let shape = readers[0].shape().to_vec();
    let first = readers[0].path().to_path_buf();
    for r in &readers[1..] {
        if r.shape() != shape.as_slice() {
            return Err(mismatch(r.path(), "shape", format!("{:?}", r.shape()), &first, format!("{shape:?}")));
        }
    }
    let m = readers.len() as f64;
    let mut out = NpyWriter::new::<f32>(output, &shape[1..], shape[0])?;
    for c in chunks(0..shape[0], CHUNK_LOCI) {
        let mut sum = readers[0].read_f64(c.clone())?;
        for r in &mut readers[1..] {
            sum += &r.read_f64(c.clone())?;
        }
        let mean: Vec<f32> = sum.iter().map(|&v| (v / m) as f32).collect();
        out.write(&mean)?;
    }
    out.finish()?;
    ctx.note(&format!("merge: mean of {} arrays {shape:?} -> {}", inputs.len(), output.display()));
    Ok(())
}

/// Concatenates tables with the same columns; sorted stably by `p-value` when there is one.
fn concat_tables(inputs: &[PathBuf], output: &Path, ctx: &Context) -> Result<()> {
    let tables = inputs.iter().map(read_seqlet_table).collect::<Result<Vec<_>>>()?;
    let schema = tables[0].schema();
    let describe = |t: &RecordBatch| {
        t.schema().fields().iter().map(|f| format!("{}: {}", f.name(), f.data_type())).collect::<Vec<_>>().join(", ")
    };
    for (t, path) in tables.iter().zip(inputs).skip(1) {
        let same = t.schema().fields().len() == schema.fields().len()
            && t.schema().fields().iter().zip(schema.fields()).all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
        if !same {
            return Err(mismatch(path, "columns", format!("[{}]", describe(t)), &inputs[0], format!("[{}]", describe(&tables[0]))));
        }
    }
    let merged = arrow::compute::concat_batches(&schema, &tables)
        .map_err(|e| Error::Invalid(format!("cannot concatenate the tables: {e}")))?;
    let merged = match schema.index_of("p-value") {
        Ok(c) => {
            let p = merged.column(c).as_any().downcast_ref::<Float64Array>().ok_or_else(|| Error::File {
                path: inputs[0].clone(),
                message: "column `p-value` must be Float64".into(),
            })?;
            let mut order: Vec<u32> = (0..merged.num_rows() as u32).collect();
            order.sort_by(|&a, &b| p.value(a as usize).total_cmp(&p.value(b as usize)));
            take_record_batch(&merged, &UInt32Array::from(order))
                .map_err(|e| Error::Invalid(format!("cannot sort the merged table: {e}")))?
        }
        Err(_) => merged,
    };
    write_table(output, &merged)?;
    ctx.note(&format!("merge: {} tables, {} rows -> {}", inputs.len(), merged.num_rows(), output.display()));
    Ok(())
}
