//! `motiflift annotate`: the best Tomtom matches of every seqlet (tangermeme
//! `annotate_seqlets`), appended to the seqlet table.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, UInt32Array};
use arrow::compute::{take, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use clap::Args;
use motiflift_kernels::tomtom::TomtomOptions;

use super::Context;
use crate::annotate::{read_seqlet_table, seqlet_rows};
use crate::io::meme::read_meme;
use crate::io::npy_stream::NpyReader;
use crate::io::table::write_table;
use crate::shard::Shard;
use crate::stream::annotate_seqlets_file;
use crate::{Error, Result};

/// Columns `annotate` appends (after `rank` when `--n-nearest` is above 1).
pub const ANNOTATION_COLUMNS: [&str; 3] = ["motif_idx", "motif", "motif_p-value"];

/// Arguments of `motiflift annotate`.
///
/// The output is the seqlet table with the columns `motif_idx` (0-based index in the MEME file),
/// `motif` (its name) and `motif_p-value` appended. With `--n-nearest K` above 1 every seqlet
/// row is repeated K times, best match first, with a `rank` column (1 = best) before them.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "annotate", "--seqlets", "s.tsv", "-i", "X.npy", "--motifs", "db.meme", "-o", "a.tsv",
/// ]).unwrap();
/// let motiflift::cli::Command::Annotate(args) = cli.command else { panic!("not annotate") };
/// assert_eq!((args.n_nearest, args.exact), (1, false));
/// ```
#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// Seqlet table (TSV or Parquet); its first three columns are example_idx, start, end.
    #[arg(long, value_name = "seqlets.tsv")]
    pub seqlets: PathBuf,
    /// The one-hot sequences the seqlets were called on, `(n, 4, L)` `.npy` (or `.npy.gz`).
    #[arg(short, long, value_name = "X.npy")]
    pub input: PathBuf,
    /// Motif database (MEME format); every motif is a Tomtom target.
    #[arg(long, value_name = "DB.meme")]
    pub motifs: PathBuf,
    /// Matches kept per seqlet.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub n_nearest: usize,
    /// tangermeme's p-values bit for bit (Tomtom's exact null), several times slower. Without it
    /// the motif indices are the same and the p-values equal up to rounding (below 1e-12
    /// relative).
    #[arg(long)]
    pub exact: bool,
    /// Output table: `.parquet`/`.pq` for Parquet, anything else TSV.
    #[arg(short, long, value_name = "annotated.tsv")]
    pub output: PathBuf,
    /// Annotate only the seqlets of the loci in block k of N contiguous blocks of X's loci
    /// (0-based), in table order; `motiflift merge` of the N tables equals the unsharded one.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
}

impl AnnotateArgs {
    /// Reads the inputs, annotates the seqlets and writes the table.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "annotate", "--seqlets", "s.tsv", "-i", "X.npy", "--motifs", "db.meme", "-o", "a.tsv",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Annotate(args) = cli.command else { panic!("not annotate") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let table = read_seqlet_table(&self.seqlets)?;
        let schema = table.schema();
        for name in ANNOTATION_COLUMNS.iter().chain(&["rank"]) {
            if schema.index_of(name).is_ok() {
                return Err(Error::File {
                    path: self.seqlets.clone(),
                    message: format!("already has a `{name}` column (an annotated table?)"),
                });
            }
        }
        let in_seqlets = |e: Error| Error::File {
            path: self.seqlets.clone(),
            message: e.to_string(),
        };
        let mut x = NpyReader::open(&self.input)?;
        let mut rows = seqlet_rows(&table).map_err(in_seqlets)?;
        // A shard's Tomtom calls see the longest seqlet of the whole table, as one run's do.
        let longest = rows.iter().map(|&[_, s, t]| t.saturating_sub(s).max(0) as usize).max();
        let mut table = table;
        if !self.shard.is_whole() {
            let block = self.shard.range(x.n_rows());
            let keep: Vec<u32> = (0..rows.len() as u32)
                .filter(|&r| {
                    let e = rows[r as usize][0];
                    e >= 0 && block.contains(&(e as usize))
                })
                .collect();
            table = take_record_batch(&table, &UInt32Array::from(keep))
                .map_err(|e| Error::Invalid(format!("cannot select the shard's seqlets: {e}")))?;
            rows = seqlet_rows(&table).map_err(in_seqlets)?;
        }
        let schema = table.schema();
        let motifs = read_meme(&self.motifs)?;
        let options = TomtomOptions {
            n_nearest: Some(self.n_nearest),
            exact: self.exact,
            longest_query: longest,
            ..TomtomOptions::default()
        };
        let hits = annotate_seqlets_file(&mut x, &rows, &motifs, &options).map_err(in_seqlets)?;
        let k = hits.motif_indices.ncols();
        let repeat = UInt32Array::from(
            (0..rows.len() * k)
                .map(|r| (r / k) as u32)
                .collect::<Vec<_>>(),
        );
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        let mut columns: Vec<ArrayRef> = if k == 1 {
            table.columns().to_vec()
        } else {
            table
                .columns()
                .iter()
                .map(|c| take(c.as_ref(), &repeat, None))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::Invalid(format!("cannot repeat the seqlet rows: {e}")))?
        };
        if k > 1 {
            fields.push(Field::new("rank", DataType::Int64, false));
            columns.push(Arc::new(Int64Array::from(
                (0..rows.len() * k)
                    .map(|r| (r % k) as i64 + 1)
                    .collect::<Vec<_>>(),
            )));
        }
        let idx: Vec<i64> = hits.motif_indices.iter().map(|&i| i64::from(i)).collect();
        let names: Vec<String> = idx
            .iter()
            .map(|&i| motifs[i as usize].name.clone())
            .collect();
        fields.push(Field::new(ANNOTATION_COLUMNS[0], DataType::Int64, false));
        fields.push(Field::new(ANNOTATION_COLUMNS[1], DataType::Utf8, false));
        fields.push(Field::new(ANNOTATION_COLUMNS[2], DataType::Float64, false));
        columns.push(Arc::new(Int64Array::from(idx)));
        columns.push(Arc::new(StringArray::from(names)));
        columns.push(Arc::new(Float64Array::from(
            hits.p_values.iter().copied().collect::<Vec<_>>(),
        )));
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| Error::Invalid(format!("cannot assemble the annotated table: {e}")))?;
        write_table(&self.output, &batch)?;
        ctx.note(&format!(
            "annotate: {} seqlets x {} motifs -> {} rows in {}",
            rows.len(),
            motifs.len(),
            batch.num_rows(),
            self.output.display()
        ));
        Ok(())
    }
}
