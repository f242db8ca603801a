//! `motiflift tomtom`: Tomtom of query motifs against target motifs (memelite `tomtom`),
//! written as a long table.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use clap::Args;
use motiflift_kernels::tomtom::{TomtomOptions, tomtom};

use super::Context;
use crate::annotate::tomtom_targets;
use crate::io::meme::read_meme;
use crate::io::table::write_table;
use crate::{Error, Result};

/// Arguments of `motiflift tomtom`.
///
/// The output has one row per query and target (`--n-nearest K`: per query and rank, best
/// first, with a 1-based `rank` column): `query_idx query target_idx target [rank] p-value
/// score offset overlap strand`. Indices are 0-based positions in the MEME files; `strand` is 0
/// for the target as given and 1 for its reverse complement (whose coordinates `offset` then
/// uses).
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "tomtom", "--query", "q.meme", "--target", "db.meme", "--n-nearest", "5", "-o", "h.tsv",
/// ]).unwrap();
/// let motiflift::cli::Command::Tomtom(args) = cli.command else { panic!("not tomtom") };
/// assert_eq!((args.n_nearest, args.n_score_bins, args.exact_targets, args.exact), (Some(5), 100, false, false));
/// ```
#[derive(Debug, Args)]
pub struct TomtomArgs {
    /// Query motifs (MEME format).
    #[arg(long, value_name = "Q.meme")]
    pub query: PathBuf,
    /// Target motifs (MEME format); they are also the background of the p-values.
    #[arg(long, value_name = "T.meme")]
    pub target: PathBuf,
    /// Keep the K targets with the smallest p-values per query.
    #[arg(long, value_name = "K")]
    pub n_nearest: Option<usize>,
    /// Bins of the discretised column scores.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub n_score_bins: usize,
    /// Bins of the approximate column-score medians.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub n_median_bins: usize,
    /// Bins per letter of the lossy target-column hashing.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub n_target_bins: usize,
    /// Do not hash target columns (memelite `n_target_bins=None`).
    #[arg(long)]
    pub exact_targets: bool,
    /// Compare with the targets as given only, not their reverse complements.
    #[arg(long)]
    pub forward_only: bool,
    /// memelite's p-values bit for bit. Without it a faster null gives the same hits and
    /// p-values equal up to rounding (below 1e-12 relative).
    #[arg(long)]
    pub exact: bool,
    /// Output table: `.parquet`/`.pq` for Parquet, anything else TSV.
    #[arg(short, long, value_name = "hits.tsv")]
    pub output: PathBuf,
}

impl TomtomArgs {
    /// Reads both MEME files, runs Tomtom and writes the table.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "tomtom", "--query", "q.meme", "--target", "db.meme", "-o", "hits.tsv",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Tomtom(args) = cli.command else { panic!("not tomtom") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let queries = read_meme(&self.query)?;
        let targets = read_meme(&self.target)?;
        let in_file = |path: &PathBuf| {
            let path = path.clone();
            move |e: Error| Error::File {
                path: path.clone(),
                message: e.to_string(),
            }
        };
        let q = tomtom_targets(&queries).map_err(in_file(&self.query))?;
        let t = tomtom_targets(&targets).map_err(in_file(&self.target))?;
        let options = TomtomOptions {
            n_nearest: self.n_nearest,
            n_score_bins: self.n_score_bins,
            n_median_bins: self.n_median_bins,
            n_target_bins: (!self.exact_targets).then_some(self.n_target_bins),
            reverse_complement: !self.forward_only,
            exact: self.exact,
            ..TomtomOptions::default()
        };
        if options.n_nearest == Some(0) {
            return Err(Error::Invalid("--n-nearest must be at least 1".into()));
        }
        let hits = tomtom(&q, &t, &options)?;
        let k = hits.n_columns;
        let n = hits.n_queries * k;
        let query_idx: Vec<i64> = (0..n).map(|r| (r / k) as i64).collect();
        let target_idx: Vec<i64> = match &hits.indices {
            Some(ix) => ix.iter().map(|&i| i as i64).collect(),
            None => (0..n).map(|r| (r % k) as i64).collect(),
        };
        let int = |v: Vec<i64>| Arc::new(Int64Array::from(v)) as ArrayRef;
        let name_of = |names: &[crate::io::meme::Motif], idx: &[i64]| {
            Arc::new(StringArray::from(
                idx.iter()
                    .map(|&i| names[i as usize].name.clone())
                    .collect::<Vec<_>>(),
            )) as ArrayRef
        };
        let mut fields = vec![
            Field::new("query_idx", DataType::Int64, false),
            Field::new("query", DataType::Utf8, false),
            Field::new("target_idx", DataType::Int64, false),
            Field::new("target", DataType::Utf8, false),
        ];
        let mut columns = vec![
            int(query_idx.clone()),
            name_of(&queries, &query_idx),
            int(target_idx.clone()),
            name_of(&targets, &target_idx),
        ];
        if hits.indices.is_some() {
            fields.push(Field::new("rank", DataType::Int64, false));
            columns.push(int((0..n).map(|r| (r % k) as i64 + 1).collect()));
        }
        for name in ["p-value", "score", "offset", "overlap", "strand"] {
            let t = if name == "p-value" {
                DataType::Float64
            } else {
                DataType::Int64
            };
            fields.push(Field::new(name, t, false));
        }
        columns.push(Arc::new(Float64Array::from(hits.p_values)));
        columns.push(int(hits.scores));
        columns.push(int(hits.offsets));
        columns.push(int(hits.overlaps));
        columns.push(int(hits.strands.iter().map(|&s| i64::from(s)).collect()));
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| Error::Invalid(format!("cannot assemble the hit table: {e}")))?;
        write_table(&self.output, &batch)?;
        ctx.note(&format!(
            "tomtom: {} queries x {} targets -> {} rows in {}",
            queries.len(),
            targets.len(),
            batch.num_rows(),
            self.output.display()
        ));
        Ok(())
    }
}
