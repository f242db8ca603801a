//! `motiflift extract`: one-hot windows around loci, written as `.npy`.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::io::bed::{LociOptions, read_loci};
use crate::io::fasta::Fasta;
use crate::io::loci::{ExtractOptions, extract_loci};
use crate::io::npy::write_npy;
use crate::io::npy_stream::NpyWriter;
use crate::shard::{CHUNK_LOCI, Shard, chunks};
use crate::io::loci::window_mask;
use crate::{Error, Result};

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
    /// Also write the kept-locus mask (bool `.npy`, one entry per locus after `--chroms`; the
    /// same for every shard).
    #[arg(long, value_name = "MASK.npy")]
    pub mask: Option<PathBuf>,
    /// Extract only block k of N contiguous blocks of the kept loci (0-based); `motiflift
    /// merge` of the N outputs equals the unsharded run.
    #[arg(long, value_name = "k/N", default_value_t = Shard::WHOLE)]
    pub shard: Shard,
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
            n_loci: None,
            ..ExtractOptions::default()
        };
        if self.n_loci == Some(0) {
            return Err(Error::Invalid("n_loci must be at least 1".into()));
        }
        // The windows that fit, over all loci, so that the shards partition the loci a single
        // run keeps; each chunk of them is then extracted (and checked) as a single run would.
        let mask = window_mask(&loci, &fasta, self.width, self.max_jitter, self.n_loci)?;
        let kept: Vec<usize> = (0..loci.len()).filter(|&i| mask[i]).collect();
        if kept.is_empty() {
            // extract_loci's own error, which names the first locus and its chromosome.
            extract_loci(&loci, &fasta, &opts)?;
            return Err(Error::Invalid("no locus left".into()));
        }
        let block = self.shard.range(kept.len());
        let width = self.width + 2 * self.max_jitter;
        let mut out = NpyWriter::new::<i8>(&self.output, &[opts.alphabet.len(), width], block.len())?;
        let bar = ctx.progress(block.len() as u64, "loci");
        for chunk in chunks(block.clone(), CHUNK_LOCI) {
            let part: Vec<_> = kept[chunk].iter().map(|&i| loci[i].clone()).collect();
            let got = extract_loci(&part, &fasta, &opts)?;
            let flat: Vec<i8> = got.x.iter().map(|&v| v as i8).collect();
            out.write(&flat)?;
            bar.inc(part.len() as u64);
        }
        bar.finish_and_clear();
        out.finish()?;
        if let Some(path) = &self.mask {
            write_npy(path, &ndarray::Array1::from(mask))?;
        }
        ctx.note(&format!(
            "extract: {} of {} loci kept (shard {}: {}) -> {}",
            kept.len(),
            loci.len(),
            self.shard,
            block.len(),
            self.output.display()
        ));
        Ok(())
    }
}
