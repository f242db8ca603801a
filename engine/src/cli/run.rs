//! `motiflift run`: the whole analysis from a `pipeline.toml`.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::Result;
use crate::pipeline::{Pipeline, RunOptions};
use crate::shard::Shard;

/// Arguments of `motiflift run`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "run", "--config", "pipeline.toml", "-o", "out",
/// ]).unwrap();
/// let motiflift::cli::Command::Run(args) = cli.command else { panic!() };
/// assert_eq!(args.output.to_str(), Some("out"));
/// ```
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline configuration (paths in it are relative to the file).
    #[arg(long, value_name = "pipeline.toml")]
    pub config: PathBuf,
    /// Output folder (steps already done there with the same inputs are reused).
    #[arg(short, long, value_name = "OUTDIR", default_value = "motiflift-out")]
    pub output: PathBuf,
    /// Analyse only the first N loci (a quick preview of the whole pipeline).
    #[arg(long, value_name = "N")]
    pub max_loci: Option<usize>,
    /// Attribute only block k of N contiguous blocks of the loci (0-based; every model) and
    /// stop; a later run without --shard merges the N finished shards and does the rest.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
}

impl RunArgs {
    /// Runs the pipeline.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from(["motiflift", "run", "--config", "p.toml"]).unwrap();
    /// motiflift::cli::run(cli)?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let pipeline = Pipeline::from_file(&self.config)?;
        let options = RunOptions { quiet: ctx.quiet, max_loci: self.max_loci };
        let report = pipeline.run_shard(&self.output, &options, self.shard)?;
        ctx.note(&format!("{} files in {}", report.files.len(), self.output.display()));
        Ok(())
    }
}
