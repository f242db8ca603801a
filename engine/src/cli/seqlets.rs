//! `motiflift seqlets`: seqlets from attributions (tangermeme `recursive_seqlets` or
//! `tfmodisco_seqlets`), written as a TSV or Parquet table.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ndarray::IxDyn;

use super::Context;
use crate::io::npy::read_f32;
use crate::io::npy_stream::NpyReader;
use crate::shard::Shard;
use crate::stream::recursive_seqlets_file;
use crate::io::table::write_table;
use crate::seqlets::{
    RecursiveOptions, TfmodiscoOptions, recursive_seqlets_fdr, tfmodisco_seqlets,
};
use crate::{Error, Result};

/// The seqlet caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// tangermeme `recursive_seqlets` (p-values; bit-identical).
    Recursive,
    /// tangermeme `tfmodisco_seqlets` (windows passing an FDR threshold; no p-value column).
    Tfmodisco,
}

/// Arguments of `motiflift seqlets`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "seqlets", "-i", "A.npy", "--threshold", "0.001", "-o", "s.tsv",
/// ]).unwrap();
/// let motiflift::cli::Command::Seqlets(args) = cli.command else { panic!("not seqlets") };
/// assert_eq!((args.threshold, args.min_seqlet_len, args.max_seqlet_len), (0.001, 4, 25));
/// ```
#[derive(Debug, Args)]
pub struct SeqletsArgs {
    /// Attributions `.npy` (or `.npy.gz`): `(n, L)`, or `(n, 4, L)` summed over the alphabet
    /// (float32; float64 files are rounded to float32).
    #[arg(short, long, value_name = "A.npy")]
    pub input: PathBuf,
    /// The caller.
    #[arg(long, value_enum, default_value_t = Method::Recursive)]
    pub method: Method,
    /// recursive: p-value threshold every sub-span must be below, in (0, 1].
    #[arg(long, default_value_t = 0.01)]
    pub threshold: f64,
    /// recursive: shortest seqlet.
    #[arg(long, default_value_t = 4, value_name = "LEN")]
    pub min_seqlet_len: usize,
    /// recursive: longest seqlet.
    #[arg(long, default_value_t = 25, value_name = "LEN")]
    pub max_seqlet_len: usize,
    /// recursive: positions added on both sides of every seqlet after calling.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub additional_flanks: usize,
    /// recursive: bins of the null histogram.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub n_bins: usize,
    /// recursive: control attributions (e.g. of shuffled sequences); the threshold is then
    /// chosen to reach --target-fdr and --threshold is ignored.
    #[arg(long, value_name = "C.npy")]
    pub control: Option<PathBuf>,
    /// Target false discovery rate (recursive with --control: default 0.1; tfmodisco: 0.2).
    #[arg(long, value_name = "FDR")]
    pub target_fdr: Option<f64>,
    /// recursive with --control: also write the FDR estimate at every threshold here.
    #[arg(long, value_name = "fdr.tsv")]
    pub fdr_table: Option<PathBuf>,
    /// tfmodisco: width of the scored windows.
    #[arg(long, default_value_t = 21, value_name = "W")]
    pub window_size: usize,
    /// tfmodisco: positions added on both sides of a window.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub flank: usize,
    /// Output table: `.parquet`/`.pq` for Parquet, anything else TSV.
    #[arg(short, long, value_name = "seqlets.tsv")]
    pub output: PathBuf,
    /// recursive without --control: call only the loci of block k of N contiguous blocks
    /// (0-based; the null is still built from every locus, so `motiflift merge` of the N
    /// tables equals the unsharded table). example_idx stays the global locus index.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
}

impl SeqletsArgs {
    /// Reads the attributions, calls the seqlets and writes the table.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "seqlets", "-i", "A.npy", "-o", "seqlets.tsv",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Seqlets(args) = cli.command else { panic!("not seqlets") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        if self.method == Method::Tfmodisco && (self.control.is_some() || self.fdr_table.is_some()) {
            return Err(Error::Invalid("--control and --fdr-table apply to --method recursive only".into()));
        }
        if self.control.is_none() && self.fdr_table.is_some() {
            return Err(Error::Invalid("--fdr-table needs --control (the FDR is estimated from it)".into()));
        }
        let recursive = RecursiveOptions {
            threshold: self.threshold,
            min_seqlet_len: self.min_seqlet_len,
            max_seqlet_len: self.max_seqlet_len,
            additional_flanks: self.additional_flanks,
            n_bins: self.n_bins,
        };
        let with_input = |e: Error| match e {
            Error::Kernel(k) => Error::File { path: self.input.clone(), message: k.to_string() },
            other => other,
        };
        let table = match (self.method, &self.control) {
            (Method::Recursive, None) => {
                // Streamed: three passes over the file, a chunk of loci at a time.
                let mut a = NpyReader::open(&self.input)?;
                let rows = self.shard.range(a.n_rows());
                recursive_seqlets_file(&mut a, rows, &recursive)?
            }
            _ if !self.shard.is_whole() => {
                return Err(Error::Invalid(
                    "--shard applies to --method recursive without --control (the others need every locus at once)"
                        .into(),
                ));
            }
            (Method::Tfmodisco, _) => {
                let options = TfmodiscoOptions {
                    window_size: self.window_size,
                    flank: self.flank,
                    target_fdr: self.target_fdr.unwrap_or(0.2),
                    ..Default::default()
                };
                tfmodisco_seqlets(read_f32::<IxDyn>(&self.input)?.view(), &options).map_err(with_input)?
            }
            (Method::Recursive, Some(path)) => {
                let x = read_f32::<IxDyn>(&self.input)?;
                let control = read_f32::<IxDyn>(path)?;
                let r = recursive_seqlets_fdr(x.view(), control.view(), &recursive, self.target_fdr.unwrap_or(0.1))?;
                if let Some(out) = &self.fdr_table {
                    write_table(out, &r.fdr)?;
                }
                match (r.threshold, &r.warning) {
                    (Some(t), _) => ctx.note(&format!("FDR mode: threshold {t:e}")),
                    (None, Some(w)) => ctx.note(&format!("warning: {w}")),
                    (None, None) => {}
                }
                r.seqlets
            }
        };
        write_table(&self.output, &table)?;
        ctx.note(&format!("{} seqlets -> {}", table.num_rows(), self.output.display()));
        Ok(())
    }
}
