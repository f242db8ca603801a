//! `motiflift extract`: one-hot windows around loci, written as `.npy`.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::Result;
use crate::io::bed::{LociOptions, read_loci};
use crate::io::fasta::Fasta;
use crate::io::loci::{ExtractOptions, extract_loci_with_progress};
use crate::io::npy::write_npy;

/// Arguments of `motiflift extract`.
///
/// ```
/// use clap::Parser;
/// let cli = motiflift::cli::Cli::try_parse_from([
///     "motiflift", "extract", "--bed", "a.bed", "--bed", "b.bed.gz", "--fasta", "g.fa",
///     "--chroms", "chr1,chr2", "--width", "1000", "-o", "X.npy",
/// ]).unwrap();
/// let motiflift::cli::Command::Extract(args) = cli.command else { panic!("not extract") };
/// assert_eq!(args.bed.len(), 2);
/// assert_eq!(args.chroms, ["chr1", "chr2"]);
/// ```
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// BED, BED3+ or narrowPeak file (`.gz` for gzip); repeat to interleave several sets.
    #[arg(long, required = true, value_name = "PEAKS")]
    pub bed: Vec<PathBuf>,
    /// Genome FASTA; its `.fai` index is used when present, else built in memory.
    #[arg(long, value_name = "GENOME")]
    pub fasta: PathBuf,
    /// Window width centred on each locus midpoint (tangermeme `in_window`).
    #[arg(long, default_value_t = 2114)]
    pub width: usize,
    /// Centre loci on their narrowPeak summit (column 10).
    #[arg(long)]
    pub summits: bool,
    /// Keep only loci on these chromosomes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "C1,C2")]
    pub chroms: Vec<String>,
    /// Widen every window by this many bases on each side.
    #[arg(long, default_value_t = 0, value_name = "J")]
    pub max_jitter: usize,
    /// Keep at most the first N loci that fit on their chromosome.
    #[arg(long, value_name = "N")]
    pub n_loci: Option<usize>,
    /// Output `.npy`: int8 one-hot `(n, 4, width + 2 * max_jitter)`, alphabet ACGT, N as an
    /// all-zero column (the dtype tangermeme's `extract_loci` returns).
    #[arg(short, long, value_name = "X.npy")]
    pub output: PathBuf,
    /// Also write the kept-locus mask (bool `.npy`, one entry per locus after `--chroms`).
    #[arg(long, value_name = "MASK.npy")]
    pub mask: Option<PathBuf>,
}

impl ExtractArgs {
    /// Reads the loci, extracts the windows and writes the outputs.
    ///
    /// ```no_run
    /// use clap::Parser;
    /// let cli = motiflift::cli::Cli::try_parse_from([
    ///     "motiflift", "extract", "--bed", "peaks.bed.gz", "--fasta", "genome.fa", "-o", "X.npy",
    /// ]).unwrap();
    /// let motiflift::cli::Command::Extract(args) = cli.command else { panic!("not extract") };
    /// args.run(&motiflift::cli::Context { quiet: true })?;
    /// # Ok::<(), motiflift::Error>(())
    /// ```
    pub fn run(self, ctx: &Context) -> Result<()> {
        let loci_opts = LociOptions {
            summits: self.summits,
            chroms: (!self.chroms.is_empty()).then_some(self.chroms),
        };
        let loci = read_loci(&self.bed, &loci_opts)?;
        let fasta = Fasta::open(&self.fasta)?;
        let opts = ExtractOptions {
            in_window: self.width,
            max_jitter: self.max_jitter,
            n_loci: self.n_loci,
            ..ExtractOptions::default()
        };
        let bar = ctx.progress(loci.len() as u64, "loci");
        let out = extract_loci_with_progress(&loci, &fasta, &opts, &bar)?;
        write_npy(&self.output, &out.x.mapv(|v| v as i8))?;
        if let Some(mask) = &self.mask {
            write_npy(mask, &ndarray::Array1::from(out.mask.clone()))?;
        }
        ctx.note(&format!(
            "extract: {} of {} loci kept -> {}",
            out.x.shape()[0],
            loci.len(),
            self.output.display()
        ));
        Ok(())
    }
}
